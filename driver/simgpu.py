"""The simulated GPU: memory, a compute queue's PM4 interpreter, per-shader-engine register banks, DISPATCH_DIRECT
running the kernel on emu/, and SQ thread traces written into the buffers and write pointers the driver programmed.

It executes the very dwords a driver submits (through the fake KFD, the kfd backend's own code path) and is strict
where hardware would silently do the wrong thing: a dispatch before its program registers, SQTT turned on before its
buffer is set or set for every SE at once, a trace read before it was finished, a wait that could never end. Each
refusal is a SimGPUError naming the packet (its index in the stream and its name).
"""
from __future__ import annotations
import numpy as np
from driver import pm4, registers as R
from driver.program import INSTRUCTION_TOKENS
from driver.gpu_memory import GPUMemory
from emu import cycles
from emu.dispatch import GFX_TARGET_VERSION as DISPATCH_TARGETS, Launch, launch
from isa.encodings import family

GFX_TARGET_VERSION = {a: v for a, v in DISPATCH_TARGETS.items() if family(a) in ("gfx11", "gfx12")}   # what emu runs
SQTT_REGS = ("SQ_THREAD_TRACE_BUF0_SIZE", "SQ_THREAD_TRACE_BUF0_BASE", "SQ_THREAD_TRACE_BUF0_BASE_LO",
             "SQ_THREAD_TRACE_BUF0_BASE_HI", "SQ_THREAD_TRACE_MASK", "SQ_THREAD_TRACE_TOKEN_MASK", "SQ_THREAD_TRACE_CTRL")
WAIT = {0: lambda v, r: True, 1: lambda v, r: v < r, 2: lambda v, r: v <= r, 3: lambda v, r: v == r,
        4: lambda v, r: v != r, 5: lambda v, r: v >= r, 6: lambda v, r: v > r}


class SimGPUError(RuntimeError):
  """The command stream asked for something the hardware would not do (or would do wrongly)."""


class SimGPU:
  def __init__(self, arch: str = "gfx1100"):
    if arch not in GFX_TARGET_VERSION: raise SimGPUError(f"the simulated GPU is a gfx11 or gfx12 part ({', '.join(GFX_TARGET_VERSION)}), not {arch}")
    self.arch, self.gen = arch, R.gen_of(arch)
    self.shape = cycles.SHAPES[family(arch)]
    self.n_se = self.shape.se
    self.memory = GPUMemory()
    cus = self.shape.wgp_per_sa * self.shape.sa_per_se * 2
    self.props = {"gfx_target_version": GFX_TARGET_VERSION[arch], "simd_count": self.n_se * cus * 2, "array_count": self.n_se * self.shape.sa_per_se,
                  "simd_arrays_per_engine": self.shape.sa_per_se, "cu_per_simd_array": cus // self.shape.sa_per_se,
                  "simd_per_cu": 2, "max_waves_per_simd": 16, "num_xcc": 1, "wave_front_size": 32, "lds_size_in_kb": 64}
    self.sh: dict[str, int] = {}                         # SH registers (one copy: compute state is global)
    self.se_regs = [dict() for _ in range(self.n_se)]    # UCONFIG registers that are per SE (SQ_THREAD_TRACE_*)
    self.grbm: int | None = None                         # the SE GRBM_GFX_INDEX selects; None = broadcast
    self.rptr: dict[int, int] = {}                       # queue id -> dwords consumed
    self.trace_on = [False] * self.n_se
    self.finished = [False] * self.n_se
    self.started = False
    self.runs: list = []                                 # every dispatch's emu Run, in order
    self.packets: list[dict] = []                        # every packet executed, decoded

  # ---- queues
  def doorbell(self, q: dict) -> None:
    """Consume the ring of queue q from where this GPU last stopped up to the write pointer (a 64-bit dword count)."""
    qid = q.get("queue_id", 0)
    start, end = self.rptr.get(qid, 0), self.memory.u64(q["wptr_va"])
    if end < start: raise SimGPUError(f"queue {qid}: write pointer {end} went back below {start}")
    n = q["ring_size"] // 4
    if end - start > n: raise SimGPUError(f"queue {qid}: {end - start} new dwords overrun the {n}-dword ring")
    ring = self.memory.view(q["ring_va"], q["ring_size"]).view("<u4")
    idx = np.arange(start, end) % n
    self.execute(ring[idx].copy())
    self.rptr[qid] = end
    self.memory.set_u64(q["rptr_va"], end)

  def execute(self, words) -> None:
    for k, p in enumerate(pm4.decode(np.asarray(words, np.uint32), self.gen)):
      self.packets.append(p)
      try: self._packet(p)
      except SimGPUError as e: raise SimGPUError(f"packet {k} ({p['packet']}{' ' + p['reg'] if 'reg' in p else ''}): {e}") from None

  # ---- registers
  def _bank(self, name: str) -> list[dict]:
    if name.startswith("SQ_THREAD_TRACE"):
      return self.se_regs if self.grbm is None else [self.se_regs[self.grbm]]
    return [self.sh]

  def read_reg(self, name: str) -> int:
    if name.startswith("SQ_THREAD_TRACE"):
      if self.grbm is None: raise SimGPUError(f"{name} read with GRBM_GFX_INDEX broadcasting: select one SE first")
      return self.se_regs[self.grbm].get(name, 0)
    return self.sh.get(name, 0)

  def _write_reg(self, name: str, value: int) -> None:
    if name == "GRBM_GFX_INDEX":
      f = R.unpack(R.get(self.gen, name), value)
      if f["SE_BROADCAST_WRITES"]: self.grbm = None
      elif f["SE_INDEX"] >= self.n_se: raise SimGPUError(f"SE {f['SE_INDEX']} does not exist ({self.n_se} SEs)")
      else: self.grbm = f["SE_INDEX"]
      return
    if name in SQTT_REGS and self.grbm is None and name != "SQ_THREAD_TRACE_CTRL":
      raise SimGPUError(f"{name} written to every SE at once: each SE needs its own buffer (select it with GRBM_GFX_INDEX)")
    if name == "SQ_THREAD_TRACE_CTRL":
      on = bool(value & 3)
      for se in ([self.grbm] if self.grbm is not None else range(self.n_se)):
        regs = self.se_regs[se]
        if on:
          need = ["SQ_THREAD_TRACE_BUF0_SIZE", "SQ_THREAD_TRACE_MASK", "SQ_THREAD_TRACE_TOKEN_MASK"] + \
                 (["SQ_THREAD_TRACE_BUF0_BASE"] if self.gen == "gfx11" else ["SQ_THREAD_TRACE_BUF0_BASE_LO", "SQ_THREAD_TRACE_BUF0_BASE_HI"])
          missing = [r for r in need if r not in regs]
          if missing: raise SimGPUError(f"SQTT turned on for SE {se} before {', '.join(missing)} (CTRL goes last)")
          if self._buffer(se)[1] == 0: raise SimGPUError(f"SE {se}: SQTT buffer of size 0")
          self.finished[se] = False
        elif self.trace_on[se] and not self.finished[se]:
          raise SimGPUError(f"SQTT turned off on SE {se} before a THREAD_TRACE_FINISH event and a wait for FINISH_DONE")
        self.trace_on[se] = on
        regs[name] = value
        if not on: regs["SQ_THREAD_TRACE_STATUS"] = regs.get("SQ_THREAD_TRACE_STATUS", 0) & ~(1 << 25)
      return
    for bank in self._bank(name): bank[name] = value

  def _buffer(self, se: int) -> tuple[int, int]:
    r = self.se_regs[se]
    if self.gen == "gfx11":
      size = r.get("SQ_THREAD_TRACE_BUF0_SIZE", 0)
      base = (size & 0xF) << 32 | r.get("SQ_THREAD_TRACE_BUF0_BASE", 0)
      return base << 12, (size >> 8 & 0x3FFFFF) << 12
    base = (r.get("SQ_THREAD_TRACE_BUF0_BASE_HI", 0) & 0x1FFF) << 32 | r.get("SQ_THREAD_TRACE_BUF0_BASE_LO", 0)
    return base << 12, (r.get("SQ_THREAD_TRACE_BUF0_SIZE", 0) & 0x3FFFFF) << 12

  # ---- packets
  def _packet(self, p: dict) -> None:
    kind = p["packet"]
    if kind in ("SET_SH_REG", "SET_UCONFIG_REG"):
      if p.get("reg") is None: raise SimGPUError(f"write to unknown register at byte {p['addr']:#x}")
      self._write_reg(p["reg"], p["value"])
    elif kind == "EVENT_WRITE": self._event(p["event"])
    elif kind == "DISPATCH_DIRECT": self._dispatch(p)
    elif kind == "WAIT_REG_MEM":
      v = self.memory.u32(p["addr"]) if p["mem_space"] else self.read_reg(R.by_offset(self.gen, p["addr"]).name)
      if not WAIT[p["function"]](v & p["mask"], p["reference"] & p["mask"]):
        what = f"memory {p['addr']:#x}" if p["mem_space"] else R.by_offset(self.gen, p["addr"]).name
        raise SimGPUError(f"would wait forever: {what} & {p['mask']:#x} is {v & p['mask']:#x}, waiting for function "
                          f"{p['function']} of {p['reference'] & p['mask']:#x}")
    elif kind == "COPY_DATA":
      if p["src_sel"] == 0:
        name = R.by_offset(self.gen, p["src"]).name
        if name in ("SQ_THREAD_TRACE_WPTR", "SQ_THREAD_TRACE_DROPPED_CNTR") and self.grbm is not None and \
           self.trace_on[self.grbm]:
          raise SimGPUError(f"{name} read while SE {self.grbm} still traces (turn CTRL's MODE off first)")
        v = self.read_reg(name)
      elif p["src_sel"] == 5: v = p["src"]
      elif p["src_sel"] in (1, 2): v = self.memory.u64(p["src"]) if p["count_sel"] else self.memory.u32(p["src"])
      else: raise SimGPUError(f"COPY_DATA source select {p['src_sel']} is not simulated")
      if p["dst_sel"] in (2, 5):
        (self.memory.set_u64 if p["count_sel"] else self.memory.set_u32)(p["dst"], v)
      elif p["dst_sel"] == 0: self._write_reg(R.by_offset(self.gen, p["dst"]).name, v)
      else: raise SimGPUError(f"COPY_DATA destination select {p['dst_sel']} is not simulated")
    elif kind == "WRITE_DATA":
      if p["dst_sel"] == 0:
        for k, v in enumerate(p["data"]): self._write_reg(R.by_offset(self.gen, p["addr"] + k).name, v)
      else: self.memory.write(p["addr"], np.array(p["data"], "<u4"))
    elif kind == "RELEASE_MEM":
      if p["data_sel"] in (1, 2): (self.memory.set_u32 if p["data_sel"] == 1 else self.memory.set_u64)(p["address"], p["data"])
      elif p["data_sel"] == 3: self.memory.set_u64(p["address"], sum(r.cycles for r in self.runs))
    elif kind == "INDIRECT_BUFFER":
      self.execute(self.memory.view(p["ib_base"], 4 * p["ib_size"]).view("<u4").copy())
    elif kind in ("NOP", "ACQUIRE_MEM"): pass
    else: raise SimGPUError(f"{kind} is not simulated")

  def _event(self, event: str) -> None:
    if event == "THREAD_TRACE_START":
      if not any(self.trace_on): raise SimGPUError("THREAD_TRACE_START with SQTT off on every SE (write CTRL first)")
      self.started = True
    elif event == "THREAD_TRACE_FINISH":
      for se in range(self.n_se):
        if self.trace_on[se]:
          self.finished[se] = True
          r = self.se_regs[se]
          r["SQ_THREAD_TRACE_STATUS"] = (r.get("SQ_THREAD_TRACE_STATUS", 0) | 1 << 12) & ~(1 << 25)   # FINISH_DONE, not BUSY

  def _dispatch(self, p: dict) -> None:
    sh = self.sh
    missing = [r for r in ("COMPUTE_PGM_LO", "COMPUTE_PGM_RSRC1", "COMPUTE_PGM_RSRC2", "COMPUTE_NUM_THREAD_X") if r not in sh]
    if missing: raise SimGPUError(f"DISPATCH_DIRECT before {', '.join(missing)}")
    entry = (sh.get("COMPUTE_PGM_HI", 0) << 32 | sh["COMPUTE_PGM_LO"]) << 8
    rsrc1, rsrc2 = sh["COMPUTE_PGM_RSRC1"], sh["COMPUTE_PGM_RSRC2"]
    ini = R.unpack(R.get(self.gen, "COMPUTE_DISPATCH_INITIATOR"), p["dispatch_initiator"])
    if not ini["COMPUTE_SHADER_EN"]: raise SimGPUError("DISPATCH_DIRECT without COMPUTE_SHADER_EN")
    wave32 = bool(ini.get("CS_W32_EN", 0))
    n_user = rsrc2 >> 1 & 0x1F
    user = [sh.get(f"COMPUTE_USER_DATA_{k}", 0) for k in range(min(n_user, 16))]
    block = tuple(sh.get(f"COMPUTE_NUM_THREAD_{a}", 1) & 0x3FF for a in "XYZ")
    grid = (p["dim_x"], p["dim_y"], p["dim_z"])
    if 0 in block or 0 in grid: raise SimGPUError(f"an empty dispatch: grid {grid}, block {block}")
    start, code = self.memory.block_of(entry)
    lanes = 32 if wave32 else 64
    vgprs = ((rsrc1 & 0x3F) + 1) * (8 if wave32 else 4)
    lds = (rsrc2 >> 15 & 0x1FF) * 512
    tmp = R.unpack(R.get(self.gen, "COMPUTE_TMPRING_SIZE"), sh.get("COMPUTE_TMPRING_SIZE", 0))
    scratch = tmp["WAVESIZE"] * 256 // lanes
    tracing = self.started and any(self.trace_on)
    if tracing and not sh.get("COMPUTE_THREAD_TRACE_ENABLE", 0):
      raise SimGPUError("SQTT is on but COMPUTE_THREAD_TRACE_ENABLE is off: the dispatch would not be traced")
    itrace = {}
    for se in range(self.n_se):
      if not self.trace_on[se]: continue
      r = self.se_regs[se]
      if r["SQ_THREAD_TRACE_TOKEN_MASK"] & INSTRUCTION_TOKENS == INSTRUCTION_TOKENS: continue
      m = R.unpack(R.get(self.gen, "SQ_THREAD_TRACE_MASK"), r["SQ_THREAD_TRACE_MASK"])
      itrace[se] = (m["WGP_SEL"] | m["SA_SEL"] << self.shape.sa_shift, m["SIMD_SEL"])
    L = Launch(self.arch, f"kernel@{entry:#x}", code.tobytes(), start, entry, user, rsrc2, wave32, grid, block, vgprs, lds,
               scratch, itrace, rsrc1)     # (RSRC1: the FP round / denorm mode the waves start in)
    run = launch(L, self.memory, trace=tracing)
    self.runs.append(run)
    if tracing:
      for se, blob in enumerate(run.traces):
        if self.trace_on[se]: self._write_trace(se, blob)

  def _write_trace(self, se: int, blob: bytes) -> None:
    """Append this dispatch's packets to SE se's buffer; what does not fit is dropped and flagged, as the hardware
    does with a full buffer."""
    va, size = self._buffer(se)
    r = self.se_regs[se]
    written = r.get("_written", 0)
    data = np.frombuffer(blob, np.uint8)
    pad = (-len(data)) % 32                           # the hardware writes whole 32-byte lines
    data = np.concatenate([data, np.zeros(pad, np.uint8)])
    room = size - written
    n = min(len(data), room)
    self.memory.view(va + written, n)[:] = data[:n]
    r["_written"] = written + n
    if n < len(data):
      r["SQ_THREAD_TRACE_STATUS2"] = r.get("SQ_THREAD_TRACE_STATUS2", 0) | 1       # BUF0_FULL
      r["SQ_THREAD_TRACE_DROPPED_CNTR"] = r.get("SQ_THREAD_TRACE_DROPPED_CNTR", 0) + (len(data) - n)
    off = (va + r["_written"]) >> 5 if self.gen == "gfx11" else r["_written"] >> 5
    r["SQ_THREAD_TRACE_WPTR"] = off & 0x1FFFFFFF
