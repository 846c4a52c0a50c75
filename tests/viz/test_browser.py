"""The kernel page in a real browser (Debian's chromium driven by Playwright): register highlighting, latency
heat, wait arrows, pan/zoom, block navigation, the instruction table, the wave timeline, deep links, and a
screenshot compared with a golden PNG.

Skipped when /usr/bin/chromium or the playwright package is missing (.ci/tests.sh installs both; Playwright's
own browser download is never used). The server runs in-process on a free loopback port, serving the demo
capture (a traced gfx1100 GEMM).

Regenerate the golden screenshot(s) after an intended visual change, then look at them:
    AMDVIZ_UPDATE_GOLDENS=1 python3 -m pytest tests/viz/test_browser.py -k golden
"""
import json
from contextlib import contextmanager
import os
import re
import socket
import struct
import threading
import time
import urllib.request
import zlib
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import real_capture
from viz.server import create_app

CHROMIUM = "/usr/bin/chromium"
GOLDENS = Path(__file__).resolve().parent / "goldens"
UPDATE_GOLDENS = os.environ.get("AMDVIZ_UPDATE_GOLDENS") == "1"
WAIT_S = 60          # bound on the capture's background load (numba compiles the SQTT decoder on first use)
PAGE_MS = 20_000     # bound on any one wait inside the browser
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--font-render-hinting=none", "--force-color-profile=srgb",
                "--hide-scrollbars"]

# ---------------------------------------------------------------------------------------------------
# PNG decoding with zlib, so golden comparison needs no imaging library


def png_pixels(data: bytes) -> np.ndarray:
  """An 8-bit non-interlaced PNG (what Chromium writes) as an array (height, width, channels)."""
  assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
  pos, idat, head = 8, [], None
  while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR": head = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT": idat.append(body)
    elif kind == b"IEND": break
    pos += 12 + n
  w, h, depth, color, _, _, interlace = head
  channels = {0: 1, 2: 3, 4: 2, 6: 4}[color]
  assert depth == 8 and interlace == 0, f"unsupported PNG: bit depth {depth}, interlace {interlace}"
  stride = w * channels
  raw = np.frombuffer(zlib.decompress(b"".join(idat)), np.uint8).reshape(h, stride + 1)
  out = np.zeros((h, stride), np.uint8)
  prev = np.zeros(stride, np.int64)
  for y in range(h):
    kind, line = raw[y, 0], raw[y, 1:].astype(np.int64)
    if kind == 0: cur = line
    elif kind == 1: cur = np.cumsum(line.reshape(w, channels), axis=0).reshape(stride) & 255   # Sub: running sum
    elif kind == 2: cur = (line + prev) & 255                                                   # Up
    else: cur = np.array(_unfilter_sequential(kind, line.tolist(), prev.tolist(), channels), np.int64)
    out[y] = cur
    prev = cur
  return out.reshape(h, w, channels)


def _unfilter_sequential(kind: int, line: list, prev: list, bpp: int) -> list:
  """Average (3) and Paeth (4): each byte depends on the one just decoded to its left, so byte by byte."""
  res = [0] * len(line)
  for x, v in enumerate(line):
    a = res[x - bpp] if x >= bpp else 0
    b = prev[x]
    if kind == 3: res[x] = (v + ((a + b) >> 1)) & 255; continue
    c = prev[x - bpp] if x >= bpp else 0
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    res[x] = (v + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
  return res


def _encode_png(pixels: np.ndarray, filters: list[int]) -> bytes:
  """A PNG of an (h, w, 3) uint8 array, row y filtered with filters[y % len(filters)]: to test the decoder."""
  h, w, ch = pixels.shape
  bpp, rows, prev = ch, [], np.zeros(w * ch, np.int64)
  for y in range(h):
    cur = pixels[y].reshape(-1).astype(np.int64)
    kind = filters[y % len(filters)]
    left = np.concatenate([np.zeros(bpp, np.int64), cur[:-bpp]])
    upleft = np.concatenate([np.zeros(bpp, np.int64), prev[:-bpp]])
    if kind == 0: f = cur
    elif kind == 1: f = cur - left
    elif kind == 2: f = cur - prev
    elif kind == 3: f = cur - ((left + prev) >> 1)
    else:
      p = left + prev - upleft
      pa, pb, pc = abs(p - left), abs(p - prev), abs(p - upleft)
      f = cur - np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, prev, upleft))
    rows.append(bytes([kind]) + (f & 255).astype(np.uint8).tobytes())
    prev = cur
  def chunk(kind, body): return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
  return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
          chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))


def test_png_decoder_every_filter():
  rng = np.random.default_rng(7)
  img = rng.integers(0, 256, (9, 13, 3), dtype=np.uint8)
  for filters in ([0], [1], [2], [3], [4], [0, 1, 2, 3, 4]):
    assert (png_pixels(_encode_png(img, filters)) == img).all(), filters


def differing_fraction(a: np.ndarray, b: np.ndarray, threshold: int = 48) -> float:
  """The fraction of pixels whose colour differs by more than `threshold` in some channel: anti-aliasing
  and sub-pixel glyph placement move a few edge pixels by less; a changed view moves many by more."""
  if a.shape != b.shape: return 1.0
  return float((np.abs(a.astype(np.int16) - b.astype(np.int16)).max(axis=2) > threshold).mean())


# ---------------------------------------------------------------------------------------------------
# register operands as the page should mark them: parsed here independently of static/registers.js

OPERAND = re.compile(r"\b(v|s|a|ttmp)\[(\d+):(\d+)\]|\b(v|s|a|ttmp)(\d+)\b|\b(vcc|exec|flat_scratch|xnack_mask)(?:_(lo|hi))?\b|\b(m0|scc)\b")


def operand_registers(text: str) -> list[set[str]]:
  """The register operands of one instruction's text (not its mnemonics), each as the registers it covers."""
  out = []
  for half in text.split(" :: "):
    ops = half.partition(" ")[2]
    for m in OPERAND.finditer(ops):
      if m[1]: out.append({f"{m[1]}{r}" for r in range(int(m[2]), int(m[3]) + 1)})
      elif m[4]: out.append({m[4] + m[5]})
      elif m[6]: out.append({f"{m[6]}_{m[7]}"} if m[7] else {f"{m[6]}_lo", f"{m[6]}_hi"})
      else: out.append({m[8]})
  return out


# ---------------------------------------------------------------------------------------------------
# the server and the browser

def _playwright():
  try:
    from playwright.sync_api import sync_playwright
  except ImportError:
    pytest.skip("playwright is not installed (pip install playwright; no browser download needed)")
  if not os.access(CHROMIUM, os.X_OK): pytest.skip(f"no {CHROMIUM} (apt-get install chromium)")
  return sync_playwright


@pytest.fixture(scope="module")
def base_url():
  import uvicorn
  sock = socket.socket()
  sock.bind(("127.0.0.1", 0)); sock.listen(64)
  url = f"http://127.0.0.1:{sock.getsockname()[1]}"
  srv = uvicorn.Server(uvicorn.Config(create_app([]), log_level="warning"))
  thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, name="amdviz-test-server", daemon=True)
  thread.start()
  deadline = time.monotonic() + WAIT_S
  while True:
    try:
      if get_json(url, "/api/captures/0/status")["state"] != "loading": break
    except OSError: pass
    assert time.monotonic() < deadline, "the demo capture did not load in time"
    time.sleep(0.1)
  yield url
  srv.should_exit = True
  thread.join(10)
  sock.close()


def get_json(base: str, path: str) -> dict:
  with urllib.request.urlopen(base + path, timeout=10) as r: return json.loads(r.read())


@pytest.fixture(scope="module")
def browser():
  sync_playwright = _playwright()
  with sync_playwright() as p:
    b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS, timeout=PAGE_MS)
    yield b
    b.close()


@pytest.fixture
def page(browser):
  ctx = browser.new_context(viewport={"width": 1200, "height": 760}, device_scale_factor=1)
  pg = ctx.new_page()
  pg.set_default_timeout(PAGE_MS)
  errors = []
  pg.on("pageerror", lambda e: errors.append(str(e)))
  yield pg
  ctx.close()
  assert not errors, f"script errors on the page: {errors}"


def open_kernel(page, base_url, hash_=""):
  if page.url.startswith(f"{base_url}/kernels/0"): page.goto("about:blank")   # else a new hash would not reload
  page.goto(f"{base_url}/kernels/0{hash_}")
  page.wait_for_selector("body[data-state=ready]")


@pytest.fixture(scope="module")
def api(base_url):
  return {r: get_json(base_url, f"/api/kernels/0/{r}") for r in ("disasm", "cfg", "timing", "waves", "layout")}


# ---------------------------------------------------------------------------------------------------
# the tests

def test_index_opens_the_kernel(page, base_url, api):
  page.goto(base_url + "/")
  page.click('a[href="/kernels/0"]')
  page.wait_for_selector("#view[data-ready]")
  assert page.url.endswith("/kernels/0")
  assert page.locator(".cfg .block").count() == len(api["layout"]["nodes"])
  assert page.locator(".cfg .line").count() == sum(len(b["pcs"]) for b in api["cfg"]["blocks"])


def test_register_highlight_matches_the_disassembly(page, base_url, api):
  open_kernel(page, base_url)
  drawn = {pc for b in api["cfg"]["blocks"] for pc in b["pcs"]}
  texts = [i["text"] for i in api["disasm"]["instructions"] if i["pc"] in drawn]
  # every operand of every drawn line is marked with the registers it covers
  assert page.locator(".cfg .reg[data-reg]").count() == sum(len(operand_registers(t)) for t in texts)
  # (pc, which register operand, written there?): v_lshlrev_b64 v[1:2], 2, v[1:2]; v_add_co_ci_u32_e32 v2, vcc_lo,
  # s7, v2, vcc_lo; s_load_b64 s[0:1], s[0:1], 0x10
  for pc, k, expect_write in ((5940, 0, True), (5940, 1, False), (5972, 1, True), (5972, 4, False), (5900, 1, False)):
    text = next(i["text"] for i in api["disasm"]["instructions"] if i["pc"] == pc)
    regs = operand_registers(text)[k]
    page.locator(f'.line[data-pc="{pc}"] .reg').nth(k).click()
    want = sum(1 for t in texts for r in operand_registers(t) if r & regs)
    assert page.locator(".reg-hl").count() == want, (pc, regs)
    assert page.locator(".reg-hl.reg-write").count() + page.locator(".reg-hl.reg-read").count() == want
    clicked = page.locator(f'.line[data-pc="{pc}"] .reg').nth(k)
    assert ("reg-write" if expect_write else "reg-read") in clicked.get_attribute("class").split(), (pc, k)
  page.keyboard.press("Escape")
  assert page.locator(".reg-hl").count() == 0
  assert "reg=" not in page.evaluate("location.hash")


def test_heat_tints_and_counts_match_timing(page, base_url, api):
  open_kernel(page, base_url)
  rows = {r["pc"]: r for r in api["timing"]["instructions"]}
  assert api["timing"]["traced"] and rows
  shown = page.eval_on_selector_all(".cfg .line[data-cycles]", """ls => ls.map(l => [+l.dataset.pc, +l.dataset.cycles,
      l.querySelector('.gutter .hits').textContent, l.querySelector('.gutter .cyc').textContent,
      getComputedStyle(l).backgroundColor])""")
  assert len(shown) == len(rows)
  tinted = 0
  for pc, cycles, hits_text, cyc_text, bg in shown:
    assert cycles == rows[pc]["cycles_total"] and cyc_text == str(cycles) and hits_text == str(rows[pc]["hits"])
    alpha = float(m[1]) if (m := re.match(r"rgba\([^)]*,\s*([\d.]+)\)", bg)) else (1.0 if bg.startswith("rgb(") else 0.0)
    assert (alpha > 0) == (cycles > 0), (pc, bg)
    tinted += alpha > 0
  assert tinted > len(rows) // 2
  # the hottest line is the most tinted
  hot = max(rows.values(), key=lambda r: r["cycles_total"])["pc"]
  heat = dict(page.eval_on_selector_all(".cfg .line[data-cycles]", "ls => ls.map(l => [+l.dataset.pc, +l.style.getPropertyValue('--heat')])"))
  assert heat[hot] == max(heat.values())
  # blocks labelled with hits and cycles, edges with their counts
  labels = page.locator(".block-head").all_text_contents()
  for b in api["cfg"]["blocks"]: assert f"BB_{b['start']:x} · {b['hits']} hits · {b['cycles']} cycles" in labels
  counts = sorted(page.locator(".edge-count").all_text_contents())
  assert counts == sorted(f"{e['count']}×" for e in api["cfg"]["edges"])


def test_wait_shows_the_loads_it_waited_on(page, base_url, api):
  open_kernel(page, base_url)
  waits = [r for r in api["timing"]["instructions"] if r["wait"]]
  assert waits
  for r in waits[:3]:
    page.locator(f'.line[data-pc="{r["pc"]}"] .mn').click()
    assert page.locator(".wait-arrow").count() == len(r["wait"])
    assert sorted(int(x) for x in page.eval_on_selector_all(".line.waited-load", "ls => ls.map(l => l.dataset.pc)")) == \
      sorted(w["pc"] for w in r["wait"])
  page.keyboard.press("Escape")
  assert page.locator(".wait-arrow").count() == 0


def test_pan_zoom_fit_and_block_keys(page, base_url, api):
  open_kernel(page, base_url)
  view = page.locator("#view")
  box = view.bounding_box()
  before = float(view.get_attribute("data-scale"))
  page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
  page.mouse.wheel(0, 400)
  zoomed = float(view.get_attribute("data-scale"))
  assert zoomed < before
  # drag pans: the canvas moves with the mouse, and the drag does not select anything
  start = page.locator(".cfg").bounding_box()
  page.mouse.move(box["x"] + 50, box["y"] + 50); page.mouse.down()
  page.mouse.move(box["x"] + 150, box["y"] + 90, steps=5); page.mouse.up()
  moved = page.locator(".cfg").bounding_box()
  assert abs(moved["x"] - start["x"] - 100) < 2 and abs(moved["y"] - start["y"] - 40) < 2
  page.click("#fit")
  whole = page.locator(".cfg").bounding_box()
  assert whole["x"] >= box["x"] - 1 and whole["y"] >= box["y"] - 1
  assert whole["x"] + whole["width"] <= box["x"] + box["width"] + 1 and whole["y"] + whole["height"] <= box["y"] + box["height"] + 1
  # arrow keys: from the entry block down to its fall-through successor, and back up
  entry = api["cfg"]["blocks"][0]["id"]
  page.locator(f"#block-{entry}").click(position={"x": 5, "y": 3})
  page.keyboard.press("ArrowDown")
  below = min((n for n in api["layout"]["nodes"] if n["y"] > api["layout"]["nodes"][0]["y"]), key=lambda n: n["y"])["id"]
  assert page.locator(".block.selected").get_attribute("data-block") == str(below)
  assert f"block=0x{below:x}" in page.evaluate("location.hash")
  page.keyboard.press("ArrowUp")
  assert page.locator(".block.selected").get_attribute("data-block") == str(entry)


def test_clicking_an_edge_end_jumps_to_the_other_end(page, base_url, api):
  open_kernel(page, base_url)
  e = next(e for e in api["layout"]["edges"] if e["kind"] == "taken")
  g = page.locator(f"g.edge").nth(api["layout"]["edges"].index(e))
  pts = [tuple(map(float, p.split(","))) for p in g.locator("polyline.hit").get_attribute("points").split()]
  def click_at(p, toward):   # a little way along the edge from its end, on its stroke, with the whole graph in view
    page.click("#fit")
    canvas = page.locator(".cfg").bounding_box()
    scale = float(page.locator("#view").get_attribute("data-scale"))
    x, y = p[0] + (toward[0] - p[0]) * 0.3, p[1] + (toward[1] - p[1]) * 0.3
    page.mouse.click(canvas["x"] + x * scale, canvas["y"] + y * scale)
  click_at(pts[-1], pts[-2])          # near the head: the source
  assert page.locator(".block.selected").get_attribute("data-block") == str(e["from"])
  click_at(pts[0], pts[1])            # near the tail: the target
  assert page.locator(".block.selected").get_attribute("data-block") == str(e["to"])


def test_table_sorts_and_links_to_the_graph(page, base_url, api):
  open_kernel(page, base_url)
  rows = page.locator("table.insts tbody tr")
  assert rows.count() == len(api["disasm"]["instructions"])
  page.click('table.insts button[data-key="cycles"]')        # biggest first
  hottest = max(api["timing"]["instructions"], key=lambda r: (r["cycles_total"], -r["pc"]))
  assert rows.first.get_attribute("data-pc") == str(hottest["pc"])
  cycles = [int(t) for t in page.locator("table.insts tbody tr td:nth-child(6)").all_text_contents()]   # the cycles column
  assert cycles == sorted(cycles, reverse=True)
  rows.nth(3).click()
  pc = int(rows.nth(3).get_attribute("data-pc"))
  assert page.locator(".cfg .line.sel").get_attribute("data-pc") == str(pc)
  block = next(b["id"] for b in api["cfg"]["blocks"] if pc in b["pcs"])
  assert page.locator(".block.selected").get_attribute("data-block") == str(block)
  # and back: a line clicked in the graph selects its row
  other = api["cfg"]["blocks"][-1]["pcs"][0]
  page.locator(f'.cfg .line[data-pc="{other}"] .mn').click()
  assert page.locator("table.insts tr.sel").get_attribute("data-pc") == str(other)


def test_wave_timeline_one_row_per_wave_linked_to_instructions(page, base_url, api):
  open_kernel(page, base_url)
  waves = api["waves"]["waves"]
  assert page.locator(".wave-row").count() == len(waves)
  assert page.locator(".wave-row.traced").count() == sum(w["traced"] for w in waves)
  # every instruction-traced wave draws its real timeline: one span per instruction, coloured by class
  n = next(i for i, w in enumerate(waves) if w["traced"])
  tl = get_json(base_url, f"/api/kernels/0/waves/{n}/timeline")
  assert page.locator(".wave-row.itrace").count() == sum(w["traced"] for w in waves)
  row = page.locator(f'.wave-row[data-wave="{n}"] .ispan')
  assert row.count() == len(tl["spans"]) and page.locator(".seg").count() == 0
  assert [int(x) for x in row.evaluate_all("es => es.map(e => e.dataset.pc)")] == [s["pc"] for s in tl["spans"]]
  classes = {s["class"] for s in tl["spans"]}
  for c in classes:
    assert page.locator(f'.wave-row[data-wave="{n}"] .ispan.cls-{c}').count() == sum(s["class"] == c for s in tl["spans"])
  assert {"VALU", "SALU", "WAIT", "VMEM"} <= classes and page.locator(".legend .key[class*='cls-']").count() == 8
  assert page.locator(".legend .key.lead").count() == 1
  colours = {c: page.locator(f'.wave-row[data-wave="{n}"] .ispan.cls-{c}').first.evaluate("e => getComputedStyle(e).backgroundColor")
             for c in classes}
  assert len(set(colours.values())) == len(classes)
  # a click on a span selects its instruction in the graph (and its block), and marks it in every wave
  wait = max(tl["spans"], key=lambda s: s["end"] - s["start"])
  row.nth(tl["spans"].index(wait)).click()
  assert page.locator(".cfg .line.sel").get_attribute("data-pc") == str(wait["pc"])
  block = next(b["id"] for b in api["cfg"]["blocks"] if wait["pc"] in b["pcs"])
  assert page.locator(".block.selected").get_attribute("data-block") == str(block)
  assert page.locator(f'.ispan.sel[data-pc="{wait["pc"]}"]').count() == page.locator(".ispan.sel").count() >= 1
  # a block selected alone (no instruction: a link to it) marks the spans of its instructions
  open_kernel(page, base_url, f"#block=0x{block:x}")
  pcs = next(b["pcs"] for b in api["cfg"]["blocks"] if b["id"] == block)
  marked = page.locator(f'.wave-row[data-wave="{n}"] .ispan.sel')
  assert marked.count() == sum(s["pc"] in pcs for s in tl["spans"]) > 0


def test_deep_link_reload_restores_the_view(page, base_url, api):
  open_kernel(page, base_url)
  pc = 5940
  page.locator(f'.line[data-pc="{pc}"] .reg').first.click()
  n = page.locator(".reg-hl").count()
  h = page.evaluate("location.hash")
  assert "reg=v1,v2" in h and f"pc=0x{pc:x}" in h and "block=0x" in h
  page.reload()
  page.wait_for_selector("#view[data-ready]")
  assert page.evaluate("location.hash") == h
  assert page.locator(".reg-hl").count() == n
  assert page.locator(".cfg .line.sel").get_attribute("data-pc") == str(pc)
  # a link opened fresh: kernel, block and register from the URL alone
  block = api["cfg"]["blocks"][1]["id"]
  open_kernel(page, base_url, f"#block=0x{block:x}&reg=v3")
  assert page.locator(".block.selected").get_attribute("data-block") == str(block)
  drawn = {p for b in api["cfg"]["blocks"] for p in b["pcs"]}
  want = sum(1 for i in api["disasm"]["instructions"] if i["pc"] in drawn for r in operand_registers(i["text"]) if "v3" in r)
  assert page.locator(".reg-hl").count() == want


GOLDEN_VIEW = "#block=0x1700&pc=0x1788&reg=v3&wait=0x1788"   # entry block, a wait with its load, v3 highlighted


def _timeline_zoomed(page):
  box = page.locator(".wave-lanes").bounding_box()
  page.mouse.move(box["x"] + box["width"] * 0.45, box["y"] + 10)
  page.mouse.wheel(0, -600)


# the main views on the demo capture: (golden file, path, what to do once it is ready)
GOLDENS_VIEWS = [("kernel0_view.png", "/kernels/0" + GOLDEN_VIEW, None),
                 ("kernel0_listing.png", "/kernels/0" + GOLDEN_VIEW + "&view=listing", None),
                 ("kernel0_timeline_zoomed.png", "/kernels/0#block=0x1700", _timeline_zoomed),
                 ("kernel0_summary.png", "/kernels/0/summary", None)]


@pytest.mark.parametrize("name,path,action", GOLDENS_VIEWS, ids=[g[0].removesuffix(".png") for g in GOLDENS_VIEWS])
def test_golden_screenshot(page, base_url, tmp_path, name, path, action):
  page.goto(f"{base_url}{path}")
  if "/summary" not in path: page.wait_for_selector("body[data-state=ready]")
  if action: action(page)
  page.mouse.move(0, 0)
  page.evaluate("document.fonts.ready")
  page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
  shot = page.screenshot(full_page=True, animations="disabled", caret="hide")
  golden = GOLDENS / name
  if UPDATE_GOLDENS:
    GOLDENS.mkdir(exist_ok=True)
    golden.write_bytes(shot)
    return
  if not golden.exists(): pytest.fail(f"no golden {golden}: run AMDVIZ_UPDATE_GOLDENS=1 python3 -m pytest {__file__} -k golden")
  got, want = png_pixels(shot), png_pixels(golden.read_bytes())
  (tmp_path / "actual.png").write_bytes(shot)
  assert got.shape == want.shape, f"{name}: {got.shape} pixels, the golden has {want.shape} (actual: {tmp_path / 'actual.png'})"
  frac = differing_fraction(got[..., :3], want[..., :3])
  assert frac < 0.003, (f"{frac:.2%} of pixels differ from {golden} (actual: {tmp_path / 'actual.png'}); if the change is "
                        f"intended: AMDVIZ_UPDATE_GOLDENS=1 python3 -m pytest {__file__} -k golden")


def _frame(page) -> dict:
  return page.locator(".minimap .mm-view").bounding_box()


def test_minimap_shows_the_view_and_moves_it(page, base_url, api):
  open_kernel(page, base_url)
  mm = page.locator("#view .minimap")
  assert mm.is_visible() and mm.get_attribute("data-blocks") == str(len(api["layout"]["nodes"]))
  mbox, view = mm.bounding_box(), page.locator("#view").bounding_box()
  assert mbox["x"] + mbox["width"] <= view["x"] + view["width"] and mbox["y"] + mbox["height"] <= view["y"] + view["height"]
  assert mbox["width"] <= 200 and mbox["height"] <= 150
  # the graph is drawn (non-background pixels on the overview's canvas)
  drawn = page.evaluate("""() => { const c = document.querySelector('.minimap canvas'), d = c.getContext('2d')
      .getImageData(0, 0, c.width, c.height).data; let n = 0; for (let i = 3; i < d.length; i += 4) n += d[i] > 0; return n; }""")
  assert drawn > 100
  # the frame is the viewport: zooming in shrinks it, "fit" shows (nearly) the whole overview
  page.click("#fit")
  whole = _frame(page)
  assert whole["width"] > mbox["width"] * 0.8 or whole["height"] > mbox["height"] * 0.8
  page.keyboard.press("+"); page.keyboard.press("+")
  small = _frame(page)
  assert small["width"] * small["height"] < whole["width"] * whole["height"] * 0.8
  # clicking on the overview centres the main view there: the frame's centre follows the click
  tx, ty = mbox["x"] + mbox["width"] * 0.5, mbox["y"] + mbox["height"] * 0.85
  before = page.locator(".cfg").bounding_box()
  page.mouse.click(tx, ty)
  after_frame, after = _frame(page), page.locator(".cfg").bounding_box()
  assert (after["x"], after["y"]) != (before["x"], before["y"])
  cy = after_frame["y"] + after_frame["height"] / 2
  assert abs(cy - ty) < 3 or after_frame["y"] + after_frame["height"] >= mbox["y"] + mbox["height"] - 2   # clipped at the bottom
  assert page.locator(".block.selected").count() == 0        # a click on the overview selects nothing
  # dragging moves it along
  page.mouse.move(mbox["x"] + mbox["width"] * 0.5, mbox["y"] + mbox["height"] * 0.2); page.mouse.down()
  page.mouse.move(mbox["x"] + mbox["width"] * 0.5, mbox["y"] + mbox["height"] * 0.4, steps=4)
  mid = page.locator(".cfg").bounding_box()
  page.mouse.move(mbox["x"] + mbox["width"] * 0.5, mbox["y"] + mbox["height"] * 0.6, steps=4); page.mouse.up()
  end = page.locator(".cfg").bounding_box()
  assert end["y"] < mid["y"]                                   # dragging down the overview scrolls the graph up



@contextmanager
def serving(*paths):
  """The app over one file (or several: captures 0, 1 ...) on a free loopback port, for a test of its own."""
  import uvicorn
  sock = socket.socket()
  sock.bind(("127.0.0.1", 0)); sock.listen(64)
  url = f"http://127.0.0.1:{sock.getsockname()[1]}"
  srv = uvicorn.Server(uvicorn.Config(create_app([str(p) for p in paths]), log_level="warning"))
  thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, name="amdviz-big-server", daemon=True)
  thread.start()
  try: yield url
  finally:
    srv.should_exit = True
    thread.join(10)
    sock.close()


@contextmanager
def opened(browser, path):
  """Its kernel 0 opened in a page of its own: (page, server url, seconds until the page said it was ready)."""
  ctx = browser.new_context(viewport={"width": 1200, "height": 760}, device_scale_factor=1)
  errors = []
  with serving(path) as url:
    try:
      pg = ctx.new_page()
      pg.set_default_timeout(120_000)
      pg.on("pageerror", lambda e: errors.append(str(e)))
      t0 = time.monotonic()
      pg.goto(url + "/kernels/0")
      pg.wait_for_selector("body[data-state=ready]")
      yield pg, url, time.monotonic() - t0
    finally:
      ctx.close()
  assert not errors, errors


def big_kernel(tmp_path, size: int, shape: str):
  import shutil
  if not shutil.which("clang-19"): pytest.skip("clang-19 is missing (needed to build the big kernel)")
  from benchmarks.make_big_kernel import build_big_kernel
  return build_big_kernel(str(tmp_path / f"big-{shape}.hsaco"), "gfx1100", size, shape)


def test_big_kernel_loads_and_stays_interactive(browser, tmp_path, report):
  """A ~20k-instruction kernel: boxes only near the view get their lines, the page answers input promptly."""
  with opened(browser, big_kernel(tmp_path, 20000, "branchy")) as (pg, url, ready):
    n_inst = pg.evaluate("document.querySelectorAll('.block').length"), len(get_json(url, "/api/kernels/0/disasm")["instructions"])
    lines, elements = pg.evaluate("[document.querySelectorAll('.cfg .line').length, document.querySelectorAll('*').length]")
    rows = pg.evaluate("document.querySelectorAll('table.insts tbody tr').length")
    t1 = time.monotonic()
    pg.keyboard.press("f")
    pg.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    fit = time.monotonic() - t1
    t1 = time.monotonic()
    pg.keyboard.press("ArrowDown")
    pg.wait_for_selector(".block.selected")
    pg.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    key = time.monotonic() - t1
    report(f"big kernel ({n_inst[1]} instructions, {n_inst[0]} blocks): ready in {ready:.2f} s, {elements} elements "
           f"({lines} instruction lines, {rows} table rows drawn); fit {fit * 1000:.0f} ms, arrow key {key * 1000:.0f} ms")
    assert n_inst[1] >= 15000
    assert ready < 30 and fit < 10 and key < 10
    assert lines < n_inst[1]            # lazily drawn: not every instruction is a line element
    assert rows < 1000                  # the table draws only the rows near its scroll position
    pg.evaluate("(() => { const s = document.getElementById('insts'); s.scrollTop = s.scrollHeight; })()")
    last = get_json(url, "/api/kernels/0/disasm")["instructions"][-1]["pc"]
    pg.wait_for_selector(f'table.insts tr[data-pc="{last}"]')
    pg.click(f'table.insts tr[data-pc="{last}"]')      # selects it in the graph too, drawing its block
    pg.wait_for_selector(f'.block.selected .line.sel[data-pc="{last}"]')


def test_one_long_block_draws_only_the_lines_near_the_view(browser, tmp_path, report):
  """Straight-line code, thousands of instructions in one block: only the lines near the view are in the
  document, wherever it goes; a register click counts and marks every use, drawn or not, and lights the drawn
  ones, also those drawn later; a table click far down shows that line; fit stays readable."""
  with opened(browser, big_kernel(tmp_path, 6000, "straight")) as (pg, url, ready):
    cfg, disasm = get_json(url, "/api/kernels/0/cfg"), get_json(url, "/api/kernels/0/disasm")["instructions"]
    longest = max(len(b["pcs"]) for b in cfg["blocks"])
    assert longest > 5000, "the kernel should be one long block"
    drawn = lambda: pg.evaluate("document.querySelectorAll('.cfg .line').length")
    first = drawn()
    assert 0 < first < 600
    # a register: every use counted in the bar and marked on the overview, the drawn ones lit
    # (one used at both ends of the block, so that the lines drawn far down have uses to light)
    used = lambda insts: {r for i in insts for r in i["reads"] + i["writes"] if re.fullmatch(r"[vs]\d+", r)}
    near_top = [i for i in disasm[:40] if i["pc"] in set(pg.evaluate("[...document.querySelectorAll('.cfg .line')].map(l => +l.dataset.pc)"))]
    both = sorted(used(near_top) & used(disasm[-30:]), key=lambda r: (r[0], int(r[1:])))
    assert both
    reg = pg.locator(f'.cfg .reg[data-reg~="{both[0]}"]').first
    regs = set(reg.get_attribute("data-reg").split())
    reg.click()
    writes = sum(1 for i in disasm if regs & set(i["writes"]))
    reads = sum(1 for i in disasm if regs & set(i["reads"]))
    assert writes + reads > 2
    uses = pg.locator("#reg-uses").text_content()
    assert f"{writes} write" in uses and f"{reads} read" in uses, uses
    assert pg.locator(".minimap").get_attribute("data-marks") == str(writes + reads)
    # far down the block, picked in the table: its line is drawn and in view, the top's lines are gone
    last = disasm[-1]["pc"]
    pg.evaluate("(() => { const s = document.getElementById('insts'); s.scrollTop = s.scrollHeight; })()")
    pg.wait_for_selector(f'table.insts tr[data-pc="{last}"]')
    pg.click(f'table.insts tr[data-pc="{last}"]')
    line = pg.wait_for_selector(f'.cfg .line.sel[data-pc="{last}"]')
    lb, vb = line.bounding_box(), pg.locator("#view").bounding_box()
    assert vb["y"] <= lb["y"] and lb["y"] + lb["height"] <= vb["y"] + vb["height"]
    pg.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    assert drawn() < 600 and pg.locator(f'.cfg .line[data-pc="{disasm[0]["pc"]}"]').count() == 0
    # the lines drawn down there are lit for the register chosen up here
    drawn_pcs = set(pg.evaluate("[...document.querySelectorAll('.cfg .line')].map(l => +l.dataset.pc)"))
    lit = set(pg.evaluate("[...document.querySelectorAll('.cfg .reg-hl')].map(e => +e.closest('.line').dataset.pc)"))
    assert lit == {i["pc"] for i in disasm if i["pc"] in drawn_pcs and regs & set(i["reads"] + i["writes"])} and lit
    pg.keyboard.press("f")
    assert float(pg.locator("#view").get_attribute("data-scale")) >= 0.6       # not a one-pixel strip
    report(f"one block of {longest} instructions: ready in {ready:.2f} s, {first} lines drawn of {len(disasm)}")


def test_minimap_folds_away_and_stays_folded(page, base_url):
  open_kernel(page, base_url)
  mm = page.locator("#view .minimap")
  page.click(".minimap .mm-fold")
  assert "folded" in mm.get_attribute("class") and not page.locator(".minimap canvas").first.is_visible()
  assert mm.bounding_box()["width"] < 100
  open_kernel(page, base_url, "#block=0x1700")
  assert "folded" in page.locator("#view .minimap").get_attribute("class")      # remembered
  page.click(".minimap .mm-fold")
  assert "folded" not in page.locator("#view .minimap").get_attribute("class")
  assert page.locator(".minimap canvas").first.is_visible()


def test_branch_names_its_target_and_jumps_there(page, base_url, api):
  """A branch's line ends with the name of the block it goes to (the /disasm row's target); clicking it selects
  that instruction and its block."""
  open_kernel(page, base_url)
  branches = [i for i in api["disasm"]["instructions"] if i["target"] is not None]
  assert branches
  for b in branches:
    link = page.locator(f'.cfg .line[data-pc="{b["pc"]}"] .target')
    assert link.text_content() == f" → BB_{b['target']:x}"
  target = branches[0]["target"]
  page.locator(f'.cfg .line[data-pc="{branches[0]["pc"]}"] .target').click()
  page.wait_for_selector(f'.cfg .line.sel[data-pc="{target}"]')
  block = next(bl for bl in api["cfg"]["blocks"] if target in bl["pcs"])
  assert page.locator(".block.selected").get_attribute("data-block") == str(block["id"])
  labels = page.locator(".block-head").all_text_contents()
  assert all(any(l.startswith(f"BB_{bl['start']:x}") for l in labels) for bl in api["cfg"]["blocks"])

def test_untraced_kernel_and_bare_code_object_say_so(browser, tmp_path):
  """A kernel whose waves ran on no instruction-traced SIMD shows no heat and says why; a bare code object has no
  timeline strip; every page has its icon."""
  import uvicorn
  from capture import load_capture
  (elf := tmp_path / "k.hsaco").write_bytes(load_capture(real_capture("gfx1100", "gemm")).programs[0].lib)
  sock = socket.socket(); sock.bind(("127.0.0.1", 0)); sock.listen(64)
  url = f"http://127.0.0.1:{sock.getsockname()[1]}"
  srv = uvicorn.Server(uvicorn.Config(create_app([str(real_capture("gfx1100", "sync")), str(elf)]), log_level="warning"))
  thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
  thread.start()
  ctx = browser.new_context(viewport={"width": 1200, "height": 760})
  try:
    pg = ctx.new_page()
    pg.set_default_timeout(PAGE_MS)
    for cid in (0, 1):
      deadline = time.monotonic() + WAIT_S
      while get_json(url, f"/api/captures/{cid}/status")["state"] == "loading":
        assert time.monotonic() < deadline; time.sleep(0.05)
    assert get_json(url, "/api/kernels/1/timing")["waves"] == 0 and get_json(url, "/api/kernels/1/timing")["traced"]
    pg.goto(url + "/kernels/1"); pg.wait_for_selector("#view[data-ready]")
    assert "none of its 1 waves ran on an instruction-traced SIMD" in pg.locator(".kernel-bar .note").text_content()
    assert pg.locator(".cfg .line[data-cycles]").count() == 0 and pg.locator(".cfg .gutter .hits").count() == 0
    assert "15 instructions" in pg.locator(".kernel-bar .meta").text_content()
    home = pg.goto(url + "/"); assert home.status == 200
    assert "no instruction trace" in pg.locator("table.kernels").text_content()
    pg.goto(url + "/captures/1/kernels/0"); pg.wait_for_selector("#view[data-ready]")
    assert not pg.locator("#timeline").is_visible()
    assert "not traced" in pg.locator(".kernel-bar .note").text_content()
    icon = pg.goto(url + "/favicon.ico")
    assert icon.status == 200 and icon.headers["content-type"].startswith("image/svg+xml")
  finally:
    ctx.close()
    srv.should_exit = True; thread.join(10); sock.close()

def test_timeline_zooms_pans_filters_and_resizes(page, base_url, api):
  """The time axis starts on the instruction-traced waves (untraced rows hidden until asked for), labels each row
  with where the wave ran, zooms with the wheel around the cursor and pans by dragging; the strip resizes."""
  open_kernel(page, base_url)
  waves = api["waves"]["waves"]
  traced = [w for w in waves if w["traced"]]
  origin = min(w["start"] for w in waves)
  window = lambda: [float(x) for x in page.evaluate("document.getElementById('timeline').dataset.window").split("-")]
  lo, hi = window()
  assert (lo, hi) == (min(w["start"] for w in traced) - origin, max(w["end"] for w in traced) - origin)
  assert page.locator(".wave-row.traced:visible").count() == len(traced) and page.locator(".wave-row:visible").count() == len(traced)
  labels = page.locator(".wave-row.traced .wave-label").all_text_contents()
  assert sorted(labels) == sorted(f"SE{w['se']} CU{w['cu']} S{w['simd']} w{w['wave']}" for w in traced)
  ticks = [int(t.replace(",", "")) for t in page.locator(".time-axis .tick").all_text_contents()]
  assert len(ticks) >= 3 and all(lo <= t <= hi for t in ticks)
  # wheel in: a narrower window around the cursor; drag: moved, same width
  box = page.locator(".wave-lanes").bounding_box()
  page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + 10)
  page.mouse.wheel(0, -800)
  page.evaluate("new Promise(r => requestAnimationFrame(() => r()))")
  a, b = window()
  assert b - a < (hi - lo) / 2 and lo <= a and b <= hi
  page.mouse.down(); page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + 10, steps=4); page.mouse.up()
  c, d = window()
  assert abs((d - c) - (b - a)) < 1e-6 and c > a
  page.click(".timeline-head button:text('all')")
  assert window() == [lo, hi]
  page.uncheck(".timeline-head .filter input")
  assert page.locator(".wave-row:visible").count() == len(waves)
  assert window() == [0, max(w["end"] or w["start"] for w in waves) - origin]
  # the strip's top edge resizes it
  h0 = page.locator("#timeline").bounding_box()["height"]
  g = page.locator(".timeline-grip").bounding_box()
  page.mouse.move(g["x"] + 50, g["y"] + 2); page.mouse.down(); page.mouse.move(g["x"] + 50, g["y"] - 100, steps=5); page.mouse.up()
  assert page.locator("#timeline").bounding_box()["height"] > h0 + 60

def test_search_goto_history_and_xrefs(page, base_url, api):
  """IDA's navigation: / searches text and registers (Enter next, Shift+Enter previous, wrapping), g goes to an
  address or a block label, every jump is a history step (Alt+Left back, Alt+Right forward), and the selected
  block lists the blocks that reach it."""
  open_kernel(page, base_url)
  insts = api["disasm"]["instructions"]
  sel = lambda: int(page.locator(".cfg .line.sel").get_attribute("data-pc"))
  waits = [i["pc"] for i in insts if "s_waitcnt" in i["text"]]
  page.keyboard.press("/")
  page.keyboard.type("s_waitcnt"); page.keyboard.press("Enter")
  assert sel() == waits[0] and page.locator("#find-count").text_content() == f"1/{len(waits)}"
  page.keyboard.press("Enter"); assert sel() == waits[1]
  page.keyboard.press("Shift+Enter"); page.keyboard.press("Shift+Enter"); assert sel() == waits[-1]   # wraps around
  uses_v5 = [i["pc"] for i in insts if "v5" in i["reads"] or "v5" in i["writes"]]
  page.fill("#find", "v5"); page.press("#find", "Enter"); assert sel() == uses_v5[0]
  # go to: an address inside an instruction lands on that instruction; a block label on its first
  target = insts[10]
  page.locator("#find").press("Escape"); page.keyboard.press("g")
  page.keyboard.type(f"{target['pc'] + 2:x}"); page.keyboard.press("Enter")
  assert sel() == target["pc"]
  block = api["cfg"]["blocks"][-1]
  page.fill("#find", f"BB_{block['start']:x}"); page.press("#find", "Enter")
  assert sel() == block["start"] and page.locator(".block.selected").get_attribute("data-block") == str(block["id"])
  # the history: back to the address jump, forward again
  page.locator("#find").press("Escape")
  def until(cond):
    for _ in range(200):
      if cond(): return
      page.wait_for_timeout(25)
    raise AssertionError(f"not reached: {page.url}")
  page.keyboard.press("Alt+ArrowLeft"); until(lambda: f"pc={hex(target['pc'])}" in page.url)
  assert sel() == target["pc"]
  page.keyboard.press("Alt+ArrowRight"); until(lambda: f"pc={hex(block['start'])}" in page.url)
  assert sel() == block["start"]
  # cross-references of the selected block: exactly the edges into it, each a link that goes there
  into = [e for e in api["cfg"]["edges"] if e["to"] == block["id"]]
  start = {b["id"]: b["start"] for b in api["cfg"]["blocks"]}
  links = page.locator("#xrefs a.xref")
  assert sorted(links.all_text_contents()) == sorted(f"BB_{start[e['from']]:x}" for e in into) and into
  first = links.first.text_content()
  links.first.click()
  assert page.locator(".block.selected").get_attribute("data-block") == str(next(e["from"] for e in into
                                                                                 if f"BB_{start[e['from']]:x}" == first))

def test_table_columns_hottest_key_and_resizing(page, base_url, api):
  """RGP's columns (hits, mean latency, stall, cycles, share; each header says what it counts), "n" walking the
  instructions hottest first, a selected row scrolled into view below the sticky header, the table resizable."""
  open_kernel(page, base_url)
  heads = page.locator("table.insts th button.sort")
  assert heads.all_text_contents() == ["pc", "instruction", "hits", "mean", "stall", "cycles", "share", "live"]
  assert all(heads.nth(k).get_attribute("title") for k in (0, 2, 3, 4, 5, 6, 7))
  rows = {r["pc"]: r for r in api["timing"]["instructions"]}
  for tr in page.locator("table.insts tbody tr[data-pc]").all()[:20]:
    pc, cells = int(tr.get_attribute("data-pc")), tr.locator("td").all_text_contents()
    r = rows[pc]
    assert cells[2:6] == [str(r["hits"]), f"{r['cycles_mean']:.1f}", str(r["stall"]), str(r["cycles_total"])]
  hot = sorted((r for r in rows.values() if r["cycles_total"]), key=lambda r: (-r["cycles_total"], r["pc"]))
  sel = lambda: int(page.locator(".cfg .line.sel").get_attribute("data-pc"))
  for r in hot[:3]:
    page.keyboard.press("n"); assert sel() == r["pc"]
  # the selected row is below the table's header, not under it
  head = page.locator("table.insts thead").bounding_box()
  row = page.locator(f'table.insts tbody tr[data-pc="{hot[2]["pc"]}"]').bounding_box()
  assert row["y"] >= head["y"] + head["height"] - 1
  w0 = page.locator(".side").bounding_box()["width"]
  g = page.locator(".side-grip").bounding_box()
  page.mouse.move(g["x"] + 2, g["y"] + 100); page.mouse.down(); page.mouse.move(g["x"] - 150, g["y"] + 100, steps=5); page.mouse.up()
  assert page.locator(".side").bounding_box()["width"] > w0 + 100


def test_linear_listing(page, base_url, api):
  """Space shows the linear listing in the graph's place, with the same selection: instructions in address order,
  each block's label and the blocks reaching it, the heat gutter, register and wait marks; clicks, arrow keys and
  branch links select there; the mode survives a reload; Space again shows the graph at the selection."""
  open_kernel(page, base_url, "#block=0x1700&pc=0x1788&reg=v3&wait=0x1788")
  page.keyboard.press(" ")
  lst = page.locator("#listing")
  assert lst.is_visible() and "behind" in page.locator("#view").get_attribute("class")
  assert "view=listing" in page.evaluate("location.hash")
  insts, blocks = api["disasm"]["instructions"], api["cfg"]["blocks"]
  pcs = [int(x) for x in page.evaluate("[...document.querySelectorAll('#listing .line')].map(l => l.dataset.pc)")]
  k = [i["pc"] for i in insts].index(pcs[0])
  assert pcs == [i["pc"] for i in insts[k:k + len(pcs)]]                    # address order, none left out
  labels = page.locator("#listing .lst-label .lbl").all_text_contents()
  starts = sorted(b["start"] for b in blocks if pcs[0] <= b["start"] <= pcs[-1])
  assert labels == [f"BB_{s:x}:" for s in starts]
  for b in blocks:                                                          # each label names the blocks reaching it
    if not (pcs[0] <= b["start"] <= pcs[-1]): continue
    into = sorted(f"BB_{next(x['start'] for x in blocks if x['id'] == e['from']):x}" for e in api["cfg"]["edges"] if e["to"] == b["id"])
    row = page.locator("#listing .lst-label", has_text=f"BB_{b['start']:x}:").first
    assert sorted(row.locator(".target").all_text_contents()) == into
  heat = {r["pc"]: r for r in api["timing"]["instructions"]}
  for pc in pcs[:10]:
    assert page.locator(f'#listing .line[data-pc="{pc}"] .cyc').text_content() == str(heat[pc]["cycles_total"])
  # the selection's marks: the line, every drawn v3 operand, the wait and the load it waited on
  assert page.locator('#listing .line.sel').get_attribute("data-pc") == str(0x1788)
  v3 = page.locator('#listing .reg[data-reg~="v3"]')
  assert v3.count() > 0 and v3.count() == page.locator('#listing .reg-hl[data-reg~="v3"]').count()
  loads = [w["pc"] for w in heat[0x1788]["wait"]]
  assert loads and all("waited-load" in page.locator(f'#listing .line[data-pc="{pc}"]').get_attribute("class") for pc in loads)
  assert f"waited on 0x{loads[0]:x}" in page.locator(f'#listing .line[data-pc="{0x1788}"]').text_content()
  # a click selects there (the table follows); arrow keys walk the instructions
  nxt = insts[[i["pc"] for i in insts].index(0x1788) + 1]["pc"]
  page.locator(f'#listing .line[data-pc="{nxt}"] .mn').click()
  assert f"pc=0x{nxt:x}" in page.evaluate("location.hash") and page.locator("table.insts tr.sel").get_attribute("data-pc") == str(nxt)
  page.keyboard.press("ArrowUp")
  assert page.locator('#listing .line.sel').get_attribute("data-pc") == str(0x1788)
  # a branch's link goes to its target, scrolled into the listing
  br = next(i for i in insts if i["target"] is not None)
  page.locator(f'#listing .line[data-pc="{br["pc"]}"]').scroll_into_view_if_needed()
  page.locator(f'#listing .line[data-pc="{br["pc"]}"] .target').click()
  line = page.locator(f'#listing .line.sel[data-pc="{br["target"]}"]')
  lb, vb = line.bounding_box(), lst.bounding_box()
  assert vb["y"] <= lb["y"] and lb["y"] + lb["height"] <= vb["y"] + vb["height"]
  # reload: still the listing; Space: the graph, at the selection
  page.reload(); page.wait_for_selector("body[data-state=ready]")
  assert page.locator("#listing").is_visible()
  page.keyboard.press(" ")
  assert not page.locator("#listing").is_visible() and "view=listing" not in page.evaluate("location.hash")
  assert page.locator(f'.cfg .line.sel[data-pc="{br["target"]}"]').is_visible()


def test_source_view(browser, tmp_path):
  """The source tab of a kernel built with -g (its source embedded): the file line by line; a click on a line
  selects its instructions in the graph; an instruction picked in the graph marks its line."""
  import shutil
  if not shutil.which("clang-19"): pytest.skip("clang-19 is missing (needed to build a kernel with -g)")
  from tests.llvm_oracle import compile_cl
  src = Path(__file__).resolve().parents[1] / "corpus" / "16_loops.cl"
  hsaco = compile_cl(src, "gfx1100", "-O2", cache_dir=tmp_path, extra_flags=("-g", "-gdwarf-5", "-gembed-source"))
  with opened(browser, hsaco) as (pg, url, ready):
    f = get_json(url, "/api/kernels/0/source")["files"][0]
    pg.click('.side-tabs [data-tab="source"]')
    pg.wait_for_selector(".src-line.code")
    assert not pg.locator("#insts").is_visible()
    assert pg.locator(".src-line .text").all_text_contents() == [l["text"] for l in f["lines"]]
    assert pg.locator(".src-line.code").count() == sum(1 for l in f["lines"] if l["pcs"])
    line = max(f["lines"], key=lambda l: len(l["pcs"]))
    pg.click(f'.src-line[data-line="{line["line"]}"]')
    marked = pg.evaluate("[...document.querySelectorAll('.cfg .line.src-sel')].map(l => +l.dataset.pc)")
    assert sorted(marked) == sorted(line["pcs"]) and len(marked) >= 2
    assert f"pc=0x{line['pcs'][0]:x}" in pg.evaluate("location.hash")
    other = next(l for l in f["lines"] if l["pcs"] and l["line"] != line["line"])
    pg.fill("#find", f"0x{other['pcs'][0]:x}"); pg.press("#find", "Enter")          # go to it (g)
    assert pg.locator(".src-line.sel").get_attribute("data-line") == str(other["line"])
    assert pg.locator(".cfg .line.src-sel").count() == 0
    pg.click('.side-tabs [data-tab="insts"]')
    assert pg.locator("#insts").is_visible() and not pg.locator("#source").is_visible()


def test_source_tab_without_a_line_table(page, base_url):
  open_kernel(page, base_url)
  tab = page.locator('.side-tabs [data-tab="source"]')
  assert tab.is_disabled() and "without -g" in tab.get_attribute("title")


def test_golden_source_view(browser, tmp_path):
  """The source view's golden screenshot, on a code object kept in tests/data (built with -g, source embedded)."""
  hsaco = Path(__file__).resolve().parents[1] / "data" / "kernels" / "loops_g_gfx1100.hsaco"
  with opened(browser, hsaco) as (pg, url, ready):
    f = get_json(url, "/api/kernels/0/source")["files"][0]
    line = max(f["lines"], key=lambda l: len(l["pcs"]))
    pg.click('.side-tabs [data-tab="source"]')
    pg.wait_for_selector(".src-line.code")
    pg.click(f'.src-line[data-line="{line["line"]}"]')
    pg.mouse.move(0, 0)
    pg.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    shot = pg.screenshot(animations="disabled", caret="hide")
  golden = GOLDENS / "source_view.png"
  if UPDATE_GOLDENS:
    golden.write_bytes(shot)
    return
  got, want = png_pixels(shot), png_pixels(golden.read_bytes())
  (tmp_path / "actual.png").write_bytes(shot)
  assert got.shape == want.shape and differing_fraction(got[..., :3], want[..., :3]) < 0.003, \
    f"differs from {golden} (actual: {tmp_path / 'actual.png'}); if intended: AMDVIZ_UPDATE_GOLDENS=1 python3 -m pytest {__file__} -k golden"


def test_pressure_lane_marks_the_peak(page, base_url):
  """Each line of the graph and of the listing has a lane whose bar is its live VGPRs' share of the allocation
  (/pressure), red at every peak instruction; the table's live column says the same and sorts the peak first."""
  body = get_json(base_url, "/api/kernels/0/pressure")
  alloc, live = body["vgpr_alloc"], {r["pc"]: r["live_vgprs"] for r in body["instructions"]}
  peak = set(body["peak_pcs"])
  assert alloc and peak and max(live.values()) == body["peak"]["live_vgprs"]
  open_kernel(page, base_url)
  lane = """ls => ls.map(l => { const p = l.querySelector('.press');
    return [+l.dataset.pc, p && +p.style.getPropertyValue('--p'), p?.classList.contains('peak'), p?.title,
            p && getComputedStyle(p).backgroundImage, p?.getBoundingClientRect().width]; })"""
  lines = page.eval_on_selector_all(".block .line", lane)
  assert sorted(pc for pc, *_ in lines) == sorted(live)              # the demo's lines are all drawn
  for pc, share, is_peak, title, image, width in lines:
    assert share == pytest.approx(live[pc] / alloc, abs=1e-3) and width > 10
    assert is_peak == (pc in peak) and title.startswith(f"{live[pc]} of {alloc} VGPRs live")
    assert ("rgb(200, 50, 47)" in image) == (pc in peak)            # the peak in red, the rest in the lane's grey-blue
  legend = page.text_content(".kernel-status .press-legend")
  assert legend == f"live VGPRs of {alloc} · peak {body['peak']['live_vgprs']} at {len(peak)} instructions"
  cells = page.eval_on_selector_all("table.insts tbody tr[data-pc]",
                                    "rs => rs.map(r => [+r.dataset.pc, r.lastChild.textContent, r.lastChild.classList.contains('peak')])")
  assert {pc: int(t) for pc, t, _ in cells} == live and {pc for pc, _, red in cells if red} == peak
  page.click("table.insts th.col-live button")                     # biggest first: the peak
  assert page.eval_on_selector("table.insts tbody tr", "r => +r.dataset.pc") in peak
  page.click("#mode")                                               # the listing: the same lanes
  page.wait_for_selector(".listing-view .line .press")
  listed = page.eval_on_selector_all(".listing-view .line", lane)
  assert listed and all(share == pytest.approx(live[pc] / alloc, abs=1e-3) and red == (pc in peak)
                        for pc, share, red, *_ in listed)


def test_vopd_candidates_marked_in_the_graph(browser, tmp_path):
  """Both lines of every VOPD candidate (/vopd) carry the mark, their tooltip says the VOPD text; no other line does;
  the status line counts the pairs; the listing marks the same lines."""
  import shutil
  if not shutil.which("clang-19"): pytest.skip("clang-19 is missing (needed to build a kernel with candidates)")
  from tests.llvm_oracle import compile_cl
  src = Path(__file__).resolve().parents[1] / "corpus" / "02_float_arith.cl"
  with opened(browser, compile_cl(src, "gfx1100", "-O0", cache_dir=tmp_path)) as (pg, url, ready):
    cands = get_json(url, "/api/kernels/0/vopd")["candidates"]
    assert cands
    want = {pc: c for c in cands for pc in c["pcs"]}
    marked = pg.eval_on_selector_all(".block .line.vopd", "ls => ls.map(l => [+l.dataset.pc, l.title, getComputedStyle(l, '::after').width])")
    assert sorted(pc for pc, *_ in marked) == sorted(want)
    for pc, title, width in marked:
      c = want[pc]
      other = c["pcs"][1] if pc == c["pcs"][0] else c["pcs"][0]
      assert f"with 0x{other:x} one VOPD: {c['text']}" in title and width == "3px"
    assert pg.text_content(".kernel-status .vopd-legend").startswith(f"{len(cands)} VOPD pairs")
    pg.click("#mode")
    pg.wait_for_selector(".listing-view .line")
    listed = pg.eval_on_selector_all(".listing-view .line.vopd", "ls => ls.map(l => +l.dataset.pc)")
    drawn = pg.eval_on_selector_all(".listing-view .line", "ls => ls.map(l => +l.dataset.pc)")
    assert listed and sorted(listed) == sorted(pc for pc in drawn if pc in want)
