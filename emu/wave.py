"""Register state of every wave of a dispatch, and a group of waves at the same pc that run one instruction together.

SGPRs are `S[wave, reg]` (uint32; vcc 106-107, null 124, m0 125, exec 126-127 in the same file, as the encoding
numbers them), VGPRs `V[reg, wave, lane]`. A `Group` holds the index of its waves (a slice when they are
contiguous, so reads and writes are views) and their exec lanes; operands come back as arrays that broadcast
over (waves, lanes): (g, L) for VGPRs, (g, 1) for scalars, a numpy scalar for constants.
"""
from __future__ import annotations
import numpy as np
from emu.program import Src

VCC, NULL, M0, EXEC = 106, 124, 125, 126
SRC_VCCZ, SRC_EXECZ, SRC_SCC = 251, 252, 253
# flat addresses whose high word is one of these go to LDS / scratch (the apertures the driver programs; values
# chosen here, read by src_shared_base / src_private_base and their limits)
SHARED_HI, PRIVATE_HI = 0x10000, 0x20000
APERTURES = {235: SHARED_HI, 236: SHARED_HI, 237: PRIVATE_HI, 238: PRIVATE_HI}   # src_shared/private_base/limit (high word)

F32_CONST = [0x3F000000, 0xBF000000, 0x3F800000, 0xBF800000, 0x40000000, 0xC0000000, 0x40800000, 0xC0800000, 0x3E22F983]
F64_CONST = [0x3FE00000, 0xBFE00000, 0x3FF00000, 0xBFF00000, 0x40000000, 0xC0000000, 0x40100000, 0xC0100000]
F64_INV2PI = 0x3FC45F306DC9C882
F16_CONST = [0x3800, 0xB800, 0x3C00, 0xBC00, 0x4000, 0xC000, 0x4400, 0xC400, 0x3118]
BF16_CONST = [0x3F00, 0xBF00, 0x3F80, 0xBF80, 0x4000, 0xC000, 0x4080, 0xC080, 0x3E22]
WIDE = ("b64", "f64")
HALF = ("f16", "i16", "pk16", "bf16", "pkbf16")


def constant(val: int, width: int, rule: str, literal: int | None) -> int:
  """The bits an inline constant or literal stands for, as the operand's type reads it."""
  w64 = width == 2
  if val == 255:
    if literal is None: raise ValueError("literal operand without a literal")
    return literal << 32 if rule == "f64" else literal
  if 128 <= val <= 208:
    n = val - 128 if val <= 192 else 192 - val
    mask = (1 << 64) - 1 if w64 else (0xFFFF if rule in HALF and rule[:2] != "pk" else 0xFFFFFFFF)
    return n & mask
  k = val - 240
  if w64: return F64_INV2PI if k == 8 else F64_CONST[k] << 32
  if rule in ("f16", "i16"): return F16_CONST[k]
  if rule == "pk16": return F16_CONST[k]
  if rule in ("bf16", "pkbf16"): return BF16_CONST[k]
  return F32_CONST[k]


class Waves:
  def __init__(self, n: int, lanes: int, vgprs: int):
    self.n, self.lanes = n, lanes
    self.S = np.zeros((n, 128), np.uint32)
    self.V = np.zeros((max(vgprs, 1), n, lanes), np.uint32)
    self.scc = np.zeros(n, bool)
    self.pc = np.zeros(n, np.int64)
    # MODE (hwreg 1): FP_ROUND [3:0] (f32 [1:0], f16/f64 [3:2]: 0 nearest even, 1 +inf, 2 -inf, 3 toward 0),
    # FP_DENORM [7:4] (f32 [5:4], f16/f64 [7:6]: 3 keeps denormals), DX10_CLAMP 8, IEEE 9
    self.mode = np.full(n, 0xF0, np.uint32)

  def exec_lanes(self, idx) -> np.ndarray:
    return self.mask_lanes(self.S[idx, EXEC:EXEC + self.lanes // 32])

  def mask_lanes(self, words: np.ndarray) -> np.ndarray:
    """(g, 1 or 2) uint32 mask words -> (g, lanes) bool."""
    w = np.ascontiguousarray(words, dtype="<u4")
    return np.unpackbits(w.view(np.uint8), axis=1, bitorder="little")[:, :self.lanes].astype(bool)

  def lanes_mask(self, b: np.ndarray) -> np.ndarray:
    """(g, lanes) bool -> (g, lanes // 32) uint32 mask words."""
    return np.packbits(b, axis=1, bitorder="little").view("<u4")


class Group:
  """The waves `idx` of `w`, about to run one instruction."""
  def __init__(self, w: Waves, idx, literal: int | None = None):
    self.w, self.idx, self.literal = w, idx, literal
    self.exec = w.exec_lanes(idx)
    self.g = self.exec.shape[0]

  # ---- reads
  def sgpr(self, reg: int, width: int = 1) -> np.ndarray:
    """(g,) uint32, or uint64 for a pair; specials (null, vccz, execz, scc, apertures) included."""
    S = self.w.S
    if reg == NULL: return np.zeros(self.g, np.uint64 if width == 2 else np.uint32)
    if reg == SRC_SCC: return self.w.scc[self.idx].astype(np.uint32)
    if reg == SRC_VCCZ: return (self.mask_word(VCC) == 0).astype(np.uint32)
    if reg == SRC_EXECZ: return (self.mask_word(EXEC) == 0).astype(np.uint32)
    if reg in APERTURES: return np.full(self.g, APERTURES[reg], np.uint32) if width == 1 else \
      np.full(self.g, APERTURES[reg] << 32, np.uint64)
    if width == 1: return S[self.idx, reg]
    return S[self.idx, reg].astype(np.uint64) | S[self.idx, reg + 1].astype(np.uint64) << np.uint64(32)

  def mask_word(self, reg: int) -> np.ndarray:
    """The wave-size mask at `reg` (vcc, exec, an SGPR) as one uint64 per wave."""
    return self.sgpr(reg, self.w.lanes // 32).astype(np.uint64)

  def vgpr(self, reg: int, width: int = 1) -> np.ndarray:
    V = self.w.V
    if reg + width > V.shape[0]: raise IndexError(f"v{reg + width - 1} is past the kernel's {V.shape[0]} VGPRs")
    if width == 1: return V[reg, self.idx]
    return V[reg, self.idx].astype(np.uint64) | V[reg + 1, self.idx].astype(np.uint64) << np.uint64(32)

  def read(self, s: Src, scalar: bool = False):
    """A source operand's raw bits: (g, L) VGPR, (g, 1) scalar ((g,) with scalar=True), or a numpy scalar."""
    if s.val >= 256:
      if scalar: raise ValueError("a VGPR where a scalar operand is required")
      return self.vgpr(s.val - 256, s.width)
    if s.val == 255 or 128 <= s.val <= 208 or 240 <= s.val <= 248:
      c = constant(s.val, s.width, s.rule, self.literal)
      return np.uint64(c) if s.width == 2 else np.uint32(c & 0xFFFFFFFF)
    v = self.sgpr(s.val, s.width)
    return v if scalar else v[:, None]

  def read_mask(self, reg: int) -> np.ndarray:
    """A lane mask (vcc, an SGPR or pair) as (g, L) bool."""
    words = self.w.S[self.idx, reg:reg + self.w.lanes // 32] if reg != NULL else np.zeros((self.g, self.w.lanes // 32), np.uint32)
    return self.w.mask_lanes(words)

  # ---- writes
  def write_vgpr(self, reg: int, val, width: int = 1, mask: np.ndarray | None = None):
    V = self.w.V
    if reg + width > V.shape[0]: raise IndexError(f"v{reg + width - 1} is past the kernel's {V.shape[0]} VGPRs")
    m = self.exec if mask is None else mask
    val = np.broadcast_to(val, m.shape)
    if width == 1:
      V[reg, self.idx] = np.where(m, val.astype(np.uint32, copy=False), V[reg, self.idx]); return
    val = val.astype(np.uint64, copy=False)
    V[reg, self.idx] = np.where(m, (val & np.uint64(0xFFFFFFFF)).astype(np.uint32), V[reg, self.idx])
    V[reg + 1, self.idx] = np.where(m, (val >> np.uint64(32)).astype(np.uint32), V[reg + 1, self.idx])

  def write_sgpr(self, reg: int, val, width: int = 1):
    if reg == NULL: return
    if reg + width > 128: raise IndexError(f"s{reg} is past the scalar registers")
    val = np.broadcast_to(val, (self.g,))
    if width == 1: self.w.S[self.idx, reg] = val.astype(np.uint32, copy=False); return
    val = val.astype(np.uint64, copy=False)
    self.w.S[self.idx, reg] = (val & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    self.w.S[self.idx, reg + 1] = (val >> np.uint64(32)).astype(np.uint32)

  def write_mask(self, reg: int, lanes: np.ndarray):
    """A per-lane bool result into a wave-size mask register (inactive lanes read 0, as VOPC writes them)."""
    if reg == NULL: return
    words = self.w.lanes_mask(lanes & self.exec)
    self.w.S[self.idx, reg:reg + words.shape[1]] = words

  def set_scc(self, v): self.w.scc[self.idx] = np.broadcast_to(v, (self.g,))

  @property
  def scc(self) -> np.ndarray: return self.w.scc[self.idx]
