"""viz/layout.py: geometry invariants on hand-made, random and real control-flow graphs."""
import json
import random
import shutil
import time
from bisect import bisect_left, bisect_right

import pytest

from isa.cfg import CFG, BasicBlock, Edge, to_json
from tests.conftest import REAL_CAPTURES
from viz.layout import block_sizes, layout

FT, TAKEN, JUMP = "fallthrough", "taken", "jump"


def make_cfg(n: int, edges: list[tuple[int, int, str]], entry: int = 0) -> dict:
  """CFG JSON for blocks 0..n-1 (id = start pc), with reachability and back edges derived by isa.cfg."""
  blocks = [BasicBlock(b, b, b + 1, [b]) for b in range(n)]
  return to_json(CFG(blocks, [Edge(s, d, k) for s, d, k in edges], entry))


def random_cfg(n: int, seed: int) -> dict:
  """Chaotic, a stress test: branches anywhere near or far, so many irreducible cycles, self-loops,
  cbranches to the next block (two edges), and dead fragments after every s_endpgm or jump."""
  rng = random.Random(seed)
  edges = []
  for b in range(n - 1):
    r = rng.random()
    if r < 0.06: continue                                       # s_endpgm: what follows may be dead
    target = min(n - 1, max(0, b + rng.choice([-1, 1]) * int(rng.expovariate(0.25)) + rng.choice([0, 1])))
    if r < 0.16: target = rng.randrange(n)                      # far anywhere
    if r < 0.40: edges.append((b, b + 1, FT))
    elif r < 0.88: edges += [(b, target, TAKEN), (b, b + 1, FT)]
    else: edges.append((b, target, JUMP))
  return make_cfg(n, edges)


def structured_cfg(n: int, seed: int) -> dict:
  """Compiler-like, about n blocks: sequences of straight code, if/else, loops with early exits,
  a few gotos (irreducible when they land inside a loop) and dead code after an s_endpgm."""
  rng = random.Random(seed)
  edges, falls, count = [], set(), [0]
  def block(falls_through=True):
    b = count[0]; count[0] += 1
    if falls_through: falls.add(b)
    return b
  def body(depth, exits):
    for _ in range(rng.randint(1, 6)):
      r = rng.random()
      if count[0] >= n: return
      if r < 0.25 or depth > 6:                        # straight code, most of it skipping a little (execz)
        b = block()
        if rng.random() < 0.7: edges.append((b, b + rng.randint(2, 8), TAKEN))
      elif r < 0.60:                                   # if/else: cbranch over the then-part, jump over the else
        c = block(); body(depth + 1, exits); j = block(False); else_at = count[0]
        body(depth + 1, exits); edges.extend([(c, else_at, TAKEN), (j, count[0], JUMP)])
      elif r < 0.80:                                   # loop: latch branches back to the header
        head, loop_exits = count[0], []
        body(depth + 1, loop_exits); latch = block()
        edges.append((latch, head, TAKEN)); edges.extend((b, count[0], TAKEN) for b in loop_exits)
      elif r < 0.90 and exits is not None: exits.append(block())      # break
      elif r < 0.95: edges.append((block(), max(0, count[0] + rng.randint(-60, 20)), TAKEN))  # goto
      else:                                            # early s_endpgm, skipped over; dead code after it
        c = block(); block(False); block(); edges.append((c, count[0], TAKEN))
  while count[0] < n: body(0, None)
  edges = [(s, d, k) for s, d, k in edges if d < count[0]] + [(b, b + 1, FT) for b in sorted(falls) if b + 1 < count[0]]
  return make_cfg(count[0], sorted(edges, key=lambda e: (e[0], e[2] == FT)))


def sizes_for(cfg: dict, seed: int = 0) -> dict:
  rng = random.Random(seed)
  return {b["id"]: (rng.randrange(60, 400), rng.randrange(24, 300)) for b in cfg["blocks"]}


# ---- invariant checks ---------------------------------------------------------------------------

def boxes(result):
  return {n["id"]: n for n in result["nodes"]}


def check_nodes(cfg, sizes, result):
  nodes = result["nodes"]
  assert [n["id"] for n in nodes] == [b["id"] for b in cfg["blocks"]]
  for n in nodes:
    assert (n["w"], n["h"]) == tuple(map(float, sizes[n["id"]]))
    assert n["x"] >= 0 and n["y"] >= 0 and n["x"] + n["w"] <= result["width"] and n["y"] + n["h"] <= result["height"]
  by_layer = {}
  for n in nodes: by_layer.setdefault(n["layer"], []).append(n)
  layers = sorted(by_layer)
  for l in layers:                          # within a layer: disjoint x intervals, same top
    row = sorted(by_layer[l], key=lambda n: n["x"])
    assert len({n["y"] for n in row}) == 1
    for a, b in zip(row, row[1:]): assert a["x"] + a["w"] < b["x"], (a, b)
  for a, b in zip(layers, layers[1:]):      # layers stacked without overlapping: so no box overlaps another
    assert max(n["y"] + n["h"] for n in by_layer[a]) < min(n["y"] for n in by_layer[b])


def check_all_pairs_disjoint(result):
  ns = result["nodes"]
  for i, a in enumerate(ns):
    for b in ns[i + 1:]:
      assert (a["x"] + a["w"] <= b["x"] or b["x"] + b["w"] <= a["x"] or
              a["y"] + a["h"] <= b["y"] or b["y"] + b["h"] <= a["y"]), (a, b)


def segments(points):
  return list(zip(points, points[1:]))


class BoxIndex:
  """Boxes by layer, to find those a segment passes through without testing all of them."""
  def __init__(self, result):
    rows = {}
    for n in result["nodes"]: rows.setdefault(n["y"], []).append(n)
    self.tops = sorted(rows)
    self.rows = [sorted(rows[t], key=lambda n: n["x"]) for t in self.tops]
    self.xs = [[n["x"] for n in row] for row in self.rows]

  def hit(self, a, b):
    """A box whose interior the segment a-b enters, or None."""
    x0, x1 = sorted((a[0], b[0]))
    y0, y1 = sorted((a[1], b[1]))
    for r in range(bisect_right(self.tops, y1) - 1, -1, -1):
      row = self.rows[r]
      if max(n["y"] + n["h"] for n in row) <= y0: break    # layers are stacked: none further up reaches
      for n in row[max(0, bisect_left(self.xs[r], x0) - 1):bisect_right(self.xs[r], x1)]:
        if x0 < n["x"] + n["w"] and n["x"] < x1 and y0 < n["y"] + n["h"] and n["y"] < y1: return n
    return None


def check_edges(cfg, result):
  bx, index = boxes(result), BoxIndex(result)
  assert [(e["from"], e["to"], e["kind"], e["back"]) for e in result["edges"]] == \
         [(e["from"], e["to"], e["kind"], e["back"]) for e in cfg["edges"]]
  for e in result["edges"]:
    pts, s, d = e["points"], bx[e["from"]], bx[e["to"]]
    assert len(pts) >= 2
    (x0, y0), (x1, y1) = pts[0], pts[-1]
    assert y0 == s["y"] + s["h"] and s["x"] < x0 < s["x"] + s["w"], (e, s)     # leaves the source's bottom
    assert y1 == d["y"] and d["x"] < x1 < d["x"] + d["w"], (e, d)              # enters the target's top
    assert pts[1][1] > y0 and pts[-2][1] < y1                                  # downward out, downward in
    for a, b in segments(pts):
      assert (a[0] == b[0]) != (a[1] == b[1]), e                               # orthogonal, no zero-length piece
      assert index.hit(a, b) is None, (e, a, b, index.hit(a, b))


def check_no_shared_segments(result):
  """Two edges never run along the same line over more than a point (each has its own track/lane)."""
  horiz, vert = {}, {}
  for k, e in enumerate(result["edges"]):
    for a, b in segments(e["points"]):
      if a[1] == b[1]: horiz.setdefault(a[1], []).append((min(a[0], b[0]), max(a[0], b[0]), k))
      else: vert.setdefault(a[0], []).append((min(a[1], b[1]), max(a[1], b[1]), k))
  for lines in (horiz, vert):
    for line in lines.values():
      line.sort()
      for i, (lo, hi, k) in enumerate(line):
        for lo2, hi2, k2 in line[i + 1:]:
          if lo2 >= hi: break
          assert k == k2, ("edges share a segment", result["edges"][k], result["edges"][k2])


def check_layers(cfg, result):
  """Non-back edges point down, except ones closing a cycle the back flags leave (irreducible)."""
  layer = {n["id"]: n["layer"] for n in result["nodes"]}
  succ = {}
  for e in cfg["edges"]:
    if not e["back"]: succ.setdefault(e["from"], []).append(e["to"])
  def reaches(a, b):
    seen, stack = {a}, [a]
    while stack:
      for c in succ.get(stack.pop(), []):
        if c == b: return True
        if c not in seen: seen.add(c); stack.append(c)
    return False
  for e in cfg["edges"]:
    s, d = e["from"], e["to"]
    if e["back"]: assert layer[d] <= layer[s]
    elif layer[d] <= layer[s]: assert reaches(d, s), e


def check(cfg, sizes, result, all_pairs=False):
  check_nodes(cfg, sizes, result)
  if all_pairs: check_all_pairs_disjoint(result)
  check_edges(cfg, result)
  check_no_shared_segments(result)
  check_layers(cfg, result)


def laid_out(n, edges, sizes=None, **kw):
  cfg = make_cfg(n, edges)
  sizes = sizes or {b: (120, 40) for b in range(n)}
  r = layout(cfg, sizes, **kw)
  check(cfg, sizes, r, all_pairs=True)
  return cfg, r, boxes(r)


def center(n):
  return n["x"] + n["w"] / 2


def test_checks_catch_bad_geometry():
  cfg, r, bx = laid_out(3, [(0, 1, FT), (1, 2, FT)])
  (x, y), _ = r["edges"][0]["points"]
  through = {**r, "edges": [{**r["edges"][1], "points": [[x, y], [x, bx[2]["y"]]]}]}  # 0 -> 2 straight through 1
  assert BoxIndex(through).hit(*through["edges"][0]["points"]) is bx[1]
  shared = {**r, "edges": [r["edges"][0], {**r["edges"][0], "to": 9}]}
  with pytest.raises(AssertionError): check_no_shared_segments(shared)


# ---- hand-made graphs ---------------------------------------------------------------------------

def test_straight_line():
  _, r, bx = laid_out(5, [(b, b + 1, FT) for b in range(4)], {b: (100 + 30 * b, 40) for b in range(5)})
  assert len({center(bx[b]) for b in range(5)}) == 1
  assert [bx[b]["layer"] for b in range(5)] == list(range(5))
  assert all(bx[b]["y"] < bx[b + 1]["y"] for b in range(4))
  assert all(len(e["points"]) == 2 for e in r["edges"])                      # straight down


def test_if_else_diamond():
  # 0: cbranch -> 2 (else), falls to 1 (then); 1: jump -> 3; 2 falls into 3 (join)
  cfg, r, bx = laid_out(4, [(0, 2, TAKEN), (0, 1, FT), (1, 3, JUMP), (2, 3, FT)])
  assert bx[1]["layer"] == bx[2]["layer"] == 1 and bx[3]["layer"] == 2
  assert bx[1]["y"] == bx[2]["y"] and (bx[1]["x"] + bx[1]["w"] < bx[2]["x"] or bx[2]["x"] + bx[2]["w"] < bx[1]["x"])
  assert center(bx[0]) == center(bx[1]) and center(bx[2]) == center(bx[3])  # fall-through straight down
  edge = {(e["from"], e["to"]): e for e in r["edges"]}
  assert len(edge[0, 1]["points"]) == 2 and len(edge[0, 2]["points"]) == 4    # taken goes to the side


def test_loop_back_edge_goes_around():
  # 0 -> 1 (header) -> 2 -> 3 (latch: cbranch back to 1) -> 4
  cfg, r, bx = laid_out(5, [(0, 1, FT), (1, 2, FT), (2, 3, FT), (3, 1, TAKEN), (3, 4, FT)])
  (back,) = [e for e in r["edges"] if e["back"]]
  assert (back["from"], back["to"]) == (3, 1)
  assert len({center(bx[b]) for b in range(5)}) == 1                          # the body stays straight
  pts = back["points"]
  lane = [(a, b) for a, b in segments(pts) if a[0] == b[0] and b[1] < a[1]]   # vertical pieces going up
  assert lane and max(a[1] - b[1] for a, b in lane) > bx[3]["y"] + bx[3]["h"] - bx[1]["y"] - 1
  (x, _), _ = max(lane, key=lambda ab: ab[0][1] - ab[1][1])
  assert all(x < bx[b]["x"] or x > bx[b]["x"] + bx[b]["w"] for b in range(5))  # beside the boxes


def test_nested_loops_get_separate_lanes():
  # 0 -> 1 (outer header) -> 2 (inner header) -> 3 (inner latch -> 2) -> 4 (outer latch -> 1) -> 5
  cfg, r, bx = laid_out(6, [(0, 1, FT), (1, 2, FT), (2, 3, FT), (3, 2, TAKEN), (3, 4, FT), (4, 1, TAKEN), (4, 5, FT)])
  backs = [e for e in r["edges"] if e["back"]]
  assert sorted((e["from"], e["to"]) for e in backs) == [(3, 2), (4, 1)]
  def lane_x(e):
    a, b = max(((a, b) for a, b in segments(e["points"]) if a[0] == b[0]), key=lambda ab: abs(ab[0][1] - ab[1][1]))
    return a[0]
  assert lane_x(backs[0]) != lane_x(backs[1])
  assert [bx[b]["layer"] for b in range(6)] == list(range(6))


def test_self_loop():
  cfg, r, bx = laid_out(3, [(0, 1, FT), (1, 1, TAKEN), (1, 2, FT)])
  (e,) = [e for e in r["edges"] if e["from"] == e["to"]]
  assert e["back"] and len(e["points"]) == 6


def test_irreducible():
  # 0 branches into the middle of the 1 <-> 2 cycle at both places: neither dominates the other
  cfg, r, bx = laid_out(4, [(0, 2, TAKEN), (0, 1, FT), (1, 2, FT), (2, 1, TAKEN), (2, 3, FT)])
  assert not any(e["back"] for e in cfg["edges"])
  assert bx[0]["layer"] == 0 and bx[3]["layer"] > max(bx[1]["layer"], bx[2]["layer"])
  assert bx[1]["layer"] != bx[2]["layer"]


def test_unreachable_blocks():
  # after an s_endpgm in 2: dead 3 and 4, 4 jumping back into live 1; dead 5 and 6 lead nowhere live
  cfg, r, bx = laid_out(7, [(0, 1, FT), (1, 2, FT), (3, 4, FT), (4, 1, JUMP), (5, 6, FT)])
  assert [b["reachable"] for b in cfg["blocks"]] == [True] * 3 + [False] * 4
  assert bx[4]["layer"] == bx[1]["layer"] - 1 and bx[3]["layer"] == bx[4]["layer"] - 1   # right above where it leads
  assert not any(len(e["points"]) > 4 for e in r["edges"])                               # so no lane around
  assert bx[5]["layer"] > max(bx[b]["layer"] for b in range(5)) and bx[6]["layer"] == bx[5]["layer"] + 1


def test_multi_edges_and_wide_fanout():
  # a cbranch to the next block gives two edges between the same pair; a switch-like fan-out
  edges = [(0, 1, TAKEN), (0, 1, FT)] + [(1, t, TAKEN) for t in range(2, 8)] + [(t, 8, JUMP) for t in range(2, 8)]
  laid_out(9, edges)


def test_empty_and_single():
  assert layout({"blocks": [], "edges": []}, {})["nodes"] == []
  _, r, bx = laid_out(1, [])
  assert r["edges"] == [] and bx[0]["layer"] == 0


def test_sizes_by_string_key_and_default():
  cfg = make_cfg(2, [(0, 1, FT)])
  r = layout(cfg, {"0": (50, 20)})
  assert (r["nodes"][0]["w"], r["nodes"][0]["h"]) == (50, 20) and r["nodes"][1]["w"] > 0


def test_block_sizes():
  """Each box holds its head line (the label, and the counts when traced) and its instructions' lines."""
  cfg = {"blocks": [{"id": 0, "start": 0, "pcs": [0, 4]}, {"id": 8, "start": 8, "pcs": [8]}], "edges": []}
  s = block_sizes(cfg, {0: "s_mov_b32 s0, 0", 4: "s_endpgm", 8: "v_nop"}, char_w=10, line_h=20, pad=5)
  assert s == {0: (15 * 10 + 10, 3 * 20 + 10), 8: (5 * 10 + 10, 2 * 20 + 10)}      # "BB_8" is shorter than "v_nop"
  assert block_sizes(cfg, {"0": "abc"})[0][0] == 4 * 7.2 + 16                        # "BB_0" is longer than "abc"
  traced = {"blocks": [{"id": 0, "start": 0, "pcs": [0], "hits": 10, "cycles": 12345}], "edges": []}
  assert block_sizes(traced, {0: "v_nop"}, char_w=1, pad=0)[0][0] == len("BB_0 · 10 hits · 12345 cycles")


def test_deterministic():
  cfg = random_cfg(300, seed=7)
  sizes = sizes_for(cfg)
  assert json.dumps(layout(cfg, sizes)) == json.dumps(layout(json.loads(json.dumps(cfg)), dict(sizes)))


# ---- random and real graphs ---------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(12))
def test_random_cfgs(seed):
  cfg = random_cfg(random.Random(seed).randrange(2, 120), seed)
  sizes = sizes_for(cfg, seed)
  check(cfg, sizes, layout(cfg, sizes), all_pairs=True)


@pytest.mark.parametrize("seed", range(12))
def test_structured_cfgs(seed):
  cfg = structured_cfg(random.Random(seed).randrange(2, 300), seed)
  sizes = sizes_for(cfg, seed)
  check(cfg, sizes, layout(cfg, sizes), all_pairs=True)


def timed_layout(cfg, sizes, what: str, report) -> dict:
  """layout() with its time in the measured summary (no timing assertion: a benchmark number, not a test)."""
  t = time.perf_counter()
  r = layout(cfg, sizes)
  report(f"layout: {what}, {len(cfg['blocks'])} blocks / {len(cfg['edges'])} edges in {time.perf_counter() - t:.2f} s")
  return r


def test_big_random_cfg(report):
  cfg = structured_cfg(5000, seed=2024)
  sizes = sizes_for(cfg)
  check(cfg, sizes, timed_layout(cfg, sizes, "structured random CFG", report))


@pytest.mark.parametrize("path", REAL_CAPTURES, ids=[f"{p.parent.name}/{p.stem}" for p in REAL_CAPTURES])
def test_real_captures(path):
  from viz.api import Workspace
  for kv in Workspace.open(path).kernels:
    cfg = to_json(kv.cfg)
    sizes = block_sizes(cfg, {i.pc: i.text for i in kv.instructions})
    r = layout(cfg, sizes)
    check(cfg, sizes, r, all_pairs=True)
    assert r == layout(cfg, sizes)


@pytest.mark.skipif(not (shutil.which("clang-19") and shutil.which("llvm-objdump-19")), reason="needs clang-19")
def test_compiled_kernel(tmp_path, report):
  """A real compiler CFG: benchmarks/make_big_kernel.py's unrolled kernel (execz skips, if/else chains)."""
  from benchmarks.make_big_kernel import build_big_kernel
  from viz.api import Workspace
  kv = Workspace.open(build_big_kernel(tmp_path / "big.hsaco", target_insts=20000)).kernels[0]
  cfg = to_json(kv.cfg)
  sizes = block_sizes(cfg, {i.pc: i.text for i in kv.instructions})
  r = timed_layout(cfg, sizes, f"compiled kernel, {len(kv.instructions)} instructions", report)
  check(cfg, sizes, r)
  ft = [e for e in r["edges"] if e["kind"] == FT]
  assert sum(len(e["points"]) == 2 for e in ft) >= 0.9 * len(ft)       # fall-through drawn straight down
