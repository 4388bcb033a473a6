// fit / estimate under a pool runtime (vLLM, TGI, TensorRT-LLM): the memory budget its start-up log
// prints — requested share, weights, activation peak, non-torch memory, KV blocks, token capacity and
// concurrency at max_model_len — per GPU of the tensor-parallel group (core: serving.hpp).
#include <optional>

#include <fmt/format.h>

#include "cli/pool_report.hpp"
#include "cli/render.hpp"
#include "formats/parse.hpp"
#include "cli/report.hpp"
#include "vramfit/parallel.hpp"

namespace vramfit::cli {

using io::InputError;

namespace {

struct PoolSetup {
  const Device* device = nullptr;
  std::int64_t gpus = 0;
  Bytes total{0};
  Bytes reserve{0};
};

PoolSetup pool_setup(Context& ctx, const Query& q, const DeviceRequest& opt) {
  const io::Catalog& cat = ctx.catalog();
  const std::string& rt = q.runtime->id;
  if (opt.gpu_layers != "auto" || opt.cpu_moe || !opt.n_cpu_moe.empty() || !opt.ram.empty() || !opt.host.empty())
    throw InputError(rt + " keeps the whole model on the GPUs: --gpu-layers, --cpu-moe, --n-cpu-moe, --ram and --host are llama.cpp options");
  if (opt.split == "layer") throw InputError(rt + " splits a model over GPUs by tensor parallelism: drop --split layer");
  if (!opt.wired_limit.empty()) throw InputError("--wired-limit applies to Apple devices, which " + rt + " does not run on");
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
  if (!opt.reserve.empty()) s.reserve = io::parse_size(opt.reserve, "--reserve", true);
  return s;
}

Json pool_json(const PoolMemory& p, const PoolConfig& c) {
  return {{"total_bytes", p.total.value()},
          {"fraction", c.fraction},
          {"base", c.base == PoolBase::total ? "total" : "free"},
          {"requested_bytes", p.requested.value()},
          {"weights_bytes", p.weights.value()},
          {"activation_bytes", p.activations.value()},
          {"non_torch_bytes", p.non_torch.value()},
          {"kv_cache_bytes", p.kv_available.value()},
          {"block_tokens", c.block_tokens},
          {"page_bytes", p.page_bytes},
          {"blocks", p.blocks},
          {"kv_tokens", p.kv_tokens},
          {"cuda_graphs_bytes", c.cuda_graphs.value()},
          {"headroom_bytes", p.headroom.value()}};
}

std::string pool_lines(const PoolMemory& p, const PoolConfig& c, std::int64_t tokens_per_token_bytes) {
  Table t;
  t.header = {"memory (per GPU)", "size", "detail"};
  t.right = {false, true, false};
  const bool total_base = c.base == PoolBase::total;
  t.rows.push_back({"total memory", size_str(p.total), "as the driver reports it"});
  if (total_base) t.rows.push_back({fmt::format("requested ({:g} x total)", c.fraction), size_str(p.requested), "start-up fails if less is free"});
  t.rows.push_back({"weights", size_str(p.weights), ""});
  t.rows.push_back({"activation peak", size_str(p.activations),
                    fmt::format("profiling pass of {} tokens, {} sampled sequences", c.max_batched_tokens, c.max_seqs)});
  t.rows.push_back({"non-torch", size_str(p.non_torch), "CUDA context, NCCL, cuBLAS workspaces"});
  t.rows.push_back({"KV cache", size_str(p.kv_available),
                    fmt::format("{} blocks x {} tokens = {} tokens ({:.1f} KiB per token)", p.blocks, c.block_tokens,
                                p.kv_tokens, double(tokens_per_token_bytes) / 1024.0)});
  if (total_base)
    t.rows.push_back({"CUDA graphs", size_str(c.cuda_graphs), fmt::format("in the {} outside the request", size_str(p.headroom))});
  else
    t.rows.push_back({fmt::format("KV share of free memory"), fmt::format("{:g}", c.fraction), ""});
  return t.text();
}

}  // namespace

int fit_pool(Context& ctx, const Query& q, const DeviceRequest& opt) {
  const PoolSetup s = pool_setup(ctx, q, opt);
  const ModelSpec& m = q.model->spec;
  const Workload& w = q.workload;
  PoolConfig c = q.runtime->pool;
  c.tp = s.gpus;
  const MemoryEstimate e = estimate(ctx, q);
  const PoolMemory p = kv_pool(m, e.weights, *e.kv_k, s.total, c);
  const std::int64_t per_token = pool_bytes_per_token(m, *e.kv_k, s.gpus);
  const std::int64_t wanted = w.context * w.parallel;

  Verdict verdict = Verdict::fits;
  std::string reason;
  const Bytes free = s.total - s.reserve;
  if (c.base == PoolBase::total && free < p.requested) {
    verdict = Verdict::does_not_fit;
    reason = fmt::format("{} refuses to start: {} free (--reserve {}) is less than the {} requested; lower gpu_memory_utilization",
                         q.runtime->id, size_str(free), size_str(s.reserve), size_str(p.requested));
  } else if (p.kv_available.value() == 0) {
    verdict = Verdict::does_not_fit;
    reason = fmt::format("weights, activations and non-torch memory take {} of the {} budget: nothing is left for the KV cache",
                         size_str(p.weights + p.activations + p.non_torch), size_str(p.requested));
  } else if (p.kv_tokens < w.context) {
    verdict = Verdict::does_not_fit;
    reason = fmt::format("the KV cache holds {} tokens, less than one request of max_model_len {}: {} refuses to start (lower -c)",
                         p.kv_tokens, w.context, q.runtime->id);
  } else {
    reason = fmt::format("KV cache for {} tokens: {:.2f} requests of {} tokens at once", p.kv_tokens, p.concurrency(w.context), w.context);
  }
  const int code = verdict == Verdict::does_not_fit ? 1 : 0;
  std::vector<std::string> assumptions = q.assumptions;
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

  if (ctx.format() == "json") {
    Json j = json_document("fit");
    j["model"] = model_json(*q.model);
    j["quant"] = q.mix->mix.id;
    j["runtime"] = q.runtime->id;
    j["runtime_kind"] = to_string(q.runtime->kind);
    j["workload"] = workload_json(w);
    j["verdict"] = to_string(verdict);
    j["device"] = s.device->id;
    j["tensor_parallel"] = s.gpus;
    j["pool"] = pool_json(p, c);
    j["max_concurrency"] = p.concurrency(w.context);
    j["requested_tokens"] = wanted;
    j["assumptions"] = assumptions;
    ctx.io.out << dump(j);
    return code;
  }
  Style style{ctx.color() && ctx.format() == "table"};
  std::string out = fmt::format("{} ({}) · {} · max_model_len {} · {}\n\n", m.name, m.id, q.mix->mix.id, w.context, q.runtime->id);
  out += fmt::format("{} on {} x {}, tensor parallel {} (per GPU)\n", q.runtime->name, s.gpus, s.device->id, s.gpus);
  out += pool_lines(p, c, per_token);
  out += fmt::format("max concurrency: {:.2f}x at {} tokens per request\n", p.concurrency(w.context), w.context);
  if (w.parallel > 1 && verdict == Verdict::fits && p.kv_tokens < wanted)
    out += fmt::format("note: {} sequences of {} tokens need {} tokens of KV; the rest wait in the queue\n", w.parallel, w.context, wanted);
  const std::string v = verdict == Verdict::fits ? style.green("FITS") : style.red("DOES NOT FIT");
  out += fmt::format("\nverdict: {} ({})\n\n", v, reason);
  out += assumptions_text(assumptions);
  ctx.io.out << out;
  return code;
}

}  // namespace vramfit::cli
