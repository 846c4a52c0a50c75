"""driver/registers.py: the tables against a second public source, the spaces, pack/unpack and their refusals.

The tables are built from the Linux gc_*_offset.h / gc_*_sh_mask.h headers plus the GC base segments; the spot checks
below hold them to a different source: Mesa's src/amd/registers/*.json (byte addresses, so /4 here) and PAL's
src/core/hw/gfxip/*/chip/*_offset.h and *_mask.h (absolute dword offsets and field masks)."""
import random
import pytest
from driver import registers as R

# every generation has what the driver programs: dispatch state, SE masks, scratch, the trace unit, SE selection
COMMON = ["COMPUTE_PGM_LO", "COMPUTE_PGM_HI", "COMPUTE_PGM_RSRC1", "COMPUTE_PGM_RSRC2", "COMPUTE_PGM_RSRC3",
          "COMPUTE_TMPRING_SIZE", *[f"COMPUTE_USER_DATA_{i}" for i in range(16)], "COMPUTE_START_X", "COMPUTE_START_Y",
          "COMPUTE_START_Z", "COMPUTE_NUM_THREAD_X", "COMPUTE_NUM_THREAD_Y", "COMPUTE_NUM_THREAD_Z",
          "COMPUTE_RESOURCE_LIMITS", *[f"COMPUTE_STATIC_THREAD_MGMT_SE{i}" for i in range(4)], "COMPUTE_DISPATCH_INITIATOR",
          "COMPUTE_DISPATCH_SCRATCH_BASE_LO", "COMPUTE_DISPATCH_SCRATCH_BASE_HI", "COMPUTE_THREAD_TRACE_ENABLE",
          "COMPUTE_PERFCOUNT_ENABLE", "GRBM_GFX_INDEX", "SPI_CONFIG_CNTL", "SQ_THREAD_TRACE_MASK",
          "SQ_THREAD_TRACE_TOKEN_MASK", "SQ_THREAD_TRACE_CTRL", "SQ_THREAD_TRACE_WPTR", "SQ_THREAD_TRACE_STATUS"]
TRACE = {
  "gfx11": ["SQ_THREAD_TRACE_BUF0_BASE", "SQ_THREAD_TRACE_BUF0_SIZE", "SQ_THREAD_TRACE_STATUS2", "SQ_THREAD_TRACE_DROPPED_CNTR",
            *[f"COMPUTE_STATIC_THREAD_MGMT_SE{i}" for i in range(4, 8)]],
  "gfx12": ["SQ_THREAD_TRACE_BUF0_BASE_LO", "SQ_THREAD_TRACE_BUF0_BASE_HI", "SQ_THREAD_TRACE_BUF0_SIZE",
            "SQ_THREAD_TRACE_STATUS2", "SQ_THREAD_TRACE_DROPPED_CNTR", *[f"COMPUTE_STATIC_THREAD_MGMT_SE{i}" for i in range(4, 9)]],
  "gfx9.4.3": ["SQ_THREAD_TRACE_BASE", "SQ_THREAD_TRACE_BASE2", "SQ_THREAD_TRACE_SIZE", "SQ_THREAD_TRACE_MODE",
               "SQ_THREAD_TRACE_TOKEN_MASK2", "SQ_THREAD_TRACE_HIWATER", "SQ_THREAD_TRACE_CNTR"],
}

@pytest.mark.parametrize("gen", R.GENS)
def test_tables_complete_and_consistent(gen):
  regs = R.REGS[gen]
  for name in COMMON + TRACE[gen]: assert name in regs, f"{gen} lacks {name}"
  assert len({r.offset for r in regs.values()}) == len(regs)
  for name, r in regs.items():
    assert r.name == name and r.byte == r.offset * 4 and r.space == R.space_of(r.offset)
    assert R.by_offset(gen, r.offset) is r
    bits = 0
    for f, (lo, hi) in r.fields.items():
      assert 0 <= lo <= hi <= 31, (name, f)
      m = ((1 << (hi - lo + 1)) - 1) << lo
      assert not bits & m, f"{gen} {name}.{f} overlaps another field"
      bits |= m
    # what a compute queue writes is in the spaces its packets reach
    assert r.space == ("SH" if name.startswith("COMPUTE_") else "UCONFIG"), (gen, name, r.space)

# (gen, register) -> byte address in Mesa src/amd/registers/gfx11.json / gfx940.json / gfx9.json
MESA_BYTES = {
  ("gfx11", "COMPUTE_PGM_LO"): 0xB830, ("gfx11", "COMPUTE_PGM_RSRC1"): 0xB848, ("gfx11", "COMPUTE_PGM_RSRC3"): 0xB8A0,
  ("gfx11", "COMPUTE_TMPRING_SIZE"): 0xB860, ("gfx11", "COMPUTE_USER_DATA_0"): 0xB900, ("gfx11", "COMPUTE_USER_DATA_15"): 0xB93C,
  ("gfx11", "COMPUTE_THREAD_TRACE_ENABLE"): 0xB878, ("gfx11", "COMPUTE_DISPATCH_SCRATCH_BASE_LO"): 0xB840,
  ("gfx11", "COMPUTE_STATIC_THREAD_MGMT_SE0"): 0xB858,    # Mesa's name there: COMPUTE_DESTINATION_EN_SE0
  ("gfx11", "COMPUTE_STATIC_THREAD_MGMT_SE4"): 0xB8AC, ("gfx11", "GRBM_GFX_INDEX"): 0x30800,
  ("gfx11", "SPI_CONFIG_CNTL"): 0x31100, ("gfx11", "SQ_THREAD_TRACE_USERDATA_2"): 0x30D08,
  ("gfx11", "SQ_THREAD_TRACE_BUF0_BASE"): 0x367A0, ("gfx11", "SQ_THREAD_TRACE_BUF0_SIZE"): 0x367A4,
  ("gfx11", "SQ_THREAD_TRACE_CTRL"): 0x367B0, ("gfx11", "SQ_THREAD_TRACE_MASK"): 0x367B4,
  ("gfx11", "SQ_THREAD_TRACE_TOKEN_MASK"): 0x367B8, ("gfx11", "SQ_THREAD_TRACE_WPTR"): 0x367BC,
  ("gfx11", "SQ_THREAD_TRACE_STATUS"): 0x367D0, ("gfx11", "SQ_THREAD_TRACE_DROPPED_CNTR"): 0x367E8,
  # gfx940.json for the SH registers (note PGM_RSRC3 is elsewhere than on gfx11)
  ("gfx9.4.3", "COMPUTE_PGM_LO"): 0xB830, ("gfx9.4.3", "COMPUTE_PGM_RSRC3"): 0xB8B4,
  ("gfx9.4.3", "COMPUTE_STATIC_THREAD_MGMT_SE3"): 0xB868, ("gfx9.4.3", "COMPUTE_TMPRING_SIZE"): 0xB860,
  ("gfx9.4.3", "COMPUTE_DISPATCH_SCRATCH_BASE_LO"): 0xB840, ("gfx9.4.3", "COMPUTE_THREAD_TRACE_ENABLE"): 0xB878,
  # gfx9.json (GC 9.0) for the UCONFIG ones: gfx940.json leaves the 0xA000 segment out of them (see registers.py)
  ("gfx9.4.3", "GRBM_GFX_INDEX"): 0x30800, ("gfx9.4.3", "SQ_THREAD_TRACE_BASE"): 0x30CC0,
  ("gfx9.4.3", "SQ_THREAD_TRACE_MODE"): 0x30CD8, ("gfx9.4.3", "SQ_THREAD_TRACE_WPTR"): 0x30CE4,
  ("gfx9.4.3", "SQ_THREAD_TRACE_STATUS"): 0x30CE8, ("gfx9.4.3", "SQ_THREAD_TRACE_BASE2"): 0x30CDC,
}
# PAL src/core/hw/gfxip/gfx12/chip/gfx12_merged_offset.h (dwords, absolute); gfx11 from gfx9_plus_merged_offset.h Gfx11
PAL_DWORDS = {
  ("gfx12", "COMPUTE_PGM_LO"): 0x2E0C, ("gfx12", "COMPUTE_PGM_RSRC1"): 0x2E12, ("gfx12", "COMPUTE_PGM_RSRC3"): 0x2E28,
  ("gfx12", "COMPUTE_TMPRING_SIZE"): 0x2E18, ("gfx12", "COMPUTE_USER_DATA_0"): 0x2E40,
  ("gfx12", "COMPUTE_THREAD_TRACE_ENABLE"): 0x2E1E, ("gfx12", "COMPUTE_STATIC_THREAD_MGMT_SE7"): 0x2E2E,
  ("gfx12", "COMPUTE_STATIC_THREAD_MGMT_SE8"): 0x2E23, ("gfx12", "COMPUTE_DISPATCH_SCRATCH_BASE_LO"): 0x2E10,
  ("gfx12", "GRBM_GFX_INDEX"): 0xC200, ("gfx12", "SPI_CONFIG_CNTL"): 0xC440, ("gfx12", "SQ_THREAD_TRACE_USERDATA_2"): 0xC342,
  ("gfx12", "SQ_THREAD_TRACE_BUF0_SIZE"): 0xD9E6, ("gfx12", "SQ_THREAD_TRACE_BUF0_BASE_LO"): 0xD9E7,
  ("gfx12", "SQ_THREAD_TRACE_BUF0_BASE_HI"): 0xD9E8, ("gfx12", "SQ_THREAD_TRACE_CTRL"): 0xD9EC,
  ("gfx12", "SQ_THREAD_TRACE_WPTR"): 0xD9EF, ("gfx12", "SQ_THREAD_TRACE_STATUS"): 0xD9F4,
  ("gfx11", "SQ_THREAD_TRACE_BUF0_BASE"): 0xD9E8, ("gfx11", "SQ_THREAD_TRACE_STATUS"): 0xD9F4,
}

@pytest.mark.parametrize("key", list(MESA_BYTES), ids=lambda k: f"{k[0]}-{k[1]}")
def test_addresses_against_mesa(key):
  assert R.get(*key).byte == MESA_BYTES[key]

@pytest.mark.parametrize("key", list(PAL_DWORDS), ids=lambda k: f"{k[0]}-{k[1]}")
def test_addresses_against_pal(key):
  assert R.get(*key).offset == PAL_DWORDS[key]

def test_header_pairs_against_linux():
  # torvalds/linux drivers/gpu/drm/amd/include/asic_reg/gc/gc_9_4_3_offset.h: regSQ_THREAD_TRACE_BASE 0x2330 BASE_IDX 1,
  # regGRBM_GFX_INDEX 0x2200 BASE_IDX 1; with GC segment 1 = 0xA000 (Mesa parse_kernel_headers.py, gfx940)
  assert R.get("gfx9.4.3", "SQ_THREAD_TRACE_BASE").offset == 0xA000 + 0x2330
  assert R.get("gfx9.4.3", "GRBM_GFX_INDEX").offset == 0xA000 + 0x2200
  # the SH registers: PACKET3_SET_SH_REG_START 0x2c00 (nvd.h) + COMPUTE_PGM_LO's 0x20c, as tinygrad's
  # extra/hip_gpu_driver/test_pm4.py computes it from regCOMPUTE_PGM_LO 0x1bac and the 0x1260 base
  assert R.get("gfx11", "COMPUTE_PGM_LO").offset - 0x2C00 == 0x1BAC + 0x1260 - 0x2C00 == 0x20C

# (gen, register, field) -> (lo, hi) in Mesa's JSON (gfx11.json, gfx940.json) or PAL's gfx12_merged_mask.h
FIELDS = {
  ("gfx11", "GRBM_GFX_INDEX", "SE_INDEX"): (16, 23), ("gfx11", "GRBM_GFX_INDEX", "SA_BROADCAST_WRITES"): (29, 29),
  ("gfx11", "SQ_THREAD_TRACE_BUF0_SIZE", "BASE_HI"): (0, 3), ("gfx11", "SQ_THREAD_TRACE_BUF0_SIZE", "SIZE"): (8, 29),
  ("gfx11", "SQ_THREAD_TRACE_CTRL", "MODE"): (0, 1), ("gfx11", "SQ_THREAD_TRACE_CTRL", "RT_FREQ"): (16, 17),
  ("gfx11", "COMPUTE_PGM_RSRC2", "LDS_SIZE"): (15, 23), ("gfx11", "COMPUTE_TMPRING_SIZE", "WAVESIZE"): (12, 26),
  ("gfx9.4.3", "COMPUTE_PGM_RSRC3", "ACCUM_OFFSET"): (0, 5), ("gfx9.4.3", "COMPUTE_PGM_RSRC3", "TG_SPLIT"): (16, 16),
  ("gfx9.4.3", "SQ_THREAD_TRACE_MODE", "MODE"): (21, 22), ("gfx9.4.3", "SQ_THREAD_TRACE_MODE", "MASK_CS"): (18, 20),
  ("gfx9.4.3", "SQ_THREAD_TRACE_STATUS", "BUSY"): (30, 30), ("gfx9.4.3", "SQ_THREAD_TRACE_STATUS", "FINISH_PENDING"): (0, 9),
  ("gfx12", "GRBM_GFX_INDEX", "SE_INDEX"): (16, 19),                         # mask 0x000f0000
  ("gfx12", "SQ_THREAD_TRACE_BUF0_SIZE", "SIZE"): (0, 21),                   # 0x003fffff
  ("gfx12", "SQ_THREAD_TRACE_BUF0_BASE_HI", "BASE_HI"): (0, 12),             # 0x00001fff
  ("gfx12", "SQ_THREAD_TRACE_TOKEN_MASK", "EXCLUDE_BARRIER_WAIT"): (14, 14), # 0x00004000
  ("gfx12", "SQ_THREAD_TRACE_WPTR", "OFFSET"): (0, 28),                      # 0x1fffffff
  ("gfx12", "COMPUTE_PGM_RSRC2", "LDS_SIZE"): (15, 23),                      # 0x00ff8000
}

@pytest.mark.parametrize("key", list(FIELDS), ids=lambda k: "-".join(k))
def test_fields_against_second_source(key):
  gen, reg, field = key
  assert R.get(gen, reg).fields[field] == FIELDS[key]

def test_generation_differences():
  # the split trace buffer base of gfx12, the single gfx9 buffer, SE counts
  assert "SQ_THREAD_TRACE_BUF0_BASE" in R.GFX11 and "SQ_THREAD_TRACE_BUF0_BASE" not in R.GFX12
  assert "BASE_HI" in R.GFX11["SQ_THREAD_TRACE_BUF0_SIZE"].fields and "BASE_HI" not in R.GFX12["SQ_THREAD_TRACE_BUF0_SIZE"].fields
  assert "COMPUTE_STATIC_THREAD_MGMT_SE8" in R.GFX12 and "COMPUTE_STATIC_THREAD_MGMT_SE4" not in R.GFX9_4_3
  assert "SQ_THREAD_TRACE_BUF0_BASE" not in R.GFX9_4_3 and "SH_INDEX" in R.GFX9_4_3["GRBM_GFX_INDEX"].fields

@pytest.mark.parametrize("gen", R.GENS)
def test_pack_unpack_round_trip(gen):
  rng = random.Random(gen)
  for r in R.REGS[gen].values():
    want = {f: rng.randrange(1 << (hi - lo + 1)) for f, (lo, hi) in r.fields.items()}
    v = R.pack(r, **want)
    assert 0 <= v < 1 << 32 and R.unpack(r, v) == want
    assert R.pack(r, **R.unpack(r, v)) == v

def test_pack_values():
  g = R.get("gfx11", "GRBM_GFX_INDEX")
  # SE 2, SA broadcast, instance broadcast: 2 << 16 | 1 << 29 | 1 << 30
  assert R.pack(g, SE_INDEX=2, SA_BROADCAST_WRITES=1, INSTANCE_BROADCAST_WRITES=True) == 0x60020000
  assert R.unpack(g, 0xE0000000) == {"INSTANCE_INDEX": 0, "SA_INDEX": 0, "SE_INDEX": 0, "SA_BROADCAST_WRITES": 1,
                                     "INSTANCE_BROADCAST_WRITES": 1, "SE_BROADCAST_WRITES": 1}
  import numpy as np
  assert R.pack(g, SE_INDEX=np.uint32(3)) == 3 << 16

def test_pack_refusals():
  r = R.get("gfx12", "GRBM_GFX_INDEX")
  with pytest.raises(ValueError, match="no field SH_INDEX"): R.pack(r, SH_INDEX=1)       # gfx9's name, not gfx12's
  with pytest.raises(ValueError, match="does not fit its 4 bits"): R.pack(r, SE_INDEX=16)
  with pytest.raises(ValueError, match="does not fit"): R.pack(r, SE_INDEX=-1)
  with pytest.raises(ValueError, match="must be an integer"): R.pack(r, SE_INDEX=1.0)
  with pytest.raises(ValueError, match="not a 32-bit"): R.unpack(r, 1 << 32)
  with pytest.raises(ValueError, match="not a 32-bit"): R.unpack(r, -1)

def test_lookups():
  with pytest.raises(KeyError, match="did you mean COMPUTE_PGM_RSRC1"): R.get("gfx11", "COMPUTE_PGM_RSCR1")
  with pytest.raises(KeyError, match="at dword 0x2e0e"): R.by_offset("gfx11", 0x2E0E)
  assert R.lookup("gfx11", 0x2E0E) is None
  with pytest.raises(ValueError, match="unknown register generation"): R.get("gfx10", "COMPUTE_PGM_LO")
  assert [R.gen_of(a) for a in ("gfx1100", "gfx1102", "gfx1201", "gfx942", "gfx942:sramecc+:xnack-", "gfx12")] == \
         ["gfx11", "gfx11", "gfx12", "gfx9.4.3", "gfx9.4.3", "gfx12"]
  for bad in ("gfx1150", "gfx950", "gfx90a", "sm_90"):
    with pytest.raises(ValueError, match="no register tables"): R.gen_of(bad)
