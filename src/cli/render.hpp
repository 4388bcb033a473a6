// Output for people (aligned tables, markdown, CSV) and for scripts (versioned canonical JSON).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/text.hpp"
#include "vramfit/units.hpp"

namespace vramfit::cli {

using Json = nlohmann::ordered_json;

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<bool> right;  // right-align a column (numbers)
  [[nodiscard]] std::string text() const;
  [[nodiscard]] std::string markdown() const;
  [[nodiscard]] std::string csv() const;
  // Renders in the requested format ("table", "md", "csv").
  [[nodiscard]] std::string render(const std::string& format) const;
};

struct Style {
  bool on = false;
  [[nodiscard]] std::string green(const std::string& s) const { return on ? "\033[32m" + s + "\033[0m" : s; }
  [[nodiscard]] std::string yellow(const std::string& s) const { return on ? "\033[33m" + s + "\033[0m" : s; }
  [[nodiscard]] std::string red(const std::string& s) const { return on ? "\033[31m" + s + "\033[0m" : s; }
  [[nodiscard]] std::string bold(const std::string& s) const { return on ? "\033[1m" + s + "\033[0m" : s; }
};

// How text output is written: colour, --explain (every assumption and the detail lines) and the
// width prose lines wrap to (0: no wrapping, for pipes and files).
struct TextOptions {
  Style style;
  bool explain = false;
  int columns = 0;
};

// Display width of UTF-8 text without ANSI colour sequences.
std::size_t display_width(const std::string& s);

// Each line of `text` wider than `columns` broken at spaces, the continuation lines indented by
// `indent` spaces; a word wider than the line stays whole. columns 0 leaves the text as it is.
std::string wrap(const std::string& text, int columns, int indent = 2);

using engine::gb_str;
using engine::size_str;

// {"schema_version": 1, "kind": kind}
Json json_document(const std::string& kind);
std::string dump(const Json& j);

}  // namespace vramfit::cli
