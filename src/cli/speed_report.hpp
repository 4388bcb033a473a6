// The speed answer (engine/speed.hpp) as `fit` and `estimate` print it: lines for people and the JSON
// object "speed".
#pragma once

#include <string>

#include "cli/common.hpp"
#include "cli/render.hpp"
#include "engine/speed.hpp"

namespace vramfit::cli {

// One "speed: ..." line (`label` names it); with --explain the "decode: ...", upper bound and
// "prefill: ..." lines.
std::string speed_text(const SpeedReport& r, const Workload& w, const TextOptions& t, const std::string& label = "speed");
// The detail lines alone, unwrapped.
std::string speed_lines(const SpeedReport& r, const Workload& w);
Json speed_json(const SpeedReport& r);
// The user's own runs behind a speed (engine/calibrate.hpp): an object, or null when none applied.
Json calibration_json(const Calibration& c);

}  // namespace vramfit::cli
