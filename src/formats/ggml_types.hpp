// The ggml tensor types a GGUF file can name: id, name, and block layout (elements per block and
// bytes per block), from which a tensor's size in bytes follows.
//
// Sources (llama.cpp as bundled with node-llama-cpp, bench/llamacpp; a checkout of its bundle):
//   ggml/include/ggml.h      enum ggml_type: the ids, and the ids whose support was removed
//   ggml/src/ggml.c          type_traits[]: type_name, blck_size, type_size of each id
//   ggml/src/ggml-common.h   the block structs and the static_asserts that fix their sizes
// Names are ggml's type_name strings, which are also the storage ids of data/quants.yaml.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace vramfit::io::gguf {

struct GgmlType {
  std::uint32_t id = 0;
  std::string_view name;
  std::int64_t block_size = 1;  // elements per block (ggml blck_size)
  std::int64_t type_size = 0;   // bytes per block (ggml type_size)
};

// Every type ggml can still load. QK_K = 256 (super-blocks of the k-quants and i-quants).
inline constexpr GgmlType kGgmlTypes[] = {
    {0, "f32", 1, 4},
    {1, "f16", 1, 2},
    {2, "q4_0", 32, 18},       // fp16 d + 16 B of nibbles
    {3, "q4_1", 32, 20},       // fp16 d, m + 16 B
    {6, "q5_0", 32, 22},       // fp16 d + 4 B high bits + 16 B
    {7, "q5_1", 32, 24},       // fp16 d, m + 4 B + 16 B
    {8, "q8_0", 32, 34},       // fp16 d + 32 int8
    {9, "q8_1", 32, 36},       // fp16 d, s + 32 int8
    {10, "q2_K", 256, 84},     // 2 fp16 + 16 B scales + 64 B
    {11, "q3_K", 256, 110},    // fp16 + 32 B hmask + 64 B + 12 B scales
    {12, "q4_K", 256, 144},    // 2 fp16 + 12 B scales + 128 B
    {13, "q5_K", 256, 176},    // 2 fp16 + 12 B scales + 32 B high bits + 128 B
    {14, "q6_K", 256, 210},    // fp16 + 16 B scales + 192 B
    {15, "q8_K", 256, 292},    // f32 d + 256 int8 + 16 int16 sums
    {16, "iq2_xxs", 256, 66},  // fp16 + 32 uint16
    {17, "iq2_xs", 256, 74},   // fp16 + 32 uint16 + 8 B scales
    {18, "iq3_xxs", 256, 98},  // fp16 + 96 B
    {19, "iq1_s", 256, 50},    // fp16 + 32 B + 16 B
    {20, "iq4_nl", 32, 18},    // fp16 + 16 B
    {21, "iq3_s", 256, 110},   // fp16 + 13 x 8 B + 4 B scales
    {22, "iq2_s", 256, 82},    // fp16 + 64 B + 16 B
    {23, "iq4_xs", 256, 136},  // fp16 + uint16 + 4 B + 128 B
    {24, "i8", 1, 1},
    {25, "i16", 1, 2},
    {26, "i32", 1, 4},
    {27, "i64", 1, 8},
    {28, "f64", 1, 8},
    {29, "iq1_m", 256, 56},    // 32 B + 16 B + 8 B, no fp16 field
    {30, "bf16", 1, 2},
    {34, "tq1_0", 256, 54},    // 48 B base-3 + 4 B + fp16
    {35, "tq2_0", 256, 66},    // 64 B + fp16
    {39, "mxfp4", 32, 17},     // E8M0 scale + 16 B (OCP MX)
    {40, "nvfp4", 64, 36},     // 4 E4M3 scales (one per 16) + 32 B; data/quants.yaml's nvfp4 is one 16-element sub-block, same bits
    {41, "q1_0", 128, 18},     // fp16 + 16 B
    {42, "q2_0", 64, 18},      // fp16 + 16 B
};

// Ids ggml.h keeps as comments: the types were removed and ggml no longer loads them.
struct RemovedGgmlType {
  std::uint32_t id = 0;
  std::string_view name;
};
inline constexpr RemovedGgmlType kRemovedGgmlTypes[] = {
    {4, "Q4_2"},         {5, "Q4_3"},         {31, "Q4_0_4_4"},   {32, "Q4_0_4_8"},
    {33, "Q4_0_8_8"},    {36, "IQ4_NL_4_4"},  {37, "IQ4_NL_4_8"}, {38, "IQ4_NL_8_8"},
};

constexpr std::optional<GgmlType> find_ggml_type(std::uint32_t id) {
  for (const GgmlType& t : kGgmlTypes)
    if (t.id == id) return t;
  return std::nullopt;
}

// By name, ignoring ASCII case ("q4_K", "Q4_K" and "q4_k" are the same type).
constexpr std::optional<GgmlType> find_ggml_type(std::string_view name) {
  const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  for (const GgmlType& t : kGgmlTypes) {
    if (t.name.size() != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; same && i < name.size(); ++i) same = lower(t.name[i]) == lower(name[i]);
    if (same) return t;
  }
  return std::nullopt;
}

// The former name of a removed id ("Q4_0_4_4"), or empty when the id was never removed.
constexpr std::string_view removed_ggml_type(std::uint32_t id) {
  for (const RemovedGgmlType& t : kRemovedGgmlTypes)
    if (t.id == id) return t.name;
  return {};
}

// The block sizes follow from the block structs (ggml-common.h static_asserts): a few by hand.
static_assert(find_ggml_type(12u)->type_size == 2 * 2 + 12 + 256 / 2);             // q4_K
static_assert(find_ggml_type(14u)->type_size == 2 + 256 / 16 + 3 * 256 / 4);       // q6_K
static_assert(find_ggml_type(34u)->type_size == 2 + 256 / 64 + (256 - 4 * 256 / 64) / 5);  // tq1_0
static_assert(find_ggml_type("Q8_0")->id == 8 && !find_ggml_type(4u) && removed_ggml_type(31) == "Q4_0_4_4");

}  // namespace vramfit::io::gguf
