"""The suite's real-capture tests pass in a copy of the repository with nothing beside it (no ../shared), as in
a user's fresh clone: the data they need is in tests/data."""
import os, shutil, subprocess, sys
from pathlib import Path
import pytest

REPO = Path(__file__).resolve().parents[1]
# the test modules that read real captures (tests/data/captures/real)
REAL_CAPTURE_TESTS = ["tests/isa/test_elf.py", "tests/viz/test_cli.py", "tests/viz/test_trace_routes.py",
                      "tests/capture/test_format.py", "tests/sqtt/test_decode.py"]


def repo_files() -> list[str]:
  """Files a clone of this working tree would have: tracked ones and new ones not ignored."""
  if not (REPO / ".git").exists() or not shutil.which("git"): pytest.skip("not a git checkout: nothing to clone")
  out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                       capture_output=True, check=True).stdout
  return [f for f in out.decode().split("\0") if f and (REPO / f).is_file()]


def test_real_capture_tests_pass_without_shared(tmp_path, report):
  clone = tmp_path / "amdviz"          # tmp_path holds nothing else: no ../shared beside the clone
  for f in repo_files():
    (clone / f).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / f, clone / f)
  assert not (clone.parent / "shared").exists()
  env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
  env["PYTHONPATH"] = str(clone)       # the copy's packages, not this checkout's (an editable install points here)
  r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *REAL_CAPTURE_TESTS],
                     cwd=clone, env=env, capture_output=True, text=True, timeout=900)
  tail = "\n".join(r.stdout.splitlines()[-30:])
  assert r.returncode == 0, tail
  assert "empty parameter set" not in r.stdout and "no real captures" not in r.stdout, tail
  summary = r.stdout.strip().splitlines()[-1]
  report(f"fresh clone (no ../shared): {summary.strip('= ')}")
