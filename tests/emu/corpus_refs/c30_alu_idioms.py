"""tests/corpus/30_alu_idioms.cl

idioms, one wave. Integer results are exact Python integers taken modulo 2^32 / 2^64: the source's signed
overflows (x << 4, (1 << 31) - 1, the sums) are undefined in C, and the machine's two's complement wrap is what
LLVM's code for them does. Float results are rounded once per operation (_exact).

fo (argument 2) has a tolerance of 16 ulp, for fo[i] = g / k + 1.0f / k + sqrtf(k) / g + ...: OpenCL allows
2.5 ulp for single precision x / y and 1 / x and 3 ulp for sqrt, and the builds use approximate sequences
(v_rcp_f32 / v_sqrt_f32, frexp / ldexp scaling; the simulator's rcp and sqrt are correctly rounded, the hardware's
about 1 ulp). Every term is positive, so the sum's error is at most the terms' (<= 6 * 2^-23 relative for
sqrt(k) / g, less for the others: <= 12 ulp of the sum) plus one ulp for each of the four additions rounding
another way: 16. The rest of fo (the atomics' results) is exact but for work-items 0 and 1 of fo[4096 + i],
which return fo[8] / fo[9] as lanes 8 and 9 stored them (inexact sums of the same kind).

Memory: every work-item's generic pointer gen covers io[b .. b + 4] with b = i + 8192 (odd i) or i + 12288 (even
i), so work-item i's gen + 2 and gen + 4 are the gen of i + 2 and i + 4: the stores and atomics of different
work-items meet (a data race in OpenCL's model). The reference runs them in the order every build emits them
(verified in the disassembly): each statement for all lanes, in program order; a statement's lanes touch distinct
addresses, except the fo[8] / fo[9] / lo[0] atomics, whose lanes take turns in lane order (LLVM's atomic optimizer
scans the lanes in that order; a CAS loop's successes come in that order too). The a[] values read as floats at
gen + 4 (the float atomic add) are bit patterns of normal floats, and so is the io memory there; lo[0], which the
double atomic add reads as a double, is 12345 (a denormal double: -cl-denorms-are-zero keeps f64 denormals), so
whether the optimizer adds the lanes' sum at once or each lane in turn rounds the same. No f32 denormal appears
(the -cl-denorms-are-zero build flushes them; the simulator stops on one in that mode).

rounding: MODE's f32 round mode (s_round_mode): x + y toward zero, then the contracted fma(x, y, r) toward zero,
then + (float)FLT_ROUNDS (1: to nearest) to nearest. x and y are drawn so that both directed roundings differ
from rounding to nearest.
"""
from fractions import Fraction
import math
import numpy as np
from tests.emu.corpus_refs import Case, s32
from tests.emu.corpus_refs._exact import F32, F64, rnd

f16, f32, f64 = np.float16, np.float32, np.float64
M32, M64 = (1 << 32) - 1, (1 << 64) - 1


def _s(v, bits): v &= (1 << bits) - 1; return v - (1 << bits) if v >> (bits - 1) else v
def F(v) -> Fraction: return Fraction(float(v))
def r32(v) -> float: return float(rnd(v, F32)) if v != 0 else 0.0
def r64(v) -> float: return float(rnd(v, F64)) if v != 0 else 0.0
def fbits(v) -> int: return int(np.array(v, f32).view(np.int32))
def bfloat(b) -> float: return float(np.array(b & M32, np.uint32).view(f32))


def _float_patterns(rng, n):
  """int32 bit patterns of normal floats, either sign, exponents 2^-100 .. 2^100."""
  e = rng.integers(27, 228, n).astype(np.int64)
  b = (rng.integers(0, 2, n) << 31) | (e << 23) | rng.integers(0, 1 << 23, n)
  return b.astype(np.uint32).view(np.int32)


def idioms(rng, lanes):
  n = lanes
  a = _float_patterns(rng, n + 2)
  a[:4] = [0, -2**31, 12345, -7]            # lane 0: lo[0] = z = 12345; a[4..]: read as floats at gen + 4
  a[4:6] = np.abs(a[4:6].view(np.int32)) & 0x7FFFFFFF   # positive: work-items 0, 1's sum has no cancellation
  g = rng.uniform(0.5, 100, n + 1).astype(f32)
  g[0], g[1] = 512.0, 0.5                   # fo[8] / fo[9] atomics: lanes >= 1 / >= 2 get exact values
  f = g
  d = rng.uniform(1, 64, n + 2)
  d[3] = 40.0
  hb = rng.integers(0, 0x5400, n + 3).astype(np.uint16)      # halves in [0, 64): (ushort)h is defined
  h = hb.view(f16)
  h[0] = f16(-3.75)
  h[5] = h[7]; h[9] = h[12]                 # equal halves for the == arm
  s = rng.integers(-32768, 32768, n + 1).astype(np.int16)
  s[3] = s[4]
  io0 = _float_patterns(rng, 16384 + n)
  lo0 = rng.integers(-2**62, 2**62, 4096 + n, dtype=np.int64)
  fo0 = rng.uniform(-10, 10, 4096 + n).astype(f32)
  so0 = np.zeros(n, np.int16)
  io, lo, fo = [int(v) for v in io0], [int(v) for v in lo0], [float(v) for v in fo0]
  so = so0.copy()
  sx24 = lambda v: _s(v, 24)
  for i in range(n):
    x, y, z = int(a[i]), int(a[i + 1]), int(a[i + 2])
    ux, uy = x & M32, y & M32
    lo[i] = _s(x * y + z + ux * uy + ((sx24(x) * sx24(y)) >> 32), 64)
    t = ((x ^ y) + z) + ((x + y) << 3) + ((x << 4) | y) + ((x & y) | z) + (x | y | z) + (x ^ y ^ z)
    t += (((1 << (y & 31)) - 1) << (z & 31)) + (((ux & 0xFFFFFF) * (uy & 0xFFFFFF)) >> 32)
    t += (x - y - z) + ((x >> 3) + y) + (ux >> (uy & 31)) * 3
    io[i] = _s(t, 32)
    gg, kk = g[i], g[i + 1]
    io[i + 4096] = _s(int(np.floor(gg)) + int(np.floor(r32(F(kk) + Fraction(1, 2)))) + int(np.trunc(r32(F(gg) * F(kk))))
                      + int(d[i]) + int(d[i + 1]) + int(np.trunc(float(h[i]))) + int(float(h[i + 1])), 32)
    sq = r32(_sqrt_exact(F(kk)))
    terms = [r32(F(gg) / F(kk)), r32(1 / F(kk)), r32(F(sq) / F(gg)), float(f32(d[i]) * f32(0.5)), r32(F(d[i]) / F(d[i + 2]))]
    acc = terms[0]
    for t2 in terms[1:]: acc = r32(F(acc) + F(t2))
    fo[i] = acc
    p, q = int(s[i]), int(s[i + 1])
    up, uq = p & 0xFFFF, q & 0xFFFF
    hsel = 1 if h[i] < h[i + 2] else int(h[i] == h[i + 3])
    so[i] = _s(min(p, q) + max(p, q) + _s(p * q, 16) + (up < uq) + (p == q) * 5 + _s(max(up, uq), 16) + hsel, 16)
  base = [i + 8192 if i & 1 else i + 12288 for i in range(n)]
  X = [int(a[i]) for i in range(n)]; Y = [int(a[i + 1]) for i in range(n)]; Z = [int(a[i + 2]) for i in range(n)]
  for i in range(n): io[base[i]] = X[i]
  for i in range(n): io[base[i] + 1] = _s(io[base[i] + 1] + Y[i], 32)
  r3 = []
  for i in range(n): r3.append(io[base[i] + 2]); io[base[i] + 2] = max(io[base[i] + 2], Z[i])
  r4 = []
  for i in range(n): r4.append(io[base[i] + 3]); io[base[i] + 3] = X[i]
  for i in range(n): io[i + 16384] = _s(r3[i] + r4[i], 32)
  r6 = []
  for i in range(n):
    old = bfloat(io[base[i] + 4])
    r6.append(old)
    io[base[i] + 4] = fbits(r32(F(old) + F(g[i])))
  r7, r8 = [], []
  for i in range(n): r7.append(fo[8]); fo[8] = max(fo[8], float(g[i]))
  for i in range(n): r8.append(fo[9]); fo[9] = min(fo[9], float(g[i]))
  for i in range(n): fo[i + 4096] = r32(F(r32(F(r6[i]) + F(r7[i]))) + F(r8[i]))
  dacc = float(np.array(lo[0], np.int64).view(f64))
  r10 = []
  for i in range(n): r10.append(dacc); dacc = r64(F(dacc) + F(g[i]))
  lo[0] = int(np.array(dacc, f64).view(np.int64))
  for i in range(n): lo[4096 + i] = int(np.array(r10[i], f64).view(np.int64))
  args = (lo0.copy(), io0.copy(), fo0.copy(), so0.copy(), a, f, s, h, d)
  exp = {0: np.array(lo, np.int64), 1: np.array(io, np.int64).astype(np.int32), 2: np.array(fo, f32), 3: so}
  return Case(1, n, args, exp, ulp={2: 16})


def _sqrt_exact(v: Fraction) -> Fraction:
  """sqrt(v) rounded to nearest f32, exactly: the integer square root of v scaled far enough (then one more
  rounding to f32 of a value 60 bits precise and not a tie: a square root of a float is never a midpoint)."""
  num, den = v.numerator, v.denominator
  sh = 200
  root = math.isqrt((num << (2 * sh)) // den)
  return Fraction(root, 1 << sh)


def rounding(rng, lanes):
  def rtz(v): return float(rnd(v, F32, "rtz")) if v != 0 else 0.0
  while True:
    x, y = f32(rng.standard_normal() * 100), f32(rng.standard_normal() * 3)
    s_exact = F(x) + F(y)
    r = rtz(s_exact)
    m_exact = F(x) * F(y) + F(r)
    if r != r32(s_exact) and rtz(m_exact) != r32(m_exact): break
  r = rtz(m_exact)
  out = r32(F(r) + 1)
  return Case(1, lanes, (np.zeros(lanes, f32), x, y), {0: np.full(lanes, out, f32)})
