// Hand-written gfx1100 assembly for tests/isa/test_encode.py: each line goes through our assembler and llvm-mc-19,
// which must give identical bytes (bare mnemonics, literals, modifiers, negative offsets, symbolic immediates),
// except where llvm-mc's bytes print as another text (v_add_nc_u16 v0, 0.5, v1): ours print as written.
v_add_f32 v0, v1, v2
v_add_f32 v0, s1, v2
v_add_f32 v0, v1, s2
v_add_f32 v0, 1.0, v2
v_add_f32 v0, v1, 1.0
v_add_f32 v0, 0x3f800000, v2
v_add_f32 v0, 1.5, v2
v_add_f32 v0, -1.5, v2
v_add_f32 v0, 0.15915494, v2
v_add_f32 v0, -4.0, v2
v_add_f32 v0, 64, v2
v_add_f32 v0, 65, v2
v_add_f32 v0, -16, v2
v_add_f32 v0, -17, v2
v_add_f32 v0, 0xffffffff, v2
v_add_f32 v0, -v1, v2
v_add_f32 v0, |v1|, v2
v_add_f32 v0, -|v1|, -|v2|
v_add_f32 v0, v1, v2 clamp
v_add_f32 v0, v1, v2 mul:2
v_add_f32 v0, v1, v2 mul:4
v_add_f32 v0, v1, v2 div:2
v_add_f32_e64 v0, v1, v2
v_add_f32_e32 v0, v1, v2
v_add_f32_e64 v0, 0x12345678, v2
v_add_f32 v0, v1, 0x12345678
v_mul_f32 v0, 0x40490fdb, v1
v_mov_b32 v0, v1
v_mov_b32 v0, s1
v_mov_b32 v0, exec_lo
v_mov_b32 v0, vcc_hi
v_mov_b32 v0, m0
v_mov_b32 v0, ttmp5
v_mov_b32 v0, 0x7fffffff
v_mov_b32 v0, -1
v_mov_b32 v0, 0.5
v_mov_b32_e64 v0, v1
v_mov_b32 v0, src_shared_base
v_cvt_f32_i32 v0, v1
v_cvt_f32_f16 v0, 1.0
v_cvt_f32_f16 v0, 0x3c00
v_cvt_f32_f16 v0, 0x1234
v_cvt_f64_f32 v[0:1], v2
v_cvt_f64_f32 v[0:1], -v2
v_sqrt_f64 v[0:1], v[2:3]
v_sqrt_f64 v[0:1], 1.0
v_sqrt_f64 v[0:1], 0x40080000
v_sqrt_f64 v[0:1], 3.0
v_sqrt_f64 v[0:1], s[2:3]
v_sqrt_f64 v[0:1], -|v[2:3]|
v_add_f64 v[0:1], v[2:3], v[4:5]
v_add_f64 v[0:1], 0.5, v[4:5]
v_add_f64 v[0:1], -v[2:3], s[4:5]
v_fma_f64 v[0:1], v[2:3], v[4:5], v[6:7]
v_fma_f32 v0, v1, v2, v3
v_fma_f32 v0, v1, 2.0, v3
v_fma_f32 v0, v1, 0x41200000, v3
v_fma_f32 v0, -v1, |v2|, -|v3| clamp div:2
v_fma_f32 v0, s1, s1, v3
v_fma_f32 v0, 1.5, v2, 1.5
v_fmac_f32 v0, v1, v2
v_fmac_f32 v0, 0x42000000, v2
v_fmac_f32 v0, v1, s2
v_fmaak_f32 v0, v1, v2, 0x41000000
v_fmamk_f32 v0, v1, 0x41000000, v2
v_fmaak_f32 v0, 2.0, v2, 0x41000000
v_mad_u64_u32 v[0:1], null, v2, v3, v[4:5]
v_mad_u64_u32 v[0:1], s2, v2, v3, v[4:5]
v_mad_u64_u32 v[0:1], vcc_lo, v2, v3, 0
v_add_co_u32 v0, vcc_lo, v1, v2
v_add_co_u32 v0, s4, v1, v2
v_add_co_u32 v0, vcc_lo, s1, v2
v_add_co_ci_u32 v0, vcc_lo, v1, v2, vcc_lo
v_add_co_ci_u32 v0, vcc_lo, 0, v2, vcc_lo
v_add_co_ci_u32 v0, s4, v1, v2, s5
v_add_co_ci_u32_e64 v0, vcc_lo, v1, v2, vcc_lo
v_sub_co_ci_u32 v0, vcc_lo, v1, v2, vcc_lo
v_cndmask_b32 v0, v1, v2, vcc_lo
v_cndmask_b32 v0, 0, v2, vcc_lo
v_cndmask_b32 v0, v1, 0, vcc_lo
v_cndmask_b32 v0, v1, v2, s4
v_cndmask_b32 v0, -v1, v2, vcc_lo
v_cndmask_b32_e64 v0, v1, v2, vcc_lo
v_cmp_eq_u32 vcc_lo, v1, v2
v_cmp_eq_u32 vcc_lo, s1, v2
v_cmp_eq_u32 vcc_lo, v1, s2
v_cmp_eq_u32 s4, v1, v2
v_cmp_eq_u32 vcc_lo, 0x1234, v2
v_cmp_eq_u32 vcc_lo, 5, v2
v_cmp_lt_f32 vcc_lo, -v1, v2
v_cmp_lt_f32 s0, |v1|, v2
v_cmp_class_f32 vcc_lo, v1, 3
v_cmp_class_f32 vcc_lo, v1, v2
v_cmp_gt_u64 vcc_lo, v[0:1], v[2:3]
v_cmp_ne_u64 vcc_lo, 0, v[2:3]
v_cmpx_eq_u32 v1, v2
v_cmpx_eq_u32 s1, v2
v_cmpx_eq_u32 v1, s2
v_cmpx_eq_u32_e64 v1, v2
v_cmpx_lt_f32 -v1, v2
v_lshlrev_b32 v0, 2, v1
v_lshlrev_b32 v0, v1, 2
v_lshlrev_b64 v[0:1], 2, v[2:3]
v_lshlrev_b64 v[0:1], 2, 0x12345678
v_lshlrev_b64 v[0:1], 2, -5
v_lshlrev_b64 v[0:1], 2, 1.0
v_lshlrev_b64 v[0:1], v2, s[4:5]
v_and_b32 v0, 0xff, v1
v_and_b32 v0, 0x3f800000, v1
v_and_b32 v0, 1.5, v1
v_and_or_b32 v0, v1, 0xff, v2
v_bfe_u32 v0, v1, 8, 4
v_bfe_u32 v0, v1, 8, 0x12345
v_lshl_add_u32 v0, v1, 2, s3
v_readfirstlane_b32 s0, v1
v_readlane_b32 s0, v1, s2
v_readlane_b32 s0, v1, 5
v_writelane_b32 v0, s1, 5
v_writelane_b32 v0, s1, s2
v_add_f16 v0, v1, v2
v_add_f16 v0, 1.0, v2
v_add_f16 v0, 0x3c00, v2
v_add_f16 v0, 0x1234, v2
v_add_f16 v0, 1.5, v2
v_add_f16 v0, -1, v2
v_add_f16 v0, 0xffff, v2
v_add_f16 v0, -100, v2
v_add_f16 v0, -v1, v2
v_add_f16_e64 v0, v1, v2 clamp
v_add_nc_u16 v0, v1, v2
v_add_nc_u16 v0, 5, v1
v_add_nc_u16 v0, 0x1234, v1
v_add_nc_u16 v0, -100, v1
v_add_nc_u16 v0, 0.5, v1
v_add_nc_u16 v0, v1, v2 op_sel:[1,0,0]
v_add_nc_u16 v0, v1, v2 op_sel:[0,0,1]
v_add_nc_u16 v0, v1, v2 op_sel:[1,1,1]
v_mad_u16 v0, v1, v2, v3 op_sel:[1,0,0,1]
v_fma_f16 v0, v1, v2, v3 op_sel:[0,1,0,0]
v_fma_f16 v0, v1, 0x1234, v3
v_cvt_f16_f32 v0, v1
v_cvt_f16_f32_e64 v0, -v1
v_cvt_pk_rtz_f16_f32 v0, v1, v2
v_cvt_pk_rtz_f16_f32 v0, v1, 1.0
v_pack_b32_f16 v0, v1, v2
v_pack_b32_f16 v0, v1, v2 op_sel:[1,1,0]
v_pk_add_f16 v0, v1, v2
v_pk_add_f16 v0, 1.0, v2
v_pk_add_f16 v0, 0x3c00, v2
v_pk_add_f16 v0, 0x3c003c00, v2
v_pk_add_f16 v0, v1, v2 op_sel:[1,0]
v_pk_add_f16 v0, v1, v2 op_sel_hi:[0,1]
v_pk_add_f16 v0, v1, v2 op_sel_hi:[0,0]
v_pk_add_f16 v0, v1, v2 neg_lo:[1,0]
v_pk_add_f16 v0, v1, v2 neg_hi:[0,1]
v_pk_add_f16 v0, v1, v2 clamp
v_pk_add_u16 v0, v1, v2
v_pk_add_u16 v0, 0x3c00, v2
v_pk_add_u16 v0, 1.0, v2
v_pk_add_u16 v0, 0xffffffff, v2
v_pk_fma_f16 v0, v1, v2, v3
v_pk_fma_f16 v0, v1, v2, v3 op_sel_hi:[0,0,0]
v_pk_fma_f16 v0, v1, v2, v3 op_sel:[1,1,1] op_sel_hi:[1,0,1] neg_lo:[1,1,0] neg_hi:[0,0,1]
v_pk_mul_f16 v0, s1, v2
v_pk_mad_u16 v0, v1, v2, v3
v_fma_mix_f32 v0, v1, v2, v3
v_fma_mix_f32 v0, v1, v2, v3 op_sel_hi:[1,1,1]
v_fma_mix_f32 v0, -v1, |v2|, v3 op_sel:[1,0,0] op_sel_hi:[1,0,0]
v_fma_mixlo_f16 v0, v1, v2, v3 op_sel_hi:[1,1,0] clamp
v_dot2_f32_f16 v0, v1, v2, v3
v_dot2_f32_f16 v0, v1, v2, v3 neg_lo:[1,0,0]
v_dot2_f32_bf16 v0, 1.0, v1, v2
v_dot2_f32_bf16 v0, 0x3f80, v1, v2
v_dot4_i32_iu8 v0, v1, v2, v3
v_dot4_i32_iu8 v0, v1, v2, v3 neg_lo:[1,1,0]
v_dot2_bf16_bf16 v0, 1.0, v1, v2
v_dot2_bf16_bf16 v0, 0x3f80, v1, v2
v_dual_mul_f32 v0, v1, v2 :: v_dual_add_f32 v3, v4, v5
v_dual_mov_b32 v0, v1 :: v_dual_mov_b32 v3, v4
v_dual_mov_b32 v0, 1.0 :: v_dual_mov_b32 v3, s4
v_dual_fmaak_f32 v0, v1, v2, 0x41000000 :: v_dual_mov_b32 v3, 0x41000000
v_dual_fmamk_f32 v0, v1, 0x41000000, v2 :: v_dual_add_f32 v3, v4, v5
v_dual_cndmask_b32 v0, v1, v2 :: v_dual_cndmask_b32 v3, v4, v5
v_dual_fmac_f32 v0, v1, v2 :: v_dual_fmac_f32 v3, v4, v5
v_dual_add_f32 v0, 0x12345678, v2 :: v_dual_mul_f32 v1, 0x12345678, v5
v_add_f32 v0, v1, v2 row_shl:1
v_add_f32 v0, v1, v2 row_shr:15 row_mask:0x5 bank_mask:0xa
v_add_f32 v0, v1, v2 row_ror:3 bound_ctrl:1 fi:1
v_add_f32 v0, -v1, |v2| quad_perm:[1,0,3,2]
v_add_f32_dpp v0, v1, v2 quad_perm:[0,0,0,0] row_mask:0xf bank_mask:0xf
v_add_f32 v0, v1, v2 dpp8:[7,6,5,4,3,2,1,0]
v_add_f32 v0, v1, v2 dpp8:[0,1,2,3,4,5,6,7] fi:1
v_mov_b32 v0, v1 row_mirror
v_mov_b32 v0, v1 row_half_mirror
v_mov_b32 v0, v1 row_share:3
v_mov_b32 v0, v1 row_xmask:15
v_fma_f32 v0, v1, v2, v3 row_shl:1
v_fma_f32 v0, -v1, v2, |v3| quad_perm:[3,2,1,0]
v_cmp_eq_f32 vcc_lo, v1, v2 row_shl:1
v_cmp_eq_f32 s2, v1, v2 row_shl:1
v_cndmask_b32 v0, v1, v2, vcc_lo row_shl:1
v_add_co_ci_u32 v0, vcc_lo, v1, v2, vcc_lo row_shr:2
s_mov_b32 s0, s1
s_mov_b32 s0, 0
s_mov_b32 s0, -1
s_mov_b32 s0, 0x12345678
s_mov_b32 s0, 1.0
s_mov_b32 s0, 1.5
s_mov_b32 s0, -2147483648
s_mov_b32 s0, 4294967295
s_mov_b32 vcc_lo, exec_lo
s_mov_b32 m0, s1
s_mov_b32 ttmp2, s1
s_mov_b32 s0, src_shared_base
s_mov_b64 s[0:1], s[2:3]
s_mov_b64 s[0:1], exec
s_mov_b64 vcc, 0
s_mov_b64 s[0:1], 0xffffffff
s_mov_b64 s[0:1], -100
s_mov_b64 s[0:1], 1.0
s_mov_b64 s[0:1], 0.15915494309189532
s_mov_b64 ttmp[4:5], s[2:3]
s_and_b32 s0, s1, 0xffff
s_and_b64 s[0:1], s[2:3], exec
s_and_saveexec_b32 s0, vcc_lo
s_or_b32 exec_lo, exec_lo, s0
s_add_u32 s0, s1, 0x10
s_add_u32 s0, 0x10000, 0x10000
s_addc_u32 s1, s1, 0
s_lshl_b64 s[0:1], s[2:3], 2
s_cselect_b32 s0, s1, 0
s_cmp_eq_u32 s0, 0
s_cmp_lg_u32 s0, 0x1234
s_cmp_eq_u64 s[0:1], 0
s_bitcmp1_b32 s0, 3
s_movk_i32 s0, 0x1234
s_movk_i32 s0, -1
s_movk_i32 s0, 0xffff
s_cmpk_eq_u32 s0, 0x10
s_addk_i32 s0, 0x10
s_mulk_i32 s0, -3
s_getreg_b32 s0, hwreg(HW_REG_MODE)
s_getreg_b32 s0, hwreg(HW_REG_HW_ID1, 4, 8)
s_getreg_b32 s0, hwreg(1, 0, 32)
s_getreg_b32 s0, hwreg(52, 8, 3)
s_setreg_b32 hwreg(HW_REG_MODE, 0, 4), s0
s_setreg_imm32_b32 hwreg(HW_REG_MODE), 0x12345
s_version UC_VERSION_GFX11
s_call_b64 s[30:31], 12
s_waitcnt_vscnt null, 0x0
s_waitcnt_vmcnt null, 0x3
s_nop 0
s_nop 7
s_nop 0x41
s_endpgm
s_barrier
s_branch 5
s_branch -5
s_cbranch_scc0 0
s_cbranch_scc1 -1
s_cbranch_execz 43
s_cbranch_vccnz 65535
s_waitcnt vmcnt(0)
s_waitcnt lgkmcnt(0)
s_waitcnt expcnt(0)
s_waitcnt vmcnt(0) lgkmcnt(0)
s_waitcnt vmcnt(0) & lgkmcnt(0)
s_waitcnt vmcnt(0), lgkmcnt(0)
s_waitcnt vmcnt(1) expcnt(2) lgkmcnt(3)
s_waitcnt 0
s_waitcnt 0x3f7
s_delay_alu instid0(VALU_DEP_1)
s_delay_alu instid0(VALU_DEP_1) | instskip(NEXT) | instid1(VALU_DEP_2)
s_delay_alu instid0(SALU_CYCLE_1)
s_delay_alu instid0(TRANS32_DEP_1) | instskip(SKIP_2) | instid1(VALU_DEP_1)
s_delay_alu 0
s_sendmsg sendmsg(MSG_DEALLOC_VGPRS)
s_sendmsg sendmsg(MSG_INTERRUPT)
s_sendmsg 3
s_sendmsg_rtn_b32 s0, sendmsg(MSG_RTN_GET_REALTIME)
s_sendmsg_rtn_b64 s[0:1], sendmsg(MSG_RTN_GET_REALTIME)
s_waitcnt_depctr depctr_va_vdst(0)
s_waitcnt_depctr depctr_sa_sdst(0)
s_waitcnt_depctr depctr_va_vdst(0) depctr_vm_vsrc(0)
s_waitcnt_depctr 0xfff
s_load_b32 s4, s[0:1], 0x0
s_load_b32 s4, s[0:1], null
s_load_b32 s4, s[0:1], 0x10
s_load_b32 s4, s[0:1], -0x10
s_load_b32 s4, s[0:1], 0xfffff
s_load_b32 s4, s[0:1], s5
s_load_b32 s4, s[0:1], s5 offset:0x10
s_load_b32 s4, s[0:1], m0
s_load_b64 s[4:5], s[0:1], 0x8 glc
s_load_b128 s[4:7], s[0:1], 0x8 dlc
s_load_b256 s[8:15], s[0:1], 0x100 glc dlc
s_load_b512 s[16:31], s[2:3], 0x0
s_buffer_load_b32 s4, s[0:3], 0x4
s_buffer_load_b64 s[4:5], s[8:11], s1
s_gl1_inv
s_dcache_inv
global_load_b32 v0, v[2:3], off
global_load_b32 v0, v2, s[2:3]
global_load_b32 v0, v2, s[2:3] offset:-16
global_load_b32 v0, v2, s[2:3] offset:4095
global_load_b32 v0, v[2:3], off offset:-4096 glc slc dlc
global_load_b128 v[0:3], v4, s[0:1] offset:16
global_store_b32 v[2:3], v0, off
global_store_b64 v2, v[0:1], s[4:5] offset:-8
global_atomic_add_u32 v2, v0, s[4:5]
global_atomic_add_u32 v1, v2, v0, s[4:5] glc
global_atomic_add_u32 v1, v[2:3], v0, off offset:8 glc
global_atomic_cmpswap_b32 v1, v2, v[4:5], s[4:5] glc
global_atomic_cmpswap_b64 v[0:1], v2, v[4:7], s[4:5] glc
global_load_addtid_b32 v0, s[2:3]
flat_load_b32 v0, v[2:3]
flat_load_b32 v0, v[2:3] offset:16
flat_load_b32 v0, v[2:3] offset:4095 glc
flat_store_b32 v[2:3], v0
flat_atomic_add_u32 v1, v[2:3], v0 glc
flat_atomic_add_u32 v[2:3], v0
scratch_load_b32 v0, off, off
scratch_load_b32 v0, off, s2
scratch_load_b32 v0, v1, off
scratch_load_b32 v0, v1, s2 offset:-16
scratch_load_b32 v0, off, off offset:4
scratch_store_b32 off, v0, s32 offset:4
scratch_store_b32 v1, v0, off
scratch_store_b128 off, v[0:3], off offset:16
ds_load_b32 v1, v2
ds_load_b32 v1, v2 offset:65535
ds_load_b32 v1, v2 offset:16 gds
ds_store_b32 v1, v2
ds_store_b32 v1, v2 offset:4
ds_store_b64 v1, v[2:3] offset:8
ds_store_2addr_b32 v1, v2, v3 offset0:4 offset1:8
ds_store_2addr_b32 v1, v2, v3 offset1:255
ds_load_2addr_b32 v[0:1], v2 offset0:1 offset1:2
ds_load_2addr_stride64_b64 v[0:3], v4 offset1:1
ds_add_u32 v1, v2
ds_add_rtn_u32 v0, v1, v2 offset:16
ds_cmpstore_b32 v1, v2, v3
ds_cmpstore_rtn_b32 v0, v1, v2, v3
ds_swizzle_b32 v0, v1 offset:swizzle(SWAP,1)
ds_swizzle_b32 v0, v1 offset:swizzle(SWAP,16)
ds_swizzle_b32 v0, v1 offset:swizzle(REVERSE,8)
ds_swizzle_b32 v0, v1 offset:swizzle(QUAD_PERM,1,0,3,2)
ds_swizzle_b32 v0, v1 offset:swizzle(BROADCAST,8,3)
ds_swizzle_b32 v0, v1 offset:swizzle(BITMASK_PERM,"01pi0")
ds_swizzle_b32 v0, v1 offset:0x1234
ds_gws_init v0 gds
ds_gws_sema_v gds
ds_bpermute_b32 v0, v1, v2
ds_permute_b32 v0, v1, v2 offset:4
ds_nop
buffer_load_b32 v0, off, s[0:3], 0
buffer_load_b32 v0, off, s[0:3], s4
buffer_load_b32 v0, v1, s[0:3], s4 offen offset:16 glc
buffer_load_b32 v0, v1, s[4:7], 0 idxen
buffer_load_b32 v0, v[1:2], s[0:3], 0 idxen offen
buffer_store_b32 v0, v1, s[0:3], 0 offen offset:4095 slc dlc
buffer_atomic_add_u32 v0, v1, s[0:3], 0 offen glc
tbuffer_load_format_x v1, v2, s[4:7], s3 format:[BUF_FMT_32_FLOAT] offen offset:12 glc slc dlc
tbuffer_load_format_xyzw v[0:3], off, s[0:3], 0 format:[BUF_FMT_32_32_32_32_FLOAT]
tbuffer_load_d16_format_xy v4, off, s[8:11], s3 format:[BUF_FMT_8_SINT] offset:4095
tbuffer_load_format_d16_x v1, v[2:3], s[0:3], s4 idxen offen
tbuffer_store_format_xyzw v[1:4], v[2:3], s[4:7], 0 idxen offen
tbuffer_store_format_x v1, off, s[0:3], 0.5 format:77
tbuffer_store_format_xy v[1:2], v0, s[0:3], m0 format:[BUF_DATA_FORMAT_32, BUF_NUM_FORMAT_FLOAT] idxen
exp mrt0 v0, v1, v2, v3 done
exp pos0 v0, off, v2, off row_en
exp mrtz off, off, off, off done row_en
exp dual_src_blend1 v255, v1, off, v0
v_nop
v_pipeflush
v_illegal
s_code_end
s_clause 0x1
s_sleep 2
s_trap 2
s_setprio 3
s_icache_inv
s_sethalt 1
v_permlane16_b32 v0, v1, s2, s3
v_permlanex16_b32 v0, v1, s2, s3 op_sel:[1,0]
v_permlanex16_b32 v0, v1, 0x1234, s3
v_mbcnt_lo_u32_b32 v0, -1, 0
v_mbcnt_hi_u32_b32 v0, -1, v0
v_div_scale_f32 v0, vcc_lo, v1, v1, v2
v_div_scale_f32 v0, s4, v1, v1, v2
v_div_fmas_f32 v0, v1, v2, v3
v_div_fixup_f32 v0, v1, v2, v3
v_rcp_f32 v0, v1
v_rcp_f32 v0, 4.0
v_exp_f32 v0, -v1
v_ldexp_f32 v0, v1, v2
v_ldexp_f32 v0, -v1, 5
v_frexp_mant_f64 v[0:1], v[2:3]
v_cvt_u32_f64 v0, v[2:3]
v_trig_preop_f64 v[0:1], v[2:3], 1
v_med3_f32 v0, v1, v2, v3
v_max3_u32 v0, v1, v2, 0x100
v_sad_u32 v0, v1, v2, v3
v_alignbit_b32 v0, v1, v2, 8
v_perm_b32 v0, v1, v2, 0x5040100
v_wmma_f32_16x16x16_f16 v[8:15], v[54:61], v[38:45], v[8:15]
v_wmma_i32_16x16x16_iu8 v[0:7], v[78:81], v[82:85], v[0:7] neg_lo:[1,0,0] clamp
v_add_f32 v0,v1,v2
v_add_f32 v0, v1, v2 row_shl:1 bound_ctrl:0
