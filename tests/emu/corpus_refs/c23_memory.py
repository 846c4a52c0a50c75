"""tests/corpus/23_memory.cl

The float sums are summed in the order the source groups them (`r += a + b + c` is r + ((a + b) + c)); no build
reassociates (no fast-math flag) and no multiply is near an add except d16's v * c + w, which OpenCL's default
FP_CONTRACT makes one fma (v_pk_fma_f16 in every build): that is rounded once here.

spaces runs 64 work-items a group (two waves on wave32), so every lds[] entry the generic reads can reach is
written before the barrier; odd lanes' generic pointer is LDS and even lanes' global within one flat access.
"""
import numpy as np
from tests.emu.corpus_refs import Case, s32
from tests.emu.corpus_refs._exact import F16, rnd, to_np

f16, f32 = np.float16, np.float32


def spaces(rng, lanes):
  # 64 work-items a group (two waves on wave32): lds[0..63] all written before the barrier, and odd lanes' generic
  # pointer is LDS, even lanes' global, in the same wave
  n, blk, k = 256, 64, 5
  inp = (rng.standard_normal(100000 + n + 8) * 100).astype(f32)
  inp[::7] = (rng.integers(-2**20, 2**20, len(inp[::7])) / 64).astype(f32)
  inp[3] = -0.0
  cbuf = (rng.standard_normal(16) * 1000).astype(f32)
  cvec = rng.integers(-2**26, 2**26, (8, 4)).astype(np.int32)
  table = np.arange(16, dtype=f32)
  i = np.arange(n)
  l = i % blk
  wg = i // blk
  lds = inp[:n].reshape(-1, blk)                            # lds[j] of group g = in[g * 64 + j]
  j = l & 31
  gen = np.where(l & 1, lds[wg, j] + lds[wg, j + 1], inp[j] + inp[j + 1])
  r = gen + (((cbuf[k] + cbuf[k + 1]) + cbuf[k + 2]) + cbuf[k + 3])
  cv = cvec[k].astype(np.int64).sum()                       # |sum| < 2^28: no overflow; (float) rounds it
  r = r + ((f32(cv) + table[i & 15]) + table[k & 15])
  r = r + (inp[i + 4096] + inp[i + 100000])
  out = np.zeros(24576 + n, f32)
  exp = out.copy()
  exp[i] = r; exp[i + 8192] = r; exp[i + 16384] = inp[i + 8192]; exp[i + 24576] = inp[i + 8192] * f32(2)
  return Case(n // blk, blk, (out, inp, cbuf, cvec.reshape(-1), np.int32(k)), {0: exp.astype(f32)})


def scalar_loads(rng, lanes):
  base = 3
  inp = rng.integers(-2**28, 2**28, 256).astype(np.int32)
  lq = rng.integers(0, 2**64, 8, dtype=np.uint64)
  s = int(inp[base]) + int(inp[base + 1])
  q = (int(lq[base]) + int(lq[base + 3])) & (2**64 - 1)
  v8 = inp[(base + 2) * 8:(base + 3) * 8]
  v16 = inp[(base + 7) * 16:(base + 8) * 16]
  s += int(v8[0]) + int(v8[7]) + int(v16[3]) + int(v16[15]) + int(s32(q & 0xFFFFFFFF))
  out = np.zeros(lanes, np.int32)
  return Case(1, lanes, (out, inp, lq, np.int32(base)), {0: np.full(lanes, s32(s), np.int32)})


def d16(rng, lanes):
  n = 256
  hb = rng.integers(0, 0x10000, n + 33).astype(np.uint16)
  hb = np.where((hb & 0x7C00) == 0x7C00, hb & 0x83FF, hb).astype(np.uint16)     # finite halves (no inf * 0 NaN)
  hb[:4] = [0x0001, 0x8000, 0x7BFF, 0x0400]
  h = hb.view(f16)
  b = rng.integers(0, 256, n + 7).astype(np.uint8)
  b[:3] = [0, 255, 1]
  s = rng.integers(-32768, 32768, n + 5).astype(np.int16)
  s[:4] = [-32768, 32767, 2049, -2051]                        # (half) rounds the last three
  i = np.arange(n)
  def lane(hv, c, w):                                        # fma(h, (half)c, (half)w), each conversion exact or RNE
    hw = np.array([float(rnd(int(v), F16)) for v in w])      # (half)short: RNE, never past 65504
    exact = [float(x) * int(cc) + y for x, cc, y in zip(hv, c, hw)]   # exact in float64 (< 2^53)
    return to_np([rnd(v, F16) if v != 0 else 0.0 for v in exact], f16)
  lo = lane(h[i], b[i], s[i])
  hi = lane(h[i + 33], b[i + 7], s[i + 5])
  # an exact 0 is +0: (half)w is never -0, and x * c + w is either 0 or at least 2^-24 in magnitude
  ho = np.zeros(512 + n, f16)
  exp = ho.copy()
  exp[i] = lo; exp[i + 512] = hi
  return Case(n // lanes, lanes, (ho, h, b, s), {0: exp})
