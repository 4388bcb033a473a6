// KV cache and recurrent state, sized as llama.cpp allocates them:
//   llama-kv-cache.cpp       K/V tensors [n_embd_k_gqa, kv_size, n_stream] per attention layer
//   llama-kv-cache-iswa.cpp  sliding-window layers get min(kv_size, PAD(n_swa*n_seq + n_ubatch)) cells
//   llama-model.cpp          (deepseek2) MLA caches one latent of kv_lora_rank + rope dims, V is a view of K
//   DeepSeek sparse attention (V3.2, GLM-5) adds one indexer key of index_head_dim per token per MLA
//   layer next to the latent; typed as the K cache here (see docs/methodology.md, "MLA")
//   llama-memory-recurrent   Mamba / delta-net state, f32, one per sequence, independent of context
//   llama-hparams.cpp        has_kv: blocks from n_layer_kv_from_start on (Gemma 3n / 4 KV sharing) cache nothing;
//                            n_embd_k_gqa(il) / n_embd_v_gqa(il): per-layer widths (Gemma 4 global layers)
//   transformers modeling_mllama.py  cross-attention layers cache K/V of the image tokens
//                            (cross_attention_states), once per request, whatever the text length
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "vramfit/model.hpp"
#include "vramfit/quant.hpp"
#include "vramfit/workload.hpp"

namespace vramfit {

constexpr std::int64_t pad_to(std::int64_t n, std::int64_t pad) { return (n + pad - 1) / pad * pad; }
static_assert(pad_to(8192, 256) == 8192 && pad_to(8193, 256) == 8448 && pad_to(1, 256) == 256);

struct KvCache {
  Bytes total{0};
  Bytes attention{0};  // full + sliding + chunked + MLA layers
  Bytes recurrent{0};  // Mamba / linear-attention state
  Bytes cross{0};      // cross-attention layers (mllama): K/V of the image tokens, independent of context
  std::int64_t cells_cross = 0;  // image tokens each sequence's cross-attention layers hold (0: none)
  std::vector<Bytes> per_layer;
  std::int64_t cells_full = 0;     // cells per stream for full-attention layers
  std::int64_t cells_window = 0;   // cells per stream for sliding/chunked layers (0: none)
  std::int64_t streams = 1;
  std::int64_t bytes_per_token = 0;  // full-attention + MLA bytes per cached token (all layers)
};

// Bytes of one K row or V row: n elements of the cache type, which must be whole blocks.
inline std::int64_t kv_row_bytes(const TensorType& t, std::int64_t n, const char* what) {
  if (!t.kv) throw CoreError(ErrorKind::unknown_type, "'" + t.id + "' is not a KV cache type");
  if (n % t.block_size != 0)
    throw CoreError(ErrorKind::invalid_workload, std::string(what) + " width " + std::to_string(n) +
                                                     " is not a multiple of the " + t.id + " block (" +
                                                     std::to_string(t.block_size) + ")");
  return n / t.block_size * t.block_bytes;
}

// Bytes one token caches in an MLA layer: the latent (kv_lora_rank + rope dims; since llama.cpp
// PR #19067, 2026-01, V is a view of it) plus, with DeepSeek sparse attention, the indexer's key.
inline std::int64_t mla_row_bytes(const ModelSpec& m, const TensorType& type_k) {
  std::int64_t row = kv_row_bytes(type_k, m.mla.kv_lora_rank + m.mla.qk_rope_head_dim, "MLA latent");
  if (m.mla.has_indexer()) row += kv_row_bytes(type_k, m.mla.index_head_dim, "MLA indexer key");
  return row;
}

// Recurrent state elements per layer per sequence (llama-hparams.cpp n_embd_r + n_embd_s). Within the
// limits validate() holds the sizes to this is below 2^60; checked all the same, as every product of
// file-supplied sizes is (a config.json's heads x head_dim once made d_inner 2^40 and this wrap).
inline std::int64_t recurrent_state_elements(const SsmSpec& s) {
  const std::int64_t conv = checked_bytes(std::max<std::int64_t>(s.d_conv - 1, 0),
                                          checked_sum(s.d_inner, checked_bytes(2, s.n_groups, s.d_state).value())).value();
  return checked_sum(conv, checked_bytes(s.d_state, s.d_inner).value());
}

inline KvCache kv_cache(const ModelSpec& m, const Workload& w, const TensorType& type_k, const TensorType& type_v) {
  validate(w);
  if (type_v.quantized && !w.flash_attention)
    throw CoreError(ErrorKind::invalid_workload,
                    "a quantized V cache (" + type_v.id + ") needs flash attention (llama.cpp refuses it otherwise)");
  KvCache kv;
  kv.per_layer.assign(static_cast<std::size_t>(m.layers), Bytes{0});
  // -np N without a unified cache: N streams of PAD(ctx) cells (llama-model.cpp create_memory).
  kv.streams = w.parallel;
  kv.cells_full = pad_to(w.context, w.kv_pad);
  // Cross-attention (mllama): per sequence, images x tokens_per_image vision tokens (4 tiles x 1601
  // for Llama 3.2 Vision), unpadded: no runtime that runs mllama pads them like llama.cpp's cells.
  // With --text-only no image is encoded and the layers are skipped (transformers: no
  // cross_attention_states), so nothing is cached.
  if (m.has_cross_layers() && w.include_vision)
    kv.cells_cross = checked_bytes(w.images, m.vision.tokens_per_image).value();
  std::int64_t cells_window = 0;
  // Without flash attention V is stored transposed, and when the V width differs between layers
  // (Gemma 4: 16 x 256 on sliding, 4 x 512 on global layers) every layer's V is padded to the widest
  // (llama-kv-cache.cpp [TAG_V_CACHE_VARIABLE], n_embd_v_gqa_max()).
  std::int64_t v_max = 0;
  for (std::int64_t il = 0; il < m.layers; ++il)
    if (ModelSpec::is_attention(m.layer_kind(il)) && m.layer_kind(il) != LayerKind::mla)
      v_max = std::max(v_max, m.kv_heads_at(il) * m.head_dim_v_at(il));
  auto v_width = [&](std::int64_t il) { return w.flash_attention ? m.kv_heads_at(il) * m.head_dim_v_at(il) : v_max; };
  for (std::int64_t il = 0; il < m.layers; ++il) {
    const LayerKind k = m.layer_kind(il);
    std::int64_t row = 0, cells = 0;
    // A KV-shared block attends over the cache of an earlier block of its kind (llama-model.cpp
    // create_memory, the reuse callback of gemma3n / gemma4) and has none of its own.
    if (ModelSpec::is_attention(k) && !m.has_kv(il)) continue;
    switch (k) {
      case LayerKind::full:
        row = kv_row_bytes(type_k, m.kv_heads_at(il) * m.head_dim_k_at(il), "K") + kv_row_bytes(type_v, v_width(il), "V");
        cells = kv.cells_full;
        kv.bytes_per_token += row;
        break;
      case LayerKind::sliding:
      case LayerKind::chunked: {
        row = kv_row_bytes(type_k, m.kv_heads_at(il) * m.head_dim_k_at(il), "K") + kv_row_bytes(type_v, v_width(il), "V");
        const std::int64_t window = k == LayerKind::sliding ? m.sliding_window : m.chunk_size;
        cells = w.swa_full ? kv.cells_full : std::min(kv.cells_full, pad_to(window + w.ubatch, w.kv_pad));
        cells_window = cells;
        break;
      }
      case LayerKind::mla:
        row = mla_row_bytes(m, type_k);
        cells = kv.cells_full;
        kv.bytes_per_token += row;
        break;
      case LayerKind::ffn: continue;  // feed-forward only: nothing cached
      case LayerKind::cross: {
        // K and V of every image token: kv_heads x head_dim each (MllamaTextCrossAttention k_proj,
        // v_proj of the projected vision states), per sequence; not in bytes_per_token.
        row = kv_row_bytes(type_k, m.kv_heads_at(il) * m.head_dim_k_at(il), "K") +
              kv_row_bytes(type_v, m.kv_heads_at(il) * m.head_dim_v_at(il), "V");
        std::int64_t layer_bytes = 0, sum = 0;
        if (mul_overflows(row, kv.cells_cross, layer_bytes) || mul_overflows(layer_bytes, kv.streams, layer_bytes) ||
            add_overflows(kv.cross.value(), layer_bytes, sum))
          throw CoreError(ErrorKind::overflow, "cross-attention KV size overflows at " + std::to_string(w.images) + " images");
        kv.per_layer[static_cast<std::size_t>(il)] = Bytes(layer_bytes);
        kv.cross = Bytes(sum);
        continue;
      }
      case LayerKind::mamba:
      case LayerKind::linear: {
        std::int64_t state = 0, sum = 0;
        if (mul_overflows(recurrent_state_elements(m.ssm), 4 * std::max<std::int64_t>(1, w.parallel), state) ||
            add_overflows(kv.recurrent.value(), state, sum))
          throw CoreError(ErrorKind::overflow, "recurrent state size overflows at " + std::to_string(w.parallel) + " sequences");
        kv.per_layer[static_cast<std::size_t>(il)] = Bytes(state);
        kv.recurrent = Bytes(sum);
        continue;
      }
    }
    std::int64_t layer_bytes = 0;
    if (mul_overflows(row, cells, layer_bytes) || mul_overflows(layer_bytes, kv.streams, layer_bytes))
      throw CoreError(ErrorKind::overflow, "KV cache size overflows at context " + std::to_string(w.context));
    std::int64_t sum = 0;
    if (add_overflows(kv.attention.value(), layer_bytes, sum))
      throw CoreError(ErrorKind::overflow, "KV cache size overflows at context " + std::to_string(w.context));
    kv.per_layer[static_cast<std::size_t>(il)] = Bytes(layer_bytes);
    kv.attention = Bytes(sum);
  }
  kv.cells_window = cells_window;
  std::int64_t total = 0;
  if (add_overflows(kv.attention.value(), kv.recurrent.value(), total) || add_overflows(total, kv.cross.value(), total))
    throw CoreError(ErrorKind::overflow, "KV cache size overflows at context " + std::to_string(w.context));
  kv.total = Bytes(total);
  return kv;
}

}  // namespace vramfit
