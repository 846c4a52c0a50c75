"""tests/corpus/25_gemm.cl

C = alpha * A B + beta * C over 64 x 64 matrices (K = N, as the kernel's indexing assumes), every rounding as the
source makes it: OpenCL's default FP_CONTRACT fuses `a * b + c` within one expression, and clang builds the fused
ops left to right (an fmul on the left of a `+` is fused first), so each of the kernel's k-steps is
  t = fma(a.w, b3, fma(a.z, b2, fma(a.x, b0, a.y * b1)));   acc = acc + t        (one f32 rounding each)
and the store is fma(alpha, acc, beta * old). Nothing reassociates (no fast-math), so the sums run in k order;
the disassembly has the matching v_fmac / v_mul / v_add counts. Bit-exact (fused ops: _exact.fma32).
"""
import numpy as np
from tests.emu.corpus_refs import Case
from tests.emu.corpus_refs._exact import fma32

f32 = np.float32


def sgemm(rng, lanes):
  M = N = K = 64
  A = rng.standard_normal((M, K)).astype(f32)
  B = rng.standard_normal((K, N)).astype(f32)
  C = rng.standard_normal((M, N)).astype(f32)
  alpha, beta = f32(1.25), f32(-0.75)
  acc = np.zeros((M, N), f32)
  for k in range(0, K, 4):
    a = [A[:, k + q][:, None] for q in range(4)]            # A[row, k + q] over rows
    b = [B[k + q][None, :] for q in range(4)]               # B[k + q, col] over columns
    t = fma32(a[3], b[3], fma32(a[2], b[2], fma32(a[0], b[0], a[1] * b[1])))
    acc = (acc + t).astype(f32)
  out = fma32(alpha, acc, beta * C)
  return Case((N // 32, M // 32), 64, (C.reshape(-1).copy(), A.reshape(-1), B.reshape(-1), np.int32(K), np.int32(N), alpha, beta),
              {0: out.reshape(-1)})
