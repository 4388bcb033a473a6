// The GGUF byte layout, checked against offsets worked out by hand from the format description in
// gguf_writer.hpp (ggml/src/gguf.cpp): header 24 bytes, key-value pairs, tensor infos, padding,
// tensor data at PAD(previous end, alignment).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "gguf_writer.hpp"

namespace vramfit::gguf {
namespace {

template <class T>
T at(const std::string& bytes, std::size_t pos) {
  T v{};
  std::memcpy(&v, bytes.data() + pos, sizeof(T));
  return v;
}

// One u32 key "a" = 7, an f32 vector of 3 (12 bytes) and a q8_0 matrix 32 x 2 (2 blocks of 34 bytes).
Writer small() {
  Writer w;
  w.add_u32("a", 7);
  w.add_tensor("t0", {3}, 0, 12);
  w.add_tensor("t1", {32, 2}, 8, 68);
  return w;
}

TEST(GgufWriter, HeaderBytesAtHandComputedOffsets) {
  const std::string h = small().header();
  // [0,24)  "GGUF", version 3, 2 tensors, 1 key
  EXPECT_EQ(h.substr(0, 4), "GGUF");
  EXPECT_EQ(at<std::uint32_t>(h, 4), 3u);
  EXPECT_EQ(at<std::uint64_t>(h, 8), 2u);
  EXPECT_EQ(at<std::uint64_t>(h, 16), 1u);
  // [24,41) key: u64 length 1, "a", u32 type 4 (UINT32), u32 value 7  -> 8 + 1 + 4 + 4 = 17 bytes
  EXPECT_EQ(at<std::uint64_t>(h, 24), 1u);
  EXPECT_EQ(h[32], 'a');
  EXPECT_EQ(at<std::uint32_t>(h, 33), 4u);
  EXPECT_EQ(at<std::uint32_t>(h, 37), 7u);
  // [41,75) t0: u64 length 2, "t0", u32 n_dims 1, u64 ne0 3, u32 type 0, u64 offset 0  -> 34 bytes
  EXPECT_EQ(at<std::uint64_t>(h, 41), 2u);
  EXPECT_EQ(h.substr(49, 2), "t0");
  EXPECT_EQ(at<std::uint32_t>(h, 51), 1u);
  EXPECT_EQ(at<std::int64_t>(h, 55), 3);
  EXPECT_EQ(at<std::uint32_t>(h, 63), 0u);
  EXPECT_EQ(at<std::uint64_t>(h, 67), 0u);
  // [75,117) t1: name, n_dims 2, ne 32 and 2, type 8 (Q8_0), offset PAD(12, 32) = 32  -> 42 bytes
  EXPECT_EQ(h.substr(83, 2), "t1");
  EXPECT_EQ(at<std::uint32_t>(h, 85), 2u);
  EXPECT_EQ(at<std::int64_t>(h, 89), 32);
  EXPECT_EQ(at<std::int64_t>(h, 97), 2);
  EXPECT_EQ(at<std::uint32_t>(h, 105), 8u);
  EXPECT_EQ(at<std::uint64_t>(h, 109), 32u);
  // [117,128) zero padding up to the 32-byte aligned data section
  ASSERT_EQ(h.size(), 128u);
  EXPECT_EQ(h.substr(117), std::string(11, '\0'));
}

TEST(GgufWriter, LayoutPadsEveryTensorToTheAlignment) {
  const Writer w = small();
  const Layout l = w.layout();
  EXPECT_EQ(l.header_bytes, 117u);
  EXPECT_EQ(l.data_start, 128u);
  EXPECT_EQ(w.tensors()[0].offset, 0u);
  EXPECT_EQ(w.tensors()[1].offset, 32u);  // PAD(12, 32)
  EXPECT_EQ(l.data_bytes, 32u + 96u);     // PAD(12) + PAD(68)
  EXPECT_EQ(l.file_size, 256u);
}

TEST(GgufWriter, StringsAndArraysAreLengthPrefixed) {
  Writer w;
  w.add_string("k", "xyz");
  w.add_i32s("v", {-1, 2});
  w.add_bool("b", true);
  const std::string h = w.header();
  EXPECT_EQ(at<std::uint64_t>(h, 16), 3u);
  // "k": [24,33) key, [33,37) type 8 (STRING), [37,45) length 3, [45,48) "xyz"
  EXPECT_EQ(at<std::uint32_t>(h, 33), 8u);
  EXPECT_EQ(at<std::uint64_t>(h, 37), 3u);
  EXPECT_EQ(h.substr(45, 3), "xyz");
  // "v": [48,57) key, [57,61) type 9 (ARRAY), [61,65) element type 5 (INT32), [65,73) count 2, values
  EXPECT_EQ(at<std::uint32_t>(h, 57), 9u);
  EXPECT_EQ(at<std::uint32_t>(h, 61), 5u);
  EXPECT_EQ(at<std::uint64_t>(h, 65), 2u);
  EXPECT_EQ(at<std::int32_t>(h, 73), -1);
  EXPECT_EQ(at<std::int32_t>(h, 77), 2);
  // "b": [81,90) key, [90,94) type 7 (BOOL), one byte 1
  EXPECT_EQ(at<std::uint32_t>(h, 90), 7u);
  EXPECT_EQ(h[94], 1);
  EXPECT_EQ(w.layout().header_bytes, 95u);
}

TEST(GgufWriter, OtherAlignmentIsStoredAsGeneralAlignment) {
  Writer w(64);
  w.add_tensor("t", {3}, 0, 12);
  w.add_tensor("u", {3}, 0, 12);
  const std::string h = w.header();
  EXPECT_EQ(w.kv_count(), 1u);
  // key "general.alignment" (17 chars): [24,49), type 4 at 49, value 64 at 53
  EXPECT_EQ(h.substr(32, 17), "general.alignment");
  EXPECT_EQ(at<std::uint32_t>(h, 49), 4u);
  EXPECT_EQ(at<std::uint32_t>(h, 53), 64u);
  EXPECT_EQ(h.size() % 64, 0u);
  EXPECT_EQ(w.tensors()[1].offset, 64u);
  EXPECT_THROW(Writer(48), std::invalid_argument);
  EXPECT_THROW(Writer(0), std::invalid_argument);
}

TEST(GgufWriter, RefusesWhatGgufCannotHold) {
  Writer w;
  w.add_tensor("t", {1}, 0, 4);
  EXPECT_THROW(w.add_tensor("t", {1}, 0, 4), std::invalid_argument);                      // duplicate
  EXPECT_THROW(w.add_tensor(std::string(64, 'n'), {1}, 0, 4), std::invalid_argument);     // GGML_MAX_NAME
  EXPECT_NO_THROW(w.add_tensor(std::string(63, 'n'), {1}, 0, 4));
  EXPECT_THROW(w.add_tensor("five", {1, 1, 1, 1, 1}, 0, 4), std::invalid_argument);       // GGML_MAX_DIMS
  EXPECT_THROW(w.add_tensor("", {1}, 0, 4), std::invalid_argument);
}

TEST(GgufWriter, FileIsHeaderThenZerosToTheFullSize) {
  const Writer w = small();
  // A name of its own: other test runs (ASan, other checkouts) may share the temp directory.
  const auto path = std::filesystem::temp_directory_path() /
                    ("vramfit_gguf_writer_test_" + std::to_string(std::random_device{}()) + ".gguf");
  w.write(path);
  EXPECT_EQ(std::filesystem::file_size(path), 256u);
  std::ifstream f(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes.substr(0, 128), w.header());
  EXPECT_EQ(bytes.substr(128), std::string(128, '\0'));
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace vramfit::gguf
