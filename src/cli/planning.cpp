// Prices and rates as recommend / what-fits / chart write them.
#include "cli/planning.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "engine/placement_search.hpp"

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

Json or_null(double v) { return v > 0 ? Json(v) : Json(nullptr); }
Json or_null(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }

void add_placement_json(Json& j, const Evaluation& e) {
  j["placement_flags"] = placement_flags(e.placement);
  j["experts_in_ram_layers"] = e.experts_in_ram ? e.placement.host.expert_count : 0;
  j["host_bytes"] = e.placement.host.total().value();
}

std::string energy_text(const FitEnergy& e) {
  const PowerFigures& f = e.power;
  if (f.draw <= 0) return "energy: board power of the devices not in the catalog: no kWh per million tokens\n";
  if (f.kwh_per_mtok <= 0) return fmt::format("energy: {:.0f} W peak; no decode speed, no kWh per million tokens\n", f.draw);
  return fmt::format("energy: {:.0f} W peak ({:.0f} W boards + {:.0f} W system) / {} tok/s = {:.2f} kWh per million tokens{} (an upper bound, as recommend)\n",
                     f.draw, e.config.tdp_w, f.draw - e.config.tdp_w, tps_str(e.tps), f.kwh_per_mtok,
                     f.energy_usd_per_mtok ? fmt::format(" = ${:.2f} at ${:g}/kWh", *f.energy_usd_per_mtok, e.limits.kwh_price) : "");
}

std::string break_even_text(const FitEnergy& e) {
  const Config& c = e.config;
  const PowerFigures& f = e.power;
  const RecommendLimits& l = e.limits;
  if (c.price_usd <= 0) return "break-even: no price in the catalog for " + c.label + ": unknown (recommend --price ID=USD ranks with yours)\n";
  const double kw = f.draw / 1000;
  if (!f.break_even && f.draw <= 0) return "break-even: board power of the devices not in the catalog: unknown (the energy at --kwh-price needs it)\n";
  if (!f.break_even)
    return fmt::format("break-even: never: renting at ${:g}/h costs less than the energy alone ({:g} kW x ${:g}/kWh = ${:.2f}/h)\n", l.cloud_price,
                       kw, l.kwh_price, kw * l.kwh_price);
  const std::string per_hour = l.kwh_price > 0 ? fmt::format("(${:g}/h rent - {:g} kW x ${:g}/kWh)", l.cloud_price, kw, l.kwh_price)
                                               : fmt::format("${:g}/h rent", l.cloud_price);
  return fmt::format("break-even: {} / {} = {:.0f} hours of use, after which owning costs less than renting (as recommend){}\n", price_str(c),
                     per_hour, *f.break_even, l.kwh_price > 0 ? "" : "; energy not counted: add --kwh-price");
}

Json cost_json(const FitEnergy& e) {
  const Config& c = e.config;
  const PowerFigures& f = e.power;
  Json j;
  j["price_usd"] = or_null(c.price_usd);
  j["price_lower_bound"] = c.price_lower_bound;
  j["price_source"] = c.price_source.empty() ? Json(nullptr) : Json(c.price_source);
  j["decode_tokens_per_second"] = or_null(e.tps);
  j["accelerator_power_w"] = or_null(c.tdp_w);
  j["peak_draw_w"] = or_null(f.draw);
  j["psu_w"] = or_null(f.psu);
  j["kwh_per_million_tokens"] = or_null(f.kwh_per_mtok);
  j["kwh_price_usd"] = or_null(e.limits.kwh_price);
  j["energy_usd_per_million_tokens"] = or_null(f.energy_usd_per_mtok);
  j["cloud_usd_per_hour"] = or_null(e.limits.cloud_price);
  j["break_even_hours"] = or_null(f.break_even);
  return j;
}

}  // namespace vramfit::cli
