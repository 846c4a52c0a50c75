"""Table-driven assembler, the inverse of isa/decode.py: one line of assembly text -> machine code bytes.

It reads the same tables the decoder loads (isa/tables/<family>.json and isa/encodings.py), so what the
decoder prints assembles back to the same words. Where several encodings print the same text it picks
the one llvm-mc 19 picks: the 32-bit form of a VALU op when the operands fit, an inline constant rather
than a literal, zero in fields an opcode ignores. Where llvm-mc's pick would print as another text (objdump
shows an i16 operand's literal 0x3f800000 as "1.0", llvm-mc reads "1.0" as the inline constant printing
"0x3c00"), assemble(..., prefer_printed=True) takes the encoding that prints as written instead. Families: gfx11 (RDNA3), gfx12 (RDNA4) and gfx94
(CDNA3: GCN layouts, wave64 masks, SDWA, gfx9 DPP, AGPRs and MFMA modifiers, no VOP3 literal).

    assemble("v_add_f32 v0, 1.0, v1", "gfx1100")   # -> b'\\xf2\\x02\\x00\\x06' (v_add_f32_e32)
    python -m isa.encode --arch gfx1100 FILE|-     # one instruction a line in, hex words out
"""
from __future__ import annotations
import argparse, json, re, struct, sys
from dataclasses import dataclass
from functools import lru_cache
from isa.decode import DELAY_ID, DELAY_SKIP, DEPCTR, SDWA_SEL, SDWA_UNUSED, VERSION_FLAGS, WAITCNT_FIELDS, \
  Disassembler, UnsupportedArch, load_table, _swizzle as _print_swizzle
from isa.encodings import CDNA, ENCODINGS, Encoding, family
from isa.operand_text import LITERAL_RULES, SPECIAL32, SPECIAL64


class AsmError(ValueError): pass


class _NoFit(Exception):
  """A candidate encoding cannot express the line; `pos` is the operand it failed on (for the message)."""
  def __init__(self, msg: str, pos: int = -1):
    super().__init__(msg); self.msg, self.pos = msg, pos


# --------------------------------------------------------------------------- splitting a line

DPP_MODS = {"dpp8", "fi", "quad_perm", "row_shl", "row_shr", "row_ror", "row_mirror", "row_half_mirror", "row_share",
            "row_xmask", "row_mask", "bank_mask", "bound_ctrl",
            "row_bcast", "row_newbcast", "wave_shl", "wave_rol", "wave_shr", "wave_ror"}    # (the last six: gfx9)
SDWA_MODS = {"dst_sel", "dst_unused", "src0_sel", "src1_sel"}                            # gfx9 SDWA
MOD_NAMES = ("offset", "offset0", "offset1", "gds", "glc", "slc", "dlc", "tfe", "offen", "idxen", "nv", "th", "scope", "format",
             "sc0", "sc1", "nt", "lds", "clamp", "mul", "div", "op_sel", "op_sel_hi", "byte_sel", "neg_lo", "neg_hi", "neg",
             "cbsz", "abid", "blgp", "done", "row_en", "bitop3", "dmask", "dim", "unorm", "r128", "a16", "d16", "lwe",
             *sorted(DPP_MODS), *sorted(SDWA_MODS))
# ' name' or ' name:value' at the end of a line, not after a comma (', a16' is a register, ' a16' the image flag);
# values: [..] lists, swizzle(...) macros, numbers and words
_MOD_TAIL = re.compile(r"(?<!,)\s+(" + "|".join(MOD_NAMES) + r")(?::(\[[^\]]*\]|\w+\([^)]*\)|[-+]?\w+))?\s*$", re.I)


def split_line(text: str) -> tuple[str, list[str], dict[str, str | None]]:
  """'global_load_b32 v1, v2, s[0:1] offset:-16 glc' -> ('global_load_b32', ['v1', 'v2', 's[0:1]'],
  {'offset': '-16', 'glc': None}): trailing `name` / `name:value` words are modifiers."""
  mnemonic, _, rest = " ".join(text.split()).partition(" ")
  rest, mods = " " + rest, {}
  while m := _MOD_TAIL.search(rest):
    key = m[1].lower()
    if key in mods: break              # 'ds_gws_init v0 gds gds': the second one is an operand
    mods[key] = m[2]
    rest = rest[:m.start()]
  return mnemonic.lower(), _split_commas(rest.strip()), dict(reversed(mods.items()))


def _split_commas(rest: str) -> list[str]:
  """Operands split at top-level commas (not those inside sendmsg(...) or [..])."""
  out, depth, cur = [], 0, ""
  for c in rest:
    depth += (c in "([") - (c in ")]")
    if c == "," and depth == 0: out.append(cur.strip()); cur = ""
    else: cur += c
  if cur.strip() or out: out.append(cur.strip())   # 'v0, v1,' keeps its empty last operand (and fails)
  return out


def _strip_comment(text: str) -> str:
  """The instruction of a line: without a `//` or `;` comment, or nothing for a line that starts with `#` (what
  llvm-mc takes as a comment; after an instruction `#` is an error there too)."""
  if text.lstrip().startswith("#"): return ""
  return " ".join(re.split(r"//|;", text, maxsplit=1)[0].split())


# --------------------------------------------------------------------------- registers and numbers

_REG = re.compile(r"^(v|s|ttmp|a)(?:(\d+)|\[(\d+)(?::(\d+))?\])$")
_ANY_WIDTH = {"null", "src_shared_base", "src_shared_limit", "src_private_base", "src_private_limit",
              "src_pops_exiting_wave_id", "src_vccz", "src_execz", "src_scc", "src_lds_direct",
              "src_flat_scratch_base_lo", "src_flat_scratch_base_hi"}   # (LLVM 22 names 230/231 on gfx950)
_ALIASES = {"vccz": "src_vccz", "execz": "src_execz", "scc": "src_scc", "lds_direct": "src_lds_direct",
            "shared_base": "src_shared_base", "shared_limit": "src_shared_limit", "private_base": "src_private_base",
            "private_limit": "src_private_limit", "pops_exiting_wave_id": "src_pops_exiting_wave_id"}


@dataclass(frozen=True)
class ScalarSpace:
  """One family's scalar operand names: SGPRs below nsgpr, and the specials by name -> (encoding, dwords; 0 = any
  width). gfx10+ has null at 124 and m0 at 125; gfx9 m0 at 124, flat_scratch and xnack_mask at 102..105."""
  nsgpr: int
  names: dict

  @staticmethod
  def of(nsgpr: int, special32: dict, special64: dict) -> "ScalarSpace":
    names = {**{n: (c, 0 if n in _ANY_WIDTH else 1) for c, n in special32.items()},
             **{n: (c, 0 if n in _ANY_WIDTH else 2) for c, n in special64.items()}}
    return ScalarSpace(nsgpr, names)


GFX10_SCALARS = ScalarSpace.of(106, SPECIAL32, SPECIAL64)


@dataclass(frozen=True)
class Reg:
  file: str    # "v", "a" (AGPR), or "s" for everything in the scalar operand space (sgprs, ttmps, vcc, null, ...)
  code: int    # vgpr / agpr number, or the scalar operand encoding
  n: int       # dwords; 0 = any width (null, src_*)


def parse_reg(tok: str, space: ScalarSpace = GFX10_SCALARS) -> Reg | None:
  tok = _ALIASES.get(tok.lower(), tok.lower())
  if m := _REG.match(tok):
    lo = int(m[2] or m[3]); hi = int(m[4]) if m[4] else lo
    if hi < lo: return None
    if m[1] in "va": return Reg(m[1], lo, hi - lo + 1) if lo < 256 else None   # (objdump prints v[255:256] too)
    base, limit = (0, space.nsgpr) if m[1] == "s" else (108, 16)
    n = hi - lo + 1
    # LLVM wants tuples aligned; a tuple starting below the last SGPR may run past it (gfx9 s[100:103])
    if (hi >= limit if n == 1 or m[1] == "ttmp" else lo >= limit or hi > 127) or n > 1 and lo % (2 if n < 4 else 4):
      return None
    return Reg("s", base + lo, n)
  if tok in space.names: return Reg("s", *space.names[tok])
  return None


_INT = re.compile(r"^-?(0x[0-9a-f]+|\d+)$")
_FLOAT = re.compile(r"^-?(\d+\.\d*|\.\d+|\d+(?=e))(e[-+]?\d+)?$")


def parse_number(tok: str) -> int | float | None:
  """Integer (decimal or 0x hex, optionally negative) or float text; None if neither."""
  t = tok.lower()
  if _INT.match(t): return -int(t[1:], 0) if t.startswith("-") else int(t, 0)
  if _FLOAT.match(t): return float(t)
  return None


def _int(tok: str | None, what: str, lo: int, hi: int, pos: int = -1) -> int:
  v = parse_number(tok or "")
  if not isinstance(v, int) or not lo <= v <= hi:
    raise _NoFit(f"{what} must be an integer in [{lo}, {hi}], got '{tok}'", pos)
  return v


# --------------------------------------------------------------------------- constants: inline or literal

def _fbits(x: float, fmt: str) -> int | None:
  """Bits of x in a float format (None if it overflows); bf16 rounds to nearest even."""
  try:
    if fmt == "f32": return struct.unpack("<I", struct.pack("<f", x))[0]
    if fmt == "f16": return struct.unpack("<H", struct.pack("<e", x))[0]
    if fmt == "f64": return struct.unpack("<Q", struct.pack("<d", x))[0]
    b = struct.unpack("<I", struct.pack("<f", x))[0]
    return (b + 0x7FFF + (b >> 16 & 1)) >> 16
  except (OverflowError, struct.error):
    return None


_FP_INLINE = (0.5, -0.5, 1.0, -1.0, 2.0, -2.0, 4.0, -4.0)           # encodings 240..247
_INV2PI = {"f32": 0x3E22F983, "f16": 0x3118, "bf16": 0x3E22, "f64": 0x3FC45F306DC9C882}   # encoding 248
_FP_CODES = {fmt: {**{_fbits(x, fmt): 240 + i for i, x in enumerate(_FP_INLINE)}, inv: 248}
             for fmt, inv in _INV2PI.items()}
# per class literal rule: (format of float texts, format whose fp inline bit patterns an integer text may
# match, literal bits); measured against llvm-mc 19
_NUM_TYPES = {"b32": ("f32", "f32", 32), "hex32": ("f32", "f32", 32), "hex": ("f32", "f32", 32),
              "i16": ("f16", None, 16), "f16": ("f16", "f16", 16), "bf16": ("bf16", "bf16", 16),
              "pk16": ("f16", "f16", 32), "pkbf16": ("bf16", "bf16", 32), "f64": ("f64", "f64", 64),
              "b64": ("f64", "f64", 64)}


def _int_inline(v: int) -> int | None:
  return 128 + v if 0 <= v <= 64 else 192 - v if -16 <= v < 0 else None


def constant(num: int | float, rule: str | None) -> tuple[int | None, int | None]:
  """(inline constant encoding or None, 32-bit literal or None) for a number written as a source operand
  of the given printing class, the way LLVM 19 picks them."""
  fmt, int_fp, bits = _NUM_TYPES.get((rule or "b32").split(":")[0], _NUM_TYPES["b32"])   # ('b32:lit': LLVM 22's b32)
  if isinstance(num, float):
    b = _fbits(num, fmt)
    if b is None: return None, None
    lit = b >> 32 if fmt == "f64" else b                # an fp64 literal is the high half
    return _FP_CODES[fmt].get(b), lit
  if bits == 16:
    if not -0x8000 <= num <= 0xFFFF: return None, None
    v16 = num & 0xFFFF
    # fp16 operands read an integer as its 16 bits (0xffff is -1); i16 ones keep the value as written
    code = _int_inline(v16 - (v16 >> 15 << 16) if int_fp else num)
    return (code if code is not None or not int_fp else _FP_CODES[int_fp].get(v16)), v16
  if bits == 32:
    if not -0x80000000 <= num <= 0xFFFFFFFF: return None, None
    v32 = num & 0xFFFFFFFF
    code = _int_inline(v32 - (v32 >> 31 << 32))
    return (code if code is not None or not int_fp else _FP_CODES[int_fp].get(v32)), v32
  if (code := _int_inline(num)) is not None: return code, None
  if rule == "f64" and 0 <= num <= 0xFFFFFFFF:                   # 32 bits written: the double's high half
    return _FP_CODES["f64"].get(num << 32), num
  if 0 <= num < 1 << 64 and (code := _FP_CODES["f64"].get(num)) is not None: return code, None
  return None, (num & 0xFFFFFFFF if -0x80000000 <= num <= 0xFFFFFFFF else None)


# --------------------------------------------------------------------------- the assembler

@dataclass(frozen=True)
class Form:
  """One way to encode a mnemonic: encoding, opcode, table entry; dpp when it is the DPP variant; scale: the gfx950
  v_mfma_scale_* pair (v_mfma_ld_scale_b32, then this f8f6f4 MFMA)."""
  enc: Encoding
  op: int
  entry: dict
  dpp: bool = False
  sdwa: bool = False
  scale: bool = False


class _Lit:
  """The one 32-bit literal an instruction may carry (several operands may share its value; a 16-bit operand
  that prints only the low half constrains only those bits). inline_text: take constants written as an inline
  constant prints as that one, not as the literal LLVM would make of them (see Assembler._encode)."""
  def __init__(self, inline_text: bool = False): self.value, self.mask, self.inline_text = None, 0, inline_text

  def set(self, v: int, pos: int, mask: int = 0xFFFFFFFF):
    if self.value is not None and (self.value ^ v) & self.mask & mask:
      raise _NoFit("only one distinct literal allowed", pos)
    self.value = (self.value or 0) & self.mask | v & ~self.mask & 0xFFFFFFFF   # (unconstrained bits: as given)
    self.mask |= mask


_SRC_KINDS = ("src9", "ssrc8")
IMAGE = ("MIMG", "VIMAGE", "VSAMPLE")


def _img_addr(text: str) -> list[str]:
  return _split_commas(text[1:-1]) if text.startswith("[") else [text]

_VMEM = ("FLAT", "GLOBAL", "SCRATCH", "MUBUF", "MTBUF")


class Assembler:
  def __init__(self, arch: str, prefer_printed: bool = False):
    # prefer_printed: where llvm-mc's pick for a text would print as another text (a literal objdump shows as
    # "1.0" on an i16 operand), take the encoding that prints as written: decode -> assemble gives the same words.
    # Off by default: for any text llvm-mc accepts, the bytes llvm-mc picks.
    self.prefer_printed = prefer_printed
    try: self.arch, self.family = arch, family(arch)
    except ValueError as e: raise UnsupportedArch(str(e)) from None
    t = load_table(self.family)
    self.classes = t["classes"]
    self.encodings = {e.name: e for e in ENCODINGS[self.family]}
    self.gfx9 = self.family in CDNA          # GCN layouts: SDWA, gfx9 DPP, AGPRs, no VOP3 literal, wave64
    self.vop3_literal = not self.gfx9 or self.family == "gfx95"   # (LLVM 22 decodes gfx950 VOP3 literals)
    sr = t.get("sregs")
    clean = lambda d: {int(c): n for c, n in d.items() if re.fullmatch(r"\w+", n)}   # (gfx11 lists dpp8 texts too)
    self.scalars = ScalarSpace.of(sr["nsgpr"], clean(sr["32"]), clean(sr["64"])) if sr else GFX10_SCALARS
    # symbolic immediates, text -> value: the smallest value printing as that text (what LLVM assembles)
    self.special = {m: {txt: int(v) for v, txt in sorted(tab.items(), key=lambda kv: -int(kv[0]))}
                    for m, tab in t.get("special", {}).items() if isinstance(tab, dict)}   # (not swizzle's list)
    self.forms: dict[str, list[Form]] = {}
    self.vopd: dict[str, dict[str, Form]] = {"VOPDX": {}, "VOPDY": {}}
    for tname, ops in t["encodings"].items():
      for op, entry in ops.items():
        if tname in self.vopd:
          self.vopd[tname][entry["m"]] = Form(self.encodings["VOPD"], int(op), entry); continue
        if tname not in self.encodings: continue
        form = Form(self.encodings[tname], int(op), entry)
        for name in _names(entry["m"], tname): self.forms.setdefault(name, []).append(form)
        if "dpp" in entry:
          for name in _names(entry["dpp"], tname) + _names(entry["m"], tname):
            self.forms.setdefault(name, []).append(Form(form.enc, form.op, entry, True))
        if "sdwa" in entry:
          for name in [entry["sdwa"]] + _names(entry["m"], tname):
            self.forms.setdefault(name, []).append(Form(form.enc, form.op, entry, sdwa=True))
        if "scale" in entry: self.forms.setdefault(entry["scale"], []).append(Form(form.enc, form.op, entry, scale=True))
    for name, forms in self.forms.items():   # exact name first, then 32-bit encodings (LLVM prefers _e32)
      forms.sort(key=lambda f: (name not in (f.entry["m"], f.entry.get("dpp"), f.entry.get("sdwa")), f.enc.words,
                                not f.entry["m"].endswith("_e32")))

  # ---- entry point

  def assemble(self, text: str) -> bytes:
    line = _strip_comment(text)
    if not line: raise AsmError("empty line")
    if "::" in line: return self._vopd(line)
    mnemonic, ops, mods = split_line(line)
    forms = self.forms.get(mnemonic) or self.forms.get(canonical_mnemonic(mnemonic, self.arch), [])
    if not forms: raise AsmError(f"unknown mnemonic '{mnemonic}' for {self.arch}")
    dpp = bool(DPP_MODS & mods.keys()) or mnemonic.endswith("_dpp")
    sdwa = bool(SDWA_MODS & mods.keys()) or mnemonic.endswith("_sdwa")
    kind = "SDWA" if sdwa else "DPP" if dpp else "plain"
    forms = [f for f in forms if f.dpp == dpp and f.sdwa == sdwa]
    if not forms: raise AsmError(f"{mnemonic} has no {kind} form in '{line}'")
    fails = []
    for form in forms:
      try: return self._encode(form, ops, mods)
      except _NoFit as e: fails.append(e)
    best = max(enumerate(fails), key=lambda ie: (ie[1].pos, ie[0]))[1]   # the candidate that got furthest
    raise AsmError(f"{best.msg}{_where(best)} of {mnemonic} in '{line}'")

  # ---- one candidate encoding

  def _encode(self, form: Form, ops: list[str], mods: dict) -> bytes:
    try: return self._encode1(form, ops, mods, False)
    except _NoFit as e:   # the line needs two literals: once more, reading a constant written as an inline one
      if not e.msg.startswith("only one distinct literal"): raise      # prints (gfx12 f16 SALU's 0x3c00) as that
      return self._encode1(form, ops, mods, True)

  def _encode1(self, form: Form, ops: list[str], mods: dict, inline_text: bool) -> bytes:
    enc, entry = form.enc, form.entry
    if enc.name in IMAGE: return self._image(form, ops, dict(mods))
    if form.scale: return self._scaled_mfma(form, ops, dict(mods))
    f, lit, mods = self._defaults(form), _Lit(inline_text), dict(mods)
    if enc.name == "EXP" and ops: ops = [*ops[0].split(None, 1), *ops[1:]]   # 'mrt0 v0, ..': the target, then vsrc0
    slots = self._slots(form, ops, mods, f)
    if len(ops) == len(slots) - 1 and isinstance(slots[-1], list) and slots[-1][2:] == ["opt"]:
      slots = slots[:-1]                         # s_endpgm: the immediate shows only when nonzero
    if len(ops) != len(slots):
      if entry["m"] in ("s_waitcnt", "s_delay_alu", "s_waitcnt_depctr", "s_wait_alu") and len(slots) == 1:
        ops = [" ".join(ops)]                    # LLVM also takes 'vmcnt(0), lgkmcnt(0)'
      else: raise _NoFit(f"{entry['m']} takes {len(slots)} operands, got {len(ops)}")
    dpp_word, done = None, set()
    if "acc" in entry or _is_mfma(entry): ops = self._agprs(form, slots, ops, f)
    if enc.name in ("VOP3", "VOP3P"): ops = self._valu_src_mods(form, slots, ops, f)
    if form.dpp: ops, dpp_word = self._dpp(form, slots, ops, mods, f)
    if form.sdwa: dpp_word, done = self._sdwa(form, slots, ops, mods, f)
    for pos, (slot, tok) in enumerate(zip(slots, ops)):
      if pos not in done: self._slot(form, slot, tok, pos, f, lit, mods)
    self._mods(form, mods, f)
    if dpp_word is not None and lit.value is not None and enc.words == 1:
      raise _NoFit("no literal allowed with DPP")
    if entry.get("lit") and lit.value is None: raise _NoFit(f"{entry['m']} needs a literal")
    return _pack(enc, form.op, f, [w for w in (dpp_word, lit.value) if w is not None])   # VOP3 DPP: literal last

  def _image(self, form: Form, ops: list[str], mods: dict) -> bytes:
    """gfx11 MIMG, gfx12 VIMAGE / VSAMPLE: fields from the operands and modifiers; the register widths must be
    the ones the decoder derives from dmask, d16, tfe, dim and a16 (checked by decoding the result)."""
    enc, entry = form.enc, form.entry
    slots = entry["ops"]
    if len(ops) != len(slots): raise _NoFit(f"{entry['m']} takes {len(slots)} operands, got {len(ops)}")
    f = {fl.name: 0 for fl in enc.fields}
    f.update(entry.get("needs", {}))
    def vgprs(tok: str, pos: int) -> Reg:    # any width: the check below decodes what was built
      r = parse_reg(tok, self.scalars)
      if r is None or r.file != "v": raise _NoFit(f"bad operand '{tok}'", pos)
      return r
    vdata = vgprs(ops[0], 0)
    regs = [vgprs(t, 1) for t in _img_addr(ops[1])]
    nsa_word = None
    if "nsa" in f:                  # gfx11: a list of two or more takes the nsa dword
      if len(regs) > 5: raise _NoFit("at most 5 address operands", 1)
      f["vaddr"] = regs[0].code
      if len(regs) > 1: f["nsa"], nsa_word = 1, sum(r.code << 8 * k for k, r in enumerate(regs[1:]))
    else:
      names = [fl.name for fl in enc.fields if fl.name.startswith("vaddr")]
      if len(regs) > len(names): raise _NoFit(f"at most {len(names)} address operands", 1)
      f.update({n: r.code for n, r in zip(names, regs)})
    f["vdata"] = vdata.code
    for pos, (slot, tok) in enumerate(zip(slots[2:], ops[2:]), 2):
      r = self._reg(tok, pos, "s", slot[1])
      if enc.field(slot[0]).kind == "srsrc5":
        if r.code % 4: raise _NoFit(f"'{tok}' must start at a multiple of 4", pos)
        f[slot[0]] = r.code // 4
      else: f[slot[0]] = r.code
    for key, val in mods.items():
      if key == "dmask": f["dmask"] = _int(val, "dmask", 0, 15)
      elif key == "dim":
        dims = self.special.get("dim", {})
        f["dim"] = dims[val] if val in dims else dims.get(f"SQ_RSRC_IMG_{val}", -1) if val else -1
        if f["dim"] < 0: raise _NoFit(f"unknown dim '{val}'")
      elif key in ("th", "scope") and "policy" in entry:
        f["th"] = self._th(form, mods) if "th" in mods else 0
        if "scope" in mods: f["scope"] = self._policy(form, "scope", mods["scope"])
      elif key in f and val is None and any(k == key for k, _ in entry.get("flags", ())): f[key] = 1
      else: raise _NoFit(f"{entry['m']} takes no modifier '{key}'")
    out = _pack(enc, form.op, f, [nsa_word] if nsa_word is not None else [])
    got = self._decoder().disassemble(out + b"\0" * 8)[0]
    want = [vdata] + regs + [None] * (len(slots) - 2)
    seen = [parse_reg(t, self.scalars) for t in [got.operands[0].text] + _img_addr(got.operands[1].text)] \
      if got.mnemonic != ".long" else []
    if [(r.code, r.n) for r in seen] != [(r.code, r.n) for r in want[:len(seen)]] or len(seen) != 1 + len(regs):
      raise _NoFit("image data or address size does not match dmask, d16, tfe, dim and a16")
    return out

  def _scaled_mfma(self, form: Form, ops: list[str], mods: dict) -> bytes:
    """gfx950 v_mfma_scale_*: v_mfma_ld_scale_b32 with the last two operands (the A and B scales; op_sel /
    op_sel_hi pick their bytes, 0 unless written) followed by the MFMA with op_sel 1; checked by decoding the pair."""
    if len(ops) != len(form.entry["ops"]) + 2:
      raise _NoFit(f"{form.entry['scale']} takes {len(form.entry['ops']) + 2} operands, got {len(ops)}")
    if "abid" in mods: raise _NoFit("modifier 'abid' not allowed")
    for pos in (len(ops) - 2, len(ops) - 1):   # (LLVM decodes others, calling them invalid, but assembles none)
      if getattr(parse_reg(ops[pos], self.scalars), "file", None) != "v": raise _NoFit("a scale must be a VGPR", pos)
    ld_mods = {"op_sel_hi": "[0,0]", **{k: mods.pop(k) for k in ("op_sel", "op_sel_hi") if k in mods}}
    ld_form = next(f for f in self.forms["v_mfma_ld_scale_b32"] if not (f.dpp or f.sdwa))
    enc = form.enc
    try: ld = int.from_bytes(self._encode1(ld_form, ops[-2:], ld_mods, False), "little")
    except _NoFit as e: raise _NoFit(e.msg, e.pos + len(ops) - 2 if e.pos >= 0 else -1) from None
    mfma = int.from_bytes(self._encode1(Form(enc, form.op, form.entry), ops[:-2], mods, False), "little")
    ld &= ~(1 << enc.field("opsel_hi2").lo)                  # (op_sel_hi's third bit: 0 in the pair)
    mfma |= 1 << enc.field("opsel").lo                       # op_sel 1 marks the MFMA as scaled
    if ld >> 32 * enc.words or mfma >> 32 * enc.words: raise _NoFit("no literal allowed in a scaled MFMA")
    out = ld.to_bytes(4 * enc.words, "little") + mfma.to_bytes(4 * enc.words, "little")
    if self._decoder().disassemble(out)[0].mnemonic != form.entry["scale"]:   # a source the pair does not read
      raise _NoFit(f"operands {form.entry['scale']} cannot take")
    return out

  def _decoder(self) -> Disassembler:
    if not hasattr(self, "_dis"): self._dis = Disassembler(self.arch)
    return self._dis

  def _defaults(self, form: Form) -> dict[str, int]:
    """Field values LLVM writes when the text says nothing about them."""
    f, name, entry = {fl.name: 0 for fl in form.enc.fields}, form.enc.name, form.entry
    if name == "VOP3P" and "opsel_hi" not in entry.get("mods", {}):
      f["opsel_hi"], f["opsel_hi2"] = 3, 1      # op_sel_hi all ones (unused src2 too), except the mix ops
    if name == "VOP3" and entry["m"].startswith("v_cmpx_"): f["vdst"] = 126     # v_cmpx_*_e64 'write' exec_lo
    if name in ("FLAT", "GLOBAL", "SCRATCH"): f["saddr"] = self._off_saddr(name)   # 'off'
    if name == "MUBUF" and "th" in f: f["_raw"] = 1 << 55   # gfx12: format field (bits 55..61, not in the layout) = 1
    if name == "MTBUF": f["format"] = 1                      # gfx11 BUF_FMT_8_UNORM, gfx9 dfmt 1 nfmt 0: not printed
    return f

  def _slots(self, form: Form, ops: list[str], mods: dict, f: dict) -> list:
    """The entry's operand slots as this line uses them: returning atomics, 64-bit vaddr without sgpr base."""
    name, entry = form.enc.name, form.entry
    slots = entry["ops"]
    if name in _VMEM and "atomic" in entry["m"] and "ops_rtn" in entry:
      # the atomic returns the old value: glc / gfx9 sc0; gfx12 th bit 0, which some th names leave open
      # (TH_ATOMIC_CASCADE_RT is th 4 and 5): then the operand count tells
      if "policy" in entry: f["_rtn"] = len(ops) == len(entry["ops_rtn"]) or "th" in mods and self._th(form, mods) & 1
      else: f["_rtn"] = ("sc0" if self.gfx9 else "glc") in mods
      if f["_rtn"]: slots = entry["ops_rtn"]
    if "tfe" in mods and "ops_tfe" in entry: slots = entry["ops_tfe"]   # tfe: one more data register
    if "lds" in mods and "ops_lds" in entry: slots = entry["ops_lds"]   # gfx9 buffer load to LDS: no data register
    if name == "GLOBAL" and any(isinstance(s, list) and s[0] == "saddr" and t.lower() == "off"
                                for s, t in zip(slots, ops)):
      slots = [["addr", 2, "v"] if isinstance(s, list) and s[0] == "addr" else s for s in slots]
    if "src_widths" in entry:   # gfx950 f8f6f4 MFMA: cbsz / blgp name the A / B formats, hence their widths
      def width(slot: list) -> int:
        v = parse_number(mods.get("cbsz" if slot[0] == "src0" else "blgp") or "0")
        ws = entry["src_widths"][slot[0]]
        return ws[v] if isinstance(v, int) and 0 <= v < len(ws) and ws[v] else slot[1]
      slots = [[s[0], width(s), *s[2:]] if isinstance(s, list) and s[0] in entry["src_widths"] else s for s in slots]
    if name in ("MUBUF", "MTBUF"):
      n = ("offen" in mods) + ("idxen" in mods)
      slots = [["vaddr", n, "v"] if isinstance(s, list) and s[0] == "vaddr" else s for s in slots]
    return slots

  def _slot(self, form: Form, slot, tok: str, pos: int, f: dict, lit: _Lit, mods: dict):
    enc, entry, name = form.enc, form.entry, form.enc.name
    if isinstance(slot, str):                      # fixed text: vcc_lo, off, ...
      if name == "SCRATCH" and slot == "off" and tok.lower() != "off":   # (gfx9 names the sve bit lds)
        f["addr"], f["sve" if "sve" in f else "lds"] = self._reg(tok, pos, "v", 1).code, 1
      elif name == "SMEM" and slot == "s0" and self.gfx9: self._smem_offset_gfx9(tok, pos, f, mods)
      elif slot == "gpr_idx()": f["ssrc1"] = self._gpr_idx(tok, pos, 0xFF)   # s_set_gpr_idx_on's mode bits
      elif tok.lower() != slot: raise _NoFit(f"expected '{slot}', got '{tok}'", pos)
      return
    field, width = slot[0], slot[1]
    if field == "simm16": f["simm16"] = self._simm16(entry["m"], width, tok, pos); return
    if field == "msg": f[width] = self._symbol(entry["m"], tok, pos, 0xFF); return
    if field == "literal":
      num = parse_number(tok)
      v = constant(num, width)[1] if num is not None else None
      if v is None: raise _NoFit(f"bad literal '{tok}'", pos)
      lit.set(v, pos); return
    if field == "vdsty": f["vdsty"] = self._reg(tok, pos, "v", width).code; return
    if field == "imm":                           # a field printed as a number (s_atc_probe's sdata)
      fl = enc.field(width)
      bits = fl.hi - fl.lo + 1
      lo = -(1 << bits - 1) if slot[2] in ("shex", "sdec") else 0
      f[width] = _int(tok, width, lo, (1 << bits) - 1, pos) & ((1 << bits) - 1); return
    if len(slot) > 3 and (m := re.match(r"^v(\d+)\.([lh])$", tok.lower())):   # 't16': v1.l / v1.h halves
      code = int(m[1]) + 128 * (m[2] == "h")
      if int(m[1]) > 127: raise _NoFit(f"bad 16-bit register '{tok}'", pos)
      f[field] = code + 256 * (enc.field(field).kind == "src9"); return
    if name == "SMEM" and field == "soffset": return self._smem_soffset(tok, pos, f, mods)
    if name in ("GLOBAL", "SCRATCH") and field == "saddr" and tok.lower() == "off":
      f["saddr"] = self._off_saddr(name); return
    if name == "EXP" and field.startswith("vsrc"):   # a source, or 'off': its en bit clear
      if tok.lower() != "off": f[field], f["en"] = self._reg(tok, pos, "v", 1).code, f["en"] | 1 << int(field[4])
      return
    if name in ("MUBUF", "MTBUF") and field == "vaddr" and width == 0:
      if tok.lower() != "off": raise _NoFit(f"expected 'off' (no offen/idxen), got '{tok}'", pos)
      return
    kind, rc = enc.field(field).kind, "a" if slot[2] == "a" else "v"
    if kind in _SRC_KINDS:
      f[field] = self._source(form, field, kind, width, tok, pos, lit, rc)
    elif kind == "sdst7" or (kind == "vgpr8" and slot[2] == "s"):
      f[field] = self._reg(tok, pos, "s", width).code
    elif kind in ("sbase6", "srsrc5"):
      r, scale = self._reg(tok, pos, "s", width), 2 if kind == "sbase6" else 4
      if r.code % scale: raise _NoFit(f"bad base register '{tok}'", pos)   # sgprs, ttmps (and what objdump prints)
      f[field] = r.code // scale
    else:
      f[field] = self._reg(tok, pos, rc, width).code

  def _off_saddr(self, name: str) -> int:
    """The saddr value of 'off' (no scalar base): null (124), gfx9 127; gfx9 flat_* ops have saddr 0."""
    return 124 if not self.gfx9 else 0 if name == "FLAT" else 127

  def _reg(self, tok: str, pos: int, file: str, width: int) -> Reg:
    r = parse_reg(tok, self.scalars)
    if r is None or r.file != file: raise _NoFit(f"bad operand '{tok}'", pos)
    if r.n and r.n != width: raise _NoFit(f"'{tok}' should be {width} dword{'s' * (width > 1)} wide", pos)
    return r

  def _source(self, form: Form, field: str, kind: str, width: int, tok: str, pos: int, lit: _Lit,
              rc: str = "v") -> int:
    r = parse_reg(tok, self.scalars)
    if r is not None:
      if r.file in "va" and kind != "src9": raise _NoFit(f"VGPR '{tok}' not allowed here", pos)
      if r.file in "va" and r.file != rc: raise _NoFit(f"bad operand '{tok}'", pos)   # AGPRs only where printed so
      if r.n and r.n != width: raise _NoFit(f"'{tok}' should be {width} dword{'s' * (width > 1)} wide", pos)
      return 256 + r.code if r.file in "va" else r.code
    cls_id = form.entry.get("cls", {}).get(field)
    cls = self.classes[cls_id] if cls_id is not None else None
    if m := re.fullmatch(r"(-?)lit\((0x[0-9a-fA-F]+|\d+)\)", tok):   # LLVM 22: a literal even where inline fits
      if cls is None or cls["rule"] is None or m[1]: raise _NoFit(f"constant '{tok}' not allowed here", pos)
      if self.gfx9 and not self.vop3_literal and form.enc.name in ("VOP3", "VOP3P"):
        raise _NoFit(f"no literal in gfx9 VOP3: '{tok}'", pos)
      lit.set(int(m[2], 0) & 0xFFFFFFFF, pos)
      return 255
    num = parse_number(tok)
    if num is None: raise _NoFit(f"bad operand '{tok}'", pos)
    if cls is None or not any(cls["inline"].values()): raise _NoFit(f"constant '{tok}' not allowed here", pos)
    if isinstance(num, float):   # a float written as the table prints an inline constant (bf16 1/(2*pi)) is that one
      code = next((int(c) for c, t in cls["inline"].items() if t == tok and int(c) >= 240), None)
      if code is not None: return code
    rule = cls["rule"]
    code, value = constant(num, rule)
    inline = code if code is not None and cls["inline"].get(str(code)) is not None else None
    if inline is not None and cls["inline"][str(inline)] == tok: return inline
    if self.gfx9 and not self.vop3_literal and form.enc.name in ("VOP3", "VOP3P"):   # no literal: maybe an inline text
      if inline is not None: return inline
      code = next((int(c) for c, t in cls["inline"].items() if t == tok), None)   # (i16's 2.0 prints 0x4000)
      if code is not None: return code
      raise _NoFit(f"no literal in gfx9 VOP3: '{tok}'", pos)
    if lit.inline_text and (code := next((int(c) for c, t in cls["inline"].items() if t == tok), None)) is not None:
      return code
    if inline is not None and not self.prefer_printed: return inline   # llvm-mc's pick for a text it accepts
    if rule is not None:
      # where LLVM's pick prints otherwise, a literal that prints as written (f64 0x40, i16 1.0 = 0x3f800000)
      cands = [value] + ([_fbits(num, "f32")] if isinstance(num, float) else
                         [num & 0xFFFFFFFF, num & 0xFFFF | 0x10000] if -0x80000000 <= num <= 0xFFFFFFFF else [])
      base = rule.split(":")[0]
      mask = 0xFFFF if base == "f16" or base == "i16" and tok.lower().startswith("0x") else 0xFFFFFFFF
      if (v := next((v for v in cands if v is not None and LITERAL_RULES[rule](v) == tok), None)) is not None:
        lit.set(v, pos, mask); return 255
    if inline is not None: return inline
    if value is None or rule is None: raise _NoFit(f"constant '{tok}' does not fit", pos)
    lit.set(value, pos)
    return 255

  # ---- modifiers

  def _agprs(self, form: Form, slots, ops: list[str], f: dict) -> list[str]:
    """a[..] operands -> v[..] text plus the bits that select AGPRs: memory ops' data registers (one acc bit for all),
    MFMA srcA/srcB (op_sel_hi bits) and its destination with the accumulator (clamp: acc_cd)."""
    out, entry = list(ops), form.entry

    def agpr(p: int) -> bool | None:    # True: an AGPR (rewritten to v), False: a VGPR, None: anything else
      r = parse_reg(out[p], self.scalars) if p < len(out) else None
      if r is None or r.file == "s": return None
      if r.file == "a": out[p] = "v" + out[p].strip()[1:]
      return r.file == "a"

    def one_bit(positions: list[int], what: str) -> int:
      kinds = {k for k in map(agpr, positions) if k is not None}
      if len(kinds) > 1: raise _NoFit(f"{what} must all be AGPRs or all VGPRs", positions[0])
      return int(kinds == {True})

    if _is_mfma(entry):
      srcs = [p for p, sl in enumerate(slots) if isinstance(sl, list) and sl[0] in ("src0", "src1", "src2")]
      for k, p in enumerate(srcs[:2]):
        if agpr(p): f["opsel_hi"] |= 1 << k
      f["clamp"] = one_bit([0] + _as_list(entry["mods"].get("clamp")), "destination and accumulator")
    else:
      f["acc"] = one_bit([p for p, sl in enumerate(slots) if isinstance(sl, list) and sl[0] in entry["acc"]],
                         "data registers")
    return out

  def _valu_src_mods(self, form: Form, slots, ops: list[str], f: dict) -> list[str]:
    """Move -x, |x|, -|x|, neg(x), abs(x) of VOP3/VOP3P sources into the neg/abs bits (the decoder's convention:
    bit k belongs to the k-th printed source; the table lists which operand positions take them)."""
    m = form.entry.get("mods", {})
    abs_field = "neg_hi" if form.enc.name == "VOP3P" else "abs"   # v_fma_mix*: |x| lives in neg_hi
    out, k = list(ops), 0
    for pos, slot in enumerate(slots):
      if not (isinstance(slot, list) and slot[0] in ("src0", "src1", "src2")): continue
      if pos in m.get("sext", ()) and ops[pos].startswith("sext(") and ops[pos].endswith(")"):
        out[pos] = ops[pos][5:-1].strip(); f["neg"] |= 1 << k; k += 1; continue   # integer operand: neg bit
      out[pos], neg, absv = _strip_neg_abs(ops[pos])
      if neg:
        if pos not in _as_list(m.get("neg")): raise _NoFit("neg modifier not allowed", pos)
        f["neg"] |= 1 << k
      if absv:
        if pos not in _as_list(m.get(abs_field)): raise _NoFit("abs modifier not allowed", pos)
        f[abs_field] |= 1 << k
      k += 1
    return out

  def _mods(self, form: Form, mods: dict, f: dict):
    name, m, mn = form.enc.name, form.entry.get("mods", {}), form.entry["m"]
    if quiet := [k for k in form.entry.get("quiet", ()) if k in mods]:   # bits the decoder never prints for it
      raise _NoFit(f"modifier '{quiet[0]}' not allowed")
    if name in ("VOP3", "VOP3P") and "clamp" in mods:    # (MFMA's clamp bit is acc_cd: a[..] operands)
      if "clamp" not in m or _is_mfma(form.entry) or mods.pop("clamp") is not None: raise _NoFit("clamp not allowed")
      f["clamp"] = 1
    if name == "VOP3":
      if "bitop3" in mods:   # gfx950 v_bitop3_*: the truth table spread over neg, abs and omod
        if not (b3 := form.entry.get("bitop3")): raise _NoFit("modifier 'bitop3' not allowed")
        v = _int(mods.pop("bitop3"), "bitop3", 0, 255)
        for k in ("neg", "abs", "omod"): f[k] |= v >> b3[k] & (form.enc.field(k).mask >> form.enc.field(k).lo)
      for key in ("mul", "div"):
        if key in mods:
          omod = {("mul", "2"): 1, ("mul", "4"): 2, ("div", "2"): 3}.get((key, mods.pop(key)))
          if "omod" not in m or omod is None or f["omod"]: raise _NoFit("bad output modifier")
          f["omod"] = omod
      words = [f"{k}:{mods.pop(k)}" for k in ("op_sel", "byte_sel") if k in mods]
      if words: f["opsel"] = self._opsel(form, " ".join(words))
    elif name == "VOP3P" and _is_mfma(form.entry):   # cbsz:N abid:N blgp:N (f64: neg:[..]) in neg_hi/opsel/neg
      f["neg_hi"] = _int(mods.pop("cbsz", "0"), "cbsz", 0, 7)
      abid = _int(mods.pop("abid", "0"), "abid", 0, 15)
      f["opsel"], f["opsel_hi2"] = abid & 7, abid >> 3
      if "blgp" in mods:
        if "blgp" not in m.get("neg", {}): raise _NoFit("blgp not allowed")
        f["neg"] = _int(mods.pop("blgp"), "blgp", 0, 7)
      if "neg" in mods:
        if "neg" not in m.get("neg", {}) or f["neg"]: raise _NoFit("neg not allowed")
        f["neg"] = _bits_value(_bits_list(mods.pop("neg"), m["neg"]["neg"], "neg"))
    elif name == "VOP3P":
      for key, fld in (("op_sel", "opsel"), ("neg_lo", "neg"), ("neg_hi", "neg_hi")):
        if key in mods:
          n = m[fld].get(key) if isinstance(m.get(fld), dict) else None
          f[fld] = _bits_value(_bits_list(mods.pop(key), n, key, loose=True))
      if "op_sel_hi" in mods:
        n = m.get("base", {}).get("op_sel_hi") or m.get("opsel_hi", {}).get("op_sel_hi")
        bits = _bits_list(mods.pop("op_sel_hi"), n, "op_sel_hi", loose=True)
        # bits of sources the op lacks keep their default, as LLVM does
        hi = (f["opsel_hi"] | f["opsel_hi2"] << 2) & ~((1 << n) - 1) | _bits_value(bits)
        f["opsel_hi"], f["opsel_hi2"] = hi & 3, hi >> 2
    elif name == "DS":
      two = form.entry.get("off2", "2addr" in mn or "read2" in mn or "write2" in mn)   # offset0:/offset1: ops
      if "offset" in mods:
        if two: raise _NoFit("use offset0:/offset1: with a 2addr op")
        tok = mods.pop("offset")
        off = _swizzle(tok) if mn == "ds_swizzle_b32" and tok.startswith("swizzle(") else \
          _int(tok, "offset", 0, 0xFFFF)
        f["offset0"], f["offset1"] = off & 0xFF, off >> 8
      for key in ("offset0", "offset1"):
        if key in mods:
          if not two: raise _NoFit(f"{key} is for 2addr ops only")
          f[key] = _int(mods.pop(key), key, 0, 0xFF)
      if "gds" in mods: f["gds"] = _flag(mods, "gds")
    elif name in _VMEM:
      if "offset" in mods:
        f["offset"] = self._vmem_offset(form, mods.pop("offset"))
      for key in ("glc", "slc", "dlc", "tfe", "offen", "idxen", "sc0", "sc1", "nt"):
        if key in mods and key in f: f[key] = _flag(mods, key)
      if "lds" in mods and "ops_lds" in form.entry: f["lds"] = _flag(mods, "lds")   # gfx9 buffer load to LDS
    elif name == "SMEM":
      for key in ("glc", "dlc") + ("nv",) * self.gfx9:
        if key in mods and key in f: f[key] = _flag(mods, key)
      mods.pop("offset", None)                   # taken with soffset
    elif name == "EXP":
      for field, word in form.entry.get("flags", ()):
        if word in mods: f[field] = _flag(mods, word)
    if name in ("MUBUF", "MTBUF") and "format" in mods and form.entry.get("fmt"):   # tbuffer data format
      f["format"], f["_raw"] = self._format(mods.pop("format")), 0
    if "policy" in form.entry:
      if "th" in mods:
        f["th"] = self._th(form, mods, f.get("_rtn"))
        if "_rtn" in f and f["th"] & 1 != f["_rtn"]: raise _NoFit(f"th:{mods['th']} and the operand count disagree")
        mods.pop("th")
      if "scope" in mods: f["scope"] = self._policy(form, "scope", mods.pop("scope"))
    if mods: raise _NoFit(f"modifier '{next(iter(mods))}' not allowed")

  def _format(self, tok: str | None) -> int:
    """A tbuffer format:[..] word: a name the table learned, the gfx9 data / number format pair (either, in any
    order; the other one then is its default, 8 / UNORM: gfx11 and gfx12 map the pair to their unified names), or
    a number. The default format (1) LLVM never prints, so no name was learned for it: stated here."""
    val, names = (tok or "").replace(" ", ""), self.special.get("format", {})
    parts = val[1:-1].split(",") if val.startswith("[") and val.endswith("]") else []
    dfmt = [p[16:] for p in parts if p.startswith("BUF_DATA_FORMAT_")]
    nfmt = [p[15:] for p in parts if p.startswith("BUF_NUM_FORMAT_")]
    if parts and len(dfmt) + len(nfmt) == len(parts) and len(dfmt) < 2 and len(nfmt) < 2:
      d, n = (dfmt or ["8"])[0], (nfmt or ["UNORM"])[0]
      if self.gfx9: val = "[" + ",".join([f"BUF_DATA_FORMAT_{d}"] * (d != "8") + [f"BUF_NUM_FORMAT_{n}"] * (n != "UNORM")) + "]"
      else: val = "[BUF_FMT_INVALID]" if (d, n) == ("INVALID", "UNORM") else f"[BUF_FMT_{d}_{n}]"
    if val == ("[]" if self.gfx9 else "[BUF_FMT_8_UNORM]"): return 1     # (8-bit UNORM, dfmt 1 nfmt 0 on gfx9)
    if f"format:{val}" in names: return names[f"format:{val}"]
    return _int(val, "format", 0, 127)

  def _opsel(self, form: Form, text: str) -> int:
    """VOP3 op_sel:[..] / byte_sel:N: the smallest opsel value the table prints as that text."""
    table = form.entry.get("opsel", {})
    vals = [int(v) for v, t in table.items() if t == text.replace(" ", "")]
    if vals: return min(vals)
    raise _NoFit(f"'{text}' not allowed" if table else "op_sel not allowed")

  def _vmem_offset(self, form: Form, tok: str | None) -> int:
    """Offsets as the decoder prints them: signed, except gfx11/gfx9 FLAT (13 bits unsigned, as objdump prints
    them; llvm-mc takes only 12) and gfx11/gfx9 MUBUF."""
    fl, name = form.enc.field("offset"), form.enc.name
    bits = fl.hi - fl.lo + 1
    gfx12 = any(x.name == "th" for x in form.enc.fields)
    if gfx12 or name in ("GLOBAL", "SCRATCH"): lo, hi = -(1 << bits - 1), (1 << bits - 1) - 1
    else: lo, hi = 0, (1 << bits) - 1
    return _int(tok, "offset", lo, hi) & ((1 << bits) - 1)

  def _th(self, form: Form, mods: dict, rtn: bool | None = None) -> int:
    """th:NAME: its name can depend on the scope (TH_LOAD_BYPASS is th 3 at SCOPE_SYS), so look both up; of the
    values printing so, the one whose return bit (0) is `rtn` when that is known."""
    pol = form.entry["policy"]
    scope = self._policy(form, "scope", mods["scope"]) if "scope" in mods else 0
    want, found = f"th:{mods['th']}", []
    for v in range(8):
      text = pol.get("th_scope", {}).get(f"{v},{scope}") if v and scope else None
      if (text if text is not None else pol.get("th", {}).get(str(v))) == want: found.append(v)
    if rtn is not None: found = [v for v in found if v & 1 == rtn] or found
    return found[0] if found else self._policy(form, "th", mods["th"])

  def _policy(self, form: Form, key: str, val: str | None) -> int:
    texts = form.entry["policy"].get(key, {})
    want = f"{key}:{val}"
    for v in sorted(texts, key=int):
      if texts[v] == want: return int(v)
    return _int(val, key, 0, 7 if key == "th" else 3)

  # ---- immediates

  def _simm16(self, mnemonic: str, style: str, tok: str, pos: int) -> int:
    if style == "special" and not _INT.match(tok):
      if mnemonic == "s_waitcnt":
        return _counters(tok, WAITCNT_GFX9 if self.gfx9 else {n: (lo, b) for n, lo, b in WAITCNT_FIELDS[self.family]},
                         pos)
      if mnemonic in ("s_waitcnt_depctr", "s_wait_alu"):
        return _counters(tok, {f"depctr_{n}": (lo, b) for n, lo, b in DEPCTR}, pos)
      if mnemonic == "s_delay_alu": return _delay_alu(tok, pos)
      if mnemonic == "s_set_gpr_idx_mode": return self._gpr_idx(tok, pos, 0xFFFF)
      if tok.startswith("hwreg("): return self._hwreg(tok, pos)
      return self._symbol(mnemonic, tok, pos, 0xFFFF)
    return _int(tok, "immediate", -0x8000, 0xFFFF, pos) & 0xFFFF

  def _symbol(self, mnemonic: str, tok: str, pos: int, mx: int) -> int:
    """sendmsg(...), UC_VERSION_* ...: the table's text, or a plain number."""
    if tok in self.special.get(mnemonic, {}): return self.special[mnemonic][tok]
    if mnemonic == "s_version" and "|" in tok:   # (VERSION|FLAG)|FLAG
      base, *flags = tok.replace("(", "").replace(")", "").split("|")
      bits = dict((n, b) for b, n in VERSION_FLAGS)
      if any(fl.strip() not in bits for fl in flags): raise _NoFit(f"unknown symbolic operand '{tok}'", pos)
      return self._symbol(mnemonic, base.strip(), pos, 0xFF) | sum(bits[fl.strip()] for fl in flags)
    if parse_number(tok) is None: raise _NoFit(f"unknown symbolic operand '{tok}'", pos)
    return _int(tok, "immediate", 0, mx, pos)

  def _hwreg(self, tok: str, pos: int) -> int:
    """hwreg(NAME_OR_ID[, offset, size]): id | offset << 6 | (size - 1) << 11."""
    m = re.match(r"^hwreg\(\s*(\w+)\s*(?:,\s*(\d+)\s*,\s*(\d+)\s*)?\)$", tok)
    hid = None if not m else int(m[1]) if m[1].isdigit() else self.special.get("hwreg", {}).get(m[1])
    off, size = (int(m[2] or 0), int(m[3] or 32)) if m else (0, 0)
    if hid is None or hid > 63 or off > 31 or not 1 <= size <= 32: raise _NoFit(f"bad hwreg operand '{tok}'", pos)
    return hid | off << 6 | (size - 1) << 11

  def _smem_offset_gfx9(self, tok: str, pos: int, f: dict, mods: dict):
    """gfx9 SMEM's offset operand: an SGPR in the offset field (imm 0), a signed 21-bit offset (imm 1), or an SGPR
    in soffset plus offset:N (imm 1, soe 1)."""
    r = parse_reg(tok, self.scalars)
    imm = lambda t, p=-1: _int(t, "offset", -(1 << 20), (1 << 20) - 1, p) & 0x1FFFFF
    if r is not None:
      if r.file != "s" or r.n not in (0, 1) or r.code > 127: raise _NoFit(f"bad offset register '{tok}'", pos)
      if "offset" in mods: f["imm"], f["soe"], f["soffset"], f["offset"] = 1, 1, r.code, imm(mods["offset"])
      else: f["offset"] = r.code
      return
    if "offset" in mods: raise _NoFit("immediate offset given twice", pos)
    f["imm"], f["offset"] = 1, imm(tok, pos)

  def _gpr_idx(self, tok: str, pos: int, mx: int) -> int:
    """gfx9 VGPR-indexing mode: gpr_idx(SRC0,DST), or a number."""
    if m := re.match(r"^gpr_idx\(([\w,\s]*)\)$", tok):
      names = [n.strip() for n in m[1].split(",") if n.strip()]
      bits = {"SRC0": 1, "SRC1": 2, "SRC2": 4, "DST": 8}
      if any(n not in bits for n in names) or len(set(names)) != len(names): raise _NoFit(f"bad gpr_idx '{tok}'", pos)
      return sum(bits[n] for n in names)
    return _int(tok, "gpr_idx mode", 0, mx, pos)

  def _smem_soffset(self, tok: str, pos: int, f: dict, mods: dict):
    """The last SMEM operand is an SGPR (any immediate offset then comes as offset:) or the offset itself."""
    fl = self.encodings["SMEM"].field("offset")
    bits = fl.hi - fl.lo + 1
    rng = (-(1 << bits - 1), (1 << bits - 1) - 1)
    r = parse_reg(tok, self.scalars)
    if r is not None:
      if r.file != "s" or r.n not in (0, 1): raise _NoFit(f"bad offset register '{tok}'", pos)
      f["soffset"] = r.code
      if "offset" in mods: f["offset"] = _int(mods["offset"], "offset", *rng) & ((1 << bits) - 1)
      return
    if "offset" in mods: raise _NoFit("immediate offset given twice", pos)
    f["soffset"], f["offset"] = 124, _int(tok, "offset", *rng, pos) & ((1 << bits) - 1)

  # ---- DPP and VOPD

  def _dpp(self, form: Form, slots, ops: list[str], mods: dict, f: dict) -> tuple[list[str], int]:
    """The DPP dword: src0's VGPR, the lane pattern and masks; VOP1/2/C keep src0/src1 neg/abs in it too."""
    p0 = next((p for p, s in enumerate(slots) if isinstance(s, list) and s[0] == "src0"), None)
    if p0 is None: raise _NoFit("no src0 for DPP")
    out, w = list(ops), 0
    if form.enc.name in ("VOP1", "VOP2", "VOPC"):
      for k, field in enumerate(("src0", "vsrc1")):
        p = next((j for j, s in enumerate(slots) if isinstance(s, list) and s[0] == field), None)
        if p is None: continue
        span = form.entry.get("dpp_abs_span", 1) if k else 1   # gfx12 v_cndmask_b32_dpp: '|v1, vcc_lo|'
        last = p + span - 1
        if span > 1 and ops[p].lstrip("-").startswith("|") and last < len(ops) and ops[last].endswith("|"):
          ops = list(ops); ops[p] += "|"; ops[last] = out[last] = ops[last][:-1]
        tok, sext = ops[p], form.entry.get("dpp_sext", 0) >> 2 * k & 1
        if sext and tok.startswith("sext(") and tok.endswith(")"):   # an integer operand's neg bit
          out[p], w = tok[5:-1].strip(), w | 1 << (20 + 2 * k); continue
        out[p], neg, absv = _strip_neg_abs(tok)
        w |= neg << (20 + 2 * k) | absv << (21 + 2 * k)
    if len(slots[p0]) > 3 and (m := re.match(r"^v(\d+)\.([lh])$", out[p0].lower())) and int(m[1]) < 128:
      w |= int(m[1]) + 128 * (m[2] == "h")          # 't16': v1.l / v1.h, bit 7 the high half
    else: w |= self._reg(out[p0], p0, "v", slots[p0][1]).code
    out[p0] = "v0" if slots[p0][1] == 1 else f"v[0:{slots[p0][1] - 1}]"   # src0 field itself holds the DPP marker
    if "dpp8" in mods:
      lanes = _bits_list(mods.pop("dpp8"), 8, "dpp8", 7)
      fi = _int(mods.pop("fi", "0"), "fi", 0, 1)
      if DPP_MODS & mods.keys(): raise _NoFit(f"'{next(iter(DPP_MODS & mods.keys()))}' not allowed with dpp8")
      f["_dpp_src0"] = 233 + fi
      return out, w | sum(l << (8 + 3 * k) for k, l in enumerate(lanes))
    f["_dpp_src0"] = 250
    w |= _dpp_ctrl(mods, self.gfx9) << 8
    w |= _int(mods.pop("row_mask", "0xf"), "row_mask", 0, 15) << 28
    w |= _int(mods.pop("bank_mask", "0xf"), "bank_mask", 0, 15) << 24
    if "bound_ctrl" in mods:   # (gfx9, as LLVM: bound_ctrl:0 sets the bit too)
      w |= (_int(mods.pop("bound_ctrl"), "bound_ctrl", 0, 1) or self.gfx9) << 19
    if "fi" in mods and self.gfx9: raise _NoFit("fi not allowed")
    w |= _int(mods.pop("fi", "0"), "fi", 0, 1) << 18
    return out, w

  def _sdwa(self, form: Form, slots, ops: list[str], mods: dict, f: dict) -> tuple[int, set[int]]:
    """gfx9 SDWA: the extra dword holds src0 (any 8-bit source, bit 23: scalar), the selects, sext/neg/abs of
    src0/src1, clamp/omod (VOPC: the mask register); vsrc1 may be scalar too (bit 31). Returns the dword and the
    operand positions it took care of."""
    enc, entry = form.enc, form.entry
    vopc, w, done = enc.name == "VOPC", 0, set()
    for k, field in enumerate(("src0", "vsrc1")):
      p = next((j for j, sl in enumerate(slots) if isinstance(sl, list) and sl[0] == field), None)
      if p is None: continue
      tok, sext = ops[p], False
      if tok.startswith("sext(") and tok.endswith(")"): tok, sext = tok[5:-1].strip(), True
      tok, neg, absv = _strip_neg_abs(tok)
      base = 16 + 8 * k
      w |= sext << base + 3 | neg << base + 4 | absv << base + 5
      r = parse_reg(tok, self.scalars)
      if r is not None:
        if r.file == "a" or r.n and r.n != slots[p][1] or r.code > 255: raise _NoFit(f"bad operand '{tok}'", p)
        code, scalar = r.code, r.file == "s"
      else:
        num = parse_number(tok)
        cls_id = entry.get("cls", {}).get("src0" if k == 0 else "sdwa_src1")
        cls = self.classes[cls_id] if cls_id is not None and num is not None else None
        code = constant(num, cls["rule"])[0] if cls else None
        if cls and (code is None or cls["inline"].get(str(code)) != tok):   # (i16's 0.5 prints 0x3800)
          code = next((int(c) for c, t in cls["inline"].items() if t == tok), code)
        if code is None or cls["inline"].get(str(code)) is None: raise _NoFit(f"bad SDWA operand '{tok}'", p)
        scalar = True
      if k == 0: w |= code | scalar << 23
      else: f["vsrc1"] = code; w |= scalar << 31
      done.add(p)
    if w & entry.get("sdwa_quiet", 0): raise _NoFit("source modifier not allowed")   # (LLVM would not print it)
    if vopc:   # the mask: vcc (sd 0) or any SGPR pair (sd 1)
      p = next((j for j, sl in enumerate(slots) if sl == "vcc"), None)
      if p is not None and ops[p].lower() != "vcc":
        w |= self._reg(ops[p], p, "s", 2).code << 8 | 1 << 15
      done.add(p)
    else:
      for key in ("clamp", "mul", "div"):
        if key in mods and key == "clamp": w |= _flag(mods, "clamp") << 13
        elif key in mods:
          omod = {("mul", "2"): 1, ("mul", "4"): 2, ("div", "2"): 3}.get((key, mods.pop(key)))
          if omod is None or w >> 14 & 3: raise _NoFit("bad output modifier")
          w |= omod << 14
    sel = lambda key, default: self._sdwa_sel(mods.pop(key, default), key)
    if not vopc:
      nodst = entry.get("sdwa_nodst")
      if nodst and ("dst_sel" in mods or "dst_unused" in mods): raise _NoFit("dst_sel/dst_unused not allowed")
      w |= sel("dst_sel", "DWORD") << 8
      unused = mods.pop("dst_unused", "UNUSED_PAD" if nodst else "UNUSED_PRESERVE")
      if unused not in SDWA_UNUSED: raise _NoFit(f"bad dst_unused '{unused}'")
      w |= SDWA_UNUSED.index(unused) << 11
    elif "dst_sel" in mods or "dst_unused" in mods: raise _NoFit("dst_sel/dst_unused not allowed")
    w |= sel("src0_sel", "DWORD") << 16
    if enc.name != "VOP1": w |= sel("src1_sel", "DWORD") << 24
    elif "src1_sel" in mods: raise _NoFit("src1_sel not allowed")
    f["_dpp_src0"] = 249
    return w, done

  def _sdwa_sel(self, val: str | None, key: str) -> int:
    if val in SDWA_SEL: return SDWA_SEL.index(val)
    return _int(val, key, 0, 7)

  def _vopd(self, line: str) -> bytes:
    halves = [h.strip() for h in line.split("::")]
    if len(halves) != 2: raise AsmError(f"VOPD needs exactly two halves: '{line}'")
    f, lit, forms, parsed = {fl.name: 0 for fl in self.encodings["VOPD"].fields}, _Lit(), [], []
    for half, tname in zip(halves, ("VOPDX", "VOPDY")):
      mnemonic, ops, mods = split_line(half)
      form = self.vopd[tname].get(mnemonic)
      if form is None: raise AsmError(f"unknown VOPD {tname[-1]} mnemonic '{mnemonic}' in '{line}'")
      if mods: raise AsmError(f"modifiers not allowed in VOPD: '{line}'")
      if len(ops) != len(form.entry["ops"]):
        raise AsmError(f"{mnemonic} takes {len(form.entry['ops'])} operands, got {len(ops)} in '{line}'")
      forms.append(form); parsed.append((mnemonic, ops))
    for k, (form, (mnemonic, ops)) in enumerate(zip(forms, parsed)):
      if forms[1 - k].entry.get("lit") and "cls_k" in form.entry:   # beside fmaak/fmamk: the pairing's class
        form = Form(form.enc, form.op, {**form.entry, "cls": form.entry["cls_k"]})
      try:
        for pos, (slot, tok) in enumerate(zip(form.entry["ops"], ops)): self._slot(form, slot, tok, pos, f, lit, {})
      except _NoFit as e:
        raise AsmError(f"{e.msg}{_where(e)} of {mnemonic} in '{line}'") from None
    if (f["vdsty"] & 1) == (f["vdstx"] & 1): raise AsmError(f"VOPD destinations need different parity: '{line}'")
    f["vdsty"] >>= 1
    f["opy"] = forms[1].op
    if any(fm.entry.get("lit") for fm in forms) and lit.value is None: raise AsmError(f"missing literal: '{line}'")
    return _pack(forms[0].enc, forms[0].op, f, [lit.value] if lit.value is not None else [])


# --------------------------------------------------------------------------- older spellings

# Older names LLVM's assembler still takes for renamed instructions (its MnemonicAlias records): gfx11 renamed the
# memory loads' and stores' sizes (dword -> b32, ubyte -> u8 ...), ds_read/ds_write (-> ds_load/ds_store, read2 ->
# load_2addr) and s_andn2/s_orn2 (-> s_and_not1/s_or_not1); the gfx90a+ MFMA names gained an underscore before
# their type (v_mfma_f32_32x32x8f16 -> v_mfma_f32_32x32x8_f16). tests/isa/test_encode.py checks each rewrite on
# the corpus against llvm-mc-19.
_MEMORY = re.compile(r"^(s_load|s_buffer_load|s_store|s_buffer_store|buffer|global|flat|scratch|ds)_")
_SIZES = [("dwordx16", "b512"), ("dwordx8", "b256"), ("dwordx4", "b128"), ("dwordx3", "b96"), ("dwordx2", "b64"),
          ("dword", "b32"), ("ubyte", "u8"), ("sbyte", "i8"), ("ushort", "u16"), ("sshort", "i16"), ("byte", "b8"),
          ("short", "b16")]
_SMEM_SIZES = {"dword", "dwordx2", "dwordx4", "dwordx8", "dwordx16"}
_DS = [("read2st64", "load_2addr_stride64"), ("write2st64", "store_2addr_stride64"), ("read2", "load_2addr"),
       ("write2", "store_2addr"), ("read", "load"), ("write", "store")]
_MFMA = re.compile(r"^(v_s?mfma[a-z0-9_]*?_\d+x\d+x\d+)((?!fp8|bf8)[a-z][a-z0-9_]*)$")   # fp8/bf8 MFMAs had no older name


def canonical_mnemonic(mnemonic: str, arch: str) -> str:
  """The table's name for an older spelling (itself when it is not one)."""
  fam = family(arch)
  if fam in ("gfx11", "gfx12"):
    if mnemonic == "exp" and fam == "gfx12": return "export"
    mnemonic = mnemonic.replace("_format_d16_", "_d16_format_")   # (t)buffer_load_format_d16_x: the gfx10 name
    parts = mnemonic.split("_")
    if parts[0] == "ds" and len(parts) > 1: parts[1] = dict(_DS).get(parts[1], parts[1])
    elif _MEMORY.match(mnemonic) and not {"atomic", "d16", "addtid", "tr"} & set(parts):   # plain loads and stores
      sizes = dict(_SIZES)
      if parts[0] == "s": sizes = {k: v for k, v in sizes.items() if k in _SMEM_SIZES}      # gfx12's others are new
      parts = [sizes.get(p, p) for p in parts]
    parts = ["and_not1" if p == "andn2" else "or_not1" if p == "orn2" else p for p in parts] if parts[0] == "s" else parts
    return "_".join(parts)
  if fam in CDNA and (m := _MFMA.match(mnemonic)): return f"{m[1]}_{m[2]}"
  return mnemonic


# --------------------------------------------------------------------------- helpers

def _names(m: str, tname: str) -> list[str]:
  """Names a table mnemonic answers to: itself, without _dpp/_e32/_e64, and VOP3-only ops with _e64."""
  names = [m]
  base = m[:-4] if m.endswith("_dpp") else m
  if base != m: names.append(base)
  if base.endswith(("_e32", "_e64")): names.append(base[:-4])
  elif tname == "VOP3" and base.startswith("v_"): names.append(base + "_e64")
  return names


def _is_mfma(entry: dict) -> bool:
  """MFMA / SMFMAC: acc bits in opsel_hi (srcA/B) and clamp (acc_cd), cbsz/abid/blgp in neg_hi/opsel/neg."""
  return "cbsz" in entry.get("mods", {}).get("neg_hi", {})


def _where(e: _NoFit) -> str:
  return f" for operand {e.pos + 1}" if e.pos >= 0 else ""


def _as_list(x) -> list:
  return x if isinstance(x, list) else []


def _strip_neg_abs(tok: str) -> tuple[str, bool, bool]:
  neg = absv = False
  if tok.startswith("-") and parse_number(tok) is None: neg, tok = True, tok[1:].strip()
  elif tok.startswith("neg(") and tok.endswith(")"): neg, tok = True, tok[4:-1].strip()
  if len(tok) > 2 and tok[0] == tok[-1] == "|": absv, tok = True, tok[1:-1].strip()
  elif tok.startswith("abs(") and tok.endswith(")"): absv, tok = True, tok[4:-1].strip()
  return tok, neg, absv


def _bits_list(text: str | None, n: int | None, key: str, mx: int = 1, loose: bool = False) -> list[int]:
  """'[1,0,1]' -> [1, 0, 1], n entries of 0..mx. loose (VOP3P, like LLVM): 1..4 entries, cut or 0-padded to n."""
  vals = re.match(r"^\[(\d+(?:,\d+)*)\]$", (text or "").replace(" ", ""))
  out = [int(b) for b in vals[1].split(",")] if vals else []
  if n is None: raise _NoFit(f"{key} not allowed")
  if loose and 1 <= len(out) <= 4 and max(out) <= mx: out = (out + [0] * n)[:n]
  if len(out) != n or max(out) > mx: raise _NoFit(f"{key} needs [{n} values 0..{mx}], got '{text}'")
  return out


def _flag(mods: dict, key: str) -> int:
  if mods.pop(key) is not None: raise _NoFit(f"{key} takes no value")
  return 1


def _bits_value(bits: list[int]) -> int:
  return sum(b << k for k, b in enumerate(bits))


def _counters(tok: str, fields: dict[str, tuple], pos: int) -> int:
  """'vmcnt(0) lgkmcnt(1)' over {name: (low bit, bits) or ((low bit, bits), ...) pieces, low bits first};
  counters not named keep their all-ones default."""
  pieces = {n: (p,) if isinstance(p[0], int) else p for n, p in fields.items()}
  place = lambda x, ps: sum((x >> sum(b for _, b in ps[:k]) & (1 << b) - 1) << lo for k, (lo, b) in enumerate(ps))
  v = sum(place(-1, ps) for ps in pieces.values())
  for part in [p for p in re.split(r"\s*[&,]\s*|\s+", tok.strip()) if p]:
    m = re.match(r"^(\w+)\((\d+)\)$", part)
    if not m or m[1] not in pieces: raise _NoFit(f"bad counter '{part}'", pos)
    ps = pieces[m[1]]
    if int(m[2]) >> sum(b for _, b in ps): raise _NoFit(f"{m[1]} value {m[2]} too large", pos)
    v = v & ~place(-1, ps) | place(int(m[2]), ps)
  return v


# gfx9 s_waitcnt: vmcnt split over bits 3:0 and 15:14
WAITCNT_GFX9 = {"vmcnt": ((0, 4), (14, 2)), "expcnt": (4, 3), "lgkmcnt": (8, 4)}


def _delay_alu(tok: str, pos: int) -> int:
  v = 0
  for part in [p.strip() for p in tok.split("|")]:
    m = re.match(r"^(instid0|instskip|instid1)\((\w+)\)$", part)
    names = DELAY_SKIP if m and m[1] == "instskip" else DELAY_ID
    if not m or m[2] not in names: raise _NoFit(f"bad s_delay_alu field '{part}'", pos)
    v |= names.index(m[2]) << {"instid0": 0, "instskip": 4, "instid1": 7}[m[1]]
  return v


def _swizzle(tok: str) -> int:
  """ds_swizzle_b32 offset:swizzle(MODE,...) -> the 16-bit offset (inverse of the decoder's _swizzle)."""
  m = re.match(r'^swizzle\((\w+)((?:,\s*(?:\d+|"[01pi]{5}"))*)\)$', tok)
  args = [a.strip().strip('"') for a in m[2].split(",")[1:]] if m else []
  mode, nums = m and m[1], [int(a) for a in args if a.isdigit()]
  if mode == "QUAD_PERM" and len(nums) == 4 and max(nums) < 4:
    return 0x8000 | sum(x << 2 * k for k, x in enumerate(nums))
  if mode == "SWAP" and len(nums) == 1 and 0 < nums[0] < 32: return 0x1F | nums[0] << 10
  if mode == "ROTATE" and len(nums) == 2 and nums[0] < 2 and nums[1] < 32: return 0xC000 | nums[0] << 10 | nums[1] << 5
  if mode == "FFT" and len(nums) == 1 and nums[0] < 32: return 0xE000 | nums[0]
  if mode == "REVERSE" and len(nums) == 1 and nums[0] in (2, 4, 8, 16, 32): return 0x1F | (nums[0] - 1) << 10
  if mode == "BROADCAST" and len(nums) == 2 and nums[0] in (2, 4, 8, 16, 32) and nums[1] < nums[0]:
    return (0x20 - nums[0]) | nums[1] << 5
  if mode == "BITMASK_PERM" and len(args) == 1 and len(args[0]) == 5:
    # LLVM sets a '1' lane bit with the or mask, but with no p/i bits that value prints as BROADCAST (and "00000"
    # as no offset at all): then the first of the other ways to spell the bits that prints back the same
    def value(one_xor: bool, zero_both: bool) -> int:
      v = 0
      for c, bit in zip(args[0], (16, 8, 4, 2, 1)):
        v |= bit * (c in "pi") | (bit << 10) * (c == "i" or c == "1" and one_xor or c == "0" and zero_both)
        v |= (bit << 5) * (c == "1" and not one_xor or c == "0" and zero_both)
      return v
    cands = [value(x, z) for x, z in ((False, False), (True, False), (True, True), (False, True))]
    want = f' offset:swizzle(BITMASK_PERM,"{args[0]}")'
    return next((v for v in cands if _print_swizzle(v) == want), cands[0])
  raise _NoFit(f"bad swizzle '{tok}'")


_DPP_ROWS = {"row_shl": 0x100, "row_shr": 0x110, "row_ror": 0x120, "row_share": 0x150, "row_xmask": 0x160}
_DPP_GFX9 = {"wave_shl": 0x130, "wave_rol": 0x134, "wave_shr": 0x138, "wave_ror": 0x13C}   # each takes only :1


def _dpp_ctrl(mods: dict, gfx9: bool = False) -> int:
  """The 9-bit DPP16 control of the one lane-pattern modifier on the line (consumed from mods); gfx9 has
  row_bcast:15/31, wave_*:1 and row_newbcast (where gfx10+ has row_share / row_xmask)."""
  rows = ("row_newbcast",) if gfx9 else ("row_share", "row_xmask")
  names = ("quad_perm", "row_mirror", "row_half_mirror", "row_shl", "row_shr", "row_ror", *rows) + \
          (("row_bcast", *_DPP_GFX9) if gfx9 else ())
  given = [k for k in names if k in mods]
  if len(given) != 1: raise _NoFit("DPP needs exactly one of quad_perm/row_*" + "/wave_*" * gfx9)
  key, val = given[0], mods.pop(given[0])
  if key == "quad_perm": return sum(s << 2 * k for k, s in enumerate(_bits_list(val, 4, key, 3)))
  if key in ("row_mirror", "row_half_mirror"):
    if val is not None: raise _NoFit(f"{key} takes no value")
    return 0x140 if key == "row_mirror" else 0x141
  if key == "row_bcast":
    if val not in ("15", "31"): raise _NoFit(f"row_bcast must be 15 or 31, got '{val}'")
    return 0x142 if val == "15" else 0x143
  if key in _DPP_GFX9:
    if val != "1": raise _NoFit(f"{key} must be 1, got '{val}'")
    return _DPP_GFX9[key]
  if key == "row_newbcast": return 0x150 | _int(val, key, 0, 15)
  lo = 1 if key in ("row_shl", "row_shr", "row_ror") else 0
  return _DPP_ROWS[key] | _int(val, key, lo, 15)


def _pack(enc: Encoding, op: int, f: dict[str, int], extra: list[int]) -> bytes:
  if "_dpp_src0" in f: f = {**f, "src0": f["_dpp_src0"]}
  v = enc.match | op << enc.opcode.lo | f.get("_raw", 0)
  for fl in enc.fields:
    val = f.get(fl.name, 0)
    if val < 0 or val >> (fl.hi - fl.lo + 1): raise _NoFit(f"value {val} does not fit field {fl.name}")
    v |= val << fl.lo
  return v.to_bytes(4 * enc.words, "little") + b"".join(w.to_bytes(4, "little") for w in extra)


# --------------------------------------------------------------------------- API and command line

@lru_cache(maxsize=None)
def assembler(arch: str, prefer_printed: bool = False) -> Assembler:
  return Assembler(arch, prefer_printed)


def assemble(text: str, arch: str, prefer_printed: bool = False) -> bytes:
  """One instruction line -> its machine code, literal / DPP dword included. Raises AsmError.
  prefer_printed=True: the encoding that prints back as `text` where llvm-mc's pick would not (round trips)."""
  return assembler(arch, prefer_printed).assemble(text)


_LABEL = re.compile(r"^[\w.$]+:$")


def code_lines(lines) -> list[tuple[int, str]]:
  """(1-based line number, text) of the lines holding an instruction; comments, blanks and labels skipped."""
  out = []
  for n, line in enumerate(lines, 1):
    t = _strip_comment(line)
    if t and not _LABEL.match(t): out.append((n, t))
  return out


def assemble_lines(lines, arch: str) -> list[bytes]:
  """Machine code of each instruction line (blank, comment-only and label lines skipped); the first bad line
  raises AsmError naming its line number."""
  a, out = assembler(arch), []
  for n, text in code_lines(lines):
    try: out.append(a.assemble(text))
    except AsmError as e: raise AsmError(f"line {n}: {e}") from None
  return out


def hex_words(code: bytes) -> str:
  return " ".join(f"{w:08x}" for w in struct.unpack(f"<{len(code) // 4}I", code))


def cli(argv: list[str] | None = None) -> int:
  """`amdviz asm --arch gfx1100 FILE|-`: one instruction a line in, its hex words a line out; --json prints
  [{"text": our disassembly of the result, "hex": ...}]. Bad lines go to stderr and make the exit code 1."""
  p = argparse.ArgumentParser(prog="amdviz asm", description="assemble AMD GPU instructions, one a line")
  p.add_argument("path", help="assembly text file, or - for stdin")
  p.add_argument("--arch", default="gfx1100", help="target, e.g. gfx1100 (default)")
  p.add_argument("--json", action="store_true", help="print [{text, hex}] with our canonical disassembly")
  args = p.parse_args(argv)
  try:
    lines = sys.stdin.read().splitlines() if args.path == "-" else open(args.path).read().splitlines()
    a = assembler(args.arch)
  except (OSError, UnsupportedArch) as e:
    print(f"amdviz asm: {e}", file=sys.stderr); return 1
  dis, rows, errors = Disassembler(args.arch), [], 0
  for n, text in code_lines(lines):
    try: code = a.assemble(text)
    except AsmError as e:
      print(f"amdviz asm: line {n}: {e}", file=sys.stderr); errors += 1; continue
    rows.append({"text": dis.disassemble(code)[0].text, "hex": hex_words(code)})
  print(json.dumps(rows, indent=1) if args.json else "\n".join(r["hex"] for r in rows))
  return 1 if errors else 0


if __name__ == "__main__":
  sys.exit(cli())
