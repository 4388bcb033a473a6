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
# Compute buffers: 3 % on every real shape (issue 20), and the print resolution (0.005 MiB) on every
# point of an architecture whose allocation vramfit replays (llamacpp_graph.hpp), tiny ones included.
ORACLE_COMPUTE_TOL=${ORACLE_COMPUTE_TOL:-0.03} VRAMFIT=$vramfit WRITER=$writer OUT=$out \
  bash "$bench/../llamacpp-oracle/run.sh" --ci
