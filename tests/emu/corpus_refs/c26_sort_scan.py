"""tests/corpus/26_sort_scan.cl (integer only: exact)."""
import numpy as np
from tests.emu.corpus_refs import Case


def bitonic(rng, lanes):
  """Each workgroup (256 work-items) sorts its 512 values ascending (the last merge has up = true everywhere)."""
  groups = 3
  data = rng.integers(0, 2**32, groups * 512, dtype=np.int64).astype(np.uint32)
  data[:40] = rng.integers(0, 5, 40)                        # duplicates
  data[512:520] = [0, 0xFFFFFFFF, 0x80000000, 0x7FFFFFFF, 1, 0xFFFFFFFE, 0, 0xFFFFFFFF]
  exp = np.sort(data.reshape(groups, 512), axis=1).reshape(-1)
  return Case(groups, 256, (data.copy(),), {0: exp})


def block_scan(rng, lanes, arch):
  """out = base + incl - x, sums[g] = the group's base + incl of work-item 255, where incl is the kernel's
  Hillis-Steele scan through ds_bpermute within each wave and base sums the last lane's incl of the waves before.
  __builtin_amdgcn_ds_bpermute is the instruction, whose lane is (address / 4) mod 32 on gfx11 whatever the wave
  size (ISA): a gfx11 wave64 reads within its own 32-lane half, so its upper half's `lane - off` wraps inside
  that half and the scan there is not a prefix sum (the reference models it); gfx12 reads across the whole wave.
  Small values: no int overflow."""
  groups = 3
  x = rng.integers(-1000, 1000, groups * 256).astype(np.int32)
  blocks = x.reshape(groups, 256).astype(np.int64)
  waves = blocks.reshape(groups, 256 // lanes, lanes)
  lane = np.arange(lanes)
  incl = waves.copy()
  off = 1
  while off < lanes:
    src = (lane & 32) | ((lane - off) & 31) if lanes == 64 and arch.startswith("gfx11") else (lane - off) % lanes
    incl = np.where(lane >= off, incl + incl[..., src], incl)
    off <<= 1
  last = incl[..., -1]                                        # wsum[wid]
  base = np.cumsum(last, axis=1) - last                       # the waves before
  res = base[..., None] + incl
  out = (res - waves).reshape(-1).astype(np.int32)
  sums = np.full(groups + 1, -7, np.int32)
  exp_sums = sums.copy()
  exp_sums[:groups] = res[:, -1, -1]
  return Case(groups, 256, (np.zeros(groups * 256, np.int32), x, sums), {0: out, 2: exp_sums})


def histogram(rng, lanes):
  """Work-item l of group g counts the bytes of in[k], k = g * 256 + l + j * 256 * 64 < n (the kernel strides as if
  64 groups ran; 4 do here, so only those k are counted), then adds its LDS bin to hist[l]."""
  groups, n = 4, 2 * 16384 + 700
  inp = rng.integers(0, 2**32, n, dtype=np.int64).astype(np.uint32)
  inp[:64] = rng.integers(0, 4, 64) * 0x01010101               # the same byte four times: one bin gets 4
  hist = rng.integers(0, 1000, 256).astype(np.uint32)
  k = np.arange(n)
  seen = inp[(k % 16384) < groups * 256]
  counts = np.zeros(256, np.int64)
  for s in (0, 8, 16, 24): counts += np.bincount((seen >> s) & 0xFF, minlength=256)
  exp = (hist.astype(np.int64) + counts).astype(np.uint32)
  return Case(groups, 256, (hist.copy(), inp, np.uint32(n)), {0: exp})
