"""Every corpus kernel (tests/corpus, each build its file asks for plus -O0, gfx1100 and gfx1200) runs on the simulator
with seeded inputs; its buffers must equal the numpy reference in tests/emu/corpus_refs bit for bit (or within the
ULPs a reference names, where the hardware itself is approximate), and its trace must map back exactly."""
from __future__ import annotations
import importlib, inspect
from functools import cache
from pathlib import Path
import numpy as np
import pytest
from emu import run
from isa.elf import load_code_object
from tests.emu.test_run import round_trip
from tests.llvm_oracle import compile_cl, corpus_builds, corpus_files, have_llvm

ARCHS = ("gfx1100", "gfx1200")
pytestmark = pytest.mark.skipif(not have_llvm(), reason="clang-19 not installed")


def ref_module(src: Path):
  try: return importlib.import_module(f"tests.emu.corpus_refs.c{src.stem}")
  except ModuleNotFoundError: return None


def builds(src: Path) -> list[tuple[str, tuple[str, ...]]]:
  b = corpus_builds(src)
  return b + [("-O0", ())] if ("-O0", ()) not in b else b


def cases():
  for src in corpus_files():
    for opt, flags in builds(src):
      for arch in ARCHS:
        yield pytest.param(src, arch, opt, flags, id=f"{src.stem}-{arch}{opt}{''.join(flags)}")


@cache
def compiled(src: Path, arch: str, opt: str, flags: tuple[str, ...]):
  try: return compile_cl(src, arch, opt, extra_flags=flags)
  except RuntimeError as e: return str(e).splitlines()[-1] if str(e) else "failed"


def ulp_diff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
  """Distance in units in the last place between float arrays of one dtype (NaNs equal)."""
  ui = {2: np.int16, 4: np.int32, 8: np.int64}[a.dtype.itemsize]
  ia, ib = a.view(ui).astype(np.int64), b.view(ui).astype(np.int64)
  top = np.int64(1) << (8 * a.dtype.itemsize - 1)
  ia = np.where(ia < 0, -(ia + top), ia); ib = np.where(ib < 0, -(ib + top), ib)   # sign-magnitude -> monotonic
  d = np.abs(ia - ib)
  return np.where(np.isnan(a) & np.isnan(b), 0, d)


def make_case(make, lanes: int, arch: str):
  """A reference's case, seeded; references whose results depend on the target take it as a third argument."""
  takes_arch = len(inspect.signature(make).parameters) >= 3
  return make(np.random.default_rng(1234), lanes, arch) if takes_arch else make(np.random.default_rng(1234), lanes)


def check_outputs(name: str, case) -> None:
  """Every buffer the reference names equals it, bit for bit or within its ULPs."""
  for i, want in case.expected.items():
    got = case.args[i]
    assert got.dtype == want.dtype and got.shape == want.shape, (name, i)
    if i in case.ulp:
      bad = ulp_diff(got.reshape(-1), want.reshape(-1)) > case.ulp[i]
    else:
      bad = got.reshape(-1).view(np.uint8).reshape(got.size, -1) != want.reshape(-1).view(np.uint8).reshape(want.size, -1)
      bad = bad.any(1)
    assert not bad.any(), f"{name} argument {i}: {int(bad.sum())} of {bad.size} differ, first at {int(np.flatnonzero(bad)[0])}: " \
                          f"got {got.reshape(-1)[bad][:4]}, want {want.reshape(-1)[bad][:4]}"


@pytest.mark.parametrize("src,arch,opt,flags", list(cases()))
def test_corpus_kernel(src, arch, opt, flags, report):
  mod = ref_module(src)
  if mod is None: pytest.skip(f"no numpy reference for {src.name} yet")
  code = compiled(src, arch, opt, flags)
  if isinstance(code, str): pytest.skip(f"clang-19 cannot build it: {code}")
  co = load_code_object(code.read_bytes())
  ran = 0
  for k in co.kernels:
    make = getattr(mod, k.name, None)
    if make is None: continue
    lanes = 32 if k.descriptor.wave32 else 64
    case = make_case(make, lanes, arch)
    r = run(code, k.name, case.grid, case.block, case.args)
    check_outputs(k.name, case)
    round_trip(r)
    ran += 1
  missing = [k.name for k in co.kernels if getattr(mod, k.name, None) is None]
  assert ran, f"no kernel of {src.name} has a reference"
  if missing: report(f"emu corpus {src.stem}: no reference for {', '.join(missing)}")
