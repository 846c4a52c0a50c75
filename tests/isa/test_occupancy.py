"""isa.occupancy against LLVM 19: for every corpus kernel, and kernels made to press on registers or on LDS, our
waves per SIMD (from the VGPRs, AGPRs and SGPRs clang reports, the LDS bytes and the kernel's largest workgroup
size from its code object's metadata) equal the `; Occupancy:` clang prints."""
import re
import pytest
from isa.elf import load_code_object
from isa.occupancy import occupancy
from tests.llvm_oracle import CLANG, CL_FLAGS, TARGETS, TRIPLE, _run, compile_cl, corpus_files, have_llvm

pytestmark = pytest.mark.skipif(not have_llvm(), reason="LLVM 19 (clang-19) is not installed")
# a kernel's name (its .size line) and the info block clang writes after it
INFO = re.compile(r"\.size\t([\w.]+), [^\n]*\n(?:[^\n]*\n){0,3}?; Kernel info:\n(.*?)\n; Occupancy: (\d+)", re.S)
FIELD = lambda name, text: int(m[1]) if (m := re.search(rf"^; {name}: (\d+)", text, re.M)) else 0

def compare(src, mcpu: str, tmp_path) -> list[tuple[str, int, object]]:
  """(kernel, LLVM's occupancy, ours) for every kernel of `src`."""
  asm = _run([CLANG, *CL_FLAGS, "-target", TRIPLE, f"-mcpu={mcpu}", "-O3", "-S", str(src), "-o", "-"]).stdout
  co = load_code_object(compile_cl(src, mcpu, "-O3", cache_dir=tmp_path).read_bytes())
  out = []
  for m in INFO.finditer(asm):
    name, info, llvm = m[1], m[2], int(m[3])
    k = co.kernel(name)
    assert k is not None, name
    ours = occupancy(mcpu, FIELD("NumVgprs", info), FIELD("NumAgprs", info), wave32=not mcpu.startswith("gfx9"),
                     sgprs=FIELD("NumSGPRsForWavesPerEU", info), lds_bytes=k.descriptor.group_segment_fixed_size,
                     workgroup_size=k.metadata.get(".max_flat_workgroup_size"))
    assert FIELD("LDSByteSize", info) == k.descriptor.group_segment_fixed_size
    out.append((name, llvm, ours))
  return out

@pytest.mark.parametrize("mcpu", TARGETS)
def test_corpus_occupancy_equals_llvm(mcpu, tmp_path, report):
  rows = [r for src in corpus_files() for r in compare(src, mcpu, tmp_path)]
  wrong = [(n, llvm, o) for n, llvm, o in rows if o.waves_per_simd != llvm]
  assert len(rows) > 30 and not wrong, wrong[:5]
  lds = sum(1 for _, _, o in rows if o.lds_bytes)
  report(f"occupancy {mcpu}: {len(rows)} corpus kernels equal LLVM's ({lds} with LDS), "
         f"{sum(1 for _, _, o in rows if o.waves_per_simd < o.max_waves)} limited")

def lds_kernels() -> str:
  """A kernel per (LDS size, required workgroup size): the LDS alone decides how many waves fit."""
  ks = []
  for wg in (0, 32, 64, 128, 256, 512, 1024):
    attr = f"__attribute__((reqd_work_group_size({wg}, 1, 1)))" if wg else ""
    for kb in (1, 2, 4, 6, 8, 12, 16, 24, 32, 48, 60, 64):
      n = kb * 256
      ks.append(f"kernel {attr} void k_{wg}_{kb}(global float *o) {{ local float b[{n}]; uint i = __builtin_amdgcn_workitem_id_x(); "
                f"b[i % {n}] = o[0]; __builtin_amdgcn_s_barrier(); o[i] = b[(i + 1) % {n}]; }}")
  return "\n".join(ks)

@pytest.mark.parametrize("mcpu", TARGETS)
def test_lds_pressure(mcpu, tmp_path, report):
  (src := tmp_path / "lds.cl").write_text(lds_kernels())
  rows = compare(src, mcpu, tmp_path)
  wrong = [(n, llvm, o.json()) for n, llvm, o in rows if o.waves_per_simd != llvm]
  assert len(rows) == 84 and not wrong, wrong[:5]
  by_lds = sorted({o.by_lds for _, _, o in rows if o.by_lds is not None})
  assert sum(1 for _, _, o in rows if "lds" in o.json()["limited_by"]) > 30 and len(by_lds) >= 6
  report(f"occupancy {mcpu}: {len(rows)} LDS-pressure kernels equal LLVM's, LDS limits at {by_lds}")

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
    info, llvm = m[2], int(m[3])
    ours = occupancy(mcpu, FIELD("NumVgprs", info), FIELD("NumAgprs", info), wave32=not mcpu.startswith("gfx9"),
                     sgprs=FIELD("NumSGPRsForWavesPerEU", info))
    assert ours.waves_per_simd == llvm, (mcpu, info)
    if ours.vgprs_for_next_wave is not None:       # the most VGPRs that still gain a wave: one granule more does not
      w32, nxt, g = not mcpu.startswith("gfx9"), ours.vgprs_for_next_wave, ours.file.granule
      assert occupancy(mcpu, nxt, wave32=w32).by_vgprs > ours.by_vgprs >= occupancy(mcpu, nxt + g, wave32=w32).by_vgprs
    seen.add(llvm)
  assert len(seen) >= 5, seen                                      # occupancies from many pressures, not one
  report(f"occupancy {mcpu}: register-pressure kernels equal LLVM's at {len(seen)} occupancies {sorted(seen)}")
