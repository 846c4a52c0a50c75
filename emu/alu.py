"""ALU semantics as data: one entry per operation, `name -> (result types, source types, function over numpy lanes)`.

Types are the ISA's: u32 i32 f32 b32, u64 i64 f64 b64, u16 i16 f16 b16 bf16; `m` is a lane mask (a carry or a
compare result, or a carry-in / select read from vcc or an SGPR), `lane` the lane index (mbcnt). The runner
(emu.execute) turns raw register bits into these types, applies the encoding's modifiers (abs, neg, opsel,
clamp, omod, DPP) and writes results back under exec; a function only computes.
"""
from __future__ import annotations
import numpy as np
from emu import fp

u32, i32, u64, i64 = np.uint32, np.int32, np.uint64, np.int64
f16, f32, f64 = np.float16, np.float32, np.float64
DTYPE = {"u32": u32, "i32": i32, "f32": f32, "b32": u32, "u64": u64, "i64": i64, "f64": f64, "b64": u64,
         "u16": np.uint16, "i16": np.int16, "f16": f16, "b16": np.uint16, "bf16": np.uint16, "u8": np.uint8}
BITS = {t: np.dtype(d).itemsize * 8 for t, d in DTYPE.items()}

VALU: dict[str, tuple[tuple[str, ...], tuple[str, ...], object]] = {}
SALU: dict[str, tuple[tuple[str, ...], tuple[str, ...], object]] = {}


def _sig(s: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
  d, _, a = s.partition(":")
  return tuple(d.split(",")) if d else (), tuple(a.split(",")) if a else ()


def valu(names: str, sig: str, fn):
  for n in names.split(): VALU[n] = (*_sig(sig), fn)


def salu(names: str, sig: str, fn):
  for n in names.split(): SALU[n] = (*_sig(sig), fn)



# ---------------------------------------------------------------------------------------------------- integer

def _u64(x): return np.asarray(x).astype(u64)
def _i64(x): return np.asarray(x).astype(i64)
def _lo32(x): return (np.asarray(x) & 0xFFFFFFFF).astype(u32) if np.asarray(x).dtype != u32 else x
def sext(x, bits: int):
  x = _i64(x) & ((1 << bits) - 1)
  return np.where(x >> (bits - 1) & 1, x - (1 << bits), x)
def popcount32(x):
  x = np.asarray(x, u32).astype(u64)
  return np.unpackbits(x.astype("<u4")[..., None].view(np.uint8), axis=-1).sum(-1).astype(u32)
def popcount64(x):
  x = np.asarray(x, u64)
  return np.unpackbits(x.astype("<u8")[..., None].view(np.uint8), axis=-1).sum(-1).astype(u32)
def clz32(x):
  x = np.asarray(x, u32)
  n = np.where(x == 0, -1, 31 - np.floor(np.log2(np.maximum(x, 1).astype(f64))).astype(i64))
  return n.astype(i32)
def ctz32(x):
  x = np.asarray(x, u32).astype(i64)
  low = x & -x
  return np.where(x == 0, -1, np.log2(np.maximum(low, 1).astype(f64)).astype(i64)).astype(i32)
def clz64(x):
  x = np.asarray(x, u64)
  hi, lo = (x >> u64(32)).astype(u32), (x & u64(0xFFFFFFFF)).astype(u32)
  return np.where(hi != 0, clz32(hi), np.where(lo != 0, 32 + clz32(lo), -1)).astype(i32)
def ctz64(x):
  x = np.asarray(x, u64)
  hi, lo = (x >> u64(32)).astype(u32), (x & u64(0xFFFFFFFF)).astype(u32)
  return np.where(lo != 0, ctz32(lo), np.where(hi != 0, 32 + ctz32(hi), -1)).astype(i32)
def brev32(x):
  b = np.unpackbits(np.asarray(x, "<u4")[..., None].view(np.uint8), axis=-1, bitorder="little")
  return np.packbits(b[..., ::-1], axis=-1, bitorder="little").view("<u4")[..., 0].astype(u32)
def brev64(x):
  x = np.asarray(x, u64)
  return brev32((x & u64(0xFFFFFFFF)).astype(u32)).astype(u64) << u64(32) | brev32((x >> u64(32)).astype(u32)).astype(u64)
def mul_hi_u(a, b): return ((_u64(a) * _u64(b)) >> u64(32)).astype(u32)
def mul_hi_i(a, b): return ((_i64(a) * _i64(b)) >> 32).astype(i32)
def bfe_u(a, off, w):
  off, w = _u64(off) & u64(31), _u64(w) & u64(31)
  return ((_u64(a) >> off) & ((u64(1) << w) - u64(1))).astype(u32)
def bfe_i(a, off, w):
  off, w = _i64(np.asarray(off).astype(u32)) & 31, _i64(np.asarray(w).astype(u32)) & 31
  field = (_i64(np.asarray(a).astype(u32)) >> off) & ((np.int64(1) << w) - 1)
  sign = np.where(w > 0, field >> np.maximum(w - 1, 0) & 1, 0)
  return np.where(w == 0, 0, field - (sign << w)).astype(i32)
def sat_u32(x): return np.clip(x, 0, 0xFFFFFFFF).astype(u32)
def sat_i32(x): return np.clip(x, -2**31, 2**31 - 1).astype(i32)
def perm(a, b, sel):
  """v_perm_b32: each result byte picks a byte of {a, b} (b is bytes 0-3), a sign fill, 0x00 or 0xFF."""
  src = (_u64(a) << u64(32)) | _u64(b)
  out = np.zeros(np.broadcast(a, b, sel).shape, u64)
  sel = _u64(sel)
  for k in range(4):
    s = (sel >> u64(8 * k)) & u64(0xFF)
    byte = (src >> (u64(8) * np.minimum(s, u64(7)))) & u64(0xFF)
    sign = np.zeros_like(byte)
    for j, bit in enumerate((15, 31, 47, 63)): sign = np.where(s == 8 + j, ((src >> u64(bit)) & u64(1)) * u64(0xFF), sign)
    val = np.where(s < 8, byte, np.where(s < 12, sign, np.where(s == 12, u64(0), u64(0xFF))))
    out |= val << u64(8 * k)
  return out.astype(u32)
def bytes_of(x, k): return (np.asarray(x, u32) >> u32(8 * k)) & u32(0xFF)
def sad_u8(a, b, c):
  return (sum(np.abs(bytes_of(a, k).astype(i64) - bytes_of(b, k).astype(i64)) for k in range(4)) + c).astype(u32)
def msad_u8(a, b, c):
  return (sum(np.where(bytes_of(b, k) == 0, 0, np.abs(bytes_of(a, k).astype(i64) - bytes_of(b, k).astype(i64)))
              for k in range(4)) + c).astype(u32)
def lerp_u8(a, b, c):
  out = np.zeros(np.broadcast(a, b, c).shape, u32)
  for k in range(4):
    v = (bytes_of(a, k).astype(u32) + bytes_of(b, k) + (bytes_of(c, k) & 1)) >> 1
    out |= v << u32(8 * k)
  return out

I = "u32:u32,u32"
valu("v_add_nc_u32", I, lambda a, b: _i64(a) + b)          # wide, so that clamp saturates
valu("v_sub_nc_u32", I, lambda a, b: _i64(a) - b)
valu("v_subrev_nc_u32", I, lambda a, b: _i64(b) - a)
valu("v_add_nc_i32", "i32:i32,i32", lambda a, b: (_i64(a) + b))
valu("v_sub_nc_i32", "i32:i32,i32", lambda a, b: (_i64(a) - b))
valu("v_add_nc_u16", "u16:u16,u16", lambda a, b: (_i64(a) + b))
valu("v_sub_nc_u16", "u16:u16,u16", lambda a, b: (_i64(a) - b))
valu("v_add_nc_i16", "i16:i16,i16", lambda a, b: (_i64(a) + b))
valu("v_sub_nc_i16", "i16:i16,i16", lambda a, b: (_i64(a) - b))
valu("v_mul_lo_u16", "u16:u16,u16", lambda a, b: _u64(a) * b)
valu("v_mad_i16", "i16:i16,i16,i16", lambda a, b, c: _i64(a) * b + c)
valu("v_add_co_u32", "u32,m:u32,u32", lambda a, b: (a + b, (_u64(a) + b) >> u64(32) != 0))
valu("v_sub_co_u32", "u32,m:u32,u32", lambda a, b: (a - b, b > a))
valu("v_subrev_co_u32", "u32,m:u32,u32", lambda a, b: (b - a, a > b))
valu("v_add_co_ci_u32", "u32,m:u32,u32,m", lambda a, b, c: ((_u64(a) + b + c), (_u64(a) + b + c) >> u64(32) != 0))
valu("v_sub_co_ci_u32", "u32,m:u32,u32,m", lambda a, b, c: (_i64(a) - b - c, _i64(a) - b - c < 0))
valu("v_subrev_co_ci_u32", "u32,m:u32,u32,m", lambda a, b, c: (_i64(b) - a - c, _i64(b) - a - c < 0))
valu("v_mul_lo_u32", I, lambda a, b: _u64(a) * b)
valu("v_mul_hi_u32", I, mul_hi_u)
valu("v_mul_hi_i32", "i32:i32,i32", mul_hi_i)
valu("v_mul_u32_u24", I, lambda a, b: (_u64(a) & u64(0xFFFFFF)) * (_u64(b) & u64(0xFFFFFF)))
valu("v_mul_hi_u32_u24", I, lambda a, b: ((_u64(a) & u64(0xFFFFFF)) * (_u64(b) & u64(0xFFFFFF))) >> u64(32))
valu("v_mul_i32_i24", "i32:u32,u32", lambda a, b: sext(a, 24) * sext(b, 24))
valu("v_mul_hi_i32_i24", "i32:u32,u32", lambda a, b: (sext(a, 24) * sext(b, 24)) >> 32)
valu("v_mad_u32_u24", "u32:u32,u32,u32", lambda a, b, c: (_u64(a) & u64(0xFFFFFF)) * (_u64(b) & u64(0xFFFFFF)) + c)
valu("v_mad_i32_i24", "i32:u32,u32,i32", lambda a, b, c: sext(a, 24) * sext(b, 24) + c)
valu("v_mad_u64_u32 v_mad_co_u64_u32", "u64,m:u32,u32,u64",
     lambda a, b, c: (_u64(a) * b + c, _u64(a) * b + c < _u64(c)))
def _mad_i64(a, b, c):
  p = _i64(a) * _i64(b)     # fits: a 32x32 signed product
  s = p + _i64(c)
  return s, ((p >= 0) == (_i64(c) >= 0)) & ((s >= 0) != (p >= 0))
valu("v_mad_i64_i32 v_mad_co_i64_i32", "i64,m:i32,i32,i64", _mad_i64)
valu("v_mad_u16", "u16:u16,u16,u16", lambda a, b, c: _u64(a) * b + c)
valu("v_and_b32", I, lambda a, b: a & b)
valu("v_or_b32", I, lambda a, b: a | b)
valu("v_xor_b32", I, lambda a, b: a ^ b)
valu("v_xnor_b32", I, lambda a, b: ~(a ^ b))
valu("v_not_b32", "u32:u32", lambda a: ~a)
valu("v_and_or_b32", "u32:u32,u32,u32", lambda a, b, c: (a & b) | c)
valu("v_or3_b32", "u32:u32,u32,u32", lambda a, b, c: a | b | c)
valu("v_xor3_b32", "u32:u32,u32,u32", lambda a, b, c: a ^ b ^ c)
valu("v_add3_u32", "u32:u32,u32,u32", lambda a, b, c: _u64(a) + b + c)
valu("v_lshl_add_u32", "u32:u32,u32,u32", lambda a, b, c: (_u64(a) << (_u64(b) & u64(31))) + c)
valu("v_add_lshl_u32", "u32:u32,u32,u32", lambda a, b, c: ((_u64(a) + b) & u64(0xFFFFFFFF)) << (_u64(c) & u64(31)))
valu("v_lshl_or_b32", "u32:u32,u32,u32", lambda a, b, c: (_u64(a) << (_u64(b) & u64(31))) | c)
valu("v_xad_u32", "u32:u32,u32,u32", lambda a, b, c: _u64(a ^ b) + c)
valu("v_lshlrev_b32", I, lambda a, b: _u64(b) << (_u64(a) & u64(31)))
valu("v_lshrrev_b32", I, lambda a, b: b >> (a & u32(31)))
valu("v_ashrrev_i32", "i32:u32,i32", lambda a, b: b >> (a & u32(31)).astype(i32))
valu("v_lshlrev_b64", "u64:u32,u64", lambda a, b: b << (_u64(a) & u64(63)))
valu("v_lshrrev_b64", "u64:u32,u64", lambda a, b: b >> (_u64(a) & u64(63)))
valu("v_ashrrev_i64", "i64:u32,i64", lambda a, b: b >> (_i64(a) & 63))
valu("v_lshlrev_b16", "u16:u16,u16", lambda a, b: _u64(b) << (_u64(a) & u64(15)))
valu("v_lshrrev_b16", "u16:u16,u16", lambda a, b: b >> (a & np.uint16(15)))
valu("v_ashrrev_i16", "i16:u16,i16", lambda a, b: b >> (a & np.uint16(15)).astype(np.int16))
valu("v_bfe_u32", "u32:u32,u32,u32", bfe_u)
valu("v_bfe_i32", "i32:u32,u32,u32", bfe_i)
valu("v_bfi_b32", "u32:u32,u32,u32", lambda m, a, b: (m & a) | (~m & b))
valu("v_bfm_b32", I, lambda w, off: ((u64(1) << (_u64(w) & u64(31))) - u64(1)) << (_u64(off) & u64(31)))
valu("v_alignbit_b32", "u32:u32,u32,u32", lambda a, b, c: ((_u64(a) << u64(32) | b) >> (_u64(c) & u64(31))))
valu("v_alignbyte_b32", "u32:u32,u32,u32", lambda a, b, c: ((_u64(a) << u64(32) | b) >> (u64(8) * (_u64(c) & u64(3)))))
valu("v_perm_b32", "u32:u32,u32,u32", perm)
valu("v_bcnt_u32_b32", I, lambda a, b: popcount32(a) + b)
valu("v_mbcnt_lo_u32_b32", "u32:u32,u32,lane",
     lambda m, b, lane: popcount32(m & ((u64(1) << np.minimum(lane, 32).astype(u64)) - u64(1)).astype(u32)) + b)
valu("v_mbcnt_hi_u32_b32", "u32:u32,u32,lane",
     lambda m, b, lane: popcount32(m & ((u64(1) << np.clip(lane - 32, 0, 32).astype(u64)) - u64(1)).astype(u32)) + b)
valu("v_clz_i32_u32", "i32:u32", clz32)
valu("v_ctz_i32_b32", "i32:u32", ctz32)
# ISA: the first i in 1..31 where bit 31-i differs from the sign bit (so 0x80000000 -> 1, 1 -> 31), -1 if none:
# the leading zeros of a (or of ~a when negative), the sign bit among them
valu("v_cls_i32", "i32:u32", lambda a: np.where((a == 0) | (a == 0xFFFFFFFF), -1,
                                                 clz32(np.where(a >> u32(31), ~a, a).astype(u32))).astype(i32))
valu("v_bfrev_b32", "u32:u32", brev32)
valu("v_mov_b32", "u32:u32", lambda a: a)
valu("v_cndmask_b32", "u32:u32,u32,m", lambda a, b, m: np.where(m, b, a))
valu("v_cndmask_b16", "u16:u16,u16,m", lambda a, b, m: np.where(m, b, a))
valu("v_min_u32", I, np.minimum)
valu("v_max_u32", I, np.maximum)
valu("v_min_i32", "i32:i32,i32", np.minimum)
valu("v_max_i32", "i32:i32,i32", np.maximum)
valu("v_min_u16", "u16:u16,u16", np.minimum)
valu("v_max_u16", "u16:u16,u16", np.maximum)
valu("v_min_i16", "i16:i16,i16", np.minimum)
valu("v_max_i16", "i16:i16,i16", np.maximum)
valu("v_min3_u32", "u32:u32,u32,u32", lambda a, b, c: np.minimum(np.minimum(a, b), c))
valu("v_max3_u32", "u32:u32,u32,u32", lambda a, b, c: np.maximum(np.maximum(a, b), c))
valu("v_min3_i32", "i32:i32,i32,i32", lambda a, b, c: np.minimum(np.minimum(a, b), c))
valu("v_max3_i32", "i32:i32,i32,i32", lambda a, b, c: np.maximum(np.maximum(a, b), c))
valu("v_med3_u32", "u32:u32,u32,u32", lambda a, b, c: np.maximum(np.minimum(a, b), np.minimum(np.maximum(a, b), c)))
valu("v_med3_i32", "i32:i32,i32,i32", lambda a, b, c: np.maximum(np.minimum(a, b), np.minimum(np.maximum(a, b), c)))
valu("v_maxmin_i32", "i32:i32,i32,i32", lambda a, b, c: np.minimum(np.maximum(a, b), c))
valu("v_minmax_i32", "i32:i32,i32,i32", lambda a, b, c: np.maximum(np.minimum(a, b), c))
valu("v_maxmin_u32", "u32:u32,u32,u32", lambda a, b, c: np.minimum(np.maximum(a, b), c))
valu("v_minmax_u32", "u32:u32,u32,u32", lambda a, b, c: np.maximum(np.minimum(a, b), c))
valu("v_sad_u8", "u32:u32,u32,u32", sad_u8)
valu("v_msad_u8", "u32:u32,u32,u32", msad_u8)
valu("v_sad_hi_u8", "u32:u32,u32,u32", lambda a, b, c: ((_u64(sad_u8(a, b, 0)) << u64(16)) + c))
valu("v_sad_u16", "u32:u32,u32,u32", lambda a, b, c: (np.abs((_i64(a) & 0xFFFF) - (_i64(b) & 0xFFFF)) +
                                                       np.abs((_i64(a) >> 16) - (_i64(b) >> 16)) + c))
valu("v_sad_u32", "u32:u32,u32,u32", lambda a, b, c: np.abs(_i64(a) - _i64(b)) + c)
valu("v_lerp_u8", "u32:u32,u32,u32", lerp_u8)
def qsad_pk(a, b, c, sad):
  """v_(m)qsad_pk_u16_u8 (ISA): four (masked) SADs of b against the byte windows a[31:0], a[39:8], a[47:16],
  a[55:24], each accumulated onto a 16-bit field of c and truncated to 16 bits, packed into 64."""
  a, c = _u64(a), _u64(c)
  out = np.zeros(np.broadcast(a, b, c).shape, u64)
  for k in range(4):
    win = ((a >> u64(8 * k)) & u64(0xFFFFFFFF)).astype(u32)
    acc = ((c >> u64(16 * k)) & u64(0xFFFF)).astype(u32)
    out |= (_u64(sad(win, b, acc)) & u64(0xFFFF)) << u64(16 * k)
  return out
valu("v_qsad_pk_u16_u8", "u64:u64,u32,u64", lambda a, b, c: qsad_pk(a, b, c, sad_u8))
valu("v_mqsad_pk_u16_u8", "u64:u64,u32,u64", lambda a, b, c: qsad_pk(a, b, c, msad_u8))
for k in range(4): valu(f"v_cvt_f32_ubyte{k}", "f32:u32", lambda a, k=k: bytes_of(a, k).astype(f32))

# 32-bit compares, generated: v_cmp[x]_OP_TYPE. Float predicates read NaN as unordered.
_INT_CMP = {"f": lambda a, b: np.zeros(np.broadcast(a, b).shape, bool), "lt": np.less, "eq": np.equal,
            "le": np.less_equal, "gt": np.greater, "ne": np.not_equal, "lg": np.not_equal, "ge": np.greater_equal,
            "t": lambda a, b: np.ones(np.broadcast(a, b).shape, bool)}
_FLOAT_CMP = {"f": _INT_CMP["f"], "lt": np.less, "eq": np.equal, "le": np.less_equal, "gt": np.greater,
              "lg": lambda a, b: (a < b) | (a > b), "ge": np.greater_equal,
              "o": lambda a, b: ~np.isnan(a) & ~np.isnan(b), "u": lambda a, b: np.isnan(a) | np.isnan(b),
              "nge": lambda a, b: ~(a >= b), "nlg": lambda a, b: ~((a < b) | (a > b)), "ngt": lambda a, b: ~(a > b),
              "nle": lambda a, b: ~(a <= b), "neq": lambda a, b: ~(a == b), "nlt": lambda a, b: ~(a < b),
              "tru": _INT_CMP["t"]}
for t in ("i16", "u16", "i32", "u32", "i64", "u64"):
  for p, fn in _INT_CMP.items():
    for x in ("", "x"): valu(f"v_cmp{x}_{p}_{t}", f"m:{t},{t}", fn)
for t in ("f16", "f32", "f64"):
  for p, fn in _FLOAT_CMP.items():
    for x in ("", "x"): valu(f"v_cmp{x}_{p}_{t}", f"m:{t},{t}", fn)


def _class(x, mask):
  """v_cmp_class: bit k of the mask tests class k (signaling nan, quiet nan, -inf, -normal, -denormal, -0, +0,
  +denormal, +normal, +inf)."""
  x = np.asarray(x)
  fi = np.finfo(x.dtype)
  bits = x.view({2: np.uint16, 4: np.uint32, 8: np.uint64}[x.dtype.itemsize])
  quiet_bit = {2: 1 << 9, 4: 1 << 22, 8: 1 << 51}[x.dtype.itemsize]
  nan = np.isnan(x)
  quiet = nan & ((bits & bits.dtype.type(quiet_bit)) != 0)
  neg = np.signbit(x)
  inf, zero = np.isinf(x), x == 0
  den = ~nan & ~inf & ~zero & (np.abs(x) < fi.tiny)
  norm = ~nan & ~inf & ~zero & ~den
  classes = [nan & ~quiet, quiet, inf & neg, norm & neg, den & neg, zero & neg, zero & ~neg, den & ~neg, norm & ~neg,
             inf & ~neg]
  m = np.asarray(mask).astype(u32)
  out = np.zeros(np.broadcast(x, m).shape, bool)
  for k, c in enumerate(classes): out |= c & ((m >> u32(k)) & u32(1)).astype(bool)
  return out
for t in ("f16", "f32", "f64"):
  for x in ("", "x"): valu(f"v_cmp{x}_class_{t}", f"m:{t},u32", _class)

# ---------------------------------------------------------------------------------------------------- float

_fma32, _fma16, _fma64 = fp.fma_f32, fp.fma_f16, fp.fma_f64

for t, fma in (("f32", _fma32), ("f16", _fma16), ("f64", _fma64)):
  F1, F2, F3 = f"{t}:{t}", f"{t}:{t},{t}", f"{t}:{t},{t},{t}"
  valu(f"v_add_{t}", F2, lambda a, b: a + b)
  valu(f"v_sub_{t}", F2, lambda a, b: a - b)
  valu(f"v_subrev_{t}", F2, lambda a, b: b - a)
  valu(f"v_mul_{t}", F2, lambda a, b: a * b)
  valu(f"v_fma_{t}", F3, fma)
  valu(f"v_fmac_{t}", F3, fma)         # the accumulator is the destination, read as a third source
  valu(f"v_fmamk_{t}", f"{t}:{t},{t},K", lambda a, b, k, fma=fma: fma(a, k, b))
  valu(f"v_fmaak_{t}", f"{t}:{t},{t},K", lambda a, b, k, fma=fma: fma(a, b, k))
  # gfx11 min/max (IEEE mode) and gfx12's *_num (IEEE 754-2019 minimumNumber) differ on signalling NaNs
  valu(f"v_min_{t}", F2, fp.min_f); valu(f"v_max_{t}", F2, fp.max_f)
  valu(f"v_min3_{t}", F3, fp.min3_f); valu(f"v_max3_{t}", F3, fp.max3_f); valu(f"v_med3_{t}", F3, fp.med3_f)
  valu(f"v_maxmin_{t}", F3, lambda a, b, c: fp.min_f(fp.max_f(a, b), c))
  valu(f"v_minmax_{t}", F3, lambda a, b, c: fp.max_f(fp.min_f(a, b), c))
  valu(f"v_min_num_{t}", F2, fp.min_num); valu(f"v_max_num_{t}", F2, fp.max_num)
  valu(f"v_min3_num_{t}", F3, fp.min3_num); valu(f"v_max3_num_{t}", F3, fp.max3_num)
  valu(f"v_med3_num_{t}", F3, fp.med3_num)
  valu(f"v_maxmin_num_{t}", F3, lambda a, b, c: fp.min_num(fp.max_num(a, b), c))
  valu(f"v_minmax_num_{t}", F3, lambda a, b, c: fp.max_num(fp.min_num(a, b), c))
  valu(f"v_minimum_{t}", F2, fp.minimum); valu(f"v_maximum_{t}", F2, fp.maximum)
  valu(f"v_minimum3_{t}", F3, fp.minimum3); valu(f"v_maximum3_{t}", F3, fp.maximum3)
  for name, fn in (("ceil", np.ceil), ("floor", np.floor), ("trunc", np.trunc), ("rndne", np.rint), ("fract", fp.fract),
                   ("sqrt", np.sqrt), ("rcp", fp.rcp), ("rsq", fp.rsq), ("frexp_mant", fp.frexp_mant)):
    valu(f"v_{name}_{t}", F1, fn)
  valu(f"v_ldexp_{t}", f"{t}:{t},i32", fp.ldexp)
  valu(f"v_div_fixup_{t}", F3, fp.div_fixup)
for t in ("f32", "f16"):   # transcendentals: within the hardware's stated ULP, see emu/fp.py
  for name, fn in (("exp", fp.exp2), ("log", fp.log2), ("sin", fp.sin_rev), ("cos", fp.cos_rev)): valu(f"v_{name}_{t}", f"{t}:{t}", fn)
valu("v_rcp_iflag_f32", "f32:f32", fp.rcp)
for t in ("f32", "f16"):   # gfx12 v_s_*: the same math on an SGPR (VOP3 with an SGPR destination; f16 zero-extended, HW?)
  for name, fn in (("exp", fp.exp2), ("log", fp.log2), ("rcp", fp.rcp), ("rsq", fp.rsq), ("sqrt", np.sqrt)):
    valu(f"v_s_{name}_{t}", f"{t}:{t}", fn)
for t, it in (("f32", "i32"), ("f64", "i32"), ("f16", "i16")): valu(f"v_frexp_exp_{it}_{t}", f"{it}:{t}", fp.frexp_exp)
for t in ("f32", "f64"):
  valu(f"v_div_scale_{t}", f"{t},m:{t},{t},{t}", fp.div_scale)
  valu(f"v_div_fmas_{t}", f"{t}:{t},{t},{t},VCC", fp.div_fmas)
valu("v_trig_preop_f64", "f64:f64,u32", fp.trig_preop)

# MODE's round mode (s_round_mode, s_setreg of MODE): these f32 ops honour it, as fn(*args, mode) with the same
# sources as their entry above. Under a mode other than nearest-even any other op with a float result refuses to
# run (emu.execute), unless it is in ROUND_EXACT: results that are exact whatever the mode (selects, min/max,
# integral rounding, exact widenings).
VALU_ROUNDED = {
  "v_add_f32": lambda a, b, m: fp.add_f32(a, b, m), "v_sub_f32": lambda a, b, m: fp.add_f32(a, -b, m),
  "v_subrev_f32": lambda a, b, m: fp.add_f32(b, -a, m), "v_mul_f32": lambda a, b, m: fp.mul_f32(a, b, m),
  "v_fma_f32": lambda a, b, c, m: fp.fma_f32(a, b, c, mode=m), "v_fmac_f32": lambda a, b, c, m: fp.fma_f32(a, b, c, mode=m),
  "v_fmamk_f32": lambda a, b, k, m: fp.fma_f32(a, k, b, mode=m), "v_fmaak_f32": lambda a, b, k, m: fp.fma_f32(a, b, k, mode=m)}
SALU_ROUNDED = {n.replace("v_", "s_", 1): (lambda fn: lambda *a: (fn(*a), None))(fn) for n, fn in VALU_ROUNDED.items()
                if n in ("v_add_f32", "v_sub_f32", "v_mul_f32", "v_fmac_f32", "v_fmamk_f32", "v_fmaak_f32")}
ROUND_EXACT = ("v_min", "v_max", "v_med3", "v_minimum", "v_maximum", "v_floor", "v_ceil", "v_trunc", "v_rndne",
               "v_frexp", "v_cvt_f32_ubyte", "v_cvt_f32_f16", "v_cvt_f64_f32", "v_cvt_f32_fp8", "v_cvt_f32_bf8",
               "v_cvt_pk_f32_fp8", "v_cvt_pk_f32_bf8", "v_mov", "v_cndmask", "v_cmp", "v_div_fixup",
               "s_min", "s_max", "s_floor", "s_ceil", "s_trunc", "s_rndne", "s_cvt_f32_f16", "s_cmp", "s_cselect", "s_mov")


def _cube(x, y, z):
  """Which face of a cube map (x, y, z) points at (ISA pseudocode): z major if |z| >= |x| and |z| >= |y|, else y
  major if |y| >= |x|, else x major. HW?: the pseudocode's NaN special cases are not modelled."""
  ax, ay, az = np.abs(x), np.abs(y), np.abs(z)
  zm = (az >= ax) & (az >= ay)
  ym = ~zm & (ay >= ax)
  return zm, ym, ~zm & ~ym
def _cubeid(x, y, z):
  zm, ym, _ = _cube(x, y, z)
  f = lambda v, a, b: np.where(v < 0, f32(b), f32(a))   # noqa: E731
  return np.where(zm, f(z, 4, 5), np.where(ym, f(y, 2, 3), f(x, 0, 1))).astype(f32)
def _cubesc(x, y, z):
  zm, ym, _ = _cube(x, y, z)
  return np.where(zm, np.where(z < 0, -x, x), np.where(ym, x, np.where(x < 0, z, -z))).astype(f32)
def _cubetc(x, y, z):
  zm, ym, _ = _cube(x, y, z)
  return np.where(ym, np.where(y < 0, -z, z), -y).astype(f32)
def _cubema(x, y, z):
  zm, ym, _ = _cube(x, y, z)
  return (np.where(zm, z, np.where(ym, y, x)) * f32(2)).astype(f32)
for name, fn in (("id", _cubeid), ("sc", _cubesc), ("tc", _cubetc), ("ma", _cubema)): valu(f"v_cube{name}_f32", "f32:f32,f32,f32", fn)

# conversions
valu("v_cvt_f32_i32", "f32:i32", lambda a: a.astype(f32))     # int -> float: numpy rounds to nearest even
valu("v_cvt_f32_u32", "f32:u32", lambda a: a.astype(f32))
valu("v_cvt_f64_i32", "f64:i32", lambda a: a.astype(f64))
valu("v_cvt_f64_u32", "f64:u32", lambda a: a.astype(f64))
valu("v_cvt_i32_f32", "i32:f32", lambda a: fp.cvt_int(a, np.int32))
valu("v_cvt_u32_f32", "u32:f32", lambda a: fp.cvt_int(a, np.uint32))
valu("v_cvt_i32_f64", "i32:f64", lambda a: fp.cvt_int(a, np.int32))
valu("v_cvt_u32_f64", "u32:f64", lambda a: fp.cvt_int(a, np.uint32))
valu("v_cvt_u16_f16", "u16:f16", lambda a: fp.cvt_int(a, np.uint16))
valu("v_cvt_i16_f16", "i16:f16", lambda a: fp.cvt_int(a, np.int16))
valu("v_cvt_f16_u16", "f16:u16", lambda a: a.astype(f16))
valu("v_cvt_f16_i16", "f16:i16", lambda a: a.astype(f16))
valu("v_cvt_f32_f16", "f32:f16", lambda a: a.astype(f32))
valu("v_cvt_f16_f32", "f16:f32", lambda a: a.astype(f16))       # round to nearest even, as numpy does
valu("v_cvt_f32_f64", "f32:f64", lambda a: a.astype(f32))
valu("v_cvt_f64_f32", "f64:f32", lambda a: a.astype(f64))
valu("v_cvt_rpi_i32_f32", "i32:f32", lambda a: fp.cvt_int(np.floor(a + f32(0.5)), np.int32))
valu("v_cvt_flr_i32_f32", "i32:f32", lambda a: fp.cvt_int(np.floor(a), np.int32))
valu("v_cvt_pk_rtz_f16_f32", "u32:f32,f32", lambda a, b: _pack16(fp.f32_to_f16(a, "rtz"), fp.f32_to_f16(b, "rtz")))
valu("v_pack_b32_f16", "u32:f16,f16", lambda a, b: _pack16(a, b))
valu("v_cvt_pk_i16_i32", "u32:i32,i32", lambda a, b: _pack16(np.clip(a, -32768, 32767).astype(np.int16),
                                                             np.clip(b, -32768, 32767).astype(np.int16)))
valu("v_cvt_pk_u16_u32", "u32:u32,u32", lambda a, b: _pack16(np.minimum(a, 65535).astype(np.uint16),
                                                             np.minimum(b, 65535).astype(np.uint16)))
valu("v_cvt_pk_norm_i16_f32", "u32:f32,f32", lambda a, b: _pack16(_norm16(a, True), _norm16(b, True)))
valu("v_cvt_pk_norm_u16_f32", "u32:f32,f32", lambda a, b: _pack16(_norm16(a, False), _norm16(b, False)))
valu("v_cvt_pk_u8_f32", "u32:f32,u32,u32", lambda a, sel, old: _pk_u8(a, sel, old))


def _dot2_f16(a, b, c, out):
  """v_dot2acc_f32_f16 (VOP2, the destination is the accumulator) and v_dot2_f16_f16 (VOP3; op_sel picks c's and
  the destination's half): a.lo * b.lo + a.hi * b.hi + c, exact in float64 and rounded once to the result type.
  HW?: one rounding, as v_dot2_f32_f16 is modelled in emu.execute."""
  h = lambda x, k: ((np.asarray(x).astype(u32) >> u32(16 * k)) & u32(0xFFFF)).astype(np.uint16).view(f16).astype(f64)  # noqa: E731
  with np.errstate(all="ignore"): return (h(a, 0) * h(b, 0) + h(a, 1) * h(b, 1) + np.asarray(c).astype(f64)).astype(out)
valu("v_dot2acc_f32_f16 v_dot2c_f32_f16", "f32:u32,u32,f32", lambda a, b, c: _dot2_f16(a, b, c, f32))
valu("v_dot2_f16_f16", "f16:u32,u32,f16", lambda a, b, c: _dot2_f16(a, b, c, f16))
# gfx12 OCP fp8 / bf8 (emu/fp.py). LLVM encodes the selects in VOP3 op_sel: v_cvt_f32_fp8's byte_sel is
# op_sel[0] (bit 1) and op_sel[1] (bit 0); v_cvt_pk_f32_fp8's op_sel[0] picks the high word; v_cvt_pk_fp8_f32's
# op_sel[3] writes the high word; v_cvt_sr_fp8_f32's byte_sel is op_sel[3:2]. The pk/sr forms keep the rest of
# the destination (read here as the source after the real ones).
_fp8_byte_sel = lambda s: (s & 1) << 1 | (s >> 1 & 1)   # noqa: E731
for _k, _bf in (("fp8", False), ("bf8", True)):
  valu(f"v_cvt_f32_{_k}", "f32:u32,opsel", lambda a, s, bf=_bf: fp.fp8_to_f32(a >> u32(8 * _fp8_byte_sel(s)), bf))
  valu(f"v_cvt_pk_f32_{_k}", "u64:u32,opsel", lambda a, s, bf=_bf: _pk_f32_fp8(a >> u32(16 * (s & 1)), bf))
  valu(f"v_cvt_pk_{_k}_f32", "u32:f32,f32,u32,opsel",
       lambda a, b, old, s, bf=_bf: _put_bits(old, fp.f32_to_fp8(a, bf) | fp.f32_to_fp8(b, bf) << 8, 16 * (s >> 3 & 1), 16))
  valu(f"v_cvt_sr_{_k}_f32", "u32:f32,u32,u32,opsel",
       lambda a, seed, old, s, bf=_bf: _put_bits(old, fp.f32_to_fp8(a, bf, seed), 8 * (s >> 2 & 3), 8))


def _pack16(lo, hi):
  lo, hi = np.asarray(lo), np.asarray(hi)
  return lo.view(np.uint16).astype(u32) | hi.view(np.uint16).astype(u32) << u32(16)


def _norm16(x, signed: bool):
  x = np.nan_to_num(np.asarray(x, f32), nan=0.0)
  if signed: return np.rint(np.clip(x, -1, 1) * f32(32767)).astype(np.int16)
  return np.rint(np.clip(x, 0, 1) * f32(65535)).astype(np.uint16)


def _pk_u8(a, sel, old):
  byte = fp.cvt_int(np.rint(a), np.uint8).astype(u32)
  shift = u32(8) * (np.asarray(sel, u32) & u32(3))
  return (old & ~(u32(0xFF) << shift)) | (byte << shift)


def _put_bits(old, val, shift: int, width: int):
  """old with `width` bits at `shift` replaced by val (the kept part of a pk/sr fp8 destination)."""
  m = u64((1 << width) - 1) << u64(shift)
  return ((_u64(old) & ~m) | ((_u64(val) << u64(shift)) & m)).astype(u32)


def _pk_f32_fp8(word, bf8: bool):
  lo, hi = fp.fp8_to_f32(word, bf8), fp.fp8_to_f32(word >> u32(8), bf8)
  return _u64(lo.view(u32)) | _u64(hi.view(u32)) << u64(32)

# ---------------------------------------------------------------------------------------------------- scalar

S2, S1 = "u32:u32,u32", "u32:u32"
NZ = lambda r: r != 0   # noqa: E731
salu("s_mov_b32", "u32:u32", lambda a: (a, None))
salu("s_mov_b64", "u64:u64", lambda a: (a, None))
salu("s_cmov_b32", "u32:u32,u32,scc", lambda a, old, scc: (np.where(scc, a, old), None))
salu("s_not_b32", S1, lambda a: (~a, ~a != 0))
salu("s_not_b64", "u64:u64", lambda a: (~a, ~a != 0))
salu("s_brev_b32", S1, lambda a: (brev32(a), None))
salu("s_brev_b64", "u64:u64", lambda a: (brev64(a), None))
salu("s_bcnt1_i32_b32", S1, lambda a: (popcount32(a), popcount32(a) != 0))
salu("s_bcnt1_i32_b64", "u32:u64", lambda a: (popcount64(a), popcount64(a) != 0))
salu("s_bcnt0_i32_b32", S1, lambda a: (32 - popcount32(a), 32 - popcount32(a) != 0))
salu("s_ff1_i32_b32 s_ctz_i32_b32", "i32:u32", lambda a: (ctz32(a), None))
salu("s_ff1_i32_b64 s_ctz_i32_b64", "i32:u64", lambda a: (ctz64(a), None))
salu("s_flbit_i32_b32 s_clz_i32_u32", "i32:u32", lambda a: (clz32(a), None))
salu("s_flbit_i32_b64 s_clz_i32_u64", "i32:u64", lambda a: (clz64(a), None))
salu("s_sext_i32_i8", "i32:u32", lambda a: (sext(a, 8), None))
salu("s_sext_i32_i16", "i32:u32", lambda a: (sext(a, 16), None))
salu("s_abs_i32", "i32:i32", lambda a: (np.abs(_i64(a)), np.abs(_i64(a)) != 0))
salu("s_bitset0_b32", "u32:u32,OLD", lambda a, old: (old & ~(u32(1) << (a & u32(31))), None))
salu("s_bitset1_b32", "u32:u32,OLD", lambda a, old: (old | (u32(1) << (a & u32(31))), None))
salu("s_add_u32 s_add_co_u32", S2, lambda a, b: (_u64(a) + b, (_u64(a) + b) >> u64(32) != 0))
salu("s_sub_u32 s_sub_co_u32", S2, lambda a, b: (a - b, b > a))
salu("s_addc_u32 s_add_co_ci_u32", "u32:u32,u32,scc", lambda a, b, c: (_u64(a) + b + c, (_u64(a) + b + c) >> u64(32) != 0))
salu("s_subb_u32 s_sub_co_ci_u32", "u32:u32,u32,scc", lambda a, b, c: (_i64(a) - b - c, _i64(a) - b - c < 0))
salu("s_add_i32 s_add_co_i32", "i32:i32,i32", lambda a, b: (_i64(a) + b, (_i64(a) + b != sat_i32(_i64(a) + b))))
salu("s_sub_i32 s_sub_co_i32", "i32:i32,i32", lambda a, b: (_i64(a) - b, (_i64(a) - b != sat_i32(_i64(a) - b))))
salu("s_add_nc_u64", "u64:u64,u64", lambda a, b: (a + b, None))
salu("s_sub_nc_u64", "u64:u64,u64", lambda a, b: (a - b, None))
salu("s_mul_u64", "u64:u64,u64", lambda a, b: (a * b, None))
salu("s_min_i32", "i32:i32,i32", lambda a, b: (np.minimum(a, b), a < b))
salu("s_min_u32", S2, lambda a, b: (np.minimum(a, b), a < b))
salu("s_max_i32", "i32:i32,i32", lambda a, b: (np.maximum(a, b), a > b))
salu("s_max_u32", S2, lambda a, b: (np.maximum(a, b), a > b))
salu("s_cselect_b32", "u32:u32,u32,scc", lambda a, b, c: (np.where(c, a, b), None))
salu("s_cselect_b64", "u64:u64,u64,scc", lambda a, b, c: (np.where(c, a, b), None))
for w, t in ((32, "u32"), (64, "u64")):
  T2 = f"{t}:{t},{t}"
  salu(f"s_and_b{w}", T2, lambda a, b: (a & b, (a & b) != 0))
  salu(f"s_or_b{w}", T2, lambda a, b: (a | b, (a | b) != 0))
  salu(f"s_xor_b{w}", T2, lambda a, b: (a ^ b, (a ^ b) != 0))
  salu(f"s_andn2_b{w} s_and_not1_b{w}", T2, lambda a, b: (a & ~b, (a & ~b) != 0))
  salu(f"s_orn2_b{w} s_or_not1_b{w}", T2, lambda a, b: (a | ~b, (a | ~b) != 0))
  salu(f"s_nand_b{w}", T2, lambda a, b: (~(a & b), ~(a & b) != 0))
  salu(f"s_nor_b{w}", T2, lambda a, b: (~(a | b), ~(a | b) != 0))
  salu(f"s_xnor_b{w}", T2, lambda a, b: (~(a ^ b), ~(a ^ b) != 0))
salu("s_lshl_b32", S2, lambda a, b: (_u64(a) << (_u64(b) & u64(31)) & u64(0xFFFFFFFF), (_u64(a) << (_u64(b) & u64(31)) & u64(0xFFFFFFFF)) != 0))
salu("s_lshr_b32", S2, lambda a, b: (a >> (b & u32(31)), (a >> (b & u32(31))) != 0))
salu("s_ashr_i32", "i32:i32,u32", lambda a, b: (a >> (b & u32(31)).astype(i32), (a >> (b & u32(31)).astype(i32)) != 0))
salu("s_lshl_b64", "u64:u64,u32", lambda a, b: (a << (_u64(b) & u64(63)), (a << (_u64(b) & u64(63))) != 0))
salu("s_lshr_b64", "u64:u64,u32", lambda a, b: (a >> (_u64(b) & u64(63)), (a >> (_u64(b) & u64(63))) != 0))
salu("s_ashr_i64", "i64:i64,u32", lambda a, b: (a >> (_i64(b) & 63), (a >> (_i64(b) & 63)) != 0))
for k in (1, 2, 3, 4):
  salu(f"s_lshl{k}_add_u32", S2, lambda a, b, k=k: ((_u64(a) << u64(k)) + b, ((_u64(a) << u64(k)) + b) >> u64(32) != 0))
salu("s_mul_i32", "i32:i32,i32", lambda a, b: (_i64(a) * b, None))
salu("s_mul_hi_u32", S2, lambda a, b: (mul_hi_u(a, b), None))
salu("s_mul_hi_i32", "i32:i32,i32", lambda a, b: (mul_hi_i(a, b), None))
salu("s_bfm_b32", S2, lambda w, off: (((u64(1) << (_u64(w) & u64(31))) - u64(1)) << (_u64(off) & u64(31)), None))
salu("s_bfe_u32", S2, lambda a, b: (bfe_u(a, b & u32(31), (b >> u32(16)) & u32(0x7F)),
                                     bfe_u(a, b & u32(31), (b >> u32(16)) & u32(0x7F)) != 0))
salu("s_bfe_i32", "i32:u32,u32", lambda a, b: (bfe_i(a, b & u32(31), (b >> u32(16)) & u32(0x7F)),
                                               bfe_i(a, b & u32(31), (b >> u32(16)) & u32(0x7F)) != 0))
salu("s_absdiff_i32", "i32:i32,i32", lambda a, b: (np.abs(_i64(a) - b), np.abs(_i64(a) - b) != 0))
salu("s_pack_ll_b32_b16", S2, lambda a, b: ((a & u32(0xFFFF)) | (b << u32(16)), None))
salu("s_pack_lh_b32_b16", S2, lambda a, b: ((a & u32(0xFFFF)) | (b & u32(0xFFFF0000)), None))
salu("s_pack_hh_b32_b16", S2, lambda a, b: ((a >> u32(16)) | (b & u32(0xFFFF0000)), None))
salu("s_pack_hl_b32_b16", S2, lambda a, b: ((a >> u32(16)) | (b << u32(16)), None))
# scalar float (gfx12)
salu("s_add_f32", "f32:f32,f32", lambda a, b: (a + b, None))
salu("s_sub_f32", "f32:f32,f32", lambda a, b: (a - b, None))
salu("s_mul_f32", "f32:f32,f32", lambda a, b: (a * b, None))
salu("s_fmac_f32", "f32:f32,f32,OLDF", lambda a, b, c: (_fma32(a, b, c), None))
salu("s_fmaak_f32", "f32:f32,f32,K", lambda a, b, k: (_fma32(a, b, k), None))
salu("s_fmamk_f32", "f32:f32,f32,K", lambda a, b, k: (_fma32(a, k, b), None))
salu("s_min_num_f32", "f32:f32,f32", lambda a, b: (fp.min_f(a, b), None))
salu("s_max_num_f32", "f32:f32,f32", lambda a, b: (fp.max_f(a, b), None))
salu("s_ceil_f32", "f32:f32", lambda a: (np.ceil(a), None))
salu("s_floor_f32", "f32:f32", lambda a: (np.floor(a), None))
salu("s_trunc_f32", "f32:f32", lambda a: (np.trunc(a), None))
salu("s_rndne_f32", "f32:f32", lambda a: (np.rint(a), None))
salu("s_cvt_f32_i32", "f32:i32", lambda a: (a.astype(f32), None))
salu("s_cvt_f32_u32", "f32:u32", lambda a: (a.astype(f32), None))
salu("s_cvt_i32_f32", "i32:f32", lambda a: (fp.cvt_int(a, np.int32), None))
salu("s_cvt_u32_f32", "u32:f32", lambda a: (fp.cvt_int(a, np.uint32), None))
salu("s_cvt_f16_f32", "f16:f32", lambda a: (a.astype(f16), None))
salu("s_cvt_f32_f16", "f32:f16", lambda a: (a.astype(f32), None))
for t in ("f16",):
  salu(f"s_add_{t}", f"{t}:{t},{t}", lambda a, b: (a + b, None))
  salu(f"s_sub_{t}", f"{t}:{t},{t}", lambda a, b: (a - b, None))
  salu(f"s_mul_{t}", f"{t}:{t},{t}", lambda a, b: (a * b, None))
  salu(f"s_fmac_{t}", f"{t}:{t},{t},OLDF", lambda a, b, c: (_fma16(a, b, c), None))
  salu(f"s_ceil_{t}", f"{t}:{t}", lambda a: (np.ceil(a), None))
  salu(f"s_floor_{t}", f"{t}:{t}", lambda a: (np.floor(a), None))
  salu(f"s_trunc_{t}", f"{t}:{t}", lambda a: (np.trunc(a), None))
  salu(f"s_rndne_{t}", f"{t}:{t}", lambda a: (np.rint(a), None))

# compares set scc only
SCMP = {"eq": np.equal, "lg": np.not_equal, "gt": np.greater, "ge": np.greater_equal, "lt": np.less, "le": np.less_equal}
for p, fn in SCMP.items():
  for t in ("i32", "u32"): salu(f"s_cmp_{p}_{t}", f":{t},{t}", lambda a, b, fn=fn: (None, fn(a, b)))
  for t in ("u64",): salu(f"s_cmp_{p}_{t}", f":{t},{t}", lambda a, b, fn=fn: (None, fn(a, b)))
for t in ("f16", "f32"):
  for p, fn in _FLOAT_CMP.items(): salu(f"s_cmp_{p}_{t}", f":{t},{t}", lambda a, b, fn=fn: (None, fn(a, b)))
salu("s_bitcmp0_b32", ":u32,u32", lambda a, b: (None, (a >> (b & u32(31))) & u32(1) == 0))
salu("s_bitcmp1_b32", ":u32,u32", lambda a, b: (None, (a >> (b & u32(31))) & u32(1) == 1))
salu("s_bitcmp0_b64", ":u64,u32", lambda a, b: (None, (a >> (_u64(b) & u64(63))) & u64(1) == 0))
salu("s_bitcmp1_b64", ":u64,u32", lambda a, b: (None, (a >> (_u64(b) & u64(63))) & u64(1) == 1))
