"""`amdviz json` and `amdviz disasm` on real captures and compiled code objects."""
import json
import pytest
from tests.conftest import REAL_CAPTURES
from viz.cli import main

GFX11 = [p for p in REAL_CAPTURES if p.parent.name == "gfx1100"]


def run_json(capsys, path, route):
  assert main(["json", str(path), route]) == 0
  return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("path", GFX11, ids=lambda p: p.stem)
def test_routes_on_real_captures(path, capsys):
  kernels = run_json(capsys, path, "/api/kernels")["kernels"]
  assert kernels and [k["id"] for k in kernels] == list(range(len(kernels)))
  for k in kernels:
    assert k["arch"] == "gfx1100" and k["n_instructions"] > 0
    insts = run_json(capsys, path, f"/api/kernels/{k['id']}/disasm")["instructions"]
    assert len(insts) == k["n_instructions"] and insts[0]["pc"] == k["entry_pc"]
    for a, b in zip(insts, insts[1:]): assert b["pc"] == a["pc"] + a["size"]
    assert all(len(i["hex"].split()) * 4 == i["size"] for i in insts)
    cfg = run_json(capsys, path, f"/api/kernels/{k['id']}/cfg")
    pcs = sorted(pc for b in cfg["blocks"] for pc in b["pcs"])
    assert pcs == [i["pc"] for i in insts]           # blocks partition the instructions
    ids = {b["id"] for b in cfg["blocks"]}
    assert all(e["from"] in ids and e["to"] in ids for e in cfg["edges"])


def test_reads_writes_in_disasm(capsys):
  path = next(p for p in GFX11 if "gemm" in p.stem)
  insts = run_json(capsys, path, "/api/kernels/0/disasm")["instructions"]
  by_text = {i["text"]: i for i in insts}
  i = by_text["s_lshl_b32 s2, s15, 5"]
  assert i["reads"] == ["s15"] and set(i["writes"]) == {"s2", "scc"}
  i = by_text["v_add_co_ci_u32_e32 v2, vcc_lo, s7, v2, vcc_lo"]
  assert set(i["reads"]) == {"s7", "v2", "vcc_lo"} and set(i["writes"]) == {"v2", "vcc_lo"}
  i = next(i for i in insts if i["mnemonic"] == "ds_load_b128")
  assert len(i["writes"]) == 4


def test_errors_are_one_line(tmp_path, capsys):
  bad = tmp_path / "bad.elf"
  bad.write_bytes(b"\x7fELF" + b"\0" * 10)
  assert main(["json", str(bad), "/api/kernels"]) != 0
  err = capsys.readouterr().err
  assert err.startswith("amdviz:") and err.count("\n") == 1
  assert main(["json", str(GFX11[0]), "/api/nope"]) == 2
  assert "no route" in capsys.readouterr().err


def test_pretty_and_a_closed_pipe(tmp_path):
  """--pretty indents the same JSON; a reader that stops early (| head) ends the command quietly, exit 0."""
  import subprocess, sys
  path = GFX11[0]
  run = lambda *a: subprocess.run([sys.executable, "-m", "viz", *a], capture_output=True, text=True)
  compact, pretty = run("json", str(path), "/api/kernels"), run("json", str(path), "/api/kernels", "--pretty")
  assert json.loads(compact.stdout) == json.loads(pretty.stdout) and "\n  " in pretty.stdout and "\n" not in compact.stdout.strip()
  (src := tmp_path / "many.s").write_text("# a comment line, as llvm-mc takes it\n" + "s_nop 0\n" * 50000)
  for cmd in (f"{sys.executable} -m viz asm {src} | head -1", f"{sys.executable} -m viz disasm {path} | head -1"):
    r = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True, text=True)
    assert r.returncode == 0 and "Traceback" not in r.stderr and r.stderr == "", (cmd, r.stderr[-500:])
