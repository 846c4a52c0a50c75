"""`amdviz serve` as a process of its own: started, its URL read from what it prints, stopped. For the tests, the
benchmarks and scripts that drive a real server over HTTP."""
from __future__ import annotations
import os, re, subprocess, sys, threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]        # the source tree (or site-packages) holding viz/


def start_process(cmd: list[str], env: dict | None = None, timeout: float = 60, **popen) -> tuple[subprocess.Popen, str]:
  """Run `cmd` (a server that prints its http://127.0.0.1:PORT URL first) and return it with that URL. The
  command's modules come from this tree first; RuntimeError (with its error output) if no URL comes in time."""
  env = {**os.environ, **(env or {}), "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
  proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)
  line: list[str] = []
  reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)
  reader.start(); reader.join(timeout)
  m = re.search(r"http://127\.0\.0\.1:\d+", line[0] if line else "")
  if not m:
    proc.kill()
    raise RuntimeError(f"no server URL from {' '.join(cmd)}: {line!r} {proc.stderr.read()[-2000:]}")
  return proc, m[0]


def start_server(*args: str, env: dict | None = None, timeout: float = 60, **popen) -> tuple[subprocess.Popen, str]:
  """`python -m viz.server --port 0 ARGS...` (a free loopback port): the process and its base URL."""
  return start_process([sys.executable, "-m", "viz.server", "--port", "0", *args], env, timeout, **popen)


def stop_server(proc: subprocess.Popen) -> str:
  """Stop it (SIGTERM, then SIGKILL after 15 s); its error output."""
  proc.terminate()
  try: _, err = proc.communicate(timeout=15)
  except subprocess.TimeoutExpired:
    proc.kill(); _, err = proc.communicate(timeout=5)
  return err or ""


def peak_rss_mb(pid: int) -> float:
  """The process's peak resident memory so far (VmHWM), in MB."""
  for line in Path(f"/proc/{pid}/status").read_text().splitlines():
    if line.startswith("VmHWM:"): return int(line.split()[1]) / 1024
  return float("nan")
