// "Did you mean ...?": the nearest candidate by edit distance, for unknown ids and keys.
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

// Nearest candidate, or "" when nothing is reasonably close (distance above ~40 % of the length, at
// least 2). A candidate that contains the input is as far as their length difference.
inline std::string nearest(std::string_view input, const std::vector<std::string>& candidates) {
  const std::size_t limit = std::max<std::size_t>(2, (input.size() * 2 + 4) / 5);
  const std::string* best = nullptr;
  std::size_t best_d = limit + 1;  // only a candidate within the limit can be the answer
  std::vector<std::size_t> row;
  for (const std::string& c : candidates) {
    // The length difference bounds both distances from below: such a candidate cannot be nearer.
    const std::size_t gap = c.size() > input.size() ? c.size() - input.size() : input.size() - c.size();
    if (gap >= best_d) continue;
    const std::size_t d = edit_distance(input, c, row);
    if (d < best_d) best_d = d, best = &c;
  }
  return best != nullptr ? *best : std::string();
}

inline std::string did_you_mean(std::string_view input, const std::vector<std::string>& candidates) {
  const std::string n = nearest(input, candidates);
  return n.empty() ? std::string() : " (did you mean '" + n + "'?)";
}

}  // namespace vramfit::io
