"""A fake KFD: driver/kfd.py's host interface served from a simulated GPU, so that the kfd backend's own code (ioctls,
mmaps, sysfs reads, doorbells) runs in the tests and on machines without an AMD GPU.

  FakeHost(gpu): the sysfs files (KFD topology nodes, the drm card's power level), opens of /dev/kfd and the render
  node, the ioctls KFDBackend issues (filling their outputs as the kernel does: handles, mmap offsets, queue ids,
  doorbell offsets, apertures, event ids), mmaps of buffers (views of gpu.memory, so CPU writes are what the GPU
  reads) and of the doorbell slice, and doorbell writes, which start the simulated GPU: gpu.doorbell(queue).

The simulated GPU needs: gpu.arch, gpu.props (topology properties), gpu.memory.alloc(size, align) -> va,
gpu.memory.view(va, size) -> writable uint8 array shared with the memory, gpu.memory.free(va), gpu.doorbell(queue):
queue is one dict per queue for its lifetime ("queue_id", "ring_va", "ring_size", "rptr_va", "wptr_va", "eop_va",
"eop_size", "ctx_save_va", "ctx_save_size", "ctl_stack_size", "gpu_id", "doorbell"); the GPU runs the dwords from
its read pointer up to the 64-bit write pointer at wptr_va (in dwords) and writes its read pointer to rptr_va.

What the kernel refuses is refused here with the kernel's errno (OSError), the message saying which check and where
it lives in Linux (kfd_chardev.c, kfd_queue.c, amdgpu_vm.c, drm_gem.c). Where the fake is stricter than the kernel
it says "stricter than KFD" and why: those are mistakes the kernel lets through and the GPU would not.
"""
from __future__ import annotations
import ctypes, errno, time
from dataclasses import dataclass
import numpy as np
from driver.kfd import (STRUCT, IOCTLS, IOC_DIR, MEM, PAGE, TOPOLOGY, DOORBELL_SLICE, MMAP_TYPE_SHIFT, MMAP_TYPE_DOORBELL,
                        MMAP_GPU_ID_SHIFT, GPU_ID_BITS, MAX_QUEUE_PERCENTAGE, MAX_QUEUE_PRIORITY, QUEUE_COMPUTE,
                        EVENT_MEMORY, EVENT_HW_EXCEPTION, WAIT_COMPLETE, WAIT_TIMEOUT, align)

BY_NR = {nr: (name, d, s) for name, (nr, d, s) in IOCTLS.items()}
DOMAINS = MEM["VRAM"] | MEM["GTT"] | MEM["USERPTR"] | MEM["DOORBELL"] | MEM["MMIO_REMAP"]
DRM_FILE_PAGE_OFFSET = 1 << 32         # DRM hands out mmap offsets above 4 GiB (drm_gem.c DRM_FILE_PAGE_OFFSET_START)
# this process's GPU VM aperture: illustrative values of the shape KFD reports on a gfx9+ dGPU (kfd_flat_memory.c:
# LDS and scratch apertures at 1 << 48 and 2 << 48, the VM below the 47-bit GMC hole)
APERTURE = dict(lds_base=1 << 48, lds_limit=(1 << 48) + 0xFFFFFFFF, scratch_base=2 << 48, scratch_limit=(2 << 48) + 0xFFFFFFFF,
                gpuvm_base=1 << 21, gpuvm_limit=(1 << 47) - 1)


def err(code: int, why: str) -> OSError: return OSError(code, why)


def kernel_queue_sizes(p: dict) -> dict:
  """What KFD computes for a node at topology time (kfd_queue.c kfd_queue_ctx_save_restore_size) and later holds every
  CREATE_QUEUE to: the EOP size, the control stack size, the context-save size per XCC, the debugger area per XCC."""
  v, xcc = p["gfx_target_version"], p.get("num_xcc", 1) or 1
  cu = p["simd_count"] // p["simd_per_cu"] // xcc
  waves = min(cu * 40, p["array_count"] // p["simd_arrays_per_engine"] * 512) if v < 100100 else cu * 32
  vgpr = {90402: 0x80000, 90010: 0x80000, 90008: 0x80000, 90500: 0x80000, 110000: 0x60000, 110001: 0x60000,
          120000: 0x60000, 120001: 0x60000}.get(v, 0x40000)
  per_cu = vgpr + 0x4000 + (p["lds_size_in_kb"] << 10 if v == 90500 else 0x10000) + 0x1000    # + SGPR, LDS, HWREG
  ctl = align(40 + waves * (8 if v < 100100 else 12) + 8, PAGE)
  if v // 10000 == 10: ctl = min(ctl, 0x7000)
  return dict(eop_buffer_size=4096, ctl_stack_size=ctl, cwsr_size=ctl + align(cu * per_cu, PAGE),
              debug_memory_size=align(waves * 32, 64), num_xcc=xcc)


@dataclass
class FakeBO:
  va: int
  size: int
  flags: int
  mmap_offset: int
  mapped: bool = False
  queue_refs: int = 0                  # queues using it: the kernel refuses to unmap it meanwhile
  cpu_maps: int = 0


class FakeHost:
  """gpu: the simulated GPU. version: what GET_VERSION answers. power_level: the drm card's
  power_dpm_force_performance_level (None: the file is missing). large_bar: VRAM can be CPU-visible. has_kfd /
  kfd_access: /dev/kfd exists / may be opened. export_cwsr: the topology lists cwsr_size and ctl_stack_size (2025+
  kernels), else only the kernel knows them."""

  def __init__(self, gpu, *, gpu_id: int = 0x3A1C, version: tuple[int, int] = (1, 17),
               power_level: str | None = "profile_standard", large_bar: bool = True, has_kfd: bool = True,
               kfd_access: bool = True, export_cwsr: bool = True):
    assert 0 < gpu_id < 1 << GPU_ID_BITS, "KFD's gpu_id is a 16-bit hash (kfd_priv.h KFD_GPU_ID_HASH_WIDTH)"
    self.gpu, self.gpu_id, self.version, self.large_bar = gpu, gpu_id, version, large_bar
    self.has_kfd, self.kfd_access = has_kfd, kfd_access
    self.props = {"gfx_target_version": 0, "num_xcc": 1, "drm_render_minor": 128, "vendor_id": 0x1002,
                  "lds_size_in_kb": 64, **gpu.props}
    self.kernel = kernel_queue_sizes(self.props)
    if export_cwsr: self.props.update(cwsr_size=self.kernel["cwsr_size"], ctl_stack_size=self.kernel["ctl_stack_size"])
    self.render = f"/dev/dri/renderD{self.props['drm_render_minor']}"
    dev = f"/sys/class/drm/renderD{self.props['drm_render_minor']}/device"
    self.files = {f"{TOPOLOGY}/0/gpu_id": "0\n",                        # node 0: the CPU
                  f"{TOPOLOGY}/0/properties": "cpu_cores_count 16\nsimd_count 0\ngfx_target_version 0\n",
                  f"{TOPOLOGY}/1/gpu_id": f"{gpu_id}\n",
                  f"{TOPOLOGY}/1/properties": "".join(f"{k} {v}\n" for k, v in self.props.items())}
    self.power_path = "/sys/class/drm/card1/device/power_dpm_force_performance_level"
    if power_level is not None: self.files[self.power_path] = power_level + "\n"
    self.dirs = {TOPOLOGY: ["0", "1"], f"{dev}/drm": ["card1", f"renderD{self.props['drm_render_minor']}"]}
    self.fds: dict[int, str] = {}
    self.next_fd, self.vm_fd = 100, None
    self.reserved: dict[int, int] = {}        # va -> size: the only memory the simulated GPU has
    self.bos: dict[int, FakeBO] = {}          # idr handle -> BO
    self.next_idr, self.next_mmap = 1, DRM_FILE_PAGE_OFFSET
    self.cpu_maps: dict[int, FakeBO | str] = {}   # id(view) -> what it maps
    self.queues: dict[int, dict] = {}
    self.queue_bos: dict[int, list[FakeBO]] = {}
    self.doorbell_page = np.zeros(DOORBELL_SLICE, np.uint8)
    self.events: dict[int, int] = {}          # event id -> type
    self.next_event, self.faults = 1, {}      # event type -> the data a wait hands back
    self.calls: list[tuple[str, dict]] = []   # every ioctl served: (name, its fields as passed in)
    self.rings: list[tuple[int, int]] = []    # every doorbell write: (queue id, value)

  # ---- files
  def exists(self, path: str) -> bool:
    return path in self.files or path in self.dirs or (path == "/dev/kfd" and self.has_kfd) or path == self.render

  def read_text(self, path: str) -> str:
    if path not in self.files: raise FileNotFoundError(errno.ENOENT, "No such file or directory", path)
    return self.files[path]

  def listdir(self, path: str) -> list[str]:
    if path not in self.dirs: raise FileNotFoundError(errno.ENOENT, "No such file or directory", path)
    return list(self.dirs[path])

  def open(self, path: str, flags: int = 0) -> int:
    if path == "/dev/kfd" and self.has_kfd:
      if not self.kfd_access: raise PermissionError(errno.EACCES, "Permission denied", path)
      kind = "kfd"
    elif path == self.render: kind = "render"
    else: raise FileNotFoundError(errno.ENOENT, "No such file or directory", path)
    fd, self.next_fd = self.next_fd, self.next_fd + 1
    self.fds[fd] = kind
    return fd

  def close(self, fd: int) -> None:
    if self.fds.pop(fd, None) is None: raise err(errno.EBADF, f"close of fd {fd}, which is not open")

  # ---- memory
  def reserve_va(self, size: int, align_to: int = PAGE) -> int:
    va = self.gpu.memory.alloc(size, align_to)
    self.reserved[va] = size
    return va

  def release_va(self, va: int, size: int) -> None:
    if self.reserved.get(va) != size: raise err(errno.EINVAL, f"release of {va:#x}+{size:#x}: not a reservation (fake)")
    if any(va <= b.va < va + size for b in self.bos.values()):
      raise err(errno.EBUSY, f"release of {va:#x}: a GPU buffer still lives there; free it first (fake: the CPU could "
                             f"reuse the range while the GPU still maps it)")
    del self.reserved[va]
    self.gpu.memory.free(va)

  def mmap(self, fd: int, length: int, offset: int, writable: bool = True, addr: int | None = None):
    kind = self.fds.get(fd)
    if kind is None: raise err(errno.EBADF, f"mmap of fd {fd}, which is not open")
    if offset % PAGE or length <= 0:
      raise err(errno.EINVAL, f"mmap at offset {offset:#x}, {length} bytes: not page-aligned (mmap(2))")
    if kind == "kfd":
      if offset >> MMAP_TYPE_SHIFT != MMAP_TYPE_DOORBELL >> MMAP_TYPE_SHIFT:
        raise err(errno.EINVAL, f"/dev/kfd mmap of type {offset >> MMAP_TYPE_SHIFT}: the fake maps doorbells only")
      if offset >> MMAP_GPU_ID_SHIFT & (1 << GPU_ID_BITS) - 1 != self.gpu_id:
        raise err(errno.ENODEV, f"doorbell mmap for gpu_id {offset >> MMAP_GPU_ID_SHIFT & 0xFFFF}: no such GPU (kfd_mmap)")
      if offset & (DOORBELL_SLICE - 1):
        raise err(errno.EINVAL, f"doorbell mmap at {offset:#x}: the offset within the slice must be cleared (stricter than "
                                f"KFD, which ignores it: the mapping is the whole slice, the queue's doorbell inside it)")
      if length != DOORBELL_SLICE:
        raise err(errno.EINVAL, f"doorbell mmap of {length} bytes: the process slice is {DOORBELL_SLICE} (kfd_doorbell_mmap)")
      self.cpu_maps[id(self.doorbell_page)] = "doorbell"
      return self.doorbell_page
    if fd != self.vm_fd:
      raise err(errno.EACCES, "mmap of a buffer through a DRM file other than the one given to ACQUIRE_VM (drm_gem_mmap)")
    bo = next((b for b in self.bos.values() if b.mmap_offset == offset), None)
    if bo is None: raise err(errno.EINVAL, f"mmap offset {offset:#x} is no buffer's (drm_gem_mmap)")
    if length > bo.size: raise err(errno.EINVAL, f"mmap of {length} bytes of a {bo.size}-byte buffer (drm_gem_mmap_obj)")
    if bo.flags & MEM["VRAM"] and not bo.flags & MEM["PUBLIC"]:
      raise err(errno.EPERM, "mmap of VRAM allocated without KFD_IOC_ALLOC_MEM_FLAGS_PUBLIC (amdgpu_gem_object_mmap)")
    if addr is not None and addr != bo.va:
      raise err(errno.EINVAL, f"CPU view asked at {addr:#x} for the buffer at {bo.va:#x} (fake: the backend places each "
                              f"view at its buffer's GPU address)")
    view = self.gpu.memory.view(bo.va, length)
    bo.cpu_maps += 1
    self.cpu_maps[id(view)] = bo
    return view

  def munmap(self, buf) -> None:
    what = self.cpu_maps.pop(id(buf), None)
    if what is None: raise err(errno.EINVAL, "munmap of something the fake never mapped")
    if isinstance(what, FakeBO): what.cpu_maps -= 1

  # ---- the doorbell: the simulated GPU runs
  def doorbell(self, buf, offset: int, value: int) -> None:
    if buf is not self.doorbell_page or self.cpu_maps.get(id(buf)) != "doorbell":
      raise RuntimeError("a doorbell write outside the mapped doorbell slice")
    if offset % 8 or not 0 <= offset < DOORBELL_SLICE: raise RuntimeError(f"doorbell write at {offset:#x}: 64-bit slots")
    self.doorbell_page[offset:offset + 8].view(np.uint64)[0] = value
    q = next((q for q in self.queues.values() if q["doorbell"] == offset), None)
    if q is None:
      raise RuntimeError(f"doorbell slot {offset:#x} belongs to no queue: the hardware would drop the write and nothing "
                         f"would run")
    wptr = int(self.gpu.memory.view(q["wptr_va"], 8).view(np.uint64)[0])
    if wptr != value:
      raise RuntimeError(f"queue {q['queue_id']}'s doorbell rung with {value} while its write pointer in memory says {wptr}: "
                         f"publish the write pointer first, then ring with the same value")
    self.rings.append((q["queue_id"], value))
    self.gpu.doorbell(q)

  # ---- test hooks: what the kernel reports through the fault events
  def memory_fault(self, va: int, not_present: int = 1) -> None: self.faults[EVENT_MEMORY] = (va, not_present)
  def hw_exception(self) -> None: self.faults[EVENT_HW_EXCEPTION] = True

  # ---- ioctls (kfd_chardev.c kfd_ioctl and the handlers it dispatches to)
  def ioctl(self, fd: int, request: int, arg) -> int:
    if self.fds.get(fd) != "kfd": raise err(errno.ENOTTY, f"ioctl {request:#x} on fd {fd}, which is not /dev/kfd")
    d, size, kind, nr = request >> 30, request >> 16 & 0x3FFF, request >> 8 & 0xFF, request & 0xFF
    if kind != ord("K") or nr not in BY_NR:
      raise err(errno.EINVAL, f"ioctl {request:#x}: no KFD ioctl the fake serves (kfd_ioctl)")
    name, want_dir, sname = BY_NR[nr]
    want = ctypes.sizeof(STRUCT[sname])
    if size != want or ctypes.sizeof(arg) != want or d != IOC_DIR[want_dir]:
      raise err(errno.EINVAL, f"AMDKFD_IOC_{name}: request {request:#x} says {size} bytes and direction {d}, the argument has "
                              f"{ctypes.sizeof(arg)}; kfd_ioctl.h: {want} bytes, direction {IOC_DIR[want_dir]} (stricter than "
                              f"KFD, which zero-fills or truncates to its own size: a layout error would go unnoticed)")
    self.calls.append((name, {f: getattr(arg, f) for f, _ in type(arg)._fields_ if not f.startswith("_")}))
    getattr(self, "_" + name.lower())(arg)
    return 0

  def _vm(self, gpu_id: int) -> None:
    if gpu_id != self.gpu_id: raise err(errno.EINVAL, f"no GPU with gpu_id {gpu_id} (kfd_device_by_id)")
    if self.vm_fd is None:
      raise err(errno.EINVAL, "the GPU has no VM for this process yet: ACQUIRE_VM first (kfd_bind_process_to_device)")

  def _bo(self, handle: int, missing: int = errno.EINVAL) -> FakeBO:
    if handle >> 32 != self.gpu_id: raise err(errno.EINVAL, f"handle {handle:#x} names gpu_id {handle >> 32}, no such GPU")
    if (bo := self.bos.get(handle & 0xFFFFFFFF)) is None: raise err(missing, f"handle {handle:#x} is no live buffer")
    return bo

  def _devices(self, a) -> list[int]:
    if not a.n_devices: raise err(errno.EINVAL, "device list is empty")
    if a.n_success > a.n_devices: raise err(errno.EINVAL, "n_success exceeds n_devices")
    if not a.device_ids_array_ptr: raise err(errno.EFAULT, "device_ids_array_ptr is NULL")
    ids = list((ctypes.c_uint32 * a.n_devices).from_address(a.device_ids_array_ptr))
    if any(i != self.gpu_id for i in ids): raise err(errno.EINVAL, f"device list {ids}: the GPU is {self.gpu_id}")
    return ids

  def _get_version(self, a) -> None: a.major_version, a.minor_version = self.version

  def _acquire_vm(self, a) -> None:
    if a.gpu_id != self.gpu_id: raise err(errno.EINVAL, f"no GPU with gpu_id {a.gpu_id}")
    if self.fds.get(a.drm_fd) != "render": raise err(errno.EINVAL, f"drm_fd {a.drm_fd} is not an open render node of the GPU")
    if self.vm_fd not in (None, a.drm_fd): raise err(errno.EBUSY, "the VM was acquired with another DRM file")
    self.vm_fd = a.drm_fd

  def _get_process_apertures_new(self, a) -> None:
    if a.num_of_nodes == 0: a.num_of_nodes = 1; return     # the count, for the caller to size its array
    if not a.kfd_process_device_apertures_ptr: raise err(errno.EFAULT, "kfd_process_device_apertures_ptr is NULL")
    ap = STRUCT["process_device_apertures"].from_address(a.kfd_process_device_apertures_ptr)
    for k, v in APERTURE.items(): setattr(ap, k, v)
    ap.gpu_id, a.num_of_nodes = self.gpu_id, 1

  def _alloc_memory_of_gpu(self, a) -> None:
    self._vm(a.gpu_id)
    fl, va, size = a.flags, a.va_addr, a.size
    if size == 0: raise err(errno.EINVAL, "allocation of 0 bytes")
    if fl & DOMAINS not in (MEM["VRAM"], MEM["GTT"]):
      raise err(errno.EINVAL, f"flags {fl:#x}: one memory domain, VRAM or GTT (userptr, doorbell, MMIO are not simulated)")
    if fl & MEM["VRAM"] and fl & MEM["PUBLIC"] and not self.large_bar:
      raise err(errno.EINVAL, "Alloc host visible vram on small bar is not allowed (kfd_ioctl_alloc_memory_of_gpu)")
    if va % PAGE or size % PAGE:
      raise err(errno.EINVAL, f"{va:#x}+{size:#x}: GPU mappings are whole 4 KiB pages (amdgpu_vm_verify_parameters)")
    if not APERTURE["gpuvm_base"] <= va and va + size - 1 <= APERTURE["gpuvm_limit"]:
      raise err(errno.EINVAL, f"{va:#x}+{size:#x} is outside the GPU VM aperture")
    if (o := next((b for b in self.bos.values() if b.va < va + size and va < b.va + b.size), None)) is not None:
      raise err(errno.EINVAL, f"{va:#x}+{size:#x} overlaps the buffer at {o.va:#x}+{o.size:#x} (amdgpu_vm_bo_map)")
    if not any(r <= va and va + size <= r + n for r, n in self.reserved.items()):
      raise err(errno.EINVAL, f"{va:#x}+{size:#x} is not inside an address reservation (fake: the simulated GPU has memory "
                              f"only where reserve_va put it)")
    idr, self.next_idr = self.next_idr, self.next_idr + 1
    self.bos[idr] = FakeBO(va, size, fl, self.next_mmap)
    a.handle, a.mmap_offset = self.gpu_id << 32 | idr, self.next_mmap      # MAKE_HANDLE(gpu_id, idr_handle)
    self.next_mmap += size

  def _free_memory_of_gpu(self, a) -> None:
    bo = self._bo(a.handle)
    if bo.mapped:
      raise err(errno.EBUSY, f"buffer at {bo.va:#x} is still mapped to the GPU (amdgpu_amdkfd_gpuvm_free_memory_of_gpu)")
    del self.bos[a.handle & 0xFFFFFFFF]

  def _map_memory_to_gpu(self, a) -> None:
    if a.handle >> 32 != self.gpu_id: raise err(errno.EINVAL, f"handle {a.handle:#x}: no such GPU")
    ids = self._devices(a)
    self._vm(self.gpu_id)
    bo = self._bo(a.handle, errno.ENOMEM)      # kfd_chardev.c answers ENOMEM for a handle it cannot translate
    bo.mapped, a.n_success = True, len(ids)

  def _unmap_memory_from_gpu(self, a) -> None:
    if a.handle >> 32 != self.gpu_id: raise err(errno.EINVAL, f"handle {a.handle:#x}: no such GPU")
    self._devices(a)
    bo = self._bo(a.handle, errno.ENOMEM)
    if not bo.mapped: raise err(errno.EINVAL, f"buffer at {bo.va:#x} is not mapped (amdgpu_amdkfd_gpuvm_unmap_memory_from_gpu)")
    if bo.queue_refs: raise err(errno.EBUSY, f"buffer at {bo.va:#x} is in use by a queue: destroy the queue first")
    bo.mapped, a.n_success = False, a.n_devices

  def _queue_buffer(self, addr: int, size: int, what: str) -> FakeBO:
    """kfd_queue.c kfd_queue_buffer_get: addr's page begins a GPU mapping of exactly `size` bytes."""
    bo = next((b for b in self.bos.values() if b.mapped and b.va <= addr < b.va + b.size), None)
    if bo is None: raise err(errno.EINVAL, f"{what} at {addr:#x} is in no buffer mapped to the GPU (kfd_queue_buffer_get)")
    if addr // PAGE != bo.va // PAGE or bo.size != align(size, PAGE):
      raise err(errno.EINVAL, f"{what} at {addr:#x}, {size:#x} bytes: it must begin a GPU mapping of exactly that size, "
                              f"not lie in the one at {bo.va:#x}+{bo.size:#x} (kfd_queue_buffer_get)")
    return bo

  def _create_queue(self, a) -> None:
    if a.queue_percentage > MAX_QUEUE_PERCENTAGE: raise err(errno.EINVAL, "queue percentage above 100")
    if a.queue_priority > MAX_QUEUE_PRIORITY: raise err(errno.EINVAL, "queue priority above 15")
    if a.ring_size & (a.ring_size - 1): raise err(errno.EINVAL, f"ring size {a.ring_size} is not a power of 2")
    if a.queue_type != QUEUE_COMPUTE: raise err(errno.EINVAL, f"queue type {a.queue_type}: the fake serves PM4 compute queues")
    self._vm(a.gpu_id)
    if a.ring_base_address % PAGE:
      raise err(errno.EINVAL, f"ring at {a.ring_base_address:#x} is not page-aligned (stricter than KFD, which checks the "
                              f"page only; the CP's ring base register keeps address >> 8 and would start elsewhere)")
    k = self.kernel
    bos = [self._queue_buffer(a.write_pointer_address, PAGE, "write pointer"),
           self._queue_buffer(a.read_pointer_address, PAGE, "read pointer"),
           self._queue_buffer(a.ring_base_address, a.ring_size, "ring")]
    if a.eop_buffer_address:
      if a.eop_buffer_size != k["eop_buffer_size"]:
        raise err(errno.EINVAL, f"EOP buffer of {a.eop_buffer_size:#x} bytes: the node's is {k['eop_buffer_size']:#x} "
                                f"(kfd_queue_acquire_buffers)")
      bos.append(self._queue_buffer(a.eop_buffer_address, a.eop_buffer_size, "EOP buffer"))
    if a.ctl_stack_size != k["ctl_stack_size"]:
      raise err(errno.EINVAL, f"control stack of {a.ctl_stack_size:#x} bytes: the node's is {k['ctl_stack_size']:#x} "
                              f"(kfd_queue_acquire_buffers)")
    if a.ctx_save_restore_size < k["cwsr_size"]:
      raise err(errno.EINVAL, f"context-save size {a.ctx_save_restore_size:#x} is below the node's {k['cwsr_size']:#x} "
                              f"(kfd_queue_acquire_buffers)")
    total = align((a.ctx_save_restore_size + k["debug_memory_size"]) * k["num_xcc"], PAGE)
    bos.append(self._queue_buffer(a.ctx_save_restore_address, total, "context-save area"))
    qid = next(i for i in range(1024) if i not in self.queues)
    for b in bos: b.queue_refs += 1
    self.queue_bos[qid] = bos
    self.queues[qid] = dict(queue_id=qid, gpu_id=self.gpu_id, ring_va=a.ring_base_address, ring_size=a.ring_size,
                            rptr_va=a.read_pointer_address, wptr_va=a.write_pointer_address, eop_va=a.eop_buffer_address,
                            eop_size=a.eop_buffer_size, ctx_save_va=a.ctx_save_restore_address,
                            ctx_save_size=a.ctx_save_restore_size, ctl_stack_size=a.ctl_stack_size, doorbell=qid * 8)
    # kfd_chardev.c: mmap type | gpu_id | (SOC15) the doorbell's byte offset in the process's slice
    a.queue_id, a.doorbell_offset = qid, MMAP_TYPE_DOORBELL | self.gpu_id << MMAP_GPU_ID_SHIFT | qid * 8

  def _destroy_queue(self, a) -> None:
    if a.queue_id not in self.queues: raise err(errno.EINVAL, f"no queue {a.queue_id} (pqm_destroy_queue)")
    for b in self.queue_bos.pop(a.queue_id): b.queue_refs -= 1
    del self.queues[a.queue_id]

  def _create_event(self, a) -> None:
    if a.event_type not in (EVENT_MEMORY, EVENT_HW_EXCEPTION):
      raise err(errno.EINVAL, f"event type {a.event_type}: the fake serves memory and hardware exception events")
    self.events[self.next_event] = a.event_type
    a.event_id, a.event_trigger_data, a.event_slot_index = self.next_event, 0, 0
    self.next_event += 1

  def _destroy_event(self, a) -> None:
    if self.events.pop(a.event_id, None) is None: raise err(errno.EINVAL, f"no event {a.event_id} (kfd_event_destroy)")

  def _wait_events(self, a) -> None:
    if a.num_events and not a.events_ptr: raise err(errno.EFAULT, "events_ptr is NULL")
    evs = (STRUCT["event_data"] * a.num_events).from_address(a.events_ptr) if a.num_events else []
    if (bad := [e.event_id for e in evs if e.event_id not in self.events]): raise err(errno.EINVAL, f"no event(s) {bad}")
    done = False
    for e in evs:
      t = self.events[e.event_id]
      if t == EVENT_MEMORY and (f := self.faults.pop(EVENT_MEMORY, None)):
        e.memory_exception_data.va, e.memory_exception_data.failure.NotPresent = f
        e.memory_exception_data.gpu_id, done = self.gpu_id, True
      elif t == EVENT_HW_EXCEPTION and self.faults.pop(EVENT_HW_EXCEPTION, None):
        e.hw_exception_data.gpu_id, done = self.gpu_id, True
    if not done: time.sleep(min(a.timeout, 1) / 1000)      # nothing else will happen: don't sleep the whole timeout
    a.wait_result = WAIT_COMPLETE if done else WAIT_TIMEOUT
