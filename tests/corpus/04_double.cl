// Double precision: add/mul/fma, div (div_scale_f64 ...), sqrt, rounding, conversions, f64 specials.
// builds: -O3 | -O1
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#define GID (__builtin_amdgcn_workgroup_id_x() * __builtin_amdgcn_workgroup_size_x() + __builtin_amdgcn_workitem_id_x())

__kernel void dmath(__global double *out, __global const double *a, __global const float *f,
                    __global int *iout, double s) {
  uint i = GID;
  double x = a[i], y = a[i + 16], z = (double)f[i];
  double r = __builtin_fma(x, y, z) + x * s - y;
  r += x / y + __builtin_sqrt(__builtin_fabs(z));
  r += __builtin_floor(x) + __builtin_ceil(y) + __builtin_trunc(z) + __builtin_rint(r);
  r += __builtin_fmin(x, y) * __builtin_fmax(y, z);
  r += __builtin_amdgcn_rcp(x) + __builtin_amdgcn_rsq(y) + __builtin_amdgcn_sqrt(z);
  r += __builtin_amdgcn_frexp_mant(x) + __builtin_amdgcn_ldexp(y, (int)z) + __builtin_amdgcn_fract(z);
  r += __builtin_amdgcn_rsq_clamp(x) + __builtin_amdgcn_div_fixup(x, y, z);
  r += (double)__builtin_amdgcn_trig_preop(x, (int)i & 3);
  r += (x < y) ? 1.0 : ((y == z) ? 2.0 : -0.5);
  out[i] = r;
  float g = (float)r;                                  // cvt_f32_f64
  iout[i] = (int)x + (int)(uint)y + __builtin_amdgcn_frexp_exp(z) + __builtin_amdgcn_class(x, 0x60) + (int)g;
  out[i + 1024] = (double)(int)iout[i + 1] + (double)(uint)iout[i + 2];
}
