"""emu.fp against exact rational arithmetic (fractions.Fraction and a correctly rounding helper written here), on
random and deliberately adversarial inputs: halfway cases, subnormals, overflow boundaries, signed zeros, inf/nan."""
import math
from fractions import Fraction as Fr

import numpy as np
import pytest

from emu import fp

f16, f32, f64 = np.float16, np.float32, np.float64
FMTS = {f16: (11, -14, 15), f32: (24, -126, 127), f64: (53, -1022, 1023)}   # precision, min and max exponent
UINT = {f16: np.uint16, f32: np.uint32, f64: np.uint64}

def round_frac(q: Fr, dt, mode="rne", neg_zero=False):
  """The exact rational q rounded to dt (to nearest even or toward zero), subnormals and overflow included."""
  p, emin, emax = FMTS[dt]
  if q == 0: return dt(-0.0 if neg_zero else 0.0)
  a = abs(q)
  e = a.numerator.bit_length() - a.denominator.bit_length()   # 2^(e-1) <= a < 2^(e+1)
  if a < Fr(2) ** e: e -= 1
  ulp = Fr(2) ** (max(e, emin) - p + 1)
  t = a / ulp
  n = t.numerator // t.denominator
  rem = t - n
  if mode == "rne" and (rem > Fr(1, 2) or (rem == Fr(1, 2) and n % 2)): n += 1
  v = n * ulp
  top = Fr(2) ** (emax + 1)
  if v >= top: v = math.inf if mode == "rne" else float(top - Fr(2) ** (emax - p + 1))
  v = float(v)
  return dt(-v if q < 0 else v)

def fma_ref(a, b, c, dt, scale=0):
  """a * b + c (finite) times 2^scale, rounded once to dt, IEEE's signed zero rule for an exact zero."""
  a, b, c = float(a), float(b), float(c)
  q = (Fr(a) * Fr(b) + Fr(c)) * Fr(2) ** scale
  prod_negzero = (a == 0 or b == 0) and (math.copysign(1, a) * math.copysign(1, b) < 0)
  return round_frac(q, dt, neg_zero=prod_negzero and c == 0 and math.copysign(1, c) < 0)

def same_bits(got, want):
  """Equal bit patterns, NaNs equal to NaNs. Returns the mismatching indices (empty when all match)."""
  got, want = np.asarray(got), np.asarray(want, got.dtype)
  u = UINT[got.dtype.type]
  ok = (got.view(u) == want.view(u)) | (np.isnan(got) & np.isnan(want))
  return np.nonzero(~np.atleast_1d(ok))[0]

def assert_bits(got, want, *srcs):
  bad = same_bits(got, want)
  if len(bad):
    i = bad[0]
    g, w = np.atleast_1d(got), np.atleast_1d(np.asarray(want, np.asarray(got).dtype))
    raise AssertionError(f"{len(bad)} mismatches, first at {i}: srcs {[np.atleast_1d(s)[i] for s in srcs]} "
                         f"got {g[i]!r} want {w[i]!r}")

def rand_float(rng, n, dt, elo, ehi, sign=True):
  """Random floats with uniformly random mantissa bits and unbiased exponents in [elo, ehi] (clamped to the
  format: below emin they are subnormals of that exponent's bits, kept as is)."""
  p = FMTS[dt][0]
  m = rng.integers(0, 1 << (p - 1), n, dtype=np.uint64)
  e = rng.integers(elo, ehi + 1, n)
  x = np.ldexp((m.astype(f64) / 2.0 ** (p - 1) + 1), e)
  with np.errstate(all="ignore"): x = x.astype(dt)        # below emin this rounds to a subnormal: fine, random
  if sign: x = np.where(rng.random(n) < 0.5, -x, x)
  return x.astype(dt)

def rand_bits(rng, n, dt, finite=True):
  u = UINT[dt]
  x = rng.integers(0, np.iinfo(u).max, n, dtype=u, endpoint=True).view(dt)
  if finite: x = np.where(np.isfinite(x), x, dt(1.5))
  return x

# ---------------------------------------------------------------------------------------------------- the reference

def test_round_frac_against_python():
  # Python's int / int is correctly rounded to double; the helper must agree, subnormals included
  rng = np.random.default_rng(0)
  for _ in range(3000):
    n, d = int(rng.integers(1, 1 << 62)) << int(rng.integers(0, 60)), int(rng.integers(1, 1 << 62)) << int(rng.integers(0, 1200))
    assert round_frac(Fr(n, d), f64) == n / d
  assert round_frac(Fr(1, 2 ** 1075), f64) == 0.0 and round_frac(Fr(3, 2 ** 1075), f64) == 2 * 5e-324
  assert round_frac(Fr(2) ** 128 - Fr(2) ** 103, f32) == np.inf and round_frac(Fr(2) ** 128 - Fr(2) ** 103 - 1, f32) == np.finfo(f32).max
  assert round_frac(Fr(70000), f16, "rtz") == 65504 and round_frac(Fr(-1, 10 ** 9), f16, "rtz") == 0 and \
    math.copysign(1, round_frac(Fr(-1, 10 ** 9), f16, "rtz")) < 0

# ---------------------------------------------------------------------------------------------------- fma_f32

def _specials(dt):
  big, tiny = np.finfo(dt).max, np.finfo(dt).smallest_subnormal
  return [0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, big, -big, tiny, -tiny, 2.0, 0.5, 3.0]

@pytest.mark.parametrize("fma,dt", [(fp.fma_f16, f16), (fp.fma_f32, f32), (fp.fma_f64, f64)])
def test_fma_special_grid(fma, dt):
  # every triple of special values: IEEE's inf/nan rules, signed zeros, overflow; finite triples against Fraction
  sp = np.array(_specials(dt), dt)
  a, b, c = (x.ravel() for x in np.meshgrid(sp, sp, sp, indexing="ij"))
  got = fma(a, b, c)
  with np.errstate(all="ignore"):
    prod = a.astype(f64) * b.astype(f64)
    # IEEE: nan in, nan out; inf*0 invalid; inf + -inf invalid; a finite product plus inf c is c
    A, B, C = a.astype(f64), b.astype(f64), c.astype(f64)
    fin = np.isfinite(A) & np.isfinite(B) & np.isfinite(C)
    nan = np.isnan(A) | np.isnan(B) | np.isnan(C) | (np.isinf(A) & (B == 0)) | (np.isinf(B) & (A == 0)) | \
          (np.isinf(prod) & ~(np.isfinite(A) & np.isfinite(B)) & np.isinf(C) & (np.sign(prod) != np.sign(C)))
  for i in range(len(a)):
    if nan[i]: assert np.isnan(got[i]), (a[i], b[i], c[i], got[i]); continue
    if fin[i]: want = fma_ref(a[i], b[i], c[i], dt)
    elif np.isinf(C[i]) and np.isfinite(A[i]) and np.isfinite(B[i]): want = c[i]
    else: want = dt(prod[i] + C[i])
    assert not len(same_bits(got[i:i + 1], [want])), (a[i], b[i], c[i], got[i], want)

def test_fma_signed_zeros_and_overflow():
  assert np.signbit(fp.fma_f32(0.0, 5.0, -0.0)) == False and np.signbit(fp.fma_f32(-0.0, 5.0, -0.0)) == True
  assert np.signbit(fp.fma_f32(2.0, 3.0, -6.0)) == False                 # exact cancellation: +0
  assert np.signbit(fp.fma_f32(-1e-30, 1e-30, 0.0)) == True                # underflows to zero, keeps its sign
  assert np.signbit(fp.fma_f64(-1e-300, 1e-300, 0.0)) == True and np.signbit(fp.fma_f64(1e-300, 1e-300, -0.0)) == False
  M32, M64 = np.finfo(f32).max, np.finfo(f64).max
  assert fp.fma_f32(M32, 2.0, -M32) == M32                                 # the product alone would overflow f32
  assert fp.fma_f64(M64, 2.0, -M64) == M64 and fp.fma_f64(M64, 1.5, -M64 / 2) == M64   # ... and f64
  assert fp.fma_f64(1e300, 1e300, -np.inf) == -np.inf                      # finite (if huge) product + -inf
  # the overflow threshold: max + half an ulp is a tie that rounds to the even 2^128, i.e. inf
  assert fp.fma_f32(2.0 ** 52, 2.0 ** 51, M32) == np.inf and fp.fma_f32(2.0 ** 52, -2.0 ** 51, -M32) == -np.inf
  assert fp.fma_f32(2.0 ** 52, 2.0 ** 51 * (1 - 2.0 ** -23), M32) == M32
  assert fp.fma_f64(2.0 ** 500, 2.0 ** 470, M64) == np.inf and fp.fma_f64(2.0 ** 500, 2.0 ** 470 * (1 - 2.0 ** -52), M64) == M64

def test_fma_nan_payload():
  # HW? rule documented in fp._nan_out: the first NaN source, quieted, payload kept; invalid ops give 0x7fc00000
  snan, qnan = np.uint32(0x7f800123).view(f32), np.uint32(0xffc00456).view(f32)
  assert fp.fma_f32(snan, 1, qnan).view(np.uint32) == 0x7fc00123
  assert fp.fma_f32(1, qnan, snan).view(np.uint32) == 0xffc00456
  assert fp.fma_f32(np.inf, 0, 1).view(np.uint32) == 0x7fc00000
  assert fp.fma_f64(np.uint64(0x7ff0000000000001).view(f64), 1, 1).view(np.uint64) == 0x7ff8000000000001

def _ties(rng, n, dt):
  """a * b landing exactly on a rounding midpoint of dt (odd integers whose product has p + 1 bits), with c = 0,
  a +-tiny that breaks the tie, or a c that moves the tie elsewhere; some scaled into the subnormal range."""
  p = FMTS[dt][0]
  h = (p + 2) // 2
  x = rng.integers(1 << (h - 1), 1 << h, n) | 1
  y = rng.integers(1 << (h - 1), 1 << h, n) | 1
  prod = x * y if dt != f64 else None
  if dt == f64:   # odd 27-bit factors: keep products of exactly 54 bits (a midpoint of 53-bit numbers)
    ok = np.array([int(i) * int(j) >= 1 << (p) for i, j in zip(x, y)])
  else: ok = (prod >= 1 << p) & (prod < 1 << (p + 1))
  x, y = x[ok], y[ok]
  m = len(x)
  lo, hi = {f16: (-10, 2), f32: (-40, 40), f64: (-400, 400)}[dt]
  sa, sb = rng.integers(lo, hi, m), rng.integers(lo, hi, m)
  # a fifth of them at the bottom: an odd product times 2^(emin - p) is a midpoint between subnormals (or in the
  # lowest normal binade); sa < 0 keeps b's last bit representable
  sub = rng.random(m) < 0.2
  emin = FMTS[dt][1]
  sa = np.where(sub, rng.integers(lo, 0, m), sa)
  sb = np.where(sub, emin - p - sa, sb)
  with np.errstate(all="ignore"): a, b = np.ldexp(x.astype(f64), sa).astype(dt), np.ldexp(y.astype(f64), sb).astype(dt)
  pe = sa + sb                                                   # the product's lowest bit is 2^pe
  kind = rng.integers(0, 4, m)
  tiny = np.ldexp(1.0, pe - 30)
  c = np.select([kind == 0, kind == 1, kind == 2], [0.0, tiny, -tiny], np.ldexp(rng.integers(1, 64, m).astype(f64), pe + 2))
  with np.errstate(all="ignore"): c = c.astype(dt)
  c = np.where(rng.random(m) < 0.5, c, -c).astype(dt)
  fin = np.isfinite(a) & np.isfinite(b) & np.isfinite(c)
  return a[fin], b[fin], c[fin]

def _fma_f32_triples(rng, n, ties=True):
  """Families of f32 triples: random bits, typical magnitudes, cancellation, ties, subnormal and overflowing
  results."""
  k = n // (8 if ties else 7)
  fams = []
  fams.append((rand_bits(rng, k, f32), rand_bits(rng, k, f32), rand_bits(rng, k, f32)))
  a, b = rand_float(rng, k, f32, -30, 30), rand_float(rng, k, f32, -30, 30)
  fams.append((a, b, rand_float(rng, k, f32, -90, 90)))
  with np.errstate(all="ignore"): p = (a.astype(f64) * b).astype(f32)
  steps = rng.integers(-3, 4, k).astype(f64) * 2.0 ** -23
  fams.append((a, b, (-p.astype(f64) * (1 + steps)).astype(f32)))                        # cancellation
  a2, b2 = rand_float(rng, k, f32, -80, -60), rand_float(rng, k, f32, -90, -60)          # subnormal products
  fams.append((a2, b2, np.where(rng.random(k) < 0.5, rand_float(rng, k, f32, -160, -120), f32(0)).astype(f32)))
  fams.append((a2, b2, (-(a2.astype(f64) * b2).astype(f32)).astype(f32) * f32(1 + 2 ** -22)))
  a3, b3 = rand_float(rng, k, f32, 60, 70), rand_float(rng, k, f32, 56, 66)             # near / over the top
  fams.append((a3, b3, rand_float(rng, k, f32, 120, 127)))
  if ties: fams.append(_ties(rng, k, f32))
  fams.append((rand_float(rng, k, f32, -149, 127), rand_float(rng, k, f32, -149, 127), rand_float(rng, k, f32, -149, 127)))
  return (np.concatenate(x).astype(f32) for x in zip(*fams))

def test_fma_f32_exact_subset():
  rng = np.random.default_rng(1)
  a, b, c = _fma_f32_triples(rng, 24_000)
  got = fp.fma_f32(a, b, c)
  want = np.array([fma_ref(x, y, z, f32) for x, y, z in zip(a, b, c)], f32)
  assert_bits(got, want, a, b, c)

def test_fma_f32_million(report):
  """A million triples against an independent route: fma_f64 (Dekker + Boldo-Melquiond, exact-tested below) rounded
  to f32. That double rounding equals one rounding unless the f64 result is exactly an f32 midpoint (or at the
  overflow threshold): those lanes are checked against Fraction instead. (Deliberate ties, nearly all ambiguous
  that way, are in the Fraction-checked test above.)"""
  rng = np.random.default_rng(2)
  a, b, c = _fma_f32_triples(rng, 1_000_000, ties=False)
  got = fp.fma_f32(a, b, c)
  y = fp.fma_f64(a.astype(f64), b.astype(f64), c.astype(f64))
  with np.errstate(all="ignore"):
    ref = y.astype(f32)
    nb = np.nextafter(ref, np.where(y > ref, f32(np.inf), f32(-np.inf)).astype(f32))
    mid = (ref.astype(f64) + nb.astype(f64)) / 2
  amb = ((ref.astype(f64) != y) & (mid == y)) | (np.abs(y) == 2.0 ** 128 - 2.0 ** 103)   # or max + half an ulp
  ok = ~amb
  assert_bits(got[ok], ref[ok], a[ok], b[ok], c[ok])
  idx = np.nonzero(amb)[0]
  assert len(idx) > 100                                        # the tie families do reach the ambiguous lanes
  assert_bits(got[idx], np.array([fma_ref(a[i], b[i], c[i], f32) for i in idx], f32), a[idx], b[idx], c[idx])
  report(f"fma_f32: 1e6 triples equal to fma_f64 rounded to f32, {len(idx)} double-rounding-ambiguous lanes exact by Fraction")

def test_fma_f32_to_f16_single_rounding():
  # v_fma_mixlo_f16: one rounding to f16 (rounding to f32 first would turn f16 near-ties into ties)
  rng = np.random.default_rng(3)
  a, b = rand_float(rng, 20000, f32, -12, 6), rand_float(rng, 20000, f32, -12, 6)
  c = rand_float(rng, 20000, f32, -26, 14)
  # f16 ties broken by bits only an f32 rounding would drop: a * b = f16 midpoint * (1 + 2^-30)
  h = rand_float(rng, 2000, f16, -14, 14).astype(f64) * (1 + 2.0 ** -11)
  a = np.concatenate([a, (h * (1 + 2.0 ** -30)).astype(f32), h.astype(f32)])
  b = np.concatenate([b, np.ones(4000, f32)])
  c = np.concatenate([c, np.zeros(4000, f32)])
  got = fp.fma_f32(a, b, c, dtype=f16)
  assert_bits(got, np.array([fma_ref(x, y, z, f16) for x, y, z in zip(a, b, c)], f16), a, b, c)

# ---------------------------------------------------------------------------------------------------- fma_f16, fma_f64

def test_fma_f16_exact():
  rng = np.random.default_rng(4)
  n = 8000
  fams = [(rand_bits(rng, n, f16), rand_bits(rng, n, f16), rand_bits(rng, n, f16)),
          (rand_float(rng, n, f16, -8, 8), rand_float(rng, n, f16, -8, 8), rand_float(rng, n, f16, -24, 15)), _ties(rng, n, f16)]
  a, b = rand_float(rng, n, f16, -8, 8), rand_float(rng, n, f16, -8, 8)
  with np.errstate(all="ignore"): fams.append((a, b, (-(a.astype(f64) * b)).astype(f16)))   # cancellation
  a, b, c = (np.concatenate(x).astype(f16) for x in zip(*fams))
  fin = np.isfinite(a) & np.isfinite(b) & np.isfinite(c)
  a, b, c = a[fin], b[fin], c[fin]
  got = fp.fma_f16(a, b, c)
  assert_bits(got, np.array([fma_ref(x, y, z, f16) for x, y, z in zip(a, b, c)], f16), a, b, c)

def _fma_f64_triples(rng, n):
  k = n // 9
  fams = [(rand_bits(rng, k, f64), rand_bits(rng, k, f64), rand_bits(rng, k, f64))]
  a, b = rand_float(rng, k, f64, -60, 60), rand_float(rng, k, f64, -60, 60)
  fams.append((a, b, rand_float(rng, k, f64, -200, 200)))
  p = a * b
  fams.append((a, b, -p * (1 + rng.integers(-3, 4, k) * 2.0 ** -52)))                    # cancellation
  # c dominant and the product a sticky bit far below it, or exactly half an ulp of c
  cc = rand_float(rng, k, f64, -50, 50)
  fams.append((rand_float(rng, k, f64, -300, -200), rand_float(rng, k, f64, -300, -200), cc))
  half = np.ldexp(1.0, np.frexp(cc)[1] - 54)
  fams.append((half, np.where(rng.random(k) < 0.5, 1.0, 1 + 2.0 ** -52 * rng.integers(-2, 3, k)), cc))
  a2, b2 = rand_float(rng, k, f64, -560, -500), rand_float(rng, k, f64, -560, -500)     # subnormal products
  fams.append((a2, b2, np.where(rng.random(k) < 0.5, rand_float(rng, k, f64, -1074, -1000), 0.0)))
  fams.append((a2, b2, -(a2 * b2) * (1 + 2.0 ** -50)))
  a3, b3 = rand_float(rng, k, f64, 500, 520), rand_float(rng, k, f64, 500, 520)          # product overflows f64
  fams.append((a3, b3, -np.finfo(f64).max * rng.random(k)))
  fams.append(_ties(rng, k, f64))
  return (np.concatenate(x).astype(f64) for x in zip(*fams))

def test_fma_f64_exact(report):
  rng = np.random.default_rng(5)
  a, b, c = _fma_f64_triples(rng, 36_000)
  got = fp.fma_f64(a, b, c)
  want = np.array([fma_ref(x, y, z, f64) for x, y, z in zip(a, b, c)], f64)
  assert_bits(got, want, a, b, c)
  sub = np.sum((np.abs(want) < 2.0 ** -1022) & (want != 0))
  report(f"fma_f64: {len(a)} triples exact by Fraction, {sub} of them subnormal (the Fraction fallback lanes)")

def test_fma_f64_scaled():
  # the scale argument (v_div_fmas) is inside the one rounding: subnormal and overflowing scaled results
  rng = np.random.default_rng(6)
  a, b, c = _fma_f64_triples(rng, 9000)
  s = rng.choice([-128, 128, -1100, 1100, 0], len(a))
  got = fp.fma_f64(a, b, c, s)
  fin = np.isfinite(a * 0 + b * 0 + c * 0)
  want = np.array([fma_ref(x, y, z, f64, int(k)) for x, y, z, k in zip(a, b, c, s)], f64)
  assert_bits(got[fin], want[fin], a[fin], b[fin], c[fin], s[fin])

def test_fma_f64_agrees_with_f32_route():
  # f32 operands in fma_f64: the result rounded to f64 equals fma_f32's round-to-odd value rounded to f64
  rng = np.random.default_rng(7)
  a, b, c = _fma_f32_triples(rng, 200_000)
  A, B, C = a.astype(f64), b.astype(f64), c.astype(f64)
  p = A * B
  s = p + C
  exact = (s - p == C) & (s - C == p)                          # then the f64 result is the exact sum
  got = fp.fma_f64(A, B, C)
  assert_bits(got[exact], s[exact])

# ---------------------------------------------------------------------------------------------------- conversions

def _f16_grid():
  # every non-negative finite f16 value as f32, in order (bit pattern = index), and one past max (2^16) for "inf"
  v = np.arange(0x7c00, dtype=np.uint16).view(f16).astype(f64)
  return np.append(v, 65536.0)

def _f32_to_f16_ref(x, mode):
  """Independent reference: binary search among all f16 values (bit pattern order is value order)."""
  g = _f16_grid()
  ax = np.abs(x.astype(f64))
  lo = np.searchsorted(g, ax, side="right") - 1                 # largest f16 magnitude <= |x|
  lo = np.minimum(lo, 0x7c00)
  if mode == "rtz": k = np.minimum(lo, 0x7bff)
  else:
    hi = np.minimum(lo + 1, 0x7c00)
    dlo, dhi = ax - g[lo], g[hi] - ax
    k = np.where((dhi < dlo) | ((dhi == dlo) & (lo % 2 == 1)), hi, lo)
    k = np.where(ax >= 65520.0, 0x7c00, k)
  k = np.where(np.isinf(x), 0x7c00, k).astype(np.uint16)
  return (k | np.where(np.signbit(x), np.uint16(0x8000), np.uint16(0))).view(f16)

@pytest.mark.parametrize("mode", ["rne", "rtz"])
def test_f32_to_f16(mode):
  rng = np.random.default_rng(8)
  g = _f16_grid()[:-1].astype(f32)
  g32 = g.view(np.uint32)
  # every f16 value, its f32 neighbours, the midpoints to the next f16 and theirs; then random values of all sizes
  mids = ((g.astype(f64)[:-1] + g.astype(f64)[1:]) / 2).astype(f32)
  near = np.concatenate([g, (g32 + 1).view(f32), (g32[1:] - 1).view(f32), mids, (mids.view(np.uint32) + 1).view(f32),
                         (mids.view(np.uint32) - 1).view(f32), f32([65504, 65519.996, 65520, 65536, 1e10, np.inf, 1e-8, 2.0 ** -25, 2.0 ** -26])])
  x = np.concatenate([near, rand_float(rng, 1_000_000, f32, -30, 20), rand_bits(rng, 500_000, f32)])
  x = np.concatenate([x, -x])
  assert_bits(fp.f32_to_f16(x, mode), _f32_to_f16_ref(x, mode), x)
  sample = x[rng.integers(0, len(x), 3000)]                   # and the reference itself against Fraction
  assert_bits(_f32_to_f16_ref(sample, mode), [round_frac(Fr(float(v)), f16, mode) if np.isfinite(v) else v for v in sample], sample)
  nan = fp.f32_to_f16(np.uint32([0x7f800001, 0xffc00000, 0x7fa00000]).view(f32), mode).view(np.uint16)
  assert list(nan) == [0x7e00, 0xfe00, 0x7f00]                 # quiet, sign and top payload bits kept

def test_bf16():
  x = np.uint32([0x3f800000, 0x3f808000, 0x3f818000, 0x3f80ffff, 0x7f7fffff, 0x7f800001, 0x80000001]).view(f32)
  assert list(fp.f32_to_bf16(x)) == [0x3f80, 0x3f80, 0x3f82, 0x3f81, 0x7f80, 0x7fc0, 0x8000]
  assert fp.bf16_to_f32(np.uint16([0x3fc0])).tolist() == [1.5]

def _cvt_ref(v, lo, hi):
  if math.isnan(v): return 0
  return min(max(math.trunc(v) if math.isfinite(v) else (hi if v > 0 else lo), lo), hi)

@pytest.mark.parametrize("fn,src,dst", [(fp.cvt_i32_f32, f32, np.int32), (fp.cvt_u32_f32, f32, np.uint32),
                                        (fp.cvt_i32_f64, f64, np.int32), (fp.cvt_u32_f64, f64, np.uint32),
                                        (fp.cvt_i16_f16, f16, np.int16), (fp.cvt_u16_f16, f16, np.uint16)])
def test_cvt_int(fn, src, dst):
  rng = np.random.default_rng(9)
  info = np.iinfo(dst)
  edges = [float(info.min), float(info.max), info.max + 1.0, info.min - 1.0, info.max + 0.5, -0.5, -0.0, 0.0,
           0.99, -0.99, 1.5, -1.5, np.inf, -np.inf, np.nan, 2.0 ** 31 - 128, 2.0 ** 31, -2.0 ** 31 - 256, 4294967040.0]
  with np.errstate(all="ignore"):
    x = np.concatenate([np.array(edges).astype(src), rand_bits(rng, 5000, src, finite=False),
                        rand_float(rng, 5000, src, 0, 34)]).astype(src)
  got = fn(x)
  assert got.dtype == dst
  assert got.tolist() == [_cvt_ref(float(v), info.min, info.max) for v in x]

# ---------------------------------------------------------------------------------------------------- min / max / med3

def _nan_set(dt):
  u, F = UINT[dt], fp.FMT[np.dtype(dt)]
  e, q = (F.emax << F.mant), 1 << (F.mant - 1)
  sgn = 1 << (8 * np.dtype(dt).itemsize - 1)
  return np.array([e | 1, e | q | 5, sgn | e | 3, sgn | e | q], u).view(dt)   # sNaN, qNaN, -sNaN, -qNaN

def _vals(dt):
  return np.concatenate([np.array([0.0, -0.0, 1.0, -1.0, 2.0, np.inf, -np.inf, np.finfo(dt).smallest_subnormal], dt), _nan_set(dt)])

def _b(x, dt): return int(np.asarray(x, dt).view(UINT[dt]))

class Scalar:
  """The ISA pseudocode, one scalar at a time, on bit patterns (written apart from fp's vectorised code)."""
  def __init__(s, dt): s.dt, s.F = dt, fp.FMT[np.dtype(dt)]
  def isnan(s, x): return math.isnan(float(x))
  def snan(s, x): return s.isnan(x) and not (_b(x, s.dt) >> (s.F.mant - 1)) & 1
  def qnan(s, x): return s.isnan(x) and not s.snan(x)
  def quiet(s, x): return np.array(_b(x, s.dt) | (1 << (s.F.mant - 1)), UINT[s.dt]).view(s.dt)[()]
  def lt(s, a, b): return float(a) < float(b) or (float(a) == 0 == float(b) and math.copysign(1, a) < 0 < math.copysign(1, b))
  def gt(s, a, b): return float(a) > float(b) or (float(a) == 0 == float(b) and math.copysign(1, a) > 0 > math.copysign(1, b))
  def min(s, a, b, ieee=True, less=True):
    cmp = s.lt if less else s.gt
    if ieee:
      if s.snan(a): return s.quiet(a)
      if s.snan(b): return s.quiet(b)
      if s.qnan(b): return a
      if s.qnan(a): return b
    else:
      if s.isnan(b): return a
      if s.isnan(a): return b
    return a if cmp(a, b) else b
  def med3(s, a, b, c, ieee=True):
    if any(s.isnan(x) for x in (a, b, c)): return s.min(s.min(a, b, ieee), c, ieee)
    mx = s.min(s.min(a, b, ieee, False), c, ieee, False)
    if float(mx) == float(a): return s.min(b, c, ieee, False)
    if float(mx) == float(b): return s.min(a, c, ieee, False)
    return s.min(a, b, ieee, False)
  def num(s, a, b, less=True):
    if s.isnan(a) and s.isnan(b): return s.quiet(a)
    if s.isnan(a): return b
    if s.isnan(b): return a
    return a if (s.lt if less else s.gt)(a, b) else b
  def minimum(s, a, b, less=True):
    for x in (a, b):
      if s.snan(x): return s.quiet(x)
    for x in (a, b):
      if s.qnan(x): return x
    return a if (s.lt if less else s.gt)(a, b) else b

@pytest.mark.parametrize("dt", [f16, f32, f64])
def test_min_max(dt):
  v = _vals(dt)
  S = Scalar(dt)
  a, b = (x.ravel() for x in np.meshgrid(v, v, indexing="ij"))
  for ieee in (True, False):
    assert_bits(fp.min_f(a, b, ieee), [S.min(x, y, ieee) for x, y in zip(a, b)], a, b)
    assert_bits(fp.max_f(a, b, ieee), [S.min(x, y, ieee, False) for x, y in zip(a, b)], a, b)
  assert_bits(fp.min_num(a, b), [S.num(x, y) for x, y in zip(a, b)], a, b)
  assert_bits(fp.max_num(a, b), [S.num(x, y, False) for x, y in zip(a, b)], a, b)
  assert_bits(fp.minimum(a, b), [S.minimum(x, y) for x, y in zip(a, b)], a, b)
  assert_bits(fp.maximum(a, b), [S.minimum(x, y, False) for x, y in zip(a, b)], a, b)
  # the documented cases by name
  sn, qn = _nan_set(dt)[:2]
  assert fp.min_f(dt(0.0), dt(-0.0)).tobytes() == np.array(-0.0, dt).tobytes()
  assert fp.max_f(dt(-0.0), dt(0.0)).tobytes() == np.array(0.0, dt).tobytes()
  assert fp.min_f(qn, dt(1)) == 1 and fp.min_f(dt(1), qn) == 1 and np.isnan(fp.min_f(sn, dt(1)))
  assert fp.min_f(sn, dt(1), ieee=False) == 1 and fp.min_num(sn, dt(1)) == 1 and np.isnan(fp.minimum(qn, dt(1)))

@pytest.mark.parametrize("dt", [f16, f32])
def test_med3(dt):
  v = _vals(dt)[[0, 1, 2, 3, 4, 5, 6, 8, 9]]
  S = Scalar(dt)
  a, b, c = (x.ravel() for x in np.meshgrid(v, v, v, indexing="ij"))
  for ieee in (True, False):
    assert_bits(fp.med3_f(a, b, c, ieee), [S.med3(x, y, z, ieee) for x, y, z in zip(a, b, c)], a, b, c)
  rng = np.random.default_rng(10)
  x, y, z = (rand_float(rng, 3000, dt, -5, 5) for _ in range(3))
  assert_bits(fp.med3_f(x, y, z), np.sort(np.stack([x, y, z]), axis=0)[1], x, y, z)   # no NaN: the median
  assert_bits(fp.med3_num(x, y, z), np.sort(np.stack([x, y, z]), axis=0)[1], x, y, z)
  assert fp.med3_f(np.array(np.nan, dt), dt(1), dt(2)) == 1           # tinygrad's hardware test: min of the others
  sn, qn = _nan_set(dt)[:2]
  assert fp.med3_f(dt(1), dt(2), qn) == 1 and fp.med3_f(dt(3), qn, dt(2)) == 2
  # IEEE mode: an sNaN in S0 or S1 selects S2, one in S2 gives a quiet NaN (the pseudocode; LLVM PR 216970 agrees)
  assert fp.med3_f(sn, dt(1), dt(2)) == 2 and fp.med3_f(dt(1), sn, dt(3)) == 3 and np.isnan(fp.med3_f(dt(1), dt(2), sn))
  assert fp.med3_f(sn, dt(1), dt(2), ieee=False) == 1 and fp.med3_num(sn, dt(1), dt(2)) == 1

# ---------------------------------------------------------------------------------------------------- frexp, ldexp, fract

@pytest.mark.parametrize("dt", [f16, f32, f64])
def test_frexp(dt):
  rng = np.random.default_rng(11)
  x = np.concatenate([rand_bits(rng, 20000, dt, finite=False), np.array([0.0, -0.0, np.inf, -np.inf, np.nan,
                      np.finfo(dt).smallest_subnormal, -np.finfo(dt).max], dt)])
  m, e = fp.frexp_mant(x), fp.frexp_exp(x)
  assert m.dtype == dt and e.dtype == np.int32
  for xi, mi, ei in zip(x, m, e):
    if not np.isfinite(xi):
      assert ei == 0 and (mi.tobytes() == xi.tobytes()); continue
    wm, we = math.frexp(float(xi))
    assert float(mi) == wm and math.copysign(1, mi) == math.copysign(1, xi) and (ei == we or xi == 0), (xi, mi, ei)

@pytest.mark.parametrize("dt", [f16, f32, f64])
def test_ldexp(dt):
  rng = np.random.default_rng(12)
  n = 8000
  x = np.concatenate([rand_bits(rng, n, dt), np.array([0.0, -0.0, np.inf, -np.inf, 1.5, 3.0], dt)])
  e = np.concatenate([rng.integers(-2200, 2200, n // 2), rng.integers(-60, 60, n // 2 + 6)])
  e[:50] = [2 ** 31 - 1, -2 ** 31] * 25
  got = fp.ldexp(x, e)
  for xi, ei, gi in zip(x, e, got):
    want = round_frac(Fr(float(xi)) * Fr(2) ** int(np.clip(ei, -5000, 5000)), dt) if np.isfinite(xi) and xi != 0 else xi
    assert got.dtype == dt and not len(same_bits(np.array([gi]), [want])), (xi, ei, gi, want)
  assert fp.ldexp(f32(3.0), -150) == f32(2.0 ** -148)                  # 3 * 2^-150 is a tie: rounds to even 4 * 2^-150

@pytest.mark.parametrize("dt", [f16, f32, f64])
def test_fract(dt):
  rng = np.random.default_rng(13)
  x = np.concatenate([rand_bits(rng, 6000, dt), rand_float(rng, 6000, dt, -40, 12),
                      np.array([-0.0, 0.0, -1e-30, 1.0, -1.0, -2.0 ** -40, np.finfo(dt).max], dt)]).astype(dt)
  got = fp.fract(x)
  below1 = np.nextafter(dt(1), dt(0))
  for xi, gi in zip(x, got):
    q = Fr(float(xi)); fl = math.floor(q)
    want = min(round_frac(q - fl, dt), below1)                          # one rounding of the exact x - floor(x)
    assert gi.tobytes() == np.array(want, dt).tobytes(), (xi, gi, want)
  assert fp.fract(dt(-0.0)).tobytes() == np.array(0.0, dt).tobytes() and fp.fract(dt(-1e-30 if dt != f16 else -1e-7)) == below1
  assert np.isnan(fp.fract(dt(np.inf))) and np.isnan(fp.fract(dt(-np.inf))) and np.isnan(fp.fract(dt(np.nan)))

# ---------------------------------------------------------------------------------------------------- trig_preop

def _two_over_pi_bits(n):
  """floor(2/pi * 2^n) with Hutton's formula (pi/4 = 2 atan(1/3) + atan(1/7)), apart from fp's Machin formula."""
  g = n + 64
  def atan_inv(k):
    one = 1 << g; t = s = one // k; i, sgn = 1, -1
    while t: t //= k * k; i += 2; s += sgn * (t // i); sgn = -sgn
    return s
  pi = 4 * (2 * atan_inv(3) + atan_inv(7))
  return ((1 << (2 * g + 1)) // pi) >> (g - n)

def test_trig_preop():
  X = _two_over_pi_bits(1201)
  assert X >> (1201 - 96) == 0xA2F9836E4E441529FC2757D1         # fdlibm's ipio2 table begins so
  x = np.array([1.0, 2.0 ** 60, 1e300, -3.0, 2.0 ** 900, 5e-324, 2.0 ** 1020], f64)
  for xi in x:
    for idx in range(32):
      e = int(np.asarray(xi).view(np.uint64) >> np.uint64(52) & np.uint64(2047))
      shift = idx * 53 + max(e - 1077, 0)
      want = math.ldexp(float(((X << shift) >> 1148) & ((1 << 53) - 1)), -53 - shift + (128 if e >= 1968 else 0))
      assert fp.trig_preop(xi, idx) == want, (xi, idx)
  # tinygrad's hardware tests: idx 0 of 1.0 is 2/pi (truncated), idx 0 + 1 + 2 sum to it
  parts = [Fr(float(fp.trig_preop(1.0, i))) for i in range(3)]
  assert abs(float(parts[0]) - 2 / math.pi) < 1e-15 and abs(sum(parts) - Fr(X, 2 ** 1201)) < Fr(1, 2 ** 159)
  assert np.all(np.isfinite(fp.trig_preop(np.full(32, 2.0 ** 60), np.arange(32))))

# ---------------------------------------------------------------------------------------------------- division

def test_div_scale_pieces():
  # tinygrad's hardware tests of v_div_scale_f32 (D0, VCC) and the pseudocode's branches
  ds = lambda s0, s1, s2: tuple(x.item() for x in fp.div_scale(f32(s0), f32(s1), f32(s2)))
  assert ds(1.0, 4.0, 1.0) == (1.0, False) and ds(2.0, 4.0, 2.0) == (2.0, False)
  assert math.isnan(ds(1.0, 0.0, 1.0)[0]) and ds(1.0, 0.0, 1.0)[1] and math.isnan(ds(0.0, 1.0, 0.0)[0])
  M = float(np.finfo(f32).max)
  assert ds(1.0, 1.0, M) == (2.0 ** 64, True)                        # exponent(S2) - exponent(S1) >= 96: denominator up
  assert ds(2.0 ** -126, 1.0, 2.0 ** -126) == (2.0 ** -62, True)     # a quotient that may be subnormal: numerator up
  assert ds(1.0, 2.0 ** 127, 1.0) == (1.0, True)                      # 1/S1 and S2/S1 subnormal: numerator kept
  assert ds(2.0 ** 127, 2.0 ** 127, 1.0) == (2.0 ** 63, True)         # ... denominator down
  assert ds(2.0 ** 127, 2.0 ** 127, 2.0 ** 100) == (2.0 ** 63, False)  # 1/S1 subnormal only: both down
  assert ds(1e-45, 1e-45, 2.0 ** -40) == (float(f32(1e-45)) * 2.0 ** 64, False)   # subnormal denominator: both up
  assert ds(1e-45, 1e-45, 1.0) == (float(f32(1e-45)) * 2.0 ** 64, True)   # ... unless exponent(S2) - 0 >= 96
  assert ds(2.0 ** -110, 1.0, 2.0 ** -110) == (2.0 ** -46, False)     # numerator tiny: both up
  assert ds(1.0, 1.0, 2.0 ** -110) == (2.0 ** 64, False)
  fm = lambda a, b, c, v: fp.div_fmas(f32(a), f32(b), f32(c), v).item()
  assert fm(2, 3, 1, False) == 7 and fm(1, 1, 2, True) == 3 * 2.0 ** 64 and fm(2, 3, 1, True) == 7 * 2.0 ** -64
  assert fp.div_fmas(f64(1), f64(1), f64(2), True) == 3 * 2.0 ** 128 and fp.div_fmas(f64(2), f64(3), f64(1), True) == 7 * 2.0 ** -128
  fx = lambda q, d, n: fp.div_fixup(f32(q), f32(d), f32(n))
  assert fx(3, 2, 6) == 3 and fx(3, -2, 6) == -3 and fx(3, -2, -6) == 3 and fx(1, 0, -1) == -np.inf
  assert fx(0, 0, 0).view(np.uint32) == 0xffc00000 and fx(0, np.inf, np.inf).view(np.uint32) == 0xffc00000
  assert fx(1, np.inf, 1) == 0 and fx(1, 1, np.inf) == np.inf and fx(np.nan, 1, 1) == np.inf and fx(np.nan, -1, 1) == -np.inf
  assert fx(1, 1, np.uint32(0x7f800001).view(f32)).view(np.uint32) == 0x7fc00001
  assert fp.div_fixup(f16(1), f16(0), f16(0)).view(np.uint16) == 0xfe00

def rcp_ftz(x):
  """A reciprocal that flushes subnormal results to zero, as a hardware rcp may: div_scale's 1/S1 branches are what
  keep the division exact with it."""
  r = fp.rcp(x)
  return np.where(np.abs(r) < np.finfo(r.dtype).tiny, np.copysign(r.dtype.type(0), r), r)

def div_f32(a, b, rcp=fp.rcp):
  """LLVM 19's fdiv f32 for gfx1100/gfx1200 (denormals on): the instruction sequence, op for op."""
  with np.errstate(all="ignore"):
    den, _ = fp.div_scale(b, b, a)
    r = rcp(den)
    e = fp.fma_f32(-den, r, f32(1.0)); r = fp.fma_f32(e, r, r)
    num, vcc = fp.div_scale(a, b, a)
    q = num * r
    e = fp.fma_f32(-den, q, num); q = fp.fma_f32(e, r, q)
    e = fp.fma_f32(-den, q, num)
    return fp.div_fixup(fp.div_fmas(e, r, q, vcc), b, a)

def div_f64(a, b, rcp=fp.rcp):
  """LLVM 19's fdiv f64 for gfx1100/gfx1200."""
  with np.errstate(all="ignore"):
    den, _ = fp.div_scale(b, b, a)
    num, vcc = fp.div_scale(a, b, a)
    r = rcp(den)
    e = fp.fma_f64(-den, r, 1.0); r = fp.fma_f64(r, e, r)
    e = fp.fma_f64(-den, r, 1.0); r = fp.fma_f64(r, e, r)
    q = num * r
    e = fp.fma_f64(-den, q, num)
    return fp.div_fixup(fp.div_fmas(e, r, q, vcc), b, a)

def _div_pairs(rng, n, dt):
  p, emin, emax = FMTS[dt]
  k = n // 8
  fams = [(rand_bits(rng, k, dt), rand_bits(rng, k, dt)),
          (rand_float(rng, k, dt, -20, 20), rand_float(rng, k, dt, -20, 20)),
          (rand_bits(rng, k, dt), rand_float(rng, k, dt, emax - 3, emax)),                 # huge denominators
          (rand_bits(rng, k, dt), rand_float(rng, k, dt, emin - p, emin - 1)),             # subnormal denominators
          (rand_float(rng, k, dt, emin - p, emin + 5), rand_bits(rng, k, dt))]             # tiny numerators
  # quotients near the subnormal, underflow and overflow thresholds
  b = rand_float(rng, k, dt, -40, 40)
  t = rng.choice([emin - 1, emin, emin + 1, emin - p, emin - p - 1, emin - p + 1, emax, emax + 1, emax - 1], k)
  with np.errstate(all="ignore"): a = (np.ldexp(rng.random(k) + 1, t) * b.astype(f64)).astype(dt)
  fams.append((a, b))
  # exact ties: a power-of-two denominator and an odd numerator whose quotient is a subnormal midpoint
  o = rng.integers(1, 1 << (p - 1), k) * 2 + 1
  sh = rng.integers(0, emax - 2, k)
  with np.errstate(all="ignore"):
    fams.append((np.ldexp(o.astype(f64), sh - p).astype(dt), np.ldexp(1.0, sh - emin + 1 + 1).astype(dt)))
  sp = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -3.0, np.finfo(dt).max, np.finfo(dt).smallest_subnormal], dt)
  x, y = np.meshgrid(sp, sp)
  fams.append((x.ravel(), y.ravel()))
  return (np.concatenate(v).astype(dt) for v in zip(*fams))

@pytest.mark.parametrize("rcp", [fp.rcp, rcp_ftz], ids=["rcp", "rcp_ftz"])
@pytest.mark.parametrize("dt,div", [(f32, div_f32), (f64, div_f64)], ids=["f32", "f64"])
def test_llvm_division_sequence(dt, div, rcp, report):
  """div_scale / rcp / fma / div_fmas / div_fixup as LLVM emits them give the correctly rounded quotient (numpy's
  IEEE division, itself checked against Fraction below), with rcp correctly rounded, also when its subnormal
  results are flushed to zero. This pins div_scale's branches and readings marked HW? in fp (the pseudocode's
  2^+64 for a huge S1 and a tiny quotient gives inf, its fixed 2^32 in div_fmas garbage, two roundings in div_fmas
  wrong subnormal quotients, no NaN -> inf in div_fixup NaN for overflowing quotients)."""
  rng = np.random.default_rng(14)
  a, b = _div_pairs(rng, 300_000 if dt == f32 else 160_000, dt)
  with np.errstate(all="ignore"): want = a / b
  assert_bits(div(a, b, rcp), want, a, b)
  i = rng.integers(0, len(a), 2000)
  fin = np.isfinite(a[i]) & np.isfinite(b[i]) & (b[i] != 0) & (a[i] != 0)
  assert_bits(want[i][fin], [round_frac(Fr(float(x)) / Fr(float(y)), dt) for x, y in zip(a[i][fin], b[i][fin])])
  if rcp is fp.rcp: report(f"fdiv {np.dtype(dt).name}: {len(a)} quotients of LLVM's div_scale/rcp/fma/div_fmas/div_fixup sequence correctly rounded")


def test_fp8_encodings():
  """OCP fp8 (E4M3FN) and bf8 (E5M2) bytes worked out by hand from the formats: 1.0 is exponent = bias, the largest
  finite values, the smallest subnormals, ties to even, overflow (NaN for fp8, inf for bf8, FP16_OVFL clear), -0."""
  x = np.array([1.0, -1.0, 448.0, 464.0, 465.0, 2.0 ** -9, 2.0 ** -10, 1.5 * 2.0 ** -10, 0.0, -0.0, 1.0625, 1.1875,
                np.inf, np.nan], f32)
  assert fp.f32_to_fp8(x, False).tolist() == [0x38, 0xB8, 0x7E, 0x7E, 0x7F, 0x01, 0x00, 0x01, 0x00, 0x80, 0x38, 0x3A,
                                              0x7F, 0xFF]
  y = np.array([1.0, 57344.0, 61440.0, 2.0 ** -16, 1.125, 1.375, -np.inf], f32)
  assert fp.f32_to_fp8(y, True).tolist() == [0x3C, 0x7B, 0x7C, 0x01, 0x3C, 0x3E, 0xFC]
  assert fp.fp8_to_f32(np.array([0x38, 0x7E, 0x01, 0x80, 0xF0]), False).tolist() == [1.0, 448.0, 2.0 ** -9, -0.0, -128.0]
  assert fp.fp8_to_f32(np.array([0x3C, 0x7B, 0x7C, 0x01]), True).tolist() == [1.0, 57344.0, np.inf, 2.0 ** -16]
  # stochastic rounding: 1.0625 is half an fp8 ulp above 1.0; a seed whose top 20 bits are half the ulp rounds up
  assert fp.f32_to_fp8(np.array([1.0625, 1.0625], f32), False, np.array([0, 0x80000000], np.uint32)).tolist() == [0x38, 0x39]


@pytest.mark.parametrize("mode", [1, 2, 3])
def test_directed_rounding_f32(mode):
  """MODE round modes for the f32 add / mul / fma: against Fraction rounded up, down or toward zero."""
  rng = np.random.default_rng(mode)
  a, b, c = (rand_float(rng, 1500, f32, -30, 30) for _ in range(3))
  a[:4], b[:4], c[:4] = [1.0, -1.0, 3e38, 0.0], [1.0, 1.0, 3e38, -0.0], [-1.0, 1.0, 0.0, 0.0]
  big = Fr(np.finfo(f32).max.item())
  def want(v):
    """Exact values rounded in the mode; past the largest finite value: inf where the mode rounds away from it."""
    q = {1: math.ceil, 2: math.floor, 3: math.trunc}[mode]
    out = []
    for x in v:
      if x == 0: out.append(0.0); continue
      e = -126
      while abs(x) >= Fr(2) ** (e + 1): e += 1
      ulp = Fr(2) ** (e - 23)
      r = q(x / ulp) * ulp
      out.append(float(r) if abs(r) <= big else (math.inf if r > 0 else -math.inf) if mode != 3 and (r > 0) == (mode == 1)
                 else float(big if r > 0 else -big))
    return np.array(out, f32)
  fin = np.isfinite(a) & np.isfinite(b) & np.isfinite(c)
  a, b, c = a[fin], b[fin], c[fin]
  F = lambda v: [Fr(float(t)) for t in v]
  got = fp.fma_f32(a, b, c, mode=mode)
  exact = [x * y + z for x, y, z in zip(F(a), F(b), F(c))]
  w = want(exact)
  nz = np.array([e != 0 for e in exact])
  assert np.array_equal(got[nz], w[nz])
  prod = [x * y for x, y in zip(F(a), F(b))]
  pz = np.array([e != 0 for e in prod])
  assert np.array_equal(fp.mul_f32(a, b, mode)[pz], want(prod)[pz])
  s = fp.add_f32(np.array([1.0, -0.0], f32), np.array([-1.0, 0.0], f32), mode)
  assert np.signbit(s).tolist() == [mode == 2, mode == 2]     # exact zero sums: -0 only toward -inf
