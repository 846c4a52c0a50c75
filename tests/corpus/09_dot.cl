// Dot-product instructions; the available set differs per target, so each is guarded.
// builds: -O3
#pragma OPENCL EXTENSION cl_khr_fp16 : enable
#define GID (__builtin_amdgcn_workgroup_id_x() * __builtin_amdgcn_workgroup_size_x() + __builtin_amdgcn_workitem_id_x())
typedef half h2 __attribute__((ext_vector_type(2)));
typedef short s2 __attribute__((ext_vector_type(2)));
typedef ushort us2 __attribute__((ext_vector_type(2)));

__kernel void dots(__global int *out, __global float *fo, __global half *ho, __global const int *a,
                   __global const h2 *h, __global const s2 *s) {
  uint i = GID;
  int x = a[i], y = a[i + 1], acc = a[i + 2];
  int r = __builtin_amdgcn_udot4(x, y, acc, false) + __builtin_amdgcn_udot8(y, x, acc, true);
  float f = __builtin_amdgcn_fdot2(h[i], h[i + 1], fo[i], false);
#if defined(__gfx942__)
  r += __builtin_amdgcn_sdot4(x, y, acc, false) + __builtin_amdgcn_sdot8(x, y, acc, true);
  r += __builtin_amdgcn_sdot2(s[i], s[i + 1], acc, false) + __builtin_amdgcn_udot2(as_ushort2(s[i]), as_ushort2(s[i + 2]), acc, false);
#else
  r += __builtin_amdgcn_sudot4(true, x, false, y, acc, false) + __builtin_amdgcn_sudot8(false, x, true, y, acc, true);
  f += __builtin_amdgcn_fdot2_f32_bf16(s[i], s[i + 1], f, false);
  ho[i] = __builtin_amdgcn_fdot2_f16_f16(h[i], h[i + 2], ho[i + 1]);
#endif
#if defined(__GFX12__)
  f += __builtin_amdgcn_dot4_f32_fp8_bf8(x, y, f) + __builtin_amdgcn_dot4_f32_bf8_fp8(y, x, f);
  f += __builtin_amdgcn_dot4_f32_fp8_fp8(x, acc, f) + __builtin_amdgcn_dot4_f32_bf8_bf8(acc, y, f);
#endif
  out[i] = r;
  fo[i] = f;
}
