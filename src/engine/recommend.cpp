// recommend MODEL: the configurations of the catalog that hold the model, filtered by the limits and
// ranked cheapest first, with their power figures and the assumptions behind them.
#include "engine/recommend.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "catalog/planning_data.hpp"
#include "formats/parse.hpp"

namespace vramfit::engine {

RecommendLimits read_prices_per_use(const std::string& kwh_price, const std::string& cloud_price) {
  RecommendLimits l;
  if (!kwh_price.empty()) l.kwh_price = io::parse_amount(kwh_price, "--kwh-price", true);
  if (!cloud_price.empty()) l.cloud_price = io::parse_amount(cloud_price, "--cloud-price");
  return l;
}

RecommendLimits read_limits(const RecommendRequest& o) {
  RecommendLimits l = read_prices_per_use(o.kwh_price, o.cloud_price);
  if (!o.min_tps.empty()) l.min_tps = io::parse_amount(o.min_tps, "--min-tps", true);
  if (!o.budget.empty()) l.budget = io::parse_amount(o.budget, "--budget");
  if (!o.max_watts.empty()) l.max_watts = io::parse_amount(o.max_watts, "--max-watts");
  return l;
}

PowerFigures power_figures(const Config& c, double tps, const RecommendLimits& l, const PowerRules& r) {
  PowerFigures f;
  f.draw = config_draw_w(c, r);
  // Without an electricity price the energy is not counted: the break-even needs no board power.
  if (l.cloud_price > 0 && (f.draw > 0 || l.kwh_price <= 0)) f.break_even = break_even_hours(c.price_usd, l.cloud_price, f.draw, l.kwh_price);
  if (f.draw <= 0) return f;
  f.psu = psu_size_w(f.draw, r);
  f.kwh_per_mtok = kwh_per_million_tokens(f.draw, tps);
  if (l.kwh_price > 0 && f.kwh_per_mtok > 0) f.energy_usd_per_mtok = f.kwh_per_mtok * l.kwh_price;
  return f;
}

namespace {

std::string power_assumption(const PowerRules& r) {
  return fmt::format(
      "power: peak draw = accelerators' board power (catalog tdp_w) + {:g} W for the rest of the system; PSU = the next common size >= {:g} x peak; kWh per million tokens = peak draw / decode tok/s (an upper bound: decoding rarely draws full board power) (data/planning.yaml)",
      r.system_base_w, r.psu_headroom);
}

}  // namespace

DeviceRequest recommend_placement(const RecommendRequest& o) {
  DeviceRequest p;
  p.reserve = o.reserve;
  p.split = o.split;
  p.margin = o.margin;
  return p;
}

// Configurations that meet the limits, cheapest first (planning.hpp `cheaper`).
std::vector<RankedConfig> rank_configs(std::vector<Evaluation> all, const RecommendLimits& l, const PowerRules& power) {
  std::erase_if(all, [&](const Evaluation& e) {
    if (l.min_tps > 0 && e.tps < l.min_tps) return true;
    if (l.budget > 0 && (e.config.price_usd <= 0 || e.config.price_usd > l.budget)) return true;
    if (l.max_watts > 0) {
      const double draw = config_draw_w(e.config, power);
      if (draw <= 0 || draw > l.max_watts) return true;
    }
    return false;
  });
  auto key = [](const Evaluation& e) { return PricedOption{e.config.price_usd, e.config.price_lower_bound, e.tps}; };
  std::stable_sort(all.begin(), all.end(), [&](const Evaluation& a, const Evaluation& b) { return cheaper(key(a), key(b)); });
  std::vector<RankedConfig> out;
  out.reserve(all.size());
  for (Evaluation& e : all) {
    RankedConfig c;
    c.usd_per_tps = PricedOption{e.config.price_usd, false, e.tps}.usd_per_token_per_second();
    c.power = power_figures(e.config, e.tps, l, power);
    c.evaluation = std::move(e);
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<std::string> recommend_assumptions(const RecommendLimits& l, const PowerRules& r) {
  std::vector<std::string> a = {
      "candidates: 1-8 GPUs of each catalog kind (the fewest that hold the model), mixed pairs of one vendor's priced cards where neither alone holds it, Apple chips and other unified-memory systems with each memory option, CPU presets (the smallest memory option that holds it); only configurations that keep every layer on the accelerators (or a CPU-only run that fits) with each GPU's margin free (--margin), on GPUs the runtime's kernels and wheels support (data/planning.yaml runtime_support)",
      "decode tok/s: the calibrated llama.cpp estimate at half the context (as `fit` prints it)",
      "price: your --price/--prices figure ('user'), else the catalog's dated street price (street_price: 'used' before 'new', --new for new only; a range is priced at its midpoint), else the launch price ('launch': launch_price_usd; Apple and other systems the entry configuration, '>=' for larger memory options); configurations with no price are listed apart, fastest first",
      power_assumption(r)};
  if (l.cloud_price > 0)
    a.push_back(fmt::format("break-even: hours of use after which owning (price + energy at ${:g}/kWh) costs less than renting at ${:g}/h (--cloud-price; the catalog has no sourced cloud prices)",
                            l.kwh_price, l.cloud_price));
  return a;
}

FitEnergy fit_energy(Session& s, const std::vector<std::string>& devices, const SpeedReport& speed, const RecommendLimits& l,
                     const PriceBook& prices) {
  FitEnergy e;
  e.limits = l;
  e.config.devices = devices;
  e.config.kind = "given";
  for (const std::string& d : devices) e.config.label += (e.config.label.empty() ? "" : " + ") + d;
  // The board power of every device, or unknown (0) when one has none.
  for (const std::string& d : devices) {
    double w = 0;
    try {
      const DeviceSpec spec = parse_device_spec(s.catalog(), d);
      w = spec.device->device.tdp_w * double(spec.count);
    } catch (const io::InputError&) {
      // --device local and other expansions: the board power is not known here
    }
    if (w <= 0) {
      e.config.tdp_w = 0;
      break;
    }
    e.config.tdp_w += w;
  }
  // The user's prices, else the catalog's (street used, then new, then launch), as recommend ranks.
  price_config(e.config, s.catalog(), prices);
  if (speed.decode.size() >= 2 && speed.decode[1].known) e.tps = speed.decode[1].tokens_per_second.value();
  e.power = power_figures(e.config, e.tps, l, io::planning_data().power);
  return e;
}

RecommendAnswer answer_recommend(Session& s, const RecommendRequest& o) {
  if (o.model.empty()) {
    std::string ids;
    for (const io::UseCase& u : io::planning_data().use_cases) ids += (ids.empty() ? "" : ", ") + u.id;
    throw io::InputError("recommend needs a MODEL or --use-case NAME (use cases: " + ids + ")");
  }
  RecommendAnswer a;
  a.limits = read_limits(o);
  if (!o.ram.empty()) a.ram_bytes = io::parse_size(o.ram, "--ram");  // a bad size fails before any work, naming the option
  a.ram = o.ram;
  const std::int64_t top = io::parse_count(o.top, "--top", 1, 100000);
  const io::PlanningData& pd = io::planning_data();
  Question q = make_question(s, o.model, o.workload, recommend_placement(o));
  const PriceBook prices = read_prices(s.catalog(), o.prices, o.prices_file, o.new_only);
  CandidateFilter f;
  f.mixed_pairs = !o.no_mixed;
  f.prices = &prices;
  f.host_ram = o.ram;
  std::vector<Evaluation> all = fitting_configs(s, q, f);
  a.holding = all.size();
  // Ranked priced first (cheapest first), then the unpriced (fastest first): the two lists apart.
  std::vector<RankedConfig> ranked = rank_configs(std::move(all), a.limits, pd.power);
  a.matching = ranked.size();
  for (RankedConfig& c : ranked) (c.evaluation.config.price_usd > 0 ? a.configs : a.unpriced).push_back(std::move(c));
  a.unpriced_matching = a.unpriced.size();
  if (a.configs.size() > std::size_t(top)) a.configs.resize(std::size_t(top));
  if (a.unpriced.size() > std::size_t(top)) a.unpriced.resize(std::size_t(top));
  a.assumptions = q.query.assumptions;
  for (const std::string& x : recommend_assumptions(a.limits, pd.power)) a.assumptions.push_back(x);
  if (!o.ram.empty()) {
    const io::CatalogDevice* ddr5 = s.catalog().find_device("cpu-ddr5-6000-2ch");
    a.assumptions.push_back(fmt::format(
        "experts in RAM (--ram {}): a MoE model also gets, per GPU kind, the fewest GPUs that hold every block with the routed experts of the first N blocks in host RAM (llama.cpp -ngl all --n-cpu-moe N, the automatic placement's choice, as fit makes it) when fewer than hold it whole; a token reads its active experts from RAM at {}",
        o.ram, ddr5 != nullptr ? fmt::format("{:g} GB/s (dual-channel DDR5-6000 assumed; fit --host or --ram-bandwidth for another)", ddr5->device.bandwidth_gbs) : "an assumed bandwidth"));
  }
  // The user's own runs (engine/calibrate.hpp) that moved a configuration's speed, once each.
  for (const std::vector<RankedConfig>* list : {&a.configs, &a.unpriced})
    for (const RankedConfig& c : *list)
    for (const std::string& x : c.evaluation.speed.assumptions)
      if (x.rfind("speed calibrated by your own runs", 0) == 0 &&
          std::find(a.assumptions.begin(), a.assumptions.end(), x) == a.assumptions.end())
        a.assumptions.push_back(x);
  a.query = std::move(q.query);
  return a;
}

}  // namespace vramfit::engine
