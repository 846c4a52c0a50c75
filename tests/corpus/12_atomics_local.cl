// LDS atomics: ds_add/sub/min/max/and/or/xor/inc/dec, cmpstore, float add, 64-bit, append/consume.
// builds: -O3 | -O3 -munsafe-fp-atomics
#define LID __builtin_amdgcn_workitem_id_x()
#define R __ATOMIC_RELAXED

__kernel void lds_atomics(__global int *o, __global long *lo, __global float *fo, __global const int *a) {
  __local int hist[64];
  __local uint uh[16];
  __local long l64[8];
  __local float lf[4];
  uint l = LID;
  int x = a[l + __builtin_amdgcn_workgroup_id_x() * 256];
  if (l < 64) hist[l] = 0;
  if (l < 16) uh[l] = 0;
  if (l < 8) l64[l] = 0;
  if (l < 4) lf[l] = 0;
  __builtin_amdgcn_s_barrier();
  __atomic_fetch_add(&hist[x & 63], 1, R);
  int r = __atomic_fetch_add(&hist[l & 63], x, R) + __atomic_fetch_sub(&hist[(l + 1) & 63], 2, R);
  r += __atomic_fetch_min(&hist[3], x, R) + __atomic_fetch_max(&hist[4], x, R);
  r += (int)__atomic_fetch_min(&uh[0], (uint)x, R) + (int)__atomic_fetch_max(&uh[1], (uint)x, R);
  r += __atomic_fetch_and(&hist[5], x, R) + __atomic_fetch_or(&hist[6], x, R) + __atomic_fetch_xor(&hist[7], x, R);
  r += __atomic_exchange_n(&hist[8], x, R);
  r += (int)__builtin_amdgcn_atomic_inc32(&uh[2], 7u, R, "workgroup") + (int)__builtin_amdgcn_atomic_dec32(&uh[3], 7u, R, "workgroup");
  int e = 0;
  __atomic_compare_exchange_n(&hist[9], &e, x, false, R, R);
  __atomic_fetch_max(&hist[10], x, R);
  __atomic_fetch_xor(&hist[11], x, R);
  long lr = __atomic_fetch_add(&l64[0], (long)x, R) + __atomic_fetch_max(&l64[1], (long)x, R);
  __atomic_fetch_or(&l64[2], (long)l, R);
  long le = 0;
  __atomic_compare_exchange_n(&l64[3], &le, lr, false, R, R);
  float fr = __builtin_amdgcn_ds_atomic_fadd_f32(&lf[0], (float)x);
  __builtin_amdgcn_ds_atomic_fadd_f32(&lf[1], 1.0f);
  fr += __opencl_atomic_fetch_max((__local atomic_float *)&lf[2], fr, memory_order_relaxed, memory_scope_work_group);
  int slot = __builtin_amdgcn_ds_append(&hist[12]) + __builtin_amdgcn_ds_consume(&hist[13]);
  __builtin_amdgcn_s_barrier();
  o[l] = r + e + hist[l & 63] + slot;
  lo[l] = lr + le + l64[l & 7];
  fo[l] = fr + lf[l & 3];
}
