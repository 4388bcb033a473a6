// The memory picture of one model + workload + runtime, before it is placed on devices:
// weights (per tensor group and per layer), KV cache (per layer), compute buffer, and the
// bytes one decoded token reads.
#pragma once

#include <algorithm>
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "vramfit/kv_cache.hpp"
#include "vramfit/repack.hpp"
#include "vramfit/runtime.hpp"
#include "vramfit/weights.hpp"

namespace vramfit {

struct MemoryEstimate {
  WeightBreakdown weights;
  KvCache kv;
  ComputeTerms compute;
  std::vector<Bytes> layer_active;  // weight bytes a decoded token reads from each block
  Bytes output_active{0};           // output head (+ one embedding row)
  // llama.cpp's CPU_REPACK copy of every tensor the CPU backend would repack (repack.hpp); empty unless
  // the caller sized it for a CPU. Placement counts the part in host memory (PlacementRequest::cpu_repack).
  RepackBreakdown repack;
  const TensorType* kv_k = nullptr;
  const TensorType* kv_v = nullptr;
};

// With weights already known (read from a model file: file_weights.hpp).
inline MemoryEstimate estimate_memory(const ModelSpec& m, WeightBreakdown weights, const TypeTable& types,
                                      const Workload& w) {
  validate(m);
  validate(w);
  MemoryEstimate e;
  e.kv_k = &types.get(w.kv_type_k);
  e.kv_v = &types.get(w.kv_type_v);
  e.weights = std::move(weights);
  e.kv = kv_cache(m, w, *e.kv_k, *e.kv_v);
  e.compute = compute_buffer(m, w, e.kv.cells_full);
  // Per-layer active bytes: routed experts count only experts_per_token / experts.
  e.layer_active = e.weights.per_layer;
  if (m.moe.present()) {
    for (std::size_t il = 0; il < e.layer_active.size(); ++il) {
      const Bytes ex = e.weights.per_layer_experts[il];
      e.layer_active[il] -= ex - Bytes(ex.value() / m.moe.experts * m.moe.experts_per_token);
    }
  }
  e.output_active = e.weights.output + Bytes(e.weights.global_cpu.value() / m.vocab);
  return e;
}

inline MemoryEstimate estimate_memory(const ModelSpec& m, const QuantMix& mix, const TypeTable& types,
                                      const Workload& w) {
  validate(m);
  return estimate_memory(m, weight_bytes(m, mix, types, w.include_vision), types, w);
}

// The estimate points into `types`: a temporary table would leave it dangling.
MemoryEstimate estimate_memory(const ModelSpec&, const QuantMix&, const TypeTable&&, const Workload&) = delete;
MemoryEstimate estimate_memory(const ModelSpec&, WeightBreakdown, const TypeTable&&, const Workload&) = delete;

// KV bytes that one decoded token reads from a layer at context position `pos`. They depend only on the
// layer's kind, so they are worked out once per kind present (this runs for every placement of a
// whole-catalog table); kinds the model lacks are never sized.
class KvReadPerKind {
 public:
  KvReadPerKind(const ModelSpec& m, const MemoryEstimate& e, std::int64_t pos) {
    std::int64_t attn_row = -1;
    for (const LayerKind k : m.layer_pattern) {
      Bytes& b = bytes_[static_cast<std::size_t>(k)];
      std::int64_t row = 0, cells = pos;
      switch (k) {
        case LayerKind::full:
        case LayerKind::sliding:
        case LayerKind::chunked:
          if (attn_row < 0)
            attn_row = kv_row_bytes(*e.kv_k, m.kv_heads * m.head_dim_k, "K") + kv_row_bytes(*e.kv_v, m.kv_heads * m.head_dim_v, "V");
          row = attn_row;
          if (k == LayerKind::sliding) cells = std::min(pos, m.sliding_window);
          if (k == LayerKind::chunked) cells = std::min(pos, m.chunk_size);
          break;
        case LayerKind::mla: row = mla_row_bytes(m, *e.kv_k); break;
        case LayerKind::mamba:
        case LayerKind::linear: row = recurrent_state_elements(m.ssm) * 4; cells = 1; break;
        case LayerKind::ffn: break;
        case LayerKind::cross:  // every decoded token attends over all cached image tokens
          row = kv_row_bytes(*e.kv_k, m.kv_heads * m.head_dim_k, "K") + kv_row_bytes(*e.kv_v, m.kv_heads * m.head_dim_v, "V");
          cells = e.kv.cells_cross;
          break;
      }
      b = checked_bytes(row, cells);
    }
  }
  [[nodiscard]] Bytes of(LayerKind k) const { return bytes_[static_cast<std::size_t>(k)]; }

 private:
  static_assert(static_cast<int>(LayerKind::cross) == 7, "one slot per LayerKind");
  std::array<Bytes, 8> bytes_{};  // by LayerKind
};

// KV bytes that one decoded token reads from each layer at context position `pos`.
inline std::vector<Bytes> kv_read_per_layer(const ModelSpec& m, const MemoryEstimate& e, std::int64_t pos) {
  const KvReadPerKind per_kind(m, e, pos);
  std::vector<Bytes> out(static_cast<std::size_t>(m.layers), Bytes{0});
  for (std::int64_t il = 0; il < m.layers; ++il) out[static_cast<std::size_t>(il)] = per_kind.of(m.layer_kind(il));
  return out;
}

}  // namespace vramfit
