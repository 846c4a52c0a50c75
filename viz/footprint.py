"""How much memory a loaded capture holds: walked, not guessed, so an upload budget can be kept.

`deep_size` follows references from a root through containers, dataclasses, plain objects and numpy arrays,
counting each object once (sys.getsizeof; an array's data buffer once, however many views share it). It stops at
modules, classes and functions, which belong to the program, not to the capture."""
from __future__ import annotations
import sys, types
import numpy as np

SHARED = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType, property)


def deep_size(root) -> int:
  seen: set[int] = set()
  total, stack = 0, [root]
  while stack:
    obj = stack.pop()
    if id(obj) in seen or isinstance(obj, SHARED): continue
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
      total += sys.getsizeof(obj)        # the header, and the data when this array owns it
      base = obj.base
      if base is None: continue
      if isinstance(base, (np.ndarray, bytes, bytearray, memoryview)): stack.append(base)   # the data is counted there
      elif id(base) not in seen:         # a foreign allocation (numba's): its size is only known through its views
        seen.add(id(base)); total += obj.nbytes
      continue
    total += sys.getsizeof(obj)
    if isinstance(obj, (str, bytes, bytearray, int, float, complex, bool, type(None), memoryview, range)): continue
    if isinstance(obj, dict): stack.extend(obj.keys()); stack.extend(obj.values())
    elif isinstance(obj, (list, tuple, set, frozenset)): stack.extend(obj)
    else:
      d = getattr(obj, "__dict__", None)
      if d is not None: stack.append(d)
      for cls in type(obj).__mro__:
        for name in getattr(cls, "__slots__", ()):
          if hasattr(obj, name): stack.append(getattr(obj, name))
  return total
