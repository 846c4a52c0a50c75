"""`amdviz emu` as a user runs it: argument specs, the capture it writes (opened by `amdviz stats`), clear errors."""
from __future__ import annotations
import subprocess, sys
import numpy as np
import pytest
from emu.cli import parse_arg
from tests.emu.test_run import ELEMENTWISE, build
from tests.llvm_oracle import have_llvm


def amdviz(*args, cwd=None):
  return subprocess.run([sys.executable, "-m", "viz.cli", *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_arg_specs(tmp_path):
  rng = np.random.default_rng(0)
  a = parse_arg("buf:f32:8=1.5", rng)
  assert a.dtype == np.float32 and a.shape == (8,) and (a == 1.5).all()
  assert (parse_arg("buf:u16:5=iota", rng) == np.arange(5)).all() and parse_arg("buf:i8:3", rng).dtype == np.int8
  r = parse_arg("buf:f64:1000=rand", rng)
  assert r.dtype == np.float64 and 0 <= r.min() and r.max() < 1
  np.save(tmp_path / "x.npy", np.arange(6, dtype=np.int64).reshape(2, 3))
  assert parse_arg(str(tmp_path / "x.npy"), rng).shape == (2, 3) == parse_arg(f"buf:{tmp_path / 'x.npy'}", rng).shape
  assert parse_arg("0x10", rng) == 16 and parse_arg("-2.5", rng) == -2.5
  s = parse_arg("i32:1000", rng)
  assert isinstance(s, np.int32) and s == 1000 and parse_arg("f32:1.75", rng) == np.float32(1.75)
  for bad in ("buf:f31:4", "buf:f32:zero", "buf:f32:0", "buf:f32:4=x", "hello", "i8:300", "i32:1.5", "q:1",
              f"buf:{tmp_path / 'missing.npy'}"):
    with pytest.raises(ValueError, match="--arg"): parse_arg(bad, rng)


@pytest.mark.skipif(not have_llvm(), reason="clang-19 not installed")
def test_emu_writes_a_capture_stats_reads(tmp_path_factory, tmp_path):
  code = build(tmp_path_factory, ELEMENTWISE, "gfx1100")
  out = tmp_path / "run.amdviz"
  r = amdviz("emu", code, "--kernel", "saxpy", "--grid", "8", "--block", "64", "--arg", "buf:f32:512=1", "--arg", "buf:f32:512=iota",
             "--arg", "f32:2", "--arg", "500", "-o", out, "--out-buffers", tmp_path / "outs")
  assert r.returncode == 0, r.stderr
  assert "saxpy (gfx1100): 16 waves" in r.stdout and str(out) in r.stdout
  y = np.load(tmp_path / "outs" / "arg0.npy")
  want = np.where(np.arange(512) < 500, 2 * np.arange(512, dtype=np.float32) + 1, 1).astype(np.float32)
  assert np.array_equal(y, want)
  s = amdviz("stats", out)
  assert s.returncode == 0 and "saxpy" in s.stdout and "0 unmapped" in s.stdout and "16 started, 16 ended" in s.stdout, s.stdout
  bad = amdviz("emu", code, "--kernel", "saxpy", "--arg", "buf:f32:4")
  assert bad.returncode == 1 and "saxpy takes 4 arguments" in bad.stderr and "Traceback" not in bad.stderr
  oob = amdviz("emu", code, "--kernel", "oob", "--arg", "buf:i32:4", "-o", tmp_path / "x.amdviz")
  assert oob.returncode == 1 and "outside every buffer" in oob.stderr and "Traceback" not in oob.stderr
