// Min/max/clamp/select families: min3/max3/med3 (int, uint, float, half), clamp modifiers, cndmask,
// s_cselect, abs-diff, sign, fminimum-style NaN handling.
// builds: -O3 | -O3 -cl-fast-relaxed-math
#pragma OPENCL EXTENSION cl_khr_fp16 : enable
#define GID (__builtin_amdgcn_workgroup_id_x() * __builtin_amdgcn_workgroup_size_x() + __builtin_amdgcn_workitem_id_x())
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define CLAMP(x, lo, hi) MIN(MAX(x, lo), hi)

__kernel void mm(__global int *io, __global uint *uo, __global float *fo, __global half *ho,
                 __global const int *a, __global const uint *u, __global const float *f, __global const half *h,
                 int lo, int hi) {
  uint i = GID;
  int x = a[i], y = a[i + 1], z = a[i + 2];
  uint p = u[i], q = u[i + 1], s = u[i + 2];
  float e = f[i], g = f[i + 1], k = f[i + 2];
  half hx = h[i], hy = h[i + 1], hz = h[i + 2];
  io[i] = MIN(MIN(x, y), z) + MAX(MAX(x, y), z) + CLAMP(x, lo, hi) + MAX(MIN(x, y), MIN(MAX(x, y), z))
        + __builtin_abs(x - y) + (x > 0) - (x < 0);
  uo[i] = MIN(MIN(p, q), s) + MAX(MAX(p, q), s) + CLAMP(p, 10u, 1000u) + (p > q ? p - q : q - p);
  fo[i] = __builtin_fminf(__builtin_fminf(e, g), k) + __builtin_fmaxf(__builtin_fmaxf(e, g), k)
        + __builtin_fminf(__builtin_fmaxf(e, 0.0f), 1.0f)                          // clamp -> omod/clamp bit
        + __builtin_amdgcn_fmed3f(e, g, k) + (e > g ? k : e) + __builtin_copysignf(1.0f, g);
  ho[i] = __builtin_fminf16(__builtin_fminf16(hx, hy), hz) + __builtin_fmaxf16(__builtin_fmaxf16(hx, hy), hz)
        + __builtin_fminf16(__builtin_fmaxf16(hx, (half)0), (half)1) + (hx < hy ? hz : hx);
}

__kernel void mm_scalar(__global int *io, int x, int y, uint p, uint q) {
  int r = MIN(x, y) + MAX(x, y) + (int)MIN(p, q) + (int)MAX(p, q) + __builtin_abs(x) + (x == y ? 3 : -p);
  r += (p != q) ? (int)(p - q) : x;
  long w = (x < y) ? (long)x * 3 : (long)y << 40;                                   // s_cselect_b64
  io[__builtin_amdgcn_workitem_id_x()] = r + (int)(w >> 20);
}
