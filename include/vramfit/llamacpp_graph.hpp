// llama.cpp's CPU compute buffer by replaying its allocator (ggml_alloc.hpp) over the graph it reserves,
// for the architectures whose graph is rebuilt here node for node: llama (and Mixtral, llama with
// routed experts), qwen2 (QKV biases), qwen3 (QK norms) and qwen3moe. Source: llama.cpp de3ff81 as
// node-llama-cpp 3.22.1 ships it; src/models/{llama,qwen2,qwen3,qwen3moe}.cpp and src/llama-graph.cpp
// (build_inp_embd, build_attn, build_attn_mha, build_ffn, build_moe_ffn), src/llama-kv-cache.cpp
// (cpy_k, cpy_v, get_k, get_v, the index and rotation inputs), src/llama-context.cpp (sched_reserve).
// Checked against the buffer llama.cpp logs at every oracle point of these models (docs/llamacpp-oracle.md).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vramfit/ggml_alloc.hpp"
#include "vramfit/model.hpp"
#include "vramfit/units.hpp"
#include "vramfit/workload.hpp"

namespace vramfit {

namespace detail {

// ggml_is_quantized: every KV cache type but the float ones.
inline bool quantized_kv(const std::string& type) { return type != "f16" && type != "f32" && type != "bf16"; }

class LlamaGraph {
 public:
  LlamaGraph(const ModelSpec& m, const Workload& w, std::int64_t kv_cells, std::int64_t tokens, std::int64_t seqs)
      : m_(m), w_(w), n_kv_(kv_cells), t_(tokens), seqs_(seqs) {}

  ggml::Graph build() {
    using ggml::Op;
    using ggml::Type;
    g_.reserve(static_cast<std::size_t>(m_.layers * (m_.moe.present() ? 60 + 2 * m_.moe.experts_per_token : 60) + 32));
    const std::int64_t d = m_.hidden;
    const bool qk_norm = m_.architecture == "qwen3" || m_.architecture == "qwen3_moe";
    const bool bias = m_.attn_bias == AttnBias::qkv;
    // build_inp_embd: the lookup and an f32 [d, T] embeddings input, both put in the graph
    // (ggml_build_forward_select): the input has no user, so it is never freed.
    const int tokens = g_.input(Type::i32, {t_, 1, 1, 1});
    int inp_l = g_.op(Op::get_rows, Type::f32, {d, t_, 1, 1}, {g_.weight(), tokens});
    g_.expand(inp_l);
    g_.expand(g_.input(Type::f32, {d, t_, 1, 1}));
    pos_ = g_.input(Type::i32, {t_, 1, 1, 1});
    attn_inputs();
    out_ids_ = g_.input(Type::i32, {t_, 1, 1, 1});  // n_outputs = n_tokens in the reserve
    const std::int64_t hd = m_.head_dim_k, nh = m_.heads, nkv = m_.kv_heads;
    for (std::int64_t il = 0; il < m_.layers; ++il) {
      int inp_sa = inp_l;
      int cur = norm(inp_l);
      int q = matmul(cur, hd * nh), k = matmul(cur, hd * nkv), v = matmul(cur, hd * nkv);
      if (bias) q = add_weight(q), k = add_weight(k), v = add_weight(v);
      q = g_.view(q, {hd, nh, t_, 1});
      k = g_.view(k, {hd, nkv, t_, 1});
      v = g_.view(v, {hd, nkv, t_, 1});
      if (qk_norm) q = norm(q);
      q = g_.op(Op::rope, Type::f32, g_.ne(q), {q, pos_, g_.weight()});
      if (qk_norm) k = norm(k);
      k = g_.op(Op::rope, Type::f32, g_.ne(k), {k, pos_, g_.weight()});
      cur = attention(q, k, v);
      if (il == m_.layers - 1) {
        cur = g_.op(Op::get_rows, Type::f32, {d, t_, 1, 1}, {cur, out_ids_});
        inp_sa = g_.op(Op::get_rows, Type::f32, {d, t_, 1, 1}, {inp_sa, out_ids_});
      }
      const int ffn_inp = g_.op(Op::add, Type::f32, {d, t_, 1, 1}, {cur, inp_sa});
      cur = norm(ffn_inp);
      cur = m_.is_moe_layer(il) ? moe_ffn(cur) : ffn(cur);
      inp_l = g_.op(Op::add, Type::f32, {d, t_, 1, 1}, {cur, ffn_inp});
    }
    // The head: result_norm and result_output are graph outputs (llm_graph_result::set_outputs).
    const int result_norm = norm(inp_l);
    const int logits = matmul(result_norm, m_.vocab);
    g_.expand(logits);
    g_.at(result_norm).output = g_.at(logits).output = true;
    return std::move(g_);
  }

 private:
  // build_norm (RMS): the norm, then the weight's MUL.
  int norm(int x) {
    const int n = g_.op(ggml::Op::rms_norm, ggml::Type::f32, g_.ne(x), {x});
    return g_.op(ggml::Op::mul, ggml::Type::f32, g_.ne(x), {n, g_.weight()});
  }
  int matmul(int x, std::int64_t rows) {
    const ggml::Shape s = g_.ne(x);
    return g_.op(ggml::Op::mul_mat, ggml::Type::f32, {rows, s[1], s[2], s[3]}, {g_.weight(), x});
  }
  int add_weight(int x) { return g_.op(ggml::Op::add, ggml::Type::f32, g_.ne(x), {x, g_.weight()}); }

  // build_attn_inp_kv: the cache's index inputs (V's per element when it is stored transposed, without
  // flash attention), the mask [n_kv, T] (f16 for flash attention), and the Hadamard matrices of a
  // quantized cache (llama_kv_cache: attn_rot_k / attn_rot_v, head sizes divisible by 64).
  void attn_inputs() {
    using ggml::Type;
    const std::int64_t ev = m_.head_dim_v * m_.kv_heads;
    k_idxs_ = g_.input(Type::i64, {t_, 1, 1, 1});
    v_idxs_ = g_.input(Type::i64, {w_.flash_attention ? t_ : t_ * ev, 1, 1, 1});
    mask_ = g_.input(w_.flash_attention ? Type::f16 : Type::f32, {n_kv_, t_ / seqs_, 1, seqs_});
    if (quantized_kv(w_.kv_type_k) && m_.head_dim_k % 64 == 0) {
      std::int64_t nrot = 64;  // the largest power of two from 64 up that divides the head size
      while (m_.head_dim_k % (nrot * 2) == 0) nrot *= 2;
      k_rot_ = g_.input(Type::f32, {nrot, nrot, 1, 1});
    }
    if (quantized_kv(w_.kv_type_v) && m_.head_dim_v % 64 == 0) v_rot_ = g_.input(Type::f32, {64, 64, 1, 1});
  }

  // llama_mul_mat_hadamard: the rotation applied in blocks of its size (the inputs are contiguous here).
  int hadamard(int x, int rot) {
    const ggml::Shape s = g_.ne(x);
    const std::int64_t n = g_.ne(rot)[0];
    const int flat = g_.view(x, {n, g_.at(x).elements() / n, 1, 1});
    const int r = g_.op(ggml::Op::mul_mat, ggml::Type::f32, g_.ne(flat), {rot, flat});
    return g_.view(r, s);
  }

  // build_attn + build_attn_mha: q, v, k put in the graph in that order, the cache writes (SET_ROWS
  // views of the cache), then flash attention, or KQ, its softmax and KQV; the output projection.
  int attention(int q, int k, int v) {
    using ggml::Op;
    using ggml::Type;
    const std::int64_t hd = m_.head_dim_k, hv = m_.head_dim_v, nh = m_.heads, nkv = m_.kv_heads, ns = seqs_;
    if (k_rot_ >= 0) q = hadamard(q, k_rot_), k = hadamard(k, k_rot_);
    if (v_rot_ >= 0) v = hadamard(v, v_rot_);
    g_.expand(q);
    g_.expand(v);
    g_.expand(k);
    const int k_cache = g_.weight(), v_cache = g_.weight();
    g_.expand(g_.view(k_cache, {hd * nkv, n_kv_ * ns, 1, 1}, {g_.view(k, {hd * nkv, t_, 1, 1}), k_idxs_}));
    if (w_.flash_attention) {
      g_.expand(g_.view(v_cache, {hv * nkv, n_kv_ * ns, 1, 1}, {g_.view(v, {hv * nkv, t_, 1, 1}), v_idxs_}));
    } else {
      const int rows = g_.view(g_.view(v, {hv * nkv, t_, 1, 1}), {1, hv * nkv * t_, 1, 1});
      g_.expand(g_.view(v_cache, {1, hv * nkv * n_kv_ * ns, 1, 1}, {rows, v_idxs_}));
    }
    const int qs = g_.view(g_.view(q, {hd, nh, t_ / ns, ns}), {hd, t_ / ns, nh, ns});
    const int ks = g_.view(k_cache, {hd, n_kv_, nkv, ns});
    int cur;
    if (w_.flash_attention) {
      const int vs = g_.view(v_cache, {hv, n_kv_, nkv, ns});
      cur = g_.op(Op::flash_attn, Type::f32, {hv, nh, t_ / ns, ns}, {qs, ks, vs, mask_});
      cur = g_.view(cur, {hv * nh, t_, 1, 1});
    } else {
      const int vs = g_.view(v_cache, {n_kv_, hv, nkv, ns});
      int kq = g_.op(Op::mul_mat, Type::f32, {n_kv_, t_ / ns, nh, ns}, {ks, qs});
      kq = g_.op(Op::soft_max, Type::f32, g_.ne(kq), {kq, mask_});
      const int kqv = g_.op(Op::mul_mat, Type::f32, {hv, t_ / ns, nh, ns}, {vs, kq});
      cur = g_.op(Op::cont, Type::f32, {hv * nh, t_, 1, 1}, {g_.view(kqv, {hv, nh, t_ / ns, ns})});
    }
    g_.expand(cur);
    if (v_rot_ >= 0) cur = hadamard(cur, v_rot_);
    return matmul(cur, m_.hidden);
  }

  // build_ffn (SiLU, parallel gate): up, gate, their SwiGLU, down.
  int ffn(int x) {
    const ggml::Shape s = g_.ne(x);
    const int up = matmul(x, m_.ffn), gate = matmul(x, m_.ffn);
    const int act = g_.op(ggml::Op::glu, ggml::Type::f32, {m_.ffn, s[1], 1, 1}, {gate, up});
    return matmul(act, m_.hidden);
  }

  // build_moe_ffn (softmax gating, normalised top-k weights): router logits, their softmax, the top-k
  // selection (argsort and a view of its first k), the weights, then the selected experts' up, gate,
  // SwiGLU and down (MUL_MAT_ID), weighted, and the k per-expert views summed.
  int moe_ffn(int x) {
    using ggml::Op;
    using ggml::Type;
    const std::int64_t d = m_.hidden, e = m_.moe.experts, k = m_.moe.experts_per_token, fe = m_.moe.expert_ffn;
    const int logits = matmul(x, e);
    const int probs = g_.op(Op::soft_max, Type::f32, g_.ne(logits), {logits});
    const int order = g_.op(Op::argsort, Type::i32, g_.ne(probs), {probs});
    const int selected = g_.view(order, {k, t_, 1, 1});
    int weights = g_.op(Op::get_rows, Type::f32, {1, k, t_, 1}, {g_.view(probs, {1, e, t_, 1}), selected});
    weights = g_.view(weights, {k, t_, 1, 1});
    int sum = g_.op(Op::sum_rows, Type::f32, {1, t_, 1, 1}, {weights});
    sum = g_.op(Op::clamp, Type::f32, {1, t_, 1, 1}, {sum});
    weights = g_.op(Op::div, Type::f32, {k, t_, 1, 1}, {weights, sum});
    weights = g_.view(weights, {1, k, t_, 1});
    g_.expand(weights);
    const int xs = g_.view(x, {d, 1, t_, 1});
    const int up = g_.op(Op::mul_mat_id, Type::f32, {fe, k, t_, 1}, {g_.weight(), xs, selected});
    const int gate = g_.op(Op::mul_mat_id, Type::f32, {fe, k, t_, 1}, {g_.weight(), xs, selected});
    const int act = g_.op(Op::glu, Type::f32, {fe, k, t_, 1}, {gate, up});
    int experts = g_.op(Op::mul_mat_id, Type::f32, {d, k, t_, 1}, {g_.weight(), act, selected});
    experts = g_.op(Op::mul, Type::f32, {d, k, t_, 1}, {experts, weights});
    g_.expand(experts);
    std::vector<int> views;
    for (std::int64_t i = 0; i < k; ++i) {
      views.push_back(g_.view(experts, {d, t_, 1, 1}));
      g_.expand(views.back());
    }
    int out = views.front();
    for (std::size_t i = 1; i < views.size(); ++i) {
      out = g_.op(Op::add, Type::f32, {d, t_, 1, 1}, {out, views[i]});
      g_.expand(out);
    }
    if (k == 1) out = g_.op(Op::cont, Type::f32, {d, t_, 1, 1}, {out});
    return out;
  }

  const ModelSpec& m_;
  const Workload& w_;
  std::int64_t n_kv_, t_, seqs_;
  ggml::Graph g_;
  int pos_ = -1, out_ids_ = -1, k_idxs_ = -1, v_idxs_ = -1, mask_ = -1, k_rot_ = -1, v_rot_ = -1;
};

}  // namespace detail

// Whether detail::LlamaGraph is llama.cpp's graph for this model: the four architectures, full attention on
// every block, one head size, no extra projections or norms, experts on every block with no shared one.
inline bool llamacpp_graph_covers(const ModelSpec& m) {
  const std::string& a = m.architecture;
  if (a != "llama" && a != "mixtral" && a != "qwen2" && a != "qwen3" && a != "qwen3_moe") return false;
  for (LayerKind k : m.layer_pattern)
    if (k != LayerKind::full) return false;
  if (m.head_dim_k != m.head_dim_v || m.head_dim_full > 0 || m.kv_heads_full > 0 || m.kv_shared_layers > 0) return false;
  if (m.qk_norm_full || m.attn_output_gate || m.attn_sinks || !m.final_norm || m.norms_per_layer != 2) return false;
  if (m.per_layer.present() || m.mla.kv_lora_rank > 0 || m.ssm.kind != SsmKind::none || !m.ffn_gated || m.sliding_window > 0 ||
      m.chunk_size > 0)
    return false;
  if (m.attn_bias != AttnBias::none && !(m.attn_bias == AttnBias::qkv && a == "qwen2")) return false;
  if (m.qk_norm != (a == "qwen3" || a == "qwen3_moe")) return false;
  if (m.moe.present()) {
    const MoeSpec& e = m.moe;
    if (e.shared_experts > 0 || e.dense_leading_layers > 0 || e.layer_step > 1 || e.layer_offset > 0 || e.router_bias || e.expert_bias) return false;
    if (e.experts_per_token <= 0 || e.expert_ffn <= 0) return false;
  } else if (m.ffn <= 0) {
    return false;
  }
  return true;
}

// The CPU compute buffer llama.cpp reserves for a CPU-only run (llama-context.cpp sched_reserve: the
// graph of a full ubatch of min(n_ctx, n_ubatch) tokens, n_outputs = n_tokens, n_seq_max sequences, a
// stream each), on a buffer aligned to 32 bytes (TENSOR_ALIGNMENT). sched_reserve also reserves the
// graph of one token per sequence, whose every tensor is at most as large, and ggml-alloc keeps the
// larger buffer: the prompt graph's. Empty where the graph is not one rebuilt here.
inline std::optional<Bytes> llamacpp_cpu_compute(const ModelSpec& m, const Workload& w, std::int64_t kv_cells) {
  if (!llamacpp_graph_covers(m) || kv_cells <= 0) return std::nullopt;
  const std::int64_t seqs = std::max<std::int64_t>(1, w.parallel);
  std::int64_t tokens = std::min(w.ubatch, w.context * seqs);
  tokens = (tokens + seqs - 1) / seqs * seqs;  // llama_ubatch splits the tokens evenly over the sequences
  // Past an exabyte the replay's sums could overflow; the phase formula (checked) answers there.
  const double widest = std::max({double(kv_cells) * double(m.heads), double(m.vocab), 3.0 * double(m.max_ffn()),
                                  3.0 * double(m.moe.experts_per_token) * double(std::max(m.moe.expert_ffn, m.hidden)),
                                  2.0 * double(m.kv_heads) * double(m.head_dim_v), double(m.heads) * double(m.head_dim_k)});
  if (widest * 8.0 * double(tokens) * double(m.layers + 16) > 0x1p60) return std::nullopt;
  const std::int64_t kAlignment = 32;
  const ggml::Graph prompt = detail::LlamaGraph(m, w, kv_cells, tokens, seqs).build();
  return Bytes(ggml::reserve(prompt, kAlignment));
}

}  // namespace vramfit
