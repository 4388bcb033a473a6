// The MLA caches llama.cpp and ik_llama.cpp have laid out over time, for reading their logs (`validate`);
// kv_cache.hpp sizes today's. Per token and MLA layer (DeepSeek-V3: rank 512, rope 64, 128 heads of
// nope 128 + rope 64 in K and 128 in V):
//   latent     the latent, kv_lora_rank + qk_rope_head_dim, as K; V is a view of it: mainline since
//              PR #19067 (2026-01), ik_llama.cpp -mla 2 and 3 ("c^KV (f16): ..., kv^T: not used")
//   latent_kv  the same K and its kv_lora_rank part again as V: mainline from PR #12801 (2025-04) to
//              #19067 ("K (f16): 1098.00 MiB, V (f16): 976.00 MiB", DeepSeek-V3 at 16384 cells: 61 x 576
//              and 61 x 512 x 2 B a cell)
//   full       per-head K (nope + rope) and V (v_head_dim), as plain attention: GGUFs without the MLA
//              keys and ik_llama.cpp -mla 0 ("K (f16): 732.00 MiB, V (f16): 488.00 MiB", Kimi-K2 at 512
//              cells: 61 x 64 x 192 and 61 x 64 x 128 x 2 B a cell)
// (reference/methods.md §2.4; measured_memory.yaml, the DeepSeek and Kimi-K2 llama.cpp excerpts).
#pragma once

#include <cmath>
#include <cstdint>

#include "vramfit/kv_cache.hpp"

namespace vramfit {

enum class MlaLayout { latent, latent_kv, full };

inline const char* to_string(MlaLayout l) {
  switch (l) {
    case MlaLayout::latent: return "latent";
    case MlaLayout::latent_kv: return "latent_kv";
    case MlaLayout::full: return "full";
  }
  return "?";
}

// Bytes one token caches in one MLA layer, K and V apart (V 0 where it is a view of K).
struct MlaRow {
  std::int64_t k = 0, v = 0;
  [[nodiscard]] std::int64_t total() const { return k + v; }
};

inline MlaRow mla_layout_row(const ModelSpec& m, MlaLayout layout, const TensorType& type_k, const TensorType& type_v) {
  switch (layout) {
    case MlaLayout::latent: return {mla_row_bytes(m, type_k), 0};
    case MlaLayout::latent_kv: return {mla_row_bytes(m, type_k), kv_row_bytes(type_v, m.mla.kv_lora_rank, "MLA latent V")};
    case MlaLayout::full:
      return {kv_row_bytes(type_k, m.heads * (m.mla.qk_nope_head_dim + m.mla.qk_rope_head_dim), "K"),
              kv_row_bytes(type_v, m.heads * m.mla.v_head_dim, "V")};
  }
  return {};
}

// The layout a log's K and V sizes show: no V is the latent alone; otherwise the layout whose K : V
// ratio is nearest the logged one (DeepSeek-V3 f16: latent_kv 1.125, full 1.5).
inline MlaLayout mla_layout_of(const ModelSpec& m, const TensorType& type_k, const TensorType& type_v, double k_bytes, double v_bytes) {
  if (!(k_bytes > 0) || !(v_bytes > 0)) return MlaLayout::latent;
  const double logged = std::log(k_bytes / v_bytes);
  auto distance = [&](MlaLayout l) {
    const MlaRow r = mla_layout_row(m, l, type_k, type_v);
    return std::abs(std::log(double(r.k) / double(r.v)) - logged);
  };
  return distance(MlaLayout::full) < distance(MlaLayout::latent_kv) ? MlaLayout::full : MlaLayout::latent_kv;
}

// kv_cache()'s result with every MLA layer laid out as `layout`: same cells and streams, other rows.
inline KvCache with_mla_layout(KvCache kv, const ModelSpec& m, MlaLayout layout, const TensorType& type_k, const TensorType& type_v) {
  const std::int64_t latent = mla_row_bytes(m, type_k);
  const std::int64_t row = mla_layout_row(m, layout, type_k, type_v).total();
  for (std::int64_t il = 0; il < m.layers; ++il) {
    if (m.layer_kind(il) != LayerKind::mla) continue;
    const Bytes before = kv.per_layer[static_cast<std::size_t>(il)];
    const Bytes after = checked_bytes(checked_bytes(row, kv.cells_full).value(), kv.streams);
    kv.per_layer[static_cast<std::size_t>(il)] = after;
    kv.attention = kv.attention - before + after;
    kv.total = kv.total - before + after;
    kv.bytes_per_token += row - latent;
  }
  return kv;
}

}  // namespace vramfit
