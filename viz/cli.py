"""amdviz command line: `amdviz json PATH ROUTE`, `amdviz disasm PATH`, `amdviz asm [--arch A] FILE|-`."""
from __future__ import annotations
import argparse, json, sys
from viz.api import ApiError, Workspace, route
from viz.capture import CaptureError
from isa.elf import CodeObjectError
from isa.decode import UnsupportedArch
from isa.encode import cli as encode_cli


def cmd_json(args) -> int:
  ws = Workspace.open(args.path)
  print(json.dumps(route(ws, args.route), separators=(",", ":")))
  return 0


def cmd_disasm(args) -> int:
  ws = Workspace.open(args.path)
  out = sys.stdout
  for kv in ws.kernels:
    out.write(f"\n{kv.kernel.name}:  // {kv.code_object.arch}, entry 0x{kv.kernel.entry_pc:x}\n")
    starts = {b.start: b for b in kv.cfg.blocks}
    for inst in kv.instructions:
      if inst.pc in starts:
        b = starts[inst.pc]
        out.write(f".LBB_{inst.pc:x}:{'' if b.reachable else '  // unreachable'}\n")
      out.write(f"\t{inst.text:<50s} // {inst.pc:012x}: {inst.hex}\n")
  return 0


def main(argv: list[str] | None = None) -> int:
  p = argparse.ArgumentParser(prog="amdviz", description="AMD GPU assembly and thread-trace viewer")
  sub = p.add_subparsers(dest="cmd", required=True)
  j = sub.add_parser("json", help="print the JSON body of an API route for a capture or code object")
  j.add_argument("path"); j.add_argument("route", help="e.g. /api/kernels or /api/kernels/0/cfg")
  j.set_defaults(fn=cmd_json)
  d = sub.add_parser("disasm", help="disassemble every kernel, llvm-objdump style, with block labels")
  d.add_argument("path"); d.set_defaults(fn=cmd_disasm)
  sub.add_parser("asm", add_help=False, help="assemble: amdviz asm [--arch gfx1100] [--json] FILE|-")
  argv = sys.argv[1:] if argv is None else argv
  if argv[:1] == ["asm"]: return encode_cli(argv[1:])   # its own parser: isa/encode.py
  args = p.parse_args(argv)
  try:
    return args.fn(args)
  except ApiError as e:
    print(f"amdviz: {e.message}", file=sys.stderr); return 2
  except (CaptureError, CodeObjectError, UnsupportedArch) as e:
    print(f"amdviz: {e}", file=sys.stderr); return 1
  except BrokenPipeError:
    return 0


if __name__ == "__main__":
  sys.exit(main())
