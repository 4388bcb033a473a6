// Statistics of measured runs (`vramfit bench`, docs/bench.md): median, min, max and spread of a
// sample, the rates of one run from token counts and durations, and where a measurement falls
// against a predicted band. Pure functions on numbers; the runs themselves are read in src/.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <utility>
#include <string_view>
#include <vector>

namespace vramfit {

struct SampleStats {
  std::int64_t count = 0;
  double median = 0, min = 0, max = 0, mean = 0;
  double stddev = 0;  // sample standard deviation (n - 1); 0 for one value
  // (max - min) / median: how far apart the runs were, as a fraction of the typical run (0 for one run).
  double spread = 0;
};

// The median of an even count is the mean of the two middle values (hyperfine, Python's statistics.median).
inline SampleStats sample_stats(std::vector<double> v) {
  SampleStats s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  s.count = static_cast<std::int64_t>(n);
  s.min = v.front();
  s.max = v.back();
  s.median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
  double sum = 0;
  for (double x : v) sum += x;
  s.mean = sum / double(n);
  if (n > 1) {
    double sq = 0;
    for (double x : v) sq += (x - s.mean) * (x - s.mean);
    s.stddev = std::sqrt(sq / double(n - 1));
  }
  s.spread = s.median > 0 ? (s.max - s.min) / s.median : 0;
  return s;
}

// Tokens per second of `tokens` in `seconds`; nullopt when either is not positive (nothing to divide).
inline std::optional<double> rate(std::int64_t tokens, double seconds) {
  if (tokens <= 0 || !(seconds > 0)) return std::nullopt;
  return double(tokens) / seconds;
}

// Decode rate of a stream timed by the client: the first token arrives at `first` (seconds after the
// request), the last at `last`; the first token is excluded because its time is the prompt's
// (prefill + queueing), so `tokens - 1` tokens were decoded in `last - first`.
inline std::optional<double> stream_decode_rate(std::int64_t tokens, double first, double last) {
  return rate(tokens - 1, last - first);
}

enum class BandPosition { below, inside, above };

inline BandPosition band_position(double measured, double low, double high) {
  if (measured < low) return BandPosition::below;
  if (measured > high) return BandPosition::above;
  return BandPosition::inside;
}

inline std::string_view to_string(BandPosition p) {
  switch (p) {
    case BandPosition::below: return "below";
    case BandPosition::inside: return "inside";
    case BandPosition::above: return "above";
  }
  return "?";
}

// The factor a user's own runs put on a prediction: the median of measured / predicted over the runs
// that match (docs/bench.md "Calibration"); nullopt with no usable run.
inline std::optional<double> calibration_factor(const std::vector<std::pair<double, double>>& measured_predicted) {
  std::vector<double> ratios;
  for (const auto& [m, p] : measured_predicted)
    if (m > 0 && p > 0) ratios.push_back(m / p);
  if (ratios.empty()) return std::nullopt;
  return sample_stats(std::move(ratios)).median;
}

}  // namespace vramfit
