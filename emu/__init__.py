"""The wave simulator: run a kernel's machine code on numpy lanes, with a cycle model and the SQ thread trace the
hardware would write. `emu.run(code, kernel, grid, block, args)` -> Run (see emu/run.py)."""
from emu.execute import EmuError, Unsupported
from emu.dispatch import Run, run
