// validate, serving runtimes: `ollama ps` rows (each SIZE against weights + KV + compute of the model it
// names) and vLLM start-up logs (weights, activation peak, KV cache pool and blocks against the pool
// vramfit computes for the same engine arguments, vramfit/serving.hpp).
#include <algorithm>
#include <cmath>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/suggest.hpp"
#include "engine/devices.hpp"
#include "engine/memory.hpp"
#include "engine/text.hpp"
#include "engine/validate_judges.hpp"
#include "vramfit/parallel.hpp"
#include "vramfit/serving.hpp"

namespace vramfit::engine {

using io::InputError;
using io::RuntimeLog;

// --- ollama ps ---------------------------------------------------------------------------------

Judged judge_ollama(Session& ctx, const RuntimeLog& log, const ValidateRequest& opt) {
  const io::Catalog& cat = ctx.catalog();
  Judged j;
  const bool ollama_profile = std::any_of(cat.runtimes.begin(), cat.runtimes.end(), [](const RuntimeProfile& r) { return r.id == "ollama"; });
  for (const io::OllamaPsRow& r : log.ollama) {
    WorkloadRequest w;
    w.quant = opt.quant;
    if (ollama_profile) w.runtime = "ollama";
    // CONTEXT is num_ctx x parallel slots of the runner; older Ollama does not print it (default 4096).
    w.context = r.context > 0 ? std::to_string(r.context) : "4096";
    const std::string model = opt.model.empty() ? r.name : opt.model;
    Query q;
    try {
      q = resolve_query(ctx, model, w);
    } catch (const InputError& e) {
      throw InputError(fmt::format("{}:{}: {}", log.name, r.line, e.what()));
    }
    const MemoryEstimate e = estimate(ctx, q);
    const double est = double((e.weights.total + e.kv.total + e.compute.total()).value());
    j.terms.push_back(ValidationTerm{"size " + r.name, r.size_bytes, est, "bytes", r.line,
                                     fmt::format("SIZE {} ({}), {}", r.size_text, r.processor, r.context > 0 ? "CONTEXT " + std::to_string(r.context) : "no CONTEXT column: 4096 assumed"),
                                     true});
    j.inferred.push_back(fmt::format("line {}: {} = {} {}, context {}", r.line, r.name, q.model->spec.id, q.mix->mix.id, q.workload.context));
    if (!j.query) {
      j.query = q;
      j.assumptions = q.assumptions;
    }
  }
  j.assumptions.push_back("SIZE is Ollama's weights + KV cache + graph, in decimal GB with 2-3 significant digits (±0.05 GB); vramfit's figure is weights + KV + compute buffer, without the per-GPU runtime overhead");
  return j;
}

// --- vLLM ---------------------------------------------------------------------------------------

namespace {

// The weight format vLLM loaded: --quantization when set, else the checkpoint dtype; "" when the log
// names neither, for the checkpoint's own format (the catalog's native_format, as resolve_query picks it).
std::string vllm_mix(const io::Catalog& cat, const io::VllmLog& V) {
  if (!V.quantization.known() && !V.dtype.known()) return {};
  const std::string qz = io::to_lower(V.quantization.value);
  if (!qz.empty() && qz != "none") {
    for (const char* id : {"fp8", "awq-int4", "gptq-int4", "bnb-nf4", "mxfp4", "nvfp4"})
      if (std::string(id).rfind(qz, 0) == 0 || qz.rfind(id, 0) == 0) return id;
    return {};
  }
  const std::string dt = io::to_lower(V.dtype.value);
  if (dt == "float16" || dt == "half") return "hf-fp16";
  if (dt == "float32" || dt == "float") return "hf-fp32";
  (void)cat;
  return "hf-bf16";  // bfloat16 and auto (the checkpoints vLLM serves are mostly bf16)
}

// A judged term more than kExplainPercent off gets a one-line reason in its note: what vramfit took for a
// quantity the runtime measured, and for the KV pool (the remainder of the budget) what the pool rule
// gives with the log's own weights, activation peak and non-torch figures, which traces an error there to
// the term it comes from.
constexpr double kExplainPercent = 3.0;

void explain_vllm(std::vector<ValidationTerm>& terms, const io::VllmLog& V, const PoolConfig& c, const PoolMemory& p, Bytes total,
                  std::optional<double> act_logged, bool device_given, const std::string& profile) {
  const double weights = V.weights_gib.known() ? V.weights_gib.value * kGiB : double(p.weights.value());
  const double act = act_logged ? *act_logged : double(p.activations.value());
  const double non_torch = V.non_torch_gib.known() ? V.non_torch_gib.value * kGiB : double(p.non_torch.value());
  std::vector<std::string> logged;
  if (V.weights_gib.known()) logged.emplace_back("weights");
  if (act_logged) logged.emplace_back("activation peak");
  if (V.non_torch_gib.known()) logged.emplace_back("non-torch memory");
  const double kv_from_log = std::floor(double(total.value()) * c.fraction) - weights - act - non_torch;
  std::string kv_rule = fmt::format("the remainder of {:g} x {} ({}) after weights, activations and non-torch memory; with {}{} the rule gives {}",
                                    c.fraction, size_str(total), device_given ? "--device" : "the log's total_gpu_memory",
                                    logged.empty() ? "vramfit's figures" : "the log's ", fmt::join(logged, ", "),
                                    size_str(Bytes(static_cast<std::int64_t>(std::max(0.0, kv_from_log)))));
  if (V.available_kv_gib.known() && V.available_kv_gib.value > 0 && kv_from_log > 0)
    kv_rule += fmt::format(" ({:+.1f} % against the log's KV memory)", (kv_from_log / (V.available_kv_gib.value * kGiB) - 1) * 100.0);
  if (logged.empty()) kv_rule += "; the log prints no weights, activation or non-torch figure to trace the difference to";
  const bool has_kv_term = std::any_of(terms.begin(), terms.end(), [](const ValidationTerm& t) { return t.name == "KV cache memory"; });
  for (ValidationTerm& t : terms) {
    const auto err = t.error_percent();
    if (!err || std::abs(*err) <= kExplainPercent) continue;
    std::string why;
    if (t.name == "weights")
      why = fmt::format("the catalog's parameters in this format over {} GPU(s); a checkpoint that keeps some tensors at another precision, or another shape, differs", c.tp);
    else if (t.name == "activation peak")
      why = fmt::format("vramfit's profiling pass is {} tokens ({}) x {} sampled sequences, with every activation term summed",
                        c.max_batched_tokens, profile, c.max_seqs);
    else if (t.name == "non-torch memory")
      why = fmt::format("a typical {} (data/runtimes.yaml): the CUDA context, NCCL and cuBLAS buffers vary with driver, GPU and GPU count", size_str(c.non_torch));
    else if (t.name == "CUDA graphs")
      why = fmt::format("a typical {} (data/runtimes.yaml); the graphs grow with the captured batch sizes", size_str(c.cuda_graphs));
    else if (t.name == "KV cache for one request")
      why = "vramfit pages every attention layer for the whole request; vLLM caps sliding-window layers at their window plus a batch";
    else if (t.name == "KV cache memory" || !has_kv_term)
      why = kv_rule;
    else
      why = "follows the KV cache memory";  // tokens, blocks and concurrency
    t.note = t.note.empty() ? "off: " + why : t.note + "; off: " + why;
  }
}

}  // namespace

Judged judge_vllm(Session& ctx, const RuntimeLog& log, const ValidateRequest& opt) {
  const io::VllmLog& V = log.vllm;
  const io::Catalog& cat = ctx.catalog();
  Judged j;
  std::string model = opt.model;
  if (model.empty()) {
    if (!V.model.known()) throw InputError(log.name + ":1: the log names no model (model='...' or non-default args); pass --model ID");
    if (cat.find_model(V.model.value) == nullptr)
      throw InputError(fmt::format("{}:{}: model '{}' is not in the catalog (ids and Hugging Face names: 'vramfit list models'); pass --model ID",
                                   log.name, V.model.line, V.model.value));
    model = cat.find_model(V.model.value)->spec.id;
    j.inferred.push_back(fmt::format("model {} from '{}'{}", model, V.model.value, at_line(V.model.line)));
  } else {
    j.inferred.push_back("model " + model + " (--model)");
  }
  WorkloadRequest w;
  w.runtime = "vllm";
  w.quant = opt.quant.empty() ? vllm_mix(cat, V) : opt.quant;
  if (w.quant.empty() && V.quantization.known())
    throw InputError(fmt::format("{}:{}: quantization '{}' has no catalog format; pass -q", log.name, V.quantization.line, V.quantization.value));
  if (opt.quant.empty() && (V.quantization.known() || V.dtype.known()))
    j.inferred.push_back(fmt::format("weights {} from {}{}", w.quant,
                                     V.quantization.known() && io::to_lower(V.quantization.value) != "none" ? "quantization=" + V.quantization.value : "dtype=" + (V.dtype.known() ? V.dtype.value : std::string("auto")),
                                     at_line(V.quantization.known() ? V.quantization.line : V.dtype.line)));
  if (!opt.context.empty()) w.context = opt.context;
  else if (V.max_model_len.known()) {
    w.context = std::to_string(V.max_model_len.value);
    j.inferred.push_back(fmt::format("max_model_len {}{}", V.max_model_len.value, at_line(V.max_model_len.line)));
  }
  const std::string kvd = io::to_lower(V.kv_cache_dtype.value);
  if (kvd.rfind("fp8", 0) == 0) w.kv_type = "fp8";
  const Query q = resolve_query(ctx, model, w);
  const ModelSpec& m = q.model->spec;
  if (w.quant.empty())
    j.inferred.push_back(fmt::format("weights {}: the log names no dtype or quantization, so the checkpoint's format (catalog native_format)", q.mix->mix.id));
  PoolConfig c = q.runtime->pool;
  c.tp = V.tensor_parallel.known() ? std::max<std::int64_t>(1, V.tensor_parallel.value) : 1;
  if (V.gpu_memory_utilization.known()) c.fraction = V.gpu_memory_utilization.value;
  // The tokens of the profiling pass (the activation peak): the log's max_num_batched_tokens, else the
  // engine's default. V0 without chunked prefill schedules max(max_model_len, 2048) tokens (config.py
  // SchedulerConfig, _DEFAULT_MAX_NUM_BATCHED_TOKENS) and turns chunked prefill on by itself only past
  // 32K tokens (arg_utils.py create_engine_config); V1 and chunked V0 runs get the profile's default.
  std::string profile = "vLLM V1's default max_num_batched_tokens";
  if (V.max_num_batched_tokens.known()) {
    c.max_batched_tokens = V.max_num_batched_tokens.value;
    profile = fmt::format("the log's max_num_batched_tokens, line {}", V.max_num_batched_tokens.line);
  } else if (V.v0_engine.known() && V.v0_engine.value &&
             !(V.chunked_prefill.known() ? V.chunked_prefill.value : q.workload.context > 32768)) {
    c.max_batched_tokens = std::max<std::int64_t>(q.workload.context, 2048);
    profile = "V0 without chunked prefill: max(max_model_len, 2048)";
    j.inferred.push_back(fmt::format("profiling pass of {} tokens: a V0 log{} without chunked prefill schedules max(max_model_len, 2048)",
                                     c.max_batched_tokens, at_line(V.v0_engine.line)));
  }
  if (V.max_num_seqs.known()) c.max_seqs = V.max_num_seqs.value;
  if (c.tp > 1) validate_tensor_parallel(m, c.tp);
  Bytes total{0};
  if (!opt.device.empty()) {
    const DeviceSpec d = parse_device_spec(cat, opt.device);
    if (d.device->device.is_cpu() || d.device->device.kind == DeviceKind::apple) throw InputError("vLLM runs on CUDA or ROCm GPUs: --device " + opt.device);
    total = d.device->device.capacity(d.memory_gib);
    j.inferred.push_back(fmt::format("GPU {}: {} total (--device)", d.device->device.id, size_str(total)));
  } else if (V.total_gpu_gib.known()) {
    total = gib(V.total_gpu_gib.value);
    j.inferred.push_back(fmt::format("GPU memory {} total{}", size_str(total), at_line(V.total_gpu_gib.line)));
  } else {
    throw InputError(log.name + ":1: the log does not print the GPU's total memory (vLLM V1 does not): pass --device ID, e.g. --device h100-sxm");
  }
  j.inferred.push_back(fmt::format("gpu_memory_utilization {:g}{}, tensor parallel {}, block size {} tokens, KV {}", c.fraction,
                                   V.gpu_memory_utilization.known() ? at_line(V.gpu_memory_utilization.line) : " (vLLM's default)", c.tp,
                                   c.block_tokens, q.workload.kv_type_k));
  const PoolMemory p = kv_pool(m, query_weights(ctx, q), ctx.types().get(q.workload.kv_type_k), total, c);
  auto add = [&](const std::string& name, const auto& fact, double scale, double est, const char* unit, std::string note = {}) {
    if (!fact.known()) return;
    j.terms.push_back(ValidationTerm{name, double(fact.value) * scale, est, unit, fact.line, std::move(note)});
  };
  const bool v0 = V.v0_engine.known() && V.v0_engine.value;
  add("weights", V.weights_gib, kGiB, double(p.weights.value()), "bytes",
      std::string(v0 ? "Loading model weights took" : "Model loading took") + (c.tp > 1 ? ", per GPU" : ""));
  // V0 prints PyTorch's peak with the weights in it (peak_torch_memory); V1 and V0's later line the peak alone.
  std::optional<double> act_logged;
  if (V.activation_gib.known()) {
    act_logged = V.activation_gib.value * kGiB;
    add("activation peak", V.activation_gib, kGiB, double(p.activations.value()), "bytes");
  } else if (V.peak_torch_gib.known() && V.weights_gib.known()) {
    act_logged = (V.peak_torch_gib.value - V.weights_gib.value) * kGiB;
    j.terms.push_back(ValidationTerm{"activation peak", *act_logged, double(p.activations.value()), "bytes", V.peak_torch_gib.line,
                                     fmt::format("peak_torch_memory {:.2f} GiB - weights", V.peak_torch_gib.value)});
  }
  add("non-torch memory", V.non_torch_gib, kGiB, double(p.non_torch.value()), "bytes");
  add("KV cache memory", V.available_kv_gib, kGiB, double(p.kv_available.value()), "bytes", v0 ? "kv_cache_size" : "Available KV cache memory");
  add("KV cache tokens", V.kv_tokens, 1.0, double(p.kv_tokens), "tokens", "GPU KV cache size");
  add("GPU blocks", V.gpu_blocks, 1.0, double(p.blocks), "tokens", "# GPU blocks");
  if (V.max_concurrency.known())
    add("max concurrency", V.max_concurrency, 1.0, p.concurrency(V.concurrency_tokens.value), "x",
        fmt::format("requests of {} tokens", V.concurrency_tokens.value));
  // The start-up error's need: every layer's blocks for one request of max seq len tokens
  // (kv_cache_utils.py max_memory_usage_bytes: cdiv(max_model_len, block_size) pages).
  const std::int64_t need_blocks = V.kv_needed_tokens.known() ? (V.kv_needed_tokens.value + c.block_tokens - 1) / c.block_tokens : 0;
  add("KV cache for one request", V.kv_needed_gib, kGiB, double(need_blocks) * double(p.page_bytes), "bytes",
      fmt::format("KV cache is needed for max seq len {} ({} blocks of {})", V.kv_needed_tokens.value, need_blocks,
                  size_str(Bytes(p.page_bytes))));
  add("CUDA graphs", V.cuda_graph_gib, kGiB, double(c.cuda_graphs.value()), "bytes", "after the KV cache, in the 1 - utilization headroom");
  explain_vllm(j.terms, V, c, p, total, act_logged, !opt.device.empty(), profile);
  j.query = q;
  j.assumptions = q.assumptions;
  return j;
}

}  // namespace vramfit::engine
