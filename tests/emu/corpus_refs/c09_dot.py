"""tests/corpus/09_dot.cl

The kernel differs per target (#if __GFX12__ adds four fp8/bf8 dot4s into fo[]), and a reference is not told the
target, so the inputs make those additions exactly zero; fo[] then reads the same on gfx11 and gfx12:
- fo[i] starts as -(h[i] . h[i + 1]), so fdot2 gives exactly +0;
- s[i + 1] = t (-s[i].y, s[i].x) (t a power of two): every bf16 dot s[i] . s[i + 1] is exactly 0;
- a[j] has a nonzero byte k only where j = c_k (mod 3) (c = 0, 1, 2, 0), every other byte is 0x00 or 0x80 (+-0
  as fp8 and bf8), and no byte is an fp8/bf8 NaN or infinity: x = a[i], y = a[i + 1], acc = a[i + 2] are three
  consecutive words, so each byte product of the dot4s has a zero factor.
So fo[] is +0 on both targets: a check of the exact cancellations and that nothing makes a NaN, no more. The integer
dots in out[] use the same words (each byte product then has a 0 or 0x80 factor; the signed clamp of sudot8 is
reached with acc = 0x800000yy). Signed int overflow in `r += ...` is taken as the wrap, as in c01.

ho[i] = fdot2_f16_f16(h[i], h[i + 2], ho[i + 1]) reads ho[i + 1] while work-item i + 1 writes it (a race). ho starts
as the fixed point ho[j] = h[j] . h[j + 2] + ho[j + 1] (built from the end; all values multiples of 1/4 below 512,
exact in f16), so the value read is the same either way, and every sum is exact whatever the rounding steps.
"""
import numpy as np
from tests.emu.corpus_refs import Case

f16, f32, f64 = np.float16, np.float32, np.float64
BAD_F8 = {0x80, 0x7C, 0x7D, 0x7E, 0x7F, 0xFC, 0xFD, 0xFE, 0xFF}     # -0, and fp8 / bf8 infinities and NaNs
NONZERO = np.array([b for b in range(1, 256) if b not in BAD_F8])
RESIDUE = (0, 1, 2, 0)


def _words(rng, n):
  w = np.zeros(n, np.uint64)
  j = np.arange(n)
  for k, c in enumerate(RESIDUE):
    b = np.where(j % 3 == c, rng.choice(NONZERO, n), rng.choice([0x00, 0x80], n)).astype(np.uint64)
    w |= b << np.uint64(8 * k)
  return w.astype(np.uint32)


def _dot(a, b, bits, sa, sb):
  a, b = int(a), int(b)
  m, tot = (1 << bits) - 1, 0
  for k in range(32 // bits):
    u, v = (a >> (bits * k)) & m, (b >> (bits * k)) & m
    if sa and u >> (bits - 1): u -= 1 << bits
    if sb and v >> (bits - 1): v -= 1 << bits
    tot += u * v
  return tot


def _s32(v): return ((v + 2**31) % 2**32) - 2**31


def dots(rng, lanes):
  n = 64
  a = _words(rng, n + 2)
  for j in (3, 6, 9, 12):                               # j = 0 mod 3: bytes 0 and 3 free; near INT_MIN
    a[j] = np.uint32(0x80000000 | int(rng.choice(NONZERO)))
  out = np.zeros(n, np.int32)
  for i in range(n):
    x, y, acc = int(a[i]), int(a[i + 1]), int(a[i + 2])
    sacc = _s32(acc)
    u1 = (_dot(x, y, 8, False, False) + acc) & 0xFFFFFFFF                      # udot4, no clamp: wraps
    u2 = min(_dot(y, x, 4, False, False) + acc, 2**32 - 1)                     # udot8, clamp
    s1 = _s32(_dot(x, y, 8, True, False) + sacc)                               # sudot4 (signed x), no clamp
    s2 = min(max(_dot(x, y, 4, False, True) + sacc, -2**31), 2**31 - 1)        # sudot8 (signed y), clamp
    out[i] = _s32(_s32((u1 + u2) & 0xFFFFFFFF) + s1 + s2)
  h = (rng.integers(-5, 6, (n + 2, 2)) / 2.0).astype(f16)
  hd = lambda p, q: p[:, 0].astype(f64) * q[:, 0] + p[:, 1].astype(f64) * q[:, 1]   # noqa: E731 (exact)
  fo = (-hd(h[:n], h[1:n + 1])).astype(f32)
  for _ in range(1000):                                 # ho: the fixed point, |values| < 512 (exact in f16)
    ho = np.zeros(n + 1, f64)
    ho[n] = rng.integers(-20, 21) / 4.0
    d = hd(h[:n], h[2:n + 2])
    ho[:n] = ho[n] + np.cumsum(d[::-1])[::-1]
    if np.abs(ho).max() < 512: break
    h = (rng.integers(-5, 6, (n + 2, 2)) / 2.0).astype(f16)
    fo = (-hd(h[:n], h[1:n + 1])).astype(f32)
  ho = ho.astype(f16)
  s = np.zeros((n + 1, 2), f32)
  s[0] = [1.5, -0.75]
  for i in range(n):
    t = float(rng.choice([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0]))
    if np.abs(s[i]).max() > 2.0 ** 20: t = 2.0 ** -8
    s[i + 1] = [-t * s[i, 1], t * s[i, 0]]
  s_bits = (s.view(np.uint32) >> np.uint32(16)).astype(np.uint16).view(np.int16)   # bf16: exact (few bits)
  fo_out = fo.copy()
  return Case(n // lanes, lanes, (np.zeros(n, np.int32), fo_out, ho.copy(), a.view(np.int32), h, s_bits),
              {0: out, 1: np.zeros(n, f32), 2: ho})
