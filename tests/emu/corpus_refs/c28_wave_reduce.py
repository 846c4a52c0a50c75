"""tests/corpus/28_wave_reduce.cl

One wave. DPP(v, ctrl) is update_dpp(old 0, v, ctrl, all rows, all banks, bound_ctrl): each lane takes v from the
lane the control names, and 0 where that lane is outside the row (row_shr / row_shl past the row's edge); DPP8
picks any lane of the lane's group of 8. Rows are 16 lanes, so wave32 and wave64 read alike. LLVM may fold a DPP
move into the op using it (v_add_nc_u32_dpp ... bound_ctrl:1): the value is the same. Integers stay small (no
signed overflow; the long lanes are non-negative, so `(long)hi32 << 32` never shifts a negative value). Floats are
nonzero and NaN-free; the float sums are the source's, each operation rounded once (the products are separate
statements, so nothing is contracted).
"""
import numpy as np
from tests.emu.corpus_refs import Case, s32, u32

f32 = np.float32


def _src(ctrl: int, n: int):
  """DPP16 control -> (source lane, valid) per lane."""
  lane = np.arange(n)
  row, pos = lane & ~15, lane & 15
  ok = np.ones(n, bool)
  if ctrl <= 0xFF: src = (lane & ~3) + np.array([(ctrl >> 2 * k) & 3 for k in range(4)])[lane & 3]   # quad_perm
  elif 0x101 <= ctrl <= 0x10F: p = pos + (ctrl & 15); ok = p <= 15; src = row + np.minimum(p, 15)       # row_shl
  elif 0x111 <= ctrl <= 0x11F: p = pos - (ctrl & 15); ok = p >= 0; src = row + np.maximum(p, 0)          # row_shr
  elif 0x121 <= ctrl <= 0x12F: src = row + ((pos - (ctrl & 15)) & 15)                                     # row_ror
  elif ctrl == 0x140: src = row + 15 - pos                                                                # row_mirror
  elif ctrl == 0x141: src = row + (pos & 8) + 7 - (pos & 7)                                               # row_half_mirror
  elif 0x150 <= ctrl <= 0x15F: src = row + (ctrl & 15)                                                    # row_share
  elif 0x160 <= ctrl <= 0x16F: src = row + (pos ^ (ctrl & 15))                                            # row_xmask
  else: raise ValueError(hex(ctrl))
  return src, ok


def dpp(v, ctrl):
  src, ok = _src(ctrl, len(v))
  return np.where(ok, v[src], v.dtype.type(0))


def dpp8(v, sel):
  lane = np.arange(len(v))
  return v[(lane & ~7) + np.array([(sel >> 3 * k) & 7 for k in range(8)])[lane & 7]]


def fdpp(v, ctrl): return dpp(v.view(np.uint32), ctrl).view(f32)


def _fmax(a, b): return np.where(a < b, b, a)     # no NaN, no zeros compared with zeros of the other sign
def _fmin(a, b): return np.where(b < a, b, a)


def reduce_ops(rng, lanes):
  n = lanes
  inp = rng.integers(-1000, 1000, 128).astype(np.int32)
  inp[64:128] = rng.integers(0, 2**31, 64)                 # u: unsigned min, large values
  fin = (rng.standard_normal(128) * 8).astype(f32)
  fin = np.where(np.abs(fin) < 1e-3, f32(1.5), fin).astype(f32)
  x = inp[:n].astype(np.int64)
  u = inp[64:64 + n].astype(np.int64)
  f, g = fin[:n].copy(), fin[64:64 + n].copy()
  for s in (0x111, 0x112, 0x114, 0x118):
    x = x + dpp(x, s)
    u = np.minimum(u, dpp(u, s))
    f = (f + fdpp(f, s)).astype(f32)
    g = _fmax(g, fdpp(g, s))
  a = x & dpp(x, 0xb1); o = x | dpp(x, 0x4e); e = x ^ dpp(x, 0x1b)
  m = np.maximum(x, dpp(x, 0x141))
  sub = x - dpp(x, 0x101)
  mul = (f * fdpp(f, 0x140)).astype(f32)
  fmn = _fmin(f, fdpp(g, 0x128))
  fs = (g - fdpp(f, 0x121)).astype(f32)
  nb = x + dpp(x, 0x152) + dpp(x, 0x163)
  wv = dpp8(x, 0x00fac688) + dpp8(sub, 0)
  fs = (fs + dpp8(mul.view(np.uint32), 0x00688fac).view(f32)).astype(f32)
  io = s32(x + a + o + e + m + sub + nb + wv)
  fo = ((((f + g).astype(f32) + mul).astype(f32) + fmn).astype(f32) + fs).astype(f32)
  args = (np.zeros(n, np.int32), np.zeros(n, np.uint32), np.zeros(n, f32), inp, fin)
  return Case(1, n, args, {0: io, 1: u32(u), 2: fo})


def reduce_wide(rng, lanes):
  n = lanes
  inp = rng.integers(0, 2**50, 64, dtype=np.int64)
  din = rng.standard_normal(64) * 1e3
  din = np.where(np.abs(din) < 1e-3, 2.5, din)
  x, d = inp[:n].copy(), din[:n].copy()
  for _ in range(4):
    x = x + dpp(x, 0x111)                                   # both halves shifted alike: the long shifted
    d = _fmax(d, dpp(d.view(np.uint64), 0x112).view(np.float64))
  return Case(1, n, (np.zeros(n, np.int64), np.zeros(n, np.float64), inp, din), {0: x, 1: d})
