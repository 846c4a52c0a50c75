"""Timing from mapped traces: per instruction, block, CFG edge and wave, plus what each wait waited for.

The clock model (RGP's "instruction timing": an instruction's latency is the time from its issue to the
issue of the wave's next instruction):

  * An instruction packet is stamped when the instruction issues, except for the ones stamped when they
    *complete*: IMMEDIATE / IMMEDIATE_MASK (s_waitcnt, s_wait_*, s_nop, s_clause: in the captures the stall
    comes before the packet and the next instruction follows it within a few cycles) and s_endpgm's (RDNA
    WAVE_END, CDNA OTHER_MSG, which comes with the WAVE_END: the wave ends once its stores drained). An
    instruction stepped over (no packet: s_delay_alu, CDNA s_waitcnt...) completes when the instruction after it
    issues.
  * A completion-stamped instruction issued one cycle after the wave's previous packet (or at its own stamp,
    if sooner); the cycles from that issue to its stamp are its stall ("cycles waited" for a wait).
  * cycles(instruction) = issue of the wave's next instruction - its own issue. A wave's last instruction
    (s_endpgm) counts up to the WAVE_END stamp. So a wave's cycles add up to its first-to-last packet span,
    and a stall lands on the instruction that asked for it (the wait, the s_delay_alu, s_endpgm), not on the
    innocent instruction before it.

Waits: each wave keeps, per counter, the queue of its outstanding memory instructions (which counters an
instruction increments: `counters_incremented`). A wait with threshold N on a counter forces all but the
N youngest to complete; the wait's cycles are charged to the youngest instruction it forced, per counter.
Completions are not traced, so an instruction leaves its queue only when a wait forces it; queues are in
issue order (exact for loads of one kind; SMEM returns out of order, so lgkmcnt/kmcnt(N>0) with several
scalar loads outstanding is a best guess). A wait on several counters charges its full stall to each
counter's instruction: which one arrived last is not in the trace.

Exec times (RDNA): ALU_EXEC (src SALU / VALU / both) and VMEM_EXEC (src LDS / VMEM; *_ALT is the other SIMD)
carry no wave or pc, but their counts match the traced SIMD's instruction packets per pipe exactly in every
capture, and each follows its instruction by 2-17 cycles: the k-th exec of a pipe is the k-th instruction
issued to it. Their delay after issue is reported per instruction. Not attributable: when data *returns*
(no packet says; a wait's stall bounds it), the *_ALT execs (other SIMD), CDNA ISSUE packets (per SIMD, a 2-bit
state for each of 10 wave slots; what the states mean is not known here).
"""
from __future__ import annotations
from dataclasses import dataclass
import numpy as np
from sqtt.jit import compiled, is_interpreted, python_ints
from sqtt.mapping import (ENTER_FALL, ENTER_RESYNC, ENTER_START, ENTER_TAKEN, NO_TIME, Mapping, ProgramTables, W_ENDED,
                          WAVE_STATUS)

# ---------------------------------------------------------------------------------------------------
# wait counters

COUNTERS = {"rdna3": ("vmcnt", "vscnt", "lgkmcnt", "expcnt"),
            "rdna4": ("loadcnt", "storecnt", "dscnt", "kmcnt", "samplecnt", "bvhcnt", "expcnt"),
            "cdna": ("vmcnt", "lgkmcnt", "expcnt")}
# what increments which counter, per layout: (vector load, vector store, LDS, scalar memory, export)
COUNTER_OF = {"rdna3": ("vmcnt", "vscnt", "lgkmcnt", "lgkmcnt", "expcnt"),
              "rdna4": ("loadcnt", "storecnt", "dscnt", "kmcnt", "expcnt"),
              "cdna": ("vmcnt", "vmcnt", "lgkmcnt", "lgkmcnt", "expcnt")}
VECTOR_MEMORY = ("global_", "buffer_", "scratch_", "tbuffer_", "image_")
SCALAR_MEMORY = ("s_load", "s_buffer_load", "s_store", "s_buffer_store", "s_dcache", "s_memtime", "s_memrealtime",
                 "s_atc_probe", "s_scratch_", "s_sendmsg_rtn", "s_get_barrier_state")
# s_waitcnt's packed fields: (counter, low bit, bits); gfx9 splits vmcnt over bits 3:0 and 15:14
WAITCNT_FIELDS = {"rdna3": (("vmcnt", 10, 6), ("expcnt", 0, 3), ("lgkmcnt", 4, 6)),
                  "cdna": (("vmcnt", 0, 4), ("expcnt", 4, 3), ("lgkmcnt", 8, 4))}
WAIT_PACKED = {"s_wait_loadcnt_dscnt": ("loadcnt", "dscnt"), "s_wait_storecnt_dscnt": ("storecnt", "dscnt")}   # [13:8], [5:0]

def counters_incremented(mnemonic: str, writes: tuple[str, ...], layout: str) -> tuple[str, ...]:
  """The wait counters an instruction's issue increments. Vector memory returning data (it writes vector
  registers: loads, atomics with return) counts as a load, anything else as a store."""
  load, store, lds, smem, exp = COUNTER_OF[layout]
  returns = any(r[:1] in ("v", "a") and r[1:2].isdigit() for r in writes)
  if mnemonic.startswith("image_") and layout == "rdna4":
    if "bvh" in mnemonic: return ("bvhcnt",)
    if "sample" in mnemonic or "gather" in mnemonic: return ("samplecnt",)
  if mnemonic.startswith(VECTOR_MEMORY): return (load if returns else store,)
  if mnemonic.startswith("flat_"): return (load if returns else store, lds)     # may be LDS: both counters
  if mnemonic.startswith("ds_"): return (lds,)
  if mnemonic.startswith(SCALAR_MEMORY): return (smem,)
  if mnemonic.startswith("exp"): return (exp,)
  return ()

def wait_thresholds(mnemonic: str, words: tuple[int, ...], text: str, layout: str) -> dict[str, int]:
  """Counter -> the count a wait instruction waits down to (counters it leaves alone are absent)."""
  imm = words[0] & 0xFFFF if words else 0
  names = COUNTERS[layout]
  out: dict[str, int] = {}
  if mnemonic == "s_waitcnt" and layout in WAITCNT_FIELDS:
    for name, lo, bits in WAITCNT_FIELDS[layout]:
      v = imm >> lo & ((1 << bits) - 1)
      if name == "vmcnt" and layout == "cdna": v |= (imm >> 14 & 3) << 4
      full = (1 << (bits + (2 if name == "vmcnt" and layout == "cdna" else 0))) - 1
      if v != full: out[name] = v
  elif mnemonic.startswith("s_waitcnt_") and layout == "rdna3":     # SOPK: s_waitcnt_vscnt null, 0x3
    name = mnemonic[len("s_waitcnt_"):]
    if name in names and "null" in text: out[name] = imm    # (count = an SGPR + imm otherwise: not known)
  elif mnemonic in WAIT_PACKED:
    hi, lo = WAIT_PACKED[mnemonic]
    out[hi], out[lo] = imm >> 8 & 0x3F, imm & 0x3F
  elif mnemonic.startswith("s_wait_") and (name := mnemonic[len("s_wait_"):]) in names:
    out[name] = imm
  return out

# ---------------------------------------------------------------------------------------------------
# the wait queues (numba, like the walk)

def _attribute_waits(ev_inst, ev_wave, inc, thr, out_wait, out_counter, out_src, queue):
  """Events in per-wave order. inc[inst]: bit set of counters it increments; thr[inst, c]: threshold (-1: none).
  For every (wait event, counter) that forced something, write the youngest forced event. Returns the count."""
  nc = thr.shape[1]
  cap = queue.shape[1]
  head = np.zeros(nc, np.int64)
  tail = np.zeros(nc, np.int64)
  n_out, prev_wave = 0, -1
  for e in range(ev_inst.shape[0]):
    if ev_wave[e] != prev_wave:
      prev_wave = ev_wave[e]
      head[:] = 0
      tail[:] = 0
    i = ev_inst[e]
    for c in range(nc):
      th = thr[i, c]
      if th >= 0 and tail[c] - head[c] > th:
        last = tail[c] - th - 1                  # the youngest instruction the wait forced to complete
        out_wait[n_out], out_counter[n_out], out_src[n_out] = e, c, queue[c, last % cap]
        n_out += 1
        head[c] = last + 1
    m = inc[i]
    if m:
      for c in range(nc):
        if (m >> c) & 1:
          if tail[c] - head[c] >= cap: head[c] += 1     # more outstanding than the queue holds: forget the oldest
          queue[c, tail[c] % cap] = e
          tail[c] += 1
  return n_out


def _event_sums(order, ev_inst, ev_wave, ev_time, ev_done, w_status, w_end, ended, timed_n, total, mn, mx, stall_total,
                inst_out, wave_out, stall_out, times, issue_out, cycles_out, timed_out):
  """The clock model (module docstring) over a mapping's events in per-wave order (order[0], order[1]...), in one
  pass: per instruction the timed count, cycle total / min / max and stall total (accumulated into those arrays);
  per event, in that order, its instruction, wave and stall (for the wait queues), and with `times` its issue
  time, cycles and whether they count (for wave timelines). A big trace has tens of millions of events: the same
  sums as numpy expressions made a dozen temporaries of that length."""
  n = len(order)
  prev_w, prev_t, prev_iss, prev_i, iss = -1, 0, 0, 0, 0
  for k in range(n + 1):
    w = -1
    if k < n:
      e = order[k]
      w, t, i = ev_wave[e], ev_time[e], ev_inst[e]
      iss = t                        # issued at its stamp, or (completion-stamped) a cycle after the previous packet
      if ev_done[e] and w == prev_w and prev_t + 1 < t: iss = prev_t + 1
    if k > 0:                        # the previous event's cycles: to this issue, or (last of its wave) to the wave's end
      c, timed = 0, True
      if w == prev_w: c = iss - prev_iss
      elif w_status[prev_w] == ended: c = w_end[prev_w] - prev_iss
      else: timed = False
      if timed:
        timed_n[prev_i] += 1
        total[prev_i] += c
        if c < mn[prev_i]: mn[prev_i] = c
        if c > mx[prev_i]: mx[prev_i] = c
      if times: cycles_out[k - 1], timed_out[k - 1] = c, timed
    if k < n:
      stall = t - iss
      if ev_done[e]: stall_total[i] += stall
      inst_out[k], wave_out[k], stall_out[k] = i, w, stall
      if times: issue_out[k] = iss
      prev_w, prev_t, prev_iss, prev_i = w, t, iss, i

def _no_sums(n: int) -> tuple:
  """Per-instruction sums before any event: timed, total, min (int64 max: none), max (-1: none), stall total."""
  return np.zeros(n, np.int64), np.zeros(n, np.int64), np.full(n, np.iinfo(np.int64).max, np.int64), \
    np.full(n, -1, np.int64), np.zeros(n, np.int64)

def _clock(m: Mapping, n: int, times: bool = False, order: np.ndarray | None = None):
  """_event_sums of a mapping: (timed, total, min, max, stall total) per instruction; (inst, wave, stall) per event
  in per-wave order, and with `times` (issue, cycles, timed) too (cycles 0 where not timed). `order`: the events
  to take, in per-wave order (default: all of them)."""
  if order is None: order = np.argsort(m.ev_wave, kind="stable")
  ne, nt = len(order), len(order) if times else 0
  per_inst = _no_sums(n)
  per_event = (np.empty(ne, np.int64), np.empty(ne, np.int64), np.empty(ne, np.int64))
  per_time = (np.empty(nt, np.int64), np.empty(nt, np.int64), np.empty(nt, np.bool_))
  columns = (order, m.ev_inst, m.ev_wave, m.ev_time, m.ev_done, m.w_status, m.w_end)
  if is_interpreted():              # small traces: plain Python over lists (numpy scalars per element cost more)
    ins = [a.tolist() for a in columns + per_inst]
    outs = [[0] * ne for _ in per_event], [[0] * nt for _ in per_time]
    python_ints(_event_sums)(*ins[:7], W_ENDED, *ins[7:], *outs[0], times, *outs[1])
    for a, b in zip(per_inst + per_event + per_time, ins[7:] + outs[0] + outs[1]): a[:] = b
  else:
    compiled(_event_sums)(*columns, W_ENDED, *per_inst, *per_event, times, *per_time)
  return per_inst, per_event + per_time if times else per_event

QUEUE = 256       # outstanding instructions remembered per counter (hardware counters hold at most 63)

# ---------------------------------------------------------------------------------------------------

@dataclass
class TraceRef:
  """Where a Mapping came from: its index among the capture's traces, shader engine, dispatch, whether the
  capture had instruction tracing on for that SE."""
  id: int
  se: int
  exec_tag: object = None
  itrace: bool = True

@dataclass
class WaveSegment:
  """The waves of one mapping: its columns as they are (no copy), the trace they came from, and the paths of its
  instruction-traced waves (wave i's blocks: path_blocks[path_start[i]:path_start[i + 1]], block indexes)."""
  trace: int
  se: int
  m: Mapping
  path_start: np.ndarray
  path_blocks: np.ndarray

class Waves:
  """Every wave instance of a kernel's traces, in trace order, as columns: no object per wave (a big trace has
  millions) and no copy of the mappings' wave columns."""
  def __init__(self, segments: list[WaveSegment]):
    self.segments = segments
    self.first = np.cumsum([0] + [s.m.n_waves for s in segments])    # kernel-wide number of each segment's first wave

  def __len__(self) -> int: return int(self.first[-1])

  def n_traced(self) -> int: return int(sum(int(s.m.w_traced.sum()) for s in self.segments))

  def locate(self, n: int) -> tuple[WaveSegment, int]:
    """The segment holding kernel-wide wave n, and n's index in it."""
    k = int(np.searchsorted(self.first, n, side="right")) - 1
    return self.segments[k], n - int(self.first[k])

  def rows(self, lo: int, hi: int, block_starts: np.ndarray) -> list[dict]:
    """Waves lo..hi-1 as JSON rows (a path longer than PATH_LIMIT blocks is cut; n_blocks says how long it was)."""
    out = []
    for k, seg in enumerate(self.segments):
      a, b = max(lo - int(self.first[k]), 0), min(hi - int(self.first[k]), seg.m.n_waves)
      if a >= b: continue
      m = seg.m
      cols = [c[a:b].tolist() for c in (m.w_cu, m.w_simd, m.w_slot, m.w_start, m.w_end, m.w_traced, m.w_n_insts, m.w_status)]
      ps = seg.path_start[a:b + 1].tolist()
      for j, (cu, simd, slot, st, en, traced, ni, status) in enumerate(zip(*cols)):
        pa, pb = ps[j], ps[j + 1]
        out.append({"trace": seg.trace, "se": seg.se, "cu": cu, "simd": simd, "wave": slot, "start": st,
                    "end": None if en == NO_TIME else en, "traced": traced, "n_insts": ni, "status": WAVE_STATUS[status],
                    "n_blocks": pb - pa, "blocks": block_starts[seg.path_blocks[pa:min(pb, pa + PATH_LIMIT)]].tolist()})
    return out

@dataclass
class KernelTiming:
  """Everything timed for one kernel, all its traced dispatches and shader engines together.
  Arrays are per instruction (index into the kernel's instruction list) unless named otherwise."""
  program: ProgramTables
  counters: tuple[str, ...]
  hits: np.ndarray
  timed: np.ndarray            # executions with a cycle count
  cycles_total: np.ndarray
  cycles_min: np.ndarray       # -1 where never timed
  cycles_max: np.ndarray
  stall_total: np.ndarray      # completion-stamped instructions: cycles between issue and completion
  exec_n: np.ndarray           # executions paired with an ALU_EXEC / VMEM_EXEC
  exec_total: np.ndarray       # cycles from issue to exec
  exec_max: np.ndarray
  waits: list[dict]            # {"wait": inst, "source": inst, "counter": name, "cycles": total, "count": n}
  block_hits: np.ndarray       # per block (index into cfg.blocks): entries
  block_cycles: np.ndarray
  block_starts: np.ndarray     # waves whose first block it is
  block_ends: np.ndarray       # waves that ended in it
  edge_counts: dict            # (from block index, to block index, "taken" | "fallthrough" | "resync") -> count
  waves: Waves
  coverage: dict

  @property
  def n_waves(self) -> int: return self.waves.n_traced()

  def cycles_mean(self) -> np.ndarray:
    return np.where(self.timed > 0, self.cycles_total / np.maximum(self.timed, 1), 0.0)

def wave_issues(m: Mapping, wave: int | None = None):
  """Every event of a mapping (or of its wave `wave` only), wave by wave (each wave's in stream order): (local wave,
  instruction index, issue time, cycles to the wave's next issue, timed). Issue times follow the clock model
  above, so a wave's cycles tile its first-issue-to-end span without gaps."""
  order = None if wave is None else np.flatnonzero(m.ev_wave == wave)
  _, (inst, waves, _, issue, cycles, timed) = _clock(m, m.program.n, times=True, order=order)
  return waves, inst, issue, cycles, timed

def _wait_sources(inst, wave, stall, tables: TimingTables) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
  """(wait inst, source inst, counter, stall) per (wait event, counter) that forced an instruction to complete."""
  n_waits = int(tables.is_wait[inst].sum())
  if not n_waits: return (np.zeros(0, np.int64),) * 4
  thr = tables.thr
  out = [np.zeros(n_waits * thr.shape[1], np.int64) for _ in range(3)]
  k = compiled(_attribute_waits)(inst, wave, tables.inc, thr, *out, np.zeros((thr.shape[1], QUEUE), np.int64))
  we, wc, ws = (o[:k] for o in out)
  return inst[we], inst[ws], wc, stall[we]

def _block_walks(m: Mapping, nb: int):
  """Block entries regrouped per wave: (block hits, waves starting / ending per block, edge key counts, (wave, block)
  per entry in per-wave order: the waves' paths).
  Edge keys are (from * nb + to) * 4 + ENTER_* kind."""
  order = np.argsort(m.be_wave, kind="stable")
  bw, bb, bk = m.be_wave[order].astype(np.int64), m.be_block[order].astype(np.int64), m.be_kind[order].astype(np.int64)
  first = np.r_[True, bw[1:] != bw[:-1]]
  last = np.r_[first[1:], True]
  hits = np.bincount(bb, minlength=nb)
  starts = np.bincount(bb[first & (bk == ENTER_START)], minlength=nb)
  ends = np.bincount(bb[last & (m.w_status[bw] == W_ENDED)], minlength=nb)
  cont = ~first[1:]                                        # entry i + 1 follows entry i in the same wave
  keys, counts = np.unique((bb[:-1][cont] * nb + bb[1:][cont]) * 4 + bk[1:][cont], return_counts=True)
  return hits, starts, ends, keys, counts, (bw, bb)      # entries in per-wave order: each wave's path in a row

EDGE_KIND = {ENTER_FALL: "fallthrough", ENTER_TAKEN: "taken", ENTER_RESYNC: "resync"}

@dataclass
class TimingTables:
  """Per kernel, what the wait attribution reads: the counters, which an instruction increments (bit set), the
  count each wait waits down to per counter (-1: none)."""
  counters: tuple[str, ...]
  inc: np.ndarray
  thr: np.ndarray
  is_wait: np.ndarray

def timing_tables(program: ProgramTables, instructions) -> TimingTables:
  counters = COUNTERS[program.layout]
  cidx = {c: k for k, c in enumerate(counters)}
  n = program.n
  inc, thr = np.zeros(n, np.int64), np.full((n, len(counters)), -1, np.int64)
  for k, ins in enumerate(instructions):
    for c in counters_incremented(ins.mnemonic, ins.writes, program.layout): inc[k] |= 1 << cidx[c]
    for c, v in wait_thresholds(ins.mnemonic, ins.words, ins.text, program.layout).items(): thr[k, cidx[c]] = v
  return TimingTables(counters, inc, thr, (thr >= 0).any(axis=1))

@dataclass
class MappingTiming:
  """One mapping's timing, reduced per instruction, block and edge (kernel_timing adds these up): what a worker
  computes right after the walk, so the events need not be gathered in one place."""
  timed: np.ndarray
  total: np.ndarray
  mn: np.ndarray               # per instruction min (int64 max where none)
  mx: np.ndarray
  stall: np.ndarray
  exec_n: np.ndarray
  exec_total: np.ndarray
  exec_max: np.ndarray
  wait_keys: np.ndarray        # (wait * n + source) * counters + counter
  wait_sums: np.ndarray
  wait_counts: np.ndarray
  block_hits: np.ndarray
  block_starts: np.ndarray
  block_ends: np.ndarray
  edge_keys: np.ndarray        # (from * nb + to) * 4 + ENTER_* kind
  edge_counts: np.ndarray
  path_start: np.ndarray
  path_blocks: np.ndarray

def _sums(inst: np.ndarray, values: np.ndarray, n: int):
  """Per instruction: count, sum, min (int64 max where none), max (-1 where none)."""
  cnt = np.bincount(inst, minlength=n).astype(np.int64)
  tot = np.bincount(inst, weights=values, minlength=n).round().astype(np.int64)
  mn, mx = np.full(n, np.iinfo(np.int64).max, np.int64), np.full(n, -1, np.int64)
  np.minimum.at(mn, inst, values)
  np.maximum.at(mx, inst, values)
  return cnt, tot, mn, mx

def time_mapping(tables: TimingTables, program: ProgramTables, nb: int, m: Mapping) -> MappingTiming:
  """Reduce one mapping: cycles, stalls, exec delays and waits per instruction; block hits, starts and ends;
  edge counts; and the paths its waves walked."""
  n, z = program.n, np.zeros(0, np.int64)
  if len(m.ev_inst):
    (timed_n, total, mn, mx, stall_total), (inst, wave, stall) = _clock(m, n)
    w_inst, w_src, w_counter, waited = _wait_sources(inst, wave, stall, tables)
    del inst, wave, stall
    key = (w_inst * n + w_src) * len(tables.counters) + w_counter
    wait_keys, inv = np.unique(key, return_inverse=True)
    wait_sums = np.bincount(inv, weights=waited, minlength=len(wait_keys)).round().astype(np.int64)
    wait_counts = np.bincount(inv, minlength=len(wait_keys)).astype(np.int64)
    bh, bs, be, edge_keys, edge_counts, (bw, bb) = _block_walks(m, nb)
    path_start = np.zeros(m.n_waves + 1, np.int32)             # (a trace's block entries number far below 2**31)
    np.cumsum(np.bincount(bw, minlength=m.n_waves), out=path_start[1:])
    path_blocks = bb.astype(np.int32)
  else:
    timed_n, total, mn, mx, stall_total = _no_sums(n)
    wait_keys = wait_sums = wait_counts = edge_keys = edge_counts = z
    bh = bs = be = np.zeros(nb, np.int64)
    path_start, path_blocks = np.zeros(m.n_waves + 1, np.int32), np.zeros(0, np.int32)
  exec_n, exec_total, _, exec_max = _sums(m.x_inst.astype(np.int64), m.x_delay, n)
  return MappingTiming(timed_n, total, mn, mx, stall_total, exec_n, exec_total, exec_max, wait_keys, wait_sums, wait_counts,
                       bh, bs, be, edge_keys, edge_counts.astype(np.int64), path_start, path_blocks)

def _add_keyed(keys: list[np.ndarray], *values: list[np.ndarray]) -> tuple:
  """Keyed sums from several parts: (unique keys, summed values...)."""
  k = np.concatenate(keys) if keys else np.zeros(0, np.int64)
  uk, inv = np.unique(k, return_inverse=True)
  return (uk, *(np.bincount(inv, weights=np.concatenate(v) if v else np.zeros(0), minlength=len(uk)).round().astype(np.int64)
                for v in values))

def kernel_timing(program: ProgramTables, instructions, cfg, mappings: list[tuple[TraceRef, Mapping]],
                  parts: list[MappingTiming] | None = None, tables: TimingTables | None = None) -> KernelTiming:
  """Aggregate the mappings of one kernel (every traced SE of every dispatch). `parts`: each mapping's
  time_mapping, when the caller computed them already (in parallel); `tables`: timing_tables, likewise."""
  n, nb = program.n, len(cfg.blocks)
  tables = tables or timing_tables(program, instructions)
  counters = tables.counters
  if parts is None: parts = [time_mapping(tables, program, nb, m) for _, m in mappings]
  hits, timed_n, total, stall_total = (np.zeros(n, np.int64) for _ in range(4))
  exec_n, exec_total = np.zeros(n, np.int64), np.zeros(n, np.int64)
  mn, mx, exec_max = np.full(n, np.iinfo(np.int64).max, np.int64), np.full(n, -1, np.int64), np.full(n, -1, np.int64)
  block_hits, block_starts, block_ends = (np.zeros(nb, np.int64) for _ in range(3))
  coverage = {"traces": [], **{k: 0 for k in ("instruction_packets", "mapped", "unmapped", "other_simd", "lost_waves",
                                               "waves_started", "waves_ended")}}
  segments = []
  for (ref, m), part in zip(mappings, parts):
    hits += m.hits
    s = m.summary()
    coverage["traces"].append({"id": ref.id, "se": ref.se, "exec_tag": ref.exec_tag, "itrace": ref.itrace, **s})
    for key in coverage:
      if key != "traces": coverage[key] += s[key]
    timed_n += part.timed; total += part.total; stall_total += part.stall
    np.minimum(mn, part.mn, out=mn); np.maximum(mx, part.mx, out=mx)
    exec_n += part.exec_n; exec_total += part.exec_total; np.maximum(exec_max, part.exec_max, out=exec_max)
    block_hits += part.block_hits; block_starts += part.block_starts; block_ends += part.block_ends
    segments.append(WaveSegment(ref.id, ref.se, m, part.path_start, part.path_blocks))
  mn[timed_n == 0] = -1
  block_cycles = np.bincount(program.block, weights=total, minlength=nb).round().astype(np.int64)
  # waits: summed per (wait, source, counter), costliest first
  uk, sums, hits_w = _add_keyed([p.wait_keys for p in parts], [p.wait_sums for p in parts], [p.wait_counts for p in parts])
  nc = len(counters)
  waits = sorted(({"wait": int(k // nc // n), "source": int(k // nc % n), "counter": counters[int(k % nc)], "cycles": int(c),
                   "count": int(h)} for k, c, h in zip(uk.tolist(), sums.tolist(), hits_w.tolist())),
                 key=lambda w: (-w["cycles"], w["wait"]))
  # edges: (from block, to block, kind) -> count
  ek, en = _add_keyed([p.edge_keys for p in parts], [p.edge_counts for p in parts])
  edge_counts = {(k // 4 // nb, k // 4 % nb, EDGE_KIND.get(k % 4, "start")): c for k, c in zip(ek.tolist(), en.tolist())}
  coverage["itrace_ses"] = sorted({tr["se"] for tr in coverage["traces"] if tr["itrace"]})
  return KernelTiming(program, counters, hits, timed_n, total, mn, mx, stall_total, exec_n, exec_total, exec_max, waits,
                      block_hits, block_cycles, block_starts, block_ends, edge_counts, Waves(segments), coverage)

PATH_LIMIT = 10000   # blocks of a wave's path listed (a long loop's path is cut; n_blocks says how long it was)

