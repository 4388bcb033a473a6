#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>

#include <sys/ioctl.h>
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

// The width text output wraps to: COLUMNS when it is a number (as shells export it), else the
// terminal's width, else 0 for a pipe or file (no wrapping: whole lines for grep and logs).
int output_columns() {
  if (const char* c = std::getenv("COLUMNS"); c != nullptr && c[0] != '\0') {
    char* end = nullptr;
    const long v = std::strtol(c, &end, 10);
    if (*end == '\0' && v >= 20 && v <= 1000) return static_cast<int>(v);
  }
  winsize ws{};
  if (isatty(STDOUT_FILENO) == 1 && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20) return ws.ws_col;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Every command builds its whole output before writing it (docs/errors.md); it is written here in
  // one place, so that a result that cannot be written (a full disk, a closed stdout) is exit 2 with
  // one line naming the cause, never 0 or 1 after a silent loss.
  std::ostringstream out;
  vramfit::cli::Io io{out, std::cerr, isatty(STDOUT_FILENO) == 1, std::getenv("NO_COLOR"),
                      std::getenv("VRAMFIT_CATALOG_PATH"), isatty(STDERR_FILENO) == 1, output_columns()};
  const int code = vramfit::cli::run(argc, argv, io);
  if (!write_all(STDOUT_FILENO, out.str())) {
    std::cerr << "vramfit: error: cannot write the output: " << std::strerror(errno) << "\n";
    return 2;
  }
  return code;
}
