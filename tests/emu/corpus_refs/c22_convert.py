"""tests/corpus/22_convert.cl

Every conversion is computed exactly here (Python integers and Fractions, rounded once, tests/emu/corpus_refs/
_exact.py), as OpenCL C defines it: int/long -> float and double -> float/half round to nearest even, float ->
int truncates. The inputs keep every float -> integer conversion in range (C leaves the others undefined): the
float and double inputs lie in (-1, 2^31), so (int), (uint), (long) and (ulong) of them are all defined; halves
are finite. The half sum is kept free of NaN (inf + -inf: which NaN the hardware makes is not what this tests).

gfx12 only (the #if block): OCP FP8 conversions. The formats: fp8 = E4M3FN (bias 7, no infinity, S.1111.111 NaN,
max 448), bf8 = E5M2 (bias 15, IEEE infinities). Round to nearest even; FP16_OVFL (COMPUTE_PGM_RSRC1 bit 26) is
clear in these kernels, so a finite value past the largest rounds to NaN (fp8) / infinity (bf8) and infinities go
there too. The stochastic forms (v_cvt_sr_*) add the seed's top 20 (fp8) / 21 (bf8) bits below the kept mantissa
bits of |x| (aligned to the format's smallest normal exponent first: the bits shifted out there are dropped, no
sticky) and truncate. HW?: the overflow rule and the stochastic rounding's details are not in the RDNA4 ISA guide's
text; they are what an RDNA4 emulator validated against an RX 9070 (public, "goc") says. The fp8 byte inputs
avoid NaN encodings (which NaN a NaN byte converts to is left open), and a NaN result byte is compared as bits.
"""
from fractions import Fraction
import math
import numpy as np
from tests.emu.corpus_refs import Case, s32
from tests.emu.corpus_refs._exact import F16, F32, F64, E4M3, E5M2, rnd, rnd_units, fadd_chain, to_np

f16, f32, f64 = np.float16, np.float32, np.float64


def _cvt(vals, fmt, dt):
  """Integers or exact values -> rounded once to fmt (signed zero of float inputs kept)."""
  out = []
  for v in vals:
    if isinstance(v, float) and v == 0: out.append(v); continue
    r = rnd(v if isinstance(v, float) and math.isinf(v) else Fraction(v), fmt)
    out.append(r)
  return to_np(out, dt)


def _fp8_decode(byte: int, bf8: bool) -> float:
  m, emin = (2, -14) if bf8 else (3, -6)
  s = -1.0 if byte & 0x80 else 1.0
  e, f = (byte >> m) & ((1 << (7 - m)) - 1), byte & ((1 << m) - 1)
  if bf8 and e == 31: return s * math.inf if f == 0 else math.nan
  if not bf8 and e == 15 and f == 7: return math.nan
  bias = 15 if bf8 else 7
  return s * (f * 2.0 ** (emin - m) if e == 0 else (1 + f / (1 << m)) * 2.0 ** (e - bias))


def _fp8_encode_value(v: Fraction, neg: bool, bf8: bool) -> int:
  """An exact value on the format's grid (|v| <= max) -> its byte."""
  m, emin = (2, -14) if bf8 else (3, -6)
  bias = 15 if bf8 else 7
  a = abs(v)
  sign = 0x80 if neg else 0
  if a == 0: return sign
  if a < Fraction(2) ** emin: return sign | int(a / Fraction(2) ** (emin - m))
  e = emin
  while a >= Fraction(2) ** (e + 1): e += 1
  f = int(a / Fraction(2) ** (e - m)) - (1 << m)
  return sign | (e + bias) << m | f


def _fp8(x: np.float32, bf8: bool, seed: int | None = None) -> int:
  """f32 -> fp8/bf8 byte: round to nearest even (seed None) or stochastically with the seed (see the docstring)."""
  fmt = E5M2 if bf8 else E4M3
  limit = 0x7C if bf8 else 0x7F             # what overflow gives: inf (bf8), NaN (fp8)
  xf = float(x)
  if math.isnan(xf): return 0xFE if bf8 else 0xFF   # HW?: canonical NaN
  neg = math.copysign(1.0, xf) < 0
  sign = 0x80 if neg else 0
  if math.isinf(xf): return sign | limit
  a = Fraction(abs(xf))
  if seed is None:
    n, e = rnd_units(a, fmt)
  else:
    m, emin, _ = fmt
    S = 23 - m                               # the discarded bits of a normal f32's 24-bit significand
    if a == 0: n, e = 0, emin - m
    else:
      E = max(math.floor(math.log2(abs(xf))), emin)
      while a < Fraction(2) ** E and E > emin: E -= 1
      while a >= Fraction(2) ** (E + 1): E += 1
      ulp = Fraction(2) ** (E - m)
      sig = math.floor(a / ulp * 2 ** S)     # the aligned significand (bits below 2^-S ulp dropped)
      n, e = (sig + (seed >> (32 - S))) >> S, E - m
  r = Fraction(n) * Fraction(2) ** e
  if r > fmt[2]: return sign | limit
  return _fp8_encode_value(r, neg, bf8)


def _pk_u8(v: np.ndarray) -> np.ndarray:
  """v_cvt_pk_u8_f32's byte: round to nearest even, saturate to [0, 255] (NaN -> 0; none here)."""
  return np.clip(np.rint(v.astype(f64)), 0, 255).astype(np.int64)


def conv(rng, lanes, arch):
  n = 256
  i64 = np.int64
  a = rng.integers(-2**31, 2**31, n, dtype=i64)
  a[:16] = [-2**31, 2**31 - 1, 0, -1, 2**24 + 1, -(2**24 + 3), 65519, 65520, -65520, 32767, -32768, 32768, 65535,
            65536, 2047, 0x12345678]
  a[16:64] = rng.integers(-70000, 70000, 48)            # (half)x finite and rounding
  u = rng.integers(0, 2**32, n, dtype=i64)
  u[:10] = [0, 2**32 - 1, 2**24 + 1, 65519, 65520, 0xFF00FF00, 255, 2**31, 2**24 + 3, 2**25 + 2]
  u[40:90] = rng.integers(0, 70000, 50)
  # long / ulong: every bit length, and ties of the f32 / f64 rounding
  bl = rng.integers(1, 63, n)
  l = np.array([int(rng.integers(0, 2**62)) >> (62 - int(b)) for b in bl], dtype=object)
  l = [int(v) * (-1 if s else 1) for v, s in zip(l, rng.random(n) < 0.5)]
  l[:8] = [-2**63, 2**63 - 1, 0, -1, 2**53 + 1, (2**24 + 1) << 20, -((2**24 + 1) << 30), (2**24 + 3) << 38]
  bl = rng.integers(1, 65, n)
  ul = [int(rng.integers(0, 2**63)) * 2 + int(rng.integers(0, 2)) >> (64 - int(b)) for b in bl]
  ul[:7] = [2**64 - 1, 2**63, 0, 1, 2**63 + 2**39, (2**24 + 1) << 39, 2**64 - 2**40]
  # float g and double e in (-1, 2^31): all the integer conversions of them are defined
  def reals(k, dt):
    v = np.exp2(rng.uniform(-20, 31, k)) * np.where(rng.random(k) < 0.85, 1.0, 2.0 ** -31)
    v = np.where(rng.random(k) < 0.15, -rng.random(k), v)          # (-1, 0]: truncates to 0
    return v.astype(dt)
  g = reals(n, f32)
  g[:16] = [0.0, -0.0, 0.5, 1.5, 2.5, -0.5, -0.75, 2147483520.0, 65519.0, 65520.0, 1e-45, -1e-45, 255.5, 127.25,
            254.5, 16777217.0]
  g = g.astype(f32)
  g = np.where(g >= 2.0 ** 31, f32(2147483520.0), g).astype(f32)
  e = reals(n, f64)
  e[:10] = [0.0, -0.0, 1 + 2**-11 + 2**-40, 1 + 2**-24 + 2**-50, -0.25, 2147483647.75, 65519.99, 4e-320, 2.0**-25,
            2.0**-24 * 1.5]
  e = np.minimum(e, 2147483647.75)
  hb = rng.integers(0, 0x10000, n).astype(np.uint16)
  hb = np.where((hb & 0x7C00) == 0x7C00, hb & 0x83FF, hb).astype(np.uint16)   # finite halves only
  hb[:6] = [0x8000, 0x0000, 0x0001, 0x83FF, 0x7BFF, 0xFBFF]
  h = hb.view(f16)
  # fp8 bytes of x (gfx12): bytes 0, 1 are read as fp8 (no NaN: 0x7F/0xFF), bytes 2, 3 as bf8 (no inf/NaN
  # except a couple of +inf lanes)
  def fix_bytes(v):
    v = int(v) & 0xFFFFFFFF
    bs = [(v >> (8 * k)) & 0xFF for k in range(4)]
    for k in (0, 1):
      if bs[k] & 0x7F == 0x7F: bs[k] ^= 0x01
    for k in (2, 3):
      if bs[k] & 0x7C == 0x7C: bs[k] &= 0xF3
    r = bs[0] | bs[1] << 8 | bs[2] << 16 | bs[3] << 24
    return r - (1 << 32) if r >= 2**31 else r
  a = np.array([fix_bytes(v) for v in a], i64)
  a[20] = fix_bytes(0x7C7C0000 | (int(a[20]) & 0xFFFF))    # +inf in both bf8 bytes
  # the half sum must not meet inf + -inf; lanes that would get small x and y instead
  for _ in range(3):
    ho = _ho(a, u, g, e)
    bad = np.isnan(ho)
    if not bad.any(): break
    a[bad] &= 0x17E; u[bad] &= 0x3FF          # (byte 0 stays no fp8 NaN)
  assert not np.isnan(_ho(a, u, g, e)).any()
  x = [int(v) for v in a]; y = [int(v) for v in u]
  # ---- expected
  fo = np.zeros(4096, f32); dout = np.zeros(n, f64); io = np.zeros(4096, np.int32); lo = np.zeros(n, i64)
  cf = lambda vals: _cvt(vals, F32, f32)
  qf = [Fraction(float(v)) for v in h]
  fo[:n] = fadd_chain([cf(x), cf(y), cf(l), cf(ul), _cvt([float(v) for v in e], F32, f32), h.astype(f32)], F32, f32)
  fo[1024:1024 + n] = np.array([(v & 0xFF) + (v >> 8 & 0xFF) + (v >> 16 & 0xFF) + (v >> 24) for v in y], f32)
  cd = lambda vals: _cvt(vals, F64, f64)
  dout[:] = fadd_chain([np.array(x, f64), np.array(y, f64), cd(l), cd(ul), g.astype(f64), h.astype(f64)], F64, f64)
  tr = lambda v: np.trunc(np.asarray(v, f64)).astype(i64)
  gi, ei = tr(g), tr(e)
  io[:n] = s32(gi + gi + ei + ei + tr(h) + np.rint(g.astype(f64)).astype(i64))
  lo[:] = 2 * gi + 2 * ei
  ho = _ho(a, u, g, e)
  io[1024:1024 + n] = (_pk_u8(g) | _pk_u8(g * f32(2)) << 24).astype(np.int64).astype(np.uint32).view(np.int32)
  if arch.startswith("gfx12"):
    ux = [v & 0xFFFFFFFF for v in x]
    dec = lambda vals, bf8: np.array([_fp8_decode(b, bf8) for b in vals], f32)
    b = [[(v >> (8 * k)) & 0xFF for v in ux] for k in range(4)]
    fo[2048:2048 + n] = dec(b[1], False) + dec(b[2], True)
    fo[3072:3072 + n] = (dec(b[0], False) + dec(b[2], True)) + (dec(b[1], False) + dec(b[3], True))
    ef = e.astype(f32)
    r = []
    for k in range(n):
      pk_fp8 = (ux[k] & 0xFFFF0000) | _fp8(g[k], False) | _fp8(ef[k], False) << 8
      pk_bf8 = (ux[k] & 0x0000FFFF) | (_fp8(g[k], True) | _fp8(g[k], True) << 8) << 16
      sr_fp8 = (ux[k] & ~0xFF00) | _fp8(g[k], False, y[k]) << 8
      sr_bf8 = (ux[k] & ~0xFF0000) | _fp8(g[k], True, y[k]) << 16
      r.append((pk_fp8 + pk_bf8, sr_fp8 + sr_bf8))
    io[2048:2048 + n] = s32([p for p, _ in r])
    io[3072:3072 + n] = s32([q for _, q in r])
  args = (np.zeros(4096, f32), np.zeros(n, f64), np.zeros(4096, np.int32), np.zeros(n, i64), np.zeros(n, f16),
          a.astype(np.int32), u.astype(np.uint32), np.array(l, i64), _u64(ul), g, e.astype(f64), h)
  return Case(n // lanes, lanes, args, {0: fo, 1: dout, 2: io, 3: lo, 4: ho})


def _u64(vals) -> np.ndarray:
  """Python ints in [0, 2^64) -> uint64 (numpy refuses those past 2^63 from a list)."""
  return np.array([v >> 32 for v in vals], np.uint64) << np.uint64(32) | np.array([v & 0xFFFFFFFF for v in vals], np.uint64)


def _ho(a, u, g, e):
  """ho[i]: six conversions to half (each rounded once), summed left to right in half."""
  ch = lambda vals: _cvt(vals, F16, f16)
  x = [int(v) for v in a]; y = [int(v) for v in u]
  sx = [(v + 0x8000 & 0xFFFF) - 0x8000 for v in x]
  uy = [v & 0xFFFF for v in y]
  return fadd_chain([ch([float(v) for v in g]), ch([float(v) for v in e]), ch(x), ch(y), ch(sx), ch(uy)], F16, f16)
