"""isa.elf against LLVM's own tools, on the real captures' code objects and on freshly compiled kernels."""
from __future__ import annotations
import random, re, shutil, struct, subprocess
import pytest
from isa.elf import (S_CODE_END, CodeObjectError, MACH_ARCH, NT_AMDGPU_METADATA, SHT_NOTE, arch_from_gfx_target_version, isa_version,
                     load_code_object, msgpack_unpack)
from capture import load_capture
from tests.conftest import REAL_CAPTURES

READELF, OBJDUMP, CLANG = "llvm-readelf-19", "llvm-objdump-19", "clang-19"
FOLDER_ARCH = {"gfx1100": "gfx1100", "gfx1200": "gfx1201", "gfx950": "gfx950"}   # the gfx1200 card reports gfx1201
LLVM19_KNOWS = {"gfx950": "gfx942"}   # LLVM 19 cannot disassemble gfx950; the CDNA subset decodes as gfx942

def need(tool: str):
  if not shutil.which(tool): pytest.skip(f"{tool} not installed")

def run(*cmd: str) -> str:
  return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout

def capture_programs():
  out = []
  for path in REAL_CAPTURES:
    cap = load_capture(path)
    for p in cap.programs: out.append(pytest.param(FOLDER_ARCH[path.parent.name], cap.device(p.device).arch, p, id=f"{path.parent.name}/{path.stem}/{p.name}"))
  return out
PROGRAMS = capture_programs()

def readelf_kernels(path) -> dict[str, dict[str, str]]:
  """amdhsa.kernels entries from `llvm-readelf --notes`: top-level scalar keys of each kernel, as text."""
  kernels, cur = {}, None
  for line in run(READELF, "--notes", str(path)).splitlines():
    if line.startswith("  - ."): cur = {}; kernels[len(kernels)] = cur
    if cur is not None and (m := re.match(r"^(?:  - |    )(\.\w+):\s+(\S.*)$", line)): cur[m[1]] = m[2].strip("'")
    if line.startswith("amdhsa.") and not line.startswith("amdhsa.kernels"): cur = None
  return {k[".name"]: k for k in kernels.values()}

def objdump_symbols(path, arch: str) -> dict[str, int]:
  text = run(OBJDUMP, "-d", f"--mcpu={LLVM19_KNOWS.get(arch, arch)}", str(path))
  return {m[2]: int(m[1], 16) for m in re.finditer(r"^([0-9a-f]{16}) <(.+)>:$", text, re.M)}

def check_against_llvm(path, co):
  """Kernel entry points match llvm-objdump; descriptor + metadata match llvm-readelf's view of the note."""
  syms = objdump_symbols(path, co.arch)
  meta = readelf_kernels(path)
  assert co.kernels and {k.name for k in co.kernels} == set(meta)
  for k in co.kernels:
    kd, m = k.descriptor, meta[k.name]
    assert k.entry_pc == k.code_start == syms[k.name]
    assert k.code_start < k.code_end <= co.text.addr + co.text.size
    assert kd.counts_from == "metadata"
    assert (kd.vgprs, kd.sgprs, kd.agprs) == (int(m[".vgpr_count"]), int(m[".sgpr_count"]), int(m.get(".agpr_count", 0)))
    assert kd.lds_bytes == int(m[".group_segment_fixed_size"]) and kd.scratch_bytes == int(m[".private_segment_fixed_size"])
    assert kd.kernarg_size == int(m[".kernarg_segment_size"])
    assert kd.wave32 == (m[".wavefront_size"] == "32")
    for key, text in m.items():   # our msgpack reading agrees with LLVM's on every scalar
      ours = k.metadata[key]
      if isinstance(ours, (bool, int, str)): assert str(ours).lower() == text.lower(), key

def readelf_flags(path) -> list[str]:
  line = next(l for l in run(READELF, "-h", str(path)).splitlines() if "Flags:" in l)
  return [p.strip() for p in line.split("Flags:")[1].split(",")][1:]

# ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("version,arch", [(110000, "gfx1100"), (120001, "gfx1201"), (90500, "gfx950"), (90402, "gfx942"),
                                          (90010, "gfx90a"), (110501, "gfx1151"), (100300, "gfx1030")])
def test_arch_from_gfx_target_version(version, arch):
  assert arch_from_gfx_target_version(version) == arch

def test_mach_table_and_isa_versions():
  assert len(set(MACH_ARCH.values())) == len(MACH_ARCH)
  for name in ["gfx900", "gfx906", "gfx908", "gfx90a", "gfx90c", "gfx940", "gfx941", "gfx942", "gfx950", "gfx1010", "gfx1036",
               "gfx1100", "gfx1103", "gfx1150", "gfx1151", "gfx1152", "gfx1153", "gfx1200", "gfx1201"]:
    assert name in MACH_ARCH.values(), name
  assert isa_version("gfx90a") == (9, 0, 10) and isa_version("gfx1201") == (12, 0, 1) and isa_version("gfx11-generic")[0] == 11

@pytest.mark.parametrize("folder_arch,device_arch,program", PROGRAMS)
def test_capture_code_object(folder_arch, device_arch, program, tmp_path):
  assert device_arch == folder_arch
  lib = program.lib
  minimal = struct.unpack_from("<H", lib, 18)[0] == 0   # tinygrad's own assembler: e_machine 0, e_flags 0
  if minimal:
    with pytest.raises(CodeObjectError, match=r"^unknown target: e_flags mach 0x0 and no arch given$"): load_code_object(lib)
    co = load_code_object(lib, arch=device_arch, name=program.name)
    assert co.arch == folder_arch and co.e_flags == 0 and not co.symbols and not co.metadata
    assert [s.name for s in co.sections] == [".text", ".rodata", ".strtab"]
    (k,) = co.kernels
    kd = k.descriptor
    # descriptor = .rodata; the entry offset is -len(.text) although .rodata is 64-aligned, the GPU uses entry >> 8
    assert kd.address == co.section(".rodata").addr and kd.kernel_code_entry_byte_offset == -co.text.size
    assert k.name == program.name and k.entry_pc == co.text.addr == 0x100
    # the kernel ends where the s_code_end padding of .text begins (gfx10+: not code)
    pad = co.code_bytes(k.code_end, co.text.addr + co.text.size)
    assert set(struct.unpack(f"<{len(pad) // 4}I", pad)) <= {S_CODE_END}
    assert struct.unpack("<I", co.code_bytes(k.code_end - 4, k.code_end))[0] != S_CODE_END
    assert kd.wave32 and kd.counts_from == "descriptor" and kd.vgprs % 8 == 0 and kd.sgprs == 0
    assert kd.lds_bytes == 512 and kd.kernarg_size > 0
    assert co.code_bytes(k.entry_pc, k.entry_pc + 4) == co.text.data[:4]
    return
  co = load_code_object(lib)
  assert co.arch == folder_arch
  assert co.kernel(program.name) is not None
  need(READELF); need(OBJDUMP)
  path = tmp_path / "k.elf"; path.write_bytes(lib)
  flags = readelf_flags(path)   # LLVM 19 prints no processor name for gfx950
  if flags and flags[0].startswith("gfx"): assert flags.pop(0) == co.arch
  assert flags == co.features
  check_against_llvm(path, co)

# ---------------------------------------------------------------------------------------------------
# freshly compiled kernels

KERNELS_CL = """
__kernel void add(__global float *a, __global const float *b) {
  int i = __builtin_amdgcn_workitem_id_x() + __builtin_amdgcn_workgroup_id_x() * 64; a[i] += b[i]; }
__kernel void lds(__global float *a) {
  __local float buf[256]; int t = __builtin_amdgcn_workitem_id_x();
  buf[t] = a[t]; __builtin_amdgcn_s_barrier(); a[t] = buf[255 - t] * 2.0f; }
__kernel void spill(__global float *a, int n) {
  float acc[64]; for (int j = 0; j < 64; j++) acc[j] = a[j * n];
  for (int j = 0; j < 64; j++) a[j] = acc[(j * 7 + n) & 63]; }
"""
COMPILED = [("gfx1100", ()), ("gfx1200", ()), ("gfx942", ()), ("gfx1100", ("-mwavefrontsize64",)), ("gfx90a", ()), ("gfx900", ())]

@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
  need(CLANG)
  d = tmp_path_factory.mktemp("cl")
  (d / "k.cl").write_text(KERNELS_CL)
  out = {}
  for mcpu, flags in COMPILED:
    path = d / f"k_{mcpu}{''.join(flags)}.hsaco"
    subprocess.run([CLANG, "-x", "cl", "-cl-std=CL2.0", "-target", "amdgcn-amd-amdhsa", f"-mcpu={mcpu}", *flags, "-nogpulib", "-O3",
                    str(d / "k.cl"), "-o", str(path)], check=True, capture_output=True)
    out[mcpu, flags] = path
  return out

@pytest.mark.parametrize("mcpu,flags", COMPILED, ids=[m + "".join(f) for m, f in COMPILED])
def test_compiled_kernels(compiled, mcpu, flags):
  need(READELF); need(OBJDUMP)
  path = compiled[mcpu, flags]
  co = load_code_object(path.read_bytes())
  assert co.arch == mcpu and [k.name for k in co.kernels] == ["add", "lds", "spill"]
  assert readelf_flags(path)[0] == mcpu and readelf_flags(path)[1:] == co.features
  check_against_llvm(path, co)
  wave32 = isa_version(mcpu)[0] >= 10 and not flags
  for k in co.kernels: assert k.descriptor.wave32 == wave32
  assert co.kernel("lds").descriptor.lds_bytes == 1024 and co.kernel("add").descriptor.lds_bytes == 0

@pytest.mark.parametrize("mcpu,flags", COMPILED, ids=[m + "".join(f) for m, f in COMPILED])
def test_descriptor_fallback_without_metadata(compiled, mcpu, flags):
  """With the metadata note hidden, counts come from the granulated descriptor fields: allocation upper bounds."""
  data = bytearray(compiled[mcpu, flags].read_bytes())
  with_meta = load_code_object(bytes(data))
  for s in with_meta.sections:
    if s.type == SHT_NOTE:
      pos = s.offset
      while pos < s.offset + s.size:
        namesz, descsz, ntype = struct.unpack_from("<III", data, pos)
        if ntype == NT_AMDGPU_METADATA: struct.pack_into("<I", data, pos + 8, 0)
        pos += 12 + -(-namesz // 4) * 4 + -(-descsz // 4) * 4
  co = load_code_object(bytes(data))
  assert not co.metadata
  major = isa_version(mcpu)[0]
  for k, ref in zip(co.kernels, with_meta.kernels):
    kd, exact = k.descriptor, ref.descriptor
    assert kd.counts_from == "descriptor" and kd.wave32 == exact.wave32 and kd.lds_bytes == exact.lds_bytes
    granule = 8 if mcpu in ("gfx90a", "gfx942") or exact.wave32 else 4
    assert exact.vgprs + exact.agprs <= kd.vgprs + kd.agprs < exact.vgprs + exact.agprs + granule or kd.vgprs + kd.agprs == granule
    if major >= 10: assert kd.sgprs == 0
    else: assert exact.sgprs <= kd.sgprs < exact.sgprs + 8 or (exact.sgprs <= 8 and kd.sgprs == 8)

# ---------------------------------------------------------------------------------------------------
# bad input: only CodeObjectError, always one line

def all_code_objects(compiled_paths=()) -> list[bytes]:
  return [p.values[2].lib for p in PROGRAMS] + [p.read_bytes() for p in compiled_paths]

def must_fail_cleanly(data: bytes, arch: str | None = "gfx1100"):
  try: load_code_object(data, arch)
  except CodeObjectError as e:
    assert "\n" not in str(e) and str(e)
    return str(e)
  return None   # still a loadable object: fine

def test_bad_magic_and_headers():
  assert must_fail_cleanly(b"") == "not an ELF file (bad magic)"
  assert must_fail_cleanly(b"MZ\x90\x00" + bytes(100)) == "not an ELF file (bad magic)"
  assert must_fail_cleanly(b"\x7fELF\x02\x01") == "truncated ELF: ELF header at 0x0 runs past end of file (6 bytes)"
  assert "class" in must_fail_cleanly(b"\x7fELF\x01\x01" + bytes(60))
  assert "big-endian" in must_fail_cleanly(b"\x7fELF\x02\x02" + bytes(60))

def test_truncated_section_headers_message():
  lib = next(p.values[2].lib for p in PROGRAMS if p.values[2].name == "custom_lds_sync" and p.values[0] == "gfx1100")
  assert must_fail_cleanly(lib[:-1]) == f"truncated ELF: section header table at 0x497 runs past end of file ({len(lib) - 1} bytes)"

def test_code_bytes_bounds():
  lib = PROGRAMS[0].values[2].lib
  co = load_code_object(lib, PROGRAMS[0].values[1])
  end = co.text.addr + co.text.size
  assert len(co.code_bytes(co.text.addr, end)) == co.text.size
  with pytest.raises(CodeObjectError): co.code_bytes(end - 4, end + 4)
  with pytest.raises(CodeObjectError): co.code_bytes(0x7fff_ffff_0000, 0x7fff_ffff_0004)

def test_fuzz_truncations_bitflips_garbage(compiled):
  rng = random.Random(1234)
  for data in all_code_objects(compiled.values()):
    cuts = range(len(data)) if len(data) < 2000 else rng.sample(range(len(data)), 400)
    for n in cuts: must_fail_cleanly(data[:n])
    for _ in range(300):
      b = bytearray(data)
      for _ in range(rng.choice((1, 1, 2, 8))): b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
      must_fail_cleanly(bytes(b))
      must_fail_cleanly(bytes(b), None)
    for _ in range(50):   # garbage after a valid-looking ELF header
      b = bytearray(data[:64]) + bytearray(rng.randbytes(rng.randrange(0, 3000)))
      must_fail_cleanly(bytes(b))
  for _ in range(200): must_fail_cleanly(b"\x7fELF" + rng.randbytes(rng.randrange(0, 600)))

def test_msgpack_reader():
  blob = (b"\x86\xa1a\x05\xa1b\xcd\x01\x00\xa1c\xff\xa1d\x93\xc3\xc2\xc0\xa1e\xcb" + struct.pack(">d", 1.5) +
          b"\xa1f\xd9\x03abc")
  assert msgpack_unpack(blob) == {"a": 5, "b": 256, "c": -1, "d": [True, False, None], "e": 1.5, "f": "abc"}
  for bad in (b"\xc1", b"\xdd\xff\xff\xff\xff", b"\x92\x01", b"\x81\x91\x01\x02", b"\x91" * 100 + b"\x01"):
    with pytest.raises(CodeObjectError): msgpack_unpack(bad)
