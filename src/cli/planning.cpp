// Prices and rates as recommend / what-fits / chart write them.
#include "cli/planning.hpp"

#include <algorithm>
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
  std::string out = (c.price_lower_bound ? ">=$" : "$") + grouped;
  if (const std::string tag = price_source_tag(c.price_source); !tag.empty()) out += " " + tag;
  return out;
}

std::string price_source_tag(const std::string& source) {
  if (source == "user") return "yours";
  if (source == "street_used") return "used";
  if (source == "street_new") return "new";
  if (source == "launch") return "launch";
  if (source == "mixed") return "mixed";
  return "";
}

std::string tps_str(double tps) {
  if (tps <= 0) return "?";
  if (tps >= 100) return fmt::format("{:.0f}", tps);
  if (tps >= 10) return fmt::format("{:.1f}", tps);
  return fmt::format("{:.2f}", tps);
}

std::string note_refs(const std::vector<std::string>& caveats, std::vector<std::string>& notes) {
  std::string refs;
  for (const std::string& c : caveats) {
    auto it = std::find(notes.begin(), notes.end(), c);
    if (it == notes.end()) notes.push_back(c), it = notes.end() - 1;
    refs += (refs.empty() ? "" : ",") + std::to_string(it - notes.begin() + 1);
  }
  return refs;
}

std::string notes_text(const std::vector<std::string>& notes) {
  if (notes.empty()) return "";
  std::string out = "\nnotes:\n";
  for (std::size_t i = 0; i < notes.size(); ++i) out += fmt::format("  [{}] {}\n", i + 1, notes[i]);
  return out;
}

std::string energy_text(const FitEnergy& e) {
  if (e.draw <= 0) return "energy: board power of the devices not in the catalog: no kWh per million tokens\n";
  if (e.kwh_per_mtok <= 0) return fmt::format("energy: {:.0f} W peak; no decode speed, no kWh per million tokens\n", e.draw);
  return fmt::format("energy: {:.0f} W peak ({:.0f} W boards + {:.0f} W system) / {} tok/s = {:.2f} kWh per million tokens = ${:.2f} at ${:g}/kWh (an upper bound, as recommend)\n",
                     e.draw, e.board_w, e.draw - e.board_w, tps_str(e.tps), e.kwh_per_mtok, e.usd_per_mtok, e.kwh_price);
}

}  // namespace vramfit::cli
