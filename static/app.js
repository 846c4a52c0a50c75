// The kernel page: wires the graph, the instruction table and the wave timeline to one selection, which
// the URL's hash mirrors. Each piece lives in its own module; this only fetches and connects them.
import {getJSON, showError, showStatus, untilLoaded} from "./api.js";
import {el, hex, plural, svg} from "./dom.js";
import {blockLabel, drawGraph} from "./graph.js";
import {finder} from "./find.js";
import {diffHeat, heatByPc, signed} from "./heat.js";
import {panZoom} from "./panzoom.js";
import {minimap} from "./minimap.js";
import {isArrow, nextBlock} from "./navigate.js";
import {highlightRegisters} from "./reghl.js";
import {drawWaitArrows, isWait} from "./waits.js";
import {diffTable, instructionTable} from "./table.js";
import {linearListing} from "./listing.js";
import {pressureByPc, pressureLegend} from "./pressure.js";
import {markVopd, vopdByPc, vopdLegend} from "./vopd.js";
import {estimateMode} from "./estimate.js";
import {sourcePane} from "./source.js";
import {waveTimeline} from "./timeline.js";
import {createSelection} from "./selection.js";
import {readHash, writeHash} from "./deeplink.js";

// Which end of an edge a click was nearer to: clicking near the head jumps to the source, and back.
function otherEnd(edge, x, y) {
  const [a, b] = [edge.points[0], edge.points[edge.points.length - 1]];
  return Math.hypot(x - a[0], y - a[1]) <= Math.hypot(x - b[0], y - b[1]) ? edge.to : edge.from;
}

// Registers as an operand names them: v4, v5, v6 -> v[4:6]; anything else listed.
function registerRange(regs) {
  const m = regs.map(r => /^([a-z]+)(\d+)$/.exec(r));
  const run = m.every(x => x && x[1] === m[0][1]) && m.every((x, k) => +x[2] === +m[0][2] + k);
  return run && regs.length > 1 ? `${m[0][1]}[${m[0][2]}:${m.at(-1)[2]}]` : regs.join(", ");
}

// What the timing of this kernel can say, in one line for the kernel bar (null: it is measured).
function timingNote(timing, waves) {
  if (!timing.traced) return timing.problem ? `no timing: ${timing.problem}` : "not traced: the code alone, no timing";
  if (timing.waves === 0) return `traced, but none of its ${waves.total} waves ran on an instruction-traced SIMD: ` +
    "when waves started and ended is known, not what their instructions cost";
  return null;
}

function wire(view, data) {
  const {lay, disasm, cfg, timing, waves, timelines, diff, pressure, vopd, blocks} = data;
  const press = pressureByPc(pressure);     // live VGPRs per pc: a lane beside each line, a table column
  const duals = vopdByPc(vopd);             // VALU pairs that could issue as one VOPD: a mark on both lines
  const note = timingNote(timing, waves);
  if (note) {
    const n = el("span", "note", note);
    n.title = note;
    document.querySelector(".kernel-bar .meta")?.after(n);
  }
  if (!waves.total) document.querySelector(".workspace")?.classList.add("no-waves");   // no empty timeline strip
  // a diff page (/diff): the change from kernel A is the heat, when both sides were measured; else B's own heat
  const diffing = Boolean(diff && diff.totals.delta !== null);
  const heat = diffing ? diffHeat(heatByPc(timing), diff) : heatByPc(timing);
  const inst = new Map(disasm.instructions.map(i => [i.pc, i]));
  const blockOf = new Map(cfg.blocks.flatMap(b => b.pcs.map(pc => [pc, b.id])));

  const canvas = el("div", "cfg");
  view.replaceChildren(canvas);
  const viewSize = {width: view.clientWidth, height: view.clientHeight};    // measured before the graph fills the page
  const graph = drawGraph(canvas, lay, disasm, cfg, heat, press);
  const waitLayer = svg("svg", {class: "waits", width: graph.width, height: graph.height});
  canvas.append(waitLayer);
  const pz = panZoom(view, canvas, graph, viewSize);
  // a big kernel's boxes get their lines as they come into view, at most once a frame
  let pending = false;
  const fillSoon = () => {
    if (!graph.lazy || pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; graph.fill(pz.visible(), pz.scale); });
  };
  pz.onChange(fillSoon);
  const overview = minimap(view, graph, cfg.blocks, heat, pz, viewSize);

  const sel = createSelection();
  const table = instructionTable(document.getElementById("insts"), disasm, heat, pc => sel.set({pc, block: blockOf.get(pc) ?? null}, "table"),
                                 diff ? diffTable(diff) : {press});
  const timeline = waveTimeline(document.getElementById("timeline"), waves.waves ?? [], cfg, block => sel.set({block, pc: null}, "timeline"),
                                {timelines, blockOf, onSelectPc: pc => sel.set({pc, block: blockOf.get(pc) ?? null}, "timeline")});

  // --- the selection, shown everywhere ---------------------------------------------------------------
  // Lines are drawn as they come into view (a big kernel's graph, the listing): each drawing gets the selection's marks.
  const decorate = root => {
    const s = sel.get();
    const mark = (pc, cls) => root.querySelector(`.line[data-pc="${pc}"]`)?.classList.add(cls);
    if (s.pc !== null) mark(s.pc, "sel");
    if (s.regs.length) highlightRegisters(root, s.regs);
    if (s.wait !== null) { mark(s.wait, "wait-sel"); for (const w of heat.get(s.wait)?.wait ?? []) mark(w.pc, "waited-load"); }
    for (const pc of s.group) mark(pc, "src-sel");
  };
  graph.onDraw(decorate);
  markVopd(canvas, duals);                  // (a small kernel's lines are all drawn; a big one's chunks as they come)
  graph.onDraw(root => markVopd(root, duals));
  const listHost = document.getElementById("listing");
  const listing = listHost ? linearListing(listHost, disasm, cfg, heat, press) : null;
  listing?.onDraw(decorate);
  listing?.onDraw(root => markVopd(root, duals));
  const modeButton = document.getElementById("mode");
  const startOf = new Map(cfg.blocks.map(b => [b.id, b.start]));
  let listed = false;
  function showMode(s, source) {
    const on = Boolean(s.listing && listing);
    if (modeButton) modeButton.textContent = on ? "graph" : "listing";
    if (on !== listed) {
      listed = on;
      listHost.hidden = !on;
      view.classList.toggle("behind", on);
      if (on) listHost.focus({preventScroll: true});
    }
    if (!on) return;
    const at = s.pc ?? startOf.get(s.block) ?? disasm.instructions[0]?.pc;
    if (source !== "listing" && at !== undefined) listing.show(at); else listing.draw(true);
  }
  const regUses = document.getElementById("reg-uses");
  if (diff) {                       // a diff's legend: the totals, the gutter, the colours
    const t = diff.totals, legend = el("span", "diff-legend");
    if (!diffing) legend.append(`no change to show: ${["a", "b"].filter(s => !diff[`measured_${s}`]).map(s => s.toUpperCase()).join(" and ")} ` +
                                "has no instruction timing");
    else legend.append(el("span", "", `cycles A ${t.cycles_a.toLocaleString("en")} → B ${t.cycles_b.toLocaleString("en")} ` +
                          `(${signed(t.delta)}${t.cycles_a ? `, ${(100 * t.delta / t.cycles_a).toFixed(1)}%` : ""})`),
                       el("span", "", "left of each line: B cycles · change"), el("span", "faster", "faster"),
                       el("span", "diff-scale"), el("span", "slower", "slower"), el("span", "inserted-key"), "only in B");
    legend.title = diff.matched_by === "pc" ? "the same code: instructions matched by pc" :
      `the code differs: instructions aligned by text, then mnemonic (${diff.matched} matched, ${diff.only_a} only in A, ` +
      `${diff.only_b} only in B; A's are listed in the table)`;
    document.querySelector(".kernel-status")?.append(legend);
  } else if (heat.size) {           // what the numbers left of each line are
    const legend = el("span", "gutter-legend", "left of each line: hits · cycles (its share tints it)");
    legend.title = "hits: times an instruction-traced wave ran it; cycles: from its issue to the wave's next issue, summed";
    document.querySelector(".kernel-status")?.append(legend);
  }
  if (press.size) document.querySelector(".kernel-status")?.append(pressureLegend(pressure));   // what the lane is
  if (duals.size) document.querySelector(".kernel-status")?.append(vopdLegend(vopd));         // what the marks are
  // the second heat mode: blocks by measured / estimated cycles a pass (its legend shown while it is on)
  estimateMode(blocks, graph, canvas, document.querySelector(".kernel-status"), document.getElementById("heat-mode"));
  let shownRegs = "";
  sel.listen((s, source) => {
    showMode(s, source);
    for (const e of canvas.querySelectorAll(".block.selected, .line.sel, .line.src-sel")) e.classList.remove("selected", "sel", "src-sel");
    const box = graph.boxes.get(s.block);
    box?.el.classList.add("selected");
    if (box && source !== "graph") pz.reveal(box, s.pc !== null ? graph.lineRect(s.pc) : null);
    if (s.pc !== null) graph.line(s.pc)?.classList.add("sel");
    for (const pc of s.group) graph.line(pc)?.classList.add("src-sel");
    highlightRegisters(canvas, s.regs);
    if (s.regs.join() !== shownRegs) { shownRegs = s.regs.join(); showRegisterUses(s.regs); }
    drawWaitArrows(waitLayer, graph, heat, s.wait);
    table.show(s.pc, source !== "table");
    srcPane?.show(s.pc, source !== "source");
    timeline.show(s.block, s.pc);
    showXrefs(s.block);
    writeHash(s, !["history", "link", "mode"].includes(source));
  });
  addEventListener("popstate", () => sel.set({block: null, pc: null, regs: [], wait: null, listing: false, ...readHash()}, "history"));

  // --- the side panel: the instruction table, or the source view (fetched when first shown) -------------
  const tabs = [...document.querySelectorAll(".side-tabs [data-tab]")];
  const srcHost = document.getElementById("source"), tableHost = document.getElementById("insts");
  const hasLines = disasm.instructions.some(i => i.source);
  let srcPane = null, srcLoading = null;
  function openTab(name) {
    for (const b of tabs) b.setAttribute("aria-selected", String(b.dataset.tab === name));
    tableHost.hidden = name !== "insts";
    srcHost.hidden = name !== "source";
    if (name !== "source" || srcLoading) return;
    srcHost.replaceChildren(el("p", "hint", "loading the source lines…"));
    srcLoading = getJSON(view.dataset.source, showStatus).then(body => {
      srcPane = sourcePane(srcHost, body, pcs => sel.set({pc: pcs[0], block: blockOf.get(pcs[0]) ?? null, group: pcs}, "source"));
      srcPane.show(sel.get().pc, true);
    }).catch(e => srcHost.replaceChildren(el("p", "error-message", e.message)));
  }
  for (const b of tabs) {
    if (b.dataset.tab === "source" && !hasLines) { b.disabled = true; b.title = "built without -g: the code object has no line table"; }
    b.addEventListener("click", () => openTab(b.dataset.tab));
  }

  // --- every use of the selected registers, drawn or not: counted in the bar, marked on the overview -----
  function showRegisterUses(regs) {
    const want = new Set(regs), reads = [], writes = [];
    if (want.size) for (const i of disasm.instructions) {
      if (i.writes.some(r => want.has(r))) writes.push(i.pc);
      if (i.reads.some(r => want.has(r))) reads.push(i.pc);
    }
    overview.mark(reads.map(graph.lineRect), writes.map(graph.lineRect));
    if (!regUses) return;
    // the counts in the colours the code marks them with: the legend of those marks
    regUses.replaceChildren(...(want.size ? [`${registerRange(regs)}: `, el("span", "legend-write", plural(writes.length, "write")),
                                             " · ", el("span", "legend-read", plural(reads.length, "read"))] : []));
    regUses.title = want.size ? `${regs.join(" ")}: the instructions that write or read them; the overview marks each ` +
      "(writes red, reads yellow)" : "";
  }

  // --- cross-references: the branches (and fall-throughs) that reach the selected block ---------------
  const xrefs = document.getElementById("xrefs");
  function showXrefs(block) {
    if (!xrefs) return;
    xrefs.replaceChildren();
    if (block === null || !startOf.has(block)) return;
    const into = cfg.edges.filter(e => e.to === block);
    xrefs.append(`${blockLabel(startOf.get(block))} ← `);
    if (!into.length) xrefs.append(el("span", "hint", "entry"));
    into.forEach((e, k) => {
      const a = el("a", "xref", blockLabel(startOf.get(e.from)));
      a.href = "#"; a.title = `${e.kind} from ${hex(startOf.get(e.from))}`;
      a.addEventListener("click", ev => { ev.preventDefault(); sel.set({block: e.from, pc: null}, "xref"); });
      xrefs.append(...(k ? [", "] : []), a, el("span", "hint", ` ${e.kind}`));
    });
    xrefs.title = xrefs.textContent;
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

  const entryBox = graph.boxes.get(blockOf.get(disasm.instructions[0]?.pc)) ?? null;
  document.getElementById("fit")?.addEventListener("click", () => pz.fit(entryBox));
  const toggleMode = () => sel.set({listing: !sel.get().listing}, "mode");
  modeButton?.addEventListener("click", toggleMode);

  // --- listing input: the same as the graph's, by line ---------------------------------------------------
  listHost?.addEventListener("click", e => {
    const jump = e.target.closest(".target[data-target]");
    if (jump) {
      const pc = Number(jump.dataset.target);
      if (blockOf.has(pc)) sel.set({block: blockOf.get(pc), pc}, "jump");
      return;
    }
    const line = e.target.closest(".line");
    if (!line) return;
    const pc = Number(line.dataset.pc), reg = e.target.closest(".reg[data-reg]");
    const patch = {block: blockOf.get(pc) ?? null, pc, wait: isWait(inst.get(pc)?.text) ? pc : null};
    if (reg) patch.regs = reg.dataset.reg.split(" ");
    sel.set(patch, "listing");
  });
  const order = new Map(disasm.instructions.map((i, k) => [i.pc, k]));
  document.addEventListener("keydown", e => {
    if (e.target.closest?.("input, textarea, select") || (e.key === " " && e.target.closest?.("button, a"))) return;
    const s = sel.get();
    if (e.altKey && (e.key === "ArrowLeft" || e.key === "ArrowRight")) {    // back / forward through the jumps
      e.preventDefault();
      if (e.key === "ArrowLeft") history.back(); else history.forward();
      return;
    }
    if (e.key === "Escape") sel.set({regs: [], wait: null}, "key");
    else if (e.key === " ") { toggleMode(); e.preventDefault(); }
    else if (s.listing && (e.key === "ArrowUp" || e.key === "ArrowDown")) {     // the listing: by instruction
      const k = s.pc === null ? 0 : (order.get(s.pc) ?? 0) + (e.key === "ArrowDown" ? 1 : -1);
      const i = disasm.instructions[Math.min(Math.max(k, 0), disasm.instructions.length - 1)];
      if (i) sel.set({pc: i.pc, block: blockOf.get(i.pc) ?? null, wait: isWait(i.text) ? i.pc : null}, "key");
      e.preventDefault();
    }
    else if (isArrow(e.key)) {
      const start = s.block ?? blockOf.get(disasm.instructions[0]?.pc) ?? null;
      const next = s.block === null ? start : nextBlock(graph.boxes, s.block, e.key);
      if (next !== null && next !== undefined) sel.set({block: next, pc: null}, "key");
      e.preventDefault();
    } else if (e.key === "f") pz.fit(entryBox);
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
  if (entryBox) pz.reveal(entryBox); else pz.fit();
  sel.set(linked, "link");
  graph.fill(pz.visible(), pz.scale);
  view.dataset.ready = "1";       // for tests and scripts: everything is drawn and answers input
  document.body.dataset.state = "ready";
}

const MAX_TIMELINES = 64;

async function main() {
  const view = document.getElementById("view");
  if (!view) return;
  try {
    await untilLoaded(document.getElementById("status").dataset.url, showStatus);   // one poller, not five
    // register pressure is extra: the page works without it (a failure is logged, the lane left out)
    const pressureAsked = view.dataset.pressure ? getJSON(view.dataset.pressure, showStatus).catch(e => { console.warn(e); return null; })
      : Promise.resolve(null);
    const vopdAsked = view.dataset.vopd ? getJSON(view.dataset.vopd, showStatus).catch(e => { console.warn(e); return null; })   // extra too
      : Promise.resolve(null);
    const blocksAsked = view.dataset.blocks ? getJSON(view.dataset.blocks, showStatus).catch(e => { console.warn(e); return null; })   // and this
      : Promise.resolve(null);
    const urls = ["layout", "disasm", "cfg", "timing", "waves"].map(k => view.dataset[k]);
    const [lay, disasm, cfg, timing, waves] = await Promise.all(urls.map(url => getJSON(url, showStatus)));
    // the instruction-traced waves' real timelines (a traced SIMD: a handful of waves; past MAX_TIMELINES the
    // rest keep the block estimate rather than flood the server)
    const traced = (waves.waves ?? []).map((w, i) => [w, i]).filter(([w]) => w.traced).slice(0, MAX_TIMELINES);
    const bodies = await Promise.all(traced.map(([, i]) => getJSON(`${view.dataset.waves}/${i}/timeline`, showStatus)));
    const timelines = new Map(traced.map(([, i], k) => [i, bodies[k]]));
    const diff = view.dataset.diff ? (await getJSON(view.dataset.diff, showStatus)).kernels[0] : null;   // a diff page
    const pressure = await pressureAsked;
    const vopd = await vopdAsked;
    const blocks = await blocksAsked;
    showStatus({state: "ready"});
    wire(view, {lay, disasm, cfg, timing, waves, timelines, diff, pressure, vopd, blocks});
  } catch (e) {
    showError(e.message);
    console.error(e);
  }
}

main();
