// An overview of the whole graph in a corner of the view: every block as a scaled box (tinted by its share
// of the kernel's cycles when traced) and a rectangle for what the main view shows. Clicking or dragging
// on it centres the main view there.
import {el} from "./dom.js";
import {tintAlpha} from "./heat.js";

const MAX_W = 200, MAX_H = 150, PAD = 4;

export function minimap(host, graph, blocks, heat, pz) {
  const k = Math.min((MAX_W - 2 * PAD) / graph.width, (MAX_H - 2 * PAD) / graph.height);
  const w = Math.max(24, Math.ceil(graph.width * k + 2 * PAD)), h = Math.max(24, Math.ceil(graph.height * k + 2 * PAD));
  const root = el("div", "minimap"), cv = el("canvas"), frame = el("div", "mm-view");
  root.title = "overview: click or drag to move the view";
  Object.assign(root.style, {width: `${w}px`, height: `${h}px`});
  const dpr = window.devicePixelRatio || 1;
  cv.width = Math.round(w * dpr); cv.height = Math.round(h * dpr);
  Object.assign(cv.style, {width: `${w}px`, height: `${h}px`});
  root.append(cv, frame);
  host.append(root);

  // each block's cycles, for the tint
  const cycles = new Map();
  for (const b of blocks) cycles.set(b.id, b.pcs.reduce((sum, pc) => sum + (heat.get(pc)?.share ?? 0), 0));
  const maxShare = Math.max(0, ...cycles.values());

  const ctx = cv.getContext("2d");
  ctx.scale(dpr, dpr);
  for (const [id, b] of graph.boxes) {
    const x = PAD + b.x * k, y = PAD + b.y * k, bw = Math.max(1, b.w * k), bh = Math.max(1, b.h * k);
    ctx.fillStyle = "#ffffff"; ctx.fillRect(x, y, bw, bh);
    const a = heat.size ? tintAlpha(cycles.get(id) ?? 0, maxShare) : 0;
    if (a > 0) { ctx.fillStyle = `rgba(234, 88, 12, ${a})`; ctx.fillRect(x, y, bw, bh); }
    ctx.strokeStyle = "#8b94a5"; ctx.lineWidth = 0.5; ctx.strokeRect(x, y, bw, bh);
  }
  root.dataset.blocks = graph.boxes.size;

  function update() {
    const v = pz.visible();
    // clipped to the minimap, so a view larger than the graph still shows as a frame
    const x0 = Math.max(0, PAD + v.x * k), y0 = Math.max(0, PAD + v.y * k);
    const x1 = Math.min(w, PAD + (v.x + v.w) * k), y1 = Math.min(h, PAD + (v.y + v.h) * k);
    Object.assign(frame.style, {left: `${x0}px`, top: `${y0}px`, width: `${Math.max(2, x1 - x0)}px`, height: `${Math.max(2, y1 - y0)}px`});
  }
  pz.onChange(update);
  update();

  // the main view's own pan handler must not see these
  const moveTo = e => {
    const r = cv.getBoundingClientRect();
    pz.center((e.clientX - r.left - PAD) / k, (e.clientY - r.top - PAD) / k);
  };
  let dragging = null;
  root.addEventListener("pointerdown", e => {
    if (e.button !== 0) return;
    e.stopPropagation(); e.preventDefault();
    dragging = e.pointerId; root.setPointerCapture(e.pointerId); moveTo(e);
  });
  root.addEventListener("pointermove", e => { if (dragging === e.pointerId) { e.stopPropagation(); moveTo(e); } });
  const end = e => { if (dragging === e.pointerId) { e.stopPropagation(); dragging = null; } };
  root.addEventListener("pointerup", end);
  root.addEventListener("pointercancel", end);
  root.addEventListener("click", e => e.stopPropagation());
  root.addEventListener("wheel", e => e.stopPropagation());
  return {el: root, update};
}
