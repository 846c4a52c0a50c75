// Register operands in an instruction's text: which registers each covers, and whether the instruction
// writes or reads it there. The disassembly route lists registers read and written per instruction but
// not per operand, so the operand text is parsed for ranges (v[4:7] covers v4..v7) and the position
// decides the role: the leading register operands that the instruction writes are its destinations.

// v[4:7], s[0:1], a[0:3], ttmp[4:5]  |  v4, s15, ttmp2  |  vcc, exec_lo, flat_scratch_hi  |  m0, scc
const OPERAND = /\b(v|s|a|ttmp)\[(\d+):(\d+)\]|\b(v|s|a|ttmp)(\d+)\b|\b(vcc|exec|flat_scratch|xnack_mask)(?:_(lo|hi))?\b|\b(m0|scc)\b/g;

// The registers one matched operand covers: a 64-bit special register names both its halves, since the
// disassembly route reports the halves (vcc_lo, vcc_hi).
function covered(m) {
  if (m[1]) { const out = []; for (let r = +m[2]; r <= +m[3]; r++) out.push(m[1] + r); return out; }
  if (m[4]) return [m[4] + m[5]];
  if (m[6]) return m[7] ? [`${m[6]}_${m[7]}`] : [`${m[6]}_lo`, `${m[6]}_hi`];
  return [m[8]];
}

export function registersOf(text) {
  return [...text.matchAll(OPERAND)].flatMap(covered);
}

// One instruction's text as pieces: {text} for plain text, {text, regs, role} for a register operand,
// role "write" or "read". A dual-issue pair (v_dual_x ... :: v_dual_y ...) is two instructions in one.
export function operandPieces(text, reads = [], writes = []) {
  const W = new Set(writes), R = new Set(reads), pieces = [];
  text.split(/( :: )/).forEach(half => {
    if (half === " :: ") { pieces.push({text: half}); return; }
    const sp = half.indexOf(" ");
    pieces.push({text: sp < 0 ? half : half.slice(0, sp), mnemonic: true});
    if (sp < 0) return;
    const ops = half.slice(sp);
    let at = 0, leading = true;
    const seen = new Set();
    for (const m of ops.matchAll(OPERAND)) {
      const between = ops.slice(at, m.index);
      if (between) pieces.push({text: between});
      // anything but separators before this operand (an immediate, a modifier) ends the destinations
      if (/[^,\s]/.test(between)) leading = false;
      const regs = covered(m);
      // a destination is written, and is not the same registers again (global_load v[1:2], v[1:2] reads the second)
      const isDst = leading && regs.every(r => W.has(r)) && !regs.some(r => seen.has(r));
      if (!isDst) leading = false;
      regs.forEach(r => seen.add(r));
      const role = isDst ? "write" : regs.some(r => R.has(r)) || !regs.some(r => W.has(r)) ? "read" : "write";
      pieces.push({text: m[0], regs, role});
      at = m.index + m[0].length;
    }
    if (at < ops.length) pieces.push({text: ops.slice(at)});
  });
  return pieces;
}
