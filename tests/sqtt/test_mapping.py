"""sqtt.mapping: every traced wave walked through its kernel, on every real capture (pcs, branch directions, flow
balance) and on streams built packet by packet (exact events for RDNA3, RDNA4 and CDNA, desync, orphans)."""
from __future__ import annotations
import sys
from functools import lru_cache
import numpy as np
import pytest
import sqtt
from isa.cfg import build_cfg
from isa.decode import Disassembler
from sqtt import KIND
from sqtt.decode import field_ranges
from sqtt.mapping import (ENTER_START, ENTER_TAKEN, W_ENDED, W_LOST, instruction_kind, map_buffer, map_packets,
                          program_tables)
from tests.conftest import real_capture
from tests.sqtt.test_decode import InFile
from tests.sqtt.test_decode import encode

# ---------------------------------------------------------------------------------------------------
# helpers: a kernel from assembly, a packet stream from (time, packet, fields) rows

def kernel(arch: str, code: bytes, base: int = 0):
  """(instructions, cfg, walker tables) for machine code (from llvm-mc-19, assembly beside it), entry at `base`."""
  d = Disassembler(arch)
  insts = d.disassemble(code, base)
  cfg = build_cfg(insts, base)
  encs = [(e.name if (e := d.encoding_of(i.words[0])) else None) for i in insts]
  return insts, cfg, program_tables(insts, cfg, base, sqtt.arch_layout(arch), encs)

def stream(layout: str, rows: list[tuple[int, str, dict]]) -> bytes:
  """Packets at absolute times: each packet's delta field carries the gap when it fits, else a timestamp packet
  (RDNA TS_DELTA_OR_MARK, CDNA MISC in units of 4) goes first."""
  out = [("LAYOUT_HEADER", {"layout": {"rdna3": 3, "rdna4": 4}.get(layout, 0)})]
  clock = 0
  for t, name, fields in rows:
    gap = t - clock
    assert gap >= 0, (t, name)
    d = field_ranges(layout, name).get("delta")
    fits = (1 << (d[0] - d[1] + 1)) - 1 if d else 0
    if gap > fits:
      if layout == "cdna":
        assert gap % 4 == 0, "CDNA times move in steps of 4"
        while gap: out.append(("MISC", {"delta": min(gap // 4, 255)})); gap -= min(gap // 4, 255) * 4
      else:
        out.append(("TS_DELTA_OR_MARK", {"delta": gap})); gap = 0
    out.append((name, {**fields, **({"delta": gap} if d else {})}))
    clock = t
  return encode(layout, out)

def events(m) -> list[tuple[int, int, int, bool]]:
  """(time, wave, pc, stepped) per event."""
  pcs = m.program.pc
  return [(int(t), int(w), int(pcs[i]), bool(s)) for t, w, i, s in zip(m.ev_time, m.ev_wave, m.ev_inst, m.ev_stepped)]

GFX11_KERNEL = bytes.fromhex(
  "800000f4000000f8"   # 0x00 s_load_b32 s2, s[0:1], null
  "07fc89bf"           # 0x08 s_waitcnt lgkmcnt(0)
  "028006bf"           # 0x0c s_cmp_eq_u32 s2, 0
  "0200a2bf"           # 0x10 s_cbranch_scc1 2            (to 0x1c)
  "010087bf"           # 0x14 s_delay_alu instid0(VALU_DEP_1)
  "8002007e"           # 0x18 v_mov_b32_e32 v0, 0
  "0000b0bf")          # 0x1c s_endpgm
SMEM, SALU, JUMP, JUMP_NO = 0x01, 0x00, 0x03, 0x04        # rdna3 INST ops (sqtt.packets.INST_OPS_RDNA3)

def start(t, wave, simd=0, wgp=0, sa=0): return (t, "WAVE_START", dict(wave=wave, simd=simd, wgp=wgp, sa=sa))
def end(t, wave, simd=0, wgp=0, sa=0): return (t, "WAVE_END", dict(wave=wave, simd=simd, wgp=wgp, sa=sa))
def inst(t, wave, op): return (t, "INST", dict(wave=wave, op=op))
def valu(t, wave): return (t, "VALU_INST", dict(wave=wave))
def imm(t, wave): return (t, "IMMEDIATE", dict(wave=wave))

TWO_WAVES = [start(100, 0), start(101, 1),
             inst(110, 0, SMEM), inst(112, 1, SMEM),
             imm(300, 0), inst(302, 0, SALU), inst(305, 0, JUMP),            # wave 0 branches over the v_mov
             imm(310, 1), inst(311, 1, SALU), inst(313, 1, JUMP_NO), valu(320, 1),
             end(400, 0), end(500, 1)]

def test_rdna3_two_waves_exact():
  insts, cfg, prog = kernel("gfx1100", GFX11_KERNEL)
  p = sqtt.decode(stream("rdna3", TWO_WAVES), "gfx1100")
  m = map_packets(p, prog)
  assert p.error is None and m.unmapped == 0 and m.traced_unit == 0
  assert events(m) == [(110, 0, 0x0, False), (112, 1, 0x0, False), (300, 0, 0x8, False), (302, 0, 0xc, False),
                       (305, 0, 0x10, False), (310, 1, 0x8, False), (311, 1, 0xc, False), (313, 1, 0x10, False),
                       (320, 1, 0x14, True), (320, 1, 0x18, False),          # s_delay_alu stepped over by the VALU packet
                       (400, 0, 0x1c, False), (500, 1, 0x1c, False)]         # WAVE_END stands for s_endpgm
  assert m.hits.tolist() == [2, 2, 2, 2, 1, 1, 2]
  assert m.w_status.tolist() == [W_ENDED, W_ENDED] and m.w_n_insts.tolist() == [5, 7]
  # block entries in stream order: wave 0 0x0 -> (taken) 0x1c; wave 1 0x0 -> 0x14 -> 0x1c
  starts = [b.start for b in cfg.blocks]
  assert [(int(w), starts[b], int(k)) for w, b, k in zip(m.be_wave, m.be_block, m.be_kind)] == \
    [(0, 0x0, ENTER_START), (1, 0x0, ENTER_START), (1, 0x14, 1), (0, 0x1c, ENTER_TAKEN), (1, 0x1c, 1)]
  assert [int(i) for i, k in zip(m.ev_inst, p.kind[m.ev_packet]) if k == KIND["WAVE_END"]] == [6, 6]

def test_immediate_mask_maps_every_wave_in_it():
  _, _, prog = kernel("gfx1100", GFX11_KERNEL)
  rows = [start(100, 0), start(101, 3), inst(110, 0, SMEM), inst(111, 3, SMEM),
          (300, "IMMEDIATE_MASK", dict(mask=0b1001)),
          inst(302, 0, SALU), inst(303, 3, SALU), inst(305, 0, JUMP), inst(306, 3, JUMP), end(400, 0), end(401, 3)]
  m = map_packets(sqtt.decode(stream("rdna3", rows), "gfx1100"), prog)
  assert m.unmapped == 0 and [e for e in events(m) if e[0] == 300] == [(300, 0, 0x8, False), (300, 1, 0x8, False)]
  assert m.w_slot.tolist() == [0, 3] and (m.w_status == W_ENDED).all()

def test_other_simd_packets_are_counted_not_mapped():
  _, _, prog = kernel("gfx1100", GFX11_KERNEL)
  rows = TWO_WAVES[:3] + [inst(111, 0, 0x5a), inst(111, 7, 0x50)] + TWO_WAVES[3:]   # OTHER_VMEM_1, OTHER_LDS_1
  m = map_packets(sqtt.decode(stream("rdna3", rows), "gfx1100"), prog)
  assert m.counts["other_simd"] == 2 and m.unmapped == 0 and len(m.ev_inst) == 12

def test_mismatch_drops_only_that_wave():
  _, _, prog = kernel("gfx1100", GFX11_KERNEL)
  rows = list(TWO_WAVES)
  rows[4] = valu(300, 0)                   # wave 0's s_waitcnt packet replaced by a VALU: its walk is lost
  m = map_packets(sqtt.decode(stream("rdna3", rows), "gfx1100"), prog)
  c = m.counts
  assert c["mismatch"] == 1 and c["dropped"] == 2 and c["lost_waves"] == 1 and m.unmapped == 3
  assert m.w_status.tolist() == [W_LOST, W_ENDED] and m.w_n_insts.tolist() == [1, 7]
  assert "did not fit" in m.problems[0]
  assert m.waves_started == m.waves_ended == 2

def test_orphan_packets_and_unit_choice():
  """Packets for a slot with no live wave are orphans; of two units whose waves fit, SIMD 0 is the traced one;
  waves on other units are listed, untraced."""
  _, _, prog = kernel("gfx1100", GFX11_KERNEL)
  rows = [inst(50, 5, SALU), start(100, 0, simd=1), start(100, 0, simd=0), start(101, 1, wgp=2)] + TWO_WAVES[2:4] + \
         [imm(300, 0), inst(302, 0, SALU), inst(305, 0, JUMP), end(400, 0), end(401, 0, simd=1), end(402, 1, wgp=2)]
  m = map_packets(sqtt.decode(stream("rdna3", rows), "gfx1100"), prog)
  assert m.traced_unit == 0 and m.unit_json() == {"cu": 0, "simd": 0}
  assert m.counts["orphan"] == 2          # the packet before any wave, and slot 1's (its wave runs on WGP 2)
  assert m.w_traced.tolist() == [False, True, False] and m.w_cu.tolist() == [0, 0, 2] and m.w_simd.tolist() == [1, 0, 0]
  assert m.w_status.tolist() == [W_ENDED] * 3

def test_no_instruction_packets_no_traced_unit():
  _, _, prog = kernel("gfx1100", GFX11_KERNEL)
  m = map_packets(sqtt.decode(stream("rdna3", [start(100, 0), end(200, 0)]), "gfx1100"), prog)
  assert m.traced_unit == -1 and not m.w_traced.any() and m.waves_started == m.waves_ended == 1 and not len(m.ev_inst)

def test_slot_reuse_and_cut_waves():
  """A slot runs one wave after another; a start with no end before it marks the older wave cut off."""
  _, _, prog = kernel("gfx1100", GFX11_KERNEL)
  one = [inst(0, 0, SMEM), imm(5, 0), inst(6, 0, SALU), inst(7, 0, JUMP)]
  rows = [start(100, 0)] + [(t + 110, n, f) for t, n, f in one] + [end(130, 0), start(140, 0)] + \
         [(t + 150, n, f) for t, n, f in one] + [end(170, 0), start(180, 0), inst(190, 0, SMEM), start(200, 0)]
  m = map_packets(sqtt.decode(stream("rdna3", rows), "gfx1100"), prog)
  assert m.w_status.tolist() == [W_ENDED, W_ENDED, 3, 0] and m.hits[0] == 3 and m.unmapped == 0

def test_rdna4_exact():
  insts, _, prog = kernel("gfx1200", bytes.fromhex(
    "800000f4000000f8"   # s_load_b32 s2, s[0:1], 0x0
    "0000c7bf"           # s_wait_kmcnt 0x0
    "028006bf"           # s_cmp_eq_u32 s2, 0
    "0100a2bf"           # s_cbranch_scc1 1
    "8002007e"           # v_mov_b32_e32 v0, 0
    "9eff88bf"           # s_wait_alu depctr_sa_sdst(0)
    "0000b0bf"))         # s_endpgm
  assert [instruction_kind(i.mnemonic, i.flow, None, "rdna4") for i in insts][-2] == "silent"
  rows = [(100, "WAVE_START", dict(wave=2, simd=0, wgp=0)), (110, "INST", dict(wave=2, op=0x01)), (200, "IMMEDIATE", dict(wave=2)),
          (201, "INST", dict(wave=2, op=0x00)), (203, "INST", dict(wave=2, op=0x04)), (204, "VALU_INST", dict(wave=2)),
          (260, "WAVE_END", dict(wave=2, simd=0, wgp=0))]
  m = map_packets(sqtt.decode(stream("rdna4", rows), "gfx1200"), prog)
  pcs = [i.pc for i in insts]
  assert m.unmapped == 0 and [(t, pc, s) for t, _, pc, s in events(m)] == \
    [(110, pcs[0], False), (200, pcs[1], False), (201, pcs[2], False), (203, pcs[3], False), (204, pcs[4], False),
     (260, pcs[5], True), (260, pcs[6], False)]

# CDNA (gfx942 encodings; gfx950 decodes with the same tables): s_waitcnt gives no packet, s_endpgm an OTHER_MSG
CDNA_CODE = bytes.fromhex(
  "800006c000000000"   # 0x00 s_load_dwordx2 s[2:3], s[0:1], 0x0
  "7fc08cbf"           # 0x08 s_waitcnt lgkmcnt(0)
  "028006bf"           # 0x0c s_cmp_eq_u32 s2, 0
  "010085bf"           # 0x10 s_cbranch_scc1 1            (to 0x18)
  "8002007e"           # 0x14 v_mov_b32_e32 v0, 0
  "000081bf")          # 0x18 s_endpgm
CDNA_OPS = {"SMEM_RD": 0, "SALU_32": 1, "VALU_32": 5, "JUMP": 12, "NEXT": 13, "OTHER_MSG": 15}

def cdna_inst(t, simd, op): return (t, "INST", dict(wave=0, simd=simd, op=CDNA_OPS[op]))

def test_cdna_every_simd_of_the_traced_cu():
  insts, _, prog = kernel("gfx950", CDNA_CODE)
  assert [i.mnemonic for i in insts] == ["s_load_dwordx2", "s_waitcnt", "s_cmp_eq_u32", "s_cbranch_scc1", "v_mov_b32_e32", "s_endpgm"]
  rows = [(8, "WAVE_START", dict(cu=0, simd=0, wave=0)), (8, "WAVE_START", dict(cu=0, simd=1, wave=0)),
          (8, "WAVE_START", dict(cu=3, simd=0, wave=0)),
          cdna_inst(12, 0, "SMEM_RD"), cdna_inst(16, 1, "SMEM_RD"),
          cdna_inst(400, 0, "SALU_32"), cdna_inst(404, 0, "JUMP"), cdna_inst(408, 0, "OTHER_MSG"),
          cdna_inst(500, 1, "SALU_32"), cdna_inst(504, 1, "NEXT"), cdna_inst(508, 1, "VALU_32"), cdna_inst(512, 1, "OTHER_MSG"),
          (420, "WAVE_END", dict(cu=0, simd=0, wave=0)), (520, "WAVE_END", dict(cu=0, simd=1, wave=0)),
          (600, "WAVE_END", dict(cu=3, simd=0, wave=0))]
  rows.sort(key=lambda r: r[0])
  m = map_packets(sqtt.decode(stream("cdna", rows), "gfx950"), prog)
  assert m.unmapped == 0 and m.unit_json() == {"cu": 0}
  assert events(m) == [(12, 0, 0x0, False), (16, 1, 0x0, False), (400, 0, 0x8, True), (400, 0, 0xc, False),
                       (404, 0, 0x10, False), (408, 0, 0x18, False), (500, 1, 0x8, True), (500, 1, 0xc, False),
                       (504, 1, 0x10, False), (508, 1, 0x14, False), (512, 1, 0x18, False)]
  assert m.w_status.tolist() == [W_ENDED] * 3 and m.w_traced.tolist() == [True, True, False] and m.w_simd.tolist() == [0, 1, 0]

def test_cdna_inst_pc_resynchronises_a_lost_wave():
  insts, _, prog = kernel("gfx950", CDNA_CODE, base=0x1000)
  rows = [(8, "WAVE_START", dict(cu=0, simd=0, wave=0)), cdna_inst(12, 0, "VALU_32"),      # does not fit s_load: lost
          cdna_inst(16, 0, "SALU_32"),                                                    # dropped
          (20, "INST_PC", dict(wave=0, simd=0, pc=0x1010)),                              # at s_cbranch_scc1
          cdna_inst(24, 0, "VALU_32"), cdna_inst(28, 0, "OTHER_MSG"), (40, "WAVE_END", dict(cu=0, simd=0, wave=0))]
  m = map_packets(sqtt.decode(stream("cdna", rows), "gfx950"), prog, load_base=0x7f0000000000)
  assert m.counts["mismatch"] == 1 and m.counts["dropped"] == 1 and m.counts["resynced"] == 1
  assert [(t, pc) for t, _, pc, _ in events(m)] == [(20, 0x1010), (24, 0x1014), (28, 0x1018)]
  assert m.w_status.tolist() == [W_ENDED]
  # a full GPU address in INST_PC is made relative to the load base
  full = [r if r[1] != "INST_PC" else (20, "INST_PC", dict(wave=0, simd=0, pc=0x7f0000001010)) for r in rows]
  m2 = map_packets(sqtt.decode(stream("cdna", full), "gfx950"), prog, load_base=0x7f0000000000)
  assert events(m2) == events(m)

def test_interpreted_walk_equals_compiled(monkeypatch):
  """Without numba the same walk runs as plain Python: same output (a synthetic stream and a real one)."""
  import sys
  mod = sys.modules["sqtt.mapping"]
  _, _, prog = kernel("gfx1100", GFX11_KERNEL)
  ws, an = real(str(real_capture("gfx1200", "gemm")))
  r = an.traces[0]
  cases = [(sqtt.decode(stream("rdna3", TWO_WAVES), "gfx1100"), prog), (sqtt.decode(r.trace.blob, r.kernel.arch), r.kernel.program_tables)]
  from sqtt.jit import interpreted
  compiled = [map_packets(p, t) for p, t in cases]
  with interpreted():                                   # small captures: plain Python over lists of ints
    lists = [map_packets(p, t) for p, t in cases]
  monkeypatch.setattr(mod, "compiled", lambda fn: fn)   # no numba: the same loop as plain Python over the arrays
  for (p, t), a, c in zip(cases, compiled, lists):
    b = map_packets(p, t)
    for f in ("ev_packet", "ev_time", "ev_wave", "ev_inst", "ev_stepped", "ev_done", "be_block", "be_kind", "w_status",
              "w_start", "w_end", "x_inst", "x_delay", "hits"):
      assert (getattr(a, f) == getattr(b, f)).all(), f
      assert np.array_equal(getattr(a, f), getattr(c, f)) and getattr(a, f).dtype == getattr(c, f).dtype, f

# ---------------------------------------------------------------------------------------------------
# every real capture

@lru_cache(maxsize=None)
def real(path: str):
  from viz.api import Workspace
  ws = Workspace.open(path)
  return ws, ws.analysis()

BRANCH_OPS = {"rdna3": (0x03, 0x04), "rdna4": (0x03, 0x04), "cdna": (12, 13)}

def test_real_capture_maps(capture_path, report):
  ws, an = real(str(capture_path))
  arch = {d.name: d.arch for d in ws.capture.devices}
  for r in an.traces:
    m = r.mapping
    if m is None: continue
    p = sqtt.decode(r.trace.blob, arch[r.trace.device])
    kv, prog = r.kernel, r.kernel.program_tables
    insts = kv.instructions
    where = f"{capture_path.parent.name}/{capture_path.name} trace {r.id}"
    s = m.summary()
    # every packet that stands for an instruction was walked, waves all start and end
    assert s["unmapped"] == 0 and s["mapped"] == s["instruction_packets"], (where, s, m.problems)
    assert m.waves_started == m.waves_ended and s["lost_waves"] == 0, where
    assert (m.w_status[m.w_traced] == W_ENDED).all(), where
    # mapped pcs are instruction starts
    pcs = {i.pc for i in insts}
    assert all(int(prog.pc[i]) in pcs for i in np.unique(m.ev_inst)), where
    # branch packets <-> branch instructions; VALU_INST on VALU, IMMEDIATE on waits, WAVE_END on s_endpgm
    kind = p.kind[m.ev_packet]
    op = p.field("op")[m.ev_packet]
    taken = ~m.ev_stepped & (kind == KIND["INST"]) & np.isin(op, BRANCH_OPS[p.stream_layout])
    is_branch = np.array([insts[i].flow in ("branch", "cbranch") for i in m.ev_inst], bool)
    assert (taken == (is_branch & ~m.ev_stepped)).all(), where
    mn = np.array([insts[i].mnemonic for i in m.ev_inst], object)
    real_ev = ~m.ev_stepped
    assert all(x.startswith("v_") for x in mn[real_ev & (kind == KIND["VALU_INST"])]), where
    assert all(x.startswith(("s_wait", "s_nop", "s_clause")) for x in mn[real_ev & np.isin(kind, (KIND["IMMEDIATE"], KIND["IMMEDIATE_MASK"]))]), where
    assert all(x == "s_endpgm" for x in mn[real_ev & (kind == KIND["WAVE_END"])]), where
    assert all(x in ("s_delay_alu", "s_wait_alu", "s_barrier_wait", "s_waitcnt", "s_nop") for x in mn[m.ev_stepped]), where
    # the entry ran once per traced wave
    assert m.hits[prog.entry] == int(m.w_traced.sum()), where
    if s["instruction_packets"]:
      report(f"sqtt map {where}: {s['mapped']}/{s['instruction_packets']} instruction packets mapped, "
             f"{s['other_simd']} other-SIMD, {s['traced_waves']} of {s['waves_started']} waves traced on {s['traced_unit']}")

def test_real_capture_flow_balances(capture_path):
  """For every block: edges in + waves starting there == hits == edges out + waves ending there."""
  ws, an = real(str(capture_path))
  for kid, t in an.timing.items():
    cfg = ws.kernels[kid].cfg
    index = {b.id: k for k, b in enumerate(cfg.blocks)}
    into, out = np.zeros(len(cfg.blocks), np.int64), np.zeros(len(cfg.blocks), np.int64)
    for (a, b, kind), c in t.edge_counts.items():
      assert kind in ("taken", "fallthrough")
      assert any(index[e.src] == a and index[e.dst] == b for e in cfg.edges), "a walked edge the CFG does not have"
      out[a] += c; into[b] += c
    assert (into + t.block_starts == t.block_hits).all() and (t.block_hits == out + t.block_ends).all()
    assert t.block_starts.sum() == t.block_ends.sum() == t.n_waves


MAPPING_ARRAYS = ("ev_packet", "ev_time", "ev_wave", "ev_inst", "ev_stepped", "ev_done", "be_wave", "be_block", "be_kind",
                  "w_start", "w_end", "w_cu", "w_simd", "w_slot", "w_traced", "w_status", "w_n_insts",
                  "x_inst", "x_delay", "hits", "kind_counts")

def same_mapping(a, b, where):
  for f in MAPPING_ARRAYS: assert np.array_equal(getattr(a, f), getattr(b, f)), (where, f)
  assert (a.counts, a.problems, a.traced_unit, a.n_packets, a.error) == (b.counts, b.problems, b.traced_unit, b.n_packets, b.error), where

def test_chunked_walk_equals_whole(capture_path):
  """map_buffer, decoding and walking a few hundred packets at a time, finds exactly what one walk over all the
  packets finds: the walk's state carries across chunks (waves, exec queues, the traced unit)."""
  ws, an = real(str(capture_path))
  arch = {d.name: d.arch for d in ws.capture.devices}
  for r in an.traces:
    if r.mapping is None: continue
    a = arch[r.trace.device]
    whole = map_packets(sqtt.decode(r.trace.blob, a), r.kernel.program_tables)
    for chunk in (257, 4096):
      same_mapping(map_buffer(r.trace.blob, a, r.kernel.program_tables, chunk=chunk), whole, (capture_path.name, r.id, chunk))
    same_mapping(r.mapping, whole, (capture_path.name, r.id))
    with pytest.MonkeyPatch.context() as mp:              # read from a file 97 bytes at a time (a big capture's buffers)
      mp.setattr(sys.modules["sqtt.decode"], "WINDOW", 97)
      same_mapping(map_buffer(InFile(r.trace.blob), a, r.kernel.program_tables, chunk=257), whole, (capture_path.name, r.id, "windows"))

def test_glued_buffers_map_every_copy():
  """A buffer glued to itself (as the scale benchmark builds big traces) maps every copy: n times the waves,
  events and hits of one, nothing unmapped, whatever the chunk size."""
  ws, an = real(str(real_capture("gfx1100", "gemm")))
  r = next(r for r in an.traces if r.mapping is not None and len(r.mapping.ev_inst))
  one = r.mapping
  for chunk in (1000, 1 << 20):
    m = map_buffer(r.trace.blob * 5, "gfx1100", r.kernel.program_tables, chunk=chunk)
    assert m.unmapped == 0 and m.n_waves == 5 * one.n_waves and len(m.ev_inst) == 5 * len(one.ev_inst)
    assert (m.hits == 5 * one.hits).all() and m.counts["mapped_packets"] == 5 * one.counts["mapped_packets"]
