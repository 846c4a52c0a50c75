// Vector types: float4/int2/float3/double2 loads and stores (dwordx2/x3/x4), shuffles, vector compares,
// select on vectors, component-wise math.
// builds: -O3 | -O1
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#define GID (__builtin_amdgcn_workgroup_id_x() * __builtin_amdgcn_workgroup_size_x() + __builtin_amdgcn_workitem_id_x())

__kernel void vec(__global float4 *o4, __global int2 *o2, __global float3 *o3, __global double2 *od,
                  __global const float4 *a, __global const int2 *b, __global const float3 *c,
                  __global const double2 *d, float4 k) {
  uint i = GID;
  float4 x = a[i], y = a[i + 1];
  float4 r = x * y + k;
  r = __builtin_shufflevector(r, x, 0, 5, 2, 7) - y.wzyx;
  int4 m = x < y;                                  // vector compare -> -1/0 lanes
  r = m.x ? r : x;
  r = __builtin_elementwise_min(r, y) + __builtin_elementwise_abs(x);
  o4[i] = r;
  int2 p = b[i], q = b[i + 3];
  o2[i] = p * q + (p >> 1) + (int2)(q.y, p.x);
  float3 t = c[i];
  o3[i] = t * t.zxy + (float3)(r.x, r.y, r.z);
  double2 e = d[i];
  od[i] = e * e.yx + (double2)(x.x, y.y);
}

__kernel void gather4(__global float *out, __global const float4 *a, __global const uint *idx) {
  uint i = GID;
  float4 v = a[idx[i] & 1023];
  float16 big = (float16)(v, v * 2.0f, v * 3.0f, v * 4.0f);
  ((__global float16 *)out)[i] = big;              // 64-byte store: several dwordx4
}
