// Shared by the libFuzzer targets: the input as a file (for readers that take a path), and the rule
// that only the documented errors may escape a reader. Anything else (another exception, a crash, a
// leak, an ASan/UBSan report, a hang) is a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <new>
#include <string>

#include <sys/mman.h>
#include <unistd.h>

#include "base/diagnostics.hpp"
#include "vramfit/error.hpp"

namespace vramfit::fuzz {

// One memfd per process, rewritten for every input; readers open it by its /proc path like any file.
class MemFile {
 public:
  MemFile() {
    fd_ = memfd_create("vramfit-fuzz", 0);
    if (fd_ < 0) std::abort();
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  const std::string& write(const std::uint8_t* data, std::size_t size) {
    if (ftruncate(fd_, 0) != 0) std::abort();
    std::size_t done = 0;
    while (done < size) {
      const ssize_t n = pwrite(fd_, data + done, size - done, static_cast<off_t>(done));
      if (n <= 0) std::abort();
      done += static_cast<std::size_t>(n);
    }
    return path_;
  }

 private:
  int fd_ = -1;
  std::string path_;
};

// Runs `f`; InputError and CoreError are the readers' documented failures, and each must be one line.
template <class F>
void expect_documented_errors(F&& f) {
  try {
    f();
  } catch (const io::InputError& e) {
    if (std::string(e.what()).find('\n') != std::string::npos) {
      std::fprintf(stderr, "multi-line InputError: %s\n", e.what());
      std::abort();
    }
  } catch (const CoreError& e) {
    if (std::string(e.what()).find('\n') != std::string::npos) {
      std::fprintf(stderr, "multi-line CoreError: %s\n", e.what());
      std::abort();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "undocumented exception: %s\n", e.what());
    std::abort();
  }
}

}  // namespace vramfit::fuzz
