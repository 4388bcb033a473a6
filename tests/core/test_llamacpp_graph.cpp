// llama.cpp's CPU compute buffer replayed (vramfit/llamacpp_graph.hpp), against the `CPU compute buffer
// size` lines real llama.cpp printed (node-llama-cpp 3.22.1, llama.cpp de3ff81, CPU only) at the points
// of bench/llamacpp-oracle (docs/llamacpp-oracle.md). llama.cpp prints %.2f MiB: a replay within
// 0.005 MiB of the printed value is the same number.
#include <gtest/gtest.h>

#include "fixtures.hpp"
#include "vramfit/llamacpp_graph.hpp"

namespace vramfit {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

// The routed experts of a fixture: `experts` of width `ffn`, `k` per token, and `shared` shared ones
// of width `shared_ffn`.
MoeSpec experts_of(std::int64_t experts, std::int64_t k, std::int64_t ffn, std::int64_t shared = 0, std::int64_t shared_ffn = 0) {
  MoeSpec e;
  e.experts = experts;
  e.experts_per_token = k;
  e.expert_ffn = ffn;
  e.shared_experts = shared;
  e.shared_ffn = shared_ffn;
  return e;
}

// tests/gguf/fixtures/models.yaml gguf-tiny-llama: 2 layers, hidden 256, 4 heads, 2 KV heads x 64,
// ffn 512, vocab 512.
ModelSpec tiny_llama() {
  ModelSpec m = test::llama_3_1_8b();
  m.layers = 2;
  m.hidden = 256;
  m.heads = 4;
  m.kv_heads = 2;
  m.head_dim_k = m.head_dim_v = 64;
  m.ffn = 512;
  m.vocab = 512;
  return m;
}

// gguf-tiny-qwen3moe: the tiny llama's attention with QK norms, 8 experts of 128, 2 per token.
ModelSpec tiny_qwen3moe() {
  ModelSpec m = tiny_llama();
  m.architecture = "qwen3_moe";
  m.qk_norm = true;
  m.ffn = 0;
  m.moe.experts = 8;
  m.moe.experts_per_token = 2;
  m.moe.expert_ffn = 128;
  return m;
}

// Llama 3.2 1B: 16 layers, hidden 2048, 32 heads, 8 KV heads x 64, ffn 8192, vocab 128256.
ModelSpec llama_3_2_1b() {
  ModelSpec m = test::llama_3_1_8b();
  m.layers = 16;
  m.hidden = 2048;
  m.heads = 32;
  m.head_dim_k = m.head_dim_v = 64;
  m.ffn = 8192;
  return m;
}

// Qwen3 0.6B: 28 layers, hidden 1024, 16 heads x 128 (wider than the model), 8 KV heads, ffn 3072,
// vocab 151936, QK norms.
ModelSpec qwen3_0_6b() {
  ModelSpec m;
  m.architecture = "qwen3";
  m.layers = 28;
  m.hidden = 1024;
  m.heads = 16;
  m.kv_heads = 8;
  m.head_dim_k = m.head_dim_v = 128;
  m.ffn = 3072;
  m.vocab = 151936;
  m.qk_norm = true;
  return m;
}

// tests/gguf/fixtures/models.yaml gguf-tiny-gemma3: 6 layers (5 sliding over 128 tokens, then one full),
// hidden 256, 4 heads, 2 KV heads x 64, ffn 512, vocab 512, QK norms, 4 norms per layer.
ModelSpec tiny_gemma3() {
  ModelSpec m = tiny_llama();
  m.architecture = "gemma3";
  m.layers = 6;
  m.layer_pattern = {LayerKind::sliding, LayerKind::sliding, LayerKind::sliding, LayerKind::sliding, LayerKind::sliding, LayerKind::full};
  m.sliding_window = 128;
  m.qk_norm = true;
  m.norms_per_layer = 4;
  m.tied_embeddings = true;
  return m;
}

// gguf-tiny-gemma2: 2 layers, sliding and full alternating, no QK norms.
ModelSpec tiny_gemma2() {
  ModelSpec m = tiny_gemma3();
  m.architecture = "gemma2";
  m.layers = 2;
  m.layer_pattern = {LayerKind::sliding, LayerKind::full};
  m.qk_norm = false;
  return m;
}

// Gemma 3 1B as its GGUF file gives it: 26 layers (pattern 6, window 512), hidden 1152, 4 heads, one
// KV head of 256, ffn 6912, vocab 262144.
ModelSpec gemma_3_1b() {
  ModelSpec m = tiny_gemma3();
  m.layers = 26;
  m.sliding_window = 512;
  m.hidden = 1152;
  m.heads = 4;
  m.kv_heads = 1;
  m.head_dim_k = m.head_dim_v = 256;
  m.ffn = 6912;
  m.vocab = 262144;
  return m;
}

// gguf-tiny-gpt-oss: 2 layers (sliding over 128, full), hidden 256, 8 heads, 2 KV heads x 64, 4 experts
// of 256 (2 per token), vocab 512, biases on q/k/v/o, router and experts, attention sinks.
ModelSpec tiny_gpt_oss() {
  ModelSpec m = tiny_llama();
  m.architecture = "gpt_oss";
  m.heads = 8;
  m.ffn = 0;
  m.layer_pattern = {LayerKind::sliding, LayerKind::full};
  m.sliding_window = 128;
  m.attn_bias = AttnBias::qkvo;
  m.attn_sinks = true;
  m.moe.experts = 4;
  m.moe.experts_per_token = 2;
  m.moe.expert_ffn = 256;
  m.moe.router_bias = m.moe.expert_bias = true;
  return m;
}

// gguf-tiny-qwen2vl: the tiny llama with QKV biases and M-RoPE (4 positions per token).
ModelSpec tiny_qwen2vl() {
  ModelSpec m = tiny_llama();
  m.architecture = "qwen2_5_vl";
  m.attn_bias = AttnBias::qkv;
  return m;
}

// gguf-tiny-phi3: the tiny llama's shape with q, k and v in one attn_qkv tensor and up and gate in one
// ffn_up tensor [256, 1024].
ModelSpec tiny_phi3() {
  ModelSpec m = tiny_llama();
  m.architecture = "phi3";
  return m;
}

// gguf-tiny-command-r: the tiny llama's shape with 4 KV heads, LayerNorm (one per block), attention and
// FFN in parallel on the normed input.
ModelSpec tiny_command_r() {
  ModelSpec m = tiny_llama();
  m.architecture = "cohere";
  m.kv_heads = 4;
  m.norms_per_layer = 1;
  return m;
}

// tests/gguf/fixtures/models.yaml gguf-tiny-deepseek-v3: 3 layers of latent attention (4 heads, q_lora
// 128, kv_lora 256, rope 32, nope 64, v 64), one leading dense block (ffn 512), then 8 experts of 128 (2
// per token) beside one shared, sigmoid routing with the selection bias; vocab 512.
ModelSpec tiny_deepseek_v3() {
  ModelSpec m = tiny_llama();
  m.architecture = "deepseek_v3";
  m.layers = 3;
  m.kv_heads = 4;
  m.head_dim_k = 96;
  m.layer_pattern = {LayerKind::mla};
  m.mla = MlaSpec{128, 256, 32, 64, 64, 0, 0};
  m.moe = experts_of(8, 2, 128, 1, 128);
  m.moe.dense_leading_layers = 1;
  m.moe.router_bias = true;
  return m;
}

// gguf-tiny-deepseek-v2-lite: 2 layers, no query compression, two shared experts, softmax routing.
ModelSpec tiny_deepseek_v2_lite() {
  ModelSpec m = tiny_deepseek_v3();
  m.architecture = "deepseek_v2";
  m.layers = 2;
  m.mla.q_lora_rank = 0;
  m.moe.shared_experts = 2;
  m.moe.router_bias = false;
  return m;
}

// gguf-tiny-glm4moe: 2 layers, 8 heads, 2 KV heads x 64, QKV biases, QK norms, one leading dense
// block (ffn 512), then 8 experts of 128 (2 per token) beside one shared, sigmoid routing with the bias.
ModelSpec tiny_glm4moe() {
  ModelSpec m = tiny_llama();
  m.architecture = "glm4_moe";
  m.heads = 8;
  m.attn_bias = AttnBias::qkv;
  m.qk_norm = true;
  m.moe = experts_of(8, 2, 128, 1, 128);
  m.moe.dense_leading_layers = 1;
  m.moe.router_bias = true;
  return m;
}

// gguf-tiny-llama4: 4 layers (3 chunked over 8192 tokens, then a full NoPE one), 4 experts of 256
// (1 per token) beside one shared of 256.
ModelSpec tiny_llama4() {
  ModelSpec m = tiny_llama();
  m.architecture = "llama4";
  m.layers = 4;
  m.ffn = 0;
  m.layer_pattern = {LayerKind::chunked, LayerKind::chunked, LayerKind::chunked, LayerKind::full};
  m.chunk_size = 8192;
  m.moe = experts_of(4, 1, 256, 1, 256);
  return m;
}

// gguf-tiny-jamba: 4 layers (Mamba-1, Mamba-1, attention, Mamba-1: d_inner 512, d_state 16, dt_rank 16,
// conv 4, dt/B/C norms), FFN 512 on even blocks, 4 experts of 512 (2 per token) on odd ones.
ModelSpec tiny_jamba() {
  ModelSpec m = tiny_llama();
  m.architecture = "jamba";
  m.layers = 4;
  m.layer_pattern = {LayerKind::mamba, LayerKind::mamba, LayerKind::full, LayerKind::mamba};
  m.moe = experts_of(4, 2, 512);
  m.moe.layer_step = 2;
  m.moe.layer_offset = 1;
  m.ssm = SsmSpec{SsmKind::mamba1, 16, 4, 512, 0, 0, 16, true, false, true};
  return m;
}

// gguf-tiny-granite-hybrid: jamba's layer pattern with Mamba-2 (d_inner 512, d_state 32, 8 heads, 1
// group), 8 experts of 128 (2 per token) beside one shared of 256 in every block, no RoPE.
ModelSpec tiny_granite_hybrid() {
  ModelSpec m = tiny_jamba();
  m.architecture = "granitemoehybrid";
  m.ffn = 0;
  m.tied_embeddings = true;
  m.moe = experts_of(8, 2, 128, 1, 256);
  m.ssm = SsmSpec{SsmKind::mamba2, 32, 4, 512, 1, 8, 0, true, false, false};
  return m;
}

// gguf-tiny-qwen3-next: 3 delta nets (d_inner 256, 4 key heads of 32, 8 value heads, conv 4) then
// gated attention with QK norms; 8 experts of 128 (2 per token) beside one gated shared of 128.
ModelSpec tiny_qwen3_next() {
  ModelSpec m = tiny_llama();
  m.architecture = "qwen3_next";
  m.layers = 4;
  m.ffn = 0;
  m.qk_norm = m.attn_output_gate = true;
  m.layer_pattern = {LayerKind::linear, LayerKind::linear, LayerKind::linear, LayerKind::full};
  m.moe = experts_of(8, 2, 128, 1, 128);
  m.moe.shared_expert_gate = true;
  m.ssm = SsmSpec{SsmKind::gated_deltanet, 32, 4, 256, 4, 8, 0, false, false, false};
  return m;
}

// gguf-tiny-qwen35: qwen3-next's layer pattern and delta nets with M-RoPE, separate beta and alpha
// projections and a dense FFN of 512; gguf-tiny-qwen35moe: the same blocks with qwen3-next's experts.
ModelSpec tiny_qwen35() {
  ModelSpec m = tiny_qwen3_next();
  m.architecture = "qwen3_5";
  m.ffn = 512;
  m.moe = MoeSpec{};
  return m;
}
ModelSpec tiny_qwen35_moe() {
  ModelSpec m = tiny_qwen3_next();
  m.architecture = "qwen3_5_moe";
  return m;
}

// gguf-tiny-nemotron-h: 6 blocks of one part each (Mamba-2, MLP, Mamba-2, attention, MLP, Mamba-2: d_inner
// 512, d_state 32, 8 heads, 2 groups), ReLU² MLPs of 512 without a gate, one norm per block;
// gguf-tiny-nemotron-h-moe: the MLP blocks routed (8 experts of 128, 2 per token, sigmoid with the
// selection bias, renormalised, x 2.5) beside one shared expert of 256.
ModelSpec tiny_nemotron_h() {
  ModelSpec m = tiny_llama();
  m.architecture = "nemotron_h";
  m.layers = 6;
  m.ffn_gated = false;
  m.norms_per_layer = 1;
  m.layer_pattern = {LayerKind::mamba, LayerKind::ffn, LayerKind::mamba, LayerKind::full, LayerKind::ffn, LayerKind::mamba};
  m.ssm = SsmSpec{SsmKind::mamba2, 32, 4, 512, 2, 8, 0, true, false, false};
  return m;
}
ModelSpec tiny_nemotron_h_moe() {
  ModelSpec m = tiny_nemotron_h();
  m.ffn = 0;
  m.moe = experts_of(8, 2, 128, 1, 256);
  m.moe.router_bias = m.moe.weights_norm = true;
  m.moe.weights_scale = 2.5;
  return m;
}

// gguf-tiny-minimax-m2: the tiny llama's attention with QK norms over the whole q and k projections,
// 8 experts of 128 (2 per token), sigmoid routing with the selection bias.
ModelSpec tiny_minimax_m2() {
  ModelSpec m = tiny_llama();
  m.architecture = "minimax_m2";
  m.ffn = 0;
  m.qk_norm = m.qk_norm_full = true;
  m.moe = experts_of(8, 2, 128);
  m.moe.router_bias = true;
  return m;
}

// node-llama-cpp gives a model with a sliding window n_batch = n_ubatch = the batch + 1 (129, 513);
// the sliding cache holds min(context, window + n_ubatch) cells padded to 256 (llama-kv-cache-iswa.cpp).
// gguf-tiny-gemma4: the tiny gemma3's blocks alternating sliding (128) and global, the global ones
// 128-wide with one KV head and V = K, the last 2 blocks reading earlier caches with a 1024-wide FFN,
// 64 per-layer inputs per block and an output scale.
ModelSpec tiny_gemma4() {
  ModelSpec m = tiny_gemma3();
  m.architecture = "gemma4";
  m.layer_pattern = {LayerKind::sliding, LayerKind::full};
  m.head_dim_full = 128;
  m.kv_heads_full = 1;
  m.full_k_eq_v = true;
  m.kv_shared_layers = 2;
  m.ffn_kv_shared = 1024;
  m.per_layer.embed_dim = 64;
  m.per_layer.layer_scalar = true;
  return m;
}

// gguf-tiny-qwen3vl / gguf-tiny-qwen3vlmoe: the tiny qwen3 and qwen3moe blocks with M-RoPE and one
// DeepStack slice (deepstack_layers: 1), so the input rows are 2 x 256 wide.
ModelSpec tiny_qwen3vl() {
  ModelSpec m = tiny_llama();
  m.architecture = "qwen3_vl";
  m.qk_norm = true;
  m.deepstack_layers = 1;
  return m;
}
ModelSpec tiny_qwen3vl_moe() {
  ModelSpec m = tiny_qwen3moe();
  m.architecture = "qwen3_vl_moe";
  m.deepstack_layers = 1;
  return m;
}

double replay_mib(const ModelSpec& m, std::int64_t context, bool flash, const std::string& kv, std::int64_t seqs = 1,
                  std::int64_t ubatch = 512) {
  Workload w;
  w.context = context;
  w.parallel = seqs;
  w.ubatch = w.batch = ubatch;
  w.flash_attention = flash;
  w.kv_type_k = w.kv_type_v = kv;
  const auto pad = [](std::int64_t n) { return (n + 255) / 256 * 256; };
  const std::int64_t window = m.sliding_window > 0 ? std::min(pad(context), pad(m.sliding_window + ubatch)) : 0;
  const bool quantized = test::types().get(kv).quantized;
  const std::optional<Bytes> b = llamacpp_cpu_compute(m, w, LlamaGraphCache{pad(context), window, quantized, quantized});
  return b ? double(b->value()) / kMiB : -1.0;
}

TEST(LlamacppGraph, TinyLlamaWithoutFlashAttentionByHand) {
  // The peak is layer 0's KQ: the inputs (tokens 4T, the never-freed f32 embeddings input A = 4dT,
  // positions 4T, K indices 8T, V indices 8T x 128, the f32 mask 4 x 512 x T, output ids 4T), the
  // lookup A, a 2A hole, RoPE'd Q (4 x 256 x T) and KQ (4 x 512 x T x 4 heads), T = 512:
  // 2048 + 524288 + 2048 + 4096 + 524288 + 1048576 + 2048 + 2 x 524288 + 2 x 524288 + 4194304 bytes.
  EXPECT_EQ(llamacpp_cpu_compute(tiny_llama(), [] { Workload w; w.context = 512; w.flash_attention = false; return w; }(),
                                 LlamaGraphCache{512, 0, false, false}),
            Bytes(8398848));
}

TEST(LlamacppGraph, TinyModelsMatchTheLoggedBuffers) {
  EXPECT_NEAR(replay_mib(tiny_llama(), 512, true, "f16"), 4.51, 0.005);
  EXPECT_NEAR(replay_mib(tiny_llama(), 512, false, "f16", 4), 8.01, 0.005);
  EXPECT_NEAR(replay_mib(tiny_llama(), 512, true, "q8_0"), 5.04, 0.005);  // Hadamard inputs and products
  EXPECT_NEAR(replay_mib(tiny_llama(), 4096, true, "f16"), 8.01, 0.005);
  EXPECT_NEAR(replay_mib(tiny_llama(), 4096, false, "f16"), 43.01, 0.005);
  EXPECT_NEAR(replay_mib(tiny_llama(), 4096, true, "q8_0", 4), 8.54, 0.005);
  EXPECT_NEAR(replay_mib(tiny_qwen3moe(), 512, true, "f16"), 3.51, 0.005);
  EXPECT_NEAR(replay_mib(tiny_qwen3moe(), 512, false, "f16"), 8.01, 0.005);
  EXPECT_NEAR(replay_mib(tiny_qwen3moe(), 512, true, "q8_0"), 3.08, 0.005);
  EXPECT_NEAR(replay_mib(tiny_qwen3moe(), 4096, true, "f16"), 7.01, 0.005);
  EXPECT_NEAR(replay_mib(tiny_qwen3moe(), 4096, true, "q8_0", 4), 6.58, 0.005);
}

TEST(LlamacppGraph, RealShapesMatchTheLoggedBuffers) {
  EXPECT_NEAR(replay_mib(llama_3_2_1b(), 512, true, "f16"), 258.50, 0.005);
  EXPECT_NEAR(replay_mib(llama_3_2_1b(), 4096, false, "f16"), 286.01, 0.005);
  EXPECT_NEAR(replay_mib(llama_3_2_1b(), 4096, true, "q8_0"), 262.50, 0.005);
  // Qwen3 0.6B at 4096 cells: the allocator leaves a 12 MiB gap under the logits (the phase formula
  // gave 300.75, -3.84 %).
  EXPECT_NEAR(replay_mib(qwen3_0_6b(), 4096, true, "f16"), 312.76, 0.005);
  EXPECT_NEAR(replay_mib(qwen3_0_6b(), 512, true, "f16", 4), 309.26, 0.005);
  EXPECT_NEAR(replay_mib(qwen3_0_6b(), 512, true, "q8_0"), 309.34, 0.005);
  EXPECT_NEAR(replay_mib(qwen3_0_6b(), 4096, false, "f16"), 302.75, 0.005);
  EXPECT_NEAR(replay_mib(test::qwen2_5_0_5b(), 512, true, "f16"), 300.25, 0.005);
  EXPECT_NEAR(replay_mib(test::qwen2_5_0_5b(), 4096, false, "f16"), 302.00, 0.005);
  EXPECT_NEAR(replay_mib(test::qwen2_5_0_5b(), 4096, true, "q8_0", 4), 302.00, 0.005);
}

TEST(LlamacppGraph, SlidingWindowModelsMatchTheLoggedBuffers) {
  // Two caches, each with its own indices, mask and rotations; Gemma's scaled embeddings and Q,
  // post-norms and GeGLU; gpt-oss's biases, sinks and softmax over the chosen experts.
  EXPECT_NEAR(replay_mib(tiny_gemma3(), 4096, true, "f16", 1, 513), 9.29, 0.005);
  EXPECT_NEAR(replay_mib(tiny_gemma3(), 4096, false, "f16", 4, 513), 43.35, 0.005);
  EXPECT_NEAR(replay_mib(tiny_gemma3(), 512, true, "q8_0", 4, 129), 1.49, 0.005);
  EXPECT_NEAR(replay_mib(tiny_gemma2(), 512, true, "q8_0", 1, 512), 5.58, 0.005);
  EXPECT_NEAR(replay_mib(tiny_gemma2(), 16384, false, "f16", 4, 513), 164.29, 0.005);
  // Gemma 3 1B: 518.75 MiB where the phases give 516.50 (logits + 2 hidden states).
  EXPECT_NEAR(replay_mib(gemma_3_1b(), 512, false, "f16", 1, 512), 518.75, 0.005);
  EXPECT_NEAR(replay_mib(gemma_3_1b(), 16384, true, "f16", 1, 513), 519.77, 0.005);
  EXPECT_NEAR(replay_mib(gemma_3_1b(), 4096, false, "f16", 4, 513), 519.78, 0.005);
  EXPECT_NEAR(replay_mib(tiny_gpt_oss(), 4096, false, "f16", 1, 513), 76.16, 0.005);
  EXPECT_NEAR(replay_mib(tiny_gpt_oss(), 512, false, "f16", 1, 512), 14.51, 0.005);
  EXPECT_NEAR(replay_mib(tiny_gpt_oss(), 16384, true, "q8_0", 4, 129), 5.35, 0.005);
  EXPECT_NEAR(replay_mib(tiny_qwen2vl(), 512, true, "q8_0"), 5.05, 0.005);
  EXPECT_NEAR(replay_mib(tiny_qwen2vl(), 4096, false, "f16"), 43.02, 0.005);
}

TEST(LlamacppGraph, FusedAndParallelBlocksMatchTheLoggedBuffers) {
  // Phi-3: V stays a strided view of the fused product, copied contiguous for a transposed cache or a
  // rotation; the product lives until V's last reader.
  EXPECT_NEAR(replay_mib(tiny_phi3(), 512, true, "f16"), 5.01, 0.005);
  EXPECT_NEAR(replay_mib(tiny_phi3(), 4096, false, "f16"), 42.01, 0.005);
  EXPECT_NEAR(replay_mib(tiny_phi3(), 4096, true, "q8_0", 4), 8.54, 0.005);
  EXPECT_NEAR(replay_mib(tiny_phi3(), 16384, true, "f16", 4, 128), 5.13, 0.005);
  // Command R: the normed input lives through the attention into the FFN.
  EXPECT_NEAR(replay_mib(tiny_command_r(), 512, false, "f16"), 9.01, 0.005);
  EXPECT_NEAR(replay_mib(tiny_command_r(), 4096, true, "q8_0"), 8.54, 0.005);
  EXPECT_NEAR(replay_mib(tiny_command_r(), 16384, true, "f16", 4, 128), 5.25, 0.005);
}

// A point with the cells llama.cpp logged (the chunked cache of llama4: min(context, PAD(8192 + n_ubatch))).
double replay_cells_mib(const ModelSpec& m, std::int64_t context, bool flash, const std::string& kv, std::int64_t seqs,
                        std::int64_t ubatch, std::int64_t window) {
  Workload w;
  w.context = context;
  w.parallel = seqs;
  w.ubatch = w.batch = ubatch;
  w.flash_attention = flash;
  const bool quantized = test::types().get(kv).quantized;
  const std::optional<Bytes> b = llamacpp_cpu_compute(m, w, LlamaGraphCache{context, window, quantized, quantized});
  return b ? double(b->value()) / kMiB : -1.0;
}

TEST(LlamacppGraph, LatentAttentionMatchesTheLoggedBuffers) {
  // deepseek2: the concatenated Q and K rows, the latent V copied transposed without flash
  // attention, wv_b after the attention; leading dense block, routed and shared experts.
  EXPECT_NEAR(replay_cells_mib(tiny_deepseek_v3(), 512, false, "f16", 1, 512, 0), 11.76, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_deepseek_v3(), 512, true, "q8_0", 1, 128, 0), 1.81, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_deepseek_v3(), 4096, true, "q8_0", 1, 128, 0), 2.69, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_deepseek_v3(), 16384, true, "f16", 4, 512, 0), 22.76, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_deepseek_v2_lite(), 16384, true, "q8_0", 1, 128, 0), 5.69, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_deepseek_v2_lite(), 512, true, "f16", 1, 512, 0), 7.26, 0.005);
}

TEST(LlamacppGraph, SharedExpertsAndChunkedAttentionMatchTheLoggedBuffers) {
  EXPECT_NEAR(replay_cells_mib(tiny_glm4moe(), 512, true, "f16", 4, 128, 0), 1.25, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_glm4moe(), 16384, true, "q8_0", 1, 512, 0), 20.54, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_glm4moe(), 4096, true, "f16", 4, 128, 0), 2.13, 0.005);
  // MiniMax-M2: the QK norms run in place on the projections, RoPE then allocates beside the views.
  EXPECT_NEAR(replay_cells_mib(tiny_minimax_m2(), 16384, true, "q8_0", 4, 128, 0), 4.67, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_minimax_m2(), 4096, true, "q8_0", 4, 512, 0), 6.59, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_minimax_m2(), 512, false, "f16", 1, 512, 0), 8.01, 0.005);
  // llama4: NoPE blocks scale Q by the temperature input; the experts weigh the repeated input.
  EXPECT_NEAR(replay_cells_mib(tiny_llama4(), 16384, false, "f16", 4, 129, 8448), 45.89, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_llama4(), 16384, false, "f16", 4, 513, 8960), 180.41, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_llama4(), 4096, false, "f16", 1, 129, 4096), 12.98, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_llama4(), 16384, true, "q8_0", 1, 129, 8448), 6.94, 0.005);
}

TEST(LlamacppGraph, RecurrentHybridsMatchTheLoggedBuffers) {
  // The state rows gathered per sequence, the convolution's concatenated input, the scan's output
  // and new states in one tensor.
  EXPECT_NEAR(replay_cells_mib(tiny_jamba(), 16384, true, "f16", 4, 512, 0), 23.53, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_jamba(), 512, true, "f16", 4, 128, 0), 2.01, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_jamba(), 16384, false, "f16", 4, 128, 0), 40.63, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_qwen3_next(), 16384, true, "q8_0", 1, 128, 0), 5.33, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_qwen3_next(), 4096, true, "q8_0", 4, 128, 0), 2.46, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_qwen3_next(), 4096, false, "f16", 1, 512, 0), 43.54, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_qwen3_next(), 512, true, "f16", 1, 512, 0), 5.08, 0.005);
  // Qwen3.5: the fused delta-net op takes the key heads as they are (no repeat to the value heads).
  EXPECT_NEAR(replay_cells_mib(tiny_qwen35(), 4096, true, "q8_0", 1, 128, 0), 2.17, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_qwen35(), 4096, true, "q8_0", 1, 512, 0), 8.56, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_qwen35(), 16384, false, "f16", 4, 512, 0), 163.52, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_qwen35(), 512, true, "f16", 4, 128, 0), 1.30, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_qwen35_moe(), 16384, true, "q8_0", 4, 128, 0), 5.21, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_qwen35_moe(), 4096, false, "f16", 4, 128, 0), 10.89, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_qwen35_moe(), 512, true, "q8_0", 1, 512, 0), 5.06, 0.005);
  // Nemotron-H: every block one part; the ReLU² FFNs square in place; no RoPE.
  EXPECT_NEAR(replay_cells_mib(tiny_nemotron_h(), 4096, false, "f16", 1, 512, 0), 43.01, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_nemotron_h(), 512, false, "f16", 4, 512, 0), 8.83, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_nemotron_h(), 16384, true, "f16", 4, 128, 0), 6.13, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_nemotron_h_moe(), 512, true, "q8_0", 1, 128, 0), 1.99, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_nemotron_h_moe(), 16384, true, "q8_0", 1, 512, 0), 23.32, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_nemotron_h_moe(), 4096, true, "q8_0", 4, 512, 0), 11.37, 0.005);
  // Granite 4.0-H as converted: RoPE off (rope_finetuned false), so Q and K reach the cache as views.
  EXPECT_NEAR(replay_cells_mib(tiny_granite_hybrid(), 4096, false, "f16", 4, 128, 0), 10.63, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_granite_hybrid(), 16384, true, "q8_0", 1, 512, 0), 23.31, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_granite_hybrid(), 512, false, "f16", 1, 512, 0), 8.77, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_granite_hybrid(), 4096, true, "q8_0", 4, 512, 0), 11.31, 0.005);
}

TEST(LlamacppGraph, DeepStackInputsMatchTheLoggedBuffers) {
  // Qwen3-VL: the lookup padded to (1 + N) d and the embeddings input as wide; the padded rows live
  // until the last block that adds its slice.
  EXPECT_NEAR(replay_cells_mib(tiny_qwen3vl(), 512, true, "f16", 1, 128, 0), 1.63, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_qwen3vl(), 512, true, "q8_0", 1, 512, 0), 6.55, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_qwen3vl(), 4096, false, "f16", 4, 128, 0), 11.00, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_qwen3vl(), 16384, true, "q8_0", 4, 512, 0), 22.05, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_qwen3vl_moe(), 512, false, "f16", 4, 512, 0), 9.02, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_qwen3vl_moe(), 4096, true, "f16", 4, 512, 0), 8.05, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_qwen3vl_moe(), 16384, true, "q8_0", 1, 512, 0), 20.08, 0.005);
  // Qwen3-VL-8B (3 slices: the padded lookup and the embeddings input 4 x 4096 x 512 x 4 B = 32 MiB each),
  // sparse zero-weight Q8_0 file, 4096 cells, n_ubatch 512.
  EXPECT_NEAR(replay_cells_mib(test::qwen3_vl_8b(), 4096, true, "f16", 1, 512, 0), 348.77, 0.005);
  EXPECT_NEAR(replay_cells_mib(test::qwen3_vl_8b(), 4096, false, "f16", 1, 512, 0), 364.02, 0.005);
  EXPECT_NEAR(replay_cells_mib(test::qwen3_vl_8b(), 4096, true, "q8_0", 1, 512, 0), 336.75, 0.005);
}

TEST(LlamacppGraph, Gemma4MatchesTheLoggedBuffers) {
  // The per-layer inputs [P, T, L] kept through every block; global blocks of their own head size;
  // the shared blocks read the caches without writing; without flash attention the sliding blocks'
  // 256-wide V rows padded to the 512 of the transposed cache's rows.
  EXPECT_NEAR(replay_cells_mib(tiny_gemma4(), 512, true, "f16", 1, 129, 512), 2.21, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_gemma4(), 512, false, "f16", 4, 129, 512), 3.03, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_gemma4(), 4096, true, "f16", 1, 513, 768), 12.55, 0.005);
  EXPECT_NEAR(replay_cells_mib(tiny_gemma4(), 4096, false, "f16", 4, 513, 768), 47.63, 0.005);
  EXPECT_NEAR(replay_cells_mib(test::gemma_4_e2b(), 512, false, "f16", 1, 512, 512), 521.00, 0.005);
  EXPECT_NEAR(replay_cells_mib(test::gemma_4_e2b(), 512, true, "q8_0", 4, 129, 512), 147.17, 0.005);
  EXPECT_NEAR(replay_cells_mib(test::gemma_4_e2b(), 4096, true, "f16", 1, 129, 768), 146.45, 0.005);
  EXPECT_NEAR(replay_cells_mib(test::gemma_4_e2b(), 4096, true, "f16", 1, 513, 1280), 582.91, 0.005);
  // Gemma 4 31B: no per-layer inputs or KV sharing; global blocks of 4 KV heads x 512, V = K.
  EXPECT_NEAR(replay_cells_mib(test::gemma_4_31b(), 512, false, "f16", 1, 512, 512), 543.50, 0.005);
  EXPECT_NEAR(replay_cells_mib(test::gemma_4_31b(), 4096, true, "q8_0", 1, 129, 1280), 150.25, 0.005);
  EXPECT_NEAR(replay_cells_mib(test::gemma_4_31b(), 4096, false, "f16", 1, 513, 1792), 544.56, 0.005);
}

TEST(LlamacppGraph, OnlyTheGraphsRebuiltHereAreReplayed) {
  EXPECT_TRUE(llamacpp_graph_covers(test::llama_3_1_8b()));
  EXPECT_TRUE(llamacpp_graph_covers(test::qwen2_5_0_5b()));
  EXPECT_TRUE(llamacpp_graph_covers(tiny_qwen3moe()));
  EXPECT_TRUE(llamacpp_graph_covers(test::gemma_3_27b()));
  EXPECT_TRUE(llamacpp_graph_covers(test::gpt_oss_20b()));
  EXPECT_TRUE(llamacpp_graph_covers(test::phi_3_mini()));
  EXPECT_TRUE(llamacpp_graph_covers(test::deepseek_v3()));
  EXPECT_TRUE(llamacpp_graph_covers(test::jamba()));
  ModelSpec next = test::qwen3_next();
  next.architecture = "qwen3_next";  // the catalog's name (config.json model_type)
  EXPECT_TRUE(llamacpp_graph_covers(next));
  ModelSpec sparse = test::deepseek_v3();
  sparse.mla.index_heads = 64;  // DeepSeek sparse attention's indexer: not rebuilt
  sparse.mla.index_head_dim = 128;
  EXPECT_FALSE(llamacpp_graph_covers(sparse));
  ModelSpec pure = test::jamba();
  pure.architecture = "mamba";  // no attention block: llama.cpp's mamba graph, not rebuilt
  EXPECT_FALSE(llamacpp_graph_covers(pure));
  ModelSpec odd = qwen3_0_6b();
  odd.qk_norm = false;  // a qwen3 without its QK norms is not the graph of src/models/qwen3.cpp
  EXPECT_FALSE(llamacpp_graph_covers(odd));
  ModelSpec windowed = test::llama_3_1_8b();
  windowed.layer_pattern = {LayerKind::sliding, LayerKind::full};
  windowed.sliding_window = 4096;  // llama's graph has one cache
  EXPECT_FALSE(llamacpp_graph_covers(windowed));
  Workload w;
  EXPECT_TRUE(llamacpp_graph_covers(test::qwen3_5_9b()));
  EXPECT_TRUE(llamacpp_graph_covers(test::qwen3_5_35b_a3b()));
  EXPECT_TRUE(llamacpp_graph_covers(test::qwen3_vl_8b()));
  EXPECT_TRUE(llamacpp_graph_covers(test::gemma_4_e2b()));
  ModelSpec gemma3n = test::gemma_4_e2b();
  gemma3n.architecture = "gemma3n";  // AltUp streams and LAuReL: gemma3n.cpp, not rebuilt
  gemma3n.per_layer.altup_inputs = 4;
  gemma3n.per_layer.laurel_rank = 64;
  EXPECT_FALSE(llamacpp_graph_covers(gemma3n));
  ModelSpec gemma4_moe = tiny_gemma4();
  gemma4_moe.moe = experts_of(8, 2, 128);  // Gemma 4 26B-A4B's experts beside the MLP: not rebuilt
  EXPECT_FALSE(llamacpp_graph_covers(gemma4_moe));
  ModelSpec stacked = test::llama_3_1_8b();
  stacked.deepstack_layers = 3;  // DeepStack slices outside the Qwen3-VL graphs: not llama's graph
  EXPECT_FALSE(llamacpp_graph_covers(stacked));
  // a window needs its cells
  EXPECT_FALSE(llamacpp_cpu_compute(test::gemma_3_27b(), w, LlamaGraphCache{4096, 0, false, false}).has_value());
}

}  // namespace
}  // namespace vramfit
