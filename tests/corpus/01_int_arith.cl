// Integer ALU: add/sub/mul (24-bit and full), hi-mul, div/rem expansions, shifts, sat math.
// builds: -O3 | -O1 | -O2 -mwavefrontsize64
#define GID (__builtin_amdgcn_workgroup_id_x() * __builtin_amdgcn_workgroup_size_x() + __builtin_amdgcn_workitem_id_x())

__kernel void int_mix(__global int *out, __global const int *a, __global const uint *b, int k, uint m) {
  uint i = GID;
  int x = a[i], y = a[i + 1];
  uint u = b[i], v = b[i + 7];
  int mul24 = ((x << 8) >> 8) * ((y << 8) >> 8);          // v_mul_i32_i24
  uint umul24 = (u & 0xffffff) * (v & 0xffffff);            // v_mul_u32_u24
  int mad24 = mul24 + ((k << 8) >> 8) * ((x << 8) >> 8);    // v_mad_i32_i24
  long wide = (long)x * (long)y;                            // mul_hi_i32 + mul_lo
  ulong uwide = (ulong)u * (ulong)m;
  out[i * 8 + 0] = mul24 + umul24 + mad24;
  out[i * 8 + 1] = (int)(wide >> 32) ^ (int)(uwide >> 32);
  out[i * 8 + 2] = x / (y | 1) + (int)(u % (v | 1));        // 32-bit div/rem expansion
  out[i * 8 + 3] = (x >> (k & 31)) + (int)(u >> (m & 31)) + (x << (u & 31));
  out[i * 8 + 4] = __builtin_elementwise_add_sat(x, y) - __builtin_elementwise_sub_sat(x, k);
  out[i * 8 + 5] = (int)(__builtin_elementwise_add_sat(u, v) + __builtin_elementwise_sub_sat(u, m));
  out[i * 8 + 6] = x / 7 + (int)(u / 13u) + x % 10;          // magic-number division
  out[i * 8 + 7] = (x < y) - (u >= v) + (x == k) * 3 + __builtin_abs(x - y);
}

// Uniform (SALU) versions of the same: everything depends only on kernel args.
__kernel void int_scalar(__global int *out, int a, int b, uint c, uint d) {
  int r = a * b + (a >> 3) - (b << 2);
  r ^= (int)(c / (d | 1u)) + a % (b | 1);
  r += (int)((long)a * b >> 32) + (int)(c >> (d & 31)) + (a < b ? a : b) + (c > d ? c : d);
  r |= (int)(~c & d) | (int)(c & ~d) | (int)~(c | d) | (int)~(c ^ d) | (int)~(c & d);
  r += __builtin_popcount(c) + __builtin_clz(d | 1) + __builtin_ctz(c | 0x100);
  r += __builtin_abs(a) + (int)__builtin_bitreverse32(c);
  out[__builtin_amdgcn_workitem_id_x()] = r;
}
