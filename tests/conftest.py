"""Shared test data: the real captures the repository carries (tests/data, origin in its README)."""
import os
from pathlib import Path
import pytest

# the on-disk analysis cache is off in tests (every analysis is computed, nothing lands in ~/.cache); the cache's
# own tests turn it on in a temporary directory
os.environ["AMDVIZ_CACHE"] = "0"

DATA_DIR = Path(__file__).resolve().parent / "data"
REAL_CAPTURES = sorted((DATA_DIR / "captures" / "real").glob("*/*.pkl"))
assert REAL_CAPTURES, f"the real captures are missing from {DATA_DIR}: the checkout is incomplete"


def real_capture(arch: str, name: str) -> Path:
  """tests/data/captures/real/<arch>/profile_<name>_run_0.pkl (KeyError-like failure naming the file if absent)."""
  path = DATA_DIR / "captures" / "real" / arch / f"profile_{name}_run_0.pkl"
  if not path.is_file(): raise FileNotFoundError(f"no real capture {path.relative_to(DATA_DIR)} in tests/data")
  return path

@pytest.fixture
def real_captures() -> list[Path]:
  return REAL_CAPTURES

def pytest_generate_tests(metafunc):
  # a test taking `capture_path` runs once per real capture, named <arch>/<file>
  if "capture_path" in metafunc.fixturenames:
    metafunc.parametrize("capture_path", REAL_CAPTURES, ids=[f"{p.parent.name}/{p.stem}" for p in REAL_CAPTURES])

# Match rates and other measurements the tests report: printed in pytest's terminal summary, so a plain
# `pytest -q` run shows them (print() output of passing tests is hidden).
_REPORTED: list[str] = []

@pytest.fixture
def report():
  return _REPORTED.append

def pytest_terminal_summary(terminalreporter):
  if _REPORTED:
    terminalreporter.section("measured")
    for line in _REPORTED: terminalreporter.write_line(line)
