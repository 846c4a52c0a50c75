// Matrix cores: WMMA on gfx11, WMMA/SWMMAC (gfx12 encodings) on gfx12, MFMA/SMFMAC with AGPRs on gfx942.
// builds: -O3
#pragma OPENCL EXTENSION cl_khr_fp16 : enable
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#define LID __builtin_amdgcn_workitem_id_x()
typedef half v4h __attribute__((ext_vector_type(4)));
typedef half v8h __attribute__((ext_vector_type(8)));
typedef half v16h __attribute__((ext_vector_type(16)));
typedef short v4s __attribute__((ext_vector_type(4)));
typedef short v8s __attribute__((ext_vector_type(8)));
typedef short v16s __attribute__((ext_vector_type(16)));
typedef float v2f __attribute__((ext_vector_type(2)));
typedef float v4f __attribute__((ext_vector_type(4)));
typedef float v8f __attribute__((ext_vector_type(8)));
typedef float v16f __attribute__((ext_vector_type(16)));
typedef int v2i __attribute__((ext_vector_type(2)));
typedef int v4i __attribute__((ext_vector_type(4)));
typedef int v8i __attribute__((ext_vector_type(8)));
typedef int v16i __attribute__((ext_vector_type(16)));
typedef double v4d __attribute__((ext_vector_type(4)));

#if defined(__GFX11__) || defined(__GFX12__)
// Operand block j of a buffer holds one vector per lane (p[32 * j + l]): every lane loads its own row of A / column
// of B, so the per-lane layouts of A, B and C/D all show in the results.
#define AT(p, j) p[32 * (j) + l]
#endif

#if defined(__GFX11__)
__kernel void wmma(__global v8f *c, __global v16h *ch, __global v8i *ci, __global const v16h *a,
                   __global const v16s *bf, __global const v4i *i8, __global const v2i *i4, int k) {
  uint l = LID;
  v8f acc = c[l];
  v16h hacc = ch[l];
  v8i iacc = ci[l];
  for (int t = 0; t < k; ++t) {  // loop so accumulators stay in registers across iterations
    acc = __builtin_amdgcn_wmma_f32_16x16x16_f16_w32(AT(a, 2 * t), AT(a, 2 * t + 1), acc);
    acc = __builtin_amdgcn_wmma_f32_16x16x16_bf16_w32(AT(bf, t), AT(bf, t + 1), acc);
    hacc = __builtin_amdgcn_wmma_f16_16x16x16_f16_w32(AT(a, t), AT(a, t + 3), hacc, false);
    iacc = __builtin_amdgcn_wmma_i32_16x16x16_iu8_w32(true, AT(i8, t), false, AT(i8, t + 1), iacc, true);
    iacc = __builtin_amdgcn_wmma_i32_16x16x16_iu4_w32(false, AT(i4, t), true, AT(i4, t + 1), iacc, false);
  }
  c[l] = acc; ch[l] = hacc; ci[l] = iacc;
}
#elif defined(__GFX12__)
__kernel void wmma(__global v8f *c, __global v8h *ch, __global v8i *ci, __global const v8h *a,
                   __global const v8s *bf, __global const v2i *i8, __global const v4i *q, __global const v2i *f8,
                   __global const int *ix, int k) {
  uint l = LID;
  v8f acc = c[l];
  v8h hacc = ch[l];
  v8i iacc = ci[l];
  for (int t = 0; t < k; ++t) {
    acc = __builtin_amdgcn_wmma_f32_16x16x16_f16_w32_gfx12(AT(a, 2 * t), AT(a, 2 * t + 1), acc);
    acc = __builtin_amdgcn_wmma_f32_16x16x16_bf16_w32_gfx12(AT(bf, t), AT(bf, t + 1), acc);
    hacc = __builtin_amdgcn_wmma_f16_16x16x16_f16_w32_gfx12(AT(a, t), AT(a, t + 3), hacc);
    iacc = __builtin_amdgcn_wmma_i32_16x16x16_iu8_w32_gfx12(true, AT(i8, t), false, AT(i8, t + 1), iacc, true);
    iacc = __builtin_amdgcn_wmma_i32_16x16x16_iu4_w32_gfx12(false, AT(i8, t).x, true, AT(i8, t).y, iacc, false);
    iacc = __builtin_amdgcn_wmma_i32_16x16x32_iu4_w32_gfx12(false, AT(i8, t + 2), true, AT(i8, t + 3), iacc, false);
    acc = __builtin_amdgcn_wmma_f32_16x16x16_fp8_fp8_w32_gfx12(AT(f8, t), AT(f8, t + 4), acc);
    acc = __builtin_amdgcn_wmma_f32_16x16x16_bf8_fp8_w32_gfx12(AT(f8, t), AT(f8, t + 5), acc);
    acc = __builtin_amdgcn_wmma_f32_16x16x16_fp8_bf8_w32_gfx12(AT(f8, t + 1), AT(f8, t + 5), acc);
    acc = __builtin_amdgcn_wmma_f32_16x16x16_bf8_bf8_w32_gfx12(AT(f8, t + 2), AT(f8, t + 6), acc);
    acc = __builtin_amdgcn_swmmac_f32_16x16x32_f16_w32(AT(a, t), (v16h)(AT(a, t + 1), AT(a, t + 2)), acc, AT(ix, 2 * t));
    iacc = __builtin_amdgcn_swmmac_i32_16x16x32_iu8_w32(true, AT(i8, t), true, AT(q, t), iacc, AT(ix, 2 * t + 1), false);
  }
  c[l] = acc; ch[l] = hacc; ci[l] = iacc;
}
#elif defined(__gfx942__)
__kernel void mfma(__global v16f *c16, __global v4f *c4, __global v4i *ci, __global v4d *cd,
                   __global const v4h *h, __global const v4s *bf, __global const float *f,
                   __global const long *i8, __global const double *d, __global const v8h *h8, int k) {
  uint l = LID;
  v16f big = c16[l];
  v4f acc = c4[l];
  v4i iacc = ci[l];
  v4d dacc = cd[l];
  for (int t = 0; t < k; ++t) {
    big = __builtin_amdgcn_mfma_f32_32x32x8f16(h[t], h[t + 1], big, 0, 0, 0);
    big = __builtin_amdgcn_mfma_f32_32x32x2f32(f[t], f[t + 1], big, 1, 0, 0);
    acc = __builtin_amdgcn_mfma_f32_16x16x16f16(h[t + 2], h[t + 3], acc, 0, 0, 0);
    acc = __builtin_amdgcn_mfma_f32_4x4x1f32(f[t + 2], f[t + 3], acc, 0, 0, 0);
    acc = __builtin_amdgcn_mfma_f32_16x16x4f32(f[t + 4], f[t + 5], acc, 0, 0, 0);
    acc = __builtin_amdgcn_mfma_f32_16x16x8_xf32((v2f)(f[t], f[t + 6]), (v2f)(f[t + 7], f[t]), acc, 0, 0, 0);
    acc = __builtin_amdgcn_mfma_f32_16x16x32_fp8_fp8(i8[t], i8[t + 1], acc, 0, 0, 0);
    acc = __builtin_amdgcn_mfma_f32_16x16x32_bf8_fp8(i8[t], i8[t + 2], acc, 0, 0, 0);
    acc = __builtin_amdgcn_mfma_f32_16x16x16bf16_1k(bf[t], bf[t + 1], acc, 0, 0, 0);
    acc = __builtin_amdgcn_smfmac_f32_16x16x32_f16(h[t], h8[t], acc, k, 0, 0);
    iacc = __builtin_amdgcn_mfma_i32_16x16x32_i8(i8[t], i8[t + 3], iacc, 0, 0, 0);
    dacc = __builtin_amdgcn_mfma_f64_16x16x4f64(d[t], d[t + 1], dacc, 0, 0, 0);
  }
  c16[l] = big; c4[l] = acc; ci[l] = iacc; cd[l] = dacc;
  c4[l + 64] = (v4f)(__builtin_amdgcn_mfma_f64_4x4x4f64(d[0], d[1], d[2], 0, 0, 0), 0, 0, 0);
}
#endif
