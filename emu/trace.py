"""The SQ thread trace (SQTT) a simulated dispatch would leave on RDNA3 (gfx11, layout "rdna3") and RDNA4 (gfx12,
"rdna4"): one buffer per shader engine (SE), encoded by sqtt.encode, readable by sqtt.decode and sqtt.mapping.

Each buffer holds, in time order (ties: waves by start, end, id; a wave's own packets in program order):
  LAYOUT_HEADER           first, with the bits every real capture's header has: it tells the decoder the layout
  WAVE_START, WAVE_END    every wave of the SE (all CUs and SIMDs) at its `start` and `end`; the WAVE_END stands for
                          the wave's s_endpgm
  one packet per instruction of each traced wave, at its issue cycle, as sqtt.mapping documents (`packet_table`):
    VALU                  VALU_INST, or INST with a VALU op for 64-bit, transcendental, exec-writing, WMMA... ones
    SALU / SMEM           INST SALU (SALU_2, SALU_WR_EXEC...) / INST SMEM_RD (rdna3), SMEM (rdna4)
    ds_, global_, ...     INST LDS_RD / LDS_WR_n / SGMEM_* (rdna3) / VMEM_* BUF_* (rdna4) / FLAT_*
    s_branch, s_cbranch_* INST JUMP when taken (the next pc is not pc + size), JUMP_NO when not
    s_waitcnt, s_wait_*, s_nop, s_clause and other SOPPs: IMMEDIATE
    s_sendmsg, s_barrier* INST MESSAGE / BARRIER / BARRIER_SIGNAL / CALL
    s_delay_alu, s_wait_alu (s_waitcnt_depctr), s_barrier_wait, .long: nothing (the mapper steps over them)

Time: each packet's delta field carries the cycles since the previous packet; a gap wider than that field gets
TS_DELTA_SHORTs (4..19 cycles each, as many as are shorter than one long delta: 5 on rdna3, 7 on rdna4) or else a
TS_DELTA_OR_MARK (up to 2^36-1 cycles on rdna3, 2^52-1 on rdna4; chained beyond) in front of it. The decoder's clock is 0 at the header = dispatch start, so every packet decodes at exactly the cycle
given. What sqtt.mapping then reports for a traced wave: every pc of `pcs`, each at its issue cycle, except s_endpgm
(at the wave's `end`, its WAVE_END) and the instructions without a packet (at the time of the wave's next packet).

Not written, as neither the decoder nor the mapper needs them: ALU_EXEC / VMEM_EXEC (when an issued instruction
executed), TS_WAVE_STATE, REG / EVENT / SNAPSHOT, WAVE_READY, PERF; and IMMEDIATE_MASK, the hardware's one packet for
the same-cycle waits of several waves (one IMMEDIATE per wave here).

The traced SIMD is named nowhere in the stream: the mapper infers it from which unit's live waves the instruction
packets fit, ties going to SIMD 0 of the lowest CU. Trace SIMD 0 of CU 0 (what the hardware is usually told, by
tinygrad and Mesa alike) and the inference cannot go wrong. `cu` is the packets' cu field: the WGP in its shader
array, plus the shader array above it (rdna3: wgp | sa << 3, 0..15; rdna4: wgp | sa << 4, 0..31).
Op choices marked "seen" are what the real captures in tests/data show; the others go by the op's name.
"""
from __future__ import annotations
import re
from dataclasses import dataclass
from itertools import pairwise
import numpy as np
from isa.decode import Disassembler
from sqtt.decode import NK
from sqtt.encode import encode_columns
from sqtt.mapping import ACCEPT, PK_VALU, instruction_kind, op_tables
from sqtt.packets import INST_OPS, KIND, LAYOUTS, arch_layout

@dataclass
class WaveRecord:
  se: int; cu: int; simd: int; slot: int      # where the wave ran (slot = wave slot on its SIMD, 0..15)
  wave_id: int                                  # index of the wave in the dispatch
  start: int; end: int                          # cycles from dispatch start (int)
  traced: bool                                  # instruction-traced (its SIMD is the SE's traced SIMD)
  pcs: np.ndarray                               # int64, every pc it executed, in order, last one is s_endpgm
  issue: np.ndarray                             # int64, cycle each of those instructions issued (non-decreasing, >= start, <= end)

# the header real captures start with (every one in tests/data has these bits)
HEADER = {"rdna3": {"layout": 3, "sel_a": 6}, "rdna4": {"layout": 4, "sel_a": 6, "sel_b": 4, "flag_b59": 1}}
NONE, INST, VALU_INST, IMMEDIATE = -1, KIND["INST"], KIND["VALU_INST"], KIND["IMMEDIATE"]
OP_NO = {layout: {name: op for op, name in INST_OPS[layout].items()} for layout in HEADER}   # INST op name -> number

def _sized(layout: str, family: str, n: int) -> str:
  """The op of `family` nearest to n VGPRs (LDS_WR_1..5, SGMEM_WR_2..6...), or `family` itself when unnumbered."""
  sizes = [int(v[len(family) + 1:]) for v in INST_OPS[layout].values() if re.fullmatch(family + r"_\d+", v)]
  return f"{family}_{min(max(n, min(sizes)), max(sizes))}" if sizes else family

def _op(i, kind: str, enc: str | None, layout: str) -> str | None:
  """The INST op name of one instruction of kind `kind` (sqtt.mapping.instruction_kind); None: VALU_INST."""
  m, r4 = i.mnemonic, layout == "rdna4"
  if kind in ("valu", "lds_valu"):
    if m.startswith("lds_"): return ("LDS_PARAM_LOAD" if "param" in m else "LDS_DIR_LOAD") if r4 else "LDS_RD"
    if m.startswith("v_cmpx_"): return None if r4 else "VALU1_WR_EXEC"                     # seen both
    if m.startswith("v_s_"): return "VALU_SCL_TRANS"                                       # seen (gfx12 only)
    if re.match(r"v_(rcp|rsq|sqrt|exp|log|sin|cos)_", m): return "VALUT_4"                 # seen v_rcp_f32
    if m.startswith("v_wmma_"): return ("WMMA_8" if re.search("iu|fp8|bf8", m) else "WMMA_16") if r4 else "VALUB_16"  # seen iu8, f16
    if re.match(r"v_(lshl|lshr|ashr)rev_[bi]64", m): return "VALUB_2"                      # seen
    if re.match(r"v_mad_(co_)?[iu]64", m): return "VALUB_4"                                # seen
    if "f64" in m: return "VALU_DPFP" if r4 else "VALUB_16"
    return None                                                                              # seen: the rest
  if kind == "salu":
    if enc == "SMEM": return "SMEM" if r4 else "SMEM_RD"                                    # seen s_load_*
    if any(w.startswith("exec") for w in i.writes): return "SALU_WR_EXEC"
    if r4 and m.startswith("s_mul_"): return "SALU_2"                                      # seen s_mul_i32
    if r4 and re.search(r"_f(16|32)$", m): return "SALU_FLOAT_3"
    return "SALU"                                                                            # seen
  if kind == "mem":        # the number after RD/WR counts the VGPRs read: address (+ data). Seen: 1-2 for RD, 2 for WR
    nv = sum(1 for r in i.reads if r[0] == "v" and r[1:].isdigit())
    rd = "load" in m and "store" not in m
    if m.startswith("ds_"): return "LDS_RD" if rd else _sized(layout, "LDS_WR", nv)
    family = "FLAT" if m.startswith("flat_") else "BUF" if r4 and m.startswith(("buffer_", "tbuffer_", "image_")) else \
      "VMEM" if r4 else "SGMEM"
    return _sized(layout, family + ("_RD" if rd else "_WR"), nv)
  if kind == "msg":
    if m.startswith("s_barrier"): return ("BARRIER_JOIN" if "join" in m else "BARRIER_SIGNAL") if r4 else "BARRIER"  # seen
    return "CALL" if m.startswith("s_call") else "MESSAGE"                                 # seen s_sendmsg
  if kind in ("jump", "branch"): return "JUMP"
  return None

def packet_table(arch: str, instructions: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
  """Per instruction: the KIND number of the packet its issue writes (NONE: none; s_endpgm's is the WAVE_END), its
  INST op, and whether it is a conditional branch (its op then says taken or not, per execution)."""
  layout, d = arch_layout(arch), Disassembler(arch)
  op_class = op_tables(layout)[0]
  kind, op = np.full(len(instructions), NONE, np.int64), np.zeros(len(instructions), np.int64)
  for n, i in enumerate(instructions):
    enc = e.name if (e := d.encoding_of(i.words[0])) else None
    k = instruction_kind(i.mnemonic, i.flow, enc, layout)
    if k == "wait" or k == "sopp": kind[n] = IMMEDIATE
    elif k in ("valu", "lds_valu", "salu", "mem", "msg", "jump", "branch"):
      name = _op(i, k, enc, layout)
      kind[n], op[n] = (VALU_INST, 0) if name is None else (INST, OP_NO[layout][name])
      assert ACCEPT[k] >> int(PK_VALU if name is None else op_class[op[n]]) & 1, (i.text, name)   # the walker takes it
  branch = np.array([i.flow == "cbranch" for i in instructions], bool)
  return kind, op, branch

def _timed(layout: str, kind: np.ndarray, time: np.ndarray, fields: dict) -> tuple[np.ndarray, dict]:
  """Give every packet its delta, with timestamp packets put in front where the gap from the previous packet does not
  fit its delta field: a few TS_DELTA_SHORTs (4..19 cycles each, 8 bits) while they are shorter than one
  TS_DELTA_OR_MARK (48 / 64 bits), which carries the whole gap beyond that. The clock starts at 0."""
  rows = {p.name: p for p in LAYOUTS[layout]}
  top = {n: (1 << (p.fields["delta"][0] - p.fields["delta"][1] + 1)) - 1 for n, p in rows.items() if "delta" in p.fields}
  width = np.zeros(NK, np.int64)               # largest gap each kind carries in its own delta (0: none)
  for n, p in rows.items():
    if p.time == "delta" and n in top: width[KIND[n]] = top[n]
  long_max, run = top["TS_DELTA_OR_MARK"], (rows["TS_DELTA_OR_MARK"].bits - 1) // rows["TS_DELTA_SHORT"].bits
  gap = np.diff(time, prepend=0)
  over = gap - width[kind]
  n_short = np.where((over > 0) & (over <= 19 * run), -(-over // 19), 0)
  n_long = np.where((over > 0) & (n_short == 0), -(-gap // long_max), 0)   # these carry all the gap: the packet's delta is 0
  shorts = np.where(n_short > 0, np.maximum(over, 4), 0)   # >= 4 per short already when there are two or more
  delta = np.where(n_long > 0, 0, gap - shorts)
  n = n_long + n_short + 1
  owner = np.repeat(np.arange(len(kind)), n)
  j = np.arange(len(owner)) - np.repeat(np.cumsum(n) - n, n)       # row within its packet's group
  nl, ns, sh = n_long[owner], n_short[owner], shorts[owner]
  is_long, is_short = j < nl, (j >= nl) & (j < nl + ns)
  out_kind, out_delta = kind[owner], delta[owner]
  out_kind[is_long], out_delta[is_long] = KIND["TS_DELTA_OR_MARK"], np.minimum(long_max, gap[owner] - j * long_max)[is_long]
  q, ns_ = (j - nl)[is_short], np.maximum(ns, 1)[is_short]         # the shorts split their cycles evenly
  out_kind[is_short], out_delta[is_short] = KIND["TS_DELTA_SHORT"], sh[is_short] // ns_ + (q < sh[is_short] % ns_) - 4
  return out_kind, {**{f: v[owner] for f, v in fields.items()}, "delta": out_delta}

def trace_buffers(arch: str, instructions: list, entry_pc: int, waves: list[WaveRecord], n_se: int) -> list[bytes]:
  """One SQTT buffer per shader engine: WAVE_START/WAVE_END for every wave of that SE (all SIMDs), instruction packets
  for waves with traced=True, timestamps from the cycles given."""
  layout = arch_layout(arch)
  if layout not in HEADER: raise ValueError(f"no RDNA SQTT layout for {arch!r}")
  kind, op, branch = packet_table(arch, instructions)
  pc = np.array([i.pc for i in instructions], np.int64)
  size = np.array([i.size for i in instructions], np.int64)
  jump, jump_no = OP_NO[layout]["JUMP"], OP_NO[layout]["JUMP_NO"]
  out = []
  for se in range(n_se):
    mine = sorted((w for w in waves if w.se == se), key=lambda w: (w.start, w.end, w.wave_id))
    if len({(w.cu, w.simd) for w in mine if w.traced}) > 1: raise ValueError(f"SE {se}: traced waves on more than one SIMD")
    by_slot = sorted(mine, key=lambda w: (w.cu, w.simd, w.slot, w.start, w.end))   # a slot holds one wave at a time
    for a, b in pairwise(by_slot):
      if (a.cu, a.simd, a.slot) == (b.cu, b.simd, b.slot) and b.start < a.end:
        raise ValueError(f"SE {se}: waves {a.wave_id} and {b.wave_id} share CU {a.cu} SIMD {a.simd} slot {a.slot} at once")
    names = ("time", "kind", "op", "wave", "cu", "simd", "rank", "seq")
    cols = {f: [np.array([KIND["LAYOUT_HEADER"] if f == "kind" else -1 if f == "rank" else 0])] for f in names}
    quiet = [r for r, w in enumerate(mine) if not w.traced]   # a start and an end each: rows for all of them at once
    if quiet:
      q = [mine[r] for r in quiet]
      st, en = np.array([w.start for w in q], np.int64), np.array([w.end for w in q], np.int64)
      if (st < 0).any() or (en < st).any():
        bad = q[int(np.flatnonzero((st < 0) | (en < st))[0])]
        raise ValueError(f"wave {bad.wave_id}: cycles must not go back (start <= issue <= end)")
      for f, v in (("time", np.stack([st, en], 1)), ("kind", np.array([[KIND["WAVE_START"], KIND["WAVE_END"]]])),
                   ("op", 0), ("wave", [[w.slot] for w in q]), ("cu", [[w.cu] for w in q]), ("simd", [[w.simd] for w in q]),
                   ("rank", np.array(quiet)[:, None]), ("seq", np.array([[0, 1]]))):
        cols[f].append(np.broadcast_to(np.asarray(v, np.int64), (len(q), 2)).reshape(-1))
    for r, w in enumerate(mine):   # a traced wave's rows: its start, its instruction packets, its end
      if not w.traced: continue
      pcs, issue = np.asarray(w.pcs, np.int64), np.asarray(w.issue, np.int64)
      idx = np.minimum(np.searchsorted(pc, pcs), len(pc) - 1)
      if len(pcs) != len(issue) or not len(pcs) or pcs[0] != entry_pc or (pc[idx] != pcs).any():
        raise ValueError(f"wave {w.wave_id}: pcs must start at the entry, be instruction starts and have one issue cycle each")
      taken = np.append(pcs[1:] != pcs[:-1] + size[idx[:-1]], False)
      keep = kind[idx] != NONE
      t = np.hstack([w.start, issue[keep], w.end])
      k = np.hstack([KIND["WAVE_START"], kind[idx][keep], KIND["WAVE_END"]])
      o = np.hstack([0, np.where(branch[idx], np.where(taken, jump, jump_no), op[idx])[keep], 0])
      if t[0] < 0 or (np.diff(t) < 0).any(): raise ValueError(f"wave {w.wave_id}: cycles must not go back (start <= issue <= end)")
      for f, v in (("time", t), ("kind", k), ("op", o), ("wave", w.slot), ("cu", w.cu), ("simd", w.simd), ("rank", r),
                   ("seq", np.arange(len(t)))):
        cols[f].append(np.broadcast_to(v, t.shape))
    c = {f: np.concatenate(v).astype(np.int64) for f, v in cols.items()}
    order = np.lexsort((c.pop("seq"), c.pop("rank"), c["time"]))   # by time; ties by wave rank, then program order
    c = {f: v[order] for f, v in c.items()}
    kinds, fields = _timed(layout, c.pop("kind"), c.pop("time"), c)
    fields.update({f: np.where(kinds == KIND["LAYOUT_HEADER"], v, 0) for f, v in HEADER[layout].items()})
    out.append(encode_columns(layout, kinds, fields))
  return out
