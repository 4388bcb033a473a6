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

// Nearest candidate, or "" when nothing is reasonably close (distance above ~40 % of the length).
// A candidate that contains the input as a substring also counts (e.g. "4090" -> "rtx-4090").
inline std::string nearest(std::string_view input, const std::vector<std::string>& candidates) {
  const std::string* best = nullptr;
  std::size_t best_d = SIZE_MAX;
  std::vector<std::size_t> row;
  for (const std::string& c : candidates) {
    // The length difference bounds both distances from below: such a candidate cannot be nearer.
    const std::size_t gap = c.size() > input.size() ? c.size() - input.size() : input.size() - c.size();
    if (gap >= best_d) continue;
    std::size_t d = edit_distance(input, c, row);
    if (input.size() >= 3 && c.find(input) != std::string::npos) d = std::min(d, gap);
    if (d < best_d) best_d = d, best = &c;
  }
  const std::size_t limit = std::max<std::size_t>(2, (input.size() * 2 + 4) / 5);
  return best != nullptr && best_d <= limit ? *best : std::string();
}

inline std::string did_you_mean(std::string_view input, const std::vector<std::string>& candidates) {
  const std::string n = nearest(input, candidates);
  return n.empty() ? std::string() : " (did you mean '" + n + "'?)";
}

}  // namespace vramfit::io
