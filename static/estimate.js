// The graph's second heat mode: static estimate vs measured (/api/kernels/N/blocks, viz/estimate.py). Each block is
// tinted by its measured cycles per pass over the cycle model's estimate of one pass, green below 1x and red above,
// on a log scale; a flagged block (far above: memory-bound, stalls) is outlined. The boxes graph.js drew are only
// restyled: their head line says the two numbers, their tooltip the waits that dominate.
import {compact, el, hex, plural} from "./dom.js";

export const SLOWER = "220, 38, 38", FASTER = "22, 163, 74";
const FULL = 3;              // |log2 ratio| at full strength: 8x above the estimate, or 1/8 of it

// {rgb, alpha} of a ratio (measured / estimate); null where there is none (a block not run, or not modelled).
export function ratioTint(ratio) {
  if (ratio === null || ratio === undefined || !(ratio > 0)) return null;
  const x = Math.log2(ratio);
  return {rgb: x < 0 ? FASTER : SLOWER, alpha: +(0.6 * Math.min(Math.abs(x) / FULL, 1)).toFixed(3)};
}

const cycles = n => n >= 100 ? compact(Math.round(n)) : String(n);
const ratioText = r => `×${r >= 10 ? Math.round(r) : r.toFixed(2)}`;

// What a block's tooltip says in this mode.
function blockTitle(b, body) {
  if (b.estimate === null) return `${hex(b.start)}: ${body.note ?? "no estimate"}`;
  if (b.measured_per_pass === null) return `${hex(b.start)}: estimate ${b.estimate} cycles a pass; no traced wave ran it`;
  const lines = [`${hex(b.start)}: ${b.measured_per_pass} cycles a pass measured (${plural(b.passes, "pass")}), ` +
                 `${b.estimate} estimated: ${ratioText(b.ratio)}${b.flag ? " (flagged)" : ""}`];
  for (const w of b.top_waits) lines.push(`  ${w.per_pass} a pass at ${hex(w.wait)} ${w.wait_text}` +
    (w.source !== null ? ` ← ${hex(w.source)} ${w.source_text}${w.source_block !== b.start ? ` (block ${hex(w.source_block)})` : ""}` : ""));
  for (const x of b.top_excess) lines.push(`  ${hex(x.pc)} ${x.text}: ${x.measured_per_pass} a pass, model ${x.estimate}`);
  return lines.join("\n");
}

// The legend for the status line: the scale, and what the outline means.
function legend(body) {
  const n = body.blocks.filter(b => b.flag).length;
  const l = el("span", "est-legend");
  l.append("measured / estimate a pass: ", el("span", "est-low", "⅛×"), el("span", "est-scale"), el("span", "est-high", "8×"),
           el("span", "est-flag-key"), `${plural(n, "block")} flagged`);
  l.title = `each block tinted by the cycles a pass of it took (its instructions' cycles over the times an ` +
    `instruction-traced wave entered it) over the cycles the simulator's cycle model (emu/cycles.py) gives one pass ` +
    `of it on its own, loads issued before it taken as done; outlined: above ${body.flag_ratio}× and more than ` +
    `${body.flag_cycles} cycles above the estimate. Hover a block for the waits that dominate it`;
  return l;
}

// Wire the mode to its toggle `button` (left hidden when there is nothing to show: no body, not modelled or not
// traced). Returns {set(on)}; off, the graph is as graph.js drew it.
export function estimateMode(body, graph, canvas, status, button) {
  const rows = new Map((body?.blocks ?? []).map(b => [b.start, b]));
  if (!button || !body?.modelled || !body.traced || !rows.size) return {set() {}};
  const key = legend(body);
  key.hidden = true;
  status?.append(key);
  const saved = new Map();        // box -> its head text and title as graph.js made them
  let on = false;
  function set(want) {
    on = want;
    canvas.classList.toggle("heat-estimate", on);
    button.textContent = on ? "cycle heat" : "vs estimate";
    button.setAttribute("aria-pressed", String(on));
    key.hidden = !on;
    const gutterKey = status?.querySelector(".gutter-legend");      // its "share tints it" is not so in this mode
    if (gutterKey) gutterKey.hidden = on;
    for (const box of graph.boxes.values()) {
      const b = rows.get(box.id), head = box.el.querySelector(".block-head");
      if (!saved.has(box)) saved.set(box, {head: head?.textContent, title: box.el.title});
      const was = saved.get(box);
      const tint = on && b ? ratioTint(b.ratio) : null;
      box.el.style.setProperty("--est-rgb", tint ? tint.rgb : SLOWER);
      box.el.style.setProperty("--est-a", tint ? tint.alpha : 0);
      box.el.classList.toggle("est-flag", on && Boolean(b?.flag));
      box.el.title = on && b ? blockTitle(b, body) : was.title;
      if (head) head.textContent = on && b && b.ratio !== null ?
        `${was.head.split(" · ")[0]} · ${cycles(b.measured_per_pass)} vs ${cycles(b.estimate)} est · ${ratioText(b.ratio)}` : was.head;
    }
  }
  button.hidden = false;
  button.addEventListener("click", () => set(!on));
  set(false);
  return {set};
}
