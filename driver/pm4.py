"""PM4 type-3 packets for a compute (MEC) queue: a builder (Stream), a decoder and its inverse, over one table of layouts.

A type-3 packet is a header dword and `count + 1` body dwords. Header bits (Mesa src/amd/common/sid.h PKT_TYPE_S,
PKT_COUNT_S, PKT3_IT_OPCODE_S, PKT3_SHADER_TYPE_S, PKT3_RESET_FILTER_CAM_S, PKT3_PREDICATE; Linux nvd.h/soc15d.h
PACKET3, PACKET3_COMPUTE): [31:30] type 3, [29:16] count, [15:8] opcode, [2] reset_filter_cam, [1] shader_type (1 on
a compute queue), [0] predicate. A NOP whose count is 0x3FFF is a header alone (sid.h PKT3_NOP_PAD).

Body layouts are data (LAYOUTS[gen][packet]): a tuple of slots, one per dword in order:
  {name: (lo, hi), ...}   one dword of bit fields (inclusive bit positions)
  "name"                  a whole dword
  "name:64"               two dwords, low first, read as one 64-bit value (addresses, 64-bit data)
  "name:64?"              the same, optional: present or not, as the count says (last slot only)
  "*name"                 the rest of the packet as a list of dwords (last slot only)
Field names follow the Linux/PAL packet structs. Where a generation differs the table says so and why.

decode(words, gen) gives one JSON-able dict per packet, {"packet": NAME, ...fields}; register writes become one entry per
register: {"packet": "SET_SH_REG"|"SET_UCONFIG_REG"|"SET_CONFIG_REG", "reg": NAME, "addr": BYTE_ADDRESS, "value": INT}
(reg is None where the register is not in driver/registers.py). A few keys are added for reading and ignored by encode:
"event" (the event's name, which encode also accepts instead of event_type), "reg"/"src_reg"/"dst_reg" on packets that
address a register. Header flags appear only when they differ from a compute queue's (shader_type 1, predicate 0,
reset_filter_cam 0). Bits set outside every known field come back as "_reservedN" (N: the body dword) so that
encode(decode(w)) == w. Packets with no layout here decode as {"packet": NAME or "UNKNOWN", "opcode": N, "words": body}.
"""
from __future__ import annotations
from typing import Iterable, Sequence
import numpy as np
from driver import registers as R
from driver.registers import GENS, Register, check_gen

# ---------------------------------------------------------------------------------------------------------------------
# header and opcodes

HEADER = {"predicate": (0, 0), "shader_type": (1, 1), "reset_filter_cam": (2, 2), "opcode": (8, 15), "count": (16, 29),
          "type": (30, 31)}
NOP_HEADER_ONLY = 0x3FFF         # count of a one-dword NOP (Mesa sid.h PKT3_NOP_PAD)
MAX_BODY = 0x4000                # the count field is 14 bits: at most 0x4000 body dwords

# IT opcodes: Mesa sid.h PKT3_* and Linux nvd.h / soc15d.h PACKET3_* (the same numbers for gfx9, gfx11 and gfx12)
OPCODES = {
  "NOP": 0x10, "SET_BASE": 0x11, "CLEAR_STATE": 0x12, "DISPATCH_DIRECT": 0x15, "DISPATCH_INDIRECT": 0x16,
  "ATOMIC_MEM": 0x1E, "SET_PREDICATION": 0x20, "COND_EXEC": 0x22, "PRED_EXEC": 0x23, "CONTEXT_CONTROL": 0x28,
  "WRITE_DATA": 0x37, "MEM_SEMAPHORE": 0x39, "WAIT_REG_MEM": 0x3C, "INDIRECT_BUFFER": 0x3F, "COPY_DATA": 0x40,
  "PFP_SYNC_ME": 0x42, "EVENT_WRITE": 0x46, "RELEASE_MEM": 0x49, "DMA_DATA": 0x50, "ACQUIRE_MEM": 0x58, "REWIND": 0x59,
  "LOAD_UCONFIG_REG": 0x5E, "LOAD_SH_REG": 0x5F, "SET_CONFIG_REG": 0x68, "SET_CONTEXT_REG": 0x69, "SET_SH_REG": 0x76,
  "SET_SH_REG_OFFSET": 0x77, "SET_QUEUE_REG": 0x78, "SET_UCONFIG_REG": 0x79, "SET_UCONFIG_REG_INDEX": 0x7A,
  "WAIT_REG_MEM64": 0x93, "SET_SH_REG_INDEX": 0x9B, "SET_RESOURCES": 0xA0, "MAP_QUEUES": 0xA2, "UNMAP_QUEUES": 0xA3,
}
OPNAMES = {v: k for k, v in OPCODES.items()}

# register-write packets: the dword offset their 16-bit reg_offset counts from (nvd.h/soc15d.h PACKET3_SET_*_REG_START)
# and the register space they reach (driver/registers.py SPACES)
REG_PACKETS = {"SET_SH_REG": (0x2C00, "SH"), "SET_UCONFIG_REG": (0xC000, "UCONFIG"), "SET_CONFIG_REG": (0x2000, "CONFIG")}
SH_BASE, UCONFIG_BASE = REG_PACKETS["SET_SH_REG"][0], REG_PACKETS["SET_UCONFIG_REG"][0]   # reg_offset = dword offset - base

# ---------------------------------------------------------------------------------------------------------------------
# events: VGT_EVENT_TYPE, the 6-bit event_type of EVENT_WRITE and RELEASE_MEM. gfx11: soc21_enum.h (ROCm aqlprofile, as
# tinygrad's autogen/am/soc_11.py), the same list as Mesa's src/amd/registers/pkt3.json VGT_EVENT_TYPE_gfx11; gfx12:
# soc24_enum.h (soc_12.py); gfx9.4.3: vega10_enum.h (soc_9.py), the enum Mesa's gfx940 tables use.

_EVENTS_GFX11 = """Reserved_0x00 SAMPLE_STREAMOUTSTATS1 SAMPLE_STREAMOUTSTATS2 SAMPLE_STREAMOUTSTATS3 CACHE_FLUSH_TS CONTEXT_DONE
CACHE_FLUSH CS_PARTIAL_FLUSH VGT_STREAMOUT_SYNC Reserved_0x09 VGT_STREAMOUT_RESET END_OF_PIPE_INCR_DE END_OF_PIPE_IB_END
RST_PIX_CNT BREAK_BATCH VS_PARTIAL_FLUSH PS_PARTIAL_FLUSH FLUSH_HS_OUTPUT FLUSH_DFSM RESET_TO_LOWEST_VGT
CACHE_FLUSH_AND_INV_TS_EVENT WAIT_SYNC CACHE_FLUSH_AND_INV_EVENT PERFCOUNTER_START PERFCOUNTER_STOP PIPELINESTAT_START
PIPELINESTAT_STOP PERFCOUNTER_SAMPLE FLUSH_ES_OUTPUT BIN_CONF_OVERRIDE_CHECK SAMPLE_PIPELINESTAT SO_VGTSTREAMOUT_FLUSH
SAMPLE_STREAMOUTSTATS RESET_VTX_CNT BLOCK_CONTEXT_DONE CS_CONTEXT_DONE VGT_FLUSH TGID_ROLLOVER SQ_NON_EVENT SC_SEND_DB_VPZ
BOTTOM_OF_PIPE_TS FLUSH_SX_TS DB_CACHE_FLUSH_AND_INV FLUSH_AND_INV_DB_DATA_TS FLUSH_AND_INV_DB_META
FLUSH_AND_INV_CB_DATA_TS FLUSH_AND_INV_CB_META CS_DONE PS_DONE FLUSH_AND_INV_CB_PIXEL_DATA SX_CB_RAT_ACK_REQUEST
THREAD_TRACE_START THREAD_TRACE_STOP THREAD_TRACE_MARKER THREAD_TRACE_DRAW THREAD_TRACE_FINISH PIXEL_PIPE_STAT_CONTROL
PIXEL_PIPE_STAT_DUMP PIXEL_PIPE_STAT_RESET CONTEXT_SUSPEND OFFCHIP_HS_DEALLOC ENABLE_NGG_PIPELINE ENABLE_LEGACY_PIPELINE
DRAW_DONE""".split()

def _events(changes: dict[int, str]) -> tuple[str, ...]: return tuple(changes.get(i, n) for i, n in enumerate(_EVENTS_GFX11))

EVENTS: dict[str, tuple[str, ...]] = {
  "gfx11": tuple(_EVENTS_GFX11),
  "gfx12": _events({9: "EVENT_STATE_CHANGE", 62: "ENABLE_PIPELINE_NOT_USED"}),
  "gfx9.4.3": _events({21: "ZPASS_DONE", 28: "Available_0x1c", 29: "Available_0x1d", 54: "THREAD_TRACE_FLUSH",
                       62: "ENABLE_LEGACY_PIPELINE", 63: "Reserved_0x3f"}),
}
assert all(len(v) == 64 for v in EVENTS.values())
EVENT_TYPES = {gen: {n: i for i, n in enumerate(names)} for gen, names in EVENTS.items()}

def event_index(event: str) -> int:
  """The event_index a packet carries with `event`: Mesa sid.h EVENT_INDEX ("4 - *S_PARTIAL_FLUSH", "5 - TS events",
  "2 - SAMPLE_PIPELINESTAT"), Linux kfd_pm4_headers_ai.h RELEASE_MEM (5 end_of_pipe, 6 shader_done); 0 for the rest."""
  if event.endswith("_PARTIAL_FLUSH"): return 4
  if event.endswith(("_TS", "_TS_EVENT")): return 5
  if event in ("CS_DONE", "PS_DONE"): return 6
  return 2 if event == "SAMPLE_PIPELINESTAT" else 0

# ---------------------------------------------------------------------------------------------------------------------
# selector values (Linux nvd.h / soc15d.h / kfd_pm4_headers_ai.h enums; Mesa sid.h agrees where it has them)

WAIT_FUNCTIONS = {"always": 0, "<": 1, "<=": 2, "==": 3, "!=": 4, ">=": 5, ">": 6}   # WAIT_REG_MEM function
WAIT_SPACES = {"REG": 0, "MEM": 1}                                                   # WAIT_REG_MEM mem_space
COPY_SRC = {"REG": 0, "MEM": 1, "TC_L2": 2, "GDS": 3, "PERF": 4, "IMM": 5, "ATOMIC_RETURN": 6, "GPU_CLOCK": 9,
            "SYSTEM_CLOCK": 10}                                                      # COPY_DATA src_sel
COPY_DST = {"REG": 0, "TC_L2": 2, "GDS": 3, "PERF": 4, "MEM": 5, "REG_DC": 6}        # COPY_DATA dst_sel
WRITE_DST = {"REG": 0, "TC_L2": 2, "GDS": 3, "MEM": 5, "REG_PERSISTENT": 6}          # WRITE_DATA dst_sel
DATA_SEL = {"NONE": 0, "DATA32": 1, "DATA64": 2, "GPU_CLOCK": 3, "CP_PERFCOUNTER": 4, "GDS": 5}   # RELEASE_MEM data_sel
INT_SEL = {"NONE": 0, "INT": 1, "INT_AFTER_WR_CONFIRM": 2, "DATA_AFTER_WR_CONFIRM": 3, "INT_CTXID": 4,
           "INT_CTXID_IF_32": 5, "INT_CTXID_IF_64": 6}                               # RELEASE_MEM int_sel
RELEASE_DST = {"MEM": 0, "TC_L2": 1}                                                 # RELEASE_MEM dst_sel
COPY_REG = (COPY_SRC["REG"], COPY_SRC["PERF"])                                       # COPY_DATA sels that name a register
# keys decode adds for reading, which encode ignores
INFO_KEYS = frozenset({"packet", "event", "reg", "src_reg", "dst_reg", "shader_type", "predicate", "reset_filter_cam"})

# ---------------------------------------------------------------------------------------------------------------------
# body layouts. Sources: Linux drivers/gpu/drm/amd/amdgpu/nvd.h (gfx10+) and soc15d.h (gfx9) PACKET3_* field macros,
# drivers/gpu/drm/amd/amdkfd/kfd_pm4_headers_ai.h (struct pm4_mec_release_mem), Mesa src/amd/registers/pkt3.json and
# sid.h, cross-checked with PAL's compute-engine packet structs (src/core/hw/gfxip/gfx9/chip/
# gfx9_plus_merged_f32_mec_pm4_packets.h, gfx12/chip/gfx12_merged_f32_mec_pm4_packets.h). Gfx12 renames the 2-bit cache
# policy fields "temporal" (same bits).

def _per_gen(gfx9, gfx11, gfx12=None) -> dict: return {"gfx9.4.3": gfx9, "gfx11": gfx11, "gfx12": gfx11 if gfx12 is None else gfx12}

_REG1 = {"reg_offset": (0, 15)}
_SET_SH = ({**_REG1, "vmid_shift": (23, 27), "index": (28, 31)}, "*values")
_EVENT = {"event_type": (0, 5), "event_index": (8, 11)}

# RELEASE_MEM dword 1: the event, then the cache actions done once it is reached. gfx9 names them one bit each
# (soc15d.h EOP_*_ACTION_EN, kfd_pm4_headers_ai.h); gfx11 packs a GCR_CNTL into bits 12..24 (Mesa pkt3.json
# RELEASE_MEM_OP_gfx11, nvd.h PACKET3_RELEASE_MEM_GCR_*); gfx12 keeps the 13-bit gcr_cntl (PAL gfx12 MEC struct) whose
# inner bits are not given by these sources, so it stays one raw field.
_RELEASE1 = _per_gen(
  {**_EVENT, "tcl1_vol_action_ena": (12, 12), "tc_vol_action_ena": (13, 13), "tc_wb_action_ena": (15, 15),
   "tcl1_action_ena": (16, 16), "tc_action_ena": (17, 17), "tc_nc_action_ena": (19, 19), "tc_wc_action_ena": (20, 20),
   "tc_md_action_ena": (21, 21), "cache_policy": (25, 26), "pq_exe_status": (28, 28)},
  {**_EVENT, "wait_sync": (7, 7), "glm_wb": (12, 12), "glm_inv": (13, 13), "glv_inv": (14, 14), "gl1_inv": (15, 15),
   "gl2_us": (16, 16), "gl2_range": (17, 18), "gl2_discard": (19, 19), "gl2_inv": (20, 20), "gl2_wb": (21, 21),
   "seq": (22, 23), "glk_wb": (24, 24), "cache_policy": (25, 26), "pq_exe_status": (28, 28), "glk_inv": (30, 30),
   "pws_enable": (31, 31)},
  {**_EVENT, "wait_sync": (7, 7), "gcr_cntl": (12, 24), "temporal": (25, 26), "pq_exe_status": (28, 28),
   "glk_inv": (30, 30)})
_RELEASE2 = {"dst_sel": (16, 17), "int_sel": (24, 26), "data_sel": (29, 31)}

# ACQUIRE_MEM: gfx9 is 6 body dwords led by CP_COHER_CNTL action bits (soc15d.h PACKET3_ACQUIRE_MEM_CP_COHER_CNTL_*);
# gfx10+ is 7, dword 1 unused (written 0) and GCR_CNTL last (nvd.h PACKET3_ACQUIRE_MEM_GCR_CNTL_*, Mesa pkt3.json
# GCR_CNTL; PAL: 19 bits). Gfx12's GCR_CNTL stays raw, as in RELEASE_MEM. coher_size and coher_base are in 256-byte units.
_COHER = ("coher_size:64", "coher_base:64", {"poll_interval": (0, 15)})
_ACQUIRE = _per_gen(
  ({"tc_nc_action_ena": (3, 3), "tc_wc_action_ena": (4, 4), "tc_inv_metadata_action_ena": (5, 5),
    "tcl1_vol_action_ena": (15, 15), "tc_wb_action_ena": (18, 18), "tcl1_action_ena": (22, 22), "tc_action_ena": (23, 23),
    "cb_action_ena": (25, 25), "db_action_ena": (26, 26), "sh_kcache_action_ena": (27, 27),
    "sh_kcache_vol_action_ena": (28, 28), "sh_icache_action_ena": (29, 29), "sh_kcache_wb_action_ena": (30, 30)}, *_COHER),
  ("coher_cntl", *_COHER,
   {"gli_inv": (0, 1), "gl1_range": (2, 3), "glm_wb": (4, 4), "glm_inv": (5, 5), "glk_wb": (6, 6), "glk_inv": (7, 7),
    "glv_inv": (8, 8), "gl1_inv": (9, 9), "gl2_us": (10, 10), "gl2_range": (11, 12), "gl2_discard": (13, 13),
    "gl2_inv": (14, 14), "gl2_wb": (15, 15), "seq": (16, 17), "range_is_pa": (18, 18)}),
  ("coher_cntl", *_COHER, {"gcr_cntl": (0, 18)}))

# WAIT_REG_MEM: dword 1 says what to compare; "addr" is a memory address (mem_space 1, 4-aligned) or, for a register
# (mem_space 0), its dword offset in the low dword (and, with operation 1, the register written in the high one).
# engine_sel (bits 8-9) is from nvd.h/soc15d.h WAIT_REG_MEM_ENGINE; PAL's gfx12 compute struct has no such bits.
_WAIT_TAIL = ("addr:64", "reference", "mask", {"poll_interval": (0, 15), "optimize_ace_offload_mode": (31, 31)})
_WAIT1 = {"function": (0, 2), "mem_space": (4, 5), "operation": (6, 7)}
_WAIT = _per_gen(({**_WAIT1, "engine_sel": (8, 9), "cache_policy": (25, 26)}, *_WAIT_TAIL),
                 ({**_WAIT1, "engine_sel": (8, 9), "cache_policy": (25, 26)}, *_WAIT_TAIL),
                 ({**_WAIT1, "temporal": (25, 26)}, *_WAIT_TAIL))

# COPY_DATA: "src"/"dst" are a 64-bit address, a register's dword offset (REG, PERF) or immediate data (src IMM)
_COPY1 = {"src_sel": (0, 3), "dst_sel": (8, 11)}
_COPY = _per_gen(({**_COPY1, "src_cache_policy": (13, 14), "count_sel": (16, 16), "wr_confirm": (20, 20),
                   "dst_cache_policy": (25, 26), "pq_exe_status": (29, 29)}, "src:64", "dst:64"),
                 ({**_COPY1, "src_cache_policy": (13, 14), "count_sel": (16, 16), "wr_confirm": (20, 20),
                   "dst_cache_policy": (25, 26), "pq_exe_status": (29, 29)}, "src:64", "dst:64"),
                 ({**_COPY1, "src_temporal": (13, 14), "count_sel": (16, 16), "wr_confirm": (20, 20), "mode": (21, 21),
                   "aid_id": (23, 24), "dst_temporal": (25, 26), "pq_exe_status": (29, 29)}, "src:64", "dst:64"))

# WRITE_DATA: "addr" is a memory address or a register's dword offset (dst_sel REG); the data follows
_WRITE1 = {"dst_sel": (8, 11), "addr_incr": (16, 16), "wr_confirm": (20, 20)}
_WRITE = _per_gen(({**_WRITE1, "cache_policy": (25, 26), "engine_sel": (30, 31)}, "addr:64", "*data"),
                  ({**_WRITE1, "cache_policy": (25, 26), "engine_sel": (30, 31)}, "addr:64", "*data"),
                  ({**_WRITE1, "mode": (21, 21), "aid_id": (23, 24), "temporal": (25, 26)}, "addr:64", "*data"))

_IB2 = {"ib_size": (0, 19), "chain": (20, 20), "offload_polling": (21, 21), "valid": (23, 23), "vmid": (24, 27)}
_IB = _per_gen(("ib_base:64", {**_IB2, "cache_policy": (28, 29), "priv": (31, 31)}),
               ("ib_base:64", {**_IB2, "cache_policy": (28, 29), "priv": (31, 31)}),
               ("ib_base:64", {**_IB2, "temporal": (28, 29), "priv": (31, 31)}))

LAYOUTS: dict[str, dict[str, tuple]] = {gen: {
  "NOP": ("*payload",),
  "SET_SH_REG": _SET_SH, "SET_UCONFIG_REG": (_REG1, "*values"), "SET_CONFIG_REG": (_REG1, "*values"),
  "DISPATCH_DIRECT": ("dim_x", "dim_y", "dim_z", "dispatch_initiator"),
  "EVENT_WRITE": ({**_EVENT, "samp_plst_cntr_mode": (29, 30), "offload_enable": (31, 31)}, "address:64?"),
  "RELEASE_MEM": (_RELEASE1[gen], _RELEASE2, "address:64", "data:64", "int_ctxid"),
  "ACQUIRE_MEM": _ACQUIRE[gen], "WAIT_REG_MEM": _WAIT[gen], "COPY_DATA": _COPY[gen], "WRITE_DATA": _WRITE[gen],
  "INDIRECT_BUFFER": _IB[gen],
} for gen in GENS}

def _slot(s) -> tuple[str, int, bool]:
  """A string slot -> (name, dwords (1, 2, or 0 for the tail list), optional)."""
  if s.startswith("*"): return s[1:], 0, False
  name, _, kind = s.partition(":")
  return name, (2 if kind.startswith("64") else 1), kind.endswith("?")

def _fixed_size(layout: tuple) -> tuple[int, bool, bool]:
  """(dwords of the fixed part, has a tail list, last slot optional)."""
  n, tail, opt = 0, False, False
  for s in layout:
    if isinstance(s, dict): n += 1; continue
    _, w, o = _slot(s)
    if w == 0: tail = True
    elif o: opt = True
    else: n += w
  return n, tail, opt

# ---------------------------------------------------------------------------------------------------------------------
# encoding helpers

def parse_header(h: int) -> dict[str, int]:
  return {k: h >> lo & ((1 << (hi - lo + 1)) - 1) for k, (lo, hi) in HEADER.items()}

def header(opcode: int, count: int, *, shader_type: int = 1, predicate: int = 0, reset_filter_cam: int = 0) -> int:
  if not 0 <= opcode < 256: raise ValueError(f"PM4 opcode {opcode} is not 8 bits")
  if not 0 <= count <= 0x3FFF: raise ValueError(f"PM4 count {count} is not 14 bits")
  return 3 << 30 | count << 16 | opcode << 8 | (reset_filter_cam & 1) << 2 | (shader_type & 1) << 1 | (predicate & 1)

def _u32(v, what: str) -> int:
  v = _int(v, what)
  if not 0 <= v < 1 << 32: raise ValueError(f"{what} = {v:#x} is not a 32-bit value")
  return v

def _int(v, what: str) -> int:
  if isinstance(v, bool): return int(v)
  try: return v.__index__()
  except AttributeError: raise ValueError(f"{what} must be an integer, not {v!r}") from None

def _bits(fields: dict, values: dict, what: str) -> int:
  """Pack `values` (a subset of `fields`) into a dword; refuses unknown names and values that do not fit."""
  out = 0
  for k, v in values.items():
    if k not in fields: raise ValueError(f"{what} has no field {k}; its fields: {', '.join(fields)}")
    lo, hi = fields[k]; v = _int(v, f"{what}.{k}")
    if not 0 <= v < 1 << (hi - lo + 1): raise ValueError(f"{what}.{k} = {v:#x} does not fit its {hi - lo + 1} bits")
    out |= v << lo
  return out

def _encode_body(layout: tuple, values: dict, what: str, ignore: frozenset = frozenset()) -> list[int]:
  """The body dwords of `values` laid out by `layout`; names the layout does not know are refused (except `ignore`)."""
  known, pos = set(), 0
  for s in layout:
    if isinstance(s, dict): known |= {*s, f"_reserved{pos}"}; pos += 1
    else: known.add(_slot(s)[0]); pos += _slot(s)[1]
  if unknown := [k for k in values if k not in known and k not in ignore]:
    raise ValueError(f"{what} has no field {', '.join(unknown)}; its fields: {', '.join(k for k in known if k[0] != '_')}")
  out: list[int] = []
  for s in layout:
    if isinstance(s, dict):
      dw = _bits(s, {k: values[k] for k in s if k in values}, what)
      out.append(dw | _u32(values.get(f"_reserved{len(out)}", 0), f"{what} reserved bits"))
      continue
    name, w, opt = _slot(s)
    if w == 0: out.extend(_u32(v, f"{what}.{name}") for v in values.get(name, ()))
    elif opt and name not in values: continue
    elif w == 1: out.append(_u32(values.get(name, 0), f"{what}.{name}"))
    else:
      v = _int(values.get(name, 0), f"{what}.{name}")
      if not 0 <= v < 1 << 64: raise ValueError(f"{what}.{name} = {v:#x} is not a 64-bit value")
      out += [v & 0xFFFFFFFF, v >> 32]
  return out

def _decode_body(layout: tuple, body: Sequence[int]) -> dict:
  out: dict = {}
  pos = 0
  for s in layout:
    if isinstance(s, dict):
      dw, known = body[pos], 0
      for k, (lo, hi) in s.items():
        m = (1 << (hi - lo + 1)) - 1; out[k] = (dw >> lo) & m; known |= m << lo
      if dw & ~known & 0xFFFFFFFF: out[f"_reserved{pos}"] = dw & ~known & 0xFFFFFFFF
      pos += 1; continue
    name, w, opt = _slot(s)
    if w == 0: out[name] = [int(x) for x in body[pos:]]; pos = len(body)
    elif opt and pos >= len(body): continue
    elif w == 1: out[name] = int(body[pos]); pos += 1
    else: out[name] = int(body[pos]) | int(body[pos + 1]) << 32; pos += 2
  return out

def _body_fits(layout: tuple, n: int) -> bool:
  fixed, tail, opt = _fixed_size(layout)
  return n >= fixed if tail else n in ((fixed, fixed + 2) if opt else (fixed,))

# ---------------------------------------------------------------------------------------------------------------------
# the builder

class Stream:
  """A PM4 command stream under construction for generation `gen` ("gfx11", "gfx12", "gfx9.4.3"). Every method appends
  one packet (a register write may instead extend the packet before it) and returns the stream. `.words` is the stream
  as numpy uint32, `.tolist()` as ints, `decode()` as decode() reads it."""

  def __init__(self, gen: str, compute: bool = True):
    self.gen, self.shader_type = check_gen(gen), int(compute)
    self.regs, self.layouts, self._w = R.REGS[gen], LAYOUTS[gen], []
    self._open: tuple[str, int, int] | None = None   # (packet, header index, next offset) of a register packet that may grow

  def __len__(self) -> int: return len(self._w)
  @property
  def words(self) -> np.ndarray: return np.array(self._w, dtype=np.uint32)
  def tolist(self) -> list[int]: return list(self._w)
  def decode(self) -> list[dict]: return decode(self._w, self.gen)

  # ---- raw packets
  def packet(self, op: str | int, *body: int, predicate: int = 0) -> Stream:
    """Any type-3 packet from its body dwords (at least one; a header-only packet is nop(1))."""
    opcode = OPCODES[op] if isinstance(op, str) else op
    if not 1 <= len(body) <= MAX_BODY: raise ValueError(f"a PM4 packet body has 1..{MAX_BODY} dwords, not {len(body)}")
    self._w.append(header(opcode, len(body) - 1, shader_type=self.shader_type, predicate=predicate))
    self._w.extend(_u32(b, f"{OPNAMES.get(opcode, opcode)} body") for b in body)
    self._open = None
    return self

  def _layout_packet(self, name: str, **values) -> Stream:
    return self.packet(name, *_encode_body(self.layouts[name], values, name))

  def nop(self, n: int = 1) -> Stream:
    """n dwords of NOP in one packet (n == 1: the header-only form)."""
    if not 1 <= n <= MAX_BODY + 1: raise ValueError(f"a NOP is 1..{MAX_BODY + 1} dwords, not {n}")
    if n == 1:
      self._w.append(header(OPCODES["NOP"], NOP_HEADER_ONLY, shader_type=self.shader_type)); self._open = None
      return self
    return self.packet("NOP", *([0] * (n - 1)))

  # ---- registers
  def reg(self, reg: str | Register | int) -> int:
    """A register's dword offset: from its name, its Register or the offset itself."""
    if isinstance(reg, Register): return reg.offset
    if isinstance(reg, str): return R.get(self.gen, reg).offset
    return _int(reg, "register offset")

  def _set(self, packet: str, reg: str | Register | int, values: tuple, fields: dict) -> Stream:
    base, space = REG_PACKETS[packet]
    off = self.reg(reg)
    if fields:
      if values: raise ValueError(f"{packet}: give the values or the fields of {reg}, not both")
      values = (R.pack(reg if isinstance(reg, Register) else R.by_offset(self.gen, off), **fields),)
    if not values: raise ValueError(f"{packet}: no value for {reg}")
    vals = [_u32(v, f"{packet} value") for v in values]
    last = off + len(vals) - 1
    if not (R.SPACES[space][0] <= off and last < R.SPACES[space][1]):
      name = reg.name if isinstance(reg, Register) else reg
      raise ValueError(f"{packet} cannot write {name} (dword {off:#x}): outside the {space} space "
                       f"{R.SPACES[space][0]:#x}..{R.SPACES[space][1]:#x} ({R.space_of(off)})")
    o = self._open
    if o and o[0] == packet and o[2] == off and (self._w[o[1]] >> 16 & 0x3FFF) + 1 + len(vals) <= MAX_BODY:
      self._w[o[1]] += len(vals) << 16           # consecutive registers: grow the open packet's count
      self._w.extend(vals)
    else:
      self.packet(packet, off - base, *vals)
      o = (packet, len(self._w) - 2 - len(vals), 0)
    self._open = (packet, o[1], last + 1)
    return self

  def set_sh_reg(self, reg: str | Register | int, *values: int, **fields: int) -> Stream:
    """Write `values` to consecutive SH registers from `reg` on (or one register from its fields). A write to the
    register right after the previous SET_SH_REG's last one joins that packet."""
    return self._set("SET_SH_REG", reg, values, fields)

  def set_uconfig_reg(self, reg: str | Register | int, *values: int, **fields: int) -> Stream:
    """As set_sh_reg, for UCONFIG registers (GRBM_GFX_INDEX, SQ_THREAD_TRACE_*, SPI_CONFIG_CNTL...)."""
    return self._set("SET_UCONFIG_REG", reg, values, fields)

  # ---- events and synchronization
  def event_write(self, event: str | int, index: int | None = None, **fields: int) -> Stream:
    """EVENT_WRITE of a non-timestamp event (CS_PARTIAL_FLUSH, THREAD_TRACE_START/STOP/FINISH/MARKER, PERFCOUNTER_*...)
    with its event_index (event_index() unless given). End-of-pipe events (*_TS, *_DONE) go through release_mem()."""
    name, etype = self._event(event)
    if event_index(name) in (5, 6): raise ValueError(f"{name} is an end-of-pipe event: write it with release_mem()")
    return self._layout_packet("EVENT_WRITE", event_type=etype, event_index=event_index(name) if index is None else index,
                               **fields)

  def _event(self, event: str | int) -> tuple[str, int]:
    names = EVENTS[self.gen]
    if isinstance(event, str):
      if event not in EVENT_TYPES[self.gen]: raise ValueError(f"{self.gen} has no event {event}")
      return event, EVENT_TYPES[self.gen][event]
    if not 0 <= event < 64: raise ValueError(f"event type {event} is not 6 bits")
    return names[event], event

  def release_mem(self, event: str | int = "BOTTOM_OF_PIPE_TS", *, address: int = 0, data: int = 0,
                  data_sel: str | int = "NONE", int_sel: str | int = "NONE", dst_sel: str | int = "MEM",
                  event_index: int | None = None, int_ctxid: int = 0, **cache: int) -> Stream:
    """RELEASE_MEM: once `event` is reached, do the cache actions named in `cache` (this generation's dword-1 fields,
    e.g. gfx11 gl2_wb=1, gfx9.4.3 tc_wb_action_ena=1, gfx12 gcr_cntl=N), then write `data` (data_sel DATA32/DATA64,
    or the GPU clock: GPU_CLOCK) to `address` and/or interrupt (int_sel)."""
    name, etype = self._event(event)
    ds = _sel(DATA_SEL, data_sel, "data_sel")
    if address % (8 if ds in (2, 3) else 4): raise ValueError(f"RELEASE_MEM address {address:#x} is not aligned for data_sel {ds}")
    return self._layout_packet("RELEASE_MEM", event_type=etype, event_index=_event_index(name, event_index),
                               dst_sel=_sel(RELEASE_DST, dst_sel, "dst_sel"), int_sel=_sel(INT_SEL, int_sel, "int_sel"),
                               data_sel=ds, address=address, data=data, int_ctxid=int_ctxid, **cache)

  def acquire_mem(self, *, base: int = 0, size: int | None = None, poll_interval: int = 10, **flags: int) -> Stream:
    """ACQUIRE_MEM: make [base, base + size) (256-byte units; default everything) coherent for what follows, with
    this generation's cache actions named in `flags` (gfx11 gcr fields gl2_inv=1..., gfx9.4.3 coher_cntl bits
    tc_action_ena=1..., gfx12 gcr_cntl=N). poll_interval 10 as Linux and Mesa use."""
    if size is None: size = (0xFFFFFF if self.gen == "gfx9.4.3" else 0xFF) << 32 | 0xFFFFFFFF
    return self._layout_packet("ACQUIRE_MEM", coher_size=size, coher_base=base, poll_interval=poll_interval, **flags)

  def wait_reg_mem(self, function: str | int, reference: int, mask: int = 0xFFFFFFFF, *, mem: int | None = None,
                   reg: str | Register | int | None = None, poll_interval: int = 4, operation: int = 0,
                   **fields: int) -> Stream:
    """WAIT_REG_MEM: stall until (value & mask) `function` reference, the value read from memory at `mem` or from
    register `reg` (function: always < <= == != >= > or 0..6)."""
    if (mem is None) == (reg is None): raise ValueError("wait_reg_mem: give exactly one of mem= and reg=")
    if mem is not None and mem % 4: raise ValueError(f"wait_reg_mem: memory address {mem:#x} is not 4-aligned")
    return self._layout_packet("WAIT_REG_MEM", function=_sel(WAIT_FUNCTIONS, function, "function"),
                               mem_space=int(mem is not None), operation=operation,
                               addr=mem if mem is not None else self.reg(reg), reference=reference, mask=mask,
                               poll_interval=poll_interval, **fields)

  def copy_data(self, src_sel: str | int, dst_sel: str | int, src: int | str | Register = 0, dst: int | str | Register = 0,
                **fields: int) -> Stream:
    """COPY_DATA from src (a register for REG/PERF, an address for MEM/TC_L2, the data for IMM) to dst (a register
    for REG/PERF, an address for MEM/TC_L2). count_sel=1 copies 64 bits; wr_confirm=1 waits for the write."""
    s, d = _sel(COPY_SRC, src_sel, "src_sel"), _sel(COPY_DST, dst_sel, "dst_sel")
    return self._layout_packet("COPY_DATA", src_sel=s, dst_sel=d, src=self.reg(src) if s in COPY_REG else src,
                               dst=self.reg(dst) if d in COPY_REG else dst, **fields)

  def write_data(self, dst: int | str | Register, *data: int, dst_sel: str | int = "MEM", wr_confirm: int = 1,
                 **fields: int) -> Stream:
    """WRITE_DATA: `data` dwords to memory at `dst` (dst_sel MEM/TC_L2) or to register `dst` (dst_sel REG)."""
    d = _sel(WRITE_DST, dst_sel, "dst_sel")
    if not data: raise ValueError("write_data: no data")
    addr = self.reg(dst) if d == 0 else _int(dst, "write_data address")
    if d != 0 and addr % 4: raise ValueError(f"write_data: address {addr:#x} is not 4-aligned")
    return self._layout_packet("WRITE_DATA", dst_sel=d, wr_confirm=wr_confirm, addr=addr, data=list(data), **fields)

  # ---- work
  def dispatch_direct(self, x: int, y: int, z: int, initiator: int | dict) -> Stream:
    """DISPATCH_DIRECT of x*y*z workgroups; initiator is COMPUTE_DISPATCH_INITIATOR's value or its fields as a dict."""
    if isinstance(initiator, dict): initiator = R.pack(self.regs["COMPUTE_DISPATCH_INITIATOR"], **initiator)
    return self._layout_packet("DISPATCH_DIRECT", dim_x=x, dim_y=y, dim_z=z, dispatch_initiator=initiator)

  def indirect_buffer(self, va: int, ndwords: int, *, valid: int = 1, **fields: int) -> Stream:
    """INDIRECT_BUFFER: run the ndwords-long PM4 stream at va (4-aligned), then come back (chain=1: do not)."""
    if va % 4: raise ValueError(f"indirect_buffer: address {va:#x} is not 4-aligned")
    if not 0 < ndwords < 1 << 20: raise ValueError(f"indirect_buffer: {ndwords} dwords does not fit ib_size (20 bits)")
    return self._layout_packet("INDIRECT_BUFFER", ib_base=va, ib_size=ndwords, valid=valid, **fields)

def _sel(table: dict, v: str | int, what: str) -> int:
  if isinstance(v, str):
    if v not in table: raise ValueError(f"unknown {what} {v!r}; have {', '.join(table)}")
    return table[v]
  return _int(v, what)

def _event_index(name: str, given: int | None) -> int: return event_index(name) if given is None else given

# ---------------------------------------------------------------------------------------------------------------------
# the decoder and its inverse

def _as_words(words) -> np.ndarray:
  if isinstance(words, (bytes, bytearray, memoryview)):
    if len(words) % 4: raise ValueError(f"a PM4 stream is whole dwords; {len(words)} bytes is not")
    return np.frombuffer(bytes(words), dtype="<u4")
  a = np.asarray(words)
  if a.size and (a.min() < 0 or a.max() > 0xFFFFFFFF): raise ValueError("PM4 words must be 32-bit unsigned")
  return a.astype(np.uint32).ravel()

_COMPUTE_FLAGS = {"shader_type": 1, "predicate": 0, "reset_filter_cam": 0}

def _flags(h: int) -> dict:
  """Header flags that differ from a compute queue's."""
  f = parse_header(h)
  return {k: f[k] for k, v in _COMPUTE_FLAGS.items() if f[k] != v}

def decode(words, gen: str) -> list[dict]:
  """The packets of a PM4 stream (numpy/list of dwords, or little-endian bytes) as JSON-able dicts (module docstring).
  A packet running past the end raises ValueError naming its dword offset."""
  check_gen(gen)
  w = _as_words(words)
  n, i, out = len(w), 0, []
  layouts, events = LAYOUTS[gen], EVENTS[gen]
  while i < n:
    h = int(w[i]); kind, count = h >> 30, h >> 16 & 0x3FFF
    if kind == 2:                                                    # type-2: a one-dword filler (sid.h PKT2_NOP_PAD)
      out.append({"packet": "TYPE2", **({"bits": h & 0x3FFFFFFF} if h & 0x3FFFFFFF else {})}); i += 1; continue
    if kind == 0:                                                    # type-0: count+1 registers from a base offset
      if i + count + 2 > n: raise ValueError(f"PM4 stream truncated: type-0 packet at dword {i} needs {count + 2} dwords, {n - i} left")
      out.append({"packet": "TYPE0", "base": h & 0xFFFF, "values": [int(x) for x in w[i + 1:i + count + 2]]}); i += count + 2
      continue
    if kind == 1: out.append({"packet": "UNKNOWN", "type": 1, "words": [h]}); i += 1; continue
    op = h >> 8 & 0xFF; name = OPNAMES.get(op)
    if name == "NOP" and count == NOP_HEADER_ONLY: out.append({"packet": "NOP", "size": 1, **_flags(h)}); i += 1; continue
    size = count + 2
    if i + size > n:
      raise ValueError(f"PM4 stream truncated: {name or f'opcode {op:#x}'} packet at dword {i} needs {size} dwords, "
                       f"{n - i} left")
    body = [int(x) for x in w[i + 1:i + size]]
    out.extend(_decode_packet(name, op, h, body, layouts, events, gen))
    i += size
  return out

def _decode_packet(name: str | None, op: int, h: int, body: list[int], layouts: dict, events: tuple, gen: str) -> list[dict]:
  flags = _flags(h)
  if name in REG_PACKETS:
    base = REG_PACKETS[name][0]
    d = _decode_body(layouts[name], body)
    off0, extra = base + d.pop("reg_offset"), {k: v for k, v in d.items() if k != "values" and v}
    out = []
    for k, v in enumerate(d["values"]):
      r = R.lookup(gen, off0 + k)
      out.append({"packet": name, "reg": r.name if r else None, "addr": (off0 + k) * 4, "value": v, **extra, **flags})
    return out or [{"packet": name, "addr": off0 * 4, "values": [], **extra, **flags}]   # a bare offset: keep it
  if name == "NOP": return [{"packet": "NOP", "size": len(body) + 1, **({"payload": body} if any(body) else {}), **flags}]
  layout = layouts.get(name) if name else None
  if layout is None or not _body_fits(layout, len(body)):
    return [{"packet": name or "UNKNOWN", "opcode": op, "words": body, **flags}]
  d = _decode_body(layout, body)
  if "event_type" in d: d = {"event": events[d.pop("event_type")], **d}
  def reg(v: int) -> str | None: return (r := R.lookup(gen, v & 0xFFFFFFFF)) and r.name
  if name == "WAIT_REG_MEM" and d["mem_space"] == 0: d["reg"] = reg(d["addr"])
  if name == "WRITE_DATA" and d["dst_sel"] == 0: d["reg"] = reg(d["addr"])
  if name == "COPY_DATA":
    if d["src_sel"] in COPY_REG: d["src_reg"] = reg(d["src"])
    if d["dst_sel"] in COPY_REG: d["dst_reg"] = reg(d["dst"])
  return [{"packet": name, **d, **flags}]

def encode(packets: Iterable[dict], gen: str) -> list[int]:
  """The dwords of decoded packets: decode()'s inverse. Consecutive register entries of one packet kind with
  consecutive addresses (and the same flags) become one packet, as Stream writes them."""
  check_gen(gen)
  layouts, types, out = LAYOUTS[gen], EVENT_TYPES[gen], []
  pending: list[dict] = []

  def flush():
    if not pending: return
    p0 = pending[0]; base = REG_PACKETS[p0["packet"]][0]
    off = p0["addr"] // 4 if "addr" in p0 else R.get(gen, p0["reg"]).offset
    vals = p0.get("values") if "values" in p0 else [p["value"] for p in pending]
    extra = _extra(p0, layouts)
    body = _encode_body(layouts[p0["packet"]], {"reg_offset": off - base, "values": vals, **extra}, p0["packet"])
    out.append(header(OPCODES[p0["packet"]], len(body) - 1, **_hdr(p0))); out.extend(body)
    pending.clear()

  for p in packets:
    name = p["packet"]
    if name in REG_PACKETS:
      if "values" in p: flush(); pending.append(p); flush(); continue
      prev = pending[-1] if pending else None
      if prev and (prev["packet"] != name or _addr(prev, gen) + 4 != _addr(p, gen) or _hdr(prev) != _hdr(p)
                   or _extra(prev, layouts) != _extra(p, layouts) or len(pending) >= MAX_BODY - 1): flush()
      pending.append(p); continue
    flush()
    if name == "TYPE2": out.append(2 << 30 | p.get("bits", 0)); continue
    if name == "TYPE0": out.append(p["base"] | (len(p["values"]) - 1) << 16); out.extend(p["values"]); continue
    if name == "UNKNOWN" and "type" in p: out.extend(p["words"]); continue
    if name == "NOP" and p.get("size") == 1:
      out.append(header(OPCODES["NOP"], NOP_HEADER_ONLY, **_hdr(p))); continue
    if "words" in p: body = [_u32(x, f"{name} word") for x in p["words"]]; op = p.get("opcode", OPCODES.get(name))
    elif name == "NOP": body = list(p.get("payload", [0] * (p["size"] - 1))); op = OPCODES["NOP"]
    else:
      vals = dict(p)
      if "event" in vals and "event_type" not in vals: vals["event_type"] = types[vals["event"]]
      body, op = _encode_body(layouts[name], vals, name, INFO_KEYS), OPCODES[name]
    out.append(header(op, len(body) - 1, **_hdr(p))); out.extend(body)
  flush()
  return out

def _hdr(p: dict) -> dict: return {k: p.get(k, v) for k, v in _COMPUTE_FLAGS.items()}

def _addr(p: dict, gen: str) -> int: return p["addr"] if "addr" in p else R.get(gen, p["reg"]).byte

def _extra(p: dict, layouts: dict) -> dict:
  """A register entry's dword-1 fields other than the offset (vmid_shift, index, reserved bits)."""
  return {k: v for k, v in p.items() if (k in layouts[p["packet"]][0] or k.startswith("_reserved")) and k != "reg_offset"}
