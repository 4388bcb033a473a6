// The devices of a question: --device ID[:SIZE][xN] values, host RAM and bandwidth, reserve, layer or
// tensor split, GPU layers and experts in RAM, as a front end received them (text), resolved into the
// core's PlacementRequest with the assumptions each choice brings.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "engine/query.hpp"
#include "engine/session.hpp"
#include "vramfit/placement.hpp"

namespace vramfit::engine {

// A device argument: ID[:SIZE][xN], e.g. rtx-4090, rtx-3090x2, apple-m4-max-40c:64GB.
struct DeviceSpec {
  const io::CatalogDevice* device = nullptr;
  double memory_gib = 0;  // chosen size (Apple/CPU options), 0 = catalog default
  std::int64_t count = 1;
  std::string text;
  std::string name;  // the device as typed (id or alias), without :SIZE and xN
};
DeviceSpec parse_device_spec(const io::Catalog& cat, const std::string& text);

// A unified-memory device named without its memory size when it is sold in several: which configuration
// was taken, in words ("" when the size was given or there is only one).
std::string configuration_note(const DeviceSpec& s);

// What a unified-memory device's GPU may use: the platform's default share (runtimes.yaml platforms:
// macOS's wired limit, an APU's carve-out) or the --wired-limit given, with the assumption line.
struct UnifiedShare {
  Bytes capacity{0};
  std::string assumption;
};
UnifiedShare unified_share(const io::Catalog& cat, const DeviceSpec& s, const std::string& wired_limit);

// The devices and memory as given; empty text means "not given".
struct DeviceRequest {
  std::vector<std::string> devices;  // ID[:SIZE][xN] values; "local" is the machine `detect` finds
  std::string reserve;
  std::string margin;  // --margin SIZE per GPU kept free by an automatic placement; empty: the runtime's
  std::string ram;
  std::string ram_bandwidth;
  std::string host;
  std::string gpu_layers = "auto";
  std::string wired_limit;
  std::string split;  // layer (default) | tensor
  std::string tp;     // tensor parallel over N GPUs
  std::string link;   // the link between tensor-parallel GPUs (runtimes.yaml links)
  bool cpu_moe = false;
  std::string n_cpu_moe;
  // Pool runtimes (vLLM, TGI, TensorRT-LLM): their own start-up settings, overriding runtimes.yaml.
  std::string gpu_memory_utilization;  // vLLM --gpu-memory-utilization (the pool's fraction)
  std::string max_num_batched_tokens;  // vLLM --max-num-batched-tokens (the profiling pass)
  std::string max_num_seqs;            // vLLM --max-num-seqs (rows sampled in the profiling pass)
  std::string vllm_version;            // 0 or 1: V0 profiles max(max_model_len, 2048) tokens without chunked prefill
  // The host CPU for llama.cpp's CPU_REPACK rule (vramfit/repack.hpp): "avx2,avx512", "none"; empty: the
  // detected host (--device local), an Apple chip's, else x86 with AVX2 assumed.
  std::string cpu_features;
  std::string cpu_features_from;  // where cpu_features came from when not typed ("/proc/cpuinfo")
  // The host CPU's physical cores for its prefill (--cpu-cores; --device local reads /proc/cpuinfo);
  // empty: not known, and the CPU's prefill is timed by its memory bandwidth.
  std::string cpu_cores;
  bool no_repack = false;  // llama.cpp -nr / --no-repack: no extra buffer types
  // --backend cpu: llama.cpp's CPU backend runs everything; the GPUs hold nothing and a unified-memory
  // chip's whole memory is the host's (its CPU cores are not bound by the GPU's wired limit).
  bool cpu_backend = false;
  // Reverse questions of fit (solve.hpp).
  bool max_context = false, max_parallel = false, min_devices = false;
  [[nodiscard]] bool tensor_parallel() const { return split == "tensor" || !tp.empty(); }
  // The user fixed -ngl or the experts' place: no automatic placement (placement_search.hpp).
  [[nodiscard]] bool fixes_placement() const { return gpu_layers != "auto" || cpu_moe || !n_cpu_moe.empty(); }
};

struct ResolvedPlacement {
  PlacementRequest request;
  std::vector<DeviceSpec> specs;
  bool cpu_only = false;
  std::vector<std::string> assumptions;
  CpuFeatures cpu;         // the host CPU's features
  std::string cpu_source;  // where they come from, for the assumption line: "--cpu-features", "assumed" ...
  std::int64_t cpu_cores = 0;  // the host CPU's physical cores, 0 = not known (DeviceRequest::cpu_cores)
  // Why the host gets no CPU_REPACK copy although its CPU would repack ("" when it does or nothing would).
  std::string no_repack_reason;
};
ResolvedPlacement resolve_placement(Session& s, const Query& q, const DeviceRequest& opt);

// The runtime runs on the devices' vendors (runtimes.yaml vendors: MLX on Apple silicon only); an
// input error names the device that it does not run on.
void check_runtime_devices(const RuntimeProfile& r, const std::vector<DeviceSpec>& specs);

// The host CPU's features for the CPU_REPACK rule: `typed` (--cpu-features; `from` says where it came
// from when not typed), else an Apple chip's among the devices, else an x86 CPU with AVX2 assumed.
// `source` gets the words for the assumption line.
CpuFeatures host_cpu_features(const std::vector<DeviceSpec>& specs, const std::string& typed, const std::string& from, std::string& source);

}  // namespace vramfit::engine
