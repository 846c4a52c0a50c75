// Register-use highlighting: every operand that shares a register with the selected ones, writes and
// reads told apart.
export function highlightRegisters(root, regs) {
  for (const e of root.querySelectorAll(".reg-hl")) e.classList.remove("reg-hl", "reg-write", "reg-read");
  if (!regs.length) return 0;
  const want = new Set(regs);
  let n = 0;
  for (const e of root.querySelectorAll(".reg[data-reg]")) {
    if (!e.dataset.reg.split(" ").some(r => want.has(r))) continue;
    e.classList.add("reg-hl", e.classList.contains("write") ? "reg-write" : "reg-read");
    n++;
  }
  return n;
}
