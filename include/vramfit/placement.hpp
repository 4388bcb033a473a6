// Placement: which layers go to which device, memory per device, and the fit verdict.
// Follows llama.cpp's layer split (llama-model.cpp load_tensors): the LAST n_gpu_layers blocks go
// to the GPUs, the output layer counts as block n_layer, token_embd stays in host memory, and
// blocks are split across GPUs in proportion to each GPU's free memory.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "vramfit/memory.hpp"

namespace vramfit {

struct Target {
  std::string label;
  Bytes capacity{0};  // memory the runtime may use (Apple: the GPU wired limit)
  Bytes reserve{0};   // held by other processes / the desktop
  Bytes overhead{0};  // runtime context on this device (CUDA context, Metal ...)
  BytesPerSecond bandwidth{0.0};
  // capacity 0 = not given (host RAM without --ram): such a target is assumed to be large enough.
  [[nodiscard]] bool known() const { return capacity.value() > 0; }
  [[nodiscard]] Bytes usable() const { return capacity > reserve ? capacity - reserve : Bytes{0}; }
};

struct PlacementRequest {
  std::vector<Target> gpus;      // accelerators, in split order (empty: CPU only)
  Target host;                   // host memory; capacity 0 = not given
  std::int64_t gpu_layers = -1;  // llama.cpp -ngl; -1 = most that fit
};

struct DevicePlan {
  std::string label;
  std::int64_t first_layer = 0;
  std::int64_t layer_count = 0;
  bool output = false;
  bool vision = false;
  Bytes weights{0}, kv{0}, compute{0}, overhead{0};
  Bytes capacity{0};  // usable (capacity - reserve, at least 0)
  bool capacity_known = true;
  BytesPerSecond bandwidth{0.0};
  [[nodiscard]] Bytes total() const { return weights + kv + compute + overhead; }
  [[nodiscard]] Bytes headroom() const { return capacity - total(); }
  [[nodiscard]] bool known() const { return capacity_known; }
  [[nodiscard]] bool fits() const { return !known() || total() <= capacity; }
  [[nodiscard]] bool holds_layer(std::int64_t il) const { return il >= first_layer && il < first_layer + layer_count; }
};

enum class Verdict { fits, fits_with_offload, does_not_fit };

inline const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::fits: return "fits";
    case Verdict::fits_with_offload: return "fits_with_offload";
    case Verdict::does_not_fit: return "does_not_fit";
  }
  return "?";
}

struct Placement {
  std::vector<DevicePlan> gpus;
  DevicePlan host;
  std::int64_t gpu_layers = 0;  // as llama.cpp counts them: blocks + output, at most n_layer + 1
  std::int64_t total_layers = 0;  // n_layer + 1
  Verdict verdict = Verdict::does_not_fit;
  [[nodiscard]] bool all_gpus_fit() const {
    return std::all_of(gpus.begin(), gpus.end(), [](const DevicePlan& d) { return d.fits(); });
  }
};

// Memory on every device for a given -ngl.
inline Placement place_layers(const ModelSpec& m, const MemoryEstimate& e, const PlacementRequest& req,
                              std::int64_t ngl) {
  const std::int64_t n = m.layers;
  Placement p;
  p.total_layers = n + 1;
  p.gpu_layers = req.gpus.empty() ? 0 : std::clamp<std::int64_t>(ngl, 0, n + 1);
  const std::int64_t start = std::max<std::int64_t>(n - p.gpu_layers, 0);
  const std::int64_t act = std::min(p.gpu_layers, n + 1);

  // Cumulative split by usable memory (llama.cpp's default tensor_split is each device's free memory).
  std::vector<double> cum;
  double sum = 0;
  for (const Target& t : req.gpus) sum += double(std::max<std::int64_t>(t.usable().value(), 1));
  double acc = 0;
  for (const Target& t : req.gpus) cum.push_back((acc += double(std::max<std::int64_t>(t.usable().value(), 1))) / sum);
  auto gpu_of = [&](std::int64_t il) {
    const double f = double(il - start) / double(act);
    return static_cast<std::size_t>(std::upper_bound(cum.begin(), cum.end(), f) - cum.begin());
  };

  for (const Target& t : req.gpus) {
    DevicePlan d;
    d.label = t.label;
    d.capacity = t.usable();
    d.capacity_known = t.known();
    d.bandwidth = t.bandwidth;
    d.overhead = t.overhead;
    d.first_layer = n;
    p.gpus.push_back(d);
  }
  p.host.label = req.host.label;
  p.host.capacity = req.host.usable();
  p.host.capacity_known = req.host.known();
  p.host.bandwidth = req.host.bandwidth;
  p.host.overhead = req.host.overhead;
  p.host.first_layer = 0;
  p.host.layer_count = start;

  const auto sz = [](std::int64_t i) { return static_cast<std::size_t>(i); };
  for (std::int64_t il = 0; il < n; ++il) {
    DevicePlan& d = (p.gpu_layers > 0 && il >= start) ? p.gpus[std::min(gpu_of(il), p.gpus.size() - 1)] : p.host;
    if (&d != &p.host) {
      if (d.layer_count == 0) d.first_layer = il;
      ++d.layer_count;
    }
    d.weights += e.weights.per_layer[sz(il)];
    d.kv += e.kv.per_layer[sz(il)];
  }
  DevicePlan& out = (p.gpu_layers > n) ? p.gpus[std::min(gpu_of(n), p.gpus.size() - 1)] : p.host;
  out.output = true;
  // In host memory the tied output head is token_embd itself, not a copy.
  out.weights += &out == &p.host ? e.weights.output - e.weights.tied_copy : e.weights.output;
  // token_embd stays in host memory; with tied embeddings the output copy was counted above.
  p.host.weights += e.weights.global_cpu;

  // Compute buffers: the output device also holds the logits; the others the layer scratch only.
  const ComputeTerms& c = e.compute;
  const Bytes layer_scratch = c.inputs + c.mask + std::max(c.attention, c.ffn);
  for (DevicePlan& d : p.gpus)
    if (d.layer_count > 0 || d.output) d.compute = d.output ? c.total() : layer_scratch;
  p.host.compute = p.host.output ? c.total() : (p.host.layer_count > 0 ? layer_scratch : c.inputs);

  // The vision encoder (mmproj) loads on the first GPU that is used, else in host memory.
  if (e.weights.vision.value() > 0) {
    auto used = std::find_if(p.gpus.begin(), p.gpus.end(), [](const DevicePlan& d) { return d.layer_count > 0 || d.output; });
    DevicePlan& v = used != p.gpus.end() ? *used : p.host;
    v.vision = true;
    v.weights += e.weights.vision;
  }
  // A GPU that holds nothing pays no runtime context.
  for (DevicePlan& d : p.gpus)
    if (d.total() == d.overhead) d.overhead = Bytes{0};
  return p;
}

inline Placement place(const ModelSpec& m, const MemoryEstimate& e, const PlacementRequest& req) {
  const std::int64_t n = m.layers;
  if (!req.gpus.empty() && static_cast<std::int64_t>(req.gpus.size()) > n)
    throw CoreError(ErrorKind::placement, std::to_string(req.gpus.size()) + " GPUs for " + std::to_string(n) +
                                              " layers: a layer split needs at least one layer per GPU");
  Placement p;
  if (req.gpus.empty()) {
    p = place_layers(m, e, req, 0);
  } else if (req.gpu_layers >= 0) {
    p = place_layers(m, e, req, req.gpu_layers);
  } else {
    // GPU memory only grows with -ngl, so the most layers that fit is found by bisection.
    std::int64_t lo = 0, hi = n + 1;
    if (!place_layers(m, e, req, hi).all_gpus_fit()) {
      while (lo < hi) {
        const std::int64_t mid = (lo + hi + 1) / 2;
        if (place_layers(m, e, req, mid).all_gpus_fit()) lo = mid;
        else hi = mid - 1;
      }
    } else {
      lo = hi;
    }
    p = place_layers(m, e, req, lo);
  }
  const bool host_ok = p.host.fits();
  // Zero offloaded layers is a CPU-only run, not a GPU fit.
  if (!p.all_gpus_fit() || !host_ok || (!req.gpus.empty() && p.gpu_layers == 0)) p.verdict = Verdict::does_not_fit;
  else if (req.gpus.empty() || p.gpu_layers == n + 1) p.verdict = Verdict::fits;
  else p.verdict = Verdict::fits_with_offload;
  return p;
}

}  // namespace vramfit
