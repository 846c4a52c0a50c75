"""Compile a hot loop with numba on first use (cached on disk), or run it as plain Python without numba.

Compiling lazily keeps `import sqtt` cheap for code that never decodes a trace. Safe to call from several
threads at once (a server loads captures in parallel): each function is compiled once, under a lock, and
nothing is rebound in its module: a compiled function that calls another gets the compiled callee through
`calls`, in a copy of its globals."""
from __future__ import annotations
import threading, types

_lock = threading.RLock()        # re-entered: compiling a function compiles its callees first
_done: dict = {}


def compiled(fn, **calls):
  """`fn` compiled by numba (nogil, cached on disk). `calls` maps global names `fn` calls to the plain
  functions behind them; fn sees their compiled versions under those names."""
  key = (fn, tuple(sorted(calls.items(), key=lambda kv: kv[0])))
  if (hit := _done.get(key)) is not None: return hit
  with _lock:
    if (hit := _done.get(key)) is None:
      if calls:
        glob = {**fn.__globals__, **{name: compiled(callee) for name, callee in calls.items()}}
        fn = types.FunctionType(fn.__code__, glob, fn.__name__, fn.__defaults__, fn.__closure__)
        fn.__qualname__ = key[0].__qualname__
      try:
        import numba
        hit = numba.njit(cache=True, nogil=True)(fn)
      except ImportError:   # pragma: no cover - numba is a dependency; this keeps a broken install usable, slowly
        hit = fn
      _done[key] = hit
  return hit
