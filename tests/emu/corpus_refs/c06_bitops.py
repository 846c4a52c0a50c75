"""tests/corpus/06_bitops.cl

Lane by lane with Python integers, from the builtins' definitions (LLVM's AMDGPU intrinsics, the ISA guide's
pseudocode for the media ops). __builtin_amdgcn_cvt_pk_u8_f32 gets integral floats only (some out of [0, 255], to
see it saturate): whether the conversion rounds to nearest or truncates a fraction is not something I can vouch
for, so fractions are left out.
"""
import zlib
import numpy as np
from tests.emu.corpus_refs import Case

M32, M64 = 0xFFFFFFFF, (1 << 64) - 1


def byte(v, k): return (v >> (8 * k)) & 0xFF
def popc(v): return bin(v).count("1")
def brev(v, bits): return int(f"{v:0{bits}b}"[::-1], 2)
def rotl(v, n, bits): n %= bits; return ((v << n) | (v >> (bits - n))) & ((1 << bits) - 1)


def sbfe(v, off, w):
  if w == 0: return 0
  f = (v >> off) & ((1 << w) - 1)
  return f - (1 << w) if f >> (w - 1) & 1 else f


def perm(s0, s1, sel):
  """v_perm_b32: byte k of the result from selector byte k over {s0, s1} (s1 the low dword): 0-7 a byte,
  8-11 the sign (top bit) of bytes 1, 3, 5, 7 replicated, 12 zero, 13 and up 0xFF."""
  src = (s0 << 32) | s1
  out = 0
  for k in range(4):
    s = byte(sel, k)
    if s < 8: b = byte(src, s)
    elif s < 12: b = 0xFF if src >> (15 + 16 * (s - 8)) & 1 else 0
    elif s == 12: b = 0
    else: b = 0xFF
    out |= b << (8 * k)
  return out


def sad_u8(a, b, c): return sum(abs(byte(a, k) - byte(b, k)) for k in range(4)) + c
def msad_u8(a, b, c): return sum(abs(byte(a, k) - byte(b, k)) for k in range(4) if byte(b, k)) + c   # b's 0 bytes skipped


def qsad(a, b, c, sad):
  """v_(m)qsad_pk_u16_u8: four SADs of b against a's byte windows [31:0], [39:8], [47:16], [55:24], each added to
  a 16-bit field of c, kept to 16 bits."""
  return sum((sad((a >> (8 * k)) & M32, b, (c >> (16 * k)) & 0xFFFF) & 0xFFFF) << (16 * k) for k in range(4))


def cvt_pk_u8(f, sel, old):
  v = min(max(int(f), 0), 255)                         # integral inputs: saturate to [0, 255]
  sh = 8 * (sel & 3)
  return (old & ~(0xFF << sh) & M32) | (v << sh)


def bits(rng, lanes):
  n = 256
  a = rng.integers(0, 2**32, n + 33, dtype=np.uint64).astype(np.uint32)
  a[::7] &= np.uint32(0xFF00FF00)                       # zero bytes for msad's mask
  a[3::11] &= np.uint32(0x00FFFF00)
  a[::29][:6] = [0, M32, 0x80000000, 1, 0x7FFFFFFF, 0x00010000][:len(a[::29])]
  la = rng.integers(0, 2**64, n + 2, dtype=np.uint64)
  la[::13] = 0
  f = rng.integers(-40, 300, n + 1).astype(np.float32)
  f[::17] = -0.0
  sel = 0x0D0C0A09
  out = np.zeros(n, np.uint32); lout = np.zeros(n, np.uint64)
  want, lwant = np.zeros(n, np.uint32), np.zeros(n, np.uint64)
  for i in range(n):
    x, y, z = int(a[i]), int(a[i + 9]), int(a[i + 33])
    r = ((x >> (y & 31)) & 0x7F) + (sbfe(y, 3, z & 15) & M32)
    r += (x & 0xFF00FF00) | (y & 0x00FF00FF)
    r += ((1 << (z & 15)) - 1) << (y & 7)
    r += (((x << 32) | y) >> (z & 31)) & M32
    r += (((y << 32) | z) >> (8 * (x & 3))) & M32
    r += perm(x, y, 0x07030602) + perm(y, z, sel)
    r += popc(x) + (32 - (y | 1).bit_length()) + ((z | 0x80000000) & -(z | 0x80000000)).bit_length() - 1
    r += brev(x, 32) + rotl(y, z, 32) + rotl(z, -(x % 32), 32)
    r += sum(((byte(x, k) + byte(y, k) + (byte(z, k) & 1)) >> 1) << (8 * k) for k in range(4))
    r += sad_u8(x, y, z) + msad_u8(y, z, x)
    r += (sad_u8(x, z, 0) << 16) + y
    r += abs((z & 0xFFFF) - (x & 0xFFFF)) + abs((z >> 16) - (x >> 16)) + y
    r += ((x >> 24) & 0xFF) * ((y >> 16) & 0xFF) + ((z >> 8) & 0xFF)
    r += cvt_pk_u8(f[i], 1, x) + cvt_pk_u8(f[i + 1], 2, y)
    want[i] = r & M32
    q = int(la[i])
    lw = qsad(q, x, int(la[i + 1]), sad_u8) + qsad(q, y, int(la[i + 2]), msad_u8)
    lw += popc(q) + brev(q, 64) + rotl(q, z, 64)
    lwant[i] = lw & M64
  return Case(n // lanes, lanes, (out, lout, a, la, f, np.uint32(sel)), {0: want, 1: lwant})


def crc32(rng, lanes):
  """Reflected CRC-32 (polynomial 0xEDB88320, initial and final inversion): zlib's crc32."""
  n, ln = 128, 37
  data = rng.integers(0, 256, n * ln, dtype=np.uint64).astype(np.uint8)
  data[:ln] = 0
  data[ln:2 * ln] = 0xFF
  want = np.array([zlib.crc32(data[i * ln:(i + 1) * ln].tobytes()) for i in range(n)], np.uint32)
  return Case(n // lanes, lanes, (np.zeros(n, np.uint32), data, np.uint32(ln)), {0: want})
