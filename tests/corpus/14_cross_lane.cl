// Cross-lane and wave-level ops: readfirstlane/readlane, DPP (row shifts, broadcasts on gfx9),
// permlane16/x16/64, ballot, mbcnt, wave-wide prefix sums built from DPP.
// builds: -O3
#define LID __builtin_amdgcn_workitem_id_x()

__kernel void lanes(__global int *out, __global const int *in, __global ulong *mask) {
  uint l = LID;
  int v = in[l];
  int u = __builtin_amdgcn_readfirstlane(v) + __builtin_amdgcn_readlane(v, 5) + __builtin_amdgcn_readlane(v, (int)in[0] & 31);
  int d = __builtin_amdgcn_mov_dpp(v, 0x111, 0xf, 0xf, false);        // row_shr:1
  d += __builtin_amdgcn_mov_dpp(v, 0x101, 0xf, 0xf, true);            // row_shl:1, bound_ctrl
  d += __builtin_amdgcn_update_dpp(0, v, 0x1b, 0xf, 0xf, false);       // quad_perm [3,2,1,0]
  d += __builtin_amdgcn_update_dpp(d, v, 0x128, 0xa, 0x5, false);      // row_ror:8, masks
  d += __builtin_amdgcn_update_dpp(d, v, 0x140, 0xf, 0xf, false);      // row_mirror
  d += __builtin_amdgcn_update_dpp(d, v, 0x141, 0xf, 0xf, false);      // row_half_mirror
#if defined(__gfx942__)
  d += __builtin_amdgcn_update_dpp(d, v, 0x142, 0xa, 0xf, false);      // row_bcast:15
  d += __builtin_amdgcn_update_dpp(d, v, 0x143, 0xc, 0xf, false);      // row_bcast:31
  d += __builtin_amdgcn_update_dpp(d, v, 0x130, 0xf, 0xf, false);      // wave_shl:1
  d += __builtin_amdgcn_update_dpp(d, v, 0x13c, 0xf, 0xf, false);      // wave_ror:1
  ulong b = __builtin_amdgcn_ballot_w64(v > 7);
  uint lane = __builtin_amdgcn_mbcnt_hi(~0u, __builtin_amdgcn_mbcnt_lo(~0u, 0));
#else
  d += __builtin_amdgcn_permlane16(d, v, 0x76543210u, 0xfedcba98u, false, false);
  d += __builtin_amdgcn_permlanex16(d, v, 0x01234567u, 0x89abcdefu, true, false);
  d += __builtin_amdgcn_permlane64(v);
  ulong b = __builtin_amdgcn_ballot_w32(v > 7);
  uint lane = __builtin_amdgcn_mbcnt_lo(~0u, 0);
#endif
#if defined(__GFX12__)
  d += __builtin_amdgcn_permlane16_var(d, v, l ^ 5, false, false);
  d += __builtin_amdgcn_permlanex16_var(d, v, l ^ 3, true, false);
#endif
  out[l] = u + d + (int)lane;
  if (l == 0) mask[0] = b;
}

// Inclusive wave prefix sum via DPP row shifts, then a row-to-row carry through readlane.
__kernel void wave_scan(__global int *out, __global const int *in) {
  uint l = LID;
  int x = in[l];
  x += __builtin_amdgcn_update_dpp(0, x, 0x111, 0xf, 0xf, false);
  x += __builtin_amdgcn_update_dpp(0, x, 0x112, 0xf, 0xf, false);
  x += __builtin_amdgcn_update_dpp(0, x, 0x114, 0xf, 0xe, false);
  x += __builtin_amdgcn_update_dpp(0, x, 0x118, 0xf, 0xc, false);
  int carry = (l >= 16) ? __builtin_amdgcn_readlane(x, 15) : 0;
  out[l] = x + carry;
  if (__builtin_amdgcn_readfirstlane(x) > 100) out[l + 64] = __builtin_amdgcn_readfirstlane(carry);
}
