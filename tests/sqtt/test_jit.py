"""sqtt.jit: compiled loops are set up once even when several threads ask first at the same moment (a server
loads captures in parallel)."""
import subprocess, sys
from pathlib import Path
from tests.conftest import REAL_CAPTURES

REPO = Path(__file__).resolve().parents[2]

# A fresh interpreter (nothing compiled yet, numba's set-up staggered) whose threads all decode, map and time a
# real capture at once, released together by a barrier; then the same sequentially. Prints how many agreed.
SCRIPT = r"""
import itertools, sys, threading, time
import numba
_njit, calls = numba.njit, itertools.count()
def staggered_njit(*args, **kwargs):   # each set-up of one of our compiled functions takes longer than the one
  if sys._getframe(1).f_globals["__name__"].startswith("sqtt."):   # before: threads that asked first at the same
    time.sleep(0.02 * next(calls))                                  # moment finish one after another, racing
  return _njit(*args, **kwargs)
numba.njit = staggered_njit
from viz.api import Workspace, route
from capture import load_capture
paths = sys.argv[1:]
caps = [load_capture(p) for p in paths]
spaces = [Workspace(c) for c in caps]
for ws in spaces:                      # everything before the first compiled loop, done before the race
  for kv in ws.kernels: kv.program_tables
barrier, out, errors = threading.Barrier(len(caps)), {}, []
def work(i):
  barrier.wait()
  try: out[i] = route(spaces[i], "/api/traces"), route(spaces[i], "/api/kernels/0/timing")
  except Exception as e: errors.append(f"{type(e).__name__}: {e}")
threads = [threading.Thread(target=work, args=(i,)) for i in range(len(caps))]
for t in threads: t.start()
for t in threads: t.join()
assert not errors, errors
again = {i: (route(Workspace(c), "/api/traces"), route(Workspace(c), "/api/kernels/0/timing")) for i, c in enumerate(caps)}
assert again == out, "concurrent results differ from sequential ones"
print("agreed", len(out))
"""

def test_concurrent_first_use():
  paths = [str(p) for p in REAL_CAPTURES if "empty" not in p.name][:6]
  for _ in range(4):
    r = subprocess.run([sys.executable, "-c", SCRIPT, *paths], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and r.stdout.split() == ["agreed", str(len(paths))], r.stderr[-2000:]
