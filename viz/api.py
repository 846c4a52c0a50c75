"""The JSON API as plain functions: `amdviz json PATH ROUTE` prints what these return, the server serves the same."""
from __future__ import annotations
import re
from dataclasses import dataclass, field
from functools import cached_property
from isa.cfg import CFG, build_cfg, to_json as cfg_json
from isa.decode import Disassembler
from isa.elf import CodeObject, Kernel
from isa.instruction import Instruction
from viz.capture import Capture, load_capture


class ApiError(Exception):
  def __init__(self, status: int, message: str):
    super().__init__(message); self.status, self.message = status, message


@dataclass
class KernelView:
  """One kernel of a capture, its analysis computed once on first use."""
  id: int
  kernel: Kernel
  code_object: CodeObject
  program_tag: object = None
  _cache: dict = field(default_factory=dict, repr=False)

  @cached_property
  def instructions(self) -> list[Instruction]:
    k = self.kernel
    return Disassembler(self.code_object.arch).disassemble(self.code_object.code_bytes(k.code_start, k.code_end),
                                                           k.code_start)

  @cached_property
  def cfg(self) -> CFG:
    return build_cfg(self.instructions, self.kernel.entry_pc)


class Workspace:
  """A loaded capture and its kernels, in input order (their index is the stable kernel id)."""
  def __init__(self, capture: Capture):
    self.capture = capture
    self.kernels: list[KernelView] = []
    for prog in capture.programs:
      co = capture.code_object(prog)
      for k in co.kernels:
        self.kernels.append(KernelView(len(self.kernels), k, co, prog.tag))

  @classmethod
  def open(cls, path) -> "Workspace":
    return cls(load_capture(path))

  def kernel(self, kid: int) -> KernelView:
    if not 0 <= kid < len(self.kernels): raise ApiError(404, f"no kernel {kid} (this capture has {len(self.kernels)})")
    return self.kernels[kid]


def kernels_json(ws: Workspace) -> dict:
  out = []
  for kv in ws.kernels:
    d = kv.kernel.descriptor
    out.append({"id": kv.id, "name": kv.kernel.name, "arch": kv.code_object.arch, "entry_pc": kv.kernel.entry_pc,
                "n_instructions": len(kv.instructions), "vgprs": d.vgprs if d else None,
                "sgprs": d.sgprs if d else None, "lds_bytes": d.lds_bytes if d else None,
                "scratch_bytes": d.scratch_bytes if d else None})
  return {"kernels": out}


def disasm_json(kv: KernelView) -> dict:
  return {"instructions": [{"pc": i.pc, "size": i.size, "hex": i.hex, "text": i.text, "mnemonic": i.mnemonic,
                            "reads": list(i.reads), "writes": list(i.writes)} for i in kv.instructions]}


ROUTES = [
  (re.compile(r"^/api/kernels/?$"), lambda ws: kernels_json(ws)),
  (re.compile(r"^/api/kernels/(\d+)/disasm/?$"), lambda ws, k: disasm_json(ws.kernel(int(k)))),
  (re.compile(r"^/api/kernels/(\d+)/cfg/?$"), lambda ws, k: cfg_json(ws.kernel(int(k)).cfg)),
]


def route(ws: Workspace, path: str) -> dict:
  """Body of GET `path` (query string ignored by routes that take none)."""
  path = path.split("?", 1)[0]
  for pattern, fn in ROUTES:
    if m := pattern.match(path): return fn(ws, *m.groups())
  raise ApiError(404, f"no route {path}; routes: /api/kernels, /api/kernels/ID/disasm, /api/kernels/ID/cfg")
