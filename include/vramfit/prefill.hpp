// Prefill speed and time to first token (reference/methods.md §6.3; the fit and its error: docs/speed.md).
//
// FLOPs = 2 x active params x P + the causal attention term (sliding windows capped) over the achieved
// tensor throughput: the device's peak for the weight format (int8 for quantized weights, FP16 else)
// x a fitted efficiency, or FLOP per byte of memory bandwidth for devices without a published peak,
// x a MoE factor; bounded below by reading the weights once per n_ubatch tokens at achieved bandwidth
// (or over the PCIe link, for weights in host memory that llama.cpp copies to the GPU). The slower of
// the two counts, per device; devices combine as in decode (speed.hpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include "vramfit/speed.hpp"

namespace vramfit {

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
    case LayerKind::ffn: return 0.0;     // no token mixing
    case LayerKind::cross: return 0.0;   // against a fixed set of image tokens: linear in P, not counted
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
    else if (prof->flops_per_core > 0 && dev->gpu_cores > 0) achieved = prof->flops_per_core * double(dev->gpu_cores);
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
