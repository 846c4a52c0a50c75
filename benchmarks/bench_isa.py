"""Decoder / CFG / JSON-API throughput on one very large kernel, as ratios against llvm-objdump-19.

    python3 -m benchmarks.bench_isa [--mcpu gfx1100] [--mcpu gfx1200] [--repeat 5] [--json]
    python3 benchmarks/bench_isa.py ...            (same thing)

Builds (once; cached in --cache-dir, default ~/.cache/amdviz-bench) a kernel of --target-insts
instructions with benchmarks/make_big_kernel.py, or takes --kernel FILE, then measures, in the same run
and on the same file, the best of --repeat wall times of:

  llvm-objdump   `llvm-objdump-19 -d --mcpu=CPU FILE`, stdout to /dev/null: THE reference every ratio uses
  objdump+read   the same command with its stdout piped into this process and decoded to str (shown only)
  load+disasm    read the file, isa.elf.load_code_object, Disassembler(arch) with its JSON tables parsed
                 afresh (a new process pays that too), disassemble the whole .text like objdump does
  disasm         Disassembler.disassemble of .text alone (warm tables)
  load           read the file + load_code_object alone
  cfg            isa.cfg.build_cfg of the first kernel's listing, from its entry
  def/use index  register -> [pcs] for reads and for writes over that listing (what the UI's
                 register highlighting needs; reads/writes themselves come from the decoder)
  cfg+def/use    the sum of the two
  api disasm     viz.api: Workspace.open(FILE) + route /api/kernels/0/disasm + json.dumps
  api cfg        route /api/kernels/0/cfg + json.dumps on that workspace (decode already cached)

Each round runs every step once, reference included, and each step keeps its best round, so load
from other processes hits both sides alike. The heap is garbage collected before each step.

Performance numbers are ratios against llvm-objdump measured in the same command (the project's rule):
"disasm: 7.3x llvm-objdump time" means ours took 7.3 times as long. llvm-objdump's time includes
starting its process (a few ms); ours excludes Python's start-up and imports. Nothing here asserts on
time. --profile N also runs cProfile over one load+disasm and prints the N hottest functions.
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import io
import json
import os
import pstats
import re
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:   # `python3 benchmarks/bench_isa.py` from anywhere
    sys.path.insert(0, str(ROOT))

from benchmarks import make_big_kernel  # noqa: E402
from isa import decode  # noqa: E402
from isa.cfg import build_cfg  # noqa: E402
from isa.decode import Disassembler  # noqa: E402
from isa.elf import load_code_object  # noqa: E402
from viz.api import Workspace, route  # noqa: E402

OBJDUMP, CLANG = make_big_kernel.OBJDUMP, make_big_kernel.CLANG
DEFAULT_CACHE = Path(os.environ.get("AMDVIZ_BENCH_CACHE", Path.home() / ".cache" / "amdviz-bench"))
# one objdump instruction line: text, "// PC:", the hex words (text may run straight into "//")
_INST = re.compile(r"^\s+(?P<text>.*?)\s*// (?P<pc>[0-9A-Fa-f]+):(?: [0-9A-Fa-f]{8})+", re.M)


# --------------------------------------------------------------------------- the kernel

def _tool_version(tool: str) -> str:
    try:
        return subprocess.run([tool, "--version"], capture_output=True, text=True).stdout
    except OSError:
        return ""


def kernel_path(mcpu: str, target_insts: int, cache_dir=None, rebuild: bool = False, log=print, shape: str = "branchy") -> Path:
    """The big kernel for `mcpu`, built once per (generator source, clang version, mcpu, size, shape)."""
    cache = Path(cache_dir) if cache_dir is not None else DEFAULT_CACHE
    key = hashlib.sha256(Path(make_big_kernel.__file__).read_bytes() + _tool_version(CLANG).encode()).hexdigest()[:12]
    out = cache / f"big.{mcpu}.{target_insts}{'' if shape == 'branchy' else '.' + shape}.{key}.hsaco"
    if out.exists() and not rebuild:
        return out
    cache.mkdir(parents=True, exist_ok=True)
    tmp = cache / f".tmp-{os.getpid()}-{out.name}"
    log(f"building {out.name} ({target_insts} instructions wanted; once, then cached) ...")
    t0 = time.perf_counter()
    try:
        make_big_kernel.build_big_kernel(tmp, mcpu=mcpu, target_insts=target_insts, shape=shape)
        os.replace(tmp.with_suffix(".cl"), out.with_suffix(".cl"))
        os.replace(tmp, out)
    finally:
        for p in (tmp, tmp.with_suffix(".cl")):
            if p.exists():
                p.unlink()
    log(f"built in {time.perf_counter() - t0:.1f}s")
    return out


# --------------------------------------------------------------------------- timing

def objdump_devnull(path: Path, mcpu: str) -> None:
    subprocess.run([OBJDUMP, "-d", f"--mcpu={mcpu}", str(path)], stdout=subprocess.DEVNULL, check=True)


def objdump_read(path: Path, mcpu: str) -> str:
    return subprocess.run([OBJDUMP, "-d", f"--mcpu={mcpu}", str(path)], capture_output=True, text=True,
                          check=True).stdout


def load_and_disasm(path: Path):
    co = load_code_object(path.read_bytes())
    decode.load_table.cache_clear()   # parse the JSON tables again, as a fresh process would
    return co, Disassembler(co.arch).disassemble(co.text.data, co.text.addr)


def reg_index(instructions) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """register -> pcs reading it, register -> pcs writing it (pc order)."""
    rd: defaultdict[str, list[int]] = defaultdict(list)
    wr: defaultdict[str, list[int]] = defaultdict(list)
    for ins in instructions:
        pc = ins.pc
        for r in ins.reads:
            rd[r].append(pc)
        for r in ins.writes:
            wr[r].append(pc)
    return rd, wr


def api_disasm(path: Path) -> int:
    ws = Workspace.open(path)
    return len(json.dumps(route(ws, "/api/kernels/0/disasm")))


def api_cfg(ws) -> int:
    ws.kernels[0].__dict__.pop("cfg", None)   # drop the cached_property: build the CFG again every run
    return len(json.dumps(route(ws, "/api/kernels/0/cfg")))


def best_times(steps: dict[str, Callable[[], object]], repeat: int, keep=()) -> tuple[dict[str, float], dict]:
    """Best wall time of each step over `repeat` rounds, and the last result of the steps in `keep`.
    Rounds go through all steps in turn (reference included), so load from other processes on the
    machine hits ours and the reference alike. The heap is collected before every call and other
    results are dropped at once: a decoded listing left alive makes the next step's garbage
    collections slower (one more 60k-instruction listing costs the decoder ~15%)."""
    best = dict.fromkeys(steps, float("inf"))
    last: dict[str, object] = {}
    for _ in range(max(1, repeat)):
        for name, fn in steps.items():
            last.pop(name, None)
            gc.collect()
            t0 = time.perf_counter()
            res = fn()
            best[name] = min(best[name], time.perf_counter() - t0)
            if name in keep:
                last[name] = res
            res = None
    return best, last


def bench_one(path: Path, mcpu: str, repeat: int) -> dict:
    """Every measurement for one code object; plain data (see `format_table` for how it prints)."""
    co = load_code_object(path.read_bytes())
    d = Disassembler(co.arch)
    # The one listing kept alive: the first kernel's, as the viewer holds it; input of cfg / def/use / api cfg.
    ws = Workspace.open(path)
    if not ws.kernels:
        raise SystemExit(f"bench_isa: {path} has no kernels")
    insts, entry = ws.kernels[0].instructions, ws.kernels[0].kernel.entry_pc
    n_text = len(d.disassemble(co.text.data, co.text.addr))
    t, last = best_times({
        "llvm-objdump": lambda: objdump_devnull(path, mcpu),
        "objdump+read": lambda: objdump_read(path, mcpu),
        "load": lambda: load_code_object(path.read_bytes()),
        "load+disasm": lambda: len(load_and_disasm(path)[1]),
        "disasm": lambda: len(d.disassemble(co.text.data, co.text.addr)),
        "disasm fresh": lambda: len(d.disassemble(co.text.data, co.text.addr, reuse=False)),
        "cfg": lambda: build_cfg(insts, entry),
        "def/use index": lambda: reg_index(insts),
        "api disasm": lambda: api_disasm(path),
        "api cfg": lambda: api_cfg(ws),
    }, repeat, keep=("objdump+read", "cfg", "def/use index", "api disasm", "api cfg"))
    ref = {int(m["pc"], 16): " ".join(m["text"].split()) for m in _INST.finditer(last["objdump+read"])}
    n = len(insts)
    cfg, (rd, wr) = last["cfg"], last["def/use index"]
    text = {i.pc: i.text for i in d.disassemble(co.text.data, co.text.addr)}
    n_reads, n_writes = sum(map(len, rd.values())), sum(map(len, wr.values()))
    t_ref = t["llvm-objdump"]
    rows = [
        ("llvm-objdump", len(ref), "reference: stdout to /dev/null"),
        ("objdump+read", len(ref), "stdout piped into Python and decoded to str"),
        ("load", None, "read file + load_code_object"),
        ("load+disasm", n_text, "load + JSON tables parsed + disassemble .text"),
        ("disasm", n_text, "disassemble .text, tables warm (repeated encodings reused)"),
        ("disasm fresh", n_text, "same, every instruction decoded afresh (no reuse)"),
        ("cfg", n, f"{len(cfg.blocks)} blocks, {len(cfg.edges)} edges"),
        ("def/use index", n, f"{len(rd)} regs read at {n_reads}, {len(wr)} written at {n_writes} sites"),
        ("cfg+def/use", n, "sum of the two rows above"),
        ("api disasm", n, f"Workspace.open + /disasm route + json.dumps ({last['api disasm'] / 1e6:.1f} MB)"),
        ("api cfg", n, f"/cfg route + json.dumps ({last['api cfg'] / 1e6:.1f} MB)"),
        ("api total", n, "both routes from a cold workspace"),
    ]
    t["cfg+def/use"] = t["cfg"] + t["def/use index"]
    t["api total"] = t["api disasm"] + t["api cfg"]
    return {
        "mcpu": mcpu, "arch": co.arch, "kernel": str(path), "bytes": path.stat().st_size,
        "text_bytes": co.text.size, "repeat": repeat, "instructions": n_text, "kernel_instructions": n,
        "objdump_instructions": len(ref), "long_words": sum(v.startswith(".long") for v in text.values()),
        "text_match": sum(text.get(pc) == v for pc, v in ref.items()) / max(1, len(ref)),
        "blocks": len(cfg.blocks), "edges": len(cfg.edges),
        "reference": "llvm-objdump", "reference_seconds": t_ref,
        "results": [{"name": name, "seconds": t[name], "instructions": k,
                     "instructions_per_s": (k / t[name]) if k and t[name] > 0 else None,
                     "ratio_to_llvm_objdump": t[name] / t_ref if t_ref > 0 else None, "note": note}
                    for name, k, note in rows],
    }


# --------------------------------------------------------------------------- profile

def profile_disasm(path: Path, top: int) -> str:
    """cProfile one load+disasm; the `top` functions by own time, then by cumulative time."""
    pr = cProfile.Profile()
    gc.collect()
    pr.enable()
    res = load_and_disasm(path)
    pr.disable()
    del res
    s = io.StringIO()
    st = pstats.Stats(pr, stream=s).strip_dirs()
    st.sort_stats("tottime").print_stats(top)
    st.sort_stats("cumulative").print_stats(top)
    return s.getvalue()


# --------------------------------------------------------------------------- output

def format_table(r: dict) -> str:
    lines = [f"{r['mcpu']}: {Path(r['kernel']).name}, {r['instructions']} instructions in .text "
             f"({r['objdump_instructions']} by llvm-objdump, {r['long_words']} .long; "
             f"{r['kernel_instructions']} in the first kernel), "
             f"{r['text_bytes']} bytes of .text, text equal to llvm-objdump at {100 * r['text_match']:.2f}% of pcs; "
             f"best of {r['repeat']}",
             f"  {'step':14} {'insts':>7} {'seconds':>9} {'insts/s':>10} {'vs objdump':>11}  note"]
    for x in r["results"]:
        ips = f"{x['instructions_per_s']:10.0f}" if x["instructions_per_s"] else f"{'':10}"
        k = f"{x['instructions']:7d}" if x["instructions"] else f"{'':7}"
        lines.append(f"  {x['name']:14} {k} {x['seconds']:9.4f} {ips} {x['ratio_to_llvm_objdump']:10.2f}x  {x['note']}")
    by = {x["name"]: x for x in r["results"]}
    for name in ("load+disasm", "disasm", "disasm fresh", "cfg+def/use", "api total"):
        lines.append(f"  {name}: {by[name]['ratio_to_llvm_objdump']:.1f}x llvm-objdump time")
    lines.append(f"  CFG + def/use for {r['kernel_instructions']} instructions: {by['cfg+def/use']['seconds']:.3f} s "
                 f"({by['cfg+def/use']['ratio_to_llvm_objdump']:.2f}x llvm-objdump time)")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mcpu", action="append", help="target(s) to build for (repeatable; default gfx1100)")
    ap.add_argument("--target-insts", type=int, default=60000, help="size of the generated kernel")
    ap.add_argument("--kernel", type=Path, help="benchmark this code object instead of building one "
                                                "(--mcpu then only picks objdump's target)")
    ap.add_argument("--repeat", type=int, default=5, help="best of N wall times (default 5)")
    ap.add_argument("--cache-dir", type=Path, default=None, help=f"kernel cache (default {DEFAULT_CACHE})")
    ap.add_argument("--rebuild", action="store_true", help="rebuild the kernel even if cached")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    ap.add_argument("--profile", type=int, metavar="N", default=0,
                    help="also cProfile one load+disasm and print the N hottest functions")
    a = ap.parse_args(argv)
    if not shutil.which(OBJDUMP) or (a.kernel is None and not shutil.which(CLANG)):
        print(f"bench_isa: needs {OBJDUMP}" + ("" if a.kernel else f" and {CLANG}") + " on PATH", file=sys.stderr)
        return 2
    mcpus = a.mcpu or ["gfx1100"]
    log = (lambda *x: print(*x, file=sys.stderr)) if a.json else print
    results = []
    for mcpu in mcpus:
        path = a.kernel if a.kernel else kernel_path(mcpu, a.target_insts, a.cache_dir, a.rebuild, log)
        r = bench_one(path, mcpu, a.repeat)
        if a.profile:
            r["profile"] = profile_disasm(path, a.profile)
        results.append(r)
        if not a.json:
            print(format_table(r))
            if a.profile:
                print(r["profile"])
    if a.json:
        print(json.dumps({"results": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
