"""Static estimate vs measured, per basic block and per natural loop (/api/kernels/N/blocks).

estimate: the cycles the simulator's cycle model (emu/cycles.py: InstructionCosts, wave_segments) gives one pass, on
the clock /timing measures with (sqtt/timing.py): an instruction costs from its issue to the wave's next issue; a wait,
s_nop, s_endpgm and an instruction without a packet are stamped when they complete and issue one cycle after the
packet before them. The model's issue cycles are turned into the stamps the simulator's trace would carry (emu/trace.py)
and read back by that rule, so a pass runs, as /timing sums it, from the issue of the block's first instruction to the
issue of the next block's first (or the wave's end), and a stall lands on the wait that asked for it in both.

- A block: its pcs, with the last instruction of the block before it and the head of the block after it (their gap
  and a taken branch belong to the pass). Memory issued before the block counts as complete: a wait costs what the
  block's own loads cost. A block waiting on a load issued earlier therefore shows that latency as measured above the
  estimate, which is what the flag is for; top_waits names the load. The pass is a part that depends on the block
  before plus a part that depends on the block after, so weighting each predecessor and each successor by how often
  the traced waves took that edge gives the model's exact mean over the passes; untraced, every CFG edge counts alike.
- A loop: one iteration along the path the traced waves took most (from the header, at each block the most taken
  successor inside the loop not yet on the path; untraced: the header first, then pc order), run twice with its memory
  carried over and the second run counted: the steady state, where a load issued in one iteration and waited for in
  the next costs its latency. Its estimate per pass of the header: each block of the loop at its cost in that
  iteration (blocks off the path: their block estimate) times its entries per header entry (untraced: the path's
  blocks once, or every block once when no path closes).
- measured_per_pass: a block's /timing cycles (its instructions' cycles_total) over its entries by the
  instruction-traced waves; a loop's blocks' cycles over its header's entries.
- flag: measured_per_pass above FLAG_RATIO x estimate and more than FLAG_CYCLES above it.
- top_waits: the costliest waits of the block (loop) as /timing charges them: per wait and the load it waited on
  (pc, block, counter); stalls the trace attributes to no load (s_endpgm draining stores, barriers, s_delay_alu...)
  with source null. top_excess: the instructions measured furthest above the model's share of them a pass (a wait
  on earlier memory, or a stall the model does not know: a 195-cycle v_rcp).

Not estimated: barrier waits (they depend on the workgroup's other waves: emu.cycles.workgroup_times); what the
model leaves out (several waves on one SIMD, caches: emu/cycles.py); targets other than gfx11 / gfx12 (estimate
null). On a capture the simulator made, a block without a barrier measures its estimate on every instruction but its
waits and s_endpgm, which can only wait longer (for memory issued before the block); so it measures exactly its estimate
when no traced wave entered it with earlier memory outstanding on a counter it waits on (tests/viz/test_estimate.py).
"""
from __future__ import annotations
from dataclasses import dataclass
from fractions import Fraction
import numpy as np
from emu.cycles import BRANCH_TAKEN, InstructionCosts, klass, wave_segments
from sqtt.mapping import F_END

FLAG_RATIO, FLAG_CYCLES = 2.0, 100      # measured this far above the estimate (ratio and cycles per pass): flagged
TOP_WAITS = 3
MODELLED = ("rdna3", "rdna4")           # the layouts whose timing the cycle model was calibrated on
DONE_KINDS = ("wait", "end", "sopp")    # sqtt.mapping kinds the trace stamps at completion (IMMEDIATE, WAVE_END)


@dataclass
class Model:
  """The cycle model's costs of one kernel and, per instruction (index), how the trace would stamp it."""
  costs: InstructionCosts
  index: dict[int, int]
  done: np.ndarray          # completion-stamped
  silent: np.ndarray        # no packet: stamped by the next packet
  end: np.ndarray           # s_endpgm: stamped at the wave's end, one cycle after its issue (emu.dispatch)

def kernel_model(kv) -> Model | None:
  """The model for a KernelView (once), None where the cycle model does not apply."""
  if "estimate_model" not in kv._cache:
    prog, m = kv.program_tables, None
    if prog is not None and prog.layout in MODELLED:
      d = kv.kernel.descriptor
      costs = InstructionCosts(kv.instructions, prog.layout, d is not None and not d.wave32)
      done = prog.silent | np.isin(np.array(prog.kind, dtype=object), DONE_KINDS)
      m = Model(costs, {int(pc): k for k, pc in enumerate(prog.pc.tolist())}, done, prog.silent, (prog.flags & F_END) != 0)
    kv._cache["estimate_model"] = m
  return kv._cache["estimate_model"]

def trace_clock(m: Model, pcs: np.ndarray, issue: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
  """(stamp, issue as /timing reads it) per position of a wave that issued `pcs` at the model's `issue` cycles: the
  stamps emu/trace.py writes (s_endpgm at its end, an instruction without a packet at the next packet's), then
  sqtt.timing's rule (a completion-stamped one issued one cycle after the stamp before it, if that is sooner)."""
  k = np.array([m.index[pc] for pc in pcs.tolist()], np.int64)
  stamp = issue + m.end[k]
  for j in np.flatnonzero(m.silent[k])[::-1].tolist():
    if j + 1 < len(k): stamp[j] = stamp[j + 1]
  at = stamp.copy()
  done = m.done[k].copy()
  done[:1] = False                         # a wave's first event issues at its stamp
  prev = np.concatenate((stamp[:1], stamp[:-1]))
  at[done] = np.minimum(prev[done] + 1, stamp[done])
  return stamp, at

def head(m: Model, block) -> list[int]:
  """The block's pcs up to its first with a packet: what a pass of the block before it needs to know where it ends."""
  out = []
  for pc in block.pcs:
    out.append(pc)
    if not m.silent[m.index[pc]]: break
  return out

def _gap(m: Model, p: int, first: int) -> int:
  """Cycles from the issue of p to the issue of first, which follows it (no memory pending)."""
  c = m.costs
  return c.issue_cost(p, first) + (BRANCH_TAKEN if c.cls[p] == "branch" and first != p + c.size[p] else 0)

def block_passes(m: Model, block, preds, after) -> list[np.ndarray]:
  """Per predecessor p in `preds` (the pc of the instruction before the block; None: the wave starts there): the model's
  cycles of each instruction of one pass of `block` entered from p and left to block `after` (None: the wave ends in
  it), memory issued before the block complete."""
  pcs, n = block.pcs, len(block.pcs)
  seq = np.array(pcs + (head(m, after) if after is not None else []), np.int64)
  issue, _ = wave_segments(m.costs, seq)
  out = []
  for p in preds:
    s, i, off = (seq, issue, 0) if p is None else (np.concatenate(([p], seq)), np.concatenate(([0], issue + _gap(m, p, pcs[0]))), 1)
    stamp, at = trace_clock(m, s, i)
    last = off + n - 1
    if after is not None: stop = at[last + 1]
    elif m.end[m.index[pcs[-1]]]: stop = stamp[last]
    else: stop = i[last] + m.costs.issue_cost(pcs[-1])
    out.append(np.diff(np.append(at[off:last + 1], stop)))
  return out

def block_estimate(m: Model, cfg, block, preds: dict, succs: dict) -> tuple[Fraction, np.ndarray]:
  """The mean pass of `block` over predecessors {last pc or None: weight} and successors {block id or None: weight}:
  exact, and per instruction (floats)."""
  wp, ws = sum(preds.values()), sum(succs.values())
  total, per = 0, np.zeros(len(block.pcs))
  ps = [p for p, a in preds.items() if a]
  for after, b in succs.items():
    if not b: continue
    for p, cycles in zip(ps, block_passes(m, block, ps, cfg.block(after) if after is not None else None)):
      w = preds[p] * b
      total += w * int(cycles.sum()); per += w / (wp * ws) * cycles
  return Fraction(total, wp * ws), per

def iteration_path(cfg, loop, taken: dict) -> list[int] | None:
  """Block ids of one iteration of `loop` from its header: at each block the most taken successor inside the loop
  (taken: {(from id, to id): count}; ties: the header, then the lowest pc) not yet on the path; None if that never
  closes the cycle."""
  path, cur = [loop.header], loop.header
  while True:
    inside = [s for s in cfg.successors(cur) if s in loop.blocks]
    inside.sort(key=lambda s: (-taken.get((cur, s), 0), s != loop.header, s))
    nxt = next((s for s in inside if s == loop.header or s not in path), None)
    if nxt is None: return None
    if nxt == loop.header: return path
    path.append(nxt); cur = nxt

def steady_iteration(m: Model, blocks: list) -> dict[int, np.ndarray]:
  """Block id -> its instructions' cycles in the second of two runs of the iteration `blocks` (memory carried over)."""
  one = [pc for b in blocks for pc in b.pcs]
  seq = np.array(one + one + head(m, blocks[0]), np.int64)
  issue, _ = wave_segments(m.costs, seq)
  _, at = trace_clock(m, seq, issue)
  out, k = {}, len(one)
  for b in blocks:
    out[b.id] = np.diff(at[k:k + len(b.pcs) + 1]); k += len(b.pcs)
  return out

# ---------------------------------------------------------------------------------------------------
# the route

@dataclass
class Row:
  """One block's or loop's numbers, exact where they can be (the JSON rounds them): per pass the model's estimate and
  per instruction of `pcs` its share (per_inst), the measured cycles of all passes and the passes."""
  pcs: list[int]
  estimate: Fraction | None
  per_inst: np.ndarray | None
  cycles: int | None
  passes: int

  @property
  def measured(self) -> Fraction | None:
    return Fraction(self.cycles, self.passes) if self.cycles is not None and self.passes else None

  def json(self) -> dict:
    e, mp = self.estimate, self.measured
    ratio = round(float(mp / e), 3) if e and mp is not None else None
    flag = bool(ratio is not None and mp > FLAG_RATIO * e and mp - e > FLAG_CYCLES)
    return {"estimate": round(float(e), 1) if e is not None else None,
            "measured_per_pass": round(float(mp), 1) if mp is not None else None, "passes": self.passes, "ratio": ratio,
            "flag": flag}

def _edges(kv, t) -> tuple[dict, dict, dict]:
  """Taken counts by (from id, to id), and per block id {predecessor's last pc or None: count} and {successor id or
  None: count}: the traced waves' (a block they never entered: every CFG edge once)."""
  cfg, blocks = kv.cfg, kv.cfg.blocks
  taken, preds, succs = {}, {b.id: {} for b in blocks}, {b.id: {} for b in blocks}
  if t is not None:
    for (a, b, _), n in t.edge_counts.items():
      fa, tb = blocks[a], blocks[b]
      taken[(fa.id, tb.id)] = taken.get((fa.id, tb.id), 0) + n
      preds[tb.id][fa.pcs[-1]] = preds[tb.id].get(fa.pcs[-1], 0) + n
      succs[fa.id][tb.id] = succs[fa.id].get(tb.id, 0) + n
    for k, b in enumerate(blocks):
      if t.block_starts[k]: preds[b.id][None] = int(t.block_starts[k])
      if t.block_ends[k]: succs[b.id][None] = int(t.block_ends[k])
  for b in blocks:
    if not any(preds[b.id].values()):
      preds[b.id] = {cfg.block(p).pcs[-1]: 1 for p in cfg.predecessors(b.id)}
      if b.id == cfg.entry or not preds[b.id]: preds[b.id][None] = 1
    if not any(succs[b.id].values()):
      succs[b.id] = {s: 1 for s in cfg.successors(b.id)} or {None: 1}
  return taken, preds, succs

def _waits(kv, c: Context, members: set[int], r: Row) -> list[dict]:
  """The costliest waits of the blocks `members` (ids): /timing's attributed waits, and the stalls of instructions
  it attributes to no load (s_endpgm, barriers, instructions without a packet)."""
  if c.t is None or not r.cycles: return []
  insts, cfg = kv.instructions, kv.cfg
  def row(k, src, counter, n):
    return {"wait": insts[k].pc, "wait_text": insts[k].text, "source": insts[src].pc if src is not None else None,
            "source_text": insts[src].text if src is not None else None,
            "source_block": cfg.block_of(insts[src].pc).id if src is not None else None, "counter": counter, "cycles": n,
            "per_pass": round(n / r.passes, 1) if r.passes else None, "share": round(n / r.cycles, 3)}
  rows = [row(*w) for b in members for w in c.waits.get(b, ())]
  rows.sort(key=lambda x: (-x["cycles"], x["wait"]))
  return rows[:TOP_WAITS]

def _waits_by_block(kv, t) -> dict[int, list[tuple]]:
  """Block id -> its waits as (wait, source or None, counter or None, cycles): /timing's attributed ones, and the
  cycles of each stalling instruction without one."""
  out: dict[int, list[tuple]] = {}
  if t is None: return out
  insts, cfg, prog = kv.instructions, kv.cfg, kv.program_tables
  attributed = set()
  for w in t.waits:
    if w["cycles"] > 0: out.setdefault(cfg.block_of(insts[w["wait"]].pc).id, []).append((w["wait"], w["source"], w["counter"], w["cycles"]))
    attributed.add(w["wait"])
  for k, i in enumerate(insts):
    if (klass(i) in ("end", "barrier") or (prog is not None and prog.silent[k])) and k not in attributed and t.cycles_total[k] > 0:
      out.setdefault(cfg.block_of(i.pc).id, []).append((k, None, None, int(t.cycles_total[k])))
  return out

@dataclass
class Context:
  """What the rows of one kernel are computed from: its timing (None: no instruction-traced wave), its model (None:
  not modelled), taken counts by (from id, to id), and per block id its weighted predecessors and successors."""
  t: object
  m: Model | None
  taken: dict
  preds: dict
  succs: dict
  waits: dict                 # _waits_by_block
  index: dict                 # pc -> instruction index

def context(ws, kv) -> Context:
  from viz.api import _timing
  t = _timing(ws, kv) if ws.capture.traces else None
  if t is not None and t.n_waves == 0: t = None
  return Context(t, kernel_model(kv), *_edges(kv, t), _waits_by_block(kv, t), {i.pc: k for k, i in enumerate(kv.instructions)})

def block_rows(kv, c: Context) -> dict[int, Row]:
  """Block id -> its Row."""
  t, out = c.t, {}
  for k, b in enumerate(kv.cfg.blocks):
    e, per = block_estimate(c.m, kv.cfg, b, c.preds[b.id], c.succs[b.id]) if c.m is not None else (None, None)
    out[b.id] = Row(b.pcs, e, per, int(t.block_cycles[k]) if t is not None else None, int(t.block_hits[k]) if t is not None else 0)
  return out

def loop_rows(kv, c: Context, blocks: dict[int, Row]) -> list[tuple[object, list[int] | None, Row]]:
  """Per natural loop: (the loop, its iteration path (block ids), its Row over its blocks in pc order)."""
  cfg, out = kv.cfg, []
  for lp in cfg.loops():
    members = sorted(lp.blocks)
    path = iteration_path(cfg, lp, c.taken)
    passes = blocks[lp.header].passes
    e = per = None
    if c.m is not None:
      steady = steady_iteration(c.m, [cfg.block(b) for b in path]) if path else {}
      # entries of each block per entry of the header (untraced: the path's blocks once, or every block without a path)
      visits = {b: Fraction(blocks[b].passes, passes) if passes else Fraction(int(b in steady or not steady)) for b in members}
      e = sum((visits[b] * (int(steady[b].sum()) if b in steady else blocks[b].estimate) for b in members), Fraction(0))
      per = np.concatenate([float(visits[b]) * (steady[b] if b in steady else blocks[b].per_inst) for b in members])
    cycles = sum(blocks[b].cycles for b in members) if c.t is not None else None
    out.append((lp, path, Row([pc for b in members for pc in cfg.block(b).pcs], e, per, cycles, passes)))
  return out

def _excess(kv, c: Context, r: Row) -> list[dict]:
  """The instructions measured furthest above the model's share of them, per pass (only where above)."""
  if c.t is None or r.per_inst is None or not r.passes: return []
  k = np.array([c.index[pc] for pc in r.pcs], np.int64)
  measured = c.t.cycles_total[k] / r.passes
  over = measured - r.per_inst
  out = []
  for j in np.argsort(-over, kind="stable")[:TOP_WAITS].tolist():
    if over[j] <= 0: break
    i = kv.instructions[k[j]]
    out.append({"pc": i.pc, "text": i.text, "estimate": round(float(r.per_inst[j]), 1),
                "measured_per_pass": round(float(measured[j]), 1)})
  return out

def _json(kv, c: Context, r: Row, members: set[int]) -> dict:
  return {**r.json(), "top_waits": _waits(kv, c, members, r), "top_excess": _excess(kv, c, r)}

def blocks_json(ws, kv) -> dict:
  """Per block {start, end, estimate, measured_per_pass, passes, ratio, flag, top_waits, top_excess} and per natural
  loop {header, blocks, path (one iteration, block ids), ...the same}; this module's docstring says what each means."""
  if "estimate_blocks" in kv._cache: return kv._cache["estimate_blocks"]
  c = context(ws, kv)
  rows = block_rows(kv, c)
  blocks = [{"start": b.start, "end": b.end, **_json(kv, c, rows[b.id], {b.id})} for b in kv.cfg.blocks]
  loops = [{"header": lp.header, "blocks": sorted(lp.blocks), "path": path, **_json(kv, c, r, set(lp.blocks))}
           for lp, path, r in loop_rows(kv, c, rows)]
  note = None if c.m is not None else f"the cycle model (emu/cycles.py) covers gfx11 and gfx12 only, not {kv.arch}"
  kv._cache["estimate_blocks"] = out = {"traced": c.t is not None, "modelled": c.m is not None, "note": note,
                                        "flag_ratio": FLAG_RATIO, "flag_cycles": FLAG_CYCLES, "blocks": blocks, "loops": loops}
  return out
