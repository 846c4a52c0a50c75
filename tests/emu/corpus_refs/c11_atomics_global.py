"""tests/corpus/11_atomics_global.cl

atomics32 and atomics64 run as a single work-item. With several, most of what they write depends on the order in
which the work-items' atomics reach memory, which OpenCL leaves open (relaxed atomics, no synchronisation): every
returned value of fetch_add/sub/exchange feeds r, and r goes to o[i], to ctr[26] (last store wins), to fo[0]
(float sums round in arrival order); exchange leaves the last work-item's i. No reference can name one answer
there, so one work-item it is: every atomic then returns the value the reference put in memory, and the final
memory is each operation applied once. (The compiler's wave-level atomic optimizer, the CAS loops it makes of
system-scope min/max and float atomics, and the hardware atomics all still run.)

cas_loop runs many work-items in many waves: its result, the maximum of every input and the initial value, does
not depend on the order (no NaN, and the maximum is unique and not a zero, so no +-0 tie can leave either bit
pattern).
"""
import numpy as np
from tests.emu.corpus_refs import Case

f32 = np.float32


def _s32(v): return np.int32(((int(v) + 2**31) % 2**32) - 2**31)


def atomics32(rng, lanes):
  v = int(rng.integers(-1000, 1000))
  ctr = rng.integers(-5000, 5000, 32).astype(np.int32)
  u = rng.integers(0, 200, 32).astype(np.uint32)
  ctr[10] = 0                                  # cmpxchg(&ctr[10], 0 -> i) succeeds (and stores i = 0)
  u[11], u[12] = 57, 0                         # inc below its limit; dec from 0 wraps to the limit
  fo = np.array([1.25, -3.5, 7.75, 0.0], f32)
  c, uu = ctr.astype(np.int64), u.astype(np.int64)
  i = 0
  C, U = c.copy(), uu.copy()
  r = C[0]; C[0] += v
  r += C[1]; C[1] -= 3
  r += C[2]; C[2] = i
  r += C[3]; C[3] = min(C[3], v)
  r += C[4]; C[4] = max(C[4], i)
  r += U[5]; U[5] = min(U[5], i)
  r += U[6]; U[6] = max(U[6], i)
  r += C[7]; C[7] &= v
  r += C[8]; C[8] |= v
  r += C[9]; C[9] ^= v
  exp = 0
  if C[10] == exp: C[10] = i
  else: exp = C[10]
  old11 = U[11]; U[11] = 0 if U[11] >= 100 else U[11] + 1         # atomic_inc: wraps to 0 past the limit
  old12 = U[12]; U[12] = 100 if U[12] == 0 or U[12] > 100 else U[12] - 1   # atomic_dec: wraps to the limit
  r += exp + old11 + old12
  C[16 + (i & 7)] += 1
  C[24] |= 1 << (i & 31)
  U[25] = max(U[25], i)
  C[26] = r
  r += C[27]
  F = fo.copy()
  fr = F[0]; F[0] = f32(F[0] + f32(r))                               # returns the old value
  old1 = F[1]; F[1] = max(F[1], fr); fr = f32(fr + old1)
  old2 = F[2]; F[2] = min(F[2], fr); fr = f32(fr + old2)
  o = np.zeros(1, np.int32)
  want_o = np.array([_s32(r + int(fr))], np.int32)
  return Case(1, 1, (o, u, ctr, fo, np.int32(v)),
              {0: want_o, 1: U.astype(np.uint32), 2: np.array([_s32(x) for x in C], np.int32), 3: F})


def atomics64(rng, lanes):
  v = int(rng.integers(-2**40, 2**40))
  ctr = rng.integers(-2**50, 2**50, 16).astype(np.int64)
  u = rng.integers(0, 2**60, 8, dtype=np.uint64)
  ctr[8] = 1                                   # cmpxchg(&ctr[8], 1 -> r) succeeds
  d = np.array([-7.25, 3.0], np.float64)
  C, U = [int(x) for x in ctr], [int(x) for x in u]
  i = 0
  r = C[0]; C[0] += v
  r += C[1]; C[1] -= v
  r += C[2]; C[2] = i
  r += C[3]; C[3] = min(C[3], v)
  r += U[4]; U[4] = max(U[4], i)
  r += C[5]; C[5] &= v
  r += C[6]; C[6] |= v
  r += C[7]; C[7] ^= v
  exp = 1
  if C[8] == exp: C[8] = r
  else: exp = C[8]
  C[9] += 1
  D = d.copy()
  r += int(D[0]); D[0] += 1.5                                       # (long) of the old value: truncation
  want_o = np.array([r + exp], np.int64)
  return Case(1, 1, (np.zeros(1, np.int64), u, ctr, d, np.int64(v)),
              {0: want_o, 1: np.array(U, np.uint64), 2: np.array(C, np.int64), 3: D})


def cas_loop(rng, lanes):
  n = 512
  a = rng.uniform(-1000, 1000, n).astype(f32)
  a[::50] = -0.0
  a[7] = 2500.5                                # the unique maximum
  m = np.array([-1e30], f32)
  return Case(n // lanes, lanes, (m, a), {0: np.array([a.max()], f32)})
