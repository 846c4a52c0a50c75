"""AMDGPU code object loader: sections, symbols, kernels and their 64-byte kernel descriptors.

Reads both what LLVM links (ET_DYN with .symtab/.dynsym, `name` + `name.kd` symbols and an
NT_AMDGPU_METADATA msgpack note) and the minimal ELFs tinygrad's own assembler writes: EI_DATA 0,
e_machine 0, e_flags 0, e_shentsize 0, no null section, an unaligned section header table, only
.text/.rodata/.strtab, no symbols and no note. There the target comes from the `arch` argument,
the descriptor is the whole of .rodata and the kernel name from the `name` argument.
Any malformed input raises CodeObjectError with a one-line message.
"""
from __future__ import annotations
import re, struct
from dataclasses import dataclass, field

S_CODE_END = 0xBF9F0000   # gfx10+ `s_code_end`: LLVM pads the end of .text with it (instruction prefetch); not code
MAX_ADDRESS = 1 << 48   # AMD GPUs address 48 bits of virtual memory; addresses past it are corrupt (and overflow int64 pc columns)

class CodeObjectError(ValueError):
  """The bytes are not a usable AMDGPU code object; the message is one line naming what is wrong."""

# EF_AMDGPU_MACH (low byte of e_flags) -> processor, from LLVM's AMDGPUUsage "AMDGPU ELF Header e_flags" table.
MACH_ARCH: dict[int, str] = {
  0x020: "gfx600", 0x021: "gfx601", 0x03a: "gfx602", 0x022: "gfx700", 0x023: "gfx701", 0x024: "gfx702",
  0x025: "gfx703", 0x026: "gfx704", 0x03b: "gfx705", 0x028: "gfx801", 0x029: "gfx802", 0x02a: "gfx803",
  0x03c: "gfx805", 0x02b: "gfx810",
  0x02c: "gfx900", 0x02d: "gfx902", 0x02e: "gfx904", 0x02f: "gfx906", 0x030: "gfx908", 0x031: "gfx909",
  0x03f: "gfx90a", 0x032: "gfx90c", 0x040: "gfx940", 0x04b: "gfx941", 0x04c: "gfx942", 0x04f: "gfx950",
  0x033: "gfx1010", 0x034: "gfx1011", 0x035: "gfx1012", 0x042: "gfx1013", 0x036: "gfx1030", 0x037: "gfx1031",
  0x038: "gfx1032", 0x039: "gfx1033", 0x03e: "gfx1034", 0x03d: "gfx1035", 0x045: "gfx1036",
  0x041: "gfx1100", 0x046: "gfx1101", 0x047: "gfx1102", 0x044: "gfx1103",
  0x043: "gfx1150", 0x04a: "gfx1151", 0x055: "gfx1152", 0x058: "gfx1153",
  0x048: "gfx1200", 0x04e: "gfx1201", 0x049: "gfx1250",
  0x051: "gfx9-generic", 0x05f: "gfx9-4-generic", 0x052: "gfx10-1-generic", 0x053: "gfx10-3-generic",
  0x054: "gfx11-generic", 0x059: "gfx12-generic",
}
EM_AMDGPU, NT_AMDGPU_METADATA = 224, 32
SHT_SYMTAB, SHT_NOTE, SHT_NOBITS, SHT_DYNSYM = 2, 7, 8, 11
SHF_EXECINSTR, ET_REL = 0x4, 1
SYM_TYPES = {0: "NOTYPE", 1: "OBJECT", 2: "FUNC", 3: "SECTION", 4: "FILE", 5: "COMMON", 6: "TLS", 10: "GNU_IFUNC"}
SYM_BINDS = {0: "LOCAL", 1: "GLOBAL", 2: "WEAK", 10: "GNU_UNIQUE"}
# e_ident[EI_ABIVERSION] >= 2 (code object v4+): xnack/sramecc are 2-bit selectors, printed as llvm-readelf does.
FEATURE_SELECTORS = (("xnack", 8), ("sramecc", 10))
SELECTOR_SUFFIX = {1: "", 2: "-", 3: "+"}   # 0 = unsupported, 1 = any

_EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
_SHDR = struct.Struct("<IIQQQQIIQQ")
_SYM = struct.Struct("<IBBHQQ")
_NHDR = struct.Struct("<III")
# llvm_amdhsa_kernel_descriptor_t: 64 bytes, reserved gaps as pad bytes.
_KD = struct.Struct("<III4xq20xIIIHH4x")
KD_SIZE = _KD.size
assert KD_SIZE == 64
KCP_WAVEFRONT_SIZE32 = 1 << 10   # kernel_code_properties bit, GFX10+
# the user SGPRs kernel_code_properties bits 0..6 ask the runtime to preload, in the order they occupy s0, s1...
# (AMDGPU code object ABI, "Initial kernel execution state"): name, SGPRs
USER_SGPRS = (("private_segment_buffer", 4), ("dispatch_ptr", 2), ("queue_ptr", 2), ("kernarg_segment_ptr", 2),
              ("dispatch_id", 2), ("flat_scratch_init", 2), ("private_segment_size", 1))
ISA_ALIGN = 256                  # COMPUTE_PGM_LO holds the entry address >> 8

@dataclass
class Section:
  name: str
  type: int
  addr: int
  offset: int
  size: int
  flags: int
  file: bytes = field(default=b"", repr=False, compare=False)   # the whole code object, shared: no per-section copies

  @property
  def data(self) -> bytes: return b"" if self.type == SHT_NOBITS else self.file[self.offset:self.offset + self.size]

  def contains(self, addr: int) -> bool: return self.addr <= addr < self.addr + self.size

@dataclass
class Symbol:
  name: str
  value: int
  size: int
  type: str            # "FUNC", "OBJECT", ... as llvm-readelf prints them
  bind: str            # "LOCAL", "GLOBAL", "WEAK"
  section_index: int

@dataclass
class KernelDescriptor:
  address: int                        # where the 64 bytes sit (the `.kd` symbol)
  group_segment_fixed_size: int       # LDS bytes per workgroup
  private_segment_fixed_size: int     # scratch bytes per work-item
  kernarg_size: int
  kernel_code_entry_byte_offset: int  # signed, relative to `address`
  compute_pgm_rsrc1: int
  compute_pgm_rsrc2: int
  compute_pgm_rsrc3: int
  kernel_code_properties: int
  kernarg_preload: int
  # derived; register counts come from the metadata note when present ("metadata"), else are the
  # allocation the descriptor's granulated fields imply ("descriptor": an upper bound, 0 where unknown)
  vgprs: int = 0
  sgprs: int = 0
  agprs: int = 0
  wave32: bool = False
  counts_from: str = "descriptor"

  @property
  def lds_bytes(self) -> int: return self.group_segment_fixed_size

  def user_sgprs(self) -> list[tuple[str, int]]:
    """The user SGPRs this kernel expects preloaded, in register order: (name, count)."""
    return [(n, c) for bit, (n, c) in enumerate(USER_SGPRS) if self.kernel_code_properties >> bit & 1]
  @property
  def scratch_bytes(self) -> int: return self.private_segment_fixed_size

@dataclass
class Kernel:
  name: str
  entry_pc: int
  descriptor: KernelDescriptor | None
  code_start: int
  code_end: int
  metadata: dict = field(default_factory=dict, repr=False)   # this kernel's amdhsa.kernels entry

@dataclass
class CodeObject:
  arch: str
  e_flags: int
  sections: list[Section]
  symbols: list[Symbol]
  kernels: list[Kernel]
  text: Section
  features: list[str] = field(default_factory=list)   # e.g. ["xnack-", "sramecc+"]; "xnack" = any
  metadata: dict = field(default_factory=dict, repr=False)

  def section(self, name: str) -> Section | None: return next((s for s in self.sections if s.name == name), None)

  def kernel(self, name: str) -> Kernel | None: return next((k for k in self.kernels if k.name == name), None)

  def code_bytes(self, start: int, end: int) -> bytes:
    """Bytes at virtual addresses [start, end), from the one loaded section holding them."""
    sec = next((s for s in [self.text, *self.sections] if s.type != SHT_NOBITS and s.contains(start)), None)
    if sec is None: raise CodeObjectError(f"address {start:#x} is in no section")
    if end < start or end > sec.addr + sec.size:
      raise CodeObjectError(f"range {start:#x}..{end:#x} runs past section {sec.name} ({sec.addr:#x}..{sec.addr + sec.size:#x})")
    return sec.file[sec.offset + start - sec.addr:sec.offset + end - sec.addr]

def arch_from_gfx_target_version(v: int) -> str:
  """KFD's gfx_target_version (e.g. 110000, 90402) -> processor name ("gfx1100", "gfx942")."""
  return f"gfx{v // 10000}{(v // 100) % 100:x}{v % 100:x}"

def isa_version(arch: str) -> tuple[int, int, int]:
  """"gfx90a" -> (9, 0, 10); generic targets "gfx9-4-generic" -> (9, 4, 0)."""
  base = arch.split(":")[0]
  if m := re.fullmatch(r"gfx(\d{1,2})([0-9a-f])([0-9a-f])", base): return int(m[1]), int(m[2], 16), int(m[3], 16)
  if m := re.fullmatch(r"gfx(\d{1,2})(?:-(\d+))?-generic", base): return int(m[1]), int(m[2] or 0), 0
  raise CodeObjectError(f"unknown target {arch!r}")

def has_unified_vgprs(arch: str) -> bool:
  """gfx90a/gfx94x/gfx950: one VGPR file split between VGPRs and AGPRs at rsrc3.ACCUM_OFFSET."""
  major, minor, step = isa_version(arch)
  return major == 9 and (minor >= 4 or (minor, step) == (0, 0xa))

# ---------------------------------------------------------------------------------------------------
# tiny msgpack reader, enough for the NT_AMDGPU_METADATA note

_MP_FIXED = {0xca: ">f", 0xcb: ">d", 0xcc: ">B", 0xcd: ">H", 0xce: ">I", 0xcf: ">Q",
             0xd0: ">b", 0xd1: ">h", 0xd2: ">i", 0xd3: ">q"}
_MP_SIZED = {0xc4: ("bin", ">B"), 0xc5: ("bin", ">H"), 0xc6: ("bin", ">I"), 0xd9: ("str", ">B"), 0xda: ("str", ">H"),
             0xdb: ("str", ">I"), 0xdc: ("array", ">H"), 0xdd: ("array", ">I"), 0xde: ("map", ">H"), 0xdf: ("map", ">I"),
             0xc7: ("ext", ">B"), 0xc8: ("ext", ">H"), 0xc9: ("ext", ">I")}
_MP_CONST = {0xc0: None, 0xc2: False, 0xc3: True}
_MP_FIXEXT = {0xd4: 1, 0xd5: 2, 0xd6: 4, 0xd7: 8, 0xd8: 16}

def msgpack_unpack(buf: bytes):
  """Decode one msgpack value (maps become dicts, ext values their raw bytes); bad input -> CodeObjectError."""
  def take(pos: int, n: int) -> bytes:
    if pos + n > len(buf): raise CodeObjectError(f"bad AMDGPU metadata: msgpack value at {pos:#x} runs past the note")
    return buf[pos:pos + n]
  def read(pos: int, depth: int):
    if depth > 64: raise CodeObjectError("bad AMDGPU metadata: msgpack nested too deeply")
    b = take(pos, 1)[0]; pos += 1
    if b <= 0x7f: return b, pos
    if b >= 0xe0: return b - 0x100, pos
    if b in _MP_CONST: return _MP_CONST[b], pos
    if b in _MP_FIXED:
      fmt = _MP_FIXED[b]; n = struct.calcsize(fmt)
      return struct.unpack(fmt, take(pos, n))[0], pos + n
    if b in _MP_FIXEXT: return take(pos + 1, _MP_FIXEXT[b]), pos + 1 + _MP_FIXEXT[b]
    if 0xa0 <= b <= 0xbf: kind, n = "str", b & 0x1f
    elif 0x90 <= b <= 0x9f: kind, n = "array", b & 0x0f
    elif 0x80 <= b <= 0x8f: kind, n = "map", b & 0x0f
    elif b in _MP_SIZED:
      kind, fmt = _MP_SIZED[b]; w = struct.calcsize(fmt)
      n = struct.unpack(fmt, take(pos, w))[0]; pos += w
    else: raise CodeObjectError(f"bad AMDGPU metadata: msgpack byte {b:#x} at {pos - 1:#x}")
    if kind == "str": return take(pos, n).decode("utf-8", "replace"), pos + n
    if kind == "bin": return take(pos, n), pos + n
    if kind == "ext": return take(pos + 1, n), pos + 1 + n
    if n > len(buf) - pos: raise CodeObjectError(f"bad AMDGPU metadata: msgpack {kind} of {n} items at {pos:#x} runs past the note")
    items = []
    for _ in range(n * (2 if kind == "map" else 1)):
      v, pos = read(pos, depth + 1); items.append(v)
    if kind == "array": return items, pos
    try: return dict(zip(items[::2], items[1::2])), pos
    except TypeError: raise CodeObjectError("bad AMDGPU metadata: msgpack map key is not hashable") from None
  return read(0, 0)[0]

# ---------------------------------------------------------------------------------------------------

def _truncated(what: str, off: int, n: int) -> CodeObjectError:
  return CodeObjectError(f"truncated ELF: {what} at {off:#x} runs past end of file ({n} bytes)")

def _cstr(table: bytes, off: int, what: str) -> str:
  if off >= len(table) and off: raise CodeObjectError(f"bad ELF: {what} name offset {off:#x} is outside its string table ({len(table)} bytes)")
  end = table.find(b"\0", off)
  return table[off:end if end >= 0 else len(table)].decode("utf-8", "replace")

def _features(e_flags: int, abi_version: int) -> list[str]:
  if abi_version >= 2: return [name + SELECTOR_SUFFIX[sel] for name, shift in FEATURE_SELECTORS if (sel := (e_flags >> shift) & 3)]
  if abi_version == 1: return [name + "+" for name, shift in FEATURE_SELECTORS if e_flags & (1 << shift)]   # v3: on/off bits
  return ["xnack+"] if e_flags & 1 else []

def _parse_descriptor(raw: bytes, address: int, arch: str, meta: dict) -> KernelDescriptor:
  lds, scratch, kernarg, entry, rsrc3, rsrc1, rsrc2, props, preload = _KD.unpack(raw)
  kd = KernelDescriptor(address, lds, scratch, kernarg, entry, rsrc1, rsrc2, rsrc3, props, preload)
  major = isa_version(arch)[0]
  kd.wave32 = bool(kd.kernel_code_properties & KCP_WAVEFRONT_SIZE32) if major >= 10 else meta.get(".wavefront_size") == 32
  vgpr_blocks, sgpr_blocks = (kd.compute_pgm_rsrc1 & 0x3f) + 1, ((kd.compute_pgm_rsrc1 >> 6) & 0xf) + 1
  if has_unified_vgprs(arch):    # granule 8 over VGPRs+AGPRs; AGPRs start at ACCUM_OFFSET (granule 4)
    total, accum_offset = vgpr_blocks * 8, ((kd.compute_pgm_rsrc3 & 0x3f) + 1) * 4
    kd.vgprs, kd.agprs = min(total, accum_offset), max(0, total - accum_offset)
  else: kd.vgprs = vgpr_blocks * (8 if major >= 10 and kd.wave32 else 4)
  kd.sgprs = sgpr_blocks * 8 if major < 10 else 0   # GFX10+: field reserved, SGPRs are not allocated per wave
  if all(isinstance(meta.get(k), int) for k in (".vgpr_count", ".sgpr_count")):
    kd.vgprs, kd.sgprs, kd.agprs, kd.counts_from = meta[".vgpr_count"], meta[".sgpr_count"], meta.get(".agpr_count", 0), "metadata"
    if not isinstance(kd.agprs, int): kd.agprs = 0
  return kd

def load_code_object(data: bytes, arch: str | None = None, name: str | None = None) -> CodeObject:
  """Parse an AMDGPU ELF code object. `arch` overrides the target in e_flags (and is required when e_flags
  has none); `name` names the kernel of a symbol-less object (tinygrad's minimal ELFs)."""
  try: return _load(bytes(data), arch, name)
  except CodeObjectError: raise
  except (IndexError, struct.error, ValueError, KeyError, TypeError, OverflowError, RecursionError, MemoryError) as e:
    raise CodeObjectError(f"bad ELF: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}".rstrip(": ")) from None

def _load(data: bytes, arch: str | None, name: str | None) -> CodeObject:
  n = len(data)
  if data[:4] != b"\x7fELF": raise CodeObjectError("not an ELF file (bad magic)")
  if n < _EHDR.size: raise _truncated("ELF header", 0, n)
  (ident, e_type, e_machine, _, _, _, shoff, e_flags, _, _, _, shentsize, shnum, shstrndx) = _EHDR.unpack_from(data)
  if ident[4] != 2: raise CodeObjectError(f"unsupported ELF class {ident[4]} (AMDGPU code objects are 64-bit)")
  if ident[5] not in (0, 1): raise CodeObjectError("unsupported ELF data encoding: big-endian")   # 0: tinygrad writes none
  if e_machine not in (0, EM_AMDGPU): raise CodeObjectError(f"not an AMDGPU code object (e_machine {e_machine})")
  if shentsize not in (0, _SHDR.size): raise CodeObjectError(f"bad ELF: section header size {shentsize}, expected {_SHDR.size}")
  if shnum == 0: raise CodeObjectError("bad ELF: no section headers")
  if shoff + shnum * _SHDR.size > n: raise _truncated("section header table", shoff, n)
  if shstrndx >= shnum: raise CodeObjectError(f"bad ELF: section name table index {shstrndx} out of range ({shnum} sections)")

  hdrs = [_SHDR.unpack_from(data, shoff + i * _SHDR.size) for i in range(shnum)]
  for i, (_, typ, _, addr, off, size, *_) in enumerate(hdrs):
    if typ != SHT_NOBITS and off + size > n: raise _truncated(f"section {i} data", off, n)
    if addr + size > MAX_ADDRESS:
      raise CodeObjectError(f"bad ELF: section {i} at {addr:#x} (+{size:#x}) lies past the {MAX_ADDRESS.bit_length() - 1}-bit GPU address space")
  shstr = data[hdrs[shstrndx][4]:hdrs[shstrndx][4] + hdrs[shstrndx][5]]
  sections = [Section(_cstr(shstr, h[0], "section"), h[1], h[3], h[4], h[5], h[2], data) for h in hdrs]

  symbols: list[Symbol] = []
  symtab = next((i for i, s in enumerate(sections) if s.type == SHT_SYMTAB), None)
  if symtab is None: symtab = next((i for i, s in enumerate(sections) if s.type == SHT_DYNSYM), None)
  if symtab is not None:
    link, entsize = hdrs[symtab][6], hdrs[symtab][9] or _SYM.size
    if entsize != _SYM.size: raise CodeObjectError(f"bad ELF: symbol entry size {entsize}, expected {_SYM.size}")
    if link >= shnum: raise CodeObjectError(f"bad ELF: symbol string table index {link} out of range ({shnum} sections)")
    raw, strs = sections[symtab].data, sections[link].data
    for off in range(0, len(raw) - len(raw) % _SYM.size, _SYM.size):
      st_name, info, _, shndx, value, size = _SYM.unpack_from(raw, off)
      symbols.append(Symbol(_cstr(strs, st_name, "symbol"), value, size, SYM_TYPES.get(info & 0xf, str(info & 0xf)),
                            SYM_BINDS.get(info >> 4, str(info >> 4)), shndx))

  metadata: dict = {}
  for i, s in enumerate(sections):
    if s.type != SHT_NOTE: continue
    pos, align = 0, 8 if hdrs[i][8] == 8 else 4
    pad = lambda x: -x % align
    note = s.data
    while pos + _NHDR.size <= len(note):
      namesz, descsz, ntype = _NHDR.unpack_from(note, pos)
      name_at = pos + _NHDR.size; desc_at = name_at + namesz + pad(namesz); pos = desc_at + descsz + pad(descsz)
      if desc_at + descsz > len(note): raise CodeObjectError(f"bad ELF: note at {s.offset + name_at - _NHDR.size:#x} runs past its section")
      if ntype == NT_AMDGPU_METADATA and note[name_at:name_at + namesz].rstrip(b"\0") == b"AMDGPU":
        m = msgpack_unpack(note[desc_at:desc_at + descsz])
        if not isinstance(m, dict): raise CodeObjectError("bad AMDGPU metadata: not a map")
        metadata = m

  features = _features(e_flags, ident[8])
  if arch:
    base, *extra = arch.split(":")
    arch, features = base, features or extra
  else:
    mach = e_flags & 0xff
    target = metadata.get("amdhsa.target")
    if mach in MACH_ARCH: arch = MACH_ARCH[mach]
    elif isinstance(target, str) and (m := re.search(r"--(gfx[0-9a-z-]+)", target)): arch = m[1]
    else: raise CodeObjectError(f"unknown target: e_flags mach {mach:#x} and no arch given")
  isa_version(arch)   # refuses names we cannot derive register granules for

  text = next((s for s in sections if s.name == ".text"), None) or next((s for s in sections if s.flags & SHF_EXECINSTR), None)
  if text is None: raise CodeObjectError("bad code object: no .text section")
  is_rel = e_type == ET_REL   # relocatable: symbol values are section offsets

  def read_at(sym_section: int, value: int, size: int, what: str) -> bytes:
    sec = sections[sym_section] if 0 < sym_section < len(sections) else next((s for s in sections if s.type != SHT_NOBITS and s.contains(value)), None)
    off, avail = value - (0 if is_rel or sec is None else sec.addr), len(sec.data) if sec else 0
    if not 0 <= off <= avail - size: raise CodeObjectError(f"bad code object: {what} at {value:#x} lies outside its section")
    return sec.file[sec.offset + off:sec.offset + off + size]

  meta_by_symbol = {k.get(".symbol"): k for k in metadata.get("amdhsa.kernels", []) if isinstance(k, dict)}
  text_index = next(i for i, s in enumerate(sections) if s is text)
  in_text = sorted({s.value for s in symbols if (s.section_index == text_index or (not is_rel and text.contains(s.value))) and s.type in ("FUNC", "NOTYPE") and s.name})
  def code_end(start: int, size: int) -> int:
    if size > 0: return start + size
    return next((v for v in in_text if v > start), text.addr + text.size)

  kernels: list[Kernel] = []
  funcs = {s.name: s for s in symbols if s.type == "FUNC"}
  for kd_sym in (s for s in symbols if s.type == "OBJECT" and s.name.endswith(".kd")):
    kname, meta = kd_sym.name[:-3], meta_by_symbol.get(kd_sym.name, {})
    kd = _parse_descriptor(read_at(kd_sym.section_index, kd_sym.value, KD_SIZE, f"kernel descriptor {kd_sym.name}"), kd_sym.value, arch, meta)
    if (code := funcs.get(kname)) is not None: entry, size = code.value, code.size
    else: entry, size = (kd.address + kd.kernel_code_entry_byte_offset) & ~(ISA_ALIGN - 1), 0
    kernels.append(Kernel(kname, entry, kd, entry, code_end(entry, size), meta))
  if not kernels and not symbols and (ro := next((s for s in sections if s.name == ".rodata"), None)) and ro.size >= KD_SIZE:
    # tinygrad's minimal ELF: the descriptor is .rodata. Its entry offset is -len(.text) although .rodata is
    # 64-aligned after .text, so it can land past the start of .text; the GPU drops the low 8 bits (entry >> 8).
    kd = _parse_descriptor(ro.data[:KD_SIZE], ro.addr, arch, {})
    entry = (kd.address + kd.kernel_code_entry_byte_offset) & ~(ISA_ALIGN - 1)
    if not text.contains(entry): entry = text.addr
    kernels.append(Kernel(name or "kernel", entry, kd, entry, text.addr + text.size))
  kernels.sort(key=lambda k: k.entry_pc)
  if isa_version(arch)[0] >= 10:                # the s_code_end words that pad .text after the last kernel are not its code
    for k in kernels:
      sec = text if text.contains(k.code_start) else None
      while sec is not None and k.code_end - 4 >= k.code_start and sec.contains(k.code_end - 4) and \
            struct.unpack_from("<I", data, sec.offset + k.code_end - 4 - sec.addr)[0] == S_CODE_END:
        k.code_end -= 4
  return CodeObject(arch, e_flags, sections, symbols, kernels, text, features, metadata)
