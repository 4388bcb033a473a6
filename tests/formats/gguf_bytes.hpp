// GGUF files byte by byte for the reader tests: valid files come from tests/gguf/gguf_writer.hpp,
// files that lie or break a rule from Raw, which writes any field with any value. Also a temporary
// directory per test that removes itself.
#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace vramfit::gguf_test {

// Little-endian fields appended in the order they are called.
struct Raw {
  std::string b;

  template <class T>
  Raw& put(T v) {
    char c[sizeof(T)];
    std::memcpy(c, &v, sizeof(T));
    b.append(c, sizeof(T));
    return *this;
  }
  Raw& u8(std::uint8_t v) { return put(v); }
  Raw& u32(std::uint32_t v) { return put(v); }
  Raw& u64(std::uint64_t v) { return put(v); }
  Raw& i64(std::int64_t v) { return put(v); }
  Raw& str(std::string_view s) {
    u64(s.size());
    b.append(s);
    return *this;
  }
  Raw& bytes(std::string_view s) {
    b.append(s);
    return *this;
  }

  // "GGUF", version, tensor count, key-value count.
  Raw& start(std::uint64_t n_tensors, std::uint64_t n_kv, std::uint32_t version = 3) {
    return bytes("GGUF").u32(version).u64(n_tensors).u64(n_kv);
  }
  // A key and its value type id; the value follows.
  Raw& key(std::string_view k, std::uint32_t type) { return str(k).u32(type); }
  Raw& kv_u32(std::string_view k, std::uint32_t v) { return key(k, 4).u32(v); }
  Raw& kv_string(std::string_view k, std::string_view v) { return key(k, 8).str(v); }
  // A key holding an array: element type and count; the elements follow.
  Raw& array(std::string_view k, std::uint32_t elem, std::uint64_t n) { return key(k, 9).u32(elem).u64(n); }
  Raw& tensor(std::string_view name, const std::vector<std::int64_t>& ne, std::uint32_t type, std::uint64_t offset) {
    str(name).u32(static_cast<std::uint32_t>(ne.size()));
    for (std::int64_t n : ne) i64(n);
    return u32(type).u64(offset);
  }
  Raw& pad(std::size_t align = 32) {
    b.resize((b.size() + align - 1) / align * align, '\0');
    return *this;
  }
};

// A fresh directory under the system temp directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("vramfit_formats_test_" + std::to_string(rd()) + "_" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] std::string file(const std::string& name) const { return (path_ / name).string(); }

  // Writes bytes, then extends the file to `size` (a hole) when it is larger.
  std::string write(const std::string& name, std::string_view bytes, std::uint64_t size = 0) const {
    const std::string p = file(name);
    {
      std::ofstream f(p, std::ios::binary | std::ios::trunc);
      f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      if (!f) throw std::runtime_error("cannot write " + p);
    }
    if (size > bytes.size()) std::filesystem::resize_file(p, size);
    return p;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace vramfit::gguf_test
