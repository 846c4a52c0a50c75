"""isa/implicit.py and the operand roles: the registers an instruction reads and writes, checked on random
typed-buffer (tbuffer) and export encodings against the registers llvm-objdump-19 prints for them."""
from __future__ import annotations
import re, struct
import pytest
from isa.decode import Disassembler
from isa.encodings import ENCODINGS
from tests.llvm_oracle import disassemble_words, have_llvm
from tools.fuzz_report import MCPU, gen_probes

needs_llvm = pytest.mark.skipif(not have_llvm(), reason="LLVM 19 (clang-19, llvm-objdump-19, llvm-mc-19) not installed")
REG = re.compile(r"^(v|a|s|ttmp)(?:(\d+)|\[(\d+):(\d+)\])$")


def named_regs(tok: str) -> set[str]:
  """'v[2:3]' -> {'v2', 'v3'}; numbered VGPRs, AGPRs, SGPRs and ttmps only (constants, 'off', specials: none)."""
  m = REG.match(tok)
  if not m: return set()
  lo, hi = (int(m[2]), int(m[2])) if m[2] else (int(m[3]), int(m[4]))
  return {f"{m[1]}{k}" for k in range(lo, hi + 1)}


def llvm_roles(text: str) -> tuple[set[str], set[str]]:
  """(read, written) registers of a tbuffer/export text as LLVM prints it: a tbuffer load writes its first operand
  (the data) and reads the rest; stores and exports read every register they name."""
  mnemonic, _, rest = text.partition(" ")
  if mnemonic in ("exp", "export"): rest = rest.split(" ", 1)[1]   # the target ('mrt0') is no register
  toks = [t.split(" ")[0] for t in rest.split(", ")]
  regs = [named_regs(t) for t in toks]
  if mnemonic.startswith("tbuffer_load"): return set().union(*regs[1:]), regs[0]
  return set().union(*regs), set()


@needs_llvm
@pytest.mark.parametrize("fam,fmt", [("gfx11", "MTBUF"), ("gfx11", "EXP"), ("gfx12", "EXP"), ("gfx12", "MUBUF"),
                                     ("gfx94", "MTBUF")])
def test_typed_buffer_and_export_registers(fam, fmt):
  dis, enc = Disassembler(MCPU[fam]), next(e for e in ENCODINGS[fam] if e.name == fmt)
  probes = gen_probes(fam, enc, 400, 3)
  checked, bad = 0, []
  for p, r in zip(probes, disassemble_words(probes, MCPU[fam])):
    inst = dis.disassemble(struct.pack(f"<{len(p)}I", *p))[0]
    if r is None or (inst.text, len(inst.words)) != r or fmt == "MUBUF" and not inst.mnemonic.startswith("tbuffer"):
      continue                  # (gfx12 tbuffer ops are VBUFFER encodings, decoded as MUBUF)
    reads, writes = llvm_roles(r[0])
    ours = lambda regs: {x for x in regs if named_regs(x)}   # the same register classes
    checked += 1
    if (ours(inst.reads), ours(inst.writes)) != (reads, writes):
      bad.append(f"{r[0]}: reads {sorted(ours(inst.reads))} writes {sorted(ours(inst.writes))}")
  assert checked > 20 and not bad, "\n".join(bad[:20])
