"""tests/corpus/10_matrix.cl

Two kernels named wmma, one per target (#if __GFX11__ / __GFX12__), with different operand types and operations,
and a reference is not told the target. So the inputs make every product term zero on both, and the result is the
accumulators unchanged: a check that each WMMA / SWMMAC adds exactly nothing and writes every accumulator element
back where it read it (the C/D layouts agree), with nonzero A and B data wherever that can be done safely.

Every lane loads the same A and B (a[2t] does not depend on the lane), so each product matrix is uniform: every
element is the dot product of the lane vectors along K. With k = 1 (one iteration), the buffers are laid out so that
each pair of vectors multiplied has its nonzero elements at different positions (as 16-bit halves for f16/bf16, as
bytes for iu8/fp8/bf8, and for iu4 as the bytes holding the nibbles), on both targets' views of the same bytes. That
assumes A's element k meets B's element k (the same lane layout for both, which is how the ISA guides draw them);
where even that is uncertain (the sparse swmmac operands) one side is all zero. fp8/bf8 bytes avoid the NaN and
infinity codes (0 x NaN would be NaN). No accumulator is -0 (-0 + +0 = +0).

gfx11 f16 WMMA with op_sel 0 writes the low half of each destination VGPR; the high halves start as +0, so they
read +0 whether the hardware keeps or clears them.
"""
import numpy as np
from tests.emu.corpus_refs import Case

f16, f32 = np.float16, np.float32
BAD_F8 = {0x00, 0x80, 0x7C, 0x7D, 0x7E, 0x7F, 0xFC, 0xFD, 0xFE, 0xFF}
NONZERO = np.array([b for b in range(256) if b not in BAD_F8])
# i8 buffer, 8-byte blocks 0..6: the positions that may be nonzero (see the module docstring: every pair of blocks
# some target multiplies has disjoint sets)
I8_BLOCKS = ({0, 2, 5, 7}, {1, 3}, {4, 6}, {0, 2, 5, 7}, {1, 3, 4, 6}, {4, 6}, {1, 3, 5, 7})


def _nz_f16(rng, n): return (rng.integers(1, 16, n) / 4.0 * np.where(rng.random(n) < 0.5, -1, 1))


def wmma(rng, lanes):
  k = 1
  c = (rng.integers(1, 400, 256) / 8.0 * np.where(rng.random(256) < 0.5, -1, 1)).astype(f32)
  ch = np.zeros(512, f16)
  ch[0::2] = _nz_f16(rng, 256)                         # odd halves +0 (gfx11: the half op_sel does not write)
  ci = rng.integers(-2**31, 2**31, 256, dtype=np.int64).astype(np.int32)
  # a, in halves: gfx11 pairs (0-15, 16-31) and (0-15, 48-63); gfx12 pairs (0-7, 8-15), (0-7, 24-31), swmmac A 0-7
  a = np.zeros(64, f16)
  idx = np.arange(64)
  even, odd = idx % 2 == 0, idx % 2 == 1
  a[(idx >= 8) & (idx < 16) & even] = _nz_f16(rng, 4)
  a[(idx >= 16) & (idx < 24)] = _nz_f16(rng, 8)
  a[(idx >= 24) & (idx < 32) & odd] = _nz_f16(rng, 4)
  a[(idx >= 32) & (idx < 56)] = _nz_f16(rng, 24)
  a[(idx >= 56) & odd] = _nz_f16(rng, 4)
  # bf (bf16 bits): gfx11 pairs (0-15, 16-31), gfx12 (0-7, 8-15)
  bfv = np.zeros(32, f32)
  j = np.arange(32)
  pattern = np.where(j < 8, j % 2 == 0, np.where(j < 16, j % 2 == 1, np.where(j < 24, j % 2 == 1, j % 2 == 0)))
  bfv[pattern] = _nz_f16(rng, int(pattern.sum()))
  bf = (bfv.view(np.uint32) >> np.uint32(16)).astype(np.uint16).view(np.int16)   # exact: few bits
  i8 = np.zeros(64, np.uint8)
  for blk, pos in enumerate(I8_BLOCKS):
    for p in pos: i8[8 * blk + p] = rng.choice(NONZERO)
  q = np.zeros(16, np.int32)                           # gfx12 swmmac B (sparse: kept zero); gfx11's i4 operands
  args = (c.copy(), ch.copy(), ci.copy(), a, bf, i8.view(np.int32), q, np.int32(k))
  return Case(1, lanes, args, {0: c, 1: ch, 2: ci})
