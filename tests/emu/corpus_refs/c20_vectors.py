"""tests/corpus/20_vectors.cl

vec: OpenCL may contract `x * y + k`, `t * t.zxy + r` and `e * e.yx + ...` into fmas (gfx11/12 do); the inputs are
multiples of 1/16 with few significant bits, so every product is exact and fused or not is the same. A float3 is
stored in a 16-byte slot whose fourth float the source leaves undefined (clang may store it as a float4 with an
undefined lane), so that float is not compared. No NaNs and no equal zeros of opposite sign reach min (minnum may
return either zero).
"""
import numpy as np
from tests.emu.corpus_refs import Case, AfterRun, care


def _grid_f32(rng, n, bits=11, scale=16):
  v = rng.integers(-(2**bits) + 1, 2**bits, n)
  v[v == 0] = 1
  return (v / scale).astype(np.float32)


def vec(rng, lanes):
  n = 128
  a = _grid_f32(rng, (n + 1) * 4).reshape(-1, 4)
  b = rng.integers(-2**14, 2**14, (n + 3) * 2).astype(np.int32).reshape(-1, 2)
  c = _grid_f32(rng, n * 4).reshape(-1, 4)
  c[:, 3] = np.float32(12345.0)                          # padding: never read as a value
  d = (rng.integers(-2**20, 2**20, n * 2) / 16).reshape(-1, 2)
  k = rng.standard_normal(4).astype(np.float32)
  o4, o2 = np.zeros((n, 4), np.float32), np.zeros((n, 2), np.int32)
  o3, od = np.zeros((n, 4), np.float32), np.zeros((n, 2), np.float64)
  x, y = a[:n], a[1:n + 1]
  r = x * y + k                                          # exact product: one rounding
  r = np.stack([r[:, 0], x[:, 1], r[:, 2], x[:, 3]], 1) - y[:, ::-1]
  r = np.where((x[:, 0] < y[:, 0])[:, None], r, x)
  r = np.minimum(r, y) + np.abs(x)
  p, q = b[:n].astype(np.int64), b[3:n + 3].astype(np.int64)
  e2 = p * q + (p >> 1) + np.stack([q[:, 1], p[:, 0]], 1)
  t = c[:, :3]
  e3 = np.zeros((n, 4), np.float32)
  e3[:, :3] = t * t[:, [2, 0, 1]] + r[:, :3]
  ed = d * d[:, ::-1] + np.stack([x[:, 0], y[:, 1]], 1).astype(np.float64)
  args = (o4, o2, o3, od, a, b, c, d, k)
  pad = np.array([True, True, True, False])
  return Case(n // 64, 64, args, AfterRun(args, {0: r, 1: e2.astype(np.int32), 2: care(e3, pad), 3: ed}))


def gather4(rng, lanes):
  n = 128
  a = rng.standard_normal((1024, 4)).astype(np.float32) * np.float32(1000)
  idx = rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32)
  out = np.zeros(n * 16, np.float32)
  v = a[idx & 1023]
  exp = np.concatenate([v, v * np.float32(2), v * np.float32(3), v * np.float32(4)], 1).reshape(-1)
  return Case(n // 64, 64, (out, a, idx), {0: exp})
