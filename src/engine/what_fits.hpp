// `what-fits DEVICE[xN]`: every catalog model with the best quantization that fits on the devices (all
// layers on the GPUs), its speed and the quality level of that quantization, ranked by quality class,
// then size, then speed (vramfit/planning.hpp better_fit).
#pragma once

#include <string>
#include <vector>

#include "engine/planning.hpp"
#include "engine/query.hpp"
#include "engine/session.hpp"
#include "vramfit/planning.hpp"

namespace vramfit::engine {

// The question as a front end received it: text is parsed here, so that errors name the option.
struct WhatFitsRequest {
  std::vector<std::string> devices;  // ID[:SIZE][xN]; "local" = the machine `detect` finds
  WorkloadRequest workload;          // its quant is replaced by each step of the ladder
  std::string reserve, ram, margin;  // --reserve, --ram, --margin
  std::string min_tps;               // least decode tok/s; empty: none
  std::string quants;                // the ladder, most bits first, comma-separated; empty: kDefaultLadder
  std::string filter;                // only models whose id contains this (case-insensitive)
};

// From the most bits to the fewest; the first that fits (and reaches --min-tps) is the answer.
extern const std::vector<std::string> kDefaultLadder;

// One model with the quantization that fits.
struct FitRow {
  const io::CatalogModel* model = nullptr;
  std::string quant;
  double bits = 0;                       // bits per weight of the model at that quantization
  const QualityLevel* quality = nullptr;  // data/planning.yaml; nullptr when there are no levels
  Evaluation evaluation;
  double params = 0;
  Bytes memory{0};  // on the GPUs (on the host for a CPU-only run)
};

struct WhatFitsAnswer {
  std::vector<std::string> devices;  // --device values, "local" expanded
  std::string label;                 // "rtx-4090", "rtx-3090x2 + rtx-4060-ti-16gb", "CPU only (...)"
  double min_tps = 0;                // 0 = not given
  std::vector<std::string> ladder;   // the quantizations tried, most bits first
  std::vector<FitRow> models;        // ranked, best first
  std::vector<std::string> does_not_fit;  // model ids that fit at no step of the ladder
  std::vector<std::string> assumptions;
  [[nodiscard]] bool found() const { return !models.empty(); }
};

WhatFitsAnswer answer_what_fits(Session& s, const WhatFitsRequest& r);

}  // namespace vramfit::engine
