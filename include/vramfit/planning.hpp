// Planning arithmetic: power draw, power supply size, energy and cost per token, owning vs renting,
// quality of a quantization level, and the order in which `recommend` and `what-fits` list their
// answers. The numbers (system power, PSU headroom, quality levels) come from data/planning.yaml;
// this header holds only the formulas (docs/planning.md).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vramfit {

struct PowerRules {
  double system_base_w = 0;  // CPU, RAM, storage and fans under load
  double psu_headroom = 1;   // PSU rating / peak load
  std::vector<double> psu_sizes_w;
};

// Peak draw of a machine: the accelerators at their board power plus the rest of the system.
inline double peak_draw_w(double accelerators_w, const PowerRules& r) { return accelerators_w + r.system_base_w; }

// The smallest common PSU rating at or above peak x headroom; nullopt when larger than every size.
inline std::optional<double> psu_size_w(double peak_w, const PowerRules& r) {
  const double need = peak_w * r.psu_headroom;
  for (double s : r.psu_sizes_w)
    if (s >= need) return s;
  return std::nullopt;
}

// kWh per million decoded tokens at `draw_w` and `tokens_per_second`:
// draw / tps = J per token; x 1e6 tokens / 3.6e6 J per kWh.
inline double kwh_per_million_tokens(double draw_w, double tokens_per_second) {
  if (tokens_per_second <= 0) return 0;
  return draw_w / tokens_per_second * 1e6 / 3.6e6;
}

// Hours of use after which buying (price + energy) costs as much as renting at `cloud_usd_per_hour`:
// price + h x kW x kwh_price = h x cloud  ->  h = price / (cloud - kW x kwh_price).
// nullopt when renting is cheaper than the energy alone (owning never breaks even).
inline std::optional<double> break_even_hours(double price_usd, double cloud_usd_per_hour, double draw_w,
                                              double kwh_price_usd) {
  const double margin = cloud_usd_per_hour - draw_w / 1000.0 * kwh_price_usd;
  if (price_usd <= 0 || margin <= 0) return std::nullopt;
  return price_usd / margin;
}

// ---------------------------------------------------------------------------------------------
// Quality of a quantization level
// ---------------------------------------------------------------------------------------------

struct QualityLevel {
  double min_bits = 0;  // bits per weight at which this level starts
  int rank = 0;         // 0 = no practical loss ... 3 = severe
  std::string level;
  std::string note;
};

// The first level (levels ordered by min_bits, descending) that the weights reach.
inline const QualityLevel* quality_for_bits(const std::vector<QualityLevel>& levels, double bits_per_weight) {
  for (const QualityLevel& q : levels)
    if (bits_per_weight >= q.min_bits) return &q;
  return levels.empty() ? nullptr : &levels.back();
}

// ---------------------------------------------------------------------------------------------
// Ordering
// ---------------------------------------------------------------------------------------------

// One configuration that holds the workload, as `recommend` ranks it.
struct PricedOption {
  double price_usd = 0;        // 0 = unknown
  bool price_lower_bound = false;  // the entry configuration's price (Apple memory upgrades cost more)
  double tokens_per_second = 0;
  [[nodiscard]] bool priced() const { return price_usd > 0; }
  [[nodiscard]] double usd_per_token_per_second() const {
    return priced() && tokens_per_second > 0 ? price_usd / tokens_per_second : 0;
  }
};

// Cheapest first; at the same price the lower $ per token/s (the faster); unknown prices last, fastest
// first among them.
inline bool cheaper(const PricedOption& a, const PricedOption& b) {
  if (a.priced() != b.priced()) return a.priced();
  if (!a.priced()) return a.tokens_per_second > b.tokens_per_second;
  if (a.price_usd != b.price_usd) return a.price_usd < b.price_usd;
  return a.usd_per_token_per_second() < b.usd_per_token_per_second();
}

// One model that fits a device, as `what-fits` ranks it: quality rank 0/1 (4 bits and more) before 2
// (3-bit) before 3 (2-bit) -- a larger model at 2-3 bits loses to a smaller one at 4+ -- then, within
// a class, the larger model, then the faster.
struct FitOption {
  int quality_rank = 0;
  double params = 0;
  double tokens_per_second = 0;
};

inline bool better_fit(const FitOption& a, const FitOption& b) {
  // Ranks 0 and 1 form one class: among them size matters more than the last bits.
  const int a_class = a.quality_rank >= 2 ? a.quality_rank : 0, b_class = b.quality_rank >= 2 ? b.quality_rank : 0;
  if (a_class != b_class) return a_class < b_class;
  if (a.params != b.params) return a.params > b.params;
  return a.tokens_per_second > b.tokens_per_second;
}

}  // namespace vramfit
