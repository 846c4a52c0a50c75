"""Load on a real `amdviz serve` process, against the same stack serving the same bytes from memory.

    python3 -m benchmarks.bench_server [--clients 64] [--requests 20] [--big] [--json]

Starts `python -m viz.server --port 0 CAPTURE [BIG.hsaco]` as a user would, and a reference server in a process
of its own: FastAPI on uvicorn with amdviz's own connection handling (viz.http.GuardedH11), answering each path
with the bytes amdviz gave for it, held in memory. That is the most this stack can do for those bodies; each
amdviz route is reported as a ratio to it. Both get the same load: `--clients` keep-alive connections from
a separate client process (asyncio, raw HTTP/1.1), each sending `--requests` requests per route.

Reported per route: p50 / p99 latency and requests/s for amdviz and the reference, and their ratios. With
--big, a 200k-instruction kernel is compiled (clang-19; cached like benchmarks/bench_isa.py) and its first,
uncached /layout is asked for by every client at once: the time until all have it (one computation's time when
the server computes it once and everyone waits for that, as it should).
"""
from __future__ import annotations
import argparse, asyncio, json, os, pickle, re, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np
from fastapi import Request        # at module level: FastAPI reads the handler's annotation from these globals
from viz.process import peak_rss_mb, start_process, start_server, stop_server

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "viz" / "demo" / "gfx1100_gemm.pkl"
ROUTES = ["/api/kernels", "/api/kernels/0/disasm", "/api/kernels/0/layout", "/api/kernels/0/timing",
          "/api/kernels/0/cfg", "/api/kernels/0/hotspots?top=20", "/api/traces"]
WAIT_S = 300


# --- the reference server: the same bytes from memory ---------------------------------------------

def serve_bytes(bodies_file: str) -> None:
  """Serve {path: bytes} from a pickle written by this benchmark (its own, trusted) on a free loopback port."""
  import socket, uvicorn
  from fastapi import FastAPI
  from fastapi.responses import Response
  from viz.http import GuardedH11, LISTEN_BACKLOG
  bodies = pickle.loads(Path(bodies_file).read_bytes())
  app = FastAPI()
  @app.get("/{rest:path}")
  async def same_bytes(request: Request):
    key = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Response(bodies[key], media_type="application/json")
  sock = socket.socket(); sock.bind(("127.0.0.1", 0)); sock.listen(LISTEN_BACKLOG)
  print(f"serving at http://127.0.0.1:{sock.getsockname()[1]}/", flush=True)
  uvicorn.Server(uvicorn.Config(app, log_level="warning", http=GuardedH11, backlog=LISTEN_BACKLOG)).run(sockets=[sock])


# --- processes --------------------------------------------------------------------------------------

# --- the client: raw keep-alive HTTP/1.1 on asyncio, in its own process -----------------------------

async def _fetch(reader, writer, host: str, path: str) -> tuple[int, int]:
  writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n\r\n".encode())
  head = await reader.readuntil(b"\r\n\r\n")
  status = int(head.split(b" ", 2)[1])
  n = int(re.search(rb"(?i)content-length:\s*(\d+)", head)[1])
  await reader.readexactly(n)
  return status, n

async def _load(base: str, jobs: list[list[str]]) -> dict:
  host = base.split("//")[1]
  h, port = host.split(":")
  lat: dict[str, list[float]] = {}
  errors: list[str] = []
  async def client(paths: list[str]):
    reader, writer = await asyncio.open_connection(h, int(port))
    try:
      for path in paths:
        t = time.perf_counter()
        status, _ = await _fetch(reader, writer, host, path)
        lat.setdefault(path, []).append(time.perf_counter() - t)
        if status != 200: errors.append(f"{path}: {status}")
    finally: writer.close()
  t0 = time.perf_counter()
  await asyncio.gather(*(client(p) for p in jobs))
  return {"wall": time.perf_counter() - t0, "latency": lat, "errors": errors}

def client_main(args: list[str]) -> None:
  """python -m benchmarks.bench_server --client BASE JOBS_JSON: run the load, print the result as JSON."""
  base, jobs = args[0], json.loads(Path(args[1]).read_text())
  print(json.dumps(asyncio.run(_load(base, jobs))))

def run_load(base: str, jobs: list[list[str]]) -> dict:
  with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f: json.dump(jobs, f)
  try:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, "-m", "benchmarks.bench_server", "--client", base, f.name], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=WAIT_S)
    if out.returncode: raise SystemExit(f"load client failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout)
  finally: os.unlink(f.name)


# --- the benchmark -----------------------------------------------------------------------------------

def get(url: str) -> tuple[int, bytes]:
  import urllib.request, urllib.error
  try:
    with urllib.request.urlopen(url, timeout=WAIT_S) as r: return r.status, r.read()
  except urllib.error.HTTPError as e: return e.code, e.read()

def wait_ready(base: str, cid: int) -> None:
  deadline = time.monotonic() + WAIT_S
  while get(f"{base}/api/captures/{cid}/kernels")[0] == 202:
    if time.monotonic() > deadline: raise SystemExit(f"capture {cid} did not load")
    time.sleep(0.1)

def stats(xs: list[float], wall: float) -> dict:
  ms = np.array(xs) * 1e3
  return {"n": len(xs), "p50_ms": round(float(np.percentile(ms, 50)), 2), "p99_ms": round(float(np.percentile(ms, 99)), 2),
          "rps": round(len(xs) / wall, 1)}

def bench(clients: int, requests: int, big: Path | None, log=print) -> dict:
  files = [str(DEMO)] + ([str(big)] if big else [])
  amd, base = start_server(*files, timeout=WAIT_S)
  result: dict = {"clients": clients, "requests_per_route": requests, "routes": {}}
  try:
    for cid in range(len(files)): wait_ready(base, cid)
    if big:   # every client asks for the big kernel's uncached layout at once
      path = "/api/captures/1/kernels/0/layout"
      t = time.perf_counter()
      r = run_load(base, [[path]] * clients)
      result["big_layout_cold"] = {"clients": clients, "all_answered_s": round(time.perf_counter() - t, 2),
                                   **stats(r["latency"][path], r["wall"]), "errors": len(r["errors"])}
      routes = ROUTES + [path]
    else: routes = ROUTES
    bodies = {}
    for p in routes:
      status, body = get(base + p)          # computed once here; the load below measures cached answers
      if status != 200: raise SystemExit(f"{p}: {status}")
      bodies[p] = body
    ref_file = Path(tempfile.mkdtemp()) / "bodies.pkl"
    ref_file.write_bytes(pickle.dumps(bodies))
    ref, ref_base = start_process([sys.executable, "-m", "benchmarks.bench_server", "--serve-bytes", str(ref_file)], timeout=WAIT_S)
    try:
      for p in routes:
        jobs = [[p] * requests for _ in range(clients)]
        ours, theirs = run_load(base, jobs), run_load(ref_base, jobs)
        if ours["errors"] or theirs["errors"]: raise SystemExit(f"{p}: errors {ours['errors'][:3]} {theirs['errors'][:3]}")
        a, b = stats(ours["latency"][p], ours["wall"]), stats(theirs["latency"][p], theirs["wall"])
        result["routes"][p] = {"bytes": len(bodies[p]), "amdviz": a, "reference": b,
                               "rps_ratio": round(b["rps"] / a["rps"], 2), "p50_ratio": round(a["p50_ms"] / max(b["p50_ms"], 1e-3), 2)}
        log(f"{p:40s} {len(bodies[p]):>9d} B  amdviz p50 {a['p50_ms']:7.2f} p99 {a['p99_ms']:7.2f} ms {a['rps']:7.0f}/s  "
            f"reference p50 {b['p50_ms']:7.2f} p99 {b['p99_ms']:7.2f} ms {b['rps']:7.0f}/s  x{result['routes'][p]['rps_ratio']:.2f}")
    finally:
      stop_server(ref)
    result["peak_rss_mb"] = round(peak_rss_mb(amd.pid), 1)
  finally:
    stop_server(amd)
  return result

def main(argv=None) -> int:
  argv = sys.argv[1:] if argv is None else argv
  if argv[:1] == ["--serve-bytes"]: serve_bytes(argv[1]); return 0
  if argv[:1] == ["--client"]: client_main(argv[1:]); return 0
  ap = argparse.ArgumentParser(prog="python -m benchmarks.bench_server", description=__doc__.split("\n\n")[0])
  ap.add_argument("--clients", type=int, default=64)
  ap.add_argument("--requests", type=int, default=20, help="requests per client per route")
  ap.add_argument("--big", action="store_true", help="also a 200k-instruction kernel's cold /layout (needs clang-19)")
  ap.add_argument("--json", action="store_true")
  a = ap.parse_args(argv)
  big = None
  if a.big:
    from benchmarks.bench_isa import kernel_path
    big = kernel_path("gfx1100", 200_000, log=lambda m: print(m, file=sys.stderr))
  r = bench(a.clients, a.requests, big, log=(lambda m: print(m, file=sys.stderr)) if a.json else print)
  if a.json: print(json.dumps(r, indent=1))
  else:
    if "big_layout_cold" in r:
      c = r["big_layout_cold"]
      print(f"cold /layout of the 200k-instruction kernel, {c['clients']} clients at once: all answered in {c['all_answered_s']} s "
            f"(p50 {c['p50_ms']:.0f} ms, p99 {c['p99_ms']:.0f} ms)")
    print(f"amdviz serve peak RSS {r['peak_rss_mb']} MB; x = reference requests/s over amdviz's (1.0: as fast as bytes from memory)")
  return 0

if __name__ == "__main__":
  sys.exit(main())
