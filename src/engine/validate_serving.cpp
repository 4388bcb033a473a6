// validate, serving runtimes: `ollama ps` rows (each SIZE against weights + KV + compute of the model it
// names) and vLLM start-up logs (weights, activation peak, KV cache pool and blocks against the pool
// vramfit computes for the same engine arguments, vramfit/serving.hpp).
#include <algorithm>

#include <fmt/format.h>

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

// The weight format vLLM loaded: --quantization when set, else the checkpoint dtype.
std::string vllm_mix(const io::Catalog& cat, const io::VllmLog& V) {
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
  if (w.quant.empty())
    throw InputError(fmt::format("{}:{}: quantization '{}' has no catalog format; pass -q", log.name, V.quantization.line, V.quantization.value));
  if (opt.quant.empty())
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
  PoolConfig c = q.runtime->pool;
  c.tp = V.tensor_parallel.known() ? std::max<std::int64_t>(1, V.tensor_parallel.value) : 1;
  if (V.gpu_memory_utilization.known()) c.fraction = V.gpu_memory_utilization.value;
  if (V.max_num_batched_tokens.known()) c.max_batched_tokens = V.max_num_batched_tokens.value;
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
  add("weights", V.weights_gib, kGiB, double(p.weights.value()), "bytes", "Model loading took");
  add("activation peak", V.activation_gib, kGiB, double(p.activations.value()), "bytes");
  add("non-torch memory", V.non_torch_gib, kGiB, double(p.non_torch.value()), "bytes");
  add("KV cache memory", V.available_kv_gib, kGiB, double(p.kv_available.value()), "bytes", "Available KV cache memory");
  add("KV cache tokens", V.kv_tokens, 1.0, double(p.kv_tokens), "tokens", "GPU KV cache size");
  add("GPU blocks", V.gpu_blocks, 1.0, double(p.blocks), "tokens", "# GPU blocks");
  if (V.max_concurrency.known())
    add("max concurrency", V.max_concurrency, 1.0, p.concurrency(V.concurrency_tokens.value), "x",
        fmt::format("requests of {} tokens", V.concurrency_tokens.value));
  add("CUDA graphs", V.cuda_graph_gib, kGiB, double(c.cuda_graphs.value()), "bytes", "after the KV cache, in the 1 - utilization headroom");
  j.query = q;
  j.assumptions = q.assumptions;
  return j;
}

}  // namespace vramfit::engine
