// Private memory: a large dynamically indexed array lives in scratch (scratch_*/buffer_* ops);
// a small one is indexed in registers (v_movrel / s_set_gpr_idx / waterfall loops).
// builds: -O3 | -O1
#define GID (__builtin_amdgcn_workgroup_id_x() * __builtin_amdgcn_workgroup_size_x() + __builtin_amdgcn_workitem_id_x())

__kernel void big_private(__global float *out, __global const float *a, __global const int *idx, int n) {
  uint i = GID;
  float buf[512];
  for (int k = 0; k < 512; ++k) buf[k] = a[(i + k) & 1023];
  for (int k = 0; k < n; ++k) {
    int j = idx[k] & 511;
    buf[j] = buf[(j * 7) & 511] + buf[(j + (int)i) & 511];
  }
  double d[64];                                                    // 64-bit scratch accesses
  for (int k = 0; k < 64; ++k) d[k] = (double)buf[k * 8];
  char c[128];                                                     // byte scratch accesses
  for (int k = 0; k < 128; ++k) c[k] = (char)k;
  int j = idx[i] & 511;
  out[i] = buf[j] + buf[511 - j] + (float)d[j & 63] + c[j & 127];
}

__kernel void small_private(__global int *out, __global const int *a, uint sel) {
  uint i = GID;
  int v[16];
  for (int k = 0; k < 16; ++k) v[k] = a[i * 16 + k];
  int t = v[a[i] & 15];                                            // divergent index
  v[sel & 15] = t;                                                 // uniform index
  out[i] = v[(i + 3) & 15] + v[sel & 15] + t + v[sel >> 4 & 15];
}
