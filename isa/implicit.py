"""What an instruction does beyond its printed operands: implicit register uses and control flow."""
from __future__ import annotations
import re
from isa.instruction import Operand

_FIXED = {"vcc_lo": ("vcc_lo",), "vcc_hi": ("vcc_hi",), "vcc": ("vcc_lo", "vcc_hi"), "exec_lo": ("exec_lo",),
          "exec_hi": ("exec_hi",), "exec": ("exec_lo", "exec_hi"), "m0": ("m0",), "scc": ("scc",)}

# SALU instructions that set SCC (ISA manuals: "SCC = result != 0", carry-outs, compares)
_SCC_WRITE = re.compile(r"^s_(add|sub|absdiff|lshl|lshr|ashr|min|max|and|or|xor|nand|nor|xnor|not|bfe|abs|bcnt|"
                        r"quadmask|wqm|cmp|bitcmp|addk|cmpk)|saveexec|wrexec")
_SCC_READ = re.compile(r"^s_(addc|subb|cselect|cmov|cbranch_scc)")
_RMW = re.compile(r"^s_(addk|mulk|cmovk|subvector_loop)|fmac|_mac_|dot2acc|^v_writelane|fmaak|^v_dual_fmac|"
                  r"^buffer_atomic")
_DST_IS_SOURCE = re.compile(r"^s_(cmpk|setreg|waitcnt_)")


def fixed_regs(text: str) -> tuple[str, ...]:
  return _FIXED.get(text, ())


def fix_roles(mnemonic: str, operands: list[Operand]) -> list[Operand]:
  """Operands whose role the field name gets wrong: SOPK compares read their 'sdst', carry-outs write."""
  out = list(operands)
  if _DST_IS_SOURCE.match(mnemonic):
    out = [Operand(o.text, o.regs, False) for o in out]
  if mnemonic.startswith("v_") and len(out) > 1 and out[1].text in ("vcc_lo", "vcc") and out[0].write:
    out[1] = Operand(out[1].text, out[1].regs, True)       # carry-out of v_add_co_u32 and friends
  if re.match(r"^t?buffer_load", mnemonic) and out:
    out[0] = Operand(out[0].text, out[0].regs, True)       # loaded data
  if re.match(r"^v_cmp_.*_e32$", mnemonic) and out:
    out[0] = Operand(out[0].text, out[0].regs, True)       # VOPC e32 writes vcc
  return out


def reads_writes(mnemonic: str, operands: list[Operand]) -> tuple[tuple[str, ...], tuple[str, ...]]:
  reads, writes = [], []
  for o in operands:
    (writes if o.write else reads).extend(o.regs)
  if _RMW.search(mnemonic):
    reads.extend(r for o in operands if o.write for r in o.regs)
  if _SCC_READ.match(mnemonic): reads.append("scc")
  if _SCC_WRITE.search(mnemonic) and mnemonic.startswith("s_"): writes.append("scc")
  if mnemonic.startswith(("s_cbranch_vcc",)): reads.append("vcc_lo")
  if mnemonic.startswith(("s_cbranch_exec",)): reads.append("exec_lo")
  if "saveexec" in mnemonic or "wrexec" in mnemonic:
    reads.append("exec_lo"); writes.append("exec_lo")
    if mnemonic.endswith("b64"): reads.append("exec_hi"); writes.append("exec_hi")
  if mnemonic.startswith("v_cmpx"): writes.append("exec_lo")
  if re.match(r"^(s_movrel|v_movrel|s_sendmsg)", mnemonic): reads.append("m0")
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
