// Devices: discrete GPUs, accelerators, Apple unified memory and CPU memory presets.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "vramfit/units.hpp"

namespace vramfit {

enum class DeviceKind { gpu, datacenter, apple, igpu, soc, accelerator, cpu };

// Which runtime backend drives a device; decides its fixed overhead and efficiency class.
enum class Backend { cuda, rocm, metal, sycl, other, cpu };

struct Device {
  std::string id;
  std::string name;
  std::string vendor;
  DeviceKind kind = DeviceKind::gpu;
  std::string architecture;
  std::string compute_capability;
  std::string gfx_target;
  std::int64_t launch_year = 0;
  double launch_price_usd = 0;
  double memory_gib = 0;
  std::int64_t memory_reported_mib = 0;  // what the driver reports, when a source gave it
  std::vector<double> memory_options_gib;
  std::string memory_type;
  std::int64_t memory_bus_bits = 0;
  double memory_data_rate_gbps = 0;
  double bandwidth_gbs = 0;
  double fp16_tflops = 0, fp16acc_tflops = 0, bf16_tflops = 0, fp8_tflops = 0, fp4_tflops = 0, int8_tops = 0,
         fp32_tflops = 0;
  double tdp_w = 0;
  std::int64_t pcie_gen = 0, pcie_lanes = 0;
  double nvlink_gbs = 0;
  std::int64_t channels = 0;
  std::int64_t gpu_cores = 0;  // GPU cores of the configuration the entry describes (Apple), 0 = not given
  // Unified memory: the platform rule (runtimes.yaml platforms) that decides the GPU's share; empty for
  // an Apple chip means "macos".
  std::string memory_platform;

  [[nodiscard]] bool unified_memory() const {
    return kind == DeviceKind::apple || kind == DeviceKind::igpu || kind == DeviceKind::soc;
  }
  [[nodiscard]] bool is_cpu() const { return kind == DeviceKind::cpu; }
  // The platform rule of a unified-memory device (runtimes.yaml platforms), "" for other devices.
  [[nodiscard]] std::string platform_id() const {
    if (!unified_memory()) return "";
    return !memory_platform.empty() ? memory_platform : kind == DeviceKind::apple ? "macos" : "";
  }
  [[nodiscard]] Backend backend() const {
    if (kind == DeviceKind::cpu) return Backend::cpu;
    if (vendor == "apple") return Backend::metal;
    if (vendor == "nvidia") return Backend::cuda;
    if (vendor == "amd") return Backend::rocm;
    if (vendor == "intel") return Backend::sycl;
    return Backend::other;
  }
  // Capacity for a chosen memory size (Apple/CPU options) or the catalog default.
  [[nodiscard]] Bytes capacity(double chosen_gib = 0) const {
    if (chosen_gib > 0) return gib(chosen_gib);
    if (memory_reported_mib > 0) return mib(memory_reported_mib);
    return gib(memory_gib);
  }
  [[nodiscard]] BytesPerSecond bandwidth() const { return gb_per_s(bandwidth_gbs); }
};

inline const char* to_string(Backend b) {
  switch (b) {
    case Backend::cuda: return "cuda";
    case Backend::rocm: return "rocm";
    case Backend::metal: return "metal";
    case Backend::sycl: return "sycl";
    case Backend::other: return "other";
    case Backend::cpu: return "cpu";
  }
  return "?";
}

inline const char* to_string(DeviceKind k) {
  switch (k) {
    case DeviceKind::gpu: return "gpu";
    case DeviceKind::datacenter: return "datacenter";
    case DeviceKind::apple: return "apple";
    case DeviceKind::igpu: return "igpu";
    case DeviceKind::soc: return "soc";
    case DeviceKind::accelerator: return "accelerator";
    case DeviceKind::cpu: return "cpu";
  }
  return "?";
}

// macOS lets the GPU wire only part of unified memory (MTLDevice.recommendedMaxWorkingSetSize).
struct WiredLimitRule {
  double max_memory_gib = 0;  // rule applies up to this size; 0 = any size
  double fraction = 0;
};

inline double wired_fraction(const std::vector<WiredLimitRule>& rules, double memory_gib) {
  for (const WiredLimitRule& r : rules)
    if (r.max_memory_gib <= 0 || memory_gib <= r.max_memory_gib) return r.fraction;
  return 1.0;
}

// What a platform lets the GPU of a unified-memory device use (docs/unified-memory.md): macOS wires a
// fraction (recommendedMaxWorkingSetSize), an AMD APU's BIOS carves out at most a fraction, CUDA on
// Jetson / DGX Spark allocates from system RAM and leaves the OS its own share.
struct UnifiedMemoryPlatform {
  std::string id;                        // macos, amd-apu, nvidia-unified, windows-shared ...
  std::string name;                      // who sets the limit, for the assumption line: "macOS"
  std::vector<WiredLimitRule> share;     // fraction of the memory by size; none = all of it
  double os_reserve_gib = 0;             // kept for the OS beside the GPU: the GPU gets at most memory - this
  std::string how;                       // how a user changes it, for the assumption line
  std::vector<std::string> unconfirmed;  // keys whose value no source states
  std::vector<std::string> source;
};

// GPU share of `memory_gib` of unified memory: min(fraction x memory, memory - OS reserve), at least 0.
inline Bytes unified_gpu_share(const UnifiedMemoryPlatform& p, double memory_gib) {
  const double by_fraction = memory_gib * wired_fraction(p.share, memory_gib);
  const double by_reserve = memory_gib - p.os_reserve_gib;
  return gib(std::max(0.0, std::min(by_fraction, by_reserve)));
}

}  // namespace vramfit
