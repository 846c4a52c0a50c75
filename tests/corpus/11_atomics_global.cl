// Global/flat atomics: returning and non-returning forms, 32/64-bit, int and float, cmpxchg loops.
// builds: -O3 | -O1 | -O3 -munsafe-fp-atomics
#pragma OPENCL EXTENSION cl_khr_int64_base_atomics : enable
#pragma OPENCL EXTENSION cl_khr_int64_extended_atomics : enable
#define GID (__builtin_amdgcn_workgroup_id_x() * __builtin_amdgcn_workgroup_size_x() + __builtin_amdgcn_workitem_id_x())
#define R __ATOMIC_RELAXED

__kernel void atomics32(__global int *o, __global uint *u, __global int *ctr, __global float *fo, int v) {
  uint i = GID;
  int r = __atomic_fetch_add(&ctr[0], v, R);                       // returning forms
  r += __atomic_fetch_sub(&ctr[1], 3, R) + __atomic_exchange_n(&ctr[2], (int)i, R);
  r += __atomic_fetch_min(&ctr[3], v, R) + __atomic_fetch_max(&ctr[4], (int)i, R);
  r += (int)__atomic_fetch_min(&u[5], i, R) + (int)__atomic_fetch_max(&u[6], i, R);
  r += __atomic_fetch_and(&ctr[7], v, R) + __atomic_fetch_or(&ctr[8], v, R) + __atomic_fetch_xor(&ctr[9], v, R);
  int exp = 0;
  __atomic_compare_exchange_n(&ctr[10], &exp, (int)i, false, R, R);
  r += exp + (int)__builtin_amdgcn_atomic_inc32(&u[11], 100u, R, "agent")
           + (int)__builtin_amdgcn_atomic_dec32(&u[12], 100u, R, "agent");
  __atomic_fetch_add(&ctr[16 + (i & 7)], 1, R);                    // non-returning forms
  __atomic_fetch_or(&ctr[24], 1 << (i & 31), R);
  __atomic_fetch_max(&u[25], i, R);
  __atomic_store_n(&ctr[26], r, __ATOMIC_RELEASE);
  r += __atomic_load_n(&ctr[27], __ATOMIC_ACQUIRE);
  float fr = __builtin_amdgcn_global_atomic_fadd_f32(&fo[0], (float)r);
  fr += __opencl_atomic_fetch_max((__global atomic_float *)&fo[1], fr, memory_order_relaxed, memory_scope_device);
  fr += __opencl_atomic_fetch_min((__global atomic_float *)&fo[2], fr, memory_order_relaxed, memory_scope_work_group);
  o[i] = r + (int)fr;
}

__kernel void atomics64(__global long *o, __global ulong *u, __global long *ctr, __global double *d, long v) {
  uint i = GID;
  long r = __atomic_fetch_add(&ctr[0], v, R) + __atomic_fetch_sub(&ctr[1], v, R);
  r += __atomic_exchange_n(&ctr[2], (long)i, R) + __atomic_fetch_min(&ctr[3], v, R);
  r += (long)__atomic_fetch_max(&u[4], (ulong)i, R) + __atomic_fetch_and(&ctr[5], v, R);
  r += __atomic_fetch_or(&ctr[6], v, R) + __atomic_fetch_xor(&ctr[7], v, R);
  long exp = 1;
  __atomic_compare_exchange_n(&ctr[8], &exp, r, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
  __atomic_fetch_add(&ctr[9], 1L, R);
  r += (long)__opencl_atomic_fetch_add((__global atomic_double *)&d[0], 1.5, memory_order_relaxed, memory_scope_device);
  o[i] = r + exp;
}

// Lock-free float max via a CAS loop (data-dependent retry loop around cmpswap).
__kernel void cas_loop(__global float *m, __global const float *a) {
  float x = a[GID];
  __global uint *p = (__global uint *)m;
  uint old = *p;
  while (as_float(old) < x) {
    uint seen = old;
    if (__atomic_compare_exchange_n(p, &seen, as_uint(x), false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) break;
    old = seen;
  }
}
