// What `recommend`, `what-fits` and `chart` share: evaluating one device configuration for one query
// (the same resolve_placement + place + speed path as `fit`), the candidate configurations of the
// catalog, and their price, power and caveats.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/devices.hpp"
#include "engine/memory.hpp"
#include "engine/prices.hpp"
#include "engine/query.hpp"
#include "engine/session.hpp"
#include "engine/speed.hpp"
#include "vramfit/planning.hpp"

namespace vramfit::engine {

// A device configuration as `--device` arguments, with what the catalog knows of its cost.
struct Config {
  std::string label;                 // "rtx-3090x2", "rtx-3090 + rtx-4060-ti-16gb", "apple-m4-pro:48GB"
  std::vector<std::string> devices;  // --device values
  std::vector<const Device*> parts;  // one per physical device (x2 -> twice)
  double price_usd = 0;              // 0 = unknown
  bool price_lower_bound = false;    // Apple: the entry configuration's launch price
  std::string price_source;          // user | street_used | street_new | launch | mixed (a pair priced two ways); "" = unknown
  double tdp_w = 0;                  // accelerators' board power; 0 = unknown
  std::string kind;                  // gpu | multi-gpu | mixed | apple | soc | cpu | local
  std::string price_note;            // which machine a street price buys ("priced as Mac Studio / Mac Pro with 192 GB ...")
};

struct Evaluation {
  Config config;
  Placement placement;
  SpeedReport speed;
  std::vector<std::string> assumptions;  // of the placement (first evaluation only is printed)
  bool fits = false;                     // everything on the accelerators (or a CPU-only run that fits)
  // Every block on the GPUs and the routed experts of some in host RAM (-ngl all --n-cpu-moe N), the
  // automatic placement's choice for a MoE model that does not fit whole (placement_search.hpp).
  bool experts_in_ram = false;
  double tps = 0;                        // calibrated decode tokens/s at half the context; 0 = unknown
  Bytes least_headroom{0};
  std::vector<std::string> caveats;
  // Holds the query: everything on the accelerators, or every block on the GPUs with the routed experts
  // in a host RAM known to hold them (what-fits, and recommend with --ram).
  [[nodiscard]] bool placed() const { return fits || (experts_in_ram && placement.host.known()); }
};

// The question every evaluation shares: query, estimate (computed once) and placement options.
struct Question {
  Query query;
  MemoryEstimate estimate;
  DeviceRequest placement;  // --reserve, --split, --host ... ; devices are replaced per config
};

Question make_question(Session& s, const std::string& model, const WorkloadRequest& w, const DeviceRequest& p);

// Places the query on a configuration (the automatic placement of `fit`, margin and expert offload
// included, unless the question fixes -ngl or the experts); a placement error (more GPUs than layers, a tensor-parallel
// degree the heads do not allow) gives nullopt.
std::optional<Evaluation> evaluate(Session& s, const Question& q, const Config& c);

// Candidate generation for `recommend`.
struct CandidateFilter {
  std::vector<std::string> kinds;  // device kinds allowed (empty: all)
  bool laptop = false;             // CPU presets: dual-channel only
  std::int64_t max_gpus = 8;
  bool mixed_pairs = true;
  const PriceBook* prices = nullptr;  // the user's prices and --new; nullptr: the catalog's (street, then launch)
  // --ram: host RAM beside discrete GPUs. With it a MoE model that no count of a GPU kind holds whole at
  // a given count may keep its routed experts there (-ngl all --n-cpu-moe N); empty: none of that.
  std::string host_ram;
};

// Every configuration that holds the query: per GPU kind the fewest (1..max) that fit, mixed pairs of
// one vendor where neither card alone fits, Apple chips and CPU presets with each memory option; with
// `host_ram`, for a MoE model also per GPU kind the fewest that hold it with routed experts in that RAM,
// when that is fewer than hold it whole.
std::vector<Evaluation> fitting_configs(Session& s, const Question& q, const CandidateFilter& f);

// Prices `c` from its --device values as recommend prices its candidates: each device's unit price
// (PriceBook::unit_price; an Apple chip or SoC at its memory option, the smallest one the entry
// configuration) times its count, summed; "mixed" when the sources differ; 0 (unknown) when a device
// has no price or a value is not a catalog device spec (--device local).
void price_config(Config& c, const io::Catalog& cat, const PriceBook& prices);

// Peak draw (accelerators + system) when the accelerators' power is known, else 0.
double config_draw_w(const Config& c, const PowerRules& r);


}  // namespace vramfit::engine
