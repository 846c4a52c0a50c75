"""amdviz report: one HTML file opened from file:// in Debian's chromium with every network request refused (and none
attempted but the file's own): a kernel's graph, heat, register highlighting, table and timeline as the served page
draws them, on a real capture and on a bare code object; and the bundling of static/'s modules."""
import gzip
import json
import re
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from capture import load_capture
from tests.conftest import real_capture
from tests.viz.test_browser import PAGE_MS, browser, operand_registers   # noqa: F401 (browser: the fixture)
from viz.api import Workspace, route
from viz.cli import main
from viz.report import ReportError, _json_text, bundle, report_html


def write_report(tmp_path, path) -> tuple[Path, Workspace]:
  out = tmp_path / f"{Path(path).stem}.html"
  assert main(["report", str(path), "-o", str(out)]) == 0
  return out, Workspace.open(path)


@contextmanager
def offline(browser, html: Path, query: str = ""):
  """The report opened from disk, anything but file:// aborted; yields the page; then checks that no request but
  the file itself was even attempted and that no script failed."""
  ctx = browser.new_context(viewport={"width": 1200, "height": 760}, device_scale_factor=1)
  asked, errors = [], []
  ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file://") else r.abort())
  try:
    pg = ctx.new_page()
    pg.set_default_timeout(PAGE_MS)
    pg.on("request", lambda r: asked.append(r.url))
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.goto(html.as_uri() + query)
    pg.wait_for_selector("#view[data-ready]")
    yield pg
  finally:
    ctx.close()
  assert not errors, errors
  assert {urlsplit(u)._replace(query="", fragment="").geturl() for u in asked} == {html.as_uri()}, asked


def drawn_texts(ws, kid: int = 0) -> list[str]:
  cfg, disasm = route(ws, f"/api/kernels/{kid}/cfg"), route(ws, f"/api/kernels/{kid}/disasm")
  drawn = {pc for b in cfg["blocks"] for pc in b["pcs"]}
  return [i["text"] for i in disasm["instructions"] if i["pc"] in drawn]


def check_register_click(pg, ws, pc: int, k: int = 0):
  """A click on the k-th register operand of the line at pc lights every use of its registers in the graph."""
  text = next(i["text"] for i in route(ws, "/api/kernels/0/disasm")["instructions"] if i["pc"] == pc)
  regs = operand_registers(text)[k]
  pg.locator(f'.cfg .line[data-pc="{pc}"] .reg').nth(k).click()
  want = sum(1 for t in drawn_texts(ws) for r in operand_registers(t) if r & regs)
  assert want > 1 and pg.locator(".cfg .reg-hl").count() == want
  assert "reg=" in pg.evaluate("location.hash")
  pg.keyboard.press("Escape")
  assert pg.locator(".cfg .reg-hl").count() == 0


def test_report_of_a_real_capture_opens_offline(browser, tmp_path, report):
  html, ws = write_report(tmp_path, real_capture("gfx1100", "gemm"))
  raw = html.read_bytes()
  report(f"report of gfx1100/gemm (72 instructions, 1024 waves): {len(raw) / 1024:.0f} KB, "
         f"{len(gzip.compress(raw, 9)) / 1024:.0f} KB gzipped")
  lay, cfg, timing = (route(ws, f"/api/kernels/0/{r}") for r in ("layout", "cfg", "timing"))
  waves = route(ws, "/api/kernels/0/waves")["waves"]
  with offline(browser, html) as pg:
    # the graph, its heat
    assert pg.locator(".cfg .block").count() == len(lay["nodes"])
    assert pg.locator(".cfg .line").count() == sum(len(b["pcs"]) for b in cfg["blocks"])
    rows = {r["pc"]: r for r in timing["instructions"]}
    shown = dict(pg.eval_on_selector_all(".cfg .line[data-cycles]", "ls => ls.map(l => [+l.dataset.pc, +l.dataset.cycles])"))
    assert shown == {pc: r["cycles_total"] for pc, r in rows.items()}
    # register highlighting (v_lshlrev_b64 v[1:2], 2, v[1:2]: the write and the read)
    check_register_click(pg, ws, 5940, 0)
    check_register_click(pg, ws, 5940, 1)
    # the table, linked to the graph
    assert pg.locator("table.insts tbody tr").count() == len(rows)
    pg.locator("table.insts tbody tr").nth(3).click()
    assert pg.locator(".cfg .line.sel").get_attribute("data-pc") == pg.locator("table.insts tbody tr").nth(3).get_attribute("data-pc")
    # the timeline: a row per wave, the traced ones with their instructions
    assert pg.locator(".wave-row").count() == len(waves)
    traced = [i for i, w in enumerate(waves) if w["traced"]]
    assert pg.locator(".wave-row.itrace").count() == len(traced) > 0
    spans = route(ws, f"/api/kernels/0/waves/{traced[0]}/timeline")["spans"]
    assert pg.locator(f'.wave-row[data-wave="{traced[0]}"] .ispan').count() == len(spans)
    assert "gemm" in pg.locator(".crumbs").text_content() and pg.locator(".top a[href]").count() == 0   # no dead links


def test_report_picks_each_kernel(browser, tmp_path):
  """A capture of two kernels: ?kernel=N opens the second, the kernel menu leads there; pressure and source come along."""
  html, ws = write_report(tmp_path, real_capture("gfx1100", "sync"))
  kernels = route(ws, "/api/kernels")["kernels"]
  with offline(browser, html) as pg:
    assert pg.title().startswith(kernels[0]["name"])
    pg.select_option("#report-kernel", "1")
    pg.wait_for_url(re.compile(r"\?kernel=1$"))
    pg.wait_for_selector("#view[data-ready]")
    assert pg.title().startswith(kernels[1]["name"])
    assert f"{kernels[1]['n_instructions']} instructions" in pg.locator(".kernel-bar .meta").text_content()
  with offline(browser, html, "?kernel=1") as pg:
    assert pg.locator(".cfg .line").count() == kernels[1]["n_instructions"]
    assert "none of its 1 waves ran on an instruction-traced SIMD" in pg.locator(".kernel-bar .note").text_content()
    assert pg.locator(".press-legend").count() == 1                         # the register pressure lane came along
  text = html.read_text()
  for k in (0, 1):
    for r in ("layout", "disasm", "cfg", "timing", "waves", "pressure"):
      assert f'data-route="/api/kernels/{k}/{r}"' in text


def test_report_of_a_bare_code_object(browser, tmp_path):
  (elf := tmp_path / "k.hsaco").write_bytes(load_capture(real_capture("gfx1200", "gemm")).programs[0].lib)
  html, ws = write_report(tmp_path, elf)
  n = route(ws, "/api/kernels")["kernels"][0]["n_instructions"]
  with offline(browser, html) as pg:
    assert pg.locator(".cfg .line").count() == n and pg.locator("table.insts tbody tr").count() == n
    assert "not traced" in pg.locator(".kernel-bar .note").text_content()
    assert not pg.locator("#timeline").is_visible()
    pc = next(i["pc"] for i in route(ws, "/api/kernels/0/disasm")["instructions"] if i["text"].startswith("v_lshlrev_b64"))
    check_register_click(pg, ws, pc, 0)


def test_report_skips_a_kernel_without_code(browser, tmp_path):
  """Kernel 0's code object is corrupt: the report opens on kernel 1, and the menu shows kernel 0 greyed."""
  cap = load_capture(real_capture("gfx1100", "sync"))
  cap.programs[0].lib = b"not an ELF at all"
  (html := tmp_path / "broken.html").write_text(report_html(Workspace(cap), "broken.pkl"), encoding="utf-8")
  with offline(browser, html, "?kernel=0") as pg:
    assert pg.locator("#report-kernel").input_value() == "1" and pg.locator(".cfg .line").count() == 15
    assert pg.locator("#report-kernel option[disabled]").evaluate_all("os => os.map(o => o.value)") == ["0"]


def test_report_is_the_same_bytes_each_time(tmp_path):
  ws = Workspace.open(real_capture("gfx1200", "sync"))
  assert report_html(ws, "sync.pkl") == report_html(Workspace.open(real_capture("gfx1200", "sync")), "sync.pkl")


# ---------------------------------------------------------------------------------------------------
# the bundle

def test_bundle_rewrites_imports_and_exports(tmp_path):
  (tmp_path / "a.js").write_text('export const X = 1, Y = `${[1, 2].map(v => ({v}))}`, Z = (a, b = 2) => a + b;\n'
                                 'const hidden = 3;\nexport function f() { return hidden; }\nexport {hidden as shown};\n')
  (tmp_path / "main.js").write_text('import {X, Y as y, Z, f, shown} from "./a.js";\nwindow.out = [X, y, Z(1), f(), shown];\n')
  (tmp_path / "first.js").write_text("window.first = 1;\n")
  js = bundle("main.js", "first.js", tmp_path)
  assert js.index('"first.js"') < js.index('"a.js"') < js.index('"main.js"')
  assert 'const {X, Y: y, Z, f, shown} = __amdvizModules["a.js"];' in js and "shown: hidden" in js
  if shutil.which("node"):                       # and it runs: every name arrives with its value
    out = subprocess.run(["node", "--input-type=module", "-e", "globalThis.window = globalThis;\n" + js +
                          "console.log(JSON.stringify([window.first, window.out]));"], capture_output=True, text=True, timeout=60)
    assert json.loads(out.stdout) == [1, [1, "[object Object],[object Object]", 3, 3, 3]], out.stderr


@pytest.mark.parametrize("src, why", [('export default 1;\n', "cannot bundle"), ('import x from "./a.js";\n', "cannot bundle"),
                                      ('const m = await import("./a.js");\n', "cannot bundle"),
                                      ('import {nope} from "./a.js";\n', "does not export"),
                                      ('import {X} from "./main.js";\nexport const X = 1;\n', "import cycle")])
def test_bundle_refuses_what_it_cannot_rewrite(tmp_path, src, why):
  (tmp_path / "a.js").write_text("export const X = 1;\n")
  (tmp_path / "first.js").write_text("")
  (tmp_path / "main.js").write_text(src)
  with pytest.raises(ReportError, match=why): bundle("main.js", "first.js", tmp_path)


def test_embedded_json_cannot_end_its_script_element():
  assert "<" not in _json_text({"name": "</script><script>alert(1)</script>"})
