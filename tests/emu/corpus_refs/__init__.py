"""numpy references for the corpus kernels (tests/corpus/NN_name.cl -> cNN_name.py here), run by tests/emu/test_corpus.py.

Each module defines, per kernel it covers, a function `KERNEL(rng, lanes) -> Case` (or `KERNEL(rng, lanes, arch)` when
the kernel's results depend on the target, e.g. `#if __GFX12__`): the launch, the arguments (numpy
arrays for buffers, scalars by value) built from the seeded generator, and the expected contents of the buffers after
the run, computed here in numpy from the same arguments, independently of the simulator.
"""
from __future__ import annotations
from dataclasses import dataclass, field
import numpy as np


@dataclass
class Case:
  grid: int | tuple
  block: int | tuple
  args: tuple
  expected: dict                        # argument index -> the array it must hold after the run
  ulp: dict = field(default_factory=dict)  # argument index -> ULPs allowed (only where the hardware is approximate)
  note: str = ""


def s32(x):
  """Wrap to int32 (two's complement), from any integer array."""
  return (np.asarray(x, np.int64) & 0xFFFFFFFF).astype(np.uint32).view(np.int32)


def u32(x): return (np.asarray(x, np.int64) & 0xFFFFFFFF).astype(np.uint32)


def trunc_div(a, b):
  """C's integer division (toward zero) on int64 arrays."""
  a, b = np.asarray(a, np.int64), np.asarray(b, np.int64)
  q = np.abs(a) // np.abs(b)
  return np.where((a < 0) != (b < 0), -q, q)


def trunc_rem(a, b): return np.asarray(a, np.int64) - trunc_div(a, b) * np.asarray(b, np.int64)


class AfterRun(dict):
  """`expected` for outputs the source defines only in part (lanes whose value is undefined, stores that race,
  a vec3's padding, atomics whose returned values depend on the order lanes are served in): an entry may be a
  function of the array the run left, called when the harness reads `expected` (after the run); it returns what
  the array must equal. Plain arrays are compared as usual."""
  def __init__(self, args: tuple, entries: dict):
    super().__init__(entries)
    self.args = args

  def items(self): return [(i, f(self.args[i]) if callable(f) else f) for i, f in super().items()]


def care(want, defined):
  """An AfterRun entry: the output must equal `want` (bit for bit) where `defined` (broadcast to want's shape) is
  set; elsewhere the source leaves the value undefined and any value passes. `defined` comes from the source's
  meaning, never from the output."""
  want = np.asarray(want)
  defined = np.broadcast_to(np.asarray(defined, bool), want.shape)
  assert defined.any(), "a reference that defines nothing checks nothing"
  return lambda got: np.where(defined, want, got).astype(want.dtype)


def one_of(options):
  """An AfterRun entry: each element must equal one of options[..., k] (the values the legal orders of racing
  stores or atomics can leave there); a mismatch reports options[..., 0]."""
  options = np.asarray(options)
  return lambda got: np.where((got[..., None] == options).any(-1), got, options[..., 0]).astype(options.dtype)
