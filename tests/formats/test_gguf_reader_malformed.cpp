// read_header on hostile and broken files: each one is refused with one line that starts with the
// file path and says what is wrong; none crashes, hangs, or allocates what a count or length claims.
// The corpus is made here, byte by byte (gguf_bytes.hpp), so every case shows the lie it tells.
#include "formats/gguf_reader.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "base/diagnostics.hpp"
#include "gguf_bytes.hpp"
#include "gguf_writer.hpp"

namespace {

namespace rd = vramfit::io::gguf;
using vramfit::gguf_test::Raw;
using vramfit::gguf_test::TempDir;
using vramfit::io::InputError;

constexpr std::uint64_t k2p62 = 1ULL << 62;
constexpr std::uint64_t k2p63 = 1ULL << 63;

struct Bad {
  const char* name;      // also the file name
  std::string bytes;
  std::uint64_t size;    // the file is extended to this size when larger (tensor data as a hole)
  const char* phrase;    // must appear in the message
};

Raw with_tensor(std::string_view name, const std::vector<std::int64_t>& ne, std::uint32_t type, std::uint64_t offset) {
  Raw r;
  r.start(1, 0).tensor(name, ne, type, offset);
  return r;
}

std::vector<Bad> corpus() {
  std::vector<Bad> c;
  const auto add = [&](const char* name, const Raw& r, const char* phrase, std::uint64_t size = 0) {
    c.push_back({name, r.b, size, phrase});
  };
  const auto two_tensors = [](std::string_view a, std::string_view b) {
    Raw r;
    r.start(2, 0).tensor(a, {8}, 0, 0).tensor(b, {8}, 0, 32);
    return r;
  };

  // The prefix: magic, version, counts.
  add("empty", Raw{}, "truncated in the magic (at byte 0 of 0)");
  add("ggml_magic", Raw{}.bytes("ggml").u32(3).u64(0).u64(0), "not a GGUF file (magic bytes 67 67 6d 6c");
  add("elf", Raw{}.bytes("\x7f" "ELF").u32(3).u64(0).u64(0), "not a GGUF file");
  add("version_0", Raw{}.start(0, 0, 0), "GGUF version 0 is not supported");
  add("version_1", Raw{}.start(0, 0, 1), "GGUF version 1 is not supported");
  add("version_4", Raw{}.start(0, 0, 4), "GGUF version 4 is not supported (versions 2 and 3 are)");
  add("big_endian", Raw{}.start(0, 0, 0x03000000), "big-endian GGUF files are not supported");
  add("counts_cut", Raw{}.bytes("GGUF").u32(3).u64(0), "truncated in the header (at byte 16 of 16)");
  add("tensor_count_2p63", Raw{}.start(k2p63, 0), "tensor count 9223372036854775808 is more than the limit");
  add("kv_count_2p63", Raw{}.start(0, k2p63), "key-value count 9223372036854775808 is more than the limit");
  add("kv_count_past_eof", Raw{}.start(0, 1000).kv_u32("a", 1), "truncated: the header claims 1000 key-value pairs and 0 tensors, more than");
  add("tensor_count_past_eof", Raw{}.start(100000, 0).tensor("t", {8}, 0, 0), "claims 0 key-value pairs and 100000 tensors");

  // Keys and values.
  add("key_length_2p62", Raw{}.start(0, 1).u64(k2p62).bytes("abcdefghij"), "key of 4611686018427387904 bytes");
  add("key_past_eof", Raw{}.start(0, 1).u64(1000).bytes("abcdefghij"), "truncated in key-value pair 0");
  add("empty_key", Raw{}.start(0, 1).str("").u32(4).u32(1), "key-value pair 0 has an empty key");
  add("control_bytes_in_key", Raw{}.start(0, 2).kv_u32("a\nb", 1).kv_u32("a\nb", 2), "duplicate key 'a\\x0ab'");
  add("duplicate_key", Raw{}.start(0, 2).kv_u32("general.a", 1).kv_u32("general.a", 2), "duplicate key 'general.a'");
  add("value_type_13", Raw{}.start(0, 1).key("weird", 13).u32(0), "key 'weird' has unknown value type 13");
  add("value_type_huge", Raw{}.start(0, 1).key("weird", 0xFFFFFFFFu).u32(0), "unknown value type 4294967295");
  add("element_type_99", Raw{}.start(0, 1).array("arr", 99, 1).u32(0), "key 'arr' has unknown array element type 99");
  add("array_of_arrays", Raw{}.start(0, 1).array("nest", 9, 1).u32(4).u64(1).u32(0), "key 'nest' is an array of arrays");
  add("string_length_2p62", Raw{}.start(0, 1).key("s", 8).u64(k2p62).bytes("xyz"), "key 's' has a string of 4611686018427387904 bytes");
  add("string_past_eof", Raw{}.start(0, 1).key("s", 8).u64(100).bytes("xyz"), "truncated in key 's'");
  add("array_size_2p62", Raw{}.start(0, 1).array("a", 4, k2p62).u32(1), "key 'a' has an array of 4611686018427387904 elements");
  add("array_past_eof", Raw{}.start(0, 1).array("a", 4, 1000).u32(1), "truncated in key 'a'");
  add("string_array_past_eof", Raw{}.start(0, 1).array("toks", 8, 100000).str("a").str("b"), "truncated in key 'toks'");
  add("string_element_2p62", Raw{}.start(0, 1).array("toks", 8, 2).str("a").u64(k2p62).bytes("12345678"),
      "key 'toks' has a string of 4611686018427387904 bytes");
  add("value_cut", Raw{}.start(0, 1).key("x", 11).u32(0), "truncated in key 'x'");

  // general.alignment.
  add("alignment_0", Raw{}.start(0, 1).kv_u32("general.alignment", 0), "general.alignment 0 is not a power of two");
  add("alignment_48", Raw{}.start(0, 1).kv_u32("general.alignment", 48), "general.alignment 48 is not a power of two");
  add("alignment_2p30", Raw{}.start(0, 1).kv_u32("general.alignment", 1u << 30), "is larger than the limit of 1048576");
  add("alignment_u64", Raw{}.start(0, 1).key("general.alignment", 10).u64(32), "general.alignment must be a uint32, not uint64");

  // Tensor infos.
  add("tensor_name_empty", with_tensor("", {8}, 0, 0).u64(0), "tensor info 0 has an empty name");
  add("tensor_name_64", with_tensor(std::string(64, 'n'), {8}, 0, 0), "name of 64 bytes, longer than ggml's 63");
  add("tensor_name_2p62", Raw{}.start(1, 0).u64(k2p62).bytes(std::string(40, 'n')), "name of 4611686018427387904 bytes");
  add("duplicate_tensor", two_tensors("w", "w"), "duplicate tensor name 'w'", 1024);
  add("n_dims_0", with_tensor("t", {}, 0, 0).u64(0), "tensor 't' has 0 dimensions (ggml tensors have 1 to 4)");
  add("n_dims_5", with_tensor("t", {1, 1, 1, 1, 1}, 0, 0), "tensor 't' has 5 dimensions");
  add("ne_negative", with_tensor("t", {8, -1}, 0, 0), "tensor 't' has a negative size -1 in dimension 1");
  add("elements_overflow", with_tensor("t", {1LL << 40, 1LL << 40}, 0, 0), "has more than 2^63-1 elements");
  add("bytes_overflow", with_tensor("t", {1LL << 31, 1LL << 31}, 28, 0), "and type f64 has more than 2^63-1 bytes");
  add("ggml_type_unknown", with_tensor("blk.0.w", {8}, 200, 0), "tensor 'blk.0.w' has unknown ggml type 200");
  add("ggml_type_count", with_tensor("t", {8}, 43, 0), "unknown ggml type 43");
  add("ggml_type_q4_2", with_tensor("t", {32}, 4, 0), "ggml type 4 (Q4_2), which was removed from ggml");
  add("ggml_type_q4_0_4_4", with_tensor("t", {32}, 31, 0), "(Q4_0_4_4), which was removed from ggml");
  add("ggml_type_iq4_nl_8_8", with_tensor("t", {32}, 38, 0), "(IQ4_NL_8_8), which was removed");
  add("row_not_blocks", with_tensor("t", {100, 4}, 12, 0), "of type q4_K has 100 elements per row, not a multiple of the block size 256");
  add("offset_misaligned", with_tensor("t", {8}, 0, 7), "tensor 't' has offset 7, not a multiple of the alignment 32", 4096);
  add("tensor_info_cut", Raw{}.start(1, 0).str("t").u32(4).i64(8).i64(1).i64(1), "truncated in tensor 't'");

  // The data section.
  add("data_missing", with_tensor("t", {8}, 0, 0), "truncated: tensor 't' ends at byte 96 but the file has 57 bytes");
  add("data_short", with_tensor("t", {8}, 0, 0), "truncated: tensor 't' ends at byte 96 but the file has 95 bytes", 95);
  add("offset_past_eof", with_tensor("t", {8}, 0, 1ULL << 40), "tensor 't' ends at byte 1099511627872", 4096);
  add("offset_wraps", with_tensor("t", {8}, 0, ~0ULL - 31), "past the end of any file", 4096);
  add("second_tensor_short", two_tensors("a", "b"), "truncated: tensor 'b' ends at byte 160", 150);
  return c;
}

TEST(GgufReaderMalformed, EveryCaseIsOneLineNamingTheFileAndTheProblem) {
  TempDir dir;
  const std::vector<Bad> cases = corpus();
  EXPECT_GE(cases.size(), 50u);
  for (const Bad& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string path = dir.write(std::string(c.name) + ".gguf", c.bytes, c.size);
    std::string message;
    try {
      (void)rd::read_header(path);
      ADD_FAILURE() << "no error";
    } catch (const InputError& e) {
      message = e.what();
    }
    EXPECT_EQ(message.rfind(path + ": ", 0), 0u) << message;
    EXPECT_NE(message.find(c.phrase), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

TEST(GgufReaderMalformed, MissingFileAndDirectory) {
  TempDir dir;
  const std::string missing = dir.file("missing.gguf");
  try {
    (void)rd::read_header(missing);
    ADD_FAILURE();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), missing + ": cannot read the GGUF file: no such file");
  }
  try {
    (void)rd::read_header(dir.file(""));
    ADD_FAILURE();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), dir.file("") + ": cannot read the GGUF file: it is a directory, not a file");
  }
}

// Each value is under the limits, but together they would keep more than kMaxRetainedBytes.
TEST(GgufReaderMalformed, MetadataPastTheMemoryCap) {
  TempDir dir;
  const std::uint64_t n = rd::kMaxRetainedBytes / rd::kMaxKeptString + 8;
  Raw r;
  r.start(0, n);
  const std::string value(rd::kMaxKeptString, 'v');
  for (std::uint64_t i = 0; i < n; ++i) r.kv_string("k" + std::to_string(i), value);
  const std::string path = dir.write("big_metadata.gguf", r.b);
  try {
    (void)rd::read_header(path);
    ADD_FAILURE();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), path + ": the header needs more than 32 MiB of memory to keep");
  }
}

// A small valid file with every kind of field, cut after each of its bytes: every cut is refused.
TEST(GgufReaderMalformed, TruncatedAtEveryByte) {
  TempDir dir;
  vramfit::gguf::Writer w;
  w.add_string("general.architecture", "llama");
  w.add_u32("llama.block_count", 1);
  w.add_f32("llama.rope.freq_base", 10000.0f);
  w.add_bool("b", true);
  w.add_strings("tokenizer.ggml.tokens", {"a", "bc", "def"});
  w.add_i32s("ints", {1, 2, 3});
  w.add_tensor("token_embd.weight", {32, 2}, 8, 68);
  w.add_tensor("output_norm.weight", {32}, 0, 128);
  const std::string full = w.header() + std::string(w.layout().file_size - w.header().size(), '\0');
  const std::string ok = dir.write("full.gguf", full);
  ASSERT_EQ(rd::read_header(ok).tensors.size(), 2u);

  const std::string path = dir.file("cut.gguf");
  for (std::size_t n = 0; n < full.size(); ++n) {
    dir.write("cut.gguf", std::string_view(full).substr(0, n));
    try {
      (void)rd::read_header(path);
      ADD_FAILURE() << "accepted a file cut to " << n << " of " << full.size() << " bytes";
    } catch (const InputError& e) {
      const std::string m = e.what();
      EXPECT_EQ(m.rfind(path + ": truncated", 0), 0u) << n << ": " << m;
    }
  }
}

// Random damage to a valid header: each file is read or refused with an InputError, never anything
// else (run under ASan and UBSan too). The seed is fixed, so a failure reproduces.
TEST(GgufReaderMalformed, RandomDamageIsReadOrRefused) {
  TempDir dir;
  vramfit::gguf::Writer w;
  w.add_string("general.architecture", "qwen2");
  w.add_u32("qwen2.block_count", 2);
  w.add_strings("tokenizer.ggml.tokens", {"x", "yy", "zzz", "w"});
  w.add_f32s("f", {1, 2});
  w.add_tensor("a", {256, 4}, 12, 576);
  w.add_tensor("b", {64}, 0, 256);
  const std::string header = w.header();
  const std::uint64_t size = w.layout().file_size;
  std::mt19937_64 rng(20261121);
  const std::string path = dir.file("damaged.gguf");
  int read = 0, refused = 0;
  for (int round = 0; round < 2000; ++round) {
    std::string bytes = header;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) {
      const std::size_t at = 4 + rng() % (bytes.size() - 4);  // keep the magic: damage past it
      switch (rng() % 3) {
        case 0: bytes[at] = static_cast<char>(rng()); break;
        case 1: bytes[at] = static_cast<char>(0xFF); break;
        default: bytes[at] ^= static_cast<char>(1 << (rng() % 8)); break;
      }
    }
    dir.write("damaged.gguf", bytes, size);
    try {
      (void)rd::read_header(path);
      ++read;
    } catch (const InputError& e) {
      ++refused;
      EXPECT_EQ(std::string(e.what()).rfind(path + ": ", 0), 0u) << e.what();
    }
  }
  EXPECT_GT(refused, 500);
  EXPECT_EQ(read + refused, 2000);
}

}  // namespace
