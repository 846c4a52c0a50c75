"""Progress of long work on a terminal: one line redrawn in place on a terminal, or, when the output is a log (a
pipe, a file), a plain line every few seconds and only once the work has taken a while."""
from __future__ import annotations
import sys, time


class ProgressLine:
  def __init__(self, stream=None, width: int = 30, quiet_s: float = 2.0):
    self.stream, self.width, self.quiet_s = stream or sys.stderr, width, quiet_s
    self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
    self.started, self.last, self.open = time.monotonic(), 0.0, False

  def show(self, fraction: float, label: str, done: bool = False) -> None:
    """Draw `label` with a bar at `fraction` (0..1); `done` ends the line."""
    now = time.monotonic()
    if not done and (now - self.last < (0.1 if self.tty else 5.0) or (not self.tty and now - self.started < self.quiet_s)): return
    if done and not self.open and not self.tty and now - self.started < self.quiet_s: return   # quick: nothing to say
    self.last = now
    k = int(self.width * min(max(fraction, 0.0), 1.0))
    line = f"[{'#' * k}{'.' * (self.width - k)}] {int(100 * fraction):3d}% {label}"
    if self.tty:
      self.stream.write("\r" + line[:160] + " " * 4 + ("\n" if done else ""))
      self.open = not done
    else:
      self.stream.write(line + "\n")
      self.open = True
    self.stream.flush()


class TraceProgress(ProgressLine):
  """`progress(done bytes, total bytes, label)` for viz.api.Workspace.analysis: decoding traces, shown when on a
  terminal or when the traces are big enough to take a while."""
  BIG = 64 << 20          # bytes of trace that take long enough to be worth reporting off a terminal

  def __init__(self, stream=None, width: int = 30):
    super().__init__(stream, width, quiet_s=0.0)   # big traces are reported off a terminal from the start

  def __call__(self, done: int, total: int, label: str) -> None:
    if not total or not (self.tty or total >= self.BIG): return
    self.show(done / total, f"decoding traces {done / 1e6:.1f}/{total / 1e6:.1f} MB {label}", done >= total)
