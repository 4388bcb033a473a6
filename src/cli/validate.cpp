// vramfit validate LOG: what a runtime says it allocated (a llama.cpp log, a vLLM start-up log, `ollama
// ps` output; src/formats/runtime_log) against vramfit's estimate for the model and settings the log
// names. Exit 0 when every term is within --tolerance, 1 when one is off, 2 for an unreadable log.
#include <algorithm>
#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "base/suggest.hpp"
#include "cli/commands.hpp"
#include "cli/render.hpp"
#include "cli/report.hpp"
#include "formats/parse.hpp"
#include "formats/runtime_log.hpp"
#include "vramfit/parallel.hpp"
#include "vramfit/serving.hpp"

namespace vramfit::cli {
namespace {

using io::InputError;
using io::LlamaCppLog;
using io::RuntimeLog;

struct ValidateOptions {
  std::string log;
  std::string model;  // --model ID|FILE.gguf: skip the inference
  std::string quant;
  std::string tolerance = "5";
  std::string slack = "32MiB";
  std::string device;  // vLLM: the GPU, when the log does not print its total memory
  std::string context;  // -c: when the log does not print n_ctx
};

// One compared quantity. A term without an estimate is shown but not judged (vramfit does not model it).
struct Term {
  std::string name;
  double measured = 0;  // bytes (or a count for token / concurrency terms)
  std::optional<double> estimate;
  std::string unit = "bytes";  // bytes | tokens | x
  int line = 0;
  std::string note;
  bool decimal = false;  // print in GB (Ollama's SIZE is decimal)
  [[nodiscard]] std::optional<double> error_percent() const {
    if (!estimate || measured == 0) return std::nullopt;
    return (*estimate - measured) / measured * 100.0;
  }
};

struct Judged {
  std::vector<Term> terms;
  std::vector<std::string> inferred;  // what was read from the log and how it was used
  std::vector<std::string> assumptions;
  std::string headline;
  Json model = nullptr;
  std::string quant;
  Json workload = nullptr;
};

constexpr double kMiB = 1024.0 * 1024.0;
constexpr double kGiB = kMiB * 1024.0;

std::string lower_alnum(const std::string& s) {
  std::string out;
  for (const char c : s)
    if (std::isalnum(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string at_line(int line) { return line > 0 ? fmt::format(" (line {})", line) : std::string(); }

// llama.cpp buffer names: host memory is CPU*, *_Host; everything else is a device (CUDA0, ROCm1,
// Metal, Metal_Mapped, Vulkan0, SYCL0 ...). *_Mapped is the mmap'd part of the same device.
bool host_buffer(const std::string& dev) { return dev.rfind("CPU", 0) == 0 || dev.find("_Host") != std::string::npos || dev == "Host"; }
std::string device_of(const std::string& dev) {
  const std::size_t m = dev.find("_Mapped");
  return m == std::string::npos ? dev : dev.substr(0, m);
}

// --- model inference (llama.cpp) -------------------------------------------------------------

// The catalog model whose shape the log prints: layers, width, KV heads and vocabulary must agree; the
// architecture, general.name and the training context break ties (Llama 3 8B and 3.1 8B share a shape).
const io::CatalogModel* infer_model(const io::Catalog& cat, const LlamaCppLog& L, std::string& how) {
  if (!L.n_layer.known() || !L.n_embd.known())
    return nullptr;
  const io::CatalogModel* best = nullptr;
  int best_score = -1, ties = 0;
  const std::string name = lower_alnum(L.name.value);
  for (const io::CatalogModel& cm : cat.models) {
    const ModelSpec& m = cm.spec;
    if (m.layers != L.n_layer.value || m.hidden != L.n_embd.value) continue;
    if (L.n_head_kv.known() && m.kv_heads != L.n_head_kv.value && m.count_layers([](LayerKind k) { return k == LayerKind::mla; }) == 0) continue;
    if (L.n_vocab.known() && m.vocab != L.n_vocab.value) continue;
    int score = 0;
    const std::string arch = lower_alnum(L.arch.value);
    if (!arch.empty() && (lower_alnum(m.architecture) == arch || lower_alnum(m.architecture).find(arch) == 0)) score += 4;
    if (!name.empty() && (lower_alnum(m.name) == name || lower_alnum(m.id) == name)) score += 8;
    else if (!name.empty() && name.find(lower_alnum(m.name)) != std::string::npos) score += 6;
    if (L.n_ctx_train.known() && m.max_context == L.n_ctx_train.value) score += 2;
    if (L.n_ff.known() && (m.ffn == L.n_ff.value || m.moe.expert_ffn == L.n_ff.value)) score += 1;
    if (score > best_score) best = &cm, best_score = score, ties = 0;
    else if (score == best_score) ++ties;
  }
  if (best == nullptr) return nullptr;
  how = fmt::format("model {} inferred from the log's shape: {} layers{}, n_embd {}{}{}{}", best->spec.id, L.n_layer.value,
                    at_line(L.n_layer.line), L.n_embd.value,
                    L.n_head_kv.known() ? fmt::format(", n_head_kv {}", L.n_head_kv.value) : "",
                    L.n_vocab.known() ? fmt::format(", n_vocab {}", L.n_vocab.value) : "",
                    L.name.known() ? fmt::format(", general.name '{}'", L.name.value) : "");
  if (ties > 0) how += fmt::format(" ({} other catalog models share this shape; --model to choose)", ties);
  return best;
}

std::string kv_type_id(const std::string& t) { return io::to_lower(t); }

// --- llama.cpp --------------------------------------------------------------------------------

Judged judge_llamacpp(Context& ctx, const RuntimeLog& log, const ValidateOptions& opt) {
  const LlamaCppLog& L = log.llama;
  const io::Catalog& cat = ctx.catalog();
  Judged j;
  std::string model_arg = opt.model;
  if (model_arg.empty()) {
    std::string how;
    const io::CatalogModel* cm = infer_model(cat, L, how);
    if (cm == nullptr)
      throw InputError(fmt::format("{}:{}: cannot tell the model from this log ({}); pass --model ID or --model FILE.gguf", log.name,
                                   L.n_layer.known() ? L.n_layer.line : 1,
                                   L.n_layer.known() ? fmt::format("no catalog model has {} layers and n_embd {}", L.n_layer.value, L.n_embd.value)
                                                     : "no print_info / llm_load_print_meta shape lines"));
    model_arg = cm->spec.id;
    j.inferred.push_back(how);
  } else {
    j.inferred.push_back("model " + model_arg + " (--model)");
  }
  WorkloadOptions w;
  w.quant = opt.quant;
  if (w.quant.empty() && !names_model_file(cat, model_arg)) {
    const std::string mix = io::mix_from_file_type(L.file_type.value);
    if (mix.empty() || std::none_of(cat.mixes.begin(), cat.mixes.end(), [&](const io::CatalogMix& m) { return m.mix.id == mix; }))
      throw InputError(fmt::format("{}:{}: {}; pass -q QUANT", log.name, std::max(L.file_type.line, 1),
                                   L.file_type.known() ? "file type '" + L.file_type.value + "' is no quantization vramfit knows"
                                                       : std::string("the log names no file type")));
    w.quant = mix;
    j.inferred.push_back(fmt::format("quantization {} from file type '{}'{}", mix, L.file_type.value, at_line(L.file_type.line)));
  }
  // Context: llama.cpp's n_ctx is the total over sequences; each of n_seq_max has n_ctx_seq.
  const std::int64_t seqs = L.n_seq_max.known() ? std::max<std::int64_t>(1, L.n_seq_max.value) : 1;
  std::int64_t per_seq = 0;
  if (!opt.context.empty()) per_seq = io::parse_tokens(opt.context, "context");
  else if (L.n_ctx_seq.known()) per_seq = L.n_ctx_seq.value;
  else if (L.n_ctx.known()) per_seq = L.n_ctx.value / seqs;
  else if (L.kv_cells.known()) per_seq = L.kv_cells.value / seqs;
  if (per_seq <= 0)
    throw InputError(log.name + ":1: the log names no context size (llama_context: n_ctx): pass -c N");
  w.context = std::to_string(per_seq);
  if (seqs > 1) w.parallel = std::to_string(seqs);
  j.inferred.push_back(fmt::format("context {} tokens{}{}", per_seq, seqs > 1 ? fmt::format(" x {} sequences", seqs) : "",
                                   !opt.context.empty() ? " (-c)" : at_line(L.n_ctx.known() ? L.n_ctx.line : L.kv_cells.line)));
  if (L.n_ubatch.known()) w.ubatch = std::to_string(L.n_ubatch.value);
  const std::string fa = io::to_lower(L.flash_attn.value);
  w.no_flash_attention = fa == "0" || fa == "off" || fa == "disabled" || fa == "false";
  if (L.flash_attn.known())
    j.inferred.push_back(fmt::format("flash attention {} (flash_attn = {}{}){}", w.no_flash_attention ? "off" : "on", L.flash_attn.value,
                                     fa == "auto" ? ": llama.cpp enables it where the backend supports it" : "", at_line(L.flash_attn.line)));
  else
    j.inferred.push_back("flash attention: not in the log, assumed on (llama.cpp's -fa auto)");
  if (L.type_k.known() || L.type_v.known()) {
    const std::string k = kv_type_id(L.type_k.known() ? L.type_k.value : "f16");
    const std::string v = kv_type_id(L.type_v.known() ? L.type_v.value : k);
    w.kv_type = k + "/" + v;
    j.inferred.push_back(fmt::format("KV cache K {} / V {}{}", k, v, at_line(L.type_k.known() ? L.type_k.line : L.type_v.line)));
  }
  const Query q = resolve_query(ctx, model_arg, w);
  const MemoryEstimate e = estimate(ctx, q);
  const ModelSpec& m = q.model->spec;

  // Which devices the log used, and how many layers went to them.
  std::vector<std::string> gpus;
  auto note_gpu = [&](const std::string& d) {
    if (!host_buffer(d) && std::find(gpus.begin(), gpus.end(), device_of(d)) == gpus.end()) gpus.push_back(device_of(d));
  };
  // A GPU's compute buffer alone counts: llama.cpp reserves one at -ngl 0 (op offload).
  for (const io::LogBuffer& b : L.buffers)
    if (b.what == "model" || b.what == "kv" || b.what == "compute") note_gpu(b.device);
  if (L.buffers.empty())
    for (const io::BreakdownRow& r : L.breakdown)
      if (r.total >= 0 && r.model + r.context > 0) note_gpu(r.device);
  std::int64_t ngl = gpus.empty() ? 0 : m.layers + 1;
  if (L.offloaded.known()) {
    ngl = gpus.empty() ? 0 : L.offloaded.value;
    j.inferred.push_back(fmt::format("{} of {} layers offloaded{}", L.offloaded.value, L.offloadable.value, at_line(L.offloaded.line)));
  }
  PlacementRequest req;
  for (const std::string& g : gpus) {
    Target t;
    t.label = g;
    req.gpus.push_back(t);  // no capacity: an even split (the log does not print llama.cpp's free-memory split)
  }
  req.op_offload = q.workload.ubatch >= 32 &&
                   std::none_of(gpus.begin(), gpus.end(), [](const std::string& g) { return g.rfind("Metal", 0) == 0 || g.rfind("MTL", 0) == 0; });
  req.host.label = "host";
  double host_model = 0, gpu_model = 0, repack = 0;
  for (const io::LogBuffer& b : L.buffers) {
    if (b.what != "model") continue;
    if (b.device == "CPU_REPACK" || b.device.find("REPACK") != std::string::npos) repack += b.mib;
    else (host_buffer(b.device) ? host_model : gpu_model) += b.mib;
  }
  // Every layer offloaded yet most weights in host memory: the routed experts were kept there
  // (--cpu-moe, -ot exps=CPU), which the log shows only through the buffer sizes.
  if (m.moe.present() && !gpus.empty() && ngl > m.layers && host_model * kMiB > 4.0 * double(e.weights.global_cpu.value())) {
    req.cpu_moe_layers = m.layers;
    j.inferred.push_back(fmt::format("routed experts in host memory (--cpu-moe / -ot exps=CPU): all layers offloaded, yet {:.0f} MiB of weights in host buffers", host_model));
  }
  const Placement p = place_layers(m, e, req, ngl);
  if (gpus.size() > 1)
    j.assumptions.push_back(fmt::format("{} GPUs ({}): per-GPU terms are summed, llama.cpp splits layers by free memory the log does not print",
                                        gpus.size(), fmt::join(gpus, ", ")));
  if (L.pipeline_parallel)
    j.assumptions.push_back("pipeline parallelism enabled: llama.cpp keeps 4 copies of the compute buffers (not modelled)");

  // With mmap, llama.cpp's CPU_Mapped buffer is the file range from the first to the last host tensor
  // (llama-model-loader.cpp get_mapping_range): with the output head in host memory and blocks on a GPU,
  // that range spans the offloaded blocks too, i.e. the whole file (their pages are mapped, not resident).
  bool mapped = false;
  for (const io::LogBuffer& b : L.buffers)
    if (b.what == "model" && b.device.find("_Mapped") != std::string::npos && host_buffer(b.device)) mapped = true;
  const bool mapped_range = mapped && p.gpu_layers > 0 && p.host.output;
  double est_gpu_w = 0, est_gpu_c = 0, est_gpu_kv = 0;
  for (const DevicePlan& d : p.gpus) est_gpu_w += double(d.weights.value()), est_gpu_c += double(d.compute.value()), est_gpu_kv += double(d.kv.value());
  const double file_bytes = double((e.weights.total - e.weights.tied_copy).value());
  const double est_host_w = mapped_range ? file_bytes : double(p.host.weights.value());
  const double est_host_c = double(p.host.compute.value());
  if (mapped_range)
    j.assumptions.push_back(fmt::format("host weights compared as the mmap'd range (the whole file, {}): the output head is in host memory, so the range spans the offloaded blocks; resident host weights are {}",
                                        size_str(Bytes(static_cast<std::int64_t>(file_bytes))), size_str(p.host.weights)));
  const double est_kv = double(e.kv.total.value());

  auto sum = [&](const std::string& what, int host) {  // host: 1 host only, 0 devices only, -1 all
    double s = 0;
    int line = 0;
    for (const io::LogBuffer& b : L.buffers) {
      if (b.what != what) continue;
      if (host >= 0 && host_buffer(b.device) != (host == 1)) continue;
      if (b.device.find("REPACK") != std::string::npos) continue;
      s += b.mib * kMiB;
      if (line == 0) line = b.line;
    }
    return std::pair{s, line};
  };
  auto add = [&](const std::string& name, std::pair<double, int> meas, std::optional<double> est, std::string note = {}) {
    if (meas.second == 0) return;
    j.terms.push_back({name, meas.first, est, "bytes", meas.second, std::move(note)});
  };
  const auto gpu_w = sum("model", 0), host_w = sum("model", 1);
  const auto kv_all = sum("kv", -1), rs_all = sum("rs", -1);
  const auto gpu_c = sum("compute", 0), host_c = sum("compute", 1), out = sum("output", -1);
  if (!L.buffers.empty()) {
    add("weights, GPU", gpu_w, est_gpu_w);
    add("weights, host", host_w, est_host_w, host_model > 0 && (gpus.empty() || mapped_range) && mapped ? "the whole file, mmap'd" : "");
    std::pair<double, int> kv = {kv_all.first + rs_all.first, kv_all.second ? kv_all.second : rs_all.second};
    add("KV cache", kv, est_kv, rs_all.second ? "KV + recurrent state" : "");
    if (kv_all.second && !gpus.empty()) add("  of it on GPUs", sum("kv", 0), est_gpu_kv);
    add("compute, GPU", gpu_c, est_gpu_c);
    add("compute, host", host_c, est_host_c);
    // llama.cpp's split of the graph between GPU and host differs from vramfit's (op offload runs the
    // host layers' big matmuls on the GPU): the sum shows whether the graph itself is right.
    if (gpu_c.second && host_c.second)
      add("  compute, all devices", {gpu_c.first + host_c.first, std::min(gpu_c.second, host_c.second)}, est_gpu_c + est_host_c);
    add("output buffer", out, double(p.host.output_buffer.value()), "logits of one row per sequence");
    if (repack > 0)
      j.terms.push_back({"weights, CPU_REPACK", repack * kMiB, std::nullopt, "bytes", 0,
                         "repacked copy for the CPU's matrix kernels (not modelled)"});
    // The total of what was measured, against the estimate of the same terms.
    double meas_total = 0, est_total = 0;
    int first = 0;
    for (const Term& t : j.terms)
      if (t.estimate && t.name.rfind("  ", 0) != 0) meas_total += t.measured, est_total += *t.estimate, first = first == 0 ? t.line : std::min(first, t.line);
    j.terms.push_back({"total", meas_total, est_total, "bytes", first, "the terms above"});
  } else {
    // Only the memory breakdown table (whole MiB): model / context (KV + output) / compute per device.
    double mm = 0, mc = 0, mk = 0, hm = 0, hk = 0, hc = 0;
    int line = L.breakdown.front().line;
    for (const io::BreakdownRow& r : L.breakdown) {
      if (r.device.find("REPACK") != std::string::npos) continue;
      if (r.total >= 0) mm += double(r.model), mk += double(r.context), mc += double(r.compute);
      else hm += double(r.model), hk += double(r.context), hc += double(r.compute);
    }
    add("weights, GPU", {mm * kMiB, gpus.empty() ? 0 : line}, est_gpu_w);
    add("weights, host", {hm * kMiB, line}, est_host_w);
    add("KV cache + output buffer", {(mk + hk) * kMiB, line}, est_kv + double(p.host.output_buffer.value()), "breakdown 'context'");
    add("compute, GPU", {mc * kMiB, gpus.empty() ? 0 : line}, est_gpu_c);
    add("compute, host", {hc * kMiB, line}, est_host_c);
    j.terms.push_back({"total", (mm + mk + mc + hm + hk + hc) * kMiB, est_gpu_w + est_host_w + est_kv + double(p.host.output_buffer.value()) + est_gpu_c + est_host_c, "bytes", line, "from the memory breakdown table"});
  }
  if (L.file_size_gib.known()) {
    j.terms.push_back({"file size (print_info)", L.file_size_gib.value * kGiB, file_bytes, "bytes", L.file_size_gib.line, "tensor bytes, 2 decimals of GiB"});
  }
  j.headline = headline(q);
  j.model = model_json(*q.model);
  j.quant = q.mix->mix.id;
  j.workload = workload_json(q.workload);
  j.assumptions.insert(j.assumptions.end(), q.assumptions.begin(), q.assumptions.end());
  return j;
}

// --- ollama ps ---------------------------------------------------------------------------------

Judged judge_ollama(Context& ctx, const RuntimeLog& log, const ValidateOptions& opt) {
  const io::Catalog& cat = ctx.catalog();
  Judged j;
  const bool ollama_profile = std::any_of(cat.runtimes.begin(), cat.runtimes.end(), [](const RuntimeProfile& r) { return r.id == "ollama"; });
  for (const io::OllamaPsRow& r : log.ollama) {
    WorkloadOptions w;
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
    j.terms.push_back({"size " + r.name, r.size_bytes, est, "bytes", r.line,
                       fmt::format("SIZE {} ({}), {}", r.size_text, r.processor, r.context > 0 ? "CONTEXT " + std::to_string(r.context) : "no CONTEXT column: 4096 assumed"),
                       true});
    j.inferred.push_back(fmt::format("line {}: {} = {} {}, context {}", r.line, r.name, q.model->spec.id, q.mix->mix.id, q.workload.context));
    if (j.headline.empty()) {
      j.headline = headline(q);
      j.model = model_json(*q.model);
      j.quant = q.mix->mix.id;
      j.workload = workload_json(q.workload);
      j.assumptions = q.assumptions;
    }
  }
  j.assumptions.push_back("SIZE is Ollama's weights + KV cache + graph, in decimal GB with 2-3 significant digits (±0.05 GB); vramfit's figure is weights + KV + compute buffer, without the per-GPU runtime overhead");
  return j;
}

// --- vLLM ---------------------------------------------------------------------------------------

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

Judged judge_vllm(Context& ctx, const RuntimeLog& log, const ValidateOptions& opt) {
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
  WorkloadOptions w;
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
    j.terms.push_back({name, double(fact.value) * scale, est, unit, fact.line, std::move(note)});
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
  j.headline = headline(q);
  j.model = model_json(*q.model);
  j.quant = q.mix->mix.id;
  j.workload = workload_json(q.workload);
  j.assumptions = q.assumptions;
  return j;
}

// --- output -------------------------------------------------------------------------------------

std::string value_str(const Term& t, double v) {
  if (t.unit == "bytes") return t.decimal ? gb_str(bytes_from_double(v)) : size_str(bytes_from_double(v));
  if (t.unit == "x") return fmt::format("{:.2f}x", v);
  return fmt::format("{:.0f}", v);
}

int run_validate(Context& ctx, const ValidateOptions& opt) {
  std::string percent = opt.tolerance;
  if (!percent.empty() && percent.back() == '%') percent.pop_back();
  const std::optional<double> parsed = io::parse_decimal(percent, 0, 1000);
  if (!parsed) throw InputError("--tolerance '" + opt.tolerance + "': a percentage from 0 to 1000, e.g. 5 or 2.5%");
  const double tolerance = *parsed;
  const double slack = double(io::parse_size(opt.slack, "--slack", true).value());
  const RuntimeLog log = io::read_runtime_log(opt.log);
  Judged j;
  switch (log.kind) {
    case io::LogKind::llamacpp: j = judge_llamacpp(ctx, log, opt); break;
    case io::LogKind::ollama_ps: j = judge_ollama(ctx, log, opt); break;
    case io::LogKind::vllm: j = judge_vllm(ctx, log, opt); break;
  }
  for (const std::string& n : log.notes) j.assumptions.push_back("log: " + n);
  j.assumptions.push_back(fmt::format("a term is off when its error exceeds ±{:g} % and the difference exceeds {} (--tolerance, --slack)",
                                      tolerance, size_str(Bytes(static_cast<std::int64_t>(slack)))));
  int judged = 0, off = 0;
  std::vector<bool> ok(j.terms.size(), true);
  for (std::size_t i = 0; i < j.terms.size(); ++i) {
    const Term& t = j.terms[i];
    const auto err = t.error_percent();
    if (!err) continue;
    ++judged;
    const double diff = std::abs(*t.estimate - t.measured);
    if (std::abs(*err) > tolerance && (t.unit != "bytes" || diff > slack)) ok[i] = false, ++off;  // counts: no slack
  }
  const int code = off > 0 ? 1 : 0;
  if (ctx.format() == "json") {
    Json doc = json_document("validate");
    doc["log"] = {{"file", log.name}, {"kind", io::to_string(log.kind)}};
    doc["model"] = j.model;
    doc["quant"] = j.quant;
    doc["workload"] = j.workload;
    Json terms = Json::array();
    for (std::size_t i = 0; i < j.terms.size(); ++i) {
      const Term& t = j.terms[i];
      Json tj;
      tj["term"] = t.name.substr(t.name.find_first_not_of(' '));  // indented rows are parts of the row above
      tj["unit"] = t.unit;
      tj["measured"] = t.unit == "bytes" ? Json(std::llround(t.measured)) : Json(t.measured);
      tj["estimate"] = t.estimate ? (t.unit == "bytes" ? Json(std::llround(*t.estimate)) : Json(*t.estimate)) : Json(nullptr);
      const auto err = t.error_percent();
      tj["error_percent"] = err ? Json(std::round(*err * 100) / 100) : Json(nullptr);
      tj["within_tolerance"] = err ? Json(bool(ok[i])) : Json(nullptr);
      tj["line"] = t.line;
      if (!t.note.empty()) tj["note"] = t.note;
      terms.push_back(tj);
    }
    doc["terms"] = terms;
    doc["tolerance_percent"] = tolerance;
    doc["slack_bytes"] = std::llround(slack);
    doc["terms_judged"] = judged;
    doc["terms_off"] = off;
    doc["ok"] = off == 0;
    doc["inferred"] = j.inferred;
    doc["assumptions"] = j.assumptions;
    ctx.io.out << dump(doc);
    return code;
  }
  Style style{ctx.color() && ctx.format() == "table"};
  Table t;
  t.header = {"term", "measured", "estimate", "error", "line", "note"};
  t.right = {false, true, true, true, true, false};
  for (std::size_t i = 0; i < j.terms.size(); ++i) {
    const Term& x = j.terms[i];
    const auto err = x.error_percent();
    std::string e = err ? fmt::format("{:+.1f} %", *err) : "-";
    if (err && !ok[i]) e = style.red(e + " !");
    t.rows.push_back({x.name, value_str(x, x.measured), x.estimate ? value_str(x, *x.estimate) : "-", e,
                      x.line > 0 ? std::to_string(x.line) : "", x.note});
  }
  if (ctx.format() == "csv") {
    ctx.io.out << t.csv();
    return code;
  }
  std::string outp = fmt::format("{} ({} log) vs {}\n\n", log.name, io::to_string(log.kind), j.headline);
  outp += t.render(ctx.format()) + "\n";
  outp += fmt::format("result: {} ({} of {} terms within ±{:g} %)\n", off == 0 ? style.green("OK") : style.red("OFF"), judged - off, judged, tolerance);
  outp += "\ninferred from the log:\n";
  for (const std::string& s : j.inferred) outp += "  - " + s + "\n";
  outp += assumptions_text(j.assumptions);
  ctx.io.out << outp;
  return code;
}

}  // namespace

void setup_validate(CLI::App& app, Context& ctx, int& exit_code) {
  auto opt = std::make_shared<ValidateOptions>();
  CLI::App* sub = app.add_subcommand("validate", "compare a llama.cpp log, vLLM start-up log or `ollama ps` output with vramfit's estimate (exit 0 within --tolerance, 1 off)");
  sub->add_option("log", opt->log, "log file: llama.cpp stderr, vLLM start-up log, or `ollama ps` output ('-' = standard input)")->required();
  sub->add_option("--model", opt->model, "model id, Ollama name or FILE.gguf (default: inferred from the log's shape)");
  sub->add_option("-q,--quant", opt->quant, "quantization (default: the log's file type)");
  sub->add_option("-d,--device", opt->device, "vLLM: the GPU, when the log does not print its total memory (vLLM V1)");
  sub->add_option("-c,--context", opt->context, "context tokens per sequence, when the log does not print n_ctx");
  sub->add_option("--tolerance", opt->tolerance, "largest error allowed per term, in percent (default 5)");
  sub->add_option("--slack", opt->slack, "differences below this size never count as off (default 32MiB)");
  sub->callback([&ctx, &exit_code, opt] { exit_code = run_validate(ctx, *opt); });
}

}  // namespace vramfit::cli
