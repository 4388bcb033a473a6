// The calibrated speed of a placement, as `fit` and `estimate` answer it: decode tokens/s at the start,
// middle and end of the context, prefill tokens/s and time to first token for a prompt, each with the
// band of the fit, and the assumptions (which profile of data/speed.yaml, with what numbers).
#pragma once

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

// --backend: empty (each device's default: NVIDIA cuda, AMD rocm, Apple metal, Intel sycl), or one of
// cuda, rocm, vulkan, metal, sycl, checked against the devices' vendors.
void check_backend(const std::string& backend, const std::vector<DeviceSpec>& specs);

// The speed devices of a resolved placement: one per GPU in placement order, and the host.
SpeedSetup speed_setup(const io::Catalog& cat, const std::vector<DeviceSpec>& specs, const Placement& p,
                       const std::string& backend);

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
  PrefillSpeed prefill;
  std::vector<const SpeedProfile*> profiles;  // the profiles in use (GPUs, then the host), no repeats
  std::vector<std::string> assumptions;
  std::string unknown_why;  // set when the speed cannot be estimated
  Calibration calibration;
};

SpeedReport speed_report(const ModelSpec& m, const MemoryEstimate& e, const Placement& p, const SpeedSetup& s,
                         const Workload& w, std::int64_t prompt);

}  // namespace vramfit::engine
