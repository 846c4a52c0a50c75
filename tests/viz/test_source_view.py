"""The source view's route (/api/kernels/N/source) and viz/source_files.py: text from the code object
(-gembed-source, compiled by clang-19) or from a folder the user named, never from a path the capture names;
each line's instructions equal /disasm's source lines; hits and cycles per line are /timing's summed."""
import json
import os
import shutil
from pathlib import Path

import pytest

from isa.source_lines import SourceMap
from tests.llvm_oracle import compile_cl, have_llvm
from tests.viz.test_trace_routes import synthetic_workspace
from viz import source_files
from viz.api import Workspace, route
from viz.cli import main

REPO = Path(__file__).resolve().parents[2]
LOOPS = REPO / "tests" / "corpus" / "16_loops.cl"
needs_clang = pytest.mark.skipif(not have_llvm(), reason="LLVM 19 (clang-19) is not installed")


def get(ws, path):
  return json.loads(json.dumps(route(ws, path)))


def lines_by_pc(ws, kid):
  return {i["pc"]: (i["source"]["file"], i["source"]["line"]) for i in get(ws, f"/api/kernels/{kid}/disasm")["instructions"] if i["source"]}


@needs_clang
def test_embedded_source(tmp_path):
  path = compile_cl(LOOPS, "gfx1100", "-O2", cache_dir=tmp_path, extra_flags=("-g", "-gdwarf-5", "-gembed-source"))
  ws = Workspace.open(path)
  text = LOOPS.read_text().splitlines()
  for k in range(len(ws.kernels)):
    body = get(ws, f"/api/kernels/{k}/source")
    assert body["note"] is None and body["total_cycles"] is None          # carried, not traced
    where = lines_by_pc(ws, k)
    got = {}
    for f in body["files"]:
      assert f["origin"] == "embedded" and f["file"].endswith("16_loops.cl")
      assert [l["text"] for l in f["lines"] if l["text"] is not None] == text     # the whole file, in order
      assert [l["line"] for l in f["lines"]] == sorted({l["line"] for l in f["lines"]})
      for l in f["lines"]:
        assert l["hits"] is None and l["cycles"] is None
        got.update({pc: (f["file"], l["line"]) for pc in l["pcs"]})
    assert got == where and got                                           # every pc with a line, on that line


@needs_clang
def test_source_folder(tmp_path):
  """Without embedded text: the file is read only from a --source folder, found by the path's tail, never
  through a link out of the folder or past the size limit."""
  build = tmp_path / "build" / "proj"
  build.mkdir(parents=True)
  shutil.copy(LOOPS, build / "loops.cl")
  path = compile_cl(build / "loops.cl", "gfx1100", "-O2", cache_dir=tmp_path, extra_flags=("-g",))
  shutil.rmtree(tmp_path / "build")                                       # the path in the DWARF is gone now
  body = get(Workspace.open(path), "/api/kernels/0/source")
  assert body["files"] and all(f["origin"] is None for f in body["files"]) and "--source" in body["note"]
  assert all(l["text"] is None and l["pcs"] for f in body["files"] for l in f["lines"])   # only the lines with code
  src = tmp_path / "src" / "proj"
  src.mkdir(parents=True)
  shutil.copy(LOOPS, src / "loops.cl")
  ws = Workspace.open(path, [tmp_path / "src"])
  f = get(ws, "/api/kernels/0/source")["files"][0]
  assert f["origin"] == str((src / "loops.cl").resolve()) and f["lines"][0]["text"] == LOOPS.read_text().splitlines()[0]
  # a link out of the folder is not followed; a file past the limit is not read
  outside = tmp_path / "secret.cl"
  outside.write_text("secret\n")
  evil = tmp_path / "evil"
  evil.mkdir()
  os.symlink(outside, evil / "loops.cl")
  assert get(Workspace.open(path, [evil]), "/api/kernels/0/source")["files"][0]["origin"] is None
  assert source_files.find_in([tmp_path / "src"], "/x/proj/loops.cl") == (src / "loops.cl").resolve()
  assert source_files.find_in([tmp_path / "src"], "/x/../../secret.cl") is None
  old = source_files.MAX_BYTES
  try:
    source_files.MAX_BYTES = 10
    assert source_files.find_in([tmp_path / "src"], "/x/proj/loops.cl") is None
  finally:
    source_files.MAX_BYTES = old


def test_hits_and_cycles_per_line():
  """A traced kernel's lines sum their instructions' /timing rows (the line table here is made for the 7-instruction
  test kernel: pcs 0x0-0x8 on line 2, 0xc-0x18 on line 3, s_endpgm on line 5)."""
  ws = synthetic_workspace()
  kv = ws.kernels[0]
  base = kv.kernel.entry_pc
  kv.__dict__["source_map"] = SourceMap([(base, base + 0x20, [base, base + 0xc, base + 0x1c],
                                          [("k.cl", 2), ("k.cl", 3), ("k.cl", 5)])], {"k.cl": "a\nb\nc\nd\ne\nf\n"})
  timing = {r["pc"]: r for r in get(ws, "/api/kernels/0/timing")["instructions"]}
  body = get(ws, "/api/kernels/0/source")
  assert body["total_cycles"] == sum(r["cycles_total"] for r in timing.values())
  (f,) = body["files"]
  assert [(l["line"], l["text"]) for l in f["lines"]] == [(n, c) for n, c in enumerate("abcdef", 1)]
  for l in f["lines"]:
    if not l["pcs"]: assert l["hits"] is None and l["cycles"] is None; continue      # no code: nothing to count
    assert l["hits"] == sum(timing[pc]["hits"] for pc in l["pcs"]) and l["cycles"] == sum(timing[pc]["cycles_total"] for pc in l["pcs"])
  assert [[pc - base for pc in l["pcs"]] for l in f["lines"]] == [[], [0x0, 0x8], [0xc, 0x10, 0x14, 0x18], [], [0x1c], []]


def test_no_line_table():
  from tests.conftest import real_capture
  body = get(Workspace.open(real_capture("gfx1100", "gemm")), "/api/kernels/0/source")
  assert body == {"files": [], "total_cycles": None, "note": "built without -g: the code object has no line table"}


def test_source_option_must_be_a_folder(tmp_path, capsys):
  from tests.conftest import real_capture
  assert main(["json", str(real_capture("gfx1100", "gemm")), "/api/kernels/0/source", "--source", str(tmp_path / "nope")]) == 1
  assert "--source: not a folder" in capsys.readouterr().err
  from viz.server import serve_main
  assert serve_main(["--source", str(tmp_path / "nope")]) == 2
  assert "--source: not a folder" in capsys.readouterr().err
