"""The JSON API as plain functions: `amdviz json PATH ROUTE` prints what these return, the server serves the same.

Thread traces are decoded, mapped and timed once per capture, on the first route that needs them
(`Workspace.analysis`); a capture without traces (a bare code object) answers the trace routes with empty
timing. A trace belongs to the kernel whose program has its tag on its device (TraceBuffer.kern_tag ==
Program.tag); every dispatch (exec_tag) and shader engine of a kernel is aggregated.
"""
from __future__ import annotations
import logging, re, threading
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable
from urllib.parse import parse_qs
import numpy as np
import orjson
from isa.cfg import CFG, build_cfg, to_json as cfg_json
from isa.decode import Disassembler
from isa.elf import CodeObject, CodeObjectError, Kernel
from isa.gc_pause import gc_paused
from isa.instruction import Instruction
from sqtt.mapping import NO_TIME
from capture import Capture, CaptureError, Program, TraceBuffer, load_capture

log = logging.getLogger("amdviz")


def dumps(body) -> bytes:
  """A route's body as the bytes both `amdviz json` and the server send: compact JSON, UTF-8 (orjson: a 30 MB
  disassembly in 0.05 s where the json module takes 0.45 s)."""
  return orjson.dumps(body)


class ApiError(Exception):
  def __init__(self, status: int, message: str):
    super().__init__(message); self.status, self.message = status, message


def one_line(e: BaseException) -> str:
  text = " ".join(str(e).split())
  return f"{type(e).__name__}: {text}" if text else type(e).__name__


@dataclass
class KernelView:
  """One kernel of a capture, its analysis computed once on first use.

  A capture is untrusted: a kernel whose code object cannot be read or walked gets a `problem` (no code to
  show: its routes answer 422) or a `trace_problem` (the code shows, its traces are not mapped), and the
  rest of the capture is served as usual."""
  id: int
  name: str
  arch: str
  kernel: Kernel | None                # None: the code object could not be read
  code_object: CodeObject | None
  program: Program | None = None
  problem: str | None = None
  trace_problem: str | None = None
  _cache: dict = field(default_factory=dict, repr=False)

  @cached_property
  def instructions(self) -> list[Instruction]:
    k = self.kernel
    return Disassembler(self.code_object.arch).disassemble(self.code_object.code_bytes(k.code_start, k.code_end),
                                                           k.code_start)

  @cached_property
  def cfg(self) -> CFG:
    with gc_paused(): return build_cfg(self.instructions, self.kernel.entry_pc)

  @cached_property
  def pressure(self):
    """isa.liveness.Pressure: live VGPRs, AGPRs and SGPRs per instruction."""
    from isa.liveness import pressure
    return pressure(self.instructions, self.cfg)

  @cached_property
  def source_map(self):
    """isa.source_lines.SourceMap of the kernel's code object (None: built without -g)."""
    from isa.source_lines import source_lines
    return source_lines(self.code_object.text.file) if self.code_object is not None else None

  def usable(self) -> bool:
    """Disassembled and its CFG built (once); False, with `problem` saying why, when that failed."""
    if self.problem is None and "cfg" not in self.__dict__:
      try: self.instructions, self.cfg
      except Exception as e:                     # whatever the bytes did to the decoder: this kernel only
        log.info("kernel %d (%s): cannot disassemble", self.id, self.name, exc_info=True)
        self.problem = f"cannot disassemble: {one_line(e)}"
    return self.problem is None

  @cached_property
  def timing_tables(self):
    """sqtt.timing.timing_tables of this kernel: counters and wait thresholds per instruction."""
    from sqtt.timing import timing_tables
    return timing_tables(self.program_tables, self.instructions)

  @cached_property
  def program_tables(self):
    """The SQTT walker's per-instruction tables (None for an architecture without an SQTT layout, or when the
    code cannot be walked: then `trace_problem` says why)."""
    from sqtt.mapping import program_tables
    from sqtt.packets import arch_layout
    layout = arch_layout(self.code_object.arch) if self.usable() else None
    if layout is None: return None
    d = Disassembler(self.code_object.arch)
    encodings = [(e.name if (e := d.encoding_of(i.words[0])) else None) for i in self.instructions]
    try: return program_tables(self.instructions, self.cfg, self.kernel.entry_pc, layout, encodings)
    except Exception as e:
      log.info("kernel %d (%s): cannot walk", self.id, self.name, exc_info=True)
      self.trace_problem = f"its traces cannot be mapped: {one_line(e)}"
      return None


class Workspace:
  """A loaded capture and its kernels, in input order (their index is the stable kernel id). A program whose
  code object does not load is still a kernel, with its problem."""
  def __init__(self, capture: Capture, source_dirs=()):
    self.capture = capture
    self.source_dirs = tuple(source_dirs)     # folders the user named to find source files in (--source)
    self.kernels: list[KernelView] = []
    for prog in capture.programs:
      dev = capture.device(prog.device)
      try: co = capture.code_object(prog)
      except CodeObjectError as e:
        self.kernels.append(KernelView(len(self.kernels), prog.name, dev.arch if dev else "", None, None, prog,
                                       problem=f"bad code object: {e}"))
        continue
      if not co.kernels:
        self.kernels.append(KernelView(len(self.kernels), prog.name, co.arch, None, co, prog,
                                       problem="its code object holds no kernel descriptor"))
      for k in co.kernels:
        self.kernels.append(KernelView(len(self.kernels), k.name, co.arch, k, co, prog))
    self._analysis: Analysis | None = None
    self._unsaved = False
    self._analysis_lock = threading.Lock()       # a server may ask from several threads at once: analyse once

  @classmethod
  def open(cls, path, source_dirs=()) -> "Workspace":
    return cls(load_capture(path), source_dirs)

  def kernel(self, kid: int) -> KernelView:
    """Kernel `kid`, its code ready; ApiError 404 if there is none, 422 if its code cannot be read."""
    if not 0 <= kid < len(self.kernels): raise ApiError(404, f"no kernel {kid} (this capture has {len(self.kernels)})")
    kv = self.kernels[kid]
    if not kv.usable(): raise ApiError(422, f"kernel {kid} ({kv.name}): {kv.problem}")
    return kv

  def kernel_of_trace(self, t: TraceBuffer) -> KernelView | None:
    """The kernel a trace buffer traced: its program's tag on its device; of a code object holding several
    kernels, the one the program is named after (the simulator's captures), else the first (tinygrad's hold one)."""
    if t.kern_tag is None: return None
    mine = [kv for kv in self.kernels if kv.program is not None and kv.program.tag == t.kern_tag and kv.program.device == t.device]
    return next((kv for kv in mine if kv.name == kv.program.name), mine[0] if mine else None)

  def analysis(self, progress: Callable[[int, int, str], None] | None = None) -> "Analysis":
    """Decode, map and time every trace buffer (once; later calls return the same), or take that analysis from
    the on-disk cache (viz/analysis_cache.py; save_analysis writes it there). `progress(done bytes, total bytes,
    label)` is called as buffers finish."""
    from viz import analysis_cache
    with self._analysis_lock:
      if self._analysis is None and self.capture.traces: self._analysis = analysis_cache.load(self)
      if self._analysis is None:
        self._analysis = analyze(self, progress)
        # (a trace whose bytes could not be read says so; that is not what the capture's content key names)
        self._unsaved = bool(self.capture.traces) and not any(r.unreadable for r in self._analysis.traces)
    return self._analysis

  def save_analysis(self) -> None:
    """Write a freshly computed analysis to the on-disk cache (once; a no-op otherwise). Kept apart from
    analysis(): writing a big one takes seconds, which nobody waiting for an answer should pay."""
    from viz import analysis_cache
    with self._analysis_lock:                      # (held only to claim the write: routes read the analysis meanwhile)
      unsaved, self._unsaved = self._unsaved, False
    if unsaved: analysis_cache.save(self, self._analysis)


SGPR = re.compile(r"s(\d+)")

def used_sgprs(instructions) -> int:
  """How many SGPRs the code uses: the highest s<N> it reads or writes, plus one (0 if none)."""
  top = -1
  for i in instructions:
    for r in (*i.reads, *i.writes):
      if (m := SGPR.fullmatch(r)) is not None and int(m[1]) > top: top = int(m[1])
  return top + 1

def kernels_json(ws: Workspace) -> dict:
  """Every kernel; one whose code cannot be read has nulls for what it would show and its `problem`. sgprs_from
  says where the SGPR count comes from: the code object's metadata, its descriptor (gfx9), or the code itself
  (gfx10+ descriptors leave it out)."""
  out = []
  for kv in ws.kernels:
    ok = kv.usable()
    k, d = kv.kernel, kv.kernel.descriptor if kv.kernel else None
    sgprs, sgprs_from = (d.sgprs, d.counts_from) if d else (None, None)
    if d and not sgprs and ok:                 # gfx10+ without metadata: the descriptor does not say; the code does
      sgprs, sgprs_from = used_sgprs(kv.instructions), "code"
    out.append({"id": kv.id, "name": kv.name, "arch": kv.arch, "entry_pc": k.entry_pc if k else None,
                "n_instructions": len(kv.instructions) if ok else None, "vgprs": d.vgprs if d else None,
                "sgprs": sgprs, "sgprs_from": sgprs_from, "lds_bytes": d.lds_bytes if d else None,
                "scratch_bytes": d.scratch_bytes if d else None, "problem": kv.problem or kv.trace_problem})
  return {"kernels": out}


def disasm_json(kv: KernelView, offset: int = 0, limit: int | None = None) -> dict:
  """Instructions offset..offset+limit-1 (limit None: to the end) of the kernel; total: how many it has. Per
  instruction: pc, size, hex, text, mnemonic, registers read and written, target (the byte address a branch or
  call goes to, else null) and source (file and line from the DWARF line table, null without one)."""
  insts = kv.instructions
  page = insts[offset:] if limit is None else insts[offset:offset + limit]
  lines = kv.source_map
  def source(pc):
    if lines is None or (where := lines.line_of(pc)) is None: return None
    return {"file": where[0], "line": where[1]}
  return {"total": len(insts), "offset": offset, "limit": limit,
          "instructions": [{"pc": i.pc, "size": i.size, "hex": i.hex, "text": i.text, "mnemonic": i.mnemonic,
                            "reads": list(i.reads), "writes": list(i.writes), "target": i.target, "source": source(i.pc)}
                           for i in page]}


# ---------------------------------------------------------------------------------------------------
# thread traces

@dataclass
class TraceResult:
  """One trace buffer: its packet counts, and its walk through its kernel (None: no kernel, no SQTT layout, or a
  `problem` that stopped it)."""
  id: int
  trace: TraceBuffer
  kernel: KernelView | None
  packets: object                    # sqtt.decode.PacketCounts
  mapping: object = None
  problem: str | None = None
  part: object = None                # sqtt.timing.MappingTiming of the mapping
  unreadable: bool = False           # its bytes could not be read (the file changed): the analysis is not cached

@dataclass
class Analysis:
  traces: list[TraceResult]
  timing: dict[int, object]          # kernel id -> sqtt.timing.KernelTiming, kernels with at least one trace

ANALYSIS_THREADS = 2                 # buffers are independent: one per core (the compiled loops release the GIL)

SMALL_TRACES = 256 << 10             # bytes of trace in a capture analysed by the loops as plain Python (sqtt.jit)

def _analyze_trace(i: int, t: TraceBuffer, arch: str | None, kv: KernelView | None, small: bool = False,
                   framed: Callable[[int], None] | None = None) -> TraceResult:
  """Decode one buffer, walk it through its kernel chunk by chunk and reduce the walk's timing: only counts, the
  walk and its reduction are kept. `small`: the capture's traces are few bytes, not worth compiled loops.
  `framed(bytes)`: told after each chunk how far into the buffer decoding got."""
  from sqtt.jit import interpreted
  with interpreted(small): return _analyze_trace_now(i, t, arch, kv, framed)

def _analyze_trace_now(i: int, t: TraceBuffer, arch: str | None, kv: KernelView | None, framed=None) -> TraceResult:
  from sqtt.decode import NK, PacketCounts, count_packets
  from sqtt.mapping import map_buffer
  from sqtt.timing import time_mapping
  tables = kv.program_tables if kv is not None else None
  problem = (kv.problem or kv.trace_problem) if kv is not None else None
  try:                                 # (a big buffer is still in the file: read window by window as it is decoded)
    if tables is not None:
      try:
        m = map_buffer(t.blob, arch, tables, kv.program.base if kv.program else 0, framed=framed)
        if m is not None:
          part = time_mapping(kv.timing_tables, tables, len(kv.cfg.blocks), m)
          return TraceResult(i, t, kv, PacketCounts(m.n_packets, m.kind_counts, m.layout, m.error), m, part=part)
      except CaptureError: raise
      except Exception as e:
        log.info("trace %d of kernel %d: cannot map", i, kv.id, exc_info=True)
        problem = f"cannot map to kernel {kv.id}: {one_line(e)}"
    return TraceResult(i, t, kv, count_packets(t.blob, arch, framed), None, problem)
  except CaptureError as e:
    return TraceResult(i, t, kv, PacketCounts(0, np.zeros(NK, np.int64), None, None), None, str(e), unreadable=True)

def analyze(ws: Workspace, progress: Callable[[int, int, str], None] | None = None, compiled: bool | None = None) -> Analysis:
  """Decode every buffer, walk it through its kernel (ANALYSIS_THREADS buffers at once) and time each kernel.
  The decoder never raises; a kernel whose code cannot be walked, or a walk that fails, is a problem of that
  kernel and its traces only. `compiled`: run the compiled loops in threads, or the plain-Python ones (default:
  by the traces' size, SMALL_TRACES)."""
  from concurrent.futures import ThreadPoolExecutor
  from contextlib import nullcontext
  arch = {d.name: d.arch for d in ws.capture.devices}
  traces = ws.capture.traces
  owners = [ws.kernel_of_trace(t) for t in traces]
  for kv in {id(k): k for k in owners if k is not None}.values():
    if kv.program_tables is not None: kv.timing_tables   # once, before the threads
  total = sum(len(t.blob) for t in traces)
  results: list[TraceResult] = []
  if progress: progress(0, total, f"{len(traces)} traces")
  small = total < SMALL_TRACES if compiled is None else not compiled
  # bytes decoded per trace, summed into one progress (workers report after each chunk, so a big buffer moves it)
  lock, framed, sums = threading.Lock(), [0] * len(traces), {"bytes": 0, "finished": 0}
  def report(i: int, n: int, done: bool = False) -> None:
    with lock:                                   # (workers call it; so does this thread as each trace finishes)
      sums["bytes"] += n - framed[i]
      framed[i], sums["finished"] = n, sums["finished"] + done
      if progress: progress(sums["bytes"], total, f"{sums['finished']}/{len(traces)} traces")
  on_bytes = (lambda i: (lambda n: report(i, n))) if progress else (lambda i: None)
  jobs = [(i, t, arch.get(t.device) or (kv.arch if kv else None), kv, small, on_bytes(i))
          for i, (t, kv) in enumerate(zip(traces, owners))]
  # small traces take the plain-Python path, which holds the GIL: threads would only add their start-up
  with ThreadPoolExecutor(ANALYSIS_THREADS, thread_name_prefix="amdviz-trace") if not small else nullcontext() as pool:
    futures = [pool.submit(_analyze_trace, *job) for job in jobs] if pool else None
    for i, job in enumerate(jobs):
      results.append(futures[i].result() if futures else _analyze_trace(*job))
      report(i, len(traces[i].blob), done=True)
  return finish_analysis(ws, results)

def finish_analysis(ws: Workspace, results: list[TraceResult]) -> Analysis:
  """Time each kernel from its traces' walks and their reductions (also what a cached analysis is rebuilt from)."""
  from sqtt.timing import TraceRef, kernel_timing
  per_kernel: dict[int, list] = {}
  for r in results:
    if r.mapping is not None:
      per_kernel.setdefault(r.kernel.id, []).append((TraceRef(r.id, r.trace.se, r.trace.exec_tag, r.trace.itrace), r.mapping, r.part))
  timing = {}
  for kid, rows in per_kernel.items():
    kv = ws.kernels[kid]
    try: timing[kid] = kernel_timing(kv.program_tables, kv.instructions, kv.cfg, [(ref, m) for ref, m, _ in rows],
                                     [part for _, _, part in rows], kv.timing_tables)
    except Exception as e:
      log.info("kernel %d: cannot time", kid, exc_info=True)
      kv.trace_problem = f"its traces cannot be timed: {one_line(e)}"
  return Analysis(results, timing)

def traces_json(ws: Workspace) -> dict:
  """Every trace buffer: its kernel, SE, packets, waves started/ended, how its instruction packets mapped
  (instruction_packets = mapped + unmapped; other_simd: OTHER_* ops, not this SIMD's), the traced unit, the
  decoder's error and the walker's problems."""
  out = []
  for r in ws.analysis().traces:
    p, m = r.packets, r.mapping
    s = m.summary() if m is not None else {}
    started, ended = (s["waves_started"], s["waves_ended"]) if m is not None else (p.count("WAVE_START"), p.count("WAVE_END"))
    out.append({"id": r.id, "kernel_id": r.kernel.id if r.kernel else None, "device": r.trace.device, "se": r.trace.se,
                "itrace": r.trace.itrace, "exec_tag": r.trace.exec_tag, "bytes": len(r.trace.blob), "packets": p.n,
                "waves_started": started, "waves_ended": ended, "traced_waves": s.get("traced_waves", 0),
                "instruction_packets": s.get("instruction_packets", 0), "mapped": s.get("mapped", 0),
                "unmapped": s.get("unmapped", 0), "other_simd": s.get("other_simd", 0), "lost_waves": s.get("lost_waves", 0),
                "traced_unit": s.get("traced_unit"), "layout": p.layout,
                "error": None if p.error is None else f"byte {p.error[0]}: {p.error[1]}",
                "problems": ([r.problem] if r.problem else []) + (list(m.problems) if m is not None else [])})
  return {"traces": out}

def _timing(ws: Workspace, kv: KernelView):
  return ws.analysis().timing.get(kv.id)

def _wait_links(kv: KernelView, t) -> tuple[dict, dict]:
  """inst index -> [what its wait waited for], inst index -> [the waits that waited for it]."""
  pcs = [i.pc for i in kv.instructions]
  waits, waited_by = {}, {}
  for w in t.waits:
    waits.setdefault(w["wait"], []).append({"pc": pcs[w["source"]], "counter": w["counter"], "cycles": w["cycles"],
                                            "count": w["count"]})
    waited_by.setdefault(w["source"], []).append({"pc": pcs[w["wait"]], "counter": w["counter"], "cycles": w["cycles"],
                                                  "count": w["count"]})
  return waits, waited_by

def _inst_rows(kv: KernelView, t) -> list[dict]:
  waits, waited_by = _wait_links(kv, t)
  mean = t.cycles_mean()
  rows = []
  for k, ins in enumerate(kv.instructions):
    row = {"pc": ins.pc, "hits": int(t.hits[k]), "timed": int(t.timed[k]), "cycles_total": int(t.cycles_total[k]),
           "cycles_mean": round(float(mean[k]), 2), "cycles_min": int(t.cycles_min[k]) if t.timed[k] else None,
           "cycles_max": int(t.cycles_max[k]) if t.timed[k] else None, "stall": int(t.stall_total[k]),
           "waited_on_by": waited_by.get(k, []), "wait": waits.get(k, [])}
    if t.exec_n[k]:
      row["exec"] = {"n": int(t.exec_n[k]), "mean": round(float(t.exec_total[k] / t.exec_n[k]), 2), "max": int(t.exec_max[k])}
    rows.append(row)
  return rows

def timing_json(ws: Workspace, kv: KernelView) -> dict:
  """Per instruction (all of them, in pc order): hits (times a traced wave ran it), timed (runs with a cycle
  count), cycles_total/mean/min/max (issue to the wave's next issue; sqtt.timing says how waits count), stall
  (cycles a wait / stepped-over instruction waited to complete), wait (what this wait waited for, per counter:
  pc, cycles, count), waited_on_by (the waits that waited for this instruction), exec (RDNA: cycles from issue
  to ALU_EXEC / VMEM_EXEC). traced: the kernel has trace buffers; waves: how many were instruction-traced;
  problem: why traces of this kernel could not be mapped or timed (else null)."""
  t = _timing(ws, kv)
  if t is None:
    return {"traced": False, "waves": 0, "instructions": [], "counters": [], "coverage": None, "problem": kv.trace_problem}
  return {"traced": True, "waves": t.n_waves, "counters": list(t.counters), "instructions": _inst_rows(kv, t),
          "coverage": t.coverage, "problem": None}

def cfg_with_counts_json(ws: Workspace, kv: KernelView) -> dict:
  """isa.cfg.to_json, and when traced: per block hits, cycles, waves started / ended there; per edge count."""
  out = cfg_json(kv.cfg)
  t = _timing(ws, kv) if ws.capture.traces else None
  if t is None: return out
  index = {b.id: k for k, b in enumerate(kv.cfg.blocks)}
  for k, b in enumerate(out["blocks"]):
    b.update(hits=int(t.block_hits[k]), cycles=int(t.block_cycles[k]), waves_started=int(t.block_starts[k]),
             waves_ended=int(t.block_ends[k]))
  seen = set()
  for e in out["edges"]:
    key = (index[e["from"]], index[e["to"]], "fallthrough" if e["kind"] == "fallthrough" else "taken")
    e["count"] = t.edge_counts.get(key, 0)
    seen.add(key)
  starts = [b.start for b in kv.cfg.blocks]
  # transitions the waves made that the CFG has no edge for (CDNA INST_PC re-synchronisations, calls): none
  # on a trace walked without trouble
  out["extra_edges"] = [{"from": starts[a], "to": starts[b], "kind": k, "count": c}
                        for (a, b, k), c in sorted(t.edge_counts.items()) if (a, b, k) not in seen]
  return out

WAVES_LIMIT = 10000   # waves in one /waves answer unless asked otherwise (a big trace has millions)

def waves_json(ws: Workspace, kv: KernelView, offset: int = 0, limit: int = WAVES_LIMIT) -> dict:
  """Waves offset..offset+limit-1 of every trace of the kernel (total: how many there are): trace, se, cu, simd,
  wave (slot), start / end cycle, traced (its SIMD was instruction-traced), n_insts (instructions run), status,
  blocks (the path, block start pcs)."""
  t = _timing(ws, kv)
  total = len(t.waves) if t is not None else 0
  lo, hi = min(offset, total), min(offset + limit, total)
  rows = t.waves.rows(lo, hi, np.array([b.start for b in kv.cfg.blocks], np.int64)) if t is not None else []
  return {"total": total, "offset": offset, "limit": limit, "waves": rows}

# Instruction classes by mnemonic prefix, first match wins: waits and branches before the s_ catch-all
INST_CLASSES = (("WAIT", ("s_waitcnt", "s_wait_", "s_barrier")), ("BRANCH", ("s_branch", "s_cbranch")),
                ("SMEM", ("s_load", "s_buffer_load", "s_store", "s_buffer_store", "s_atomic", "s_buffer_atomic")),
                ("VMEM", ("global_", "buffer_", "flat_", "scratch_", "tbuffer_", "image_")), ("LDS", ("ds_",)),
                ("VALU", ("v_",)), ("SALU", ("s_",)))

def inst_class(mnemonic: str) -> str:
  return next((c for c, prefixes in INST_CLASSES if mnemonic.startswith(prefixes)), "OTHER")

def wave_timeline_json(ws: Workspace, kv: KernelView, n: int) -> dict:
  """Wave n (its index in /waves) instruction by instruction: per executed instruction, its pc, class and span
  from its issue to the wave's next issue (the last: to the wave's end; a wave cut off before its end: zero
  length). Consecutive spans touch. A wave without an instruction trace: traced false, no spans."""
  t = _timing(ws, kv)
  total = len(t.waves) if t is not None else 0
  if not 0 <= n < total: raise ApiError(404, f"no wave {n} (kernel {kv.id} has {total})")
  seg, local = t.waves.locate(n)
  m = seg.m
  out = {"wave": n, "start": int(m.w_start[local]), "end": int(m.w_end[local]) if m.w_end[local] != NO_TIME else None,
         "traced": bool(m.w_traced[local]), "spans": []}
  if not out["traced"]: return out
  from sqtt.timing import wave_issues
  _, inst, issue, cycles, timed = wave_issues(m, local)    # this wave's events only: no pass over the whole trace
  ends = np.where(timed, issue + cycles, issue)
  insts = kv.instructions
  out["spans"] = [{"pc": insts[i].pc, "start": a, "end": b, "class": inst_class(insts[i].mnemonic)}
                  for i, a, b in zip(inst.tolist(), issue.tolist(), ends.tolist())]
  return out

def kernel_occupancy(ws: Workspace, kv: KernelView, vgprs: int | None = None, agprs: int | None = None):
  """isa.occupancy.Occupancy of the kernel on its target from its allocation, or with `vgprs`/`agprs` in its place
  (same SGPRs, LDS and workgroup size); None without a kernel descriptor."""
  from isa.occupancy import occupancy
  d = kv.kernel.descriptor
  if d is None: return None
  k = next(x for x in kernels_json(ws)["kernels"] if x["id"] == kv.id)
  wg = kv.kernel.metadata.get(".max_flat_workgroup_size")
  return occupancy(kv.arch, d.vgprs if vgprs is None else vgprs, d.agprs if agprs is None else agprs, d.wave32,
                   k["sgprs"], d.group_segment_fixed_size, wg if isinstance(wg, int) and wg > 0 else None)

PEAK_PCS_SHOWN = 8     # peak instructions the summary lists (/pressure lists them all)

def has_agprs(arch: str) -> bool: return arch.startswith(("gfx908", "gfx90a", "gfx94", "gfx95"))

def pressure_peak(ws: Workspace, kv: KernelView, limit: int | None = None) -> dict:
  """The peak of the kernel's live registers and the pcs where live VGPRs reach it (the first `limit`; peak_count:
  how many), the occupancy its allocation gives, the waves per SIMD an allocation of just the peak would give, and
  vgprs_to_free_for_next_wave: how many VGPRs the peak must lose for one more wave (null when VGPRs do not limit
  it; 0: the values live at the peak already fit, the allocation is what costs the wave)."""
  p = kv.pressure
  peak = {"live_vgprs": int(p.vgprs.max(initial=0)), "live_sgprs": int(p.sgprs.max(initial=0))}
  if has_agprs(kv.arch): peak["live_agprs"] = int(p.agprs.max(initial=0))
  at = np.flatnonzero(p.vgprs == peak["live_vgprs"]) if len(p.pcs) else np.zeros(0, np.int64)
  occ = kernel_occupancy(ws, kv)
  tight = kernel_occupancy(ws, kv, peak["live_vgprs"], peak.get("live_agprs", 0))
  free = None
  if occ is not None and occ.vgprs_for_next_wave is not None: free = max(0, tight.vgprs - occ.vgprs_for_next_wave)
  return {"peak": peak, "peak_pcs": p.pcs[at[:limit]].tolist(), "peak_count": len(at),
          "occupancy": occ.json() if occ is not None else None,
          "waves_per_simd_at_peak": tight.waves_per_simd if tight is not None else None,
          "vgprs_to_free_for_next_wave": free}

def pressure_json(ws: Workspace, kv: KernelView) -> dict:
  """Register pressure (isa/liveness.py says what counts and which writes end a value): per instruction in pc
  order, the VGPRs and SGPRs (and AGPRs on targets that have them) holding a value there, live into it or written
  by it; the allocation (vgpr_alloc, agpr_alloc, sgpr_alloc as /api/kernels counts it); and pressure_peak."""
  p, d = kv.pressure, kv.kernel.descriptor
  sgprs = next(x for x in kernels_json(ws)["kernels"] if x["id"] == kv.id)["sgprs"]
  cols = [("pc", p.pcs), ("live_vgprs", p.vgprs), ("live_sgprs", p.sgprs)] + ([("live_agprs", p.agprs)] if has_agprs(kv.arch) else [])
  names, values = zip(*((n, c.tolist()) for n, c in cols))
  return {"vgpr_alloc": d.vgprs if d else None, "agpr_alloc": d.agprs if d else None, "sgpr_alloc": sgprs,
          **pressure_peak(ws, kv), "instructions": [dict(zip(names, row)) for row in zip(*values)]}

def summary_json(ws: Workspace, kv: KernelView, top: int = 5) -> dict:
  """One kernel at a glance: its occupancy on its target (isa.occupancy: waves per SIMD from its registers and
  LDS at its largest workgroup size, what limits them, how many VGPRs must go for one more wave), its instruction mix by class (static, and as executed when
  traced), its traced cycles by class, its costliest waits, and its register pressure's peak (pressure_peak)."""
  d = kv.kernel.descriptor
  occ = o.json() if (o := kernel_occupancy(ws, kv)) is not None else None
  classes = [inst_class(i.mnemonic) for i in kv.instructions]
  mix: dict[str, int] = {}
  for c in classes: mix[c] = mix.get(c, 0) + 1
  t = _timing(ws, kv)
  measured = t is not None and t.n_waves > 0
  executed, cycles = ({}, {}) if measured else (None, None)
  if measured:
    for c, h, cy in zip(classes, t.hits.tolist(), t.cycles_total.tolist()):
      executed[c] = executed.get(c, 0) + h; cycles[c] = cycles.get(c, 0) + cy
  insts = kv.instructions
  waits = [{"wait": insts[w["wait"]].pc, "wait_text": insts[w["wait"]].text, "source": insts[w["source"]].pc,
            "source_text": insts[w["source"]].text, "counter": w["counter"], "cycles": w["cycles"], "count": w["count"]}
           for w in (t.waits[:top] if measured else [])]
  return {"name": kv.name, "arch": kv.arch, "wave32": d.wave32 if d else None, "occupancy": occ, "instructions": len(insts),
          "mix": dict(sorted(mix.items(), key=lambda x: -x[1])), "traced": t is not None, "waves": t.n_waves if t else 0,
          "executed": executed, "cycles_by_class": cycles, "total_cycles": int(t.cycles_total.sum()) if measured else None,
          "top_waits": waits,
          "pressure": {k: v for k, v in pressure_peak(ws, kv, PEAK_PCS_SHOWN).items() if k != "occupancy"}}   # said above

def source_json(ws: Workspace, kv: KernelView) -> dict:
  """The kernel's source, line by line: per file (most instructions first) every line's text when the code object
  carries it or a --source folder holds the file (viz.source_files), and for each line with code its
  instructions' pcs and, when traced, their hits and cycles summed. No line table (built without -g): no files."""
  from viz.source_files import source_text
  lines = kv.source_map
  if lines is None: return {"files": [], "total_cycles": None, "note": "built without -g: the code object has no line table"}
  t = _timing(ws, kv)
  measured = t is not None and t.n_waves > 0
  hits, cycles = (t.hits.tolist(), t.cycles_total.tolist()) if measured else (None, None)
  by_file: dict[str, dict[int, dict]] = {}
  for k, inst in enumerate(kv.instructions):
    if (where := lines.line_of(inst.pc)) is None: continue
    row = by_file.setdefault(where[0], {}).setdefault(where[1], {"pcs": [], "hits": 0 if measured else None,
                                                                  "cycles": 0 if measured else None})
    row["pcs"].append(inst.pc)
    if measured: row["hits"] += hits[k]; row["cycles"] += cycles[k]
  files = []
  for path, rows in sorted(by_file.items(), key=lambda f: (-sum(len(r["pcs"]) for r in f[1].values()), f[0])):
    text, origin = source_text(path, lines.texts, ws.source_dirs)
    texts = text.splitlines() if text is not None else []
    numbers = sorted(set(range(1, len(texts) + 1)) | set(rows))
    empty = {"pcs": [], "hits": None, "cycles": None}
    files.append({"file": path, "origin": origin, "lines": [{"line": n, "text": texts[n - 1] if n <= len(texts) else None,
                                                             **rows.get(n, empty)} for n in numbers]})
  return {"files": files, "total_cycles": int(t.cycles_total.sum()) if measured else None,
          "note": None if any(f["origin"] for f in files) else
          "the code object does not carry its source (clang -gdwarf-5 -gembed-source does) and no --source folder holds it"}

CONTEXT = 3   # instructions either side of a hotspot

def hotspots_json(ws: Workspace, kv: KernelView, top: int = 10) -> dict:
  """The `top` instructions with the most cycles: where they are, the code around them, what they waited on."""
  t = _timing(ws, kv)
  if t is None: return {"traced": False, "total_cycles": 0, "hotspots": [], "problem": kv.trace_problem}
  insts, cfg = kv.instructions, kv.cfg
  waits, waited_by = _wait_links(kv, t)
  text = {i.pc: i.text for i in insts}
  total = int(t.cycles_total.sum())
  mean = t.cycles_mean()
  order = [k for k in np.argsort(-t.cycles_total, kind="stable")[:max(top, 0)].tolist() if t.cycles_total[k] > 0]
  out = []
  for k in order:
    ins = insts[k]
    lo, hi = max(0, k - CONTEXT), min(len(insts), k + CONTEXT + 1)
    out.append({"pc": ins.pc, "text": ins.text, "block": cfg.block_of(ins.pc).id, "hits": int(t.hits[k]),
                "cycles_total": int(t.cycles_total[k]), "cycles_mean": round(float(mean[k]), 2),
                "cycles_max": int(t.cycles_max[k]), "share": round(float(t.cycles_total[k]) / total, 4) if total else 0.0,
                "stall": int(t.stall_total[k]),
                "context": [{"pc": insts[j].pc, "text": insts[j].text, "hits": int(t.hits[j]),
                             "cycles_total": int(t.cycles_total[j]), "here": j == k} for j in range(lo, hi)],
                "waited_on": [{**w, "text": text[w["pc"]]} for w in waits.get(k, [])],
                "waited_on_by": [{**w, "text": text[w["pc"]]} for w in waited_by.get(k, [])]})
  return {"traced": True, "waves": t.n_waves, "total_cycles": total, "hotspots": out, "problem": None}

def _count(query: dict, name: str, default: int | None) -> int | None:
  """A non-negative query parameter, written as a plain decimal number."""
  if name not in query: return default
  v = query[name][0]
  if not re.fullmatch(ID, v): raise ApiError(400, f"{name} must be a plain decimal number, got {v!r}")
  return int(v)

# (pattern, handler(ws, query, *groups))
def layout_json(ws: Workspace, kv: KernelView) -> dict:
  """The CFG laid out as IDA draws it, each block's box sized for its disassembly text (viz/layout.py)."""
  cfg = cfg_with_counts_json(ws, kv)
  # boxes sized for the lines as drawn: a branch's line ends with the name of where it goes (static/graph.js)
  from viz.layout import block_sizes, drawn_text, layout   # (here: a route that needs no layout skips its import)
  texts = {i.pc: drawn_text(i.text, i.target) for i in kv.instructions}
  return layout(cfg, block_sizes(cfg, texts))

def vopd_json(ws: Workspace, kv: KernelView) -> dict:
  """VALU instructions, VOPDs issued, and the pairs that could issue as one more VOPD (isa/vopd.py says the rules):
  each with its pcs, the v_dual text that replaces them and the cycles the simulator's model says that saves;
  unprofitable: valid pairs the model says would not pay; note: why there can be none (not gfx11/12, wave64)."""
  if "vopd" not in kv._cache:
    from isa.vopd import find
    d = kv.kernel.descriptor
    kv._cache["vopd"] = find(kv.instructions, kv.cfg, kv.arch, bool(d and d.wave32)).json()
  return kv._cache["vopd"]

def blocks_json(ws: Workspace, kv: KernelView) -> dict:
  """Per block and per natural loop: the cycles the simulator's cycle model predicts for one pass against the measured
  mean per pass, flagged where measured is far above, with the waits that dominate there (viz/estimate.py)."""
  from viz.estimate import blocks_json
  return blocks_json(ws, kv)


ID = r"(0|[1-9][0-9]{0,8})"   # ids are written one way only: no sign, leading zero or non-ASCII digit

ROUTES = [
  (re.compile(r"^/api/kernels/?$"), lambda ws, q: kernels_json(ws)),
  (re.compile(rf"^/api/kernels/{ID}/disasm/?$"),
   lambda ws, q, k: disasm_json(ws.kernel(int(k)), _count(q, "offset", 0), _count(q, "limit", None))),
  (re.compile(rf"^/api/kernels/{ID}/cfg/?$"), lambda ws, q, k: cfg_with_counts_json(ws, ws.kernel(int(k)))),
  (re.compile(rf"^/api/kernels/{ID}/timing/?$"), lambda ws, q, k: timing_json(ws, ws.kernel(int(k)))),
  (re.compile(rf"^/api/kernels/{ID}/waves/?$"),
   lambda ws, q, k: waves_json(ws, ws.kernel(int(k)), _count(q, "offset", 0), _count(q, "limit", WAVES_LIMIT))),
  (re.compile(rf"^/api/kernels/{ID}/waves/{ID}/timeline/?$"),
   lambda ws, q, k, n: wave_timeline_json(ws, ws.kernel(int(k)), int(n))),
  (re.compile(rf"^/api/kernels/{ID}/hotspots/?$"), lambda ws, q, k: hotspots_json(ws, ws.kernel(int(k)), _count(q, "top", 10))),
  (re.compile(rf"^/api/kernels/{ID}/layout/?$"), lambda ws, q, k: layout_json(ws, ws.kernel(int(k)))),
  (re.compile(rf"^/api/kernels/{ID}/summary/?$"), lambda ws, q, k: summary_json(ws, ws.kernel(int(k)), _count(q, "top", 5))),
  (re.compile(rf"^/api/kernels/{ID}/source/?$"), lambda ws, q, k: source_json(ws, ws.kernel(int(k)))),
  (re.compile(rf"^/api/kernels/{ID}/pressure/?$"), lambda ws, q, k: pressure_json(ws, ws.kernel(int(k)))),
  (re.compile(rf"^/api/kernels/{ID}/vopd/?$"), lambda ws, q, k: vopd_json(ws, ws.kernel(int(k)))),
  (re.compile(rf"^/api/kernels/{ID}/blocks/?$"), lambda ws, q, k: blocks_json(ws, ws.kernel(int(k)))),
  (re.compile(r"^/api/traces/?$"), lambda ws, q: traces_json(ws)),
]
ROUTE_NAMES = ("/api/kernels, /api/kernels/ID/{disasm?offset=N&limit=N,cfg,layout,timing,waves?offset=N&limit=N,"
              "waves/N/timeline,hotspots?top=N,summary?top=N,source,pressure,vopd,blocks}, /api/traces")


def route(ws: Workspace, path: str) -> dict:
  """Body of GET `path` (a query string goes to the routes that take one: hotspots?top=N). Built with the cyclic
  garbage collector paused: a body is rows of fresh dicts, hundreds of thousands for a big kernel."""
  path, _, qs = path.partition("?")
  for pattern, fn in ROUTES:
    if m := pattern.match(path):
      with gc_paused(): return fn(ws, parse_qs(qs), *m.groups())
  raise ApiError(404, f"no route {path}; routes: {ROUTE_NAMES}")
