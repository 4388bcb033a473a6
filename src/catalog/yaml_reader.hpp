// Strict, located reading of YAML catalog entries: every key must be known, every value typed and
// in range, and every problem names file:line:column.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "base/diagnostics.hpp"

namespace vramfit::io {

// Parses a whole document; malformed YAML is an InputError with its location.
YAML::Node parse_yaml(const std::string& text, const std::string& file);

Location location_of(const YAML::Mark& mark, const std::string& file);  // 1-based; 0 where unknown
Location location_of(const YAML::Node& node, const std::string& file);

class Entry {
 public:
  Entry(YAML::Node node, std::string file, Diagnostics& diag, std::vector<std::string> allowed);

  [[nodiscard]] bool has(const std::string& key) const;
  std::string str(const std::string& key, bool required = false, const std::string& def = "");
  std::int64_t integer(const std::string& key, std::int64_t lo, std::int64_t hi, bool required = false,
                       std::int64_t def = 0);
  double number(const std::string& key, double lo, double hi, bool required = false, double def = 0);
  bool boolean(const std::string& key, bool def = false);
  std::vector<std::string> strings(const std::string& key);
  std::vector<double> numbers(const std::string& key, double lo, double hi);
  YAML::Node child(const std::string& key);
  [[nodiscard]] Location loc() const { return location_of(node_, file_); }
  [[nodiscard]] Location loc(const std::string& key) const;
  void problem(const std::string& key, const std::string& message);
  // Reports keys that are not in the allowed list (with the nearest allowed key).
  void finish();
  [[nodiscard]] const std::string& file() const { return file_; }
  [[nodiscard]] Diagnostics& diagnostics() { return diag_; }

 private:
  YAML::Node value(const std::string& key, bool required);
  YAML::Node node_;
  std::string file_;
  Diagnostics& diag_;
  std::vector<std::string> allowed_;
};

}  // namespace vramfit::io
