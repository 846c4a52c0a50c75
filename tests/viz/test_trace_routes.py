"""Thread-trace routes (/api/traces, /api/kernels/ID/{timing,cfg,waves,hotspots}) and `amdviz stats`, on every
real capture, a bare code object, and a capture built in memory around a synthetic stream."""
from __future__ import annotations
import io, json
import pytest
from tests.conftest import REAL_CAPTURES, real_capture
from tests.sqtt.test_mapping import GFX11_KERNEL, TWO_WAVES, stream
from viz.api import ApiError, Workspace, route
from capture import Capture, TraceBuffer, load_capture
from viz.cli import main
from viz.progress import TraceProgress as Progress

_open: dict[str, Workspace] = {}

def ws_for(path) -> Workspace:
  if str(path) not in _open: _open[str(path)] = Workspace.open(path)
  return _open[str(path)]

def get(ws: Workspace, path: str) -> dict:
  body = route(ws, path)
  return json.loads(json.dumps(body))      # what the server would send: plain JSON types only

def test_traces_route(capture_path):
  ws = ws_for(capture_path)
  traces = get(ws, "/api/traces")["traces"]
  assert [t["id"] for t in traces] == list(range(len(ws.capture.traces)))
  for t, buf in zip(traces, ws.capture.traces):
    assert t["se"] == buf.se and t["itrace"] == buf.itrace and t["bytes"] == len(buf.blob) and t["packets"] > 0
    assert t["kernel_id"] is not None and ws.kernels[t["kernel_id"]].program.tag == buf.kern_tag
    assert t["waves_started"] == t["waves_ended"] and t["unmapped"] == 0
    assert t["error"] is None or "runs past the end" in t["error"]       # a cut-off last packet, nothing worse
    if not buf.itrace: assert t["instruction_packets"] == 0 and t["traced_unit"] is None

def test_timing_cfg_waves_hotspots(capture_path):
  ws = ws_for(capture_path)
  for k in get(ws, "/api/kernels")["kernels"]:
    kid = k["id"]
    timing = get(ws, f"/api/kernels/{kid}/timing")
    assert timing["traced"]
    rows = timing["instructions"]
    assert [r["pc"] for r in rows] == [i["pc"] for i in get(ws, f"/api/kernels/{kid}/disasm")["instructions"]]
    entry = next(r for r in rows if r["pc"] == k["entry_pc"])
    assert entry["hits"] == timing["waves"]
    for r in rows:
      assert r["hits"] >= r["timed"] >= 0 and (r["cycles_min"] is None) == (r["timed"] == 0)
      if r["timed"]: assert r["cycles_min"] <= r["cycles_mean"] <= r["cycles_max"]
      for w in r["wait"]: assert any(x["pc"] == r["pc"] for x in next(q for q in rows if q["pc"] == w["pc"])["waited_on_by"])
    cfg = get(ws, f"/api/kernels/{kid}/cfg")
    assert all("count" in e for e in cfg["edges"]) and all("hits" in b and "cycles" in b for b in cfg["blocks"])
    assert sum(b["cycles"] for b in cfg["blocks"]) == sum(r["cycles_total"] for r in rows)
    waves = get(ws, f"/api/kernels/{kid}/waves")["waves"]
    traced = [w for w in waves if w["traced"]]
    assert len(traced) == timing["waves"] and all(w["end"] >= w["start"] for w in waves)
    assert sum(w["n_insts"] for w in traced) == sum(r["hits"] for r in rows)
    for w in traced: assert w["blocks"][0] == k["entry_pc"] and w["status"] == "ended"
    hot = get(ws, f"/api/kernels/{kid}/hotspots?top=3")
    cycles = [h["cycles_total"] for h in hot["hotspots"]]
    assert len(cycles) <= 3 and cycles == sorted(cycles, reverse=True)
    assert cycles == sorted((r["cycles_total"] for r in rows if r["cycles_total"]), reverse=True)[:3]
    for h in hot["hotspots"]:
      assert sum(c["here"] for c in h["context"]) == 1 and h["block"] <= h["pc"]

def test_gemm_hotspot_is_the_global_load_wait():
  path = real_capture("gfx1100", "gemm")
  hot = get(ws_for(path), "/api/kernels/0/hotspots?top=1")["hotspots"][0]
  assert hot["text"] == "s_waitcnt vmcnt(1)" and hot["hits"] == 10
  assert [(w["counter"], w["text"]) for w in hot["waited_on"]] == [("vmcnt", "global_load_b32 v5, v[3:4], off")]

CLASSES = {"SALU", "VALU", "SMEM", "VMEM", "LDS", "BRANCH", "WAIT", "OTHER"}

def gemm_gfx1100():
  return real_capture("gfx1100", "gemm")

def test_wave_timeline_spans_tile_each_traced_wave():
  ws = ws_for(gemm_gfx1100())
  insts = {i["pc"]: i for i in get(ws, "/api/kernels/0/disasm")["instructions"]}
  waves = get(ws, "/api/kernels/0/waves")["waves"]
  traced = [n for n, w in enumerate(waves) if w["traced"]]
  assert len(traced) == 10
  for n in traced:
    tl = get(ws, f"/api/kernels/0/waves/{n}/timeline")
    spans, w = tl["spans"], waves[n]
    assert tl["traced"] and (tl["wave"], tl["start"], tl["end"]) == (n, w["start"], w["end"]) and len(spans) == w["n_insts"]
    assert all(s["start"] <= s["end"] for s in spans) and all(a["end"] == b["start"] for a, b in zip(spans, spans[1:]))
    # contiguous, so the spans add up to the wave's first issue to its end (the WAVE_START stamp comes earlier)
    assert w["start"] <= spans[0]["start"] and spans[-1]["end"] == w["end"]
    assert sum(s["end"] - s["start"] for s in spans) == w["end"] - spans[0]["start"]
    assert all(s["pc"] in insts for s in spans) and spans[0]["pc"] == get(ws, "/api/kernels")["kernels"][0]["entry_pc"]
    for s in spans:
      mn = insts[s["pc"]]["mnemonic"]
      assert s["class"] in CLASSES
      if mn.startswith("s_waitcnt"): assert s["class"] == "WAIT"
      elif mn.startswith("v_"): assert s["class"] == "VALU"
      elif mn.startswith("global_"): assert s["class"] == "VMEM"
      elif mn.startswith("ds_"): assert s["class"] == "LDS"
      elif mn.startswith("s_load"): assert s["class"] == "SMEM"
      elif mn.startswith("s_cbranch"): assert s["class"] == "BRANCH"
    assert {"VALU", "SALU", "WAIT", "VMEM", "SMEM"} <= {s["class"] for s in spans}
    # the per-instruction timeline is the same clock as /timing: the hottest wait dominates
    assert max(spans, key=lambda s: s["end"] - s["start"])["class"] == "WAIT"
  # the spans of every traced wave add up to /timing's cycles
  rows = get(ws, "/api/kernels/0/timing")["instructions"]
  assert sum(s["end"] - s["start"] for n in traced for s in get(ws, f"/api/kernels/0/waves/{n}/timeline")["spans"]) == \
    sum(r["cycles_total"] for r in rows)
  untraced = next(n for n, w in enumerate(waves) if not w["traced"])
  assert get(ws, f"/api/kernels/0/waves/{untraced}/timeline") == \
    {"wave": untraced, "start": waves[untraced]["start"], "end": waves[untraced]["end"], "traced": False, "spans": []}
  with pytest.raises(ApiError) as e: route(ws, f"/api/kernels/0/waves/{len(waves)}/timeline")
  assert e.value.status == 404

def test_wave_timeline_via_server_equals_amdviz_json(capsys):
  import warnings
  with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient
  from tests.viz.test_server import wait_ready
  from viz.server import create_app
  path = gemm_gfx1100()
  c = TestClient(create_app([str(path)]), base_url="http://127.0.0.1")
  assert wait_ready(c)["state"] == "ready"
  n = next(n for n, w in enumerate(c.get("/api/kernels/0/waves").json()["waves"]) if w["traced"])
  for n_ in (n, n + 1):
    route_ = f"/api/kernels/0/waves/{n_}/timeline"
    assert main(["json", str(path), route_]) == 0
    cli = capsys.readouterr().out.strip().encode()
    for url in (route_, route_.replace("/api/", "/api/captures/0/")):
      r = c.get(url)
      assert r.status_code == 200 and r.content == cli
  assert c.get("/api/kernels/0/waves/99999/timeline").status_code == 404

def test_bad_query_and_unknown_route():
  ws = ws_for(REAL_CAPTURES[0])
  with pytest.raises(ApiError) as e: route(ws, "/api/kernels/0/hotspots?top=many")
  assert e.value.status == 400
  with pytest.raises(ApiError): route(ws, "/api/kernels/0/nothing")
  assert route(ws, "/api/kernels/0/hotspots?top=0")["hotspots"] == []

def test_bare_code_object_has_no_timing(tmp_path):
  cap = load_capture(real_capture("gfx1100", "gemm"))
  elf = tmp_path / "k.hsaco"
  elf.write_bytes(cap.programs[0].lib)
  ws = Workspace.open(elf)
  assert get(ws, "/api/traces") == {"traces": []}
  assert get(ws, "/api/kernels/0/timing") == {"traced": False, "waves": 0, "instructions": [], "counters": [], "coverage": None,
                                               "problem": None}
  cfg = get(ws, "/api/kernels/0/cfg")
  assert cfg["blocks"] and all("hits" not in b for b in cfg["blocks"]) and all("count" not in e for e in cfg["edges"])
  assert get(ws, "/api/kernels/0/waves") == {"total": 0, "offset": 0, "limit": 10000, "waves": []}
  assert get(ws, "/api/kernels/0/hotspots")["hotspots"] == []

def synthetic_workspace(dispatches: int = 1) -> Workspace:
  """A capture in memory: the 7-instruction test kernel in a real gfx1100 code object's place, traced on SE 1."""
  real = load_capture(real_capture("gfx1100", "gemm"))
  ws = Workspace(Capture("<synthetic>", real.devices, real.programs, [], "amdviz"))
  kv = ws.kernels[0]
  # swap the kernel's code for the test kernel's: same entry pc, the test's instructions
  from isa.decode import Disassembler
  from isa.cfg import build_cfg
  entry = kv.kernel.entry_pc
  kv.__dict__["instructions"] = Disassembler("gfx1100").disassemble(GFX11_KERNEL, entry)
  kv.__dict__["cfg"] = build_cfg(kv.instructions, entry)
  blob = stream("rdna3", TWO_WAVES)
  ws.capture.traces = [TraceBuffer(kv.program.device, kv.program.tag, 1, blob, True, e) for e in range(dispatches)]
  return ws

def test_synthetic_capture_routes_exact():
  ws = synthetic_workspace(dispatches=2)          # two dispatches of one kernel aggregate
  t = get(ws, "/api/kernels/0/timing")
  base = ws.kernels[0].kernel.entry_pc
  assert t["waves"] == 4
  assert [(r["pc"] - base, r["hits"], r["cycles_total"], r["cycles_min"], r["cycles_max"]) for r in t["instructions"]] == \
    [(0x0, 4, 4, 1, 1), (0x8, 4, 778, 191, 198), (0xc, 4, 10, 2, 3), (0x10, 4, 4, 1, 1), (0x14, 2, 12, 6, 6),
     (0x18, 2, 2, 1, 1), (0x1c, 4, 546, 94, 179)]
  wait = t["instructions"][1]["wait"]
  assert wait == [{"pc": base, "counter": "lgkmcnt", "cycles": 772, "count": 4}]
  assert t["instructions"][0]["waited_on_by"] == [{"pc": base + 8, "counter": "lgkmcnt", "cycles": 772, "count": 4}]
  cfg = get(ws, "/api/kernels/0/cfg")
  assert [(b["id"] - base, b["hits"], b["cycles"]) for b in cfg["blocks"]] == [(0x0, 4, 796), (0x14, 2, 14), (0x1c, 4, 546)]
  assert sorted((e["from"] - base, e["to"] - base, e["kind"], e["count"]) for e in cfg["edges"]) == \
    [(0x0, 0x14, "fallthrough", 2), (0x0, 0x1c, "taken", 2), (0x14, 0x1c, "fallthrough", 2)]
  waves = get(ws, "/api/kernels/0/waves")["waves"]
  assert [(w["trace"], w["se"], w["cu"], w["simd"], w["wave"], w["start"], w["end"], w["n_insts"], [b - base for b in w["blocks"]])
          for w in waves] == [(d, 1, 0, 0, s, 100 + s, 400 + 100 * s, 5 + 2 * s, [0x0, 0x1c] if s == 0 else [0x0, 0x14, 0x1c])
                              for d in range(2) for s in range(2)]
  hot = get(ws, "/api/kernels/0/hotspots?top=2")
  assert hot["total_cycles"] == 2 * (290 + 388)
  assert [(h["pc"] - base, h["cycles_total"]) for h in hot["hotspots"]] == [(0x8, 778), (0x1c, 546)]
  assert hot["hotspots"][0]["waited_on"][0]["text"] == "s_load_b32 s2, s[0:1], null"
  traces = get(ws, "/api/traces")["traces"]
  assert [(t["kernel_id"], t["exec_tag"], t["instruction_packets"], t["mapped"], t["waves_started"]) for t in traces] == \
    [(0, 0, 9, 9, 2), (0, 1, 9, 9, 2)]

def test_stats_command(capsys):
  path = real_capture("gfx1200", "gemm")
  assert main(["stats", str(path), "--top", "3"]) == 0
  out = capsys.readouterr()
  assert "r_32_32_16_2" in out.out and "hottest instructions" in out.out and "s_wait_loadcnt" in out.out
  assert "<- loadcnt" in out.out and out.err == ""         # no progress bar: not a terminal, small trace

def test_progress_bar_on_a_terminal():
  class Tty(io.StringIO):
    def isatty(self): return True
  s = Tty()
  bar = Progress(s, width=10)
  bar(50, 100, "trace 1/2"); bar(100, 100, "trace 2/2")
  text = s.getvalue()
  assert "[#####.....]  50%" in text and "[##########] 100%" in text and text.endswith("\n")
  quiet = io.StringIO()
  Progress(quiet)(100, 100, "x")
  assert quiet.getvalue() == ""
  Progress(quiet)(Progress.BIG, Progress.BIG, "x")           # big work: reported even off a terminal
  assert "100%" in quiet.getvalue()

def test_json_command_with_a_query(capsys):
  path = real_capture("gfx1100", "gemm")
  assert main(["json", str(path), "/api/kernels/0/hotspots?top=2"]) == 0
  body = json.loads(capsys.readouterr().out)
  assert len(body["hotspots"]) == 2 and body["waves"] == 10

def test_waves_are_paged():
  ws = ws_for(real_capture("gfx1100", "gemm"))
  full = get(ws, "/api/kernels/0/waves?limit=100000")
  assert full["total"] == len(full["waves"]) > 500 and full["offset"] == 0
  pages = [get(ws, f"/api/kernels/0/waves?offset={o}&limit=100") for o in range(0, full["total"], 100)]
  assert [w for p in pages for w in p["waves"]] == full["waves"] and {p["total"] for p in pages} == {full["total"]}
  assert get(ws, f"/api/kernels/0/waves?offset={full['total'] + 5}")["waves"] == []
  assert get(ws, "/api/kernels/0/waves?limit=0")["waves"] == []
  with pytest.raises(ApiError) as e: route(ws, "/api/kernels/0/waves?offset=-1")
  assert e.value.status == 400

def test_summary_route(capture_path):
  """/summary agrees with the routes it condenses: the mix counts every instruction, the executed counts and
  cycles per class sum /timing's hits and cycles, the costliest waits are /timing's waits, and the occupancy is
  isa.occupancy's for the kernel's descriptor."""
  from isa.occupancy import occupancy
  from viz.api import inst_class
  ws = ws_for(capture_path)
  for k in get(ws, "/api/kernels")["kernels"]:
    if k["n_instructions"] is None: continue
    kid, kv = k["id"], ws.kernel(k["id"])
    s = get(ws, f"/api/kernels/{kid}/summary?top=100")
    assert (s["name"], s["arch"], s["instructions"]) == (k["name"], k["arch"], k["n_instructions"])
    assert sum(s["mix"].values()) == k["n_instructions"] and list(s["mix"].values()) == sorted(s["mix"].values(), reverse=True)
    d = kv.kernel.descriptor
    wg = kv.kernel.metadata.get(".max_flat_workgroup_size")
    assert s["occupancy"] == occupancy(k["arch"], d.vgprs, d.agprs, d.wave32, k["sgprs"], d.group_segment_fixed_size, wg).json()
    assert 1 <= s["occupancy"]["waves_per_simd"] <= s["occupancy"]["max_waves_per_simd"]
    timing = get(ws, f"/api/kernels/{kid}/timing")
    if not timing["waves"]:
      assert s["executed"] is None and s["top_waits"] == []; continue
    texts = {i.pc: i.text for i in kv.instructions}
    hits, cycles = {}, {}
    for row in timing["instructions"]:
      c = inst_class(texts[row["pc"]].split()[0])
      hits[c] = hits.get(c, 0) + row["hits"]; cycles[c] = cycles.get(c, 0) + row["cycles_total"]
    assert s["executed"] == hits and s["cycles_by_class"] == cycles and s["total_cycles"] == sum(cycles.values())
    waits = sorted(((w["cycles"], row["pc"], w["pc"], w["counter"], w["count"]) for row in timing["instructions"]
                    for w in row["wait"]), key=lambda w: -w[0])
    got = [(w["cycles"], w["wait"], w["source"], w["counter"], w["count"]) for w in s["top_waits"]]
    assert sorted(got) == sorted(waits) and [w[0] for w in got] == [w[0] for w in waits]
    assert all(w["wait_text"] == texts[w["wait"]] and w["source_text"] == texts[w["source"]] for w in s["top_waits"])
    assert len(get(ws, f"/api/kernels/{kid}/summary?top=1")["top_waits"]) == min(1, len(waits))
