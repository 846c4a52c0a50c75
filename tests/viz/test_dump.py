"""amdviz dump: within its token budget (characters / 4) on every real capture and a big compiled kernel, for budgets
of 1k to 32k tokens, in both formats; the same bytes every time; the hottest instruction and the costliest wait in
both formats; what was cut said; pressure used where its route answers, VOPD where a /vopd route would."""
import json
from functools import lru_cache

import pytest

from tests.conftest import REAL_CAPTURES, real_capture
from viz import dump as dump_module
from viz.api import ApiError, Workspace, route
from viz.cli import main
from viz.dump import CHARS_PER_TOKEN, MIN_BUDGET, dump

BUDGETS = (1000, 4000, 8000, 32000)
GEMM = real_capture("gfx1200", "gemm")


@lru_cache(maxsize=None)
def workspace(path) -> Workspace:
  return Workspace.open(path)


@pytest.mark.parametrize("budget", BUDGETS)
def test_within_budget_on_every_real_capture(capture_path, budget):
  ws = workspace(capture_path)
  for fmt in ("md", "json"):
    text = dump(ws, capture_path.name, fmt, budget)
    assert len(text) <= budget * CHARS_PER_TOKEN, (fmt, len(text))
    if fmt == "json": json.loads(text)


def test_largest_capture_fills_its_budget_and_says_what_was_cut(report):
  """The real capture with the most to say: small budgets cut (and say so), and use most of what they are given."""
  full = {p: len(dump(workspace(p), p.name, "md", 32000)) for p in REAL_CAPTURES}
  largest = max(full, key=lambda p: (full[p], p.name))
  sizes = []
  for budget in BUDGETS:
    md, js = (dump(workspace(largest), largest.name, fmt, budget) for fmt in ("md", "json"))
    cut = json.loads(js)["cut"]
    sizes.append(f"{budget}: md {len(md) // CHARS_PER_TOKEN}, json {len(js) // CHARS_PER_TOKEN}")
    if full[largest] > budget * CHARS_PER_TOKEN:
      assert "left out to fit: " in md and cut and len(md) > 0.75 * budget * CHARS_PER_TOKEN, budget
    else: assert md.rstrip().endswith("complete") and cut is None
  report(f"dump of {largest.parent.name}/{largest.name}, tokens used per budget: " + "; ".join(sizes))


def test_never_over_budget_even_when_the_estimate_errs(monkeypatch):
  """Every part estimated free: all are taken, and the dump drops the last ones taken until it fits."""
  monkeypatch.setattr(dump_module, "_cost", lambda *a: 0)
  for budget in (MIN_BUDGET, 1000, 2000):
    for fmt in ("md", "json"):
      text = dump(workspace(real_capture("gfx1100", "sync")), "sync", fmt, budget)
      assert budget * CHARS_PER_TOKEN * 0.5 < len(text) <= budget * CHARS_PER_TOKEN


def test_the_same_bytes_every_time():
  for fmt in ("md", "json"):
    assert dump(Workspace.open(GEMM), "gemm", fmt, 4000) == dump(Workspace.open(GEMM), "gemm", fmt, 4000)


@pytest.mark.parametrize("budget", BUDGETS)
def test_both_formats_hold_the_hottest_instruction_and_wait(budget):
  ws = workspace(GEMM)
  hot = route(ws, "/api/kernels/0/hotspots?top=1")["hotspots"][0]
  wait = route(ws, "/api/kernels/0/summary")["top_waits"][0]
  md = dump(ws, "gemm", "md", budget)
  assert f"{hot['pc']:#x} `{hot['text']}`: {hot['cycles_total']} cycles" in md
  assert f"{wait['wait']:#x} `{wait['wait_text']}` waited on {wait['counter']} for {wait['source']:#x} `{wait['source_text']}`" in md
  k = json.loads(dump(ws, "gemm", "json", budget))["kernels"][0]
  assert (k["hottest"][0]["pc"], k["hottest"][0]["text"], k["hottest"][0]["cycles"]) == (hot["pc"], hot["text"], hot["cycles_total"])
  assert k["waits"][0] == wait
  assert k["occupancy"]["waves_per_simd"] == route(ws, "/api/kernels/0/summary")["occupancy"]["waves_per_simd"]
  assert k["coverage"]["waves_started"] == route(ws, "/api/kernels/0/timing")["coverage"]["waves_started"]
  blocks = k["blocks"]
  assert blocks and blocks[0]["cycles"] == max(b["cycles"] for b in route(ws, "/api/kernels/0/cfg")["blocks"])
  assert hot["pc"] in {ln["pc"] for ln in blocks[0]["lines"]}           # the hottest block's listing keeps its hottest line


def test_full_listing_equals_the_api():
  """With room, a block's lines are /disasm's text and /timing's hits and cycles, every one."""
  ws = workspace(GEMM)
  k = json.loads(dump(ws, "gemm", "json", 32000))["kernels"][0]
  rows = {r["pc"]: r for r in route(ws, "/api/kernels/0/timing")["instructions"]}
  text = {i["pc"]: i["text"] for i in route(ws, "/api/kernels/0/disasm")["instructions"]}
  lines = [ln for b in k["blocks"] for ln in b["lines"]]
  assert all(b["lines_cut"] == 0 for b in k["blocks"]) and len(lines) == len(rows)
  for ln in lines: assert (ln["text"], ln["hits"], ln["cycles"]) == (text[ln["pc"]], rows[ln["pc"]]["hits"], rows[ln["pc"]]["cycles_total"])


def test_pressure_when_its_route_answers_vopd_when_one_would(monkeypatch):
  ws = workspace(GEMM)
  peak = route(ws, "/api/kernels/0/pressure")["peak"]["live_vgprs"]
  assert f"register pressure: peak {peak} live VGPRs" in dump(ws, "gemm", "md", 8000)
  vopd = {"valu": 30, "issued": 1, "candidates": [{"pcs": [6144, 6148], "text": "v_dual_add_f32 v0, v0, v3 :: v_dual_mov_b32 v1, 0", "saves": 3}]}
  def fake(ws, path):
    if path.endswith("/pressure"): raise ApiError(404, f"no route {path}")
    if path.endswith("/vopd"): return vopd
    return route(ws, path)
  monkeypatch.setattr(dump_module, "route", fake)
  md = dump(ws, "gemm", "md", 8000)
  assert "register pressure" not in md and "VOPD: 30 VALU instructions, 1 VOPD already; 1 more pair could issue as one (saving 3 cycles)" in md
  assert "0x1800 + 0x1804: `v_dual_add_f32 v0, v0, v3 :: v_dual_mov_b32 v1, 0`, saves 3 cycles" in md
  k = json.loads(dump(ws, "gemm", "json", 8000))["kernels"][0]
  assert k["pressure"] is None and k["vopd_candidates"] == vopd["candidates"]


def test_big_untraced_kernel_within_budget(tmp_path):
  """A 6k-instruction kernel of many blocks, no trace: blocks in address order, shortened and cut to fit."""
  import shutil
  if not shutil.which("clang-19"): pytest.skip("clang-19 is missing (needed to build the big kernel)")
  from benchmarks.make_big_kernel import build_big_kernel
  ws = Workspace.open(build_big_kernel(str(tmp_path / "big.hsaco"), "gfx1100", 6000, "branchy"))
  for budget in (MIN_BUDGET, *BUDGETS):
    for fmt in ("md", "json"):
      text = dump(ws, "big.hsaco", fmt, budget)
      assert len(text) <= budget * CHARS_PER_TOKEN, (budget, fmt, len(text))
  md = dump(ws, "big.hsaco", "md", 8000)
  assert "### blocks (not traced: in address order)" in md and "more blocks not listed" in md and "not traced" in md


def test_kernel_without_code_says_its_problem():
  from capture import load_capture
  cap = load_capture(real_capture("gfx1100", "sync"))
  cap.programs[0].lib = b"not an ELF at all"
  md = dump(Workspace(cap), "broken", "md", 4000)
  assert "## kernel 0: custom_lds_sync (gfx1100)\nproblem: bad code object: not an ELF file (bad magic)" in md
  assert "## kernel 1: E_32_4\n" in md
  assert json.loads(dump(Workspace(cap), "broken", "json", 4000))["kernels"][0]["problem"].startswith("bad code object")


def test_command_line(capsys):
  assert main(["dump", str(GEMM), "--format", "json", "--budget", "2000"]) == 0
  out = capsys.readouterr().out
  assert len(out) <= 2000 * CHARS_PER_TOKEN and json.loads(out)["budget_tokens"] == 2000
  with pytest.raises(SystemExit): main(["dump", str(GEMM), "--budget", "10"])
