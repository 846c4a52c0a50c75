"""How operand values print: register names, inline constants and literals, as LLVM 19 prints them."""
from __future__ import annotations

# scalar register file specials (gfx10+ numbering); 64-bit forms where one exists
SPECIAL32 = {106: "vcc_lo", 107: "vcc_hi", 124: "null", 125: "m0", 126: "exec_lo", 127: "exec_hi",
             235: "src_shared_base", 236: "src_shared_limit", 237: "src_private_base", 238: "src_private_limit",
             239: "src_pops_exiting_wave_id", 251: "src_vccz", 252: "src_execz", 253: "src_scc", 254: "src_lds_direct"}
SPECIAL64 = {106: "vcc", 124: "null", 126: "exec", 235: "src_shared_base", 236: "src_shared_limit",
             237: "src_private_base", 238: "src_private_limit", 239: "src_pops_exiting_wave_id", 251: "src_vccz",
             252: "src_execz", 253: "src_scc", 254: "src_lds_direct"}

F16 = {0x3800: "0.5", 0xB800: "-0.5", 0x3C00: "1.0", 0xBC00: "-1.0", 0x4000: "2.0", 0xC000: "-2.0", 0x4400: "4.0",
       0xC400: "-4.0", 0x3118: "0.15915494"}
BF16 = {0x3F00: "0.5", 0xBF00: "-0.5", 0x3F80: "1.0", 0xBF80: "-1.0", 0x4000: "2.0", 0xC000: "-2.0", 0x4080: "4.0",
        0xC080: "-4.0", 0x3E22: "0.15915494"}
F32 = {0x3F000000: "0.5", 0xBF000000: "-0.5", 0x3F800000: "1.0", 0xBF800000: "-1.0", 0x40000000: "2.0",
       0xC0000000: "-2.0", 0x40800000: "4.0", 0xC0800000: "-4.0", 0x3E22F983: "0.15915494"}
F64HI = {0x3FE00000: "0.5", 0xBFE00000: "-0.5", 0x3FF00000: "1.0", 0xBFF00000: "-1.0", 0x40000000: "2.0",
         0xC0000000: "-2.0", 0x40100000: "4.0", 0xC0100000: "-4.0"}  # f64 literals are the high half


def sint(v: int, bits: int) -> int: return v - (1 << bits) if v >> (bits - 1) & 1 else v
def _inl(v: int) -> bool: return -16 <= v <= 64


# How a 32-bit literal prints, per kind of operand; isa/gen_tables.py picks the kind that matches LLVM.
LITERAL_RULES = {
  "b32": lambda v: str(sint(v, 32)) if _inl(sint(v, 32)) else F32.get(v) or f"0x{v:x}",
  "i16": lambda v: str(sint(v, 32)) if _inl(sint(v, 32)) else F32.get(v) or f"0x{v & 0xffff:x}",
  "f16": lambda v: (str(sint(v & 0xFFFF, 16)) if _inl(sint(v & 0xFFFF, 16)) else F16.get(v & 0xFFFF)
                    or f"0x{v & 0xffff:x}"),
  "bf16": lambda v: (str(sint(v & 0xFFFF, 16)) if _inl(sint(v & 0xFFFF, 16)) else BF16.get(v & 0xFFFF)
                     or f"0x{v:x}"),
  "pk16": lambda v: str(sint(v, 32)) if _inl(sint(v, 32)) else F16.get(v) or f"0x{v:x}",
  "pkbf16": lambda v: str(sint(v, 32)) if _inl(sint(v, 32)) else BF16.get(v) or f"0x{v:x}",
  "hex32": lambda v: str(sint(v, 32)) if _inl(sint(v, 32)) else f"0x{v:x}",
  "hex": lambda v: f"0x{v:x}",
  "f64": lambda v: "0" if v == 0 else F64HI.get(v) or f"0x{v:x}",
  "b64": lambda v: str(v) if v <= 64 else f"0x{v:x}",
  # LLVM 22 (gfx950): a literal holding a value the operand could take as an inline constant prints as lit(0x..),
  # the whole dword in hex, so it reads back as a literal; any other prints in hex, never as a float name
  "b32:lit": lambda v: f"lit(0x{v:x})" if _inl(sint(v, 32)) or v in F32 else f"0x{v:x}",
  "hex32:lit": lambda v: f"lit(0x{v:x})" if _inl(sint(v, 32)) else f"0x{v:x}",
  "i16:lit": lambda v: f"lit(0x{v:x})" if _inl(sint(v, 32)) or v in F32 else f"0x{v & 0xffff:x}",
  "f16:lit": lambda v: f"lit(0x{v:x})" if _inl(sint(v & 0xFFFF, 16)) or v & 0xFFFF in F16 else f"0x{v & 0xffff:x}",
  "bf16:lit": lambda v: f"lit(0x{v:x})" if _inl(sint(v & 0xFFFF, 16)) or v & 0xFFFF in BF16 else f"0x{v:x}",
  "pk16:lit": lambda v: f"lit(0x{v:x})" if _inl(sint(v, 32)) or v in F16 else f"0x{v:x}",
  "pkbf16:lit": lambda v: f"lit(0x{v:x})" if _inl(sint(v, 32)) or v in BF16 else f"0x{v:x}",
  "b64:lit": lambda v: f"lit(0x{v:x})" if v <= 64 else f"0x{v:x}",
}


FIELD_STYLES = ("dec", "ihex", "hex", "shex", "sdec", "dec10")


def field_imm(style: str, v: int, width: int) -> str:
  """A `width`-bit field printed as a number: decimal, hex, decimal up to 64 else hex, signed hex / decimal."""
  if style == "dec": return str(v)
  if style == "ihex": return str(v) if v <= 64 else f"0x{v:x}"
  if style == "hex": return f"0x{v:x}"
  if style == "dec10": return str(v) if v <= 10 else f"0x{v:x}"    # (LLVM 22's bitop3:N)
  sv = sint(v, width)
  return (f"-0x{-sv:x}" if sv < 0 else f"0x{sv:x}") if style == "shex" else str(sv)


class ScalarNames:
  """Names of the scalar register file for one ISA family (specials differ: gfx9 has m0 at 124, gfx10+ null)."""
  def __init__(self, nsgpr: int = 106, special32: dict | None = None, special64: dict | None = None):
    self.nsgpr = nsgpr
    self.special32 = special32 if special32 is not None else SPECIAL32
    self.special64 = special64 if special64 is not None else SPECIAL64

  def sreg(self, v: int, n: int) -> tuple[str, tuple[str, ...]]:
    """Scalar register operand `v` (encoding value) `n` dwords wide: (text, registers covered)."""
    if v < self.nsgpr:
      if n == 1: return f"s{v}", (f"s{v}",)
      lo = v - v % (2 if n < 3 else 4)          # LLVM shows misaligned tuples at their aligned base (3: by 4)
      return f"s[{lo}:{lo + n - 1}]", tuple(f"s{i}" for i in range(lo, lo + n))
    if 108 <= v <= 123:
      t = v - 108
      if n == 1: return f"ttmp{t}", (f"ttmp{t}",)
      lo = t - t % (2 if n < 3 else 4)
      return f"ttmp[{lo}:{lo + n - 1}]", tuple(f"ttmp{i}" for i in range(lo, lo + n))
    if n > 1 and v & 1 and v not in self.special64 and self.special32.get(v, "").endswith("_hi"):
      v -= 1                                  # the high half of vcc/exec/...: LLVM names the aligned pair
    name = (self.special32 if n == 1 else self.special64).get(v) or self.special32.get(v, f"s{v}")
    if name == "null" or name.startswith("src_") and name not in ("src_vccz", "src_execz", "src_scc"):
      return name, ()
    pair = {"vcc": ("vcc_lo", "vcc_hi"), "exec": ("exec_lo", "exec_hi"), "flat_scratch": ("flat_scratch_lo",
            "flat_scratch_hi"), "xnack_mask": ("xnack_mask_lo", "xnack_mask_hi"), "src_vccz": ("vcc_lo",),
            "src_execz": ("exec_lo",), "src_scc": ("scc",)}
    return name, pair.get(name, (name,))


def vreg(v: int, n: int, prefix: str = "v") -> tuple[str, tuple[str, ...]]:
  if n == 1: return f"{prefix}{v}", (f"{prefix}{v}",)
  return f"{prefix}[{v}:{v + n - 1}]", tuple(f"{prefix}{i}" for i in range(v, v + n))
