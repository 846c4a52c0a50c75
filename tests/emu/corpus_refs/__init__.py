"""numpy references for the corpus kernels (tests/corpus/NN_name.cl -> cNN_name.py here), run by tests/emu/test_corpus.py.

Each module defines, per kernel it covers, a function `KERNEL(rng, lanes) -> Case`: the launch, the arguments (numpy
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
