"""Generate isa/tables/<family>.json by asking LLVM 19 about every opcode.

    python -m isa.gen_tables gfx11        # needs llvm-mc-19 and llvm-objdump-19 (gfx950: the -22 tools)

LLVM is used as an oracle only: each probe is a hand-built encoding placed at its own symbol in
an object file, so llvm-objdump restarts decoding at every probe and its words tell how many
dwords the instruction took. For each opcode we learn the mnemonic, which encoding fields show
up as which operands (and how many registers wide), and a signature of how each source operand
prints constants, and what LLVM refuses or calls invalid (isa/validity.py); the runtime decoder (isa/decode.py)
formats operands from these facts.
"""
from __future__ import annotations
import json, re, struct, sys
from pathlib import Path
from isa.encodings import ENCODINGS, Encoding
from isa.llvm_oracle import disassemble_words
from isa.operand_text import FIELD_STYLES, LITERAL_RULES, field_imm
from isa.validity import kind_reps
from isa.decode import image_data_size, image_variant   # the decoder's rule the probes are checked against

MCPU = {"gfx11": "gfx1100", "gfx12": "gfx1200", "gfx94": "gfx942", "gfx95": "gfx950"}
PAD = 0x12345678  # filler after each probe: read as the literal when an opcode takes one


def objdump_probes(probes: list[bytes], mcpu: str) -> list[tuple[str, int] | None]:
  """Disassemble each probe on its own: (text, dwords used), or None when LLVM rejects it or calls a value in it
  invalid (`/* invalid ... */`: such words teach nothing about the opcode)."""
  words = [struct.unpack(f"<{len(b) // 4}I", b) for b in probes]
  return [None if r is None or "/*" in r[0] else r for r in disassemble_words(words, mcpu)]


def split_operands(text: str) -> tuple[str, list[str]]:
  """'v_add_f32_e64 v0, -v1, |v2| clamp' -> ('v_add_f32_e64', ['v0', '-v1', '|v2| clamp'])."""
  mnem, _, rest = text.partition(" ")
  toks, depth, cur = [], 0, ""
  i = 0
  while i < len(rest):
    c = rest[i]
    depth += c in "([" ; depth -= c in ")]"
    if depth == 0 and rest.startswith(", ", i):
      toks.append(cur); cur = ""; i += 2; continue
    cur += c; i += 1
  if cur: toks.append(cur)
  return mnem, toks


def word_bytes(v: int, nwords: int, literal: int = PAD) -> bytes:
  return v.to_bytes(4 * nwords, "little") + literal.to_bytes(4, "little") + PAD.to_bytes(4, "little")


REG = re.compile(r"^-?\|?([vsa])(?:\[(\d+):(\d+)\]|(\d+))")
PROBE = {"srsrc5": (4, 16), "vdsty": (8, 17), "src9": (256 + 16, 16), "ssrc8": (16, 16), "sdst7": (16, 16), "vgpr8": (16, 16), "sbase6": (8, 16)}
INLINE = list(range(128, 209)) + list(range(240, 249))
LITERALS = [0x3F800000, 0x40, 0xFFFFFFF0, 0x12345678, 0x3C00, 0x3FF00000, 0xFFFF, 0x3F80, 0]
# modifier bits probed one at a time on VALU encodings: (field, value)
# ("all" = one bit per source operand the opcode has)
MOD_PROBES = {"VOP3": [("clamp", 1), ("omod", 1), ("neg", 1), ("neg", 2), ("neg", 4), ("abs", 1),
                       ("abs", 2), ("abs", 4)],
              "VOP3P": [("opsel", "all"), ("opsel_hi", 3), ("opsel_hi2", 1), ("neg_hi", "all"), ("neg", "all"),
                        ("neg", 1), ("neg", 2), ("neg", 4), ("neg_hi", 1), ("neg_hi", 2), ("neg_hi", 4), ("clamp", 1)]}
DEFAULTS = {"FLAT": {"saddr": 124}, "MUBUF": {"offen": 1}, "MTBUF": {"offen": 1},   # field values that make
            "EXP": {"en": 15}}                                                     # every operand show
DPP_ENCODINGS = {"VOP1", "VOP2", "VOPC", "VOP3", "VOP3P"}
SDWA_DWORD = {"VOP1": 0x00060600, "VOP2": 0x06060600, "VOPC": 0x06060000}  # every select DWORD, src0 v0


def parse_reg(tok: str) -> tuple[str, int, int] | None:
  """'v[10:11]' -> ('v', 10, 2); '-|s10|' -> ('s', 10, 1)."""
  m = REG.match(tok.split(" ")[0])
  if not m: return None
  if m.group(4): return m.group(1), int(m.group(4)), 1
  return m.group(1), int(m.group(2)), int(m.group(3)) - int(m.group(2)) + 1


def _slot(field: str, reg: tuple, tok: str) -> list:
  """[field, registers wide, file], plus 't16' when LLVM names 16-bit halves (v_mov_b16_e32 v1.l, v2.h)."""
  return [field, reg[2], reg[0]] + (["t16"] if re.match(r"^v\d+\.[lh]$", tok) else [])


def probe_word(enc: Encoding, op: int, **fields: int) -> int:
  v = enc.match | (op << enc.opcode.lo)
  gfx9 = "sc0" in [f.name for f in enc.fields]   # gfx9 flat_* takes saddr 0; its global/scratch 'off' is 127
  defaults = {k: (0 if k == "saddr" and gfx9 else x) for k, x in DEFAULTS.get(enc.name, {}).items()}
  for name, val in {**defaults, **fields}.items():
    v &= ~enc.field(name).mask
    v |= (val & (enc.field(name).mask >> enc.field(name).lo)) << enc.field(name).lo
  return v


def learn_encoding(enc: Encoding, earlier: list[Encoding], mcpu: str, half: int | None = None,
                   defaults: dict | None = None) -> dict[int, dict]:
  """Per opcode: mnemonic, printed operands as (field, width) or fixed text, source constant samples.

  half: for VOPD, 0 learns the X opcodes (opx) and 1 the Y opcodes (opy) from that side of the '::'."""
  if half is not None:
    enc = _vopd_view(enc, half)
  # opcodes whose bits would select an earlier (more specific) encoding belong to that one
  opcodes = [op for op in range(1 << (enc.opcode.hi - enc.opcode.lo + 1))
             if not any(probe_word(enc, op) & e.mask == e.match for e in earlier)]
  def probe(probes, mcpu):  # for VOPD keep one side of 'x :: y'
    res = objdump_probes(probes, mcpu)
    if enc.name == "EXP":   # 'exp mrt0 v0, v1, ..': a comma after the target, so that it reads as operands
      res = [(re.sub(r"^(\S+ \S+) ", r"\1, ", r[0]), r[1]) if r else None for r in res]
    return res if half is None else [(r[0].split(" :: ")[half], r[1]) if r else None for r in res]
  zero = probe([word_bytes(probe_word(enc, op, **(defaults or {})), enc.words) for op in opcodes], mcpu)
  ops = {op: {"m": split_operands(r[0])[0], "text0": r[0], "words0": r[1], "base": {}}
         for op, r in zip(opcodes, zero) if r}
  # opcodes whose sources must be VGPRs (v_readlane_b32...): retry with v0 in every 9-bit source
  for op, info in ops.items(): info["base"] = dict(defaults or {})
  # (v_readlane_b32 wants a VGPR in src0 and an SGPR in src1; gfx12 WMMA wants op_sel_hi set: try every mix)
  srcs = [f.name for f in enc.fields if f.kind == "src9"]
  names = [f.name for f in enc.fields]
  extras = [{}] + ([{"opsel_hi": 3, "opsel_hi2": 1}] if enc.name == "VOP3P" else []) + \
           ([{"saddr": 124}, {"saddr": 127}] if "saddr" in names else []) + ([{"offen": 0}] if "offen" in names else []) + ([{"gds": 1}] if "gds" in names else [])
  for extra in extras:
    for mix in range(0 if extra else 1, 1 << len(srcs)):
      vsrc = {**(defaults or {}), **extra, **{n: 256 for k, n in enumerate(srcs) if mix >> k & 1}}
      retry = [op for op in opcodes if op not in ops]
      for op, r in zip(retry, probe([word_bytes(probe_word(enc, op, **vsrc), enc.words) for op in retry], mcpu)):
        if r: ops[op] = {"m": split_operands(r[0])[0], "text0": r[0], "words0": r[1], "base": vsrc}
  reg_fields = [f for f in enc.fields if f.kind in PROBE]
  keys = [(op, f) for op in ops for f in reg_fields]
  res = probe([word_bytes(probe_word(enc, op, **{**ops[op]["base"], f.name: PROBE[f.kind][0]}), enc.words)
               for op, f in keys], mcpu)
  for op, info in ops.items():
    info["toks"] = [t.split(" ")[0] for t in split_operands(info["text0"])[1]]
    if info["toks"] and info["toks"][0] in _mod_words(info["text0"]): info["toks"] = []  # 'ds_gws_sema_v gds' 
    info["slots"] = [None] * len(info["toks"])
  for (op, f), r in zip(keys, res):
    info = ops[op]
    if r is None: continue
    t1 = [t.split(" ")[0] for t in split_operands(r[0])[1]]
    changed = [i for i, (a, b) in enumerate(zip(info["toks"], t1)) if a != b]
    if len(t1) != len(info["toks"]) or len(changed) != 1: continue
    reg = parse_reg(t1[changed[0]])
    if reg and reg[1] == PROBE[f.kind][1]: info["slots"][changed[0]] = _slot(f.name, reg, t1[changed[0]])
  # a source that takes no VGPR: probe it with an SGPR instead
  keys = [(op, f) for op, info in ops.items() for f in reg_fields
          if f.kind == "src9" and not any(s and s[0] == f.name for s in info["slots"])]
  res = probe([word_bytes(probe_word(enc, op, **{**ops[op]["base"], f.name: 16}), enc.words) for op, f in keys], mcpu)
  for (op, f), r in zip(keys, res):
    info = ops[op]
    if r is None: continue
    t1 = [t.split(" ")[0] for t in split_operands(r[0])[1]]
    changed = [i for i, (a, b) in enumerate(zip(info["toks"], t1)) if a != b]
    if len(t1) == len(info["toks"]) and len(changed) == 1 and (reg := parse_reg(t1[changed[0]])) and reg[1] == 16:
      info["slots"][changed[0]] = _slot(f.name, reg, t1[changed[0]])
  # how each source operand prints constants: inline constants and literals
  keys = [(op, slot[0], v, lit) for op, info in ops.items() for slot in info["slots"]
          if slot and enc.field(slot[0]).kind in ("src9", "ssrc8")
          for v, lit in [(v, PAD) for v in INLINE] + [(255, lit) for lit in LITERALS]]
  res = probe([word_bytes(probe_word(enc, op, **{**ops[op]["base"], name: v}), enc.words, lit)
               for op, name, v, lit in keys], mcpu)
  for (op, name, v, lit), r in zip(keys, res):
    info = ops[op]
    pos = next(i for i, s in enumerate(info["slots"]) if s and s[0] == name)
    toks = split_operands(r[0])[1] if r else []
    sample = toks[pos].split(" ")[0] if len(toks) > pos else None
    info.setdefault("consts", {}).setdefault(name, {})[str(v) if v != 255 else f"lit{lit:x}"] = sample
  # modifiers: which bits print, and how
  nsrc = {op: sum(1 for sl in info["slots"] if sl and sl[0] in ("src0", "src1", "src2")) for op, info in ops.items()}
  probes = [(op, f, (1 << nsrc[op]) - 1 if val == "all" else val) for op in ops
            for f, val in MOD_PROBES.get(enc.name, [])]
  res = probe([word_bytes(probe_word(enc, op, **{**ops[op]["base"], f: val}), enc.words) for op, f, val in probes], mcpu)
  for (op, f, val), r in zip(probes, res):
    ops[op].setdefault("mods", {}).setdefault(f, []).append(r[0] if r else None)
  # gfx950 f8f6f4 MFMA: cbsz (neg_hi) and blgp (neg) name the A and B data formats (fp8, bf8, fp6, bf6, fp4),
  # which set how many registers src0 and src1 span: their width for each field value
  if enc.name == "VOP3P":
    keys = [(op, fld, src, v) for op, info in ops.items()
            if any(t and " cbsz:" in t for t in info.get("mods", {}).get("neg_hi", []))
            for fld, src in (("neg_hi", "src0"), ("neg", "src1")) for v in range(8)]
    res = probe([word_bytes(probe_word(enc, op, **{**ops[op]["base"], fld: v}), enc.words) for op, fld, src, v in keys],
                mcpu)
    for (op, fld, src, v), r in zip(keys, res):
      pos = next(i for i, s in enumerate(ops[op]["slots"]) if s and s[0] == src)
      reg = parse_reg(split_operands(r[0])[1][pos]) if r else None
      ops[op].setdefault("src_widths", {}).setdefault(src, []).append(reg[2] if reg else None)
    for info in ops.values():   # kept where every value decodes and some change the width (not smfmac's)
      w = {s[0]: ws for s in info["slots"] if s and (ws := info.get("src_widths", {}).get(s[0]))
           and None not in ws and set(ws) != {s[1]}}
      if w: info["src_widths"] = w
      else: info.pop("src_widths", None)
  # DPP forms: src0 = 250 (DPP16) or 233 (DPP8) takes a control dword after the instruction; record the mnemonic
  if enc.name in DPP_ENCODINGS:
    forms = (("dpp", 250, 0xFF00E400), ("dpp8", 233, 0)) + \
            ((("sdwa", 249, SDWA_DWORD.get(enc.name)),) if mcpu.startswith("gfx9") and enc.name in ("VOP1", "VOP2", "VOPC") else ())
    # (VOP3P mix ops take DPP only with VGPRs in the other sources: second try with every source a VGPR)
    others = {f.name: 256 for f in enc.fields if f.kind == "src9" and f.name != "src0"}
    # (gfx90a+ 64-bit ops take DPP16 only as row_newbcast: a second control word)
    for key, src0, dword in forms:
      for extra, dw in ((x, d) for x in ({}, others) for d in (dword, 0xFF015100 if key == "dpp" else dword)):
        todo = [op for op in ops if key not in ops[op]]
        res = probe([word_bytes(probe_word(enc, op, **{**ops[op]["base"], **extra, "src0": src0}), enc.words, dw)
                     for op in todo], mcpu)
        for op, r in zip(todo, res):
          if r and r[1] == enc.words + 1:
            ops[op][key] = split_operands(r[0])[0]
            if key == "sdwa" and enc.name != "VOPC" and "dst_sel" not in r[0]: ops[op]["sdwa_nodst"] = True
    # gfx9 SDWA with s1 (dword bit 31): src1 is a scalar operand or constant; how its constants print
    keys = [(op, v) for op in ops if "sdwa" in ops[op] and any(s and s[0] == "vsrc1" for s in ops[op]["slots"])
            for v in INLINE]
    res = probe([word_bytes(probe_word(enc, op, **{**ops[op]["base"], "src0": 249, "vsrc1": v}), enc.words,
                            SDWA_DWORD[enc.name] | 1 << 31) for op, v in keys], mcpu) if keys else []
    for (op, v), r in zip(keys, res):
      pos = next(i for i, s in enumerate(ops[op]["slots"]) if s and s[0] == "vsrc1")
      toks = split_operands(r[0])[1] if r else []
      tok = toks[pos].split(" ")[0] if len(toks) > pos else None
      ops[op].setdefault("consts", {}).setdefault("sdwa_src1", {})[str(v)] = tok
    # DPP16 neg/abs bits of src0/src1 (dword bits 20..23): which print at all (v_mov_b16, integer ops: none);
    # and LLVM 19 gfx12 closes src1's bars one operand late in v_cndmask_b32_dpp ('|v1, vcc_lo|'): how many
    # operands the bars span where that is more than one
    if enc.name in ("VOP1", "VOP2", "VOPC"):
      todo = [(op, bit) for op in ops if "dpp" in ops[op] for bit in range(20, 24)]
      res = probe([word_bytes(probe_word(enc, op, **{**ops[op]["base"], "src0": 250}), enc.words, 0xFF00E400 | 1 << bit)
                   for op, bit in todo], mcpu)
      plain = dict(zip(ops, probe([word_bytes(probe_word(enc, op, **{**ops[op]["base"], "src0": 250}), enc.words,
                                              0xFF00E400) for op in ops], mcpu)))
      for (op, bit), r in zip(todo, res):
        if r and plain[op] and r[0] == plain[op][0]:
          ops[op]["dpp_nomod"] = ops[op].get("dpp_nomod", 0) | 1 << bit - 20
        p = next((i for i, s in enumerate(ops[op]["slots"]) if s and s[0] == "vsrc1"), None)
        toks = split_operands(r[0])[1] if r else []
        if bit in (20, 22) and any(t.startswith("sext(") for t in toks):   # an integer operand's neg: sext(x)
          ops[op]["dpp_sext"] = ops[op].get("dpp_sext", 0) | 1 << bit - 20
        ends = [j for j in range(len(toks)) if toks[j].split(" ")[0].endswith("|")]
        if bit == 23 and p is not None and p < len(toks) and toks[p].startswith("|") and p not in ends:
          ops[op]["dpp_abs_span"] = next((j - p + 1 for j in ends if j > p), 1)
  # VOP3 op_sel: every value's printed form (op_sel:[..] of varying arity, or gfx12's byte_sel:N)
  if enc.name == "VOP3":
    keys = [(op, v) for op in ops for v in range(1, 16)]
    res = probe([word_bytes(probe_word(enc, op, **{**ops[op]["base"], "opsel": v}), enc.words) for op, v in keys], mcpu)
    for (op, v), r in zip(keys, res):
      if r is None or split_operands(r[0])[1][:-1] != split_operands(ops[op]["text0"])[1][:-1]: continue
      new = [w for w in _mod_words(r[0]) if w not in _mod_words(ops[op]["text0"])]
      if new: ops[op].setdefault("opsel_text", {})[str(v)] = " ".join(new)
  # gfx950 v_bitop3_*: the 8-bit truth table lies in the neg, abs and omod fields (printed bitop3:N): each field's
  # shift in it, and how the value prints
  if enc.name == "VOP3":
    b3 = [op for op, info in ops.items() if any(t and " bitop3:" in t for ts in info.get("mods", {}).values() for t in ts)]
    keys = [(op, f, k) for op in b3 for f in enc.fields if f.name in ("neg", "abs", "omod") for k in range(f.hi - f.lo + 1)]
    res = probe([word_bytes(probe_word(enc, op, **{**ops[op]["base"], f.name: 1 << k}), enc.words) for op, f, k in keys],
                mcpu)
    for (op, f, k), r in zip(keys, res):
      if r and (m := re.search(r" bitop3:(\w+)", r[0])):
        ops[op].setdefault("bitop3", {}).setdefault(f.name, set()).add(int(m[1], 0).bit_length() - 1 - k)
    for op in b3:
      shifts = ops[op].pop("bitop3", {})
      if len(shifts) != 3 or any(len(v) != 1 for v in shifts.values()): continue
      shifts = {name: v.pop() for name, v in shifts.items()}
      vals = [word_bytes(probe_word(enc, op, **{**ops[op]["base"], **{name: v >> sh for name, sh in shifts.items()}}),
                         enc.words) for v in range(1, 256)]
      texts = [re.search(r" bitop3:(\w+)", r[0])[1] if r and " bitop3:" in r[0] else None for r in probe(vals, mcpu)]
      style = next((st for st in FIELD_STYLES if all(field_imm(st, v, 8) == t for v, t in enumerate(texts, 1))), None)
      if style: ops[op]["bitop3"] = {**shifts, "style": style}
  # literal operands that every encoding of the opcode carries (fmaak K...): how they print
  lit_ops = [(op, pos) for op, info in ops.items() for pos, tok in enumerate(info["toks"])
             if info["slots"][pos] is None and tok in LIT_TOKENS]
  res = probe([word_bytes(probe_word(enc, op, **ops[op]["base"]), enc.words, lit) for op, _ in lit_ops
               for lit in LITERALS], mcpu)
  for k, (op, pos) in enumerate(lit_ops):
    samples = {f"lit{lit:x}": (split_operands(r[0])[1][pos].split(" ")[0] if r else None)
               for lit, r in zip(LITERALS, res[k * len(LITERALS):(k + 1) * len(LITERALS)])}
    ops[op]["slots"][pos] = ["literal", classify(samples)[0] or "hex32"]
  if "th" in names: learn_policy(enc, ops, probe, mcpu)
  # DS: two 8-bit offsets (offset0:/offset1:) or one 16-bit offset:, by how LLVM prints offset0 = 1
  if enc.name == "DS":
    res = probe([word_bytes(probe_word(enc, op, **{**ops[op]["base"], "offset0": 1}), enc.words) for op in ops], mcpu)
    for op, r in zip(ops, res):
      if r: ops[op]["off2"] = "offset0:" in r[0]
  learn_imm_slots(enc, ops, probe, mcpu)
  learn_quiet_fields(enc, ops, probe, mcpu)
  # immediate fields (SOPP/SOPK simm16): how two sample values print
  if any(f.name == "simm16" for f in enc.fields):
    k = len(IMM_SAMPLES)
    res = probe([word_bytes(probe_word(enc, op, simm16=v), enc.words) for op in ops for v in IMM_SAMPLES], mcpu)
    for i, op in enumerate(ops):
      info = ops[op]
      outs = [split_operands(r[0])[1] if r else [] for r in res[k * i:k * i + k]]
      for pos, tok in enumerate(info["toks"]):
        seen = {v: o[pos] for v, o in zip(IMM_SAMPLES, outs) if len(o) > pos}
        if info["slots"][pos] is None and seen.get(0x123, tok) != tok:
          info["slots"][pos] = ["simm16", imm_style(seen)]
      # an opcode printing no operand at 0 may still show a nonzero immediate (s_endpgm 3)
      seen = {v: o[0] for v, o in zip(IMM_SAMPLES, outs) if v and len(o) == 1}
      if not info["toks"] and seen:
        info["toks"], info["slots"] = ["?"], [["simm16", imm_style(seen), "opt"]]
  return ops


def learn_policy(enc: Encoding, ops: dict, probe, mcpu: str) -> None:
  """Cache policy (gfx12 th/scope): the printed form of every (th, scope) pair, as the two interact
  (th 3 is TH_LOAD_BYPASS at SCOPE_SYS, atomics' th 4..7 are CASCADE names from SCOPE_DEV up)."""
  pairs = [(op, th, sc) for op in ops for th in range(8) for sc in range(4) if th or sc]
  res = probe([word_bytes(probe_word(enc, op, **{**ops[op]["base"], "th": th, "scope": sc}), enc.words)
               for op, th, sc in pairs], mcpu)
  for (op, th, sc), r in zip(pairs, res):
    base_mods = _mod_words(ops[op]["text0"])
    new = [w for w in _mod_words(r[0]) if w not in base_mods] if r else None
    word = lambda k: None if new is None else next((w for w in new if w.startswith(k + ":")), "")
    pol = ops[op].setdefault("policy", {})
    if sc == 0: pol.setdefault("th", {})[str(th)] = word("th")
    elif th == 0: pol.setdefault("scope", {})[str(sc)] = word("scope")
    else: pol.setdefault("pair", {})[f"{th},{sc}"] = word("th")
  for info in ops.values():   # keep only the pairs whose th text differs from th's own
    pol = info.get("policy", {})
    pair = {k: t for k, t in pol.pop("pair", {}).items() if t != pol["th"].get(k.split(",")[0])}
    if pair: pol["th_scope"] = pair


# values for a field that may print as a number (s_prefetch_data's sdata takes 0..31 only)
IMM_PROBES = (1, 0x10, 0x1F, 0x41, 0x64)


def _top(f) -> int: return (1 << (f.hi - f.lo + 1)) - 1


def _num_tok(tok: str) -> bool: return bool(re.match(r"^-?(0x[0-9a-f]+|\d+)$", tok))


def learn_imm_slots(enc: Encoding, ops: dict, probe, mcpu: str) -> None:
  """Operands that are a field's value printed as a number (s_atc_probe's sdata, s_prefetch_data's offset):
  slot ['imm', field, style]."""
  if enc.name.startswith("VOP"): return
  used = lambda info: {s[0] for s in info["slots"] if s}
  fields = [f for f in enc.fields if f.name not in ("opy", "other", "simm16")]
  keys = [(op, f, v) for op, info in ops.items()
          if any(s is None and _num_tok(t) for s, t in zip(info["slots"], info["toks"]))
          for f in fields if f.name not in used(info) for v in IMM_PROBES + (_top(f) - 0xF, _top(f))]
  res = probe([word_bytes(probe_word(enc, op, **{**ops[op]["base"], f.name: v}), enc.words) for op, f, v in keys], mcpu)
  seen: dict = {}
  for (op, f, v), r in zip(keys, res):
    toks = [t.split(" ")[0] for t in split_operands(r[0])[1]] if r else []
    base = ops[op]["toks"]
    diff = [i for i, (a, b) in enumerate(zip(base, toks)) if a != b]
    if len(toks) == len(base) and len(diff) == 1 and ops[op]["slots"][diff[0]] is None and _num_tok(toks[diff[0]]):
      seen.setdefault((op, f.name, diff[0]), {})[v] = toks[diff[0]]
  for (op, name, pos), samples in seen.items():
    if len(samples) < 3: continue     # the field must show for most samples
    width = enc.field(name).hi - enc.field(name).lo + 1
    style = next((st for st in FIELD_STYLES if all(field_imm(st, v, width) == t for v, t in samples.items())), None)
    if style and ops[op]["slots"][pos] is None: ops[op]["slots"][pos] = ["imm", name, style]


QUIET_ENCODINGS = ("SMEM", "DS", "MUBUF", "MTBUF", "FLAT", "GLOBAL", "SCRATCH")


def learn_quiet_fields(enc: Encoding, ops: dict, probe, mcpu: str) -> None:
  """Modifier fields an opcode never prints (buffer_gl0_inv's slc, global_inv's offset): the decoder ignores them."""
  if enc.name not in QUIET_ENCODINGS: return
  fields = [f for f in enc.fields if f.kind == "imm" and f.name not in ("th", "scope")]
  keys = [(op, f) for op, info in ops.items() for f in fields
          if not any(s and s[1:2] == [f.name] for s in info["slots"])]   # (not an 'imm' operand's field)
  flip = lambda op, f: 0 if f.get(probe_word(enc, op, **ops[op]["base"])) else 1   # toggle from what text0 had
  # a second background with every other field busy (distinct nonzero values): gfx9 SMEM's soe bit changes
  # nothing while the SGPR fields it chooses between are both s0
  busy = lambda op, f: {**ops[op]["base"], **{g.name: (5 + 2 * k) & _top(g) for k, g in enumerate(enc.fields)
                                              if g is not f and g.kind != "imm" or g.name == "offset"}}
  res = probe([word_bytes(probe_word(enc, op, **{**bg, f.name: v}), enc.words) for op, f in keys
               for bg in (ops[op]["base"], busy(op, f)) for v in (flip(op, f), 1 - flip(op, f))], mcpu)
  for k, (op, f) in enumerate(keys):
    a, b, c, d = res[4 * k:4 * k + 4]
    if a and b and a[0] == b[0] and (not c or not d or c[0] == d[0]): ops[op].setdefault("quiet", []).append(f.name)


VALUE_FIELDS = ("src9", "ssrc8", "sdst7", "vgpr8", "sbase6", "srsrc5")
DPP_QUAD = 0xFF00E400   # a plain DPP16 control dword: quad_perm:[0,1,2,3], every row and bank
DPP_NEWBCAST = 0xFF015100   # row_newbcast:1, the one control gfx90a+ 64-bit ops take
DPP_SRC0 = {"250": "dpp", "233": "dpp8", "234": "dpp8", "249": "sdwa"}   # src0 values a DPP/SDWA form owns


def learn_validity(enc: Encoding, half: int | None, table: dict, ops: dict, mcpu: str, valclasses: list) -> None:
  """What LLVM refuses or calls invalid (isa/validity.py), per opcode: 'fixed_bits' = [mask, value], the bits a
  single flip from the plain probe makes LLVM refuse (fields the opcode does not use, modifiers it lacks, reserved
  bits); 'vals' = {operand field: index in valclasses}, how each kind of value in that field fares ('vals_dpp':
  in the DPP16 and DPP8 forms, where that differs); 'dpp_fixed' / 'sdwa_fixed' = bits of the DPP16 control / SDWA
  dword it refuses set."""
  view = _vopd_view(enc, half) if half is not None else enc
  def run(vs: list[int], after: list[int] | None = None) -> list:   # after: the dword following each probe
    res = disassemble_words([struct.unpack(f"<{view.words + 2}I", word_bytes(v, view.words, a)) for v, a in
                             zip(vs, after or [PAD] * len(vs))], mcpu)
    return res if half is None else [(r[0].split(" :: ")[half], r[1]) if r else None for r in res]
  base = {op: probe_word(view, op, **ops[op]["base"]) for op in table}
  clean = {op: r for op, r in zip(table, run(list(base.values()))) if r and "/*" not in r[0]}
  # (an operand printed as a field's number counts as unused: s_prefetch_data's sdata refuses bits 5 and 6)
  used = lambda e: {s[1] if s[0] == "msg" else s[0] for key in ("ops", "ops_rtn", "ops_tfe", "ops_lds")
                    for s in e.get(key, ()) if isinstance(s, list)}
  keys = []
  for op, e in table.items():
    if op not in clean: continue
    free = view.mask | view.opcode.mask
    for f in view.fields:
      if f.name in used(e) or f.name == "other": free |= f.mask
    if half is not None: free |= ~sum(f.mask for f in view.fields)   # a VOPD half: only its own fields
    keys += [(op, b) for b in range(32 * view.words) if not free >> b & 1]
  fixed: dict[int, int] = {}
  for (op, b), r in zip(keys, run([base[op] ^ 1 << b for op, b in keys])):
    if r is None: fixed[op] = fixed.get(op, 0) | 1 << b
  for op, mask in fixed.items(): table[op]["fixed_bits"] = [mask, base[op] & mask]
  # gfx9 MUBUF lds forms: the same, from the lds probe, where the fields only the plain form uses (vdata) are free
  # no longer: LLVM wants them zero ('lds_fixed')
  lds_of = lambda e: {s[0] for s in e.get("ops_lds", ()) if isinstance(s, list)}
  lds_base = {op: base[op] & ~sum(f.mask for f in view.fields if f.name in used(e) - lds_of(e)) | view.field("lds").mask
              for op, e in table.items() if "ops_lds" in e and op in clean}
  lds_ok = [op for op, r in zip(lds_base, run(list(lds_base.values()))) if r and "/*" not in r[0]]
  keys = [(op, b) for op in lds_ok for b in range(32 * view.words) if not (view.mask | view.opcode.mask | sum(
          f.mask for f in view.fields if f.name in lds_of(table[op]) or f.name == "lds")) >> b & 1]
  fixed = {}
  for (op, b), r in zip(keys, run([lds_base[op] ^ 1 << b for op, b in keys])):
    if r is None: fixed[op] = fixed.get(op, 0) | 1 << b
  for op, mask in fixed.items(): table[op]["lds_fixed"] = [mask, lds_base[op] & mask]
  # DPP16 control dword: modifier bits of operands the opcode lacks (a VOP1's src1 neg/abs) must be clear
  # (the plain probe at src0 = 250; or with every other source v0, which VOP3P mix ops want in their DPP forms)
  dpp = [op for op, e in table.items() if "dpp" in e and "src0" in view.by_name]
  # (gfx90a+ 64-bit ops take only row_newbcast: a second control dword)
  dpp_base: dict[int, int] = {}
  others = [f for f in view.fields if f.kind == "src9" and f.name != "src0"]
  for keep, put in ((-1, 0), (~sum(f.mask for f in others), sum(256 << f.lo for f in others))):
    for dword in (DPP_QUAD, DPP_NEWBCAST):
      at = {op: base[op] & keep & ~view.field("src0").mask | put | 250 << view.field("src0").lo
            for op in dpp if op not in dpp_base}
      for op, r in zip(at, run(list(at.values()), [dword] * len(at))):
        if r and "/*" not in r[0]: dpp_base[op] = (at[op], dword)
  src0 = lambda op: dpp_base[op][0]
  ok = list(dpp_base)
  keys = [(op, b) for op in ok for b in range(17, 24)]
  for (op, b), r in zip(keys, run([src0(op) for op, b in keys], [dpp_base[op][1] | 1 << b for op, b in keys])):
    if r is None: table[op]["dpp_fixed"] = table[op].get("dpp_fixed", 0) | 1 << b
  # gfx9 SDWA dword: the clamp/omod and source sext/neg/abs bits an opcode refuses set ('sdwa_fixed')
  sdwa, dword = [op for op, e in table.items() if "sdwa" in e and view.name in SDWA_DWORD], SDWA_DWORD.get(view.name, 0)
  at249 = lambda op: base[op] & ~view.field("src0").mask | 249 << view.field("src0").lo
  text249 = {op: r[0] for op, r in zip(sdwa, run([at249(op) for op in sdwa], [dword] * len(sdwa))) if r}
  keys = [(op, b) for op in text249 for b in (19, 20, 21, 27, 28, 29) + ((13, 14, 15) if view.name != "VOPC" else ())]
  for (op, b), r in zip(keys, run([at249(op) for op, b in keys], [dword | 1 << b for op, b in keys])):
    if r is None: table[op]["sdwa_fixed"] = table[op].get("sdwa_fixed", 0) | 1 << b
    # ... and those it takes but never prints ('sdwa_quiet': gfx950 v_pk_fmac_f16_sdwa's neg/abs)
    elif r[0] == text249[op]: table[op]["sdwa_quiet"] = table[op].get("sdwa_quiet", 0) | 1 << b
  # operand fields: one probe per kind of value the field can hold, in the plain form and in the DPP16 form
  # ('vals_dpp': there src0 is the control dword's VGPR, and the other sources may take fewer kinds)
  for key, todo, dpp_form in (("vals", list(clean), False), ("vals_dpp", ok, True)):
    keys = []   # (op, field, kind, probe, dword after it)
    for op in todo:
      at, after = (dpp_base[op] if dpp_form else (base[op], PAD))
      for s in table[op]["ops"]:
        f = view.by_name.get(s[0]) if isinstance(s, list) else None
        if f is None or f.kind not in VALUE_FIELDS: continue
        if dpp_form and f.name == "src0":   # the lane's VGPR: 0..255 in the dword's low byte
          keys += [(op, f, kind, at, after & ~0xFF | lane) for kind, lane in (("v", 0), ("vh", 128))]
          continue
        for kind, raw in kind_reps(f.kind, f.hi - f.lo + 1, f.kind == "vgpr8" and s[2:3] != ["s"]).items():
          if not (f.name == "src0" and DPP_SRC0.get(kind) in table[op]):
            keys.append((op, f, kind, at & ~f.mask | raw << f.lo, after))
    status: dict = {op: {} for op in todo} if dpp_form else {}
    for (op, f, kind, _, _), r in zip(keys, run([k[3] for k in keys], [k[4] for k in keys])):
      m = re.search(r"/\*Invalid register.*?\*/", r[0]) if r else None
      st = "x" if r is None else "i" if "/*Invalid immediate*/" in r[0] else m[0] if m else None
      if st: status.setdefault(op, {}).setdefault(f.name, {})[kind] = st
    for op, fields in status.items():
      table[op][key] = {}
      for name, cls in fields.items():
        if cls not in valclasses: valclasses.append(cls)
        table[op][key][name] = valclasses.index(cls)
      if key == "vals_dpp" and table[op][key] == table[op].get("vals", {}): del table[op][key]


BARE_MODS = {"glc", "slc", "dlc", "gds", "offen", "idxen", "tfe", "clamp", "lwe", "nv", "lds", "done", "row_en",
             "unorm", "r128", "a16", "d16"}


def _mod_words(text: str) -> list[str]:
  """The modifier words of an instruction's text: `key:value` words and the bare flags."""
  return [w for w in text.split(" ")[1:] if re.match(r"^\w+:", w) or w in BARE_MODS]


def _mod_dict(text: str) -> dict[str, int]:
  """'v_x v0, v1 op_sel:[1,0,0] clamp' -> {'op_sel': 3, 'clamp': 1} (value: number of entries)."""
  toks = split_operands(text)[1]
  words = toks[-1].split(" ")[1:] if toks else []
  return {w.partition(":")[0]: (w.count(",") + 1 if "[" in w else 1) for w in words}


def mod_forms(info: dict) -> dict:
  """Which modifier bits print, as {field: {printed key: entries}}; neg/abs: indices of operands they mark."""
  base_toks = [t.split(" ")[0] for t in split_operands(info["text0"])[1]]
  base = _mod_dict(info["text0"])
  out: dict = {"base": base} if base else {}
  for f, texts in info["mods"].items():
    for text in texts:
      if text is None: continue
      toks = [t.split(" ")[0] for t in split_operands(text)[1]]
      # (gfx950 f8f6f4 MFMA: cbsz/blgp also narrow the A/B register ranges: learned apart, as src_widths)
      resized = lambda a, b: (ra := parse_reg(a)) and (rb := parse_reg(b)) and ra[:2] == rb[:2] and ra[2] != rb[2]
      marked = [i for i, (a, b) in enumerate(zip(base_toks, toks)) if a != b and not resized(a, b)
                and info["slots"][i] and info["slots"][i][0] in ("src0", "src1", "src2")]
      changed = {k: n for k, n in _mod_dict(text).items() if base.get(k) != n or k not in base}
      # an integer operand's neg bit prints as sext(x) (v_ldexp_f32's exponent): kept apart from '-x'
      sext = [i for i in marked if f == "neg" and toks[i].startswith("sext(")]
      if sext: out["sext"] = sorted(set(out.get("sext", [])) | set(sext))
      marked = [i for i in marked if i not in sext]
      if marked: out[f] = sorted(set(out.get(f, [])) | set(marked))
      elif changed and not isinstance(out.get(f), list): out[f] = {**out.get(f, {}), **changed}
  return out


IMM_SAMPLES = [0x0123, 0xFFF0, 0, 0x40, 0x41]
IMM_RULES = {"hex": lambda v: f"0x{v:x}", "dec": str, "sdec": lambda v: str(v - 0x10000 if v & 0x8000 else v),
             "ihex": lambda v: str(v) if v <= 64 else f"0x{v:x}"}


def imm_style(seen: dict[int, str]) -> str:
  """Which rule prints a 16-bit immediate the way LLVM printed the samples; 'special' if none does."""
  return next((n for n, f in IMM_RULES.items() if all(f(v) == t for v, t in seen.items())), "special")


LIT_TOKENS = {"0x12345678": "b32", "0x5678": "f16"}  # how PAD prints where an opcode always takes a literal


def classify(samples: dict[str, str | None]) -> tuple[str | None, dict[str, str]]:
  lits = {int(k[3:], 16): t for k, t in samples.items() if k.startswith("lit") and t is not None}
  rule = next((n for n, f in LITERAL_RULES.items() if all(f(v) == t for v, t in lits.items())), None)
  return rule, {k: t for k, t in samples.items() if not k.startswith("lit")}


def _vopd_view(enc: Encoding, half: int) -> Encoding:
  """VOPD seen as one of its two halves: that half's opcode field and operand fields."""
  from dataclasses import replace
  from isa.encodings import Field
  names = ("src0x", "vsrc1x", "vdstx") if half == 0 else ("src0y", "vsrc1y", "vdsty")
  fields = tuple(Field(f.name, f.lo, f.hi, "vdsty" if f.name == "vdsty" else f.kind) for f in enc.fields
                 if f.name in names)
  op = enc.opcode if half == 0 else enc.field("opy")
  other = enc.field("opy") if half == 0 else enc.opcode
  # the other half's opcode stays 0 (v_dual_fmac_f32), whose operands are all registers
  return replace(enc, opcode=Field("op", op.lo, op.hi), fields=fields + (Field("other", other.lo, other.hi),))


SPECIAL_IMM = {"s_sendmsg": 1 << 12, "s_sendmsghalt": 1 << 12, "s_version": 1 << 8}  # values worth tabulating
SPECIAL_SRC = ("s_sendmsg_rtn_b32", "s_sendmsg_rtn_b64")   # SOP1 whose ssrc0 is a message id


def learn_special(enc: Encoding, op: int, count: int, mcpu: str, field: str = "simm16", pos: int = -1
                  ) -> dict[str, str]:
  """value -> text for an immediate LLVM prints symbolically (as operand `pos`); values printed as plain decimals
  are left out."""
  res = objdump_probes([word_bytes(probe_word(enc, op, **{field: v}), enc.words) for v in range(count)], mcpu)
  out = {}
  for v, r in enumerate(res):
    toks = split_operands(r[0])[1] if r else []
    if toks and toks[pos] != str(v): out[str(v)] = toks[pos]
  return out


def learn_flags(enc: Encoding, op: int, mcpu: str) -> list[list[str]]:
  """One-bit fields that print a word when set (export's done, row_en): [field, word], in printed order."""
  bits = [f.name for f in enc.fields if f.kind == "imm" and f.lo == f.hi]
  words = [word_bytes(probe_word(enc, op, **{b: 1}), enc.words) for b in bits]
  base, *res, every = objdump_probes([word_bytes(probe_word(enc, op), enc.words), *words,
                                      word_bytes(probe_word(enc, op, **dict.fromkeys(bits, 1)), enc.words)], mcpu)
  found = {}
  for b, r in zip(bits, res):
    new = [w for w in _mod_words(r[0]) if w not in _mod_words(base[0])] if r and base else []
    if len(new) == 1: found[b] = new[0]
  order = _mod_words(every[0]) if every else []
  return sorted(([b, w] for b, w in found.items()), key=lambda bw: order.index(bw[1]) if bw[1] in order else len(order))


ATOMIC_RTN = {"FLAT", "GLOBAL", "SCRATCH", "MUBUF"}


def learn_hwreg_names(enc: Encoding, op: int, mcpu: str) -> dict[str, str]:
  """hwreg id -> name, from `hwreg(NAME, 1, 1)` as LLVM prints each id."""
  res = objdump_probes([word_bytes(probe_word(enc, op, simm16=i | 1 << 6), enc.words) for i in range(64)], mcpu)
  out = {}
  for i, r in enumerate(res):
    m = re.search(r"hwreg\((\w+), 1, 1\)", r[0]) if r else None
    if m and m.group(1) != str(i): out[str(i)] = m.group(1)
  return out


def learn_format_names(enc: Encoding, op: int, base: dict, mcpu: str) -> dict[str, str]:
  """gfx12 tbuffer format field value -> its `format:...` word ('' where LLVM prints none)."""
  top = (1 << (enc.field("format").hi - enc.field("format").lo + 1))
  res = objdump_probes([word_bytes(probe_word(enc, op, **{**base, "format": v}), enc.words) for v in range(top)], mcpu)
  return {str(v): next((w for w in _mod_words(r[0]) if w.startswith("format:")), "") for v, r in enumerate(res) if r}


def learn_sreg_names(fam: str) -> dict:
  """Scalar source names (specials) as s_mov_b32 / s_mov_b64 print each encoding value."""
  sop1 = next(e for e in ENCODINGS[fam] if e.name == "SOP1")
  vop1 = next(e for e in ENCODINGS[fam] if e.name == "VOP1")
  out = {"32": {}, "64": {}}
  for width, op in (("32", 0), ("64", 1)):
    res = objdump_probes([word_bytes(probe_word(sop1, op, ssrc0=x), 1) for x in range(255)], MCPU[fam])
    if width == "32":   # a source only VALUs read (src_lds_direct): ask v_mov_b32_e32 (VOP1 opcode 1)
      res = [r or v for r, v in zip(res, objdump_probes([word_bytes(probe_word(vop1, 1, src0=x), 1)
                                                         for x in range(255)], MCPU[fam]))]
    for x, r in enumerate(res):
      tok = split_operands(r[0])[1][-1] if r else None
      if tok and not re.match(r"^(s\[?\d|ttmp|-?\d|-?\d+\.\d|0x)", tok): out[width][str(x)] = tok
  out["nsgpr"] = min(int(x) for x in out["32"])
  return out


def class_ids(info: dict, classes: list[dict]) -> dict[str, int]:
  """Source field -> index of its constant-printing class in the shared list (added there when new)."""
  out = {}
  for name, samples in info.get("consts", {}).items():
    rule, inline = classify(samples)
    cls = {"rule": rule, "inline": inline}
    if cls not in classes: classes.append(cls)
    out[name] = classes.index(cls)
  return out


# ---- image instructions (gfx11 MIMG, gfx12 VIMAGE / VSAMPLE)
# LLVM decodes an image opcode as one variant and then resizes vdata to the channels it moves (dmask, or 4 for
# gather4 / msaa_load; d16 halves, tfe adds the status dword) and the address operand to what the opcode, dim and
# a16 need; where no variant has those sizes, or the registers would run past v255, it keeps the variant it
# decoded. Learned per opcode: the data sizes it has ('dst'), the address groups per (nsa, a16, dim) ('addr',
# 0 = no such variant), what the kept variant prints ('orig'), and the flag words.
IMAGE_ENCODINGS = ("MIMG", "VIMAGE", "VSAMPLE")
IMAGE_FLAGS = ("unorm", "glc", "slc", "dlc", "r128", "a16", "tfe", "lwe", "d16")
# a base that decodes: most opcodes take any dmask; BVH wants dmask 0xf, unorm and r128 (gfx11), r128 (gfx12)
IMAGE_BASES = ({"dmask": 1}, {"dmask": 15, "unorm": 1, "r128": 1}, {"r128": 1})
IMAGE_REGS = {"vdata": 16, "srsrc": 4, "ssamp": 8, "rsrc": 4, "samp": 8}   # probe registers: v16, s4, s8
NSA_REGS = (1, 20, 40, 60, 80)   # each address operand starts at one of these: vaddr0..4
IMAGE_DATA = [(dm, d16, tfe) for dm in (1, 3, 7, 15) for d16 in (0, 1) for tfe in (0, 1)]


def image_probe(enc: Encoding, op: int, fields: dict, k: int = 5) -> bytes:
  """An image probe whose first k address operands start at NSA_REGS (the rest 0); gfx11 with nsa set carries
  vaddr1..4 in a dword after the fixed words."""
  regs = NSA_REGS[:k] + (0,) * (5 - k)
  if enc.name == "MIMG":
    v = probe_word(enc, op, **{**fields, "vaddr": regs[0]})
    tail = sum(r << 8 * j for j, r in enumerate(regs[1:])) if fields.get("nsa") else PAD
    return v.to_bytes(4 * enc.words, "little") + tail.to_bytes(4, "little") + PAD.to_bytes(4, "little")
  return word_bytes(probe_word(enc, op, **{**fields, **{f"vaddr{j}": r for j, r in enumerate(regs)
                                                       if f"vaddr{j}" in enc.by_name}}), enc.words)


def image_operands(text: str) -> tuple:
  """'image_sample v[0:3], [v1, v[20:22]], s[4:11], s[8:11] dmask:0xf' -> (('v', 0, 4), [('v', 1, 1),
  ('v', 20, 3)], [('s', 4, 8), ('s', 8, 4)])."""
  toks = split_operands(text)[1]
  toks = [t if t.startswith("[") else t.split(" ")[0] for t in toks]
  addr = split_operands("x " + toks[1][1:-1])[1] if toks[1].startswith("[") else [toks[1]]
  return parse_reg(toks[0]), [parse_reg(t) for t in addr], [parse_reg(t) for t in toks[2:]]


def learn_image(enc: Encoding, earlier: list[Encoding], mcpu: str, special: dict) -> dict:
  names = set(enc.by_name)
  mimg = enc.name == "MIMG"
  addr_field = "vaddr" if mimg else "vaddr0"
  regs = {k: v // 4 if enc.field(k).kind == "srsrc5" else v for k, v in IMAGE_REGS.items() if k in names}
  samp = next((k for k in ("ssamp", "samp") if k in names), None)

  def run(items):   # (op, fields[, k]) -> LLVM's text; gfx12 rejects some address fields an opcode leaves unused
    out = [None] * len(items)            # set (VIMAGE's vaddr4): without k, retry with fewer of them set
    todo = list(range(len(items)))
    for k in (5, 4, 3, 2, 1):
      res = objdump_probes([image_probe(enc, *items[i][:2], items[i][2] if len(items[i]) > 2 else k) for i in todo], mcpu)
      for i, r in zip(todo, res): out[i] = r
      todo = [i for i in todo if out[i] is None and len(items[i]) == 2 and (not mimg or items[i][1].get("nsa"))]
      if not todo: break
    return [r[0] if r else None for r in out]

  opcodes = [op for op in range(1 << (enc.opcode.hi - enc.opcode.lo + 1))
             if not any(probe_word(enc, op) & e.mask == e.match for e in earlier)]
  base: dict[int, dict] = {}
  text0: dict[int, str] = {}
  for b in IMAGE_BASES:
    for with_samp in (True, False):     # (opcodes without a sampler want its field 0)
      fields = {k: v for k, v in {**regs, **b}.items() if k in names and (with_samp or k != samp)}
      todo = [op for op in opcodes if op not in base]
      for op, r in zip(todo, run([(op, fields) for op in todo])):
        if r: base[op], text0[op] = fields, r
  table = {}
  for op in sorted(base):
    vd, groups, sregs = image_operands(text0[op])
    want = [("s", 4), ("s", 8)][:len(sregs)]
    if not vd or None in groups or [s[:2] if s else None for s in sregs] != want or not 1 <= len(sregs) <= 2:
      print(f"  skipped {enc.name} {op}: {text0[op]}", file=sys.stderr); continue
    rs = "srsrc" if mimg else "rsrc"
    entry = {"m": split_operands(text0[op])[0],
             "ops": [["vdata", vd[2], "v"], [addr_field, groups[0][2], "v"]] +
                    [[k, s[2], "s"] for k, s in zip((rs, samp), sregs)]}
    b = {k: v for k, v in base[op].items() if k not in regs}
    if b != {"dmask": 1}: entry["needs"] = b
    shown = [w.split(":")[0] for w in _mod_words(text0[op])]
    if "dim" not in shown: entry["bare"] = True     # BVH: no dmask, no dim
    table[op] = entry
  if mimg:   # gfx11: bits LLVM requires at one value (a sampler field the opcode lacks, bits of no field), as learn_validity
    free = lambda e: enc.mask | enc.opcode.mask | sum(f.mask for f in enc.fields if f.name in IMAGE_FLAGS + (
      "nsa", "dim", "dmask") or any(s[0] == f.name for s in e["ops"]))
    keys = [(op, b) for op, e in table.items() for b in range(32 * enc.words) if not free(e) >> b & 1]
    flip = lambda data, b: (int.from_bytes(data, "little") ^ 1 << b).to_bytes(len(data), "little")
    res = objdump_probes([flip(image_probe(enc, op, base[op]), b) for op, b in keys], mcpu)
    for (op, b), r in zip(keys, res):
      if r is None: table[op].setdefault("fixed_bits", [0, 0])[0] |= 1 << b
    for op, e in table.items():   # (the value: the base probe's bits there)
      if "fixed_bits" in e: e["fixed_bits"][1] = probe_word(enc, op, **base[op]) & e["fixed_bits"][0]
  # flags: the word each one-bit field prints when set, in LLVM's order (gfx12's th/scope: 'policy', in place)
  flags = [f for f in IMAGE_FLAGS if f in names]
  items = [(op, {**base[op], f: 1 - base[op].get(f, 0)}) for op in table for f in flags]
  found: dict = {}
  for (op, fl), r in zip(items, run(items)):
    f = next(k for k in fl if fl[k] != base[op].get(k, 0))
    new = [w for w in _mod_words(r) if w not in _mod_words(text0[op])] if r and fl[f] else []
    if len(new) == 1: found.setdefault(op, {})[f] = new[0]
  pol = {"th": 1, "scope": 1} if "th" in names else {}
  every = run([(op, {**base[op], **dict.fromkeys(found.get(op, ()), 1), **pol}) for op in table])
  for op, r in zip(table, every):
    words = _mod_words(r) if r else []
    fl = found.get(op, {})
    order = sorted(fl, key=lambda f: words.index(fl[f]) if fl[f] in words else len(words) + IMAGE_FLAGS.index(f))
    out = [[f, fl[f]] for f in order]
    if pol:   # the policy words go before the first flag printed after them
      at = next((k for k, w in enumerate(words) if w.startswith(("th:", "scope:"))), None)
      later = {w for w in words[at:]} if at is not None else set()
      pos = next((k for k, (f, w) in enumerate(out) if w in later), len(out))
      out.insert(pos, ["policy", ""])
    table[op]["flags"] = out
  if "th" in names:
    pol_ops = {op: {"base": base[op], "text0": text0[op]} for op in table}
    learn_policy(enc, pol_ops, lambda probes, mcpu: objdump_probes(probes, mcpu), mcpu)
    for op in table: table[op]["policy"] = pol_ops[op]["policy"]
  # gather4-like: every dmask moves 4 channels
  g4 = {op for op, r in zip(table, run([(op, {**base[op], "dmask": 3}) for op in table]))
        if r and image_operands(r)[0][2] == 4 and "needs" not in table[op]}
  for op in g4: table[op]["g4"] = True
  # the variant kept: data one register past v255 (tfe, dmask 0xf). gfx11: per nsa and a16; gfx12 decodes first
  # the variant with as many addresses as fields up to the last nonzero one (k): per k and a16
  nvaddr = sum(1 for f in names if f.startswith("vaddr"))
  forms = [(x, a16) for x in ((0, 1) if mimg else range(1, nvaddr + 1)) for a16 in (0, 1)]
  at = lambda x: ({"nsa": x},) if mimg else ({}, x)     # a form's nsa field, or its k
  keys = [(op, nsa, a16) for op in table if "needs" not in table[op] for nsa, a16 in forms]
  res = run([(op, {**base[op], "vdata": 252, "dmask": 15, "tfe": 1, "a16": a16, **at(nsa)[0]}, *at(nsa)[1:])
             for op, nsa, a16 in keys])
  for (op, nsa, a16), r in zip(keys, res):
    vd, groups, _ = image_operands(r) if r else (None, None, None)
    table[op].setdefault("orig", {})[f"{nsa}{a16}"] = [vd[2], [g[2] for g in groups]] if r else None
  # every data size at every (nsa, a16, dim): a size the opcode has prints its variant's data width (atomics:
  # 4 prints 5) and the resized addresses; a size it lacks prints the kept variant
  keys, items = [], []
  for op, e in table.items():
    combos = {} if "needs" in e else {image_data_size(op in g4, *c): c for c in reversed(IMAGE_DATA)}
    for nsa, a16 in forms:
      for dim in range(8):
        fl = {**base[op], "a16": a16, "dim": dim, **at(nsa)[0]}
        for n, c in (sorted(combos.items()) or [(0, None)]):
          keys.append((op, f"{nsa}{a16}", dim, n))
          items.append((op, {**fl, **({"dmask": c[0], "d16": c[1], "tfe": c[2]} if c else {})}, *at(nsa)[1:]))
  seen: dict = {}
  for (op, key, dim, n), r in zip(keys, run(items)):
    vd, groups, _ = image_operands(r) if r else (None, None, None)
    seen.setdefault(op, {})[key, dim, n] = (vd[2], [g[2] for g in groups]) if r else None
  for op, got in seen.items():
    e = table[op]
    if "needs" in e:   # BVH: no resizing, one variant per a16
      for (key, dim, _), v in got.items(): e.setdefault("addr", {}).setdefault(key, [None] * 8)[dim] = v and v[1]
      continue
    orig = {k: tuple(v) if v else None for k, v in e["orig"].items()}
    widths: dict = {}      # size -> data widths printed where the addresses show resized
    for (key, dim, n), v in got.items():   # (or the data alone shows resized: image_get_resinfo's one address)
      if v and orig[key] and (v[1] != orig[key][1] or v[0] != orig[key][0]): widths.setdefault(n, set()).add(v[0])
    e["dst"] = {str(n): w.pop() for n, w in sorted(widths.items()) if len(w) == 1}
    for key in orig:
      for dim in range(8):
        vals = [got[key, dim, n] for n in range(1, 6) if (key, dim, n) in got]
        conv = [v for n, v in ((n, got.get((key, dim, n))) for n in range(1, 6)) if str(n) in e["dst"]]
        same = all(v and v[0] == e["dst"][str(n)] for n, v in ((n, got.get((key, dim, n))) for n in range(1, 6))
                   if str(n) in e["dst"]) and len({str(v[1]) for v in conv}) == 1
        g = None if None in vals else conv[0][1] if same else 0
        e.setdefault("addr", {}).setdefault(key, [None] * 8)[dim] = g
    bad = [k for k, v in got.items() if v != image_variant(e, *k)]
    if bad: print(f"  {e['m']}: {len(bad)} of {len(got)} probes not as the rule says, e.g. {bad[0]} "
                  f"{got[bad[0]]} vs {image_variant(e, *bad[0])}", file=sys.stderr)
  # which values the resource and sampler fields take (SGPR ranges, ttmp, null, a few src_*): [lo, hi] ranges
  for field in (f for f in ("srsrc", "ssamp", "rsrc", "samp") if f in names):
    op = next(op for op, e in table.items() if any(s[0] == field for s in e["ops"]))
    top = 1 << (enc.field(field).hi - enc.field(field).lo + 1)
    ok = [v for v, r in enumerate(run([(op, {**base[op], field: v}) for v in range(top)])) if r and "/*" not in r]
    special[f"{enc.name}.{field}"] = [[v, next(w for w in range(v, top) if w + 1 not in ok)] for v in ok if v - 1 not in ok]
  # dim names
  op = next((op for op, e in table.items() if "bare" not in e), None)
  if op is not None and "dim" not in special:
    res = run([(op, {**base[op], "dim": d}) for d in range(8)])
    special["dim"] = {str(d): next((w[4:] for w in _mod_words(r) if w.startswith("dim:")), "") if r else ""
                      for d, r in enumerate(res)}
  return table


def build_table(fam: str) -> dict:
  encs = ENCODINGS[fam]
  classes: list[dict] = []
  out: dict = {"family": fam, "mcpu": MCPU[fam], "classes": classes, "encodings": {}, "sregs": learn_sreg_names(fam),
               "valclasses": []}
  scale_status: dict = {}   # (table, opcode) -> {field: {kind: status}}: gfx950 scaled MFMA scales, interned last
  jobs = [(enc.name, enc, i, None) for i, enc in enumerate(encs) if enc.name != "VOPD"]
  jobs += [(f"VOPD{xy}", enc, i, h) for i, enc in enumerate(encs) if enc.name == "VOPD" for h, xy in enumerate("XY")]
  for tname, enc, i, half in jobs:
    if enc.name in IMAGE_ENCODINGS:
      out["encodings"][tname] = learn_image(enc, list(encs[:i]), MCPU[fam], out.setdefault("special", {}))
      print(f"{fam} {tname}: {len(out['encodings'][tname])} opcodes", file=sys.stderr)
      continue
    ops = learn_encoding(enc, list(encs[:i]), MCPU[fam], half)
    table = {}
    slots_of = lambda info: [s if s else ["literal", LIT_TOKENS[tok]] if tok in LIT_TOKENS else tok
                             for s, tok in zip(info["slots"], info["toks"])]
    # memory atomics return the old value when glc is set: one more operand
    names = [f.name for f in enc.fields]
    rtn_bit = {"glc": 1} if "glc" in names else {"sc0": 1} if "sc0" in names else {"th": 1}
    rtn = learn_encoding(enc, list(encs[:i]), MCPU[fam], defaults=rtn_bit) if enc.name in ATOMIC_RTN else {}
    # buffer ops with tfe return a status dword after the data: the data operand is one register wider
    mubuf = lambda bit: learn_encoding(enc, list(encs[:i]), MCPU[fam], defaults={bit: 1}) \
      if enc.name in ("MUBUF", "MTBUF") and bit in names else {}
    tfe = mubuf("tfe")
    # gfx9 MUBUF lds forms (load to LDS, no data register); opcodes valid only so (buffer_store_lds_dword) join
    lds = mubuf("lds")
    ops.update({op: info for op, info in lds.items() if op not in ops})
    for op, info in sorted(ops.items()):
      entry: dict = {"m": info["m"], "ops": slots_of(info)}
      if op in rtn and "atomic" in info["m"] and slots_of(rtn[op]) != entry["ops"]:
        entry["ops_rtn"] = slots_of(rtn[op])
      if op in tfe and slots_of(tfe[op]) != entry["ops"]: entry["ops_tfe"] = slots_of(tfe[op])
      if info["words0"] > enc.words: entry["lit"] = True     # takes a literal even without src 255
      if info.get("consts"): entry["cls"] = class_ids(info, classes)
      if info.get("mods"): entry["mods"] = mod_forms(info)
      if info.get("policy"): entry["policy"] = info["policy"]
      if "gds" in _mod_words(info["text0"]): entry["gds"] = True   # printed even with the bit clear
      if "opsel_text" in info: entry["opsel"] = info["opsel_text"]
      for key in ("dpp", "dpp8", "sdwa", "sdwa_nodst", "dpp_abs_span", "dpp_nomod", "dpp_sext", "quiet", "src_widths", "bitop3"):
        if key in info: entry[key] = info[key]
      if any(w.startswith("format:") for w in _mod_words(info["text0"])): entry["fmt"] = True   # tbuffer
      if "off2" in info: entry["off2"] = info["off2"]
      table[op] = entry
    fmt_op = next((op for op, e in table.items() if e.get("fmt")), None)
    # gfx950 scaled MFMA (LLVM's VOP3PX2): v_mfma_ld_scale_b32 followed by an f8f6f4 MFMA whose op_sel is 1 decodes
    # as one 4-dword instruction: which opcodes pair so, and the pair's mnemonic
    pre = next((op for op, e in table.items() if e["m"] == "v_mfma_ld_scale_b32"), None) if enc.name == "VOP3P" else None
    if pre is not None:
      lead = word_bytes(probe_word(enc, pre, src0=256 + 24, src1=256 + 25), enc.words)[:4 * enc.words]
      res = objdump_probes([lead + word_bytes(probe_word(enc, op, **{**ops[op]["base"], "opsel": 1}), enc.words)
                            for op in table], MCPU[fam])
      for op, r in zip(table, res):
        if r and r[1] == 2 * enc.words: table[op]["scale"] = split_operands(r[0])[0]
      # LLVM reads the pair as one only when every source decodes in its register class (else the ld_scale
      # alone): per source field, the values it takes there, as [lo, hi] ranges
      def accepted(make) -> list[list[int]]:
        res = disassemble_words([struct.unpack(f"<{len(b) // 4}I", b) for b in map(make, range(512))], MCPU[fam])
        ok = {v for v, r in enumerate(res) if r and r[1] == 2 * enc.words}
        return [[v, next(w for w in range(v, 512) if w + 1 not in ok)] for v in sorted(ok) if v - 1 not in ok]
      lead_with = lambda **kw: word_bytes(probe_word(enc, pre, **{"src0": 256 + 24, "src1": 256 + 25, **kw}),
                                          enc.words)[:4 * enc.words]
      for op in [op for op, e in table.items() if "scale" in e]:
        tail = lambda **kw: word_bytes(probe_word(enc, op, **{**ops[op]["base"], "opsel": 1, **kw}), enc.words)
        table[op]["scale_ok"] = {n: accepted(lambda v: lead_with() + tail(**{n: v})) for n in ("src0", "src1", "src2")}
        table[pre].setdefault("scale_ok", {n: accepted(lambda v: lead_with(**{n: v}) + tail()) for n in ("src0", "src1")})
      if any("scale" in e for e in table.values()):
        table[pre]["scale_prefix"] = True
        # in the pair the scales are VGPR_32 operands: how each kind of value prints there ('scale_vals', as 'vals')
        op = next(op for op, e in table.items() if "scale" in e)
        tail = word_bytes(probe_word(enc, op, **{**ops[op]["base"], "opsel": 1}), enc.words)
        keys = [(n, kind, lead_with(**{n: raw}) + tail) for n in ("src0", "src1")
                for kind, raw in kind_reps("src9", 9, False).items()]
        res = disassemble_words([struct.unpack(f"<{len(k[2]) // 4}I", k[2]) for k in keys], MCPU[fam])
        for (n, kind, _), r in zip(keys, res):
          if not r or r[1] != 2 * enc.words: continue    # (refused in the pair: scale_ok says so)
          m = re.search(r"/\*Invalid register.*?\*/", r[0])
          if st := "i" if "/*Invalid immediate*/" in r[0] else m[0] if m else None:
            scale_status.setdefault((tname, pre), {}).setdefault(n, {})[kind] = st
    # gfx90a+ acc bit: which operand fields turn into AGPRs (ds_gws_* data sits in the addr field)
    if "acc" in names:
      for extra in ({"acc": 1},) + (({"acc": 1, **rtn_bit},) if enc.name in ATOMIC_RTN else ()):
        for op, info in learn_encoding(enc, list(encs[:i]), MCPU[fam], defaults=extra).items():
          fields = {s[0] for s in info["slots"] if s and len(s) > 2 and s[2] == "a"}
          if op in table and fields: table[op]["acc"] = sorted(set(table[op].get("acc", [])) | fields)
    for op, info in lds.items():   # the lds forms' operands, and where the lds word goes
      if op in table and "lds" in _mod_words(info["text0"]):
        table[op]["ops_lds"] = slots_of(info)
        r = objdump_probes([word_bytes(probe_word(enc, op, **{**info["base"], "sc0": 1}), enc.words)], MCPU[fam])[0]
        if r and " lds sc0" in r[0]: table[op]["lds_first"] = True   # buffer_store_lds_dword: lds before sc0
    swz = next((op for op, e in table.items() if e["m"] == "ds_swizzle_b32"), None)
    if enc.name == "DS" and swz is not None:   # swizzle macros beyond gfx9's (LLVM 22: ROTATE and FFT at 0xc000+)
      r = objdump_probes([word_bytes(probe_word(enc, swz, offset0=v & 0xFF, offset1=v >> 8), enc.words)
                          for v in (0xC000 | 1 << 10 | 3 << 5, 0xE000 | 5)], MCPU[fam])
      modes = [m for m, x, want in zip(("rotate", "fft"), r, ("swizzle(ROTATE,1,3)", "swizzle(FFT,5)")) if x and want in x[0]]
      if modes: out.setdefault("special", {})["swizzle"] = modes
    if fmt_op is not None and "format" not in out.get("special", {}):
      out.setdefault("special", {})["format"] = learn_format_names(enc, fmt_op, ops[fmt_op]["base"], MCPU[fam])
    if "simm16" in [f.name for f in enc.fields]:
      for op, entry in table.items():
        if ["simm16", "special"] in entry["ops"] and entry["m"] in SPECIAL_IMM:
          out.setdefault("special", {})[entry["m"]] = learn_special(enc, op, SPECIAL_IMM[entry["m"]], MCPU[fam])
    for op, entry in table.items():
      if entry["m"] in SPECIAL_SRC:   # the message operand is the last one
        out.setdefault("special", {})[entry["m"]] = learn_special(enc, op, 256, MCPU[fam], "ssrc0")
        entry["ops"][-1] = ["msg", "ssrc0"]
      if enc.name == "EXP":   # export: the target prints by name, as the first operand; done/row_en as words
        names = learn_special(enc, op, 64, MCPU[fam], "target", pos=0)   # ('mrt0 v0': the target, then vsrc0)
        out.setdefault("special", {})[entry["m"]] = {v: t.split(" ")[0] for v, t in names.items()}
        entry["ops"][0], entry["flags"] = ["msg", "target"], learn_flags(enc, op, MCPU[fam])
      if entry["m"] in ("s_getreg_b32", "s_setreg_b32") and "hwreg" not in out.get("special", {}):
        out.setdefault("special", {})["hwreg"] = learn_hwreg_names(enc, op, MCPU[fam])
    learn_validity(enc, half, table, ops, MCPU[fam], out["valclasses"])
    out["encodings"][tname] = table
    print(f"{fam} {tname}: {len(table)} opcodes", file=sys.stderr)
  # VOPD: beside a half that always carries a literal (fmaak/fmamk), LLVM prints the shared literal in the other
  # half's sources by another rule (gfx11 v_dual_dot2acc_f32_f16 shows 0x3f800000 as 1.0): learn those classes
  for h, tname in enumerate(("VOPDX", "VOPDY")):
    if tname not in out["encodings"]: continue
    enc, i = next((e, k) for k, e in enumerate(encs) if e.name == "VOPD")
    partner = next((op for op, e in out["encodings"][("VOPDY", "VOPDX")[h]].items() if e.get("lit")), None)
    if partner is None: continue
    for op, info in learn_encoding(enc, list(encs[:i]), MCPU[fam], h, defaults={"other": partner}).items():
      entry = out["encodings"][tname].get(op)
      if entry is not None and (cls := class_ids(info, classes)) and cls != entry.get("cls"): entry["cls_k"] = cls
  for (tname, op), fields in scale_status.items():
    for n, cls in fields.items():
      if cls not in out["valclasses"]: out["valclasses"].append(cls)
      out["encodings"][tname][op].setdefault("scale_vals", {})[n] = out["valclasses"].index(cls)
  return out


if __name__ == "__main__":
  for fam in sys.argv[1:] or ["gfx11"]:
    path = Path(__file__).parent / "tables" / f"{fam}.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(build_table(fam), separators=(",", ":")) + "\n")
    print(f"wrote {path}", file=sys.stderr)
