"""`amdviz run CODE [--kernel K] --grid X[,Y,Z] --block X[,Y,Z] --arg SPEC... [--backend emu|kfd] [-o CAPTURE]`:
dispatch a kernel through the driver with SQ thread tracing, on a real GPU (kfd) or the simulated one (emu), and
write the capture.

CODE is a code object, or an OpenCL C file (.cl) compiled with clang-19 for --arch when clang-19 is installed.
Argument specs as for `amdviz emu`: buf:TYPE:N[=FILL], buf:PATH.npy, TYPE:VALUE, VALUE.
VIZ=-1: write the capture and print its path, start nothing. VIZ=1: write it and serve it. Otherwise the capture
goes to -o, or to a default path that is printed.
"""
from __future__ import annotations
import argparse, json, os, shutil, subprocess, sys, tempfile
from pathlib import Path
import numpy as np
from emu.cli import parse_arg, launch_arguments

CL_FLAGS = ("-x", "cl", "-cl-std=CL2.0", "-nogpulib", "-target", "amdgcn-amd-amdhsa", "-O3")


def compile_opencl(path: Path, arch: str) -> bytes:
  clang = shutil.which("clang-19")
  if clang is None: raise ValueError(f"{path} is OpenCL C: compiling it needs clang-19 (apt-get install clang-19 lld-19)")
  with tempfile.TemporaryDirectory() as d:
    out = Path(d) / "k.hsaco"
    p = subprocess.run([clang, *CL_FLAGS, f"-mcpu={arch}", str(path), "-o", str(out)], capture_output=True, text=True)
    if p.returncode: raise ValueError(f"clang-19 could not compile {path}:\n{p.stderr.strip()[-2000:]}")
    return out.read_bytes()


def default_output(code: Path) -> Path:
  base = Path(os.environ.get("AMDVIZ_CAPTURES", Path.home() / ".cache" / "amdviz" / "captures"))
  base.mkdir(parents=True, exist_ok=True)
  n = 0
  while (p := base / f"{code.stem}-{n}.amdviz").exists(): n += 1
  return p


def cli(argv: list[str]) -> int:
  p = argparse.ArgumentParser(prog="amdviz run", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
  launch_arguments(p, "a code object, or an OpenCL C file (.cl)")
  p.add_argument("--backend", choices=("auto", "emu", "kfd"), default="auto",
                 help="kfd: a real GPU through /dev/kfd; emu: the simulated GPU; auto: kfd if a supported GPU is present")
  p.add_argument("--arch", help="target for the simulated GPU and for compiling .cl (default: the code object's, or gfx1100)")
  p.add_argument("-o", "--output", help="the capture to write")
  p.add_argument("--dump-pm4", metavar="FILE.json", help="write the command stream as JSON, a packet per entry")
  p.add_argument("--no-trace", action="store_true", help="dispatch without SQ thread tracing")
  p.add_argument("--allow-unprofiled", action="store_true", help="kfd: trace even if the GPU is not in a profiling power state")
  a = p.parse_args(argv)
  from driver.device import open_device, DriverError
  from driver.simgpu import SimGPUError
  from emu import EmuError
  from capture import save_capture
  from isa.elf import CodeObjectError, load_code_object
  viz = os.environ.get("VIZ", "")
  try:
    path = Path(a.code)
    if not path.exists(): raise ValueError(f"{a.code}: no such file")
    data = compile_opencl(path, a.arch or "gfx1100") if path.suffix == ".cl" else path.read_bytes()
    try: load_code_object(data, a.arch)      # refused before any device is opened, named by its file
    except CodeObjectError as e: raise CodeObjectError(f"{a.code}: {e}") from None
    rng = np.random.default_rng(a.seed)
    args = [parse_arg(s, rng) for s in a.arg]
    dev = open_device(a.backend, a.arch, allow_unprofiled=a.allow_unprofiled)
    print(f"amdviz run: backend {dev.name} ({dev.why}): {dev.describe()}", file=sys.stderr)
    res = dev.run(data, a.kernel, a.grid, a.block, args, trace=not a.no_trace)
  except (ValueError, DriverError, CodeObjectError, OSError, SimGPUError, EmuError, TimeoutError) as e:
    print(f"amdviz run: {e}", file=sys.stderr); return 1
  out = Path(a.output) if a.output else default_output(path)
  save_capture(res.capture, out)
  if a.dump_pm4: Path(a.dump_pm4).write_text(json.dumps(res.pm4, indent=1) + "\n")
  if a.out_buffers:
    d = Path(a.out_buffers); d.mkdir(parents=True, exist_ok=True)
    for k, v in enumerate(args):
      if isinstance(v, np.ndarray): np.save(d / f"arg{k}.npy", v)
  for w in res.warnings: print(f"amdviz run: warning: {w}", file=sys.stderr)
  if viz == "-1":
    print(out); return 0
  print(f"{res.kernel}: {res.summary}\nwrote {out}  (open it: amdviz serve {out})")
  if viz not in ("", "0"):
    from viz.server import serve_main
    return serve_main([str(out)])
  return 0
