"""Layered (Sugiyama) layout of a control-flow graph, drawn the way IDA draws one.

`layout(cfg_json, sizes)` takes the body of /api/kernels/N/cfg (isa/cfg.py `to_json`) and each
block's box size, and returns plain JSON: boxes (x, y = top-left corner) and orthogonal edge
polylines that leave the bottom of the source box and enter the top of the target box.

The pipeline:
  1. Layers. Back edges (the `back` flags) are reversed; cycles left over (irreducible loops) are
     broken by a DFS from the entry, reversing its retreating edges. Longest-path layering of
     that DAG; unreachable blocks go just above the code they lead into, or after everything.
  2. Every edge becomes a chain of nodes, one per layer it crosses: a downward edge gets dummy
     nodes in the layers strictly between its ends; an upward edge (back edge, self-loop, edge
     reversed in an irreducible cycle) gets a lane, a dummy in every layer from the target's to
     the source's, so it climbs beside the boxes in a column of its own.
  3. Crossing reduction: barycenter sweeps down and up; the order with fewest crossings is kept.
  4. X coordinates, after Brandes & Koepf ("Fast and Simple Horizontal Coordinate Assignment",
     2001): nodes of adjacent layers are aligned into vertical chains that share one x --
     fall-through edges first (IDA's straight fall-through), then lanes and long edges, then 1:1
     edges -- without two alignments crossing. Chains are packed left and right, the two averaged, then each chain is
     moved toward the median of its neighbours within the room its layer neighbours leave.
  5. Routing. Each box spreads its edge ends over its bottom (out) and top (in) side, the aligned
     edge in the middle. Horizontal pieces run in the gaps between layers on tracks assigned by
     channel routing, so two edges never share a line where they overlap; a gap grows with its
     track count. Vertical pieces run only through lanes/dummies or a box's own column.

Everything is deterministic: lists in input order, stable sorts, ties by position or index.
"""
from __future__ import annotations
from bisect import bisect_left, bisect_right, insort
from collections import deque
from dataclasses import dataclass, field
from typing import NamedTuple

DEFAULT_BOX = (160.0, 48.0)   # a block without a size (width, height)


@dataclass(frozen=True)
class Spacing:
  node_gap: float = 40.0      # horizontal space between two boxes in a layer
  lane_gap: float = 14.0      # horizontal space between an edge lane and its neighbour
  layer_gap: float = 40.0     # least vertical space between two layers
  track_gap: float = 8.0      # vertical space between horizontal edge pieces in one gap
  port_gap: float = 12.0      # space between edge ends along a box side
  margin: float = 16.0        # around the whole drawing


def drawn_text(text: str, target: int | None) -> str:
  """An instruction's line as static/graph.js draws it: its text, and for a branch the name of where it goes."""
  return text if target is None else f"{text} → BB_{target:x}"

def block_head(block: dict) -> str:
  """A box's first line as static/graph.js draws it (at most this long): the block's label, and its counts when traced."""
  counts = f" · {block['hits']} hits · {block['cycles']} cycles" if "hits" in block else ""
  return f"BB_{block.get('start', block['id']):x}{counts}"

def block_sizes(cfg_json: dict, texts: dict, char_w: float = 7.2, line_h: float = 16,
                pad: float = 8) -> dict[int, tuple[float, float]]:
  """Box size per block from its disassembly: longest line x char_w, lines x line_h, plus padding; the first line
  is the block's head (block_head), so no arrow coming in crosses a label above the box.
  `texts` maps pc -> line (int keys, or str keys as JSON gives them)."""
  sizes = {}
  for b in cfg_json["blocks"]:
    lines = [block_head(b)]
    for pc in b["pcs"]:
      t = texts.get(pc)
      lines.extend(str(texts.get(str(pc), "") if t is None else t).split("\n"))
    longest = max(map(len, lines), default=0)
    sizes[b["id"]] = (round(longest * char_w + 2 * pad, 2), round(len(lines) * line_h + 2 * pad, 2))
  return sizes


def layout(cfg_json: dict, sizes: dict | None = None, *, sweeps: int = 4, centering_rounds: int = 6, **spacing) -> dict:
  """Place the blocks of `cfg_json` with box sizes `sizes` (block id -> (w, h), int or str keys;
  DEFAULT_BOX when missing); see the module doc.
  Keyword options: `sweeps` (down+up barycenter passes), `centering_rounds`, and any `Spacing` field."""
  g = _Graph.read(cfg_json, sizes or {})
  sp = Spacing(**spacing)
  if not g.n:
    return {"width": 2 * sp.margin, "height": 2 * sp.margin, "nodes": [], "edges": []}
  g.assign_layers()
  g.add_dummies()
  g.order(sweeps)
  g.place_x(sp, centering_rounds)
  return g.route(sp)


@dataclass
class _Graph:
  """Real nodes are 0..n-1 (blocks in input order); dummies (edge chains) are appended after them."""
  ids: list
  w: list[float]
  h: list[float]
  edges: list[tuple[int, int, str, bool]]          # (src, dst, kind, back) as node indices
  n: int = 0
  layer: list[int] = field(default_factory=list)
  up: list[list[int]] = field(default_factory=list)     # neighbours in the layer above, per link
  down: list[list[int]] = field(default_factory=list)   # neighbours in the layer below
  anchor: dict[int, list[int]] = field(default_factory=dict)  # lane end -> the box(es) it serves
  paths: list[list[int]] = field(default_factory=list)  # per edge: its chain, top to bottom
  upward: list[bool] = field(default_factory=list)       # per edge: drawn as a climbing lane
  layers: list[list[int]] = field(default_factory=list)  # nodes per layer, left to right
  pos: list[int] = field(default_factory=list)           # index within its layer
  chain: list[int] = field(default_factory=list)         # x-alignment chain per node
  straight: dict[tuple[int, int], int] = field(default_factory=dict)  # aligned pair -> its edge
  cx: list[float] = field(default_factory=list)          # center x per node

  @classmethod
  def read(cls, cfg_json: dict, sizes: dict) -> "_Graph":
    blocks = cfg_json["blocks"]
    index = {b["id"]: k for k, b in enumerate(blocks)}
    dims = [_size_of(sizes, b["id"]) for b in blocks]
    edges = [(index[e["from"]], index[e["to"]], e["kind"], bool(e.get("back"))) for e in cfg_json["edges"]]
    return cls([b["id"] for b in blocks], [float(w) for w, _ in dims], [float(h) for _, h in dims], edges,
               len(blocks))

  # ---- 1. layers ------------------------------------------------------------------------------

  def assign_layers(self) -> None:
    """Longest-path layers for the code reached from the entry. Dead code leading into it sits as
    low as it can, right above where it leads (no lane climbing the whole graph); dead code leading
    nowhere live comes after everything."""
    n = self.n
    dag, live = self._acyclic_orientation()
    succ, pred, indeg = [[] for _ in range(n)], [[] for _ in range(n)], [0] * n
    for e in dag:
      if e:
        succ[e[0]].append(e[1]); pred[e[1]].append(e[0]); indeg[e[1]] += 1
    topo, queue = [], deque(v for v in range(n) if not indeg[v])
    while queue:                                   # Kahn's order
      v = queue.popleft(); topo.append(v)
      for s in succ[v]:
        indeg[s] -= 1
        if not indeg[s]: queue.append(s)
    layer: list[int | None] = [None] * n
    for v in topo:                                 # (live code never leads into dead code)
      if live[v]: layer[v] = max((layer[p] + 1 for p in pred[v] if live[p]), default=0)
    for v in reversed(topo):
      if not live[v]:
        below = [layer[s] for s in succ[v] if layer[s] is not None]
        if below: layer[v] = min(below) - 1
    after = max((l for l in layer if l is not None), default=-1) + 1
    for v in topo:
      if layer[v] is None: layer[v] = max([after] + [layer[p] + 1 for p in pred[v]])
    top = min(layer)
    self.layer = [l - top for l in layer]

  def _acyclic_orientation(self) -> tuple[list[tuple[int, int] | None], list[bool]]:
    """Per edge its direction in the layering DAG (None for a self-loop), and which blocks the
    entry reaches in it. Back edges point back up; a DFS from the entry, then from every block not
    yet seen, reverses whatever retreating edges remain (which leaves a DAG)."""
    dag: list[tuple[int, int] | None] = []
    out: list[list[tuple[int, int]]] = [[] for _ in range(self.n)]
    for k, (s, d, _, back) in enumerate(self.edges):
      a, b = (d, s) if back else (s, d)
      dag.append((a, b) if a != b else None)
      if a != b: out[a].append((b, k))
    for succ in out:                               # fall-through first: the cycle is cut where the code jumps back
      succ.sort(key=lambda bk: self.edges[bk[1]][2] != "fallthrough")
    state = [0] * self.n                           # 0 unseen, 1 on the DFS stack, 2 done
    live: list[bool] = []
    for root in range(self.n):                     # block 0 is the entry
      if state[root]: continue
      state[root], stack = 1, [(root, 0)]
      while stack:
        v, i = stack[-1]
        if i == len(out[v]):
          state[v] = 2; stack.pop(); continue
        stack[-1] = (v, i + 1)
        b, k = out[v][i]
        if not state[b]:
          state[b] = 1; stack.append((b, 0))
        elif state[b] == 1:
          dag[k] = (b, v)
      if not live: live = [st == 2 for st in state]
    return dag, live

  # ---- 2. edge chains -------------------------------------------------------------------------

  def add_dummies(self) -> None:
    n, layer = self.n, self.layer
    self.up, self.down = [[] for _ in range(n)], [[] for _ in range(n)]
    self.links: list[list[tuple[int, int, int]]] = [[] for _ in range(max(layer) + 1)]  # per layer: (a, b, edge) to the next
    for k, (s, d, _, _) in enumerate(self.edges):
      upward = layer[s] >= layer[d]
      if upward:                                   # a lane from the target's layer to the source's
        path = [self._dummy(l) for l in range(layer[d], layer[s] + 1)]
        self.anchor.setdefault(path[0], []).append(d)
        self.anchor.setdefault(path[-1], []).append(s)
      else:
        path = [s] + [self._dummy(l) for l in range(layer[s] + 1, layer[d])] + [d]
      for a, b in zip(path, path[1:]):
        self.down[a].append(b); self.up[b].append(a)
        self.links[layer[a]].append((a, b, k))
      self.paths.append(path); self.upward.append(upward)
    self.w = self.w + [0.0] * (len(layer) - n)
    self.h = self.h + [0.0] * (len(layer) - n)

  def _dummy(self, l: int) -> int:
    self.layer.append(l); self.up.append([]); self.down.append([])
    return len(self.layer) - 1

  # ---- 3. crossing reduction ------------------------------------------------------------------

  def order(self, sweeps: int) -> None:
    self.layers = [[] for _ in range(max(self.layer) + 1)]
    rank = self._preorder()
    for v, key in sorted(enumerate(self._initial_keys(rank)), key=lambda t: t[1]):
      self.layers[self.layer[v]].append(v)
    self._index_positions()
    best, best_crossings = [l[:] for l in self.layers], self._crossings()
    for _ in range(sweeps if best_crossings else 0):
      for i in range(1, len(self.layers)): self._sort_layer(i, self.up)
      for i in range(len(self.layers) - 2, -1, -1): self._sort_layer(i, self.down)
      c = self._crossings()
      if c < best_crossings: best, best_crossings = [l[:] for l in self.layers], c
      if not c: break
    self.layers = best
    self._index_positions()

  def _preorder(self) -> list[int]:
    """DFS preorder from the entry taking fall-through edges first: the initial left-to-right order."""
    succ = [[] for _ in range(self.n)]
    for s, d, kind, _ in self.edges:
      succ[s].append((kind != "fallthrough", d))
    rank, counter = [-1] * self.n, 0
    for root in range(self.n):
      if rank[root] >= 0: continue
      stack = [root]
      while stack:
        v = stack.pop()
        if rank[v] >= 0: continue
        rank[v], counter = counter, counter + 1
        stack.extend(d for _, d in sorted(succ[v], reverse=True) if rank[d] < 0)  # first pops first
    return rank

  def _initial_keys(self, rank: list[int]) -> list[tuple]:
    keys: list[tuple] = [(r, 0, 0) for r in rank]
    keys.extend([(0, 0, 0)] * (len(self.layer) - self.n))
    for k, path in enumerate(self.paths):          # a dummy sits just right of the block it leaves/serves
      owner = self.edges[k][1] if self.upward[k] else self.edges[k][0]
      for v in path:
        if v >= self.n: keys[v] = (rank[owner], 1, k)
    return keys

  def _index_positions(self) -> None:
    self.pos = [0] * len(self.layer)
    for nodes in self.layers:
      for i, v in enumerate(nodes): self.pos[v] = i

  def _sort_layer(self, i: int, neighbours: list[list[int]]) -> None:
    """Barycenter ordering of layer i against the adjacent layer `neighbours` point into. Nodes with
    no neighbour there keep their slot, except lane ends, which follow the box they serve."""
    nodes, pos, anchor = self.layers[i], self.pos, self.anchor
    key: dict[int, float] = {}
    lane_ends = []
    for v in nodes:
      ns = neighbours[v]
      if len(ns) == 1: key[v] = pos[ns[0]]         # most nodes are dummies: one neighbour each way
      elif ns: key[v] = sum(map(pos.__getitem__, ns)) / len(ns)
      elif v in anchor: lane_ends.append(v)
    for v in lane_ends:
      ks = [key[a] for a in anchor[v] if a in key]
      if ks: key[v] = sum(ks) / len(ks) + 1e-6
    movable = sorted((v for v in nodes if v in key), key=key.__getitem__)
    if not movable: return
    it = iter(movable)
    nodes[:] = [next(it) if v in key else v for v in nodes]
    for j, v in enumerate(nodes): pos[v] = j

  def _crossings(self) -> int:
    """Crossings between consecutive layers: inversions among the links sorted by upper position."""
    pos, total = self.pos, 0
    for links in self.links:
      seen: list[int] = []
      for pa, pb in sorted((pos[a], pos[b]) for a, b, _ in links):
        total += len(seen) - bisect_right(seen, pb)
        insort(seen, pb)
    return total

  # ---- 4. x coordinates -----------------------------------------------------------------------

  def place_x(self, sp: Spacing, rounds: int) -> None:
    self._align()
    chains = max(self.chain) + 1
    left: list[list[tuple[int, float]]] = [[] for _ in range(chains)]   # (chain to the left, least distance)
    right: list[list[tuple[int, float]]] = [[] for _ in range(chains)]
    for nodes in self.layers:
      for a, b in zip(nodes, nodes[1:]):
        gap = sp.node_gap if a < self.n and b < self.n else sp.lane_gap
        sep = (self.w[a] + self.w[b]) / 2 + gap
        left[self.chain[b]].append((self.chain[a], sep)); right[self.chain[a]].append((self.chain[b], sep))
    topo = _topological(right)
    x_left, x_right = [0.0] * chains, [0.0] * chains
    for c in topo:                                 # packed to the left ...
      x_left[c] = max((x_left[p] + s for p, s in left[c]), default=0.0)
    for c in reversed(topo):                       # ... and to the right
      x_right[c] = min((x_right[q] - s for q, s in right[c]), default=0.0)
    shift = min(x_left) - min(x_right)
    x = [(a + b + shift) / 2 for a, b in zip(x_left, x_right)]  # a mean of feasible placements is feasible
    self._center(x, left, right, topo, rounds)
    self.cx = [x[c] for c in self.chain]

  def _align(self) -> None:
    """Vertical chains: each node joins at most one neighbour above and one below, by priority
    (fall-through, lanes and long edges, 1:1 edges), never crossing an alignment already made between the layers."""
    n, pos, up, down = self.n, self.pos, self.up, self.down
    above = [-1] * len(self.layer)
    below = [-1] * len(self.layer)
    for links in self.links:
      candidates = []
      for a, b, k in links:
        if a >= n and b >= n: prio = 1
        elif self.edges[k][2] == "fallthrough" and not self.upward[k]: prio = 0
        elif len(down[a]) == 1 and len(up[b]) == 1: prio = 2
        else: continue
        candidates.append((prio, pos[a], pos[b], a, b, k))
      candidates.sort()
      made_a: list[int] = []; made_b: list[int] = []  # accepted pairs by upper position
      for _, pa, pb, a, b, k in candidates:
        if below[a] >= 0 or above[b] >= 0: continue
        j = bisect_left(made_a, pa)
        if (j and made_b[j - 1] > pb) or (j < len(made_a) and made_b[j] < pb): continue
        made_a.insert(j, pa); made_b.insert(j, pb)
        below[a], above[b] = b, a
        self.straight[a, b] = k                    # of several edges a->b, this one is drawn straight
    self.chain = [-1] * len(self.layer)
    c = 0
    for nodes in self.layers:
      for v in nodes:
        if above[v] >= 0: continue
        while v >= 0:
          self.chain[v] = c; v = below[v]
        c += 1

  def _center(self, x, left, right, topo, rounds) -> None:
    """Move each chain toward the median x of the chains it has edges to, staying within its layer
    neighbours' bounds, so order and gaps hold. Lanes follow their boxes; boxes ignore lanes' ends."""
    nb: list[list[int]] = [[] for _ in x]
    chain = self.chain
    for links in self.links:
      for a, b, _ in links:
        if chain[a] != chain[b]:
          nb[chain[a]].append(chain[b]); nb[chain[b]].append(chain[a])
    for d, boxes in self.anchor.items():
      nb[chain[d]].extend(chain[v] for v in boxes)
    inf = float("inf")
    for r in range(rounds):
      for c in (topo if r % 2 == 0 else reversed(topo)):
        if not nb[c]: continue
        xs = sorted(x[q] for q in nb[c])
        m = len(xs) // 2
        target = xs[m] if len(xs) % 2 else (xs[m - 1] + xs[m]) / 2
        lo = max((x[p] + s for p, s in left[c]), default=-inf)
        hi = min((x[q] - s for q, s in right[c]), default=inf)
        x[c] = lo if target < lo else hi if target > hi else target

  # ---- 5. routing -----------------------------------------------------------------------------

  def route(self, sp: Spacing) -> dict:
    n, layer, cx = self.n, self.layer, self.cx
    shift = sp.margin - min(cx[v] - self.w[v] / 2 for v in range(len(cx)))
    cx = self.cx = [x + shift for x in cx]
    out_port, in_port = self._ports(sp)
    gaps = len(self.layers) + 1                    # gap g lies above layer g
    pieces: list[list[_Piece]] = [[] for _ in range(gaps)]
    legs: list[list[tuple[int, float, float, int]]] = []   # per edge: (gap, x from, x to, piece id)
    count = 0
    for k, (s, d, _, _) in enumerate(self.edges):
      path, last = self.paths[k], len(self.paths[k])
      if self.upward[k]:                           # down out of s, over to the lane, up it, over and down into d
        xs = [out_port[k]] + [cx[v] for v in reversed(path)] + [in_port[k]]
        gs = [layer[s] + 1] + [layer[v] for v in reversed(path)]
        sides = [(_TOP, _TOP)] + [(_BOTTOM, _TOP)] * (last - 1) + [(_BOTTOM, _BOTTOM)]
      else:
        xs = [out_port[k]] + [cx[v] for v in path[1:-1]] + [in_port[k]]
        gs = [layer[v] + 1 for v in path[:-1]]
        sides = [(_TOP, _BOTTOM)] * (last - 1)
      edge_legs = []
      for g, xa, xb, side in zip(gs, xs, xs[1:], sides):
        if xa != xb:                               # (a lane's first and last leg always turn)
          pieces[g].append(_Piece(min(xa, xb), max(xa, xb), count, ((xa, side[0]), (xb, side[1]))))
          edge_legs.append((g, xa, xb, count)); count += 1
      legs.append(edge_legs)
    track, tracks = [0] * count, [0] * gaps
    for g, ps in enumerate(pieces):
      tracks[g] = _assign_tracks(ps, track, sp.lane_gap / 2)
    gap_top, layer_top, height = self._rows(sp, tracks)
    layer_top = [_r(y) for y in layer_top]         # so an edge starts exactly at its box's y + h
    def track_y(g, piece):
      return gap_top[g] + (self._gap_height(sp, g, tracks[g]) - (tracks[g] - 1) * sp.track_gap) / 2 \
        + track[piece] * sp.track_gap
    edges_out = []
    for k, (s, d, kind, back) in enumerate(self.edges):
      pts = [(out_port[k], layer_top[layer[s]] + self.h[s])]
      for g, xa, xb, piece in legs[k]:
        y = _r(track_y(g, piece))
        pts += [(xa, y), (xb, y)]
      pts.append((in_port[k], layer_top[layer[d]]))
      edges_out.append({"from": self.ids[s], "to": self.ids[d], "kind": kind, "back": back,
                        "points": [[_r(x), y] for x, y in _simplified(pts)]})
    nodes_out = [{"id": self.ids[v], "x": _r(cx[v] - self.w[v] / 2), "y": layer_top[layer[v]],
                  "w": self.w[v], "h": self.h[v], "layer": layer[v]} for v in range(n)]
    width = max(cx[v] + self.w[v] / 2 for v in range(len(cx))) + sp.margin
    return {"width": _r(width), "height": _r(height), "nodes": nodes_out, "edges": edges_out}

  def _ports(self, sp: Spacing) -> tuple[list[float], list[float]]:
    """Where each edge leaves its source's bottom and enters its target's top: spread along the side
    in the order of the other ends, the aligned (straight) edge at the center."""
    cx, straight, n = self.cx, self.straight, self.n
    outs: list[list[tuple[float, int, bool]]] = [[] for _ in range(n)]
    ins: list[list[tuple[float, int, bool]]] = [[] for _ in range(n)]
    for k, (s, d, _, _) in enumerate(self.edges):
      p = self.paths[k]
      if self.upward[k]:
        outs[s].append((cx[p[-1]], k, False)); ins[d].append((cx[p[0]], k, False))
      else:
        outs[s].append((cx[p[1]], k, straight.get((s, p[1])) == k)); ins[d].append((cx[p[-2]], k, straight.get((p[-2], d)) == k))
    out_port, in_port = [0.0] * len(self.edges), [0.0] * len(self.edges)
    for v in range(n):
      for ends, port, skew in ((outs[v], out_port, 0.0), (ins[v], in_port, 0.25)):
        if not ends: continue
        ends.sort(key=lambda t: t[:2])
        mid = next((i for i, e in enumerate(ends) if e[2]), (len(ends) - 1) / 2)
        reach = max(mid, len(ends) - 1 - mid)
        step = min(sp.port_gap, self.w[v] / (2 * reach + 2)) if reach else 0.0
        # in-ports sit a quarter step off the out-ports' grid: boxes stacked on one x (a chain) would
        # otherwise put one edge's end right above another's, their stubs sharing a line
        for i, (_, k, aligned) in enumerate(ends):
          port[k] = cx[v] + (i - mid + (0.0 if aligned else skew)) * step
    return out_port, in_port

  def _gap_height(self, sp: Spacing, g: int, tracks: int) -> float:
    spread = (tracks + 1) * sp.track_gap if tracks else 0.0
    inner = 0 < g < len(self.layers)
    return max(sp.layer_gap, spread) if inner else spread

  def _rows(self, sp: Spacing, tracks: list[int]) -> tuple[list[float], list[float], float]:
    """Top y of every gap and layer; a layer is as tall as its tallest box (boxes are top-aligned)."""
    gap_top, layer_top, y = [], [], sp.margin
    for g in range(len(self.layers) + 1):
      gap_top.append(y); y += self._gap_height(sp, g, tracks[g])
      if g < len(self.layers):
        layer_top.append(y); y += max((self.h[v] for v in self.layers[g]), default=0.0)
    return gap_top, layer_top, y + sp.margin


def _size_of(sizes: dict, block_id) -> tuple[float, float]:
  s = sizes.get(block_id)
  if s is None: s = sizes.get(str(block_id), DEFAULT_BOX)
  return s[0], s[1]


def _topological(right: list[list[tuple[int, float]]]) -> list[int]:
  indeg = [0] * len(right)
  for outs in right:
    for q, _ in outs: indeg[q] += 1
  queue = deque(c for c in range(len(right)) if not indeg[c])
  order = []
  while queue:
    c = queue.popleft(); order.append(c)
    for q, _ in right[c]:
      indeg[q] -= 1
      if not indeg[q]: queue.append(q)
  if len(order) != len(right):                     # cannot happen with non-crossing alignments
    raise AssertionError("layout: cyclic placement constraints")
  return order


_TOP, _BOTTOM = 0, 1   # which side of a gap a piece's vertical stub reaches: the layer above or below


class _Piece(NamedTuple):
  """The horizontal part of an edge in one gap, at track y, and its two vertical stubs: from the
  track up to the layer above (_TOP) or down to the layer below (_BOTTOM)."""
  lo: float
  hi: float
  id: int
  stubs: tuple[tuple[float, int], tuple[float, int]]   # (x, side)


def _assign_tracks(pieces: list[_Piece], track: list[int], clearance: float) -> int:
  """Constrained left-edge channel routing (Hashimoto & Stevens): fill tracks top to bottom, each
  with the leftmost pieces that fit. Two pieces on one track keep `clearance` apart. A piece whose
  stub goes down at the x where another's goes up must lie below it, or the two stubs would run
  along each other. (A cycle of such constraints, never seen in practice, is broken by force.)
  Returns the number of tracks."""
  up_at = {x: p.id for p in pieces for x, side in p.stubs if side == _TOP}
  waits = dict.fromkeys((p.id for p in pieces), 0)             # pieces that must be placed higher first
  lower: dict[int, list[int]] = {}
  for p in pieces:
    for x, side in p.stubs:
      q = up_at.get(x) if side == _BOTTOM else None
      if q is not None and q != p.id:
        waits[p.id] += 1; lower.setdefault(q, []).append(p.id)
  remaining, t = sorted(pieces), 0
  while remaining:
    placed, rest, right_end = [], [], -float("inf")
    for p in remaining:
      if not waits[p.id] and p.lo > right_end + clearance:
        placed.append(p); right_end = p.hi
      else:
        rest.append(p)
    if not placed:
      placed = [rest.pop(0)]
    for p in placed:
      track[p.id] = t
      for q in lower.get(p.id, ()): waits[q] -= 1
    remaining, t = rest, t + 1
  return t


def _simplified(pts: list[tuple[float, float]]) -> list[tuple[float, float]]:
  """Drop repeated points and the middle of three points on one vertical or horizontal line."""
  out: list[tuple[float, float]] = []
  for p in pts:
    if out and p == out[-1]: continue
    if len(out) >= 2 and (out[-2][0] == out[-1][0] == p[0] or out[-2][1] == out[-1][1] == p[1]):
      out[-1] = p
    else:
      out.append(p)
  return out


def _r(v: float) -> float:
  return round(v, 2)
