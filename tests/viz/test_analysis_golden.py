"""The trace analysis gives the answers pinned in tests/data/analysis_golden.json.gz (tools/analysis_golden.py) on
every real capture: /traces, and per kernel /timing, /cfg, /hotspots, /waves and every traced wave's timeline.
A rewrite of the pipeline (streaming, compact columns, caching) must not change what a user sees."""
import gzip, json
import pytest
from tools.analysis_golden import CAPTURES, OUT, bodies

GOLDEN = json.loads(gzip.decompress(OUT.read_bytes()))

@pytest.mark.parametrize("loops", ["compiled", "interpreted"])
@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_same_answers(name, loops, monkeypatch):
  """Both ways the loops run: compiled by numba (big captures) and as plain Python (small ones, viz.api.SMALL_TRACES)."""
  monkeypatch.setattr("viz.api.SMALL_TRACES", 0 if loops == "compiled" else 1 << 40)
  now = json.loads(json.dumps(bodies(CAPTURES / name)))    # as JSON: tuples become lists, as in the file
  want = GOLDEN[name]
  assert sorted(now) == sorted(want)
  for route in want: assert now[route] == want[route], f"{name} {route}"
