"""capture/ (the capture format): real tinygrad captures load without tinygrad, hostile pickles are refused before anything runs."""
from __future__ import annotations
import io, os, pickle, random, sys, uuid
import pytest
from isa.elf import load_code_object
from capture import (CaptureError, CaptureFile, Device, Inert, Program, TraceBuffer, allowed_class, load_capture,
                         safe_loads, save_capture)
from capture.safe_pickle import SafeUnpickler

FOLDER_ARCH = {"gfx1100": "gfx1100", "gfx1200": "gfx1201", "gfx950": "gfx950"}   # the gfx1200 card reports gfx1201
FOLDER_SES = {"gfx1100": 6, "gfx1200": 4, "gfx950": 32}   # trace buffers per dispatch: SEs (x XCDs on gfx950)

def test_real_capture(capture_path):
  cap = load_capture(capture_path)
  arch = FOLDER_ARCH[capture_path.parent.name]
  assert cap.source_format == "tinygrad" and cap.path == str(capture_path)
  assert "tinygrad" not in sys.modules
  amd = cap.device("AMD")
  assert amd is not None and amd.arch == arch and amd.props["gfx_target_version"] > 0 and cap.device("CPU").arch == ""
  assert cap.programs and cap.traces
  for p in cap.programs:
    assert p.device == "AMD" and p.lib[:4] == b"\x7fELF" and p.base > 0 and isinstance(p.tag, int)
    co = cap.code_object(p)
    assert co.arch == arch and co.kernel(p.name) is not None
  for (device, kern_tag, exec_tag), traces in cap.dispatches().items():
    assert cap.program(kern_tag, device) is not None and isinstance(exec_tag, int)
    assert sorted(t.se for t in traces) == list(range(FOLDER_SES[capture_path.parent.name]))
    assert any(t.itrace for t in traces)
    assert all(isinstance(t.blob, bytes) and t.blob for t in traces)
  names = capture_path.stem.split("_")[1]
  if names == "sync": assert [p.name for p in cap.programs] == ["custom_lds_sync", "E_32_4"]
  if names == "handwritten": assert [p.name for p in cap.programs] == ["custom_handwritten"]

def test_real_captures_cover_all_archs(real_captures):
  assert {p.parent.name for p in real_captures} >= set(FOLDER_ARCH)

def test_own_format_round_trip(real_captures, tmp_path):
  for src in real_captures:
    cap = load_capture(src)
    cap.meta["source"] = src.name
    out = tmp_path / f"{src.parent.name}_{src.stem}.amdviz"
    save_capture(cap, out)
    again = load_capture(out)
    assert again.source_format == "amdviz" and again.meta == {"source": src.name}
    assert (again.devices, again.programs, again.traces) == (cap.devices, cap.programs, cap.traces)
    assert load_capture(out.read_bytes()).programs == cap.programs
    seen = set()
    class Spy(SafeUnpickler):
      def find_class(self, module, name): seen.add((module, name)); return super().find_class(module, name)
    Spy(io.BytesIO(out.read_bytes()), allowed_class).load()
    assert seen == {("capture", c) for c in ("CaptureFile", "Device", "Program", "TraceBuffer")}   # nothing else referenced

def big_buffers(src, out, size: int = 1 << 17):
  """`src` saved in our format with every other trace buffer repeated to `size` bytes or more: byte strings big
  enough to be pickled outside a frame (tinygrad's own buffers are small and framed with the rest)."""
  from dataclasses import replace
  cap = load_capture(src)
  save_capture(replace(cap, traces=[replace(t, blob=t.blob * -(-size // len(t.blob))) if i % 2 == 0 else t for i, t in enumerate(cap.traces)]), out)
  return out

def test_big_buffers_stay_in_the_file(real_captures, tmp_path, monkeypatch):
  """A trace buffer of at least LAZY_BYTES outside a pickle frame is left in the file and read when asked for: the
  same bytes as an eager load; code objects are always read at load, and saving writes the bytes themselves."""
  from capture import FileBytes, safe_pickle
  monkeypatch.setattr(safe_pickle, "LAZY_BYTES", 1 << 16)
  for src in real_captures:
    path = big_buffers(src, tmp_path / f"{src.parent.name}_{src.stem}.amdviz")
    eager, cap = load_capture(path.read_bytes()), load_capture(path)
    assert all(isinstance(t.blob, bytes) for t in eager.traces) and all(isinstance(p.lib, bytes) for p in cap.programs)
    assert [isinstance(t.blob, FileBytes) for t in cap.traces] == [len(t.blob) >= 1 << 16 for t in eager.traces]
    assert any(isinstance(t.blob, FileBytes) for t in cap.traces) and not all(isinstance(t.blob, FileBytes) for t in cap.traces)
    assert [bytes(t.data()) for t in cap.traces] == [t.blob for t in eager.traces], src
    assert cap.programs == eager.programs
    save_capture(cap, again := tmp_path / "again.amdviz")
    assert [bytes(t.data()) for t in load_capture(again).traces] == [t.blob for t in eager.traces], src
    again.unlink()

def test_a_capture_rewritten_after_loading(real_captures, tmp_path, monkeypatch):
  """Bytes left in the file are read only from the file that was loaded: once it changed, reading is an error."""
  from capture import FileBytes, safe_pickle
  monkeypatch.setattr(safe_pickle, "LAZY_BYTES", 1 << 16)
  path = big_buffers(real_captures[0], tmp_path / "c.amdviz")
  cap = load_capture(path)
  t = next(t for t in cap.traces if isinstance(t.blob, FileBytes))
  assert bytes(t.data()) == bytes(t.data())
  os.truncate(path, t.blob.offset + 10)
  with pytest.raises(CaptureError, match="changed on disk"): t.data()
  path.unlink()
  with pytest.raises(CaptureError, match="cannot read capture"): t.data()

def test_own_format_from_before_the_move(real_captures, monkeypatch):
  """Captures written while the format lived in viz/capture.py name `viz.capture`: they load the same."""
  import sys, types
  import capture
  old = types.ModuleType("viz.capture")
  for c in (CaptureFile, Device, Program, TraceBuffer):
    setattr(old, c.__name__, c)
    monkeypatch.setattr(c, "__module__", "viz.capture")
  monkeypatch.setitem(sys.modules, "viz.capture", old)
  cap = load_capture(real_captures[0])
  data = pickle.dumps(CaptureFile(capture.FORMAT_VERSION, cap.devices, cap.programs, cap.traces, {}), protocol=4)
  monkeypatch.undo()
  assert b"viz.capture" in data
  again = load_capture(data)
  assert (again.devices, again.programs, again.traces) == (cap.devices, cap.programs, cap.traces)

def test_own_format_takes_fields_by_name(tmp_path):
  """Unknown fields are dropped and missing ones defaulted, so later format versions stay readable."""
  tb = TraceBuffer("AMD", 3, 1, b"\x01\x02")
  tb.__dict__["future_field"] = 42
  del tb.__dict__["exec_tag"]
  f = CaptureFile(devices=[Device("AMD", "gfx1100", {})], programs=[Program("AMD", "k", b"\x7fELF", 0x1000, 3)], traces=[tb])
  cap = load_capture(pickle.dumps(f))
  (t,) = cap.traces
  assert t == TraceBuffer("AMD", 3, 1, b"\x01\x02", True, None) and not hasattr(t, "future_field")
  with pytest.raises(CaptureError, match="version"): load_capture(pickle.dumps(CaptureFile(version=99)))
  with pytest.raises(CaptureError, match="bad capture"): load_capture(pickle.dumps(CaptureFile(programs=[Program("AMD", "k", "not bytes")])))

def test_bare_elf(real_captures, tmp_path):
  cap = load_capture(real_captures[0])
  lib = cap.programs[0].lib
  path = tmp_path / "kernel.hsaco"; path.write_bytes(lib)
  elf = load_capture(path)
  assert elf.source_format == "elf" and elf.traces == [] and len(elf.programs) == 1
  assert elf.devices[0].arch == load_code_object(lib).arch
  assert elf.programs[0].lib == lib and elf.programs[0].name == load_code_object(lib).kernels[0].name

def test_bare_minimal_elf_needs_arch(real_captures):
  lib = next(p.lib for c in real_captures for p in load_capture(c).programs if p.name == "custom_handwritten")
  with pytest.raises(CaptureError, match=r"^bad code object: unknown target: e_flags mach 0x0 and no arch given$"): load_capture(lib)
  cap = load_capture(lib, arch="gfx1201")
  assert cap.devices[0].arch == "gfx1201" and cap.code_object(cap.programs[0]).kernels[0].entry_pc == 0x100

# ---------------------------------------------------------------------------------------------------
# hostile and broken input

class Reduce:
  """Pickles as a call of `fn(*args)`."""
  def __init__(self, fn, *args): self.fn, self.args = fn, args
  def __reduce__(self): return self.fn, self.args

def short(text: str) -> bytes:   # SHORT_BINUNICODE
  b = text.encode(); return b"\x8c" + bytes([len(b)]) + b

def pickle_global_call(module: str, name: str, *args) -> bytes:
  """module.name(*args) as a protocol-4 pickle, written by hand so the target need not be importable here."""
  return b"\x80\x04" + short(module) + short(name) + b"\x93" + pickle.dumps(tuple(args), 3)[2:-1] + b"R."

def pickle_newobj(module: str, name: str, then: bytes) -> bytes:
  """module.name.__new__() followed by the opcodes `then` acting on the new object."""
  return b"\x80\x04" + short(module) + short(name) + b"\x93)\x81" + then + b"."

@pytest.fixture
def canary(tmp_path):
  path = tmp_path / f"pwned-{uuid.uuid4().hex}"
  yield path
  assert not path.exists(), "a refused pickle ran code"

def test_refuses_os_system(canary):
  data = pickle.dumps([Reduce(os.system, f"touch {canary}")])
  with pytest.raises(CaptureError, match=r"^refusing to load (posix|nt|os)\.system: not an allowed capture type$"): load_capture(data)

@pytest.mark.parametrize("module,name", [("builtins", "eval"), ("builtins", "exec"), ("builtins", "getattr"), ("builtins", "__import__"),
  ("builtins", "open"), ("subprocess", "call"), ("tinygrad.helpers", "getenv"), ("tinygrad.runtime.ops_amd", "AMDDevice"),
  ("tinygrad.device", "Device"), ("decimal", "Decimal.__new__"), ("copyreg", "_reconstructor"), ("capture", "save_capture"),
  ("capture", "load_capture"), ("capture", "Path"), ("tinygradx.helpers", "UOp"), ("tinygrad.runtime.autogen.amd.rdna3.ins", "s_endpgm"),
  ("tinygrad.runtime.autogen.amd.rdna3.ins", "__class__")])
def test_refuses_globals(module, name, canary):
  data = pickle_global_call(module, name, f"open('{canary}', 'w')")
  with pytest.raises(CaptureError, match=rf"^refusing to load {module}\.{name}: not an allowed capture type$".replace("(", r"\(")): load_capture(data)

def test_refuses_extension_registry_and_persistent_ids(canary):
  import copyreg
  copyreg.add_extension("os", "system", 0xf0)
  try:
    data = b"\x80\x02\x82\xf0" + pickle.dumps((f"touch {canary}",), 2)[2:-1] + b"R."
    with pytest.raises(CaptureError, match=r"^refusing opcode EXT1 \(extension registry\) at byte 2"): load_capture(data)
  finally: copyreg.remove_extension("os", "system", 0xf0)
  with pytest.raises(CaptureError, match="persistent id"): load_capture(b"\x80\x02X\x01\x00\x00\x00aQ.")

def test_allowed_tinygrad_names_stay_inert(canary):
  """An allowed tinygrad class name only ever stores its args: REDUCE, NEWOBJ, BUILD and item ops call nothing."""
  data = pickle_global_call("tinygrad.uop.ops", "UOp", f"touch {canary}", 1, b"x")
  ops = safe_loads(data)
  assert isinstance(ops, Inert) and ops.origin == "tinygrad.uop.ops.UOp" and ops._args == (f"touch {canary}", 1, b"x")
  assert safe_loads(pickle_newobj("tinygrad.dtype", "DType", b"}" + short("name") + short("void") + b"sb")).fields() == {"name": "void"}
  slots = b"}" + short("a") + b"K\x01s}" + short("b") + b"K\x02s\x86b"   # BUILD with a (dict, slots) pair
  assert safe_loads(pickle_newobj("tinygrad.dtype", "DType", slots)).fields() == {"a": 1, "b": 2}
  for item_op in (b"K\x01a", b"K\x01K\x02s", b"(K\x01e"):   # APPEND, SETITEM, APPENDS onto a placeholder: refused
    with pytest.raises(CaptureError, match="^not a valid capture pickle"): safe_loads(pickle_newobj("tinygrad.dtype", "DType", item_op))

def test_hostile_field_values():
  """Allowed classes carrying nonsense fields give CaptureError, not TypeError from deeper down."""
  def events(cls: str, module: str, fields: bytes) -> bytes:   # [cls() with BUILD state {fields}]
    return b"\x80\x04(" + short(module) + short(cls) + b"\x93)\x81}" + fields + b"bl."
  with pytest.raises(CaptureError, match="^bad capture"): load_capture(events("ProfileDeviceEvent", "tinygrad.device", short("device") + b"]K\x01as"))
  with pytest.raises(CaptureError, match="^bad capture: program #0"):
    load_capture(events("ProfileProgramEvent", "tinygrad.device", short("device") + short("AMD") + b"s" + short("name") + short("k") + b"s" + short("lib") + short("text") + b"s"))
  ok = load_capture(events("ProfileSQTTEvent", "tinygrad.runtime.ops_amd", short("device") + short("AMD") + b"s" + short("se") + b"K\x02s" + short("blob") + b"C\x02\x01\x02s"))
  assert ok.traces == [TraceBuffer("AMD", None, 2, b"\x01\x02", True, None)]

def test_garbage_and_truncation(real_captures, tmp_path):
  with pytest.raises(CaptureError, match="^capture not found: "): load_capture(tmp_path / "missing.pkl")
  with pytest.raises(CaptureError, match="^cannot read capture "): load_capture(tmp_path)
  with pytest.raises(CaptureError, match="^empty capture"): load_capture(b"")
  with pytest.raises(CaptureError, match="^not a capture: <bytes>: expected a tinygrad profile pickle, an amdviz capture or "
                                          "an AMDGPU code object$"): load_capture(b"hello world, not a pickle")
  with pytest.raises(CaptureError, match="^not a capture: the pickle holds a dict"): load_capture(pickle.dumps({"a": 1}))
  data = real_captures[0].read_bytes()
  with pytest.raises(CaptureError, match="^truncated pickle"): load_capture(data[:len(data) // 2])
  rng = random.Random(7)
  for n in rng.sample(range(len(data)), 300):
    with pytest.raises(CaptureError) as e: load_capture(data[:n])
    assert "\n" not in str(e.value)
  for _ in range(300):
    b = bytearray(data)
    for _ in range(rng.choice((1, 4))): b[rng.randrange(len(b))] = rng.randrange(256)
    try: load_capture(bytes(b))
    except CaptureError as e: assert "\n" not in str(e)
  for _ in range(200):
    try: load_capture(b"\x80\x04" + rng.randbytes(rng.randrange(1, 300)))
    except CaptureError as e: assert "\n" not in str(e)

# ---------------------------------------------------------------------------------------------------
# odd field values and amplification, on a real capture rebuilt as tinygrad events (tests/tinygrad_events.py)

from decimal import Decimal
from tests.conftest import real_capture
from tests import tinygrad_events as tg

def gemm_events() -> list:
  return tg.events_of(load_capture(real_capture("gfx1100", "gemm")))

def recursive_list():
  x: list = []; x.append(x); return x

ODD_VALUES = {"Decimal": Decimal("1.5"), "sNaN": Decimal("sNaN"), "complex": 1j, "bytes": b"\x01", "set": {1}, "slice": slice(1, 2),
              "recursive list": recursive_list(), "list": [1], "float": 1.0, "str": "1", "dict": {}, "huge int": 1 << 80,
              "negative": -1, "bool": True}
# (event class, field as tinygrad names it, the name our error uses, the odd values that field may hold)
FIELDS = [("ProfileSQTTEvent", "exec_tag", "trace buffer #0 field exec_tag", {"negative"}),
          ("ProfileSQTTEvent", "kern", "trace buffer #0 field kern_tag", {"negative"}),
          ("ProfileSQTTEvent", "itrace", "trace buffer #0 field itrace", {"bool"}),
          ("ProfileSQTTEvent", "se", "trace buffer #0 field se", set()),
          ("ProfileSQTTEvent", "blob", "trace buffer #0 field blob", {"bytes"}),
          ("ProfileProgramEvent", "tag", "program #0 field tag", {"negative"}),
          ("ProfileProgramEvent", "base", "program #0 field base", set()),
          ("ProfileProgramEvent", "name", "program #0 field name", {"str"}),
          ("ProfileDeviceEvent", "device", "device #0 field device", {"str"})]

@pytest.mark.parametrize("cls,field,where,accepted", FIELDS, ids=[f[1] for f in FIELDS])
def test_odd_field_values_refused_naming_the_field(cls, field, where, accepted):
  """Every field is checked at load: a value it cannot hold is one CaptureError naming the record and field."""
  for name, value in ODD_VALUES.items():
    events = gemm_events()
    next(e for e in events if type(e).__name__ == cls).__dict__[field] = value
    data = tg.dumps(events)
    if name in accepted:
      load_capture(data); continue
    with pytest.raises(CaptureError) as e: load_capture(data)
    msg = str(e.value)
    assert msg.startswith(f"bad capture: {where}: expected ") and "\n" not in msg, (name, msg)

def test_fields_that_loaded_are_plain_types():
  events = gemm_events()
  for e in events:
    if isinstance(e, tg.ProfileSQTTEvent): e.itrace = 1                      # an int flag is a bool
  cap = load_capture(tg.dumps(events))
  assert all(type(t.itrace) is bool for t in cap.traces) and all(type(t.exec_tag) is int for t in cap.traces)

def test_props_keep_only_scalars():
  events = gemm_events()
  dev = next(e for e in events if isinstance(e, tg.ProfileDeviceEvent) and e.props)
  dev.props.update(odd=recursive_list(), nested={"a": 1}, name="RX 7900", big=1 << 70)
  cap = load_capture(tg.dumps(events))
  props = cap.device(dev.device).props
  assert props["name"] == "RX 7900" and not {"odd", "nested", "big"} & set(props) and cap.device(dev.device).arch == "gfx1100"

def test_shared_buffers_refused_before_any_work():
  """One real trace referenced 300 times (the pickle stores it once): refused at load, in milliseconds."""
  import time
  events = gemm_events()
  sqtt = max((e for e in events if isinstance(e, tg.ProfileSQTTEvent)), key=lambda e: len(e.blob))
  events += [tg.ProfileSQTTEvent(**{**sqtt.__dict__, "exec_tag": 2 + k}) for k in range(300)]
  data = tg.dumps(events)
  assert len(data) < 2 * len(tg.dumps(gemm_events())) and len(sqtt.blob) * 300 > len(data)   # shared, not copied
  t = time.perf_counter()
  with pytest.raises(CaptureError, match=r"^bad capture: its code objects and trace buffers add up to \d+ bytes in a \d+-byte "
                                         r"file: buffers referenced more than once are refused$"): load_capture(data)
  assert time.perf_counter() - t < 1.0
  events = events[:-290]
  for e in events[-10:]: e.blob = bytes(bytearray(e.blob))   # copies are stored each time: the file backs them, accepted
  assert len(load_capture(tg.dumps(events)).traces) == len(load_capture(real_capture("gfx1100", "gemm")).traces) + 10

def test_too_many_records():
  events = gemm_events()
  sqtt = next(e for e in events if isinstance(e, tg.ProfileSQTTEvent))
  # distinct 40-byte buffers: a file big enough for its memory budget to admit this many records
  events += [tg.ProfileSQTTEvent(**{**sqtt.__dict__, "blob": k.to_bytes(40, "little")}) for k in range(1 << 16)]
  with pytest.raises(CaptureError, match="^bad capture: more than 65536 programs or trace buffers$"): load_capture(tg.dumps(events))

def test_hostile_files_on_disk(tmp_path):
  """The file path (mapped, scanned in place, unpickled from the file) refuses what the bytes path refuses."""
  import struct
  cases = {"bomb.pkl": b"\x80\x04]r" + struct.pack("<I", 2 ** 29) + b".", "text.txt": b"hello\n",
           "trunc.pkl": real_capture("gfx1100", "gemm").read_bytes()[:5000], "empty.pkl": b""}
  for name, data in cases.items():
    (p := tmp_path / name).write_bytes(data)
    with pytest.raises(CaptureError) as e: load_capture(p)
    with pytest.raises(CaptureError) as e2: load_capture(data)
    assert str(e.value).replace(str(p), "<bytes>") == str(e2.value), name
  good = real_capture("gfx1100", "gemm")
  assert load_capture(good).key == load_capture(good.read_bytes()).key and len(load_capture(good).key) == 64
