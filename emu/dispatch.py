"""Dispatch a kernel on the simulator: `run(code, kernel, grid, block, args)` -> Run (outputs written back into the
numpy arrays given, every wave's pcs and cycles, the SQTT buffers, `save()` to a capture).

Waves start as the hardware starts them from the kernel descriptor (user SGPRs, workgroup ids, packed work-item
ids in v0, exec for the work-items that exist). All waves of the dispatch live in one register file; each step
runs the lowest pc any runnable wave is at, for every wave at that pc at once, so a uniform kernel runs as one
numpy array of (waves x lanes) and divergent waves re-converge.
"""
from __future__ import annotations
import struct
from dataclasses import dataclass, field
from pathlib import Path
import numpy as np
from isa.decode import Disassembler
from isa.elf import load_code_object, CodeObject, Kernel
from isa.encodings import family
from emu.program import build_ops, Op
from emu.wave import Waves, Group, EXEC, SHARED_HI, PRIVATE_HI
from emu.execute import EmuError, Unsupported, run_valu, run_salu
from emu.memory import Memory, Space, run_smem, run_vmem, run_ds
from emu import cycles

RUN, BARRIER, DONE = 0, 1, 2
TTMP = 108                    # ttmp0's SGPR number
ALU_ENCODINGS = {"VOP1", "VOP2", "VOPC", "VOP3", "VOP3P", "VOPD"}
SALU_ENCODINGS = {"SOP1", "SOP2", "SOPC", "SOPK"}
NO_EFFECT = ("s_nop", "s_sleep", "s_clause", "s_delay_alu", "s_setprio", "s_inst_prefetch", "s_set_inst_prefetch_distance",
             "s_ttracedata", "s_ttracedata_imm", "s_icache_inv", "s_waitcnt", "s_wait_", "s_incperflevel",
             "s_decperflevel", "s_wait_event", "s_round_mode", "s_denorm_mode", "s_version", "s_barrier_wait",
             "s_sendmsg", "s_sendmsghalt", "s_wait_alu", "s_singleuse_vdst", "s_wakeup", "s_wait_idle")
GFX_TARGET_VERSION = {"gfx1100": 110000, "gfx1101": 110001, "gfx1102": 110002, "gfx1200": 120000, "gfx1201": 120001,
                      "gfx942": 90402, "gfx950": 90500}
DEFAULT_BUDGET = 1 << 22      # instructions per wave before a run is called endless


@dataclass
class Run:
  arch: str
  kernel: str
  code: bytes
  entry_pc: int
  grid: tuple[int, int, int]
  block: tuple[int, int, int]
  waves: list                       # emu.trace.WaveRecord per wave
  cycles: int
  instructions: list = field(repr=False, default_factory=list)
  traces: list[bytes] = field(repr=False, default_factory=list)   # SQTT, one buffer per shader engine
  wave_instructions: int = 0

  def save(self, path: str | Path) -> Path:
    """A capture every amdviz command opens: the code object, one trace buffer per SE, the run's parameters."""
    from capture import CaptureFile, Device, Program, TraceBuffer, save_capture, FORMAT_VERSION
    dev = "EMU:0"
    props = {"gfx_target_version": GFX_TARGET_VERSION.get(self.arch, 0), "simulated": True}
    traces = [TraceBuffer(dev, 0, se, blob, True, 0) for se, blob in enumerate(self.traces)]
    meta = {"source": "amdviz emu", "kernel": self.kernel, "grid": list(self.grid), "block": list(self.block),
            "cycles": self.cycles, "waves": len(self.waves)}
    save_capture(CaptureFile(FORMAT_VERSION, [Device(dev, self.arch, props)], [Program(dev, self.kernel, self.code, 0, 0)],
                             traces, meta), path)
    return Path(path)


def _dims(x) -> tuple[int, int, int]:
  t = tuple(int(v) for v in (x if isinstance(x, (tuple, list)) else (x,)))
  if not 1 <= len(t) <= 3 or any(v < 1 for v in t): raise ValueError(f"dimensions must be 1 to 3 positive integers, got {x!r}")
  return t + (1,) * (3 - len(t))


SCALAR_TYPES = {"float": "<f", "double": "<d", "half": "<e", "char": "<b", "uchar": "<B", "short": "<h", "ushort": "<H",
                "int": "<i", "uint": "<I", "long": "<q", "ulong": "<Q", "bool": "<?"}


def _packed_args(args) -> list[dict]:
  """Argument specs for a kernel without metadata: in order, each at its natural alignment, a buffer as its 8-byte
  address, a numpy scalar at its own size, a Python int or float as a 4-byte int or float."""
  names = {np.dtype(f): t for t, f in SCALAR_TYPES.items()}
  specs, off = [], 0
  for i, a in enumerate(args):
    if isinstance(a, np.ndarray): n, kind, tn = 8, "global_buffer", ""
    elif isinstance(a, np.generic) and a.dtype in names: n, kind, tn = a.dtype.itemsize, "by_value", names[a.dtype]
    elif isinstance(a, (bool, int, float)): n, kind, tn = 4, "by_value", "float" if isinstance(a, float) else "int"
    else: raise ValueError(f"argument {i}: {type(a).__name__} values are not supported")
    off = -(-off // n) * n
    specs.append({".name": f"arg{i}", ".offset": off, ".size": n, ".value_kind": kind, ".type_name": tn})
    off += n
  return specs


def kernarg_segment(kernel: Kernel, args, mem: Memory, grid, block) -> tuple[bytes, list[tuple[np.ndarray, int]]]:
  """The kernel argument bytes as the runtime lays them out (code object v5 hidden arguments included), and the
  arrays copied into simulated memory with their addresses (for writing results back)."""
  meta = kernel.metadata or {}
  specs = meta.get(".args", [])
  size = meta.get(".kernarg_segment_size") or (kernel.descriptor.kernarg_size if kernel.descriptor else 0)
  if ".args" not in meta and args:       # no metadata (tinygrad's hand-written kernels): packed as tinygrad packs them
    specs = _packed_args(args)
    end = max(a[".offset"] + a[".size"] for a in specs)
    if end > size: raise ValueError(f"{kernel.name} has no argument metadata and {size} bytes of kernel arguments: "
                                    f"the {len(args)} given take {end}")
  seg = bytearray(max(size, 256))
  explicit = [a for a in specs if not str(a.get(".value_kind", "")).startswith("hidden_")]
  if len(args) != len(explicit):
    names = ", ".join(f"{a.get('.name', '?')}: {a.get('.type_name', a.get('.value_kind'))}" for a in explicit)
    raise ValueError(f"{kernel.name} takes {len(explicit)} arguments ({names}), got {len(args)}")
  copies = []
  for spec, val in zip(explicit, args):
    off, n, kind = spec[".offset"], spec[".size"], spec[".value_kind"]
    if kind == "by_value" and str(spec.get(".type_name", ""))[-1:].isdigit():   # a vector (float4, int2...) by value
      b = np.ascontiguousarray(val).tobytes() if isinstance(val, (np.ndarray, np.generic)) else b""
      if len(b) != n: raise ValueError(f"argument {spec.get('.name', off)} is a {n}-byte {spec['.type_name']} passed by "
                                       f"value: pass a numpy array of {n} bytes")
      seg[off:off + n] = b
      continue
    if kind in ("global_buffer", "dynamic_shared_pointer") or isinstance(val, np.ndarray) and n == 8:
      if not isinstance(val, np.ndarray): raise ValueError(f"argument {spec.get('.name', off)} is a pointer: pass a numpy array")
      addr = mem.alloc(val, spec.get(".name", f"arg{len(copies)}"))
      copies.append((val, addr))
      struct.pack_into("<Q", seg, off, addr)
    else:
      tn = str(spec.get(".type_name", "")).rstrip("*").strip()
      fmt = SCALAR_TYPES.get(tn) or {1: "<B", 2: "<H", 4: "<I", 8: "<Q"}.get(n)
      if fmt is None: raise ValueError(f"argument {spec.get('.name', off)}: {n}-byte {tn or kind} values are not supported")
      if isinstance(val, np.generic) and (val.dtype.kind == "f") != (fmt[1] in "efd") and fmt[1] != "?":
        raise ValueError(f"argument {spec.get('.name', off)} is {tn or kind}, got a {val.dtype} value")
      if isinstance(val, np.ndarray): raise ValueError(f"argument {spec.get('.name', off)} is {tn or kind}, passed by value: got a buffer")
      v = val.item() if isinstance(val, np.generic) else val
      if fmt[1] in "BHIQ" and isinstance(v, int) and v < 0: v &= (1 << 8 * n) - 1
      struct.pack_into(fmt, seg, off, v)
  wg = [g for g in grid]
  hidden = {"hidden_block_count_x": ("<I", wg[0]), "hidden_block_count_y": ("<I", wg[1]), "hidden_block_count_z": ("<I", wg[2]),
            "hidden_group_size_x": ("<H", block[0]), "hidden_group_size_y": ("<H", block[1]),
            "hidden_group_size_z": ("<H", block[2]), "hidden_remainder_x": ("<H", 0), "hidden_remainder_y": ("<H", 0),
            "hidden_remainder_z": ("<H", 0), "hidden_grid_dims": ("<H", 1 + (grid[1] * block[1] > 1 or grid[2] * block[2] > 1) + (grid[2] * block[2] > 1)),
            "hidden_private_base": ("<I", PRIVATE_HI), "hidden_shared_base": ("<I", SHARED_HI)}
  for spec in specs:
    kind = str(spec.get(".value_kind", ""))
    if kind in hidden:
      fmt, v = hidden[kind]
      struct.pack_into(fmt, seg, spec[".offset"], v)
  return bytes(seg), copies


def dispatch_packet(grid, block, kernarg: int, kd) -> bytes:
  """hsa_kernel_dispatch_packet_t (64 bytes): code object v4 kernels read their workgroup size from it."""
  g = [grid[k] * block[k] for k in range(3)]
  return struct.pack("<HHHHHHIIIIIQQQQ", 2, 3, *block, 0, *g, kd.private_segment_fixed_size if kd else 0,
                     kd.group_segment_fixed_size if kd else 0, 0, kernarg, 0, 0)


class Dispatch:
  """Everything a running dispatch holds: registers, memory, LDS per workgroup, scratch per lane."""
  def __init__(self, arch: str, ops: dict[int, Op], waves: Waves, mem: Memory, waves_per_wg: int, lds: int, scratch: int):
    self.arch, self.ops, self.w, self.mem = arch, ops, waves, mem
    self.gfx12 = family(arch) == "gfx12"
    self.wpg = waves_per_wg
    n_wg = waves.n // waves_per_wg
    self.lds_size = lds
    self.lds = np.zeros((n_wg, max(lds, 0)), np.uint8)
    self.scratch_size = scratch
    self.scratch = np.zeros((waves.n, waves.lanes, scratch), np.uint8) if scratch else None

  def _wave_ids(self, G: Group, rows: np.ndarray) -> np.ndarray:
    idx = G.idx
    return (np.arange(idx.start, idx.stop)[rows] if isinstance(idx, slice) else np.asarray(idx)[rows])

  def global_space(self, G: Group, what: str) -> Space:
    return Space(lambda a, n, w, l: self.mem.load(np.asarray(a).astype(np.uint64), n, what),
                 lambda a, b, w, l: self.mem.store(np.asarray(a).astype(np.uint64), b, what))

  def _local(self, G: Group, what: str, name: str, size: int, index):
    arr = self.lds if name == "LDS" else self.scratch
    def offsets(a, n, w, l):
      a = np.asarray(a, np.int64)
      bad = (a < 0) | (a + n > size)
      # LDS past the workgroup's allocation does not fault: the hardware range-checks each access against the
      # allocated size, reads 0 and drops the write (tinygrad's custom_lds_sync reads 4 bytes past its 512 on
      # real gfx1100/gfx1200 and ends normally). Scratch out of range stays an error here.
      if bad.any() and name != "LDS":
        raise EmuError(f"{what}: {n}-byte {name} access at {int(a[bad][0]):#x} is outside the {size} bytes of "
                       f"{name} the kernel has")
      return index(self._wave_ids(G, np.asarray(w)), np.asarray(l)), a, ~bad
    flat = arr.reshape(-1) if arr is not None else None
    def load(a, n, w, l):
      base, a, ok = offsets(a, n, w, l)
      out = np.zeros((len(a), n), np.uint8)
      out[ok] = flat[(base[ok] * size + a[ok])[:, None] + np.arange(n)]
      return out
    def store(a, b, w, l):
      base, a, ok = offsets(a, b.shape[-1], w, l)
      flat[(base[ok] * size + a[ok])[:, None] + np.arange(b.shape[-1])] = b[ok]
    return Space(load, store)

  def lds_space(self, G: Group, what: str) -> Space:
    return self._local(G, what, "LDS", self.lds_size, lambda wave, lane: wave // self.wpg)

  def scratch_space(self, G: Group, what: str) -> Space:
    return self._local(G, what, "scratch", self.scratch_size, lambda wave, lane: wave * self.w.lanes + lane)


@dataclass
class Launch:
  """A dispatch as the hardware sees it: code in memory, the registers the driver wrote, the dispatch size. `run`
  derives one from a code object (as a runtime does); the driver's simulated GPU from the PM4 stream."""
  arch: str
  name: str
  code: bytes                       # the bytes at code_base.. (the kernel's code lies inside)
  code_base: int
  entry_pc: int
  user_sgprs: list[int]             # COMPUTE_USER_DATA_0.. (USER_SGPR_COUNT of them)
  rsrc2: int                        # COMPUTE_PGM_RSRC2: user SGPR count, workgroup-id enables
  wave32: bool
  grid: tuple[int, int, int]        # workgroups
  block: tuple[int, int, int]       # work-items per workgroup
  vgprs: int
  lds_bytes: int = 0
  scratch_bytes: int = 0            # per lane
  itrace: dict | None = None        # SE -> (cu, simd) whose waves are instruction-traced; None: cu 0 simd 0 of every SE
  rsrc1: int = 0xF << 16            # COMPUTE_PGM_RSRC1: the FP mode waves start with (round, denorm, dx10_clamp, ieee)


def user_sgpr_values(kd, values: dict[str, int]) -> list[int]:
  """The user SGPR dwords a kernel expects, from the descriptor's enables (isa.elf.USER_SGPRS order); `values`
  gives a 64-bit value per name (missing ones are 0)."""
  out = []
  for name, n in kd.user_sgprs():
    v = values.get(name, 0)
    out += [(v >> 32 * k) & 0xFFFFFFFF for k in range(n)]
  return out


def _initial_state(w: Waves, L: Launch, waves_per_wg: int):
  lanes, grid, block, rsrc2 = w.lanes, L.grid, L.block, L.rsrc2
  # MODE from RSRC1: FLOAT_ROUND_MODE_32/16_64 [15:12] and FLOAT_DENORM_MODE_32/16_64 [19:16] are MODE[7:0] in the
  # same order; ENABLE_DX10_CLAMP (21) and ENABLE_IEEE_MODE (23) are MODE bits 8 and 9
  r1 = L.rsrc1
  w.mode[:] = (r1 >> 12 & 0xFF) | (r1 >> 21 & 1) << 8 | (r1 >> 23 & 1) << 9
  n_wg = grid[0] * grid[1] * grid[2]
  wg = np.arange(n_wg).repeat(waves_per_wg)
  j = np.tile(np.arange(waves_per_wg), n_wg)
  wg_id = (wg % grid[0], (wg // grid[0]) % grid[1], wg // (grid[0] * grid[1]))
  for k, v in enumerate(L.user_sgprs): w.S[:, k] = v
  s = rsrc2 >> 1 & 0x1F                # system SGPRs follow USER_SGPR_COUNT
  for axis in range(3):
    if rsrc2 >> (7 + axis) & 1: w.S[:, s] = wg_id[axis]; s += 1
  if rsrc2 >> 10 & 1: w.S[:, s] = 0; s += 1          # workgroup info
  if family(L.arch) == "gfx12":        # architected SGPRs: workgroup ids also in ttmp9 (x) and ttmp7 (y | z << 16)
    w.S[:, TTMP + 9] = wg_id[0]
    w.S[:, TTMP + 7] = wg_id[1] | wg_id[2] << 16
  # work-item ids: packed x | y << 10 | z << 20 in v0 (gfx11+, gfx90a+)
  t = j[:, None] * lanes + np.arange(lanes)[None]
  threads = block[0] * block[1] * block[2]
  tx, ty, tz = t % block[0], (t // block[0]) % block[1], t // (block[0] * block[1])
  w.V[0] = (tx | ty << 10 | tz << 20).astype(np.uint32)
  alive = t < threads
  words = w.lanes_mask(alive)
  w.S[:, EXEC:EXEC + words.shape[1]] = words


def _pick(code, kernel: str | None, arch: str | None = None) -> tuple[bytes, CodeObject, Kernel]:
  data = Path(code).read_bytes() if isinstance(code, (str, Path)) else bytes(code)
  # arch: for objects whose e_flags name no target; kernel: names a symbol-less object's kernel (tinygrad's
  # hand-written kernels have neither)
  co = load_code_object(data, arch=arch, name=kernel)
  if not co.kernels: raise ValueError("the code object has no kernels")
  k = co.kernels[0] if kernel is None else co.kernel(kernel)
  if k is None: raise ValueError(f"no kernel {kernel!r} (have: {', '.join(x.name for x in co.kernels)})")
  if k.descriptor is None: raise ValueError(f"{k.name} has no kernel descriptor")
  return data, co, k


def _image(co: CodeObject) -> bytes:
  """The code object as a loader maps it: every allocated section at its virtual address (SHF_ALLOC = 2)."""
  secs = [s for s in co.sections if s.flags & 2 and s.data]
  img = bytearray(max((s.addr + s.size for s in secs), default=0))
  for s in secs: img[s.addr:s.addr + s.size] = s.data
  return bytes(img)


def run(code, kernel: str | None = None, grid=1, block=1, args=(), arch: str | None = None, trace: bool = True,
        max_instructions: int = DEFAULT_BUDGET) -> Run:
  """Run a kernel of a code object as a runtime would launch it: arguments copied into simulated memory (and the
  buffers copied back into the arrays given), user SGPRs as the descriptor asks."""
  data, co, k = _pick(code, kernel, arch)
  arch = arch or co.arch
  grid, block = _dims(grid), _dims(block)
  kd = k.descriptor
  mem = Memory()
  mem.map_image(_image(co))
  seg, copies = kernarg_segment(k, list(args), mem, grid, block)
  kernarg = mem.alloc(seg, "kernel arguments")
  disp = mem.alloc(dispatch_packet(grid, block, kernarg, kd), "dispatch packet")
  scratch = kd.private_segment_fixed_size + (16384 if (k.metadata or {}).get(".uses_dynamic_stack") else 0)
  # the whole .text when the kernel is in it: the functions it calls (s_swappc) lie outside its own range
  lo, hi = (co.text.addr, co.text.addr + co.text.size) if co.text.contains(k.code_start) else (k.code_start, k.code_end)
  L = Launch(arch, k.name, co.code_bytes(lo, hi), lo, k.entry_pc,
             user_sgpr_values(kd, {"dispatch_ptr": disp, "kernarg_segment_ptr": kernarg}), kd.compute_pgm_rsrc2,
             kd.wave32, grid, block, kd.vgprs, kd.group_segment_fixed_size, scratch, rsrc1=kd.compute_pgm_rsrc1)
  r = launch(L, mem, trace, max_instructions)
  for arr, addr in copies: arr.reshape(-1).view(np.uint8)[:] = mem.read_back(addr, arr.nbytes)
  r.code = data
  return r


def launch(L: Launch, mem, trace: bool = True, max_instructions: int = DEFAULT_BUDGET) -> Run:
  """Run a dispatch against `mem` (anything with emu.memory.Memory's load/store): every wave, then the cycle model
  and (trace=True) the SQTT buffers, one per shader engine."""
  if family(L.arch) not in ("gfx11", "gfx12"): raise Unsupported(f"the simulator runs gfx11 and gfx12 kernels, not {L.arch} yet")
  lanes = 32 if L.wave32 else 64
  threads = L.block[0] * L.block[1] * L.block[2]
  if threads > 1024: raise ValueError(f"a workgroup holds at most 1024 work-items, got {threads}")
  wpg = -(-threads // lanes)
  n_wg = L.grid[0] * L.grid[1] * L.grid[2]
  d = Disassembler(L.arch)
  insts = d.disassemble(L.code, L.code_base)
  ops = build_ops(d, insts)
  vgprs = min(256, -(-max(L.vgprs, 1) // 8) * 8)
  w = Waves(n_wg * wpg, lanes, vgprs)
  _initial_state(w, L, wpg)
  w.pc[:] = L.entry_pc
  scratch = L.scratch_bytes
  # LLVM 19 sizes a recursive call graph's stack as if it did not recurse (18_calls: fib's frames on top of a
  # declared 64 bytes, no dynamic-stack flag): code that calls gets the dynamic-stack kernels' 16 KB reserve per lane
  if any(i.mnemonic.startswith(("s_swappc", "s_call_b64")) for i in insts): scratch += 16384
  ctx = Dispatch(L.arch, ops, w, mem, wpg, L.lds_bytes, scratch)
  steps_pc, steps_idx, total = _execute(ctx, max_instructions, {i.pc: i for i in insts})
  return _timed(L, insts, w.n, wpg, steps_pc, steps_idx, total, trace)


def _execute(ctx: Dispatch, budget: int, by_pc: dict) -> tuple[list[int], list[np.ndarray], int]:
  w, ops = ctx.w, ctx.ops
  status = np.zeros(w.n, np.int8)
  count = np.zeros(w.n, np.int64)
  steps_pc, steps_idx = [], []
  total = 0
  wg = np.arange(w.n) // ctx.wpg
  barrier_pc = np.zeros(w.n, np.int64)
  with np.errstate(all="ignore"):
    while True:
      running = status == RUN
      if not running.any():
        waiting = status == BARRIER
        if not waiting.any(): break
        status[waiting] = RUN           # every live wave of those workgroups has arrived
        continue
      pc = int(w.pc[running].min())
      idx = np.flatnonzero(running & (w.pc == pc))
      sel = slice(int(idx[0]), int(idx[-1]) + 1) if idx[-1] - idx[0] + 1 == len(idx) else idx
      steps_pc.append(pc); steps_idx.append(idx)
      total += len(idx)
      count[idx] += 1
      if count[idx[0]] > budget:
        raise EmuError(f"wave {idx[0]} ran {budget} instructions without ending (at pc {pc:#x}: "
                       f"{by_pc[pc].text if pc in by_pc else '?'}); raise max_instructions if that is intended")
      op = ops.get(pc)
      if op is None:
        inst = by_pc.get(pc)
        what = f"{inst.text} is not supported" if inst is not None else "no instruction starts there"
        raise EmuError(f"wave {idx[0]} at pc {pc:#x}: {what}")
      try: nxt = _step(ctx, op, sel, idx, status)
      except EmuError as e: raise EmuError(f"wave {idx[0]} at pc {pc:#x} ({op.inst.text}): {e}") from None
      except (IndexError, ValueError, KeyError, TypeError) as e:
        raise EmuError(f"wave {idx[0]} at pc {pc:#x} ({op.inst.text}): {type(e).__name__}: {e}") from None
      if op.name.startswith("s_barrier") and op.name != "s_barrier_wait": barrier_pc[sel] = pc
      w.pc[sel] = nxt
      if (status == BARRIER).any():       # release workgroups none of whose live waves still run
        held = np.unique(wg[status == BARRIER])
        still = np.unique(wg[status == RUN])
        free = np.setdiff1d(held, still)
        for g in free:
          at = np.unique(barrier_pc[(wg == g) & (status == BARRIER)])
          if len(at) > 1:               # the hardware counts arrivals, but OpenCL calls this undefined: say so
            raise EmuError(f"waves of workgroup {g} wait at different barriers (pcs {', '.join(f'{int(p):#x}' for p in at)}): "
                           "a barrier in divergent control flow")
        if len(free): status[np.isin(wg, free) & (status == BARRIER)] = RUN
  return steps_pc, steps_idx, total


def _step(ctx: Dispatch, op: Op, sel, idx: np.ndarray, status: np.ndarray):
  """Run op for the waves sel; returns their next pc (scalar or per wave)."""
  inst = op.inst
  nxt = inst.pc + inst.size
  enc, name = op.enc, op.name
  if name in ("s_barrier", "s_barrier_signal", "s_barrier_signal_isfirst"):   # (gfx12: SOP1 signal, SOPP wait)
    if name == "s_barrier_signal_isfirst":   # SCC = 1 for the first wave of its workgroup to signal this barrier
      wg = idx // ctx.wpg
      waiting = np.unique(np.flatnonzero(status == BARRIER) // ctx.wpg)
      first = ~np.isin(wg, waiting) & np.r_[True, wg[1:] != wg[:-1]]   # none before it; the lowest of this step
      Group(ctx.w, sel).set_scc(first)
    status[sel] = BARRIER; return nxt
  if enc == "SOPP":
    if name == "s_endpgm" or name == "s_endpgm_saved": status[sel] = DONE; return nxt
    if name == "s_branch": return inst.target
    if name.startswith("s_cbranch"):
      G = Group(ctx.w, sel)
      cond = {"s_cbranch_scc0": lambda: ~G.scc, "s_cbranch_scc1": lambda: G.scc,
              "s_cbranch_vccz": lambda: G.mask_word(106) == 0, "s_cbranch_vccnz": lambda: G.mask_word(106) != 0,
              "s_cbranch_execz": lambda: G.mask_word(EXEC) == 0, "s_cbranch_execnz": lambda: G.mask_word(EXEC) != 0}.get(name)
      if cond is None: raise Unsupported(f"{name}")
      return np.where(cond(), inst.target, nxt)
    if name in ("s_round_mode", "s_denorm_mode"):     # the immediate's 4 bits into MODE[3:0] / MODE[7:4]
      sh = np.uint32(0 if name == "s_round_mode" else 4)
      m = ctx.w.mode
      m[sel] = (m[sel] & ~(np.uint32(0xF) << sh)) | (np.uint32(op.f["simm16"] & 0xF) << sh)
      return nxt
    if name.startswith(NO_EFFECT) or name in NO_EFFECT: return nxt
    if name in ("s_trap", "s_sethalt", "s_setkill"): raise EmuError(f"the kernel executed {inst.text}")
    raise Unsupported(f"no semantics for {name}")
  G = Group(ctx.w, sel, op.literal)
  if enc in ALU_ENCODINGS: run_valu(op, G)
  elif enc in SALU_ENCODINGS:
    if name in ("s_setpc_b64", "s_swappc_b64"):
      target = G.read(op.srcs[0], scalar=True).astype(np.int64)
      if name == "s_swappc_b64": G.write_sgpr(op.dsts[0].reg, np.uint64(nxt), 2)
      return target
    if name in ("s_waitcnt_vscnt", "s_waitcnt_vmcnt", "s_waitcnt_expcnt", "s_waitcnt_lgkmcnt", "s_version",
                "s_call_b64") and name != "s_call_b64": return nxt
    run_salu(op, G)
  elif enc == "SMEM": run_smem(op, G, ctx.mem, ctx.gfx12)
  elif enc in ("GLOBAL", "FLAT", "SCRATCH", "MUBUF"): run_vmem(op, G, ctx)
  elif enc == "DS": run_ds(op, G, ctx)
  else: raise Unsupported(f"{enc} instructions ({inst.text})")
  return nxt


def _timed(L: Launch, insts, n_waves: int, wpg: int, steps_pc, steps_idx, total: int, trace: bool) -> Run:
  from emu.trace import WaveRecord, trace_buffers
  from sqtt.packets import arch_layout
  arch = L.arch
  shape = cycles.SHAPES[family(arch)]
  # every wave's pcs, in order: steps are in time order, so a stable sort by wave keeps each wave's order
  lens = np.array([len(i) for i in steps_idx], np.int64)
  waves_col = np.concatenate(steps_idx) if steps_idx else np.zeros(0, np.int64)
  pcs_col = np.repeat(np.array(steps_pc, np.int64), lens)
  order = np.argsort(waves_col, kind="stable")
  per = np.split(pcs_col[order], np.cumsum(np.bincount(waves_col, minlength=n_waves))[:-1])
  costs = cycles.InstructionCosts(insts, arch_layout(arch), not L.wave32)
  se, cu, simd = cycles.place(n_waves // wpg, wpg, shape)
  cache: dict = {}
  slot_end: dict[tuple, np.ndarray] = {}     # (se, cu, simd) -> cycle each of its wave slots frees
  records = []
  for g in range(n_waves // wpg):
    ws = range(g * wpg, (g + 1) * wpg)
    rel = cycles.workgroup_times(costs, [per[i] for i in ws], cache)
    need: dict[tuple, int] = {}
    for i in ws: need[(se[i], cu[i], simd[i])] = need.get((se[i], cu[i], simd[i]), 0) + 1
    start = 0                                 # the workgroup starts when each of its SIMDs has slots for its waves
    for key, n in need.items():
      ends = slot_end.setdefault(key, np.zeros(shape.slots, np.int64))
      if n > shape.slots: raise EmuError(f"a workgroup puts {n} waves on one SIMD, which has {shape.slots} slots")
      start = max(start, int(np.sort(ends)[n - 1]))
    for i, r in zip(ws, rel):
      ends = slot_end[(se[i], cu[i], simd[i])]
      slot = int(np.flatnonzero(ends <= start)[0])
      issue = r + start
      end = int(issue[-1]) + 1 if len(issue) else start
      ends[slot] = end
      unit = (0, 0) if L.itrace is None else L.itrace.get(int(se[i]))
      traced = unit is not None and (int(cu[i]), int(simd[i])) == tuple(unit)
      records.append(WaveRecord(int(se[i]), int(cu[i]), int(simd[i]), slot, i, int(start), end, traced, per[i], issue))
  total_cycles = max((r.end for r in records), default=0)
  n_se = shape.se
  bufs = trace_buffers(arch, insts, L.entry_pc, records, n_se) if trace else []
  return Run(arch, L.name, b"", L.entry_pc, L.grid, L.block, records, total_cycles, insts, bufs, total)
