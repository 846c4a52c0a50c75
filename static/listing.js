// IDA's text view, the other face of the graph (Space switches): every instruction in address order, each
// block introduced by its label and the blocks that reach it, source lines where they change, with the same
// heat gutter, register operands and branch links as the graph, and each wait's loads as a comment. Only the rows near the scroll position are in the document; whoever marks
// lines (selection, registers, waits) hears of each redraw (onDraw) to mark them.
import {compact, el, hex} from "./dom.js";
import {blockLabel, codeLine, gutter, LINE_H} from "./graph.js";
import {tintAlpha} from "./heat.js";
import {pressureLane} from "./pressure.js";

const SLACK = 40;        // rows drawn beyond the visible ones, each way

export function linearListing(host, disasm, cfg, heat, press = new Map()) {
  const startOf = new Map(cfg.blocks.map(b => [b.start, b]));
  const into = new Map();
  for (const e of cfg.edges) (into.get(e.to) ?? into.set(e.to, []).get(e.to)).push(e);
  const idStart = new Map(cfg.blocks.map(b => [b.id, b.start]));
  // rows: a block label ({block}), a source line where it changes ({source}, as llvm-objdump -l), an instruction ({inst})
  const rows = [], rowOfPc = new Map();
  let where = "";
  for (const i of disasm.instructions) {
    const b = startOf.get(i.pc);
    if (b) rows.push({block: b});
    const here = i.source ? `${i.source.file}:${i.source.line}` : "";
    if (here && (here !== where || b)) rows.push({source: here});
    where = here;
    rowOfPc.set(i.pc, rows.length);
    rows.push({inst: i});
  }
  const maxShare = Math.max(0, ...[...heat.values()].map(h => h.share));
  const G = heat.size > 0;
  host.classList.toggle("heat", G);

  const spacer = el("div", "lst-spacer"), body = el("div", "lst-rows");
  spacer.style.height = `${(rows.length + 2) * LINE_H}px`;     // room below the last row for a scrollbar
  spacer.append(body);
  host.replaceChildren(spacer);
  const drawn = [];

  function rowEl(r) {
    if (r.source) return el("div", "lst-src", `; ${r.source}`);
    if (r.block) {
      const d = el("div", "lst-label");
      d.append(el("span", "lbl", `${blockLabel(r.block.start)}:`));
      const from = into.get(r.block.id) ?? [];
      if (from.length || !r.block.reachable) {
        const x = el("span", "lst-xref", "  ; ");
        if (!r.block.reachable) x.append("unreachable");
        from.forEach((e, k) => {
          const a = el("span", "target", blockLabel(idStart.get(e.from)));
          a.dataset.target = idStart.get(e.from);
          a.title = `${e.kind} from ${hex(idStart.get(e.from))}`;
          x.append(k ? ", " : "← ", a);
        });
        d.append(x);
      }
      return d;
    }
    const i = r.inst, h = heat.get(i.pc);
    const line = el("div", "line");
    line.dataset.pc = i.pc;
    if (press.size) line.append(pressureLane(press.get(i.pc)));
    if (G) line.append(gutter(h));
    line.append(el("span", "addr", hex(i.pc)), codeLine(i));
    if (h?.wait.length)          // what a wait waited on, as a comment (the graph draws it as arrows)
      line.append(el("span", "lst-cmt", `  ; waited on ${h.wait.map(w => `${hex(w.pc)} ${compact(w.cycles)} cyc`).join(", ")}`));
    line.title = `${hex(i.pc)}: ${i.hex}`;
    if (h) line.style.setProperty("--heat", tintAlpha(h.share, maxShare));
    if (h?.rgb) line.style.setProperty("--heat-rgb", h.rgb);       // a diff: faster green, slower red
    if (h?.inserted) line.classList.add("inserted");
    return line;
  }

  let first = -1, last = -1;
  function draw(force = false) {
    const top = Math.max(0, Math.floor(host.scrollTop / LINE_H) - SLACK);
    const end = Math.min(rows.length, Math.ceil((host.scrollTop + host.clientHeight) / LINE_H) + SLACK);
    if (!force && top === first && end === last) return;
    first = top; last = end;
    body.style.top = `${top * LINE_H}px`;
    body.replaceChildren(...rows.slice(top, end).map(rowEl));
    for (const fn of drawn) fn(body);
  }
  let queued = false;
  host.addEventListener("scroll", () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; draw(); });
  });

  return {
    draw,
    // Scroll so pc's row is in view (a few rows of context above it), unless it already is.
    show(pc) {
      const k = rowOfPc.get(pc);
      if (k === undefined) return;
      const y = k * LINE_H;
      if (y < host.scrollTop + LINE_H || y > host.scrollTop + host.clientHeight - 2 * LINE_H)
        host.scrollTop = Math.max(0, y - Math.min(host.clientHeight / 3, 8 * LINE_H));
      draw(true);
    },
    line: pc => body.querySelector(`.line[data-pc="${pc}"]`),
    onDraw(fn) { drawn.push(fn); },
    get rows() { return rows.length; },
  };
}
