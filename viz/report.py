"""`amdviz report CAPTURE -o report.html`: a capture's kernel pages as one HTML file that needs nothing beside it
and asks nothing of the network, for attaching to an issue or a pull request (zip it: it compresses
about sixfold).

What the served kernel page gets from elsewhere, the file holds:
- the page itself: templates/kernel.html rendered per kernel (templates/report.html), each kept as text in a
  <script type="text/html" data-kernel=N>; static/offline.js puts the one ?kernel=N names (else the first) in the body.
- the scripts: static/app.js and the modules it imports, bundled into one inline <script type=module>. Each module
  becomes a function run once, in dependency order: `import {a, b as c} from "./x.js"` becomes
  `const {a, b: c} = MODULES["x.js"]` and its exports the object the function returns. Rewriting the imports is
  unavoidable: the files cannot stay beside it (a browser refuses module scripts from file://) and an import map of
  data: or blob: URLs cannot work (a relative import inside such a module has no base to resolve against). The
  rewrite knows the few forms static/ uses and refuses any other, so a new form fails here, not in the browser.
- the data: every /api URL the rendered page names in a data-* attribute (layout, disasm, cfg, timing, waves,
  source, pressure ...), the traced waves' timelines app.js asks for, and a ready /status: each body as the
  server sends it (viz.api.route), in a <script type="application/json" data-route=PATH>, parsed only when the
  page asks. static/offline.js, run first, replaces fetch() with a lookup in them.
- the style sheet inline, the icon as a data: URL, and a Content-Security-Policy allowing only that one script (by
  its hash), inline styles and data: images: nothing in the file can reach the network.
"""
from __future__ import annotations
import argparse, base64, hashlib, html, json, re, sys
from pathlib import Path
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from viz.api import ApiError, Workspace, dumps, kernels_json, route

HERE = Path(__file__).resolve().parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = next((d for d in (HERE / "static", HERE.parent / "static") if d.is_dir()), HERE / "static")   # as viz/server.py
ENTRY = "app.js"                 # the kernel page's script
FIRST = "offline.js"             # run before it: the server's stand-in
MODULES = "__amdvizModules"      # the bundle's table of evaluated modules
READY = {"state": "ready", "progress": 1.0, "message": "ready", "error": None}
STATUS = re.compile(r"/api(/captures/\d+)?/status")

class ReportError(Exception):
  pass

# ---------------------------------------------------------------------------------------------------
# the scripts: ES modules -> one inline module

IMPORT = re.compile(r'^import\s*\{([^}]*)\}\s*from\s*"\./([\w.-]+\.js)";?[ \t]*$', re.M)
EXPORT_LIST = re.compile(r"^export\s*\{([^}]*)\};?[ \t]*$", re.M)
EXPORT_DECL = re.compile(r"^export\s+((?:async\s+)?function\s*\*?\s*|const\s+|class\s+)([A-Za-z_$][\w$]*)", re.M)
LEFT_OVER = re.compile(r"^\s*(import|export)\b|\bimport\s*\(|\bimport\.meta\b", re.M)   # forms the rewrite does not know
NAME = r"[A-Za-z_$][\w$]*"

def _pairs(spec: str, where: str) -> list[tuple[str, str]]:
  """`a, b as c` -> [(a, a), (b, c)]."""
  out = []
  for part in filter(None, (p.strip() for p in spec.split(","))):
    m = re.fullmatch(rf"({NAME})(?:\s+as\s+({NAME}))?", part)
    if m is None: raise ReportError(f"static/{where}: cannot bundle the import/export of {part!r}")
    out.append((m[1], m[2] or m[1]))
  return out

CLOSE = {"(": ")", "[": "]", "{": "}"}

def _const_names(src: str, i: int, where: str) -> list[str]:
  """The further names of the const statement whose first name ends at src[i]: `a = 1, b = f(x, y);` -> [b]. Skips
  strings, template literals, comments and brackets to find the statement's own commas (not regex literals: a
  `/[(]/` in an exported const's value would confuse it)."""
  names, stack, n = [], [], len(src)
  while i < n:
    c = src[i]
    if stack and stack[-1] == "`":                     # inside a template literal
      if c == "\\": i += 2; continue
      if c == "`": stack.pop()
      elif src.startswith("${", i): stack.append("}"); i += 1
    elif c in "'\"":
      i += 1
      while i < n and src[i] != c: i += 2 if src[i] == "\\" else 1
    elif c == "`": stack.append("`")
    elif src.startswith("//", i): j = src.find("\n", i); i = n if j < 0 else j; continue
    elif src.startswith("/*", i): j = src.find("*/", i); i = n if j < 0 else j + 2; continue
    elif c in CLOSE: stack.append(CLOSE[c])
    elif c in ")]}":
      if not stack or stack.pop() != c: break
    elif not stack and c == ";": return names
    elif not stack and c == "," and (m := re.compile(rf"\s*({NAME})\s*=(?!=)").match(src, i + 1)): names.append(m[1])
    i += 1
  raise ReportError(f"static/{where}:{src.count(chr(10), 0, i) + 1}: cannot find the end of an exported const")

def _module(name: str, src: str, known: dict[str, set]) -> str:
  """One module as a function that runs its body and returns its exports (`known`: those of the modules run before
  it, by name; its own are added)."""
  exports: list[tuple[str, str]] = []           # (local name, exported name)
  def imported(m):
    pairs = _pairs(m[1], name)
    if missing := [a for a, _ in pairs if a not in known[m[2]]]:
      raise ReportError(f"static/{name}: imports {', '.join(missing)} from {m[2]}, which does not export it as the bundle reads it")
    names = ", ".join(a if a == b else f"{a}: {b}" for a, b in pairs)
    return f"const {{{names}}} = {MODULES}[{json.dumps(m[2])}];"
  def listed(m):
    exports.extend(_pairs(m[1], name)); return ""
  body = EXPORT_LIST.sub(listed, IMPORT.sub(imported, src))
  for m in EXPORT_DECL.finditer(body):
    names = _const_names(body, m.end(), name) if m[1].startswith("const") else []
    exports += [(n, n) for n in [m[2], *names]]
  body = EXPORT_DECL.sub(lambda m: m[1] + m[2], body)
  if (bad := LEFT_OVER.search(body)) is not None:
    line = body.count("\n", 0, bad.start()) + 1
    raise ReportError(f"static/{name}:{line}: cannot bundle {body[bad.start():body.find(chr(10), bad.start())].strip()!r}")
  known[name] = {b for _, b in exports}
  ret = ", ".join(a if a == b else f"{b}: {a}" for a, b in exports)
  return f"{MODULES}[{json.dumps(name)}] = (() => {{\n{body.rstrip()}\nreturn {{{ret}}};\n}})();\n"

def bundle(entry: str = ENTRY, first: str = FIRST, static: Path = STATIC_DIR) -> str:
  """`first`, then `entry` and every module it imports (each after its imports), as one script."""
  order: list[tuple[str, str]] = []
  done, open_ = set(), []
  def visit(name: str):
    if name in done: return
    if name in open_: raise ReportError(f"static/: import cycle {' -> '.join(open_[open_.index(name):] + [name])}")
    path = static / name
    if not path.is_file(): raise ReportError(f"static/{open_[-1] if open_ else ''}: imports {name}, which is not in {static}")
    src = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    open_.append(name)
    for m in IMPORT.finditer(src): visit(m[2])
    open_.pop(); done.add(name); order.append((name, src))
  visit(first); visit(entry)
  known: dict[str, set] = {}
  return f"const {MODULES} = {{}};\n" + "".join(_module(n, s, known) for n, s in order)

# ---------------------------------------------------------------------------------------------------
# the pages and their data

def _templates() -> Environment:
  # as viz/server.py's, with links made for a file: kernel pages are ?kernel=N; the API is answered by offline.js
  env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True, undefined=StrictUndefined,
                    trim_blocks=True, lstrip_blocks=True)
  env.filters["plural"] = lambda n, word: f"{n} {word}{'' if n == 1 else 's'}"
  env.globals.update(api_url=lambda cid, suffix="": "/api" + suffix,
                     page_url=lambda cid, suffix="": f"?kernel={m[1]}" if (m := re.fullmatch(r"/kernels/(\d+)", suffix)) else suffix or "/",
                     hexpc=lambda v: f"0x{v:x}")
  return env

DATA_URL = re.compile(r'\sdata-[\w-]+="(/api/[^"]*)"')

def max_timelines(static: Path = STATIC_DIR) -> int | None:
  """How many traced waves' timelines app.js asks for (None: it does not say; then every traced wave's)."""
  m = re.search(r"\bconst MAX_TIMELINES = (\d+)\b", (static / ENTRY).read_text(encoding="utf-8"))
  return int(m[1]) if m else None

def pages_and_data(ws: Workspace, name: str) -> tuple[dict[int, str], dict[str, dict]]:
  """(kernel id -> its page, rendered; API path -> the body the page would fetch there), for every kernel that
  disassembles."""
  env, kernels = _templates(), kernels_json(ws)["kernels"]
  cap = {"id": 0, "name": name, "state": "ready"}
  pages, data = {}, {}
  def add(path: str):
    if path in data: return
    if STATUS.fullmatch(path): data[path] = READY; return
    try: data[path] = route(ws, path)
    except ApiError: pass                        # the page handles a missing body as it does the server's error
  most = max_timelines()
  for k in kernels:
    if k["n_instructions"] is None: continue
    page = env.get_template("report.html").render(cid=0, kid=k["id"], kernel=k, cap=cap)
    pages[k["id"]] = page
    for url in DATA_URL.findall(page): add(html.unescape(url))
    waves = f"/api/kernels/{k['id']}/waves"
    traced = [i for i, w in enumerate(data.get(waves, {}).get("waves", [])) if w["traced"]]
    for i in traced[:most]: add(f"{waves}/{i}/timeline")
  return pages, data

# ---------------------------------------------------------------------------------------------------
# the file

def _script_text(text: str, what: str) -> str:
  """`text` to go inside a <script> element, which ends at the first `</script` whatever surrounds it."""
  if re.search(r"</script|<!--", text, re.I): raise ReportError(f"{what} holds </script or <!--: cannot be inlined")
  return text

def _json_text(body) -> str:
  return dumps(body).decode().replace("<", "\\u003c")   # still the same JSON; can never close the element

def report_html(ws: Workspace, name: str) -> str:
  """The whole report of a loaded capture (`name`: what its pages call it) as one HTML document."""
  pages, data = pages_and_data(ws, name)
  script = _script_text(bundle(), "the bundled scripts")
  css = (STATIC_DIR / "style.css").read_text(encoding="utf-8")
  if re.search(r"</style", css, re.I): raise ReportError("static/style.css holds </style: cannot be inlined")
  icon = STATIC_DIR / "favicon.svg"        # (an installed package may lack it: then the page has no icon)
  icon = f'<link rel="icon" href="data:image/svg+xml;base64,{base64.b64encode(icon.read_bytes()).decode()}">\n' if icon.is_file() else ""
  digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
  csp = (f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; img-src data:; "
         "base-uri 'none'; form-action 'none'")
  out = ['<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
         f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n',
         '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
         f"<title>{html.escape(name)} · amdviz report</title>\n",
         f'{icon}<style>\n{css}</style>\n']
  for kid, page in pages.items():
    out.append(f'<script type="text/html" data-kernel="{kid}">{_script_text(page, f"the page of kernel {kid}")}</script>\n')
  for path, body in data.items():
    out.append(f'<script type="application/json" data-route="{html.escape(path)}">{_json_text(body)}</script>\n')
  out.append(f'<script type="module">{script}</script>\n</head>\n<body>\n'
             "<noscript>this report draws its pages with JavaScript: allow it for this file</noscript>\n</body>\n</html>\n")
  return "".join(out)

def cli(argv: list[str]) -> int:
  from viz.progress import TraceProgress
  p = argparse.ArgumentParser(prog="amdviz report", description="Write one self-contained HTML file with every kernel's "
                              "graph, heat, registers, table and timeline: it opens from disk, offline.")
  p.add_argument("path", metavar="CAPTURE", help="a capture or a code object")
  p.add_argument("-o", "--out", default="report.html", help="the HTML file to write (default report.html)")
  p.add_argument("--source", action="append", default=[], metavar="DIR",
                 help="a folder to find kernels' source files in, for the source view (repeatable)")
  args = p.parse_args(argv)
  for d in args.source:
    if not Path(d).is_dir(): print(f"amdviz report: --source: not a folder: {d}", file=sys.stderr); return 2
  ws = Workspace.open(args.path, args.source)
  if ws.capture.traces: ws.analysis(TraceProgress())
  ws.save_analysis()
  text = report_html(ws, Path(args.path).name)
  Path(args.out).write_text(text, encoding="utf-8")
  n = sum(1 for kv in ws.kernels if kv.usable())
  print(f"amdviz report: wrote {args.out} ({len(text.encode()) / 1024:.0f} KB, {n} kernel{'s' * (n != 1)})", file=sys.stderr)
  return 0
