#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>

#include <unistd.h>

#include "cli/app.hpp"

namespace {

// Writes all of `text` to a file descriptor; false with errno set when the descriptor refuses it.
bool write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  // Every command builds its whole output before writing it (docs/errors.md); it is written here in
  // one place, so that a result that cannot be written (a full disk, a closed stdout) is exit 2 with
  // one line naming the cause, never 0 or 1 after a silent loss.
  std::ostringstream out;
  vramfit::cli::Io io{out, std::cerr, isatty(STDOUT_FILENO) == 1, std::getenv("NO_COLOR"),
                      std::getenv("VRAMFIT_CATALOG_PATH"), isatty(STDERR_FILENO) == 1};
  const int code = vramfit::cli::run(argc, argv, io);
  if (!write_all(STDOUT_FILENO, out.str())) {
    std::cerr << "vramfit: error: cannot write the output: " << std::strerror(errno) << "\n";
    return 2;
  }
  return code;
}
