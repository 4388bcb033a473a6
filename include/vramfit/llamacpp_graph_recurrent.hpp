// The graphs of llama.cpp's hybrid architectures, rebuilt node for node for the allocator replay
// (llamacpp_graph.hpp): Jamba (Mamba-1 and attention blocks, every other FFN routed), Granite 4.0-H
// (Mamba-2 and attention blocks, routed and shared experts) and Qwen3-Next (gated delta nets and
// gated attention, routed experts beside a gated shared one) and Qwen3.5 (the same with M-RoPE,
// separate beta / alpha projections, dense or routed FFNs) and Nemotron-H (Mamba-2, attention or
// ReLU² feed-forward blocks, one part each). Source: llama.cpp de3ff81, src/models/{jamba,
// granite-hybrid, qwen3next, qwen35, qwen35moe, nemotron-h, mamba-base, delta-net-base}.cpp and
// src/llama-graph.cpp (build_inp_mem_hybrid, build_rs).
#pragma once

#include <algorithm>
#include <cstdint>

#include "vramfit/llamacpp_graph_blocks.hpp"

namespace vramfit::detail {

class HybridGraph : public LlamaGraphBlocks {
 public:
  using LlamaGraphBlocks::LlamaGraphBlocks;

  ggml::Graph build() {
    using ggml::Type;
    int inp_l = embeddings();
    // build_rs_inp: the state copy sources, one per state cell (max(1, n_seq_max) cells); the
    // reserve's ubatch uses its first n_seqs, and the rest (none) are copied aside.
    rs_cells_ = std::max<std::int64_t>(1, seqs_);
    const int s_copy = input(Type::i32, {rs_cells_, 1, 1, 1});
    copy_main_ = g_.view(s_copy, {seqs_, 1, 1, 1});
    copy_extra_ = g_.view(s_copy, {rs_cells_ - seqs_, 1, 1, 1});
    base_ = cache(kv_.cells);
    // Qwen3-Next, Qwen3.5 and Nemotron-H keep every row to the head (embeddings_nextn_masked is off).
    const bool qwen3_next = s_.kind == LlamaGraphKind::qwen3_next || s_.kind == LlamaGraphKind::qwen35;
    const bool all_rows = qwen3_next || s_.kind == LlamaGraphKind::nemotron_h;
    if (qwen3_next || (s_.kind == LlamaGraphKind::granite_hybrid && s_.rope)) pos_ = positions_input();
    out_ids_ = out_ids_input();
    for (std::int64_t il = 0; il < m_.layers; ++il) {
      const bool recurrent = ModelSpec::is_recurrent(m_.layer_kind(il));
      int inp_sa = inp_l;
      int cur = norm(inp_l);
      if (s_.kind == LlamaGraphKind::nemotron_h) {  // one part per block, then the residual
        if (recurrent) cur = mamba2(cur);
        else if (m_.layer_kind(il) == LayerKind::ffn) cur = feed_forward(il, cur);
        else cur = attention(base_, qkv_view(cur, 0), qkv_view(cur, 1), qkv_view(cur, 2), true);
        inp_l = add(cur, inp_sa);
        continue;
      }
      if (qwen3_next) {
        g_.expand(cur);
        cur = recurrent ? delta_net(cur) : gated_attention(cur);
        cur = add(cur, inp_sa);
        inp_l = add(feed_forward(il, norm(cur)), cur);  // routed beside a gated shared expert, or Qwen3.5's dense FFN
        continue;
      }
      if (recurrent) {
        cur = s_.kind == LlamaGraphKind::jamba ? mamba1(cur) : mamba2(cur);
      } else {
        int q = qkv_view(cur, 0), k = qkv_view(cur, 1);
        const int v = qkv_view(cur, 2);
        if (pos_ >= 0) q = rope(q), k = rope(k);
        cur = attention(base_, q, k, v, true);
      }
      if (il == m_.layers - 1) {
        cur = get_rows(cur, out_ids_);
        inp_sa = get_rows(inp_sa, out_ids_);
      }
      if (s_.kind == LlamaGraphKind::jamba) {  // jamba adds the residual first
        const int ffn_inp = add(inp_sa, cur);
        inp_l = add(ffn_inp, feed_forward(il, norm(ffn_inp)));
      } else {
        const int ffn_inp = add(cur, inp_sa);
        inp_l = add(feed_forward(il, norm(ffn_inp)), ffn_inp);
      }
    }
    if (!all_rows) return head(inp_l);
    // The normed states of every row (h_nextn), then the output rows (result_norm) and the logits,
    // all three graph outputs.
    const int h_nextn = norm(inp_l);
    const int rows = get_rows(h_nextn, out_ids_);
    const int logits = matmul(rows, m_.vocab);
    g_.expand(logits);
    g_.at(logits).output = g_.at(rows).output = g_.at(h_nextn).output = true;
    return std::move(g_);
  }

 private:
  // build_qkv without RoPE: Q (part 0), K (1) or V (2), a view of its own projection.
  int qkv_view(int cur, int part) {
    const std::int64_t heads = part == 0 ? m_.heads : m_.kv_heads, dim = part == 2 ? m_.head_dim_v : m_.head_dim_k;
    return g_.view(matmul(cur, dim * heads), {dim, heads, t_, 1});
  }

  // llama.cpp's recurrent state sizes per cell (llama_hparams::n_embd_r, n_embd_s): the convolution
  // tail of the inputs (and B, C) and the SSM state.
  [[nodiscard]] std::int64_t conv_width() const { return m_.ssm.d_inner + 2 * m_.ssm.n_groups * m_.ssm.d_state; }
  [[nodiscard]] std::int64_t n_embd_r() const { return (m_.ssm.d_conv - 1) * conv_width(); }
  [[nodiscard]] std::int64_t n_embd_s() const { return m_.ssm.d_state * m_.ssm.d_inner; }

  // build_rs: the layer's state cells, the first zeroed in place (a view), the ubatch's rows gathered
  // (GET_ROWS, or the SSM scan that reads them when the caller passes it as scan_of), the
  // others (none in the reserve) copied back.
  int states(int cache, std::int64_t size, int scan_of = -1) {
    const int all = g_.view(cache, {size, rs_cells_, 1, 1});
    const int first = g_.view(all, {size, 1, 1, 1});
    g_.expand(g_.view(first, {size, 1, 1, 1}));
    const int out = scan_of >= 0 ? scan_of : get_rows(all, copy_main_);
    g_.expand(out);
    const int extra = get_rows(all, copy_extra_);
    g_.expand(g_.view(cache, {size, rs_cells_ - seqs_, 1, 1}, {extra}));
    return out;
  }

  // The convolution of llama.cpp's SSM blocks: the cached tail, the new inputs transposed after it
  // (CONCAT), the new tail written back, then SSM_CONV.
  int convolve(int conv_cache, int inputs, std::int64_t channels) {
    const std::int64_t dc = m_.ssm.d_conv, ns = seqs_, nst = t_ / ns;
    const int tail = g_.view(states(conv_cache, n_embd_r()), {dc - 1, channels, ns, 1});
    const int transposed = g_.view(inputs, {nst, channels, ns, 1});
    const int conv_x = g_.op(ggml::Op::concat, ggml::Type::f32, {dc - 1 + nst, channels, ns, 1}, {tail, transposed});
    g_.expand(g_.view(conv_cache, {(dc - 1) * channels * ns, 1, 1, 1}, {g_.view(conv_x, {dc - 1, channels, ns, 1})}));
    return g_.op(ggml::Op::ssm_conv, ggml::Type::f32, {channels, nst, ns, 1}, {conv_x, g_.weight()});
  }

  // SSM_SCAN over the gathered states: the outputs, then the new states, in one f32 tensor; the new
  // states are copied back to the cache.
  int scan(int ssm_cache, ggml::Shape state_view, int x, int dt, int b, int c) {
    const int all = g_.view(ssm_cache, {n_embd_s(), rs_cells_, 1, 1});
    const int s = g_.view(all, state_view);
    const std::int64_t size = g_.at(x).elements() + state_view[0] * state_view[1] * state_view[2] * seqs_;
    const int y = g_.op(ggml::Op::ssm_scan, ggml::Type::f32, {size, 1, 1, 1}, {s, x, dt, g_.weight(), b, c, copy_main_});
    states(ssm_cache, n_embd_s(), y);
    g_.expand(g_.view(ssm_cache, {n_embd_s() * seqs_, 1, 1, 1}, {g_.view(y, {n_embd_s() * seqs_, 1, 1, 1})}));
    return y;
  }

  // mamba-base.cpp build_mamba_layer (Mamba-1; jamba's dt, B and C RMS-normed).
  int mamba1(int cur) {
    const std::int64_t di = m_.ssm.d_inner, ds = m_.ssm.d_state, dt_rank = m_.ssm.dt_rank, ns = seqs_, nst = t_ / ns;
    const int conv_cache = g_.weight(), ssm_cache = g_.weight();
    cur = g_.view(cur, {m_.hidden, nst, ns, 1});
    const int xz = matmul(cur, 2 * di);
    const int z = g_.view(xz, {di, nst, ns, 1});
    int x = convolve(conv_cache, g_.view(xz, {di, nst, ns, 1}), di);
    x = unary(add_weight(x));  // + conv bias, SiLU
    const int x_db = matmul(x, dt_rank + 2 * ds);
    int dt = g_.view(x_db, {dt_rank, nst, ns, 1});
    int b = g_.view(x_db, {ds, 1, nst, ns});
    int c = g_.view(x_db, {ds, 1, nst, ns});
    if (m_.ssm.inner_norms) {
      dt = norm(dt), b = norm(b), c = norm(c);
    } else {
      dt = cont(dt, g_.ne(dt));
    }
    dt = add_weight(matmul(dt, di));
    const int y_ssm = scan(ssm_cache, {ds, 1, di, rs_cells_}, g_.view(x, {1, di, nst, ns}), dt, b, c);
    int y = add(g_.view(y_ssm, {di, nst, ns, 1}), mul(x, g_.weight()));
    y = g_.op(ggml::Op::glu, ggml::Type::f32, {di, nst, ns, 1}, {cont(z, {di, nst, ns, 1}), y});
    return g_.view(matmul(y, m_.hidden), {m_.hidden, nst * ns, 1, 1});
  }

  // mamba-base.cpp build_mamba2_layer (granite: the grouped RMS norm before the output projection).
  int mamba2(int cur) {
    const std::int64_t di = m_.ssm.d_inner, ds = m_.ssm.d_state, nh = m_.ssm.n_heads, ng = m_.ssm.n_groups;
    const std::int64_t hd = di / nh, ns = seqs_, nst = t_ / ns, xbc = conv_width();
    const int conv_cache = g_.weight(), ssm_cache = g_.weight();
    const int zx = g_.view(matmul(cur, 2 * di + 2 * ng * ds + nh), {2 * di + 2 * ng * ds + nh, nst, ns, 1});
    const int z = g_.view(zx, {hd, nh, nst, ns});
    int xbc_out = convolve(conv_cache, g_.view(zx, {xbc, nst, ns, 1}), xbc);
    xbc_out = unary(add_weight(xbc_out));
    const int x = g_.view(xbc_out, {hd, nh, nst, ns});
    const int b = g_.view(xbc_out, {ds, ng, nst, ns});
    const int c = g_.view(xbc_out, {ds, ng, nst, ns});
    const int dt = add_weight(cont(g_.view(zx, {nh, nst, ns, 1}), {nh, nst, ns, 1}));
    const int y_ssm = scan(ssm_cache, {ds, hd, nh, rs_cells_}, x, dt, b, c);
    int y = add(g_.view(y_ssm, {hd, nh, nst, ns}), mul(x, g_.weight()));
    y = g_.op(ggml::Op::glu, ggml::Type::f32, {hd, nh, nst, ns}, {cont(z, {hd, nh, nst, ns}), y});
    y = norm(g_.view(y, {di / ng, ng, nst, ns}));
    return matmul(g_.view(y, {di, nst * ns, 1, 1}), m_.hidden);
  }

  // qwen3next.cpp build_layer_attn: Q with its gate in one projection (viewed apart), QK norms, RoPE,
  // attention without the output projection, the output times sigmoid(gate), then the projection.
  int gated_attention(int cur) {
    const std::int64_t hd = m_.head_dim_k, nh = m_.heads, nkv = m_.kv_heads;
    const int qg = g_.view(matmul(cur, hd * 2 * nh), {hd * 2, nh, t_, 1});
    int q = g_.view(qg, {hd, nh, t_, 1});
    const int gate = g_.view(qg, {hd, nh, t_, 1});
    int k = g_.view(matmul(cur, hd * nkv), {hd, nkv, t_, 1});
    const int v = g_.view(matmul(cur, hd * nkv), {hd, nkv, t_, 1});
    q = rope(norm(q));
    k = rope(norm(k));
    const int out = attention(base_, q, k, v, true, false);
    return matmul(mul(out, unary(cont(gate, {hd * nh, t_, 1, 1}))), m_.hidden);
  }

  // qwen3next.cpp build_layer_attn_linear with the fused delta-net op: the qkv and z projections,
  // beta = sigmoid(b), the decay gate from softplus(a + dt_bias) x A, the short convolution and SiLU,
  // L2-normed q and k (repeated to the value heads when fewer), GATED_DELTA_NET (outputs, then the
  // new state), the state written back, then the gated RMS norm and the output projection.
  int delta_net(int cur) {
    using ggml::Op;
    using ggml::Type;
    const std::int64_t di = m_.ssm.d_inner, hk = m_.ssm.d_state, nkh = m_.ssm.n_groups, nvh = m_.ssm.n_heads;
    const std::int64_t hv = di / nvh, ns = seqs_, nst = t_ / ns, channels = conv_width();
    const int conv_cache = g_.weight(), ssm_cache = g_.weight();
    const int qkv = g_.view(matmul(cur, channels), {channels, nst, ns, 1});
    const int z = matmul(cur, di);
    int beta, alpha;
    if (s_.kind == LlamaGraphKind::qwen35) {  // ssm_beta and ssm_alpha, each its own projection
      beta = unary(g_.view(matmul(cur, nvh), {1, nvh, nst, ns}));
      alpha = add_weight(g_.view(matmul(cur, nvh), {nvh, nst, ns, 1}));
    } else {  // one [b, a] projection per key head, split and made contiguous
      const int ba = g_.view(matmul(cur, 2 * nvh), {2 * nvh / nkh, nkh, nst, ns});
      beta = g_.view(unary(cont(g_.view(ba, {nvh / nkh, nkh, nst, ns}), {nvh / nkh, nkh, nst, ns})), {1, nvh, nst, ns});
      alpha = add_weight(cont(g_.view(ba, {nvh / nkh, nkh, nst, ns}), {nvh, nst, ns, 1}));
    }
    alpha = unary(alpha);  // softplus(a + dt_bias)
    const int decay = g_.view(mul(alpha, g_.weight()), {1, nvh, nst, ns});
    const int conv = unary(convolve(conv_cache, qkv, channels));
    const int state = g_.view(states(ssm_cache, n_embd_s()), {hv, hv, nvh, ns});
    int q = g_.view(conv, {hk, nkh, nst, ns});
    int k = g_.view(conv, {hk, nkh, nst, ns});
    const int v = g_.view(conv, {hv, nvh, nst, ns});
    q = scale(rms(q));
    k = scale(rms(k));
    if (nkh != nvh && s_.kind != LlamaGraphKind::qwen35) {  // qwen35: the fused CPU op takes fewer key heads
      const std::int64_t rf = nvh / nkh;
      q = g_.view(g_.op(Op::repeat, Type::f32, {hk, rf, nkh, nst * ns}, {g_.view(q, {hk, 1, nkh, nst * ns})}), {hk, nkh * rf, nst, ns});
      k = g_.view(g_.op(Op::repeat, Type::f32, {hk, rf, nkh, nst * ns}, {g_.view(k, {hk, 1, nkh, nst * ns})}), {hk, nkh * rf, nst, ns});
    }
    const int res = g_.op(Op::gated_delta_net, Type::f32, {hv * nvh, nst * ns + hv * ns, 1, 1}, {q, k, v, decay, beta, state});
    const int out = g_.view(res, {hv, nvh, nst, ns});
    g_.expand(g_.view(ssm_cache, {n_embd_s(), ns, 1, 1}, {g_.view(res, {hv, hv, nvh, ns})}));
    const int y = g_.view(mul(norm(out), unary(g_.view(z, {hv, nvh, nst, ns}))), {hv * nvh, nst, ns, 1});
    return g_.view(matmul(y, m_.hidden), {m_.hidden, nst * ns, 1, 1});
  }

  std::int64_t rs_cells_ = 1;
  int copy_main_ = -1, copy_extra_ = -1;
};

}  // namespace vramfit::detail
