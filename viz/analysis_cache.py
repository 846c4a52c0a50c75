"""The analysis of a capture, kept on disk, so a capture opened again is ready without decoding its traces.

Where: $AMDVIZ_CACHE_DIR, else ~/.cache/amdviz (XDG_CACHE_HOME is honoured), under analysis/v{FORMAT}/. Off with
AMDVIZ_CACHE=0 (or `amdviz serve --no-cache`).

Key: the capture's content hash (Capture.key, blake3 of the file) and a fingerprint of the code that computes
the analysis (the sources of isa/, sqtt/ and the ISA tables: any change there makes every entry stale).

Format (version FORMAT): a directory <key>-<fingerprint>/ holding
  meta.json   {"format": "amdviz-analysis", "version": FORMAT, "key", "code", "traces": [...], "kernels": {...}}:
              per trace buffer its kernel id, packet counts, layout, decoder error, problem, and its walk's scalars
              (traced unit, counts, problems); per kernel the trace problem found while timing it
  t<i>.<name>.npy   the arrays of trace i's walk (sqtt.mapping.Mapping) and its reduction (sqtt.timing.MappingTiming),
              plain .npy files (read with allow_pickle=False, memory-mapped: nothing in the cache is executed, and
              reading a big one costs nothing until a page is used)
An entry is written to a temporary directory and renamed into place, so a reader never sees half of one.

Trust: an entry is used only if its meta says this format, key and code, every array has the dtype the code
expects and the length its counts say, and every index it holds points inside the kernel (instruction, block and
wave numbers; path offsets in order). Anything else, or any error reading it: the entry is ignored and rebuilt.
The cache keeps at most AMDVIZ_CACHE_MB (default 8192) MB, the least recently used entries removed first.
"""
from __future__ import annotations
import hashlib, json, logging, os, shutil, tempfile, time
from dataclasses import fields
from functools import lru_cache
from pathlib import Path
import numpy as np

log = logging.getLogger("amdviz")
FORMAT = 1
ROOT = Path(__file__).resolve().parents[1]

MAPPING_ARRAYS = {"ev_packet": np.int64, "ev_time": np.int64, "ev_wave": np.int32, "ev_inst": np.int32, "ev_stepped": np.bool_,
                  "ev_done": np.bool_, "be_wave": np.int32, "be_block": np.int32, "be_kind": np.int8, "w_start": np.int64,
                  "w_end": np.int64, "w_cu": np.int16, "w_simd": np.int16, "w_slot": np.int16, "w_traced": np.bool_,
                  "w_status": np.int8, "w_n_insts": np.int32, "x_inst": np.int32,
                  "x_delay": np.int64, "hits": np.int64, "kind_counts": np.int64}
PART_ARRAYS = {f: np.int64 for f in ("timed", "total", "mn", "mx", "stall", "exec_n", "exec_total", "exec_max", "wait_keys",
                                     "wait_sums", "wait_counts", "block_hits", "block_starts", "block_ends", "edge_keys",
                                     "edge_counts")}
PART_ARRAYS["path_start"] = PART_ARRAYS["path_blocks"] = np.int32


def enabled() -> bool: return os.environ.get("AMDVIZ_CACHE", "1") not in ("0", "", "off", "no")

def cache_dir() -> Path:
  base = os.environ.get("AMDVIZ_CACHE_DIR") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "amdviz"
  return Path(base) / "analysis" / f"v{FORMAT}"

@lru_cache(maxsize=None)
def code_fingerprint() -> str:
  """A hash of the code the analysis comes from: the isa and sqtt packages, the ISA tables, this module and
  viz/api.py."""
  h = hashlib.sha256()
  files = sorted([*(ROOT / "isa").rglob("*.py"), *(ROOT / "isa").rglob("*.json"), *(ROOT / "sqtt").rglob("*.py"),
                  ROOT / "viz" / "api.py", Path(__file__)])
  for p in files:
    h.update(p.relative_to(ROOT).as_posix().encode()); h.update(p.read_bytes())
  return h.hexdigest()[:16]

def _entry(key: str) -> Path: return cache_dir() / f"{key}-{code_fingerprint()}"


class Stale(Exception):
  """The entry cannot be used; the message says why."""


def _array(d: Path, name: str, dtype, n: int | None) -> np.ndarray:
  a = np.load(d / f"{name}.npy", mmap_mode="r", allow_pickle=False)
  if a.dtype != np.dtype(dtype) or a.ndim != 1 or (n is not None and len(a) != n):
    raise Stale(f"{name}: {a.dtype} x {a.shape}, expected {np.dtype(dtype)} x {n}")
  return a

def _within(name: str, a: np.ndarray, hi: int, lo: int = 0) -> None:
  if len(a) and (int(a.min()) < lo or int(a.max()) >= hi): raise Stale(f"{name} holds values outside [{lo}, {hi})")


def load(ws) -> object | None:
  """The cached Analysis of `ws` (viz.api.Workspace), or None when there is none that can be trusted."""
  key = ws.capture.key
  if not enabled() or not key: return None
  d = _entry(key)
  if not (d / "meta.json").is_file(): return None
  try:
    analysis = _read(ws, d)
    os.utime(d)                                     # recently used
    return analysis
  except Exception as e:                            # anything at all: rebuild rather than trust it
    log.warning("ignoring the cached analysis in %s: %s", d, e)
    shutil.rmtree(d, ignore_errors=True)
    return None

def _read(ws, d: Path):
  from sqtt.decode import NK, PacketCounts
  from sqtt.mapping import COUNT_NAMES, ENTER_KINDS, Mapping, WAVE_STATUS
  from sqtt.timing import MappingTiming
  from viz.api import TraceResult, finish_analysis
  meta = json.loads((d / "meta.json").read_text())
  if (meta.get("format"), meta.get("version"), meta.get("key"), meta.get("code")) != \
     ("amdviz-analysis", FORMAT, ws.capture.key, code_fingerprint()):
    raise Stale("format, version, key or code differ")
  traces = ws.capture.traces
  if len(meta["traces"]) != len(traces): raise Stale("trace count differs")
  results = []
  for i, (t, tm) in enumerate(zip(traces, meta["traces"])):
    kv = ws.kernel_of_trace(t)
    if (kv.id if kv else None) != tm["kernel"]: raise Stale(f"trace {i} belongs to another kernel")
    pc = tm["packets"]
    kinds = _array(d, f"t{i}.packet_kinds", np.int64, NK)
    packets = PacketCounts(int(pc["n"]), kinds, pc["layout"], tuple(pc["error"]) if pc["error"] else None)
    m = part = None
    if tm["mapping"] is not None:
      if kv is None or kv.program_tables is None: raise Stale(f"trace {i} has a walk but no kernel tables")
      mm, prog, nb = tm["mapping"], kv.program_tables, len(kv.cfg.blocks)
      c = {k: int(mm["counts"][k]) for k in COUNT_NAMES}
      n_ev, n_be, n_w, n_x = c["events"], c["entries"], c["waves"], c["exec_pairs"]
      size = {"ev": n_ev, "be": n_be, "w_": n_w, "x_": n_x, "hi": prog.n, "ki": NK}
      arr = {name: _array(d, f"t{i}.{name}", dt, size[name[:2]]) for name, dt in MAPPING_ARRAYS.items()}
      _within("ev_inst", arr["ev_inst"], prog.n); _within("ev_wave", arr["ev_wave"], n_w)
      _within("be_wave", arr["be_wave"], n_w); _within("be_block", arr["be_block"], nb)
      _within("be_kind", arr["be_kind"], len(ENTER_KINDS)); _within("w_status", arr["w_status"], len(WAVE_STATUS))
      _within("x_inst", arr["x_inst"], prog.n)
      m = Mapping(prog, mm["layout"], int(mm["traced_unit"]), int(mm["n_packets"]), arr.pop("kind_counts"),
                  tuple(mm["error"]) if mm["error"] else None, **arr, counts=c, problems=[str(x) for x in mm["problems"]])
      per = {"timed", "total", "mn", "mx", "stall", "exec_n", "exec_total", "exec_max"}
      blocks = {"block_hits", "block_starts", "block_ends"}
      pa = {name: _array(d, f"t{i}.{name}", dt, prog.n if name in per else nb if name in blocks else
                         n_w + 1 if name == "path_start" else None) for name, dt in PART_ARRAYS.items()}
      ps = pa["path_start"]
      if ps[0] != 0 or ps[-1] != len(pa["path_blocks"]) or (np.diff(ps) < 0).any(): raise Stale(f"trace {i}: paths out of order")
      _within("path_blocks", pa["path_blocks"], nb)
      nc = len(kv.timing_tables.counters)
      _within("wait_keys", pa["wait_keys"], prog.n * prog.n * nc); _within("edge_keys", pa["edge_keys"], nb * nb * 4)
      for a, b in (("wait_keys", "wait_sums"), ("wait_keys", "wait_counts"), ("edge_keys", "edge_counts")):
        if len(pa[a]) != len(pa[b]): raise Stale(f"trace {i}: {a} and {b} differ in length")
      part = MappingTiming(**pa)
    results.append(TraceResult(i, t, kv, packets, m, tm["problem"], part))
  for kid, problem in meta["kernels"].items():
    if not 0 <= int(kid) < len(ws.kernels): raise Stale(f"no kernel {kid}")
    ws.kernels[int(kid)].trace_problem = problem
  return finish_analysis(ws, results)


def save(ws, analysis) -> None:
  """Write `analysis` for `ws`'s capture (a failure to write is logged, never raised: the cache is a convenience)."""
  key = ws.capture.key
  if not enabled() or not key: return
  d = _entry(key)
  if (d / "meta.json").is_file(): return
  try:
    d.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=d.parent))
    try:
      meta = {"format": "amdviz-analysis", "version": FORMAT, "key": key, "code": code_fingerprint(), "written": time.time(),
              "capture": ws.capture.path, "traces": [], "kernels": {str(kv.id): kv.trace_problem for kv in ws.kernels
                                                                    if kv.trace_problem}}
      for r in analysis.traces:
        p, m = r.packets, r.mapping
        np.save(tmp / f"t{r.id}.packet_kinds.npy", np.asarray(p.kind_counts, np.int64))
        entry = {"kernel": r.kernel.id if r.kernel else None, "problem": r.problem, "mapping": None,
                 "packets": {"n": p.n, "layout": p.layout, "error": list(p.error) if p.error else None}}
        if m is not None:
          for name in MAPPING_ARRAYS: np.save(tmp / f"t{r.id}.{name}.npy", np.asarray(getattr(m, name)))
          for f in fields(r.part): np.save(tmp / f"t{r.id}.{f.name}.npy", np.asarray(getattr(r.part, f.name)))
          entry["mapping"] = {"layout": m.layout, "traced_unit": m.traced_unit, "n_packets": m.n_packets, "counts": m.counts,
                              "error": list(m.error) if m.error else None, "problems": list(m.problems)}
        meta["traces"].append(entry)
      (tmp / "meta.json").write_text(json.dumps(meta))
      tmp.rename(d)
    finally:
      if tmp.exists(): shutil.rmtree(tmp, ignore_errors=True)
    trim()
  except OSError as e:
    log.warning("cannot write the analysis cache in %s: %s", d.parent, e)

def trim(limit_mb: float | None = None) -> None:
  """Remove the least recently used entries until the cache is under its size limit."""
  limit = (limit_mb if limit_mb is not None else float(os.environ.get("AMDVIZ_CACHE_MB", 8192))) * 2 ** 20
  root = cache_dir()
  entries = []
  for d in root.iterdir() if root.is_dir() else ():
    if not d.is_dir(): continue
    if d.name.startswith(".tmp-"):                  # a write that never finished (its process was stopped)
      if time.time() - d.stat().st_mtime > 3600: shutil.rmtree(d, ignore_errors=True)
      continue
    entries.append((d.stat().st_mtime, sum(f.stat().st_size for f in d.iterdir()), d))
  total = sum(size for _, size, _ in entries)
  for _, size, d in sorted(entries):
    if total <= limit: break
    shutil.rmtree(d, ignore_errors=True); total -= size
