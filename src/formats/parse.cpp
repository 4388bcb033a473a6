#include "formats/parse.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <sstream>

#include "base/diagnostics.hpp"

namespace vramfit::io {
namespace {

struct NumberAndUnit {
  double value = 0;
  std::string unit;  // lowercased, spaces removed
  bool ok = false;
};

NumberAndUnit split(const std::string& text) {
  NumberAndUnit r;
  std::string s;
  for (char c : text)
    if (!std::isspace(static_cast<unsigned char>(c))) s += c;
  if (s.empty()) return r;
  const char* b = s.data();
  const char* e = s.data() + s.size();
  auto [p, ec] = std::from_chars(b, e, r.value);
  if (ec != std::errc() || p == b || !std::isfinite(r.value)) return r;
  for (const char* q = p; q != e; ++q) r.unit += static_cast<char>(std::tolower(static_cast<unsigned char>(*q)));
  r.ok = true;
  return r;
}


[[noreturn]] void bad(const std::string& what, const std::string& text, const std::string& expected) {
  throw InputError("invalid " + what + " " + quote_cut(text) + ": expected " + expected);
}

std::int64_t checked_round(double v, const std::string& what, const std::string& text, double max, bool allow_zero = false) {
  if (v < 0 || (v == 0 && !allow_zero)) bad(what, text, "a positive value");
  if (v > max) throw InputError(what + " " + quote_cut(text) + " is absurdly large");
  const auto r = static_cast<std::int64_t>(std::llround(v));
  if (r == 0 && !allow_zero) bad(what, text, "at least one byte");
  return r;
}

}  // namespace

Bytes parse_size(const std::string& text, const std::string& what, bool allow_zero) {
  const NumberAndUnit n = split(text);
  const char* expected = "a size with a unit, e.g. 24GB, 24GiB, 512MiB";
  if (!n.ok) bad(what, text, expected);
  static const std::pair<const char*, double> units[] = {
      {"b", 1},           {"kb", 1024.0},       {"mb", 1048576.0},    {"gb", 1073741824.0}, {"tb", 1099511627776.0},
      {"kib", 1024.0},    {"mib", 1048576.0},   {"gib", 1073741824.0}, {"tib", 1099511627776.0},
      {"k", 1024.0},      {"m", 1048576.0},     {"g", 1073741824.0},  {"t", 1099511627776.0}};
  for (const auto& [u, mult] : units)
    if (n.unit == u) return Bytes(checked_round(n.value * mult, what, text, 1e18, allow_zero));
  bad(what, text, expected);
}

std::int64_t parse_tokens(const std::string& text, const std::string& what, bool allow_zero) {
  const NumberAndUnit n = split(text);
  const char* expected = "a token count, e.g. 32768, 128k or 1M";
  if (!n.ok) bad(what, text, expected);
  double mult = 0;
  if (n.unit.empty()) mult = 1;
  else if (n.unit == "k") mult = 1024;
  else if (n.unit == "m") mult = 1048576;
  else bad(what, text, expected);
  const double v = n.value * mult;
  if (v != std::floor(v)) bad(what, text, "a whole number of tokens");
  return checked_round(v, what, text, 1e15, allow_zero);
}

BytesPerSecond parse_bandwidth(const std::string& text, const std::string& what) {
  const NumberAndUnit n = split(text);
  const char* expected = "a bandwidth with a unit, e.g. 90GB/s";
  if (!n.ok) bad(what, text, expected);
  static const std::pair<const char*, double> units[] = {
      {"mb/s", 1e6}, {"gb/s", 1e9}, {"tb/s", 1e12}, {"gib/s", 1073741824.0}, {"mib/s", 1048576.0}};
  for (const auto& [u, mult] : units)
    if (n.unit == u) {
      if (n.value <= 0) bad(what, text, "a positive bandwidth");
      if (n.value * mult > 1e15) throw InputError(what + " " + quote_cut(text) + " is absurdly large");
      return BytesPerSecond(n.value * mult);
    }
  bad(what, text, expected);
}

std::optional<double> parse_decimal(const std::string& text, double lo, double hi) {
  const NumberAndUnit n = split(text);
  if (!n.ok || !n.unit.empty() || n.value < lo || n.value > hi) return std::nullopt;
  return n.value;
}

double parse_amount(const std::string& text, const std::string& what, bool allow_zero) {
  const std::optional<double> v = parse_decimal(text, 0, 1e12);
  if (!v || (!allow_zero && *v == 0))
    throw InputError(what + " '" + text + "': expected a " + (allow_zero ? "non-negative" : "positive") + " number");
  return *v;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

std::int64_t parse_count(const std::string& text, const std::string& what, std::int64_t lo, std::int64_t hi) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || text.empty())
    throw InputError("invalid " + what + " " + quote_cut(text) + ": expected an integer");
  if (v < lo || v > hi)
    throw InputError(what + " " + text + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return v;
}

}  // namespace vramfit::io
