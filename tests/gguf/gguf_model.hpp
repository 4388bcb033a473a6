// A GGUF file for a catalog model: llama.cpp's metadata keys and tensor names, each tensor in the
// type vramfit's quantization mix gives it, zero weights. Every architecture family of the catalog
// (gguf_family.hpp says which, and refuses the rest by name); the tensors are gguf_tensors.hpp's.
//
// Sources (llama.cpp as shipped in node-llama-cpp 3.22.1):
//   src/llama-arch.cpp            key and tensor names (LLM_KV_*, LLM_TENSOR_*)
//   src/models/<arch>.cpp         load_arch_hparams: the keys each architecture reads
//   src/llama-model.cpp           load_hparams (context_length, key_length, rope.dimension_count ...)
//   src/llama-vocab.cpp           tokenizer.ggml.model "llama" needs tokens; scores and token_type optional
//   ggml/include/ggml.h           ggml_type ids; include/llama.h llama_ftype ids (general.file_type)
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "gguf_family.hpp"
#include "gguf_tensors.hpp"
#include "gguf_writer.hpp"

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

namespace detail {

// A vocabulary llama.cpp's SPM tokenizer accepts: <unk>, <s>, </s>, the 256 byte tokens, the word
// boundary "▁" (so that text survives a tokenize/detokenize round trip, which node-llama-cpp checks),
// then unique placeholders and <|endoftext|>. Token types: 1 normal, 2 unknown, 3 control, 6 byte (llama.h llama_token_type).
inline void add_tokenizer(Writer& w, std::int64_t vocab) {
  if (vocab < 261) throw std::invalid_argument("a GGUF vocabulary needs at least 261 tokens (3 special, 256 bytes, 2 more)");
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
  for (std::int64_t i = 260; i + 1 < vocab; ++i) {
    std::string t = "t";  // (not "t" + to_string: GCC 12 warns falsely, -Wrestrict)
    t += std::to_string(i);
    tokens.push_back(std::move(t));
    types.push_back(1);
  }
  // Last: a control token llama-vocab.cpp looks up by text for models named "phi-3"/"phi3".
  tokens.emplace_back("<|endoftext|>");
  types.push_back(3);
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

// The metadata and tensor list of `m` under `mix`; write() it to get the file. Keys per family
// follow each architecture's load_arch_hparams (src/models/<arch>.cpp); tensors come from
// file_tensors(), so the file's tensor bytes are weight_bytes(m, mix, types, false).total plus the
// deviations it lists.
inline Writer model_writer(const ModelSpec& m, const QuantMix& mix, const TypeTable& types,
                           const ModelFileOptions& opt = {}) {
  const std::string arch = gguf_architecture(m, opt);
  const FileTensors files = file_tensors(m, mix, types, opt);
  auto u32 = [](std::int64_t v) { return static_cast<std::uint32_t>(v); };
  auto is = [&](std::initializer_list<std::string_view> names) {
    for (std::string_view n : names)
      if (arch == n) return true;
    return false;
  };
  const std::string a = arch + ".";
  const MoeSpec& e = m.moe;
  const SsmSpec& s = m.ssm;
  const MlaSpec& mla = m.mla;
  Writer w;
  w.add_string("general.architecture", arch);
  w.add_string("general.name", m.name.empty() ? m.id : m.name);
  if (const auto ftype = llama_ftype_id(mix.id)) w.add_u32("general.file_type", *ftype);
  w.add_u32(a + "context_length", u32(opt.context_length > 0 ? opt.context_length : m.max_context));
  w.add_u32(a + "embedding_length", u32(m.hidden));
  w.add_u32(a + "block_count", u32(m.layers));
  // llama (Mixtral), jamba and granitehybrid size their experts by feed_forward_length.
  const bool ff_is_expert = e.present() && is({"llama", "jamba", "granitehybrid"});
  const bool nemotron = is({"nemotron_h", "nemotron_h_moe"});
  const bool mla_arch = is({"deepseek2", "glm-dsa"});
  auto per_layer = [&](auto value) {
    std::vector<std::uint32_t> v;
    for (std::int64_t il = 0; il < m.layers; ++il) v.push_back(u32(value(il)));
    return v;
  };
  if (nemotron) {
    // Per block: the MLP width on feed-forward blocks (the experts' with MoE), 0 elsewhere: a block
    // with neither KV heads nor a width is recurrent (models/nemotron-h.cpp; conversion/nemotron.py).
    std::vector<std::uint32_t> ff;
    for (std::int64_t il = 0; il < m.layers; ++il)
      ff.push_back(m.layer_kind(il) == LayerKind::ffn ? u32(e.present() ? e.expert_ffn : m.ffn) : 0);
    w.add_u32s(a + "feed_forward_length", ff);
  } else if (arch == "gemma4" && e.present()) {
    w.add_u32(a + "feed_forward_length", u32(e.shared_ffn));  // the dense MLP beside the experts
  } else if (m.ffn_kv_shared > 0) {
    // Gemma 4 E2B's double-wide MLP: the converter writes one width per layer.
    w.add_u32s(a + "feed_forward_length", per_layer([&](std::int64_t il) { return m.ffn_at(il); }));
  } else {
    // MiniMax-M2's converter writes intermediate_size, the experts' width, which llama.cpp's loader
    // needs above 0 (it sizes tensors by it: GGML_ASSERT(ne >= 1) in llama-model-loader.cpp otherwise).
    w.add_u32(a + "feed_forward_length", u32(ff_is_expert || arch == "minimax-m2" ? e.expert_ffn : m.ffn));
  }
  w.add_u32(a + "attention.head_count", u32(m.heads));
  if (m.kv_heads_full > 0) {
    // Gemma 4: the converter writes head_count_kv per layer when the global layers differ.
    w.add_u32s(a + "attention.head_count_kv", per_layer([&](std::int64_t il) { return m.kv_heads_at(il); }));
  } else if (is({"jamba", "granitehybrid", "nemotron_h", "nemotron_h_moe"})) {
    // A recurrent layer is one with head_count_kv 0 (models/jamba.cpp, granite-hybrid.cpp); in
    // nemotron_h a feed-forward block too.
    std::vector<std::uint32_t> kv;
    for (std::int64_t il = 0; il < m.layers; ++il) kv.push_back(ModelSpec::is_attention(m.layer_kind(il)) ? u32(m.kv_heads) : 0);
    w.add_u32s(a + "attention.head_count_kv", kv);
  } else {
    // MLA runs as MQA over the compressed latent: one KV head (conversion/deepseek.py).
    w.add_u32(a + "attention.head_count_kv", u32(mla_arch ? 1 : m.kv_heads));
  }
  if (mla_arch) {
    // key = latent + rope part, value = latent; the decompressed head sizes go to the _mla keys.
    w.add_u32(a + "attention.key_length", u32(mla.kv_lora_rank + mla.qk_rope_head_dim));
    w.add_u32(a + "attention.value_length", u32(mla.kv_lora_rank));
    w.add_u32(a + "attention.key_length_mla", u32(mla.qk_nope_head_dim + mla.qk_rope_head_dim));
    w.add_u32(a + "attention.value_length_mla", u32(mla.v_head_dim));
    w.add_u32(a + "attention.q_lora_rank", u32(mla.q_lora_rank));  // 0: no query compression (V2-Lite)
    w.add_u32(a + "attention.kv_lora_rank", u32(mla.kv_lora_rank));
    w.add_u32(a + "rope.dimension_count", u32(mla.qk_rope_head_dim));
  } else if (arch == "gemma4") {
    // key_length is the global layers' head size, key_length_swa the sliding layers' (conversion/gemma.py).
    const std::int64_t full = m.head_dim_full > 0 ? m.head_dim_full : m.head_dim_k;
    w.add_u32(a + "attention.key_length", u32(full));
    w.add_u32(a + "attention.value_length", u32(full));
    w.add_u32(a + "attention.key_length_swa", u32(m.head_dim_k));
    w.add_u32(a + "attention.value_length_swa", u32(m.head_dim_v));
    w.add_u32(a + "rope.dimension_count", u32(full));
    w.add_u32(a + "rope.dimension_count_swa", u32(m.head_dim_k));
  } else {
    w.add_u32(a + "attention.key_length", u32(m.head_dim_k));
    w.add_u32(a + "attention.value_length", u32(m.head_dim_v));
    // llama requires n_rot == head size; GLM-4.5 rotates half of each head (partial_rotary_factor 0.5),
    // Qwen3.5 a quarter (0.25: 64 of 256, conversion/qwen.py); MiniMax-M2 64 of 128 dims (rotary_dim).
    const bool qwen35 = is({"qwen35", "qwen35moe"});
    w.add_u32(a + "rope.dimension_count", u32(is({"glm4moe", "minimax-m2"}) ? m.head_dim_k / 2 : qwen35 ? m.head_dim_k / 4 : m.head_dim_k));
  }
  // Command R normalises with LayerNorm (models/command-r.cpp), everything else with RMSNorm.
  w.add_f32(a + (arch == "command-r" ? "attention.layer_norm_epsilon" : "attention.layer_norm_rms_epsilon"), opt.rms_eps);
  // nemotron_h also requires the LayerNorm epsilon (its MTP head's final norm; models/nemotron-h.cpp).
  if (is({"nemotron_h", "nemotron_h_moe"})) w.add_f32(a + "attention.layer_norm_epsilon", opt.rms_eps);
  w.add_f32(a + "rope.freq_base", opt.rope_freq_base);
  w.add_u32(a + "vocab_size", u32(m.vocab));

  if (e.present()) {
    w.add_u32(a + "expert_count", u32(e.experts));
    w.add_u32(a + "expert_used_count", u32(e.experts_per_token));
    if (!ff_is_expert) w.add_u32(a + "expert_feed_forward_length", u32(e.expert_ffn));
    if (is({"deepseek2", "glm-dsa", "glm4moe"})) {
      w.add_u32(a + "expert_shared_count", u32(e.shared_experts));
      w.add_u32(a + "leading_dense_block_count", u32(e.dense_leading_layers));
      // Sigmoid routing with a selection bias (DeepSeek-V3, Kimi K2, GLM-4.5), else softmax (V2).
      w.add_u32(a + "expert_gating_func", e.router_bias ? 2u : 1u);  // LLAMA_EXPERT_GATING_FUNC_TYPE_*
    }
    if (arch == "ernie4_5-moe") {
      // convert_hf_to_gguf.py Ernie4_5MoeModel: the shared experts' total width, the leading dense
      // blocks (moe_layer_start_index) and the interleave step (moe_layer_interval).
      w.add_u32(a + "expert_shared_count", u32(e.shared_experts));
      if (e.shared_experts > 0)
        w.add_u32(a + "expert_shared_feed_forward_length", u32((e.shared_ffn > 0 ? e.shared_ffn : e.expert_ffn) * e.shared_experts));
      w.add_u32(a + "leading_dense_block_count", u32(e.dense_leading_layers));
      w.add_u32(a + "interleave_moe_layer_step", u32(e.layer_step));
    }
    if (arch == "minimax-m2") w.add_u32(a + "expert_gating_func", 2u);  // sigmoid (scoring_func)
    // norm_topk_prob and routed_scaling_factor (convert_hf_to_gguf.py DeepseekV2Model, Glm4MoeModel,
    // NemotronHModel), where llama.cpp's loaders read them.
    if (is({"deepseek2", "glm-dsa", "glm4moe", "nemotron_h_moe"})) {
      if (e.weights_norm) w.add_bool(a + "expert_weights_norm", true);
      if (e.weights_scale != 0) w.add_f32(a + "expert_weights_scale", static_cast<float>(e.weights_scale));
    }
    if (is({"qwen3next", "qwen35moe", "granitehybrid", "nemotron_h_moe"}) && e.shared_experts > 0)
      w.add_u32(a + "expert_shared_feed_forward_length",
                u32((e.shared_ffn > 0 ? e.shared_ffn : e.expert_ffn) * e.shared_experts));
    if (arch == "llama4") w.add_u32(a + "interleave_moe_layer_step", u32(e.layer_step));
  }
  if (is({"gemma3n", "gemma4"})) {
    // One bool per layer, as the converter writes layer_types (conversion/gemma.py).
    w.add_u32(a + "attention.sliding_window", u32(m.sliding_window > 0 ? m.sliding_window : 512));
    w.add_bools(a + "attention.sliding_window_pattern", [&] {
      std::vector<std::uint8_t> v;
      for (std::int64_t il = 0; il < m.layers; ++il) v.push_back(m.layer_kind(il) == LayerKind::sliding ? 1 : 0);
      return v;
    }());
    w.add_u32(a + "attention.shared_kv_layers", u32(m.kv_shared_layers));
    w.add_u32(a + "embedding_length_per_layer_input", u32(m.per_layer.embed_dim));  // gemma4 requires it, 0 = none
    if (arch == "gemma3n") {
      w.add_u32(a + "altup.active_idx", 0);
      w.add_u32(a + "altup.num_inputs", u32(m.per_layer.altup_inputs));
    }
  } else if (is({"gemma2", "gemma3", "gpt-oss"}) && swa_period(m, LayerKind::sliding) > 0) {
    w.add_u32(a + "attention.sliding_window", u32(m.sliding_window));
    w.add_u32(a + "attention.sliding_window_pattern", u32(swa_period(m, LayerKind::sliding)));
  } else if (arch == "llama4") {
    // llama.cpp fixes the chunk at 8192 and reads the key only to switch chunking off (0).
    const std::int64_t period = swa_period(m, LayerKind::chunked);
    w.add_u32(a + "attention.sliding_window", u32(period > 0 ? m.chunk_size : 0));
    if (period > 0) w.add_u32(a + "attention.sliding_window_pattern", u32(period));
  } else if (arch == "olmo2" && swa_period(m, LayerKind::sliding) > 0) {
    // OLMo 3: the window turns on llama.cpp's fixed (sliding x 3, full) pattern (LLM_ARCH_OLMO2).
    w.add_u32(a + "attention.sliding_window", u32(m.sliding_window));
  } else if (arch == "phi3" && m.sliding_window > 0) {
    w.add_u32(a + "attention.sliding_window", u32(m.sliding_window));  // read, then ignored (models/phi3.cpp)
  }
  if (arch == "gemma2") {
    w.add_f32(a + "attn_logit_softcapping", opt.gemma2_attn_softcap);
    w.add_f32(a + "final_logit_softcapping", opt.gemma2_final_softcap);
  }
  // M-RoPE sections, required by the qwen2vl, qwen3vl and qwen35 loaders (get_key_or_arr(..., true)).
  if (arch == "qwen2vl") w.add_i32s(a + "rope.dimension_sections", opt.qwen2vl_mrope_sections);
  if (is({"qwen3vl", "qwen3vlmoe"})) w.add_i32s(a + "rope.dimension_sections", opt.qwen3vl_mrope_sections);
  // The DeepStack slices (conversion/qwen.py Qwen3VLTextModel: len(deepstack_visual_indexes)).
  if (is({"qwen3vl", "qwen3vlmoe"}) && m.deepstack_layers > 0) w.add_u32(a + "n_deepstack_layers", u32(m.deepstack_layers));
  if (is({"qwen35", "qwen35moe"})) w.add_i32s(a + "rope.dimension_sections", opt.qwen35_mrope_sections);
  // Hybrid Granite files turn RoPE off through rope_finetuned (conversion/granite.py: only Bamba and
  // attention-only Granite models keep it), which llama.cpp's granite-hybrid loader reads as the switch.
  if (arch == "granitehybrid")
    w.add_bool(a + "rope.scaling.finetuned", std::none_of(m.layer_pattern.begin(), m.layer_pattern.end(), [](LayerKind k) {
                 return k == LayerKind::mamba;
               }));
  if (is({"jamba", "granitehybrid", "qwen3next", "qwen35", "qwen35moe", "nemotron_h", "nemotron_h_moe"})) {
    w.add_u32(a + "ssm.conv_kernel", u32(s.d_conv));
    w.add_u32(a + "ssm.inner_size", u32(s.d_inner));
    w.add_u32(a + "ssm.state_size", u32(s.d_state));
    // jamba: the dt projection rank; Mamba-2 and the delta net: the number of (value) heads.
    w.add_u32(a + "ssm.time_step_rank", u32(arch == "jamba" ? s.dt_rank : s.n_heads));
    if (arch != "jamba") w.add_u32(a + "ssm.group_count", u32(s.n_groups));
    if (delta_net_family(arch)) w.add_u32(a + "full_attention_interval", u32(static_cast<std::int64_t>(m.layer_pattern.size())));
  }
  detail::add_tokenizer(w, m.vocab);

  for (const FileTensor& t : files.tensors) {
    const std::uint32_t ggml = ggml_type_id(t.type).value_or(UINT32_MAX);
    if (ggml == UINT32_MAX) throw std::invalid_argument("tensor type '" + t.type + "' has no ggml type id");
    w.add_tensor(t.name, t.ne, ggml, t.nbytes);
  }
  return w;
}

}  // namespace vramfit::gguf
