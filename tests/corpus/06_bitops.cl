// Bit manipulation: bfe/bfi/bfm, alignbit/alignbyte, perm, popcount, ffbh/ffbl, bitreverse, rotates,
// SAD/lerp/qsad media ops, packed conversions.
// builds: -O3
#define GID (__builtin_amdgcn_workgroup_id_x() * __builtin_amdgcn_workgroup_size_x() + __builtin_amdgcn_workitem_id_x())

__kernel void bits(__global uint *out, __global ulong *lout, __global const uint *a, __global const ulong *la,
                   __global const float *f, uint sel) {
  uint i = GID;
  uint x = a[i], y = a[i + 9], z = a[i + 33];
  uint r = __builtin_amdgcn_ubfe(x, y & 31, 7) + (uint)__builtin_amdgcn_sbfe((int)y, 3, z & 15);
  r += (x & 0xff00ff00u) | (y & 0x00ff00ffu);                     // bfi pattern
  r += ((1u << (z & 15)) - 1u) << (y & 7);                         // bfm pattern
  r += __builtin_amdgcn_alignbit(x, y, z) + __builtin_amdgcn_alignbyte(y, z, x);
  r += __builtin_amdgcn_perm(x, y, 0x07030602u) + __builtin_amdgcn_perm(y, z, sel);
  r += __builtin_popcount(x) + __builtin_clz(y | 1u) + __builtin_ctz(z | 0x80000000u);
  r += __builtin_bitreverse32(x) + __builtin_rotateleft32(y, z) + __builtin_rotateright32(z, x);
  r += __builtin_amdgcn_lerp(x, y, z) + __builtin_amdgcn_sad_u8(x, y, z) + __builtin_amdgcn_msad_u8(y, z, x);
  r += __builtin_amdgcn_sad_hi_u8(x, z, y) + __builtin_amdgcn_sad_u16(z, x, y);
  r += ((x >> 24) & 0xff) * ((y >> 16) & 0xff) + (z >> 8 & 0xff);
  r += __builtin_amdgcn_cvt_pk_u8_f32(f[i], 1, x) + __builtin_amdgcn_cvt_pk_u8_f32(f[i + 1], 2, y);
  out[i] = r;
  ulong q = la[i];
  lout[i] = __builtin_amdgcn_qsad_pk_u16_u8(q, x, la[i + 1]) + __builtin_amdgcn_mqsad_pk_u16_u8(q, y, la[i + 2])
          + (ulong)__builtin_popcountl(q) + __builtin_bitreverse64(q) + __builtin_rotateleft64(q, (ulong)z);
}

// A CRC-like inner loop: loop-carried shifts, xors and conditional selects.
__kernel void crc32(__global uint *out, __global const uchar *data, uint len) {
  uint i = GID, crc = ~0u;
  for (uint k = 0; k < len; ++k) {
    crc ^= data[i * len + k];
    for (int b = 0; b < 8; ++b) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  out[i] = ~crc;
}
