"""What LLVM refuses or calls invalid (isa/validity.py), against llvm-objdump: words built from the tables' facts.

For every operand field the tables say takes some kind of value badly, one opcode per (format, field, value
class): the field set to each such kind's value. LLVM's text must equal ours where it decodes (its
`/*Invalid register, ...*/` and `/*Invalid immediate*/` comments included) and we must print `.long` where it
refuses. Also every DPP16 control value, whose invalid ones LLVM names in a comment of its own.
"""
from __future__ import annotations
import struct
import pytest
from isa.decode import Disassembler, load_table
from isa.encodings import ENCODINGS
from isa.gen_tables import probe_word   # (with the generator's defaults: every operand shows)
from isa.validity import kind_reps
from tests.llvm_oracle import disassemble_words, have_llvm

pytestmark = pytest.mark.skipif(not have_llvm(), reason="LLVM 19 (llvm-objdump-19, llvm-mc-19) not installed")
MCPU = {"gfx11": "gfx1100", "gfx12": "gfx1200", "gfx94": "gfx942"}
PAD = 0x3F800000    # the word after each probe: a literal 1.0 where one is read


def operand_probes(fam: str) -> list[tuple[str, tuple[int, ...]]]:
  """(what, words): per format, field and value class, one opcode's plain probe with that field at each kind
  the class names (other fields as the table generator's plain probe has them)."""
  table, out, seen = load_table(fam), [], set()
  for enc in ENCODINGS[fam]:
    for op, e in sorted(((int(k), e) for k, e in table["encodings"].get(enc.name, {}).items()), key=lambda x: x[0]):
      for name, cls in e.get("vals", {}).items():
        if (enc.name, name, cls) in seen or name not in enc.by_name: continue
        seen.add((enc.name, name, cls))
        f = enc.field(name)
        slot = next(s for s in e["ops"] if isinstance(s, list) and s[0] == name)
        reps = kind_reps(f.kind, f.hi - f.lo + 1, f.kind == "vgpr8" and slot[2:3] != ["s"])
        for kind in table["valclasses"][cls]:
          if kind in reps:
            v = probe_word(enc, op, **{name: reps[kind]})
            out.append((f"{enc.name} {e['m']} {name}={kind}",
                        tuple(v >> 32 * k & 0xFFFFFFFF for k in range(enc.words)) + (PAD, PAD)))
  return out


def compare(fam: str, probes) -> tuple[dict[str, int], list[str]]:
  """Counts of what LLVM did (plain text, text with an invalid-comment, refused) and where ours differs."""
  d = Disassembler(MCPU[fam])
  counts, bad = {"plain": 0, "invalid": 0, "refused": 0}, []
  for (what, ws), r in zip(probes, disassemble_words([w for _, w in probes], MCPU[fam])):
    ours = d.disassemble(struct.pack(f"<{len(ws)}I", *ws))[0]
    counts["refused" if r is None else "invalid" if "/*" in r[0] else "plain"] += 1
    if r is None and ours.mnemonic != ".long": bad.append(f"{what}: LLVM refuses, ours {ours.text!r}")
    elif r is not None and (ours.text, len(ours.words)) != r:
      bad.append(f"{what}: llvm {r!r} ours {(ours.text, len(ours.words))!r}")
  return counts, bad


@pytest.mark.parametrize("fam", sorted(MCPU))
def test_invalid_operands_like_llvm(fam, report):
  counts, bad = compare(fam, operand_probes(fam))
  report(f"invalid operands {MCPU[fam]}: {counts} probes, {len(bad)} differ from llvm-objdump")
  assert counts["invalid"] > 20 and counts["refused"] > 20 and not bad, "\n".join(bad[:20])


@pytest.mark.parametrize("fam", sorted(MCPU))
def test_every_dpp_control_like_llvm(fam, report):
  """v_mov_b32_dpp with each of the 512 control values (LLVM names the ones it calls invalid)."""
  vop1 = next(e for e in ENCODINGS[fam] if e.name == "VOP1")
  op = next(int(k) for k, e in load_table(fam)["encodings"]["VOP1"].items() if e["m"] == "v_mov_b32_e32")
  w = probe_word(vop1, op, src0=250, vdst=1)
  counts, bad = compare(fam, [(f"dpp_ctrl {c:#x}", (w, 0xFF000002 | c << 8, PAD)) for c in range(512)])
  report(f"dpp_ctrl {MCPU[fam]}: {counts} of 512 values, {len(bad)} differ from llvm-objdump")
  assert counts["invalid"] > 0 and not bad, "\n".join(bad[:20])
