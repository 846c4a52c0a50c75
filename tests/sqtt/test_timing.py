"""sqtt.timing: exact cycles, waits and exec delays on streams built packet by packet; invariants and the
measured numbers on every real capture; a long loop walked at compiled speed."""
from __future__ import annotations
import time
import numpy as np
import pytest
import sqtt
from sqtt.mapping import W_ENDED, map_packets
from sqtt.timing import TraceRef, counters_incremented, kernel_timing, wait_thresholds
from tests.sqtt.test_decode import encode
from tests.sqtt.test_mapping import GFX11_KERNEL, TWO_WAVES, kernel, real, stream

def timing(arch, source, layout, rows):
  insts, cfg, prog = kernel(arch, source)
  m = map_packets(sqtt.decode(stream(layout, rows), arch), prog)
  return insts, cfg, kernel_timing(prog, insts, cfg, [(TraceRef(0, 0), m)]), m

def test_two_waves_exact_cycles():
  """s_load; s_waitcnt; s_cmp; s_cbranch (wave 0 taken, wave 1 not); s_delay_alu; v_mov; s_endpgm.
  Waits, s_delay_alu and s_endpgm complete at their stamp and issue a cycle after the wave's previous packet."""
  insts, cfg, t, _ = timing("gfx1100", GFX11_KERNEL, "rdna3", TWO_WAVES)
  assert t.hits.tolist() == [2, 2, 2, 2, 1, 1, 2]
  assert t.timed.tolist() == [2, 2, 2, 2, 1, 1, 2]
  assert t.cycles_total.tolist() == [2, 389, 5, 2, 6, 1, 273]
  assert t.cycles_min.tolist() == [1, 191, 2, 1, 6, 1, 94] and t.cycles_max.tolist() == [1, 198, 3, 1, 6, 1, 179]
  assert t.stall_total.tolist() == [0, 386, 0, 0, 6, 0, 273]
  assert t.cycles_total.sum() == (400 - 110) + (500 - 112)          # a wave's cycles span its packets
  assert t.waits == [{"wait": 1, "source": 0, "counter": "lgkmcnt", "cycles": 386, "count": 2}]
  assert t.block_hits.tolist() == [2, 1, 2] and t.block_cycles.tolist() == [398, 7, 273]
  assert t.edge_counts == {(0, 2, "taken"): 1, (0, 1, "fallthrough"): 1, (1, 2, "fallthrough"): 1}
  assert t.block_starts.tolist() == [2, 0, 0] and t.block_ends.tolist() == [0, 0, 2]
  rows = t.waves.rows(0, len(t.waves), np.array([b.start for b in cfg.blocks]))
  assert [(w["wave"], w["start"], w["end"], w["n_insts"], w["blocks"]) for w in rows] == \
    [(0, 100, 400, 5, [0x0, 0x1c]), (1, 101, 500, 7, [0x0, 0x14, 0x1c])]
  assert t.n_waves == 2 and abs(t.cycles_mean()[1] - 194.5) < 1e-9

def test_exec_pairs_fifo_per_pipe():
  rows = TWO_WAVES + [(114, "ALU_EXEC", dict(src=1)), (116, "ALU_EXEC", dict(src=1)), (306, "ALU_EXEC", dict(src=1)),
                      (315, "ALU_EXEC", dict(src=1)), (329, "ALU_EXEC", dict(src=2))]
  rows.sort(key=lambda r: r[0])
  _, _, t, _ = timing("gfx1100", GFX11_KERNEL, "rdna3", rows)
  assert t.exec_n.tolist() == [2, 0, 2, 0, 0, 1, 0]
  assert t.exec_total.tolist() == [8, 0, 8, 0, 0, 9, 0] and t.exec_max.tolist() == [4, -1, 4, -1, -1, 9, -1]
  assert t.cycles_total.tolist() == [2, 389, 5, 2, 6, 1, 273]      # exec packets do not move anything else

def test_cdna_silent_wait_takes_the_stall():
  """CDNA: s_waitcnt gives no packet; it completes when the next instruction issues and is charged the gap.
  s_endpgm's OTHER_MSG is stamped at the wave's end like RDNA's WAVE_END, and counts up to the WAVE_END."""
  from tests.sqtt.test_mapping import CDNA_CODE, cdna_inst
  rows = [(8, "WAVE_START", dict(cu=0, simd=0, wave=0)), (8, "WAVE_START", dict(cu=0, simd=1, wave=0)),
          cdna_inst(12, 0, "SMEM_RD"), cdna_inst(16, 1, "SMEM_RD"),
          cdna_inst(400, 0, "SALU_32"), cdna_inst(404, 0, "JUMP"), cdna_inst(408, 0, "OTHER_MSG"),
          (420, "WAVE_END", dict(cu=0, simd=0, wave=0)),
          cdna_inst(500, 1, "SALU_32"), cdna_inst(504, 1, "NEXT"), cdna_inst(508, 1, "VALU_32"), cdna_inst(512, 1, "OTHER_MSG"),
          (520, "WAVE_END", dict(cu=0, simd=1, wave=0))]
  insts, _, t, m = timing("gfx950", CDNA_CODE, "cdna", rows)
  assert m.unmapped == 0 and t.hits.tolist() == [2, 2, 2, 2, 1, 2]
  assert t.cycles_total.tolist() == [2, 870, 8, 5, 1, 26] and t.stall_total.tolist() == [0, 870, 0, 0, 0, 6]
  assert t.cycles_total.sum() == (420 - 12) + (520 - 16)
  assert t.waits == [{"wait": 1, "source": 0, "counter": "lgkmcnt", "cycles": 870, "count": 2}]

GFX12_WAITS = bytes.fromhex(
  "800000f4000000f8"            # s_load_b32 s2, s[0:1], 0x0
  "000005ee0100000000000000"    # global_load_b32 v1, v0, s[0:1]
  "000005ee0200000000040000"    # global_load_b32 v2, v0, s[0:1] offset:4
  "0000d8d800000003"            # ds_load_b32 v3, v0
  "0001c8bf"                    # s_wait_loadcnt_dscnt 0x100
  "0000c7bf"                    # s_wait_kmcnt 0x0
  "0000b0bf")                   # s_endpgm

def test_gfx12_waits_charge_the_youngest_forced_per_counter():
  rows = [(0, "WAVE_START", dict(wave=0)), (10, "INST", dict(wave=0, op=0x01)), (12, "INST", dict(wave=0, op=0x21)),
          (14, "INST", dict(wave=0, op=0x21)), (16, "INST", dict(wave=0, op=0x29)), (500, "IMMEDIATE", dict(wave=0)),
          (502, "IMMEDIATE", dict(wave=0)), (600, "WAVE_END", dict(wave=0))]
  insts, _, t, m = timing("gfx1200", GFX12_WAITS, "rdna4", rows)
  assert m.unmapped == 0
  # loadcnt(1): both loads outstanding, the older forced; dscnt(0): the ds load; kmcnt(0): the s_load
  assert sorted((w["wait"], w["source"], w["counter"], w["cycles"]) for w in t.waits) == \
    [(4, 1, "loadcnt", 483), (4, 3, "dscnt", 483), (5, 0, "kmcnt", 1)]
  assert t.cycles_total.tolist() == [2, 2, 2, 1, 484, 2, 97] and t.cycles_total.sum() == 600 - 10

@pytest.mark.parametrize("arch, text, want", [
  ("rdna3", ("s_waitcnt", 0x07f7 & 0xFFFF), {"vmcnt": 1}),                     # vmcnt(1): expcnt and lgkmcnt at max
  ("rdna3", ("s_waitcnt", 0xfc07), {"lgkmcnt": 0}),
  ("rdna3", ("s_waitcnt", 0x0000), {"vmcnt": 0, "expcnt": 0, "lgkmcnt": 0}),
  ("cdna", ("s_waitcnt", 0x0f70), {"vmcnt": 0}),
  ("cdna", ("s_waitcnt", 0xc27f), {"lgkmcnt": 2}),
  ("cdna", ("s_waitcnt", 0x4f71), {"vmcnt": 17}),                             # vmcnt's high bits live at 15:14
  ("rdna4", ("s_wait_loadcnt_dscnt", 0x302), {"loadcnt": 3, "dscnt": 2}),
  ("rdna4", ("s_wait_storecnt", 4), {"storecnt": 4}),
  ("rdna4", ("s_wait_alu", 0xfffe), {}),
])
def test_wait_thresholds(arch, text, want):
  mnemonic, imm = text
  assert wait_thresholds(mnemonic, (0xbf890000 | imm,), mnemonic, arch) == want

def test_wait_thresholds_sopk():
  assert wait_thresholds("s_waitcnt_vscnt", (0xbc7c0003,), "s_waitcnt_vscnt null, 0x3", "rdna3") == {"vscnt": 3}
  assert wait_thresholds("s_waitcnt_vscnt", (0xbc020003,), "s_waitcnt_vscnt s2, 0x3", "rdna3") == {}   # count in an SGPR

@pytest.mark.parametrize("mnemonic, writes, layout, want", [
  ("global_load_b32", ("v1",), "rdna3", ("vmcnt",)), ("global_store_b32", (), "rdna3", ("vscnt",)),
  ("global_atomic_add_u32", ("v1",), "rdna3", ("vmcnt",)), ("global_atomic_add_u32", (), "rdna3", ("vscnt",)),
  ("flat_load_b32", ("v1",), "rdna4", ("loadcnt", "dscnt")), ("ds_store_b32", (), "rdna4", ("dscnt",)),
  ("s_load_b64", ("s0", "s1"), "rdna4", ("kmcnt",)), ("image_sample", ("v0",), "rdna4", ("samplecnt",)),
  ("buffer_store_dword", (), "cdna", ("vmcnt",)), ("ds_read_b32", ("v2",), "cdna", ("lgkmcnt",)),
  ("v_add_f32_e32", ("v0",), "cdna", ()), ("s_waitcnt", (), "rdna3", ()),
])
def test_counters_incremented(mnemonic, writes, layout, want):
  assert counters_incremented(mnemonic, writes, layout) == want

def test_long_loop_is_walked_compiled():
  """One wave, a 4-instruction loop run 250k times (1M instruction packets): hits, back edge, and speed."""
  n = 250_000
  insts, cfg, prog = kernel("gfx1100", bytes.fromhex(
    "800082be"           # s_mov_b32 s2, 0
    "00010006"           # v_add_f32_e32 v0, v0, v0
    "02810280"           # s_add_u32 s2, s2, 1
    "02ff07bf90d00300"   # s_cmp_lg_u32 s2, 0x3d090
    "fbffa2bf"           # s_cbranch_scc1 -5            (to the v_add)
    "0000b0bf"))         # s_endpgm
  head = encode("rdna3", [("LAYOUT_HEADER", dict(layout=3)), ("WAVE_START", dict(wave=0)), ("INST", dict(wave=0, op=0, delta=1))])
  body = encode("rdna3", [("VALU_INST", dict(wave=0, delta=1)), ("INST", dict(wave=0, op=0, delta=1)),
                          ("INST", dict(wave=0, op=0, delta=1)), ("INST", dict(wave=0, op=0x03, delta=1))])
  last = encode("rdna3", [("VALU_INST", dict(wave=0, delta=1)), ("INST", dict(wave=0, op=0, delta=1)),
                          ("INST", dict(wave=0, op=0, delta=1)), ("INST", dict(wave=0, op=0x04, delta=1)),
                          ("WAVE_END", dict(wave=0, delta=2))])
  p = sqtt.decode(head + body * (n - 1) + last, "gfx1100")
  map_packets(p[:200], prog)                          # compiled (or loaded from numba's cache) before timing
  t0 = time.perf_counter()
  m = map_packets(p, prog)
  t = kernel_timing(prog, insts, cfg, [(TraceRef(0, 0), m)])
  took = time.perf_counter() - t0
  assert m.unmapped == 0 and t.hits.tolist() == [1, n, n, n, n, 1]
  loop = next(k for k, b in enumerate(cfg.blocks) if b.start == insts[1].pc)
  assert t.edge_counts[(loop, loop, "taken")] == n - 1 and t.block_hits[loop] == n
  assert t.cycles_total.sum() == int(p.time[-1] - p.time[2])
  assert took < 10, f"{took:.1f} s for {len(p)} packets"

def test_interpreted_waits_equal_compiled(monkeypatch):
  import sys
  mod = sys.modules["sqtt.timing"]
  _, _, a, _ = timing("gfx1100", GFX11_KERNEL, "rdna3", TWO_WAVES)
  monkeypatch.setattr(mod, "compiled", lambda fn: fn)   # run the loop as plain Python
  _, _, b, _ = timing("gfx1100", GFX11_KERNEL, "rdna3", TWO_WAVES)
  assert a.waits == b.waits and a.waits

def clock_by_numpy(m):
  """The clock model (sqtt/timing.py's docstring) in numpy, the form it had before the one compiled pass: per event
  in per-wave order (inst, wave, issue, cycles, timed, stall, completion-stamped). The reference the pass is held to."""
  order = np.argsort(m.ev_wave, kind="stable")
  inst, wave, t, done = m.ev_inst[order].astype(np.int64), m.ev_wave[order].astype(np.int64), m.ev_time[order], m.ev_done[order]
  same_prev = np.r_[False, wave[1:] == wave[:-1]]
  same_next = np.r_[same_prev[1:], False]
  iss = t.copy()
  fix = done & same_prev                         # completion-stamped: issued a cycle after the previous packet, if sooner
  iss[fix] = np.minimum(np.roll(t, 1)[fix] + 1, t[fix])
  timed = same_next | ((m.w_status == W_ENDED)[wave] & ~same_next)
  cycles = np.where(same_next, np.roll(iss, -1) - iss, m.w_end[wave] - iss)
  return inst, wave, iss, cycles, timed, t - iss, done

def test_clock_pass_equals_numpy(real_captures):
  """time_mapping's one-pass clock (_event_sums, compiled and as plain Python) gives, per instruction and per event,
  what the clock model's numpy form gives, on every trace of every real capture; so do wave timelines."""
  from sqtt.jit import interpreted
  from sqtt.timing import _clock, _sums, wave_issues
  checked = 0
  for r in (r for path in real_captures for r in real(str(path))[1].traces):
    m = r.mapping
    if m is None or not len(m.ev_inst): continue
    n = r.kernel.program_tables.n
    inst, wave, issue, cycles, timed, stall, done = clock_by_numpy(m)
    want = (*_sums(inst[timed], cycles[timed], n), np.bincount(inst[done], weights=stall[done], minlength=n).round().astype(np.int64))
    for plain in (False, True):
      with interpreted(plain):
        per_inst, per_event = _clock(m, n)
        w, i, iss, cyc, tm = wave_issues(m)
      assert all((a == b).all() for a, b in zip(per_inst, want)), (r.id, plain)
      assert all((a == b).all() for a, b in zip(per_event, (inst, wave, stall))), (r.id, plain)
      assert (w == wave).all() and (i == inst).all() and (iss == issue).all() and (tm == timed).all(), (r.id, plain)
      assert (cyc[timed] == cycles[timed]).all() and not cyc[~timed].any(), (r.id, plain)
      for one in np.unique(wave)[[0, -1]].tolist():                # one wave's events alone: the same rows
        sel = wave == one
        assert all((a == b[sel]).all() for a, b in zip(wave_issues(m, one), (w, i, iss, cyc, tm))), (r.id, one, plain)
    checked += 1
  assert checked >= 9                  # one instruction-traced buffer a dispatch has events

# ---------------------------------------------------------------------------------------------------
# real captures

def test_real_capture_timing(capture_path, report):
  ws, an = real(str(capture_path))
  for kid, t in an.timing.items():
    kv = ws.kernels[kid]
    insts = kv.instructions
    # each wave's cycles add up to its span from first instruction packet to WAVE_END
    span = 0
    for r in an.traces:
      m = r.mapping
      if m is None or r.kernel is not kv or not len(m.ev_inst): continue
      first = np.full(m.n_waves, -1, np.int64)
      for w, t_ in zip(m.ev_wave[::-1], m.ev_time[::-1]): first[w] = t_
      ends = m.w_end[m.w_traced]
      span += int((ends - first[m.w_traced]).sum())
    assert t.cycles_total.sum() == span
    assert (t.hits >= t.timed).all() and (t.cycles_min <= t.cycles_max).all()
    for w in t.waits:
      assert insts[w["wait"]].mnemonic.startswith("s_wait") and counters_incremented(
        insts[w["source"]].mnemonic, insts[w["source"]].writes, kv.program_tables.layout)
    if t.n_waves and "gemm" in capture_path.name:
      hot = np.argsort(-t.cycles_total)[:3]
      report(f"sqtt timing {capture_path.parent.name}/{capture_path.name}: {t.n_waves} waves, {int(t.cycles_total.sum())} cycles; "
             "hottest " + "; ".join(f"{insts[k].text} {int(t.cycles_total[k])}" for k in hot))
      for w in t.waits[:2]:
        report(f"  wait {insts[w['wait']].text} <- {w['counter']} {insts[w['source']].text}: {w['cycles']} cycles x{w['count']}")
