// data/planning.yaml: power rules, quantization quality levels, use cases and runtime support rules
// for `recommend`, `what-fits` and `detect` (docs/planning.md). Read from the embedded copy with the
// strict catalog reader; a problem is an input error with file:line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vramfit/compat.hpp"
#include "vramfit/planning.hpp"

namespace vramfit::io {

// One workload of a use case: a model (or the use case's), quantization, context and speed.
struct UseCaseTier {
  std::string tier;  // minimum | recommended | best
  std::string model;
  std::string quant;
  std::int64_t context = 4096;
  double min_tps = 0;
};

struct UseCase {
  std::string id;
  std::string name;
  std::string model;
  std::string finetune;  // "" | lora | qlora: answered with the fine-tuning estimator
  std::vector<std::string> kinds;  // device kinds allowed (empty: all)
  bool laptop = false;             // CPU presets limited to dual-channel (laptop / desktop) memory
  double extra_gib = 0;            // memory beside the LLM (an embedding model), per GPU
  std::string notes;
  std::vector<UseCaseTier> tiers;
  std::vector<std::string> source;
};

struct PlanningData {
  PowerRules power;
  std::vector<std::string> power_source;
  std::vector<QualityLevel> quality;  // by min_bits, descending
  std::vector<std::string> quality_source;
  std::vector<std::string> speed_source;
  std::vector<UseCase> use_cases;
  std::vector<SupportRule> support;
  std::vector<std::string> support_source;
  [[nodiscard]] const UseCase& use_case(const std::string& id) const;
};

// Parsed once per run from the embedded data/planning.yaml.
const PlanningData& planning_data();
// From YAML text (tests and `catalog check`-style reading); throws InputError on a problem.
PlanningData parse_planning(const std::string& text, const std::string& file);

}  // namespace vramfit::io
