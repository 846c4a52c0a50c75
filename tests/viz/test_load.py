"""Load test: many concurrent clients on the heaviest routes of a running server, loopback only, bounded; and
uploads that keep coming, held within the server's memory budget.

The server runs in a process of its own (`python -m viz.server --port 0 DEMO`), as a user starts it; clients
are threads with urllib. Reports p50/p99 latency per route in pytest's "measured" summary; asserts no errors.
Throughput against the stack's own limit is benchmarks/bench_server.py's job."""
import subprocess, time, urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
import numpy as np
from viz import process as viz_process

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "viz" / "demo" / "gfx1100_gemm.pkl"
ROUTES = ["/api/kernels/0/disasm", "/api/kernels/0/layout", "/api/kernels/0/timing", "/api/kernels/0/cfg",
          "/api/kernels/0/hotspots?top=20", "/api/traces", "/kernels/0"]
CLIENTS, REQUESTS, TIMEOUT_S = 64, 10, 60     # 64 concurrent clients, 10 requests each, every wait bounded


def start_server(*args: str) -> tuple[subprocess.Popen, str]:
  return viz_process.start_server(*args, str(DEMO), timeout=TIMEOUT_S)


def get(url: str) -> tuple[int, float]:
  t = time.perf_counter()
  with urllib.request.urlopen(url, timeout=TIMEOUT_S) as r:
    r.read()
    return r.status, time.perf_counter() - t


def test_concurrent_clients_on_heavy_routes(report):
  proc, base = start_server()
  try:
    deadline = time.monotonic() + TIMEOUT_S
    while get(base + "/api/kernels")[0] != 200:       # 202 while the capture loads
      assert time.monotonic() < deadline, "capture never became ready"
      time.sleep(0.1)
    jobs = [ROUTES[(c + k) % len(ROUTES)] for c in range(CLIENTS) for k in range(REQUESTS)]
    errors, lat = [], {r: [] for r in ROUTES}
    def one(route):
      try:
        status, dt = get(base + route)
        if status != 200: errors.append(f"{route}: {status}")
        lat[route].append(dt)
      except Exception as e:  # noqa: BLE001 - every failure is counted, none may occur
        errors.append(f"{route}: {e}")
    t0 = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool: list(pool.map(one, jobs))
    wall = time.perf_counter() - t0
    assert not errors, errors[:10]
    for r, xs in lat.items():
      ms = np.array(xs) * 1e3
      report(f"load {r}: {len(xs)} requests, p50 {np.percentile(ms, 50):.1f} ms, p99 {np.percentile(ms, 99):.1f} ms")
    report(f"load: {len(jobs)} requests from {CLIENTS} concurrent clients in {wall:.2f} s "
           f"({len(jobs) / wall:.0f} requests/s), 0 errors")
  finally:
    viz_process.stop_server(proc)


def rss_mb(pid: int) -> float:
  line = next(l for l in Path(f"/proc/{pid}/status").read_text().splitlines() if l.startswith("VmRSS:"))
  return int(line.split()[1]) / 1024     # now, not the peak (viz.process.peak_rss_mb): growth after the budget fills


def test_uploads_stay_within_the_budget(report):
  """150 uploads of the demo capture, each looked at, into a server with a 5 MB upload budget: the oldest are
  evicted, and the process stops growing once the budget is full (after some 15 uploads)."""
  import json
  proc, base = start_server("--upload-budget", "5")
  data = DEMO.read_bytes()
  try:
    def upload() -> int:
      req = urllib.request.Request(base + "/api/captures", data=data, method="POST")
      with urllib.request.urlopen(req, timeout=TIMEOUT_S) as r: return json.loads(r.read())["id"]
    def status(cid: int) -> dict:
      with urllib.request.urlopen(f"{base}/api/captures/{cid}/status", timeout=TIMEOUT_S) as r: return json.loads(r.read())
    sizes = []
    for k in range(150):
      cid = upload()
      deadline = time.monotonic() + TIMEOUT_S
      while status(cid)["state"] == "loading":
        assert time.monotonic() < deadline; time.sleep(0.02)
      for r in ("disasm", "layout", "timing"): get(f"{base}/api/captures/{cid}/kernels/0/{r}")
      if k in (50, 149): sizes.append(rss_mb(proc.pid))
    with urllib.request.urlopen(base + "/api/captures", timeout=TIMEOUT_S) as r: caps = json.loads(r.read())["captures"]
    kept = [c for c in caps if c["origin"] == "upload" and c["state"] == "ready"]
    assert sum(c["memory_mb"] for c in kept) <= 5 + 0.05 * len(kept) and len(kept) >= 2   # (each rounded to 0.1 MB)
    assert sum(c["state"] == "evicted" for c in caps) == 150 - len(kept)
    report(f"uploads: 150 x {len(data) // 1024} KB into a 5 MB budget: {len(kept)} kept, RSS {sizes[0]:.0f} MB after 50, "
           f"{sizes[1]:.0f} MB after 150")
    assert sizes[1] - sizes[0] < 10
  finally:
    viz_process.stop_server(proc)
