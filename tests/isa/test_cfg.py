"""Basic-block CFG: shapes built from synthetic instruction lists, plus random-program invariants."""
import random
import time

import pytest
from hypothesis import given, settings, strategies as st

from isa.cfg import build_cfg, to_json
from isa.instruction import Instruction

FLOW_OF = {"s_branch": "branch", "s_cbranch_scc1": "cbranch", "s_cbranch_execz": "cbranch",
           "s_endpgm": "end", "s_setpc_b64": "indirect", "s_swappc_b64": "call", "s_call_b64": "call", "s_trap": "trap"}


def op(mnemonic="s_nop", to=None, size=4, target_pc=None):
  """One instruction spec; `to` is a branch target given as an instruction index."""
  return dict(mnemonic=mnemonic, to=to, size=size, target_pc=target_pc)


def program(*specs, base=0x100):
  pcs, pc = [], base
  for s in specs:
    pcs.append(pc)
    pc += s["size"]
  out = []
  for pc, s in zip(pcs, specs):
    target = pcs[s["to"]] if s["to"] is not None else s["target_pc"]
    words = (0,) * (s["size"] // 4)
    out.append(Instruction(pc=pc, words=words, mnemonic=s["mnemonic"], text=s["mnemonic"],
                           target=target, flow=FLOW_OF.get(s["mnemonic"], "")))
  return out


def shape(cfg):
  """Edges as (src, dst, kind, back) with pcs; blocks as their pc lists."""
  return [b.pcs for b in cfg.blocks], [(e.src, e.dst, e.kind, e.back) for e in cfg.edges]


def test_straight_line():
  insts = program(op(), op(size=8), op(), op("s_endpgm"))
  cfg = build_cfg(insts)
  assert [(b.id, b.start, b.end, b.pcs) for b in cfg.blocks] == [(0x100, 0x100, 0x114, [0x100, 0x104, 0x10C, 0x110])]
  assert cfg.edges == [] and cfg.entry == 0x100 and cfg.loops() == []
  assert to_json(cfg) == {"blocks": [{"id": 0x100, "start": 0x100, "end": 0x114,
                                      "pcs": [0x100, 0x104, 0x10C, 0x110], "reachable": True}], "edges": []}


def test_diamond():
  insts = program(op(), op("s_cbranch_scc1", to=4), op(size=8), op("s_branch", to=5),
                  op(), op(), op("s_endpgm"))
  cfg = build_cfg(insts)
  a, c, e, j = 0x100, 0x108, 0x114, 0x118
  assert [b.id for b in cfg.blocks] == [a, c, e, j]
  assert shape(cfg)[1] == [(a, e, "taken", False), (a, c, "fallthrough", False),
                           (c, j, "jump", False), (e, j, "fallthrough", False)]
  assert cfg.successors(a) == [e, c] and sorted(cfg.predecessors(j)) == [c, e]
  assert cfg.idom == {a: a, c: a, e: a, j: a}
  assert to_json(cfg)["edges"][0] == {"from": a, "to": e, "kind": "taken", "back": False}


def test_counted_loop():
  insts = program(op("s_mov_b32"), op("s_add_u32"), op("s_cmp_lg_u32"), op("s_cbranch_scc1", to=1),
                  op("s_endpgm"))
  cfg = build_cfg(insts)
  assert [b.pcs for b in cfg.blocks] == [[0x100], [0x104, 0x108, 0x10C], [0x110]]
  assert shape(cfg)[1] == [(0x100, 0x104, "fallthrough", False), (0x104, 0x104, "taken", True),
                           (0x104, 0x110, "fallthrough", False)]
  assert cfg.loops() == [(0x104, frozenset({0x104}))]


def test_nested_loops():
  # 0 init | 1 outer: | 2 inner: | 3 cbranch inner | 4 cbranch outer | 5 end
  insts = program(op(), op(), op(), op("s_cbranch_scc1", to=2), op("s_cbranch_scc1", to=1), op("s_endpgm"))
  cfg = build_cfg(insts)
  assert [b.id for b in cfg.blocks] == [0x100, 0x104, 0x108, 0x110, 0x114]
  assert {(e.src, e.dst) for e in cfg.edges if e.back} == {(0x108, 0x108), (0x110, 0x104)}
  assert cfg.loops() == [(0x104, frozenset({0x104, 0x108, 0x110})), (0x108, frozenset({0x108}))]


def test_loop_header_is_entry():
  insts = program(op(), op("s_cbranch_scc1", to=0), op("s_endpgm"))
  cfg = build_cfg(insts)
  assert shape(cfg)[1] == [(0x100, 0x100, "taken", True), (0x100, 0x108, "fallthrough", False)]
  assert cfg.loops() == [(0x100, frozenset({0x100}))]


def test_branch_to_self():
  insts = program(op(), op("s_branch", to=1), op("s_endpgm"))
  cfg = build_cfg(insts)
  assert shape(cfg) == ([[0x100], [0x104], [0x108]],
                        [(0x100, 0x104, "fallthrough", False), (0x104, 0x104, "jump", True)])
  assert cfg.loops() == [(0x104, frozenset({0x104}))]
  assert not cfg.block(0x108).reachable


def test_unreachable_tail_after_endpgm():
  insts = program(op(), op("s_endpgm"), op("s_code_end"), op("s_code_end"), op("s_code_end"))
  cfg = build_cfg(insts)
  assert [(b.pcs, b.reachable) for b in cfg.blocks] == [([0x100, 0x104], True),
                                                        ([0x108, 0x10C, 0x110], False)]
  assert cfg.edges == [] and 0x108 not in cfg.idom
  assert to_json(cfg)["blocks"][1]["reachable"] is False


def test_branch_into_middle_splits_block():
  insts = program(op(), op(), op(size=8), op(), op("s_cbranch_scc1", to=2), op("s_endpgm"))
  cfg = build_cfg(insts)
  assert [b.pcs for b in cfg.blocks] == [[0x100, 0x104], [0x108, 0x110, 0x114], [0x118]]
  assert shape(cfg)[1][0] == (0x100, 0x108, "fallthrough", False)  # split, not a branch
  assert cfg.block_of(0x10C).id == 0x108 and cfg.block_of(0x104).id == 0x100
  with pytest.raises(KeyError):
    cfg.block_of(0x11C)
  with pytest.raises(KeyError):
    cfg.block_of(0xFC)


def test_target_outside_range_or_misaligned():
  insts = program(op(), op("s_cbranch_scc1", target_pc=0x4000), op(size=8),
                  op("s_branch", target_pc=0x10C), op("s_endpgm"))  # 0x10C: second word of the 8-byte op
  cfg = build_cfg(insts)
  assert cfg.external_targets == {0x104: 0x4000, 0x110: 0x10C}
  assert shape(cfg) == ([[0x100, 0x104], [0x108, 0x110], [0x114]],
                        [(0x100, 0x108, "fallthrough", False)])
  assert [b.reachable for b in cfg.blocks] == [True, True, False]


def test_setpc_has_no_successors():
  insts = program(op(), op("s_setpc_b64"), op(), op("s_endpgm"))
  cfg = build_cfg(insts)
  assert [b.pcs for b in cfg.blocks] == [[0x100, 0x104], [0x108, 0x10C]]
  assert cfg.edges == [] and cfg.successors(0x100) == []
  assert not cfg.block(0x108).reachable


def test_trap_and_call_fall_through():
  insts = program(op(), op("s_swappc_b64"), op(), op("s_trap"), op("s_endpgm"))
  cfg = build_cfg(insts)
  assert shape(cfg) == ([[0x100, 0x104], [0x108, 0x10C], [0x110]],
                        [(0x100, 0x108, "fallthrough", False), (0x108, 0x110, "fallthrough", False)])
  assert all(b.reachable for b in cfg.blocks)


def test_call_target_is_a_leader_without_edge():
  insts = program(op(), op("s_call_b64", to=4), op("s_endpgm"), op(), op(), op("s_setpc_b64"),
                  op("s_call_b64", target_pc=0x8000))
  cfg = build_cfg(insts)
  assert [b.pcs for b in cfg.blocks] == [[0x100, 0x104], [0x108], [0x10C], [0x110, 0x114], [0x118]]
  assert shape(cfg)[1] == [(0x100, 0x108, "fallthrough", False),   # intraprocedural: no call edge,
                           (0x10C, 0x110, "fallthrough", False)]   # so the callee is unreachable
  assert [b.reachable for b in cfg.blocks] == [True, True, False, False, False]
  assert cfg.external_targets == {0x118: 0x8000}


def test_cbranch_to_next_keeps_both_edges():
  insts = program(op("s_cbranch_execz", to=1), op("s_endpgm"))
  cfg = build_cfg(insts)
  assert shape(cfg)[1] == [(0x100, 0x104, "taken", False), (0x100, 0x104, "fallthrough", False)]
  assert cfg.successors(0x100) == [0x104] and cfg.predecessors(0x104) == [0x100]


def test_irreducible_cycle():
  # entry branches into either B or C; B and C jump to each other: two entries into one cycle
  insts = program(op("s_cbranch_scc1", to=3),          # A
                  op(), op("s_cbranch_scc1", to=5),    # B -> D | C
                  op(), op("s_branch", to=1),          # C -> B
                  op("s_endpgm"))                      # D
  cfg = build_cfg(insts)
  a, b, c, d = 0x100, 0x104, 0x10C, 0x114
  assert [blk.id for blk in cfg.blocks] == [a, b, c, d]
  assert {(e.src, e.dst) for e in cfg.edges} == {(a, c), (a, b), (b, c), (b, d), (c, b)}
  assert not any(e.back for e in cfg.edges) and cfg.loops() == []
  assert cfg.idom == {a: a, b: a, c: a, d: b}


def test_explicit_entry_and_unsorted_input():
  insts = program(op(), op("s_endpgm"), op(), op("s_branch", to=0))
  cfg = build_cfg(list(reversed(insts)), entry=0x108)
  assert cfg.entry == 0x108 and [b.id for b in cfg.blocks] == [0x100, 0x108]
  assert all(b.reachable for b in cfg.blocks)
  with pytest.raises(ValueError):
    build_cfg(insts, entry=0x102)


def test_empty():
  cfg = build_cfg([])
  assert to_json(cfg) == {"blocks": [], "edges": []} and cfg.loops() == []


# ---- random programs ------------------------------------------------------------------------

MNEMONICS = ["s_nop"] * 6 + list(FLOW_OF)


@st.composite
def random_program(draw):
  n = draw(st.integers(1, 40))
  specs = []
  for _ in range(n):
    m = draw(st.sampled_from(MNEMONICS))
    size = draw(st.sampled_from([4, 4, 8]))
    if m in ("s_branch", "s_cbranch_scc1", "s_cbranch_execz", "s_call_b64"):
      if draw(st.integers(0, 9)) == 0:      # now and then: outside the listing or mid-instruction
        specs.append(op(m, size=size, target_pc=draw(st.sampled_from([0x0, 0x102, 0x100000]))))
      else:
        specs.append(op(m, size=size, to=draw(st.integers(0, n - 1))))
    else:
      specs.append(op(m, size=size))
  insts = program(*specs)
  entry = insts[draw(st.integers(0, n - 1))].pc if draw(st.booleans()) else None
  return insts, entry


def expected_out_edges(last, pcs):
  nxt = last.pc + last.size
  out = set()
  if last.flow in ("branch", "cbranch") and last.target in pcs:
    out.add((last.target, "jump" if last.flow == "branch" else "taken"))
  if last.flow in ("", "cbranch", "call", "trap") and nxt in pcs:
    out.add((nxt, "fallthrough"))
  return out


def reachable_from(root, succ, removed=None):
  seen, stack = {root}, [root]
  if root == removed:
    return set()
  while stack:
    for s in succ[stack.pop()]:
      if s not in seen and s != removed:
        seen.add(s)
        stack.append(s)
  return seen


@settings(max_examples=300, deadline=None)
@given(random_program())
def test_random_invariants(prog):
  insts, entry = prog
  cfg = build_cfg(insts, entry)
  by_pc = {i.pc: i for i in insts}
  ids = [b.id for b in cfg.blocks]

  # blocks partition the instructions exactly, in order
  assert [pc for b in cfg.blocks for pc in b.pcs] == [i.pc for i in insts]
  assert ids == sorted(ids) and all(b.id == b.start == b.pcs[0] for b in cfg.blocks)
  for b in cfg.blocks:
    last = by_pc[b.pcs[-1]]
    assert b.end == last.pc + last.size
    assert all(by_pc[pc].flow == "" for pc in b.pcs[:-1])     # control flow only at block ends
    assert all(cfg.block_of(pc) is b for pc in b.pcs)
  targets = {i.target for i in insts if i.flow in ("branch", "cbranch", "call")}
  assert not targets & {pc for b in cfg.blocks for pc in b.pcs[1:]}  # targets start blocks

  # edges: endpoints are blocks; the last instruction alone determines them
  assert all(e.src in cfg.block(e.src).pcs and e.dst in ids for e in cfg.edges)
  for b in cfg.blocks:
    got = {(e.dst, e.kind) for e in cfg.edges if e.src == b.id}
    assert got == expected_out_edges(by_pc[b.pcs[-1]], by_pc)
  assert set(cfg.external_targets.items()) == {(i.pc, i.target) for i in insts
                                               if i.flow in ("branch", "cbranch", "call")
                                               and i.target is not None and i.target not in by_pc}

  # reachability, dominators and back edges against brute force (v dom u iff removing v cuts u off)
  succ = {b: cfg.successors(b) for b in ids}
  reach = reachable_from(cfg.entry, succ)
  assert {b.id for b in cfg.blocks if b.reachable} == reach == set(cfg.idom)
  dom = {v: {u for u in reach if u not in reachable_from(cfg.entry, succ, removed=v)} for v in reach}
  for u in reach:
    for v in reach:
      assert cfg.dominates(v, u) == (u in dom[v])
  for e in cfg.edges:
    assert e.back == (e.src in reach and e.src in dom[e.dst])
  for header, body in cfg.loops():
    assert any(e.back and e.dst == header for e in cfg.edges)
    assert all(header in cfg.idom and cfg.dominates(header, b) for b in body)
  assert to_json(cfg)["edges"] == [{"from": e.src, "to": e.dst, "kind": e.kind, "back": e.back}
                                   for e in cfg.edges]


# ---- size -----------------------------------------------------------------------------------

def big_program(n, seed=1):
  """A kernel-like body: runs of ALU ops, forward ifs, backward loops, calls, one s_endpgm, padding."""
  rng = random.Random(seed)
  specs = []
  for k in range(n - 64):
    r = rng.random()
    if r < 0.04:
      specs.append(op("s_cbranch_scc1", to=min(k + rng.randint(2, 40), n - 65)))
    elif r < 0.06:
      specs.append(op("s_cbranch_execz", to=max(k - rng.randint(1, 200), 0)))
    elif r < 0.07:
      specs.append(op("s_branch", to=min(k + rng.randint(1, 30), n - 65)))
    elif r < 0.072:
      specs.append(op("s_swappc_b64"))
    else:
      specs.append(op("v_add_f32", size=rng.choice([4, 4, 8])))
  specs.append(op("s_endpgm"))
  specs += [op("s_code_end")] * 63
  return program(*specs)


def test_sixty_thousand_instructions():
  insts = big_program(60_000)
  t0 = time.perf_counter()
  cfg = build_cfg(insts)
  elapsed = time.perf_counter() - t0
  print(f"\nbuild_cfg: {len(insts)} instructions, {len(cfg.blocks)} blocks, {len(cfg.edges)} edges, "
        f"{len(cfg.loops())} loops in {elapsed * 1000:.1f} ms")
  assert sum(len(b.pcs) for b in cfg.blocks) == 60_000
  assert not cfg.blocks[-1].reachable and cfg.blocks[-1].pcs[0] == insts[-63].pc
