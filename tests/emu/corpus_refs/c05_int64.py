"""tests/corpus/05_int64.cl

Computed lane by lane with Python integers. Signed overflow of + - * and << of negative values are undefined in C;
as in c01, the reference takes the two's complement wrap the instructions give (the compiler has nothing to fold
here), but the one case that traps or has no wrapped answer, INT64_MIN / -1 and INT64_MIN % -1, is kept out of the
inputs.
"""
import numpy as np
from tests.emu.corpus_refs import Case

M64 = (1 << 64) - 1


def s64(v: int) -> int:
  v &= M64
  return v - (1 << 64) if v >> 63 else v


def tdiv(a: int, b: int) -> int:
  q = abs(a) // abs(b)
  return -q if (a < 0) != (b < 0) else q


def trem(a: int, b: int) -> int: return a - tdiv(a, b) * b
def popc(v: int) -> int: return bin(v & M64).count("1")
def clz64(v: int) -> int: return 64 - (v & M64).bit_length()
def ctz64(v: int) -> int: return ((v & -v).bit_length() - 1) if v else 64
def brev64(v: int) -> int: return int(f"{v & M64:064b}"[::-1], 2)


EDGE_S = [-2**63, 2**63 - 1, 0, -1, 1, 2**32, -2**32, 2**32 - 1, 2**31, -2**31, 7, -7, 1 << 62, -(1 << 62) - 3]
EDGE_U = [0, M64, 1 << 63, 1 << 32, (1 << 32) - 1, 1, 0x10000, 0xFFFF, 1 << 40, 12345678901234567]


def i64_vector(rng, lanes):
  n = 256
  a = rng.integers(-2**63, 2**63, n + 3, dtype=np.int64)
  b = rng.integers(0, 2**64, n + 5, dtype=np.uint64)
  a[::19][:len(EDGE_S)] = EDGE_S[:len(a[::19])]
  b[3::23][:len(EDGE_U)] = EDGE_U[:len(b[3::23])]
  for i in range(n):                       # x % (y | 1) with y | 1 == -1 and x == INT64_MIN has no answer
    if a[i] == -2**63 and (int(a[i + 3]) | 1) == -1: a[i + 3] = 5
  want = np.zeros(n, np.int64)
  for i in range(n):
    x, y, u, v = int(a[i]), int(a[i + 3]), int(b[i]), int(b[i + 5])
    r = s64(x * y + (x >> 13) - s64(y << 7))
    r = s64(r + s64(u // (v | 1)) + trem(x, y | 1))
    r ^= s64(s64(u >> (v & 63)) + (x >> (y & 63)) + s64(u << (x & 63)))
    r = s64(r + min(x, y))
    r = s64(r + s64(max(u, v)))
    r = s64(r + popc(u) + clz64(v | 1) + ctz64(u | 0x10000))
    r = s64(r + s64(brev64(u)))
    want[i] = r
  out = np.zeros(n, np.int64)
  return Case(n // lanes, lanes, (out, a, b), {0: want})


def i64_scalar(rng, lanes):
  a = int(rng.integers(-2**63, 2**63, dtype=np.int64))
  b = int(rng.integers(-2**63, 2**63, dtype=np.int64))
  c = int(rng.integers(0, 2**64, dtype=np.uint64))
  r = s64(a * b + (a >> 17) - s64(b << 3) + (c >> 40))
  r = s64(r + tdiv(a, b | 1) + c % 1000003)
  r |= (a & b) ^ s64(~c)
  r = s64(r + min(a, b))
  r = s64(r + popc(c) + clz64(c | 1) + s64(brev64(c)))
  out = np.zeros(lanes, np.int64)
  return Case(1, lanes, (out, np.int64(a), np.int64(b), np.uint64(c)), {0: np.full(lanes, r, np.int64)})
