"""`amdviz export CAPTURE... --out DIR`: the analysis of many captures as Parquet tables, for DuckDB, Spark, Trino, Dask.

One folder per table, Hive-partitioned by capture (DIR/<table>/capture=<name>/part-0.parquet), so a query over
DIR/<table>/*/*.parquet sees every capture exported there, this run's and earlier ones, with `capture` as a column:

  kernels       capture, kernel_id, name, arch, entry_pc, n_instructions, vgprs, sgprs, lds_bytes, scratch_bytes,
                traced, waves (instruction-traced), total_cycles, problem
  instructions  capture, kernel_id, pc, size, mnemonic, text, hits, cycles_total, cycles_mean, cycles_max, waited
                (cycles a wait / completion-stamped instruction stalled)
  waves         capture, kernel_id, trace, se, cu, simd, wave, start, end (null: never ended), n_insts, traced, status
  edges         capture, kernel_id, src, dst (block start pcs), kind, count

The numbers are those of the JSON routes (/api/kernels, /timing, /waves, /cfg): the same functions compute them.
A capture's name is its file name without extension, made safe for a folder name, and the first 8 hex digits of
its content hash (profile_gemm_run_0-fad50dac): exporting the same capture again replaces its partitions. Needs pyarrow (pip install 'amdviz[export]').
"""
from __future__ import annotations
import re, shutil, sys
from pathlib import Path
import numpy as np
from viz.api import Workspace, kernels_json, _timing

TABLES = ("kernels", "instructions", "waves", "edges")


def partition_name(capture) -> str:
  """A capture's name in the tables: its file name without extension (made folder-safe) and the start of its content
  hash, so two captures never share a name and the same capture exported again replaces itself."""
  base = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(capture.path).name.split(".")[0]) or "capture"
  return f"{base}-{capture.key[:8]}"


def tables(ws: Workspace) -> dict[str, dict[str, object]]:
  """The four tables of one capture as columns (name -> list or array), without the capture column; the waves
  table as its pieces (kernel id, sqtt.timing wave segment), written batch by batch (_wave_batches)."""
  cols = {t: {} for t in TABLES}
  def add(table: str, **values):
    for k, v in values.items(): cols[table].setdefault(k, []).append(v)
  for k in kernels_json(ws)["kernels"]:
    kv = ws.kernels[k["id"]]
    t = _timing(ws, kv) if kv.usable() else None
    add("kernels", kernel_id=k["id"], name=k["name"], arch=k["arch"], entry_pc=k["entry_pc"], n_instructions=k["n_instructions"],
        vgprs=k["vgprs"], sgprs=k["sgprs"], lds_bytes=k["lds_bytes"], scratch_bytes=k["scratch_bytes"], traced=t is not None,
        waves=t.n_waves if t is not None else 0, total_cycles=int(t.cycles_total.sum()) if t is not None else 0,
        problem=k["problem"])
    if not kv.usable(): continue
    insts = kv.instructions
    n = len(insts)
    zero = np.zeros(n, np.int64)
    mean = t.cycles_mean() if t is not None else np.zeros(n)
    c = cols["instructions"]
    for key, v in (("kernel_id", np.full(n, kv.id, np.int64)), ("pc", np.array([i.pc for i in insts], np.int64)),
                   ("size", np.array([i.size for i in insts], np.int64)), ("mnemonic", [i.mnemonic for i in insts]),
                   ("text", [i.text for i in insts]), ("hits", t.hits if t is not None else zero),
                   ("cycles_total", t.cycles_total if t is not None else zero), ("cycles_mean", np.round(mean, 2)),
                   ("cycles_max", t.cycles_max if t is not None else np.full(n, -1, np.int64)),
                   ("waited", t.stall_total if t is not None else zero)):
      c.setdefault(key, []).append(v)
    if t is None: continue
    starts = np.array([b.start for b in kv.cfg.blocks], np.int64)
    for (a, b, kind), count in sorted(t.edge_counts.items()):
      add("edges", kernel_id=kv.id, src=int(starts[a]), dst=int(starts[b]), kind=kind, count=int(count))
    cols["waves"].setdefault("pieces", []).extend((kv.id, seg) for seg in t.waves.segments)
  return cols

WAVE_ROWS = 1 << 20     # waves written at a time: a big capture has tens of millions, never all in memory twice

def _wave_batches(pieces):
  """The waves table, WAVE_ROWS at a time, as Arrow record batches made from the walk's columns (no Python object
  per wave: status is dictionary-coded, a wave that never ended has a null end)."""
  import pyarrow as pa
  from sqtt.mapping import NO_TIME, WAVE_STATUS
  status = pa.array(WAVE_STATUS)
  for kid, seg in pieces:
    m = seg.m
    for a in range(0, m.n_waves, WAVE_ROWS):
      b = min(a + WAVE_ROWS, m.n_waves)
      end = np.asarray(m.w_end[a:b])
      yield pa.record_batch({
        "kernel_id": np.full(b - a, kid, np.int64), "trace": np.full(b - a, seg.trace, np.int64),
        "se": np.full(b - a, seg.se, np.int64), "cu": np.asarray(m.w_cu[a:b]), "simd": np.asarray(m.w_simd[a:b]),
        "wave": np.asarray(m.w_slot[a:b]), "start": np.asarray(m.w_start[a:b]), "end": pa.array(end, mask=end == NO_TIME),
        "n_insts": np.asarray(m.w_n_insts[a:b]), "traced": np.asarray(m.w_traced[a:b]),
        "status": pa.DictionaryArray.from_arrays(pa.array(np.asarray(m.w_status[a:b])), status)})


def _arrow_table(columns: dict[str, object]):
  import pyarrow as pa
  arrays = {}
  for name, parts in columns.items():
    if parts and isinstance(parts[0], np.ndarray):          # per-kernel column pieces: join them
      joined = np.concatenate(parts)
      arrays[name] = pa.array(joined.tolist()) if joined.dtype == object else pa.array(joined)
    elif parts and isinstance(parts[0], list): arrays[name] = pa.array([x for p in parts for x in p])
    else: arrays[name] = pa.array(parts)
  n = len(next(iter(arrays.values()))) if arrays else 0
  return pa.table(arrays) if n else None


def export(paths: list[str], out: str | Path, progress=None) -> dict[str, dict[str, int]]:
  """Write every capture's tables under `out`; returns rows written per capture and table."""
  import pyarrow.parquet as pq
  out, written = Path(out), {}
  for k, path in enumerate(paths):
    ws = Workspace.open(path)
    name = partition_name(ws.capture)
    for kv in ws.kernels: kv.usable()
    if progress: progress(k, len(paths), name)
    if ws.capture.traces: ws.analysis(); ws.save_analysis()
    written[name] = {}
    for table, columns in tables(ws).items():
      part = out / table / f"capture={name}"
      shutil.rmtree(part, ignore_errors=True)
      if table == "waves":
        written[name][table], writer = 0, None
        for batch in _wave_batches(columns.get("pieces", [])):
          if writer is None:
            part.mkdir(parents=True)
            writer = pq.ParquetWriter(part / "part-0.parquet", batch.schema, compression="zstd")
          writer.write_batch(batch)
          written[name][table] += batch.num_rows
        if writer is not None: writer.close()
        continue
      t = _arrow_table(columns)
      written[name][table] = 0 if t is None else t.num_rows
      if t is None: continue
      part.mkdir(parents=True)
      pq.write_table(t, part / "part-0.parquet", compression="zstd")
  if progress: progress(len(paths), len(paths), "done")
  return written


def cli(argv: list[str]) -> int:
  import argparse
  p = argparse.ArgumentParser(prog="amdviz export", description="Write the analysis of captures as Parquet tables "
                              "(kernels, instructions, waves, edges), one folder per table, partitioned by capture.")
  p.add_argument("paths", nargs="+", metavar="CAPTURE")
  p.add_argument("--out", required=True, help="folder for the tables (created; other captures in it are kept)")
  args = p.parse_args(argv)
  try: import pyarrow  # noqa: F401
  except ImportError:
    print("amdviz export: needs pyarrow: pip install 'amdviz[export]'", file=sys.stderr); return 2
  from viz.progress import ProgressLine
  bar = ProgressLine()
  written = export(args.paths, args.out, lambda k, n, name: bar.show(k / n, f"exporting {name} ({k}/{n})", k == n))
  for name, rows in written.items():
    print(f"{name}: " + ", ".join(f"{t} {n}" for t, n in rows.items()))
  print(f"query: duckdb -c \"select * from read_parquet('{Path(args.out) / 'instructions'}/*/*.parquet', hive_partitioning=true) limit 5\"")
  return 0
