"""A kernel's code as the simulator runs it: each instruction decoded once into its raw fields and operands.

The disassembler's tables say, per opcode, which fields are operands and how wide; the simulator reads the
same tables (no second decoder) and keeps the field values instead of the text.
"""
from __future__ import annotations
from dataclasses import dataclass, field
from isa.decode import Disassembler
from isa.instruction import Instruction

ALU = {"SOP1", "SOP2", "SOPC", "SOPK", "VOP1", "VOP2", "VOPC", "VOP3", "VOP3P", "VOPD"}
DST_FIELDS = {"vdst", "sdst", "sdata", "vdstx", "vdsty"}


@dataclass
class Src:
  val: int            # the 9-bit source encoding (0..255 scalar/constant, 256+ VGPR), or a VGPR number for vgpr8 fields
  width: int          # dwords
  rule: str           # inline-constant type from the tables: b32, b64, f64, f16, i16, pk16, bf16...
  hi: bool = False    # a true16 operand's high half (v1.h)


@dataclass
class Dst:
  kind: str           # "v" VGPR, "s" SGPR (incl. vcc/exec/null), "vcc" the implicit carry/compare mask
  reg: int
  width: int
  hi: bool = False


@dataclass
class Op:
  """One instruction, ready to run: what the semantics table is keyed by and the operands it needs."""
  inst: Instruction
  name: str                       # mnemonic without encoding suffix: v_add_f32, s_load_b64, v_dual_... halves apart
  enc: str                        # SOP1, VOP3, DS, GLOBAL...
  f: dict                         # every field of the encoding, by name
  dsts: list[Dst] = field(default_factory=list)
  srcs: list[Src] = field(default_factory=list)
  literal: int | None = None
  dpp: tuple[int, int] | None = None   # (233 dpp8 / 234 dpp8 fi / 250 dpp16, the DPP dword)
  pair: tuple["Op", "Op"] | None = None  # VOPD: the X and Y halves
  implicit_src: tuple[str, ...] = ()   # named registers read after the sources (vcc_lo carry-in, ...)
  widths: dict = field(default_factory=dict)   # memory ops: operand field -> dwords (vdst, data, addr...)
  returns: bool = False                # an atomic that returns the old value

  @property
  def pc(self) -> int: return self.inst.pc


SUFFIXES = ("_e32", "_e64", "_dpp", "_sdwa")


def base_name(m: str) -> str:
  for s in SUFFIXES:
    if m.endswith(s): m = m[:-len(s)]
  return m.replace("v_dual_", "v_", 1)


def _classes(d: Disassembler, entry: dict, field_name: str) -> str:
  c = entry.get("cls", {}).get(field_name)
  return d.classes[c]["rule"] or "b32" if c is not None else "b32"


def _operands(d: Disassembler, entry: dict, f: dict, slots) -> tuple[list[Dst], list[Src], tuple[str, ...]]:
  dsts, srcs, implicit = [], [], []
  seen_src = False
  for s in slots:
    if isinstance(s, str):             # a register the encoding implies: vcc_lo before the sources is written
      if not seen_src: dsts.append(Dst("vcc", 106, 2 if s == "vcc" else 1))
      else: implicit.append(s)
      continue
    name, width = s[0], s[1]
    if name in ("simm16", "imm", "literal", "msg"): continue
    if name in DST_FIELDS:
      kind = "s" if (len(s) > 2 and s[2] == "s") or name in ("sdst", "sdata") else "v"
      reg = f[name]
      hi = False
      if len(s) > 3 and kind == "v": reg, hi = reg & 127, bool(reg & 128)
      dsts.append(Dst(kind, reg, width, hi)); continue
    seen_src = True
    val, hi = f[name], False
    if name.startswith("vsrc"): val += 256          # 8-bit VGPR fields: the same space as src9's 256+
    elif name == "sbase": val *= 2
    if len(s) > 3 and val >= 256:                      # true16: VGPR bit 7 picks the high half
      r = val - 256
      val, hi = 256 + (r & 127), bool(r & 128)
    srcs.append(Src(val, width, _classes(d, entry, name), hi))
  return dsts, srcs, tuple(implicit)


def build_ops(d: Disassembler, instructions: list[Instruction]) -> dict[int, Op]:
  """pc -> Op for every instruction the tables describe (others are left out: running one is an error)."""
  ops = {}
  for inst in instructions:
    words = inst.words
    enc = d.encoding_of(words[0])
    if enc is None or inst.mnemonic == ".long": continue
    v = 0
    for k, w in enumerate(words[:enc.words]): v |= w << 32 * k
    f = {fl.name: fl.get(v) for fl in enc.fields}
    extra = list(words[enc.words:])
    opc = enc.opcode.get(words[0])
    if enc.name == "VOPD":
      x, y = d.ops["VOPDX"].get(opc), d.ops["VOPDY"].get(f["opy"])
      f["vdsty"] = f["vdsty"] << 1 | (f["vdstx"] & 1 ^ 1)
      lit = extra[0] if extra else None
      halves = []
      for e in (x, y):
        dsts, srcs, imp = _operands(d, e, f, e["ops"])
        halves.append(Op(inst, base_name(e["m"]), "VOPD", f, dsts, srcs, lit, None, None, imp))
      ops[inst.pc] = Op(inst, "v_dual", "VOPD", f, literal=lit, pair=tuple(halves))
      continue
    entry = d.ops.get(enc.name, {}).get(opc)
    if entry is None: continue
    slots = entry["ops"] if enc.name in ALU else []   # memory operands are read from the fields by emu.memory
    mnem = entry["m"]
    returns = False
    if enc.name in ("FLAT", "GLOBAL", "SCRATCH", "MUBUF") and "atomic" in mnem:
      returns = bool(f["glc"] if "glc" in f else f.get("th", 0) & 1)
    mem = entry.get("ops_rtn", entry["ops"]) if returns else entry["ops"]
    widths = {s[0]: s[1] for s in mem if isinstance(s, list) and isinstance(s[1], int)}
    dpp = None
    if f.get("src0") in (233, 234, 250) and enc.name in ("VOP1", "VOP2", "VOPC", "VOP3", "VOP3P") and extra \
       and ("dpp" in entry or "dpp8" in entry):
      dpp = (f["src0"], extra.pop(0))
      f["src0"] = 256 + (dpp[1] & 0xFF)
    literal = extra[0] if extra else None
    dsts, srcs, imp = _operands(d, entry, f, slots)
    ops[inst.pc] = Op(inst, base_name(mnem), enc.name, f, dsts, srcs, literal, dpp, None, imp, widths, returns)
  return ops
