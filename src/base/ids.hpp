// Catalog ids, aliases and Ollama names: what characters they may hold and how long they may be.
// Checked by hand, character by character: std::regex matching recurses once per character in
// libstdc++, and a 100 KB id overflowed the stack (issue 16).
#pragma once

#include <cstddef>
#include <string_view>

namespace vramfit::io {

// Longer ids and names are refused wherever they are read (docs/hardening.md "Limits"). Real ids are
// under 80 bytes; Hugging Face allows 96 for an organisation and 96 for a repository.
inline constexpr std::size_t kMaxIdLength = 256;

// A word of at most max_length bytes whose first character is a letter or digit and whose other
// characters are letters, digits or one of `extra`. `lower` admits only lower-case letters.
constexpr bool is_word(std::string_view s, std::string_view extra, bool lower = false, std::size_t max_length = kMaxIdLength) {
  if (s.empty() || s.size() > max_length) return false;
  auto alnum = [lower](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (!lower && c >= 'A' && c <= 'Z');
  };
  if (!alnum(s.front())) return false;
  for (const char c : s.substr(1))
    if (!alnum(c) && extra.find(c) == std::string_view::npos) return false;
  return true;
}

// Catalog ids and aliases (models, devices, quantizations ...): [A-Za-z0-9][A-Za-z0-9._:/+-]*.
constexpr bool valid_id(std::string_view id) { return is_word(id, "._:/+-"); }
inline constexpr const char* kIdRule = "[A-Za-z0-9][A-Za-z0-9._:/+-]*, at most 256 bytes";

static_assert(valid_id("llama-3.1-8b") && valid_id("hf.co/unsloth/Qwen3-GGUF:Q4_K_M") && valid_id("a"));
static_assert(!valid_id("") && !valid_id("-x") && !valid_id("a b") && !valid_id("a\n"));
static_assert(is_word("30b-a3b", "._-", true) && !is_word("Llama3", "._-", true));

}  // namespace vramfit::io
