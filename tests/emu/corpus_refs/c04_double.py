"""tests/corpus/04_double.cl

dmath mixes exact double operations with four approximate hardware ones: __builtin_amdgcn_rcp / rsq / sqrt /
rsq_clamp are single instructions (v_rcp_f64, v_rsq_f64, v_sqrt_f64; gfx11+ clamp rsq with min/max), which the ISA
guides give as "Precision is (2**29) ULP" (to my recollection of AMD's text), i.e. about 2^-23 relative, not
correctly rounded. Everything else OpenCL requires correctly rounded in double (+, *, fma, /, sqrt, rounding,
conversions), and the builds contract x * s + ... and fmin * fmax + r into fma.

The inputs are chosen so that contraction cannot matter (x, y multiples of 2^-8 with at most 22 significant
bits, z = (double)f with f a multiple of 2^-10 below 12, s with 4 bits: every product is exact) and so that every
value is defined: x, y > 0 (rcp, rsq and rsq_clamp of x, y; (uint)y), z >= 0 (amdgcn_sqrt(z)), |r| < 2^31 ((int)g).
So no NaN, infinity or zero x: every output of the lane would be NaN or inf and (int)g undefined. z = +-0 does occur
(div_fixup with a zero numerator, sqrt(-0), frexp_exp(0)).

iout[i + 1] and iout[i + 2] are read by work-item i while work-items i + 1 and i + 2 write them: a race whose
outcome depends on timing. iout is therefore filled beforehand with the values the kernel writes, so either order
reads the same numbers.
"""
import numpy as np
from tests.emu.corpus_refs import Case

f64, f32 = np.float64, np.float32
APPROX_REL = 2.0 ** -22       # v_rcp/rsq/sqrt_f64: 2^29 ulp = 2^-23 relative, doubled for margin


def _ulp64(v):
  e = np.frexp(np.abs(np.asarray(v, f64)))[1]
  return np.ldexp(1.0, np.maximum(e - 53, -1074))


def _two_over_pi_bits(nbits: int) -> int:
  """floor(2/pi * 2^nbits): pi by Machin's arctan formula in integers, 64 guard bits."""
  prec = nbits + 64
  def arctan_inv(k):
    total, term, m, sign = 0, (1 << prec) // k, 1, 1
    while term:
      total += sign * (term // m)
      term //= k * k; m += 2; sign = -sign
    return total
  pi = 16 * arctan_inv(5) - 4 * arctan_inv(239)      # pi * 2^prec, off by a few units
  return (1 << (nbits + 1 + prec)) // pi


def _trig_preop(idx):
  """__builtin_amdgcn_trig_preop(x, idx) for |x| < 2^54 (no exponent shift): the idx-th 53-bit piece of 2/pi,
  bits 53 idx + 1 .. 53 (idx + 1) below the binary point, as a double; pieces 0, 1, 2 sum to 2/pi (Payne-Hanek)."""
  top = _two_over_pi_bits(53 * 4)
  out = []
  for k in np.asarray(idx).tolist():
    piece = (top >> (53 * (3 - k))) & ((1 << 53) - 1)
    out.append(float(piece) * 2.0 ** (-53 * (k + 1)))      # piece < 2^53: exact
  return np.array(out, f64)


def dmath(rng, lanes):
  n = 256
  s = -3.25
  x = rng.integers(2**18, 2**22, n + 16) / 256.0                       # [2^10, 2^14), 22 bits
  f = (rng.integers(0, 12 * 1024, n) / 1024.0).astype(f32)           # [0, 12), 14 bits
  f[::37] = 0.0
  f[5::37] = -0.0
  for _ in range(100):
    X, Y, Z = x[:n], x[16:n + 16], f.astype(f64)
    r = X * Y + Z + X * s - Y                                          # exact: multiples of 2^-16 below 2^30
    r = r + (X / Y + np.sqrt(np.abs(Z)))                              # IEEE double: / and sqrt correctly rounded
    r = r + (np.floor(X) + np.ceil(Y) + np.trunc(Z) + np.rint(r))
    r = r + np.minimum(X, Y) * np.maximum(Y, Z)                         # the product is exact: fma or not
    approx1 = 1.0 / X + 1.0 / np.sqrt(Y) + np.sqrt(Z)                  # rcp, rsq, amdgcn sqrt
    r = r + approx1
    mant = np.frexp(X)[0]
    ld = np.ldexp(Y, np.trunc(Z).astype(np.int64))
    fract = np.minimum(Z - np.floor(Z), np.nextafter(1.0, 0.0))
    r = r + (mant + ld + fract)
    rsqc = 1.0 / np.sqrt(X)                                            # rsq_clamp: finite, no clamping
    fixup = np.where(np.signbit(Z), -np.abs(X), np.abs(X))             # div_fixup(x, y, z): y > 0
    fixup = np.where(Z == 0, np.where(np.signbit(Z), -0.0, 0.0), fixup)   # 0 / y = +-0
    r = r + (rsqc + fixup)
    r = r + _trig_preop(np.arange(n) & 3)
    r = r + np.where(X < Y, 1.0, np.where(Y == Z, 2.0, -0.5))
    # error bound: the approximate terms, then every later addition rounding (9 of them) at the largest partial
    M = np.abs(r) + np.abs(ld) + np.abs(X) + 4 * (np.abs(X * Y) + np.abs(X * s) + np.abs(Y) + 16)
    err = APPROX_REL * (np.abs(approx1) + rsqc) + 9 * 0.5 * _ulp64(M)
    g = r.astype(f32)
    stable = ((r - err).astype(f32) == g) & ((r + err).astype(f32) == g)   # (int)(float)r not at a boundary
    if stable.all(): break
    bad = np.flatnonzero(~stable)
    x[bad] = rng.integers(2**18, 2**22, len(bad)) / 256.0
  assert stable.all() and (np.abs(r) < 2.0 ** 31).all()
  tol = int(np.ceil((err / _ulp64(r)).max())) + 1
  iv = (np.trunc(X).astype(np.int64) + np.trunc(Y).astype(np.int64) + np.frexp(Z)[1] + 0
        + np.trunc(g.astype(f64)).astype(np.int64))                    # class(x, +-0) = 0: x > 0
  iv = iv.astype(np.int32)
  iout = np.concatenate([iv, rng.integers(-2**31, 2**31, 2).astype(np.int32)])
  out = np.zeros(n + 1024, f64)
  want = out.copy()
  want[:n] = r
  want[1024:1024 + n] = iout[1:n + 1].astype(f64) + iout[2:n + 2].view(np.uint32).astype(f64)
  return Case(n // lanes, lanes, (out, x, f, iout, f64(s)), {0: want, 3: iout.copy()}, {0: tol},
              note=f"out within {tol} ulp (approximate v_rcp/rsq/sqrt_f64)")
