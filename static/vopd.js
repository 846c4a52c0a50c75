// VOPD candidates (/api/kernels/N/vopd, isa/vopd.py): pairs of VALU lines that could issue as one dual instruction.
// Both lines of a pair get a small mark at their right end (CSS: .line.vopd) and the v_dual text in their tooltip.
import {el, hex, plural} from "./dom.js";

// pc -> {text, saves, other: the partner's pc}; empty without a body (the route failed, or no candidate).
export function vopdByPc(body) {
  const by = new Map();
  for (const c of body?.candidates ?? []) c.pcs.forEach((pc, k) => by.set(pc, {text: c.text, saves: c.saves, other: c.pcs[1 - k]}));
  return by;
}

// Mark the pairs' lines drawn under `root` (the graph, a chunk of it, the listing); marking twice changes nothing.
export function markVopd(root, byPc) {
  if (!byPc.size) return;
  for (const line of root.querySelectorAll(".line[data-pc]")) {
    const c = byPc.get(Number(line.dataset.pc));
    if (!c || line.classList.contains("vopd")) continue;
    line.classList.add("vopd");
    line.title += `\nwith ${hex(c.other)} one VOPD: ${c.text} (cycle model: ${plural(c.saves, "cycle")} saved)`;
  }
}

// What the marks mean, for the status line.
export function vopdLegend(body) {
  const n = body.candidates.length, saves = body.candidates.reduce((s, c) => s + c.saves, 0);
  const legend = el("span", "vopd-legend");
  legend.append(el("span", "vopd-key"), `${plural(n, "VOPD pair")} (${plural(saves, "cycle")})`);
  legend.title = `${body.valu} VALU instructions, ${body.issued} VOPD issued; the marked lines could issue in pairs as ` +
    `${plural(n, "more VOPD")}: hover one for the v_dual text (the simulator's cycle model: ${saves} cycles saved per pass)`;
  return legend;
}
