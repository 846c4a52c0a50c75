// Bitonic sort in LDS (compare-exchange with divergent swaps) and a block-wide exclusive scan
// using LDS + wave intrinsics; histogram with byte extraction.
// builds: -O3 | -O2 -mwavefrontsize64
#define LID __builtin_amdgcn_workitem_id_x()
#define WG __builtin_amdgcn_workgroup_id_x()

__kernel void bitonic(__global uint *data) {
  __local uint s[512];
  uint l = LID;
  s[l] = data[WG * 512 + l];
  s[l + 256] = data[WG * 512 + l + 256];
  __builtin_amdgcn_s_barrier();
  for (uint size = 2; size <= 512; size <<= 1) {
    for (uint stride = size >> 1; stride > 0; stride >>= 1) {
      uint pos = 2 * l - (l & (stride - 1));
      uint a = s[pos], b = s[pos + stride];
      bool up = ((pos & size) == 0);
      if ((a > b) == up) { s[pos] = b; s[pos + stride] = a; }
      __builtin_amdgcn_s_barrier();
    }
  }
  data[WG * 512 + l] = s[l];
  data[WG * 512 + l + 256] = s[l + 256];
}

__kernel void block_scan(__global int *out, __global const int *in, __global int *sums) {
  __local int wsum[16];
  uint l = LID;
  int x = in[WG * 256 + l], incl = x;
  uint lane = l % __AMDGCN_WAVEFRONT_SIZE, wid = l / __AMDGCN_WAVEFRONT_SIZE;
  for (uint off = 1; off < __AMDGCN_WAVEFRONT_SIZE; off <<= 1) {
    int y = __builtin_amdgcn_ds_bpermute((int)((lane - off) << 2), incl);
    if (lane >= off) incl += y;
  }
  if (lane == __AMDGCN_WAVEFRONT_SIZE - 1) wsum[wid] = incl;
  __builtin_amdgcn_s_barrier();
  int base = 0;
  for (uint w = 0; w < wid; ++w) base += wsum[w];
  out[WG * 256 + l] = base + incl - x;
  if (l == 255) sums[WG] = base + incl;
}

__kernel void histogram(__global uint *hist, __global const uint *in, uint n) {
  __local uint h[256];
  uint l = LID;
  h[l] = 0;
  __builtin_amdgcn_s_barrier();
  for (uint k = WG * 256 + l; k < n; k += 256 * 64) {
    uint v = in[k];
    __atomic_fetch_add(&h[v & 0xff], 1u, __ATOMIC_RELAXED);
    __atomic_fetch_add(&h[(v >> 8) & 0xff], 1u, __ATOMIC_RELAXED);
    __atomic_fetch_add(&h[(v >> 16) & 0xff], 1u, __ATOMIC_RELAXED);
    __atomic_fetch_add(&h[v >> 24], 1u, __ATOMIC_RELAXED);
  }
  __builtin_amdgcn_s_barrier();
  __atomic_fetch_add(&hist[l], h[l], __ATOMIC_RELAXED);
}
