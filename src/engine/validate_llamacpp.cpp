// validate, llama.cpp logs: the model inferred from the shape the log prints, the quantization from its
// file type, the context, batch, flash attention and KV types from the context lines; the devices and
// layers offloaded from the buffers; then every buffer (or the memory breakdown table) against the
// placement vramfit computes for the same settings.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/suggest.hpp"
#include "engine/devices.hpp"
#include "engine/memory.hpp"
#include "engine/text.hpp"
#include "engine/validate_judges.hpp"
#include "formats/ggml_types.hpp"
#include "formats/parse.hpp"
#include "vramfit/kv_cache.hpp"
#include "vramfit/mla_layout.hpp"
#include "vramfit/placement.hpp"

namespace vramfit::engine {
namespace {

using io::InputError;
using io::LlamaCppLog;
using io::RuntimeLog;

std::string lower_alnum(const std::string& s) {
  std::string out;
  for (const char c : s)
    if (std::isalnum(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// llama.cpp buffer names: host memory is CPU*, *_Host, AMX (the Xeon tiles); everything else is a device (CUDA0, ROCm1,
// Metal, Metal_Mapped, Vulkan0, SYCL0 ...). *_Mapped is the mmap'd part of the same device.
bool host_buffer(const std::string& dev) {
  return dev.rfind("CPU", 0) == 0 || dev.find("_Host") != std::string::npos || dev == "Host" || dev == "AMX";
}
// A repacked copy for the CPU's kernels (CPU_REPACK, or AMX on Xeons with AMX-INT8): beside the mapped
// file, not part of it.
bool repack_buffer(const std::string& dev) { return dev.find("REPACK") != std::string::npos || dev == "AMX"; }
// Apple GPUs: Metal (MTL0 in newer builds), which has no host buffer type.
bool metal_device(const std::string& dev) { return dev.rfind("Metal", 0) == 0 || dev.rfind("MTL", 0) == 0; }
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
    if (!cm.not_estimable.empty()) continue;
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

// The GGUF mix of the catalog whose weights are nearest the log's: print_info's file size where the
// excerpt has it (tensor bytes), else the sum of the model buffers (the file on a single device or a
// full offload; repacked copies left out).
struct ClosestMix {
  std::string id;
  double logged = 0, error = 0;
  const char* what = "";
};
ClosestMix closest_gguf_mix(Session& ctx, const std::string& model, const WorkloadRequest& w, const LlamaCppLog& L) {
  ClosestMix best;
  if (L.file_size_gib.known()) {
    best.logged = L.file_size_gib.value * kGiB;
    best.what = "print_info's file size";
  } else {
    for (const io::LogBuffer& b : L.buffers)
      if (b.what == "model" && !repack_buffer(b.device)) best.logged += b.mib * kMiB;
    best.what = "the logged model buffers";
  }
  if (best.logged <= 0) return best;
  double best_err = 0;
  for (const io::CatalogMix& cm : ctx.catalog().mixes) {
    if (cm.mix.format != "gguf") continue;
    WorkloadRequest t = w;
    t.quant = cm.mix.id;
    double bytes = 0;
    try {
      bytes = double(estimate(ctx, resolve_query(ctx, model, t)).weights.total.value());
    } catch (const std::exception&) {
      continue;  // a mix this model cannot take
    }
    const double err = (bytes - best.logged) / best.logged;
    if (best.id.empty() || std::abs(err) < std::abs(best_err)) best.id = cm.mix.id, best_err = err;
  }
  best.error = best_err;
  return best;
}

// What explain_llamacpp needs to know of the estimate besides the terms.
struct LogContext {
  const ModelSpec* model = nullptr;
  Workload workload;
  std::string mix;
  bool quant_closest = false;
  bool experts_on_host = false;  // placed with --cpu-moe because the log's host buffers held the experts
  std::size_t gpus = 0;
};

// The part of the KQ mask a GPU holds that explains a GPU compute buffer above the estimate (within 1 %,
// at least 1 MiB), "" if none: the f32 input copied from the host and, with flash attention, its f16 cast,
// both below the logits when the head ran (ggml-alloc.c allocates graph inputs first; vramfit's head
// phase has no mask), or the f32 copy alone beside the f16 cast its layers phase counts.
std::string mask_explains(const ValidationTerm& t, const ComputeTerms& c, bool flash_attention) {
  if (!t.estimate) return {};
  const double missing = t.measured - *t.estimate;
  auto near = [&](Bytes b) { return double(b.value()) >= kMiB && std::abs(missing - double(b.value())) <= 0.01 * double(b.value()); };
  const Bytes both = flash_attention ? c.mask_input + c.mask : c.mask_input;
  if (near(both))
    return fmt::format("the difference is the KQ mask the GPU holds, f32 as copied from the host{} ({}): on this run it sat below the logits "
                       "in the buffer (ggml-alloc.c allocates graph inputs first), where vramfit's head phase has only the logits and one "
                       "hidden state",
                       flash_attention ? " and its f16 cast for flash attention" : "", size_str(both));
  if (flash_attention && near(c.mask_input))
    return fmt::format("the difference is the f32 KQ mask copied to the GPU ({}), which the f16 cast that vramfit counts is made from",
                       size_str(c.mask_input));
  return {};
}

// A GPU buffer made over the mmap'd file (Metal's MTL0_Mapped) spans the file from the first to the
// last of its tensors, so tensors kept in host memory that lie between them (token_embd, per the
// file's tensor order) are inside it too. Named when the GPU line equals every tensor of the file, the
// estimates of GPU and host together, within 0.1 %: then the host's are counted in both lines.
std::string mapped_span(const ValidationTerm& gpu, const std::vector<ValidationTerm>& terms, const LlamaCppLog& L) {
  const auto buffer = std::find_if(L.buffers.begin(), L.buffers.end(), [](const io::LogBuffer& b) {
    return b.what == "model" && b.device.find("_Mapped") != std::string::npos && !host_buffer(b.device);
  });
  const auto host = std::find_if(terms.begin(), terms.end(), [](const ValidationTerm& t) { return t.name == "weights, host"; });
  if (buffer == L.buffers.end() || host == terms.end() || !gpu.estimate || !host->estimate || *host->estimate <= 0) return {};
  const double all = *gpu.estimate + *host->estimate;
  if (std::abs(gpu.measured / all - 1.0) > 0.001) return {};
  return fmt::format("the {} buffer (line {}) maps the file from the first to the last of its tensors, and the {} kept in host memory lie "
                     "between them: it holds every tensor's bytes, {}, the host's counted in both lines",
                     buffer->device, buffer->line, size_str(Bytes(static_cast<std::int64_t>(*host->estimate))),
                     size_str(Bytes(static_cast<std::int64_t>(all))));
}

// Host weights that are the token embeddings alone (every block and the head on GPUs: llama.cpp keeps
// token_embd in host memory) at one of the ggml types a GGUF file can hold, within the 0.005 MiB the
// line prints: the file stores them in that type, not the one the catalog mix gives them. "" when no
// type gives that size.
std::string host_embeddings_type(const ValidationTerm& host, const ModelSpec& m) {
  for (const io::gguf::GgmlType& t : io::gguf::kGgmlTypes) {
    if (m.hidden % t.block_size != 0) continue;
    const double b = double(m.vocab) * double(m.hidden / t.block_size) * double(t.type_size);
    if (std::abs(b - host.measured) <= 0.005 * kMiB)
      return fmt::format("the host holds the token embeddings (token_embd, {} x {}), and {} is exactly their size at {}: the file's type "
                         "for them, not the catalog mix's",
                         m.vocab, m.hidden, size_str(Bytes(static_cast<std::int64_t>(b))), t.name);
  }
  return {};
}

// A judged term more than 3 % off gets a one-line reason in its note ("off: ..."): a figure worked out
// from the log where one explains it (rows of logits, the cache with full-size sliding layers, the file
// size), else what vramfit cannot see in the log, else that the term is not traced.
void explain_llamacpp(std::vector<ValidationTerm>& terms, const LlamaCppLog& L, const LogContext& c, const MemoryEstimate& e) {
  const ModelSpec& m = *c.model;
  std::optional<double> file_err;
  for (const ValidationTerm& t : terms)
    if (t.name == "file size (print_info)") file_err = t.error_percent();
  const std::string recipe =
      file_err && std::abs(*file_err) > 3.0
          ? fmt::format("the catalog's {} is {:+.1f} % off the file size print_info gives: the file's per-tensor types are not that recipe{}", c.mix,
                        *file_err, c.quant_closest ? fmt::format(" ({} is only the closest catalog mix)", c.mix) : "")
          : std::string();
  const std::string graph =
      L.pipeline_parallel ? "pipeline parallelism: llama.cpp keeps 4 copies of the compute buffers (not modelled)"
      : L.old_names ? "a build with llm_load_* / llama_new_context_with_model lines (ik_llama.cpp or mainline before 2025): its graph "
                      "(MLA, fused MoE and attention options) is not today's mainline graph, which vramfit models"
      : c.experts_on_host ? "experts in host memory: llama.cpp splits the graph between GPU and host by the -ot pattern, which the log does not show"
      : fmt::format("not traced: vramfit's graph is mainline's at n_ubatch {} for this placement (runtime.hpp, placement.hpp)", c.workload.ubatch);
  // A CPU compute buffer the size of the head's graph beside a GPU: the head ran on the CPU.
  const io::LogBuffer* head_on_cpu = nullptr;
  for (const io::LogBuffer& b : L.buffers)
    if (c.gpus > 0 && b.what == "compute" && b.device == "CPU" && std::abs(b.mib * kMiB / double(e.compute.head().value()) - 1.0) <= 0.01)
      head_on_cpu = &b;
  for (ValidationTerm& t : terms) {
    const auto err = t.error_percent();
    if (!err || std::abs(*err) <= 3.0) continue;
    const std::string name = t.name.substr(t.name.find_first_not_of(' '));
    std::string why;
    if (name == "output buffer") {
      const double row = double(m.vocab) * 4.0;
      why = fmt::format("the log's buffer holds {:.1f} rows of logits (n_vocab {} x 4 B); vramfit counts one a sequence", t.measured / row, m.vocab);
    } else if (name == "of it on GPUs") {
      why = "follows the KV cache above";
    } else if (name == "KV cache") {
      if (m.count_layers([](LayerKind k) { return k == LayerKind::sliding || k == LayerKind::chunked; }) > 0 && !c.workload.swa_full) {
        Workload full = c.workload;
        full.swa_full = true;
        const double est = double(kv_cache(m, full, *e.kv_k, *e.kv_v).total.value());
        why = fmt::format("with its sliding-window layers at full context (--swa-full; ik_llama.cpp has no window cache) the cache is {} ({:+.1f} % against the log's)",
                          size_str(Bytes(static_cast<std::int64_t>(est))), (est - t.measured) / t.measured * 100.0);
      } else {
        why = "not traced: vramfit's cache holds the layout the log's K and V types give";
      }
    } else if (std::string span = name == "weights, GPU" ? mapped_span(t, terms, L) : std::string(); !span.empty()) {
      why = std::move(span);
    } else if (std::string embd = name == "weights, host" && c.gpus > 0 ? host_embeddings_type(t, m) : std::string();
               !embd.empty()) {
      why = std::move(embd);
    } else if (name.rfind("weights", 0) == 0 && name != "weights, " + repack_buffers(e.repack)) {
      why = !recipe.empty() ? recipe
            : c.experts_on_host ? "which tensors the run kept in host memory (-ot, --n-cpu-moe) is not in the log; vramfit puts every routed expert there"
            : c.gpus > 1 ? "the split between GPUs follows free memory, which the log does not print"
                         : "not traced";
    } else if (name == "file size (print_info)") {
      why = fmt::format("the file's per-tensor types are not the catalog's {} recipe{}", c.mix,
                        c.quant_closest ? fmt::format(" ({} is only the closest catalog mix)", c.mix) : "");
    } else if (name.rfind("compute", 0) == 0 && head_on_cpu != nullptr) {
      why = fmt::format("the {} compute buffer (line {}) is the output head's graph (logits + inputs, {}): this run computed the head on the "
                        "CPU, which vramfit's placement does not predict", head_on_cpu->device, head_on_cpu->line, size_str(e.compute.head()));
    } else if (std::string mask = name.rfind("compute", 0) == 0 && name != "compute, host" && c.gpus > 0
                                      ? mask_explains(t, e.compute, c.workload.flash_attention)
                                      : std::string();
               !mask.empty()) {
      why = std::move(mask);
    } else if (name.rfind("compute", 0) == 0 && !L.flash_attn.known() && !L.pipeline_parallel && !L.old_names) {
      why = "flash attention is not in the log and was taken as on (llama.cpp's -fa auto): without it the mask and attention buffers differ";
    } else if (name.rfind("compute", 0) == 0) {
      why = graph;
    } else if (name == "total") {
      std::vector<std::string> off;
      for (const ValidationTerm& u : terms)
        if (&u != &t && u.name.rfind("  ", 0) != 0 && u.error_percent() && std::abs(*u.error_percent()) > 3.0 && u.name != "file size (print_info)")
          off.push_back(u.name);
      why = fmt::format("through {}", fmt::join(off, ", "));
    } else {
      why = "not traced";
    }
    t.note = t.note.empty() ? "off: " + why : t.note + "; off: " + why;
  }
}

}  // namespace

// --- llama.cpp --------------------------------------------------------------------------------

Judged judge_llamacpp(Session& ctx, const RuntimeLog& log, const ValidateRequest& opt) {
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
  WorkloadRequest w;
  w.quant = opt.quant;
  bool quant_closest = false;  // the quantization is the closest catalog mix, not the file's own type
  if (w.quant.empty() && !names_model_file(cat, model_arg)) {
    const std::string mix = io::mix_from_file_type(L.file_type.value);
    if (!mix.empty() && std::any_of(cat.mixes.begin(), cat.mixes.end(), [&](const io::CatalogMix& m) { return m.mix.id == mix; })) {
      w.quant = mix;
      j.inferred.push_back(fmt::format("quantization {} from file type '{}'{}", mix, L.file_type.value, at_line(L.file_type.line)));
    } else {
      // Pasted excerpts often lack the file type line, and forks print types vramfit has no mix for
      // (ik_llama.cpp's IQ4_K, IQ2_K_R4): the weights the log does print pick the closest GGUF mix.
      const std::string why = L.file_type.known() ? "file type '" + L.file_type.value + "' is no quantization vramfit knows"
                                                  : std::string("the log names no file type");
      const ClosestMix c = closest_gguf_mix(ctx, model_arg, w, L);
      quant_closest = true;
      if (c.id.empty()) throw InputError(fmt::format("{}:{}: {}; pass -q QUANT", log.name, std::max(L.file_type.line, 1), why));
      w.quant = c.id;
      j.inferred.push_back(fmt::format("quantization {}: {}{}; {} is the GGUF mix whose weights come closest to {} of {} ({:+.1f} %): pass -q to choose",
                                       c.id, why, at_line(L.file_type.line), c.id, c.what, size_str(Bytes(static_cast<std::int64_t>(c.logged))),
                                       100.0 * c.error));
    }
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
  MemoryEstimate e = estimate(ctx, q);
  const ModelSpec& m = q.model->spec;
  // An MLA model's cache as the log's build laid it out (vramfit/mla_layout.hpp): a V beside the latent
  // (mainline before PR #19067) or per-head K and V (ik_llama.cpp -mla 0), told by the K : V sizes it prints.
  if (m.count_layers([](LayerKind k) { return k == LayerKind::mla; }) > 0 && L.kv_k_mib.known() && L.kv_v_mib.known() &&
      L.kv_v_mib.value > 0) {
    const MlaLayout layout = mla_layout_of(m, *e.kv_k, *e.kv_v, L.kv_k_mib.value, L.kv_v_mib.value);
    e.kv = with_mla_layout(e.kv, m, layout, *e.kv_k, *e.kv_v);
    const MlaRow row = mla_layout_row(m, layout, *e.kv_k, *e.kv_v);
    j.inferred.push_back(fmt::format("MLA cache: {} (K {:.2f} MiB : V {:.2f} MiB{}), {} + {} bytes a token and layer{}", 
                                     layout == MlaLayout::full ? "per-head K and V (ik_llama.cpp -mla 0, GGUFs without the MLA keys)"
                                                               : "the latent as K and its rank part as V (mainline before PR #19067)",
                                     L.kv_k_mib.value, L.kv_v_mib.value, at_line(L.kv_v_mib.line), row.k, row.v,
                                     ", where today's mainline caches the latent alone"));
  }

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
                   std::none_of(gpus.begin(), gpus.end(), metal_device);
  req.host.label = "host";
  double host_model = 0, gpu_model = 0, repack = 0;
  int repack_line = 0;
  for (const io::LogBuffer& b : L.buffers) {
    if (b.what != "model") continue;
    if (repack_buffer(b.device)) repack += b.mib, repack_line = repack_line ? repack_line : b.line;
    else (host_buffer(b.device) ? host_model : gpu_model) += b.mib;
  }
  // CPU_REPACK (vramfit/repack.hpp): the CPU of --cpu-features, else the log's system_info line (a build
  // without REPACK = 1 has no repack buffer), else an x86 CPU with AVX2. The host's weights are repacked
  // unless a GPU backend with a host buffer type (CUDA, ROCm, Vulkan, SYCL) runs beside it, which the log
  // overrules when it shows a repack buffer anyway (--no-host).
  std::string cpu_source;
  CpuFeatures cpu;
  if (!opt.cpu_features.empty() || !L.cpu_features.known()) {
    cpu = host_cpu_features({}, opt.cpu_features, "", cpu_source);
  } else {
    cpu = L.cpu_repack_built ? parse_cpu_features(L.cpu_features.value) : CpuFeatures{};
    cpu_source = fmt::format("the log's system_info{}{}", at_line(L.cpu_features.line), L.cpu_repack_built ? "" : ", a build without REPACK");
  }
  e.repack = query_repack(ctx, q, cpu);
  req.cpu_repack = repack_line > 0 || std::all_of(gpus.begin(), gpus.end(), metal_device);
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
  const double file_bytes = double(e.weights.total.value());  // the file holds a tied matrix once
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
      if (repack_buffer(b.device)) continue;
      s += b.mib * kMiB;
      if (line == 0) line = b.line;
    }
    return std::pair{s, line};
  };
  auto add = [&](const std::string& name, std::pair<double, int> meas, std::optional<double> est, std::string note = {}) {
    if (meas.second == 0) return;
    j.terms.push_back(ValidationTerm{name, meas.first, est, "bytes", meas.second, std::move(note)});
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
    if (repack_line > 0)
      add("weights, " + repack_buffers(e.repack), {repack * kMiB, repack_line}, double(p.host.repack.value()),
          fmt::format("repacked copy for the CPU's matrix kernels ({}; {})", to_string(cpu), cpu_source));
    else if (p.host.repack.value() > 0)
      j.assumptions.push_back(fmt::format("no {} buffer in the log where vramfit expects {} on a CPU with {} ({}): a build without "
                                          "REPACK, --no-repack, or a CPU without those features (--cpu-features)",
                                          repack_buffers(e.repack), size_str(p.host.repack), to_string(cpu), cpu_source));
    // The total of what was measured, against the estimate of the same terms.
    double meas_total = 0, est_total = 0;
    int first = 0;
    for (const ValidationTerm& t : j.terms)
      if (t.estimate && t.name.rfind("  ", 0) != 0) meas_total += t.measured, est_total += *t.estimate, first = first == 0 ? t.line : std::min(first, t.line);
    j.terms.push_back(ValidationTerm{"total", meas_total, est_total, "bytes", first, "the terms above"});
  } else {
    // Only the memory breakdown table (whole MiB): model / context (KV + output) / compute per device.
    double mm = 0, mc = 0, mk = 0, hm = 0, hk = 0, hc = 0;
    int line = L.breakdown.front().line;
    for (const io::BreakdownRow& r : L.breakdown) {
      if (repack_buffer(r.device)) continue;
      if (r.total >= 0) mm += double(r.model), mk += double(r.context), mc += double(r.compute);
      else hm += double(r.model), hk += double(r.context), hc += double(r.compute);
    }
    add("weights, GPU", {mm * kMiB, gpus.empty() ? 0 : line}, est_gpu_w);
    add("weights, host", {hm * kMiB, line}, est_host_w);
    add("KV cache + output buffer", {(mk + hk) * kMiB, line}, est_kv + double(p.host.output_buffer.value()), "breakdown 'context'");
    add("compute, GPU", {mc * kMiB, gpus.empty() ? 0 : line}, est_gpu_c);
    add("compute, host", {hc * kMiB, line}, est_host_c);
    j.terms.push_back(ValidationTerm{"total", (mm + mk + mc + hm + hk + hc) * kMiB, est_gpu_w + est_host_w + est_kv + double(p.host.output_buffer.value()) + est_gpu_c + est_host_c, "bytes", line, "from the memory breakdown table"});
  }
  if (L.file_size_gib.known()) {
    j.terms.push_back(ValidationTerm{"file size (print_info)", L.file_size_gib.value * kGiB, file_bytes, "bytes", L.file_size_gib.line, "tensor bytes, 2 decimals of GiB"});
  }
  LogContext why;
  why.model = &m;
  why.workload = q.workload;
  why.mix = q.mix != nullptr ? q.mix->mix.id : std::string();
  why.quant_closest = quant_closest;
  why.experts_on_host = req.cpu_moe_layers > 0;
  why.gpus = gpus.size();
  explain_llamacpp(j.terms, L, why, e);
  j.query = q;
  j.assumptions.insert(j.assumptions.end(), q.assumptions.begin(), q.assumptions.end());
  return j;
}

}  // namespace vramfit::engine
