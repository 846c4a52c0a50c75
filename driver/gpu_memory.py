"""The simulated GPU's memory: allocations at virtual addresses, each its own numpy byte array, so that a CPU mapping
of one (what the fake KFD hands out for mmap) stays valid and shared while others come and go.

It offers what the simulator's memory instructions need (emu.memory.Memory's load/store: vectors of addresses,
every access checked against the allocations) and what the driver needs (alloc, free, view).
"""
from __future__ import annotations
import numpy as np
from emu import EmuError

VA_BASE = 0x7F00_0000_0000      # user virtual addresses of the simulated GPU start here (below the 48-bit limit)
GUARD = 1 << 16                # an unmapped gap after every allocation: a stray access is caught, not absorbed


class GPUMemory:
  def __init__(self):
    self.blocks: dict[int, np.ndarray] = {}
    self.names: dict[int, str] = {}
    self._next = VA_BASE
    self._index: tuple[np.ndarray, np.ndarray, list[int]] | None = None

  def alloc(self, size: int, align: int = 4096, name: str = "") -> int:
    if size <= 0: raise ValueError(f"allocation of {size} bytes")
    va = -(-self._next // align) * align
    self.blocks[va] = np.zeros(size, np.uint8)
    self.names[va] = name
    self._next = va + -(-size // 4096) * 4096 + GUARD
    self._index = None
    return va

  def free(self, va: int) -> None:
    if va not in self.blocks: raise ValueError(f"free of {va:#x}: not an allocation")
    del self.blocks[va], self.names[va]
    self._index = None

  def block_of(self, va: int) -> tuple[int, np.ndarray]:
    """(start, bytes) of the allocation holding va."""
    for start, b in self.blocks.items():
      if start <= va < start + len(b): return start, b
    raise EmuError(f"address {va:#x} is in no allocation")

  def view(self, va: int, size: int) -> np.ndarray:
    start, b = self.block_of(va)
    if va + size > start + len(b): raise EmuError(f"{size} bytes at {va:#x} run past the allocation at {start:#x}")
    return b[va - start:va - start + size]

  def write(self, va: int, data: bytes | np.ndarray) -> None:
    d = np.frombuffer(bytes(data), np.uint8) if not isinstance(data, np.ndarray) else data.reshape(-1).view(np.uint8)
    self.view(va, len(d))[:] = d

  def read(self, va: int, size: int) -> bytes: return self.view(va, size).tobytes()

  def u32(self, va: int) -> int: return int(self.view(va, 4).view("<u4")[0])
  def u64(self, va: int) -> int: return int(self.view(va, 8).view("<u8")[0])
  def set_u32(self, va: int, v: int) -> None: self.view(va, 4).view("<u4")[0] = v & 0xFFFFFFFF
  def set_u64(self, va: int, v: int) -> None: self.view(va, 8).view("<u8")[0] = v & (1 << 64) - 1

  # ---- the simulator's interface (vectors of addresses, each access inside one allocation)
  def _locate(self, addr: np.ndarray, size: int, what: str) -> tuple[np.ndarray, np.ndarray]:
    if self._index is None:
      starts = sorted(self.blocks)
      self._index = (np.array(starts, np.uint64), np.array([s + len(self.blocks[s]) for s in starts], np.uint64), starts)
    starts, ends, keys = self._index
    addr = np.asarray(addr, np.uint64)
    k = np.searchsorted(starts, addr, "right") - 1
    ok = (k >= 0) & (addr + np.uint64(size) <= ends[np.maximum(k, 0)]) if len(keys) else np.zeros(addr.shape, bool)
    if not ok.all():
      raise EmuError(f"{what}: {size}-byte access at {int(addr[~ok][0]):#x} is outside every buffer")
    return k, (addr - starts[k]).astype(np.int64)

  def load(self, addr, size: int, what: str) -> np.ndarray:
    k, off = self._locate(addr, size, what)
    out = np.empty(k.shape + (size,), np.uint8)
    keys = self._index[2]
    for a in np.unique(k):
      m = k == a
      out[m] = self.blocks[keys[a]][off[m][:, None] + np.arange(size)]
    return out

  def store(self, addr, data: np.ndarray, what: str) -> None:
    size = data.shape[-1]
    k, off = self._locate(addr, size, what)
    keys = self._index[2]
    for a in np.unique(k):            # within one allocation, later lanes win (numpy assigns in order)
      m = k == a
      self.blocks[keys[a]][off[m][:, None] + np.arange(size)] = data[m]
