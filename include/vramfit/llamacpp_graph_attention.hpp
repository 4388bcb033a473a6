// The graphs of llama.cpp's attention-only architectures, rebuilt node for node for the allocator
// replay (llamacpp_graph.hpp): the llama-like blocks (llama and Mixtral, qwen2, qwen2vl, qwen3,
// qwen3moe, qwen3vl, qwen3vlmoe, glm4moe, llama4), gemma2/gemma3, gpt-oss, phi3 and command-r in one
// builder, deepseek2's latent attention in another, gemma4 in a third. Source: llama.cpp de3ff81,
// src/models/{llama, qwen2, qwen2vl, qwen3, qwen3moe, qwen3vl, qwen3vlmoe, glm4-moe, llama4, gemma2,
// gemma3, openai-moe, phi3, command-r, deepseek2, gemma4}.cpp.
#pragma once

#include <algorithm>
#include <cstdint>

#include "vramfit/llamacpp_graph_blocks.hpp"

namespace vramfit::detail {

// The reserve graph of one ubatch for the attention-only architectures but deepseek2.
class LlamaGraph : public LlamaGraphBlocks {
 public:
  using LlamaGraphBlocks::LlamaGraphBlocks;

  ggml::Graph build() {
    int inp_l = embeddings();
    if (s_.gemma) inp_l = scale(inp_l);  // x sqrt(n_embd)
    pos_ = positions_input();
    const int attn_scale = s_.nope_step > 0 ? input(ggml::Type::f32, {1, 1, t_, 1}) : -1;  // build_inp_attn_scale
    base_ = cache(kv_.cells);
    if (kv_.window_cells > 0) swa_ = cache(kv_.window_cells);
    out_ids_ = out_ids_input();
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
        if (s_.qk_norm_full) q = norm(q), k = norm(k);
        q = g_.view(q, {hd, nh, t_, 1});
        k = g_.view(k, {hd, nkv, t_, 1});
        v = g_.view(v, {hd, nkv, t_, 1});
      }
      const bool roped = s_.rope && !(s_.nope_step > 0 && (il + 1) % s_.nope_step == 0);
      if (s_.qk_norm) q = norm(q), k = norm(k);
      if (roped) q = rope(q), k = rope(k);
      if (!roped && attn_scale >= 0) q = mul(q, attn_scale);
      if (roped && s_.kq_l2) q = rms(q), k = rms(k);
      if (s_.gemma || s_.fused) q = scale(q);
      const LayerKind kind = m_.layer_kind(il);
      cur = attention(kind == LayerKind::sliding || kind == LayerKind::chunked ? swa_ : base_, q, k, v, !s_.fused);
      if (rows_in_block && il == m_.layers - 1) {
        cur = get_rows(cur, out_ids_);
        inp_sa = get_rows(inp_sa, out_ids_);
        if (s_.parallel) ffn_in = get_rows(ffn_in, out_ids_);
      }
      if (s_.parallel) {
        inp_l = add(add(ffn(ffn_in, m_.ffn), inp_sa), cur);
      } else if (s_.fused) {
        const int ffn_inp = add(cur, inp_sa);
        inp_l = add(ffn_inp, ffn_fused(norm(ffn_inp)));
      } else if (s_.gemma) {
        const int sa_out = add(norm(cur), inp_sa);
        inp_l = add(norm(ffn(norm(sa_out), m_.ffn)), sa_out);
      } else {
        const int ffn_inp = add(cur, inp_sa);
        inp_l = deepstack(il, add(feed_forward(il, norm(ffn_inp)), ffn_inp));
      }
    }
    if (!rows_in_block) {
      g_.at(inp_l).output = true;
      inp_l = get_rows(inp_l, out_ids_);
    }
    return head(inp_l);
  }

 private:
  // build_ffn with one [2 ff] up projection and no gate (phi3: LLM_FFN_SWIGLU, LLM_FFN_SEQ): the
  // one-input SwiGLU halves it.
  int ffn_fused(int x) {
    const ggml::Shape s = g_.ne(x);
    const int up = matmul(x, 2 * m_.ffn);
    const int act = g_.op(ggml::Op::glu, ggml::Type::f32, {m_.ffn, s[1], 1, 1}, {up});
    return matmul(act, m_.hidden);
  }
};

// deepseek2 with the latent attention absorbed (is_mla): Q through the optional q_lora
// compression, its no-RoPE part multiplied into the latent space (wk_b), the cache row [latent +
// rope part] written by SET_ROWS from one concatenated K, V a view of that row; flash attention or
// KQ / softmax / KQV over the latent, then wv_b back to per-head values. Leading dense blocks, then
// routed experts beside the shared ones. Only K has an index input; no Hadamard inputs.
class MlaGraph : public LlamaGraphBlocks {
 public:
  using LlamaGraphBlocks::LlamaGraphBlocks;

  ggml::Graph build() {
    using ggml::Op;
    using ggml::Type;
    const MlaSpec& a = m_.mla;
    const std::int64_t nope = a.qk_nope_head_dim, rot = a.qk_rope_head_dim, r = a.kv_lora_rank, hv = a.v_head_dim;
    const std::int64_t nh = m_.heads, hk = r + rot, ns = seqs_, n_kv = kv_.cells, t = t_;
    int inp_l = embeddings();
    pos_ = positions_input();
    const int k_idxs = input(Type::i64, {t, 1, 1, 1});
    const int kq_mask = mask(n_kv);
    out_ids_ = out_ids_input();
    for (std::int64_t il = 0; il < m_.layers; ++il) {
      int inp_sa = inp_l;
      int cur = norm(inp_l);
      int q = a.q_lora_rank > 0 ? matmul(norm(matmul(cur, a.q_lora_rank)), nh * (nope + rot)) : matmul(cur, nh * (nope + rot));
      q = g_.view(q, {nope + rot, nh, t, 1});
      const int kv_pe = matmul(cur, r + rot);
      int kv_c = g_.view(kv_pe, {r, t, 1, 1});
      const int k_pe = rope(g_.view(kv_pe, {rot, 1, t, 1}));
      kv_c = norm(kv_c);
      const int q_nope = g_.view(g_.view(q, {nope, nh, t, 1}), {nope, t, nh, 1});
      const int q_pe = rope(g_.view(q, {rot, nh, t, 1}));
      const int q_abs = g_.view(g_.op(Op::mul_mat, Type::f32, {r, t, nh, 1}, {g_.weight(), q_nope}), {r, nh, t, 1});
      const int qc = g_.op(Op::concat, Type::f32, {hk, nh, t, 1}, {q_abs, q_pe});
      kv_c = g_.view(kv_c, {r, 1, t, 1});
      const int kc = g_.op(Op::concat, Type::f32, {hk, 1, t, 1}, {kv_c, k_pe});
      g_.expand(qc);
      g_.expand(kv_c);
      g_.expand(kc);
      const int k_cache = g_.weight();
      g_.expand(g_.view(k_cache, {hk, n_kv * ns, 1, 1}, {g_.view(kc, {hk, t, 1, 1}), k_idxs}));
      const int k = g_.view(k_cache, {hk, n_kv, 1, ns});  // permuted: [hk, n_kv, 1, ns]
      const int v = g_.view(k, {r, n_kv, 1, ns});
      const int qs = g_.view(g_.view(qc, {hk, nh, t / ns, ns}), {hk, t / ns, nh, ns});
      if (w_.flash_attention) {
        cur = g_.op(Op::flash_attn, Type::f32, {r, nh, t / ns, ns}, {qs, k, v, kq_mask});
        cur = g_.view(cur, {r, t / ns, nh, ns});
        cur = g_.op(Op::mul_mat, Type::f32, {hv, t / ns, nh, ns}, {g_.weight(), cur});
        cur = cont(g_.view(cur, {hv, nh, t / ns, ns}), {hv, nh, t / ns, ns});
        cur = g_.view(cur, {hv * nh, t, 1, 1});
      } else {
        int kq = g_.op(Op::mul_mat, Type::f32, {n_kv, t / ns, nh, ns}, {k, qs});
        kq = g_.op(Op::soft_max, Type::f32, g_.ne(kq), {kq, kq_mask});
        // V is the latent part of the K row, copied transposed in the cache type (f16).
        const int vt = g_.op(Op::cont, Type::f16, {n_kv, r, 1, ns}, {g_.view(v, {n_kv, r, 1, ns})});
        cur = g_.op(Op::mul_mat, Type::f32, {r, t / ns, nh, ns}, {vt, kq});
        cur = g_.op(Op::mul_mat, Type::f32, {hv, t / ns, nh, ns}, {g_.weight(), cur});
        cur = cont(g_.view(cur, {hv, nh, t / ns, ns}), {hv * nh, t, 1, 1});
      }
      g_.expand(cur);
      cur = matmul(cur, m_.hidden);
      if (il == m_.layers - 1) {
        cur = get_rows(cur, out_ids_);
        inp_sa = get_rows(inp_sa, out_ids_);
      }
      const int ffn_inp = add(cur, inp_sa);
      inp_l = add(feed_forward(il, norm(ffn_inp)), ffn_inp);
    }
    return head(inp_l);
  }
};

// gemma4 (dense): sliding and global blocks (the global ones with their own head size and KV heads,
// V = K where they have no v_proj), V RMS-normed without a weight, the last blocks reading earlier
// blocks' caches (KV sharing; their FFN double-wide), and the per-layer inputs: a second lookup of
// [P x L] rows per token plus a projection of the embeddings, RMS-normed, summed, made [P, T, L]
// contiguous and kept to the end, each block gating a [P, T] slice of it into its output; an optional
// per-block output scale. Every token's final norm is kept (t_h_nextn) and the output rows picked
// after it; the soft-capped logits run in place. Source: src/models/gemma4.cpp.
class Gemma4Graph : public LlamaGraphBlocks {
 public:
  using LlamaGraphBlocks::LlamaGraphBlocks;

  ggml::Graph build() {
    using ggml::Op;
    using ggml::Type;
    const std::int64_t d = m_.hidden, nh = m_.heads, t = t_, layers = m_.layers, p = m_.per_layer.embed_dim;
    const std::int64_t hd_full = m_.head_dim_full > 0 ? m_.head_dim_full : m_.head_dim_k;
    const std::int64_t nkv_full = m_.kv_heads_full > 0 ? m_.kv_heads_full : m_.kv_heads;
    int inp_l = scale(embeddings());
    pos_ = positions_input();
    const std::int64_t v_row = std::max(hd_full * nkv_full, m_.head_dim_v * m_.kv_heads);
    base_ = cache(kv_.cells, hd_full, hd_full, nkv_full, v_row);
    if (kv_.window_cells > 0) swa_ = cache(kv_.window_cells, m_.head_dim_k, m_.head_dim_v, m_.kv_heads, v_row);
    out_ids_ = out_ids_input();
    int per_layer = -1;
    if (p > 0) {  // build_inp_per_layer, project_per_layer_inputs
      const int tokens = input(Type::i32, {t, 1, 1, 1});
      const int rows = g_.op(Op::get_rows, Type::f32, {p * layers, t, 1, 1}, {g_.weight(), tokens});
      const int selected = scale(g_.view(rows, {p, layers, t, 1}));
      g_.expand(selected);
      const int proj = norm(g_.view(scale(matmul(inp_l, p * layers)), {p, layers, t, 1}));
      const int sum = scale(add(proj, selected));
      per_layer = cont(g_.view(sum, {p, t, layers, 1}), {p, t, layers, 1});
    }
    for (std::int64_t il = 0; il < layers; ++il) {
      const bool global = m_.layer_kind(il) == LayerKind::full;
      const Cache& c = global ? base_ : swa_;
      const std::int64_t hd = c.head_k, nkv = c.kv_heads;
      int cur = norm(inp_l);
      const int q = rope(norm(g_.view(matmul(cur, hd * nh), {hd, nh, t, 1})));
      if (m_.has_kv(il)) {
        const int k_proj = matmul(cur, hd * nkv);
        const int v_proj = global && m_.full_k_eq_v ? k_proj : matmul(cur, hd * nkv);
        const int k = rope(norm(g_.view(k_proj, {hd, nkv, t, 1})));
        const int v = rms(g_.view(v_proj, {hd, nkv, t, 1}));
        cur = attention(c, q, k, v, true);
      } else {
        cur = attention(c, q, -1, -1, true);
      }
      const int attn_out = add(norm(cur), inp_l);
      cur = add(norm(ffn(norm(attn_out), m_.ffn_at(il))), attn_out);
      if (per_layer >= 0) {
        const int gate = mul(unary(matmul(cur, p)), g_.view(per_layer, {p, t, 1, 1}));
        cur = add(cur, norm(matmul(gate, d)));
      }
      if (m_.per_layer.layer_scalar) cur = mul(cur, g_.weight());
      inp_l = cur;
    }
    const int h = norm(inp_l);
    g_.at(h).output = true;  // t_h_nextn
    const int result_norm = get_rows(h, out_ids_);
    const int logits = scale(unary(scale(matmul(result_norm, m_.vocab))));
    g_.expand(logits);
    g_.at(result_norm).output = g_.at(logits).output = true;
    return std::move(g_);
  }
};

}  // namespace vramfit::detail
