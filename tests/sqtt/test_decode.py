"""sqtt.decode: framing against tinygrad's decoder on every real buffer, exact fields and times on streams built
packet by packet, and fuzzing (random bytes, truncations, bit flips) that must never raise.

Reference data (tools/sqtt_reference.py writes it from tinygrad, see its `source`):
  reference_counts.json         every buffer of every real capture: packets, per kind, last time, sum of times
  reference_sequences.json.gz   four buffers packet by packet, with wave / simd / cu / op fields
tinygrad only yields a packet while the 16 nibbles from its start are inside the buffer; we decode every
packet that fits, so the comparison is on that prefix and our tail is checked separately.
"""
from __future__ import annotations
import gzip, hashlib, json, re
from functools import lru_cache
from pathlib import Path
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
import sqtt
from sqtt import KIND, KINDS, decode
from sqtt.decode import C_NIBBLES, NK, RULES, _parts, decode_chunks
from sqtt.encode import encode            # the inverse of decode (tests/sqtt/test_encode.py checks it)
from sqtt.packets import CDNA_HEADER, LAYOUTS
from tests.conftest import REAL_CAPTURES

HERE = Path(__file__).parent
REFERENCE = json.loads((HERE / "reference_counts.json").read_text())
SEQUENCES = json.loads(gzip.decompress((HERE / "reference_sequences.json.gz").read_bytes()))
# tinygrad's class names -> ours (layout suffixes and the CDNA_ prefix dropped: kinds are shared across layouts)
RENAME = {"VALUINST": "VALU_INST", "VMEMEXEC": "VMEM_EXEC", "ALUEXEC": "ALU_EXEC", "WAVERDY": "WAVE_READY", "WAVEEND": "WAVE_END",
          "WAVESTART": "WAVE_START", "WAVEALLOC": "WAVE_ALLOC", "UTILCTR": "UTIL_COUNTER"}


def our_name(tinygrad_name: str) -> str:
  n = re.sub("^CDNA_", "", re.sub("_RDNA4$", "", tinygrad_name))
  return RENAME.get(n, n)

@lru_cache(maxsize=None)
def traces(rel: str) -> list[tuple[bytes, str]]:
  from capture import load_capture
  cap = load_capture(str(next(p for p in REAL_CAPTURES if f"{p.parent.name}/{p.name}" == rel)))
  arch = {d.name: d.arch for d in cap.devices}
  return [(t.blob, arch.get(t.device, "")) for t in cap.traces]

def sizes(p: sqtt.Packets) -> np.ndarray: return RULES[p.key, C_NIBBLES]

def check_invariants(p: sqtt.Packets, n_bytes: int):
  """What must hold for any input: contiguous framing inside the buffer, valid ids, a well-formed error."""
  assert len(p.offset) == len(p.kind) == len(p.time) == len(p.raw) == len(p.layout)
  assert p.error is None or (isinstance(p.error, tuple) and 0 <= p.error[0] <= n_bytes and isinstance(p.error[1], str))
  if not len(p): return
  end = p.offset + sizes(p)
  assert p.offset[0] == 0 and (p.offset[1:] == end[:-1]).all() and end[-1] <= 2 * n_bytes
  assert (p.kind < NK).all() and (p.layout < len(LAYOUTS)).all()
  if p.error is None: assert end[-1] == 2 * n_bytes      # no error: every nibble belongs to a packet
  for name in ("wave", "simd", "cu", "op", "delta", "mask"): assert len(p.field(name)) == len(p)

# ---------------------------------------------------------------------------------------------------
# real captures against tinygrad

def test_reference_covers_every_real_buffer(real_captures):
  pinned = {(b["capture"], b["trace"]) for b in REFERENCE["buffers"]}
  real = {(f"{p.parent.name}/{p.name}", i) for p in real_captures for i in range(len(traces(f"{p.parent.name}/{p.name}")))}
  assert pinned == real

def test_reference_counts(capture_path):
  rel = f"{capture_path.parent.name}/{capture_path.name}"
  rows = [b for b in REFERENCE["buffers"] if b["capture"] == rel]
  for row, (blob, arch) in zip(rows, traces(rel), strict=True):
    where = f"{rel} trace {row['trace']}"
    assert hashlib.sha256(blob).hexdigest()[:16] == row["sha256"], f"{where}: the capture changed; rerun tools/sqtt_reference.py"
    p = decode(blob, arch)
    check_invariants(p, len(blob))
    seen = p[p.offset + 16 <= 2 * len(blob)]             # what tinygrad's 64-bit window reaches
    assert len(seen) == row["packets"], where
    want = {}
    for name, n in row["kinds"].items(): want[our_name(name)] = want.get(our_name(name), 0) + n
    assert seen.counts() == want, where
    assert int(seen.time[-1]) == row["last_time"] and int(seen.time.sum()) == row["time_sum"], where
    # past tinygrad's window: the packets that still fit, then at most a cut-off last packet
    assert p.error is None or (p.error[0] >= len(blob) - 8 and "runs past the end" in p.error[1]), (where, p.error)

@pytest.mark.parametrize("key", sorted(SEQUENCES["buffers"]))
def test_reference_sequences(key, real_captures):
  rel, trace = key.split("#")
  blob, arch = traces(rel)[int(trace)]
  ref = SEQUENCES["buffers"][key]
  p = decode(blob, arch)
  p = p[:len(ref["kind"])]
  assert list(p.names) == [our_name(ref["names"][k]) for k in ref["kind"]]
  assert (sizes(p) == ref["nibbles"]).all() and (p.time == ref["time"]).all()
  assert (p.offset == np.concatenate([[0], np.cumsum(ref["nibbles"])[:-1]])).all()
  detail = SEQUENCES["fields"]
  assert ref["fields"], "pinned buffers were chosen for their wave packets"
  for i, *values in ref["fields"]:
    names = detail[next(n for n in detail if our_name(n) == KINDS[p.kind[i]] and (n.startswith("CDNA_") == (arch == "gfx950")))]
    assert [int(p.field(f)[i]) for f in names] == values, (i, KINDS[p.kind[i]])

def test_times_monotonic(capture_path):
  for blob, arch in traces(f"{capture_path.parent.name}/{capture_path.name}"):
    assert (np.diff(decode(blob, arch).time) >= 0).all()

def test_waves_start_and_end(capture_path):
  """Every wave that starts ends later on the same (cu, simd, slot): the ids the instruction mapper will key on."""
  for blob, arch in traces(f"{capture_path.parent.name}/{capture_path.name}"):
    p = decode(blob, arch)
    ident = np.stack([p.field("cu"), p.field("simd"), p.field("wave")], 1)
    live: dict[tuple, int] = {}
    for i in np.flatnonzero(p.mask("WAVE_START", "WAVE_END")):
      k = tuple(ident[i])
      if p.kind[i] == KIND["WAVE_START"]: assert k not in live; live[k] = i
      else: assert k in live and p.time[live.pop(k)] <= p.time[i]
    assert not live

def test_header_decides_layout_without_arch(capture_path):
  for blob, arch in traces(f"{capture_path.parent.name}/{capture_path.name}"):
    a, b = decode(blob), decode(blob, arch)
    assert a.stream_layout == sqtt.arch_layout(arch) and (a.raw == b.raw).all() and a.error == b.error

def test_interpreted_loop_equals_compiled(monkeypatch):
  """Without numba the same loop runs as plain Python: same packets."""
  import sys
  mod = sys.modules["sqtt.decode"]
  bufs = [traces("gfx1100/profile_plus_run_0.pkl")[0], traces("gfx1200/profile_plus_run_0.pkl")[1], traces("gfx950/profile_plus_run_0.pkl")[2]]
  compiled = [decode(b, a) for b, a in bufs]
  monkeypatch.setattr(mod, "compiled", lambda fn, **calls: fn)    # sqtt.jit's job undone: _frame_new calls _frame as Python
  for (b, a), c in zip(bufs, compiled):
    i = decode(b[:1500], a)
    n = len(i)
    assert n > 100 and all((getattr(i, f) == getattr(c, f)[:n]).all() for f in ("offset", "kind", "time", "raw", "layout"))

def test_python_ints_loop_equals_compiled(capture_path):
  """Inside sqtt.jit.interpreted() (small captures) the loop runs over bytes and lists with Python ints: the same
  packets and the same first error as the compiled loop, on every buffer of every real capture."""
  from sqtt.jit import interpreted
  for blob, arch in traces(f"{capture_path.parent.name}/{capture_path.name}"):
    c = decode(blob, arch)
    with interpreted(): i = decode(blob, arch)
    assert all((getattr(i, f) == getattr(c, f)).all() for f in ("offset", "kind", "time", "raw", "layout")) and i.error == c.error

# ---------------------------------------------------------------------------------------------------
# streams built packet by packet

def test_real_rdna3_header_is_what_the_table_says():
  blob, _ = traces("gfx1100/profile_empty_run_0.pkl")[0]
  p = decode(blob[:8])
  assert KINDS[p.kind[0]] == "LAYOUT_HEADER" and p.fields(0)["layout"] == 3 and p.error is None

def test_rdna3_stream():
  pk = [("LAYOUT_HEADER", dict(layout=3)),
        ("WAVE_START", dict(delta=1, sa=1, simd=2, wgp=5, wave=7, uid=99)),
        ("INST", dict(delta=2, wave=7, op=0x03)),
        ("VALU_INST", dict(delta=3, wave=7)),
        ("NOP", {}),
        ("TS_DELTA_SHORT", dict(delta=5)),                       # +5+4
        ("TS_DELTA_OR_MARK", dict(delta=1000)),
        ("TS_DELTA_OR_MARK", dict(delta=77, rt=1)),              # a marker: the clock does not move
        ("TS_DELTA_OR_MARK", dict(delta=5, rt=1, pl=1)),
        ("IMMEDIATE_MASK", dict(delta=1, mask=0b1010)),
        ("WAVE_END", dict(delta=4, sa=1, simd=2, wgp=5, wave=7)),
        ("TS_DELTA_S8_W3", dict(delta=2)),                       # 72 bits: longer than the 64-bit window
        ("ALU_EXEC", dict(delta=1, src=2))]
  blob = encode("rdna3", pk)
  p = decode(blob, "gfx1100")
  assert p.error is None and p.stream_layout == "rdna3"
  assert list(p.names) == [n for n, _ in pk]
  assert p.time.tolist() == [0, 1, 3, 6, 6, 15, 1015, 1015, 1020, 1021, 1025, 1027, 1028]
  assert p.offset.tolist() == np.cumsum([0, 16, 8, 5, 3, 1, 2, 12, 12, 12, 6, 5, 18]).tolist()
  for i, (name, fields) in enumerate(pk): assert {k: v for k, v in p.fields(i).items() if k in fields} == fields, name
  assert p.field("cu")[[1, 10]].tolist() == [5 | 1 << 3] * 2 and p.field("wave")[[1, 2, 3, 10]].tolist() == [7] * 4
  assert p.field("wave")[0] == -1 and p.op_name(2) == "JUMP" and p.field("mask")[9] == 0b1010
  assert "src=VALU" in p.describe(12)

def test_rdna4_stream_and_layout_switch():
  rdna4 = [("WAVE_START", dict(delta=1, sa=1, simd=3, wgp=9, wave=21)),
           ("INST", dict(delta=2, wave=21, op=0x8c, wave64_hi=1)),
           ("TS_DELTA_OR_MARK", dict(delta=50, rt=1)),               # layout 4 moves rt to bit 7: a marker
           ("TS_DELTA_S5_W3", dict(delta=6)),
           ("WAVE_END", dict(delta=1, sa=1, simd=3, wgp=9, wave=21))]
  p = decode(encode("rdna4", [("LAYOUT_HEADER", dict(layout=4))] + rdna4))
  assert p.error is None and p.stream_layout == "rdna4" and p.time.tolist() == [0, 1, 3, 3, 9, 10]
  assert p.field("cu")[[1, 5]].tolist() == [9 | 1 << 4] * 2 and p.op_name(2) == "WMMA_8" and p.fields(2)["wave64_hi"] == 1
  # an rdna3 stream whose second header says layout 4: what follows decodes with the layout 4 table
  both = encode("rdna3", [("LAYOUT_HEADER", dict(layout=3)), ("WAVE_START", dict(wgp=5, wave=3)), ("NOP", {}), ("NOP", {}),
                          ("LAYOUT_HEADER", dict(layout=4))]) + encode("rdna4", rdna4)
  q = decode(both, "gfx1100")
  assert q.error is None and q.layout.tolist() == [0] * 5 + [1] * 5
  assert q.field("wave")[[1, 5]].tolist() == [3, 21] and q.field("wgp")[[1, 5]].tolist() == [5, 9]

def test_cdna_stream():
  pk = [("LAYOUT_HEADER", dict(layout=0)),
        ("MISC", dict(delta=5)),                                 # units of 4 cycles: 20
        ("TIMESTAMP", dict(tag=0, timestamp=1000)),              # first absolute stamp anchors: base = 1000 - 20
        ("MISC", dict(delta=1)),
        ("TIMESTAMP", dict(tag=0, timestamp=1100)),              # re-sync: ((1100 - 980) & ~3) - 4
        ("TIMESTAMP", dict(tag=5, timestamp=99999)),             # tagged: not a clock
        ("WAVE_START", dict(cu=3, simd=1, wave=2, sh=1)),
        ("INST", dict(wave=2, simd=1, op=12)),
        ("WAVE_END", dict(cu=3, simd=1, wave=2))]
  p = decode(encode("cdna", pk), "gfx950")
  assert p.error is None and p.stream_layout == "cdna" and list(p.names) == [n for n, _ in pk]
  assert p.time.tolist() == [0, 20, 20, 24, 116, 116, 116, 116, 116]
  assert p.field("cu")[[6, 8]].tolist() == [3, 3] and p.op_name(7) == "JUMP" and p.field("simd")[7] == 1
  assert decode(encode("cdna", pk)).stream_layout == "cdna"       # the header alone says so

# ---------------------------------------------------------------------------------------------------
# bad input: reported, never raised

HEADER3 = encode("rdna3", [("LAYOUT_HEADER", dict(layout=3))])

def test_unknown_id_skips_a_nibble():
  blob = HEADER3 + bytes([0x07]) + encode("rdna3", [("VALU_INST", dict(delta=1, wave=4)), ("NOP", {})])
  p = decode(blob)
  assert p.error[0] == 8 and "unknown packet id" in p.error[1]
  assert list(p.names)[:4] == ["LAYOUT_HEADER", "UNKNOWN", "NOP", "VALU_INST"] and p.field("wave")[3] == 4

def test_output_grows_past_one_packet_a_byte():
  p = decode(HEADER3 + bytes(5000))                   # NOP padding: two packets a byte
  assert p.error is None and len(p) == 10001 and p.counts() == {"NOP": 10000, "LAYOUT_HEADER": 1}

def test_truncated_packet_stops():
  blob = HEADER3 + encode("rdna3", [("REG", dict(value=5))])[:5]
  p = decode(blob)
  assert len(p) == 1 and p.error[0] == 8 and "REG packet" in p.error[1] and "stopped" in p.error[1]

def test_bad_mid_stream_header():
  p = decode(HEADER3 + encode("rdna3", [("LAYOUT_HEADER", dict(layout=9)), ("NOP", {}), ("NOP", {})]))
  assert p.error[0] == 8 and "unknown layout 9" in p.error[1] and p.layout.tolist() == [0, 0, 0, 0]

@pytest.mark.parametrize("blob, arch, words", [
  (b"", None, None), (b"", "gfx1100", None),
  (bytes(64), None, "assumed rdna3"), (bytes(64), "gfx950", "no stream header"),
  (HEADER3, "gfx1201", "following the header"), (HEADER3 * 4, "gfx1030", "unsupported arch"), (HEADER3, "nonsense", "unsupported arch"),
  (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), None, "no stream header"),
])
def test_stream_problems(blob, arch, words):
  p = decode(blob, arch)
  check_invariants(p, len(blob))
  assert (p.error is None) if words is None else (words in p.error[1] and p.error[0] == 0)

ARCHS = st.sampled_from([None, "gfx1100", "gfx1201", "gfx950", "gfx1030"])
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

@FUZZ
@given(st.binary(max_size=600), ARCHS)
def test_fuzz_random_bytes(blob, arch):
  check_invariants(decode(blob, arch), len(blob))

@FUZZ
@given(st.binary(max_size=300), st.sampled_from([0, 1, 2]))
def test_fuzz_random_bytes_after_a_header(tail, which):
  head = [HEADER3, encode("rdna4", [("LAYOUT_HEADER", dict(layout=4))]), encode("cdna", [("LAYOUT_HEADER", {})])][which]
  check_invariants(decode(head + tail), len(head) + len(tail))

REAL = [(rel, i) for rel in ("gfx1100/profile_gemm_run_0.pkl", "gfx1200/profile_handwritten_run_0.pkl", "gfx950/profile_plus_run_0.pkl")
        for i in range(3)]

def real_buffer(which: int) -> tuple[bytes, str]:
  rel, i = REAL[which]
  return traces(rel)[i]

@FUZZ
@given(st.integers(0, len(REAL) - 1), st.floats(0, 1), st.booleans())
def test_fuzz_truncated_real_buffer(which, where, with_arch):
  """Decoding is causal: a cut buffer decodes to the whole one's packets that end before the cut."""
  blob, arch = real_buffer(which)
  cut = 8 + int(where * (len(blob) - 8))
  whole, part = decode(blob, arch), decode(blob[:cut], arch if with_arch else None)
  check_invariants(part, cut)
  keep = whole[whole.offset + sizes(whole) <= 2 * cut]
  assert len(part) == len(keep) and all((getattr(part, f) == getattr(keep, f)).all() for f in ("offset", "kind", "time", "raw"))
  assert part.error is None or "runs past the end" in part.error[1]

@FUZZ
@given(st.integers(0, len(REAL) - 1), st.lists(st.tuples(st.floats(0, 1), st.integers(0, 7)), min_size=1, max_size=8), ARCHS)
def test_fuzz_bit_flips_in_real_buffer(which, flips, arch):
  blob = bytearray(real_buffer(which)[0])
  for where, bit in flips: blob[int(where * (len(blob) - 1))] ^= 1 << bit
  check_invariants(decode(bytes(blob), arch), len(blob))

@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(range(len(REAL))), min_size=2, max_size=5))
def test_fuzz_concatenated_real_buffers(order):
  """Streams glued together (what the benchmark's big buffer is): still framed end to end."""
  blob = b"".join(real_buffer(i)[0] for i in order)
  check_invariants(decode(blob), len(blob))

class InFile:
  """A buffer read on demand, as a big trace buffer left in its capture file is (capture.FileBytes)."""
  def __init__(self, blob: bytes): self.blob, self.reads = blob, 0
  def __len__(self) -> int: return len(self.blob)
  def readinto(self, buf, start: int) -> int:
    n = min(len(buf), len(self.blob) - start)
    memoryview(buf).cast("B")[:n] = self.blob[start:start + n]
    self.reads += 1
    return n

def same_packets(blob, arch, window: int, chunk: int, monkeypatch) -> None:
  import sys
  monkeypatch.setattr(sys.modules["sqtt.decode"], "WINDOW", window)
  whole, src = decode(blob, arch), InFile(blob)
  parts = [(*(getattr(p, f).copy() for f in ("offset", "kind", "time", "raw", "layout")), p.error)
           for p in decode_chunks(src, arch, chunk)]
  cols = [np.concatenate([p[k] for p in parts]) for k in range(5)]
  assert all((c == getattr(whole, f)).all() for c, f in zip(cols, ("offset", "kind", "time", "raw", "layout")))
  assert parts[-1][5] == whole.error and (src.reads >= len(blob) // window or not len(whole))

def test_windows_of_a_file_decode_as_the_whole(capture_path, monkeypatch):
  """A buffer read from its file a window at a time (windows of 97 bytes: every one is crossed by packets) frames
  exactly as the whole buffer does: offsets, clock, layout switches and the first error, chunk after chunk."""
  for blob, arch in traces(f"{capture_path.parent.name}/{capture_path.name}"):
    for chunk in (50, 1 << 21): same_packets(blob, arch, 97, chunk, monkeypatch)

@FUZZ
@given(st.integers(0, len(REAL) - 1), st.lists(st.tuples(st.floats(0, 1), st.integers(0, 7)), max_size=8), ARCHS,
       st.integers(33, 400), st.integers(1, 300))
def test_fuzz_windows_of_damaged_buffers(which, flips, arch, window, chunk):
  """Bad bytes (unknown ids, cut packets, bad headers) report the same first error, at the same byte, read a
  window at a time as whole."""
  import pytest
  blob = bytearray(real_buffer(which)[0])
  for where, bit in flips: blob[int(where * (len(blob) - 1))] ^= 1 << bit
  with pytest.MonkeyPatch.context() as mp: same_packets(bytes(blob), arch, window, chunk, mp)
