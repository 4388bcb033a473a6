// Decode speed (reference/methods.md §6.1-6.2; the fit and its error: docs/speed.md). Prefill and time
// to first token: prefill.hpp.
//
// decode_upper_bound: a decoded token must stream every active weight byte and the KV cache it attends
// over from memory once, layer after layer (§6.1). Time per token is at least sum(bytes on device /
// bandwidth of device); its inverse is an UPPER bound on tokens/s.
//
// decode_speed: the calibrated estimate. Who reads what comes from token_reads (placement.hpp); per
// device that runs something  t = bytes / (eta x bandwidth) + layers x t_layer + t_token,  summed over
// the devices of a layer split (they run one after the other, §6.2), the slowest GPU of a tensor-
// parallel group plus its all-reduces. eta, t_layer and t_token are fitted per llama.cpp backend (and
// device class) on measured runs and live in data/speed.yaml with the band of that fit.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "vramfit/placement.hpp"

namespace vramfit {

struct DecodeBound {
  std::int64_t position = 0;  // tokens already in the context
  Bytes bytes_read{0};        // per decoded token, all devices
  Seconds time{0.0};
  TokensPerSecond tokens_per_second{0.0};
  bool known = false;  // false when a device holding layers has no bandwidth figure
};

inline DecodeBound decode_upper_bound(const ModelSpec& m, const MemoryEstimate& e, const Placement& p,
                                      std::int64_t position) {
  DecodeBound b;
  b.position = position;
  // Who reads what comes from the placement (token_reads, placement.hpp): layer split, tensor parallel
  // (GPUs read their 1/N shares at once, plus the all-reduces) and experts kept in host memory.
  const TokenReads r = token_reads(m, e, p, position);
  bool known = true;
  auto time_of = [&](const DeviceRead& d) {
    b.bytes_read += d.bytes;
    if (d.bytes.value() == 0) return 0.0;
    if (d.plan->bandwidth.value() <= 0) known = false;
    return d.plan->bandwidth.value() > 0 ? (d.bytes / d.plan->bandwidth).value() : 0.0;
  };
  double seconds = 0, slowest_gpu = 0;
  for (const DeviceRead& d : r.gpus) {
    const double t = time_of(d);
    if (r.gpus_in_parallel) slowest_gpu = std::max(slowest_gpu, t);
    else seconds += t;
  }
  seconds += slowest_gpu + time_of(r.host) + r.communication.value();
  b.known = known && seconds > 0;
  if (b.known) {
    b.time = Seconds(seconds);
    b.tokens_per_second = per_token(b.time);
  }
  return b;
}

// ---------------------------------------------------------------------------------------------
// Calibrated model: parameters (data/speed.yaml) and the devices they apply to.
// ---------------------------------------------------------------------------------------------

// Spread of measured / predicted tokens/s over the rows a profile was fitted on (cross-validated): the
// 10th and 90th percentile. A prediction x is reported with the band [x * low, x * high].
struct SpeedBand {
  double low = 1.0;
  double high = 1.0;
};

// Fitted parameters of one backend, optionally narrowed to one device class: a DeviceKind name (gpu,
// datacenter, apple, igpu, soc, cpu), a vendor (nvidia, amd, intel, apple) or a generation class
// (pre-volta: NVIDIA GPUs of compute capability below 7.0, without tensor cores).
struct SpeedProfile {
  std::string id;
  std::string backend;       // cuda | rocm | vulkan | metal | sycl | cpu
  std::string device_class;  // "" = every device of the backend; else a class (see above)
  // decode
  double bandwidth_efficiency = 1.0;  // eta: achieved / peak memory bandwidth
  Seconds per_layer{0.0};             // fixed cost per layer (block or output head) per token
  Seconds per_token{0.0};             // fixed cost per device per token (graph launch, synchronisation)
  SpeedBand decode_band;
  std::int64_t decode_rows = 0;  // measured rows the decode figures were fitted on
  // prefill
  double compute_efficiency_quantized = 0;  // achieved / int8 peak, quantized weights (llama.cpp MMQ)
  double compute_efficiency_float = 0;      // achieved / FP16 peak, F16/BF16/F32 weights
  double flops_per_byte = 0;  // devices without a tensor peak: achieved FLOP/s per byte/s of bandwidth
  double flops_per_core = 0;  // devices without a tensor peak but with a GPU core count: FLOP/s per core
  double moe_factor = 1.0;    // MoE models reach this fraction of the dense throughput (per-expert GEMMs)
  SpeedBand prefill_band;
  std::int64_t prefill_rows = 0;
  std::vector<std::string> source;
};

// What the speed model needs to know about a device: which profile applies and its peaks.
struct SpeedDevice {
  std::string backend;  // "" = no backend known: speed unknown
  std::string device_class;       // the DeviceKind name
  std::vector<std::string> tags;  // further classes: the vendor, a generation class (pre-volta)
  std::int64_t gpu_cores = 0;     // GPU cores (Apple), 0 = not known
  BytesPerSecond bandwidth{0.0};
  FlopsPerSecond int8_peak{0.0};  // dense int8 tensor rate (0 = not published)
  FlopsPerSecond f16_peak{0.0};   // dense FP16 tensor rate (0 = not published)
  BytesPerSecond host_link{0.0};  // host memory -> this GPU (PCIe), for op_offload in prefill; 0 = none

  [[nodiscard]] bool is(const std::string& c) const {
    return c == device_class || std::find(tags.begin(), tags.end(), c) != tags.end();
  }
};

// The backend a user of a device's vendor gets by default: CUDA, ROCm, Metal, and Vulkan for Intel GPUs
// (the builds LM Studio, Ollama and llama.cpp's release binaries ship for Arc; docs/speed.md §6: SYCL
// decodes at about 0.7x Vulkan's rate on the same A770 in the measured rows).
inline std::string default_backend(const Device& d) {
  if (d.is_cpu()) return "cpu";
  switch (d.backend()) {
    case Backend::cuda: return "cuda";
    case Backend::rocm: return "rocm";
    case Backend::metal: return "metal";
    case Backend::sycl: return "vulkan";
    case Backend::cpu: return "cpu";
    case Backend::other: return "";
  }
  return "";
}

// Peaks from the catalog: FP16 with FP16 accumulate where it is faster (GeForce), else FP16/BF16;
// int8 tensor ops, else the FP16 rate (GPUs without int8 tensor cores run MMQ on dp4a). AMD GPUs
// without matrix cores whose ISA has a 4-way int8 dot (Vega 20 gfx906, RDNA 2 gfx103x) run ggml's
// dp4a as v_dot4_i32_i8 (ggml-cuda common.cuh ggml_cuda_dp4a: __builtin_amdgcn_sdot4), 4 int8 MACs
// per lane and clock where packed FP16 does 2: twice the catalog's FP16 rate.
inline bool amd_sdot4_without_matrix_cores(const Device& d) {
  if (d.vendor != "amd" || d.int8_tops > 0) return false;
  return d.gfx_target == "gfx906" || d.gfx_target.rfind("gfx103", 0) == 0;
}

// NVIDIA GPUs below compute capability 7.0 have no tensor cores; what ggml-cuda runs a prefill GEMM on
// follows the compute capability (ggml-cuda mmq.cu ggml_cuda_should_use_mmq, common.cuh
// GGML_CUDA_CC_DP4A and fast_fp16_hardware_available):
//  * 6.1 / 6.2 (GP102-GP108: GTX 10, P40): quantized weights through MMQ on __dp4a, 4 int8 MACs per FP32
//    lane and clock: 4 x the FP32 rate; FP16 runs at 1/64, so F16 weights go to cuBLAS in FP32;
//  * 6.0 (GP100: P100): no dp4a, MMQ is off for dense models: cuBLAS in packed FP16 (2 x FP32) for both;
//  * 5.x and 3.x (Maxwell, Kepler): cuBLAS in FP32.
// `f16` and `int8` are left alone without an FP32 figure in the catalog.
inline void nvidia_pre_volta_peaks(const Device& d, double cc, double& f16, double& int8) {
  if (d.fp32_tflops <= 0) return;
  if (cc >= 6.1) {
    f16 = d.fp32_tflops;
    int8 = 4 * d.fp32_tflops;
  } else if (cc >= 6.0) {
    f16 = int8 = std::max(f16, d.fp32_tflops);
  } else {
    f16 = int8 = d.fp32_tflops;
  }
}

inline SpeedDevice speed_device(const Device& d, std::string backend = {}) {
  SpeedDevice s;
  s.backend = backend.empty() ? default_backend(d) : std::move(backend);
  s.device_class = to_string(d.kind);
  if (!d.vendor.empty()) s.tags.push_back(d.vendor);
  // Kepler, Maxwell and Pascal: no tensor cores, MMQ on dp4a or plain FP32 (ggml-cuda's cc < 7.0 paths).
  const double cc = d.compute_capability.empty() ? 0.0 : std::atof(d.compute_capability.c_str());
  const bool pre_volta = d.vendor == "nvidia" && cc > 0 && cc < 7.0;
  if (pre_volta) s.tags.push_back("pre-volta");
  s.gpu_cores = d.gpu_cores;
  s.bandwidth = d.bandwidth();
  double f16 = std::max({d.fp16acc_tflops, d.fp16_tflops, d.bf16_tflops});
  double int8 = d.int8_tops > 0 ? d.int8_tops : amd_sdot4_without_matrix_cores(d) ? 2 * f16 : f16;
  if (pre_volta) nvidia_pre_volta_peaks(d, cc, f16, int8);
  s.f16_peak = tflops(f16);
  s.int8_peak = tflops(int8);
  return s;
}

// llama.cpp's CPU backend on a device: CPU presets are class cpu; the CPU cores of a unified-memory chip
// (Apple, Strix Halo, DGX Spark ...) carry its kind and the tag "unified" (they reach a smaller share of
// the chip's bandwidth than its GPU does).
inline SpeedDevice cpu_speed_device(const Device& d) {
  SpeedDevice s;
  s.backend = "cpu";
  s.device_class = d.unified_memory() ? to_string(d.kind) : "cpu";
  if (d.unified_memory()) s.tags.push_back("unified");
  s.bandwidth = d.bandwidth();
  return s;
}

// The profile for a device: the first profile of its backend whose class the device has (in the order of
// data/speed.yaml, so the narrower class comes first there), then the backend's general profile.
inline const SpeedProfile* find_profile(const std::vector<SpeedProfile>& profiles, const SpeedDevice& d) {
  if (d.backend.empty()) return nullptr;
  const SpeedProfile* general = nullptr;
  for (const SpeedProfile& p : profiles) {
    if (p.backend != d.backend) continue;
    if (!p.device_class.empty() && d.is(p.device_class)) return &p;
    if (p.device_class.empty() && general == nullptr) general = &p;
  }
  return general;
}

// The devices of a placement, in its order: gpus[i] drives p.gpus[i]; host drives p.host.
struct SpeedSetup {
  std::vector<SpeedDevice> gpus;
  SpeedDevice host;
  const std::vector<SpeedProfile>* profiles = nullptr;
};

// ---------------------------------------------------------------------------------------------
// Decode
// ---------------------------------------------------------------------------------------------

struct DecodeSpeed {
  std::int64_t position = 0;
  Bytes bytes_read{0};  // per decoded token, all devices
  Seconds time{0.0};    // predicted seconds per token
  TokensPerSecond tokens_per_second{0.0};
  TokensPerSecond low{0.0}, high{0.0};  // the band of the fit residuals
  bool known = false;  // false when a device that runs something has no bandwidth or no fitted profile
};

namespace detail {

// Time of one device per token under its profile, and the same at the two ends of the band.
struct Timed {
  double t = 0, fast = 0, slow = 0;
  bool known = true;
};

inline Timed decode_time(const DeviceRead& d, const SpeedDevice* dev, const std::vector<SpeedProfile>& profiles) {
  Timed r;
  if (d.blocks == 0 && !d.output) return r;  // runs nothing: no time, no fixed cost
  const SpeedProfile* prof = dev != nullptr ? find_profile(profiles, *dev) : nullptr;
  if (prof == nullptr || d.plan->bandwidth.value() <= 0 || prof->bandwidth_efficiency <= 0) {
    r.known = false;
    return r;
  }
  const double layers = double(d.blocks) + (d.output ? 1.0 : 0.0);
  r.t = (d.bytes / (d.plan->bandwidth * prof->bandwidth_efficiency)).value() + layers * prof->per_layer.value() +
        prof->per_token.value();
  r.fast = r.t / prof->decode_band.high;
  r.slow = r.t / prof->decode_band.low;
  return r;
}

// Devices one after the other add up; tensor-parallel GPUs run at once, the slowest sets the pace.
inline void combine(Timed& total, const Timed& part, bool parallel) {
  total.known = total.known && part.known;
  if (parallel) {
    total.t = std::max(total.t, part.t);
    total.fast = std::max(total.fast, part.fast);
    total.slow = std::max(total.slow, part.slow);
  } else {
    total.t += part.t;
    total.fast += part.fast;
    total.slow += part.slow;
  }
}

}  // namespace detail

// Who reads what comes from the placement (token_reads, placement.hpp): layer split, tensor parallel
// (the GPUs read their 1/N shares at once, plus the all-reduces) and experts kept in host memory.
inline DecodeSpeed decode_speed(const ModelSpec& m, const MemoryEstimate& e, const Placement& p,
                                const SpeedSetup& s, std::int64_t position) {
  DecodeSpeed r;
  r.position = position;
  if (s.profiles == nullptr) return r;
  const TokenReads reads = token_reads(m, e, p, position);
  detail::Timed gpus;
  for (std::size_t i = 0; i < reads.gpus.size(); ++i) {
    r.bytes_read += reads.gpus[i].bytes;
    detail::combine(gpus, detail::decode_time(reads.gpus[i], i < s.gpus.size() ? &s.gpus[i] : nullptr, *s.profiles),
                    reads.gpus_in_parallel);
  }
  r.bytes_read += reads.host.bytes;
  detail::Timed total = gpus;
  detail::combine(total, detail::decode_time(reads.host, &s.host, *s.profiles), false);
  const double comm = reads.communication.value();
  r.known = total.known && total.t > 0;
  if (r.known) {
    r.time = Seconds(total.t + comm);
    r.tokens_per_second = per_token(r.time);
    r.low = per_token(Seconds(total.slow + comm));
    r.high = per_token(Seconds(total.fast + comm));
  }
  return r;
}

}  // namespace vramfit
