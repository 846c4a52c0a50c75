// Scalar special/program-control ops: s_sleep, s_memtime/s_memrealtime/s_getreg/s_setreg, s_sendmsg,
// s_setprio, perf levels, ttrace, cache invalidates, fences, dispatch/implicit-arg pointers, s_getpc,
// gfx12 split barriers, s_sleep_var, endpgm.
// builds: -O3
#define LID __builtin_amdgcn_workitem_id_x()

__kernel void special(__global ulong *out, __global uint *uo, int a) {
  ulong t0 = __builtin_readcyclecounter();
  __builtin_amdgcn_s_sleep(3);
  __builtin_amdgcn_s_setprio(2);
  __builtin_amdgcn_s_incperflevel(1);
  __builtin_amdgcn_s_decperflevel(1);
  __builtin_amdgcn_s_ttracedata(a);
  uint hw = __builtin_amdgcn_s_getreg((1 << 0) | (0 << 6) | (31 << 11));  // HW_REG_MODE
  __builtin_amdgcn_s_setreg((1 << 0) | (0 << 6) | (3 << 11), a & 15);      // rounding mode bits
  __builtin_amdgcn_s_dcache_inv();
  __builtin_amdgcn_fence(__ATOMIC_SEQ_CST, "agent");
  __builtin_amdgcn_fence(__ATOMIC_ACQUIRE, "");                            // system scope
  __builtin_amdgcn_fence(__ATOMIC_RELEASE, "wavefront");
#if defined(__gfx942__)
  ulong t1 = __builtin_amdgcn_s_memtime() + __builtin_amdgcn_s_memrealtime();
  __builtin_amdgcn_s_dcache_wb();
  __builtin_amdgcn_buffer_wbinvl1();
#else
  ulong t1 = __builtin_amdgcn_s_sendmsg_rtnl(0x80) + __builtin_amdgcn_s_sendmsg_rtn(0x83);  // realtime
  __builtin_amdgcn_s_ttracedata_imm(7);
  __builtin_amdgcn_s_wait_event_export_ready();
#endif
#if defined(__GFX12__)
  __builtin_amdgcn_s_sleep_var(a & 7);
  __builtin_amdgcn_s_barrier_signal(-1);
  __builtin_amdgcn_s_barrier_wait(-1);
  hw += __builtin_amdgcn_s_get_barrier_state(-1);
  if (__builtin_amdgcn_s_barrier_signal_isfirst(-1)) hw ^= 1;
  __builtin_amdgcn_s_barrier_wait(-1);
#endif
  ulong pc = (ulong)__builtin_amdgcn_s_getpc();
  __constant uchar *dp = (__constant uchar *)__builtin_amdgcn_dispatch_ptr();
  __constant uint *ia = (__constant uint *)__builtin_amdgcn_implicitarg_ptr();
  uo[LID] = hw + *(__constant ushort *)(dp + 4) + ia[0] + ia[6] + __builtin_amdgcn_groupstaticsize();
  if (a == 1234) { __builtin_amdgcn_s_sendmsghalt(1, 0); __builtin_amdgcn_endpgm(); }
  __builtin_amdgcn_s_sendmsg(1, 0);
  __builtin_amdgcn_s_waitcnt(0);
  out[LID] = t1 - t0 + pc;
}

// Scheduling hints and barriers inside a loop (sched_group_barrier, iglp_opt, wave_barrier).
__kernel void sched_hints(__global float *o, __global const float *a, int n) {
  __local float s[64];
  float acc = 0.0f;
  for (int k = 0; k < n; ++k) {
    s[LID & 63] = a[k * 64 + LID];
    __builtin_amdgcn_wave_barrier();
    acc += s[(LID + 1) & 63];
    __builtin_amdgcn_sched_group_barrier(0x2, 4, 0);
    __builtin_amdgcn_sched_group_barrier(0x100, 1, 0);
    __builtin_amdgcn_sched_barrier(0);
  }
  __builtin_amdgcn_iglp_opt(0);
  o[LID] = acc;
}
