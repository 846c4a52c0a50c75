"""Exact IEEE rounding for the references of corpus files 22-30: values are Python ints / Fractions, rounded once
to nearest even in a binary format, so a reference never leans on numpy's or the host's conversion paths.

A format is (mantissa bits, minimum normal exponent, largest finite value); `rnd` returns a Fraction, or a float
inf when the rounded value is past the largest finite one (IEEE overflow under round-to-nearest).
"""
from __future__ import annotations
from fractions import Fraction
import math
import numpy as np

F16 = (10, -14, Fraction(65504))
F32 = (23, -126, Fraction((2**24 - 1) * 2**104))
F64 = (52, -1022, Fraction((2**53 - 1) * 2**971))
E4M3 = (3, -6, Fraction(448))          # OCP FP8 E4M3FN (gfx12 "fp8"): no infinities, S.1111.111 is NaN
E5M2 = (2, -14, Fraction(57344))       # OCP FP8 E5M2 (gfx12 "bf8"): IEEE-like, S.11111.00 is inf


def rnd_units(v: Fraction, fmt, mode: str = "rne") -> tuple[int, int]:
  """|v| as (units, exponent): units * 2**exponent is |v| rounded (mode rne / rtz) to the format's grid (unbounded
  above), exponent being the grid spacing there."""
  m, emin, _ = fmt
  a = abs(Fraction(v))
  if a == 0: return 0, emin - m
  e = max(math.floor(math.log2(a.numerator) - math.log2(a.denominator)), emin)
  # log2 of a ratio can be off by one near powers of two: fix e so that 2**e <= a < 2**(e+1) (or e = emin)
  while e > emin and a < Fraction(2) ** e: e -= 1
  while a >= Fraction(2) ** (e + 1): e += 1
  q = a / Fraction(2) ** (e - m)
  n, r = divmod(q.numerator, q.denominator)
  if mode == "rne":
    twice = 2 * r
    if twice > q.denominator or (twice == q.denominator and n & 1): n += 1
  elif mode != "rtz": raise ValueError(mode)
  return n, e - m


def rnd(v, fmt, mode: str = "rne"):
  """v (int, Fraction, or a finite float) rounded once to the format; +-inf (a float) on overflow, -0.0 kept."""
  if isinstance(v, float):
    if math.isinf(v) or math.isnan(v): return v
    if v == 0: return v
  v = Fraction(v)
  n, e = rnd_units(v, fmt, mode)
  r = Fraction(n) * Fraction(2) ** e
  if r > fmt[2]:
    if mode == "rtz": r = fmt[2]
    else: return math.copysign(math.inf, v)
  return -r if v < 0 else r


def to_np(vals, dt, neg_zero=None) -> np.ndarray:
  """Exact values (Fractions / floats, each representable in dt) -> a numpy array of dt."""
  out = np.array([float(x) for x in vals], np.float64)   # every f16/f32/f64 value is exact in float64
  if neg_zero is not None: out = np.where((out == 0) & neg_zero, -0.0, out)
  return out.astype(dt)


def frac(x) -> Fraction:
  """A finite numpy/python float as an exact Fraction."""
  return Fraction(float(x))


def round_array(vals, fmt, dt, mode: str = "rne") -> np.ndarray:
  """Exact values -> rounded once to fmt -> numpy dt (signed zeros kept where a value is a float -0.0)."""
  res = []
  for v in vals:
    r = rnd(v, fmt, mode)
    if isinstance(r, Fraction) and r == 0 and ((isinstance(v, float) and math.copysign(1, v) < 0) or (v < 0)): r = -0.0
    res.append(r)
  return to_np(res, dt)


def fadd_chain(terms, fmt, dt) -> np.ndarray:
  """Left-to-right sum of arrays of one float type, each addition rounded once in fmt (IEEE, infinities
  propagated; the references pick inputs that make no NaN). Zeros: +0 unless every term is -0 (RNE)."""
  terms = [np.asarray(t, np.float64) for t in terms]
  n = len(terms[0])
  out = []
  for i in range(n):
    acc = float(terms[0][i])
    for t in terms[1:]:
      b = float(t[i])
      if math.isinf(acc) or math.isinf(b) or math.isnan(acc) or math.isnan(b):
        acc = acc + b
        continue
      s = Fraction(acc) + Fraction(b)
      if s == 0: acc = -0.0 if (math.copysign(1, acc) < 0 and math.copysign(1, b) < 0) else 0.0; continue
      r = rnd(s, fmt)
      acc = float(r)
    out.append(acc)
  return np.array(out, np.float64).astype(dt)


def target_flags() -> tuple[str, ...]:
  """The extra flags (-cl-fast-relaxed-math...) of the build a reference is being made for. References get the
  target as an argument, not the build; a -cl-fast-relaxed-math build gives NaN, infinity and signed zeros no
  meaning, so a reference that tests those elsewhere needs to know. This reads the `flags` local of the caller that
  compiled the kernel (tests/emu/test_corpus.py's test function, beside its `opt`); a caller without one (the
  driver test: -O3) builds the default way. A stopgap until references get the build passed in."""
  import sys
  f = sys._getframe(1)
  while f is not None:
    if "opt" in f.f_locals and isinstance(f.f_locals.get("flags"), tuple): return f.f_locals["flags"]
    f = f.f_back
  return ()


def fma32(a, b, c) -> np.ndarray:
  """f32 fused multiply-add, rounded once, over numpy arrays of normal-range values: a * b is exact in float64;
  TwoSum gives a * b + c = s + t exactly; rounding s to f32 is the right answer unless s is a tie between two
  f32 (its low 29 mantissa bits 1000...0) and t != 0, when t's sign says which neighbour (every other s is more
  than t away from a tie, f32 ties being float64 values). Results must stay normal (not checked)."""
  a, b, c = (np.asarray(x, np.float32).astype(np.float64) for x in (a, b, c))
  p = a * b
  s = p + c
  bb = s - p
  t = (p - (s - bb)) + (c - bb)
  r = s.astype(np.float32)
  tie = (s.view(np.uint64) & np.uint64((1 << 29) - 1)) == np.uint64(1 << 28)
  other = np.nextafter(r, (2 * s - r.astype(np.float64)).astype(np.float32))   # the f32 on the far side of the tie
  want_up = t > 0
  pick = np.where(want_up, np.maximum(r, other), np.minimum(r, other))
  return np.where(tie & (t != 0), pick, r).astype(np.float32)
