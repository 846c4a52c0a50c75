"""How many waves of a kernel fit on one SIMD at once, as far as its registers and LDS decide it.

Per target: the VGPRs a SIMD holds per lane (for wave32 and wave64), the granule a wave's VGPRs are allocated in,
and the most waves a SIMD runs. A wave's VGPR count is rounded up to the granule; the SIMD fits total / rounded of
them, at least 1, at most the maximum. (Facts from LLVM's AMDGPUBaseInfo: getTotalNumVGPRs, getVGPRAllocGranule,
getMaxWavesPerEU.) gfx90a and the MI300 family hold VGPRs and AGPRs in one file of 512, AGPRs after the VGPRs
rounded up to 4. SGPRs limit waves on gfx9 only (10 up to 80 SGPRs, 9 to 88, 8 to 100, else 7: LLVM's
getOccupancyWithNumSGPRs). LDS limits them by how many workgroups fit its size on a CU (gfx9: 64 KB; gfx950:
160 KB) or WGP (gfx10+: 128 KB), each bringing its waves, spread over the 4 SIMDs; the workgroup size is the
largest the kernel allows (its metadata's .max_flat_workgroup_size), as the compiler assumes, so a smaller launch
may fit more (LLVM's getOccupancyWithLocalMemSize).
"""
from __future__ import annotations
from dataclasses import dataclass
from isa.elf import isa_version

@dataclass(frozen=True)
class VgprFile:
  total: int          # VGPRs per lane a SIMD holds
  granule: int        # allocated in steps of
  max_waves: int      # waves a SIMD runs at most

# (wave32 file, wave64 file) per target class
ONE_AND_HALF = {"gfx1100", "gfx1101", "gfx1151", "gfx1200", "gfx1201"}   # 1.5x VGPRs: 192 KB per SIMD

def vgpr_file(arch: str, wave32: bool) -> VgprFile:
  major, minor, _ = isa_version(arch)
  if arch.startswith(("gfx90a", "gfx94", "gfx95")): return VgprFile(512, 8, 8)
  if major < 10: return VgprFile(256, 4, 10)
  if arch in ONE_AND_HALF: return VgprFile(1536, 24, 16) if wave32 else VgprFile(768, 12, 16)
  if (major, minor) >= (10, 3): return VgprFile(1024, 16, 16) if wave32 else VgprFile(512, 8, 16)
  return VgprFile(1024, 8, 20) if wave32 else VgprFile(512, 4, 20)

def _align(n: int, g: int) -> int: return -(-n // g) * g

def waves_per_simd(f: VgprFile, vgprs: int) -> int:
  if vgprs < f.granule: return f.max_waves
  return min(max(f.total // _align(vgprs, f.granule), 1), f.max_waves)

SIMDS_PER_CU = 4        # per CU on gfx9, per WGP on gfx10+ (LDS is shared at that level)

def lds_bytes_per_cu(arch: str) -> int:
  if arch.startswith("gfx950"): return 160 << 10
  return 128 << 10 if isa_version(arch)[0] >= 10 else 64 << 10

def waves_by_lds(arch: str, lds_bytes: int, workgroup_size: int | None, wave_size: int, max_waves: int) -> int | None:
  """Waves per SIMD the LDS allows (None: it does not limit: no LDS, or the workgroup size is unknown)."""
  if not lds_bytes or not workgroup_size: return None
  groups = lds_bytes_per_cu(arch) // lds_bytes
  if groups == 0: return 1                                # more than fits: the worst case
  waves_per_group = -(-workgroup_size // wave_size)
  barriers = 32 if isa_version(arch)[0] >= 10 else 16     # workgroups with more than one wave each hold a barrier
  cap = max_waves * SIMDS_PER_CU // waves_per_group
  if waves_per_group > 1: cap = min(cap, barriers)
  return min(-(-min(groups, cap) * waves_per_group // SIMDS_PER_CU), max_waves)

def waves_by_sgprs(arch: str, sgprs: int | None) -> int | None:
  """gfx9's SGPR limit on waves per SIMD (None: SGPRs do not limit this target, or the count is unknown)."""
  if sgprs is None or isa_version(arch)[0] >= 10: return None
  return 10 if sgprs <= 80 else 9 if sgprs <= 88 else 8 if sgprs <= 100 else 7

@dataclass(frozen=True)
class Occupancy:
  waves_per_simd: int
  max_waves: int
  vgprs: int                 # as counted for the file (gfx90a+: VGPRs rounded to 4, plus AGPRs)
  by_vgprs: int              # waves the VGPRs allow
  by_sgprs: int | None       # waves the SGPRs allow (gfx9), None where they do not limit
  by_lds: int | None         # waves the LDS allows, None where it does not limit (or the workgroup size is unknown)
  lds_bytes: int
  workgroup_size: int | None
  vgprs_for_next_wave: int | None   # the most VGPRs that would fit one more wave (None: VGPRs are not the limit)
  file: VgprFile

  def json(self) -> dict:
    limited = [name for name, w in (("vgprs", self.by_vgprs), ("sgprs", self.by_sgprs), ("lds", self.by_lds))
               if w is not None and w == self.waves_per_simd and w < self.max_waves]
    return {"waves_per_simd": self.waves_per_simd, "max_waves_per_simd": self.max_waves, "vgprs": self.vgprs,
            "by_vgprs": self.by_vgprs, "by_sgprs": self.by_sgprs, "by_lds": self.by_lds, "lds_bytes": self.lds_bytes,
            "workgroup_size": self.workgroup_size, "limited_by": limited,
            "vgprs_for_next_wave": self.vgprs_for_next_wave,
            "vgprs_to_free": None if self.vgprs_for_next_wave is None else self.vgprs - self.vgprs_for_next_wave,
            "vgpr_file": {"total": self.file.total, "granule": self.file.granule}}

def occupancy(arch: str, vgprs: int, agprs: int = 0, wave32: bool = False, sgprs: int | None = None,
              lds_bytes: int = 0, workgroup_size: int | None = None) -> Occupancy:
  f = vgpr_file(arch, wave32)
  used = _align(vgprs, 4) + agprs if agprs else vgprs
  by_v, by_s = waves_per_simd(f, used), waves_by_sgprs(arch, sgprs)
  by_l = waves_by_lds(arch, lds_bytes, workgroup_size, 32 if wave32 else 64, f.max_waves)
  w = min(x for x in (by_v, by_s, by_l) if x is not None)
  nxt = None
  if by_v == w and w < f.max_waves:
    nxt = (f.total // (w + 1)) // f.granule * f.granule      # the largest allocation that fits w + 1 waves
  return Occupancy(w, f.max_waves, used, by_v, by_s, by_l, lds_bytes, workgroup_size, nxt, f)
