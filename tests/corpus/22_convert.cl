// Conversions: int<->float (32/64-bit, signed/unsigned), ubyte->float, f16<->f32<->f64, rounding modes,
// saturating float->int, fp8/bf8 on targets that have them.
// builds: -O3
#pragma OPENCL EXTENSION cl_khr_fp16 : enable
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#define GID (__builtin_amdgcn_workgroup_id_x() * __builtin_amdgcn_workgroup_size_x() + __builtin_amdgcn_workitem_id_x())

__kernel void conv(__global float *fo, __global double *dout, __global int *io, __global long *lo,
                   __global half *ho, __global const int *a, __global const uint *u,
                   __global const long *l, __global const ulong *ul, __global const float *f,
                   __global const double *d, __global const half *h) {
  uint i = GID;
  int x = a[i]; uint y = u[i]; long z = l[i]; ulong w = ul[i];
  float g = f[i]; double e = d[i]; half q = h[i];
  fo[i] = (float)x + (float)y + (float)z + (float)w + (float)e + (float)q;
  fo[i + 1024] = (float)(y & 0xff) + (float)((y >> 8) & 0xff) + (float)((y >> 16) & 0xff) + (float)(y >> 24);
  dout[i] = (double)x + (double)y + (double)z + (double)w + (double)g + (double)q;
  io[i] = (int)g + (int)(uint)g + (int)e + (int)(uint)e + (int)q + (int)__builtin_rintf(g);
  lo[i] = (long)g + (long)(ulong)g + (long)e + (long)(ulong)e;
  ho[i] = (half)g + (half)e + (half)x + (half)y + (half)(short)x + (half)(ushort)y;
  io[i + 1024] = __builtin_amdgcn_cvt_pk_u8_f32(g, 0, 0) | __builtin_amdgcn_cvt_pk_u8_f32(g * 2.0f, 3, 0);
#if defined(__GFX12__) || defined(__gfx942__)
  fo[i + 2048] = __builtin_amdgcn_cvt_f32_fp8(x, 1) + __builtin_amdgcn_cvt_f32_bf8(x, 2);
  io[i + 2048] = __builtin_amdgcn_cvt_pk_fp8_f32(g, (float)e, x, false) + __builtin_amdgcn_cvt_pk_bf8_f32(g, g, x, true);
  io[i + 3072] = __builtin_amdgcn_cvt_sr_fp8_f32(g, (int)y, x, 1) + __builtin_amdgcn_cvt_sr_bf8_f32(g, (int)y, x, 2);
  float2 pk = __builtin_amdgcn_cvt_pk_f32_fp8(x, false) + __builtin_amdgcn_cvt_pk_f32_bf8(x, true);
  fo[i + 3072] = pk.x + pk.y;
#endif
}
