// The reverse questions of `fit` (--max-context, --max-parallel, --min-devices): the solvers of
// include/vramfit/solve.hpp on a request's model, workload and devices, and the answer with the range
// searched. `fit` then places the model at the answer (engine/fit.hpp).
#pragma once

#include <cstdint>
#include <string>

#include "engine/devices.hpp"
#include "engine/query.hpp"
#include "engine/session.hpp"
#include "vramfit/solve.hpp"

namespace vramfit::engine {

enum class SolveQuestion { none, max_context, max_parallel, min_devices };

// "max_context", "max_parallel", "min_devices" ("none" when nothing was asked).
const char* to_string(SolveQuestion q);

struct SolveAnswer {
  SolveQuestion question = SolveQuestion::none;  // none: no reverse question was asked
  // value (0: none in [lowest, highest]) and why it is not larger: max_context model | memory,
  // max_parallel memory | search_cap, min_devices memory.
  SolveResult result;
  // With automatic -ngl the answer holds every layer on the GPUs (offloading more would always "fit").
  bool full_offload = false;
  std::int64_t context = 0;            // tokens per sequence as requested (what max_parallel keeps)
  std::int64_t kv_pad = 0;             // the KV page: a longer context needs the next page
  std::int64_t model_max_context = 0;  // the model's maximum
  std::string device;                  // min_devices: the GPU kind multiplied
  Parallelism split = Parallelism::layer;  // layer split or tensor parallel (min_devices searches either)
  std::int64_t devices = 0;            // min_devices: the count fit places (the answer, else the largest tried)
  [[nodiscard]] bool asked() const { return question != SolveQuestion::none; }
  // Asked, and no answer in the searched range: fit exits 1.
  [[nodiscard]] bool unanswered() const { return asked() && !result.found(); }
};

// Answers the question the requests ask, if any, and rewrites them to the answer (the context, the
// sequences, the device count; the searched bound when there is none) so that `fit` places the
// model there. Contradictory combinations are InputErrors naming the options.
SolveAnswer solve_question(Session& s, const std::string& model, WorkloadRequest& workload, DeviceRequest& placement);

}  // namespace vramfit::engine
