// Weight bytes under a quantization mix: the type of each tensor follows llama.cpp's
// llama_tensor_get_type() rules (src/llama-quant.cpp), encoded as data in quants.yaml.
#pragma once

#include <algorithm>
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "vramfit/quant.hpp"
#include "vramfit/tensors.hpp"

namespace vramfit {

inline constexpr std::size_t kGroupCount = 9;

struct WeightBreakdown {
  Bytes total{0};
  std::array<Bytes, kGroupCount> by_group{};
  std::vector<Bytes> per_layer;  // block weights of each layer (placement unit)
  std::vector<Bytes> per_layer_experts;  // routed-expert part of per_layer
  Bytes global_cpu{0};           // token_embd (+ per-layer embeddings): stay in host memory under llama.cpp
  Bytes token_embd{0};           // token_embd alone (what a tied output head duplicates)
  Bytes output{0};               // output head + final norm: on the output device
  Bytes tied_copy{0};            // part of `output` that duplicates token_embd (tied embeddings on a GPU)
  // Single tensors a GPU copies in to run a host-resident matmul (llama.cpp op offload, placement.hpp):
  Bytes output_matrix{0};         // the output head matrix (the tied token_embd when there is none)
  Bytes largest_block_tensor{0};  // the largest tensor of any block (an expert stack on MoE models)
  Bytes vision{0};               // mmproj
  std::int64_t params = 0;
  [[nodiscard]] Bytes group(TensorGroup g) const { return by_group[static_cast<std::size_t>(g)]; }
  [[nodiscard]] double bits_per_weight() const {
    return params > 0 ? 8.0 * double((total - vision).value()) / double(params) : 0.0;
  }
};

namespace detail {

inline bool rule_matches_name(const MixRule& r, std::string_view name) {
  for (const std::string& t : r.tensors) {
    // llama.cpp matches by substring, so "ffn_down" also covers ffn_down_exps and ffn_down_shexp.
    if (name == t || (name.size() > t.size() && name.substr(0, t.size()) == t && name[t.size()] == '_' &&
                      t.rfind("ffn_", 0) == 0))
      return true;
  }
  return false;
}

inline bool rule_conditions(const MixRule& r, const ModelSpec& m) {
  if (r.min_gqa > 0 && m.gqa_ratio() < r.min_gqa) return false;
  if (r.when_experts > 0 && m.moe.experts != r.when_experts) return false;
  if (r.when_layers > 0 && m.layers != r.when_layers) return false;
  return true;
}

}  // namespace detail

// Type look-ups by id for one weight estimate, remembered by the address of the id string. The ids a
// mix resolves to are a handful of strings held by the mix and the type table, and the look-up runs for
// every tensor (a whole-catalog table sizes a few hundred thousand); a case-insensitive scan of the
// table each time was a third of `table MODEL`.
class TypeLookup {
 public:
  explicit TypeLookup(const TypeTable& table) : table_(table) {}
  TypeLookup(const TypeTable&&) = delete;  // the results point into the table
  [[nodiscard]] const TensorType& get(const std::string& id) {
    for (std::size_t i = 0; i < used_; ++i)
      if (seen_[i].first == &id) return *seen_[i].second;
    const TensorType& t = table_.get(id);
    if (used_ < seen_.size()) seen_[used_++] = {&id, &t};
    return t;
  }

 private:
  const TypeTable& table_;
  std::array<std::pair<const std::string*, const TensorType*>, 16> seen_{};
  std::size_t used_ = 0;
};

// Resolves the storage type of one tensor. `ordinal`/`count` index the tensor among its kind
// (llama.cpp counts attention tensors over attention layers, FFN tensors over all blocks).
inline const TensorType& tensor_type_for(const TensorInfo& t, const ModelSpec& m, const QuantMix& mix,
                                         TypeLookup& types, std::int64_t ordinal, std::int64_t count) {
  static const std::string kF16 = "f16";
  if (!t.matrix) return types.get(mix.unquantized);
  if (t.group == TensorGroup::vision) return types.get(mix.vision);
  // Experts released in a GGUF type stay in it in every GGUF mix: published gpt-oss files from Q2_K
  // to F16 all hold the MXFP4 experts (11.5-13.8 GB for the 20b), only the other tensors follow the mix.
  if (t.group == TensorGroup::experts && !m.expert_format.empty() && mix.format == "gguf")
    return types.get(m.expert_format);
  // llama.cpp keeps Gemma 3n's small AltUp / LAuReL matrices and the per-layer model projection as
  // converted, 16-bit (llama-quant.cpp tensor_allows_quantization: "altup", "laurel", "per_layer_model_proj").
  if (mix.format == "gguf" && (t.name.find("altup") != std::string_view::npos || t.name.find("laurel") != std::string_view::npos ||
                               t.name == "per_layer_model_proj"))
    return types.get(kF16);
  const std::string* id = &mix.base;
  // The per-layer embedding table is typed as token_embd (llama-quant.cpp tensor_name_match_token_embd).
  if (t.name == "token_embd" || t.name == "per_layer_token_embd")
    id = m.tied_embeddings ? (mix.output.empty() ? &mix.base : &mix.output) : (mix.embeddings.empty() ? &mix.base : &mix.embeddings);
  else if (t.name == "output") id = mix.output.empty() ? &mix.base : &mix.output;
  else if (t.group == TensorGroup::experts && !mix.experts.empty()) id = &mix.experts;
  // A fused-QKV model (ModelSpec::fused_qkv) keeps q, k and v apart in the inventory (LoRA targets them
  // apart) but its file holds one attn_qkv tensor: each of the three takes that tensor's type, which is
  // exact because they share its row length (llama-quant.cpp: Q4_K_M -> Q5_K on every layer, not attn_v's
  // use_more_bits Q6_K).
  const bool in_qkv = m.fused_qkv() && (t.name == "attn_q" || t.name == "attn_k" || t.name == "attn_v");
  const std::string_view rule_name = in_qkv ? std::string_view("attn_qkv") : t.name;
  for (const MixRule& r : mix.rules) {
    if (!detail::rule_matches_name(r, rule_name) || !detail::rule_conditions(r, m)) continue;
    if (t.layer >= 0 && !layer_selected(r, ordinal, count)) continue;
    id = &r.type;
  }
  // A row that is not a whole number of blocks falls back, e.g. Q4_K -> Q5_0 -> ... -> F16. That is
  // llama.cpp's quantizer: safetensors formats (bitsandbytes NF4, FP8 128x128) block the whole tensor.
  const TensorType* ty = &types.get(*id);
  for (int guard = 0; guard < 8 && mix.format == "gguf" && !ty->divides(t.ne0); ++guard)
    ty = &types.get(ty->fallback.empty() ? kF16 : ty->fallback);
  return *ty;
}

// One tensor on its own, e.g. for a caller that writes a file tensor by tensor.
inline const TensorType& tensor_type_for(const TensorInfo& t, const ModelSpec& m, const QuantMix& mix,
                                         const TypeTable& types, std::int64_t ordinal, std::int64_t count) {
  TypeLookup lookup(types);
  return tensor_type_for(t, m, mix, lookup, ordinal, count);
}

inline WeightBreakdown weight_bytes(const ModelSpec& m, const QuantMix& mix, const TypeTable& types,
                                    bool include_vision = true) {
  WeightBreakdown w;
  w.per_layer.assign(static_cast<std::size_t>(m.layers), Bytes{0});
  w.per_layer_experts.assign(static_cast<std::size_t>(m.layers), Bytes{0});
  // Cross-attention blocks (mllama) have attn_* tensors too and count among the attention layers.
  const std::int64_t n_attn = m.count_layers([](LayerKind k) { return ModelSpec::is_attention(k) || k == LayerKind::cross; });
  std::int64_t attn_ordinal = -1, last_layer = -1;
  TypeLookup lookup(types);
  for (const TensorInfo& t : tensor_inventory(m)) {
    if (t.group == TensorGroup::vision && !include_vision) continue;
    if (t.layer != last_layer && t.layer >= 0) {
      last_layer = t.layer;
      if (ModelSpec::is_attention(m.layer_kind(t.layer)) || m.layer_kind(t.layer) == LayerKind::cross) ++attn_ordinal;
    }
    const bool attn_tensor = t.name.rfind("attn_", 0) == 0;
    const std::int64_t ordinal = attn_tensor ? attn_ordinal : t.layer;
    const std::int64_t count = attn_tensor ? n_attn : m.layers;
    const Bytes b = tensor_type_for(t, m, mix, lookup, ordinal, count).bytes(t.ne0, t.rows);
    w.total += b;
    w.by_group[static_cast<std::size_t>(t.group)] += b;
    if (t.group != TensorGroup::vision) w.params = detail::checked_add(w.params, t.elements());
    if (t.layer >= 0) {
      w.per_layer[static_cast<std::size_t>(t.layer)] += b;
      if (t.group == TensorGroup::experts) w.per_layer_experts[static_cast<std::size_t>(t.layer)] += b;
      w.largest_block_tensor = std::max(w.largest_block_tensor, b);
    }
    else if (t.group == TensorGroup::embeddings) w.global_cpu += b, w.token_embd += t.name == "token_embd" ? b : Bytes{0};
    else if (t.group == TensorGroup::output) w.output += b, w.output_matrix = t.name == "output" ? b : w.output_matrix;
    else if (t.group == TensorGroup::vision) w.vision += b;
  }
  // Tied embeddings: the output device gets its own copy of token_embd (llama.cpp duplicates it).
  if (m.tied_embeddings) {
    w.tied_copy = w.token_embd;
    w.output += w.tied_copy;
    w.output_matrix = w.tied_copy;
  }
  return w;
}

// Bytes one decoded token reads from weights: every non-expert block weight, the output head,
// and only experts_per_token / experts of the routed experts. The embedding lookup reads one row.
inline Bytes active_weight_bytes(const ModelSpec& m, const WeightBreakdown& w) {
  const Bytes experts = w.group(TensorGroup::experts);
  const Bytes active_experts =
      m.moe.present() ? Bytes(experts.value() / m.moe.experts * m.moe.experts_per_token) : experts;
  Bytes read = w.total - w.vision - w.global_cpu - experts + active_experts;
  if (m.tied_embeddings) read += w.token_embd;  // the tied matrix is read whole as the output head
  return read + Bytes(w.global_cpu.value() / std::max<std::int64_t>(1, m.vocab));
}

}  // namespace vramfit
