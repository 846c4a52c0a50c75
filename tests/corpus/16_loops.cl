// Loop shapes: counted, unrolled, nested, do-while, data-dependent trip counts, uniform vs divergent.
// builds: -O3 | -O1 | -Os
#define GID (__builtin_amdgcn_workgroup_id_x() * __builtin_amdgcn_workgroup_size_x() + __builtin_amdgcn_workitem_id_x())

__kernel void counted(__global float *out, __global const float *a, int n) {
  uint i = GID;
  float s = 0.0f;
  for (int k = 0; k < n; ++k) s += a[k * 64 + i] * (float)k;      // uniform trip count
  #pragma unroll 4
  for (int k = 0; k < 32; ++k) s = __builtin_fmaf(s, 0.5f, a[i + k]);
  out[i] = s;
}

__kernel void nested_loops(__global int *out, __global const int *m, int rows, int cols) {
  uint i = GID;
  int acc = 0;
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      int v = m[r * cols + c];
      if (v == (int)i) goto found;                                  // multi-level break
      acc += v & 0xf;
    }
  }
  acc = -acc;
found:
  out[i] = acc;
}

__kernel void collatz(__global uint *out, __global const uint *in) {
  uint i = GID, x = in[i], steps = 0;
  do {                                                              // divergent do-while
    x = (x & 1) ? 3 * x + 1 : x >> 1;
    ++steps;
  } while (x > 1 && steps < 1000);
  out[i] = steps;
}

__kernel void while_search(__global int *out, __global const int *sorted, int n, __global const int *keys) {
  uint i = GID;
  int key = keys[i], lo = 0, hi = n;
  while (lo < hi) {                                                 // binary search
    int mid = (lo + hi) >> 1;
    if (sorted[mid] < key) lo = mid + 1; else hi = mid;
  }
  out[i] = lo;
}
