"""The decoded instruction: the one object every layer above the decoder works with."""
from __future__ import annotations
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Operand:
  text: str                      # as printed, e.g. "v[4:7]", "s2", "0x10", "vcc_lo"
  regs: tuple[str, ...] = ()     # canonical registers it covers, e.g. ("v4","v5","v6","v7")
  write: bool = False            # a destination


@dataclass(frozen=True)
class Instruction:
  pc: int                        # address as llvm-objdump prints it
  words: tuple[int, ...]         # the instruction's 32-bit words (literal included)
  mnemonic: str                  # e.g. "s_cbranch_scc1", "v_add_f32_e32"; ".long" when unknown
  text: str                      # full llvm-objdump instruction text
  operands: tuple[Operand, ...] = ()
  reads: tuple[str, ...] = ()    # canonical registers read, implicit ones included
  writes: tuple[str, ...] = ()   # canonical registers written, implicit ones included
  target: int | None = None      # branch target pc for direct branches
  flow: str = ""                 # "", "branch", "cbranch", "end", "indirect", "call", "trap"

  @property
  def size(self) -> int: return 4 * len(self.words)

  @property
  def hex(self) -> str: return " ".join(f"{w:08x}" for w in self.words)
