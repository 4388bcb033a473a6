// llama.cpp's extra CPU buffers. CPU_REPACK: on a CPU with the right features the CPU backend copies a
// weight matrix into an interleaved layout in a buffer of its own (ggml/src/ggml-cpu/repack.cpp). The copy
// has the byte size of the tensor (only the order of the blocks changes); the file's pages of that tensor
// are then no longer read. Which tensors are copied follows ggml_repack_get_optimal_repack_type() and the
// extra buffer type's supports_op(): a 2-D matrix of a MUL_MAT or a 3-D expert stack of a MUL_MAT_ID
// whose type and row count (ne[1], rows of one expert for a stack) match the CPU's kernels.
// AMX: on a Xeon with AMX-INT8 the AMX buffer comes first in the CPU's list (ggml-cpu.cpp
// ggml_backend_cpu_device_get_extra_buffers_type) and takes the MUL_MAT matrices its tiles can run, packed
// to VNNI tiles with a size of their own (ggml-cpu/amx/, amx_takes() below). Both are anonymous memory.
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
  // packed sizes (amx_takes(), amx_bytes()).
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
// CPUs have AVX2, AMX CPUs (Sapphire Rapids and later) AVX-512 VNNI, dotprod and i8mm CPUs NEON, sve256
// is SVE. An unknown name is an error naming it.
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
  if (f.amx) f.avx512_vnni = true;
  if (f.avx512 || f.avx512_vnni) f.avx2 = true;
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

namespace detail {

// The AMX buffer's types (ggml-cpu/amx/common.h qtype_has_amx_kernels, plus F16 that supports_op()
// accepts and stores unpacked): weights per block, bytes per block in the file, and what the packed
// layout adds per block (mmq.cpp get_row_size: int32 compensation for Q8_0, 4 B of unpacked scales for
// Q4_K / Q5_K, 2 B for IQ4_XS). `align` is the ne[0] multiple supports_op() asks for (amx.cpp).
struct AmxType {
  std::string_view id;
  std::int64_t block_size, block_bytes, extra, align;
};

inline constexpr std::array<AmxType, 8> kAmxTypes{{
    {"q4_0", 32, 18, 0, 32},
    {"q4_1", 32, 20, 0, 32},
    {"q8_0", 32, 34, 4, 32},
    {"q4_K", 256, 144, 4, 256},
    {"q5_K", 256, 176, 4, 256},
    {"q6_K", 256, 210, 0, 256},
    {"iq4_xs", 256, 136, 2, 256},
    {"f16", 1, 2, 0, 16},
}};

inline const AmxType* amx_type(std::string_view type) {
  for (const AmxType& t : kAmxTypes)
    if (iequals(type, t.id)) return &t;
  return nullptr;
}

}  // namespace detail

// Whether the AMX buffer takes a 2-D MUL_MAT weight of this type with ne[0] = `row_len` and ne[1] =
// `rows` (ggml-cpu/amx/amx.cpp extra_buffer_type::supports_op, asked by llama-model-loader.cpp
// weight_buft_supported with a 512-token F32 input): the result's ne[0], the weight's rows, a multiple of
// 2 x TILE_N = 32 and the row length a multiple of the type's alignment. Expert stacks are MUL_MAT_ID,
// which it does not run; they go on to CPU_REPACK.
inline bool amx_takes(std::string_view type, std::int64_t row_len, std::int64_t rows, const CpuFeatures& f) {
  const detail::AmxType* t = f.amx_buffer() ? detail::amx_type(type) : nullptr;
  return t != nullptr && rows % 32 == 0 && row_len % t->align == 0;
}

// The AMX buffer's size of such a tensor whose file bytes are `bytes` (ggml_backend_amx_get_alloc_size:
// N x get_row_size(K); F16 keeps ggml_nbytes).
inline Bytes amx_bytes(std::string_view type, std::int64_t row_len, std::int64_t rows, Bytes bytes) {
  const detail::AmxType* t = detail::amx_type(type);
  if (t == nullptr || t->extra == 0) return bytes;
  return bytes + Bytes(rows * (row_len / t->block_size) * t->extra);
}

// The bytes of llama.cpp's extra CPU buffers (AMX and CPU_REPACK) if every tensor ran on the CPU, split so
// that a placement can count only what stays in host memory.
struct RepackBreakdown {
  Bytes total{0};                        // both buffers
  std::array<Bytes, kGroupCount> by_group{};
  std::vector<Bytes> per_layer;          // block tensors of each layer
  std::vector<Bytes> per_layer_experts;  // routed-expert part of per_layer
  Bytes output{0};                       // the output head (the tied token_embd's MUL_MAT copy)
  Bytes source{0};                       // the file bytes of the copied tensors (page cache no longer read)
  std::int64_t tensors = 0;              // tensors in CPU_REPACK
  std::vector<std::string> types;        // their types, in the order met ("q4_K")
  Bytes amx{0};                          // the part of total in the AMX buffer
  std::int64_t amx_tensors = 0;          // tensors in the AMX buffer
  std::vector<std::string> amx_types;    // their types
  [[nodiscard]] Bytes group(TensorGroup g) const { return by_group[static_cast<std::size_t>(g)]; }
  // The page cache a placement's `copied` bytes of these buffers leave reclaimable: the file bytes behind
  // them (equal for CPU_REPACK; the AMX tiles of Q8_0, Q4_K, Q5_K and IQ4_XS are larger than the file's).
  [[nodiscard]] Bytes source_of(Bytes copied) const {
    if (total.value() == 0 || copied == total) return copied == total ? source : Bytes{0};
    return Bytes(static_cast<std::int64_t>(static_cast<double>(copied.value()) * static_cast<double>(source.value()) /
                                           static_cast<double>(total.value())));
  }
};

namespace detail {

// ggml-alloc.c allocates each tensor of a buffer at an offset padded to the buffer's alignment
// (ggml_backend_alloc_ctx_tensors_from_buft_impl: GGML_PAD(alloc_size, alignment)); the repack buffer
// type's alignment is TENSOR_ALIGNMENT, 32 bytes (ggml-impl.h).
inline constexpr std::int64_t kRepackAlignment = 32;

// `b` is the copy's size, `file` the tensor's bytes in the file. The AMX buffer's alignment is
// TENSOR_ALIGNMENT too (amx.cpp get_alignment).
inline void add_repacked(RepackBreakdown& r, TensorGroup g, std::int32_t layer, Bytes b, Bytes file, const std::string& type, bool amx) {
  std::vector<std::string>& types = amx ? r.amx_types : r.types;
  if (std::find(types.begin(), types.end(), type) == types.end()) types.push_back(type);
  const Bytes padded((b.value() + kRepackAlignment - 1) / kRepackAlignment * kRepackAlignment);
  r.total += padded;
  r.source += file;
  r.by_group[static_cast<std::size_t>(g)] += padded;
  if (amx) {
    r.amx += padded;
    ++r.amx_tensors;
  } else {
    ++r.tensors;
  }
  if (layer >= 0) {
    r.per_layer[static_cast<std::size_t>(layer)] += padded;
    if (g == TensorGroup::experts) r.per_layer_experts[static_cast<std::size_t>(layer)] += padded;
  } else if (g == TensorGroup::output) {
    r.output += padded;
  }
}

// One weight's place: the AMX buffer type comes before CPU_REPACK in the CPU backend's extra buffer
// types (ggml-cpu.cpp ggml_backend_cpu_get_extra_buffer_types), and takes 2-D matrices only; what it
// leaves, CPU_REPACK may take. `file` is the tensor's bytes in the file.
inline void place_weight(RepackBreakdown& r, TensorGroup g, std::int32_t layer, const std::string& type, std::int64_t row_len,
                         std::int64_t rows, Bytes file, bool two_d, const CpuFeatures& f) {
  if (two_d && amx_takes(type, row_len, rows, f))
    add_repacked(r, g, layer, amx_bytes(type, row_len, rows, file), file, type, true);
  else if (repacks(type, rows, f))
    add_repacked(r, g, layer, file, file, type, false);
}

inline RepackBreakdown empty_breakdown(const ModelSpec& m) {
  RepackBreakdown r;
  r.per_layer.assign(static_cast<std::size_t>(m.layers), Bytes{0});
  r.per_layer_experts.assign(static_cast<std::size_t>(m.layers), Bytes{0});
  return r;
}

// Tensors llama.cpp may put in an extra buffer type: those whose op is MUL_MAT or MUL_MAT_ID
// (llama-arch.cpp LLM_TENSOR_INFOS, tested by weight_buft_supported in llama-model-loader.cpp).
// token_embd is a GET_ROWS (the lookup) and the mmproj is loaded by the vision encoder, not here.
inline bool matmul_weight(TensorGroup g, bool matrix) {
  return matrix && g != TensorGroup::embeddings && g != TensorGroup::vision;
}

}  // namespace detail

inline RepackBreakdown repack_bytes(const ModelSpec& m, const QuantMix& mix, const TypeTable& types, const CpuFeatures& f) {
  RepackBreakdown r = detail::empty_breakdown(m);
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
    const bool stack = t.group == TensorGroup::experts && m.moe.experts > 0;
    const std::int64_t rows = stack ? t.rows / m.moe.experts : t.rows;
    const Bytes file = ty.bytes(t.ne0, t.rows);
    const TensorGroup g = tied_head ? TensorGroup::output : t.group;
    detail::place_weight(r, g, t.layer, ty.id, t.ne0, rows, file, !stack, f);
  }
  return r;
}

// The same for the tensors of a model file; `rows` (ne[1]) comes from the file.
inline RepackBreakdown repack_bytes_from_file(const ModelSpec& m, const std::vector<FileTensor>& tensors, const CpuFeatures& f) {
  RepackBreakdown r = detail::empty_breakdown(m);
  if (!f.any()) return r;
  bool has_output = false;
  for (const FileTensor& t : tensors)
    if (t.group == TensorGroup::output && t.elements > m.hidden) has_output = true;
  for (const FileTensor& t : tensors) {
    if (t.layer >= m.layers || t.ne1 <= 0) continue;
    const bool tied_head = t.group == TensorGroup::embeddings && m.tied_embeddings && !has_output;
    const bool matrix = t.dims >= 2 && t.elements > t.ne1;
    if (!detail::matmul_weight(t.group, matrix) && !tied_head) continue;
    const TensorGroup g = tied_head ? TensorGroup::output : t.group;
    const std::int64_t row_len = t.elements / t.ne1;
    detail::place_weight(r, g, t.layer, t.type, row_len, t.ne1, t.bytes, t.dims == 2, f);
  }
  return r;
}

}  // namespace vramfit
