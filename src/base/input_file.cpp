#include "base/input_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/diagnostics.hpp"

namespace vramfit::io {
namespace {

std::string reason_of(int err) {
  switch (err) {
    case ENOENT: return "no such file";
    case ENOTDIR: return "a component of the path is not a directory";
    case EACCES: return "permission denied";
    case ELOOP: return "too many levels of symbolic links (a symlink loop?)";
    case ENAMETOOLONG: return "the path is too long";
    default: return std::strerror(err);
  }
}

// Why a file of this mode is no input, or "" for a regular file.
std::string refusal(mode_t mode) {
  if (S_ISREG(mode)) return {};
  if (S_ISDIR(mode)) return "it is a directory, not a file";
  if (S_ISFIFO(mode)) return "it is a FIFO (named pipe), not a regular file";
  if (S_ISSOCK(mode)) return "it is a socket, not a regular file";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "it is a device, not a regular file";
  return "not a regular file";
}

}  // namespace

std::string limit_str(std::uint64_t bytes) {
  if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes) + " bytes";
}

InputFile::InputFile(const std::string& path, std::string_view what) : path_(path), what_(what) {
  const std::string cannot = path_ + ": cannot read" + (what_.empty() ? "" : " " + what_) + ": ";
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) throw InputError(cannot + reason_of(errno));
  if (const std::string why = refusal(st.st_mode); !why.empty()) throw InputError(cannot + why);
  do fd_ = ::open(path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  while (fd_ < 0 && errno == EINTR);
  if (fd_ < 0) throw InputError(cannot + reason_of(errno));
  if (::fstat(fd_, &st) != 0 || !refusal(st.st_mode).empty()) {
    const std::string why = refusal(st.st_mode);
    ::close(fd_);
    throw InputError(cannot + (why.empty() ? reason_of(errno) : why));
  }
  size_ = static_cast<std::uint64_t>(st.st_size);
}

InputFile::~InputFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::size_t InputFile::read_at(std::uint64_t offset, void* out, std::size_t n) const {
  std::size_t done = 0;
  char* p = static_cast<char*>(out);
  while (done < n) {
    const ssize_t k = ::pread(fd_, p + done, n - done, static_cast<off_t>(offset + done));
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) throw InputError(path_ + ": read error at byte " + std::to_string(offset + done) + ": " + reason_of(errno));
    if (k == 0) break;
    done += static_cast<std::size_t>(k);
  }
  return done;
}

std::string InputFile::read_all(std::uint64_t max_bytes) const {
  const std::string name = what_.empty() ? std::string("the file") : what_;
  const std::string limit = "the " + limit_str(max_bytes) + " limit";
  if (size_ > max_bytes) throw InputError(path_ + ": " + name + " is " + std::to_string(size_) + " bytes, more than " + limit);
  // Regular files are read in one step (size + 1 bytes: the short read is the end). /proc files
  // report size 0 and are read in growing steps; a file that grows stops at max_bytes + 1.
  std::string text;
  std::size_t have = 0;
  for (;;) {
    if (have == text.size()) {
      if (have > max_bytes) break;
      const std::uint64_t first = size_ > 0 ? size_ + 1 : 4096;
      text.resize(static_cast<std::size_t>(std::min<std::uint64_t>(max_bytes + 1, have == 0 ? first : std::uint64_t{have} * 2)));
    }
    const std::size_t want = text.size() - have;
    const std::size_t got = read_at(have, text.data() + have, want);
    have += got;
    if (got < want) break;  // the end of the file
  }
  if (have > max_bytes) throw InputError(path_ + ": " + name + " is larger than " + limit);
  text.resize(have);
  return text;
}

std::string read_input_file(const std::string& path, std::uint64_t max_bytes, std::string_view what) {
  return InputFile(path, what).read_all(max_bytes);
}

bool path_exists(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) return true;
  if (errno == ENOENT || errno == ENOTDIR) return false;
  throw InputError(path + ": cannot look it up: " + reason_of(errno));
}

}  // namespace vramfit::io
