// Unified-memory devices placed as their platform allows (docs/unified-memory.md): the GPU gets the
// platform's share of the memory, the CPU side the rest at the chip's bandwidth; a chip named without
// its memory says which configuration it took. Expected values worked out by hand from data/devices.yaml
// (memory_gib, memory_bandwidth_gbs) and data/runtimes.yaml (platforms).
#include <algorithm>
#include <string>

#include <gtest/gtest.h>

#include "base/diagnostics.hpp"
#include "engine/fit.hpp"

namespace vramfit::engine {
namespace {

constexpr std::int64_t kGiB = std::int64_t{1} << 30;

FitAnswer fit_on(const std::string& device, const std::string& wired_limit = "") {
  Session s;
  FitRequest r;
  r.model = "llama-3.1-8b";
  r.placement.devices = {device};
  r.placement.wired_limit = wired_limit;
  return answer_fit(s, r);
}

bool says(const FitAnswer& a, const std::string& text) {
  const auto has = [&](const std::string& x) { return x.find(text) != std::string::npos; };
  return std::any_of(a.assumptions.begin(), a.assumptions.end(), has) || std::any_of(a.notes.begin(), a.notes.end(), has);
}

// Ryzen AI Max+ 395 with 128 GB, platform amd-apu: 0.75 x 128 = 96 GiB for the GPU (the largest
// BIOS / VGM carve-out), 128 - 96 = 32 GiB CPU side at the same 256 GB/s.
TEST(UnifiedMemory, StrixHaloGpuGetsTheLargestCarveOut) {
  const FitAnswer a = fit_on("ryzen-ai-max-plus-395");
  ASSERT_EQ(a.placement.gpus.size(), 1u);
  EXPECT_EQ(a.placement.gpus[0].capacity.value(), 96 * kGiB);
  EXPECT_EQ(a.placement.host.label, "unified (CPU side)");
  EXPECT_EQ(a.placement.host.capacity.value(), 32 * kGiB);
  EXPECT_EQ(a.placement.host.bandwidth.value(), 256e9);
  EXPECT_TRUE(says(a, "ryzen-ai-max-plus-395 with 128 GB unified memory: the BIOS / Variable Graphics Memory carve-out lets the GPU use 75 % = 96.00 GiB"));
  EXPECT_TRUE(says(a, "ttm.pages_limit"));
  // Sold in several sizes the catalog does not list: the answer says it took the largest.
  EXPECT_TRUE(says(a, "ryzen-ai-max-plus-395 named without its memory size: took 128 GB"));
}

// A 64 GB machine whose GPU share was set by hand (a smaller carve-out, or a Linux GTT size): --wired-limit
// 40GB leaves 64 - 40 = 24 GiB CPU side.
TEST(UnifiedMemory, WiredLimitSetsTheShareOfAnApu) {
  const FitAnswer a = fit_on("ryzen-ai-max-plus-395:64GB", "40GB");
  EXPECT_EQ(a.placement.gpus[0].capacity.value(), 40 * kGiB);
  EXPECT_EQ(a.placement.host.capacity.value(), 24 * kGiB);  // 64 - 40
  EXPECT_TRUE(says(a, "ryzen-ai-max-plus-395: GPU share of unified memory set to 40.00 GiB (--wired-limit)"));
  EXPECT_FALSE(says(a, "named without its memory size"));
}

// DGX Spark, platform nvidia-unified: no carve-out, 4 GiB kept for the OS: 124 GiB GPU, 4 GiB CPU side.
// Sold with 128 GB only: no configuration note.
TEST(UnifiedMemory, DgxSparkLeavesTheOsItsShare) {
  const FitAnswer a = fit_on("dgx-spark");
  EXPECT_EQ(a.placement.gpus[0].capacity.value(), 124 * kGiB);
  EXPECT_EQ(a.placement.host.capacity.value(), 4 * kGiB);
  EXPECT_EQ(a.placement.host.bandwidth.value(), 273e9);
  EXPECT_TRUE(says(a, "CUDA on unified memory lets the GPU use all but 4 GiB kept for the OS = 124.00 GiB"));
  EXPECT_FALSE(says(a, "named without its memory size"));
}

// `apple-m4-max` names the chip without its bin and memory: the 40-core bin (apple-m4-max-40c), its largest
// configuration 128 GB, and the answer says both; macOS then wires 0.75 x 128 = 96 GiB.
TEST(UnifiedMemory, AppleChipNamedWithoutItsMemorySaysWhatItTook) {
  const FitAnswer a = fit_on("apple-m4-max");
  EXPECT_EQ(a.placement.gpus[0].label, "apple-m4-max-40c");
  EXPECT_EQ(a.placement.gpus[0].capacity.value(), 96 * kGiB);
  // A note (printed before the speed), not one of the assumptions behind --explain.
  ASSERT_EQ(a.notes.size(), 1u);
  EXPECT_EQ(a.notes[0], "'apple-m4-max' = apple-m4-max-40c (Apple M4 Max (16-core CPU / 40-core GPU bin)) named without its memory size: "
                        "took 128 GB, the largest configuration (sold with 48, 64, 128 GB: name yours, e.g. apple-m4-max-40c:48GB)");
  EXPECT_FALSE(std::any_of(a.assumptions.begin(), a.assumptions.end(),
                           [](const std::string& x) { return x.find("named without its memory size") != std::string::npos; }));
  // Named with its memory: no note, 0.75 x 48 = 36 GiB.
  const FitAnswer b = fit_on("apple-m4-max-40c:48GB");
  EXPECT_EQ(b.placement.gpus[0].capacity.value(), 36 * kGiB);
  EXPECT_FALSE(says(b, "named without its memory size"));
  // The 32-core bin is sold with 36 GB only: nothing to say; 36 GB is at most 36 GB: 0.6667 x 36 = 24.0012 GiB.
  const FitAnswer c = fit_on("apple-m4-max-32c");
  EXPECT_FALSE(says(c, "named without its memory size"));
  EXPECT_NEAR(double(c.placement.gpus[0].capacity.value()) / double(kGiB), 24.0012, 1e-6);
}

TEST(UnifiedMemory, WiredLimitNeedsAUnifiedMemoryDevice) {
  try {
    fit_on("rtx-4090", "20GB");
    FAIL() << "expected an input error";
  } catch (const io::InputError& e) {
    EXPECT_STREQ(e.what(), "--wired-limit applies only to unified-memory devices (Apple chips, APUs such as Ryzen AI Max, Jetson, DGX Spark)");
  }
}

}  // namespace
}  // namespace vramfit::engine
