// read_header on valid files: metadata of every value type, tensor sizes worked out by hand from
// the ggml block layouts, the data section offset, long arrays kept as counts, GGUF v2, and a 40 GB
// file whose data is a hole.
#include "formats/gguf_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/diagnostics.hpp"
#include "gguf_bytes.hpp"
#include "gguf_writer.hpp"

namespace {

namespace rd = vramfit::io::gguf;
namespace wr = vramfit::gguf;
using vramfit::gguf_test::Raw;
using vramfit::gguf_test::TempDir;
using vramfit::io::InputError;

// The message of the InputError `f` throws, or "" when it throws none.
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

struct SizeCase {
  const char* name;
  std::uint32_t type;
  std::vector<std::int64_t> ne;
  std::int64_t bytes;  // by hand: ne0 / block * block_bytes * ne1 * ne2 * ne3
};

const std::vector<SizeCase>& size_cases() {
  static const std::vector<SizeCase> cases = {
      {"q4_K", 12, {4096, 4096}, 4096LL * 4096 / 256 * 144},          // 9437184
      {"q6_K", 14, {4096, 128256}, 16LL * 210 * 128256},             // 430940160
      {"q8_0", 8, {4096, 14336}, 128LL * 34 * 14336},                 // 62390272
      {"f32", 0, {4096}, 16384},
      {"f16", 1, {4096, 32000}, 262144000},
      {"bf16", 30, {8, 2, 3}, 96},
      {"mxfp4", 39, {2880, 2880, 32}, 90LL * 17 * 2880 * 32},        // 141004800
      {"iq4_xs", 23, {4096, 11008}, 16LL * 136 * 11008},             // 23953408
      {"tq1_0", 34, {256, 4}, 54 * 4},
      {"iq1_m", 29, {512}, 2 * 56},
      {"q4_0", 2, {32, 1, 1, 7}, 18 * 7},
      {"i32", 26, {10}, 40},
  };
  return cases;
}

TEST(GgufReader, TensorBytesFromTheBlockLayouts) {
  TempDir dir;
  wr::Writer w;
  w.add_string("general.architecture", "llama");
  for (const SizeCase& c : size_cases()) w.add_tensor(c.name, c.ne, c.type, static_cast<std::uint64_t>(c.bytes));
  const std::string path = dir.file("sizes.gguf");
  w.write(path);

  const rd::Header h = rd::read_header(path);
  EXPECT_EQ(h.path, path);
  EXPECT_EQ(h.version, 3u);
  EXPECT_EQ(h.alignment, 32u);
  EXPECT_EQ(h.data_offset % 32, 0u);
  EXPECT_EQ(h.data_offset, w.layout().data_start);
  EXPECT_EQ(h.file_size, w.layout().file_size);
  EXPECT_EQ(h.split_count, 1u);
  ASSERT_EQ(h.tensors.size(), size_cases().size());
  for (std::size_t i = 0; i < h.tensors.size(); ++i) {
    const SizeCase& c = size_cases()[i];
    const rd::TensorInfo& t = h.tensors[i];
    SCOPED_TRACE(c.name);
    EXPECT_EQ(t.name, c.name);
    EXPECT_EQ(t.ggml_type, c.type);
    EXPECT_EQ(t.n_dims, c.ne.size());
    std::int64_t elements = 1;
    for (std::size_t j = 0; j < 4; ++j) {
      const std::int64_t n = j < c.ne.size() ? c.ne[j] : 1;
      EXPECT_EQ(t.ne[j], n);
      elements *= n;
    }
    EXPECT_EQ(t.elements, elements);
    EXPECT_EQ(t.bytes, c.bytes);
    EXPECT_EQ(t.offset, w.tensors()[i].offset);
    EXPECT_EQ(t.offset % 32, 0u);
    EXPECT_EQ(t.split, 0u);
  }
  EXPECT_EQ(h.tensors[0].bytes, 9437184);
}

// A tiny file laid out by hand: 24 B prefix, one u32 key, one tensor info, padding to 32.
TEST(GgufReader, DataOffsetIsTheHeaderEndPaddedToTheAlignment) {
  TempDir dir;
  Raw r;
  r.start(1, 1).kv_u32("a", 7).tensor("t", {8}, 0, 0);
  // 24 + (8 + 1 + 4 + 4) + (8 + 1 + 4 + 8 + 4 + 8) = 74 bytes -> data at 96
  ASSERT_EQ(r.b.size(), 74u);
  const std::string path = dir.write("tiny.gguf", r.b, 96 + 32);
  const rd::Header h = rd::read_header(path);
  EXPECT_EQ(h.data_offset, 96u);
  EXPECT_EQ(h.file_size, 128u);
  EXPECT_EQ(h.get_u64("a"), 7u);
  EXPECT_EQ(h.tensors.at(0).bytes, 32);
}

TEST(GgufReader, AlignmentFromGeneralAlignment) {
  TempDir dir;
  wr::Writer w(64);
  w.add_tensor("a", {10}, 0, 40);
  w.add_tensor("b", {10}, 0, 40);
  const std::string path = dir.file("align64.gguf");
  w.write(path);
  const rd::Header h = rd::read_header(path);
  EXPECT_EQ(h.alignment, 64u);
  EXPECT_EQ(h.get_u64("general.alignment"), 64u);
  EXPECT_EQ(h.data_offset % 64, 0u);
  EXPECT_EQ(h.tensors.at(1).offset, 64u);  // 40 bytes padded to 64
}

TEST(GgufReader, MetadataFromTheWriter) {
  TempDir dir;
  wr::Writer w;
  w.add_string("general.architecture", "qwen3");
  w.add_u32("qwen3.block_count", 36);
  w.add_i32("qwen3.some_signed", -12);
  w.add_u64("general.parameter_count", 8190735360ULL);
  w.add_f32("qwen3.rope.freq_base", 1000000.0f);
  w.add_bool("tokenizer.ggml.add_bos_token", false);
  w.add_strings("general.tags", {"text-generation", "chat"});
  w.add_f32s("qwen3.rope.factors", {1.0f, 0.5f});
  w.add_i32s("qwen3.attention.head_count_kv", {8, 8, 0, 8});
  w.add_tensor("token_embd.weight", {4096, 151936}, 12, 4096ULL / 256 * 144 * 151936);
  const std::string path = dir.file("meta.gguf");
  w.write(path);

  const rd::Header h = rd::read_header(path);
  EXPECT_EQ(h.kv.size(), 9u);
  EXPECT_EQ(h.get_string("general.architecture"), "qwen3");
  EXPECT_EQ(h.get_u64("qwen3.block_count"), 36u);
  EXPECT_EQ(h.get_i64("qwen3.block_count"), 36);
  EXPECT_EQ(h.get_i64("qwen3.some_signed"), -12);
  EXPECT_EQ(h.get_u64("general.parameter_count"), 8190735360ULL);
  EXPECT_EQ(h.get_f64("qwen3.rope.freq_base"), 1000000.0);
  EXPECT_EQ(h.get_f64("qwen3.block_count"), 36.0);
  EXPECT_EQ(h.get_bool("tokenizer.ggml.add_bos_token"), false);
  EXPECT_EQ(h.string_array("general.tags"), (std::vector<std::string>{"text-generation", "chat"}));
  EXPECT_EQ(h.float_array("qwen3.rope.factors"), (std::vector<double>{1.0, 0.5}));
  EXPECT_EQ(h.int_array("qwen3.attention.head_count_kv"), (std::vector<std::int64_t>{8, 8, 0, 8}));
  EXPECT_EQ(h.array_count("qwen3.attention.head_count_kv"), 4u);
  EXPECT_EQ(h.find("qwen3.attention.head_count_kv")->elem_type, rd::ValueType::i32);
  EXPECT_EQ(h.find("nope"), nullptr);
  EXPECT_EQ(h.get_u64("nope"), std::nullopt);
  EXPECT_EQ(h.int_array("nope"), std::nullopt);
  // A single value where an array may stand (llama.cpp get_key_or_arr): no array, the scalar is there.
  EXPECT_EQ(h.int_array("qwen3.block_count"), std::nullopt);
  EXPECT_EQ(h.tensors.at(0).bytes, 16LL * 144 * 151936);
}

TEST(GgufReader, EveryValueType) {
  TempDir dir;
  Raw r;
  r.start(0, 16);
  r.key("u8", 0).put<std::uint8_t>(200);
  r.key("i8", 1).put<std::int8_t>(-5);
  r.key("u16", 2).put<std::uint16_t>(60000);
  r.key("i16", 3).put<std::int16_t>(-300);
  r.key("u32", 4).put<std::uint32_t>(4000000000u);
  r.key("i32", 5).put<std::int32_t>(-2000000000);
  r.key("f32", 6).put<float>(0.5f);
  r.key("bool", 7).put<std::uint8_t>(1);
  r.key("string", 8).str("hello");
  r.key("u64", 10).put<std::uint64_t>(1ULL << 40);
  r.key("i64", 11).put<std::int64_t>(-(1LL << 40));
  r.key("f64", 12).put<double>(2.25);
  r.array("bools", 7, 3).u8(1).u8(0).u8(1);
  r.array("u64s", 10, 2).u64(1).u64(1ULL << 63);
  r.array("f64s", 12, 2).put<double>(-1.5).put<double>(3.0);
  r.array("empty", 8, 0);
  const std::string path = dir.write("types.gguf", r.b);

  const rd::Header h = rd::read_header(path);
  EXPECT_EQ(h.get_u64("u8"), 200u);
  EXPECT_EQ(h.get_i64("i8"), -5);
  EXPECT_EQ(h.get_u64("u16"), 60000u);
  EXPECT_EQ(h.get_i64("i16"), -300);
  EXPECT_EQ(h.get_u64("u32"), 4000000000u);
  EXPECT_EQ(h.get_i64("i32"), -2000000000);
  EXPECT_EQ(h.get_f64("f32"), 0.5);
  EXPECT_EQ(h.get_bool("bool"), true);
  EXPECT_EQ(h.get_string("string"), "hello");
  EXPECT_EQ(h.get_u64("u64"), 1ULL << 40);
  EXPECT_EQ(h.get_i64("i64"), -(1LL << 40));
  EXPECT_EQ(h.get_f64("f64"), 2.25);
  EXPECT_EQ(h.get_f64("i64"), -1099511627776.0);
  EXPECT_EQ(h.bool_array("bools"), (std::vector<bool>{true, false, true}));
  EXPECT_EQ(h.int_array("bools"), (std::vector<std::int64_t>{1, 0, 1}));
  EXPECT_EQ(h.float_array("f64s"), (std::vector<double>{-1.5, 3.0}));
  EXPECT_EQ(h.string_array("empty"), std::vector<std::string>{});
  EXPECT_EQ(h.find("u8")->type, rd::ValueType::u8);
  EXPECT_EQ(rd::value_type_name(h.find("f64")->type), "float64");
  EXPECT_TRUE(h.tensors.empty());
  // u64 elements past int64 are refused by int_array, not wrapped.
  EXPECT_NE(error_of([&] { (void)h.int_array("u64s"); }).find("more than 2^63-1"), std::string::npos);
}

TEST(GgufReader, LookUpsOfTheWrongTypeNameTheFileAndTheKey) {
  TempDir dir;
  Raw r;
  r.start(0, 5);
  r.key("neg", 1).put<std::int8_t>(-1);
  r.key("big", 10).u64(1ULL << 63);
  r.kv_string("s", "x");
  r.array("f", 6, 1).put<float>(1.0f);
  r.kv_u32("n", 3);
  const std::string path = dir.write("lookups.gguf", r.b);
  const rd::Header h = rd::read_header(path);

  struct Case {
    std::string message;
    const char* phrase;
  } cases[] = {
      {error_of([&] { (void)h.get_u64("neg"); }), "key 'neg' is -1, expected a value of at least 0"},
      {error_of([&] { (void)h.get_i64("big"); }), "key 'big' is 9223372036854775808, more than 2^63-1"},
      {error_of([&] { (void)h.get_i64("s"); }), "key 's' is string, expected an integer"},
      {error_of([&] { (void)h.get_f64("s"); }), "expected a number"},
      {error_of([&] { (void)h.get_string("n"); }), "key 'n' is uint32, expected a string"},
      {error_of([&] { (void)h.get_bool("n"); }), "expected a bool"},
      {error_of([&] { (void)h.array_count("n"); }), "expected an array"},
      {error_of([&] { (void)h.int_array("f"); }), "key 'f' is an array of float32, expected an array of integers"},
      {error_of([&] { (void)h.string_array("f"); }), "expected an array of strings"},
      {error_of([&] { (void)h.get_u64("f"); }), "expected an integer"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.message.rfind(path + ": ", 0), 0u) << c.message;
    EXPECT_NE(c.message.find(c.phrase), std::string::npos) << c.message;
  }
}

// tokenizer.ggml.tokens of a 150k vocabulary: read over, its count kept, the keys after it intact.
TEST(GgufReader, LongArraysAndStringsKeepOnlyTheirSize) {
  TempDir dir;
  wr::Writer w;
  std::vector<std::string> tokens;
  for (int i = 0; i < 150000; ++i) tokens.push_back("tok" + std::to_string(i));
  w.add_strings("tokenizer.ggml.tokens", tokens);
  w.add_i32s("tokenizer.ggml.token_type", std::vector<std::int32_t>(100000, 1));
  w.add_i32s("kept", std::vector<std::int32_t>(rd::kMaxKeptArray, 2));
  w.add_string("tokenizer.chat_template", std::string(rd::kMaxKeptString + 1, 'x'));
  w.add_strings("short", std::vector<std::string>(rd::kMaxKeptStringArray, "s"));
  w.add_u32("after", 42);
  w.add_tensor("t", {32}, 0, 128);
  const std::string path = dir.file("vocab.gguf");
  w.write(path);

  const rd::Header h = rd::read_header(path);
  EXPECT_EQ(h.array_count("tokenizer.ggml.tokens"), 150000u);
  EXPECT_FALSE(h.find("tokenizer.ggml.tokens")->kept);
  EXPECT_TRUE(h.find("tokenizer.ggml.tokens")->strings.empty());
  EXPECT_EQ(h.array_count("tokenizer.ggml.token_type"), 100000u);
  EXPECT_TRUE(h.find("tokenizer.ggml.token_type")->ints.empty());
  EXPECT_EQ(h.int_array("kept")->size(), rd::kMaxKeptArray);
  EXPECT_EQ(h.find("tokenizer.chat_template")->size, rd::kMaxKeptString + 1);
  EXPECT_TRUE(h.find("tokenizer.chat_template")->s.empty());
  EXPECT_EQ(h.string_array("short")->size(), rd::kMaxKeptStringArray);
  EXPECT_EQ(h.get_u64("after"), 42u);
  EXPECT_EQ(h.tensors.at(0).bytes, 128);

  EXPECT_NE(error_of([&] { (void)h.string_array("tokenizer.ggml.tokens"); }).find("150000 elements, too many to keep"),
            std::string::npos);
  EXPECT_NE(error_of([&] { (void)h.int_array("tokenizer.ggml.token_type"); }).find("too many to keep"), std::string::npos);
  EXPECT_NE(error_of([&] { (void)h.get_string("tokenizer.chat_template"); }).find("too long to keep"), std::string::npos);
}

// GGUF v2 has v3's layout (v3 only added big-endian files): the same bytes with version 2 read the same.
TEST(GgufReader, Version2) {
  TempDir dir;
  wr::Writer w;
  w.add_u32("llama.block_count", 2);
  w.add_tensor("output.weight", {4096, 1000}, 14, 16ULL * 210 * 1000);
  std::string bytes = w.header();
  bytes[4] = 2;
  const std::string path = dir.write("v2.gguf", bytes, w.layout().file_size);
  const rd::Header h = rd::read_header(path);
  EXPECT_EQ(h.version, 2u);
  EXPECT_EQ(h.get_u64("llama.block_count"), 2u);
  EXPECT_EQ(h.tensors.at(0).bytes, 3360000);
  EXPECT_EQ(h.data_offset, w.layout().data_start);
}

// ggml allows a dimension of 0 (gguf.cpp only refuses negative sizes): no elements, no bytes.
TEST(GgufReader, EmptyTensorHasNoBytes) {
  TempDir dir;
  wr::Writer w;
  w.add_tensor("empty", {0, 4096}, 12, 0);
  w.add_tensor("next", {256}, 12, 144);
  const std::string path = dir.file("empty.gguf");
  w.write(path);
  const rd::Header h = rd::read_header(path);
  EXPECT_EQ(h.tensors.at(0).elements, 0);
  EXPECT_EQ(h.tensors.at(0).bytes, 0);
  EXPECT_EQ(h.tensors.at(1).bytes, 144);
}

// A vocabulary-only file (llama.cpp's ggml-vocab-*.gguf): metadata, no tensors, no data section.
TEST(GgufReader, NoTensors) {
  TempDir dir;
  Raw r;
  r.start(0, 1).kv_string("general.architecture", "llama");
  const std::string path = dir.write("vocab-only.gguf", r.b);
  const rd::Header h = rd::read_header(path);
  EXPECT_TRUE(h.tensors.empty());
  EXPECT_EQ(h.file_size, r.b.size());
  EXPECT_EQ(rd::read_model(path).kv.size(), 1u);
}

// 40 GB on disk, a few hundred bytes written: the reader reads the header and stats the size.
TEST(GgufReader, FortyGigabyteSparseFile) {
  TempDir dir;
  wr::Writer w;
  w.add_string("general.architecture", "llama");
  const std::uint64_t bytes = 65536ULL * 40000 * 2;  // f16 [65536, 40000]
  for (char name = 'a'; name < 'a' + 8; ++name) w.add_tensor(std::string(1, name), {65536, 40000}, 1, bytes);
  const std::string path = dir.file("big.gguf");
  w.write(path);
  const rd::Header h = rd::read_model(path);
  EXPECT_EQ(h.file_size, w.layout().data_start + 8 * bytes);
  EXPECT_GT(h.file_size, 40000000000ULL);
  EXPECT_EQ(h.tensors.at(7).offset, 7 * bytes);
  EXPECT_EQ(h.tensors.at(7).bytes, static_cast<std::int64_t>(bytes));
}

}  // namespace
