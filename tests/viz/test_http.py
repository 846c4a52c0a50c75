"""viz/http.py on a real `amdviz serve` process: slow and silent clients are timed out with a 408, connections past
the cap push out the slowest or get a 503, a flood under a small file-descriptor limit never logs a traceback,
and real requests keep being answered throughout."""
import resource, socket, subprocess, threading, time, urllib.request
from pathlib import Path
from viz.process import start_server, stop_server

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "viz" / "demo" / "gfx1100_gemm.pkl"
WAIT_S = 60


def start(*args: str, fd_limit: int | None = None) -> tuple[subprocess.Popen, int]:
  limit = (lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (fd_limit, fd_limit))) if fd_limit else None
  proc, url = start_server(*args, str(DEMO), timeout=WAIT_S, preexec_fn=limit)
  port = int(url.rsplit(":", 1)[1])
  deadline = time.monotonic() + WAIT_S
  while get(port, "/api/kernels")[0] != 200:             # 202 while the capture loads
    assert time.monotonic() < deadline; time.sleep(0.1)
  return proc, port

def stop(proc: subprocess.Popen) -> str: return stop_server(proc)

def get(port: int, path: str) -> tuple[int, float]:
  t = time.perf_counter()
  try:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=WAIT_S) as r: r.read(); status = r.status
  except urllib.error.HTTPError as e: status = e.code
  return status, time.perf_counter() - t

def slow_clients(port: int, n: int, partial: bytes = b"GET /api/kernels HTTP/1.1\r\nHo") -> list[socket.socket]:
  out = []
  for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=WAIT_S)
    if partial: s.sendall(partial)
    out.append(s)
  return out

def first_line(s: socket.socket, timeout: float) -> bytes:
  s.settimeout(timeout)
  try: return s.recv(4096).split(b"\r\n")[0]
  except OSError as e: return repr(e).encode()
  finally: s.close()


def test_slow_headers_and_silent_clients_time_out():
  proc, port = start("--header-timeout", "1")
  try:
    socks = slow_clients(port, 40) + slow_clients(port, 20, partial=b"")
    t = time.monotonic()
    assert get(port, "/api/version")[0] == 200                     # others are served meanwhile
    lines = [first_line(s, 5) for s in socks]
    assert lines == [b"HTTP/1.1 408 Request Timeout"] * 60 and time.monotonic() - t < 5
    # a client that keeps sending a header byte at a time: the deadline is for all of them, not per byte
    s = socket.create_connection(("127.0.0.1", port))
    start_t = time.monotonic()
    for b in b"GET /api/kernels HTTP/1.1\r\nHost: 127.0.0.1\r\n":
      try: s.sendall(bytes([b])); time.sleep(0.1)
      except OSError: break
    assert first_line(s, 5) == b"HTTP/1.1 408 Request Timeout" and time.monotonic() - start_t < 3
  finally:
    assert "Traceback" not in stop(proc)

def test_connection_cap_pushes_out_the_slowest_then_refuses():
  proc, port = start("--max-connections", "20", "--header-timeout", "30")
  try:
    slow = slow_clients(port, 20)
    status, dt = get(port, "/api/kernels")                           # takes the place of the slowest waiter
    assert status == 200 and dt < 5
    assert first_line(slow[0], 5) == b"HTTP/1.1 408 Request Timeout"
    # 20 connections each in the middle of a request (an upload whose body has not come): none can be pushed out
    body_pending = slow_clients(port, 20, partial=b"POST /api/captures HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-length: 1000\r\n\r\n")
    time.sleep(0.3)
    s = socket.create_connection(("127.0.0.1", port))
    reply = s.recv(4096)
    assert reply.startswith(b"HTTP/1.1 503 Service Unavailable") and b'"status":503' in reply
    for x in slow + body_pending: x.close()
    deadline = time.monotonic() + 10
    while get(port, "/api/version")[0] != 200: assert time.monotonic() < deadline; time.sleep(0.1)
  finally:
    assert "Traceback" not in stop(proc)

def test_flood_under_a_small_descriptor_limit(report):
  """2,000 connections that never finish their headers against a server limited to 1,024 descriptors: no accept()
  failure, no traceback, and a real client is answered all along."""
  proc, port = start("--header-timeout", "5", fd_limit=1024)
  socks, done = [], threading.Event()
  def flood():
    try:
      for _ in range(2000): socks.extend(slow_clients(port, 1))
    finally: done.set()
  try:
    threading.Thread(target=flood, daemon=True).start()
    worst = 0.0
    while not done.is_set():
      status, dt = get(port, "/api/kernels")
      assert status == 200; worst = max(worst, dt); time.sleep(0.05)
    assert len(socks) == 2000
    report(f"http: 2000 slow connections against 1024 descriptors: real requests answered, slowest {worst * 1e3:.0f} ms")
    assert worst < 5
  finally:
    for s in socks: s.close()
    err = stop(proc)
  assert "Traceback" not in err and "accept() failed" not in err, err[-2000:]
