"""Source lines of machine code, from the DWARF line table of a code object built with -g (read by pyelftools).

A pc's line is what a symbolizer answers for it (what `llvm-objdump -d -l` prints): the line-table row with the
greatest address at or below the pc, in the row sequence whose address range holds it. Rows with line 0 mean
"no source line" (code the compiler made up): those pcs have none, as do pcs outside every sequence. A code
object built with -gdwarf-5 -gembed-source carries its files' text too.
"""
from __future__ import annotations
import bisect, io, posixpath
from dataclasses import dataclass, field


@dataclass
class SourceMap:
  """Line-table rows of one code object, by address: per sequence [start, end) its row addresses and (file, line);
  and the text of each file the code object carries (clang -gdwarf-5 -gembed-source), by path."""
  sequences: list[tuple[int, int, list[int], list[tuple[str, int]]]]
  texts: dict[str, str] = field(default_factory=dict)

  def line_of(self, pc: int) -> tuple[str, int] | None:
    k = bisect.bisect_right(self.sequences, pc, key=lambda s: s[0]) - 1
    if k < 0: return None
    start, end, addresses, rows = self.sequences[k]
    if not start <= pc < end: return None
    file, line = rows[bisect.bisect_right(addresses, pc) - 1]
    return (file, line) if line else None


def _embedded(lp, index: int) -> str | None:
  """The source text DWARF 5 carries for file `index` (LLVM's DW_LNCT_LLVM_source), or None."""
  if lp.header.version < 5: return None
  entries = lp.header.get("file_names") or []
  text = entries[index].get("DW_LNCT_LLVM_source") if index < len(entries) else None
  return text.decode(errors="replace") if isinstance(text, bytes) and text else None


def _name(lp, index: int, comp_dir: str) -> str:
  """The path of file `index` of a line program (DWARF 5 numbers files from 0, earlier versions from 1)."""
  v5 = lp.header.version >= 5
  entry = lp["file_entry"][index if v5 else index - 1]
  name = entry.name.decode(errors="replace")
  dirs = [d.decode(errors="replace") if isinstance(d, bytes) else d for d in lp["include_directory"]]
  d = dirs[entry.dir_index] if v5 else (dirs[entry.dir_index - 1] if entry.dir_index > 0 else comp_dir)
  path = name if posixpath.isabs(name) or not d else posixpath.join(d, name)
  base = dirs[0] if v5 and dirs else comp_dir       # a relative directory is relative to the compilation directory
  return path if posixpath.isabs(path) or not base else posixpath.join(base, path)


def source_lines(elf: bytes) -> SourceMap | None:
  """The line table of an ELF code object, or None when it has none (built without -g, or no DWARF at all)."""
  from elftools.elf.elffile import ELFFile
  try:
    f = ELFFile(io.BytesIO(elf))
    if f.get_section_by_name(".debug_line") is None: return None
    dwarf = f.get_dwarf_info()
    sequences, texts = [], {}
    for cu in dwarf.iter_CUs():
      lp = dwarf.line_program_for_CU(cu)
      if lp is None: continue
      comp_dir = cu.get_top_DIE().attributes.get("DW_AT_comp_dir")
      comp_dir = comp_dir.value.decode(errors="replace") if comp_dir is not None else ""
      names: dict[int, str] = {}
      addresses, rows = [], []
      for entry in lp.get_entries():
        st = entry.state
        if st is None: continue
        if st.end_sequence:
          if addresses: sequences.append((addresses[0], st.address, addresses, rows))
          addresses, rows = [], []
          continue
        if st.file not in names:
          names[st.file] = _name(lp, st.file, comp_dir)
          if (text := _embedded(lp, st.file)) is not None: texts.setdefault(names[st.file], text)
        if addresses and addresses[-1] == st.address: rows[-1] = (names[st.file], st.line)   # the last row at an address counts
        else: addresses.append(st.address); rows.append((names[st.file], st.line))
    sequences.sort(key=lambda s: s[0])
    return SourceMap(sequences, texts) if sequences else None
  except Exception:            # DWARF we cannot read is no reason to refuse the code: no source lines
    return None
