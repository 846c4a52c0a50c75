"""The kernel page in a real browser: how fast it opens, answers a register click, and pans, per kernel size.

    python3 -m benchmarks.bench_browser [--sizes 1000,10000,60000] [--shapes branchy,straight] [--frames 120] [--json]

For each size and shape a kernel of about that many instructions is compiled (clang-19,
benchmarks/make_big_kernel.py: branchy has many blocks, straight is one block; cached like
benchmarks/bench_isa.py), served by the app in this process (loaded, and its answers computed, before the page
opens) and opened in Debian's chromium (headless, Playwright). Measured:
- open: from navigation to the page saying it is ready (body[data-state=ready]: drawn and answering input);
  the reference is the same browser fetching and parsing the five JSON answers the page needs, in the same page
  (no viewer can be ready before it has its data), so `open_ratio` is what the viewer itself adds;
- register click: from a click on a register operand to the frame after every drawn use is lit and the
  overview marks every use; the reference is one frame (16.7 ms);
- pan: the graph dragged `--frames` times by 7 px a step; the page records every animation frame's time:
  frames per second, the median, 95th-percentile and longest frame interval; the reference is the display's
  rate, 60 frames per second (16.7 ms).
Also reported: elements in the document once ready (only what is near the view is drawn).
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


ROUTES = ("layout", "disasm", "cfg", "timing", "waves")
FETCH_ALL = """async urls => { const t = performance.now();
  await Promise.all(urls.map(u => fetch(u, {cache: "no-store"}).then(r => r.json()))); return performance.now() - t; }"""
CLICK = """async () => { const r = document.querySelector('.cfg .reg[data-reg]'); const t = performance.now(); r.click();
  await new Promise(res => requestAnimationFrame(() => setTimeout(res, 0))); return [performance.now() - t, r.dataset.reg,
  document.querySelectorAll('.reg-hl').length, Number(document.querySelector('.minimap').dataset.marks ?? 0)]; }"""


def warm(url: str) -> None:
  """Wait until the capture is loaded and compute (and gzip) the page's answers, so the page is measured alone."""
  import time, urllib.request
  while json.load(urllib.request.urlopen(url + "/api/status"))["state"] == "loading": time.sleep(0.05)
  for r in ROUTES:
    urllib.request.urlopen(urllib.request.Request(f"{url}/api/kernels/0/{r}", headers={"Accept-Encoding": "gzip"})).read()


def open_page(browser, url: str) -> dict:
  ctx = browser.new_context(viewport={"width": 1400, "height": 900}, device_scale_factor=1)
  try:
    pg = ctx.new_page()
    pg.set_default_timeout(300_000)
    pg.goto(url + "/static/style.css")                       # same origin, nothing drawn: the reference
    fetch_ms = min(pg.evaluate(FETCH_ALL, [f"{url}/api/kernels/0/{r}" for r in ROUTES]) for _ in range(3))
    opens = []
    for _ in range(3):
      t0 = pg.evaluate("performance.timeOrigin + performance.now()")
      pg.goto(url + "/kernels/0")
      pg.wait_for_selector("body[data-state=ready]")
      opens.append(pg.evaluate("performance.timeOrigin + performance.now()") - t0)
    elements = pg.evaluate("document.getElementsByTagName('*').length")
    click_ms, reg, lit, marked = pg.evaluate(CLICK)
    return {"open_ms": round(min(opens)), "fetch_ms": round(fetch_ms), "open_ratio": round(min(opens) / fetch_ms, 2),
            "elements": elements, "click_ms": round(click_ms, 1), "click_reg": reg, "lit": lit, "uses_marked": marked}
  finally:
    ctx.close()


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
  ap.add_argument("--shapes", default="branchy,straight")
  ap.add_argument("--frames", type=int, default=120)
  ap.add_argument("--json", action="store_true")
  a = ap.parse_args(argv)
  from playwright.sync_api import sync_playwright
  from benchmarks.bench_isa import kernel_path
  rows = []
  with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
    try:
      for shape in a.shapes.split(","):
        for size in (int(s) for s in a.sizes.split(",")):
          path = kernel_path("gfx1100", size, log=lambda m: print(m, file=sys.stderr), shape=shape)
          url, stop = serve(path)
          try:
            warm(url)
            r = {"shape": shape, "instructions_wanted": size, **open_page(browser, url), **pan(browser, url, a.frames)}
          finally: stop()
          rows.append(r)
          if not a.json:
            print(f"{shape:>8} {size:>6} instructions ({r['blocks']} blocks): open {r['open_ms']} ms = {r['open_ratio']}x "
                  f"fetching its JSON ({r['fetch_ms']} ms), {r['elements']} elements; register click {r['click_ms']} ms "
                  f"({r['lit']} drawn uses lit, {r['uses_marked']} marked; one frame: 16.7 ms); pan {r['fps']:5.1f} frames/s, "
                  f"frame p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, max {r['max_ms']} ms", flush=True)
    finally:
      browser.close()
  if a.json: print(json.dumps(rows, indent=1))
  return 0


if __name__ == "__main__":
  sys.exit(main())
