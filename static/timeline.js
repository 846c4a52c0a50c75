// The traced waves over time, one row per wave (/api/kernels/N/waves): a bar from its start to its end.
// The trace gives a wave's blocks in order but not when it entered each, so an instruction-traced wave's
// bar is split among its blocks in proportion to their mean cycles per visit (from /cfg): an estimate,
// said so in its tooltip. Instruction-traced waves come first; a click on a block's span selects it.
import {el, hex} from "./dom.js";

export function waveTimeline(host, waves, cfg, onSelectBlock) {
  host.replaceChildren();
  if (!waves.length) { host.append(el("p", "empty", "no traced waves")); return {show() {}}; }
  const meanCycles = new Map(cfg.blocks.map(b => [b.id, b.hits ? b.cycles / b.hits : 0]));
  const t0 = Math.min(...waves.map(w => w.start)), t1 = Math.max(...waves.map(w => w.end));
  const span = Math.max(t1 - t0, 1);
  const order = waves.map((w, i) => ({w, i})).sort((a, b) => (b.w.traced - a.w.traced) || (a.w.start - b.w.start) || (a.i - b.i));

  const head = el("div", "timeline-head",
                  `${waves.length} waves · ${waves.filter(w => w.traced).length} instruction-traced · cycles ${t0}–${t1}`);
  const rows = el("div", "wave-rows");
  const spans = [];
  for (const {w, i} of order) {
    const row = el("div", `wave-row${w.traced ? " traced" : ""}`);
    row.dataset.wave = i;
    row.title = `SE${w.se} CU${w.cu} SIMD${w.simd} wave ${w.wave} · cycles ${w.start}–${w.end} (${w.end - w.start})` +
                (w.traced ? ` · ${w.n_insts} instructions in ${w.n_blocks} blocks` : "");
    const bar = el("div", "wave-bar");
    Object.assign(bar.style, {left: `${(100 * (w.start - t0)) / span}%`, width: `${(100 * (w.end - w.start)) / span}%`});
    const weights = w.blocks.map(b => meanCycles.get(b) || 0), total = weights.reduce((a, b) => a + b, 0);
    if (w.traced && total > 0) {
      w.blocks.forEach((b, k) => {
        const seg = el("span", "seg");
        seg.style.width = `${(100 * weights[k]) / total}%`;
        seg.dataset.block = b;
        seg.title = `block ${hex(b)} · ~${Math.round(weights[k])} cycles (estimated from the block's mean)`;
        seg.addEventListener("click", () => onSelectBlock(b));
        bar.append(seg);
        spans.push(seg);
      });
    }
    row.append(bar);
    rows.append(row);
  }
  host.append(head, rows);

  return {
    show(block) {
      for (const s of spans) s.classList.toggle("sel", block !== null && Number(s.dataset.block) === block);
    },
  };
}
