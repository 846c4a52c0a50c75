"""The cycle model: when each instruction of each wave issues, from the pcs it executed.

A deliberately small model, documented so its numbers can be argued with (calibration against the real
captures is `benchmarks/bench_emu.py`'s job):

- Placement: workgroups go round-robin to shader engines, then to the WGPs of that SE (2 shader arrays of 4);
  a workgroup's waves share its WGP and take its four SIMDs in turn (WGP mode, the gfx10+ compute default);
  each SIMD has 16 wave slots, and a workgroup that finds too few free starts when enough waves have ended.
- Issue: the gap between a wave's consecutive instructions depends on the classes of both (`GAP`, per ISA
  family): the medians measured on the real gfx1100 / gfx1200 captures, e.g. VALU -> VALU 5 cycles when the second
  reads what the first wrote and 1 when it does not (both targets: the VALU dependency latency), but VALU ->
  LDS, VMEM or a branch about 18 (the VALU pipeline drains first), SALU -> SMEM 9; pairs not seen take `ISSUE` of
  the first (wave64 VALU and VMEM take two passes); `s_nop N` N+1 cycles; a taken branch adds `BRANCH_TAKEN`.
- Memory: every SMEM / VMEM / LDS issue increments its wait counter and completes `LATENCY` cycles later, in
  issue order per counter; `s_waitcnt` (and gfx12's `s_wait_*`) stalls until the counter is down to the count, and
  `s_endpgm` until every counter is zero (the wave ends when its stores are done, about 300 cycles on hardware).
- Barriers: the waves of a workgroup leave a barrier together, when the last one arrives.
- Not modelled (yet): several waves competing for one SIMD's issue port, VALU dependency stalls, cache hits.
Waves that executed the same pcs get the same timing relative to their start, so it is computed once each.
"""
from __future__ import annotations
from dataclasses import dataclass
import numpy as np
from sqtt.timing import counters_incremented, wait_thresholds

ISSUE = {"salu": 1, "valu": 1, "trans": 4, "valu64": 4, "wmma": 4, "smem": 1, "vmem": 1, "lds": 1, "branch": 1, "other": 1, "wait": 1,
         "barrier": 1, "end": 1}
BRANCH_TAKEN = 4
VALU_DEPENDENT = 5      # a VALU reading the previous VALU's result: the captures' median (gfx1100 and gfx1200 alike)
# (previous class, next class) -> cycles between their issues; medians over the real captures' traced waves
# (benchmarks/bench_emu.py prints them next to the model's result)
_GAP_COMMON = {("valu", "lds"): 18, ("valu", "vmem"): 18, ("valu", "branch"): 18, ("valu", "barrier"): 18,
               ("barrier", "valu"): 18, ("salu", "smem"): 9, ("salu", "branch"): 10, ("branch", "salu"): 9,
               ("branch", "lds"): 3, ("trans", "valu"): 4, ("salu", "vmem"): 1, ("vmem", "vmem"): 1, ("lds", "lds"): 1,
               ("valu64", "valu64"): 2, ("valu64", "valu"): 4, ("wmma", "wmma"): 1, ("wmma", "salu"): 16}
GAP = {"gfx11": {**_GAP_COMMON, ("valu", "salu"): 7, ("salu", "salu"): 2, ("vmem", "salu"): 3,
                 ("smem", "valu"): 1, ("salu", "valu"): 2},
       "gfx12": {**_GAP_COMMON, ("valu", "salu"): 14, ("salu", "salu"): 1, ("vmem", "salu"): 8,
                 ("smem", "valu"): 10, ("salu", "valu"): 2}}
# cycles from issue to completion, medians over the real captures (tiny kernels: cold caches, so these are
# first-touch latencies; a kernel that reuses data sees less on hardware): s_waitcnt end minus the issue of the
# memory instruction it waited for, and s_endpgm minus the last store for stores
LATENCY = {"gfx11": {"smem": 1300, "load": 1500, "store": 320, "lds": 34, "other": 100},
           "gfx12": {"smem": 1680, "load": 2000, "store": 326, "lds": 54, "other": 100}}
COUNTER_KIND = {"lgkmcnt": "lds", "kmcnt": "smem", "vmcnt": "load", "loadcnt": "load", "vscnt": "store",
                "storecnt": "store", "dscnt": "lds", "samplecnt": "load", "bvhcnt": "load"}
TRANS = ("v_exp", "v_log", "v_rcp", "v_rsq", "v_sqrt", "v_sin", "v_cos")
# quarter-rate and slower VALU (the trace writes them as VALUB_2/4/16 or DPFP): their own rows in GAP
SLOW = ("v_lshlrev_b64", "v_lshrrev_b64", "v_ashrrev_i64", "v_mad_u64", "v_mad_i64", "v_mad_co_u64", "v_mad_co_i64")


@dataclass(frozen=True)
class DeviceShape:
  se: int
  wgp_per_sa: int = 4
  sa_per_se: int = 2
  simd_per_wgp: int = 4
  slots: int = 16
  sa_shift: int = 3       # where the shader array sits in the trace's cu field (wgp | sa << shift)


SHAPES = {"gfx11": DeviceShape(6), "gfx12": DeviceShape(4, sa_shift=4)}   # RX 7900 XTX, RX 9070 XT


def klass(inst) -> str:
  m = inst.mnemonic
  if m == "s_endpgm": return "end"
  if inst.flow in ("branch", "cbranch"): return "branch"
  if m.startswith(("s_waitcnt", "s_wait_")): return "wait"
  if m.startswith("s_barrier") or m == "s_barrier": return "barrier"
  if m.startswith(("s_load", "s_buffer_load", "s_store", "s_scratch", "s_dcache", "s_atc")): return "smem"
  if m.startswith(("global_", "buffer_", "flat_", "scratch_", "tbuffer_", "image_")): return "vmem"
  if m.startswith("ds_"): return "lds"
  if m.startswith(("v_wmma", "v_swmmac")): return "wmma"
  if m.startswith(SLOW) or "_f64" in m: return "valu64"
  if m.startswith("v_"): return "trans" if m.startswith(TRANS) else "valu"
  if m.startswith("s_"): return "salu"
  return "other"


class InstructionCosts:
  """Per-pc facts the model needs, computed once per kernel."""
  def __init__(self, instructions, layout: str, wave64: bool):
    self.layout, self.wave64 = layout, wave64
    fam = "gfx12" if layout == "rdna4" else "gfx11"
    self.gap, self.latency = GAP[fam], LATENCY[fam]
    self.cls, self.size, self.incs, self.waits, self.nops = {}, {}, {}, {}, {}
    self.reads, self.writes = {}, {}
    for i in instructions: self.add(i)

  def add(self, i) -> None:
    """Learn one instruction's facts, under its pc (isa/vopd.py prices a VOPD the kernel does not hold under a pc of
    its own)."""
    self.reads[i.pc], self.writes[i.pc] = frozenset(i.reads), frozenset(i.writes)
    self.cls[i.pc] = klass(i)
    self.size[i.pc] = i.size
    self.incs[i.pc] = counters_incremented(i.mnemonic, i.writes, self.layout)
    self.waits[i.pc] = wait_thresholds(i.mnemonic, i.words, i.text, self.layout) if self.cls[i.pc] == "wait" else {}
    self.nops[i.pc] = (i.words[0] & 0xF) + 1 if i.mnemonic == "s_nop" else 0

  def issue_cost(self, pc: int, next_pc: int | None = None) -> int:
    c, nc = self.cls[pc], self.cls.get(next_pc)
    if c == "valu" and nc == "valu": n = VALU_DEPENDENT if self.writes[pc] & self.reads[next_pc] else 1
    else: n = self.nops[pc] or self.gap.get((c, nc), ISSUE[c])
    if self.wave64 and c in ("valu", "valu64", "vmem"): n *= 2
    return n


def wave_segments(costs: InstructionCosts, pcs: np.ndarray) -> tuple[np.ndarray, list[int]]:
  """Issue cycles of one wave's pcs from its start as if it never waited at a barrier, and the indices of its
  barrier instructions (their waits are added by `workgroup_times`)."""
  issue = np.zeros(len(pcs), np.int64)
  t = 0
  pending: dict[str, list[int]] = {}
  barriers = []
  seq = pcs.tolist()
  for k, pc in enumerate(seq):
    waits = costs.waits[pc] if costs.cls[pc] != "end" else {c: 0 for c in pending}
    for c, n in waits.items():
      q = pending.get(c)
      if q and len(q) > n: t = max(t, q[len(q) - n - 1])
    issue[k] = t
    cls = costs.cls[pc]
    if cls == "barrier": barriers.append(k)
    for c in costs.incs[pc]:
      lat = costs.latency["smem" if cls == "smem" else COUNTER_KIND.get(c, "other")]
      q = pending.setdefault(c, [])
      q.append(max(t + lat, q[-1] if q else 0))     # in-order completion per counter
    nxt = seq[k + 1] if k + 1 < len(seq) else None
    t += costs.issue_cost(pc, nxt)
    if cls == "branch" and nxt is not None and nxt != pc + costs.size[pc]: t += BRANCH_TAKEN
  return issue, barriers


def workgroup_times(costs: InstructionCosts, pcs_of: list[np.ndarray], cache: dict) -> list[np.ndarray]:
  """Issue cycles (from the workgroup's start) of each wave of one workgroup, barriers synchronising them."""
  base = []
  for pcs in pcs_of:
    key = pcs.tobytes()
    if key not in cache: cache[key] = wave_segments(costs, pcs)
    base.append(cache[key])
  if not any(b for _, b in base): return [issue.copy() for issue, _ in base]
  out = [issue.copy() for issue, _ in base]
  nb = max(len(b) for _, b in base)
  for j in range(nb):          # the j-th barrier: everyone still there goes on as if it arrived with the last
    last = max(o[b[j]] for o, (_, b) in zip(out, base) if j < len(b))
    for o, (_, b) in zip(out, base):
      if j < len(b) and o[b[j]] < last: o[b[j] + 1:] += last - o[b[j]]
  return out


def place(n_wg: int, waves_per_wg: int, shape: DeviceShape):
  """(se, cu, simd) of every wave, workgroup-major; cu as the trace names it (wgp | shader array << shift)."""
  wg = np.arange(n_wg).repeat(waves_per_wg)
  j = np.tile(np.arange(waves_per_wg), n_wg)
  se = wg % shape.se
  wgp = (wg // shape.se) % (shape.wgp_per_sa * shape.sa_per_se)
  cu = wgp % shape.wgp_per_sa | (wgp // shape.wgp_per_sa) << shape.sa_shift
  simd = j % shape.simd_per_wgp
  return se, cu, simd
