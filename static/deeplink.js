// The selection in the URL's hash (the path already names capture and kernel), so a copied link or a
// reload reopens the same view: #block=0x1700&pc=0x1778&reg=v1,v2 (&view=listing: the linear listing)
import {hex} from "./dom.js";

const num = s => (s && /^(0x[0-9a-f]+|\d+)$/i.test(s) ? Number(s) : null);

export function readHash(hash = location.hash) {
  const q = new URLSearchParams(hash.replace(/^#/, ""));
  const regs = (q.get("reg") ?? "").split(",").filter(r => /^[a-z_]+\d*$/i.test(r));
  return {block: num(q.get("block")), pc: num(q.get("pc")), regs, wait: num(q.get("wait")), listing: q.get("view") === "listing"};
}

export function hashOf({block, pc, regs, wait, listing = false}) {
  const parts = [];
  if (block !== null) parts.push(`block=${hex(block)}`);
  if (pc !== null) parts.push(`pc=${hex(pc)}`);
  if (regs.length) parts.push(`reg=${regs.join(",")}`);
  if (wait !== null) parts.push(`wait=${hex(wait)}`);
  if (listing) parts.push("view=listing");
  return parts.length ? "#" + parts.join("&") : "";
}

// Every jump and selection is a step in the browser's history (push): back and forward (Alt+←/→, the browser's
// buttons) retrace them. A selection that came from the history itself, or from the link the page opened
// with, replaces instead, so retracing does not add steps.
export function writeHash(state, push = true) {
  const h = hashOf(state);
  if (h === location.hash) return;
  const url = h || location.pathname + location.search;
  if (push) history.pushState(null, "", url); else history.replaceState(null, "", url);
}
