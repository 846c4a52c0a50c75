"""benchmarks/bench_isa.py keeps working: one round on a small generated kernel. No timing is checked."""
import json
import shutil

import pytest

from benchmarks import bench_isa

pytestmark = pytest.mark.skipif(not (shutil.which("clang-19") and shutil.which("llvm-objdump-19")),
                                reason="needs clang-19 and llvm-objdump-19")


def test_bench_isa_small_kernel(tmp_path, capsys):
  argv = ["--target-insts", "2000", "--repeat", "1", "--cache-dir", str(tmp_path)]
  assert bench_isa.main(argv + ["--json"]) == 0
  (r,) = json.loads(capsys.readouterr().out)["results"]
  assert r["mcpu"] == "gfx1100" and r["instructions"] >= 1000
  assert r["instructions"] == r["objdump_instructions"]
  names = [x["name"] for x in r["results"]]
  assert names[0] == "llvm-objdump" and {"disasm", "cfg", "def/use index", "api disasm", "api cfg"} <= set(names)
  assert all(x["seconds"] > 0 and x["ratio_to_llvm_objdump"] > 0 for x in r["results"])
  # second run: the kernel comes from the cache; the table prints the ratios
  assert bench_isa.main(argv + ["--profile", "5"]) == 0
  out = capsys.readouterr().out
  assert "building" not in out and "x llvm-objdump time" in out and "CFG + def/use for" in out
  assert "function calls" in out   # the cProfile report


def test_bench_emu_calibration_runs(capsys):
  """benchmarks/bench_emu.py's calibration: the model fed the real captures' traced pcs, per kernel, both RDNA targets."""
  from benchmarks import bench_emu
  assert bench_emu.main(["--skip-speed", "--json"]) == 0
  out = json.loads(capsys.readouterr().out)
  cal = out["calibration"]
  assert {r["arch"][:6] for r in cal} == {"gfx110", "gfx120"}
  assert all(r["waves"] > 0 and r["measured"] > 0 and r["model"] > 0 for r in cal)
