// Wave reductions with many operators: update_dpp feeding VALU ops lets LLVM's DPP combiner fold the
// shuffle into the op (v_*_dpp); row_share/row_xmask (gfx10+), row_newbcast (gfx90a+), DPP8.
// builds: -O3 | -O2 -mwavefrontsize64
#define LID __builtin_amdgcn_workitem_id_x()
#define DPP(v, ctrl) __builtin_amdgcn_update_dpp(0, (v), (ctrl), 0xf, 0xf, true)
#define FDPP(v, ctrl) as_float(DPP(as_int(v), ctrl))

__kernel void reduce_ops(__global int *io, __global uint *uo, __global float *fo, __global const int *in,
                         __global const float *fin) {
  uint l = LID;
  int x = in[l];
  uint u = (uint)in[l + 64];
  float f = fin[l], g = fin[l + 64];
#define STEP(s) x += DPP(x, s); u = __builtin_elementwise_min(u, (uint)DPP((int)u, s)); \
                f += FDPP(f, s); g = __builtin_fmaxf(g, FDPP(g, s));
  STEP(0x111) STEP(0x112) STEP(0x114) STEP(0x118)                          // row_shr:1,2,4,8
  int a = x & DPP(x, 0xb1), o = x | DPP(x, 0x4e), e = x ^ DPP(x, 0x1b);   // quad_perm patterns
  int m = __builtin_elementwise_max(x, DPP(x, 0x141));
  int sub = x - DPP(x, 0x101);
  float mul = f * FDPP(f, 0x140), fmn = __builtin_fminf(f, FDPP(g, 0x128));
  float fs = g - FDPP(f, 0x121);
#if defined(__gfx942__)
  int nb = x + DPP(x, 0x153);                                               // row_newbcast:3
  int wv = x + DPP(x, 0x138);                                               // wave_shr:1
#else
  int nb = x + DPP(x, 0x152) + DPP(x, 0x163);                               // row_share:2, row_xmask:3
  int wv = __builtin_amdgcn_mov_dpp8(x, 0x00fac688) + __builtin_amdgcn_mov_dpp8(sub, 0x00000000);
  fs += as_float(__builtin_amdgcn_mov_dpp8(as_int(mul), 0x00688fac));
#endif
  io[l] = x + a + o + e + m + sub + nb + wv;
  uo[l] = u;
  fo[l] = f + g + mul + fmn + fs;
}

// Half and 64-bit lanes through DPP (v_pk ops don't take DPP on every target; this shows what LLVM does).
__kernel void reduce_wide(__global long *lo, __global double *dout, __global const long *in, __global const double *din) {
  uint l = LID;
  long x = in[l];
  double d = din[l];
  for (int s = 0; s < 4; ++s) {
    int lo32 = DPP((int)x, 0x111), hi32 = DPP((int)(x >> 32), 0x111);
    x += ((long)hi32 << 32) | (uint)lo32;
    long bits = as_long(d);
    int dl = DPP((int)bits, 0x112), dh = DPP((int)(bits >> 32), 0x112);
    d = __builtin_fmax(d, as_double(((long)dh << 32) | (uint)dl));
  }
  lo[l] = x;
  dout[l] = d;
}
