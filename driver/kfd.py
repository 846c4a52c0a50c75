"""The Linux KFD backend: a real AMD GPU through /dev/kfd, with ctypes, and nothing of ROCm.

  open /dev/kfd, GET_VERSION -> the KFD topology in sysfs (GPU nodes, gfx_target_version -> arch) -> the power level
  (refused unless profile_*: SQ thread traces need fixed clocks) -> open /dev/dri/renderD<minor>, ACQUIRE_VM ->
  GET_PROCESS_APERTURES_NEW (where GPU virtual addresses may go) -> two fault events (memory, hardware) ->
  a PM4 compute queue: ring + read/write pointer page (host memory), EOP buffer + context-save area (VRAM),
  CREATE_QUEUE, mmap of the doorbell page -> submit(): dwords into the ring, write pointer, doorbell; every submit
  ends with a RELEASE_MEM writing its fence value to a signal page that wait() polls.

Every OS call goes through `host` (RealHost here; driver/fake_kfd.py's FakeHost runs all of this on the simulated
GPU): open, close, ioctl, mmap, munmap, reserve_va, release_va, read_text, listdir, exists, doorbell.

GPU virtual addresses: each buffer's address is first reserved in the CPU's address space (an inaccessible
anonymous mapping, as tinygrad's ops_amd.py and ROCT's SVM apertures do), so that no CPU mapping can ever sit where
the GPU has one; the CPU view is then mapped over exactly that reservation, so a buffer has one address for both.

Facts, and where each comes from (public sources; no code copied):
  [uapi]   Linux include/uapi/linux/kfd_ioctl.h: the ioctl numbers, argument structs, allocation flags, queue and
           event types (kernel versions 1.15-1.17 of the interface; create_queue_args gained sdma_engine_id at 1.17)
  [ioctl]  Linux include/uapi/asm-generic/ioctl.h: request = dir << 30 | size << 16 | type << 8 | nr
  [chardev] Linux drivers/gpu/drm/amd/amdkfd/kfd_chardev.c: what each ioctl checks and returns, the doorbell offset
           returned by CREATE_QUEUE (mmap type | gpu_id | offset in the process doorbell slice on SOC15)
  [priv]   Linux drivers/gpu/drm/amd/amdkfd/kfd_priv.h: mmap offset bits (type << 62, gpu_id << 46)
  [queue]  Linux drivers/gpu/drm/amd/amdkfd/kfd_queue.c: kfd_queue_ctx_save_restore_size (EOP, control stack,
           context-save and debugger sizes) and kfd_queue_acquire_buffers (what a queue's buffers must be)
  [topo]   Linux drivers/gpu/drm/amd/amdkfd/kfd_topology.c: the sysfs node properties ("name value" lines, gpu_id;
           cwsr_size / ctl_stack_size exported since 2025 kernels); ROCT-Thunk-Interface src/topology.c reads the same
  [roct]   ROCm/ROCT-Thunk-Interface src/queues.c: 1024 doorbells of 8 bytes per process on gfx9+, doorbell mmap
           offset = doorbell_offset & ~(slice - 1), EOP 4096 bytes, queue priority 7 = normal, executable queue memory
  [tg]     tinygrad tinygrad/runtime/ops_amd.py (KFDIface): flags per buffer use, CPU view mapped at the GPU address,
           the doorbell written with the write pointer in dwords, RELEASE_MEM cache actions
  [amdgpu] Linux drivers/gpu/drm/amd/amdgpu/gfx_v11_0.c, gfx_v12_0.c, gfx_v9_4_3.c (ring_emit_fence), nvd.h, soc15d.h:
           the RELEASE_MEM layout; amdgpu_pm.c: power_dpm_force_performance_level and its profile_* levels
"""
from __future__ import annotations
import contextlib, ctypes, errno, fcntl, mmap, os, time
from dataclasses import dataclass
from typing import Callable, Sequence
import numpy as np
from driver.backend import Buffer, DriverError, Unavailable, KINDS

PAGE = 4096                            # the GPU's page (AMDGPU_GPU_PAGE_SIZE) and the x86-64 / arm64 CPU page
MIN_KFD = (1, 14)                      # [uapi] 1.14 "Update kfd_event_data": the event layout read on faults

# ---- argument structs, field for field from [uapi]. A field type that is a string names an earlier struct; a
# field name starting with "_" is an anonymous member (kfd_event_data's union).
U32, U64 = ctypes.c_uint32, ctypes.c_uint64
LAYOUTS: list[tuple[str, type, list[tuple[str, object]]]] = [
  ("get_version", ctypes.Structure, [("major_version", U32), ("minor_version", U32)]),
  ("create_queue", ctypes.Structure, [
    ("ring_base_address", U64), ("write_pointer_address", U64), ("read_pointer_address", U64), ("doorbell_offset", U64),
    ("ring_size", U32), ("gpu_id", U32), ("queue_type", U32), ("queue_percentage", U32), ("queue_priority", U32),
    ("queue_id", U32), ("eop_buffer_address", U64), ("eop_buffer_size", U64), ("ctx_save_restore_address", U64),
    ("ctx_save_restore_size", U32), ("ctl_stack_size", U32), ("sdma_engine_id", U32), ("pad", U32)]),
  ("destroy_queue", ctypes.Structure, [("queue_id", U32), ("pad", U32)]),
  ("process_device_apertures", ctypes.Structure, [
    ("lds_base", U64), ("lds_limit", U64), ("scratch_base", U64), ("scratch_limit", U64), ("gpuvm_base", U64),
    ("gpuvm_limit", U64), ("gpu_id", U32), ("pad", U32)]),
  ("get_process_apertures_new", ctypes.Structure, [("kfd_process_device_apertures_ptr", U64), ("num_of_nodes", U32),
                                                   ("pad", U32)]),
  ("acquire_vm", ctypes.Structure, [("drm_fd", U32), ("gpu_id", U32)]),
  ("alloc_memory_of_gpu", ctypes.Structure, [("va_addr", U64), ("size", U64), ("handle", U64), ("mmap_offset", U64),
                                             ("gpu_id", U32), ("flags", U32)]),
  ("free_memory_of_gpu", ctypes.Structure, [("handle", U64)]),
  ("map_memory_to_gpu", ctypes.Structure, [("handle", U64), ("device_ids_array_ptr", U64), ("n_devices", U32),
                                           ("n_success", U32)]),
  ("unmap_memory_from_gpu", ctypes.Structure, [("handle", U64), ("device_ids_array_ptr", U64), ("n_devices", U32),
                                               ("n_success", U32)]),
  ("create_event", ctypes.Structure, [("event_page_offset", U64), ("event_trigger_data", U32), ("event_type", U32),
                                      ("auto_reset", U32), ("node_id", U32), ("event_id", U32), ("event_slot_index", U32)]),
  ("destroy_event", ctypes.Structure, [("event_id", U32), ("pad", U32)]),
  ("memory_exception_failure", ctypes.Structure, [("NotPresent", U32), ("ReadOnly", U32), ("NoExecute", U32),
                                                  ("imprecise", U32)]),
  ("memory_exception_data", ctypes.Structure, [("failure", "memory_exception_failure"), ("va", U64), ("gpu_id", U32),
                                               ("ErrorType", U32)]),
  ("hw_exception_data", ctypes.Structure, [("reset_type", U32), ("reset_cause", U32), ("memory_lost", U32),
                                           ("gpu_id", U32)]),
  ("signal_event_data", ctypes.Structure, [("last_event_age", U64)]),
  ("event_data_union", ctypes.Union, [("memory_exception_data", "memory_exception_data"),
                                      ("hw_exception_data", "hw_exception_data"),
                                      ("signal_event_data", "signal_event_data")]),
  ("event_data", ctypes.Structure, [("_u", "event_data_union"), ("kfd_event_data_ext", U64), ("event_id", U32),
                                    ("pad", U32)]),
  ("wait_events", ctypes.Structure, [("events_ptr", U64), ("num_events", U32), ("wait_for_all", U32), ("timeout", U32),
                                     ("wait_result", U32)]),
]
STRUCT: dict[str, type] = {}
for _name, _base, _fields in LAYOUTS:
  _f = [(n, STRUCT[t] if isinstance(t, str) else t) for n, t in _fields]
  STRUCT[_name] = type(f"kfd_{_name}", (_base,), {"_fields_": _f, "_anonymous_": [n for n, _ in _f if n.startswith("_")]})

# ---- the ioctls this backend issues: AMDKFD_IOC_<name> = AMDKFD_IO<dir>(nr, struct) in [uapi], type 'K'
IOCTLS: dict[str, tuple[int, str, str]] = {
  "GET_VERSION": (0x01, "R", "get_version"),
  "CREATE_QUEUE": (0x02, "WR", "create_queue"),
  "DESTROY_QUEUE": (0x03, "WR", "destroy_queue"),
  "CREATE_EVENT": (0x08, "WR", "create_event"),
  "DESTROY_EVENT": (0x09, "W", "destroy_event"),
  "WAIT_EVENTS": (0x0C, "WR", "wait_events"),
  "GET_PROCESS_APERTURES_NEW": (0x14, "WR", "get_process_apertures_new"),
  "ACQUIRE_VM": (0x15, "W", "acquire_vm"),
  "ALLOC_MEMORY_OF_GPU": (0x16, "WR", "alloc_memory_of_gpu"),
  "FREE_MEMORY_OF_GPU": (0x17, "W", "free_memory_of_gpu"),
  "MAP_MEMORY_TO_GPU": (0x18, "WR", "map_memory_to_gpu"),
  "UNMAP_MEMORY_FROM_GPU": (0x19, "WR", "unmap_memory_from_gpu"),
}
IOC_DIR = {"W": 1, "R": 2, "WR": 3}    # [ioctl] _IOC_WRITE = 1, _IOC_READ = 2 (x86-64 and arm64 use asm-generic)

def ioc(direction: str, nr: int, size: int, kind: str = "K") -> int:
  return IOC_DIR[direction] << 30 | size << 16 | ord(kind) << 8 | nr

REQUEST = {name: ioc(d, nr, ctypes.sizeof(STRUCT[s])) for name, (nr, d, s) in IOCTLS.items()}

# ---- constants from [uapi] unless said otherwise
MEM = {"VRAM": 1 << 0, "GTT": 1 << 1, "USERPTR": 1 << 2, "DOORBELL": 1 << 3, "MMIO_REMAP": 1 << 4,
       "WRITABLE": 1 << 31, "EXECUTABLE": 1 << 30, "PUBLIC": 1 << 29, "NO_SUBSTITUTE": 1 << 28,
       "AQL_QUEUE_MEM": 1 << 27, "COHERENT": 1 << 26, "UNCACHED": 1 << 25}
def flags(*names: str) -> int: return sum(MEM[n] for n in set(names))
QUEUE_COMPUTE, MAX_QUEUE_PERCENTAGE, MAX_QUEUE_PRIORITY = 0, 100, 15     # KFD_IOC_QUEUE_TYPE_COMPUTE is the PM4 one
QUEUE_PRIORITY = 7                     # [roct] priority_map: HSA_QUEUE_PRIORITY_NORMAL -> 7
EVENT_HW_EXCEPTION, EVENT_MEMORY = 3, 8
WAIT_COMPLETE, WAIT_TIMEOUT, WAIT_FAIL = 0, 1, 2
MMAP_TYPE_SHIFT, MMAP_GPU_ID_SHIFT, GPU_ID_BITS = 62, 46, 16              # [priv]
MMAP_TYPE_DOORBELL, MMAP_TYPE_EVENTS = 3 << MMAP_TYPE_SHIFT, 2 << MMAP_TYPE_SHIFT
DOORBELL_SLICE = 1024 * 8              # [roct] DOORBELLS_PAGE_SIZE(8): a process's doorbells on gfx9+, mapped whole
RPTR, WPTR = 0, 64                     # in the pointer page: the GPU writes rptr, the CPU wptr; apart, on own lines
SIGNAL = 0                             # the fence value's offset in the signal page (RELEASE_MEM 64-bit: 8-aligned)

# buffer flags by use: [tg] KFDIface.alloc and [roct] allocate_exec_aligned_memory. Host memory the CPU writes and the
# GPU reads (or the reverse) is uncached on the GPU side so neither needs a flush to see the other.
QUEUE_HOST = flags("GTT", "WRITABLE", "EXECUTABLE", "NO_SUBSTITUTE", "COHERENT", "UNCACHED")
QUEUE_VRAM = flags("VRAM", "WRITABLE", "EXECUTABLE", "NO_SUBSTITUTE")
USER = {"vram": flags("VRAM", "PUBLIC", "WRITABLE", "NO_SUBSTITUTE"), "gtt": flags("GTT", "WRITABLE", "NO_SUBSTITUTE")}

# the GPUs this driver programs (driver/registers.py: gc 11.0 RDNA3, gc 12.0 RDNA4, gc 9.4.3 CDNA3)
ARCHES = {"gfx1100": "RDNA3", "gfx1101": "RDNA3", "gfx1102": "RDNA3", "gfx1200": "RDNA4", "gfx1201": "RDNA4",
          "gfx942": "CDNA3"}

TOPOLOGY = "/sys/devices/virtual/kfd/kfd/topology/nodes"


def align(x: int, a: int) -> int: return -(-x // a) * a


def kfd_ioctl(host, fd: int, name: str, **fields) -> ctypes.Structure:
  """One ioctl: the args struct from keyword fields, the kernel's answer read back from it."""
  arg = STRUCT[IOCTLS[name][2]](**fields)
  try: host.ioctl(fd, REQUEST[name], arg)
  except OSError as e:
    raise OSError(e.errno, f"AMDKFD_IOC_{name} failed: {e.strerror or os.strerror(e.errno or 0)}") from None
  return arg


# ---- topology [topo]
def parse_properties(text: str) -> dict[str, int]:
  return {p[0]: int(p[1]) for line in text.splitlines() if len(p := line.split()) == 2 and p[1].isdigit()}


def arch_of(gfx_target_version: int) -> str:
  """110000 -> gfx1100, 90402 -> gfx942, 120001 -> gfx1201: major, minor and stepping, the last two in hex."""
  v = gfx_target_version
  return f"gfx{v // 10000}{v // 100 % 100:x}{v % 100:x}" if v else "none"


@dataclass
class Node:
  index: int                           # the sysfs node number (CPU nodes come first)
  gpu_id: int                          # KFD's id for the GPU in every ioctl
  props: dict[str, int]

  @property
  def arch(self) -> str: return arch_of(self.props.get("gfx_target_version", 0))
  @property
  def render_minor(self) -> int: return self.props["drm_render_minor"]
  @property
  def cus(self) -> int: return self.props.get("simd_count", 0) // max(self.props.get("simd_per_cu", 1), 1)

  def describe(self) -> str:
    return (f"node {self.index}: {self.arch} (gpu_id {self.gpu_id}, {self.cus} CUs, "
            f"PCI device {self.props.get('device_id', 0):#06x}, renderD{self.props.get('drm_render_minor', '?')})")


def read_topology(host) -> list[Node]:
  """The GPU nodes (gpu_id != 0), in node order."""
  try: names = host.listdir(TOPOLOGY)
  except OSError as e: raise Unavailable(f"cannot list {TOPOLOGY} ({e.strerror}): is the amdgpu driver loaded?") from None
  gpus = []
  for name in sorted((n for n in names if n.isdigit()), key=int):
    try:
      gpu_id = int(host.read_text(f"{TOPOLOGY}/{name}/gpu_id").strip() or 0)
      if gpu_id: gpus.append(Node(int(name), gpu_id, parse_properties(host.read_text(f"{TOPOLOGY}/{name}/properties"))))
    except (OSError, ValueError): continue     # a node hidden from this process (device cgroup) reads as an error
  return gpus


def select_gpu(host, gpu_index: int = 0) -> Node:
  gpus = read_topology(host)
  found = "; ".join(g.describe() for g in gpus)
  if not gpus: raise Unavailable(f"no GPU in the KFD topology ({TOPOLOGY} has CPU nodes only): is amdgpu bound to the GPU?")
  if not 0 <= gpu_index < len(gpus): raise Unavailable(f"no GPU {gpu_index}: the KFD topology has {len(gpus)}: {found}")
  g = gpus[gpu_index]
  if g.arch not in ARCHES:
    ok = [f"gpu_index {i} ({x.arch})" for i, x in enumerate(gpus) if x.arch in ARCHES]
    raise Unavailable(f"GPU {gpu_index} is {g.arch}, which this driver does not program (it programs {', '.join(ARCHES)}); "
                      f"found: {found}" + (f"; supported here: {', '.join(ok)}" if ok else ""))
  return g


def supported_gpus(host=None) -> list[Node]:
  """The GPUs KFDBackend would accept, [] where there is no KFD: for choosing a backend automatically."""
  host = host if host is not None else RealHost()
  if not host.exists("/dev/kfd"): return []
  try: return [g for g in read_topology(host) if g.arch in ARCHES]
  except Unavailable: return []


# ---- queue sizes [queue] kfd_queue_ctx_save_restore_size; the kernel checks CREATE_QUEUE against its own numbers
@dataclass(frozen=True)
class QueueSizes:
  eop: int                             # the EOP buffer: exactly this (kfd_queue_acquire_buffers)
  ctl_stack: int                       # control stack: exactly this
  cwsr: int                            # context save/restore size per XCC (ctl_stack + wave data): at least this
  debug: int                           # debugger memory per XCC, after each XCC's save area
  cwsr_total: int                      # the context-save buffer: exactly (cwsr + debug) * XCCs, page-aligned


def queue_sizes(props: dict[str, int]) -> QueueSizes:
  v, xcc = props["gfx_target_version"], props.get("num_xcc", 1) or 1
  cu = props["simd_count"] // props["simd_per_cu"] // xcc
  waves = cu * 32 if v >= 100100 else min(cu * 40, props["array_count"] // props["simd_arrays_per_engine"] * 512)
  vgpr = 0x80000 if v in (90402, 90010, 90008, 90500) else 0x60000 if v in (110000, 110001, 120000, 120001) else 0x40000
  lds = props["lds_size_in_kb"] << 10 if v == 90500 else 0x10000
  ctl = align(40 + waves * (12 if v >= 100100 else 8) + 8, PAGE)    # 40: sizeof(HsaUserContextSaveAreaHeader)
  if v // 10000 == 10: ctl = min(ctl, 0x7000)                       # gfx10: a hardware limit
  ctl = props.get("ctl_stack_size") or ctl                          # the kernel's own numbers where it exports them
  cwsr = props.get("cwsr_size") or ctl + align(cu * (vgpr + 0x4000 + lds + 0x1000), PAGE)   # VGPR+SGPR+LDS+HWREG per CU
  debug = align(waves * 32, 64)
  return QueueSizes(4096, ctl, cwsr, debug, align((cwsr + debug) * xcc, PAGE))


# ---- the fence: RELEASE_MEM at end of pipe, caches written back, then a 64-bit value to memory [amdgpu]
OP_RELEASE_MEM, CACHE_FLUSH_AND_INV_TS_EVENT, EVENT_INDEX_EOP, DATA_SEL_64, INT_SEL_NONE = 0x49, 0x14, 5, 2, 0
FENCE_CACHE = {   # DW1 cache actions, by gfx major
  9: 1 << 15 | 1 << 19,                # EOP_TC_WB_ACTION_EN | EOP_TC_NC_ACTION_EN: gfx_v9_4_3 fence's TC_WB_ONLY, [tg]
  11: 1 << 14 | 1 << 15 | 1 << 20 | 1 << 12 | 1 << 13 | 1 << 21 | 1 << 22,   # GCR GLV_INV GL1_INV GL2_INV GLM_WB GLM_INV
                                       # GL2_WB SEQ: [tg] release_mem(cache_flush=True)
  12: 1 << 22 | 1 << 21 | 3 << 25,     # GCR SEQ GL2_WB, CACHE_POLICY bypass: gfx_v12_0_ring_emit_fence (no GL1 on gfx12;
}                                      # the GLM bits, which the hardware ignores, dropped there)


def release_mem_fence(arch: str) -> Callable[[int, int], list[int]]:
  """(addr, value) -> the 8 dwords of a PM4 type-3 RELEASE_MEM writing `value` (64 bits) to `addr` once all prior work
  is done. The one packet built here; driver/pm4.py builds every other (and can stand in for this: fence_packet=)."""
  cache = FENCE_CACHE[int(arch[3:-2])]
  def packet(addr: int, value: int) -> list[int]:
    if addr % 8: raise ValueError(f"a 64-bit fence needs an 8-aligned address, not {addr:#x}")
    return [3 << 30 | (8 - 2) << 16 | OP_RELEASE_MEM << 8 | 1 << 1,   # type 3, count = dwords - 2, SHADER_TYPE compute
                                       # (bit 1: as driver/pm4.py and Mesa's PKT3_SHADER_TYPE_S; amdgpu leaves it 0)
            cache | EVENT_INDEX_EOP << 8 | CACHE_FLUSH_AND_INV_TS_EVENT, DATA_SEL_64 << 29 | INT_SEL_NONE << 24,
            addr & 0xFFFFFFFF, addr >> 32, value & 0xFFFFFFFF, value >> 32 & 0xFFFFFFFF, 0]   # address, data, interrupt ctx
  return packet


# ---- the power level [amdgpu] amdgpu_pm.c
def power_level_path(host, node: Node) -> str:
  """/sys/class/drm/cardN/device/power_dpm_force_performance_level for the card behind the node's render node."""
  dev = f"/sys/class/drm/renderD{node.render_minor}/device"
  try: card = sorted(n for n in host.listdir(f"{dev}/drm") if n.startswith("card"))[0]
  except (OSError, IndexError): return f"{dev}/power_dpm_force_performance_level"
  return f"/sys/class/drm/{card}/device/power_dpm_force_performance_level"


def check_profiling(host, node: Node, allow_unprofiled: bool = False) -> str:
  """The GPU's power level; refused unless a profile_* one (fixed clocks: SQ thread trace timing means something and
  the trace's clock does not change under it), unless allow_unprofiled."""
  path = power_level_path(host, node)
  try: level = host.read_text(path).strip()
  except OSError as e: level, why = "", f"{path} cannot be read ({e.strerror})"
  else: why = f"its power level is '{level}', not a profiling one"
  if level.startswith("profile_") or allow_unprofiled: return level or "unknown"
  raise Unavailable(f"{node.arch} ({node.describe()}): {why}; SQ thread traces need fixed clocks. Set them with "
                    f"`echo profile_standard | sudo tee {path}` (undo: echo auto), or trace anyway with "
                    f"allow_unprofiled=True (amdviz run --allow-unprofiled)")


# ---- the OS
PROT_NONE, MAP_FIXED, MAP_NORESERVE = 0, 0x10, 0x4000   # asm-generic/mman(-common).h (x86-64, arm64): not in Python's mmap
RESERVE = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | MAP_NORESERVE   # address space only: no memory, no access


class RealHost:
  """The host interface on Linux. mmap goes through libc: the doorbell's offset has bit 63 set (Python's mmap refuses
  it) and a buffer's CPU view is placed at its GPU address (MAP_FIXED over the reservation)."""

  def __init__(self):
    self.libc = ctypes.CDLL(None, use_errno=True)
    self.libc.mmap.restype, self.libc.mmap.argtypes = ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                                                                        ctypes.c_int, ctypes.c_int, ctypes.c_int64]
    self.libc.munmap.restype, self.libc.munmap.argtypes = ctypes.c_int, [ctypes.c_void_p, ctypes.c_size_t]
    self.maps: dict[int, tuple[int, bool]] = {}   # address -> (length, placed over a reservation)

  def open(self, path: str, flags: int = os.O_RDWR) -> int: return os.open(path, flags | os.O_CLOEXEC)
  def close(self, fd: int) -> None: os.close(fd)
  def ioctl(self, fd: int, request: int, arg: ctypes.Structure) -> int:
    return fcntl.ioctl(fd, request, arg)            # a writable buffer: the kernel's answer is copied back into arg
  def read_text(self, path: str) -> str:
    with open(path) as f: return f.read()
  def listdir(self, path: str) -> list[str]: return os.listdir(path)
  def exists(self, path: str) -> bool: return os.path.exists(path)

  def _mmap(self, addr, length: int, prot: int, fl: int, fd: int, offset: int) -> int:
    p = self.libc.mmap(addr, length, prot, fl, fd, offset - (1 << 64) if offset >= 1 << 63 else offset)
    if p is None or p == ctypes.c_void_p(-1).value:
      e = ctypes.get_errno()
      raise OSError(e, f"mmap of {length:#x} bytes at offset {offset:#x}: {os.strerror(e)}")
    return p

  def mmap(self, fd: int, length: int, offset: int, writable: bool = True, addr: int | None = None):
    prot = mmap.PROT_READ | (mmap.PROT_WRITE if writable else 0)
    p = self._mmap(addr, length, prot, mmap.MAP_SHARED | (MAP_FIXED if addr else 0), fd, offset)
    self.maps[p] = (length, bool(addr))
    return (ctypes.c_char * length).from_address(p)

  def munmap(self, buf) -> None:
    """A view placed over a reservation gives the range back to the reservation (no hole another thread's mmap could
    take before release_va); any other is unmapped."""
    p = ctypes.addressof(buf)
    length, fixed = self.maps.pop(p)
    if fixed: self._mmap(p, length, PROT_NONE, RESERVE | MAP_FIXED, -1, 0)
    else: self.libc.munmap(p, length)

  def reserve_va(self, size: int, align_to: int = PAGE) -> int:
    p = self._mmap(None, size + align_to, PROT_NONE, RESERVE, -1, 0)
    va = align(p, align_to)
    if va > p: self.libc.munmap(p, va - p)
    if p + align_to > va: self.libc.munmap(va + size, p + align_to - va)
    return va

  def release_va(self, va: int, size: int) -> None: self.libc.munmap(va, size)

  def doorbell(self, buf, offset: int, value: int) -> None:
    np.frombuffer(buf, np.uint64, 1, offset)[0] = value    # one aligned 64-bit store into the uncached doorbell page


# ---- the backend
class GPUFault(DriverError):
  """The GPU reported a memory fault or a hardware exception (reset) while we waited."""


@dataclass
class BO:
  handle: int
  alloc: int                           # bytes reserved and allocated (whole pages)
  cpu: object = None                   # the host's mapping, None without CPU access
  mapped: bool = False                 # mapped into the GPU's page tables


class KFDBackend:
  """The Backend interface (driver/backend.py) on a real GPU. ring_size: the PM4 ring in bytes (a power of two).
  fence_packet(addr, value) -> dwords: the RELEASE_MEM closing every submit (default: release_mem_fence(arch))."""

  def __init__(self, host=None, gpu_index: int = 0, allow_unprofiled: bool = False, ring_size: int = 1 << 20,
               fence_packet: Callable[[int, int], Sequence[int]] | None = None):
    self.host = host if host is not None else RealHost()
    self.kfd = self.drm = self.queue_id = self.doorbells = None
    self.buffers: list[Buffer] = []
    self.queue_buffers: list[Buffer] = []
    self.fault_events: list[int] = []
    self.fence = self.wptr = self.retired = 0
    self.inflight: list[tuple[int, int]] = []   # (fence, write pointer after it), oldest first
    try: self._open(gpu_index, allow_unprofiled, ring_size, fence_packet)
    except BaseException:
      with contextlib.suppress(Exception): self.close()   # what was opened is released; the first error is the one raised
      raise

  def _open(self, gpu_index, allow_unprofiled, ring_size, fence_packet):
    h = self.host
    if not h.exists("/dev/kfd"):
      raise Unavailable("no /dev/kfd: is the amdgpu driver loaded (lsmod | grep amdgpu; KFD needs a kernel with "
                        "CONFIG_HSA_AMD) and is this a machine with an AMD GPU? The simulated GPU needs none: --backend emu")
    try: self.kfd = h.open("/dev/kfd", os.O_RDWR)
    except OSError as e:
      hint = ": add yourself to the render group (sudo usermod -aG render $USER) and log in again" \
        if e.errno == errno.EACCES else ""
      raise Unavailable(f"cannot open /dev/kfd ({e.strerror}){hint}") from None
    v = kfd_ioctl(h, self.kfd, "GET_VERSION")
    self.version = (v.major_version, v.minor_version)
    if self.version[0] != MIN_KFD[0] or self.version < MIN_KFD:
      raise Unavailable(f"KFD interface {self.version[0]}.{self.version[1]}: this driver needs {MIN_KFD[0]}.{MIN_KFD[1]} or "
                        f"later: a newer kernel")
    self.node = node = select_gpu(h, gpu_index)
    self.arch, self.gpu_id = node.arch, node.gpu_id
    if (node.props.get("num_xcc", 1) or 1) > 1:
      raise Unavailable(f"{node.describe()} has {node.props['num_xcc']} XCCs per node: a PM4 queue there runs on every XCC "
                        f"at once, which this driver does not program")
    self.power_level = check_profiling(h, node, allow_unprofiled)
    self.drm = h.open(f"/dev/dri/renderD{node.render_minor}", os.O_RDWR)
    kfd_ioctl(h, self.kfd, "ACQUIRE_VM", drm_fd=self.drm, gpu_id=self.gpu_id)
    self.aperture = self._aperture()
    self.fault_events = [kfd_ioctl(h, self.kfd, "CREATE_EVENT", event_type=t, node_id=node.index).event_id
                         for t in (EVENT_MEMORY, EVENT_HW_EXCEPTION)]
    self.fence_packet = fence_packet or release_mem_fence(self.arch)
    self._create_queue(ring_size)

  def _aperture(self) -> tuple[int, int]:
    """Where this GPU's virtual addresses may go: num_of_nodes 0 asks how many nodes, then their apertures."""
    n = kfd_ioctl(self.host, self.kfd, "GET_PROCESS_APERTURES_NEW", num_of_nodes=0).num_of_nodes
    arr = (STRUCT["process_device_apertures"] * max(n, 1))()
    r = kfd_ioctl(self.host, self.kfd, "GET_PROCESS_APERTURES_NEW", kfd_process_device_apertures_ptr=ctypes.addressof(arr),
                  num_of_nodes=n)
    for a in arr[:r.num_of_nodes]:
      if a.gpu_id == self.gpu_id: return a.gpuvm_base, a.gpuvm_limit
    raise DriverError(f"KFD lists no GPU VM aperture for gpu_id {self.gpu_id} (it listed {r.num_of_nodes} node(s))")

  # -- memory
  def _bo(self, size: int, fl: int, kind: str, cpu: bool = True, owned: list | None = None) -> Buffer:
    h, alloc = self.host, align(size, PAGE)
    va = h.reserve_va(alloc)
    lo, hi = self.aperture
    if not lo <= va <= va + alloc - 1 <= hi:
      h.release_va(va, alloc)
      raise DriverError(f"the reserved address {va:#x} (+{alloc:#x}) is outside the GPU VM aperture {lo:#x}..{hi:#x}")
    try: a = kfd_ioctl(h, self.kfd, "ALLOC_MEMORY_OF_GPU", va_addr=va, size=alloc, gpu_id=self.gpu_id, flags=fl)
    except OSError as e:
      h.release_va(va, alloc)
      if e.errno == errno.EINVAL and fl & MEM["VRAM"] and fl & MEM["PUBLIC"]:
        raise DriverError(f"{e.strerror}: CPU-visible VRAM needs a large BAR (enable Resizable BAR / Above 4G decoding "
                          f"in the firmware setup), or allocate kind='gtt'") from None
      if e.errno == errno.ENOMEM: raise MemoryError(f"{e.strerror}: no room for {alloc} bytes of {kind}") from None
      raise
    buf = Buffer(va, size, np.empty(0, np.uint8), kind, BO(a.handle, alloc))
    try:
      if cpu:
        buf.meta.cpu = h.mmap(self.drm, alloc, a.mmap_offset, True, addr=va)
        buf.view = np.frombuffer(buf.meta.cpu, np.uint8, count=size)
      ids = (ctypes.c_uint32 * 1)(self.gpu_id)
      m = kfd_ioctl(h, self.kfd, "MAP_MEMORY_TO_GPU", handle=a.handle, device_ids_array_ptr=ctypes.addressof(ids),
                    n_devices=1, n_success=0)
      if m.n_success != 1: raise DriverError(f"MAP_MEMORY_TO_GPU mapped {m.n_success} of 1 device(s)")
      buf.meta.mapped = True
    except BaseException:
      self._release(buf); raise
    (self.buffers if owned is None else owned).append(buf)
    return buf

  def _release(self, buf: Buffer) -> None:
    h, m = self.host, buf.meta
    buf.view = np.empty(0, np.uint8)   # its pages go away below: a view still held elsewhere must not be used
    if m.mapped:
      ids = (ctypes.c_uint32 * 1)(self.gpu_id)
      kfd_ioctl(h, self.kfd, "UNMAP_MEMORY_FROM_GPU", handle=m.handle, device_ids_array_ptr=ctypes.addressof(ids),
                n_devices=1, n_success=0)
      m.mapped = False
    if m.cpu is not None: h.munmap(m.cpu); m.cpu = None
    kfd_ioctl(h, self.kfd, "FREE_MEMORY_OF_GPU", handle=m.handle)
    h.release_va(buf.va, m.alloc)

  def alloc(self, size: int, kind: str = "vram", executable: bool = False) -> Buffer:
    if kind not in KINDS: raise ValueError(f"memory kind {kind!r}: the kfd backend allocates {', '.join(KINDS)}")
    if size <= 0: raise ValueError(f"allocation of {size} bytes")
    return self._bo(size, USER[kind] | (MEM["EXECUTABLE"] if executable else 0), kind)

  def free(self, buf: Buffer) -> None:
    if buf not in self.buffers: raise ValueError(f"buffer at {buf.va:#x} is not a live allocation of this backend")
    self.buffers.remove(buf)
    self._release(buf)

  # -- the queue
  def _create_queue(self, ring_size: int) -> None:
    if ring_size < PAGE or ring_size & (ring_size - 1): raise ValueError(f"ring size {ring_size}: a power of two >= {PAGE}")
    h, s, q = self.host, queue_sizes(self.node.props), self.queue_buffers
    self.sizes = s
    # [queue] kfd_queue_acquire_buffers: each address must begin a GPU mapping of exactly the size checked (rptr and
    # wptr: one page each, here the same page; ring: ring_size; EOP: the node's EOP size; context save: cwsr_total)
    self.ring = self._bo(ring_size, QUEUE_HOST, "gtt", owned=q)
    self.ptrs = self._bo(PAGE, QUEUE_HOST, "gtt", owned=q)
    self.signal = self._bo(PAGE, QUEUE_HOST, "gtt", owned=q)
    self.eop = self._bo(s.eop, QUEUE_VRAM, "vram", cpu=False, owned=q)
    self.cwsr = self._bo(s.cwsr_total, QUEUE_VRAM, "vram", cpu=False, owned=q)
    self.ring_words, self.ptr_words, self.signal_words = (b.view.view(np.uint32 if b is self.ring else np.uint64)
                                                          for b in (self.ring, self.ptrs, self.signal))
    self.ptr_words[:] = 0; self.signal_words[:] = 0
    r = kfd_ioctl(h, self.kfd, "CREATE_QUEUE", ring_base_address=self.ring.va, ring_size=ring_size, gpu_id=self.gpu_id,
                  queue_type=QUEUE_COMPUTE, queue_percentage=MAX_QUEUE_PERCENTAGE, queue_priority=QUEUE_PRIORITY,
                  write_pointer_address=self.ptrs.va + WPTR, read_pointer_address=self.ptrs.va + RPTR,
                  eop_buffer_address=self.eop.va, eop_buffer_size=s.eop, ctx_save_restore_address=self.cwsr.va,
                  ctx_save_restore_size=s.cwsr, ctl_stack_size=s.ctl_stack)
    self.queue_id, self.doorbell_offset = r.queue_id, r.doorbell_offset
    # [chardev]/[roct]: on SOC15 the offset carries the doorbell's place in the process's slice; the slice is mapped whole
    self.doorbells = h.mmap(self.kfd, DOORBELL_SLICE, r.doorbell_offset & ~(DOORBELL_SLICE - 1))
    self.doorbell_slot = r.doorbell_offset & (DOORBELL_SLICE - 1)

  @property
  def ring_dwords(self) -> int: return len(self.ring_words)

  def submit(self, words) -> int:
    """Append `words` and a fence to the ring, publish the write pointer (in dwords, never wrapped: [tg], amdgpu's
    ring->wptr), ring the doorbell with it. Returns the fence value wait() takes."""
    w = np.asarray(words, dtype=np.int64).reshape(-1)
    if len(w) and (w.min() < 0 or w.max() > 0xFFFFFFFF): raise ValueError("PM4 words must be 32-bit unsigned")
    fence = self.fence + 1
    body = np.concatenate([w.astype(np.uint32), np.asarray(self.fence_packet(self.signal.va + SIGNAL, fence), np.uint32)])
    n, ring = len(body), self.ring_words
    if n >= len(ring): raise ValueError(f"{n} dwords (with the fence) do not fit the {len(ring)}-dword ring")
    while self.wptr + n - len(ring) > self.retired: self.wait(self.inflight[0][0])   # room: the oldest must be done
    pos = self.wptr % len(ring)
    k = min(n, len(ring) - pos)
    ring[pos:pos + k] = body[:k]; ring[:n - k] = body[k:]                           # packets may wrap, as the CP reads
    self.fence, self.wptr = fence, self.wptr + n
    self.inflight.append((fence, self.wptr))
    self.ptr_words[WPTR // 8] = self.wptr
    self.host.doorbell(self.doorbells, self.doorbell_slot, self.wptr)
    return fence

  def signaled(self) -> int: return int(self.signal_words[SIGNAL // 8])

  def wait(self, fence: int, timeout_s: float = 10.0) -> None:
    if not 0 < fence <= self.fence: raise ValueError(f"fence {fence} was never submitted (the last is {self.fence})")
    deadline, pause = time.monotonic() + timeout_s, 0
    while (seen := self.signaled()) < fence:
      left = deadline - time.monotonic()
      if left <= 0:
        raise TimeoutError(f"timed out after {timeout_s:g} s waiting for fence {fence} on {self.arch} "
                           f"queue {self.queue_id}: "
                           f"the signal at {self.signal.va + SIGNAL:#x} holds {seen}, the last fence the GPU wrote; "
                           f"write pointer {self.wptr} dwords, read pointer {int(self.ptr_words[RPTR // 8])}")
      self._faults(min(pause, int(left * 1000)))   # sleeps in the kernel, waking at once on a GPU fault
      pause = min(pause + 1, 10)
    while self.inflight and self.inflight[0][0] <= seen: self.retired = self.inflight.pop(0)[1]

  def _faults(self, timeout_ms: int) -> None:
    ev = (STRUCT["event_data"] * len(self.fault_events))(*(STRUCT["event_data"](event_id=e) for e in self.fault_events))
    r = kfd_ioctl(self.host, self.kfd, "WAIT_EVENTS", events_ptr=ctypes.addressof(ev), num_events=len(ev), wait_for_all=0,
                  timeout=timeout_ms)
    if r.wait_result != WAIT_COMPLETE: return
    m, x = ev[0].memory_exception_data, ev[1].hw_exception_data
    if m.gpu_id:
      f = m.failure
      raise GPUFault(f"GPU memory fault at {m.va:#x} on {self.arch} (not present {f.NotPresent}, read-only {f.ReadOnly}, "
                     f"no-execute {f.NoExecute}, imprecise {f.imprecise}); fence {self.signaled()} of {self.fence} reached")
    if x.gpu_id:
      raise GPUFault(f"GPU hardware exception on {self.arch}: {'whole GPU' if x.reset_type == 0 else 'per-engine'} reset, "
                     f"cause {'hang' if x.reset_cause == 0 else 'ECC'}, memory lost {x.memory_lost}")

  def describe(self) -> str:
    return (f"kfd: {self.node.describe()}, KFD {self.version[0]}.{self.version[1]}, "
            f"power level {self.power_level}")

  def close(self) -> None:
    """Queue, buffers, events, files: each released even when an earlier one fails; the first failure is raised."""
    h, errs = self.host, []
    def step(f, *a, **kw):
      try: f(*a, **kw)
      except Exception as e: errs.append(e)
    if self.queue_id is not None:
      step(kfd_ioctl, h, self.kfd, "DESTROY_QUEUE", queue_id=self.queue_id); self.queue_id = None
    if self.doorbells is not None: step(h.munmap, self.doorbells); self.doorbells = None
    for b in reversed(self.buffers + self.queue_buffers): step(self._release, b)
    self.buffers, self.queue_buffers = [], []
    for e in self.fault_events: step(kfd_ioctl, h, self.kfd, "DESTROY_EVENT", event_id=e)
    self.fault_events = []
    for attr in ("drm", "kfd"):
      if (fd := getattr(self, attr)) is not None: step(h.close, fd); setattr(self, attr, None)
    if errs: raise errs[0]

  def __enter__(self): return self
  def __exit__(self, *exc): self.close()
