"""sqtt/encode.py: decode(encode(packets)) gives back the same packets, for every packet kind of every layout with
random field values, and the real captures' buffers re-encode from their decoded fields byte for byte."""
from __future__ import annotations
import numpy as np
import pytest
from sqtt import KIND, KINDS, decode
from sqtt.decode import _cut, field_ranges
from sqtt.encode import EncodeError, encode, encode_columns
from sqtt.packets import LAYOUTS
from tests.sqtt.test_decode import traces

HEADER = {"rdna3": 3, "rdna4": 4, "cdna": 0}
ARCH = {"rdna3": "gfx1100", "rdna4": "gfx1200", "cdna": "gfx950"}


def random_stream(layout: str, rng, copies: int = 20) -> list[tuple[str, dict]]:
  """The layout's header, then every other packet kind `copies` times in random order, with random bits: the fields
  are cut from one random value, so fields the table lets overlap (REG's slot and hi_byte, cu and wgp) agree."""
  rows = [p for p in LAYOUTS[layout] if p.name != "LAYOUT_HEADER"]
  order = rng.permutation(np.repeat(np.arange(len(rows)), copies))
  out = [("LAYOUT_HEADER", {"layout": HEADER[layout]})]
  for k in order:
    p = rows[k]
    raw = int(rng.integers(0, 1 << 62)) << 2 | int(rng.integers(0, 4))
    out.append((p.name, {f: _cut(raw, r) for f, r in p.fields.items()}))
  return out


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_every_kind_round_trips(layout):
  rng = np.random.default_rng(7)
  pk = random_stream(layout, rng)
  p = decode(encode(layout, pk), ARCH[layout])
  assert p.error is None
  assert list(p.names[:len(pk)]) == [n for n, _ in pk]
  assert all(p.names[len(pk):] == "NOP")                            # at most the padding nibble
  for i, (name, fields) in enumerate(pk):
    got = p.fields(i)
    assert {f: got[f] for f in fields} == fields, (i, name)
  assert {n for n, _ in pk} == {r.name for r in LAYOUTS[layout]} | {"LAYOUT_HEADER"}   # every kind was there


def test_real_buffers_re_encode_exactly(capture_path):
  """A real buffer decoded to columns (with the raw bits, which hold bits no field names) and encoded again is the
  same bytes, up to where the decoder stopped."""
  for blob, arch in traces(f"{capture_path.parent.name}/{capture_path.name}"):
    p = decode(blob, arch)
    layouts = {p.stream_layout}
    assert len(layouts) == 1
    layout = p.stream_layout
    names = [KINDS[k] for k in p.kind]
    cols: dict[str, np.ndarray] = {}
    for i, name in enumerate(names):                               # fields per packet, gathered into columns
      for f, v in p.fields(i).items():
        cols.setdefault(f, np.zeros(len(names), np.int64))[i] = v
    out = encode_columns(layout, names, cols, raw=p.raw)
    end = int(p.offset[-1]) + _bits(layout, names[-1]) if len(names) else 0   # nibbles decoded
    assert out[:end // 2] == blob[:end // 2]


def _bits(layout: str, name: str) -> int:
  rows = {r.name: r for r in LAYOUTS[layout]}
  return rows[name].bits // 4 if name in rows else 16


def test_columns_with_kind_numbers_and_wide_values():
  names = ["WAVE_START", "INST", "WAVE_END"]
  by_name = encode("rdna3", [("LAYOUT_HEADER", {"layout": 3})] + [(n, {"wave": 5, "delta": 1}) for n in names])
  by_number = encode_columns("rdna3", np.array([KIND["LAYOUT_HEADER"]] + [KIND[n] for n in names]),
                             {"layout": np.array([3, 0, 0, 0]), "wave": np.array([0, 5, 5, 5]), "delta": np.array([0, 1, 1, 1])})
  assert by_name == by_number
  with pytest.raises(EncodeError, match="INST.wave=99 at packet 0 does not fit its 5 bits"):
    encode("rdna3", [("INST", {"wave": 99})])
  with pytest.raises(EncodeError, match="no TIMESTAMP packet in the rdna3 layout"):
    encode("rdna3", [("TIMESTAMP", {})])
  assert field_ranges("rdna3", "INST")["wave"]
