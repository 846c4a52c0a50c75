"""tests/corpus/10_matrix.cl

One kernel named wmma per target (#if __GFX11__ / __GFX12__), each a loop (k = 2 iterations) of WMMA / SWMMAC ops
chained through three accumulators (f32, f16, i32). Every lane loads its own operand vectors (block j of a buffer
holds one vector per lane, p[32 j + l]), so A, B and C/D are full 16x16 matrices and the per-lane layouts are all
tested. The reference decodes the buffers into matrices with the layouts of AMD's matrix instruction calculator
(github.com/ROCm/amd_matrix_instruction_calculator, `-d` of each instruction; they match the RDNA3 / RDNA4 ISA
guides' tables), multiplies exactly (float64 / int64) and encodes D back, independently of the simulator:

gfx11 (RDNA3), wave32: lane L holds row L % 16 of A (column L % 16 of B), all K elements, element k at bits
[w k, w k + w) of its VGPRs; lanes 16-31 must repeat lanes 0-15 (the buffers do). 32-bit C/D: VGPR v of lane L is
(row 2v + L // 16, column L % 16); f16 C/D (op_sel 0): the low half of each VGPR, same positions. The high halves of
an f16 D are not defined by the ISA tables (kept or not, and from C or from D's old contents), so they are not
checked (care()).

gfx12 (RDNA4), wave32: lane L holds row (column) L % 16, half of K:
- 16-bit A / B, element e (VGPR g = e // 2): k = 8 (g // 2) + 4 (L // 16) + 2 (g % 2) + e % 2 (the K halves are
  interleaved in blocks of 4, not split 0-7 / 8-15);
- 8-bit (iu8, fp8, bf8) and iu4: k = (K / 2) (L // 16) + e;
- 32-bit C/D: VGPR v of lane L is (row 8 (L // 16) + v, column L % 16); f16 C/D: element e (VGPR e // 2, half e % 2)
  is row 8 (L // 16) + e;
- swmmac 16x16x32 f16: A element e (VGPR g = e // 2) is the (e % 2)-th stored value of the 4-group at
  k = 16 (g // 2) + 8 (L // 16) + 4 (g % 2); B element e: k = 16 (e // 8) + 8 (L // 16) + e % 8;
  swmmac 16x16x32 iu8: A byte e is the (e % 2)-th stored value of the group at k = 16 (L // 16) + 4 (e // 2);
  B byte e: k = 16 (L // 16) + e. The index VGPR (index_key 0: bits 15:0) has 4 bits per group g at bit 4g
  (the calculator's table); within them the first stored value's position is bits 1:0 and the second's 3:2
  (ASSUMED: the tables do not show the order inside a group; the indices are ascending pairs, as sparse data is
  stored). Bits 31:16 (the index_key 1 set) hold other valid pairs, so reading the wrong set shows.

fp8 / bf8 are OCP E4M3FN / E5M2 (gfx12's formats; gfx942's FNUZ ones are not used here), decoded here from the
bit fields. Floating results need no rounding model: the data is chosen so every WMMA's exact result C + sum_k
A B is representable (every term a multiple of 2^q and the sum of their magnitudes below 2^(q + p), p = 24 for f32
and 11 for f16, checked by an assert), so any order or internal width the hardware sums in gives the same bits.
That keeps the fp8 / bf8 values moderate (fp8 exponent field 6..8, or zero); 09_dot tests the full code range.
Integers: int64 sums; iu8 with clamp saturates C + sum to int32 (the initial accumulators put some elements next
to INT_MAX / INT_MIN so it clamps both ways), the other ops wrap.
"""
import numpy as np
from tests.emu.corpus_refs import AfterRun, Case, care

f16, f32, f64 = np.float16, np.float32, np.float64
K_ITERS = 2


# ------------------------------------------------------------------------------------------------ element decoding
def _fields(blocks: np.ndarray, bits: int) -> np.ndarray:
  """Per-lane byte blocks (..., nbytes) uint8 -> (..., n) raw elements of `bits` bits, lowest first."""
  b = blocks.astype(np.int64)
  if bits == 4: return np.stack([b & 15, b >> 4], -1).reshape(*b.shape[:-1], -1)
  if bits == 8: return b
  return b[..., 0::2] | b[..., 1::2] << 8                                   # 16


def _f8(raw: np.ndarray, bf8: bool) -> np.ndarray:
  """OCP fp8 E4M3FN (bias 7, S.1111.111 NaN, no infinity) / bf8 E5M2 (bias 15, IEEE infinities and NaNs)."""
  raw = np.asarray(raw, np.int64)
  mb, bias, emax = (2, 15, 31) if bf8 else (3, 7, 15)
  e, m = (raw >> mb) & emax, raw & ((1 << mb) - 1)
  mag = np.where(e == 0, m * 2.0 ** (1 - bias - mb), (m + (1 << mb)) * np.exp2((e - bias - mb).astype(f64)))
  if bf8: mag = np.where(e == 31, np.where(m == 0, np.inf, np.nan), mag)
  else: mag = np.where((e == 15) & (m == 7), np.nan, mag)
  return np.where(raw & 0x80, -mag, mag)


def _values(raw: np.ndarray, kind: str) -> np.ndarray:
  if kind == "f16": return raw.astype(np.uint16).view(f16).astype(f64)
  if kind == "bf16": return (raw.astype(np.uint32) << np.uint32(16)).view(f32).astype(f64)
  if kind in ("fp8", "bf8"): return _f8(raw, kind == "bf8")
  bits, signed = {"u8": (8, False), "s8": (8, True), "u4": (4, False), "s4": (4, True)}[kind]
  return np.where(signed & (raw >> (bits - 1) == 1), raw - (1 << bits), raw).astype(np.int64)


WIDTH = {"f16": 16, "bf16": 16, "fp8": 8, "bf8": 8, "u8": 8, "s8": 8, "u4": 4, "s4": 4}


# ------------------------------------------------------------------------------------------------ layouts
def _k_of(arch: str, width: int, kdim: int, lane: np.ndarray, e: np.ndarray) -> np.ndarray:
  """K index of element e of lane `lane` in a dense A (or B) operand."""
  if arch == "gfx1100": return np.broadcast_to(e, np.broadcast(lane, e).shape)
  if width == 16:
    g = e // 2
    return 8 * (g // 2) + 4 * (lane // 16) + 2 * (g % 2) + e % 2
  return (kdim // 2) * (lane // 16) + e


def _operand(arch: str, lanes_elems: np.ndarray, width: int, kdim: int) -> np.ndarray:
  """(32, n) per-lane values -> (16, K) matrix: row (A) / column (B) L % 16, K as the layout says (every element
  placed once; on gfx11 lanes 16-31 land where lanes 0-15 did, and hold the same values)."""
  n = lanes_elems.shape[1]
  lane, e = np.meshgrid(np.arange(32), np.arange(n), indexing="ij")
  k = _k_of(arch, width, kdim, lane, e)
  m = np.zeros((16, kdim), lanes_elems.dtype)
  hits = np.zeros((16, kdim), int)
  np.add.at(hits, (lane % 16, k), 1)
  assert (hits == (2 if arch == "gfx1100" else 1)).all()
  if arch == "gfx1100": assert np.array_equal(lanes_elems[16:], lanes_elems[:16], equal_nan=True)
  m[lane % 16, k] = lanes_elems
  return m


def _cd_rows(arch: str, n: int) -> np.ndarray:
  """(32, n): the row of C/D element e of lane L (its column is L % 16). 32-bit: element e is VGPR e; f16: gfx11
  element e is the low half of VGPR e, gfx12 element e is half e % 2 of VGPR e // 2."""
  lane, e = np.meshgrid(np.arange(32), np.arange(n), indexing="ij")
  return 2 * e + lane // 16 if arch == "gfx1100" else 8 * (lane // 16) + e


def _to_matrix(arch, lanes_vals):
  n = lanes_vals.shape[1]
  rows = _cd_rows(arch, n)
  m = np.zeros((16, 16), lanes_vals.dtype)
  m[rows, np.arange(32)[:, None] % 16] = lanes_vals
  return m


def _to_lanes(arch, m, n):
  rows = _cd_rows(arch, n)
  return m[rows, np.arange(32)[:, None] % 16]


# ------------------------------------------------------------------------------------------------ exact products
def _lsb_exp(x: np.ndarray) -> np.ndarray:
  """Exponent of the lowest set bit of each nonzero float64 (a large number for zeros)."""
  mant, ex = np.frexp(x)
  mi = np.abs(np.ldexp(mant, 53)).astype(np.int64)
  low = mi & -mi
  return np.where(x == 0, 10**6, ex - 53 + np.log2(np.maximum(low, 1)).astype(np.int64))


def _exact_sum(c: np.ndarray, prods: np.ndarray, prec: int) -> np.ndarray:
  """c (16, 16) + sum over the last axis of prods (16, 16, K), asserting the sum is exact in any order at `prec`
  significant bits (so the hardware's internal rounding cannot matter)."""
  terms = np.concatenate([c[..., None], prods], -1)
  assert np.isfinite(terms).all()
  q = _lsb_exp(terms).min(-1)
  q = np.where(q == 10**6, 0, q)
  assert (np.abs(terms).sum(-1) < np.exp2((q + prec).astype(f64))).all(), "WMMA data not exact-friendly"
  return c + prods.sum(-1)


def _dense(arch, blk_a, kind_a, blk_b, kind_b, kdim):
  wa, wb = WIDTH[kind_a], WIDTH[kind_b]
  A = _operand(arch, _values(_fields(blk_a, wa), kind_a), wa, kdim)
  B = _operand(arch, _values(_fields(blk_b, wb), kind_b), wb, kdim).T
  return A, B


def _sparse(blk_a, kind_a, blk_b, kind_b, idx):
  """gfx12 swmmac 16x16x32 (f16 or iu8): A (16, 32) from the stored pairs and the index VGPR (index_key 0)."""
  wa = WIDTH[kind_a]
  va = _values(_fields(blk_a, wa), kind_a)               # (32, 8)
  A, hits = np.zeros((16, 32), va.dtype), np.zeros((16, 32), int)
  for L in range(32):
    for e in range(8):
      g = e // 2
      base = 16 * (g // 2) + 8 * (L // 16) + 4 * (g % 2) if wa == 16 else 16 * (L // 16) + 4 * g
      pos = (int(idx[L]) >> (4 * g + 2 * (e % 2))) & 3
      A[L % 16, base + pos] = va[L, e]
      hits[L % 16, base + pos] += 1
  assert (hits.reshape(16, 8, 4).sum(-1) == 2).all() and hits.max() == 1     # two values in every group of 4
  vb = _values(_fields(blk_b, WIDTH[kind_b]), kind_b)    # (32, 16)
  B = np.zeros((32, 16), vb.dtype)
  for L in range(32):
    for e in range(16):
      k = 16 * (e // 8) + 8 * (L // 16) + e % 8 if wa == 16 else 16 * (L // 16) + e
      B[k, L % 16] = vb[L, e]
  return A, B


def _fmma(C, A, B, prec):
  return _exact_sum(C, A[:, None, :] * B.T[None, :, :], prec)    # (i, j, k): A[i, k] B[k, j]


def _imma(C, A, B, clamp):
  r = C + A @ B
  return np.clip(r, -2**31, 2**31 - 1) if clamp else ((r + 2**31) % 2**32) - 2**31


# ------------------------------------------------------------------------------------------------ data
def _blocks(rng, n, nbytes, arch, gen):
  """n operand blocks of 32 lanes x nbytes bytes from gen(rng, shape) (uint8); gfx11 lanes 16-31 repeat 0-15."""
  b = gen(rng, (n, 32, nbytes)).astype(np.uint8)
  if arch == "gfx1100": b[:, 16:] = b[:, :16]
  return b


def _f16_bits(vals): return np.asarray(vals, f16).view(np.uint16)


def _bytes_of(u16: np.ndarray) -> np.ndarray:
  return np.ascontiguousarray(u16.astype(np.uint16)).view(np.uint8).reshape(*u16.shape[:-1], -1)


def _f8_moderate(rng, shape):
  """Bytes whose fp8 exponent field is 6..8 (fp8 in [0.5, 3.75], bf8 in [0.125, 7]), a fifth of them +-0."""
  b = (rng.integers(6, 9, shape) << 3) | rng.integers(0, 8, shape) | (rng.integers(0, 2, shape) << 7)
  return np.where(rng.random(shape) < 0.2, rng.choice([0x00, 0x80], shape), b)


def _index_word(rng, n):
  """Index VGPRs: 8 groups of 4 bits, each an ascending pair of positions (first in bits 1:0, second in 3:2)."""
  pairs = np.array([(p0, p1) for p0 in range(4) for p1 in range(p0 + 1, 4)])
  sel = pairs[rng.integers(0, len(pairs), (n, 8))]
  nib = sel[..., 0] | sel[..., 1] << 2
  return (nib << (4 * np.arange(8))).sum(-1).astype(np.uint32).view(np.int32)


def wmma(rng, lanes, arch):
  assert lanes == 32
  gfx11 = arch == "gfx1100"
  T = K_ITERS
  half_vals = lambda shape: rng.integers(-4, 5, shape) / 2.0         # noqa: E731 multiples of 1/2 in [-2, 2]
  n16 = 16 if gfx11 else 8                                           # 16-bit elements a lane holds per operand
  a_bits = _f16_bits(half_vals((T + 3, 32, n16)))
  bf_vals = (rng.integers(-16, 17, (T + 1, 32, n16)) / 4.0).astype(f32)
  bf_bits = (bf_vals.view(np.uint32) >> np.uint32(16)).astype(np.uint16)              # exact: few bits
  if gfx11: a_bits[:, 16:] = a_bits[:, :16]; bf_bits[:, 16:] = bf_bits[:, :16]
  a_blk, bf_blk = _bytes_of(a_bits), _bytes_of(bf_bits)
  anybytes = lambda r, shape: r.integers(0, 256, shape)              # noqa: E731
  c0 = (rng.integers(-256, 257, (32, 8)) / 4.0).astype(f32)
  ci0 = rng.integers(-2**31, 2**31, (32, 8), dtype=np.int64)
  near = rng.random((32, 8))
  ci0 = np.where(near < 0.15, 2**31 - 1 - rng.integers(0, 400000, (32, 8)), ci0)       # iu8 clamp reaches INT_MAX
  ci0 = np.where(near > 0.85, -2**31 + rng.integers(0, 400000, (32, 8)), ci0)          # ... and INT_MIN
  ci0 = ci0.astype(np.int32)

  C, I = _to_matrix(arch, c0.astype(f64)), _to_matrix(arch, ci0.astype(np.int64))
  clamped = wrapped = 0
  def imma(I, A, B, clamp):
    nonlocal clamped, wrapped
    raw = I + A @ B
    clamped += int(clamp and ((raw > 2**31 - 1) | (raw < -2**31)).any())
    wrapped += int(not clamp and ((raw > 2**31 - 1) | (raw < -2**31)).any())
    return _imma(I, A, B, clamp)

  if gfx11:
    ch0 = _f16_bits(rng.integers(-200, 201, (32, 16)) / 4.0)             # even halves: C; odd: ignored
    i8_blk = _blocks(rng, T + 1, 16, arch, anybytes)
    i4_blk = _blocks(rng, T + 1, 8, arch, anybytes)
    H = _to_matrix(arch, _values(ch0[:, 0::2].astype(np.int64), "f16"))
    for t in range(T):
      C = _fmma(C, *_dense(arch, a_blk[2 * t], "f16", a_blk[2 * t + 1], "f16", 16), 24)
      C = _fmma(C, *_dense(arch, bf_blk[t], "bf16", bf_blk[t + 1], "bf16", 16), 24)
      H = _fmma(H, *_dense(arch, a_blk[t], "f16", a_blk[t + 3], "f16", 16), 11)
      I = imma(I, *_dense(arch, i8_blk[t], "s8", i8_blk[t + 1], "u8", 16), True)
      I = imma(I, *_dense(arch, i4_blk[t], "u4", i4_blk[t + 1], "s4", 16), False)
    ch_out = ch0.copy()
    ch_out[:, 0::2] = _f16_bits(_to_lanes(arch, H, 8))
    defined = np.zeros((32, 16), bool); defined[:, 0::2] = True
    args = (c0.reshape(-1).copy(), ch0.view(f16).reshape(-1).copy(), ci0.reshape(-1).copy(),
            a_bits.view(f16).reshape(-1), bf_bits.view(np.int16).reshape(-1),
            i8_blk.reshape(-1).view(np.int32), i4_blk.reshape(-1).view(np.int32), np.int32(T))
    ch_want = care(ch_out.view(f16).reshape(-1), defined.reshape(-1))
  else:
    ch0 = _f16_bits(rng.integers(-200, 201, (32, 8)) / 4.0)
    i8_blk = _blocks(rng, T + 3, 8, arch, anybytes)
    q_blk = _blocks(rng, T, 16, arch, anybytes)
    f8_blk = _blocks(rng, T + 6, 8, arch, _f8_moderate)
    ix = _index_word(rng, 2 * T * 32).reshape(2 * T, 32)
    H = _to_matrix(arch, _values(ch0.astype(np.int64), "f16"))
    for t in range(T):
      C = _fmma(C, *_dense(arch, a_blk[2 * t], "f16", a_blk[2 * t + 1], "f16", 16), 24)
      C = _fmma(C, *_dense(arch, bf_blk[t], "bf16", bf_blk[t + 1], "bf16", 16), 24)
      H = _fmma(H, *_dense(arch, a_blk[t], "f16", a_blk[t + 3], "f16", 16), 11)
      I = imma(I, *_dense(arch, i8_blk[t], "s8", i8_blk[t + 1], "u8", 16), True)
      I = imma(I, *_dense(arch, i8_blk[t][:, :4], "u4", i8_blk[t][:, 4:], "s4", 16), False)
      I = imma(I, *_dense(arch, i8_blk[t + 2], "u4", i8_blk[t + 3], "s4", 32), False)
      C = _fmma(C, *_dense(arch, f8_blk[t], "fp8", f8_blk[t + 4], "fp8", 16), 24)
      C = _fmma(C, *_dense(arch, f8_blk[t], "bf8", f8_blk[t + 5], "fp8", 16), 24)
      C = _fmma(C, *_dense(arch, f8_blk[t + 1], "fp8", f8_blk[t + 5], "bf8", 16), 24)
      C = _fmma(C, *_dense(arch, f8_blk[t + 2], "bf8", f8_blk[t + 6], "bf8", 16), 24)
      b16 = np.concatenate([a_blk[t + 1], a_blk[t + 2]], -1)                # (v16h)(a[t + 1], a[t + 2])
      C = _fmma(C, *_sparse(a_blk[t], "f16", b16, "f16", ix[2 * t].view(np.uint32)), 24)
      I = imma(I, *_sparse(i8_blk[t], "s8", q_blk[t], "s8", ix[2 * t + 1].view(np.uint32)), False)
    ch_want = _f16_bits(_to_lanes(arch, H, 8)).view(f16).reshape(-1)
    args = (c0.reshape(-1).copy(), ch0.view(f16).reshape(-1).copy(), ci0.reshape(-1).copy(),
            a_bits.view(f16).reshape(-1), bf_bits.view(np.int16).reshape(-1), i8_blk.reshape(-1).view(np.int32),
            q_blk.reshape(-1).view(np.int32), f8_blk.reshape(-1).view(np.int32), ix.reshape(-1), np.int32(T))
  assert clamped and wrapped, "the data should reach the iu8 clamp and an int32 wrap"
  c_want = _to_lanes(arch, C, 8).astype(f32)
  assert (c_want.astype(f64) == _to_lanes(arch, C, 8)).all()
  ci_want = _to_lanes(arch, I, 8).astype(np.int32)
  return Case(1, 32, args, AfterRun(args, {0: c_want.reshape(-1), 1: ch_want, 2: ci_want.reshape(-1)}))
