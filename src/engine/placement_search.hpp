// The automatic placement of a llama.cpp layer split, as llama.cpp --fit makes it (reference/methods.md
// §4.3): the most -ngl whose GPUs keep their margin free, and for a MoE model that does not fit whole
// every block on the GPUs with the routed experts of the first N blocks in host RAM (-ngl all
// --n-cpu-moe N); of the two that fit, the one the speed model decodes faster, the other kept as the
// runner-up with the reason in words.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "vramfit/placement.hpp"

namespace vramfit::engine {

struct PlacementPick {
  Placement placement;
  std::optional<Placement> runner_up;  // the other placement that fits, when there were two
  double tokens_per_second = 0;        // decode of each at the start of the context (0: not asked)
  double runner_up_tokens_per_second = 0;
  std::string why;  // why the chosen one wins; "" when nothing was searched
};

// `automatic`: the user fixed neither -ngl nor the experts' place; otherwise the request is placed as
// given. `decode_tps` gives a placement's decode speed (tokens/s).
PlacementPick pick_placement(const ModelSpec& m, const MemoryEstimate& e, const PlacementRequest& req, bool automatic,
                             const std::function<double(const Placement&)>& decode_tps);

// The llama.cpp flags of a layer-split placement: "-ngl 45", "-ngl all --n-cpu-moe 20".
std::string placement_flags(const Placement& p);

// Each GPU's share of the offloaded layers as llama.cpp -ts takes it, as counts ("40,18"; the output
// layer counts on the GPU that holds it): llama.cpp puts layer i_gpu_start + k on the first GPU whose
// cumulative share exceeds k / ngl, so the counts come back exactly (llama-model.cpp load_tensors).
std::vector<std::int64_t> split_layers(const Placement& p);
std::string split_counts(const Placement& p);  // the same joined with commas: "40,18"

// Why a searched split (Placement::split_searched) was chosen over llama.cpp's default; "" otherwise.
std::string split_why(const Placement& p);

}  // namespace vramfit::engine
