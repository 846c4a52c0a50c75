"""viz/diff.py: a capture against itself, two simulated runs of one kernel against their /timing, a changed kernel
aligned, kernel pairing, `amdviz diff` (table and --json), /api/diff and the /diff page in chromium."""
from __future__ import annotations
import json, threading, time, urllib.request, warnings
import numpy as np
import pytest
from tests.conftest import real_capture
from tests.llvm_oracle import compile_cl, have_llvm
from viz import diff as vdiff
from viz.api import Workspace, dumps, route
from viz.cli import main
from viz.diff import align, diff_json, pair_kernels

with warnings.catch_warnings():
  warnings.simplefilter("ignore")
  from fastapi.testclient import TestClient

WAIT_S = 60
GEMM = real_capture("gfx1100", "gemm")
needs_llvm = pytest.mark.skipif(not have_llvm(), reason="clang-19 not installed")

# one kernel, and the same with one more instruction at its end (an fma before the store)
ACCUM = """
__kernel void accum(__global float *out, __global const float *in, int n) {
  int i = __builtin_amdgcn_workgroup_id_x() * __builtin_amdgcn_workgroup_size_x() + __builtin_amdgcn_workitem_id_x();
  float s = 0.0f;
  for (int k = 0; k < n; k++) s += in[i + k] * 0.5f;
  out[i] = %s;
}
"""


def diff_paths(a, b, kernel_a=None, kernel_b=None) -> dict:
  wa, wb = Workspace.open(str(a)), Workspace.open(str(b))
  return diff_json(lambda p: route(wa, p), lambda p: route(wb, p), kernel_a, kernel_b)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
  """Simulated captures: "a4"/"a16" the kernel with a 4- and a 16-trip loop, "b16" the changed kernel's 16-trip run."""
  if not have_llvm(): pytest.skip("clang-19 not installed")
  from emu import run
  d = tmp_path_factory.mktemp("diff")
  out = {}
  for name, result in (("a", "s"), ("b", "s * s + 1.0f")):
    (src := d / f"{name}.cl").write_text(ACCUM % result)
    code = compile_cl(src, "gfx1100")
    for n in ((4, 16) if name == "a" else (16,)):
      args = (np.zeros(256, np.float32), np.arange(512, dtype=np.float32), n)
      out[f"{name}{n}"] = run(code, "accum", grid=4, block=64, args=args).save(d / f"{name}{n}.amdviz")
  return out


# ---------------------------------------------------------------------------------------------------
# the logic

def assert_all_zero(body: dict):
  assert body["kernels"] and not body["unpaired_a"] and not body["unpaired_b"]
  for k in body["kernels"]:
    assert k["a"] == k["b"] and k["matched_by"] == "pc" and k["only_a"] == k["only_b"] == 0
    assert k["totals"]["delta"] == 0 and k["totals"]["cycles_a"] == k["totals"]["cycles_b"] > 0
    assert all(r["delta"] == 0 and r["pc_a"] == r["pc_b"] and r["cycles_a"] == r["cycles_b"] and r["hits_a"] == r["hits_b"]
               and r["matched_by"] == "pc" for r in k["instructions"])


def test_a_capture_against_itself_is_all_zeros():
  assert_all_zero(diff_paths(GEMM, GEMM))


def test_a_simulated_capture_against_itself_is_all_zeros(runs):
  assert_all_zero(diff_paths(runs["a16"], runs["a16"]))


def test_two_runs_differ_by_their_timing(runs):
  """The same code run with a longer loop: matched by pc, and each delta is the difference of the two /timing rows."""
  body = diff_paths(runs["a4"], runs["a16"])
  [k] = body["kernels"]
  wa, wb = Workspace.open(str(runs["a4"])), Workspace.open(str(runs["a16"]))
  ta = {r["pc"]: r for r in route(wa, "/api/kernels/0/timing")["instructions"]}
  tb = {r["pc"]: r for r in route(wb, "/api/kernels/0/timing")["instructions"]}
  assert k["matched_by"] == "pc" and len(k["instructions"]) == len(ta) == len(tb)
  for r in k["instructions"]:
    a, b = ta[r["pc_a"]], tb[r["pc_b"]]
    assert r["pc_a"] == r["pc_b"] and r["matched_by"] == "pc"
    assert (r["cycles_a"], r["cycles_b"], r["hits_a"], r["hits_b"]) == (a["cycles_total"], b["cycles_total"], a["hits"], b["hits"])
    assert r["delta"] == b["cycles_total"] - a["cycles_total"]
  t = k["totals"]
  assert t["cycles_a"] == sum(r["cycles_total"] for r in ta.values()) and t["cycles_b"] == sum(r["cycles_total"] for r in tb.values())
  assert t["delta"] == sum(r["delta"] for r in k["instructions"]) > 0          # 4x the trips: slower
  assert any(r["delta"] > 0 for r in k["instructions"]) and any(r["delta"] == 0 for r in k["instructions"])   # loop vs the rest


def test_a_changed_kernel_aligns(runs):
  """One instruction more (and registers renamed after it): the unchanged instructions matched, the new one alone."""
  wa, wb = Workspace.open(str(runs["a16"])), Workspace.open(str(runs["b16"]))
  ia, ib = route(wa, "/api/kernels/0/disasm")["instructions"], route(wb, "/api/kernels/0/disasm")["instructions"]
  [k] = diff_paths(runs["a16"], runs["b16"])["kernels"]
  rows = k["instructions"]
  assert k["matched_by"] == "alignment"
  # every instruction of each side once, in program order
  assert [r["pc_a"] for r in rows if r["pc_a"] is not None] == [i["pc"] for i in ia]
  assert [r["pc_b"] for r in rows if r["pc_b"] is not None] == [i["pc"] for i in ib]
  # the code up to the loop's back edge is the same: matched by text at the same pcs
  loop_end = next(n for n, i in enumerate(ia) if i["mnemonic"] == "s_cbranch_scc0")
  assert rows[:loop_end + 1] == [r for r in rows[:loop_end + 1] if r["matched_by"] == "text" and r["pc_a"] == r["pc_b"]]
  # the new fma is B's alone; the end of both is matched
  [fma] = [r for r in rows if r["text"].startswith("v_fma_f32")]
  assert fma["pc_a"] is None and fma["cycles_a"] is None and fma["delta"] == fma["cycles_b"] > 0
  assert [r["text"] for r in rows[-3:]] == [i["text"] for i in ia[-3:]] and all(r["matched_by"] == "text" for r in rows[-3:])
  assert k["only_b"] >= 1 and k["only_a"] + k["matched"] == len(ia) and k["only_b"] + k["matched"] == len(ib)
  # a renamed register is still its instruction: matched by mnemonic, A's text beside it
  renamed = [r for r in rows if r["matched_by"] == "mnemonic" and r["text"].startswith("v_add_co_u32")]
  assert renamed and all(r["text_a"] != r["text"] for r in renamed)
  assert k["totals"]["delta"] == sum(r["delta"] for r in rows)
  # the other way round, the fma is A's alone
  [back] = diff_paths(runs["b16"], runs["a16"])["kernels"]
  [fma] = [r for r in back["instructions"] if r["text"].startswith("v_fma_f32")]
  assert fma["pc_b"] is None and fma["delta"] == -fma["cycles_a"]


def inst(text: str, target=None) -> dict:
  return {"text": text, "mnemonic": text.split()[0], "target": target, "reads": ["v0"] if " v" in text else [], "writes": []}


def test_alignment_rules():
  a = [inst("s_load_b32 s0, s[0:1], 0x10"), inst("v_add_f32 v1, v2, v3"), inst("s_cbranch_scc1 4", 0x40),
       inst("v_mul_f32 v4, v1, v1"), inst("s_endpgm")]
  b = [inst("s_load_b32 s0, s[0:1], 0x10"), inst("v_sub_f32 v9, v2, v3"), inst("v_add_f32 v1, v2, v3"),
       inst("s_cbranch_scc1 5", 0x44), inst("v_mul_f32 v5, v1, v1"), inst("s_endpgm")]
  # an insertion alone; a branch whose offset moved matches by its mnemonic; a renamed register by mnemonic
  assert align(a, b) == [(0, 0, "text"), (None, 1, None), (1, 2, "text"), (2, 3, "text"), (3, 4, "mnemonic"), (4, 5, "text")]
  # different mnemonics are never paired: a replaced instruction is one deletion and one insertion, A's first
  assert align([inst("v_add_f32 v1, v2, v3")], [inst("v_sub_f32 v1, v2, v3")]) == [(0, None, None), (None, 0, None)]
  # one identical instruction outweighs two same-mnemonic pairs
  x, y = inst("v_add_f32 v1, v2, v3"), inst("v_add_f32 v7, v8, v9")
  assert align([x, y], [y, x]) in ([(0, None, None), (1, 0, "text"), (None, 1, None)], [(None, 0, None), (0, 1, "text"), (1, None, None)])
  assert align([], b) == [(None, k, None) for k in range(len(b))] and align(a, []) == [(k, None, None) for k in range(len(a))]


def test_alignment_of_a_middle_too_big_for_one_table(monkeypatch):
  """Past MAX_CELLS the middle is cut at difflib's matching blocks: here the same answer as one table gives."""
  rng = np.random.default_rng(3)
  a = [inst(f"v_{rng.choice(['add', 'mul', 'fma'])}_f32 v{rng.integers(60)}, v{rng.integers(60)}, v1") for _ in range(400)]
  b = list(a)
  for k in (50, 120, 300): b.insert(k, inst("v_sub_f32 v0, v0, v0"))
  del b[200]; b[350] = inst("v_add_f32 v99, v98, v97")
  whole = align(a, b)
  monkeypatch.setattr(vdiff, "MAX_CELLS", 64)
  assert align(a, b) == whole
  assert sum(1 for r in whole if r[1] is not None and r[0] is None) == 3 + 1


def test_pairing_kernels():
  k = lambda *names: [{"id": i, "name": n} for i, n in enumerate(names)]
  assert pair_kernels(k("x", "y", "z"), k("z", "x", "y")) == [(0, 1), (1, 2), (2, 0)]           # by name
  assert pair_kernels(k("x", "x", "q"), k("x", "r", "x")) == [(0, 0), (1, 2), (2, 1)]          # repeated names in order, then order
  assert pair_kernels(k("x", "y"), k("y")) == [(1, 0)]                                          # x has no partner
  assert pair_kernels(k("x", "y"), k("y", "x"), kernel_a=1) == [(1, 0)]                          # one named: its namesake
  assert pair_kernels(k("x", "y"), k("p", "q"), kernel_b=1) == [(1, 1)]                          # no namesake: the same id
  assert pair_kernels(k("x", "y"), k("y", "x"), 0, 0) == [(0, 0)]                               # both named
  with pytest.raises(LookupError): pair_kernels(k("x"), k("x"), 0, 3)


def test_untraced_side_has_no_delta(tmp_path):
  """A bare code object has code but no timing: rows matched, cycles and deltas null, said per side."""
  from capture import load_capture
  (elf := tmp_path / "k.hsaco").write_bytes(load_capture(GEMM).programs[0].lib)
  [k] = diff_paths(GEMM, elf)["kernels"]
  assert k["matched_by"] == "pc" and k["measured_a"] and not k["measured_b"] and k["totals"]["delta"] is None
  assert all(r["delta"] is None and r["cycles_b"] is None and r["cycles_a"] is not None for r in k["instructions"])


# ---------------------------------------------------------------------------------------------------
# amdviz diff

def test_cli_table(runs, capsys):
  assert main(["diff", str(runs["a4"]), str(runs["a16"]), "--top", "5"]) == 0
  out = capsys.readouterr().out
  [k] = diff_paths(runs["a4"], runs["a16"])["kernels"]
  t = k["totals"]
  assert f"cycles: A {t['cycles_a']:,} ({k['waves_a']} waves), B {t['cycles_b']:,} ({k['waves_b']} waves), delta {t['delta']:+,d}" in out
  table = out[out.index("instruction\n") + len("instruction\n"):].splitlines()
  shown = [int(line.split()[0].replace(",", "")) for line in table[:5]]
  assert shown == sorted((r["delta"] for r in k["instructions"] if r["delta"]), key=abs, reverse=True)[:5]   # hottest first
  assert "more with a delta" in table[5]
  assert main(["diff", str(runs["a16"]), str(runs["a16"])]) == 0
  assert "no instruction changed its cycles" in capsys.readouterr().out


def test_cli_json_schema(runs, capsys):
  assert main(["diff", str(runs["a16"]), str(runs["b16"]), "--json"]) == 0
  body = json.loads(capsys.readouterr().out)
  assert body == diff_paths(runs["a16"], runs["b16"])
  [k] = body["kernels"]
  assert {"a", "b", "instructions"} <= set(k) and (k["a"], k["b"]) == (0, 0)
  for r in k["instructions"]:
    assert {"pc_a", "pc_b", "text", "cycles_a", "cycles_b", "delta", "hits_a", "hits_b", "matched_by"} <= set(r)
    assert all(r[f] is None or isinstance(r[f], int) for f in ("pc_a", "pc_b", "cycles_a", "cycles_b", "delta"))
    assert isinstance(r["text"], str) and (r["pc_a"] is not None or r["pc_b"] is not None)
  # two kernels named explicitly, of one capture or two; a kernel that is not there
  assert main(["diff", str(GEMM), str(GEMM), "--kernel-a", "0", "--kernel-b", "0", "--json"]) == 0
  assert_all_zero(json.loads(capsys.readouterr().out))
  assert main(["diff", str(GEMM), str(runs["a4"]), "--kernel-b", "7"]) == 2
  assert "no kernel 7" in capsys.readouterr().err
  assert main(["diff", str(GEMM), "/nonexistent.pkl"]) == 1


# ---------------------------------------------------------------------------------------------------
# the server

def client(app) -> TestClient:
  return TestClient(app, base_url="http://127.0.0.1")


def wait_ready(c: TestClient, cid: int):
  deadline = time.monotonic() + WAIT_S
  while c.get(f"/api/captures/{cid}/status").json()["state"] == "loading":
    assert time.monotonic() < deadline; time.sleep(0.02)


def test_route_and_page(runs):
  from viz.server import create_app
  c = client(create_app([str(runs["a16"]), str(runs["b16"]), str(GEMM)]))
  for cid in range(3): wait_ready(c, cid)
  want = dumps(diff_paths(runs["a16"], runs["b16"], 0, 0))
  for q in ("a=0:0&b=1:0", "a=0&b=1", "a=0:0&b=1", "b=1"):   # kernels by name; a's default: capture 0
    r = c.get(f"/api/diff?{q}")
    assert r.status_code == 200 and r.content == want, q
  assert c.get("/api/diff").content == c.get("/api/diff?a=0&b=2").content              # b's default: the last capture
  assert c.get("/api/diff?a=0&b=0").json()["kernels"][0]["totals"]["delta"] == 0
  assert c.get("/api/diff?a=2&b=0:0").json()["kernels"][0]["matched_by"] == "alignment"     # gemm against accum
  for q, status in (("a=01&b=1", 400), ("a=0:&b=1", 400), ("a=x&b=1", 400), ("a=0&b=9", 404), ("a=0:5&b=1", 404)):
    r = c.get(f"/api/diff?{q}")
    assert r.status_code == status and r.json()["status"] == status, q
  page = c.get("/diff?a=0:0&b=1:0")
  assert page.status_code == 200 and 'data-diff="/api/diff?a=0:0&amp;b=1:0"' in page.text
  assert 'data-layout="/api/captures/1/kernels/0/layout"' in page.text         # B's graph
  assert c.get("/diff?a=0&b=1").text == page.text and c.get("/diff?a=0&b=1:3").status_code == 404
  assert 'href="/diff?a=1&amp;b=0:0"' in c.get("/").text                         # the index links each kernel's diff
  assert "/api/diff" in c.get("/openapi.json").json()["paths"]


def test_route_waits_for_a_loading_capture(runs):
  from viz.server import create_app, load_workspace
  release = threading.Event()
  def slow(source, progress):
    if source.endswith("b16.amdviz"): assert release.wait(WAIT_S)
    return load_workspace(source, progress)
  c = client(create_app([str(runs["a16"]), str(runs["b16"])], loader=slow))
  wait_ready(c, 0)
  r = c.get("/api/diff?a=0&b=1")
  assert r.status_code == 202 and r.headers["retry-after"] == "1" and r.json()["state"] == "loading" and r.json()["id"] == 1
  release.set(); wait_ready(c, 1)
  assert c.get("/api/diff?a=0&b=1").status_code == 200


# ---------------------------------------------------------------------------------------------------
# the page in chromium

def test_diff_page_colours_lines_and_shows_the_legend(runs):
  from tests.viz.test_browser import _playwright, BROWSER_ARGS, CHROMIUM, serving
  sync_playwright = _playwright()
  with serving(runs["a16"], runs["b16"]) as url, sync_playwright() as p:
    for cid in (0, 1):
      deadline = time.monotonic() + WAIT_S
      while json.loads(urllib.request.urlopen(f"{url}/api/captures/{cid}/status").read())["state"] == "loading":
        assert time.monotonic() < deadline; time.sleep(0.05)
    b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
    try:
      pg = b.new_page(viewport={"width": 1200, "height": 760})
      errors = []
      pg.on("pageerror", lambda e: errors.append(str(e)))
      pg.goto(f"{url}/diff?a=0:0&b=1:0")
      pg.wait_for_selector("body[data-state=ready]")
      [k] = json.loads(urllib.request.urlopen(f"{url}/api/diff?a=0:0&b=1:0").read())["kernels"]
      rows = {r["pc_b"]: r for r in k["instructions"] if r["pc_b"] is not None}
      lines = pg.eval_on_selector_all(".cfg .line[data-delta]", """ls => ls.map(l => [+l.dataset.pc, +l.dataset.delta,
          getComputedStyle(l).backgroundColor, l.querySelector('.gutter .cyc').textContent, l.classList.contains('inserted')])""")
      assert len(lines) == len(rows)
      colours = set()
      for pc, delta, bg, shown, inserted in lines:
        r = rows[pc]
        assert delta == r["delta"] and inserted == (r["pc_a"] is None)
        assert shown == ("+" if delta > 0 else "-" if delta < 0 else "±") + str(abs(delta))
        rgba = [float(v) for v in bg[bg.index("(") + 1:-1].split(",")]
        alpha = rgba[3] if len(rgba) == 4 else 1.0
        assert (alpha > 0) == (delta != 0), (pc, bg)
        if delta: colours.add("green" if rgba[1] > rgba[0] else "red"); assert (rgba[1] > rgba[0]) == (delta < 0), (pc, bg)
      assert colours == {"green", "red"}                          # this change made some instructions faster, some slower
      legend = pg.locator(".diff-legend")
      assert legend.is_visible() and "faster" in legend.text_content() and "slower" in legend.text_content()
      assert f"{k['totals']['cycles_a']:,}" in legend.text_content() and pg.locator(".diff-legend .diff-scale").is_visible()
      # the table: A's and B's numbers and the change, A's lone instructions among them
      heads = pg.locator("table.insts th").all_text_contents()
      assert heads == ["pc", "instruction", "A cyc", "B cyc", "Δ", "A hits", "B hits"]
      assert pg.locator("table.insts tbody tr").count() == len(k["instructions"])
      assert pg.locator("table.insts tr.only-a").count() == k["only_a"] > 0
      assert errors == []
    finally:
      b.close()
