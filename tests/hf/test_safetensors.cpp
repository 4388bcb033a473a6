// safetensors headers written by the test (header + sparse data): the valid layout and every
// hostile variant the reader must refuse with an InputError naming the file.
#include <gtest/gtest.h>

#include "formats/hf_config.hpp"
#include "formats/safetensors.hpp"
#include "hf_test_util.hpp"

namespace vramfit {
namespace {

using io::hf::read_safetensors_header;
using test::expect_input_error;
using test::write_safetensors;

TEST(Safetensors, ReadsTensorsAndMetadata) {
  test::TempDir dir;
  const std::string f = dir.file("model.safetensors");
  // bf16 [4096, 4096] = 33,554,432 B; F32 [4096] = 16,384 B; F4 [2, 16] = 16 B; I32 qweight [512, 4096] = 8 MiB.
  write_safetensors(f,
                    R"({"__metadata__": {"format": "pt"},
                        "a.weight": {"dtype": "BF16", "shape": [4096, 4096], "data_offsets": [0, 33554432]},
                        "b.weight": {"dtype": "F32", "shape": [4096], "data_offsets": [33554432, 33570816]},
                        "c.weight": {"dtype": "F4", "shape": [2, 16], "data_offsets": [33570816, 33570832]},
                        "d.qweight": {"dtype": "I32", "shape": [512, 4096], "data_offsets": [33570832, 41959440]},
                        "e.scalar": {"dtype": "F16", "shape": [], "data_offsets": [41959440, 41959442]},
                        "f.empty": {"dtype": "F16", "shape": [0, 8], "data_offsets": [41959442, 41959442]}})",
                    41959442);
  const io::hf::SafetensorsHeader h = read_safetensors_header(f);
  ASSERT_EQ(h.tensors.size(), 6u);
  EXPECT_EQ(h.metadata.at("format"), "pt");
  EXPECT_EQ(h.data_bytes, 41959442u);
  EXPECT_EQ(h.tensors[0].name, "a.weight");
  EXPECT_EQ(h.tensors[0].elements, 16777216);
  EXPECT_EQ(h.tensors[0].end - h.tensors[0].begin, 33554432u);
  EXPECT_EQ(h.tensors[2].elements, 32);  // 4-bit: 16 bytes
  EXPECT_EQ(h.tensors[4].elements, 1);   // rank-0 tensor
  EXPECT_EQ(h.tensors[5].elements, 0);
}

TEST(Safetensors, DtypeSizes) {
  EXPECT_EQ(io::hf::safetensors_dtype_bits("BF16"), 16);
  EXPECT_EQ(io::hf::safetensors_dtype_bits("F8_E4M3"), 8);
  EXPECT_EQ(io::hf::safetensors_dtype_bits("F8_E8M0"), 8);
  EXPECT_EQ(io::hf::safetensors_dtype_bits("I64"), 64);
  EXPECT_EQ(io::hf::safetensors_dtype_bits("BOOL"), 8);
  EXPECT_EQ(io::hf::safetensors_dtype_bits("F4"), 4);
  EXPECT_EQ(io::hf::safetensors_dtype_bits("Q4_K"), 0);
}

struct Hostile {
  const char* name;
  std::string header;
  std::uint64_t data_bytes;
  std::uint64_t declared;  // UINT64_MAX: the header's real length
  const char* needle;
};

class HostileSafetensors : public ::testing::TestWithParam<Hostile> {};

TEST_P(HostileSafetensors, IsAnInputErrorNamingTheFile) {
  const Hostile& c = GetParam();
  test::TempDir dir;
  const std::string f = dir.file("x.safetensors");
  write_safetensors(f, c.header, c.data_bytes, c.declared);
  expect_input_error([&] { read_safetensors_header(f); }, f, c.needle);
}

const std::string kOne = R"({"w": {"dtype": "F16", "shape": [4, 4], "data_offsets": [0, 32]}})";

INSTANTIATE_TEST_SUITE_P(
    Cases, HostileSafetensors,
    ::testing::Values(
        Hostile{"length_past_end", kOne, 0, 1000, "truncated: header length 1000 but the file has"},
        Hostile{"length_huge", kOne, 0, std::uint64_t{1} << 40, "exceeds the 100 MiB limit"},
        Hostile{"length_max", kOne, 0, UINT64_MAX - 1, "exceeds the 100 MiB limit"},
        Hostile{"bad_json", R"({"w": {"dtype": )", 0, UINT64_MAX, "invalid JSON header at byte"},
        Hostile{"not_object", "[1, 2, 3]", 0, UINT64_MAX, "header is not a JSON object"},
        Hostile{"data_truncated", kOne, 16, UINT64_MAX, "data_offsets [0, 32] outside the 16-byte data section"},
        Hostile{"offsets_reversed", R"({"w": {"dtype": "F16", "shape": [4, 4], "data_offsets": [32, 0]}})", 64, UINT64_MAX,
                "outside the"},
        Hostile{"offsets_negative", R"({"w": {"dtype": "F16", "shape": [4, 4], "data_offsets": [-32, 0]}})", 64, UINT64_MAX,
                "data_offsets is not [begin, end]"},
        Hostile{"overlap",
                R"({"a": {"dtype": "F16", "shape": [16], "data_offsets": [0, 32]},
                    "b": {"dtype": "F16", "shape": [16], "data_offsets": [16, 48]}})",
                64, UINT64_MAX, "tensors 'a' and 'b' overlap"},
        Hostile{"size_mismatch", R"({"w": {"dtype": "BF16", "shape": [4, 4], "data_offsets": [0, 16]}})", 64, UINT64_MAX,
                "16 elements of BF16 need 32 bytes but data_offsets span 16"},
        Hostile{"bad_dtype", R"({"w": {"dtype": "Q4_K", "shape": [4], "data_offsets": [0, 4]}})", 64, UINT64_MAX,
                "tensor 'w': unknown dtype 'Q4_K'"},
        Hostile{"shape_overflow",
                R"({"w": {"dtype": "F32", "shape": [4294967296, 4294967296, 4], "data_offsets": [0, 4]}})", 64, UINT64_MAX,
                "shape overflows"},
        Hostile{"shape_bytes_overflow", R"({"w": {"dtype": "F64", "shape": [4611686018427387903], "data_offsets": [0, 8]}})",
                64, UINT64_MAX, "shape overflows (more than 2^62 bytes)"},
        Hostile{"shape_negative", R"({"w": {"dtype": "F32", "shape": [-1, 4], "data_offsets": [0, 4]}})", 64, UINT64_MAX,
                "not a non-negative integer"},
        Hostile{"shape_rank", R"({"w": {"dtype": "F32", "shape": [1,1,1,1,1,1,1,1,1], "data_offsets": [0, 4]}})", 64,
                UINT64_MAX, "at most 8 dimensions"},
        Hostile{"half_byte", R"({"w": {"dtype": "F4", "shape": [3], "data_offsets": [0, 2]}})", 64, UINT64_MAX,
                "not a whole number of bytes"},
        Hostile{"missing_fields", R"({"w": {"dtype": "F32"}})", 64, UINT64_MAX, "expected {dtype, shape, data_offsets}"},
        Hostile{"deep_nesting", "{\"w\": " + std::string(100000, '['), 0, UINT64_MAX, "nested deeper than 64 levels"},
        Hostile{"metadata_not_strings", R"({"__metadata__": {"x": 1}})", 0, UINT64_MAX, "__metadata__.x is not a string"}),
    [](const ::testing::TestParamInfo<Hostile>& i) { return std::string(i.param.name); });

TEST(Safetensors, ShorterThanTheLengthField) {
  test::TempDir dir;
  const std::string f = dir.file("short.safetensors");
  test::write_text(f, "abc");
  expect_input_error([&] { read_safetensors_header(f); }, f, "truncated: 3 bytes");
  expect_input_error([&] { read_safetensors_header(dir.file("none.safetensors")); }, dir.file("none.safetensors"), "cannot read");
}

TEST(Safetensors, IndexNamesShardsBesideIt) {
  test::TempDir dir;
  write_safetensors(dir.file("model-00001-of-00002.safetensors"), kOne, 32);
  write_safetensors(dir.file("model-00002-of-00002.safetensors"), kOne, 32);
  write_safetensors(dir.file("consolidated.safetensors"), kOne, 32);
  test::write_text(dir.file("model.safetensors.index.json"),
                   R"({"metadata": {"total_size": 64}, "weight_map": {"a": "model-00002-of-00002.safetensors",
                       "b": "model-00001-of-00002.safetensors", "c": "model-00001-of-00002.safetensors"}})");
  const std::vector<std::string> files = io::hf::safetensors_files(dir.str());
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0], dir.file("model-00001-of-00002.safetensors"));

  test::write_text(dir.file("model.safetensors.index.json"), R"({"weight_map": {"a": "../../etc/passwd"}})");
  expect_input_error([&] { io::hf::safetensors_files(dir.str()); }, dir.file("model.safetensors.index.json"),
                     "not a file name in the same directory");
  test::write_text(dir.file("model.safetensors.index.json"), R"({"weight_map": {"a": "model-00003-of-00003.safetensors"}})");
  expect_input_error([&] { io::hf::safetensors_files(dir.str()); }, dir.file("model.safetensors.index.json"),
                     "shard 'model-00003-of-00003.safetensors' is missing");
  std::filesystem::resize_file(dir.file("model.safetensors.index.json"), io::hf::kMaxIndexBytes + 1);
  expect_input_error([&] { io::hf::safetensors_files(dir.str()); }, dir.file("model.safetensors.index.json"),
                     "safetensors index is 67108865 bytes, more than the 64 MiB limit");
  test::write_text(dir.file("model.safetensors.index.json"), R"({"weight_map": )");
  expect_input_error([&] { io::hf::safetensors_files(dir.str()); }, dir.file("model.safetensors.index.json"), "invalid JSON at byte");
}

TEST(Safetensors, WithoutIndexModelFilesComeFirst) {
  test::TempDir dir;
  write_safetensors(dir.file("consolidated.safetensors"), kOne, 32);
  EXPECT_TRUE(io::hf::safetensors_files(dir.str()).empty());  // Mistral's consolidated copy is not the HF checkpoint
  write_safetensors(dir.file("adapter.safetensors"), kOne, 32);
  EXPECT_EQ(io::hf::safetensors_files(dir.str()).size(), 1u);
  write_safetensors(dir.file("model.safetensors"), kOne, 32);
  ASSERT_EQ(io::hf::safetensors_files(dir.str()).size(), 1u);
  EXPECT_EQ(io::hf::safetensors_files(dir.str())[0], dir.file("model.safetensors"));
}

}  // namespace
}  // namespace vramfit
