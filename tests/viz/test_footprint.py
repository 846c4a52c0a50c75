"""viz.footprint.deep_size: what a loaded capture holds, checked against what Python allocated for it."""
import gc, tracemalloc
import numpy as np
from viz.api import route
from viz.footprint import deep_size
from viz.server import load_workspace

def loaded(path: str):
  ws = load_workspace(path, lambda f, m: None)
  for k in range(len(ws.kernels)):
    for r in ("timing", "cfg", "waves", "layout"): route(ws, f"/api/kernels/{k}/{r}")
  return ws

def test_counts_each_object_once():
  a = np.zeros(1000, np.int64)
  views = [a[:10], a[5:], a.reshape(10, 100)]
  assert 8000 <= deep_size([a, *views]) - deep_size([]) <= 8000 + 4 * 200
  blob = bytes(10_000)
  assert deep_size([blob, blob, np.frombuffer(blob, np.uint8)]) < 10_000 + 400
  cyc: list = []; cyc.append(cyc)
  assert deep_size(cyc) < 200

def test_matches_what_loading_allocated(real_captures, report):
  paths = [str(p) for p in real_captures if "empty" not in p.name][:4]
  for p in paths: loaded(p)                       # imports and compiled code first: they are not the capture's
  for p in paths:
    gc.collect(); tracemalloc.start()
    ws = loaded(p)
    gc.collect(); held = tracemalloc.get_traced_memory()[0]; tracemalloc.stop()
    counted = deep_size(ws)
    report(f"footprint {p.split('/')[-2]}/{p.split('/')[-1]}: counted {counted / 1e6:.2f} MB, allocated {held / 1e6:.2f} MB")
    assert 0.8 * held <= counted <= 1.25 * held
