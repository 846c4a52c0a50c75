"""Big thread traces: how long a real `amdviz serve` process takes to answer /api/kernels/0/timing, and its peak memory.

    python3 -m benchmarks.bench_scale [--sizes 10,100,1000] [--tinygrad-python PY | --no-tinygrad] [--json]

Inputs are built from real buffers (the gfx1100 GEMM capture in tests/data): each shader engine's buffer glued
to itself until the capture holds SIZE MB of trace, as big captures hold one buffer of up to 256 MB per shader
engine; every copy maps (tests/sqtt/test_mapping.py checks that). They are written once, in our capture format,
under ~/.cache/amdviz-bench (AMDVIZ_BENCH_CACHE).

Per size, in this one command:
  serve        `python -m viz.server --port 0 CAPTURE` started, then /api/kernels/0/timing asked every 50 ms:
               seconds from the process's start until it answers 200, and the process's peak RSS
  reopen       the same again: the analysis now comes from the on-disk cache the first run wrote
  tinygrad     tinygrad's own decode + map_insts over the same buffers (up to 100 MB: it is a Python loop per
               packet), in its own environment (see benchmarks/bench_sqtt.py), whole process; the reference
And once, on the small real capture itself: `amdviz json CAPTURE /api/kernels/0/timing` as a whole process
against tinygrad's decode + map_insts as a whole process (cold start).
"""
from __future__ import annotations
import argparse, json, os, shutil, subprocess, sys, time, urllib.error, urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path: sys.path.insert(0, str(ROOT))
from viz.process import peak_rss_mb, start_server, stop_server  # noqa: E402
SOURCE = ROOT / "tests" / "data" / "captures" / "real" / "gfx1100" / "profile_gemm_run_0.pkl"
CACHE = Path(os.environ.get("AMDVIZ_BENCH_CACHE", Path.home() / ".cache" / "amdviz-bench"))
DEFAULT_TG = Path(os.environ.get("TINYGRAD_PYTHON", "/tmp/amdviz-tinygrad/bin/python"))
TG_LIMIT_MB = 100
WAIT_S = 600

# runs in tinygrad's environment; argv: capture as (lib file, [blob files]); prints seconds and mapped instructions
TG_CHILD = r'''
import sys, time
t = time.perf_counter()
from tinygrad.renderer.amd.sqtt import map_insts
lib = open(sys.argv[1], "rb").read()
n = 0
for f in sys.argv[2:]:
  n += sum(1 for _, info in map_insts(open(f, "rb").read(), lib, "gfx1100") if info is not None)
print(time.perf_counter() - t, n)
'''


def build(mb: float) -> Path:
  """The capture of `mb` MB of trace (built once, then cached)."""
  from capture import Capture, TraceBuffer, load_capture, save_capture
  out = CACHE / f"scale-gfx1100-gemm-{mb:g}MB.amdviz"
  if out.exists(): return out
  CACHE.mkdir(parents=True, exist_ok=True)
  cap = load_capture(SOURCE)
  per_se = mb * 1e6 / len(cap.traces)
  traces = []
  for t in cap.traces:
    # SE 1's real buffer ends in a packet cut off by the buffer's end: glue SE 0's (same kernel, same tracing) instead
    blob = bytes(cap.traces[0].data() if t.se == 1 else t.data())
    traces.append(TraceBuffer(t.device, t.kern_tag, t.se, blob * max(1, round(per_se / len(blob))), t.itrace, t.exec_tag))
  tmp = out.with_suffix(f".tmp{os.getpid()}")
  save_capture(Capture(str(out), cap.devices, cap.programs, traces, "amdviz",
                       {"built_by": "benchmarks/bench_scale.py", "from": SOURCE.name, "trace_mb": mb}), tmp)
  tmp.replace(out)
  return out


def serve_until_timing(path: Path, cache: Path) -> tuple[float, float]:
  """(seconds from process start to /timing answered, peak RSS MB) of a real `amdviz serve` process whose analysis
  cache is `cache`. The process is stopped once the analysis is in the cache (it writes it after answering)."""
  t0 = time.perf_counter()
  proc, base = start_server(str(path), env={"AMDVIZ_CACHE": "1", "AMDVIZ_CACHE_DIR": str(cache)}, timeout=WAIT_S)
  try:
    while True:
      try:
        with urllib.request.urlopen(base + "/api/kernels/0/timing", timeout=WAIT_S) as r:
          if r.status == 200: r.read(); break
      except urllib.error.HTTPError as e:
        if e.code != 202: raise SystemExit(f"/timing answered {e.code}: {e.read()[:300]!r}")
      if time.perf_counter() - t0 > WAIT_S: raise SystemExit("no answer in time")
      time.sleep(0.05)
    answered, rss = time.perf_counter() - t0, peak_rss_mb(proc.pid)
    while not list(cache.glob("analysis/*/*/meta.json")) and time.perf_counter() - t0 < WAIT_S: time.sleep(0.1)
    return answered, rss
  finally:
    stop_server(proc)


def whole_process(cmd: list[str]) -> float:
  env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""), "AMDVIZ_CACHE": "0"}
  t = time.perf_counter()
  subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True)
  return time.perf_counter() - t


def tinygrad(py: Path, path: Path, tmp: Path) -> float | None:
  """Whole-process seconds of tinygrad's decode + map_insts over every buffer of the capture."""
  from capture import load_capture
  cap = load_capture(path)
  (tmp / "lib.bin").write_bytes(cap.programs[0].lib)
  files = []
  for i, t in enumerate(cap.traces):
    (f := tmp / f"se{i}.bin").write_bytes(t.data()); files.append(str(f))
  t0 = time.perf_counter()
  r = subprocess.run([str(py), "-c", TG_CHILD, str(tmp / "lib.bin"), *files], capture_output=True, text=True)
  if r.returncode:
    print(f"tinygrad failed: {r.stderr.strip()[-500:]}", file=sys.stderr); return None
  return time.perf_counter() - t0


def main(argv=None) -> int:
  ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  ap.add_argument("--sizes", default="10,100,1000", help="MB of trace per capture (default %(default)s)")
  ap.add_argument("--tinygrad-python", type=Path, default=DEFAULT_TG)
  ap.add_argument("--no-tinygrad", action="store_true")
  ap.add_argument("--repeat", type=int, default=3, help="runs of the small cold-start comparison (best kept)")
  ap.add_argument("--json", action="store_true")
  a = ap.parse_args(argv)
  use_tg = not a.no_tinygrad and a.tinygrad_python.exists()
  if not a.no_tinygrad and not use_tg: print(f"no tinygrad at {a.tinygrad_python}: its side is skipped "
                                               "(python3 -m benchmarks.bench_sqtt --install-tinygrad makes one)", file=sys.stderr)
  import tempfile
  results = {"rows": []}
  with tempfile.TemporaryDirectory() as tmp:
    tmp = Path(tmp)
    ours = min(whole_process([sys.executable, "-m", "viz", "json", str(SOURCE), "/api/kernels/0/timing"]) for _ in range(a.repeat))
    theirs = min((tinygrad(a.tinygrad_python, SOURCE, tmp) or float("nan")) for _ in range(a.repeat)) if use_tg else None
    results["cold_start"] = {"capture": SOURCE.name, "amdviz_json_s": round(ours, 3),
                             "tinygrad_s": None if theirs is None else round(theirs, 3)}
    line = f"cold start, {SOURCE.parent.name}/{SOURCE.name}: amdviz json /timing {ours:.2f} s (whole process)"
    if theirs: line += f", tinygrad decode + map_insts {theirs:.2f} s: ratio {ours / theirs:.2f}"
    print(line, flush=True)
    for mb in (float(x) for x in a.sizes.split(",")):
      path = build(mb)
      cache = tmp / f"cache-{mb:g}"                       # empty: the first open computes, the second reads it
      secs, rss = serve_until_timing(path, cache)
      again, rss2 = serve_until_timing(path, cache)
      shutil.rmtree(cache, ignore_errors=True)
      row = {"trace_mb": mb, "file_mb": round(path.stat().st_size / 1e6, 1), "serve_s": round(secs, 2), "peak_rss_mb": round(rss),
             "reopen_s": round(again, 2), "reopen_peak_rss_mb": round(rss2)}
      if use_tg and mb <= TG_LIMIT_MB:
        tg = tinygrad(a.tinygrad_python, path, tmp)
        row["tinygrad_s"] = None if tg is None else round(tg, 2)
      results["rows"].append(row)
      text = (f"{mb:6g} MB: amdviz serve -> /timing {secs:6.2f} s, peak {rss:6.0f} MB; reopen {again:5.2f} s, peak {rss2:6.0f} MB")
      if row.get("tinygrad_s"): text += f"; tinygrad decode + map_insts {row['tinygrad_s']:.2f} s (x{row['tinygrad_s'] / secs:.1f} ours)"
      print(text, flush=True)
  if a.json: print(json.dumps(results, indent=1))
  return 0


if __name__ == "__main__":
  sys.exit(main())
