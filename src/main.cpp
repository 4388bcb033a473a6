#include <cstdlib>
#include <iostream>

#include <unistd.h>

#include "cli/app.hpp"

int main(int argc, char** argv) {
  vramfit::cli::Io io{std::cout, std::cerr, isatty(STDOUT_FILENO) == 1, std::getenv("NO_COLOR"),
                      std::getenv("VRAMFIT_CATALOG_PATH")};
  const int code = vramfit::cli::run(argc, argv, io);
  std::cout.flush();
  return code;
}
