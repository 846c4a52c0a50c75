"""tests/corpus/02_float_arith.cl

One reference serves every build of the file, and one of them is -cl-fast-relaxed-math: that build may assume no
NaN or infinity (it folds `x != x` to false), may ignore the sign of zero and reassociates the sums freely (it
does: the disassembly regroups the whole sum and turns `(float)(int)c` into trunc(c)); the default builds contract
a * b + c into fma. So the inputs are chosen to make every operation exact whatever the grouping: finite multiples
of 2^-3 (and +-0) below 32 in magnitude, whose products are multiples of 2^-6 below 2^10 and whose sums stay
below 2^18 (24 bits). NaN, infinity and subnormal inputs are left out for that reason (their semantics are not
defined in the fast build).

The one inexact operation is float_mix's x / y: OpenCL allows 2.5 ulp for single precision division without
-cl-fp32-correctly-rounded-divide-sqrt, and the -O3 builds use v_rcp_f32 (frexp, rcp, mul, ldexp; the fast build
rcp * x), while -O0 runs the correctly rounded div_scale / div_fmas / div_fixup sequence. See float_mix.
"""
import numpy as np
from tests.emu.corpus_refs import Case

f32 = np.float32


def _grid_vals(rng, n, lim=32.0):
  """Multiples of 2^-3 in (-lim, lim), some of them +-0."""
  v = rng.integers(-int(lim * 8) + 1, int(lim * 8), n) / 8.0
  v[rng.random(n) < 0.05] = 0.0
  v[rng.random(n) < 0.05] = -0.0
  return v


def _ulp32(v):
  """The f32 ulp at |v| (as float64), 2^-149 at the bottom."""
  e = np.frexp(np.abs(np.asarray(v, np.float64)))[1]
  return np.ldexp(1.0, np.maximum(e - 24, -149))


def _mix(x, y, z, s):
  """float_mix's result (float64 holds every term before x / y exactly; from there on IEEE f32 in source order),
  and whether the lane's error bound (float_mix's docstring) is within TOL."""
  mn, mx = np.minimum(x, y), np.maximum(y, z)
  r2 = x * y + z + (x * s + y) + mn * mx
  r3 = r2 + (np.floor(x) + np.ceil(y) + np.trunc(z) + np.rint(r2))
  r4 = r3 + ((np.abs(x - y) - np.copysign(np.abs(z), x)) + -np.abs(r3))
  q = x / y
  med = np.maximum(np.minimum(x, y), np.minimum(np.maximum(x, y), z))
  # r4 and the terms after x / y are exact; the sum is rounded in source order as IEEE f32 arithmetic would (the
  # correctly rounded -O0 build matches this bit for bit)
  r5 = r4.astype(f32) + q.astype(f32)
  r6 = r5 + f32(np.where(x < y, z, -z) + np.where(y >= z, 2.0, 3.5))
  want = r6 + f32(med + (y - np.floor(y)))
  leaves_r3 = np.abs(x * y) + np.abs(z) + np.abs(x * s) + np.abs(y) + np.abs(mn * mx) + np.abs(np.floor(x)) \
      + np.abs(np.ceil(y)) + np.abs(np.trunc(z)) + np.abs(r2) + 0.5
  M = 2 * leaves_r3 + np.abs(x - y) + 2 * np.abs(z) + np.abs(q) + 3.5 + np.abs(med) + 1
  bound = 3 * _ulp32(q) + 24 * 0.5 * _ulp32(M)
  return want, (bound <= TOL * _ulp32(want)) & (M < 2.0 ** 17)


TOL = 16


def float_mix(rng, lanes):
  """x / y is the only inexact term; everything else sums exactly (see the module docstring). The reference is
  IEEE f32 arithmetic in source order with x / y correctly rounded.
  Tolerance: the division may be off by 2.5 ulp (OpenCL; the v_rcp_f32 sequence's error is about 1.5 ulp), and
  once it is in a partial sum every later addition may round, in an order the fast build chooses. So per lane
  |error| <= 3 ulp(q) + (additions: 24) * 0.5 ulp(M), M the sum of the magnitudes of all the terms (bounds every
  partial sum in any grouping). Inputs whose bound exceeds TOL ulps of the result (a cancelling sum: r - |r| with
  a positive r) are drawn again, so TOL is what the check allows, and it still catches any wrong term (>= 2^-6)."""
  n, s = 256, 1.375
  a = _grid_vals(rng, n + 64)                  # x = a[i], z = a[i + 64]
  y = _grid_vals(rng, n)
  for it in range(400):
    y = np.where(np.abs(y) < 1, np.copysign(1.0, y) + y, y)          # |y| >= 1: no zero divisor, |x / y| < 32
    want, ok = _mix(a[:n], y, a[64:], s)
    if ok.all(): break
    bad = np.flatnonzero(~ok)
    y[bad] = _grid_vals(rng, len(bad))
    if it % 8 == 7: a[bad] = _grid_vals(rng, len(bad))
  assert ok.all()
  out = np.zeros(n, f32)
  return Case(n // lanes, lanes, (out, a.astype(f32), y.astype(f32), f32(s)), {0: want}, {0: TOL})


def float_uniform(rng, lanes):
  """Uniform values (SALU float on gfx12): a, b, c multiples of 2^-2 below 16, so every product and sum is exact
  (contracted or not, in any grouping) and the reference is exact in float64; b >= 0, as (uint)b of a negative
  float is undefined in C. Drawn until rint meets a tie (x.5), to see it round to even."""
  for _ in range(1000):
    a, c = (rng.integers(-63, 64, 2) / 4.0).tolist()
    b = float(rng.integers(0, 64)) / 4.0
    r = a * b + c
    r = r * a + b - c * 0.5
    r = min(r, a) + max(b, c)
    if r % 1 == 0.5: break
  r += np.ceil(a) + np.floor(b) + np.trunc(c) + np.rint(r)
  r += 1.0 if a < b else 2.0
  r = r + float(int(c)) + float(int(b))
  out = np.zeros(lanes, f32)
  return Case(1, lanes, (out, f32(a), f32(b), f32(c)), {0: np.full(lanes, r, f32)})
