// llama.cpp's CPU compute buffer by replaying its allocator (ggml_alloc.hpp) over the graph it reserves,
// for the architectures whose graph is rebuilt here node for node: llama (and Mixtral, llama with routed
// experts), qwen2 (QKV biases), qwen2vl (M-RoPE positions), qwen3 (QK norms), qwen3moe, gemma2 and
// gemma3 (sliding-window caches, post-norms, scaled embeddings), gpt-oss (sinks, biases, alternating
// windows, softmax-weighted experts), phi3 (fused QKV and gate-up projections) and command-r (LayerNorm,
// attention and FFN in parallel). Source: llama.cpp de3ff81 as node-llama-cpp 3.22.1 ships it;
// src/models/{llama,qwen2,qwen2vl,qwen3,qwen3moe,gemma2,gemma3,openai-moe,phi3,command-r}.cpp and src/llama-graph.cpp
// (build_inp_embd, build_attn, build_attn_mha, build_ffn, build_moe_ffn, build_attn_inp_kv_iswa),
// src/llama-kv-cache.cpp (cpy_k, cpy_v, get_k, get_v, the index and rotation inputs), src/llama-context.cpp
// (sched_reserve). Checked against the buffer llama.cpp logs at every oracle point of these models
// (docs/llamacpp-oracle.md); the Python prototypes are in bench/llamacpp-oracle/galloc-sim/.
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

// What of llama.cpp's graph depends on the architecture, for those llamacpp_graph_family() knows.
struct LlamaGraphShape {
  bool qkv_bias = false;       // qwen2, qwen2vl, gpt-oss (+ the output projection's bias)
  bool qk_norm = false;        // qwen3, qwen3moe, gemma3
  bool gemma = false;          // scaled embeddings, scaled Q, post-attention and post-FFN norms
  bool softcap = false;        // gemma2: KQ and logits soft-capped (scale, tanh, scale)
  bool gpt_oss = false;        // sinks, router and expert biases, softmax over the chosen experts only
  bool fused = false;          // phi3: Q, K, V views of one projection; up and gate one [2 ff] projection
  bool parallel = false;       // command-r: LayerNorm, attention and FFN both read the normed input
  std::int64_t positions = 1;  // positions per token (M-RoPE: 4)
};

// The graph llamacpp_cpu_compute() rebuilds for this model, if any: the architectures above with every
// block of full or sliding attention of one head size, and no MLA, recurrent layers, shared experts,
// per-layer inputs or KV sharing.
inline std::optional<LlamaGraphShape> llamacpp_graph_family(const ModelSpec& m) {
  const std::string& a = m.architecture;
  LlamaGraphShape s;
  const bool llama_like = a == "llama" || a == "mixtral" || a == "qwen2" || a == "qwen2_5_vl" || a == "qwen3" || a == "qwen3_moe";
  const bool gemma = a == "gemma2" || a == "gemma3" || a == "gemma3_text";
  if (!llama_like && !gemma && a != "gpt_oss" && a != "phi3" && a != "cohere") return std::nullopt;
  bool sliding = false;
  for (LayerKind k : m.layer_pattern) {
    if (k != LayerKind::full && k != LayerKind::sliding) return std::nullopt;
    sliding = sliding || k == LayerKind::sliding;
  }
  if (sliding != (m.sliding_window > 0) || (sliding && llama_like) || m.chunk_size > 0) return std::nullopt;
  if (m.head_dim_k != m.head_dim_v || m.head_dim_full > 0 || m.kv_heads_full > 0 || m.kv_shared_layers > 0) return std::nullopt;
  if (m.qk_norm_full || m.attn_output_gate || !m.final_norm || m.per_layer.present() || m.mla.kv_lora_rank > 0 ||
      m.ssm.kind != SsmKind::none || !m.ffn_gated)
    return std::nullopt;
  const MoeSpec& e = m.moe;
  if (e.present() && (e.shared_experts > 0 || e.dense_leading_layers > 0 || e.layer_step > 1 || e.layer_offset > 0 ||
                      e.experts_per_token <= 0 || e.expert_ffn <= 0))
    return std::nullopt;
  if (!e.present() && m.ffn <= 0) return std::nullopt;
  if (a == "gpt_oss") {
    if (m.attn_bias != AttnBias::qkvo || !m.attn_sinks || !e.present() || !e.router_bias || !e.expert_bias || m.qk_norm ||
        m.norms_per_layer != 2)
      return std::nullopt;
    s.qkv_bias = s.gpt_oss = true;
    return s;
  }
  if (m.attn_sinks || e.router_bias || e.expert_bias) return std::nullopt;
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
  const bool qwen2 = a == "qwen2" || a == "qwen2_5_vl", qwen3 = a == "qwen3" || a == "qwen3_moe";
  if (m.norms_per_layer != 2 || m.qk_norm != qwen3) return std::nullopt;
  if (m.attn_bias != AttnBias::none && !(m.attn_bias == AttnBias::qkv && qwen2)) return std::nullopt;
  s.qkv_bias = m.attn_bias == AttnBias::qkv;
  s.qk_norm = qwen3;
  s.positions = a == "qwen2_5_vl" ? 4 : 1;  // llama_hparams::n_pos_per_embd
  return s;
}

inline bool llamacpp_graph_covers(const ModelSpec& m) { return llamacpp_graph_family(m).has_value(); }

// The KV cache as the reserve graph sees it: the full and the sliding caches' cells per stream
// (KvCache::cells_full, cells_window; in the reserve n_kv is the whole cache, llama_kv_cache_context for
// init_full), and whether K and V are block-quantized (TensorType::quantized, ggml_is_quantized), which
// makes llama.cpp rotate them (attn_rot_k / attn_rot_v).
struct LlamaGraphCache {
  std::int64_t cells = 0;
  std::int64_t window_cells = 0;
  bool quantized_k = false;
  bool quantized_v = false;
};

namespace detail {

// The reserve graph of one ubatch.
class LlamaGraph {
 public:
  LlamaGraph(const ModelSpec& m, const LlamaGraphShape& s, const Workload& w, const LlamaGraphCache& kv, std::int64_t tokens,
             std::int64_t outputs, std::int64_t seqs)
      : m_(m), s_(s), w_(w), kv_(kv), t_(tokens), n_out_(outputs), seqs_(seqs) {}

  ggml::Graph build() {
    using ggml::Op;
    using ggml::Type;
    g_.reserve(static_cast<std::size_t>(m_.layers * (m_.moe.present() ? 64 + 2 * m_.moe.experts_per_token : 64) + 32));
    const std::int64_t d = m_.hidden;
    // build_inp_embd: the lookup and an f32 [d, T] embeddings input, both put in the graph
    // (ggml_build_forward_select): the input has no user, so it is never freed.
    const int tokens = g_.input(Type::i32, {t_, 1, 1, 1});
    int inp_l = g_.op(Op::get_rows, Type::f32, {d, t_, 1, 1}, {g_.weight(), tokens});
    g_.expand(inp_l);
    g_.expand(g_.input(Type::f32, {d, t_, 1, 1}));
    if (s_.gemma) inp_l = scale(inp_l);  // x sqrt(n_embd)
    pos_ = g_.input(Type::i32, {t_ * s_.positions, 1, 1, 1});
    base_ = cache(kv_.cells);
    if (kv_.window_cells > 0) swa_ = cache(kv_.window_cells);
    out_ids_ = g_.input(Type::i32, {n_out_, 1, 1, 1});
    const std::int64_t hd = m_.head_dim_k, nh = m_.heads, nkv = m_.kv_heads;
    // gpt-oss keeps every token's hidden state to the end (t_h_nextn, an output) and selects the output
    // rows after the last block; the others select them inside the last block.
    const bool rows_in_block = !s_.gpt_oss;
    for (std::int64_t il = 0; il < m_.layers; ++il) {
      int inp_sa = inp_l;
      int cur = norm(inp_l);
      int ffn_in = cur;  // command-r's FFN reads the normed input beside the attention
      int q, k, v;
      if (s_.fused) {  // build_qkv's fused path: strided views of one [q + k + v, T] product
        const int qkv = matmul(cur, hd * (nh + 2 * nkv));
        q = g_.view(qkv, {hd, nh, t_, 1});
        k = g_.view(qkv, {hd, nkv, t_, 1});
        v = g_.view(qkv, {hd, nkv, t_, 1});
      } else {
        q = matmul(cur, hd * nh);
        if (s_.qkv_bias) q = add_weight(q);
        k = matmul(cur, hd * nkv);
        if (s_.qkv_bias) k = add_weight(k);
        v = matmul(cur, hd * nkv);
        if (s_.qkv_bias) v = add_weight(v);
        q = g_.view(q, {hd, nh, t_, 1});
        k = g_.view(k, {hd, nkv, t_, 1});
        v = g_.view(v, {hd, nkv, t_, 1});
      }
      if (s_.qk_norm) q = norm(q);
      q = g_.op(Op::rope, Type::f32, g_.ne(q), {q, pos_, g_.weight()});
      if (s_.qk_norm) k = norm(k);
      k = g_.op(Op::rope, Type::f32, g_.ne(k), {k, pos_, g_.weight()});
      if (s_.gemma || s_.fused) q = scale(q);
      cur = attention(m_.layer_kind(il) == LayerKind::sliding ? swa_ : base_, q, k, v, !s_.fused);
      if (rows_in_block && il == m_.layers - 1) {
        cur = g_.op(Op::get_rows, Type::f32, {d, n_out_, 1, 1}, {cur, out_ids_});
        inp_sa = g_.op(Op::get_rows, Type::f32, {d, n_out_, 1, 1}, {inp_sa, out_ids_});
        if (s_.parallel) ffn_in = g_.op(Op::get_rows, Type::f32, {d, n_out_, 1, 1}, {ffn_in, out_ids_});
      }
      if (s_.parallel) {
        const int ffn_out = ffn(ffn_in);
        inp_l = g_.op(Op::add, Type::f32, g_.ne(cur), {g_.op(Op::add, Type::f32, g_.ne(cur), {ffn_out, inp_sa}), cur});
      } else if (s_.fused) {
        const int ffn_inp = g_.op(Op::add, Type::f32, g_.ne(cur), {cur, inp_sa});
        inp_l = g_.op(Op::add, Type::f32, g_.ne(cur), {ffn_inp, ffn_fused(norm(ffn_inp))});
      } else if (s_.gemma) {
        const int sa_out = g_.op(Op::add, Type::f32, g_.ne(cur), {norm(cur), inp_sa});
        cur = norm(ffn(norm(sa_out)));
        inp_l = g_.op(Op::add, Type::f32, g_.ne(cur), {cur, sa_out});
      } else {
        const int ffn_inp = g_.op(Op::add, Type::f32, g_.ne(cur), {cur, inp_sa});
        cur = norm(ffn_inp);
        cur = m_.is_moe_layer(il) ? moe_ffn(cur) : ffn(cur);
        inp_l = g_.op(Op::add, Type::f32, g_.ne(cur), {cur, ffn_inp});
      }
    }
    if (!rows_in_block) {
      g_.at(inp_l).output = true;
      inp_l = g_.op(Op::get_rows, Type::f32, {d, n_out_, 1, 1}, {inp_l, out_ids_});
    }
    // The head: result_norm and result_output are graph outputs (llm_graph_result::set_outputs).
    const int result_norm = norm(inp_l);
    int logits = matmul(result_norm, m_.vocab);
    if (s_.softcap) logits = scale(unary(scale(logits)));
    g_.expand(logits);
    g_.at(result_norm).output = g_.at(logits).output = true;
    return std::move(g_);
  }

 private:
  // The inputs of one cache (build_attn_inp_kv, or one half of build_attn_inp_kv_iswa): its index
  // inputs (V's per element when it is stored transposed, without flash attention), its mask [n_kv, T]
  // (f16 for flash attention), and the Hadamard matrices of a quantized cache (llama_kv_cache:
  // attn_rot_k / attn_rot_v, head sizes divisible by 64).
  struct Cache {
    std::int64_t cells = 0;
    int k_idxs = -1, v_idxs = -1, mask = -1, k_rot = -1, v_rot = -1;
  };
  Cache cache(std::int64_t cells) {
    using ggml::Type;
    Cache c;
    c.cells = cells;
    const std::int64_t ev = m_.head_dim_v * m_.kv_heads;
    c.k_idxs = g_.input(Type::i64, {t_, 1, 1, 1});
    c.v_idxs = g_.input(Type::i64, {w_.flash_attention ? t_ : t_ * ev, 1, 1, 1});
    c.mask = g_.input(w_.flash_attention ? Type::f16 : Type::f32, {cells, t_ / seqs_, 1, seqs_});
    if (kv_.quantized_k && m_.head_dim_k % 64 == 0) {
      std::int64_t nrot = 64;  // the largest power of two from 64 up that divides the head size
      while (m_.head_dim_k % (nrot * 2) == 0) nrot *= 2;
      c.k_rot = g_.input(Type::f32, {nrot, nrot, 1, 1});
    }
    if (kv_.quantized_v && m_.head_dim_v % 64 == 0) c.v_rot = g_.input(Type::f32, {64, 64, 1, 1});
    return c;
  }

  // build_norm: RMS (LayerNorm for command-r), then the weight's MUL.
  int norm(int x) {
    const int n = g_.op(s_.parallel ? ggml::Op::norm : ggml::Op::rms_norm, ggml::Type::f32, g_.ne(x), {x});
    return g_.op(ggml::Op::mul, ggml::Type::f32, g_.ne(x), {n, g_.weight()});
  }
  int scale(int x) { return g_.op(ggml::Op::scale, ggml::Type::f32, g_.ne(x), {x}); }
  int unary(int x) { return g_.op(ggml::Op::unary, ggml::Type::f32, g_.ne(x), {x}); }
  int matmul(int x, std::int64_t rows) {
    const ggml::Shape s = g_.ne(x);
    return g_.op(ggml::Op::mul_mat, ggml::Type::f32, {rows, s[1], s[2], s[3]}, {g_.weight(), x});
  }
  int add_weight(int x) { return g_.op(ggml::Op::add, ggml::Type::f32, g_.ne(x), {x, g_.weight()}); }
  int add_expert_bias(int x, int selected) { return g_.op(ggml::Op::add_id, ggml::Type::f32, g_.ne(x), {x, g_.weight(), selected}); }

  // llama_mul_mat_hadamard: the rotation applied in blocks of its size; a strided input (phi3's V) is
  // made contiguous first (ggml_cont_2d), the others are reshaped.
  int hadamard(int x, int rot, bool contiguous = true) {
    const ggml::Shape s = g_.ne(x);
    const std::int64_t n = g_.ne(rot)[0];
    const ggml::Shape flat_ne{n, g_.at(x).elements() / n, 1, 1};
    const int flat = contiguous ? g_.view(x, flat_ne) : g_.op(ggml::Op::cont, ggml::Type::f32, flat_ne, {x});
    const int r = g_.op(ggml::Op::mul_mat, ggml::Type::f32, g_.ne(flat), {rot, flat});
    return g_.view(r, s);
  }

  // build_attn + build_attn_mha: q, v, k put in the graph in that order (q, k, v with two caches), the
  // cache writes (SET_ROWS views of the cache; a strided V is copied contiguous first when the cache
  // stores it transposed), then flash attention, or KQ (soft-capped on gemma2), its softmax and KQV;
  // the output projection and its bias.
  int attention(const Cache& c, int q, int k, int v, bool v_contiguous) {
    using ggml::Op;
    using ggml::Type;
    const std::int64_t hd = m_.head_dim_k, hv = m_.head_dim_v, nh = m_.heads, nkv = m_.kv_heads, ns = seqs_, n_kv = c.cells;
    if (c.k_rot >= 0) q = hadamard(q, c.k_rot), k = hadamard(k, c.k_rot);
    if (c.v_rot >= 0) v = hadamard(v, c.v_rot, v_contiguous), v_contiguous = true;
    g_.expand(q);
    if (swa_.cells > 0) {
      g_.expand(k);
      g_.expand(v);
    } else {
      g_.expand(v);
      g_.expand(k);
    }
    const int k_cache = g_.weight(), v_cache = g_.weight();
    g_.expand(g_.view(k_cache, {hd * nkv, n_kv * ns, 1, 1}, {g_.view(k, {hd * nkv, t_, 1, 1}), c.k_idxs}));
    if (w_.flash_attention) {
      g_.expand(g_.view(v_cache, {hv * nkv, n_kv * ns, 1, 1}, {g_.view(v, {hv * nkv, t_, 1, 1}), c.v_idxs}));
    } else {
      const int flat = v_contiguous ? g_.view(v, {hv * nkv, t_, 1, 1}) : g_.op(Op::cont, Type::f32, {hv * nkv, t_, 1, 1}, {v});
      const int rows = g_.view(flat, {1, hv * nkv * t_, 1, 1});
      g_.expand(g_.view(v_cache, {1, hv * nkv * n_kv * ns, 1, 1}, {rows, c.v_idxs}));
    }
    const int qs = g_.view(g_.view(q, {hd, nh, t_ / ns, ns}), {hd, t_ / ns, nh, ns});
    const int ks = g_.view(k_cache, {hd, n_kv, nkv, ns});
    int cur;
    if (w_.flash_attention) {
      const int vs = g_.view(v_cache, {hv, n_kv, nkv, ns});
      cur = g_.op(Op::flash_attn, Type::f32, {hv, nh, t_ / ns, ns}, {qs, ks, vs, c.mask});
      cur = g_.view(cur, {hv * nh, t_, 1, 1});
    } else {
      const int vs = g_.view(v_cache, {n_kv, hv, nkv, ns});
      int kq = g_.op(Op::mul_mat, Type::f32, {n_kv, t_ / ns, nh, ns}, {ks, qs});
      if (s_.softcap) kq = scale(unary(scale(kq)));
      kq = g_.op(Op::soft_max, Type::f32, g_.ne(kq), {kq, c.mask});
      const int kqv = g_.op(Op::mul_mat, Type::f32, {hv, t_ / ns, nh, ns}, {vs, kq});
      cur = g_.op(Op::cont, Type::f32, {hv * nh, t_, 1, 1}, {g_.view(kqv, {hv, nh, t_ / ns, ns})});
    }
    g_.expand(cur);
    if (c.v_rot >= 0) cur = hadamard(cur, c.v_rot);
    cur = matmul(cur, m_.hidden);
    return s_.gpt_oss ? add_weight(cur) : cur;
  }

  // build_ffn (parallel gate): up, gate, their GLU (SwiGLU, GeGLU), down.
  int ffn(int x) {
    const ggml::Shape s = g_.ne(x);
    const int up = matmul(x, m_.ffn), gate = matmul(x, m_.ffn);
    const int act = g_.op(ggml::Op::glu, ggml::Type::f32, {m_.ffn, s[1], 1, 1}, {gate, up});
    return matmul(act, m_.hidden);
  }

  // build_ffn with one [2 ff] up projection and no gate (phi3: LLM_FFN_SWIGLU, LLM_FFN_SEQ): the
  // one-input SwiGLU halves it.
  int ffn_fused(int x) {
    const ggml::Shape s = g_.ne(x);
    const int up = matmul(x, 2 * m_.ffn);
    const int act = g_.op(ggml::Op::glu, ggml::Type::f32, {m_.ffn, s[1], 1, 1}, {up});
    return matmul(act, m_.hidden);
  }

  // build_moe_ffn: router logits (+ bias), their softmax (gpt-oss: none, the chosen k are softmaxed
  // instead), the top-k selection (argsort and a view of its first k), the weights (normalised to sum
  // 1, except gpt-oss), then the selected experts' up, gate (+ biases), GLU and down (MUL_MAT_ID),
  // weighted, and the k per-expert views summed.
  int moe_ffn(int x) {
    using ggml::Op;
    using ggml::Type;
    const std::int64_t d = m_.hidden, e = m_.moe.experts, k = m_.moe.experts_per_token, fe = m_.moe.expert_ffn;
    const ggml::Shape xs_ne = g_.ne(x);
    const std::int64_t t = xs_ne[1];
    int probs = matmul(x, e);
    if (s_.gpt_oss) probs = add_weight(probs);
    else probs = g_.op(Op::soft_max, Type::f32, g_.ne(probs), {probs});
    const int order = g_.op(Op::argsort, Type::i32, g_.ne(probs), {probs});
    const int selected = g_.view(order, {k, t, 1, 1});
    int weights = g_.op(Op::get_rows, Type::f32, {1, k, t, 1}, {g_.view(probs, {1, e, t, 1}), selected});
    weights = g_.view(weights, {k, t, 1, 1});
    if (s_.gpt_oss) {
      weights = g_.op(Op::soft_max, Type::f32, {k, t, 1, 1}, {weights});
    } else {
      int sum = g_.op(Op::sum_rows, Type::f32, {1, t, 1, 1}, {weights});
      sum = g_.op(Op::clamp, Type::f32, {1, t, 1, 1}, {sum});
      weights = g_.op(Op::div, Type::f32, {k, t, 1, 1}, {weights, sum});
    }
    weights = g_.view(weights, {1, k, t, 1});
    g_.expand(weights);
    const int xs = g_.view(x, {d, 1, t, 1});
    int up = g_.op(Op::mul_mat_id, Type::f32, {fe, k, t, 1}, {g_.weight(), xs, selected});
    if (s_.gpt_oss) up = add_expert_bias(up, selected);
    int gate = g_.op(Op::mul_mat_id, Type::f32, {fe, k, t, 1}, {g_.weight(), xs, selected});
    if (s_.gpt_oss) gate = add_expert_bias(gate, selected);
    const int act = g_.op(Op::glu, Type::f32, {fe, k, t, 1}, {gate, up});
    int experts = g_.op(Op::mul_mat_id, Type::f32, {d, k, t, 1}, {g_.weight(), act, selected});
    if (s_.gpt_oss) experts = add_expert_bias(experts, selected);
    experts = g_.op(Op::mul, Type::f32, {d, k, t, 1}, {experts, weights});
    g_.expand(experts);
    std::vector<int> views;
    for (std::int64_t i = 0; i < k; ++i) {
      views.push_back(g_.view(experts, {d, t, 1, 1}));
      g_.expand(views.back());
    }
    int out = views.front();
    for (std::size_t i = 1; i < views.size(); ++i) {
      out = g_.op(Op::add, Type::f32, {d, t, 1, 1}, {out, views[i]});
      g_.expand(out);
    }
    if (k == 1) out = g_.op(Op::cont, Type::f32, {d, t, 1, 1}, {out});
    return out;
  }

  const ModelSpec& m_;
  const LlamaGraphShape& s_;
  const Workload& w_;
  const LlamaGraphCache& kv_;
  std::int64_t t_, n_out_, seqs_;
  ggml::Graph g_;
  Cache base_, swa_;
  int pos_ = -1, out_ids_ = -1;
};

}  // namespace detail

// The CPU compute buffer llama.cpp reserves for a CPU-only run (llama-context.cpp sched_reserve: the
// graph of a full ubatch of min(n_ctx, n_ubatch) tokens, rounded up to a whole number per sequence,
// with logits for min(that, n_batch) of them before the rounding, n_seq_max sequences, a stream each),
// on a buffer aligned to 32 bytes (TENSOR_ALIGNMENT). sched_reserve also reserves the
// graph of one token per sequence, whose every tensor is at most as large, and ggml-alloc keeps the
// larger buffer: the prompt graph's. Empty where the graph is not one rebuilt here.
inline std::optional<Bytes> llamacpp_cpu_compute(const ModelSpec& m, const Workload& w, const LlamaGraphCache& kv) {
  const std::optional<LlamaGraphShape> shape = llamacpp_graph_family(m);
  if (!shape || kv.cells <= 0 || (m.sliding_window > 0) != (kv.window_cells > 0)) return std::nullopt;
  const std::int64_t seqs = std::max<std::int64_t>(1, w.parallel);
  const std::int64_t unrounded = std::min(w.ubatch, w.context * seqs);
  const std::int64_t tokens = (unrounded + seqs - 1) / seqs * seqs;  // llama_ubatch: as many per sequence
  const std::int64_t outputs = std::min(unrounded, w.batch);
  // Past an exabyte the replay's sums could overflow; the phase formula (checked) answers there.
  const double widest = std::max({double(kv.cells) * double(m.heads), double(m.vocab), 3.0 * double(m.max_ffn()),
                                  3.0 * double(m.moe.experts_per_token) * double(std::max(m.moe.expert_ffn, m.hidden)),
                                  2.0 * double(m.kv_heads) * double(m.head_dim_v), double(m.heads) * double(m.head_dim_k)});
  if (widest * 8.0 * double(tokens) * double(m.layers + 16) > 0x1p60) return std::nullopt;
  const std::int64_t kAlignment = 32;
  const ggml::Graph prompt = detail::LlamaGraph(m, *shape, w, kv, tokens, outputs, seqs).build();
  return Bytes(ggml::reserve(prompt, kAlignment));
}

}  // namespace vramfit
