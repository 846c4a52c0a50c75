"""The small interface every backend implements (driver/kfd.py on a real GPU, the simulated GPU's own one), so that
the dispatch code above it is written once: memory the GPU and the CPU both see, one PM4 compute queue, fences.

  alloc(size, kind, executable) -> Buffer      kind: "vram" (device memory) or "gtt" (host memory the GPU maps)
  free(buf)
  submit(words) -> fence                       PM4 dwords appended to the queue's ring, doorbell rung
  wait(fence, timeout_s)                       TimeoutError naming the fence, the value seen, the queue's pointers
  close()
"""
from __future__ import annotations
from dataclasses import dataclass, field
from typing import Any, Protocol
import numpy as np

KINDS = ("vram", "gtt")


class DriverError(RuntimeError):
  """A backend failed in a way its message explains (the command line prints it as one line)."""

class Unavailable(DriverError):
  """The backend cannot run here: no device, an unsupported GPU, a GPU not in a profiling power state. The message
  says what was found and what to do; a caller choosing a backend automatically falls back on this one."""


@dataclass(eq=False)
class Buffer:
  va: int                      # the GPU virtual address (what PM4 packets and kernel arguments carry)
  size: int                    # bytes asked for; the backend may reserve more (whole pages)
  view: np.ndarray             # uint8, `size` long, CPU access to the same memory (writable); empty once freed
  kind: str = "vram"
  meta: Any = field(default=None, repr=False)   # the backend's own bookkeeping (handles, mappings)


class Backend(Protocol):
  arch: str                    # "gfx1100", ...

  def alloc(self, size: int, kind: str = "vram", executable: bool = False) -> Buffer: ...
  def free(self, buf: Buffer) -> None: ...
  def submit(self, words: np.ndarray) -> int: ...
  def wait(self, fence: int, timeout_s: float = 10.0) -> None: ...
  def close(self) -> None: ...
