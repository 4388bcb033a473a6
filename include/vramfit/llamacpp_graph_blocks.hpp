// The pieces every llama.cpp graph replayed here is made of (llamacpp_graph.hpp): the graph inputs,
// norms and projections, attention over a KV cache, the feed-forward blocks and the output head, as
// llama.cpp de3ff81 builds them (src/llama-graph.cpp build_inp_embd, build_norm, build_ffn,
// build_moe_ffn, build_attn, build_attn_mha; src/llama-kv-cache.cpp cpy_k, cpy_v, get_k, get_v and
// the index and rotation inputs). Only shapes, types and sources matter to the allocator, so a weight
// is one placeholder tensor and an op's parameters are left out.
#pragma once

#include <cstdint>
#include <vector>

#include "vramfit/ggml_alloc.hpp"
#include "vramfit/model.hpp"
#include "vramfit/workload.hpp"

namespace vramfit {

// Which builder rebuilds the model's graph (llamacpp_graph_family() picks it).
enum class LlamaGraphKind : std::uint8_t {
  standard,        // attention blocks: llama, qwen2/3 (+MoE), gemma2/3, gpt-oss, phi3, command-r, glm4moe, llama4
  mla,             // deepseek2: latent attention, absorbed (DeepSeek V2/V3, Kimi K2)
  gemma4,          // Gemma 4: global blocks of their own shape, KV sharing, per-layer inputs
  jamba,           // Mamba-1 and attention blocks
  granite_hybrid,  // Mamba-2 and attention blocks
  qwen3_next,      // gated delta nets and gated attention
  qwen35,          // Qwen3.5: qwen3-next's blocks with M-RoPE, separate beta / alpha projections, dense or routed FFNs
  nemotron_h,      // Mamba-2, attention and feed-forward blocks, one part each; ReLU² FFNs
};

// build_moe_ffn's gating_op: how router logits become expert probabilities.
enum class MoeGating : std::uint8_t {
  softmax,         // LLAMA_EXPERT_GATING_FUNC_TYPE_SOFTMAX
  sigmoid,         // LLAMA_EXPERT_GATING_FUNC_TYPE_SIGMOID
  softmax_weight,  // gpt-oss: the logits select, the chosen k are softmaxed
};

// What of llama.cpp's graph depends on the architecture, for those llamacpp_graph_family() knows.
struct LlamaGraphShape {
  LlamaGraphKind kind = LlamaGraphKind::standard;
  bool qkv_bias = false;       // qwen2, qwen2vl, gpt-oss (+ the output projection's bias), glm4moe
  bool qk_norm = false;        // qwen3, qwen3moe, gemma3, glm4moe (optional), qwen3-next
  bool qk_norm_full = false;   // minimax-m2: the norms span the whole q and k projections, before the reshape
  bool gemma = false;          // scaled embeddings, scaled Q, post-attention and post-FFN norms
  bool softcap = false;        // gemma2: KQ and logits soft-capped (scale, tanh, scale)
  bool gpt_oss = false;        // sinks, router and expert biases, hidden states kept to the end
  bool fused = false;          // phi3: Q, K, V views of one projection; up and gate one [2 ff] projection
  bool parallel = false;       // command-r: LayerNorm, attention and FFN both read the normed input
  bool rope = true;            // granite hybrid files converted from NoPE models turn RoPE off
  bool relu_sqr = false;       // nemotron-h: FFNs and experts without a gate, ReLU then square (LLM_FFN_RELU_SQR)
  std::int64_t positions = 1;  // positions per token (M-RoPE: 4)
  // llama4: every nope_step-th block skips RoPE and multiplies Q by the temperature input
  // (n_no_rope_layer_step, build_inp_attn_scale); kq_l2: unweighted RMS norm of the roped Q and K
  // (use_kq_norm).
  std::int64_t nope_step = 0;
  bool kq_l2 = false;
  // build_moe_ffn's arguments: gating, the selection bias (exp_probs_b), norm_w, w_scale and
  // weight_before_ffn (llama4: the weights scale the input, not the output).
  MoeGating gating = MoeGating::softmax;
  bool probs_bias = false;
  bool norm_w = true;
  double w_scale = 0;
  bool weight_before_ffn = false;
};

// The KV cache as the reserve graph sees it: the full and the windowed caches' cells per stream
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

// The blocks shared by the builders: one ubatch of `tokens` tokens over `seqs` sequences, logits for
// `outputs` of them.
class LlamaGraphBlocks {
 public:
  LlamaGraphBlocks(const ModelSpec& m, const LlamaGraphShape& s, const Workload& w, const LlamaGraphCache& kv, std::int64_t tokens,
                   std::int64_t outputs, std::int64_t seqs)
      : m_(m), s_(s), w_(w), kv_(kv), t_(tokens), n_out_(outputs), seqs_(seqs) {
    g_.reserve(static_cast<std::size_t>(m_.layers * (m_.moe.present() ? 80 + 2 * m_.moe.experts_per_token : 80) + 32));
  }

 protected:
  // build_inp_embd: the lookup and an f32 [d, T] embeddings input, both put in the graph
  // (ggml_build_forward_select): the input has no user, so it is never freed. With DeepStack
  // (Qwen3-VL, n_embd_inp = (1 + N) d) both are (1 + N) d wide, the lookup zero-padded (ggml_pad),
  // and the hidden state is a [d, T] view of the padded rows, which stay alive while a block still
  // adds its slice (deepstack()).
  int embeddings() {
    const std::int64_t d = m_.hidden, d_inp = d * (1 + m_.deepstack_layers);
    const int tokens = g_.input(ggml::Type::i32, {t_, 1, 1, 1});
    int rows = g_.op(ggml::Op::get_rows, ggml::Type::f32, {d, t_, 1, 1}, {g_.weight(), tokens});
    if (d_inp != d) rows = g_.op(ggml::Op::pad, ggml::Type::f32, {d_inp, t_, 1, 1}, {rows});
    g_.expand(rows);
    g_.expand(g_.input(ggml::Type::f32, {d_inp, t_, 1, 1}));
    if (d_inp != d) {
      rows = g_.view(rows, {d, t_, 1, 1});
      g_.expand(rows);
    }
    return inp_embd_ = rows;
  }
  // qwen3vl.cpp: block il < N adds slice il + 1 of the input rows to its output.
  int deepstack(std::int64_t il, int x) { return il < m_.deepstack_layers ? add(x, g_.view(inp_embd_, {m_.hidden, t_, 1, 1})) : x; }
  int input(ggml::Type type, ggml::Shape ne) { return g_.input(type, ne); }
  int positions_input() { return g_.input(ggml::Type::i32, {t_ * s_.positions, 1, 1, 1}); }
  int out_ids_input() { return g_.input(ggml::Type::i32, {n_out_, 1, 1, 1}); }

  // The inputs of one cache (build_attn_inp_kv, or one half of build_attn_inp_kv_iswa): its index
  // inputs (V's per element when it is stored transposed, without flash attention), its mask [n_kv, T]
  // (f16 for flash attention), and the Hadamard matrices of a quantized cache (llama_kv_cache:
  // attn_rot_k / attn_rot_v, head sizes divisible by 64).
  // Its blocks' head sizes and KV heads: the model's, but Gemma 4's global blocks have their own. A
  // transposed V cache (no flash attention) keeps rows as wide as the model's widest V row
  // (n_embd_v_gqa_max, llama-kv-cache.cpp [TAG_V_CACHE_VARIABLE]): narrower rows are padded to it.
  struct Cache {
    std::int64_t cells = 0;
    std::int64_t head_k = 0, head_v = 0, kv_heads = 0, v_row = 0;
    int k_idxs = -1, v_idxs = -1, mask = -1, k_rot = -1, v_rot = -1;
  };
  Cache cache(std::int64_t cells) { return cache(cells, m_.head_dim_k, m_.head_dim_v, m_.kv_heads, m_.head_dim_v * m_.kv_heads); }
  Cache cache(std::int64_t cells, std::int64_t head_k, std::int64_t head_v, std::int64_t kv_heads, std::int64_t v_row) {
    using ggml::Type;
    Cache c;
    c.cells = cells;
    c.head_k = head_k, c.head_v = head_v, c.kv_heads = kv_heads, c.v_row = v_row;
    c.k_idxs = g_.input(Type::i64, {t_, 1, 1, 1});
    c.v_idxs = g_.input(Type::i64, {w_.flash_attention ? t_ : t_ * v_row, 1, 1, 1});
    c.mask = mask(cells);
    if (kv_.quantized_k && head_k % 64 == 0) {
      std::int64_t nrot = 64;  // the largest power of two from 64 up that divides the head size
      while (head_k % (nrot * 2) == 0) nrot *= 2;
      c.k_rot = g_.input(Type::f32, {nrot, nrot, 1, 1});
    }
    if (kv_.quantized_v && head_v % 64 == 0) c.v_rot = g_.input(Type::f32, {64, 64, 1, 1});
    return c;
  }
  int mask(std::int64_t cells) {
    return g_.input(w_.flash_attention ? ggml::Type::f16 : ggml::Type::f32, {cells, t_ / seqs_, 1, seqs_});
  }

  // build_norm: RMS (LayerNorm for command-r), then the weight's MUL.
  int norm(int x) {
    const int n = g_.op(s_.parallel ? ggml::Op::norm : ggml::Op::rms_norm, ggml::Type::f32, g_.ne(x), {x});
    return g_.op(ggml::Op::mul, ggml::Type::f32, g_.ne(x), {n, g_.weight()});
  }
  int rms(int x) { return g_.op(ggml::Op::rms_norm, ggml::Type::f32, g_.ne(x), {x}); }
  int scale(int x) { return g_.op(ggml::Op::scale, ggml::Type::f32, g_.ne(x), {x}); }
  int unary(int x) { return g_.op(ggml::Op::unary, ggml::Type::f32, g_.ne(x), {x}); }
  int sqr(int x) { return g_.op(ggml::Op::sqr, ggml::Type::f32, g_.ne(x), {x}); }
  int rope(int x) { return g_.op(ggml::Op::rope, ggml::Type::f32, g_.ne(x), {x, pos_, g_.weight()}); }
  int add(int a, int b) { return g_.op(ggml::Op::add, ggml::Type::f32, g_.ne(a), {a, b}); }
  int mul(int a, int b) { return g_.op(ggml::Op::mul, ggml::Type::f32, g_.ne(a), {a, b}); }
  int cont(int x, ggml::Shape ne) { return g_.op(ggml::Op::cont, ggml::Type::f32, ne, {x}); }
  int get_rows(int x, int ids) {
    const ggml::Shape a = g_.ne(x), b = g_.ne(ids);
    return g_.op(ggml::Op::get_rows, ggml::Type::f32, {a[0], b[0], b[1], b[2]}, {x, ids});
  }
  int matmul(int x, std::int64_t rows) {
    const ggml::Shape s = g_.ne(x);
    return g_.op(ggml::Op::mul_mat, ggml::Type::f32, {rows, s[1], s[2], s[3]}, {g_.weight(), x});
  }
  int add_weight(int x) { return add(x, g_.weight()); }
  int add_expert_bias(int x, int selected) { return g_.op(ggml::Op::add_id, ggml::Type::f32, g_.ne(x), {x, g_.weight(), selected}); }

  // llama_mul_mat_hadamard: the rotation applied in blocks of its size; a strided input (phi3's V) is
  // made contiguous first (ggml_cont_2d), the others are reshaped.
  int hadamard(int x, int rot, bool contiguous = true) {
    const ggml::Shape s = g_.ne(x);
    const std::int64_t n = g_.ne(rot)[0];
    const ggml::Shape flat_ne{n, g_.at(x).elements() / n, 1, 1};
    const int flat = contiguous ? g_.view(x, flat_ne) : cont(x, flat_ne);
    const int r = g_.op(ggml::Op::mul_mat, ggml::Type::f32, g_.ne(flat), {rot, flat});
    return g_.view(r, s);
  }

  // cpy_k, cpy_v: SET_ROWS views of the caches taking K's rows, and V's rows or, transposed (no flash
  // attention), its elements: a strided V copied contiguous first, a row narrower than the cache's
  // padded to it (ggml_pad).
  void write_cache(const Cache& c, int k, int v, bool v_contiguous, int k_cache, int v_cache) {
    const std::int64_t ek = c.head_k * c.kv_heads, ev = c.head_v * c.kv_heads, rows = c.cells * seqs_;
    g_.expand(g_.view(k_cache, {ek, rows, 1, 1}, {g_.view(k, {ek, t_, 1, 1}), c.k_idxs}));
    if (w_.flash_attention) {
      g_.expand(g_.view(v_cache, {ev, rows, 1, 1}, {g_.view(v, {ev, t_, 1, 1}), c.v_idxs}));
      return;
    }
    int flat = v_contiguous ? g_.view(v, {ev, t_, 1, 1}) : cont(v, {ev, t_, 1, 1});
    if (ev < c.v_row) flat = g_.op(ggml::Op::pad, ggml::Type::f32, {c.v_row, t_, 1, 1}, {flat});
    g_.expand(g_.view(v_cache, {1, c.v_row * rows, 1, 1}, {g_.view(flat, {1, c.v_row * t_, 1, 1}), c.v_idxs}));
  }

  // build_attn + build_attn_mha: q, v, k put in the graph in that order (q, k, v with two caches), the
  // cache writes (SET_ROWS views of the cache; a strided V is copied contiguous first when the cache
  // stores it transposed), then flash attention, or KQ (soft-capped on gemma2), its softmax and KQV;
  // the output projection (none where the caller gates the output first: qwen3-next) and its bias.
  int attention(const Cache& c, int q, int k, int v, bool v_contiguous, bool project = true) {
    using ggml::Op;
    using ggml::Type;
    const std::int64_t hd = c.head_k, hv = c.head_v, nh = m_.heads, nkv = c.kv_heads, ns = seqs_, n_kv = c.cells;
    // k and v are -1 in a block that reads an earlier block's cache (Gemma 4's KV sharing): no writes.
    const bool writes = k >= 0;
    if (c.k_rot >= 0) q = hadamard(q, c.k_rot);
    if (c.k_rot >= 0 && writes) k = hadamard(k, c.k_rot);
    if (c.v_rot >= 0 && writes) v = hadamard(v, c.v_rot, v_contiguous), v_contiguous = true;
    g_.expand(q);
    if (writes) {
      g_.expand(swa_.cells > 0 ? k : v);
      g_.expand(swa_.cells > 0 ? v : k);
    }
    const int k_cache = g_.weight(), v_cache = g_.weight();
    if (writes) write_cache(c, k, v, v_contiguous, k_cache, v_cache);
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
      cur = cont(g_.view(kqv, {hv, nh, t_ / ns, ns}), {hv * nh, t_, 1, 1});
    }
    g_.expand(cur);
    if (c.v_rot >= 0) cur = hadamard(cur, c.v_rot);
    if (!project) return cur;
    cur = matmul(cur, m_.hidden);
    return s_.gpt_oss ? add_weight(cur) : cur;
  }

  // build_ffn (parallel gate): up, gate, their GLU (SwiGLU, GeGLU), down; without a gate (nemotron-h)
  // up, ReLU and square in place, down.
  int ffn(int x, std::int64_t width) {
    const ggml::Shape s = g_.ne(x);
    if (s_.relu_sqr) return matmul(sqr(unary(matmul(x, width))), m_.hidden);
    const int up = matmul(x, width), gate = matmul(x, width);
    const int act = g_.op(ggml::Op::glu, ggml::Type::f32, {width, s[1], 1, 1}, {gate, up});
    return matmul(act, m_.hidden);
  }
  // The shared experts as one FFN of their summed width.
  [[nodiscard]] std::int64_t shared_width() const {
    return (m_.moe.shared_ffn > 0 ? m_.moe.shared_ffn : m_.moe.expert_ffn) * m_.moe.shared_experts;
  }

  // build_moe_ffn: router logits (+ gpt-oss's router bias), the gating (softmax, sigmoid, or none for
  // gpt-oss), the selection bias, the top-k selection (argsort and a view of its first k; llama4
  // selects on the logits), the chosen probabilities (gpt-oss: softmaxed; norm_w: divided by their
  // clamped sum; w_scale: scaled), then the selected experts' up, gate (+ biases), GLU and down
  // (MUL_MAT_ID), weighted (llama4: the repeated input instead), and the k per-expert views summed.
  int moe_ffn(int x) {
    using ggml::Op;
    using ggml::Type;
    const std::int64_t d = m_.hidden, e = m_.moe.experts, k = m_.moe.experts_per_token, fe = m_.moe.expert_ffn;
    const std::int64_t t = g_.ne(x)[1];
    int logits = matmul(x, e);
    if (s_.gpt_oss) logits = add_weight(logits);
    int probs = logits;
    if (s_.gating == MoeGating::softmax) probs = g_.op(Op::soft_max, Type::f32, g_.ne(logits), {logits});
    if (s_.gating == MoeGating::sigmoid) probs = unary(logits);
    int selection = s_.probs_bias ? add_weight(probs) : probs;
    if (s_.weight_before_ffn) selection = logits;
    const int order = g_.op(Op::argsort, Type::i32, g_.ne(selection), {selection});
    const int selected = g_.view(order, {k, t, 1, 1});
    int weights = g_.op(Op::get_rows, Type::f32, {1, k, t, 1}, {g_.view(probs, {1, e, t, 1}), selected});
    if (s_.gating == MoeGating::softmax_weight) {
      weights = g_.op(Op::soft_max, Type::f32, {k, t, 1, 1}, {g_.view(weights, {k, t, 1, 1})});
      weights = g_.view(weights, {1, k, t, 1});
    }
    if (s_.norm_w) {
      weights = g_.view(weights, {k, t, 1, 1});
      int sum = g_.op(Op::sum_rows, Type::f32, {1, t, 1, 1}, {weights});
      sum = g_.op(Op::clamp, Type::f32, {1, t, 1, 1}, {sum});
      weights = g_.op(Op::div, Type::f32, {k, t, 1, 1}, {weights, sum});
      weights = g_.view(weights, {1, k, t, 1});
    }
    if (s_.w_scale != 0 && s_.w_scale != 1) weights = scale(weights);
    g_.expand(weights);
    int xs = g_.view(x, {d, 1, t, 1});
    if (s_.weight_before_ffn) xs = mul(g_.op(Op::repeat, Type::f32, {d, k, t, 1}, {xs}), weights);
    int up = g_.op(Op::mul_mat_id, Type::f32, {fe, k, t, 1}, {g_.weight(), xs, selected});
    if (s_.gpt_oss) up = add_expert_bias(up, selected);
    int act;
    if (s_.relu_sqr) {
      act = sqr(unary(up));
    } else {
      int gate = g_.op(Op::mul_mat_id, Type::f32, {fe, k, t, 1}, {g_.weight(), xs, selected});
      if (s_.gpt_oss) gate = add_expert_bias(gate, selected);
      act = g_.op(Op::glu, Type::f32, {fe, k, t, 1}, {gate, up});
    }
    int experts = g_.op(Op::mul_mat_id, Type::f32, {d, k, t, 1}, {g_.weight(), act, selected});
    if (s_.gpt_oss) experts = add_expert_bias(experts, selected);
    if (!s_.weight_before_ffn) experts = mul(experts, weights);
    g_.expand(experts);
    std::vector<int> views;
    for (std::int64_t i = 0; i < k; ++i) {
      views.push_back(g_.view(experts, {d, t, 1, 1}));
      g_.expand(views.back());
    }
    int out = views.front();
    for (std::size_t i = 1; i < views.size(); ++i) {
      out = add(out, views[i]);
      g_.expand(out);
    }
    if (k == 1) out = cont(out, {d, t, 1, 1});
    return out;
  }

  // The routed experts plus the shared ones, as every builder adds them; a gated shared expert
  // (qwen3-next, qwen3.5) is multiplied by sigmoid(x . ffn_gate_inp_shexp) first.
  int moe_with_shared(int x) {
    const int routed = moe_ffn(x);
    if (m_.moe.shared_experts == 0) return routed;
    const int shared = ffn(x, shared_width());
    return add(routed, m_.moe.shared_expert_gate ? mul(shared, unary(matmul(x, 1))) : shared);
  }

  // A block's feed-forward part: its experts, or the dense FFN.
  int feed_forward(std::int64_t il, int x) { return m_.is_moe_layer(il) ? moe_with_shared(x) : ffn(x, m_.ffn); }

  // The head: result_norm and result_output are graph outputs (llm_graph_result::set_outputs).
  ggml::Graph head(int x) {
    const int result_norm = norm(x);
    int logits = matmul(result_norm, m_.vocab);
    if (s_.softcap) logits = scale(unary(scale(logits)));
    g_.expand(logits);
    g_.at(result_norm).output = g_.at(logits).output = true;
    return std::move(g_);
  }

  const ModelSpec& m_;
  const LlamaGraphShape& s_;
  const Workload& w_;
  const LlamaGraphCache& kv_;
  std::int64_t t_, n_out_, seqs_;
  ggml::Graph g_;
  Cache base_, swa_;
  int pos_ = -1, out_ids_ = -1, inp_embd_ = -1;
};

}  // namespace detail
}  // namespace vramfit
