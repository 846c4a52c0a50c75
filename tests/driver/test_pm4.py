"""driver/pm4.py: build -> decode -> encode round trips for every packet kind and generation, the SET_SH_REG merge,
packet words against the public definitions they come from, and the decoder on foreign input (unknown, truncated)."""
import json
import numpy as np
import pytest
from driver import pm4, registers as R
from driver.pm4 import Stream

# one generation's cache-action fields for RELEASE_MEM dword 1 and ACQUIRE_MEM (their layouts differ per generation)
RELEASE_CACHE = {"gfx11": {"gl2_wb": 1, "seq": 1, "glv_inv": 1}, "gfx12": {"gcr_cntl": 0x1203},
                 "gfx9.4.3": {"tc_wb_action_ena": 1, "tc_nc_action_ena": 1}}
ACQUIRE_CACHE = {"gfx11": {"gl2_inv": 1, "gl2_wb": 1, "glk_inv": 1, "gli_inv": 1}, "gfx12": {"gcr_cntl": 0x7FFFF},
                 "gfx9.4.3": {"tc_action_ena": 1, "sh_icache_action_ena": 1, "sh_kcache_action_ena": 1}}

def every_packet(gen):
  """(builder call, what its decoded entries must contain) for every packet kind the builder makes."""
  gr = R.REGS[gen]
  se = {"SE_INDEX": 1, "INSTANCE_BROADCAST_WRITES": 1, ("SH_BROADCAST_WRITES" if gen == "gfx9.4.3" else "SA_BROADCAST_WRITES"): 1}
  trace_status = "SQ_THREAD_TRACE_STATUS"
  return [
    (lambda s: s.set_sh_reg("COMPUTE_PGM_LO", 0x12345678, 0x9A),
     [{"packet": "SET_SH_REG", "reg": "COMPUTE_PGM_LO", "addr": gr["COMPUTE_PGM_LO"].byte, "value": 0x12345678},
      {"packet": "SET_SH_REG", "reg": "COMPUTE_PGM_HI", "addr": gr["COMPUTE_PGM_HI"].byte, "value": 0x9A}]),
    (lambda s: s.set_uconfig_reg("GRBM_GFX_INDEX", **se),
     [{"packet": "SET_UCONFIG_REG", "reg": "GRBM_GFX_INDEX", "addr": gr["GRBM_GFX_INDEX"].byte,
       "value": R.pack(gr["GRBM_GFX_INDEX"], **se)}]),
    (lambda s: s.event_write("THREAD_TRACE_FINISH"), [{"packet": "EVENT_WRITE", "event": "THREAD_TRACE_FINISH", "event_index": 0}]),
    (lambda s: s.event_write("CS_PARTIAL_FLUSH"), [{"packet": "EVENT_WRITE", "event": "CS_PARTIAL_FLUSH", "event_index": 4}]),
    (lambda s: s.wait_reg_mem("==", 0, 0x2000000, reg=trace_status, poll_interval=7),
     [{"packet": "WAIT_REG_MEM", "function": 3, "mem_space": 0, "addr": gr[trace_status].offset, "reg": trace_status,
       "reference": 0, "mask": 0x2000000, "poll_interval": 7}]),
    (lambda s: s.wait_reg_mem(">=", 5, mem=0x7FFF_0000_1000),
     [{"packet": "WAIT_REG_MEM", "function": 5, "mem_space": 1, "addr": 0x7FFF_0000_1000, "reference": 5, "mask": 0xFFFFFFFF}]),
    (lambda s: s.copy_data("PERF", "TC_L2", "SQ_THREAD_TRACE_WPTR", 0x1_2345_6780, wr_confirm=1),
     [{"packet": "COPY_DATA", "src_sel": 4, "dst_sel": 2, "src": gr["SQ_THREAD_TRACE_WPTR"].offset,
       "src_reg": "SQ_THREAD_TRACE_WPTR", "dst": 0x1_2345_6780, "wr_confirm": 1, "count_sel": 0}]),
    (lambda s: s.copy_data("IMM", "MEM", 0xDEAD_BEEF_0000_0001, 0x4000, count_sel=1),
     [{"packet": "COPY_DATA", "src_sel": 5, "dst_sel": 5, "src": 0xDEAD_BEEF_0000_0001, "dst": 0x4000, "count_sel": 1}]),
    (lambda s: s.write_data(0x8000_0000_0040, 1, 2, 0xFFFFFFFF),
     [{"packet": "WRITE_DATA", "dst_sel": 5, "wr_confirm": 1, "addr": 0x8000_0000_0040, "data": [1, 2, 0xFFFFFFFF]}]),
    (lambda s: s.write_data("COMPUTE_USER_DATA_3", 9, dst_sel="REG"),
     [{"packet": "WRITE_DATA", "dst_sel": 0, "addr": gr["COMPUTE_USER_DATA_3"].offset, "reg": "COMPUTE_USER_DATA_3", "data": [9]}]),
    (lambda s: s.release_mem("CACHE_FLUSH_AND_INV_TS_EVENT", address=0x10_0000_0008, data=0x1_0000_0002, data_sel="DATA64",
                             int_sel="DATA_AFTER_WR_CONFIRM", int_ctxid=77, **RELEASE_CACHE[gen]),
     [{"packet": "RELEASE_MEM", "event": "CACHE_FLUSH_AND_INV_TS_EVENT", "event_index": 5, "data_sel": 2, "int_sel": 3,
       "dst_sel": 0, "address": 0x10_0000_0008, "data": 0x1_0000_0002, "int_ctxid": 77, **RELEASE_CACHE[gen]}]),
    (lambda s: s.release_mem("CS_DONE", address=0x2000, data_sel="GPU_CLOCK"),
     [{"packet": "RELEASE_MEM", "event": "CS_DONE", "event_index": 6, "data_sel": 3, "address": 0x2000}]),
    (lambda s: s.acquire_mem(base=0x100, size=0x200, **ACQUIRE_CACHE[gen]),
     [{"packet": "ACQUIRE_MEM", "coher_base": 0x100, "coher_size": 0x200, "poll_interval": 10, **ACQUIRE_CACHE[gen]}]),
    (lambda s: s.dispatch_direct(7, 3, 2, {"COMPUTE_SHADER_EN": 1, "FORCE_START_AT_000": 1}),
     [{"packet": "DISPATCH_DIRECT", "dim_x": 7, "dim_y": 3, "dim_z": 2, "dispatch_initiator": 0b101}]),
    (lambda s: s.indirect_buffer(0xFFFF_8000_0000_1000, 1234, vmid=3),
     [{"packet": "INDIRECT_BUFFER", "ib_base": 0xFFFF_8000_0000_1000, "ib_size": 1234, "valid": 1, "vmid": 3, "chain": 0}]),
    (lambda s: s.nop(1), [{"packet": "NOP", "size": 1}]),
    (lambda s: s.nop(5), [{"packet": "NOP", "size": 5}]),
  ]

@pytest.mark.parametrize("gen", R.GENS)
def test_round_trip_every_packet(gen):
  whole = Stream(gen)
  for build, want in every_packet(gen):
    s = build(Stream(gen))
    got = s.decode()
    assert len(got) == len(want), (gen, got)
    for g, w in zip(got, want):
      assert {k: g.get(k) for k in w} == w, (gen, g)
    assert pm4.encode(got, gen) == s.tolist()
    build(whole)
  got = whole.decode()
  assert pm4.encode(got, gen) == whole.tolist()
  assert json.loads(json.dumps(got)) == got                     # plain JSON: no numpy scalars
  assert whole.words.dtype == np.uint32 and whole.words.tolist() == whole.tolist()
  assert pm4.decode(whole.words.tobytes(), gen) == got          # little-endian bytes decode the same

def test_header_and_register_packets_against_sources():
  # Mesa sid.h: PKT3(PKT3_SET_SH_REG, 1, 0) | PKT3_SHADER_TYPE_S(1); Linux nvd.h PACKET3_COMPUTE(PACKET3_SET_SH_REG, 1)
  # = 3 << 30 | 1 << 16 | 0x76 << 8 | 1 << 1. COMPUTE_PGM_LO's offset from PACKET3_SET_SH_REG_START (0x2c00): 0x20c
  assert Stream("gfx11").set_sh_reg("COMPUTE_PGM_LO", 0x1234).tolist() == [0xC0017602, 0x20C, 0x1234]
  # GRBM_GFX_INDEX from PACKET3_SET_UCONFIG_REG_START (0xc000): 0x200, on every generation
  for gen in R.GENS: assert Stream(gen).set_uconfig_reg("GRBM_GFX_INDEX", 0xE0000000).tolist() == [0xC0017902, 0x200, 0xE0000000]
  # a gfx-queue stream has no shader-type bit; Mesa's header-only NOP is PKT3(PKT3_NOP, 0x3fff, 0) = 0xFFFF1000
  assert Stream("gfx11", compute=False).nop(1).tolist() == [0xFFFF1000]
  assert pm4.header(0x58, 6) == 0xC0065802 and pm4.header(0x10, 0, predicate=1, reset_filter_cam=1) == 0xC0001007

def test_packet_words_against_sources():
  s = lambda gen="gfx11": Stream(gen)
  # EVENT_WRITE: Mesa ac_sqtt.c EVENT_TYPE(V_028A90_THREAD_TRACE_FINISH) | EVENT_INDEX(0); CS_PARTIAL_FLUSH with index 4
  assert s().event_write("THREAD_TRACE_FINISH").tolist() == [0xC0004602, 55]
  assert s().event_write("CS_PARTIAL_FLUSH").tolist()[1] == 7 | 4 << 8
  # COPY_DATA of the trace write pointer as tinygrad's sqtt_stop: src_sel perf 4, dst_sel tc_l2 2, wr_confirm (1 << 20)
  assert s().copy_data("PERF", "TC_L2", "SQ_THREAD_TRACE_WPTR", 0x1000, wr_confirm=1).tolist() == \
         [0xC0044002, 1 << 20 | 2 << 8 | 4, 0xD9EF, 0, 0x1000, 0]
  # WAIT_REG_MEM: Mesa WAIT_REG_MEM_EQUAL (3) | WAIT_REG_MEM_MEM_SPACE(1); poll address, reference, mask, interval
  assert s().wait_reg_mem("==", 1, mem=0x1008).tolist() == [0xC0053C02, 3 | 1 << 4, 0x1008, 0, 1, 0xFFFFFFFF, 4]
  # ACQUIRE_MEM gfx10+: 7 body dwords, GCR_CNTL last; nvd.h PACKET3_ACQUIRE_MEM_GCR_CNTL_{GLI_INV(1) << 0, GLM_WB << 4,
  # GLM_INV << 5, GLK_WB << 6, GLK_INV << 7, GLV_INV << 8, GL1_INV << 9, GL2_INV << 14, GL2_WB << 15} = 0xc3f1
  w = s().acquire_mem(gli_inv=1, glm_wb=1, glm_inv=1, glk_wb=1, glk_inv=1, glv_inv=1, gl1_inv=1, gl2_inv=1, gl2_wb=1).tolist()
  assert w[0] == 0xC0065802 and w[1] == 0 and w[6] == 10 and w[7] == 0xC3F1
  # gfx9: 6 body dwords led by CP_COHER_CNTL (soc15d.h TC_ACTION_ENA << 23, SH_ICACHE_ACTION_ENA << 29)
  w = s("gfx9.4.3").acquire_mem(tc_action_ena=1, sh_icache_action_ena=1).tolist()
  assert w[0] == 0xC0055802 and w[1] == 1 << 23 | 1 << 29 and w[-1] == 10
  # RELEASE_MEM gfx11: nvd.h PACKET3_RELEASE_MEM_GCR_GL2_WB (1 << 21) | GCR_SEQ (1 << 22) | EVENT_INDEX(5) |
  # EVENT_TYPE(CACHE_FLUSH_AND_INV_TS_EVENT = 20); DATA_SEL(2) << 29; 8 dwords in all (kfd_pm4_headers_ai.h)
  w = s().release_mem("CACHE_FLUSH_AND_INV_TS_EVENT", address=0x7000, data=0x1_0000_0005, data_sel="DATA64", gl2_wb=1, seq=1).tolist()
  assert w == [0xC0064902, 20 | 5 << 8 | 1 << 21 | 1 << 22, 2 << 29, 0x7000, 0, 5, 1, 0]
  # gfx9: soc15d.h EOP_TC_WB_ACTION_EN (1 << 15) | EOP_TC_NC_ACTION_EN (1 << 19)
  assert s("gfx9.4.3").release_mem("BOTTOM_OF_PIPE_TS", tc_wb_action_ena=1, tc_nc_action_ena=1).tolist()[1] == 40 | 5 << 8 | 1 << 15 | 1 << 19
  # INDIRECT_BUFFER: base lo, hi, size | INDIRECT_BUFFER_VALID (1 << 23)
  assert s().indirect_buffer(0x1_0000_0100, 16).tolist() == [0xC0023F02, 0x100, 1, 16 | 1 << 23]
  # DISPATCH_DIRECT: three dims and the initiator
  assert s().dispatch_direct(2, 1, 1, 1).tolist() == [0xC0031502, 2, 1, 1, 1]

def test_set_sh_reg_merge():
  s = Stream("gfx11")
  s.set_sh_reg("COMPUTE_START_X", 0).set_sh_reg("COMPUTE_START_Y", 0).set_sh_reg("COMPUTE_START_Z", 0, 64, 1, 1)
  # one packet: START_X..Z then NUM_THREAD_X..Z are consecutive (0x2e04..0x2e09)
  assert s.tolist() == [0xC0067602, 0x204, 0, 0, 0, 64, 1, 1]
  names = [p["reg"] for p in s.decode()]
  assert names == ["COMPUTE_START_X", "COMPUTE_START_Y", "COMPUTE_START_Z", "COMPUTE_NUM_THREAD_X", "COMPUTE_NUM_THREAD_Y",
                   "COMPUTE_NUM_THREAD_Z"]
  assert pm4.encode(s.decode(), "gfx11") == s.tolist()
  # a gap, another packet in between, or another space starts a new packet
  t = Stream("gfx11").set_sh_reg("COMPUTE_PGM_LO", 1).set_sh_reg("COMPUTE_PGM_RSRC1", 2).event_write("CS_PARTIAL_FLUSH")
  t.set_sh_reg("COMPUTE_PGM_RSRC2", 3).set_uconfig_reg("GRBM_GFX_INDEX", 4).set_sh_reg("COMPUTE_PGM_RSRC3", 5)
  assert [w >> 8 & 0xFF for i, w in enumerate(t.tolist()) if i in (0, 3, 6, 8, 11, 14)] == [0x76, 0x76, 0x46, 0x76, 0x79, 0x76]
  assert len(t) == 17 and pm4.encode(t.decode(), "gfx11") == t.tolist()
  # a packet holds at most 0x4000 body dwords: the next register starts a new one
  u = Stream("gfx11").set_uconfig_reg(0xC000, *[0] * 0x3FFF).set_uconfig_reg(0xFFFF, 1)
  assert len(u) == 0x4001 + 3 and u.tolist()[0x4001] == 0xC0017902
  assert pm4.encode(u.decode(), "gfx11") == u.tolist()

def test_register_write_refusals():
  s = Stream("gfx12")
  with pytest.raises(ValueError, match="outside the UCONFIG space"): s.set_uconfig_reg("COMPUTE_PGM_LO", 1)
  with pytest.raises(ValueError, match="outside the SH space"): s.set_sh_reg("SQ_THREAD_TRACE_CTRL", 1)
  with pytest.raises(ValueError, match="outside the SH space"): s.set_sh_reg(0x2FFF, 1, 2)       # runs past the space
  with pytest.raises(ValueError, match="not both"): s.set_sh_reg("COMPUTE_PGM_RSRC1", 1, VGPRS=1)
  with pytest.raises(ValueError, match="not a 32-bit"): s.set_sh_reg("COMPUTE_PGM_LO", 1 << 32)
  with pytest.raises(ValueError, match="no field"): s.set_sh_reg("COMPUTE_PGM_RSRC1", DX10_CLAMP=1)   # not on gfx12
  with pytest.raises(KeyError, match="no register"): s.set_sh_reg("COMPUTE_PGM_RSRC9", 1)
  assert len(s) == 0

def test_builder_refusals():
  s = Stream("gfx12")
  with pytest.raises(ValueError, match="no field gl2_inv"): s.acquire_mem(gl2_inv=1)      # gfx12's GCR_CNTL is raw
  with pytest.raises(ValueError, match="release_mem"): s.event_write("BOTTOM_OF_PIPE_TS")
  with pytest.raises(ValueError, match="no event"): s.event_write("THREAD_TRACE_FLUSH")     # a gfx9 name
  with pytest.raises(ValueError, match="exactly one"): s.wait_reg_mem("==", 0)
  with pytest.raises(ValueError, match="not 4-aligned"): s.wait_reg_mem("==", 0, mem=2)
  with pytest.raises(ValueError, match="not aligned"): s.release_mem(address=4, data_sel="DATA64")
  with pytest.raises(ValueError, match="unknown data_sel"): s.release_mem(data_sel="DATA128")
  with pytest.raises(ValueError, match="unknown function"): s.wait_reg_mem("=<", 0, mem=8)
  with pytest.raises(ValueError, match="ib_size"): s.indirect_buffer(0x1000, 1 << 20)
  with pytest.raises(ValueError, match="does not fit"): s.dispatch_direct(1, 1, 1, {"TTRACE_QUEUE_ID": 8})
  with pytest.raises(ValueError, match="1..16385"): s.nop(0)
  assert len(s) == 0

def test_events():
  # Mesa src/amd/registers/pkt3.json VGT_EVENT_TYPE_gfx11 (our table: soc21_enum.h)
  ev = pm4.EVENT_TYPES["gfx11"]
  assert (ev["CACHE_FLUSH_AND_INV_TS_EVENT"], ev["CS_PARTIAL_FLUSH"], ev["BOTTOM_OF_PIPE_TS"], ev["CS_DONE"]) == (20, 7, 40, 47)
  assert [ev[f"THREAD_TRACE_{n}"] for n in ("START", "STOP", "MARKER", "FINISH")] == [51, 52, 53, 55]
  for gen in R.GENS: assert pm4.EVENT_TYPES[gen]["THREAD_TRACE_FINISH"] == 55 and pm4.EVENT_TYPES[gen]["PERFCOUNTER_START"] == 23
  assert pm4.EVENTS["gfx9.4.3"][54] == "THREAD_TRACE_FLUSH" and pm4.EVENTS["gfx12"][9] == "EVENT_STATE_CHANGE"
  assert [pm4.event_index(e) for e in ("CS_PARTIAL_FLUSH", "BOTTOM_OF_PIPE_TS", "CACHE_FLUSH_AND_INV_TS_EVENT", "CS_DONE",
                                       "THREAD_TRACE_START", "SAMPLE_PIPELINESTAT")] == [4, 5, 5, 6, 0, 2]

def test_decode_foreign_input():
  h = pm4.header
  words = [h(0xEE, 1), 5, 6, h(0x23, 0), 0x1000003, 2 << 30, *Stream("gfx11").nop(3).tolist()]
  got = pm4.decode(words, "gfx11")
  assert got == [{"packet": "UNKNOWN", "opcode": 0xEE, "words": [5, 6]},
                 {"packet": "PRED_EXEC", "opcode": 0x23, "words": [0x1000003]},
                 {"packet": "TYPE2"}, {"packet": "NOP", "size": 3}]
  assert pm4.encode(got, "gfx11") == words
  # a known packet whose body does not fit its layout is kept whole rather than misread
  odd = [h(0x49, 2), 1, 2, 3]
  assert pm4.decode(odd, "gfx11") == [{"packet": "RELEASE_MEM", "opcode": 0x49, "words": [1, 2, 3]}]
  assert pm4.decode([], "gfx11") == [] and pm4.decode(np.zeros(0, np.uint32), "gfx12") == []
  # bits outside every field survive the round trip; header flags other than a compute queue's are kept
  w = Stream("gfx11").release_mem().tolist(); w[1] |= 1 << 6; w[0] |= 1
  d = pm4.decode(w, "gfx11")
  assert d[0]["_reserved0"] == 1 << 6 and d[0]["predicate"] == 1 and pm4.encode(d, "gfx11") == w
  g = Stream("gfx9.4.3", compute=False).set_sh_reg("COMPUTE_PGM_LO", 1).tolist()
  assert pm4.decode(g, "gfx9.4.3")[0]["shader_type"] == 0 and pm4.encode(pm4.decode(g, "gfx9.4.3"), "gfx9.4.3") == g
  # a register the tables do not name decodes with reg None and still round-trips
  r = Stream("gfx11").set_sh_reg(0x2E0E, 3).tolist()
  assert pm4.decode(r, "gfx11") == [{"packet": "SET_SH_REG", "reg": None, "addr": 0x2E0E * 4, "value": 3}]

def test_decode_truncated():
  s = Stream("gfx11").event_write("CS_PARTIAL_FLUSH").release_mem(address=0x1000)
  with pytest.raises(ValueError, match="RELEASE_MEM packet at dword 2 needs 8 dwords, 6 left"): pm4.decode(s.tolist()[:-2], "gfx11")
  with pytest.raises(ValueError, match="opcode 0xee packet at dword 0"): pm4.decode([pm4.header(0xEE, 3)], "gfx11")
  with pytest.raises(ValueError, match="whole dwords"): pm4.decode(b"\0\0\0", "gfx11")
  with pytest.raises(ValueError, match="unknown register generation"): pm4.decode([], "gfx10")

def test_layout_tables():
  # every layout: bit fields inside the dword, no two fields of a packet on the same bits or with the same name
  for gen, layouts in pm4.LAYOUTS.items():
    for name, layout in layouts.items():
      assert name in pm4.OPCODES
      names = []
      for slot in layout:
        if isinstance(slot, dict):
          used = 0
          for f, (lo, hi) in slot.items():
            m = ((1 << (hi - lo + 1)) - 1) << lo
            assert 0 <= lo <= hi <= 31 and not used & m, (gen, name, f)
            used |= m; names.append(f)
        else: names.append(pm4._slot(slot)[0])
      assert len(names) == len(set(names)), (gen, name)
  # where the generations differ
  assert "gcr_cntl" in pm4.LAYOUTS["gfx12"]["RELEASE_MEM"][0] and "gl2_wb" in pm4.LAYOUTS["gfx11"]["RELEASE_MEM"][0]
  assert len(pm4.LAYOUTS["gfx9.4.3"]["ACQUIRE_MEM"]) == 4 and len(pm4.LAYOUTS["gfx11"]["ACQUIRE_MEM"]) == 5
