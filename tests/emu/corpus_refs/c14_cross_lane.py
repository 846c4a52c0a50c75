"""tests/corpus/14_cross_lane.cl (both targets build it for wave32)

lanes: only mask (the ballot) is compared. `out` is undefined on these builds: `__builtin_amdgcn_permlane64` in a
wave32 kernel compiles to v_permlane64_b32, which the ISA says "is translated to V_NOP and performs no writes" in
wave32, and the code then adds whatever its destination register held to d. (Lanes 0 and 16 would be undefined
anyway: mov_dpp row_shr:1 without bound_ctrl leaves them the intrinsic's undefined old value.)
wave_scan: exact except lanes 16..31: their carry is readlane(x, 15) executed where only lanes >= 16 are active,
and LLVM keeps no value in inactive lanes (-O0 reloads x from scratch under that exec and reads a stale lane 15;
reading inactive lanes needs WWM). in[0] > 100, so out[64..] gets readfirstlane(carry) = lane 0's carry = 0.
"""
import numpy as np
from tests.emu.corpus_refs import Case, AfterRun, care, s32


def lanes(rng, lanes):
  v = rng.integers(-20, 40, lanes).astype(np.int32)
  out, mask = np.zeros(lanes, np.int32), np.full(2, 0x1234, np.uint64)
  exp = mask.copy()
  exp[0] = int(sum(1 << k for k in range(lanes) if v[k] > 7))
  return Case(1, lanes, (out, v, mask), {2: exp})


def wave_scan(rng, lanes):
  inp = rng.integers(-2**20, 2**20, 96).astype(np.int32)
  inp[0] = 500
  x = inp[:lanes].astype(np.int64)
  l = np.arange(lanes)
  pos = l & 15
  for sh, bank_mask in ((1, 0xF), (2, 0xF), (4, 0xE), (8, 0xC)):
    # update_dpp(old 0, x, row_shr:sh): lanes whose source is out of the row keep old (0); disabled banks too
    ok = (pos >= sh) & ((bank_mask >> (pos >> 2)) & 1).astype(bool)
    x = x + np.where(ok, x[np.maximum(l - sh, 0)], 0)
  carry = np.where(l >= 16, x[15], 0)
  out = np.full(96, -1, np.int32)
  exp = out.copy()
  exp[:lanes] = s32(x + carry)
  exp[64:64 + lanes] = 0                        # readfirstlane(x) = in[0] > 100: readfirstlane(carry) = carry of lane 0
  defined = np.ones(96, bool)
  defined[16:lanes] = False
  args = (out, inp)
  return Case(1, lanes, args, AfterRun(args, {0: care(exp, defined)}))
