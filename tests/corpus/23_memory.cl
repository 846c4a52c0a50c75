// Address spaces and memory ops: generic/flat pointers, __constant (scalar loads), global with
// scalar base + vector offset, large immediate offsets, non-temporal and volatile accesses, d16 loads.
// builds: -O3 | -O0
#pragma OPENCL EXTENSION cl_khr_fp16 : enable
#define GID (__builtin_amdgcn_workgroup_id_x() * __builtin_amdgcn_workgroup_size_x() + __builtin_amdgcn_workitem_id_x())

__constant float table[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

__attribute__((noinline)) float through_generic(float *p, int k) { return p[k] + p[k + 1]; }

__kernel void spaces(__global float *out, __global const float *in, __constant float *cbuf,
                     __constant int4 *cvec, int k) {
  __local float lds[64];
  uint i = GID, l = __builtin_amdgcn_workitem_id_x();
  lds[l & 63] = in[i];
  __builtin_amdgcn_s_barrier();
  float *gp = (l & 1) ? (float *)&lds[0] : (float *)in;              // generic pointer -> flat ops
  float r = through_generic(gp, (int)(l & 31));
  r += cbuf[k] + cbuf[k + 1] + cbuf[k + 2] + cbuf[k + 3];              // s_load_dwordx4-ish
  int4 cv = cvec[k];
  r += (float)(cv.x + cv.y + cv.z + cv.w) + table[i & 15] + table[k & 15];
  r += in[i + 4096] + in[i + 100000];                                 // immediate vs register offsets
  out[i] = r;
  __builtin_nontemporal_store(r, &out[i + 8192]);
  r = __builtin_nontemporal_load(&in[i + 8192]);
  volatile __global float *vp = (volatile __global float *)out;
  vp[i + 16384] = r;
  out[i + 24576] = vp[i + 16384] * 2.0f;
}

__kernel void scalar_loads(__global int *out, __global const int *in, __global const ulong *l, int base) {
  // Uniform addresses: s_load_dword/x2/x4/x8/x16 variants.
  int s = in[base] + in[base + 1];
  ulong q = l[base] + l[base + 3];
  int8 v8 = ((__global const int8 *)in)[base + 2];
  int16 v16 = ((__global const int16 *)in)[base + 7];
  s += v8.s0 + v8.s7 + v16.s3 + v16.sf + (int)q;
  out[__builtin_amdgcn_workitem_id_x()] = s;
}

__kernel void d16(__global half *ho, __global const half *h, __global const uchar *b, __global const short *s) {
  uint i = GID;
  half2 v = (half2)(h[i], h[i + 33]);                    // d16 / d16_hi loads into halves of a VGPR
  short2 w = (short2)(s[i], s[i + 5]);
  uchar2 c = (uchar2)(b[i], b[i + 7]);
  v = v * (half2)(c.x, c.y) + (half2)(w.x, w.y);
  ho[i] = v.x;
  ho[i + 512] = v.y;
}
