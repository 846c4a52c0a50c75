"""emu.trace: SQTT buffers for simulated dispatches, read back by sqtt.decode and walked by sqtt.mapping as viz does.
Waves run random paths (seeded) through every corpus kernel compiled for gfx1100 and gfx1200; every traced wave must
map back to exactly its pcs at exactly its issue cycles, every wave must start and end where and when it did. The
packets chosen per instruction are checked against what the hardware wrote in the real captures."""
from __future__ import annotations
from collections import deque
from functools import cache
import numpy as np
import pytest
from emu.trace import WaveRecord, packet_table, trace_buffers
from isa.cfg import build_cfg
from isa.decode import Disassembler
from isa.elf import load_code_object
from sqtt import KIND, decode
from sqtt.mapping import W_ENDED, instruction_kind, map_buffer, program_tables
from sqtt.packets import INST_OPS, arch_layout
from tests.llvm_oracle import compile_cl, corpus_files, have_llvm

ARCHS = ("gfx1100", "gfx1200")
needs_llvm = pytest.mark.skipif(not have_llvm(), reason="clang-19 / llvm-objdump-19 not installed")

class Kernel:
  """A compiled kernel and the walker's tables for it, built the way viz.api builds them."""
  def __init__(self, arch, name, insts, entry):
    d = Disassembler(arch)
    self.arch, self.name, self.insts, self.entry = arch, name, insts, entry
    self.encs = [(e.name if (e := d.encoding_of(i.words[0])) else None) for i in insts]
    self.prog = program_tables(insts, build_cfg(insts, entry), entry, arch_layout(arch), self.encs)
    self.kinds = [instruction_kind(i.mnemonic, i.flow, e, arch_layout(arch)) for i, e in zip(insts, self.encs)]
    # successors per instruction and each one's distance to an s_endpgm, so a walk can always head for the exit
    n, at = len(insts), {i.pc: k for k, i in enumerate(insts)}
    self.end = [i.flow == "end" or i.mnemonic.startswith("s_endpgm") for i in insts]
    self.succ = [[] if self.end[k] else
                 [at[i.target]] if i.flow == "branch" else
                 ([at[i.target]] if i.flow == "cbranch" else []) + ([k + 1] if k + 1 < n else []) for k, i in enumerate(insts)]
    self.dist, pred, todo = np.full(n, 1 << 30), [[] for _ in range(n)], deque()
    for k, s in enumerate(self.succ):
      for t in s: pred[t].append(k)
      if self.end[k]: self.dist[k] = 0; todo.append(k)
    while todo:
      k = todo.popleft()
      for p in pred[k]:
        if self.dist[p] > self.dist[k] + 1: self.dist[p] = self.dist[k] + 1; todo.append(p)

  def path(self, rng, budget=400) -> np.ndarray:
    """pcs of one run from the entry to s_endpgm: branches go either way at random until `budget` instructions,
    then towards the exit."""
    k, out = int(np.searchsorted(self.prog.pc, self.entry)), []
    while True:
      out.append(self.insts[k].pc)
      if self.end[k]: return np.array(out, np.int64)
      s = [t for t in self.succ[k] if self.dist[t] < 1 << 30]
      k = s[rng.integers(len(s))] if len(out) < budget else min(s, key=lambda t: self.dist[t])

@cache
def kernels(arch: str) -> list[Kernel]:
  out = []
  for f in corpus_files():
    co = load_code_object(compile_cl(f, arch, "-O3").read_bytes())
    d = Disassembler(co.arch)
    for k in co.kernels:
      insts = d.disassemble(co.code_bytes(k.code_start, k.code_end), k.code_start)
      if not {i.flow for i in insts} & {"call", "indirect"}: out.append(Kernel(arch, f"{f.stem}:{k.name}", insts, k.entry_pc))
  return out

def issue_cycles(rng, n: int, start: int) -> np.ndarray:
  """Gaps of every size the encoder must handle: in a packet's own delta, one or a few TS_DELTA_SHORTs, a long delta."""
  gaps = np.where(rng.random(n) < 0.7, rng.integers(0, 8, n), rng.integers(0, 200, n))
  gaps = np.where(rng.random(n) < 0.03, rng.integers(200, 100_000, n), gaps)
  return start + np.cumsum(gaps)

def dispatch(kern: Kernel, n_waves: int, n_se: int, seed: int, cus: int = 2, back_to_back: bool = False) -> list[WaveRecord]:
  """n_waves over n_se SEs x cus WGPs x 4 SIMDs, each into the slot of its SIMD that frees first; SIMD 0 of WGP 0 is the
  traced one. back_to_back: a wave starts the cycle its slot's previous wave ended."""
  rng, waves, free = np.random.default_rng(seed), [], {}
  for w in range(n_waves):
    se, cu, simd = w % n_se, (w // n_se) % cus, (w // (n_se * cus)) % 4
    slots = free.setdefault((se, cu, simd), [0] * 16)
    slot = int(np.argmin(slots))
    start = slots[slot] if back_to_back and slots[slot] else slots[slot] + int(rng.integers(0, 50))
    pcs = kern.path(rng)
    issue = issue_cycles(rng, len(pcs), start)
    end = int(issue[-1] + rng.integers(0, 30))
    slots[slot] = end
    waves.append(WaveRecord(se, cu, simd, slot, w, start, end, (cu, simd) == (0, 0), pcs, issue))
  return waves

def expected_times(kern: Kernel, w: WaveRecord) -> tuple[np.ndarray, np.ndarray]:
  """(time, stepped) per executed instruction as the mapper reports it: the issue cycle, but s_endpgm at the wave's end
  and an instruction without a packet (stepped over) at the time of the wave's next packet."""
  kinds = [kern.kinds[int(np.searchsorted(kern.prog.pc, pc))] for pc in w.pcs]
  silent = np.array([k in ("silent", "unknown") for k in kinds])
  t = np.where(silent, np.iinfo(np.int64).max, w.issue)
  t[-1] = w.end
  return np.minimum.accumulate(t[::-1])[::-1], silent

def check(kern: Kernel, waves: list[WaveRecord], n_se: int, chunk: int | None = None) -> dict:
  """Trace, decode and map every SE's buffer as viz does; assert every wave comes back exactly. Packet counts back."""
  counts = {}
  for se, blob in enumerate(trace_buffers(kern.arch, kern.insts, kern.entry, waves, n_se)):
    p = decode(blob, kern.arch)
    assert p.error is None and p.stream_layout == arch_layout(kern.arch)
    assert (np.diff(p.time) >= 0).all()
    for k, v in p.counts().items(): counts[k] = counts.get(k, 0) + v
    m = map_buffer(blob, kern.arch, kern.prog, 0, chunk)
    c = m.counts
    assert m.unmapped == 0 and c["other_simd"] == c["end_without_start"] == c["lost_waves"] == 0 and not m.problems, c
    assert c["instruction_packets"] == c["mapped_packets"]
    mine = [w for w in waves if w.se == se]
    assert m.n_waves == len(mine) and (m.w_status == W_ENDED).all()
    index = {(int(s), int(cu), int(sd), int(sl)): i for i, (s, cu, sd, sl) in enumerate(zip(m.w_start, m.w_cu, m.w_simd, m.w_slot))}
    assert len(index) == len(mine)
    for w in mine:
      i = index[(w.start, w.cu, w.simd, w.slot)]
      # an SE whose traced waves wrote no instruction packet (a kernel that is one s_endpgm) shows the mapper no traced unit
      assert m.w_end[i] == w.end and m.w_traced[i] == (w.traced and c["instruction_packets"] > 0)
      ev = m.ev_wave == i
      if not m.w_traced[i]:
        assert not ev.any()
        continue
      assert m.traced_unit == w.cu * 4 + w.simd
      assert np.array_equal(m.program.pc[m.ev_inst[ev]], w.pcs), (kern.name, w.wave_id)
      t, stepped = expected_times(kern, w)
      assert np.array_equal(m.ev_time[ev], t) and np.array_equal(m.ev_stepped[ev], stepped), (kern.name, w.wave_id)
  return counts

# ---------------------------------------------------------------------------------------------------

@needs_llvm
@pytest.mark.parametrize("arch", ARCHS)
def test_every_corpus_kernel(arch):
  total = {}
  for n, kern in enumerate(kernels(arch)):
    for k, v in check(kern, dispatch(kern, 8, 2, seed=n), 2).items(): total[k] = total.get(k, 0) + v
  assert len(kernels(arch)) > 50
  # the corpus gives every packet the encoder writes, both timestamp forms and both branch directions among them
  assert all(total.get(k, 0) > 0 for k in ("INST", "VALU_INST", "IMMEDIATE", "TS_DELTA_SHORT", "TS_DELTA_OR_MARK", "WAVE_START", "WAVE_END"))

@needs_llvm
@pytest.mark.parametrize("arch", ARCHS)
def test_many_waves(arch):
  kern = next(k for k in kernels(arch) if k.name.startswith("16_loops"))
  waves = dispatch(kern, 200, 2, seed=7, cus=1, back_to_back=True)     # 25 waves a SIMD: its 16 slots, 9 used twice
  assert sum(w.traced for w in waves) == 50 and len({w.slot for w in waves}) == 16
  check(kern, waves, 2)
  check(kern, waves, 2, chunk=101)          # the walk fed in small chunks, as big buffers are
  # several SEs, WGPs and SIMDs at once: every (SE, WGP, SIMD) traced its own SIMD 0 of WGP 0 only
  check(kern, dispatch(kern, 96, 6, seed=8, cus=4), 6)

@needs_llvm
@pytest.mark.parametrize("arch", ARCHS)
def test_long_gaps(arch):
  kern = next(k for k in kernels(arch) if k.name.startswith("15_control_flow"))
  rng = np.random.default_rng(3)
  pcs = kern.path(rng)
  issue = issue_cycles(rng, len(pcs), 10)
  issue[len(pcs) // 2:] += 10**6                               # a million cycles between two instructions
  issue[-2:] += (1 << 37) + 5                                   # past rdna3's longest delta (2^36 - 1): two packets
  traced = WaveRecord(0, 0, 0, 0, 0, 10, int(issue[-1]), True, pcs, issue)
  other = WaveRecord(0, 1, 3, 5, 1, 3, int(issue[-1]) + 7, False, pcs, issue)
  counts = check(kern, [traced, other], 1)
  assert counts["TS_DELTA_OR_MARK"] >= (3 if arch == "gfx1100" else 2)
  p = decode(trace_buffers(arch, kern.insts, kern.entry, [traced, other], 1)[0], arch)
  assert p.time[p.mask("WAVE_END")].tolist() == [traced.end, other.end]

def test_empty_and_untraced_buffers():
  waves = [WaveRecord(1, 2, 1, 3, 0, 5, 900, False, np.zeros(0, np.int64), np.zeros(0, np.int64))]
  bufs = trace_buffers("gfx1201", [], 0, waves, 2)
  p0, p1 = decode(bufs[0]), decode(bufs[1])
  assert p0.stream_layout == "rdna4" and list(p0.names) == ["LAYOUT_HEADER"] and p0.fields(0)["sel_b"] == 4
  assert [n for n in p1.names if n != "NOP"] == ["LAYOUT_HEADER", "TS_DELTA_SHORT", "WAVE_START", "TS_DELTA_OR_MARK", "WAVE_END"]
  assert p1.time[p1.mask("WAVE_START", "WAVE_END")].tolist() == [5, 900]
  assert p1.field("cu")[p1.mask("WAVE_END")].tolist() == [2] and p1.field("wave")[p1.mask("WAVE_START")].tolist() == [3]

@needs_llvm
def test_bad_records_raise():
  kern = kernels("gfx1100")[0]
  pcs = kern.path(np.random.default_rng(0))
  def w(**kw):
    return WaveRecord(**{"se": 0, "cu": 0, "simd": 0, "slot": 0, "wave_id": 0, "start": 0, "end": 10**6, "traced": True,
                         "pcs": pcs, "issue": np.arange(len(pcs)) + 5, **kw})
  for bad in ([w(), w(wave_id=1, start=500)],                        # one slot, two waves at once
              [w(), w(wave_id=1, simd=1, slot=1)],                   # two traced SIMDs on one SE
              [w(pcs=pcs[1:], issue=np.arange(len(pcs) - 1))],       # not from the entry
              [w(issue=np.arange(len(pcs))[::-1] + 5)]):             # time going back
    with pytest.raises(ValueError): trace_buffers("gfx1100", kern.insts, kern.entry, bad, 1)

@pytest.mark.parametrize("arch_dir", ["gfx1100", "gfx1200"])
def test_packets_are_the_hardwares(arch_dir):
  """On the real captures, every instruction packet the hardware wrote is the one packet_table gives (branches: JUMP or
  JUMP_NO by direction; IMMEDIATE_MASK is the hardware's merged IMMEDIATE)."""
  from capture import load_capture
  from tests.conftest import REAL_CAPTURES
  from viz.api import Workspace
  seen = 0
  for path in [p for p in REAL_CAPTURES if p.parent.name == arch_dir]:
    cap = load_capture(str(path))
    ws = Workspace(cap)
    for t in cap.traces:
      kv = next((k for k in ws.kernels if k.program is not None and k.program.tag == t.kern_tag), None)
      if kv is None or kv.program_tables is None: continue
      kind, op, branch = packet_table(kv.arch, kv.instructions)
      p = decode(t.blob, kv.arch)
      m = map_buffer(t.blob, kv.arch, kv.program_tables, kv.program.base)
      got_kind = p.kind[m.ev_packet].astype(np.int64)
      got_kind[got_kind == KIND["IMMEDIATE_MASK"]] = KIND["IMMEDIATE"]
      got_op, i = p.field("op")[m.ev_packet], m.ev_inst
      real = ~m.ev_stepped & (got_kind != KIND["WAVE_END"])
      assert np.array_equal(got_kind[real], kind[i][real])
      ops = INST_OPS[arch_layout(kv.arch)]
      want = np.where(branch[i], -1, op[i])                 # a branch's op depends on its direction: JUMP or JUMP_NO
      inst = real & (got_kind == KIND["INST"])
      assert all(w == g or (w < 0 and ops[g] in ("JUMP", "JUMP_NO")) for w, g in zip(want[inst], got_op[inst]))
      seen += int(real.sum())
  assert seen > 500
