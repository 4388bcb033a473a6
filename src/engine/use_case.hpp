// `recommend --use-case NAME`: the minimum / recommended / best configurations of a use case of
// data/planning.yaml. Inference tiers are ranked as `recommend MODEL` ranks (recommend.hpp); fine-tuning
// tiers (lora-7b, qlora-70b ...) are sized by the training estimator (vramfit/finetune.hpp) and answered
// with the cheapest single GPU that holds them.
#pragma once

#include <string>
#include <vector>

#include "catalog/planning_data.hpp"
#include "engine/recommend.hpp"
#include "engine/session.hpp"
#include "vramfit/finetune.hpp"

namespace vramfit::engine {

// A priced discrete GPU that holds a fine-tuning tier.
struct TierGpu {
  const Device* device = nullptr;
  PriceChoice price;  // the price book's (engine/prices.hpp): user, street or launch
  Bytes capacity{0};
  Bytes headroom{0};  // capacity - training memory
};

struct TierAnswer {
  const io::UseCaseTier* tier = nullptr;  // model, quant, context, min tok/s (data/planning.yaml)
  // Inference tiers: the cheapest configuration, then up to two next cheapest; empty: none in the catalog.
  std::vector<RankedConfig> configs;
  // Fine-tuning tiers (the use case's `finetune`: lora | qlora).
  bool finetune = false;
  FinetuneMemory training;
  std::vector<TierGpu> gpus;  // the cheapest first, up to three; empty: no single GPU in the catalog
  [[nodiscard]] bool answered() const { return finetune ? !gpus.empty() : !configs.empty(); }
};

struct UseCaseAnswer {
  const io::UseCase* use_case = nullptr;
  std::vector<TierAnswer> tiers;
  std::string finetune_note;  // how the fine-tuning tiers were sized; empty for inference use cases
  std::vector<std::string> assumptions;
  [[nodiscard]] bool any() const;
};

// r.use_case names the use case; MODEL, -q, -c and --min-tps are refused (each tier sets them).
UseCaseAnswer answer_use_case(Session& s, const RecommendRequest& r);

}  // namespace vramfit::engine
