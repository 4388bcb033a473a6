// base/input_file.hpp: the one way every reader opens an input. Only regular files; the kind and size
// are known before a byte is read; /proc files (size 0) are read to their end within the limit.
#include <filesystem>
#include <fstream>

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/diagnostics.hpp"
#include "../hf/hf_test_util.hpp"
#include "base/input_file.hpp"

namespace vramfit::io {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/vramfit-input-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
  [[nodiscard]] std::string file(const std::string& name) const { return (path / name).string(); }
  [[nodiscard]] std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(file(name), std::ios::binary) << text;
    return file(name);
  }
};

using test::error_of;

TEST(InputFile, ReadsARegularFileWithinItsLimit) {
  TempDir dir;
  const std::string p = dir.write("a.yaml", "schema_version: 1\n");
  EXPECT_EQ(read_input_file(p, 18, "a.yaml"), "schema_version: 1\n");  // exactly at the limit
  EXPECT_EQ(error_of([&] { (void)read_input_file(p, 17, "a.yaml"); }), p + ": a.yaml is 18 bytes, more than the 17 bytes limit");
  EXPECT_EQ(error_of([&] { (void)read_input_file(p, 0, ""); }), p + ": the file is 18 bytes, more than the 0 bytes limit");
  const InputFile f(p, "a.yaml");
  EXPECT_EQ(f.size(), 18u);
  char buf[8] = {};
  EXPECT_EQ(f.read_at(15, buf, 8), 3u);  // "1\n" and nothing past the end
  EXPECT_EQ(std::string(buf, 3), " 1\n");
  EXPECT_EQ(f.read_at(18, buf, 8), 0u);
  EXPECT_EQ(read_input_file(dir.write("empty", ""), 1, "x"), "");
}

// The size check comes before the read: a 1 GiB sparse file is refused at once, with its size.
TEST(InputFile, RefusesAFileLargerThanItsLimitBeforeReadingIt) {
  TempDir dir;
  const std::string p = dir.file("big.yaml");
  { std::ofstream(p, std::ios::binary) << ""; }
  fs::resize_file(p, std::uintmax_t{1} << 30);
  EXPECT_EQ(error_of([&] { (void)read_input_file(p, std::uint64_t{64} << 20, "models.yaml"); }),
            p + ": models.yaml is 1073741824 bytes, more than the 64 MiB limit");
}

// /proc files report size 0; they are read to their end, and refused past the limit all the same.
TEST(InputFile, ReadsProcFilesWhoseSizeIsUnknown) {
  const InputFile f("/proc/self/status", "status");
  EXPECT_EQ(f.size(), 0u);
  const std::string text = f.read_all(1 << 20);
  EXPECT_EQ(text.rfind("Name:", 0), 0u) << text.substr(0, 40);
  EXPECT_NE(text.find("\nPid:"), std::string::npos);
  EXPECT_NE(error_of([&] { (void)read_input_file("/proc/self/status", 16, "status"); }).find("/proc/self/status: status is larger than the 16 bytes limit"),
            std::string::npos);
}

TEST(InputFile, RefusesEverythingButRegularFilesWithoutBlocking) {
  TempDir dir;
  const std::string fifo = dir.file("run.log");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // No writer: an open without O_NONBLOCK would wait here for ever.
  EXPECT_EQ(error_of([&] { InputFile f(fifo, "the log"); }), fifo + ": cannot read the log: it is a FIFO (named pipe), not a regular file");
  EXPECT_EQ(error_of([&] { InputFile f(dir.path.string(), "models.yaml"); }),
            dir.path.string() + ": cannot read models.yaml: it is a directory, not a file");
  EXPECT_EQ(error_of([&] { InputFile f("/dev/zero", "models.yaml"); }), "/dev/zero: cannot read models.yaml: it is a device, not a regular file");
  const std::string loop = dir.file("models.yaml");
  fs::create_symlink("models.yaml", loop);
  EXPECT_EQ(error_of([&] { InputFile f(loop, "models.yaml"); }),
            loop + ": cannot read models.yaml: too many levels of symbolic links (a symlink loop?)");
  EXPECT_EQ(error_of([&] { InputFile f(dir.file("missing"), "config.json"); }), dir.file("missing") + ": cannot read config.json: no such file");
  EXPECT_EQ(error_of([&] { InputFile f(dir.write("f", "x") + "/below", ""); }),
            dir.file("f") + "/below: cannot read: a component of the path is not a directory");
}

// path_exists: anything by that name, a dangling or looping symlink included; absent is not an error.
TEST(InputFile, PathExistsSeesLinksThatLeadNowhere) {
  TempDir dir;
  EXPECT_FALSE(path_exists(dir.file("none")));
  EXPECT_FALSE(path_exists(dir.file("none/deeper")));
  fs::create_symlink("gone", dir.file("dangling"));
  EXPECT_TRUE(path_exists(dir.file("dangling")));
  fs::create_symlink("loop", dir.file("loop"));
  EXPECT_TRUE(path_exists(dir.file("loop")));
  EXPECT_TRUE(path_exists(dir.path.string()));
}

TEST(InputFile, LimitsReadInMessages) {
  EXPECT_EQ(limit_str(std::uint64_t{64} << 20), "64 MiB");
  EXPECT_EQ(limit_str(1000), "1000 bytes");
  EXPECT_EQ(limit_str((std::uint64_t{1} << 20) + 1), "1048577 bytes");
}

}  // namespace
}  // namespace vramfit::io
