// Which llama.cpp architecture a catalog model is written as, and what that architecture requires
// of the model (gguf_architecture() refuses, naming the reason, whatever the file could not express).
//
// Sources (llama.cpp as shipped in node-llama-cpp; a checkout of the same commit):
//   src/llama-arch.cpp        LLM_ARCH_NAMES: the general.architecture strings
//   src/models/<arch>.cpp     load_arch_hparams / load_arch_tensors: required keys and tensors
//   src/llama-model.cpp       llama_model_base::load_swa_pattern, hparams.set_swa_pattern
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "vramfit/model.hpp"

namespace vramfit::gguf {

// vramfit's catalog `architecture` (the config.json model_type) -> GGUF general.architecture.
// GGUF names map to themselves, so a spec read back from a GGUF file is accepted too.
inline std::string gguf_arch_name(std::string_view catalog_arch) {
  struct Row { std::string_view catalog, gguf; };
  static constexpr Row kMap[] = {
      {"llama", "llama"},        {"mistral", "llama"},         {"mixtral", "llama"},
      {"qwen2", "qwen2"},        {"qwen2_5_vl", "qwen2vl"},    {"qwen2vl", "qwen2vl"},
      {"qwen3", "qwen3"},        {"qwen3_moe", "qwen3moe"},    {"qwen3moe", "qwen3moe"},
      {"qwen3_next", "qwen3next"}, {"qwen3next", "qwen3next"}, {"gemma2", "gemma2"},
      {"gemma3", "gemma3"},      {"gemma3_text", "gemma3"},    {"phi3", "phi3"},
      {"deepseek_v2", "deepseek2"}, {"deepseek_v3", "deepseek2"}, {"kimi_k2", "deepseek2"},
      {"deepseek2", "deepseek2"}, {"gpt_oss", "gpt-oss"},      {"gpt-oss", "gpt-oss"},
      {"cohere", "command-r"},   {"command-r", "command-r"},   {"jamba", "jamba"},
      {"granitemoehybrid", "granitehybrid"}, {"granitehybrid", "granitehybrid"},
      {"glm4_moe", "glm4moe"},   {"glm4moe", "glm4moe"},       {"llama4", "llama4"},
      // convert_hf_to_gguf.py converts GLM-4.7-Flash (Glm4MoeLiteForCausalLM) as deepseek2. DeepSeek-V3.2
      // is written as deepseek2 with the indexer tensors of glm-dsa (GLM-5): llama.cpp's own name for a
      // V3.2 file is not checked here (docs/gguf.md).
      {"glm4_moe_lite", "deepseek2"}, {"deepseek_v32", "deepseek2"}, {"glm_moe_dsa", "glm-dsa"},
      {"glm-dsa", "glm-dsa"},    {"nemotron_h", "nemotron_h"}, {"nemotron_h_moe", "nemotron_h_moe"},
      {"qwen3_5", "qwen35"},     {"qwen35", "qwen35"},         {"qwen3_5_moe", "qwen35moe"},
      {"qwen35moe", "qwen35moe"}, {"qwen3_vl", "qwen3vl"},     {"qwen3vl", "qwen3vl"},
      {"qwen3_vl_moe", "qwen3vlmoe"}, {"qwen3vlmoe", "qwen3vlmoe"},
      {"mistral3", "llama"},     {"smollm3", "smollm3"},       {"seed_oss", "seed_oss"},
      {"olmo2", "olmo2"},        {"olmo3", "olmo2"},           // llama.cpp loads OLMo 3 as olmo2 + sliding window
      {"ernie4_5_moe", "ernie4_5-moe"}, {"ernie4_5-moe", "ernie4_5-moe"},
      {"minimax_m2", "minimax-m2"}, {"minimax-m2", "minimax-m2"},
      {"gemma3n", "gemma3n"},    {"gemma3n_text", "gemma3n"},  {"gemma4", "gemma4"},
      {"gemma4_text", "gemma4"},
  };
  for (const Row& r : kMap)
    if (r.catalog == catalog_arch) return std::string(r.gguf);
  return {};
}

// The per-block norm tensors each architecture loads, in vramfit's "norms" entry (norms_per_layer
// of them, hidden_size each). post_attention_norm is the pre-FFN norm of gpt-oss, glm4moe and
// qwen3next (their HF post_attention_layernorm); gemma2/3 add post-attention and post-FFN norms.
inline std::vector<std::string_view> block_norms(std::string_view arch) {
  if (arch == "gemma2" || arch == "gemma3" || arch == "gemma3n" || arch == "gemma4")
    return {"attn_norm", "post_attention_norm", "ffn_norm", "post_ffw_norm"};
  if (arch == "gpt-oss" || arch == "glm4moe" || arch == "qwen3next" || arch == "qwen35" || arch == "qwen35moe")
    return {"attn_norm", "post_attention_norm"};
  if (arch == "command-r") return {"attn_norm"};  // one LayerNorm feeds attention and FFN in parallel
  if (arch == "nemotron_h" || arch == "nemotron_h_moe") return {"attn_norm"};  // one norm per block, whatever its part
  if (arch == "olmo2") return {"post_attention_norm", "post_ffw_norm"};  // norms after attention and MLP only
  if (arch == "seed_oss") return {"attn_norm", "post_attention_norm"};
  return {"attn_norm", "ffn_norm"};
}

// Gemma 4 MoE blocks add the MoE branch's norms and the router's input scale (models/gemma4.cpp);
// a name with a '.' is written as it is, the others get ".weight".
inline std::vector<std::string_view> block_norms(std::string_view arch, const ModelSpec& m) {
  if (arch == "gemma4" && m.moe.present())
    return {"attn_norm", "post_attention_norm", "ffn_norm", "post_ffw_norm",
            "pre_ffw_norm_2", "post_ffw_norm_1", "post_ffw_norm_2", "ffn_gate_inp.scale"};
  return block_norms(arch);
}

// A layer pattern of n-1 local (sliding or chunked) layers then one full layer, as llama.cpp's
// set_swa_pattern(n) lays out (layer il is local when il % n < n - 1); 0 if the pattern is not one.
inline std::int64_t swa_period(const ModelSpec& m, LayerKind local) {
  const auto& p = m.layer_pattern;
  if (p.size() < 2 || p.back() != LayerKind::full) return 0;
  for (std::size_t i = 0; i + 1 < p.size(); ++i)
    if (p[i] != local) return 0;
  return static_cast<std::int64_t>(p.size());
}

// One recurrent layer kind, full attention for the rest (hybrids mark recurrent layers by
// head_count_kv 0 per layer, or by full_attention_interval for qwen3next).
inline bool only_kinds(const ModelSpec& m, LayerKind a, LayerKind b) {
  for (LayerKind k : m.layer_pattern)
    if (k != a && k != b) return false;
  return true;
}

struct ModelFileOptions {
  std::string architecture;         // GGUF general.architecture; empty: gguf_arch_name(spec)
  std::int64_t context_length = 0;  // <arch>.context_length; 0: the model's max_context
  float rms_eps = 1e-5f;            // Llama 3 / Qwen config.json rms_norm_eps
  float rope_freq_base = 500000.0f; // Llama 3 rope_theta
  // Not in ModelSpec: the values of the catalog's real models, written because llama.cpp uses them.
  float gemma2_attn_softcap = 50.0f;   // Gemma 2 config.json attn_logit_softcapping
  float gemma2_final_softcap = 30.0f;  // Gemma 2 config.json final_logit_softcapping
  std::vector<std::int32_t> qwen2vl_mrope_sections{16, 24, 24, 0};  // Qwen2.5-VL rope_scaling.mrope_section
  std::vector<std::int32_t> qwen3vl_mrope_sections{24, 20, 20, 0};  // Qwen3-VL text_config rope_scaling.mrope_section
  // Qwen3.5 rope_parameters.mrope_section (convert's default when absent, conversion/qwen.py); it
  // rotates partial_rotary_factor 0.25 of each head: 64 of 256 dimensions.
  std::vector<std::int32_t> qwen35_mrope_sections{11, 11, 10, 0};
};

// The gated delta-net hybrids: Qwen3-Next and Qwen3.5 (dense and MoE).
inline bool delta_net_family(std::string_view arch) { return arch == "qwen3next" || arch == "qwen35" || arch == "qwen35moe"; }

// The GGUF architecture of a spec, or std::invalid_argument naming what the file cannot express.
inline std::string gguf_architecture(const ModelSpec& m, const ModelFileOptions& opt = {}) {
  std::string arch = !opt.architecture.empty() ? opt.architecture : gguf_arch_name(m.architecture);
  if (arch == "nemotron_h" && m.moe.present()) arch = "nemotron_h_moe";  // Nemotron 3 (convert_hf_to_gguf.py)
  const bool mla_arch = arch == "deepseek2" || arch == "glm-dsa";
  const bool nemotron = arch == "nemotron_h" || arch == "nemotron_h_moe";
  auto refuse = [&](const std::string& why) {
    throw std::invalid_argument("cannot write a GGUF file for '" + m.id + "' (" + m.architecture + "): " + why);
  };
  if (arch.empty()) refuse("architecture '" + m.architecture + "' has no GGUF writer");
  const MoeSpec& e = m.moe;
  const SsmSpec& s = m.ssm;
  const bool moe = e.present(), qkv_bias = m.attn_bias == AttnBias::qkv, qkvo_bias = m.attn_bias == AttnBias::qkvo;
  const auto norms = block_norms(arch, m);
  if (m.norms_per_layer != static_cast<std::int64_t>(norms.size()))
    refuse(arch + " blocks have " + std::to_string(norms.size()) + " norms, the model " + std::to_string(m.norms_per_layer));
  if (!m.final_norm) refuse("every architecture written here has a final norm (output_norm)");
  if (!m.ffn_gated && !nemotron) refuse("the FFN must be gated (ffn_gate, ffn_up, ffn_down)");
  if (m.mla.has_indexer() && arch != "glm-dsa" && arch != "deepseek2") refuse("a DSA indexer is only written for glm-dsa and deepseek2");
  if (m.attn_output_gate && !delta_net_family(arch)) refuse("attention output gates are only written for qwen3next and qwen35");
  if (m.attn_sinks && arch != "gpt-oss") refuse("attention sinks are only written for gpt-oss");
  if (e.expert_bias && arch != "gpt-oss") refuse("expert biases are only written for gpt-oss");
  if (qkvo_bias && arch != "gpt-oss") refuse("an attention output bias is only written for gpt-oss");
  if (e.layer_step != 1 && arch != "jamba" && arch != "llama4") refuse("interleaved MoE layers are only written for jamba and llama4");
  if (e.dense_leading_layers > 0 && !mla_arch && arch != "glm4moe" && arch != "ernie4_5-moe")
    refuse("leading dense blocks are only written for deepseek2, glm4moe and ernie4_5-moe");
  if (e.shared_expert_gate && arch != "qwen3next" && arch != "qwen35moe")
    refuse("a shared-expert gate is only written for qwen3next and qwen35moe");
  if (e.router_bias && arch != "gpt-oss" && !mla_arch && arch != "glm4moe" && arch != "nemotron_h_moe" && arch != "ernie4_5-moe" &&
      arch != "minimax-m2")
    refuse("a router bias is only written for gpt-oss, deepseek2, glm-dsa, glm4moe, nemotron_h_moe, ernie4_5-moe and minimax-m2");
  if (m.qk_norm_full && arch != "olmo2" && arch != "minimax-m2")
    refuse("QK norms over the whole projections are only written for olmo2 and minimax-m2");
  const PerLayerSpec& pl = m.per_layer;
  if (pl.present() && arch != "gemma3n" && arch != "gemma4") refuse("per-layer inputs are only written for gemma3n and gemma4");
  if ((m.head_dim_full > 0 || m.kv_heads_full > 0 || m.full_k_eq_v || m.kv_shared_layers > 0 || m.ffn_kv_shared > 0) &&
      arch != "gemma3n" && arch != "gemma4")
    refuse("per-kind attention shapes and KV sharing are only written for gemma3n and gemma4");
  bool any_local = false;
  for (LayerKind k : m.layer_pattern) any_local |= k == LayerKind::sliding || k == LayerKind::chunked;
  const bool attn_only = only_kinds(m, LayerKind::full, LayerKind::full);
  const bool dense = !moe && m.ffn > 0;
  // Q, K, V head size equal except for MLA (deepseek2 writes its own head sizes).
  if (!mla_arch && m.head_dim_k != m.head_dim_v) refuse("K and V head sizes differ");

  auto need = [&](bool ok, const std::string& why) { if (!ok) refuse(why); };
  if (arch == "llama") {
    need(attn_only && !qkv_bias && !m.qk_norm, "llama is full attention without QKV biases or QK norms");
    need(!moe || (m.ffn == 0 && e.shared_experts == 0), "llama MoE (Mixtral) has routed experts only, no dense FFN");
  } else if (arch == "qwen2" || arch == "qwen2vl") {
    need(attn_only && !m.qk_norm && dense, arch + " is dense full attention without QK norms");
    need(opt.qwen2vl_mrope_sections.size() == 4, "qwen2vl needs 4 M-RoPE sections");
  } else if (arch == "qwen3") {
    need(attn_only && m.qk_norm && !qkv_bias && dense, "qwen3 is dense full attention with QK norms, no QKV biases");
  } else if (arch == "qwen3vl") {  // models/qwen3vl.cpp: the qwen3 text stack
    need(attn_only && m.qk_norm && !qkv_bias && dense, "qwen3vl is dense full attention with QK norms, no QKV biases");
    need(opt.qwen3vl_mrope_sections.size() == 4, "qwen3vl needs 4 M-RoPE sections");
  } else if (arch == "qwen3moe" || arch == "qwen3vlmoe") {
    need(attn_only && m.qk_norm && !qkv_bias && moe && m.ffn == 0 && e.shared_experts == 0,
         arch + " has QK norms and routed experts in every block, no shared expert");
  } else if (arch == "gemma2") {
    need(swa_period(m, LayerKind::sliding) > 0 && !m.qk_norm && !qkv_bias && dense,
         "gemma2 alternates sliding and full attention, dense FFN, no QK norms");
    need(m.tied_embeddings, "gemma2 always ties the output head to token_embd (models/gemma2.cpp)");
  } else if (arch == "gemma3") {
    need((attn_only || swa_period(m, LayerKind::sliding) > 0) && m.qk_norm && !qkv_bias && dense,
         "gemma3 has QK norms, a dense FFN and (sliding x n-1, full) layers");
  } else if (arch == "gemma3n") {
    // llama.cpp reads none of these from the file: n_altup 4, laurel_rank 64, n_embd_altup 256
    // (llama-hparams.h) and 20 KV layers (models/gemma3n.cpp).
    need(m.qk_norm && !qkv_bias && dense && m.tied_embeddings, "gemma3n has QK norms, a dense FFN and tied embeddings");
    need(pl.altup_inputs == 4 && pl.laurel_rank == 64 && pl.embed_dim == 256 && !pl.layer_scalar,
         "llama.cpp fixes gemma3n's AltUp at 4 streams, LAuReL at rank 64 and per-layer embeddings at 256");
    need(m.kv_shared_layers == std::max<std::int64_t>(0, m.layers - 20), "llama.cpp keeps the KV cache of the first 20 gemma3n blocks");
    need(m.head_dim_full == 0 && m.kv_heads_full == 0 && !m.full_k_eq_v && m.ffn_kv_shared == 0,
         "gemma3n layers share one attention shape and FFN width");
  } else if (arch == "gemma4") {
    need(m.qk_norm && !qkv_bias && m.tied_embeddings && pl.altup_inputs == 0 && pl.laurel_rank == 0,
         "gemma4 has QK norms, tied embeddings and no AltUp / LAuReL");
    need(moe ? m.ffn == 0 && e.shared_experts == 1 && e.shared_ffn > 0 : dense,
         "gemma4 MoE blocks run one dense MLP (a shared expert) beside the experts in every block");
  } else if (arch == "phi3") {
    need(attn_only && !m.qk_norm && !qkv_bias && dense, "phi3 (as llama.cpp runs it) is dense full attention");
  } else if (arch == "command-r") {
    need(attn_only && !m.qk_norm && !qkv_bias && dense && m.tied_embeddings,
         "command-r is dense full attention with tied embeddings");
    need(m.layers < 64, "command-r with 64+ blocks (Command R+) needs per-head QK norms the inventory lacks");
  } else if (mla_arch) {
    need(only_kinds(m, LayerKind::mla, LayerKind::mla) && !m.qk_norm && !qkv_bias, arch + " is MLA in every block");
    need(moe && e.shared_experts > 0 && (e.shared_ffn == 0 || e.shared_ffn == e.expert_ffn),
         "deepseek2 shared experts are expert_feed_forward_length wide");
    need(e.dense_leading_layers == 0 || m.ffn > 0, "leading dense blocks need ffn_size");
    need(m.mla.qk_nope_head_dim >= 1 && m.mla.qk_nope_head_dim + m.mla.qk_rope_head_dim == m.head_dim_k &&
             m.mla.v_head_dim == m.head_dim_v,
         "MLA head sizes must be head_dim = qk_nope + qk_rope, head_dim_v = v_head_dim");
  } else if (arch == "gpt-oss") {
    need(swa_period(m, LayerKind::sliding) == 2 && qkvo_bias && m.attn_sinks && moe && e.router_bias && e.expert_bias &&
             m.ffn == 0 && e.shared_experts == 0 && !m.tied_embeddings,
         "gpt-oss alternates sliding/full layers, has QKVO biases, sinks, biased routed experts, an untied head");
  } else if (arch == "jamba") {
    need(only_kinds(m, LayerKind::mamba, LayerKind::full) && s.kind == SsmKind::mamba1 && s.conv_bias && s.inner_norms &&
             !s.proj_bias && !m.qk_norm && !qkv_bias,
         "jamba mixes Mamba-1 (conv bias, dt/B/C norms) and plain attention layers");
    need(s.d_inner == 2 * m.hidden, "jamba needs d_inner = 2 x hidden_size (models/jamba.cpp)");
    need(!moe || m.ffn == 0 || m.ffn == e.expert_ffn, "jamba uses one feed_forward_length for dense and expert FFNs");
  } else if (arch == "granitehybrid") {
    need(only_kinds(m, LayerKind::mamba, LayerKind::full) && s.kind == SsmKind::mamba2 && !s.proj_bias && !m.qk_norm &&
             !qkv_bias && s.n_groups > 0 && s.d_inner % s.n_groups == 0,
         "granitehybrid mixes Mamba-2 and plain attention layers");
    need(s.d_inner == 2 * m.hidden, "granitehybrid needs d_inner = 2 x hidden_size (models/granite-hybrid.cpp)");
    need(moe ? m.ffn == 0 && e.shared_experts <= 1 : dense, "granitehybrid: MoE in every block (or dense in every block)");
  } else if (delta_net_family(arch)) {
    const std::int64_t period = static_cast<std::int64_t>(m.layer_pattern.size());
    bool pattern_ok = period >= 2 && m.layer_pattern.back() == LayerKind::full;
    for (std::int64_t i = 0; i + 1 < period; ++i) pattern_ok &= m.layer_pattern[static_cast<std::size_t>(i)] == LayerKind::linear;
    need(pattern_ok, arch + " layers are (linear x n-1, full) (full_attention_interval)");
    // llama.cpp sizes a value head as ssm.state_size (head_v_dim = ssm_d_state, models/qwen35.cpp).
    need(s.kind == SsmKind::gated_deltanet && s.n_heads > 0 && s.d_inner == s.d_state * s.n_heads && s.n_groups > 0,
         arch + " linear attention needs d_inner = d_state x n_heads (value heads)");
    need(m.attn_output_gate && m.qk_norm && !qkv_bias, arch + " has gated attention with QK norms, no QKV biases");
    if (arch == "qwen35")
      need(dense, "qwen35 has a dense FFN in every block (qwen35moe is the MoE one)");
    else
      need(moe && m.ffn == 0 && e.shared_experts == 1 && e.shared_expert_gate,
           arch + " has routed experts and one gated shared expert in every block");
  } else if (nemotron) {
    // models/nemotron-h.cpp: Mamba-2, attention and feed-forward blocks, one part each; ReLU^2 FFNs.
    bool kinds_ok = m.has_ffn_blocks();
    for (LayerKind k : m.layer_pattern) kinds_ok &= k == LayerKind::mamba || k == LayerKind::full || k == LayerKind::ffn;
    need(kinds_ok && s.kind == SsmKind::mamba2 && !s.proj_bias && !m.qk_norm && !qkv_bias && !m.ffn_gated && s.n_groups > 0 &&
             s.d_inner % s.n_groups == 0,
         arch + " has Mamba-2, plain attention and non-gated feed-forward blocks");
    need(moe ? m.ffn == 0 && e.shared_experts <= 1 && e.router_bias : dense, arch + ": every feed-forward block MoE (or every one dense)");
  } else if (arch == "glm4moe") {
    need(attn_only && moe && e.router_bias && e.shared_experts > 0 && (e.shared_ffn == 0 || e.shared_ffn == e.expert_ffn),
         "glm4moe is full attention with biased routing and expert-sized shared experts");
    need(e.dense_leading_layers == 0 || m.ffn > 0, "leading dense blocks need ffn_size");
  } else if (arch == "llama4") {
    need((attn_only || swa_period(m, LayerKind::chunked) > 0) && !m.qk_norm && !qkv_bias && moe &&
             e.layer_offset == e.layer_step - 1 && e.shared_experts == 1 &&
             (e.shared_ffn == 0 || e.shared_ffn == e.expert_ffn),
         "llama4 has (chunked x n-1, full) layers, MoE every layer_step-th block with one expert-sized shared expert");
    need(e.layer_step == 1 || m.ffn > 0, "interleaved dense blocks need ffn_size");
  } else if (arch == "smollm3") {
    need(attn_only && !m.qk_norm && !qkv_bias && dense, "smollm3 is dense full attention without biases or QK norms");
  } else if (arch == "seed_oss") {
    need(attn_only && !m.qk_norm && qkv_bias && dense, "seed_oss is dense full attention with QKV biases");
  } else if (arch == "olmo2") {
    need((attn_only || swa_period(m, LayerKind::sliding) == 4) && m.qk_norm && m.qk_norm_full && !qkv_bias && dense,
         "olmo2 is dense attention with whole-projection QK norms, full or (sliding x 3, full) (OLMo 3)");
  } else if (arch == "ernie4_5-moe") {
    need(attn_only && !m.qk_norm && !qkv_bias && moe && e.layer_step == 1 && (e.dense_leading_layers == 0 || m.ffn > 0),
         "ernie4_5-moe is full attention with MoE from leading_dense_block_count on");
  } else if (arch == "minimax-m2") {
    need(attn_only && m.qk_norm && m.qk_norm_full && !qkv_bias && moe && m.ffn == 0 && e.shared_experts == 0,
         "minimax-m2 is full attention with whole-projection QK norms and routed experts in every block");
  } else {
    refuse("architecture '" + arch + "' is not written by this writer");
  }
  if (any_local && arch != "gemma2" && arch != "gemma3" && arch != "gemma3n" && arch != "gemma4" && arch != "gpt-oss" && arch != "llama4" && arch != "olmo2")
    refuse("sliding/chunked layers are not written for " + arch);
  return arch;
}

}  // namespace vramfit::gguf
