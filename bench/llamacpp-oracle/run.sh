#!/usr/bin/env bash
# llama.cpp as an oracle for vramfit's memory terms (docs/llamacpp-oracle.md):
#   1. builds vramfit and vramfit_gguf_write (BUILD, default build-oracle);
#   2. writes zero-weight GGUF files: a tiny model of every architecture family the writer supports
#      (tests/gguf/fixtures/models.yaml) and a few real shapes from the catalog (sparse files);
#   3. loads each with the llama.cpp CPU build inside node-llama-cpp and creates a context at every
#      point of a grid (context, n_ubatch, KV type, flash attention, sequences), recording the buffer
#      sizes llama.cpp logs, and asks `vramfit estimate FILE.gguf --json` for the same point;
#   4. writes OUT/oracle.json (every point, vramfit's error per term) and OUT/oracle.md (tables).
#
#   bash bench/llamacpp-oracle/run.sh           the full grid (a few minutes on 2 cores)
#   bash bench/llamacpp-oracle/run.sh --quick   three tiny families and Llama 3.2 1B, a small grid
#   bash bench/llamacpp-oracle/run.sh --ci      a CI grid, then `oracle.mjs check` (fails on a miss)
#   bash bench/llamacpp-oracle/run.sh --real-moe  real MoE and hybrid shapes (DeepSeek V3 671B ... Mixtral;
#                                               sparse files, 36-713 GB apparent, a few MiB on disk) at
#                                               4096 cells, n_ubatch 512, then `oracle.mjs check` (~10 min)
#   VRAMFIT=... WRITER=... bash bench/llamacpp-oracle/run.sh --ci   with given binaries (no build)
#   BUILD=build-x OUT=/tmp/x bash bench/llamacpp-oracle/run.sh
#
# Needs node and node-llama-cpp installed in bench/llamacpp/node_modules (`npm ci` there; this script
# never installs). No decoding is done: creating a context allocates the KV cache and reserves the
# compute graph, which is all the buffers there are. Memory: up to about 3 GiB (Qwen3 0.6B's KV cache at
# 16384 cells), mostly the cleared KV buffer; the weights are sparse zero pages.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-$root/build-oracle}
OUT=${OUT:-$BUILD/llamacpp-oracle}
quick=0 ci=0 real_moe=0
[[ ${1:-} == --quick ]] && quick=1
[[ ${1:-} == --ci ]] && ci=1
[[ ${1:-} == --real-moe ]] && real_moe=1

[[ -f $root/bench/llamacpp/node_modules/node-llama-cpp/package.json ]] ||
  { echo "node-llama-cpp is not installed: run 'npm ci' in bench/llamacpp" >&2; exit 2; }

if [[ -n ${VRAMFIT:-} && -n ${WRITER:-} ]]; then
  # Binaries given (the CTest check llamacpp_oracle_quick passes the suite's own): no build here.
  vramfit=$VRAMFIT writer=$WRITER
else
  echo "== build ($BUILD)"
  cmake -S "$root" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DVRAMFIT_BUILD_BENCH=OFF >/dev/null
  cmake --build "$BUILD" -j 2 --target vramfit vramfit_gguf_write >/dev/null
  vramfit=$BUILD/vramfit writer=$BUILD/tests/gguf/vramfit_gguf_write
fi
mkdir -p "$OUT/gguf"
rm -f "$OUT"/gguf/*.gguf

# model quant shape. Q8_0 everywhere: this CPU (AVX-512) repacks Q4_0, Q4_K, IQ4_NL and MXFP4 into a
# CPU_REPACK buffer that vramfit does not model; gpt-oss keeps its MXFP4 experts to show that buffer.
# Real shapes: dense GQA with a 128k vocabulary (Llama 3.2 1B and 3B), QK norm (Qwen3 1.7B; Qwen3 0.6B
# with heads wider than the model, 16 x 128 > 1024), QKV bias (Qwen2.5 0.5B), sliding window and a 262k
# vocabulary (Gemma 3 1B). No real MoE shape: the smallest (gpt-oss-20b, Qwen3-30B-A3B) are 12+ GiB and
# MXFP4/Q4 experts are repacked (read) on this CPU; the tiny MoE fixtures stand in.
tiny=(llama qwen2 qwen3 mixtral qwen3moe gemma2 gemma3 phi3 command-r deepseek-v3 deepseek-v2-lite
      gpt-oss jamba granite-hybrid qwen3-next glm4moe llama4 qwen2vl qwen35 qwen35moe nemotron-h nemotron-h-moe
      minimax-m2 qwen3vl qwen3vlmoe gemma4)
real=(llama-3.2-1b llama-3.2-3b qwen3-0.6b qwen3-1.7b qwen2.5-0.5b gemma-3-1b gemma-4-e2b)
if ((ci)); then
  # The CTest check llamacpp_oracle_ci (a few minutes): every kind of cache (full, sliding, recurrent,
  # MLA, MoE with MXFP4 experts) and four real shapes, both KV types, flash attention on and off.
  tiny=(llama qwen3moe gemma3 qwen3-next qwen35moe jamba gpt-oss deepseek-v3 qwen3vlmoe gemma4)
  real=(llama-3.2-1b qwen3-0.6b qwen2.5-0.5b gemma-3-1b)
  grid='{"contexts": [512, 4096], "batches": [512], "kv": ["f16", "q8_0"], "flash_attention": [true, false], "sequences": [1, 4], "max_cells": 16384}'
elif ((real_moe)); then
  # Real shapes of every replayed MoE and hybrid family. Q8_0 is not repacked on x86, so llama.cpp maps
  # the zero pages and never reads them: loading a 713 GB DeepSeek V3 file takes seconds.
  tiny=()
  real=(deepseek-v3 deepseek-v2-lite glm-4.5-air llama-4-scout-17b-16e qwen3-next-80b-a3b qwen3.5-35b-a3b
        qwen3.5-9b jamba-v0.1 granite-4.0-h-small mixtral-8x7b nemotron-3-nano-30b-a3b nemotron-nano-9b-v2
        minimax-m2 qwen3-vl-8b qwen3-vl-30b-a3b)
  grid='{"contexts": [4096], "batches": [512], "kv": ["f16", "q8_0"], "flash_attention": [true, false], "sequences": [1], "max_cells": 16384}'
elif ((quick)); then
  tiny=(llama qwen3moe gemma3)
  real=(llama-3.2-1b)
  grid='{"contexts": [512, 4096], "batches": [512], "kv": ["f16"], "flash_attention": [true, false], "sequences": [1, 4], "max_cells": 16384}'
else
  grid='{"contexts": [512, 4096, 16384], "batches": [128, 512], "kv": ["f16", "q8_0"], "flash_attention": [true, false], "sequences": [1, 4], "max_cells": 16384}'
fi

echo "== GGUF files"
models=""
add() {  # model quant shape [--catalog-dir DIR]
  local model=$1 quant=$2 shape=$3; shift 3
  local f=$OUT/gguf/$model-$quant.gguf
  # --context 32768: vramfit caps -c at the file's context length, the fixtures say 4096
  "$writer" "$@" --context 32768 "$model" "$quant" "$f" >>"$OUT/files.jsonl"
  models+="${models:+, }{\"file\": \"$f\", \"model\": \"$model\", \"quant\": \"$quant\", \"shape\": \"$shape\"}"
}
: >"$OUT/files.jsonl"
for t in "${tiny[@]}"; do
  q=Q8_0; [[ $t == gpt-oss ]] && q=MXFP4_MOE
  add "gguf-tiny-$t" "$q" tiny --catalog-dir "$root/tests/gguf/fixtures"
done
for m in "${real[@]}"; do add "$m" Q8_0 real; done
echo "{\"threads\": 1, \"models\": [$models], \"grid\": $grid}" >"$OUT/plan.json"
echo "$(wc -l <"$OUT/files.jsonl") files in $OUT/gguf"

echo "== llama.cpp (node-llama-cpp, CPU) and vramfit at each grid point"
node "$here/oracle.mjs" measure "$vramfit" "$OUT/plan.json" >"$OUT/points.jsonl" 2>"$OUT/measure.log" ||
  { tail -20 "$OUT/measure.log" >&2; exit 1; }
# The files stay (the real shapes are sparse: a few MiB on disk) for `oracle.mjs again`.

echo "== report"
node "$here/oracle.mjs" report "$OUT/points.jsonl" "$OUT/oracle"
echo "tables: $OUT/oracle.md, every point: $OUT/oracle.json"
if ((ci || real_moe)); then
  echo "== check"
  node "$here/oracle.mjs" check "$OUT/points.jsonl"
fi
