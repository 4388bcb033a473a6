// One way to read any input file (catalogs, logs, model headers, recorded `detect` outputs): the
// kind and size of the file are checked before a byte is read, and no read is unbounded.
//
// Only regular files are inputs. A FIFO, socket or device would block or never end (`validate FIFO`
// hung, `models.yaml -> /dev/zero` grew without bound), and a directory or a symlink loop is a
// mistake to name, not a file to skip; each is refused with one line that names the path. The open
// itself cannot block: the path is stat'ed first, opened with O_NONBLOCK, and fstat'ed again (the
// file may have been swapped between the two). Limits per input are in docs/hardening.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace vramfit::io {

// Bytes to read at offsets: a local file (InputFile below) or a remote one read with HTTP Range
// requests (formats/remote_file.hpp). The header readers take one and read both the same way.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // The path or URL, as messages name it.
  [[nodiscard]] virtual const std::string& name() const = 0;
  [[nodiscard]] virtual std::uint64_t size() const = 0;
  // Up to `n` bytes at `offset`; fewer only at the end. An InputError when they cannot be read.
  virtual std::size_t read_at(std::uint64_t offset, void* out, std::size_t n) const = 0;
};

class InputFile : public ByteSource {
 public:
  // `what` names the input in messages: "PATH: cannot read WHAT: it is a FIFO (named pipe) ...".
  InputFile(const std::string& path, std::string_view what);
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  ~InputFile() override;

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] const std::string& name() const override { return path_; }
  // The size fstat reported at open (0 for /proc files, whose size is only known by reading them).
  [[nodiscard]] std::uint64_t size() const override { return size_; }

  // Up to `n` bytes at `offset`; fewer only at the end of the file. An InputError on a read error.
  std::size_t read_at(std::uint64_t offset, void* out, std::size_t n) const override;

  // The whole file, refused when it holds more than `max_bytes`: before reading when its size says
  // so, and after reading at most max_bytes + 1 bytes when it does not (a /proc file, a file that
  // grows while it is read).
  [[nodiscard]] std::string read_all(std::uint64_t max_bytes) const;

 private:
  std::string path_;
  std::string what_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

// InputFile(path, what).read_all(max_bytes).
std::string read_input_file(const std::string& path, std::uint64_t max_bytes, std::string_view what);

// Whether the path names anything at all (lstat: a dangling or looping symlink counts), so that a
// caller looking for optional files can tell "absent" from "present but unreadable".
bool path_exists(const std::string& path);

// "64 MiB" for whole MiB, else "N bytes": how the limits read in messages.
std::string limit_str(std::uint64_t bytes);

}  // namespace vramfit::io
