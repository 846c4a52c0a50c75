"""Bit-exact floating point of the AMD GPU ISA (RDNA3/RDNA4, round to nearest even, denormals kept) over numpy arrays.

Every function takes numpy arrays (or scalars) and works lane-wise without a Python loop per element; the result has
the sources' type unless said otherwise. Where a source's semantics come from: the RDNA3/RDNA4 ISA guides'
pseudocode (as extracted from AMD's PDFs), LLVM (its constant folding and the division expansion it emits), and
tinygrad's hardware-checked emulator tests where the pseudocode is self-contradictory; each such choice is marked
"ISA:", "LLVM:" or "HW?:" (the last: a guess or second-hand hardware observation, unproven here).

Exactness:
- fma_f32 / fma_f16 / fma_f32(.., dtype=f16): the product of two f32 (or f16) is exact in float64; the sum is rounded
  to odd in float64 (TwoSum gives the error; an inexact sum with an even last bit steps one ulp toward the error),
  then rounded to nearest even in the target type. Rounding to odd at p bits then to nearest at q <= p - 2 bits is
  the correctly rounded result (Boldo & Melquiond 2008), subnormal and overflowing targets included; 53 >= 24 + 2.
- fma_f64: Dekker's exact product and Boldo & Melquiond's emulated FMA (th + tl = c + ph exactly, v = RO(tl + pl),
  z = RN(th + v)) on operands scaled by powers of two so nothing over- or underflows; a lane whose result is
  subnormal (a second rounding would follow) is computed exactly with fractions.Fraction instead (rare lanes).
"""
from __future__ import annotations

import functools
from fractions import Fraction
from typing import NamedTuple

import numpy as np

f16, f32, f64 = np.float16, np.float32, np.float64

class Fmt(NamedTuple):
  uint: type      # the same-width unsigned type (the bits)
  mant: int       # stored mantissa bits
  emax: int       # all-ones exponent field (inf / nan)
  bias: int

FMT = {np.dtype(f16): Fmt(np.uint16, 10, 31, 15), np.dtype(f32): Fmt(np.uint32, 23, 255, 127),
       np.dtype(f64): Fmt(np.uint64, 52, 2047, 1023)}

def _f(x, dt=None) -> np.ndarray:
  x = np.asarray(x, dt)
  if x.dtype not in FMT: raise TypeError(f"not f16/f32/f64: {x.dtype}")
  return x

def _same(*xs):
  # all sources in the first one's type, broadcast against each other
  x0 = _f(xs[0])
  return np.broadcast_arrays(x0, *(_f(x, x0.dtype) for x in xs[1:]))

def bits(x) -> np.ndarray: x = _f(x); return x.view(FMT[x.dtype].uint)
def from_bits(b, dt) -> np.ndarray: return np.asarray(b, FMT[np.dtype(dt)].uint).view(dt)
def exp_field(x) -> np.ndarray:
  """The biased exponent field (the ISA's exponent()): 0 for zeros and subnormals, emax for inf/nan."""
  x = _f(x); F = FMT[x.dtype]
  return ((bits(x) >> F.mant) & F.emax).astype(np.int64)
def _qbit(dt): return FMT[np.dtype(dt)].uint(1 << (FMT[np.dtype(dt)].mant - 1))
def is_snan(x): x = _f(x); return np.isnan(x) & ((bits(x) & _qbit(x.dtype)) == 0)
def is_qnan(x): x = _f(x); return np.isnan(x) & ((bits(x) & _qbit(x.dtype)) != 0)
def quiet(x):
  """cvtToQuietNAN: a NaN with the quiet bit set (payload and sign kept); other values unchanged."""
  x = _f(x)
  return np.where(np.isnan(x), (bits(x) | _qbit(x.dtype)).view(x.dtype), x)
def default_nan(dt, neg=False):
  # HW?: the NaN an invalid operation makes: quiet, positive, no payload (0x7fc00000); div_fixup's 0/0 is negative
  F = FMT[np.dtype(dt)]
  return from_bits(F.uint((F.emax << F.mant) | (1 << (F.mant - 1)) | ((1 << (8 * np.dtype(dt).itemsize - 1)) if neg else 0)), dt)

def _nan_out(r, *srcs):
  """Lanes where r is NaN get the quieted first NaN source (S0, then S1, S2) or else the default NaN.
  HW?: which NaN AMD hardware returns is not documented; this is x86's and most GPUs' rule, payload kept."""
  r = np.asarray(r)
  if not np.isnan(r).any(): return r
  fill = np.broadcast_to(default_nan(r.dtype), r.shape)
  for s in reversed(srcs): fill = np.where(np.isnan(s), quiet(np.asarray(s).astype(r.dtype)), fill)
  return np.where(np.isnan(r), fill, r)

# ---------------------------------------------------------------------------------------------------- exact sums

def _two_sum(a, b):
  # Knuth's TwoSum: s + e == a + b exactly (round to nearest, no overflow)
  s = a + b; bb = s - a
  return s, (a - (s - bb)) + (b - bb)

def _odd(s, e):
  """s + e (s = RN(s + e), e its exact error) rounded to odd: s if exact or its last bit is odd, else s's neighbour
  toward e, which is odd. Keeps the sticky information a later rounding needs."""
  u = s.view(np.uint64)
  step = np.where(np.signbit(e) == np.signbit(s), np.uint64(1), np.uint64(-1 & 0xFFFFFFFFFFFFFFFF))
  return np.where((e != 0) & ((u & np.uint64(1)) == 0), (u + step).view(f64), s)

def _add_odd(a, b): return _odd(*_two_sum(a, b))

_SPLIT = f64(134217729.0)   # 2^27 + 1, Veltkamp's splitter for 53-bit operands

def _two_prod(a, b):
  # Dekker: p + e == a * b exactly, for operands whose product neither over- nor underflows
  p = a * b
  t = a * _SPLIT; ah = t - (t - a); al = a - ah
  t = b * _SPLIT; bh = t - (t - b); bl = b - bh
  return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl

# ---------------------------------------------------------------------------------------------------- fma

def fma_f32(a, b, c, scale=0, dtype=f32, mode=0):
  """v_fma_f32 (and v_fmac, v_fmamk, v_fmaak, v_fma_mix_f32): a * b + c rounded once to f32.
  scale: multiply the exact result by 2**scale before the one rounding (v_div_fmas); an int or per-lane ints.
  dtype=f16 rounds once to f16 instead (v_fma_mixlo/hi_f16: rounding to f32 and then f16 can differ).
  mode: MODE's round mode (0 nearest even, 1 toward +inf, 2 toward -inf, 3 toward zero), see round_odd."""
  a, b, c = _same(_f(a, f32), b, c)
  with np.errstate(all="ignore"):
    A, B, C = a.astype(f64), b.astype(f64), c.astype(f64)
    p = A * B                       # exact: 48 bits, exponent within float64's range
    s, e = _two_sum(p, C)           # exact: no float64 overflow or underflow from f32 operands
    r = np.where(np.isfinite(s), _odd(s, e), s)     # inf / nan inputs: IEEE's rules as float64 applies them
    if np.any(scale): r = np.ldexp(r, np.asarray(scale, np.int64))   # exact in float64 for |scale| < 700
    if mode == 2:                   # IEEE: an exact zero sum is -0 toward -inf, unless both addends are +0
      r = np.where((r == 0) & ~((p == 0) & (C == 0) & ~np.signbit(p) & ~np.signbit(C)), -0.0, r)
    return _nan_out(round_odd(r, dtype, mode), a, b, c)

def round_odd(r, dtype, mode: int = 0):
  """A float64 that is exact or rounded to odd (53 bits) -> dtype in round mode `mode` (0 nearest even, 1 toward
  +inf, 2 toward -inf, 3 toward zero: MODE.FP_ROUND's encoding). Rounding to odd keeps what any later rounding to
  24 or fewer bits needs, directed ones included: the nearest-even result is stepped one ulp where it lies on the
  wrong side of r (overflow: inf steps back to the largest finite value)."""
  with np.errstate(all="ignore"):
    n = np.asarray(r).astype(dtype)
    if mode == 0: return n
    nf = n.astype(f64)
    bad = {1: nf < r, 2: nf > r, 3: np.abs(nf) > np.abs(r)}[mode]
    to = {1: np.inf, 2: -np.inf, 3: 0.0}[mode]
    return np.where(bad & ~np.isnan(r), np.nextafter(n, np.asarray(to, dtype)), n).astype(dtype)

def add_f32(a, b, mode=0):
  """f32 a + b in a round mode (v_add_f32 / s_add_f32 outside round-to-nearest-even): fma(a, 1, b)."""
  return fma_f32(a, f32(1), b, mode=mode)

def mul_f32(a, b, mode=0):
  """f32 a * b in a round mode: the product is exact in float64 (signed zeros included), rounded once."""
  a, b = _same(_f(a, f32), b)
  with np.errstate(all="ignore"): return _nan_out(round_odd(a.astype(f64) * b.astype(f64), f32, mode), a, b)

def fma_f16(a, b, c):
  """v_fma_f16 (v_fmac_f16, v_pk_fma_f16 per half): the f16 product is exact in float64 (22 bits), the sum is rounded
  to odd there and then to f16 (53 >= 11 + 2), so the result is a * b + c rounded once. (Plain rounding to nearest in
  float64 would do too: the sum is inexact there only when a product below 2^-27 meets a c above 2^5 or so, and then
  it is far from any f16 midpoint; a product that is itself a midpoint is summed exactly with any f16 c while the
  result is finite. Rounding to odd needs no such argument.)"""
  a, b, c = _same(_f(a, f16), b, c)
  with np.errstate(all="ignore"):
    A, B, C = a.astype(f64), b.astype(f64), c.astype(f64)
    s, e = _two_sum(A * B, C)
    r = np.where(np.isfinite(s), _odd(s, e), s)
    return _nan_out(r.astype(f16), a, b, c)

_STICKY = f64(2.0 ** -120)

def fma_f64(a, b, c, scale=0):
  """v_fma_f64: a * b + c (times 2**scale, for v_div_fmas) rounded once to f64.
  Finite nonzero a, b: a = ma 2^ea, b = mb 2^eb, c = mc 2^ec with m in [0.5, 1) (frexp, exact for subnormals too);
  everything is scaled by 2^-K, K = max(ea + eb, ec), so the terms are near 1: Dekker's product is exact, and a
  term more than 100 binades below the other is replaced by +-2^-120 (it can then only break a tie, which its sign
  does: the other term's rounding boundaries are multiples of 2^-56 and it is a multiple of 2^-106). Then
  Boldo & Melquiond: (th, tl) = TwoSum(c', ph); v = RO(tl + pl); z = RN(th + v) == RN(a b + c) scaled. (Why:
  |tl + pl| <= 1.5 ulp(th) unless c' and ph cancel, and then Sterbenz makes tl = 0 and v = pl exact; the rounding
  boundaries near th are th plus numbers of one or two significant bits, and rounding to odd keeps tl + pl on the
  same side of each.) ldexp(z, K) is exact unless the result is subnormal: those lanes (a second rounding) and only
  those are computed with Fraction and Python's correctly rounded int / int."""
  a, b, c = _same(_f(a, f64), b, c)
  shape = a.shape
  a, b, c, sc = (np.ravel(x) for x in (a, b, c, np.broadcast_to(np.asarray(scale, np.int64), shape)))
  with np.errstate(all="ignore"):
    fin = np.isfinite(a) & np.isfinite(b) & np.isfinite(c)
    # specials: IEEE's rules; a finite product plus an infinite c is c even when the product would overflow
    out = np.where(np.isinf(c) & np.isfinite(a) & np.isfinite(b), c, a * b + c)
    # a or b zero: the product is an exactly signed zero, so the sum is exact: one rounding (of the scaling) left
    out = np.where(fin, np.ldexp(out, sc), out)
    gen = fin & (a != 0) & (b != 0)
    if gen.any():
      ag, bg, cg, sg = a[gen], b[gen], c[gen], sc[gen]
      ma, ea = np.frexp(ag); mb, eb = np.frexp(bg); mc, ec = np.frexp(cg)
      k = ea.astype(np.int64) + eb
      K = np.where(mc != 0, np.maximum(k, ec), k)
      ph, pl = _two_prod(ma, mb)                      # ma mb in [0.25, 1): exact
      dk, dc = k - K, ec.astype(np.int64) - K
      ph, pl = (np.where(dk < -100, np.copysign(_STICKY, ph), np.ldexp(ph, np.maximum(dk, -100))),
                np.where(dk < -100, 0.0, np.ldexp(pl, np.maximum(dk, -100))))
      cs = np.where(mc == 0, 0.0, np.where(dc < -100, np.copysign(_STICKY, mc), np.ldexp(mc, np.maximum(dc, -100))))
      th, tl = _two_sum(cs, ph)
      z = th + _add_odd(tl, pl)
      e = K + sg
      r = np.ldexp(z, e)
      sub = (z != 0) & (np.frexp(z)[1] + e <= -1022)  # |result| < 2^-1022: ldexp would round a second time
      for i in np.nonzero(sub)[0]:
        r[i] = float((Fraction(float(ag[i])) * Fraction(float(bg[i])) + Fraction(float(cg[i]))) * Fraction(2) ** int(sg[i]))
      out[gen] = r
    return _nan_out(out, a, b, c).reshape(shape)

def fma(a, b, c):
  """fma in the sources' type (f16, f32 or f64)."""
  return {np.dtype(f16): fma_f16, np.dtype(f32): fma_f32, np.dtype(f64): fma_f64}[_f(a).dtype](a, b, c)

# ---------------------------------------------------------------------------------------------------- conversions

def f32_to_f16(x, mode: str = "rne"):
  """v_cvt_f16_f32 (mode "rne", the default round mode) and v_cvt_pk_rtz_f16_f32 (mode "rtz": toward zero, so a
  finite value never becomes inf: above 65504 gives 65504). NaN stays NaN, quieted, sign and top payload kept."""
  x = _f(x, f32)
  with np.errstate(all="ignore"): h = x.astype(f16)        # numpy's conversion is one correct RNE rounding
  if mode == "rtz":
    # RNE went away from zero (up to inf included): the truncation is the next f16 toward zero
    h = np.where(np.abs(h.astype(f32)) > np.abs(x), (h.view(np.uint16) - np.uint16(1)).view(f16), h)
  elif mode != "rne": raise ValueError(f"mode {mode!r}: rne or rtz")
  # NaN: quiet, the sign and the top 9 payload bits kept (numpy would make a lost payload nonzero instead)
  u = bits(x)
  nan = (((u >> np.uint32(16)) & np.uint32(0x8000)) | np.uint32(0x7e00) | ((u >> np.uint32(13)) & np.uint32(0x3ff))).astype(np.uint16)
  return np.where(np.isnan(x), nan.view(f16), h)

def bf16_to_f32(b) -> np.ndarray:
  """bf16 bits (uint16) -> f32: the bf16 is the top half of the f32."""
  return (np.asarray(b).astype(np.uint32) << np.uint32(16)).view(f32)

def f32_to_bf16(x) -> np.ndarray:
  """f32 -> bf16 bits (uint16), round to nearest even (v_cvt_pk_bf16_f32 on RDNA4); NaN quieted."""
  x = _f(x, f32)
  u = bits(x).astype(np.uint64)
  r = ((u + np.uint64(0x7FFF) + ((u >> np.uint64(16)) & np.uint64(1))) >> np.uint64(16)).astype(np.uint16)
  return np.where(np.isnan(x), ((u >> np.uint64(16)) | np.uint64(0x40)).astype(np.uint16), r)

def cvt_int(x, dtype) -> np.ndarray:
  """v_cvt_{i32,u32}_{f32,f64}, v_cvt_{i16,u16}_f16 (and v_cvt_{i16,u16}_f32 inside v_cvt_pk_*): truncate toward
  zero; out-of-range values (infinities included) saturate to the type's range; NaN gives 0.
  ISA: the pseudocode calls f32_to_i32() etc., whose text says "Out-of-range floating point values (including
  infinity) saturate. NaN is converted to 0." HW?: the 16-bit ones are assumed to follow the same rule."""
  x = np.asarray(x)
  info = np.iinfo(dtype)
  with np.errstate(invalid="ignore"): t = np.trunc(x.astype(f64))   # f16/f32/f64 -> f64 exact
  return np.where(np.isnan(t), 0, np.clip(t, info.min, info.max)).astype(np.int64).astype(dtype)

def cvt_i32_f32(x): return cvt_int(_f(x, f32), np.int32)
def cvt_u32_f32(x): return cvt_int(_f(x, f32), np.uint32)
def cvt_i32_f64(x): return cvt_int(_f(x, f64), np.int32)
def cvt_u32_f64(x): return cvt_int(_f(x, f64), np.uint32)
def cvt_i16_f16(x): return cvt_int(_f(x, f16), np.int16)
def cvt_u16_f16(x): return cvt_int(_f(x, f16), np.uint16)

# ---------------------------------------------------------------------------------------------------- min / max

def _lt(a, b): return (a < b) | ((a == 0) & (b == 0) & np.signbit(a) & ~np.signbit(b))   # -0 < +0
def _gt(a, b): return (a > b) | ((a == 0) & (b == 0) & ~np.signbit(a) & np.signbit(b))

def _mm(a, b, ieee, cmp):
  a, b = _same(a, b)
  r = np.where(cmp(a, b), a, b)
  if not ieee: return np.where(np.isnan(b), a, np.where(np.isnan(a), b, r))
  # IEEE mode: a signalling NaN is returned quieted; a quiet NaN loses to the other operand
  return np.where(is_snan(a), quiet(a), np.where(is_snan(b), quiet(b), np.where(is_qnan(b), a, np.where(is_qnan(a), b, r))))

def min_f(a, b, ieee=True):
  """RDNA3 v_min_{f16,f32,f64} (ISA pseudocode): -0 < +0; WAVE_MODE.IEEE (set for compute kernels on gfx11): a
  signalling NaN operand is returned quieted (S0 first), a quiet NaN yields the other operand; ieee=False: any NaN
  yields the other operand. Equal values (+0 vs +0 included) give S1."""
  return _mm(a, b, ieee, _lt)
def max_f(a, b, ieee=True): return _mm(a, b, ieee, _gt)
def min3_f(a, b, c, ieee=True): return min_f(min_f(a, b, ieee), c, ieee)
def max3_f(a, b, c, ieee=True): return max_f(max_f(a, b, ieee), c, ieee)

def _med3(a, b, c, mn3, mx, mx3):
  a, b, c = _same(a, b, c)
  m = mx3(a, b, c)
  r = np.where(m == a, mx(b, c), np.where(m == b, mx(a, c), mx(a, b)))    # value compares: +0 == -0
  return np.where(np.isnan(a) | np.isnan(b) | np.isnan(c), mn3(a, b, c), r)

def med3_f(a, b, c, ieee=True):
  """RDNA3 v_med3_{f16,f32} (ISA): any NaN -> min3(a, b, c) (so under IEEE mode an sNaN in a or b yields c, one in c
  a quiet NaN, as LLVM's fmed3 folds now assume); else the max of the two operands that are not the max of all three,
  found by value equality."""
  return _med3(a, b, c, lambda *x: min3_f(*x, ieee=ieee), lambda *x: max_f(*x, ieee=ieee), lambda *x: max3_f(*x, ieee=ieee))

def min_num(a, b):
  """RDNA4 v_min_num_{f16,f32,f64} (ISA): IEEE 754-2019 minimumNumber: a NaN operand, signalling or not, yields the
  other one; two NaNs give S0 quieted; -0 < +0. (RDNA3's v_min_f32 differs on sNaN: see min_f.)"""
  a, b = _same(a, b)
  r = np.where(_lt(a, b), a, b)
  return np.where(np.isnan(a) & np.isnan(b), quiet(a), np.where(np.isnan(a), b, np.where(np.isnan(b), a, r)))
def max_num(a, b):
  a, b = _same(a, b)
  r = np.where(_gt(a, b), a, b)
  return np.where(np.isnan(a) & np.isnan(b), quiet(a), np.where(np.isnan(a), b, np.where(np.isnan(b), a, r)))
def min3_num(a, b, c): return min_num(min_num(a, b), c)
def max3_num(a, b, c): return max_num(max_num(a, b), c)
def med3_num(a, b, c):
  """RDNA4 v_med3_num_{f16,f32} (ISA): as med3_f with the _num operations."""
  return _med3(a, b, c, min3_num, max_num, max3_num)

def _minimum(a, b, cmp):
  a, b = _same(a, b)
  r = np.where(cmp(a, b), a, b)
  return np.where(is_snan(a), quiet(a), np.where(is_snan(b), quiet(b), np.where(is_qnan(a), a, np.where(is_qnan(b), b, r))))
def minimum(a, b):
  """RDNA4 v_minimum_{f16,f32} (ISA): IEEE 754-2019 minimum, NaN-propagating: an sNaN (S0 first) is returned
  quieted, else a qNaN (S0 first) as is; -0 < +0."""
  return _minimum(a, b, _lt)
def maximum(a, b): return _minimum(a, b, _gt)
def minimum3(a, b, c): return minimum(minimum(a, b), c)
def maximum3(a, b, c): return maximum(maximum(a, b), c)

# ---------------------------------------------------------------------------------------------------- frexp, ldexp, fract

def frexp_mant(x):
  """v_frexp_mant_{f16,f32,f64} (ISA): the mantissa in [0.5, 1) with x's sign; inf and NaN are returned as they
  are; +-0 gives +-0. Subnormals are normalised (LLVM folds the intrinsic with APFloat's frexp; the pseudocode's
  mantissa() does not say), so this presumes denormals are not flushed."""
  x = _f(x)
  with np.errstate(all="ignore"): m = np.frexp(x)[0].astype(x.dtype)
  return np.where(np.isfinite(x), m, x)

def frexp_exp(x):
  """v_frexp_exp_i32_{f32,f64}, v_frexp_exp_i16_f16 (ISA): exponent(x) - bias + 1, i.e. frexp's exponent,
  subnormals normalised (see frexp_mant); 0 for zeros, inf and NaN. int32 (the f16 form writes the low 16 bits)."""
  x = _f(x)
  with np.errstate(all="ignore"): e = np.frexp(x)[1]
  return np.where(np.isfinite(x), e, 0).astype(np.int32)

def ldexp(x, n):
  """v_ldexp_{f16,f32,f64} (ISA: S0 * 2.0 ** S1.i32, S1.i16 for f16): one rounding, to a subnormal or inf as needed."""
  x = _f(x)
  n = np.asarray(n, np.int64)
  with np.errstate(all="ignore"):
    if x.dtype == f64: r = np.ldexp(x, np.clip(n, -2200, 2200))       # past +-2200 every finite x gives 0 or inf
    else: r = np.ldexp(x.astype(f64), np.clip(n, -400, 400)).astype(x.dtype)   # exact in float64, rounded once
  return np.where(np.isnan(x), quiet(x), r)

def fract(x):
  """v_fract_{f16,f32,f64}: x - floor(x) (ISA), clamped to the largest value below 1.0, which x - floor(x) of a tiny
  negative x would round up to (LLVM: "The v_fract instruction behaves like the OpenCL spec ... fmin(x - floor(x),
  0x1.fffffep-1f)", its constant folding). inf gives NaN (inf - inf; LLVM folds the same), NaN stays NaN (quieted),
  -0 gives +0 (-0 + -floor(-0) = -0 + +0)."""
  x = _f(x)
  with np.errstate(all="ignore"): r = np.minimum(x - np.floor(x), np.nextafter(x.dtype.type(1), x.dtype.type(0)))
  return np.where(np.isnan(x), quiet(x), np.where(np.isinf(x), default_nan(x.dtype), r))

# ---------------------------------------------------------------------------------------------------- division helpers

_DIV = {np.dtype(f32): (96, 64, 23, 126, 150), np.dtype(f64): (768, 128, 53, 1022, 1075)}   # from the ISA pseudocode

def div_scale(s0, s1, s2):
  """v_div_scale_{f32,f64} (S0 the value to scale, S1 the denominator, S2 the numerator) -> (D0, VCC lane mask).
  ISA pseudocode, first matching branch; D0 = S0 when a branch leaves it unset (f32 numbers, f64's in brackets):
    S1 == 0 or S2 == 0:                   D0 = NaN; VCC = 1 (HW?: the pseudocode says VCC = 0, tinygrad's hardware
                                          tests see 1; division's div_fixup decides these lanes either way)
    exponent(S2) - exponent(S1) >= 96 [768] (biased fields): VCC = 1; if S0 == S1: D0 = S0 * 2^64 [2^128]
    S1 subnormal:                         D0 = S0 * 2^64
    1/S1 subnormal and S2/S1 subnormal:   VCC = 1; if S0 == S1: D0 = S0 * 2^-64   (HW?: the pseudocode says 2^+64,
                                          which overflows S1 >= 2^126 to inf and breaks a / S1; with 2^-64 LLVM's
                                          division sequence is correctly rounded)
    1/S1 subnormal:                       D0 = S0 * 2^-64
    S2/S1 subnormal:                      VCC = 1; if S0 == S2: D0 = S0 * 2^64
    exponent(S2) <= 23 [53]:              D0 = S0 * 2^64
  "1/S1 subnormal" is |S1| >= 2^126 [2^1022] (the f32 pseudocode computes it in f64, where it is never true; the
  f32 reading is what tinygrad's hardware test of S1 = 2^127 shows). "S2/S1 subnormal" is read as "may be": the
  normalised exponents (frexp's) differ by <= -126 [-1022], which holds for 2^-126 / 1.0, where tinygrad's hardware
  test sees VCC = 1. Those three readings are what make the ISA's own division sequence exact (tests)."""
  s0, s1, s2 = _same(s0, s1, s2)
  big, sh, tiny, emin, _ = _DIV[s0.dtype]
  e1, e2 = exp_field(s1), exp_field(s2)
  with np.errstate(all="ignore"):
    E1, E2 = np.frexp(s1)[1].astype(np.int64), np.frexp(s2)[1].astype(np.int64)
    up, down = ldexp(s0, sh), ldexp(s0, -sh)
  zero = (s1 == 0) | (s2 == 0)
  huge = e2 - e1 >= big
  den_sub = (e1 == 0) & ~zero
  rcp_sub = np.isfinite(s1) & (E1 >= emin + 1)
  q_sub = np.isfinite(s1) & np.isfinite(s2) & (E2 - E1 <= -emin)
  conds = [zero, huge, den_sub, rcp_sub & q_sub, rcp_sub, q_sub, e2 <= tiny]
  d = np.select(conds, [np.broadcast_to(default_nan(s0.dtype), s0.shape), np.where(s0 == s1, up, s0), up,
                        np.where(s0 == s1, down, s0), down, np.where(s0 == s2, up, s0), up], s0)
  vcc = np.select(conds, [True, True, False, True, False, True, False], False)
  return d.astype(s0.dtype), vcc

def div_fmas(s0, s1, s2, vcc):
  """v_div_fmas_{f32,f64}: fma(S0, S1, S2), and where VCC is set scaled by 2^64 [2^128] if exponent(S2) > 127
  [1023] (the quotient S2 is large: div_scale scaled the denominator up) else by 2^-64 [2^-128] (div_scale scaled
  the numerator up), rounded once. HW?: the pseudocode says 2^32 [2^64] always, which undoes no div_scale; the
  direction rule is tinygrad's hardware-checked one, the single rounding (a subnormal quotient rounded once) is
  what makes division correctly rounded."""
  s0, s1, s2 = _same(s0, s1, s2)
  _, sh, _, _, _ = _DIV[s0.dtype]
  F = FMT[s0.dtype]
  scale = np.where(np.asarray(vcc, bool), np.where(exp_field(s2) > F.bias, sh, -sh), 0)
  return (fma_f32 if s0.dtype == f32 else fma_f64)(s0, s1, s2, scale)

def div_fixup(s0, s1, s2):
  """v_div_fixup_{f16,f32,f64} (S0 the quotient, S1 the denominator, S2 the numerator), ISA pseudocode:
  NaN S2, NaN S1 -> that NaN quieted; 0/0 and inf/inf -> -NaN (0xffc00000); x/0 and inf/y -> +-inf; x/inf, 0/y ->
  +-0; f32/f64 only: exponent(S2) - exponent(S1) < -150 [-1075] -> +-UNDERFLOW (read as +-0: |S2/S1| < 2^-150 rounds
  to 0), exponent(S1) == 255 -> +-OVERFLOW (unreachable); else +-|S0| with sign(S1) ^ sign(S2).
  HW?: f32/f64 S0 NaN -> +-inf (tinygrad's hardware tests; not in the pseudocode): a quotient that overflowed in the
  scaled domain (inf - inf in the Newton steps) is an overflow."""
  s0, s1, s2 = _same(s0, s1, s2)
  dt = s0.dtype
  sign = np.signbit(s1) ^ np.signbit(s2)
  inf, zero = np.where(sign, -np.inf, np.inf).astype(dt), np.where(sign, -0.0, 0.0).astype(dt)
  conds = [np.isnan(s2), np.isnan(s1), ((s1 == 0) & (s2 == 0)) | (np.isinf(s1) & np.isinf(s2)),
           (s1 == 0) | np.isinf(s2), np.isinf(s1) | (s2 == 0)]
  vals = [quiet(s2), quiet(s1), np.broadcast_to(default_nan(dt, neg=True), s0.shape), inf, zero]
  if dt != f16:
    conds += [exp_field(s2) - exp_field(s1) < -_DIV[dt][4], exp_field(s1) == FMT[dt].emax, np.isnan(s0)]
    vals += [zero, inf, inf]
  return np.select(conds, vals, np.where(sign, -np.abs(s0), np.abs(s0))).astype(dt)

# ---------------------------------------------------------------------------------------------------- trig_preop

def _pi_fixed(n: int) -> int:
  # floor-ish(pi * 2^n) by Machin's formula in integers, error a few hundred units
  def atan_inv(k):
    one = 1 << n; t = s = one // k; i, sgn = 1, -1
    while t:
      t //= k * k; i += 2; s += sgn * (t // i); sgn = -sgn
    return s
  return 16 * atan_inv(5) - 4 * atan_inv(239)

@functools.cache
def _two_over_pi_table() -> np.ndarray:
  """The 53-bit windows of 2/pi the instruction reads, for every shift it can use (up to 31 * 53 + 2047 - 1077)."""
  n = 1400   # guard bits far beyond the 1201 used: the floor below is exact unless 2/pi had ~190 equal bits in a row
  X = (1 << (1202 + n)) // _pi_fixed(n)                      # 2^1201 * 2/pi, the ISA's 1201-bit 2/pi
  assert X >> 1137 == 0xA2F9836E4E441529, "2/pi bits"
  return np.array([((X << s) >> 1148) & ((1 << 53) - 1) for s in range(31 * 53 + 2047 - 1077 + 1)], np.uint64)

def trig_preop(x, idx):
  """v_trig_preop_f64 (ISA): 53 bits of 2/pi for a large-argument reduction: shift = idx[4:0] * 53, plus
  exponent(x) - 1077 if that is positive; result = the 53 bits of the 1201-bit fraction of 2/pi starting `shift`
  bits below its most significant one, times 2^(-53 - shift), times 2^128 more if exponent(x) >= 1968.
  The pseudocode writes the window as (2/pi << shift) & 0x1fffffffffffff, the low 53 bits, which for idx 0 is not
  2/pi; the top-bits reading is tinygrad's hardware-checked one (idx 0 of 1.0 is 2/pi, idx 0 + 1 + 2 sum to it)."""
  x = _f(x, f64)
  e = exp_field(x)
  shift = (np.asarray(idx).astype(np.int64) & 31) * 53 + np.maximum(e - 1077, 0)
  scale = -53 - shift + np.where(e >= 1968, 128, 0)
  return np.ldexp(_two_over_pi_table()[shift].astype(f64), scale)

# ---------------------------------------------------------------------------------------------------- transcendentals (approximate)
# The hardware's transcendental unit is specified to ~1 ulp, not correctly rounded, and its exact results are not
# public: these are the correctly rounded (rcp) or numpy/libm values, NOT bit-exact with hardware.

def rcp(x):
  """v_rcp_*: 1/x correctly rounded (hardware: 1 ulp). LLVM's division sequence is exact with this rcp, and with it
  flushing subnormal results to zero (tests)."""
  x = _f(x)
  with np.errstate(all="ignore"):
    return (x.dtype.type(1) / x if x.dtype != f16 else (1.0 / x.astype(f64)).astype(f16))

def rsq(x):
  x = _f(x)
  with np.errstate(all="ignore"): return (1.0 / np.sqrt(x.astype(f64))).astype(x.dtype)
def exp2(x):
  x = _f(x)
  with np.errstate(all="ignore"): return np.exp2(x.astype(f64)).astype(x.dtype)
def log2(x):
  x = _f(x)
  with np.errstate(all="ignore"): return np.log2(x.astype(f64)).astype(x.dtype)
def sin_rev(x):
  """v_sin_*: sin(2 pi x), x in revolutions (the ISA: sin(S0 * 2 * PI)); the reduction x - rint(x) is exact."""
  x = _f(x)
  with np.errstate(all="ignore"): X = x.astype(f64); return np.sin(2 * np.pi * (X - np.rint(X))).astype(x.dtype)
def cos_rev(x):
  x = _f(x)
  with np.errstate(all="ignore"): X = x.astype(f64); return np.cos(2 * np.pi * (X - np.rint(X))).astype(x.dtype)

# ---------------------------------------------------------------------------------------------------- fp8 (gfx12)
# OCP 8-bit floats: "fp8" E4M3FN (bias 7, no infinities, S.1111.111 is NaN, max 448) and "bf8" E5M2 (bias 15, IEEE
# infinities and NaNs, max 57344). RDNA4 uses these (gfx942's are the FNUZ variants, not modelled).

def fp8_to_f32(b, bf8: bool) -> np.ndarray:
  """v_cvt_f32_fp8 / _bf8 and the packed forms: a byte (any integer array, low 8 bits) -> f32, exact.
  HW?: a NaN byte gives the canonical quiet NaN with the byte's sign (not in the ISA guide's text)."""
  b = np.asarray(b).astype(np.int64) & 0xFF
  m, bias = (2, 15) if bf8 else (3, 7)
  e, f = (b >> m) & ((1 << (7 - m)) - 1), b & ((1 << m) - 1)
  mag = np.where(e == 0, f * 2.0 ** (1 - bias - m), (f + (1 << m)) * np.exp2((e - bias - m).astype(f64)))
  if bf8: special = e == 31; mag = np.where(special, np.where(f == 0, np.inf, np.nan), mag)
  else: mag = np.where((e == 15) & (f == 7), np.nan, mag)
  neg = (b & 0x80) != 0
  r = np.where(neg, -mag, mag).astype(f32)
  return np.where(np.isnan(r), np.where(neg, f32(-np.nan), f32(np.nan)), r)

def f32_to_fp8(x, bf8: bool, seed=None) -> np.ndarray:
  """v_cvt_pk_fp8_f32 / _bf8 (seed None: round to nearest even) and v_cvt_sr_fp8_f32 / _bf8 (stochastic: the top
  20 [bf8: 21] bits of the seed are added below the kept mantissa bits of |x|, aligned to the format's smallest
  normal exponent, bits shifted out by that alignment dropped without a sticky bit, then truncated) -> the byte
  (int64). Non-saturating (FP16_OVFL clear, the kernel default): a finite result past the largest value, and an
  infinity, give NaN (fp8, S.1111111) / infinity (bf8); any NaN gives 0xff (fp8) / 0xfe (bf8).
  HW?: overflow, NaN and the stochastic alignment are not in the RDNA4 ISA guide's text; these are what a public
  RDNA4 emulator checked against an RX 9070 ("goc") reports."""
  x = _f(x, f32)
  u = bits(x).astype(np.int64)
  m, bias, top = (2, 15, 0x7B) if bf8 else (3, 7, 0x7E)
  emin, S = 1 - bias, 23 - m
  limit = 0x7C if bf8 else 0x7F
  sign = (u >> 24) & 0x80
  ef = (u >> 23) & 0xFF
  E = np.where(ef == 0, -126, ef - 127)
  sig = np.where(ef == 0, u & 0x7FFFFF, (u & 0x7FFFFF) | 0x800000)
  align = np.clip(emin - E, 0, 40)
  if seed is None:
    sh = S + align
    q, r = sig >> sh, sig & ((np.int64(1) << sh) - 1)
    half = np.int64(1) << (sh - 1)
    units = q + ((r > half) | ((r == half) & (q & 1 == 1)))
  else:
    units = ((sig >> align) + ((np.asarray(seed).astype(np.int64) & 0xFFFFFFFF) >> (32 - S))) >> S
  code = ((np.maximum(E, emin) - emin) << m) + units
  code = np.where(code > top, limit, code)
  code = np.where(ef == 255, np.where((u & 0x7FFFFF) != 0, 0xFE if bf8 else 0xFF, limit), code)
  return np.where(ef == 255, np.where((u & 0x7FFFFF) != 0, code, sign | code), sign | code).astype(np.int64)
