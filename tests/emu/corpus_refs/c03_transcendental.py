"""tests/corpus/03_transcendental.cl

trans_f32 sums some twenty approximate results, so out[] is checked within a tolerance worked out per lane from the
accuracy each one is allowed, and iout[] (frexp_exp, class) exactly.

Accuracy assumed (relative errors unless said; each with margin over what is documented):
- v_rcp/rsq/sqrt/exp/log_f32 (the __builtin_amdgcn_* forms, rsq_clamp too): 1 ulp in the ISA guides -> 2^-22;
  v_log_f32 near 1 (a result near 0) also 2^-22 absolute.
- sqrtf, expf, logf, exp2f, log2f: OpenCL allows 3 ulp -> 2^-21 (+ 2^-22 absolute for the logs); the builds
  compute them from the v_* instructions with range scaling, and -cl-fast-relaxed-math more crudely (expf as
  v_exp(y * log2 e)), which stays inside that for these small arguments.
- v_sin/cos_f32 (argument in revolutions) and sinf/cosf (lowered to v_sin(x * 1/2pi), no range reduction): 2^-20
  absolute for |x| < 8.
- every f32 addition or multiplication rounds: 2^-24 of the largest partial sum, once per operation (30 before
  the cube-map steps, 2 in each), in whatever grouping the fast build picks.
exp2f(r) takes the sum so far, so its input's error is carried through (2^r ln 2 dr). The cube-map instructions
pick a face by comparing |r| with x and y: lanes are drawn again until the face cannot change within r's error,
and until the total error is under TOL ulps of the result (exp2f of a large sum is the usual reason it is not).
TOL = 256 ulps (about 2^-15 relative) is what these bounds come to; the simulator's results, whose transcendentals
are correctly rounded, are within 17 of the reference.
The cube instructions (ISA pseudocode): face z if |z| >= |x| and |z| >= |y|, else y if |y| >= |x|, else x;
cubeid 0..5 = +x -x +y -y +z -z; cubema = 2 * the major coordinate; cubesc / cubetc the OpenGL face coordinates.

Inputs are positive normal numbers (rsq, sqrt and the logs need x, y > 0; x * y > 0): the fast build may assume no
NaN or infinity, so none occur as inputs or results, and class(y, 0x3f0) / class(x, 3) see normal numbers only.
"""
import numpy as np
from tests.emu.corpus_refs import Case

f32, f64 = np.float32, np.float64
TOL = 256
E_OP, E_CL, E_SIN, E_ABS_LOG, E_RND = 2.0 ** -22, 2.0 ** -21, 2.0 ** -20, 2.0 ** -22, 2.0 ** -24


def _ulp32(v):
  e = np.frexp(np.abs(np.asarray(v, f64)))[1]
  return np.ldexp(1.0, np.maximum(e - 24, -149))


def _cube(x, y, z):
  """ISA: face z if |z| >= |x| and |z| >= |y|, else y if |y| >= |x|, else x; -> (id, sc, tc, ma)."""
  zm = (np.abs(z) >= np.abs(x)) & (np.abs(z) >= np.abs(y))
  ym = ~zm & (np.abs(y) >= np.abs(x))
  cid = np.where(zm, np.where(z < 0, 5.0, 4.0), np.where(ym, np.where(y < 0, 3.0, 2.0), np.where(x < 0, 1.0, 0.0)))
  sc = np.where(zm, np.where(z < 0, -x, x), np.where(ym, x, np.where(x < 0, z, -z)))
  tc = np.where(ym, np.where(y < 0, -z, z), -y)
  ma = 2 * np.where(zm, z, np.where(ym, y, x))
  return cid, sc, tc, ma, zm, ym


def _face_stable(x, y, z, R):
  """The face and the signs the cube instructions read stay the same for every z' within R of z (x, y exact)."""
  return (np.abs(z) > R) & (np.abs(np.abs(z) - np.abs(x)) > R) & (np.abs(np.abs(z) - np.abs(y)) > R)


def _trans(x, y):
  """The exact value of out[] (float64, before the final rounding), its error bound, and whether the lane is
  usable (cube faces stable, no overflow)."""
  ax, ay = np.abs(x), np.abs(y)
  terms, rad = [], []
  def add(v, r): terms.append(v); rad.append(r); return v
  s = 0.0
  s += add(1 / x, E_OP * ax ** -1) + add(1 / np.sqrt(y), E_OP / np.sqrt(ay)) + add(np.sqrt(x * y), (E_OP + E_RND) * np.sqrt(ax * ay))
  sx, cy = np.sin(2 * np.pi * x), np.cos(2 * np.pi * y)
  s += add(sx * cy, E_SIN * (np.abs(sx) + np.abs(cy) + E_SIN))
  lg = np.log2(y)
  s += add(np.exp2(x), E_OP * np.exp2(x)) + add(lg, E_OP * np.abs(lg) + E_ABS_LOG) + add(1 / np.sqrt(x), E_OP / np.sqrt(ax))
  s += add(np.ldexp(x, np.trunc(y).astype(np.int64)), 0) + add(np.frexp(y)[0], 0)
  M = sum(np.abs(t) for t in terms)
  R_r = sum(rad) + 12 * E_RND * M                           # the r exp2f(r) is given: 12 roundings so far
  big = s > 100                                             # 2^r would overflow or swamp everything
  e2 = np.exp2(np.minimum(s, 100))
  ln = np.log(x)
  s += add(np.sqrt(x), E_CL * np.sqrt(ax)) + add(np.exp(y), E_CL * np.exp(y)) + add(ln, E_CL * np.abs(ln) + E_ABS_LOG) \
      + add(e2, E_CL * e2 + e2 * np.log(2) * R_r * np.exp2(np.minimum(R_r, 1))) \
      + add(lg, E_CL * np.abs(lg) + E_ABS_LOG)               # (2^(r + d) - 2^r <= 2^r d ln2 2^d)
  s += add(np.sin(x), E_SIN) + add(np.cos(y), E_SIN)
  M = sum(np.abs(t) for t in terms)
  R_c = sum(rad) + 30 * E_RND * M
  ok = ~big & _face_stable(x, y, s, R_c)
  cid, _, _, ma, zm, ym = _cube(x, y, s)
  s2 = s + (cid + ma)
  R_2 = R_c + np.where(zm, 2 * R_c, 0) + 2 * E_RND * (np.abs(s) + np.abs(ma) + 6)
  ok &= _face_stable(x, y, s2, R_2)
  _, sc, tc, _, zm2, ym2 = _cube(x, y, s2)
  out = s2 + (sc + tc)
  R_f = R_2 + np.where(zm2, 0, R_2) + 2 * E_RND * (np.abs(s2) + np.abs(sc) + np.abs(tc))   # x, y major: sc or tc is +-s2
  return out, R_f, ok


def trans_f32(rng, lanes):
  n = 256
  draw = lambda k: np.exp2(rng.uniform(-2.5, 2.5, k)).astype(f32)   # noqa: E731  (positive, 2^-2.5 .. 2^2.5)
  a = draw(n + 32)
  for _ in range(500):
    x, y = a[:n].astype(f64), a[32:].astype(f64)
    out, R, ok = _trans(x, y)
    ok &= R <= (TOL - 1) * _ulp32(out)
    if ok.all(): break
    bad = np.flatnonzero(~ok)
    a[bad] = draw(len(bad))
  assert ok.all()
  iout = (np.frexp(x)[1] + 1 + 0).astype(np.int32)        # class(y, +-0/denormal/+normal/+inf) = 1, class(x, nan) = 0
  return Case(n // lanes, lanes, (np.zeros(n, f32), np.zeros(n, np.int32), a), {0: out.astype(f32), 1: iout}, {0: TOL})
