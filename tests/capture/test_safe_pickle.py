"""capture/safe_pickle.py: a stream is judged before anything is built; what passes costs no more memory than it was charged."""
import io, pickle, random, struct, tracemalloc
import pytest
from capture import allowed_class
from capture.safe_pickle import SafeUnpickler, UnsafePickle, memory_budget, safe_loads, scan_pickle


def short(text: str) -> bytes:   # SHORT_BINUNICODE
  b = text.encode(); return b"\x8c" + bytes([len(b)]) + b

UNPICKLER_OVERHEAD = 4096   # the unpickler's own state, whatever the stream (1.3 KB measured on CPython 3.11)

def measured_peak(data: bytes) -> int:
  """Peak bytes Python allocates while the C unpickler builds `data` (the result kept alive until measured),
  less the unpickler's own fixed state."""
  tracemalloc.start()
  try:
    obj = SafeUnpickler(io.BytesIO(data), allowed_class).load()
    peak = tracemalloc.get_traced_memory()[1]
  finally: tracemalloc.stop()
  del obj
  return max(0, peak - UNPICKLER_OVERHEAD)

def test_memo_bomb_refused_before_allocating():
  """9 bytes that make CPython's unpickler size its memo for 2**29 entries (8 GB)."""
  bomb = b"\x80\x04]r" + struct.pack("<I", 2 ** 29) + b"."
  tracemalloc.start()
  with pytest.raises(UnsafePickle, match=r"^memo index 536870912 at byte 3 skips ahead of the 0 entries stored$"):
    safe_loads(bomb, allowed_class)
  peak = tracemalloc.get_traced_memory()[1]; tracemalloc.stop()
  assert peak < 1 << 20
  for op in (b"q\xff", b"r" + struct.pack("<I", 5)):               # BINPUT / LONG_BINPUT past the next index
    with pytest.raises(UnsafePickle, match="skips ahead"): scan_pickle(b"\x80\x04]" + op + b".")
  for op in (b"h\x00", b"j" + struct.pack("<I", 7)):               # BINGET / LONG_BINGET of nothing stored
    with pytest.raises(UnsafePickle, match="never stored"): scan_pickle(b"\x80\x04]" + op + b".")
  assert scan_pickle(b"\x80\x04]q\x00h\x00q\x00.") > 0             # rewriting a stored index is fine

@pytest.mark.parametrize("op,width", [(b"B", 4), (b"\x8e", 8), (b"X", 4), (b"\x8d", 8), (b"\x96", 8), (b"\x8b", 4), (b"\x95", 8)])
def test_length_prefix_beyond_the_file(op, width):
  with pytest.raises(UnsafePickle, match="^truncated pickle: "):
    scan_pickle(b"\x80\x04" + op + (2 ** (8 * width - 2)).to_bytes(width, "little") + b"abc.")

@pytest.mark.parametrize("stream,why", [
  (b"hello", "not a pickle of protocol 2 to 5"), (b"(lp0\n.", "not a pickle of protocol 2 to 5"),
  (b"\x80\x01].", "not a pickle of protocol 2 to 5"), (b"\x80\x04\x80\x09.", "protocol 9"),
  (b"\x80\x04I12\n.", "refusing opcode INT (protocol 0)"), (b"\x80\x04\x82\x01.", "refusing opcode EXT1"),
  (b"\x80\x04Q.", "refusing opcode BINPERSID"), (b"\x80\x05\x97.", "refusing opcode NEXT_BUFFER"),
  (b"\x80\x04\xff.", "unknown opcode 0xff"), (b"\x80\x04]", "truncated pickle: data ends early"),
  (b"\x80\x02cos\n" + b"x" * 2000, "GLOBAL at byte 2: name not ended")])
def test_refused_streams(stream, why):
  with pytest.raises(UnsafePickle, match=why.replace("(", r"\(").replace(")", r"\)")): scan_pickle(stream)

def test_object_flood_refused_by_its_charge():
  """1-byte opcodes that each make an object: ~80 bytes of Python per byte of file. Refused past the budget,
  early in the stream, with the scan itself bounded."""
  n = 4_000_000
  flood = b"\x80\x04(" + b"]" * n + b"l."
  with pytest.raises(UnsafePickle, match=r"^would need over \d+ MB of memory to load a 4000005-byte file"): scan_pickle(flood)
  assert memory_budget(len(flood)) < 200 << 20

SHAPES = {   # streams that pass the scan, each built to be expensive per byte in its own way
  "empty lists": b"\x80\x04(" + b"]" * 20000 + b"l.",
  "empty dicts": b"\x80\x04(" + b"}" * 20000 + b"l.",
  "empty sets": b"\x80\x04(" + b"\x8f" * 20000 + b"l.",
  "small ints in a dict": b"\x80\x04}(" + b"".join(b"M" + struct.pack("<H", i) + b"N" for i in range(20000)) + b"u.",
  "floats": b"\x80\x04(" + b"G" + struct.pack("<d", 1.5) * 1 + b"".join(b"G" + struct.pack("<d", i) for i in range(20000)) + b"l.",
  "strings": b"\x80\x04(" + b"".join(short(f"s{i}") for i in range(20000)) + b"l.",
  "non-latin strings": b"\x80\x04(" + b"".join(short(f"\U0001f600{i}") for i in range(5000)) + b"l.",
  "tuples": b"\x80\x04(" + b"N\x85" * 20000 + b"l.",
  "placeholders": b"\x80\x04(" + short("tinygrad.uop.ops") + short("UOp") + b"\x93\x94" +
                  b"h\x00)\x81}b" * 10000 + b"l.",
  "placeholder args": b"\x80\x04(" + short("tinygrad.uop.ops") + short("UOp") + b"\x93\x94" +
                      b"h\x00N\x85R" * 10000 + b"l.",
}

@pytest.mark.parametrize("name", SHAPES)
def test_charge_bounds_what_loading_takes(name, report):
  data = SHAPES[name]
  charge = scan_pickle(data)
  peak = measured_peak(data)
  assert peak <= charge, f"{name}: built {peak} bytes, charged {charge}"
  report(f"safe_pickle {name}: {len(data)} bytes of pickle built {peak / len(data):.0f} bytes a byte, charged {charge / len(data):.0f}")

def random_value(rng: random.Random, depth: int = 0):
  """A random nest of the containers and scalars a capture holds."""
  kind = rng.randrange(9 if depth < 3 else 4)
  if kind == 0: return rng.randrange(-2 ** 40, 2 ** 40)
  if kind == 1: return rng.random()
  if kind == 2: return "".join(rng.choice("ab\u00e9\U0001f600") for _ in range(rng.randrange(12)))
  if kind == 3: return rng.randbytes(rng.randrange(16))
  items = [random_value(rng, depth + 1) for _ in range(rng.randrange(12))]
  if kind == 4: return items
  if kind == 5: return tuple(items)
  if kind == 6: return {str(i): v for i, v in enumerate(items)}
  if kind == 7: return {rng.randrange(2 ** 30) for _ in items}
  return [items] * 3                       # shared references: memo gets

def test_random_pickles_never_cost_more_than_charged():
  """What the pickle module writes (protocols 3-5: 2 spells bytes as a call of _codecs.encode) for random nests of
  containers: each passes the scan and builds at most what it was charged."""
  rng = random.Random(11)
  for k in range(200):
    data = pickle.dumps([random_value(rng) for _ in range(rng.randrange(1, 20))], protocol=3 + k % 3)
    charge = scan_pickle(data)
    assert measured_peak(data) <= charge, data[:80]

def test_real_captures_scan_within_budget(real_captures):
  for p in real_captures:
    data = p.read_bytes()
    assert scan_pickle(data) <= memory_budget(len(data))
    assert measured_peak(data) <= scan_pickle(data)

def test_big_byte_strings_left_in_the_file(monkeypatch):
  """safe_load's `lazy`: byte strings of at least LAZY_BYTES outside a frame become what lazy(offset, size) makes,
  the rest of the stream unpickles as before; a string inside a frame is read (frames are read whole)."""
  import struct
  from capture import safe_pickle
  monkeypatch.setattr(safe_pickle, "LAZY_BYTES", 1000)
  big, small = bytes(range(256)) * 400, b"abc"        # (the pickler writes strings over 64 KB outside its frames)
  data = pickle.dumps([big, small, big, {"k": bytearray(3000)}], protocol=5)
  left = lambda offset, size: ("left", offset, size)
  got = safe_pickle.safe_load(io.BytesIO(data), data, lambda m, n: None, left)
  (_, at, size), rest = got[0], got[1:]
  assert size == len(big) and data[at:at + size] == big and got[2] is got[0]     # one string, referenced twice
  assert rest[0] == small and rest[2] == {"k": bytearray(3000)}
  body = b"B" + struct.pack("<I", len(big)) + big + b"."
  framed = b"\x80\x04\x95" + struct.pack("<Q", len(body)) + body
  assert safe_pickle.safe_load(io.BytesIO(framed), framed, lambda m, n: None, left) == big
