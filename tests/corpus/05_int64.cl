// 64-bit integers: add/sub with carry, mul (lo/hi pieces), div/rem (big expansion), shifts, compares.
// builds: -O3 | -O0
#define GID (__builtin_amdgcn_workgroup_id_x() * __builtin_amdgcn_workgroup_size_x() + __builtin_amdgcn_workitem_id_x())

__kernel void i64_vector(__global long *out, __global const long *a, __global const ulong *b) {
  uint i = GID;
  long x = a[i], y = a[i + 3];
  ulong u = b[i], v = b[i + 5];
  long r = x * y + (x >> 13) - (y << 7);
  r += (long)(u / (v | 1)) + x % (y | 1);
  r ^= (long)(u >> (v & 63)) + (x >> (y & 63)) + (long)(u << (x & 63));
  r += (x < y) ? x : y;
  r += (u > v) ? (long)u : (long)v;
  r += __builtin_popcountl(u) + __builtin_clzl(v | 1) + __builtin_ctzl(u | 0x10000);
  r += (long)__builtin_bitreverse64(u);
  out[i] = r;
}

__kernel void i64_scalar(__global long *out, long a, long b, ulong c) {
  long r = a * b + (a >> 17) - (b << 3) + (long)(c >> 40);
  r += a / (b | 1) + (long)(c % 1000003ul);
  r |= (a & b) ^ (long)(~c);
  r += (a < b) ? a : b;
  r += __builtin_popcountl(c) + __builtin_clzl(c | 1) + (long)__builtin_bitreverse64(c);
  out[__builtin_amdgcn_workitem_id_x()] = r;
}
