#include "cli/render.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>
#include <utility>

#include <fmt/format.h>

namespace vramfit::cli {
namespace {

std::size_t width(const std::string& s) {
  std::size_t w = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == 0x1b) {
      while (i < s.size() && s[i] != 'm') ++i;
      continue;
    }
    if ((c & 0xC0) != 0x80) ++w;
  }
  return w;
}

std::string pad(const std::string& s, std::size_t w, bool right) {
  const std::size_t n = width(s);
  const std::string fill(w > n ? w - n : 0, ' ');
  return right ? fill + s : s + fill;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// CSV is for programs: a column whose every value is a size ("4.30 GiB", "932.8 MiB") becomes GiB
// numbers, a price column ("$1,898") USD numbers, a parameter count ("35.1B") billions; the header
// names the unit. "?" and "-" (not known, not applicable) become empty cells.
bool placeholder(const std::string& v) { return v.empty() || v == "?" || v == "-"; }

std::optional<double> number_prefix(const std::string& v, std::size_t& used) {
  std::string digits;
  for (char c : v) {
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') digits += c;
    else if (c != ',') break;
    ++used;
  }
  if (digits.empty() || digits == ".") return std::nullopt;
  try {
    return std::stod(digits);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<double> size_gib(const std::string& v) {
  std::size_t used = 0;
  const auto n = number_prefix(v, used);
  if (!n) return std::nullopt;
  static const std::pair<const char*, double> units[] = {
      {" B", 1.0 / (1024.0 * 1024 * 1024)}, {" KiB", 1.0 / (1024.0 * 1024)}, {" MiB", 1.0 / 1024}, {" GiB", 1.0}, {" TiB", 1024.0}};
  for (const auto& [unit, f] : units)
    if (v.substr(used) == unit) return *n * f;
  return std::nullopt;
}

std::optional<double> price_usd(const std::string& v) {
  if (v.size() < 2 || v[0] != '$') return std::nullopt;
  std::size_t used = 0;
  const auto n = number_prefix(v.substr(1), used);
  return n && used == v.size() - 1 ? n : std::nullopt;
}

std::optional<double> billions(const std::string& v) {
  std::size_t used = 0;
  const auto n = number_prefix(v, used);
  return n && used + 1 == v.size() && v.back() == 'B' ? n : std::nullopt;
}

}  // namespace

std::size_t display_width(const std::string& s) { return width(s); }

std::string wrap(const std::string& text, int columns, int indent) {
  if (columns <= 0) return text;
  const auto limit = static_cast<std::size_t>(columns);
  std::string out;
  for (std::size_t a = 0; a < text.size();) {
    std::size_t e = text.find('\n', a);
    const bool newline = e != std::string::npos;
    if (!newline) e = text.size();
    std::string line = text.substr(a, e - a);
    a = e + 1;
    std::string lead;  // a continuation starts after `indent` spaces
    while (width(line) + lead.size() > limit) {
      // The last space that keeps the piece within the limit, past the line's own indentation.
      std::size_t body = line.find_first_not_of(' ');
      if (body == std::string::npos) break;
      std::size_t cut = std::string::npos;
      for (std::size_t i = body; i < line.size(); ++i)
        if (line[i] == ' ' && width(line.substr(0, i)) + lead.size() <= limit) cut = i;
      if (cut == std::string::npos) break;  // one long word: leave it
      out += lead + line.substr(0, cut) + "\n";
      line = line.substr(line.find_first_not_of(' ', cut) == std::string::npos ? line.size() : line.find_first_not_of(' ', cut));
      lead.assign(static_cast<std::size_t>(indent), ' ');
    }
    out += lead + line;
    if (newline) out += "\n";
  }
  return out;
}

std::string Table::text() const {
  std::vector<std::size_t> w(header.size(), 0);
  for (std::size_t c = 0; c < header.size(); ++c) w[c] = width(header[c]);
  for (const auto& r : rows)
    for (std::size_t c = 0; c < r.size() && c < w.size(); ++c) w[c] = std::max(w[c], width(r[c]));
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t c = 0; c < cells.size() && c < w.size(); ++c) {
      const bool last = c + 1 == cells.size();
      const bool r = c < right.size() && right[c];
      out += last && !r ? cells[c] : pad(cells[c], w[c], r);
      if (!last) out += "  ";
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(header);
  for (const auto& r : rows) out += line(r);
  return out;
}

std::string Table::markdown() const {
  std::string out = "|";
  for (const auto& h : header) out += " " + h + " |";
  out += "\n|";
  for (std::size_t c = 0; c < header.size(); ++c) out += (c < right.size() && right[c]) ? "---:|" : "---|";
  out += "\n";
  for (const auto& r : rows) {
    out += "|";
    for (const auto& cell : r) out += " " + cell + " |";
    out += "\n";
  }
  return out;
}

std::string Table::csv() const {
  using Conv = std::optional<double> (*)(const std::string&);
  struct Unit {
    Conv conv;
    const char* name;
  };
  static const Unit units[] = {{size_gib, "GiB"}, {price_usd, "USD"}, {billions, "billions"}};
  std::vector<const Unit*> column(header.size(), nullptr);
  for (std::size_t c = 0; c < header.size(); ++c)
    for (const Unit& u : units) {
      bool all = true, any = false;
      for (const auto& r : rows) {
        if (c >= r.size() || placeholder(r[c])) continue;
        any = true;
        all = all && u.conv(r[c]).has_value();
      }
      if (any && all) {
        column[c] = &u;
        break;
      }
    }
  std::string out;
  for (std::size_t c = 0; c < header.size(); ++c)
    out += (c ? "," : "") + csv_field(column[c] ? header[c] + " (" + column[c]->name + ")" : header[c]);
  out += "\n";
  for (const auto& r : rows) {
    for (std::size_t c = 0; c < r.size(); ++c) {
      std::string v = r[c];
      if (c < column.size() && column[c]) v = placeholder(v) ? std::string() : fmt::format("{:.6g}", *column[c]->conv(v));
      out += (c ? "," : "") + csv_field(v);
    }
    out += "\n";
  }
  return out;
}

std::string Table::render(const std::string& format) const {
  if (format == "md") return markdown();
  if (format == "csv") return csv();
  return text();
}

Json json_document(const std::string& kind) {
  Json j;
  j["schema_version"] = 1;
  j["kind"] = kind;
  return j;
}

// Text from files (a GGUF general.name, a tensor name) may be any bytes; llama.cpp loads such files.
// Invalid UTF-8 is written as U+FFFD instead of failing the whole document.
std::string dump(const Json& j) { return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n"; }

}  // namespace vramfit::cli
