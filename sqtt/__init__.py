"""SQ thread-trace (SQTT) decoding, `decode(blob, arch)` -> columnar Packets, and its inverse, `encode_columns`."""
from sqtt.decode import Packets, decode, field_ranges
from sqtt.encode import encode_columns
from sqtt.packets import INST_OPS, KIND, KINDS, LAYOUT_NAMES, arch_layout

__all__ = ["decode", "encode_columns", "Packets", "field_ranges", "KINDS", "KIND", "LAYOUT_NAMES", "INST_OPS", "arch_layout"]
