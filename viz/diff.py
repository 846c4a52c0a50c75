"""Trace diff: per instruction hits and cycles of kernel A and kernel B and the delta (B - A), for `amdviz diff` and
/api/diff. It reads only route bodies (/api/kernels, /disasm, /timing), so the numbers are /timing's own.

Instructions are matched by pc when the code is the same (the same words at the same pcs). Otherwise (a changed
kernel) the two instruction sequences are aligned by a global alignment (Needleman-Wunsch) that never pairs two
different mnemonics, costs nothing for a gap and scores a pair 5 for the same text (registers and constants kept; a
branch by its mnemonic alone, since its offset moves with any insertion), 2 for the same mnemonic with other
operands (a renamed register) and 1 for that of an instruction naming no register (s_delay_alu, s_waitcnt, s_nop:
such a pairing says little): the most identical instructions, then the most same-mnemonic pairs among the rest.
The common head and tail are matched first; a middle too big for one table (MAX_CELLS) is cut at difflib's
matching blocks (its junk heuristic on: fast on any kernel) and each gap between them aligned alone, a gap still
too big left unmatched. Unmatched instructions have the other side null; their delta counts the missing side as 0,
so the rows' deltas sum to the kernel's.

Kernels are paired by name (in order, for repeated names), the rest by order, unless named explicitly.
"""
from __future__ import annotations
from difflib import SequenceMatcher
from typing import Callable
import numpy as np
from viz.api import ApiError

SAME_TEXT, SAME_MNEMONIC, SAME_HINT = 5, 2, 1   # one identical instruction outweighs two pairs of mere mnemonics
MAX_CELLS = 4_000_000             # alignment table (int32) past which the middle is cut at difflib's anchors: 16 MB

Get = Callable[[str], dict]       # a route path -> its body (viz.api.route on a Workspace, or a server's cached answer)


def _key(i: dict) -> str:
  return i["mnemonic"] if i.get("target") is not None else i["text"]

def _nw(a_key, a_mn, b_key, b_mn, b_ms, off_a: int, off_b: int) -> list[tuple]:
  """The best global alignment of two short sequences (ids as numpy arrays; b_ms: what a same-mnemonic pair with each
  of B's instructions scores): [(ia, ib, how)], index None unmatched."""
  n, m = len(a_key), len(b_key)
  if not n or not m: return [(off_a + i, None, None) for i in range(n)] + [(None, off_b + j, None) for j in range(m)]
  H = np.zeros((n + 1, m + 1), np.int32)
  for i in range(1, n + 1):
    s = np.where(b_key == a_key[i - 1], SAME_TEXT, np.where(b_mn == a_mn[i - 1], b_ms, -(1 << 24)))
    # H[i][j] = max(diagonal + s, up, left); free gaps make "left" a running maximum along the row
    H[i, 1:] = np.maximum.accumulate(np.maximum(H[i - 1, 1:], H[i - 1, :-1] + s))
  out, i, j = [], n, m
  while i and j:
    if a_key[i - 1] == b_key[j - 1]: s = SAME_TEXT
    elif a_mn[i - 1] == b_mn[j - 1]: s = int(b_ms[j - 1])
    else: s = None
    if s is not None and H[i, j] == H[i - 1, j - 1] + s:
      i, j = i - 1, j - 1; out.append((off_a + i, off_b + j, "text" if s == SAME_TEXT else "mnemonic"))
    elif H[i, j] == H[i - 1, j]: i -= 1; out.append((off_a + i, None, None))
    else: j -= 1; out.append((None, off_b + j, None))
  out += [(off_a + k, None, None) for k in reversed(range(i))] + [(None, off_b + k, None) for k in reversed(range(j))]
  return out[::-1]

def align(a: list[dict], b: list[dict]) -> list[tuple[int | None, int | None, str | None]]:
  """Instructions of A and B (disasm rows) in a common order: (index in A or None, index in B or None, how matched:
  "text", "mnemonic" or None). Unmatched runs list A's instructions before B's, as a unified diff does."""
  ids: dict[str, int] = {}
  ka = np.array([ids.setdefault(_key(i), len(ids)) for i in a], np.int64)
  kb = np.array([ids.setdefault(_key(i), len(ids)) for i in b], np.int64)
  ma = np.array([ids.setdefault("\0" + i["mnemonic"], len(ids)) for i in a], np.int64)
  mb = np.array([ids.setdefault("\0" + i["mnemonic"], len(ids)) for i in b], np.int64)
  sb = np.array([SAME_MNEMONIC if i["reads"] or i["writes"] else SAME_HINT for i in b], np.int64)
  n, m = len(a), len(b)
  head = 0
  while head < min(n, m) and ka[head] == kb[head]: head += 1
  tail = 0
  while tail < min(n, m) - head and ka[n - 1 - tail] == kb[m - 1 - tail]: tail += 1
  lo_a, hi_a, lo_b, hi_b = head, n - tail, head, m - tail
  rows = [(k, k, "text") for k in range(head)]
  # (gap in A, gap in B, then a matched run of `size`): the whole middle, or the gaps between difflib's matching blocks
  spans = [(lo_a, hi_a, lo_b, hi_b, 0)]
  if (hi_a - lo_a) * (hi_b - lo_b) > MAX_CELLS:
    blocks = SequenceMatcher(None, ka[lo_a:hi_a].tolist(), kb[lo_b:hi_b].tolist()).get_matching_blocks()
    spans, pa, pb = [], lo_a, lo_b
    for x, y, size in blocks:
      spans.append((pa, lo_a + x, pb, lo_b + y, size))
      pa, pb = lo_a + x + size, lo_b + y + size
  for a0, a1, b0, b1, size in spans:
    if (a1 - a0) * (b1 - b0) > MAX_CELLS:          # still too big: left unmatched
      rows += [(k, None, None) for k in range(a0, a1)] + [(None, k, None) for k in range(b0, b1)]
    else: rows += _nw(ka[a0:a1], ma[a0:a1], kb[b0:b1], mb[b0:b1], sb[b0:b1], a0, b0)
    rows += [(a1 + k, b1 + k, "text") for k in range(size)]
  rows += [(n - tail + k, m - tail + k, "text") for k in range(tail)]
  out, run = [], []                                # each unmatched run: A's rows, then B's
  for r in rows + [None]:
    if r is not None and r[2] is None: run.append(r); continue
    out += sorted(run, key=lambda x: x[0] is None); run = []
    if r is not None: out.append(r)
  return out


def _measured(timing: dict) -> dict[int, dict] | None:
  """pc -> timing row; None when the kernel has no instruction timing (not traced, or no wave on a traced SIMD)."""
  return {r["pc"]: r for r in timing["instructions"]} if timing["traced"] and timing["waves"] > 0 else None

def diff_kernel(disasm_a: dict, timing_a: dict, disasm_b: dict, timing_b: dict) -> dict:
  """The diff of two kernels from their /disasm and /timing bodies: matched_by ("pc" or "alignment"), per side whether
  it was measured and its instruction-traced waves, totals, and per instruction (in program order) pc_a, pc_b, text
  (B's, else A's; text_a: A's when it differs), hits_a/b, cycles_a/b (cycles_total; null on the side without the
  instruction or without timing), delta (B - A; null unless both kernels are measured) and matched_by ("pc", "text",
  "mnemonic" or null: unmatched)."""
  ia, ib = disasm_a["instructions"], disasm_b["instructions"]
  same = [(i["pc"], i["hex"]) for i in ia] == [(i["pc"], i["hex"]) for i in ib]
  pairs = [(k, k, "pc") for k in range(len(ia))] if same else align(ia, ib)
  ta, tb = _measured(timing_a), _measured(timing_b)
  both = ta is not None and tb is not None
  rows, tot = [], {"hits_a": 0, "hits_b": 0, "cycles_a": 0, "cycles_b": 0}
  for ka, kb, how in pairs:
    x, y = ia[ka] if ka is not None else None, ib[kb] if kb is not None else None
    rx = ta.get(x["pc"]) if x is not None and ta is not None else None
    ry = tb.get(y["pc"]) if y is not None and tb is not None else None
    ca, cb = rx["cycles_total"] if rx else None, ry["cycles_total"] if ry else None
    row = {"pc_a": x["pc"] if x else None, "pc_b": y["pc"] if y else None, "text": (y or x)["text"],
           "hits_a": rx["hits"] if rx else None, "hits_b": ry["hits"] if ry else None, "cycles_a": ca, "cycles_b": cb,
           "delta": (cb or 0) - (ca or 0) if both else None, "matched_by": how}
    if x is not None and y is not None and x["text"] != y["text"]: row["text_a"] = x["text"]
    for side, r in (("a", rx), ("b", ry)):
      if r: tot[f"hits_{side}"] += r["hits"]; tot[f"cycles_{side}"] += r["cycles_total"]
    rows.append(row)
  for side, t in (("a", ta), ("b", tb)):
    if t is None: tot[f"hits_{side}"] = tot[f"cycles_{side}"] = None
  tot["delta"] = tot["cycles_b"] - tot["cycles_a"] if both else None
  return {"matched_by": "pc" if same else "alignment", "measured_a": ta is not None, "measured_b": tb is not None,
          "waves_a": timing_a["waves"], "waves_b": timing_b["waves"], "totals": tot,
          "matched": sum(1 for r in rows if r["matched_by"]), "only_a": sum(1 for r in rows if r["pc_b"] is None),
          "only_b": sum(1 for r in rows if r["pc_a"] is None), "instructions": rows}


def pair_kernels(ka: list[dict], kb: list[dict], kernel_a: int | None = None, kernel_b: int | None = None) -> list[tuple[int, int]]:
  """(A id, B id) pairs from two /api/kernels lists: both named, that pair; one named, its partner by name in the
  other, else the same id; none, every kernel by name (repeated names in order), the rest by order."""
  if kernel_a is not None or kernel_b is not None:
    def partner(k: int, mine: list[dict], other: list[dict]) -> int:
      if not 0 <= k < len(mine): raise LookupError(f"no kernel {k} (that capture has {len(mine)})")
      return next((o["id"] for o in other if o["name"] == mine[k]["name"]), k)
    a = kernel_a if kernel_a is not None else partner(kernel_b, kb, ka)
    b = kernel_b if kernel_b is not None else partner(kernel_a, ka, kb)
    for k, ks, side in ((a, ka, "A"), (b, kb, "B")):
      if not 0 <= k < len(ks): raise LookupError(f"no kernel {k} in {side} (it has {len(ks)})")
    return [(a, b)]
  left, pairs = [k["id"] for k in kb], []
  unpaired = []
  for k in ka:
    j = next((j for j in left if kb[j]["name"] == k["name"]), None)
    if j is None: unpaired.append(k["id"])
    else: left.remove(j); pairs.append((k["id"], j))
  pairs += zip(unpaired, left)
  return sorted(pairs)


def diff_json(get_a: Get, get_b: Get, kernel_a: int | None = None, kernel_b: int | None = None) -> dict:
  """{"kernels": [{"a", "b", "name_a", "name_b", "problem", **diff_kernel}]} of two captures, given as route getters
  (see pair_kernels for which kernels); kernels either side left unpaired are listed in unpaired_a / unpaired_b. A
  pair whose code cannot be read has its problem and no instructions."""
  ka, kb = get_a("/api/kernels")["kernels"], get_b("/api/kernels")["kernels"]
  try: pairs = pair_kernels(ka, kb, kernel_a, kernel_b)
  except LookupError as e: raise ApiError(404, str(e)) from None
  out = []
  for a, b in pairs:
    head = {"a": a, "b": b, "name_a": ka[a]["name"], "name_b": kb[b]["name"], "problem": None}
    try:
      body = diff_kernel(get_a(f"/api/kernels/{a}/disasm"), get_a(f"/api/kernels/{a}/timing"),
                         get_b(f"/api/kernels/{b}/disasm"), get_b(f"/api/kernels/{b}/timing"))
    except ApiError as e:
      if e.status != 422: raise
      out.append({**head, "problem": e.message, "instructions": []}); continue
    out.append({**head, **body})
  return {"kernels": out, "unpaired_a": sorted({k["id"] for k in ka} - {a for a, _ in pairs}),
          "unpaired_b": sorted({k["id"] for k in kb} - {b for _, b in pairs})}


# ---------------------------------------------------------------------------------------------------
# amdviz diff

def _signed(n: int) -> str:
  return f"{n:+,d}"

def text_report(body: dict, name_a: str, name_b: str, top: int = 20) -> str:
  """The diff as a terminal table: per kernel pair its totals, then its `top` instructions by |delta| (0: all)."""
  out = [f"A: {name_a}", f"B: {name_b}"]
  for k in body["kernels"]:
    out.append(f"\nkernel {k['a']} {k['name_a']}  ->  kernel {k['b']} {k['name_b']}")
    if k["problem"]: out.append(f"  problem: {k['problem']}"); continue
    how = "same code, matched by pc" if k["matched_by"] == "pc" else \
      f"code differs: aligned, {k['matched']} matched, {k['only_a']} only in A, {k['only_b']} only in B"
    out.append(f"  {how}")
    t = k["totals"]
    if t["delta"] is None:
      out.append("  no timing to compare: " + " and ".join(f"{s} has no instruction-traced wave"
                                                           for s in "AB" if not k[f"measured_{s.lower()}"])); continue
    pct = f" ({100 * t['delta'] / t['cycles_a']:+.1f}%)" if t["cycles_a"] else ""
    out.append(f"  cycles: A {t['cycles_a']:,} ({k['waves_a']} waves), B {t['cycles_b']:,} ({k['waves_b']} waves), "
               f"delta {_signed(t['delta'])}{pct}")
    rows = sorted((r for r in k["instructions"] if r["delta"]), key=lambda r: -abs(r["delta"]))
    if not rows: out.append("  no instruction changed its cycles"); continue
    shown = rows if top <= 0 else rows[:top]
    out.append(f"  {'delta':>10} {'cycles A':>10} {'cycles B':>10} {'hits A':>7} {'hits B':>7}  {'pc A':>8} {'pc B':>8}  instruction")
    blank = lambda v, f: "-" if v is None else format(v, f)
    for r in shown:
      out.append(f"  {_signed(r['delta']):>10} {blank(r['cycles_a'], ','):>10} {blank(r['cycles_b'], ','):>10} "
                 f"{blank(r['hits_a'], 'd'):>7} {blank(r['hits_b'], 'd'):>7}  {blank(r['pc_a'], '#x'):>8} "
                 f"{blank(r['pc_b'], '#x'):>8}  {r['text']}" + (f"   (A: {r['text_a']})" if "text_a" in r else ""))
    if len(shown) < len(rows): out.append(f"  ... {len(rows) - len(shown)} more with a delta (--top 0 shows all)")
  for side in "ab":
    if body[f"unpaired_{side}"]: out.append(f"\nonly in {side.upper()}: kernels {', '.join(map(str, body[f'unpaired_{side}']))}")
  return "\n".join(out) + "\n"

def cli(argv: list[str]) -> int:
  import argparse, sys
  from viz.api import Workspace, dumps, route
  p = argparse.ArgumentParser(prog="amdviz diff", description="Per instruction hits and cycles of two captures (or two "
                              "kernels) and the delta B - A: matched by pc when the code is the same, aligned when it is not.")
  p.add_argument("a", metavar="A"); p.add_argument("b", metavar="B")
  p.add_argument("--kernel-a", type=int, metavar="ID", help="A's kernel (default: every kernel, paired by name, else by order)")
  p.add_argument("--kernel-b", type=int, metavar="ID", help="B's kernel (default: A's kernel's namesake, else the same id)")
  p.add_argument("--json", action="store_true", help='print {"kernels": [{"a", "b", "instructions": [...]}]}')
  p.add_argument("--top", type=int, default=20, help="instructions per kernel in the table, biggest |delta| first (0: all)")
  args = p.parse_args(argv)
  wa = Workspace.open(args.a)
  wb = wa if args.b == args.a else Workspace.open(args.b)
  try: body = diff_json(lambda path: route(wa, path), lambda path: route(wb, path), args.kernel_a, args.kernel_b)
  except ApiError as e: print(f"amdviz diff: {e.message}", file=sys.stderr); return 2
  for ws in {id(wa): wa, id(wb): wb}.values(): ws.save_analysis()
  if args.json: sys.stdout.buffer.write(dumps(body) + b"\n")
  else: sys.stdout.write(text_report(body, args.a, args.b, args.top))
  sys.stdout.flush()
  return 0
