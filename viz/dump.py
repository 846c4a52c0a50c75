"""`amdviz dump CAPTURE [--format md|json] [--budget TOKENS]`: what an LLM agent needs to know about a capture, in
one answer of bounded size: per kernel its registers and occupancy limit, register pressure peak, trace coverage,
hottest instructions, costliest waits with the loads they waited on, hottest blocks with their disassembly and
costs, and VOPD candidates (each of the last where its route exists).

Everything comes from the API's routes (viz.api.route: /kernels, /traces, and per kernel /summary, /timing, /cfg,
/disasm, /hotspots, /pressure, /vopd), so the numbers are the viewer's. Tokens are estimated as characters / 4
(CHARS_PER_TOKEN, code points of the text printed): the answer never has more than budget * 4 characters. Sizing
it: the parts are ranked, kernels by cycles (hottest first): every kernel's heading; its coverage, pressure and
VOPD lines; its three hottest instructions and waits; blocks, hottest first across kernels (each with up to 64
listing lines, its costliest, else 24, else 8, else its heading alone); the rest of its hottest instructions,
waits and VOPD candidates. In that order each part is taken if it still fits, else left out, and the end says
what was left out. The same capture and budget give the same bytes.
"""
from __future__ import annotations
import argparse, sys
from dataclasses import dataclass, field
from pathlib import Path
import orjson
from viz.api import ApiError, Workspace, route

CHARS_PER_TOKEN = 4
DEFAULT_BUDGET = 8000
MIN_BUDGET = 256          # tokens: the capture's heading and the note of what was cut, with room to spare
TOP = 8                   # hottest instructions, waits, VOPD candidates per kernel at most
FIRST = 3                 # of those, taken before any block
BLOCKS = 16               # blocks per kernel at most (the hottest; untraced: the first)
LISTING = (64, 24, 8, 0)  # a block's listing at most this many lines (its costliest), else the next; 0: its heading
NAME_MAX = 160            # characters of a capture's or kernel's name shown

def _optional(ws: Workspace, path: str):
  """A route's body, or None where it does not exist (yet) or cannot answer for this kernel."""
  try: return route(ws, path)
  except ApiError: return None

def _name(s: str) -> str: return s if len(s) <= NAME_MAX else s[:NAME_MAX - 1] + "…"

def _plural(n: int, word: str) -> str: return f"{n} {word}{'s' * (n != 1)}"

def _lines(n: int) -> str: return _plural(n, "line")

def _pct(part: float, whole: float) -> str: return f"{100 * part / whole:.1f}%" if whole else "-"

# ---------------------------------------------------------------------------------------------------
# the parts

@dataclass
class Part:
  kernel: int                      # kernel id
  section: str                     # head, coverage, pressure, vopd, hot, wait, block, pair
  rank: int                        # its order in the dump among its kernel's parts of that section
  variants: list                   # (JSON value, markdown text), richest first
  lines: list = field(default_factory=list)   # a block: how many listing lines each variant leaves out

HEADINGS = {"hot": "\n### hottest instructions (cycles: issue to the wave's next issue, summed over traced waves)\n",
            "wait": "\n### costliest waits, each with the load it waited on\n",
            "block": "\n### hottest blocks\n", "cold": "\n### blocks (not traced: in address order)\n",
            "pair": "\n### VOPD candidates\n"}
def _heading(d, p: Part) -> str:
  return HEADINGS["cold" if p.section == "block" and d.total[p.kernel] is None else p.section]

SECTIONS = ("head", "coverage", "pressure", "vopd", "hot", "wait", "block", "pair")

def _head(k: dict, s: dict | None, t: dict | None) -> list:
  """A kernel's heading, full and short."""
  name, cycles = _name(k["name"]), s["total_cycles"] if s else None
  short = {"id": k["id"], "name": name, "arch": k["arch"], "instructions": k["n_instructions"], "total_cycles": cycles}
  short_md = (f"\n## kernel {k['id']}: {name} ({k['arch']}): {k['n_instructions']} instructions"
              + (f", {cycles} cycles" if cycles is not None else "") + "\n")
  if s is None:
    return [({**short, "problem": k["problem"]}, f"\n## kernel {k['id']}: {name} ({k['arch'] or 'unknown target'})\n"
             f"problem: {k['problem']}\n")]
  occ = s["occupancy"]
  full = {**short, "wave32": s["wave32"], "vgprs": k["vgprs"], "sgprs": k["sgprs"], "lds_bytes": k["lds_bytes"],
          "scratch_bytes": k["scratch_bytes"],
          "occupancy": {x: occ[x] for x in ("waves_per_simd", "max_waves_per_simd", "limited_by", "vgprs_to_free")} if occ else None,
          "traced": s["traced"], "traced_waves": s["waves"], "cycles_by_class": s["cycles_by_class"],
          "problem": k["problem"] or (t or {}).get("problem")}
  md = [f"\n## kernel {k['id']}: {name}\n{k['arch']}{', wave32' if s['wave32'] else ', wave64' if s['wave32'] is False else ''}"
        f" · {k['n_instructions']} instructions · {k['vgprs']} VGPRs, {k['sgprs']} SGPRs, {k['lds_bytes']} B LDS, "
        f"{k['scratch_bytes']} B scratch"]
  if occ:
    free = occ["vgprs_to_free"]
    md.append(f" · occupancy {occ['waves_per_simd']} of {occ['max_waves_per_simd']} waves per SIMD"
              + (f", limited by {', '.join(occ['limited_by'])}" if occ["limited_by"] else "")
              + (f" ({free} VGPRs fewer: one more wave)" if free is not None else ""))
  if s["total_cycles"] is not None:
    total, by = s["total_cycles"], sorted(s["cycles_by_class"].items(), key=lambda x: (-x[1], x[0]))
    md.append(f"\n{total} cycles over {s['waves']} instruction-traced waves ({total // max(s['waves'], 1)} a wave); by class: "
              + ", ".join(f"{c} {n} ({_pct(n, total)})" for c, n in by if n))
  elif not s["traced"]: md.append(f"\nnot traced{': ' + full['problem'] if full['problem'] else ''}: no timing")
  else: md.append("\ntraced, but none of its waves ran on an instruction-traced SIMD: no instruction timing")
  if full["problem"] and s["traced"]: md.append(f"\nproblem: {full['problem']}")
  return [(full, "".join(md) + "\n"), (short, short_md)]

def _coverage(t: dict) -> tuple | None:
  c = t.get("coverage")
  if not c: return None
  keys = ("waves_started", "waves_ended", "instruction_packets", "mapped", "unmapped", "other_simd", "lost_waves", "itrace_ses")
  v = {"traced_waves": t["waves"], **{x: c.get(x) for x in keys}}
  md = (f"trace coverage: {t['waves']} of {c['waves_started']} waves instruction-traced (SE {', '.join(map(str, c['itrace_ses'])) or '-'}), "
        f"{c['waves_ended']} ended, {c['lost_waves']} lost; {c['instruction_packets']} instruction packets: {c['mapped']} mapped, "
        f"{c['unmapped']} unmapped, {c['other_simd']} from other SIMDs\n")
  return v, md

def _pressure(p: dict) -> tuple:
  peak = p.get("peak") or {"live_vgprs": max((r["live_vgprs"] for r in p.get("instructions", [])), default=0),
                           "live_sgprs": max((r["live_sgprs"] for r in p.get("instructions", [])), default=0)}
  pcs = p.get("peak_pcs", [])[:FIRST + 5]
  v = {"vgpr_alloc": p.get("vgpr_alloc"), "sgpr_alloc": p.get("sgpr_alloc"), "peak": peak, "peak_pcs": pcs,
       "peak_count": p.get("peak_count"), "waves_per_simd_at_peak": p.get("waves_per_simd_at_peak"),
       "vgprs_to_free_for_next_wave": p.get("vgprs_to_free_for_next_wave")}
  more = (p.get("peak_count") or len(pcs)) - len(pcs)
  md = (f"register pressure: peak {peak['live_vgprs']} live VGPRs of {p.get('vgpr_alloc')} allocated"
        + (f", {peak['live_agprs']} AGPRs" if "live_agprs" in peak else "") + f", {peak['live_sgprs']} SGPRs of {p.get('sgpr_alloc')}"
        + (f" (at {', '.join(f'{x:#x}' for x in pcs)}{f' and {more} more' if more > 0 else ''})" if pcs else "")
        + (f"; {v['waves_per_simd_at_peak']} waves per SIMD with just the peak allocated" if v["waves_per_simd_at_peak"] else "")
        + (f"; {v['vgprs_to_free_for_next_wave']} VGPRs to free for one more wave" if v["vgprs_to_free_for_next_wave"] is not None else "")
        + "\n")
  return v, md

def _vopd(v: dict) -> tuple:
  cands = v.get("candidates", [])
  saves = sum(c.get("saves") or 0 for c in cands)
  value = {"valu": v.get("valu"), "issued": v.get("issued"), "candidates": len(cands), "saves": saves,
           **{x: v[x] for x in ("unprofitable", "note") if v.get(x)}}
  return value, (f"VOPD: {v.get('valu')} VALU instructions, {v.get('issued')} VOPD already; {_plural(len(cands), 'more pair')} "
                 f"could issue as one (saving {saves} cycles)" + (f"; {v['unprofitable']} valid pairs would not pay" if v.get("unprofitable") else "")
                 + (f"; {v['note']}" if v.get("note") else "") + "\n")

def _hot(h: dict) -> tuple:
  waited = [{"pc": w["pc"], "text": w["text"], "counter": w["counter"], "cycles": w["cycles"]} for w in h["waited_on"][:2]]
  v = {"pc": h["pc"], "text": h["text"], "cycles": h["cycles_total"], "share": h["share"], "hits": h["hits"],
       "mean": h["cycles_mean"], "stall": h["stall"], "waited_on": waited}
  md = (f"- {h['pc']:#x} `{h['text']}`: {h['cycles_total']} cycles ({100 * h['share']:.1f}%), {h['hits']} hits, "
        f"{h['cycles_mean']} a hit" + "".join(f"; waited on {w['pc']:#x} `{w['text']}` ({w['counter']}, {w['cycles']} cycles)"
                                               for w in waited) + "\n")
  return v, md

def _wait(w: dict) -> tuple:
  return w, (f"- {w['cycles']} cycles over {w['count']} waits: {w['wait']:#x} `{w['wait_text']}` waited on {w['counter']} for "
             f"{w['source']:#x} `{w['source_text']}`\n")

def _pair(c: dict) -> tuple:
  pcs = c.get("pcs", [])
  return c, f"- {' + '.join(f'{x:#x}' for x in pcs)}: `{c.get('text')}`, saves {c.get('saves')} cycles\n"

def _block(b: dict, edges: list, total: int | None, insts: dict, rows: dict, traced: bool) -> tuple[list, list]:
  """A block's variants, LISTING lines at most each, and how many lines each leaves out. A line: its cycles and hits
  when traced, pc, text, the block a branch goes to, and for a wait the load it waited on longest."""
  pcs = b["pcs"]
  def line(pc):
    r, i = rows.get(pc), insts[pc]
    w = min(r["wait"], key=lambda x: (-x["cycles"], x["pc"])) if r and r["wait"] else None
    v = {"pc": pc, "text": i["text"]}
    if traced: v.update(hits=r["hits"], cycles=r["cycles_total"])
    if i["target"] is not None: v["target"] = i["target"]
    if w: v["waited_on"] = {"pc": w["pc"], "counter": w["counter"], "cycles": w["cycles"]}
    md = (f"{r['cycles_total']:>9} {r['hits']:>7}  " if traced else "") + f"{f'{pc:#x}':<8}  {i['text']}"
    md += f" -> BB_{i['target']:x}" if i["target"] is not None else ""
    return v, md + (f"  ; <- {w['pc']:#x} {w['counter']}" if w else "") + "\n"
  out_edges = [{"to": e["to"], "kind": e["kind"], **({"back": True} if e["back"] else {}), **({"count": e["count"]} if "count" in e else {})}
               for e in edges]
  head = {"start": b["start"], "end": b["end"], "instructions": len(pcs), "successors": out_edges}
  if traced: head.update(hits=b["hits"], cycles=b["cycles"], share=round(b["cycles"] / total, 4) if total else 0.0)
  succ = ", ".join(f"BB_{e['to']:x} ({e['kind']}{', back' if e['back'] else ''}" + (f": {e['count']})" if "count" in e else ")")
                   for e in edges)
  title = (f"#### BB_{b['start']:x} ({b['start']:#x}..{b['end']:#x}): {_plural(len(pcs), 'instruction')}"
           + (f", {b['cycles']} cycles ({_pct(b['cycles'], total)}), {b['hits']} hits" if traced else "")
           + (f"; then {succ}" if succ else "; exits"))
  order = sorted(range(len(pcs)), key=lambda i: (-rows[pcs[i]]["cycles_total"], i)) if traced else list(range(len(pcs)))
  out, cut = [], []
  for n in sorted({min(n, len(pcs)) for n in LISTING}, reverse=True):
    keep = sorted(order[:n])
    lines, md, last = [], [], -1
    for i in keep:
      if i > last + 1: md.append(f"{'…':>{19 if traced else 1}}  ({_lines(i - last - 1)})\n")
      v, text = line(pcs[i]); lines.append(v); md.append(text); last = i
    if keep and last < len(pcs) - 1: md.append(f"{'…':>{19 if traced else 1}}  ({_lines(len(pcs) - 1 - last)})\n")
    note = "" if n == len(pcs) else f" [{n} of its lines: the costliest]" if traced and n else f" [{n} of its lines]" if n else ""
    listing = ("```\n" + ("   cycles    hits  pc        instruction\n" if traced else "") + "".join(md) + "```\n") if n else ""
    out.append(({**head, "lines": lines, "lines_cut": len(pcs) - n}, f"{title}{note}\n{listing}"))
    cut.append(len(pcs) - n)
  return out, cut

def kernel_parts(ws: Workspace, k: dict) -> tuple[list[Part], int | None, dict]:
  """Every part of kernel k, its total cycles (None: no timing), and what BLOCKS left out (the blocks past it)."""
  kid, parts = k["id"], []
  if k["n_instructions"] is None: return [Part(kid, "head", 0, _head(k, None, None))], None, {}
  s = route(ws, f"/api/kernels/{kid}/summary?top={TOP}")
  t = route(ws, f"/api/kernels/{kid}/timing")
  parts.append(Part(kid, "head", 0, _head(k, s, t)))
  if (c := _coverage(t)) is not None: parts.append(Part(kid, "coverage", 0, [c]))
  if (p := _optional(ws, f"/api/kernels/{kid}/pressure")) is not None: parts.append(Part(kid, "pressure", 0, [_pressure(p)]))
  if (v := _optional(ws, f"/api/kernels/{kid}/vopd")) is not None:
    parts.append(Part(kid, "vopd", 0, [_vopd(v)]))
    best = sorted(v.get("candidates", []), key=lambda c: (-(c.get("saves") or 0), c.get("pcs", [])))
    parts += [Part(kid, "pair", i, [_pair(c)]) for i, c in enumerate(best[:TOP])]
  total = s["total_cycles"]
  traced = total is not None
  if traced:
    hot = route(ws, f"/api/kernels/{kid}/hotspots?top={TOP}")["hotspots"]
    parts += [Part(kid, "hot", i, [_hot(h)]) for i, h in enumerate(hot)]
    parts += [Part(kid, "wait", i, [_wait(w)]) for i, w in enumerate(s["top_waits"])]
  cfg = route(ws, f"/api/kernels/{kid}/cfg")
  insts = {i["pc"]: i for i in route(ws, f"/api/kernels/{kid}/disasm")["instructions"]}
  edges = {}
  for e in sorted(cfg["edges"], key=lambda e: (e["kind"] != "fallthrough", e["to"])): edges.setdefault(e["from"], []).append(e)
  rows = {r["pc"]: r for r in t["instructions"]}
  blocks = sorted((b for b in cfg["blocks"] if b["cycles"] > 0), key=lambda b: (-b["cycles"], b["start"])) if traced else cfg["blocks"]
  for i, b in enumerate(blocks[:BLOCKS]):
    variants, cut = _block(b, edges.get(b["id"], []), total, insts, rows, traced)
    parts.append(Part(kid, "block", i, variants, cut))
  rest = blocks[BLOCKS:]
  return parts, total, {"blocks": len(rest), "cycles": sum(b.get("cycles", 0) for b in rest)} if rest else {}

# ---------------------------------------------------------------------------------------------------
# choosing the parts that fit, and writing them

def _priority(parts: list[Part], hot_first: list[int]) -> list[Part]:
  """The order parts are offered in (see the module's docstring)."""
  rank = {kid: r for r, kid in enumerate(hot_first)}
  def tier(p: Part) -> int:
    if p.section == "head": return 0
    if p.section in ("coverage", "pressure", "vopd"): return 1
    if p.section in ("hot", "wait") and p.rank < FIRST: return 2
    return 3 if p.section == "block" else 4
  def cycles(p: Part) -> int: return -(p.variants[0][0].get("cycles") or 0)    # blocks: hottest first, across kernels
  return sorted(parts, key=lambda p: (tier(p), cycles(p) if tier(p) == 3 else 0, rank[p.kernel], SECTIONS.index(p.section), p.rank))

@dataclass
class Dump:
  name: str
  header: dict
  header_md: str
  kernels: list[int]                                  # kernel ids, in id order
  parts: list[Part]
  total: dict[int, int | None]
  capped: dict[int, dict]                             # kernel id -> blocks left out by BLOCKS, and their cycles

def collect(ws: Workspace, name: str) -> Dump:
  kernels = route(ws, "/api/kernels")["kernels"]
  traces = route(ws, "/api/traces")["traces"]
  itraced = sum(1 for t in traces if t["itrace"])
  bad = sum(1 for t in traces if t["error"] or t["problems"])
  name = _name(name)
  header = {"capture": name, "kernels": len(kernels), "trace_buffers": len(traces), "instruction_traced_buffers": itraced,
            "buffers_with_errors": bad}
  header_md = (f"# amdviz dump: {name}\n{len(kernels)} kernel{'s' * (len(kernels) != 1)} · {len(traces)} trace buffers, "
               f"{itraced} instruction-traced{f', {bad} with decoding errors or problems' if bad else ''}\n")
  parts, total, capped = [], {}, {}
  for k in kernels:
    p, total[k["id"]], cap = kernel_parts(ws, k)
    parts += p
    if cap: capped[k["id"]] = cap
  return Dump(name, header, header_md, [k["id"] for k in kernels], parts, total, capped)

CUT_WORDS = {"head": "kernels", "coverage": "coverage lines", "pressure": "pressure lines", "vopd": "VOPD lines",
             "hot": "hottest instructions", "wait": "waits", "block": "blocks", "pair": "VOPD candidates"}

def _cut(d: Dump, chosen: dict) -> dict:
  """What was left out: per kind of part, how many; listing lines of the blocks shown shortened; the blocks past BLOCKS."""
  out = {}
  for p in d.parts:
    if (p.kernel, p.section, p.rank) not in chosen: out[CUT_WORDS[p.section]] = out.get(CUT_WORDS[p.section], 0) + 1
    elif p.lines and (n := p.lines[chosen[p.kernel, p.section, p.rank]]):
      out["listing lines"] = out.get("listing lines", 0) + n
  if (unlisted := sum(c["blocks"] for c in d.capped.values())):
    out["unlisted blocks"] = unlisted
  return out

def _unlisted(d: Dump, kid: int) -> str:
  """The line saying how many blocks BLOCKS left out of a kernel's listing ("": none)."""
  if (c := d.capped.get(kid)) is None: return ""
  return f"({_plural(c['blocks'], 'more block')} not listed" + (f": {c['cycles']} cycles, {_pct(c['cycles'], d.total[kid])})\n" if d.total[kid] else ")\n")

LISTS = {"hot": "hottest", "wait": "waits", "block": "blocks", "pair": "vopd_candidates"}   # JSON: a kernel's lists

def _skeleton(d: Dump, kid: int) -> dict:
  """A kernel's JSON beside its heading before any other part is added to it."""
  return {"coverage": None, "pressure": None, "vopd": None, **{key: [] for key in LISTS.values()},
          **({"unlisted_blocks": d.capped[kid]} if kid in d.capped else {})}

def render(d: Dump, chosen: dict, fmt: str, budget: int) -> str:
  """The dump with the `chosen` parts ((kernel, section, rank) -> variant index)."""
  cut = _cut(d, chosen)
  by_kernel: dict[int, list[Part]] = {}
  for p in d.parts:
    if (p.kernel, p.section, p.rank) in chosen: by_kernel.setdefault(p.kernel, []).append(p)
  def pick(p): return p.variants[chosen[p.kernel, p.section, p.rank]]
  if fmt == "json":
    kernels = []
    for kid in d.kernels:
      ps = sorted(by_kernel.get(kid, []), key=lambda p: (SECTIONS.index(p.section), p.rank))
      if not ps or ps[0].section != "head": continue
      k = {**pick(ps[0])[0], **_skeleton(d, kid)}
      for p in ps[1:]:
        if (key := LISTS.get(p.section)): k[key].append(pick(p)[0])
        else: k[p.section] = pick(p)[0]
      kernels.append(k)
    body = {**d.header, "budget_tokens": budget, "tokens_estimated_as": f"characters / {CHARS_PER_TOKEN}", "kernels": kernels,
            "cut": cut or None}
    return orjson.dumps(body).decode() + "\n"
  out = [d.header_md]
  for kid in d.kernels:
    ps = sorted(by_kernel.get(kid, []), key=lambda p: (SECTIONS.index(p.section), p.rank))
    if not ps or ps[0].section != "head": continue
    section = None
    for p in ps:
      if p.section in HEADINGS and p.section != section: out.append(_heading(d, p))
      section = p.section
      out.append(pick(p)[1])
    out.append(_unlisted(d, kid))
  out.append(f"\n---\nbudget {budget} tokens (estimated as characters / {CHARS_PER_TOKEN}): "
             + ("complete\n" if not cut else "left out to fit: " + ", ".join(f"{n} {what[:-1] if n == 1 else what}"   # (all plurals in s)
                                                                           for what, n in cut.items()) + "\n"))
  return "".join(out)

def _cost(d: Dump, p: Part, v: int, fmt: str, opened: set) -> int:
  """Characters part p's variant v adds to the dump (JSON: a little more than it adds, never less)."""
  value, md = p.variants[v]
  if fmt == "json":                                  # (+1: the comma before it)
    return len(orjson.dumps({**value, **_skeleton(d, p.kernel)} if p.section == "head" else value)) + 1
  heading = _heading(d, p) if p.section in HEADINGS and (p.kernel, p.section) not in opened else ""
  return len(md) + len(heading) + (len(_unlisted(d, p.kernel)) if p.section == "head" else 0)

def dump(ws: Workspace, name: str, fmt: str = "md", budget: int = DEFAULT_BUDGET) -> str:
  """The dump of a loaded capture (`name`: what to call it) in `fmt` ("md" or "json"), at most budget * 4 characters."""
  if fmt not in ("md", "json"): raise ValueError(f"format must be md or json, not {fmt!r}")
  if budget < MIN_BUDGET: raise ValueError(f"a budget below {MIN_BUDGET} tokens leaves no room for anything")
  d = collect(ws, name)
  limit = budget * CHARS_PER_TOKEN
  hot_first = sorted(d.kernels, key=lambda kid: (d.total[kid] is None, -(d.total[kid] or 0), kid))
  # the dump with nothing chosen, whose note of what was cut is the longest but for listing lines shortened
  lines = sum(len(p.variants[0][0].get("lines", ())) for p in d.parts)
  used = len(render(d, {}, fmt, budget)) + len(f', "listing lines": {lines}')
  chosen, order, opened = {}, [], set()
  for p in _priority(d.parts, hot_first):
    if p.section != "head" and (p.kernel, "head", 0) not in chosen: continue
    for v in range(len(p.variants)):
      if used + (c := _cost(d, p, v, fmt, opened)) <= limit:
        chosen[p.kernel, p.section, p.rank] = v; order.append(p); opened.add((p.kernel, p.section)); used += c
        break
  text = render(d, chosen, fmt, budget)
  while len(text) > limit and order:                # the estimate erred: drop the last part taken until it fits
    p = order.pop()
    gone = [p, *(q for q in order if q.kernel == p.kernel)] if p.section == "head" else [p]   # (a kernel's parts go with it)
    for q in gone: del chosen[q.kernel, q.section, q.rank]
    order = [q for q in order if (q.kernel, q.section, q.rank) in chosen]
    text = render(d, chosen, fmt, budget)
  assert len(text) <= limit, "the dump's heading alone exceeds the budget"
  return text

def cli(argv: list[str]) -> int:
  p = argparse.ArgumentParser(prog="amdviz dump", description="What an LLM agent needs to know about a capture, within "
                              "a token budget (tokens estimated as characters / 4): per kernel occupancy, pressure, "
                              "trace coverage, hottest instructions and blocks with their disassembly, costliest waits.")
  p.add_argument("path", metavar="CAPTURE", help="a capture or a code object")
  p.add_argument("--format", choices=("md", "json"), default="md", help="markdown (default) or JSON")
  p.add_argument("--budget", type=int, default=DEFAULT_BUDGET, metavar="TOKENS",
                 help=f"at most this many tokens, as characters / {CHARS_PER_TOKEN} (default {DEFAULT_BUDGET}, at least {MIN_BUDGET})")
  args = p.parse_args(argv)
  if args.budget < MIN_BUDGET: p.error(f"--budget must be at least {MIN_BUDGET}")
  ws = Workspace.open(args.path)
  text = dump(ws, Path(args.path).name, args.format, args.budget)
  ws.save_analysis()
  sys.stdout.write(text); sys.stdout.flush()
  return 0
