"""tests/corpus/15_control_flow.cl

branches runs with mode = 1 (the uniform switch's `r += x` arm, which keeps every earlier arm's result alive); lanes
whose y is NaN leave out[i] as it was, and nothing is written past the grid (out[i + 1024] is mode 7's). Inputs stay
where the source is defined: no signed overflow, no float -> int conversion of NaN or out-of-range values on a lane
that uses the result.
"""
import numpy as np
from tests.emu.corpus_refs import Case, s32


def branches(rng, lanes):
  n, mode = 256, 1
  a = rng.integers(-200, 300, n).astype(np.int32)
  a[:16] = [101, 100, 11, 10, -51, -50, 3, 0, -1, 7, 8, 200, -120, 55, 99, 12]
  f = rng.uniform(-5, 200, n).astype(np.float32)
  f[::7] = rng.uniform(-1, 1, len(f[::7])).astype(np.float32)
  f[3::29] = np.nan
  f[5::31] = -0.0
  f[6::37] = 0.5
  f[[4, 12, 20]] = [0.75, 0.25, 2.0]      # -51 / -120 with y > 0.5 and not
  out = np.full(2048, 0x5A5A5A5A, np.int32)
  x, y, i = a.astype(np.int64), f, np.arange(n)
  yt = np.trunc(np.nan_to_num(y)).astype(np.int64)          # (int)y: only used where y is a number
  r = np.where(x > 100, x * 3, np.where(x > 10, x + yt, np.where((x < -50) & (y > 0.5), -x, 7)))
  sw = x & 7
  r = np.select([sw == 0, sw == 1, sw == 2, sw == 3, sw == 5],
                [r + 11, r * 5, (r ^ 0x55) - i, r - i, r << 2], ~r)
  r = r + x                                                  # mode 1
  r = np.where((x & 1).astype(bool) | ((y < 0) & (x != 3)), r + 100, r)
  exp = out.copy()
  keep = ~np.isnan(y)
  exp[:n][keep] = s32(r)[keep]
  return Case(n // 64, 64, (out, a, f, np.int32(mode)), {0: exp})


def nested(rng, lanes):
  n_items, n = 256, 100
  a = rng.uniform(-50, 300, n_items).astype(np.float32)
  a[rng.choice(n_items, 20, replace=False)] = rng.uniform(1000.5, 2000, 20).astype(np.float32)
  idx = rng.integers(-3, 120, n_items).astype(np.int32)
  idx[:8] = [-1, -2, 0, n - 1, n, 99, -1, 150]
  out = np.full(n_items, 12345.0, np.float32)
  exp = np.zeros(n_items, np.float32)
  for i in range(n_items):
    j = int(idx[i])
    acc = np.float32(0)
    if j >= 0:
      if j < n:
        for k in range(j, n, 3):
          v = a[k]
          if v < 0: continue
          if v > 1000: break
          acc = np.float32(acc + v)
      else: acc = np.float32(a[i] * np.float32(2))
    elif j == -1: acc = -a[i]
    exp[i] = acc
  return Case(n_items // 64, 64, (out, a, idx, np.int32(n)), {0: exp})
