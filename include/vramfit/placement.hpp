// Placement: which layers go to which device, memory per device, and the fit verdict.
// Layer split (the default) follows llama.cpp (llama-model.cpp load_tensors): the LAST n_gpu_layers
// blocks go to the GPUs, the output layer counts as block n_layer, token_embd stays in host memory, and
// blocks are split across GPUs in proportion to each GPU's free memory. --n-cpu-moe N keeps the routed
// experts of blocks 0..N-1 in host memory (llama.cpp's tensor-override regex, methods.md §4.2).
// Tensor parallel (vLLM -tp N) divides every layer among N identical GPUs (parallel.hpp).
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "vramfit/memory.hpp"
#include "vramfit/parallel.hpp"

namespace vramfit {

struct Target {
  std::string label;
  Bytes capacity{0};  // memory the runtime may use (Apple: the GPU wired limit)
  Bytes reserve{0};   // held by other processes / the desktop
  Bytes overhead{0};  // runtime context on this device (CUDA context, Metal ...)
  BytesPerSecond bandwidth{0.0};
  // Memory an automatic placement keeps free on this device (llama.cpp --fit: 1 GiB, --fit-target);
  // a placement the user fixed may eat into it.
  Bytes margin{0};
  // capacity 0 = not given (host RAM without --ram): such a target is assumed to be large enough.
  [[nodiscard]] bool known() const { return capacity.value() > 0; }
  [[nodiscard]] Bytes usable() const { return capacity > reserve ? capacity - reserve : Bytes{0}; }
};

// How the GPUs share the model: llama.cpp's layer split (pipeline: each GPU runs its blocks in turn) or
// vLLM's tensor parallel (every GPU runs 1/N of every block at the same time).
enum class Parallelism { layer, tensor };

inline const char* to_string(Parallelism s) { return s == Parallelism::layer ? "layer" : "tensor"; }

struct PlacementRequest {
  std::vector<Target> gpus;      // accelerators, in split order (empty: CPU only)
  Target host;                   // host memory; capacity 0 = not given
  std::int64_t gpu_layers = -1;  // llama.cpp -ngl; -1 = most that fit (layer split only)
  Parallelism split = Parallelism::layer;
  Link link;                        // between the GPUs of a tensor-parallel group
  std::int64_t cpu_moe_layers = 0;  // llama.cpp --n-cpu-moe N: routed experts of blocks 0..N-1 in host memory
  bool embeddings_on_host = true;   // llama.cpp keeps token_embd in RAM; PyTorch runtimes put it on the first GPU
  // llama.cpp op offload (on by default; CUDA, ROCm, Vulkan, SYCL): a graph of n_ubatch >= 32 tokens runs
  // the matmuls of host-resident weights on the first GPU, which copies each weight in (below).
  bool op_offload = false;
  // The host's weights go through llama.cpp's CPU extra buffer types (CPU_REPACK, repack.hpp): the host
  // gets the repacked copy of the tensors it holds (MemoryEstimate::repack) beside the mmap'd file.
  // llama.cpp skips them where a GPU backend offers a host buffer type (CUDA, ROCm, SYCL, Vulkan) and
  // under -nr / --no-repack; the caller decides.
  bool cpu_repack = false;
  // llama.cpp -ts: the share of the offloaded layers each GPU takes (empty: each GPU's free memory,
  // llama.cpp's default). The automatic placement sets it to layer counts where the default split
  // leaves layers in host RAM that another split keeps on the GPUs (place(), fill_split()).
  std::vector<double> tensor_split;
  // Whether the automatic placement may set tensor_split (llama.cpp --fit does; PyTorch's device_map
  // and a log being checked keep the split they have).
  bool fill_split = false;
};

struct DevicePlan {
  std::string label;
  std::int64_t first_layer = 0;
  std::int64_t layer_count = 0;
  bool output = false;
  bool vision = false;
  // Blocks whose routed experts this device holds while a GPU runs the rest of the block (--n-cpu-moe).
  std::int64_t expert_first = 0;
  std::int64_t expert_count = 0;
  Bytes weights{0}, kv{0}, compute{0}, overhead{0};
  Bytes output_buffer{0};  // host memory: llama.cpp's logits buffer (ComputeTerms::output_buffer)
  Bytes repack{0};         // host memory: llama.cpp's CPU_REPACK copy of the repacked weights it holds
  Bytes capacity{0};  // usable (capacity - reserve, at least 0)
  Bytes margin{0};    // kept free by an automatic placement (Target::margin)
  bool capacity_known = true;
  BytesPerSecond bandwidth{0.0};
  [[nodiscard]] Bytes total() const { return weights + kv + compute + overhead + output_buffer + repack; }
  [[nodiscard]] Bytes headroom() const { return capacity - total(); }
  [[nodiscard]] bool known() const { return capacity_known; }
  [[nodiscard]] bool fits() const { return !known() || total() <= capacity; }
  // Fits with the margin still free: what an automatic placement asks of a GPU.
  [[nodiscard]] bool fits_margin() const { return !known() || total() + margin <= capacity; }
  [[nodiscard]] Bytes headroom_after_margin() const { return headroom() - margin; }
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
  Parallelism split = Parallelism::layer;
  std::int64_t tp_degree = 1;  // GPUs in the tensor-parallel group (1: layer split)
  Link link;                   // tensor parallel: the link between the GPUs
  // Tensor parallel: all-reduce time per decoded token (2 per block, parallel.hpp); 0 for a layer split.
  // The speed model adds it to the time per token.
  Seconds tp_comm_per_token{0.0};
  std::int64_t cpu_moe_layers = 0;  // blocks 0..N-1 keep their routed experts in host memory
  // The automatic placement chose the layers per GPU (-ts as counts) because llama.cpp's default split
  // by free memory holds fewer: what -ngl (or, for experts in RAM, which --n-cpu-moe) the default reached.
  bool split_searched = false;
  std::int64_t default_split_gpu_layers = 0;
  std::int64_t default_split_cpu_moe_layers = 0;
  // Whether block il reads its routed experts from host memory (--cpu-moe / --n-cpu-moe).
  [[nodiscard]] bool experts_on_host(std::int64_t il) const { return il < cpu_moe_layers; }
  [[nodiscard]] bool all_gpus_fit() const {
    return std::all_of(gpus.begin(), gpus.end(), [](const DevicePlan& d) { return d.fits(); });
  }
  [[nodiscard]] bool all_gpus_fit_margin() const {
    return std::all_of(gpus.begin(), gpus.end(), [](const DevicePlan& d) { return d.fits_margin(); });
  }
};

// Running sums over the blocks of what a layer split adds up per device, so that each -ngl probe of
// the bisection in place() costs O(GPUs x log blocks) rather than O(blocks): [i] is the sum over
// blocks 0..i-1.
struct LayerSums {
  std::vector<Bytes> weights, kv, experts;  // experts: routed-expert bytes of the block
  std::vector<Bytes> repack, repack_experts;  // CPU_REPACK bytes of the block, of its routed experts
  std::vector<std::int64_t> expert_blocks;  // blocks that have routed-expert bytes
  std::vector<std::int64_t> next_expert;    // [i]: first block >= i with routed-expert bytes (n if none)

  LayerSums(const ModelSpec& m, const MemoryEstimate& e) {
    const auto n = static_cast<std::size_t>(m.layers);
    weights.assign(n + 1, Bytes{0});
    kv.assign(n + 1, Bytes{0});
    experts.assign(n + 1, Bytes{0});
    repack.assign(n + 1, Bytes{0});
    repack_experts.assign(n + 1, Bytes{0});
    expert_blocks.assign(n + 1, 0);
    next_expert.assign(n + 1, m.layers);
    for (std::size_t i = 0; i < n; ++i) {
      const Bytes x = e.weights.per_layer_experts[i];
      weights[i + 1] = weights[i] + e.weights.per_layer[i];
      kv[i + 1] = kv[i] + e.kv.per_layer[i];
      experts[i + 1] = experts[i] + x;
      expert_blocks[i + 1] = expert_blocks[i] + (x.value() > 0 ? 1 : 0);
      const bool sized = e.repack.per_layer.size() == n;
      repack[i + 1] = repack[i] + (sized ? e.repack.per_layer[i] : Bytes{0});
      repack_experts[i + 1] = repack_experts[i] + (sized ? e.repack.per_layer_experts[i] : Bytes{0});
    }
    for (std::size_t i = n; i-- > 0;)
      next_expert[i] = e.weights.per_layer_experts[i].value() > 0 ? static_cast<std::int64_t>(i) : next_expert[i + 1];
  }
};

// Memory on every device for a given -ngl.
inline Placement place_layers(const ModelSpec& m, const MemoryEstimate& e, const PlacementRequest& req,
                              std::int64_t ngl, const LayerSums& sums) {
  const std::int64_t n = m.layers;
  Placement p;
  p.total_layers = n + 1;
  p.gpu_layers = req.gpus.empty() ? 0 : std::clamp<std::int64_t>(ngl, 0, n + 1);
  p.cpu_moe_layers = m.moe.present() ? std::clamp<std::int64_t>(req.cpu_moe_layers, 0, n) : 0;
  const std::int64_t start = std::max<std::int64_t>(n - p.gpu_layers, 0);
  const std::int64_t act = std::min(p.gpu_layers, n + 1);

  // Cumulative split by usable memory (llama.cpp's default tensor_split is each device's free memory).
  // One GPU takes every offloaded block: no split to work out (this runs for every -ngl probe of every
  // cell of a whole-catalog table).
  std::vector<double> cum;
  if (req.gpus.size() > 1) {
    std::vector<double> share;
    if (req.tensor_split.size() == req.gpus.size()) share = req.tensor_split;
    else
      for (const Target& t : req.gpus) share.push_back(double(std::max<std::int64_t>(t.usable().value(), 1)));
    double sum = 0;
    for (double w : share) sum += w;
    double acc = 0;
    for (double w : share) cum.push_back((acc += w) / sum);
  }
  // The GPU of offloaded block il (the output layer is il = n), clamped to the last GPU.
  auto gpu_of = [&](std::int64_t il) -> std::size_t {
    if (cum.size() <= 1) return 0;
    const double f = double(il - start) / double(act);
    const auto g = static_cast<std::size_t>(std::upper_bound(cum.begin(), cum.end(), f) - cum.begin());
    return std::min(g, cum.size() - 1);
  };

  p.gpus.reserve(req.gpus.size());
  for (const Target& t : req.gpus) {
    DevicePlan d;
    d.label = t.label;
    d.capacity = t.usable();
    d.capacity_known = t.known();
    d.margin = t.margin;
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

  // Blocks start..n-1 run on the GPUs, each GPU a contiguous run of them (gpu_of only grows with il).
  const auto sz = [](std::int64_t i) { return static_cast<std::size_t>(i); };
  if (p.gpu_layers > 0 && start < n) {
    for (std::int64_t il = start; il < n;) {
      const std::size_t g = gpu_of(il);
      std::int64_t end = il + 1, hi = n;  // bisect for the first block after il on another GPU
      while (end < hi) {
        const std::int64_t mid = end + (hi - end) / 2;
        if (gpu_of(mid) == g) end = mid + 1;
        else hi = mid;
      }
      DevicePlan& d = p.gpus[g];
      d.first_layer = il;
      d.layer_count = end - il;
      d.weights += sums.weights[sz(end)] - sums.weights[sz(il)];
      d.kv += sums.kv[sz(end)] - sums.kv[sz(il)];
      // --n-cpu-moe: the blocks run on the GPU, their routed experts stay in host memory.
      const std::int64_t moe_end = std::min(end, p.cpu_moe_layers);
      if (moe_end > il && sums.expert_blocks[sz(moe_end)] > sums.expert_blocks[sz(il)]) {
        const Bytes experts = sums.experts[sz(moe_end)] - sums.experts[sz(il)];
        if (p.host.expert_count == 0) p.host.expert_first = sums.next_expert[sz(il)];
        p.host.expert_count += sums.expert_blocks[sz(moe_end)] - sums.expert_blocks[sz(il)];
        p.host.weights += experts;
        d.weights -= experts;
        if (req.cpu_repack) p.host.repack += sums.repack_experts[sz(moe_end)] - sums.repack_experts[sz(il)];
      }
      il = end;
    }
  }
  p.host.weights += sums.weights[sz(start)];
  p.host.kv += sums.kv[sz(start)];
  DevicePlan& out = (p.gpu_layers > n) ? p.gpus[gpu_of(n)] : p.host;
  out.output = true;
  // The repacked copy of what the CPU runs: its blocks, the experts kept above, the output head.
  if (req.cpu_repack) p.host.repack += sums.repack[sz(start)] + (&out == &p.host ? e.repack.output : Bytes{0});
  // In host memory the tied output head is token_embd itself, not a copy.
  out.weights += &out == &p.host ? e.weights.output - e.weights.tied_copy : e.weights.output;
  // token_embd stays in host memory under llama.cpp; with tied embeddings the output copy was counted
  // above. PyTorch runtimes load it on the first GPU with blocks, where a tied head needs no copy.
  auto first_used = std::find_if(p.gpus.begin(), p.gpus.end(), [](const DevicePlan& d) { return d.layer_count > 0; });
  if (!req.embeddings_on_host && first_used != p.gpus.end()) {
    first_used->weights += e.weights.global_cpu;
    if (&*first_used == &out) first_used->weights -= e.weights.tied_copy;
  } else {
    p.host.weights += e.weights.global_cpu;
  }

  // Compute buffers: the output device also holds the logits; the others the layer scratch only.
  const ComputeTerms& c = e.compute;
  const Bytes layer_scratch = c.layers();
  for (DevicePlan& d : p.gpus)
    if (d.layer_count > 0 || d.output) d.compute = d.output ? c.total() : layer_scratch;
  // Host memory that runs blocks, or only their experts, needs the layer scratch.
  // llama.cpp computes the input embeddings on the CPU (token_embd is there); PyTorch runtimes do not.
  const bool host_runs_blocks = p.host.layer_count > 0 || p.host.expert_count > 0;
  // No GPU at all: llama.cpp reserves the whole graph in one CPU buffer, which a replay sizes exactly.
  const bool cpu_only = std::none_of(p.gpus.begin(), p.gpus.end(), [](const DevicePlan& d) { return d.layer_count > 0 || d.output; }) &&
                        (p.gpus.empty() || !req.op_offload);
  if (p.host.output && cpu_only && req.embeddings_on_host && c.cpu_graph.value() > 0) p.host.compute = c.cpu_graph;
  else if (p.host.output) p.host.compute = req.embeddings_on_host ? c.host_total() : c.total();
  else if (host_runs_blocks) p.host.compute = layer_scratch;
  else if (req.embeddings_on_host) {
    // Every block and the head on GPUs: the host keeps the inputs it fills (activations.hpp
    // host_inputs). llama.cpp runs a layer split over several GPUs as a pipeline when nothing but the
    // lookup stays in host memory (llama-context.cpp: pipeline_parallel), keeping 4 copies of the inputs.
    const std::size_t used = static_cast<std::size_t>(std::count_if(p.gpus.begin(), p.gpus.end(), [](const DevicePlan& d) { return d.layer_count > 0; }));
    const bool pipeline = req.split == Parallelism::layer && used > 1;
    p.host.compute = c.host_inputs(pipeline ? 4 : 1);
  }
  // Op offload: the first GPU runs the large-batch matmuls of host weights, one copied weight at a time,
  // beside the activations of that phase: the head (logits + the lookup and hidden state it is handed)
  // with a copy of the output matrix, and a block's scratch with a copy of its largest tensor. The host
  // keeps only the lookup and the mask. Checked on Qwen3-0.6B at -ngl 0 (measured_memory.yaml):
  // 296.75 + 2 x 2 + 121.71 MiB = 422.46 against 422.92 logged; it is Ollama's partial-offload graph
  // size (fs/ggml/ggml.go GraphSize: 4bd + 4b(d + n_vocab) + d n_vocab 105/128, the last a Q6_K head).
  if (req.op_offload && !p.gpus.empty() && (p.host.output || host_runs_blocks)) {
    Bytes streamed{0};
    if (p.host.output) streamed = c.head() + c.inputs + e.weights.output_matrix;
    if (host_runs_blocks) streamed = std::max(streamed, layer_scratch + e.weights.largest_block_tensor);
    p.gpus.front().compute = std::max(p.gpus.front().compute, streamed);
    p.host.compute = c.host_streaming();
  }
  p.host.output_buffer = c.output_buffer;

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

inline Placement place_layers(const ModelSpec& m, const MemoryEstimate& e, const PlacementRequest& req,
                              std::int64_t ngl) {
  return place_layers(m, e, req, ngl, LayerSums(m, e));
}

namespace detail {

inline Bytes split_share(Bytes b, std::int64_t n) { return Bytes((b.value() + n - 1) / n); }

}  // namespace detail

// KV bytes of block il that each of n tensor-parallel GPUs holds (or reads): the GPU's KV heads of an
// attention layer; the whole latent of an MLA layer (shared by all heads, so vLLM keeps it on every
// rank); 1/n of a recurrent state (its heads are divided like the projections).
inline Bytes tp_kv_share(const ModelSpec& m, Bytes layer_kv, std::int64_t il, std::int64_t n) {
  const LayerKind k = m.layer_kind(il);
  if (k == LayerKind::mla) return layer_kv;
  if (ModelSpec::is_recurrent(k)) return detail::split_share(layer_kv, n);
  const std::int64_t g = m.kv_heads_at(il);  // Gemma 4 global layers have kv_heads_full
  return Bytes(layer_kv.value() / g * (g >= n ? g / n : 1));
}

// Tensor parallel over every GPU of the request (vLLM -tp N): each GPU holds 1/N of every block, of the
// token embeddings and of the output head (vocab-parallel), its KV heads, the compute buffer with the
// attention and FFN scratch divided by N (inputs, mask and the gathered logits whole), the runtime
// overhead; nothing stays in host memory. No offload: it fits on the GPUs or it does not.
inline Placement place_tensor_parallel(const ModelSpec& m, const MemoryEstimate& e, const PlacementRequest& req) {
  const auto n = static_cast<std::int64_t>(req.gpus.size());
  if (n == 0) throw CoreError(ErrorKind::placement, "tensor parallel needs at least one GPU");
  validate_tensor_parallel(m, n);
  Placement p;
  p.split = Parallelism::tensor;
  p.tp_degree = n;
  p.link = req.link;
  p.total_layers = p.gpu_layers = m.layers + 1;
  Bytes weights{0}, kv{0};
  for (std::int64_t il = 0; il < m.layers; ++il) {
    const auto i = static_cast<std::size_t>(il);
    weights += detail::split_share(e.weights.per_layer[i], n);
    kv += tp_kv_share(m, e.kv.per_layer[i], il, n);
  }
  // One vocab-parallel matrix for embeddings and a tied head (vLLM shares it: no copy), plus the head.
  weights += detail::split_share(e.weights.global_cpu + e.weights.output - e.weights.tied_copy, n);
  weights += detail::split_share(e.weights.vision, n);
  const ComputeTerms& c = e.compute;
  const Bytes compute =
      c.inputs + c.mask + std::max({c.logits, detail::split_share(c.attention, n), detail::split_share(c.ffn, n)});
  for (const Target& t : req.gpus) {
    DevicePlan d;
    d.label = t.label;
    d.first_layer = 0;
    d.layer_count = m.layers;
    d.output = true;
    d.vision = e.weights.vision.value() > 0;
    d.weights = weights;
    d.kv = kv;
    d.compute = compute;
    d.overhead = t.overhead;
    d.capacity = t.usable();
    d.capacity_known = t.known();
    d.bandwidth = t.bandwidth;
    p.gpus.push_back(d);
  }
  p.host.label = req.host.label;
  p.host.capacity = req.host.usable();
  p.host.capacity_known = req.host.known();
  p.host.bandwidth = req.host.bandwidth;
  p.host.output_buffer = c.output_buffer;
  p.tp_comm_per_token = tp_comm_time(m, req.link, n, 1);
  p.verdict = p.all_gpus_fit() && p.host.fits() ? Verdict::fits : Verdict::does_not_fit;
  return p;
}

namespace detail {

inline void check_expert_request(const ModelSpec& m, const PlacementRequest& req) {
  if (!m.moe.present())
    throw CoreError(ErrorKind::placement, "routed experts in host memory (--cpu-moe, --n-cpu-moe): " + m.id +
                                              " is a dense model without routed experts");
  if (req.gpus.empty())
    throw CoreError(ErrorKind::placement, "routed experts in host memory (--cpu-moe, --n-cpu-moe) need a GPU for the rest of the model");
  if (req.split == Parallelism::tensor)
    throw CoreError(ErrorKind::placement,
                    "routed experts in host memory (--cpu-moe, --n-cpu-moe) are a llama.cpp layer-split option, not tensor parallel");
}

// The verdict of a layer split: every GPU and the host within capacity (the margin is the search's
// concern, not the verdict's); zero offloaded layers is a CPU-only run, not a GPU fit; experts in
// host memory are an offload too.
inline void set_verdict(Placement& p, const ModelSpec& m, const PlacementRequest& req) {
  if (!p.all_gpus_fit() || !p.host.fits() || (!req.gpus.empty() && p.gpu_layers == 0)) p.verdict = Verdict::does_not_fit;
  else if (req.gpus.empty() || (p.gpu_layers == m.layers + 1 && p.host.expert_count == 0)) p.verdict = Verdict::fits;
  else p.verdict = Verdict::fits_with_offload;
}

// The layers each GPU of a layer split takes when every GPU, from the last down, takes as many as keep
// its margin free (llama.cpp --fit fills the devices the same way and hands llama.cpp the counts as
// -ts). Blocks go to the GPUs as contiguous runs, the highest on the last GPU, so filling from the top
// holds the most. `with_output`: the output layer is offloaded too (-ngl n_layer + 1, counted on the
// last GPU) and every layer must find a GPU, else none; without it, the counts of the most blocks the
// GPUs hold (-ngl their sum, the output head in host RAM). Each count is found by bisection, checking
// only the GPU being filled: the GPUs below it get the rest of the layers in the probe.
inline std::optional<std::vector<std::int64_t>> fill_split(const ModelSpec& m, const MemoryEstimate& e, const PlacementRequest& req,
                                                           const LayerSums& sums, bool with_output) {
  const std::int64_t n = m.layers;
  const std::size_t g_count = req.gpus.size();
  if (g_count < 2) return std::nullopt;
  const std::int64_t all = with_output ? n + 1 : n;
  std::vector<std::int64_t> counts(g_count, 0);
  PlacementRequest r = req;
  std::int64_t top = all;  // layers not yet on a GPU, counted from the bottom
  for (std::size_t g = g_count; g-- > 0 && top > 0;) {
    auto fits_with = [&](std::int64_t c) {
      counts[g] = c;
      std::int64_t ngl = all;
      if (g > 0) {
        std::fill(counts.begin(), counts.begin() + static_cast<std::ptrdiff_t>(g), 0);
        counts[g - 1] = top - c;  // the GPUs below take the rest
      } else if (!with_output) {
        ngl = all - (top - c);  // the first GPU is filled last: the rest stays in host memory
      }
      r.tensor_split.assign(counts.begin(), counts.end());
      if (ngl == 0) return true;
      return place_layers(m, e, r, ngl, sums).gpus[g].fits_margin();
    };
    std::int64_t lo = 0, hi = top;
    if (g == 0 && with_output) {
      if (!fits_with(top)) return std::nullopt;  // the first GPU must take every layer left
      lo = top;
    } else {
      while (lo < hi) {
        const std::int64_t mid = (lo + hi + 1) / 2;
        if (fits_with(mid)) lo = mid;
        else hi = mid - 1;
      }
    }
    counts[g] = lo;
    if (g > 0) counts[g - 1] = 0;
    top -= lo;
  }
  if (with_output && top > 0) return std::nullopt;
  return counts;
}

// A layer split with the layers per GPU of fill_split, when it holds more than the default split
// (`dflt`, placed with the same request): every layer with the output, else the most blocks.
inline std::optional<Placement> place_filled(const ModelSpec& m, const MemoryEstimate& e, const PlacementRequest& req,
                                             const LayerSums& sums, const Placement& dflt) {
  if (!req.fill_split || req.gpus.size() < 2 || req.split == Parallelism::tensor || !req.tensor_split.empty()) return std::nullopt;
  const std::int64_t n = m.layers;
  std::optional<std::vector<std::int64_t>> counts = fill_split(m, e, req, sums, true);
  std::int64_t ngl = n + 1;
  if (!counts) {
    counts = fill_split(m, e, req, sums, false);
    ngl = 0;
    for (std::int64_t c : *counts) ngl += c;
  }
  if (ngl == 0 || ngl < dflt.gpu_layers || (ngl == dflt.gpu_layers && dflt.all_gpus_fit_margin())) return std::nullopt;
  PlacementRequest r = req;
  r.tensor_split.assign(counts->begin(), counts->end());
  Placement p = place_layers(m, e, r, ngl, sums);
  if (!p.all_gpus_fit_margin()) return std::nullopt;
  p.split_searched = true;
  p.default_split_gpu_layers = dflt.gpu_layers;
  p.default_split_cpu_moe_layers = dflt.cpu_moe_layers;
  return p;
}

}  // namespace detail

// `sums` = LayerSums(m, e): a caller that places one estimate on many device sets builds it once.
// With gpu_layers -1 the most -ngl whose GPUs keep their margin free (llama.cpp --fit's dense rule).
inline Placement place(const ModelSpec& m, const MemoryEstimate& e, const PlacementRequest& req, const LayerSums& sums) {
  const std::int64_t n = m.layers;
  if (req.cpu_moe_layers > 0) detail::check_expert_request(m, req);
  if (req.split == Parallelism::tensor) return place_tensor_parallel(m, e, req);
  if (!req.gpus.empty() && static_cast<std::int64_t>(req.gpus.size()) > n)
    throw CoreError(ErrorKind::placement, std::to_string(req.gpus.size()) + " GPUs for " + std::to_string(n) +
                                              " layers: a layer split needs at least one layer per GPU");
  Placement p;
  if (req.gpus.empty()) {
    p = place_layers(m, e, req, 0, sums);
  } else if (req.gpu_layers >= 0) {
    p = place_layers(m, e, req, req.gpu_layers, sums);
  } else {
    // GPU memory only grows with -ngl, so the most layers that fit is found by bisection. The
    // placement of the answer is kept from the search rather than computed again.
    std::int64_t lo = 0, hi = n + 1;
    p = place_layers(m, e, req, hi, sums);
    if (!p.all_gpus_fit_margin()) {
      bool have_lo = false;
      while (lo < hi) {
        const std::int64_t mid = (lo + hi + 1) / 2;
        Placement probe = place_layers(m, e, req, mid, sums);
        if (probe.all_gpus_fit_margin()) {
          lo = mid;
          p = std::move(probe);
          have_lo = true;
        } else {
          hi = mid - 1;
        }
      }
      if (!have_lo) p = place_layers(m, e, req, lo, sums);
      // Several GPUs: llama.cpp's default split by free memory may leave one GPU's room unused while
      // another is full; the split that fills each GPU holds more (llama.cpp --fit sets -ts so).
      if (std::optional<Placement> filled = detail::place_filled(m, e, req, sums, p)) p = std::move(*filled);
    }
  }
  detail::set_verdict(p, m, req);
  return p;
}

// llama.cpp --fit's rule for a MoE model (methods.md §4.3): every block and the head on the GPUs, and
// the routed experts of the first N blocks in host memory (-ngl all --n-cpu-moe N), N the fewest that
// keeps every GPU's margin free. GPU memory only shrinks as N grows, so N is found by bisection. None
// when the model has no routed experts, there is no GPU, the split is tensor parallel, or even N =
// n_layer (--cpu-moe) does not fit.
inline std::optional<Placement> place_experts(const ModelSpec& m, const MemoryEstimate& e, const PlacementRequest& req,
                                              const LayerSums& sums) {
  if (!m.moe.present() || req.gpus.empty() || req.split == Parallelism::tensor) return std::nullopt;
  const std::int64_t n = m.layers;
  if (static_cast<std::int64_t>(req.gpus.size()) > n) return std::nullopt;
  PlacementRequest r = req;
  // With the default split by free memory, or (filled) also with the split that fills each GPU.
  auto at = [&](std::int64_t k, bool filled) {
    r.cpu_moe_layers = k;
    Placement dflt = place_layers(m, e, r, n + 1, sums);
    if (!filled || dflt.all_gpus_fit_margin()) return dflt;
    std::optional<Placement> f = detail::place_filled(m, e, r, sums, dflt);
    return f && f->gpu_layers == n + 1 ? std::move(*f) : dflt;
  };
  // The fewest N that keeps every margin free (GPU memory only shrinks as N grows), or none.
  auto fewest = [&](bool filled) -> std::optional<Placement> {
    Placement p = at(n, filled);
    if (!p.all_gpus_fit_margin()) return std::nullopt;
    std::int64_t lo = 0, hi = n;  // at(hi) fits
    while (lo < hi) {
      const std::int64_t mid = lo + (hi - lo) / 2;
      Placement probe = at(mid, filled);
      if (probe.all_gpus_fit_margin()) {
        hi = mid;
        p = std::move(probe);
      } else {
        lo = mid + 1;
      }
    }
    r.cpu_moe_layers = hi;
    detail::set_verdict(p, m, r);
    return p;
  };
  std::optional<Placement> p = fewest(true);
  if (p && p->split_searched) {
    // What the default split needs: a larger N, or no N at all (-1).
    const std::optional<Placement> dflt = fewest(false);
    p->default_split_gpu_layers = n + 1;
    p->default_split_cpu_moe_layers = dflt ? dflt->cpu_moe_layers : -1;
  }
  return p;
}

inline Placement place(const ModelSpec& m, const MemoryEstimate& e, const PlacementRequest& req) {
  return place(m, e, req, LayerSums(m, e));
}

// ---------------------------------------------------------------------------------------------
// What a decoded token reads where: the input of the speed model (speed.hpp).
// ---------------------------------------------------------------------------------------------

struct DeviceRead {
  const DevicePlan* plan = nullptr;
  std::int64_t blocks = 0;  // blocks it runs for one token (a block with experts in host memory counts on both)
  bool output = false;      // it runs the output head
  Bytes bytes{0};           // weight + KV bytes it reads per decoded token
};

struct TokenReads {
  std::vector<DeviceRead> gpus;  // same order as Placement::gpus
  DeviceRead host;
  // Tensor parallel: the GPUs read their shares at the same time, so the slowest GPU sets the time;
  // a layer split runs the devices one after the other, so their times add.
  bool gpus_in_parallel = false;
  Seconds communication{0.0};  // all-reduces per token (tensor parallel), added to the time
};

inline TokenReads token_reads(const ModelSpec& m, const MemoryEstimate& e, const Placement& p, std::int64_t position) {
  TokenReads r;
  const KvReadPerKind kv(m, e, position);
  r.host.plan = &p.host;
  for (const DevicePlan& d : p.gpus) r.gpus.push_back(DeviceRead{&d});
  if (p.split == Parallelism::tensor) {
    const std::int64_t n = p.tp_degree;
    Bytes share{0};
    for (std::int64_t il = 0; il < m.layers; ++il) {
      const auto i = static_cast<std::size_t>(il);
      share += detail::split_share(e.layer_active[i], n) + tp_kv_share(m, kv.of(m.layer_kind(il)), il, n);
    }
    share += detail::split_share(e.output_active, n);
    for (DeviceRead& g : r.gpus) {
      g.blocks = m.layers;
      g.output = true;
      g.bytes = share;
    }
    r.gpus_in_parallel = true;
    r.communication = p.tp_comm_per_token;
    return r;
  }
  const std::size_t pattern = m.layer_pattern.size();
  std::size_t kind = 0;  // il % pattern, kept without a division per block
  for (std::int64_t il = 0; il < m.layers; ++il, kind = kind + 1 == pattern ? 0 : kind + 1) {
    const auto i = static_cast<std::size_t>(il);
    DeviceRead* d = &r.host;
    for (std::size_t g = 0; g < p.gpus.size(); ++g)
      if (p.gpus[g].holds_layer(il)) d = &r.gpus[g];
    Bytes bytes = e.layer_active[i] + kv.of(m.layer_pattern[kind]);
    const Bytes experts = e.weights.per_layer_experts[i];
    if (d != &r.host && p.experts_on_host(il) && experts.value() > 0) {
      // The active experts of a block are read from host memory, at host bandwidth.
      const Bytes active = Bytes(experts.value() / m.moe.experts * m.moe.experts_per_token);
      bytes -= active;
      r.host.bytes += active;
      ++r.host.blocks;
    }
    d->bytes += bytes;
    ++d->blocks;
  }
  for (std::size_t g = 0; g < p.gpus.size(); ++g)
    if (p.gpus[g].output) r.gpus[g].output = true, r.gpus[g].bytes += e.output_active;
  if (p.host.output) r.host.output = true, r.host.bytes += e.output_active;
  return r;
}

}  // namespace vramfit
