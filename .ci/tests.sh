#!/usr/bin/env bash
# The test command: install what the tests need, then run them.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v llvm-objdump-19 >/dev/null || ! command -v clang-19 >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq llvm-19 clang-19 lld-19 >/dev/null
fi
python3 -m pip install -q -e '.[test]'
python3 -m pytest -q "$@"
