// Reverse questions of `fit` (--max-context, --max-parallel, --min-devices): solve, then let `fit` show
// the placement at the answer.
#pragma once

#include <string>

#include "cli/common.hpp"
#include "cli/render.hpp"

namespace vramfit::cli {

struct Solved {
  bool asked = false;
  bool none = false;  // asked, and no answer in the searched range (fit exits 1)
  std::string text;  // the answer, printed above the placement
  Json json;         // the "solve" object of the fit document
};

// Answers the question the options ask, if any, and rewrites the options to the answer (the context,
// the sequences, the device count; the searched bound when there is none) so that `fit` places the
// model there. Contradictory combinations are InputErrors.
Solved solve_question(Context& ctx, const std::string& model, WorkloadRequest& workload, DeviceRequest& placement);

}  // namespace vramfit::cli
