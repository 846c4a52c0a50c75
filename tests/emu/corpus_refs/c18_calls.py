"""tests/corpus/18_calls.cl

caller: the float expressions may be contracted into fmas (OpenCL's default, and the callee's `a0 * a1 + a2 * a3
+ ...` chain is); x and a[i + 1] are small multiples of 1/4, and the reference checks in exact arithmetic that
every product and sum is representable in f32 (f64 for dpoly), so fused or not, the bits are the same.
out: work-item i stores out[i] = r after its call to accumulate(out + 8 i, r, 5) read-modify-wrote out[8 i ..
8 i + 4]; for i > 0 those belong to other work-items' out[j] = r_j with nothing ordering the two, so out[j] for
0 < j < items with j % 8 < 5 is not compared (its value depends on the order). Everything past `items` is only
accumulated into and is exact.
"""
from fractions import Fraction as Fr
import numpy as np
from tests.emu.corpus_refs import Case, AfterRun, care


def _exact(v: Fr, mant: int = 24) -> Fr:
  """v, asserting it is a float of `mant` significant bits (so that no rounding happened)."""
  if v:
    num, den = abs(v.numerator), v.denominator
    assert den & (den - 1) == 0, v
    while num % 2 == 0: num //= 2
    assert num.bit_length() <= mant, f"{v} is not exact in {mant} bits"
  return v


def _fib(n): return n if n < 2 else _fib(n - 1) + _fib(n - 2)


def caller(rng, lanes):
  items, n = 64, 13
  k = rng.integers(-15, 16, items + 1)
  k[k == 0] = 3
  a = (k / 4).astype(np.float32)
  init = (rng.integers(-64, 64, items * 8) / 4).astype(np.float32)
  out, io = init.copy(), np.zeros(items, np.int32)
  exp = init.astype(object)
  rs = []
  for i in range(items):
    x, c = Fr(float(a[i])), Fr(float(a[i + 1]))
    r = _exact(_exact(Fr(3, 2) * x - 2) * x + c)                  # poly: fma(fma(1.5, x, -2), x, c)
    xr = _exact(x * r)
    terms = [xr] + [Fr((2 * j + 1) * (2 * j + 2)) for j in range(16)] + [_exact(33 * xr)]
    s = terms[0]
    for t in terms[1:]: s = _exact(s + t)
    p = [x, _exact(x + 1), _exact(x + 2), _exact(x + 3)]
    s = _exact(s + p[n & 3])
    r = _exact(r + s)
    d = _exact(_exact(_exact(x * x, 53) / 2, 53) + x, 53) - 3        # dpoly in double, then (float)
    r = _exact(r + _exact(d))
    rs.append(r)
    for kk in range(n & 7): exp[i * 8 + kk] = _exact(Fr(float(init[i * 8 + kk])) + _exact(r * kk))
  defined = np.ones(items * 8, bool)
  for j in range(items):
    exp[j] = rs[j]
    if 0 < j and j % 8 < (n & 7): defined[j] = False             # races with work-item j // 8's accumulate
  exp = np.array([float(v) for v in exp], np.float64).astype(np.float32)
  args = (out, a, io, np.int32(n))
  return Case(items // 64, 64, args, AfterRun(args, {0: care(exp, defined), 2: np.full(items, _fib(n & 15), np.int32)}))
