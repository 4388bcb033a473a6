// fit / estimate under a pool runtime (vLLM, TGI, TensorRT-LLM): the memory budget its start-up log
// prints, per GPU of the tensor-parallel group (core: serving.hpp).
#include "engine/pool.hpp"

#include <optional>

#include <fmt/format.h>

#include "base/diagnostics.hpp"
#include "engine/memory.hpp"
#include "engine/text.hpp"
#include "formats/parse.hpp"
#include "vramfit/parallel.hpp"

namespace vramfit::engine {

using io::InputError;

namespace {

struct PoolSetup {
  const Device* device = nullptr;
  std::int64_t gpus = 0;
  Bytes total{0};
  Bytes reserve{0};
  std::string share_note;  // unified memory: the GPU's share the platform allows
};

PoolSetup pool_setup(Session& ctx, const Query& q, const DeviceRequest& opt) {
  const io::Catalog& cat = ctx.catalog();
  const std::string& rt = q.runtime->id;
  if (opt.gpu_layers != "auto" || opt.cpu_moe || !opt.n_cpu_moe.empty() || !opt.ram.empty() || !opt.host.empty())
    throw InputError(rt + " keeps the whole model on the GPUs: --gpu-layers, --cpu-moe, --n-cpu-moe, --ram and --host are llama.cpp options");
  if (opt.split == "layer") throw InputError(rt + " splits a model over GPUs by tensor parallelism: drop --split layer");
  PoolSetup s;
  std::optional<DeviceSpec> first;
  for (const std::string& text : opt.devices) {
    const DeviceSpec d = parse_device_spec(cat, text);
    const Device& dev = d.device->device;
    if (dev.is_cpu() || dev.kind == DeviceKind::apple)
      throw InputError(rt + " runs on CUDA or ROCm GPUs: '" + text + "' is " + (dev.is_cpu() ? "a CPU memory preset" : "an Apple chip") +
                       " (use --runtime llama.cpp or mlx)");
    if (first && (d.device != first->device || d.memory_gib != first->memory_gib))
      throw InputError(rt + " needs identical GPUs for tensor parallelism: got " + first->text + " and " + text);
    if (!first) first = d;
    s.gpus += d.count;
  }
  if (!first) throw InputError(rt + " needs a GPU: --device ID[xN]");
  s.device = &first->device->device;
  if (!opt.tp.empty()) {
    const std::int64_t tp = io::parse_count(opt.tp, "--tp", 1, 1024);
    if (s.gpus == 1) s.gpus = tp;
    else if (tp != s.gpus) throw InputError(fmt::format("--tp {} with {} GPUs: {} uses every GPU given", tp, s.gpus, rt));
  }
  validate_tensor_parallel(q.model->spec, s.gpus);
  s.total = s.device->capacity(first->memory_gib);
  if (!opt.wired_limit.empty() && !s.device->unified_memory())
    throw InputError("--wired-limit applies only to unified-memory devices (Apple chips, APUs such as Ryzen AI Max, Jetson, DGX Spark)");
  if (s.device->unified_memory()) {
    // Jetson, DGX Spark, Ryzen AI Max: the pool's fraction applies to the share the platform gives the
    // GPU (docs/unified-memory.md), not to all of the memory.
    const double mem_gib = first->memory_gib > 0 ? first->memory_gib : s.device->memory_gib;
    const UnifiedMemoryPlatform* p = cat.platform_of(*s.device);
    if (!opt.wired_limit.empty()) {
      const Bytes wl = io::parse_size(opt.wired_limit, "--wired-limit");
      if (wl > s.total) throw InputError("--wired-limit " + opt.wired_limit + " exceeds the unified memory of " + s.device->id);
      s.total = wl;
      s.share_note = fmt::format("{}: GPU share of unified memory set to {:.2f} GiB (--wired-limit)", s.device->id, to_gib(wl));
    } else if (p != nullptr) {
      s.total = unified_gpu_share(*p, mem_gib);
      s.share_note = fmt::format("{} with {:g} GB unified memory: {} lets the GPU use {:.2f} GiB by default ({}, or --wired-limit)",
                                 s.device->id, mem_gib, p->name, to_gib(s.total), p->how);
    }
  }
  if (!opt.reserve.empty()) s.reserve = io::parse_size(opt.reserve, "--reserve", true);
  return s;
}

}  // namespace

std::vector<std::string> apply_pool_settings(PoolConfig& c, const Query& q, const DeviceRequest& opt) {
  std::vector<std::string> notes;
  const std::string& rt = q.runtime->id;
  const bool vllm = rt == "vllm";
  if (!opt.vllm_version.empty() && !vllm) throw InputError("--vllm-version applies to --runtime vllm, not " + rt);
  if (!opt.vllm_version.empty() && opt.vllm_version != "0" && opt.vllm_version != "1")
    throw InputError("--vllm-version " + opt.vllm_version + ": 0 or 1");
  if ((!opt.max_num_batched_tokens.empty() || !opt.max_num_seqs.empty()) && !vllm)
    throw InputError("--max-num-batched-tokens and --max-num-seqs are vLLM options: this is --runtime " + rt);
  if (!opt.gpu_memory_utilization.empty()) {
    const std::optional<double> v = io::parse_decimal(opt.gpu_memory_utilization, 0.0, 1.0);
    if (!v || *v <= 0) throw InputError("--gpu-memory-utilization " + opt.gpu_memory_utilization + ": a share above 0 and at most 1, e.g. 0.95");
    c.fraction = *v;
    notes.push_back(fmt::format("gpu_memory_utilization {:g} (--gpu-memory-utilization)", *v));
  }
  if (!opt.max_num_seqs.empty()) c.max_seqs = io::parse_count(opt.max_num_seqs, "--max-num-seqs", 1, 65536);
  if (!opt.max_num_batched_tokens.empty()) {
    c.max_batched_tokens = io::parse_count(opt.max_num_batched_tokens, "--max-num-batched-tokens", 1, std::int64_t{1} << 24);
    notes.push_back(fmt::format("profiling pass of {} tokens (--max-num-batched-tokens)", c.max_batched_tokens));
  } else if (opt.vllm_version == "0") {
    // vLLM V0 (vllm/config.py SchedulerConfig): without chunked prefill max_num_batched_tokens is
    // max(max_model_len, 2048), so the profiling pass and its activations grow with the context; V0
    // turns chunked prefill on by itself above 32K tokens, with 2048-token chunks.
    const std::int64_t len = q.workload.context;
    c.max_batched_tokens = len > 32768 ? 2048 : std::max<std::int64_t>(len, 2048);
    notes.push_back(fmt::format("vLLM V0: profiling pass of {} tokens ({})", c.max_batched_tokens,
                                len > 32768 ? "chunked prefill, on by default above 32K tokens" : "max(max_model_len, 2048) without chunked prefill"));
  }
  return notes;
}

PoolAnswer answer_pool(Session& ctx, const Query& q, const DeviceRequest& opt) {
  const PoolSetup s = pool_setup(ctx, q, opt);
  const ModelSpec& m = q.model->spec;
  const Workload& w = q.workload;
  PoolAnswer a;
  a.query = q;
  a.device = s.device->id;
  a.gpus = s.gpus;
  a.reserve = s.reserve;
  PoolConfig& c = a.config = q.runtime->pool;
  c.tp = s.gpus;
  const std::vector<std::string> settings = apply_pool_settings(c, q, opt);
  const MemoryEstimate e = estimate(ctx, q);
  const PoolMemory& p = a.memory = kv_pool(m, e.weights, *e.kv_k, s.total, c);
  a.kv_bytes_per_token = pool_bytes_per_token(m, *e.kv_k, s.gpus);
  a.requested_tokens = w.context * w.parallel;
  a.max_concurrency = p.concurrency(w.context);

  const Bytes free = s.total - s.reserve;
  if (c.base == PoolBase::total && free < p.requested) {
    a.verdict = Verdict::does_not_fit;
    a.reason = fmt::format("{} refuses to start: {} free (--reserve {}) is less than the {} requested; lower gpu_memory_utilization",
                           q.runtime->id, size_str(free), size_str(s.reserve), size_str(p.requested));
  } else if (p.kv_available.value() == 0) {
    a.verdict = Verdict::does_not_fit;
    a.reason = fmt::format("weights, activations and non-torch memory take {} of the {} budget: nothing is left for the KV cache",
                           size_str(p.weights + p.activations + p.non_torch), size_str(p.requested));
  } else if (p.kv_tokens < w.context) {
    a.verdict = Verdict::does_not_fit;
    a.reason = fmt::format("the KV cache holds {} tokens, less than one request of max_model_len {}: {} refuses to start (lower -c)",
                           p.kv_tokens, w.context, q.runtime->id);
  } else {
    a.reason = fmt::format("KV cache for {} tokens: {:.2f} requests of {} tokens at once", p.kv_tokens, p.concurrency(w.context), w.context);
  }
  if (w.parallel > 1 && a.verdict == Verdict::fits && p.kv_tokens < a.requested_tokens)
    a.notes.push_back(fmt::format("{} sequences of {} tokens need {} tokens of KV; the rest wait in the queue", w.parallel, w.context,
                                  a.requested_tokens));
  std::vector<std::string>& assumptions = a.assumptions = q.assumptions;
  assumptions.insert(assumptions.end(), settings.begin(), settings.end());
  if (!s.share_note.empty()) assumptions.push_back(s.share_note);
  assumptions.push_back(fmt::format("{} x {} ({} per GPU), tensor parallel {}: weights and KV heads divided by {}", s.gpus, s.device->id,
                                    size_str(s.total), s.gpus, s.gpus));
  if (m.count_layers(ModelSpec::is_recurrent) > 0)
    assumptions.push_back("recurrent (Mamba / delta-net) state is held per running request outside the token pool: not counted");
  if (m.count_layers([](LayerKind k) { return k == LayerKind::sliding || k == LayerKind::chunked; }) > 0)
    assumptions.push_back("sliding-window layers counted like full attention (an upper bound: vLLM frees blocks that leave the window)");
  if (c.base == PoolBase::total && !p.graphs_fit)
    assumptions.push_back(fmt::format("warning: CUDA graphs ({}) exceed the {} outside the request: use --enforce-eager or lower gpu_memory_utilization",
                                      size_str(c.cuda_graphs), size_str(p.headroom)));
  assumptions.push_back("speed: the calibrated speed model is fitted to llama.cpp runs; use --runtime llama.cpp for tokens/s");
  return a;
}

}  // namespace vramfit::engine
