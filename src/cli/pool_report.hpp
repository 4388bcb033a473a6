// fit under a pool runtime (vLLM, TGI, TensorRT-LLM): the start-up memory budget per GPU
// (engine/pool.hpp), as a document and for people.
#pragma once

#include <string>

#include "cli/common.hpp"
#include "cli/render.hpp"
#include "engine/pool.hpp"

namespace vramfit::cli {

Json pool_fit_json(const PoolAnswer& a);  // the "fit" document of a pool runtime
// `run`: the launch command's lines (cli/launch_report.hpp), printed before the assumptions.
std::string pool_fit_text(const PoolAnswer& a, const TextOptions& t, const std::string& run = {});

}  // namespace vramfit::cli
