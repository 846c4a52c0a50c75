"""The PM4 programs a traced dispatch needs, built over driver/pm4.py and driver/registers.py: start SQTT on every
shader engine, set the compute registers from the kernel descriptor, dispatch, finish SQTT and copy each SE's write
pointer and status to memory.

Facts (what to write, in which order) come from Mesa's ac_sqtt.c / radv_sqtt.c and tinygrad's ops_amd.py: the buffer
before MASK and TOKEN_MASK, CTRL last (it turns tracing on); COMPUTE_THREAD_TRACE_ENABLE; after the work a
THREAD_TRACE_FINISH event, then per SE wait for FINISH_DONE, turn CTRL's MODE off, wait until not BUSY, and read WPTR.
Buffer addresses and sizes are in 4 KB units. SQ_THREAD_TRACE_WPTR.OFFSET counts 32-byte units: from address 0 on
gfx11 (subtract the base), from the buffer's base on gfx12.
"""
from __future__ import annotations
from dataclasses import dataclass
from driver.pm4 import Stream

SQTT_ALIGN = 1 << 12
# SQ_THREAD_TRACE_TOKEN_MASK.TOKEN_EXCLUDE bits of the instruction-timing tokens (gc 11 enum SQ_TT_TOKEN_EXCLUDE_*_SHIFT:
# VMEMEXEC 0, ALUEXEC 1, VALUINST 2, IMMEDIATE 5, INST 8), excluded on SEs without instruction tracing; gfx12 also
# excludes the performance-counter tokens (bit 11), as tinygrad does (0x927)
INSTRUCTION_TOKENS = (1 << 0) | (1 << 1) | (1 << 2) | (1 << 5) | (1 << 8)
GFX12_PERF_TOKENS = 1 << 11
WTYPE_CS = 1 << 6                  # SQ_THREAD_TRACE_MASK.WTYPE_INCLUDE: compute shader waves (SQ_TT_WTYPE_INCLUDE_CS_BIT)
READBACK_DWORDS = 4                # per SE: WPTR, STATUS, DROPPED_CNTR, STATUS2


@dataclass
class SqttBuffer:
  se: int
  va: int
  size: int


def _grbm(s: Stream, se: int | None) -> None:
  if se is None: s.set_uconfig_reg("GRBM_GFX_INDEX", SE_BROADCAST_WRITES=1, SA_BROADCAST_WRITES=1, INSTANCE_BROADCAST_WRITES=1)
  else: s.set_uconfig_reg("GRBM_GFX_INDEX", SE_INDEX=se, SA_BROADCAST_WRITES=1, INSTANCE_BROADCAST_WRITES=1)


def ctrl_fields(gen: str, on: bool) -> dict:
  f = dict(MODE=int(on), HIWATER=5, UTIL_TIMER=1, REG_AT_HWM=2, SPI_STALL_EN=1, SQ_STALL_EN=1, DRAW_EVENT_EN=1)
  if gen == "gfx11": f["RT_FREQ"] = 2      # (gfx12 dropped RT_FREQ)
  return f


def _gfx9_grbm(s: Stream, se: int | None) -> None:
  if se is None: s.set_uconfig_reg("GRBM_GFX_INDEX", SE_BROADCAST_WRITES=1, SH_BROADCAST_WRITES=1, INSTANCE_BROADCAST_WRITES=1)
  else: s.set_uconfig_reg("GRBM_GFX_INDEX", SE_INDEX=se, SH_INDEX=0, INSTANCE_BROADCAST_WRITES=1)


def _gfx9_mode(on: bool) -> dict:
  # compute waves only (MASK_CS), ON or OFF, auto-flush; as Mesa's gfx9 path (radv_emit_sqtt_start) writes it
  return dict(MASK_CS=7, MODE=1 if on else 0, AUTOFLUSH_EN=1)


def sqtt_begin_gfx9(s: Stream, buffers: list[SqttBuffer], itraced: set[int], cu: int = 0) -> None:
  """GC 9.4.3 (CDNA3): one buffer per SE through BASE/BASE2/SIZE, the traced CU in MASK, instruction tokens by
  TOKEN_MASK2; MODE turns it on. Not executed anywhere here (the simulated GPU is gfx11/gfx12): pinned as a golden
  stream, to be confirmed on an MI300."""
  for b in buffers:
    if b.va % SQTT_ALIGN or b.size % SQTT_ALIGN: raise ValueError(f"SQTT buffer {b.va:#x}+{b.size:#x} is not 4 KB aligned")
    _gfx9_grbm(s, b.se)
    s.set_uconfig_reg("SQ_THREAD_TRACE_BASE2", ADDR_HI=b.va >> 44)
    s.set_uconfig_reg("SQ_THREAD_TRACE_BASE", ADDR=b.va >> 12 & 0xFFFFFFFF)
    s.set_uconfig_reg("SQ_THREAD_TRACE_SIZE", SIZE=b.size >> 12)
    s.set_uconfig_reg("SQ_THREAD_TRACE_MASK", CU_SEL=cu, SH_SEL=0, SIMD_EN=0xF, REG_STALL_EN=1, SPI_STALL_EN=1, SQ_STALL_EN=1)
    s.set_uconfig_reg("SQ_THREAD_TRACE_TOKEN_MASK", TOKEN_MASK=0xFFFF, REG_MASK=0xFF)
    s.set_uconfig_reg("SQ_THREAD_TRACE_TOKEN_MASK2", INST_MASK=0xFFFFFFFF if b.se in itraced else 0)
    s.set_uconfig_reg("SQ_THREAD_TRACE_HIWATER", HIWATER=6)
    s.set_uconfig_reg("SQ_THREAD_TRACE_MODE", **_gfx9_mode(True))
  _gfx9_grbm(s, None)
  s.set_sh_reg("COMPUTE_THREAD_TRACE_ENABLE", THREAD_TRACE_ENABLE=1)
  s.event_write("THREAD_TRACE_START")


def sqtt_end_gfx9(s: Stream, buffers: list[SqttBuffer], readback_va: int) -> None:
  s.event_write("THREAD_TRACE_FINISH")
  for k, b in enumerate(buffers):
    _gfx9_grbm(s, b.se)
    s.wait_reg_mem("!=", 0, 0x3FF << 16, reg="SQ_THREAD_TRACE_STATUS")           # FINISH_DONE
    s.set_uconfig_reg("SQ_THREAD_TRACE_MODE", **_gfx9_mode(False))
    s.wait_reg_mem("==", 0, 1 << 30, reg="SQ_THREAD_TRACE_STATUS")               # not BUSY
    for j, reg in enumerate(("SQ_THREAD_TRACE_WPTR", "SQ_THREAD_TRACE_STATUS", "SQ_THREAD_TRACE_CNTR")):
      s.copy_data("REG", "MEM", reg, readback_va + 16 * k + 4 * j, wr_confirm=1)
  _gfx9_grbm(s, None)


def sqtt_begin(s: Stream, buffers: list[SqttBuffer], itraced: set[int], wgp: int = 0, simd: int = 0) -> None:
  gen = s.gen
  if gen == "gfx9.4.3": return sqtt_begin_gfx9(s, buffers, itraced, wgp)
  for b in buffers:
    if b.va % SQTT_ALIGN or b.size % SQTT_ALIGN: raise ValueError(f"SQTT buffer {b.va:#x}+{b.size:#x} is not 4 KB aligned")
    _grbm(s, b.se)
    base = b.va >> 12
    if gen == "gfx11":
      s.set_uconfig_reg("SQ_THREAD_TRACE_BUF0_SIZE", SIZE=b.size >> 12, BASE_HI=base >> 32)
      s.set_uconfig_reg("SQ_THREAD_TRACE_BUF0_BASE", BASE_LO=base & 0xFFFFFFFF)
    else:
      s.set_uconfig_reg("SQ_THREAD_TRACE_BUF0_SIZE", SIZE=b.size >> 12)
      s.set_uconfig_reg("SQ_THREAD_TRACE_BUF0_BASE_LO", BASE_LO=base & 0xFFFFFFFF)
      s.set_uconfig_reg("SQ_THREAD_TRACE_BUF0_BASE_HI", BASE_HI=base >> 32)
    s.set_uconfig_reg("SQ_THREAD_TRACE_MASK", WTYPE_INCLUDE=WTYPE_CS, SA_SEL=0, WGP_SEL=wgp, SIMD_SEL=simd)
    exclude = (0 if b.se in itraced else INSTRUCTION_TOKENS) | (GFX12_PERF_TOKENS if gen == "gfx12" else 0)
    s.set_uconfig_reg("SQ_THREAD_TRACE_TOKEN_MASK", TOKEN_EXCLUDE=exclude, BOP_EVENTS_TOKEN_INCLUDE=1)
    s.set_uconfig_reg("SQ_THREAD_TRACE_CTRL", **ctrl_fields(gen, True))
  _grbm(s, None)
  s.set_sh_reg("COMPUTE_THREAD_TRACE_ENABLE", THREAD_TRACE_ENABLE=1)
  s.event_write("THREAD_TRACE_START")


def sqtt_end(s: Stream, buffers: list[SqttBuffer], readback_va: int) -> None:
  """Finish, stop and read back: per SE READBACK_DWORDS at readback_va + 16 * index."""
  if s.gen == "gfx9.4.3": return sqtt_end_gfx9(s, buffers, readback_va)
  s.event_write("THREAD_TRACE_FINISH")
  for k, b in enumerate(buffers):
    _grbm(s, b.se)
    s.wait_reg_mem("!=", 0, 0xFFF << 12, reg="SQ_THREAD_TRACE_STATUS")          # FINISH_DONE
    s.set_uconfig_reg("SQ_THREAD_TRACE_CTRL", **ctrl_fields(s.gen, False))
    s.wait_reg_mem("==", 0, 1 << 25, reg="SQ_THREAD_TRACE_STATUS")              # not BUSY
    for j, reg in enumerate(("SQ_THREAD_TRACE_WPTR", "SQ_THREAD_TRACE_STATUS", "SQ_THREAD_TRACE_DROPPED_CNTR",
                             "SQ_THREAD_TRACE_STATUS2")):
      s.copy_data("REG", "MEM", reg, readback_va + 16 * k + 4 * j, wr_confirm=1)
  _grbm(s, None)


def written_bytes(gen: str, wptr: int, base_va: int) -> int:
  if gen == "gfx9.4.3": return (wptr & 0x3FFFFFFF) * 32      # (GC 9: counted from the buffer's base)
  off = (wptr & 0x1FFFFFFF) * 32
  return off - (base_va & (0x1FFFFFFF * 32)) if gen == "gfx11" else off


def dispatch(s: Stream, entry_va: int, kd, user_sgprs: list[int], grid, block, wave32: bool,
             scratch_va: int = 0, scratch_per_wave: int = 0, scratch_waves: int = 0) -> None:
  """COMPUTE_* from the kernel descriptor and DISPATCH_DIRECT of grid workgroups of block work-items."""
  if entry_va % 256: raise ValueError(f"kernel entry {entry_va:#x} is not 256-byte aligned (COMPUTE_PGM_LO holds it >> 8)")
  if len(user_sgprs) > 16: raise ValueError(f"{len(user_sgprs)} user SGPRs: the hardware loads at most 16")
  rsrc2_user = kd.compute_pgm_rsrc2 >> 1 & 0x1F
  if rsrc2_user < len(user_sgprs): raise ValueError(f"the descriptor's USER_SGPR count {rsrc2_user} is below the {len(user_sgprs)} it enables")
  s.set_sh_reg("COMPUTE_PGM_LO", entry_va >> 8 & 0xFFFFFFFF, entry_va >> 40)
  s.set_sh_reg("COMPUTE_PGM_RSRC1", kd.compute_pgm_rsrc1, kd.compute_pgm_rsrc2)
  s.set_sh_reg("COMPUTE_PGM_RSRC3", kd.compute_pgm_rsrc3)
  s.set_sh_reg("COMPUTE_TMPRING_SIZE", WAVES=scratch_waves, WAVESIZE=-(-scratch_per_wave // 256))
  if scratch_va:
    s.set_sh_reg("COMPUTE_DISPATCH_SCRATCH_BASE_LO", scratch_va >> 8 & 0xFFFFFFFF, scratch_va >> 40)
  if user_sgprs: s.set_sh_reg("COMPUTE_USER_DATA_0", *user_sgprs)
  s.set_sh_reg("COMPUTE_START_X", 0, 0, 0)
  s.set_sh_reg("COMPUTE_NUM_THREAD_X", *block)
  s.set_sh_reg("COMPUTE_RESOURCE_LIMITS", 0)
  ini = {"COMPUTE_SHADER_EN": 1, "FORCE_START_AT_000": 1}
  if s.gen != "gfx9.4.3": ini["CS_W32_EN"] = int(wave32)      # (GC 9 runs wave64 only)
  s.dispatch_direct(*grid, ini)
  s.event_write("CS_PARTIAL_FLUSH")
