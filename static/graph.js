// The control-flow graph as IDA draws it: the server computes the layout (/api/kernels/N/layout: boxes
// and routed edges); this draws boxes of disassembly as positioned HTML over an SVG of the edges, with a
// heat gutter (hits, cycles) left of each line when the kernel was traced.
import {el, svg, hex, compact} from "./dom.js";
import {operandPieces} from "./registers.js";
import {stretchX} from "./stretch.js";
import {tintAlpha, percent, signed} from "./heat.js";
import {LANE_PX, pressureLane} from "./pressure.js";

// The server sized each box for CHAR_W px per character and LINE_H px per line plus PAD around
// (viz/layout.py block_sizes); the font is scaled so this browser's monospace glyphs are that wide.
export const CHAR_W = 7.2, LINE_H = 16, PAD = 8;
const BASE_PX = 12, GUTTER_CHARS = 13;      // gutter: hits (5) + space + cycles (6) + space
// Past LAZY_OVER instructions lines are drawn CHUNK at a time only near the view (MARGIN_VIEWS view sizes
// around it) and dropped past KEEP_VIEWS; none while zoomed out below MIN_TEXT_SCALE, where text is unreadable.
export const LAZY_OVER = 500, CHUNK = 64;
const MARGIN_VIEWS = 0.5, KEEP_VIEWS = 1.5, MIN_TEXT_SCALE = 0.2;

function fittedFontPx(container) {
  const probe = el("span", "probe", "0".repeat(100));
  container.append(probe);
  const w = probe.getBoundingClientRect().width / 100;
  probe.remove();
  return w > 0 ? BASE_PX * CHAR_W / w : BASE_PX;
}

// IDA's colours: a conditional branch's taken edge green, its fall-through red, a lone successor blue.
function edgeKind(e, outDegree) {
  return outDegree.get(e.from) === 1 ? "uncond" : e.kind === "taken" ? "taken" : e.kind === "fallthrough" ? "fall" : "uncond";
}

export function codeLine(i) {
  const code = el("span", "code");
  for (const p of operandPieces(i.text, i.reads, i.writes)) {
    if (p.mnemonic) code.append(el("span", "mn", p.text));
    else if (p.regs) {
      const r = el("span", `reg ${p.role}`, p.text);
      r.dataset.reg = p.regs.join(" ");
      code.append(r);
    } else code.append(p.text);
  }
  if (i.target !== null && i.target !== undefined) {      // where a branch goes, as a link (IDA names the label)
    const t = el("span", "target", ` → ${blockLabel(i.target)}`);
    t.dataset.target = i.target;
    t.title = `go to ${hex(i.target)}`;
    code.append(t);
  }
  return code;
}

export const blockLabel = pc => `BB_${pc.toString(16)}`;

export function gutter(h) {
  const g = el("span", "gutter");
  if (h?.delta !== undefined) {        // a diff (heat.js diffHeat): B's cycles, and the change from A
    g.append(el("span", "hits", compact(h.cycles ?? 0)), el("span", "cyc", signed(h.delta)));
    g.title = `A: ${h.cyclesA === null ? "no such instruction" : `${h.hitsA} hits · ${h.cyclesA} cycles`} · ` +
      `B: ${h.hits} hits · ${h.cycles} cycles · change ${signed(h.delta)} cycles (${percent(h.share)} of all the changes)`;
  } else if (h) {
    g.append(el("span", "hits", compact(h.hits)), el("span", "cyc", compact(h.cycles)));
    g.title = `${h.hits} hits · ${h.cycles} cycles · ${percent(h.share)} of the kernel's cycles`;
  }
  return g;
}

// Draw into `canvas`; returns where everything is: boxes by block id ({el, x, y, w, h} in canvas px),
// line elements by pc, edges with their drawn points.
// `press`: pressure.js pressureByPc, a lane left of each line when not empty.
export function drawGraph(canvas, lay, disasm, cfg, heat, press = new Map()) {
  const inst = new Map(disasm.instructions.map(i => [i.pc, i]));
  const blocks = new Map(cfg.blocks.map(b => [b.id, b]));
  const counts = new Map(cfg.edges.map(e => [`${e.from}>${e.to}>${e.kind}`, e.count]));
  const outDegree = new Map();
  for (const e of lay.edges) outDegree.set(e.from, (outDegree.get(e.from) ?? 0) + 1);

  canvas.replaceChildren();
  const font = fittedFontPx(canvas);
  canvas.style.fontSize = `${font}px`;
  const G = heat.size ? GUTTER_CHARS * CHAR_W : 0;
  const P = press.size ? LANE_PX : 0;       // the pressure lane, left of the gutter
  const fx = stretchX(lay.nodes, G + P);
  const width = fx(lay.width), height = lay.height;
  Object.assign(canvas.style, {width: `${width}px`, height: `${height}px`});
  canvas.style.setProperty("--gutter", `${G}px`);
  const maxShare = Math.max(0, ...[...heat.values()].map(h => h.share));

  const edgeLayer = svg("svg", {class: "edges", width, height, viewBox: `0 0 ${width} ${height}`});
  const defs = svg("defs");
  for (const kind of ["taken", "fall", "uncond", "wait"]) {
    const m = svg("marker", {id: `arrow-${kind}`, viewBox: "0 0 8 8", refX: 8, refY: 4, markerWidth: 8, markerHeight: 8,
                             markerUnits: "userSpaceOnUse", orient: "auto"});
    m.append(svg("path", {d: "M0,0 L8,4 L0,8 z", class: `arrow ${kind}`}));
    defs.append(m);
  }
  edgeLayer.append(defs);
  const edges = [], labelRows = new Map();
  for (const e of lay.edges) {
    const kind = edgeKind(e, outDegree), points = e.points.map(([x, y]) => [fx(x), y]);
    const g = svg("g", {class: `edge ${kind}${e.back ? " back" : ""}`});
    const pts = points.map(p => p.join(",")).join(" ");
    g.append(svg("polyline", {points: pts, class: "hit"}),        // wide and invisible: easy to click
             svg("polyline", {points: pts, class: "stroke", "marker-end": `url(#arrow-${kind})`}));
    const count = counts.get(`${e.from}>${e.to}>${e.kind}`);
    const title = svg("title");
    title.textContent = `${hex(e.from)} → ${hex(e.to)} (${e.kind}${e.back ? ", back edge" : ""})` +
      (count !== undefined ? ` · taken ${count}×` : "") + " · click near an end to jump to the other end";
    g.append(title);
    if (count !== undefined && heat.size) {
      // beside the edge's first leg, on the side it turns to (two edges leaving a box turn apart), one row
      // lower for each label already on that side of the box
      const [x, y] = points[0], turn = points.find(p => p[0] !== x), left = turn !== undefined && turn[0] < x;
      const side = `${e.from}${left ? "<" : ">"}`, row = labelRows.get(side) ?? 0;
      labelRows.set(side, row + 1);
      const label = svg("text", {x: left ? x - 4 : x + 4, y: y + 12 + 12 * row, class: "edge-count", "text-anchor": left ? "end" : "start"});
      label.textContent = `${compact(count)}×`;
      g.append(label);
    }
    edgeLayer.append(g);
    edges.push({from: e.from, to: e.to, el: g, points});
  }
  canvas.append(edgeLayer);

  // A big kernel draws its boxes at once but their lines only near the view, CHUNK lines at a time, and
  // drops the chunks the view has left far behind: however long a block, the DOM holds a few hundred lines.
  // Whoever marks lines (selection, registers, waits) hears of each chunk drawn (onDraw) to mark it too.
  const lazy = disasm.instructions.length > LAZY_OVER;
  const boxes = new Map(), lines = new Map(), drawn = [];
  const lineEl = pc => {
    const i = inst.get(pc), h = heat.get(pc);
    const line = el("div", "line");
    line.dataset.pc = pc;
    if (P) line.append(pressureLane(press.get(pc)));
    if (G) line.append(gutter(h));
    if (i) { line.title = `${hex(pc)}: ${i.hex}`; line.append(codeLine(i)); }
    if (h) {
      line.dataset.cycles = h.cycles;
      line.style.setProperty("--heat", tintAlpha(h.share, maxShare));
      if (h.rgb) { line.style.setProperty("--heat-rgb", h.rgb); line.dataset.delta = h.delta; }   // a diff's direction
      if (h.inserted) line.classList.add("inserted");
    }
    lines.set(pc, line);
    return line;
  };
  function fillBox(box) {                 // a small kernel: every line, once, in the box's flow
    if (box.filled) return;
    box.filled = true;
    for (const pc of blocks.get(box.id)?.pcs ?? []) box.el.append(lineEl(pc));
  }
  function drawChunk(box, k) {
    let c = box.chunks.get(k);
    if (c) return c;
    c = el("div", "chunk");
    c.style.top = `${PAD + (1 + k * CHUNK) * LINE_H}px`;         // below the head line
    for (const pc of box.pcs.slice(k * CHUNK, (k + 1) * CHUNK)) c.append(lineEl(pc));
    box.el.append(c);
    box.chunks.set(k, c);
    for (const fn of drawn) fn(c);
    return c;
  }
  function dropChunk(box, k) {
    const c = box.chunks.get(k);
    for (const line of c.children) lines.delete(Number(line.dataset.pc));
    c.remove();
    box.chunks.delete(k);
  }
  for (const n of lay.nodes) {
    const b = blocks.get(n.id);
    const x = fx(n.x), w = fx(n.x + n.w) - x;
    const box = el("div", `block${b && !b.reachable ? " unreachable" : ""}${lazy ? " pending" : ""}`);
    Object.assign(box.style, {left: `${x}px`, top: `${n.y}px`, width: `${w}px`, height: `${n.h}px`, padding: `${PAD}px`});
    box.title = `block ${hex(b ? b.start : n.id)}${b && !b.reachable ? " (unreachable)" : ""}`;
    box.id = `block-${n.id}`;
    box.dataset.block = n.id;
    // the box's first line names it by its address (a branch's link says the same name), with its counts when
    // traced: inside the box (the server sized it for this line, viz.layout.block_head), where no arrow crosses it
    const counts = b && b.hits !== undefined && heat.size ? ` · ${compact(b.hits)} hits · ${compact(b.cycles)} cycles` : "";
    box.append(el("div", "block-head", `${blockLabel(b ? b.start : n.id)}${counts}`));
    canvas.append(box);
    const entry = {id: n.id, el: box, x, y: n.y, w, h: n.h, filled: false, pcs: b ? b.pcs : [], chunks: new Map()};
    boxes.set(n.id, entry);
    if (!lazy) fillBox(entry);
  }
  const blockOfPc = new Map(), rowOf = new Map();      // pc -> its block, and its line's index there
  for (const b of cfg.blocks) b.pcs.forEach((pc, k) => { blockOfPc.set(pc, b.id); rowOf.set(pc, k); });

  // Draw the chunks that meet rect (canvas px) grown by MARGIN_VIEWS of its size each way (none while zoomed
  // out below MIN_TEXT_SCALE, where text could not be read), and drop those outside KEEP_VIEWS; returns
  // how many were drawn.
  function fill(rect, scale) {
    if (!lazy) return 0;
    const grow = m => [rect.x - rect.w * m, rect.y - rect.h * m, rect.x + rect.w * (1 + m), rect.y + rect.h * (1 + m)];
    const [x0, y0, x1, y1] = grow(MARGIN_VIEWS), [kx0, ky0, kx1, ky1] = grow(KEEP_VIEWS);
    const span = CHUNK * LINE_H;
    let n = 0;
    for (const b of boxes.values()) {
      for (const k of [...b.chunks.keys()]) {
        const top = b.y + PAD + LINE_H + k * span;
        if (b.x > kx1 || b.x + b.w < kx0 || top > ky1 || top + span < ky0) dropChunk(b, k);
      }
      if (scale < MIN_TEXT_SCALE || b.x >= x1 || b.x + b.w <= x0 || b.y >= y1 || b.y + b.h <= y0) continue;
      const last = Math.ceil(b.pcs.length / CHUNK) - 1;
      const k0 = Math.max(0, Math.floor((y0 - b.y - PAD - LINE_H) / span));
      const k1 = Math.min(last, Math.floor((y1 - b.y - PAD - LINE_H) / span));
      for (let k = k0; k <= k1; k++) if (!b.chunks.has(k)) { drawChunk(b, k); n++; }
    }
    return n;
  }
  // The line element of pc, drawing it (its chunk, or a small kernel's box) first if need be.
  function line(pc) {
    const b = boxes.get(blockOfPc.get(pc));
    if (!b) return undefined;
    if (lazy) drawChunk(b, Math.floor(rowOf.get(pc) / CHUNK)); else fillBox(b);
    return lines.get(pc);
  }
  // Where pc's line is, in canvas px, drawn or not: {x, y, w, h} of the line inside its box.
  function lineRect(pc) {
    const b = boxes.get(blockOfPc.get(pc));
    if (!b) return null;
    return {x: b.x + PAD, y: b.y + PAD + (1 + rowOf.get(pc)) * LINE_H, w: b.w - 2 * PAD, h: LINE_H};
  }
  return {boxes, lines, line, lineRect, fill, lazy, edges, width, height, gutter: G + P, onDraw(fn) { drawn.push(fn); }};
}

// Where the line of `pc` is in canvas px: its left and right ends at mid-height.
export function lineAnchor(graph, pc) {
  const r = graph.lineRect(pc);
  return r && {left: r.x + graph.gutter, right: r.x + r.w, y: r.y + LINE_H / 2};
}
