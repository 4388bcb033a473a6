// Sizes as answers write them in their assumptions, notes and reasons (and the CLI in its tables).
#pragma once

#include <string>

#include "vramfit/units.hpp"

namespace vramfit::engine {

// "4.58 GiB" (binary units, as runtimes print); below 1 GiB "512.0 MiB".
std::string size_str(Bytes b);
// "4.91 GB" (decimal, as file listings and vendors print).
std::string gb_str(Bytes b);

}  // namespace vramfit::engine
