"""tests/corpus/13_lds.cl

Where the source races, the reference asserts only what every order gives:
- transpose: four work-items (l, l+64, l+128, l+192, in different waves) store t2[l & 63] and p2[l & 63]. The .w of
  `in` repeats every 64 work-items, so t2 holds one value whoever wins; p2[m].x is m + 64k for the k that won, so
  o2.x must be one of those sums (o2.y is exact).
- small_lds: four work-items store f3[l & 63]; only .z = s[l] is read and s repeats every 64, so it is exact.
lane_shuffles: the wave64 build's ds_bpermute / ds_permute differ by target: on gfx11 a wave64 permutes within each
half of 32 lanes (the ISA: lane index mod 32; Mesa emulates a full-wave bpermute there), on gfx12 across the wave
(Mesa: "GFX12+: bpermute works normally"); the output must match one of the two. ds_swizzle offset 0xc0f0 is the
rotate mode (offset >= 0xc000 in the ISA pseudocode), not a quad permute.
"""
import numpy as np
from tests.emu.corpus_refs import Case, AfterRun, one_of, s32, u32


def reduce(rng, lanes):
  groups = 3
  inp = rng.standard_normal(groups * 256 + 128).astype(np.float32) * np.float32(50)
  out = np.zeros(groups + 2, np.float32)
  exp = out.copy()
  for g in range(groups):
    s = inp[g * 256:g * 256 + 256] + inp[g * 256 + 128:g * 256 + 384]
    k = 128
    while k:
      s[:k] = s[:k] + s[k:2 * k]
      k >>= 1
    exp[g] = s[0]
  return Case(groups, 256, (out, inp), {0: exp})


def transpose(rng, lanes):
  groups = 2
  n = groups * 256
  inp = (rng.standard_normal((n, 4)) * 100).astype(np.float32)
  w = (rng.integers(-1000, 1000, (groups, 64)) + rng.choice([0.25, 0.5, -0.75], (groups, 64))).astype(np.float32)
  inp[:, 3] = w[np.arange(n) // 256, np.arange(n) & 63]       # the .w t2 keeps repeats every 64 work-items
  out, o2 = np.zeros((n, 4), np.float32), np.zeros((256 + 64, 2), np.int32)
  g, l = np.arange(n) // 256, np.arange(n) % 256
  x, y = l & 15, l >> 4
  exp = inp[g * 256 + x * 16 + y] + inp[g * 256 + x * 16 + ((y + 1) & 15)]
  a = np.trunc(w[g, (l + 1) & 63]).astype(np.int64)
  b = np.trunc(w[g, (l + 2) & 63]).astype(np.int64)
  m1, m2 = (l * 5) & 63, (l + 32) & 63
  ox, oy = [], []
  for t1 in range(4):
    for t2 in range(4):
      t2_ = np.where(m1 == m2, t1, t2)                         # one element read twice: one winner
      ox.append(m1 + 64 * t1 + m2 + 64 * t2_ + a)
      oy.append(2 * g + b)
  # o2 is indexed by the work-item id alone: every workgroup stores o2[0..255], and any of them may be last
  ox, oy = np.stack(ox, -1).reshape(groups, 256, -1), np.stack(oy, -1).reshape(groups, 256, -1)
  opts = np.concatenate([np.stack([ox[k], oy[k]], 1) for k in range(groups)], -1)
  opts = np.concatenate([opts, np.zeros((64, 2, opts.shape[-1]), np.int64)])   # past 256: never written
  args = (out, inp, o2)
  return Case(groups, 256, args, AfterRun(args, {0: exp, 2: one_of(s32(opts))}))


def small_lds(rng, lanes):
  c = rng.integers(0, 256, 256).astype(np.uint8)
  s = np.tile(rng.integers(0, 65536, 64), 4).astype(np.uint16)   # f3[l & 63].z = s[l]: the same for all writers
  l = np.arange(256)
  sx8 = lambda v: (v.astype(np.int64) ^ 0x80) - 0x80              # noqa: E731
  sx16 = lambda v: (v.astype(np.int64) ^ 0x8000) - 0x8000         # noqa: E731
  c64, s64 = c.astype(np.int64), s.astype(np.int64)
  exp = c64[255 - l] + sx8(c[l ^ 1]) + s64[(l + 7) & 255] + sx16(s[l ^ 3]) + s64[(l * 3) & 63]
  return Case(1, 256, (np.zeros(256, np.uint32), c, s), {0: u32(exp)})


def _swizzle(v, off):
  """ds_swizzle_b32 by the ISA pseudocode (every lane active)."""
  lanes = len(v)
  i = np.arange(lanes)
  if off >= 0xE000:
    raise NotImplementedError("FFT mode")
  if off >= 0xC000:                          # rotate within each 32 (HW?: the pseudocode's ~mask read as 5 bits)
    rot, mask = (off >> 5) & 31, off & 31
    if off >> 10 & 1: rot = -rot
    j = (i & mask) | ((i + rot) & ~mask & 31) | (i & 32)
  elif off & 0x8000:
    j = (i & ~3) + np.array([(off >> (2 * k)) & 3 for k in range(4)])[i & 3]
  else:
    j = ((((i & 31) & (off & 31)) | ((off >> 5) & 31)) ^ ((off >> 10) & 31)) | (i & 32)
  return v[j]


def lane_shuffles(rng, lanes):
  v = rng.integers(-2**27, 2**27, lanes, dtype=np.int64)    # sums of six stay clear of signed overflow
  inp = s32(v)
  l = np.arange(lanes)
  r = _swizzle(v, 0x041F) + _swizzle(v, 0x801F) + _swizzle(v, 0xC0F0)
  variants = []
  for half in (True, False):                 # gfx11 wave64: within each 32; gfx12 (and any wave32): the whole wave
    base = (l & 32) if half else 0
    rr = r + v[base | ((l + 1) & 31)]        # ds_bpermute: lane l reads lane ((l + 1) & 31)
    dst = base | ((l * 7) & 31)              # ds_permute: lane l writes its r to lane (l * 7) & 31
    opts = np.zeros((lanes, 2), np.int64)    # what each lane receives (lanes nobody writes: 0)
    seen = np.zeros(lanes, bool)
    for src in range(lanes):                 # two writers of one lane (gfx12 wave64): the ISA says the highest
      opts[dst[src], 1] = rr[src]            # wins, and also that it is not deterministic: accept either
      if not seen[dst[src]]: opts[dst[src], 0] = rr[src]
      seen[dst[src]] = True
    variants.append(s32(rr[:, None] + opts))
  args = (np.zeros(lanes, np.int32), inp)

  def either(got):                           # gfx11's or gfx12's reading must hold for the whole wave
    for o in variants:
      want = one_of(o)(got)
      if (want == got).all(): return want
    return one_of(variants[0])(got)
  return Case(1, lanes, args, AfterRun(args, {0: either}))
