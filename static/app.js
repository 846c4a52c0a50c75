// The kernel page: the control-flow graph as IDA draws it. The server computes the layout
// (/api/kernels/N/layout: boxes and routed edges); this draws boxes of disassembly as positioned HTML
// over an SVG of the edges. Register highlighting, heat, timeline and pan/zoom come later.
import {getJSON, showError, showStatus, untilLoaded} from "./api.js";

// The server sized each box for CHAR_W px per character and LINE_H px per line plus PAD around
// (viz/layout.py block_sizes); the font is scaled so this browser's monospace glyphs are that wide.
const CHAR_W = 7.2, LINE_H = 16, PAD = 8, BASE_PX = 12;
const SVG = "http://www.w3.org/2000/svg";

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function svg(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

function fittedFontPx(container) {
  const probe = el("span", "probe", "0".repeat(100));
  container.append(probe);
  const w = probe.getBoundingClientRect().width / 100;
  probe.remove();
  return w > 0 ? BASE_PX * CHAR_W / w : BASE_PX;
}

const hex = v => "0x" + v.toString(16);

// IDA's colours: a conditional branch's taken edge green, its fall-through red, a lone successor blue.
function edgeClass(e, outDegree) {
  const kind = outDegree.get(e.from) === 1 ? "uncond" : e.kind === "taken" ? "taken" : e.kind === "fallthrough" ? "fall" : "uncond";
  return `edge ${kind}${e.back ? " back" : ""}`;
}

function draw(view, lay, disasm, cfg) {
  const inst = new Map(disasm.instructions.map(i => [i.pc, i]));
  const blocks = new Map(cfg.blocks.map(b => [b.id, b]));
  const outDegree = new Map();
  for (const e of lay.edges) outDegree.set(e.from, (outDegree.get(e.from) ?? 0) + 1);

  const canvas = el("div", "cfg");
  canvas.style.width = `${lay.width}px`;
  canvas.style.height = `${lay.height}px`;
  view.replaceChildren(canvas);
  canvas.style.fontSize = `${fittedFontPx(canvas)}px`;

  const edges = svg("svg", {class: "edges", width: lay.width, height: lay.height, viewBox: `0 0 ${lay.width} ${lay.height}`});
  const defs = svg("defs", {});
  for (const kind of ["taken", "fall", "uncond"]) {
    const m = svg("marker", {id: `arrow-${kind}`, viewBox: "0 0 8 8", refX: 8, refY: 4, markerWidth: 8, markerHeight: 8,
                             markerUnits: "userSpaceOnUse", orient: "auto"});
    m.append(svg("path", {d: "M0,0 L8,4 L0,8 z", class: `arrow ${kind}`}));
    defs.append(m);
  }
  edges.append(defs);
  for (const e of lay.edges) {
    const cls = edgeClass(e, outDegree);
    const line = svg("polyline", {points: e.points.map(p => p.join(",")).join(" "), class: cls,
                                  "marker-end": `url(#arrow-${cls.split(" ")[1]})`});
    line.append(svg("title", {}));
    line.firstChild.textContent = `${hex(e.from)} → ${hex(e.to)} (${e.kind}${e.back ? ", back edge" : ""})`;
    edges.append(line);
  }
  canvas.append(edges);

  for (const n of lay.nodes) {
    const b = blocks.get(n.id);
    const box = el("div", `block${b && !b.reachable ? " unreachable" : ""}`);
    Object.assign(box.style, {left: `${n.x}px`, top: `${n.y}px`, width: `${n.w}px`, height: `${n.h}px`, padding: `${PAD}px`});
    box.title = `block ${hex(b ? b.start : n.id)}${b && !b.reachable ? " (unreachable)" : ""}`;
    box.id = `block-${n.id}`;
    for (const pc of b ? b.pcs : []) {
      const i = inst.get(pc);
      const line = el("div", "line");
      line.style.height = `${LINE_H}px`;
      line.dataset.pc = pc;
      if (i) {
        line.title = `${hex(pc)}: ${i.hex}`;
        const sp = i.text.indexOf(" ");
        line.append(el("span", "mn", sp < 0 ? i.text : i.text.slice(0, sp)));
        if (sp >= 0) line.append(el("span", "ops", i.text.slice(sp)));
      }
      box.append(line);
    }
    canvas.append(box);
  }
}

async function main() {
  const view = document.getElementById("view");
  if (!view) return;
  try {
    await untilLoaded(document.getElementById("status").dataset.url, showStatus);   // one poller, not three
    const [lay, disasm, cfg] = await Promise.all(
      [view.dataset.layout, view.dataset.disasm, view.dataset.cfg].map(url => getJSON(url, showStatus)));
    showStatus({state: "ready"});
    draw(view, lay, disasm, cfg);
  } catch (e) {
    showError(e.message);
  }
}

main();
