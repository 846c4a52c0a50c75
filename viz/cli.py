"""amdviz command line: `amdviz json PATH ROUTE`, `amdviz disasm PATH`, `amdviz stats PATH`, `amdviz asm [--arch A] FILE|-`,
`amdviz emu CODE ...`, `amdviz run CODE ...`, `amdviz diff A B`, `amdviz report CAPTURE -o F.html`, `amdviz dump CAPTURE`."""
from __future__ import annotations
import argparse, os, sys
import orjson
from viz.api import ApiError, Workspace, dumps, hotspots_json, route
from capture import CaptureError
from viz.progress import TraceProgress
from isa.elf import CodeObjectError
from isa.decode import UnsupportedArch


def cmd_json(args) -> int:
  for d in args.source:
    if not os.path.isdir(d): raise CaptureError(f"--source: not a folder: {d}")
  ws = Workspace.open(args.path, args.source)
  body = route(ws, args.route)
  out = sys.stdout.buffer
  out.write((orjson.dumps(body, option=orjson.OPT_INDENT_2) if args.pretty else dumps(body)) + b"\n"); out.flush()
  ws.save_analysis()            # after the answer: the next command on this capture starts from the cache
  return 0


def cmd_disasm(args) -> int:
  ws = Workspace.open(args.path)
  out = sys.stdout
  for kv in ws.kernels:
    if not kv.usable():
      out.write(f"\n{kv.name}:  // {kv.arch or 'unknown target'}: {kv.problem}\n"); continue
    out.write(f"\n{kv.kernel.name}:  // {kv.code_object.arch}, entry 0x{kv.kernel.entry_pc:x}\n")
    starts = {b.start: b for b in kv.cfg.blocks}
    lines, last = kv.source_map, None
    for inst in kv.instructions:
      if inst.pc in starts:
        b = starts[inst.pc]
        out.write(f".LBB_{inst.pc:x}:{'' if b.reachable else '  // unreachable'}\n")
      if lines is not None and (where := lines.line_of(inst.pc)) is not None and where != last:   # as objdump -l does
        out.write(f"; {where[0]}:{where[1]}\n"); last = where
      # a branch names where it goes, as llvm-objdump does (<kernel+offset>), and the label of that block
      to = f" <{kv.kernel.name}+0x{inst.target - kv.kernel.entry_pc:x}> .LBB_{inst.target:x}" if inst.target is not None else ""
      out.write(f"\t{inst.text:<50s} // {inst.pc:012x}: {inst.hex}{to}\n")
  return 0


def cmd_stats(args) -> int:
  """A terminal summary: per kernel its waves, trace coverage, hottest instructions and costliest waits."""
  ws = Workspace.open(args.path)
  an = ws.analysis(TraceProgress())
  ws.save_analysis()
  out = sys.stdout
  cap = ws.capture
  itraced = sum(1 for t in cap.traces if t.itrace)
  out.write(f"{args.path}: {len(ws.kernels)} kernel{'s' * (len(ws.kernels) != 1)}, {len(cap.traces)} trace buffers "
            f"({itraced} with instruction tracing), {len(cap.dispatches())} dispatch{'es' * (len(cap.dispatches()) != 1)}\n")
  for kv in ws.kernels:
    if not kv.usable():
      out.write(f"\nkernel {kv.id}  {kv.name}  {kv.arch or '-'}\n  problem: {kv.problem}\n"); continue
    insts = kv.instructions
    out.write(f"\nkernel {kv.id}  {kv.kernel.name}  {kv.code_object.arch}  {len(insts)} instructions\n")
    t = an.timing.get(kv.id)
    if t is None:
      out.write(f"  {'problem: ' + kv.trace_problem if kv.trace_problem else 'not traced'}\n"); continue
    c = t.coverage
    ses = sorted({tr["se"] for tr in c["traces"] if tr["traced_waves"]})
    out.write(f"  waves: {t.n_waves} instruction-traced (SE {', '.join(map(str, ses)) or '-'}) of {c['waves_started']} started, "
              f"{c['waves_ended']} ended\n")
    out.write(f"  packets: {c['instruction_packets']} instruction packets, {c['mapped']} mapped, {c['unmapped']} unmapped, "
              f"{c['other_simd']} from other SIMDs; {c['lost_waves']} waves lost\n")
    if not t.n_waves: continue
    total = int(t.cycles_total.sum())
    out.write(f"  cycles: {total} over {t.n_waves} waves ({total // max(t.n_waves, 1)} a wave)\n")
    hot = hotspots_json(ws, kv, args.top)["hotspots"]
    out.write("  hottest instructions:\n     cycles  share   hits      mean  pc        instruction\n")
    for h in hot:
      out.write(f"  {h['cycles_total']:9d} {100 * h['share']:5.1f}% {h['hits']:6d} {h['cycles_mean']:9.1f}  {h['pc']:#08x}  {h['text']}\n")
    if t.waits:
      out.write("  top waits (cycles waited, charged to the youngest instruction each wait needed):\n")
      for w in t.waits[:args.top]:
        a, b = insts[w["wait"]], insts[w["source"]]
        out.write(f"  {w['cycles']:9d}  {a.pc:#08x} {a.text:<28} <- {w['counter']:<8} {b.pc:#08x} {b.text}\n")
  return 0


def main(argv: list[str] | None = None) -> int:
  p = argparse.ArgumentParser(prog="amdviz", description="AMD GPU assembly and thread-trace viewer")
  sub = p.add_subparsers(dest="cmd", required=True)
  j = sub.add_parser("json", help="print the JSON body of an API route for a capture or code object")
  j.add_argument("path"); j.add_argument("route", help="e.g. /api/kernels or /api/kernels/0/cfg")
  j.add_argument("--pretty", action="store_true", help="indented, for reading (the server's bytes are compact)")
  j.add_argument("--source", action="append", default=[], metavar="DIR",
                 help="a folder to find kernels' source files in, for /source (repeatable; only files under it are read)")
  j.set_defaults(fn=cmd_json)
  d = sub.add_parser("disasm", help="disassemble every kernel, llvm-objdump style, with block labels")
  d.add_argument("path"); d.set_defaults(fn=cmd_disasm)
  s = sub.add_parser("stats", help="summarise a capture's thread traces: waves, hottest instructions, waits")
  s.add_argument("path"); s.add_argument("--top", type=int, default=10, help="rows per table (default 10)")
  s.set_defaults(fn=cmd_stats)
  sub.add_parser("asm", add_help=False, help="assemble: amdviz asm [--arch gfx1100] [--json] FILE|-")
  sub.add_parser("serve", add_help=False, help="serve the viewer: amdviz serve [PATH ...] [--host H] [--port P] [--open]")
  sub.add_parser("export", add_help=False, help="write captures' analysis as Parquet: amdviz export CAPTURE... --out DIR")
  sub.add_parser("diff", add_help=False, help="per-instruction cycles of two captures or kernels and the delta: amdviz diff A B [--json]")
  sub.add_parser("report", add_help=False, help="one self-contained HTML file of every kernel's page, offline: amdviz report CAPTURE -o F.html")
  sub.add_parser("dump", add_help=False, help="what an LLM agent needs, within a token budget: amdviz dump CAPTURE [--format md|json] [--budget N]")
  sub.add_parser("run", add_help=False, help="dispatch a kernel with SQ thread tracing (a real GPU, or the simulated one): amdviz run CODE ...")
  sub.add_parser("emu", add_help=False, help="run a kernel on the simulator, write a capture: amdviz emu CODE --grid G --block B --arg ...")
  sub.add_parser("vopd", add_help=False, help="VALU pairs that could issue as one VOPD; --apply rewrites and compares on the simulator: amdviz vopd CODE --kernel K [--apply -o F]")
  argv = sys.argv[1:] if argv is None else argv
  try: return _dispatch(p, argv)
  except BrokenPipeError:              # `amdviz ... | head`: the reader left; say nothing more, exit quietly
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _dispatch(p, argv: list[str]) -> int:
  if argv[:1] == ["asm"]:                       # its own parser: isa/encode.py (imported here: 25 ms other commands skip)
    from isa.encode import cli as encode_cli
    return encode_cli(argv[1:])
  if argv[:1] == ["export"]:                             # its own parser: viz/export.py
    from viz.export import cli as export_cli
    try: return export_cli(argv[1:])
    except (CaptureError, CodeObjectError, UnsupportedArch) as e:
      print(f"amdviz export: {e}", file=sys.stderr); return 1
  if argv[:1] == ["diff"]:                               # its own parser: viz/diff.py
    from viz.diff import cli as diff_cli
    try: return diff_cli(argv[1:])
    except (CaptureError, CodeObjectError, UnsupportedArch) as e:
      print(f"amdviz diff: {e}", file=sys.stderr); return 1
  if argv[:1] in (["report"], ["dump"]):                # their own parsers: viz/report.py, viz/dump.py
    from importlib import import_module
    from viz.report import ReportError
    try: return import_module(f"viz.{argv[0]}").cli(argv[1:])
    except (CaptureError, CodeObjectError, UnsupportedArch, ReportError) as e:
      print(f"amdviz {argv[0]}: {e}", file=sys.stderr); return 1
  if argv[:1] == ["run"]:                                # its own parser: driver/cli.py
    from driver.cli import cli as run_cli
    return run_cli(argv[1:])
  if argv[:1] == ["emu"]:                                # its own parser: emu/cli.py
    from emu.cli import cli as emu_cli
    return emu_cli(argv[1:])
  if argv[:1] == ["vopd"]:                               # its own parser: isa/vopd.py
    from isa.vopd import cli as vopd_cli
    return vopd_cli(argv[1:])
  if argv[:1] == ["serve"]:                              # its own parser: viz/server.py
    from viz.server import serve_main                    # (imports FastAPI only when serving)
    return serve_main(argv[1:])
  args = p.parse_args(argv)
  try:
    return args.fn(args)
  except ApiError as e:
    print(f"amdviz: {e.message}", file=sys.stderr); return 2
  except (CaptureError, CodeObjectError, UnsupportedArch) as e:
    print(f"amdviz: {e}", file=sys.stderr); return 1


if __name__ == "__main__":
  sys.exit(main())
