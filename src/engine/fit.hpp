// fit MODEL --device ID[xN] ...: the model placed on the devices, per-device memory and headroom, the
// verdict and why, the decode bandwidth bound and the calibrated speed; with a reverse question
// (engine/solve.hpp) placed at its answer; under a pool runtime (vLLM ...) the pool budget instead
// (engine/pool.hpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/devices.hpp"
#include "engine/memory.hpp"
#include "engine/pool.hpp"
#include "engine/query.hpp"
#include "engine/session.hpp"
#include "engine/solve.hpp"
#include "engine/speed.hpp"

namespace vramfit::engine {

struct FitRequest {
  std::string model;           // catalog id or alias, Ollama name, GGUF file, Hugging Face directory
  WorkloadRequest workload;    // workload.prompt: prompt tokens of the speed estimate
  DeviceRequest placement;     // with the reverse question, if any (max_context / max_parallel / min_devices)
  std::string backend;         // llama.cpp backend of the GPUs for the speed estimate; empty: by vendor
};

struct FitAnswer {
  // Under a pool runtime (vLLM, TGI, TensorRT-LLM) the budget of its start-up log; the fields below
  // are then left empty.
  std::optional<PoolAnswer> pool;

  SolveAnswer solve;           // question none when none was asked
  Query query;                 // at the answer of the question: its context, sequences or devices
  MemoryEstimate estimate;     // estimate.repack: the CPU_REPACK copy if every tensor ran on the CPU
  CpuFeatures cpu;             // the host CPU's features the repack rule used
  Placement placement;         // gpus in order, then host; verdict, gpu_layers of total_layers
  // The automatic placement's search (engine/placement_search.hpp): the other placement that fit, its
  // decode speed, and why the chosen one wins ("" when nothing was searched).
  std::optional<Placement> runner_up;
  double runner_up_tokens_per_second = 0;
  std::string placement_why;
  DecodeBound decode_start;    // the bandwidth bound at position 0
  DecodeBound decode_end;      // and at the end of the context
  SpeedReport speed;
  std::string reason;          // why the verdict: least headroom, layers offloaded, what does not fit
  std::vector<std::string> notes;  // devices left with less than llama.cpp --fit keeps free, sizes taken for a device
  // What `ollama ps` would print (SIZE ..., PROCESSOR ...) when the runtime is ollama, else "".
  std::string ollama_ps;
  std::vector<std::string> assumptions;
  // The devices placed, as --device values (ID[:SIZE][xN]): those given with --tp N (one GPU named
  // without a count is N of them), --min-devices' answer and --device local applied. What
  // `fit --kwh-price --cloud-price` powers and prices (engine/recommend.hpp fit_energy).
  std::vector<std::string> devices;

  // Fits (perhaps with offload) and the question, if any, has an answer: the CLI's exit 0.
  [[nodiscard]] bool fits() const;
  // The parameter counts, worked out when asked: only the JSON document prints them.
  [[nodiscard]] ParamCounts params() const;
};

FitAnswer answer_fit(Session& s, const FitRequest& r);

}  // namespace vramfit::engine
