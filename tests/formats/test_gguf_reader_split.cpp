// read_model on split models as llama.cpp's gguf-split writes them: every part holds split.no (u16,
// 0-based), split.count (u16) and split.tensors.count (i32); part 1 also holds the model metadata;
// the parts are named PREFIX-%05d-of-%05d.gguf (llama_split_path).
#include "formats/gguf_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/diagnostics.hpp"
#include "gguf_bytes.hpp"

namespace {

namespace rd = vramfit::io::gguf;
using vramfit::gguf_test::Raw;
using vramfit::gguf_test::TempDir;
using vramfit::io::InputError;

struct Part {
  std::uint16_t no = 0;
  std::uint16_t count = 0;
  std::int32_t tensors_count = 0;
  std::vector<std::string> tensors;  // f32 [8] each: 32 bytes
  bool metadata = false;             // part 1: general.architecture too
};

// The part's bytes and its size with the data section.
std::pair<std::string, std::uint64_t> part_file(const Part& p) {
  Raw r;
  r.start(p.tensors.size(), p.metadata ? 4 : 3);
  r.key("split.no", 2).put<std::uint16_t>(p.no);
  r.key("split.count", 2).put<std::uint16_t>(p.count);
  r.key("split.tensors.count", 5).put<std::int32_t>(p.tensors_count);
  if (p.metadata) r.kv_string("general.architecture", "llama");
  for (std::size_t i = 0; i < p.tensors.size(); ++i) r.tensor(p.tensors[i], {8}, 0, 32 * i);
  r.pad();
  return {r.b, r.b.size() + 32 * p.tensors.size()};
}

std::vector<Part> three_parts() {
  return {{0, 3, 5, {"a", "b"}, true}, {1, 3, 5, {"c", "d"}, false}, {2, 3, 5, {"e"}, false}};
}

// Writes the parts as model-0000N-of-0000M.gguf; returns their paths.
std::vector<std::string> write_parts(const TempDir& dir, const std::vector<Part>& parts, const std::string& prefix = "model") {
  std::vector<std::string> paths;
  char suffix[64];
  for (std::size_t i = 0; i < parts.size(); ++i) {
    std::snprintf(suffix, sizeof suffix, "-%05zu-of-%05zu.gguf", i + 1, parts.size());
    const auto [bytes, size] = part_file(parts[i]);
    paths.push_back(dir.write(prefix + suffix, bytes, size));
  }
  return paths;
}

std::string error_of(const std::string& path) {
  try {
    (void)rd::read_model(path);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(GgufReaderSplit, ReadsEveryPart) {
  TempDir dir;
  const auto paths = write_parts(dir, three_parts());
  for (const std::string& given : paths) {  // any part names the model
    SCOPED_TRACE(given);
    const rd::Header h = rd::read_model(given);
    EXPECT_EQ(h.path, paths[0]);
    EXPECT_EQ(h.split_count, 3u);
    EXPECT_EQ(h.get_string("general.architecture"), "llama");
    EXPECT_EQ(h.get_u64("split.no"), 0u);
    ASSERT_EQ(h.tensors.size(), 5u);
    const char* names[] = {"a", "b", "c", "d", "e"};
    const std::uint32_t splits[] = {0, 0, 1, 1, 2};
    for (std::size_t i = 0; i < 5; ++i) {
      EXPECT_EQ(h.tensors[i].name, names[i]);
      EXPECT_EQ(h.tensors[i].split, splits[i]);
      EXPECT_EQ(h.tensors[i].bytes, 32);
    }
    EXPECT_EQ(h.tensors[3].offset, 32u);  // offsets are per part
    std::uint64_t total = 0;
    for (const std::string& p : paths) total += std::filesystem::file_size(p);
    EXPECT_EQ(h.file_size, total);
  }
  // read_header reads the one file it is given.
  EXPECT_EQ(rd::read_header(paths[1]).tensors.size(), 2u);
}

TEST(GgufReaderSplit, SplitCountOneIsOneFile) {
  TempDir dir;
  const auto paths = write_parts(dir, {{0, 1, 2, {"a", "b"}, true}});
  const rd::Header h = rd::read_model(paths[0]);
  EXPECT_EQ(h.split_count, 1u);
  EXPECT_EQ(h.tensors.size(), 2u);
}

TEST(GgufReaderSplit, MissingPart) {
  TempDir dir;
  const auto paths = write_parts(dir, three_parts());
  std::filesystem::remove(paths[2]);
  EXPECT_EQ(error_of(paths[0]), paths[0] + ": split part 3 of 3 is missing: " + paths[2]);
}

TEST(GgufReaderSplit, PartsThatDisagree) {
  struct Case {
    const char* name;
    void (*change)(std::vector<Part>&);
    std::size_t blamed;  // the part the message names
    const char* phrase;
  };
  const Case cases[] = {
      {"wrong split.no", [](std::vector<Part>& p) { p[1].no = 2; }, 1, "split.no is 2, expected 1"},
      {"wrong split.count", [](std::vector<Part>& p) { p[2].count = 4; }, 2, "split.count is 4, expected 3"},
      {"tensors.count differs", [](std::vector<Part>& p) { p[1].tensors_count = 6; }, 1, "split.tensors.count disagrees with part 1"},
      {"tensors.count wrong", [](std::vector<Part>& p) { for (Part& x : p) x.tensors_count = 6; }, 0,
       "split.tensors.count is 6 but the parts hold 5 tensors"},
      {"duplicate tensor", [](std::vector<Part>& p) { p[2].tensors = {"b"}; }, 2, "duplicate tensor name 'b' (also in an earlier part)"},
      {"split.no past count", [](std::vector<Part>& p) { p[0].no = 3; }, 0, "split.no 3 is not below split.count 3"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    TempDir dir;
    std::vector<Part> parts = three_parts();
    c.change(parts);
    const auto paths = write_parts(dir, parts);
    const std::string m = error_of(paths[0]);
    EXPECT_EQ(m.rfind(paths[c.blamed] + ": ", 0), 0u) << m;
    EXPECT_NE(m.find(c.phrase), std::string::npos) << m;
  }
}

// The other parts are found by name, so a renamed part 1 cannot lead to them.
TEST(GgufReaderSplit, PartNamedOtherwise) {
  TempDir dir;
  const auto paths = write_parts(dir, three_parts());
  const std::string renamed = dir.file("model.gguf");
  std::filesystem::rename(paths[0], renamed);
  EXPECT_EQ(error_of(renamed), renamed + ": part 1 of a split model must be named PREFIX-00001-of-00003.gguf for its other parts to be found");
}

}  // namespace
