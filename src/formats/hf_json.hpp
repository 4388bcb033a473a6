// Bounded reading of JSON objects from Hugging Face files: every accessor names the file and the
// key path in its error ("config.json: text_config.hidden_size: expected an integer ...").
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/diagnostics.hpp"
#include "base/input_file.hpp"

namespace vramfit::io::hf {

using Json = nlohmann::json;

[[noreturn]] inline void fail(const std::string& file, const std::string& message) {
  throw InputError(file + ": " + message);
}

// Real configs nest 4 levels deep; a file of a million '[' would cost a million nested values.
inline constexpr int kMaxJsonDepth = 64;

// Throws when brackets nest deeper than kMaxJsonDepth (strings skipped), before any value is built.
inline void check_json_depth(std::string_view text, const std::string& file, std::uint64_t byte_offset = 0) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth)
        fail(file, "invalid JSON at byte " + std::to_string(byte_offset + i + 1) + ": nested deeper than " +
                       std::to_string(kMaxJsonDepth) + " levels");
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
}

// "FILE: invalid JSON at byte N: <what nlohmann says>", one line.
inline Json parse_json(std::string_view text, const std::string& file) {
  check_json_depth(text, file);
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    std::string why = e.what();
    const std::size_t col = why.find("column ");
    const std::size_t colon = col == std::string::npos ? std::string::npos : why.find(": ", col);
    if (colon != std::string::npos) why = why.substr(colon + 2);
    for (char& c : why)
      if (c == '\n' || c == '\r') c = ' ';
    fail(file, "invalid JSON at byte " + std::to_string(e.byte) + ": " + why);
  } catch (const Json::out_of_range&) {
    // nlohmann refuses a number past double range (1e400) with out_of_range 406, not a parse_error.
    fail(file, "invalid JSON: a number out of range (beyond a 64-bit float)");
  }
}

// One JSON object with the path that leads to it, for error messages.
class Obj {
 public:
  Obj(const Json& j, std::string file, std::string prefix = {}) : j_(j), file_(std::move(file)), prefix_(std::move(prefix)) {
    if (!j_.is_object()) fail(file_, (prefix_.empty() ? std::string("top level") : prefix_.substr(0, prefix_.size() - 1)) +
                                         ": expected a JSON object");
  }
  [[nodiscard]] const std::string& file() const { return file_; }
  [[nodiscard]] std::string where(std::string_view key) const { return prefix_ + std::string(key); }
  [[nodiscard]] bool has(std::string_view key) const {
    auto it = j_.find(key);
    return it != j_.end() && !it->is_null();
  }
  [[nodiscard]] const Json* get(std::string_view key) const {
    auto it = j_.find(key);
    return it == j_.end() || it->is_null() ? nullptr : &*it;
  }
  [[noreturn]] void problem(std::string_view key, const std::string& message) const { fail(file_, where(key) + ": " + message); }

  [[nodiscard]] std::int64_t integer(std::string_view key, std::int64_t lo, std::int64_t hi) const {
    const Json* v = get(key);
    if (v == nullptr) problem(key, "missing");
    return to_int(*v, key, lo, hi);
  }
  [[nodiscard]] std::int64_t integer_or(std::string_view key, std::int64_t def, std::int64_t lo, std::int64_t hi) const {
    const Json* v = get(key);
    return v == nullptr ? def : to_int(*v, key, lo, hi);
  }
  [[nodiscard]] double number_or(std::string_view key, double def) const {
    const Json* v = get(key);
    if (v == nullptr) return def;
    if (!v->is_number()) problem(key, "expected a number");
    const double d = v->get<double>();
    if (!std::isfinite(d)) problem(key, "expected a finite number");
    return d;
  }
  [[nodiscard]] bool boolean_or(std::string_view key, bool def) const {
    const Json* v = get(key);
    if (v == nullptr) return def;
    if (!v->is_boolean()) problem(key, "expected true or false");
    return v->get<bool>();
  }
  [[nodiscard]] std::string string_or(std::string_view key, const std::string& def = {}) const {
    const Json* v = get(key);
    if (v == nullptr) return def;
    if (!v->is_string()) problem(key, "expected a string");
    return v->get<std::string>();
  }
  [[nodiscard]] std::vector<std::string> strings(std::string_view key, std::size_t max_count) const {
    std::vector<std::string> out;
    const Json* v = get(key);
    if (v == nullptr) return out;
    if (!v->is_array() || v->size() > max_count) problem(key, "expected a list of at most " + std::to_string(max_count) + " strings");
    for (const Json& x : *v) {
      if (!x.is_string()) problem(key, "expected a list of strings");
      out.push_back(x.get<std::string>());
    }
    return out;
  }
  [[nodiscard]] std::vector<std::int64_t> integers(std::string_view key, std::size_t max_count, std::int64_t lo,
                                                   std::int64_t hi) const {
    std::vector<std::int64_t> out;
    const Json* v = get(key);
    if (v == nullptr) return out;
    if (!v->is_array() || v->size() > max_count) problem(key, "expected a list of at most " + std::to_string(max_count) + " integers");
    for (const Json& x : *v) out.push_back(to_int(x, key, lo, hi));
    return out;
  }
  [[nodiscard]] Obj child(std::string_view key) const {
    const Json* v = get(key);
    if (v == nullptr) problem(key, "missing");
    return Obj(*v, file_, prefix_ + std::string(key) + ".");
  }

 private:
  std::int64_t to_int(const Json& v, std::string_view key, std::int64_t lo, std::int64_t hi) const {
    const std::string range = "expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
    std::string shown = v.dump(-1, ' ', false, Json::error_handler_t::replace);
    if (shown.size() > 40) shown = shown.substr(0, 40) + "...";
    if (v.is_number_integer() || v.is_number_unsigned()) {
      if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(hi))
        problem(key, range + ", got " + shown);
      const std::int64_t x = v.get<std::int64_t>();
      if (x < lo || x > hi) problem(key, range + ", got " + shown);
      return x;
    }
    if (v.is_number_float()) {  // some writers emit 4096.0
      const double d = v.get<double>();
      if (std::isfinite(d) && d == std::floor(d) && d >= double(lo) && d <= double(hi)) return static_cast<std::int64_t>(d);
    }
    problem(key, range + ", got " + shown);
  }

  const Json& j_;
  std::string file_;
  std::string prefix_;
};

}  // namespace vramfit::io::hf
