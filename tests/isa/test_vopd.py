"""isa/vopd.py: each rule on small hand-written kernels; on the compiled corpus (gfx1100 and gfx1200, -O0 and -O3)
every candidate's text assembles with our assembler to the bytes llvm-mc-19 gives it and decodes back to itself, and
its two instructions are independent; rewritten kernels give the very outputs of the originals on the simulator
(moved code with re-aimed branches and loops, and the padded layout of a kernel that reads its own pc); the command."""
from __future__ import annotations
import copy
from functools import cache
import numpy as np
import pytest
from isa.cfg import build_cfg
from isa.decode import Disassembler
from isa.elf import load_code_object
from isa.encode import assemble
from isa.vopd import analyse, find, rewrite
from tests.llvm_oracle import compile_cl, corpus_files, have_llvm, mc_encode

needs_llvm = pytest.mark.skipif(not have_llvm(), reason="LLVM 19 (clang-19, llvm-mc-19) missing")
ARCHS, OPTS = ("gfx1100", "gfx1200"), ("-O0", "-O3")


def pairs(lines: list[str], arch: str = "gfx1100", wave32: bool = True):
  """The candidates of a kernel made of `lines` and s_endpgm: [(text, the second moves up)], and the Found."""
  code = b"".join(assemble(t, arch) for t in lines + ["s_endpgm"])
  insts = Disassembler(arch).disassemble(code, 0x1000)
  f = find(insts, build_cfg(insts, 0x1000), arch, wave32)
  return [(c.text, c.up) for c in f.candidates], f


@pytest.mark.parametrize("arch", ARCHS)
def test_rules(arch):
  one = lambda *lines: pairs(list(lines), arch)[0]
  assert one("v_add_f32 v0, v1, v2", "v_mul_f32 v3, v6, v7") == [("v_dual_add_f32 v0, v1, v2 :: v_dual_mul_f32 v3, v6, v7", True)]
  assert one("v_add_f32 v0, v1, v2", "v_mul_f32 v3, v0, v6") == []             # the second reads the first's result
  assert one("v_add_f32 v0, v1, v2", "v_mul_f32 v1, v4, v6") == []             # ... writes what the first reads
  assert one("v_add_f32 v0, v1, v2", "v_mul_f32 v2, v5, v7") == []             # destinations both even
  # src0 both in bank 0: gfx11 refuses; gfx12 reads a mov :: mov pair's Y through the src2 cache (no source banks)
  assert one("v_mov_b32 v0, v4", "v_mov_b32 v1, v8") == ([] if arch == "gfx1100" else
                                                          [("v_dual_mov_b32 v0, v4 :: v_dual_mov_b32 v1, v8", True)])
  # src0 v1/v5 share bank 1: the second's commutable sources swap
  assert one("v_add_f32 v0, v1, v2", "v_add_f32 v3, v5, v6") == [("v_dual_add_f32 v0, v1, v2 :: v_dual_add_f32 v3, v6, v5", True)]
  assert one("v_mov_b32 v0, 0x1234", "v_mov_b32 v1, 0x5678") == []              # two literals
  assert one("v_mov_b32 v0, 0x1234", "v_mov_b32 v1, 0x1234") == [("v_dual_mov_b32 v0, 0x1234 :: v_dual_mov_b32 v1, 0x1234", True)]
  assert one("v_cndmask_b32 v0, s1, v2, vcc_lo", "v_mov_b32 v1, s3") == []     # s1, vcc_lo, s3: three on the bus
  assert one("v_add_nc_u32 v0, v1, v2", "v_and_b32 v3, v5, v6") == []          # both Y-only
  # VOP3 forms without modifiers: an SGPR src1 swaps into src0; sub becomes subrev with its sources swapped
  assert one("v_add_f32_e64 v0, v1, s2", "v_mov_b32 v3, v6") == [("v_dual_add_f32 v0, s2, v1 :: v_dual_mov_b32 v3, v6", True)]
  assert one("v_sub_f32_e64 v0, v1, s2", "v_mov_b32 v3, v6") == [("v_dual_subrev_f32 v0, s2, v1 :: v_dual_mov_b32 v3, v6", True)]
  assert one("v_add_f32_e64 v0, -v1, v2", "v_mov_b32 v3, v6") == []            # neg: VOP3 only
  # reach: across an independent SALU or VALU, never across s_delay_alu, an exec write, a transcendental
  assert one("v_mov_b32 v0, v1", "s_mov_b32 s0, s1", "v_mov_b32 v3, v6") == [("v_dual_mov_b32 v0, v1 :: v_dual_mov_b32 v3, v6", True)]
  assert one("v_mov_b32 v0, v1", "v_add_f32 v7, v0, v2", "v_mov_b32 v3, v6") == [("v_dual_mov_b32 v0, v1 :: v_dual_mov_b32 v3, v6", True)]
  assert one("v_mov_b32 v0, v1", "s_delay_alu instid0(VALU_DEP_1)", "v_mov_b32 v3, v6") == []
  assert one("v_mov_b32 v0, v1", "s_mov_b32 exec_lo, s4", "v_mov_b32 v3, v6") == []
  assert one("v_mov_b32 v0, v1", "v_exp_f32 v9, v10", "v_mov_b32 v3, v6") == []
  assert one("v_exp_f32 v9, v10", "v_mov_b32 v0, v1", "v_mov_b32 v3, v6") == []   # (the hazard window before)
  # the second reads what lies between: the first moves down to it instead
  assert one("v_mov_b32 v0, v1", "v_sub_nc_u32 v3, v4, v5", "v_add_f32 v5, v3, v6") == \
    [("v_dual_mov_b32 v0, v1 :: v_dual_add_f32 v5, v3, v6", False)]
  # ... unless the first conflicts with it too
  assert one("v_mov_b32 v0, v1", "v_sub_nc_u32 v3, v0, v5", "v_add_f32 v5, v3, v6") == []


def test_no_vopd_where_there_is_none():
  assert pairs(["v_add_f32 v0, v1, v2", "v_mul_f32 v3, v6, v7"], wave32=False)[1].note == "a wave64 kernel: VOPD issues only in wave32"
  f = pairs(["v_add_f32 v0, v1, v2", "v_mul_f32 v3, v6, v7"], "gfx942")[1]
  assert f.candidates == [] and "no VOPD" in f.note and f.valu == 2


@cache
def corpus(arch: str, opt: str) -> list:
  """(code path, kernel, instructions, Found) of every wave32 kernel of the corpus built for arch, opt."""
  out = []
  for src in corpus_files():
    try: path = compile_cl(src, arch, opt)
    except RuntimeError: continue                       # (a file clang-19 cannot build at -O0: skipped everywhere)
    co = load_code_object(path.read_bytes())
    for k in co.kernels:
      if k.descriptor.wave32: out.append((path, k, *analyse(co, k)))
  return out


@needs_llvm
@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("opt", OPTS)
def test_corpus_candidates_assemble_and_are_independent(arch, opt, report):
  built = corpus(arch, opt)
  cands = [(insts, c) for _, _, insts, f in built for c in f.candidates]
  assert cands, "the corpus gives no candidate at all"
  mc = mc_encode([c.text for _, c in cands], arch)
  d = Disassembler(arch)
  for (insts, c), m in zip(cands, mc):
    assert assemble(c.text, arch) == c.code, c.text                  # our assembler
    assert m is not None and m[1] == c.code, (c.text, m)              # llvm-mc-19: accepted, the same bytes
    v = d.disassemble(c.code, c.pcs[0])
    assert len(v) == 1 and v[0].text == c.text
    a, b = insts[c.first], insts[c.second]
    assert (a.pc, b.pc) == c.pcs and a.pc < b.pc and c.saves > 0
    assert not set(a.writes) & (set(b.reads) | set(b.writes)) and not set(a.reads) & set(b.writes), c.text
    # the VOPD does what the two did: the same registers written, the same read (a dual cndmask reads vcc_lo too)
    assert set(v[0].writes) == set(a.writes) | set(b.writes)
    assert set(v[0].reads) == set(a.reads) | set(b.reads)
  per = sorted((len(f.candidates), k.name) for _, k, _, f in built if f.candidates)[::-1]
  report(f"vopd {arch}{opt}: {len(cands)} candidates in {len(per)} of {len(built)} wave32 kernels "
         f"({sum(f.valu for *_, f in built)} VALU, {sum(f.issued for *_, f in built)} VOPD issued); most: "
         + ", ".join(f"{k} {n}" for n, k in per[:4]))


# kernels with a numpy reference (tests/emu/corpus_refs), rewritten: straight code, loops (branches re-aimed),
# calls and pc-relative loads (the padded layout)
APPLY = [("02_float_arith", "float_mix"), ("16_loops", "counted"), ("16_loops", "nested_loops"), ("25_gemm", "sgemm"),
         ("15_control_flow", "branches"), ("18_calls", "caller"), ("23_memory", "spaces"), ("05_int64", "i64_vector")]


@needs_llvm
@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("opt", OPTS)
@pytest.mark.parametrize("src,name", APPLY, ids=[f"{s}:{n}" for s, n in APPLY])
def test_applied_rewrite_gives_identical_outputs(src, name, arch, opt, report):
  from emu import run
  from tests.emu.test_corpus import check_outputs, make_case, ref_module
  path = next(p for p in corpus_files() if p.stem == src)
  data = compile_cl(path, arch, opt).read_bytes()
  co = load_code_object(data)
  k = co.kernel(name)
  insts, found = analyse(co, k)
  if not found.candidates: pytest.skip(f"no candidate in {name} {arch}{opt}")
  rw = rewrite(data, co, k, insts, found.candidates)
  # the rewritten kernel: every pair one VOPD, everything else kept, in the same range
  co2 = load_code_object(rw.data)
  k2 = co2.kernel(name)
  assert (k2.code_start, co2.text.size) == (k.code_start, co.text.size)
  new = Disassembler(co.arch).disassemble(co2.code_bytes(k.code_start, k.code_end), k.code_start)
  pad = ("s_code_end", "v_nop")
  got = sorted(i.text for i in new if i.mnemonic not in pad and i.target is None)
  gone = {n for c in found.candidates for n in (c.first, c.second)}
  assert got == sorted([i.text for n, i in enumerate(insts) if n not in gone and i.mnemonic not in pad and i.target is None]
                       + [c.text for c in found.candidates])
  assert [i.mnemonic for i in new if i.target is not None] == [i.mnemonic for i in insts if i.target is not None]
  # both run on the simulator with the same seeded inputs: the same outputs, bit for bit, and the reference's
  mod = ref_module(path)
  case = make_case(getattr(mod, name), 32, arch)
  args = [copy.deepcopy(a) for a in case.args]
  r0 = run(data, name, case.grid, case.block, args, trace=False)
  r1 = run(rw.data, name, case.grid, case.block, case.args, trace=False)
  for a, b in zip(args, case.args):
    if isinstance(a, np.ndarray): assert a.tobytes() == b.tobytes()
  check_outputs(name, case)
  report(f"vopd apply {src}:{name} {arch}{opt}: {len(found.candidates)} pairs ({rw.mode}), outputs equal, "
         f"modelled cycles {r0.cycles} -> {r1.cycles}")


@needs_llvm
def test_padded_layout_keeps_every_address(tmp_path):
  """A kernel that reads its own pc (s_getpc_b64: a call) keeps each pair's bytes in place, v_nop filling them."""
  path = next(p for p in corpus_files() if p.stem == "18_calls")
  data = compile_cl(path, "gfx1100", "-O0").read_bytes()
  co = load_code_object(data)
  k = co.kernel("caller")
  insts, found = analyse(co, k)
  rw = rewrite(data, co, k, insts, found.candidates)
  assert rw.mode == "padded" and rw.freed > 0 and len(rw.data) == len(data)
  new = {i.pc: i for i in Disassembler(co.arch).disassemble(load_code_object(rw.data).code_bytes(k.code_start, k.code_end), k.code_start)}
  spans = [(insts[c.first].pc, insts[c.second].pc + insts[c.second].size) for c in found.candidates]
  for i in insts:                                   # outside the pairs' spans every instruction is where it was
    if not any(a <= i.pc < b for a, b in spans): assert new[i.pc].words == i.words
  assert sum(i.mnemonic == "v_nop" for i in new.values()) * 4 == rw.freed


@needs_llvm
def test_command(tmp_path, capsys):
  """`amdviz vopd CODE --kernel K --apply -o F --arg ...` lists the pairs, writes F, runs both, says the outputs are equal."""
  from viz.cli import main
  path = compile_cl(next(p for p in corpus_files() if p.stem == "02_float_arith"), "gfx1100", "-O0")
  out = tmp_path / "fm.hsaco"
  assert main(["vopd", str(path), "--kernel", "float_mix", "--apply", "-o", str(out), "--grid", "2", "--block", "64",
               "--arg", "buf:f32:128", "--arg", "buf:f32:192=rand", "--arg", "buf:f32:128=rand", "--arg", "f32:1.5"]) == 0
  text = capsys.readouterr().out
  _, found = analyse(load_code_object(path.read_bytes()), load_code_object(path.read_bytes()).kernel("float_mix"))
  assert f"{len(found.candidates)} more pairs could be" in text and all(c.text in text for c in found.candidates)
  assert "outputs equal" in text and "arg0 float32[128]: equal" in text and out.is_file()
  assert main(["vopd", str(path), "--kernel", "float_mix", "--json"]) == 0
  import json
  body = json.loads(capsys.readouterr().out)
  assert body["candidates"] == [c.json() for c in found.candidates] and body["valu"] == found.valu
  assert main(["vopd", str(path), "--kernel", "float_mix", "--apply", "-o", str(out)]) == 0    # no --arg: not run
  assert "not run" in capsys.readouterr().out
