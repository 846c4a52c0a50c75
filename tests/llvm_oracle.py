"""The tests' side of the LLVM oracle: the OpenCL corpus compiled by clang-19, cached.

llvm-objdump and llvm-mc are driven by isa/llvm_oracle.py (shared with the table generator) and re-exported
here. Gate tests with `have_llvm()`.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from isa.llvm_oracle import (TRIPLE, ObjdumpInst, _run, disassemble_words, have_tools, llvm_version,  # noqa: F401
                             mc_encode, objdump, parse_objdump, tool)

CLANG, OBJDUMP, MC = tool("clang"), tool("objdump"), tool("mc")   # LLVM 19: every target but gfx950
TARGETS = ("gfx1100", "gfx1200", "gfx942")
CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
DEFAULT_CACHE = Path(os.environ.get("AMDVIZ_TEST_CACHE", Path.home() / ".cache" / "amdviz-tests"))
CL_FLAGS = ("-x", "cl", "-cl-std=CL2.0", "-nogpulib")


def have_llvm() -> bool:
    return all(shutil.which(t) for t in (CLANG, OBJDUMP, MC))


def corpus_files() -> list[Path]:
    return sorted(CORPUS_DIR.glob("*.cl"))


def corpus_builds(src_path) -> list[tuple[str, tuple[str, ...]]]:
    """(opt, extra_flags) variants a corpus file asks for in a `// builds: -O3 | -O0 ...` line."""
    for line in Path(src_path).read_text().splitlines():
        if line.startswith("// builds:"):
            return [(v.split()[0], tuple(v.split()[1:])) for v in line[10:].split("|") if v.strip()]
    return [("-O3", ())]


# --------------------------------------------------------------------------- compile

def compile_cl(src_path, mcpu: str, opt: str = "-O3", cache_dir=None,
               extra_flags: tuple[str, ...] = ()) -> Path:
    """Compile an OpenCL C file to a code object, cached by (source hash, mcpu, flags)."""
    src = Path(src_path).read_bytes()
    flags = (*CL_FLAGS, "-target", TRIPLE, f"-mcpu={mcpu}", opt, *extra_flags)
    key = hashlib.sha256(src + b"\0" + "\0".join(flags).encode()).hexdigest()[:20]
    cache = Path(cache_dir) if cache_dir is not None else DEFAULT_CACHE
    cache.mkdir(parents=True, exist_ok=True)
    out = cache / f"{Path(src_path).stem}.{mcpu}{opt}.{key}.hsaco"
    if out.exists():
        return out
    # Compile to a private temp name and rename: safe under pytest-xdist races.
    fd, tmp = tempfile.mkstemp(suffix=".hsaco", dir=cache)
    os.close(fd)
    try:
        _run([CLANG, *flags, str(src_path), "-o", tmp])
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out


# --------------------------------------------------------------------------- objdump


