"""The text of a kernel's source files, for the source view: what the code object carries (-gembed-source), else
a file under a folder the user named (`--source DIR`), never a path read from the capture as it stands (a
capture is untrusted: its DWARF could name any file on this machine).

A DWARF path /home/a/proj/k.cl is looked for as DIR/home/a/proj/k.cl, DIR/a/proj/k.cl, DIR/proj/k.cl, DIR/k.cl,
the first that exists, is a regular file inside DIR once links are resolved, and is at most MAX_BYTES.
"""
from __future__ import annotations
import os
from pathlib import Path, PurePosixPath

MAX_BYTES = 4 << 20


def find_in(dirs, dwarf_path: str) -> Path | None:
  parts = [p for p in PurePosixPath(dwarf_path).parts if p not in ("/", "", ".", "..")]
  for d in dirs:
    root = Path(d).resolve()
    for k in range(len(parts)):
      candidate = (root.joinpath(*parts[k:])).resolve()
      if not candidate.is_relative_to(root) or not candidate.is_file(): continue
      try:
        if candidate.stat().st_size <= MAX_BYTES: return candidate
      except OSError: continue
  return None


def source_text(dwarf_path: str, embedded: dict[str, str], dirs) -> tuple[str | None, str | None]:
  """(text, where it came from: "embedded" or the file read), or (None, None) when it is nowhere we may look."""
  if dwarf_path in embedded: return embedded[dwarf_path], "embedded"
  found = find_in(dirs, dwarf_path)
  if found is None: return None, None
  try: return found.read_bytes().decode(errors="replace"), os.fspath(found)
  except OSError: return None, None
