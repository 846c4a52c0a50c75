"""tests/corpus/08_small_int.cl

bytes_shorts follows C's integer promotions: char/uchar/short/ushort operands become int, the arithmetic is done in
int (no overflow possible at these widths) and the assignment truncates. packed_i16 works on OpenCL vectors, whose
operators act in the element type itself (no promotion): short2 arithmetic wraps at 16 bits, shift counts are taken
modulo 16, and the saturating builtins saturate at 16 bits.

Scalar __builtin_elementwise_add_sat / sub_sat on char and short: clang before 21 applies the integer promotions
to their arguments (llvm-project PR #119423 changed that), so clang-19, which builds the corpus, saturates at the
int range, i.e. never here, and the assignment truncates: so[i + 1024] = (short)(d + a) and
uo[i + 4096] = (uchar)(b - (uchar)e), wrapping. The reference follows the compiler the corpus is built with (the
8/16-bit saturation the kernel may have meant to test is not what clang-19 makes of it). The vector forms in
packed_i16 are not promoted and do saturate.
"""
import numpy as np
from tests.emu.corpus_refs import Case


def bytes_shorts(rng, lanes):
  n = 256
  c = rng.integers(-128, 128, n).astype(np.int8)
  uc = rng.integers(0, 256, 3 * n).astype(np.uint8)
  s = rng.integers(-2**15, 2**15, n).astype(np.int16)
  us = rng.integers(0, 2**16, n + 5).astype(np.uint16)
  c[:6] = [-128, 127, 0, -1, 1, -4]
  uc[:18:3] = [0, 255, 1, 128, 127, 254]
  s[:6] = [-2**15, 2**15 - 1, 0, -1, 8, -9]
  us[5:11] = [0, 65535, 32768, 1, 255, 256]
  a, b, d, e = c.astype(np.int64), uc[::3].astype(np.int64), s.astype(np.int64), us[5:].astype(np.int64)
  co = (a * b + (a >> 2)).astype(np.int8)
  uo = np.zeros(4096 + n, np.uint8)
  uo[:n] = ((b + e) & 0xFF) ^ np.where(a < 0, 0x80, 0x7F)
  uo[4096:] = b - (e & 0xFF)                     # sub_sat of the int-promoted operands, then truncated
  so = np.zeros(1024 + n, np.int16)
  so[:n] = (((d * a + e.astype(np.uint16).astype(np.int16)).astype(np.int16).astype(np.int64) - (d >> 3))).astype(np.int16)
  so[1024:] = d + a                              # add_sat of the int-promoted operands, then truncated
  uso = ((e // (b | 1)).astype(np.uint16).astype(np.int64) + np.where(e > (d & 0xFFFF), e, d & 0xFFFF)).astype(np.uint16)
  outs = (np.zeros(n, np.int8), np.zeros(4096 + n, np.uint8), np.zeros(1024 + n, np.int16), np.zeros(n, np.uint16))
  return Case(n // lanes, lanes, (*outs, c, uc, s, us), {0: co, 1: uo, 2: so, 3: uso})


def packed_i16(rng, lanes):
  n = 256
  a = rng.integers(-2**15, 2**15, (n + 2, 2)).astype(np.int16)
  b = rng.integers(0, 2**16, (n + 3, 2)).astype(np.uint16)
  a[:4] = [[-2**15, 2**15 - 1], [-1, 0], [2**15 - 1, 1], [-2**15, -1]]
  b[:4] = [[0, 65535], [65535, 0], [1, 2], [32768, 32767]]
  x, y = a[:n].astype(np.int64), a[2:].astype(np.int64)
  u, v = b[:n].astype(np.int64), b[3:].astype(np.int64)
  sh = np.array([1, 2])
  out = np.zeros((1024 + n, 2), np.int16)
  out[:n] = x * y + x - (y >> 1) + (x << sh)                            # wraps at 16 bits on the store
  out[512:512 + n] = np.maximum(x, y) - np.minimum(x, y)
  out[1024:] = np.clip(x + y, -2**15, 2**15 - 1)
  uout = np.zeros((512 + n, 2), np.uint16)
  uout[:n] = (u * v + (u >> 3) + np.maximum(u, v) - np.minimum(u, v)) & 0xFFFF
  uout[512:] = np.maximum(u - v, 0)
  return Case(n // lanes, lanes, (np.zeros_like(out), np.zeros_like(uout), a, b), {0: out, 1: uout})
