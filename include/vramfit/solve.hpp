// Reverse questions on one model: the longest context that fits, the most concurrent sequences, the
// fewest GPUs of a kind. Memory only grows with context and with sequences, so the first two are
// bisections over place(); the third tries 1, 2, ... GPUs in turn.
//
// "Fits" here: the placement's verdict is not does_not_fit, every GPU keeps its margin free, and unless
// the request fixes -ngl every layer is on the GPUs (with automatic -ngl any context would "fit" by
// offloading more layers).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vramfit/placement.hpp"

namespace vramfit {

// Why the answer is not larger.
enum class SolveLimit {
  memory,      // one more would not fit
  model,       // the model's maximum context
  search_cap,  // the end of the search range (sequences, device count)
};

inline const char* to_string(SolveLimit l) {
  switch (l) {
    case SolveLimit::memory: return "memory";
    case SolveLimit::model: return "model";
    case SolveLimit::search_cap: return "search_cap";
  }
  return "?";
}

struct SolveResult {
  std::int64_t value = 0;  // the answer; 0 = none in the searched range
  SolveLimit limit = SolveLimit::memory;
  std::int64_t lowest = 0;   // searched range
  std::int64_t highest = 0;
  [[nodiscard]] bool found() const { return value > 0; }
};

inline bool acceptable(const Placement& p, const PlacementRequest& req) {
  if (p.verdict == Verdict::does_not_fit || !p.all_gpus_fit_margin()) return false;
  const bool auto_layers = req.split == Parallelism::layer && req.gpu_layers < 0 && !req.gpus.empty();
  return !auto_layers || p.gpu_layers == p.total_layers;
}

// Whether the model fits with this workload (estimate + placement).
// Weights do not change with context or sequences: they are computed once by the caller, and so is the
// CPU_REPACK copy (placement counts it where req.cpu_repack says so).
inline bool fits_with(const ModelSpec& m, const WeightBreakdown& weights, const TypeTable& types, const Workload& w,
                      const PlacementRequest& req, const RepackBreakdown* repack = nullptr) {
  MemoryEstimate e = estimate_memory(m, weights, types, w);
  if (repack != nullptr) e.repack = *repack;
  return acceptable(place(m, e, req), req);
}

namespace detail {

// Largest v in [lo, hi] with ok(v), given ok is true up to some point and false after; 0 when !ok(lo).
template <class Ok>
std::int64_t largest_true(std::int64_t lo, std::int64_t hi, Ok ok) {
  if (!ok(lo)) return 0;
  if (ok(hi)) return hi;
  while (hi - lo > 1) {  // ok(lo) and !ok(hi)
    const std::int64_t mid = lo + (hi - lo) / 2;
    (ok(mid) ? lo : hi) = mid;
  }
  return lo;
}

}  // namespace detail

// Smallest context searched: one 256-cell KV page (below it the cache does not shrink).
inline constexpr std::int64_t kMinSolveContext = 256;

// Longest context per sequence that fits, up to the model's maximum.
inline SolveResult max_context(const ModelSpec& m, const WeightBreakdown& weights, const TypeTable& types, Workload w,
                               const PlacementRequest& req, const RepackBreakdown* repack = nullptr) {
  SolveResult r;
  r.highest = m.max_context;
  r.lowest = std::min(kMinSolveContext, m.max_context);
  r.value = detail::largest_true(r.lowest, r.highest, [&](std::int64_t c) {
    w.context = c;
    return fits_with(m, weights, types, w, req, repack);
  });
  r.limit = r.value == r.highest ? SolveLimit::model : SolveLimit::memory;
  return r;
}

// Largest number of parallel sequences (llama-server -np), each with w.context tokens.
inline constexpr std::int64_t kMaxSolveParallel = 65536;  // the Workload bound

inline SolveResult max_parallel(const ModelSpec& m, const WeightBreakdown& weights, const TypeTable& types, Workload w,
                                const PlacementRequest& req, const RepackBreakdown* repack = nullptr) {
  SolveResult r;
  r.lowest = 1;
  r.highest = kMaxSolveParallel;
  r.value = detail::largest_true(r.lowest, r.highest, [&](std::int64_t n) {
    w.parallel = n;
    return fits_with(m, weights, types, w, req, repack);
  });
  r.limit = r.value == r.highest ? SolveLimit::search_cap : SolveLimit::memory;
  return r;
}

inline SolveResult max_context(const ModelSpec& m, const QuantMix& mix, const TypeTable& types, const Workload& w,
                               const PlacementRequest& req) {
  return max_context(m, weight_bytes(m, mix, types, w.include_vision), types, w, req);
}
inline SolveResult max_parallel(const ModelSpec& m, const QuantMix& mix, const TypeTable& types, const Workload& w,
                                const PlacementRequest& req) {
  return max_parallel(m, weight_bytes(m, mix, types, w.include_vision), types, w, req);
}

// Fewest copies of `gpu` (labelled label#0, label#1 ...) that hold the model, trying 1..max_count; a
// layer split stops at one GPU per block, tensor parallel skips degrees the heads do not allow.
inline constexpr std::int64_t kMaxSolveDevices = 64;

inline SolveResult min_devices(const ModelSpec& m, const MemoryEstimate& e, PlacementRequest req, const Target& gpu,
                               std::int64_t max_count = kMaxSolveDevices) {
  SolveResult r;
  r.lowest = 1;
  r.highest = req.split == Parallelism::layer ? std::min(max_count, m.layers) : max_count;
  r.limit = SolveLimit::search_cap;
  for (std::int64_t n = 1; n <= r.highest; ++n) {
    req.gpus.assign(static_cast<std::size_t>(n), gpu);
    if (n > 1)
      for (std::int64_t i = 0; i < n; ++i) req.gpus[static_cast<std::size_t>(i)].label = gpu.label + "#" + std::to_string(i);
    if (req.split == Parallelism::tensor) {
      try {
        validate_tensor_parallel(m, n);
      } catch (const CoreError&) {
        continue;
      }
    }
    if (acceptable(place(m, e, req), req)) {
      r.value = n;
      r.limit = SolveLimit::memory;
      return r;
    }
  }
  return r;
}

}  // namespace vramfit
