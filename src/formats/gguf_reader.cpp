#include "formats/gguf_reader.hpp"

#include <bit>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <set>
#include <utility>

#include "base/diagnostics.hpp"
#include "base/input_file.hpp"
#include "formats/ggml_types.hpp"

namespace vramfit::io::gguf {

static_assert(std::endian::native == std::endian::little,
              "GGUF files are little-endian and this reader copies their bytes as they are");

namespace {

constexpr std::uint64_t kChunk = 64 * 1024;  // bytes per read
constexpr std::int64_t kI64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();

// The smallest possible key-value pair (8 B length, a 1-byte key, 4 B type, a 1-byte value) and tensor
// info (8 B length, a 1-byte name, 4 B n_dims, one 8 B dimension, 4 B type, 8 B offset).
constexpr std::uint64_t kMinKvBytes = 8 + 1 + 4 + 1;
constexpr std::uint64_t kMinTensorInfoBytes = 8 + 1 + 4 + 8 + 4 + 8;

[[noreturn]] void fail(const std::string& path, const std::string& message) {
  throw InputError(path + ": " + message);
}

// A key or tensor name as the file has it, quoted for a one-line message: control bytes escaped,
// anything past 200 bytes cut.
std::string q(std::string_view s) {
  std::string out = "'";
  for (std::size_t i = 0; i < s.size() && i < 200; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + (s.size() > 200 ? "...'" : "'");
}

// Bytes of one element of a fixed-size value type; 0 for string and array.
std::uint64_t fixed_size(ValueType t) {
  switch (t) {
    case ValueType::u8: case ValueType::i8: case ValueType::boolean: return 1;
    case ValueType::u16: case ValueType::i16: return 2;
    case ValueType::u32: case ValueType::i32: case ValueType::f32: return 4;
    case ValueType::u64: case ValueType::i64: case ValueType::f64: return 8;
    case ValueType::string: case ValueType::array: return 0;
  }
  return 0;
}

bool is_unsigned(ValueType t) {
  return t == ValueType::u8 || t == ValueType::u16 || t == ValueType::u32 || t == ValueType::u64;
}
bool is_signed(ValueType t) {
  return t == ValueType::i8 || t == ValueType::i16 || t == ValueType::i32 || t == ValueType::i64;
}
bool is_float(ValueType t) { return t == ValueType::f32 || t == ValueType::f64; }

// a * b for a, b >= 0; false when it does not fit in int64.
bool mul(std::int64_t a, std::int64_t b, std::int64_t& out) {
  if (a != 0 && b > kI64Max / a) return false;
  out = a * b;
  return true;
}

// The first bytes of the file, read in chunks through one fixed buffer. Every read is checked against
// the file size first, so a length or count read from the file never decides an allocation before the
// bytes it claims are known to exist.
class Source {
 public:
  explicit Source(const ByteSource& file)
      : path_(file.name()), file_(file), buf_(std::make_unique<char[]>(kChunk)), size_(file_.size()) {}

  [[nodiscard]] std::uint64_t size() const { return size_; }
  [[nodiscard]] std::uint64_t pos() const { return pos_; }
  [[nodiscard]] std::uint64_t remaining() const { return size_ - pos_; }

  // Where the next bytes belong, for "truncated in ...": a name when known, else an index.
  void at(const char* what, std::uint64_t index = kU64Max, std::string_view name = {}) {
    what_ = what;
    index_ = index;
    name_ = name;
  }
  [[nodiscard]] std::string where() const {
    if (!name_.empty()) return std::string(what_) + " " + q(name_);
    if (index_ == kU64Max) return what_;
    return std::string(what_) + " " + std::to_string(index_);
  }
  [[noreturn]] void truncated() const {
    fail(path_, "truncated in " + where() + " (at byte " + std::to_string(pos_) + " of " + std::to_string(size_) + ")");
  }

  void need(std::uint64_t n) const {
    if (n > remaining()) truncated();
  }

  void read(void* out, std::uint64_t n) {
    need(n);
    char* o = static_cast<char*>(out);
    while (n > 0) {
      if (at_ == len_) fill();
      const std::uint64_t k = std::min(n, len_ - at_);
      std::memcpy(o, buf_.get() + at_, k);
      at_ += k;
      o += k;
      n -= k;
      pos_ += k;
    }
  }

  void skip(std::uint64_t n) {
    if (n <= len_ - at_) {  // buffered bytes exist in the file: no size check needed
      at_ += n;
      pos_ += n;
      return;
    }
    need(n);
    pos_ += n;
    at_ = len_ = 0;
  }

  template <class T>
  T get() {
    T v;
    if (sizeof v <= len_ - at_) {  // the common case, kept short: 400k strings in a vocabulary
      std::memcpy(&v, buf_.get() + at_, sizeof v);
      at_ += sizeof v;
      pos_ += sizeof v;
    } else {
      read(&v, sizeof v);
    }
    return v;
  }

  // Reads over as many of the next `n` strings as lie whole in the buffer, stopping before any longer
  // than kMaxStringLength (the caller reports it); returns how many. A vocabulary of 400k strings
  // costs about a nanosecond each this way.
  std::uint64_t skip_buffered_strings(std::uint64_t n) {
    std::uint64_t done = 0;
    while (done < n && len_ - at_ >= 8) {
      std::uint64_t len;
      std::memcpy(&len, buf_.get() + at_, 8);
      if (len > kMaxStringLength || len > len_ - at_ - 8) break;
      at_ += 8 + len;
      pos_ += 8 + len;
      ++done;
    }
    return done;
  }

  std::string string(std::uint64_t n) {
    need(n);  // before allocating
    std::string s(static_cast<std::size_t>(n), '\0');
    read(s.data(), n);
    return s;
  }

 private:
  void fill() {
    len_ = file_.read_at(pos_, buf_.get(), static_cast<std::size_t>(std::min(kChunk, remaining())));
    at_ = 0;
    if (len_ == 0) fail(path_, "read error at byte " + std::to_string(pos_) + " (did the file shrink?)");
  }

  const std::string& path_;
  const ByteSource& file_;
  std::unique_ptr<char[]> buf_;
  std::uint64_t size_ = 0;
  std::uint64_t pos_ = 0;  // file offset of the next byte
  std::uint64_t at_ = 0;   // next byte in buf_
  std::uint64_t len_ = 0;  // bytes in buf_
  const char* what_ = "the header";
  std::uint64_t index_ = kU64Max;
  std::string_view name_;
};

// Memory kept for the header, counted roughly (sizes of the objects plus their heap payload).
class Budget {
 public:
  explicit Budget(const std::string& path) : path_(path) {}
  void add(std::uint64_t bytes) {
    used_ += bytes;
    if (used_ > kMaxRetainedBytes)
      fail(path_, "the header needs more than " + std::to_string(kMaxRetainedBytes >> 20) + " MiB of memory to keep");
  }

 private:
  const std::string& path_;
  std::uint64_t used_ = 0;
};

ValueType value_type(Source& src, const std::string& path, std::string_view key, const char* role) {
  const auto t = src.get<std::uint32_t>();
  if (t > static_cast<std::uint32_t>(ValueType::f64))
    fail(path, "key " + q(key) + " has unknown " + role + " " + std::to_string(t) + " (GGUF knows 0 to 12)");
  return static_cast<ValueType>(t);
}

// One fixed-size scalar, stored in the member of Value its kind uses.
void read_fixed(Source& src, ValueType t, Value& v) {
  switch (t) {
    case ValueType::u8: v.u = src.get<std::uint8_t>(); break;
    case ValueType::i8: v.i = src.get<std::int8_t>(); break;
    case ValueType::u16: v.u = src.get<std::uint16_t>(); break;
    case ValueType::i16: v.i = src.get<std::int16_t>(); break;
    case ValueType::u32: v.u = src.get<std::uint32_t>(); break;
    case ValueType::i32: v.i = src.get<std::int32_t>(); break;
    case ValueType::f32: v.f = src.get<float>(); break;
    case ValueType::boolean: v.b = src.get<std::uint8_t>() != 0; break;
    case ValueType::u64: v.u = src.get<std::uint64_t>(); break;
    case ValueType::i64: v.i = src.get<std::int64_t>(); break;
    case ValueType::f64: v.f = src.get<double>(); break;
    case ValueType::string: case ValueType::array: break;
  }
}

std::uint64_t string_length(Source& src, const std::string& path, std::string_view key) {
  const auto n = src.get<std::uint64_t>();
  if (n > kMaxStringLength)
    fail(path, "key " + q(key) + " has a string of " + std::to_string(n) + " bytes, more than the limit of " +
                   std::to_string(kMaxStringLength));
  return n;
}

Value read_value(Source& src, const std::string& path, std::string_view key, Budget& budget) {
  Value v;
  v.type = value_type(src, path, key, "value type");
  if (v.type == ValueType::string) {
    v.size = string_length(src, path, key);
    if (v.size <= kMaxKeptString) {
      v.s = src.string(v.size);
      budget.add(v.size);
    } else {
      src.skip(v.size);
      v.kept = false;
    }
    return v;
  }
  if (v.type != ValueType::array) {
    read_fixed(src, v.type, v);
    return v;
  }

  v.elem_type = value_type(src, path, key, "array element type");
  if (v.elem_type == ValueType::array) fail(path, "key " + q(key) + " is an array of arrays, which ggml refuses too");
  v.size = src.get<std::uint64_t>();
  if (v.size > kMaxArrayLength)
    fail(path, "key " + q(key) + " has an array of " + std::to_string(v.size) + " elements, more than the limit of " +
                   std::to_string(kMaxArrayLength));
  const std::uint64_t elem = fixed_size(v.elem_type);
  src.need(v.size * (elem == 0 ? 8 : elem));  // a string element is at least its 8-byte length

  if (v.elem_type == ValueType::string) {
    v.kept = v.size <= kMaxKeptStringArray;
    for (std::uint64_t k = 0; k < v.size; ++k) {
      if (!v.kept) {
        k += src.skip_buffered_strings(v.size - k);
        if (k == v.size) break;
      }
      const std::uint64_t n = string_length(src, path, key);
      if (v.kept && n <= kMaxKeptString) {
        v.strings.push_back(src.string(n));
        budget.add(sizeof(std::string) + n);
      } else {
        src.skip(n);
        v.kept = false;
      }
    }
    if (!v.kept) v.strings = {};
    return v;
  }
  if (v.size > kMaxKeptArray) {
    v.kept = false;
    src.skip(v.size * elem);
    return v;
  }
  const bool floats = is_float(v.elem_type);
  budget.add(v.size * 8);
  if (floats) v.floats.reserve(v.size);
  else v.ints.reserve(v.size);
  for (std::uint64_t k = 0; k < v.size; ++k) {
    Value e;
    read_fixed(src, v.elem_type, e);
    if (floats) v.floats.push_back(e.f);
    else if (v.elem_type == ValueType::boolean) v.ints.push_back(e.b ? 1 : 0);
    else if (is_unsigned(v.elem_type)) v.ints.push_back(static_cast<std::int64_t>(e.u));
    else v.ints.push_back(e.i);
  }
  return v;
}

std::uint64_t read_alignment(const Header& h) {
  const auto it = h.kv.find("general.alignment");
  if (it == h.kv.end()) return 32;  // GGUF_DEFAULT_ALIGNMENT
  // gguf.cpp accepts general.alignment only as uint32.
  if (it->second.type != ValueType::u32)
    fail(h.path, "general.alignment must be a uint32, not " + std::string(value_type_name(it->second.type)));
  const std::uint64_t a = it->second.u;
  if (a == 0 || (a & (a - 1)) != 0) fail(h.path, "general.alignment " + std::to_string(a) + " is not a power of two");
  if (a > kMaxAlignment)
    fail(h.path, "general.alignment " + std::to_string(a) + " is larger than the limit of " + std::to_string(kMaxAlignment));
  return a;
}

std::string shape(const TensorInfo& t) {
  std::string s = "[";
  for (std::uint32_t j = 0; j < t.n_dims; ++j) s += (j ? ", " : "") + std::to_string(t.ne[j]);
  return s + "]";
}

TensorInfo read_tensor_info(Source& src, const std::string& path, std::uint64_t index) {
  TensorInfo t;
  src.at("tensor info", index);
  const auto len = src.get<std::uint64_t>();
  if (len == 0) fail(path, "tensor info " + std::to_string(index) + " has an empty name");
  if (len > kMaxNameLength)
    fail(path, "tensor info " + std::to_string(index) + " has a name of " + std::to_string(len) +
                   " bytes, longer than ggml's 63 (GGML_MAX_NAME)");
  t.name = src.string(len);
  src.at("tensor", index, t.name);
  const std::string tensor = "tensor " + q(t.name);

  t.n_dims = src.get<std::uint32_t>();
  if (t.n_dims == 0 || t.n_dims > 4)
    fail(path, tensor + " has " + std::to_string(t.n_dims) + " dimensions (ggml tensors have 1 to 4)");
  for (std::uint32_t j = 0; j < t.n_dims; ++j) {
    t.ne[j] = src.get<std::int64_t>();
    if (t.ne[j] < 0) fail(path, tensor + " has a negative size " + std::to_string(t.ne[j]) + " in dimension " + std::to_string(j));
  }
  t.ggml_type = src.get<std::uint32_t>();
  t.offset = src.get<std::uint64_t>();

  std::int64_t n = 1;
  for (std::int64_t d : t.ne)
    if (!mul(n, d, n)) fail(path, tensor + " of shape " + shape(t) + " has more than 2^63-1 elements");
  t.elements = n;

  const std::optional<GgmlType> type = find_ggml_type(t.ggml_type);
  if (!type) {
    const std::string_view removed = removed_ggml_type(t.ggml_type);
    if (!removed.empty())
      fail(path, tensor + " has ggml type " + std::to_string(t.ggml_type) + " (" + std::string(removed) +
                     "), which was removed from ggml; convert the model again");
    fail(path, tensor + " has unknown ggml type " + std::to_string(t.ggml_type));
  }
  if (t.ne[0] % type->block_size != 0)
    fail(path, tensor + " of type " + std::string(type->name) + " has " + std::to_string(t.ne[0]) +
                   " elements per row, not a multiple of the block size " + std::to_string(type->block_size));
  std::int64_t bytes = t.ne[0] / type->block_size;
  bool ok = mul(bytes, type->type_size, bytes);
  for (std::size_t j = 1; ok && j < 4; ++j) ok = mul(bytes, t.ne[j], bytes);
  if (!ok) fail(path, tensor + " of shape " + shape(t) + " and type " + std::string(type->name) + " has more than 2^63-1 bytes");
  t.bytes = bytes;
  return t;
}

[[noreturn]] void wrong_type(const Header& h, std::string_view key, const Value& v, const char* expected) {
  std::string got(value_type_name(v.type));
  if (v.type == ValueType::array) got = "an array of " + std::string(value_type_name(v.elem_type));
  fail(h.path, "key " + q(key) + " is " + got + ", expected " + expected);
}

// An array: nullptr when absent or a single value; refused when of another element type or too long to keep.
const Value* kept_array(const Header& h, std::string_view key, bool (*accepts)(ValueType), const char* expected) {
  const Value* v = h.find(key);
  if (!v || v->type != ValueType::array) return nullptr;
  if (!accepts(v->elem_type)) wrong_type(h, key, *v, expected);
  if (!v->kept)
    fail(h.path, "key " + q(key) + " has " + std::to_string(v->size) + " elements, too many to keep (the limit is " +
                     std::to_string(v->elem_type == ValueType::string ? kMaxKeptStringArray : kMaxKeptArray) + ")");
  return v;
}

std::string part_suffix(std::uint64_t no, std::uint64_t count) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "-%05u-of-%05u.gguf", static_cast<unsigned>(no), static_cast<unsigned>(count));
  return buf;
}

}  // namespace

std::string_view value_type_name(ValueType t) {
  static constexpr std::string_view kNames[] = {"uint8", "int8",   "uint16", "int16",  "uint32", "int32", "float32",
                                                "bool",  "string", "array",  "uint64", "int64",  "float64"};
  const auto i = static_cast<std::uint32_t>(t);
  return i < std::size(kNames) ? kNames[i] : "unknown";
}

Header read_header(const std::string& path) { return read_header(InputFile(path, "the GGUF file")); }

Header read_header(const ByteSource& file) {
  Header h;
  h.path = file.name();
  const std::string& path = h.path;
  Source src(file);
  Budget budget(h.path);
  h.file_size = src.size();

  src.at("the magic");
  char magic[4];
  src.read(magic, 4);
  if (std::memcmp(magic, "GGUF", 4) != 0) {
    std::string shown;
    char hex[8];
    for (unsigned char c : magic) {
      std::snprintf(hex, sizeof hex, "%s%02x", shown.empty() ? "" : " ", c);
      shown += hex;
    }
    fail(path, "not a GGUF file (magic bytes " + shown + ", expected 47 47 55 46 \"GGUF\")");
  }

  src.at("the header");
  h.version = src.get<std::uint32_t>();
  if (h.version != 2 && h.version != 3) {
    const std::string v = "GGUF version " + std::to_string(h.version);
    if (h.version == 1) fail(path, v + " is not supported (llama.cpp dropped it too); convert the model again");
    // A v3 file written on a big-endian host reads as 0x03000000 here (gguf.cpp makes the same guess).
    if (h.version != 0 && (h.version & 0xFFFF) == 0)
      fail(path, v + " looks byte-swapped: big-endian GGUF files are not supported");
    fail(path, v + " is not supported (versions 2 and 3 are)");
  }
  const auto tensor_count = src.get<std::uint64_t>();
  const auto kv_count = src.get<std::uint64_t>();
  if (tensor_count > kMaxTensorCount)
    fail(path, "tensor count " + std::to_string(tensor_count) + " is more than the limit of " + std::to_string(kMaxTensorCount));
  if (kv_count > kMaxKvCount)
    fail(path, "key-value count " + std::to_string(kv_count) + " is more than the limit of " + std::to_string(kMaxKvCount));
  // Both counts are small now, so the products cannot overflow.
  if (kv_count * kMinKvBytes + tensor_count * kMinTensorInfoBytes > src.remaining())
    fail(path, "truncated: the header claims " + std::to_string(kv_count) + " key-value pairs and " + std::to_string(tensor_count) +
                   " tensors, more than the remaining " + std::to_string(src.remaining()) + " bytes can hold");

  for (std::uint64_t i = 0; i < kv_count; ++i) {
    src.at("key-value pair", i);
    const auto len = src.get<std::uint64_t>();
    if (len == 0) fail(path, "key-value pair " + std::to_string(i) + " has an empty key");
    if (len > kMaxKeyLength)
      fail(path, "key-value pair " + std::to_string(i) + " has a key of " + std::to_string(len) +
                     " bytes, longer than the GGUF limit of 65535");
    std::string key = src.string(len);
    if (h.kv.find(key) != h.kv.end()) fail(path, "duplicate key " + q(key));
    src.at("key", i, key);
    Value v = read_value(src, path, key, budget);
    budget.add(sizeof(Value) + 64 + key.size());  // 64: a map node's links and the key's string header
    h.kv.emplace(std::move(key), std::move(v));
  }
  h.alignment = read_alignment(h);

  std::set<std::string, std::less<>> names;
  for (std::uint64_t i = 0; i < tensor_count; ++i) {
    TensorInfo t = read_tensor_info(src, path, i);
    if (!names.insert(t.name).second) fail(path, "duplicate tensor name " + q(t.name));
    if (t.offset % h.alignment != 0)
      fail(path, "tensor " + q(t.name) + " has offset " + std::to_string(t.offset) + ", not a multiple of the alignment " +
                     std::to_string(h.alignment));
    budget.add(sizeof(TensorInfo) + 2 * (64 + t.name.size()));
    h.tensors.push_back(std::move(t));
  }

  // The data section starts at the end of the header padded to the alignment (gguf.cpp); nothing of
  // it is read, but every tensor must lie inside the file, after the one before it: ggml's gguf.cpp
  // refuses data out of order or overlapping (each offset must be the previous end, padded).
  h.data_offset = (src.pos() + h.alignment - 1) / h.alignment * h.alignment;
  const TensorInfo* previous = nullptr;
  std::uint64_t previous_end = 0;  // relative to the data section, padded to the alignment
  for (const TensorInfo& t : h.tensors) {
    if (previous != nullptr && t.offset < previous_end)
      fail(path, "tensor " + q(t.name) + " at data offset " + std::to_string(t.offset) + (t.offset < previous->offset ? " comes before " : " overlaps ") +
                     "tensor " + q(previous->name) + " (offsets " + std::to_string(previous->offset) + " to " + std::to_string(previous_end) +
                     "): tensor data must be in order and must not overlap, as ggml's gguf.cpp requires");
    const std::uint64_t start = h.data_offset + t.offset;
    if (t.offset > kU64Max - h.data_offset || static_cast<std::uint64_t>(t.bytes) > kU64Max - start)
      fail(path, "tensor " + q(t.name) + " has offset " + std::to_string(t.offset) + ", past the end of any file");
    const std::uint64_t end = start + static_cast<std::uint64_t>(t.bytes);
    if (end > h.file_size)
      fail(path, "truncated: tensor " + q(t.name) + " ends at byte " + std::to_string(end) + " but the file has " +
                     std::to_string(h.file_size) + " bytes");
    previous = &t;
    previous_end = (end - h.data_offset + h.alignment - 1) / h.alignment * h.alignment;  // end <= file size: no overflow
  }
  return h;
}

Header read_model(const std::string& path) {
  return read_model(InputFile(path, "the GGUF file"), [](const std::string& part) -> std::unique_ptr<ByteSource> {
    if (!path_exists(part)) return nullptr;
    return std::make_unique<InputFile>(part, "the GGUF file");
  });
}

Header read_model(const ByteSource& file, const PartOpener& open) {
  const std::string& path = file.name();
  Header first = read_header(file);
  const std::optional<std::uint64_t> count = first.get_u64("split.count");
  if (!count || *count <= 1) return first;  // gguf-split writes split.count only when it splits

  if (*count > kMaxSplitCount)
    fail(path, "split.count " + std::to_string(*count) + " is more than the limit of " + std::to_string(kMaxSplitCount));
  const std::optional<std::uint64_t> no = first.get_u64("split.no");
  if (!no) fail(path, "split.count is " + std::to_string(*count) + " but split.no is missing");
  if (*no >= *count) fail(path, "split.no " + std::to_string(*no) + " is not below split.count " + std::to_string(*count));
  const std::string suffix = part_suffix(*no + 1, *count);
  if (path.size() <= suffix.size() || path.compare(path.size() - suffix.size(), suffix.size(), suffix) != 0)
    fail(path, "part " + std::to_string(*no + 1) + " of a split model must be named PREFIX" + suffix +
                   " for its other parts to be found");
  const std::string prefix = path.substr(0, path.size() - suffix.size());

  Header model;
  std::optional<std::int64_t> tensors_count;
  std::set<std::string, std::less<>> names;
  for (std::uint64_t i = 0; i < *count; ++i) {
    const std::string part_path = prefix + part_suffix(i + 1, *count);
    std::unique_ptr<ByteSource> source = i == *no ? nullptr : open(part_path);
    if (i != *no && source == nullptr)
      fail(path, "split part " + std::to_string(i + 1) + " of " + std::to_string(*count) + " is missing: " + part_path);
    Header part = i == *no ? std::move(first) : read_header(*source);

    const std::optional<std::uint64_t> part_count = part.get_u64("split.count");
    const std::optional<std::uint64_t> part_no = part.get_u64("split.no");
    if (part_count != count)
      fail(part_path, "split.count is " + (part_count ? std::to_string(*part_count) : std::string("missing")) +
                          ", expected " + std::to_string(*count) + " as in " + path);
    if (part_no != i)
      fail(part_path, "split.no is " + (part_no ? std::to_string(*part_no) : std::string("missing")) + ", expected " +
                          std::to_string(i));
    const std::optional<std::int64_t> part_tensors = part.get_i64("split.tensors.count");
    if (i == 0) tensors_count = part_tensors;
    else if (part_tensors != tensors_count)
      fail(part_path, "split.tensors.count disagrees with part 1 (" +
                          (part_tensors ? std::to_string(*part_tensors) : std::string("missing")) + " against " +
                          (tensors_count ? std::to_string(*tensors_count) : std::string("missing")) + ")");

    for (TensorInfo& t : part.tensors) {
      if (!names.insert(t.name).second) fail(part_path, "duplicate tensor name " + q(t.name) + " (also in an earlier part)");
      t.split = static_cast<std::uint32_t>(i);
    }
    if (model.tensors.size() + part.tensors.size() > kMaxTensorCount)
      fail(path, "the split model has more than " + std::to_string(kMaxTensorCount) + " tensors");
    if (i == 0) {
      model = std::move(part);  // metadata and path of part 1
    } else {
      model.file_size += part.file_size;
      model.tensors.insert(model.tensors.end(), std::make_move_iterator(part.tensors.begin()),
                           std::make_move_iterator(part.tensors.end()));
    }
  }
  if (tensors_count && *tensors_count != static_cast<std::int64_t>(model.tensors.size()))
    fail(model.path, "split.tensors.count is " + std::to_string(*tensors_count) + " but the parts hold " +
                         std::to_string(model.tensors.size()) + " tensors");
  model.split_count = static_cast<std::uint32_t>(*count);
  return model;
}

const Value* Header::find(std::string_view key) const {
  const auto it = kv.find(key);
  return it == kv.end() ? nullptr : &it->second;
}

std::optional<std::uint64_t> Header::get_u64(std::string_view key) const {
  const Value* v = find(key);
  if (!v) return std::nullopt;
  if (is_unsigned(v->type)) return v->u;
  if (!is_signed(v->type)) wrong_type(*this, key, *v, "an integer");
  if (v->i < 0) fail(path, "key " + q(key) + " is " + std::to_string(v->i) + ", expected a value of at least 0");
  return static_cast<std::uint64_t>(v->i);
}

std::optional<std::int64_t> Header::get_i64(std::string_view key) const {
  const Value* v = find(key);
  if (!v) return std::nullopt;
  if (is_signed(v->type)) return v->i;
  if (!is_unsigned(v->type)) wrong_type(*this, key, *v, "an integer");
  if (v->u > static_cast<std::uint64_t>(kI64Max))
    fail(path, "key " + q(key) + " is " + std::to_string(v->u) + ", more than 2^63-1");
  return static_cast<std::int64_t>(v->u);
}

std::optional<double> Header::get_f64(std::string_view key) const {
  const Value* v = find(key);
  if (!v) return std::nullopt;
  if (is_float(v->type)) return v->f;
  if (is_unsigned(v->type)) return static_cast<double>(v->u);
  if (is_signed(v->type)) return static_cast<double>(v->i);
  wrong_type(*this, key, *v, "a number");
}

std::optional<bool> Header::get_bool(std::string_view key) const {
  const Value* v = find(key);
  if (!v) return std::nullopt;
  if (v->type != ValueType::boolean) wrong_type(*this, key, *v, "a bool");
  return v->b;
}

std::optional<std::string> Header::get_string(std::string_view key) const {
  const Value* v = find(key);
  if (!v) return std::nullopt;
  if (v->type != ValueType::string) wrong_type(*this, key, *v, "a string");
  if (!v->kept)
    fail(path, "key " + q(key) + " is a string of " + std::to_string(v->size) + " bytes, too long to keep (the limit is " +
                   std::to_string(kMaxKeptString) + ")");
  return v->s;
}

std::optional<std::uint64_t> Header::array_count(std::string_view key) const {
  const Value* v = find(key);
  if (!v) return std::nullopt;
  if (v->type != ValueType::array) wrong_type(*this, key, *v, "an array");
  return v->size;
}

std::optional<std::vector<std::int64_t>> Header::int_array(std::string_view key) const {
  const Value* v = kept_array(*this, key, [](ValueType t) { return is_signed(t) || is_unsigned(t) || t == ValueType::boolean; },
                              "an array of integers");
  if (!v) return std::nullopt;
  if (v->elem_type == ValueType::u64)
    for (std::int64_t x : v->ints)
      if (x < 0)
        fail(path, "key " + q(key) + " holds " + std::to_string(static_cast<std::uint64_t>(x)) + ", more than 2^63-1");
  return v->ints;
}

std::optional<std::vector<double>> Header::float_array(std::string_view key) const {
  const Value* v = kept_array(*this, key, is_float, "an array of floats");
  if (!v) return std::nullopt;
  return v->floats;
}

std::optional<std::vector<bool>> Header::bool_array(std::string_view key) const {
  const Value* v = kept_array(*this, key, [](ValueType t) { return t == ValueType::boolean; }, "an array of bools");
  if (!v) return std::nullopt;
  return std::vector<bool>(v->ints.begin(), v->ints.end());
}

std::optional<std::vector<std::string>> Header::string_array(std::string_view key) const {
  const Value* v = kept_array(*this, key, [](ValueType t) { return t == ValueType::string; }, "an array of strings");
  if (!v) return std::nullopt;
  return v->strings;
}

}  // namespace vramfit::io::gguf
