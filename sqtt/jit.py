"""Compile a hot loop with numba on first use (cached on disk), or run it as plain Python without numba.

Compiling lazily keeps `import sqtt` cheap for code that never decodes a trace. Safe to call from several
threads at once (a server loads captures in parallel): each function is compiled once, under a lock, and
nothing is rebound in its module: a compiled function that calls another gets the compiled callee through
`calls`, in a copy of its globals.

Small work is cheaper interpreted: importing numba and loading its cached machine code costs about half a
second, more than plain Python takes over a few hundred kilobytes of trace, and a first run with no cache
compiles for seconds. Inside `with interpreted():` (per thread) `compiled` hands back the plain functions."""
from __future__ import annotations
import contextlib, threading, types

_lock = threading.RLock()        # re-entered: compiling a function compiles its callees first
_done: dict = {}
_local = threading.local()

@contextlib.contextmanager
def interpreted(on: bool = True):
  """Within this block (in this thread), compiled() returns plain Python functions when `on`."""
  before = getattr(_local, "interpreted", False)
  _local.interpreted = on
  try: yield
  finally: _local.interpreted = before


def is_interpreted() -> bool:
  """Whether this thread is inside `with interpreted():`."""
  return getattr(_local, "interpreted", False)


class PythonInts:
  """Stands in for numpy inside a hot loop run as plain Python: np.int64(x) / np.uint64(x) of a Python int stay Python
  ints (64-bit wrapped), which is several times faster than numpy scalars; anything else is numpy's."""
  int64 = int
  @staticmethod
  def uint64(x): return x & 0xFFFF_FFFF_FFFF_FFFF
  def __getattr__(self, name): return getattr(_np(), name)


def _np():
  import numpy
  return numpy


class Rows:
  """An integer array of 2 or more dimensions as lists, indexed t[i, j] as numpy is: the plain-Python loop's view of
  it. A row becomes a list when first used (a 16 x 4096 queue whose loop touches two rows costs two rows);
  `write_back` puts the rows used back into the array."""
  __slots__ = ("a", "rows")
  def __init__(self, a): self.a, self.rows = a, [None] * len(a)
  def _row(self, i):
    r = self.rows[i]
    if r is None: r = self.rows[i] = self.a[i].tolist()
    return r
  def __getitem__(self, ij): return self._row(ij[0])[ij[1]]
  def __setitem__(self, ij, v): self._row(ij[0])[ij[1]] = v
  def write_back(self):
    for i, r in enumerate(self.rows):
      if r is not None: self.a[i] = r


def as_dict(a) -> dict:
  """A 2-D table as {(i, j): value}: t[i, j] then costs one tuple hash in C, where Rows costs a Python call."""
  return {(i, j): v for i, row in enumerate(a.tolist()) for j, v in enumerate(row)}


def python_ints(fn):
  """`fn` with numpy's scalar constructors replaced by Python ints (see PythonInts); for the interpreted path, whose
  caller hands it bytes, lists, dicts (as_dict) and Rows so that no numpy scalar is made per packet."""
  return types.FunctionType(fn.__code__, {**fn.__globals__, "np": PythonInts()}, fn.__name__, fn.__defaults__, fn.__closure__)


def compiled(fn, **calls):
  """`fn` compiled by numba (nogil, cached on disk). `calls` maps global names `fn` calls to the plain
  functions behind them; fn sees their compiled versions under those names."""
  if getattr(_local, "interpreted", False): return fn       # its calls are to the plain functions already
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
