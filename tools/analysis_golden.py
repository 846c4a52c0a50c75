"""Pin the analysis of every real capture (tests/data/analysis_golden.json.gz), so a rewrite of the trace pipeline
can be checked to give the same answers: every trace route's body for every kernel and traced wave.

    python3 tools/analysis_golden.py          # rewrite the file from the current code

Run it only when a change of the answers is intended, and say why in the commit."""
from __future__ import annotations
import gzip, json, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path: sys.path.insert(0, str(ROOT))
OUT = ROOT / "tests" / "data" / "analysis_golden.json.gz"
CAPTURES = ROOT / "tests" / "data" / "captures" / "real"
PAGING = ("total", "offset", "limit")   # fields /waves gained for paging: not part of the pinned answer


def bodies(path: Path) -> dict[str, object]:
  from viz.api import Workspace
  return bodies_of(Workspace.open(path))


def bodies_of(ws) -> dict[str, object]:
  from viz.api import route
  out = {"/api/traces": route(ws, "/api/traces")}
  for k in range(len(ws.kernels)):
    for r in ("timing", "cfg", "hotspots?top=50"):
      out[f"/api/kernels/{k}/{r}"] = route(ws, f"/api/kernels/{k}/{r}")
    waves = route(ws, f"/api/kernels/{k}/waves")
    out[f"/api/kernels/{k}/waves"] = {key: v for key, v in waves.items() if key not in PAGING}
    for n, w in enumerate(waves["waves"]):
      if w["traced"]: out[f"/api/kernels/{k}/waves/{n}/timeline"] = route(ws, f"/api/kernels/{k}/waves/{n}/timeline")
  return out


def all_bodies() -> dict[str, dict]:
  return {f"{p.parent.name}/{p.name}": bodies(p) for p in sorted(CAPTURES.glob("*/*.pkl"))}


if __name__ == "__main__":
  data = json.dumps(all_bodies(), sort_keys=True, separators=(",", ":")).encode()
  OUT.write_bytes(gzip.compress(data, 9, mtime=0))
  print(f"wrote {OUT.relative_to(ROOT)}: {len(data)} bytes of JSON, {OUT.stat().st_size} gzipped")
