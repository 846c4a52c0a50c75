"""`amdviz emu CODE --grid G --block B --arg SPEC ... [-o CAPTURE]`: run a kernel on the simulator, write the capture.

Argument specs (the same as `amdviz run`), one `--arg` per explicit kernel argument, in order:
  buf:TYPE:N[=FILL]   a buffer of N elements of TYPE (f16 f32 f64 i8 i16 i32 i64 u8 u16 u32 u64), FILL one of:
                      a number (default 0), `iota` (0, 1, 2...), `rand` (uniform [0, 1) floats / any integer, seeded)
  buf:PATH.npy        a buffer holding that array (PATH.npy alone means the same)
  TYPE:VALUE          a value passed by value: i32:1000, f32:1.75, u64:0x10
  VALUE               a value passed by value, typed as the kernel's metadata declares (5, -3, 1.5, 0x10)
--out-buffers DIR writes every buffer after the run as DIR/argN.npy.
"""
from __future__ import annotations
import argparse, sys, time
from pathlib import Path
import numpy as np

TYPES = {"f16": np.float16, "f32": np.float32, "f64": np.float64, "i8": np.int8, "i16": np.int16, "i32": np.int32,
         "i64": np.int64, "u8": np.uint8, "u16": np.uint16, "u32": np.uint32, "u64": np.uint64}
MAX_ELEMENTS = 1 << 28
SPEC_HELP = "buf:TYPE:N[=FILL], buf:PATH.npy, TYPE:VALUE or VALUE"


def parse_arg(spec: str, rng: np.random.Generator):
  """One --arg: a numpy array (a buffer) or a scalar (a numpy scalar when typed, else a Python number)."""
  if spec.startswith("buf:"):
    body = spec[4:]
    if body.endswith(".npy"): return _load(body, spec)
    t, _, rest = body.partition(":")
    if t not in TYPES: raise ValueError(f"--arg {spec}: unknown type {t!r} (one of {', '.join(TYPES)})")
    n_text, _, fill = rest.partition("=")
    try: n = int(n_text, 0)
    except ValueError: raise ValueError(f"--arg {spec}: element count {n_text!r} is not a number") from None
    if not 0 < n <= MAX_ELEMENTS: raise ValueError(f"--arg {spec}: element count must be 1..{MAX_ELEMENTS}")
    dt = np.dtype(TYPES[t])
    if fill in ("", "0"): return np.zeros(n, dt)
    if fill == "iota": return np.arange(n).astype(dt)
    if fill == "rand":
      if dt.kind == "f": return rng.random(n).astype(dt)
      info = np.iinfo(dt)
      return rng.integers(info.min, info.max, n, dtype=dt, endpoint=True)
    return np.full(n, _number(fill, spec), dt)
  if spec.endswith(".npy"): return _load(spec, spec)
  if ":" in spec:
    t, _, v = spec.partition(":")
    if t not in TYPES: raise ValueError(f"--arg {spec}: unknown type {t!r} (one of {', '.join(TYPES)}; a buffer is buf:{spec})")
    x = _number(v, spec)
    dt = np.dtype(TYPES[t])
    if dt.kind in "iu" and (not isinstance(x, int) or not np.iinfo(dt).min <= x <= np.iinfo(dt).max):
      raise ValueError(f"--arg {spec}: {v} is not a {t}")
    return dt.type(x)
  return _number(spec, spec)


def _load(path: str, spec: str) -> np.ndarray:
  try: return np.ascontiguousarray(np.load(path, allow_pickle=False))
  except (OSError, ValueError) as e: raise ValueError(f"--arg {spec}: cannot read {path}: {e}") from None


def _number(text: str, spec: str):
  try: return int(text, 0)
  except ValueError: pass
  try: return float(text)
  except ValueError: raise ValueError(f"--arg {spec}: expected {SPEC_HELP}") from None


def _dims(text: str) -> tuple[int, ...]:
  try: t = tuple(int(x) for x in text.replace("x", ",").split(","))
  except ValueError: raise argparse.ArgumentTypeError(f"expected up to 3 numbers like 64 or 8,8: {text!r}") from None
  if not 1 <= len(t) <= 3 or min(t) < 1: raise argparse.ArgumentTypeError(f"expected 1 to 3 positive numbers: {text!r}")
  return t


def launch_arguments(p: argparse.ArgumentParser, code_help: str) -> None:
  """What `amdviz emu` and `amdviz run` both take: the code, the kernel, the launch size, its arguments, outputs."""
  p.add_argument("code", help=code_help)
  p.add_argument("--kernel", help="which kernel (default: the first)")
  p.add_argument("--grid", type=_dims, default=(1,), help="workgroups per dimension, e.g. 16 or 8,8 (default 1)")
  p.add_argument("--block", type=_dims, default=(64,), help="work-items per workgroup per dimension (default 64)")
  p.add_argument("--arg", action="append", default=[], metavar="SPEC", help=f"a kernel argument, in order: {SPEC_HELP}")
  p.add_argument("--out-buffers", metavar="DIR", help="write every buffer argument after the run as DIR/argN.npy")
  p.add_argument("--seed", type=int, default=0, help="seed for `rand` fills (default 0)")


def cli(argv: list[str]) -> int:
  p = argparse.ArgumentParser(prog="amdviz emu", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
  launch_arguments(p, "an AMDGPU code object (.hsaco / .co / ELF)")
  p.add_argument("-o", "--output", help="capture to write (default: CODE's name + .amdviz)")
  p.add_argument("--arch", help="target, for code objects that do not name one (hand-written kernels)")
  p.add_argument("--no-trace", action="store_true", help="do not write the thread trace")
  p.add_argument("--max-instructions", type=int, default=None, help="per-wave instruction budget")
  a = p.parse_args(argv)
  from emu import run, EmuError
  from isa.elf import CodeObjectError
  rng = np.random.default_rng(a.seed)
  try:
    args = [parse_arg(s, rng) for s in a.arg]
    t0 = time.perf_counter()
    kw = {"max_instructions": a.max_instructions} if a.max_instructions else {}
    r = run(a.code, a.kernel, a.grid, a.block, args, arch=a.arch, trace=not a.no_trace, **kw)
    dt = time.perf_counter() - t0
  except (ValueError, EmuError, CodeObjectError, OSError) as e:
    print(f"amdviz emu: {e}", file=sys.stderr); return 1
  out = Path(a.output) if a.output else Path(a.code).with_suffix(".amdviz")
  r.save(out)
  traced = sum(w.traced for w in r.waves)
  print(f"{r.kernel} ({r.arch}): {len(r.waves)} waves ({traced} instruction-traced), {r.wave_instructions} wave-instructions, "
        f"{r.cycles} cycles (modelled); simulated in {dt:.2f} s")
  if a.out_buffers:
    d = Path(a.out_buffers); d.mkdir(parents=True, exist_ok=True)
    for k, v in enumerate(args):
      if isinstance(v, np.ndarray): np.save(d / f"arg{k}.npy", v)
  print(f"wrote {out}  (open it: amdviz serve {out})")
  return 0
