#include "formats/ollama_registry.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>

#include "base/diagnostics.hpp"
#include "formats/gguf_reader.hpp"
#include "formats/hf_json.hpp"
#include "formats/remote_model.hpp"

namespace vramfit::io {
namespace {

using hf::Json;

// "NAME:TAG", or "NS/NAME:TAG" outside the library namespace: how Ollama's users write it.
std::string display(const RemoteRef& ref) {
  return (ref.ns.empty() || ref.ns == "library" ? std::string() : ref.ns + "/") + ref.name + ":" + ref.tag;
}

bool valid_digest(const std::string& d) {
  if (d.size() != 7 + 64 || d.compare(0, 7, "sha256:") != 0) return false;
  return std::all_of(d.begin() + 7, d.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// A registry answers an HTML page (a proxy's, a captive portal's) or an error document where a JSON
// object was expected: say so rather than print a JSON parser's complaint about '<'.
void refuse_html(std::string_view text, const std::string& label) {
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || text[first] != '<') return;
  const std::string_view start = text.substr(first, 40);
  throw InputError(label + ": an HTML page where JSON was expected ('" + std::string(start) + (text.size() - first > 40 ? "...'" : "'") + ")");
}

std::string short_digest(const std::string& digest) { return digest.substr(0, std::min<std::size_t>(digest.size(), 19)); }

// Ollama's params values are numbers, possibly written as 8192.0; a positive whole number below 2^31
// (api/types.go declares them int).
std::optional<std::int64_t> whole(const Json& v) {
  if (v.is_number_unsigned() || v.is_number_integer()) {
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > 0x7fffffffu) return std::nullopt;
    const std::int64_t x = v.get<std::int64_t>();
    return x >= 0 && x <= 0x7fffffff ? std::optional<std::int64_t>(x) : std::nullopt;
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && d >= 0 && d <= 2147483647.0) return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

std::string shown(const Json& v) {
  std::string s = v.dump(-1, ' ', false, Json::error_handler_t::replace);
  return s.size() > 40 ? s.substr(0, 40) + "..." : s;
}

// Runs `f`; an InputError that does not name the reference yet gets it in front (network errors name
// the URL only). RemoteNotFound passes as it is: the engine tells it from other failures.
template <class F>
auto naming(const std::string& name, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const RemoteNotFound&) {
    throw;
  } catch (const InputError& e) {
    const std::string what = e.what();
    if (what.rfind(name + ": ", 0) == 0) throw;
    throw InputError(name + ": " + what);
  }
}

}  // namespace

const OllamaLayer* OllamaManifest::model() const {
  const auto it = std::find_if(layers.rbegin(), layers.rend(), [](const OllamaLayer& l) { return l.media_type == kOllamaModelLayer; });
  return it == layers.rend() ? nullptr : &*it;
}

const OllamaLayer* OllamaManifest::projector() const {
  const auto it = std::find_if(layers.begin(), layers.end(), [](const OllamaLayer& l) { return l.media_type == kOllamaProjectorLayer; });
  return it == layers.end() ? nullptr : &*it;
}

const OllamaLayer* OllamaManifest::params() const {
  // Ollama decodes every params layer into the same options in turn: the last one sets what it names.
  // Real manifests have at most one; the last is read.
  const auto it = std::find_if(layers.rbegin(), layers.rend(), [](const OllamaLayer& l) { return l.media_type == kOllamaParamsLayer; });
  return it == layers.rend() ? nullptr : &*it;
}

std::size_t OllamaManifest::count(std::string_view media_type) const {
  return static_cast<std::size_t>(std::count_if(layers.begin(), layers.end(), [&](const OllamaLayer& l) { return l.media_type == media_type; }));
}

OllamaManifest parse_ollama_manifest(std::string_view text, const std::string& ref) {
  const std::string label = ref + ": Ollama's manifest";
  if (text.size() > kMaxOllamaManifest) throw InputError(label + ": larger than " + limit_str(kMaxOllamaManifest));
  refuse_html(text, label);
  const Json j = hf::parse_json(text, label);
  if (!j.is_object()) throw InputError(label + ": expected a JSON object");
  // A registry's error document: {"errors": [{"code": "MANIFEST_UNKNOWN", "message": "..."}]}.
  if (const auto e = j.find("errors"); e != j.end() && e->is_array() && !e->empty()) {
    const Json& first = (*e)[0];
    std::string why = "an error";
    if (first.is_object()) {
      const auto m = first.find("message");
      const auto c = first.find("code");
      if (m != first.end() && m->is_string()) why = m->get<std::string>();
      else if (c != first.end() && c->is_string()) why = c->get<std::string>();
    }
    throw InputError(ref + ": the registry answered " + quote_cut(why, 120) + " where a manifest was expected");
  }
  const hf::Obj o(j, label);
  const std::int64_t schema = o.integer_or("schemaVersion", 2, 0, 1000);
  if (schema != 2) throw InputError(label + ": schemaVersion " + std::to_string(schema) + " (vramfit reads version 2, as Ollama writes it)");
  const Json* layers = o.get("layers");
  if (layers == nullptr) throw InputError(label + ": no \"layers\" (not an Ollama model manifest)");
  if (!layers->is_array()) throw InputError(label + ": \"layers\" is not a list");
  if (layers->size() > kMaxOllamaLayers)
    throw InputError(label + ": " + std::to_string(layers->size()) + " layers (at most " + std::to_string(kMaxOllamaLayers) + ")");
  OllamaManifest m;
  for (std::size_t i = 0; i < layers->size(); ++i) {
    const std::string where = "layers[" + std::to_string(i) + "]";
    const Json& l = (*layers)[i];
    if (!l.is_object()) throw InputError(label + ": " + where + ": expected a JSON object");
    const hf::Obj lo(l, label, where + ".");
    OllamaLayer layer;
    layer.media_type = lo.string_or("mediaType");
    if (layer.media_type.empty()) lo.problem("mediaType", "missing");
    layer.digest = lo.string_or("digest");
    if (!valid_digest(layer.digest)) lo.problem("digest", "expected sha256: and 64 hex digits, got " + quote_cut(layer.digest, 80));
    layer.size = static_cast<std::uint64_t>(lo.integer("size", 0, std::int64_t{1} << 50));  // a petabyte
    m.layers.push_back(std::move(layer));
  }
  return m;
}

OllamaParams parse_ollama_params(std::string_view text, const std::string& ref) {
  const std::string label = ref + ": Ollama's params layer";
  if (text.size() > kMaxOllamaParams) throw InputError(label + ": larger than " + limit_str(kMaxOllamaParams));
  refuse_html(text, label);
  const Json j = hf::parse_json(text, label);
  if (!j.is_object()) throw InputError(label + ": expected a JSON object of options");
  OllamaParams p;
  // api/types.go Runner options; num_gpu is the number of layers Ollama offloads (-1: its own choice).
  using Field = std::optional<std::int64_t> OllamaParams::*;
  const std::pair<const char*, Field> fields[] = {
      {"num_ctx", &OllamaParams::num_ctx}, {"num_batch", &OllamaParams::num_batch}, {"num_gpu", &OllamaParams::num_gpu}};
  for (const auto& [key, field] : fields) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) continue;
    std::optional<std::int64_t> v = whole(*it);
    if (std::string_view(key) == "num_gpu" && !v && it->is_number_integer() && it->get<std::int64_t>() == -1) v = -1;
    if (!v) {
      p.notes.push_back(std::string("params: ") + key + " " + shown(*it) + " ignored (not a whole number)");
      continue;
    }
    p.*field = v;
    p.notes.push_back(std::string("params: ") + key + " " + std::to_string(*v));
  }
  if (const auto it = j.find("f16_kv"); it != j.end() && it->is_boolean()) {
    p.f16_kv = it->get<bool>();
    p.notes.push_back(std::string("params: f16_kv ") + (*p.f16_kv ? "true" : "false") +
                      " (deprecated: Ollama sets the KV cache type with OLLAMA_KV_CACHE_TYPE)");
  }
  return p;
}

ModelFile read_ollama_model(Fetcher& fetcher, const RemoteRef& ref, const std::string& mmproj) {
  const std::string name = display(ref);
  const std::string registry = fetcher.options().ollama_registry;
  const std::string repo = registry + "/v2/" + (ref.ns.empty() ? std::string("library") : ref.ns) + "/" + ref.name;
  const std::string manifest_url = repo + "/manifests/" + ref.tag;
  std::vector<std::string> files;

  // The manifest of a tag is mutable (a tag is re-pushed): one request revalidates it unless offline.
  // The client cannot send Accept: application/vnd.docker.distribution.manifest.v2+json (HttpClient
  // takes no request headers); Ollama's registry answers v2 without it.
  const std::optional<std::string> text = naming(name, [&] {
    if (fetcher.options().offline) {
      try {
        return fetcher.document(manifest_url, kMaxOllamaManifest, false, "an Ollama manifest");
      } catch (const InputError&) {  // offline, the only failure is a manifest the cache lacks
        throw InputError(name + ": not in the cache, and --offline is set (VRAMFIT_OFFLINE, HF_HUB_OFFLINE)");
      }
    }
    return fetcher.document(manifest_url, kMaxOllamaManifest, false, "an Ollama manifest");
  });
  if (!text) throw RemoteNotFound(name + ": no such model or tag in Ollama's registry (" + registry + ")");
  files.push_back(manifest_url);
  const OllamaManifest manifest = parse_ollama_manifest(*text, name);
  const OllamaLayer* model_layer = manifest.model();
  if (model_layer == nullptr)
    throw InputError(name + ": the manifest has no model layer (" + std::string(kOllamaModelLayer) +
                     "): not a model Ollama can run, or one vramfit cannot read");

  // Blobs are content-addressed: their bytes never change, so the cache answers without a request.
  auto blob_url = [&](const OllamaLayer& l) { return repo + "/blobs/" + l.digest; };
  auto no_parts = [&](const std::string& part) -> std::unique_ptr<ByteSource> {
    throw InputError(name + ": the model layer is one part of a split GGUF (it names " + quote_cut(part) +
                     "); Ollama stores a model as one blob");
  };
  // The GGUF header of a layer, checking that the blob is the size the manifest gives.
  auto header_of = [&](const OllamaLayer& l, const char* what) {
    const std::string url = blob_url(l);
    files.push_back(url);
    RemoteFile blob(fetcher, url, kMaxRemoteGgufHeader, true);
    if (blob.size() != l.size)
      throw InputError(url + ": the " + std::string(what) + " blob is " + std::to_string(blob.size()) + " bytes where the manifest says " +
                       std::to_string(l.size));
    return gguf::read_model(blob, no_parts);
  };

  const gguf::Header model = naming(name, [&] { return header_of(*model_layer, "model"); });
  std::optional<gguf::Header> projector;
  std::vector<std::string> notes;
  if (!mmproj.empty()) {
    // --mmproj replaces the manifest's projector: a URL read by ranges, or a local file.
    projector = naming(name, [&] {
      if (url_host(mmproj).empty()) return gguf::read_model(mmproj);
      files.push_back(mmproj);
      RemoteFile file(fetcher, mmproj, kMaxRemoteGgufHeader, false);
      return gguf::read_model(file, no_parts);
    });
    if (manifest.projector() != nullptr) notes.push_back("--mmproj replaces the vision projector of Ollama's manifest");
  } else if (const OllamaLayer* p = manifest.projector()) {
    // Ollama loads the projector layer with the model (llm/server.go --mmproj): it is part of the memory.
    projector = naming(name, [&] { return header_of(*p, "projector"); });
    notes.push_back("the vision projector is the manifest's projector layer (" + short_digest(p->digest) + "), as Ollama loads it");
  }
  if (const std::size_t n = manifest.count(kOllamaProjectorLayer); n > 1 && mmproj.empty())
    notes.push_back(std::to_string(n) + " projector layers in the manifest: the first is counted, as Ollama passes the first");
  if (const std::size_t n = manifest.count(kOllamaModelLayer); n > 1)
    notes.push_back(std::to_string(n) + " model layers in the manifest: the last is read, as Ollama loads it");
  if (const std::size_t n = manifest.count(kOllamaAdapterLayer); n > 0)
    notes.push_back(std::to_string(n) + " LoRA adapter layer(s) in the manifest are not counted (Ollama loads them beside the model)");

  OllamaParams params;
  if (const OllamaLayer* p = manifest.params()) {
    const std::string url = blob_url(*p);
    const std::optional<std::string> body = naming(name, [&] { return fetcher.document(url, kMaxOllamaParams, true, "Ollama's params layer"); });
    if (!body) throw InputError(name + ": the params layer " + short_digest(p->digest) + " is missing from the registry (HTTP 404 at " + url + ")");
    files.push_back(url);
    params = parse_ollama_params(*body, name);
  }

  ModelFile f = naming(name, [&] { return gguf_model_file(model, projector ? &*projector : nullptr); });
  f.notes.insert(f.notes.end(), notes.begin(), notes.end());
  f.notes.insert(f.notes.end(), params.notes.begin(), params.notes.end());
  if (params.num_ctx) f.facts.emplace_back("Ollama num_ctx", std::to_string(*params.num_ctx));
  f.remote = RemoteSource{};
  f.remote->kind = "ollama";
  f.remote->url = manifest_url;
  f.remote->revision = model_layer->digest;
  f.remote->files = std::move(files);
  return f;
}

}  // namespace vramfit::io
