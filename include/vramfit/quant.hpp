// Storage types and file-level quantization mixes.
// Bits per weight always derive from a block layout (ggml-common.h: Q4_K holds 256 weights in 144 bytes);
// an unknown type is an error, never a silent default.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vramfit/error.hpp"
#include "vramfit/units.hpp"

namespace vramfit {

struct TensorType {
  std::string id;
  std::int64_t block_size = 1;   // weights per block
  std::int64_t block_bytes = 0;  // bytes per block
  std::int64_t row_bytes = 0;    // extra bytes per row (per-channel scales)
  bool kv = false;               // usable as a KV cache element type
  bool quantized = false;        // block-quantized (needs flash attention when used for V)
  std::string fallback;          // type llama.cpp substitutes when a row is not a multiple of block_size

  [[nodiscard]] double bits_per_weight() const { return 8.0 * double(block_bytes) / double(block_size); }
  // Bytes of `rows` rows of `row_len` weights each. A block longer than a row, or one that does not
  // tile the row (2-D scale blocks such as FP8 128x128, bitsandbytes' flattened NF4 + double quant), is
  // counted over the whole tensor instead of per row; llama.cpp's GGUF rows always tile (weights.hpp).
  [[nodiscard]] Bytes bytes(std::int64_t row_len, std::int64_t rows) const {
    std::int64_t per_row = 0, total = 0, elements = 0;
    if ((block_size > row_len || row_len % block_size != 0) && !mul_overflows(row_len, rows, elements)) {
      const std::int64_t blocks = (elements + block_size - 1) / block_size;
      if (!mul_overflows(blocks, block_bytes, total) && !mul_overflows(rows, row_bytes, per_row) &&
          !add_overflows(total, per_row, total))
        return Bytes(total);
    }
    const std::int64_t blocks = (row_len + block_size - 1) / block_size;
    if (block_size > row_len || mul_overflows(blocks, block_bytes, per_row) || add_overflows(per_row, row_bytes, per_row) ||
        mul_overflows(per_row, rows, total))
      throw CoreError(ErrorKind::overflow, "tensor of " + std::to_string(rows) + " x " + std::to_string(row_len) +
                                               " " + id + " weights overflows a 64-bit byte count");
    return Bytes(total);
  }
  [[nodiscard]] bool divides(std::int64_t row_len) const { return row_len % block_size == 0; }
};

// Layer selection of a mix rule, as llama-quant.cpp expresses it.
enum class LayerSelect {
  all,
  use_more_bits,   // i < n/8 || i >= 7n/8 || (i - n/8) % 3 == 2
  first,           // i < N
  first_fraction,  // i < n/N
  middle_fraction, // n/N <= i < n*(N-1)/N  (llama-quant.cpp: i >= n/8 && i < 7*n/8)
};

struct MixRule {
  std::vector<std::string> tensors;  // llama.cpp tensor names: attn_v, attn_k, attn_output, ffn_down, ...
  std::string type;
  LayerSelect select = LayerSelect::all;
  std::int64_t select_n = 0;
  // Conditions on the model (0 = no condition).
  double min_gqa = 0;
  std::int64_t when_experts = 0;
  std::int64_t when_layers = 0;
};

struct QuantMix {
  std::string id;
  std::string name;
  std::string base;         // every quantizable matrix unless a rule says otherwise
  std::string embeddings;   // token_embd (empty: base)
  std::string output;       // output head, and token_embd when tied (empty: base)
  std::string unquantized = "f32";  // norms, biases, router, 1-D tensors
  std::string experts;      // routed experts (empty: base)
  std::string vision = "f16";  // vision encoder / projector (mmproj)
  std::string format = "gguf";  // gguf | safetensors | mlx
  std::vector<MixRule> rules;
};

// llama-quant.cpp use_more_bits(): about half of the layers, denser at both ends.
constexpr bool use_more_bits(std::int64_t i, std::int64_t n) {
  return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}
static_assert(use_more_bits(0, 32) && use_more_bits(28, 32) && !use_more_bits(4, 32) && use_more_bits(6, 32));

inline bool layer_selected(const MixRule& r, std::int64_t i, std::int64_t n) {
  switch (r.select) {
    case LayerSelect::all: return true;
    case LayerSelect::use_more_bits: return use_more_bits(i, n);
    case LayerSelect::first: return i < r.select_n;
    case LayerSelect::first_fraction: return r.select_n > 0 && i < n / r.select_n;
    case LayerSelect::middle_fraction: return r.select_n > 0 && i >= n / r.select_n && i < n * (r.select_n - 1) / r.select_n;
  }
  return false;
}

inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  // Equal bytes need no tolower: type look-ups run for every tensor of every weight estimate.
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x != y && std::tolower(x) != std::tolower(y)) return false;
  }
  return true;
}

// Case-insensitive lookup by id over a small table; nullptr when absent.
template <class T>
const T* find_by_id(const std::vector<T>& items, std::string_view id) {
  for (const T& t : items)
    if (iequals(t.id, id)) return &t;
  return nullptr;
}

struct TypeTable {
  std::vector<TensorType> types;
  [[nodiscard]] const TensorType& get(std::string_view id) const {
    if (const TensorType* t = find_by_id(types, id)) return *t;
    throw CoreError(ErrorKind::unknown_type, "unknown tensor type '" + std::string(id) + "'");
  }
};

}  // namespace vramfit
