// llama.cpp's CPU_REPACK buffer: on a CPU with the right features the CPU backend copies a weight matrix
// into an interleaved layout in a buffer of its own (ggml/src/ggml-cpu/repack.cpp). The copy has the
// byte size of the tensor (only the order of the blocks changes); the file's pages of that tensor are
// then no longer read. Which tensors are copied follows ggml_repack_get_optimal_repack_type() and the
// extra buffer type's supports_op(): a 2-D matrix of a MUL_MAT or a 3-D expert stack of a MUL_MAT_ID
// whose type and row count (ne[1], rows of one expert for a stack) match the CPU's kernels.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vramfit/error.hpp"
#include "vramfit/file_weights.hpp"
#include "vramfit/weights.hpp"

namespace vramfit {

// The CPU features llama.cpp's repack rule asks about (ggml_cpu_has_*; compile-time flags of the CPU
// variant the backend loads, which ggml picks to match the running CPU).
struct CpuFeatures {
  bool avx2 = false;
  bool avx512 = false;       // AVX-512F (ggml_cpu_has_avx512): adds Q2_K
  bool avx512_vnni = false;  // with amx: the AMX buffer is built (ggml-cpu.cpp, __AMX_INT8__ && __AVX512VNNI__)
  bool amx = false;          // AMX-INT8 (Sapphire Rapids and later Xeons)
  bool neon = false;         // ARM Advanced SIMD (asimd)
  bool dotprod = false;      // ARMv8.2 dot product (asimddp)
  bool i8mm = false;         // ARMv8.6 int8 matrix multiply (ggml_cpu_has_matmul_int8)
  bool sve = false;          // SVE of an unknown vector length
  bool sve256 = false;       // SVE with 256-bit vectors (ggml_cpu_get_sve_cnt() == 32, e.g. Neoverse V1)

  [[nodiscard]] bool any() const { return avx2 || avx512 || avx512_vnni || amx || neon || dotprod || i8mm || sve || sve256; }
  // The AMX buffer comes before CPU_REPACK in llama.cpp's list and takes other types with its own
  // packed sizes; vramfit does not model it (docs/llamacpp-cpu.md).
  [[nodiscard]] bool amx_buffer() const { return amx && avx512_vnni; }
  friend bool operator==(const CpuFeatures&, const CpuFeatures&) = default;
};

namespace detail {

struct CpuFeatureName {
  std::string_view name;
  bool CpuFeatures::*flag;
};

inline constexpr std::array<CpuFeatureName, 9> kCpuFeatureNames{{
    {"avx2", &CpuFeatures::avx2},
    {"avx512", &CpuFeatures::avx512},
    {"avx512_vnni", &CpuFeatures::avx512_vnni},
    {"amx", &CpuFeatures::amx},
    {"neon", &CpuFeatures::neon},
    {"dotprod", &CpuFeatures::dotprod},
    {"i8mm", &CpuFeatures::i8mm},
    {"sve", &CpuFeatures::sve},
    {"sve256", &CpuFeatures::sve256},
}};

}  // namespace detail

// "avx2,avx512" or "none".
inline std::string to_string(const CpuFeatures& f) {
  std::string out;
  for (const auto& n : detail::kCpuFeatureNames)
    if (f.*n.flag) out += (out.empty() ? "" : ",") + std::string(n.name);
  return out.empty() ? "none" : out;
}

// The names accepted in a list, for error messages and help.
inline std::vector<std::string> cpu_feature_names() {
  std::vector<std::string> v;
  for (const auto& n : detail::kCpuFeatureNames) v.emplace_back(n.name);
  return v;
}

// Parses "avx2,avx512" (commas or spaces; "none" or "" for none). Implied features are added: AVX-512
// CPUs have AVX2, dotprod and i8mm CPUs NEON, sve256 is SVE. An unknown name is an error naming it.
inline CpuFeatures parse_cpu_features(std::string_view list) {
  CpuFeatures f;
  std::size_t i = 0;
  while (i < list.size()) {
    std::size_t j = list.find_first_of(", ", i);
    if (j == std::string_view::npos) j = list.size();
    std::string word(list.substr(i, j - i));
    for (char& c : word) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    i = j + 1;
    if (word.empty() || word == "none") continue;
    if (word == "avx512f") word = "avx512";
    if (word == "asimd") word = "neon";
    if (word == "asimddp") word = "dotprod";
    if (word == "amx_int8") word = "amx";
    bool found = false;
    for (const auto& n : detail::kCpuFeatureNames)
      if (n.name == word) f.*n.flag = found = true;
    if (!found) throw CoreError(ErrorKind::unknown_type, "unknown CPU feature '" + word + "'");
  }
  if (f.avx512 || f.avx512_vnni || f.amx) f.avx2 = true;
  if (f.avx512_vnni) f.avx512 = true;
  if (f.dotprod || f.i8mm || f.sve || f.sve256) f.neon = true;
  if (f.sve256) f.sve = true;
  return f;
}

// Whether llama.cpp's CPU backend repacks a matrix of this type whose ne[1] is `rows` (rows of one
// expert for a stack): ggml_repack_get_optimal_repack_type() (ggml-cpu/repack.cpp), x86 and ARM
// branches; the RISC-V and s390x (vxe) branches are left out. Any layout it picks has the tensor's size,
// so only "some layout" matters here.
inline bool repacks(std::string_view type, std::int64_t rows, const CpuFeatures& f) {
  const bool neon_i8mm = f.neon && f.i8mm, neon_dot = f.neon && f.dotprod;
  const bool by8 = rows % 8 == 0, by4 = rows % 4 == 0;
  if (iequals(type, "q4_0"))  // 8x8 on AVX2 or 256-bit SVE with i8mm; 4x8 / 4x4 on NEON
    return ((f.avx2 || (f.sve256 && f.i8mm)) && by8) || ((neon_i8mm || neon_dot) && by4);
  if (iequals(type, "q4_K")) return (f.avx2 || neon_i8mm || neon_dot) && by8;
  if (iequals(type, "q2_K")) return f.avx512 && by8;
  if (iequals(type, "q5_K") || iequals(type, "q6_K")) return (neon_i8mm || neon_dot) && by8;
  if (iequals(type, "iq4_nl") || iequals(type, "mxfp4")) return (f.avx2 && by8) || (neon_dot && by4);
  if (iequals(type, "q8_0")) return (neon_i8mm || neon_dot) && by4;
  return false;
}

// The bytes of the CPU_REPACK buffer if every tensor ran on the CPU, split so that a placement can count
// only what stays in host memory.
struct RepackBreakdown {
  Bytes total{0};
  std::array<Bytes, kGroupCount> by_group{};
  std::vector<Bytes> per_layer;          // block tensors of each layer
  std::vector<Bytes> per_layer_experts;  // routed-expert part of per_layer
  Bytes output{0};                       // the output head (the tied token_embd's MUL_MAT copy)
  std::int64_t tensors = 0;              // tensors copied
  std::vector<std::string> types;        // their types, in the order met ("q4_K")
  [[nodiscard]] Bytes group(TensorGroup g) const { return by_group[static_cast<std::size_t>(g)]; }
};

namespace detail {

// ggml-alloc.c allocates each tensor of a buffer at an offset padded to the buffer's alignment
// (ggml_backend_alloc_ctx_tensors_from_buft_impl: GGML_PAD(alloc_size, alignment)); the repack buffer
// type's alignment is TENSOR_ALIGNMENT, 32 bytes (ggml-impl.h).
inline constexpr std::int64_t kRepackAlignment = 32;

inline void add_repacked(RepackBreakdown& r, TensorGroup g, std::int32_t layer, Bytes b, const std::string& type) {
  if (std::find(r.types.begin(), r.types.end(), type) == r.types.end()) r.types.push_back(type);
  const Bytes padded((b.value() + kRepackAlignment - 1) / kRepackAlignment * kRepackAlignment);
  r.total += padded;
  r.by_group[static_cast<std::size_t>(g)] += padded;
  ++r.tensors;
  if (layer >= 0) {
    r.per_layer[static_cast<std::size_t>(layer)] += padded;
    if (g == TensorGroup::experts) r.per_layer_experts[static_cast<std::size_t>(layer)] += padded;
  } else if (g == TensorGroup::output) {
    r.output += padded;
  }
}

// Tensors llama.cpp may put in an extra buffer type: those whose op is MUL_MAT or MUL_MAT_ID
// (llama-arch.cpp LLM_TENSOR_INFOS, tested by weight_buft_supported in llama-model-loader.cpp).
// token_embd is a GET_ROWS (the lookup) and the mmproj is loaded by the vision encoder, not here.
inline bool matmul_weight(TensorGroup g, bool matrix) {
  return matrix && g != TensorGroup::embeddings && g != TensorGroup::vision;
}

}  // namespace detail

inline RepackBreakdown repack_bytes(const ModelSpec& m, const QuantMix& mix, const TypeTable& types, const CpuFeatures& f) {
  RepackBreakdown r;
  r.per_layer.assign(static_cast<std::size_t>(m.layers), Bytes{0});
  r.per_layer_experts.assign(static_cast<std::size_t>(m.layers), Bytes{0});
  if (!f.any() || mix.format != "gguf") return r;
  const std::int64_t n_attn = m.count_layers(ModelSpec::is_attention);
  std::int64_t attn_ordinal = -1, last_layer = -1;
  TypeLookup lookup(types);
  for (const TensorInfo& t : tensor_inventory(m)) {
    if (t.layer != last_layer && t.layer >= 0) {  // the ordinals of weight_bytes(), so the types agree
      last_layer = t.layer;
      if (ModelSpec::is_attention(m.layer_kind(t.layer))) ++attn_ordinal;
    }
    const bool attn_tensor = t.name.rfind("attn_", 0) == 0;
    const TensorType& ty = tensor_type_for(t, m, mix, lookup, attn_tensor ? attn_ordinal : t.layer, attn_tensor ? n_attn : m.layers);
    // With tied embeddings llama.cpp creates `output` as a duplicate of token_embd for the MUL_MAT.
    const bool tied_head = t.group == TensorGroup::embeddings && m.tied_embeddings;
    if (!detail::matmul_weight(t.group, t.matrix) && !tied_head) continue;
    // A routed-expert stack is 3-D: ne[1] is the rows of one expert.
    const std::int64_t rows = t.group == TensorGroup::experts && m.moe.experts > 0 ? t.rows / m.moe.experts : t.rows;
    if (!repacks(ty.id, rows, f)) continue;
    detail::add_repacked(r, tied_head ? TensorGroup::output : t.group, t.layer, ty.bytes(t.ne0, t.rows), ty.id);
  }
  return r;
}

// The same for the tensors of a model file; `rows` (ne[1]) comes from the file.
inline RepackBreakdown repack_bytes_from_file(const ModelSpec& m, const std::vector<FileTensor>& tensors, const CpuFeatures& f) {
  RepackBreakdown r;
  r.per_layer.assign(static_cast<std::size_t>(m.layers), Bytes{0});
  r.per_layer_experts.assign(static_cast<std::size_t>(m.layers), Bytes{0});
  if (!f.any()) return r;
  bool has_output = false;
  for (const FileTensor& t : tensors)
    if (t.group == TensorGroup::output && t.elements > m.hidden) has_output = true;
  for (const FileTensor& t : tensors) {
    if (t.layer >= m.layers || t.ne1 <= 0) continue;
    const bool tied_head = t.group == TensorGroup::embeddings && m.tied_embeddings && !has_output;
    const bool matrix = t.dims >= 2 && t.elements > t.ne1;
    if (!detail::matmul_weight(t.group, matrix) && !tied_head) continue;
    if (!repacks(t.type, t.ne1, f)) continue;
    detail::add_repacked(r, tied_head ? TensorGroup::output : t.group, t.layer, t.bytes, t.type);
  }
  return r;
}

}  // namespace vramfit
