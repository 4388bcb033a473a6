// A GGUF file for a catalog model: llama.cpp's metadata keys and tensor names, each tensor in the
// type vramfit's quantization mix gives it, zero weights. Dense full-attention transformers of the
// llama (Llama, Mistral), qwen2 and qwen3 architectures; anything else is refused by name.
//
// Sources (llama.cpp as shipped in node-llama-cpp 3.22.1):
//   src/llama-arch.cpp            key and tensor names (LLM_KV_*, LLM_TENSOR_*)
//   src/models/llama.cpp, qwen2.cpp, qwen3.cpp  which tensors each architecture requires, and shapes
//   src/llama-model.cpp           load_hparams (context_length, key_length, rope.dimension_count ...)
//   src/llama-vocab.cpp           tokenizer.ggml.model "llama" needs tokens; scores and token_type optional
//   ggml/include/ggml.h           ggml_type ids; include/llama.h llama_ftype ids (general.file_type)
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "gguf_writer.hpp"
#include "vramfit/tensors.hpp"
#include "vramfit/weights.hpp"

namespace vramfit::gguf {

// ggml_type of a vramfit storage type id; nullopt for formats llama.cpp does not load (fp8, GPTQ ...).
inline std::optional<std::uint32_t> ggml_type_id(std::string_view id) {
  struct Row { std::string_view id; std::uint32_t ggml; };
  static constexpr Row kTypes[] = {
      {"f32", 0},      {"f16", 1},     {"q4_0", 2},     {"q4_1", 3},    {"q5_0", 6},    {"q5_1", 7},
      {"q8_0", 8},     {"q8_1", 9},    {"q2_K", 10},    {"q3_K", 11},   {"q4_K", 12},   {"q5_K", 13},
      {"q6_K", 14},    {"q8_K", 15},   {"iq2_xxs", 16}, {"iq2_xs", 17}, {"iq3_xxs", 18}, {"iq1_s", 19},
      {"iq4_nl", 20},  {"iq3_s", 21},  {"iq2_s", 22},   {"iq4_xs", 23}, {"iq1_m", 29},  {"bf16", 30},
      {"tq1_0", 34},   {"tq2_0", 35},  {"mxfp4", 39},
  };
  for (const Row& r : kTypes)
    if (iequals(r.id, id)) return r.ggml;
  return std::nullopt;
}

// llama_ftype of a file-level mix (general.file_type); nullopt for mixes llama.cpp has no id for.
inline std::optional<std::uint32_t> llama_ftype_id(std::string_view mix) {
  struct Row { std::string_view id; std::uint32_t ftype; };
  static constexpr Row kMixes[] = {
      {"F32", 0},      {"F16", 1},      {"Q4_0", 2},     {"Q4_1", 3},     {"Q8_0", 7},     {"Q5_0", 8},
      {"Q5_1", 9},     {"Q2_K", 10},    {"Q3_K_S", 11},  {"Q3_K_M", 12},  {"Q3_K_L", 13},  {"Q4_K_S", 14},
      {"Q4_K_M", 15},  {"Q5_K_S", 16},  {"Q5_K_M", 17},  {"Q6_K", 18},    {"IQ2_XXS", 19}, {"IQ2_XS", 20},
      {"Q2_K_S", 21},  {"IQ3_XS", 22},  {"IQ3_XXS", 23}, {"IQ1_S", 24},   {"IQ4_NL", 25},  {"IQ3_S", 26},
      {"IQ3_M", 27},   {"IQ2_S", 28},   {"IQ2_M", 29},   {"IQ4_XS", 30},  {"IQ1_M", 31},   {"BF16", 32},
      {"TQ1_0", 36},   {"TQ2_0", 37},   {"MXFP4_MOE", 38},
  };
  for (const Row& r : kMixes)
    if (iequals(r.id, mix)) return r.ftype;
  return std::nullopt;
}

struct ModelFileOptions {
  std::string architecture;         // GGUF general.architecture; empty: from the spec (mistral -> llama)
  std::int64_t context_length = 0;  // <arch>.context_length; 0: the model's max_context
  float rms_eps = 1e-5f;            // Llama 3 / Qwen config.json rms_norm_eps
  float rope_freq_base = 500000.0f; // Llama 3 rope_theta
};

// The GGUF architecture name of a spec, or an error naming what this writer cannot express.
inline std::string gguf_architecture(const ModelSpec& m, const ModelFileOptions& opt = {}) {
  const std::string arch = !opt.architecture.empty() ? opt.architecture
                           : m.architecture == "mistral" ? std::string("llama") : m.architecture;
  auto refuse = [&](const std::string& why) {
    throw std::invalid_argument("cannot write a GGUF file for '" + m.id + "' (" + m.architecture + "): " + why);
  };
  if (arch != "llama" && arch != "qwen2" && arch != "qwen3")
    refuse("architecture '" + arch + "' is not supported (llama, mistral, qwen2, qwen3 are)");
  for (LayerKind k : m.layer_pattern)
    if (k != LayerKind::full) refuse(std::string("layer kind '") + to_string(k) + "' is not supported");
  if (m.moe.present()) refuse("mixture-of-experts layers are not supported");
  if (m.vision.present()) refuse("vision towers are not supported");
  if (!m.ffn_gated || m.ffn <= 0) refuse("the FFN must be gated (ffn_gate, ffn_up, ffn_down)");
  if (m.norms_per_layer != 2 || !m.final_norm) refuse("blocks must have two norms and a final norm");
  if (m.attn_output_gate || m.attn_sinks) refuse("attention output gates and sinks are not supported");
  if (m.head_dim_k != m.head_dim_v) refuse("K and V head sizes differ");
  const bool qkv_bias = m.attn_bias == AttnBias::qkv;
  if (m.attn_bias == AttnBias::qkvo) refuse("an attention output bias is not supported");
  if (arch == "llama" && (qkv_bias || m.qk_norm)) refuse("llama has neither QKV biases nor QK norms");
  if (arch == "qwen3" && (qkv_bias || !m.qk_norm)) refuse("qwen3 has QK norms and no QKV biases");
  if (arch == "qwen2" && m.qk_norm) refuse("qwen2 has no QK norms");
  return arch;
}

namespace detail {

// One inventory entry as the GGUF tensors llama.cpp names: the per-block "norms" entry is
// attn_norm + ffn_norm, "attn_vec" is the QKV biases (qwen2) or the Q/K norms (qwen3).
inline void add_gguf_tensors(Writer& w, const ModelSpec& m, const TensorInfo& t, const TensorType& type) {
  const std::uint32_t ggml = ggml_type_id(type.id).value_or(UINT32_MAX);
  if (ggml == UINT32_MAX) throw std::invalid_argument("tensor type '" + type.id + "' has no ggml type id");
  const std::string blk = t.layer >= 0 ? "blk." + std::to_string(t.layer) + "." : std::string();
  auto vec = [&](const std::string& name, std::int64_t n) {
    w.add_tensor(blk + name, {n}, ggml, type.bytes(n, 1).value());
  };
  const std::string_view name = t.name;
  if (name == "norms") {
    vec("attn_norm.weight", m.hidden);
    vec("ffn_norm.weight", m.hidden);
  } else if (name == "attn_vec") {
    if (m.qk_norm) {
      vec("attn_q_norm.weight", m.head_dim_k);
      vec("attn_k_norm.weight", m.head_dim_k);
    }
    if (m.attn_bias == AttnBias::qkv) {
      vec("attn_q.bias", m.heads * m.head_dim_k);
      vec("attn_k.bias", m.kv_heads * m.head_dim_k);
      vec("attn_v.bias", m.kv_heads * m.head_dim_v);
    }
  } else if (t.rows == 1 && !t.matrix) {
    vec(std::string(name) + ".weight", t.ne0);  // output_norm
  } else {
    w.add_tensor(blk + std::string(name) + ".weight", {t.ne0, t.rows}, ggml, type.bytes(t.ne0, t.rows).value());
  }
}

// A vocabulary llama.cpp's SPM tokenizer accepts: <unk>, <s>, </s>, the 256 byte tokens, the word
// boundary "▁" (so that text survives a tokenize/detokenize round trip, which node-llama-cpp checks),
// then unique placeholders. Token types: 1 normal, 2 unknown, 3 control, 6 byte (llama.h llama_token_type).
inline void add_tokenizer(Writer& w, std::int64_t vocab) {
  if (vocab < 260) throw std::invalid_argument("a GGUF vocabulary needs at least 260 tokens (3 special + 256 bytes + 1)");
  std::vector<std::string> tokens;
  std::vector<std::int32_t> types;
  tokens.reserve(static_cast<std::size_t>(vocab));
  types.reserve(static_cast<std::size_t>(vocab));
  tokens = {"<unk>", "<s>", "</s>"};
  types = {2, 3, 3};
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (int b = 0; b < 256; ++b) {
    tokens.push_back(std::string("<0x") + kHex[b >> 4] + kHex[b & 15] + ">");
    types.push_back(6);
  }
  tokens.emplace_back("\xE2\x96\x81");  // U+2581, SentencePiece's space
  types.push_back(1);
  for (std::int64_t i = 260; i < vocab; ++i) {
    std::string t = "t";  // (not "t" + to_string: GCC 12 warns falsely, -Wrestrict)
    t += std::to_string(i);
    tokens.push_back(std::move(t));
    types.push_back(1);
  }
  w.add_string("tokenizer.ggml.model", "llama");
  w.add_strings("tokenizer.ggml.tokens", tokens);
  w.add_f32s("tokenizer.ggml.scores", std::vector<float>(static_cast<std::size_t>(vocab), 0.0f));
  w.add_i32s("tokenizer.ggml.token_type", types);
  w.add_u32("tokenizer.ggml.unknown_token_id", 0);
  w.add_u32("tokenizer.ggml.bos_token_id", 1);
  w.add_u32("tokenizer.ggml.eos_token_id", 2);
  w.add_bool("tokenizer.ggml.add_bos_token", true);
  w.add_bool("tokenizer.ggml.add_eos_token", false);
}

}  // namespace detail

// The metadata and tensor list of `m` under `mix`; write() it to get the file. Tensor types come from
// tensor_type_for() with the same layer ordinals as weight_bytes(), so the file's tensor bytes equal
// weight_bytes(m, mix, types).total exactly.
inline Writer model_writer(const ModelSpec& m, const QuantMix& mix, const TypeTable& types,
                           const ModelFileOptions& opt = {}) {
  const std::string arch = gguf_architecture(m, opt);
  auto u32 = [](std::int64_t v) { return static_cast<std::uint32_t>(v); };
  Writer w;
  w.add_string("general.architecture", arch);
  w.add_string("general.name", m.name.empty() ? m.id : m.name);
  if (const auto ftype = llama_ftype_id(mix.id)) w.add_u32("general.file_type", *ftype);
  w.add_u32(arch + ".context_length", u32(opt.context_length > 0 ? opt.context_length : m.max_context));
  w.add_u32(arch + ".embedding_length", u32(m.hidden));
  w.add_u32(arch + ".block_count", u32(m.layers));
  w.add_u32(arch + ".feed_forward_length", u32(m.ffn));
  w.add_u32(arch + ".attention.head_count", u32(m.heads));
  w.add_u32(arch + ".attention.head_count_kv", u32(m.kv_heads));
  w.add_u32(arch + ".attention.key_length", u32(m.head_dim_k));
  w.add_u32(arch + ".attention.value_length", u32(m.head_dim_v));
  w.add_u32(arch + ".rope.dimension_count", u32(m.head_dim_k));  // llama.cpp requires n_rot == head size
  w.add_f32(arch + ".attention.layer_norm_rms_epsilon", opt.rms_eps);
  w.add_f32(arch + ".rope.freq_base", opt.rope_freq_base);
  w.add_u32(arch + ".vocab_size", u32(m.vocab));
  detail::add_tokenizer(w, m.vocab);

  // Same ordinals as weight_bytes(): attention tensors counted over attention layers, FFN over blocks.
  const std::int64_t n_attn = m.count_layers(ModelSpec::is_attention);
  std::int64_t attn_ordinal = -1, last_layer = -1;
  for (const TensorInfo& t : tensor_inventory(m)) {
    if (t.layer != last_layer && t.layer >= 0) {
      last_layer = t.layer;
      if (ModelSpec::is_attention(m.layer_kind(t.layer))) ++attn_ordinal;
    }
    const bool attn_tensor = t.name.rfind("attn_", 0) == 0;
    const TensorType& type = tensor_type_for(t, m, mix, types, attn_tensor ? attn_ordinal : t.layer,
                                             attn_tensor ? n_attn : m.layers);
    detail::add_gguf_tensors(w, m, t, type);
  }
  return w;
}

}  // namespace vramfit::gguf
