// The kernel's waves over time, one row per wave (/api/kernels/N/waves): a bar from its start to its end, a
// label naming where it ran (SE/CU/SIMD/slot). An instruction-traced wave's bar shows what it really did,
// instruction by instruction (/api/kernels/N/waves/W/timeline: each instruction from its issue to the wave's
// next issue), coloured by instruction class, after a grey lead-in from the wave's start to its first issue; a
// click on a span selects its instruction. A traced wave whose timeline was not fetched (the page fetches at
// most a few dozen) splits its bar among its blocks in proportion to their mean cycles per visit (from /cfg):
// an estimate, said so in its tooltip. Other waves are plain bars.
//
// The time axis is in cycles from the dispatch's first wave start. It shows the instruction-traced waves when
// there are any ("traced only", on by default: a few traced waves among a thousand would be a sliver at the
// edge), and zooms (wheel, + / −) and pans (drag) on its own; "all" shows the whole span again. The strip's
// height is dragged at its top edge.
import {el, hex, plural} from "./dom.js";

export const CLASSES = ["VALU", "SALU", "SMEM", "VMEM", "LDS", "BRANCH", "WAIT", "OTHER"];
const MAX_SPANS = 4000;   // per wave; past it runs of one class merge into one span (the DOM stays small)
const MIN_WINDOW = 20;    // cycles: the deepest zoom

// Consecutive spans of one class as one (first pc kept), for waves too long to draw instruction by instruction.
function merged(spans) {
  const out = [];
  for (const s of spans) {
    const last = out[out.length - 1];
    if (last && last.class === s.class) { last.end = s.end; last.n += 1; } else out.push({...s, n: 1});
  }
  return out;
}

// Round tick steps: 1, 2, 5 x 10^k cycles, about `n` of them over `span`.
function tickStep(span, n = 8) {
  const raw = span / n, p = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  return [1, 2, 5, 10].map(m => m * p).find(s => s >= raw) ?? 10 * p;
}

export const waveLabel = w => `SE${w.se} CU${w.cu} S${w.simd} w${w.wave}`;

// timelines: Map wave index -> its /timeline body (traced waves only); blockOf: pc -> block id.
export function waveTimeline(host, waves, cfg, onSelectBlock, {timelines = new Map(), blockOf = new Map(), onSelectPc = () => {}} = {}) {
  host.replaceChildren();
  if (!waves.length) { host.append(el("p", "empty", "no traced waves")); return {show() {}}; }
  const meanCycles = new Map(cfg.blocks.map(b => [b.id, b.hits ? b.cycles / b.hits : 0]));
  const origin = Math.min(...waves.map(w => w.start));
  const extent = ws => [Math.min(...ws.map(w => w.start)), Math.max(...ws.map(w => w.end ?? w.start))];
  const traced = waves.filter(w => w.traced);
  let tracedOnly = traced.length > 0;
  let [v0, v1] = extent(tracedOnly ? traced : waves);

  // --- head: counts, filter, zoom, legend; then the axis ---------------------------------------------
  const head = el("div", "timeline-head");
  head.append(el("span", "counts", `${plural(waves.length, "wave")} · ${traced.length} instruction-traced`));
  const filter = el("label", "filter");
  const box = el("input"); box.type = "checkbox"; box.checked = tracedOnly; box.disabled = !traced.length;
  filter.append(box, " traced only");
  const zoomOut = el("button", "zoom", "−"), zoomIn = el("button", "zoom", "+"), all = el("button", "zoom", "all");
  zoomOut.title = "zoom out on time (wheel)"; zoomIn.title = "zoom in on time (wheel; drag to pan)"; all.title = "the whole span";
  head.append(filter, zoomOut, zoomIn, all);
  if (timelines.size) {
    const legend = el("span", "legend");
    for (const c of CLASSES) legend.append(el("span", `key cls-${c}`, c));
    const lead = el("span", "key lead", "lead-in");
    lead.title = "from the wave's start to its first instruction";
    legend.append(lead);
    head.append(legend);
  }
  const axis = el("div", "time-axis");
  const grip = el("div", "timeline-grip");
  grip.title = "drag to resize";

  // --- one row per wave: label, then its bar in the time window ------------------------------------
  const rows = el("div", "wave-rows");
  const lanes = el("div", "wave-lanes");
  const bars = [], segs = [], ispans = [];
  const order = waves.map((w, i) => ({w, i})).sort((a, b) => (b.w.traced - a.w.traced) || (a.w.start - b.w.start) || (a.i - b.i));
  for (const {w, i} of order) {
    const tl = timelines.get(i), end = w.end ?? w.start;
    const row = el("div", `wave-row${w.traced ? " traced" : ""}${tl ? " itrace" : ""}`);
    row.dataset.wave = i;
    row.title = `${waveLabel(w)} · cycles ${w.start - origin}–${end - origin} (${end - w.start})` +
                (w.traced ? ` · ${w.n_insts} instructions in ${w.n_blocks} blocks` : "");
    const label = el("span", "wave-label", w.traced ? waveLabel(w) : "");
    const lane = el("div", "wave-lane");
    const bar = el("div", "wave-bar");
    if (tl && tl.spans.length) {
      const len = Math.max(end - w.start, 1);
      for (const s of tl.spans.length > MAX_SPANS ? merged(tl.spans) : tl.spans) {
        const e = el("span", `ispan cls-${s.class}`);
        Object.assign(e.style, {left: `${(100 * (s.start - w.start)) / len}%`, width: `${(100 * (s.end - s.start)) / len}%`});
        e.dataset.pc = s.pc;
        e.dataset.cls = s.class;
        e.title = `${hex(s.pc)} ${s.class} · ${s.end - s.start} cycles (${s.start - origin}–${s.end - origin})` +
                  (s.n > 1 ? ` · ${s.n} instructions` : "");
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
    lane.append(bar);
    row.append(label, lane);
    rows.append(row);
    bars.push({bar, start: w.start, end, row, traced: w.traced});
  }
  lanes.append(rows);
  host.append(grip, head, axis, lanes);

  // --- the window: place bars and ticks -----------------------------------------------------------------
  function place() {
    const span = Math.max(v1 - v0, 1);
    host.classList.toggle("traced-only", tracedOnly);
    for (const b of bars) {
      Object.assign(b.bar.style, {left: `${(100 * (b.start - v0)) / span}%`, width: `${Math.max((100 * (b.end - b.start)) / span, 0.05)}%`});
    }
    axis.replaceChildren();
    const step = tickStep(span);
    for (let t = Math.ceil((v0 - origin) / step) * step; t + origin <= v1; t += step) {
      const tick = el("span", "tick", t.toLocaleString("en-US"));
      tick.style.left = `${(100 * (t + origin - v0)) / span}%`;
      axis.append(tick);
    }
    axis.title = `cycles ${v0 - origin}–${v1 - origin} from the first wave's start`;
    host.dataset.window = `${v0 - origin}-${v1 - origin}`;
  }
  function zoom(factor, at = 0.5) {                 // at: where in the window (0..1) stays put
    const span = v1 - v0, next = Math.max(MIN_WINDOW, span * factor);
    const c = v0 + at * span;
    v0 = c - at * next; v1 = v0 + next;
    place();
  }
  const laneFraction = e => {
    const r = rows.querySelector(".wave-lane")?.getBoundingClientRect();
    return r && r.width ? Math.min(Math.max((e.clientX - r.left) / r.width, 0), 1) : 0.5;
  };
  box.addEventListener("change", () => { tracedOnly = box.checked; [v0, v1] = extent(tracedOnly ? traced : waves); place(); });
  zoomIn.addEventListener("click", () => zoom(0.5));
  zoomOut.addEventListener("click", () => zoom(2));
  all.addEventListener("click", () => { [v0, v1] = extent(tracedOnly ? traced : waves); place(); });
  lanes.addEventListener("wheel", e => {
    if (e.ctrlKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) return;      // sideways: let it scroll
    e.preventDefault();
    zoom(Math.exp(e.deltaY * 0.0015), laneFraction(e));
  }, {passive: false});
  let drag = null, dragged = false;              // a press that moves pans; one that does not stays a click
  lanes.addEventListener("pointerdown", e => {
    if (e.button !== 0) return;
    const r = rows.querySelector(".wave-lane").getBoundingClientRect();
    drag = {x: e.clientX, v0, v1, px: (v1 - v0) / Math.max(r.width, 1), id: e.pointerId, moving: false};
  });
  lanes.addEventListener("pointermove", e => {
    if (!drag || e.pointerId !== drag.id) return;
    if (!drag.moving && Math.abs(e.clientX - drag.x) < 4) return;
    if (!drag.moving) { drag.moving = true; lanes.setPointerCapture(e.pointerId); lanes.classList.add("panning"); }
    const d = (e.clientX - drag.x) * drag.px;
    v0 = drag.v0 - d; v1 = drag.v1 - d;
    place();
  });
  const end = () => { if (drag?.moving) { dragged = true; lanes.classList.remove("panning"); } drag = null; };
  lanes.addEventListener("pointerup", end);
  lanes.addEventListener("pointercancel", end);
  lanes.addEventListener("click", e => { if (dragged) { e.stopPropagation(); e.preventDefault(); dragged = false; } }, true);
  // resizing: the strip's height is the workspace's second grid row
  grip.addEventListener("pointerdown", e => {
    const ws = host.closest(".workspace"), y0 = e.clientY, h0 = host.getBoundingClientRect().height;
    grip.setPointerCapture(e.pointerId);
    const move = ev => ws?.style.setProperty("--timeline-h", `${Math.min(Math.max(h0 + y0 - ev.clientY, 60), innerHeight * 0.8)}px`);
    const up = () => { grip.removeEventListener("pointermove", move); grip.removeEventListener("pointerup", up); };
    grip.addEventListener("pointermove", move); grip.addEventListener("pointerup", up);
  });
  place();

  return {
    // the selected instruction's spans, else (a block selected) the spans of the block's instructions
    show(block, pc = null) {
      for (const s of segs) s.classList.toggle("sel", block !== null && Number(s.dataset.block) === block);
      for (const s of ispans) {
        const p = Number(s.dataset.pc);
        s.classList.toggle("sel", pc !== null ? p === pc : block !== null && blockOf.get(p) === block);
      }
    },
    window: () => [v0 - origin, v1 - origin],
  };
}
