// compat.hpp: compute capability parsing and the runtime support rules (data/planning.yaml
// runtime_support, from shared/reference/devices.yaml runtime_support).
#include <gtest/gtest.h>

#include "vramfit/compat.hpp"

namespace vramfit {
namespace {

std::vector<SupportRule> rules() {
  return {{"PyTorch CUDA 12.8/13.0 wheels", "nvidia", 7.5, 0, {}, ""},
          {"vLLM", "nvidia", 7.5, 0, {}, ""},
          {"llama.cpp (CUDA 12 build)", "nvidia", 5.0, 0, {}, ""},
          {"FlashAttention 2", "nvidia", 8.0, 0, {}, ""},
          {"FlashAttention 3", "nvidia", 9.0, 9.0, {}, ""},
          {"ROCm 6.4 / 7.x", "amd", 0, 0, {"gfx90a", "gfx942", "gfx1100", "gfx1101"}, ""},
          {"llama.cpp (Metal)", "apple", 0, 0, {}, ""}};
}

bool supported(const std::vector<SupportResult>& r, const std::string& runtime) {
  for (const SupportResult& s : r)
    if (s.runtime == runtime) return s.known && s.supported;
  ADD_FAILURE() << "no result for " << runtime;
  return false;
}

TEST(Compat, ParsesComputeCapability) {
  EXPECT_DOUBLE_EQ(parse_compute_capability("6.1"), 6.1);
  EXPECT_DOUBLE_EQ(parse_compute_capability("8.9"), 8.9);
  EXPECT_DOUBLE_EQ(parse_compute_capability("12.0"), 12.0);
  EXPECT_DOUBLE_EQ(parse_compute_capability("10"), 10.0);
  EXPECT_DOUBLE_EQ(parse_compute_capability(""), 0);
  EXPECT_DOUBLE_EQ(parse_compute_capability("[N/A]"), 0);
  EXPECT_EQ(sm_name("6.1"), "sm_61");
  EXPECT_EQ(sm_name("12.0"), "sm_120");
}

TEST(Compat, PascalIsOutOfCurrentWheels) {
  // GTX 1070 (sm_61): PyTorch cu128/cu130 and vLLM need 7.5; llama.cpp's CUDA 12 build goes down to 5.0.
  const auto r = check_support(rules(), "nvidia", "6.1", "");
  EXPECT_FALSE(supported(r, "PyTorch CUDA 12.8/13.0 wheels"));
  EXPECT_FALSE(supported(r, "vLLM"));
  EXPECT_TRUE(supported(r, "llama.cpp (CUDA 12 build)"));
  EXPECT_FALSE(supported(r, "FlashAttention 2"));
  EXPECT_EQ(r.size(), 5u);  // the NVIDIA rules only
}

TEST(Compat, CapabilityBounds) {
  // T4 / RTX 20 (7.5): exactly at the PyTorch and vLLM minimum; FlashAttention 2 needs Ampere (8.0).
  auto r = check_support(rules(), "nvidia", "7.5", "");
  EXPECT_TRUE(supported(r, "vLLM"));
  EXPECT_FALSE(supported(r, "FlashAttention 2"));
  // Ada 8.9: FA2 yes, FA3 (Hopper only, 9.0) no; H100 9.0: both; RTX 50 12.0: FA3 no (max 9.0).
  r = check_support(rules(), "nvidia", "8.9", "");
  EXPECT_TRUE(supported(r, "FlashAttention 2"));
  EXPECT_FALSE(supported(r, "FlashAttention 3"));
  EXPECT_TRUE(supported(check_support(rules(), "nvidia", "9.0", ""), "FlashAttention 3"));
  EXPECT_FALSE(supported(check_support(rules(), "nvidia", "12.0", ""), "FlashAttention 3"));
}

TEST(Compat, RocmByGfxTarget) {
  EXPECT_TRUE(supported(check_support(rules(), "amd", "", "gfx1100"), "ROCm 6.4 / 7.x"));  // RX 7900 XTX
  EXPECT_FALSE(supported(check_support(rules(), "amd", "", "gfx1030"), "ROCm 6.4 / 7.x"));  // RX 6800 XT
  const auto unknown = check_support(rules(), "amd", "", "");
  ASSERT_EQ(unknown.size(), 1u);
  EXPECT_FALSE(unknown.front().known);
}

TEST(Compat, UnknownCapabilityIsNotAVerdict) {
  for (const SupportResult& s : check_support(rules(), "nvidia", "", "")) EXPECT_FALSE(s.known) << s.runtime;
  const auto apple = check_support(rules(), "apple", "", "");
  ASSERT_EQ(apple.size(), 1u);
  EXPECT_TRUE(apple.front().supported);
}

}  // namespace
}  // namespace vramfit
