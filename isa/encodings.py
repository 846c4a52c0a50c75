"""Instruction encodings as data: how the bits of each format are laid out.

Bit positions count over the instruction's 32-bit words read as one little-endian value
(word0 is bits 0..31, word1 bits 32..63, word2 bits 64..95). Per-opcode facts (mnemonic, operand
widths and types) live in the generated tables under isa/tables/; this file is the hand-written
part: the field layouts from the ISA manuals, checked against LLVM by isa/gen_tables.py.
"""
from __future__ import annotations
from dataclasses import dataclass
from functools import cached_property

# field kinds: how a field's value turns into operand text
#   src9   9-bit VALU source: sgpr / special / inline constant / 255 literal / 256+ vgpr
#   ssrc8  8-bit SALU source (same as src9 without vgprs)
#   sdst7  7-bit scalar destination          vgpr8  8-bit VGPR number
#   sbase6 SGPR pair number (x2)              srsrc5 SGPR quad number (x4)
#   (sdst7 also serves wider SGPR-only fields such as gfx12's 9-bit buffer resource)
#   simm   raw immediate (printed as the opcode's table says)


@dataclass(frozen=True)
class Field:
  name: str
  lo: int
  hi: int
  kind: str = "imm"

  def get(self, v: int) -> int: return (v >> self.lo) & ((1 << (self.hi - self.lo + 1)) - 1)
  @property
  def mask(self) -> int: return ((1 << (self.hi - self.lo + 1)) - 1) << self.lo


@dataclass(frozen=True)
class Encoding:
  name: str
  mask: int            # on word0
  match: int
  words: int           # 1, 2 or 3 (gfx12 vector memory), literal not counted
  opcode: Field
  fields: tuple[Field, ...]

  def field(self, name: str) -> Field: return self.by_name[name]

  @cached_property
  def by_name(self) -> dict[str, Field]: return {f.name: f for f in self.fields}


def _enc(name, mask, match, words, op, *fields):
  return Encoding(name, mask, match, words, Field("op", *op), tuple(Field(*f) for f in fields))


_VOP3_SRCS = (("src0", 32, 40, "src9"), ("src1", 41, 49, "src9"), ("src2", 50, 58, "src9"))

# RDNA3 (gfx11). Order matters: the first encoding whose (mask, match) fits word0 wins.
GFX11 = (
  _enc("SOP1", 0xFF800000, 0xBE800000, 1, (8, 15), ("sdst", 16, 22, "sdst7"), ("ssrc0", 0, 7, "ssrc8")),
  _enc("SOPC", 0xFF800000, 0xBF000000, 1, (16, 22), ("ssrc0", 0, 7, "ssrc8"), ("ssrc1", 8, 15, "ssrc8")),
  _enc("SOPP", 0xFF800000, 0xBF800000, 1, (16, 22), ("simm16", 0, 15)),
  _enc("SOPK", 0xF0000000, 0xB0000000, 1, (23, 27), ("sdst", 16, 22, "sdst7"), ("simm16", 0, 15)),
  _enc("SOP2", 0xC0000000, 0x80000000, 1, (23, 29), ("sdst", 16, 22, "sdst7"), ("ssrc0", 0, 7, "ssrc8"),
       ("ssrc1", 8, 15, "ssrc8")),
  _enc("SMEM", 0xFC000000, 0xF4000000, 2, (18, 25), ("sdata", 6, 12, "sdst7"), ("sbase", 0, 5, "sbase6"),
       ("soffset", 57, 63, "sdst7"), ("offset", 32, 52), ("glc", 14, 14), ("dlc", 13, 13)),
  _enc("VOP1", 0xFE000000, 0x7E000000, 1, (9, 16), ("vdst", 17, 24, "vgpr8"), ("src0", 0, 8, "src9")),
  _enc("VOPC", 0xFE000000, 0x7C000000, 1, (17, 24), ("src0", 0, 8, "src9"), ("vsrc1", 9, 16, "vgpr8")),
  _enc("VOP2", 0x80000000, 0x00000000, 1, (25, 30), ("vdst", 17, 24, "vgpr8"), ("src0", 0, 8, "src9"),
       ("vsrc1", 9, 16, "vgpr8")),
  _enc("VOP3", 0xFC000000, 0xD4000000, 2, (16, 25), ("vdst", 0, 7, "vgpr8"), ("sdst", 8, 14, "sdst7"), *_VOP3_SRCS,
       ("abs", 8, 10), ("opsel", 11, 14), ("clamp", 15, 15), ("omod", 59, 60), ("neg", 61, 63)),
  _enc("VOP3P", 0xFF000000, 0xCC000000, 2, (16, 22), ("vdst", 0, 7, "vgpr8"), *_VOP3_SRCS,
       ("neg_hi", 8, 10), ("opsel", 11, 13), ("opsel_hi2", 14, 14), ("clamp", 15, 15), ("opsel_hi", 59, 60),
       ("neg", 61, 63)),
  _enc("VOPD", 0xFC000000, 0xC8000000, 2, (22, 25), ("opy", 17, 21), ("src0x", 0, 8, "src9"),
       ("vsrc1x", 9, 16, "vgpr8"), ("src0y", 32, 40, "src9"), ("vsrc1y", 41, 48, "vgpr8"),
       ("vdsty", 49, 55), ("vdstx", 56, 63, "vgpr8")),
  _enc("DS", 0xFC000000, 0xD8000000, 2, (18, 25), ("vdst", 56, 63, "vgpr8"), ("addr", 32, 39, "vgpr8"),
       ("data0", 40, 47, "vgpr8"), ("data1", 48, 55, "vgpr8"), ("offset0", 0, 7), ("offset1", 8, 15), ("gds", 17, 17)),
  _enc("MUBUF", 0xFC000000, 0xE0000000, 2, (18, 25), ("vdata", 40, 47, "vgpr8"), ("vaddr", 32, 39, "vgpr8"),
       ("srsrc", 48, 52, "srsrc5"), ("soffset", 56, 63, "ssrc8"), ("offset", 0, 11), ("offen", 54, 54),
       ("idxen", 55, 55), ("glc", 14, 14), ("dlc", 13, 13), ("slc", 12, 12), ("tfe", 53, 53)),
  *(_enc(name, 0xFC030000, 0xDC000000 | seg << 16, 2, (18, 24), ("vdst", 56, 63, "vgpr8"), ("addr", 32, 39, "vgpr8"),
         ("data", 40, 47, "vgpr8"), ("saddr", 48, 54, "sdst7"), ("offset", 0, 12), ("dlc", 13, 13), ("glc", 14, 14),
         ("slc", 15, 15), ("sve", 55, 55)) for seg, name in enumerate(("FLAT", "SCRATCH", "GLOBAL"))),
  # tbuffer: MUBUF's word1 with the data format (a 7-bit BUF_FMT_* id) and a 4-bit opcode in word0
  _enc("MTBUF", 0xFC000000, 0xE8000000, 2, (15, 18), ("vdata", 40, 47, "vgpr8"), ("vaddr", 32, 39, "vgpr8"),
       ("srsrc", 48, 52, "srsrc5"), ("soffset", 56, 63, "ssrc8"), ("offset", 0, 11), ("offen", 54, 54),
       ("idxen", 55, 55), ("glc", 14, 14), ("dlc", 13, 13), ("slc", 12, 12), ("tfe", 53, 53), ("format", 19, 25)),
  # export (gfx12 VEXPORT, same layout): no opcode (a zero-width field); en bit k enables vsrc k, else 'off'
  _enc("EXP", 0xFC000000, 0xF8000000, 2, (0, -1), ("vsrc0", 32, 39, "vgpr8"), ("vsrc1", 40, 47, "vgpr8"),
       ("vsrc2", 48, 55, "vgpr8"), ("vsrc3", 56, 63, "vgpr8"), ("en", 0, 3), ("target", 4, 9), ("done", 11, 11),
       ("row_en", 13, 13)),
  # image: nsa set adds a dword holding vaddr1..vaddr4 (a byte each, read by the decoder, not a field here);
  # srsrc/ssamp are SGPR quads (x4); the opcode and dim/a16 set how many address registers vaddr spans
  _enc("MIMG", 0xFC000000, 0xF0000000, 2, (18, 25), ("vdata", 40, 47, "vgpr8"), ("vaddr", 32, 39, "vgpr8"),
       ("srsrc", 48, 52, "srsrc5"), ("ssamp", 58, 62, "srsrc5"), ("nsa", 0, 0), ("dim", 2, 4), ("unorm", 7, 7),
       ("dmask", 8, 11), ("slc", 12, 12), ("dlc", 13, 13), ("glc", 14, 14), ("r128", 15, 15), ("a16", 16, 16),
       ("d16", 17, 17), ("tfe", 53, 53), ("lwe", 54, 54)),
)

_VMEM12 = (("vdst", 32, 39, "vgpr8"), ("addr", 64, 71, "vgpr8"), ("data", 55, 62, "vgpr8"), ("saddr", 0, 6, "sdst7"),
           ("offset", 72, 95), ("th", 52, 54), ("scope", 50, 51), ("sve", 49, 49), ("nv", 7, 7))

_VIMAGE12 = (("vdata", 32, 39, "vgpr8"), ("vaddr0", 64, 71, "vgpr8"), ("vaddr1", 72, 79, "vgpr8"),
             ("vaddr2", 80, 87, "vgpr8"), ("vaddr3", 88, 95, "vgpr8"), ("rsrc", 41, 49, "sdst7"), ("dim", 0, 2),
             ("r128", 4, 4), ("d16", 5, 5), ("a16", 6, 6), ("dmask", 22, 25), ("scope", 50, 51), ("th", 52, 54))

# RDNA4 (gfx12): the ALU formats keep their gfx11 layouts; scalar and vector memory changed.
GFX12 = tuple(e for e in GFX11 if e.name not in ("SMEM", "FLAT", "SCRATCH", "GLOBAL", "MUBUF", "MTBUF", "MIMG")) + (
  # VBUFFER: the manual gives the resource 9 bits (41..49) but LLVM 19 decodes only 7 and rejects the top two set;
  # format (55..61) is the tbuffer data format, ignored by the other buffer ops
  _enc("MUBUF", 0xFC000000, 0xC4000000, 3, (14, 21), ("vdata", 32, 39, "vgpr8"), ("vaddr", 64, 71, "vgpr8"),
       ("srsrc", 41, 47, "sdst7"), ("soffset", 0, 6, "sdst7"), ("offset", 72, 95), ("offen", 62, 62),
       ("idxen", 63, 63), ("th", 52, 54), ("scope", 50, 51), ("tfe", 22, 22), ("nv", 7, 7), ("format", 55, 61)),
  _enc("SMEM", 0xFC000000, 0xF4000000, 2, (13, 18), ("sdata", 6, 12, "sdst7"), ("sbase", 0, 5, "sbase6"),
       ("soffset", 57, 63, "sdst7"), ("offset", 32, 55), ("th", 23, 24), ("scope", 21, 22), ("nv", 20, 20)),
  _enc("FLAT", 0xFF000000, 0xEC000000, 3, (14, 21), *_VMEM12),
  _enc("SCRATCH", 0xFF000000, 0xED000000, 3, (14, 21), *_VMEM12),
  _enc("GLOBAL", 0xFF000000, 0xEE000000, 3, (14, 21), *_VMEM12),
  # image without / with a sampler: always the address list form (vaddr0..3 in word2, VIMAGE's vaddr4 where
  # VSAMPLE keeps its sampler); rsrc and samp are 9-bit operand codes (SGPR ranges aligned down to 4)
  _enc("VIMAGE", 0xFC000000, 0xD0000000, 3, (14, 21), *_VIMAGE12, ("vaddr4", 56, 63, "vgpr8"), ("tfe", 55, 55)),
  _enc("VSAMPLE", 0xFC000000, 0xE4000000, 3, (14, 21), *_VIMAGE12, ("samp", 55, 63, "sdst7"), ("tfe", 3, 3),
       ("unorm", 13, 13), ("lwe", 40, 40)),
)

# CDNA3 (gfx942, checked against LLVM 19). GCN-style layouts: VOP3 at 0xD0, SMEM at 0xC0, cache bits sc0/sc1/nt.
GFX94 = (
  *(e for e in GFX11 if e.name in ("SOP1", "SOPC", "SOPP", "SOPK", "SOP2")),
  _enc("SMEM", 0xFC000000, 0xC0000000, 2, (18, 25), ("sdata", 6, 12, "sdst7"), ("sbase", 0, 5, "sbase6"),
       ("soffset", 57, 63, "sdst7"), ("offset", 32, 52), ("imm", 17, 17), ("glc", 16, 16), ("nv", 15, 15),
       ("soe", 14, 14)),
  _enc("VOP1", 0xFE000000, 0x7E000000, 1, (9, 16), ("vdst", 17, 24, "vgpr8"), ("src0", 0, 8, "src9")),
  _enc("VOPC", 0xFE000000, 0x7C000000, 1, (17, 24), ("src0", 0, 8, "src9"), ("vsrc1", 9, 16, "vgpr8")),
  _enc("VOP2", 0x80000000, 0x00000000, 1, (25, 30), ("vdst", 17, 24, "vgpr8"), ("src0", 0, 8, "src9"),
       ("vsrc1", 9, 16, "vgpr8")),
  _enc("VOP3P", 0xFF800000, 0xD3800000, 2, (16, 22), ("vdst", 0, 7, "vgpr8"), *_VOP3_SRCS,
       ("neg_hi", 8, 10), ("opsel", 11, 13), ("opsel_hi2", 14, 14), ("clamp", 15, 15), ("opsel_hi", 59, 60),
       ("neg", 61, 63)),
  _enc("VOP3", 0xFC000000, 0xD0000000, 2, (16, 25), ("vdst", 0, 7, "vgpr8"), ("sdst", 8, 14, "sdst7"), *_VOP3_SRCS,
       ("abs", 8, 10), ("opsel", 11, 14), ("clamp", 15, 15), ("omod", 59, 60), ("neg", 61, 63)),
  _enc("DS", 0xFC000000, 0xD8000000, 2, (17, 24), ("vdst", 56, 63, "vgpr8"), ("addr", 32, 39, "vgpr8"),
       ("data0", 40, 47, "vgpr8"), ("data1", 48, 55, "vgpr8"), ("offset0", 0, 7), ("offset1", 8, 15), ("gds", 16, 16),
       ("acc", 25, 25)),
  *(_enc(name, 0xFC00C000, 0xDC000000 | seg << 14, 2, (18, 24), ("vdst", 56, 63, "vgpr8"), ("addr", 32, 39, "vgpr8"),
         ("data", 40, 47, "vgpr8"), ("saddr", 48, 54, "sdst7"), ("offset", 0, 12), ("lds", 13, 13), ("sc0", 16, 16),
         ("nt", 17, 17), ("sc1", 25, 25), ("acc", 55, 55)) for seg, name in enumerate(("FLAT", "SCRATCH", "GLOBAL"))),
  _enc("MUBUF", 0xFC000000, 0xE0000000, 2, (18, 24), ("vdata", 40, 47, "vgpr8"), ("vaddr", 32, 39, "vgpr8"),
       ("srsrc", 48, 52, "srsrc5"), ("soffset", 56, 63, "ssrc8"), ("offset", 0, 11), ("offen", 12, 12),
       ("idxen", 13, 13), ("sc0", 14, 14), ("sc1", 15, 15), ("lds", 16, 16), ("nt", 17, 17), ("acc", 55, 55)),
  # format: dfmt (19..22) | nfmt (23..25) << 4 as one field, as LLVM prints the pair as one format:[..] word.
  # (gfx942 has no export: LLVM 19 decodes no EXP word for it)
  _enc("MTBUF", 0xFC000000, 0xE8000000, 2, (15, 18), ("vdata", 40, 47, "vgpr8"), ("vaddr", 32, 39, "vgpr8"),
       ("srsrc", 48, 52, "srsrc5"), ("soffset", 56, 63, "ssrc8"), ("offset", 0, 11), ("offen", 12, 12),
       ("idxen", 13, 13), ("sc0", 14, 14), ("sc1", 53, 53), ("nt", 54, 54), ("acc", 55, 55), ("format", 19, 25)),
)

# CDNA4 (gfx950, checked against LLVM 22): gfx942's layouts; its new opcodes (scaled/f6/f4 MFMA, v_cvt_scalef32_*,
# ds_read_b64_tr_*, v_permlane*_swap...) sit in the same formats, so only the generated table differs.
GFX95 = GFX94

ENCODINGS = {"gfx11": GFX11, "gfx12": GFX12, "gfx94": GFX94, "gfx95": GFX95}
CDNA = ("gfx94", "gfx95")   # the GCN-layout families: wave64, SDWA, gfx9 DPP, AGPRs, gfx9 s_waitcnt


def family(arch: str) -> str:
  """gfx1100 -> gfx11; the tables are per ISA family."""
  if arch.startswith("gfx11"): return "gfx11"
  if arch.startswith("gfx12"): return "gfx12"
  if arch.startswith("gfx94"): return "gfx94"
  if arch.startswith("gfx95"): return "gfx95"
  raise ValueError(f"unsupported target {arch}")
