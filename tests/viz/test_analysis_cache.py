"""viz.analysis_cache: a capture opened again takes its analysis from disk and answers exactly as before; an
entry that is stale, corrupt or lies about itself is ignored and rebuilt, never trusted."""
import json, logging, os
import numpy as np
import pytest
from tests.conftest import REAL_CAPTURES, real_capture
from tools.analysis_golden import bodies_of
from viz import analysis_cache
from viz.api import Workspace, route

@pytest.fixture
def cache(tmp_path, monkeypatch):
  monkeypatch.setenv("AMDVIZ_CACHE", "1")
  monkeypatch.setenv("AMDVIZ_CACHE_DIR", str(tmp_path / "cache"))
  return tmp_path / "cache" / "analysis" / f"v{analysis_cache.FORMAT}"

def opened(path) -> Workspace:
  ws = Workspace.open(path)
  ws.analysis(); ws.save_analysis()
  return ws

def bodies(path) -> dict:
  """Every trace route's answer (tools/analysis_golden.py), the analysis then written to the cache if it was computed."""
  ws = Workspace.open(path)
  out = json.loads(json.dumps(bodies_of(ws)))
  ws.save_analysis()
  return out

def test_reopen_answers_the_same(cache):
  for path in REAL_CAPTURES:
    fresh = bodies(path)                                 # computed, and written to the cache
    assert len(list(cache.iterdir())) >= 1
    ws = Workspace.open(path)
    assert analysis_cache.load(ws) is not None, path     # the entry is there and trusted
    assert bodies(path) == fresh, path                   # every route from the cached analysis: the same answers

def test_a_changed_file_is_a_new_entry(cache, tmp_path):
  src = real_capture("gfx1100", "gemm").read_bytes()
  a, b = tmp_path / "a.pkl", tmp_path / "b.pkl"
  a.write_bytes(src); opened(a)
  b.write_bytes(src + b"\0")                             # trailing byte after the pickle's STOP: same capture, other file
  ws = Workspace.open(b)
  assert ws.capture.key != Workspace.open(a).capture.key and analysis_cache.load(ws) is None

def test_a_file_changed_while_analysed(cache, tmp_path, monkeypatch):
  """Trace bytes left in the file (capture.FileBytes) are read when analysed: if the file changed since it was
  opened, those traces say so, the others are analysed, and nothing is cached under the old content's key."""
  from capture import FileBytes, safe_pickle
  from tests.capture.test_format import big_buffers
  monkeypatch.setattr(safe_pickle, "LAZY_BYTES", 1 << 16)
  path = big_buffers(real_capture("gfx1100", "gemm"), tmp_path / "c.amdviz")
  ws = Workspace.open(path)
  lazy = [i for i, t in enumerate(ws.capture.traces) if isinstance(t.blob, FileBytes)]
  assert lazy and len(lazy) < len(ws.capture.traces)
  os.utime(path, ns=(0, 0))                                        # touched: no longer provably the file hashed
  traces = {t["id"]: t for t in route(ws, "/api/traces")["traces"]}
  for i in lazy: assert any("changed on disk" in p for p in traces[i]["problems"]) and traces[i]["packets"] == 0
  assert any(traces[i]["mapped"] for i in traces if i not in lazy)
  ws.save_analysis()
  assert not cache.exists() or not list(cache.iterdir())

def test_other_code_makes_entries_stale(cache, monkeypatch):
  path = real_capture("gfx1100", "gemm")
  opened(path)
  analysis_cache.code_fingerprint.cache_clear()
  monkeypatch.setattr(analysis_cache, "code_fingerprint", lambda: "0123456789abcdef")
  assert analysis_cache.load(Workspace.open(path)) is None

def entry_of(cache):
  (d,) = [d for d in cache.iterdir() if d.is_dir()]
  return d

CORRUPTIONS = {
  "meta not JSON": lambda d: (d / "meta.json").write_text("{"),
  "other version": lambda d: (d / "meta.json").write_text(json.dumps({**json.loads((d / "meta.json").read_text()), "version": 99})),
  "array missing": lambda d: (d / "t0.ev_inst.npy").unlink(),
  "array truncated": lambda d: (d / "t0.ev_time.npy").write_bytes((d / "t0.ev_time.npy").read_bytes()[:100]),
  "wrong dtype": lambda d: np.save(d / "t0.ev_inst.npy", np.load(d / "t0.ev_inst.npy").astype(np.int64)),
  "wrong length": lambda d: np.save(d / "t0.w_start.npy", np.load(d / "t0.w_start.npy")[:-1]),
  "instruction out of range": lambda d: np.save(d / "t0.ev_inst.npy", np.load(d / "t0.ev_inst.npy") + 10 ** 6),
  "block out of range": lambda d: np.save(d / "t0.path_blocks.npy", np.load(d / "t0.path_blocks.npy") - 10),
  "paths out of order": lambda d: np.save(d / "t0.path_start.npy", np.load(d / "t0.path_start.npy")[::-1].copy()),
  "a pickled array": lambda d: np.save(d / "t0.hits.npy", np.array([object()] * 3), allow_pickle=True),
  "counts lie": lambda d: (d / "meta.json").write_text((d / "meta.json").read_text().replace('"events": ', '"events": 1')),
}

@pytest.mark.parametrize("corrupt", CORRUPTIONS)
def test_corrupt_entries_are_rebuilt(cache, corrupt, caplog):
  path = real_capture("gfx1100", "gemm")
  want = bodies(path)
  CORRUPTIONS[corrupt](entry_of(cache))
  with caplog.at_level(logging.WARNING, logger="amdviz"):
    ws = Workspace.open(path)
    assert analysis_cache.load(ws) is None
  assert "ignoring the cached analysis" in caplog.text
  assert bodies(path) == want                            # computed again, right, and written again
  assert analysis_cache.load(Workspace.open(path)) is not None

def test_trim_keeps_the_most_recent(cache):
  for p in REAL_CAPTURES[:4]: opened(p)
  entries = sorted(cache.iterdir(), key=lambda d: d.stat().st_mtime)
  newest = sum(f.stat().st_size for f in entries[-1].iterdir())
  analysis_cache.trim(limit_mb=newest / 2 ** 20)
  assert [d.name for d in cache.iterdir()] == [entries[-1].name]

def test_off_switch(cache, monkeypatch):
  monkeypatch.setenv("AMDVIZ_CACHE", "0")
  opened(real_capture("gfx1100", "gemm"))
  assert not cache.exists()
