// The CLI run in-process, for the remote tests that ask vramfit the way a user types it
// (test_sources.cpp, test_bench.cpp): exit code, standard output and standard error.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "cli/app.hpp"

namespace vramfit::test {

struct CliRun {
  int code = 0;
  std::string out, err;
};

inline CliRun run_vramfit(std::vector<std::string> args) {
  args.insert(args.begin(), "vramfit");
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  cli::Io io{out, err};
  CliRun r;
  r.code = cli::run(static_cast<int>(argv.size()), argv.data(), io);
  r.out = out.str();
  r.err = err.str();
  return r;
}

}  // namespace vramfit::test
