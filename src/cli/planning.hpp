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

// A figure or null: unknown values are null in JSON, never 0 (issue 22).
Json or_null(double v);  // null for v <= 0
Json or_null(const std::optional<double>& v);

// Where a configuration keeps the model, as what-fits and recommend --ram write it (issue 21): JSON
// placement_flags ("-ngl all --n-cpu-moe 20"), experts_in_ram_layers (blocks whose routed experts stay in
// host RAM, 0 for none) and host_bytes, added to `j`.
void add_placement_json(Json& j, const Evaluation& e);

// `fit --kwh-price`: "energy: 600 W peak (450 W boards + 150 W system) / 55.2 tok/s = 3.02 kWh per million tokens = $0.91 at $0.3/kWh ..."
std::string energy_text(const FitEnergy& e);
// `fit --cloud-price`: "break-even: $1,599 used / ($0.50/h - 0.60 kW x $0.30/kWh) = 4,997 hours of use ..."
std::string break_even_text(const FitEnergy& e);
// `fit --kwh-price / --cloud-price --json`: recommend's figures for the devices (names as its configurations').
Json cost_json(const FitEnergy& e);

}  // namespace vramfit::cli
