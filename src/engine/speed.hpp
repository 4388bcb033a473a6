// The calibrated speed of a placement, as `fit` and `estimate` answer it: decode tokens/s at the start,
// middle and end of the context (and at --at N), prefill tokens/s and time to first token for a prompt,
// each with the band of the fit, and the assumptions (which profile of data/speed.yaml, with what numbers).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/devices.hpp"
#include "engine/query.hpp"
#include "vramfit/speed.hpp"
#include "vramfit/prefill.hpp"

namespace vramfit::engine {

// llama-bench's default prompt (pp512), the length the prefill efficiencies were fitted on.
inline constexpr std::int64_t kDefaultPrompt = 512;

// --prompt N, or 512 capped at the context; a prompt longer than the context is an input error.
std::int64_t prompt_tokens(const std::string& option, const Workload& w);

// --at N: a context position 0..context (the decode speed there); empty: not asked (nullopt).
std::optional<std::int64_t> at_position(const std::string& option, const Workload& w);

// What a speed report answers besides the placement.
struct SpeedQuestion {
  std::int64_t prompt = kDefaultPrompt;
  // Tokens of one prefill forward pass: llama.cpp's n_ubatch; a direct runtime's prefill chunk (MLX
  // prefill_step_size 2048), or the whole prompt (transformers: one forward pass). The weights are read
  // once per pass, so this sets the bandwidth floor of prefill.
  std::int64_t prefill_pass = kDefaultPrompt;
  std::string passes = "in passes of n_ubatch 512";  // the same in words, for the assumption line
  std::optional<std::int64_t> at;      // --at N: decode at this position too
  // The runtime asked: data/speed.yaml is fitted on llama.cpp runs, so only runtimes of kind llamacpp
  // (llama.cpp, Ollama) are calibrated; the others get llama.cpp's figures, labelled as such.
  std::string runtime = "llama.cpp";
  bool calibrated = true;
};

// Tokens of one prefill forward pass for a prompt under a runtime (SpeedQuestion::prefill_pass).
std::int64_t prefill_pass_tokens(const RuntimeProfile& r, const Workload& w, std::int64_t prompt);

// --prompt and --at checked against the workload, and the runtime's prefill pass.
SpeedQuestion speed_question(const RuntimeProfile& r, const WorkloadRequest& opt, const Workload& w);

// --backend: empty (each device's default: NVIDIA cuda, AMD rocm, Apple metal, Intel sycl), or one of
// cuda, rocm, vulkan, metal, sycl, checked against the devices' vendors, or cpu (llama.cpp's CPU
// backend on any machine: everything in host memory).
void check_backend(const std::string& backend, const std::vector<DeviceSpec>& specs);

// The speed devices of a resolved placement: one per GPU in placement order, and the host.
// `host_cores`: the host CPU's physical cores where known (ResolvedPlacement::cpu_cores), which time its
// prefill per core (the cpu profile's ψ) instead of by memory bandwidth.
SpeedSetup speed_setup(const io::Catalog& cat, const std::vector<DeviceSpec>& specs, const Placement& p,
                       const std::string& backend, std::int64_t host_cores = 0);

// The user's own runs behind a report (engine/calibrate.hpp); applied false when none matched.
struct Calibration {
  bool applied = false;
  double decode_factor = 1.0, prefill_factor = 1.0;  // measured / predicted, median over the runs
  std::int64_t runs = 0;
  bool exact_model = false;  // the runs were of the same model and quantization
  std::string device, backend, file;
};

struct SpeedReport {
  std::vector<DecodeSpeed> decode;       // start, middle, end of the context
  std::vector<DecodeBound> upper_bound;  // the bandwidth bound at the same positions
  std::optional<DecodeSpeed> at;         // --at N: decode at that position
  std::optional<DecodeBound> at_bound;   // and its bandwidth bound
  std::string runtime = "llama.cpp";     // the runtime asked
  bool calibrated = true;                // false: llama.cpp's figures, not measured for `runtime`
  PrefillSpeed prefill;
  std::vector<const SpeedProfile*> profiles;  // the profiles in use (GPUs, then the host), no repeats
  std::vector<std::string> assumptions;
  std::string unknown_why;  // set when the speed cannot be estimated
  Calibration calibration;
};

SpeedReport speed_report(const ModelSpec& m, const MemoryEstimate& e, const Placement& p, const SpeedSetup& s,
                         const Workload& w, const SpeedQuestion& q);

}  // namespace vramfit::engine
