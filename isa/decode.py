"""Table-driven decoder and formatter: machine code bytes -> Instruction, text as llvm-objdump 19 prints it."""
from __future__ import annotations
import json, struct
from functools import lru_cache
from pathlib import Path
from isa.encodings import CDNA, ENCODINGS, Encoding, family
from isa.instruction import Instruction, Operand
from isa.operand_text import LITERAL_RULES, ScalarNames, field_imm, vreg, sint
from isa import implicit
from isa.validity import SCALE, invalid_imm, lone_register, tuple_exists, value_kind
from isa.gc_pause import gc_paused

TABLES = Path(__file__).parent / "tables"
WRITE_FIELDS = {"vdst", "sdst", "sdata", "vdstx", "vdsty"}


class UnsupportedArch(ValueError): pass


@lru_cache(maxsize=None)
def load_table(fam: str) -> dict:
  path = TABLES / f"{fam}.json"
  if not path.exists(): raise UnsupportedArch(f"no instruction tables for {fam} yet (have: "
                                              f"{', '.join(sorted(p.stem for p in TABLES.glob('*.json')))})")
  return json.loads(path.read_text())


class Disassembler:
  def __init__(self, arch: str):
    try: self.arch, self.family = arch, family(arch)
    except ValueError as e: raise UnsupportedArch(str(e)) from None
    t = load_table(self.family)
    self.encodings: tuple[Encoding, ...] = ENCODINGS[self.family]
    self.ops = {name: {int(k): v for k, v in ops.items()} for name, ops in t["encodings"].items()}
    self.classes = t["classes"]
    self.special = t.get("special", {})
    self.verdicts: dict = {}                     # (value class, width, value, vgpr field) -> _operands' verdict
    self.valclasses = t.get("valclasses", [])   # isa/validity.py: how kinds of operand values fare, per field
    names = t.get("sregs")
    self.names = ScalarNames(names["nsgpr"], {int(k): v for k, v in names["32"].items()},
                             {int(k): v for k, v in names["64"].items()}) if names else ScalarNames()
    # word0 >> 23 selects the few encodings that can match; order inside keeps the table's priority
    self._by_top = [[e for e in self.encodings if (top << 23) & e.mask & 0xFF800000 == e.match & e.mask & 0xFF800000]
                    for top in range(512)]

  def encoding_of(self, w0: int) -> Encoding | None:
    for e in self._by_top[w0 >> 23]:
      if w0 & e.mask == e.match: return e
    return None

  def disassemble(self, code: bytes, base: int = 0, reuse: bool = True) -> list[Instruction]:
    """Decode a whole code range; unknown words print as `.long 0x...` and decoding goes on.
    reuse=False decodes every instruction afresh (the benchmark's worst case)."""
    n = len(code) // 4
    words = struct.unpack_from(f"<{n}I", code) + (0, 0, 0, 0)
    out, i = [], 0
    # kernels repeat encodings (unrolled loops): reuse a decoded instruction for the same words, moving only
    # its pc and branch target (the text shows the relative offset, so it does not change)
    sizes: dict[tuple[int, int], int] = {}   # (word0, word1) -> instruction size, per call: results stay honest
    seen: dict[tuple[int, ...], tuple[Instruction, int]] = {}
    with gc_paused():                       # no reference cycles here; collections cost ~20% on big kernels
      while i < n:
        pc = base + 4 * i
        size = sizes.get((words[i], words[i + 1]))
        tpl = seen.get(words[i:i + size]) if reuse and size and i + size <= n else None
        if tpl is None:
          inst = self.decode_at(words, i, pc, n)
          key = words[i:i + len(inst.words)]
          if len(seen) < 1 << 16 and len(key) == len(inst.words):
            sizes[(words[i], words[i + 1])] = len(inst.words)
            seen[key] = (inst, pc)
        else:
          t, tpc = tpl
          inst = t if tpc == pc else Instruction(pc, t.words, t.mnemonic, t.text, t.operands, t.reads, t.writes,
                                                  None if t.target is None else t.target - tpc + pc, t.flow)
        out.append(inst)
        i += len(inst.words)
    return out

  def decode_at(self, words, i: int, pc: int, n: int) -> Instruction:
    w0 = words[i]
    enc = self.encoding_of(w0)
    entry = None
    if enc is not None:
      op = enc.opcode.get(w0)
      if enc.name == "VOPD":
        x, y = self.ops["VOPDX"].get(op), self.ops["VOPDY"].get(enc.field("opy").get(w0))
        entry = x and y and {"x": x, "y": y, "ops": x["ops"] + y["ops"], "lit": x.get("lit") or y.get("lit")}
        if entry and ("fixed_bits" in x or "fixed_bits" in y):   # each half's required bits lie in its own fields
          fx, fy = x.get("fixed_bits", (0, 0)), y.get("fixed_bits", (0, 0))
          entry["fixed_bits"] = (fx[0] | fy[0], fx[1] | fy[1])
      else:
        entry = self.ops.get(enc.name, {}).get(op)
    if entry is None or i + enc.words > n:
      return _long(pc, w0)
    if entry.get("scale_prefix") and i + 2 * enc.words <= n and (scaled := self._scaled_mfma(enc, words, i, pc)):
      return scaled
    v = w0
    for k in range(1, enc.words): v |= words[i + k] << 32 * k
    if (fixed := entry.get("fixed_bits")) and (v ^ fixed[1]) & fixed[0]:
      return _long(pc, w0)   # a bit LLVM requires at one value (unused field, missing modifier, reserved bit)
    try:
      return _format(self, enc, entry, v, words, i, pc, n)
    except (_Unsupported, KeyError, IndexError, TypeError, ValueError):
      return _long(pc, w0)   # a form the tables do not describe: show the word, keep decoding


  def _scaled_mfma(self, enc: Encoding, words, i: int, pc: int) -> Instruction | None:
    """gfx950 v_mfma_scale_*: v_mfma_ld_scale_b32 (the A and B scale sources and their op_sel / op_sel_hi) and an
    f8f6f4 MFMA with op_sel 1 read as one instruction, as LLVM does; None when the next words are not such an MFMA."""
    w2 = words[i + enc.words]
    mfma = self.ops["VOP3P"].get(enc.opcode.get(w2)) if self.encoding_of(w2) is enc else None
    if not mfma or "scale" not in mfma: return None
    val = lambda k: words[k] | words[k + 1] << 32
    ld, f = ({fl.name: fl.get(val(k)) for fl in enc.fields} for k in (i, i + enc.words))
    if f["opsel"] != 1 or f["opsel_hi2"]: return None
    takes = lambda e, fs: all(any(lo <= fs[k] <= hi for lo, hi in r) for k, r in e.get("scale_ok", {}).items())
    ld_entry = self.ops["VOP3P"][enc.opcode.get(words[i])]
    if not takes(mfma, f) or not takes(ld_entry, ld): return None
    f["opsel"] = 0
    slots = _f8f6f4_widths(mfma, f, mfma["ops"])
    if any(f[s[0]] + s[1] > (512 if enc.field(s[0]).kind == "src9" else 256) for s in slots if f[s[0]] >= 256 or
           enc.field(s[0]).kind == "vgpr8"): return None   # a register range running past v255/a255
    operands, mods = _valu_mods("VOP3P", mfma, f, _operands(self, enc, mfma, slots, f, None, pc), slots)
    # (the scales are VGPR_32 operands there: an SGPR or a constant prints with LLVM's invalid comment, 'scale_vals')
    operands += _operands(self, enc, {**ld_entry, "vals": ld_entry.get("scale_vals", {})}, ld_entry["ops"], ld, None, pc)
    bits = lambda x: f"[{x & 1},{x >> 1 & 1},0]"
    scale = (f" op_sel:{bits(ld['opsel'])}" if ld["opsel"] & 3 else "") + f" op_sel_hi:{bits(ld['opsel_hi'])}"
    return _instruction(self, pc, tuple(words[i:i + 2 * enc.words]), mfma["scale"], operands, scale + mods, None)


class _Unsupported(Exception): pass


def _f8f6f4_widths(entry: dict, f: dict, slots: list) -> list:
  """gfx950 f8f6f4 MFMA: cbsz (neg_hi) / blgp (neg) pick the A / B formats, hence the src0 / src1 register widths."""
  if "src_widths" not in entry: return slots
  sel = {"src0": f["neg_hi"], "src1": f["neg"]}
  return [[s[0], entry["src_widths"][s[0]][sel[s[0]]], *s[2:]] if isinstance(s, list) and s[0] in entry["src_widths"]
          else s for s in slots]


def _long(pc: int, w: int) -> Instruction:
  return Instruction(pc, (w,), ".long", f".long 0x{w:x}")


def _format(d: Disassembler, enc: Encoding, entry: dict, v: int, words, i: int, pc: int, n: int) -> Instruction:
  name = enc.name
  f = {fl.name: fl.get(v) for fl in enc.fields}
  for q in entry.get("quiet", ()): f[q] = 0     # modifier bits LLVM does not print for this opcode
  nwords = enc.words
  literal = None
  srcs = [s for s in entry["ops"] if isinstance(s, list) and s[0] in f and enc.field(s[0]).kind in ("src9", "ssrc8")]
  if vals := entry.get("vals"):   # a destination LLVM reads as a source encoding: 255 takes a literal there too
    srcs += [s for s in entry["ops"] if isinstance(s, list) and s[0] in vals and s not in srcs
             and d.valclasses[vals[s[0]]].get("255") == "i"]
  dpp = None
  if d.family in CDNA and f.get("src0") == 249 and "sdwa" in entry and name in ("VOP1", "VOP2", "VOPC"):
    if i + nwords >= n: raise _Unsupported
    return _format_sdwa(d, enc, entry, f, words[i + nwords], tuple(words[i:i + nwords + 1]), pc)
  if f.get("src0") in (233, 234, 250) and any(s[0] == "src0" for s in srcs):
    key = "dpp" if f["src0"] == 250 else "dpp8"
    if key not in entry or i + nwords >= n: raise _Unsupported
    dpp = (f["src0"], words[i + nwords]); nwords += 1
    if key == "dpp" and dpp[1] & entry.get("dpp_fixed", 0): raise _Unsupported   # modifier bits of absent operands
    f["src0"] = 256 + (dpp[1] & 0xFF)
    entry = {**entry, "m": entry[key], "vals": entry.get("vals_dpp", entry.get("vals"))}
  if entry.get("lit") or any(f[s[0]] == 255 for s in srcs):   # a VOP3 DPP literal follows the DPP dword
    if i + nwords >= n: raise _Unsupported
    literal = words[i + nwords]; nwords += 1
  ws = tuple(words[i:i + nwords])
  if name == "VOPD":
    f["vdsty"] = f["vdsty"] << 1 | (f["vdstx"] & 1 ^ 1)
    # (beside fmaak/fmamk the other half's literal prints by the rule learned for that pairing: cls_k)
    pair = ((entry["x"], entry["y"]), (entry["y"], entry["x"]))
    halves = [(e["m"], _operands(d, enc, {**e, "cls": e["cls_k"]} if o.get("lit") and "cls_k" in e else e, e["ops"], f,
                                 literal, pc)) for e, o in pair]
    text = " :: ".join(m + " " + ", ".join(o.text for o in ops) for m, ops in halves)
    operands = tuple(halves[0][1] + halves[1][1])
    reads, writes = zip(*(implicit.reads_writes(m, ops) for m, ops in halves))
    return Instruction(pc, ws, halves[0][0] + "::" + halves[1][0], text, operands, sum(reads, ()), sum(writes, ()))
  if name in IMAGE: return _format_image(d, enc, entry, f, words, i, pc, n)
  mnemonic = entry["m"]
  slots = entry["ops"]
  if name in ("FLAT", "GLOBAL", "SCRATCH", "MUBUF") and _returns(f) and "atomic" in mnemonic:
    slots = entry.get("ops_rtn", slots)
  if f.get("tfe") and "ops_tfe" in entry: slots = entry["ops_tfe"]   # buffer tfe: one more data register
  elif f.get("tfe") and name == "MTBUF": raise _Unsupported            # (LLVM 19 decodes no gfx11 tbuffer tfe)
  if f.get("lds") and "ops_lds" in entry:    # gfx9 buffer load to LDS: no data register
    if (fixed := entry.get("lds_fixed")) and (v ^ fixed[1]) & fixed[0]: raise _Unsupported   # (LLVM wants it 0)
    slots = entry["ops_lds"]
  slots = _f8f6f4_widths(entry, f, slots)
  operands, mods = _operands(d, enc, entry, slots, f, literal, pc), ""
  if name in ("VOP3", "VOP3P"): operands, mods = _valu_mods(name, entry, f, operands, slots)
  elif name == "DS": mods = _ds_mods(mnemonic, f, entry.get("gds", False), entry.get("off2"), d.special.get("swizzle", ()))
  elif name in ("FLAT", "GLOBAL", "SCRATCH"): operands, mods = _flat(name, f, operands, slots, d.family)
  elif name in ("MUBUF", "MTBUF"):
    operands, mods = _mubuf(f, operands, slots, "atomic" in mnemonic, f.get("lds") and entry.get("lds_first"))
    if entry.get("fmt") and (fmt := d.special["format"].get(str(f["format"]))): mods = " " + fmt + mods   # tbuffer
  elif name == "SMEM": operands, mods = _smem(f, operands, slots, enc, d.names.sreg)
  elif name == "EXP": operands, mods = _export(entry, f, operands)
  if "policy" in entry: mods += _policy(entry["policy"], f)
  if name == "MUBUF" and f.get("tfe") and "th" in f: mods += " tfe"    # gfx12: after th/scope
  if f.get("lds") and "ops_lds" in entry and not entry.get("lds_first"): mods += " lds"
  if dpp: operands, mods = _dpp(name, dpp, operands, slots, mods, d.family in CDNA, entry.get("dpp_abs_span", 1),
                                entry.get("dpp_nomod", 0), entry.get("dpp_sext", 0))
  if f.get("acc") and "acc" in entry: operands = _acc(operands, slots, entry["acc"])
  return _instruction(d, pc, ws, mnemonic, operands, mods, f.get("simm16"))


IMAGE = ("MIMG", "VIMAGE", "VSAMPLE")
IMAGE_FLAGS = ("unorm", "glc", "slc", "dlc", "r128", "a16", "tfe", "lwe", "d16")


def image_data_size(g4: bool, dmask: int, d16: int, tfe: int) -> int:
  """Registers an image instruction's data moves: a channel per dmask bit (4 for gather4 / msaa_load), two to a
  register with d16, one more for the tfe status."""
  n = 4 if g4 else max(bin(dmask).count("1"), 1)
  return ((n + 1) // 2 if d16 else n) + tfe


def image_variant(entry: dict, key: str, dim: int, size: int, fits=lambda vd, groups: True):
  """(data width, address groups) of an image opcode for an address key, dim and data size; where the opcode has
  no such variant, or it does not `fit`, the one LLVM decoded first ('orig'); None where LLVM refuses the word."""
  groups = entry["addr"][key][dim]
  if groups is None: return None
  vd = entry["dst"].get(str(size))
  if groups and vd is not None and fits(vd, groups): return vd, groups
  return tuple(entry["orig"][key]) if entry["orig"].get(key) else None


def _format_image(d: Disassembler, enc: Encoding, entry: dict, f: dict, words, i: int, pc: int, n: int) -> Instruction:
  """gfx11 MIMG, gfx12 VIMAGE / VSAMPLE. The data operand spans the channels moved (dmask; 4 for gather4 and
  msaa_load; d16 packs two a register, tfe adds the status dword), the address operand the groups the opcode, dim
  and a16 need, as learned (gen_tables.learn_image); where the opcode has no such variant, or the registers would
  pass v255, LLVM keeps the variant it decoded first (the table's 'orig')."""
  nsa = f.get("nsa", 1)            # gfx12 always lists its addresses
  nwords = enc.words + (1 if "nsa" in f and nsa else 0)
  if i + nwords > n: raise _Unsupported
  if "nsa" in f:                   # gfx11: the variants by nsa and a16
    key = f"{nsa}{f['a16']}"
    starts = [f["vaddr"]] + [words[i + 2] >> 8 * k & 0xFF for k in range(4)] if nsa else [f["vaddr"]]
  else:                            # gfx12: by the address fields up to the last nonzero one, and a16
    starts = [f[f"vaddr{k}"] for k in range(5) if f"vaddr{k}" in f]
    key = f"{max([k + 1 for k, r in enumerate(starts) if r] or [1])}{f['a16']}"
  fits = lambda groups: all(r + w <= 256 for r, w in zip(starts, groups))
  if "needs" in entry:             # BVH: these field values, one variant per a16, no resizing
    if any(f[k] != v for k, v in entry["needs"].items()): raise _Unsupported
    vd, groups = entry["ops"][0][1], entry["addr"][key][f["dim"]]
  else:
    size = image_data_size(entry.get("g4", False), f["dmask"], f["d16"], f["tfe"])
    variant = image_variant(entry, key, f["dim"], size, lambda vd, g: f["vdata"] + vd <= 256 and fits(g))
    if variant is None: raise _Unsupported
    vd, groups = variant
  if not groups or f["vdata"] + vd > 256 or not fits(groups): raise _Unsupported
  mnemonic = entry["m"]
  store, atomic = "store" in mnemonic, "atomic" in mnemonic
  addrs = [vreg(r, w) for r, w in zip(starts, groups)]
  operands = [Operand(*vreg(f["vdata"], vd), not store and (not atomic or _returns(f))),
              Operand(addrs[0][0] if len(addrs) == 1 else "[" + ", ".join(t for t, _ in addrs) + "]",
                      tuple(r for _, regs in addrs for r in regs))]
  for field, width, _ in entry["ops"][2:]:   # (gfx12: an SGPR or ttmp range starts at a multiple of 4)
    if not any(lo <= f[field] <= hi for lo, hi in d.special.get(f"{enc.name}.{field}", [[0, 511]])): raise _Unsupported
    val = f[field] * 4 if enc.field(field).kind == "srsrc5" else f[field]
    if val < 124 and val not in (106, 107) and val & 3: val &= ~3
    if val >= 256 or val < 106 < val + width or 108 <= val < 124 < val + width: raise _Unsupported
    operands.append(Operand(*d.names.sreg(val, width)))
  mods = "" if entry.get("bare") else (f" dmask:0x{f['dmask']:x}" if f["dmask"] else "") + \
    f" dim:{d.special['dim'][str(f['dim'])]}"
  flags = entry.get("flags", ())
  if any(f.get(k) and k not in entry.get("needs", ()) and all(k != x for x, _ in flags) for k in IMAGE_FLAGS):
    raise _Unsupported             # a flag this opcode refuses (d16 on atomics, gfx12 lwe without a sampler)
  for field, word in flags:
    if field == "policy": mods += _policy(entry["policy"], f)
    elif f[field] and field not in entry.get("needs", ()): mods += " " + word
  return _instruction(d, pc, tuple(words[i:i + nwords]), mnemonic, operands, mods, None)


def _instruction(d: Disassembler, pc: int, ws: tuple, mnemonic: str, operands: list[Operand], mods: str,
                 simm16: int | None) -> Instruction:
  """The text, operand roles, implicit registers and control flow of a formatted instruction."""
  text = mnemonic + (" " + ", ".join(o.text for o in operands) if operands else "") + mods
  wave64 = d.family in CDNA
  operands = implicit.fix_roles(mnemonic, operands, wave64)
  reads, writes = implicit.reads_writes(mnemonic, operands, wave64)
  target, flow = implicit.control_flow(mnemonic, simm16, pc)
  return Instruction(pc, ws, mnemonic, text, tuple(operands), reads, writes, target, flow)


def _gpr_idx(v: int) -> str:
  """gfx9 VGPR-indexing mode bits as gpr_idx(SRC0,...); a value with bits above the four in hex."""
  if v > 15: return f"0x{v:x}"
  return "gpr_idx(" + ",".join(n for k, n in enumerate(("SRC0", "SRC1", "SRC2", "DST")) if v >> k & 1) + ")"


def _operands(d: Disassembler, enc: Encoding, entry: dict, slots: list, f: dict, literal, pc: int) -> list[Operand]:
  operands = []
  cls = entry.get("cls", {})
  mnemonic = entry["m"]
  for slot in slots:
    if isinstance(slot, str):
      if slot == "gpr_idx()":   # s_set_gpr_idx_on: ssrc1 holds the mode bits
        slot = _gpr_idx(f["ssrc1"])
      operands.append(Operand(slot, implicit.fixed_regs(slot))); continue
    field, width = slot[0], slot[1]
    if field == "simm16":
      if len(slot) > 2 and not f["simm16"]: continue    # 'opt': s_endpgm shows its immediate only when nonzero
      operands.append(Operand(_simm16(d, mnemonic, f["simm16"], width, pc), ())); continue
    if field == "imm":     # a field printed as a number: ['imm', field, style]
      fl = enc.field(width)
      operands.append(Operand(field_imm(slot[2], f[width], fl.hi - fl.lo + 1), ())); continue
    if field == "literal":
      operands.append(Operand(LITERAL_RULES[width](literal), ())); continue
    if field == "msg":
      operands.append(Operand(d.special[mnemonic].get(str(f[width]), str(f[width])), ())); continue
    if field == "vdsty":
      operands.append(Operand(*vreg(f["vdsty"], 1), True)); continue
    kind = enc.field(field).kind
    val = f[field]
    if kind in ("src9", "ssrc8"):
      text, regs = _src(d, val, width, cls.get(field), literal, "a" if slot[2] == "a" else "v")
    elif kind == "sdst7" or (kind == "vgpr8" and slot[2] == "s"):
      text, regs = d.names.sreg(val, width)
    elif kind == "sbase6":
      text, regs = d.names.sreg(val * 2, width)
    elif kind == "srsrc5":
      text, regs = d.names.sreg(val * 4, width)
    else:
      text, regs = vreg(val, width, slot[2] if slot[2] == "a" else "v")
    if len(slot) > 3 and (kind == "vgpr8" or val >= 256):   # 't16': a 16-bit half, VGPR bit 7 selects .h
      r = val - 256 if kind == "src9" else val
      text, regs = f"v{r & 127}.{'h' if r & 128 else 'l'}", (f"v{r & 127}",)
    vals = entry.get("vals")
    if width > 1 or vals and field in vals:   # what LLVM refuses or calls invalid (isa/validity.py)
      vgpr = kind == "vgpr8" and slot[2] != "s"
      x = val * SCALE.get(kind, 1)
      vc = vals[field] if vals and field in vals else None
      # (memoised per value: working it out for every operand cost a quarter of the decoder's time)
      if (verdict := d.verdicts.get(key := (vc, width, x, vgpr))) is None:
        vk = value_kind(x, vgpr)
        st = d.valclasses[vc].get(vk) if vc is not None else None
        lone = bool(st and st != "i" and lone_register(vk, width))
        bad = st == "x" or not lone and vk in ("s", "ttmp", "v", "vh") and \
          not tuple_exists(x - 256 if x >= 256 and not vgpr else x, width, vk[0] == "v")
        verdict = d.verdicts[key] = (st, lone, bad)
      st, lone, bad = verdict
      if bad: raise _Unsupported
      if lone: text, regs = d.names.sreg(x, 1)
      if st: text, regs = (invalid_imm(val, literal), ()) if st == "i" else (text + st, regs)
    operands.append(Operand(text, regs, field in WRITE_FIELDS))
  return operands


def _src(d: Disassembler, val: int, width: int, cls_id, literal, rc: str = "v") -> tuple[str, tuple[str, ...]]:
  if val >= 256: return vreg(val - 256, width, rc)
  if val == 255:
    rule = d.classes[cls_id]["rule"] if cls_id is not None else "b32"
    return LITERAL_RULES[rule or "hex32"](literal), ()
  if 128 <= val <= 208 or 240 <= val <= 248:
    text = d.classes[cls_id]["inline"].get(str(val)) if cls_id is not None else None
    return text or (str(val - 128) if val <= 192 else str(192 - val)), ()
  return d.names.sreg(val, width)


def _valu_mods(name: str, entry: dict, f: dict, operands: list[Operand], slots) -> tuple[list[Operand], str]:
  m = entry.get("mods", {})
  src_pos = [p for p, s in enumerate(slots) if isinstance(s, list) and s[0] in ("src0", "src1", "src2")]
  nsrc = len(src_pos)
  neg, absm = f["neg"], f.get("abs", 0)
  if name == "VOP3P" and isinstance(m.get("neg"), list):  # mix ops: neg_lo/neg_hi are -x and |x|
    absm = f["neg_hi"]
  out = list(operands)
  sext = m.get("sext", ())
  for k, p in enumerate(src_pos):
    t = out[p].text
    # (modifier bits of an operand that takes none are ignored, as LLVM does)
    absk = absm >> k & 1 and p in _as_list(m.get("neg_hi") if name == "VOP3P" else m.get("abs"))
    if absk: t = f"|{t}|"
    if neg >> k & 1:
      if p in sext: t = f"sext({t})"      # integer operands: the bit sign-extends
      elif p in _as_list(m.get("neg")): t = _negate(t, absk, f[slots[p][0]])
    if t != out[p].text: out[p] = Operand(t, out[p].regs, out[p].write)
  s = ""
  if name == "VOP3":
    if b3 := entry.get("bitop3"):   # gfx950 v_bitop3_*: neg/abs/omod hold the truth table
      v = sum(f[k] << b3[k] for k in ("neg", "abs", "omod"))
      if v: s += " bitop3:" + field_imm(b3["style"], v, 8)
    if f["opsel"] and str(f["opsel"]) in entry.get("opsel", {}): s += " " + entry["opsel"][str(f["opsel"])]
    if "clamp" in m and f["clamp"]: s += " clamp"
    if "omod" in m and f["omod"] and "bitop3" not in entry: s += (" mul:2", " mul:4", " div:2")[f["omod"] - 1]
    return out, s
  lst = lambda x: "[" + ",".join(str(x >> k & 1) for k in range(nsrc)) + "]"
  if "cbsz" in m.get("neg_hi", {}):   # MFMA: acc bits select AGPRs; cbsz/abid/blgp broadcast controls
    acc = lambda o: Operand("a" + o.text[1:], tuple("a" + r[1:] for r in o.regs), o.write) if o.text[:1] == "v" else o
    for k, p in enumerate(src_pos[:2]):
      if f["opsel_hi"] >> k & 1: out[p] = acc(out[p])
    if f["clamp"]:   # acc_cd: the destination and the accumulator (not smfmac's index operand)
      out[0] = acc(out[0])
      for p in _as_list(m.get("clamp")): out[p] = acc(out[p])
    abid = f["opsel"] | f["opsel_hi2"] << 3
    blgp = f["neg"] if "blgp" in m.get("neg", {}) else 0
    s = "".join(f" {k}:{v}" for k, v in (("cbsz", f["neg_hi"]), ("abid", abid), ("blgp", blgp)) if v)
    if "neg" in m.get("neg", {}) and f["neg"]: s += f" neg:{lst(f['neg'])}"   # f64 MFMA: neg instead of blgp
    return out, s
  hi = f["opsel_hi"] | f["opsel_hi2"] << 2
  full = (1 << nsrc) - 1
  if isinstance(m.get("opsel"), dict) and f["opsel"] & full: s += f" op_sel:{lst(f['opsel'])}"
  if "op_sel_hi" in m.get("base", {}):
    if hi & full != full: s += f" op_sel_hi:{lst(hi)}"
  elif "opsel_hi" in m and hi & full: s += f" op_sel_hi:{lst(hi)}"
  if isinstance(m.get("neg"), dict) and f["neg"] & full: s += f" neg_lo:{lst(f['neg'])}"
  if isinstance(m.get("neg_hi"), dict) and f["neg_hi"] & full: s += f" neg_hi:{lst(f['neg_hi'])}"
  if "clamp" in m and f["clamp"]: s += " clamp"
  return out, s


def _as_list(x) -> list: return x if isinstance(x, list) else []


def _negate(text: str, absm: bool, val: int) -> str:
  """-x, but neg(c) for a constant without |..| (LLVM: '-1' would read as the constant -1; LLVM 22's lit(..) is safe)."""
  const = (128 <= val <= 208 or 240 <= val <= 248 or val == 255) and not text.startswith("lit(")
  return f"neg({text})" if not absm and const else "-" + text


SDWA_SEL = ["BYTE_0", "BYTE_1", "BYTE_2", "BYTE_3", "WORD_0", "WORD_1", "DWORD"]
SDWA_UNUSED = ["UNUSED_PAD", "UNUSED_SEXT", "UNUSED_PRESERVE", "UNUSED_PAD"]   # (LLVM 19 names 3 as PAD too)


def _format_sdwa(d: Disassembler, enc: Encoding, entry: dict, f: dict, w: int, ws: tuple, pc: int) -> Instruction:
  """gfx9 SDWA: sub-dword selects; the extra dword also holds src0, sext/neg/abs, clamp/omod (VOPC: sdst)."""
  if w & entry.get("sdwa_fixed", 0): raise _Unsupported   # a modifier the opcode refuses (learned)
  w &= ~entry.get("sdwa_quiet", 0)                          # ... or takes and never prints
  f = dict(f, src0=(w & 0xFF) + (0 if w >> 23 & 1 else 256))
  if name_is_vopc := enc.name == "VOPC":
    f["sdst"] = (w >> 8 & 0x7F) if w >> 15 & 1 else 106
  slots = [["sdst", 2, "s"] if name_is_vopc and s == "vcc" else s for s in entry["ops"]]
  ops = _operands(d, enc, entry, entry["ops"], f, None, pc)
  if name_is_vopc:   # the compare mask the e32 form prints as vcc: any SGPR pair here
    ops = [Operand(*d.names.sreg(f["sdst"], 2), True) if sl != s else o for sl, s, o in zip(slots, entry["ops"], ops)]
  src1 = f.get("vsrc1", 0) + 256 * (not w >> 31 & 1)    # s1: src1 is a scalar operand or constant
  for k, field in enumerate(("src0", "vsrc1")):
    p = next((j for j, sl in enumerate(slots) if isinstance(sl, list) and sl[0] == field), None)
    if p is None: continue
    if k and src1 < 256:
      ops[p] = Operand(*_src(d, src1, slots[p][1], entry.get("cls", {}).get("sdwa_src1"), None))
    base = 16 + 8 * k
    t = ops[p].text
    if w >> (base + 5) & 1: t = f"|{t}|"
    if w >> (base + 4) & 1: t = _negate(t, bool(w >> (base + 5) & 1), src1 if k else f[field])
    if w >> (base + 3) & 1: t = f"sext({t})"
    ops[p] = Operand(t, ops[p].regs, ops[p].write)
  def sel(x: int) -> str:
    if x >= len(SDWA_SEL): raise _Unsupported   # select 7: LLVM refuses the word
    return SDWA_SEL[x]
  s = (" clamp" if w >> 13 & 1 else "") + ("", " mul:2", " mul:4", " div:2")[w >> 14 & 3] if not name_is_vopc else ""
  if enc.name != "VOPC" and not entry.get("sdwa_nodst"):
    s += f" dst_sel:{sel(w >> 8 & 7)} dst_unused:{SDWA_UNUSED[w >> 11 & 3]}"
  s += f" src0_sel:{sel(w >> 16 & 7)}" + (f" src1_sel:{sel(w >> 24 & 7)}" if enc.name != "VOP1" else "")
  return _instruction(d, pc, ws, entry["sdwa"], ops, s, None)


DPP_ROW = {0x100: "row_shl", 0x110: "row_shr", 0x120: "row_ror"}
GFX9_DPP = {**{0x150 + k: f"row_newbcast:{k}" for k in range(16)}, 0x130: "wave_shl:1", 0x134: "wave_rol:1", 0x138: "wave_shr:1", 0x13C: "wave_ror:1", 0x142: "row_bcast:15",
            0x143: "row_bcast:31"}


def _dpp(name: str, dpp: tuple[int, int], operands: list[Operand], slots, mods: str,
         gfx9: bool = False, abs_span: int = 1, nomod: int = 0, sext: int = 0) -> tuple[list[Operand], str]:
  """DPP16 / DPP8 control dword: operand modifiers (VOP1/2/C) and the lane-pattern suffix."""
  kind, w = dpp
  if kind != 250:
    lanes = ",".join(str(w >> (8 + 3 * k) & 7) for k in range(8))
    return operands, f"{mods} dpp8:[{lanes}]" + (" fi:1" if kind == 234 else "")
  ctrl = w >> 8 & 0x1FF
  if ctrl < 0x100: c = "quad_perm:[" + ",".join(str(ctrl >> 2 * k & 3) for k in range(4)) + "]"
  elif 0x101 <= ctrl <= 0x12F and ctrl & 0xF: c = f"{DPP_ROW[ctrl & 0x1F0]}:{ctrl & 0xF}"
  elif gfx9 and ctrl in GFX9_DPP: c = GFX9_DPP[ctrl]
  elif ctrl == 0x140: c = "row_mirror"
  elif ctrl == 0x141: c = "row_half_mirror"
  elif 0x150 <= ctrl <= 0x15F and not gfx9: c = f"row_share:{ctrl & 0xF}"
  elif 0x160 <= ctrl <= 0x16F and not gfx9: c = f"row_xmask:{ctrl & 0xF}"
  # values LLVM decodes but calls invalid, in its words
  elif ctrl in GFX9_DPP and not 0x150 <= ctrl:
    c = f"/* {GFX9_DPP[ctrl].split(':')[0]} is not supported starting from GFX10 */"
  elif 0x160 <= ctrl <= 0x16F: c = "/* row_xmask is not supported on ASICs earlier than GFX10 */"
  else: c = "/* Invalid dpp_ctrl value */"
  out = list(operands)
  if name in ("VOP1", "VOP2", "VOPC"):  # DPP16 carries the neg/abs bits of src0 and src1
    w &= ~(nomod << 20)                  # (bits of operands that take no modifier: LLVM ignores them)
    for k, field in enumerate(("src0", "vsrc1")):
      p = next((j for j, sl in enumerate(slots) if isinstance(sl, list) and sl[0] == field), None)
      if p is None: continue
      t, last = out[p].text, p + (abs_span - 1 if k else 0)   # gfx12 v_cndmask_b32_dpp: '|v1, vcc_lo|'
      if w >> (21 + 2 * k) & 1:
        if last == p: t = f"|{t}|"
        else: t = "|" + t; out[last] = Operand(out[last].text + "|", out[last].regs, out[last].write)
      if w >> (20 + 2 * k) & 1: t = f"sext({t})" if sext >> 2 * k & 1 else "-" + t
      out[p] = Operand(t, out[p].regs, out[p].write)
  s = f"{mods} {c} row_mask:0x{w >> 28:x} bank_mask:0x{w >> 24 & 0xF:x}"
  return out, s + (" bound_ctrl:1" if w >> 19 & 1 else "") + (" fi:1" if w >> 18 & 1 and not gfx9 else "")


def _swizzle(imm: int, modes=()) -> str:
  """ds_swizzle_b32's offset, in LLVM's swizzle(...) macro syntax where one fits; `modes`: the newer macros this
  LLVM prints (the table's special.swizzle: 'rotate', 'fft')."""
  if imm == 0: return ""
  if imm & 0xE000 == 0xC000 and "rotate" in modes: return f" offset:swizzle(ROTATE,{imm >> 10 & 1},{imm >> 5 & 0x1F})"
  if imm & 0xE000 == 0xE000 and "fft" in modes: return f" offset:swizzle(FFT,{imm & 0x1F})"
  if imm & 0xFF00 == 0x8000:
    return " offset:swizzle(QUAD_PERM," + ",".join(str(imm >> 2 * k & 3) for k in range(4)) + ")"
  if imm & 0x8000: return f" offset:{imm}"
  and_m, or_m, xor_m = imm & 0x1F, imm >> 5 & 0x1F, imm >> 10 & 0x1F
  if and_m == 0x1F and or_m == 0 and bin(xor_m).count("1") == 1: return f" offset:swizzle(SWAP,{xor_m})"
  if and_m == 0x1F and or_m == 0 and xor_m and (xor_m + 1) & xor_m == 0: return f" offset:swizzle(REVERSE,{xor_m + 1})"
  group = 0x1F - and_m + 1
  if group > 1 and group & (group - 1) == 0 and or_m < group and xor_m == 0:
    return f" offset:swizzle(BROADCAST,{group},{or_m})"
  # each lane-id bit becomes ((bit & and) | or) ^ xor: the lane's own bit (p), its inverse (i), or a constant
  bits = "".join(("i" if xor_m & m else "p") if and_m & m and not or_m & m else
                 str((1 if and_m & m else int(bool(or_m & m))) ^ int(bool(xor_m & m))) for m in (16, 8, 4, 2, 1))
  return f' offset:swizzle(BITMASK_PERM,"{bits}")'


def _ds_mods(mnemonic: str, f: dict, gds: bool, off2: bool | None = None, modes=()) -> str:
  s = ""
  if mnemonic == "ds_swizzle_b32":
    s = _swizzle(f["offset0"] | f["offset1"] << 8, modes)
  elif off2 if off2 is not None else ("2addr" in mnemonic or "read2" in mnemonic or "write2" in mnemonic):
    if f["offset0"]: s += f" offset0:{f['offset0']}"
    if f["offset1"]: s += f" offset1:{f['offset1']}"
  elif f["offset0"] | f["offset1"] << 8:
    s += f" offset:{f['offset0'] | f['offset1'] << 8}"
  return s + (" gds" if f["gds"] or gds else "")


def _flat(name: str, f: dict, operands: list[Operand], slots, fam: str) -> tuple[list[Operand], str]:
  out = []
  off_saddr = 127 if fam in CDNA else 124   # the saddr value that means "no scalar base"
  for o, slot in zip(operands, slots):
    field = slot[0] if isinstance(slot, list) else None
    if field == "saddr" and f["saddr"] == off_saddr and name != "FLAT":
      o = Operand("off", ())
    elif field == "addr" and name == "GLOBAL" and f["saddr"] == off_saddr:
      o = Operand(*vreg(f["addr"], 2))
    elif (field == "addr" or o.text == "off") and name == "SCRATCH":
      o = Operand(*vreg(f["addr"], 1)) if f.get("sve", f.get("lds")) else Operand("off", ())
    out.append(o)
  bits = 24 if "th" in f else 13
  off = f["offset"] if name == "FLAT" and fam != "gfx12" else sint(f["offset"], bits)  # gfx11/gfx9 flat_*: unsigned
  s = f" offset:{off}" if off else ""
  s += "".join(f" {k}" for k in CACHE_BITS if f.get(k))
  return out, s


CACHE_BITS = ("glc", "slc", "dlc", "sc0", "nt", "sc1")   # LLVM's order (gfx940: sc0 = glc, nt = slc, sc1 = scc)


def _acc(operands: list[Operand], slots, fields) -> list[Operand]:
  """gfx90a+ memory ops with acc set move data to/from AGPRs: the data operands (learned per opcode) print a[...]."""
  out = []
  for o, sl in zip(operands, slots):
    if isinstance(sl, list) and sl[0] in fields and o.text.startswith("v"):
      o = Operand("a" + o.text[1:], tuple("a" + r[1:] for r in o.regs), o.write)
    out.append(o)
  return out


def _returns(f: dict) -> bool:
  """Memory atomics return the old value: glc (gfx11), sc0 (gfx94), th bit 0 (gfx12)."""
  return bool(f["glc"] if "glc" in f else f["sc0"] if "sc0" in f else f["th"] & 1)


def _mubuf(f: dict, operands: list[Operand], slots, atomic: bool, lds_first=False) -> tuple[list[Operand], str]:
  out = []
  if atomic and _returns(f):   # the data register gets the old value back
    operands = [Operand(operands[0].text, operands[0].regs, True), *operands[1:]]
  for o, slot in zip(operands, slots):
    if isinstance(slot, list) and slot[0] == "vaddr":   # vaddr shows only with offen/idxen, 64-bit with both
      n = f["offen"] + f["idxen"]
      if not tuple_exists(f["vaddr"], n, True): raise _Unsupported   # v[255:256]: no such register pair
      o = Operand(*vreg(f["vaddr"], n)) if n else Operand("off", ())
    out.append(o)
  s = "".join(f" {k}" for k in ("idxen", "offen") if f[k])
  s += f" offset:{sint(f['offset'], 24) if 'th' in f else f['offset']}" if f["offset"] else ""
  # (gfx12 prints tfe after th/scope, gfx9 lds after the cache bits: the caller adds them)
  s += " lds" * bool(lds_first) + "".join(f" {k}" for k in CACHE_BITS if f.get(k))
  return out, s + (" tfe" if f.get("tfe") and "th" not in f else "")


def _export(entry: dict, f: dict, operands: list[Operand]) -> tuple[list[Operand], str]:
  """exp/export: a source whose en bit is clear prints 'off' (and is not read); a space, not a comma, separates the
  target from the first source; done/row_en as learned."""
  srcs = [o if f["en"] >> k & 1 else Operand("off", ()) for k, o in enumerate(operands[1:])]
  first = Operand(f"{operands[0].text} {srcs[0].text}", srcs[0].regs)
  return [first, *srcs[1:]], "".join(f" {word}" for field, word in entry.get("flags", ()) if f[field])


def _policy(policy: dict, f: dict) -> str:
  """gfx12 th:/scope: modifiers, as learned per opcode; th's name may depend on the scope (th_scope)."""
  th, scope = f.get("th", 0), f.get("scope", 0)
  t = policy.get("th_scope", {}).get(f"{th},{scope}") if th and scope else None
  if t is None: t = policy["th"].get(str(th)) if th and "th" in policy else None
  sc = policy["scope"].get(str(scope)) if scope and "scope" in policy else None
  return (" " + t if t else "") + (" " + sc if sc else "")


def _smem(f: dict, operands: list[Operand], slots, enc: Encoding, sreg) -> tuple[list[Operand], str]:
  if "soe" in f:  # gfx9: imm picks a signed 21-bit offset, else an SGPR (the offset field's, or soffset with soe)
    out, s = list(operands), ""
    pos = next((k for k, sl in enumerate(slots) if sl == "s0"), None)   # the offset operand (printed s0 at 0)
    if pos is not None:
      if not f["imm"]: out[pos] = Operand(*sreg(f["soffset"] if f["soe"] else f["offset"] & 0x7F, 1))
      elif f["soe"]: out[pos] = Operand(*sreg(f["soffset"], 1)); s = f" offset:{_hex(sint(f['offset'], 21))}"
      else: out[pos] = Operand(_hex(sint(f["offset"], 21)), ())
    return out, s + "".join(f" {k}" for k in ("glc", "nv") if f.get(k))
  gfx12 = "th" in f
  if any(isinstance(sl, list) and sl[:2] == ["imm", "offset"] for sl in slots):
    return operands, ""             # s_prefetch_*: the offset is an operand of its own
  off = sint(f["offset"], enc.field("offset").hi - enc.field("offset").lo + 1)
  out, s = [], ""
  for o, slot in zip(operands, slots):
    if isinstance(slot, list) and slot[0] == "soffset":
      if f["soffset"] == 124:
        o = Operand(_hex(off) if off or gfx12 else "null", ())
      elif off or gfx12:
        s += f" offset:{_hex(off)}"
    out.append(o)
  s += "".join(f" {k}" for k in ("glc", "dlc") if f.get(k))
  return out, s


def _hex(v: int) -> str: return f"-0x{-v:x}" if v < 0 else f"0x{v:x}"


WAITCNT_FIELDS = {"gfx11": (("vmcnt", 10, 6), ("expcnt", 0, 3), ("lgkmcnt", 4, 6))}
WAITCNT_FIELDS["gfx12"] = WAITCNT_FIELDS["gfx11"]


def _waitcnt_gfx9(imm: int) -> str:
  vals = [("vmcnt", (imm & 0xF) | (imm >> 14 & 3) << 4, 63), ("expcnt", imm >> 4 & 7, 7), ("lgkmcnt", imm >> 8 & 0xF, 15)]
  return " ".join([f"{n}({x})" for n, x, mx in vals if x != mx] or [f"{n}({x})" for n, x, _ in vals])
DELAY_ID = ["NO_DEP", "VALU_DEP_1", "VALU_DEP_2", "VALU_DEP_3", "VALU_DEP_4", "TRANS32_DEP_1", "TRANS32_DEP_2",
            "TRANS32_DEP_3", "FMA_ACCUM_CYCLE_1", "SALU_CYCLE_1", "SALU_CYCLE_2", "SALU_CYCLE_3"]
DELAY_SKIP = ["SAME", "NEXT", "SKIP_1", "SKIP_2", "SKIP_3", "SKIP_4"]
# s_waitcnt_depctr / s_wait_alu fields: (name, low bit, bits); all-ones is each field's default
DEPCTR = (("hold_cnt", 7, 1), ("sa_sdst", 0, 1), ("va_vdst", 12, 4), ("va_sdst", 9, 3), ("va_ssrc", 8, 1),
          ("va_vcc", 1, 1), ("vm_vsrc", 2, 3))


VERSION_FLAGS = ((0x2000, "UC_VERSION_W64_BIT"), (0x4000, "UC_VERSION_W32_BIT"), (0x8000, "UC_VERSION_MDP_BIT"))


def _version(imm: int, names: dict) -> str:
  """s_version: the version byte by name, then each flag bit or-ed on, every step after the first bracketed
  (LLVM prints the expression tree); bits 8..12 set: the whole value in hex."""
  if imm & 0x1F00: return f"0x{imm:x}"
  t, first = names.get(str(imm & 0xFF), str(imm & 0xFF)), True
  for bit, name in VERSION_FLAGS:
    if imm & bit: t, first = (f"{t}|{name}" if first else f"({t})|{name}"), False
  return t


def _simm16(d: Disassembler, mnemonic: str, imm: int, style: str, pc: int) -> str:
  if style == "hex": return f"0x{imm:x}"
  if style == "dec": return str(imm)
  if style == "sdec": return str(sint(imm, 16))
  if style == "ihex": return str(imm) if imm <= 64 else f"0x{imm:x}"
  table = d.special.get(mnemonic)
  if mnemonic == "s_version": return _version(imm, table or {})
  if mnemonic == "s_set_gpr_idx_mode": return _gpr_idx(imm)
  if table is not None:
    if imm < 0x1000: return table.get(str(imm), str(imm))
    t = table.get(str(imm & 0xFFF), "")   # above bit 11 LLVM still names known messages, else prints a number
    return t if t.startswith("sendmsg(MSG_") else str(imm)
  if mnemonic in ("s_getreg_b32", "s_setreg_b32", "s_setreg_imm32_b32"):
    rid, off, size = imm & 0x3F, imm >> 6 & 0x1F, (imm >> 11 & 0x1F) + 1
    name = d.special.get("hwreg", {}).get(str(rid), str(rid))
    return f"hwreg({name})" if off == 0 and size == 32 else f"hwreg({name}, {off}, {size})"
  if mnemonic == "s_waitcnt":
    if d.family in CDNA: return _waitcnt_gfx9(imm)   # vmcnt split over bits 3:0 and 15:14
    fields = WAITCNT_FIELDS[d.family]
    vals = [(nm, imm >> lo & ((1 << bits) - 1), (1 << bits) - 1) for nm, lo, bits in fields]
    shown = [f"{nm}({x})" for nm, x, mx in vals if x != mx] or [f"{nm}({x})" for nm, x, _ in vals]
    return " ".join(shown)
  if mnemonic in ("s_waitcnt_depctr", "s_wait_alu"):
    if imm & 0x60: return f"0x{imm:x}"          # bits no field covers: LLVM prints the raw value
    vals = [(nm, imm >> lo & ((1 << bits) - 1), (1 << bits) - 1) for nm, lo, bits in DEPCTR]
    shown = [f"depctr_{nm}({x})" for nm, x, mx in vals if x != mx] or [f"depctr_{nm}({x})" for nm, x, _ in vals]
    return " ".join(shown)
  if mnemonic == "s_delay_alu":
    id0, skip, id1 = imm & 0xF, imm >> 4 & 7, imm >> 7 & 0xF
    name = lambda names, x, what: names[x] if x < len(names) else f"/* invalid {what} value */"   # (LLVM's words)
    parts = ([f"instid0({name(DELAY_ID, id0, 'instid')})"] if id0 else []) + \
            ([f"instskip({name(DELAY_SKIP, skip, 'instskip')})"] if skip else []) + \
            ([f"instid1({name(DELAY_ID, id1, 'instid')})"] if id1 else [])
    return " | ".join(parts) or "0"
  raise _Unsupported

