// Several small kernels in one object: per-kernel descriptors, differing resource usage, kernel with
// reqd_work_group_size, and a trivially empty kernel.
// builds: -O3 | -O0
#define LID __builtin_amdgcn_workitem_id_x()
#define WG __builtin_amdgcn_workgroup_id_x()

__kernel void empty_kernel(void) {}

__kernel void copy(__global int *dst, __global const int *src) { dst[WG * 64 + LID] = src[WG * 64 + LID]; }

__kernel void fill(__global float *dst, float v, uint n) {
  for (uint k = WG * 64 + LID; k < n; k += 64 * 1024) dst[k] = v;
}

__attribute__((reqd_work_group_size(64, 1, 1)))
__kernel void saxpy(__global float *y, __global const float *x, float a) {
  uint i = WG * 64 + LID;
  y[i] = a * x[i] + y[i];
}

__kernel void ids3d(__global uint *out) {
  uint x = __builtin_amdgcn_workitem_id_x(), y = __builtin_amdgcn_workitem_id_y(), z = __builtin_amdgcn_workitem_id_z();
  uint gx = __builtin_amdgcn_workgroup_id_x(), gy = __builtin_amdgcn_workgroup_id_y(), gz = __builtin_amdgcn_workgroup_id_z();
  uint sx = __builtin_amdgcn_workgroup_size_x(), sy = __builtin_amdgcn_workgroup_size_y(), sz = __builtin_amdgcn_workgroup_size_z();
  uint flat = ((gz * __builtin_amdgcn_grid_size_y() + gy * sy + y) * __builtin_amdgcn_grid_size_x()) + gx * sx + x;
  out[flat] = x ^ (y << 10) ^ (z << 20) ^ (sz << 28);
}

__kernel void memset_u8(__global uchar *dst, uchar v) { dst[WG * 256 + LID] = v; }
