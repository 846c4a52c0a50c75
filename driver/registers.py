"""AMD GPU registers as data: for each generation, every register the driver programs, its dword offset, the register
space it lives in and its fields.

Generations (keys of REGS): "gfx11" = GC 11.0 (RDNA3, gfx110x), "gfx12" = GC 12.0 (RDNA4, gfx120x), "gfx9.4.3" = GC 9.4.3
(CDNA3, MI300: gfx940/941/942). gen_of("gfx1100") names the table of an arch.

An offset is the register's dword offset in the GPU's register space, the number PM4 packets carry and the one Mesa's
register JSON and PAL's *_offset.h give (Mesa as bytes: COMPUTE_PGM_LO is dword 0x2e0c, byte 0xb830). The Linux kernel
headers give each register as (offset, BASE_IDX) relative to the GC block's base segments; the absolute offset is
base[BASE_IDX] + offset. The rows below keep the header's pair so each row can be checked against the header line by
line, and each table names its base segments and where they come from.

Fields are NAME -> (lo, hi), inclusive bit positions, as the kernel's *_sh_mask.h defines them (names as there, upper
case). Rows are "NAME OFFSET BASE_IDX FIELD:lo-hi ..." (a one-bit field is FIELD:bit); an indented line continues the
row above; NAME_#N is N registers at consecutive offsets (NAME_0 .. NAME_{N-1}) with the same fields.
"""
from __future__ import annotations
import difflib
from typing import NamedTuple

# Register spaces, dword ranges [lo, hi). A compute queue writes SH registers with SET_SH_REG and UCONFIG registers
# with SET_UCONFIG_REG (its 16-bit offset field reaches the whole range); the rest are written by privileged code
# only. Bounds: Mesa src/amd/common/sid.h (SI_CONFIG_REG_OFFSET 0x8000, SI_SH_REG_OFFSET 0xB000, SI_CONTEXT_REG_OFFSET
# 0x28000, CIK_UCONFIG_REG_OFFSET 0x30000 .. CIK_UCONFIG_REG_END 0x40000, in bytes), the same as Linux nvd.h/soc15d.h's
# PACKET3_SET_{CONFIG,SH,CONTEXT,UCONFIG}_REG_START.
SPACES = {"CONFIG": (0x2000, 0x2C00), "SH": (0x2C00, 0x3000), "CONTEXT": (0xA000, 0xC000), "UCONFIG": (0xC000, 0x10000)}

def space_of(offset: int) -> str:
  return next((name for name, (lo, hi) in SPACES.items() if lo <= offset < hi), "PRIV")

class Register(NamedTuple):
  name: str
  offset: int                              # dword offset in the register space
  fields: dict[str, tuple[int, int]]       # NAME -> (lo, hi) inclusive
  space: str                               # SH, UCONFIG, CONFIG, CONTEXT or PRIV (see SPACES)
  @property
  def byte(self) -> int: return self.offset * 4
  def __repr__(self) -> str: return f"Register({self.name}, {self.offset:#x} = byte {self.byte:#x}, {self.space})"

def _table(base: tuple[int, ...], rows: str) -> dict[str, Register]:
  lines: list[str] = []
  for line in rows.strip("\n").splitlines():
    if line.startswith(" "): lines[-1] += line
    elif line.strip(): lines.append(line)
  out: dict[str, Register] = {}
  for line in lines:
    name, off, idx, *toks = line.split()
    fields = {}
    for t in toks:
      f, bits = t.split(":")
      lo, hi = (int(b) for b in bits.split("-")) if "-" in bits else (int(bits),) * 2
      fields[f] = (lo, hi)
    stem, _, count = name.partition("#")
    for i, nm in enumerate([f"{stem}{i}" for i in range(int(count))] if count else [name]):
      o = base[int(idx)] + int(off, 16) + i
      out[nm] = Register(nm, o, fields, space_of(o))
  return out

# ---- GC 11.0 (RDNA3). Rows: Linux drivers/gpu/drm/amd/include/asic_reg/gc/gc_11_0_0_offset.h and gc_11_0_0_sh_mask.h,
# read through tinygrad's extraction of them (tinygrad/runtime/autogen/am/regs.py, gc_11_0_0). Base segments 0x1260,
# 0xA000: the GC_BASE Mesa's src/amd/registers/parse_kernel_headers.py gives gfx11. Cross-checked: every address equals
# Mesa's src/amd/registers/gfx11.json (which calls SE0..3 COMPUTE_DESTINATION_EN_SE0..3, at the same offsets) and the
# SQ_THREAD_TRACE_* ones PAL's src/core/hw/gfxip/gfx9/chip/gfx9_plus_merged_offset.h (namespace Gfx11).
GFX11 = _table((0x1260, 0xA000), """
COMPUTE_DISPATCH_INITIATOR       0x1ba0 0  COMPUTE_SHADER_EN:0 PARTIAL_TG_EN:1 FORCE_START_AT_000:2 ORDERED_APPEND_ENBL:3
                                           ORDERED_APPEND_MODE:4 USE_THREAD_DIMENSIONS:5 ORDER_MODE:6 SCALAR_L1_INV_VOL:10
                                           VECTOR_L1_INV_VOL:11 RESERVED:12 TUNNEL_ENABLE:13 RESTORE:14 CS_W32_EN:15
                                           AMP_SHADER_EN:16 DISABLE_DISP_PREMPT_EN:17
COMPUTE_START_X                  0x1ba4 0  START:0-31
COMPUTE_START_Y                  0x1ba5 0  START:0-31
COMPUTE_START_Z                  0x1ba6 0  START:0-31
COMPUTE_NUM_THREAD_X             0x1ba7 0  NUM_THREAD_FULL:0-15 NUM_THREAD_PARTIAL:16-31
COMPUTE_NUM_THREAD_Y             0x1ba8 0  NUM_THREAD_FULL:0-15 NUM_THREAD_PARTIAL:16-31
COMPUTE_NUM_THREAD_Z             0x1ba9 0  NUM_THREAD_FULL:0-15 NUM_THREAD_PARTIAL:16-31
COMPUTE_PERFCOUNT_ENABLE         0x1bab 0  PERFCOUNT_ENABLE:0
COMPUTE_PGM_LO                   0x1bac 0  DATA:0-31
COMPUTE_PGM_HI                   0x1bad 0  DATA:0-7
COMPUTE_DISPATCH_SCRATCH_BASE_LO 0x1bb0 0  DATA:0-31
COMPUTE_DISPATCH_SCRATCH_BASE_HI 0x1bb1 0  DATA:0-7
COMPUTE_PGM_RSRC1                0x1bb2 0  VGPRS:0-5 SGPRS:6-9 PRIORITY:10-11 FLOAT_MODE:12-19 PRIV:20 DX10_CLAMP:21
                                           IEEE_MODE:23 BULKY:24 FP16_OVFL:26 WGP_MODE:29 MEM_ORDERED:30 FWD_PROGRESS:31
COMPUTE_PGM_RSRC2                0x1bb3 0  SCRATCH_EN:0 USER_SGPR:1-5 TRAP_PRESENT:6 TGID_X_EN:7 TGID_Y_EN:8 TGID_Z_EN:9
                                           TG_SIZE_EN:10 TIDIG_COMP_CNT:11-12 EXCP_EN_MSB:13-14 LDS_SIZE:15-23 EXCP_EN:24-30
COMPUTE_RESOURCE_LIMITS          0x1bb5 0  WAVES_PER_SH:0-9 TG_PER_CU:12-15 LOCK_THRESHOLD:16-21 SIMD_DEST_CNTL:22
                                           FORCE_SIMD_DIST:23 CU_GROUP_COUNT:24-26
COMPUTE_STATIC_THREAD_MGMT_SE0   0x1bb6 0  SA0_CU_EN:0-15 SA1_CU_EN:16-31
COMPUTE_STATIC_THREAD_MGMT_SE1   0x1bb7 0  SA0_CU_EN:0-15 SA1_CU_EN:16-31
COMPUTE_TMPRING_SIZE             0x1bb8 0  WAVES:0-11 WAVESIZE:12-26
COMPUTE_STATIC_THREAD_MGMT_SE2   0x1bb9 0  SA0_CU_EN:0-15 SA1_CU_EN:16-31
COMPUTE_STATIC_THREAD_MGMT_SE3   0x1bba 0  SA0_CU_EN:0-15 SA1_CU_EN:16-31
COMPUTE_RESTART_X                0x1bbb 0  RESTART:0-31
COMPUTE_RESTART_Y                0x1bbc 0  RESTART:0-31
COMPUTE_RESTART_Z                0x1bbd 0  RESTART:0-31
COMPUTE_THREAD_TRACE_ENABLE      0x1bbe 0  THREAD_TRACE_ENABLE:0
COMPUTE_DISPATCH_ID              0x1bc0 0  DISPATCH_ID:0-31
COMPUTE_PGM_RSRC3                0x1bc8 0  SHARED_VGPR_CNT:0-3 INST_PREF_SIZE:4-9 TRAP_ON_START:10 TRAP_ON_END:11
                                           IMAGE_OP:31
COMPUTE_STATIC_THREAD_MGMT_SE4   0x1bcb 0  SA0_CU_EN:0-15 SA1_CU_EN:16-31
COMPUTE_STATIC_THREAD_MGMT_SE5   0x1bcc 0  SA0_CU_EN:0-15 SA1_CU_EN:16-31
COMPUTE_STATIC_THREAD_MGMT_SE6   0x1bcd 0  SA0_CU_EN:0-15 SA1_CU_EN:16-31
COMPUTE_STATIC_THREAD_MGMT_SE7   0x1bce 0  SA0_CU_EN:0-15 SA1_CU_EN:16-31
COMPUTE_DISPATCH_INTERLEAVE      0x1bcf 0  INTERLEAVE:0-9
COMPUTE_USER_DATA_#16            0x1be0 0  DATA:0-31
GRBM_GFX_INDEX                   0x2200 1  INSTANCE_INDEX:0-7 SA_INDEX:8-15 SE_INDEX:16-23 SA_BROADCAST_WRITES:29
                                           INSTANCE_BROADCAST_WRITES:30 SE_BROADCAST_WRITES:31
SQ_THREAD_TRACE_USERDATA_#8      0x2340 1  DATA:0-31
SPI_CONFIG_CNTL                  0x2440 1  GPR_WRITE_PRIORITY:0-20 EXP_PRIORITY_ORDER:21-23 ENABLE_SQG_TOP_EVENTS:24
                                           ENABLE_SQG_BOP_EVENTS:25 ALLOC_ARB_LRU_ENA:28 EXP_ARB_LRU_ENA:29
                                           PS_PKR_PRIORITY_CNTL:30-31
SQ_THREAD_TRACE_BUF0_BASE        0x39e8 1  BASE_LO:0-31
SQ_THREAD_TRACE_BUF0_SIZE        0x39e9 1  BASE_HI:0-3 SIZE:8-29
SQ_THREAD_TRACE_BUF1_BASE        0x39ea 1  BASE_LO:0-31
SQ_THREAD_TRACE_BUF1_SIZE        0x39eb 1  BASE_HI:0-3 SIZE:8-29
SQ_THREAD_TRACE_CTRL             0x39ec 1  MODE:0-1 ALL_VMID:2 GL1_PERF_EN:3 INTERRUPT_EN:4 DOUBLE_BUFFER:5 HIWATER:6-8
                                           REG_AT_HWM:9-10 SPI_STALL_EN:11 SQ_STALL_EN:12 UTIL_TIMER:13 WAVESTART_MODE:14-15
                                           RT_FREQ:16-17 SYNC_COUNT_MARKERS:18 SYNC_COUNT_DRAWS:19 LOWATER_OFFSET:20-22
                                           AUTO_FLUSH_PADDING_DIS:28 AUTO_FLUSH_MODE:29 DRAW_EVENT_EN:31
SQ_THREAD_TRACE_MASK             0x39ed 1  SIMD_SEL:0-1 WGP_SEL:4-7 SA_SEL:9 WTYPE_INCLUDE:10-16
                                           EXCLUDE_NONDETAIL_SHADERDATA:17
SQ_THREAD_TRACE_TOKEN_MASK       0x39ee 1  TOKEN_EXCLUDE:0-10 TTRACE_EXEC:11 BOP_EVENTS_TOKEN_INCLUDE:12 REG_INCLUDE:16-23
                                           INST_EXCLUDE:24-25 REG_EXCLUDE:26-28 REG_DETAIL_ALL:31
SQ_THREAD_TRACE_WPTR             0x39ef 1  OFFSET:0-28 BUFFER_ID:31
SQ_THREAD_TRACE_STATUS           0x39f4 1  FINISH_PENDING:0-11 FINISH_DONE:12-23 WRITE_ERROR:24 BUSY:25 OWNER_VMID:28-31
SQ_THREAD_TRACE_STATUS2          0x39f5 1  BUF0_FULL:0 BUF1_FULL:1 PACKET_LOST_BUF_NO_LOCKDOWN:4 BUF_ISSUE_STATUS:8-12
                                           BUF_ISSUE:13 WRITE_BUF_FULL:14
SQ_THREAD_TRACE_GFX_DRAW_CNTR    0x39f6 1  CNTR:0-31
SQ_THREAD_TRACE_GFX_MARKER_CNTR  0x39f7 1  CNTR:0-31
SQ_THREAD_TRACE_HP3D_DRAW_CNTR   0x39f8 1  CNTR:0-31
SQ_THREAD_TRACE_HP3D_MARKER_CNTR 0x39f9 1  CNTR:0-31
SQ_THREAD_TRACE_DROPPED_CNTR     0x39fa 1  CNTR:0-31
""")

# ---- GC 12.0 (RDNA4). Rows: Linux gc_12_0_0_offset.h and gc_12_0_0_sh_mask.h (tinygrad regs.py, gc_12_0_0). Base
# segments 0x1260, 0xA000 as on GC 10.x/11 (Mesa parse_kernel_headers.py); that they hold on GC 12 is checked against
# PAL src/core/hw/gfxip/gfx12/chip/gfx12_merged_offset.h, whose offsets are absolute: every address below agrees with it
# (and every field with gfx12_merged_mask.h; PAL also has COMPUTE_DISPATCH_INITIATOR.WGS_DISPATCH:19, the header not).
# What changed from gfx11: the trace buffer base is split into BUF0_BASE_LO/HI (BUF0_SIZE moved in front of them and no
# longer holds the high address bits), SQ_THREAD_TRACE_CTRL lost RT_FREQ, TOKEN_MASK's fields moved, a ninth SE (SE8).
GFX12 = _table((0x1260, 0xA000), """
COMPUTE_DISPATCH_INITIATOR       0x1ba0 0  COMPUTE_SHADER_EN:0 PARTIAL_TG_EN:1 FORCE_START_AT_000:2 ORDERED_APPEND_ENBL:3
                                           ORDERED_APPEND_MODE:4 USE_THREAD_DIMENSIONS:5 ORDER_MODE:6 SCALAR_L1_INV_VOL:10
                                           VECTOR_L1_INV_VOL:11 PING_PONG_EN:12 TUNNEL_ENABLE:13 RESTORE:14 CS_W32_EN:15
                                           AMP_SHADER_EN:16 DISABLE_DISP_PREMPT_EN:17 INTERLEAVE_2D_EN:18
                                           TTRACE_QUEUE_ID:29-31
COMPUTE_START_X                  0x1ba4 0  START:0-31
COMPUTE_START_Y                  0x1ba5 0  START:0-31
COMPUTE_START_Z                  0x1ba6 0  START:0-31
COMPUTE_NUM_THREAD_X             0x1ba7 0  NUM_THREAD_FULL:0-12 INTERLEAVE_BITS_X:13-15 NUM_THREAD_PARTIAL:16-31
COMPUTE_NUM_THREAD_Y             0x1ba8 0  NUM_THREAD_FULL:0-12 INTERLEAVE_BITS_Y:13-15 NUM_THREAD_PARTIAL:16-31
COMPUTE_NUM_THREAD_Z             0x1ba9 0  NUM_THREAD_FULL:0-15 NUM_THREAD_PARTIAL:16-31
COMPUTE_PERFCOUNT_ENABLE         0x1bab 0  PERFCOUNT_ENABLE:0
COMPUTE_PGM_LO                   0x1bac 0  DATA:0-31
COMPUTE_PGM_HI                   0x1bad 0  DATA:0-7
COMPUTE_DISPATCH_SCRATCH_BASE_LO 0x1bb0 0  DATA:0-31
COMPUTE_DISPATCH_SCRATCH_BASE_HI 0x1bb1 0  DATA:0-7
COMPUTE_PGM_RSRC1                0x1bb2 0  VGPRS:0-5 SGPRS:6-9 PRIORITY:10-11 FLOAT_MODE:12-19 PRIV:20 WG_RR_EN:21
                                           DEBUG_MODE:22 DISABLE_PERF:23 BULKY:24 CDBG_USER:25 FP16_OVFL:26 WGP_MODE:29
                                           MEM_ORDERED:30 FWD_PROGRESS:31
COMPUTE_PGM_RSRC2                0x1bb3 0  SCRATCH_EN:0 USER_SGPR:1-5 DYNAMIC_VGPR:6 TGID_X_EN:7 TGID_Y_EN:8 TGID_Z_EN:9
                                           TG_SIZE_EN:10 TIDIG_COMP_CNT:11-12 EXCP_EN_MSB:13-14 LDS_SIZE:15-23 EXCP_EN:24-30
                                           WGP_TAKEOVER:31
COMPUTE_RESOURCE_LIMITS          0x1bb5 0  WAVES_PER_SH:0-9 TG_PER_CU:12-15 LOCK_THRESHOLD:16-21 SIMD_DEST_CNTL:22
                                           FORCE_SIMD_DIST:23 CU_GROUP_COUNT:24-26
COMPUTE_STATIC_THREAD_MGMT_SE0   0x1bb6 0  SA0_CU_EN:0-15 SA1_CU_EN:16-31
COMPUTE_STATIC_THREAD_MGMT_SE1   0x1bb7 0  SA0_CU_EN:0-15 SA1_CU_EN:16-31
COMPUTE_TMPRING_SIZE             0x1bb8 0  WAVES:0-11 WAVESIZE:12-29
COMPUTE_STATIC_THREAD_MGMT_SE2   0x1bb9 0  SA0_CU_EN:0-15 SA1_CU_EN:16-31
COMPUTE_STATIC_THREAD_MGMT_SE3   0x1bba 0  SA0_CU_EN:0-15 SA1_CU_EN:16-31
COMPUTE_RESTART_X                0x1bbb 0  RESTART:0-31
COMPUTE_RESTART_Y                0x1bbc 0  RESTART:0-31
COMPUTE_RESTART_Z                0x1bbd 0  RESTART:0-31
COMPUTE_THREAD_TRACE_ENABLE      0x1bbe 0  THREAD_TRACE_ENABLE:0
COMPUTE_DISPATCH_ID              0x1bc0 0  DISPATCH_ID:0-31
COMPUTE_STATIC_THREAD_MGMT_SE8   0x1bc3 0  SA0_CU_EN:0-15 SA1_CU_EN:16-31
COMPUTE_PGM_RSRC3                0x1bc8 0  SHARED_VGPR_CNT:0-3 INST_PREF_SIZE:4-11 GLG_EN:13 IMAGE_OP:31
COMPUTE_STATIC_THREAD_MGMT_SE4   0x1bcb 0  SA0_CU_EN:0-15 SA1_CU_EN:16-31
COMPUTE_STATIC_THREAD_MGMT_SE5   0x1bcc 0  SA0_CU_EN:0-15 SA1_CU_EN:16-31
COMPUTE_STATIC_THREAD_MGMT_SE6   0x1bcd 0  SA0_CU_EN:0-15 SA1_CU_EN:16-31
COMPUTE_STATIC_THREAD_MGMT_SE7   0x1bce 0  SA0_CU_EN:0-15 SA1_CU_EN:16-31
COMPUTE_DISPATCH_INTERLEAVE      0x1bcf 0  INTERLEAVE_1D:0-9 INTERLEAVE_2D_X_SIZE:16-19 INTERLEAVE_2D_Y_SIZE:24-27
COMPUTE_USER_DATA_#16            0x1be0 0  DATA:0-31
GRBM_GFX_INDEX                   0x2200 1  INSTANCE_INDEX:0-6 SA_INDEX:8-9 SE_INDEX:16-19 SA_BROADCAST_WRITES:29
                                           INSTANCE_BROADCAST_WRITES:30 SE_BROADCAST_WRITES:31
SQ_THREAD_TRACE_USERDATA_#8      0x2340 1  DATA:0-31
SPI_CONFIG_CNTL                  0x2440 1  GPR_WRITE_PRIORITY:0-20 EXP_PRIORITY_ORDER:21-23 ENABLE_SQG_TOP_EVENTS:24
                                           ENABLE_SQG_BOP_EVENTS:25 ALLOC_ARB_LRU_ENA:28 EXP_ARB_LRU_ENA:29
                                           PS_PKR_PRIORITY_CNTL:30-31
SQ_THREAD_TRACE_BUF0_SIZE        0x39e6 1  SIZE:0-21
SQ_THREAD_TRACE_BUF0_BASE_LO     0x39e7 1  BASE_LO:0-31
SQ_THREAD_TRACE_BUF0_BASE_HI     0x39e8 1  BASE_HI:0-12
SQ_THREAD_TRACE_BUF1_SIZE        0x39e9 1  SIZE:0-21
SQ_THREAD_TRACE_BUF1_BASE_LO     0x39ea 1  BASE_LO:0-31
SQ_THREAD_TRACE_BUF1_BASE_HI     0x39eb 1  BASE_HI:0-12
SQ_THREAD_TRACE_CTRL             0x39ec 1  MODE:0-1 GL1_PERF_EN:3 INTERRUPT_EN:4 DOUBLE_BUFFER:5 HIWATER:6-8 REG_AT_HWM:9-10
                                           SPI_STALL_EN:11 SQ_STALL_EN:12 STALL_ALL_SIMDS:13 UTIL_TIMER:14
                                           WAVESTART_MODE:15-16 SYNC_COUNT_MARKERS:18 SYNC_COUNT_DRAWS:19
                                           LOWATER_OFFSET:20-22 GL1X_PREFETCH_PAGE:23-26 AUTO_FLUSH_PADDING_DIS:28
                                           AUTO_FLUSH_MODE:29 NCP_REG_TOKEN_EN:30 DRAW_EVENT_EN:31
SQ_THREAD_TRACE_MASK             0x39ed 1  SIMD_SEL:0-1 WGP_SEL:4-7 SA_SEL:9 WTYPE_INCLUDE:10-16
                                           EXCLUDE_NONDETAIL_SHADERDATA:17 EXCLUDE_NONDETAIL_WAVESTART_EXT:18
                                           EXCLUDE_NONDETAIL_ALLOC:19
SQ_THREAD_TRACE_TOKEN_MASK       0x39ee 1  TOKEN_EXCLUDE:0-11 TTRACE_EXEC:12 BOP_EVENTS_TOKEN_INCLUDE:13
                                           EXCLUDE_BARRIER_WAIT:14 REG_INCLUDE:16-23 INST_EXCLUDE:24-25 REG_EXCLUDE:26-28
                                           REG_DETAIL_ALL:31
SQ_THREAD_TRACE_WPTR             0x39ef 1  OFFSET:0-28 BUFFER_ID:31
SQ_THREAD_TRACE_STATUS           0x39f4 1  FINISH_PENDING:0-11 FINISH_DONE:12-23 WRITE_ERROR:24 BUSY:25 OWNER_VMID:28-31
SQ_THREAD_TRACE_STATUS2          0x39f5 1  BUF0_FULL:0 BUF1_FULL:1 PACKET_LOST_BUF_NO_LOCKDOWN:4 BUF_ISSUE_STATUS:8-12
                                           BUF_ISSUE:13 WRITE_BUF_FULL:14
SQ_THREAD_TRACE_GFX_DRAW_CNTR    0x39f6 1  CNTR:0-31
SQ_THREAD_TRACE_GFX_MARKER_CNTR  0x39f7 1  CNTR:0-31
SQ_THREAD_TRACE_HP3D_DRAW_CNTR   0x39f8 1  CNTR:0-31
SQ_THREAD_TRACE_HP3D_MARKER_CNTR 0x39f9 1  CNTR:0-31
SQ_THREAD_TRACE_DROPPED_CNTR     0x39fa 1  CNTR:0-31
""")

# ---- GC 9.4.3 (CDNA3, MI300; one table per XCC, each XCC has its own copy). Rows: Linux gc_9_4_3_offset.h and
# gc_9_4_3_sh_mask.h (tinygrad regs.py, gc_9_4_3). Base segments 0x2000, 0xA000: the GC_BASE Mesa's
# parse_kernel_headers.py gives gfx940 (the header's own block comments agree: its BASE_IDX 0 block grbmdec is at byte
# 0x8000). SH addresses and all fields agree with Mesa's gfx940.json. Its BASE_IDX 1 registers do not: gfx940.json has
# SQ_THREAD_TRACE_* at dword 0x2330.. (byte 0x8cc0) and SPI_CONFIG_CNTL at 0x2440, the header's offsets without the
# 0xA000 segment. We follow header + segment (0xC330.., UCONFIG space), where Mesa's gfx9.json (GC 9.0) has the same
# registers and where tinygrad's MI300 tracing reaches them with SET_UCONFIG_REG. The trace unit is the GC 9 one: one
# buffer (BASE/BASE2/SIZE), MODE starts and stops it, no COMPUTE_THREAD_TRACE_ENABLE gating (the register exists).
GFX9_4_3 = _table((0x2000, 0xA000), """
COMPUTE_DISPATCH_INITIATOR       0x0e00 0  COMPUTE_SHADER_EN:0 PARTIAL_TG_EN:1 FORCE_START_AT_000:2 ORDERED_APPEND_ENBL:3
                                           ORDERED_APPEND_MODE:4 USE_THREAD_DIMENSIONS:5 ORDER_MODE:6 SCALAR_L1_INV_VOL:10
                                           VECTOR_L1_INV_VOL:11 RESERVED:12 RESTORE:14
COMPUTE_START_X                  0x0e04 0  START:0-31
COMPUTE_START_Y                  0x0e05 0  START:0-31
COMPUTE_START_Z                  0x0e06 0  START:0-31
COMPUTE_NUM_THREAD_X             0x0e07 0  NUM_THREAD_FULL:0-15 NUM_THREAD_PARTIAL:16-31
COMPUTE_NUM_THREAD_Y             0x0e08 0  NUM_THREAD_FULL:0-15 NUM_THREAD_PARTIAL:16-31
COMPUTE_NUM_THREAD_Z             0x0e09 0  NUM_THREAD_FULL:0-15 NUM_THREAD_PARTIAL:16-31
COMPUTE_PERFCOUNT_ENABLE         0x0e0b 0  PERFCOUNT_ENABLE:0
COMPUTE_PGM_LO                   0x0e0c 0  DATA:0-31
COMPUTE_PGM_HI                   0x0e0d 0  DATA:0-7
COMPUTE_DISPATCH_SCRATCH_BASE_LO 0x0e10 0  DATA:0-31
COMPUTE_DISPATCH_SCRATCH_BASE_HI 0x0e11 0  DATA:0-7
COMPUTE_PGM_RSRC1                0x0e12 0  VGPRS:0-5 SGPRS:6-9 PRIORITY:10-11 FLOAT_MODE:12-19 PRIV:20 DX10_CLAMP:21
                                           DEBUG_MODE:22 IEEE_MODE:23 BULKY:24 CDBG_USER:25 FP16_OVFL:26
COMPUTE_PGM_RSRC2                0x0e13 0  SCRATCH_EN:0 USER_SGPR:1-5 TRAP_PRESENT:6 TGID_X_EN:7 TGID_Y_EN:8 TGID_Z_EN:9
                                           TG_SIZE_EN:10 TIDIG_COMP_CNT:11-12 EXCP_EN_MSB:13-14 LDS_SIZE:15-23 EXCP_EN:24-30
                                           SKIP_USGPR0:31
COMPUTE_RESOURCE_LIMITS          0x0e15 0  WAVES_PER_SH:0-9 TG_PER_CU:12-15 LOCK_THRESHOLD:16-21 SIMD_DEST_CNTL:22
                                           FORCE_SIMD_DIST:23 CU_GROUP_COUNT:24-26 SIMD_DISABLE:27-30
COMPUTE_STATIC_THREAD_MGMT_SE0   0x0e16 0  SH0_CU_EN:0-15 SH1_CU_EN:16-31
COMPUTE_STATIC_THREAD_MGMT_SE1   0x0e17 0  SH0_CU_EN:0-15 SH1_CU_EN:16-31
COMPUTE_TMPRING_SIZE             0x0e18 0  WAVES:0-11 WAVESIZE:12-24
COMPUTE_STATIC_THREAD_MGMT_SE2   0x0e19 0  SH0_CU_EN:0-15 SH1_CU_EN:16-31
COMPUTE_STATIC_THREAD_MGMT_SE3   0x0e1a 0  SH0_CU_EN:0-15 SH1_CU_EN:16-31
COMPUTE_RESTART_X                0x0e1b 0  RESTART:0-31
COMPUTE_RESTART_Y                0x0e1c 0  RESTART:0-31
COMPUTE_RESTART_Z                0x0e1d 0  RESTART:0-31
COMPUTE_THREAD_TRACE_ENABLE      0x0e1e 0  THREAD_TRACE_ENABLE:0
COMPUTE_DISPATCH_ID              0x0e20 0  DISPATCH_ID:0-31
COMPUTE_PGM_RSRC3                0x0e2d 0  ACCUM_OFFSET:0-5 TRAP_ON_START:10 TRAP_ON_END:11 TG_SPLIT:16
COMPUTE_USER_DATA_#16            0x0e40 0  DATA:0-31
GRBM_GFX_INDEX                   0x2200 1  INSTANCE_INDEX:0-7 SH_INDEX:8-15 SE_INDEX:16-23 SH_BROADCAST_WRITES:29
                                           INSTANCE_BROADCAST_WRITES:30 SE_BROADCAST_WRITES:31
SQ_THREAD_TRACE_BASE             0x2330 1  ADDR:0-31
SQ_THREAD_TRACE_SIZE             0x2331 1  SIZE:0-21
SQ_THREAD_TRACE_MASK             0x2332 1  CU_SEL:0-4 SH_SEL:5 REG_STALL_EN:7 SIMD_EN:8-11 VM_ID_MASK:12-13 SPI_STALL_EN:14
                                           SQ_STALL_EN:15
SQ_THREAD_TRACE_TOKEN_MASK       0x2333 1  TOKEN_MASK:0-15 REG_MASK:16-23 REG_DROP_ON_STALL:24
SQ_THREAD_TRACE_PERF_MASK        0x2334 1  SH0_MASK:0-15 SH1_MASK:16-31
SQ_THREAD_TRACE_CTRL             0x2335 1  RESET_BUFFER:31
SQ_THREAD_TRACE_MODE             0x2336 1  MASK_PS:0-2 MASK_VS:3-5 MASK_GS:6-8 MASK_ES:9-11 MASK_HS:12-14 MASK_LS:15-17
                                           MASK_CS:18-20 MODE:21-22 CAPTURE_MODE:23-24 AUTOFLUSH_EN:25 TC_PERF_EN:26
                                           ISSUE_MASK:27-28 TEST_MODE:29 INTERRUPT_EN:30 WRAP:31
SQ_THREAD_TRACE_BASE2            0x2337 1  ADDR_HI:0-3
SQ_THREAD_TRACE_TOKEN_MASK2      0x2338 1  INST_MASK:0-31
SQ_THREAD_TRACE_WPTR             0x2339 1  WPTR:0-29 READ_OFFSET:30-31
SQ_THREAD_TRACE_STATUS           0x233a 1  FINISH_PENDING:0-9 FINISH_DONE:16-25 UTC_ERROR:28 NEW_BUF:29 BUSY:30 FULL:31
SQ_THREAD_TRACE_HIWATER          0x233b 1  HIWATER:0-2
SQ_THREAD_TRACE_CNTR             0x233c 1  CNTR:0-31
SQ_THREAD_TRACE_USERDATA_#4      0x2340 1  DATA:0-31
SPI_CONFIG_CNTL                  0x2440 1  GPR_WRITE_PRIORITY:0-20 EXP_PRIORITY_ORDER:21-23 ENABLE_SQG_TOP_EVENTS:24
                                           ENABLE_SQG_BOP_EVENTS:25 RSRC_MGMT_RESET:26 TTRACE_STALL_ALL:27
                                           ALLOC_ARB_LRU_ENA:28 EXP_ARB_LRU_ENA:29 PS_PKR_PRIORITY_CNTL:30-31
""")

REGS: dict[str, dict[str, Register]] = {"gfx11": GFX11, "gfx12": GFX12, "gfx9.4.3": GFX9_4_3}
GENS = tuple(REGS)
_BY_OFFSET = {gen: {r.offset: r for r in regs.values()} for gen, regs in REGS.items()}
assert all(len(_BY_OFFSET[g]) == len(REGS[g]) for g in GENS), "two rows share an offset"

def check_gen(gen: str) -> str:
  if gen not in REGS: raise ValueError(f"unknown register generation {gen!r}; have {', '.join(GENS)}")
  return gen

def gen_of(arch: str) -> str:
  """'gfx1100' -> 'gfx11', 'gfx1201' -> 'gfx12', 'gfx942' -> 'gfx9.4.3'. GC 11.5 (gfx115x) and 9.5 (gfx950) are refused:
  their register files differ in places these tables do not cover."""
  a = arch.lower().split(":")[0]
  if a in REGS: return a
  if a.startswith("gfx110") and len(a) == 7: return "gfx11"
  if a.startswith("gfx120") and len(a) == 7: return "gfx12"
  if a in ("gfx940", "gfx941", "gfx942"): return "gfx9.4.3"
  raise ValueError(f"no register tables for {arch!r}: have gfx110x (gc 11.0), gfx120x (gc 12.0), gfx940-942 (gc 9.4.3)")

def get(gen: str, name: str) -> Register:
  """The register `name` of generation `gen`; KeyError naming close names if there is none."""
  regs = REGS[check_gen(gen)]
  if name in regs: return regs[name]
  close = difflib.get_close_matches(name, regs, n=3, cutoff=0.6)
  raise KeyError(f"{gen} has no register {name}" + (f" (did you mean {', '.join(close)}?)" if close else ""))

def by_offset(gen: str, offset: int) -> Register:
  """The register at dword `offset`; KeyError if the table has none there."""
  try: return _BY_OFFSET[check_gen(gen)][offset]
  except KeyError: raise KeyError(f"{gen} has no register in the table at dword {offset:#x} (byte {offset * 4:#x})") from None

def lookup(gen: str, offset: int) -> Register | None:
  return _BY_OFFSET[check_gen(gen)].get(offset)

def pack(reg: Register, **fields: int) -> int:
  """The 32-bit value with each named field set (the others 0). Unknown fields and values that do not fit their bits
  (or are negative, or not integers) are refused with ValueError."""
  value = 0
  for name, v in fields.items():
    if name not in reg.fields:
      raise ValueError(f"{reg.name} has no field {name}; its fields: {', '.join(reg.fields) or '(none)'}")
    if isinstance(v, bool): v = int(v)
    if not isinstance(v, int):
      try: v = v.__index__()       # numpy integers
      except AttributeError: raise ValueError(f"{reg.name}.{name} must be an integer, not {v!r}") from None
    lo, hi = reg.fields[name]
    if not 0 <= v < 1 << (hi - lo + 1):
      raise ValueError(f"{reg.name}.{name} = {v:#x} does not fit its {hi - lo + 1} bits ({lo}..{hi})")
    value |= v << lo
  return value

def unpack(reg: Register, value: int) -> dict[str, int]:
  """Every field of `reg` read from the 32-bit `value` (bits outside the fields are ignored)."""
  if not 0 <= value < 1 << 32: raise ValueError(f"{reg.name}: {value:#x} is not a 32-bit register value")
  return {name: (value >> lo) & ((1 << (hi - lo + 1)) - 1) for name, (lo, hi) in reg.fields.items()}
