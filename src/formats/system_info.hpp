// Readers of what the machine says about itself (`vramfit detect`): nvidia-smi CSV, rocm-smi JSON,
// macOS sysctl, /proc/meminfo and /proc/cpuinfo. Text in, structs out; running the commands is
// src/cli/probe.cpp's job, so tests feed recorded outputs (tests/cli/fixtures/detect/).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vramfit::io {

struct GpuReading {
  std::string vendor;  // nvidia | amd
  std::string name;    // as the driver reports it: "NVIDIA GeForce RTX 4090", "Radeon RX 7900 XTX"
  std::int64_t total_mib = 0, used_mib = 0, free_mib = 0;
  std::string compute_capability;  // NVIDIA "8.9"
  std::string gfx_target;          // AMD "gfx1100"
  std::string driver;
};

// nvidia-smi --query-gpu=name,memory.total,memory.used,memory.free,compute_cap,driver_version
//            --format=csv,noheader,nounits: one line per GPU, memory in MiB. A line that does not
// have these six fields is skipped with a note in `problems`.
std::vector<GpuReading> parse_nvidia_smi(const std::string& text, std::vector<std::string>& problems);

// rocm-smi --showproductname --showmeminfo vram --json: {"card0": {"Card series": ..., "GFX Version":
// "gfx1100", "VRAM Total Memory (B)": "...", "VRAM Total Used Memory (B)": "..."}, ...}.
std::vector<GpuReading> parse_rocm_smi(const std::string& text, std::vector<std::string>& problems);

// sysctl hw.memsize hw.model machdep.cpu.brand_string iogpu.wired_limit_mb ("key: value" lines). A
// memory figure past 1 PiB is left out with a note in `problems` (as with the readers below).
struct AppleReading {
  bool present = false;  // an Apple chip was named
  std::string chip;      // "Apple M2 Max"
  std::string model;     // "Mac14,6"
  std::int64_t memory_bytes = 0;
  std::int64_t wired_limit_mb = 0;  // 0 = macOS default
};
AppleReading parse_sysctl(const std::string& text, std::vector<std::string>& problems);

// /proc/meminfo: MemTotal and MemAvailable; a figure past 1 PiB is left out with a note in `problems`.
struct HostMemory {
  std::int64_t total_bytes = 0;
  std::int64_t available_bytes = 0;
};
HostMemory parse_meminfo(const std::string& text, std::vector<std::string>& problems);

struct CpuReading {
  std::string model;
  std::int64_t logical = 0;  // "processor" entries
  std::int64_t cores = 0;    // distinct (physical id, core id) pairs; 0 when not reported
  // The features llama.cpp's CPU_REPACK rule asks about, as vramfit/repack.hpp names them ("avx2,avx512"),
  // from the first "flags" (x86) or "Features" (ARM) line; "none" when that line has none of them, ""
  // when there is no such line.
  std::string features;
};
CpuReading parse_cpuinfo(const std::string& text);

}  // namespace vramfit::io
