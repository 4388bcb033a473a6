// The tensor inventory of a model: every weight matrix with its llama.cpp name, layer and shape.
// Weights, parameter counts and placement all sum over this one list, so they cannot disagree.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "vramfit/model.hpp"
#include "vramfit/units.hpp"

namespace vramfit {

enum class TensorGroup {
  embeddings,  // token_embd (llama.cpp keeps it in host memory)
  output,      // output head + final norm (on the output device)
  attention,   // q/k/v/o, MLA projections, attention norms and biases
  ffn,         // dense FFN
  experts,     // routed experts (read only for the experts a token is routed to)
  shared,      // shared experts and router (always read)
  ssm,         // Mamba / delta-net projections and state parameters
  norm,        // per-block norms
  vision,      // vision encoder and projector (mmproj)
};

struct TensorInfo {
  std::string_view name;  // llama.cpp tensor name without "blk.N." and ".weight"
  TensorGroup group;
  std::int32_t layer;     // -1 for global tensors
  std::int64_t ne0;       // row length (input dimension)
  std::int64_t rows;      // rows x matrices (experts are stacked here)
  bool matrix;            // quantizable 2-D weight (norms, biases, router, conv stay unquantized)
  [[nodiscard]] std::int64_t elements() const { return detail::checked_mul(ne0, rows); }
};

namespace detail {

inline void add(std::vector<TensorInfo>& out, std::string_view name, TensorGroup g, std::int64_t layer,
                std::int64_t ne0, std::int64_t rows, bool matrix = true) {
  if (ne0 > 0 && rows > 0) out.push_back({name, g, static_cast<std::int32_t>(layer), ne0, rows, matrix});
}

inline void add_attention(std::vector<TensorInfo>& v, const ModelSpec& m, std::int64_t il) {
  const std::int64_t d = m.hidden, h = m.heads, g = m.kv_heads_at(il), k = m.head_dim_k_at(il), hv = m.head_dim_v_at(il);
  const auto A = TensorGroup::attention;
  // Gemma 4 global layers with attention_k_eq_v have no v_proj (V is computed from K's projection).
  const bool v_proj = !(m.full_k_eq_v && m.layer_kind(il) == LayerKind::full);
  add(v, "attn_q", A, il, d, h * k * (m.attn_output_gate ? 2 : 1));
  add(v, "attn_k", A, il, d, g * k);
  if (v_proj) add(v, "attn_v", A, il, d, g * hv);
  add(v, "attn_output", A, il, h * hv, d);
  std::int64_t vec = 0;
  if (m.attn_bias != AttnBias::none) vec += h * k * (m.attn_output_gate ? 2 : 1) + g * k + (v_proj ? g * hv : 0);
  if (m.attn_bias == AttnBias::qkvo) vec += d;
  if (m.qk_norm) vec += m.qk_norm_full ? h * k + g * k : 2 * k;
  if (m.attn_sinks) vec += h;
  // mllama cross-attention layer (transformers modeling_mllama.py MllamaCrossAttentionDecoderLayer):
  // q_proj [h*k, d], k_proj and v_proj [g*k, d] over the vision states already projected to d by the
  // multi_modal_projector, o_proj [d, h*k] (all counted above); q_norm and k_norm RMSNorm(head_dim)
  // (2*k, the self-attention layers have none), and two scalar tanh gates, cross_attn_attn_gate [1]
  // and cross_attn_mlp_gate [1].
  if (m.layer_kind(il) == LayerKind::cross) vec += (m.qk_norm ? 0 : 2 * k) + 2;
  add(v, "attn_vec", A, il, vec, 1, false);
}

inline void add_mla(std::vector<TensorInfo>& v, const ModelSpec& m, std::int64_t il) {
  const std::int64_t d = m.hidden, h = m.heads;
  const MlaSpec& a = m.mla;
  const std::int64_t qk = a.qk_nope_head_dim + a.qk_rope_head_dim;
  const auto A = TensorGroup::attention;
  if (a.q_lora_rank > 0) {
    add(v, "attn_q_a", A, il, d, a.q_lora_rank);
    add(v, "attn_q_b", A, il, a.q_lora_rank, h * qk);
  } else {
    add(v, "attn_q", A, il, d, h * qk);
  }
  add(v, "attn_kv_a_mqa", A, il, d, a.kv_lora_rank + a.qk_rope_head_dim);
  add(v, "attn_kv_b", A, il, a.kv_lora_rank, h * (a.qk_nope_head_dim + a.v_head_dim));
  add(v, "attn_output", A, il, h * a.v_head_dim, d);
  add(v, "attn_vec", A, il, a.kv_lora_rank + a.q_lora_rank, 1, false);  // kv_a / q_a norms
  if (a.has_indexer()) {
    // DeepSeek sparse attention's lightning indexer (DeepSeek-V3.2 inference/model.py Indexer):
    // wq_b from the query latent, wk from the hidden state, weights_proj (one weight per head),
    // k_norm a LayerNorm (weight and bias). llama.cpp names: blk.N.indexer.*.
    const std::int64_t ih = a.index_heads, id = a.index_head_dim;
    add(v, "indexer.attn_q_b", A, il, a.q_lora_rank, ih * id);
    add(v, "indexer.attn_k", A, il, d, id);
    add(v, "indexer.proj", A, il, d, ih);
    add(v, "indexer.k_norm", A, il, 2 * id, 1, false);
  }
}

inline void add_ssm(std::vector<TensorInfo>& v, const ModelSpec& m, std::int64_t il) {
  const SsmSpec& s = m.ssm;
  const std::int64_t d = m.hidden, di = s.d_inner;
  const auto S = TensorGroup::ssm;
  switch (s.kind) {
    case SsmKind::mamba1:
      add(v, "ssm_in", S, il, d, 2 * di);
      add(v, "ssm_x", S, il, di, s.dt_rank + 2 * s.d_state);
      add(v, "ssm_dt", S, il, s.dt_rank, di);
      add(v, "ssm_out", S, il, di, d);
      add(v, "ssm_vec", S, il,
          di * s.d_conv + (s.conv_bias ? di : 0) + di /*dt bias*/ + di * s.d_state /*A*/ + di /*D*/ +
              (s.proj_bias ? 2 * di + d : 0) + (s.inner_norms ? s.dt_rank + 2 * s.d_state : 0),
          1, false);
      break;
    case SsmKind::mamba2: {
      const std::int64_t conv_dim = di + 2 * s.n_groups * s.d_state;
      add(v, "ssm_in", S, il, d, 2 * di + 2 * s.n_groups * s.d_state + s.n_heads);
      add(v, "ssm_out", S, il, di, d);
      add(v, "ssm_vec", S, il, conv_dim * s.d_conv + (s.conv_bias ? conv_dim : 0) + 3 * s.n_heads + di, 1, false);
      break;
    }
    case SsmKind::gated_deltanet: {
      const std::int64_t key_dim = s.n_groups * s.d_state;
      // The input projection as llama.cpp's converter writes it: attn_qkv (q, k, v) and attn_gate (z),
      // typed apart (conversion/qwen.py; llama-quant.cpp gives attn_qkv its own rule).
      add(v, "attn_qkv", S, il, d, 2 * key_dim + di);
      add(v, "attn_gate", S, il, d, di);
      add(v, "ssm_ba", S, il, d, 2 * s.n_heads);
      add(v, "ssm_out", S, il, di, d);
      add(v, "ssm_vec", S, il, (2 * key_dim + di) * s.d_conv + 2 * s.n_heads + (s.n_heads ? di / s.n_heads : 0), 1,
          false);
      break;
    }
    case SsmKind::none: break;
  }
}

inline void add_ffn(std::vector<TensorInfo>& v, const ModelSpec& m, std::int64_t il) {
  const std::int64_t d = m.hidden, f = m.ffn_at(il);
  if (!m.has_ffn(il)) return;  // no FFN, or a token-mixing block of a model with FFN-only blocks
  if (!m.is_moe_layer(il)) {
    if (m.ffn_gated) add(v, "ffn_gate", TensorGroup::ffn, il, d, f);
    add(v, "ffn_up", TensorGroup::ffn, il, d, f);
    add(v, "ffn_down", TensorGroup::ffn, il, f, d);
    return;
  }
  const MoeSpec& e = m.moe;
  add(v, "ffn_gate_inp", TensorGroup::shared, il, d, e.experts, false);  // router stays f32
  // Non-gated experts (Nemotron-H's ReLU^2) have up and down only, as the dense FFN.
  if (m.ffn_gated) add(v, "ffn_gate_exps", TensorGroup::experts, il, d, e.expert_ffn * e.experts);
  add(v, "ffn_up_exps", TensorGroup::experts, il, d, e.expert_ffn * e.experts);
  add(v, "ffn_down_exps", TensorGroup::experts, il, e.expert_ffn, d * e.experts);
  if (e.expert_bias) add(v, "exps_bias", TensorGroup::experts, il, e.experts * (2 * e.expert_ffn + d), 1, false);
  if (e.router_bias) add(v, "router_bias", TensorGroup::shared, il, e.experts, 1, false);
  if (e.shared_experts > 0) {
    const std::int64_t fs = (e.shared_ffn > 0 ? e.shared_ffn : e.expert_ffn) * e.shared_experts;
    if (m.ffn_gated) add(v, "ffn_gate_shexp", TensorGroup::shared, il, d, fs);
    add(v, "ffn_up_shexp", TensorGroup::shared, il, d, fs);
    add(v, "ffn_down_shexp", TensorGroup::shared, il, fs, d);
    if (e.shared_expert_gate) add(v, "ffn_gate_inp_shexp", TensorGroup::shared, il, d, 1, false);
  }
}

// Gemma 3n / Gemma 4 per-block extras (llama.cpp models/gemma3n.cpp, gemma4.cpp load_arch_tensors):
// the per-layer input gate and projection, AltUp's router, LAuReL's two low-rank matrices, and one
// f32 vector with the small ones (PLE post-norm, AltUp correction scale, router norm and its n x n
// and n x n^2 coefficient matrices, LAuReL post-norm, the layer scalar).
inline void add_per_layer(std::vector<TensorInfo>& v, const ModelSpec& m, std::int64_t il) {
  const PerLayerSpec& p = m.per_layer;
  const std::int64_t d = m.hidden, n = p.altup_inputs;
  const auto F = TensorGroup::ffn;
  if (p.embed_dim > 0) {
    add(v, "inp_gate", F, il, d, p.embed_dim);
    add(v, "proj", F, il, p.embed_dim, d);
  }
  if (n > 0) add(v, "altup_router", F, il, d, n);
  if (p.laurel_rank > 0) {
    add(v, "laurel_l", F, il, d, p.laurel_rank);
    add(v, "laurel_r", F, il, p.laurel_rank, d);
  }
  const std::int64_t vec = (p.embed_dim > 0 ? d : 0) + (n > 0 ? 2 * d + n * n + n * n * n : 0) + (p.laurel_rank > 0 ? d : 0) +
                           (p.layer_scalar ? 1 : 0);
  add(v, "per_layer_vec", TensorGroup::norm, il, vec, 1, false);
  // The projection of the token embedding into every layer's input; llama.cpp creates it with
  // block 0 (tn(..., 0)), so it is placed with that block.
  if (il == 0 && p.embed_dim > 0) {
    add(v, "per_layer_model_proj", F, il, d, m.layers * p.embed_dim);
    add(v, "per_layer_proj_norm", TensorGroup::norm, il, p.embed_dim, 1, false);
  }
}

}  // namespace detail

// Every tensor of the model in load order: token_embd, blocks 0..n-1, output, vision.
inline std::vector<TensorInfo> tensor_inventory(const ModelSpec& m) {
  std::vector<TensorInfo> v;
  v.reserve(static_cast<std::size_t>(m.layers) * 18 + 8);
  detail::add(v, "token_embd", TensorGroup::embeddings, -1, m.hidden, m.vocab);
  // Per-layer embeddings: one more lookup table, read by row like token_embd and kept beside it in
  // host memory (llama-arch.cpp: LLM_TENSOR_LAYER_INPUT, GGML_OP_GET_ROWS). llama.cpp's converter pads
  // it to the full vocabulary (conversion/gemma.py), so it has vocab rows.
  detail::add(v, "per_layer_token_embd", TensorGroup::embeddings, -1, m.layers * m.per_layer.embed_dim, m.vocab);
  // AltUp's projections to and from the extra streams, n - 1 matrices each (on the output device).
  if (m.per_layer.altup_inputs > 0) {
    detail::add(v, "altup_proj", TensorGroup::output, -1, m.hidden, m.hidden * (m.per_layer.altup_inputs - 1));
    detail::add(v, "altup_unembd_proj", TensorGroup::output, -1, m.hidden, m.hidden * (m.per_layer.altup_inputs - 1));
  }
  for (std::int64_t il = 0; il < m.layers; ++il) {
    detail::add(v, "norms", TensorGroup::norm, il, m.hidden * m.norms_per_layer, 1, false);
    const LayerKind k = m.layer_kind(il);
    if (k == LayerKind::mla) detail::add_mla(v, m, il);
    else if (ModelSpec::is_recurrent(k)) detail::add_ssm(v, m, il);
    else if (k != LayerKind::ffn) detail::add_attention(v, m, il);  // ffn: feed-forward only; cross: q/k/v/o too
    detail::add_ffn(v, m, il);
    if (m.per_layer.present()) detail::add_per_layer(v, m, il);
  }
  if (m.final_norm) detail::add(v, "output_norm", TensorGroup::output, -1, m.hidden, 1, false);
  if (!m.tied_embeddings) detail::add(v, "output", TensorGroup::output, -1, m.hidden, m.vocab);
  if (m.vision.params > 0) detail::add(v, "v.encoder", TensorGroup::vision, -1, m.vision.params, 1);
  if (m.vision.projector_params > 0) detail::add(v, "mm.projector", TensorGroup::vision, -1, m.vision.projector_params, 1);
  return v;
}

struct ParamCounts {
  std::int64_t total = 0;    // everything, vision included
  std::int64_t text = 0;     // without the vision tower
  std::int64_t active = 0;   // what one token uses: routed experts scaled by experts_per_token / experts
  std::int64_t experts = 0;  // routed-expert parameters
  std::int64_t embeddings = 0;
};

inline ParamCounts count_params(const ModelSpec& m) {
  ParamCounts c;
  for (const TensorInfo& t : tensor_inventory(m)) {
    const std::int64_t n = t.elements();
    c.total = detail::checked_add(c.total, n);
    if (t.group != TensorGroup::vision) c.text = detail::checked_add(c.text, n);
    if (t.group == TensorGroup::experts) c.experts = detail::checked_add(c.experts, n);
    if (t.group == TensorGroup::embeddings) c.embeddings = detail::checked_add(c.embeddings, n);
  }
  const std::int64_t inactive =
      m.moe.present() ? c.experts - c.experts / m.moe.experts * m.moe.experts_per_token : 0;
  c.active = c.text - inactive;
  return c;
}

}  // namespace vramfit
