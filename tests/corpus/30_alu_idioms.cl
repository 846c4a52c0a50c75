// ALU idioms LLVM matches to fused/special instructions: mad_i64_i32, mul_hi_*24, xad/add_lshl/
// lshl_or/and_or/or3, bfm, cvt_flr/rpi, 16-bit compares and min/max, generic (flat) stores and atomics,
// rounding-mode changes (s_round_mode / s_setreg_imm32), denorm-mode toggling around f32 division.
// builds: -O3 | -O3 -cl-denorms-are-zero | -O3 -munsafe-fp-atomics
#pragma OPENCL EXTENSION cl_khr_fp16 : enable
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#define GID (__builtin_amdgcn_workgroup_id_x() * __builtin_amdgcn_workgroup_size_x() + __builtin_amdgcn_workitem_id_x())

__kernel void idioms(__global long *lo, __global int *io, __global float *fo, __global short *so,
                     __global const int *a, __global const float *f, __global const short *s,
                     __global const half *h, __global const double *d) {
  uint i = GID;
  int x = a[i], y = a[i + 1], z = a[i + 2];
  lo[i] = (long)x * y + (long)z + (long)(uint)x * (uint)y + ((long)((x << 8) >> 8) * ((y << 8) >> 8) >> 32);
  io[i] = ((x ^ y) + z) + ((x + y) << 3) + ((x << 4) | y) + ((x & y) | z) + (x | y | z) + (x ^ y ^ z)
        + (((1 << (y & 31)) - 1) << (z & 31)) + (int)(((ulong)(uint)(x & 0xffffff) * (uint)(y & 0xffffff)) >> 32)
        + (x - y - z) + ((x >> 3) + y) + ((uint)x >> (uint)(y & 31)) * 3;
  float g = f[i], k = f[i + 1];
  io[i + 4096] = (int)__builtin_floorf(g) + (int)__builtin_floorf(k + 0.5f) + (int)__builtin_truncf(g * k)
               + (int)d[i] + (int)(uint)d[i + 1] + (int)h[i] + (int)(ushort)h[i + 1];
  fo[i] = g / k + 1.0f / k + __builtin_sqrtf(k) / g + (float)d[i] * 0.5f + (float)(d[i] / d[i + 2]);
  short p = s[i], q = s[i + 1];
  so[i] = (p < q ? p : q) + (p > q ? p : q) + (short)(p * q) + (short)((ushort)p < (ushort)q) + (short)(p == q) * 5
        + (short)((ushort)p > (ushort)q ? (ushort)p : (ushort)q) + (h[i] < h[i + 2] ? (short)1 : (short)(h[i] == h[i + 3]));
  int *gen = (i & 1) ? (int *)&io[i + 8192] : (int *)&io[i + 12288];           // flat stores + atomics
  *gen = x;
  __atomic_fetch_add(gen + 1, y, __ATOMIC_RELAXED);
  io[i + 16384] = __atomic_fetch_max(gen + 2, z, __ATOMIC_RELAXED) + __atomic_exchange_n(gen + 3, x, __ATOMIC_RELAXED);
  float *fgen = (float *)gen;
  fo[i + 4096] = __opencl_atomic_fetch_add((atomic_float *)(fgen + 4), g, memory_order_relaxed, memory_scope_device)
               + __opencl_atomic_fetch_max((__global atomic_float *)&fo[8], g, memory_order_relaxed, memory_scope_device)
               + __opencl_atomic_fetch_min((__global atomic_float *)&fo[9], g, memory_order_relaxed, memory_scope_device);
  ((__global double *)lo)[i + 4096] = __opencl_atomic_fetch_add((__global atomic_double *)&lo[0], (double)g, memory_order_relaxed, memory_scope_device);
}

__kernel void rounding(__global float *out, float x, float y) {
  __builtin_amdgcn_s_setreg((1 << 0) | (0 << 6) | (3 << 11), 3);   // constant value: s_setreg_imm32_b32
  float r = x + y;
  __builtin_set_flt_rounds(0);                                       // toward zero
  r += x * y;
  __builtin_set_flt_rounds(1);
  out[__builtin_amdgcn_workitem_id_x()] = r + (float)__builtin_flt_rounds();
}
