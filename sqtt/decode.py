"""SQTT buffer -> columnar packets.

Framing is sequential (a packet's size depends on its first byte), so one tight loop walks the stream,
compiled with numba when it is installed (it is a dependency; the same function runs interpreted
otherwise). The loop only frames: it writes each packet's start, kind, clock and raw bits. Fields are
cut out afterwards with numpy, for all packets at once, from per-(layout, kind) bit tables.

Never raises on bad input: the first problem is reported in `Packets.error` as (byte offset, reason).
An unknown packet id costs one nibble (decoding resynchronises on the next); a packet cut off by the end
of the buffer stops decoding.
"""
from __future__ import annotations
from dataclasses import dataclass
from functools import cached_property, lru_cache
import numpy as np
from sqtt.jit import as_dict, compiled, is_interpreted, python_ints
from sqtt.packets import (ALU_SRC, CDNA_HEADER, HEADER_LAYOUTS, INST_OPS, KIND, KINDS, LAYOUT_NAMES, LAYOUTS, MEM_SRC, TIME_RULES,
                          arch_layout)

NK = len(KINDS)
UNKNOWN, LAYOUT_HEADER = KIND["UNKNOWN"], KIND["LAYOUT_HEADER"]
RULE = {name: i for i, name in enumerate(TIME_RULES)}                 # packets.TIME_RULES as loop codes
R_ABSOLUTE, R_HEADER, R_UNKNOWN = RULE["absolute"], RULE["header"], len(TIME_RULES)
assert R_UNKNOWN == R_HEADER + 1 == R_ABSOLUTE + 2 and all(RULE[r] < R_ABSOLUTE for r in ("none", "delta", "delta+4", "delta*4", "mark"))
E_UNKNOWN, E_TRUNCATED, E_BAD_HEADER = 1, 2, 3                        # what the loop reports; _error_text words them
# columns of the per-(layout, kind) rule table the loop reads
C_NAMES = ("nibbles", "rule", "delta lo", "delta mask", "mul", "add", "rt bit", "pl bit", "has marker")
C_NIBBLES, C_RULE, C_DLO, C_DMASK, C_MUL, C_ADD, C_RT, C_PL, C_MARKS = range(len(C_NAMES))

def _bits(hi: int, lo: int) -> tuple[int, int]: return lo, (1 << (hi - lo + 1)) - 1

def _build_tables():
  """byte_kind[layout, first byte] -> kind | size in nibbles << 8; rule[layout * NK + kind] -> loop columns (C_*).
  Every delta rule becomes `time += ((raw >> lo) & mask) * mul + add`, so the loop needs no branch for them."""
  byte_kind = np.full((len(LAYOUTS), 256), UNKNOWN, np.int64)
  rule = np.zeros((len(LAYOUTS) * NK, len(C_NAMES)), np.int64)
  for li, table in enumerate(LAYOUTS.values()):
    rule[li * NK + UNKNOWN, [C_NIBBLES, C_RULE]] = 1, R_UNKNOWN
    for p in table + ([CDNA_HEADER] if table is LAYOUTS["cdna"] else []):
      k, row = KIND[p.name], rule[li * NK + KIND[p.name]]
      assert p.bits % 4 == 0 and p.bits >= len(p.match), p
      row[C_NIBBLES], row[C_RULE] = p.bits // 4, RULE[p.time]
      if p.time in ("delta", "delta+4", "delta*4", "mark"):
        row[C_DLO], row[C_DMASK] = _bits(*p.fields["delta"])
        row[C_MUL], row[C_ADD] = {"delta+4": (1, 4), "delta*4": (4, 0)}.get(p.time, (1, 0))
      if p.time == "mark": row[C_RT], row[C_PL], row[C_MARKS] = p.fields["rt"][1], p.fields["pl"][1], 1
      if p is CDNA_HEADER: continue     # the header is chosen by position, not by its byte
      m = int(p.match, 2)
      for b in range(256):
        if b & ((1 << len(p.match)) - 1) == m:
          assert byte_kind[li, b] == UNKNOWN, f"{p.name} and {KINDS[byte_kind[li, b]]} share byte {b:#x}"  # the code is prefix-free
          byte_kind[li, b] = k
  byte_kind |= rule[np.arange(len(LAYOUTS))[:, None] * NK + byte_kind, C_NIBBLES] << 8
  return byte_kind, rule

BYTE_KIND, RULES = _build_tables()

def _frame(data, first_kind, byte_kind, rules, nk, state, offset, kind, time, raw, lay):
  """Walk the nibble stream of `data`, appending packets to the output arrays until the stream ends or they
  are full. `state` carries the walk between calls (the caller grows the arrays and calls again)."""
  p, n, t, base, anchored, layout = int(state[0]), int(state[1]), int(state[2]), int(state[3]), int(state[4]), int(state[5])
  err_at, err_code, err_arg = int(state[6]), int(state[7]), int(state[8])    # err_at: nibble of the first problem, -1 if none
  n_bytes = len(data)
  n_nib, cap, done = 2 * n_bytes, len(offset), 1
  # `data` may be a window of the stream: packets then start before `stop` (0: up to its end) and `at` is the
  # window's first nibble in the stream (offsets and error positions are the stream's)
  stop, at = int(state[10]), int(state[11])
  if stop == 0: stop = n_nib
  while p < stop:
    if n == cap:
      done = 0
      break
    b = p >> 1
    # the packet's first byte decides its size: kept apart from the 64-bit window below so the chain from one
    # packet's start to the next is short (the loop's speed is that chain's latency)
    first = np.int64(data[b])
    if p & 1: first = (first >> 4) | ((np.int64(data[b + 1]) << 4) & 0xFF if b + 1 < n_bytes else 0)
    kn = byte_kind[layout, first]           # kind | size in nibbles << 8: one load from first byte to size
    size = kn >> 8
    k = kn & 0xFF
    if n == 0 and first_kind >= 0: k, size = first_kind, rules[layout * nk + first_kind, C_NIBBLES]
    r = layout * nk + k
    if p + size > n_nib:
      if err_at < 0: err_at, err_code, err_arg = p + at, E_TRUNCATED, k
      break
    w = 0
    if b + 9 <= n_bytes:
      for i in range(8): w |= np.int64(data[b + i]) << (8 * i)
      if p & 1: w = ((w >> 4) & 0x0FFFFFFFFFFFFFFF) | (np.int64(data[b + 8]) << 60)   # logical shift: w is signed
    else:                                   # the last 9 bytes: what lies past the end reads as zero
      for i in range(8):
        if b + i < n_bytes: w |= np.int64(data[b + i]) << (8 * i)
      if p & 1:
        w = (w >> 4) & 0x0FFFFFFFFFFFFFFF
        if b + 8 < n_bytes: w |= np.int64(data[b + 8]) << 60
    # every delta rule, branch-free: markers (rt set, pl clear) reuse the delta bits and do not move the clock
    marker = rules[r, C_MARKS] & (w >> rules[r, C_RT]) & ~(w >> rules[r, C_PL]) & 1
    t += (((w >> rules[r, C_DLO]) & rules[r, C_DMASK]) * rules[r, C_MUL] + rules[r, C_ADD]) * (1 - marker)
    code, next_layout = rules[r, C_RULE], layout
    if code >= R_ABSOLUTE:                  # rare: absolute timestamps, headers, unknown ids
      if code == R_ABSOLUTE:
        if (w >> 4) & 0xFFF == 0:           # tag 0: an absolute timestamp
          stamp = (w >> 16) & 0xFFFFFFFFFFFF
          if anchored == 0: base, anchored = stamp - t, 1
          else: t = ((stamp - base) & ~3) - 4
      elif code == R_HEADER:
        field = (w >> 7) & 0x3F             # the `layout` field; 3 and 4 are the first two rows of LAYOUTS
        if field == 3 or field == 4: next_layout = field - 3
        elif err_at < 0: err_at, err_code, err_arg = p + at, E_BAD_HEADER, field
      elif err_at < 0: err_at, err_code, err_arg = p + at, E_UNKNOWN, w & 0xFF
    offset[n], kind[n], time[n], lay[n] = p + at, k, t, layout
    raw[n] = np.uint64(w & (((1 << (4 * size & 63)) - 1) | -np.int64(size >= 16)))   # clipped to the packet's own bits
    n += 1
    p += size
    layout = next_layout
  state[0], state[1], state[2], state[3], state[4], state[5] = p, n, t, base, anchored, layout
  state[6], state[7], state[8], state[9] = err_at, err_code, err_arg, done

def _frame_new(data, first_kind, byte_kind, rules, nk, state):
  """_frame into new arrays sized for the buffer, then copied out at the packets written: a real stream has a
  packet every 2-3 bytes, so the kept columns are a third of the buffer-sized ones. For small buffers:
  allocating here is cheaper than from Python, and fewer arguments cross into numba."""
  cap = data.shape[0] + 64
  offset, kind, time = np.empty(cap, np.int64), np.empty(cap, np.uint8), np.empty(cap, np.int64)
  raw, lay = np.empty(cap, np.uint64), np.empty(cap, np.uint8)
  _frame(data, first_kind, byte_kind, rules, nk, state, offset, kind, time, raw, lay)
  n = state[1]                  # == cap when they filled up
  return offset[:n].copy(), kind[:n].copy(), time[:n].copy(), raw[:n].copy(), lay[:n].copy()

COLUMN_TYPES = (np.int64, np.uint8, np.int64, np.uint64, np.uint8)   # offset, kind, time, raw, layout
_frame_python = python_ints(_frame)
_TABLES_PYTHON: list = []


def _framer():
  """The framing loop for this thread: numba's, or (inside sqtt.jit.interpreted) plain Python over bytes and lists,
  which makes no numpy scalar per packet. Both take and return the same arguments."""
  if not is_interpreted(): return compiled(_frame)
  if not _TABLES_PYTHON: _TABLES_PYTHON.extend((as_dict(BYTE_KIND), as_dict(RULES)))
  def frame(data, first_kind, byte_kind, rules, nk, state, *out):
    st = state.tolist()
    room = min(len(out[0]), st[1] + 2 * len(data) + 2)     # (a packet is a nibble at least: no more can come)
    lists = [[0] * room for _ in out]                      # written as lists, copied into the arrays after
    _frame_python(bytes(data), first_kind, *_TABLES_PYTHON, nk, st, *lists)
    for o, col in zip(out, lists): o[state[1]:st[1]] = col[state[1]:st[1]]
    state[:] = st
  return frame


def _walk(data, layout: int, first_kind: int):
  """Frame the whole stream: (offset, kind, time, raw, layout columns), first error (nibble or -1, code, detail)."""
  # state: nibble, packets so far, clock, CDNA clock base, base set, layout, first error (nibble, code, detail), done,
  # window end, window start (0, 0: the whole stream)
  state = np.zeros(12, np.int64)
  state[5], state[6] = layout, -1
  frame, frame_new = _framer(), compiled(_frame_new, _frame=_frame)
  if len(data) < 1 << 20 and not is_interpreted():
    out = frame_new(data, first_kind, BYTE_KIND, RULES, NK, state)
    if state[9]: return out, *state[6:9].tolist()
  else:
    # real streams average 2-3 bytes a packet; only NOP runs go past 1 a byte. Large outputs come from numpy,
    # which asks for huge pages: writing them then faults far less than into numba's own allocation.
    out = [np.empty(len(data) + 64, t) for t in COLUMN_TYPES]
    frame(data, first_kind, BYTE_KIND, RULES, NK, state, *out)
  while not state[9]:           # the arrays filled up: double them and go on
    out = [np.concatenate([c[:state[1]], np.empty_like(c)]) for c in out]
    frame(data, first_kind, BYTE_KIND, RULES, NK, state, *out)
  return [c[:state[1]] for c in out], *state[6:9].tolist()

# ---------------------------------------------------------------------------------------------------

@dataclass(eq=False)
class Packets:
  """All packets of one buffer, one numpy array per column, in stream order.

  offset  int64   nibble offset of the packet's first bit (byte offset = offset >> 1)
  kind    uint8   index into KINDS (the same kind id in every layout)
  time    int64   clock after the packet's own delta (cycles; CDNA: re-synced by absolute timestamps)
  raw     uint64  the packet's bits, low 64 (enough for every field), clipped to its size
  layout  uint8   index into LAYOUT_NAMES: which table decoded the packet (a header may switch it)
  error   None or (byte offset, reason): the first thing that went wrong; decoding went on past it
          unless the reason says it stopped
  """
  offset: np.ndarray
  kind: np.ndarray
  time: np.ndarray
  raw: np.ndarray
  layout: np.ndarray
  error: tuple[int, str] | None = None
  stream_layout: str | None = None     # the layout the stream started in

  def __len__(self) -> int: return len(self.kind)
  def __getitem__(self, index) -> Packets:
    """A subset (slice, bool mask or index array) as Packets; the error stays with the whole."""
    if isinstance(index, (int, np.integer)): index = slice(index, index + 1 or None)
    return Packets(self.offset[index], self.kind[index], self.time[index], self.raw[index], self.layout[index], self.error, self.stream_layout)

  @property
  def byte_offset(self) -> np.ndarray: return self.offset >> 1
  @property
  def names(self) -> np.ndarray:
    """Kind names per packet (an object array: for display, not for hot paths)."""
    return np.asarray(KINDS, dtype=object)[self.kind]

  def mask(self, *kinds: str) -> np.ndarray:
    """Boolean mask of packets whose kind is one of `kinds`."""
    return np.isin(self.kind, [KIND[k] for k in kinds])

  def counts(self) -> dict[str, int]:
    """Packets per kind name, kinds that occur only."""
    c = np.bincount(self.kind, minlength=len(KINDS))
    return {KINDS[i]: int(c[i]) for i in np.flatnonzero(c)}

  def field(self, name: str) -> np.ndarray:
    """int64 value of field `name` for every packet, -1 where the packet's kind (in its layout) has no such field."""
    lo, mask, lo2, mask2, shift2, present = _field_columns(name)
    out = np.full(len(self), -1, np.int64)
    where = present[self.key]
    key, raw = self.key[where], self.raw[where]     # most fields live in a few kinds: work on those packets only
    out[where] = ((raw >> lo[key]) & mask[key]) | (((raw >> lo2[key]) & mask2[key]) << shift2[key])
    return out

  @cached_property
  def key(self) -> np.ndarray:
    """layout * len(KINDS) + kind: the row of the per-(layout, kind) field tables."""
    return self.layout.astype(np.intp) * NK + self.kind

  def fields(self, i: int) -> dict[str, int]:
    """Every field of packet i, by name (for display and tests)."""
    layout, kind, raw = LAYOUT_NAMES[self.layout[i]], KINDS[self.kind[i]], int(self.raw[i])
    return {f: _cut(raw, r) for f, r in field_ranges(layout, kind).items()}

  def op_name(self, i: int) -> str | None:
    """Name of packet i's instruction class (INST packets), else None."""
    if self.kind[i] != KIND["INST"]: return None
    layout = LAYOUT_NAMES[self.layout[i]]
    op = self.fields(i)["op"]
    return INST_OPS[layout].get(op, f"0x{op:02x}")

  def describe(self, i: int) -> str:
    f = self.fields(i)
    f.pop("delta", None)
    if (op := self.op_name(i)) is not None: f["op"] = op
    if self.kind[i] == KIND["VMEM_EXEC"]: f["src"] = MEM_SRC[f["src"]]
    if self.kind[i] == KIND["ALU_EXEC"]: f["src"] = ALU_SRC[f["src"]]
    """One line: time, nibble offset, kind, fields (INST op and EXEC src by name)."""
    return f"{self.time[i]:>10} n{self.offset[i]:<9} {KINDS[self.kind[i]]:<17} " + " ".join(f"{k}={v}" for k, v in f.items())

  def __repr__(self) -> str:
    return f"<Packets {len(self)} {self.stream_layout} error={self.error!r}>"

@lru_cache(maxsize=None)
def field_ranges(layout: str, kind: str) -> dict:
  """Field name -> bit range(s) of `kind` in `layout` (empty for kinds the layout does not have)."""
  rows = LAYOUTS[layout] + ([CDNA_HEADER] if layout == "cdna" else [])
  return next((p.fields for p in rows if p.name == kind), {})

def _parts(r) -> tuple: return (r,) if isinstance(r[0], int) else r

def _cut(raw: int, r) -> int:
  v, shift = 0, 0
  for hi, lo in _parts(r):
    v |= ((raw >> lo) & ((1 << (hi - lo + 1)) - 1)) << shift
    shift += hi - lo + 1
  return v

@lru_cache(maxsize=None)
def _field_columns(name: str):
  """Per (layout, kind) key: where field `name` sits (up to two concatenated ranges) and whether it exists."""
  cols = [np.zeros(len(LAYOUTS) * NK, np.uint64) for _ in range(5)]
  present = np.zeros(len(LAYOUTS) * NK, bool)
  for li, layout in enumerate(LAYOUTS):
    for k, kind in enumerate(KINDS):
      if (r := field_ranges(layout, kind).get(name)) is None: continue
      parts = _parts(r)
      assert len(parts) <= 2, (layout, kind, name)
      key = li * NK + k
      present[key] = True
      (hi, lo), width = parts[0], parts[0][0] - parts[0][1] + 1
      cols[0][key], cols[1][key] = lo, (1 << width) - 1
      if len(parts) == 2:
        hi2, lo2 = parts[1]
        cols[2][key], cols[3][key], cols[4][key] = lo2, (1 << (hi2 - lo2 + 1)) - 1, width
  return (*cols, present)

# ---------------------------------------------------------------------------------------------------

def _stream_layout(blob: bytes, arch: str | None) -> tuple[str | None, bool, tuple[int, str] | None]:
  """(layout to start in, is the first packet a CDNA header, problem) from the first bytes and the arch."""
  wanted = arch_layout(arch)
  if arch and wanted is None: return None, False, (0, f"unsupported arch {arch!r}: no SQTT layout for it")
  if not blob: return wanted, False, None          # nothing traced is not a fault
  first = int.from_bytes(blob[:8], "little")
  if len(blob) and first & 0x7F == 0x11:
    field = (first >> 7) & 0x3F
    if field in HEADER_LAYOUTS:
      found = HEADER_LAYOUTS[field]
      clash = None if wanted in (None, found) else (0, f"stream header says layout {field} ({found}) but {arch} is {wanted}: following the header")
      return found, False, clash
    if wanted in (None, "cdna"): return "cdna", True, None
    return wanted, False, None     # the loop reports the header's bad layout field
  if wanted: return wanted, False, (0, f"no stream header: decoding as {wanted} for {arch}")
  return "rdna3", False, (0, "no stream header and no arch given: assumed rdna3")

def decode(blob: bytes, arch: str | None = None) -> Packets:
  """Decode one SQ thread-trace buffer (one shader engine's) into Packets.

  The layout comes from the stream header (RDNA layout 3/4; a CDNA header otherwise) and, failing that,
  from `arch` ('gfx1100', 'gfx1201', 'gfx950'...). Never raises for bad bytes: see Packets.error."""
  layout, cdna_header, problem = _stream_layout(blob, arch)
  if layout is None or not len(blob):
    z = np.zeros(0, np.int64)
    return Packets(z, z.astype(np.uint8), z, z.astype(np.uint64), z.astype(np.uint8), problem, layout)
  data = np.frombuffer(blob, np.uint8)
  data.flags.writeable = False      # bytes and bytearray alike: one compiled signature
  cols, err_at, err_code, err_arg = _walk(data, LAYOUT_NAMES.index(layout), LAYOUT_HEADER if cdna_header else -1)
  if problem is None and err_at >= 0: problem = (err_at >> 1, _error_text(err_at, err_code, err_arg, len(blob)))
  return Packets(*cols, problem, layout)

CHUNK = 1 << 21   # packets per chunk when a buffer is decoded chunk by chunk (columns of 2M packets: 52 MB)

WINDOW = 16 << 20   # bytes of a buffer held at once when it is read from a file (decode_chunks)
WINDOW_MARGIN = 32  # a window's packets start this many bytes before its end: the longest packet and its 64-bit read fit

def decode_chunks(blob, arch: str | None = None, chunk: int = CHUNK):
  """Decode one buffer as decode() does, `chunk` packets at a time: yields Packets in stream order, each
  carrying the stream's first error so far. The chunks share one set of column arrays, so a chunk is valid
  only until the next is asked for: a big buffer is walked with memory for one chunk, not for every packet.
  `blob`: bytes, or a buffer still in a file, which is read WINDOW bytes at a time into one reused buffer:
  anything with len() and readinto(buffer, start) -> bytes read (capture.FileBytes)."""
  total, reader = len(blob), blob if hasattr(blob, "readinto") else None
  if reader is not None and total:
    window = np.empty(min(WINDOW, total), np.uint8)
    data = window[:_read(reader, window, 0)]
    head = bytes(data[:8])
  else: data, head = (np.frombuffer(blob, np.uint8) if total else None), blob
  layout, cdna_header, problem = _stream_layout(head, arch)
  if layout is None or not total:
    z = np.zeros(0, np.int64)
    yield Packets(z, z.astype(np.uint8), z, z.astype(np.uint64), z.astype(np.uint8), problem, layout)
    return
  data = data.view()
  data.flags.writeable = False                    # bytes, bytearray and windows alike: one compiled signature
  state = np.zeros(12, np.int64)
  state[5], state[6] = LAYOUT_NAMES.index(layout), -1
  start = 0                                       # the window's first byte in the buffer
  out = [np.empty(chunk, t) for t in COLUMN_TYPES]
  frame, first_kind = _framer(), LAYOUT_HEADER if cdna_header else -1
  while True:
    state[1] = 0                                  # packets written into this chunk's arrays
    while True:
      final = start + len(data) == total
      state[10], state[11] = (0 if final else 2 * (len(data) - WINDOW_MARGIN)), 2 * start
      frame(data, first_kind, BYTE_KIND, RULES, NK, state, *out)
      first_kind = -1                             # only the stream's first packet may be a CDNA header
      if final or not state[9]: break             # the stream's end, or the chunk is full
      start += int(state[0]) >> 1                 # the window is framed: the next one begins at the next packet
      state[0] &= 1
      data = window[:_read(reader, window[:min(WINDOW, total - start)], start)].view()
      data.flags.writeable = False
    err_at = int(state[6])
    error = problem if problem is not None or err_at < 0 else \
      (err_at >> 1, _error_text(err_at, int(state[7]), int(state[8]), total))
    n = int(state[1])
    yield Packets(*(c[:n] for c in out), error, layout)
    if state[9] and final: return

def bytes_framed(p: Packets) -> int:
  """How far into its buffer a chunk of decode_chunks reaches: the byte holding its last packet's start, plus one."""
  return (int(p.offset[-1]) >> 1) + 1

def _read(reader, window: np.ndarray, start: int) -> int:
  if (n := reader.readinto(window, start)) != len(window):
    raise EOFError(f"the buffer's reader gave {n} of {len(window)} bytes at byte {start}")
  return n

@dataclass
class PacketCounts:
  """What is kept of a buffer's packets once they are walked: how many of each kind, the layout, the first error."""
  n: int
  kind_counts: np.ndarray       # per KIND
  layout: str | None
  error: tuple[int, str] | None

  def count(self, *kinds: str) -> int: return int(sum(self.kind_counts[KIND[k]] for k in kinds))

def count_packets(blob: bytes, arch: str | None = None, framed=None) -> PacketCounts:
  """Decode a buffer chunk by chunk, keeping only the counts. `framed(bytes)`: told after each chunk how far
  decoding got."""
  counts, n, p = np.zeros(NK, np.int64), 0, None
  for p in decode_chunks(blob, arch):
    counts += np.bincount(p.kind, minlength=NK); n += len(p)
    if framed is not None and len(p): framed(bytes_framed(p))
  return PacketCounts(n, counts, p.stream_layout, p.error)

def _error_text(nibble: int, code: int, arg: int, n_bytes: int) -> str:
  where = f"nibble {nibble}"
  if code == E_UNKNOWN: return f"unknown packet id (first byte {arg:#04x}) at {where}: skipped one nibble and went on"
  if code == E_TRUNCATED: return f"{KINDS[arg]} packet at {where} runs past the end of the {n_bytes}-byte buffer: stopped"
  if code == E_BAD_HEADER: return f"layout header with unknown layout {arg} at {where}: kept the current layout"
  return f"error {code} at {where}"
