// Runtime profiles: the defaults and fixed costs of a serving runtime. Numbers come from
// data/runtimes.yaml; this header only holds their shape and the compute-buffer formula.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "vramfit/activations.hpp"
#include "vramfit/hardware.hpp"
#include "vramfit/model.hpp"
#include "vramfit/serving.hpp"
#include "vramfit/workload.hpp"

namespace vramfit {

// How a runtime turns a model into memory.
enum class RuntimeKind {
  llamacpp,  // llama.cpp and what embeds it (Ollama, LM Studio): KV cells padded, worst-case graph buffer, layer split
  pool,      // vLLM, TGI, TensorRT-LLM: a fraction of GPU memory, the rest after weights and activations is paged KV
  direct,    // transformers, MLX: KV grows with the sequence, activations of one forward pass
};

inline const char* to_string(RuntimeKind k) {
  switch (k) {
    case RuntimeKind::llamacpp: return "llamacpp";
    case RuntimeKind::pool: return "pool";
    case RuntimeKind::direct: return "direct";
  }
  return "?";
}

struct RuntimeProfile {
  std::string id;
  std::string name;
  RuntimeKind kind = RuntimeKind::llamacpp;
  std::int64_t default_context = 0;  // 0: vramfit's 4096; -1: the model's maximum (vLLM max_model_len)
  std::string default_quant;         // empty: Q4_K_M
  PoolConfig pool;                   // kind pool
  std::int64_t prefill_chunk = 0;    // kind direct: tokens per prefill forward pass (0: the whole prompt)
  std::int64_t ubatch = 512;
  std::int64_t batch = 2048;
  std::int64_t kv_pad = 256;
  bool flash_attention = true;
  std::string kv_type = "f16";
  Bytes overhead_cuda{0}, overhead_rocm{0}, overhead_metal{0}, overhead_other{0}, overhead_cpu{0};
  Bytes fit_margin{0};           // free memory the runtime's own auto-fit keeps per device
  bool embeddings_on_host = true;  // llama.cpp keeps token_embd in RAM ("little benefit to offloading")
  std::vector<WiredLimitRule> wired_limit;
  // Device vendors (devices.yaml vendor) the runtime runs on; empty: any. MLX: apple only.
  std::vector<std::string> vendors;
  std::vector<std::string> source;
  std::string notes;  // what is unconfirmed or approximated (shown with every result)

  [[nodiscard]] Bytes device_overhead(Backend b) const {
    switch (b) {
      case Backend::cuda: return overhead_cuda;
      case Backend::rocm: return overhead_rocm;
      case Backend::metal: return overhead_metal;
      case Backend::cpu: return overhead_cpu;
      case Backend::sycl:
      case Backend::other: return overhead_other;
    }
    return overhead_other;
  }
};

// Workload defaults taken from a runtime profile, before command-line overrides.
inline Workload default_workload(const RuntimeProfile& r) {
  Workload w;
  w.ubatch = r.ubatch;
  w.batch = r.batch;
  w.kv_pad = r.kv_pad;
  w.flash_attention = r.flash_attention;
  w.kv_type_k = w.kv_type_v = r.kv_type;
  return w;
}

// The f32 values per token an FFN keeps alive at its peak in llama.cpp's graph (llama-graph.cpp build_ffn,
// build_moe_ffn; ggml-alloc.c reuses a parent's memory only for the ops of ggml_op_can_inplace, which
// do not include the GLU ops): a gated FFN holds up, gate and their product [ff] at once, then the product
// beside the down projection's output [d]; without a gate the activation runs in place, ff + d. Routed
// experts do the same for k = experts_per_token experts at once, and the down projection's [d, k] output
// stays alive until the per-expert views are summed into [d].
inline std::int64_t ffn_live_values(const ModelSpec& m) {
  const std::int64_t d = m.hidden, ff = m.max_ffn();
  std::int64_t v = m.ffn_gated ? std::max(3 * ff, ff + d) : ff + d;
  if (m.moe.present()) {
    const std::int64_t k = m.moe.experts_per_token, fe = k * m.moe.expert_ffn;
    v = std::max({v, m.ffn_gated ? 3 * fe : 0, fe + k * d, k * d + d});
  }
  return v;
}

// llama.cpp reserves a worst-case graph of n_tokens = min(n_ctx, n_ubatch) (llama-context.cpp
// sched_reserve, with n_outputs = n_tokens) and ggml-alloc frees each intermediate after its last
// user, so the buffer is the larger of two phases that are never live together:
//   layers  the input embeddings, the KQ mask (an input read by every layer's attention) and the
//           larger of the attention scratch (Q/K/V; without flash attention the f32 KQ scores
//           [n_kv, n_tokens, n_head] dominate) and the FFN intermediates;
//   head    after the last layer: the logits (f32 [n_vocab, n_tokens]) and the final normed hidden
//           state t_embd (a graph output, never freed: same size as the inputs). The mask's last
//           user was the last layer's attention, so its memory is free again here.
// Checked against logs in reference/methods.md §3.1: exactly 258.5 MiB for Llama-3-8B at ctx 512 with
// FA off (head phase; CUDA log), and 164 / 2144 MiB for a 32-head 7B at ctx 2048 / 32768 (layers phase).
inline ComputeTerms compute_buffer(const ModelSpec& m, const Workload& w, std::int64_t kv_cells) {
  ComputeTerms c;
  const std::int64_t n_tokens = std::min(w.ubatch, w.context * w.parallel);
  const std::int64_t q_width = m.heads * m.max_head_dim_k();  // the widest layer (Gemma 4 global: 512)
  // Checked products: a 2^31-cell context with a 2^20-token ubatch and no flash attention passes 2^63.
  c.inputs = checked_bytes(4, m.hidden, n_tokens);
  c.logits = checked_bytes(4, m.vocab, n_tokens);
  const bool attention = m.count_layers(ModelSpec::is_attention) > 0;
  if (attention) {
    c.mask = checked_bytes(w.flash_attention ? 2 : 4, kv_cells, n_tokens);
    c.mask_host = checked_bytes(w.flash_attention ? 6 : 4, kv_cells, n_tokens);
    c.mask_input = checked_bytes(4, kv_cells, n_tokens);
    c.attention = checked_bytes(3 * 4, q_width, n_tokens);
    if (!w.flash_attention) c.attention += checked_bytes(4, kv_cells, n_tokens, m.heads);
  }
  c.ffn = checked_bytes(4, n_tokens, ffn_live_values(m));
  c.output_buffer = checked_bytes(4, m.vocab, w.parallel);
  return c;
}

}  // namespace vramfit
