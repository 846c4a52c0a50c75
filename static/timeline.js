// The traced waves over time, one row per wave (/api/kernels/N/waves): a bar from its start to its end.
// An instruction-traced wave's bar shows what it really did, instruction by instruction
// (/api/kernels/N/waves/W/timeline: each instruction from its issue to the wave's next issue), coloured by
// instruction class; a click on a span selects its instruction. A traced wave whose timeline was not fetched
// (the page fetches at most a few dozen) falls back to splitting its bar among its blocks in proportion to
// their mean cycles per visit (from /cfg): an estimate, said so in its tooltip. Other waves are plain bars.
import {el, hex, plural} from "./dom.js";

export const CLASSES = ["VALU", "SALU", "SMEM", "VMEM", "LDS", "BRANCH", "WAIT", "OTHER"];
const MAX_SPANS = 4000;   // per wave; past it runs of one class merge into one span (the DOM stays small)

// Consecutive spans of one class as one (first pc kept), for waves too long to draw instruction by instruction.
function merged(spans) {
  const out = [];
  for (const s of spans) {
    const last = out[out.length - 1];
    if (last && last.class === s.class) { last.end = s.end; last.n += 1; } else out.push({...s, n: 1});
  }
  return out;
}

// timelines: Map wave index -> its /timeline body (traced waves only); blockOf: pc -> block id.
export function waveTimeline(host, waves, cfg, onSelectBlock, {timelines = new Map(), blockOf = new Map(), onSelectPc = () => {}} = {}) {
  host.replaceChildren();
  if (!waves.length) { host.append(el("p", "empty", "no traced waves")); return {show() {}}; }
  const meanCycles = new Map(cfg.blocks.map(b => [b.id, b.hits ? b.cycles / b.hits : 0]));
  const t0 = Math.min(...waves.map(w => w.start)), t1 = Math.max(...waves.map(w => w.end ?? w.start));
  const span = Math.max(t1 - t0, 1);
  const order = waves.map((w, i) => ({w, i})).sort((a, b) => (b.w.traced - a.w.traced) || (a.w.start - b.w.start) || (a.i - b.i));

  const head = el("div", "timeline-head",
                  `${plural(waves.length, "wave")} · ${waves.filter(w => w.traced).length} instruction-traced · cycles ${t0}–${t1} `);
  if (timelines.size) {
    const legend = el("span", "legend");
    for (const c of CLASSES) { const k = el("span", `key cls-${c}`, c); legend.append(k); }
    head.append(legend);
  }
  const rows = el("div", "wave-rows");
  const segs = [], ispans = [];
  for (const {w, i} of order) {
    const tl = timelines.get(i), end = w.end ?? w.start;
    const row = el("div", `wave-row${w.traced ? " traced" : ""}${tl ? " itrace" : ""}`);
    row.dataset.wave = i;
    row.title = `SE${w.se} CU${w.cu} SIMD${w.simd} wave ${w.wave} · cycles ${w.start}–${end} (${end - w.start})` +
                (w.traced ? ` · ${w.n_insts} instructions in ${w.n_blocks} blocks` : "");
    const bar = el("div", "wave-bar");
    Object.assign(bar.style, {left: `${(100 * (w.start - t0)) / span}%`, width: `${(100 * (end - w.start)) / span}%`});
    if (tl && tl.spans.length) {
      const len = Math.max(end - w.start, 1);
      for (const s of tl.spans.length > MAX_SPANS ? merged(tl.spans) : tl.spans) {
        const e = el("span", `ispan cls-${s.class}`);
        Object.assign(e.style, {left: `${(100 * (s.start - w.start)) / len}%`, width: `${(100 * (s.end - s.start)) / len}%`});
        e.dataset.pc = s.pc;
        e.dataset.cls = s.class;
        e.title = `${hex(s.pc)} ${s.class} · ${s.end - s.start} cycles (${s.start}–${s.end})` + (s.n > 1 ? ` · ${s.n} instructions` : "");
        e.addEventListener("click", () => onSelectPc(s.pc));
        bar.append(e);
        ispans.push(e);
      }
    } else if (w.traced) {
      const weights = w.blocks.map(b => meanCycles.get(b) || 0), total = weights.reduce((a, b) => a + b, 0);
      if (total > 0) w.blocks.forEach((b, k) => {
        const seg = el("span", "seg");
        seg.style.width = `${(100 * weights[k]) / total}%`;
        seg.dataset.block = b;
        seg.title = `block ${hex(b)} · ~${Math.round(weights[k])} cycles (estimated from the block's mean)`;
        seg.addEventListener("click", () => onSelectBlock(b));
        bar.append(seg);
        segs.push(seg);
      });
    }
    row.append(bar);
    rows.append(row);
  }
  host.append(head, rows);

  return {
    // the selected instruction's spans, else (a block selected) the spans of the block's instructions
    show(block, pc = null) {
      for (const s of segs) s.classList.toggle("sel", block !== null && Number(s.dataset.block) === block);
      for (const s of ispans) {
        const p = Number(s.dataset.pc);
        s.classList.toggle("sel", pc !== null ? p === pc : block !== null && blockOf.get(p) === block);
      }
    },
  };
}
