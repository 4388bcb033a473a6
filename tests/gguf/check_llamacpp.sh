#!/usr/bin/env bash
# Real llama.cpp accepts the GGUF files vramfit's writer makes (ctest: gguf_llamacpp_accepts_fixtures).
#
#   check_llamacpp.sh WRITER FIXTURES_DIR BENCH_DIR WORK_DIR
#
# 1. `npx node-llama-cpp inspect gguf` reads each file (node-llama-cpp's GGUF parser);
# 2. bench/llamacpp/measure.mjs --check loads each into llama.cpp's CPU build, creates a context and
#    decodes a token (llama.cpp's own loader: offsets, ggml block sizes, required tensors and keys).
# Needs node, npx and node-llama-cpp installed in BENCH_DIR/node_modules (`npm ci` there). Where they
# are missing the test is skipped (exit 77) with the reason; it never installs anything.
set -euo pipefail

writer=$1 fixtures=$2 bench=$3 work=$4

skip() { echo "SKIP: $*"; exit 77; }
command -v node >/dev/null 2>&1 || skip "node is not installed"
command -v npx >/dev/null 2>&1 || skip "npx is not installed"
[[ -f $bench/node_modules/node-llama-cpp/package.json ]] ||
  skip "node-llama-cpp is not installed in $bench/node_modules (run 'npm ci' there; this test never installs)"

mkdir -p "$work"
# model, mix, tensor count (token_embd + 9 per block + output_norm [+ output]; qwen2 +3 biases,
# qwen3 +2 norms per block)
cases=(
  "gguf-tiny-llama Q8_0 21"
  "gguf-tiny-qwen2 F16 26"
  "gguf-tiny-qwen3 Q4_0 24"
  "llama-3.2-1b Q4_K_M 146"
)
files=()
for c in "${cases[@]}"; do
  read -r model mix tensors <<<"$c"
  f=$work/$model-$mix.gguf
  "$writer" --catalog-dir "$fixtures" "$model" "$mix" "$f" >/dev/null
  out=$( (cd "$bench" && npx --no-install node-llama-cpp inspect gguf "$f") 2>&1) || {
    echo "FAIL: inspect gguf $f"; echo "$out"; exit 1; }
  for want in "GGUF version: 3" "Tensor count: $tensors"; do
    grep -qF "$want" <<<"$out" || { echo "FAIL: inspect gguf $f: no '$want'"; echo "$out"; exit 1; }
  done
  echo "ok: inspect gguf $model $mix ($tensors tensors)"
  files+=("$f")
done

node "$bench/measure.mjs" --check "${files[@]}" || { echo "FAIL: llama.cpp did not load and run every file"; exit 1; }
echo "ok: llama.cpp loaded each file and decoded a token"
