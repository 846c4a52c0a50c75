// Transcendental / special-function unit: rcp, rsq, sqrt, sin, cos, exp2, log2, frexp, ldexp, class.
// builds: -O3 | -O3 -cl-fast-relaxed-math
#define GID (__builtin_amdgcn_workgroup_id_x() * __builtin_amdgcn_workgroup_size_x() + __builtin_amdgcn_workitem_id_x())

__kernel void trans_f32(__global float *out, __global int *iout, __global const float *a) {
  uint i = GID;
  float x = a[i], y = a[i + 32];
  float r = __builtin_amdgcn_rcpf(x) + __builtin_amdgcn_rsqf(y) + __builtin_amdgcn_sqrtf(x * y);
  r += __builtin_amdgcn_sinf(x) * __builtin_amdgcn_cosf(y);
  r += __builtin_amdgcn_exp2f(x) + __builtin_amdgcn_logf(y) + __builtin_amdgcn_rsq_clampf(x);
  r += __builtin_amdgcn_ldexpf(x, (int)y) + __builtin_amdgcn_frexp_mantf(y);
  r += __builtin_sqrtf(x) + __builtin_expf(y) + __builtin_logf(x) + __builtin_exp2f(r) + __builtin_log2f(y);
  r += __builtin_sinf(x) + __builtin_cosf(y);
  r += __builtin_amdgcn_cubeid(x, y, r) + __builtin_amdgcn_cubema(x, y, r);
  r += __builtin_amdgcn_cubesc(x, y, r) + __builtin_amdgcn_cubetc(x, y, r);
  out[i] = r;
  iout[i] = __builtin_amdgcn_frexp_expf(x) + __builtin_amdgcn_classf(y, 0x3f0) + __builtin_amdgcn_classf(x, 3);
}
