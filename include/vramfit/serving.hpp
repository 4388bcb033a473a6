// Serving runtimes that budget GPU memory up front and hand the rest to a paged KV cache: vLLM, TGI,
// TensorRT-LLM. The numbers their start-up logs print (weights, activation peak, KV memory, blocks,
// token capacity, concurrency) follow from one rule, with the runtime's own fractions and block size
// (reference/methods.md §5; vLLM vllm/v1/worker/gpu_worker.py determine_available_memory,
// vllm/v1/core/kv_cache_utils.py get_num_blocks). Numbers per GPU of a tensor-parallel group.
#pragma once

#include <algorithm>
#include <cstdint>

#include "vramfit/activations.hpp"
#include "vramfit/error.hpp"
#include "vramfit/kv_cache.hpp"
#include "vramfit/units.hpp"
#include "vramfit/weights.hpp"

namespace vramfit {

namespace detail {
inline std::int64_t pool_mul(std::int64_t a, std::int64_t b) {
  std::int64_t out = 0;
  if (mul_overflows(a, b, out)) throw CoreError(ErrorKind::overflow, "KV pool size overflows");
  return out;
}
}  // namespace detail

// How the runtime sizes its pool.
enum class PoolBase {
  total,  // vLLM: gpu_memory_utilization x TOTAL memory, then minus everything else (start-up fails if free < that)
  free,   // TensorRT-LLM: kv_cache_free_gpu_mem_fraction x memory FREE after weights and activations
};

struct PoolConfig {
  PoolBase base = PoolBase::total;
  double fraction = 0.9;                    // gpu_memory_utilization / cuda_memory_fraction / free_gpu_memory_fraction
  std::int64_t block_tokens = 16;           // tokens per KV block (vLLM CacheConfig block_size)
  std::int64_t max_batched_tokens = 8192;   // tokens of the profiling forward pass (vLLM max_num_batched_tokens)
  std::int64_t max_seqs = 256;              // sequences sampled in the profiling pass (logits rows)
  Bytes non_torch{0};                       // CUDA context, NCCL, cuBLAS workspaces (outside PyTorch's allocator)
  Bytes cuda_graphs{0};                     // captured after the KV cache: lives in the 1 - fraction headroom
  std::int64_t tp = 1;                      // tensor-parallel GPUs: weights and KV heads split
  std::int64_t activation_bytes = 2;        // bf16 activations
};

struct PoolMemory {
  Bytes total{0};        // memory of one GPU as the driver reports it
  Bytes requested{0};    // fraction x total (PoolBase::total)
  Bytes weights{0};      // per GPU
  Bytes activations{0};  // peak of the profiling forward pass
  Bytes non_torch{0};
  Bytes kv_available{0};            // what is left for the KV cache (0 when nothing is)
  std::int64_t page_bytes = 0;      // one block of every attention layer (per GPU)
  std::int64_t blocks = 0;
  std::int64_t kv_tokens = 0;       // blocks x block_tokens
  Bytes headroom{0};                // total - requested: where CUDA graphs go
  bool graphs_fit = true;
  [[nodiscard]] double concurrency(std::int64_t tokens_per_request) const {
    return tokens_per_request > 0 ? double(kv_tokens) / double(tokens_per_request) : 0.0;
  }
};

// KV bytes per token per GPU: K and V rows of every full/sliding/chunked layer (KV heads split over
// TP, replicated when there are fewer heads than GPUs), the latent (and DSA indexer key) of MLA layers (not split). Sliding
// layers are counted like full ones: vLLM's hybrid allocator pages them from the same pool.
inline std::int64_t pool_bytes_per_token(const ModelSpec& m, const TensorType& kv, std::int64_t tp) {
  std::int64_t per_token = 0;
  for (std::int64_t il = 0; il < m.layers; ++il) {
    const LayerKind k = m.layer_kind(il);
    if (ModelSpec::is_attention(k) && !m.has_kv(il)) continue;  // KV-shared block (Gemma 3n / 4): no cache
    const std::int64_t heads = std::max<std::int64_t>(1, (m.kv_heads_at(il) + tp - 1) / std::max<std::int64_t>(1, tp));
    if (k == LayerKind::mla)
      per_token += mla_row_bytes(m, kv);
    else if (ModelSpec::is_attention(k))
      per_token += kv_row_bytes(kv, heads * m.head_dim_k_at(il), "K") + kv_row_bytes(kv, heads * m.head_dim_v_at(il), "V");
  }
  return per_token;
}

inline PoolMemory kv_pool(const ModelSpec& m, const WeightBreakdown& w, const TensorType& kv, Bytes gpu_total,
                          const PoolConfig& c) {
  PoolMemory p;
  const std::int64_t tp = std::max<std::int64_t>(1, c.tp);
  p.total = gpu_total;
  // vLLM (like transformers) ties the head to the embedding: one matrix. w.total counts it once and
  // never llama.cpp's output-device copy (tied_copy is only in w.output), so nothing is subtracted.
  p.weights = Bytes(w.total.value() / tp);
  p.activations = forward_compute(m, c.max_batched_tokens, c.max_seqs, true, tp, c.activation_bytes).total();
  p.non_torch = c.non_torch;
  const Bytes used = p.weights + p.activations + p.non_torch;
  if (c.base == PoolBase::total) {
    p.requested = Bytes(static_cast<std::int64_t>(double(gpu_total.value()) * c.fraction));
    p.kv_available = p.requested > used ? p.requested - used : Bytes{0};
    p.headroom = gpu_total - p.requested;
    p.graphs_fit = c.cuda_graphs <= p.headroom;
  } else {
    const Bytes free = gpu_total > used + c.cuda_graphs ? gpu_total - used - c.cuda_graphs : Bytes{0};
    p.kv_available = Bytes(static_cast<std::int64_t>(double(free.value()) * c.fraction));
    p.requested = used + p.kv_available;
    p.headroom = gpu_total - p.requested;
  }
  p.page_bytes = detail::pool_mul(pool_bytes_per_token(m, kv, tp), c.block_tokens);
  p.blocks = p.page_bytes > 0 ? p.kv_available.value() / p.page_bytes : 0;
  p.kv_tokens = detail::pool_mul(p.blocks, c.block_tokens);
  return p;
}

}  // namespace vramfit
