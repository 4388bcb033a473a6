// The launch command of a fit's plan (engine/launch.hpp) for people (the run: line) and as the
// "launch" object of the fit document.
#pragma once

#include <string>

#include "cli/common.hpp"
#include "cli/render.hpp"
#include "engine/launch.hpp"

namespace vramfit::cli {

// "run: llama-server -m ... -c 4096 -ngl 33 -fa on\n"; Ollama as a short block (the server's
// environment, `ollama run`, its /set parameter lines). --explain adds the notes. Not wrapped: a
// command is copied whole.
std::string launch_text(const LaunchCommand& c, const TextOptions& t);
// {"runtime", "command", "argv", "env", "parameters", "notes"}; command null where the runtime has none.
Json launch_json(const LaunchCommand& c);

}  // namespace vramfit::cli
