// Divergent and uniform control flow: if/else chains, switch, early return, short-circuit logic,
// exec-mask manipulation (s_and_saveexec, s_cbranch_execz), uniform branches on SCC.
// builds: -O3 | -O0 | -O1 | -O2 -mwavefrontsize64
#define GID (__builtin_amdgcn_workgroup_id_x() * __builtin_amdgcn_workgroup_size_x() + __builtin_amdgcn_workitem_id_x())

__kernel void branches(__global int *out, __global const int *a, __global const float *f, int mode) {
  uint i = GID;
  int x = a[i];
  float y = f[i];
  int r;
  if (x > 100) r = x * 3;
  else if (x > 10) r = x + (int)y;
  else if (x < -50 && y > 0.5f) r = -x;
  else r = 7;
  switch (x & 7) {
    case 0: r += 11; break;
    case 1: r *= 5; break;
    case 2: r ^= 0x55; /* fallthrough */
    case 3: r -= (int)i; break;
    case 5: r = r << 2; break;
    default: r = ~r;
  }
  switch (mode) {                    // uniform switch: SALU compares + s_cbranch_scc
    case 0: r += 1; break;
    case 1: r += x; break;
    case 2: r = (int)(y * 2.0f); break;
    case 7: out[i + 1024] = r; return;
    default: r = 0;
  }
  if ((x & 1) || (y < 0.0f && x != 3)) r += 100;
  if (y != y) return;                // early exit of some lanes
  out[i] = r;
}

// Nested divergent regions with loads inside branches and a divergent loop exit.
__kernel void nested(__global float *out, __global const float *a, __global const int *idx, int n) {
  uint i = GID;
  float acc = 0.0f;
  int j = idx[i];
  if (j >= 0) {
    if (j < n) {
      for (int k = j; k < n; k += 3) {
        float v = a[k];
        if (v < 0.0f) continue;
        if (v > 1000.0f) break;
        acc += v;
      }
    } else {
      acc = a[i] * 2.0f;
    }
  } else if (j == -1) {
    acc = -a[i];
  }
  out[i] = acc;
}
