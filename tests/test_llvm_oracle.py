"""Self-tests for the LLVM oracle helpers (parser tests run without LLVM)."""
from __future__ import annotations

import pytest

from tests.llvm_oracle import (
    TARGETS, ObjdumpInst, compile_cl, corpus_builds, corpus_files, have_llvm, disassemble_words,
    mc_encode, objdump, parse_objdump,
)

needs_llvm = pytest.mark.skipif(not have_llvm(), reason="LLVM 19 tools not on PATH")

SAMPLE = """
k.hsaco:\tfile format elf64-amdgpu

Disassembly of section .text:

0000000000001600 <k>:
\ts_load_b32 s4, s[0:1], 0x10                                // 000000001600: F4000100 F8000010
\ts_cbranch_scc1 19                                          // 000000001624: BFA20013 <k+0x74>
\ts_delay_alu instid0(VALU_DEP_1) | instskip(NEXT) | instid1(VALU_DEP_2)// 000000001650: BF870111
\ts_and_not1_b64 s[54:55], s[74:75], s[88:89]                // 000000000004: 91B7584A ; Warning: SGPR_64: scalar reg isn't aligned 55
\t.long 0xd6460000                                           // 00000000000C: D6460000

0000000000001700 <r_32_32_16_2>:
\tv_mov_b32_e32   v4,   1.0                                  // 000000001700: 7E0802FF 3F800000
"""


def test_parse_objdump_sample():
    got = parse_objdump(SAMPLE)
    assert got == [
        ObjdumpInst("k", 0x1600, (0xF4000100, 0xF8000010), "s_load_b32 s4, s[0:1], 0x10"),
        ObjdumpInst("k", 0x1624, (0xBFA20013,), "s_cbranch_scc1 19"),
        ObjdumpInst("k", 0x1650, (0xBF870111,), "s_delay_alu instid0(VALU_DEP_1) | instskip(NEXT) | instid1(VALU_DEP_2)"),
        ObjdumpInst("k", 0x4, (0x91B7584A,), "s_and_not1_b64 s[54:55], s[74:75], s[88:89]"),
        ObjdumpInst("k", 0xC, (0xD6460000,), ".long 0xd6460000"),
        ObjdumpInst("r_32_32_16_2", 0x1700, (0x7E0802FF, 0x3F800000), "v_mov_b32_e32 v4, 1.0"),
    ]
    assert got[4].mnemonic == ".long" and got[0].mnemonic == "s_load_b32"


def test_corpus_build_specs():
    files = corpus_files()
    assert len(files) >= 25
    for f in files:
        builds = corpus_builds(f)
        assert builds and all(opt.startswith("-O") for opt, _ in builds), f


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("hsaco")


@needs_llvm
def test_compile_cache(cache):
    src = corpus_files()[0]
    a = compile_cl(src, "gfx1100", cache_dir=cache)
    mtime = a.stat().st_mtime_ns
    assert compile_cl(src, "gfx1100", cache_dir=cache) == a and a.stat().st_mtime_ns == mtime
    assert compile_cl(src, "gfx1100", "-O1", cache_dir=cache) != a
    assert compile_cl(src, "gfx942", cache_dir=cache) != a


@needs_llvm
@pytest.mark.parametrize("mcpu", TARGETS)
def test_objdump_and_disassemble_roundtrip(cache, mcpu):
    src = next(f for f in corpus_files() if "control_flow" in f.name)
    insts = objdump(compile_cl(src, mcpu, cache_dir=cache), mcpu)
    assert {"branches", "nested"} <= {i.symbol for i in insts}
    for a, b in zip(insts, insts[1:]):  # objdump's words tile the text section
        if a.symbol == b.symbol:
            assert b.pc == a.pc + 4 * len(a.words)
    assert all("//" not in i.text and "  " not in i.text for i in insts)
    # Each instruction re-decoded in isolation (padded) gives objdump's text and length back.
    probes = [i.words + (0xBF800000, 0xBF800000) for i in insts]
    got = disassemble_words(probes, mcpu)
    assert got == [(i.text, len(i.words)) for i in insts]


@needs_llvm
def test_disassemble_invalid_and_truncated():
    got = disassemble_words([(0xBF800000,), (0xFFFFFFFF, 0), (0xD6460000,), (0xD6460000, 0x04010C0F)], "gfx1100")
    assert got == [("s_nop 0", 1), None, None, ("v_lshl_add_u32 v0, s15, 6, v0", 2)]
    assert disassemble_words([], "gfx1100") == []


@needs_llvm
def test_disassemble_survives_objdump_crash():
    # llvm-objdump 19 segfaults on this malformed gfx9 SDWA word; neighbours must still decode.
    bad = (0x15B4E8F9, 0xE7D4169D, 0x7C01D1F1)
    got = disassemble_words([(0xBF800000,)] * 3 + [bad] + [(0xBF800001,)] * 3, "gfx942")
    assert got[:3] == [("s_nop 0", 1)] * 3 and got[4:] == [("s_nop 1", 1)] * 3


@needs_llvm
def test_mc_encode_alignment():
    lines = ["s_nop 0", "not_an_instruction v1", "v_add_f32 v1, v2, v3", "", "v_mov_b32_e32 v4, 0x3f800000",
             "s_cbranch_scc1 lbl", "lbl:", "v_add_f64 v[0:1], v[2:3], v[4:5]", "s_endpgm"]
    got = mc_encode(lines, "gfx1100")
    assert got[0] == ("s_nop 0", bytes.fromhex("000080bf"))
    assert got[1] is None and got[3] is None and got[6] is None
    assert got[2] == ("v_add_f32_e32 v1, v2, v3", bytes.fromhex("02070206"))
    assert got[4] == ("v_mov_b32_e32 v4, 1.0", bytes.fromhex("f202087e"))  # literal folded to inline const
    assert got[5] == ("s_cbranch_scc1 lbl", bytes.fromhex("0000a2bf"))     # fixup bytes read as 0
    assert got[7][0] == "v_add_f64 v[0:1], v[2:3], v[4:5]" and len(got[7][1]) == 8
    assert got[8] == ("s_endpgm", bytes.fromhex("0000b0bf"))
    with pytest.raises(ValueError):
        mc_encode(["s_nop 0\ns_nop 1"], "gfx1100")


@needs_llvm
@pytest.mark.parametrize("mcpu", TARGETS)
def test_mc_encode_reassembles_objdump(cache, mcpu):
    src = next(f for f in corpus_files() if "int_arith" in f.name)
    insts = [i for i in objdump(compile_cl(src, mcpu, cache_dir=cache), mcpu) if " 0x" not in i.text]
    got = mc_encode([i.text for i in insts], mcpu)
    # Without literals (which LLVM may re-encode as inline constants) and branches, text round-trips.
    same = [g for i, g in zip(insts, got) if g and g[1] == b"".join(w.to_bytes(4, "little") for w in i.words)]
    assert len(same) >= 0.9 * len(insts)


@needs_llvm
def test_build_big_kernel_small(tmp_path):
    import importlib.util
    from pathlib import Path
    spec = importlib.util.spec_from_file_location(
        "make_big_kernel", Path(__file__).resolve().parents[1] / "benchmarks" / "make_big_kernel.py")
    mbk = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mbk)
    out = mbk.build_big_kernel(tmp_path / "big.hsaco", "gfx1100", target_insts=3000)
    n = len(objdump(out, "gfx1100"))
    assert n == mbk.count_insts(out, "gfx1100") and 2500 < n < 4000
