"""Run one decoded instruction on a group of waves: operands in, modifiers applied, semantics from emu.alu, results
written under exec. Control flow returns each wave's next pc."""
from __future__ import annotations
import numpy as np
from emu.alu import VALU, SALU, DTYPE, BITS
from emu.program import Op, Src, Dst
from emu.wave import Group, VCC, EXEC, M0, NULL, constant


class EmuError(RuntimeError):
  """Bad input met while running: names the wave, the pc and the instruction."""


class Unsupported(EmuError): pass

# ---------------------------------------------------------------------------------------------------- types

def typed(raw, t: str, hi: bool = False):
  """Raw register bits (uint32 or uint64 arrays or scalars) -> numpy values of ISA type t."""
  dt = DTYPE[t]
  bits = BITS[t]
  if bits == 16:
    x = np.asarray(raw)
    x = (x >> x.dtype.type(16)) if hi else x
    return (x & x.dtype.type(0xFFFF)).astype(np.uint16).view(dt)
  if bits == 64: return np.asarray(raw).astype(np.uint64).view(dt)
  if bits == 8: return (np.asarray(raw) & 0xFF).astype(np.uint8)
  return np.asarray(raw).astype(np.uint32, copy=False).view(dt)


def raw_bits(val, t: str, clamp: bool = False):
  """Values of ISA type t -> raw bits (uint32, or uint64 for 64-bit types), wrapping integers unless clamped."""
  dt = np.dtype(DTYPE[t])
  v = np.asarray(val)
  if dt.kind == "f":
    v = v.astype(dt)
    if clamp: v = np.where(np.isnan(v), dt.type(0), np.clip(v, 0, 1)).astype(dt)
  elif v.dtype != dt:
    if v.dtype.kind == "f": v = v.astype(np.int64)
    if clamp and v.dtype.kind in "iu":
      info = np.iinfo(dt)
      v = np.clip(v.astype(np.float64) if v.dtype == np.uint64 else v, info.min, info.max)
    v = v.astype(np.int64 if v.dtype.kind == "i" else v.dtype).astype(dt) if dt.itemsize < 8 else v.astype(dt)
  elif clamp and dt.kind in "iu": pass
  u = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}[dt.itemsize]
  out = v.view(u)
  return out.astype(np.uint32) if dt.itemsize < 4 else out

# ---------------------------------------------------------------------------------------------------- DPP

def dpp_lanes(ctrl_word: int, kind: int, lanes: int) -> tuple[np.ndarray, np.ndarray, bool]:
  """Which lane each lane reads its src0 from, whether that lane exists (else bound_ctrl decides), and bound_ctrl."""
  lane = np.arange(lanes)
  if kind in (233, 234):                      # DPP8: any of the 8 lanes of the lane's group of 8
    sel = [(ctrl_word >> (8 + 3 * k)) & 7 for k in range(8)]
    return (lane & ~7) + np.array(sel)[lane & 7], np.ones(lanes, bool), False
  ctrl = (ctrl_word >> 8) & 0x1FF
  bound = bool(ctrl_word >> 19 & 1)
  row, pos = lane & ~15, lane & 15
  src, ok = lane.copy(), np.ones(lanes, bool)
  if ctrl <= 0xFF: src = (lane & ~3) + np.array([(ctrl >> (2 * k)) & 3 for k in range(4)])[lane & 3]
  elif 0x101 <= ctrl <= 0x10F: p = pos + (ctrl & 15); ok = p < 16; src = row + p     # row_shl: read the lane above
  elif 0x111 <= ctrl <= 0x11F: p = pos - (ctrl & 15); ok = p >= 0; src = row + p
  elif 0x121 <= ctrl <= 0x12F: src = row + ((pos - (ctrl & 15)) & 15)
  elif ctrl == 0x140: src = row + 15 - pos
  elif ctrl == 0x141: src = row + (pos & 8) + 7 - (pos & 7)
  elif 0x150 <= ctrl <= 0x15F: src = row + (ctrl & 15)                                 # row_share
  elif 0x160 <= ctrl <= 0x16F: src = row + (pos ^ (ctrl & 15))                         # row_xmask
  else: raise Unsupported(f"DPP control {ctrl:#x}")
  return np.clip(src, 0, lanes - 1), ok, bound


def dpp_write_mask(ctrl_word: int, lanes: int) -> np.ndarray:
  lane = np.arange(lanes)
  row_mask, bank_mask = (ctrl_word >> 28) & 15, (ctrl_word >> 24) & 15
  return ((row_mask >> ((lane >> 4) & 3)) & 1).astype(bool) & ((bank_mask >> ((lane >> 2) & 3)) & 1).astype(bool)

# ---------------------------------------------------------------------------------------------------- VALU

def _mask_src(G: Group, s: Src) -> np.ndarray:
  if s.val < 128 or s.val in (VCC, EXEC): return G.read_mask(s.val)
  c = constant(s.val, 1, "b32", G.literal) if s.val != 255 else G.literal
  bits = np.array([c & 0xFFFFFFFF, c >> 32 & 0xFFFFFFFF if s.width == 2 else 0], np.uint32)[: G.w.lanes // 32]
  return np.broadcast_to(G.w.mask_lanes(bits[None]), G.exec.shape)


def valu_compute(op: Op, G: Group):
  """Read and compute; returns [(Dst or 'exec', type, value)] to write once every half of a VOPD has read."""
  try: dts, sts, fn = VALU[op.name]
  except KeyError: raise Unsupported(f"no semantics for {op.name}") from None
  f, vop3 = op.f, op.enc in ("VOP3", "VOP3P")
  srcs = list(op.srcs)
  args, k = [], 0
  dpp_ok = None
  for t in sts:
    if t == "lane": args.append(np.arange(G.w.lanes, dtype=np.int64)[None]); continue
    if t == "K": args.append(typed(np.uint32(op.literal), dts[0] if dts[0] != "m" else "f32")); continue
    if t == "VCC": args.append(G.read_mask(VCC)); continue
    if t == "m":
      args.append(_mask_src(G, srcs[k]) if k < len(srcs) else G.read_mask(VCC)); k += 1; continue
    if k < len(srcs):
      s = srcs[k]
      raw = G.read(s)
      if k == 0 and op.dpp is not None:
        src_lane, ok, bound = dpp_lanes(op.dpp[1], op.dpp[0], G.w.lanes)
        raw = np.asarray(raw)[:, src_lane]
        if not ok.all():
          if bound: raw = np.where(ok, raw, raw.dtype.type(0))
          else: dpp_ok = ok
      hi = s.hi or (vop3 and bool(f.get("opsel", 0) >> k & 1) and BITS[t] == 16)
      v = typed(raw, t, hi)
    else:                                      # fmac: the destination is the accumulator
      d = op.dsts[0]
      v = typed(G.vgpr(d.reg, d.width), t, d.hi)
    if DTYPE[t] in (np.float16, np.float32, np.float64):
      absb, negb = (f.get("abs", 0), f.get("neg", 0)) if op.enc == "VOP3" else (0, 0)
      if op.dpp is not None and op.dpp[0] == 250 and k < 2:
        absb |= (op.dpp[1] >> (21 + 2 * k) & 1) << k; negb |= (op.dpp[1] >> (20 + 2 * k) & 1) << k
      if absb >> k & 1: v = np.abs(v)
      if negb >> k & 1: v = -v
    args.append(v); k += 1
  out = fn(*args)
  if not isinstance(out, tuple): out = (out,)
  writes = []
  dsts = list(op.dsts)
  for t, val in zip(dts, out):
    if t == "m" and op.name.startswith("v_cmpx"): writes.append(("exec", t, val)); continue
    if not dsts: break
    d = dsts.pop(0)
    writes.append((d, t, val))
  return writes, dpp_ok


def valu_write(op: Op, G: Group, writes, dpp_ok=None):
  f = op.f
  clamp = bool(f.get("clamp", 0)) and op.enc in ("VOP3", "VOP3P")
  omod = f.get("omod", 0) if op.enc == "VOP3" else 0
  mask = G.exec if dpp_ok is None else G.exec & dpp_ok
  if op.dpp is not None and op.dpp[0] == 250: mask = mask & dpp_write_mask(op.dpp[1], G.w.lanes)
  for d, t, val in writes:
    if d == "exec": G.write_mask(EXEC, np.asarray(val, bool)); continue
    if t == "m":
      G.write_mask(d.reg if d.kind != "vcc" else VCC, np.broadcast_to(np.asarray(val, bool), G.exec.shape)); continue
    if omod and DTYPE[t] in (np.float16, np.float32, np.float64):
      val = np.asarray(val) * DTYPE[t]((2.0, 4.0, 0.5)[omod - 1])
    raw = raw_bits(val, t, clamp)
    if d.kind == "s":           # v_readlane / v_readfirstlane / VOP3 compares into an SGPR
      G.write_sgpr(d.reg, raw if raw.ndim <= 1 else raw[:, 0], d.width); continue
    if BITS[t] == 16:           # a half: the other half of the register is kept
      hi = d.hi or (op.enc == "VOP3" and bool(f.get("opsel", 0) >> 3 & 1))
      old = G.vgpr(d.reg)
      raw = raw.astype(np.uint32)
      raw = (old & np.uint32(0xFFFF)) | (raw << np.uint32(16)) if hi else (old & np.uint32(0xFFFF0000)) | raw
    G.write_vgpr(d.reg, raw, d.width, mask)


def run_valu(op: Op, G: Group):
  if op.pair is not None:                    # VOPD: both halves read before either writes
    done = [valu_compute(h, G) for h in op.pair]
    for h, (w, ok) in zip(op.pair, done): valu_write(h, G, w, ok)
    return
  special = LANE_OPS.get(op.name)
  if special is not None: return special(op, G)
  if op.enc == "VOP3P": return run_vop3p(op, G)
  w, ok = valu_compute(op, G)
  valu_write(op, G, w, ok)

# ---------------------------------------------------------------------------------------------------- cross-lane

def _first_lane(G: Group) -> np.ndarray:
  e = G.exec
  return np.where(e.any(1), e.argmax(1), 0)


def _readfirstlane(op, G):
  v = G.read(op.srcs[0])
  v = np.broadcast_to(v, G.exec.shape)
  G.write_sgpr(op.dsts[0].reg, v[np.arange(G.g), _first_lane(G)])


def _readlane(op, G):
  v = np.broadcast_to(G.read(op.srcs[0]), G.exec.shape)
  lane = G.read(op.srcs[1], scalar=True)
  lane = np.broadcast_to(np.asarray(lane).astype(np.int64) & (G.w.lanes - 1), (G.g,))
  G.write_sgpr(op.dsts[0].reg, v[np.arange(G.g), lane])


def _writelane(op, G):
  val = np.broadcast_to(G.read(op.srcs[0], scalar=True), (G.g,))
  lane = np.broadcast_to(np.asarray(G.read(op.srcs[1], scalar=True)).astype(np.int64) & (G.w.lanes - 1), (G.g,))
  m = np.zeros(G.exec.shape, bool)
  m[np.arange(G.g), lane] = True                # writes its lane whatever exec says
  G.write_vgpr(op.dsts[0].reg, np.broadcast_to(val[:, None], m.shape), 1, m)


def _movrel(op, G, src_rel: bool):
  m0 = G.w.S[G.idx, M0].astype(np.int64)
  if len(set(m0.tolist())) > 1: raise Unsupported("v_movrel with different m0 in waves run together")
  off = int(m0[0]) if G.g else 0
  s, d = op.srcs[0], op.dsts[0]
  s2 = Src(s.val + off, s.width, s.rule) if src_rel and s.val >= 256 else s
  d2 = Dst(d.kind, d.reg + (0 if src_rel else off), d.width)
  G.write_vgpr(d2.reg, G.read(s2))


def _permlane(op, G, cross: bool):
  """v_permlane16 / v_permlanex16: each lane picks a lane of its (or, x16, the other) row of 16 by a nibble of
  the two selector SGPRs."""
  v = np.broadcast_to(G.read(op.srcs[0]), G.exec.shape)
  s1 = np.broadcast_to(G.read(op.srcs[1], scalar=True), (G.g,)).astype(np.uint64)
  s2 = np.broadcast_to(G.read(op.srcs[2], scalar=True), (G.g,)).astype(np.uint64)
  sel = s1 | s2 << np.uint64(32)
  lane = np.arange(G.w.lanes)
  nib = ((sel[:, None] >> (np.uint64(4) * (lane & 15).astype(np.uint64))) & np.uint64(15)).astype(np.int64)
  row = lane & ~15
  src_row = (row ^ 16) if cross else row
  G.write_vgpr(op.dsts[0].reg, np.take_along_axis(v, src_row + nib, 1))


def _permlane64(op, G):
  v = np.broadcast_to(G.read(op.srcs[0]), G.exec.shape)
  if G.w.lanes == 64: v = np.concatenate([v[:, 32:], v[:, :32]], 1)
  G.write_vgpr(op.dsts[0].reg, v)


LANE_OPS = {"v_readfirstlane_b32": _readfirstlane, "v_readlane_b32": _readlane, "v_writelane_b32": _writelane,
            "v_movrels_b32": lambda op, G: _movrel(op, G, True), "v_movreld_b32": lambda op, G: _movrel(op, G, False),
            "v_permlane16_b32": lambda op, G: _permlane(op, G, False),
            "v_permlanex16_b32": lambda op, G: _permlane(op, G, True), "v_permlane64_b32": _permlane64,
            "v_nop": lambda op, G: None, "v_pipeflush": lambda op, G: None}

# ---------------------------------------------------------------------------------------------------- VOP3P

PK16 = {"v_pk_add_f16": "v_add_f16", "v_pk_mul_f16": "v_mul_f16", "v_pk_fma_f16": "v_fma_f16",
        "v_pk_min_f16": "v_min_f16", "v_pk_max_f16": "v_max_f16", "v_pk_min_num_f16": "v_min_f16",
        "v_pk_max_num_f16": "v_max_f16", "v_pk_add_u16": "v_add_nc_u16", "v_pk_sub_u16": "v_sub_nc_u16",
        "v_pk_mul_lo_u16": "v_mul_lo_u16", "v_pk_mad_u16": "v_mad_u16", "v_pk_lshlrev_b16": "v_lshlrev_b16",
        "v_pk_lshrrev_b16": "v_lshrrev_b16", "v_pk_ashrrev_i16": "v_ashrrev_i16", "v_pk_max_u16": "v_max_u16",
        "v_pk_min_u16": "v_min_u16", "v_pk_max_i16": "v_max_i16", "v_pk_min_i16": "v_min_i16",
        "v_pk_add_i16": "v_add_nc_i16", "v_pk_sub_i16": "v_sub_nc_i16", "v_pk_mad_i16": "v_mad_i16"}


def run_vop3p(op: Op, G: Group):
  f = op.f
  if op.name in PK16:
    dts, sts, fn = VALU[PK16[op.name]]
    raws = [G.read(s) for s in op.srcs]
    hi_sel = f["opsel_hi"] | f["opsel_hi2"] << 2
    halves = []
    for half in (0, 1):
      sel, neg = (f["opsel"], f["neg"]) if half == 0 else (hi_sel, f["neg_hi"])
      args = []
      for k, (raw, t) in enumerate(zip(raws, sts)):
        v = typed(raw, t, bool(sel >> k & 1))
        if neg >> k & 1 and t == "f16": v = -v
        args.append(v)
      halves.append(raw_bits(fn(*args), dts[0], bool(f["clamp"])).astype(np.uint32))
    G.write_vgpr(op.dsts[0].reg, halves[0] | halves[1] << np.uint32(16)); return
  fn = VOP3P_OPS.get(op.name)
  if fn is None: raise Unsupported(f"no semantics for {op.name}")
  fn(op, G)


def _halves(op, G, k, t):
  """Source k of a mix / dot op as its two 16-bit values (lo, hi) after op_sel / op_sel_hi and negation."""
  f = op.f
  raw = G.read(op.srcs[k])
  hi_sel = f["opsel_hi"] | f["opsel_hi2"] << 2
  lo, hi = typed(raw, t, bool(f["opsel"] >> k & 1)), typed(raw, t, bool(hi_sel >> k & 1))
  return lo, hi


def _dot2(op, G, t, acc_t):
  from emu import fp
  a0, a1 = _halves(op, G, 0, t)
  b0, b1 = _halves(op, G, 1, t)
  c = typed(G.read(op.srcs[2]), acc_t)
  if t == "bf16": a0, a1, b0, b1 = (fp.bf16_to_f32(x) for x in (a0, a1, b0, b1))
  # the products and sum are formed exactly enough in f64, then rounded once to the result type
  r = a0.astype(np.float64) * b0 + a1.astype(np.float64) * b1 + c.astype(np.float64)
  G.write_vgpr(op.dsts[0].reg, raw_bits(r.astype(np.float32 if acc_t == "f32" else np.float16), acc_t,
                                        bool(op.f["clamp"])).astype(np.uint32) if acc_t == "f32" else
               (G.vgpr(op.dsts[0].reg) & np.uint32(0xFFFF0000)) | raw_bits(r.astype(np.float16), "f16").astype(np.uint32))


def _dot_int(op, G, nbits, signed_a, signed_b):
  a = np.broadcast_to(G.read(op.srcs[0]), G.exec.shape).astype(np.int64)
  b = np.broadcast_to(G.read(op.srcs[1]), G.exec.shape).astype(np.int64)
  c = np.broadcast_to(G.read(op.srcs[2]), G.exec.shape).astype(np.uint32).view(np.int32).astype(np.int64)
  acc = c.copy()
  m = (1 << nbits) - 1
  for k in range(32 // nbits):
    x, y = (a >> (nbits * k)) & m, (b >> (nbits * k)) & m
    if signed_a: x = np.where(x >> (nbits - 1), x - (1 << nbits), x)
    if signed_b: y = np.where(y >> (nbits - 1), y - (1 << nbits), y)
    acc = acc + x * y
  if op.f["clamp"]: acc = np.clip(acc, -2**31, 2**31 - 1) if signed_a or signed_b else np.clip(acc, 0, 2**32 - 1)
  G.write_vgpr(op.dsts[0].reg, (acc & 0xFFFFFFFF).astype(np.uint32))


def _fma_mix(op, G, out: str):
  """v_fma_mix*: each source is f32, or (op_sel_hi set) the f16 half op_sel picks; result f32 or an f16 half."""
  from emu import fp
  f = op.f
  hi_sel = f["opsel_hi"] | f["opsel_hi2"] << 2
  args = []
  for k, s in enumerate(op.srcs):
    raw = G.read(s)
    v = typed(raw, "f16", bool(f["opsel"] >> k & 1)).astype(np.float32) if hi_sel >> k & 1 else typed(raw, "f32")
    if f["neg_hi"] >> k & 1: v = np.abs(v)      # mix ops: neg_hi is abs
    if f["neg"] >> k & 1: v = -v
    args.append(v)
  if out == "f32": G.write_vgpr(op.dsts[0].reg, raw_bits(fp.fma_f32(*args), "f32", bool(f["clamp"]))); return
  r = fp.fma_f32(*args, dtype=np.float16)         # one rounding, straight to f16
  h = raw_bits(r if not f["clamp"] else np.clip(r, 0, 1).astype(np.float16), "f16").astype(np.uint32)
  old = G.vgpr(op.dsts[0].reg)
  G.write_vgpr(op.dsts[0].reg, (old & np.uint32(0xFFFF)) | h << np.uint32(16) if out == "hi" else (old & np.uint32(0xFFFF0000)) | h)


VOP3P_OPS = {
  "v_dot2_f32_f16": lambda op, G: _dot2(op, G, "f16", "f32"), "v_dot2_f32_bf16": lambda op, G: _dot2(op, G, "bf16", "f32"),
  "v_dot4_i32_iu8": lambda op, G: _dot_int(op, G, 8, bool(op.f["neg"] & 1), bool(op.f["neg"] & 2)),
  "v_dot4_u32_u8": lambda op, G: _dot_int(op, G, 8, False, False),
  "v_dot8_i32_iu4": lambda op, G: _dot_int(op, G, 4, bool(op.f["neg"] & 1), bool(op.f["neg"] & 2)),
  "v_dot8_u32_u4": lambda op, G: _dot_int(op, G, 4, False, False),
  "v_fma_mix_f32": lambda op, G: _fma_mix(op, G, "f32"), "v_fma_mixlo_f16": lambda op, G: _fma_mix(op, G, "lo"),
  "v_fma_mixhi_f16": lambda op, G: _fma_mix(op, G, "hi"),
}

# ---------------------------------------------------------------------------------------------------- SALU

def run_salu(op: Op, G: Group):
  special = SCALAR_OPS.get(op.name)
  if special is not None: return special(op, G)
  try: dts, sts, fn = SALU[op.name]
  except KeyError: raise Unsupported(f"no semantics for {op.name}") from None
  args, k = [], 0
  dst = op.dsts[0] if op.dsts else None
  for t in sts:
    if t == "scc": args.append(G.scc); continue
    if t == "K": args.append(typed(np.uint32(op.literal), dts[0])); continue
    if t in ("OLD", "OLDF"):
      args.append(typed(G.sgpr(dst.reg, dst.width), dts[0] if t == "OLDF" else "u32")); continue
    s = op.srcs[k]; k += 1
    args.append(typed(G.read(s, scalar=True), t))
  res, scc = fn(*args)
  if res is not None and dst is not None: G.write_sgpr(dst.reg, raw_bits(res, dts[0]), dst.width)
  if scc is not None: G.set_scc(np.asarray(scc, bool))


def _saveexec(fn, not_exec_first: bool = False):
  def run(op, G):
    lanes64 = G.w.lanes == 64
    width = 2 if lanes64 else 1
    ex = G.sgpr(EXEC, width).astype(np.uint64)
    s = np.broadcast_to(G.read(Src(op.srcs[0].val, width, "b32"), scalar=True), (G.g,)).astype(np.uint64)
    new = fn(s, ex) & np.uint64((1 << G.w.lanes) - 1)
    G.write_sgpr(op.dsts[0].reg, ex, width)
    G.write_sgpr(EXEC, new, width)
    G.set_scc(new != 0)
  return run


def _movk(op, G):
  v = op.f["simm16"]
  G.write_sgpr(op.f["sdst"], np.uint32((v - 0x10000 if v & 0x8000 else v) & 0xFFFFFFFF))


def _sopk_cmp(fn, signed: bool):
  def run(op, G):
    v = op.f["simm16"]
    a = G.sgpr(op.f["sdst"])
    if signed: G.set_scc(fn(a.view(np.int32).astype(np.int64), v - 0x10000 if v & 0x8000 else v))
    else: G.set_scc(fn(a.astype(np.int64), v))
  return run


def _addk(op, G):
  v = op.f["simm16"]; v = v - 0x10000 if v & 0x8000 else v
  a = G.sgpr(op.f["sdst"]).view(np.int32).astype(np.int64)
  r = a + v
  G.write_sgpr(op.f["sdst"], (r & 0xFFFFFFFF).astype(np.uint32))
  G.set_scc((r < -2**31) | (r > 2**31 - 1))


def _mulk(op, G):
  v = op.f["simm16"]; v = v - 0x10000 if v & 0x8000 else v
  a = G.sgpr(op.f["sdst"]).view(np.int32).astype(np.int64)
  G.write_sgpr(op.f["sdst"], ((a * v) & 0xFFFFFFFF).astype(np.uint32))


def _cmovk(op, G):
  v = op.f["simm16"]; v = (v - 0x10000 if v & 0x8000 else v) & 0xFFFFFFFF
  old = G.sgpr(op.f["sdst"])
  G.write_sgpr(op.f["sdst"], np.where(G.scc, np.uint32(v), old))


def _getpc(op, G):
  G.write_sgpr(op.dsts[0].reg, np.uint64(op.inst.pc + op.inst.size), 2)


def _getreg(op, G):
  G.write_sgpr(op.f["sdst"], np.uint32(0))      # hardware registers (MODE, HW_ID...) read as 0 here


def _rtn(op, G):
  G.write_sgpr(op.dsts[0].reg, np.uint64(0) if op.dsts[0].width == 2 else np.uint32(0), op.dsts[0].width)


U64 = np.uint64
SCALAR_OPS = {
  "s_and_saveexec_b32": _saveexec(lambda s, e: s & e), "s_and_saveexec_b64": _saveexec(lambda s, e: s & e),
  "s_or_saveexec_b32": _saveexec(lambda s, e: s | e), "s_or_saveexec_b64": _saveexec(lambda s, e: s | e),
  "s_xor_saveexec_b32": _saveexec(lambda s, e: s ^ e), "s_xor_saveexec_b64": _saveexec(lambda s, e: s ^ e),
  "s_andn2_saveexec_b32": _saveexec(lambda s, e: s & ~e), "s_and_not1_saveexec_b32": _saveexec(lambda s, e: s & ~e),
  "s_andn2_saveexec_b64": _saveexec(lambda s, e: s & ~e), "s_and_not1_saveexec_b64": _saveexec(lambda s, e: s & ~e),
  "s_orn2_saveexec_b32": _saveexec(lambda s, e: s | ~e), "s_or_not1_saveexec_b32": _saveexec(lambda s, e: s | ~e),
  "s_orn2_saveexec_b64": _saveexec(lambda s, e: s | ~e), "s_or_not1_saveexec_b64": _saveexec(lambda s, e: s | ~e),
  "s_and_not0_saveexec_b32": _saveexec(lambda s, e: ~s & e), "s_and_not0_saveexec_b64": _saveexec(lambda s, e: ~s & e),
  "s_nand_saveexec_b32": _saveexec(lambda s, e: ~(s & e)), "s_nor_saveexec_b32": _saveexec(lambda s, e: ~(s | e)),
  "s_movk_i32": _movk, "s_addk_i32": _addk, "s_addk_co_i32": _addk, "s_mulk_i32": _mulk, "s_cmovk_i32": _cmovk,
  "s_getpc_b64": _getpc, "s_getreg_b32": _getreg, "s_setreg_b32": lambda op, G: None,
  "s_setreg_imm32_b32": lambda op, G: None, "s_round_mode": lambda op, G: None, "s_denorm_mode": lambda op, G: None,
  "s_sendmsg_rtn_b32": _rtn, "s_sendmsg_rtn_b64": _rtn,
  "s_get_barrier_state": _rtn,
}
for p, fn in (("eq", np.equal), ("lg", np.not_equal), ("gt", np.greater), ("ge", np.greater_equal),
              ("lt", np.less), ("le", np.less_equal)):
  SCALAR_OPS[f"s_cmpk_{p}_i32"] = _sopk_cmp(fn, True)
  SCALAR_OPS[f"s_cmpk_{p}_u32"] = _sopk_cmp(fn, False)
