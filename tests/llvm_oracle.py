"""The tests' side of the LLVM oracle: the OpenCL corpus compiled by clang-19 (gfx950: clang-19's IR through
llc-22), cached.

llvm-objdump and llvm-mc are driven by isa/llvm_oracle.py (shared with the table generator) and re-exported
here. Gate tests with `have_llvm()`.
"""
from __future__ import annotations

import hashlib
import os
import re
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


def have_llvm(mcpu: str = "gfx1100") -> bool:
    """The tools a target's tests need: clang-19 (which also front-ends gfx950), objdump and mc of its LLVM,
    and for gfx950 llc-22, which compiles clang-19's IR (no clang-22 needed)."""
    extra = (f"llc-{llvm_version(mcpu)}",) if llvm_version(mcpu) != 19 else ()
    return all(shutil.which(t) for t in (CLANG, tool("objdump", mcpu), tool("mc", mcpu), *extra))


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
        if llvm_version(mcpu) == 19:
            _run([CLANG, *flags, str(src_path), "-o", tmp])
        else:
            _compile_via_ir(src_path, mcpu, opt, extra_flags, tmp)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out


# clang-19's IR for the nearest target it knows, retargeted: the OpenCL front end is the same, the code comes from
# the newer backend
IR_TARGET = {"gfx950": "gfx942"}
_LLC_OPT = {"-O0": "-O0", "-O1": "-O1", "-O2": "-O2", "-O3": "-O3", "-Os": "-O2", "-Oz": "-O2"}


def _compile_via_ir(src_path, mcpu: str, opt: str, extra_flags: tuple[str, ...], out: str) -> None:
    """OpenCL -> LLVM IR (clang-19, as IR_TARGET[mcpu]) -> object (llc of mcpu's LLVM) -> code object (ld.lld-19).
    The IR's target-cpu becomes mcpu and its target-features go (they list the older target's)."""
    with tempfile.TemporaryDirectory(prefix="amdviz-ir-") as td:
        ll, obj = Path(td) / "k.ll", Path(td) / "k.o"
        _run([CLANG, *CL_FLAGS, "-target", TRIPLE, f"-mcpu={IR_TARGET[mcpu]}", opt, *extra_flags, "-S", "-emit-llvm",
              str(src_path), "-o", str(ll)])
        ir = ll.read_text().replace(f'"target-cpu"="{IR_TARGET[mcpu]}"', f'"target-cpu"="{mcpu}"')
        ll.write_text(re.sub(r' "target-features"="[^"]*"', "", ir))
        _run([f"llc-{llvm_version(mcpu)}", f"-mtriple={TRIPLE}", f"-mcpu={mcpu}", _LLC_OPT.get(opt, "-O2"),
              "-filetype=obj", str(ll), "-o", str(obj)])
        _run(["ld.lld-19", "-shared", str(obj), "-o", out])


# --------------------------------------------------------------------------- objdump


