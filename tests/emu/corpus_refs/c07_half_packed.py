"""tests/corpus/07_half_packed.cl

Inputs are halves with at most 5 significant bits (multiples of 2^-3 below 4), so every product is exact in f16 and
the builds' contraction of a * b + c into fma cannot change a result; each f16 operation is then one IEEE rounding
(numpy's float16 arithmetic rounds once, correctly, for these).

half_scalar: rcp, rsq, sqrt, sin, cos (v_*_f16) and x / y (f32 rcp, fma_mix, div_fixup) are approximate; they are
allowed 1 ulp of f16 (sin and cos also 2^-12 absolute), and that is carried through the rest of the sum by interval
arithmetic: each later operation is applied to both ends (every f16 operation here is monotone, rint included), so
out[i] and fo[i] = r * x + y lie within the computed ends whatever the approximations returned. The reference is
the sequence with correctly rounded approximations; the tolerances are the largest distance to an end, and lanes
whose interval is wider than TOL16 ulps (rint near a half, mostly) are drawn again. fo[] inherits r's f16
uncertainty in f32 ulps (2^13 f32 ulps per f16 ulp). No NaN or infinity: every a[j] is also some lane's x and z,
and (int)z and (ushort)x of those are undefined.

half_packed: fo[i + 1 .. i + 4] are read while work-items i + 1 .. i + 4 write fo[i + 1 ..] (a race). They start at
+-2^17 .. 2^18, where both what they hold before and after (fdot2 adds less than 2^10) convert to the same value
(cvt_pkrtz saturates to +-65504, cvt_pknorm to +-32767), so the race cannot show; fo[n .. n + 3], which no one
writes, carry the interesting cvt inputs for the last lanes. Their products |v| * 32767 are 0.1 from an integer, so
any rounding to nearest (even or away) agrees; 0.700003 is where rtz and nearest differ.
"""
import numpy as np
from tests.emu.corpus_refs import Case

f16, f32, f64 = np.float16, np.float32, np.float64
TOL16 = 4


def _few_bits(rng, shape, allow_zero=True):
  """Multiples of 2^-3 in (-4, 4), 5 significant bits; zeros are +0 (min/max never meet a +-0 tie)."""
  v = rng.integers(1, 32, shape) / 8.0 * np.where(rng.random(shape) < 0.3, -1, 1)
  if allow_zero: v[rng.random(shape) < 0.04] = 0.0
  return v.astype(f16)


def _down(t):
  h = t.astype(f16)
  return np.where(h.astype(f64) > t, np.nextafter(h, f16(-np.inf)), h)


def _up(t):
  h = t.astype(f16)
  return np.where(h.astype(f64) < t, np.nextafter(h, f16(np.inf)), h)


def _ulps(a, b):
  """|a - b| in ulps of their format, across zero too (sign-magnitude bits -> a monotone integer line)."""
  ui = {2: np.int16, 4: np.int32}[a.dtype.itemsize]
  top = 1 << (8 * a.dtype.itemsize - 1)
  line = lambda v: np.where(v.view(ui) < 0, -(v.view(ui).astype(np.int64) + top), v.view(ui).astype(np.int64))  # noqa: E731
  return np.abs(line(a) - line(b))


def _ulp16(v):
  e = np.frexp(np.abs(np.asarray(v, f64)))[1]
  return np.ldexp(1.0, np.maximum(e - 11, -24))


class IV:
  """An f16 value as the ideal computation gives it (mid) and the interval the hardware's result lies in."""
  def __init__(self, mid, lo=None, hi=None):
    self.mid = np.asarray(mid, f16)
    self.lo = self.mid if lo is None else np.asarray(lo, f16)
    self.hi = self.mid if hi is None else np.asarray(hi, f16)

  @staticmethod
  def approx(v, extra=0.0):
    err = _ulp16(v) + extra
    return IV(v.astype(f16), _down(v - err), _up(v + err))

  def __add__(self, o): return IV(self.mid + o.mid, self.lo + o.lo, self.hi + o.hi)
  def __sub__(self, o): return IV(self.mid - o.mid, self.lo - o.hi, self.hi - o.lo)
  def map(self, fn): return IV(fn(self.mid), fn(self.lo), fn(self.hi))      # fn monotone non-decreasing


def _half_scalar(x, y, z):
  X, Y, Z = (v.astype(f64) for v in (x, y, z))
  E = IV
  r = E((X * Y + Z).astype(f16))                                   # one rounding (fma or exact product + add)
  B = E((X * Z + Y).astype(f16)) - E(np.abs(y))
  D = E((np.minimum(X, Z) * np.maximum(Y, Z) + B.mid.astype(f64)).astype(f16))   # B is exact here (no approximations yet)
  r = r + D
  r = r + ((IV.approx(1 / X) + IV.approx(1 / np.sqrt(Y))) + IV.approx(np.sqrt(Z)))
  fz = E((Z - np.floor(Z)).astype(f16))
  r = r + ((IV.approx(np.sin(2 * np.pi * X), 2.0 ** -12) + IV.approx(np.cos(2 * np.pi * Y), 2.0 ** -12)) + fz)
  med = np.maximum(np.minimum(X, Y), np.minimum(np.maximum(X, Y), Z))
  r = r + ((E(np.ldexp(X, np.trunc(Y).astype(np.int64)).astype(f16)) + E(np.frexp(Z)[0].astype(f16))) + E(med.astype(f16)))
  r = r + (((E(np.floor(x)) + E(np.ceil(y))) + E(np.trunc(z))) + r.map(np.rint))
  r = r + (IV.approx(X / Y) + E(np.where(X < Z, y, z)))
  fo = IV(r.mid, r.lo, r.hi)
  fo_vals = [((v.astype(f64) * X + Y).astype(f32)) for v in (fo.mid, fo.lo, fo.hi)]   # x >= 0: monotone in r
  return r, fo_vals


def half_scalar(rng, lanes):
  n = 256
  a = np.abs(_few_bits(rng, n + 16))                               # x, y, z >= 0: rsq, sqrt, (ushort)x
  a[a == 0] = f16(0.125)
  for _ in range(200):
    x, y, z = a[:n], a[8:n + 8], a[16:]
    r, fo = _half_scalar(x, y, z)
    span = np.maximum(_ulps(r.mid, r.lo), _ulps(r.mid, r.hi))
    bad = span > TOL16
    if not bad.any(): break
    a[np.flatnonzero(bad) + 8] = np.abs(_few_bits(rng, int(bad.sum()), False))   # draw y again
  assert not bad.any()
  tol_fo = int(max(_ulps(fo[0], fo[k]).max() for k in (1, 2)))
  io = (np.frexp(x.astype(f64))[1] + 0 + np.trunc(z.astype(f64)) + np.trunc(x.astype(f64))).astype(np.int32)
  out, fout, iout = np.zeros(n, f16), np.zeros(n, f32), np.zeros(n, np.int32)
  return Case(n // lanes, lanes, (out, a, fout, iout), {0: r.mid, 2: fo[0], 3: io},
              {0: int(span.max()), 2: tol_fo}, note=f"out within {int(span.max())} f16 ulp, fo within {tol_fo} f32 ulp")


def half_packed(rng, lanes):
  n = 128
  a = _few_bits(rng, (n + 12, 2))
  x, y, z = a[:n].astype(f64), a[4:n + 4].astype(f64), a[12:].astype(f64)
  r = (x * y + z).astype(f16)
  r = (r - x.astype(f16))
  r = np.minimum(r, y.astype(f16))
  r = np.maximum(r, z.astype(f16))
  r = (r.astype(f64) * x + y).astype(f16)                          # fma: exact in float64, one rounding
  r = np.stack([r[:, 1] + x[:, 0].astype(f16), r[:, 0] + z[:, 1].astype(f16)], 1)
  fo = np.zeros(256 + n, f32)
  big = rng.integers(2**23, 2**24, n) / 64.0 * np.where(rng.random(n) < 0.5, -1, 1)   # +-[2^17, 2^18), 2^-6 steps
  fo[:n] = big
  fo[0] = 1.25
  fo[n:n + 4] = [22937.1 / 32767, -22937.1 / 32767, 1.5, -70000.0]
  want_fo = fo.copy()
  dot = (fo[:n].astype(f64) + x[:, 0] * y[:, 0] + x[:, 1] * y[:, 1]).astype(f32)    # exact: multiples of 2^-6
  want_fo[:n] = (dot.astype(f64) + r[:, 0].astype(f64)).astype(f32)
  def rtz16(v):
    with np.errstate(over="ignore"): h = v.astype(f16)
    h = np.where(np.abs(h.astype(f64)) > np.abs(v.astype(f64)), np.nextafter(h, f16(0)), h)
    return np.where(np.abs(v) > 65504, np.copysign(f16(65504), v), h)
  def norm(v): return np.trunc(np.clip(v.astype(f64), -1, 1) * 32767 + np.where(v < 0, -0.5, 0.5))   # 0.1 from an integer
  i = np.arange(n)
  want_fo[256:256 + n] = rtz16(fo[i + 2]).astype(f32)
  so = np.stack([norm(fo[i + 3]) + i, norm(fo[i + 4]) + 7], 1).astype(np.int64).astype(np.int16)
  out = np.zeros((n, 2), f16)
  return Case(n // lanes, lanes, (out, a, fo, np.zeros((n, 2), np.int16)), {0: r, 2: want_fo, 3: so})
