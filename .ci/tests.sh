#!/usr/bin/env bash
# The test command: install what the tests need, then run them.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v llvm-objdump-19 >/dev/null || ! command -v clang-19 >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq llvm-19 clang-19 lld-19 >/dev/null
fi
# gfx950 is checked against LLVM 22 (llvm-objdump-22, llvm-mc-22, and llc-22 for the corpus: no clang-22 needed)
if ! command -v llvm-objdump-22 >/dev/null || ! command -v llc-22 >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq llvm-22 >/dev/null
fi
# the browser tests (tests/viz/test_browser.py): Debian's chromium, driven by the playwright package's own
# driver (never `playwright install`), and the font the viewer's CSS names first, so screenshots are stable
if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -q "DejaVu Sans Mono"; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi
python3 -m pip install -q -e '.[test]'
python3 -m pytest -q "$@"
