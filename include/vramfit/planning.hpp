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
// Prices: which figure a configuration is priced at
// ---------------------------------------------------------------------------------------------

// Where a price came from, in the order one wins over the next: the user's own figure (--price,
// --prices), a dated street price (used, then new), the launch price (MSRP of the entry configuration).
enum class PriceSource { none, user, street_used, street_new, launch };

inline const char* to_string(PriceSource s) {
  switch (s) {
    case PriceSource::user: return "user";
    case PriceSource::street_used: return "street_used";
    case PriceSource::street_new: return "street_new";
    case PriceSource::launch: return "launch";
    case PriceSource::none: break;
  }
  return "none";
}

// A dated street price of data/devices.yaml `street_price`: one figure or a range (low..high), for the
// device as a whole or, for a machine sold with several memory sizes (Apple), for one memory option.
struct PriceQuote {
  bool used = false;      // condition: used (else new)
  double low_usd = 0;     // the figure, or the low end of a range
  double high_usd = 0;    // == low_usd for a single figure
  double memory_gib = 0;  // the configuration it prices; 0 = any
  std::string product;    // what one buys at that price ("MacBook Pro 14-inch"); empty for a card
  std::string date;       // "2025", "2025-06" or "2025-06-30"
  std::string source;
  // A range is priced at its midpoint ($700-900 -> $800): no end of it is more likely than the other.
  [[nodiscard]] double usd() const { return (low_usd + high_usd) / 2; }
};

struct PriceChoice {
  double usd = 0;  // 0 = unknown
  PriceSource source = PriceSource::none;
  bool lower_bound = false;                 // the entry configuration's launch price for a larger option
  const PriceQuote* quote = nullptr;        // the street quote used, if any
};

// The price of one unit of a device in a configuration with `memory_gib` (0 for a card sold in one size):
// the user's figure when given (> 0); else a street quote for that memory (or for any memory), used before
// new unless `new_only`; else the launch price, a lower bound when the configuration has more memory than
// the entry one (`entry` false), raised to the street price of a smaller option when that is higher.
inline PriceChoice choose_price(const std::vector<PriceQuote>& street, double launch_usd, double user_usd, double memory_gib,
                                bool entry, bool new_only) {
  PriceChoice c;
  if (user_usd > 0) {
    c.usd = user_usd;
    c.source = PriceSource::user;
    return c;
  }
  auto applies = [&](const PriceQuote& q) {
    return q.memory_gib <= 0 || (memory_gib > 0 && std::abs(q.memory_gib - memory_gib) < 0.01);
  };
  for (bool used : {true, false}) {
    if (used && new_only) continue;
    for (const PriceQuote& q : street)
      if (q.used == used && applies(q) && q.usd() > 0) {
        c.usd = q.usd();
        c.source = used ? PriceSource::street_used : PriceSource::street_new;
        c.quote = &q;
        return c;
      }
  }
  if (launch_usd > 0) {
    c.usd = launch_usd;
    c.source = PriceSource::launch;
    c.lower_bound = !entry;
  }
  // A larger option costs at least what a smaller one's street price says (more memory costs more):
  // the 64 GB M4 Pro is >= the 48 GB one's $2,250, not >= the 24 GB one's $1,399 launch price.
  if (c.lower_bound)
    for (const PriceQuote& q : street)
      if (q.memory_gib > 0 && q.memory_gib < memory_gib && (!new_only || !q.used) && q.usd() > c.usd) {
        c.usd = q.usd();
        c.source = q.used ? PriceSource::street_used : PriceSource::street_new;
        c.quote = nullptr;  // not this configuration's own quote
      }
  return c;
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
