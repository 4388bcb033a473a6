// Prices and rates as recommend / what-fits / chart write them.
#include "cli/planning.hpp"

#include <cmath>

#include <fmt/format.h>

namespace vramfit::cli {

std::string price_str(const Config& c) {
  if (c.price_usd <= 0) return "?";
  const auto whole = static_cast<long long>(std::llround(c.price_usd));
  std::string digits = std::to_string(whole), grouped;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) grouped += ',';
    grouped += digits[i];
  }
  return (c.price_lower_bound ? ">=$" : "$") + grouped;
}

std::string tps_str(double tps) {
  if (tps <= 0) return "?";
  if (tps >= 100) return fmt::format("{:.0f}", tps);
  if (tps >= 10) return fmt::format("{:.1f}", tps);
  return fmt::format("{:.2f}", tps);
}

}  // namespace vramfit::cli
