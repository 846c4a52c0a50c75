// The kernel page: wires the graph, the instruction table and the wave timeline to one selection, which
// the URL's hash mirrors. Each piece lives in its own module; this only fetches and connects them.
import {getJSON, showError, showStatus, untilLoaded} from "./api.js";
import {el, hex, svg} from "./dom.js";
import {blockLabel, drawGraph} from "./graph.js";
import {finder} from "./find.js";
import {heatByPc} from "./heat.js";
import {panZoom} from "./panzoom.js";
import {minimap} from "./minimap.js";
import {isArrow, nextBlock} from "./navigate.js";
import {highlightRegisters} from "./reghl.js";
import {drawWaitArrows, isWait} from "./waits.js";
import {instructionTable} from "./table.js";
import {waveTimeline} from "./timeline.js";
import {createSelection} from "./selection.js";
import {readHash, writeHash} from "./deeplink.js";

// Which end of an edge a click was nearer to: clicking near the head jumps to the source, and back.
function otherEnd(edge, x, y) {
  const [a, b] = [edge.points[0], edge.points[edge.points.length - 1]];
  return Math.hypot(x - a[0], y - a[1]) <= Math.hypot(x - b[0], y - b[1]) ? edge.to : edge.from;
}

// What the timing of this kernel can say, in one line for the kernel bar (null: it is measured).
function timingNote(timing, waves) {
  if (!timing.traced) return timing.problem ? `no timing: ${timing.problem}` : "not traced: the code alone, no timing";
  if (timing.waves === 0) return `traced, but none of its ${waves.total} waves ran on an instruction-traced SIMD: ` +
    "when waves started and ended is known, not what their instructions cost";
  return null;
}

function wire(view, data) {
  const {lay, disasm, cfg, timing, waves, timelines} = data;
  const note = timingNote(timing, waves);
  if (note) document.querySelector(".kernel-bar .meta")?.after(el("span", "note", note));
  if (!waves.total) document.querySelector(".workspace")?.classList.add("no-waves");   // no empty timeline strip
  const heat = heatByPc(timing);
  const inst = new Map(disasm.instructions.map(i => [i.pc, i]));
  const blockOf = new Map(cfg.blocks.flatMap(b => b.pcs.map(pc => [pc, b.id])));

  const canvas = el("div", "cfg");
  view.replaceChildren(canvas);
  const graph = drawGraph(canvas, lay, disasm, cfg, heat);
  const waitLayer = svg("svg", {class: "waits", width: graph.width, height: graph.height});
  canvas.append(waitLayer);
  const pz = panZoom(view, canvas, graph);
  // a big kernel's boxes get their lines as they come into view, at most once a frame
  let pending = false;
  const fillSoon = () => {
    if (!graph.lazy || pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; graph.fill(pz.visible(), pz.scale); });
  };
  pz.onChange(fillSoon);
  minimap(view, graph, cfg.blocks, heat, pz);

  const sel = createSelection();
  const table = instructionTable(document.getElementById("insts"), disasm, heat, pc => sel.set({pc, block: blockOf.get(pc) ?? null}, "table"));
  const timeline = waveTimeline(document.getElementById("timeline"), waves.waves ?? [], cfg, block => sel.set({block, pc: null}, "timeline"),
                                {timelines, blockOf, onSelectPc: pc => sel.set({pc, block: blockOf.get(pc) ?? null}, "timeline")});

  // --- the selection, shown everywhere ---------------------------------------------------------------
  sel.listen((s, source) => {
    for (const e of canvas.querySelectorAll(".block.selected, .line.sel")) e.classList.remove("selected", "sel");
    const box = graph.boxes.get(s.block);
    box?.el.classList.add("selected");
    if (s.pc !== null) graph.line(s.pc)?.classList.add("sel");
    if (box && source !== "graph") pz.reveal(box);
    highlightRegisters(canvas, s.regs);
    drawWaitArrows(waitLayer, graph, blockOf, heat, s.wait);
    table.show(s.pc, source !== "table");
    timeline.show(s.block, s.pc);
    showXrefs(s.block);
    writeHash(s, source !== "history" && source !== "link");
  });
  addEventListener("popstate", () => sel.set({block: null, pc: null, regs: [], wait: null, ...readHash()}, "history"));

  // --- cross-references: the branches (and fall-throughs) that reach the selected block ---------------
  const xrefs = document.getElementById("xrefs");
  const startOf = new Map(cfg.blocks.map(b => [b.id, b.start]));
  function showXrefs(block) {
    if (!xrefs) return;
    xrefs.replaceChildren();
    if (block === null || !startOf.has(block)) return;
    const into = cfg.edges.filter(e => e.to === block);
    xrefs.append(`${blockLabel(startOf.get(block))} ← `);
    if (!into.length) xrefs.append(el("span", "hint", "nothing: the entry"));
    into.forEach((e, k) => {
      const a = el("a", "xref", blockLabel(startOf.get(e.from)));
      a.href = "#"; a.title = `${e.kind} from ${hex(startOf.get(e.from))}`;
      a.addEventListener("click", ev => { ev.preventDefault(); sel.set({block: e.from, pc: null}, "xref"); });
      xrefs.append(...(k ? [", "] : []), a, el("span", "hint", ` ${e.kind}`));
    });
  }

  // instructions by cycles, hottest first, for "n"
  const hottest = [...heat].filter(([, h]) => h.cycles > 0).sort((a, b) => b[1].cycles - a[1].cycles || a[0] - b[0]).map(([pc]) => pc);

  // the table's width: dragged at its left edge
  const side = document.querySelector(".side"), split = side ? el("div", "side-grip") : null;
  if (split) {
    split.title = "drag to resize";
    side.prepend(split);
    split.addEventListener("pointerdown", e => {
      const ws = side.closest(".workspace"), x0 = e.clientX, w0 = side.getBoundingClientRect().width;
      split.setPointerCapture(e.pointerId);
      const move = ev => ws.style.setProperty("--side-w", `${Math.min(Math.max(w0 + x0 - ev.clientX, 200), innerWidth * 0.8)}px`);
      const up = () => { split.removeEventListener("pointermove", move); split.removeEventListener("pointerup", up); };
      split.addEventListener("pointermove", move); split.addEventListener("pointerup", up);
    });
  }

  // --- search and go-to ---------------------------------------------------------------------------------
  const findInput = document.getElementById("find");
  const find = findInput ? finder(findInput, document.getElementById("find-count"), disasm.instructions,
                                  pc => sel.set({pc, block: blockOf.get(pc) ?? null}, "find"), () => sel.get().pc) : null;

  // --- graph input -------------------------------------------------------------------------------------
  canvas.addEventListener("click", e => {
    const jump = e.target.closest(".target[data-target]");
    if (jump) {                                   // a branch's target: go there
      const pc = Number(jump.dataset.target);
      if (blockOf.has(pc)) { sel.set({block: blockOf.get(pc), pc}, "jump"); return; }
    }
    const reg = e.target.closest(".reg[data-reg]"), line = e.target.closest(".line"), box = e.target.closest(".block");
    const edge = e.target.closest("g.edge");
    if (edge) {
      const found = graph.edges.find(x => x.el === edge), r = canvas.getBoundingClientRect();
      const to = otherEnd(found, (e.clientX - r.left) / pz.scale, (e.clientY - r.top) / pz.scale);
      sel.set({block: to, pc: null}, "edge");
      return;
    }
    if (!box) { sel.set({regs: [], wait: null}, "graph"); return; }
    const pc = line ? Number(line.dataset.pc) : null;
    const patch = {block: Number(box.dataset.block), pc};
    if (reg) patch.regs = reg.dataset.reg.split(" ");
    patch.wait = pc !== null && isWait(inst.get(pc)?.text) ? pc : null;
    sel.set(patch, "graph");
  });

  document.getElementById("fit")?.addEventListener("click", () => pz.fit());
  document.addEventListener("keydown", e => {
    if (e.target.closest?.("input, textarea, select")) return;
    const s = sel.get();
    if (e.altKey && (e.key === "ArrowLeft" || e.key === "ArrowRight")) {    // back / forward through the jumps
      e.preventDefault();
      if (e.key === "ArrowLeft") history.back(); else history.forward();
      return;
    }
    if (e.key === "Escape") sel.set({regs: [], wait: null}, "key");
    else if (isArrow(e.key)) {
      const start = s.block ?? blockOf.get(disasm.instructions[0]?.pc) ?? null;
      const next = s.block === null ? start : nextBlock(graph.boxes, s.block, e.key);
      if (next !== null && next !== undefined) sel.set({block: next, pc: null}, "key");
      e.preventDefault();
    } else if (e.key === "f") pz.fit();
    else if (e.key === "n" && hottest.length) {            // the next hottest instruction after the selected one
      const k = hottest.indexOf(s.pc);
      const pc = hottest[(k + 1) % hottest.length];
      sel.set({pc, block: blockOf.get(pc) ?? null}, "key");
    }
    else if (e.key === "/" && find) { find.focus(); e.preventDefault(); }
    else if (e.key === "g" && find) { find.focus("0x"); e.preventDefault(); }
    else if (e.key === "+" || e.key === "=") pz.zoomBy(1.25);
    else if (e.key === "-") pz.zoomBy(0.8);
    else return;
  });

  // --- first view: the link's selection, else the whole graph ----------------------------------------
  const linked = readHash();
  if (linked.block !== null && !graph.boxes.has(linked.block)) linked.block = blockOf.get(linked.pc) ?? null;
  // IDA opens on the entry block at full size; "fit" (or f) shows the whole graph
  const entry = graph.boxes.get(blockOf.get(disasm.instructions[0]?.pc));
  if (entry) pz.reveal(entry); else pz.fit();
  sel.set(linked, "link");
  graph.fill(pz.visible(), pz.scale);
  view.dataset.ready = "1";       // for tests and scripts: everything is drawn
}

const MAX_TIMELINES = 64;

async function main() {
  const view = document.getElementById("view");
  if (!view) return;
  try {
    await untilLoaded(document.getElementById("status").dataset.url, showStatus);   // one poller, not five
    const urls = ["layout", "disasm", "cfg", "timing", "waves"].map(k => view.dataset[k]);
    const [lay, disasm, cfg, timing, waves] = await Promise.all(urls.map(url => getJSON(url, showStatus)));
    // the instruction-traced waves' real timelines (a traced SIMD: a handful of waves; past MAX_TIMELINES the
    // rest keep the block estimate rather than flood the server)
    const traced = (waves.waves ?? []).map((w, i) => [w, i]).filter(([w]) => w.traced).slice(0, MAX_TIMELINES);
    const bodies = await Promise.all(traced.map(([, i]) => getJSON(`${view.dataset.waves}/${i}/timeline`, showStatus)));
    const timelines = new Map(traced.map(([, i], k) => [i, bodies[k]]));
    showStatus({state: "ready"});
    wire(view, {lay, disasm, cfg, timing, waves, timelines});
  } catch (e) {
    showError(e.message);
    console.error(e);
  }
}

main();
