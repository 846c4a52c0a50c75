"""tests/corpus/12_atomics_local.cl

lds_atomics races by construction, so the reference keeps to what every order of the atomics gives:
- `o` is not compared: lane l's fetch_add on hist[l] and lane l-1's fetch_sub on hist[l] (and everyone's first
  fetch_add on hist[x & 63]) hit one word with nothing ordering them, so r differs by order whatever `a` holds.
- With a = 0 everywhere, `lo` and `fo` are order-independent: every fetch_add / fetch_max / fadd on l64[0..1] and
  lf[0], lf[2] returns 0, the cmpxchg on l64[3] returns 0 whether it wins or not, and the finals are l64[2] = OR
  of all work-item ids and lf[1] = the work-item count (exact in f32). One workgroup: the outputs are indexed by
  the work-item id alone.
"""
import numpy as np
from tests.emu.corpus_refs import Case


def lds_atomics(rng, lanes):
  block = 256
  a = np.zeros(block, np.int32)
  o, lo, fo = np.zeros(block, np.int32), np.full(block, -1, np.int64), np.full(block, -1, np.float32)
  l = np.arange(block)
  l64 = np.zeros(8, np.int64)
  l64[2] = np.bitwise_or.reduce(l)
  lf = np.array([0, block, 0, 0], np.float32)
  return Case(1, block, (o, lo, fo, a), {1: l64[l & 7], 2: lf[l & 3]})
