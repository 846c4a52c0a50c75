"""The simulator's speed and how well its cycle model matches the hardware.

    python3 -m benchmarks.bench_emu [--waves 1024] [--repeat 3] [--json]

Speed: wave-instructions per second (a), on one core, for a 1024-wave uniform kernel (every wave at the same pcs:
the case lockstep grouping is for) and for every corpus kernel that has a numpy reference (tests/emu/corpus_refs),
each with its seeded inputs. The reference in the same run is numpy computing the same result (the references'
own code): the ratio says how many times numpy's own time the simulation takes. Peak RSS of the process at the end.

Calibration: the real captures' traced waves (tests/data/captures/real, gfx1100 and gfx1200) give, per wave, the pcs
it executed and when each issued. The cycle model (emu/cycles.py) is fed the same pcs; per kernel the table compares
total cycles per wave (model / measured) and the correlation of per-instruction cycles. "Compute" rows count only
instructions that neither wait for memory nor issue memory accesses (SALU, VALU, branches), where the model has no
memory latency to guess. Nothing asserts on time.
"""
from __future__ import annotations
import argparse, json, resource, sys, time
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path: sys.path.insert(0, str(ROOT))

UNIFORM = """
__kernel void uniform(__global float *y, __global const float *x, float a, float b) {
  int i = __builtin_amdgcn_workgroup_id_x() * __builtin_amdgcn_workgroup_size_x() + __builtin_amdgcn_workitem_id_x();
  float v = x[i];
  for (int k = 0; k < 16; k++) v = v * a + b;
  y[i] = v;
}
"""


def best_of(fn, repeat: int) -> float:
  best = float("inf")
  for _ in range(repeat):
    t = time.perf_counter(); fn(); best = min(best, time.perf_counter() - t)
  return best


def speed(repeat: int, waves: int, tmp: Path) -> list[dict]:
  from emu import run
  from tests.llvm_oracle import compile_cl, corpus_files, corpus_builds
  from tests.emu.test_corpus import ref_module, make_case
  from isa.elf import load_code_object
  rows = []
  src = tmp / "uniform.cl"; src.write_text(UNIFORM)
  code = compile_cl(src, "gfx1100", "-O3")
  n = waves * 32
  x = np.random.default_rng(0).standard_normal(n).astype(np.float32)
  y = np.zeros(n, np.float32)
  r = run(code, "uniform", n // 64, 64, (y, x, np.float32(0.999), np.float32(0.5)), trace=False)
  def ref():
    v = x.copy()
    for _ in range(16): v = (v.astype(np.float64) * np.float32(0.999) + np.float32(0.5)).astype(np.float32)
    return v
  t_emu = best_of(lambda: run(code, "uniform", n // 64, 64, (y, x, np.float32(0.999), np.float32(0.5)), trace=False), repeat)
  t_traced = best_of(lambda: run(code, "uniform", n // 64, 64, (y, x, np.float32(0.999), np.float32(0.5))), repeat)
  t_np = best_of(ref, repeat)
  rows.append({"kernel": f"uniform ({waves} waves)", "wave_instructions": r.wave_instructions, "seconds": t_emu,
               "seconds_with_trace": t_traced, "wave_inst_per_s": r.wave_instructions / t_emu, "numpy_seconds": t_np,
               "ratio_to_numpy": t_emu / t_np})
  for f in corpus_files():
    mod = ref_module(f)
    if mod is None: continue
    opt, flags = corpus_builds(f)[0]
    try: code = compile_cl(f, "gfx1100", opt, extra_flags=flags)
    except RuntimeError: continue
    for k in load_code_object(code.read_bytes()).kernels:
      make = getattr(mod, k.name, None)
      if make is None: continue
      lanes = 32 if k.descriptor.wave32 else 64
      try:
        c = make_case(make, lanes, "gfx1100")
        r = run(code, k.name, c.grid, c.block, c.args, trace=False)
      except Exception as e:        # a kernel the simulator cannot run yet is reported, not timed
        rows.append({"kernel": f"{f.stem}:{k.name}", "error": f"{type(e).__name__}: {e}"[:120]}); continue
      t = best_of(lambda: run(code, k.name, c.grid, c.block, c.args, trace=False), repeat)   # (outputs overwritten: same work)
      t_ref = best_of(lambda: make_case(make, lanes, "gfx1100"), repeat)
      rows.append({"kernel": f"{f.stem}:{k.name}", "wave_instructions": r.wave_instructions, "seconds": t,
                   "wave_inst_per_s": r.wave_instructions / t, "numpy_seconds": t_ref, "ratio_to_numpy": t / t_ref})
  return rows


def calibration() -> list[dict]:
  from capture import load_capture
  from viz.api import Workspace
  from sqtt.mapping import map_buffer
  from sqtt.packets import arch_layout
  from emu import cycles
  rows = []
  for path in sorted((ROOT / "tests" / "data" / "captures" / "real").glob("gfx1[12]*/*")):
    cap = load_capture(str(path))
    ws = Workspace(cap)
    for t in cap.traces:
      kv = ws.kernel_of_trace(t)
      if kv is None or kv.program_tables is None: continue
      m = map_buffer(t.data(), kv.arch, kv.program_tables, kv.program.base)
      costs = cycles.InstructionCosts(kv.instructions, arch_layout(kv.arch), not kv.kernel.descriptor.wave32)
      pcs_all, t_all = kv.program_tables.pc[m.ev_inst], m.ev_time
      for w in np.unique(m.ev_wave):
        ev = (m.ev_wave == w) & ~m.ev_stepped
        pcs, when = pcs_all[ev], t_all[ev].astype(np.int64)
        if len(pcs) < 8: continue
        model, _ = cycles.wave_segments(costs, pcs)
        meas_d, model_d = np.diff(when), np.diff(model)
        cls = np.array([costs.cls[int(p)] for p in pcs[:-1]])
        prev_wait = np.array([costs.cls[int(p)] == "wait" for p in pcs[1:]])
        compute = np.isin(cls, ("salu", "valu", "trans", "branch", "other")) & ~prev_wait
        rows.append({"capture": path.name, "arch": kv.arch, "kernel": kv.name, "se": t.se, "instructions": len(pcs),
                     "measured": int(when[-1] - when[0]), "model": int(model[-1] - model[0]),
                     "compute_measured": int(meas_d[compute].sum()), "compute_model": int(model_d[compute].sum()),
                     "corr": float(np.corrcoef(meas_d, model_d)[0, 1]) if meas_d.std() and model_d.std() else float("nan")})
  return rows


def summarise_calibration(rows: list[dict]) -> list[dict]:
  out = {}
  for r in rows:
    k = (r["arch"], r["capture"], r["kernel"])
    a = out.setdefault(k, {"capture": r["capture"], "arch": r["arch"], "kernel": r["kernel"], "waves": 0, "measured": 0,
                           "model": 0, "compute_measured": 0, "compute_model": 0, "corr": []})
    a["waves"] += 1
    for f in ("measured", "model", "compute_measured", "compute_model"): a[f] += r[f]
    if r["corr"] == r["corr"]: a["corr"].append(r["corr"])
  for a in out.values(): a["corr"] = float(np.mean(a["corr"])) if a["corr"] else float("nan")
  return list(out.values())


def main(argv=None) -> int:
  ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
  ap.add_argument("--waves", type=int, default=1024)
  ap.add_argument("--repeat", type=int, default=3)
  ap.add_argument("--json", action="store_true")
  ap.add_argument("--skip-speed", action="store_true")
  a = ap.parse_args(argv)
  import tempfile
  with tempfile.TemporaryDirectory() as d:
    sp = [] if a.skip_speed else speed(a.repeat, a.waves, Path(d))
  cal = summarise_calibration(calibration())
  rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
  if a.json:
    print(json.dumps({"speed": sp, "calibration": cal, "peak_rss_mb": rss})); return 0
  if sp:
    print(f"{'kernel':44s} {'wave-inst':>10s} {'seconds':>8s} {'wave-inst/s':>12s} {'x numpy':>8s}")
    for r in sp:
      if "error" in r: print(f"{r['kernel']:44s}  cannot run yet: {r['error']}"); continue
      print(f"{r['kernel']:44s} {r['wave_instructions']:10d} {r['seconds']:8.3f} {r['wave_inst_per_s']:12,.0f} {r['ratio_to_numpy']:8.1f}")
  print(f"\ncycle model vs measured (real captures' traced waves): total cycles, and compute-only instructions")
  print(f"{'arch':8s} {'capture':30s} {'kernel':24s} {'waves':>5s} {'model/meas':>10s} {'compute m/m':>11s} {'corr':>5s}")
  for r in cal:
    tot = r["model"] / r["measured"] if r["measured"] else float("nan")
    comp = r["compute_model"] / r["compute_measured"] if r["compute_measured"] else float("nan")
    print(f"{r['arch']:8s} {r['capture'][:30]:30s} {r['kernel'][:24]:24s} {r['waves']:5d} {tot:10.2f} {comp:11.2f} {r['corr']:5.2f}")
  print(f"\npeak RSS {rss:.0f} MB")
  return 0


if __name__ == "__main__":
  sys.exit(main())
