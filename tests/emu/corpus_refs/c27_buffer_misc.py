"""tests/corpus/27_buffer_misc.cl

buffers: 32 work-items (one wave32, half a wave64), every access inside the buffer's num_records, so the range
check never drops one (and whether soffset takes part in it does not matter). No two work-items' stores overlap
(soffset 48 moves the 16-bit stores past the bytes), and the loads read below the stores; out[soffset] is read
where no work-item writes.

misc: one wave. The LDS float atomics return the value before each lane's turn; the lanes take their turns in
lane order: at -O3 that order is what LLVM's atomic optimizer builds (one ds_max_rtn per wave, each lane's
result from a scan over the lanes below it), at -O0 it is the order one ds_max_rtn_f32 serves its lanes (HW?:
taken to be lane order, as the simulator does). a = 0, so the gfx11 GWS block (init 0, barrier, semaphore
v / p / bulk release 0) never waits on another wave. gfx12: ho and so are not checked there: the v2f16 / v2bf16
LDS atomics add into lh / lb, which the kernel never initialises (LDS starts undefined), and every later atomic
on ho / so builds on those results. io[i + 64] there reads the transposing loads: GLOBAL_LOAD_TR_B128 gives lane
8g + j of each group of 8 lanes the 16-bit element j of the 8 rows the group's lanes address (an 8 x 8 transpose;
a public note calls this verified on gfx1201); GLOBAL_LOAD_TR_B64 the same with 8-bit elements (HW?: by analogy,
and as AMD's composable_kernel uses it: 8 one-byte elements a lane).
"""
import numpy as np
from tests.emu.corpus_refs import Case, s32, u32

f32 = np.float32


def buffers(rng, lanes):
  t, soff = 32, 48
  n = 16384                                               # data: 64 KiB, num_records = n * 4 bytes
  data = rng.integers(0, 2**32, n, dtype=np.int64).astype(np.uint32)
  out = rng.integers(0, 2**32, 64, dtype=np.int64).astype(np.uint32)
  b = data.view(np.uint8)
  i = np.arange(t)
  dw = lambda off: b[off[:, None] + np.arange(4)].copy().view("<u4")[:, 0].astype(np.int64)   # little-endian dword
  v = dw(i * 4 + soff) + b[i] + (b[i * 2].astype(np.int64) | b[i * 2 + 1].astype(np.int64) << 8)
  w = [dw(i * 8), dw(i * 8 + 4)]
  tz = [dw(i * 12 + 16 + 4 * k) for k in range(3)]
  q = [dw(i * 16 + soff + 4 * k) for k in range(4)]
  v = (v + w[0] + w[1] + tz[2] + q[0] + q[3]) & 0xFFFFFFFF
  eb = b.copy()
  def put(off, vals, nbytes):
    for k in range(nbytes): eb[off + k] = (vals >> (8 * k)) & 0xFF
  put(i * 4 + 4096, v, 4)
  put(i + 8192, v, 1)
  put(i * 2 + 8192 + soff, v, 2)
  put(i * 8 + 12288, (w[0] + v) & 0xFFFFFFFF, 4); put(i * 8 + 12292, (w[1] + v) & 0xFFFFFFFF, 4)
  for k in range(3): put(i * 12 + 16384 + 4 * k, tz[k], 4)
  for k in range(4): put(i * 16 + 32768 + 4 * k, q[k], 4)
  eout = out.copy()
  eout[:t] = u32(v + out[soff])
  blk = min(lanes, t)
  return Case(t // blk, blk, (out.copy(), data.copy(), np.uint32(n), np.int32(soff)),
              {0: eout, 1: eb.view(np.uint32)})


def _tr(rows: np.ndarray) -> np.ndarray:
  """(lanes, 8) elements each lane's address holds -> (lanes, 8) each lane receives: within each group of 8 lanes,
  lane j gets element j of the group's 8 rows."""
  g = rows.reshape(-1, 8, 8)
  return np.swapaxes(g, 1, 2).reshape(-1, 8)


def misc(rng, lanes, arch):
  n = lanes
  fo = (rng.standard_normal(256) * 4).astype(f32)
  fo[:n] = np.where(np.abs(fo[:n]) < 0.01, f32(0.5), fo[:n])      # no zeros: +-0 would make max order-dependent
  x, a = f32(-2.5), 0
  ho = rng.integers(0, 0x10000, 2 * 192, dtype=np.int64).astype(np.uint16)
  so = rng.integers(0, 0x10000, 2 * 192, dtype=np.int64).astype(np.uint16)
  dout = rng.standard_normal(64)
  io = rng.integers(-100, 100, 256).astype(np.int32)
  gp = rng.integers(-2**31, 2**31, 256, dtype=np.int64).astype(np.int32)
  masks = np.zeros(2, np.uint64)
  l = np.arange(n)
  f = fo[:n]
  prefix = np.concatenate([[f32(0)], np.maximum.accumulate(f)[:-1]])   # max over the lanes before (0 for lane 0)
  r1 = np.maximum(prefix, f32(0))
  r2 = np.where(l == 0, f32(0), np.minimum(x, f32(0)))
  r = (r1 + r2).astype(f32)
  lf = np.zeros(8, f32)
  lf[0] = max(f32(0), f.max()); lf[1] = min(f32(0), x)
  ballot = lambda m: sum(1 << int(k) for k in np.flatnonzero(m))
  m0 = ballot(l > 17) ^ ballot(l < a)
  m1 = ballot(f < x) | ballot(r.astype(np.float64) > 1.0)
  efo = fo.copy()
  efo[:n] = r + lf[l & 7]
  eio = io.copy()
  eio[:n] = np.where(l & 1, 2, 0) + lanes
  exp = {0: efo, 4: eio, 6: np.array([m0, m1], np.uint64), 3: dout.copy()}
  if arch.startswith("gfx12"):
    by = gp.view(np.uint8)
    t64 = _tr(by[:8 * n].reshape(n, 8)).astype(np.int64)                 # 8 bytes a lane
    tx = t64[:, 0] | t64[:, 1] << 8 | t64[:, 2] << 16 | t64[:, 3] << 24
    ty = t64[:, 4] | t64[:, 5] << 8 | t64[:, 6] << 16 | t64[:, 7] << 24
    t128 = _tr(gp.view(np.int16)[:8 * n].reshape(n, 8)).astype(np.int64)
    eio[64:64 + n] = s32(s32(tx).astype(np.int64) + s32(ty) + t128[:, 0] + t128[:, 7])
  else:
    exp[1] = ho.view(np.uint32).copy(); exp[2] = so.view(np.uint32).copy()
  args = (fo.copy(), ho.view(np.uint32).copy(), so.view(np.uint32).copy(), dout.copy(), io.copy(), gp, masks, x,
          np.int32(a))
  return Case(1, n, args, exp)
