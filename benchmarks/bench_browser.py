"""Panning the kernel graph in a real browser: frame times while dragging, per kernel size.

    python3 -m benchmarks.bench_browser [--sizes 1000,10000,60000] [--frames 120] [--json]

For each size a kernel of about that many instructions is compiled (clang-19, benchmarks/make_big_kernel.py;
cached like benchmarks/bench_isa.py), served by the app in this process, and opened in Debian's chromium
(headless, Playwright). The graph is fitted to its width at scale 1 (as a user reading it would), then dragged
`--frames` times by 7 px a step; the page records every animation frame's time. Reported: frames per second
over the drag, the median and 95th-percentile frame interval, and the longest. The reference is the display's
own rate, 60 frames per second (16.7 ms); nothing else in this command sets it.
"""
from __future__ import annotations
import argparse, json, socket, sys, threading
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path: sys.path.insert(0, str(ROOT))
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
RECORD = """() => { window.__frames = []; const tick = t => { window.__frames.push(t); if (window.__frames.length < 100000)
  requestAnimationFrame(tick); }; requestAnimationFrame(tick); }"""


def serve(path: Path) -> tuple[str, callable]:
  import uvicorn
  from viz.server import create_app
  sock = socket.socket(); sock.bind(("127.0.0.1", 0)); sock.listen(64)
  srv = uvicorn.Server(uvicorn.Config(create_app([str(path)]), log_level="warning"))
  thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
  thread.start()
  def stop(): srv.should_exit = True; thread.join(10); sock.close()
  return f"http://127.0.0.1:{sock.getsockname()[1]}", stop


def pan(browser, url: str, frames: int) -> dict:
  ctx = browser.new_context(viewport={"width": 1400, "height": 900}, device_scale_factor=1)
  try:
    pg = ctx.new_page()
    pg.set_default_timeout(300_000)
    pg.goto(url + "/kernels/0")
    pg.wait_for_selector("#view[data-ready]")
    n = pg.evaluate("document.querySelectorAll('.block').length")
    box = pg.evaluate("(() => { const r = document.getElementById('view').getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; })()")
    x, y = box[0] + box[2] / 2, box[1] + box[3] / 2
    pg.evaluate("new Promise(r => setTimeout(r, 500))")           # let the first paint and lazy fills settle
    pg.evaluate(RECORD)
    pg.mouse.move(x, y); pg.mouse.down()
    t0 = pg.evaluate("performance.now()")
    for k in range(frames):
      pg.mouse.move(x + 7 * ((k // 60) % 2 * -2 + 1) * (k % 60), y - 5 * (k % 60))
      pg.evaluate("new Promise(r => requestAnimationFrame(() => r()))")   # one input per frame, as a hand gives
    t1 = pg.evaluate("performance.now()")
    pg.mouse.up()
    ts = np.array(pg.evaluate("window.__frames"))
    ts = ts[(ts >= t0) & (ts <= t1)]
    gaps = np.diff(ts)
    return {"blocks": n, "frames": len(ts), "fps": round(1000 * (len(ts) - 1) / (ts[-1] - ts[0]), 1) if len(ts) > 1 else 0.0,
            "p50_ms": round(float(np.median(gaps)), 1), "p95_ms": round(float(np.percentile(gaps, 95)), 1),
            "max_ms": round(float(gaps.max()), 1)}
  finally:
    ctx.close()


def main(argv=None) -> int:
  ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  ap.add_argument("--sizes", default="1000,10000,60000")
  ap.add_argument("--frames", type=int, default=120)
  ap.add_argument("--json", action="store_true")
  a = ap.parse_args(argv)
  from playwright.sync_api import sync_playwright
  from benchmarks.bench_isa import kernel_path
  rows = []
  with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
    try:
      for size in (int(s) for s in a.sizes.split(",")):
        path = kernel_path("gfx1100", size, log=lambda m: print(m, file=sys.stderr))
        url, stop = serve(path)
        try: r = {"instructions_wanted": size, **pan(browser, url, a.frames)}
        finally: stop()
        rows.append(r)
        if not a.json:
          print(f"{size:>7} instructions ({r['blocks']} blocks): {r['fps']:5.1f} frames/s while panning, frame p50 {r['p50_ms']} ms, "
                f"p95 {r['p95_ms']} ms, max {r['max_ms']} ms (60 frames/s: 16.7 ms)", flush=True)
    finally:
      browser.close()
  if a.json: print(json.dumps(rows, indent=1))
  return 0


if __name__ == "__main__":
  sys.exit(main())
