#!/usr/bin/env bash
# CTest llamacpp_oracle_ci: the oracle's CI grid (bench/llamacpp-oracle/run.sh --ci, docs/llamacpp-oracle.md
# "In CI") with this build's vramfit and GGUF writer: real llama.cpp (node-llama-cpp's CPU build) loads
# each file and allocates every buffer at 132 grid points; `oracle.mjs check` fails on any point where
# weights or KV cache are not exact, or a real shape's compute buffer or total is off by more than the
# tolerance. Skipped (77) where node or node-llama-cpp is not installed; never installs anything.
#   check_oracle.sh VRAMFIT WRITER BENCH_DIR OUT_DIR
set -euo pipefail
vramfit=$1 writer=$2 bench=$3 out=$4
skip() { echo "SKIP: $*"; exit 77; }
command -v node >/dev/null 2>&1 || skip "node is not installed"
[[ -f $bench/node_modules/node-llama-cpp/package.json ]] ||
  skip "node-llama-cpp is not installed in $bench/node_modules (run 'make llamacpp-deps'; this test never installs)"
rm -rf "$out"
# Compute buffers: 5 % is what every real-shape point meets today (worst: Qwen3 0.6B with flash
# attention, -3.84 %, its query width 2048 above the 1024 hidden size); issue 20's goal is 3 %.
ORACLE_COMPUTE_TOL=${ORACLE_COMPUTE_TOL:-0.05} VRAMFIT=$vramfit WRITER=$writer OUT=$out \
  bash "$bench/../llamacpp-oracle/run.sh" --ci
