"""Instruction packets -> program counters: walk every traced wave through the kernel's code.

RDNA instruction packets carry no pc, only the wave's slot on the one SIMD per shader engine that is
instruction-traced. A wave starts at the kernel entry (WAVE_START) and each packet stands for the
instruction at the wave's current pc; the walker checks that the packet fits that instruction, takes it,
and moves the pc on: to the branch target on a taken branch (INST op JUMP), to the next instruction
otherwise. WAVE_END stands for s_endpgm. What produces which packet, learned from the captures:

  VALU                              VALU_INST, or INST with a VALU op (64-bit shifts, transcendentals, v_cmpx, WMMA...)
  SALU, SMEM                        INST with a SALU / SMEM op
  memory (ds, global, buffer...)    INST with an LDS / VMEM / FLAT op
  s_branch, s_cbranch_*             INST JUMP (taken) or JUMP_NO (not taken); CDNA: JUMP / NEXT
  s_waitcnt, s_wait_*, s_nop,       IMMEDIATE (one wave) or IMMEDIATE_MASK (every wave in its mask at once);
    s_clause                        CDNA: no packet at all for s_waitcnt and s_nop
  s_sendmsg, s_barrier(_signal)     INST MESSAGE / BARRIER...
  s_endpgm                          WAVE_END; CDNA: INST OTHER_MSG, then WAVE_END
  s_delay_alu, s_wait_alu,          nothing: stepped over. s_waitcnt_depctr is s_wait_alu's gfx11 name.
    s_barrier_wait
  any other SOPP (s_sleep, s_setprio, s_set_inst_prefetch_distance...): not seen in the data, so optional:
    taken when the packet fits, stepped over when it does not.

INST ops named OTHER_* (RDNA) were issued by another SIMD of the same WGP (their `wave` is that SIMD's
slot): they are counted and left unmapped. CDNA INST packets name their SIMD and slot, so every SIMD of the
traced CU is walked; CDNA INST_PC packets carry the pc itself (relative to the code's load base) and
re-synchronise a wave, lost or not.

Which unit is traced: RDNA selects one SA/WGP/SIMD per SE (SQ_THREAD_TRACE_MASK; tinygrad and Mesa select
SIMD 0 of the first WGP), CDNA one CU. The stream does not say which, so `traced_unit` picks the unit on
whose live waves the instruction packets fit (waves are dispatched in lockstep, so several usually fit;
ties go to SIMD 0 and the lowest CU, the hardware's usual selection).

A packet that does not fit the wave's pc marks the wave lost: its later packets are dropped (counted)
until its WAVE_END, or a CDNA INST_PC says where it is. Instruction packets for a slot with no live
wave (the trace began mid-wave) are orphans. Nothing raises on bad input.

The walk is one loop over the packets, compiled with numba (plain Python without it, like sqtt.decode),
over per-instruction arrays built here with numpy: what packet each instruction expects, its fall-through
and taken-target index, whether it is stepped over. Output is columnar (`Mapping`).
"""
from __future__ import annotations
from dataclasses import dataclass, field
from functools import lru_cache
import numpy as np
from sqtt.jit import compiled
from sqtt.decode import Packets
from sqtt.packets import INST_OPS, KIND

# ---------------------------------------------------------------------------------------------------
# packet classes: what the walker sees of a packet

PK_NAMES = ("NONE", "START", "END", "VALU", "IMM", "IMM_MASK", "SALU", "VALU_OP", "MEM", "MSG", "ANY", "JUMP",
            "NOJUMP", "OTHER", "PC")
PK = {n: i for i, n in enumerate(PK_NAMES)}
(PK_NONE, PK_START, PK_END, PK_VALU, PK_IMM, PK_IMM_MASK, PK_SALU, PK_VALU_OP, PK_MEM, PK_MSG, PK_ANY, PK_JUMP,
 PK_NOJUMP, PK_OTHER, PK_PC) = range(len(PK_NAMES))
INSTRUCTION_CLASSES = (PK_VALU, PK_IMM, PK_IMM_MASK, PK_SALU, PK_VALU_OP, PK_MEM, PK_MSG, PK_ANY, PK_JUMP, PK_NOJUMP, PK_PC)
IS_INSTRUCTION = np.isin(np.arange(len(PK_NAMES)), INSTRUCTION_CLASSES)     # indexed by class

def _bits(*classes: int) -> int: return sum(1 << c for c in classes)

# execution pipes (ALU_EXEC / VMEM_EXEC say when an instruction of a pipe executed; see sqtt.timing)
PIPES = ("NONE", "SALU", "VALU", "LDS", "VMEM")
PIPE_NONE, PIPE_SALU, PIPE_VALU, PIPE_LDS, PIPE_VMEM = range(len(PIPES))

# INST op name -> (packet class, pipe), by name prefix, first match wins (RDNA)
RDNA_OP_RULES = (
  ("OTHER_", PK_OTHER, PIPE_NONE),
  ("JUMP_NO", PK_NOJUMP, PIPE_NONE), ("JUMP", PK_JUMP, PIPE_NONE),
  ("SALU", PK_SALU, PIPE_SALU), ("SMEM", PK_SALU, PIPE_SALU),
  ("VALU", PK_VALU_OP, PIPE_VALU), ("WMMA", PK_VALU_OP, PIPE_VALU), ("VINTERP", PK_VALU_OP, PIPE_VALU),
  ("LDS", PK_MEM, PIPE_LDS),
  ("FLAT", PK_MEM, PIPE_VMEM), ("SGMEM", PK_MEM, PIPE_VMEM), ("VMEM", PK_MEM, PIPE_VMEM), ("BUF", PK_MEM, PIPE_VMEM),
  ("MESSAGE", PK_MSG, PIPE_NONE), ("BARRIER", PK_MSG, PIPE_NONE), ("CALL", PK_MSG, PIPE_NONE),
)
# CDNA names its ops differently; OTHER_MSG is s_endpgm / s_sendmsg of this wave, not another SIMD's
CDNA_OPS = {"SMEM_RD": PK_SALU, "SMEM_WR": PK_SALU, "SALU_32": PK_SALU, "SALU_64": PK_SALU, "VALU_32": PK_VALU_OP,
            "VALU_64": PK_VALU_OP, "VALU_MAI": PK_VALU_OP, "VMEM_RD": PK_MEM, "VMEM_WR": PK_MEM, "FLAT_RD": PK_MEM,
            "FLAT_WR": PK_MEM, "LDS": PK_MEM, "JUMP": PK_JUMP, "NEXT": PK_NOJUMP, "OTHER_MSG": PK_MSG, "PC": PK_ANY}

@lru_cache(maxsize=None)
def op_tables(layout: str) -> tuple[np.ndarray, np.ndarray]:
  """(packet class, pipe) per INST `op` value (256 entries) for `layout`; ops without a name are PK_ANY."""
  cls, pipe = np.full(256, PK_ANY, np.int8), np.zeros(256, np.int8)
  for op, name in INST_OPS[layout].items():
    if layout == "cdna": cls[op] = CDNA_OPS.get(name, PK_ANY); continue
    for prefix, c, p in RDNA_OP_RULES:
      if name.startswith(prefix): cls[op], pipe[op] = c, p; break
  return cls, pipe

# ---------------------------------------------------------------------------------------------------
# instruction kinds: which packet classes can stand for an instruction

# kind -> accepted packet classes
ACCEPT = {
  "valu":   _bits(PK_VALU, PK_VALU_OP, PK_ANY),
  "salu":   _bits(PK_SALU, PK_ANY),
  "mem":    _bits(PK_MEM, PK_ANY),
  "lds_valu": _bits(PK_MEM, PK_VALU, PK_VALU_OP, PK_ANY),      # lds_param_load / lds_direct_load
  "branch": _bits(PK_JUMP, PK_NOJUMP),
  "jump":   _bits(PK_JUMP),                                    # s_branch is always taken
  "wait":   _bits(PK_IMM),                                     # IMMEDIATE_MASK is tested as IMM
  "msg":    _bits(PK_MSG, PK_SALU, PK_ANY),
  "end":    _bits(PK_END),
  "end_cdna": _bits(PK_END, PK_MSG, PK_ANY),
  "sopp":   _bits(PK_IMM, PK_MSG, PK_SALU, PK_ANY),            # optional: stepped over when the packet does not fit
  "unknown": _bits(*INSTRUCTION_CLASSES) & ~_bits(PK_PC),      # optional, anything
  "silent": 0,
}
OPTIONAL_KINDS = frozenset({"sopp", "unknown"})
SILENT = {"rdna3": frozenset({"s_delay_alu", "s_waitcnt_depctr", "s_wait_alu", "s_barrier_wait"}),
          "cdna": frozenset({"s_waitcnt", "s_nop"})}
SILENT["rdna4"] = SILENT["rdna3"]
WAIT_SOPP = ("s_waitcnt", "s_wait_", "s_nop", "s_clause")      # prefixes of the SOPPs that give IMMEDIATE (RDNA)
MSG_SOPP = ("s_sendmsg", "s_barrier", "s_trap", "s_call")
MEMORY = ("ds_", "global_", "buffer_", "flat_", "scratch_", "tbuffer_", "image_", "exp")

# flags
F_BRANCH, F_END, F_CALL, F_INDIRECT, F_LEADER = 1, 2, 4, 8, 16

def instruction_kind(mnemonic: str, flow: str, encoding: str | None, layout: str) -> str:
  """The kind (an ACCEPT key) of one instruction, from its mnemonic, control flow and encoding name."""
  if mnemonic in SILENT[layout]: return "silent"
  if flow == "branch": return "jump"
  if flow == "cbranch": return "branch"
  if flow == "end" or mnemonic.startswith("s_endpgm"): return "end_cdna" if layout == "cdna" else "end"
  if mnemonic == ".long": return "unknown"
  if mnemonic.startswith("lds_"): return "lds_valu"
  if mnemonic.startswith("v_"): return "valu"
  if mnemonic.startswith(MEMORY): return "mem"
  if encoding in ("SOPP", "SOPK") and mnemonic.startswith(WAIT_SOPP):
    return "wait" if layout != "cdna" and encoding == "SOPP" else "sopp"
  if mnemonic.startswith(MSG_SOPP): return "msg"
  if encoding == "SOPP": return "sopp"
  if mnemonic.startswith("s_"): return "salu"
  return "unknown"

@dataclass
class ProgramTables:
  """Per-instruction arrays the walker reads (index = position in the kernel's instruction list)."""
  layout: str
  pc: np.ndarray          # int64
  size: np.ndarray        # int64 bytes
  kind: list[str]         # instruction_kind per instruction
  accept: np.ndarray      # int64 bit set of packet classes that can stand for it
  silent: np.ndarray      # bool: never gives a packet, always stepped over
  optional: np.ndarray    # bool: stepped over when the packet does not fit
  next: np.ndarray        # int64: the instruction that follows in memory (-1: none, or a gap)
  target: np.ndarray      # int64: taken-branch / call target (-1: none or outside the listing)
  flags: np.ndarray       # int64: F_* bits
  block: np.ndarray       # int64: index of its basic block in cfg.blocks
  entry: int              # index of the kernel entry

  @property
  def n(self) -> int: return len(self.pc)

  def index_of_pc(self, pcs: np.ndarray) -> np.ndarray:
    """Instruction index of each pc, -1 where no instruction starts."""
    k = np.searchsorted(self.pc, pcs)
    k = np.minimum(k, max(self.n - 1, 0))
    return np.where((self.n > 0) & (self.pc[k] == pcs), k, -1) if self.n else np.full(len(pcs), -1)

def program_tables(instructions, cfg, entry_pc: int, layout: str, encodings: list[str | None] | None = None) -> ProgramTables:
  """Build the walker's tables for one kernel: `instructions` in pc order, its `cfg`, the entry pc, the SQTT
  layout ('rdna3', 'rdna4', 'cdna') and each instruction's encoding name (None: unknown)."""
  n = len(instructions)
  pc = np.array([i.pc for i in instructions], np.int64)
  size = np.array([i.size for i in instructions], np.int64)
  encodings = encodings or [None] * n
  kinds = [instruction_kind(i.mnemonic, i.flow, e, layout) for i, e in zip(instructions, encodings)]
  accept = np.array([ACCEPT[k] for k in kinds], np.int64)
  silent = np.array([k == "silent" for k in kinds], bool)
  optional = np.array([k in OPTIONAL_KINDS for k in kinds], bool)
  nxt = np.where(np.append(pc[1:] == pc[:-1] + size[:-1], False), np.arange(1, n + 1), -1).astype(np.int64)
  targets = np.array([-1 if i.target is None else i.target for i in instructions], np.int64)
  k = np.minimum(np.searchsorted(pc, targets), max(n - 1, 0))
  target = np.where((targets >= 0) & (pc[k] == targets), k, -1).astype(np.int64) if n else targets
  flow_flag = {"branch": F_BRANCH, "cbranch": F_BRANCH, "end": F_END, "call": F_CALL, "indirect": F_INDIRECT}
  flags = np.array([flow_flag.get(i.flow, 0) | (F_END if i.mnemonic.startswith("s_endpgm") else 0) for i in instructions], np.int64)
  starts = np.array([b.start for b in cfg.blocks], np.int64)
  block = (np.searchsorted(starts, pc, side="right") - 1).astype(np.int64)
  if n: flags[np.isin(pc, starts)] |= F_LEADER
  entry = int(np.searchsorted(pc, entry_pc)) if n else 0
  if n == 0 or entry >= n or pc[entry] != entry_pc: raise ValueError(f"entry {entry_pc:#x} is not an instruction start")
  return ProgramTables(layout, pc, size, kinds, accept, silent, optional, nxt, target, flags, block, entry)

# ---------------------------------------------------------------------------------------------------
# which unit is instruction-traced

def _unit_and_slot(p: Packets, layout: str) -> tuple[np.ndarray, np.ndarray]:
  """Per packet: the unit it names (WAVE_START/END: RDNA cu*4+simd, CDNA cu; -1 otherwise) and the wave slot on
  the traced unit it refers to (RDNA `wave`, CDNA simd*16+wave; -1 where none)."""
  wave = p.field("wave")
  unit = np.full(len(p), -1, np.int64)
  se = np.flatnonzero(p.mask("WAVE_START", "WAVE_END"))
  q = p[se]                                     # cu and simd matter on these only: cut them from few packets
  cu, simd = q.field("cu"), q.field("simd")
  unit[se] = cu if layout == "cdna" else cu * 4 + simd
  if layout != "cdna": return unit, wave
  simd_all = p.field("simd")
  return unit, np.where(wave >= 0, np.maximum(simd_all, 0) * 16 + wave, -1)

SAMPLE = 20000   # instruction packets checked against each candidate unit

def traced_unit(p: Packets, layout: str, pk_class: np.ndarray, unit: np.ndarray, slot: np.ndarray) -> int:
  """The unit whose live waves the instruction packets fit best (-1: no wave starts, or no instruction packets).
  Ties: SIMD 0 before the others, then the lowest CU."""
  starts, ends = np.flatnonzero(p.mask("WAVE_START")), np.flatnonzero(p.mask("WAVE_END"))
  insts = np.flatnonzero(np.isin(pk_class, (PK_VALU, PK_IMM, PK_SALU, PK_VALU_OP, PK_MEM, PK_MSG, PK_ANY, PK_JUMP, PK_NOJUMP)))
  if not len(starts) or not len(insts): return -1      # no instruction tracing on this SE: no unit is traced
  cands = np.unique(unit[starts])
  if len(insts) > SAMPLE: insts = insts[np.linspace(0, len(insts) - 1, SAMPLE).astype(np.int64)]
  n = len(p) + 1
  def keyed(idx): return (unit[idx] * 64 + slot[idx]) * n + idx
  s_sorted, e_sorted = np.sort(keyed(starts)), np.sort(keyed(ends))
  base = (cands[:, None] * 64 + slot[insts][None, :]) * n
  q = base + insts[None, :]
  live = (np.searchsorted(s_sorted, q) - np.searchsorted(s_sorted, base)) - (np.searchsorted(e_sorted, q) - np.searchsorted(e_sorted, base))
  misfit = (live <= 0).sum(axis=1)
  per_cu = 1 if layout == "cdna" else 4                  # RDNA units are cu * 4 + simd
  order = np.lexsort((cands // per_cu, cands % per_cu != 0, misfit))   # fewest misfits, then SIMD 0, then lowest CU
  return int(cands[order[0]])

# ---------------------------------------------------------------------------------------------------
# the walk

# wave status
W_RUNNING, W_ENDED, W_LOST, W_CUT, W_END_EARLY = 0, 1, 2, 3, 4
WAVE_STATUS = ("running", "ended", "lost", "cut", "ended early")
# how a wave entered a block
ENTER_START, ENTER_FALL, ENTER_TAKEN, ENTER_RESYNC = 0, 1, 2, 3
ENTER_KINDS = ("start", "fallthrough", "taken", "resync")
# slot pc sentinels
PC_LOST, PC_DONE = -1, -2
# counters the walk returns (state array slots)
COUNT_NAMES = ("events", "entries", "waves", "orphan", "dropped", "mismatch", "other_simd", "end_without_start",
               "lost_waves", "resynced", "full", "first_mismatch")
(C_EVENTS, C_ENTRIES, C_WAVES, C_ORPHAN, C_DROPPED, C_MISMATCH, C_OTHER, C_END_ORPHAN, C_LOST, C_RESYNC, C_FULL,
 C_FIRST_MISMATCH) = range(len(COUNT_NAMES))
N_SLOTS = 64        # wave slots on the traced unit: RDNA `wave` (< 32), CDNA simd * 16 + wave
N_LIVE = 1 << 13    # (unit * N_SLOTS + slot) keys for matching WAVE_END to WAVE_START on every unit

def _walk(pk_class, pk_slot, pk_mask, pk_unit, pk_pcidx, traced, entry, accept, silent, optional, nxt, target, flags,
          block, pk_inst, pk_wave, ev_pkt, ev_wave, ev_inst, ev_stepped, be_wave, be_block, be_kind, be_pkt, w_start, w_end,
          w_unit, w_slot, w_traced, w_status, w_nev, w_last, hits, counts):
  """Walk the packets in stream order, filling the per-packet, per-event, per-block-entry and per-wave arrays;
  `counts` (COUNT_NAMES) carries the totals. Runs compiled (numba makes the module constants literals).

  One function with no helper calls on purpose: a compiled call that takes arrays costs reference-count updates
  per array per call, several times the work of a packet."""
  slot_wave = np.full(N_SLOTS, -1, np.int64)     # the live wave instance in each slot of the traced unit
  slot_pc = np.full(N_SLOTS, PC_LOST, np.int64)  # its instruction index
  slot_enter = np.zeros(N_SLOTS, np.int64)       # how it reached that instruction (ENTER_*)
  live = np.full(N_LIVE, -1, np.int64)
  for p in range(pk_class.shape[0]):
    c = pk_class[p]
    if c == PK_NONE: continue
    if c == PK_OTHER:
      counts[C_OTHER] += 1
      continue
    # which slots the packet speaks for: one, or (IMMEDIATE_MASK) every slot in its mask
    s, lo, hi, m = pk_slot[p] & (N_SLOTS - 1), 0, 0, 0
    if c == PK_START or c == PK_END:
      key = (pk_unit[p] * N_SLOTS + pk_slot[p]) & (N_LIVE - 1)
      mine = pk_unit[p] == traced
      if c == PK_START:
        w = counts[C_WAVES]
        counts[C_WAVES] = w + 1
        if live[key] >= 0 and w_status[live[key]] == W_RUNNING: w_status[live[key]] = W_CUT   # its end never came
        live[key] = w
        w_start[w], w_end[w], w_unit[w], w_slot[w], w_status[w], w_last[w] = p, -1, pk_unit[p], pk_slot[p], W_RUNNING, -1
        w_traced[w] = 1 if mine else 0
        pk_wave[p] = w
        if mine: slot_wave[s], slot_pc[s], slot_enter[s] = w, entry, ENTER_START
        continue
      w = live[key]
      if w < 0:
        counts[C_END_ORPHAN] += 1
        continue
      live[key] = -1
      w_end[w] = p
      pk_wave[p] = w
      if mine and slot_wave[s] == w: lo, hi, m = s, s + 1, np.int64(1) << s    # the wave's s_endpgm
    elif c == PK_IMM_MASK:
      lo, hi, m = 0, 16, pk_mask[p]
    elif pk_slot[p] < 0 or pk_slot[p] >= N_SLOTS:
      counts[C_ORPHAN] += 1
      continue
    else:
      lo, hi, m = s, s + 1, np.int64(1) << s
      w = slot_wave[s]
      if c == PK_PC:                             # CDNA INST_PC: go where the packet says
        if w < 0 or pk_pcidx[p] < 0:
          counts[C_ORPHAN] += 1
          continue
        if slot_pc[s] != pk_pcidx[p]:
          slot_enter[s] = ENTER_RESYNC
          if w_status[w] == W_LOST:
            w_status[w] = W_RUNNING
            counts[C_RESYNC] += 1
          slot_pc[s] = pk_pcidx[p]
    bit = np.int64(1) << (PK_IMM if c == PK_IMM_MASK else c)
    for s in range(lo, hi):
      if not (m >> s) & 1: continue
      # --- the wave in slot s takes packet p ---
      w = slot_wave[s]
      if w < 0:
        counts[C_ORPHAN] += 1
        continue
      i = slot_pc[s]
      if i == PC_LOST:
        if c != PK_END: counts[C_DROPPED] += 1   # (a lost wave's WAVE_END just ends it)
        continue
      j = i
      if c != PK_PC:                             # (INST_PC: the packet says where the wave is; nothing to check)
        if i == PC_DONE:
          if c == PK_END: continue               # the WAVE_END after CDNA's s_endpgm packet
          j = -1                                 # a packet after the program ended: does not fit
        while j >= 0 and (silent[j] or (optional[j] and (accept[j] & bit) == 0)):
          j = nxt[j]                             # step over what gives no packet (or not this one)
        if j < 0 or (accept[j] & bit) == 0:
          if c == PK_END:                        # the wave ended away from s_endpgm
            w_status[w] = W_END_EARLY
            continue
          counts[C_MISMATCH] += 1                # lose the wave: its packets are dropped until it ends or resyncs
          if counts[C_FIRST_MISMATCH] < 0: counts[C_FIRST_MISMATCH] = p
          slot_pc[s] = PC_LOST
          if w_status[w] == W_RUNNING:
            w_status[w] = W_LOST
            counts[C_LOST] += 1
          continue
      while True:                                # execute i (and each instruction stepped over on the way to j)
        hits[i] += 1
        w_last[w] = i
        w_nev[w] += 1
        e = counts[C_EVENTS]
        if e < ev_pkt.shape[0]:
          ev_pkt[e], ev_wave[e], ev_inst[e], ev_stepped[e] = p, w, i, i != j
          counts[C_EVENTS] = e + 1
        else:
          counts[C_FULL] = 1                     # the caller grows the arrays and walks again
        if flags[i] & F_LEADER:
          e = counts[C_ENTRIES]
          if e < be_wave.shape[0]:
            be_wave[e], be_block[e], be_kind[e], be_pkt[e] = w, block[i], slot_enter[s], p
            counts[C_ENTRIES] = e + 1
          else:
            counts[C_FULL] = 1
        slot_enter[s] = ENTER_FALL
        if i == j: break
        i = nxt[i]
      # move the wave past it
      f, nxt_pc = flags[i], nxt[i]
      if f & F_END:
        nxt_pc = PC_DONE
      elif (f & F_BRANCH and c == PK_JUMP) or f & F_CALL:    # a call goes into the callee when it is in the listing
        nxt_pc = target[i]
        slot_enter[s] = ENTER_TAKEN
      elif f & F_INDIRECT:                                   # s_setpc / s_swappc: the target is not in the trace
        nxt_pc = PC_LOST
      slot_pc[s] = nxt_pc
      if nxt_pc == PC_LOST and w_status[w] == W_RUNNING:     # off the end of the code, or an unknown target
        w_status[w] = W_LOST
        counts[C_LOST] += 1
      if pk_inst[p] < 0: pk_inst[p], pk_wave[p] = i, w
    if c == PK_END:
      if lo < hi: slot_wave[lo] = -1
      w = pk_wave[p]
      if w_status[w] == W_RUNNING: w_status[w] = W_ENDED


# ---------------------------------------------------------------------------------------------------

@dataclass
class Mapping:
  """One trace buffer walked through one kernel.

  Events (one row per instruction a wave executed: an IMMEDIATE_MASK packet gives one per wave in its
  mask, a WAVE_END one for s_endpgm; an instruction stepped over gets one with ev_stepped set and the
  packet that stepped over it), in stream order:
    ev_packet, ev_wave, ev_inst, ev_stepped, ev_time
  Per packet (len(packets)): packet_inst (-1: no instruction), packet_wave (wave instance, -1: none;
    IMMEDIATE_MASK: the first wave of its mask).
  Block entries, in stream order: be_wave, be_block (index into cfg.blocks), be_kind (ENTER_KINDS), be_packet, be_time.
  Per wave instance (every WAVE_START, traced unit or not): w_start/w_end (packet index, -1: none),
    w_cu, w_simd, w_slot (hardware wave slot), w_traced, w_status (WAVE_STATUS), w_n_insts, w_last_inst.
  hits: per instruction, how often a traced wave executed it (stepped-over instructions included).
  """
  program: ProgramTables
  packets: Packets
  traced_unit: int
  packet_class: np.ndarray    # PK_* per packet
  packet_pipe: np.ndarray     # PIPES index per packet (what ALU_EXEC / VMEM_EXEC it pairs with)
  ev_packet: np.ndarray
  ev_wave: np.ndarray
  ev_inst: np.ndarray
  ev_stepped: np.ndarray
  packet_inst: np.ndarray
  packet_wave: np.ndarray
  be_wave: np.ndarray
  be_block: np.ndarray
  be_kind: np.ndarray
  be_packet: np.ndarray
  w_start: np.ndarray
  w_end: np.ndarray
  w_cu: np.ndarray
  w_simd: np.ndarray
  w_slot: np.ndarray
  w_traced: np.ndarray
  w_status: np.ndarray
  w_n_insts: np.ndarray
  w_last_inst: np.ndarray
  hits: np.ndarray
  counts: dict = field(default_factory=dict)
  problems: list = field(default_factory=list)

  @property
  def ev_time(self) -> np.ndarray: return self.packets.time[self.ev_packet]
  @property
  def be_time(self) -> np.ndarray: return self.packets.time[self.be_packet]
  @property
  def n_waves(self) -> int: return len(self.w_start)
  @property
  def waves_started(self) -> int: return int(len(self.w_start))
  @property
  def waves_ended(self) -> int: return int((self.w_end >= 0).sum())
  @property
  def unmapped(self) -> int: return int(self.counts["orphan"] + self.counts["dropped"] + self.counts["mismatch"])

  def summary(self) -> dict:
    c = self.counts
    traced = self.w_traced
    return {"packets": len(self.packets), "instruction_packets": c["instruction_packets"], "mapped": c["mapped_packets"],
            "events": int(len(self.ev_inst)), "unmapped": self.unmapped, "orphan": c["orphan"], "dropped": c["dropped"],
            "mismatch": c["mismatch"], "other_simd": c["other_simd"], "waves_started": self.waves_started,
            "waves_ended": self.waves_ended, "traced_waves": int(traced.sum()),
            "lost_waves": int(((self.w_status == W_LOST) & traced).sum()), "resynced": c["resynced"],
            "traced_unit": self.unit_json()}

  def unit_json(self) -> dict | None:
    u = self.traced_unit
    if u < 0: return None
    return {"cu": u} if self.program.layout == "cdna" else {"cu": u // 4, "simd": u % 4}

def packet_classes(p: Packets, layout: str) -> tuple[np.ndarray, np.ndarray]:
  """(PK_* class, execution pipe) of every packet."""
  cls, pipe = np.zeros(len(p), np.int8), np.zeros(len(p), np.int8)
  k = p.kind
  for kind, c in (("WAVE_START", PK_START), ("WAVE_END", PK_END), ("VALU_INST", PK_VALU), ("IMMEDIATE", PK_IMM),
                  ("IMMEDIATE_MASK", PK_IMM_MASK), ("INST_PC", PK_PC)):
    cls[k == KIND[kind]] = c
  pipe[cls == PK_VALU] = PIPE_VALU
  inst = k == KIND["INST"]
  if inst.any():
    op_cls, op_pipe = op_tables(layout)
    op = p.field("op")[inst] & 0xFF
    cls[inst], pipe[inst] = op_cls[op], op_pipe[op]
  return cls, pipe

def map_packets(p: Packets, program: ProgramTables, load_base: int = 0) -> Mapping:
  """Walk every traced wave of `p` (one shader engine's packets) through `program`. `load_base`: where the code
  was loaded on the GPU (CDNA INST_PC packets that carry a full address are made relative to it)."""
  layout = p.stream_layout or program.layout
  pk_class, pk_pipe = packet_classes(p, layout)
  unit, slot = _unit_and_slot(p, layout)
  traced = traced_unit(p, layout, pk_class, unit, slot)
  pcidx = np.full(len(p), -1, np.int64)
  if (pcm := pk_class == PK_PC).any():
    pcs = p.field("pc")[pcm]
    if load_base: pcs = np.where(pcs >= load_base, pcs - load_base, pcs)
    pcidx[pcm] = program.index_of_pc(pcs)
  n, n_waves = len(p), int((pk_class == PK_START).sum())
  mask = p.field("mask")
  # events: one per instruction packet, per wave of an IMMEDIATE_MASK, per WAVE_END, plus stepped-over
  # instructions (not known ahead: the arrays grow when a walk fills them)
  per_mask = np.unpackbits(np.maximum(mask[pk_class == PK_IMM_MASK], 0).astype(">u2").view(np.uint8)).sum()
  instruction = IS_INSTRUCTION[pk_class]
  cap = int(instruction.sum() + (pk_class == PK_END).sum() + per_mask) * 5 // 4 + 64
  cap_entries = cap // 4 + 64             # blocks are entered far less often than instructions run
  walk = compiled(_walk)
  args = (pk_class.astype(np.int64), slot.astype(np.int64), mask, unit.astype(np.int64), pcidx, np.int64(traced),
          np.int64(program.entry), program.accept, program.silent, program.optional, program.next, program.target,
          program.flags, program.block)
  # (narrow columns: on big traces writing fresh memory costs more than the walk itself)
  while True:
    pk_inst, pk_wave = np.full(n, -1, np.int32), np.full(n, -1, np.int32)
    ev = [np.empty(cap, t) for t in (np.int64, np.int32, np.int32, np.int8)]             # packet, wave, inst, stepped
    be = [np.empty(cap_entries, t) for t in (np.int32, np.int32, np.int8, np.int64)]     # wave, block, kind, packet
    wv = [np.zeros(n_waves, np.int64) for _ in range(8)]
    hits = np.zeros(program.n, np.int64)
    counts = np.zeros(len(COUNT_NAMES), np.int64)
    counts[C_FIRST_MISMATCH] = -1
    walk(*args, pk_inst, pk_wave, *ev, *be, *wv, hits, counts)
    if not counts[C_FULL]: break
    cap, cap_entries = (cap * 2 if counts[C_EVENTS] >= cap else cap), cap_entries * 2
  ne, nb = int(counts[C_EVENTS]), int(counts[C_ENTRIES])
  w_start, w_end, w_unit, w_slot, w_traced, w_status, w_nev, w_last = wv
  cu, simd = (w_unit, w_slot // 16) if layout == "cdna" else (w_unit // 4, w_unit % 4)
  hw_slot = w_slot % 16 if layout == "cdna" else w_slot
  c = {name: int(counts[i]) for i, name in enumerate(COUNT_NAMES) if name != "full"}
  c["instruction_packets"] = int(instruction.sum())
  c["mapped_packets"] = int((instruction & (pk_inst >= 0)).sum())
  problems = []
  if c["first_mismatch"] >= 0:
    q = c["first_mismatch"]
    problems.append(f"packet {q} ({p.describe(q).split()[2]}) did not fit its wave's instruction: the wave was dropped")
  if c["orphan"]: problems.append(f"{c['orphan']} instruction packets for wave slots with no live wave (trace began mid-wave?)")
  if traced < 0 and c["instruction_packets"]: problems.append("instruction packets but no WAVE_START: nothing to walk")
  return Mapping(program, p, traced, pk_class, pk_pipe, ev[0][:ne], ev[1][:ne], ev[2][:ne], ev[3][:ne].view(bool), pk_inst,
                 pk_wave, be[0][:nb], be[1][:nb], be[2][:nb], be[3][:nb], w_start, w_end, cu, simd, hw_slot,
                 w_traced.astype(bool), w_status, w_nev, w_last, hits, c, problems)

__all__ = ["Mapping", "ProgramTables", "program_tables", "map_packets", "instruction_kind", "traced_unit", "packet_classes",
           "op_tables", "WAVE_STATUS", "ENTER_KINDS", "PIPES"]
