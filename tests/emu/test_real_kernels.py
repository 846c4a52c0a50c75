"""The kernels of the real captures (tests/data/captures/real/gfx1100 and gfx1200, tinygrad VIZ profile pickles) run
on the simulator with seeded inputs, against numpy references of what each computes, on both targets.

What each kernel is, and how that was established (facts only; nothing here comes from the simulator):
- its code, from `amdviz disasm` of the capture; its arguments from the code object's metadata (`.args`: three
  8-byte global buffers for E_3 and the gemm, one for E_32_4, none for E) or, for tinygrad's hand-written kernels
  (no metadata), from the descriptor's kernarg_size (8: one buffer) and the code (s_load_b64 of s[0:1] from the
  kernarg pointer, used as the store base);
- what it computes and its launch size, from the tinygrad AST kept in the pickle (the UOp placeholders of the
  `get_program` ranges: PARAM buffers with their dtypes and sizes, RANGE/SPECIAL bounds, the stored expression),
  the kernel's name (tinygrad names a kernel by its launch shape: E_3 = 3 work-items, E_32_4 = 32 work-items
  of 4 each, r_32_32_16_2 = 32x32 workgroups of 16), the tinygrad tests that made the captures (test_tiny
  test_plus, a 32x32 matmul, test_asm_kernel test_lds_sync / test_handwritten, test_custom_kernel test_empty);
- the number of waves and, for the instruction-traced ones, every pc each ran: from the real traces themselves
  (decoded and mapped by sqtt/), which the simulated waves must match.

Every run's own trace must also map back exactly (tests.emu.test_run.round_trip).
"""
from __future__ import annotations
from functools import cache
import numpy as np
import pytest
import emu.dispatch
from emu import run
from capture import load_capture
from sqtt.mapping import map_buffer, W_ENDED
from tests.conftest import real_capture
from tests.emu.corpus_refs._exact import fma32
from tests.emu.test_run import round_trip

ARCHS = ("gfx1100", "gfx1200")


@cache
def code(arch: str, capture: str, name: str) -> bytes:
  """The code object of kernel `name` in the real capture profile_<capture>_run_0.pkl of `arch`."""
  return next(p.lib for p in load_capture(real_capture(arch, capture)).programs if p.name == name)


@cache
def hardware_waves(arch: str, capture: str, name: str) -> tuple[int, set[tuple[int, ...]]]:
  """From the real trace: how many waves of the kernel ran, and the pc sequences of the instruction-traced ones."""
  from viz.api import Workspace
  ws = Workspace.open(real_capture(arch, capture))
  kv = next(k for k in ws.kernels if k.name == name)
  n, paths = 0, set()
  for t in ws.capture.traces:
    if ws.kernel_of_trace(t) is not kv: continue
    m = map_buffer(t.blob, ws.capture.device(kv.program.device).arch, kv.program_tables, kv.program.base)
    assert m.unmapped == 0 and (m.w_status == W_ENDED).all()
    n += m.n_waves
    paths |= {tuple(int(pc) for pc in m.program.pc[m.ev_inst[m.ev_wave == i]])
              for i in range(m.n_waves) if m.w_traced[i]}
  return n, paths


def check_run(r, arch: str, capture: str, name: str, traced_on_hw: bool = True):
  """As many waves as the hardware ran; each pc sequence the hardware traced is one the simulated waves ran, and the
  simulated waves ran no other (these kernels take one path); the simulator's own trace maps back exactly."""
  n, paths = hardware_waves(arch, capture, name)
  assert len(r.waves) == n
  assert bool(paths) == traced_on_hw
  if paths: assert {tuple(int(pc) for pc in w.pcs) for w in r.waves} == paths
  round_trip(r)


def untouched(rng, n: int, dtype) -> np.ndarray:
  """A buffer of seeded noise: whatever the kernel does not write keeps it, whatever it writes loses it."""
  return rng.integers(0, 256, n * np.dtype(dtype).itemsize, dtype=np.uint8).view(dtype)


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
  return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a.view(np.uint8), b.view(np.uint8))


@pytest.mark.parametrize("arch", ARCHS)
def test_plus(arch):
  """E_3 (test_tiny test_plus: Tensor([1,2,3]) + Tensor([4,5,6])): out[i] = a[i] + b[i], i < 3, float32. AST: STORE
  PARAM0[r] = PARAM1[r] + PARAM2[r], RANGE 3; code: one wave, v0 = i, out = s[4:5] (arg 0), a = s[6:7] (arg 1),
  b = the dword pair at kernarg+16 (arg 2). One workgroup of 3 work-items (max_flat_workgroup_size 3)."""
  rng = np.random.default_rng(3)
  a, b = rng.standard_normal(3).astype(np.float32), rng.standard_normal(3).astype(np.float32)
  a0, b0, out = a.copy(), b.copy(), untouched(rng, 3, np.float32)
  r = run(code(arch, "plus", "E_3"), "E_3", grid=1, block=3, args=(out, a, b))
  assert same_bits(out, a0 + b0)                  # numpy's float32 add is IEEE round-to-nearest-even, as v_add_f32
  assert same_bits(a, a0) and same_bits(b, b0)
  check_run(r, arch, "plus", "E_3")


@pytest.mark.parametrize("arch", ARCHS)
def test_gemm(arch):
  """r_32_32_16_2 (Tensor.empty(32, 32) @ Tensor.empty(32, 32)): C = A @ B, float32 32x32, C = arg 0, A = 1, B = 2
  (AST: PARAM0[32 r1 + r2] = REDUCE_ADD over r0 of PARAM1[32 r1 + r0] * PARAM2[32 r0 + r2]). 32x32 workgroups of
  16 work-items: workgroup (x, y) computes C[y, x]; lane l forms fma(A[y,2l+1], B[2l+1,x], fma(A[y,2l], B[2l,x], 0))
  (v_fma_f32 then v_fmac_f32, each rounded once), stores it to LDS[l], and lane 0 sums 0 + LDS[0] + ... + LDS[15]
  left to right in float32 (v_add_f32 chain) and stores it. The reference does exactly those roundings."""
  rng = np.random.default_rng(7)
  A, B = rng.standard_normal((32, 32)).astype(np.float32), rng.standard_normal((32, 32)).astype(np.float32)
  A0, B0, C = A.copy(), B.copy(), untouched(rng, 32 * 32, np.float32).reshape(32, 32)
  r = run(code(arch, "gemm", "r_32_32_16_2"), "r_32_32_16_2", grid=(32, 32), block=16, args=(C, A, B))
  a_even, a_odd = A0[:, 0::2][:, None, :], A0[:, 1::2][:, None, :]        # (row, 1, l)
  b_even, b_odd = B0[0::2, :].T[None], B0[1::2, :].T[None]                 # (1, col, l)
  part = fma32(a_odd, b_odd, fma32(a_even, b_even, np.zeros((32, 32, 16), np.float32)))
  ref = np.zeros((32, 32), np.float32)
  for l in range(16):   # float32 + float32 in float64 then rounded is the correctly rounded sum (53 >= 2 * 24 + 2)
    ref = (ref.astype(np.float64) + part[:, :, l].astype(np.float64)).astype(np.float32)
  assert same_bits(C, ref)
  assert same_bits(A, A0) and same_bits(B, B0)
  check_run(r, arch, "gemm", "r_32_32_16_2")


def lds_sync_ref() -> np.ndarray:
  ref = np.arange(1, 129, dtype=np.int32)
  ref[127] = -1
  return ref


@pytest.mark.parametrize("arch", ARCHS)
def test_custom_lds_sync(arch):
  """custom_lds_sync (test_asm_kernel test_lds_sync, hand-written; no metadata, kernarg_size 8: one int32[128]
  buffer, the AST's PARAM0 int*[128]; SPECIAL lidx0 128, gidx0 1: one workgroup of 128, four waves): each work-item t
  stores t to LDS[4t], a barrier, then reads LDS[4t + 4] and writes out[t] = t < 127 ? LDS[t + 1] = t + 1 : -1
  (v_cmp_gt_u32 0x7f, v_cndmask with -1). Work-item 127 reads the 4 bytes just past the 512-byte LDS allocation,
  which the hardware allows (the captured run ended normally) and the select discards: only the run getting there
  is checked of it. The reference is tinygrad's own expectation (arange(1, 129), [127] = -1)."""
  rng = np.random.default_rng(11)
  out = untouched(rng, 128, np.int32)
  r = run(code(arch, "sync", "custom_lds_sync"), "custom_lds_sync", grid=1, block=128, args=(out,), arch=arch)
  assert same_bits(out, lds_sync_ref())
  check_run(r, arch, "sync", "custom_lds_sync")


@pytest.mark.parametrize("arch", ARCHS)
def test_arange(arch):
  """E_32_4 (tinygrad's reference for test_lds_sync: Tensor.arange(1, 129) with [127] = -1): AST STORE PARAM0[r] =
  r != 127 ? r + 1 : -1 over RANGE 128, int32; code: 32 work-items of one workgroup, each one global_store_b128 of
  out[4t..4t+3] = 4t+1, 4t+2, 4t+3, then 4t+4 (t < 31) or -1 (t = 31)."""
  rng = np.random.default_rng(13)
  out = untouched(rng, 128, np.int32)
  r = run(code(arch, "sync", "E_32_4"), "E_32_4", grid=1, block=32, args=(out,))
  assert same_bits(out, lds_sync_ref())
  check_run(r, arch, "sync", "E_32_4", traced_on_hw=False)     # its trace has no instruction-traced wave


@pytest.mark.parametrize("arch", ARCHS)
def test_empty(arch):
  """E (test_custom_kernel test_empty: a custom kernel whose AST is an empty SINK): s_endpgm alone, no arguments
  (.args absent, kernarg_segment_size 0), one work-item (max_flat_workgroup_size 1); the hardware ran one wave."""
  r = run(code(arch, "empty", "E"), "E", grid=1, block=1, args=())
  assert [list(w.pcs) for w in r.waves] == [[r.entry_pc]] and r.instructions[0].mnemonic == "s_endpgm"
  check_run(r, arch, "empty", "E", traced_on_hw=False)


# custom_handwritten (gfx1200): registers the kernel reads but never writes, which the hardware leaves undefined,
# are filled here from a seeded generator so that what it computes from them can be checked
F16_ONE_PAIR, U8_ONE_QUAD = 0x3C003C00, 0x01010101
WMMA_CONST = [(70, 78, "f16"), (110, 118, "f16"), (150, 158, "f16"), (190, 198, "f16"),    # (A..B base, C/D base)
              (86, 90, "iu8"), (126, 130, "iu8"), (166, 170, "iu8"), (206, 210, "iu8")]


def _f32(bits) -> np.ndarray: return np.asarray(bits, np.uint32).view(np.float32)


def _nice_scalars(rng) -> tuple[int, int]:
  """s12, s13 such that every value the kernel feeds to v_s_rcp_f32 / v_s_exp_f32 (s12, s13, s12*32, s13*32,
  s12*1024) is a normal float32 whose reciprocal is normal and whose exp2 is normal, 0 or infinite, far from the
  edges (no denormal anywhere: this kernel flushes float32 denormals)."""
  while True:
    s12, s13 = (int(x) for x in rng.integers(0, 1 << 32, 2, dtype=np.uint64))
    vals = _f32([s12, s13, s12 * 32 & 0xFFFFFFFF, s13 * 32 & 0xFFFFFFFF, s12 * 1024 & 0xFFFFFFFF]).astype(np.float64)
    mag = np.abs(vals)
    if ((mag > 2.0 ** -100) & (mag < 2.0 ** 100) & ((mag < 100) | (mag > 200))).all(): return s12, s13


def _ulps(got: np.ndarray, want: np.ndarray) -> np.ndarray:
  """Distance in float32 units in the last place (infinities and zeros must match exactly)."""
  def ordered(b):
    b = np.asarray(b, np.uint32).astype(np.int64)
    return np.where(b >> 31, -(b & 0x7FFFFFFF), b)
  g, w = np.asarray(got, np.uint32), np.asarray(want, np.uint32)
  special = ~np.isfinite(_f32(w)) | (_f32(w) == 0)
  return np.where(special, np.where(g == w, 0, 1 << 30), np.abs(ordered(g) - ordered(w)))


def test_handwritten(monkeypatch):
  """custom_handwritten (gfx1200 only; test_asm_kernel test_handwritten: a pipe benchmark): one int32[1024] buffer
  (PARAM0 int*[1024]; kernarg_size 8) that it never reads or writes, 128 work-items in one workgroup (SPECIAL lidx0
  128, gidx0 1: four waves), a loop of 8 iterations (s1 = 8 counted down) over SALU, VALU, transcendental and WMMA
  instructions whose inputs are registers nothing initialised: on hardware its results are undefined and never
  stored. Checked: the buffer is untouched; every wave runs the 546 pcs the hardware traced; and with those
  registers filled from a seeded generator, the final registers that depend only on them: s1 = 0 and SCC; s14..s18
  (s_mul_i32 chains of s12, s13); s40..s44 and v20..v24 = 0..4; s20..s24 = rcp and s30..s34 = exp2 of s12..s16 and
  v30..v34 = rcp of v12..v16 (v_s_rcp/v_s_exp/v_rcp: within 1 ULP, the ISA's bound); v35..v37 (the surviving
  halves of v_lshlrev_b64); v[46:47], v[48:49] (v_mad_co_u64_u32); and the four f16 and four iu8 WMMAs whose A and B
  nothing writes, set to all ones so each adds 16 to every element of D = C per iteration whatever the matrix
  layout: D = C + 128 at the end (C small integers in f32, so exact). Not checked: the two WMMAs fed by the
  VALU results (v[38:45], v[50:57]), whose values depend on the lane layout (the corpus's 10_matrix covers it)."""
  arch = "gfx1200"
  rng = np.random.default_rng(17)
  s12, s13 = _nice_scalars(rng)
  seen = {}
  original_init, original_exec = emu.dispatch._initial_state, emu.dispatch._execute

  def init(w, L, wpg):
    original_init(w, L, wpg)
    w.V[1:] = rng.integers(0, 1 << 32, w.V[1:].shape, dtype=np.uint64).astype(np.uint32)
    mag = 2.0 ** rng.uniform(-20, 20, w.V[12:20].shape) * rng.choice([-1.0, 1.0], w.V[12:20].shape)
    w.V[12:20] = mag.astype(np.float32).view(np.uint32)        # rcp inputs: normal, with normal reciprocals
    for ab, cd, kind in WMMA_CONST:
      w.V[ab:cd] = F16_ONE_PAIR if kind == "f16" else U8_ONE_QUAD
      c = rng.integers(-1000, 1001, w.V[cd:cd + 8].shape)
      w.V[cd:cd + 8] = c.astype(np.float32).view(np.uint32) if kind == "f16" else c.astype(np.int32).view(np.uint32)
    w.S[:, 12], w.S[:, 13] = s12, s13
    seen["init"] = (w.S.copy(), w.V.copy())

  def execute(ctx, *a, **k):
    res = original_exec(ctx, *a, **k)
    seen["final"] = (ctx.w.S.copy(), ctx.w.V.copy(), ctx.w.scc.copy())
    return res

  monkeypatch.setattr(emu.dispatch, "_initial_state", init)
  monkeypatch.setattr(emu.dispatch, "_execute", execute)
  buf = untouched(rng, 1024, np.int32)
  buf0 = buf.copy()
  r = run(code(arch, "handwritten", "custom_handwritten"), "custom_handwritten", grid=1, block=128, args=(buf,),
          arch=arch)
  monkeypatch.undo()
  assert same_bits(buf, buf0)
  assert {len(w.pcs) for w in r.waves} == {546}
  check_run(r, arch, "handwritten", "custom_handwritten")

  S0, V0 = seen["init"]
  S, V, scc = seen["final"]
  u64 = lambda lo, hi: lo.astype(np.uint64) | hi.astype(np.uint64) << np.uint64(32)
  assert (S[:, 1] == 0).all() and scc.all()
  five = np.arange(5, dtype=np.uint32)
  assert (S[:, 40:45] == five).all() and (V[20:25] == five[:, None, None]).all()
  m = lambda k: (S0[:, 12:14].astype(np.uint64) * k & 0xFFFFFFFF).astype(np.uint32)
  assert (S[:, 14:16] == m(32)).all() and (S[:, 16:18] == m(1024)).all() and (S[:, 18] == m(32768)[:, 0]).all()
  with np.errstate(all="ignore"):
    sv = _f32(S[:, 12:17]).astype(np.float64)               # s12..s16 as v_s_rcp / v_s_exp read them
    rcp, exp2 = (1 / sv).astype(np.float32), np.exp2(sv).astype(np.float32)
    vrcp = (1 / _f32(V0[12:17]).astype(np.float64)).astype(np.float32)
  assert (_ulps(S[:, 20:25], rcp.view(np.uint32)) <= 1).all()
  assert (_ulps(S[:, 30:35], exp2.view(np.uint32)) <= 1).all()
  assert (_ulps(V[30:35], vrcp.view(np.uint32)) <= 1).all()
  shl = lambda r: u64(V0[r], V0[r + 1]) << np.uint64(2)
  assert (V[35] == (shl(14) >> np.uint64(32)).astype(np.uint32)).all()
  assert (u64(V[36], V[37]) == shl(15)).all()
  mad = lambda a, b, c: V0[a].astype(np.uint64) * V0[b].astype(np.uint64) + u64(V0[c], V0[c + 1])   # wraps mod 2^64
  assert (u64(V[46], V[47]) == mad(15, 16, 17)).all() and (u64(V[48], V[49]) == mad(16, 17, 18)).all()
  for ab, cd, kind in WMMA_CONST:
    if kind == "f16": assert (_f32(V[cd:cd + 8]) == _f32(V0[cd:cd + 8]) + 128).all(), (cd, kind)
    else: assert (V[cd:cd + 8] == V0[cd:cd + 8] + np.uint32(128)).all(), (cd, kind)
