// Non-inlined device functions: s_swappc/s_setpc, stack frames (s32/s33), callee-saved spills,
// writelane/readlane SGPR spills, recursion, many arguments (stack-passed).
// builds: -O3 | -O0
#define GID (__builtin_amdgcn_workgroup_id_x() * __builtin_amdgcn_workgroup_size_x() + __builtin_amdgcn_workitem_id_x())
#define NOINLINE __attribute__((noinline))

NOINLINE float poly(float x, float a, float b, float c) { return __builtin_fmaf(__builtin_fmaf(a, x, b), x, c); }

NOINLINE int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

NOINLINE void accumulate(__global float *dst, float v, int n) {
  for (int k = 0; k < n; ++k) dst[k] += v * (float)k;
}

NOINLINE float many_args(float a0, float a1, float a2, float a3, float a4, float a5, float a6, float a7,
                         float a8, float a9, float a10, float a11, float a12, float a13, float a14, float a15,
                         float a16, float a17, float a18, float a19, float a20, float a21, float a22, float a23,
                         float a24, float a25, float a26, float a27, float a28, float a29, float a30, float a31,
                         float a32, float a33, float a34, float a35, int k, __private float *p) {
  return a0 * a1 + a2 * a3 + a4 * a5 + a6 * a7 + a8 * a9 + a10 * a11 + a12 * a13 + a14 * a15 +
         a16 * a17 + a18 * a19 + a20 * a21 + a22 * a23 + a24 * a25 + a26 * a27 + a28 * a29 + a30 * a31 +
         a32 * a33 + a34 * a35 + p[k & 3];
}

NOINLINE double dpoly(double x) { return x * x * 0.5 + x - 3.0; }

__kernel void caller(__global float *out, __global const float *a, __global int *io, int n) {
  uint i = GID;
  float x = a[i];
  float p[4] = {x, x + 1, x + 2, x + 3};
  float r = poly(x, 1.5f, -2.0f, a[i + 1]);
  r += many_args(x, r, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
                 25, 26, 27, 28, 29, 30, 31, 32, 33, x * r, n, p);
  r += (float)dpoly((double)x);
  io[i] = fib(n & 15);
  accumulate(out + i * 8, r, n & 7);
  out[i] = r;
}
