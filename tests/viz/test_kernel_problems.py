"""A capture's kernels are isolated: one whose code object is corrupt gets a problem on itself and its traces,
and every other kernel, trace and route of the capture still serves (viz.api, through the CLI and the server)."""
import random, struct
import pytest
from isa.elf import _EHDR, _SHDR, load_code_object
from tests.conftest import real_capture
from tests import tinygrad_events as tg
from tests.viz.test_server import client, wait_ready
from viz.api import ApiError, Workspace, route
from capture import load_capture
from viz.server import create_app

KERNEL_ROUTES = ("disasm", "cfg", "layout", "timing", "waves", "hotspots", "waves/0/timeline", "pressure", "blocks")

def set_section_field(lib: bytes, arch: str, section: str, index: int, value: int) -> bytes:
  """lib with field `index` of `section`'s header (3: sh_addr, 5: sh_size) set to value."""
  co = load_code_object(lib, arch)
  shoff = _EHDR.unpack_from(lib)[6]
  i = next(k for k, s in enumerate(co.sections) if s.name == section)
  h = list(_SHDR.unpack_from(lib, shoff + i * _SHDR.size)); h[index] = value
  out = bytearray(lib); _SHDR.pack_into(out, shoff + i * _SHDR.size, *h)
  return bytes(out)

def sync_with_program0(lib_of) -> Workspace:
  """The gfx1100 sync capture (2 kernels, each with 6 trace buffers) with program 0's code object replaced."""
  cap = load_capture(real_capture("gfx1100", "sync"))
  cap.programs[0].lib = lib_of(cap.programs[0].lib)
  return Workspace(cap)

def every_route(ws: Workspace) -> list[str]:
  return ["/api/kernels", "/api/traces"] + [f"/api/kernels/{k}/{r}" for k in range(len(ws.kernels)) for r in KERNEL_ROUTES]

def check_isolated(ws: Workspace, broken: int) -> dict:
  """Kernel `broken` has a problem; every route of every other kernel answers; nothing raises but ApiError 4xx."""
  healthy = load_capture(real_capture("gfx1100", "sync"))
  good = Workspace(healthy)
  for path in every_route(ws):
    try: body = route(ws, path)
    except ApiError as e:
      assert 400 <= e.status < 500 and f"/kernels/{broken}/" in path, (path, e.message)
      continue
    if f"/kernels/{broken}/" not in path and path != "/api/traces" and path != "/api/kernels":
      assert body == route(good, path), path              # the other kernel is served as if nothing happened
  kernels = route(ws, "/api/kernels")["kernels"]
  assert len(kernels) == 2 and kernels[broken]["problem"] and kernels[1 - broken]["problem"] is None
  traces, before = route(ws, "/api/traces")["traces"], route(good, "/api/traces")["traces"]
  assert len(traces) == len(before)
  for t, b in zip(traces, before):
    if t["kernel_id"] == broken: assert t["problems"] and t["mapped"] == 0 and t["packets"] == b["packets"]
    else: assert t == b
  return kernels[broken]

def test_unreadable_code_object():
  ws = sync_with_program0(lambda lib: b"not an ELF at all")
  k = check_isolated(ws, 0)
  assert k == {**k, "name": "custom_lds_sync", "arch": "gfx1100", "n_instructions": None,
               "problem": "bad code object: not an ELF file (bad magic)"}
  with pytest.raises(ApiError) as e: route(ws, "/api/kernels/0/disasm")
  assert e.value.status == 422 and e.value.message == "kernel 0 (custom_lds_sync): bad code object: not an ELF file (bad magic)"

def test_text_past_the_address_space():
  ws = sync_with_program0(lambda lib: set_section_field(lib, "gfx1100", ".text", 3, 0x8000000000000000))
  assert check_isolated(ws, 0)["problem"].startswith("bad code object: bad ELF: section ")

def test_empty_text_cannot_be_walked():
  """A code object whose .text was cut to nothing: no instruction is at the kernel's entry, so its traces
  cannot be walked; the other kernel's are."""
  ws = sync_with_program0(lambda lib: set_section_field(lib, "gfx1100", ".text", 5, 0))
  problem = check_isolated(ws, 0)["problem"]
  assert problem and "\n" not in problem

def test_server_keeps_serving_the_capture(tmp_path):
  cap = load_capture(real_capture("gfx1100", "sync"))
  cap.programs[0].lib = cap.programs[0].lib[:100]                   # truncated code object
  path = tmp_path / "broken.pkl"; path.write_bytes(tg.dumps(tg.events_of(cap)))
  with client(create_app([str(path)])) as c:
    assert wait_ready(c)["state"] == "ready"
    r = c.get("/api/kernels/0/disasm")
    assert r.status_code == 422 and r.json()["error"].startswith("kernel 0 (custom_lds_sync): bad code object: ")
    assert c.get("/api/kernels/1/timing").json()["traced"] is True
    assert c.get("/").status_code == 200 and c.get("/kernels/1").status_code == 200
    page = c.get("/kernels/0")
    assert page.status_code == 422 and "kernel 0 (custom_lds_sync): bad code object: " in page.text
    assert "bad code object: " in c.get("/").text                   # the problem is shown on the kernel list

def test_fuzzed_code_objects_never_break_other_kernels():
  """Seeded mutations of program 0's code object (header fields, bytes, truncation): every route answers 200
  or a 4xx naming the kernel, and kernel 1 is untouched."""
  rng = random.Random(5)
  for _ in range(40):
    def mutate(lib: bytes) -> bytes:
      b = bytearray(lib)
      mode = rng.randrange(3)
      if mode == 0:
        shoff, shnum = struct.unpack_from("<Q", b, 0x28)[0], struct.unpack_from("<H", b, 0x3c)[0]
        off = shoff + rng.randrange(shnum) * _SHDR.size + rng.choice((0x10, 0x18, 0x20))
        struct.pack_into("<Q", b, off, rng.choice((0, 1, 1 << 63, (1 << 64) - 1, rng.randrange(1 << 16))))
      elif mode == 1:
        for _ in range(rng.choice((1, 4, 16))): b[rng.randrange(len(b))] = rng.randrange(256)
      else: del b[rng.randrange(len(b)):]
      return bytes(b)
    ws = sync_with_program0(mutate)
    for path in every_route(ws):
      try: route(ws, path)
      except ApiError as e: assert 400 <= e.status < 500 and "/kernels/0/" in path, (path, e.message)
    assert ws.kernels[1].problem is None and route(ws, "/api/kernels/1/timing")["traced"]
