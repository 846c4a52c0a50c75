#!/usr/bin/env python3
"""Pin tinygrad's SQTT decoder output for every real capture as test data for sqtt/.

tinygrad is never a dependency of this project: give the interpreter of a separate environment that has it
(`python3 -m venv /tmp/tgvenv && /tmp/tgvenv/bin/pip install tinygrad`). This process loads the captures with
capture (the safe loader), hands the raw buffers to that interpreter, and writes

  tests/sqtt/reference_counts.json       per buffer: packets, packets per kind, last time, sum of times
  tests/sqtt/reference_sequences.json.gz for a few buffers: every packet's kind, size, time and the
                                         fields the next step (packets -> instructions) needs

    python3 tools/sqtt_reference.py --tinygrad-python /tmp/tgvenv/bin/python [--commit SHA]
"""
from __future__ import annotations
import argparse, gzip, hashlib, json, subprocess, sys, tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path: sys.path.insert(0, str(ROOT))
from capture import load_capture  # noqa: E402

CAPTURES = ROOT / "tests" / "data" / "captures" / "real"
OUT = ROOT / "tests" / "sqtt"
# buffers whose whole packet sequence is pinned: each has waves (one per layout, two for gfx11)
SEQUENCES = [("gfx1100/profile_gemm_run_0.pkl", 0), ("gfx1100/profile_sync_run_0.pkl", 1),
             ("gfx1200/profile_handwritten_run_0.pkl", 1), ("gfx950/profile_plus_run_0.pkl", 2)]
# fields pinned per tinygrad class name (properties included: `cu` is computed by tinygrad from sa and wgp)
DETAIL = {"WAVESTART": ("wave", "simd", "cu"), "WAVEEND": ("wave", "simd", "cu"), "INST": ("wave", "op"), "VALUINST": ("wave",),
          "IMMEDIATE": ("wave",), "IMMEDIATE_MASK": ("mask",), "ALUEXEC": ("src",), "VMEMEXEC": ("src",), "WAVERDY": ("mask",),
          "CDNA_WAVESTART": ("wave", "simd", "cu"), "CDNA_WAVEEND": ("wave", "simd", "cu"), "CDNA_INST": ("wave", "simd", "op")}

# runs inside the tinygrad environment; stdin: [[(path, pin the sequence?)...], DETAIL] as JSON
CHILD = r'''
import json, sys, enum
from importlib.metadata import version
from tinygrad.renderer.amd import sqtt
jobs, detail = json.load(sys.stdin)
out = {"version": version("tinygrad"), "buffers": []}
for path, want in jobs:
  pk = list(sqtt.decode(open(path, "rb").read()))
  kinds = {}
  for p in pk: kinds[type(p).__name__] = kinds.get(type(p).__name__, 0) + 1
  buf = {"packets": len(pk), "kinds": dict(sorted(kinds.items())), "last_time": pk[-1]._time if pk else None,
         "time_sum": sum(p._time for p in pk)}
  if want:
    names = sorted({type(p).__name__ for p in pk})
    buf["names"] = names
    buf["kind"] = [names.index(type(p).__name__) for p in pk]
    buf["nibbles"] = [p._size_nibbles for p in pk]
    buf["time"] = [p._time for p in pk]
    fields = []
    for i, p in enumerate(pk):
      f = detail.get(type(p).__name__.replace("_RDNA4", ""))
      if f: fields.append([i] + [(lambda v: v.value if isinstance(v, enum.Enum) else int(v))(getattr(p, k)) for k in f])
    buf["fields"] = fields
  out["buffers"].append(buf)
print(json.dumps(out))
'''

def main(argv=None) -> int:
  ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  ap.add_argument("--tinygrad-python", required=True, help="python of an environment with tinygrad installed")
  ap.add_argument("--commit", default="", help="tinygrad git commit the installed decoder matches, to record")
  ap.add_argument("--captures", type=Path, default=CAPTURES)
  args = ap.parse_args(argv)
  rows, jobs = [], []
  with tempfile.TemporaryDirectory() as tmp:
    for path in sorted(args.captures.glob("*/*.pkl")):
      cap, rel = load_capture(str(path)), f"{path.parent.name}/{path.name}"
      arch = {d.name: d.arch for d in cap.devices}
      for i, t in enumerate(cap.traces):
        f, blob = Path(tmp) / f"{len(jobs)}.bin", t.data()
        f.write_bytes(blob)
        jobs.append([str(f), (rel, i) in SEQUENCES])
        rows.append({"capture": rel, "trace": i, "se": t.se, "arch": arch.get(t.device, ""), "bytes": len(blob),
                     "sha256": hashlib.sha256(blob).hexdigest()[:16]})
    run = subprocess.run([args.tinygrad_python, "-c", CHILD], input=json.dumps([jobs, DETAIL]), capture_output=True, text=True)
    if run.returncode: sys.exit(f"the tinygrad side failed:\n{run.stderr}")
    res = json.loads(run.stdout)
  seqs = {}
  for row, job, buf in zip(rows, jobs, res["buffers"]):
    row.update({k: buf[k] for k in ("packets", "kinds", "last_time", "time_sum")})
    if job[1]: seqs[f"{row['capture']}#{row['trace']}"] = {k: buf[k] for k in ("names", "kind", "nibbles", "time", "fields")}
  source = {"tinygrad": res["version"], "commit": args.commit, "decoder": "tinygrad/renderer/amd/sqtt.py decode()",
            "note": "tinygrad yields a packet only while the 16 nibbles from its start lie inside the buffer; "
                    "`packets` counts all it yields, padding NOPs included"}
  lines = ",\n  ".join(json.dumps(r) for r in rows)      # one buffer a line: diffs stay readable
  (OUT / "reference_counts.json").write_text(f'{{"source": {json.dumps(source, indent=2)},\n "buffers": [\n  {lines}\n]}}\n')
  detail = {k: list(v) for k, v in DETAIL.items()}
  with gzip.open(OUT / "reference_sequences.json.gz", "wt") as f: json.dump({"source": source, "fields": detail, "buffers": seqs}, f)
  print(f"{len(rows)} buffers from {len({r['capture'] for r in rows})} captures, {len(seqs)} sequences pinned (tinygrad {res['version']})")
  return 0

if __name__ == "__main__":
  sys.exit(main())
