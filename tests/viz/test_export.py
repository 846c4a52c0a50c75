"""viz/export.py: amdviz export writes Parquet tables that DuckDB reads back with the numbers the JSON routes give."""
import pytest
from tests.conftest import real_capture
from viz.api import Workspace, route
from viz.cli import main
from viz.export import partition_name

duckdb = pytest.importorskip("duckdb", reason="duckdb is a test dependency (pip install -e '.[test]')")
pytest.importorskip("pyarrow", reason="pyarrow is needed to export (pip install -e '.[export]')")

CAPTURES = [real_capture("gfx1100", "gemm"), real_capture("gfx1100", "sync"), real_capture("gfx1200", "gemm")]

def query(out, table: str, sql: str):
  return duckdb.sql(sql.replace("T", f"read_parquet('{out}/{table}/*/*.parquet', hive_partitioning=true)")).fetchall()

@pytest.fixture(scope="module")
def exported(tmp_path_factory):
  out = tmp_path_factory.mktemp("export")
  assert main(["export", *map(str, CAPTURES[:2]), "--out", str(out)]) == 0
  assert main(["export", str(CAPTURES[2]), "--out", str(out)]) == 0          # a second run adds beside the first
  return out, [partition_name(Workspace.open(p).capture) for p in CAPTURES]

def test_tables_match_the_routes(exported):
  out, names = exported
  for name, path in zip(names, CAPTURES):
    ws = Workspace.open(path)
    kernels = route(ws, "/api/kernels")["kernels"]
    got = query(out, "kernels", f"select kernel_id, name, n_instructions, vgprs, problem from T where capture = '{name}' order by 1")
    assert got == [(k["id"], k["name"], k["n_instructions"], k["vgprs"], k["problem"]) for k in kernels]
    for k in kernels:
      timing = route(ws, f"/api/kernels/{k['id']}/timing")
      disasm = route(ws, f"/api/kernels/{k['id']}/disasm")["instructions"]
      rows = query(out, "instructions", f"select pc, text, hits, cycles_total, cycles_mean from T where capture = '{name}' "
                                         f"and kernel_id = {k['id']} order by pc")
      want = [(i["pc"], i["text"]) for i in disasm]
      assert [(pc, text) for pc, text, *_ in rows] == want
      if timing["traced"]:
        assert [(h, c, m) for *_, h, c, m in rows] == [(r["hits"], r["cycles_total"], r["cycles_mean"]) for r in timing["instructions"]]
      waves = route(ws, f"/api/kernels/{k['id']}/waves?limit=100000")["waves"]
      got = query(out, "waves", f"select trace, se, cu, simd, wave, start, \"end\", n_insts, traced, status from T "
                                f"where capture = '{name}' and kernel_id = {k['id']} order by trace, start, cu, simd, wave")
      want = sorted((w["trace"], w["se"], w["cu"], w["simd"], w["wave"], w["start"], w["end"], w["n_insts"], w["traced"], w["status"])
                    for w in waves)
      assert sorted(got, key=lambda r: r[:6]) == sorted(want, key=lambda r: r[:6])
      cfg = route(ws, f"/api/kernels/{k['id']}/cfg")
      start = {b["id"]: b["start"] for b in cfg["blocks"]}
      edges = sorted((start[e["from"]], start[e["to"]], "fallthrough" if e["kind"] == "fallthrough" else "taken", e["count"])
                     for e in cfg.get("edges", []) if e.get("count"))
      assert query(out, "edges", f"select src, dst, kind, count from T where capture = '{name}' and kernel_id = {k['id']} "
                                 "order by 1, 2, 3") == edges

def test_one_query_across_captures(exported):
  out, names = exported
  rows = query(out, "instructions", "select capture, sum(cycles_total) from T group by capture order by capture")
  assert [r[0] for r in rows] == sorted(names) and names[0] != names[2] and names[0].startswith("profile_gemm_run_0-")
  assert all(r[1] > 0 for r in rows)
  hottest = query(out, "instructions", "select mnemonic from T order by cycles_total desc limit 1")
  assert hottest[0][0].startswith("s_wait")

def test_export_again_replaces_its_partition(exported, tmp_path):
  out, names = exported
  before = query(out, "waves", f"select count(*) from T where capture = '{names[1]}'")
  assert main(["export", str(CAPTURES[1]), "--out", str(out)]) == 0
  assert query(out, "waves", f"select count(*) from T where capture = '{names[1]}'") == before
  assert len(query(out, "kernels", "select distinct capture from T")) == 3

def test_bare_code_object(tmp_path):
  from capture import load_capture
  (elf := tmp_path / "k.hsaco").write_bytes(load_capture(CAPTURES[0]).programs[0].lib)
  assert main(["export", str(elf), "--out", str(tmp_path / "out")]) == 0
  assert query(tmp_path / "out", "instructions", "select count(*), sum(hits) from T") == [(72, 0)]
  assert not (tmp_path / "out" / "waves").exists()

def test_waves_written_in_batches(exported, tmp_path, monkeypatch):
  """The waves table is written a batch at a time (WAVE_ROWS): cut every 2 waves, the same rows, nulls and types."""
  import viz.export
  out, names = exported
  monkeypatch.setattr(viz.export, "WAVE_ROWS", 2)
  assert main(["export", str(CAPTURES[1]), "--out", str(tmp_path)]) == 0
  cols = "kernel_id, trace, se, cu, simd, wave, start, \"end\", n_insts, traced, status"
  rows = lambda d: query(d, "waves", f"select {cols} from T where capture = '{names[1]}' order by all")
  small, whole = rows(tmp_path), rows(out)
  assert small == whole and len(whole) >= 5
  kinds = lambda d: query(d, "waves", f"select typeof(cu), typeof(\"end\"), typeof(status) from T limit 1")
  assert kinds(tmp_path) == kinds(out) == [("SMALLINT", "BIGINT", "VARCHAR")]

def test_a_wave_that_never_ended_has_no_end(tmp_path):
  """A wave cut off by the end of its trace exports a null end, as /waves gives None."""
  import dataclasses
  from capture import load_capture, save_capture
  cap = load_capture(CAPTURES[0])
  t = max(cap.traces, key=lambda t: len(t.blob))
  cut = dataclasses.replace(cap, traces=[dataclasses.replace(x, blob=x.blob[:len(x.blob) // 2]) if x is t else x
                                           for x in cap.traces])
  save_capture(cut, path := tmp_path / "cut.amdviz")
  assert main(["export", str(path), "--out", str(tmp_path / "out")]) == 0
  ws = Workspace.open(path)
  open_waves = sum(w["end"] is None for w in route(ws, "/api/kernels/0/waves?limit=100000")["waves"])
  assert open_waves and query(tmp_path / "out", "waves", 'select count(*) from T where "end" is null') == [(open_waves,)]
