"""Unpickling a file nobody vouched for: nothing in it runs, and it cannot make us allocate more than it backs.

Two gates, both before any object exists:

1. `scan_pickle` walks the opcode stream once (no objects built, byte payloads skipped, not copied) and
   refuses what a capture never needs or what would let a few bytes cost gigabytes:
   - opcodes outside the binary protocols 2-5 subset (text-protocol numbers, extension registry,
     persistent ids, out-of-band buffers, old-style instances), and a stream not opening with PROTO;
   - a memo index the stream has not earned: CPython's C unpickler grows its memo table to the largest
     index it is told to store, so `LONG_BINPUT 2**29` in a 9-byte file asks for 8 GB. Picklers number
     memo entries 0, 1, 2..., so an index may be at most the number of entries stored before it;
   - a length prefix (string, bytes, frame) running past the end of the file;
   - an estimated memory cost above `memory_budget(len(data))`: every opcode is charged an upper bound of
     what it can allocate (the object it makes, a slot in a container, stack and memo), so a stream of
     1-byte opcodes that each make an empty list is refused at once instead of filling the machine.
2. `SafeUnpickler.find_class` answers only from an allow-list (see capture/__init__.py); everything else is
   refused before it is looked up.
"""
from __future__ import annotations
import io, pickle, struct

class UnsafePickle(ValueError):
  """The stream is refused; the message is one line naming why."""

MEMORY_FLOOR = 64 << 20      # bytes any input may cost: small files need not be judged by their size
MEMORY_PER_BYTE = 24         # and beyond that, per byte of input (real captures are charged 1 a trace byte, 12-18 an event byte)

def memory_budget(size: int) -> int:
  return MEMORY_FLOOR + MEMORY_PER_BYTE * size

# opcode -> (argument, memory charge in bytes). Arguments: None, a fixed byte count, ("len", width) for a
# little-endian length prefix then that many payload bytes, or "line" / "2lines" for newline-ended text.
# Charges are upper bounds on CPython 3.10+ (64-bit) for the objects the opcode makes, on top of BASE_CHARGE,
# which every opcode pays for the reference it leaves on the stack, in a container (with over-allocation and
# dict/set hash slots) or in the memo.
BASE_CHARGE = 48
_U = lambda n: ("len", n)
OPCODES: dict[int, tuple] = {
  0x80: (1, 0),           # PROTO
  0x95: (8, 0),           # FRAME (its length is checked against the file)
  ord("."): (None, 0),    # STOP
  ord("("): (None, 0),    # MARK
  ord("0"): (None, 0),    # POP
  ord("1"): (None, 0),    # POP_MARK
  ord("2"): (None, 0),    # DUP
  ord("N"): (None, 0),    # NONE
  0x88: (None, 0),        # NEWTRUE
  0x89: (None, 0),        # NEWFALSE
  ord("K"): (1, 0),       # BININT1 (small ints are shared)
  ord("M"): (2, 32),      # BININT2
  ord("J"): (4, 32),      # BININT
  0x8a: (_U(1), 48),      # LONG1 (+ payload)
  0x8b: (_U(4), 48),      # LONG4 (+ payload)
  ord("G"): (8, 32),      # BINFLOAT
  ord("C"): (_U(1), 48),  # SHORT_BINBYTES (+ payload)
  ord("B"): (_U(4), 48),  # BINBYTES
  0x8e: (_U(8), 48),      # BINBYTES8
  0x96: (_U(8), 80),      # BYTEARRAY8
  ord("U"): (_U(1), 48),  # SHORT_BINSTRING (bytes or str in protocol 2)
  ord("T"): (_U(4), 48),  # BINSTRING
  0x8c: (_U(1), 80),      # SHORT_BINUNICODE (+ up to 4x payload: non-latin text)
  ord("X"): (_U(4), 80),  # BINUNICODE
  0x8d: (_U(8), 80),      # BINUNICODE8
  ord(")"): (None, 0),    # EMPTY_TUPLE
  0x85: (None, 64),       # TUPLE1
  0x86: (None, 72),       # TUPLE2
  0x87: (None, 80),       # TUPLE3
  ord("t"): (None, 64),   # TUPLE (items paid by the opcodes that pushed them)
  ord("]"): (None, 96),   # EMPTY_LIST
  ord("l"): (None, 96),   # LIST
  ord("a"): (None, 0),    # APPEND
  ord("e"): (None, 0),    # APPENDS
  ord("}"): (None, 112),  # EMPTY_DICT
  ord("d"): (None, 112),  # DICT
  ord("s"): (None, 0),    # SETITEM
  ord("u"): (None, 0),    # SETITEMS
  0x8f: (None, 256),      # EMPTY_SET
  0x90: (None, 0),        # ADDITEMS
  0x91: (None, 256),      # FROZENSET
  ord("c"): ("2lines", 0),  # GLOBAL (protocols 2-3 name classes this way; find_class judges the name)
  0x93: (None, 0),        # STACK_GLOBAL
  ord("R"): (None, 512),  # REDUCE (an allowed callable's result, or an inert placeholder holding its args)
  0x81: (None, 512),      # NEWOBJ
  0x92: (None, 512),      # NEWOBJ_EX
  ord("b"): (None, 256),  # BUILD (the state is kept: placeholders store it, records copy its fields)
  ord("h"): (1, 0),       # BINGET
  ord("j"): (4, 0),       # LONG_BINGET
  ord("q"): (1, 16),      # BINPUT
  ord("r"): (4, 16),      # LONG_BINPUT
  0x94: (None, 16),       # MEMOIZE
}
PAYLOAD_FACTOR = {0x8c: 4, ord("X"): 4, 0x8d: 4}   # str payloads may take 4 bytes a character in memory
MEMO_PUTS = {ord("q"): "<B", ord("r"): "<I"}
MEMO_GETS = {ord("h"): "<B", ord("j"): "<I"}
REFUSED = {0x82: "EXT1 (extension registry)", 0x83: "EXT2 (extension registry)", 0x84: "EXT4 (extension registry)",
           ord("P"): "PERSID (persistent id)", ord("Q"): "BINPERSID (persistent id)", 0x97: "NEXT_BUFFER (out-of-band buffer)",
           0x98: "READONLY_BUFFER (out-of-band buffer)", ord("o"): "OBJ", ord("i"): "INST", ord("I"): "INT (protocol 0)",
           ord("L"): "LONG (protocol 0)", ord("F"): "FLOAT (protocol 0)", ord("S"): "STRING (protocol 0)",
           ord("V"): "UNICODE (protocol 0)", ord("g"): "GET (protocol 0)", ord("p"): "PUT (protocol 0)"}
MAX_LINE = 1024             # a GLOBAL's module or name


LAZY_BYTES = 1 << 20         # byte strings at least this long may be left in the file (safe_load's `lazy`)
LAZY_OPCODES = (ord("B"), 0x8e)   # BINBYTES, BINBYTES8

def scan_pickle(data: bytes | memoryview, budget: int | None = None, lazy: list | None = None) -> int:
  """Check `data` as described in the module docstring without building anything; return the memory charge.
  `lazy`, a list: gets (opcode position, payload position, payload size) of every byte string of at least
  LAZY_BYTES outside a frame. Raises UnsafePickle."""
  with memoryview(data) as mv:                         # released on the way out, even raising: `data` may be an mmap
    return _scan(mv, budget, lazy)

def _scan(mv: memoryview, budget: int | None, lazy: list | None = None) -> int:
  n, frame_end = len(mv), 0
  budget = memory_budget(n) if budget is None else budget
  if n < 2 or mv[0] != 0x80 or not 2 <= mv[1] <= 5:
    raise UnsafePickle("not a pickle of protocol 2 to 5")
  pos, memo, charge, unpack_from = 0, 0, 0, struct.unpack_from
  while pos < n:
    op = mv[pos]
    spec = OPCODES.get(op)
    if spec is None:
      if op in REFUSED: raise UnsafePickle(f"refusing opcode {REFUSED[op]} at byte {pos}: not used by captures")
      raise UnsafePickle(f"unknown opcode {op:#x} at byte {pos}")
    arg, cost = spec
    start = pos + 1
    if arg is None:
      pos = start
      memo += op == 0x94                                   # MEMOIZE: stores at the next index
    elif isinstance(arg, int):
      pos = start + arg
      if pos > n: raise UnsafePickle(f"truncated pickle: opcode at byte {start - 1} runs past the end")
      if op in MEMO_PUTS:
        index = unpack_from(MEMO_PUTS[op], mv, start)[0]
        if index > memo: raise UnsafePickle(f"memo index {index} at byte {start - 1} skips ahead of the {memo} entries stored")
        memo += index == memo
      elif op in MEMO_GETS and (index := unpack_from(MEMO_GETS[op], mv, start)[0]) >= memo:
        raise UnsafePickle(f"memo index {index} at byte {start - 1} was never stored")
      elif op == 0x95:
        if (frame := unpack_from("<Q", mv, start)[0]) > n - pos:
          raise UnsafePickle(f"truncated pickle: the frame at byte {start - 1} runs past the end of the file")
        frame_end = pos + frame
    elif arg[0] == "len":
      width = arg[1]
      if start + width > n: raise UnsafePickle(f"truncated pickle: opcode at byte {start - 1} runs past the end")
      size = int.from_bytes(mv[start:start + width], "little", signed=op in (ord("T"), 0x8b))
      if size < 0 or size > n - start - width:
        raise UnsafePickle(f"truncated pickle: {size} bytes at byte {start - 1} run past the end of the file")
      if lazy is not None and op in LAZY_OPCODES and size >= LAZY_BYTES and start > frame_end:
        lazy.append((start - 1, start + width, size))   # (a frame is read whole: only strings outside one are left)
      pos = start + width + size
      cost += size * PAYLOAD_FACTOR.get(op, 1)
    else:                                                   # GLOBAL: module and name, each ended by a newline
      for _ in range(2):
        end = bytes(mv[start:start + MAX_LINE + 1]).find(b"\n")
        if end < 0: raise UnsafePickle(f"GLOBAL at byte {pos}: name not ended within {MAX_LINE} bytes")
        start += end + 1
      pos = start
    if op == 0x80 and not 2 <= mv[pos - 1] <= 5: raise UnsafePickle(f"protocol {mv[pos - 1]} at byte {pos - 2}")
    charge += BASE_CHARGE + cost
    if charge > budget:
      raise UnsafePickle(f"would need over {budget >> 20} MB of memory to load a {n}-byte file (at byte {pos})")
    if op == ord("."): return charge
  raise UnsafePickle("truncated pickle: data ends early")


class SafeUnpickler(pickle.Unpickler):
  """find_class from `allowed(module, name)` only (None: refused); no persistent ids. `buffers`: what stands for
  the byte strings safe_load left in the file (the only NEXT_BUFFER opcodes: the scan refuses any in the input)."""
  def __init__(self, file, allowed, buffers=None):
    super().__init__(file, buffers=buffers)
    self.allowed = allowed

  def find_class(self, module: str, name: str):
    if (cls := self.allowed(module, name)) is None:
      raise UnsafePickle(f"refusing to load {module}.{name}: not an allowed capture type")
    return cls

  def persistent_load(self, pid): raise UnsafePickle("refusing to load a persistent id: not an allowed capture type")


def _one_line(e: BaseException) -> str:
  s = " ".join(str(e).split())
  return f"{type(e).__name__}: {s}" if s else type(e).__name__


def safe_loads(data: bytes, allowed) -> object:
  """Scan, then unpickle with the allow-list `allowed(module, name) -> class | None`; any failure is one
  UnsafePickle line."""
  scan_pickle(data)
  return _unpickle(io.BytesIO(data), allowed)

def safe_load(file, view, allowed, lazy=None) -> object:
  """As safe_loads, for a file: `view` (the file's bytes, e.g. an mmap) is scanned, then the pickle is read from
  `file` at its start, so its byte strings are read straight into place rather than copied from a second copy.
  `lazy(offset, size)`: what to make of each byte string of at least LAZY_BYTES instead of reading it (an object
  that reads it later from the file), so the unpickled objects hold no copy of the big buffers."""
  spans = [] if lazy is not None else None
  scan_pickle(view, lazy=spans)
  file.seek(0)
  if not spans: return _unpickle(file, allowed)
  with io.BufferedReader(_Spliced(view, spans), 1 << 16) as spliced:
    return _unpickle(spliced, allowed, [lazy(at, size) for _, at, size in spans])

class _Spliced(io.RawIOBase):
  """The pickle stream of `view` with each span (opcode, payload, size) of `spans` replaced by one NEXT_BUFFER
  opcode: the unpickler then takes the next of its `buffers` where the byte string was."""
  def __init__(self, view, spans):
    self.view, self.pos, self.spans, self.k = memoryview(view), 0, spans, 0

  def readable(self) -> bool: return True

  def readinto(self, b) -> int:
    out, want, done = memoryview(b).cast("B"), len(b), 0
    while done < want:
      if self.k < len(self.spans) and self.pos == self.spans[self.k][0]:       # at a left-out string: one opcode
        out[done] = 0x97
        self.pos, self.k, done = self.spans[self.k][1] + self.spans[self.k][2], self.k + 1, done + 1
        continue
      end = min(len(self.view), self.spans[self.k][0] if self.k < len(self.spans) else len(self.view), self.pos + want - done)
      if end <= self.pos: break
      out[done:done + end - self.pos] = self.view[self.pos:end]
      done, self.pos = done + end - self.pos, end
    return done

  def close(self) -> None:
    self.view.release()
    super().close()

def _unpickle(file, allowed, buffers=None) -> object:
  try: return SafeUnpickler(file, allowed, buffers).load()
  except UnsafePickle: raise
  except EOFError: raise UnsafePickle("truncated pickle: data ends early") from None
  except RecursionError: raise UnsafePickle("nested too deeply") from None
  except Exception as e: raise UnsafePickle(_one_line(e)) from None
