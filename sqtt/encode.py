"""SQ thread-trace encoding: packets -> the bytes the hardware writes, the inverse of sqtt.decode over the same
tables (sqtt.packets). For the simulator, which writes millions of packets: columns in, no Python loop per packet.

A packet's value is its id bits (the row's `match`) with each field's value cut into the field's bit ranges (low
part first); its nibbles go out least significant first, two to a byte, low nibble first. A stream that ends on
an odd nibble is padded with a zero nibble (an RDNA NOP; CDNA packets are whole bytes).
"""
from __future__ import annotations
from typing import Mapping, Sequence
import numpy as np
from sqtt.packets import CDNA_HEADER, KIND, KINDS, LAYOUTS

KINDS_BY_NUMBER = dict(enumerate(KINDS))


def _rows(layout: str) -> dict[str, object]:
  rows = {p.name: p for p in LAYOUTS[layout]}
  if layout == "cdna": rows["LAYOUT_HEADER"] = CDNA_HEADER        # the header comes first, by position
  return rows


def _ranges(r) -> tuple:
  return (r,) if isinstance(r[0], int) else r


class EncodeError(ValueError):
  pass


def encode_columns(layout: str, kinds: Sequence[str] | np.ndarray, fields: Mapping[str, np.ndarray] | None = None,
                   raw: np.ndarray | None = None) -> bytes:
  """Packets as columns: kinds (names, or sqtt.KIND numbers) and, per field name, one value per packet (a field
  a packet's row does not have is ignored for it; a missing column is 0). `raw`: each packet's low 64 bits as
  they stand (sqtt.Packets.raw), fields then added over them: so bits no field names survive a round trip. A
  value too wide for its field raises EncodeError naming the packet and field."""
  rows = _rows(layout)
  kinds = np.asarray(kinds)
  n = len(kinds)
  if kinds.dtype.kind not in "iu":             # names -> kind numbers: the work below compares small ints
    try: kinds = np.array([KIND[k] for k in kinds.tolist()], dtype=np.int64)
    except KeyError as e: raise EncodeError(f"no {e.args[0]} packet in the {layout} layout") from None
  lo = np.zeros(n, np.uint64) if raw is None else np.asarray(raw).astype(np.uint64)   # bits 0..63 of each packet
  hi = np.zeros(n, np.uint64)                 # bits 64..127 (the 72-bit packets)
  nibbles = np.zeros(n, np.int64)
  columns = {k: np.asarray(v, dtype=np.int64) for k, v in (fields or {}).items()}
  order = np.argsort(kinds, kind="stable")
  present, starts = np.unique(kinds[order], return_index=True)
  for number, a, b in zip(present.tolist(), starts.tolist(), [*starts[1:].tolist(), n]):
    name = KINDS_BY_NUMBER.get(number, str(number))
    row = rows.get(name)
    if row is None: raise EncodeError(f"no {name} packet in the {layout} layout")
    sel = order[a:b]
    nibbles[sel] = row.bits // 4
    lo[sel] |= np.uint64(int(row.match, 2))
    for f, r in row.fields.items():
      if f not in columns: continue
      v = columns[f][sel].astype(np.uint64)
      if (columns[f][sel] < 0).any(): raise EncodeError(f"{name}.{f}: negative value at packet {int(sel[np.argmax(columns[f][sel] < 0)])}")
      shift = 0
      for h, l in _ranges(r):
        width = h - l + 1
        part = (v >> np.uint64(shift)) & np.uint64((1 << width) - 1)
        if l >= 64: hi[sel] |= part << np.uint64(l - 64)
        else:
          lo[sel] |= part << np.uint64(l)
          if l + width > 64: hi[sel] |= part >> np.uint64(64 - l)
        shift += width
      too_wide = (v >> np.uint64(shift)) != 0 if shift < 64 else np.zeros(len(sel), bool)
      if too_wide.any():
        k = int(sel[np.argmax(too_wide)])
        raise EncodeError(f"{name}.{f}={int(columns[f][k])} at packet {k} does not fit its {shift} bits")
  # every packet's nibbles, in order: packet p's j-th nibble is bits 4j..4j+3 of its value
  total = int(nibbles.sum())
  owner = np.repeat(np.arange(n), nibbles)
  j = np.arange(total) - np.repeat(np.cumsum(nibbles) - nibbles, nibbles)
  word = np.where(j < 16, lo[owner], hi[owner])
  nib = ((word >> (np.uint64(4) * (j % 16).astype(np.uint64))) & np.uint64(0xF)).astype(np.uint8)
  if total % 2: nib = np.append(nib, np.uint8(0))
  return (nib[0::2] | (nib[1::2] << 4)).astype(np.uint8).tobytes()


def encode(layout: str, packets: Sequence[tuple[str, dict]]) -> bytes:
  """Packets as (name, fields) pairs: for tests and small streams; encode_columns for big ones."""
  names = [p[0] for p in packets]
  keys = dict.fromkeys(k for _, f in packets for k in f)
  cols = {k: np.array([f.get(k, 0) for _, f in packets], dtype=np.int64) for k in keys}
  return encode_columns(layout, names, cols)


