// fit under a pool runtime (vLLM, TGI, TensorRT-LLM): the start-up memory budget per GPU.
#pragma once

#include "cli/common.hpp"

namespace vramfit::cli {

// Prints the budget, capacity and verdict; returns the exit code (0 fits, 1 does not).
int fit_pool(Context& ctx, const Query& q, const DeviceRequest& opt);

}  // namespace vramfit::cli
