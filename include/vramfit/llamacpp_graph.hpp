// llama.cpp's CPU compute buffer by replaying its allocator (ggml_alloc.hpp) over the graph it reserves,
// for the architectures whose graph is rebuilt here node for node: llama (and Mixtral, llama with routed
// experts), qwen2 (QKV biases), qwen2vl (M-RoPE positions), qwen3 (QK norms), qwen3moe, qwen3vl and
// qwen3vlmoe (M-RoPE, DeepStack slices added after the first blocks), gemma2 and
// gemma3 (sliding-window caches, post-norms, scaled embeddings), gpt-oss (sinks, biases, alternating
// windows, softmax-weighted experts), phi3 (fused QKV and gate-up projections), command-r (LayerNorm,
// attention and FFN in parallel), glm4moe (sigmoid routing, shared experts, leading dense blocks),
// minimax-m2 (whole-projection QK norms), llama4 (chunked attention, NoPE blocks, experts weighted
// before the FFN), deepseek2 (latent attention) and gemma4 (dense: global blocks of their own shape,
// KV sharing, per-layer inputs) in llamacpp_graph_attention.hpp; jamba, granite hybrid and qwen3-next (Mamba-1, Mamba-2
// and delta-net blocks beside attention), qwen3.5 and nemotron-h (dense and MoE) in
// llamacpp_graph_recurrent.hpp. Source: llama.cpp de3ff81
// as node-llama-cpp 3.22.1 ships it; src/llama-context.cpp (sched_reserve). Checked against the
// buffer llama.cpp logs at every oracle point of these models (docs/llamacpp-oracle.md); the Python
// prototypes are in bench/llamacpp-oracle/galloc-sim/.
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "vramfit/ggml_alloc.hpp"
#include "vramfit/llamacpp_graph_attention.hpp"
#include "vramfit/llamacpp_graph_blocks.hpp"
#include "vramfit/llamacpp_graph_recurrent.hpp"
#include "vramfit/model.hpp"
#include "vramfit/units.hpp"
#include "vramfit/workload.hpp"

namespace vramfit {

namespace detail {

// Every block's kinds are among `kinds`.
inline bool layers_among(const ModelSpec& m, std::initializer_list<LayerKind> kinds) {
  return std::all_of(m.layer_pattern.begin(), m.layer_pattern.end(),
                     [&](LayerKind k) { return std::find(kinds.begin(), kinds.end(), k) != kinds.end(); });
}
inline bool has_layer(const ModelSpec& m, LayerKind kind) {
  return std::find(m.layer_pattern.begin(), m.layer_pattern.end(), kind) != m.layer_pattern.end();
}

// What every builder assumes: K and V heads of one size in every block (but MLA's), the final norm, gated FFNs
// (but nemotron-h's), and none of the per-layer inputs, KV sharing or whole-projection QK norms (but
// minimax-m2's) of architectures not rebuilt here; routed experts (if any) with a top-k and a width, dense blocks
// (if any) with an FFN width.
inline bool plain_blocks(const ModelSpec& m) {
  const MoeSpec& e = m.moe;
  const bool one_head_size = m.head_dim_k == m.head_dim_v || m.mla.kv_lora_rank > 0;  // MLA: the latent's own sizes
  if (!one_head_size || m.head_dim_full > 0 || m.kv_heads_full > 0 || m.kv_shared_layers > 0) return false;
  const bool gated = m.ffn_gated || m.architecture == "nemotron_h";  // nemotron-h's ReLU² FFNs have no gate
  if ((m.qk_norm_full && m.architecture != "minimax_m2") || !m.final_norm || m.per_layer.present() || !gated ||
      m.mla.has_indexer())
    return false;
  if (e.present() && (e.experts_per_token <= 0 || e.expert_ffn <= 0 || e.experts_per_token > e.experts)) return false;
  bool dense = false;
  for (std::int64_t il = 0; il < m.layers && !dense; ++il)  // a block with an FFN part (all, or nemotron-h's ffn blocks)
    dense = (!m.has_ffn_blocks() || m.layer_kind(il) == LayerKind::ffn) && !m.is_moe_layer(il);
  return !dense || m.ffn > 0;
}

// build_moe_ffn's options that deepseek2, glm4moe and nemotron-h take from the model: the selection
// bias, and the chosen weights' renormalisation and scale (expert_weights_norm / expert_weights_scale).
inline void route_as_the_model_says(LlamaGraphShape& s, const MoeSpec& e) {
  s.probs_bias = e.router_bias;
  s.norm_w = e.weights_norm;
  s.w_scale = e.weights_scale;
}

// The architectures of one builder with attention in every block (LlamaGraph) and their options.
inline std::optional<LlamaGraphShape> attention_family(const ModelSpec& m) {
  const std::string& a = m.architecture;
  LlamaGraphShape s;
  const MoeSpec& e = m.moe;
  if (m.attn_output_gate || m.mla.kv_lora_rank > 0 || m.ssm.kind != SsmKind::none || (e.expert_bias && a != "gpt_oss"))
    return std::nullopt;
  if (a == "glm4_moe") {  // glm4-moe.cpp: sigmoid routing with the selection bias, shared experts
    if (!layers_among(m, {LayerKind::full}) || !e.present() || e.layer_step > 1 || e.layer_offset > 0 || m.attn_sinks ||
        m.norms_per_layer != 2 || m.attn_bias == AttnBias::qkvo)
      return std::nullopt;
    s.qkv_bias = m.attn_bias == AttnBias::qkv;
    s.qk_norm = m.qk_norm;
    s.gating = MoeGating::sigmoid;
    route_as_the_model_says(s, e);
    return s;
  }
  if (a == "minimax_m2") {  // minimax-m2.cpp: whole-projection QK norms, sigmoid routing with the bias
    if (!layers_among(m, {LayerKind::full}) || !m.qk_norm || !m.qk_norm_full || !e.present() || e.shared_experts > 0 ||
        e.dense_leading_layers > 0 || e.layer_step > 1 || e.layer_offset > 0 || m.attn_sinks || m.norms_per_layer != 2 ||
        m.attn_bias != AttnBias::none)
      return std::nullopt;
    s.qk_norm_full = true;
    s.gating = MoeGating::sigmoid;
    s.probs_bias = e.router_bias;
    return s;
  }
  if (a == "llama4") {  // llama4.cpp: 3 chunked blocks, then a full NoPE one; one shared expert
    const bool chunked = has_layer(m, LayerKind::chunked);
    if (!layers_among(m, {LayerKind::full, LayerKind::chunked}) || chunked != (m.chunk_size > 0) || !e.present() ||
        e.shared_experts != 1 || e.dense_leading_layers > 0 || e.router_bias || m.attn_sinks || m.norms_per_layer != 2 ||
        m.attn_bias != AttnBias::none)
      return std::nullopt;
    s.nope_step = chunked ? 4 : m.layers;  // n_no_rope_layer_step
    s.kq_l2 = e.experts != 128;            // use_kq_norm: all but the 128-expert model (Maverick)
    s.gating = MoeGating::sigmoid;
    s.norm_w = false;
    s.weight_before_ffn = true;
    return s;
  }
  const bool qwen3_vl = a == "qwen3_vl" || a == "qwen3_vl_moe";  // qwen3 with M-RoPE and DeepStack (qwen3vl.cpp, qwen3vlmoe.cpp)
  const bool llama_like =
      a == "llama" || a == "mixtral" || a == "qwen2" || a == "qwen2_5_vl" || a == "qwen3" || a == "qwen3_moe" || qwen3_vl;
  const bool gemma = a == "gemma2" || a == "gemma3" || a == "gemma3_text";
  if (!llama_like && !gemma && a != "gpt_oss" && a != "phi3" && a != "cohere") return std::nullopt;
  if (!layers_among(m, {LayerKind::full, LayerKind::sliding})) return std::nullopt;
  const bool sliding = has_layer(m, LayerKind::sliding);
  if (sliding != (m.sliding_window > 0) || (sliding && llama_like) || m.chunk_size > 0) return std::nullopt;
  if (e.present() && (e.shared_experts > 0 || e.dense_leading_layers > 0 || e.layer_step > 1 || e.layer_offset > 0))
    return std::nullopt;
  if (a == "gpt_oss") {
    if (m.attn_bias != AttnBias::qkvo || !m.attn_sinks || !e.present() || !e.router_bias || m.qk_norm || m.norms_per_layer != 2)
      return std::nullopt;
    s.qkv_bias = s.gpt_oss = true;
    s.gating = MoeGating::softmax_weight;
    s.norm_w = false;
    return s;
  }
  if (m.attn_sinks || e.router_bias) return std::nullopt;
  if (a == "phi3" || a == "cohere") {
    if (e.present() || sliding || m.attn_bias != AttnBias::none || m.qk_norm || m.norms_per_layer != (a == "phi3" ? 2 : 1))
      return std::nullopt;
    s.fused = a == "phi3";
    s.parallel = a == "cohere";
    return s;
  }
  if (gemma) {
    if (e.present() || m.attn_bias != AttnBias::none || m.norms_per_layer != 4 || m.qk_norm != (a != "gemma2")) return std::nullopt;
    s.gemma = true;
    s.qk_norm = m.qk_norm;
    s.softcap = a == "gemma2";
    return s;
  }
  const bool qwen2 = a == "qwen2" || a == "qwen2_5_vl", qwen3 = a == "qwen3" || a == "qwen3_moe" || qwen3_vl;
  if (m.norms_per_layer != 2 || m.qk_norm != qwen3) return std::nullopt;
  if (m.attn_bias != AttnBias::none && !(m.attn_bias == AttnBias::qkv && qwen2)) return std::nullopt;
  s.qkv_bias = m.attn_bias == AttnBias::qkv;
  s.qk_norm = qwen3;
  s.positions = a == "qwen2_5_vl" || qwen3_vl ? 4 : 1;  // llama_hparams::n_pos_per_embd
  return s;
}

// deepseek2 (MlaGraph): every block latent attention; softmax routing, or sigmoid with the
// selection bias (expert_gating_func follows the bias: V3, Kimi K2, GLM-4.7-Flash).
inline std::optional<LlamaGraphShape> mla_family(const ModelSpec& m) {
  const MoeSpec& e = m.moe;
  if (!layers_among(m, {LayerKind::mla}) || m.mla.kv_lora_rank <= 0 || m.mla.qk_rope_head_dim <= 0 || m.mla.v_head_dim <= 0 ||
      m.mla.qk_nope_head_dim <= 0 || !e.present() || e.expert_bias || e.layer_step > 1 || e.layer_offset > 0 ||
      m.attn_bias != AttnBias::none || m.attn_sinks || m.attn_output_gate || m.norms_per_layer != 2 || m.ssm.kind != SsmKind::none ||
      m.sliding_window > 0)
    return std::nullopt;
  LlamaGraphShape s;
  s.kind = LlamaGraphKind::mla;
  s.gating = e.router_bias ? MoeGating::sigmoid : MoeGating::softmax;
  route_as_the_model_says(s, e);
  return s;
}

// The hybrids (HybridGraph): jamba (Mamba-1, softmax routing without renormalising), granite hybrid
// (Mamba-2 with the grouped norm; RoPE off, as the converter writes hybrid Granite files; routed
// experts renormalised, beside one shared), qwen3-next (delta nets; gated attention with QK norms;
// routed experts renormalised beside one sigmoid-gated shared expert).
inline std::optional<LlamaGraphShape> hybrid_family(const ModelSpec& m) {
  const std::string& a = m.architecture;
  const MoeSpec& e = m.moe;
  const SsmSpec& ssm = m.ssm;
  if (m.attn_bias != AttnBias::none || m.attn_sinks || e.expert_bias || e.dense_leading_layers > 0 || m.sliding_window > 0 ||
      ssm.d_conv < 1 || ssm.d_inner <= 0 || ssm.d_state <= 0 || m.mla.kv_lora_rank > 0)
    return std::nullopt;
  LlamaGraphShape s;
  // All but nemotron-h: a norm before the mixer and one before the FFN, softmax routing without a bias.
  if (a != "nemotron_h" && (e.router_bias || m.norms_per_layer != 2)) return std::nullopt;
  if (a == "jamba") {
    if (!layers_among(m, {LayerKind::mamba, LayerKind::full}) || ssm.kind != SsmKind::mamba1 || ssm.dt_rank <= 0 ||
        e.shared_experts > 0 || m.qk_norm || m.attn_output_gate)
      return std::nullopt;
    s.kind = LlamaGraphKind::jamba;
    s.norm_w = false;
    return s;
  }
  if (a == "granitemoehybrid") {
    if (!layers_among(m, {LayerKind::mamba, LayerKind::full}) || ssm.kind != SsmKind::mamba2 || ssm.n_heads <= 0 ||
        ssm.n_groups <= 0 || ssm.d_inner % ssm.n_heads != 0 || ssm.d_inner % ssm.n_groups != 0 || m.qk_norm || m.attn_output_gate)
      return std::nullopt;
    s.kind = LlamaGraphKind::granite_hybrid;
    s.rope = !has_layer(m, LayerKind::mamba);  // convert_hf_to_gguf (conversion/granite.py): rope_finetuned
    return s;
  }
  if (a == "nemotron_h") {  // nemotron-h.cpp: Mamba-2, attention without RoPE, ReLU² MLP or experts
    if (!layers_among(m, {LayerKind::mamba, LayerKind::full, LayerKind::ffn}) || ssm.kind != SsmKind::mamba2 ||
        ssm.n_heads <= 0 || ssm.n_groups <= 0 || ssm.d_inner % ssm.n_heads != 0 || ssm.d_inner % ssm.n_groups != 0 ||
        m.qk_norm || m.attn_output_gate || m.ffn_gated || m.norms_per_layer != 1 || e.shared_expert_gate)
      return std::nullopt;
    s.kind = LlamaGraphKind::nemotron_h;
    s.relu_sqr = true;
    s.gating = MoeGating::sigmoid;
    route_as_the_model_says(s, e);
    return s;
  }
  if (a == "qwen3_5" || a == "qwen3_5_moe") {  // qwen35.cpp, qwen35moe.cpp
    if (!layers_among(m, {LayerKind::linear, LayerKind::full}) || ssm.kind != SsmKind::gated_deltanet || ssm.n_heads <= 0 ||
        ssm.n_groups <= 0 || ssm.d_inner % ssm.n_heads != 0 || ssm.n_heads % ssm.n_groups != 0 || !m.qk_norm ||
        !m.attn_output_gate || e.shared_experts > 1 || (e.shared_experts == 1 && !e.shared_expert_gate) || e.layer_step > 1 ||
        e.layer_offset > 0)
      return std::nullopt;
    s.kind = LlamaGraphKind::qwen35;
    s.qk_norm = true;
    s.positions = 4;  // M-RoPE
    return s;
  }
  if (a == "qwen3_next") {
    if (!layers_among(m, {LayerKind::linear, LayerKind::full}) || ssm.kind != SsmKind::gated_deltanet || ssm.n_heads <= 0 ||
        ssm.n_groups <= 0 || ssm.d_inner % ssm.n_heads != 0 || ssm.n_heads % ssm.n_groups != 0 || !m.qk_norm ||
        !m.attn_output_gate || !e.present() || e.shared_experts != 1 || !e.shared_expert_gate || e.layer_step > 1 ||
        e.layer_offset > 0)
      return std::nullopt;
    s.kind = LlamaGraphKind::qwen3_next;
    s.qk_norm = true;
    return s;
  }
  return std::nullopt;
}

// gemma4 (Gemma4Graph), dense: sliding and global blocks with QK norms, the edge models' per-layer
// inputs, output scales and KV sharing. Not Gemma 3n's AltUp and LAuReL, nor the routed experts of
// Gemma 4 26B-A4B.
inline std::optional<LlamaGraphShape> gemma4_family(const ModelSpec& m) {
  const bool sliding = has_layer(m, LayerKind::sliding);
  if (m.architecture != "gemma4" || m.moe.present() || m.per_layer.altup_inputs > 0 || m.per_layer.laurel_rank > 0 ||
      !layers_among(m, {LayerKind::full, LayerKind::sliding}) || sliding != (m.sliding_window > 0) || m.chunk_size > 0 ||
      m.head_dim_k != m.head_dim_v || !m.ffn_gated || m.ffn <= 0 || !m.final_norm || !m.qk_norm || m.qk_norm_full ||
      m.attn_bias != AttnBias::none || m.attn_sinks || m.attn_output_gate || m.ssm.kind != SsmKind::none ||
      m.mla.kv_lora_rank > 0 || m.deepstack_layers > 0)
    return std::nullopt;
  LlamaGraphShape s;
  s.kind = LlamaGraphKind::gemma4;
  s.gemma = s.qk_norm = true;
  return s;
}

}  // namespace detail

// The graph llamacpp_cpu_compute() rebuilds for this model, if any (the architectures above).
inline std::optional<LlamaGraphShape> llamacpp_graph_family(const ModelSpec& m) {
  if (std::optional<LlamaGraphShape> s = detail::gemma4_family(m)) return s;
  if (!detail::plain_blocks(m)) return std::nullopt;
  // DeepStack slices are added by the Qwen3-VL builders only (n_deepstack_layers is their loaders' key).
  if (m.deepstack_layers > 0 && m.architecture != "qwen3_vl" && m.architecture != "qwen3_vl_moe") return std::nullopt;
  if (std::optional<LlamaGraphShape> s = detail::attention_family(m)) return s;
  if (std::optional<LlamaGraphShape> s = detail::mla_family(m)) return s;
  return detail::hybrid_family(m);
}

inline bool llamacpp_graph_covers(const ModelSpec& m) { return llamacpp_graph_family(m).has_value(); }

// The CPU compute buffer llama.cpp reserves for a CPU-only run (llama-context.cpp sched_reserve: the
// graph of a full ubatch of min(n_ctx, n_ubatch) tokens, rounded up to a whole number per sequence,
// with logits for min(that, n_batch) of them before the rounding, n_seq_max sequences, a stream each),
// on a buffer aligned to 32 bytes (TENSOR_ALIGNMENT). sched_reserve also reserves the
// graph of one token per sequence, whose every tensor is at most as large, and ggml-alloc keeps the
// larger buffer: the prompt graph's. Empty where the graph is not one rebuilt here.
inline std::optional<Bytes> llamacpp_cpu_compute(const ModelSpec& m, const Workload& w, const LlamaGraphCache& kv) {
  const std::optional<LlamaGraphShape> shape = llamacpp_graph_family(m);
  const bool windowed = detail::has_layer(m, LayerKind::sliding) || detail::has_layer(m, LayerKind::chunked);
  if (!shape || kv.cells <= 0 || windowed != (kv.window_cells > 0)) return std::nullopt;
  const std::int64_t seqs = std::max<std::int64_t>(1, w.parallel);
  const std::int64_t unrounded = std::min(w.ubatch, w.context * seqs);
  const std::int64_t tokens = (unrounded + seqs - 1) / seqs * seqs;  // llama_ubatch: as many per sequence
  const std::int64_t outputs = std::min(unrounded, w.batch);
  // Past an exabyte the replay's sums could overflow; the phase formula (checked) answers there.
  const double widest = std::max({double(kv.cells) * double(m.heads), double(m.vocab), 3.0 * double(m.max_ffn()),
                                  3.0 * double(m.moe.experts_per_token) * double(std::max(m.moe.expert_ffn, m.hidden)),
                                  2.0 * double(m.kv_heads) * double(m.head_dim_v), double(m.heads) * double(m.head_dim_k),
                                  double(m.heads) * double(m.mla.kv_lora_rank + m.mla.qk_rope_head_dim),
                                  4.0 * double(m.ssm.d_inner + 2 * m.ssm.n_groups * m.ssm.d_state + m.ssm.n_heads),
                                  double(m.ssm.d_state) * double(m.ssm.d_inner), double(1 + m.deepstack_layers) * double(m.hidden)});
  if (widest * 8.0 * double(tokens) * double(m.layers + 16) > 0x1p60) return std::nullopt;
  const std::int64_t kAlignment = 32;
  ggml::Graph prompt;
  switch (shape->kind) {
    case LlamaGraphKind::standard: prompt = detail::LlamaGraph(m, *shape, w, kv, tokens, outputs, seqs).build(); break;
    case LlamaGraphKind::mla: prompt = detail::MlaGraph(m, *shape, w, kv, tokens, outputs, seqs).build(); break;
    case LlamaGraphKind::gemma4: prompt = detail::Gemma4Graph(m, *shape, w, kv, tokens, outputs, seqs).build(); break;
    default: prompt = detail::HybridGraph(m, *shape, w, kv, tokens, outputs, seqs).build(); break;
  }
  return Bytes(ggml::reserve(prompt, kAlignment));
}

}  // namespace vramfit
