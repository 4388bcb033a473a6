// A small GGUF v3 writer for tests and benches: metadata, tensor infos, and zero tensor data that
// costs no disk (the file is extended with std::filesystem::resize_file, i.e. ftruncate, so the
// data section is a hole). Standard library only; little-endian hosts only, as GGUF itself.
//
// Layout (ggml/src/gguf.cpp gguf_init_from_file_impl, docs/gguf.md in ggml-org/ggml):
//   "GGUF" | u32 version 3 | u64 n_tensors | u64 n_kv
//   n_kv x    { string key | u32 value type | value }
//   n_tensors x { string name | u32 n_dims | u64 ne[n_dims] | u32 ggml type | u64 offset }
//   zero padding to `alignment` (general.alignment, default 32) -> start of the data section
//   tensor data: tensor i at data_start + offset_i, offset_i = sum over j < i of PAD(nbytes_j, alignment)
//   (gguf.cpp rejects any other offset: "tensor '%s' has offset %lu, expected %zu")
// A string is u64 length + bytes, no terminator; an array is u32 element type + u64 count + elements.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace vramfit::gguf {

static_assert(std::endian::native == std::endian::little, "GGUF files are little-endian; this writer copies bytes as they are");

inline constexpr std::uint32_t kMagic = 0x46554747;  // "GGUF" read as a little-endian u32
inline constexpr std::uint32_t kVersion = 3;
inline constexpr std::uint32_t kDefaultAlignment = 32;  // GGUF_DEFAULT_ALIGNMENT
inline constexpr std::size_t kMaxName = 63;             // GGML_MAX_NAME (64) including the terminator
inline constexpr std::size_t kMaxDims = 4;              // GGML_MAX_DIMS

// gguf_type (ggml/include/gguf.h)
enum class ValueType : std::uint32_t {
  u8 = 0, i8 = 1, u16 = 2, i16 = 3, u32 = 4, i32 = 5, f32 = 6, boolean = 7,
  string = 8, array = 9, u64 = 10, i64 = 11, f64 = 12,
};

constexpr std::uint64_t pad(std::uint64_t n, std::uint64_t align) { return (n + align - 1) / align * align; }
static_assert(pad(0, 32) == 0 && pad(1, 32) == 32 && pad(32, 32) == 32 && pad(33, 32) == 64);

struct Tensor {
  std::string name;
  std::vector<std::int64_t> ne;  // ggml order: ne[0] is the row length
  std::uint32_t type = 0;        // ggml_type id
  std::uint64_t nbytes = 0;      // ggml_nbytes: rows x ceil(ne0 / block) x block bytes
  std::uint64_t offset = 0;      // from the start of the data section; set by Writer::add_tensor
};

// Where everything lands in the file; all offsets in bytes from the start of the file.
struct Layout {
  std::uint64_t header_bytes = 0;  // magic .. last tensor info, before padding
  std::uint64_t data_start = 0;    // PAD(header_bytes, alignment)
  std::uint64_t data_bytes = 0;    // sum of PAD(nbytes, alignment)
  std::uint64_t file_size = 0;     // data_start + data_bytes
};

class Writer {
 public:
  explicit Writer(std::uint32_t alignment = kDefaultAlignment) : alignment_(alignment) {
    if (alignment == 0 || (alignment & (alignment - 1)) != 0)
      throw std::invalid_argument("GGUF alignment " + std::to_string(alignment) + " is not a power of 2");
    // gguf.cpp reads general.alignment only as u32; the default needs no key.
    if (alignment != kDefaultAlignment) add_u32("general.alignment", alignment);
  }

  void add_u32(std::string_view key, std::uint32_t v) { scalar(key, ValueType::u32, v); }
  void add_i32(std::string_view key, std::int32_t v) { scalar(key, ValueType::i32, v); }
  void add_u64(std::string_view key, std::uint64_t v) { scalar(key, ValueType::u64, v); }
  void add_f32(std::string_view key, float v) { scalar(key, ValueType::f32, v); }
  void add_bool(std::string_view key, bool v) { scalar(key, ValueType::boolean, static_cast<std::uint8_t>(v ? 1 : 0)); }
  void add_string(std::string_view key, std::string_view v) {
    begin_kv(key, ValueType::string);
    put_string(kv_, v);
  }
  void add_strings(std::string_view key, const std::vector<std::string>& v) {
    begin_array(key, ValueType::string, v.size());
    for (const std::string& s : v) put_string(kv_, s);
  }
  void add_f32s(std::string_view key, const std::vector<float>& v) { array(key, ValueType::f32, v); }
  void add_i32s(std::string_view key, const std::vector<std::int32_t>& v) { array(key, ValueType::i32, v); }
  void add_u32s(std::string_view key, const std::vector<std::uint32_t>& v) { array(key, ValueType::u32, v); }
  void add_bools(std::string_view key, const std::vector<std::uint8_t>& v) { array(key, ValueType::boolean, v); }

  // Appends a tensor after the previous one; returns its offset in the data section.
  std::uint64_t add_tensor(std::string name, std::vector<std::int64_t> ne, std::uint32_t type, std::uint64_t nbytes) {
    if (name.empty() || name.size() > kMaxName)
      throw std::invalid_argument("GGUF tensor name '" + name + "' must have 1 to 63 characters");
    if (ne.empty() || ne.size() > kMaxDims)
      throw std::invalid_argument("GGUF tensor '" + name + "' must have 1 to 4 dimensions");
    for (const Tensor& t : tensors_)
      if (t.name == name) throw std::invalid_argument("duplicate GGUF tensor name '" + name + "'");
    const std::uint64_t offset = tensors_.empty() ? 0 : tensors_.back().offset + pad(tensors_.back().nbytes, alignment_);
    tensors_.push_back({std::move(name), std::move(ne), type, nbytes, offset});
    return offset;
  }

  [[nodiscard]] const std::vector<Tensor>& tensors() const { return tensors_; }
  [[nodiscard]] std::uint64_t kv_count() const { return kv_count_; }
  [[nodiscard]] std::uint32_t alignment() const { return alignment_; }

  // Everything before the data section, padding included: what write() puts on disk.
  [[nodiscard]] std::string header() const {
    std::string out;
    put(out, kMagic);
    put(out, kVersion);
    put(out, static_cast<std::uint64_t>(tensors_.size()));
    put(out, kv_count_);
    out += kv_;
    for (const Tensor& t : tensors_) {
      put_string(out, t.name);
      put(out, static_cast<std::uint32_t>(t.ne.size()));
      for (std::int64_t n : t.ne) put(out, n);
      put(out, t.type);
      put(out, t.offset);
    }
    out.resize(pad(out.size(), alignment_), '\0');
    return out;
  }

  [[nodiscard]] Layout layout() const {
    Layout l;
    l.header_bytes = header_size();
    l.data_start = pad(l.header_bytes, alignment_);
    l.data_bytes = tensors_.empty() ? 0 : tensors_.back().offset + pad(tensors_.back().nbytes, alignment_);
    l.file_size = l.data_start + l.data_bytes;
    return l;
  }

  // Writes the header and extends the file to its full size without writing the data: the tensor
  // bytes read back as zeros and occupy no disk blocks where the file system supports holes.
  void write(const std::filesystem::path& path) const {
    const std::string h = header();
    {
      std::ofstream f(path, std::ios::binary | std::ios::trunc);
      if (!f) throw std::runtime_error("cannot create " + path.string());
      f.write(h.data(), static_cast<std::streamsize>(h.size()));
      if (!f) throw std::runtime_error("cannot write " + path.string());
    }
    std::filesystem::resize_file(path, layout().file_size);
  }

 private:
  template <class T>
  static void put(std::string& out, T v) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out.append(b, sizeof(T));
  }
  static void put_string(std::string& out, std::string_view s) {
    put(out, static_cast<std::uint64_t>(s.size()));
    out.append(s);
  }
  void begin_kv(std::string_view key, ValueType type) {
    put_string(kv_, key);
    put(kv_, static_cast<std::uint32_t>(type));
    ++kv_count_;
  }
  void begin_array(std::string_view key, ValueType elem, std::size_t n) {
    begin_kv(key, ValueType::array);
    put(kv_, static_cast<std::uint32_t>(elem));
    put(kv_, static_cast<std::uint64_t>(n));
  }
  template <class T>
  void scalar(std::string_view key, ValueType type, T v) {
    begin_kv(key, type);
    put(kv_, v);
  }
  template <class T>
  void array(std::string_view key, ValueType elem, const std::vector<T>& v) {
    begin_array(key, elem, v.size());
    for (const T& x : v) put(kv_, x);
  }
  [[nodiscard]] std::uint64_t header_size() const {
    std::uint64_t n = 4 + 4 + 8 + 8 + kv_.size();
    for (const Tensor& t : tensors_) n += 8 + t.name.size() + 4 + 8 * t.ne.size() + 4 + 8;
    return n;
  }

  std::uint32_t alignment_;
  std::string kv_;  // serialised key-value pairs, in insertion order
  std::uint64_t kv_count_ = 0;
  std::vector<Tensor> tensors_;
};

}  // namespace vramfit::gguf
