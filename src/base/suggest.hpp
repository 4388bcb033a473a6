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

// How far `input` is from `candidate` read as a family: the edit distance to the nearest of the
// candidate's word-boundary prefixes ("qwen3", "qwen3-30b", "qwen3-30b-a3b"), the whole candidate
// included. One pass of the edit-distance table gives every prefix: after the last input character,
// row[j] is the distance to candidate[0, j). Sets `whole` to the distance to the whole candidate.
inline std::size_t family_distance(std::string_view input, std::string_view candidate, std::vector<std::size_t>& row,
                                   std::size_t& whole) {
  whole = edit_distance(input, candidate, row);
  std::size_t best = whole;
  for (std::size_t j = 1; j < candidate.size(); ++j)
    if (word_separator(candidate[j]) && !word_separator(candidate[j - 1])) best = std::min(best, row[j]);
  return best;
}

// Nearest candidate, or "" when nothing is reasonably close (distance above ~40 % of the length, at
// least 2). Candidates of the typed family come first: the distance that ranks them is the one to the
// nearest word-boundary prefix (family_distance), so "qwen3-30b" names "qwen3-30b-a3b" (a prefix, 0)
// before "qwen3-32b" (1 edit); ties go to the nearer whole candidate, then the earlier one.
inline std::string nearest(std::string_view input, const std::vector<std::string>& candidates) {
  const std::size_t limit = std::max<std::size_t>(2, (input.size() * 2 + 4) / 5);
  const std::string* best = nullptr;
  std::size_t best_d = limit + 1, best_whole = 0;  // only a candidate within the limit can be the answer
  std::vector<std::size_t> row;
  for (const std::string& c : candidates) {
    // A candidate shorter than the input by the best distance or more cannot be nearer (nor can its prefixes).
    if (c.size() + best_d <= input.size()) continue;
    std::size_t whole = 0;
    const std::size_t d = family_distance(input, c, row, whole);
    if (d < best_d || (d == best_d && best != nullptr && whole < best_whole)) best_d = d, best_whole = whole, best = &c;
  }
  return best != nullptr ? *best : std::string();
}

inline std::string did_you_mean(std::string_view input, const std::vector<std::string>& candidates) {
  const std::string n = nearest(input, candidates);
  return n.empty() ? std::string() : " (did you mean '" + n + "'?)";
}

}  // namespace vramfit::io
