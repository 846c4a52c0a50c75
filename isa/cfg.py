"""Basic-block control-flow graph over decoded instructions.

Leaders are the entry, every direct branch target that starts an instruction in the
listing, and every instruction that follows a control-flow instruction (any non-empty
`Instruction.flow`) or a gap in the address range.  Out-edges come from a block's last
instruction only:

  branch    -> "jump" to the target
  cbranch   -> "taken" to the target, "fallthrough" to the next instruction
  call/trap -> "fallthrough" (the callee / trap handler returns)
  end/indirect -> nothing
  ""        -> "fallthrough" (the block ends because the next instruction is a leader)

Direct targets that are not an instruction start in the listing get no edge; they are
recorded in `CFG.external_targets`.  A call's target is made a leader (it starts a
function) but gets no edge: the graph is intraprocedural.  Falling off the end of the
listing, or into a gap, gives no edge either.

Reachability and dominators cover the part reachable from the entry (Cooper, Harvey &
Kennedy, "A Simple, Fast Dominance Algorithm", iterating over reverse postorder).  An
edge u->v is a back edge when v dominates u.  In an irreducible cycle (one entered at
two places) no block dominates the others, so its retreating edge is back=False and
`loops()` reports no natural loop for it.  Unreachable blocks are kept with
reachable=False; their edges are never back edges.

Everything is iterative: kernels reach 50k+ instructions and thousands of blocks.  The
cyclic garbage collector is paused while building (see `_gc_paused`).
"""
from __future__ import annotations
import gc
from bisect import bisect_left, bisect_right
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import compress, islice
from operator import attrgetter, eq, ge, ne
from typing import NamedTuple, Sequence

from .instruction import Instruction

TARGETED = frozenset({"branch", "cbranch", "call"})           # flows whose `target` is a leader
FALLS_THROUGH = frozenset({"", "cbranch", "call", "trap"})    # flows that continue at the next pc
TARGET_EDGE_KIND = {"branch": "jump", "cbranch": "taken"}     # flows whose target gets an edge


@dataclass(slots=True)
class BasicBlock:
  id: int                # = start pc
  start: int
  end: int               # pc after the last instruction
  pcs: list[int]
  reachable: bool = True


@dataclass(slots=True)
class Edge:
  src: int
  dst: int
  kind: str              # "taken" | "fallthrough" | "jump"
  back: bool = False     # dst dominates src


class Loop(NamedTuple):
  header: int
  blocks: frozenset[int]  # header included


@dataclass
class CFG:
  """Blocks and edges as given; dominators, `reachable` and `back` are derived from them here."""
  blocks: list[BasicBlock]                                     # sorted by start
  edges: list[Edge]                                            # by source block, target edge first
  entry: int
  external_targets: dict[int, int] = field(default_factory=dict)  # branch pc -> target not in the listing
  idom: dict[int, int] = field(init=False)                     # reachable block -> immediate dominator (entry -> itself)
  _starts: list[int] = field(init=False, repr=False)
  _by_id: dict[int, BasicBlock] = field(init=False, repr=False)
  _succ: dict[int, list[int]] = field(init=False, repr=False)
  _pred: dict[int, list[int]] = field(init=False, repr=False)
  _preorder: dict[int, int] = field(init=False, repr=False)    # dominator-tree preorder number
  _subtree: dict[int, int] = field(init=False, repr=False)     # dominator-tree subtree size

  def __post_init__(self):
    self._starts = [b.start for b in self.blocks]
    self._by_id = {b.id: b for b in self.blocks}
    self._succ, self._pred = _adjacency(self._by_id, self.edges)
    self.idom = _dominators(self.entry, self._succ, self._pred) if self.entry in self._by_id else {}
    self._preorder, self._subtree = _dominator_intervals(self.idom, self.entry)
    for b in self.blocks:
      b.reachable = b.id in self.idom
    preorder, subtree = self._preorder, self._subtree
    for e in self.edges:                            # dst dominates src, inlined: one check per edge
      d, s = preorder.get(e.dst), preorder.get(e.src)
      e.back = d is not None and s is not None and d <= s < d + subtree[e.dst]

  def block(self, block_id: int) -> BasicBlock:
    return self._by_id[block_id]

  def block_of(self, pc: int) -> BasicBlock:
    """The block whose byte range holds pc; KeyError when none does."""
    k = bisect_right(self._starts, pc) - 1
    if k < 0 or pc >= self.blocks[k].end:
      raise KeyError(f"pc {pc:#x} is in no block")
    return self.blocks[k]

  def successors(self, block_id: int) -> list[int]:
    return self._succ[block_id]

  def predecessors(self, block_id: int) -> list[int]:
    return self._pred[block_id]

  def dominates(self, a: int, b: int) -> bool:
    """a dominates b (reflexive); False when either is unreachable."""
    pa, pb = self._preorder.get(a), self._preorder.get(b)
    return pa is not None and pb is not None and pa <= pb < pa + self._subtree[a]

  def loops(self) -> list[Loop]:
    """Natural loops, one per header (back edges sharing a header are merged), by header pc."""
    latches: dict[int, list[int]] = {}
    for e in self.edges:
      if e.back:
        latches.setdefault(e.dst, []).append(e.src)
    return [Loop(h, self._natural_loop(h, srcs)) for h, srcs in sorted(latches.items())]

  def _natural_loop(self, header: int, latches: list[int]) -> frozenset[int]:
    body, stack = {header}, list(latches)
    while stack:                                   # walk backwards from the latches up to the header
      b = stack.pop()
      if b not in body:
        body.add(b)
        stack.extend(p for p in self._pred[b] if p in self.idom)
    return frozenset(body)


def build_cfg(instructions: Sequence[Instruction], entry: int | None = None) -> CFG:
  with _gc_paused():
    return _build_cfg(instructions, entry)


@contextmanager
def _gc_paused():
  """The build allocates tens of thousands of small acyclic objects; next to a large decoded
  listing that sets off collections walking the whole heap, costing up to as much as the
  build itself. Nothing here makes reference cycles, so collecting can wait."""
  was_enabled = gc.isenabled()
  gc.disable()
  try:
    yield
  finally:
    if was_enabled:
      gc.enable()


def _build_cfg(instructions: Sequence[Instruction], entry: int | None) -> CFG:
  insts = _in_pc_order(instructions)
  if not insts:
    return CFG([], [], 0 if entry is None else entry)
  pcs = [i.pc for i in insts]
  ends = [i.pc + 4 * len(i.words) for i in insts]
  entry = pcs[0] if entry is None else entry
  entry_k = _index_of(pcs, entry)
  if entry_k is None:
    raise ValueError(f"entry {entry:#x} is not an instruction start")
  starts, external = _leaders(insts, pcs, ends, entry_k)
  blocks, edges = _blocks_and_edges(insts, pcs, ends, starts, external)
  return CFG(blocks, edges, entry, external)


def to_json(cfg: CFG) -> dict:
  return {
    "blocks": [{"id": b.id, "start": b.start, "end": b.end, "pcs": list(b.pcs), "reachable": b.reachable}
               for b in cfg.blocks],
    "edges": [{"from": e.src, "to": e.dst, "kind": e.kind, "back": e.back} for e in cfg.edges],
  }


def _in_pc_order(instructions: Sequence[Instruction]) -> list[Instruction]:
  insts = list(instructions)
  pcs = [i.pc for i in insts]
  if any(map(ge, pcs, islice(pcs, 1, None))):
    insts.sort(key=attrgetter("pc"))
    pcs.sort()
    if any(map(eq, pcs, islice(pcs, 1, None))):
      raise ValueError("two instructions share a pc")
  return insts


def _index_of(pcs: list[int], pc: int) -> int | None:
  """Index of the instruction starting at pc (bisect: no 50k-entry dict to build)."""
  k = bisect_left(pcs, pc)
  return k if k < len(pcs) and pcs[k] == pc else None


def _leaders(insts, pcs, ends, entry_k) -> tuple[list[int], dict[int, int]]:
  """Sorted instruction indices that start blocks, and the direct targets outside the listing."""
  n = len(pcs)
  leaders = {0, entry_k}
  leaders.update(compress(range(1, n), map(ne, ends, islice(pcs, 1, None))))  # after a hole
  external = {}
  control = [k for k, i in enumerate(insts) if i.flow]   # a few percent: loop over these only
  for k in control:
    leaders.add(k + 1)
    ins = insts[k]
    if ins.flow in TARGETED and ins.target is not None:
      j = _index_of(pcs, ins.target)
      if j is None:
        external[ins.pc] = ins.target
      else:
        leaders.add(j)
  leaders.discard(n)
  return sorted(leaders), external


def _blocks_and_edges(insts, pcs, ends, starts, external) -> tuple[list[BasicBlock], list[Edge]]:
  n = len(insts)
  blocks, edges = [], []
  for a, b in zip(starts, starts[1:] + [n]):
    last, start, end = insts[b - 1], pcs[a], ends[b - 1]
    blocks.append(BasicBlock(start, start, end, pcs[a:b], False))
    kind = TARGET_EDGE_KIND.get(last.flow)
    if kind and last.target is not None and last.pc not in external:  # targets in the listing start blocks
      edges.append(Edge(start, last.target, kind))
    if last.flow in FALLS_THROUGH and b < n and pcs[b] == end:
      edges.append(Edge(start, end, "fallthrough"))
  return blocks, edges


def _adjacency(by_id, edges) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
  """Successor / predecessor block ids, each listed once, in edge order."""
  succ = {b: [] for b in by_id}
  pred = {b: [] for b in by_id}
  for e in edges:
    if e.dst not in succ[e.src]:                  # a cbranch to the next pc gives two edges
      succ[e.src].append(e.dst)
      pred[e.dst].append(e.src)
  return succ, pred


def _postorder(root: int, succ: dict[int, list[int]]) -> list[int]:
  order, seen = [], {root}
  stack = [(root, iter(succ[root]))]
  while stack:
    node, children = stack[-1]
    for c in children:
      if c not in seen:
        seen.add(c)
        stack.append((c, iter(succ[c])))
        break
    else:
      stack.pop()
      order.append(node)
  return order


def _dominators(root: int, succ, pred) -> dict[int, int]:
  """Immediate dominators of the blocks reachable from root (Cooper-Harvey-Kennedy).

  Works on postorder numbers, as in the paper: a dominator always has the higher number,
  so intersecting two dominator chains is a plain integer walk over a list."""
  post = _postorder(root, succ)
  number = {b: k for k, b in enumerate(post)}
  preds = [[number[p] for p in pred[b] if p in number] for b in post]
  top = len(post) - 1                               # the root
  doms = [-1] * len(post)
  doms[top] = top
  changed = True
  while changed:                                    # usually two passes
    changed = False
    for b in range(top - 1, -1, -1):                # reverse postorder, root excluded
      new = -1
      for p in preds[b]:
        if doms[p] < 0:                             # not processed yet
          continue
        if new < 0:
          new = p
          continue
        while p != new:                             # intersect the two dominator chains
          while p < new:
            p = doms[p]
          while new < p:
            new = doms[new]
      if doms[b] != new:
        doms[b] = new
        changed = True
  return {post[k]: post[d] for k, d in enumerate(doms)}


def _dominator_intervals(idom: dict[int, int], root: int) -> tuple[dict[int, int], dict[int, int]]:
  """Preorder number and subtree size in the dominator tree: a dom b iff b's number is in a's range."""
  if not idom:
    return {}, {}
  children: dict[int, list[int]] = {b: [] for b in idom}
  for b, d in idom.items():
    if b != root:
      children[d].append(b)
  order, stack = [], [root]
  while stack:
    b = stack.pop()
    order.append(b)
    stack.extend(children[b])
  size = dict.fromkeys(order, 1)
  for b in reversed(order[1:]):                     # children before parents
    size[idom[b]] += size[b]
  return {b: k for k, b in enumerate(order)}, size
