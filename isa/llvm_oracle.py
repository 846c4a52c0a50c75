"""LLVM as the oracle: llvm-objdump and llvm-mc driven in batches, for the table generator and the tests.

Never imported at run time (amdviz needs no LLVM). gfx950 is checked against LLVM 22, which knows it; every
other target against LLVM 19, whose output the tables reproduce (`llvm_version`).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

TRIPLE = "amdgcn-amd-amdhsa"
TOOLS = {"objdump": "llvm-objdump", "mc": "llvm-mc", "clang": "clang", "readelf": "llvm-readelf"}


def llvm_version(mcpu: str) -> int:
    """Which LLVM a target is checked against: 22 for gfx950 (LLVM 19 does not know it), else 19."""
    return 22 if mcpu.startswith("gfx95") else 19


def tool(name: str, mcpu: str = "gfx1100") -> str:
    """'objdump', 'gfx950' -> 'llvm-objdump-22'."""
    return f"{TOOLS[name]}-{llvm_version(mcpu)}"


def have_tools(mcpu: str = "gfx1100", names=("objdump", "mc")) -> bool:
    return all(shutil.which(tool(n, mcpu)) for n in names)


def _run(cmd: list[str], inp: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    p = subprocess.run(cmd, input=inp, capture_output=True, text=True)
    if check and p.returncode:
        raise RuntimeError(f"{cmd[0]} failed ({p.returncode}):\n{p.stderr[-4000:]}")
    return p


@dataclass(frozen=True)
class ObjdumpInst:
    symbol: str
    pc: int
    words: tuple[int, ...]
    text: str

    @property
    def mnemonic(self) -> str:
        return self.text.split(" ", 1)[0]


_SYM = re.compile(r"^[0-9a-fA-F]+ <(.+)>:$")
# Text may run straight into "//" (long s_delay_alu), so no space is required before it.
# After the hex words objdump may add "<sym+0x..>" branch annotations and "; Warning: ...".
_INST = re.compile(r"^\s+(?P<text>.*?)\s*// (?P<pc>[0-9A-Fa-f]+):(?P<words>(?: [0-9A-Fa-f]{8})+)(?P<tail>.*)$")


def parse_objdump(out: str) -> list[ObjdumpInst]:
    insts, sym = [], ""
    for line in out.splitlines():
        if m := _INST.match(line):
            insts.append(ObjdumpInst(sym, int(m["pc"], 16), tuple(int(w, 16) for w in m["words"].split()),
                                     " ".join(m["text"].split())))
        elif m := _SYM.match(line):
            sym = m[1]
    return insts


def objdump(path, mcpu: str, zeroes: bool = True) -> list[ObjdumpInst]:
    """Disassemble .text of a code object.  `zeroes` passes -z: otherwise objdump elides
    runs of zero bytes as "..." and the word stream would have holes."""
    cmd = [tool("objdump", mcpu), "-d", f"--mcpu={mcpu}", *(["-z"] if zeroes else []), str(path)]
    return parse_objdump(_run(cmd).stdout)


# --------------------------------------------------------------------------- llvm-mc encode

_ENC = re.compile(r"^\s*(?P<text>.*?)\s*; encoding: \[(?P<bytes>[^\]]*)\]")
_MARK = f"amdviz_{os.getpid()}_{os.urandom(4).hex()}_"  # label no input will contain


def _enc_bytes(s: str) -> bytes:
    # Unresolved fixup bytes print as "A" (or 0bAAxx bit patterns); they read as zero here.
    return bytes(int(b, 16) if b.startswith("0x") else 0 for b in s.split(",") if b)


def _mc_batch(lines: list[str], mcpu: str) -> tuple[bool, dict[int, tuple[str, bytes]], int]:
    """One llvm-mc run; returns (finished, {index: (text, bytes)}, index of last started line)."""
    src = "".join(f"{_MARK}{i}:\n{ln}\n" for i, ln in enumerate(lines)) + f"{_MARK}end:\n"
    p = _run([tool("mc", mcpu), f"-triple={TRIPLE}", f"-mcpu={mcpu}", "-show-encoding"], src, check=False)
    segs: dict[int, list[tuple[str, bytes]]] = {}
    cur, finished = -1, False
    for ln in p.stdout.splitlines():
        if ln.startswith(_MARK) and ln.endswith(":"):
            if (tag := ln[len(_MARK):-1]) == "end":
                finished = True
                break
            cur = int(tag)
        elif cur >= 0 and (m := _ENC.match(ln)):
            segs.setdefault(cur, []).append((" ".join(m["text"].split()), _enc_bytes(m["bytes"])))
    got = {i: ("\n".join(t for t, _ in sg), b"".join(b for _, b in sg))
           for i, sg in segs.items() if finished or i < cur}
    return finished, got, cur


def mc_encode(lines: list[str], mcpu: str) -> list[tuple[str, bytes] | None]:
    """Assemble each line independently (one llvm-mc process).  Returns, per line, LLVM's
    canonical text and encoding, or None if rejected / nothing encoded.  Lines are separated
    by unique labels, which the asm streamer echoes, so output aligns even when lines fail
    (errors go to stderr and print nothing).  A line expanding to several instructions gets
    their texts joined by newlines and their bytes concatenated."""
    for ln in lines:
        if "\n" in ln or "\r" in ln:
            raise ValueError(f"line contains a newline: {ln!r}")
    res: list[tuple[str, bytes] | None] = [None] * len(lines)
    start = 0
    while start < len(lines):
        ok, got, cur = _mc_batch(lines[start:], mcpu)
        for i, r in got.items():
            res[start + i] = r
        if ok:
            break
        # llvm-mc died mid-stream (fatal error); lines before the last echoed marker are
        # complete.  Without progress, try the first line alone so only it can be blamed.
        if cur > 0:
            start += cur
            continue
        ok1, got1, _ = _mc_batch(lines[start:start + 1], mcpu)
        res[start] = got1.get(0) if ok1 else None
        start += 1
    return res


# --------------------------------------------------------------------------- disassemble words

def _disasm_batch(probes: list[tuple[int, ...]], mcpu: str, tmp: Path):
    """One mc+objdump run: (exited cleanly, {probe: first ObjdumpInst}, last probe header seen)."""
    s = [".text\n"]
    for i, ws in enumerate(probes):
        s.append(f".type p{i},@function\np{i}:\n.long {', '.join(f'0x{w & 0xffffffff:x}' for w in ws)}\n")
    (tmp / "p.s").write_text("".join(s))
    _run([tool("mc", mcpu), f"-triple={TRIPLE}", f"-mcpu={mcpu}", "-filetype=obj", str(tmp / "p.s"), "-o", str(tmp / "p.o")])
    p = _run([tool("objdump", mcpu), "-d", "-z", f"--mcpu={mcpu}", str(tmp / "p.o")], check=False)
    first: dict[int, ObjdumpInst] = {}
    for ins in parse_objdump(p.stdout):
        first.setdefault(int(ins.symbol[1:]), ins)
    last = max((int(m[1]) for m in re.finditer(r"^[0-9a-f]+ <p(\d+)>:$", p.stdout, re.M)), default=-1)
    return p.returncode == 0, first, last


def disassemble_words(probes, mcpu: str) -> list[tuple[str, int] | None]:
    """Decode many independent instructions in one objdump run.  Each probe becomes its own
    function symbol and objdump restarts decoding at every symbol, so alignment is exact.
    Returns (text, words consumed) of each probe's first instruction, or None if LLVM
    rejects it (prints `.long`) or crashes on it.  Pad probes with trailing words:
    a probe shorter than its instruction also decodes as `.long`."""
    probes = [tuple(p) for p in probes]
    res: list[tuple[str, int] | None] = [None] * len(probes)

    def take(lo, first, n):
        for i in range(n):
            if (ins := first.get(i)) and ins.mnemonic != ".long":
                res[lo + i] = (ins.text, len(ins.words))

    with tempfile.TemporaryDirectory(prefix="amdviz-dis-") as td:
        todo = [(0, len(probes))]
        while todo:
            lo, hi = todo.pop()
            if lo >= hi:
                continue
            ok, first, last = _disasm_batch(probes[lo:hi], mcpu, Path(td))
            if ok:
                take(lo, first, hi - lo)
            # objdump segfaults on some malformed encodings (seen: gfx9 SDWA).  Probes before
            # the last header printed are complete; the one at it is the suspect.
            elif last > 0:
                take(lo, first, last)
                todo.append((lo + last, hi))
            elif last == 0:
                ok1, first1, _ = _disasm_batch(probes[lo:lo + 1], mcpu, Path(td))
                if ok1:
                    take(lo, first1, 1)
                todo.append((lo + 1, hi))
            elif hi - lo > 1:  # no output at all: bisect
                mid = (lo + hi) // 2
                todo += [(mid, hi), (lo, mid)]
    return res
