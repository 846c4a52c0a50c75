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
from sqtt.jit import Rows, compiled, is_interpreted, python_ints
from sqtt.decode import Packets
from sqtt.packets import ALU_SRC, INST_OPS, KIND, MEM_SRC

# ---------------------------------------------------------------------------------------------------
# packet classes: what the walker sees of a packet

PK_NAMES = ("NONE", "START", "END", "VALU", "IMM", "IMM_MASK", "SALU", "VALU_OP", "MEM", "MSG", "ANY", "JUMP",
            "NOJUMP", "OTHER", "PC", "INST_OP")   # INST_OP: an INST packet, its class still to come from its op
PK = {n: i for i, n in enumerate(PK_NAMES)}
(PK_NONE, PK_START, PK_END, PK_VALU, PK_IMM, PK_IMM_MASK, PK_SALU, PK_VALU_OP, PK_MEM, PK_MSG, PK_ANY, PK_JUMP,
 PK_NOJUMP, PK_OTHER, PK_PC, PK_INST_OP) = range(len(PK_NAMES))
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
  u = np.sort(unit[starts])
  cands = u[np.concatenate(([True], u[1:] != u[:-1]))]   # (np.unique: it imports numpy.ma, 15 ms of a cold start)
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
NO_TIME = -(1 << 62)   # a wave's end time when it never ended in the trace
# counters the walk keeps (state array slots)
COUNT_NAMES = ("events", "entries", "waves", "orphan", "dropped", "mismatch", "other_simd", "end_without_start",
               "lost_waves", "resynced", "first_mismatch", "packets", "instruction_packets", "mapped_packets", "exec_pairs",
               "exec_unpaired")
(C_EVENTS, C_ENTRIES, C_WAVES, C_ORPHAN, C_DROPPED, C_MISMATCH, C_OTHER, C_END_ORPHAN, C_LOST, C_RESYNC,
 C_FIRST_MISMATCH, C_PACKETS, C_INSTRUCTION, C_MAPPED, C_XPAIRS, C_XUNPAIRED) = range(len(COUNT_NAMES))
N_SLOTS = 64        # wave slots on the traced unit: RDNA `wave` (< 32), CDNA simd * 16 + wave
N_LIVE = 1 << 13    # (unit * N_SLOTS + slot) keys for matching WAVE_END to WAVE_START on every unit
EXEC_QUEUE = 1 << 12   # per pipe: instructions issued but not yet paired with their exec (and the reverse)
# the packet fields the walk reads, as rows of the field tables handed to it
WALK_FIELDS = ("wave", "cu", "simd", "mask", "op", "pc", "src")
F_WAVE, F_CU, F_SIMD, F_MASK, F_OP, F_PC, F_SRC = range(len(WALK_FIELDS))

def _walk(kind, raw, lay, time, first_packet, cdna, kind_class, op_class, op_pipe, fields, exec_pipes, load_base,
          program_pc, entry, accept, silent, optional, nxt, target, flags, block, slot_wave, slot_pc, slot_enter, live,
          xq_inst, xq_time, xq_head, xq_tail, traced, ev_pkt, ev_time, ev_wave, ev_inst, ev_stepped, ev_done, be_wave,
          be_block, be_kind, w_start, w_end, w_unit, w_slot, w_traced, w_status, w_nev, x_inst, x_delay, hits,
          counts):
  """Walk one chunk of packets (columns kind, raw, layout, time; the chunk's first packet is number
  `first_packet` of the stream) on from where the previous chunk left the walk: slot_*, live and the exec queues
  are its state, `counts` (COUNT_NAMES) its totals and the next free row of every output. The caller makes the
  outputs big enough for the chunk first. Runs compiled (numba makes the module constants literals).

  A packet's class comes from its kind (INST: from its op), its fields from the per-(layout, kind) `fields` rows
  (lo, mask, lo2, mask2, shift2, present). One function with no helper calls on purpose: a compiled call that
  takes arrays costs reference-count updates per array per call, several times the work of a packet."""
  nk = len(kind_class)
  n_prog = len(program_pc)
  for p in range(len(kind)):
    k = np.int64(kind[p])
    c = np.int64(kind_class[k])
    key = np.int64(lay[p]) * nk + k
    w64 = np.int64(raw[p])
    tp = time[p]
    if c == PK_NONE:
      if exec_pipes[k, 0] < 0: continue
      # ALU_EXEC / VMEM_EXEC: the k-th exec of a pipe is its k-th issued instruction (queue xp: issued and waiting
      # for their exec; queue xp + 8: execs waiting for their instruction)
      f = fields[F_SRC, key]
      src = ((w64 >> f[0]) & f[1]) | (((w64 >> f[2]) & f[3]) << f[4])
      for q in range(2):
        xp = exec_pipes[k, 1 + 2 * src + q]
        if xp <= 0: continue
        if xq_tail[xp] > xq_head[xp]:
          j = xq_head[xp] % EXEC_QUEUE
          xq_head[xp] += 1
          if xq_inst[xp, j] >= 0:
            e = counts[C_XPAIRS]
            x_inst[e], x_delay[e] = xq_inst[xp, j], tp - xq_time[xp, j]
            counts[C_XPAIRS] = e + 1
        elif xq_tail[xp + 8] - xq_head[xp + 8] < EXEC_QUEUE:
          xq_time[xp + 8, xq_tail[xp + 8] % EXEC_QUEUE] = tp
          xq_tail[xp + 8] += 1
        else: counts[C_XUNPAIRED] += 1
      continue
    pipe = 0
    if c == PK_INST_OP:
      f = fields[F_OP, key]
      op = (((w64 >> f[0]) & f[1]) | (((w64 >> f[2]) & f[3]) << f[4])) & 0xFF
      c, pipe = np.int64(op_class[op]), op_pipe[op]
    elif c == PK_VALU: pipe = PIPE_VALU
    if c == PK_NONE: continue
    if c == PK_OTHER:
      counts[C_OTHER] += 1
      continue
    slot = np.int64(-1)
    f = fields[F_WAVE, key]
    if f[5]:
      slot = ((w64 >> f[0]) & f[1]) | (((w64 >> f[2]) & f[3]) << f[4])
      if cdna:
        f = fields[F_SIMD, key]
        simd = ((w64 >> f[0]) & f[1]) | (((w64 >> f[2]) & f[3]) << f[4]) if f[5] else np.int64(0)
        slot = simd * 16 + slot
    is_inst = c != PK_START and c != PK_END
    if is_inst: counts[C_INSTRUCTION] += 1
    packet_inst, end_wave = np.int64(-1), np.int64(-1)
    # which slots the packet speaks for: one, or (IMMEDIATE_MASK) every slot in its mask
    s, lo, hi, m = slot & (N_SLOTS - 1), 0, 0, np.int64(0)
    if c == PK_START or c == PK_END:
      f = fields[F_CU, key]
      unit = ((w64 >> f[0]) & f[1]) | (((w64 >> f[2]) & f[3]) << f[4])
      if not cdna:
        f = fields[F_SIMD, key]
        unit = unit * 4 + (((w64 >> f[0]) & f[1]) | (((w64 >> f[2]) & f[3]) << f[4]))
      lkey = (unit * N_SLOTS + slot) & (N_LIVE - 1)
      mine = unit == traced[0]
      if c == PK_START:
        w = counts[C_WAVES]
        counts[C_WAVES] = w + 1
        if live[lkey] >= 0 and w_status[live[lkey]] == W_RUNNING: w_status[live[lkey]] = W_CUT   # its end never came
        live[lkey] = w
        w_start[w], w_end[w], w_unit[w], w_slot[w], w_status[w], w_nev[w] = tp, NO_TIME, unit, slot, W_RUNNING, 0
        w_traced[w] = 1 if mine else 0
        if mine: slot_wave[s], slot_pc[s], slot_enter[s] = w, entry, ENTER_START
        continue
      end_wave = live[lkey]
      if end_wave < 0:
        counts[C_END_ORPHAN] += 1
        continue
      live[lkey] = -1
      w_end[end_wave] = tp
      if mine and slot_wave[s] == end_wave: lo, hi, m = s, s + 1, np.int64(1) << s    # the wave's s_endpgm
    elif c == PK_IMM_MASK:
      f = fields[F_MASK, key]
      lo, hi, m = 0, 16, ((w64 >> f[0]) & f[1]) | (((w64 >> f[2]) & f[3]) << f[4])
    elif slot < 0 or slot >= N_SLOTS:
      counts[C_ORPHAN] += 1                      # no wave takes it (lo == hi)
    else:
      lo, hi, m = s, s + 1, np.int64(1) << s
      w = slot_wave[s]
      if c == PK_PC:                             # CDNA INST_PC: go where the packet says
        f = fields[F_PC, key]
        pc = ((w64 >> f[0]) & f[1]) | (((w64 >> f[2]) & f[3]) << f[4])
        if load_base and pc >= load_base: pc -= load_base
        a, b = 0, n_prog                         # binary search: the instruction starting at pc
        while a < b:
          mid = (a + b) >> 1
          if program_pc[mid] < pc: a = mid + 1
          else: b = mid
        if w < 0 or a >= n_prog or program_pc[a] != pc:
          counts[C_ORPHAN] += 1
          continue
        if slot_pc[s] != a:
          slot_enter[s] = ENTER_RESYNC
          if w_status[w] == W_LOST:
            w_status[w] = W_RUNNING
            counts[C_RESYNC] += 1
          slot_pc[s] = a
    bit = np.int64(1) << (PK_IMM if c == PK_IMM_MASK else c)
    done_kind = c == PK_IMM or c == PK_IMM_MASK or c == PK_END
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
          if counts[C_FIRST_MISMATCH] < 0: counts[C_FIRST_MISMATCH] = first_packet + p
          slot_pc[s] = PC_LOST
          if w_status[w] == W_RUNNING:
            w_status[w] = W_LOST
            counts[C_LOST] += 1
          continue
      while True:                                # execute i (and each instruction stepped over on the way to j)
        hits[i] += 1
        w_nev[w] += 1
        e = counts[C_EVENTS]
        ev_pkt[e], ev_time[e], ev_wave[e], ev_inst[e] = first_packet + p, tp, w, i
        ev_stepped[e] = i != j
        ev_done[e] = i != j or done_kind or (flags[i] & F_END) != 0
        counts[C_EVENTS] = e + 1
        if flags[i] & F_LEADER:
          e = counts[C_ENTRIES]
          be_wave[e], be_block[e], be_kind[e] = w, block[i], slot_enter[s]
          counts[C_ENTRIES] = e + 1
        slot_enter[s] = ENTER_FALL
        if i == j: break
        i = nxt[i]
      # move the wave past it
      f_i, nxt_pc = flags[i], nxt[i]
      if f_i & F_END:
        nxt_pc = PC_DONE
      elif (f_i & F_BRANCH and c == PK_JUMP) or f_i & F_CALL:    # a call goes into the callee when it is in the listing
        nxt_pc = target[i]
        slot_enter[s] = ENTER_TAKEN
      elif f_i & F_INDIRECT:                                   # s_setpc / s_swappc: the target is not in the trace
        nxt_pc = PC_LOST
      slot_pc[s] = nxt_pc
      if nxt_pc == PC_LOST and w_status[w] == W_RUNNING:     # off the end of the code, or an unknown target
        w_status[w] = W_LOST
        counts[C_LOST] += 1
      if packet_inst < 0: packet_inst = i
    if is_inst and packet_inst >= 0: counts[C_MAPPED] += 1
    if pipe:                                     # pair with the pipe's exec: the k-th issued is the k-th executed
      if xq_tail[pipe + 8] > xq_head[pipe + 8]:  # its exec came first (a trace cut oddly)
        j = xq_head[pipe + 8] % EXEC_QUEUE
        xq_head[pipe + 8] += 1
        if packet_inst >= 0:
          e = counts[C_XPAIRS]
          x_inst[e], x_delay[e] = packet_inst, xq_time[pipe + 8, j] - tp
          counts[C_XPAIRS] = e + 1
      elif xq_tail[pipe] - xq_head[pipe] < EXEC_QUEUE:
        j = xq_tail[pipe] % EXEC_QUEUE
        xq_inst[pipe, j], xq_time[pipe, j] = packet_inst, tp
        xq_tail[pipe] += 1
      else: counts[C_XUNPAIRED] += 1
    if c == PK_END:
      if lo < hi: slot_wave[lo] = -1
      if w_status[end_wave] == W_RUNNING: w_status[end_wave] = W_ENDED


# ---------------------------------------------------------------------------------------------------

@dataclass
class Mapping:
  """One trace buffer walked through one kernel: what the walk found, without the packets themselves (a big
  buffer is walked chunk by chunk and its packets dropped).

  Events (one row per instruction a wave executed: an IMMEDIATE_MASK packet gives one per wave in its mask, a
  WAVE_END one for s_endpgm; an instruction stepped over gets one with ev_stepped set, stamped by the packet
  that stepped over it), in stream order: ev_packet (the packet's number in the stream), ev_time, ev_wave,
  ev_inst, ev_stepped, ev_done (completion-stamped: a wait, s_endpgm, or stepped over; see sqtt.timing).
  Block entries, in stream order: be_wave, be_block (index into cfg.blocks), be_kind (ENTER_KINDS).
  Per wave instance (every WAVE_START, traced unit or not): w_start / w_end (times; w_end NO_TIME: never
    ended), w_cu, w_simd, w_slot (hardware wave slot), w_traced, w_status (WAVE_STATUS), w_n_insts.
  Exec pairs (RDNA): x_inst, x_delay: an instruction and the cycles from its issue to its ALU_EXEC / VMEM_EXEC.
  hits: per instruction, how often a traced wave executed it (stepped-over instructions included).
  """
  program: ProgramTables
  layout: str | None
  traced_unit: int
  n_packets: int
  kind_counts: np.ndarray       # packets per KIND
  error: tuple | None           # the decoder's first problem
  ev_packet: np.ndarray
  ev_time: np.ndarray
  ev_wave: np.ndarray
  ev_inst: np.ndarray
  ev_stepped: np.ndarray
  ev_done: np.ndarray
  be_wave: np.ndarray
  be_block: np.ndarray
  be_kind: np.ndarray
  w_start: np.ndarray
  w_end: np.ndarray
  w_cu: np.ndarray
  w_simd: np.ndarray
  w_slot: np.ndarray
  w_traced: np.ndarray
  w_status: np.ndarray
  w_n_insts: np.ndarray
  x_inst: np.ndarray
  x_delay: np.ndarray
  hits: np.ndarray
  counts: dict = field(default_factory=dict)
  problems: list = field(default_factory=list)

  @property
  def n_waves(self) -> int: return len(self.w_start)
  @property
  def waves_started(self) -> int: return int(len(self.w_start))
  @property
  def waves_ended(self) -> int: return int((self.w_end != NO_TIME).sum())
  @property
  def unmapped(self) -> int: return int(self.counts["orphan"] + self.counts["dropped"] + self.counts["mismatch"])

  def summary(self) -> dict:
    c = self.counts
    traced = self.w_traced
    return {"packets": self.n_packets, "instruction_packets": c["instruction_packets"], "mapped": c["mapped_packets"],
            "events": int(len(self.ev_inst)), "unmapped": self.unmapped, "orphan": c["orphan"], "dropped": c["dropped"],
            "mismatch": c["mismatch"], "other_simd": c["other_simd"], "waves_started": self.waves_started,
            "waves_ended": self.waves_ended, "traced_waves": int(traced.sum()),
            "lost_waves": int(((self.w_status == W_LOST) & traced).sum()), "resynced": c["resynced"],
            "traced_unit": self.unit_json()}

  def unit_json(self) -> dict | None:
    u = self.traced_unit
    if u < 0: return None
    return {"cu": u} if self.layout == "cdna" else {"cu": u // 4, "simd": u % 4}

def packet_classes(p: Packets, layout: str) -> tuple[np.ndarray, np.ndarray]:
  """(PK_* class, execution pipe) of every packet (the walk works these out itself; for traced_unit and tests)."""
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

@lru_cache(maxsize=None)
def _walk_tables(layout: str):
  """The per-layout tables the walk reads: class per KIND, class and pipe per INST op, field rows per walked
  field, exec pipes per KIND (RDNA: ALU_EXEC / VMEM_EXEC src -> up to two pipes; CDNA has none)."""
  from sqtt.decode import NK, _field_columns
  kind_class = np.zeros(NK, np.int64)
  for kind, c in (("WAVE_START", PK_START), ("WAVE_END", PK_END), ("VALU_INST", PK_VALU), ("IMMEDIATE", PK_IMM),
                  ("IMMEDIATE_MASK", PK_IMM_MASK), ("INST_PC", PK_PC), ("INST", PK_INST_OP)):
    kind_class[KIND[kind]] = c
  op_cls, op_pipe = (t.astype(np.int64) for t in op_tables(layout))
  fields = np.stack([np.stack([c.astype(np.int64) for c in _field_columns(f)], axis=1) for f in WALK_FIELDS])
  exec_pipes = np.full((NK, 9), -1, np.int64)
  if layout in ("rdna3", "rdna4"):
    alu = {"NONE": (), "SALU": (PIPE_SALU,), "VALU": (PIPE_VALU,), "VALU_SALU": (PIPE_SALU, PIPE_VALU)}
    mem = {"LDS": (PIPE_LDS,), "LDS_ALT": (), "VMEM": (PIPE_VMEM,), "VMEM_ALT": ()}
    for kind, names, table in (("ALU_EXEC", ALU_SRC, alu), ("VMEM_EXEC", MEM_SRC, mem)):
      row = exec_pipes[KIND[kind]]
      row[0] = 0
      for src, name in enumerate(names):
        for q, pipe in enumerate(table[name]): row[1 + 2 * src + q] = pipe
  for a in (kind_class, op_cls, op_pipe, fields, exec_pipes): a.flags.writeable = False
  return kind_class, op_cls, op_pipe, fields, exec_pipes

def _step_bound(program: ProgramTables) -> int:
  """Most instructions one packet can account for: itself and a run of silent or optional ones before it."""
  skip = (program.silent | program.optional) & (program.next >= 0)
  if not skip.any(): return 1
  edges = np.flatnonzero(np.diff(np.r_[0, skip.astype(np.int8), 0]))
  return int((edges[1::2] - edges[::2]).max()) + 1

def _grow(arrays: list, used: int, need: int) -> list:
  """Room for used + need rows, growing by half again. New arrays, not ndarray.resize: resize zero-fills the
  room it adds, and touching memory is what big traces pay for most (a fresh page costs more than its copy);
  the rows past `used` are never touched unless written."""
  if used + need <= len(arrays[0]): return arrays
  size = max(used + need, len(arrays[0]) * 3 // 2, 1024)
  grown = []
  for a in arrays:
    b = np.empty((size,) + a.shape[1:], a.dtype)
    b[:used] = a[:used]
    grown.append(b)
  return grown

EV_TYPES = (np.int64, np.int64, np.int32, np.int32, bool, bool)         # packet, time, wave, inst, stepped, done
BE_TYPES = (np.int32, np.int32, np.int8)                                # wave, block, kind
W_TYPES = (np.int64, np.int64, np.int16, np.int16, np.int8, np.int8, np.int32)   # start, end, unit, slot, traced, status, n
X_TYPES = (np.int32, np.int64)                                          # inst, delay

UNIT_TRIES = 8   # chunks with instruction packets looked at for the traced unit (only OTHER_* ops: no unit to find)

_walk_python = python_ints(_walk)
_WALK_ARGS = _walk.__code__.co_varnames[:_walk.__code__.co_argcount]
_WALK_STATE = _WALK_ARGS.index("slot_wave")     # from here on the walk writes: its state and outputs

# outputs the walk only appends to, at the row its count names: filled from fresh lists, copied back from that row on
_APPENDED = {**dict.fromkeys(("ev_pkt", "ev_time", "ev_wave", "ev_inst", "ev_stepped", "ev_done"), C_EVENTS),
             **dict.fromkeys(("be_wave", "be_block", "be_kind"), C_ENTRIES), **dict.fromkeys(("x_inst", "x_delay"), C_XPAIRS)}

def _as_python(a):
  if not isinstance(a, np.ndarray): return int(a) if isinstance(a, (np.integer, np.bool_)) else a
  return a.tolist() if a.ndim == 1 else Rows(a)

def _walk_interpreted(*args):
  """_walk as plain Python over lists of Python ints (sqtt.jit.interpreted: small captures), about 3x faster than
  over numpy arrays, whose every element read makes a numpy scalar. What the walk wrote goes back into the arrays."""
  counts = args[-1]
  before = counts.tolist()
  py = [[0] * len(a) if name in _APPENDED else _as_python(a) for name, a in zip(_WALK_ARGS, args)]
  _walk_python(*py)
  after = py[-1]
  for name, a, b in zip(_WALK_ARGS[_WALK_STATE:], args[_WALK_STATE:], py[_WALK_STATE:]):
    if name in _APPENDED: lo, hi = before[_APPENDED[name]], after[_APPENDED[name]]; a[lo:hi] = b[lo:hi]
    elif isinstance(b, Rows): b.write_back()
    else: a[...] = b

class Walk:
  """A walk of one buffer through one kernel, fed chunk by chunk (`feed`), its state kept in between; `result`
  gives the Mapping. The outputs grow as chunks need; the chunks themselves are not kept."""
  def __init__(self, program: ProgramTables, layout: str, load_base: int = 0):
    self.program, self.layout, self.load_base = program, layout, load_base
    self.tables = _walk_tables(layout)
    self.bound = _step_bound(program)
    self.slot_wave, self.slot_pc = np.full(N_SLOTS, -1, np.int64), np.full(N_SLOTS, PC_LOST, np.int64)
    self.slot_enter, self.live = np.zeros(N_SLOTS, np.int64), np.full(N_LIVE, -1, np.int64)
    self.xq_inst, self.xq_time = np.zeros((16, EXEC_QUEUE), np.int64), np.zeros((16, EXEC_QUEUE), np.int64)
    self.xq_head, self.xq_tail = np.zeros(16, np.int64), np.zeros(16, np.int64)
    self.traced = np.full(1, -1, np.int64)
    self.ev = [np.empty(0, t) for t in EV_TYPES]
    self.be = [np.empty(0, t) for t in BE_TYPES]
    self.wv = [np.empty(0, t) for t in W_TYPES]
    self.x = [np.empty(0, t) for t in X_TYPES]
    self.hits = np.zeros(program.n, np.int64)
    self.counts = np.zeros(len(COUNT_NAMES), np.int64)
    self.counts[C_FIRST_MISMATCH] = -1
    self.kind_counts = np.zeros(len(KIND), np.int64)
    self.error, self.first_mismatch, self.unit_tries = None, None, 0
    self.walk = _walk_interpreted if is_interpreted() else compiled(_walk)

  def _find_unit(self, p: Packets) -> None:
    """Which unit is traced, from the first chunk that has both wave starts and instruction packets. Waves of that
    unit already running (started in an earlier chunk) are taken up from the kernel entry."""
    cls, _ = packet_classes(p, self.layout)
    unit, slot = _unit_and_slot(p, self.layout)
    u = traced_unit(p, self.layout, cls, unit, slot)
    if u < 0: return
    self.traced[0] = u
    w_status, w_traced = self.wv[5], self.wv[4]
    for s in range(N_SLOTS):
      w = self.live[(u * N_SLOTS + s) & (N_LIVE - 1)]
      if w >= 0 and w_status[w] == W_RUNNING:
        w_traced[w] = 1
        self.slot_wave[s], self.slot_pc[s], self.slot_enter[s] = w, self.program.entry, ENTER_START

  def feed(self, p: Packets) -> None:
    """Walk the next chunk of packets (in stream order; p.error is the stream's error so far)."""
    n = len(p)
    kc = np.bincount(p.kind, minlength=len(KIND))
    self.kind_counts += kc
    self.error = p.error
    if not n: return
    instructions = kc[KIND["INST"]] + kc[KIND["VALU_INST"]] + kc[KIND["IMMEDIATE"]] + kc[KIND["IMMEDIATE_MASK"]] + kc[KIND["INST_PC"]]
    if self.traced[0] < 0 and instructions and self.unit_tries < UNIT_TRIES:
      self.unit_tries += 1
      self._find_unit(p)
    c = self.counts
    per_packet = kc[KIND["WAVE_END"]] + kc[KIND["INST"]] + kc[KIND["VALU_INST"]] + kc[KIND["IMMEDIATE"]] + \
      kc[KIND["INST_PC"]] + 16 * kc[KIND["IMMEDIATE_MASK"]]
    events = int(per_packet) * self.bound
    self.ev = _grow(self.ev, int(c[C_EVENTS]), events)
    self.be = _grow(self.be, int(c[C_ENTRIES]), events)
    self.wv = _grow(self.wv, int(c[C_WAVES]), int(kc[KIND["WAVE_START"]]))
    self.x = _grow(self.x, int(c[C_XPAIRS]), 2 * int(kc[KIND["ALU_EXEC"]] + kc[KIND["VMEM_EXEC"]]) + int(per_packet))
    prog = self.program
    first = int(c[C_PACKETS])
    self.walk(p.kind, p.raw, p.layout, p.time, np.int64(first), self.layout == "cdna", *self.tables,
              np.int64(self.load_base), prog.pc, np.int64(prog.entry), prog.accept, prog.silent, prog.optional, prog.next,
              prog.target, prog.flags, prog.block, self.slot_wave, self.slot_pc, self.slot_enter, self.live, self.xq_inst,
              self.xq_time, self.xq_head, self.xq_tail, self.traced, *self.ev, *self.be, *self.wv, *self.x, self.hits, c)
    c[C_PACKETS] += n
    if self.first_mismatch is None and c[C_FIRST_MISMATCH] >= first:
      q = int(c[C_FIRST_MISMATCH])
      self.first_mismatch = f"packet {q} ({p.describe(q - first).split()[2]})"

  def reserve(self, scale: float) -> None:
    """Room for `scale` times what the walk wrote so far (and a quarter more), given after its first chunk for the
    rest of the buffer: a fresh page costs more than the array growing into it, and growing step by step
    copies each output several times over. Rooms never written are never touched."""
    c = self.counts
    for name, k in (("ev", C_EVENTS), ("be", C_ENTRIES), ("wv", C_WAVES), ("x", C_XPAIRS)):
      used = int(c[k])
      setattr(self, name, _grow(getattr(self, name), used, int(used * (scale - 1) * 1.25)))

  def result(self) -> Mapping:
    c = {name: int(self.counts[i]) for i, name in enumerate(COUNT_NAMES)}
    ne, nb, nw, nx = c["events"], c["entries"], c["waves"], c["exec_pairs"]
    for arrays, n in ((self.ev, ne), (self.be, nb), (self.wv, nw), (self.x, nx)):
      for a in arrays: a.resize((n,) + a.shape[1:], refcheck=False)         # trimmed in place: the result keeps them
    ev, be, (w_start, w_end, w_unit, w_slot, w_traced, w_status, w_nev), (x_inst, x_delay) = self.ev, self.be, self.wv, self.x
    self.ev = self.be = self.wv = self.x = None
    cdna = self.layout == "cdna"
    # CU, SIMD and slot from the unit and slot columns, in place where a column becomes one (a wave column is big)
    if cdna: cu, simd = w_unit, w_slot // 16; np.remainder(w_slot, 16, out=w_slot)
    else: simd = w_unit % 4; np.floor_divide(w_unit, 4, out=w_unit); cu = w_unit
    problems = []
    if self.first_mismatch is not None: problems.append(f"{self.first_mismatch} did not fit its wave's instruction: the wave was dropped")
    if c["orphan"]: problems.append(f"{c['orphan']} instruction packets for wave slots with no live wave (trace began mid-wave?)")
    if self.traced[0] < 0 and c["instruction_packets"]: problems.append("instruction packets but no WAVE_START: nothing to walk")
    return Mapping(self.program, self.layout, int(self.traced[0]), c["packets"], self.kind_counts, self.error, *ev, *be,
                   w_start, w_end, cu, simd, w_slot, w_traced.view(bool),
                   w_status, w_nev, x_inst, x_delay, self.hits, c, problems)

def map_packets(p: Packets, program: ProgramTables, load_base: int = 0) -> Mapping:
  """Walk every traced wave of `p` (one shader engine's packets, all of them) through `program`. `load_base`: where
  the code was loaded on the GPU (CDNA INST_PC packets that carry a full address are made relative to it)."""
  walk = Walk(program, p.stream_layout or program.layout, load_base)
  walk.feed(p)
  return walk.result()

def map_buffer(blob: bytes, arch: str | None, program: ProgramTables, load_base: int = 0, chunk: int | None = None,
               framed=None) -> Mapping | None:
  """Decode and walk one buffer chunk by chunk (sqtt.decode_chunks): the same Mapping as map_packets(decode(blob)),
  with memory for one chunk of packets rather than all of them, provided the first chunk with instruction packets
  tells the traced unit as the whole buffer does (a few hundred packets may not: the gfx1200 gemm capture's first
  buffer, cut every 300 packets, picks another unit; the default chunk is 2M packets). `blob`: bytes, or a buffer
  still in its file (decode_chunks). `framed(bytes)`: told after each chunk how far decoding got. None when the
  stream has no layout to decode (an architecture without SQTT tables)."""
  from sqtt.decode import CHUNK, bytes_framed, decode_chunks
  walk = None
  for p in decode_chunks(blob, arch, chunk or CHUNK):
    if p.stream_layout is None: return None
    first = walk is None
    if first: walk = Walk(program, p.stream_layout, load_base)
    walk.feed(p)
    if len(p):
      upto = bytes_framed(p)
      if first and not p.error: walk.reserve(len(blob) / upto)
      if framed is not None: framed(upto)
  return walk.result()

__all__ = ["Mapping", "ProgramTables", "program_tables", "map_packets", "map_buffer", "instruction_kind", "traced_unit",
           "packet_classes", "op_tables", "WAVE_STATUS", "ENTER_KINDS", "PIPES", "NO_TIME"]
