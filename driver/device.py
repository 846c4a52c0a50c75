"""The driver's Python API: open a device, run a kernel with SQ thread tracing, get the capture and the buffers back.

    dev = open_device("emu", "gfx1100")          # or "kfd" (a real GPU), or "auto"
    res = dev.run(code, "saxpy", grid=16, block=64, args=(y, x, np.float32(2), 1000))
    save_capture(res.capture, "run.amdviz")     # the arrays in args now hold the results

Both backends run the same code: the emu backend is the kfd backend (driver/kfd.py) over a fake KFD (driver/fake_kfd.py)
whose GPU is the simulated one (driver/simgpu.py), which executes the PM4 stream this module submits.
"""
from __future__ import annotations
import dataclasses
from dataclasses import dataclass, field
import numpy as np
from capture import CaptureFile, Device, Program, TraceBuffer, FORMAT_VERSION
from driver import program, registers as R
from driver.backend import Buffer, DriverError, Unavailable
from driver.pm4 import Stream
from emu.dispatch import kernarg_segment, dispatch_packet, user_sgpr_values, _dims
from isa.elf import load_code_object, SHT_NOBITS

SQTT_BYTES = 16 << 20          # per shader engine
SHF_ALLOC = 0x2
__all__ = ["open_device", "DriverError", "Unavailable", "Runner", "RunResult"]


@dataclass
class RunResult:
  kernel: str
  capture: CaptureFile
  pm4: list[dict]                 # the command stream, decoded (amdviz run --dump-pm4)
  summary: str
  warnings: list[str] = field(default_factory=list)


class _Args:
  """emu.dispatch.kernarg_segment's memory: each buffer argument copied into a new GPU buffer."""
  def __init__(self, dev: "Runner"): self.dev, self.buffers = dev, []
  def alloc(self, data, name: str = "") -> int:
    arr = np.ascontiguousarray(data).reshape(-1).view(np.uint8)
    b = self.dev.backend.alloc(max(len(arr), 4), "gtt")
    b.view[:len(arr)] = arr
    self.buffers.append(b)
    return b.va


class Runner:
  def __init__(self, backend, name: str, simulated: bool):
    self.backend, self.name, self.simulated = backend, name, simulated
    self.why = ""
    self.arch = backend.arch
    self.gen = R.gen_of(self.arch)

  def describe(self) -> str:
    return f"{'simulated GPU through the fake KFD' if self.simulated else 'KFD'}: {self.backend.describe()}"

  def load(self, data: bytes) -> tuple[Buffer, object]:
    """The code object's loadable sections at their addresses in one executable buffer."""
    co = load_code_object(data)
    secs = [s for s in co.sections if s.flags & SHF_ALLOC and s.size]
    size = max(s.addr + s.size for s in secs)
    buf = self.backend.alloc(size, "vram", executable=True)
    for s in secs:
      if s.type != SHT_NOBITS: buf.view[s.addr:s.addr + s.size] = np.frombuffer(s.data, np.uint8)
    return buf, co

  def run(self, code: bytes, kernel: str | None = None, grid=1, block=64, args=(), trace: bool = True,
          itrace_se: set[int] | None = None) -> RunResult:
    """Dispatch `kernel` once, traced; buffer arguments (numpy arrays) are copied in and, after, back."""
    grid, block = _dims(grid), _dims(block)
    code_buf, co = self.load(code)
    k = co.kernels[0] if kernel is None else co.kernel(kernel)
    if k is None: raise ValueError(f"no kernel {kernel!r} (have: {', '.join(x.name for x in co.kernels)})")
    if co.arch != self.arch: raise ValueError(f"{k.name} is built for {co.arch}, the device is {self.arch}")
    kd = k.descriptor
    itraced = {0} if itrace_se is None else itrace_se
    mem, sqtt = _Args(self), []          # everything allocated below is freed at the end, whatever happens
    try:
      seg, copies = kernarg_segment(k, list(args), mem, grid, block)
      kernarg = mem.alloc(np.frombuffer(seg, np.uint8), "kernel arguments")
      dispatch = mem.alloc(np.frombuffer(dispatch_packet(grid, block, kernarg, kd), np.uint8), "dispatch packet")
      user = user_sgpr_values(kd, {"kernarg_segment_ptr": kernarg, "dispatch_ptr": dispatch})
      lds_granules = -(-kd.group_segment_fixed_size // 512)   # the runtime's part of RSRC2: the LDS size
      launched = dataclasses.replace(kd, compute_pgm_rsrc2=kd.compute_pgm_rsrc2 | lds_granules << 15)
      props = self.backend.node.props
      se_count = max(props.get("array_count", 1) // max(props.get("simd_arrays_per_engine", 1), 1), 1)
      s = Stream(self.gen)
      bufs, readback = [], None
      if trace:
        for se in range(se_count):
          sqtt.append(self.backend.alloc(SQTT_BYTES, "vram"))
          bufs.append(program.SqttBuffer(se, sqtt[-1].va, SQTT_BYTES))
        readback = self.backend.alloc(16 * se_count, "gtt"); sqtt.append(readback)
        program.sqtt_begin(s, bufs, itraced)
      program.dispatch(s, code_buf.va + k.entry_pc, launched, user, grid, block, kd.wave32,
                       scratch_per_wave=kd.private_segment_fixed_size * (32 if kd.wave32 else 64), scratch_waves=0)
      if trace: program.sqtt_end(s, bufs, readback.va)
      fence = self.backend.submit(s.words)
      self.backend.wait(fence, 60.0)
      for arr, va in copies:
        b = next(x for x in mem.buffers if x.va == va)
        arr.reshape(-1).view(np.uint8)[:] = b.view[:arr.nbytes]
      traces, warnings = [], []
      dev = f"{'EMU' if self.simulated else 'KFD'}:0"
      for k_, b in enumerate(bufs):
        wptr, status, dropped, status2 = (int(x) for x in readback.view[16 * k_:16 * k_ + 16].view("<u4"))
        n = program.written_bytes(self.gen, wptr, b.va)
        if not 0 <= n <= b.size: raise DriverError(f"SE {b.se}: write pointer {wptr:#x} says {n} bytes, the buffer holds {b.size}")
        if status2 & 1 or dropped:
          warnings.append(f"SE {b.se}: the {b.size >> 20} MB SQTT buffer filled up; {dropped} bytes of trace were lost")
        traces.append(TraceBuffer(dev, 0, b.se, sqtt[k_].view[:n].tobytes(), b.se in itraced, 0))
      props = {"gfx_target_version": props.get("gfx_target_version", 0), "simulated": self.simulated}
      cap = CaptureFile(FORMAT_VERSION, [Device(dev, self.arch, props)], [Program(dev, k.name, bytes(code), code_buf.va, 0)],
                        traces, {"source": "amdviz run", "backend": self.name, "kernel": k.name, "grid": list(grid),
                                 "block": list(block)})
      total = sum(len(t.blob) for t in traces)
      summary = f"{grid[0] * grid[1] * grid[2]} workgroups of {block[0] * block[1] * block[2]} on {self.describe()}; " \
                f"{len(traces)} trace buffers, {total} bytes"
      return RunResult(k.name, cap, s.decode(), summary, warnings)
    finally:
      for b in [code_buf, *mem.buffers, *sqtt]:
        try: self.backend.free(b)
        except Exception: pass      # freeing must not hide what went wrong


def open_device(backend: str = "auto", arch: str | None = None, allow_unprofiled: bool = False) -> Runner:
  """backend: "kfd" (a real GPU), "emu" (the simulated GPU through the fake KFD), "auto" (kfd where a supported GPU
  is present, else emu; `Runner.why` says why)."""
  from driver import kfd
  why = "asked for"
  if backend not in ("auto", "kfd", "emu"): raise ValueError(f"unknown backend {backend!r} (auto, kfd or emu)")
  if backend in ("kfd", "auto"):
    try:
      b = kfd.KFDBackend(allow_unprofiled=allow_unprofiled)
      if arch and b.arch != arch:
        b.close()
        raise Unavailable(f"the GPU is {b.arch}, not {arch}")
      r = Runner(b, "kfd", False); r.why = "a supported GPU is present" if backend == "auto" else why
      return r
    except Unavailable as e:
      if backend == "kfd": raise
      why = f"no usable GPU: {str(e).split(':')[0]}"
  from driver.simgpu import SimGPU
  from driver.fake_kfd import FakeHost
  r = Runner(kfd.KFDBackend(host=FakeHost(SimGPU(arch or "gfx1100"))), "emu", True)
  r.why = why
  return r
