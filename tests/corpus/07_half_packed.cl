// fp16: scalar half math, packed half2 (v_pk_*), f16 transcendental, conversions, dot2, mixed fma.
// builds: -O3 | -O1
#pragma OPENCL EXTENSION cl_khr_fp16 : enable
#define GID (__builtin_amdgcn_workgroup_id_x() * __builtin_amdgcn_workgroup_size_x() + __builtin_amdgcn_workitem_id_x())
typedef half h2 __attribute__((ext_vector_type(2)));
typedef short s2 __attribute__((ext_vector_type(2)));

__kernel void half_scalar(__global half *out, __global const half *a, __global float *fo, __global int *io) {
  uint i = GID;
  half x = a[i], y = a[i + 8], z = a[i + 16];
  half r = x * y + z;
  r += __builtin_fmaf16(x, z, y) - __builtin_fabsf16(y) + __builtin_fminf16(x, z) * __builtin_fmaxf16(y, z);
  r += __builtin_amdgcn_rcph(x) + __builtin_amdgcn_rsqh(y) + __builtin_amdgcn_sqrth(z);
  r += __builtin_amdgcn_sinh(x) + __builtin_amdgcn_cosh(y) + __builtin_amdgcn_fracth(z);
  r += __builtin_amdgcn_ldexph(x, (int)y) + __builtin_amdgcn_frexp_manth(z) + __builtin_amdgcn_fmed3h(x, y, z);
  r += __builtin_floorf16(x) + __builtin_ceilf16(y) + __builtin_truncf16(z) + __builtin_rintf16(r);
  r += x / y + (x < z ? y : z);
  out[i] = r;
  fo[i] = (float)r * (float)x + (float)y;                         // mixed f16/f32: v_fma_mix / cvt
  io[i] = __builtin_amdgcn_frexp_exph(x) + __builtin_amdgcn_classh(y, 3) + (int)z + (int)(ushort)x;
}

__kernel void half_packed(__global h2 *out, __global const h2 *a, __global float *fo, __global s2 *so) {
  uint i = GID;
  h2 x = a[i], y = a[i + 4], z = a[i + 12];
  h2 r = x * y + z;                                               // v_pk_fma_f16 / v_pk_mul_f16
  r = r - x;
  r = __builtin_elementwise_min(r, y);
  r = __builtin_elementwise_max(r, z);
  r = __builtin_elementwise_fma(r, x, y);
  r = r.yx + (h2)(x.x, z.y);                                      // op_sel / swizzles
  out[i] = r;
  fo[i] = __builtin_amdgcn_fdot2(x, y, fo[i], false) + (float)r.x;
  fo[i + 256] = (float)__builtin_amdgcn_cvt_pkrtz(fo[i + 1], fo[i + 2]).y;
  so[i] = __builtin_amdgcn_cvt_pknorm_i16(fo[i + 3], fo[i + 4]) + __builtin_amdgcn_cvt_pk_i16((int)i, 7);
}
