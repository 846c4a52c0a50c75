"""What an instruction does beyond its printed operands: implicit register uses and control flow."""
from __future__ import annotations
import re
from dataclasses import dataclass
from functools import lru_cache
from isa.instruction import Operand

_FIXED = {"vcc_lo": ("vcc_lo",), "vcc_hi": ("vcc_hi",), "vcc": ("vcc_lo", "vcc_hi"), "exec_lo": ("exec_lo",),
          "exec_hi": ("exec_hi",), "exec": ("exec_lo", "exec_hi"), "m0": ("m0",), "scc": ("scc",)}

# SALU instructions that set SCC (ISA manuals: "SCC = result != 0", carry-outs, compares)
_SCC_WRITE = re.compile(r"^s_(add|sub|absdiff|lshl|lshr|ashr|min|max|and|or|xor|nand|nor|xnor|not|bfe|abs|bcnt|"
                        r"quadmask|wqm|cmp|bitcmp|addk|cmpk)|saveexec|wrexec")
_SCC_READ = re.compile(r"^s_(addc|subb|cselect|cmov|cbranch_scc)")
_RMW = re.compile(r"^s_(addk|mulk|cmovk|subvector_loop)|fmac|_mac_|dot2acc|^v_writelane|^v_dual_fmac|"
                  r"^buffer_atomic|^image_atomic")
_DST_IS_SOURCE = re.compile(r"^s_(cmpk|setreg|waitcnt_)")


def fixed_regs(text: str) -> tuple[str, ...]:
  return _FIXED.get(text, ())


@dataclass(frozen=True)
class Facts:
  """What the mnemonic alone says about an instruction's register use (computed once per mnemonic)."""
  dst_is_source: bool      # SOPK compares, s_setreg: the 'sdst' field is read
  carry_out: bool          # VALU whose second operand (vcc) is written
  first_written: bool      # VOPC e32 (vcc), buffer loads (the data register)
  rmw: bool                # the destination is also read (fmac, s_addk, atomics...)
  reads: tuple[str, ...]   # implicit reads (scc, vcc, exec, m0)
  writes: tuple[str, ...]  # implicit writes


@lru_cache(maxsize=None)
def facts(mnemonic: str, wave64: bool = False) -> Facts:
  reads, writes = [], []
  exec_, vcc = ("exec_lo", "exec_hi") if wave64 else ("exec_lo",), ("vcc_lo", "vcc_hi") if wave64 else ("vcc_lo",)
  if _SCC_READ.match(mnemonic): reads.append("scc")
  if _SCC_WRITE.search(mnemonic) and mnemonic.startswith("s_"): writes.append("scc")
  if mnemonic.startswith("s_cbranch_vcc"): reads.extend(vcc)
  if mnemonic.startswith("s_cbranch_exec"): reads.extend(exec_)
  if "saveexec" in mnemonic or "wrexec" in mnemonic:
    both = ("exec_lo", "exec_hi") if mnemonic.endswith("b64") else ("exec_lo",)
    reads.extend(both); writes.extend(both)
  if mnemonic.startswith("v_cmpx"): writes.extend(exec_)
  if mnemonic.startswith("v_dual_cndmask"): reads.extend(vcc)     # (a VOPD half names no mask operand: vcc_lo it is)
  if re.match(r"^(s_movrel|v_movrel|s_sendmsg)", mnemonic): reads.append("m0")
  return Facts(bool(_DST_IS_SOURCE.match(mnemonic)), mnemonic.startswith("v_"),
               bool(re.match(r"^(t?buffer_load|v_cmp_.*_e32$)", mnemonic)), bool(_RMW.search(mnemonic)),
               tuple(reads), tuple(writes))


def fix_roles(mnemonic: str, operands: list[Operand], wave64: bool = False) -> list[Operand]:
  """Operands whose role the field name gets wrong: SOPK compares read their 'sdst', carry-outs write."""
  f = facts(mnemonic, wave64)
  out = operands
  if f.dst_is_source:
    out = [Operand(o.text, o.regs, False) for o in out]
  if f.carry_out and len(out) > 1 and out[1].text in ("vcc_lo", "vcc") and out[0].write:
    out = list(out); out[1] = Operand(out[1].text, out[1].regs, True)   # carry-out of v_add_co_u32 and friends
  if f.first_written and out and not out[0].write:
    out = list(out); out[0] = Operand(out[0].text, out[0].regs, True)   # VOPC e32 writes vcc; loads write data
  return out


def reads_writes(mnemonic: str, operands, wave64: bool = False) -> tuple[tuple[str, ...], tuple[str, ...]]:
  f = facts(mnemonic, wave64)
  reads, writes = [], []
  for o in operands:
    (writes if o.write else reads).extend(o.regs)
  if f.rmw:
    reads.extend(r for o in operands if o.write for r in o.regs)
  if f.reads: reads.extend(f.reads)
  if f.writes: writes.extend(f.writes)
  return tuple(dict.fromkeys(reads)), tuple(dict.fromkeys(writes))


_END = {"s_endpgm", "s_endpgm_saved", "s_endpgm_ordered_ps_done"}


def control_flow(mnemonic: str, simm16: int | None, pc: int) -> tuple[int | None, str]:
  """(direct target, flow kind) where kind is '', branch, cbranch, end, indirect, call or trap."""
  rel = None if simm16 is None else pc + 4 + 4 * (simm16 - 0x10000 if simm16 & 0x8000 else simm16)
  if mnemonic == "s_branch": return rel, "branch"
  if mnemonic.startswith("s_cbranch_"): return rel, "cbranch"
  if mnemonic in _END: return None, "end"
  if mnemonic in ("s_setpc_b64", "s_rfe_b64"): return None, "indirect"
  if mnemonic == "s_swappc_b64": return None, "call"
  if mnemonic == "s_call_b64": return rel, "call"
  if mnemonic == "s_trap": return None, "trap"
  return None, ""
