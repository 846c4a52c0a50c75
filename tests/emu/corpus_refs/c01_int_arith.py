"""tests/corpus/01_int_arith.cl"""
import numpy as np
from tests.emu.corpus_refs import Case, s32, u32, trunc_div, trunc_rem


def int_mix(rng, lanes):
  n = 256
  a = rng.integers(-2**31, 2**31, n + 1, dtype=np.int64).astype(np.int32)
  b = rng.integers(0, 2**32, n + 7, dtype=np.uint64).astype(np.uint32)
  a[::17] = [2**31 - 1, -2**31, 0, -1, 7, -7, 1, 3, 10, -10, 100, 5, 6, 2**30, -2**30, 13][: len(a[::17])]
  k, m = -123457, 0xDEADBEEF
  out = np.zeros(n * 8, np.int32)
  i = np.arange(n)
  x, y = a[i].astype(np.int64), a[i + 1].astype(np.int64)
  u, v = b[i].astype(np.int64), b[i + 7].astype(np.int64)
  sx24 = lambda z: s32(np.asarray(z, np.int64) << 8).astype(np.int64) >> 8
  mul24 = s32(sx24(x) * sx24(y)).astype(np.int64)
  umul24 = u32((u & 0xFFFFFF) * (v & 0xFFFFFF)).astype(np.int64)
  mad24 = s32(mul24 + sx24(k) * sx24(x)).astype(np.int64)
  exp = np.zeros((n, 8), np.int64)
  exp[:, 0] = mul24 + umul24 + mad24
  exp[:, 1] = s32((x * y) >> 32).astype(np.int64) ^ s32((u.astype(np.uint64) * np.uint64(m)) >> np.uint64(32)).astype(np.int64)
  exp[:, 2] = trunc_div(x, y | 1) + s32(u % (v | 1))
  exp[:, 3] = (x >> (k & 31)) + s32(u >> (m & 31)) + s32(x << (u & 31))
  add_sat = np.clip(x + y, -2**31, 2**31 - 1); sub_sat = np.clip(x - k, -2**31, 2**31 - 1)
  exp[:, 4] = add_sat - sub_sat
  uadd_sat = np.minimum(u + v, 2**32 - 1); usub_sat = np.maximum(u - m, 0)
  exp[:, 5] = s32(uadd_sat + usub_sat)
  exp[:, 6] = trunc_div(x, 7) + s32(u // 13) + trunc_rem(x, 10)
  exp[:, 7] = (x < y).astype(np.int64) - (u >= v) + (x == k) * 3 + np.abs(s32(x - y).astype(np.int64))
  return Case(n // lanes, lanes, (out, a, b, np.int32(k), np.uint32(m)), {0: s32(exp).reshape(-1)})


def int_scalar(rng, lanes):
  a, b = int(rng.integers(-2**31, 2**31)), int(rng.integers(-2**31, 2**31))
  c, d = int(rng.integers(0, 2**32)), int(rng.integers(0, 2**32))
  w = lambda z: int(s32(z))
  r = w(a * b + (a >> 3) - (b << 2))
  r ^= w(c // (d | 1) + int(trunc_rem(a, b | 1)))
  r = w(r + w((a * b) >> 32) + w(c >> (d & 31)) + min(a, b) + max(c, d))
  nc = lambda z: ~z & 0xFFFFFFFF
  r = w(r | w((nc(c) & d) | (c & nc(d)) | nc(c | d) | nc(c ^ d) | nc(c & d)))
  r = w(r + bin(c).count("1") + (32 - (d | 1).bit_length()) + ((c | 0x100) & -(c | 0x100)).bit_length() - 1)
  r = w(r + abs(a) + w(int(f"{c:032b}"[::-1], 2)))
  out = np.zeros(lanes, np.int32)
  return Case(1, lanes, (out, np.int32(a), np.int32(b), np.uint32(c), np.uint32(d)), {0: np.full(lanes, r, np.int32)})
