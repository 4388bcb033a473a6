// What `recommend`, `what-fits` and `chart` share on the command line: the planning engine
// (engine/planning.hpp), the planning data, and how prices, rates and caveat notes are written.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/common.hpp"
#include "catalog/planning_data.hpp"
#include "engine/local.hpp"
#include "engine/planning.hpp"
#include "engine/recommend.hpp"
#include "cli/render.hpp"
#include "cli/speed_report.hpp"

namespace vramfit::cli {

using io::planning_data;
using io::PlanningData;
using io::UseCase;
using io::UseCaseTier;

// "$800 used", "$1,999 new", ">=$1,399 launch", "$9,000 yours", "?": the price and which one it is.
std::string price_str(const Config& c);
// The word for a price source of engine Config::price_source ("street_used" -> "used"); "" for none.
std::string price_source_tag(const std::string& source);
std::string tps_str(double tps);

// Caveats as numbered notes below a table: the numbers of `caveats` ("1,3"), each new caveat added to
// `notes`; and the "notes:" list itself ("" when there are none).
std::string note_refs(const std::vector<std::string>& caveats, std::vector<std::string>& notes);
std::string notes_text(const std::vector<std::string>& notes);

// `fit --kwh-price`: "energy: 600 W peak (450 W boards + 150 W system) / 55.2 tok/s = 3.02 kWh per million tokens = $0.91 at $0.3/kWh ..."
std::string energy_text(const FitEnergy& e);

}  // namespace vramfit::cli
