// The instructions as a sortable table: pc, text, hits, cycles, share of the kernel's cycles. A click on
// a header sorts by it (again: the other way); a click on a row selects that instruction.
import {el, hex} from "./dom.js";
import {percent} from "./heat.js";

const COLUMNS = [
  {key: "pc", label: "pc", num: true, show: r => hex(r.pc)},
  {key: "text", label: "instruction", show: r => r.text},
  {key: "hits", label: "hits", num: true, show: r => r.hits ?? ""},
  {key: "cycles", label: "cycles", num: true, show: r => r.cycles ?? ""},
  {key: "share", label: "share", num: true, show: r => (r.share === undefined ? "" : percent(r.share))},
];

export function instructionTable(host, disasm, heat, onSelect) {
  const rows = disasm.instructions.map(i => ({pc: i.pc, text: i.text, ...(heat.get(i.pc) ?? {})}));
  const table = el("table", "insts"), thead = el("thead"), tbody = el("tbody"), head = el("tr");
  let sortKey = "pc", ascending = true;
  for (const c of COLUMNS) {
    const th = el("th", c.num ? "num" : "");
    const b = el("button", "sort", c.label);
    b.type = "button"; b.dataset.key = c.key;
    b.addEventListener("click", () => {
      ascending = sortKey === c.key ? !ascending : !c.num || c.key === "pc";   // numbers: biggest first
      sortKey = c.key; render();
    });
    th.append(b); head.append(th);
  }
  thead.append(head); table.append(thead, tbody); host.replaceChildren(table);

  const byPc = new Map();
  for (const r of rows) {
    const tr = el("tr");
    tr.dataset.pc = r.pc;
    for (const c of COLUMNS) tr.append(el("td", c.num ? "num" : "code", String(c.show(r))));
    tr.addEventListener("click", () => onSelect(r.pc));
    byPc.set(r.pc, tr);
  }

  function render() {
    const v = r => r[sortKey] ?? -1;
    const sorted = [...rows].sort((a, b) => (v(a) < v(b) ? -1 : v(a) > v(b) ? 1 : a.pc - b.pc) * (ascending ? 1 : -1));
    tbody.replaceChildren(...sorted.map(r => byPc.get(r.pc)));
    for (const th of head.children) {
      const b = th.firstChild;
      th.setAttribute("aria-sort", b.dataset.key === sortKey ? (ascending ? "ascending" : "descending") : "none");
    }
  }
  render();

  return {
    show(pc, reveal) {
      for (const tr of tbody.querySelectorAll("tr.sel")) tr.classList.remove("sel");
      const tr = byPc.get(pc);
      if (!tr) return;
      tr.classList.add("sel");
      if (reveal) tr.scrollIntoView({block: "nearest"});
    },
  };
}
