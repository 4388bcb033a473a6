// Launch commands for a plan (engine/launch.hpp). The meanings below are the first words of the rows
// of docs/runtimes.md "Launch commands", which give each flag's source.
#include "engine/launch.hpp"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string_view>

#include <fmt/format.h>

#include "engine/placement_search.hpp"
#include "formats/remote_model.hpp"

namespace vramfit::engine {
namespace {

// Where the model of the question came from, as a runtime would name it.
struct ModelRef {
  enum class Kind { catalog, gguf_file, hf_dir, hf_gguf, hf_repo, gguf_url, ollama_registry };
  Kind kind = Kind::catalog;
  std::string text;   // path, ORG/REPO, URL or Ollama name:tag
  std::string quant;  // hf_gguf: the QUANT of ORG/REPO:QUANT
};

ModelRef model_ref(const Query& q, const FitRequest& r) {
  ModelRef m;
  if (q.file == nullptr) return m;
  const io::ModelFile& f = *q.file;
  if (!f.remote) {
    m.kind = f.format == "gguf" ? ModelRef::Kind::gguf_file : ModelRef::Kind::hf_dir;
    m.text = f.path;
    // vllm serve and mlx_lm take the directory that holds config.json.
    if (m.kind == ModelRef::Kind::hf_dir && std::filesystem::path(m.text).filename() == "config.json") {
      m.text = std::filesystem::path(m.text).parent_path().string();
      if (m.text.empty()) m.text = ".";
    }
    return m;
  }
  const io::RemoteSource& src = *f.remote;
  if (src.kind == "gguf_url") {
    m.kind = ModelRef::Kind::gguf_url;
    m.text = src.url;
    return m;
  }
  const std::optional<io::RemoteRef> ref = io::parse_remote_ref(src.reference);
  if (src.kind == "ollama" && ref) {
    m.kind = ModelRef::Kind::ollama_registry;
    m.text = (ref->ns == "library" ? "" : ref->ns + "/") + ref->name + ":" + ref->tag;
    return m;
  }
  if (ref && !ref->repo.empty()) {
    m.text = ref->repo;
    if (f.format == "gguf") {
      m.kind = ModelRef::Kind::hf_gguf;
      m.quant = !ref->quant.empty() ? ref->quant : !r.workload.quant.empty() ? r.workload.quant : q.mix->mix.id;
    } else {
      m.kind = ModelRef::Kind::hf_repo;
    }
    return m;
  }
  m.kind = ModelRef::Kind::gguf_url;
  m.text = src.url;
  return m;
}

// The catalog's Hugging Face id of a model: its first alias spelled ORG/REPO (models.yaml aliases);
// "" when it has none.
std::string catalog_repo(const io::CatalogModel& cm) {
  for (const std::string& a : cm.meta.aliases)
    if (std::count(a.begin(), a.end(), '/') == 1 && a.find(':') == std::string::npos) return a;
  return {};
}

// The Ollama name:tag of the question: the tag the user typed (data/ollama.yaml resolved it), or the
// catalog tag of the model whose default quantization is the plan's; nullopt when there is none.
std::optional<std::string> ollama_tag(Session& s, const FitRequest& r, const Query& q, std::string& why_not) {
  const io::Catalog& cat = s.catalog();
  const std::string& id = q.model->spec.id;
  const bool tagged = r.model.find(':') != std::string::npos;
  if (tagged || cat.find_model(r.model) == nullptr) {
    try {
      if (const std::optional<io::OllamaMatch> m = cat.resolve_ollama(r.model); m && m->model == id && m->mix == q.mix->mix.id)
        return m->name_tag;
    } catch (const io::InputError&) {
    }
  }
  for (const io::CatalogOllama& o : cat.ollama)
    for (const io::OllamaTag& t : o.tags) {
      if (t.model != id) continue;
      const std::string& mix = t.quant.empty() ? o.quant : t.quant;
      if (mix == q.mix->mix.id) return o.name + ":" + t.tag;
      why_not = "Ollama's " + o.name + ":" + t.tag + " is " + mix + ", not " + q.mix->mix.id +
                ": pick the tag of that quantization at https://ollama.com/library/" + o.name + "/tags";
    }
  return std::nullopt;
}

class Builder {
 public:
  explicit Builder(LaunchCommand& c) : c_(c) {}
  void flag(const std::string& name, const std::string& value, const std::string& meaning) {
    c_.argv.push_back(name);
    if (!value.empty()) c_.argv.push_back(value);
    c_.flags.push_back({name, value, meaning});
  }
  void flag(const std::string& name, std::int64_t value, const std::string& meaning) { flag(name, std::to_string(value), meaning); }

 private:
  LaunchCommand& c_;
};

std::string kv_type_text(const Workload& w) { return w.kv_type_k == w.kv_type_v ? w.kv_type_k : w.kv_type_k + "/" + w.kv_type_v; }

// A GGUF of the plan's quantization named by a placeholder, with the note that says so.
std::string gguf_placeholder(const Query& q, LaunchCommand& c) {
  const std::string id = q.model->spec.id;
  const std::string repo = catalog_repo(*q.model);
  c.notes.push_back("<" + id + "-" + q.mix->mix.id + ".gguf> is a placeholder: the catalog names no GGUF repository for " + id +
                    "; download a " + q.mix->mix.id + " GGUF" + (repo.empty() ? "" : " of " + repo) +
                    " and give its path (or use -hf ORG/REPO:" + q.mix->mix.id + ")");
  return "<" + id + "-" + q.mix->mix.id + ".gguf>";
}

void llama_server(const FitRequest& r, const FitAnswer& a, LaunchCommand& c) {
  const Query& q = a.query;
  const Placement& p = a.placement;
  const Workload& w = q.workload;
  if (p.split == Parallelism::tensor) {
    // -sm row splits the matrices but not the KV cache as vLLM does: no llama-server mode is this plan.
    c.notes.push_back("tensor parallel: llama-server has no such mode; --runtime vllm gives vllm serve -tp");
    return;
  }
  c.argv.push_back("llama-server");
  Builder b(c);
  const ModelRef m = model_ref(q, r);
  switch (m.kind) {
    case ModelRef::Kind::gguf_file: b.flag("-m", m.text, "model file"); break;
    case ModelRef::Kind::hf_gguf: b.flag("-hf", m.text + ":" + m.quant, "Hugging Face GGUF repository"); break;
    case ModelRef::Kind::gguf_url: b.flag("-mu", m.text, "model URL"); break;
    case ModelRef::Kind::hf_dir:
    case ModelRef::Kind::hf_repo:
      c.notes.push_back("llama-server reads GGUF files: convert " + m.text + " with llama.cpp's convert_hf_to_gguf.py and quantize it to " +
                        q.mix->mix.id + " first");
      b.flag("-m", gguf_placeholder(q, c), "model file");
      break;
    case ModelRef::Kind::ollama_registry:
    case ModelRef::Kind::catalog: b.flag("-m", gguf_placeholder(q, c), "model file"); break;
  }
  // llama-server's -c is the total over the slots; -np N splits it into N streams (methods.md §2.2).
  b.flag("-c", w.context * w.parallel, "context tokens, total over all slots");
  if (w.parallel > 1) b.flag("-np", w.parallel, "parallel slots");
  if (r.placement.cpu_backend) {
    b.flag("-ngl", std::int64_t{0}, "layers on the GPUs");
    c.notes.push_back("--backend cpu: run a CPU-only build of llama.cpp; a GPU build with -ngl 0 still offloads large batches to the GPU");
  } else if (!p.gpus.empty()) {
    // The plan's count as llama.cpp counts it: blocks + the output layer (methods.md §4.1).
    b.flag("-ngl", p.gpu_layers, "layers on the GPUs");
  }
  const std::int64_t blocks = p.total_layers - 1;
  if (p.cpu_moe_layers > 0) {
    if (p.cpu_moe_layers >= blocks) b.flag("--cpu-moe", "", "routed experts of every block in host RAM");
    else b.flag("--n-cpu-moe", p.cpu_moe_layers, "routed experts of the first N blocks in host RAM");
  }
  if (p.gpus.size() > 1) {
    // Each GPU's share as counts (split_counts; methods.md §4.1).
    b.flag("-ts", split_counts(p), "split of the offloaded layers over the GPUs");
  }
  if (w.kv_type_k != "f16") b.flag("-ctk", w.kv_type_k, "KV cache type of K");
  if (w.kv_type_v != "f16") b.flag("-ctv", w.kv_type_v, "KV cache type of V");
  b.flag("-fa", w.flash_attention ? "on" : "off", "flash attention");
  if (w.ubatch > w.batch) b.flag("-b", w.ubatch, "logical batch");  // n_ubatch is capped at n_batch
  if (w.ubatch != 512) b.flag("-ub", w.ubatch, "physical batch");
  if (r.placement.no_repack) b.flag("--no-repack", "", "no CPU_REPACK copy");
  if (w.include_vision && q.model->spec.vision.present())
    c.notes.push_back("the plan counts the vision encoder: give its projector with --mmproj FILE (-hf downloads it)");
}

void ollama(Session& s, const FitRequest& r, const FitAnswer& a, LaunchCommand& c) {
  const Query& q = a.query;
  const Placement& p = a.placement;
  const Workload& w = q.workload;
  if (p.split == Parallelism::tensor) {
    c.notes.push_back("tensor parallel: Ollama has no such mode; --runtime vllm gives vllm serve -tp");
    return;
  }
  std::string name;
  const ModelRef m = model_ref(q, r);
  std::string why_not;
  switch (m.kind) {
    case ModelRef::Kind::ollama_registry: name = m.text; break;
    case ModelRef::Kind::hf_gguf: name = "hf.co/" + m.text + ":" + m.quant; break;
    case ModelRef::Kind::gguf_file:
      name = "<name>";
      c.notes.push_back("<name> is a placeholder: import the file first with a Modelfile holding 'FROM " + m.text + "' and 'ollama create <name> -f Modelfile'");
      break;
    default:
      if (const std::optional<std::string> tag = m.kind == ModelRef::Kind::catalog ? ollama_tag(s, r, q, why_not) : std::nullopt) {
        name = *tag;
      } else {
        name = "<" + q.model->spec.id + "-" + q.mix->mix.id + ">";
        c.notes.push_back(name + " is a placeholder: " +
                          (why_not.empty() ? "the catalog knows no Ollama tag of " + q.model->spec.id + " " + q.mix->mix.id +
                                                 "; import a GGUF with a Modelfile ('FROM FILE.gguf', ollama create)"
                                           : why_not));
      }
  }
  c.argv = {"ollama", "run", name};
  // The server's environment (ollama serve): flash attention always, since its default changed
  // between releases; the KV type and the slots where they are not the defaults.
  c.env.push_back({"OLLAMA_FLASH_ATTENTION", w.flash_attention ? "1" : "0", "flash attention"});
  if (w.kv_type_k != "f16" || w.kv_type_v != "f16") {
    if (w.kv_type_k == w.kv_type_v && (w.kv_type_k == "q8_0" || w.kv_type_k == "q4_0"))
      c.env.push_back({"OLLAMA_KV_CACHE_TYPE", w.kv_type_k, "KV cache type"});
    else
      c.notes.push_back("Ollama's OLLAMA_KV_CACHE_TYPE takes f16, q8_0 or q4_0 for K and V alike: the plan's " + kv_type_text(w) +
                        " cannot be set");
  }
  if (w.parallel > 1) c.env.push_back({"OLLAMA_NUM_PARALLEL", std::to_string(w.parallel), "parallel requests per model"});
  // Model parameters: num_ctx is per request (Ollama passes -c num_ctx x parallel, methods.md §4.4);
  // num_gpu only where the plan offloads part of the model (else llama-server's --fit places it all).
  c.parameters.push_back({"num_ctx", std::to_string(w.context), "context tokens per request"});
  if (!p.gpus.empty() && p.gpu_layers < p.total_layers) c.parameters.push_back({"num_gpu", std::to_string(p.gpu_layers), "layers on the GPUs"});
  if (w.ubatch != 512) c.parameters.push_back({"num_batch", std::to_string(w.ubatch), "batch size"});
  if (p.cpu_moe_layers > 0) c.notes.push_back("Ollama has no setting for experts in host RAM (--cpu-moe / --n-cpu-moe): its own placement decides");
  if (p.gpus.size() > 1) c.notes.push_back("Ollama splits the layers over the GPUs itself: no setting gives the plan's split");
}

void vllm(const FitRequest& r, const PoolAnswer& pa, LaunchCommand& c) {
  const Query& q = pa.query;
  const Workload& w = q.workload;
  const ModelRef m = model_ref(q, r);
  std::string model;
  if (m.kind == ModelRef::Kind::hf_repo || m.kind == ModelRef::Kind::hf_dir) {
    model = m.text;
  } else if (m.kind == ModelRef::Kind::catalog && !catalog_repo(*q.model).empty()) {
    model = catalog_repo(*q.model);
  } else {
    model = "<Hugging Face repository of " + q.model->spec.id + ">";
    c.notes.push_back(model + " is a placeholder: the catalog names no repository for " + q.model->spec.id);
  }
  c.argv = {"vllm", "serve", model};
  Builder b(c);
  const std::string& mix = q.mix->mix.id;
  std::string native = q.model->spec.native_format;
  if (mix == "fp8" && native != "fp8") {
    b.flag("--quantization", "fp8", "weight quantization");
  } else if (mix.rfind("hf-", 0) != 0 && mix != native && "hf-" + native != mix) {
    c.notes.push_back("vLLM reads the weights' format from the repository: name one that holds " + mix + " weights");
  }
  b.flag("--max-model-len", w.context, "context tokens per request");
  b.flag("--gpu-memory-utilization", fmt::format("{}", pa.config.fraction), "share of each GPU's memory");
  if (pa.gpus > 1) b.flag("-tp", pa.gpus, "tensor-parallel GPUs");
  if (w.kv_type_k == "fp8") b.flag("--kv-cache-dtype", "fp8", "KV cache type");
  else if (w.kv_type_k != "bf16" && w.kv_type_k != "f16")
    c.notes.push_back("vLLM's --kv-cache-dtype has no " + w.kv_type_k + ": the plan's KV type cannot be set");
  b.flag("--max-num-seqs", pa.config.max_seqs, "requests scheduled at once");
  // The profiling pass (V1 chunks prefill into it; V0 sizes it from max_model_len unless given).
  if (r.placement.vllm_version != "0" || !r.placement.max_num_batched_tokens.empty())
    b.flag("--max-num-batched-tokens", pa.config.max_batched_tokens, "tokens per forward pass");
  if (r.placement.vllm_version == "0") c.env.push_back({"VLLM_USE_V1", "0", "the V0 engine"});
}

void mlx(const FitRequest& r, const FitAnswer& a, LaunchCommand& c) {
  const Query& q = a.query;
  const Workload& w = q.workload;
  const ModelRef m = model_ref(q, r);
  std::string repo = m.kind == ModelRef::Kind::hf_repo || m.kind == ModelRef::Kind::hf_dir ? m.text : catalog_repo(*q.model);
  std::string model = repo;
  const std::string& mix = q.mix->mix.id;
  if (mix.rfind("mlx-", 0) == 0 || repo.empty()) {
    model = "<" + q.model->spec.id + "-" + mix + ">";
    c.notes.push_back(model + " is a placeholder: " +
                      (repo.empty() ? "the catalog names no repository for " + q.model->spec.id
                                    : "an MLX conversion of " + repo + (mix == "mlx-4bit" ? " (mlx_lm.convert --hf-path " + repo + " -q" + ")" : "") +
                                          " or its mlx-community upload"));
  }
  c.argv = {"mlx_lm.server"};
  Builder b(c);
  b.flag("--model", model, "model repository or path");
  c.notes.push_back("mlx_lm.server has no context flag: its KV cache grows with each request (the plan's " +
                    std::to_string(w.context) + " tokens are the request's prompt and reply)");
  if (w.parallel > 1) c.notes.push_back("mlx_lm.server has no flag for concurrent sequences (unconfirmed for recent releases)");
  if (w.kv_type_k != "f16" || w.kv_type_v != "f16") c.notes.push_back("mlx_lm.server has no KV cache type flag: the plan's " + kv_type_text(w) + " cannot be set");
}

}  // namespace

std::string shell_word(const std::string& w) {
  if (w.size() >= 2 && w.front() == '<' && w.back() == '>') return w;
  const bool plain = !w.empty() && std::all_of(w.begin(), w.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           std::string_view("_-./:=,@+%").find(ch) != std::string_view::npos;
  });
  if (plain) return w;
  std::string out = "'";
  for (char ch : w) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return out + "'";
}

std::string LaunchCommand::command() const {
  std::string out;
  for (const std::string& w : argv) {
    if (!out.empty()) out += ' ';
    out += shell_word(w);
  }
  return out;
}

LaunchCommand launch_command(Session& s, const FitRequest& r, const FitAnswer& a) {
  LaunchCommand c;
  const Query& q = a.pool ? a.pool->query : a.query;
  c.runtime = q.runtime->id;
  if (a.pool) {
    if (c.runtime == "vllm") vllm(r, *a.pool, c);
    else c.notes.push_back("no launch command for " + q.runtime->name + " yet: its settings are in the assumptions");
  } else if (c.runtime == "llama.cpp") {
    llama_server(r, a, c);
  } else if (c.runtime == "ollama") {
    ollama(s, r, a, c);
  } else if (c.runtime == "mlx") {
    mlx(r, a, c);
  } else if (c.runtime == "transformers") {
    c.notes.push_back("transformers has no server: a generate() call in your own Python, bfloat16, device_map \"auto\"");
  } else {
    c.notes.push_back("no launch command for " + q.runtime->name + " yet");
  }
  return c;
}

}  // namespace vramfit::engine
