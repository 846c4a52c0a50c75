"""Compile a hot loop with numba on first use (cached on disk), or run it as plain Python without numba.

Compiling lazily keeps `import sqtt` cheap for code that never decodes a trace."""
from __future__ import annotations
from functools import lru_cache


@lru_cache(maxsize=None)
def compiled(fn):
  try:
    import numba
  except ImportError:   # pragma: no cover - numba is a dependency; this keeps a broken install usable, slowly
    return fn
  return numba.njit(cache=True, nogil=True)(fn)
