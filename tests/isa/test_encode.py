"""Assembler tests: isa/encode.py against our own decoder (text -> bytes -> the same text) and against llvm-mc-19.

Round trips: every instruction the decoder prints, from the compiled corpus and the real captures, must
assemble back to its original words. The few that cannot (two encodings printing the same text, e.g. the
literal 0xffffffff and the inline constant -1 both print "-1") must come out as llvm-mc encodes that text.

LLVM quirks: for a few texts llvm-mc's own bytes print as another text (objdump shows an i16 operand's literal
0x3f800000 as "1.0", which llvm-mc assembles to the inline constant printing "0x3c00"; s_setreg_imm32_b32 takes
a float's double bits; ds_swizzle BITMASK_PERM without p/i bits comes back as BROADCAST). There we keep the
round trip (bytes that print as written) and compare with llvm-mc only where its bytes print back as the text.
"""
from __future__ import annotations
import io, json, random, struct
from pathlib import Path
import pytest
from isa.decode import Disassembler, UnsupportedArch, load_table
from isa.elf import load_code_object
from isa.encode import AsmError, assemble, assemble_lines, canonical_mnemonic, cli, code_lines, hex_words
from isa.encodings import ENCODINGS, family
from tests.isa.test_disasm import capture_code_objects
from tests.llvm_oracle import (compile_cl, corpus_builds, corpus_files, have_llvm, disassemble_words, llvm_version,
                               mc_encode)
from tools.fuzz_report import MCPU, gen_probes

needs_llvm = pytest.mark.skipif(not have_llvm(), reason="LLVM 19 (clang-19, llvm-objdump-19, llvm-mc-19) missing")
ARCHS = {"gfx1100": "gfx1100", "gfx1200": "gfx1200", "gfx942": "gfx942"}   # targets with tables -> LLVM's --mcpu
CASES = {arch: Path(__file__).with_name(f"asm_cases_{arch}.s") for arch in ("gfx1100", "gfx942")}   # hand-written
MAX_AMBIGUOUS = 0.001   # share of corpus instructions whose text two encodings print (-1 as a literal...)

# (text, words as llvm-mc-19 -mcpu=gfx1100 encodes it): runs without LLVM
PINNED = [
  ("v_add_f32 v0, 1.0, v1", "060002f2"),                                   # bare mnemonic -> _e32, inline 1.0
  ("v_add_f32 v0, v1, s1", "d5030000 00000301"),                           # sgpr src1 -> _e64
  ("v_add_f32 v0, 0x12345678, v1", "060002ff 12345678"),
  ("v_fma_f32 v0, -|v1|, v2, |v3| clamp div:2", "d6138500 3c0e0501"),
  ("v_cmp_eq_u32 vcc_lo, v1, v2", "7c940501"),
  ("v_cmp_eq_u32 s0, v1, v2", "d44a0000 00020501"),
  ("v_cmpx_gt_u32_e64 s3, v0", "d4cc007e 00020003"),                       # vdst = exec_lo though not printed
  ("v_cndmask_b32 v0, v1, v2, vcc_lo", "02000501"),
  ("v_add_co_u32 v0, s0, v1, v2", "d7000000 00020501"),
  ("v_add_f64 v[0:1], 0x40080000, v[2:3]", "d7270000 000204ff 40080000"),  # fp64 literal = high half
  ("v_add_f16 v0, 0x3800, v1", "640002f0"),                                # f16 bits 0.5: inline
  ("v_add_nc_u16 v0, 0x3800, v1", "d7030000 000202ff 00003800"),           # i16: a literal
  ("s_mov_b64 s[0:1], 0xffffffff", "be8001ff ffffffff"),
  ("s_mov_b32 s0, 4294967295", "be8000c1"),                                # 32-bit -1: inline
  ("v_pk_add_f16 v0, v1, v2", "cc0f4000 18020501"),                        # op_sel_hi defaults to ones
  ("v_pk_add_f16 v0, v1, v2 op_sel_hi:[0,0]", "cc0f4000 00020501"),
  ("v_fma_mix_f32 v0, -v1, |v2|, v3 op_sel:[1,0,0] op_sel_hi:[1,0,0]", "cc200a00 2c0e0501"),
  ("v_mad_u16 v0, v1, v2, v3 op_sel:[1,0,0,1]", "d6414800 040e0501"),
  ("v_dual_mul_f32 v0, v1, v2 :: v_dual_add_f32 v3, v4, v5", "c8c80501 00020b04"),
  ("v_dual_fmaak_f32 v0, v1, v2, 0x41000000 :: v_dual_mov_b32 v3, 0x41000000", "c8500501 000200ff 41000000"),
  ("v_add_f32 v0, v1, v2 row_shl:1", "060004fa ff010101"),
  ("v_add_f32 v0, -v1, |v2| quad_perm:[1,0,3,2] bound_ctrl:1 fi:1", "060004fa ff9cb101"),
  ("v_add_f32 v0, v1, v2 dpp8:[7,6,5,4,3,2,1,0]", "060004e9 05397701"),
  ("s_waitcnt vmcnt(0) lgkmcnt(0)", "bf890007"),
  ("s_delay_alu instid0(VALU_DEP_1) | instskip(NEXT) | instid1(VALU_DEP_2)", "bf870111"),
  ("s_sendmsg sendmsg(MSG_DEALLOC_VGPRS)", "bfb60003"),
  ("s_getreg_b32 s0, hwreg(HW_REG_HW_ID1, 4, 8)", "b8803917"),
  ("s_waitcnt_depctr depctr_va_vdst(0)", "bf880f9f"),
  ("s_cbranch_execz 43", "bfa5002b"),
  ("s_branch -5", "bfa0fffb"),
  ("s_load_b32 s4, s[0:1], 0x10", "f4000100 f8000010"),
  ("s_load_b32 s4, s[0:1], s5 offset:0x10", "f4000100 0a000010"),
  ("global_load_b32 v0, v[2:3], off", "dc520000 007c0002"),
  ("global_load_b32 v0, v2, s[2:3] offset:-16 glc slc dlc", "dc52fff0 00020002"),
  ("global_atomic_add_u32 v1, v2, v0, s[4:5] glc", "dcd64000 01040002"),
  ("scratch_load_b32 v0, v1, s2 offset:-16", "dc511ff0 00820001"),
  ("flat_load_b32 v0, v[2:3] offset:16", "dc500010 007c0002"),
  ("ds_store_2addr_b32 v1, v2, v3 offset0:4 offset1:8", "d8380804 00030201"),
  ('ds_swizzle_b32 v0, v1 offset:swizzle(BITMASK_PERM,"01pi0")', "d8d40906 00000001"),
  ("buffer_load_b32 v0, v1, s[0:3], s4 offen offset:16 glc", "e0504010 04400001"),
]

# (text, words as llvm-mc-19 -mcpu=gfx942 encodes it): GCN layouts, wave64, SDWA, gfx9 DPP, AGPRs, MFMA
PINNED_GFX942 = [
  ("s_load_dword s0, s[0:1], 0x10", "c0020000 00000010"),                   # imm 1: a 21-bit offset
  ("s_load_dword s0, s[0:1], s2", "c0000000 00000002"),                     # imm 0: the sgpr in the offset field
  ("s_load_dword s0, s[0:1], s2 offset:0x10", "c0024000 04000010"),         # soe: sgpr in soffset, plus offset
  ("s_waitcnt vmcnt(33) lgkmcnt(3)", "bf8c8371"),                           # vmcnt split over bits 3:0, 15:14
  ("s_mov_b32 s0, flat_scratch_lo", "be800066"),
  ("s_mov_b32 s0, m0", "be80007c"),                                         # m0 is 124 on gfx9
  ("s_set_gpr_idx_on s0, gpr_idx(SRC0,DST)", "bf110900"),
  ("v_cmp_eq_u32_e64 s[0:1], v1, v2", "d0ca0000 00020501"),                 # wave64 mask
  ("v_add_f32_sdwa v0, -|s1|, 1.0 clamp mul:2 dst_sel:BYTE_0 dst_unused:UNUSED_PRESERVE src0_sel:WORD_1 "
   "src1_sel:BYTE_2", "0201e4f9 82b57001"),
  ("v_cmp_eq_f32_sdwa s[2:3], v1, v2 src0_sel:WORD_1 src1_sel:BYTE_2", "7c8404f9 02058201"),
  ("v_mov_b32_sdwa v0, v1", "7e0002f9 00061601"),                           # selects default to DWORD, PRESERVE
  ("v_add_f32_dpp v0, v1, v2 row_bcast:15 row_mask:0xa bank_mask:0xf bound_ctrl:0", "020004fa af094201"),
  ("v_mov_b32_dpp v0, v1 wave_shl:1 row_mask:0xf bank_mask:0xf", "7e0002fa ff013001"),
  ("v_mfma_f32_32x32x1_2b_f32 a[0:31], v1, a2, a[0:31] cbsz:1 abid:1 blgp:2", "d3c08900 54020501"),
  ("v_mfma_f64_16x16x4_f64 v[0:7], v[0:1], v[2:3], v[0:7] neg:[1,0,0]", "d3ee0000 24020500"),
  ("v_accvgpr_read_b32 v0, a1", "d3d84000 18000101"),
  ("ds_read_b32 a0, v1", "da6c0000 00000001"),                              # acc bit: AGPR data
  ("global_load_dword v0, v1, s[0:1] offset:-16 sc0 sc1 nt", "de539ff0 00000001"),
  ("global_load_dword v0, v[0:1], off", "dc508000 007f0000"),               # gfx9 'off' is 127
  ("global_atomic_add v0, v1, v2, s[0:1] sc0", "dd098000 00000201"),        # sc0: returns
  ("scratch_load_dword v0, v1, off", "dc506000 007f0001"),
  ("buffer_load_dword v0, v1, s[0:3], s4 offen offset:16 sc0 nt sc1", "e052d010 04000001"),
  ("buffer_load_dword off, s[0:3], s4 offset:4095 lds", "e0510fff 04000000"),
]

# (arch, words) the decoder prints as text llvm-mc rejects or assembles to other bytes: they must still round-trip
ROUND_TRIP_ONLY = [
  ("gfx1100", "d52b8067 4001feea 5f0cbea9 bb17beab"),   # VOP3 DPP8 with a literal (after the DPP dword)
  ("gfx1200", "d52b8067 4001feea 5f0cbea9 bb17beab"),
  ("gfx1100", "d5030000 0001fefa ff010101 12345678"),   # VOP3 DPP16 with a literal
  ("gfx1200", "d6130000 040dfefa ff00e401 40200000"),
  ("gfx942", "7d6d7eff 3f800000"),                      # i16 literal printing 1.0 (llvm-mc: inline 0x3c00)
  ("gfx942", "7ce9bcff 00000040"),                      # f64 literal printing 0x40 (llvm-mc: inline 64)
  ("gfx942", "5f3a6aff 00010026"),                      # i16 literal printing 0x26 (llvm-mc: inline 38)
  ("gfx942", "4b707aff cb7c734e"),                      # one literal, printed 16-bit (0x734e) and whole
  ("gfx942", "ba0004de 3e22f983"),                      # s_setreg_imm32_b32 ..., 0.15915494 (llvm-mc: double bits)
  ("gfx942", "d87a0c00 15000021"),                      # swizzle(BITMASK_PERM,"00011") (llvm-mc: BROADCAST)
  ("gfx1200", "bf5cf2f8"),                              # s_cmp_nle_f16 0x3118, 0x3c00: inline constants
  ("gfx1200", "bf55fff2 000061a5"),                     # s_cmp_lg_f16 0x3c00, 0x61a5: inline + literal
  ("gfx1200", "ee0d407e 775c008e 000000bf"),            # th:TH_ATOMIC_CASCADE_RT, returning (th 5)
  ("gfx1100", "dc781403 3c7c009c"),                     # flat offset:5123 (13 bits; llvm-mc takes 12)
  ("gfx942", "dc501000 00000000"),
  ("gfx1200", "7e7638e9 d77c9a14"),                     # t16 DPP8 source
  ("gfx1200", "02d3d6fa 65ed414e"),                     # v_cndmask_b32_dpp ..., -|v235, vcc_lo|
  ("gfx942", "d3dec09d 03edfbb8"),                      # MFMA: AGPR destination, constant accumulator
  ("gfx942", "7d71e0f9 810a006d"),                      # SDWA src1 inline printed 0x3800
  ("gfx942", "7ebc2afa cb395b2d"),                      # gfx9 DPP with a 64-bit source
  ("gfx1100", "c8596dc0 aed018ff 00003118"),            # VOPD beside fmaak: the other half's literal class (cls_k)
]

# lines no assembler should take, and a word the one-line message must contain
GARBAGE = [
  ("v_bogus v0, v1", "unknown mnemonic 'v_bogus'"),
  ("v_add_f32 v0, v1", "takes 3 operands"),
  ("v_add_f32 v0, v1, v2 foo", "bad operand 'v2 foo'"),
  ("v_add_f32 v256, v1, v2", "bad operand 'v256'"),
  ("v_add_f32_e32 v0, v1, s2", "operand 3 of v_add_f32_e32"),
  ("v_add_f32 v0, 1.5, 2.5", "only one distinct literal"),
  ("v_add_nc_u32 v0, -v1, v2", "neg modifier not allowed"),
  ("v_fma_f32 v0, v1, v2, v3 mul:3", "bad output modifier"),
  ("s_mov_b32 s0, v1", "VGPR 'v1' not allowed"),
  ("s_mov_b64 s[0:1], s2", "2 dwords wide"),
  ("s_mov_b32 s106, 0", "bad operand 's106'"),
  ("s_load_b32 s4, s[1:2], 0", "bad operand 's[1:2]'"),
  ("s_load_b32 s4, s[0:1], 0x100000", "offset must be an integer"),
  ("global_load_b32 v0, v2, off", "2 dwords wide"),
  ("flat_load_b32 v0, v[2:3] offset:-1", "offset must be an integer in [0, 8191]"),   # (objdump prints 13 bits)
  ("ds_load_b32 v1, v2 offset:65536", "offset must be an integer"),
  ("ds_store_2addr_b32 v1, v2, v3 offset:4", "offset0:/offset1:"),
  ("s_waitcnt vmcnt(64)", "too large"),
  ("s_waitcnt foo(1)", "bad counter"),
  ("s_delay_alu instid0(VALU_DEP_9)", "bad s_delay_alu field"),
  ("s_sendmsg sendmsg(MSG_NOPE)", "unknown symbolic operand"),
  ("s_branch -32769", "immediate must be an integer"),
  ("s_cbranch_scc0 label", "immediate must be an integer"),
  ("v_readfirstlane_b32 s0, 1", "constant '1' not allowed"),
  ("v_fmaak_f32 v0, v1, v2", "takes 4 operands"),
  ("v_dual_mul_f32 v0, v1, v2 :: v_dual_add_f32 v2, v4, v5", "different parity"),
  ("v_dual_mul_f32 v0, v1, v2 :: v_add_f32 v3, v4, v5", "unknown VOPD Y mnemonic"),
  ("v_add_f32 v0, v1, v2 row_shl:0", "row_shl must be an integer in [1, 15]"),
  ("v_add_f32 v0, v1, v2 quad_perm:[0,1,2]", "quad_perm needs [4 values"),
  ("v_pk_add_f16 v0, v1, v2 op_sel:[2,0]", "op_sel needs"),
  ("s_nop 0 glc", "modifier 'glc' not allowed"),
  ("v_mov_b32 v0, -v1", "neg modifier not allowed"),
  ("v_cmp_gt_u64 s[0:1], v[0:1], v[2:3]", "1 dword wide"),          # wave32: the mask is one sgpr
  ("", "empty line"),
]


GARBAGE_GFX942 = [
  ("v_add_f32_e64 v0, v1, 0x1234", "no literal in gfx9 VOP3"),
  ("s_mov_b32 s0, s102", "bad operand 's102'"),                      # 102.. are flat_scratch, xnack_mask
  ("v_cmp_eq_u32_e64 s0, v1, v2", "2 dwords wide"),                  # wave64: the mask is a pair
  ("v_mfma_f32_32x32x1_2b_f32 a[0:31], v1, v2, v[0:31]", "AGPRs or all VGPRs"),
  ("v_mfma_f32_32x32x1_2b_f32 a[0:31], v1, v2, a[0:31] clamp", "clamp not allowed"),
  ("ds_write2_b32 v1, a2, v3 offset1:1", "AGPRs or all VGPRs"),
  ("v_mov_b32_dpp v0, v1 row_share:1 row_mask:0xf bank_mask:0xf", "DPP needs exactly one"),
  ("v_mov_b32_dpp v0, v1 quad_perm:[0,1,2,3] fi:1", "fi not allowed"),
  ("v_mov_b32_dpp v0, v1 row_bcast:7", "row_bcast must be 15 or 31"),
  ("v_add_f32_sdwa v0, v1, v2 src0_sel:BYTE_4", "src0_sel must be"),
  ("v_cmp_eq_f32_sdwa vcc, v1, v2 dst_sel:BYTE_0", "dst_sel/dst_unused not allowed"),
  ("v_mov_b32_sdwa v0, 0x1234 src0_sel:BYTE_0", "bad SDWA operand"),
  ("ds_read_b32 v0, v1 gds", "modifier 'gds' not allowed"),
  ("global_load_dword v0, v[0:1], off glc", "modifier 'glc' not allowed"),
  ("s_load_dword s0, s[0:1], 0x100000", "offset must be an integer"),
]


def words_of(text: str) -> tuple[int, ...]:
  return tuple(int(w, 16) for w in text.split())


def as_bytes(words) -> bytes:
  return struct.pack(f"<{len(words)}I", *words)


# --------------------------------------------------------------------------- no LLVM needed

@pytest.mark.parametrize("text,want", PINNED, ids=[t for t, _ in PINNED])
def test_pinned_encodings(text, want):
  code = assemble(text, "gfx1100")
  assert hex_words(code) == want
  inst = Disassembler("gfx1100").disassemble(code)[0]   # and our canonical text assembles to the same bytes
  assert assemble(inst.text, "gfx1100", prefer_printed=True) == code


@pytest.mark.parametrize("text,want", PINNED_GFX942, ids=[t for t, _ in PINNED_GFX942])
def test_pinned_encodings_gfx942(text, want):
  code = assemble(text, "gfx942")
  assert hex_words(code) == want
  inst = Disassembler("gfx942").disassemble(code)[0]
  assert assemble(inst.text, "gfx942", prefer_printed=True) == code


@pytest.mark.parametrize("arch,words", ROUND_TRIP_ONLY, ids=[f"{a}:{w}" for a, w in ROUND_TRIP_ONLY])
def test_round_trip_only(arch, words):
  ws = words_of(words)
  inst = Disassembler(arch).disassemble(as_bytes(ws) + bytes(8))[0]
  assert inst.mnemonic != ".long" and inst.words == ws
  assert hex_words(assemble(inst.text, arch, prefer_printed=True)) == words, inst.text


@pytest.mark.parametrize("line,fragment", GARBAGE, ids=[g[0] or "empty" for g in GARBAGE])
def test_errors_are_one_line(line, fragment):
  with pytest.raises(AsmError) as e:
    assemble(line, "gfx1100")
  assert fragment in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize("line,fragment", GARBAGE_GFX942, ids=[g[0] for g in GARBAGE_GFX942])
def test_errors_gfx942(line, fragment):
  with pytest.raises(AsmError) as e:
    assemble(line, "gfx942")
  assert fragment in str(e.value) and "\n" not in str(e.value)


def test_unsupported_target():
  with pytest.raises(UnsupportedArch):
    assemble("s_nop 0", "gfx906")


def test_assemble_lines_skips_comments_and_labels():
  src = ["// a kernel", "entry:", "  s_mov_b32 s0, 1   ; set", "", "s_endpgm // done"]
  assert [hex_words(c) for c in assemble_lines(src, "gfx1100")] == ["be800081", "bfb00000"]
  assert code_lines(src) == [(3, "s_mov_b32 s0, 1"), (5, "s_endpgm")]
  with pytest.raises(AsmError, match=r"^line 2: unknown mnemonic 's_bogus'"):
    assemble_lines(["s_nop 0", "s_bogus"], "gfx1100")


def test_cli_hex_and_json(tmp_path, capsys):
  src = tmp_path / "k.s"
  src.write_text("v_add_f32 v0, v1, s1\ns_waitcnt vmcnt(0) & lgkmcnt(0)\n")
  assert cli(["--arch", "gfx1100", str(src)]) == 0
  assert capsys.readouterr().out.split("\n")[:2] == ["d5030000 00000301", "bf890007"]
  assert cli(["--arch", "gfx1100", "--json", str(src)]) == 0
  assert json.loads(capsys.readouterr().out) == [
    {"text": "v_add_f32_e64 v0, v1, s1", "hex": "d5030000 00000301"},
    {"text": "s_waitcnt vmcnt(0) lgkmcnt(0)", "hex": "bf890007"}]


def test_cli_stdin_and_bad_lines(monkeypatch, capsys):
  monkeypatch.setattr("sys.stdin", io.StringIO("s_endpgm\nv_add_f32 v0\n"))
  assert cli(["-"]) == 1
  out, err = capsys.readouterr()
  assert out.strip() == "bfb00000"
  assert err.startswith("amdviz asm: line 2: ") and "takes 3 operands" in err
  assert cli(["--arch", "gfx906", "-"]) == 1


# --------------------------------------------------------------------------- round trips through our decoder

def round_trip(insts, arch: str) -> tuple[int, list, list[str]]:
  """(instructions tried, ambiguous [(text, ours)], failures) for decoded instructions (`.long` skipped)."""
  dis, n, ambiguous, bad = Disassembler(arch), 0, [], []
  for inst in insts:
    if inst.mnemonic == ".long": continue
    n += 1
    try: ours = assemble(inst.text, arch)
    except AsmError as e:
      bad.append(f"{inst.hex}  {inst.text}\n  error: {e}"); continue
    if ours == as_bytes(inst.words): continue
    back = dis.disassemble(ours)[0].text
    if back == inst.text: ambiguous.append((inst.text, ours))
    else: bad.append(f"{inst.hex}  {inst.text}\n  ours: {hex_words(ours)}  {back}")
  return n, ambiguous, bad


def llvm_quirk(dis: Disassembler, text: str, llvm_code: bytes) -> bool:
  """llvm-mc's bytes for `text` print as another text (see the module doc): no reference for that text."""
  return dis.disassemble(llvm_code + bytes(12))[0].text != text


def check_ambiguous_like_llvm(ambiguous, arch: str):
  """Where the text cannot tell two encodings apart, ours must be the one llvm-mc picks."""
  dis, texts = Disassembler(arch), sorted({t for t, _ in ambiguous})
  ref = dict(zip(texts, mc_encode(texts, ARCHS[arch])))
  wrong = [f"{t}: ours {hex_words(o)}, llvm {ref[t] and hex_words(ref[t][1])}" for t, o in ambiguous
           if ref[t] is None or ref[t][1] != o and not llvm_quirk(dis, t, ref[t][1])]
  assert not wrong, "\n".join(wrong[:20])


@needs_llvm
@pytest.mark.parametrize("arch", sorted(ARCHS))
def test_corpus_round_trip(arch, report):
  dis, insts = Disassembler(arch), []
  for src in corpus_files():
    for opt, extra in corpus_builds(src):
      co = load_code_object(compile_cl(src, ARCHS[arch], opt, extra_flags=extra).read_bytes(), arch)
      insts += dis.disassemble(co.text.data, co.text.addr)
  n, ambiguous, bad = round_trip(insts, arch)
  report(f"asm {arch}: {n - len(ambiguous) - len(bad)}/{n} corpus instructions assemble to their exact words "
        f"({100 * (n - len(ambiguous) - len(bad)) / n:.3f}%); {len(ambiguous)} print the same as LLVM's pick; "
        f"{len(bad)} fail")
  assert n > 20000
  assert not bad, "\n".join(bad[:30])
  assert len(ambiguous) <= MAX_AMBIGUOUS * n, ambiguous[:20]
  check_ambiguous_like_llvm(ambiguous, arch)


def capture_id(x) -> str:
  return getattr(x, "name", None) or (f"{x.parent.name}/{x.stem}" if isinstance(x, Path) else str(x))


CAPTURES = [c for c in capture_code_objects() if family(c[2]) in ("gfx11", "gfx12", "gfx94", "gfx95")]   # targets with tables


@pytest.mark.parametrize("cap_path,prog,arch", CAPTURES, ids=capture_id)
def test_capture_round_trip(cap_path, prog, arch):
  co = load_code_object(prog.lib, arch)
  n, ambiguous, bad = round_trip(Disassembler(arch).disassemble(co.text.data, co.text.addr), arch)
  print(f"{cap_path.parent.name}/{cap_path.stem} {prog.name}: {n - len(ambiguous) - len(bad)}/{n} exact")
  assert n > 0 and not bad and not ambiguous, "\n".join(bad[:20]) or ambiguous[:20]


# --------------------------------------------------------------------------- against llvm-mc

def _shown(ours) -> str:
  return hex_words(ours) if isinstance(ours, bytes) else str(ours)


def corpus_sample(arch: str, per_mnemonic: int = 3) -> list[str]:
  """Distinct disassembly texts from the corpus, a few per mnemonic."""
  dis, seen, out = Disassembler(arch), {}, []
  for src in corpus_files():
    for opt, extra in corpus_builds(src):
      co = load_code_object(compile_cl(src, ARCHS[arch], opt, extra_flags=extra).read_bytes(), arch)
      for inst in dis.disassemble(co.text.data, co.text.addr):
        if inst.mnemonic != ".long" and inst.text not in out and seen.get(inst.mnemonic, 0) < per_mnemonic:
          seen[inst.mnemonic] = seen.get(inst.mnemonic, 0) + 1
          out.append(inst.text)
  return out


@needs_llvm
@pytest.mark.parametrize("arch", sorted(ARCHS))
def test_matches_llvm_mc(arch):
  dis, corpus = Disassembler(arch), corpus_sample(arch)
  hand = [t for _, t in code_lines(CASES[arch].read_text().splitlines())] if arch in CASES else []
  hand += [t for t, _ in {"gfx1100": PINNED, "gfx942": PINNED_GFX942}.get(arch, [])]
  lines = corpus + hand
  ref = mc_encode(lines, ARCHS[arch])
  assert all(r is not None for r in ref[len(corpus):]), [t for t, r in zip(hand, ref[len(corpus):]) if r is None]
  mismatches, same, quirks = [], 0, 0
  for text, r in zip(lines, ref):
    if r is None: continue       # objdump prints a few texts llvm-mc will not read back
    try: ours = assemble(text, arch)
    except AsmError as e: ours = e
    if ours == r[1]: same += 1
    elif isinstance(ours, bytes) and llvm_quirk(dis, r[0], r[1]) and dis.disassemble(ours + bytes(12))[0].text == r[0]:
      quirks += 1                # llvm-mc's bytes print otherwise than its own text; ours print as that text
    else: mismatches.append(f"{text}\n  llvm: {hex_words(r[1])}  ours: {_shown(ours)}")
  print(f"\n{arch}: {same}/{sum(r is not None for r in ref)} lines encode like llvm-mc "
        f"({len(corpus)} from the corpus, {len(hand)} hand-written); {quirks} where llvm-mc's bytes print another "
        f"text encode to bytes printing llvm-mc's text")
  assert len(lines) > 300 and not mismatches, "\n".join(mismatches[:30])


# canonical -> the older spelling LLVM also takes (the inverse of isa.encode.canonical_mnemonic's rules)
_OLD_SIZES = {"b512": "dwordx16", "b256": "dwordx8", "b128": "dwordx4", "b96": "dwordx3", "b64": "dwordx2", "b32": "dword",
              "u8": "ubyte", "i8": "sbyte", "u16": "ushort", "i16": "sshort", "b8": "byte", "b16": "short"}
_OLD_DS = [("ds_load_2addr_stride64", "ds_read2st64"), ("ds_store_2addr_stride64", "ds_write2st64"),
           ("ds_load_2addr", "ds_read2"), ("ds_store_2addr", "ds_write2"), ("ds_load", "ds_read"), ("ds_store", "ds_write")]


def older_spelling(mnemonic: str, arch: str) -> str:
  import re
  if family(arch) == "gfx94": return re.sub(r"(_\d+x\d+x\d+)_", r"\1", mnemonic) if "mfma" in mnemonic else mnemonic
  m = mnemonic
  if m.startswith("ds_"):
    for new, old in _OLD_DS:
      if m.startswith(new + "_"): m = old + m[len(new):]; break
  elif re.match(r"(s_load|s_buffer_load|s_store|s_buffer_store|buffer|global|flat|scratch)_", m) and \
      not {"atomic", "d16", "addtid", "tr"} & set(m.split("_")):
    sizes = {k: v for k, v in _OLD_SIZES.items() if not m.startswith("s_") or v.startswith("dword") and v != "dwordx3"}
    m = "_".join(sizes.get(p, p) for p in m.split("_"))
  return m.replace("s_and_not1_", "s_andn2_").replace("s_or_not1_", "s_orn2_")


@needs_llvm
@pytest.mark.parametrize("arch", sorted(ARCHS))
def test_older_spellings_like_llvm_mc(arch, report):
  """Every corpus (and hand-written) instruction whose mnemonic has an older spelling: written that way, llvm-mc-19
  takes it and we encode it to the same bytes."""
  hand = [t for _, t in code_lines(CASES[arch].read_text().splitlines())] if arch in CASES else []
  lines = []
  for text in corpus_sample(arch, per_mnemonic=1) + hand:
    mn, _, rest = text.partition(" ")
    old = older_spelling(mn, arch)
    if old != mn and canonical_mnemonic(old, arch) == mn and "::" not in text: lines.append(f"{old} {rest}".strip())
  ref = mc_encode(lines, ARCHS[arch])
  wrong = []
  for text, r in zip(lines, ref):
    try: ours = assemble(text, arch)
    except AsmError as e: ours = e
    if r is None or ours != r[1]: wrong.append(f"{text}: llvm {r and hex_words(r[1])}, ours {_shown(ours)}")
  report(f"asm {arch}: {len(lines) - len(wrong)}/{len(lines)} older spellings encode like llvm-mc")
  assert len(lines) >= (2 if arch == "gfx942" else 20) and not wrong, "\n".join(wrong[:20])


@needs_llvm
def test_garbage_is_garbage_for_llvm_too():
  lines = [g for g, _ in GARBAGE if g and "label" not in g]   # LLVM resolves labels; we take branch offsets only
  assert mc_encode(lines, "gfx1100") == [None] * len(lines)
  lines = [g for g, _ in GARBAGE_GFX942]
  assert mc_encode(lines, "gfx942") == [None] * len(lines)


# LLVM 19 reads `null` as barrier id 19 in these gfx12 ops, though objdump prints ssrc0=null as `null`
LLVM_QUIRKS = ("s_barrier_signal", "s_barrier_join", "s_wakeup_barrier", "s_get_barrier_state", "s_barrier_init")


def random_probes(arch: str, n: int, seed: int) -> list[tuple[int, ...]]:
  """Random words for random table opcodes, sources biased towards registers, constants and literals."""
  fam, rnd = family(arch), random.Random(seed)
  table, encs = load_table(fam)["encodings"], {e.name: e for e in ENCODINGS[fam]}
  names = [t for t in table if t in encs or t.startswith("VOPD")]
  out = []
  for _ in range(n):
    name = rnd.choice(names)
    enc = encs.get(name) or encs["VOPD"]
    opf = enc.field("opy") if name == "VOPDY" else enc.opcode
    v = rnd.getrandbits(32 * enc.words) & ~enc.mask | enc.match
    v = v & ~opf.mask | int(rnd.choice(list(table[name]))) << opf.lo
    for fl in enc.fields:
      if fl.kind in ("src9", "ssrc8", "sdst7") and rnd.random() < 0.8:
        val = rnd.choice([rnd.randrange(256, 300), rnd.randrange(40), rnd.randrange(128, 209),
                          rnd.randrange(240, 249), 255, 106, 124, 126]) % (1 << (fl.hi - fl.lo + 1))
        v = v & ~fl.mask | val << fl.lo
      elif fl.name in ("abs", "neg", "neg_hi", "opsel", "omod", "clamp") and rnd.random() < 0.6:
        v &= ~fl.mask
    out.append(tuple(v >> 32 * k & 0xFFFFFFFF for k in range(enc.words)) + (rnd.getrandbits(32), rnd.getrandbits(32)))
  return out


@needs_llvm
@pytest.mark.parametrize("arch", sorted(ARCHS))
def test_random_encodings_match_llvm(arch):
  """Random encodings that llvm-objdump and we print alike: the text assembles to bytes that print the same,
  and wherever llvm-mc reads the text back, to llvm-mc's bytes."""
  dis, mcpu = Disassembler(arch), ARCHS[arch]
  probes = random_probes(arch, 6000, seed=1)
  agreed = []
  for p, r in zip(probes, disassemble_words(probes, mcpu)):
    inst = dis.disassemble(as_bytes(p))[0]
    if r and inst.mnemonic != ".long" and r == (inst.text, len(inst.words)): agreed.append(inst)
  texts = sorted({i.text for i in agreed})
  ref = dict(zip(texts, mc_encode(texts, mcpu)))
  bad, same, llvm_reads = [], 0, 0
  for inst in agreed:
    try: ours, mc_ours = assemble(inst.text, arch, prefer_printed=True), assemble(inst.text, arch)
    except AsmError as e:
      if ref[inst.text] is not None: bad.append(f"{inst.text}: {e}")
      continue
    if dis.disassemble(ours + bytes(8))[0].text != inst.text:
      bad.append(f"{inst.text}: ours {hex_words(ours)} prints differently")
    if ref[inst.text] is None or llvm_quirk(dis, inst.text, ref[inst.text][1]): continue
    llvm_reads += 1
    if mc_ours == ref[inst.text][1]: same += 1
    elif not (inst.mnemonic.startswith(LLVM_QUIRKS) and "null" in inst.text):
      bad.append(f"{inst.text}: ours {hex_words(ours)} llvm {hex_words(ref[inst.text][1])}")
  print(f"\n{arch}: {len(agreed)}/{len(probes)} random encodings print alike; {same}/{llvm_reads} that llvm-mc "
        f"reads back encode identically")
  assert len(agreed) > 2000 and not bad, "\n".join(bad[:30])


FUZZ_K, FUZZ_SEED = 300, 5   # probes per format (tools/fuzz_report.py --seed): ~5k per family; run it with more


@needs_llvm
@pytest.mark.parametrize("fam", sorted(MCPU))
def test_fuzz_round_trip(fam, report):
  """tools/fuzz_report.py's random encodings of every format, where llvm-objdump and we print them alike: each
  text assembles, to bytes printing the same text (its own words unless other bits print the same), and to
  llvm-mc's bytes wherever llvm-mc reads the text back to bytes printing that text."""
  mcpu = MCPU[fam]
  if not have_llvm(mcpu): pytest.skip(f"LLVM {llvm_version(mcpu)} missing")
  dis = Disassembler(mcpu)
  probes = [p for enc in ENCODINGS[fam] for p in gen_probes(fam, enc, FUZZ_K, FUZZ_SEED)]
  agreed = []
  for p, r in zip(probes, disassemble_words(probes, mcpu)):
    if r is None or "/*" in r[0] or "Warning" in r[0] or r[1] > len(p): continue
    inst = dis.disassemble(as_bytes(p))[0]
    if inst.mnemonic != ".long" and (inst.text, len(inst.words)) == r: agreed.append(inst)
  # every format the table has takes part (tbuffer MTBUF and export EXP too)
  formats = {e.name for e in ENCODINGS[fam] if e.name in load_table(fam)["encodings"] or e.name == "VOPD"}
  assert not (missing := formats - {dis.encoding_of(i.words[0]).name for i in agreed}), missing
  texts = sorted({i.text for i in agreed})
  ref = dict(zip(texts, mc_encode(texts, mcpu)))
  bad, exact, llvm_same, llvm_reads, quirks = [], 0, 0, 0, 0
  for inst in agreed:
    try: ours = assemble(inst.text, mcpu, prefer_printed=True)
    except AsmError as e:
      bad.append(f"{inst.hex}  {inst.text}\n  error: {e}"); continue
    if (back := dis.disassemble(ours + bytes(12))[0].text) != inst.text:
      bad.append(f"{inst.hex}  {inst.text}\n  ours: {hex_words(ours)}  {back}"); continue
    exact += ours == as_bytes(inst.words)
    r = ref[inst.text]
    if r is None: continue
    if fam == "gfx95" and inst.words[0] >> 26 == 0x34 and len(inst.words) == 3:
      continue   # llvm-mc-22 takes no gfx950 VOP3 literal (objdump-22 decodes it): drops the dword or inlines it
    if llvm_quirk(dis, inst.text, r[1]):
      quirks += 1; continue
    llvm_reads += 1
    if ours == r[1]: llvm_same += 1
    elif not (inst.mnemonic.startswith(LLVM_QUIRKS) and "null" in inst.text):
      bad.append(f"{inst.hex}  {inst.text}\n  ours: {hex_words(ours)}  llvm: {hex_words(r[1])}")
  report(f"asm fuzz {fam}: {len(agreed)}/{len(probes)} random encodings print alike (llvm-objdump, ours); all "
         f"{len(agreed) - len(bad)} assemble to bytes printing the same, {exact} to their exact words; "
         f"{llvm_same}/{llvm_reads} as llvm-mc ({quirks} texts llvm-mc encodes to bytes printing otherwise)")
  assert len(agreed) > len(probes) // 2 and not bad, "\n".join(bad[:30])


# --------------------------------------------------------------------------- gfx950 (against LLVM 22)

def _gfx950_corpus() -> list:
  """The corpus as llc-22 compiles clang-19's IR for gfx950 (builds using what gfx950 dropped are left out)."""
  dis, insts = Disassembler("gfx950"), []
  for src in corpus_files():
    for opt, extra in corpus_builds(src):
      try: co = load_code_object(compile_cl(src, "gfx950", opt, extra_flags=extra).read_bytes(), "gfx950")
      except RuntimeError: continue
      insts += dis.disassemble(co.text.data, co.text.addr)
  return insts


@pytest.mark.skipif(not have_llvm("gfx950"), reason="LLVM 22 (llvm-objdump-22, llvm-mc-22, llc-22) or clang-19 missing")
def test_gfx950_round_trip_and_llvm_mc_22(report):
  """gfx950 corpus code and random gfx950-only encodings (bitop3, lit(), ROTATE swizzles...) that llvm-objdump-22
  and we print alike: the text assembles back to its words (or to words printing the same, which must then be
  llvm-mc-22's), and wherever llvm-mc-22 reads a text, to its bytes."""
  dis, insts = Disassembler("gfx950"), _gfx950_corpus()
  table = load_table("gfx95")["encodings"]
  new = {e["m"] for t, ops in table.items() for e in ops.values()} - \
        {e["m"] for ops in load_table("gfx94")["encodings"].values() for e in ops.values()}
  probes = [p for enc in ENCODINGS["gfx95"] if enc.name in ("VOP1", "VOP2", "VOP3", "VOP3P", "DS", "GLOBAL")
            for p in gen_probes("gfx95", enc, 1500, 3)]
  for p, r in zip(probes, disassemble_words(probes, "gfx950")):
    i = dis.disassemble(as_bytes(p))[0]
    if r and r == (i.text, len(i.words)) and "/*" not in i.text and (i.mnemonic in new or "lit(" in i.text):
      insts.append(i)
  n, ambiguous, bad = round_trip(insts, "gfx950")
  assert n > 30000 and not bad, "\n".join(bad[:20])
  # (llvm-mc-22 takes no VOP3 literal on gfx950, which objdump-22 decodes: it drops the dword or picks the inline
  # constant; those texts are checked by the round trip only)
  vop3_lit = {i.text for i in insts if i.words[0] >> 26 == 0x34 and len(i.words) == 3}
  texts = [t for t in sorted({i.text for i in insts if i.mnemonic != ".long" and i.mnemonic.split("_e")[0] in new}) +
           sorted({i.text for i in insts if "lit(" in i.text})[:300] +
           sorted({i.text for i in insts if i.mnemonic != ".long"})[:800] if t not in vop3_lit]
  ref = mc_encode(texts, "gfx950")
  wrong = [f"{t}: llvm {hex_words(r[1])}, ours {hex_words(assemble(t, 'gfx950'))}" for t, r in zip(texts, ref)
           if r is not None and assemble(t, "gfx950") != r[1] and not llvm_quirk(dis, r[0], r[1])]
  amb_texts = sorted({t for t, _ in ambiguous} - vop3_lit)
  amb_ref = dict(zip(amb_texts, mc_encode(amb_texts, "gfx950")))
  wrong += [f"{t}: ours {hex_words(o)}, llvm {amb_ref[t] and hex_words(amb_ref[t][1])}" for t, o in ambiguous
            if t in amb_ref and amb_ref[t] is not None and amb_ref[t][1] != o and not llvm_quirk(dis, t, amb_ref[t][1])]
  report(f"asm gfx950: {n - len(ambiguous)}/{n} instructions assemble to their exact words, {len(ambiguous)} to "
         f"words printing the same; {sum(r is not None for r in ref)} of {len(texts)} texts read by llvm-mc-22, "
         f"{len(wrong)} encoded otherwise")
  assert not wrong, "\n".join(wrong[:20])


# hand-written gfx950 f8f6f4 MFMAs: cbsz / blgp (A / B formats fp8, bf8, fp6, bf6, fp4) narrow the A / B ranges;
# the scaled form (v_mfma_ld_scale_b32 + the MFMA with op_sel 1) with its scale byte selects, AGPRs; and texts
# llvm-mc-22 refuses (ranges of the wrong width, abid, an SGPR scale, a literal scale)
SCALED_LINES = [
  "v_mfma_f32_16x16x128_f8f6f4 v[0:3], v[4:9], v[12:19], v[20:23] cbsz:2",
  "v_mfma_f32_16x16x128_f8f6f4 v[0:3], v[4:7], v[12:15], v[20:23] cbsz:4 blgp:4",
  "v_mfma_f32_32x32x64_f8f6f4 a[0:15], a[4:9], v[12:17], a[16:31] cbsz:3 blgp:2",
  "v_mfma_scale_f32_16x16x128_f8f6f4 v[0:3], v[4:11], v[12:19], v[20:23], v24, v25",
  "v_mfma_scale_f32_16x16x128_f8f6f4 v[0:3], v[4:9], v[12:19], v[20:23], v24, v25 cbsz:2",
  "v_mfma_scale_f32_16x16x128_f8f6f4 v[0:3], v[4:7], v[12:15], v[20:23], v24, v25 op_sel:[1,0,0] op_sel_hi:[0,1,0] "
  "cbsz:4 blgp:4",
  "v_mfma_scale_f32_32x32x64_f8f6f4 v[0:15], v[4:11], v[12:19], 1.0, v1, v2 op_sel:[0,1,0] op_sel_hi:[1,1,0]",
  "v_mfma_scale_f32_32x32x64_f8f6f4 a[0:15], a[4:11], a[12:19], a[16:31], v1, v255 op_sel_hi:[1,0,0]",
  "v_mfma_scale_f32_32x32x64_f8f6f4 a[0:15], a[4:9], v[12:15], 0, v1, v2 cbsz:2 blgp:4",
  "v_mfma_f32_16x16x128_f8f6f4 v[0:3], v[4:11], v[12:19], v[20:23] cbsz:4 blgp:4",          # A/B too wide
  "v_mfma_scale_f32_32x32x64_f8f6f4 v[0:15], v[4:11], v[12:19], 1.0, v1, v2 blgp:2",         # B too wide
  "v_mfma_scale_f32_32x32x64_f8f6f4 v[0:15], v[4:11], v[12:19], 1.0, v1, v2 abid:1",         # no abid
  "v_mfma_scale_f32_32x32x64_f8f6f4 v[0:15], v[4:11], v[12:19], v[16:31], s24, v2",          # scales: VGPRs
  "v_mfma_scale_f32_32x32x64_f8f6f4 v[0:15], v[4:11], v[12:19], v[16:31], 64, v2",
]


def _scaled_probes(n: int, seed: int) -> list[tuple[int, ...]]:
  """Random v_mfma_ld_scale_b32 + f8f6f4 MFMA (op_sel 1) pairs: registers, formats, AGPR bits, scale selects."""
  enc, rnd = next(e for e in ENCODINGS["gfx95"] if e.name == "VOP3P"), random.Random(seed)
  table = load_table("gfx95")["encodings"]["VOP3P"]
  ld = next(int(op) for op, e in table.items() if e.get("scale_prefix"))
  mfmas = sorted(int(op) for op, e in table.items() if "scale" in e)
  def word(op: int, **fields) -> list[int]:
    v = enc.match | op << enc.opcode.lo
    for k, x in fields.items(): v |= x << enc.field(k).lo
    return [v & 0xFFFFFFFF, v >> 32]
  reg = lambda: 256 + rnd.randrange(256) if rnd.random() < 0.9 else rnd.choice([3, 106, 129, 242, 255])
  return [tuple(word(ld, src0=reg(), src1=reg(), opsel=rnd.randrange(4), opsel_hi=rnd.randrange(4)) +
                word(rnd.choice(mfmas), vdst=rnd.randrange(0, 256, 4), src0=256 + rnd.randrange(0, 256, 2),
                     src1=256 + rnd.randrange(0, 256, 2), src2=rnd.choice([256 + rnd.randrange(0, 256, 4), 128]),
                     opsel=1, neg_hi=rnd.randrange(8), neg=rnd.randrange(8), opsel_hi=rnd.randrange(4),
                     clamp=rnd.randrange(2))) for _ in range(n)]


@pytest.mark.skipif(not have_llvm("gfx950"), reason="LLVM 22 (llvm-objdump-22, llvm-mc-22, llc-22) or clang-19 missing")
def test_gfx950_scaled_and_narrow_mfma_like_llvm_mc_22(report):
  """gfx950 f8f6f4 MFMAs with narrowed A/B ranges and the scaled v_mfma_scale_* pair: we encode what llvm-mc-22
  encodes, to its bytes, refuse what it refuses; random pairs that llvm-objdump-22 and we print alike assemble back
  to their words, and to llvm-mc-22's bytes."""
  dis = Disassembler("gfx950")
  ref = mc_encode(SCALED_LINES, "gfx950")
  assert sum(r is not None for r in ref) == 9
  for text, r in zip(SCALED_LINES, ref):
    try: ours = assemble(text, "gfx950")
    except AsmError: ours = None
    assert ours == (r and r[1]), f"{text}: llvm {r and hex_words(r[1])}, ours {ours and hex_words(ours)}"
    if ours: assert dis.disassemble(ours)[0].text == r[0]
  probes = _scaled_probes(150, seed=2)
  agreed = [i for p, r in zip(probes, disassemble_words(probes, "gfx950")) if r and "/*" not in r[0] and
            (i := dis.disassemble(as_bytes(p))[0]).mnemonic.startswith("v_mfma_scale") and r == (i.text, len(i.words))]
  n, ambiguous, bad = round_trip(agreed, "gfx950")
  assert n > 60 and not bad and not ambiguous, "\n".join(bad[:20])
  texts = sorted({i.text for i in agreed})
  wrong = [t for t, r in zip(texts, mc_encode(texts, "gfx950")) if r is None or r[1] != assemble(t, "gfx950")]
  report(f"asm gfx950 scaled MFMA: {n} of {len(probes)} random pairs print alike and assemble back to their words, "
         f"{len(texts) - len(wrong)} of {len(texts)} texts as llvm-mc-22")
  assert not wrong, wrong[:10]


# --------------------------------------------------------------------------- image instructions (gfx11 MIMG, gfx12)

# hand-written: address lists (NSA), BVH, d16/a16/tfe sizes, cache policy; and texts LLVM refuses (wrong sizes)
IMAGE_LINES = {
  "gfx1100": ["image_sample v[0:3], v[0:1], s[0:7], s[8:11] dmask:0xf dim:SQ_RSRC_IMG_2D",
              "image_sample v[0:3], [v0, v5], s[0:7], s[8:11] dmask:0xf dim:SQ_RSRC_IMG_2D",
              "image_sample v[1:2], v[0:1], s[4:11], s[12:15] dmask:0xf dim:SQ_RSRC_IMG_2D d16",
              "image_sample v[1:2], v0, s[4:11], s[12:15] dmask:0x3 dim:SQ_RSRC_IMG_2D a16",
              "image_sample v[1:5], v[0:1], s[4:11], s[12:15] dmask:0xf dim:SQ_RSRC_IMG_2D unorm glc slc dlc r128 tfe lwe",
              "image_load v[1:2], v0, s[4:11] dmask:0x3 dim:SQ_RSRC_IMG_1D",
              "image_store v[1:2], v0, s[4:11] dmask:0x3 dim:SQ_RSRC_IMG_1D",
              "image_atomic_add v1, v0, s[4:11] dmask:0x1 dim:SQ_RSRC_IMG_1D glc",
              "image_msaa_load v[1:4], v[0:2], s[4:11] dmask:0x1 dim:SQ_RSRC_IMG_2D_MSAA",
              "image_gather4 v[1:4], v[0:1], s[4:11], s[12:15] dmask:0x1 dim:SQ_RSRC_IMG_2D",
              "image_bvh_intersect_ray v[4:7], v[9:19], s[4:7]",
              "image_bvh64_intersect_ray v[4:7], v[9:17], s[4:7] a16",
              "image_bvh_intersect_ray v[4:7], [v9, v10, v[11:13], v[14:16], v[17:19]], s[4:7]",
              "image_bvh_intersect_ray v[4:7], [v9, v10, v[11:13], v[14:16]], s[4:7] a16",
              "image_sample v[1:4], v[0:1], s[4:11], s[12:15] dmask:0xf dim:SQ_RSRC_IMG_2D tfe",      # data too narrow
              "image_bvh_intersect_ray v[4:7], v[9:24], s[4:7]"],                                   # 16 addresses
  "gfx1200": ["image_sample v[0:3], [v0, v1], s[0:7], s[8:11] dmask:0xf dim:SQ_RSRC_IMG_2D",
              "image_sample v[5:8], [v1, v2, v3], s[4:11], s[12:15] dmask:0xf dim:SQ_RSRC_IMG_3D",
              "image_sample v[5:9], [v1, v2], s[4:11], s[12:15] dmask:0xf dim:SQ_RSRC_IMG_2D unorm th:TH_LOAD_NT "
              "scope:SCOPE_SE r128 tfe lwe",
              "image_sample v[5:7], v1, s[4:11], s[12:15] dmask:0xf dim:SQ_RSRC_IMG_2D a16 tfe d16",
              "image_load v[5:7], [v1, v2], s[4:11] dmask:0xf dim:SQ_RSRC_IMG_2D th:TH_LOAD_NT scope:SCOPE_SYS r128 tfe d16",
              "image_load v[5:8], [v1, v2, v3, v4], s[4:11] dmask:0xf dim:SQ_RSRC_IMG_2D_MSAA_ARRAY",
              "image_store_mip v[5:8], [v1, v2, v3, v4], s[4:11] dmask:0xf dim:SQ_RSRC_IMG_CUBE",
              "image_atomic_add_uint v5, [v1, v2], s[4:11] dmask:0x1 dim:SQ_RSRC_IMG_2D th:TH_ATOMIC_RETURN",
              "image_get_resinfo v[5:8], v1, s[4:11] dmask:0xf dim:SQ_RSRC_IMG_2D",
              "image_bvh_intersect_ray v[4:7], [v9, v10, v[11:13], v[14:16], v[17:19]], s[4:7]",
              "image_bvh64_intersect_ray v[4:7], [v[9:10], v11, v[12:14], v[15:17], v[18:20]], s[4:7]",
              "image_load v[5:8], [v1, v2], s[4:11] dmask:0xf dim:SQ_RSRC_IMG_2D tfe",              # data too narrow
              "image_load v[5:7], [v1, v2], s[4:11] dmask:0xf dim:SQ_RSRC_IMG_2D lwe"],             # no lwe here
}


@needs_llvm
@pytest.mark.parametrize("arch", sorted(IMAGE_LINES))
def test_image_like_llvm_mc(arch):
  """Hand-written image instructions: we encode what llvm-mc-19 encodes, to its bytes, refuse what it refuses, and
  the bytes print back as the text (objdump-19 too)."""
  lines, dis = IMAGE_LINES[arch], Disassembler(arch)
  ref = mc_encode(lines, arch)
  assert sum(r is not None for r in ref) >= len(lines) - 2
  for text, r in zip(lines, ref):
    try: ours = assemble(text, arch)
    except AsmError: ours = None
    assert ours == (r and r[1]), f"{text}: llvm {r and hex_words(r[1])}, ours {ours and hex_words(ours)}"
    if ours:
      words = struct.unpack(f"<{len(ours) // 4}I", ours)
      assert dis.disassemble(ours)[0].text == text == disassemble_words([words], arch)[0][0]


@needs_llvm
def test_image_registers():
  """vdata is written by loads, samples and returning atomics, read by stores and atomics; every address VGPR
  and the resource and sampler SGPRs are read."""
  lines = ["image_sample v[0:3], [v4, v9], s[0:7], s[8:11] dmask:0xf dim:SQ_RSRC_IMG_2D",
           "image_store v[1:2], v0, s[4:11] dmask:0x3 dim:SQ_RSRC_IMG_1D",
           "image_atomic_add v1, v0, s[4:11] dmask:0x1 dim:SQ_RSRC_IMG_1D glc",
           "image_atomic_add v1, v0, s[4:11] dmask:0x1 dim:SQ_RSRC_IMG_1D",
           "image_bvh_intersect_ray v[4:7], v[9:19], s[4:7]"]
  dis, ref = Disassembler("gfx1100"), mc_encode(lines, "gfx1100")
  got = [dis.disassemble(r[1])[0] for r in ref]
  v = lambda *n: {f"v{k}" for k in n}
  s = lambda lo, hi: {f"s{k}" for k in range(lo, hi + 1)}
  want = [(v(4, 9) | s(0, 11), v(0, 1, 2, 3)), (v(0, 1, 2) | s(4, 11), set()), (v(0, 1) | s(4, 11), v(1)),
          (v(0, 1) | s(4, 11), set()), (v(*range(9, 20)) | s(4, 7), v(4, 5, 6, 7))]
  assert [(set(i.reads), set(i.writes)) for i in got] == want
