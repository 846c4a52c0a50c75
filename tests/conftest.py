"""Shared test data: the read-only captures in ../shared beside the repository."""
from pathlib import Path
import pytest

SHARED_DIR = (Path(__file__).resolve().parents[1] / ".." / "shared").resolve()
REAL_CAPTURES = sorted((SHARED_DIR / "captures" / "real").glob("*/*.pkl"))

@pytest.fixture
def shared_dir() -> Path:
  if not SHARED_DIR.is_dir(): pytest.skip(f"no shared data at {SHARED_DIR}")
  return SHARED_DIR

@pytest.fixture
def real_captures() -> list[Path]:
  if not REAL_CAPTURES: pytest.skip("no real captures in shared/captures/real")
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
