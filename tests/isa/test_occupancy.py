"""isa.occupancy against LLVM 19: for every corpus kernel that uses no LDS (LLVM's occupancy then has only the
registers to go on), our waves per SIMD from its VGPRs, AGPRs and SGPRs equal the `; Occupancy:` clang prints."""
import re
import pytest
from isa.occupancy import occupancy
from tests.llvm_oracle import CLANG, CL_FLAGS, TARGETS, TRIPLE, _run, corpus_files, have_llvm

pytestmark = pytest.mark.skipif(not have_llvm(), reason="LLVM 19 (clang-19) is not installed")
INFO = re.compile(r"; Kernel info:\n(.*?)\n; Occupancy: (\d+)", re.S)
FIELD = lambda name, text: int(m[1]) if (m := re.search(rf"^; {name}: (\d+)", text, re.M)) else 0

@pytest.mark.parametrize("mcpu", TARGETS)
def test_register_occupancy_equals_llvm(mcpu, report):
  checked = limited = 0
  for src in corpus_files():
    asm = _run([CLANG, *CL_FLAGS, "-target", TRIPLE, f"-mcpu={mcpu}", "-O3", "-S", str(src), "-o", "-"]).stdout
    for m in INFO.finditer(asm):
      info, llvm = m[1], int(m[2])
      if int(re.search(r"; LDSByteSize: (\d+)", info)[1]): continue          # LDS may limit it: not ours to say
      ours = occupancy(mcpu, FIELD("NumVgprs", info), FIELD("NumAgprs", info), wave32=not mcpu.startswith("gfx9"),
                       sgprs=FIELD("NumSGPRsForWavesPerEU", info))
      assert ours.waves_per_simd == llvm, (src.name, mcpu, info)
      checked += 1; limited += ours.waves_per_simd < ours.max_waves
  assert checked > 20
  report(f"occupancy {mcpu}: {checked} kernels without LDS equal LLVM's, {limited} of them limited by registers")

def pressure_kernels(mcpu: str) -> str:
  """Kernels that each keep one register busy (an inline-asm clobber), so LLVM allocates up to it: VGPRs across
  the whole file, AGPRs on gfx942, SGPRs around gfx9's limits."""
  ks = [f'kernel void v{n}(global int *o) {{ __asm__ volatile("" ::: "v{n}"); o[0] = 1; }}' for n in range(0, 256, 5)]
  if mcpu.startswith("gfx9"):
    ks += [f'kernel void a{n}(global int *o) {{ __asm__ volatile("" ::: "a{n}", "v{n // 2}"); o[0] = 1; }}' for n in range(0, 256, 13)]
    ks += [f'kernel void s{n}(global int *o) {{ __asm__ volatile("" ::: "s{n}"); o[0] = 1; }}' for n in range(60, 102, 2)]
  return "\n".join(ks)

@pytest.mark.parametrize("mcpu", TARGETS)
def test_register_pressure_across_the_file(mcpu, tmp_path, report):
  (src := tmp_path / "pressure.cl").write_text(pressure_kernels(mcpu))
  asm = _run([CLANG, *CL_FLAGS, "-target", TRIPLE, f"-mcpu={mcpu}", "-O3", "-S", str(src), "-o", "-"]).stdout
  seen = set()
  for m in INFO.finditer(asm):
    info, llvm = m[1], int(m[2])
    ours = occupancy(mcpu, FIELD("NumVgprs", info), FIELD("NumAgprs", info), wave32=not mcpu.startswith("gfx9"),
                     sgprs=FIELD("NumSGPRsForWavesPerEU", info))
    assert ours.waves_per_simd == llvm, (mcpu, info)
    if ours.vgprs_for_next_wave is not None:       # the most VGPRs that still gain a wave: one granule more does not
      w32, nxt, g = not mcpu.startswith("gfx9"), ours.vgprs_for_next_wave, ours.file.granule
      assert occupancy(mcpu, nxt, wave32=w32).by_vgprs > ours.by_vgprs >= occupancy(mcpu, nxt + g, wave32=w32).by_vgprs
    seen.add(llvm)
  assert len(seen) >= 5, seen                                      # occupancies from many pressures, not one
  report(f"occupancy {mcpu}: register-pressure kernels equal LLVM's at {len(seen)} occupancies {sorted(seen)}")
