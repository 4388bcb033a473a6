// The vramfit command line: global options, one subcommand per file pair, exit codes as a contract
// (0 ok / fits, 1 evaluated and does not fit or catalog problems found, 2 usage or input error).
#pragma once

#include "cli/common.hpp"

namespace vramfit::cli {

int run(int argc, const char* const* argv, Io& io);

}  // namespace vramfit::cli
