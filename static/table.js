// The instructions as a sortable table: pc, text, hits, mean latency, stall, cycles, share of the kernel's cycles,
// live VGPRs (each header says what it counts, in its tooltip). A click on
// a header sorts by it (again: the other way); a click on a row selects that instruction.
import {el, hex} from "./dom.js";
import {percent, signed} from "./heat.js";
import {pressureTitle} from "./pressure.js";

const COLUMNS = [
  {key: "pc", label: "pc", num: true, show: r => hex(r.pc), help: "the instruction's byte address"},
  {key: "text", label: "instruction", show: r => r.text},
  {key: "hits", label: "hits", num: true, show: r => r.hits ?? "", help: "times an instruction-traced wave ran it"},
  {key: "mean", label: "mean", num: true, show: r => (r.mean === undefined ? "" : r.mean.toFixed(1)),
   help: "mean latency in cycles: from its issue to the wave's next issue"},
  {key: "stall", label: "stall", num: true, show: r => r.stall ?? "",
   help: "cycles it waited to complete (waits, s_delay_alu, s_endpgm), summed over its runs"},
  {key: "cycles", label: "cycles", num: true, show: r => r.cycles ?? "", help: "latency summed over its runs"},
  {key: "share", label: "share", num: true, show: r => (r.share === undefined ? "" : percent(r.share)),
   help: "its part of all the kernel's traced cycles"},
  {key: "live", label: "live", num: true, show: r => r.live ?? "", cell: pressureCell,
   help: "VGPRs live here: read, written, or holding a value across it (the bar: its share of the allocation; red: the peak)"},
];

// the live column's bar, as the graph's pressure lane draws it
function pressureCell(td, r) {
  if (!r.press) return;
  td.classList.add("press-cell");
  td.classList.toggle("peak", r.press.peak);
  td.style.setProperty("--p", r.press.share.toFixed(3));
  td.title = pressureTitle(r.press);
}

// Past VIRTUAL_OVER rows only the visible ones (and WINDOW_SLACK more each way) are in the document.
export const VIRTUAL_OVER = 500;
const WINDOW_SLACK = 30;

// A diff's table (viz/diff.py, one kernel pair): every aligned instruction, those only A has too (pc null), with A's
// and B's numbers and the change; in program order until sorted.
const DIFF_COLUMNS = [
  {key: "order", label: "pc", num: true, show: r => (r.pc !== null ? hex(r.pc) : `A ${hex(r.pcA)}`),
   help: "B's byte address; A's for an instruction only A has"},
  {key: "text", label: "instruction", show: r => r.text},
  {key: "cyclesA", label: "A cyc", num: true, show: r => r.cyclesA ?? "", help: "A's latency summed over its runs"},
  {key: "cyclesB", label: "B cyc", num: true, show: r => r.cyclesB ?? "", help: "B's latency summed over its runs"},
  {key: "delta", label: "Δ", num: true, show: r => (r.delta === null ? "" : signed(r.delta)),
   help: "B - A in cycles (an instruction one side lacks counts 0 there): negative is faster"},
  {key: "hitsA", label: "A hits", num: true, show: r => r.hitsA ?? "", help: "times an instruction-traced wave of A ran it"},
  {key: "hitsB", label: "B hits", num: true, show: r => r.hitsB ?? "", help: "times an instruction-traced wave of B ran it"},
];
export const diffTable = kernel => ({columns: DIFF_COLUMNS, rows: kernel.instructions.map((r, k) => ({
  order: k, pc: r.pc_b, pcA: r.pc_a, text: r.text, cyclesA: r.cycles_a, cyclesB: r.cycles_b, delta: r.delta, hitsA: r.hits_a,
  hitsB: r.hits_b}))});

// `press`: pressure.js pressureByPc, for the live column.
export function instructionTable(host, disasm, heat, onSelect, {columns = COLUMNS, rows: given = null, press = new Map()} = {}) {
  const COLUMNS = columns;
  const rows = given ?? disasm.instructions.map(i => ({pc: i.pc, text: i.text, ...(heat.get(i.pc) ?? {}),
                                                      live: press.get(i.pc)?.live, press: press.get(i.pc)}));
  const table = el("table", "insts"), thead = el("thead"), tbody = el("tbody"), head = el("tr");
  let sortKey = COLUMNS[0].key, ascending = true;
  for (const c of COLUMNS) {
    const th = el("th", `${c.num ? "num " : ""}col-${c.key}`);
    const b = el("button", "sort", c.label);
    b.type = "button"; b.dataset.key = c.key;
    if (c.help) b.title = c.help;
    b.addEventListener("click", () => {
      ascending = sortKey === c.key ? !ascending : !c.num || c.key === COLUMNS[0].key;   // numbers: biggest first
      sortKey = c.key; render();
    });
    th.append(b); head.append(th);
  }
  thead.append(head); table.append(thead, tbody); host.replaceChildren(table);

  // Rows are made when first drawn. A big kernel's table draws only the rows near its scroll position,
  // between two spacer rows as tall as the rows they stand for.
  const virtual = rows.length > VIRTUAL_OVER;
  const byPc = new Map();
  let selected = null, sorted = rows, rowH = 0;
  function rowEl(r) {
    const key = r.pc ?? `A${r.pcA}`;          // a diff's instruction only A has: no pc of B to select
    let tr = byPc.get(key);
    if (tr) return tr;
    tr = el("tr", r.pc === null ? "only-a" : "");
    for (const c of COLUMNS) { const td = el("td", c.num ? "num" : "code", String(c.show(r))); c.cell?.(td, r); tr.append(td); }
    if (r.delta) tr.querySelector(`td:nth-child(${COLUMNS.findIndex(c => c.key === "delta") + 1})`)?.classList.add(r.delta < 0 ? "faster" : "slower");
    if (r.pc !== null) { tr.dataset.pc = r.pc; tr.addEventListener("click", () => onSelect(r.pc)); }
    tr.classList.toggle("sel", r.pc === selected);
    byPc.set(key, tr);
    return tr;
  }
  const spacer = () => { const tr = el("tr", "spacer"); tr.append(el("td")); tr.firstChild.colSpan = COLUMNS.length; return tr; };
  const above = spacer(), below = spacer();

  function draw() {
    if (!virtual) { tbody.replaceChildren(...sorted.map(rowEl)); return; }
    if (!rowH) {                    // one row's height, measured once
      tbody.replaceChildren(rowEl(sorted[0] ?? rows[0]));
      rowH = tbody.firstChild?.getBoundingClientRect().height || 20;
    }
    const head = thead.getBoundingClientRect().height;
    const first = Math.max(0, Math.floor((host.scrollTop - head) / rowH) - WINDOW_SLACK);
    const last = Math.min(sorted.length, first + Math.ceil(host.clientHeight / rowH) + 2 * WINDOW_SLACK);
    above.firstChild.style.height = `${first * rowH}px`;
    below.firstChild.style.height = `${(sorted.length - last) * rowH}px`;
    tbody.replaceChildren(above, ...sorted.slice(first, last).map(rowEl), below);
  }
  let queued = false;
  if (virtual) host.addEventListener("scroll", () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; draw(); });
  });

  function render() {
    const v = r => r[sortKey] ?? -1;
    sorted = [...rows].sort((a, b) => (v(a) < v(b) ? -1 : v(a) > v(b) ? 1 : a.pc - b.pc) * (ascending ? 1 : -1));
    draw();
    for (const th of head.children) {
      const b = th.firstChild;
      th.setAttribute("aria-sort", b.dataset.key === sortKey ? (ascending ? "ascending" : "descending") : "none");
    }
  }
  render();

  return {
    show(pc, reveal) {
      for (const tr of tbody.querySelectorAll("tr.sel")) tr.classList.remove("sel");
      selected = pc;
      if (virtual && reveal) {
        const at = sorted.findIndex(r => r.pc === pc);
        if (at < 0) return;
        const top = thead.getBoundingClientRect().height + at * rowH;
        if (top < host.scrollTop || top + rowH > host.scrollTop + host.clientHeight) host.scrollTop = top - host.clientHeight / 2;
        draw();
      }
      const tr = byPc.get(pc);
      if (!tr) return;
      tr.classList.add("sel");
      if (reveal && !virtual) tr.scrollIntoView({block: "nearest"});
    },
  };
}
