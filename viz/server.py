"""`amdviz serve`: the JSON API over HTTP, and HTML pages that draw it.

Datasette-like: every HTML page has a JSON twin under /api, and every /api body is what `amdviz json PATH
ROUTE` prints, because both call viz.api.route. The server serves only the captures named on its command line
(ids 0..n-1, in order; none given: a demo capture shipped in viz/demo) and those uploaded to it; no route
takes a file name.

Each capture is loaded and analysed (disassembly, CFG, thread traces) once, in a background thread, so the
server answers while a large capture loads: its data routes say 202 with the load's status until it is
ready, and the pages poll. Answers are cached per capture as encoded JSON (a 60k-instruction disassembly
is encoded once, not per request).

Routes for capture 0 live at /api/...; the same routes for any capture at /api/captures/{cid}/..., and
pages likewise at /... and /captures/{cid}/....
"""
from __future__ import annotations
import argparse, asyncio, errno, gzip, inspect, json, logging, mimetypes, os, re, socket, sys, threading, time, webbrowser
from collections import OrderedDict
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Callable
from urllib.parse import urlsplit

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from pydantic import BeforeValidator
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from isa.decode import UnsupportedArch
from isa.elf import CodeObjectError
from viz.api import WAVES_LIMIT, ApiError, Workspace, dumps, route
from viz.diff import diff_json, pair_kernels
from capture import CaptureError, load_capture
from viz.footprint import deep_size
from viz.progress import ProgressLine
from viz.http import HEADER_TIMEOUT, LISTEN_BACKLOG, GuardedH11, connection_cap, quiet_accept_errors

log = logging.getLogger("amdviz.server")

HERE = Path(__file__).resolve().parent
TEMPLATES_DIR = HERE / "templates"
DEMO_CAPTURE = HERE / "demo" / "gfx1100_gemm.pkl"

def _static_dir() -> Path:
  # An installed package carries the repository's top-level static/ as viz/static (pyproject maps it there);
  # a source checkout or an editable install has it beside viz/.
  return next((d for d in (HERE / "static", HERE.parent / "static") if d.is_dir()), HERE / "static")

STATIC_DIR = _static_dir()
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
CANONICAL_ID = re.compile(r"0|[1-9][0-9]{0,8}")

def _canonical_id(v):
  """Ids and counts in URLs are written one way only: `1`, never `+1`, `01`, `1.0` or ` 1`."""
  if isinstance(v, int) and not isinstance(v, bool) and v >= 0: return v        # a default
  if isinstance(v, str) and CANONICAL_ID.fullmatch(v): return int(v)
  raise ValueError("expected a plain decimal number (0, 1, 2 ...: no sign, leading zero, fraction or space)")

Id = Annotated[int, BeforeValidator(_canonical_id)]
MULTIPART_SLACK = 64 * 1024     # multipart framing around the file, beyond the upload cap
CAPTURE_SUFFIXES = (".pkl", ".amdviz", ".hsaco", ".co", ".elf")   # files a served folder's captures are taken from
CACHE_ENTRIES = 512             # answers kept per capture (hotspots?top=N makes the key space open-ended)
GZIP_MIN = 4096                 # bytes of answer worth compressing for a client that accepts gzip
GZIP_LEVEL = 3                  # an 11 MB disassembly: 0.08 s once, 7x smaller (5: twice the time for 15% less)
DIFF_ENTRIES = 8                # /api/diff answers kept (each spans two captures, so no one capture's cache holds it)

def _accepts_gzip(request: Request) -> bool:
  for part in request.headers.get("accept-encoding", "").lower().split(","):
    name, _, q = part.strip().partition(";")
    if name.strip() in ("gzip", "*") and q.strip().replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000"): return True
  return False

# ---------------------------------------------------------------------------------------------------
# loading: (path or bytes, progress(fraction, message)) -> Workspace; tests inject slow or failing loaders

Progress = Callable[[float, str], None]
Loader = Callable[[object, Progress], Workspace]

def load_workspace(source: str | bytes, progress: Progress) -> Workspace:
  """Load a capture and compute everything its routes need, reporting stages: the pickle, each kernel's
  disassembly and CFG, each trace buffer's decoding."""
  progress(0.0, "loading capture")
  ws = Workspace(load_capture(source))
  n = len(ws.kernels)
  for k, kv in enumerate(ws.kernels):
    progress(0.05 + 0.45 * k / n, f"disassembling kernel {k + 1}/{n}")
    kv.usable()                    # disassembly and CFG computed here (or the kernel's problem noted), read by every request after
  if ws.capture.traces and hasattr(ws, "analysis"):
    ws.analysis(lambda done, total, label: progress(0.5 + 0.5 * done / max(total, 1), f"decoding {label}"))
  return ws

def api_body(ws: Workspace, path: str) -> dict:
  return route(ws, path)   # the same function `amdviz json` prints

def _dumps(body) -> bytes:
  return dumps(body)   # as `amdviz json` prints it

def _error_body(status: int, message: str) -> bytes:
  return _dumps({"error": message, "status": status})

def _one_line(e: BaseException) -> str:
  return f"{type(e).__name__}: {' '.join(str(e).split())}".rstrip(": ")

LOADING, READY, ERROR, EVICTED, DELETED = "loading", "ready", "error", "evicted", "deleted"
GONE = (EVICTED, DELETED)        # the capture was dropped to free memory, or on request: its routes answer 410

@dataclass(eq=False)
class Slot:
  """One capture: where it came from, how far its load got, its Workspace and its cached answers.

  Answers are computed once per path: the first request computes, concurrent requests for the same path wait
  for that result (`_inflight`), requests for other paths go ahead."""
  id: int
  name: str
  origin: str                      # "file", "upload" or "demo"
  path: str | None                 # as given on the command line (None: uploaded or demo)
  state: str = LOADING
  progress: float = 0.0
  message: str = "queued"
  error: str | None = None
  error_status: int = 0
  ws: Workspace | None = None
  ws_bytes: int = 0                # memory the loaded Workspace holds (viz.footprint)
  cache_bytes: int = 0             # and the cached answers
  on_grow: Callable[["Slot"], None] | None = field(default=None, repr=False)   # told when the slot holds more memory
  _cache: OrderedDict = field(default_factory=OrderedDict, repr=False)
  _gzipped: dict = field(default_factory=dict, repr=False)     # path -> its cached answer's body, gzip-compressed
  _inflight: dict = field(default_factory=dict, repr=False)
  _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

  @property
  def memory(self) -> int: return self.ws_bytes + self.cache_bytes

  def status_json(self) -> dict:
    ws = self.ws
    return {"id": self.id, "name": self.name, "origin": self.origin, "path": self.path,
            "folder": Path(self.path).parent.name if self.path else None, "state": self.state,
            "progress": round(self.progress, 3), "message": self.message, "error": self.error,
            "kernels": len(ws.kernels) if ws else None, "traces": len(ws.capture.traces) if ws else None,
            "archs": sorted({d.arch for d in ws.capture.devices if d.arch}) if ws else None,
            "format": ws.capture.source_format if ws else None, "memory_mb": round(self.memory / 2 ** 20, 1)}

  def report(self, fraction: float, message: str) -> None:
    self.progress, self.message = max(self.progress, min(float(fraction), 1.0)), message   # never goes back

  def load(self, loader: Loader, source, gate: threading.Semaphore) -> None:
    with gate:
      if self.state in GONE: return                                    # deleted while queued
      try:
        ws = loader(source, self.report)
        size = deep_size(ws)
      except (CaptureError, CodeObjectError, UnsupportedArch) as e:   # the file's fault: a client error
        self._fail(422, str(e))
      except Exception as e:                                           # ours: log the traceback
        log.exception("loading capture %d (%s)", self.id, self.name)
        self._fail(500, f"internal error loading {self.name}: {_one_line(e)}")
      else:
        with self._lock:
          if self.state in GONE: return
          self.ws, self.ws_bytes, self.progress, self.message, self.state = ws, size, 1.0, "ready", READY   # state last
    if self.on_grow: self.on_grow(self)
    if self.state == READY and hasattr(self.ws, "save_analysis"):   # served already; the cache is for next time
      try: self.ws.save_analysis()
      except Exception: log.exception("caching the analysis of capture %d (%s)", self.id, self.name)

  def _fail(self, status: int, message: str) -> None:
    with self._lock:
      if self.state in GONE: return
      self.error, self.error_status, self.message, self.state = message, status, "error", ERROR

  def drop(self, state: str, why: str) -> None:
    """Free the capture's memory; its routes answer 410 from now on, saying `why`."""
    with self._lock:
      self.ws, self.ws_bytes, self.cache_bytes, self.state, self.message = None, 0, 0, state, why
      self._cache.clear(); self._gzipped.clear()

  def _settled(self) -> tuple[int, bytes] | None:
    """The answer every path gets in a state other than ready, or None when ready."""
    if self.state == LOADING: return 202, _dumps(self.status_json())
    if self.state == ERROR: return self.error_status, _error_body(self.error_status, self.error)
    if self.state in GONE: return 410, _error_body(410, f"capture {self.id} ({self.name}) was {self.state}: {self.message}")
    return None

  def _claim(self, path: str) -> tuple[tuple[int, bytes] | None, Future, bool]:
    """(cached answer or None, the future that will hold it, whether the caller must compute it)."""
    with self._lock:
      if (hit := self._settled()) is not None: return hit, None, False
      if (hit := self._cache.get(path)) is not None:
        self._cache.move_to_end(path); return hit, None, False
      if (fut := self._inflight.get(path)) is not None: return None, fut, False
      fut = self._inflight[path] = Future()
      fut.set_running_or_notify_cancel()   # a waiter that goes away cannot cancel it for the others
      return None, fut, True

  def _compute(self, path: str, fut: Future) -> tuple[int, bytes]:
    """Compute `path` for the caller that claimed it, publish it to the cache and to everyone waiting."""
    ws = self.ws
    try:
      if ws is None: out = self._settled() or (500, _error_body(500, "capture not loaded"))
      else:
        try: out = 200, _dumps(api_body(ws, path))
        except ApiError as e: out = e.status, _error_body(e.status, e.message)   # as deterministic as the data: cached
        except Exception as e:
          log.exception("capture %d: %s", self.id, path)
          out = 500, _error_body(500, f"internal error on {path}: {_one_line(e)}")
      with self._lock:
        self._inflight.pop(path, None)
        if self.ws is ws and ws is not None:        # not dropped meanwhile
          self._cache[path] = out
          self.cache_bytes += len(out[1])
          if len(self._cache) > CACHE_ENTRIES:
            old_path, (_, old_body) = self._cache.popitem(last=False)
            self.cache_bytes -= len(old_body) + len(self._gzipped.pop(old_path, b""))
      fut.set_result(out)
    except BaseException as e:                       # never leave waiters hanging
      with self._lock: self._inflight.pop(path, None)
      fut.set_exception(e); raise
    if self.on_grow and out[0] == 200: self.on_grow(self)
    return out

  def answer(self, path: str) -> tuple[int, bytes]:
    """(HTTP status, JSON bytes) of `path` for this capture, computed once (blocking; for pages and tests)."""
    hit, fut, mine = self._claim(path)
    if hit is not None: return hit
    return self._compute(path, fut) if mine else fut.result()

  async def answer_async(self, path: str) -> tuple[int, bytes]:
    """As answer(), for the event loop: a cached answer without leaving it, a computation in a worker thread,
    and requests waiting for someone else's computation hold no thread."""
    hit, fut, mine = self._claim(path)
    if hit is not None: return hit
    if mine: return await anyio.to_thread.run_sync(self._compute, path, fut)
    return await asyncio.wrap_future(fut)

  def gzipped(self, path: str, body: bytes) -> bytes:
    """`body` (the cached answer of `path`) gzip-compressed, compressed once and kept beside it."""
    with self._lock:
      if (hit := self._gzipped.get(path)) is not None: return hit
    hit = gzip.compress(body, GZIP_LEVEL, mtime=0)
    with self._lock:
      if path in self._cache:                       # still cached (not evicted or dropped meanwhile): keep it too
        self._gzipped[path] = hit
        self.cache_bytes += len(hit)
    return hit

  def data(self, path: str) -> dict:
    """The body of `path` as a dict, for the HTML pages (ApiError if it is an error or not ready)."""
    status, body = self.answer(path)
    if status != 200: raise ApiError(status, json.loads(body).get("error") or self.message)
    return json.loads(body)


class Captures:
  """Every capture the server serves, by id. Loads run in daemon threads (a capture still loading must
  not keep Ctrl-C waiting), at most two at once on this 2-core budget.

  Uploaded captures share a memory budget: when they hold more than `upload_budget` bytes, the oldest are
  evicted (shown as such, their routes answer 410) until the rest fit. Captures named on the command line
  are never evicted."""
  def __init__(self, loader: Loader, upload_budget: int | None = None):
    self.loader, self.slots, self._lock, self._gate = loader, [], threading.Lock(), threading.Semaphore(2)
    self.upload_budget = upload_budget

  def add(self, name: str, source, origin: str, path: str | None = None) -> Slot:
    with self._lock:
      slot = Slot(len(self.slots), name, origin, path, on_grow=self._keep_budget if origin == "upload" else None)
      self.slots.append(slot)
    threading.Thread(target=slot.load, args=(self.loader, source, self._gate), name=f"amdviz-load-{slot.id}",
                     daemon=True).start()
    return slot

  def watch(self, folder: Path, every_s: float = 2.0) -> threading.Thread:
    """Serve every capture in `folder` (CAPTURE_SUFFIXES), now and as new ones appear (looked for every_s)."""
    seen: set[str] = set()
    def scan():
      for p in sorted(folder.iterdir()) if folder.is_dir() else ():
        if p.suffix.lower() in CAPTURE_SUFFIXES and p.is_file() and str(p) not in seen:
          seen.add(str(p)); self.add(p.name, str(p), "file", str(p))
    scan()
    def loop():
      while True:
        time.sleep(every_s)
        try: scan()
        except OSError as e: log.warning("watching %s: %s", folder, e)
    t = threading.Thread(target=loop, name=f"amdviz-watch-{folder.name}", daemon=True)
    t.start()
    return t

  def get(self, cid: int) -> Slot:
    slots = self.slots
    if not 0 <= cid < len(slots): raise ApiError(404, f"no capture {cid} (this server has {len(slots)})")
    return slots[cid]

  def delete(self, cid: int) -> Slot:
    slot = self.get(cid)
    if slot.state in GONE: raise ApiError(410, f"capture {cid} ({slot.name}) was already {slot.state}")
    slot.drop(DELETED, "deleted on request")
    return slot

  def _keep_budget(self, grown: Slot) -> None:
    if self.upload_budget is None: return
    with self._lock:
      uploads = [s for s in self.slots if s.origin == "upload" and s.state == READY]
      used = sum(s.memory for s in uploads)
      if grown.state == READY and grown.memory > self.upload_budget:      # alone over the budget: never kept
        grown.drop(EVICTED, f"it needs {grown.memory / 2 ** 20:.0f} MB, more than the {self.upload_budget / 2 ** 20:.0f} MB upload budget")
        return
      for old in uploads:                                                  # oldest first
        if used <= self.upload_budget: break
        if old is grown: continue
        used -= old.memory
        old.drop(EVICTED, f"evicted to keep uploads within the {self.upload_budget / 2 ** 20:.0f} MB budget; upload it again to see it")


# ---------------------------------------------------------------------------------------------------
# the app

def _json(status: int, body: bytes, headers: dict | None = None) -> Response:
  return Response(body, status, headers=headers, media_type="application/json")

def _hostname(netloc: str) -> str | None:
  try: return urlsplit("//" + netloc).hostname     # lower case, no port, no [] around IPv6
  except ValueError: return None

class LocalOnly:
  """Answer only requests addressed to a name this server listens under: a web page on an attacker's
  domain that resolves to 127.0.0.1 (DNS rebinding) would otherwise read the API. Writes (uploads)
  from another site's page are refused by their Origin."""
  def __init__(self, app, hosts: frozenset[str]):
    self.app, self.hosts = app, hosts

  async def __call__(self, scope, receive, send):
    if scope["type"] == "http":
      headers = dict(scope["headers"])
      host = _hostname(headers.get(b"host", b"").decode("latin-1"))
      origin = headers.get(b"origin")
      cross = origin is not None and scope["method"] not in ("GET", "HEAD") and \
        _hostname(urlsplit(origin.decode("latin-1")).netloc) not in self.hosts
      if host not in self.hosts or cross:
        why = f"host {host!r} is not one this server answers to" if host not in self.hosts else "cross-site write refused"
        await _json(403, _error_body(403, why))(scope, receive, send)
        return
    await self.app(scope, receive, send)

UPLOAD_DOC = {"requestBody": {"required": True, "content": {
  "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
  "multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}}}}}

HTML_HEADERS = {"Content-Security-Policy": "default-src 'self'; style-src 'self'; img-src 'self' data:; "
                                           "object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
                "X-Content-Type-Options": "nosniff"}
STATIC_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".html": "text/html"}


def create_app(paths: list[str], max_upload_mb: float = 64, *, loader: Loader = load_workspace,
               allowed_hosts: frozenset[str] | None = LOOPBACK, upload_budget_mb: float | None = 1024,
               source_dirs=()) -> FastAPI:
  """The server for `paths`, files or folders (every capture in a folder, and those added to it later; capture ids
  in the order found; no paths: the demo capture). `allowed_hosts`: the Host names
  it answers to (None: any, for a server bound to every interface on purpose). Uploaded captures together
  keep within `upload_budget_mb` of memory (None: no limit), the oldest evicted first. `source_dirs`: folders the
  source view may read kernels' source files from (viz.source_files)."""
  if source_dirs:
    missing = [d for d in source_dirs if not Path(d).is_dir()]
    if missing: raise ValueError(f"--source: not a folder: {', '.join(map(str, missing))}")
    plain = loader
    def loader(source, progress):
      ws = plain(source, progress)
      ws.source_dirs = tuple(source_dirs)
      return ws
  caps = Captures(loader, None if upload_budget_mb is None else int(upload_budget_mb * 2 ** 20))
  if paths:
    for p in paths:
      if Path(p).is_dir(): caps.watch(Path(p))
      else: caps.add(Path(p).name, str(p), "file", str(p))
  else:
    caps.add(f"{DEMO_CAPTURE.name} (demo)", str(DEMO_CAPTURE), "demo")
  max_upload = int(max_upload_mb * 1024 * 1024)
  # the static files that exist now, by URL path: a request can name only one of these, never build a path
  static = {p.relative_to(STATIC_DIR).as_posix(): p for p in sorted(STATIC_DIR.rglob("*"))
            if p.is_file() and not p.is_symlink()} if STATIC_DIR.is_dir() else {}
  env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True, undefined=StrictUndefined,
                    trim_blocks=True, lstrip_blocks=True)
  env.filters["plural"] = lambda n, word: f"{n} {word}{'' if n == 1 else 's'}"
  env.globals.update(api_url=lambda cid, suffix="": (f"/api/captures/{cid}" if cid else "/api") + suffix,
                     page_url=lambda cid, suffix="": f"/captures/{cid}{suffix}" if cid else (suffix or "/"),
                     hexpc=lambda v: f"0x{v:x}")

  app = FastAPI(title="amdviz", version="0.1.0", docs_url=None, redoc_url=None, description="AMD GPU assembly and thread-trace viewer: "
                "the JSON behind every page. Routes under /api are capture 0; /api/captures/{cid}/... any capture.")
  app.state.captures = caps
  if allowed_hosts is not None: app.add_middleware(LocalOnly, hosts=frozenset(allowed_hosts))

  def page(template: str, code: int = 200, **ctx) -> HTMLResponse:
    return HTMLResponse(env.get_template(template).render(**ctx), code, headers=HTML_HEADERS)

  def error_response(request: Request, status: int, message: str) -> Response:
    if request.url.path == "/api" or request.url.path.startswith("/api/"): return _json(status, _error_body(status, message))
    try: listed = [s.status_json() for s in caps.slots]
    except Exception: listed = []                        # the error page must render even when listing is what broke
    return page("error.html", status, status=status, message=message, captures=listed)

  @app.exception_handler(ApiError)
  async def on_api_error(request: Request, e: ApiError):
    return error_response(request, e.status, e.message)

  @app.exception_handler(StarletteHTTPException)
  async def on_http_error(request: Request, e: StarletteHTTPException):
    return error_response(request, e.status_code, f"not found: {request.url.path}" if e.status_code == 404 else str(e.detail))

  @app.exception_handler(RequestValidationError)
  async def on_bad_request(request: Request, e: RequestValidationError):
    why = "; ".join(f"{'.'.join(map(str, err.get('loc', ())))}: {err.get('msg')}" for err in e.errors())
    return error_response(request, 422, f"bad request: {why}")

  @app.exception_handler(ClientDisconnect)
  async def on_gone(request: Request, e: ClientDisconnect):   # nobody to answer; nothing went wrong here
    return Response(status_code=499)

  @app.exception_handler(Exception)
  async def on_crash(request: Request, e: Exception):   # ours, not the client's: logged, and still an answer in JSON
    log.exception("%s %s", request.method, request.url.path)
    return error_response(request, 500, f"internal error on {request.url.path}: {_one_line(e)}")

  def twin(path: str, fn: Callable, *, json_route: bool = True, **kw) -> None:
    """Register fn(cid, ...) at the capture-scoped path and, with cid fixed to 0, at the short one:
    /api/captures/{cid}/X and /api/X; /captures/{cid}/X and /X. The short one's signature drops cid, so
    OpenAPI documents both properly."""
    long, short = ((f"/api/captures/{{cid}}{path}", f"/api{path}") if json_route else
                   (f"/captures/{{cid}}{path}".rstrip("/") or "/", path))
    app.get(long, name=f"{fn.__name__}", **kw)(fn)
    sig = inspect.signature(fn, eval_str=True)
    if inspect.iscoroutinefunction(fn):
      async def at_0(**kwargs): return await fn(cid=0, **kwargs)
    else:
      def at_0(**kwargs): return fn(cid=0, **kwargs)
    at_0.__signature__ = sig.replace(parameters=[p for p in sig.parameters.values() if p.name != "cid"])
    at_0.__name__, at_0.__doc__ = f"{fn.__name__}_0", fn.__doc__
    app.get(short, name=at_0.__name__, **kw)(at_0)

  # --- JSON ----------------------------------------------------------------------------------------
  async def data(cid: int, path: str, request: Request | None = None) -> Response:
    slot = caps.get(cid)
    status, body = await slot.answer_async(path)
    headers = {"Retry-After": "1"} if status == 202 else {}
    if status == 200 and len(body) >= GZIP_MIN and request is not None and _accepts_gzip(request):
      body = await anyio.to_thread.run_sync(slot.gzipped, path, body)
      headers.update({"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
    return _json(status, body, headers or None)

  version = _dumps({"name": "amdviz", "version": app.version})
  @app.get("/api/version", tags=["captures"])
  async def server_version():
    """This server's name and version (fixed bytes: what the stack serves at best, for benchmarks)."""
    return _json(200, version)

  @app.get("/api/captures", tags=["captures"])
  def list_captures():
    """Every capture this server serves: id, file name, load state and progress, error."""
    return _json(200, _dumps({"captures": [s.status_json() for s in caps.slots]}))

  @app.post("/api/captures", tags=["captures"], status_code=202, openapi_extra=UPLOAD_DOC)
  async def upload_capture(request: Request, name: str | None = None):
    """Add a capture: the request body is the file (or a multipart form with a `file` field). It loads in
    the background like the others; 202 with its status, Location: its status route. 413 past the cap."""
    multipart = request.headers.get("content-type", "").startswith("multipart/form-data")
    limit = max_upload + (MULTIPART_SLACK if multipart else 0)
    too_big = ApiError(413, f"upload larger than the {max_upload_mb:g} MB limit")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit: raise too_big       # refuse before reading a byte
    chunks, n = [], 0
    async for chunk in request.stream():
      n += len(chunk)
      if n > limit: raise too_big                                        # a lying or absent Content-Length
      chunks.append(chunk)
    blob, filename = b"".join(chunks), name
    if multipart:
      try: blob, filename = await _multipart_file(request, blob)
      except OSError as e:
        if e.errno in (errno.ENOSPC, errno.EDQUOT): raise ApiError(507, f"no room to take the upload: {e.strerror}") from None
        raise
    if len(blob) > max_upload: raise too_big
    if not blob: raise ApiError(400, "empty upload")
    # the name is only ever shown (autoescaped), never used as a path
    label = Path(str(filename or "upload").replace("\\", "/")).name[:200] or "upload"
    slot = caps.add(label, blob, "upload")
    return _json(202, _dumps(slot.status_json()), {"Location": f"/api/captures/{slot.id}/status"})

  @app.delete("/api/captures/{cid}", tags=["captures"])
  async def delete_capture(cid: Id):
    """Drop a capture and free its memory; its id stays taken and its routes answer 410 from then on."""
    return _json(200, _dumps(caps.delete(cid).status_json()))

  async def capture_status(cid: Id):
    """Load state of a capture: loading (progress 0..1, message names the stage), ready, error, or evicted / deleted
    (its memory freed; message says why)."""
    return _json(200, _dumps(caps.get(cid).status_json()))
  twin("/status", capture_status, tags=["captures"])

  async def kernels(request: Request, cid: Id):
    """Kernels: name, arch, entry pc, instruction count, VGPR/SGPR/LDS/scratch."""
    return await data(cid, "/api/kernels", request)
  async def disasm(request: Request, cid: Id, kid: Id, offset: Id = 0, limit: Id | None = None):
    """Instructions of a kernel, `limit` (default: all) from `offset` on: pc, size, hex, text, mnemonic, registers
    read and written (total: how many the kernel has)."""
    page = "&".join(([f"offset={offset}"] if offset else []) + ([f"limit={limit}"] if limit is not None else []))
    return await data(cid, f"/api/kernels/{kid}/disasm{'?' * bool(page)}{page}", request)
  async def cfg(request: Request, cid: Id, kid: Id):
    """Basic blocks and edges of a kernel (with hit and edge counts when traced)."""
    return await data(cid, f"/api/kernels/{kid}/cfg", request)
  async def layout_route(request: Request, cid: Id, kid: Id):
    """The CFG laid out for drawing: boxes (x, y, w, h) sized for the disassembly text, routed edges."""
    return await data(cid, f"/api/kernels/{kid}/layout", request)
  async def timing(request: Request, cid: Id, kid: Id):
    """Per-instruction timing of a kernel from its thread traces."""
    return await data(cid, f"/api/kernels/{kid}/timing", request)
  async def waves(request: Request, cid: Id, kid: Id, offset: Id = 0, limit: Id = WAVES_LIMIT):
    """The waves of a kernel's traces, `limit` from `offset` on (total: how many there are)."""
    return await data(cid, f"/api/kernels/{kid}/waves?offset={offset}&limit={limit}", request)
  async def wave_timeline(request: Request, cid: Id, kid: Id, n: Id):
    """Wave n of /waves instruction by instruction: each executed instruction's pc, class and cycles from its issue
    to the wave's next issue (traced false and no spans for a wave without an instruction trace)."""
    return await data(cid, f"/api/kernels/{kid}/waves/{n}/timeline", request)
  async def hotspots(request: Request, cid: Id, kid: Id, top: Id = 10):
    """The `top` instructions by cycles, with their context and what they waited on."""
    return await data(cid, f"/api/kernels/{kid}/hotspots?top={top}", request)
  async def traces(request: Request, cid: Id):
    """Thread-trace buffers: kernel, shader engine, packets, waves, mapping summary."""
    return await data(cid, "/api/traces", request)
  async def summary(request: Request, cid: Id, kid: Id, top: Id = 5):
    """A kernel at a glance: register occupancy (waves per SIMD, what limits them, VGPRs to free for one more wave),
    instruction mix (static and executed), traced cycles by instruction class, the costliest waits."""
    return await data(cid, f"/api/kernels/{kid}/summary?top={top}", request)
  async def source(request: Request, cid: Id, kid: Id):
    """The kernel's source line by line (from its DWARF line table): text when the code object carries it or a
    --source folder holds it, each line's instructions and, when traced, their hits and cycles."""
    return await data(cid, f"/api/kernels/{kid}/source", request)
  async def pressure(request: Request, cid: Id, kid: Id):
    """Register pressure: per instruction the VGPRs and SGPRs (AGPRs where the target has them) live there
    (isa/liveness.py), the allocation, the peak and its pcs, the occupancy, and VGPRs to free for one more wave."""
    return await data(cid, f"/api/kernels/{kid}/pressure", request)
  async def vopd(request: Request, cid: Id, kid: Id):
    """VALU instructions, VOPD pairs issued, and pairs that could issue as one VOPD (gfx11/gfx12 wave32; isa/vopd.py):
    their pcs, the v_dual text that replaces them, the cycles the simulator's model says that saves."""
    return await data(cid, f"/api/kernels/{kid}/vopd", request)
  async def blocks(request: Request, cid: Id, kid: Id):
    """Per basic block and per natural loop: the cycles the simulator's cycle model predicts for one pass against the
    measured mean per pass, flagged where measured is far above, with the waits that dominate there (viz/estimate.py)."""
    return await data(cid, f"/api/kernels/{kid}/blocks", request)
  for path, fn, tag in (("/kernels", kernels, "kernels"), ("/kernels/{kid}/disasm", disasm, "kernels"),
                        ("/kernels/{kid}/cfg", cfg, "kernels"), ("/kernels/{kid}/layout", layout_route, "kernels"),
                        ("/kernels/{kid}/timing", timing, "traces"), ("/kernels/{kid}/waves", waves, "traces"),
                        ("/kernels/{kid}/waves/{n}/timeline", wave_timeline, "traces"),
                        ("/kernels/{kid}/hotspots", hotspots, "traces"), ("/kernels/{kid}/summary", summary, "kernels"),
                        ("/kernels/{kid}/source", source, "kernels"), ("/kernels/{kid}/pressure", pressure, "kernels"),
                        ("/kernels/{kid}/vopd", vopd, "kernels"), ("/kernels/{kid}/blocks", blocks, "traces"),
                        ("/traces", traces, "traces")):
    twin(path, fn, tags=[tag])

  # --- the diff of two kernels (viz/diff.py), from each capture's own cached /disasm and /timing answers ----------
  diffs, diffs_lock = OrderedDict(), threading.Lock()    # (a, b) -> (weak refs to the two workspaces, answer)
  def diff_side(v: str | None, name: str) -> tuple[int, int | None]:
    if v is None: return max(len(caps.slots) - 1, 0), None          # b's default: the last capture served
    cid, colon, kid = v.partition(":")
    if not CANONICAL_ID.fullmatch(cid) or (colon and not CANONICAL_ID.fullmatch(kid)):
      raise ApiError(400, f"{name} must be CAPTURE or CAPTURE:KERNEL, plain decimal ids (0, 1:2 ...), got {v!r}")
    return int(cid), int(kid) if colon else None

  def diff_answer(a: str, b: str | None) -> tuple[int, bytes]:
    import weakref
    (ca, ka), (cb, kb) = diff_side(a, "a"), diff_side(b, "b")
    sa, sb = caps.get(ca), caps.get(cb)
    wa, wb = sa.ws, sb.ws
    for s, ws in ((sa, wa), (sb, wb)):
      if ws is None: return s._settled() or (410, _error_body(410, f"capture {s.id} was dropped"))   # loading: 202, its status
    key = (ca, ka, cb, kb)
    with diffs_lock: hit = diffs.get(key)
    if hit is not None and hit[0][0]() is wa and hit[0][1]() is wb: return hit[1]
    wss = (weakref.ref(wa), weakref.ref(wb))                         # weak: a dropped capture's memory is freed
    try: out = 200, _dumps(diff_json(sa.data, sb.data, ka, kb))
    except ApiError as e: out = e.status, _error_body(e.status, e.message)
    with diffs_lock:
      diffs[key] = (wss, out)
      if len(diffs) > DIFF_ENTRIES: diffs.popitem(last=False)
    return out

  @app.get("/api/diff", tags=["traces"])
  async def diff(a: str = "0", b: str | None = None):
    """Per instruction hits and cycles of kernel A and kernel B and the delta B - A (viz/diff.py): a and b are CAPTURE or
    CAPTURE:KERNEL (default: the first and the last capture; no kernel: every kernel, paired by name, else by order;
    one side's kernel alone: its namesake on the other). Matched by pc when the code is the same, by aligning the
    instruction sequences when it is not."""
    status, body = await anyio.to_thread.run_sync(diff_answer, a, b)
    return _json(status, body, {"Retry-After": "1"} if status == 202 else None)

  # --- HTML ----------------------------------------------------------------------------------------
  def index_page(cid: Id):
    """A capture's kernels (and every capture); JSON twin: /api/kernels, /api/captures."""
    slot = caps.get(cid)
    kernel_rows, traced = [], False
    if slot.state == READY:
      for k in slot.data("/api/kernels")["kernels"]:
        try: hs = slot.data(f"/api/kernels/{k['id']}/hotspots?top=0")   # waves and total cycles, if traced
        except ApiError: hs = {}                                         # no such route (yet): no columns
        traced |= bool(hs.get("traced"))
        kernel_rows.append({**k, "waves": hs.get("waves") if hs.get("traced") else None,
                            "cycles": hs.get("total_cycles") if hs.get("traced") else None})
    code = slot.error_status if slot.state == ERROR else 410 if slot.state in GONE else 200
    return page("index.html", code, cid=cid, cap=slot.status_json(),
                captures=[s.status_json() for s in caps.slots], kernels=kernel_rows, traced=traced,
                max_upload_mb=max_upload_mb)

  def kernel_page(cid: Id, kid: Id):
    """One kernel's CFG, drawn by static/app.js from /api/kernels/{kid}/layout, /disasm and /cfg."""
    slot = caps.get(cid)
    kernel = None
    if slot.state == ERROR: raise ApiError(slot.error_status, slot.error)
    if slot.state in GONE: raise ApiError(410, f"capture {cid} ({slot.name}) was {slot.state}: {slot.message}")
    if slot.state == READY:
      ks = slot.data("/api/kernels")["kernels"]
      if not 0 <= kid < len(ks): raise ApiError(404, f"no kernel {kid} (this capture has {len(ks)})")
      kernel = ks[kid]
      if kernel["n_instructions"] is None: raise ApiError(422, f"kernel {kid} ({kernel['name']}): {kernel['problem']}")
    return page("kernel.html", cid=cid, kid=kid, kernel=kernel, cap=slot.status_json())

  def ready_slot(cid: int) -> Slot:
    slot = caps.get(cid)
    if slot.state == ERROR: raise ApiError(slot.error_status, slot.error)
    if slot.state in GONE: raise ApiError(410, f"capture {cid} ({slot.name}) was {slot.state}: {slot.message}")
    if slot.state == LOADING: raise ApiError(503, f"capture {cid} ({slot.name}) is still loading: {slot.message}")
    return slot

  def summary_page(cid: Id, kid: Id):
    """A kernel's summary; JSON twin: /api/kernels/{kid}/summary."""
    slot = ready_slot(cid)
    return page("summary.html", cid=cid, kid=kid, cap=slot.status_json(), s=slot.data(f"/api/kernels/{kid}/summary?top=10"),
                vopd=slot.data(f"/api/kernels/{kid}/vopd"))

  def traces_page(cid: Id):
    """Every trace buffer's diagnostics; JSON twin: /api/traces."""
    slot = ready_slot(cid)
    kernels = {k["id"]: k["name"] for k in slot.data("/api/kernels")["kernels"]}
    return page("traces.html", cid=cid, cap=slot.status_json(), traces=slot.data("/api/traces")["traces"], kernels=kernels)

  twin("/", index_page, json_route=False, response_class=HTMLResponse, include_in_schema=False)
  twin("/kernels/{kid}", kernel_page, json_route=False, response_class=HTMLResponse, include_in_schema=False)
  twin("/kernels/{kid}/summary", summary_page, json_route=False, response_class=HTMLResponse, include_in_schema=False)
  twin("/traces", traces_page, json_route=False, response_class=HTMLResponse, include_in_schema=False)

  @app.get("/diff", response_class=HTMLResponse, include_in_schema=False)
  def diff_page(a: str = "0", b: str | None = None):
    """Kernel B's page, its graph and table coloured by the change from kernel A; JSON twin: /api/diff. A side without
    a kernel: A's kernel 0, B's A's namesake (else the same id)."""
    (ca, ka), (cb, kb) = diff_side(a, "a"), diff_side(b, "b")
    sa, sb = ready_slot(ca), ready_slot(cb)
    ks_a, ks_b = sa.data("/api/kernels")["kernels"], sb.data("/api/kernels")["kernels"]
    try: ka, kb = pair_kernels(ks_a, ks_b, 0 if ka is None and kb is None else ka, kb)[0]
    except LookupError as e: raise ApiError(404, str(e)) from None
    for k in (ks_a[ka], ks_b[kb]):
      if k["n_instructions"] is None: raise ApiError(422, f"kernel {k['id']} ({k['name']}): {k['problem']}")
    return page("diff.html", cid=cb, kid=kb, kernel=ks_b[kb], cap=sb.status_json(), a_cap=sa.status_json(), a_kernel=ks_a[ka],
                diff_url=f"/api/diff?a={ca}:{ka}&b={cb}:{kb}")

  @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
  def docs_page():
    """The API's routes, from the OpenAPI schema (/openapi.json), as a page that needs no CDN."""
    spec = app.openapi()
    return page("docs.html", info=spec.get("info", {}), groups=docs_groups(spec))

  @app.get("/favicon.ico", include_in_schema=False)
  def favicon():                                      # browsers ask for it on every page, whatever the <link> says
    return static_file("favicon.svg")

  @app.get("/static/{name:path}", include_in_schema=False)
  def static_file(name: str):
    p = static.get(name)
    if p is None: raise StarletteHTTPException(404)
    media = STATIC_TYPES.get(p.suffix) or mimetypes.guess_type(p.name)[0] or "application/octet-stream"
    # no-cache: revalidate each load, so an edited script shows up without a restart
    return Response(p.read_bytes(), media_type=media, headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})

  return app


DOCS_EXAMPLE_PARAMS = {"cid": "0", "kid": "0"}   # what a "try it" link fills in for a path parameter

def docs_groups(spec: dict) -> list[dict]:
  """The routes of an OpenAPI schema grouped by tag (in first-seen order), each as {method, path, summary,
  params, try}: params as {name, where, type, required, default}, try a URL for a GET with its path
  parameters filled in (None when a parameter has no example)."""
  groups: dict[str, list] = {}
  for path, item in spec.get("paths", {}).items():
    for method, op in item.items():
      if method not in ("get", "post", "put", "patch", "delete"): continue
      params = []
      for prm in op.get("parameters", []):
        sch = prm.get("schema", {})
        typ = sch.get("type") or " | ".join(a.get("type", "?") for a in sch.get("anyOf", [])) or "any"
        params.append({"name": prm["name"], "where": prm.get("in", ""), "type": typ, "required": prm.get("required", False),
                       "default": sch.get("default")})
      body = op.get("requestBody")
      if body: params.append({"name": "body", "where": "body", "type": " or ".join(body.get("content", {})) or "any",
                              "required": body.get("required", False), "default": None})
      desc = " ".join((op.get("description") or op.get("summary") or "").split())
      try_url = None
      if method == "get":
        names = re.findall(r"\{([^}]+)\}", path)
        if all(n in DOCS_EXAMPLE_PARAMS for n in names):
          try_url = re.sub(r"\{([^}]+)\}", lambda m: DOCS_EXAMPLE_PARAMS[m[1]], path)
      tag = (op.get("tags") or ["other"])[0]
      groups.setdefault(tag, []).append({"method": method.upper(), "path": path, "summary": desc, "params": params,
                                         "try": try_url})
  return [{"tag": t, "routes": r} for t, r in groups.items()]


async def _multipart_file(request: Request, body: bytes) -> tuple[bytes, str | None]:
  """The first file of a multipart body already read (and size-checked) into memory."""
  from starlette.formparsers import MultiPartException, MultiPartParser
  class InMemory(MultiPartParser):
    spool_max_size = len(body) + 1        # the body is in memory already: never spool its file part to disk
  async def once():
    yield body
  try: form = await InMemory(request.headers, once(), max_part_size=len(body) + 1).parse()
  except MultiPartException as e: raise ApiError(400, f"bad multipart upload: {e.message}") from None
  try:
    f = next((v for _, v in form.multi_items() if not isinstance(v, str)), None)
    if f is None: raise ApiError(400, "multipart upload without a file field")
    return await f.read(), f.filename
  finally:
    await form.close()

# ---------------------------------------------------------------------------------------------------
# amdviz serve

def _bind(host: str, port: int) -> socket.socket:
  """Listen before uvicorn starts, so port 0 resolves to a real port we can print (and a browser opened
  right away finds the server)."""
  family = socket.AF_INET6 if ":" in host else socket.AF_INET
  sock = socket.socket(family, socket.SOCK_STREAM)
  sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
  try:
    sock.bind((host, port)); sock.listen(LISTEN_BACKLOG)
  except OSError:
    sock.close(); raise
  return sock

def watch_loads(caps: Captures, stream=None, poll_s: float = 0.1) -> threading.Thread:
  """Show the captures given on the command line loading, on a terminal line (viz/progress.py), then one line
  per capture when it is ready or failed. Runs until they are all settled."""
  def run():
    bar, started, told = ProgressLine(stream), time.monotonic(), set()
    while True:
      slots = [s for s in caps.slots if s.origin != "upload"]
      loading = [s for s in slots if s.state == LOADING]
      if loading:
        s = loading[0]
        more = f" (+{len(loading) - 1} more)" if len(loading) > 1 else ""
        bar.show(s.progress, f"{s.name}: {s.message}{more}")
      for s in slots:
        if s.state != LOADING and s.id not in told:
          told.add(s.id)
          n = s.status_json()["kernels"]
          what = f"ready, {n} kernel{'s' * (n != 1)}" if s.state == READY else f"{s.state}: {s.error or s.message}"
          bar.show(1.0 if s.state == READY else s.progress, f"{s.name}: {what} ({time.monotonic() - started:.1f} s)", done=True)
      if not loading: return
      time.sleep(poll_s)
  t = threading.Thread(target=run, name="amdviz-progress", daemon=True)
  t.start()
  return t

def _uvicorn_server():
  import uvicorn
  class QuietServer(uvicorn.Server):
    async def startup(self, sockets=None):
      quiet_accept_errors(asyncio.get_running_loop())
      await super().startup(sockets)
  return QuietServer

def serve_main(argv: list[str]) -> int:
  """amdviz serve [PATH ...] [--host 127.0.0.1] [--port 8000] [--open]"""
  p = argparse.ArgumentParser(prog="amdviz serve", description="Serve captures to a web browser: pages at /, JSON at /api, "
                              "API docs at /docs.")
  p.add_argument("paths", nargs="*", metavar="PATH", help="captures or code objects, or folders of them (served as "
                 "new ones appear); none: a built-in demo capture")
  p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
  p.add_argument("--port", type=int, default=None, help="port (default $PORT, else 8000; 0: any free port)")
  p.add_argument("--open", action="store_true", help="open the viewer in a web browser")
  p.add_argument("--source", action="append", default=[], metavar="DIR",
                 help="a folder to find kernels' source files in, for the source view (repeatable; only files under it are read)")
  p.add_argument("--max-upload-mb", type=float, default=64, help="largest capture POST /api/captures accepts (default 64)")
  p.add_argument("--upload-budget", type=float, default=1024, metavar="MB",
                 help="memory uploaded captures may hold together; the oldest are evicted past it (default 1024)")
  p.add_argument("--max-connections", type=int, default=1000, help="open connections at most; more get 503 (default 1000, "
                 "and always fewer than the file-descriptor limit)")
  p.add_argument("--header-timeout", type=float, default=HEADER_TIMEOUT, metavar="S",
                 help=f"seconds a client has to send a request's headers (default {HEADER_TIMEOUT:g})")
  p.add_argument("--keep-alive", type=float, default=5, metavar="S", help="seconds an idle connection stays open (default 5)")
  args = p.parse_args(argv)
  for d in args.source:
    if not Path(d).is_dir(): print(f"amdviz serve: --source: not a folder: {d}", file=sys.stderr); return 2
  port = args.port
  if port is None:
    try: port = int(os.environ.get("PORT") or 8000)
    except ValueError: print(f"amdviz serve: PORT must be a number, got {os.environ['PORT']!r}", file=sys.stderr); return 2
  found = [p for p in args.paths if Path(p).is_file() or Path(p).is_dir()]
  for path in args.paths:
    if path not in found: print(f"amdviz serve: no such file or folder: {path}" + (" (the others are served)" if found else ""),
                                file=sys.stderr)
  if args.paths and not found: return 2
  args.paths = found
  for name in ("max_upload_mb", "upload_budget", "max_connections", "header_timeout", "keep_alive"):
    if not getattr(args, name) > 0: print(f"amdviz serve: --{name.replace('_', '-')} must be positive", file=sys.stderr); return 2
  try: sock = _bind(args.host, port)
  except OSError as e:
    print(f"amdviz serve: cannot listen on {args.host}:{port}: {e.strerror or e}", file=sys.stderr); return 1
  import uvicorn
  everywhere = args.host in ("0.0.0.0", "::", "")
  app = create_app(args.paths, args.max_upload_mb, allowed_hosts=None if everywhere else LOOPBACK | {args.host.lower()},
                   upload_budget_mb=args.upload_budget, source_dirs=args.source)
  shown = "127.0.0.1" if everywhere else (f"[{args.host}]" if ":" in args.host else args.host)
  url = f"http://{shown}:{sock.getsockname()[1]}/"
  what = ", ".join(args.paths) if args.paths else "the demo capture"
  print(f"amdviz: serving {what} at {url}  (JSON at {url}api, Ctrl-C stops)", flush=True)
  if everywhere: print("amdviz: listening on every interface: anyone who can reach this machine can use it", flush=True)
  loads = watch_loads(app.state.captures)
  def warm():                     # once what was asked for is loaded, and a moment later: never in its way
    loads.join(); time.sleep(WARM_AFTER_S); warm_compiled_loops()
  threading.Thread(target=warm, name="amdviz-warm", daemon=True).start()
  if args.open:   # some browsers block until closed: not on the serving thread
    threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
  protocol = type("AmdvizH11", (GuardedH11,), {"header_timeout": args.header_timeout,
                                               "max_connections": connection_cap(args.max_connections)})
  config = uvicorn.Config(app, log_level="warning", http=protocol, timeout_keep_alive=args.keep_alive, backlog=LISTEN_BACKLOG)
  _uvicorn_server()(config).run(sockets=[sock])
  return 0


WARM_AFTER_S = 2.0

def warm_compiled_loops() -> None:
  """Compile the loops big traces run (or load them from numba's cache), in the background once the server's
  captures are loaded, by analysing the demo capture's traces the way a big capture's are: a big capture opened
  later (uploaded, or new in a watched folder) then does not wait the seconds numba takes to compile them (about
  6 s here, once per install; small captures never need them)."""
  from viz.api import analyze
  try: analyze(Workspace.open(DEMO_CAPTURE), compiled=True)
  except Exception:      # only a head start is lost
    log.info("warming the compiled loops failed", exc_info=True)


if __name__ == "__main__":
  sys.exit(serve_main(sys.argv[1:]))
