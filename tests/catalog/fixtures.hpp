// Helpers shared by the catalog tests: temporary catalog directories written by the tests themselves,
// and small queries over collected diagnostics. No expected values live here.
#pragma once

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "catalog/catalog.hpp"
#include "base/diagnostics.hpp"

namespace vramfit::test {

// A fresh directory under the system temp dir, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("vramfit-catalog-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::string str() const { return path_.string(); }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name, std::ios::binary) << text;
  }

 private:
  std::filesystem::path path_;
};

// Problems whose message contains `needle`.
inline std::vector<io::Problem> matching(const io::Diagnostics& d, const std::string& needle) {
  std::vector<io::Problem> out;
  for (const io::Problem& p : d.problems())
    if (p.message.find(needle) != std::string::npos) out.push_back(p);
  return out;
}

inline std::string all_problems(const io::Diagnostics& d) {
  std::string s;
  for (const io::Problem& p : d.problems()) s += "  " + p.str() + "\n";
  return s.empty() ? std::string("  (none)\n") : s;
}

// Loads one catalog document in collect mode and returns the diagnostics.
inline io::Diagnostics load_collect(io::Catalog& cat, const std::string& file_name, const std::string& display,
                                    const std::string& text) {
  io::Diagnostics d(true);
  io::load_catalog_text(cat, file_name, display, text, d);
  return d;
}

}  // namespace vramfit::test

namespace vramfit::test {

// One catalog document with a single entry, written key by key so that tests know where every key
// lands: "schema_version: 1" is line 1, "<list>:" line 2, the i-th key line 3 + i, every key at column 3
// ("- " or two spaces before it) and its value at column 3 + key length + 2.
using Rows = std::vector<std::pair<std::string, std::string>>;

inline std::string entry_doc(const std::string& list_key, const Rows& rows) {
  std::string s = "schema_version: 1\n" + list_key + ":\n";
  bool first = true;
  for (const auto& [k, v] : rows) {
    s += (first ? "- " : "  ") + k + ": " + v + "\n";
    first = false;
  }
  return s;
}

inline Rows with(Rows rows, const std::string& key, const std::string& value) {
  for (auto& [k, v] : rows)
    if (k == key) {
      v = value;
      return rows;
    }
  rows.emplace_back(key, value);
  return rows;
}

inline Rows without(Rows rows, const std::string& key) {
  std::erase_if(rows, [&](const auto& kv) { return kv.first == key; });
  return rows;
}

inline Rows renamed(Rows rows, const std::string& key, const std::string& new_key) {
  for (auto& kv : rows)
    if (kv.first == key) kv.first = new_key;
  return rows;
}

inline int line_of(const Rows& rows, const std::string& key) {
  for (std::size_t i = 0; i < rows.size(); ++i)
    if (rows[i].first == key) return 3 + static_cast<int>(i);
  return 0;
}

inline int value_column(const std::string& key) { return 3 + static_cast<int>(key.size()) + 2; }

// A tiny dense model whose parameter count is worked out by hand:
//   embeddings 1000 x 64 = 64000, untied output 64000, final norm 64;
//   per layer: norms 2 x 64 = 128, q 64 x 4 x 16 = 4096, k 64 x 2 x 16 = 2048, v 2048, o 4096,
//   gated FFN 3 x 64 x 128 = 24576 -> 36992; two layers 73984. Total 202048.
inline Rows tiny_model() {
  return {{"id", "tiny"},          {"layers", "2"},           {"hidden_size", "64"},
          {"heads", "4"},          {"kv_heads", "2"},         {"head_dim", "16"},
          {"ffn_size", "128"},     {"vocab", "1000"},         {"max_context", "4096"},
          {"params_total_b", "0.000202048"}, {"source", "[hand-written test fixture]"}};
}

// A device whose bandwidth equals bus x data rate: 384 bit / 8 x 21 Gbit/s = 1008 GB/s.
inline Rows tiny_device() {
  return {{"id", "gpu-a"},         {"vendor", "nvidia"},          {"kind", "gpu"},
          {"memory_gib", "24"},    {"memory_bus_bits", "384"},    {"memory_data_rate_gbps", "21"},
          {"memory_bandwidth_gbs", "1008"}, {"source", "[hand-written test fixture]"}};
}

}  // namespace vramfit::test
