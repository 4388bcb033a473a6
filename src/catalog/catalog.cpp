#include "catalog/catalog.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/suggest.hpp"
#include "catalog/yaml_reader.hpp"

namespace vramfit::io {
namespace {

template <class T, class IdOf, class AliasesOf>
const T* find_entry(const std::vector<T>& items, const std::string& id, IdOf id_of, AliasesOf aliases_of) {
  const std::string want = to_lower(id);
  for (const T& x : items)
    if (to_lower(id_of(x)) == want) return &x;
  for (const T& x : items)
    for (const std::string& a : aliases_of(x))
      if (to_lower(a) == want) return &x;
  return nullptr;
}

template <class T, class IdOf>
[[noreturn]] void unknown(const std::string& what, const std::string& id, const std::vector<T>& items, IdOf id_of,
                          const std::string& list_hint) {
  if (id.empty()) throw InputError("empty " + what + " id; see '" + list_hint + "'");
  std::vector<std::string> ids;
  for (const T& x : items) ids.push_back(id_of(x));
  throw InputError("unknown " + what + " " + quote_cut(id) + did_you_mean(id, ids) + "; see '" + list_hint + "'");
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

// An Ollama tag starts with its size tag, then "-" and the rest ("8b-instruct-q4_K_M" starts with "8b").
bool tag_starts_with(const std::string& tag, const std::string& size) {
  return tag.compare(0, size.size(), size) == 0 && (tag.size() == size.size() || tag[size.size()] == '-');
}

std::vector<std::string> split_dashes(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const std::size_t dash = std::min(s.find('-', start), s.size());
    out.push_back(s.substr(start, dash - start));
    start = dash + 1;
  }
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

}  // namespace

TypeTable Catalog::type_table() const {
  TypeTable t;
  t.types.reserve(types.size());
  for (const CatalogType& c : types) t.types.push_back(c.type);
  return t;
}

const CatalogModel* Catalog::find_model(const std::string& id) const {
  return find_entry(models, id, [](const CatalogModel& m) { return m.spec.id; },
                    [](const CatalogModel& m) -> const std::vector<std::string>& { return m.meta.aliases; });
}

const CatalogDevice* Catalog::find_device(const std::string& id) const {
  return find_entry(devices, id, [](const CatalogDevice& d) { return d.device.id; },
                    [](const CatalogDevice& d) -> const std::vector<std::string>& { return d.meta.aliases; });
}

const CatalogModel& Catalog::model(const std::string& id) const {
  if (const CatalogModel* m = find_model(id)) return *m;
  unknown("model", id, models, [](const CatalogModel& m) { return m.spec.id; }, "vramfit list models");
}

const UnifiedMemoryPlatform* Catalog::platform_of(const Device& d) const {
  const std::string id = d.platform_id();
  if (id.empty()) return nullptr;
  for (const UnifiedMemoryPlatform& p : platforms)
    if (p.id == id) return &p;
  return nullptr;
}

const CatalogDevice& Catalog::device(const std::string& id) const {
  if (const CatalogDevice* d = find_device(id)) return *d;
  unknown("device", id, devices, [](const CatalogDevice& d) { return d.device.id; }, "vramfit list devices");
}

const CatalogMix& Catalog::mix(const std::string& id) const {
  static const std::vector<std::string> none;
  if (const CatalogMix* m = find_entry(mixes, id, [](const CatalogMix& x) { return x.mix.id; },
                                       [](const CatalogMix&) -> const std::vector<std::string>& { return none; }))
    return *m;
  unknown("quantization", id, mixes, [](const CatalogMix& m) { return m.mix.id; }, "vramfit list quants");
}

const RuntimeProfile& Catalog::runtime(const std::string& id) const {
  for (const RuntimeProfile& r : runtimes)
    if (to_lower(r.id) == to_lower(id)) return r;
  unknown("runtime", id, runtimes, [](const RuntimeProfile& r) { return r.id; }, "vramfit list runtimes");
}

std::optional<OllamaMatch> Catalog::resolve_ollama(const std::string& ref) const {
  const std::size_t colon = ref.find(':');
  const std::string name = to_lower(ref.substr(0, colon));
  // "hf.co/USER/REPO:QUANT" and "user/model" are not library names (out of scope: nullopt).
  if (name.empty() || name.find('/') != std::string::npos) return std::nullopt;
  const auto o = std::find_if(ollama.begin(), ollama.end(), [&](const CatalogOllama& x) { return x.name == name; });
  if (o == ollama.end()) return std::nullopt;

  std::string given = colon == std::string::npos ? std::string() : ref.substr(colon + 1);  // as typed, for messages
  const bool latest = given.empty() || to_lower(given) == "latest";
  if (latest) given = o->latest;
  const std::string tag = to_lower(given);
  std::vector<std::string> sizes;
  for (const OllamaTag& t : o->tags) sizes.push_back(t.tag);
  const std::string in_catalog = (sizes.empty() ? "; the catalog has none of its tags" : "; tags in the catalog: " + join(sizes, ", ")) +
                                 " (see 'vramfit list ollama')";

  // The longest size tag the tag starts with ("30b-a3b" before "30b"), among mapped and missing tags.
  const OllamaTag* size = nullptr;
  const OllamaMissing* gone = nullptr;
  std::size_t longest = 0;
  for (const OllamaTag& t : o->tags)
    if (t.tag.size() > longest && tag_starts_with(tag, t.tag)) size = &t, gone = nullptr, longest = t.tag.size();
  for (const OllamaMissing& m : o->missing)
    if (m.tag.size() > longest && tag_starts_with(tag, m.tag)) size = nullptr, gone = &m, longest = m.tag.size();
  if (gone != nullptr)
    throw InputError("Ollama " + o->name + ":" + gone->tag + (latest ? " (the latest tag)" : "") + " is " + gone->what +
                     ", which the catalog does not have" + in_catalog);
  if (size == nullptr) {
    const std::string near = nearest(tag, sizes);
    throw InputError("unknown Ollama tag '" + o->name + ":" + given + "'" +
                     (near.empty() ? "" : " (did you mean '" + o->name + ":" + near + "'?)") + in_catalog);
  }

  // What follows the size: variant words, then possibly a quantization ("instruct-q4_K_M", "it-qat").
  const std::string rest = given.size() > size->tag.size() ? given.substr(size->tag.size() + 1) : std::string();
  std::vector<std::string> words = given.size() > size->tag.size() ? split_dashes(to_lower(rest)) : std::vector<std::string>{};
  const OllamaQuantTag* named = nullptr;
  if (!words.empty())
    for (const OllamaQuantTag& q : ollama_quants)
      if (to_lower(q.suffix) == words.back()) named = &q;
  if (named != nullptr) words.pop_back();
  for (std::size_t i = 0; i < words.size(); ++i)
    if (!contains(o->variants, words[i])) {
      std::vector<std::string> choices = o->variants;
      for (const OllamaQuantTag& q : ollama_quants) choices.push_back(q.suffix);
      const std::string w = split_dashes(rest)[i];
      throw InputError("unknown Ollama tag '" + o->name + ":" + given + "': '" + w + "' is neither a variant of " + o->name +
                       (o->variants.empty() ? std::string() : " (" + join(o->variants, ", ") + ")") +
                       " nor a quantization" + did_you_mean(w, choices) + in_catalog);
    }

  OllamaMatch m;
  m.model = size->model;
  m.mix = named != nullptr ? named->mix : size->quant.empty() ? o->quant : size->quant;
  m.name_tag = o->name + ":" + size->tag;
  for (const std::string& w : words) m.name_tag += "-" + w;
  if (named != nullptr) m.name_tag += "-" + named->suffix;
  const bool unsure_quant = named == nullptr && contains(o->meta.unconfirmed, "quant");
  const bool unsure_tag = contains(o->meta.unconfirmed, "tags") || contains(o->meta.unconfirmed, size->tag);
  m.explanation = "ollama " + (latest ? o->name + " (latest = " + size->tag + ")" : m.name_tag) + " = " + m.model + " " + m.mix +
                  " (" + (named != nullptr ? "quantization named in the tag" : "Ollama's default quantization for this tag") +
                  (unsure_quant ? ", unconfirmed" : "") + ")";
  if (!words.empty()) m.explanation += "; variant '" + join(words, "-") + "' has the catalog entry's architecture";
  if (unsure_tag) m.explanation += "; tag-to-model mapping unconfirmed";
  return m;
}

void load_catalog_text(Catalog& cat, const std::string& file_name, const std::string& display_name,
                       const std::string& text, Diagnostics& diag) {
  cat.files.push_back(display_name);
  const YAML::Node root = parse_yaml(text, display_name);
  if (!root.IsDefined() || root.IsNull()) return;  // an empty file adds nothing
  try {
    if (file_name == "models.yaml") load_models(cat, root, display_name, diag);
    else if (file_name == "devices.yaml") load_devices(cat, root, display_name, diag);
    else if (file_name == "quants.yaml") load_quants(cat, root, display_name, diag);
    else if (file_name == "runtimes.yaml") load_runtimes(cat, root, display_name, diag);
    else if (file_name == "speed.yaml") load_speed(cat, root, display_name, diag);
    else if (file_name == "ollama.yaml") load_ollama(cat, root, display_name, diag);
  } catch (const YAML::Exception& e) {
    // The loaders check each node's shape before use; should one slip, yaml-cpp's complaint still
    // names the file (a fuzzer found 'platforms' given as a mapping, now reported in load_runtimes).
    throw InputError(location_of(e.mark, display_name).str() + ": unexpected YAML structure: " + e.msg);
  }
}

std::vector<std::string> catalog_dirs(const char* env_value, const std::vector<std::string>& cli_dirs) {
  std::vector<std::string> out;
  if (env_value != nullptr) {
    std::stringstream ss(env_value);
    std::string part;
    while (std::getline(ss, part, ':'))
      if (!part.empty()) out.push_back(part);
  }
  out.insert(out.end(), cli_dirs.begin(), cli_dirs.end());
  return out;
}

}  // namespace vramfit::io
