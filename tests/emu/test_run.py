"""emu.run end to end on kernels compiled here: start state, results against numpy, the trace it writes read back by
the project's own decoder and mapper, the capture it saves opened by the viewer, and each kind of bad input."""
from __future__ import annotations
import numpy as np
import pytest
from emu import run, EmuError
from sqtt import decode
from sqtt.mapping import W_ENDED, map_buffer, program_tables
from sqtt.packets import arch_layout
from isa.cfg import build_cfg
from isa.decode import Disassembler
from tests.llvm_oracle import compile_cl, have_llvm

ARCHS = ("gfx1100", "gfx1200")
pytestmark = pytest.mark.skipif(not have_llvm(), reason="clang-19 not installed")


def build(tmp_path_factory, src: str, arch: str, opt: str = "-O3", flags: tuple[str, ...] = ()):
  d = tmp_path_factory.mktemp("cl")
  f = d / "k.cl"
  f.write_text(src)
  return compile_cl(f, arch, opt, extra_flags=flags)


def round_trip(r) -> dict:
  """Decode and map the run's trace as viz does: every traced wave must come back with exactly its pcs, every wave
  must start and end, nothing may be unmapped. Returns totals. Code with calls (s_swappc/s_setpc) is the exception the
  trace cannot express: the packets carry no pc, so the mapper loses a wave at its first indirect jump; there its
  pcs must match up to that jump and the rest of its packets count as lost, nothing else."""
  if any(i.flow in ("call", "indirect") for i in r.instructions): return _round_trip_indirect(r)
  prog = _program(r)
  traced, waves = 0, 0
  for se, blob in enumerate(r.traces):
    p = decode(blob, r.arch)
    assert p.error is None
    m = map_buffer(blob, r.arch, prog, 0)
    c = m.counts
    assert m.unmapped == 0 and c["lost_waves"] == 0 and c["other_simd"] == 0 and not m.problems, c
    mine = [w for w in r.waves if w.se == se]
    assert m.n_waves == len(mine) and (m.w_status == W_ENDED).all()
    waves += len(mine)
    at = {(int(s), int(cu), int(sd), int(sl)): i for i, (s, cu, sd, sl) in enumerate(zip(m.w_start, m.w_cu, m.w_simd, m.w_slot))}
    for w in mine:
      i = at[(w.start, w.cu, w.simd, w.slot)]
      if w.traced and m.w_traced[i]:
        traced += 1
        assert np.array_equal(m.program.pc[m.ev_inst[m.ev_wave == i]], w.pcs)
  assert waves == len(r.waves)
  return {"waves": waves, "traced": traced}


ELEMENTWISE = """
#define LX __builtin_amdgcn_workitem_id_x()
#define LY __builtin_amdgcn_workitem_id_y()
#define GX __builtin_amdgcn_workgroup_id_x()
#define GY __builtin_amdgcn_workgroup_id_y()
#define SX __builtin_amdgcn_workgroup_size_x()
#define SY __builtin_amdgcn_workgroup_size_y()
#define BARRIER() do { __builtin_amdgcn_fence(__ATOMIC_RELEASE, "workgroup"); __builtin_amdgcn_s_barrier(); \
                       __builtin_amdgcn_fence(__ATOMIC_ACQUIRE, "workgroup"); } while (0)
__kernel void saxpy(__global float *y, __global const float *x, float a, int n) {
  int i = GX * SX + LX;
  if (i < n) y[i] = a * x[i] + y[i];
}
__kernel void iota(__global uint *out, uint width) {
  uint x = GX * SX + LX, y = GY * SY + LY;
  out[x + y * width] = LX | LY << 8 | GX << 16 | GY << 24;
}
__kernel void lds_reverse(__global int *out, __global const int *in) {
  __local int tile[256];
  int l = LX, g = GX;
  tile[l] = in[g * 256 + l];
  BARRIER();
  out[g * 256 + l] = tile[255 - l];
}
__kernel void spin(__global volatile int *flag) { while (*flag) {} }
__kernel void oob(__global int *out) { out[(GX * SX + LX) * 1000] = 1; }
"""


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("opt", ["-O3", "-O0"])
def test_saxpy(tmp_path_factory, arch, opt):
  code = build(tmp_path_factory, ELEMENTWISE, arch, opt)
  rng = np.random.default_rng(1)
  n = 1000
  x, y = rng.standard_normal(1024).astype(np.float32), rng.standard_normal(1024).astype(np.float32)
  y0 = y.copy()
  r = run(code, "saxpy", grid=16, block=64, args=(y, x, np.float32(1.5), n))
  ref = y0.copy()
  ref[:n] = (np.float64(1.5) * x[:n] + y0[:n]).astype(np.float32)    # fma: one rounding of the exact result
  assert np.array_equal(y.view(np.uint32), ref.view(np.uint32))
  assert len(r.waves) == 16 * 64 // (32 if arch != "gfx942" else 64) and r.cycles > 0
  t = round_trip(r)
  assert t["traced"] > 0


@pytest.mark.parametrize("arch", ARCHS)
def test_start_state_2d(tmp_path_factory, arch):
  """Work-item and workgroup ids in two dimensions (packed v0, workgroup-id SGPRs, v5 hidden group sizes)."""
  code = build(tmp_path_factory, ELEMENTWISE, arch)
  out = np.zeros((6 * 4) * (3 * 8), np.uint32)
  run(code, "iota", grid=(6, 3), block=(4, 8), args=(out, 24))
  gx, gy = np.meshgrid(np.arange(24), np.arange(24), indexing="xy")
  ref = (gx % 4) | (gy % 8) << 8 | (gx // 4) << 16 | (gy // 8) << 24
  assert np.array_equal(out.reshape(24, 24), ref.astype(np.uint32))


@pytest.mark.parametrize("arch", ARCHS)
def test_lds_and_barrier(tmp_path_factory, arch):
  code = build(tmp_path_factory, ELEMENTWISE, arch)
  inp = np.arange(4 * 256, dtype=np.int32) * 7
  out = np.zeros_like(inp)
  r = run(code, "lds_reverse", grid=4, block=256, args=(out, inp))
  assert np.array_equal(out.reshape(4, 256), inp.reshape(4, 256)[:, ::-1])
  round_trip(r)


def test_capture_opens_in_the_viewer(tmp_path_factory, tmp_path):
  from viz.api import Workspace, route
  code = build(tmp_path_factory, ELEMENTWISE, "gfx1100")
  y, x = np.ones(4096, np.float32), np.ones(4096, np.float32)
  r = run(code, "saxpy", grid=64, block=64, args=(y, x, np.float32(2), 4096))
  path = r.save(tmp_path / "saxpy.amdviz")
  ws = Workspace.open(str(path))
  kernels = route(ws, "/api/kernels")
  k = next(k for k in kernels["kernels"] if k["name"] == "saxpy")
  t = route(ws, f"/api/kernels/{k['id']}/timing")
  assert t["coverage"]["unmapped"] == 0 and t["coverage"]["lost_waves"] == 0
  assert t["coverage"]["waves_started"] == len(r.waves) == t["coverage"]["waves_ended"]
  assert t["waves"] == sum(w.traced for w in r.waves)


@pytest.mark.parametrize("arch", ARCHS)
def test_bad_input_names_the_wave_and_pc(tmp_path_factory, arch):
  code = build(tmp_path_factory, ELEMENTWISE, arch)
  with pytest.raises(EmuError, match=r"wave \d+ at pc 0x[0-9a-f]+ \(global_store_b32.*outside every buffer"):
    run(code, "oob", grid=1, block=32, args=(np.zeros(64, np.int32),))
  with pytest.raises(EmuError, match=r"ran 5000 instructions without ending"):
    run(code, "spin", grid=1, block=32, args=(np.ones(1, np.int32),), max_instructions=5000)
  with pytest.raises(ValueError, match=r"saxpy takes 4 arguments"):
    run(code, "saxpy", args=(np.zeros(4, np.float32),))
  with pytest.raises(ValueError, match=r"no kernel 'nope'"):
    run(code, "nope")


def _program(r):
  """The walker's tables for the run's code, built the way viz builds them."""
  insts, d = r.instructions, Disassembler(r.arch)
  encs = [(e.name if (e := d.encoding_of(i.words[0])) else None) for i in insts]
  return program_tables(insts, build_cfg(insts, r.entry_pc), r.entry_pc, arch_layout(r.arch), encs)


def _round_trip_indirect(r) -> dict:
  prog = _program(r)
  jumps = {i.pc for i in r.instructions if i.flow in ("call", "indirect")}
  traced = 0
  for se, blob in enumerate(r.traces):
    m = map_buffer(blob, r.arch, prog, 0)
    mine = [w for w in r.waves if w.se == se]
    assert m.n_waves == len(mine) and m.counts["other_simd"] == 0
    at = {(int(s), int(cu), int(sd), int(sl)): i for i, (s, cu, sd, sl) in enumerate(zip(m.w_start, m.w_cu, m.w_simd, m.w_slot))}
    for w in mine:
      i = at[(w.start, w.cu, w.simd, w.slot)]
      assert m.w_end[i] == w.end
      if not w.traced: continue
      traced += 1
      first = next((k for k, pc in enumerate(w.pcs) if int(pc) in jumps), len(w.pcs) - 1)
      got = m.program.pc[m.ev_inst[m.ev_wave == i]]
      assert np.array_equal(got[:first + 1], w.pcs[:first + 1])
  return {"waves": len(r.waves), "traced": traced}


BAD = """
#define LX __builtin_amdgcn_workitem_id_x()
__kernel void trap(__global int *out) { if (LX == 3) __asm__ volatile("s_trap 2"); out[LX] = 1; }
#if defined(__gfx1200__) || defined(__gfx1201__)
#define BAR "s_barrier_signal -1\\n s_barrier_wait -1"
#else
#define BAR "s_barrier"
#endif
__kernel void split_barrier(__global int *out) {
  if (LX < 32) __asm__ volatile(BAR); else __asm__ volatile("s_nop 0\\n " BAR);
  out[LX] = 2;
}
__kernel void illegal(__global int *out) { __asm__ volatile("v_illegal"); out[LX] = 3; }
"""


@pytest.mark.parametrize("arch", ARCHS)
def test_each_kind_of_bad_code_names_the_wave_and_pc(tmp_path_factory, arch):
  code = build(tmp_path_factory, BAD, arch)
  with pytest.raises(EmuError, match=r"wave 0 at pc 0x[0-9a-f]+ \(s_trap 2\): the kernel executed s_trap 2"):
    run(code, "trap", grid=1, block=32, args=(np.zeros(32, np.int32),))
  with pytest.raises(EmuError, match=r"waves of workgroup 0 wait at different barriers \(pcs 0x[0-9a-f]+, 0x[0-9a-f]+\)"):
    run(code, "split_barrier", grid=1, block=64, args=(np.zeros(64, np.int32),))
  with pytest.raises(EmuError, match=r"wave 0 at pc 0x[0-9a-f]+ \(v_illegal\): no semantics for v_illegal"):
    run(code, "illegal", grid=1, block=32, args=(np.zeros(32, np.int32),))
