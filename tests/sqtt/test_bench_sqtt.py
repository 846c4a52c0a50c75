"""benchmarks/bench_sqtt.py keeps working: one quick round, our side only (tinygrad is no dependency). No timing is checked."""
import json
from benchmarks import bench_sqtt

def test_bench_sqtt_ours_only(real_captures, capsys):
  assert bench_sqtt.main(["--no-tinygrad", "--mb", "0.2", "--repeat", "1", "--json"]) == 0
  out = json.loads(capsys.readouterr().out)
  labels = [r["input"] for r in out["results"]]
  assert any(l.startswith("real, all") for l in labels) and sum(l.startswith("synthetic") for l in labels) == 3
  assert all(r["packets"] > 0 and r["ours_mb_s"] > 0 and "ratio" not in r for r in out["results"])
  assert out["cold_start_s"] > 0 and out["tinygrad"] is None
