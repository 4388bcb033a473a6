// Helpers of the Hugging Face tests: temporary directories and safetensors files written with a
// real header and sparse (never written) data, so multi-GiB tensors cost no disk.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "base/diagnostics.hpp"

namespace vramfit::test {

namespace fs = std::filesystem;

// The message of the InputError `f` throws, or "no error".
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const io::InputError& e) {
    return e.what();
  }
  return "no error";
}

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("vramfit_hf_" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] std::string str() const { return path_.string(); }
  [[nodiscard]] std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

inline void write_text(const std::string& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary);
  out << text;
}

// 8-byte little-endian length, the header JSON, then `data_bytes` of sparse zeros.
inline void write_safetensors(const std::string& file, const std::string& header, std::uint64_t data_bytes,
                              std::uint64_t declared_length = UINT64_MAX) {
  const std::uint64_t n = declared_length == UINT64_MAX ? header.size() : declared_length;
  {
    std::ofstream out(file, std::ios::binary);
    for (int i = 0; i < 8; ++i) out.put(static_cast<char>((n >> (8 * i)) & 0xff));
    out << header;
  }
  fs::resize_file(file, 8 + header.size() + data_bytes);
}

// Runs `fn`, expects an InputError whose message starts with `file` and contains `needle`.
template <class Fn>
void expect_input_error(Fn fn, const std::string& file, const std::string& needle) {
  try {
    fn();
    ADD_FAILURE() << "no InputError (expected one containing '" << needle << "')";
  } catch (const io::InputError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind(file, 0), 0u) << what;
    EXPECT_NE(what.find(needle), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << "not one line: " << what;
  }
}

}  // namespace vramfit::test
