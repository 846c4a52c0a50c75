// Hand-written gfx942 (CDNA3) assembly for tests/isa/test_encode.py: each line goes through our assembler and
// llvm-mc-19 -mcpu=gfx942, which must give identical bytes (GCN layouts, wave64, SDWA, gfx9 DPP, AGPRs, MFMA).
// scalar ALU and registers
s_mov_b32 s0, s1
s_mov_b32 s0, m0
s_mov_b32 m0, s0
s_mov_b32 s0, flat_scratch_lo
s_mov_b32 s0, xnack_mask_hi
s_mov_b64 s[0:1], flat_scratch
s_mov_b64 s[0:1], exec
s_mov_b64 vcc, s[2:3]
s_mov_b32 s0, 0x12345678
s_mov_b32 s0, -1
s_mov_b32 s0, 1.0
s_mov_b32 s101, ttmp15
s_mov_b64 s[100:101], ttmp[14:15]
s_add_u32 s0, s1, 64
s_addc_u32 s0, s1, 0
s_and_saveexec_b64 s[0:1], vcc
s_cmp_eq_u32 s0, 0x1000
s_movk_i32 s0, 0x1234
s_cmpk_eq_u32 s0, 0x10
s_getreg_b32 s0, hwreg(HW_REG_HW_ID)
s_setreg_imm32_b32 hwreg(HW_REG_MODE, 0, 4), 0x3
s_set_gpr_idx_on s0, gpr_idx(SRC0,DST)
s_set_gpr_idx_on s2, gpr_idx()
s_set_gpr_idx_mode gpr_idx(SRC1)
s_set_gpr_idx_off
// program control
s_endpgm
s_nop 7
s_branch -5
s_cbranch_vccz 3
s_waitcnt vmcnt(0)
s_waitcnt vmcnt(33) lgkmcnt(3)
s_waitcnt expcnt(1)
s_waitcnt vmcnt(0) expcnt(0) lgkmcnt(0)
s_waitcnt 0
s_sendmsg sendmsg(MSG_INTERRUPT)
s_barrier
s_sleep 2
s_setprio 3
// scalar memory: SGPR offset, immediate offset, SGPR plus offset:
s_load_dword s0, s[0:1], 0x10
s_load_dword s0, s[0:1], -0x10
s_load_dword s0, s[0:1], s2
s_load_dword s0, s[0:1], m0
s_load_dword s0, s[0:1], s2 offset:0x10
s_load_dwordx2 s[0:1], s[2:3], 0x0 glc
s_load_dwordx4 s[4:7], s[0:1], 0xfffff
s_load_dwordx8 s[8:15], s[0:1], 0x20
s_load_dwordx16 s[16:31], s[0:1], 0x40
s_buffer_load_dword s0, s[0:3], 0x4
s_store_dword s0, s[2:3], 0x8 glc
s_atomic_add s0, s[2:3], 0x0 glc
s_dcache_inv
s_memtime s[0:1]
s_memrealtime s[4:5]
// vector ALU: wave64 masks, 32-bit forms, no VOP3 literal
v_add_f32 v0, v1, v2
v_add_f32 v0, 1.0, v2
v_add_f32 v0, 0x12345678, v2
v_add_f32 v0, v1, s2
v_add_f32_e64 v0, -v1, |v2| clamp mul:2
v_add_co_u32 v0, vcc, v1, v2
v_add_co_u32_e64 v0, s[0:1], v1, v2
v_addc_co_u32 v0, vcc, v1, v2, vcc
v_cndmask_b32 v0, v1, v2, vcc
v_cndmask_b32_e64 v0, v1, v2, s[4:5]
v_cmp_eq_u32 vcc, v1, v2
v_cmp_eq_u32_e64 s[0:1], v1, v2
v_cmp_lt_f32_e64 s[0:1], -v1, |v2|
v_cmpx_gt_u32_e64 s[0:1], v1, v2
v_cmp_class_f32 vcc, v1, v2
v_fma_f32 v0, v1, v2, v3
v_fma_f32 v0, v1, 2.0, v3
v_fma_f64 v[0:1], v[2:3], v[4:5], v[6:7]
v_mad_u64_u32 v[0:1], s[2:3], v4, v5, v[6:7]
v_mov_b32 v0, 0x3f000000
v_mov_b64 v[0:1], v[2:3]
v_lshlrev_b64 v[0:1], 2, v[2:3]
v_readfirstlane_b32 s0, v1
v_readlane_b32 s0, v1, s2
v_writelane_b32 v0, s1, 3
v_fmaak_f32 v0, v1, v2, 0x41200000
v_fmamk_f32 v0, v1, 0x41200000, v2
v_madak_f16 v0, v1, v2, 0x4900
v_fmac_f32 v0, v1, v2
v_pk_add_f16 v0, v1, v2
v_pk_fma_f16 v0, v1, v2, v3 op_sel:[1,0,0] op_sel_hi:[0,1,1]
v_pk_mul_f32 v[0:1], v[2:3], v[4:5]
v_dot2_f32_f16 v0, v1, v2, v3
v_add_u16 v0, v1, v2
v_mad_u16 v0, v1, v2, v3
v_cvt_f32_f16 v0, v1
v_cvt_pkrtz_f16_f32 v0, v1, v2
v_ldexp_f32 v0, v1, v2
// SDWA
v_mov_b32_sdwa v0, v1 dst_sel:DWORD dst_unused:UNUSED_PRESERVE src0_sel:DWORD
v_mov_b32_sdwa v0, sext(v1) dst_sel:BYTE_0 dst_unused:UNUSED_SEXT src0_sel:WORD_1
v_add_f32_sdwa v0, v1, v2 dst_sel:WORD_1 dst_unused:UNUSED_PAD src0_sel:BYTE_0 src1_sel:DWORD
v_add_f32_sdwa v0, -|s1|, 1.0 clamp mul:2 dst_sel:BYTE_0 dst_unused:UNUSED_PRESERVE src0_sel:WORD_1 src1_sel:BYTE_2
v_add_u32_sdwa v0, v1, v2 dst_sel:WORD_0 dst_unused:UNUSED_PAD src0_sel:BYTE_1 src1_sel:BYTE_3
v_cmp_eq_f32_sdwa vcc, v1, v2 src0_sel:WORD_1 src1_sel:BYTE_2
v_cmp_eq_u32_sdwa s[2:3], v1, v2 src0_sel:BYTE_0 src1_sel:DWORD
v_cvt_f32_fp8_sdwa v0, v1 src0_sel:BYTE_1
v_add_f32 v0, v1, v2 src0_sel:BYTE_0
// gfx9 DPP
v_mov_b32_dpp v0, v1 quad_perm:[3,2,1,0] row_mask:0xf bank_mask:0xf
v_mov_b32_dpp v0, v1 row_shl:1 row_mask:0xf bank_mask:0xf bound_ctrl:1
v_mov_b32_dpp v0, v1 wave_shl:1 row_mask:0xf bank_mask:0xf
v_mov_b32_dpp v0, v1 wave_ror:1 row_mask:0xf bank_mask:0xf
v_mov_b32_dpp v0, v1 row_bcast:15 row_mask:0xa bank_mask:0xf
v_mov_b32_dpp v0, v1 row_bcast:31 row_mask:0xf bank_mask:0xf
v_mov_b32_dpp v0, v1 row_newbcast:3 row_mask:0xf bank_mask:0xf
v_mov_b32_dpp v0, v1 row_mirror row_mask:0xf bank_mask:0xf
v_add_f32_dpp v0, -v1, |v2| row_half_mirror row_mask:0xf bank_mask:0xf
v_add_f32_dpp v0, v1, v2 row_bcast:15 row_mask:0xa bank_mask:0xf bound_ctrl:0
v_fmac_f64_dpp v[0:1], v[2:3], v[4:5] row_newbcast:1 row_mask:0xf bank_mask:0xf
// AGPRs and MFMA
v_accvgpr_write_b32 a0, v1
v_accvgpr_read_b32 v0, a1
v_accvgpr_mov_b32 a0, a1
v_mfma_f32_32x32x1_2b_f32 a[0:31], v1, a2, a[0:31] cbsz:1 abid:1 blgp:2
v_mfma_f32_16x16x16_f16 v[0:3], v[4:5], v[6:7], v[0:3]
v_mfma_f32_16x16x16_f16 a[0:3], a[4:5], v[6:7], a[0:3]
v_mfma_f32_16x16x16_f16 a[0:3], v[4:5], v[6:7], 0
v_mfma_f64_16x16x4_f64 v[0:7], v[0:1], v[2:3], v[0:7] neg:[1,0,0]
v_mfma_i32_16x16x32_i8 v[0:3], v[4:5], v[6:7], v[0:3]
// LDS, with AGPR data
ds_read_b32 v0, v1
ds_read_b32 a0, v1 offset:16
ds_write_b32 v1, a2
ds_write_b64 v1, v[2:3] offset:8
ds_read2_b32 v[0:1], v2 offset0:1 offset1:2
ds_write2st64_b32 v1, v2, v3 offset1:4
ds_add_u32 v1, v2
ds_add_rtn_u32 v0, v1, v2
ds_swizzle_b32 v0, v1 offset:swizzle(SWAP,16)
ds_bpermute_b32 v0, v1, v2
// flat, global, scratch: sc0/sc1/nt, off, AGPR data
flat_load_dword v0, v[0:1]
flat_load_dword v0, v[0:1] offset:4095
flat_store_dword v[0:1], v2 sc0 sc1
flat_atomic_add v0, v[2:3], v4 sc0
global_load_dword v0, v[0:1], off
global_load_dword v0, v1, s[0:1] offset:-16 sc0 sc1 nt
global_load_dword a0, v[0:1], off
global_store_dwordx2 v[0:1], v[2:3], off offset:-4096
global_atomic_add v0, v1, v2, s[0:1] sc0
global_atomic_add v1, v2, s[0:1]
global_atomic_cmpswap_x2 v[0:1], v2, v[4:7], s[0:1] sc0
global_load_lds_dword v1, s[0:1]
global_load_lds_dword v[2:3], off
scratch_load_dword v0, off, s0
scratch_load_dword v0, v1, off
scratch_load_dword v0, off, off
scratch_store_dword off, v1, s2 offset:8
scratch_load_lds_dword v1, off
// buffers
buffer_load_dword v0, off, s[0:3], 0
buffer_load_dword v0, v1, s[0:3], s4 offen offset:16 sc0 nt sc1
buffer_load_dword v0, v[2:3], s[0:3], s4 idxen offen
buffer_load_dword a0, v1, s[0:3], 0 idxen
buffer_load_dword off, s[0:3], s4 offset:4095 lds
buffer_store_dword v0, v1, s[0:3], s4 offen offset:4095
buffer_store_lds_dword s[0:3], s4 lds
buffer_store_lds_dword s[0:3], s4 lds sc0
buffer_atomic_add v0, v1, s[0:3], 0 offen sc0
tbuffer_load_format_x v1, v2, s[4:7], s3 format:[BUF_DATA_FORMAT_32,BUF_NUM_FORMAT_FLOAT] offen offset:12 sc0 nt sc1
tbuffer_load_format_xy a[2:3], v1, s[4:7], s3 format:[BUF_NUM_FORMAT_SNORM] offen
tbuffer_load_format_d16_xyz v[2:3], off, s[4:7], -1 format:[BUF_DATA_FORMAT_INVALID] offset:4095
tbuffer_store_format_xyzw v[2:5], v[2:3], s[4:7], 0 idxen offen
tbuffer_store_format_x v1, off, s[0:3], s4 format:[BUF_DATA_FORMAT_8_8_8_8, BUF_NUM_FORMAT_UINT] offset:8
buffer_wbl2 sc1
buffer_inv sc1
