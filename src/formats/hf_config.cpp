// config.json -> ModelSpec, one function per model family. Field names and defaults are those of
// the transformers configuration classes (configuration_<family>.py); docs/huggingface.md lists
// them with sources.
#include "formats/hf_config.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

#include "formats/hf_json.hpp"
#include "vramfit/tensors.hpp"

namespace vramfit::io::hf {
namespace {

// The core's model limits (vramfit/model.hpp), which models.yaml holds entries to as well.
constexpr std::int64_t kDim = limits::kMaxDim;
constexpr std::int64_t kLayers = limits::kMaxCount;
constexpr std::int64_t kExperts = limits::kMaxCount;
constexpr std::int64_t kContext = limits::kMaxContext;

// A width made of two keys (heads x head size, expand x hidden_size), refused at the second key when
// the product passes the width limit instead of wrapping in the state and KV arithmetic.
std::int64_t width(const Obj& o, std::string_view key, std::int64_t factor, std::int64_t value, const char* product) {
  if (value > kDim / factor)
    o.problem(key, std::string(product) + " = " + std::to_string(factor) + " x " + std::to_string(value) + " is more than " +
                       std::to_string(kDim));
  return factor * value;
}

struct Reader {
  Obj root;  // the whole config.json
  Obj text;  // text_config for VLM wrappers, else the root
  ModelSpec& m;
  std::vector<std::string>& notes;
};

// The shortest repeating pattern: [s,s,s,s,s,f] x 4 + [s,s] stays [s,s,s,s,s,f] because layer_kind()
// indexes the pattern modulo its length.
std::vector<LayerKind> shortest_period(const std::vector<LayerKind>& v) {
  for (std::size_t p = 1; p < v.size(); ++p) {
    bool ok = true;
    for (std::size_t i = p; i < v.size() && ok; ++i) ok = v[i] == v[i % p];
    if (ok) return {v.begin(), v.begin() + static_cast<std::ptrdiff_t>(p)};
  }
  return v;
}

// layer_types (transformers >= 4.53 writes it for every hybrid family) -> layer kinds.
bool read_layer_types(const Reader& r, const char* key = "layer_types") {
  const std::vector<std::string> types = r.text.strings(key, kLayers);
  if (types.empty()) return false;
  if (static_cast<std::int64_t>(types.size()) != r.m.layers)
    r.text.problem(key, "has " + std::to_string(types.size()) + " entries for " + std::to_string(r.m.layers) + " layers");
  std::vector<LayerKind> kinds;
  for (const std::string& t : types) {
    if (t == "full_attention" || t == "attention") kinds.push_back(LayerKind::full);
    else if (t == "sliding_attention") kinds.push_back(LayerKind::sliding);
    else if (t == "chunked_attention") kinds.push_back(LayerKind::chunked);
    else if (t == "linear_attention") kinds.push_back(LayerKind::linear);
    else if (t == "mamba") kinds.push_back(LayerKind::mamba);
    else r.text.problem(key, "unknown layer type '" + t + "'");
  }
  r.m.layer_pattern = shortest_period(kinds);
  return true;
}

// The fields every decoder config shares (LlamaConfig naming).
void read_common(Reader& r, bool tied_default, bool need_ffn = true) {
  ModelSpec& m = r.m;
  const Obj& t = r.text;
  m.layers = t.integer("num_hidden_layers", 1, kLayers);
  m.hidden = t.integer("hidden_size", 1, kDim);
  m.heads = t.integer("num_attention_heads", 1, kLayers);
  m.kv_heads = t.integer_or("num_key_value_heads", m.heads, 1, kLayers);
  if (m.heads % m.kv_heads != 0)
    t.problem("num_key_value_heads", std::to_string(m.kv_heads) + " does not divide num_attention_heads " + std::to_string(m.heads));
  m.head_dim_k = t.integer_or("head_dim", m.hidden / m.heads, 1, kDim);
  m.head_dim_v = m.head_dim_k;
  m.ffn = need_ffn ? t.integer("intermediate_size", 1, kDim) : t.integer_or("intermediate_size", 0, 0, kDim);
  m.vocab = t.integer("vocab_size", 1, kDim);
  m.max_context = t.integer("max_position_embeddings", 1, kContext);
  m.tied_embeddings = t.has("tie_word_embeddings") ? t.boolean_or("tie_word_embeddings", tied_default)
                                                   : r.root.boolean_or("tie_word_embeddings", tied_default);
  if (t.boolean_or("attention_bias", false)) m.attn_bias = AttnBias::qkvo;  // q/k/v/o_proj bias=config.attention_bias
}

// YaRN extends the trained window: context = factor x original_max_position_embeddings when that
// exceeds max_position_embeddings (Qwen's model cards add rope_scaling without raising the latter).
void read_rope_context(Reader& r) {
  const Json* rs = r.text.get("rope_scaling");
  if (rs == nullptr || !rs->is_object()) return;
  const Obj o = r.text.child("rope_scaling");
  const std::string type = o.string_or("rope_type", o.string_or("type"));
  if (type != "yarn") return;
  const double factor = o.number_or("factor", 1.0);
  const std::int64_t orig = o.integer_or("original_max_position_embeddings", r.m.max_context, 1, kContext);
  const double ctx = factor * double(orig);
  if (factor > 1.0 && ctx > double(r.m.max_context) && ctx <= double(kContext)) {
    r.notes.push_back("context " + std::to_string(static_cast<std::int64_t>(ctx)) + " from rope_scaling yarn factor x original_max_position_embeddings " +
                      std::to_string(orig) + " (max_position_embeddings " + std::to_string(r.m.max_context) + ")");
    r.m.max_context = static_cast<std::int64_t>(ctx);
  }
}

void set_sliding(Reader& r, std::int64_t window_default = 0) {
  r.m.sliding_window = r.text.integer_or("sliding_window", window_default, 1, kDim);
}

// Qwen-style MoE placement: layer il is MoE unless listed in mlp_only_layers, when (il + 1) % step == 0.
void qwen_moe_layers(Reader& r, std::int64_t experts) {
  MoeSpec& e = r.m.moe;
  const std::int64_t step = r.text.integer_or("decoder_sparse_step", 1, 1, kLayers);
  e.layer_step = step;
  e.layer_offset = step - 1;
  const std::vector<std::int64_t> dense = r.text.integers("mlp_only_layers", kLayers, 0, kLayers);
  for (std::size_t i = 0; i < dense.size(); ++i)
    if (dense[i] != static_cast<std::int64_t>(i))
      r.text.problem("mlp_only_layers", "only a leading run of dense layers (0, 1, ...) is supported");
  e.dense_leading_layers = static_cast<std::int64_t>(dense.size());
  (void)experts;
  const bool any_dense = step > 1 || !dense.empty();
  if (!any_dense) r.m.ffn = 0;  // intermediate_size is unused when every layer is MoE
}

void read_llama(Reader& r) {
  read_common(r, false);
  read_rope_context(r);
}

// MllamaTextConfig (text_config of Llama 3.2 Vision): LlamaConfig's fields plus cross_attention_layers,
// the indices among num_hidden_layers of the gated cross-attention blocks (11B: 3, 8, ..., 38). The
// shortest period of the resulting kinds reproduces every layer (layer_kind() cycles it).
// MllamaTextModel.embed_tokens has vocab_size + 8 rows (the image tokens); the 8 are not counted.
void read_mllama(Reader& r) {
  read_common(r, false);
  read_rope_context(r);
  const std::vector<std::int64_t> cross = r.text.integers("cross_attention_layers", kLayers, 0, r.m.layers - 1);
  if (cross.empty()) r.text.problem("cross_attention_layers", "missing or empty (mllama's gated cross-attention blocks)");
  std::vector<LayerKind> kinds(static_cast<std::size_t>(r.m.layers), LayerKind::full);
  for (std::int64_t il : cross) kinds[static_cast<std::size_t>(il)] = LayerKind::cross;
  r.m.layer_pattern = shortest_period(kinds);
  r.notes.push_back(std::to_string(cross.size()) + " of " + std::to_string(r.m.layers) +
                    " layers are gated cross-attention (cross_attention_layers): their K/V hold image tokens, not text; "
                    "llama.cpp has no mllama architecture (Ollama's own engine, vLLM and transformers run it)");
  r.notes.push_back("embed_tokens has vocab_size + 8 rows (image tokens): the 8 rows (" + std::to_string(8 * r.m.hidden) +
                    " parameters) are not counted");
}

void read_mistral(Reader& r) {
  read_common(r, false);
  read_rope_context(r);
  // MistralAttention applies sliding_window to every layer (v0.1: 4096; v0.2+: null).
  if (r.text.has("sliding_window") && r.text.integer("sliding_window", 1, kContext) < r.m.max_context) {
    set_sliding(r);
    r.m.layer_pattern = {LayerKind::sliding};
  }
}

void read_mixtral(Reader& r) {
  read_mistral(r);
  MoeSpec& e = r.m.moe;
  e.experts = r.text.integer("num_local_experts", 1, kExperts);
  e.experts_per_token = r.text.integer("num_experts_per_tok", 1, kExperts);
  e.expert_ffn = r.m.ffn;
  r.m.ffn = 0;
}

void read_qwen2(Reader& r) {
  read_common(r, false);
  r.m.attn_bias = AttnBias::qkv;  // Qwen2Attention: q/k/v_proj bias=True, o_proj bias=False
  read_rope_context(r);
  // Qwen2Config: layers from max_window_layers on use the window only when use_sliding_window is set.
  if (read_layer_types(r)) {
  } else if (r.text.boolean_or("use_sliding_window", false)) {
    const std::int64_t from = r.text.integer_or("max_window_layers", r.m.layers, 0, kLayers);
    std::vector<LayerKind> kinds;
    for (std::int64_t i = 0; i < r.m.layers; ++i) kinds.push_back(i >= from ? LayerKind::sliding : LayerKind::full);
    r.m.layer_pattern = shortest_period(kinds);
  } else if (r.text.has("sliding_window")) {
    r.notes.push_back("sliding_window ignored: use_sliding_window is false");
  }
  if (std::find(r.m.layer_pattern.begin(), r.m.layer_pattern.end(), LayerKind::sliding) != r.m.layer_pattern.end()) set_sliding(r);
}

void read_qwen2_moe(Reader& r) {
  read_qwen2(r);
  MoeSpec& e = r.m.moe;
  e.experts = r.text.integer("num_experts", 1, kExperts);
  e.experts_per_token = r.text.integer("num_experts_per_tok", 1, kExperts);
  e.expert_ffn = r.text.integer("moe_intermediate_size", 1, kDim);
  const std::int64_t shared = r.text.integer_or("shared_expert_intermediate_size", 0, 0, kDim);
  if (shared > 0) {  // Qwen2MoeSparseMoeBlock: one shared expert behind a sigmoid gate
    e.shared_experts = 1;
    e.shared_ffn = shared;
    e.shared_expert_gate = true;
  }
  qwen_moe_layers(r, e.experts);
}

void read_qwen3(Reader& r, bool need_ffn = true) {
  read_common(r, false, need_ffn);
  r.m.qk_norm = true;  // Qwen3Attention q_norm / k_norm over head_dim
  read_rope_context(r);
  if (read_layer_types(r)) {
    if (std::find(r.m.layer_pattern.begin(), r.m.layer_pattern.end(), LayerKind::sliding) != r.m.layer_pattern.end()) set_sliding(r);
  } else if (r.text.boolean_or("use_sliding_window", false)) {
    r.text.problem("use_sliding_window", "true without layer_types is not supported");
  }
}

void read_qwen3_moe(Reader& r) {
  read_qwen3(r, false);
  MoeSpec& e = r.m.moe;
  e.experts = r.text.integer("num_experts", 1, kExperts);
  e.experts_per_token = r.text.integer("num_experts_per_tok", 1, kExperts);
  e.expert_ffn = r.text.integer("moe_intermediate_size", 1, kDim);
  qwen_moe_layers(r, e.experts);
}

// One shared expert behind a sigmoid gate (Qwen3NextSparseMoeBlock, Qwen3_5MoeSparseMoeBlock).
void read_gated_shared_expert(Reader& r) {
  const std::int64_t shared = r.text.integer_or("shared_expert_intermediate_size", 0, 0, kDim);
  if (shared > 0) {
    r.m.moe.shared_experts = 1;
    r.m.moe.shared_ffn = shared;
    r.m.moe.shared_expert_gate = true;
  }
}

// The Gated DeltaNet hybrid of Qwen3-Next and Qwen3.5: layer_types, else every
// full_attention_interval-th layer full (default 4 -> [linear x3, full]); full layers have the gated
// attention (q_proj emits query and gate); linear layers the delta net (Qwen3NextGatedDeltaNet,
// Qwen3_5GatedDeltaNet) with linear_num_key_heads -> n_groups, linear_key_head_dim -> d_state,
// linear_num_value_heads x linear_value_head_dim -> d_inner.
void read_gated_deltanet(Reader& r) {
  ModelSpec& m = r.m;
  m.attn_output_gate = true;
  if (!read_layer_types(r)) {
    const std::int64_t every = r.text.integer_or("full_attention_interval", 4, 1, kLayers);
    std::vector<LayerKind> kinds(static_cast<std::size_t>(every), LayerKind::linear);
    kinds.back() = LayerKind::full;
    m.layer_pattern = kinds;
  }
  SsmSpec& s = m.ssm;
  s.kind = SsmKind::gated_deltanet;
  s.n_groups = r.text.integer("linear_num_key_heads", 1, kLayers);
  s.n_heads = r.text.integer("linear_num_value_heads", 1, kLayers);
  s.d_state = r.text.integer("linear_key_head_dim", 1, kDim);
  s.d_inner = width(r.text, "linear_value_head_dim", s.n_heads, r.text.integer("linear_value_head_dim", 1, kDim),
                    "linear_num_value_heads x linear_value_head_dim");
  s.d_conv = r.text.integer_or("linear_conv_kernel_dim", 4, 1, 1024);
}

void read_qwen3_next(Reader& r) {
  read_qwen3_moe(r);
  read_gated_shared_expert(r);
  read_gated_deltanet(r);
}

// Qwen3.5 (transformers models/qwen3_5, qwen3_5_moe): the Qwen3-Next hybrid, in a vision-language
// wrapper whose text_config is qwen3_5_text / qwen3_5_moe_text. The dense models have an FFN of
// intermediate_size in every layer, the MoE models routed experts and one gated shared expert.
// mtp_num_hidden_layers: the multi-token-prediction block the checkpoint ships (mtp.*).
void read_qwen3_5(Reader& r, bool moe) {
  if (moe) {
    read_qwen3_moe(r);
    read_gated_shared_expert(r);
  } else {
    read_qwen3(r);
  }
  read_gated_deltanet(r);
  const std::int64_t mtp = r.text.integer_or("mtp_num_hidden_layers", 0, 0, kLayers);
  if (mtp > 0)
    r.notes.push_back(std::to_string(mtp) + " multi-token-prediction layer(s) (mtp.*) not counted (llama.cpp does not load them by default)");
}

void read_gemma2(Reader& r) {
  read_common(r, true);
  r.m.norms_per_layer = 4;  // input, post_attention, pre_feedforward, post_feedforward
  read_rope_context(r);
  // Gemma2DecoderLayer: even layers slide (is_sliding = not bool(layer_idx % 2)).
  if (!read_layer_types(r)) r.m.layer_pattern = {LayerKind::sliding, LayerKind::full};
  set_sliding(r, 4096);
}

// Gemma3TextConfig defaults: the 4B config.json omits the fields that keep them.
void read_gemma3_text(Reader& r) {
  ModelSpec& m = r.m;
  const Obj& t = r.text;
  m.layers = t.integer_or("num_hidden_layers", 26, 1, kLayers);
  m.hidden = t.integer_or("hidden_size", 2304, 1, kDim);
  m.heads = t.integer_or("num_attention_heads", 8, 1, kLayers);
  m.kv_heads = t.integer_or("num_key_value_heads", 4, 1, kLayers);
  if (m.heads % m.kv_heads != 0) t.problem("num_key_value_heads", "does not divide num_attention_heads");
  m.head_dim_k = m.head_dim_v = t.integer_or("head_dim", 256, 1, kDim);
  m.ffn = t.integer_or("intermediate_size", 9216, 1, kDim);
  m.vocab = t.integer_or("vocab_size", 262208, 1, kDim);
  m.max_context = t.integer_or("max_position_embeddings", 131072, 1, kContext);
  m.tied_embeddings = t.has("tie_word_embeddings") ? t.boolean_or("tie_word_embeddings", true)
                                                   : r.root.boolean_or("tie_word_embeddings", true);
  if (t.boolean_or("attention_bias", false)) m.attn_bias = AttnBias::qkvo;
  m.norms_per_layer = 4;
  m.qk_norm = true;
  read_rope_context(r);
  // sliding_window_pattern 6: layer il is global when (il + 1) % 6 == 0.
  if (!read_layer_types(r)) {
    const std::int64_t p = t.integer_or("sliding_window_pattern", 6, 1, kLayers);
    std::vector<LayerKind> kinds(static_cast<std::size_t>(p), LayerKind::sliding);
    kinds.back() = LayerKind::full;
    m.layer_pattern = kinds;
  }
  set_sliding(r, 4096);
}

// A width written once or once per layer (Gemma 3n writes intermediate_size as a list of equal values).
std::int64_t uniform_width(const Obj& t, std::string_view key, std::int64_t layers) {
  const Json* v = t.get(key);
  if (v == nullptr || !v->is_array()) return t.integer(key, 1, kDim);
  const std::vector<std::int64_t> xs = t.integers(key, kLayers, 1, kDim);
  if (static_cast<std::int64_t>(xs.size()) != layers)
    t.problem(key, "has " + std::to_string(xs.size()) + " entries for " + std::to_string(layers) + " layers");
  if (std::any_of(xs.begin(), xs.end(), [&](std::int64_t x) { return x != xs.front(); }))
    t.problem(key, "per-layer widths that differ are not supported");
  return xs.front();
}

// Gemma 3n / Gemma 4: the pieces both add to Gemma 3 (configuration_gemma3n.py, configuration_gemma4.py).
void read_gemma_edge_common(Reader& r, std::int64_t ffn) {
  ModelSpec& m = r.m;
  const Obj& t = r.text;
  m.layers = t.integer("num_hidden_layers", 1, kLayers);
  m.hidden = t.integer("hidden_size", 1, kDim);
  m.heads = t.integer("num_attention_heads", 1, kLayers);
  m.kv_heads = t.integer("num_key_value_heads", 1, kLayers);
  if (m.heads % m.kv_heads != 0) t.problem("num_key_value_heads", "does not divide num_attention_heads");
  m.head_dim_k = m.head_dim_v = t.integer("head_dim", 1, kDim);
  m.ffn = ffn;
  m.vocab = t.integer("vocab_size", 1, kDim);
  m.max_context = t.integer("max_position_embeddings", 1, kContext);
  m.tied_embeddings = t.has("tie_word_embeddings") ? t.boolean_or("tie_word_embeddings", true)
                                                   : r.root.boolean_or("tie_word_embeddings", true);
  if (t.boolean_or("attention_bias", false)) t.problem("attention_bias", "true is not supported for Gemma 3n / Gemma 4");
  m.norms_per_layer = 4;  // input, post-attention, pre- and post-feedforward
  m.qk_norm = true;       // q_norm, k_norm over head_dim (v_norm has no weights)
  m.kv_shared_layers = t.integer_or("num_kv_shared_layers", 0, 0, kLayers);
  if (m.kv_shared_layers > 0 && m.kv_shared_layers > m.layers - 2)
    t.problem("num_kv_shared_layers", "leaves fewer than 2 layers with a KV cache of their own");
  if (std::find(m.layer_pattern.begin(), m.layer_pattern.end(), LayerKind::sliding) != m.layer_pattern.end())
    m.sliding_window = t.integer("sliding_window", 1, kContext);
  if (r.root.has("vision_config") || r.root.has("audio_config"))
    r.notes.push_back("the vision and audio towers are not counted (their parameter counts are not modelled)");
}

// Gemma 3n (Gemma3nTextConfig): per-layer embeddings, AltUp, LAuReL, KV sharing, (sliding x4, full).
void read_gemma3n(Reader& r) {
  ModelSpec& m = r.m;
  const Obj& t = r.text;
  m.layers = t.integer("num_hidden_layers", 1, kLayers);
  if (!read_layer_types(r)) m.layer_pattern = {LayerKind::sliding, LayerKind::sliding, LayerKind::sliding, LayerKind::sliding, LayerKind::full};
  read_gemma_edge_common(r, uniform_width(t, "intermediate_size", m.layers));
  PerLayerSpec& p = m.per_layer;
  p.embed_dim = t.integer("hidden_size_per_layer_input", 1, kDim);
  p.altup_inputs = t.integer("altup_num_inputs", 2, 64);
  p.laurel_rank = t.integer("laurel_rank", 1, kDim);
  const std::int64_t ple_vocab = t.integer_or("vocab_size_per_layer_input", m.vocab, 1, kDim);
  if (ple_vocab != m.vocab)
    r.notes.push_back("the per-layer embedding table holds " + std::to_string(ple_vocab) +
                      " rows; llama.cpp's converter pads it to vocab_size " + std::to_string(m.vocab) + ", which is what is counted");
  // llama.cpp fixes the KV layers of gemma3n at 20 (models/gemma3n.cpp n_layer_kv_from_start).
  if (m.layers - m.kv_shared_layers != 20)
    r.notes.push_back("llama.cpp keeps a KV cache for the first 20 blocks of any gemma3n model, not num_hidden_layers - num_kv_shared_layers = " +
                      std::to_string(m.layers - m.kv_shared_layers));
}

// Gemma 4 (Gemma4TextConfig, as llama.cpp's converter reads it: conversion/gemma.py Gemma4Model).
void read_gemma4(Reader& r) {
  ModelSpec& m = r.m;
  const Obj& t = r.text;
  m.layers = t.integer("num_hidden_layers", 1, kLayers);
  if (!read_layer_types(r)) t.problem("layer_types", "missing (Gemma 4 configs list every layer's attention type)");
  read_gemma_edge_common(r, t.integer("intermediate_size", 1, kDim));
  // Global (full-attention) layers: their own head size and KV heads, and no v_proj with attention_k_eq_v.
  if (!t.has("global_head_dim") && t.has("per_layer_config")) t.problem("per_layer_config", "is not read: global_head_dim is missing");
  const std::int64_t hd_full = t.integer_or("global_head_dim", m.head_dim_k, 1, kDim);
  if (hd_full != m.head_dim_k) m.head_dim_full = hd_full;
  const std::int64_t kv_full = t.integer_or("num_global_key_value_heads", m.kv_heads, 1, kLayers);
  if (m.heads % kv_full != 0) t.problem("num_global_key_value_heads", "does not divide num_attention_heads");
  if (kv_full != m.kv_heads) m.kv_heads_full = kv_full;
  m.full_k_eq_v = t.boolean_or("attention_k_eq_v", false);
  // use_double_wide_mlp: the KV-shared layers' MLP is twice as wide (the converter writes it per layer).
  if (t.boolean_or("use_double_wide_mlp", false) && m.kv_shared_layers > 0) m.ffn_kv_shared = 2 * m.ffn;
  m.per_layer.embed_dim = t.integer_or("hidden_size_per_layer_input", 0, 0, kDim);
  m.per_layer.layer_scalar = true;  // Gemma4DecoderLayer.layer_scalar (llama.cpp layer_output_scale)
  const char* experts_key = t.has("num_experts") ? "num_experts" : "num_local_experts";
  const bool moe = t.has("enable_moe_block") ? t.boolean_or("enable_moe_block", false) : t.has(experts_key);
  if (moe) {
    // Every layer runs its dense MLP beside the routed experts, as a shared expert (llama.cpp gemma4.cpp).
    MoeSpec& e = m.moe;
    e.experts = t.integer(experts_key, 1, kExperts);
    e.experts_per_token = t.integer(t.has("top_k_experts") ? "top_k_experts" : "num_experts_per_tok", 1, kExperts);
    e.expert_ffn = t.integer(t.has("expert_intermediate_size") ? "expert_intermediate_size" : "moe_intermediate_size", 1, kDim);
    e.shared_experts = 1;
    e.shared_ffn = m.ffn;
    m.ffn = 0;
    m.ffn_kv_shared = 0;
    // + pre_feedforward_layernorm_2, post_feedforward_layernorm_1 and _2, and the router's input scale.
    m.norms_per_layer = 8;
    r.notes.push_back("the router's per-expert scales (" + std::to_string(e.experts) + " per layer) are not counted");
  }
}

void read_phi3(Reader& r) {
  read_common(r, false);
  read_rope_context(r);
  // llama.cpp disables Phi-3's window ("Phi SWA is currently disabled", llama-model.cpp), and the
  // 4K models' 2047 window covers their whole context anyway.
  if (r.text.has("sliding_window")) r.notes.push_back("sliding_window ignored (llama.cpp runs Phi-3 with full attention)");
}

// DeepseekV3MoE / Glm4MoeMoE: topk_weight /= its sum when norm_topk_prob, then *= routed_scaling_factor
// (llama.cpp's converter writes them as expert_weights_norm and expert_weights_scale).
void read_expert_weighting(const Obj& t, MoeSpec& e) {
  e.weights_norm = t.boolean_or("norm_topk_prob", false);
  e.weights_scale = t.number_or("routed_scaling_factor", 0);
  if (e.weights_scale < 0 || e.weights_scale > 1000) t.problem("routed_scaling_factor", "out of range [0, 1000]");
}

void read_deepseek(Reader& r) {
  ModelSpec& m = r.m;
  const Obj& t = r.text;
  read_common(r, false);
  read_rope_context(r);
  if (m.attn_bias != AttnBias::none) t.problem("attention_bias", "true is not supported for MLA");
  MlaSpec& a = m.mla;
  a.q_lora_rank = t.integer_or("q_lora_rank", 0, 0, kDim);
  a.kv_lora_rank = t.integer("kv_lora_rank", 1, kDim);
  a.qk_rope_head_dim = t.integer("qk_rope_head_dim", 1, kDim);
  a.qk_nope_head_dim = t.integer("qk_nope_head_dim", 1, kDim);
  a.v_head_dim = t.integer("v_head_dim", 1, kDim);
  // DeepSeek sparse attention (DeepseekV32 / GlmMoeDsa configs): the lightning indexer's sizes.
  a.index_heads = t.integer_or("index_n_heads", 0, 0, kLayers);
  if (a.index_heads > 0) {
    a.index_head_dim = t.integer("index_head_dim", 1, kDim);
    if (a.q_lora_rank == 0) t.problem("index_n_heads", "an indexer needs q_lora_rank (its queries come from the query latent)");
  }
  m.layer_pattern = {LayerKind::mla};
  m.kv_heads = m.heads;  // MLA: every head has its own decompressed K/V
  m.head_dim_k = a.qk_nope_head_dim + a.qk_rope_head_dim;
  m.head_dim_v = a.v_head_dim;
  MoeSpec& e = m.moe;
  e.experts = t.integer_or("n_routed_experts", 0, 0, kExperts);
  if (e.experts > 0) {
    e.experts_per_token = t.integer("num_experts_per_tok", 1, kExperts);
    e.expert_ffn = t.integer("moe_intermediate_size", 1, kDim);
    e.shared_experts = t.integer_or("n_shared_experts", 0, 0, 1 << 10);
    e.shared_ffn = e.expert_ffn;  // DeepseekV3MoE: intermediate_size = moe_intermediate_size * n_shared_experts
    e.dense_leading_layers = t.integer_or("first_k_dense_replace", 0, 0, kLayers);
    e.layer_step = t.integer_or("moe_layer_freq", 1, 1, kLayers);
    // noaux_tc routing keeps an e_score_correction_bias per expert (DeepseekV3TopkRouter); GLM's
    // routers keep it whatever topk_method says (Glm4MoeTopkRouter, which GLM-4.7-Flash and GLM-5 reuse).
    e.router_bias = t.string_or("topk_method") == "noaux_tc" || m.architecture == "glm4_moe_lite" || m.architecture == "glm_moe_dsa";
    read_expert_weighting(t, e);
  }
  const std::int64_t mtp = t.integer_or("num_nextn_predict_layers", 0, 0, kLayers);
  if (mtp > 0)
    r.notes.push_back(std::to_string(mtp) + " multi-token-prediction layer(s) after layer " + std::to_string(m.layers - 1) +
                      " not counted (llama.cpp does not load them)");
}

void read_gpt_oss(Reader& r) {
  ModelSpec& m = r.m;
  read_common(r, false);
  read_rope_context(r);
  m.attn_sinks = true;  // GptOssAttention.sinks: one learned logit per head
  if (!read_layer_types(r)) m.layer_pattern = {LayerKind::sliding, LayerKind::full};
  set_sliding(r, 128);
  MoeSpec& e = m.moe;
  e.experts = r.text.integer("num_local_experts", 1, kExperts);
  e.experts_per_token = r.text.integer_or("num_experts_per_tok", r.text.integer_or("experts_per_token", 0, 0, kExperts), 1, kExperts);
  e.expert_ffn = m.ffn;
  e.router_bias = true;  // GptOssTopKRouter.bias
  e.expert_bias = true;  // gate_up_proj_bias, down_proj_bias
  m.ffn = 0;
}

void read_cohere(Reader& r, bool v2) {
  ModelSpec& m = r.m;
  read_common(r, true);
  read_rope_context(r);
  m.norms_per_layer = 1;  // parallel block: one input_layernorm feeds attention and FFN
  if (r.text.boolean_or("use_qk_norm", false)) {
    // CohereLayerNorm over (heads, head_dim): heads x head_dim weights, approximated by one per dim.
    m.qk_norm = true;
    r.notes.push_back("use_qk_norm: per-head norm weights counted as one head_dim vector each for q and k");
  }
  if (v2) {  // Cohere2Config: sliding_window_pattern 4, every 4th layer global
    if (!read_layer_types(r)) {
      const std::int64_t p = r.text.integer_or("sliding_window_pattern", 4, 1, kLayers);
      std::vector<LayerKind> kinds(static_cast<std::size_t>(p), LayerKind::sliding);
      kinds.back() = LayerKind::full;
      m.layer_pattern = kinds;
    }
    set_sliding(r, 4096);
  }
}

void read_jamba(Reader& r) {
  ModelSpec& m = r.m;
  const Obj& t = r.text;
  read_common(r, false);
  const std::int64_t period = t.integer_or("attn_layer_period", 8, 1, kLayers);
  const std::int64_t offset = t.integer_or("attn_layer_offset", 4, 0, period - 1);
  // The default offset (4) is not range-checked: with a period of 4 or less it would index past the
  // pattern (JambaConfig would then have no attention layer at all).
  if (offset >= period)
    fail(t.file(), "attn_layer_offset " + std::to_string(offset) + " (the default) is not below attn_layer_period " +
                       std::to_string(period));
  std::vector<LayerKind> kinds(static_cast<std::size_t>(period), LayerKind::mamba);
  kinds[static_cast<std::size_t>(offset)] = LayerKind::full;  // JambaConfig.layers_block_type
  m.layer_pattern = kinds;
  const std::int64_t experts = t.integer_or("num_experts", 16, 1, kExperts);
  if (experts > 1) {
    MoeSpec& e = m.moe;
    e.experts = experts;
    e.experts_per_token = t.integer_or("num_experts_per_tok", 2, 1, kExperts);
    e.expert_ffn = m.ffn;
    e.layer_step = t.integer_or("expert_layer_period", 2, 1, kLayers);
    e.layer_offset = t.integer_or("expert_layer_offset", 1, 0, e.layer_step - 1);
  }
  SsmSpec& s = m.ssm;  // JambaMambaMixer (Mamba-1 with dt/B/C layernorms)
  s.kind = SsmKind::mamba1;
  s.d_state = t.integer_or("mamba_d_state", 16, 1, kDim);
  s.d_conv = t.integer_or("mamba_d_conv", 4, 1, 1024);
  s.d_inner = width(t, "mamba_expand", m.hidden, t.integer_or("mamba_expand", 2, 1, 64), "hidden_size x mamba_expand");
  const Json* dt = t.get("mamba_dt_rank");
  s.dt_rank = dt != nullptr && dt->is_string() && dt->get<std::string>() == "auto" ? (m.hidden + 15) / 16
                                                                                  : t.integer_or("mamba_dt_rank", (m.hidden + 15) / 16, 1, kDim);
  s.conv_bias = t.boolean_or("mamba_conv_bias", true);
  s.proj_bias = t.boolean_or("mamba_proj_bias", false);
  s.inner_norms = true;
}

void read_granite_hybrid(Reader& r) {
  ModelSpec& m = r.m;
  const Obj& t = r.text;
  read_common(r, false, false);
  if (!read_layer_types(r) && !read_layer_types(r, "layers_block_type")) m.layer_pattern = {LayerKind::mamba};
  MoeSpec& e = m.moe;
  const std::int64_t experts = t.integer_or("num_local_experts", 0, 0, kExperts);
  const std::int64_t shared = t.integer_or("shared_intermediate_size", 0, 0, kDim);
  if (experts > 0) {
    e.experts = experts;
    e.experts_per_token = t.integer("num_experts_per_tok", 1, kExperts);
    e.expert_ffn = m.ffn;  // intermediate_size is the per-expert size
    if (shared > 0) {
      e.shared_experts = 1;
      e.shared_ffn = shared;
    }
    m.ffn = 0;
  } else {
    m.ffn = shared;  // dense Granite-4.0-H: the "shared" MLP is the FFN
  }
  SsmSpec& s = m.ssm;  // GraniteMoeHybridMambaLayer (Mamba-2)
  s.kind = SsmKind::mamba2;
  s.d_state = t.integer_or("mamba_d_state", 256, 1, kDim);
  s.d_conv = t.integer_or("mamba_d_conv", 4, 1, 1024);
  s.n_heads = t.integer_or("mamba_n_heads", 128, 1, kLayers);
  s.n_groups = t.integer_or("mamba_n_groups", 1, 1, kLayers);
  s.d_inner = t.has("mamba_d_head")
                  ? width(t, "mamba_d_head", s.n_heads, t.integer("mamba_d_head", 1, kDim), "mamba_n_heads x mamba_d_head")
                  : width(t, "mamba_expand", m.hidden, t.integer_or("mamba_expand", 2, 1, 64), "hidden_size x mamba_expand");
  s.conv_bias = t.boolean_or("mamba_conv_bias", true);
  s.proj_bias = t.boolean_or("mamba_proj_bias", false);
}

// NemotronHConfig (Nemotron-H, Nemotron Nano 2 and 3): one part per block, as hybrid_override_pattern
// spells it: M Mamba-2, * attention, - MLP, E MoE. MLP and experts are ReLU^2 (up and down only).
void read_nemotron_h(Reader& r) {
  ModelSpec& m = r.m;
  const Obj& t = r.text;
  read_common(r, false, false);
  if (!t.has("head_dim") && t.has("attention_head_dim")) m.head_dim_k = m.head_dim_v = t.integer("attention_head_dim", 1, kDim);
  if (t.boolean_or("mlp_bias", false)) t.problem("mlp_bias", "true is not supported");
  const std::string pattern = t.string_or("hybrid_override_pattern");
  if (static_cast<std::int64_t>(pattern.size()) != m.layers)
    t.problem("hybrid_override_pattern", "has " + std::to_string(pattern.size()) + " blocks for " + std::to_string(m.layers) + " layers");
  std::vector<LayerKind> kinds;
  bool any_moe = false, any_mlp = false;
  for (char c : pattern) {
    if (c == 'M') kinds.push_back(LayerKind::mamba);
    else if (c == '*') kinds.push_back(LayerKind::full);
    else if (c == '-') kinds.push_back(LayerKind::ffn), any_mlp = true;
    else if (c == 'E') kinds.push_back(LayerKind::ffn), any_moe = true;
    else t.problem("hybrid_override_pattern", std::string("unknown block '") + c + "' (M, *, -, E)");
  }
  if (any_moe && any_mlp) t.problem("hybrid_override_pattern", "mixes MLP (-) and MoE (E) blocks, which is not supported");
  m.layer_pattern = shortest_period(kinds);
  m.norms_per_layer = 1;  // NemotronHBlock: one RMSNorm before its mixer
  m.ffn_gated = false;    // mlp_hidden_act relu2: up_proj, down_proj
  if (any_moe) {
    MoeSpec& e = m.moe;
    e.experts = t.integer("n_routed_experts", 1, kExperts);
    e.experts_per_token = t.integer("num_experts_per_tok", 1, kExperts);
    e.expert_ffn = t.integer("moe_intermediate_size", 1, kDim);
    e.shared_experts = t.integer_or("n_shared_experts", 0, 0, 1 << 10);
    if (e.shared_experts > 0) e.shared_ffn = t.integer("moe_shared_expert_intermediate_size", 1, kDim) / e.shared_experts;
    e.router_bias = true;  // NemotronHTopkRouter: e_score_correction_bias
    read_expert_weighting(t, e);
    m.ffn = 0;
  } else if (any_mlp && m.ffn == 0) {
    t.problem("intermediate_size", "MLP blocks (-) need intermediate_size");
  }
  SsmSpec& s = m.ssm;  // NemotronHMamba2Mixer
  s.kind = SsmKind::mamba2;
  s.d_state = t.integer("ssm_state_size", 1, kDim);
  s.d_conv = t.integer_or("conv_kernel", 4, 1, 1024);
  s.n_heads = t.integer("mamba_num_heads", 1, kLayers);
  s.n_groups = t.integer_or("n_groups", 1, 1, kLayers);
  s.d_inner = width(t, "mamba_head_dim", s.n_heads, t.integer("mamba_head_dim", 1, kDim), "mamba_num_heads x mamba_head_dim");
  if (s.d_inner % s.n_groups != 0) t.problem("n_groups", "does not divide mamba_num_heads x mamba_head_dim");
  s.conv_bias = t.boolean_or("use_conv_bias", true);
  s.proj_bias = t.boolean_or("use_bias", false);
}

void read_glm4_moe(Reader& r) {
  ModelSpec& m = r.m;
  const Obj& t = r.text;
  read_common(r, false);
  read_rope_context(r);
  // Glm4MoeAttention: q/k/v_proj bias=config.attention_bias, o_proj bias=False.
  m.attn_bias = t.boolean_or("attention_bias", false) ? AttnBias::qkv : AttnBias::none;
  m.qk_norm = t.boolean_or("use_qk_norm", false);
  MoeSpec& e = m.moe;
  e.experts = t.integer("n_routed_experts", 1, kExperts);
  e.experts_per_token = t.integer("num_experts_per_tok", 1, kExperts);
  e.expert_ffn = t.integer("moe_intermediate_size", 1, kDim);
  e.shared_experts = t.integer_or("n_shared_experts", 0, 0, 1 << 10);
  e.shared_ffn = e.expert_ffn;
  e.dense_leading_layers = t.integer_or("first_k_dense_replace", 0, 0, kLayers);
  e.router_bias = true;  // Glm4MoeTopkRouter.e_score_correction_bias
  read_expert_weighting(t, e);
  const std::int64_t mtp = t.integer_or("num_nextn_predict_layers", 0, 0, kLayers);
  if (mtp > 0)
    r.notes.push_back(std::to_string(mtp) + " multi-token-prediction layer(s) after layer " + std::to_string(m.layers - 1) +
                      " not counted (llama.cpp does not load them)");
}

void read_llama4_text(Reader& r) {
  ModelSpec& m = r.m;
  const Obj& t = r.text;
  read_common(r, false);
  read_rope_context(r);
  // use_qk_norm is Llama4TextL2Norm: no weights, so nothing to count.
  MoeSpec& e = m.moe;
  e.experts = t.integer("num_local_experts", 1, kExperts);
  e.experts_per_token = t.integer("num_experts_per_tok", 1, kExperts);
  e.expert_ffn = m.ffn;
  e.shared_experts = 1;  // Llama4TextMoe.shared_expert (intermediate_size)
  e.shared_ffn = m.ffn;
  // moe_layers default: range(step - 1, layers, step) (Llama4TextConfig).
  const std::int64_t step = t.integer_or("interleave_moe_layer_step", 1, 1, kLayers);
  e.layer_step = step;
  e.layer_offset = step - 1;
  const std::vector<std::int64_t> listed = t.integers("moe_layers", kLayers, 0, kLayers);
  if (!listed.empty()) {
    std::vector<std::int64_t> expect;
    for (std::int64_t i = step - 1; i < m.layers; i += step) expect.push_back(i);
    if (listed != expect) t.problem("moe_layers", "only range(interleave_moe_layer_step - 1, layers, step) is supported");
  }
  m.ffn = step > 1 ? t.integer("intermediate_size_mlp", 1, kDim) : 0;
  // iRoPE: RoPE layers (no_rope_layers[i] == 1) attend in chunks, the NoPE ones globally.
  if (!read_layer_types(r)) {
    std::vector<std::int64_t> rope = t.integers("no_rope_layers", kLayers, 0, 1);
    if (rope.empty()) {
      const std::int64_t every = t.integer_or("no_rope_layer_interval", 4, 1, kLayers);
      for (std::int64_t i = 0; i < m.layers; ++i) rope.push_back((i + 1) % every != 0 ? 1 : 0);
    }
    if (static_cast<std::int64_t>(rope.size()) != m.layers) t.problem("no_rope_layers", "length differs from num_hidden_layers");
    const bool chunked = t.has("attention_chunk_size");
    std::vector<LayerKind> kinds;
    for (std::int64_t x : rope) kinds.push_back(x != 0 && chunked ? LayerKind::chunked : LayerKind::full);
    m.layer_pattern = shortest_period(kinds);
  }
  if (std::find(m.layer_pattern.begin(), m.layer_pattern.end(), LayerKind::chunked) != m.layer_pattern.end())
    m.chunk_size = t.integer("attention_chunk_size", 1, kDim);
}

// SmolLM3: Llama blocks; every 4th layer skips RoPE (no_rope_layers), which leaves its KV cache as
// any other full-attention layer's. SmolLM3Config ties the embeddings by default.
void read_smollm3(Reader& r) {
  read_common(r, true);
  read_rope_context(r);
  if (read_layer_types(r) &&
      std::find(r.m.layer_pattern.begin(), r.m.layer_pattern.end(), LayerKind::sliding) != r.m.layer_pattern.end())
    set_sliding(r);
}

// Seed-OSS: Llama blocks with q/k/v biases (attention_bias) and a separate attention_out_bias for o_proj.
void read_seed_oss(Reader& r) {
  read_common(r, false);
  read_rope_context(r);
  const bool qkv = r.text.boolean_or("attention_bias", false), out = r.text.boolean_or("attention_out_bias", false);
  if (out && !qkv) r.text.problem("attention_out_bias", "true without attention_bias is not supported");
  r.m.attn_bias = qkv ? (out ? AttnBias::qkvo : AttnBias::qkv) : AttnBias::none;
}

// OLMo 2 / OLMo 3: norms after attention and after the MLP (two per block, no input norms) and RMS
// norms over the whole q and k projections (Olmo2Attention q_norm of heads x head_dim, k_norm of
// kv_heads x head_dim). OLMo 3 adds sliding-window layers (layer_types; Olmo3Config default: every
// 4th layer full).
void read_olmo(Reader& r, bool v3) {
  read_common(r, false);
  read_rope_context(r);
  r.m.qk_norm = r.m.qk_norm_full = true;
  if (!v3) return;
  if (!read_layer_types(r)) r.m.layer_pattern = {LayerKind::sliding, LayerKind::sliding, LayerKind::sliding, LayerKind::full};
  if (std::find(r.m.layer_pattern.begin(), r.m.layer_pattern.end(), LayerKind::sliding) != r.m.layer_pattern.end())
    set_sliding(r, 4096);
}

// ERNIE 4.5 MoE: experts on layers moe_layer_start_index..moe_layer_end_index where (il + 1) %
// moe_layer_interval == 0, dense MLP elsewhere; moe_num_shared_experts shared experts of
// moe_intermediate_size (Ernie4_5_MoeSparseMoeBlock runs them as one MLP of their total width: the
// same weights); the e_score_correction_bias of Ernie4_5_MoeStatics.
void read_ernie45_moe(Reader& r) {
  ModelSpec& m = r.m;
  const Obj& t = r.text;
  read_common(r, true);
  read_rope_context(r);
  if (t.boolean_or("use_bias", false)) t.problem("use_bias", "true (biases on the MLP projections) is not supported");
  MoeSpec& e = m.moe;
  e.experts = t.integer("moe_num_experts", 1, kExperts);
  e.experts_per_token = t.integer("moe_k", 1, kExperts);
  e.expert_ffn = t.integer("moe_intermediate_size", 1, kDim);
  e.shared_experts = t.integer_or("moe_num_shared_experts", 0, 0, 1 << 10);
  e.shared_ffn = e.expert_ffn;
  e.router_bias = true;
  const std::int64_t start = t.integer_or("moe_layer_start_index", 0, 0, kLayers);
  const std::int64_t end = t.integer_or("moe_layer_end_index", m.layers - 1, -1, kLayers);
  if (end != -1 && end < m.layers - 1) t.problem("moe_layer_end_index", "dense layers after the last MoE layer are not supported");
  const std::int64_t step = t.integer_or("moe_layer_interval", 1, 1, kLayers);
  e.dense_leading_layers = start;  // MoE where il >= start and (il + 1) % step == 0 (ModelSpec::is_moe_layer)
  e.layer_step = step;
  e.layer_offset = step - 1;
}

// MiniMax-M2: every layer full attention and MoE (num_local_experts of intermediate_size, sigmoid
// routing with a bias when use_routing_bias), QK norms over the whole projections (qk_norm_type
// per_layer); llama.cpp does not load the MTP modules.
void read_minimax_m2(Reader& r) {
  ModelSpec& m = r.m;
  const Obj& t = r.text;
  read_common(r, false);
  read_rope_context(r);
  for (const std::int64_t kind : t.integers("attn_type_list", kLayers, 0, 1))
    if (kind != 1) t.problem("attn_type_list", "lightning (linear) attention layers (0) are not supported");
  if (t.boolean_or("use_qk_norm", false)) {
    m.qk_norm = true;
    m.qk_norm_full = t.string_or("qk_norm_type", "per_layer") == "per_layer";
  }
  MoeSpec& e = m.moe;
  e.experts = t.integer("num_local_experts", 1, kExperts);
  e.experts_per_token = t.integer("num_experts_per_tok", 1, kExperts);
  e.expert_ffn = m.ffn;
  e.router_bias = t.boolean_or("use_routing_bias", false);
  m.ffn = 0;
  const std::int64_t mtp = t.integer_or("num_mtp_modules", 0, 0, kLayers);
  if (mtp > 0) r.notes.push_back(std::to_string(mtp) + " multi-token-prediction module(s) not counted (llama.cpp does not load them)");
}

// ---- vision towers: parameter counts from the modeling code's module list ----

// SiglipVisionTransformer: patch conv (bias), learned positions, pre-LN blocks with biased q/k/v/o
// and fc1/fc2, post_layernorm, optional attention-pooling head.
std::int64_t siglip_params(const Obj& v) {
  const std::int64_t h = v.integer_or("hidden_size", 768, 1, kDim), i = v.integer_or("intermediate_size", 3072, 1, kDim);
  const std::int64_t layers = v.integer_or("num_hidden_layers", 12, 1, 1024), c = v.integer_or("num_channels", 3, 1, 16);
  const std::int64_t patch = v.integer_or("patch_size", 16, 1, 4096), image = v.integer_or("image_size", 224, 1, 1 << 16);
  const std::int64_t positions = (image / patch) * (image / patch);
  const std::int64_t block = 4 * h /*2 LayerNorms*/ + 4 * (h * h + h) + 2 * h * i + i + h;
  std::int64_t n = c * patch * patch * h + h + positions * h + layers * block + 2 * h;
  if (v.boolean_or("vision_use_head", true)) n += h /*probe*/ + 4 * (h * h + h) /*MultiheadAttention*/ + 2 * h + 2 * h * i + i + h;
  return n;
}

// Qwen2_5_VisionTransformerPretrainedModel: Conv3d patch embed (no bias), RMSNorm blocks with a
// biased qkv/proj and a gated biased MLP, PatchMerger (RMSNorm + 2 biased Linear) to the LLM width.
std::int64_t qwen25_vl_params(const Obj& v) {
  const std::int64_t h = v.integer("hidden_size", 1, kDim), i = v.integer("intermediate_size", 1, kDim);
  const std::int64_t depth = v.integer("depth", 1, 1024), out = v.integer("out_hidden_size", 1, kDim);
  const std::int64_t c = v.integer_or("in_channels", v.integer_or("in_chans", 3, 1, 16), 1, 16);
  const std::int64_t p = v.integer_or("patch_size", 14, 1, 4096), tp = v.integer_or("temporal_patch_size", 2, 1, 64);
  const std::int64_t merge = v.integer_or("spatial_merge_size", 2, 1, 64);
  const std::int64_t block = 2 * h + (3 * h * h + 3 * h) + (h * h + h) + 2 * (h * i + i) + (i * h + h);
  const std::int64_t mh = h * merge * merge;
  return c * tp * p * p * h + depth * block + h + (mh * mh + mh) + (mh * out + out);
}

// Qwen2VisionTransformerPretrainedModel: LayerNorm blocks, plain biased MLP (mlp_ratio), LayerNorm merger.
std::int64_t qwen2_vl_params(const Obj& v) {
  const std::int64_t e = v.integer_or("embed_dim", 1280, 1, kDim), depth = v.integer_or("depth", 32, 1, 1024);
  const std::int64_t i = e * v.integer_or("mlp_ratio", 4, 1, 64), out = v.integer("hidden_size", 1, kDim);
  const std::int64_t c = v.integer_or("in_chans", 3, 1, 16), p = v.integer_or("patch_size", 14, 1, 4096);
  const std::int64_t tp = v.integer_or("temporal_patch_size", 2, 1, 64), merge = v.integer_or("spatial_merge_size", 2, 1, 64);
  const std::int64_t block = 4 * e + (3 * e * e + 3 * e) + (e * e + e) + (e * i + i) + (i * e + e);
  const std::int64_t mh = e * merge * merge;
  return c * tp * p * p * e + depth * block + 2 * e + (mh * mh + mh) + (mh * out + out);
}

// Qwen3VLVisionModel (also Qwen3.5's tower, modeling_qwen3_vl.py / modeling_qwen3_5.py): Conv3d patch
// embed with bias, learned positions (num_position_embeddings), LayerNorm blocks with a biased qkv/proj
// and a plain biased MLP, a PatchMerger (LayerNorm over the ViT width + two biased Linear) to the LLM
// width, and one DeepStack merger per deepstack_visual_indexes entry (its LayerNorm over the merged
// width, use_postshuffle_norm). Qwen3.5's tower has no DeepStack mergers.
// The DeepStack mergers: one per deepstack_visual_indexes entry (each a ViT block index).
std::int64_t qwen3_vl_deepstack(const Obj& v, std::int64_t deepstack_default) {
  if (!v.has("deepstack_visual_indexes")) return deepstack_default;
  const std::int64_t depth = v.integer("depth", 1, 1024);
  return static_cast<std::int64_t>(v.integers("deepstack_visual_indexes", 1024, 0, depth - 1).size());
}

std::int64_t qwen3_vl_params(const Obj& v, std::int64_t deepstack) {
  const std::int64_t h = v.integer("hidden_size", 1, kDim), i = v.integer("intermediate_size", 1, kDim);
  const std::int64_t depth = v.integer("depth", 1, 1024), out = v.integer("out_hidden_size", 1, kDim);
  const std::int64_t c = v.integer_or("in_channels", 3, 1, 16), p = v.integer_or("patch_size", 16, 1, 4096);
  const std::int64_t tp = v.integer_or("temporal_patch_size", 2, 1, 64), merge = v.integer_or("spatial_merge_size", 2, 1, 64);
  const std::int64_t positions = v.integer_or("num_position_embeddings", 2304, 0, 1 << 20);
  // The same sum in double first: every term is positive, so when it stays below 2^50 no integer
  // product can wrap (validate() then holds the count to its own limit).
  auto count = [&](auto one) {
    using T = decltype(one);
    const T H = T(h), I = T(i), mh = H * T(merge * merge);
    const T block = 4 * H + (3 * H * H + 3 * H) + (H * H + H) + (H * I + I) + (I * H + H);
    const T merger = (mh * mh + mh) + (mh * T(out) + T(out));
    return T(c * tp * p * p) * H + H + T(positions) * H + T(depth) * block + (2 * H + merger) + T(deepstack) * (2 * mh + merger);
  };
  if (count(1.0) > 0x1p50) v.problem("hidden_size", "the vision tower would have more than 2^50 parameters");
  return count(std::int64_t{1});
}

// Llama4VisionModel: unfold-conv patch embedding (no bias), class token, positions, pre/post
// LayerNorm, biased LayerNorm blocks, pixel-shuffle MLP adapter (two bias-free Linear).
std::int64_t llama4_vision_params(const Obj& v) {
  const std::int64_t h = v.integer("hidden_size", 1, kDim), i = v.integer("intermediate_size", 1, kDim);
  const std::int64_t layers = v.integer("num_hidden_layers", 1, 1024), c = v.integer_or("num_channels", 3, 1, 16);
  const std::int64_t p = v.integer("patch_size", 1, 4096), image = v.integer("image_size", 1, 1 << 16);
  const std::int64_t pin = v.integer("projector_input_dim", 1, kDim), pout = v.integer("projector_output_dim", 1, kDim);
  const std::int64_t patches = (image / p) * (image / p);
  const std::int64_t block = 4 * (h * h + h) + (h * i + i) + (i * h + h) + 4 * h;
  return c * p * p * h + h + (patches + 1) * h + 4 * h + layers * block + i * pin + pout * pout;
}

// PixtralVisionModel: bias-free patch conv, RMSNorm ln_pre, RMSNorm blocks with bias-free
// attention and gated MLP (RoPE: no position weights).
std::int64_t pixtral_params(const Obj& v) {
  const std::int64_t h = v.integer_or("hidden_size", 1024, 1, kDim), i = v.integer_or("intermediate_size", 4096, 1, kDim);
  const std::int64_t layers = v.integer_or("num_hidden_layers", 24, 1, 1024), c = v.integer_or("num_channels", 3, 1, 16);
  const std::int64_t p = v.integer_or("patch_size", 16, 1, 4096);
  return c * p * p * h + h + layers * (2 * h + 4 * h * h + 3 * h * i);
}

// MllamaVisionModel (modeling_mllama.py): bias-free patch conv, class embedding, a gated position
// embedding (one table of patches x h, plus a tile table of (R + 1) rows x tiles x patches x h, R the
// number of supported aspect ratios), gated pre- and post-tile aspect-ratio embeddings ((R + 1) x
// tiles x h + a gate each), pre/post LayerNorms, num_hidden_layers LayerNorm blocks (bias-free
// q/k/v/o, biased fc1/fc2) and num_global_layers gated blocks (the same plus gate_attn, gate_ffn).
// patches = (image_size / patch_size)^2 + 1 class token. Llama 3.2 Vision: 863,567,379.
std::int64_t mllama_vision_params(const Obj& v, std::int64_t& tokens_per_image) {
  const std::int64_t h = v.integer_or("hidden_size", 1280, 1, kDim), i = v.integer_or("intermediate_size", 5120, 1, kDim);
  const std::int64_t layers = v.integer_or("num_hidden_layers", 32, 1, 1024), global = v.integer_or("num_global_layers", 8, 0, 1024);
  const std::int64_t c = v.integer_or("num_channels", 3, 1, 16), p = v.integer_or("patch_size", 14, 1, 4096);
  const std::int64_t image = v.integer_or("image_size", 560, 1, 1 << 14), tiles = v.integer_or("max_num_tiles", 4, 1, 64);
  // supported_aspect_ratios: every (w, h) tile grid with w x h <= max_num_tiles (8 for 4 tiles).
  std::int64_t ratios = 0;
  if (const Json* sr = v.get("supported_aspect_ratios"); sr != nullptr && sr->is_array() && !sr->empty())
    ratios = static_cast<std::int64_t>(sr->size());
  else
    for (std::int64_t a = 1; a <= tiles; ++a) ratios += tiles / a;
  const std::int64_t patches = (image / p) * (image / p) + 1;
  tokens_per_image = tiles * patches;  // the cross-attention states: every tile's patches and class token
  if (ratios > 4096) v.problem("supported_aspect_ratios", "more than 4096 entries");
  // Every term is positive: the sum in double first, so that no integer product below can wrap.
  const double dh = double(h), dp = double(patches);
  if (double(layers + global) * (4 * dh * dh + 2 * dh * double(i)) + double(ratios + 1) * double(tiles) * dp * dh > 0x1p50)
    v.problem("hidden_size", "the vision tower would have more than 2^50 parameters");
  const std::int64_t block = 4 * h * h + (h * i + i) + (i * h + h) + 4 * h;
  const std::int64_t pos = 1 + patches * h + (ratios + 1) * tiles * patches * h;
  const std::int64_t tile_pos = 2 * ((ratios + 1) * tiles * h + 1);
  return c * p * p * h + h + pos + tile_pos + 4 * h + layers * block + global * (block + 2);
}

void read_vision(Reader& r, const std::string& type) {
  if (!r.root.has("vision_config")) return;
  const Obj v = r.root.child("vision_config");
  VisionSpec& vs = r.m.vision;
  const std::int64_t text_hidden = r.m.hidden;
  if (type == "gemma3") {
    vs.params = siglip_params(v);
    const std::int64_t vh = v.integer_or("hidden_size", 768, 1, kDim);
    // Gemma3MultiModalProjector: mm_input_projection_weight (vision x text) + mm_soft_emb_norm.
    vs.projector_params = vh * text_hidden + vh;
    vs.tokens_per_image = r.root.integer_or("mm_tokens_per_image", 256, 1, 1 << 20);
    const bool so400m = vh == 1152 && v.integer_or("num_hidden_layers", 12, 1, 1024) == 27;
    vs.encoder = so400m ? "SigLIP-So400m" : "SigLIP";
  } else if (type == "qwen2_5_vl" || type == "qwen2_vl") {
    vs.params = type == "qwen2_5_vl" ? qwen25_vl_params(v) : qwen2_vl_params(v);
    vs.encoder = type == "qwen2_5_vl" ? "Qwen2.5-VL ViT" : "Qwen2-VL ViT";
    // llama.cpp clip.cpp caps the longest side at 1024 px: ceil(1024 / 28)^2 = 1369 tokens.
    const std::int64_t cell = v.integer_or("patch_size", 14, 1, 4096) * v.integer_or("spatial_merge_size", 2, 1, 64);
    const std::int64_t side = (1024 + cell - 1) / cell;
    vs.tokens_per_image = side * side;
  } else if (type == "qwen3_vl" || type == "qwen3_vl_moe" || type == "qwen3_5" || type == "qwen3_5_moe") {
    // Qwen3VLVisionConfig defaults deepstack_visual_indexes to [8, 16, 24]; Qwen3.5 has none. Each
    // merger's output is added after one of the first text blocks (Qwen3VLTextModel._deepstack_process);
    // llama.cpp's converter writes their count as n_deepstack_layers for qwen3vl and qwen3vlmoe only.
    const bool qwen3_5 = type == "qwen3_5" || type == "qwen3_5_moe";
    const std::int64_t deepstack = qwen3_vl_deepstack(v, qwen3_5 ? 0 : 3);
    vs.params = qwen3_vl_params(v, deepstack);
    if (!qwen3_5) {
      if (deepstack > r.m.layers) v.problem("deepstack_visual_indexes", "has more entries than the text model has layers");
      r.m.deepstack_layers = deepstack;
    }
    vs.encoder = qwen3_5 ? "Qwen3.5 ViT" : "Qwen3-VL ViT";
    // One token per merged patch: a 1024 x 1024 image is (1024 / 32)^2 = 1024 tokens (llama.cpp
    // clip.cpp keeps an image between 8 and 4096 tokens).
    const std::int64_t cell = v.integer_or("patch_size", 16, 1, 4096) * v.integer_or("spatial_merge_size", 2, 1, 64);
    const std::int64_t side = (1024 + cell - 1) / cell;
    vs.tokens_per_image = side * side;
  } else if (type == "llama4") {
    vs.params = llama4_vision_params(v);
    // Llama4MultiModalProjector.linear_1: vision_output_dim -> text hidden, no bias.
    vs.projector_params = v.integer("vision_output_dim", 1, kDim) * text_hidden;
    vs.encoder = "Llama4 ViT";
    const std::int64_t side = v.integer("image_size", 1, 1 << 16) / v.integer("patch_size", 1, 4096);
    const double ratio = v.number_or("pixel_shuffle_ratio", 0.5);
    vs.tokens_per_image = static_cast<std::int64_t>(std::llround(double(side * side) * ratio * ratio));
  } else if (type == "mllama") {
    vs.params = mllama_vision_params(v, vs.tokens_per_image);
    // MllamaForConditionalGeneration.multi_modal_projector: Linear(vision_output_dim, text hidden, bias=True).
    vs.projector_params = v.integer_or("vision_output_dim", 7680, 1, kDim) * text_hidden + text_hidden;
    vs.encoder = "MllamaVisionModel";
  } else if (type == "mistral3") {
    vs.params = pixtral_params(v);
    const std::int64_t vh = v.integer_or("hidden_size", 1024, 1, kDim);
    const std::int64_t merge = r.root.integer_or("spatial_merge_size", 2, 1, 64);
    const bool bias = r.root.boolean_or("multimodal_projector_bias", false);
    // Mistral3MultiModalProjector: RMSNorm, patch merger (bias-free), linear_1, linear_2.
    vs.projector_params = vh + vh * merge * merge * vh + vh * text_hidden + text_hidden * text_hidden + (bias ? 2 * text_hidden : 0);
    vs.encoder = "Pixtral";
    // One token per merged patch plus one [IMG_BREAK] per row, at the configured image size.
    const std::int64_t side = v.integer_or("image_size", 1024, 1, 1 << 16) / (v.integer_or("patch_size", 16, 1, 4096) * merge);
    vs.tokens_per_image = side * side + side;
  }
}

using FamilyReader = std::function<void(Reader&)>;

const std::map<std::string, FamilyReader>& families() {
  static const std::map<std::string, FamilyReader> f = {
      {"llama", read_llama},
      {"mistral", read_mistral},
      {"mixtral", read_mixtral},
      {"qwen2", read_qwen2},
      {"qwen2_moe", read_qwen2_moe},
      {"qwen2_vl", read_qwen2},
      {"qwen2_5_vl", read_qwen2},
      {"qwen3", [](Reader& r) { read_qwen3(r); }},
      {"qwen3_moe", read_qwen3_moe},
      {"qwen3_next", read_qwen3_next},
      {"qwen3_5", [](Reader& r) { read_qwen3_5(r, false); }},
      {"qwen3_5_text", [](Reader& r) { read_qwen3_5(r, false); }},
      {"qwen3_5_moe", [](Reader& r) { read_qwen3_5(r, true); }},
      {"qwen3_5_moe_text", [](Reader& r) { read_qwen3_5(r, true); }},
      {"qwen3_vl", [](Reader& r) { read_qwen3(r); }},
      {"qwen3_vl_text", [](Reader& r) { read_qwen3(r); }},
      {"qwen3_vl_moe", read_qwen3_moe},
      {"qwen3_vl_moe_text", read_qwen3_moe},
      {"gemma2", read_gemma2},
      {"gemma3", read_gemma3_text},
      {"gemma3_text", read_gemma3_text},
      {"gemma3n", read_gemma3n},
      {"gemma3n_text", read_gemma3n},
      {"gemma4", read_gemma4},
      {"gemma4_text", read_gemma4},
      {"phi3", read_phi3},
      {"deepseek_v2", read_deepseek},
      {"deepseek_v3", read_deepseek},
      {"kimi_k2", read_deepseek},
      {"deepseek_v32", read_deepseek},
      {"glm4_moe_lite", read_deepseek},  // Glm4MoeLiteConfig: DeepseekV3's fields and MLA (GLM-4.7-Flash)
      {"glm_moe_dsa", read_deepseek},    // GlmMoeDsaConfig: DeepseekV32's fields (GLM-5)
      {"gpt_oss", read_gpt_oss},
      {"cohere", [](Reader& r) { read_cohere(r, false); }},
      {"cohere2", [](Reader& r) { read_cohere(r, true); }},
      {"jamba", read_jamba},
      {"granitemoehybrid", read_granite_hybrid},
      {"nemotron_h", read_nemotron_h},
      {"glm4_moe", read_glm4_moe},
      {"llama4", read_llama4_text},
      {"mistral3", read_mistral},
      {"smollm3", read_smollm3},
      {"seed_oss", read_seed_oss},
      {"olmo2", [](Reader& r) { read_olmo(r, false); }},
      {"olmo3", [](Reader& r) { read_olmo(r, true); }},
      {"ernie4_5_moe", read_ernie45_moe},
      {"minimax_m2", read_minimax_m2},
      {"mllama", read_mllama},
  };
  return f;
}

// Wrapper configs whose language model lives in text_config.
bool nests_text(const std::string& type) {
  return type == "gemma3" || type == "gemma3n" || type == "gemma4" || type == "llama4" || type == "mistral3" || type == "mllama";
}

// Qwen3-VL and Qwen3.5 wrappers (text_config when present; their *_text types are the bare text
// config). The checkpoint's lm_head follows the top-level tie_word_embeddings: Qwen3-VL-30B-A3B says
// true in text_config, false at the top, and ships lm_head.weight.
bool qwen3_wrapper(const std::string& type) {
  return type == "qwen3_vl" || type == "qwen3_vl_moe" || type == "qwen3_5" || type == "qwen3_5_moe";
}

// qwen3_5_text -> qwen3_5: one architecture name whichever config class wrote the file.
std::string family_name(const std::string& type) {
  const std::string tail = "_text";
  if (type.size() > tail.size() && type.compare(type.size() - tail.size(), tail.size(), tail) == 0) {
    const std::string base = type.substr(0, type.size() - tail.size());
    if (qwen3_wrapper(base)) return base;
  }
  return type;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

}  // namespace

const std::vector<std::string>& supported_model_types() {
  static const std::vector<std::string> types = [] {
    std::vector<std::string> v;
    for (const auto& [k, f] : families()) v.push_back(k);
    return v;
  }();
  return types;
}

HfConfig parse_hf_config(const nlohmann::json& json, const std::string& file) {
  const Obj root(json, file);
  const std::string type = root.string_or("model_type");
  if (type.empty()) fail(file, "no model_type (not a transformers config.json?)");
  auto it = families().find(type);
  if (it == families().end()) fail(file, "unknown model_type '" + type + "' (supported: " + join(supported_model_types()) + ")");
  HfConfig out;
  ModelSpec& m = out.spec;
  m.architecture = family_name(type);
  // qwen2(.5)-VL configs keep the text fields at the top level (older) or in text_config (newer).
  const bool nested = nests_text(type) || ((type == "qwen2_vl" || type == "qwen2_5_vl" || qwen3_wrapper(type)) && root.has("text_config"));
  Reader r{root, nested ? root.child("text_config") : root, m, out.notes};
  it->second(r);
  if (qwen3_wrapper(type) && nested && root.has("tie_word_embeddings")) m.tied_embeddings = root.boolean_or("tie_word_embeddings", false);
  read_vision(r, type);
  bool sliding = false;
  for (LayerKind k : m.layer_pattern) sliding |= k == LayerKind::sliding;
  if (!sliding) m.sliding_window = 0;
  out.mix_id = quant_mix_id(json, file, out.notes);
  const std::string& mix = out.mix_id;
  // Catalog convention: native_format names the published storage (bf16, fp16, fp8-block, mxfp4, gptq-int4 ...).
  m.native_format = mix.rfind("hf-", 0) == 0 ? mix.substr(3) : mix;
  // gpt-oss's MXFP4 experts are what GGUF files keep too (expert_format, weights.hpp).
  if (mix == "mxfp4" && m.moe.present()) m.expert_format = "mxfp4";
  try {
    validate(m);
    const ParamCounts pc = count_params(m);
    m.params_total_b = double(pc.total) / 1e9;
    if (m.moe.present()) m.params_active_b = double(pc.active) / 1e9;
  } catch (const CoreError& e) {
    std::string why = e.what();
    if (why.rfind("model '': ", 0) == 0) why = why.substr(10);
    fail(file, why);
  }
  return out;
}

HfConfig parse_hf_config(std::string_view text, const std::string& file) { return parse_hf_config(parse_json(text, file), file); }

HfConfig read_hf_config(const std::string& file) {
  return parse_hf_config(std::string_view(read_input_file(file, kMaxConfigBytes, "config.json")), file);
}

}  // namespace vramfit::io::hf
