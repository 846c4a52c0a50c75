"""SQ thread-trace packet layouts as data, one table per stream layout.

An SQTT buffer is a stream of 4-bit nibbles, least significant nibble of each byte first. A packet starts at
any nibble; its lowest bits say which packet it is (a prefix-free code, so the first byte always decides)
and that fixes its size. Each row below gives, for one packet:

  match   the packet's lowest bits, most significant first: "0100001" means bits[6:0] == 0b0100001
  bits    its size (always a whole number of nibbles)
  time    how it moves the trace clock (TIME_RULES)
  fields  name -> (hi, lo) inclusive bit range, or a tuple of ranges concatenated lowest part first

The facts (ids, sizes, field positions, clock rules) are learned from tinygrad's SQTT decoder, the reference
the tests hold us to (tests/sqtt/reference_counts.json names its version). Names are ours; fields whose meaning
is not known are named by bit position (flag_b3). Bytes no row matches decode as UNKNOWN, one nibble long:
on RDNA those are low nibble 0111 and low 7 bits 1000001.

Layouts: "rdna3" is gfx11 (the stream header says layout 3), "rdna4" gfx12 (layout 4), "cdna" gfx9xx
(MI-series: 4-bit packet ids, times from MISC deltas and absolute TIMESTAMP packets).
"""
from __future__ import annotations
from functools import lru_cache
from typing import NamedTuple

class Packet(NamedTuple):
  name: str
  match: str
  bits: int
  time: str
  fields: dict

def P(name: str, match: str, bits: int, time: str = "delta", **fields) -> Packet:
  return Packet(name, match, bits, time, fields)

# time rules: what a packet does to the running clock; "delta" fields are the packet's own
#   none        nothing
#   delta       time += delta
#   delta+4     time += delta + 4             (the short form never encodes gaps under 4)
#   delta*4     time += delta * 4             (CDNA counts in units of 4 cycles)
#   mark        time += delta unless it is a marker (rt set, pl clear): markers reuse the delta bits
#   absolute    CDNA TIMESTAMP with tag == 0: the first one anchors the clock, later ones re-sync it
#   header      a stream header: switches the layout to its `layout` field (3 or 4); no time
TIME_RULES = ("none", "delta", "delta+4", "delta*4", "mark", "absolute", "header")

# ---------------------------------------------------------------------------------------------------
# RDNA3 (gfx11, layout 3). Ids are 3 to 8 bits long: the frequent packets get the short ones.

_RDNA_COMMON = [
  P("NOP",              "0000",      4, "none"),
  P("LAYOUT_HEADER",    "0010001",  64, "header", layout=(12, 7), simd=(14, 13), group=(17, 15), sel_a=(31, 28), sel_b=(36, 33),
    flag_b59=(59, 59)),
  P("VALU_INST",        "011",      12, delta=(5, 3), flag_b6=(6, 6), wave=(11, 7)),
  P("VMEM_EXEC",        "1111",      8, delta=(5, 4), src=(7, 6)),     # src: MEM_SRC
  P("ALU_EXEC",         "1110",      8, delta=(5, 4), src=(7, 6)),     # src: ALU_SRC
  P("IMMEDIATE",        "1101",     12, delta=(6, 4), wave=(11, 7)),   # s_nop/s_waitcnt-like instructions, one wave
  P("IMMEDIATE_MASK",   "00100",    24, delta=(7, 5), mask=(23, 8)),   # the same for every wave set in mask
  P("WAVE_READY",       "10100",    24, delta=(7, 5), mask=(23, 8)),
  P("TS_DELTA_S8_W3",   "0100001",  72, delta=(10, 8)),
  P("TS_DELTA_SHORT",   "1000",      8, "delta+4", delta=(7, 4)),
  P("UTIL_COUNTER",     "0110001",  48, delta=(8, 7), counter=(47, 9)),
  P("TS_WAVE_STATE",    "1010001",  24, delta=(15, 7), coarse=(23, 16)),  # coarse bit 0: wave of interest, bit 3: all terminated
  P("EVENT",            "01100001", 24, delta=(10, 8), event=(23, 11)),
  P("EVENT_BIG",        "11100001", 32, delta=(10, 8), event=(31, 11)),
  P("REG",              "1001",     64, delta=(6, 4), slot=(9, 7), hi_byte=(15, 8), subop=(31, 16), value=(63, 32)),
  P("SNAPSHOT",         "1110001",  64, delta=(9, 7), snap=(63, 10)),
]

RDNA3 = _RDNA_COMMON + [
  P("INST",             "010",      20, delta=(6, 4), flag_b3=(3, 3), flag_b7=(7, 7), wave=(12, 8), op=(19, 13)),  # op: INST_OPS_RDNA3
  P("WAVE_START",       "01100",    32, delta=(6, 5), sa=(7, 7), simd=(9, 8), wgp=(12, 10), wave=(17, 13), uid=(31, 18),
    cu=((12, 10), (7, 7))),
  P("WAVE_END",         "10101",    20, delta=(7, 5), sa=(8, 8), simd=(10, 9), wgp=(13, 11), wave=(19, 15), cu=((13, 11), (8, 8))),
  P("WAVE_ALLOC",       "00101",    20, delta=(7, 5)),
  P("PERF",             "10110",    28, delta=(7, 5), arg=(27, 8)),
  P("TS_DELTA_S5_W2",   "11100",    48, delta=(6, 5)),
  P("TS_DELTA_S5_W3",   "00110",    52, delta=(7, 5)),
  P("TS_DELTA_OR_MARK", "0000001",  48, "mark", delta=(47, 12), pl=(8, 8), rt=(9, 9)),
]

# RDNA4 (gfx12, layout 4): same ids; a 4-bit WGP field moves the wave fields, several packets change size
RDNA4 = _RDNA_COMMON + [
  P("INST",             "010",      20, delta=(5, 3), wave64_hi=(6, 6), wave=(11, 7), op=(19, 12)),  # op: INST_OPS_RDNA4
  P("WAVE_START",       "01100",    32, delta=(6, 5), sa=(7, 7), simd=(9, 8), wgp=(13, 10), wave=(19, 15), uid=(31, 20),
    cu=((13, 10), (7, 7))),
  P("WAVE_END",         "10101",    20, delta=(7, 5), sa=(8, 8), simd=(10, 9), wgp=(14, 11), wave=(19, 15), cu=((14, 11), (8, 8))),
  P("WAVE_ALLOC",       "00101",    24, delta=(7, 5)),
  P("PERF",             "10110",    32, delta=(9, 7), arg=(31, 10)),
  P("TS_DELTA_S5_W2",   "11100",    40, delta=(6, 5)),
  P("TS_DELTA_S5_W3",   "00110",    56, delta=(9, 7)),
  P("TS_DELTA_OR_MARK", "0000001",  64, "mark", delta=(63, 12), rt=(7, 7), pl=(8, 8), tl=(9, 9)),
]

# ---------------------------------------------------------------------------------------------------
# CDNA (gfx9xx): bits[3:0] is the packet id. The stream's first packet is a 64-bit header with id 1
# (low byte 0x11), decoded as LAYOUT_HEADER; after it id 1 is a TIMESTAMP.

CDNA = [
  P("MISC",           "0000", 16, "delta*4", delta=(11, 4), sh=(12, 12), misc_type=(15, 13)),
  P("TIMESTAMP",      "0001", 64, "absolute", tag=(15, 4), timestamp=(63, 16)),
  P("REG",            "0010", 64, "none", pipe=(6, 5), me=(8, 7), regaddr=(31, 16), value=(63, 32)),
  P("WAVE_START",     "0011", 32, "none", sh=(5, 5), cu=(9, 6), wave=(13, 10), simd=(15, 14), pipe=(17, 16), me=(19, 18),
    count=(28, 22)),
  P("WAVE_ALLOC",     "0100", 16, "none", sh=(5, 5), cu=(9, 6), wave=(13, 10), simd=(15, 14)),
  P("REG_CS",         "0101", 48, "none", pipe=(6, 5), me=(8, 7), regaddr=(15, 9), value=(47, 16)),
  P("WAVE_END",       "0110", 16, "none", sh=(5, 5), cu=(9, 6), wave=(13, 10), simd=(15, 14)),
  P("EVENT",          "0111", 16, "none"),
  P("EVENT_CS",       "1000", 16, "none"),
  P("EVENT_GFX1",     "1001", 16, "none"),
  P("INST",           "1010", 16, "none", wave=(8, 5), simd=(10, 9), op=(15, 11)),   # op: INST_OPS_CDNA
  P("INST_PC",        "1011", 64, "none", wave=(8, 5), simd=(10, 9), err=(15, 15), pc=(63, 16)),
  P("USERDATA",       "1100", 48, "none", sh=(5, 5), cu=(9, 6), wave=(13, 10), simd=(15, 14), data=(47, 16)),
  P("ISSUE",          "1101", 32, "none", simd=(6, 5), **{f"inst{i}": (9 + 2 * i, 8 + 2 * i) for i in range(10)}),
  P("PERF",           "1110", 64, "none", sh=(5, 5), cu=(9, 6), bank=(11, 10), ctr0=(24, 12), ctr1=(37, 25), ctr2=(50, 38),
    ctr3=(63, 51)),
  P("REG_CS_PRIV",    "1111", 48, "none", pipe=(6, 5), me=(8, 7), regaddr=(15, 9), value=(47, 16)),
]
CDNA_HEADER = P("LAYOUT_HEADER", "0010001", 64, "none", layout=(12, 7))

LAYOUTS = {"rdna3": RDNA3, "rdna4": RDNA4, "cdna": CDNA}
LAYOUT_NAMES = tuple(LAYOUTS)                     # a packet's `layout` column indexes this
HEADER_LAYOUTS = {3: "rdna3", 4: "rdna4"}         # RDNA header `layout` field -> layout

# kind ids are shared by all layouts: a WAVE_START is kind WAVE_START whatever the architecture; its fields
# are read through that layout's row. UNKNOWN marks a nibble no row matches (the decoder steps one nibble).
KINDS: tuple[str, ...] = tuple(dict.fromkeys(["NOP", "LAYOUT_HEADER", "UNKNOWN"] + [p.name for t in LAYOUTS.values() for p in t]))
KIND = {name: i for i, name in enumerate(KINDS)}

@lru_cache(maxsize=64)
def arch_layout(arch: str | None) -> str | None:
  """'gfx1100' -> 'rdna3', 'gfx1201' -> 'rdna4', 'gfx950'/'gfx942' -> 'cdna'; None for anything else."""
  a = (arch or "").lower().split(":")[0]
  if not a.startswith("gfx") or not a[3:].isalnum(): return None
  if a.startswith("gfx11"): return "rdna3"
  if a.startswith("gfx12"): return "rdna4"
  if len(a) == 6 and a.startswith("gfx9"): return "cdna"    # gfx908/90a/940/942/950: the MI series
  return None

# ---------------------------------------------------------------------------------------------------
# INST packet `op` values (what kind of instruction issued). Facts from tinygrad's tables; "OTHER_*" ops
# were issued by another SIMD than the traced one, the number after the category is a cycle count.

def _ops(named: dict[int, str], *other: tuple[str, int, int, int]) -> dict[int, str]:
  out = dict(named)
  for category, first, last, base in other: out.update({v: f"OTHER_{category}_{v - first + base}" for v in range(first, last + 1)})
  return out

INST_OPS_RDNA3 = _ops({
  0x00: "SALU", 0x01: "SMEM_RD", 0x03: "JUMP", 0x04: "JUMP_NO", 0x05: "CALL", 0x09: "MESSAGE", 0x0b: "VALUT_4", 0x0d: "VALUB_2",
  0x0e: "VALUB_4", 0x0f: "VALUB_16", 0x12: "VINTERP", 0x13: "BARRIER",
  0x1c: "FLAT_RD_2", 0x1d: "FLAT_WR_3", 0x1e: "FLAT_WR_4", 0x1f: "FLAT_WR_5", 0x20: "FLAT_WR_6",
  0x21: "SGMEM_RD_1", 0x22: "SGMEM_RD_2", 0x24: "SGMEM_WR_2", 0x25: "SGMEM_WR_3", 0x26: "SGMEM_WR_4", 0x27: "SGMEM_WR_5",
  0x28: "SGMEM_WR_6", 0x29: "LDS_RD", 0x2a: "LDS_WR_1", 0x2b: "LDS_WR_2", 0x2c: "LDS_WR_3", 0x2d: "LDS_WR_4", 0x2e: "LDS_WR_5",
  0x72: "SALU_WR_EXEC", 0x73: "VALU1_WR_EXEC",
}, ("LDS", 0x50, 0x54, 1), ("FLAT", 0x55, 0x59, 2), ("VMEM", 0x5a, 0x66, 1))

INST_OPS_RDNA4 = _ops({
  0x00: "SALU", 0x01: "SMEM", 0x02: "SMEM_WR", 0x03: "JUMP", 0x04: "JUMP_NO", 0x05: "CALL", 0x07: "SALU_NO_EXEC", 0x09: "MESSAGE",
  0x0a: "VALU_1", 0x0b: "VALUT_4", 0x0c: "VALUB_1", 0x0d: "VALUB_2", 0x0e: "VALUB_4", 0x0f: "VALUB_16", 0x12: "VINTERP",
  0x13: "BARRIER_WAIT", 0x1c: "FLAT_RD_2", 0x1d: "FLAT_WR_3", 0x1e: "FLAT_WR_4", 0x1f: "FLAT_WR_5", 0x20: "FLAT_WR_6",
  0x21: "VMEM_RD_1", 0x22: "VMEM_RD_2", 0x23: "VMEM_WR_1", 0x24: "VMEM_WR_2", 0x25: "VMEM_WR_3", 0x26: "VMEM_WR_4",
  0x27: "VMEM_WR_5", 0x28: "VMEM_WR_6", 0x29: "LDS_RD", 0x2a: "LDS_WR_1", 0x2b: "LDS_WR_2", 0x2c: "LDS_WR_3", 0x2d: "LDS_WR_4",
  0x2e: "LDS_WR_5", 0x2f: "BUF_RD_1", 0x30: "BUF_RD_2", 0x31: "BUF_WR_1", 0x32: "BUF_WR_2", 0x33: "BUF_WR_3", 0x34: "BUF_WR_4",
  0x35: "BUF_WR_5", 0x36: "BUF_WR_6", 0x6e: "LDS_DIR_LOAD", 0x6f: "LDS_PARAM_LOAD", 0x72: "SALU_WR_EXEC", 0x73: "VALU1_WR_EXEC",
  0x74: "VALU_WR_EXEC_2", 0x77: "OTHER_LDS_6", 0x78: "OTHER_LDS_10", 0x7a: "BARRIER_SIGNAL", 0x87: "DYN_VGPR",
  0x8a: "BARRIER_JOIN", 0x8c: "WMMA_8", 0x8d: "WMMA_16", 0x8e: "WMMA_32", 0x8f: "WMMA_64", 0x92: "VALU_DPFP",
  0x98: "SALU_FLOAT_3", 0x99: "VALU_SCL_TRANS", 0x9b: "SALU_2", 0x9c: "SALU_5",
}, ("LDS", 0x50, 0x54, 1), ("FLAT", 0x55, 0x59, 2), ("VMEM", 0xbc, 0xdd, 1))

INST_OPS_CDNA = {0: "SMEM_RD", 1: "SALU_32", 2: "VMEM_RD", 3: "VMEM_WR", 4: "FLAT_WR", 5: "VALU_32", 6: "LDS", 7: "PC",
                 12: "JUMP", 13: "NEXT", 14: "FLAT_RD", 15: "OTHER_MSG", 16: "SMEM_WR", 17: "SALU_64", 18: "VALU_64", 28: "VALU_MAI"}

INST_OPS = {"rdna3": INST_OPS_RDNA3, "rdna4": INST_OPS_RDNA4, "cdna": INST_OPS_CDNA}
MEM_SRC = ("LDS", "LDS_ALT", "VMEM", "VMEM_ALT")     # VMEM_EXEC src
ALU_SRC = ("NONE", "SALU", "VALU", "VALU_SALU")      # ALU_EXEC src
