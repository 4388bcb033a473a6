// The reader on damaged input: every prefix of each fixture, random byte flips, random bytes, huge
// lines. It may refuse (io::InputError) but must not crash, hang or throw anything else; the fuzzer in
// fuzz/ drives the same entry point, parse_runtime_log.
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <gtest/gtest.h>

#include "base/diagnostics.hpp"
#include "formats/runtime_log.hpp"

namespace {

using namespace vramfit::io;

const std::filesystem::path kFixtures = VRAMFIT_LOG_FIXTURES;

std::string slurp(const std::string& name) {
  std::ifstream in(kFixtures / name, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Parses; returns whether it was accepted. Anything but InputError fails the test.
bool accepted(std::string_view text) {
  try {
    (void)parse_runtime_log(text, "x.log");
    return true;
  } catch (const InputError&) {
    return false;
  }
}

const char* const kFiles[] = {"llamacpp_cuda_full_llama31_8b_q4km.log", "llamacpp_cuda_partial_llama31_8b_q4km.log",
                              "llamacpp_cpu_node_llama_cpp.log", "vllm_llama31_8b_h100.log", "vllm_v0_llama31_8b_rtx3090.log",
                              "llamacpp_ik_gpt_oss_20b_excerpt.log", "vllm_kv_needed_llama31_8b.log",
                              "ollama_ps.txt"};

TEST(RuntimeLogRobust, EveryPrefixOfEveryFixture) {
  for (const char* f : kFiles) {
    const std::string text = slurp(f);
    ASSERT_FALSE(text.empty()) << f;
    const std::size_t step = std::max<std::size_t>(1, text.size() / 2000);
    for (std::size_t n = 0; n <= text.size(); n += step) (void)accepted(std::string_view(text).substr(0, n));
    EXPECT_TRUE(accepted(text)) << f;
  }
}

TEST(RuntimeLogRobust, RandomByteFlips) {
  std::mt19937 rng(1234);
  for (const char* f : kFiles) {
    const std::string text = slurp(f);
    for (int round = 0; round < 300; ++round) {
      std::string t = text;
      const int flips = 1 + int(rng() % 16);
      for (int i = 0; i < flips; ++i) t[rng() % t.size()] = static_cast<char>(rng() % 256);
      (void)accepted(t);
    }
  }
}

TEST(RuntimeLogRobust, RandomBytesAndHugeLines) {
  std::mt19937 rng(99);
  for (int round = 0; round < 200; ++round) {
    std::string t(rng() % 4096, '\0');
    for (char& c : t) c = static_cast<char>(rng() % 256);
    (void)accepted(t);
  }
  // A line far over the cap, then a valid buffer line: the long line is cut, the rest still read.
  std::string t(kMaxLineBytes * 4, '9');
  t += "\nload_tensors: CPU_Mapped model buffer size = 1.00 MiB\n";
  const RuntimeLog log = parse_runtime_log(t, "x.log");
  EXPECT_EQ(log.llama.buffers.size(), 1u);
  ASSERT_EQ(log.notes.size(), 1u);
  EXPECT_EQ(log.notes[0], "1 line(s) longer than 16 KiB were cut");
  // Numbers that do not fit: refused as numbers, never overflowing.
  EXPECT_FALSE(accepted("load_tensors: CUDA0 model buffer size = 1e999 MiB\n"));
  EXPECT_FALSE(accepted("load_tensors: CUDA0 model buffer size = -5.00 MiB\n"));
  EXPECT_FALSE(accepted(std::string("load_tensors: CUDA0 model buffer size = ") + std::string(500, '7') + " MiB\n"));
  EXPECT_FALSE(accepted("print_info: n_layer = 99999999999999999999999999\n"));
}

TEST(RuntimeLogRobust, OverlongTextIsCut) {
  std::string t = "load_tensors: CPU_Mapped model buffer size = 1.00 MiB\n";
  t.resize(kMaxLogBytes + 10, 'x');
  const RuntimeLog log = parse_runtime_log(t, "x.log");
  EXPECT_EQ(log.llama.buffers.size(), 1u);
  EXPECT_EQ(log.notes.front(), "only the first 64 MiB of the log were read");
}

}  // namespace
