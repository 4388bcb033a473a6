// estimate MODEL: the memory breakdown (weights by tensor group, KV cache, compute buffer, runtime
// overhead), device-independent: what one GPU needs for a full offload, and host RAM; with a device,
// the speed of a full offload onto it (memory is not checked: that is `fit`).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/devices.hpp"
#include "engine/memory.hpp"
#include "engine/query.hpp"
#include "engine/session.hpp"
#include "engine/speed.hpp"

namespace vramfit::engine {

struct EstimateRequest {
  std::string model;         // catalog id or alias, Ollama name, GGUF file, Hugging Face directory
  WorkloadRequest workload;  // workload.prompt: prompt tokens of the speed estimate (needs device)
  std::string device;        // ID[xN]: also the speed of a full offload onto it; empty: memory only
  std::string backend;       // llama.cpp backend of that device; empty: by vendor
  std::string cpu_features;  // --cpu-features for the CPU_REPACK copy of a CPU-only run; empty: by device / avx2
};

// Every block and the output head on the device (split evenly over xN), or on a CPU preset: the
// speed question without the memory question.
struct SpeedOnDevice {
  DeviceSpec spec;
  Placement placement;
  SpeedReport report;
};

struct EstimateAnswer {
  Query query;
  MemoryEstimate estimate;
  ParamCounts params;
  // One GPU of unlimited size and host RAM (engine/memory.hpp full_offload): gpus.front() is what a
  // single card needs, host what stays in RAM.
  Placement full_offload;
  std::optional<SpeedOnDevice> speed;  // with a device
  // llama.cpp's CPU_REPACK copy on a CPU-only run (llama.cpp runtimes only), on a CPU with these features.
  RepackBreakdown repack;
  CpuFeatures cpu;
  std::string cpu_source;
  std::vector<std::string> assumptions;
};

EstimateAnswer answer_estimate(Session& s, const EstimateRequest& r);

}  // namespace vramfit::engine
