"""The kfd backend (driver/kfd.py) on the fake KFD (driver/fake_kfd.py) over a stand-in GPU defined here: argument
structs and ioctl numbers against the kernel header, the topology, memory, the queue the kernel is asked for, the
ring, the doorbell, fences, the refusals, and what the fake refuses as KFD would."""
import ctypes, errno, os, shutil, subprocess
import numpy as np
import pytest
from driver import kfd
from driver.backend import Unavailable, DriverError, Buffer
from driver.fake_kfd import FakeHost, kernel_queue_sizes
from driver.kfd import KFDBackend, kfd_ioctl, REQUEST, STRUCT, PAGE, MEM


# ---- a stand-in for driver/simgpu.py: memory, and a CP that walks PM4 type-3 packets and executes only RELEASE_MEM
class StandInMemory:
  def __init__(self): self.blocks, self.next = {}, 0x7F00_0000_0000
  def alloc(self, size, align=4096):
    va = -(-self.next // align) * align
    self.blocks[va] = np.zeros(size, np.uint8)
    self.next = va + -(-size // 4096) * 4096 + (1 << 16)
    return va
  def free(self, va): del self.blocks[va]
  def view(self, va, size):
    start = next(s for s, b in self.blocks.items() if s <= va < s + len(b))
    assert va + size <= start + len(self.blocks[start]), f"{size} bytes at {va:#x} overrun"
    return self.blocks[start][va - start:va - start + size]


class StandInGPU:
  def __init__(self, arch="gfx1100", **props):
    self.arch, self.props, self.memory = arch, {**GPUS[arch], **props}, StandInMemory()
    self.rptr, self.packets, self.queues, self.hang = {}, [], [], False

  def doorbell(self, q):
    self.queues.append(q)
    if self.hang: return
    u64 = lambda va: self.memory.view(va, 8).view(np.uint64)
    ring = self.memory.view(q["ring_va"], q["ring_size"]).view(np.uint32)
    r, w = self.rptr.get(q["queue_id"], 0), int(u64(q["wptr_va"])[0])
    while r < w:
      hdr = int(ring[r % len(ring)])
      assert hdr >> 30 == 3, f"not a type-3 header at dword {r}: {hdr:#x}"
      body = [int(ring[(r + 1 + i) % len(ring)]) for i in range(((hdr >> 16) & 0x3FFF) + 1)]
      self.packets.append((hdr >> 8 & 0xFF, body))
      if hdr >> 8 & 0xFF == 0x49:                   # RELEASE_MEM: DATA_SEL 2 = 64 bits, 1 = the low 32
        addr, value, sel = body[2] | body[3] << 32, body[4] | body[5] << 32, body[1] >> 29
        self.memory.view(addr, 8 if sel == 2 else 4)[:] = np.frombuffer(value.to_bytes(8, "little")[:8 if sel == 2 else 4], np.uint8)
      r += 1 + len(body)
    self.rptr[q["queue_id"]] = r
    u64(q["rptr_va"])[0] = r % len(ring)


# topology properties of the shape KFD reports (sysfs node properties); an RX 7900 XTX's CU counts for gfx1100
GPUS = {
  "gfx1100": dict(gfx_target_version=110000, simd_count=192, simd_per_cu=2, array_count=12, simd_arrays_per_engine=2,
                  cu_per_simd_array=8, max_waves_per_simd=16, num_xcc=1, lds_size_in_kb=64, device_id=0x744C),
  "gfx1200": dict(gfx_target_version=120000, simd_count=64, simd_per_cu=2, array_count=4, simd_arrays_per_engine=2,
                  cu_per_simd_array=8, max_waves_per_simd=16, num_xcc=1, lds_size_in_kb=64, device_id=0x7590),
  "gfx1030": dict(gfx_target_version=100300, simd_count=160, simd_per_cu=2, array_count=8, simd_arrays_per_engine=2,
                  cu_per_simd_array=10, max_waves_per_simd=16, num_xcc=1, lds_size_in_kb=64, device_id=0x73BF),
}


def make(arch="gfx1100", props=None, **host):
  gpu = StandInGPU(arch, **(props or {}))
  fake = FakeHost(gpu, **host)
  return gpu, fake


@pytest.fixture
def dev():
  gpu, fake = make()
  b = KFDBackend(fake)
  yield gpu, fake, b
  b.close()


NOP = lambda n: [3 << 30 | (n - 1) << 16 | 0x10 << 8] + list(range(0xA0, 0xA0 + n))   # PM4 type-3 NOP, n body dwords


# ---- the kernel interface
def test_struct_sizes():
  # sizeof(struct kfd_ioctl_*_args) in include/uapi/linux/kfd_ioctl.h: every member is __u32 or __u64, naturally
  # aligned, no padding but the explicit pads; create_queue is 96 since 1.17 (sdma_engine_id + pad), 88 before
  want = {"get_version": 8, "create_queue": 96, "destroy_queue": 8, "process_device_apertures": 56,
          "get_process_apertures_new": 16, "acquire_vm": 8, "alloc_memory_of_gpu": 40, "free_memory_of_gpu": 8,
          "map_memory_to_gpu": 24, "unmap_memory_from_gpu": 24, "create_event": 32, "destroy_event": 8,
          "memory_exception_data": 32, "hw_exception_data": 16, "event_data": 48, "wait_events": 24}
  assert {k: ctypes.sizeof(STRUCT[k]) for k in want} == want
  # offsets the kernel and we must agree on beyond sizes
  assert STRUCT["create_queue"].eop_buffer_address.offset == 56 and STRUCT["create_queue"].ctl_stack_size.offset == 84
  assert STRUCT["event_data"].event_id.offset == 40 and STRUCT["memory_exception_data"].va.offset == 16


def test_request_numbers():
  # AMDKFD_IOC_* = _IOC(dir, 'K' = 0x4B, nr, size): dir << 30 | size << 16 | 0x4B << 8 | nr, _IOC_WRITE 1, _IOC_READ 2
  want = {"GET_VERSION": 0x80084B01, "CREATE_QUEUE": 0xC0604B02, "DESTROY_QUEUE": 0xC0084B03, "CREATE_EVENT": 0xC0204B08,
          "DESTROY_EVENT": 0x40084B09, "WAIT_EVENTS": 0xC0184B0C, "GET_PROCESS_APERTURES_NEW": 0xC0104B14,
          "ACQUIRE_VM": 0x40084B15, "ALLOC_MEMORY_OF_GPU": 0xC0284B16, "FREE_MEMORY_OF_GPU": 0x40084B17,
          "MAP_MEMORY_TO_GPU": 0xC0184B18, "UNMAP_MEMORY_FROM_GPU": 0xC0184B19}
  assert REQUEST == want


@pytest.mark.skipif(not (shutil.which("gcc") and os.path.exists("/usr/include/linux/kfd_ioctl.h")),
                    reason="needs gcc and the kernel's uapi headers (linux-libc-dev)")
def test_against_installed_header(tmp_path):
  """The same sizes and numbers from the header this machine has, compiled (whatever its KFD version)."""
  (tmp_path / "drm").mkdir()
  (tmp_path / "drm" / "drm.h").write_text("#include <linux/types.h>\n")    # kfd_ioctl.h needs only its __u32/__u64
  names = {"GET_VERSION": "get_version", "CREATE_QUEUE": "create_queue", "DESTROY_QUEUE": "destroy_queue",
           "CREATE_EVENT": "create_event", "DESTROY_EVENT": "destroy_event", "WAIT_EVENTS": "wait_events",
           "GET_PROCESS_APERTURES_NEW": "get_process_apertures_new", "ACQUIRE_VM": "acquire_vm",
           "ALLOC_MEMORY_OF_GPU": "alloc_memory_of_gpu", "FREE_MEMORY_OF_GPU": "free_memory_of_gpu",
           "MAP_MEMORY_TO_GPU": "map_memory_to_gpu", "UNMAP_MEMORY_FROM_GPU": "unmap_memory_from_gpu"}
  body = "".join(f'printf("{n} %zu %lu\\n", sizeof(struct kfd_ioctl_{s}_args), (unsigned long)AMDKFD_IOC_{n});' for n, s in names.items())
  (tmp_path / "k.c").write_text("#include <stdio.h>\n#include <linux/kfd_ioctl.h>\nint main(){" + body +
                                'printf("MINOR %d\\n", KFD_IOCTL_MINOR_VERSION);}\n')
  subprocess.run(["gcc", f"-I{tmp_path}", str(tmp_path / "k.c"), "-o", str(tmp_path / "k")], check=True)
  got = {l.split()[0]: [int(x) for x in l.split()[1:]] for l in subprocess.run([str(tmp_path / "k")], capture_output=True,
                                                                               text=True, check=True).stdout.splitlines()}
  minor = got.pop("MINOR")[0]
  for n, (size, req) in got.items():
    ours = ctypes.sizeof(STRUCT[names[n]])
    if n == "CREATE_QUEUE" and minor < 17: ours = 88          # before 1.17 the struct ended at ctl_stack_size
    assert (size, req) == (ours, kfd.ioc(kfd.IOCTLS[n][1], kfd.IOCTLS[n][0], ours)), n


def test_arch_and_properties():
  assert [kfd.arch_of(v) for v in (110000, 110001, 120001, 90402, 90010)] == ["gfx1100", "gfx1101", "gfx1201", "gfx942", "gfx90a"]
  assert kfd.parse_properties("simd_count 192\ngfx_target_version 110000\nbad line here\n") == {"simd_count": 192,
                                                                                                 "gfx_target_version": 110000}


# ---- open, the GPU, the queue
def test_open_finds_the_gpu(dev):
  gpu, fake, b = dev
  assert (b.arch, b.gpu_id, b.version, b.power_level) == ("gfx1100", fake.gpu_id, (1, 17), "profile_standard")
  assert b.node.index == 1 and b.node.cus == 96 and b.aperture == (1 << 21, (1 << 47) - 1)
  names = [n for n, _ in fake.calls]
  assert names[:6] == ["GET_VERSION", "ACQUIRE_VM", "GET_PROCESS_APERTURES_NEW", "GET_PROCESS_APERTURES_NEW",
                       "CREATE_EVENT", "CREATE_EVENT"] and names[-1] == "CREATE_QUEUE"
  assert dict(fake.calls)["ACQUIRE_VM"]["drm_fd"] == fake.vm_fd and fake.fds[fake.vm_fd] == "render"
  assert "gfx1100" in b.describe() and "KFD 1.17" in b.describe()


@pytest.mark.parametrize("arch, ctl, cwsr, debug, total", [
  # kfd_queue.c: CUs = simd_count / simd_per_cu; waves = CUs * 32 (gfx10.1+); control stack = page-align(40 + 12 * waves
  # + 8); per CU 0x60000 VGPR (gfx1100, gfx1200) + 0x4000 SGPR + 0x10000 LDS + 0x1000 HWREG; debug = align64(32 * waves)
  ("gfx1100", 0xA000, 0xA000 + 96 * 0x75000, 96 * 32 * 32, 0x2C02000),     # 96 CUs, 3072 waves
  ("gfx1200", 0x4000, 0x4000 + 32 * 0x75000, 32 * 32 * 32, 0xEAC000),      # 32 CUs, 1024 waves
])
@pytest.mark.parametrize("export", [True, False])
def test_queue_creation_args(arch, ctl, cwsr, debug, total, export):
  gpu, fake = make(arch, export_cwsr=export)
  with KFDBackend(fake, ring_size=1 << 16) as b:
    assert kernel_queue_sizes(fake.props) == dict(eop_buffer_size=4096, ctl_stack_size=ctl, cwsr_size=cwsr,
                                                  debug_memory_size=debug, num_xcc=1)
    assert ("cwsr_size" in fake.read_text(f"{kfd.TOPOLOGY}/1/properties")) == export
    q = dict(fake.calls)["CREATE_QUEUE"]
    assert (q["queue_type"], q["queue_percentage"], q["queue_priority"], q["gpu_id"]) == (0, 100, 7, fake.gpu_id)
    assert (q["ring_size"], q["eop_buffer_size"], q["ctl_stack_size"], q["ctx_save_restore_size"]) == (1 << 16, 4096, ctl, cwsr)
    assert total == -(-(cwsr + debug) // PAGE) * PAGE
    by_va = {bo.va: bo for bo in fake.bos.values()}
    ring, eop, ctx = by_va[q["ring_base_address"]], by_va[q["eop_buffer_address"]], by_va[q["ctx_save_restore_address"]]
    assert (ring.size, eop.size, ctx.size) == (1 << 16, 4096, total)
    assert ring.flags & MEM["GTT"] and eop.flags & MEM["VRAM"] and ctx.flags & MEM["VRAM"] and not ctx.flags & MEM["PUBLIC"]
    rp, wp = q["read_pointer_address"], q["write_pointer_address"]      # one page, apart: [queue] kfd_queue_buffer_get
    assert rp // PAGE == wp // PAGE and rp != wp and by_va[rp // PAGE * PAGE].size == PAGE
    assert all(bo.mapped and bo.queue_refs for bo in (ring, eop, ctx))
    # the doorbell: mmap type 3 | gpu_id << 46 from the offset KFD returned, the slice mapped whole
    assert q["ring_base_address"] == b.ring.va and b.doorbell_offset >> 62 == 3 and b.doorbell_offset >> 46 & 0xFFFF == fake.gpu_id
    assert fake.cpu_maps[id(fake.doorbell_page)] == "doorbell"


# ---- memory
def test_alloc_map_free(dev):
  gpu, fake, b = dev
  v, g, x = b.alloc(10_000), b.alloc(100, "gtt"), b.alloc(256, executable=True)
  assert isinstance(v, Buffer) and (v.size, len(v.view), v.kind, g.kind) == (10_000, 10_000, "vram", "gtt")
  assert v.va % PAGE == 0 and b.aperture[0] <= v.va < b.aperture[1]
  bos = {bo.va: bo for bo in fake.bos.values()}
  assert bos[v.va].size == 3 * PAGE and bos[v.va].mapped and bos[v.va].flags & MEM["VRAM"] and bos[v.va].flags & MEM["PUBLIC"]
  assert bos[g.va].flags & MEM["GTT"] and not bos[g.va].flags & MEM["EXECUTABLE"] and bos[x.va].flags & MEM["EXECUTABLE"]
  v.view[:4] = [1, 2, 3, 4]                                          # the CPU's writes are the GPU's memory
  assert list(gpu.memory.view(v.va, 4)) == [1, 2, 3, 4]
  gpu.memory.view(g.va + 96, 4)[:] = 7                               # and the reverse
  assert list(g.view[96:]) == [7, 7, 7, 7]
  n, reserved = len(fake.bos), len(fake.reserved)
  b.free(v)
  assert len(fake.bos) == n - 1 and len(fake.reserved) == reserved - 1 and len(v.view) == 0
  assert [c for c, _ in fake.calls[-2:]] == ["UNMAP_MEMORY_FROM_GPU", "FREE_MEMORY_OF_GPU"]
  with pytest.raises(ValueError, match="not a live allocation"): b.free(v)
  with pytest.raises(ValueError, match="allocates vram, gtt"): b.alloc(64, "userptr")
  with pytest.raises(ValueError): b.alloc(0)


def test_small_bar():
  gpu, fake = make(large_bar=False)
  with KFDBackend(fake) as b:                                        # the queue's VRAM is not CPU-visible: it opens
    with pytest.raises(DriverError, match="large BAR"): b.alloc(4096)
    assert len(b.alloc(4096, "gtt").view) == 4096


# ---- submit, doorbell, fences
def test_submit_rings_the_doorbell(dev):
  gpu, fake, b = dev
  f = b.submit(np.array(NOP(3), np.uint32))
  assert f == 1
  fence = kfd.release_mem_fence("gfx1100")(b.signal.va, 1)
  assert list(b.ring_words[:12]) == NOP(3) + fence                    # the words, then the fence, from the ring's start
  assert int(gpu.memory.view(b.ptrs.va + kfd.WPTR, 8).view(np.uint64)[0]) == 12 == b.wptr
  assert fake.rings == [(b.queue_id, 12)]
  assert int(fake.doorbell_page[b.doorbell_slot:b.doorbell_slot + 8].view(np.uint64)[0]) == 12
  q = gpu.queues[-1]
  assert (q["ring_va"], q["wptr_va"], q["rptr_va"], q["queue_id"]) == (b.ring.va, b.ptrs.va + kfd.WPTR, b.ptrs.va + kfd.RPTR, b.queue_id)
  assert gpu.packets == [(0x10, NOP(3)[1:]), (0x49, fence[1:])]
  b.wait(f, timeout_s=1)
  assert b.signaled() == 1 and b.inflight == [] and b.retired == 12
  f2 = b.submit(NOP(1))
  b.wait(f2)
  assert fake.rings[-1] == (b.queue_id, 22) and b.signaled() == 2
  with pytest.raises(ValueError, match="never submitted"): b.wait(3)


def test_ring_wraps_and_waits_for_room():
  gpu, fake = make()
  with KFDBackend(fake, ring_size=PAGE) as b:                        # 1024 dwords
    sent = [NOP(n) for n in range(40, 120, 7) for _ in range(3)]
    fences = [b.submit(w) for w in sent]                             # 30 submits of 48..127 dwords: the ring wraps
    assert b.wptr > 2 * b.ring_dwords
    b.wait(fences[-1])
    got = [(op, body) for op, body in gpu.packets if op == 0x10]
    assert got == [(0x10, w[1:]) for w in sent]                      # every packet whole, in order, across the wrap
    assert [v for op, v in gpu.packets if op == 0x49] == [kfd.release_mem_fence("gfx1100")(b.signal.va, f)[1:] for f in fences]
    with pytest.raises(ValueError, match="do not fit"): b.submit(NOP(1020))
    with pytest.raises(ValueError, match="32-bit"): b.submit([1 << 32])


def test_wait_times_out():
  gpu, fake = make()
  with KFDBackend(fake) as b:
    gpu.hang = True
    f = b.submit(NOP(2))
    with pytest.raises(TimeoutError, match=r"fence 1 on gfx1100 queue 0: the signal at 0x[0-9a-f]+ holds 0") as e:
      b.wait(f, timeout_s=0.05)
    assert "write pointer 11 dwords" in str(e.value)
    gpu.hang = False
    b.submit(NOP(2))                                                 # the next doorbell runs both
    b.wait(f, 1); b.wait(f + 1, 1)


def test_gpu_fault_is_reported():
  gpu, fake = make()
  with KFDBackend(fake) as b:
    gpu.hang = True
    f = b.submit(NOP(1))
    fake.memory_fault(0xDEAD000)
    with pytest.raises(kfd.GPUFault, match="memory fault at 0xdead000"): b.wait(f, 5)
    fake.hw_exception()
    with pytest.raises(kfd.GPUFault, match="hardware exception"): b.wait(f, 5)


def test_fence_packet():
  p = kfd.release_mem_fence("gfx1100")(0x1234_5678_9ABC_DEF0 & ~7, 0x1_0000_0002)
  assert p[0] == 0xC0064902                                          # type 3, count 6 (8 dwords), RELEASE_MEM, compute
  assert p[1] & 0x3F == 0x14 and p[1] >> 8 & 0xF == 5                # CACHE_FLUSH_AND_INV_TS_EVENT at end of pipe
  assert p[2] >> 29 == 2 and p[3:] == [0x9ABC_DEF0 & ~7, 0x1234_5678, 2, 1, 0]
  assert kfd.release_mem_fence("gfx942")(8, 1)[1] & 0x3F == 0x14
  with pytest.raises(ValueError, match="8-aligned"): kfd.release_mem_fence("gfx1200")(4, 1)
  pm4 = pytest.importorskip("driver.pm4")                          # the same packet as the driver's PM4 builder makes
  for gen, arch, cache in (("gfx11", "gfx1100", dict(glv_inv=1, gl1_inv=1, gl2_inv=1, glm_wb=1, glm_inv=1, gl2_wb=1, seq=1)),
                           ("gfx12", "gfx1200", dict(gcr_cntl=0x600, temporal=3)),
                           ("gfx9.4.3", "gfx942", dict(tc_wb_action_ena=1, tc_nc_action_ena=1))):
    s = pm4.Stream(gen).release_mem("CACHE_FLUSH_AND_INV_TS_EVENT", address=0x7F00_0000_1000, data=7, data_sel="DATA64", **cache)
    assert s.tolist() == kfd.release_mem_fence(arch)(0x7F00_0000_1000, 7), gen
  gpu, fake = make()
  seen = []
  with KFDBackend(fake, fence_packet=lambda a, v: seen.append((a, v)) or kfd.release_mem_fence("gfx1100")(a, v)) as b:
    b.wait(b.submit(NOP(1)))
    assert seen == [(b.signal.va, 1)]


# ---- refusals
def test_refusals():
  gpu, fake = make(has_kfd=False)
  with pytest.raises(Unavailable, match=r"no /dev/kfd: is the amdgpu driver loaded"): KFDBackend(fake)
  gpu, fake = make(kfd_access=False)
  with pytest.raises(Unavailable, match=r"cannot open /dev/kfd \(Permission denied\): add yourself to the render group"):
    KFDBackend(fake)
  gpu, fake = make("gfx1030")
  with pytest.raises(Unavailable, match=r"GPU 0 is gfx1030, which this driver does not program \(it programs gfx1100, .*gfx942\); "
                                        r"found: node 1: gfx1030 \(gpu_id \d+, 80 CUs, PCI device 0x73bf"):
    KFDBackend(fake)
  assert fake.fds == {}                                              # what was opened is closed again
  gpu, fake = make()
  with pytest.raises(Unavailable, match=r"no GPU 1: the KFD topology has 1: node 1: gfx1100"): KFDBackend(fake, gpu_index=1)
  gpu, fake = make(version=(1, 11))
  with pytest.raises(Unavailable, match=r"KFD interface 1.11: this driver needs 1.14"): KFDBackend(fake)
  gpu, fake = make(props={"num_xcc": 6})
  with pytest.raises(Unavailable, match="6 XCCs"): KFDBackend(fake)


def test_profiling_power_state():
  gpu, fake = make(power_level="auto")
  path = "/sys/class/drm/card1/device/power_dpm_force_performance_level"
  with pytest.raises(Unavailable, match=rf"its power level is 'auto', not a profiling one; SQ thread traces need fixed clocks\. "
                                        rf"Set them with `echo profile_standard \| sudo tee {path}`.*allow_unprofiled=True"):
    KFDBackend(fake)
  assert fake.fds == {} and not any(n == "ACQUIRE_VM" for n, _ in fake.calls)   # refused before touching the GPU
  with KFDBackend(fake, allow_unprofiled=True) as b: assert b.power_level == "auto"
  for level in ("profile_peak", "profile_min_sclk"):
    assert kfd.check_profiling(make(power_level=level)[1], kfd.select_gpu(make()[1])) == level
  gpu, fake = make(power_level=None)
  with pytest.raises(Unavailable, match=rf"{path} cannot be read"): KFDBackend(fake)


def test_supported_gpus():
  assert [g.arch for g in kfd.supported_gpus(make()[1])] == ["gfx1100"]
  assert kfd.supported_gpus(make("gfx1030")[1]) == [] and kfd.supported_gpus(make(has_kfd=False)[1]) == []


# ---- the fake refuses what KFD refuses
def raw(fake):
  """/dev/kfd and the render node open, the VM acquired: the kernel's state before a backend allocates anything."""
  k, r = fake.open("/dev/kfd"), fake.open(fake.render)
  kfd_ioctl(fake, k, "ACQUIRE_VM", drm_fd=r, gpu_id=fake.gpu_id)
  def bo(size, fl=kfd.QUEUE_HOST, map=True):
    va = fake.reserve_va(size)
    a = kfd_ioctl(fake, k, "ALLOC_MEMORY_OF_GPU", va_addr=va, size=size, gpu_id=fake.gpu_id, flags=fl)
    if map:
      ids = (ctypes.c_uint32 * 1)(fake.gpu_id)
      kfd_ioctl(fake, k, "MAP_MEMORY_TO_GPU", handle=a.handle, device_ids_array_ptr=ctypes.addressof(ids), n_devices=1)
    return va, a.handle, ids if map else None
  return k, r, bo


def errno_of(f, *a, **kw):
  with pytest.raises(OSError) as e: f(*a, **kw)
  return e.value.errno


def test_fake_rejects_like_kfd():
  gpu, fake = make()
  k = fake.open("/dev/kfd")
  va = fake.reserve_va(PAGE)
  assert errno_of(kfd_ioctl, fake, k, "ALLOC_MEMORY_OF_GPU", va_addr=va, size=PAGE, gpu_id=fake.gpu_id,
                  flags=kfd.QUEUE_HOST) == errno.EINVAL                             # no VM acquired yet
  k, r, bo = raw(fake)
  v = kfd.STRUCT["get_version"]()
  assert errno_of(fake.ioctl, k, kfd.ioc("R", 0x01, 4), v) == errno.EINVAL         # a size the header does not have
  assert errno_of(fake.ioctl, k, kfd.ioc("W", 0x01, 8), v) == errno.EINVAL         # the wrong direction
  assert errno_of(fake.ioctl, r, REQUEST["GET_VERSION"], v) == errno.ENOTTY         # not /dev/kfd
  assert errno_of(kfd_ioctl, fake, k, "FREE_MEMORY_OF_GPU", handle=fake.gpu_id << 32 | 999) == errno.EINVAL
  ids = (ctypes.c_uint32 * 1)(fake.gpu_id)
  assert errno_of(kfd_ioctl, fake, k, "MAP_MEMORY_TO_GPU", handle=fake.gpu_id << 32 | 999,
                  device_ids_array_ptr=ctypes.addressof(ids), n_devices=1) == errno.ENOMEM   # as kfd_chardev.c answers
  va, h, _ = bo(PAGE)
  assert errno_of(kfd_ioctl, fake, k, "FREE_MEMORY_OF_GPU", handle=h) == errno.EBUSY      # still mapped
  assert errno_of(fake.release_va, va, PAGE) == errno.EBUSY
  odd = fake.reserve_va(2 * PAGE)
  assert errno_of(kfd_ioctl, fake, k, "ALLOC_MEMORY_OF_GPU", va_addr=odd + 8, size=PAGE, gpu_id=fake.gpu_id,
                  flags=kfd.QUEUE_HOST) == errno.EINVAL                             # not page-aligned
  assert errno_of(kfd_ioctl, fake, k, "ALLOC_MEMORY_OF_GPU", va_addr=va, size=PAGE, gpu_id=fake.gpu_id,
                  flags=kfd.QUEUE_HOST) == errno.EINVAL                             # overlaps a buffer
  assert errno_of(kfd_ioctl, fake, k, "ALLOC_MEMORY_OF_GPU", va_addr=odd, size=PAGE, gpu_id=fake.gpu_id,
                  flags=MEM["GTT"] | MEM["VRAM"]) == errno.EINVAL                   # two memory domains
  vram, vh, _ = bo(PAGE, kfd.QUEUE_VRAM)
  off = next(b.mmap_offset for b in fake.bos.values() if b.va == vram)
  assert errno_of(fake.mmap, r, PAGE, off) == errno.EPERM                           # VRAM without PUBLIC
  assert errno_of(fake.mmap, k, 4 * PAGE, kfd.MMAP_TYPE_DOORBELL | fake.gpu_id << 46) == errno.EINVAL   # not the slice


def test_fake_checks_queue_buffers():
  gpu, fake = make()
  k, r, bo = raw(fake)
  s = kfd.queue_sizes(fake.props)
  ptrs, ring, eop, ctx = bo(PAGE)[0], bo(1 << 16)[0], bo(s.eop, kfd.QUEUE_VRAM)[0], bo(s.cwsr_total, kfd.QUEUE_VRAM)[0]
  unmapped = bo(1 << 16, map=False)[0]
  good = dict(ring_base_address=ring, ring_size=1 << 16, gpu_id=fake.gpu_id, queue_percentage=100, queue_priority=7,
              write_pointer_address=ptrs + 64, read_pointer_address=ptrs, eop_buffer_address=eop, eop_buffer_size=s.eop,
              ctx_save_restore_address=ctx, ctx_save_restore_size=s.cwsr, ctl_stack_size=s.ctl_stack)
  q = lambda **kw: errno_of(kfd_ioctl, fake, k, "CREATE_QUEUE", **{**good, **kw})
  assert q(ring_base_address=unmapped) == errno.EINVAL                              # not mapped to the GPU
  assert q(ring_base_address=ring + 256) == errno.EINVAL                            # not page-aligned (stricter)
  assert q(ring_size=3 << 14) == errno.EINVAL                                       # not a power of two
  assert q(ring_size=1 << 15) == errno.EINVAL                                       # not the ring buffer's size
  assert q(eop_buffer_size=2 * s.eop) == errno.EINVAL
  assert q(ctl_stack_size=s.ctl_stack + PAGE) == errno.EINVAL
  assert q(ctx_save_restore_size=s.cwsr - PAGE) == errno.EINVAL
  assert q(ctx_save_restore_size=s.cwsr + PAGE) == errno.EINVAL                     # larger: then the buffer is too small
  assert q(write_pointer_address=ring) == errno.EINVAL                              # not a one-page buffer
  assert q(queue_priority=16) == errno.EINVAL and q(queue_percentage=101) == errno.EINVAL
  a = kfd_ioctl(fake, k, "CREATE_QUEUE", **good)
  h = next(idr for idr, b in fake.bos.items() if b.va == ring) | fake.gpu_id << 32
  ids = (ctypes.c_uint32 * 1)(fake.gpu_id)
  assert errno_of(kfd_ioctl, fake, k, "UNMAP_MEMORY_FROM_GPU", handle=h, device_ids_array_ptr=ctypes.addressof(ids),
                  n_devices=1) == errno.EBUSY                                       # the queue uses it
  db = fake.mmap(k, kfd.DOORBELL_SLICE, a.doorbell_offset & ~(kfd.DOORBELL_SLICE - 1))
  with pytest.raises(RuntimeError, match="write pointer in memory says 0"): fake.doorbell(db, a.doorbell_offset & 0x1FFF, 5)
  with pytest.raises(RuntimeError, match="belongs to no queue"): fake.doorbell(db, 0x100, 0)
  kfd_ioctl(fake, k, "DESTROY_QUEUE", queue_id=a.queue_id)
  assert errno_of(kfd_ioctl, fake, k, "DESTROY_QUEUE", queue_id=a.queue_id) == errno.EINVAL
  kfd_ioctl(fake, k, "UNMAP_MEMORY_FROM_GPU", handle=h, device_ids_array_ptr=ctypes.addressof(ids), n_devices=1)


def test_close_releases_everything():
  gpu, fake = make()
  b = KFDBackend(fake)
  b.alloc(100); b.alloc(5000, "gtt")
  b.wait(b.submit(NOP(4)))
  b.close()
  assert (fake.bos, fake.reserved, fake.queues, fake.events, fake.fds, fake.cpu_maps) == ({}, {}, {}, {}, {}, {})
  assert gpu.memory.blocks == {}
  b.close()                                                          # twice is harmless


# ---- the real host's own calls, on any Linux (no GPU: a memfd stands in for the device file)
def test_real_host_maps_at_the_reserved_address():
  h = kfd.RealHost()
  fd = os.memfd_create("kfd-test")
  try:
    os.ftruncate(fd, 2 * PAGE)
    va = h.reserve_va(2 * PAGE, 1 << 16)
    assert va % (1 << 16) == 0
    m = h.mmap(fd, 2 * PAGE, 0, addr=va)
    assert ctypes.addressof(m) == va
    h.doorbell(m, 8, 0x1122334455667788)
    assert np.frombuffer(m, np.uint64)[1] == 0x1122334455667788 and os.pread(fd, 8, 8) == (0x1122334455667788).to_bytes(8, "little")
    h.munmap(m); h.release_va(va, 2 * PAGE)
    with pytest.raises(OSError, match="AMDKFD_IOC_GET_VERSION failed") as e: kfd_ioctl(h, fd, "GET_VERSION")
    assert e.value.errno == errno.ENOTTY
  finally: os.close(fd)
