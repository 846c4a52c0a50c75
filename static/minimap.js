// An overview of the whole graph in a corner of the view: every block as a scaled box (tinted by its share
// of the kernel's cycles when traced; a tall one line by line), a tick for each use of the selected registers,
// and a rectangle for what the main view shows. Clicking or dragging on it centres the main view there.
import {el} from "./dom.js";
import {FASTER, SLOWER, tintAlpha} from "./heat.js";

const ORANGE = "234, 88, 12";     // the heat's tint, as the page's CSS has it

// At most MAX_W_PX x MAX_H_PX px, and at most a sixth of the view's width and a quarter of its height, so that on a
// small screen it covers little code; its button folds it away (remembered).
const MAX_W_PX = 200, MAX_H_PX = 150, MIN_W = 60, PAD = 4, TALL = 24;   // TALL: px from which a box shows its lines' heat
const FOLDED = "amdviz.minimap.folded";

export function minimap(host, graph, blocks, heat, pz, view) {     // view: the host's size, measured before drawing
  const maxW = Math.min(MAX_W_PX, Math.max(80, view.width / 6)), maxH = Math.min(MAX_H_PX, Math.max(60, view.height / 4));
  // one scale both ways, except that a graph far taller than wide (a long straight block) keeps MIN_W px of width
  const ky = Math.min((maxW - 2 * PAD) / graph.width, (maxH - 2 * PAD) / graph.height);
  const kx = Math.max(ky, Math.min((maxW - 2 * PAD) / graph.width, MIN_W / graph.width));
  const w = Math.max(24, Math.ceil(graph.width * kx + 2 * PAD)), h = Math.max(24, Math.ceil(graph.height * ky + 2 * PAD));
  const root = el("div", "minimap"), cv = el("canvas"), marks = el("canvas", "mm-marks"), frame = el("div", "mm-view");
  root.title = "overview: click or drag to move the view";
  Object.assign(root.style, {width: `${w}px`, height: `${h}px`});
  const dpr = window.devicePixelRatio || 1;
  for (const c of [cv, marks]) {
    c.width = Math.round(w * dpr); c.height = Math.round(h * dpr);
    Object.assign(c.style, {width: `${w}px`, height: `${h}px`});
  }
  const fold = el("button", "mm-fold");
  fold.type = "button";
  const folded = on => {
    root.classList.toggle("folded", on);
    fold.textContent = on ? "overview" : "–";
    fold.title = on ? "show the overview" : "fold the overview away";
    try { localStorage.setItem(FOLDED, on ? "1" : ""); } catch { /* storage off: not remembered */ }
  };
  fold.addEventListener("click", e => { e.stopPropagation(); folded(!root.classList.contains("folded")); });
  root.append(cv, marks, frame, fold);
  host.append(root);
  let remembered = false;
  try { remembered = localStorage.getItem(FOLDED) === "1"; } catch { /* storage off */ }
  folded(remembered);

  // each block's cycles, for the tint
  const cycles = new Map();
  for (const b of blocks) cycles.set(b.id, b.pcs.reduce((sum, pc) => sum + (heat.get(pc)?.share ?? 0), 0));
  const maxShare = Math.max(0, ...cycles.values());

  const ctx = cv.getContext("2d");
  ctx.scale(dpr, dpr);
  const lineShare = Math.max(0, ...[...heat.values()].map(x => x.share));
  for (const [id, b] of graph.boxes) {
    const x = PAD + b.x * kx, y = PAD + b.y * ky, bw = Math.max(1, b.w * kx), bh = Math.max(1, b.h * ky);
    ctx.fillStyle = "#ffffff"; ctx.fillRect(x, y, bw, bh);
    if (heat.size && bh >= TALL && b.pcs.length) {      // a tall box: its lines' heat, hottest per pixel row
      const rows = new Float64Array(Math.ceil(bh) + 1), tones = [];
      b.pcs.forEach((pc, r) => {
        const at = Math.floor((graph.lineRect(pc).y - b.y) * ky), h = heat.get(pc);
        if ((h?.share ?? 0) >= rows[at]) { rows[at] = h?.share ?? 0; tones[at] = h?.rgb; }
      });
      rows.forEach((share, r) => {
        const a = tintAlpha(share, lineShare);
        if (a > 0) { ctx.fillStyle = `rgba(${tones[r] ?? ORANGE}, ${a})`; ctx.fillRect(x, y + r, bw, 1); }
      });
    } else {
      const a = heat.size ? tintAlpha(cycles.get(id) ?? 0, maxShare) : 0;
      // a diff's block: the direction of its net change (heat.js diffHeat)
      const net = b.pcs.reduce((s, pc) => s + (heat.get(pc)?.delta ?? 0), 0);
      const tone = heat.get(b.pcs[0])?.rgb ? (net < 0 ? FASTER : SLOWER) : ORANGE;
      if (a > 0) { ctx.fillStyle = `rgba(${tone}, ${a})`; ctx.fillRect(x, y, bw, bh); }
    }
    ctx.strokeStyle = "#8b94a5"; ctx.lineWidth = 0.5; ctx.strokeRect(x, y, bw, bh);
  }
  root.dataset.blocks = graph.boxes.size;

  // The uses of the selected registers, every one, drawn or not: a tick per line (writes red over reads yellow).
  const mctx = marks.getContext("2d");
  mctx.scale(dpr, dpr);
  function mark(reads, writes) {
    mctx.clearRect(0, 0, w, h);
    for (const [rects, colour] of [[reads, "#d4a017"], [writes, "#dc2626"]]) {
      mctx.fillStyle = colour;
      for (const r of rects) if (r) mctx.fillRect(PAD + r.x * kx - 1, PAD + r.y * ky - 0.5, Math.max(3, r.w * kx + 2), 2);
    }
    root.dataset.marks = reads.length + writes.length;
  }

  function update() {
    const v = pz.visible();
    // clipped to the minimap, so a view larger than the graph still shows as a frame
    const x0 = Math.max(0, PAD + v.x * kx), y0 = Math.max(0, PAD + v.y * ky);
    const x1 = Math.min(w, PAD + (v.x + v.w) * kx), y1 = Math.min(h, PAD + (v.y + v.h) * ky);
    Object.assign(frame.style, {left: `${x0}px`, top: `${y0}px`, width: `${Math.max(2, x1 - x0)}px`, height: `${Math.max(2, y1 - y0)}px`});
  }
  pz.onChange(update);
  update();

  // the main view's own pan handler must not see these
  const moveTo = e => {
    const r = cv.getBoundingClientRect();
    pz.center((e.clientX - r.left - PAD) / kx, (e.clientY - r.top - PAD) / ky);
  };
  let dragging = null;
  root.addEventListener("pointerdown", e => {
    if (e.button !== 0) return;
    e.stopPropagation();
    if (e.target === fold || root.classList.contains("folded")) return;
    e.preventDefault();
    dragging = e.pointerId; root.setPointerCapture(e.pointerId); moveTo(e);
  });
  root.addEventListener("pointermove", e => { if (dragging === e.pointerId) { e.stopPropagation(); moveTo(e); } });
  const end = e => { if (dragging === e.pointerId) { e.stopPropagation(); dragging = null; } };
  root.addEventListener("pointerup", end);
  root.addEventListener("pointercancel", end);
  root.addEventListener("click", e => e.stopPropagation());
  root.addEventListener("wheel", e => e.stopPropagation());
  return {el: root, update, mark};
}
