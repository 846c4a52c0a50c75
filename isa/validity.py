"""Which encodings LLVM refuses or prints as invalid, as data and a few stated rules.

llvm-objdump prints a word it cannot decode as `.long 0x...` and moves one dword on; a value it decodes into an
operand that cannot hold it prints with a comment (`s77/*Invalid register, operand has 'VRegOrLds_32' register
class*/`, `56/*Invalid immediate*/`). The decoder reproduces both from:
  - per opcode, learned by isa/gen_tables.py: the bits LLVM requires at one value ('fixed_bits': unused fields,
    modifiers the opcode lacks, reserved bits; 'dpp_fixed' / 'sdwa_fixed' in the DPP16 / SDWA dword) and, per operand
    field, how each kind of value fares ('vals', 'vals_dpp' in the DPP forms: an index into the table's
    'valclasses', {kind: 'x' refused | 'i' an immediate where a register belongs | '/*...*/' its comment});
  - stated rules: a register tuple must exist in LLVM's register file (s[104:107] and v[255:256] do not); an SGPR
    tuple wider than any SGPR class prints its first register; the DPP control values and s_delay_alu fields LLVM
    names invalid (isa/decode.py).
"""
from __future__ import annotations

from isa.operand_text import LITERAL_RULES

# value kinds: the groups of encoding values LLVM's operand decoders treat alike (one representative is probed)
#   s SGPRs, ttmp trap temporaries, int / float inline constants, src src_shared_base..src_pops_exiting_wave_id,
#   z src_vccz/src_execz/src_scc, rsv reserved encodings, v / vh VGPRs below / from 128;
#   every other value (the specials 102..107 and 124..127, 233/234/249/250 DPP and SDWA markers, 254 lds_direct,
#   255 literal) is a kind of its own
KIND_REPS = {"s": 0, "ttmp": 108, "int": 129, "float": 242, "src": 235, "z": 251, "rsv": 209, "v": 256, "vh": 384}
SCALE = {"sbase6": 2, "srsrc5": 4}     # fields holding an SGPR number divided by the tuple alignment
SGPR_FILE, TTMP_FILE, VGPR_FILE = 106, 16, 256   # registers in LLVM's tuple lists (s0..s105 on every target)
FLOATS = ("0.5", "-0.5", "1.0", "-1.0", "2.0", "-2.0", "4.0", "-4.0", "0.15915494")   # inline values 240..248


def value_kind(v: int, vgpr_only: bool = False) -> str:
  """The kind of a scalar/source encoding value (9-bit: 256+ are VGPRs), or of a VGPR number (`vgpr_only`)."""
  if vgpr_only: return "v" if v < 128 else "vh"
  if v >= 256: return "v" if v < 384 else "vh"
  if v < 102: return "s"
  if 108 <= v <= 123: return "ttmp"
  if 128 <= v <= 208: return "int"
  if 240 <= v <= 248: return "float"
  if 235 <= v <= 239: return "src"
  if 251 <= v <= 253: return "z"
  if 209 <= v <= 232: return "rsv"
  return str(v)


def kind_reps(field_kind: str, bits: int, vgpr_only: bool) -> dict[str, int]:
  """kind -> the raw field value probed for it: the kind's representative, or its lowest value the field holds."""
  scale = SCALE.get(field_kind, 1)
  out: dict[str, int] = {}
  for raw in range(1 << bits):
    k = value_kind(raw * scale, vgpr_only)
    rep = KIND_REPS.get(k)
    if rep is not None and vgpr_only: rep -= 256
    if k not in out or raw * scale == rep: out[k] = raw
  return out


def tuple_exists(v: int, width: int, vgpr: bool) -> bool:
  """Stated rule: LLVM decodes a register tuple by its aligned start in its list of tuples, which ends with the
  register file (s105, ttmp15, v255): s[104:107] or v[255:256] do not exist and the word is refused."""
  if width <= 1: return True
  if vgpr: return v + width <= VGPR_FILE
  align = 1 if width == 1 else 2 if width == 2 else 4
  if v < 102: return v - v % align + width <= SGPR_FILE
  if 108 <= v <= 123: return (v - 108) - (v - 108) % align + width <= TTMP_FILE
  return True


def lone_register(kind: str, width: int) -> bool:
  """Stated rule: where LLVM has no tuple class of that width for the register file (ttmp 96-bit, SGPRs beyond 512
  bits), an SGPR or ttmp decoded into a wider operand prints as its first register alone (`s0`, `ttmp0`)."""
  return (kind == "s" and width > 16) or (kind == "ttmp" and (width == 3 or width > 16))


def invalid_imm(v: int, literal: int | None) -> str:
  """An inline constant or literal decoded where a register belongs, as LLVM prints it (32-bit immediate)."""
  if 128 <= v <= 192: t = str(v - 128)
  elif 193 <= v <= 208: t = str(192 - v)
  elif 240 <= v <= 248: t = FLOATS[v - 240]
  elif v == 255 and literal is not None: t = LITERAL_RULES["b32"](literal)
  else: raise ValueError(v)
  return t + "/*Invalid immediate*/"

