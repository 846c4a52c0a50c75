"""tests/corpus/21_special.cl (-O3 only: clang-19 cannot build it at -O0)

special: nothing is compared, the kernel must only run to its end. `out` is clock and pc arithmetic
(readcyclecounter, s_sendmsg_rtn realtime, s_getpc); `uo` adds the MODE register as the wave starts with it, and on
gfx12 s_get_barrier_state and s_barrier_signal_isfirst: hardware state, not something the source fixes (and a
reference cannot tell which target it runs for).
sched_hints: a workgroup of 64 work-items; lane l reads s[(l + 1) & 63], written by lane (l + 1) & 63 in the same
iteration. Within a wave that store precedes the load (wave_barrier, and the code keeps the order); across the
two waves of a wave32 build nothing orders them, so lanes 31 and 63 are not compared.
"""
import numpy as np
from tests.emu.corpus_refs import Case, AfterRun, care


def special(rng, lanes):
  out, uo = np.zeros(lanes, np.uint64), np.zeros(lanes, np.uint32)
  return Case(1, lanes, (out, uo, np.int32(5)), {})


def sched_hints(rng, lanes):
  n, block = 12, 64
  a = rng.standard_normal(n * 64).astype(np.float32) * np.float32(10)
  l = np.arange(block)
  acc = np.zeros(block, np.float32)
  for k in range(n): acc = acc + a[k * 64 + ((l + 1) & 63)]
  defined = ((l + 1) & 63) // lanes == l // lanes
  args = (np.zeros(block, np.float32), a, np.int32(n))
  return Case(1, block, args, AfterRun(args, {0: care(acc, defined)}))
