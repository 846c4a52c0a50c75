"""isa/liveness.py: per-instruction live registers on every corpus kernel (three targets, every build) never above
the allocation the metadata reports, equal to a brute-force set-based liveness written here from the rules alone,
and the exec-region rule on hand-written divergent code."""
import time
import numpy as np
import pytest
from isa.cfg import build_cfg
from isa.decode import Disassembler
from isa.elf import load_code_object
from isa.encode import assemble
from isa.liveness import effects, pressure, reenables
from tests.llvm_oracle import TARGETS, compile_cl, corpus_builds, corpus_files, have_llvm

needs_llvm = pytest.mark.skipif(not have_llvm(), reason="LLVM 19 (clang-19) is not installed")
BRUTE_MAX = 3000      # instructions: the brute force below is a set per instruction, iterated to a fixed point


def brute_force(insts, cfg) -> tuple[list[int], list[int], list[int]]:
  """Live VGPRs, AGPRs, SGPRs per instruction: sets per instruction, iterated to a fixed point. An exec region is
  every instruction from which its closer is reached without passing the closer or a write of its mask that does
  not read the mask; the VGPRs/AGPRs live after the closer are live throughout it."""
  n = len(insts)
  at = {i.pc: k for k, i in enumerate(insts)}
  succ = [[] for _ in range(n)]
  pred = [[] for _ in range(n)]
  for b in cfg.blocks:
    ks = [at[pc] for pc in b.pcs]
    for a, c in zip(ks, ks[1:]): succ[a].append(c)
    succ[ks[-1]] = [at[cfg.block(s).start] for s in cfg.successors(b.id)]
  for k, ss in enumerate(succ):
    for s in ss: pred[s].append(k)
  use, kill, part = zip(*(tuple(map(set, effects(i))) for i in insts))
  regions = []
  for w, ins in enumerate(insts):
    mask = set(reenables(ins))
    if not mask: continue
    inside, todo, open_path = set(), list(pred[w]), not pred[w]
    while todo:
      k = todo.pop()
      if k == w or k in inside: continue
      if mask & set(insts[k].writes) and not mask & set(insts[k].reads): continue
      inside.add(k)
      if not pred[k]: open_path = True
      todo.extend(pred[k])
    if not open_path and inside: regions.append((w, inside))
  vector = lambda r: r[0] in "va"
  live_in, live_out = [set() for _ in range(n)], [set() for _ in range(n)]
  changed = True
  while changed:
    changed = False
    park = [set() for _ in range(n)]
    for w, inside in regions:
      for k in inside: park[k] |= {r for r in live_out[w] if vector(r)}
    for k in reversed(range(n)):
      out = set().union(*(live_in[s] for s in succ[k]))
      new = use[k] | (out - kill[k]) | park[k]
      if new != live_in[k] or out != live_out[k]: changed = True
      live_in[k], live_out[k] = new, out
  held = [live_in[k] | kill[k] | part[k] for k in range(n)]
  return tuple([sum(r[0] == c for r in h) for h in held] for c in "vas")


def corpus_kernels(mcpu):
  """(build name, kernel, instructions, cfg) of every kernel of every corpus build for `mcpu`."""
  for src in corpus_files():
    for opt, extra in corpus_builds(src):
      co = load_code_object(compile_cl(src, mcpu, opt, extra_flags=extra).read_bytes())
      for k in co.kernels:
        insts = Disassembler(co.arch).disassemble(co.code_bytes(k.code_start, k.code_end), k.code_start)
        yield f"{src.stem} {opt} {' '.join(extra)}", k, insts, build_cfg(insts, k.entry_pc)


@needs_llvm
@pytest.mark.parametrize("mcpu", TARGETS)
def test_corpus_within_allocation_and_equal_to_brute_force(mcpu, report):
  n_kernels = n_brute = n_regions = 0
  over, wrong = [], []
  for build, k, insts, cfg in corpus_kernels(mcpu):
    p = pressure(insts, cfg)
    d = k.descriptor
    n_kernels += 1; n_regions += p.regions
    assert d.counts_from == "metadata"
    if p.vgprs.max(initial=0) > d.vgprs or p.agprs.max(initial=0) > d.agprs or p.sgprs.max(initial=0) > d.sgprs:
      over.append((build, k.name, int(p.vgprs.max()), d.vgprs, int(p.agprs.max()), d.agprs, int(p.sgprs.max()), d.sgprs))
    if len(insts) <= BRUTE_MAX:
      n_brute += 1
      v, a, s = brute_force(insts, cfg)
      if not (np.array_equal(p.vgprs, v) and np.array_equal(p.agprs, a) and np.array_equal(p.sgprs, s)):
        bad = next(j for j in range(len(insts)) if (p.vgprs[j], p.agprs[j], p.sgprs[j]) != (v[j], a[j], s[j]))
        wrong.append((build, k.name, hex(insts[bad].pc), insts[bad].text, (p.vgprs[bad], p.sgprs[bad]), (v[bad], s[bad])))
  assert not over, over[:5]
  assert not wrong, wrong[:5]
  assert n_kernels > 60 and n_brute > 60 and n_regions > 50
  report(f"liveness {mcpu}: {n_kernels} corpus kernels within their allocation, {n_brute} equal to the brute force "
         f"({n_regions} exec regions)")


def decoded(text: str, arch: str = "gfx1100"):
  code = b"".join(assemble(line, arch) for line in text.strip().splitlines())
  insts = Disassembler(arch).disassemble(code, 0x100)
  return insts, build_cfg(insts, 0x100)


# if (v0 > 100) v3 = v0 * 3 else v3 = 7; out = v3 -- as LLVM lowers it: the else branch writes v3 for its lanes while
# the then-lanes' v3 waits in the same register for the s_or that turns them back on
IF_ELSE = """
v_mov_b32_e32 v1, 0
s_mov_b32 s2, exec_lo
v_cmpx_gt_i32_e32 0x64, v0
s_xor_b32 s3, exec_lo, s2
s_cbranch_execz 2
v_mul_u32_u24_e32 v3, 3, v0
v_mov_b32_e32 v2, v3
s_and_not1_saveexec_b32 s2, s3
v_mov_b32_e32 v3, 7
s_or_b32 exec_lo, exec_lo, s2
global_store_b32 v1, v3, s[0:1]
s_endpgm
"""

def test_if_else_keeps_the_waiting_lanes_value():
  insts, cfg = decoded(IF_ELSE)
  p = pressure(insts, cfg)
  row = {i.text.split()[0] + (" " + i.text.split()[1] if i.text.startswith("v_mov") else ""): k for k, i in enumerate(insts)}
  k_else = row["v_mov_b32_e32 v3,"]
  # v0 is dead past the compare in the else lanes, but v3 (the then-lanes' result) and v1 are held there
  assert p.vgprs[k_else] == 2 and p.regions == 2
  assert p.vgprs[k_else - 1] == 2                 # at s_and_not1_saveexec: v1 and the then-lanes' v3
  assert list(p.vgprs) == brute_force(insts, cfg)[0]
  assert p.sgprs[row["global_store_b32"]] == 2    # s[0:1]; exec, vcc and scc never count


# a divergent loop: lanes leave when v2 reaches v0; v3 (written whole each pass) is what the finished lanes keep
LOOP = """
v_mov_b32_e32 v2, 0
s_mov_b32 s4, 0
v_add_nc_u32_e32 v2, 1, v2
v_mul_lo_u32 v3, v2, v2
v_cmp_ge_u32_e32 vcc_lo, v2, v0
s_or_b32 s4, vcc_lo, s4
s_and_not1_b32 exec_lo, exec_lo, s4
s_cbranch_execnz 65531
s_or_b32 exec_lo, exec_lo, s4
v_mov_b32_e32 v1, 0
global_store_b32 v1, v3, s[0:1]
s_endpgm
"""

def test_divergent_loop_holds_what_finished_lanes_keep():
  insts, cfg = decoded(LOOP)
  p = pressure(insts, cfg)
  add = next(k for k, i in enumerate(insts) if i.mnemonic.startswith("v_add"))
  assert p.vgprs[add] == 3                        # v0, v2 and the finished lanes' v3 (a plain liveness says 2)
  assert list(p.vgprs) == brute_force(insts, cfg)[0]


def test_partial_writes_do_not_kill():
  insts, cfg = decoded("""
v_mov_b32_e32 v1, 0
v_mov_b32_e32 v5, v1
v_mov_b32_e32 v6, v1
v_mov_b32_e32 v9, v1
global_load_d16_hi_b16 v5, v1, s[0:1]
v_add_f16_e32 v6, v1, v1
v_mov_b32_dpp v7, v1 row_shr:1 row_mask:0xf bank_mask:0xf
v_mov_b32_dpp v8, v1 quad_perm:[1,0,3,2] row_mask:0xf bank_mask:0xf bound_ctrl:1
global_store_b128 v1, v[5:8], s[0:1]
global_store_b32 v1, v9, s[0:1]
s_endpgm
""")
  p = pressure(insts, cfg)
  # v5 and v6 keep a half through the d16 load and the f16 add; v7 keeps the lanes row_shr leaves (so it is live
  # from the entry: nothing wrote it whole); v8 is written whole (bound_ctrl:1)
  assert p.vgprs.tolist() == [2, 3, 4, 5, 5, 5, 5, 6, 6, 2, 0]
  assert list(p.vgprs) == brute_force(insts, cfg)[0]


@needs_llvm
def test_big_kernel_speed(report):
  from benchmarks.bench_isa import kernel_path
  co = load_code_object(kernel_path("gfx1100", 200_000, log=lambda *_: None).read_bytes())   # built once, cached
  k = co.kernels[0]
  insts = Disassembler(co.arch).disassemble(co.code_bytes(k.code_start, k.code_end), k.code_start)
  cfg = build_cfg(insts, k.entry_pc)
  t = time.perf_counter()
  p = pressure(insts, cfg)
  dt = time.perf_counter() - t
  assert p.vgprs.max() <= k.descriptor.vgprs and len(insts) > 150_000
  report(f"liveness: {len(insts)} instructions, {len(cfg.blocks)} blocks, {p.regions} exec regions in {dt:.2f} s "
         f"(peak {p.vgprs.max()} of {k.descriptor.vgprs} VGPRs)")
  assert dt < 10
