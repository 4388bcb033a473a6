#include "cli/common.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "base/suggest.hpp"
#include "cli/planning.hpp"
#include "formats/hf_config.hpp"
#include "formats/parse.hpp"

namespace vramfit::cli {

using io::InputError;

const io::Catalog& Context::catalog(io::CatalogParts parts) {
  if (catalog_ == nullptr) {
    const std::vector<std::string> dirs = io::catalog_dirs(io.catalog_path, global.catalog_dirs);
    io::Diagnostics diag;
    if (dirs.empty()) {
      // The built-in catalog is the same for every query of a process: built once, not per query
      // (the fuzzer, the tests and the benchmarks run many queries in one process).
      static const io::Catalog builtin = io::load_catalog({}, diag, io::CatalogParts{});
      catalog_ = &builtin;
    } else {
      owned_catalog_ = std::make_unique<io::Catalog>(io::load_catalog(dirs, diag, parts));
      catalog_ = owned_catalog_.get();
    }
  }
  return *catalog_;
}

const TypeTable& Context::types() {
  if (!types_) types_ = std::make_unique<TypeTable>(catalog().type_table());
  return *types_;
}

namespace {

// A Hugging Face directory or config.json as a model file: with safetensors, the tensors' bytes;
// without, the quantization_config's mix applied by rule.
io::ModelFile hf_model_file(const std::string& path) {
  io::hf::HfModel hm = io::hf::read_hf_model(path);
  io::ModelFile f;
  f.path = path;
  f.format = hm.tensors.empty() ? "config.json" : "safetensors";
  f.model.spec = std::move(hm.spec);
  ModelSpec& m = f.model.spec;
  const std::filesystem::path p(path);
  // The directory's name for DIR or DIR/config.json, the file's stem for any other NAME.json.
  const std::filesystem::path abs = std::filesystem::absolute(p).lexically_normal();
  if (std::filesystem::is_directory(p)) m.id = (abs.filename().empty() ? abs.parent_path() : abs).filename().string();
  else m.id = p.filename() == "config.json" ? abs.parent_path().filename().string() : p.stem().string();
  if (m.name.empty()) m.name = m.id;
  f.model.meta.source = {hm.source_path};
  f.tensors = std::move(hm.tensors);
  f.mix_id = hm.mix_id;
  f.notes = std::move(hm.notes);
  f.stored_as = f.tensors.empty() ? hm.mix_id : fmt::format("{} ({} safetensors tensors)", hm.mix_id, f.tensors.size());
  f.facts = {{"format", f.format}, {"config", hm.source_path}, {"quantization", hm.mix_id}};
  return f;
}

}  // namespace

const Context::LoadedFile& Context::model_file(const std::string& path, const std::string& mmproj) {
  for (const auto& f : files_)
    if (f->file.path == path) return *f;
  auto loaded = std::make_unique<LoadedFile>();
  std::error_code ec;
  const bool dir = std::filesystem::is_directory(path, ec);
  if (!dir && !std::filesystem::exists(path, ec)) throw InputError(path + ": no such file or directory");
  const std::string lower = io::to_lower(path);
  const bool gguf = !dir && lower.size() > 5 && lower.substr(lower.size() - 5) == ".gguf";
  if (!gguf && !mmproj.empty()) throw InputError("--mmproj goes with a GGUF model file (a Hugging Face directory carries its vision tower)");
  if (gguf) loaded->file = io::read_gguf_model(path, mmproj);
  else loaded->file = hf_model_file(path);
  io::CatalogMix& mix = loaded->stored;
  mix.mix.id = loaded->file.mix_id.empty() ? std::string("as stored") : loaded->file.mix_id;
  mix.mix.name = loaded->file.stored_as;
  mix.mix.format = loaded->file.format;
  mix.meta.source = {path};
  files_.push_back(std::move(loaded));
  return *files_.back();
}

bool Context::color() const {
  if (global.color == "always") return true;
  if (global.color == "never") return false;
  return io.out_is_tty && (io.no_color == nullptr || io.no_color[0] == '\0');
}

void WorkloadOptions::add_to(CLI::App& app, bool with_context) {
  app.add_option("-q,--quant", quant, std::string("quantization mix or weight format (default ") + kDefaultQuant + "; see 'vramfit list quants')");
  if (with_context) app.add_option("-c,--context", context, "context tokens per sequence: 8192, 32k, 128k (default 4096, capped at the model maximum)");
  app.add_option("--kv-type", kv_type, "KV cache type for K and V (f16, q8_0, q4_0 ...), or K/V as q8_0/q4_0");
  app.add_option("--parallel,-n", parallel, "concurrent sequences, each with its own context (default 1)");
  app.add_option("--ubatch", ubatch, "physical batch size n_ubatch (default from the runtime profile)");
  app.add_flag("--no-flash-attn", no_flash_attention, "flash attention off (KQ scores in the compute buffer; quantized V not allowed)");
  app.add_flag("--text-only", text_only, "do not load the vision encoder of a vision-language model");
  app.add_option("--runtime", runtime, "runtime profile (default llama.cpp)");
  app.add_option("--mmproj", mmproj, "vision projector GGUF file (mmproj) loaded with a GGUF model file");
}

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

}  // namespace

bool names_model_file(const io::Catalog& cat, const std::string& arg) {
  const std::string lower = io::to_lower(arg);
  for (const char* ext : {".gguf", ".json", ".safetensors"})
    if (lower.size() > std::strlen(ext) && lower.compare(lower.size() - std::strlen(ext), std::string::npos, ext) == 0) return true;
  // An existing path, unless it is a bare catalog id that happens to name a directory here.
  std::error_code ec;
  return std::filesystem::exists(arg, ec) && (cat.find_model(arg) == nullptr || arg.find('/') != std::string::npos);
}

Query resolve_query(Context& ctx, const std::string& model_id, const WorkloadOptions& opt) {
  const io::Catalog& cat = ctx.catalog();
  Query q;
  std::string model_note;
  q.runtime = &cat.runtime(opt.runtime);
  // The runtime's usual weight format when -q is not given (vLLM and transformers load bf16 checkpoints).
  const std::string default_quant = q.runtime->default_quant.empty() ? std::string(kDefaultQuant) : q.runtime->default_quant;
  if (names_model_file(cat, model_id)) {
    const Context::LoadedFile& lf = ctx.model_file(model_id, opt.mmproj);
    q.file = &lf.file;
    q.model = &lf.file.model;
    if (!opt.quant.empty()) {
      q.mix = &cat.mix(opt.quant);
      model_note = fmt::format("model read from {}; weights re-estimated as if it were stored as {} (-q)", model_id, q.mix->mix.id);
    } else if (!lf.file.tensors.empty()) {
      q.mix = &lf.stored;
      q.file_weights = true;
      model_note = fmt::format("model read from {}: weights are the bytes of its {} tensors, {}", model_id,
                               lf.file.tensors.size(), lf.file.stored_as);
    } else {
      q.mix = &cat.mix(lf.file.mix_id.empty() ? default_quant : lf.file.mix_id);
      model_note = fmt::format("model read from {} (no tensor list): weights {} by rule", model_id, q.mix->mix.id);
    }
  } else {
    if (!opt.mmproj.empty()) throw InputError("--mmproj goes with a GGUF model file, not a catalog id (catalog VLMs include their vision encoder)");
    // NAME:TAG is an Ollama reference first (its tag fixes the quantization, e.g. gpt-oss:20b is
    // MXFP4); a bare name is a catalog id or alias first, then an Ollama name (llama3.1 = latest).
    const bool tagged = model_id.find(':') != std::string::npos;
    const std::optional<io::OllamaMatch> ollama =
        tagged || cat.find_model(model_id) == nullptr ? cat.resolve_ollama(model_id) : std::nullopt;
    if (ollama) {
      q.model = &cat.model(ollama->model);
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
    } else {
      q.model = &cat.model(model_id);
      q.mix = &cat.mix(opt.quant.empty() ? default_quant : opt.quant);
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
  if (!opt.kv_type.empty()) {
    const auto slash = opt.kv_type.find('/');
    w.kv_type_k = opt.kv_type.substr(0, slash);
    w.kv_type_v = slash == std::string::npos ? w.kv_type_k : opt.kv_type.substr(slash + 1);
  }
  const TensorType& vt = kv_type_of(cat, w.kv_type_v);
  kv_type_of(cat, w.kv_type_k);
  if (vt.quantized && !w.flash_attention)
    throw InputError("--kv-type " + w.kv_type_v + " for V needs flash attention; drop --no-flash-attn (llama.cpp refuses a quantized V cache without it)");
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
  if (w.context > m.max_context)
    a.push_back(fmt::format("warning: context {} exceeds the model's maximum {} (quality past it is not guaranteed)",
                            w.context, m.max_context));
  if (q.file_weights)
    ;  // the model note says where the weights come from
  else if (q.mix->mix.format == "gguf")
    a.push_back(fmt::format("weights {}: per-tensor types from llama.cpp's quantization rules (llama-quant.cpp)", q.mix->mix.id));
  else
    a.push_back(fmt::format("weights {}: {}", q.mix->mix.id, q.mix->mix.name));
  if (q.file_weights && m.vision.present())
    a.push_back(w.include_vision ? std::string("vision projector from --mmproj included; --text-only leaves it out")
                                 : std::string("vision projector not loaded (--text-only)"));
  else if (m.vision.present())
    a.push_back(w.include_vision ? fmt::format("vision encoder included ({} as mmproj); --text-only leaves it out", q.mix->mix.vision)
                                 : std::string("vision encoder not loaded (--text-only)"));
  if (rt.kind == RuntimeKind::llamacpp) {
    a.push_back("compute buffer: llama.cpp worst-case graph for n_ubatch tokens, max(logits + inputs, inputs + mask + max(attention, FFN)), reference/methods.md §3.1, docs/llamacpp-oracle.md");
    a.push_back("host RAM also holds llama.cpp's output buffer (n_vocab x 4 B of logits per sequence) and, where the host runs the output head, one more hidden state for the embedding lookup; under partial offload the first GPU copies in each host weight it multiplies (op offload): its compute buffer adds the output matrix or the largest block tensor (docs/runtimes.md)");
  } else if (rt.kind == RuntimeKind::direct)
    a.push_back(rt.prefill_chunk > 0
                    ? fmt::format("activations: one forward pass over a {}-token prefill chunk per sequence (residual stream + max(Q/K/V/output, FFN gate+up)), logits of the last position", rt.prefill_chunk)
                    : std::string("activations: one forward pass over the whole prompt of each sequence (residual stream + max(Q/K/V/output, FFN gate+up)), logits of the last position"));
  return a;
}

DeviceSpec parse_device_spec(const io::Catalog& cat, const std::string& text) {
  DeviceSpec s;
  s.text = text;
  std::string base = text;
  if (cat.find_device(text) == nullptr) {
    // ID followed by xN: the last 'x', with only digits after it.
    const std::size_t x = text.rfind('x');
    if (x != std::string::npos && x > 0 && x + 1 < text.size() &&
        text.find_first_not_of("0123456789", x + 1) == std::string::npos) {
      base = text.substr(0, x);
      s.count = io::parse_count(text.substr(x + 1), "device count in " + io::quote_cut(text), 1, 1024);
    }
  }
  if (cat.find_device(base) == nullptr) {
    const auto colon = base.rfind(':');
    if (colon != std::string::npos) {
      s.memory_gib = to_gib(io::parse_size(base.substr(colon + 1), "device memory in '" + text + "'"));
      base = base.substr(0, colon);
    }
  }
  s.device = &cat.device(base);
  const Device& d = s.device->device;
  if (s.memory_gib > 0 && !d.memory_options_gib.empty()) {
    const bool listed = std::any_of(d.memory_options_gib.begin(), d.memory_options_gib.end(),
                                    [&](double o) { return std::abs(o - s.memory_gib) < 0.01; });
    if (!listed) {
      std::string opts;
      for (double o : d.memory_options_gib) opts += (opts.empty() ? "" : ", ") + fmt::format("{:g}GB", o);
      throw InputError(fmt::format("{} is not sold with {:g} GB (options: {})", d.id, s.memory_gib, opts));
    }
  }
  return s;
}

void PlacementOptions::add_to(CLI::App& app, bool for_fit) {
  app.add_option("-d,--device", devices, for_fit
      ? "device ID[:SIZE][xN], repeatable: rtx-4090, rtx-3090x2, apple-m4-max-40c:64GB, cpu-ddr5-6000-2ch (or a CPU-only host: --ram SIZE --ram-bandwidth BW)"
      : "device ID[:SIZE][xN], repeatable: rtx-4090, rtx-3090x2, apple-m4-max-40c:64GB, cpu-ddr5-6000-2ch");
  app.add_option("--reserve", reserve, "memory per GPU held by other processes or the desktop, e.g. 1.5GB");
  app.add_option("--ram", ram, "host RAM available for offloaded layers, e.g. 64GB");
  app.add_option("--ram-bandwidth", ram_bandwidth, "host memory bandwidth for offloaded layers and experts, e.g. 90GB/s");
  app.add_option("--host", host, "host memory preset for offloaded layers (see 'vramfit list devices --filter cpu')");
  app.add_option("--gpu-layers,--ngl", gpu_layers, "layers on the GPUs as llama.cpp -ngl counts them (blocks + output), or auto");
  app.add_option("--wired-limit", wired_limit, "Apple: GPU wired memory limit (iogpu.wired_limit_mb), e.g. 56GB");
  app.add_option("--split", split, "how GPUs share the model: layer (llama.cpp -sm layer, default) or tensor (vLLM tensor parallel over every GPU)");
  app.add_option("--tp", tp, "tensor parallel over N GPUs (vLLM -tp N): --device h100-sxm --tp 4 = --device h100-sxmx4 --split tensor");
  app.add_option("--link", link, "link between tensor-parallel GPUs: pcie3, pcie4, pcie5, nvlink (default: NVLink on datacenter boards that have it, else the card's PCIe)");
  app.add_flag("--cpu-moe", cpu_moe, "keep every block's routed experts in host RAM (llama.cpp --cpu-moe)");
  app.add_option("--n-cpu-moe", n_cpu_moe, "keep the routed experts of the first N blocks in host RAM (llama.cpp --n-cpu-moe N)");
}

void PlacementOptions::add_questions_to(CLI::App& app) {
  app.add_flag("--max-context", max_context, "find the longest context per sequence that fits (up to the model maximum)");
  app.add_flag("--max-parallel", max_parallel, "find the most concurrent sequences of --context tokens that fit");
  app.add_flag("--min-devices", min_devices, "find the fewest GPUs of the one --device kind that hold the model (1 to 64)");
}

namespace {

std::string link_ids(const io::Catalog& cat) {
  std::string out;
  for (const LinkProfile& l : cat.links) out += (out.empty() ? "" : ", ") + l.id;
  return out;
}

// --split tensor / --tp N: identical GPUs, the link between them, and what each GPU holds.
void resolve_tensor_parallel(const io::Catalog& cat, const Query& q, const PlacementOptions& opt, ResolvedPlacement& r) {
  const DeviceSpec* first = nullptr;
  std::int64_t n = 0;
  for (const DeviceSpec& s : r.specs) {
    if (s.device->device.is_cpu()) continue;
    if (s.device->device.kind == DeviceKind::apple)
      throw InputError("tensor parallel needs discrete GPUs: an Apple chip is one device");
    if (first == nullptr) first = &s;
    else if (s.device != first->device || s.memory_gib != first->memory_gib)
      throw InputError("tensor parallel needs identical GPUs: got " + first->text + " and " + s.text +
                       " (the default layer split takes mixed GPUs)");
    n += s.count;
  }
  if (first == nullptr) throw InputError("tensor parallel (--split tensor, --tp) needs GPUs: no GPU among the devices");
  if (opt.gpu_layers != "auto")
    throw InputError("--gpu-layers is a layer-split option: tensor parallel keeps every layer on the GPUs");
  if (opt.cpu_moe || !opt.n_cpu_moe.empty())
    throw InputError(std::string(opt.cpu_moe ? "--cpu-moe" : "--n-cpu-moe") +
                     " is a llama.cpp layer-split option: it does not combine with tensor parallel");
  const Device& d = first->device->device;
  const LinkProfile* lp = nullptr;
  if (!opt.link.empty()) {
    for (const LinkProfile& l : cat.links)
      if (io::to_lower(l.id) == io::to_lower(opt.link)) lp = &l;
    if (lp == nullptr) {
      std::vector<std::string> ids;
      for (const LinkProfile& l : cat.links) ids.push_back(l.id);
      throw InputError("unknown link '" + opt.link + "'" + io::did_you_mean(opt.link, ids) + " (links: " + link_ids(cat) + ")");
    }
  } else {
    lp = default_link(cat.links, d);
    if (lp == nullptr)
      throw InputError(fmt::format("no link known between {} GPUs (PCIe gen {}): pass --link ({})", d.id,
                                   d.pcie_gen, link_ids(cat)));
  }
  r.request.split = Parallelism::tensor;
  r.request.link = resolve_link(*lp, d);
  const ModelSpec& m = q.model->spec;
  const Link& l = r.request.link;
  std::string kv;
  if (m.count_layers([](LayerKind k) { return k == LayerKind::mla; }) > 0) kv = "the MLA latent cache whole (shared by all heads)";
  else if (m.kv_heads >= n) kv = fmt::format("{} of the {} KV heads", m.kv_heads / n, m.kv_heads);
  else kv = fmt::format("one of the {} KV heads (replicated: fewer KV heads than GPUs)", m.kv_heads);
  r.assumptions.push_back(fmt::format(
      "tensor parallel over {} x {} (vLLM -tp {}): each GPU holds 1/{} of every block, of the token embeddings and of the output head (vocab-parallel), {}, the compute buffer with attention/FFN scratch / {} and the runtime overhead; nothing in host RAM, no offload",
      n, d.id, n, n, kv, n));
  const Seconds one = allreduce_time(l, n, Bytes(m.hidden * kActivationBytes));
  r.assumptions.push_back(fmt::format(
      "link {}: {:g} GB/s per direction, {:g} us per all-reduce ({}); {} all-reduces per token (after attention and FFN, Megatron-LM) of {} x 2 B: {:.2f} us each, {:.3f} ms per decoded token (reference/methods.md §6.2)",
      l.name, l.bandwidth.value() / 1e9, l.latency.value() * 1e6, opt.link.empty() ? "detected; --link to change" : "--link", allreduces_per_token(m),
      m.hidden, one.value() * 1e6, tp_comm_time(m, l, n, 1).value() * 1e3));
}

}  // namespace

ResolvedPlacement resolve_placement(Context& ctx, const Query& q, const PlacementOptions& given) {
  // --device local: the devices `vramfit detect` finds (src/cli/detect.cpp), as ordinary options.
  std::vector<std::string> local_notes;
  const PlacementOptions opt = names_local(given) ? expand_local(ctx, given, &local_notes) : given;
  const io::Catalog& cat = ctx.catalog();
  ResolvedPlacement r;
  r.assumptions = local_notes;
  r.request.embeddings_on_host = q.runtime->embeddings_on_host;
  const Bytes reserve = opt.reserve.empty() ? Bytes{0} : io::parse_size(opt.reserve, "--reserve", true);
  const DeviceSpec* host_spec = nullptr;
  for (const std::string& text : opt.devices) r.specs.push_back(parse_device_spec(cat, text));
  std::int64_t total_gpus = 0;
  for (const DeviceSpec& s : r.specs) {
    if (s.device->device.is_cpu()) {
      if (host_spec != nullptr) throw InputError("more than one CPU memory preset among the devices");
      if (s.count != 1) throw InputError("'" + s.text + "': a CPU memory preset cannot be multiplied");
      host_spec = &s;
    } else {
      total_gpus += s.count;
    }
  }
  if (!opt.split.empty() && opt.split != "layer" && opt.split != "tensor")
    throw InputError("unknown --split '" + opt.split + "'" + io::did_you_mean(opt.split, {"layer", "tensor"}) + " (layer, tensor)");
  if (!opt.tp.empty()) {
    if (opt.split == "layer") throw InputError("--tp N is tensor parallel: it does not combine with --split layer");
    const std::int64_t n = io::parse_count(opt.tp, "--tp", 1, 1024);
    std::vector<DeviceSpec*> gpu_specs;
    for (DeviceSpec& s : r.specs)
      if (!s.device->device.is_cpu()) gpu_specs.push_back(&s);
    if (gpu_specs.size() == 1 && gpu_specs.front()->count == 1) {
      // One GPU named without a count: --tp N means N of them, as vLLM -tp N on such a machine.
      gpu_specs.front()->count = n;
      total_gpus = n;
    } else if (total_gpus != n) {
      throw InputError(fmt::format("--tp {} with {} GPUs: tensor parallel spans every GPU given (name one GPU, e.g. --device {} --tp {})",
                                   n, total_gpus, gpu_specs.empty() ? std::string("rtx-4090") : gpu_specs.front()->device->device.id, n));
    }
  }
  if (total_gpus > 1024) throw InputError("more than 1024 devices");
  DeviceSpec host_from_flag;
  if (!opt.host.empty()) {
    if (host_spec != nullptr) throw InputError("--host given twice (also as a CPU --device)");
    host_from_flag = parse_device_spec(cat, opt.host);
    if (!host_from_flag.device->device.is_cpu())
      throw InputError("--host '" + opt.host + "' is not a CPU memory preset (see 'vramfit list devices --filter cpu')");
    host_spec = &host_from_flag;
  }
  r.cpu_only = total_gpus == 0;
  // llama.cpp's op offload (placement.hpp): discrete GPUs with a reserve graph of >= 32 tokens; Metal
  // shares the host's memory and offloads nothing.
  r.request.op_offload = q.runtime->kind == RuntimeKind::llamacpp && q.workload.ubatch >= 32;

  bool apple = false;
  const bool any_apple = std::any_of(r.specs.begin(), r.specs.end(), [](const DeviceSpec& s) { return s.device->device.kind == DeviceKind::apple; });
  if (any_apple && (r.specs.size() != 1 || r.specs.front().count != 1))
    throw InputError("an Apple chip is a whole computer: combine it with no other device (got " + std::to_string(total_gpus) + " devices)");
  if (!any_apple && !opt.wired_limit.empty()) throw InputError("--wired-limit applies only to Apple devices");
  if (opt.tensor_parallel()) resolve_tensor_parallel(cat, q, opt, r);
  else if (!opt.link.empty()) throw InputError("--link is the link between tensor-parallel GPUs: add --split tensor or --tp N");
  if (opt.cpu_moe && !opt.n_cpu_moe.empty()) throw InputError("give --cpu-moe (every block) or --n-cpu-moe N (the first N blocks), not both");
  if (opt.cpu_moe || !opt.n_cpu_moe.empty()) {
    if (r.cpu_only)
      throw InputError(std::string(opt.cpu_moe ? "--cpu-moe" : "--n-cpu-moe") + " keeps routed experts in host RAM beside a GPU: with no GPU everything is in RAM already");
    const std::int64_t layers = q.model->spec.layers;
    r.request.cpu_moe_layers = opt.cpu_moe ? layers : std::min(io::parse_count(opt.n_cpu_moe, "--n-cpu-moe", 0, 1 << 20), layers);
    if (q.model->spec.moe.present() && r.request.cpu_moe_layers > 0)
      r.assumptions.push_back(fmt::format(
          "routed experts (ffn_*_exps) of blocks 0-{} in host RAM ({}, llama.cpp's tensor override to the CPU buffer); attention, shared experts, router, norms and the KV cache of GPU blocks stay on the GPU; a token reads its active experts from RAM",
          r.request.cpu_moe_layers - 1, opt.cpu_moe ? "--cpu-moe" : "--n-cpu-moe " + std::to_string(r.request.cpu_moe_layers)));
  }
  for (const DeviceSpec& s : r.specs) {
    const Device& d = s.device->device;
    if (d.is_cpu()) continue;
    Bytes capacity = d.capacity(s.memory_gib);
    const double mem_gib = s.memory_gib > 0 ? s.memory_gib : d.memory_gib;
    if (d.kind == DeviceKind::apple) {
      apple = true;
      if (!opt.wired_limit.empty()) {
        const Bytes wl = io::parse_size(opt.wired_limit, "--wired-limit");
        if (wl > capacity) throw InputError("--wired-limit " + opt.wired_limit + " exceeds the unified memory of " + d.id);
        capacity = wl;
        r.assumptions.push_back(fmt::format("{}: GPU wired limit set to {:.2f} GiB (--wired-limit)", d.id, to_gib(wl)));
      } else {
        const double f = wired_fraction(cat.wired_limit, mem_gib);
        capacity = gib(mem_gib * f);
        r.assumptions.push_back(fmt::format(
            "{} with {:g} GB unified memory: macOS lets the GPU use {:.0f} % = {:.2f} GiB by default (raise with sudo sysctl iogpu.wired_limit_mb, or --wired-limit)",
            d.id, mem_gib, f * 100, to_gib(capacity)));
      }
    }
    for (std::int64_t i = 0; i < s.count; ++i) {
      Target t;
      t.label = s.count > 1 ? fmt::format("{}#{}", d.id, i) : d.id;
      t.capacity = capacity;
      t.reserve = reserve;
      t.overhead = q.runtime->device_overhead(d.backend());
      t.bandwidth = d.bandwidth();
      r.request.gpus.push_back(t);
    }
    if (apple) {
      r.request.op_offload = false;
      // Unified memory: what the GPU may not wire is left to the CPU side of the same memory.
      r.request.host.label = "unified (CPU side)";
      r.request.host.capacity = d.capacity(s.memory_gib) - capacity;
      r.request.host.bandwidth = d.bandwidth();
    }
  }
  if (!r.cpu_only && reserve.value() > 0)
    r.assumptions.push_back(fmt::format("{:.2f} GiB per GPU reserved for other processes (--reserve)", to_gib(reserve)));

  Target& host = r.request.host;
  if (host_spec != nullptr) {
    const Device& d = host_spec->device->device;
    host.label = d.id;
    host.capacity = d.capacity(host_spec->memory_gib);
    host.bandwidth = d.bandwidth();
    r.assumptions.push_back(fmt::format("host memory {}: {:.0f} GiB at {:g} GB/s", d.id, to_gib(host.capacity), d.bandwidth_gbs));
  } else if (!apple) {
    host.label = "host RAM";
    // Bandwidth of the most common desktop memory, for the speed of offloaded layers only.
    if (const io::CatalogDevice* def = cat.find_device("cpu-ddr5-6000-2ch")) {
      host.bandwidth = def->device.bandwidth();
      if (!r.cpu_only && !opt.tensor_parallel())
        r.assumptions.push_back(fmt::format("host memory bandwidth assumed {:g} GB/s (dual-channel DDR5-6000; set --host)", def->device.bandwidth_gbs));
    }
  }
  if (!opt.ram.empty()) {
    host.capacity = io::parse_size(opt.ram, "--ram");
    if (host.label.empty() || host.label == "host RAM") host.label = "host RAM";
  }
  if (!opt.ram_bandwidth.empty()) {
    if (apple) throw InputError("--ram-bandwidth does not apply to Apple unified memory (the CPU side shares the chip's bandwidth)");
    host.bandwidth = io::parse_bandwidth(opt.ram_bandwidth, "--ram-bandwidth");
    std::erase_if(r.assumptions, [](const std::string& a) { return a.rfind("host memory bandwidth assumed", 0) == 0; });
    r.assumptions.push_back(fmt::format("host memory bandwidth {:g} GB/s (--ram-bandwidth)", host.bandwidth.value() / 1e9));
  }
  if (r.cpu_only) {
    // A CPU-only host is a preset (--device/--host) or described by hand: --ram SIZE --ram-bandwidth BW.
    if (host_spec == nullptr && (opt.ram.empty() || opt.ram_bandwidth.empty()))
      throw InputError("no device given: use --device ID (see 'vramfit list devices'), or --ram SIZE --ram-bandwidth BW for a CPU-only host");
    host.reserve = reserve;
    host.overhead = q.runtime->overhead_cpu;
    r.assumptions.push_back("CPU-only: weights, KV cache and compute buffer all in host RAM");
  } else if (!host.known() && !opt.tensor_parallel()) {
    r.assumptions.push_back("host RAM not given (--ram): layers that do not fit on the GPU are assumed to fit in RAM");
  }
  if (opt.gpu_layers != "auto" && !opt.tensor_parallel()) {
    // Like llama.cpp, a value above the layer count (the usual -ngl 999) means all of them.
    r.request.gpu_layers = std::min(io::parse_count(opt.gpu_layers, "--gpu-layers", 0, 1 << 20), q.model->spec.layers + 1);
  }
  if (!r.cpu_only && !opt.tensor_parallel())
    r.assumptions.push_back(fmt::format(
        "llama.cpp layer split: token embeddings in host RAM, the last -ngl blocks on the GPUs in proportion to their free memory, output head on the last GPU; {} MiB runtime overhead per CUDA/ROCm GPU, {} MiB per Metal GPU",
        to_mib(q.runtime->overhead_cuda), to_mib(q.runtime->overhead_metal)));
  return r;
}

}  // namespace vramfit::cli

namespace vramfit::cli {

WeightBreakdown query_weights(Context& ctx, const Query& q) {
  if (q.file_weights) {
    try {
      return weight_bytes_from_file(q.model->spec, q.file->tensors, q.workload.include_vision);
    } catch (const CoreError& e) {
      throw InputError(q.file->path + ": " + e.what());
    }
  }
  validate(q.model->spec);
  return weight_bytes(q.model->spec, q.mix->mix, ctx.types(), q.workload.include_vision);
}

ParamCounts query_params(const Query& q) {
  return q.file_weights ? count_params_from_file(q.model->spec, q.file->tensors) : count_params(q.model->spec);
}

MemoryEstimate estimate(Context& ctx, const Query& q) { return estimate(ctx, q, query_weights(ctx, q)); }

MemoryEstimate estimate(Context& ctx, const Query& q, WeightBreakdown weights) {
  MemoryEstimate e = estimate_memory(q.model->spec, std::move(weights), ctx.types(), q.workload);
  // transformers / MLX: no llama.cpp graph buffer; the peak of one forward pass over the prompt (or
  // one prefill chunk) of every sequence, logits for the last position only.
  if (q.runtime->kind == RuntimeKind::pool) {
    // vLLM-style: the activations of the profiling pass (serving.hpp), one GPU.
    const PoolConfig& c = q.runtime->pool;
    e.compute = forward_compute(q.model->spec, c.max_batched_tokens, c.max_seqs, true, 1, c.activation_bytes);
  } else if (q.runtime->kind == RuntimeKind::direct) {
    const Workload& w = q.workload;
    const std::int64_t chunk = q.runtime->prefill_chunk > 0 ? std::min(q.runtime->prefill_chunk, w.context) : w.context;
    e.compute = forward_compute(q.model->spec, chunk * w.parallel, w.parallel, false);
  }
  return e;
}

Placement full_offload(const Query& q, const MemoryEstimate& e) {
  PlacementRequest req;
  Target gpu;
  gpu.label = "gpu";
  gpu.overhead = q.runtime->kind == RuntimeKind::pool ? q.runtime->pool.non_torch : q.runtime->overhead_cuda;
  req.gpus.push_back(gpu);
  req.embeddings_on_host = q.runtime->embeddings_on_host;
  req.host.label = "host RAM";
  return place_layers(q.model->spec, e, req, q.model->spec.layers + 1);
}

const char* group_name(TensorGroup g) {
  switch (g) {
    case TensorGroup::embeddings: return "token embeddings";
    case TensorGroup::output: return "output head";
    case TensorGroup::attention: return "attention";
    case TensorGroup::ffn: return "dense FFN";
    case TensorGroup::experts: return "routed experts";
    case TensorGroup::shared: return "shared experts + router";
    case TensorGroup::ssm: return "Mamba / linear attention";
    case TensorGroup::norm: return "norms";
    case TensorGroup::vision: return "vision encoder";
  }
  return "?";
}

}  // namespace vramfit::cli
