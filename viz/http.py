"""The connection limits `amdviz serve` needs against clients that are slow, many, or hostile.

uvicorn's h11 protocol times out only an idle keep-alive connection, and any byte resets that: a client that
sends its headers a byte every few seconds, or opens connections and sends nothing, holds a socket forever,
and enough of them exhaust the process's file descriptors (accept() then fails, logged with a traceback).
`GuardedH11` adds, per connection:
- a deadline for the request's headers (`header_timeout` from the connection opening or the previous
  response), and another for its body (`body_timeout` once the headers are in): past it the client gets a
  408 and the connection is closed;
- a cap on open connections (`max_connections`, kept below the file-descriptor limit): a connection past the
  cap takes the place of the one that has waited longest for its headers (which gets its 408 early), or, when
  every connection is busy with a request, gets a 503 and is closed at once.
Every such answer is JSON, like the API's own errors.
"""
from __future__ import annotations
import asyncio, json, logging, resource
import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("amdviz.server")

HEADER_TIMEOUT = 10.0     # seconds for a request line and headers to arrive
BODY_TIMEOUT = 120.0      # seconds for a request body (an upload) once its headers are in
FD_RESERVE = 64           # descriptors kept for files, pipes and the listening socket
LISTEN_BACKLOG = 64       # asyncio accepts up to the backlog per loop turn, and a new connection is refused (its
ACCEPTS_IN_FLIGHT = 3 * LISTEN_BACKLOG   # descriptor closed) three turns later: room kept for that many


def raw_response(status: int, reason: str, message: str) -> bytes:
  body = json.dumps({"error": message, "status": status}, separators=(",", ":")).encode()
  return (f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n"
          "connection: close\r\n\r\n").encode() + body


class GuardedH11(H11Protocol):
  header_timeout = HEADER_TIMEOUT
  body_timeout = BODY_TIMEOUT
  max_connections = 1000

  def connection_made(self, transport) -> None:
    super().connection_made(transport)
    self._deadline = None
    # connections waiting for their headers, oldest first (shared by the server's connections)
    self._waiting = self.server_state.__dict__.setdefault("amdviz_waiting", {})
    if len(self.connections) > self.max_connections:
      if self._waiting:                   # make room by dropping the connection that has sent the least for longest
        next(iter(self._waiting))._expired()
      else:
        transport.write(raw_response(503, "Service Unavailable", f"the server has {self.max_connections} connections busy; try again"))
        transport.close()
        return
    self._arm(self.header_timeout)

  def _arm(self, seconds: float) -> None:
    if self._deadline is not None: self._deadline.cancel()
    self._deadline = self.loop.call_later(seconds, self._expired)
    if seconds == self.header_timeout: self._waiting[self] = None
    else: self._waiting.pop(self, None)

  def _disarm(self) -> None:
    if self._deadline is not None: self._deadline.cancel(); self._deadline = None
    self._waiting.pop(self, None)

  def data_received(self, data: bytes) -> None:
    before = self.conn.their_state
    super().data_received(data)
    after = self.conn.their_state
    if after is not before:
      if after is h11.SEND_BODY: self._arm(self.body_timeout)      # headers in, body to come
      elif after is not h11.IDLE: self._disarm()                  # the whole request is in: the app has it

  def on_response_complete(self) -> None:
    super().on_response_complete()
    if not self.transport.is_closing(): self._arm(self.header_timeout)   # the next request's headers

  def connection_lost(self, exc) -> None:
    self._disarm()
    super().connection_lost(exc)

  def _expired(self) -> None:
    self._disarm()
    if self.transport.is_closing(): return
    if self.cycle is None or self.cycle.response_complete:    # nothing answered yet on this request: say why
      self.transport.write(raw_response(408, "Request Timeout", "the request did not arrive in time"))
    self.transport.close()


def raise_fd_limit() -> int:
  """Raise this process's soft file-descriptor limit to its hard limit; return the soft limit now in force."""
  soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
  target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
  if soft != resource.RLIM_INFINITY and soft < target:
    try: resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard)); soft = target
    except (ValueError, OSError): pass
  return soft


def connection_cap(requested: int) -> int:
  """At most `requested`, and few enough that accept() never runs out of descriptors."""
  soft = raise_fd_limit()
  return max(8, min(requested, soft - FD_RESERVE - ACCEPTS_IN_FLIGHT)) if soft != resource.RLIM_INFINITY else requested


def quiet_accept_errors(loop: asyncio.AbstractEventLoop) -> None:
  """asyncio logs a traceback each time accept() fails for lack of descriptors; say it in one line instead."""
  default = loop.get_exception_handler()
  def handler(loop, context):
    exc = context.get("exception")
    if isinstance(exc, OSError) and "accept" in str(context.get("message", "")):
      log.warning("accept() failed: %s; waiting for connections to close", exc.strerror or exc)
      return
    if default is not None: default(loop, context)
    else: loop.default_exception_handler(context)
  loop.set_exception_handler(handler)
