"""tests/corpus/16_loops.cl

counted: OpenCL contracts `s += a * (float)k` into an fma where the target likes it (gfx11/12 do, -O0 too); a is
a multiple of 1/8 below 2^10, so every product and partial sum is exact and fused or not gives the same bits. The
second loop is an explicit fma whose product (s * 0.5) is exact, so it is one f32 addition.
"""
import numpy as np
from tests.emu.corpus_refs import Case, u32


def counted(rng, lanes):
  items, n = 128, 10
  a = (rng.integers(-8000, 8000, max((n - 1) * 64 + items, items + 32)) / 8).astype(np.float32)
  out = np.zeros(items, np.float32)
  i = np.arange(items)
  s = np.zeros(items, np.float32)
  for k in range(n): s = s + a[k * 64 + i] * np.float32(k)
  for k in range(32): s = s * np.float32(0.5) + a[i + k]
  return Case(items // 64, 64, (out, a, np.int32(n)), {0: s})


def nested_loops(rng, lanes):
  items, rows, cols = 128, 6, 7
  m = rng.integers(0, 400, rows * cols).astype(np.int32)
  m[[5, 20, 41]] = [3, 3, 77]                   # a value found twice: the first one counts
  out = np.zeros(items, np.int32)
  flat = m.astype(np.int64)
  exp = np.zeros(items, np.int64)
  for i in range(items):
    hit = np.flatnonzero(flat == i)
    exp[i] = (flat[:hit[0]] & 0xF).sum() if len(hit) else -(flat & 0xF).sum()
  return Case(items // 64, 64, (out, m, np.int32(rows), np.int32(cols)), {0: exp.astype(np.int32)})


def collatz(rng, lanes):
  items = 128
  x0 = rng.integers(1, 100000, items, dtype=np.int64)
  x0[:8] = [0, 1, 2, 3, 27, 0xFFFFFFFF, 0xAAAAAAAB, 0x80000001]   # 27: 111 steps; big odd ones wrap 3x + 1
  inp = u32(x0)
  x = x0.copy()
  steps = np.zeros(items, np.int64)
  live = np.ones(items, bool)
  while live.any():
    x = np.where(live, np.where(x & 1, (3 * x + 1) & 0xFFFFFFFF, x >> 1), x)
    steps += live
    live &= (x > 1) & (steps < 1000)
  return Case(items // 64, 64, (np.zeros(items, np.uint32), inp), {0: u32(steps)})


def while_search(rng, lanes):
  items, n = 128, 100
  srt = np.sort(rng.integers(-1000, 1000, n)).astype(np.int32)
  srt[10:14] = srt[10]                           # duplicates: lower_bound finds the first
  keys = rng.integers(-1100, 1100, items).astype(np.int32)
  keys[:6] = [srt[0], srt[-1], srt[10], -5000, 5000, srt[50]]
  exp = np.searchsorted(srt.astype(np.int64), keys.astype(np.int64), side="left").astype(np.int32)
  return Case(items // 64, 64, (np.zeros(items, np.int32), srt, np.int32(n), keys), {0: exp})
