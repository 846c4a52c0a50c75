"""isa.source_lines against llvm-objdump-19 -d -l: every corpus kernel built with -g (at -O0 and -O2, for gfx1100,
gfx1200 and gfx942) gets exactly the source annotations objdump prints, and every branch the target objdump
names (<kernel+0xOFF>), through /disasm (viz.api) as a user sees them."""
import re
import pytest
from tests.llvm_oracle import OBJDUMP, TARGETS, _run, compile_cl, corpus_files, have_llvm
from viz.api import Workspace, route

pytestmark = pytest.mark.skipif(not have_llvm(), reason="LLVM 19 (clang-19, llvm-objdump-19) is not installed")
INST = re.compile(r"^\s+(\S.*?)\s*// ([0-9A-F]{12}): [0-9A-F ]+?(?: <([^>+]+)\+0x([0-9a-f]+)>)?$")
SOURCE = re.compile(r"^; (/.+):(\d+)$")

def objdump_view(path, mcpu) -> dict[int, tuple]:
  """pc -> (the source annotation in force at it, whether it was printed right before it, the branch target) from
  llvm-objdump -d -l."""
  text = _run([OBJDUMP, "-d", "-l", f"--mcpu={mcpu}", str(path)]).stdout
  symbols = {s[2]: int(s[1], 16) for s in re.finditer(r"^([0-9a-f]{16}) <([^>]+)>:$", text, re.M)}
  out, current, fresh = {}, None, False
  for line in text.splitlines():
    if (m := SOURCE.match(line)): current, fresh = (m[1], int(m[2])), True; continue
    if (m := INST.match(line)):
      out[int(m[2], 16)] = (current, fresh, symbols[m[3]] + int(m[4], 16) if m[3] else None)
      fresh = False
  return out

TOTALS = [0, 0, 0]
CASES = [(src, mcpu, opt) for src in corpus_files()[::3] for mcpu in TARGETS for opt in ("-O0", "-O2")]

@pytest.mark.parametrize("src,mcpu,opt", CASES, ids=[f"{s.stem}-{m}{o}" for s, m, o in CASES])
def test_source_lines_and_targets_equal_objdump(src, mcpu, opt, report):
  path = compile_cl(src, mcpu, opt, extra_flags=("-g",))
  want = objdump_view(path, mcpu)
  ws = Workspace.open(path)
  n_lines = n_targets = 0
  for k in range(len(ws.kernels)):
    for i in route(ws, f"/api/kernels/{k}/disasm")["instructions"]:
      current, fresh, target = want[i["pc"]]
      s = i["source"]
      if s is None: assert not fresh, (hex(i["pc"]), current)       # no line: objdump prints nothing new there
      else:
        assert current == (s["file"], s["line"]), hex(i["pc"])   # objdump's annotation in force is ours
        n_lines += 1
      assert i["target"] == target, hex(i["pc"])
      n_targets += target is not None
  assert n_lines, "no source lines found"
  TOTALS[0] += n_lines; TOTALS[1] += n_targets; TOTALS[2] += 1
  if TOTALS[2] == len(CASES):
    report(f"source lines: {TOTALS[0]} instructions' lines and {TOTALS[1]} branch targets equal llvm-objdump-19 -d -l "
           f"in {len(CASES)} -g builds")

def test_no_debug_info_no_source(tmp_path):
  path = compile_cl(corpus_files()[0], "gfx1100", "-O2")
  ws = Workspace.open(path)
  assert all(i["source"] is None for i in route(ws, "/api/kernels/0/disasm")["instructions"])
