"""Capture loading without tinygrad and without running anything from the file.

Three inputs are accepted: a tinygrad profile pickle (a list of `tinygrad.*` event objects, `VIZ=-2`),
this project's own capture format (a `CaptureFile` pickled from this module) and a bare ELF code object.

Pickles go through `SafeUnpickler`, whose `find_class` answers only from an allow-list:
this module's own record types, `decimal.Decimal` and a few pure-data builtins, and known tinygrad
class names, each of which becomes an `Inert` placeholder that only stores what the pickle hands it
(constructor args, state) and never calls anything. Everything else is refused with CaptureError.
The three events that matter are then read BY FIELD NAME from their placeholders, so tinygrad's
changing class signatures do not matter.
"""
from __future__ import annotations
import decimal, io, pickle, re
from dataclasses import dataclass, field, fields, MISSING
from pathlib import Path
from isa.elf import CodeObject, CodeObjectError, arch_from_gfx_target_version, load_code_object

FORMAT_VERSION = 1

class CaptureError(ValueError):
  """The capture cannot be loaded; the message is one line naming why."""

class _ByName:
  """Unpickled state is taken field by field: unknown names are dropped, missing ones get their default."""
  def __setstate__(self, state):
    given = _state_dict(state)
    for f in fields(self):  # type: ignore[arg-type]
      if f.name in given: value = given[f.name]
      elif f.default is not MISSING: value = f.default
      elif f.default_factory is not MISSING: value = f.default_factory()
      else: value = None
      object.__setattr__(self, f.name, value)

def _state_dict(state) -> dict:
  """BUILD state is a dict, or a (dict, slots dict) pair for classes with __slots__; anything else carries no fields."""
  parts = state if isinstance(state, tuple) and len(state) == 2 else (state,)
  return {k: v for part in parts if isinstance(part, dict) for k, v in part.items()}

@dataclass
class Device(_ByName):
  name: str
  arch: str = ""               # "gfx1100"...; "" for devices without gfx_target_version (CPU, copy engines)
  props: dict = field(default_factory=dict)

@dataclass
class Program(_ByName):
  device: str
  name: str
  lib: bytes                   # the ELF code object
  base: int = 0                # load address on the device
  tag: int | None = None       # what TraceBuffer.kern_tag refers to

@dataclass
class TraceBuffer(_ByName):
  device: str
  kern_tag: int | None         # Program.tag of the kernel being traced
  se: int                      # shader engine
  blob: bytes                  # raw SQTT bytes
  itrace: bool = True          # instruction tracing was on for this SE
  exec_tag: int | None = None  # which dispatch of that kernel

@dataclass
class CaptureFile(_ByName):
  """This project's own on-disk format: pickled by reference to `viz.capture`, loadable by the same safe loader.
  A dispatch is the set of traces sharing (device, kern_tag, exec_tag), one per shader engine."""
  version: int = FORMAT_VERSION
  devices: list[Device] = field(default_factory=list)
  programs: list[Program] = field(default_factory=list)
  traces: list[TraceBuffer] = field(default_factory=list)
  meta: dict = field(default_factory=dict)   # free-form notes: where it came from, tool versions...

@dataclass
class Capture:
  path: str
  devices: list[Device]
  programs: list[Program]
  traces: list[TraceBuffer]
  source_format: str           # "tinygrad", "amdviz" or "elf"
  meta: dict = field(default_factory=dict)

  def device(self, name: str) -> Device | None: return next((d for d in self.devices if d.name == name), None)

  def program(self, tag, device: str | None = None) -> Program | None:
    return next((p for p in self.programs if p.tag == tag and device in (None, p.device)), None)

  def dispatches(self) -> dict[tuple, list[TraceBuffer]]:
    """(device, kern_tag, exec_tag) -> that dispatch's per-SE traces, in capture order."""
    out: dict[tuple, list[TraceBuffer]] = {}
    for t in self.traces: out.setdefault((t.device, t.kern_tag, t.exec_tag), []).append(t)
    return out

  def code_object(self, program: Program) -> CodeObject:
    dev = self.device(program.device)
    return load_code_object(program.lib, arch=(dev.arch if dev else "") or None, name=program.name)

# ---------------------------------------------------------------------------------------------------
# the restricted unpickler

class Inert:
  """Stand-in for a tinygrad class we do not need. Keeps the arguments and state the pickle supplies;
  defines no behaviour that could call into anything the pickle provides."""
  origin = ""
  def __new__(cls, *args, **kwargs):
    obj = object.__new__(cls)
    object.__setattr__(obj, "_args", args); object.__setattr__(obj, "_kwargs", kwargs); object.__setattr__(obj, "_state", None)
    return obj
  def __init__(self, *args, **kwargs): pass
  def __setstate__(self, state): object.__setattr__(self, "_state", state)
  def fields(self) -> dict: return {**self._kwargs, **_state_dict(self._state)}
  def __repr__(self) -> str: return f"<inert {self.origin}>"

# tinygrad classes that may appear in a profile pickle; all become Inert, read by name afterwards
TINYGRAD_CLASSES = frozenset({
  "ProfileDeviceEvent", "ProfileProgramEvent", "ProfileSQTTEvent", "ProfilePMCEvent", "PMCSample", "ProfileRangeEvent",
  "ProfilePointEvent", "ProfileGraphEvent", "ProfileGraphEntry", "ProfileEvent", "TracingKey", "KernelInfo", "Estimates",
  "UOp", "Ops", "AxisType", "DType", "PtrDType", "ImageDType", "AddrSpace", "BufferSpec"})
# instruction encodings (tinygrad.runtime.autogen.amd.<isa>.ins.SOP1, VOP3_SDST...) kept in KernelInfo/UOp args
INSTRUCTION_MODULE = re.compile(r"tinygrad\.runtime\.autogen\.amd\.\w+\.ins")
INSTRUCTION_CLASS = re.compile(r"[A-Z][A-Z0-9_]*")
SAFE_GLOBALS = {("decimal", "Decimal"): decimal.Decimal, ("builtins", "set"): set, ("builtins", "frozenset"): frozenset,
                ("builtins", "complex"): complex, ("builtins", "slice"): slice}
OWN_CLASSES = {(__name__, c.__name__): c for c in (CaptureFile, Device, Program, TraceBuffer)}
_inert_types: dict[tuple[str, str], type] = {}

def _is_tinygrad_class(module: str, name: str) -> bool:
  if not module.startswith("tinygrad."): return False
  return name in TINYGRAD_CLASSES or bool(INSTRUCTION_MODULE.fullmatch(module) and INSTRUCTION_CLASS.fullmatch(name))

class SafeUnpickler(pickle.Unpickler):
  def find_class(self, module: str, name: str):
    if (module, name) in OWN_CLASSES: return OWN_CLASSES[module, name]
    if (module, name) in SAFE_GLOBALS: return SAFE_GLOBALS[module, name]
    if _is_tinygrad_class(module, name):
      if (cls := _inert_types.get((module, name))) is None:
        cls = type(name, (Inert,), {"__module__": f"{__name__}.inert", "origin": f"{module}.{name}"})
        if len(_inert_types) < 1024: _inert_types[module, name] = cls   # bounded: module names come from the file
      return cls
    raise CaptureError(f"refusing to load {module}.{name}: not an allowed capture type")
  def persistent_load(self, pid): raise CaptureError("refusing to load a persistent id: not an allowed capture type")

def _one_line(e: BaseException) -> str:
  s = " ".join(str(e).split())
  return f"{type(e).__name__}: {s}" if s else type(e).__name__

def safe_loads(data: bytes):
  """Unpickle with the allow-list; any failure is a one-line CaptureError."""
  try: return SafeUnpickler(io.BytesIO(data)).load()
  except CaptureError: raise
  except EOFError: raise CaptureError("truncated pickle: data ends early") from None
  except pickle.UnpicklingError as e:
    if "truncated" in str(e): raise CaptureError("truncated pickle: data ends early") from None
    raise CaptureError(f"not a valid capture pickle: {_one_line(e)}") from None
  except RecursionError: raise CaptureError("not a valid capture pickle: nested too deeply") from None
  except Exception as e: raise CaptureError(f"not a valid capture pickle: {_one_line(e)}") from None

# ---------------------------------------------------------------------------------------------------

def _arch_of(props) -> str:
  v = props.get("gfx_target_version") if isinstance(props, dict) else None
  return arch_from_gfx_target_version(v) if isinstance(v, int) and v > 0 else ""

def _from_tinygrad(events: list, path: str) -> Capture:
  devices: dict[str, Device] = {}
  programs, traces = [], []
  for ev in events:
    if not isinstance(ev, Inert): continue
    kind, f = type(ev).__name__, ev.fields()
    if kind == "ProfileDeviceEvent":
      props = f.get("props") if isinstance(f.get("props"), dict) else {}
      if f.get("device") not in devices or props: devices[f.get("device")] = Device(f.get("device"), _arch_of(props), props)
    elif kind == "ProfileProgramEvent":
      programs.append(Program(f.get("device"), f.get("name"), f.get("lib") or b"", f.get("base") or 0, f.get("tag")))
    elif kind == "ProfileSQTTEvent":
      traces.append(TraceBuffer(f.get("device"), f.get("kern"), f.get("se"), f.get("blob") or b"", bool(f.get("itrace", True)), f.get("exec_tag")))
  return _checked(Capture(path, list(devices.values()), programs, traces, "tinygrad"))

def _checked(c: Capture) -> Capture:
  """Field types are whatever the pickle said; make sure they are what the rest of the project expects."""
  def need(ok: bool, what: str, i: int):
    if not ok: raise CaptureError(f"bad capture: {what} #{i} has missing or mistyped fields")
  for i, d in enumerate(c.devices):
    need(isinstance(d, Device) and isinstance(d.name, str) and isinstance(d.arch, str) and isinstance(d.props, dict), "device", i)
  for i, p in enumerate(c.programs):
    need(isinstance(p, Program) and isinstance(p.device, str) and isinstance(p.name, str), "program", i)
    if isinstance(p.lib, bytearray): p.lib = bytes(p.lib)
    need(isinstance(p.lib, bytes) and isinstance(p.base, int), "program", i)
  for i, t in enumerate(c.traces):
    need(isinstance(t, TraceBuffer) and isinstance(t.device, str) and isinstance(t.se, int), "trace buffer", i)
    if isinstance(t.blob, bytearray): t.blob = bytes(t.blob)
    need(isinstance(t.blob, bytes), "trace buffer", i)
  return c

def _from_elf(data: bytes, path: str, arch: str | None) -> Capture:
  try: co = load_code_object(data, arch, name=Path(path).stem if not path.startswith("<") else None)
  except CodeObjectError as e: raise CaptureError(f"bad code object: {e}") from None
  dev = Device("elf", co.arch, {})
  name = co.kernels[0].name if co.kernels else Path(path).stem
  return Capture(path, [dev], [Program(dev.name, name, data, 0, 0)], [], "elf")

def load_capture(source: str | Path | bytes | bytearray | memoryview, arch: str | None = None) -> Capture:
  """Load a tinygrad profile pickle, an amdviz CaptureFile or a bare ELF code object (`arch` names the
  target of an ELF whose e_flags has none)."""
  if isinstance(source, (bytes, bytearray, memoryview)): data, path = bytes(source), "<bytes>"
  else:
    path = str(source)
    try: data = Path(source).read_bytes()
    except FileNotFoundError: raise CaptureError(f"capture not found: {path}") from None
    except OSError as e: raise CaptureError(f"cannot read capture {path}: {e.strerror or _one_line(e)}") from None
  if not data: raise CaptureError(f"empty capture: {path}")
  if data[:4] == b"\x7fELF": return _from_elf(data, path, arch)
  obj = safe_loads(data)
  try: return _capture_from(obj, path)
  except CaptureError: raise
  except Exception as e: raise CaptureError(f"bad capture: {_one_line(e)}") from None   # hostile field values

def _capture_from(obj, path: str) -> Capture:
  if isinstance(obj, CaptureFile):
    if not isinstance(obj.version, int) or obj.version > FORMAT_VERSION:
      raise CaptureError(f"capture format version {obj.version!r} is not supported (this reader knows up to {FORMAT_VERSION})")
    if not all(isinstance(x, list) for x in (obj.devices, obj.programs, obj.traces)): raise CaptureError("bad capture: lists expected")
    return _checked(Capture(path, obj.devices, obj.programs, obj.traces, "amdviz", obj.meta if isinstance(obj.meta, dict) else {}))
  if isinstance(obj, (list, tuple)): return _from_tinygrad(list(obj), path)
  raise CaptureError(f"not a capture: the pickle holds a {type(obj).__name__}, expected a list of profile events or a CaptureFile")

def save_capture(capture: Capture | CaptureFile, path: str | Path) -> None:
  """Write `capture` in this project's own format (CaptureFile, version FORMAT_VERSION)."""
  if isinstance(capture, Capture): capture = CaptureFile(FORMAT_VERSION, capture.devices, capture.programs, capture.traces, dict(capture.meta))
  Path(path).write_bytes(pickle.dumps(capture, protocol=4))
