// 8/16-bit integers: byte/short loads and stores (sign/zero extend, d16), packed i16 math, sdwa/op_sel.
// builds: -O3 | -O0
#define GID (__builtin_amdgcn_workgroup_id_x() * __builtin_amdgcn_workgroup_size_x() + __builtin_amdgcn_workitem_id_x())
typedef short s2 __attribute__((ext_vector_type(2)));
typedef ushort us2 __attribute__((ext_vector_type(2)));

__kernel void bytes_shorts(__global char *co, __global uchar *uo, __global short *so, __global ushort *uso,
                           __global const char *c, __global const uchar *uc, __global const short *s,
                           __global const ushort *us) {
  uint i = GID;
  char a = c[i];
  uchar b = uc[i * 3];
  short d = s[i];
  ushort e = us[i + 5];
  co[i] = (char)(a * b + (a >> 2));
  uo[i] = (uchar)(b + e) ^ (uchar)(a < 0 ? 0x80 : 0x7f);
  so[i] = (short)(d * (short)a + (short)e) - (short)(d >> 3);
  uso[i] = (ushort)(e / (ushort)(b | 1)) + (ushort)(e > (ushort)d ? e : (ushort)d);
  so[i + 1024] = __builtin_elementwise_add_sat(d, (short)a);
  uo[i + 4096] = __builtin_elementwise_sub_sat(b, (uchar)e);
}

__kernel void packed_i16(__global s2 *out, __global us2 *uout, __global const s2 *a, __global const us2 *b) {
  uint i = GID;
  s2 x = a[i], y = a[i + 2];
  us2 u = b[i], v = b[i + 3];
  out[i] = x * y + x - (y >> 1) + (x << (s2)(1, 2));                 // v_pk_mad_i16, v_pk_ashrrev
  out[i + 512] = __builtin_elementwise_max(x, y) - __builtin_elementwise_min(x, y);
  out[i + 1024] = __builtin_elementwise_add_sat(x, y);
  uout[i] = u * v + (u >> 3) + __builtin_elementwise_max(u, v) - __builtin_elementwise_min(u, v);
  uout[i + 512] = __builtin_elementwise_sub_sat(u, v);
}
