"""Register liveness over the CFG: per instruction, how many VGPRs, AGPRs and SGPRs hold a value there.

A register counts at an instruction when it is live into it or written by it (live_in | written): the registers
that hold something while it runs. Live sets are backward dataflow (live_in = uses | (live_out - kills)) over
isa/cfg.py's blocks, on the registers the decoder lists (Instruction.reads / .writes, one name per 32-bit
register, so v[4:7] is 4 VGPRs and a 64-bit SGPR pair is 2 SGPRs, whatever the wave size).

What is counted: v<N> as VGPRs, a<N> as AGPRs, s<N> as SGPRs. vcc, exec, m0, scc, ttmp, flat_scratch and
xnack_mask are not: they are not among the SGPRs a wave is allocated (on gfx9 the metadata's SGPR count
includes VCC, flat_scratch and xnack_mask reservations, so the allocation can exceed any live count).

Which writes kill (end the previous value's liveness). Every rule errs towards more live registers:
- a full write kills; a read-modify-write (fmac, atomics with return, v_writelane...) reads first, so stays live.
- a write of part of a register does not kill, the rest of it is kept: 16-bit VALU results (v_add_f16,
  v_fma_mixlo_f16...: the other half is kept, as emu/execute.py does), d16 loads, SDWA with
  dst_unused:UNUSED_PRESERVE, DPP16 writes that leave lanes alone (row_mask/bank_mask not 0xf, or a shift
  without bound_ctrl:1), v_permlane*, s_cmov. (LLVM 19's gfx11 code is "fake16": it never reads the kept half
  of a 16-bit result, so there a register can count live from its previous write to a 16-bit one.)
- exec masking: a VALU or memory write under a narrowed exec writes only the active lanes. The lanes turned off
  wait where exec turns them back on, and what they need there must survive the region however it is written.
  So: every instruction that may turn lanes back on (it writes exec and is not a pure narrowing: s_or_b32
  exec_lo, exec_lo, s2; s_and_not1_saveexec_b32 s2, s3; s_mov_b64 exec, s[4:5]...) closes a region, which
  spans every instruction from which it is reached without passing a fresh write of the mask it reads (the
  saved exec; s_or_b32 s4, vcc_lo, s4 updates the mask of a divergent loop and the loop stays inside), and the
  VGPRs and AGPRs live right after it are counted live throughout the region. SALU writes are per wave and
  kill as usual. A region whose mask is not written on some path from the kernel's entry is dropped (LLVM does
  not make those). Not modelled: indexed register access (s_movrel*, v_movrel*, gpr_idx): the decoder names
  the base register only; a call's callee (s_swappc): its reads and writes are not seen.

The dataflow runs over segments (blocks cut where regions start or end, and after each region's closing
instruction, so a segment lies wholly inside or outside each region): their uses and kills are numpy bitsets,
the fixed point is over Python ints (a few bit sets per segment, thousands of segments, not per instruction),
and the counts per instruction come from live intervals summed with numpy: no set per instruction.
"""
from __future__ import annotations
import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence
import numpy as np
from isa.cfg import CFG
from isa.gc_pause import gc_paused
from isa.instruction import Instruction

REG = re.compile(r"[vas]\d+")
CLASS = {"v": 0, "a": 1, "s": 2}
USE, KILL, PART = 0, 1, 2          # per (instruction, register): read (perhaps written too), written whole, written in part

# ---------------------------------------------------------------------------------------------------
# the rules, one instruction at a time (tests/isa/test_liveness.py's brute force uses these too)

_HALF_TYPES = {"f16", "i16", "u16", "b16", "bf16"}
_TYPE = re.compile(r"(?:f|i|u|b|bf)\d+")
_DPP_SHIFT = re.compile(r"\b(row_shl|row_shr|wave_shl|wave_shr|row_bcast)")

@lru_cache(maxsize=None)
def _half_result(mnemonic: str) -> bool:
  """A VALU whose result is one 16-bit half (its first type names the result): v_add_f16, v_cvt_f16_f32,
  v_fma_mixlo_f16; not packed ones (v_pk_*, v_cvt_pkrtz_*) nor compares."""
  if not mnemonic.startswith("v_") or mnemonic.startswith(("v_cmp", "v_dual")) or "::" in mnemonic: return False
  words = mnemonic.split("_")[1:]
  if any(w.startswith("pk") for w in words): return False
  first = next((w for w in words if _TYPE.fullmatch(w)), None)
  return first in _HALF_TYPES

def partial_write(ins: Instruction) -> bool:
  """Does this instruction leave part of its VGPR destination as it was (so the old value may still matter)?"""
  m, t = ins.mnemonic, ins.text
  if "_d16" in m or _half_result(m) or m.startswith("v_permlane") or "dst_unused:UNUSED_PRESERVE" in t: return True
  if "row_mask:" in t:               # DPP16: masked rows / banks, or lanes whose source is out of range, keep theirs
    full = "row_mask:0xf bank_mask:0xf" in t
    return not full or ("bound_ctrl:1" not in t and _DPP_SHIFT.search(t) is not None)
  return False

def effects(ins: Instruction) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
  """(registers used, written whole, written in part) among v/a/s registers; a register both read and written
  is only used."""
  reads = tuple(r for r in ins.reads if _counted(r))
  seen = set(reads)
  written = [r for r in ins.writes if _counted(r) and r not in seen]
  vpart = partial_write(ins)
  spart = ins.mnemonic.startswith("s_cmov")
  part = tuple(r for r in written if (spart if r[0] == "s" else vpart))
  return reads, tuple(r for r in written if r not in part), part

@lru_cache(maxsize=None)
def _counted(name: str) -> bool: return REG.fullmatch(name) is not None

_NARROWS = re.compile(r"^(v_cmpx|s_and_saveexec|s_andn1_saveexec|s_and_not0_saveexec|s_andn1_wrexec|s_and_not0_wrexec)")

def reenables(ins: Instruction) -> tuple[str, ...]:
  """The SGPRs holding the lanes this instruction may turn back on (it writes exec from them), else ()."""
  if not any(w.startswith("exec") for w in ins.writes) or _NARROWS.match(ins.mnemonic): return ()
  srcs = [o.text for o in ins.operands if not o.write]
  m = ins.mnemonic
  if m.startswith("s_and_b") and any(s.startswith("exec") for s in srcs): return ()          # exec & x
  if m.startswith(("s_andn2_b", "s_and_not1_b")) and srcs[:1] and srcs[0].startswith("exec"): return ()   # exec & ~x
  return tuple(r for r in ins.reads if r[0] == "s" and _counted(r))

# ---------------------------------------------------------------------------------------------------

@dataclass
class Pressure:
  """Per instruction, in pc order."""
  pcs: np.ndarray              # int64
  vgprs: np.ndarray            # int32: live VGPRs
  agprs: np.ndarray
  sgprs: np.ndarray
  regions: int = 0             # exec regions found (see the module docstring)

@dataclass
class _Code:
  """The kernel as arrays: each instruction's effects on numbered registers, blocks as index ranges."""
  n: int
  nv: int; na: int; ns: int    # registers of each class: v0..v(nv-1), then a.., then s..
  ev_inst: np.ndarray          # one row per (instruction, register) effect, in instruction order
  ev_reg: np.ndarray
  ev_kind: np.ndarray
  bstart: np.ndarray           # block k holds instructions bstart[k]..bstart[k+1]-1
  succ: list[list[int]]        # block index -> successor block indices
  pred: list[list[int]]

def _code(insts: Sequence[Instruction], pcs: np.ndarray, cfg: CFG) -> tuple[_Code, dict, dict]:
  """Effects per instruction (computed once per distinct instruction), and for the exec regions: per instruction
  writing SGPRs (the SGPRs it writes, the SGPRs it reads); per instruction that may turn lanes back on, its mask."""
  cache: dict = {}
  entries: list[tuple] = []    # distinct effects: (codes, kinds, SGPRs written, SGPRs read, mask it re-enables from)
  eid = np.empty(len(insts), np.int64)
  tops = [-1, -1, -1]
  for k, ins in enumerate(insts):
    key = (ins.text, ins.reads, ins.writes)
    e = cache.get(key)
    if e is None:
      uses, kills, parts = effects(ins)
      codes, kinds = [], []
      for names, kind in ((uses, USE), (kills, KILL), (parts, PART)):
        for r in names:
          c, num = CLASS[r[0]], int(r[1:])
          if num > tops[c]: tops[c] = num
          codes.append(num * 3 + c); kinds.append(kind)
      e = cache[key] = len(entries)
      entries.append((codes, kinds, frozenset(r for r in (*kills, *parts) if r[0] == "s"),
                      frozenset(r for r in uses if r[0] == "s"), frozenset(reenables(ins))))
    eid[k] = e
  nv, na, ns = (t + 1 for t in tops)
  lens = np.array([len(e[0]) for e in entries], np.int64)
  flat_codes = np.array([c for e in entries for c in e[0]], np.int64)
  flat_kinds = np.array([x for e in entries for x in e[1]], np.int8)
  offs = np.concatenate([[0], np.cumsum(lens)[:-1]]) if len(entries) else np.zeros(0, np.int64)
  per = lens[eid]
  ev_inst = np.repeat(np.arange(len(insts), dtype=np.int64), per)
  starts = np.repeat(offs[eid] - (np.cumsum(per) - per), per) + np.arange(int(per.sum()), dtype=np.int64)
  code, kind = flat_codes[starts], flat_kinds[starts]
  num, cls = code // 3, code % 3
  reg = np.where(cls == 0, num, np.where(cls == 1, nv + num, nv + na + num))
  sdefs, closers = {}, {}
  for k in np.flatnonzero(np.array([bool(x[2]) for x in entries])[eid]).tolist(): sdefs[k] = entries[eid[k]][2:4]
  for k in np.flatnonzero(np.array([bool(x[4]) for x in entries])[eid]).tolist(): closers[k] = entries[eid[k]][4]
  index = {b.id: k for k, b in enumerate(cfg.blocks)}
  bstart = np.append(np.searchsorted(pcs, [b.start for b in cfg.blocks]), len(insts)).astype(np.int64)
  succ = [[index[s] for s in cfg.successors(b.id)] for b in cfg.blocks]
  pred = [[index[p] for p in cfg.predecessors(b.id)] for b in cfg.blocks]
  return _Code(len(insts), nv, na, ns, ev_inst, reg, kind, bstart, succ, pred), sdefs, closers

def _regions(code: _Code, sdefs, closers) -> list[tuple[int, list[tuple[int, int]]]]:
  """Per instruction that may turn lanes back on: (its index, the instruction ranges [lo, hi) of its region)."""
  writers = sorted(sdefs)
  block_of = np.searchsorted(code.bstart, np.arange(code.n), side="right") - 1
  out = []
  for w, mask in closers.items():
    ranges, seen, stack, open_path = [], set(), [(int(block_of[w]), w)], False
    while stack:
      b, end = stack.pop()
      lo, stop = int(code.bstart[b]), None
      cands = writers[bisect_left(writers, lo):bisect_left(writers, end)]
      if b == block_of[w] and lo <= w < end: cands = sorted(set(cands) | {w})
      for k in reversed(cands):
        if k == w: stop = k; break
        wr, rd = sdefs[k]
        if wr & mask and not rd & mask: stop = k; break       # a fresh mask: the region starts after it
      if stop is not None:
        if stop + 1 < end: ranges.append((stop + 1, end))
        continue
      if lo < end: ranges.append((lo, end))
      if not code.pred[b]: open_path = True; break             # reached the entry: no mask written on this path
      for p in code.pred[b]:
        if p not in seen: seen.add(p); stack.append((p, int(code.bstart[p + 1])))
    if not open_path and ranges: out.append((w, ranges))
  return out

def _popcounts(bits: np.ndarray, masks: list[np.ndarray]) -> list[np.ndarray]:
  """Per row of packed uint64 bit sets, how many bits each mask keeps."""
  table = np.array([bin(i).count("1") for i in range(256)], np.int64)
  return [table[(bits & m).view(np.uint8)].reshape(len(bits), -1).sum(axis=1) for m in masks]

def _to_int(row: np.ndarray) -> int: return int.from_bytes(row.tobytes(), "little")

def pressure(instructions: Sequence[Instruction], cfg: CFG) -> Pressure:
  with gc_paused(): return _pressure(instructions, cfg)

def _pressure(instructions: Sequence[Instruction], cfg: CFG) -> Pressure:
  insts = sorted(instructions, key=lambda i: i.pc)
  pcs = np.array([i.pc for i in insts], np.int64)
  if not insts: return Pressure(pcs, *(np.zeros(0, np.int32) for _ in range(3)))
  code, sdefs, closers = _code(insts, pcs, cfg)
  n, R = code.n, code.nv + code.na + code.ns
  words = max(1, -(-R // 64))
  regions = _regions(code, sdefs, closers)

  # segments: blocks cut after each region's closing instruction and at each region's ends
  cuts = [code.bstart[:-1]]
  for w, ranges in regions:
    cuts.append(np.array([w + 1] + [x for r in ranges for x in r], np.int64))
  sstart = np.unique(np.concatenate(cuts))
  sstart = sstart[sstart < n]
  S = len(sstart)
  send = np.append(sstart[1:], n)
  seg_of = np.searchsorted(sstart, np.arange(n), side="right") - 1
  first_seg = seg_of[code.bstart[:-1]]
  last_of_block = np.isin(send, code.bstart[1:])
  block_of_seg = np.searchsorted(code.bstart, sstart, side="right") - 1
  succ = [[s + 1] if not last_of_block[s] else [int(first_seg[t]) for t in code.succ[block_of_seg[s]]] for s in range(S)]
  pred: list[list[int]] = [[] for _ in range(S)]
  for s, ts in enumerate(succ):
    for t in ts: pred[t].append(s)
  parks: list[list[int]] = [[] for _ in range(S)]   # segment -> the segments that end at its regions' closers
  region_segs: dict[int, list[int]] = {}             # closer's segment -> the segments of its region
  for w, ranges in regions:
    ws = int(seg_of[w])
    for lo, hi in ranges:
      for s in range(int(seg_of[lo]), int(seg_of[hi - 1]) + 1):
        parks[s].append(ws); region_segs.setdefault(ws, []).append(s)

  # uses (first event of a register in its segment is a read) and kills, per segment, as bit sets
  seg_ev = seg_of[code.ev_inst]
  live_ev = code.ev_kind != PART
  order = np.lexsort((code.ev_inst, code.ev_reg, seg_ev))
  e_seg, e_reg, e_kind, e_inst = seg_ev[order], code.ev_reg[order], code.ev_kind[order], code.ev_inst[order]
  lk = live_ev[order]
  one = np.uint64(1)
  def bitset(seg, reg):
    bits = np.zeros((S, words), np.uint64)
    np.bitwise_or.at(bits, (seg, reg >> 6), one << (reg & 63).astype(np.uint64))
    return bits
  li = np.flatnonzero(lk)                              # events that matter to liveness, grouped by (segment, register)
  group = e_seg[li] * R + e_reg[li]
  first = np.ones(len(li), bool); first[1:] = group[1:] != group[:-1]
  g, k = li[first & (e_kind[li] == USE)], e_kind == KILL
  gen = [_to_int(r) for r in bitset(e_seg[g], e_reg[g])]
  kill = [_to_int(r) for r in bitset(e_seg[k], e_reg[k])]
  vmask = (1 << (code.nv + code.na)) - 1               # exec regions hold VGPRs and AGPRs, not SGPRs (per wave)

  # the fixed point, over segments in reverse order; a region's closer changing re-queues its region
  live_in, live_out, park = [0] * S, [0] * S, [0] * S
  queued = [True] * S
  work = list(range(S))                                # popped from the end: the last segment first
  while work:
    s = work.pop(); queued[s] = False
    out = 0
    for t in succ[s]: out |= live_in[t]
    p = 0
    for ws in parks[s]: p |= live_out[ws]
    p &= vmask
    if out != live_out[s] and s in region_segs:
      for r in region_segs[s]:
        if not queued[r]: queued[r] = True; work.append(r)
    live_out[s], park[s] = out, p
    new = gen[s] | (out & ~kill[s]) | p
    if new != live_in[s]:
      live_in[s] = new
      for q in pred[s]:
        if not queued[q]: queued[q] = True; work.append(q)

  # counts per instruction: parked registers over their whole segment; the others by intervals
  nbytes = words * 8
  unpack = lambda xs: np.frombuffer(b"".join(x.to_bytes(nbytes, "little") for x in xs), np.uint64).reshape(S, words)
  OUT, PARK = unpack(live_out), unpack(park)
  masks = []
  for lo, hi in ((0, code.nv), (code.nv, code.nv + code.na), (code.nv + code.na, R)):
    masks.append(np.frombuffer((((1 << hi) - 1) ^ ((1 << lo) - 1)).to_bytes(nbytes, "little"), np.uint64))
  has_lk = bitset(e_seg[li], e_reg[li])
  through = OUT & ~PARK & ~has_lk                      # live across the segment, never touched there
  whole = [a + b for a, b in zip(_popcounts(PARK, masks), _popcounts(through, masks))]

  bit = lambda bits, s, r: ((bits[s, r >> 6] >> (r & 63).astype(np.uint64)) & one).astype(bool)
  keep = ~bit(PARK, e_seg, e_reg)                      # parked registers are counted above
  e_seg, e_reg, e_kind, e_inst = e_seg[keep], e_reg[keep], e_kind[keep], e_inst[keep]
  m = len(e_seg)
  lk = e_kind != PART
  grp = e_seg * R + e_reg
  idx = np.arange(m)
  prev_lk = np.maximum.accumulate(np.where(lk, idx, -1))            # the last live event at or before
  prev_lk = np.concatenate([[-1], prev_lk[:-1]]) if m else prev_lk   # strictly before
  next_lk = np.minimum.accumulate(np.where(lk, idx, m)[::-1])[::-1]
  next_lk = np.concatenate([next_lk[1:], [m]]) if m else next_lk      # strictly after
  has_prev = (prev_lk >= 0) & (grp[np.maximum(prev_lk, 0)] == grp)
  has_next = (next_lk < m) & (grp[np.minimum(next_lk, m - 1)] == grp)
  in_out = bit(OUT, e_seg, e_reg)
  seg_lo, seg_hi = sstart[e_seg], send[e_seg]
  starts, ends, cls = [], [], []
  cls_of = np.where(e_reg < code.nv, 0, np.where(e_reg < code.nv + code.na, 1, 2))
  # a read: live from the previous live event (or the segment's start) up to and including it
  u = lk & (e_kind == USE)
  starts.append(np.where(has_prev, e_inst[np.maximum(prev_lk, 0)] + 1, seg_lo)[u]); ends.append(e_inst[u]); cls.append(cls_of[u])
  # after the last live event, to the segment's end when live out
  t = lk & ~has_next & in_out
  starts.append(e_inst[t] + 1); ends.append(seg_hi[t] - 1); cls.append(cls_of[t])
  # a kill holds its register at itself; a partial write too, unless it sits inside a live stretch
  covered = np.where(has_next, e_kind[np.minimum(next_lk, m - 1)] == USE, in_out)
  p = (e_kind == KILL) | ((e_kind == PART) & ~covered)
  starts.append(e_inst[p]); ends.append(e_inst[p]); cls.append(cls_of[p])
  # whole segments
  for c in range(3):
    sel = whole[c] > 0
    starts.append(sstart[sel]); ends.append(send[sel] - 1); cls.append(np.full(int(sel.sum()), c))
  counts = []
  st, en, cl = np.concatenate(starts), np.concatenate(ends), np.concatenate(cls)
  wt = np.concatenate([np.ones(sum(len(x) for x in starts[:-3]), np.int64)] + [whole[c][whole[c] > 0] for c in range(3)])
  ok = st <= en
  for c in range(3):
    sel = ok & (cl == c)
    diff = np.bincount(st[sel], wt[sel], n + 1) - np.bincount(en[sel] + 1, wt[sel], n + 1)
    counts.append(np.cumsum(diff)[:n].round().astype(np.int32))
  return Pressure(pcs, counts[0], counts[1], counts[2], len(regions))
