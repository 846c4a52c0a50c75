"""tests/corpus/09_dot.cl

Work-item i (n = 512) reads x = a[i], y = a[i + 1], w = a[i + 2] (w is `acc` in the source) and computes, on both
targets, out[i] from the integer dots and
  f1 = fdot2_f32_f16(h[i], h[i + 1], fo[i])                 v_dot2_f32_f16
  f2 = f1 + fdot2_f32_bf16(s[i], s[i + 1], f1)              v_dot2_f32_bf16, then v_add_f32
and on gfx12 (#if __GFX12__) also, every dot4 taking the running f as its accumulator,
  f3 = f2 + (dot4_fp8_bf8(x, y, f2) + dot4_bf8_fp8(y, x, f2))
  f4 = f3 + (dot4_fp8_fp8(x, w, f3) + dot4_bf8_bf8(w, y, f3))
so fo[i] = f2 (gfx11) or f4 (gfx12). v_dot4_f32_A_B: S2 + sum over the four bytes k of A(S0 byte k) * B(S1 byte k),
fp8 = OCP E4M3FN (bias 7, subnormals, S.1111.111 NaN, no infinities, max 448) and bf8 = OCP E5M2 (bias 15,
subnormals, IEEE infinities and NaNs) -- the formats gfx12 uses (LLVM and AMD's libraries give gfx12 / gfx950 the
OCP formats, gfx942 the FNUZ ones); decoded here from the bit fields.

Rounding. How a dot instruction rounds its sum inside is not documented (the ISA's pseudocode sums in f32 step by
step; the hardware may fuse), so the data is built (sequentially, a seeded search over a[]) so that every dot's
result is the same under any summation order and any internal width: either at most one product is nonzero (then
the result is S2 + p rounded once to nearest even -- every model agrees) or all terms are multiples of 2^q whose
magnitudes sum below 2^(q + 24) (the sum is exact in f32). An exact-zero sum with a nonzero term is +0. The v_add_f32
steps between them are plain IEEE f32 additions (numpy float32), rounding whatever they round. Infinities and NaNs
(bf8 infinity codes, fp8 / bf8 NaN codes, placed in a few words) propagate as IEEE says; a NaN result is checked as
"some NaN" (its payload and sign are not modelled), everything else bit for bit. The bytes of a[] range over the whole
fp8 and bf8 code spaces (subnormals to the largest values; the reference asserts most codes of each format meet a
nonzero partner in a lane with a finite result), with about a third of the lanes starting their fp8 part from f2 = +0
(fo[i] = -h[i].h[i + 1] and s[i + 1] perpendicular to s[i]) so that small products are not lost to rounding.

The integer dots use the same words (all byte values occur), with accumulators at 0xFFFFFF40 (udot8's unsigned clamp,
udot4's wrap) and 0x800000yy (sudot8's signed clamp); signed int overflow in `r += ...` is taken as the wrap, as in c01.

ho[i] = fdot2_f16_f16(h[i], h[i + 2], ho[i + 1]) reads ho[i + 1] while work-item i + 1 writes it (a race between
waves). ho starts as the fixed point ho[j] = h[j] . h[j + 2] + ho[j + 1] (built from the end; all values multiples of
1/4 below 512, exact in f16), so the value read is the same either way, and every sum is exact whatever the rounding.
"""
import math
from fractions import Fraction
import numpy as np
from tests.emu.corpus_refs import AfterRun, Case

f16, f32, f64 = np.float16, np.float32, np.float64
N = 512
BF8_SPECIAL = {0x7C, 0x7D, 0x7E, 0x7F, 0xFC, 0xFD, 0xFE, 0xFF}       # bf8 +-inf / NaN (fp8: 384..448, NaN)
FINITE_BOTH = np.array([b for b in range(256) if b not in BF8_SPECIAL])
# bytes forced into a few words (byte value, position): fp8 384 / 416 / 448 and NaN, bf8 infinities and NaNs
SPECIAL = [(0x7C, 0), (0xFC, 1), (0x7E, 2), (0xFE, 3), (0x7D, 1), (0xFD, 0), (0x7F, 3), (0xFF, 2)]
UCLAMP, SCLAMP = 0xFFFFFF40, 0x80000011


# ------------------------------------------------------------------------------------------------ formats
def fp8(b: int) -> float:
  """OCP E4M3FN byte -> value."""
  e, m = (b >> 3) & 15, b & 7
  v = math.nan if (e, m) == (15, 7) else (m * 2.0 ** -9 if e == 0 else (8 + m) * 2.0 ** (e - 10))
  return -v if b & 0x80 else v


def bf8(b: int) -> float:
  """OCP E5M2 byte -> value."""
  e, m = (b >> 2) & 31, b & 3
  v = (math.inf if m == 0 else math.nan) if e == 31 else (m * 2.0 ** -16 if e == 0 else (4 + m) * 2.0 ** (e - 17))
  return -v if b & 0x80 else v


def _bytes(w: int): return [(w >> (8 * k)) & 0xFF for k in range(4)]


def _lsb(x: float) -> int:
  m, e = math.frexp(x)
  mi = abs(int(m * 2**53))
  return e - 53 + ((mi & -mi).bit_length() - 1)


def dot(acc: f32, prods: list[float]):
  """A dot instruction's result (acc + sum of prods, as f32) when every summation model agrees on it, else None."""
  terms = [float(acc)] + prods
  if not all(math.isfinite(t) for t in terms): return f32(sum(terms))      # inf / NaN: IEEE in any order
  if acc == 0 and math.copysign(1, float(acc)) < 0: return None
  nz = [p for p in prods if p != 0]
  if len(nz) <= 1:
    exact = Fraction(float(acc)) + sum(Fraction(p) for p in nz)
    s = float(acc) + sum(nz)
    if Fraction(s) != exact: return None                                  # float64 itself would round: avoid
    return f32(s)                                                           # one rounding, to nearest even
  used = [t for t in terms if t != 0]
  q = min(_lsb(t) for t in used)
  if math.fsum(abs(t) for t in used) >= 2.0 ** (q + 24): return None
  return f32(math.fsum(terms))                                             # exact in f32 (+0 if it cancels)


def f8_part(x: int, y: int, w: int | None, f2: f32):
  """gfx12's four dot4s of one lane: (f3, f4) (f4 None if w is None), or None where a dot is not well defined."""
  X, Y = _bytes(x), _bytes(y)
  d1 = dot(f2, [fp8(X[k]) * bf8(Y[k]) for k in range(4)])                # dot4_fp8_bf8(x, y, f)
  d2 = dot(f2, [bf8(Y[k]) * fp8(X[k]) for k in range(4)])                # dot4_bf8_fp8(y, x, f): the same pairs
  if d1 is None or d2 is None: return None
  with np.errstate(all="ignore"): f3 = f32(f2 + f32(d1 + d2))
  if w is None: return f3, None
  W = _bytes(w)
  d3 = dot(f3, [fp8(X[k]) * fp8(W[k]) for k in range(4)])                # dot4_fp8_fp8(x, acc, f)
  d4 = dot(f3, [bf8(W[k]) * bf8(Y[k]) for k in range(4)])                # dot4_bf8_bf8(acc, y, f)
  if d3 is None or d4 is None: return None
  with np.errstate(all="ignore"): return f3, f32(f3 + f32(d3 + d4))


# ------------------------------------------------------------------------------------------------ integer dots
def _idot(a, b, bits, sa, sb):
  m, tot = (1 << bits) - 1, 0
  for k in range(32 // bits):
    u, v = (a >> (bits * k)) & m, (b >> (bits * k)) & m
    if sa and u >> (bits - 1): u -= 1 << bits
    if sb and v >> (bits - 1): v -= 1 << bits
    tot += u * v
  return tot


def _s32(v): return ((v + 2**31) % 2**32) - 2**31


# ------------------------------------------------------------------------------------------------ data
def _word(rng) -> int:
  """A candidate word: each byte +-0, moderate (fp8 exponent field 6..8) or any code finite in both formats."""
  w = 0
  for k in range(4):
    r = rng.random()
    b = int(rng.choice([0x00, 0x80])) if r < 0.2 else \
        int(rng.integers(6, 9) << 3 | rng.integers(0, 8) | rng.integers(0, 2) << 7) if r < 0.3 else int(rng.choice(FINITE_BOTH))
    w |= b << (8 * k)
  return w


def _special(rng, byte, k) -> int:
  w = _word(rng)
  return (w & ~(0xFF << (8 * k))) | byte << (8 * k)


def dots(rng, lanes, arch):
  n = N
  # f16 h (multiples of 1/2 in [-2.5, 2.5]) and ho, the fixed point of the racing fdot2_f16_f16 (see above)
  hd = lambda p, q: p[:, 0].astype(f64) * q[:, 0] + p[:, 1].astype(f64) * q[:, 1]   # noqa: E731 (exact)
  while True:
    h = (rng.integers(-5, 6, (n + 2, 2)) / 2.0).astype(f16)
    ho = np.zeros(n + 1, f64)
    ho[n] = rng.integers(-20, 21) / 4.0
    ho[:n] = ho[n] + np.cumsum(hd(h[:n], h[2:n + 2])[::-1])[::-1]
    if np.abs(ho).max() < 512: break
  ho = ho.astype(f16)

  # f1, f2 per lane; "zero" lanes get f2 = +0 exactly
  zero = rng.random(n) < 0.35
  fo = np.where(zero, 0.0 - hd(h[:n], h[1:n + 1]), rng.integers(-256, 257, n) / 4.0).astype(f32)
  s = np.zeros((n + 1, 2), f32)
  s[0] = [1.5, -0.75]
  for i in range(n):
    if zero[i]:                                         # s[i + 1] perpendicular to s[i]: the bf16 dot is exactly 0
      mx = np.abs(s[i]).max()
      t = float(rng.choice([-0.5, 0.5] if mx > 2 else [-2.0, 2.0] if mx < 0.5 else [-2.0, -1.0, -0.5, 0.5, 1.0, 2.0]))
      s[i + 1] = [-t * s[i, 1], t * s[i, 0]]
    else:
      while not s[i + 1].any(): s[i + 1] = rng.integers(-16, 17, 2) / 4.0
  s_bits = (s.view(np.uint32) >> np.uint32(16)).astype(np.uint16)                  # bf16: exact (few bits)
  bf = (s_bits.astype(np.uint32) << np.uint32(16)).view(f32).astype(f64)
  f1 = [dot(fo[i], [float(h[i, 0]) * float(h[i + 1, 0]), float(h[i, 1]) * float(h[i + 1, 1])]) for i in range(n)]
  g = [dot(f1[i], [bf[i, 0] * bf[i + 1, 0], bf[i, 1] * bf[i + 1, 1]]) for i in range(n)]
  assert None not in f1 and None not in g
  f2 = [f32(f1[i] + g[i]) for i in range(n)]
  assert all(f2[i] == 0 and not np.signbit(f2[i]) for i in range(n) if zero[i])

  # a[]: word j is x of lane j, y of lane j - 1 and w of lane j - 2; chosen so those lanes' dots stay well defined
  # forced words (tried from their index on, one attempt per index, until they fit): the specials must make lane
  # j - 2 (where the word is w: bf8 infinity times a nonzero bf8) infinite; the integer-clamp accumulators just fit
  inf_lane = lambda r: r is not None and r[1] is not None and bool(np.isinf(r[1]))   # noqa: E731
  fits = lambda r: r is not None                                                     # noqa: E731
  forced = {j: (lambda b=b, k=k: _special(rng, b, k), inf_lane if b in (0x7C, 0xFC) else fits)
            for j, (b, k) in zip(range(12, n, n // len(SPECIAL)), SPECIAL)}
  forced.update({j: (lambda v=v: v, fits) for j, v in ((5, UCLAMP), (7, SCLAMP), (100, SCLAMP), (150, UCLAMP), (200, SCLAMP))})
  pending, a = [], []
  for j in range(n + 2):
    if j in forced: pending.append(forced[j])
    for attempt in range(200):
      cand, need = (pending[0][0](), pending[0][1]) if attempt == 0 and pending else (_word(rng) if attempt < 199 else 0, fits)
      ok = j < 1 or j - 1 >= n or f8_part(a[j - 1], cand, None, f2[j - 1]) is not None
      ok = ok and (j < 2 or j - 2 >= n or need(f8_part(a[j - 2], a[j - 1], cand, f2[j - 2])))
      if ok: break
    assert ok
    if attempt == 0 and pending: pending.pop(0)
    a.append(cand)
  assert not pending and UCLAMP in a and SCLAMP in a

  # expected values
  fo_want = np.zeros(n, f32)
  out = np.zeros(n, np.int32)
  seen8, seenb, uclamp, sclamp = set(), set(), 0, 0
  for i in range(n):
    x, y, w = a[i], a[i + 1], a[i + 2]
    f3, f4 = f8_part(x, y, w, f2[i])
    fo_want[i] = f4 if arch == "gfx1200" else f2[i]
    if np.isfinite(f4):
      X, Y, W = _bytes(x), _bytes(y), _bytes(w)
      for k in range(4):
        if bf8(Y[k]) != 0: seen8.add(X[k])
        if fp8(W[k]) != 0: seen8.add(X[k])
        if fp8(X[k]) != 0: seenb.add(Y[k]); seen8.add(W[k])
        if bf8(W[k]) != 0: seenb.add(Y[k])
        if bf8(Y[k]) != 0: seenb.add(W[k])
    sw = _s32(w)
    u1 = (_idot(x, y, 8, False, False) + w) & 0xFFFFFFFF                     # udot4, no clamp: wraps
    u2 = min(_idot(y, x, 4, False, False) + w, 2**32 - 1)                     # udot8, clamp
    s1 = _s32(_idot(x, y, 8, True, False) + sw)                               # sudot4 (signed x), no clamp
    s2 = min(max(_idot(x, y, 4, False, True) + sw, -2**31), 2**31 - 1)        # sudot8 (signed y), clamp
    uclamp += _idot(y, x, 4, False, False) + w > 2**32 - 1
    sclamp += _idot(x, y, 4, False, True) + sw < -2**31
    out[i] = _s32(_s32((u1 + u2) & 0xFFFFFFFF) + s1 + s2)
  seen8.discard(0x00); seen8.discard(0x80); seenb.discard(0x00); seenb.discard(0x80)
  assert uclamp and sclamp                            # udot8's unsigned and sudot8's signed clamp are reached
  assert arch != "gfx1200" or (np.isnan(fo_want).any() and np.isinf(fo_want).any())
  assert len(seen8 - {0x7F, 0xFF}) >= 245 and len(seenb - BF8_SPECIAL) >= 235, (len(seen8), len(seenb))   # of 252, 246

  fo_in = fo.copy()
  args = (np.zeros(n, np.int32), fo_in, ho.copy(), np.array(a, np.uint32).view(np.int32), h, s_bits.view(np.int16))
  nan_ok = lambda got: np.where(np.isnan(fo_want) & np.isnan(got), got, fo_want).astype(f32)   # noqa: E731
  return Case(n // lanes, lanes, args, AfterRun(args, {0: out, 1: nan_ok, 2: ho}))
