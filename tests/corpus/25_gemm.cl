// Realistic tiled SGEMM: LDS double buffering, b128 loads, register blocking with fma chains,
// VOPD dual-issue on gfx11/12, s_waitcnt/s_clause/s_delay_alu heavy.
// builds: -O3
#define LID __builtin_amdgcn_workitem_id_x()
#define TS 32
#define RB 4

__attribute__((reqd_work_group_size(64, 1, 1)))
__kernel void sgemm(__global float *C, __global const float4 *A, __global const float4 *B, int K, int N,
                    float alpha, float beta) {
  __local float4 As[2][TS][TS / 4];
  __local float4 Bs[2][TS][TS / 4];
  uint l = LID, tx = l & 7, ty = l >> 3;
  uint row0 = __builtin_amdgcn_workgroup_id_y() * TS, col0 = __builtin_amdgcn_workgroup_id_x() * TS;
  float acc[RB][RB];
  for (int m = 0; m < RB; ++m)
    for (int n = 0; n < RB; ++n) acc[m][n] = 0.0f;
  int n4 = N / 4, buf = 0;
  for (int r = 0; r < 4; ++r) {
    As[0][ty * 4 + r][tx] = A[(row0 + ty * 4 + r) * n4 + tx];
    Bs[0][ty * 4 + r][tx] = B[(ty * 4 + r) * n4 + col0 / 4 + tx];
  }
  __builtin_amdgcn_s_barrier();
  for (int k0 = 0; k0 < K; k0 += TS) {
    if (k0 + TS < K) {
      for (int r = 0; r < 4; ++r) {
        As[buf ^ 1][ty * 4 + r][tx] = A[(row0 + ty * 4 + r) * n4 + (k0 + TS) / 4 + tx];
        Bs[buf ^ 1][ty * 4 + r][tx] = B[(k0 + TS + ty * 4 + r) * n4 + col0 / 4 + tx];
      }
    }
    #pragma unroll
    for (int kk = 0; kk < TS / 4; ++kk) {
      float4 a[RB], b[4];
      for (int m = 0; m < RB; ++m) a[m] = As[buf][ty * 4 + m][kk];
      for (int q = 0; q < 4; ++q) b[q] = Bs[buf][kk * 4 + q][tx];
      for (int m = 0; m < RB; ++m) {
        acc[m][0] += a[m].x * b[0].x + a[m].y * b[1].x + a[m].z * b[2].x + a[m].w * b[3].x;
        acc[m][1] += a[m].x * b[0].y + a[m].y * b[1].y + a[m].z * b[2].y + a[m].w * b[3].y;
        acc[m][2] += a[m].x * b[0].z + a[m].y * b[1].z + a[m].z * b[2].z + a[m].w * b[3].z;
        acc[m][3] += a[m].x * b[0].w + a[m].y * b[1].w + a[m].z * b[2].w + a[m].w * b[3].w;
      }
    }
    __builtin_amdgcn_s_barrier();
    buf ^= 1;
  }
  for (int m = 0; m < RB; ++m) {
    __global float4 *c = (__global float4 *)&C[(row0 + ty * 4 + m) * N + col0 + tx * 4];
    float4 old = *c;
    *c = alpha * (float4)(acc[m][0], acc[m][1], acc[m][2], acc[m][3]) + beta * old;
  }
}
