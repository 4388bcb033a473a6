// The header of a GGUF file (v2 or v3): metadata key-value pairs and tensor infos, read with bounded,
// buffered reads. Tensor data is never read or mapped; memory depends on the metadata kept, not on
// the file size, and is capped (docs/gguf.md lists every limit and why).
//
// Every problem is an InputError whose one line starts with the file path:
//   model.gguf: truncated in tensor 'blk.1.attn_q.weight' (at byte 5210112 of 5210120)
// Format: ggml/include/gguf.h, ggml/src/gguf.cpp, the GGUF spec (ggml-org/ggml docs/gguf.md).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/input_file.hpp"

namespace vramfit::io::gguf {

// gguf_type (ggml/include/gguf.h); the numbers are the file's.
enum class ValueType : std::uint32_t {
  u8 = 0, i8 = 1, u16 = 2, i16 = 3, u32 = 4, i32 = 5, f32 = 6, boolean = 7,
  string = 8, array = 9, u64 = 10, i64 = 11, f64 = 12,
};
std::string_view value_type_name(ValueType t);  // gguf.cpp's names: "uint8" ... "float64"

// Limits (docs/gguf.md says why). A file past one of them is refused ...
inline constexpr std::uint64_t kMaxKvCount = 1 << 16;         // key-value pairs (real files: under 100)
inline constexpr std::uint64_t kMaxTensorCount = 1 << 18;     // tensors per file (real files: a few thousand at most)
inline constexpr std::uint64_t kMaxKeyLength = 65535;         // bytes (GGUF spec)
inline constexpr std::uint64_t kMaxNameLength = 63;           // bytes (GGML_MAX_NAME 64 with the terminator)
inline constexpr std::uint64_t kMaxStringLength = 1 << 30;    // bytes (gguf.cpp GGUF_MAX_STRING_LENGTH)
inline constexpr std::uint64_t kMaxArrayLength = 1 << 30;     // elements (gguf.cpp GGUF_MAX_ARRAY_ELEMENTS)
inline constexpr std::uint64_t kMaxAlignment = 1 << 20;       // bytes (writers use 32)
inline constexpr std::uint64_t kMaxRetainedBytes = 32 << 20;  // memory for everything kept, roughly counted
inline constexpr std::uint32_t kMaxSplitCount = 99999;        // the five digits of PREFIX-%05d-of-%05d.gguf
// ... while a value past one of these is read over, keeping only its length or count (Value::kept).
inline constexpr std::uint64_t kMaxKeptString = 1 << 20;      // bytes of one string value
inline constexpr std::uint64_t kMaxKeptArray = 1 << 16;       // elements of a numeric or bool array
inline constexpr std::uint64_t kMaxKeptStringArray = 1 << 10; // elements of a string array

struct Value {
  ValueType type = ValueType::u8;
  // Scalars: unsigned integer types in u, signed in i, f32/f64 in f, bool in b, string in s.
  std::uint64_t u = 0;
  std::int64_t i = 0;
  double f = 0;
  bool b = false;
  std::string s;
  // Arrays: element type and count always; elements only when kept.
  ValueType elem_type = ValueType::u8;
  std::uint64_t size = 0;             // string length in bytes, or array element count
  bool kept = true;                   // false: a string or array too long to keep (size still known)
  std::vector<std::int64_t> ints;     // integer elements (u64 stored as its bits) and bool elements (0/1)
  std::vector<double> floats;         // f32 and f64 elements
  std::vector<std::string> strings;   // string elements
};

struct TensorInfo {
  std::string name;
  std::uint32_t ggml_type = 0;                // ggml_type id (ggml_types.hpp)
  std::uint32_t n_dims = 0;                   // 1..4
  std::array<std::int64_t, 4> ne{1, 1, 1, 1}; // elements per dimension, ne[0] the row length
  std::uint64_t offset = 0;                   // from the start of the data section of its file
  std::int64_t elements = 0;
  std::int64_t bytes = 0;                     // ne0 / block_size * type_size * ne1 * ne2 * ne3
  std::uint32_t split = 0;                    // 0-based part of a split model (read_model)
};

struct Header {
  std::string path;             // the file read (part 1 for a split model)
  std::uint32_t version = 0;    // 2 or 3
  std::uint64_t alignment = 32; // general.alignment
  std::uint64_t data_offset = 0;// header end padded to the alignment: where tensor data starts
  std::uint64_t file_size = 0;  // bytes on disk (all parts for a split model)
  std::uint32_t split_count = 1;
  std::map<std::string, Value, std::less<>> kv;
  std::vector<TensorInfo> tensors;  // in file order (part by part)

  // Typed look-ups: nullopt when the key is absent; an InputError naming the file and the key when it
  // holds another type, a value out of range, or a value too long to have been kept. The array
  // look-ups also give nullopt for a single value, so that a caller can fall back to the scalar
  // (llama.cpp's get_key_or_arr takes either); int_array takes bool elements as 0 and 1.
  [[nodiscard]] const Value* find(std::string_view key) const;
  [[nodiscard]] std::optional<std::uint64_t> get_u64(std::string_view key) const;  // any integer >= 0
  [[nodiscard]] std::optional<std::int64_t> get_i64(std::string_view key) const;   // any integer
  [[nodiscard]] std::optional<double> get_f64(std::string_view key) const;         // float or integer
  [[nodiscard]] std::optional<bool> get_bool(std::string_view key) const;
  [[nodiscard]] std::optional<std::string> get_string(std::string_view key) const;
  [[nodiscard]] std::optional<std::uint64_t> array_count(std::string_view key) const;
  [[nodiscard]] std::optional<std::vector<std::int64_t>> int_array(std::string_view key) const;
  [[nodiscard]] std::optional<std::vector<double>> float_array(std::string_view key) const;
  [[nodiscard]] std::optional<std::vector<bool>> bool_array(std::string_view key) const;
  [[nodiscard]] std::optional<std::vector<std::string>> string_array(std::string_view key) const;
};

// One file: its header, every tensor checked against the type table and the file size. The bytes may
// be a local file or a remote one (base/input_file.hpp ByteSource); messages name it.
Header read_header(const std::string& path);
Header read_header(const ByteSource& file);

// A model: one file, or every part of a split model (llama.cpp gguf-split: split.no, split.count,
// split.tensors.count in each part, parts named PREFIX-%05d-of-%05d.gguf). Given any part, reads all
// of them, checks that they agree, and returns part 1's metadata with the tensors of every part.
Header read_model(const std::string& path);
// The same over any bytes: `open` gives the part named PREFIX-%05d-of-%05d.gguf (a path or a URL),
// or nullptr when there is no such part.
using PartOpener = std::function<std::unique_ptr<ByteSource>(const std::string& name)>;
Header read_model(const ByteSource& file, const PartOpener& open);

}  // namespace vramfit::io::gguf
