"""tests/corpus/19_multi_kernel.cl

saxpy: `a * x[i] + y[i]` may be contracted into an fma (it is on gfx11/12); a = 1.25 and x a multiple of 1/64
below 2^9 make the product exact, so fused or not is the same. ids3d runs a 3D grid of 2D workgroups (block z = 1):
its flat index leaves the work-item's z out, so workgroups deeper than 1 would race on one element.
"""
import numpy as np
from tests.emu.corpus_refs import Case, u32


def empty_kernel(rng, lanes):
  return Case(2, 64, (), {})                   # nothing to compare: it must just run and end


def copy(rng, lanes):
  src = rng.integers(-2**31, 2**31, 256, dtype=np.int64).astype(np.int32)
  dst = np.full(320, -7, np.int32)
  exp = dst.copy(); exp[:256] = src
  return Case(4, 64, (dst, src), {0: exp})


def fill(rng, lanes):
  n, v = 150, np.float32(-3.75)
  dst = np.full(200, 1.0, np.float32)
  exp = dst.copy(); exp[:n] = v
  return Case(3, 64, (dst, v, np.uint32(n)), {0: exp})


def saxpy(rng, lanes):
  a = np.float32(1.25)
  x = (rng.integers(-2**15, 2**15, 256) / 64).astype(np.float32)
  y = rng.standard_normal(256).astype(np.float32) * np.float32(100)
  exp = a * x + y                               # exact product, one rounding in the sum
  return Case(4, 64, (y, x, a), {0: exp})


def ids3d(rng, lanes):
  grid, block = (2, 3, 2), (8, 4, 1)
  GX, GY = grid[0] * block[0], grid[1] * block[1]
  out = np.full(GX * GY * grid[2], 0xFFFFFFFF, np.uint32)
  exp = out.copy()
  for gz in range(grid[2]):
    for gy in range(grid[1]):
      for gx in range(grid[0]):
        for y in range(block[1]):
          for x in range(block[0]):
            flat = (gz * GY + gy * block[1] + y) * GX + gx * block[0] + x
            exp[flat] = x ^ (y << 10) ^ (0 << 20) ^ (block[2] << 28)
  return Case(grid, block, (out,), {0: u32(exp)})


def memset_u8(rng, lanes):
  dst = rng.integers(0, 256, 600).astype(np.uint8)
  exp = dst.copy(); exp[:512] = 0xA7
  return Case(2, 256, (dst, np.uint8(0xA7)), {0: exp})
