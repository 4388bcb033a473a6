// The devices of the 2026 reference table (shared/reference/devices_2026.yaml, issue 19) as the built-in
// catalog carries them: memory and bandwidth as the cited source states them, the aliases people type,
// the values left out because no source states them, and the unified-memory platform rule of every APU
// and SoC with its GPU share worked out by hand (docs/unified-memory.md).
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "catalog/catalog.hpp"
#include "catalog/compiled.hpp"
#include "vramfit/hardware.hpp"

namespace {

using namespace vramfit;
using namespace vramfit::io;

const Catalog& catalog() {
  static const Catalog c = compiled_catalog();
  return c;
}

const Device& dev(const std::string& id) { return catalog().device(id).device; }

struct Sourced {
  const char* id;
  DeviceKind kind;
  double memory_gib;
  double bandwidth_gbs;
  std::int64_t bus_bits;  // 0: the source gives none
};

// Memory and bandwidth as devices_2026.yaml reads them from the cited page (TechPowerUp unless noted);
// the bus x data-rate products are checked by hand in the comments (GB/s = bits / 8 x Gbit/s).
constexpr Sourced kSourced[] = {
    {"tesla-p40", DeviceKind::datacenter, 24, 347.1, 384},             // 384 / 8 x 7.23 = 347.0
    {"l40", DeviceKind::datacenter, 48, 864.0, 384},                   // 384 / 8 x 18 = 864
    {"radeon-ai-pro-r9700", DeviceKind::gpu, 32, 640.0, 256},          // AMD: 256 / 8 x 20 = 640 (TPU 644.6)
    {"rx-9070", DeviceKind::gpu, 16, 640.0, 256},                      // AMD: 256 / 8 x 20 = 640
    {"rx-9060-xt-8gb", DeviceKind::gpu, 8, 320.0, 128},                // 128 / 8 x 20 = 320
    {"rtx-3080-ti", DeviceKind::gpu, 12, 912.4, 384},                  // 384 / 8 x 19.01 = 912.5
    {"rtx-5050", DeviceKind::gpu, 8, 320.0, 128},                      // 128 / 8 x 20 = 320
    {"rtx-pro-4000-blackwell", DeviceKind::gpu, 24, 672.0, 192},       // 192 / 8 x 28 = 672
    {"mi50", DeviceKind::datacenter, 16, 1020.0, 4096},                // HBM2
    {"mi350x", DeviceKind::datacenter, 288, 8000.0, 8192},             // HBM3e
    {"arc-pro-b60", DeviceKind::gpu, 24, 456.0, 192},                  // 192 / 8 x 19 = 456
    {"tesla-k80", DeviceKind::datacenter, 12, 240.6, 384},             // one of the board's two GK210
    {"apple-m5-max", DeviceKind::apple, 128, 614.0, 0},                // Apple via press: up to 128 GB, 614 GB/s
    {"apple-m5", DeviceKind::apple, 32, 153.0, 0},                     // Apple via press: up to 32 GB, 153 GB/s
    {"jetson-agx-thor", DeviceKind::soc, 128, 273.0, 256},             // recalled, unconfirmed (see its notes)
    {"ryzen-ai-max-385", DeviceKind::igpu, 128, 256.0, 256},           // 256 / 8 x 8 (LPDDR5X-8000) = 256
    {"snapdragon-x-elite", DeviceKind::igpu, 64, 135.0, 128},          // 128 / 8 x 8.448 = 135.2
};

TEST(Devices2026, MemoryAndBandwidthAsTheSourceStatesThem) {
  for (const Sourced& s : kSourced) {
    SCOPED_TRACE(s.id);
    const Device& d = dev(s.id);
    EXPECT_EQ(d.id, s.id);
    EXPECT_EQ(d.kind, s.kind);
    EXPECT_DOUBLE_EQ(d.memory_gib, s.memory_gib);
    EXPECT_DOUBLE_EQ(d.bandwidth_gbs, s.bandwidth_gbs);
    EXPECT_EQ(d.memory_bus_bits, s.bus_bits);
    EXPECT_FALSE(catalog().device(s.id).meta.source.empty());
  }
  // 24 GiB = 25,769,803,776 B: the P40 has no driver-reported size in the catalog, so its capacity is memory_gib.
  EXPECT_EQ(dev("tesla-p40").capacity().value(), 25769803776);
  // 640 GB/s is decimal: 6.4e11 B/s.
  EXPECT_EQ(dev("r9700").bandwidth().value(), 6.4e11);
}

TEST(Devices2026, AliasesPeopleTypeResolveWithoutColliding) {
  const std::vector<std::pair<std::string, std::string>> aliases = {
      {"p40", "tesla-p40"},          {"TESLA-P40", "tesla-p40"},        {"l40", "l40"},
      {"r9700", "radeon-ai-pro-r9700"}, {"rx9070", "rx-9070"},          {"9070", "rx-9070"},
      {"9070xt", "rx-9070-xt"},      {"rx-9060-xt", "rx-9060-xt-16gb"}, {"3080ti", "rtx-3080-ti"},
      {"a800", "a800-sxm-80gb"},     {"h800", "h800-sxm"},              {"b60", "arc-pro-b60"},
      {"m5-max", "apple-m5-max"},    {"agx-thor", "jetson-agx-thor"},   {"apple-m4-max", "apple-m4-max-40c"},
      {"apple-m3-max", "apple-m3-max-40c"}, {"k80", "tesla-k80"},       {"rtx-pro-6000-maxq", "rtx-pro-6000-blackwell-maxq"},
  };
  for (const auto& [alias, id] : aliases) {
    SCOPED_TRACE(alias);
    EXPECT_EQ(catalog().device(alias).device.id, id);
  }
}

TEST(Devices2026, ValuesNoSourceStatesAreLeftOut) {
  // M5 family: memory type, data rate and bus width were only derived from the bandwidth.
  for (const char* id : {"apple-m5", "apple-m5-pro", "apple-m5-max"}) {
    SCOPED_TRACE(id);
    EXPECT_EQ(dev(id).memory_bus_bits, 0);
    EXPECT_EQ(dev(id).memory_data_rate_gbps, 0);
    EXPECT_EQ(dev(id).memory_type, "");
  }
  // M5 Pro / Max: the memory sizes sold are not sourced, so no options list refuses a real machine.
  EXPECT_TRUE(dev("apple-m5-max").memory_options_gib.empty());
  EXPECT_EQ(dev("apple-m5").memory_options_gib, (std::vector<double>{16, 24, 32}));
  // Strix Halo bins: OEM memory sizes and the derived WMMA rate (as for the Max+ 395).
  for (const char* id : {"ryzen-ai-max-385", "ryzen-ai-max-390", "ryzen-ai-max-plus-395"}) {
    SCOPED_TRACE(id);
    EXPECT_TRUE(dev(id).memory_options_gib.empty());
    EXPECT_EQ(dev(id).fp16_tflops, 0);
  }
  // Tesla P40: no tensor cores; the DP4A INT8 figure is recalled only.
  EXPECT_EQ(dev("tesla-p40").int8_tops, 0);
  EXPECT_EQ(dev("tesla-p40").fp16_tflops, 0);
  // B300: the package's dense tensor rates are not sourced.
  EXPECT_EQ(dev("b300").fp16_tflops, 0);
  // Fields kept with a recalled or derived value say so.
  const std::vector<std::string>& thor = catalog().device("jetson-agx-thor").meta.unconfirmed;
  for (const char* k : {"memory_gib", "memory_bandwidth_gbs", "compute_capability"})
    EXPECT_NE(std::find(thor.begin(), thor.end(), k), thor.end()) << k;
}

// Every APU and SoC has a platform rule; the shares below are min(fraction x memory, memory - reserve).
TEST(Devices2026, EveryUnifiedMemoryDeviceHasAPlatformRule) {
  int unified = 0;
  for (const CatalogDevice& cd : catalog().devices) {
    if (!cd.device.unified_memory()) continue;
    ++unified;
    EXPECT_NE(catalog().platform_of(cd.device), nullptr) << cd.device.id;
  }
  EXPECT_GT(unified, 25);
  EXPECT_EQ(catalog().platform_of(dev("rtx-4090")), nullptr);
  EXPECT_EQ(catalog().platform_of(dev("apple-m4-pro"))->id, "macos");
  EXPECT_EQ(catalog().platform_of(dev("ryzen-ai-max-plus-395"))->id, "amd-apu");
  EXPECT_EQ(catalog().platform_of(dev("dgx-spark"))->id, "nvidia-unified");
  EXPECT_EQ(catalog().platform_of(dev("jetson-agx-thor"))->id, "nvidia-unified");
  EXPECT_EQ(catalog().platform_of(dev("snapdragon-x-elite"))->id, "windows-shared");
}

TEST(Devices2026, GpuShareOfUnifiedMemoryWorkedByHand) {
  auto share = [](const char* id, double memory_gib) {
    return unified_gpu_share(*catalog().platform_of(dev(id)), memory_gib).value();
  };
  // Strix Halo, 128 GB: the largest BIOS / VGM carve-out, 96 of 128 GB = 0.75 x 128 GiB = 96 GiB.
  EXPECT_EQ(share("ryzen-ai-max-plus-395", 128), 96 * kGiB);
  // A 64 GB Strix Halo machine: 0.75 x 64 = 48 GiB.
  EXPECT_EQ(share("ryzen-ai-max-385", 64), 48 * kGiB);
  // DGX Spark: no carve-out, 4 GiB kept for the OS: 128 - 4 = 124 GiB.
  EXPECT_EQ(share("dgx-spark", 128), 124 * kGiB);
  // Jetson AGX Orin 32GB: 32 - 4 = 28 GiB.
  EXPECT_EQ(share("jetson-agx-orin-32gb", 32), 28 * kGiB);
  // A 48 GB M4 Pro: macOS 3/4 above 36 GB = 36 GiB; a 24 GB one: 0.6667 x 24 = 16.0008 GiB.
  EXPECT_EQ(share("apple-m4-pro", 48), 36 * kGiB);
  EXPECT_NEAR(double(share("apple-m4-pro", 24)) / double(kGiB), 16.0008, 1e-9);
  // Snapdragon X Elite, 32 GB: Windows' shared GPU memory, 1/2 = 16 GiB.
  EXPECT_EQ(share("snapdragon-x-elite", 32), 16 * kGiB);
}

}  // namespace
