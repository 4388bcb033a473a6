// What `recommend`, `what-fits` and `chart` share on the command line: the planning engine
// (engine/planning.hpp), the planning data, and how prices and rates are written.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/common.hpp"
#include "catalog/planning_data.hpp"
#include "engine/local.hpp"
#include "engine/planning.hpp"
#include "cli/render.hpp"
#include "cli/speed_report.hpp"

namespace vramfit::cli {

using io::planning_data;
using io::PlanningData;
using io::UseCase;
using io::UseCaseTier;

// "$1,599", "≥$1,399", "?"
std::string price_str(const Config& c);
std::string tps_str(double tps);

}  // namespace vramfit::cli
