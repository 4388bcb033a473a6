// The answer to a reverse question of `fit` (engine/solve.hpp) as fit writes it: the line above the
// placement and the "solve" object of the fit document.
#pragma once

#include <string>

#include "cli/common.hpp"
#include "cli/render.hpp"
#include "engine/solve.hpp"

namespace vramfit::cli {

std::string solve_text(const SolveAnswer& s);  // "" when nothing was asked
Json solve_json(const SolveAnswer& s);

}  // namespace vramfit::cli
