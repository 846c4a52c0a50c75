// LDS traffic: tree reduction with barriers, ds_read2/write2 (paired offsets), b64/b96/b128 accesses,
// byte/short LDS ops, ds_swizzle, ds_permute/bpermute, transposes through LDS.
// builds: -O3 | -O2 -mwavefrontsize64
#define LID __builtin_amdgcn_workitem_id_x()
#define WG __builtin_amdgcn_workgroup_id_x()

__kernel void reduce(__global float *out, __global const float *in) {
  __local float s[256];
  uint l = LID;
  s[l] = in[WG * 256 + l] + in[WG * 256 + l + 128];
  __builtin_amdgcn_s_barrier();
  for (uint k = 128; k > 0; k >>= 1) {
    if (l < k) s[l] += s[l + k];
    __builtin_amdgcn_fence(__ATOMIC_SEQ_CST, "workgroup");
    __builtin_amdgcn_s_barrier();
  }
  if (l == 0) out[WG] = s[0];
}

__kernel void transpose(__global float4 *out, __global const float4 *in, __global int2 *o2) {
  __local float4 tile[16][17];
  __local float t2[64];
  __local int2 p2[64];
  uint l = LID, x = l & 15, y = l >> 4;
  tile[y][x] = in[WG * 256 + l];
  t2[l & 63] = tile[y][x].w;
  p2[l & 63] = (int2)((int)l, (int)WG);
  __builtin_amdgcn_s_barrier();
  out[WG * 256 + l] = tile[x][y] + tile[x][(y + 1) & 15];
  float a = t2[(l + 1) & 63], b = t2[(l + 2) & 63];   // adjacent -> ds_read2
  o2[l] = p2[(l * 5) & 63] + p2[(l + 32) & 63] + (int2)((int)a, (int)b);
}

__kernel void small_lds(__global uint *out, __global const uchar *c, __global const ushort *s) {
  __local uchar bytes[256];
  __local ushort shorts[256];
  __local float3 f3[64];
  uint l = LID;
  bytes[l] = c[l];
  shorts[l] = s[l];
  f3[l & 63] = (float3)(l, c[l], s[l]);
  __builtin_amdgcn_s_barrier();
  float3 q = f3[(l * 3) & 63];
  out[l] = bytes[255 - l] + (uint)(char)bytes[l ^ 1] + shorts[(l + 7) & 255] + (uint)(short)shorts[l ^ 3] + (uint)q.z;
}

__kernel void lane_shuffles(__global int *out, __global const int *in) {
  uint l = LID;
  int v = in[l];
  int r = __builtin_amdgcn_ds_swizzle(v, 0x041f);          // swap adjacent lanes
  r += __builtin_amdgcn_ds_swizzle(v, 0x801f) + __builtin_amdgcn_ds_swizzle(v, 0xc0f0);
  r += __builtin_amdgcn_ds_bpermute((int)((l + 1) & 31) << 2, v);
  r += __builtin_amdgcn_ds_permute((int)((l * 7) & 31) << 2, r);
  out[l] = r;
}
