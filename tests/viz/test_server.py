"""viz/server.py: every route on real captures and bare code objects, answers equal to viz.api.route, background
loading (202 + status), errors, uploads, path traversal, and a real `serve` process on a loopback port."""
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
import warnings
from pathlib import Path

import anyio
from html import escape as html_escape
import pytest

with warnings.catch_warnings():      # newer Starlette prefers the httpx2 fork; httpx still works
  warnings.simplefilter("ignore")
  from fastapi.testclient import TestClient

from tests.conftest import REAL_CAPTURES, real_capture
from viz import server
from viz.api import Workspace, route
from capture import load_capture
from viz.layout import block_sizes, drawn_text, layout
from viz.footprint import deep_size
from viz.server import DEMO_CAPTURE, STATIC_DIR, TEMPLATES_DIR, create_app, load_workspace, serve_main

REPO = Path(__file__).resolve().parents[2]
GEMM = real_capture("gfx1100", "gemm")
KERNEL_ROUTES = ("disasm", "cfg", "layout", "timing", "waves", "hotspots", "hotspots?top=3", "summary", "summary?top=2", "source",
                 "pressure", "vopd", "blocks")
WAIT_S = 60   # bound on any wait for a background load (numba compiles the SQTT decoder on first use)


def client(app) -> TestClient:
  return TestClient(app, base_url="http://127.0.0.1")   # a Host the server answers to


def wait_ready(c: TestClient, cid: int = 0) -> dict:
  deadline = time.monotonic() + WAIT_S
  while (s := c.get(f"/api/captures/{cid}/status").json())["state"] == "loading":
    assert time.monotonic() < deadline, f"capture {cid} still loading: {s}"
    time.sleep(0.02)
  return s


def dumps(body) -> bytes:
  return json.dumps(body, separators=(",", ":")).encode()   # what `amdviz json` prints


def expected(ws: Workspace, path: str) -> bytes:
  """The body a route must have, computed without the server: viz.api.route, and for /layout viz.layout over
  the cfg route with box sizes from the disasm route's text."""
  if m := re.fullmatch(r"/api/kernels/(\d+)/layout", path):
    cfg = route(ws, f"/api/kernels/{m[1]}/cfg")
    texts = {i["pc"]: drawn_text(i["text"], i["target"]) for i in route(ws, f"/api/kernels/{m[1]}/disasm")["instructions"]}
    return dumps(layout(cfg, block_sizes(cfg, texts)))
  return dumps(route(ws, path))


def all_paths(ws: Workspace) -> list[str]:
  return ["/api/kernels", "/api/traces"] + [f"/api/kernels/{k}/{r}" for k in range(len(ws.kernels)) for r in KERNEL_ROUTES]


@pytest.fixture(scope="module")
def code_objects(tmp_path_factory) -> list[Path]:
  """Bare ELF code objects: one taken out of a capture, and, with clang-19, a compiled kernel with loops."""
  d = tmp_path_factory.mktemp("elf")
  out = []
  if GEMM:
    (p := d / "gemm.hsaco").write_bytes(load_capture(GEMM).programs[0].lib); out.append(p)
  if shutil.which("clang-19"):
    from tests.llvm_oracle import compile_cl
    out.append(compile_cl(REPO / "tests" / "corpus" / "16_loops.cl", "gfx1100", cache_dir=d))
  if not out: pytest.skip("no code object: no real capture and no clang-19")
  return out


@pytest.fixture(scope="module")
def real_app():
  """One server over every real capture: ids 0..n-1 in order."""
  c = client(create_app([str(p) for p in REAL_CAPTURES]))
  for cid in range(len(REAL_CAPTURES)): assert wait_ready(c, cid)["state"] == "ready"
  return c


# ---------------------------------------------------------------------------------------------------
# answers equal viz.api.route

@pytest.mark.parametrize("cid", range(len(REAL_CAPTURES)), ids=[f"{p.parent.name}/{p.stem}" for p in REAL_CAPTURES])
def test_every_route_equals_api_route(real_app, cid):
  ws = Workspace.open(REAL_CAPTURES[cid])
  assert ws.kernels
  for path in all_paths(ws):
    r = real_app.get(f"/api/captures/{cid}{path[4:]}")
    assert r.status_code == 200, (path, r.text)
    assert r.headers["content-type"] == "application/json"
    assert r.content == expected(ws, path), path
    if cid == 0: assert real_app.get(path).content == r.content      # /api/... is capture 0


def test_captures_list(real_app):
  caps = real_app.get("/api/captures").json()["captures"]
  assert [c["id"] for c in caps] == list(range(len(REAL_CAPTURES)))
  for c, p in zip(caps, REAL_CAPTURES):
    assert (c["name"], c["origin"], c["path"], c["state"], c["error"]) == (p.name, "file", str(p), "ready", None)
    assert c["progress"] == 1.0 and c["kernels"] >= 1 and c["format"] == "tinygrad"
  assert real_app.get("/api/status").json() == caps[0] == real_app.get("/api/captures/0/status").json()


def test_bare_code_objects(code_objects):
  c = client(create_app([str(p) for p in code_objects]))
  for cid, p in enumerate(code_objects):
    assert wait_ready(c, cid)["state"] == "ready"
    ws = Workspace.open(p)
    for path in all_paths(ws):
      r = c.get(f"/api/captures/{cid}{path[4:]}")
      assert r.status_code == 200 and r.content == expected(ws, path), path
    assert c.get(f"/api/captures/{cid}/traces").json() == {"traces": []}
    assert c.get(f"/api/captures/{cid}/kernels/0/timing").json()["traced"] is False
    assert c.get(f"/api/captures/{cid}/status").json()["format"] == "elf"


def test_layout_boxes_fit_the_text(code_objects):
  """The layout route's boxes are block_sizes of the disassembly text: what static/app.js draws into."""
  c = client(create_app([str(code_objects[-1])]))
  wait_ready(c)
  cfg, insts = c.get("/api/kernels/0/cfg").json(), c.get("/api/kernels/0/disasm").json()["instructions"]
  lay = c.get("/api/kernels/0/layout").json()
  text = {i["pc"]: drawn_text(i["text"], i["target"]) for i in insts}
  sizes = block_sizes(cfg, text)
  assert {n["id"] for n in lay["nodes"]} == {b["id"] for b in cfg["blocks"]}
  for n in lay["nodes"]: assert (n["w"], n["h"]) == pytest.approx(sizes[n["id"]])
  assert len(lay["edges"]) == len(cfg["edges"])


def test_pressure_route(code_objects, capsysbinary, tmp_path):
  """/pressure through the app: a row per instruction in pc order, never above the allocation, the peak and every pc
  reaching it, the summary's occupancy; `amdviz json` prints the very bytes; gfx942 MFMA code counts its AGPRs."""
  from viz.cli import main
  paths = list(code_objects)
  if shutil.which("clang-19"):
    from tests.llvm_oracle import compile_cl
    paths.append(compile_cl(REPO / "tests" / "corpus" / "10_matrix.cl", "gfx942", cache_dir=tmp_path))
  c, agprs = client(create_app([str(p) for p in paths])), 0
  for cid, p in enumerate(paths):
    assert wait_ready(c, cid)["state"] == "ready"
    for kid in range(len(c.get(f"/api/captures/{cid}/kernels").json()["kernels"])):
      r = c.get(f"/api/captures/{cid}/kernels/{kid}/pressure")
      j, insts = r.json(), c.get(f"/api/captures/{cid}/kernels/{kid}/disasm").json()["instructions"]
      rows = j["instructions"]
      assert [x["pc"] for x in rows] == [i["pc"] for i in insts]
      live = [x["live_vgprs"] for x in rows]
      assert j["peak"]["live_vgprs"] == max(live) <= j["vgpr_alloc"]
      assert max(x["live_sgprs"] for x in rows) == j["peak"]["live_sgprs"] <= j["sgpr_alloc"]
      assert j["peak_pcs"] == [x["pc"] for x in rows if x["live_vgprs"] == max(live)] and j["peak_count"] == len(j["peak_pcs"])
      s = c.get(f"/api/captures/{cid}/kernels/{kid}/summary").json()
      assert j["occupancy"] == s["occupancy"] and s["pressure"]["peak"] == j["peak"]
      assert s["pressure"]["peak_pcs"] == j["peak_pcs"][:8]
      if j["occupancy"]["vgprs_for_next_wave"] is None: assert j["vgprs_to_free_for_next_wave"] is None
      else: assert 0 <= j["vgprs_to_free_for_next_wave"] <= j["occupancy"]["vgprs_to_free"]
      if "live_agprs" in j["peak"]:
        assert max(x["live_agprs"] for x in rows) == j["peak"]["live_agprs"] <= j["agpr_alloc"]
        agprs = max(agprs, j["peak"]["live_agprs"])
      assert main(["json", str(p), f"/api/kernels/{kid}/pressure"]) == 0
      assert capsysbinary.readouterr().out == r.content + b"\n"
  assert agprs > 0 or len(paths) == len(code_objects)        # the MFMA kernels hold AGPRs


def test_demo_capture_without_paths():
  assert DEMO_CAPTURE.is_file() and (DEMO_CAPTURE.parent / "README.md").is_file()
  c = client(create_app([]))
  s = wait_ready(c)
  assert s["origin"] == "demo" and s["state"] == "ready" and s["path"] is None and s["traces"] > 0
  ws = Workspace.open(DEMO_CAPTURE)
  for path in ("/api/kernels", "/api/kernels/0/disasm", "/api/kernels/0/layout", "/api/traces"):
    assert c.get(path).content == expected(ws, path)
  assert "r_32_32_16_2" in c.get("/").text


def test_answers_computed_once_under_concurrency(monkeypatch):
  calls = []
  real = server.api_body
  def counting(ws, path):
    calls.append(path); time.sleep(0.05); return real(ws, path)
  monkeypatch.setattr(server, "api_body", counting)
  app = create_app([])
  c = client(app)
  wait_ready(c)
  slot = app.state.captures.get(0)
  results = []
  threads = [threading.Thread(target=lambda: results.append(slot.answer("/api/kernels/0/layout"))) for _ in range(8)]
  for t in threads: t.start()
  for t in threads: t.join(WAIT_S)
  assert len(results) == 8 and len(set(results)) == 1 and results[0][0] == 200
  assert calls == ["/api/kernels/0/layout"]


# ---------------------------------------------------------------------------------------------------
# OpenAPI, 404s, errors

def test_openapi_and_docs():
  c = client(create_app([]))
  paths = c.get("/openapi.json").json()["paths"]
  for suffix in ("/kernels", "/kernels/{kid}/disasm", "/kernels/{kid}/cfg", "/kernels/{kid}/layout", "/kernels/{kid}/timing",
                 "/kernels/{kid}/waves", "/kernels/{kid}/hotspots", "/traces", "/status"):
    assert f"/api{suffix}" in paths and f"/api/captures/{{cid}}{suffix}" in paths
    assert not any(p["name"] == "cid" for p in paths[f"/api{suffix}"]["get"].get("parameters", []))
  assert {"get", "post"} <= set(paths["/api/captures"])
  assert any(p["name"] == "top" for p in paths["/api/kernels/{kid}/hotspots"]["get"]["parameters"])
  assert not any(p == "/" or p.startswith(("/kernels", "/static")) for p in paths)   # pages are not API
  assert c.get("/openapi.json").status_code == 200 and c.get("/redoc").status_code == 404   # no CDN pages
  r = c.get("/docs")    # our own page from app.openapi(): every route, its parameters, a description, "try it"
  assert r.status_code == 200 and r.headers["content-type"].startswith("text/html") and "/openapi.json" in r.text
  urls = re.findall(r"https?://[^\s\"'<>)]*", r.text)
  assert all(re.match(r"https?://(127\.0\.0\.1|localhost|\[::1\])([:/]|$)", u) for u in urls), urls   # nothing external
  assert "<script" not in r.text
  for path in paths:
    assert f"<code>{path}</code>" in r.text, path
  assert "The `top` instructions by cycles" in r.text and "<code>top</code>" in r.text and "default 10" in r.text
  assert 'href="/api/kernels/0/disasm"' in r.text and 'href="/api/captures/0/kernels/0/hotspots"' in r.text
  assert 'href="/api/captures"' in r.text                              # GET /api/captures: try it
  for href in set(re.findall(r'class="try" href="([^"]+)"', r.text)):  # every "try it" link answers JSON
    t = c.get(href)
    assert t.status_code in (200, 202) and t.headers["content-type"] == "application/json", href


def test_not_found():
  c = client(create_app([]))
  wait_ready(c)
  for path in ("/api/nope", "/api/kernels/7/disasm", "/api/captures/5/kernels", "/api/captures/5/status", "/api/kernels/0/nope"):
    r = c.get(path)
    assert r.status_code == 404 and r.headers["content-type"] == "application/json", path
    assert set(r.json()) == {"error", "status"} and r.json()["status"] == 404
  assert "no kernel 7" in c.get("/api/kernels/7/disasm").json()["error"]     # viz.api's own message
  for path in ("/nope", "/kernels/7", "/captures/5", "/captures/5/kernels/0", "/static/nope.js"):
    r = c.get(path)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html"), path
    assert "Error 404" in r.text
  r = c.get("/api/kernels/x/disasm")
  assert r.status_code == 422 and r.json()["status"] == 422


class Evil:
  def __reduce__(self): return (os.system, ("echo owned",))


def test_bad_captures_leave_the_others_served(tmp_path):
  (garbage := tmp_path / "garbage.pkl").write_bytes(b"\x80\x04 not really a pickle")
  (hostile := tmp_path / "hostile.pkl").write_bytes(pickle.dumps(Evil()))
  (empty := tmp_path / "empty.pkl").write_bytes(b"")
  missing = tmp_path / "missing.pkl"
  c = client(create_app([str(garbage), str(DEMO_CAPTURE), str(hostile), str(empty), str(missing)]))
  for cid, needle in ((0, "not a valid capture pickle"), (2, "refusing to load posix.system"), (3, "empty capture"),
                      (4, "capture not found")):
    s = wait_ready(c, cid)
    assert s["state"] == "error" and needle in s["error"], s
    r = c.get(f"/api/captures/{cid}/kernels")
    assert r.status_code == 422 and r.json() == {"error": s["error"], "status": 422}
    r = c.get(f"/captures/{cid}")
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html") and needle in r.text
    assert c.get(f"/captures/{cid}/kernels/0").status_code == 422
  assert wait_ready(c, 1)["state"] == "ready"
  assert c.get("/api/captures/1/kernels").status_code == 200 and c.get("/captures/1").status_code == 200
  states = [x["state"] for x in c.get("/api/captures").json()["captures"]]
  assert states == ["error", "ready", "error", "error", "error"]


def test_loader_crash_is_a_500_error(tmp_path):
  def broken(source, progress): raise RuntimeError("boom")
  c = client(create_app([str(DEMO_CAPTURE)], loader=broken))
  s = wait_ready(c)
  assert s["state"] == "error" and "boom" in s["error"]
  assert c.get("/api/kernels").json()["status"] == 500


# ---------------------------------------------------------------------------------------------------
# background loading

def test_slow_load_answers_202_with_status():
  release, started = threading.Event(), threading.Event()
  def slow(source, progress):
    progress(0.25, "disassembling kernel 1/4"); started.set()
    assert release.wait(WAIT_S)
    return load_workspace(source, progress)
  c = client(create_app([str(DEMO_CAPTURE)], loader=slow))
  assert started.wait(WAIT_S)
  for path in ("/api/kernels", "/api/kernels/0/layout", "/api/traces", "/api/captures/0/kernels/0/disasm"):
    r = c.get(path)
    assert r.status_code == 202 and r.headers["retry-after"] == "1", path
    assert r.json()["state"] == "loading" and r.json()["progress"] == 0.25 and r.json()["message"] == "disassembling kernel 1/4"
  assert c.get("/api/status").json()["state"] == "loading"
  page = c.get("/")
  assert page.status_code == 200 and 'data-state="loading"' in page.text and "<progress" in page.text
  assert c.get("/kernels/0").status_code == 200            # the page polls; the kernel's existence is checked later
  release.set()
  assert wait_ready(c)["state"] == "ready"
  assert c.get("/api/kernels").status_code == 200 and c.get("/kernels/3").status_code == 404


def test_load_progress_stages():
  seen = []
  ws = load_workspace(str(DEMO_CAPTURE), lambda f, m: seen.append((f, m)))
  messages = [m for _, m in seen]
  assert messages[0] == "loading capture" and "disassembling kernel 1/1" in messages
  n = len(ws.capture.traces)
  decoding = [m for m in messages if m.startswith("decoding")]
  assert decoding[0] == f"decoding {n} traces" and decoding[-1] == f"decoding {n}/{n} traces"
  finished = [int(m.split()[1].split("/")[0]) for m in decoding[1:]]
  assert finished == sorted(finished) and set(finished) >= set(range(1, n + 1))
  fractions = [f for f, _ in seen]
  assert fractions == sorted(fractions) and 0 <= fractions[0] and fractions[-1] <= 1

def test_load_progress_moves_within_a_buffer(tmp_path, monkeypatch):
  """A big buffer reports how far its decoding got chunk by chunk, not only when it is done."""
  import sys
  from tests.capture.test_format import big_buffers
  path = big_buffers(real_capture("gfx1100", "gemm"), tmp_path / "big.amdviz", size=1 << 20)
  monkeypatch.setattr(sys.modules["sqtt.decode"], "CHUNK", 5000)
  monkeypatch.setattr(sys.modules["viz.api"], "SMALL_TRACES", 0)       # the compiled path, in threads
  seen = []
  ws = load_workspace(str(path), lambda f, m: seen.append((f, m)))
  n = len(ws.capture.traces)
  before_any = [f for f, m in seen if m == f"decoding 0/{n} traces"]
  assert len(before_any) >= 10 and len(set(before_any)) >= 10 and 0.5 < max(before_any) < 1
  assert [f for f, _ in seen] == sorted(f for f, _ in seen) and seen[-1][1] == f"decoding {n}/{n} traces"


# ---------------------------------------------------------------------------------------------------
# uploads

def test_upload_raw_and_multipart():
  c = client(create_app([]))
  data = DEMO_CAPTURE.read_bytes()
  r = c.post("/api/captures?name=../../etc/mine.pkl", content=data, headers={"content-type": "application/octet-stream"})
  assert r.status_code == 202 and r.json()["id"] == 1 and r.json()["origin"] == "upload"
  assert r.json()["name"] == "mine.pkl" and r.json()["path"] is None    # a label only, never a path
  assert r.headers["location"] == "/api/captures/1/status"
  r = c.post("/api/captures", files={"file": ("form.pkl", data, "application/octet-stream")})
  assert r.status_code == 202 and (r.json()["id"], r.json()["name"]) == (2, "form.pkl")
  ws = Workspace.open(DEMO_CAPTURE)
  for cid in (1, 2):
    assert wait_ready(c, cid)["state"] == "ready"
    assert c.get(f"/api/captures/{cid}/kernels/0/disasm").content == expected(ws, "/api/kernels/0/disasm")
  assert [x["id"] for x in c.get("/api/captures").json()["captures"]] == [0, 1, 2]
  r = c.post("/api/captures?name=junk.bin", content=b"junk")              # loads like a file: the error is its status
  assert r.status_code == 202 and wait_ready(c, 3)["state"] == "error"
  assert c.post("/api/captures", content=b"").status_code == 400
  assert c.post("/api/captures", files={"other": (None, "x")}).status_code == 400


def test_upload_too_big():
  c = client(create_app([], max_upload_mb=0.01))          # 10 KiB; the demo capture is ~70 KB
  data = DEMO_CAPTURE.read_bytes()
  r = c.post("/api/captures", content=data)
  assert r.status_code == 413 and r.json()["status"] == 413 and "0.01 MB" in r.json()["error"]
  r = c.post("/api/captures", content=iter([data[:8192], data[8192:]]))   # chunked, no Content-Length
  assert r.status_code == 413
  assert c.post("/api/captures", files={"file": ("big.pkl", data)}).status_code == 413
  assert c.post("/api/captures", content=data[:10000]).status_code == 202    # under the cap
  assert len(c.get("/api/captures").json()["captures"]) == 2


# ---------------------------------------------------------------------------------------------------
# safety: static files only from the package, loopback names only

def asgi_get(app, raw_path: bytes) -> tuple[int, bytes]:
  """GET with the path exactly as given: an HTTP client would normalise the dot segments away."""
  path = raw_path.split(b"?")[0].decode("latin-1")
  from urllib.parse import unquote
  scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
           "path": unquote(path), "raw_path": raw_path, "query_string": b"", "root_path": "",
           "headers": [(b"host", b"127.0.0.1")], "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
  out = {"status": None, "body": b""}
  async def receive(): return {"type": "http.request", "body": b"", "more_body": False}
  async def send(m):
    if m["type"] == "http.response.start": out["status"] = m["status"]
    elif m["type"] == "http.response.body": out["body"] += m.get("body", b"")
  anyio.run(app, scope, receive, send)
  return out["status"], out["body"]


def test_static_files_and_no_path_escape():
  app = create_app([])
  c = client(app)
  r = c.get("/static/app.js")
  assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
  assert r.content == (STATIC_DIR / "app.js").read_bytes()
  assert c.get("/static/style.css").headers["content-type"].startswith("text/css")
  secret = (REPO / "viz" / "server.py").read_bytes()
  for raw in (b"/static/../viz/server.py", b"/static/../../../../etc/passwd", b"/static/..%2fviz%2fserver.py",
              b"/static/%2e%2e/viz/server.py", b"/static/%2e%2e%2fviz%2fserver.py", b"/static/%252e%252e%252fviz%252fserver.py",
              b"/static//etc/passwd", b"/static/%2fetc%2fpasswd", b"/static/app.js/../../viz/server.py",
              b"/static/..\\viz\\server.py", b"/static/....//viz/server.py", b"/static/%00app.js", b"/static/"):
    status, body = asgi_get(app, raw)
    assert status == 404, raw
    assert secret[:200] not in body and b"root:" not in body
  for raw in (b"/static/../viz/server.py", b"/static/%2e%2e/viz/server.py"):
    assert c.get(raw.decode()).status_code == 404


def test_only_local_host_names():
  c = client(create_app([]))
  wait_ready(c)
  for host in ("127.0.0.1:8000", "localhost", "LOCALHOST:1", "[::1]:8000"):
    assert c.get("/api/kernels", headers={"host": host}).status_code == 200, host
  for host in ("evil.example", "evil.example:8000", "127.0.0.1.evil.example", ""):
    r = c.get("/api/kernels", headers={"host": host})
    assert r.status_code == 403 and r.json()["status"] == 403, host
  r = c.post("/api/captures", content=b"x", headers={"origin": "http://evil.example"})
  assert r.status_code == 403 and r.json()["error"] == "cross-site write refused"
  assert c.post("/api/captures", content=b"x", headers={"origin": "http://127.0.0.1:8000"}).status_code == 202
  open_c = client(create_app([], allowed_hosts=None))                    # --host 0.0.0.0: any name
  assert open_c.get("/api/status", headers={"host": "box.lan"}).status_code == 200


# ---------------------------------------------------------------------------------------------------
# HTML pages

def test_pages_and_json_twins(real_app):
  r = real_app.get("/")
  assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
  assert "default-src 'self'" in r.headers["content-security-policy"]
  k = real_app.get("/api/kernels").json()["kernels"][0]
  assert k["name"] in r.text and 'href="/api/kernels"' in r.text and 'href="/kernels/0"' in r.text
  hs = real_app.get("/api/kernels/0/hotspots?top=0").json()
  assert "waves traced" in r.text and f"{hs['total_cycles']:,}" in r.text     # traced: the timing columns
  for c in real_app.get("/api/captures").json()["captures"]: assert c["name"] in r.text
  cid = next(i for i, p in enumerate(REAL_CAPTURES) if p.parent.name == "gfx1200")
  page = real_app.get(f"/captures/{cid}")
  assert page.status_code == 200 and f'href="/api/captures/{cid}/kernels"' in page.text
  assert f'href="/captures/{cid}/kernels/0"' in page.text
  kp = real_app.get(f"/captures/{cid}/kernels/0")
  assert kp.status_code == 200 and 'src="/static/app.js"' in kp.text
  for route_ in ("layout", "disasm", "cfg"):
    url = f"/api/captures/{cid}/kernels/0/{route_}"
    assert f'href="{url}"' in kp.text and real_app.get(url).status_code == 200
  assert f'data-layout="/api/captures/{cid}/kernels/0/layout"' in kp.text
  # every script and stylesheet a page names is served
  for page_ in (r, kp):
    for ref in re.findall(r'(?:src|href)="(/static/[^"]+)"', page_.text): assert real_app.get(ref).status_code == 200


def test_untraced_capture_page_has_no_timing_columns(code_objects):
  c = client(create_app([str(code_objects[0])]))
  wait_ready(c)
  r = c.get("/")
  assert r.status_code == 200 and "waves traced" not in r.text and c.get("/api/kernels").json()["kernels"][0]["name"] in r.text


def test_templates_escape_names():
  c = client(create_app([]))
  c.post("/api/captures", params={"name": '<img src=x onerror="alert(1)">.pkl'}, content=b"junk")
  wait_ready(c, 1)
  r = c.get("/")
  assert "<img src=x" not in r.text and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;.pkl" in r.text


def test_static_modules_are_plain_and_local():
  """No CDN, no third-party code: every import in static/ is a relative module of static/ itself."""
  for p in STATIC_DIR.glob("*.js"):
    text = p.read_text()
    for spec in re.findall(r'^\s*import\s[^;]*?from\s+"([^"]+)"', text, re.M): assert (STATIC_DIR / spec).is_file(), spec
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "") and "https://" not in text
  for p in [*STATIC_DIR.glob("*.css"), *TEMPLATES_DIR.glob("*.html")]: assert "//cdn" not in p.read_text()


# ---------------------------------------------------------------------------------------------------
# amdviz serve

def test_serve_main_argument_errors(tmp_path, monkeypatch, capsys):
  assert serve_main([str(tmp_path / "missing.pkl")]) == 2
  assert "no such file" in capsys.readouterr().err
  monkeypatch.setenv("PORT", "eighty")
  assert serve_main([]) == 2 and "PORT must be a number" in capsys.readouterr().err


def test_serve_process_on_a_free_loopback_port():
  """`python -m viz.server --port 0 PATH` in a process of its own: prints its URL, serves a request, stops on
  SIGTERM. Bounded: WAIT_S for the whole exchange."""
  env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""), "PORT": "1"}
  proc = subprocess.Popen([sys.executable, "-m", "viz.server", "--port", "0", str(DEMO_CAPTURE)], cwd=REPO, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
  try:
    line = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)
    reader.start(); reader.join(WAIT_S)
    m = re.search(r"http://127\.0\.0\.1:(\d+)/", line[0] if line else "")
    assert m, f"no URL printed: {line!r}"
    url, deadline = m[0], time.monotonic() + WAIT_S
    while True:
      with urllib.request.urlopen(url + "api/kernels", timeout=10) as r:
        if r.status == 200: body = json.loads(r.read()); break
      assert time.monotonic() < deadline, "capture never became ready"
      time.sleep(0.1)
    assert body == route(Workspace.open(DEMO_CAPTURE), "/api/kernels")
    with urllib.request.urlopen(url, timeout=10) as r: assert b"r_32_32_16_2" in r.read()
  finally:
    proc.terminate()
    try: proc.wait(15)
    except subprocess.TimeoutExpired: proc.kill(); proc.wait(5)


# ---------------------------------------------------------------------------------------------------
# limits: canonical ids, memory budget, delete, JSON errors, one computation per answer

@pytest.mark.parametrize("bad", ["+1", "01", "1.0", "%201", "1%20", "-0", "%D9%A1", "0x1", "1e0", "99999999999"])
def test_ids_are_canonical(bad):
  c = client(create_app([]))
  wait_ready(c)
  for url in (f"/api/captures/{bad}/kernels", f"/api/kernels/{bad}/disasm", f"/api/captures/0/kernels/{bad}/cfg",
              f"/api/kernels/0/waves/{bad}/timeline", f"/captures/{bad}"):
    r = c.get(url)
    assert r.status_code in (404, 422), (url, r.status_code)
    if url.startswith("/api/"): assert r.json()["status"] == r.status_code and r.json()["error"], url
  assert c.get(f"/api/kernels/0/hotspots?top={bad}").status_code in (400, 422)
  assert c.get("/api/captures/0/kernels/0/disasm").status_code == 200 and c.get("/api/kernels/0/hotspots?top=3").status_code == 200
  ws = Workspace.open(DEMO_CAPTURE)
  with pytest.raises(server.ApiError) as e: route(ws, f"/api/kernels/{bad}/disasm")
  assert e.value.status == 404

def test_delete_capture():
  c = client(create_app([]))
  r = c.post("/api/captures?name=up.pkl", content=DEMO_CAPTURE.read_bytes())
  cid = r.json()["id"]
  assert wait_ready(c, cid)["state"] == "ready" and c.get(f"/api/captures/{cid}/kernels").status_code == 200
  page = c.get("/")
  assert f'data-delete="/api/captures/{cid}"' in page.text and 'data-delete="/api/captures/0"' in page.text
  r = c.delete(f"/api/captures/{cid}")
  assert r.status_code == 200 and r.json()["state"] == "deleted" and r.json()["memory_mb"] == 0
  for url in (f"/api/captures/{cid}/kernels", f"/api/captures/{cid}/kernels/0/layout"):
    r = c.get(url)
    assert r.status_code == 410 and r.json()["error"] == f"capture {cid} (up.pkl) was deleted: deleted on request"
  assert c.get(f"/captures/{cid}").status_code == 410 and c.get(f"/captures/{cid}/kernels/0").status_code == 410
  assert c.delete(f"/api/captures/{cid}").status_code == 410 and c.delete("/api/captures/9").status_code == 404
  assert [x["state"] for x in c.get("/api/captures").json()["captures"]] == ["ready", "deleted"]
  assert f'data-delete="/api/captures/{cid}"' not in c.get("/").text
  assert c.get("/api/kernels").status_code == 200                     # the others are untouched
  r = c.delete("/api/captures/0", headers={"origin": "http://evil.example"})
  assert r.status_code == 403                                          # another site's page cannot delete

def test_uploads_stay_within_the_memory_budget():
  one = deep_size(load_workspace(str(DEMO_CAPTURE), lambda f, m: None))
  budget = 2.5 * one                                                   # room for two uploads of the demo capture
  app = create_app([], upload_budget_mb=budget / 2 ** 20)
  c = client(app)
  wait_ready(c)
  data = DEMO_CAPTURE.read_bytes()
  for k in range(1, 6):
    cid = c.post(f"/api/captures?name=up{k}.pkl", content=data).json()["id"]
    assert wait_ready(c, cid)["state"] == "ready"
    caps = c.get("/api/captures").json()["captures"]
    ready = [x for x in caps if x["origin"] == "upload" and x["state"] == "ready"]
    assert [x["id"] for x in ready] == list(range(max(1, k - 1), k + 1))   # the newest two
    assert sum(x["memory_mb"] for x in ready) <= budget / 2 ** 20 + 0.1
    assert caps[0]["state"] == "ready"                                   # a command-line (here: demo) capture stays
  evicted = c.get("/api/captures/1/kernels")
  assert evicted.status_code == 410 and "upload budget" in evicted.json()["error"].replace("MB budget", "upload budget")
  assert app.state.captures.get(1).ws is None
  small = client(create_app([], upload_budget_mb=one / 2 ** 20 / 2))    # one capture alone is over the budget
  cid = small.post("/api/captures", content=data).json()["id"]
  s = wait_ready(small, cid)
  assert s["state"] == "evicted" and "more than the" in s["message"]

def test_errors_are_json_with_a_status(monkeypatch):
  c = client(create_app([]))
  wait_ready(c)
  import errno
  async def disk_full(request, body): raise OSError(errno.ENOSPC, "No space left on device")
  monkeypatch.setattr(server, "_multipart_file", disk_full)
  r = c.post("/api/captures", files={"file": ("x.pkl", b"data")})
  assert r.status_code == 507 and r.json() == {"error": "no room to take the upload: No space left on device", "status": 507}
  monkeypatch.setattr(server.Slot, "status_json", lambda self: 1 / 0)   # a bug of ours anywhere in a route
  quiet = TestClient(c.app, base_url="http://127.0.0.1", raise_server_exceptions=False)
  r = quiet.get("/api/captures")
  assert r.status_code == 500 and r.json()["status"] == 500 and "ZeroDivisionError" in r.json()["error"]
  assert quiet.get("/").status_code == 500 and "text/html" in quiet.get("/").headers["content-type"]

def test_concurrent_requests_share_one_computation(monkeypatch):
  """64 clients ask for the same uncached answer at once: it is computed once, the others wait for it without
  holding a worker thread, and an unrelated request is answered meanwhile."""
  import asyncio, httpx
  calls, release = [], threading.Event()
  real = server.api_body
  def slow(ws, path):
    calls.append(path)
    if path.endswith("/layout"): assert release.wait(WAIT_S)
    return real(ws, path)
  monkeypatch.setattr(server, "api_body", slow)
  app = create_app([])
  wait_ready(client(app))
  async def main():
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as ac:
      many = [asyncio.create_task(ac.get("/api/kernels/0/layout")) for _ in range(64)]
      await asyncio.sleep(0.2)
      other = await asyncio.wait_for(ac.get("/api/kernels/0/cfg"), 10)    # not stuck behind the slow one
      assert other.status_code == 200 and not any(t.done() for t in many)
      release.set()
      return await asyncio.gather(*many)
  answers = asyncio.run(main())
  assert {r.status_code for r in answers} == {200} and len({r.content for r in answers}) == 1
  assert calls.count("/api/kernels/0/layout") == 1

def test_big_answers_gzipped_when_accepted():
  import gzip as gz
  c = client(create_app([str(GEMM)]))
  wait_ready(c)
  slot = c.app.state.captures.get(0)
  plain = c.get("/api/kernels/0/timing", headers={"accept-encoding": "identity"})
  assert "content-encoding" not in plain.headers and len(plain.content) > 4096
  for accept in ("gzip", "gzip, deflate, br", "br;q=1.0, gzip;q=0.5", "*"):
    r = client(c.app).get("/api/kernels/0/timing", headers={"accept-encoding": accept})
    assert r.content == plain.content, accept                 # httpx decodes it: the same bytes
    raw = c.app.state.captures.get(0)._gzipped["/api/kernels/0/timing"]
    assert gz.decompress(raw) == plain.content and len(raw) < len(plain.content) / 3
  with c.stream("GET", "/api/kernels/0/timing", headers={"accept-encoding": "gzip"}) as r:
    assert r.headers["content-encoding"] == "gzip" and r.headers["vary"] == "Accept-Encoding"
    assert b"".join(r.iter_raw()) == slot._gzipped["/api/kernels/0/timing"]
  for accept in ("gzip;q=0", "deflate", ""):
    with c.stream("GET", "/api/kernels/0/timing", headers={"accept-encoding": accept}) as r:
      assert "content-encoding" not in r.headers, accept
  with c.stream("GET", "/api/kernels", headers={"accept-encoding": "gzip"}) as r:
    assert "content-encoding" not in r.headers                # small: sent as it is

def test_disasm_is_paged():
  c = client(create_app([str(GEMM)]))
  wait_ready(c)
  full = c.get("/api/kernels/0/disasm").json()
  assert full["total"] == len(full["instructions"]) and full["offset"] == 0 and full["limit"] is None
  pages = [c.get(f"/api/kernels/0/disasm?offset={o}&limit=10").json() for o in range(0, full["total"], 10)]
  assert [i for p in pages for i in p["instructions"]] == full["instructions"]
  assert c.get("/api/kernels/0/disasm?offset=5").json()["instructions"] == full["instructions"][5:]
  assert c.get("/api/kernels/0/disasm?limit=0").json()["instructions"] == []
  assert c.get("/api/kernels/0/disasm?limit=-1").status_code == 422

def test_load_progress_on_the_terminal():
  """amdviz serve draws the loads of its captures on a terminal line, then says each is ready."""
  import io
  class Tty(io.StringIO):
    def isatty(self): return True
  release = threading.Event()
  def slow(source, progress):
    progress(0.3, "decoding trace 2/6"); assert release.wait(WAIT_S)
    return load_workspace(source, progress)
  app = create_app([str(DEMO_CAPTURE)], loader=slow)
  out = Tty()
  watcher = server.watch_loads(app.state.captures, out, poll_s=0.01)
  time.sleep(0.3)
  release.set()
  watcher.join(WAIT_S)
  text = out.getvalue()
  assert "[#########.....................]  30% gfx1100_gemm.pkl: decoding trace 2/6" in text
  assert "100% gfx1100_gemm.pkl: ready, 1 kernel (" in text and text.endswith("\n")

def test_serve_a_folder_and_pick_up_new_captures(tmp_path):
  import shutil as sh
  for arch, name in (("gfx1100", "empty"), ("gfx1200", "empty")):
    (tmp_path / arch).mkdir(exist_ok=True)
    sh.copy(real_capture(arch, name), tmp_path / arch)
  (tmp_path / "gfx1100" / "notes.txt").write_text("not a capture")
  (tmp_path / "gfx1100" / "broken.pkl").write_bytes(b"\x80\x04junk")
  app = create_app([str(tmp_path / "gfx1100"), str(tmp_path / "gfx1200")])
  c = client(app)
  caps = c.get("/api/captures").json()["captures"]
  assert [(x["folder"], x["name"]) for x in caps] == [("gfx1100", "broken.pkl"), ("gfx1100", "profile_empty_run_0.pkl"),
                                                       ("gfx1200", "profile_empty_run_0.pkl")]
  for cid in range(3): wait_ready(c, cid)
  caps = c.get("/api/captures").json()["captures"]
  assert [x["archs"] for x in caps] == [None, ["gfx1100"], ["gfx1201"]] and caps[0]["state"] == "error"
  page = c.get("/").text
  assert page.count('<span class="folder">gfx1100/</span>') == 2 and "gfx1201" in page
  assert caps[0]["error"] in page.replace("&#39;", "'")          # the load error in its row, not in a tooltip
  sh.copy(real_capture("gfx1100", "plus"), tmp_path / "gfx1100")  # a new capture in a served folder is picked up
  deadline = time.monotonic() + WAIT_S
  while len(c.get("/api/captures").json()["captures"]) < 4: assert time.monotonic() < deadline; time.sleep(0.2)
  assert c.get("/api/captures/3/status").json()["name"] == "profile_plus_run_0.pkl"

def test_a_missing_path_among_several_is_reported():
  from viz.process import start_server, stop_server
  proc, base = start_server(str(GEMM), "/nonexistent/capture.pkl", env={"AMDVIZ_CACHE": "0"})
  try:
    with urllib.request.urlopen(base + "/api/captures", timeout=10) as r: caps = json.loads(r.read())["captures"]
    assert [x["name"] for x in caps] == [GEMM.name]
  finally:
    err = stop_server(proc)
  assert "no such file or folder: /nonexistent/capture.pkl (the others are served)" in err


def test_summary_and_trace_diagnostics_pages(real_app):
  """The summary page says what its JSON twin says (occupancy, mix, costliest wait, linked to the kernel view);
  the diagnostics page lists every trace buffer with its decoder error."""
  cid = next(i for i, p in enumerate(REAL_CAPTURES) if p == GEMM)
  s = real_app.get(f"/api/captures/{cid}/kernels/0/summary?top=10").json()
  r = real_app.get(f"/captures/{cid}/kernels/0/summary")
  assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
  o = s["occupancy"]
  assert f"<b>{o['waves_per_simd']}</b> of {o['max_waves_per_simd']} waves per SIMD" in r.text
  for c, n in s["mix"].items(): assert f'cls-{c}">{c}</span></td><td class="num">{n}</td>' in r.text
  w = s["top_waits"][0]
  assert f"{w['cycles']:,}" in r.text and f'href="/captures/{cid}/kernels/0#pc={w["wait"]:#x}&amp;wait={w["wait"]:#x}"' in r.text
  assert f'href="/api/captures/{cid}/kernels/0/summary"' in r.text                     # the JSON twin
  assert f'href="/captures/{cid}/kernels/0/summary"' in real_app.get(f"/captures/{cid}/kernels/0").text
  assert real_app.get(f"/captures/{cid}/kernels/99/summary").status_code == 404
  traces = real_app.get(f"/api/captures/{cid}/traces").json()["traces"]
  page = real_app.get(f"/captures/{cid}/traces")
  assert page.status_code == 200 and page.text.count('<tr class="trace') == len(traces)
  for t in traces:
    if t["error"]: assert html_escape(t["error"]) in page.text
  assert f'href="/captures/{cid}/traces"' in real_app.get(f"/captures/{cid}").text


def test_vopd_route_and_summary(tmp_path):
  """/vopd through the app: what isa.vopd finds (pcs, text, saves), the VALU and VOPD counts, a note where VOPD cannot
  be (gfx942); the summary page lists the candidates, linked to their lines."""
  if not shutil.which("clang-19"): pytest.skip("clang-19 not installed")
  from isa.elf import load_code_object
  from isa.vopd import analyse
  from tests.llvm_oracle import compile_cl
  src = REPO / "tests" / "corpus" / "02_float_arith.cl"
  paths = [compile_cl(src, "gfx1100", "-O0", cache_dir=tmp_path), compile_cl(src, "gfx1200", "-O3", cache_dir=tmp_path),
           compile_cl(src, "gfx942", "-O3", cache_dir=tmp_path)]
  c = client(create_app([str(p) for p in paths]))
  for cid, p in enumerate(paths):
    assert wait_ready(c, cid)["state"] == "ready"
    co = load_code_object(p.read_bytes())
    for kid, k in enumerate(co.kernels):
      j = c.get(f"/api/captures/{cid}/kernels/{kid}/vopd").json()
      _, found = analyse(co, k)
      assert j == found.json() and j["valu"] == sum(i["mnemonic"].startswith("v_") for i in
                                                    c.get(f"/api/captures/{cid}/kernels/{kid}/disasm").json()["instructions"])
      if co.arch == "gfx942": assert j["candidates"] == [] and j["note"]; continue
      page = c.get(f"/captures/{cid}/kernels/{kid}/summary").text
      assert ("Dual issue (VOPD)" in page) == bool(j["candidates"])
      for cand in j["candidates"]:
        base = f"/captures/{cid}" if cid else ""                  # (capture 0's pages are also the site's root)
        assert html_escape(cand["text"]) in page and f'href="{base}/kernels/{kid}#pc={cand["pcs"][1]:#x}"' in page
  assert c.get("/api/captures/0/kernels/0/vopd").json()["candidates"]          # float_mix -O0 has some

WARM_CHECK = r"""
import sys
import sqtt.jit
from capture import safe_pickle
from viz.api import Workspace
import viz.api
from viz.server import warm_compiled_loops
warm_compiled_loops()
loops = {fn.__name__: d for (fn, calls), d in sqtt.jit._done.items() if not calls}
before = {name: len(d.signatures) for name, d in loops.items()}
safe_pickle.LAZY_BYTES, viz.api.SMALL_TRACES = 1 << 16, 0       # a big capture's path: bytes left in the file, threads
ws = Workspace.open(sys.argv[1])
traced = sum(1 for r in ws.analysis().traces if r.mapping is not None and len(r.mapping.ev_inst))
after = {name: len(d.signatures) for name, d in loops.items()}
print(sorted(before.items()), traced, after == before)
"""

def test_warm_up_compiles_what_big_captures_run(tmp_path):
  """`amdviz serve` warms numba's loops on the demo capture in the background (warm_compiled_loops): in a fresh
  interpreter it compiles exactly the specializations a big capture's analysis then calls (read from its file
  window by window, in worker threads), so that analysis compiles nothing more."""
  import subprocess
  from tests.capture.test_format import big_buffers
  path = big_buffers(real_capture("gfx1100", "gemm"), tmp_path / "big.amdviz", size=1 << 20)
  out = subprocess.run([sys.executable, "-c", WARM_CHECK, str(path)], capture_output=True, text=True, timeout=600,
                       cwd=Path(__file__).resolve().parents[2])
  assert out.returncode == 0, out.stderr[-2000:]
  loops, traced, same = out.stdout.split("] ")[0] + "]", *out.stdout.split("] ")[1].split()
  assert all(f"('{name}', 1)" in loops for name in ("_frame", "_walk", "_event_sums", "_attribute_waits")), loops
  assert int(traced) >= 1 and same == "True", out.stdout
