// Float ALU: fma/mad, min/max, rounding, abs/neg/copysign modifiers, compares, division.
// builds: -O3 | -O0 | -O3 -cl-fast-relaxed-math | -O2 -mwavefrontsize64
#define GID (__builtin_amdgcn_workgroup_id_x() * __builtin_amdgcn_workgroup_size_x() + __builtin_amdgcn_workitem_id_x())

__kernel void float_mix(__global float *out, __global const float *a, __global const float *b, float s) {
  uint i = GID;
  float x = a[i], y = b[i], z = a[i + 64];
  float r = __builtin_fmaf(x, y, z);
  r += x * s + y;                                   // mad/fmac
  r += __builtin_fminf(x, y) * __builtin_fmaxf(y, z);
  r += __builtin_floorf(x) + __builtin_ceilf(y) + __builtin_truncf(z) + __builtin_rintf(r);
  r += __builtin_fabsf(x - y) - __builtin_copysignf(z, x) + -__builtin_fabsf(r);
  r += x / y;                                        // div_scale/div_fmas/div_fixup
  r += (x < y ? z : -z) + (x != x ? 1.0f : 0.0f) + (y >= z ? 2.0f : 3.5f);
  r += __builtin_amdgcn_fmed3f(x, y, z) + __builtin_amdgcn_fractf(y);
  out[i] = r;
}

// Uniform float math exercises SALU float ops on gfx12 (s_add_f32, s_fmac_f32 ...).
__kernel void float_uniform(__global float *out, float a, float b, float c) {
  float r = a * b + c;
  r = __builtin_fmaf(r, a, b) - c * 0.5f;
  r = __builtin_fminf(r, a) + __builtin_fmaxf(b, c);
  r += __builtin_ceilf(a) + __builtin_floorf(b) + __builtin_truncf(c) + __builtin_rintf(r);
  r += (a < b) ? 1.0f : 2.0f;
  out[__builtin_amdgcn_workitem_id_x()] = r + (float)(int)c + (float)(uint)b;
}
