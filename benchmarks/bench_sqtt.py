"""SQTT decoding throughput: sqtt.decode against tinygrad's decoder on the same bytes.

    python3 -m benchmarks.bench_sqtt [--tinygrad-python PY | --install-tinygrad] [--mb 8] [--repeat 3] [--json]

Inputs: every trace buffer of every real capture (tests/data/captures/real), per architecture and all together,
and per layout one large synthetic buffer of about --mb MB: that layout's real streams glued end to end
and repeated (each piece keeps its stream header; cut-off packets at the seams resynchronise as in real data).

tinygrad is not a dependency of this project: it runs in its own environment, given by --tinygrad-python
(default $TINYGRAD_PYTHON, else /tmp/amdviz-tinygrad/bin/python); --install-tinygrad creates that venv with
the tinygrad version tests/sqtt/reference_counts.json was made with. Without it only our side is timed.

Timing: best of --repeat wall times of decoding the same bytes on each side, in-process on each side
(`list(tinygrad...sqtt.decode(blob))`, `sqtt.decode(blob, arch)`), after one warm-up run; the warm-up also
loads our numba-compiled loop, whose first-call cost is reported on its own. Nothing asserts on time.
"""
from __future__ import annotations
import argparse, json, os, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path: sys.path.insert(0, str(ROOT))   # `python3 benchmarks/bench_sqtt.py` from anywhere

from capture import load_capture  # noqa: E402

CAPTURES = ROOT / "tests" / "data" / "captures" / "real"
DEFAULT_TG = Path(os.environ.get("TINYGRAD_PYTHON", "/tmp/amdviz-tinygrad/bin/python"))
TG_VERSION = json.loads((ROOT / "tests" / "sqtt" / "reference_counts.json").read_text())["source"]["tinygrad"]

# runs in tinygrad's environment; stdin: [[[file, ...] per input], repeat]; prints best seconds and packets per input
TG_CHILD = r'''
import json, sys, time
from tinygrad.renderer.amd.sqtt import decode
groups, repeat = json.load(sys.stdin)
out = []
for files in groups:
  blobs = [open(f, "rb").read() for f in files]
  best, n = float("inf"), 0
  for _ in range(repeat + 1):                      # +1: the first run is the warm-up
    t = time.perf_counter()
    n = sum(len(list(decode(b))) for b in blobs)
    best = min(best, time.perf_counter() - t)
  out.append([best, n])
print(json.dumps(out))
'''

def real_buffers(captures: Path) -> list[tuple[str, bytes]]:
  out = []
  for path in sorted(captures.glob("*/*.pkl")):
    cap = load_capture(str(path))
    arch = {d.name: d.arch for d in cap.devices}
    out += [(arch.get(t.device, ""), t.data()) for t in cap.traces]
  return out

def inputs(buffers: list[tuple[str, bytes]], mb: float) -> list[tuple[str, list[tuple[str, bytes]]]]:
  """(label, [(arch, blob), ...]) to decode."""
  archs = sorted({a for a, _ in buffers})
  out = [(f"real {a} ({sum(x == a for x, _ in buffers)} buffers)", [(x, b) for x, b in buffers if x == a]) for a in archs]
  out.append((f"real, all {len(buffers)} buffers", buffers))
  for a in archs:
    glued = b"".join(b for x, b in buffers if x == a)
    if glued and mb > 0:
      big = glued * max(1, round(mb * 1e6 / len(glued)))
      out.append((f"synthetic {a} {len(big) / 1e6:.1f} MB", [(a, big)]))
  return out

def time_ours(blobs: list[tuple[str, bytes]], repeat: int) -> tuple[float, int]:
  import sqtt
  best, n = float("inf"), 0
  for _ in range(repeat + 1):
    t = time.perf_counter()
    n = sum(len(sqtt.decode(b, a)) for a, b in blobs)
    best = min(best, time.perf_counter() - t)
  return best, n

def time_tinygrad(py: Path, groups: list[list[tuple[str, bytes]]], repeat: int) -> list[tuple[float, int]] | None:
  with tempfile.TemporaryDirectory() as tmp:
    files = []
    for gi, blobs in enumerate(groups):
      files.append([])
      for bi, (_, b) in enumerate(blobs):
        f = Path(tmp) / f"{gi}-{bi}.bin"
        f.write_bytes(b)
        files[-1].append(str(f))
    run = subprocess.run([str(py), "-c", TG_CHILD], input=json.dumps([files, repeat]), capture_output=True, text=True)
  if run.returncode:
    print(f"tinygrad side failed:\n{run.stderr.strip()}", file=sys.stderr)
    return None
  return [tuple(x) for x in json.loads(run.stdout)]

def install_tinygrad(py: Path) -> None:
  venv = py.parent.parent
  print(f"creating {venv} with tinygrad=={TG_VERSION} ...", file=sys.stderr)
  subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
  subprocess.run([str(py), "-m", "pip", "install", "-q", f"tinygrad=={TG_VERSION}"], check=True)

def cold_start() -> float:
  """Seconds for a fresh process to import sqtt and decode a small buffer (loading the cached compiled loop)."""
  code = "import time; t = time.perf_counter(); import sqtt; sqtt.decode(bytes(64), 'gfx1100'); print(time.perf_counter() - t)"
  return float(subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout)

def main(argv=None) -> int:
  ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  ap.add_argument("--tinygrad-python", type=Path, default=DEFAULT_TG, help="python of an environment with tinygrad (default %(default)s)")
  ap.add_argument("--install-tinygrad", action="store_true", help="create that environment first if it is missing")
  ap.add_argument("--no-tinygrad", action="store_true", help="time our decoder only")
  ap.add_argument("--mb", type=float, default=8.0, help="size of each synthetic buffer in MB (0: none)")
  ap.add_argument("--repeat", type=int, default=3)
  ap.add_argument("--captures", type=Path, default=CAPTURES)
  ap.add_argument("--json", action="store_true")
  args = ap.parse_args(argv)

  buffers = real_buffers(args.captures)
  if not buffers:
    print(f"no captures under {args.captures}", file=sys.stderr)
    return 1
  todo = inputs(buffers, args.mb)
  tg = None
  if not args.no_tinygrad:
    if args.install_tinygrad and not args.tinygrad_python.exists(): install_tinygrad(args.tinygrad_python)
    if args.tinygrad_python.exists(): tg = time_tinygrad(args.tinygrad_python, [blobs for _, blobs in todo], args.repeat)
    else: print(f"no tinygrad at {args.tinygrad_python} (--install-tinygrad makes one): timing ours only", file=sys.stderr)

  cold = cold_start()
  results = []
  for i, (label, blobs) in enumerate(todo):
    size = sum(len(b) for _, b in blobs)
    ours, n = time_ours(blobs, args.repeat)
    r = {"input": label, "bytes": size, "packets": n, "ours_s": ours, "ours_mb_s": size / 1e6 / ours}
    if tg:
      r.update(tinygrad_s=tg[i][0], tinygrad_packets=tg[i][1], tinygrad_mb_s=size / 1e6 / tg[i][0], ratio=tg[i][0] / ours)
    results.append(r)
  big = next((blobs[0] for label, blobs in todo if label.startswith("synthetic")), None)
  fields_s = None
  if big:
    import sqtt
    p = sqtt.decode(big[1], big[0])
    t = time.perf_counter()
    for f in ("wave", "simd", "cu", "op"): p.field(f)
    fields_s = time.perf_counter() - t
  if args.json:
    print(json.dumps({"cold_start_s": cold, "fields_s": fields_s, "tinygrad": TG_VERSION if tg else None, "results": results}, indent=1))
    return 0

  print(f"{'input':<34}{'MB':>7}{'packets':>10}{'tinygrad MB/s':>15}{'ours MB/s':>11}{'speed-up':>10}")
  for r in results:
    tgs = f"{r['tinygrad_mb_s']:>15.2f}" if tg else f"{'-':>15}"
    ratio = f"{r['ratio']:>9.1f}x" if tg else f"{'-':>10}"
    print(f"{r['input']:<34}{r['bytes'] / 1e6:>7.2f}{r['packets']:>10}{tgs}{r['ours_mb_s']:>11.1f}{ratio}")
  if tg:
    print("(packets: ours counts every packet that fits; tinygrad stops 16 nibbles before each buffer's end: "
          + ", ".join(f"{r['packets'] - r['tinygrad_packets']:+d}" for r in results) + ")")
  print(f"cold start (new process: import sqtt + load the compiled loop + decode 64 bytes): {cold * 1e3:.0f} ms")
  if fields_s is not None: print(f"wave, simd, cu, op fields of all {len(p)} packets of {big[0]} synthetic: {fields_s * 1e3:.0f} ms")
  return 0

if __name__ == "__main__":
  sys.exit(main())
