"""Run one decoded instruction on a group of waves: operands in, modifiers applied, semantics from emu.alu, results
written under exec. Control flow returns each wave's next pc."""
from __future__ import annotations
import numpy as np
from emu.alu import VALU, SALU, DTYPE, BITS, VALU_ROUNDED, SALU_ROUNDED, ROUND_EXACT
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


FLOAT_T = ("f16", "f32", "f64", "bf16")


def _in_mode(op: Op, G: Group, dts, fn, table):
  """fn, or its MODE round-mode form from `table` when the waves run in a mode other than nearest-even for the
  op's float result type (MODE[1:0] for f32, MODE[3:2] for f16 / f64). Ops with no such form refuse to run then,
  except those exact in every mode (ROUND_EXACT): better than rounding to nearest where the kernel asked not to."""
  ft = next((t for t in dts if t in FLOAT_T), None)
  if ft is None: return fn
  m = G.w.mode[G.idx]
  rm = (m & np.uint32(3)) if ft == "f32" else (m >> np.uint32(2) & np.uint32(3))
  if not rm.any() or op.name.startswith(ROUND_EXACT): return fn
  if (rm != rm[0]).any(): raise Unsupported(f"{op.name}: waves run together in different round modes")
  r = table.get(op.name)
  if r is None: raise Unsupported(f"{op.name} in round mode {int(rm[0])}: only nearest even, and for the f32 add / mul / "
                                  "fma family the directed modes, are modelled")
  return lambda *a: r(*a, int(rm[0]))


def _denormal_guard(op: Op, G: Group, sts, args, dts, out):
  """MODE.FP_DENORM other than 3 flushes denormals (f32: MODE[5:4], f16 / f64: MODE[7:6]); that is not modelled,
  so a denormal among an op's active float sources or results in such a mode stops the run instead of running on
  with values the hardware would have flushed. (-cl-denorms-are-zero kernels run fine while none shows up.)"""
  if not any(t in ("f16", "f32", "f64") for t in (*sts, *dts)): return
  m = G.w.mode[G.idx]
  if ((m >> np.uint32(4)) & np.uint32(0xF) == 0xF).all(): return
  for t, v in list(zip(sts, args)) + list(zip(dts, out)):
    if t not in ("f16", "f32", "f64"): continue
    bits = ((m >> np.uint32(4)) & np.uint32(3)) if t == "f32" else ((m >> np.uint32(6)) & np.uint32(3))
    if (bits == 3).all(): continue
    x = np.broadcast_to(np.asarray(v), G.exec.shape)[G.exec]
    if x.dtype.kind == "f" and ((x != 0) & (np.abs(x) < np.finfo(x.dtype).tiny)).any():
      raise Unsupported(f"{op.name}: a denormal {t} while MODE.FP_DENORM flushes them (not modelled)")


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
    if t == "opsel": args.append(int(f.get("opsel", 0)) if vop3 else 0); continue   # byte/word selects (fp8 cvts)
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
    elif op.name in ("v_cndmask_b32", "v_cndmask_b16") and k < 2:
      # VOP3 v_cndmask takes abs/neg on its two data operands as sign-bit operations (LLVM folds a select of
      # fneg/fabs values into them: `v_cndmask_b32_e64 v1, -v0, v0, vcc`)
      absb, negb = (f.get("abs", 0), f.get("neg", 0)) if op.enc == "VOP3" else (0, 0)
      top = v.dtype.type(1 << (8 * v.dtype.itemsize - 1))
      if absb >> k & 1: v = v & ~top
      if negb >> k & 1: v = v ^ top
    args.append(v); k += 1
  fn = _in_mode(op, G, dts, fn, VALU_ROUNDED)
  out = fn(*args)
  if not isinstance(out, tuple): out = (out,)
  _denormal_guard(op, G, sts, args, dts, out)
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
  lane = np.arange(G.w.lanes)
  if op.name.endswith("_var_b32"):             # gfx12 *_var: each lane's selector in the low 4 bits of a VGPR
    nib = (np.broadcast_to(G.read(op.srcs[1]), G.exec.shape) & np.uint32(15)).astype(np.int64)
  else:
    s1 = np.broadcast_to(G.read(op.srcs[1], scalar=True), (G.g,)).astype(np.uint64)
    s2 = np.broadcast_to(G.read(op.srcs[2], scalar=True), (G.g,)).astype(np.uint64)
    sel = s1 | s2 << np.uint64(32)
    nib = ((sel[:, None] >> (np.uint64(4) * (lane & 15).astype(np.uint64))) & np.uint64(15)).astype(np.int64)
  row = lane & ~15
  src_row = (row ^ 16) if cross else row
  src = src_row + nib
  val = np.take_along_axis(v, src, 1)
  # op_sel[0] is FETCH_INACTIVE, op_sel[1] BOUND_CTRL: a lane whose source lane is inactive reads it anyway (FI),
  # else 0 (BOUND_CTRL) or keeps its old value
  fi, bc = op.f.get("opsel", 0) & 1, op.f.get("opsel", 0) >> 1 & 1
  if not fi:
    ok = np.take_along_axis(G.exec, src, 1)
    val = np.where(ok, val, np.uint32(0) if bc else G.vgpr(op.dsts[0].reg))
  G.write_vgpr(op.dsts[0].reg, val)


def _permlane64(op, G):
  # the ISA: "In wave32 mode this opcode is translated to V_NOP and performs no writes"; in wave64 a lane reads
  # the other half's lane whether that lane is active or not
  if G.w.lanes == 32: return
  v = np.broadcast_to(G.read(op.srcs[0]), G.exec.shape)
  G.write_vgpr(op.dsts[0].reg, np.concatenate([v[:, 32:], v[:, :32]], 1))


LANE_OPS = {"v_readfirstlane_b32": _readfirstlane, "v_readlane_b32": _readlane, "v_writelane_b32": _writelane,
            "v_movrels_b32": lambda op, G: _movrel(op, G, True), "v_movreld_b32": lambda op, G: _movrel(op, G, False),
            "v_permlane16_b32": lambda op, G: _permlane(op, G, False),
            "v_permlanex16_b32": lambda op, G: _permlane(op, G, True), "v_permlane64_b32": _permlane64,
            "v_permlane16_var_b32": lambda op, G: _permlane(op, G, False),
            "v_permlanex16_var_b32": lambda op, G: _permlane(op, G, True),
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
  fn = VOP3P_OPS.get(op.name) or (_wmma if op.name.startswith(("v_wmma_", "v_swmmac_")) else None)
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
  # the accumulator and the clamp follow the opcode's result type (v_dot*_u32_*: u32; v_dot*_i32_iu*: i32 whatever
  # the neg bits make of the products), not the operands' signedness
  uns = "_u32_" in op.name
  c = np.broadcast_to(G.read(op.srcs[2]), G.exec.shape).astype(np.uint32)
  acc = c.astype(np.int64) if uns else c.view(np.int32).astype(np.int64)
  m = (1 << nbits) - 1
  for k in range(32 // nbits):
    x, y = (a >> (nbits * k)) & m, (b >> (nbits * k)) & m
    if signed_a: x = np.where(x >> (nbits - 1), x - (1 << nbits), x)
    if signed_b: y = np.where(y >> (nbits - 1), y - (1 << nbits), y)
    acc = acc + x * y
  if op.f["clamp"]: acc = np.clip(acc, 0, 2**32 - 1) if uns else np.clip(acc, -2**31, 2**31 - 1)
  G.write_vgpr(op.dsts[0].reg, (acc & 0xFFFFFFFF).astype(np.uint32))


def _dot4_f8(op, G, bf_a: bool, bf_b: bool):
  """gfx12 v_dot4_f32_{fp8,bf8}_{fp8,bf8}: the four byte pairs of S0 and S1 as OCP fp8 / bf8 (emu.fp), the products
  summed with the f32 S2 in float64 (the products are exact there) and rounded once. HW?: the rounding of the sum."""
  from emu import fp
  a = np.broadcast_to(G.read(op.srcs[0]), G.exec.shape).astype(np.uint32)
  b = np.broadcast_to(G.read(op.srcs[1]), G.exec.shape).astype(np.uint32)
  acc = np.broadcast_to(typed(G.read(op.srcs[2]), "f32"), G.exec.shape).astype(np.float64)
  with np.errstate(all="ignore"):
    for k in range(4):
      sh = np.uint32(8 * k)
      acc = acc + fp.fp8_to_f32(a >> sh, bf_a).astype(np.float64) * fp.fp8_to_f32(b >> sh, bf_b).astype(np.float64)
  G.write_vgpr(op.dsts[0].reg, raw_bits(acc.astype(np.float32), "f32", bool(op.f["clamp"])))


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

# ---------------------------------------------------------------------------------------------------- WMMA
# v_wmma_D_16x16xK_S / v_swmmac_D_16x16xK_S, wave32, D = A (16xK) x B (Kx16) + C. Layouts (AMD's RDNA3 / RDNA4 ISA
# guides' matrix layout tables, as I read them; HW? where not certain):
# - gfx11: a lane holds all K elements of one row of A (lane l: row l % 16; lanes 16-31 repeat 0-15) and of one
#   column of B; element e is bits [w*e, w*e + w) of the source's VGPRs in order. 32-bit C/D: VGPR v of lane l is
#   (row 2v + l // 16, column l % 16); f16 C/D: the same, one element per VGPR in the half op_sel[2] picks (the other
#   half is C's, HW?).
# - gfx12: a lane holds K/2 elements: lane l row (column of B) l % 16, K from (K/2) * (l // 16) (8-bit and 4-bit
#   operands exactly so; AMD's matrix instruction calculator has 16-bit ones interleaved, element e of VGPR g = e // 2
#   at k = 8 (g // 2) + 4 (l // 16) + 2 (g % 2) + e % 2 (swmmac alike). The order used here relabels K the same way
#   for A, B and the swmmac index, so the products are the same); 32-bit C/D: VGPR v of lane l is (row v + 8 * (l // 16),
#   column l % 16); f16 C/D packs two: element e = 2v + half is row e + 8 * (l // 16).
# - swmmac (gfx12): A holds the 2 nonzeros of each group of 4 along K (a lane's K/2 dense range as K/4 elements); the
#   index VGPR (src2) gives each stored element's position in its group, 2 bits each from bit 16 * index_key
#   (op_sel[1:0], HW?); B and C/D as for wmma; C is the destination register.
# Products and sums are exact in float64 / int64 and rounded once (HW?: the hardware's internal rounding of the
# K-term sum is not documented); neg_lo marks signed integer A / B (iu8, iu4) or negates a float A / B / C.

def _wmma_elems(G: Group, s: Src, n: int, bits: int) -> np.ndarray:
  """n VGPRs from source s as (g, L, n * 32 // bits) raw elements (an inline constant fills every VGPR)."""
  if s.val >= 256: words = np.stack([np.broadcast_to(G.vgpr(s.val - 256 + j), G.exec.shape) for j in range(n)], -1)
  else: words = np.broadcast_to(np.asarray(G.read(Src(s.val, 1, s.rule))).astype(np.uint32)[..., None], G.exec.shape + (n,))
  per = 32 // bits
  e = (words[..., None].astype(np.uint64) >> (np.arange(per, dtype=np.uint64) * np.uint64(bits))) & np.uint64((1 << bits) - 1)
  return e.reshape(G.exec.shape + (n * per,)).astype(np.int64)


def _wmma_values(raw: np.ndarray, kind: str, signed: bool, neg: bool) -> np.ndarray:
  from emu import fp
  if kind in ("iu8", "iu4"):
    bits = 8 if kind == "iu8" else 4
    return np.where(raw >> (bits - 1) & 1, raw - (1 << bits), raw) if signed else raw
  if kind == "f16": v = raw.astype(np.uint16).view(np.float16).astype(np.float64)
  elif kind == "bf16": v = fp.bf16_to_f32(raw.astype(np.uint16)).astype(np.float64)
  else: v = fp.fp8_to_f32(raw, kind == "bf8").astype(np.float64)
  return -v if neg else v


def _wmma(op: Op, G: Group):
  from emu import fp
  if G.w.lanes != 32: raise Unsupported(f"{op.name} in wave64")
  sparse = op.name.startswith("v_swmmac")
  _, dkind, shape, *src = op.name.split("_")[1:]          # v_wmma_f32_16x16x16_fp8_bf8 -> f32, 16x16x16, [fp8, bf8]
  kdim = int(shape.split("x")[2])
  akind, bkind = (src[0], src[1]) if len(src) == 2 else (src[0], src[0])
  width = {"f16": 16, "bf16": 16, "iu8": 8, "iu4": 4, "fp8": 8, "bf8": 8}
  f, neg = op.f, op.f.get("neg", 0)
  integer = akind.startswith("iu")
  sa, sb = op.srcs[0], op.srcs[1]
  ra = _wmma_elems(G, sa, sa.width, width[akind])
  rb = _wmma_elems(G, sb, sb.width, width[bkind])
  A = _wmma_values(ra, akind, bool(neg & 1), bool(neg & 1) and not integer)       # (g, 32, per lane)
  Bv = _wmma_values(rb, bkind, bool(neg & 2), bool(neg & 2) and not integer)
  g = G.g
  split = Bv.shape[2] * 2 == kdim                          # gfx12: each half-wave holds half of K
  B = np.concatenate([Bv[:, :16], Bv[:, 16:]], 2).transpose(0, 2, 1) if split else Bv[:, :16].transpose(0, 2, 1)
  if sparse:
    idx = np.broadcast_to(G.read(op.srcs[2]), G.exec.shape).astype(np.int64) >> (16 * (f.get("opsel", 0) & 3))
    dense = np.zeros((g, 16, kdim), np.float64 if not integer else np.int64)
    per = A.shape[2]                                       # stored elements per lane: its dense range is 2 * per
    for half in (0, 1):
      for e in range(per):
        pos = (idx[:, half * 16:half * 16 + 16] >> (2 * e)) & 3
        k = half * 2 * per + 4 * (e // 2) + pos            # (g, 16)
        np.add.at(dense, (np.arange(g)[:, None], np.arange(16)[None], k), A[:, half * 16:half * 16 + 16, e])
    Am = dense
  else:
    Am = np.concatenate([A[:, :16], A[:, 16:]], 2) if split else A[:, :16]
  P = np.einsum("gik,gkj->gij", Am, B)                     # (g, 16, 16): exact (int64) / float64
  # C and D
  d = op.dsts[0]
  csrc = Src(d.reg + 256, d.width, "b32") if sparse else op.srcs[2]
  lane = np.arange(32)
  col, hw = lane % 16, lane // 16
  if dkind in ("f16", "bf16"):
    packed = d.width * 2 * 32 == 256                       # gfx12: two per VGPR
    rc = _wmma_elems(G, csrc, d.width, 16)                 # (g, 32, 2 * width)
    if packed:
      e = np.arange(2 * d.width)
      rows = e[None, :] + 8 * hw[:, None]                  # (32, elements)
      cv = rc
    else:
      hi = bool(f.get("opsel", 0) >> 2 & 1)
      cv = rc[..., 1::2] if hi else rc[..., 0::2]
      rows = 2 * np.arange(d.width)[None, :] + hw[:, None]
    Cv = _wmma_values(cv, dkind, False, bool(neg & 4))
    res = Cv + P[:, rows, col[:, None]]
    out = (res.astype(np.float16).view(np.uint16) if dkind == "f16" else fp.f32_to_bf16(res.astype(np.float32))).astype(np.int64)
    if packed: words = out[..., 0::2] | out[..., 1::2] << 16
    else:
      keep = rc[..., 0::2] if hi else rc[..., 1::2]
      words = (out << 16 | keep) if hi else (keep << 16 | out)
  else:
    rc = _wmma_elems(G, csrc, d.width, 32)                 # (g, 32, 8)
    rows = (2 * np.arange(d.width)[None, :] + hw[:, None]) if not split else (np.arange(d.width)[None, :] + 8 * hw[:, None])
    p = P[:, rows, col[:, None]]
    if integer:
      res = rc.astype(np.uint32).view(np.int32).astype(np.int64) + p
      words = (np.clip(res, -2**31, 2**31 - 1) if f.get("clamp", 0) else res) & 0xFFFFFFFF
    else:
      Cv = rc.astype(np.uint32).view(np.float32).astype(np.float64)
      res = ((-Cv if neg & 4 else Cv) + p).astype(np.float32)
      words = raw_bits(res, "f32", bool(f.get("clamp", 0))).astype(np.int64)
  for v in range(d.width): G.write_vgpr(d.reg + v, words[..., v].astype(np.uint32))


VOP3P_OPS = {
  "v_dot2_f32_f16": lambda op, G: _dot2(op, G, "f16", "f32"), "v_dot2_f32_bf16": lambda op, G: _dot2(op, G, "bf16", "f32"),
  "v_dot4_i32_iu8": lambda op, G: _dot_int(op, G, 8, bool(op.f["neg"] & 1), bool(op.f["neg"] & 2)),
  "v_dot4_u32_u8": lambda op, G: _dot_int(op, G, 8, False, False),
  "v_dot8_i32_iu4": lambda op, G: _dot_int(op, G, 4, bool(op.f["neg"] & 1), bool(op.f["neg"] & 2)),
  "v_dot8_u32_u4": lambda op, G: _dot_int(op, G, 4, False, False),
  **{f"v_dot4_f32_{p}_{q}": (lambda op, G, p=p, q=q: _dot4_f8(op, G, p == "bf8", q == "bf8"))
     for p in ("fp8", "bf8") for q in ("fp8", "bf8")},
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
  fn = _in_mode(op, G, dts, fn, SALU_ROUNDED)
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


HW_REG_MODE = 1


def _hwreg(simm16: int) -> tuple[int, int, int]:
  """hwreg(id, offset, size): id [5:0], offset [10:6], size - 1 [15:11] -> (id, offset, mask)."""
  return simm16 & 0x3F, simm16 >> 6 & 0x1F, (1 << ((simm16 >> 11 & 0x1F) + 1)) - 1


def _getreg(op, G):
  hw, off, mask = _hwreg(op.f["simm16"])
  # MODE is modelled (emu.wave.Waves.mode); other hardware registers (HW_ID, STATUS, ...) read as 0 here
  v = (G.w.mode[G.idx].astype(np.uint64) >> np.uint64(off)) & np.uint64(mask) if hw == HW_REG_MODE else np.zeros(G.g, np.uint64)
  G.write_sgpr(op.f["sdst"], v.astype(np.uint32))


def _setreg(op, G):
  """s_setreg_b32 (value from the SGPR in the sdst field) / s_setreg_imm32_b32 (the literal): only MODE has an
  effect here (the FP round and denorm modes the float ops honour); writes to other registers are dropped."""
  hw, off, mask = _hwreg(op.f["simm16"])
  if hw != HW_REG_MODE: return
  v = np.full(G.g, op.literal, np.uint64) if op.name == "s_setreg_imm32_b32" else G.sgpr(op.f["sdst"]).astype(np.uint64)
  m = np.uint64(mask << off)
  old = G.w.mode[G.idx].astype(np.uint64)
  G.w.mode[G.idx] = ((old & ~m) | ((v << np.uint64(off)) & m)).astype(np.uint32)


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
  "s_getpc_b64": _getpc, "s_getreg_b32": _getreg, "s_setreg_b32": _setreg, "s_setreg_imm32_b32": _setreg,
  "s_sendmsg_rtn_b32": _rtn, "s_sendmsg_rtn_b64": _rtn,
  "s_get_barrier_state": _rtn,
}
for p, fn in (("eq", np.equal), ("lg", np.not_equal), ("gt", np.greater), ("ge", np.greater_equal),
              ("lt", np.less), ("le", np.less_equal)):
  SCALAR_OPS[f"s_cmpk_{p}_i32"] = _sopk_cmp(fn, True)
  SCALAR_OPS[f"s_cmpk_{p}_u32"] = _sopk_cmp(fn, False)
