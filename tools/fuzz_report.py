#!/usr/bin/env python3
"""Format fuzzer: random instructions of every encoding, decoded by llvm-objdump-19 and by us.

For each encoding of a family (isa/encodings.py) it builds K random probes: word0 keeps the
encoding's fixed bits, the opcode is one the table knows, operand fields are random with a bias
towards interesting values (inline constants, literal, specials, high VGPRs, DPP, gfx9 SDWA), modifier bits
random or default, and 1-3 random words follow (literal / DPP / third word).  LLVM decodes each
probe on its own (tests.llvm_oracle.disassemble_words). Probes it decodes plainly are compared on text and on
words consumed (match%); those it refuses (`.long`) count as ours-only where we decode an instruction anyway;
those it prints with its own "/* invalid ... */" comments are compared apart (inv-match).

    python3 tools/fuzz_report.py                     # gfx11, gfx12 and gfx94 (gfx942), K=3000, seed 0
    python3 tools/fuzz_report.py gfx12 -k 500 --formats VOP3,VOP3P --seed 7 --examples 3
"""
from __future__ import annotations

import argparse
import difflib
import re
import random
import struct
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
  sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from isa.decode import Disassembler, load_table  # noqa: E402
from isa.encodings import CDNA, ENCODINGS, Encoding  # noqa: E402
from tests.llvm_oracle import disassemble_words  # noqa: E402

MCPU = {"gfx11": "gfx1100", "gfx12": "gfx1200", "gfx94": "gfx942", "gfx95": "gfx950"}

INLINE = [*range(128, 209), *range(240, 249)]
SPECIAL = [*range(106, 128)]
SPECIAL_HI = [235, 236, 237, 238, 239, 251, 252, 253, 254]   # src_shared_base .. src_lds_direct
DPP_SRC0 = [233, 234, 250]                                    # dpp8, dpp8 fi:1, dpp16
SDWA_SRC0 = 249                                               # gfx9 SDWA: a select dword follows
SDST_INTERESTING = [106, 107, 124, 125, 126, 127]
# Literals that print specially somewhere (float forms of inline values, 16-bit halves, signed ints).
LITERALS = [0x3F800000, 0xBF000000, 0x40800000, 0x3E22F983, 0x3C00, 0xBC00, 0x3118, 0x3F80, 0x3E22,
            0x3FF00000, 0x40100000, 0, 1, 64, 65, 0xFFFFFFFF, 0xFFFFFFF0, 0xFFFFFFEF, 0x80000000,
            0x7FFFFFFF, 0x10000, 0xFFFF, 0x8000, 0x12345678]
# Modifier / cache-policy / offset fields: default value (what "no modifier" encodes).
MOD_DEFAULT = {"abs": 0, "opsel": 0, "clamp": 0, "omod": 0, "neg": 0, "neg_hi": 0, "opsel_hi": 3, "opsel_hi2": 1,
               "glc": 0, "dlc": 0, "slc": 0, "sve": 0, "nv": 0, "th": 0, "scope": 0, "gds": 0,
               "offset": 0, "offset0": 0, "offset1": 0}
FORCE_P = 0.30      # chance a source field gets an interesting value
DEFAULT_P = 0.40    # chance a modifier field keeps its default


def _dpp_ctrl(rng: random.Random) -> int:
  return rng.choice([rng.randrange(0x100), rng.randrange(0x101, 0x110), rng.randrange(0x111, 0x120),
                     rng.randrange(0x121, 0x130), 0x140, 0x141, rng.randrange(0x150, 0x160),
                     rng.randrange(0x160, 0x170),
                     rng.choice([0x130, 0x134, 0x138, 0x13C, 0x142, 0x143])])   # gfx9 wave_*/row_bcast


def _put(v: int, f, x: int) -> int:
  return v & ~f.mask | (x << f.lo) & f.mask


def opcodes_for(table: dict, enc: Encoding) -> list | None:
  """Opcodes of `enc` the table knows (VOPD: (x, y) opcode lists)."""
  ops = table["encodings"]
  if enc.name == "VOPD":
    return [sorted(int(k) for k in ops.get("VOPDX", {})), sorted(int(k) for k in ops.get("VOPDY", {}))]
  return sorted(int(k) for k in ops.get(enc.name, {})) or None


def _entries(table: dict, enc: Encoding, v: int) -> list[dict]:
  ops = table["encodings"]
  if enc.name == "VOPD":
    return [ops["VOPDX"].get(str(enc.opcode.get(v)), {}), ops["VOPDY"].get(str(enc.field("opy").get(v)), {})]
  return [ops.get(enc.name, {}).get(str(enc.opcode.get(v)), {})]


def _used(entries: list[dict]) -> set[str]:
  """Operand fields the opcode reads or writes."""
  return {s[0] for e in entries for key in ("ops", "ops_rtn") for s in e.get(key, ()) if isinstance(s, list)}


def _mod_masks(enc: Encoding, entry: dict) -> dict[str, int]:
  """VALU modifier field -> bits the opcode has (as the table describes its modifiers); absent = none."""
  if enc.name not in ("VOP3", "VOP3P"): return {}
  m, ops, out = entry.get("mods", {}), entry.get("ops", []), {}
  srcbit = lambda i: 1 << int(ops[i][0][3]) if isinstance(ops[i], list) and ops[i][0][:3] == "src" else 0
  for fname, key in (("abs", "abs"), ("neg", "neg"), ("neg_hi", "neg_hi")):
    if isinstance(m.get(key), list): out[fname] = sum(srcbit(i) for i in m[key] if i < len(ops))
    elif isinstance(m.get(key), dict): out[fname] = (1 << next(iter(m[key].values()))) - 1
  if isinstance(m.get("opsel"), dict):
    n = m["opsel"]["op_sel"]
    out["opsel"] = (1 << n - 1) - 1 | 8 if enc.name == "VOP3" else (1 << n) - 1
  if "op_sel_hi" in m.get("base", {}) or "opsel_hi" in m:
    out["opsel_hi"], out["opsel_hi2"] = 3, 1
  for k in ("clamp", "omod"):
    if k in m: out[k] = (1 << enc.field(k).hi - enc.field(k).lo + 1) - 1
  return out


def reserved_bits(enc: Encoding) -> int:
  """Bits of the fixed-size part no field, opcode or match bit covers (e.g. VOP3P bit 23): LLVM wants 0."""
  covered = enc.mask | enc.opcode.mask
  for f in enc.fields: covered |= f.mask
  return ((1 << 32 * enc.words) - 1) & ~covered


def _overlaps(enc: Encoding, f) -> bool:
  return any(g is not f and g.mask & f.mask for g in enc.fields)


OPERAND_KINDS = ("src9", "ssrc8", "vgpr8", "sdst7", "sbase6", "srsrc5")
# immediate fields the table names value by value, (field, format) -> its special table (None: the mnemonic's):
# half the probes take a named value (a tbuffer format:[BUF_FMT_..], an export target), not a number
NAMED_FIELDS = {("format", "MTBUF"): "format", ("target", "EXP"): None}
# A strict probe zeroes reserved bits and fields the opcode does not use, and sets only modifier bits the
# opcode has (LLVM rejects most encodings that do otherwise); the rest are left fully random.
STRICT_P = 0.90


def gen_probe(enc: Encoding, opcodes, rng: random.Random, any_opcode: float = 0.0, table: dict | None = None,
              sdwa: bool = False) -> tuple[int, ...]:
  nw = enc.words + rng.randint(1, 3)
  v = rng.getrandbits(32 * nw)
  v = v & ~enc.mask | enc.match                       # word0's fixed bits
  op_bits = enc.opcode.hi - enc.opcode.lo + 1
  if enc.name == "VOPD":
    v = _put(v, enc.opcode, rng.choice(opcodes[0]))
    v = _put(v, enc.field("opy"), rng.choice(opcodes[1]))
  elif rng.random() >= any_opcode:
    v = _put(v, enc.opcode, rng.choice(opcodes))
  else:
    v = _put(v, enc.opcode, rng.getrandbits(op_bits))
  entries = _entries(table, enc, v) if table is not None else None
  if entries is not None and not all(entries): entries = None   # opcode unknown to the table (--any-opcode)
  used = _used(entries) if entries is not None else None
  try: allowed = _mod_masks(enc, entries[0]) if entries is not None else {}
  except (KeyError, IndexError, TypeError, ValueError, StopIteration): allowed = {}   # table shape changed
  strict = entries is not None and rng.random() < STRICT_P
  if strict: v &= ~reserved_bits(enc)
  # modifiers and immediates first: operand fields (e.g. VOP3 sdst over abs/opsel) are written after them
  for f in enc.fields:
    if f.name == "opy" or f.kind in OPERAND_KINDS: continue
    if strict and f.name == "sve" and enc.name != "SCRATCH":
      v = _put(v, f, 0)                   # only scratch has a VGPR address to enable
    elif f.name in MOD_DEFAULT and rng.random() < DEFAULT_P:
      v = _put(v, f, MOD_DEFAULT[f.name])
    elif strict and enc.name in ("VOP3", "VOP3P") and f.name in MOD_DEFAULT:
      keep = allowed.get(f.name, 0)       # random only in the bits the opcode has, the rest at default
      v = _put(v, f, f.get(v) & keep | MOD_DEFAULT[f.name] & ~keep)
    elif f.name == "simm16" and strict and "simm16" not in used:
      v = _put(v, f, 0)
    elif f.name == "simm16" and rng.random() < 0.3:
      v = _put(v, f, rng.randrange(65))
    elif (f.name, enc.name) in NAMED_FIELDS and entries is not None and rng.random() < 0.5:
      names = table.get("special", {}).get(NAMED_FIELDS[f.name, enc.name] or entries[0]["m"], {})
      named = [int(x) for x, t in names.items() if t and not re.search(r"invalid|:\d+$", t)]
      if named: v = _put(v, f, rng.choice(named))
  for f in enc.fields:
    if f.kind not in OPERAND_KINDS: continue
    if used is not None and f.name not in used:
      if strict and not _overlaps(enc, f):
        # FLAT's absent saddr encodes null (124); gfx9 (the sc0 layouts) wants 0 there
        v = _put(v, f, (0 if any(g.name == "sc0" for g in enc.fields) else 124) if f.name == "saddr" else 0)
    elif f.kind == "src9" and rng.random() < FORCE_P:
      pools = [INLINE, [255], range(256, 512), SPECIAL, SPECIAL_HI] + ([DPP_SRC0] if f.name == "src0" else []) + \
              ([[SDWA_SRC0]] if sdwa and f.name == "src0" and enc.words == 1 else [])
      v = _put(v, f, rng.choice(rng.choice(pools)))
    elif f.kind == "ssrc8" and rng.random() < FORCE_P:
      v = _put(v, f, rng.choice(rng.choice([INLINE, [255], SPECIAL, SPECIAL_HI])))
    elif f.kind == "sdst7" and rng.random() < 0.2:
      v = _put(v, f, rng.choice(SDST_INTERESTING))
    elif f.kind == "sdst7" and f.hi - f.lo > 6 and rng.random() < 0.7:
      v = _put(v, f, rng.randrange(128))       # gfx12 image rsrc/samp: 9-bit codes, mostly SGPRs (256+: VGPRs)
  # The word after the fixed part holds the literal or the DPP control word.
  lit_at = 32 * enc.words
  src0 = enc.field("src0").get(v) if any(f.name == "src0" for f in enc.fields) else None
  if src0 == 250 and rng.random() < 0.5:
    v = v & ~(0x1FF << lit_at + 8) | _dpp_ctrl(rng) << lit_at + 8
  elif src0 not in DPP_SRC0 and src0 != SDWA_SRC0 and rng.random() < FORCE_P:
    v = v & ~(0xFFFFFFFF << lit_at) | rng.choice(LITERALS) << lit_at
  return tuple(v >> 32 * k & 0xFFFFFFFF for k in range(nw))


def gen_probes(family: str, enc: Encoding, k: int, seed: int, any_opcode: float = 0.0) -> list[tuple[int, ...]]:
  table = load_table(family)
  opcodes = opcodes_for(table, enc)
  if not opcodes: return []
  rng = random.Random(f"{seed}:{family}:{enc.name}")   # per format: a --formats subset sees the same probes
  return [gen_probe(enc, opcodes, rng, any_opcode, table, sdwa=family in CDNA) for _ in range(k)]


def gen_scaled_probes(family: str, k: int, seed: int) -> list[tuple[int, ...]]:
  """gfx950 scaled MFMA (row VOP3PX2): a random v_mfma_ld_scale_b32 followed by a random MFMA of an opcode the
  table pairs with it, op_sel mostly 1 (the pairing value; otherwise two instructions)."""
  table = load_table(family)
  vop3p = next((e for e in ENCODINGS[family] if e.name == "VOP3P"), None)
  ops = table["encodings"].get("VOP3P", {})
  pre = [int(op) for op, e in ops.items() if e.get("scale_prefix")]
  mfma = [int(op) for op, e in ops.items() if "scale" in e]
  if vop3p is None or not pre or not mfma: return []
  rng = random.Random(f"{seed}:{family}:VOP3PX2")
  srcs = [vop3p.field(n) for n in ("src0", "src1", "src2")]
  def no_literal(ws):   # (llvm-objdump-22 crashes on a literal in either half: a VGPR instead)
    v = ws[0] | ws[1] << 32
    for f in srcs: v = _put(v, f, 256 + rng.randrange(256)) if f.get(v) == 255 else v
    return [v & 0xFFFFFFFF, v >> 32, *ws[2:]]
  out = []
  for _ in range(k):
    ld = no_literal(gen_probe(vop3p, pre, rng, 0.0, table))[:2]
    m = no_literal(gen_probe(vop3p, mfma, rng, 0.0, table))
    if rng.random() < 0.8: m[0] = m[0] & ~(0xF << 11) | 1 << 11    # op_sel 1, op_sel_hi2 0
    out.append(tuple(ld) + tuple(m))
  return out


# --------------------------------------------------------------------------- compare

@dataclass
class Mismatch:
  words: tuple[int, ...]
  llvm: str
  llvm_n: int
  ours: str
  ours_n: int

  @property
  def mnemonic(self) -> str: return self.llvm.split(" ", 1)[0]

  @property
  def hex(self) -> str: return " ".join(f"{w:08x}" for w in self.words)


@dataclass
class FormatResult:
  family: str
  name: str
  probes: int = 0
  valid: int = 0
  match: int = 0
  mismatches: list[Mismatch] = field(default_factory=list)
  errors: list[tuple[tuple[int, ...], str]] = field(default_factory=list)  # ours raised / returned nothing
  overrun: int = 0      # LLVM consumed more words than the probe has (skipped)
  ours_only: list[tuple[tuple[int, ...], str]] = field(default_factory=list)  # LLVM: .long, ours decodes (info)
  rejected: int = 0     # LLVM prints .long (ours should too: ours_only are the ones we decode anyway)
  invalid: int = 0      # LLVM decodes with a /* ... */ comment (an invalid register, immediate, field value)
  invalid_misses: list[Mismatch] = field(default_factory=list)   # ... and we print something else

  @property
  def rate(self) -> float: return self.match / self.valid if self.valid else 1.0

  @property
  def ours_only_rate(self) -> float:
    """Share of all probes that LLVM refuses (.long) and we decode as an instruction."""
    return len(self.ours_only) / self.probes if self.probes else 0.0

  @property
  def invalid_rate(self) -> float:
    """Share of the probes LLVM prints with its /* invalid ... */ comments that we print identically."""
    return 1 - len(self.invalid_misses) / self.invalid if self.invalid else 1.0


def skip_llvm(text: str) -> bool:
  return "/*" in text or "Warning" in text


def run_family(family: str, k: int = 3000, seed: int = 0, formats=None, any_opcode: float = 0.0
               ) -> dict[str, FormatResult]:
  mcpu = MCPU[family]
  dis = Disassembler(mcpu)
  encs = [e for e in ENCODINGS[family] if formats is None or e.name in formats]
  probes, owner = [], []
  for enc in encs:
    ps = gen_probes(family, enc, k, seed, any_opcode)
    probes += ps
    owner += [enc.name] * len(ps)
  scaled = gen_scaled_probes(family, k, seed) if formats is None or "VOP3PX2" in formats else []
  probes += scaled
  owner += ["VOP3PX2"] * len(scaled)
  ref = disassemble_words(probes, mcpu)
  res = {e.name: FormatResult(family, e.name) for e in encs}
  if scaled: res["VOP3PX2"] = FormatResult(family, "VOP3PX2")
  for ws, name, r in zip(probes, owner, ref):
    fr = res[name]
    fr.probes += 1
    try:
      got = dis.disassemble(struct.pack(f"<{len(ws)}I", *ws), 0)
    except Exception as e:  # noqa: BLE001 - the decoder must never raise; record it
      fr.errors.append((ws, f"{type(e).__name__}: {e}"))
      got = None
    if got is not None and not got:
      fr.errors.append((ws, "no instruction returned"))
    fr.rejected += r is None
    if r is None and got and got[0].mnemonic != ".long":
      fr.ours_only.append((ws, got[0].text))
    if r is not None and "/*" in r[0] and r[1] <= len(ws):
      fr.invalid += 1
      if not got or got[0].text != r[0] or len(got[0].words) != r[1]:
        fr.invalid_misses.append(Mismatch(ws, r[0], r[1], got[0].text if got else "<error>",
                                          len(got[0].words) if got else 0))
    if r is None or skip_llvm(r[0]):
      continue
    if r[1] > len(ws):   # objdump read on into the next probe's words: not a fair comparison
      fr.overrun += 1; continue
    fr.valid += 1
    if not got:
      fr.mismatches.append(Mismatch(ws, r[0], r[1], "<error>", 0)); continue
    g = got[0]
    if g.text == r[0] and len(g.words) == r[1]:
      fr.match += 1
    else:
      fr.mismatches.append(Mismatch(ws, r[0], r[1], g.text, len(g.words)))
  return res


# --------------------------------------------------------------------------- classify

_TOK = re.compile(r"[^\s,]+")


def diff_pattern(m: Mismatch) -> str:
  """A short normalized description of how ours differs from LLVM (digits and hex folded)."""
  if m.ours.startswith(".long"): return "ours .long"
  if m.ours == "<error>": return "ours error"
  if m.llvm.split()[0] != m.ours.split()[0]: return f"mnemonic {m.llvm.split()[0]} -> {m.ours.split()[0]}"
  a, b = _TOK.findall(m.llvm), _TOK.findall(m.ours)
  parts = []
  for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
    if tag != "equal":
      parts.append(f"[{' '.join(a[i1:i2])}] -> [{' '.join(b[j1:j2])}]")
  s = "; ".join(parts) or "whitespace/commas"
  if m.llvm_n != m.ours_n: s = f"words {m.llvm_n}->{m.ours_n}; " + s
  s = re.sub(r"(?<![\w.])(?:0x[0-9a-f]+|\d+(?:\.\d+)?)(?![\w.])", "N", s)   # constants
  s = re.sub(r"\d+", "#", s)                                                   # register numbers etc.
  return s[:160]


# --------------------------------------------------------------------------- report

def format_table(results: dict[str, FormatResult]) -> str:
  rows = [(fr.name, fr.probes, fr.valid, fr.match, len(fr.errors), fr.rejected, len(fr.ours_only), fr.invalid,
           fr.invalid - len(fr.invalid_misses)) for fr in results.values()]
  rows.append(("all", *(sum(r[k] for r in rows) for k in range(1, 9))))
  pct = lambda a, b: f"{100 * a / b:.1f}%" if b else "-"
  lines = [f"{'format':<9} {'probes':>7} {'valid':>6} {'match':>6} {'match%':>7} {'errors':>6} {'llvm-.long':>10} "
           f"{'ours-only':>9} {'only%':>6} {'invalid':>7} {'inv-match':>9} {'inv%':>6}"]
  lines += [f"{n:<9} {p:>7} {v:>6} {m:>6} {pct(m, v) if v else '100.0%':>7} {e:>6} {rj:>10} {o:>9} {pct(o, p):>6} "
            f"{iv:>7} {im:>9} {pct(im, iv):>6}" for n, p, v, m, e, rj, o, iv, im in rows]
  lines.append("(valid: LLVM decodes it, no /* */ comment or warning; errors: ours raised or returned nothing;\n"
               " llvm-.long: LLVM refuses it; ours-only: of those, we decode an instruction (only%: of all probes);\n"
               " invalid: LLVM decodes it with a /* invalid ... */ comment; inv-match: we print that text too)")
  return "\n".join(lines)


def mismatch_report(fr: FormatResult, top: int = 10, examples: int = 2) -> str:
  if not fr.mismatches and not fr.errors and not fr.ours_only and not fr.invalid_misses: return ""
  out = [f"--- {fr.family} {fr.name}: {len(fr.mismatches)} mismatches of {fr.valid}" +
         (f" ({fr.overrun} skipped: LLVM read past the probe)" if fr.overrun else "")]
  for ws, err in fr.errors[:examples]:
    out.append(f"  RAISED {' '.join(f'{w:08x}' for w in ws)}: {err}")
  groups = defaultdict(list)
  for m in fr.mismatches: groups[m.mnemonic].append(m)
  ranked = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
  for mn, ms in ranked[:top]:
    pats = Counter(diff_pattern(m) for m in ms)
    out.append(f"  {mn}: {len(ms)}  (" + " | ".join(f"{n}x {p}" for p, n in pats.most_common(3)) + ")")
    picked = [next(m for m in ms if diff_pattern(m) == p) for p, _ in pats.most_common(examples)]
    picked += [m for m in ms if m not in picked][:examples - len(picked)]
    for m in picked:
      out.append(f"      {m.hex}\n        llvm[{m.llvm_n}]: {m.llvm}\n        ours[{m.ours_n}]: {m.ours}")
  if len(ranked) > top:
    out.append(f"  ... {len(ranked) - top} more mnemonics, {sum(len(v) for _, v in ranked[top:])} mismatches")
  if fr.ours_only:
    c = Counter(t.split(" ", 1)[0] for _, t in fr.ours_only)
    out.append(f"  ours-only (LLVM .long): {len(fr.ours_only)}  e.g. " +
               ", ".join(f"{m} {n}x" for m, n in c.most_common(4)))
    for ws, t in fr.ours_only[:examples]:
      out.append(f"      {' '.join(f'{w:08x}' for w in ws)}\n        ours: {t}")
  if fr.invalid_misses:
    c = Counter(invalid_form(m.llvm) for m in fr.invalid_misses)
    out.append(f"  invalid-text misses: {len(fr.invalid_misses)} of {fr.invalid}  (" +
               " | ".join(f"{n}x {p}" for p, n in c.most_common(3)) + ")")
    for m in fr.invalid_misses[:examples]:
      out.append(f"      {m.hex}\n        llvm[{m.llvm_n}]: {m.llvm}\n        ours[{m.ours_n}]: {m.ours}")
  return "\n".join(out)


def invalid_form(text: str) -> str:
  """LLVM's /* ... */ comment in a text, numbers folded: the kind of invalid value it marks."""
  m = re.search(r"/\*.*?\*/", text)
  return re.sub(r"\d+", "#", m[0]) if m else "?"


def pattern_summary(results: dict[str, FormatResult], top: int = 25) -> str:
  c, ex = Counter(), {}
  for fr in results.values():
    for m in fr.mismatches:
      key = (fr.name, diff_pattern(m))
      c[key] += 1
      ex.setdefault(key, m)
  out = [f"top mismatch patterns (format, llvm -> ours):"]
  for (name, p), n in c.most_common(top):
    m = ex[(name, p)]
    out.append(f"  {n:>5}  {name:<8} {p}\n           e.g. {m.hex}: {m.llvm!r} vs {m.ours!r}")
  return "\n".join(out)


def main(argv=None) -> int:
  ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
  ap.add_argument("families", nargs="*", help=f"ISA families (default: all of {', '.join(MCPU)})")
  ap.add_argument("-k", type=int, default=3000, help="probes per format (default 3000)")
  ap.add_argument("--seed", type=int, default=0)
  ap.add_argument("--formats", help="comma-separated encoding names (default: all)")
  ap.add_argument("--top", type=int, default=8, help="mnemonics shown per format")
  ap.add_argument("--examples", type=int, default=2, help="examples per mnemonic")
  ap.add_argument("--patterns", type=int, default=25, help="cross-format pattern summary lines")
  ap.add_argument("--any-opcode", type=float, default=0.0,
                  help="share of probes with a fully random opcode (finds opcodes missing from the tables)")
  a = ap.parse_args(argv)
  formats = set(a.formats.split(",")) if a.formats else None
  if bad := [f for f in a.families if f not in MCPU]: ap.error(f"unknown family {bad}; have {', '.join(MCPU)}")
  a.families = a.families or list(MCPU)
  for fam in a.families:
    t = time.time()
    res = run_family(fam, a.k, a.seed, formats, a.any_opcode)
    print(f"===== {fam} (--mcpu={MCPU[fam]}, K={a.k}, seed={a.seed}, {time.time() - t:.1f}s)")
    print(format_table(res))
    print()
    for fr in res.values():
      if rep := mismatch_report(fr, a.top, a.examples): print(rep)
    print()
    print(pattern_summary(res, a.patterns))
    print()
  return 0


if __name__ == "__main__":
  sys.exit(main())
