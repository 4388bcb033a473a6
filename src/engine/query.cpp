#include "engine/query.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "base/suggest.hpp"
#include "engine/speed.hpp"
#include "formats/parse.hpp"

namespace vramfit::engine {

using io::InputError;

namespace {

const TensorType& kv_type_of(const io::Catalog& cat, const std::string& id) {
  if (std::find(cat.kv_types.begin(), cat.kv_types.end(), id) == cat.kv_types.end())
    throw InputError("unknown KV cache type '" + id + "'" + io::did_you_mean(id, cat.kv_types) +
                     " (KV types: f16, bf16, f32, q8_0, q5_1, q5_0, q4_1, q4_0, iq4_nl, fp8)");
  for (const io::CatalogType& t : cat.types)
    if (t.type.id == id) return t.type;
  throw InputError("KV cache type '" + id + "' is not defined in quants.yaml");
}

std::string on_off(bool b) { return b ? "on" : "off"; }

// The mix of a catalog model when -q is not given. A GGUF runtime (no default_quant of its own)
// takes the model's default_quant, the format of the release people download (gpt-oss: MXFP4_MOE),
// else Q4_K_M. A runtime that loads checkpoints (a safetensors default such as hf-bf16) takes the
// published checkpoint's format, native_format, where quants.yaml has it as a safetensors mix (gpt-oss:
// mxfp4, DeepSeek-V3: fp8-block). `why` says where a choice other than the runtime's came from.
std::string default_mix(const io::Catalog& cat, const io::CatalogModel& cm, const RuntimeProfile& rt, std::string& why) {
  if (rt.default_quant.empty()) {
    if (cm.default_quant.empty()) return kDefaultQuant;
    why = "no -q: " + cm.default_quant + ", the format " + cm.spec.id + " is released in as GGUF (catalog default_quant)";
    return cm.default_quant;
  }
  const io::CatalogMix* runtime_mix = nullptr;
  for (const io::CatalogMix& x : cat.mixes)
    if (x.mix.id == rt.default_quant) runtime_mix = &x;
  if (runtime_mix == nullptr || runtime_mix->mix.format != "safetensors") return rt.default_quant;
  std::string native = io::to_lower(cm.spec.native_format);
  if (native == "f16" || native == "f32") native = "fp" + native.substr(1);  // the catalog writes both spellings
  for (const std::string& id : {native, "hf-" + native})
    for (const io::CatalogMix& x : cat.mixes)
      if (x.mix.format == "safetensors" && io::to_lower(x.mix.id) == id) {
        if (x.mix.id != rt.default_quant)
          why = "no -q: " + x.mix.id + ", the format of " + cm.spec.id + "'s published checkpoint (catalog native_format)";
        return x.mix.id;
      }
  return rt.default_quant;
}

}  // namespace

bool names_model_file(const io::Catalog& cat, const std::string& arg) {
  const std::string lower = io::to_lower(arg);
  if (lower.find("://") != std::string::npos) return false;  // a URL: remote_model.hpp
  for (const char* ext : {".gguf", ".json", ".safetensors"})
    if (lower.size() > std::strlen(ext) && lower.compare(lower.size() - std::strlen(ext), std::string::npos, ext) == 0) return true;
  // An existing path, unless it is a bare catalog id that happens to name a directory here.
  std::error_code ec;
  return std::filesystem::exists(arg, ec) && (cat.find_model(arg) == nullptr || arg.find('/') != std::string::npos);
}

// A catalog entry marked `estimable: false` (DeepSeek-V4-Flash) has facts but no model vramfit can size:
// every question about it ends here, with the reason, rather than with a guess.
static void refuse_not_estimable(const io::CatalogModel& cm) {
  if (!cm.not_estimable.empty())
    throw InputError(cm.spec.id + " is not estimable: " + cm.not_estimable + " ('vramfit show " + cm.spec.id + "' lists its facts)");
}

bool runtime_cannot_run(const ModelSpec& m, const RuntimeProfile& rt) { return rt.id == "llama.cpp" && m.has_cross_layers(); }

Query resolve_query(Session& ctx, const std::string& model_id, const WorkloadRequest& opt) {
  const io::Catalog& cat = ctx.catalog();
  Query q;
  std::string model_note;
  q.runtime = &cat.runtime(opt.runtime);
  // The runtime's usual weight format when -q is not given (vLLM and transformers load bf16 checkpoints).
  const std::string default_quant = q.runtime->default_quant.empty() ? std::string(kDefaultQuant) : q.runtime->default_quant;
  // A local file or directory of that spelling wins; then the catalog (ids, aliases, the Ollama names
  // of data/ollama.yaml: offline and instant); then a remote reference (formats/remote_model.hpp).
  const Session::LoadedFile* loaded = nullptr;
  bool remote_gguf = false;  // -q picked the file among a repository's GGUFs: it is not a re-estimate
  if (names_model_file(cat, model_id)) {
    loaded = &ctx.model_file(model_id, opt.mmproj);
  } else {
    // NAME:TAG is an Ollama reference first (its tag fixes the quantization, e.g. gpt-oss:20b is
    // MXFP4); a bare name is a catalog id or alias first, then an Ollama name (llama3.1 = latest).
    const bool tagged = model_id.find(':') != std::string::npos;
    const std::optional<io::RemoteRef> ref = io::parse_remote_ref(model_id);
    std::optional<io::OllamaMatch> ollama;
    try {
      ollama = tagged || cat.find_model(model_id) == nullptr ? cat.resolve_ollama(model_id) : std::nullopt;
    } catch (const InputError& catalog_error) {
      // A name data/ollama.yaml knows with a tag it does not: the registry may have the tag; if it
      // has not either (or the question is offline), the catalog's message lists the tags it knows.
      if (!ref || ref->kind != io::RemoteRef::Kind::ollama || ctx.remote_options().offline) throw;
      try {
        loaded = &ctx.remote_model(*ref, opt.quant, opt.mmproj);
      } catch (const io::RemoteNotFound&) {
        throw catalog_error;
      }
    }
    if (loaded != nullptr) {
    } else if (ollama) {
      if (!opt.mmproj.empty()) throw InputError("--mmproj goes with a GGUF model file, not a catalog id (catalog VLMs include their vision encoder)");
      q.model = &cat.model(ollama->model);
      refuse_not_estimable(*q.model);
      const bool tag_names_quant = std::any_of(cat.ollama_quants.begin(), cat.ollama_quants.end(), [&](const io::OllamaQuantTag& t) {
        const std::string tail = "-" + io::to_lower(t.suffix);
        const std::string nt = io::to_lower(ollama->name_tag);
        return nt.size() > tail.size() && nt.compare(nt.size() - tail.size(), std::string::npos, tail) == 0;
      });
      if (!opt.quant.empty() && tag_names_quant && !iequals(opt.quant, ollama->mix))
        throw InputError("ollama " + ollama->name_tag + " is " + ollama->mix + " already: drop -q " + opt.quant +
                         " or name a tag without a quantization");
      q.mix = &cat.mix(opt.quant.empty() ? ollama->mix : opt.quant);
      model_note = opt.quant.empty() ? ollama->explanation
                                     : ollama->explanation + "; -q " + q.mix->mix.id + " replaces the tag's quantization";
    } else if (cat.find_model(model_id) != nullptr || !ref) {
      if (!opt.mmproj.empty()) throw InputError("--mmproj goes with a GGUF model file, not a catalog id (catalog VLMs include their vision encoder)");
      q.model = &cat.model(model_id);  // an unknown id: the error with the nearest catalog id
      refuse_not_estimable(*q.model);
      q.mix = &cat.mix(opt.quant.empty() ? default_mix(cat, *q.model, *q.runtime, model_note) : opt.quant);
    } else {
      loaded = &ctx.remote_model(*ref, opt.quant, opt.mmproj);
      remote_gguf = loaded->file.format == "gguf" && ref->kind != io::RemoteRef::Kind::gguf_url;
    }
  }
  if (loaded != nullptr) {
    const Session::LoadedFile& lf = *loaded;
    const std::string& from = lf.file.path;
    q.file = &lf.file;
    q.model = &lf.file.model;
    if (!opt.quant.empty() && !remote_gguf) {
      q.mix = &cat.mix(opt.quant);
      model_note = fmt::format("model read from {}; weights re-estimated as if it were stored as {} (-q)", from, q.mix->mix.id);
    } else if (!lf.file.tensors.empty()) {
      q.mix = &lf.stored;
      q.file_weights = true;
      model_note = fmt::format("model read from {}: weights are the bytes of its {} tensors, {}", from,
                               lf.file.tensors.size(), lf.file.stored_as);
    } else {
      q.mix = &cat.mix(lf.file.mix_id.empty() ? default_quant : lf.file.mix_id);
      model_note = fmt::format("model read from {} (no tensor list): weights {} by rule", from, q.mix->mix.id);
    }
  }
  Workload& w = q.workload;
  w = default_workload(*q.runtime);
  const ModelSpec& m = q.model->spec;
  // Context when -c is not given: the runtime's default (vLLM: the model's maximum), else 4096.
  const std::int64_t rt_context = q.runtime->default_context;
  const std::int64_t default_context = rt_context < 0 ? m.max_context : std::min(rt_context > 0 ? rt_context : kDefaultContext, m.max_context);
  w.context = opt.context.empty() ? default_context : io::parse_tokens(opt.context, "context");
  w.parallel = opt.parallel.empty() ? 1 : io::parse_count(opt.parallel, "--parallel", 1, 65536);
  if (!opt.ubatch.empty()) w.ubatch = io::parse_count(opt.ubatch, "--ubatch", 1, 1 << 20);
  if (w.context > (std::int64_t{1} << 31)) throw InputError("context " + opt.context + " is absurdly large (limit 2^31 tokens)");
  if (opt.no_flash_attention) w.flash_attention = false;
  w.include_vision = !opt.text_only;
  if (!opt.images.empty()) w.images = io::parse_count(opt.images, "--images", 0, 1024);
  if (!opt.kv_type.empty()) {
    const auto slash = opt.kv_type.find('/');
    w.kv_type_k = opt.kv_type.substr(0, slash);
    w.kv_type_v = slash == std::string::npos ? w.kv_type_k : opt.kv_type.substr(slash + 1);
  }
  const TensorType& vt = kv_type_of(cat, w.kv_type_v);
  kv_type_of(cat, w.kv_type_k);
  if (vt.quantized && !w.flash_attention)
    throw InputError("--kv-type " + w.kv_type_v + " for V needs flash attention; drop --no-flash-attn (llama.cpp refuses a quantized V cache without it)");
  if (!opt.prompt.empty()) q.prompt = prompt_tokens(opt.prompt, w);
  q.assumptions = workload_assumptions(q);
  if (!model_note.empty()) q.assumptions.insert(q.assumptions.begin(), model_note);
  if (!q.runtime->notes.empty()) q.assumptions.push_back("runtime " + q.runtime->id + ": " + q.runtime->notes);
  if (q.file != nullptr)
    for (const std::string& n : q.file->notes) q.assumptions.push_back(n);
  return q;
}

std::vector<std::string> workload_assumptions(const Query& q) {
  const Workload& w = q.workload;
  const ModelSpec& m = q.model->spec;
  std::vector<std::string> a;
  const RuntimeProfile& rt = *q.runtime;
  if (rt.kind == RuntimeKind::llamacpp)
    a.push_back(fmt::format("runtime {}: n_ubatch {}, flash attention {}, KV cache K {} / V {}, cache padded to {} cells",
                            rt.id, w.ubatch, on_off(w.flash_attention), w.kv_type_k, w.kv_type_v, w.kv_pad));
  else if (rt.kind == RuntimeKind::direct)
    a.push_back(fmt::format("runtime {} ({}): KV cache {} growing in steps of {} token{}, token embeddings on the GPU",
                            rt.id, rt.name, w.kv_type_k, w.kv_pad, w.kv_pad == 1 ? "" : "s"));
  else
    a.push_back(fmt::format("runtime {} ({}): KV cache {} in blocks of {} tokens from a memory pool (docs/runtimes.md)",
                            rt.id, rt.name, w.kv_type_k, rt.pool.block_tokens));
  if (w.parallel > 1 && rt.kind != RuntimeKind::llamacpp)
    a.push_back(fmt::format("{} sequences of {} tokens each", w.parallel, w.context));
  else if (w.parallel > 1)
    a.push_back(fmt::format("{} sequences of {} tokens each (llama-server -c {} -np {}): {} KV streams", w.parallel,
                            w.context, w.context * w.parallel, w.parallel, w.parallel));
  else
    a.push_back(fmt::format("one sequence of {} tokens", w.context));
  if (m.mla.has_indexer())
    a.push_back(fmt::format("DeepSeek sparse attention: every token's MLA latent is cached, plus the indexer's key ({} values per token "
                            "per layer) in the K cache type {}; the reference kernels keep that key in FP8, and a build that runs the model "
                            "with dense attention would not cache it (docs/methodology.md)",
                            m.mla.index_head_dim, w.kv_type_k));
  if (w.context > m.max_context)
    a.push_back(fmt::format("warning: context {} exceeds the model's maximum {} (quality past it is not guaranteed)",
                            w.context, m.max_context));
  if (q.file_weights)
    ;  // the model note says where the weights come from
  else if (q.mix->mix.format == "gguf")
    a.push_back(fmt::format("weights {}: per-tensor types from llama.cpp's quantization rules (llama-quant.cpp){}", q.mix->mix.id,
                            m.expert_format.empty() || !m.moe.present() || iequals(q.mix->mix.experts, m.expert_format)
                                ? std::string()
                                : "; the routed experts stay " + m.expert_format + " as released (expert_format)"));
  else
    a.push_back(fmt::format("weights {}: {}", q.mix->mix.id, q.mix->mix.name));
  // Gemma 3n / Gemma 4: where the per-layer embeddings live, which layers cache nothing, what adds weights only.
  if (m.kv_shared_layers > 0) {
    const std::int64_t from = m.layers - m.kv_shared_layers;
    a.push_back(fmt::format("KV sharing: the last {} of {} layers reuse the KV cache of layers {} (sliding) and {} (global), so {} "
                            "layers cache (llama.cpp create_memory, gemma3n / gemma4)",
                            m.kv_shared_layers, m.layers, from - 2, from - 1, from));
  }
  if (m.per_layer.embed_dim > 0)
    a.push_back(fmt::format("per-layer embeddings ({} x {} x {} values) are weights kept with token_embd: {}", m.vocab, m.layers,
                            m.per_layer.embed_dim,
                            rt.embeddings_on_host ? "in host RAM (llama.cpp reads them by row, LLM_TENSOR_LAYER_INPUT)" : "on the GPU"));
  if (m.per_layer.altup_inputs > 0 || m.per_layer.laurel_rank > 0)
    a.push_back(fmt::format("AltUp ({} streams) and LAuReL (rank {}) add weights only, kept 16-bit by llama.cpp's quantizer",
                            m.per_layer.altup_inputs, m.per_layer.laurel_rank));
  if (m.full_k_eq_v)
    a.push_back("global layers have no v_proj (attention_k_eq_v); llama.cpp still caches V for them, computed from K's projection (gemma4.cpp)");
  if (q.file_weights && m.vision.present())
    a.push_back(w.include_vision ? std::string("vision projector from --mmproj included; --text-only leaves it out")
                                 : std::string("vision projector not loaded (--text-only)"));
  else if (m.vision.present())
    a.push_back(w.include_vision ? fmt::format("vision encoder included ({} as mmproj); --text-only leaves it out", q.mix->mix.vision)
                                 : std::string("vision encoder not loaded (--text-only)"));
  // A vision encoder the catalog names but whose size no source gives (Kimi K2.5's MoonViT): say that
  // the weights leave it out rather than letting the text model pass for the whole.
  if (!m.vision.present() && !m.vision.encoder.empty())
    a.push_back(fmt::format("note: vision encoder {} NOT counted: its size is not sourced, so the weights are the text model's only", m.vision.encoder));
  if (m.has_cross_layers()) {
    const std::int64_t n_cross = m.count_layers([](LayerKind k) { return k == LayerKind::cross; });
    a.push_back(w.include_vision
                    ? fmt::format("cross-attention: {} of {} layers attend to image tokens; their K/V hold {} image(s) x {} tokens per "
                                  "sequence, independent of -c (--images N; transformers modeling_mllama.py)",
                                  n_cross, m.layers, w.images, m.vision.tokens_per_image)
                    : fmt::format("cross-attention: {} of {} layers cache nothing without images (--text-only)", n_cross, m.layers));
    if (rt.kind == RuntimeKind::pool && w.include_vision)
      a.push_back("the paged KV pool does not count the cross-attention K/V (the runtime's encoder-decoder cache is not modelled)");
    if (runtime_cannot_run(m, rt))
      a.push_back("note: llama.cpp has no mllama architecture (src/llama-arch.cpp) and cannot run this model; Ollama (its own "
                  "engine), vLLM and transformers do (--runtime); the figures are what the weights and caches take");
  }
  if (rt.kind == RuntimeKind::llamacpp) {
    a.push_back("compute buffer: llama.cpp worst-case graph for n_ubatch tokens, max(logits + inputs, inputs + mask + max(attention, FFN)), reference/methods.md §3.1, docs/llamacpp-oracle.md");
    a.push_back("host RAM also holds llama.cpp's output buffer (n_vocab x 4 B of logits per sequence) and, where the host runs the output head, one more hidden state for the embedding lookup; under partial offload the first GPU copies in each host weight it multiplies (op offload): its compute buffer adds the output matrix or the largest block tensor (docs/runtimes.md)");
  } else if (rt.kind == RuntimeKind::direct) {
    // The prompt the forward pass is sized for: --prompt N, else the whole context (the worst case).
    const std::int64_t prompt = q.prompt > 0 ? q.prompt : w.context;
    const std::string of_prompt = q.prompt > 0 ? fmt::format("the {}-token prompt (--prompt)", prompt)
                                               : fmt::format("a prompt of the whole context ({} tokens; --prompt N sizes it for N)", prompt);
    a.push_back(rt.prefill_chunk > 0 && rt.prefill_chunk < prompt
                    ? fmt::format("activations: one forward pass over a {}-token prefill chunk of {} per sequence (residual stream + max(Q/K/V/output, FFN gate+up)), logits of the last position", rt.prefill_chunk, of_prompt)
                    : fmt::format("activations: one forward pass over {} per sequence (residual stream + max(Q/K/V/output, FFN gate+up)), logits of the last position", of_prompt));
    const std::string mix = q.mix != nullptr ? q.mix->mix.id : "";
    if (rt.id == "transformers" && mix.rfind("awq", 0) == 0)
      a.push_back("AWQ kernel workspace: AutoAWQ's GEMM dequantizes a layer's weight to fp16 for inputs of 1024 tokens and more (the largest block matrix, one at a time); shorter passes use the fused kernel (recalled from awq/modules/linear/gemm.py, unconfirmed)");
    else if (rt.id == "transformers" && mix.rfind("gptq", 0) == 0)
      a.push_back("GPTQ kernel workspace: ExLlamaV2's temp_dq buffer, the largest block matrix in fp16, allocated once at load (recalled from the exllamav2 kernels of optimum / gptqmodel, unconfirmed)");
  }
  return a;
}

}  // namespace vramfit::engine
