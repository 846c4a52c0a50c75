// Uniform (SALU) integer and float work: every value derives from kernel arguments, so LLVM keeps it in
// SGPRs — s_bfm/s_bfe/s_pack/s_sext/s_not/s_nand/s_ff1/s_flbit/s_bitcmp, 64-bit shifts and compares,
// gfx12 SALU f16/f32 math, s_cmov/s_cselect, and trap instructions on unreachable paths.
// builds: -O3 | -O1
#pragma OPENCL EXTENSION cl_khr_fp16 : enable
#define LID __builtin_amdgcn_workitem_id_x()

__kernel void s_int(__global int *out, __global long *lout, int a, int b, uint c, uint d, long e, ulong f,
                    short s, uchar u8) {
  int r = (int)((c >> (d & 31)) & ((1u << (b & 15)) - 1u));                 // s_bfe / s_bfm
  r += (int)(((c & 0xffff) | (d << 16)) ^ ((c >> 16) | (d & 0xffff0000u))); // s_pack_*
  r += (int)(char)a + (int)(short)b + s + u8;                               // s_sext_i32_i8/i16
  r += ~a & ~(a & b) & ~(a | b) & ~(a ^ b);                                 // s_not/nand/nor/xnor
  r += __builtin_ctz(c | 1u << 30) + __builtin_clz(d | 1) + __builtin_ffs(a) + __builtin_clrsb(b);
  r += ((c >> (d & 31)) & 1) ? 5 : 9;                                       // s_bitcmp
  r += (int)(c * 17u + 123456u) + a * -7 + (a << 1) + b;                    // s_mulk / s_lshl1_add
  r += __builtin_popcount(c ^ d) + (int)__builtin_bitreverse32(c) + __builtin_abs(a - b);
  long q = (e << (a & 63)) + (e >> (b & 63)) + (long)(f >> (c & 63)) + e * (long)f;
  q += (e < (long)f) ? e : (long)f;
  q += (f == 0x123456789ul) ? 1 : ((f != (ulong)e) ? 2 : 3);
  q += __builtin_popcountl(f) + __builtin_clzl(f | 1) + __builtin_ctzl(f | (1ul << 62)) + (long)__builtin_bitreverse64(f);
  q |= (e & (long)f) ^ (long)(~f) ^ (e | ~(long)f);
  out[LID] = r;
  lout[LID] = q;
  if (a == 0x7777) __builtin_trap();                                         // s_trap 2
  if (b == 0x6666) __builtin_debugtrap();                                    // s_trap 3
}

__kernel void s_float(__global float *out, __global half *hout, float x, float y, half hx, half hy, int k) {
  float r = x * y + __builtin_fmaf(x, y, 1.0f) - x / 3.0f;
  r += __builtin_fminf(x, y) + __builtin_fmaxf(x, -y) + __builtin_floorf(x) + __builtin_ceilf(y);
  r += (float)k + (float)(uint)k + (float)(int)x + (float)(uint)y;
  r += (x < y) ? 1.0f : ((x == y) ? 2.0f : (x != x ? 3.0f : 4.0f));
  half h = hx * hy + hx - hy;
  h = __builtin_fmaf16(h, hx, hy) + __builtin_fminf16(hx, hy) + __builtin_fmaxf16(h, hy);
  h += (half)x + __builtin_floorf16(hx) + __builtin_ceilf16(hy) + __builtin_truncf16(h) + __builtin_rintf16(hx);
  h += (hx < hy) ? (half)1 : (half)2;
  r += (float)h;
  out[LID] = r;
  hout[LID] = h;
}
