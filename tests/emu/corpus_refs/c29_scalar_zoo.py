"""tests/corpus/29_scalar_zoo.cl (uniform: every lane stores the same value)

s_int: exact Python integers. The shifts and multiplies stay where C defines them (a >= 0 and small, so a << 1
and a * -7 fit; e >= 0 and e << (a & 63) fits 63 bits); the int / long sums are taken modulo 2^32 / 2^64, which is
what the machine's adds and LLVM's code for them do (where the source's signed sum would overflow it is undefined,
and nothing here lets LLVM use that). a and b avoid the trap values.

s_float: each operation rounded once in the source's order (_exact: exact Fractions). OpenCL's default
FP_CONTRACT fuses `x * y + fmaf(x, y, 1)` into fma(x, y, fmaf(x, y, 1)) and `hx * hy + hx` into fma(hx, hy, hx).
x / 3.0f may be off by 2.5 ulp (OpenCL single precision): -O0 runs the correctly rounded div_scale / div_fmas /
div_fixup sequence, -O1/-O3 x * RN(1/3) scaled by frexp / ldexp; x is drawn where both give RN(x / 3), so one
exact reference serves every build.
"""
from fractions import Fraction
import numpy as np
from tests.emu.corpus_refs import Case
from tests.emu.corpus_refs._exact import F16, F32, rnd

f16, f32 = np.float16, np.float32
M32, M64 = (1 << 32) - 1, (1 << 64) - 1


def _s(v, bits): v &= (1 << bits) - 1; return v - (1 << bits) if v >> (bits - 1) else v


def s_int(rng, lanes):
  a = int(rng.integers(0, 2**20)) * 64 + 7              # a & 63 == 7
  b = _s(int(rng.integers(0, 2**32)), 32)
  c, d = int(rng.integers(0, 2**32)), int(rng.integers(0, 2**32))
  e = int(rng.integers(0, 2**50))
  f = int(rng.integers(0, 2**63)) * 2 + 1
  s, u8 = -12345, 200
  assert a != 0x7777 and b != 0x6666
  r = (c >> (d & 31)) & (((1 << (b & 15)) - 1) & M32)
  r += _s(((c & 0xFFFF) | (d << 16 & M32)) ^ ((c >> 16) | (d & 0xFFFF0000)), 32)
  r += _s(a, 8) + _s(b, 16) + s + u8
  r += ~a & ~(a & b) & ~(a | b) & ~(a ^ b)
  ctz = lambda v: (v & -v).bit_length() - 1
  clz32 = lambda v: 32 - v.bit_length()
  ffs = lambda v: ctz(v & M32) + 1 if v else 0
  clrsb = lambda v: clz32((v ^ (v >> 31)) & M32) - 1
  r += ctz(c | 1 << 30) + clz32(d | 1) + ffs(a) + clrsb(b)
  r += 5 if (c >> (d & 31)) & 1 else 9
  r += _s(c * 17 + 123456, 32) + a * -7 + (a << 1) + b
  r += bin(c ^ d).count("1") + _s(int(f"{c:032b}"[::-1], 2), 32) + abs(a - b)
  fl = _s(f, 64)
  q = (e << (a & 63)) + (e >> (b & 63)) + (f >> (c & 63)) + e * fl
  q += e if e < fl else fl
  q += 1 if f == 0x123456789 else (2 if f != e else 3)
  q += bin(f).count("1") + (64 - (f | 1).bit_length()) + ctz(f | 1 << 62) + _s(int(f"{f:064b}"[::-1], 2), 64)
  q = _s(q, 64)
  q |= (e & fl) ^ _s(~f, 64) ^ (e | ~fl)
  args = (np.zeros(lanes, np.int32), np.zeros(lanes, np.int64), np.int32(a), np.int32(b), np.uint32(c), np.uint32(d),
          np.int64(e), np.uint64(f), np.int16(s), np.uint8(u8))
  return Case(1, lanes, args, {0: np.full(lanes, _s(r, 32), np.int32), 1: np.full(lanes, _s(q, 64), np.int64)})


def _r32(v): return f32(float(rnd(v, F32))) if v != 0 else f32(0.0)
def _r16(v): return f16(float(rnd(v, F16))) if v != 0 else f16(0.0)
def F(v): return Fraction(float(v))


def s_float(rng, lanes):
  third = f32(1) / f32(3)
  while True:                                             # x / 3: see the module docstring
    x = f32(rng.uniform(-1000, 1000))
    if _r32(F(x) * F(third)) == _r32(F(x) / 3): break
  y = f32(rng.uniform(0.5, 3000))
  k = int(rng.integers(-2**31, 2**31))
  hx, hy = f16(rng.uniform(-60, 60)), f16(rng.uniform(-60, 60))
  # r
  t = _r32(F(x) * F(y) + 1)
  r = _r32(F(_r32(F(x) * F(y) + F(t))) - F(_r32(F(x) / 3)))
  s = _r32(F(min(x, y)) + F(max(x, -y)))
  s = _r32(F(s) + F(np.floor(x))); s = _r32(F(s) + F(np.ceil(y)))
  r = _r32(F(r) + F(s))
  s = _r32(F(_r32(k)) + F(_r32(k & M32)))
  s = _r32(F(s) + F(_r32(int(np.trunc(x))))); s = _r32(F(s) + F(_r32(int(np.trunc(y)))))
  r = _r32(F(r) + F(s))
  r = _r32(F(r) + (1 if x < y else 4))
  # h
  h = _r16(F(_r16(F(hx) * F(hy) + F(hx))) - F(hy))
  h2 = _r16(F(_r16(F(h) * F(hx) + F(hy))) + F(min(hx, hy)))
  h2 = _r16(F(h2) + F(max(h, hy)))
  s = _r16(F(_r16(F(x))) + F(np.floor(hx)))
  for v in (np.ceil(hy), np.trunc(h2), np.rint(hx)): s = _r16(F(s) + F(v))
  h3 = _r16(F(h2) + F(s))
  h4 = _r16(F(h3) + (1 if hx < hy else 2))
  r = _r32(F(r) + F(h4))
  args = (np.zeros(lanes, f32), np.zeros(lanes, f16), x, y, hx, hy, np.int32(k))
  return Case(1, lanes, args, {0: np.full(lanes, r, f32), 1: np.full(lanes, h4, f16)})
