// What a wait instruction waited for: arrows from the loads (timing route's `wait` list) to the wait,
// each labelled with the cycles spent waiting on it.
import {svg, compact} from "./dom.js";
import {lineAnchor} from "./graph.js";

export const isWait = text => /^s_wait(cnt|_)/.test(text ?? "");

export function drawWaitArrows(layer, graph, heat, waitPc) {
  layer.replaceChildren();
  for (const e of layer.parentNode.querySelectorAll(".line.waited-load, .line.wait-sel")) e.classList.remove("waited-load", "wait-sel");
  const h = waitPc === null ? null : heat.get(waitPc);
  if (!h) return 0;
  const to = lineAnchor(graph, waitPc);
  graph.line(waitPc)?.classList.add("wait-sel");
  let n = 0;
  for (const w of h.wait) {
    const from = lineAnchor(graph, w.pc);
    if (!from || !to) continue;
    graph.line(w.pc)?.classList.add("waited-load");
    // both ends on the boxes' right sides, bowing out to the right in proportion to the distance
    const bow = 40 + Math.abs(to.y - from.y) * 0.15, x = Math.max(from.right, to.right);
    const d = `M${from.right},${from.y} C${x + bow},${from.y} ${x + bow},${to.y} ${to.right},${to.y}`;
    const g = svg("g", {class: "wait-arrow", "data-from": w.pc});
    g.append(svg("path", {d, "marker-end": "url(#arrow-wait)"}));
    const label = svg("text", {x: x + bow * 0.75 + 4, y: (from.y + to.y) / 2 + 4});
    label.textContent = `${compact(w.cycles)} cyc${w.counter ? " " + w.counter : ""}`;
    g.append(label);
    layer.append(g);
    n++;
  }
  return n;
}
