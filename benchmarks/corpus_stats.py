"""Compile the kernel corpus for every target and build variant; report instruction diversity.

    python3 benchmarks/corpus_stats.py [--cache DIR] [--jobs N] [--first-only] [-v]
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.llvm_oracle import TARGETS, compile_cl, corpus_builds, corpus_files, objdump  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", default=None, help="compile cache dir (default ~/.cache/amdviz-tests)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--first-only", action="store_true", help="only each file's first build variant")
    ap.add_argument("-v", action="store_true", help="list each target's mnemonics")
    a = ap.parse_args()
    jobs = [(f, t, opt, fl) for f in corpus_files() for t in TARGETS for opt, fl in corpus_builds(f)[:1 if a.first_only else None]]

    def build(job):
        f, t, opt, fl = job
        t0 = time.perf_counter()
        try:
            co = compile_cl(f, t, opt, cache_dir=a.cache, extra_flags=fl)
        except RuntimeError as e:
            print(f"FAIL {f.name} {t} {opt} {' '.join(fl)}\n{e}", file=sys.stderr)
            return job, None, []
        return job, time.perf_counter() - t0, objdump(co, t)

    per = {t: Counter() for t in TARGETS}
    secs, fails = Counter(), 0
    with ThreadPoolExecutor(a.jobs) as ex:
        for (f, t, opt, fl), dt, insts in ex.map(build, jobs):
            per[t].update(i.mnemonic for i in insts)
            fails += dt is None
            secs[t] += dt or 0.0
    allm = set().union(*per.values())
    print(f"{len(corpus_files())} files, {len(jobs)} builds, {fails} failed")
    for t in TARGETS:
        print(f"{t:8} distinct={len(per[t]):4} insts={sum(per[t].values()):7} compile={secs[t]:6.1f}s"
              f" .long={per[t]['.long']}")
        if a.v:
            print("   ", " ".join(sorted(per[t])))
    print(f"union distinct={len(allm)}")


if __name__ == "__main__":
    main()
