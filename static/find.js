// Search and go-to over one kernel's instructions (the kernel bar's field; "/" focuses it, "g" too, for an address).
// What is typed decides: an address (0x17c8, 17c8) or a block label (BB_17c8, .LBB_17c8) goes there, to the
// instruction holding that byte; anything else searches the instructions' text (mnemonic, operands) and the
// registers they read or write, case-insensitively: Enter goes to the next match after the selection,
// Shift+Enter to the previous one, wrapping around.
import {hex} from "./dom.js";

const ADDRESS = /^(?:\.?L?BB_|0x)?([0-9a-f]+)$/i;

// The instruction holding byte `pc` (the last that starts at or before it), or null.
export function instructionAt(instructions, pc) {
  let lo = 0, hi = instructions.length - 1, found = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (instructions[mid].pc <= pc) { found = instructions[mid]; lo = mid + 1; } else hi = mid - 1;
  }
  return found && pc < found.pc + found.size ? found : null;
}

// Instructions matching `q`: their text contains it, or it names a register they read or write.
export function matches(instructions, q) {
  const needle = q.trim().toLowerCase();
  if (!needle) return [];
  return instructions.filter(i => i.text.toLowerCase().includes(needle) || i.reads.includes(needle) || i.writes.includes(needle));
}

export function finder(input, counter, instructions, goTo, currentPc) {
  let last = null, hits = [];
  function run(backwards) {
    const q = input.value.trim();
    const addr = ADDRESS.exec(q);
    // a bare hex word like "add" or "dead" could be either: an address only when an instruction holds it
    const at = addr ? instructionAt(instructions, parseInt(addr[1], 16)) : null;
    if (at && (/^(0x|\.?L?BB_)/i.test(q) || !matches(instructions, q).length)) {
      counter.textContent = `at ${hex(at.pc)}`;
      goTo(at.pc);
      return;
    }
    if (q !== last) { hits = matches(instructions, q); last = q; }
    if (!hits.length) { counter.textContent = q ? "no match" : ""; return; }
    const cur = currentPc() ?? (backwards ? Infinity : -Infinity);
    let k = backwards ? hits.findLastIndex(i => i.pc < cur) : hits.findIndex(i => i.pc > cur);
    if (k < 0) k = backwards ? hits.length - 1 : 0;                 // wrap around
    counter.textContent = `${k + 1}/${hits.length}`;
    goTo(hits[k].pc);
  }
  input.addEventListener("keydown", e => {
    if (e.key === "Enter") { e.preventDefault(); run(e.shiftKey); }
    else if (e.key === "Escape") { input.blur(); }
    e.stopPropagation();                                              // typing is not a shortcut for the page
  });
  return {focus(prefill = null) { if (prefill !== null) input.value = prefill; input.focus(); input.select(); }};
}
