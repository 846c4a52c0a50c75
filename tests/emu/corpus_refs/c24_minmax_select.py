"""tests/corpus/24_minmax_select.cl

Integers stay where C defines them: the signed inputs are below 2^27 in magnitude, so x - y, abs() and the sums
never overflow. The float and half terms are summed in the source's order, each addition rounded once.

Floats: most lanes hold multiples of 2^-4 below 2^11 (halves: of 2^-2 below 2^5), whose sums are exact in any
order, because the -cl-fast-relaxed-math build may reassociate them (and assumes no NaN, no infinity, no signed
zero). The default and -O0 builds (_exact.target_flags tells them apart) also get edge lanes: quiet NaNs, infinities, +-0, subnormals, and general
values. NaN semantics used there: fminf/fmaxf return the other operand (C, LLVM's minnum); v_med3_f32 with a NaN
operand returns v_min3_f32 of the three, a quiet NaN losing to the other operand (ISA pseudocode, which LLVM's
amdgcn_fmed3 passes through). Lanes whose result would be NaN (inf - inf, a NaN picked by the select) are not
made: which NaN the hardware returns is not what this tests.
"""
import numpy as np
from tests.emu.corpus_refs import Case, s32, u32
from tests.emu.corpus_refs._exact import F16, F32, fadd_chain, target_flags

f16, f32 = np.float16, np.float32


def _fmin(a, b): return np.where(np.isnan(a), b, np.where(np.isnan(b), a, np.where(_lt(b, a), b, a)))
def _fmax(a, b): return np.where(np.isnan(a), b, np.where(np.isnan(b), a, np.where(_lt(a, b), b, a)))
def _lt(a, b): return (a < b) | ((a == 0) & (b == 0) & np.signbit(a) & ~np.signbit(b))   # -0 below +0


def _med3(a, b, c):
  """v_med3_f32 (ISA): any NaN -> min3 (quiet NaNs lose); else the middle value."""
  nan = np.isnan(a) | np.isnan(b) | np.isnan(c)
  mid = _fmax(_fmin(a, b), _fmin(_fmax(a, b), c))
  return np.where(nan, _fmin(_fmin(a, b), c), mid)


def _f_terms(e, g, k):
  one = np.ones_like(e)
  return [_fmin(_fmin(e, g), k), _fmax(_fmax(e, g), k), _fmin(_fmax(e, np.zeros_like(e)), one), _med3(e, g, k),
          np.where(e > g, k, e), np.copysign(one, g)]


def _h_terms(hx, hy, hz):
  one = np.ones_like(hx)
  return [_fmin(_fmin(hx, hy), hz), _fmax(_fmax(hx, hy), hz), _fmin(_fmax(hx, np.zeros_like(hx)), one),
          np.where(hx < hy, hz, hx)]


def _edge_lanes(rng, n, dt, fmt_max):
  """Values for the default builds' edge lanes: NaN, +-inf, +-0, subnormals, general values."""
  tiny = np.finfo(dt).smallest_subnormal
  pool = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, tiny, -tiny, 3 * tiny, 1.0, -1.0, 0.5, 1.5, fmt_max, -fmt_max],
                  np.float64)
  v = np.where(rng.random(n) < 0.5, rng.choice(pool, n), rng.standard_normal(n) * 10)
  return v.astype(dt)


def mm(rng, lanes):
  fast = "-cl-fast-relaxed-math" in target_flags()
  n = 256
  a = rng.integers(-2**27, 2**27, n + 2).astype(np.int32)
  a[5:9] = [7, 7, 7, -3]                                       # equal operands
  u = rng.integers(0, 2**32, n + 2, dtype=np.int64).astype(np.uint32)
  u[:6] = [0, 0xFFFFFFFF, 10, 1000, 9, 1001]
  u[6:30] = rng.integers(0, 1100, 24)
  f = (rng.integers(-2**15, 2**15, n + 2) / 16).astype(f32)
  h = (rng.integers(-2**7, 2**7, n + 2) / 4).astype(f16)
  lo, hi = -1000000, 5000000
  i = np.arange(n)
  if not fast:
    # edge lanes (every 4th float / half), redrawn where a result would be NaN
    for _ in range(50):
      fe, he = np.zeros(n + 2, bool), np.zeros(n + 2, bool)
      fe[::4] = True; he[1::4] = True
      f = np.where(fe, _edge_lanes(rng, n + 2, f32, 3.0e38), f).astype(f32)
      h = np.where(he, _edge_lanes(rng, n + 2, f16, 65504.0), h).astype(f16)
      with np.errstate(all="ignore"):
        fr = fadd_chain(_f_terms(f[i], f[i + 1], f[i + 2]), F32, f32)
        hr = fadd_chain(_h_terms(h[i], h[i + 1], h[i + 2]), F16, f16)
      bad_f = np.zeros(n + 2, bool); bad_f[i] = np.isnan(fr)
      bad_h = np.zeros(n + 2, bool); bad_h[i] = np.isnan(hr)
      if not bad_f.any() and not bad_h.any(): break
      # the lanes (and the two after, which read the same values) of a NaN result go back to grid values
      for bad, arr, scale, lim in ((bad_f, f, 16, 2**15), (bad_h, h, 4, 2**7)):
        for j in np.flatnonzero(bad): arr[j:j + 3] = rng.integers(-lim, lim, len(arr[j:j + 3])) / scale
    # quiet NaNs where only the min/max/med3 operands read them: f[n], f[n + 1] are lane n-1's g, k and lane
    # n-2's k (its select picks e: e <= g); likewise for the halves (lane n-2's select picks hx: hx >= hy)
    f[n - 2:] = [-5.5, 2.25, np.nan, np.nan]
    h[n - 2:] = [3.0, -1.25, np.nan, np.nan]
  x, y, z = (a[i + d].astype(np.int64) for d in range(3))
  p, q, s = (u[i + d].astype(np.int64) for d in range(3))
  io = np.minimum(np.minimum(x, y), z) + np.maximum(np.maximum(x, y), z) + np.minimum(np.maximum(x, lo), hi) \
     + np.maximum(np.minimum(x, y), np.minimum(np.maximum(x, y), z)) + np.abs(x - y) + (x > 0) - (x < 0)
  uo = np.minimum(np.minimum(p, q), s) + np.maximum(np.maximum(p, q), s) + np.minimum(np.maximum(p, 10), 1000) \
     + np.abs(p - q)
  with np.errstate(all="ignore"):
    fo = fadd_chain(_f_terms(f[i], f[i + 1], f[i + 2]), F32, f32)
    ho = fadd_chain(_h_terms(h[i], h[i + 1], h[i + 2]), F16, f16)
  assert not np.isnan(fo).any() and not np.isnan(ho).any()
  args = (np.zeros(n, np.int32), np.zeros(n, np.uint32), np.zeros(n, f32), np.zeros(n, f16), a, u, f, h,
          np.int32(lo), np.int32(hi))
  return Case(n // lanes, lanes, args, {0: s32(io), 1: u32(uo), 2: fo, 3: ho})


def mm_scalar(rng, lanes):
  # x >= y (so the long is y << 40, with 0 <= y < 2^23: no signed overflow), x != y, p > q
  y = int(rng.integers(0, 2**23))
  x = y + int(rng.integers(1, 2**26))
  q = int(rng.integers(0, 2**31))
  p = q + int(rng.integers(1, 2**31))
  i = lambda v: int(s32(v))
  r = min(x, y) + max(x, y) + i(min(p, q)) + i(max(p, q)) + abs(x) + (3 if x == y else -p)   # int + uint: mod 2^32
  r = i(r)
  r = i(r + (i(p - q) if p != q else x))
  w = 3 * x if x < y else y << 40
  out = i(r + i(w >> 20))
  return Case(1, lanes, (np.zeros(lanes, np.int32), np.int32(x), np.int32(y), np.uint32(p), np.uint32(q)),
              {0: np.full(lanes, out, np.int32)})
