"""VOPD, the dual-issue VALU of gfx11/gfx12 in wave32: pairs of VALU instructions a kernel could have issued as one
`v_dual_X :: v_dual_Y`, the text that replaces them, what the simulator's cycle model says that saves, and the
rewrite of a code object that applies them (`amdviz vopd CODE --kernel K [--apply -o OUT]`).

A pair qualifies when (sources in brackets):
- both opcodes have a VOPD form, one as X and the other as Y, in either order (the VOPDX / VOPDY tables in
  isa/tables, LLVM's own): X fmac/fmaak/fmamk/mul/add/sub/subrev/mul_dx9_zero/mov/cndmask/max/min (_num on gfx12),
  dot2acc (gfx11); Y those and add_nc_u32/lshlrev_b32/and_b32. Order does not matter: a VOPD reads both halves'
  operands before it writes either [RDNA3 ISA, "Dual issue VALU"; emu/execute.py does the same];
- each in a form VOPD can say: VOP1/VOP2, or VOP3 with no abs/neg/opsel/clamp/omod, a VGPR src1 (else src0 and
  src1 swapped where LLVM commutes the opcode: add/mul/fmac/mul_dx9_zero/add_nc_u32/and_b32; sub <-> subrev with
  the operands swapped is the same subtraction) and, for cndmask, vcc_lo as the mask; no DPP/SDWA. src0 may be a
  VGPR, SGPR, inline constant or literal, vsrc1 only a VGPR;
- one literal at most: every src0 literal and fmaak/fmamk's K the same 32 bits [llvm-mc: "only one unique literal
  operand is allowed"]; distinct scalar values (src0 SGPRs, cndmask's vcc_lo, the literal) at most 2 [LLVM
  GCNVOPDUtils.cpp checkVOPDRegConstraints; llvm-mc-19: "violates constant bus restrictions", vcc_lo counted once];
- register banks [LLVM AMDGPUBaseInfo: VOPD_VGPR_BANK_MASKS = {1, 3, 3, 1} over dst, src0, src1, src2, checked by
  InstInfo::getInvalidCompOperandIndex]: X's and Y's src0, when both VGPRs, in different banks (vgpr % 4), vsrc1
  likewise, destinations one even and one odd (the encoding implies vdsty's low bit; fmac's src2 is its
  destination, so parity covers it). gfx12: v_dual_mov_b32 :: v_dual_mov_b32 skips the source banks (Y reads
  through the src2 cache: SkipSrc in checkVOPDRegConstraints and AMDGPUAsmParser::validateVOPDRegBankConstraints);
- independent: the second neither reads nor writes what the first writes, and the first does not read what the
  second writes (both read exec, cndmask vcc_lo);
- within reach in one basic block, at most REACH instructions apart: the second moves up to the first (the VOPD
  takes the first's place), or else the first down to the second, across the instructions between only if it
  conflicts with none of them by the same rule and none is one a move must not cross (NO_CROSS: s_nop/v_nop,
  s_delay_alu, which counts instructions, waits incl. depctr and s_wait_alu, barriers, mode, priority and message
  instructions, s_getpc whose value is its address, s_clause, unknown words);
- no hazard made: a VALU reading a transcendental's result within 5 VALUs needs an s_waitcnt_depctr that LLVM
  places by counting VALUs [GCNHazardRecognizer::fixVALUTransUseHazard, gfx11]; merging or moving shortens those
  counts, so no transcendental lies between the two nor within TRANS_WINDOW VALUs before the first on any path
  (kept on gfx12 too: cheap, and transcendentals are rare).

Pairs are taken greedily in pc order: for each instruction the partner that saves the most; every instruction is in
one pair at most, and pairs are nested or apart, never interleaved, so each pair's move stays valid with the others
applied. `saves` comes from the cycle model (emu/cycles.py, InstructionCosts.issue_cost): the issue time of the
pair's neighbourhood (the instruction before the first, the first, the second, the instruction after the second;
what lies between is unchanged) before minus after. That is one VALU issue (1 cycle: VALU -> independent VALU)
plus the change in dependency gaps (a VALU reading its predecessor's result issues VALU_DEPENDENT = 5 cycles after
it: a merge that puts a reader right behind its producer costs 4, one that parts them saves 4). Pairs the model
says do not pay (saves <= 0) are counted as `unprofitable`, not listed.

The rewrite (--apply) replaces the instructions of each pair by the VOPD (at the first's place, or the second's
when the first moved down) and moves what lay between. Code after a pair moves up; every branch in the kernel is
re-aimed at its target's new address and the bytes freed at the kernel's end become s_code_end, so nothing
outside the kernel moves (its symbol, descriptor and .text keep their addresses). A kernel whose code computes
addresses from its own pc (s_getpc_b64 after the first pair), branches out of its range, or holds unknown words
cannot be moved that way: there each pair keeps its bytes' place (the VOPD where the first was, what lay between
after it, v_nop filling the bytes the pair no longer needs: correct, but it issues a VALU where one was saved).
"""
from __future__ import annotations
import argparse, re, sys
from dataclasses import dataclass, replace
from pathlib import Path
from isa.decode import Disassembler
from isa.encode import assemble, AsmError
from isa.encodings import family
from isa.instruction import Instruction

REACH = 64                 # instructions between a pair's two at most (a bound on the search, not a rule of the ISA)
TRANS_WINDOW = 7           # VALUs before the first free of transcendentals (the hazard counts 5; two to spare)
VCC_LO = 106
MODS = ("abs", "neg", "opsel", "clamp", "omod")
COMMUTE = {"v_dual_add_f32", "v_dual_mul_f32", "v_dual_fmac_f32", "v_dual_mul_dx9_zero_f32", "v_dual_add_nc_u32",
           "v_dual_and_b32"}
REVERSE = {"v_dual_sub_f32": "v_dual_subrev_f32", "v_dual_subrev_f32": "v_dual_sub_f32"}
NO_CROSS = re.compile(r"^(s_(nop|delay_alu|wait|barrier|setreg|getreg|round_mode|denorm_mode|setprio|sendmsg|sleep|"
                      r"clause|icache|inst_prefetch|set_inst_prefetch|ttrace|code_end|trap|sethalt|set_gpr_idx|getpc|setpc|"
                      r"swappc|call|rfe|singleuse|version|incperflevel|decperflevel|wakeup|dcache|endpgm)|v_nop|\.long)")
TRANS = ("v_exp", "v_log", "v_rcp", "v_rsq", "v_sqrt", "v_sin", "v_cos")   # as emu/cycles.py: the trans unit's ops
EXEC = frozenset({"exec_lo"})


def vopd_arch(arch: str) -> bool:
  try: return family(arch) in ("gfx11", "gfx12")
  except ValueError: return False


@dataclass(frozen=True)
class Half:
  """One instruction as a VOPD half would say it."""
  name: str                  # the v_dual_ mnemonic
  dst: int                   # VGPR
  src0: int                  # 9-bit source: SGPR / constant / 255 literal / 256 + VGPR
  vsrc1: int | None          # VGPR; None for mov
  literal: int | None        # src0's literal or fmaak/fmamk's K
  scalars: frozenset         # scalar registers it reads through the constant bus (src0's code, vcc_lo)


@dataclass(frozen=True)
class Candidate:
  first: int                 # indices into the kernel's instructions
  second: int
  pcs: tuple[int, int]
  text: str
  code: bytes
  saves: int
  up: bool                   # the second moves up to the first (else the first down to the second)

  def json(self) -> dict: return {"pcs": list(self.pcs), "text": self.text, "saves": self.saves}


@dataclass
class Found:
  valu: int                  # VALU instructions (a VOPD counts once)
  issued: int                # VOPD instructions already there
  candidates: list[Candidate]
  unprofitable: int = 0      # valid pairs the cycle model says would not pay
  note: str | None = None

  def json(self) -> dict:
    return {"valu": self.valu, "issued": self.issued, "candidates": [c.json() for c in self.candidates],
            "unprofitable": self.unprofitable, "note": self.note}


def _src0_ok(code: int) -> bool:
  """SGPRs, vcc, ttmp, null, m0, exec, the inline constants, a literal, a VGPR: what a VOPD src0 can name."""
  return code < 128 or 128 <= code <= 208 or 240 <= code <= 248 or code == 255 or code >= 256


def forms(inst: Instruction, d: Disassembler, names) -> tuple[Half, ...]:
  """The ways `inst` can be one half of a VOPD (as written, then with its sources swapped); () when it cannot."""
  if not inst.mnemonic.startswith("v_"): return ()
  name = "v_dual_" + re.sub(r"_e(32|64)$", "", inst.mnemonic)[2:]
  if name not in names: return ()
  enc = d.encoding_of(inst.words[0])
  if enc is None or enc.name not in ("VOP1", "VOP2", "VOP3"): return ()
  v = sum(w << 32 * k for k, w in enumerate(inst.words[:enc.words]))
  f = {fl.name: fl.get(v) for fl in enc.fields}
  extra = inst.words[enc.words:]
  if len(extra) > 1: return ()
  lit = extra[0] if extra else None
  mov, cnd = name == "v_dual_mov_b32", name == "v_dual_cndmask_b32"
  if enc.name == "VOP3":
    if any(f[m] for m in MODS) or name in ("v_dual_dot2acc_f32_f16", "v_dual_fmaak_f32", "v_dual_fmamk_f32"): return ()
    if cnd and f["src2"] != VCC_LO: return ()
    src1 = None if mov else f["src1"]
  else: src1 = None if mov else f["vsrc1"] + 256
  madk = name in ("v_dual_fmaak_f32", "v_dual_fmamk_f32")    # the literal is their K
  ways = [(f["src0"], src1, name)]
  if src1 is not None and not madk:
    if name in COMMUTE: ways.append((src1, f["src0"], name))
    if name in REVERSE: ways.append((src1, f["src0"], REVERSE[name]))
  out = []
  for s0, s1, nm in ways:
    if not _src0_ok(s0) or (s1 is not None and s1 < 256): continue
    literal = lit if madk or s0 == 255 else None
    if s0 == 255 and literal is None: continue
    scalars = ({s0} if s0 < 128 else set()) | ({VCC_LO} if cnd else set())
    out.append(Half(nm, f["vdst"], s0, None if s1 is None else s1 - 256, literal, frozenset(scalars)))
  return tuple(out)


def fits(x: Half, y: Half, fam: str) -> bool:
  """X and Y obey VOPD's literal, constant-bus and register-bank rules (the module's docstring names the sources)."""
  if x.dst % 2 == y.dst % 2: return False
  lits = {h.literal for h in (x, y) if h.literal is not None}
  if len(lits) > 1 or len(x.scalars | y.scalars) + len(lits) > 2: return False
  if fam == "gfx12" and x.name == y.name == "v_dual_mov_b32": return True
  if x.src0 >= 256 and y.src0 >= 256 and (x.src0 - y.src0) % 4 == 0: return False
  return x.vsrc1 is None or y.vsrc1 is None or (x.vsrc1 - y.vsrc1) % 4 != 0


class Finder:
  """The VOPD candidates of one kernel's instructions (in pc order) and CFG."""
  def __init__(self, instructions: list[Instruction], cfg, arch: str):
    self.insts, self.cfg, self.arch, self.fam = instructions, cfg, arch, family(arch)
    self.d = d = Disassembler(arch)
    self.xop = {e["m"]: op for op, e in d.ops["VOPDX"].items()}
    self.yop = {e["m"]: op for op, e in d.ops["VOPDY"].items()}
    self.enc = next(e for e in d.encodings if e.name == "VOPD")
    names, seen = self.xop.keys() | self.yop.keys(), {}
    self.forms = [seen[i.words] if i.words in seen else seen.setdefault(i.words, forms(i, d, names)) for i in instructions]
    self.index = {i.pc: k for k, i in enumerate(instructions)}
    valu = [i.mnemonic.startswith("v_") for i in instructions]
    self.valu = valu
    self.R = [frozenset(i.reads) | EXEC if v else frozenset(i.reads) for i, v in zip(instructions, valu)]
    self.W = [frozenset(i.writes) for i in instructions]
    self.barrier = [bool(NO_CROSS.match(i.mnemonic)) or bool(i.flow) for i in instructions]
    self.trans = [i.mnemonic.startswith(TRANS) for i in instructions]
    self.trans_upto = [0]                          # transcendentals before each index (a prefix sum)
    for t in self.trans: self.trans_upto.append(self.trans_upto[-1] + t)
    self._trans_near: dict[int, bool] = {}
    self._costs = None

  def conflict(self, a: int, b: int) -> bool:
    return bool(self.W[a] & (self.R[b] | self.W[b]) or self.R[a] & self.W[b])

  def find(self) -> tuple[list[Candidate], int]:
    used: set[int] = set()
    out, unprofitable = [], 0
    for b in self.cfg.blocks:
      idx = [self.index[pc] for pc in b.pcs]
      ends: list[int] = []                   # where the chosen pairs around this position end (innermost last)
      for p, i in enumerate(idx):
        while ends and ends[-1] <= p: ends.pop()
        if i in used or not self.forms[i]: continue
        best = None
        mr, mw, down = set(), set(), True    # what lies between reads and writes; can the first still move down
        # a partner inside every pair around: nested, never interleaved
        for q in range(p + 1, min(len(idx), p + 1 + REACH, ends[-1] if ends else len(idx))):
          j = idx[q]
          if self.forms[j] and j not in used and not self.conflict(i, j):
            up = not (self.W[j] & (mr | mw) or self.R[j] & mw)
            if (up or down) and not self.trans_near(i, j):
              c = self.pair(i, j, up, idx[p - 1] if p else None, idx[q + 1] if q + 1 < len(idx) else self._after(b))
              if c is not None and (best is None or c.saves > best[0].saves): best = c, q
          if self.barrier[j] or self.trans[j]: break
          if self.conflict(i, j): down = False
          mr |= self.R[j]; mw |= self.W[j]
        if best is None: continue
        c, q = best
        if c.saves <= 0: unprofitable += 1; continue
        used |= {c.first, c.second}
        ends.append(q)
        out.append(c)
    out.sort(key=lambda c: c.pcs)
    return out, unprofitable

  def _after(self, block) -> int | None:
    return self.index.get(block.end)       # what a block ending in a VALU falls through to

  def trans_near(self, i: int, j: int) -> bool:
    """A transcendental between i and j, or within TRANS_WINDOW VALUs before i on any path into it."""
    if self.trans_upto[j + 1] > self.trans_upto[i]: return True
    if i not in self._trans_near: self._trans_near[i] = self._trans_back(i)
    return self._trans_near[i]

  def _trans_back(self, i: int) -> bool:
    todo, seen = [(i - 1, self.cfg.block_of(self.insts[i].pc), TRANS_WINDOW)], set()
    while todo:
      k, blk, left = todo.pop()
      while k >= 0 and self.insts[k].pc >= blk.start and left > 0:
        if self.trans[k]: return True
        left -= self.valu[k]; k -= 1
      if left <= 0: continue
      for pb in self.cfg.predecessors(blk.id):
        if (pb, left) in seen: continue
        seen.add((pb, left))
        pblk = self.cfg.block(pb)
        todo.append((self.index[pblk.pcs[-1]], pblk, left))
    return False

  def pair(self, i: int, j: int, up: bool, before: int | None, after: int | None) -> Candidate | None:
    """The VOPD of instructions i and j (a valid one: rules, encoding, our assembler agreeing) and what it saves."""
    for a in self.forms[i]:
      for b in self.forms[j]:
        for x, y in ((a, b), (b, a)):
          if x.name not in self.xop or y.name not in self.yop or not fits(x, y, self.fam): continue
          code = self.encode(x, y)
          at = self.insts[i].pc
          v = self.d.disassemble(code, at)
          if len(v) != 1 or "::" not in v[0].mnemonic: continue
          try:
            if assemble(v[0].text, self.arch) != code: continue
          except AsmError: continue
          return Candidate(i, j, (at, self.insts[j].pc), v[0].text, code, self.saves(i, j, v[0], up, before, after), up)
    return None

  def encode(self, x: Half, y: Half) -> bytes:
    e = self.enc
    w = e.match | self.xop[x.name] << e.opcode.lo
    for name, val in (("opy", self.yop[y.name]), ("src0x", x.src0), ("vsrc1x", x.vsrc1 or 0), ("src0y", y.src0),
                      ("vsrc1y", y.vsrc1 or 0), ("vdsty", y.dst >> 1), ("vdstx", x.dst)):
      w |= val << e.field(name).lo
    lit = x.literal if x.literal is not None else y.literal
    return w.to_bytes(8, "little") + (lit.to_bytes(4, "little") if lit is not None else b"")

  def saves(self, i: int, j: int, v: Instruction, up: bool, before: int | None, after: int | None) -> int:
    """Cycle-model issue time of the neighbourhood before minus after (the module's docstring): the instructions
    between the two keep their own gaps, only the seams around the pair change."""
    costs = self.costs()
    key = -1 - i                                   # the VOPD's pc in the model: no kernel pc is negative
    costs.add(replace(v, pc=key))
    for k in (before, i, i + 1, j - 1, j, after):  # the model learns the kernel's instructions as they are priced
      if k is not None and self.insts[k].pc not in costs.cls: costs.add(self.insts[k])
    if j == i + 1: old, new = [[before, i, j, after]], [[before, "V", after]]
    else:
      old = [[before, i, i + 1], [j - 1, j, after]]
      new = [[before, "V", i + 1], [j - 1, after]] if up else [[before, i + 1], [j - 1, "V", after]]
    def time(parts) -> int:
      total = 0
      for ks in parts:
        seq = [key if k == "V" else self.insts[k].pc for k in ks if k is not None]
        total += sum(costs.issue_cost(a, b) for a, b in zip(seq, seq[1:]))
      return total
    return time(old) - time(new)

  def costs(self):
    if self._costs is None:
      from emu.cycles import InstructionCosts      # (the simulator's model; imported only when pricing)
      self._costs = InstructionCosts((), "rdna4" if self.fam == "gfx12" else "rdna3", False)
    return self._costs


def find(instructions: list[Instruction], cfg, arch: str, wave32: bool) -> Found:
  """VALU count, VOPDs issued and the candidates of one kernel."""
  valu = sum(i.mnemonic.startswith("v_") for i in instructions)
  issued = sum("::" in i.mnemonic for i in instructions)
  if not vopd_arch(arch): return Found(valu, issued, [], note=f"{arch} has no VOPD (gfx11 and gfx12 do)")
  if not wave32: return Found(valu, issued, [], note="a wave64 kernel: VOPD issues only in wave32")
  cands, unprofitable = Finder(instructions, cfg, arch).find()
  return Found(valu, issued, cands, unprofitable)


# --------------------------------------------------------------------------- the rewrite

@dataclass
class Rewrite:
  data: bytes                # the whole code object, the kernel's bytes rewritten
  mode: str                  # "moved": code after each pair moved up, branches re-aimed; "padded": v_nop fills
  applied: list[Candidate]
  freed: int                 # bytes the kernel no longer needs (s_code_end at its end, or v_nop in padded mode)


def movable(instructions: list[Instruction], first: int) -> bool:
  """Can the code from instruction `first` on move without breaking it: no s_getpc (its value is its address),
  no unknown words (data?), every direct branch to an instruction of the kernel."""
  pcs = {i.pc for i in instructions}
  return not any(i.mnemonic == "s_getpc_b64" for i in instructions[first:]) and \
    not any(i.mnemonic == ".long" or (i.target is not None and i.target not in pcs) for i in instructions)


def rewrite(data: bytes, co, kernel, instructions: list[Instruction], cands: list[Candidate]) -> Rewrite:
  """The code object with `cands` (of one Finder: nested or apart) applied to `kernel` (the module's docstring)."""
  arch, start, end = co.arch, kernel.code_start, kernel.code_end
  if not cands: return Rewrite(bytes(data), "moved", [], 0)
  first, second = {c.first: c for c in cands}, {c.second: c for c in cands}
  mode = "moved" if movable(instructions, min(first)) else "padded"
  nop, fill = assemble("v_nop", arch), assemble("s_code_end", arch)
  out, slot, placed, padded = bytearray(), {}, [], 0      # slot: instruction index -> the new address of its place
  for k, inst in enumerate(instructions):
    slot[k] = start + len(out)
    c, pair = first.get(k), second.get(k)
    if c is not None:
      if c.up: out += c.code
    elif pair is not None:
      if not pair.up: out += pair.code
      if mode == "padded":                     # the span keeps its size (nested ones too): nothing after it moves
        gap = inst.pc + inst.size - instructions[pair.first].pc - (start + len(out) - slot[pair.first])
        assert gap >= 0 and gap % 4 == 0, (hex(inst.pc), gap)
        out += nop * (gap // 4); padded += gap
    else:
      placed.append((k, len(out)))
      out += b"".join(w.to_bytes(4, "little") for w in inst.words)
  index = {i.pc: k for k, i in enumerate(instructions)}
  for k, off in placed if mode == "moved" else ():   # every direct branch re-aimed at its target's new place
    inst = instructions[k]
    if inst.target is None or inst.flow not in ("branch", "cbranch", "call"): continue
    simm = (slot[index[inst.target]] - (start + off + 4)) // 4
    if not -0x8000 <= simm < 0x8000: raise ValueError(f"branch at {inst.pc:#x} out of reach after the rewrite")
    out[off:off + 4] = ((inst.words[0] & ~0xFFFF) | simm & 0xFFFF).to_bytes(4, "little")
  freed = end - start - len(out)
  assert freed >= 0 and freed % 4 == 0
  if mode == "padded": assert freed == 0 and all(slot[index[i.target]] == i.target for i in instructions if i.target in index)
  out += fill * (freed // 4)
  sec = next(s for s in [co.text, *co.sections] if s.contains(start))
  at = sec.offset + start - sec.addr
  new = bytes(data[:at]) + bytes(out) + bytes(data[at + len(out):])
  return Rewrite(new, mode, list(cands), padded if mode == "padded" else freed)


# --------------------------------------------------------------------------- amdviz vopd

def kernel_of(co, name: str | None):
  k = co.kernel(name) if name else (co.kernels[0] if co.kernels else None)
  if k is None: raise ValueError(f"no kernel {name!r} (have: {', '.join(x.name for x in co.kernels) or 'none'})")
  return k


def analyse(co, kernel) -> tuple[list[Instruction], Found]:
  from isa.cfg import build_cfg
  insts = Disassembler(co.arch).disassemble(co.code_bytes(kernel.code_start, kernel.code_end), kernel.code_start)
  wave32 = kernel.descriptor.wave32 if kernel.descriptor else False
  return insts, find(insts, build_cfg(insts, kernel.entry_pc), co.arch, wave32)


def cli(argv: list[str] | None = None) -> int:
  from emu.cli import launch_arguments
  p = argparse.ArgumentParser(prog="amdviz vopd", description="VALU pairs a gfx11/gfx12 wave32 kernel could issue as one "
                              "VOPD, the text that replaces them and the cycles the simulator's model says that saves; "
                              "--apply writes the rewritten code object and runs both on the simulator with the same "
                              "inputs (give them with --arg) to show equal outputs.")
  launch_arguments(p, "an AMDGPU code object (.hsaco / .co / ELF)")
  p.add_argument("--apply", action="store_true", help="write the code object with every candidate applied (-o)")
  p.add_argument("-o", "--output", help="the rewritten code object (default: CODE's name + .vopd.hsaco)")
  p.add_argument("--json", action="store_true", help="print JSON: the /vopd route's answer (and what --apply did)")
  a = p.parse_args(argv)
  from isa.elf import CodeObjectError, load_code_object
  try:
    data = Path(a.code).read_bytes()
    co = load_code_object(data)
    k = kernel_of(co, a.kernel)
    insts, found = analyse(co, k)
  except (OSError, ValueError, CodeObjectError) as e:
    print(f"amdviz vopd: {e}", file=sys.stderr); return 1
  body, out = {"kernel": k.name, "arch": co.arch, **found.json()}, sys.stdout
  if not a.json:
    out.write(f"{k.name} ({co.arch}): {found.valu} VALU instructions, {found.issued} VOPD issued, "
              f"{len(found.candidates)} more pairs could be ({sum(c.saves for c in found.candidates)} cycles saved by the model"
              f"{f'; {found.unprofitable} more the model says would not pay' if found.unprofitable else ''})"
              f"{f'; {found.note}' if found.note else ''}\n")
    for c in found.candidates:
      out.write(f"  {c.pcs[0]:#x} {insts[c.first].text:<40} + {c.pcs[1]:#x} {insts[c.second].text:<40} -> {c.text}  "
                f"(saves {c.saves})\n")
  status = 0
  if a.apply:
    rw = rewrite(data, co, k, insts, found.candidates)
    dest = Path(a.output) if a.output else Path(a.code).with_suffix(".vopd.hsaco")
    dest.write_bytes(rw.data)
    body["applied"] = {"output": str(dest), "pairs": len(rw.applied), "mode": rw.mode, "freed_bytes": rw.freed}
    if not a.json: out.write(f"wrote {dest}: {len(rw.applied)} pairs applied ({rw.mode}; {rw.freed} bytes "
                             f"{'now s_code_end at the kernel end' if rw.mode == 'moved' else 'of v_nop'})\n")
    from emu import EmuError
    try: run = compare(a, data, rw.data, k)
    except (ValueError, EmuError) as e:
      print(f"amdviz vopd: wrote {dest}, but cannot run it: {e}", file=sys.stderr); return 1
    body["applied"]["simulated"] = run
    if run is None:
      if not a.json: out.write("not run: the kernel takes arguments; give them with --arg to compare outputs on the simulator\n")
    else:
      status = 0 if run["equal"] else 1
      if not a.json:
        for b in run["buffers"]:
          out.write(f"  arg{b['arg']} {b['dtype']}[{b['size']}]: {'equal' if b['equal'] else 'DIFFERENT'}  {b['head']}\n")
        out.write(f"outputs {'equal' if run['equal'] else 'DIFFER'}; modelled cycles {run['cycles'][0]} -> {run['cycles'][1]}\n")
  if a.json:
    import json
    out.write(json.dumps(body) + "\n")
  return status


def compare(a, original: bytes, rewritten: bytes, kernel) -> dict | None:
  """Both code objects run on the simulator with the same seeded arguments: each buffer's equality and its first
  values, and each run's modelled cycles. None when the kernel takes arguments none were given for."""
  import numpy as np
  from emu import run
  from emu.cli import parse_arg
  explicit = [x for x in (kernel.metadata or {}).get(".args", []) if not str(x.get(".value_kind", "")).startswith("hidden_")]
  if explicit and not a.arg: return None
  results = []
  for code in (original, rewritten):
    rng = np.random.default_rng(a.seed)
    args = [parse_arg(s, rng) for s in a.arg]
    r = run(code, kernel.name, a.grid, a.block, args, trace=False)
    results.append((args, r.cycles))
    if a.out_buffers:
      d = Path(a.out_buffers) / ("original" if code is original else "rewritten"); d.mkdir(parents=True, exist_ok=True)
      for n, v in enumerate(args):
        if isinstance(v, np.ndarray): np.save(d / f"arg{n}.npy", v)
  bufs = []
  for n, (x, y) in enumerate(zip(results[0][0], results[1][0])):
    if not isinstance(x, np.ndarray): continue
    same = x.tobytes() == y.tobytes()
    bufs.append({"arg": n, "dtype": str(x.dtype), "size": int(x.size), "equal": same,
                 "head": np.array2string(y.reshape(-1)[:6], precision=6, separator=", ")})
  return {"equal": all(b["equal"] for b in bufs), "buffers": bufs, "cycles": [results[0][1], results[1][1]]}
