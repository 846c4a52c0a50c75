"""tests/corpus/17_scratch.cl (private arrays: buf/d/c in scratch, v[16] in registers or scratch)"""
import numpy as np
from tests.emu.corpus_refs import Case, s32


def big_private(rng, lanes):
  items, n = 64, 40
  a = rng.standard_normal(1024).astype(np.float32) * np.float32(10)
  idx = rng.integers(-2**31, 2**31, max(n, items), dtype=np.int64).astype(np.int32)
  i = np.arange(items)
  buf = a[(i[:, None] + np.arange(512)[None]) & 1023]          # (items, 512) float32
  for k in range(n):
    j = int(idx[k]) & 511
    buf[:, j] = buf[:, (j * 7) & 511] + buf[i, (j + i) & 511]   # both read before the store
  j = idx[:items].astype(np.int64) & 511
  d = buf[i, (j & 63) * 8]                                       # (float)(double)buf[k * 8] is buf[k * 8]
  exp = buf[i, j] + buf[i, 511 - j] + d + (j & 127).astype(np.float32)
  return Case(items // 64, 64, (np.zeros(items, np.float32), a, idx, np.int32(n)), {0: exp})


def small_private(rng, lanes):
  items, sel = 128, 0x5B
  a = rng.integers(-2**27, 2**27, items * 16).astype(np.int32)
  v = a.reshape(items, 16).astype(np.int64).copy()
  i = np.arange(items)
  t = v[i, a[:items].astype(np.int64) & 15]
  v[:, sel & 15] = t
  exp = v[i, (i + 3) & 15] + v[:, sel & 15] + t + v[:, sel >> 4 & 15]
  return Case(items // 64, 64, (np.zeros(items, np.int32), a, np.uint32(sel)), {0: s32(exp)})
