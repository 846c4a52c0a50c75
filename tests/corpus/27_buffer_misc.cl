// Buffer-resource memory ops (MUBUF) built from raw pointers, GWS, LDS float min/max, packed float
// atomics, transposing loads (gfx12), aperture checks (src_shared_base), lane-mask compares.
// builds: -O3 | -O0
#pragma OPENCL EXTENSION cl_khr_fp16 : enable
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#define GID (__builtin_amdgcn_workgroup_id_x() * __builtin_amdgcn_workgroup_size_x() + __builtin_amdgcn_workitem_id_x())
typedef uint v2u __attribute__((ext_vector_type(2)));
typedef uint v3u __attribute__((ext_vector_type(3)));
typedef uint v4u __attribute__((ext_vector_type(4)));
typedef half h2 __attribute__((ext_vector_type(2)));
typedef short s2 __attribute__((ext_vector_type(2)));
typedef short v8s __attribute__((ext_vector_type(8)));
typedef int v2i __attribute__((ext_vector_type(2)));

__kernel void buffers(__global uint *out, __global uint *data, uint n, int soff) {
  uint i = GID;
  __amdgpu_buffer_rsrc_t rs = __builtin_amdgcn_make_buffer_rsrc(data, 0, n * 4, 0x31014000);
  uint v = __builtin_amdgcn_raw_buffer_load_b32(rs, i * 4, soff, 0);
  v += __builtin_amdgcn_raw_buffer_load_b8(rs, i, 0, 1) + __builtin_amdgcn_raw_buffer_load_b16(rs, i * 2, 0, 2);
  v2u w = __builtin_amdgcn_raw_buffer_load_b64(rs, i * 8, 0, 0);
  v3u t = __builtin_amdgcn_raw_buffer_load_b96(rs, i * 12, 16, 0);
  v4u q = __builtin_amdgcn_raw_buffer_load_b128(rs, i * 16, soff, 3);
  v += w.x + w.y + t.z + q.x + q.w;
  __builtin_amdgcn_raw_buffer_store_b32(v, rs, i * 4 + 4096, 0, 0);
  __builtin_amdgcn_raw_buffer_store_b8((uchar)v, rs, i + 8192, 0, 0);
  __builtin_amdgcn_raw_buffer_store_b16((ushort)v, rs, i * 2 + 8192, soff, 0);
  __builtin_amdgcn_raw_buffer_store_b64(w + (v2u)v, rs, i * 8 + 12288, 0, 1);
  __builtin_amdgcn_raw_buffer_store_b96(t, rs, i * 12 + 16384, 0, 0);
  __builtin_amdgcn_raw_buffer_store_b128(q, rs, i * 16 + 32768, 0, 0);
  __amdgpu_buffer_rsrc_t uni = __builtin_amdgcn_make_buffer_rsrc(out, 0, 256, 0x31014000);
  out[i] = v + __builtin_amdgcn_raw_buffer_load_b32(uni, soff * 4, 0, 0);    // s_buffer_load-able
}

__kernel void misc(__global float *fo, __global h2 *ho, __global s2 *so, __global double *dout, __global int *io,
                   __global int *gp, __global ulong *masks, float x, int a) {
  __local float lf[8];
  __local h2 lh[4];
  __local s2 lb[4];
  uint l = __builtin_amdgcn_workitem_id_x(), i = GID;
  if (l < 8) lf[l] = 0.0f;
  __builtin_amdgcn_s_barrier();
  float r = __builtin_amdgcn_ds_fmaxf(&lf[0], fo[i], 0, 0, false) + __builtin_amdgcn_ds_fminf(&lf[1], x, 0, 0, false);
  masks[0] = __builtin_amdgcn_uicmpl((ulong)i, 17ul, 34) ^ __builtin_amdgcn_uicmp(l, (uint)a, 36);
  masks[1] = __builtin_amdgcn_fcmpf(fo[i], x, 4) | __builtin_amdgcn_fcmp((double)r, 1.0, 2);
  void *gen = (l & 1) ? (void *)&lf[l & 7] : (void *)fo;
  io[i] = __builtin_amdgcn_is_shared(gen) * 2 + __builtin_amdgcn_is_private(gen) + __builtin_amdgcn_wavefrontsize();
#if defined(__gfx942__) || defined(__GFX12__)
  ho[i] = __builtin_amdgcn_ds_atomic_fadd_v2f16(&lh[l & 3], ho[i + 1]);
  so[i] = __builtin_amdgcn_ds_atomic_fadd_v2bf16(&lb[l & 3], so[i + 1]);
  so[i + 64] = __builtin_amdgcn_global_atomic_fadd_v2bf16(&so[0], so[i + 2]);
  ho[i + 64] = __builtin_amdgcn_global_atomic_fadd_v2f16(&ho[0], ho[i + 2]);
  ho[i + 128] = __builtin_amdgcn_flat_atomic_fadd_v2f16((h2 *)(ho + 1), ho[i + 3]);
#endif
#if defined(__gfx942__)
  dout[i] = __builtin_amdgcn_global_atomic_fadd_f64(&dout[0], (double)r) + __builtin_amdgcn_global_atomic_fmax_f64(&dout[1], 2.0)
          + __builtin_amdgcn_global_atomic_fmin_f64(&dout[2], 2.0) + __builtin_amdgcn_flat_atomic_fadd_f64((double *)dout, 1.0)
          + __builtin_amdgcn_flat_atomic_fmax_f64((double *)(dout + 3), 1.0);
  r += __builtin_amdgcn_flat_atomic_fadd_f32((float *)fo, 1.0f);
#endif
#if defined(__GFX12__)
  v2i tr = __builtin_amdgcn_global_load_tr_b64_v2i32((__global v2i *)gp + i);
  v8s tr8 = __builtin_amdgcn_global_load_tr_b128_v8i16((__global v8s *)gp + i);
  io[i + 64] = tr.x + tr.y + tr8.s0 + tr8.s7;
#else
  __builtin_amdgcn_ds_gws_init(a, 0);
  __builtin_amdgcn_ds_gws_barrier(a, 0);
  __builtin_amdgcn_ds_gws_sema_v(0);
  __builtin_amdgcn_ds_gws_sema_p(0);
  __builtin_amdgcn_ds_gws_sema_br(a, 0);
#endif
  fo[i] = r + lf[l & 7];
}

#if defined(__gfx942__)
// Direct global->LDS loads (M0 holds the LDS base).  optnone: at -O1+ clang-19 segfaults in the
// post-RA machine scheduler on any global_load_lds.
__attribute__((optnone)) __kernel void load_lds(__global float *out, __global const int *src) {
  __local int stage[256];
  uint l = __builtin_amdgcn_workitem_id_x();
  __builtin_amdgcn_global_load_lds(src + GID, (__local void *)stage, 4, 0, 0);
  __builtin_amdgcn_global_load_lds(src + GID + 4096, (__local void *)(stage + 64), 2, 4, 0);
  __builtin_amdgcn_global_load_lds(src + GID + 8192, (__local void *)(stage + 128), 1, 8, 1);
  __builtin_amdgcn_s_waitcnt(0);
  __builtin_amdgcn_s_barrier();
  out[GID] = (float)(stage[(l + 1) & 255] + stage[l ^ 64]);
}
#endif
