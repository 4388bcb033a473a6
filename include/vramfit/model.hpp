// ModelSpec: the architecture facts the estimator needs, as read from config.json or a GGUF header.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "vramfit/error.hpp"

namespace vramfit {

// The largest value each kind of architecture fact may take. Every reader (models.yaml, GGUF,
// config.json, import) refuses values past these with the key that holds them, and validate() below
// refuses them again, so that no product of file-supplied sizes can overflow (docs/hardening.md).
namespace limits {
inline constexpr std::int64_t kMaxDim = std::int64_t{1} << 24;      // widths: hidden, head, FFN, vocab, SSM, MLA ranks
inline constexpr std::int64_t kMaxCount = std::int64_t{1} << 16;    // layers, heads, experts
inline constexpr std::int64_t kMaxContext = std::int64_t{1} << 31;  // context, sliding window, attention chunk
inline constexpr std::int64_t kMaxConvKernel = 1024;                // Mamba / delta-net conv kernel
inline constexpr std::int64_t kMaxSharedExperts = 1024;
inline constexpr std::int64_t kMaxVisionParams = std::int64_t{1} << 40;
}  // namespace limits

// What a decoder block does for token mixing; decides its KV cache (or recurrent state).
enum class LayerKind {
  full,     // global causal attention: KV grows with context
  sliding,  // sliding-window attention: KV capped by the window
  chunked,  // chunked local attention (Llama-4 iRoPE); llama.cpp caches it like a window
  mla,      // multi-head latent attention: one compressed latent per token
  mamba,    // Mamba-1/2 block: constant recurrent state
  linear,   // gated delta-net linear attention: constant recurrent state
  ffn,      // a block with only a feed-forward part (Nemotron-H's MLP and MoE blocks): no cache; in a
            // model with such blocks, the token-mixing blocks have no feed-forward part of their own
  cross,    // gated cross-attention to image tokens (Llama 3.2 Vision, mllama): its K/V hold the vision
            // tokens of the request's images, computed once, and do not grow with the text context
};

enum class AttnBias { none, qkv, qkvo };
enum class SsmKind { none, mamba1, mamba2, gated_deltanet };

struct MlaSpec {
  std::int64_t q_lora_rank = 0;  // 0: no query compression
  std::int64_t kv_lora_rank = 0;
  std::int64_t qk_rope_head_dim = 0;
  std::int64_t qk_nope_head_dim = 0;
  std::int64_t v_head_dim = 0;
  // DeepSeek sparse attention (V3.2, GLM-5): a "lightning indexer" per layer scores past tokens with
  // index_heads queries of index_head_dim against one cached key of index_head_dim per token.
  std::int64_t index_heads = 0;  // 0: no indexer
  std::int64_t index_head_dim = 0;
  [[nodiscard]] bool has_indexer() const { return index_heads > 0; }
};

struct MoeSpec {
  std::int64_t experts = 0;  // routed experts; 0 = dense model
  std::int64_t experts_per_token = 0;
  std::int64_t expert_ffn = 0;
  std::int64_t shared_experts = 0;
  std::int64_t shared_ffn = 0;  // per shared expert
  std::int64_t dense_leading_layers = 0;
  std::int64_t layer_step = 1;
  std::int64_t layer_offset = 0;
  bool router_bias = false;
  bool expert_bias = false;
  bool shared_expert_gate = false;
  // How the chosen experts' weights are finished where the model says so (DeepSeek V2/V3, Kimi K2,
  // GLM-4.5: HF norm_topk_prob and routed_scaling_factor; GGUF expert_weights_norm and
  // expert_weights_scale, read by llama.cpp's deepseek2 and glm4moe loaders): renormalised to sum 1,
  // then multiplied by the scale (0 or 1: not scaled). Only llama.cpp's graph replay uses them.
  bool weights_norm = false;
  double weights_scale = 0;
  [[nodiscard]] bool present() const { return experts > 0; }
};

struct SsmSpec {
  SsmKind kind = SsmKind::none;
  std::int64_t d_state = 0;
  std::int64_t d_conv = 0;
  std::int64_t d_inner = 0;
  std::int64_t n_groups = 0;
  std::int64_t n_heads = 0;
  std::int64_t dt_rank = 0;
  bool conv_bias = false;
  bool proj_bias = false;
  bool inner_norms = false;
};

struct VisionSpec {
  std::string encoder;
  std::int64_t params = 0;
  std::int64_t projector_params = 0;
  std::int64_t tokens_per_image = 0;
  [[nodiscard]] bool present() const { return params + projector_params > 0; }
};

// Per-layer inputs and the extra residual branches of Gemma 3n / Gemma 4 edge models (llama.cpp
// src/models/gemma3n.cpp, gemma4.cpp). All weights: none of them adds to the KV cache.
struct PerLayerSpec {
  std::int64_t embed_dim = 0;     // per-layer embeddings (PLE): vocab x (layers x embed_dim) table, in host memory; 0 = none
  std::int64_t altup_inputs = 0;  // AltUp streams (Gemma 3n: 4); 0 = none
  std::int64_t laurel_rank = 0;   // LAuReL low-rank residual (Gemma 3n: 64); 0 = none
  bool layer_scalar = false;      // one learned output scale per block (Gemma 4 layer_scalar)
  [[nodiscard]] bool present() const { return embed_dim > 0 || altup_inputs > 0 || laurel_rank > 0 || layer_scalar; }
};

struct ModelSpec {
  std::string id;
  std::string name;
  std::string architecture;
  std::int64_t layers = 0;
  std::int64_t hidden = 0;
  std::int64_t heads = 0;
  std::int64_t kv_heads = 0;
  std::int64_t head_dim_k = 0;
  std::int64_t head_dim_v = 0;
  std::int64_t ffn = 0;  // dense FFN intermediate size
  std::int64_t vocab = 0;
  std::int64_t max_context = 0;
  bool ffn_gated = true;
  bool tied_embeddings = false;
  bool qk_norm = false;
  // With qk_norm: the norms span the whole q and k projections (heads x head_dim and kv_heads x
  // head_dim weights: OLMo 2/3, MiniMax-M2) instead of one head_dim vector each (Qwen3, Gemma 3).
  bool qk_norm_full = false;
  bool attn_output_gate = false;
  bool attn_sinks = false;
  bool final_norm = true;
  std::int64_t norms_per_layer = 2;
  AttnBias attn_bias = AttnBias::none;
  std::vector<LayerKind> layer_pattern{LayerKind::full};
  std::int64_t sliding_window = 0;
  std::int64_t chunk_size = 0;
  // Full-attention layers with a shape of their own (Gemma 4: head_dim 512 and fewer KV heads on the
  // global layers); 0 = the model-wide head_dim / kv_heads.
  std::int64_t head_dim_full = 0;
  std::int64_t kv_heads_full = 0;
  bool full_k_eq_v = false;          // full-attention layers have no v_proj: V is computed from K (attention_k_eq_v)
  std::int64_t kv_shared_layers = 0;  // the last N blocks reuse the KV cache of earlier blocks and cache nothing
  std::int64_t ffn_kv_shared = 0;     // dense FFN width of those blocks; 0 = ffn (Gemma 4 E2B double-wide MLP)
  // Qwen3-VL's DeepStack: the input rows are (1 + N) x hidden_size wide, and the first N blocks add one
  // extra slice each to their output (llama.cpp n_deepstack_layers, models/qwen3vl.cpp; HF: the length of
  // vision_config.deepstack_visual_indexes). No weights of the text model; 0 = none.
  std::int64_t deepstack_layers = 0;
  PerLayerSpec per_layer;
  MlaSpec mla;
  MoeSpec moe;
  SsmSpec ssm;
  VisionSpec vision;
  std::string native_format;
  // Routed experts ship in this tensor type and GGUF files keep it whatever the mix (gpt-oss: mxfp4,
  // weights.hpp); empty: the mix decides.
  std::string expert_format;
  double params_total_b = 0;   // declared (official) figures
  double params_active_b = 0;  // 0 = not declared

  [[nodiscard]] LayerKind layer_kind(std::int64_t il) const {
    return layer_pattern[static_cast<std::size_t>(il % static_cast<std::int64_t>(layer_pattern.size()))];
  }
  // Whether some blocks are feed-forward only (LayerKind::ffn): then FFNs live in those blocks alone.
  [[nodiscard]] bool has_ffn_blocks() const {
    for (LayerKind k : layer_pattern)
      if (k == LayerKind::ffn) return true;
    return false;
  }
  [[nodiscard]] bool is_moe_layer(std::int64_t il) const {
    if (!moe.present() || il < moe.dense_leading_layers) return false;
    if (layer_kind(il) != LayerKind::ffn && has_ffn_blocks()) return false;
    const std::int64_t step = moe.layer_step > 0 ? moe.layer_step : 1;
    return (il - moe.layer_offset) % step == 0 && il >= moe.layer_offset;
  }
  [[nodiscard]] bool has_ffn(std::int64_t il) const {
    if (layer_kind(il) != LayerKind::ffn && has_ffn_blocks()) return false;
    return is_moe_layer(il) || ffn_at(il) > 0;
  }
  // Blocks from layers - kv_shared_layers on attend over the cache of an earlier block (llama.cpp
  // hparams.has_kv, n_layer_kv_from_start) and own no KV cache.
  [[nodiscard]] bool has_kv(std::int64_t il) const { return il < layers - kv_shared_layers; }
  [[nodiscard]] bool kv_shared(std::int64_t il) const { return !has_kv(il); }
  // Per-layer attention shape: full-attention layers may differ (head_dim_full, kv_heads_full).
  [[nodiscard]] std::int64_t kv_heads_at(std::int64_t il) const {
    return kv_heads_full > 0 && layer_kind(il) == LayerKind::full ? kv_heads_full : kv_heads;
  }
  [[nodiscard]] std::int64_t head_dim_k_at(std::int64_t il) const {
    return head_dim_full > 0 && layer_kind(il) == LayerKind::full ? head_dim_full : head_dim_k;
  }
  [[nodiscard]] std::int64_t head_dim_v_at(std::int64_t il) const {
    return head_dim_full > 0 && layer_kind(il) == LayerKind::full ? head_dim_full : head_dim_v;
  }
  [[nodiscard]] std::int64_t ffn_at(std::int64_t il) const { return ffn_kv_shared > 0 && kv_shared(il) ? ffn_kv_shared : ffn; }
  // The widest dense FFN and query projection of any block (compute buffers size for the largest).
  [[nodiscard]] std::int64_t max_ffn() const { return std::max(ffn, kv_shared_layers > 0 ? ffn_kv_shared : 0); }
  [[nodiscard]] std::int64_t max_head_dim_k() const { return std::max(head_dim_k, head_dim_full); }
  // Attention-like layers own a KV cache; recurrent layers own a state instead.
  [[nodiscard]] static bool is_attention(LayerKind k) {
    return k == LayerKind::full || k == LayerKind::sliding || k == LayerKind::chunked || k == LayerKind::mla;
  }
  [[nodiscard]] static bool is_recurrent(LayerKind k) { return k == LayerKind::mamba || k == LayerKind::linear; }
  // Blocks with q/k/v/o projections: the self-attention kinds and cross-attention (mllama), whose cache
  // does not grow with the context and so is not is_attention().
  [[nodiscard]] static bool has_qkv(LayerKind k) { return (is_attention(k) && k != LayerKind::mla) || k == LayerKind::cross; }
  [[nodiscard]] bool has_cross_layers() const {
    for (LayerKind k : layer_pattern)
      if (k == LayerKind::cross) return true;
    return false;
  }
  // Phi-3-architecture GGUF files (Phi-3, Phi-3.5-mini, Phi-4, Phi-4-mini) hold q, k and v as one
  // attn_qkv tensor {hidden, q + k + v} (convert_hf_to_gguf.py Phi3MiniModel keeps qkv_proj whole;
  // src/models/phi3.cpp), which llama-quant.cpp types by its own attn_qkv rule, not the attn_v one.
  [[nodiscard]] bool fused_qkv() const { return architecture == "phi3"; }
  [[nodiscard]] std::int64_t count_layers(bool (*pred)(LayerKind)) const {
    std::int64_t n = 0;
    for (std::int64_t i = 0; i < layers; ++i) n += pred(layer_kind(i)) ? 1 : 0;
    return n;
  }
  [[nodiscard]] double gqa_ratio() const { return kv_heads > 0 ? double(heads) / double(kv_heads) : 1.0; }
};

inline const char* to_string(LayerKind k) {
  switch (k) {
    case LayerKind::full: return "full";
    case LayerKind::sliding: return "sliding";
    case LayerKind::chunked: return "chunked";
    case LayerKind::mla: return "mla";
    case LayerKind::mamba: return "mamba";
    case LayerKind::linear: return "linear";
    case LayerKind::ffn: return "ffn";
    case LayerKind::cross: return "cross";
  }
  return "?";
}

// Structural consistency; throws CoreError(invalid_model) naming the first problem.
inline void validate(const ModelSpec& m) {
  auto fail = [&](const std::string& why) { throw CoreError(ErrorKind::invalid_model, "model '" + m.id + "': " + why); };
  using namespace limits;
  auto in_range = [&](std::int64_t v, std::int64_t lo, const char* what, std::int64_t hi = kMaxDim) {
    if (v < lo || v > hi)
      fail(std::string(what) + " = " + std::to_string(v) + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  };
  in_range(m.layers, 1, "layers", kMaxCount);
  in_range(m.hidden, 1, "hidden_size");
  in_range(m.vocab, 1, "vocab");
  in_range(m.ffn, 0, "ffn_size");
  in_range(m.max_context, 1, "max_context", kMaxContext);
  in_range(m.norms_per_layer, 0, "norms_per_layer", 16);
  // Every size below may be 0 where it does not apply; the checks further down ask for what a layer
  // kind needs. None may be past its limit, used or not.
  in_range(m.heads, 0, "heads", kMaxCount);
  in_range(m.kv_heads, 0, "kv_heads", kMaxCount);
  in_range(m.head_dim_k, 0, "head_dim");
  in_range(m.head_dim_v, 0, "head_dim_v");
  in_range(m.sliding_window, 0, "attention.sliding_window", kMaxContext);
  in_range(m.chunk_size, 0, "attention.chunk_size", kMaxContext);
  in_range(m.mla.q_lora_rank, 0, "mla.q_lora_rank");
  in_range(m.mla.kv_lora_rank, 0, "mla.kv_lora_rank");
  in_range(m.mla.qk_rope_head_dim, 0, "mla.qk_rope_head_dim");
  in_range(m.mla.qk_nope_head_dim, 0, "mla.qk_nope_head_dim");
  in_range(m.mla.v_head_dim, 0, "mla.v_head_dim");
  in_range(m.mla.index_heads, 0, "mla.index_heads", kMaxCount);
  in_range(m.mla.index_head_dim, 0, "mla.index_head_dim");
  in_range(m.moe.experts, 0, "moe.experts", kMaxCount);
  in_range(m.moe.shared_experts, 0, "moe.shared_experts", kMaxSharedExperts);
  in_range(m.moe.shared_ffn, 0, "moe.shared_expert_ffn_size");
  in_range(m.moe.dense_leading_layers, 0, "moe.dense_leading_layers", kMaxCount);
  in_range(m.moe.layer_offset, 0, "moe.layer_offset", kMaxCount);
  in_range(m.ssm.d_state, 0, "ssm.d_state");
  in_range(m.ssm.d_conv, 0, "ssm.d_conv", kMaxConvKernel);
  in_range(m.ssm.d_inner, 0, "ssm.d_inner");
  in_range(m.ssm.n_groups, 0, "ssm.n_groups");
  in_range(m.ssm.n_heads, 0, "ssm.n_heads");
  in_range(m.ssm.dt_rank, 0, "ssm.dt_rank");
  in_range(m.head_dim_full, 0, "attention.full_head_dim");
  in_range(m.kv_heads_full, 0, "attention.full_kv_heads", kMaxCount);
  // llama.cpp's reuse rule needs a sliding and a full block among the ones that keep a cache
  // (llama-model.cpp create_memory asserts n_layer_kv_from_start >= 2).
  in_range(m.kv_shared_layers, 0, "attention.kv_shared_layers", m.layers >= 2 ? m.layers - 2 : 0);
  in_range(m.ffn_kv_shared, 0, "ffn_size_kv_shared");
  in_range(m.deepstack_layers, 0, "deepstack_layers", m.layers);
  // The PLE table is vocab x (layers x embed_dim): its row stays within the width limit.
  in_range(m.per_layer.embed_dim, 0, "per_layer.embed_dim", kMaxDim / std::max<std::int64_t>(1, m.layers));
  in_range(m.per_layer.altup_inputs, 0, "per_layer.altup_inputs", 64);
  in_range(m.per_layer.laurel_rank, 0, "per_layer.laurel_rank");
  if (m.per_layer.altup_inputs == 1) fail("per_layer.altup_inputs must be 0 (none) or at least 2");
  in_range(m.vision.params, 0, "vision.params", kMaxVisionParams);
  in_range(m.vision.projector_params, 0, "vision.projector_params", kMaxVisionParams);
  in_range(m.vision.tokens_per_image, 0, "vision.tokens_per_image", 1 << 20);
  if (m.layer_pattern.empty()) fail("attention.layer_pattern is empty");
  bool any_attn = false, any_rec = false, any_mla = false;
  for (LayerKind k : m.layer_pattern) {
    any_attn |= ModelSpec::is_attention(k) || k == LayerKind::cross;
    any_rec |= ModelSpec::is_recurrent(k);
    any_mla |= k == LayerKind::mla;
  }
  if (any_attn) {
    in_range(m.heads, 1, "heads", kMaxCount);
    in_range(m.kv_heads, 1, "kv_heads", kMaxCount);
    in_range(m.head_dim_k, 1, "head_dim");
    in_range(m.head_dim_v, 1, "head_dim_v");
    if (m.heads % m.kv_heads != 0)
      fail("kv_heads (" + std::to_string(m.kv_heads) + ") does not divide heads (" + std::to_string(m.heads) + ")");
    if (m.kv_heads_full > 0 && m.heads % m.kv_heads_full != 0)
      fail("attention.full_kv_heads (" + std::to_string(m.kv_heads_full) + ") does not divide heads (" + std::to_string(m.heads) + ")");
  }
  if (m.full_k_eq_v && m.head_dim_full == 0 && m.head_dim_k != m.head_dim_v)
    fail("attention.full_k_eq_v needs equal K and V head sizes");
  if (m.ffn_kv_shared > 0 && m.kv_shared_layers == 0) fail("ffn_size_kv_shared needs attention.kv_shared_layers");
  for (LayerKind k : m.layer_pattern) {
    if (k == LayerKind::sliding && m.sliding_window <= 0) fail("sliding layers need attention.sliding_window > 0");
    if (k == LayerKind::chunked && m.chunk_size <= 0) fail("chunked layers need attention.chunk_size > 0");
  }
  if (m.has_cross_layers() && m.vision.tokens_per_image <= 0)
    fail("cross-attention layers need vision.tokens_per_image (the image tokens their K/V hold)");
  if (any_mla && (m.mla.kv_lora_rank <= 0 || m.mla.qk_rope_head_dim <= 0 || m.mla.v_head_dim <= 0))
    fail("mla layers need mla.kv_lora_rank, qk_rope_head_dim and v_head_dim");
  if (m.mla.has_indexer() && (!any_mla || m.mla.index_head_dim <= 0 || m.mla.q_lora_rank <= 0))
    fail("an MLA indexer (mla.index_heads) needs mla layers, mla.index_head_dim and mla.q_lora_rank");
  if (any_rec && (m.ssm.kind == SsmKind::none || m.ssm.d_inner <= 0 || m.ssm.d_state <= 0 || m.ssm.d_conv <= 0))
    fail("mamba/linear layers need ssm.kind, d_state, d_conv and d_inner");
  if (m.moe.present()) {
    in_range(m.moe.experts_per_token, 1, "moe.experts_per_token", kMaxCount);
    in_range(m.moe.expert_ffn, 1, "moe.expert_ffn_size");
    if (m.moe.experts_per_token > m.moe.experts) fail("moe.experts_per_token exceeds moe.experts");
    in_range(m.moe.layer_step, 1, "moe.layer_step", kMaxCount);
  }
  const bool ffn_blocks = m.has_ffn_blocks();
  for (std::int64_t il = 0; il < m.layers; ++il)
    if (!m.has_ffn(il) && !ModelSpec::is_recurrent(m.layer_kind(il)) && (!ffn_blocks || m.layer_kind(il) == LayerKind::ffn))
      fail("layer " + std::to_string(il) + " has neither a dense FFN (ffn_size 0) nor MoE");
}

}  // namespace vramfit
