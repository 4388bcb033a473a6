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
# model, mix, tensor count, worked out from each architecture's load_arch_tensors (src/models/*.cpp):
#   llama: token_embd + 9 per block (attn_norm, ffn_norm, q, k, v, output, gate, up, down) + output_norm
#   [+ output]; qwen2 +3 QKV biases, qwen3 +2 QK norms per block;
#   mixtral: 10 per block (6 attention + router + 3 expert stacks); qwen3moe: 12 (+2 QK norms);
#   gemma2: 11 (4 norms, tied); gemma3: 13 (+2 QK norms) x 6; phi3: 6 (fused attn_qkv, ffn_up);
#   command-r: 8 (one norm, tied); deepseek-v3: dense block 13 (norms 2, q_a, q_b, kv_a_mqa, k_b,
#   v_b, output, kv_a_norm, q_a_norm, gate, up, down) + 2 MoE blocks of 18 (8 attention + router,
#   exp_probs_b, 3 expert stacks, 3 shared); deepseek-v2-lite: 11 + 15 (no q_a/q_b, no exp_probs_b);
#   gpt-oss: 19 (+QKVO biases, sinks, router bias, 3 expert biases); jamba: mamba blocks 14 + dense
#   FFN 3 / MoE 4, attention block 9 -> 17 + 18 + 9 + 18; granite-hybrid: 3 mamba-2 blocks of 17, one
#   attention block of 13 (tied); qwen3-next: 3 linear blocks of 18 (attn_qkv, attn_gate, ssm_ba,
#   ssm_out, conv1d, dt, a, norm, 2 norms, 8 MoE) + 1 full block of 16; glm4moe: 14 (dense) + 19;
#   llama4: 4 x 13; qwen2vl: 12 per block; qwen35: 3 linear blocks of 14 (attn_qkv, attn_gate, ssm_beta,
#   ssm_alpha, ssm_out, conv1d, dt, a, norm, 2 norms, 3 FFN) + 1 full block of 11; qwen35moe: 3 x 19 + 16
#   (8 MoE tensors instead of 3); qwen3vl: 11 per block; qwen3vlmoe: 12 per block.
#   gemma3n: 7 global (token_embd, per_layer_token_embd, altup_proj, altup_unembd_proj, output_norm,
#   per_layer_model_proj, per_layer_proj_norm) + 5 x 24 (gemma3's 13, inp_gate, proj, post_norm, 4 altup,
#   altup_router_norm, laurel_l, laurel_r, laurel_post_norm); gemma4: 6 global (with rope_freqs) + 3
#   sliding x 17 + 3 full x 16 (no attn_v: K = V; inp_gate, proj, post_norm, layer_output_scale);
#   gemma4 MoE: 3 global + 22 + 21 (8 norms incl. ffn_gate_inp.scale, router, 3 expert stacks, dense FFN).
cases=(
  "gguf-tiny-llama Q8_0 21"
  "gguf-tiny-qwen2 F16 26"
  "gguf-tiny-qwen3 Q4_0 24"
  "llama-3.2-1b Q4_K_M 146"
  "gguf-tiny-mixtral Q4_K_M 23"
  "gguf-tiny-qwen3moe Q4_K_M 27"
  "gguf-tiny-gemma2 Q4_K_M 24"
  "gguf-tiny-gemma3 Q8_0 80"
  "gguf-tiny-phi3 Q4_K_M 15"
  "gguf-tiny-command-r Q4_K_M 18"
  "gguf-tiny-deepseek-v3 Q4_K_M 52"
  "gguf-tiny-deepseek-v2-lite Q8_0 29"
  "gguf-tiny-gpt-oss MXFP4_MOE 41"
  "gguf-tiny-jamba Q4_K_M 65"
  "gguf-tiny-granite-hybrid Q4_K_M 66"
  "gguf-tiny-qwen3-next Q4_K_M 73"
  "gguf-tiny-glm4moe Q4_K_M 36"
  "gguf-tiny-llama4 Q4_K_M 55"
  "gguf-tiny-qwen2vl Q4_K_M 27"
  "gguf-tiny-qwen35 Q4_K_M 56"
  "gguf-tiny-qwen35moe Q4_K_M 76"
  "gguf-tiny-qwen3vl Q4_K_M 25"
  "gguf-tiny-qwen3vlmoe Q4_K_M 27"
  "gguf-tiny-gemma3n Q8_0 127"
  "gguf-tiny-gemma4 Q8_0 105"
  "gguf-tiny-gemma4-moe Q8_0 46"
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
