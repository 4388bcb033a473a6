// Decode and prefill speed (reference/methods.md §6; docs/speed.md has the fit and its error).
//
// decode_upper_bound: a decoded token must stream every active weight byte and the KV cache it attends
// over from memory once, layer after layer (§6.1). Time per token is at least sum(bytes on device /
// bandwidth of device); its inverse is an UPPER bound on tokens/s.
//
// decode_speed: the calibrated estimate. Per device holding layers (a layer split runs them one after
// the other, §6.2):  t = bytes / (eta x bandwidth) + layers x t_layer + t_token,  summed over devices.
// eta, t_layer and t_token are fitted per backend (and device class) on measured llama.cpp runs and
// live in data/speed.yaml with the residual band of that fit.
//
// prefill_speed: FLOPs = 2 x active params x P + the causal attention term (§6.3) over the achieved
// tensor throughput (device peak for the weight format x fitted efficiency), bounded below by reading
// the weights once per n_ubatch tokens at achieved bandwidth; the slower of the two counts.
#pragma once

#include <algorithm>
#include <cmath>
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

// Spread of measured / predicted tokens/s over the rows a profile was fitted on: the 10th and 90th
// percentile. A prediction x is reported with the band [x * low, x * high].
struct SpeedBand {
  double low = 1.0;
  double high = 1.0;
};

// Fitted parameters of one backend, optionally narrowed to one device class (a DeviceKind name).
struct SpeedProfile {
  std::string id;
  std::string backend;       // cuda | rocm | vulkan | metal | sycl | cpu
  std::string device_class;  // "" = every device of the backend; else gpu, datacenter, apple, cpu ...
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
  double moe_factor = 1.0;    // MoE models reach this fraction of the dense throughput (per-expert GEMMs)
  SpeedBand prefill_band;
  std::int64_t prefill_rows = 0;
  std::vector<std::string> source;
};

// What the speed model needs to know about a device: which profile applies and its peaks.
struct SpeedDevice {
  std::string backend;  // "" = no backend known: speed unknown
  std::string device_class;
  BytesPerSecond bandwidth{0.0};
  FlopsPerSecond int8_peak{0.0};  // dense int8 tensor rate (0 = not published)
  FlopsPerSecond f16_peak{0.0};   // dense FP16 tensor rate (0 = not published)
  BytesPerSecond host_link{0.0};  // host memory -> this GPU (PCIe), for op_offload in prefill; 0 = none
};

// The backend llama.cpp uses by default for a device's vendor.
inline std::string default_backend(const Device& d) {
  if (d.is_cpu()) return "cpu";
  switch (d.backend()) {
    case Backend::cuda: return "cuda";
    case Backend::rocm: return "rocm";
    case Backend::metal: return "metal";
    case Backend::sycl: return "sycl";
    case Backend::cpu: return "cpu";
    case Backend::other: return "";
  }
  return "";
}

// Peaks from the catalog: FP16 with FP16 accumulate where it is faster (GeForce), else FP16/BF16;
// int8 tensor ops, else the FP16 rate (GPUs without int8 tensor cores run MMQ on dp4a).
inline SpeedDevice speed_device(const Device& d, std::string backend = {}) {
  SpeedDevice s;
  s.backend = backend.empty() ? default_backend(d) : std::move(backend);
  s.device_class = to_string(d.kind);
  s.bandwidth = d.bandwidth();
  const double f16 = std::max({d.fp16acc_tflops, d.fp16_tflops, d.bf16_tflops});
  s.f16_peak = tflops(f16);
  s.int8_peak = tflops(d.int8_tops > 0 ? d.int8_tops : f16);
  return s;
}

// The profile for a device: backend + device class first, then the backend's general profile.
inline const SpeedProfile* find_profile(const std::vector<SpeedProfile>& profiles, const SpeedDevice& d) {
  if (d.backend.empty()) return nullptr;
  const SpeedProfile* general = nullptr;
  for (const SpeedProfile& p : profiles) {
    if (p.backend != d.backend) continue;
    if (!p.device_class.empty() && p.device_class == d.device_class) return &p;
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

// ---------------------------------------------------------------------------------------------
// Prefill
// ---------------------------------------------------------------------------------------------

// Matrix parameters one token multiplies with in each block: every block tensor, routed experts
// scaled by experts_per_token / experts (as count_params counts active parameters).
inline std::vector<double> active_params_per_layer(const ModelSpec& m) {
  std::vector<double> out(static_cast<std::size_t>(m.layers), 0.0);
  const double share = m.moe.present() ? double(m.moe.experts_per_token) / double(m.moe.experts) : 1.0;
  for (const TensorInfo& t : tensor_inventory(m)) {
    if (t.layer < 0) continue;
    out[std::size_t(t.layer)] += double(t.elements()) * (t.group == TensorGroup::experts ? share : 1.0);
  }
  return out;
}

// Query positions attended over by a causal prompt of P tokens: sum over c = 1..P of min(c, window).
inline double causal_pairs(std::int64_t prompt, std::int64_t window) {
  const double p = double(prompt);
  if (window <= 0 || window >= prompt) return p * (p + 1) / 2;
  const double w = double(window);
  return w * (w + 1) / 2 + (p - w) * w;
}

// Attention FLOPs of one layer for a P-token prompt: QK^T and PV, 2 FLOPs per multiply-add, over the
// causal pairs (methods.md §6.3: 2 x n_layer x P^2 x d_attn for full attention).
inline double attention_flops(const ModelSpec& m, std::int64_t il, std::int64_t prompt) {
  const LayerKind k = m.layer_kind(il);
  double qk = double(m.heads * m.head_dim_k), pv = double(m.heads * m.head_dim_v);
  std::int64_t window = 0;
  switch (k) {
    case LayerKind::full: break;
    case LayerKind::sliding: window = m.sliding_window; break;
    case LayerKind::chunked: window = m.chunk_size; break;
    case LayerKind::mla:
      qk = double(m.heads * (m.mla.qk_nope_head_dim + m.mla.qk_rope_head_dim));
      pv = double(m.heads * m.mla.v_head_dim);
      break;
    case LayerKind::mamba:
    case LayerKind::linear: return 0.0;  // linear in P: inside the projection term
  }
  return 2.0 * (qk + pv) * causal_pairs(prompt, window);
}

// Total prefill FLOPs: projections of every prompt token, attention, and the output head for the last
// token only (llama.cpp computes logits for the last prompt token).
inline Flops prefill_flops(const ModelSpec& m, std::int64_t prompt) {
  const std::vector<double> params = active_params_per_layer(m);
  double f = 2.0 * double(m.hidden) * double(m.vocab);
  for (std::int64_t il = 0; il < m.layers; ++il)
    f += 2.0 * params[std::size_t(il)] * double(prompt) + attention_flops(m, il, prompt);
  return Flops(f);
}

struct PrefillSpeed {
  std::int64_t prompt = 0;
  Flops flops{0.0};
  Seconds compute_time{0.0};  // FLOPs over achieved throughput, all devices
  Seconds read_time{0.0};     // weight passes over achieved bandwidth (or over the host link), all devices
  Seconds time{0.0};          // per device the slower of the two, combined as the devices run
  TokensPerSecond tokens_per_second{0.0}, low{0.0}, high{0.0};
  bool compute_bound = true;  // compute_time >= read_time
  Seconds ttft{0.0}, ttft_low{0.0}, ttft_high{0.0};  // prefill + the first decoded token
  bool known = false;
};

// Fraction of a MoE layer's routed experts that n tokens touch: 1 - (1 - k/E)^n (uniform routing).
inline double experts_touched(const ModelSpec& m, std::int64_t tokens) {
  if (!m.moe.present()) return 1.0;
  return 1.0 - std::pow(1.0 - double(m.moe.experts_per_token) / double(m.moe.experts), double(tokens));
}

// llama.cpp runs a large-batch matrix product whose weights sit in host memory on the GPU instead,
// copying the weights over (op_offload, on by default; the CUDA backend does it from 32 tokens on:
// ggml-cuda.cu ggml_backend_cuda_device_offload_op, min_batch_size 32). methods.md §3.1.
inline constexpr std::int64_t kOffloadMinBatch = 32;

namespace detail {

// The prefill work of one device: FLOPs, weight bytes it reads from its own memory per pass, and
// weight bytes copied to it from host memory per pass (op_offload).
struct PrefillWork {
  double flops = 0, local_bytes = 0, link_bytes = 0;
  bool any = false;
};

}  // namespace detail

// A P-token prompt, processed in passes of n_ubatch tokens. Each device computes the FLOPs of the blocks
// it runs and reads their weights once per pass (MoE: the experts the pass's tokens touch). Tensor
// parallel: every GPU does 1/N of every block at once, plus the all-reduces of each pass. Layer split
// with blocks (or --n-cpu-moe experts) in host memory: from 32 tokens per pass llama.cpp computes them
// on the first GPU, copying the weights over its PCIe link each pass (op_offload), when the GPU's link
// is known; otherwise the host computes its blocks with its own profile.
inline PrefillSpeed prefill_speed(const ModelSpec& m, const MemoryEstimate& e, const Placement& p,
                                  const SpeedSetup& s, std::int64_t prompt, std::int64_t ubatch) {
  PrefillSpeed r;
  r.prompt = prompt;
  if (prompt <= 0 || ubatch <= 0 || s.profiles == nullptr) return r;
  const std::vector<double> params = active_params_per_layer(m);
  const std::int64_t batch = std::min(prompt, ubatch);
  const double passes = std::ceil(double(prompt) / double(ubatch));
  const double touched = experts_touched(m, batch);
  const bool quantized = e.weights.bits_per_weight() < 12.0;  // Q8_0 and below: llama.cpp's MMQ kernels
  const bool tensor = p.split == Parallelism::tensor;
  const double share = tensor ? 1.0 / double(std::max<std::int64_t>(p.tp_degree, 1)) : 1.0;
  // The GPU that computes host-resident weights (op_offload): the first GPU with a known host link.
  std::size_t offload = p.gpus.size();
  if (!tensor && batch >= kOffloadMinBatch)
    for (std::size_t i = 0; i < p.gpus.size() && i < s.gpus.size(); ++i)
      if (s.gpus[i].host_link.value() > 0) {
        offload = i;
        break;
      }
  const bool offloading = offload < p.gpus.size();

  auto layer_work = [&](detail::PrefillWork& w, std::int64_t il, bool experts_remote) {
    w.any = true;
    w.flops += 2.0 * params[std::size_t(il)] * double(prompt) + attention_flops(m, il, prompt);
    const double ex = double(e.weights.per_layer_experts[std::size_t(il)].value()) * touched;
    const double rest = double((e.weights.per_layer[std::size_t(il)] - e.weights.per_layer_experts[std::size_t(il)]).value());
    w.local_bytes += rest;
    (experts_remote ? w.link_bytes : w.local_bytes) += ex;
  };
  std::vector<detail::PrefillWork> gpu_work(p.gpus.size());
  detail::PrefillWork host_work;  // blocks in host memory (computed by the host, or by the offload GPU)
  for (std::size_t i = 0; i < p.gpus.size(); ++i) {
    for (std::int64_t il = 0; il < m.layers; ++il)
      if (tensor || p.gpus[i].holds_layer(il)) layer_work(gpu_work[i], il, !tensor && offloading && p.experts_on_host(il));
    if (p.gpus[i].output) {
      gpu_work[i].any = true;
      gpu_work[i].flops += 2.0 * double(m.hidden) * double(m.vocab);
      gpu_work[i].local_bytes += double(e.output_active.value());
    }
  }
  if (!tensor) {
    for (std::int64_t il = 0; il < m.layers; ++il) {
      bool on_gpu = false;
      for (const DevicePlan& g : p.gpus) on_gpu = on_gpu || g.holds_layer(il);
      if (!on_gpu) layer_work(host_work, il, false);
    }
    if (p.host.output) {
      host_work.any = true;
      host_work.flops += 2.0 * double(m.hidden) * double(m.vocab);
      host_work.local_bytes += double(e.output_active.value());
    }
    if (offloading) {  // what the host holds travels to the offload GPU: all of it is link traffic
      host_work.link_bytes += host_work.local_bytes;
      host_work.local_bytes = 0;
    }
  }

  double compute = 0, read = 0, flops = 0;
  auto time_of = [&](const detail::PrefillWork& w, const DevicePlan& plan, const SpeedDevice* dev) -> detail::Timed {
    detail::Timed t;
    if (!w.any) return t;
    const double f = w.flops * share;
    flops += f;
    const SpeedProfile* prof = dev != nullptr ? find_profile(*s.profiles, *dev) : nullptr;
    if (prof == nullptr || plan.bandwidth.value() <= 0 || prof->bandwidth_efficiency <= 0) {
      t.known = false;
      return t;
    }
    const double eff = quantized ? prof->compute_efficiency_quantized : prof->compute_efficiency_float;
    const FlopsPerSecond peak = quantized ? dev->int8_peak : dev->f16_peak;
    double achieved = 0;
    if (peak.value() > 0 && eff > 0) achieved = eff * peak.value();
    else if (prof->flops_per_byte > 0) achieved = prof->flops_per_byte * plan.bandwidth.value();
    if (m.moe.present()) achieved *= prof->moe_factor;
    if (achieved <= 0) {
      t.known = false;
      return t;
    }
    const double tc = f / achieved;
    const double tr = passes * w.local_bytes * share / (plan.bandwidth.value() * prof->bandwidth_efficiency);
    const double tl = w.link_bytes > 0 ? passes * w.link_bytes / dev->host_link.value() : 0.0;
    compute += tc;
    read += std::max(tr, tl);
    t.t = std::max({tc, tr, tl});
    t.fast = t.t / prof->prefill_band.high;
    t.slow = t.t / prof->prefill_band.low;
    return t;
  };
  detail::Timed gpus;
  for (std::size_t i = 0; i < p.gpus.size(); ++i)
    detail::combine(gpus, time_of(gpu_work[i], p.gpus[i], i < s.gpus.size() ? &s.gpus[i] : nullptr), tensor);
  detail::Timed total = gpus;
  if (!tensor) {
    // Offloaded host blocks run on the offload GPU at its rates; the host runs them otherwise.
    const detail::Timed h = offloading ? time_of(host_work, p.gpus[offload], &s.gpus[offload]) : time_of(host_work, p.host, &s.host);
    detail::combine(total, h, false);
  }
  // All-reduces: per pass, of the pass's tokens (2 per block, parallel.hpp).
  const double comm = tensor ? passes * tp_comm_time(m, p.link, p.tp_degree, batch).value() : 0.0;
  r.flops = Flops(flops);
  r.known = total.known && total.t > 0;
  if (!r.known) return r;
  r.compute_time = Seconds(compute);
  r.read_time = Seconds(read);
  r.compute_bound = compute >= read;
  r.time = Seconds(total.t + comm);
  r.tokens_per_second = TokensPerSecond(double(prompt) / r.time.value());
  r.low = TokensPerSecond(double(prompt) / (total.slow + comm));
  r.high = TokensPerSecond(double(prompt) / (total.fast + comm));
  const DecodeSpeed first = decode_speed(m, e, p, s, prompt);
  if (!first.known) {
    r.known = false;
    return r;
  }
  r.ttft = Seconds(r.time.value() + first.time.value());
  r.ttft_low = Seconds(double(prompt) / r.high.value() + 1.0 / first.high.value());
  r.ttft_high = Seconds(double(prompt) / r.low.value() + 1.0 / first.low.value());
  return r;
}

}  // namespace vramfit
