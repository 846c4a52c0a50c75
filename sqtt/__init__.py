"""SQ thread-trace (SQTT) decoding: `decode(blob, arch)` -> columnar Packets."""
from sqtt.decode import Packets, decode, field_ranges
from sqtt.packets import INST_OPS, KIND, KINDS, LAYOUT_NAMES, arch_layout

__all__ = ["decode", "Packets", "field_ranges", "KINDS", "KIND", "LAYOUT_NAMES", "INST_OPS", "arch_layout"]
