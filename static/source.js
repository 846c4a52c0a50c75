// The source view (Nsight Compute's): a kernel's source file line by line (/api/kernels/N/source), each line
// with code showing its instructions' hits and cycles and tinted by its share of the cycles. Clicking a line
// selects its instructions; selecting an instruction anywhere marks its line here.
import {compact, el} from "./dom.js";
import {percent, tintAlpha} from "./heat.js";

export function sourcePane(host, body, onSelectLine) {
  const lineOf = new Map();                   // pc -> [file index, line number]
  body.files.forEach((f, k) => f.lines.forEach(l => l.pcs.forEach(pc => lineOf.set(pc, [k, l.line]))));
  const maxCycles = Math.max(0, ...body.files.flatMap(f => f.lines.map(l => l.cycles ?? 0)));
  const total = body.total_cycles || 0;
  host.replaceChildren();
  host.classList.toggle("untraced", body.total_cycles === null);      // no hits or cycles columns to show
  if (!body.files.length) { host.append(el("p", "hint", body.note ?? "no source lines")); return {show() {}}; }
  if (body.note) host.append(el("p", "hint", body.note));
  const pick = el("select", "src-file");
  body.files.forEach((f, k) => {
    const n = f.lines.reduce((s, l) => s + l.pcs.length, 0);
    pick.append(new Option(`${f.file} (${n} instruction${n === 1 ? "" : "s"})`, k));
  });
  pick.title = "the kernel's source files, most instructions first";
  if (body.files.length > 1) host.append(pick);
  const listing = el("div", "src-lines");
  host.append(listing);

  let shown = -1, rowOf = new Map();
  function showFile(k) {
    if (k === shown) return;
    shown = k; pick.value = String(k);
    rowOf = new Map();
    const rows = body.files[k].lines.map(l => {
      const r = el("div", `src-line${l.pcs.length ? " code" : ""}`);
      r.dataset.line = l.line;
      r.append(el("span", "num", String(l.line)), el("span", "hits", l.hits === null ? "" : compact(l.hits)),
               el("span", "cyc", l.cycles === null ? "" : compact(l.cycles)),
               el("span", "text", l.text ?? (l.pcs.length ? "(source not available)" : "")));
      if (l.pcs.length) {
        r.title = `line ${l.line}: ${l.pcs.length} instruction${l.pcs.length === 1 ? "" : "s"}` +
          (l.cycles !== null ? ` · ${l.hits} hits · ${l.cycles} cycles${total ? ` · ${percent(l.cycles / total)}` : ""}` : "");
        if (l.cycles) r.style.setProperty("--heat", tintAlpha(l.cycles, maxCycles));
        r.addEventListener("click", () => onSelectLine(l.pcs));
      }
      rowOf.set(l.line, r);
      return r;
    });
    listing.replaceChildren(...rows);
  }
  pick.addEventListener("change", () => showFile(Number(pick.value)));
  showFile(0);

  return {
    // Mark the line holding pc (switching file if need be) and, unless the click came from here, scroll to it.
    show(pc, reveal) {
      for (const r of listing.querySelectorAll(".src-line.sel")) r.classList.remove("sel");
      const at = pc === null ? undefined : lineOf.get(pc);
      if (!at) {                    // nothing selected here: the first line with code in view
        if (reveal && pc === null) listing.querySelector(".src-line.code")?.scrollIntoView({block: "start"});
        return;
      }
      showFile(at[0]);
      const r = rowOf.get(at[1]);
      r?.classList.add("sel");
      if (reveal) r?.scrollIntoView({block: "nearest"});
    },
  };
}
