#include "catalog/yaml_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <yaml-cpp/depthguard.h>

#include "base/suggest.hpp"

namespace vramfit::io {

YAML::Node parse_yaml(const std::string& text, const std::string& file) {
  try {
    return YAML::Load(text);
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp stops at 2000 nested collections (depthguard.h) but calls it "bad file".
    throw InputError(location_of(e.mark, file).str() + ": malformed YAML: nested deeper than " + std::to_string(e.depth()) + " levels");
  } catch (const YAML::Exception& e) {
    throw InputError(location_of(e.mark, file).str() + ": malformed YAML: " + e.msg);
  }
}

Location location_of(const YAML::Mark& mark, const std::string& file) {
  return Location{file, mark.line >= 0 ? mark.line + 1 : 0, mark.column >= 0 ? mark.column + 1 : 0};
}

Location location_of(const YAML::Node& node, const std::string& file) { return location_of(node.Mark(), file); }

Entry::Entry(YAML::Node node, std::string file, Diagnostics& diag, std::vector<std::string> allowed)
    : node_(std::move(node)), file_(std::move(file)), diag_(diag), allowed_(std::move(allowed)) {
  if (!node_.IsMap()) diag_.report(loc(), "expected a mapping (key: value entries)");
}

bool Entry::has(const std::string& key) const {
  if (!node_.IsMap()) return false;
  const YAML::Node v = node_[key];
  return v.IsDefined() && !v.IsNull();
}

Location Entry::loc(const std::string& key) const {
  if (node_.IsMap())
    for (auto it = node_.begin(); it != node_.end(); ++it)
      if (it->first.Scalar() == key) return location_of(it->second, file_);
  return loc();
}

void Entry::problem(const std::string& key, const std::string& message) {
  diag_.report(loc(key), key.empty() ? message : "'" + key + "': " + message);
}

YAML::Node Entry::value(const std::string& key, bool required) {
  if (!has(key)) {
    if (required) {
      std::vector<std::string> present;
      if (node_.IsMap())
        for (auto it = node_.begin(); it != node_.end(); ++it) present.push_back(it->first.Scalar());
      const std::string near = nearest(key, present);
      diag_.report(loc(), "missing required key '" + key + "'" + (near.empty() || near == key ? "" : " (found '" + near + "': a typo?)"));
    }
    return YAML::Node();
  }
  return node_[key];
}

std::string Entry::str(const std::string& key, bool required, const std::string& def) {
  const YAML::Node v = value(key, required);
  if (!v.IsDefined() || v.IsNull()) return def;
  if (!v.IsScalar()) {
    problem(key, "expected a text value");
    return def;
  }
  return v.Scalar();
}

namespace {
bool parse_double(const std::string& s, double& out) {
  const char* b = s.data();
  const char* e = s.data() + s.size();
  auto [p, ec] = std::from_chars(b, e, out);
  return ec == std::errc() && p == e && std::isfinite(out);
}
}  // namespace

std::int64_t Entry::integer(const std::string& key, std::int64_t lo, std::int64_t hi, bool required,
                            std::int64_t def) {
  const YAML::Node v = value(key, required);
  if (!v.IsDefined() || v.IsNull()) return def;
  std::int64_t out = 0;
  const std::string s = v.IsScalar() ? v.Scalar() : std::string();
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (!v.IsScalar() || ec != std::errc() || p != s.data() + s.size()) {
    problem(key, "expected an integer, got '" + s + "'");
    return def;
  }
  if (out < lo || out > hi) {
    problem(key, std::to_string(out) + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return def;
  }
  return out;
}

double Entry::number(const std::string& key, double lo, double hi, bool required, double def) {
  const YAML::Node v = value(key, required);
  if (!v.IsDefined() || v.IsNull()) return def;
  double out = 0;
  const std::string s = v.IsScalar() ? v.Scalar() : std::string();
  if (!v.IsScalar() || !parse_double(s, out)) {
    problem(key, "expected a number, got '" + s + "'");
    return def;
  }
  if (out < lo || out > hi) {
    problem(key, s + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return def;
  }
  return out;
}

bool Entry::boolean(const std::string& key, bool def) {
  const YAML::Node v = value(key, false);
  if (!v.IsDefined() || v.IsNull()) return def;
  const std::string s = v.IsScalar() ? v.Scalar() : std::string();
  if (s == "true") return true;
  if (s == "false") return false;
  problem(key, "expected true or false, got '" + s + "'");
  return def;
}

std::vector<std::string> Entry::strings(const std::string& key) {
  std::vector<std::string> out;
  const YAML::Node v = value(key, false);
  if (!v.IsDefined() || v.IsNull()) return out;
  if (v.IsScalar()) return {v.Scalar()};
  if (!v.IsSequence()) {
    problem(key, "expected a list");
    return out;
  }
  for (const YAML::Node& item : v) {
    if (!item.IsScalar()) {
      diag_.report(location_of(item, file_), "'" + key + "': expected text items");
      continue;
    }
    out.push_back(item.Scalar());
  }
  return out;
}

std::vector<double> Entry::numbers(const std::string& key, double lo, double hi) {
  std::vector<double> out;
  for (const std::string& s : strings(key)) {
    double d = 0;
    if (!parse_double(s, d) || d < lo || d > hi) {
      problem(key, "'" + s + "' is not a number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
      continue;
    }
    out.push_back(d);
  }
  return out;
}

YAML::Node Entry::child(const std::string& key) { return value(key, false); }

void Entry::finish() {
  if (!node_.IsMap()) return;
  std::vector<std::string> seen;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    const std::string key = it->first.Scalar();
    // yaml-cpp keeps both copies of a repeated key and lookups return the first: say so.
    if (std::find(seen.begin(), seen.end(), key) != seen.end())
      diag_.report(location_of(it->first, file_), "key '" + key + "' appears twice in this entry");
    seen.push_back(key);
    bool ok = false;
    for (const std::string& a : allowed_) ok |= a == key;
    if (!ok)
      diag_.report(location_of(it->first, file_), "unknown key '" + key + "'" + did_you_mean(key, allowed_));
  }
}

}  // namespace vramfit::io
