#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include <unistd.h>

#include "cli/app.hpp"

int main(int argc, char** argv) {
  vramfit::cli::Io io{std::cout, std::cerr, isatty(STDOUT_FILENO) == 1, std::getenv("NO_COLOR"),
                      std::getenv("VRAMFIT_CATALOG_PATH")};
  const int code = vramfit::cli::run(argc, argv, io);
  // A result that could not be written is no result (a full disk, a closed stdout): exit 2 with one
  // line, never 0 or 1 after a silent loss (docs/errors.md).
  errno = 0;
  std::cout.flush();
  if (!std::cout.good() || std::fflush(stdout) != 0 || std::ferror(stdout)) {
    const int err = errno;
    std::cerr << "vramfit: error: cannot write the output: " << (err != 0 ? std::strerror(err) : "write error") << "\n";
    return 2;
  }
  return code;
}
