// `recommend MODEL`: the cheapest device configurations that hold the model and meet the limits (speed,
// budget, power), each with its price, power, energy and caveats. The candidates and their evaluation
// are the planning engine's (planning.hpp); this ranks them and works out the power figures.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "engine/planning.hpp"
#include "engine/query.hpp"
#include "engine/session.hpp"
#include "vramfit/planning.hpp"

namespace vramfit::engine {

// The question as a front end received it: text is parsed here, so that errors name the option.
struct RecommendRequest {
  std::string model;     // catalog id, alias or Ollama tag (answer_recommend)
  std::string use_case;  // a use case of data/planning.yaml (answer_use_case, use_case.hpp)
  WorkloadRequest workload;
  std::string reserve, split;  // --reserve, --split layer|tensor
  std::string margin;          // --margin: memory per GPU kept free; empty: the runtime's
  std::string ram;             // --ram: host RAM beside the GPUs, for a MoE model's routed experts; empty: none
  // Limits; empty: none.
  std::string min_tps, budget, max_watts, kwh_price, cloud_price;
  std::string top = "10";  // how many configurations to list
  bool no_mixed = false;   // leave out mixed pairs of different GPUs
  // Prices (engine/prices.hpp): --price ID[:MEMGB]=USD (repeatable), --prices FILE, --new (no used prices).
  std::vector<std::string> prices;
  std::string prices_file;
  bool new_only = false;
};

// The limits as numbers; 0 = not given.
struct RecommendLimits {
  double min_tps = 0, budget = 0, max_watts = 0, kwh_price = 0, cloud_price = 0;
};
RecommendLimits read_limits(const RecommendRequest& r);

// What a configuration draws and costs to run (data/planning.yaml power rules).
struct PowerFigures {
  double draw = 0;                            // peak W, accelerators + system; 0 = unknown
  std::optional<double> psu;                  // W, the next common size; none: larger than every size
  double kwh_per_mtok = 0;                    // kWh per million tokens; 0 = unknown
  std::optional<double> energy_usd_per_mtok;  // with --kwh-price
  std::optional<double> break_even;           // hours, with --cloud-price; none: owning never breaks even
};

// A configuration that holds the model, with its numbers.
struct RankedConfig {
  Evaluation evaluation;
  double usd_per_tps = 0;  // price / decode tok/s; 0 = unknown
  PowerFigures power;
};

// recommend's figures for a configuration decoding at `tps`: peak draw, PSU, kWh per million tokens, and
// with the limits' prices the energy cost and the break-even hours (vramfit/planning.hpp break_even_hours).
// `fit --kwh-price --cloud-price` prints the same for its devices.
PowerFigures power_figures(const Config& c, double tps, const RecommendLimits& l, const PowerRules& r);

// Configurations that meet the limits, cheapest first (vramfit/planning.hpp `cheaper`), with their numbers.
std::vector<RankedConfig> rank_configs(std::vector<Evaluation> all, const RecommendLimits& l, const PowerRules& power);

// The placement options every candidate shares: --reserve and --split (devices come per candidate).
DeviceRequest recommend_placement(const RecommendRequest& r);

// The assumptions every recommend answer states (candidates, speed, price, power, break-even).
std::vector<std::string> recommend_assumptions(const RecommendLimits& l, const PowerRules& r);

struct RecommendAnswer {
  Query query;  // model, quantization, runtime, workload
  RecommendLimits limits;
  std::string ram;                    // --ram as given; "" = not given (no experts in RAM)
  Bytes ram_bytes{0};
  std::size_t holding = 0;            // configurations that hold the model
  std::size_t matching = 0;           // of them, those that meet the limits
  std::vector<RankedConfig> configs;  // the `top` cheapest of those with a price, cheapest first
  std::size_t unpriced_matching = 0;  // of the matching, those without a price (listed apart)
  std::vector<RankedConfig> unpriced; // the `top` fastest of those
  std::vector<std::string> assumptions;
  [[nodiscard]] bool found() const { return !configs.empty() || !unpriced.empty(); }
};

// `fit --kwh-price --cloud-price`: the figures recommend prints, for the devices `fit` was given, from
// the same functions: the devices priced as recommend prices them (price_config, catalog prices), peak
// draw (board power + the system) / decode tok/s at half the context, and the break-even hours.
// config.tdp_w 0: a device's board power is unknown (or --device local); config.price_usd 0: no price.
struct FitEnergy {
  Config config;  // the devices as --device values, with their board power and price
  double tps = 0;  // decode tok/s at half the context; 0 = unknown
  RecommendLimits limits;  // kwh_price, cloud_price
  PowerFigures power;
};
// `kwh_price` and `cloud_price` as the options give them ("" = not given); errors name the option.
RecommendLimits read_prices_per_use(const std::string& kwh_price, const std::string& cloud_price);
// `prices`: fit's --price / --prices / --new (engine/prices.hpp), as recommend takes them; empty: the
// catalog's prices.
FitEnergy fit_energy(Session& s, const std::vector<std::string>& devices, const SpeedReport& speed, const RecommendLimits& l,
                     const PriceBook& prices = {});

// Throws io::InputError for a missing MODEL (naming the use cases) and bad limits, as the options name them.
RecommendAnswer answer_recommend(Session& s, const RecommendRequest& r);

}  // namespace vramfit::engine
