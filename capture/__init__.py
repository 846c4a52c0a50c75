"""The capture format and its loading, without tinygrad and without running anything from the file. It lives
below viz/ so that whatever makes captures (the simulator, the driver) writes them without the server.

Three inputs are accepted: a tinygrad profile pickle (a list of `tinygrad.*` event objects, `VIZ=-1`),
this project's own capture format (a `CaptureFile` pickled from this module) and a bare ELF code object.

Pickles go through capture/safe_pickle.py: a scan of the opcode stream that refuses what could cost far more memory
than the file backs, then an unpickler whose `find_class` answers only from `allowed_class`:
this module's own record types, `decimal.Decimal` and a few pure-data builtins, and known tinygrad
class names, each of which becomes an `Inert` placeholder that only stores what the pickle hands it
(constructor args, state) and never calls anything. Everything else is refused with CaptureError.
The three events that matter are then read BY FIELD NAME from their placeholders, so tinygrad's
changing class signatures do not matter.
"""
from __future__ import annotations
import decimal, mmap, os, pickle, re, reprlib, stat
from dataclasses import dataclass, field, fields, replace, MISSING
from pathlib import Path
from isa.elf import MAX_ADDRESS, CodeObject, CodeObjectError, arch_from_gfx_target_version, load_code_object
import blake3
from capture import safe_pickle

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

class FileBytes:
  """A byte string left in the capture file it was loaded from (a trace buffer of at least safe_pickle.LAZY_BYTES):
  its size is known at load, its bytes are read when it is analysed, so a big capture is held once (the file
  cache) rather than twice. Reading checks that the file is still the one loaded (device, inode, size and
  modification time): a capture rewritten since is an error, not a mix of two captures."""
  __slots__ = ("path", "offset", "size", "identity")

  def __init__(self, path: str, offset: int, size: int, identity: tuple):
    self.path, self.offset, self.size, self.identity = path, offset, size, identity

  def __len__(self) -> int: return self.size
  def __repr__(self) -> str: return f"<{self.size} bytes at {self.offset} of {self.path}>"

  def read(self) -> bytearray:
    """All its bytes."""
    out = bytearray(self.size)
    self.readinto(out, 0)
    return out

  def readinto(self, buf, start: int = 0) -> int:
    """Its bytes [start, start + len(buf)) into `buf` (a writable buffer, not past its end); returns how many.
    CaptureError if the file is not the one loaded, or cannot be read."""
    view = memoryview(buf).cast("B")
    want, done = min(len(view), self.size - start), 0
    try:
      with open(self.path, "rb", buffering=0) as f:
        if file_identity(os.fstat(f.fileno())) != self.identity:
          raise CaptureError(f"{self.path} changed on disk since it was loaded: load it again")
        f.seek(self.offset + start)
        while done < want and (n := f.readinto(view[done:want])): done += n
    except OSError as e: raise CaptureError(f"cannot read capture {self.path}: {e.strerror or _one_line(e)}") from None
    finally: view.release()
    if done < want: raise CaptureError(f"{self.path} ends early: it changed on disk since it was loaded")
    return done

def file_identity(st: os.stat_result) -> tuple: return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)

@dataclass
class TraceBuffer(_ByName):
  device: str
  kern_tag: int | None         # Program.tag of the kernel being traced
  se: int                      # shader engine
  blob: bytes                  # raw SQTT bytes (a FileBytes when loaded from a file and big: see data())
  itrace: bool = True          # instruction tracing was on for this SE
  exec_tag: int | None = None  # which dispatch of that kernel

  def data(self) -> bytes | bytearray:
    """The raw SQTT bytes, read from the capture file if they were left there (CaptureError if it changed)."""
    return self.blob.read() if isinstance(self.blob, FileBytes) else self.blob

@dataclass
class CaptureFile(_ByName):
  """This project's own on-disk format: pickled by reference to this module (`capture`; files written before it
  moved name `viz.capture`, which loads the same), read by the same safe loader.
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
  key: str = ""                # content hash of the input (blake3 hex): names its cached analysis

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
OWN_CLASSES = {(module, c.__name__): c for c in (CaptureFile, Device, Program, TraceBuffer) for module in (__name__, "viz.capture")}
_inert_types: dict[tuple[str, str], type] = {}

def _is_tinygrad_class(module: str, name: str) -> bool:
  if not module.startswith("tinygrad."): return False
  return name in TINYGRAD_CLASSES or bool(INSTRUCTION_MODULE.fullmatch(module) and INSTRUCTION_CLASS.fullmatch(name))

def allowed_class(module: str, name: str):
  """What a capture pickle may name: our records, a few pure-data builtins, tinygrad names as inert placeholders."""
  if (module, name) in OWN_CLASSES: return OWN_CLASSES[module, name]
  if (module, name) in SAFE_GLOBALS: return SAFE_GLOBALS[module, name]
  if _is_tinygrad_class(module, name):
    if (cls := _inert_types.get((module, name))) is None:
      cls = type(name, (Inert,), {"__module__": f"{__name__}.inert", "origin": f"{module}.{name}"})
      if len(_inert_types) < 1024: _inert_types[module, name] = cls   # bounded: module names come from the file
    return cls
  return None

def _unsafe(e: safe_pickle.UnsafePickle) -> CaptureError:
  why = str(e)
  return CaptureError(why if why.startswith(("refusing", "truncated")) else f"not a valid capture pickle: {why}")

def safe_loads(data: bytes):
  """Unpickle a capture with capture.safe_pickle's checks and this module's allow-list; failures are one-line
  CaptureErrors."""
  try: return safe_pickle.safe_loads(data, allowed_class)
  except safe_pickle.UnsafePickle as e: raise _unsafe(e) from None

def content_key(data) -> str:
  """The content hash captures are known by (blake3: a gigabyte in about a tenth of a second)."""
  return blake3.blake3(data, max_threads=blake3.blake3.AUTO).hexdigest()

HASH_CHUNK = 64 << 20

def _file_key(f) -> str:
  """content_key of an open file, read in chunks into one buffer (a mapped file would count its every page in
  this process's resident memory)."""
  size = f.seek(0, 2)
  # (a buffer no bigger than the file: zero-filling 64 MB would cost a small capture 40 ms)
  h, buf = blake3.blake3(max_threads=blake3.blake3.AUTO), bytearray(max(1, min(HASH_CHUNK, size)))
  view = memoryview(buf)
  f.seek(0)
  while n := f.readinto(buf): h.update(view[:n])
  return h.hexdigest()

def _one_line(e: BaseException) -> str:
  s = " ".join(str(e).split())
  return f"{type(e).__name__}: {s}" if s else type(e).__name__

# ---------------------------------------------------------------------------------------------------

def _arch_of(props: dict) -> str:
  v = props.get("gfx_target_version")
  return arch_from_gfx_target_version(v) if isinstance(v, int) and v > 0 else ""

# What a capture's fields may hold. Checked once, at load, so nothing later meets a field it cannot use
# (a Decimal tag, a recursive list, an address past 64 bits); the error names the record and the field.
MAX_RECORDS = 1 << 16          # devices, programs or trace buffers in one capture
MAX_NAME = 4096                # characters of a device or kernel name
MAX_SE = 256                   # shader engines (x XCDs) a trace buffer's index may name
SCALARS = (str, int, float, bool, type(None))

def _show(v) -> str:
  text = reprlib.Repr(); text.maxstring = text.maxother = 40
  return f"{type(v).__name__} {text.repr(v)}" if isinstance(v, (*SCALARS, decimal.Decimal)) else type(v).__name__

class _Fields:
  """Field checks for record #i of a kind ("trace buffer #3"), each failing with a CaptureError naming the field."""
  def __init__(self, what: str, i: int): self.where = f"{what} #{i}"

  def bad(self, name: str, expected: str, v) -> CaptureError:
    return CaptureError(f"bad capture: {self.where} field {name}: expected {expected}, got {_show(v)}")

  def text(self, name: str, v) -> str:
    if not isinstance(v, str) or len(v) > MAX_NAME: raise self.bad(name, f"a string of at most {MAX_NAME} characters", v)
    return v

  def integer(self, name: str, v, lo: int, hi: int, optional: bool = False) -> int | None:
    if v is None and optional: return None
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v < hi:
      raise self.bad(name, f"an integer in [{lo}, {hi:#x}){' or None' * optional}", v)
    return int(v)

  def tag(self, name: str, v) -> int | None: return self.integer(name, v, -(1 << 63), 1 << 63, optional=True)

  def flag(self, name: str, v) -> bool:
    if not isinstance(v, int) or v not in (0, 1): raise self.bad(name, "a bool", v)
    return bool(v)

  def data(self, name: str, v, lazy: bool = False) -> bytes:
    """Bytes; a FileBytes is kept as it is when `lazy` (trace buffers), read otherwise."""
    if isinstance(v, FileBytes): return v if lazy else bytes(v.read())
    if isinstance(v, bytearray): return bytes(v)
    if not isinstance(v, bytes): raise self.bad(name, "bytes", v)
    return v

  def scalars(self, name: str, v) -> dict:
    """A dict of str -> str/int/float/bool/None (device properties, notes); other entries are dropped."""
    if not isinstance(v, dict): raise self.bad(name, "a dict", v)
    return {k: x for k, x in v.items() if isinstance(k, str) and _is_scalar(x)}

def _is_scalar(x) -> bool:
  return -(1 << 63) <= x < 1 << 64 if isinstance(x, int) and not isinstance(x, bool) else isinstance(x, SCALARS)

def _device(i: int, name, props) -> Device:
  f = _Fields("device", i)
  props = f.scalars("props", {} if props is None else props)
  return Device(f.text("device", name), _arch_of(props), props)

def _program(i: int, device, name, lib, base, tag) -> Program:
  f = _Fields("program", i)
  return Program(f.text("device", device), f.text("name", name), f.data("lib", b"" if lib is None else lib),
                 f.integer("base", 0 if base is None else base, 0, MAX_ADDRESS), f.tag("tag", tag))

def _trace(i: int, device, kern_tag, se, blob, itrace, exec_tag) -> TraceBuffer:
  f = _Fields("trace buffer", i)
  return TraceBuffer(f.text("device", device), f.tag("kern_tag", kern_tag), f.integer("se", se, 0, MAX_SE),
                     f.data("blob", b"" if blob is None else blob, lazy=True), f.flag("itrace", True if itrace is None else itrace),
                     f.tag("exec_tag", exec_tag))

def _from_tinygrad(events: list, path: str) -> Capture:
  """tinygrad's events, read by field name: ProfileDeviceEvent, ProfileProgramEvent, ProfileSQTTEvent."""
  devices: dict[str, Device] = {}
  programs, traces = [], []
  for ev in events:
    if not isinstance(ev, Inert): continue
    kind, f = type(ev).__name__, ev.fields()
    if kind == "ProfileDeviceEvent":
      d = _device(len(devices), f.get("device"), f.get("props"))
      if d.name not in devices or d.props: devices[d.name] = d
    elif kind == "ProfileProgramEvent":
      programs.append(_program(len(programs), f.get("device"), f.get("name"), f.get("lib"), f.get("base"), f.get("tag")))
    elif kind == "ProfileSQTTEvent":
      traces.append(_trace(len(traces), f.get("device"), f.get("kern"), f.get("se"), f.get("blob"), f.get("itrace"),
                           f.get("exec_tag")))
    if len(programs) > MAX_RECORDS or len(traces) > MAX_RECORDS:
      raise CaptureError(f"bad capture: more than {MAX_RECORDS} programs or trace buffers")
  return Capture(path, list(devices.values()), programs, traces, "tinygrad")

def _from_own(obj: "CaptureFile", path: str) -> Capture:
  if not isinstance(obj.version, int) or isinstance(obj.version, bool) or not 1 <= obj.version <= FORMAT_VERSION:
    raise CaptureError(f"capture format version {_show(obj.version)} is not supported (this reader knows 1 to {FORMAT_VERSION})")
  for name in ("devices", "programs", "traces"):
    v = getattr(obj, name)
    if not isinstance(v, list) or len(v) > MAX_RECORDS:
      raise CaptureError(f"bad capture: field {name}: expected a list of at most {MAX_RECORDS} records, got {_show(v)}")
  def records(items: list, cls: type, what: str) -> list:
    for i, x in enumerate(items):
      if type(x) is not cls: raise CaptureError(f"bad capture: {what} #{i}: expected a {cls.__name__}, got {_show(x)}")
    return items
  devices = [_device(i, d.name, d.props) for i, d in enumerate(records(obj.devices, Device, "device"))]
  programs = [_program(i, p.device, p.name, p.lib, p.base, p.tag) for i, p in enumerate(records(obj.programs, Program, "program"))]
  traces = [_trace(i, t.device, t.kern_tag, t.se, t.blob, t.itrace, t.exec_tag)
            for i, t in enumerate(records(obj.traces, TraceBuffer, "trace buffer"))]
  return Capture(path, devices, programs, traces, "amdviz", _Fields("capture", 0).scalars("meta", obj.meta or {}))

def _check_sizes(c: Capture, file_size: int) -> Capture:
  """Every code object and trace buffer is work to come; in a file each is stored once, so together they cannot
  outgrow the file unless the pickle hands the same buffer out many times (each reference would be
  decoded and mapped again). Refused before any of that work starts."""
  total = sum(len(p.lib) for p in c.programs) + sum(len(t.blob) for t in c.traces)
  if total > file_size + SHARED_SLACK:
    raise CaptureError(f"bad capture: its code objects and trace buffers add up to {total} bytes in a {file_size}-byte "
                       "file: buffers referenced more than once are refused")
  return c

SHARED_SLACK = 1 << 16         # small buffers (b"" is one shared object) may repeat

def _from_elf(data: bytes, path: str, arch: str | None) -> Capture:
  try: co = load_code_object(data, arch, name=Path(path).stem if not path.startswith("<") else None)
  except CodeObjectError as e: raise CaptureError(f"bad code object: {e}") from None
  dev = Device("elf", co.arch, {})
  name = co.kernels[0].name if co.kernels else Path(path).stem
  return Capture(path, [dev], [Program(dev.name, name, data, 0, 0)], [], "elf")

def load_capture(source: str | Path | bytes | bytearray | memoryview, arch: str | None = None) -> Capture:
  """Load a tinygrad profile pickle, an amdviz CaptureFile or a bare ELF code object (`arch` names the
  target of an ELF whose e_flags has none). A file is mapped, not read: it is scanned and hashed in place and
  unpickled from the file; its big trace buffers stay there (FileBytes, read by TraceBuffer.data() when analysed),
  so a capture of a gigabyte of trace costs no gigabyte of memory to open."""
  if isinstance(source, (bytes, bytearray, memoryview)): return _load_bytes(bytes(source), "<bytes>", arch)
  path = str(source)
  try:
    with open(path, "rb") as f:
      size = os.fstat(f.fileno()).st_size
      if size == 0 or not stat.S_ISREG(os.fstat(f.fileno()).st_mode): return _load_bytes(f.read(), path, arch)
      with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as view:
        if view[:4] == b"\x7fELF" or view[:1] != b"\x80": return _load_bytes(view[:], path, arch)
        key, identity = _file_key(f), file_identity(os.fstat(f.fileno()))
        def lazy(offset: int, size: int) -> FileBytes: return FileBytes(os.path.abspath(path), offset, size, identity)
        try: obj = safe_pickle.safe_load(f, view, allowed_class, lazy)
        except safe_pickle.UnsafePickle as e: raise _unsafe(e) from None
  except FileNotFoundError: raise CaptureError(f"capture not found: {path}") from None
  except IsADirectoryError: raise CaptureError(f"cannot read capture {path}: Is a directory") from None
  except OSError as e: raise CaptureError(f"cannot read capture {path}: {e.strerror or _one_line(e)}") from None
  return _capture_of(obj, path, size, key)

def _load_bytes(data: bytes, path: str, arch: str | None) -> Capture:
  if not data: raise CaptureError(f"empty capture: {path}")
  if data[:4] == b"\x7fELF":
    c = _from_elf(data, path, arch)
    c.key = content_key(data)
    return c
  if data[:1] != b"\x80":
    raise CaptureError(f"not a capture: {path}: expected a tinygrad profile pickle, an amdviz capture or an AMDGPU code object")
  return _capture_of(safe_loads(data), path, len(data), content_key(data))

def _capture_of(obj, path: str, size: int, key: str) -> Capture:
  if isinstance(obj, CaptureFile): c = _from_own(obj, path)
  elif isinstance(obj, list): c = _from_tinygrad(obj, path)
  else: raise CaptureError(f"not a capture: the pickle holds a {type(obj).__name__}, expected a list of profile events or a CaptureFile")
  c.key = key
  return _check_sizes(c, size)

def save_capture(capture: Capture | CaptureFile, path: str | Path) -> None:
  """Write `capture` in this project's own format (CaptureFile, version FORMAT_VERSION)."""
  if isinstance(capture, Capture):
    traces = [replace(t, blob=bytes(t.data())) if isinstance(t.blob, FileBytes) else t for t in capture.traces]
    capture = CaptureFile(FORMAT_VERSION, capture.devices, capture.programs, traces, dict(capture.meta))
  Path(path).write_bytes(pickle.dumps(capture, protocol=4))
