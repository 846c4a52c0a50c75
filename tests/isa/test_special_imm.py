"""Every value of the symbolically printed 16-bit immediates against llvm-objdump: all 65536 of each."""
import struct
import pytest
from isa.decode import Disassembler
from isa.encodings import ENCODINGS
from tests.llvm_oracle import have_llvm, disassemble_words

pytestmark = pytest.mark.skipif(not have_llvm(), reason="LLVM 19 not installed")

# (family, mcpu, encoding name, mnemonic whose immediate is printed structurally)
CASES = [("gfx11", "gfx1100", "SOPP", m) for m in ("s_waitcnt", "s_delay_alu", "s_waitcnt_depctr", "s_sendmsg")] + \
        [("gfx11", "gfx1100", "SOPK", "s_getreg_b32"), ("gfx11", "gfx1100", "DS", "ds_swizzle_b32")] + \
        [("gfx12", "gfx1200", "SOPP", m) for m in ("s_wait_alu", "s_delay_alu", "s_sendmsg")] + \
        [("gfx12", "gfx1200", "SOPK", "s_setreg_b32"), ("gfx11", "gfx1100", "SOPK", "s_version"),
         ("gfx12", "gfx1200", "SOPP", "s_endpgm")]


def words_for(fam: str, enc_name: str, mnemonic: str) -> list[tuple[int, ...]]:
  d = Disassembler({"gfx11": "gfx1100", "gfx12": "gfx1200"}[fam])
  enc = next(e for e in ENCODINGS[fam] if e.name == enc_name)
  op = next(op for op, e in d.ops[enc_name].items() if e["m"] == mnemonic)
  w = enc.match | op << enc.opcode.lo
  if enc_name == "DS":  # the swizzle pattern sits in offset0/offset1; v1 <- v2
    return [(w | imm, 1 << 24 | 2) for imm in range(1 << 16)]
  return [(w | imm,) for imm in range(1 << 16)]


@pytest.mark.parametrize("fam,mcpu,enc_name,mnemonic", CASES, ids=[f"{c[1]}-{c[3]}" for c in CASES])
def test_every_immediate_prints_like_llvm(fam, mcpu, enc_name, mnemonic, report):
  probes = words_for(fam, enc_name, mnemonic)
  ref = disassemble_words(probes, mcpu)
  d = Disassembler(mcpu)
  bad = []
  for v, (p, r) in enumerate(zip(probes, ref)):
    if r is None: continue           # (LLVM's /* invalid ... */ forms compared too)
    ours = d.disassemble(struct.pack(f"<{len(p)}I", *p))[0].text
    if ours != r[0]: bad.append(f"{v:#06x}: llvm {r[0]!r} ours {ours!r}")
  compared = sum(r is not None for r in ref)
  report(f"immediates {mcpu} {mnemonic}: {compared - len(bad)}/{compared} match llvm-objdump")
  assert compared > 1000 and not bad, "\n".join(bad[:20])
