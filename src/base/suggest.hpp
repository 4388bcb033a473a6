// "Did you mean ...?": the nearest candidate by edit distance, same family first, for unknown ids and keys.
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

namespace vramfit::io {

inline std::string to_lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Case-insensitive Levenshtein distance; `row` is scratch space, reused across calls by nearest().
inline std::size_t edit_distance(std::string_view a, std::string_view b, std::vector<std::size_t>& row) {
  row.resize(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    const int ca = std::tolower(static_cast<unsigned char>(a[i - 1]));
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      const bool same = ca == std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (same ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

inline std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row;
  return edit_distance(a, b, row);
}

// Separators between the words of an id ("qwen3-30b-a3b", "meta-llama/Llama-3.1-8B", "memory_gib").
inline bool word_separator(char c) { return c == '-' || c == '_' || c == '.' || c == '/' || c == ':' || c == ' '; }

// Whether `input` is `candidate` cut at a word boundary ("qwen3-30b" of "qwen3-30b-a3b"), ignoring case:
// the candidate is of the family the input names.
inline bool starts_family(std::string_view input, std::string_view candidate) {
  if (input.empty() || candidate.size() <= input.size() || !word_separator(candidate[input.size()])) return false;
  return edit_distance(input, candidate.substr(0, input.size())) == 0;
}

// How many leading words two ids share ("qwen3-32b" and "qwen3-30b-a3b": 1), ignoring case.
inline std::size_t shared_words(std::string_view a, std::string_view b) {
  std::size_t words = 0, i = 0;
  for (;; ++i) {
    const bool end_a = i == a.size() || word_separator(a[i]), end_b = i == b.size() || word_separator(b[i]);
    if (end_a || end_b) {
      if (end_a != end_b) return words;
      ++words;
      if (i == a.size() || i == b.size() || a[i] != b[i]) return words;
      continue;
    }
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return words;
  }
}

// Nearest candidate, or "" when nothing is reasonably close (distance above ~40 % of the length, at
// least 2). The typed family first: candidates the input is a word-boundary prefix of ("qwen3-30b" ->
// qwen3-30b-a3b, not the 1-edit qwen3-32b), the nearest of them as a whole. Otherwise the smallest edit
// distance; on a tie the candidate sharing more leading words, then the earlier one.
inline std::string nearest(std::string_view input, const std::vector<std::string>& candidates) {
  const std::size_t limit = std::max<std::size_t>(2, (input.size() * 2 + 4) / 5);
  const std::string* best = nullptr;
  bool best_family = false;
  std::size_t best_d = limit + 1, best_words = 0;  // only a candidate within the limit can be the answer
  std::vector<std::size_t> row;
  for (const std::string& c : candidates) {
    const bool family = starts_family(input, c);
    if (best_family && !family) continue;
    // The length difference bounds the distance from below: such a candidate cannot be nearer.
    const std::size_t gap = c.size() > input.size() ? c.size() - input.size() : input.size() - c.size();
    if (best_family == family && gap > best_d) continue;
    const std::size_t d = edit_distance(input, c, row);
    if (!family && d > limit) continue;
    const std::size_t words = shared_words(input, c);
    if (family != best_family || d < best_d || (d == best_d && words > best_words))
      best = &c, best_family = family, best_d = d, best_words = words;
  }
  return best != nullptr ? *best : std::string();
}

inline std::string did_you_mean(std::string_view input, const std::vector<std::string>& candidates) {
  const std::string n = nearest(input, candidates);
  return n.empty() ? std::string() : " (did you mean '" + n + "'?)";
}

}  // namespace vramfit::io
