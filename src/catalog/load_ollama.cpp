// ollama.yaml -> CatalogOllama: Ollama library names, their size tags and default quantizations
// (schema: docs/catalog-format.md "ollama.yaml"). Model and mix ids are checked by `catalog check`,
// which sees every file; here only the shape of each entry.
#include "catalog/load_common.hpp"
#include "base/suggest.hpp"

namespace vramfit::io {
namespace {

// Ollama names and tags are lower case ("llama3.1", "30b-a3b"); variants are single words of a tag.
bool valid_name(const std::string& s) { return is_word(s, "._-", true); }
bool valid_word(const std::string& s) { return is_word(s, "._", true); }

// A YAML mapping whose keys are data (tags, suffixes), read in file order; repeated keys are reported.
template <class Fn>
void for_each_pair(const YAML::Node& map, const std::string& what, const std::string& file, Diagnostics& diag, Fn fn) {
  if (!map.IsMap()) {
    diag.report(location_of(map, file), "'" + what + "' must be a mapping (key: value entries)");
    return;
  }
  std::map<std::string, int> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const Location at = location_of(it->first, file);
    const std::string key = it->first.Scalar();
    if (const auto [first, fresh] = seen.emplace(to_lower(key), at.line); !fresh) {
      diag.report(at, "'" + what + "': '" + key + "' appears twice (first at line " + std::to_string(first->second) + ")");
      continue;
    }
    fn(key, it->second, at);
  }
}

void load_tag_quants(Catalog& cat, const YAML::Node& node, const std::string& file, Diagnostics& diag) {
  Entry e(node, file, diag, {"suffixes", "source"});
  if (!node.IsMap()) return;
  if (e.strings("source").empty()) e.problem("", "tag_quants: missing source");
  if (!e.has("suffixes")) e.problem("", "tag_quants: missing required key 'suffixes'");
  else
    for_each_pair(e.child("suffixes"), "suffixes", file, diag, [&](const std::string& suffix, const YAML::Node& v, const Location& at) {
      if (!valid_word(to_lower(suffix))) return diag.report(at, "'suffixes': '" + suffix + "' is not a single tag word");
      if (!v.IsScalar() || v.Scalar().empty()) return diag.report(at, "'suffixes': '" + suffix + "' needs a mix id");
      OllamaQuantTag q{suffix, v.Scalar(), at};
      auto it = std::find_if(cat.ollama_quants.begin(), cat.ollama_quants.end(),
                             [&](const OllamaQuantTag& x) { return to_lower(x.suffix) == to_lower(suffix); });
      if (it != cat.ollama_quants.end()) *it = std::move(q);  // a later file replaces a suffix
      else cat.ollama_quants.push_back(std::move(q));
    });
  e.finish();
}

void read_tags(CatalogOllama& o, Entry& e, const std::string& file, Diagnostics& diag, std::map<std::string, int>& tags) {
  auto claim = [&](const std::string& tag, const Location& at) {
    if (!valid_name(tag)) {
      diag.report(at, "tag '" + tag + "' is not a lower-case Ollama tag ([a-z0-9._-])");
      return false;
    }
    if (tag == "latest") {
      diag.report(at, "'latest' is not a size tag; name the size with the 'latest' key");
      return false;
    }
    if (const auto [first, fresh] = tags.emplace(tag, at.line); !fresh) {
      diag.report(at, "tag '" + tag + "' appears twice in '" + o.name + "' (first at line " + std::to_string(first->second) + ")");
      return false;
    }
    return true;
  };
  if (!e.has("tags") && !e.has("missing")) e.problem("", "missing required key 'tags' (or 'missing' when the catalog has none of its models)");
  if (e.has("tags"))
    for_each_pair(e.child("tags"), "tags", file, diag, [&](const std::string& tag, const YAML::Node& v, const Location& at) {
      if (!claim(tag, at)) return;
      OllamaTag t{tag, "", ""};
      if (v.IsScalar()) t.model = v.Scalar();
      else if (v.IsMap()) {
        Entry te(v, file, diag, {"model", "quant"});
        t.model = te.str("model", true);
        t.quant = te.str("quant");
        te.finish();
      } else return diag.report(at, "tag '" + tag + "': expected a model id or {model: ID, quant: MIX}");
      if (!t.model.empty()) o.tags.push_back(std::move(t));
    });
  if (e.has("missing"))
    for_each_pair(e.child("missing"), "missing", file, diag, [&](const std::string& tag, const YAML::Node& v, const Location& at) {
      if (!claim(tag, at)) return;
      if (!v.IsScalar() || v.Scalar().empty()) return diag.report(at, "missing tag '" + tag + "': say which model it is");
      o.missing.push_back({tag, v.Scalar()});
    });
}

}  // namespace

void load_ollama(Catalog& cat, const YAML::Node& root, const std::string& file, Diagnostics& diag) {
  static const std::vector<std::string> keys = {"name", "tags", "missing", "latest", "quant", "variants",
                                                "notes", "source", "unconfirmed"};
  std::map<std::string, int> seen;
  for_each_entry(root, file, diag, "ollama", {"schema_version", "tag_quants", "ollama"}, [&](const YAML::Node& node) {
    Entry e(node, file, diag, keys);
    if (!node.IsMap()) return;
    CatalogOllama o;
    o.name = e.str("name", true);
    if (!o.name.empty() && !valid_name(o.name)) e.problem("name", "'" + o.name + "' is not a lower-case Ollama name ([a-z0-9._-])");
    std::map<std::string, int> tags;
    read_tags(o, e, file, diag, tags);
    o.latest = e.str("latest", true);
    if (!o.latest.empty() && tags.count(o.latest) == 0) {
      std::vector<std::string> known;
      for (const auto& [t, line] : tags) known.push_back(t);
      e.problem("latest", "'" + o.latest + "' is not one of this name's tags" + did_you_mean(o.latest, known));
    }
    o.quant = e.str("quant", true);
    o.variants = e.strings("variants");
    for (const std::string& v : o.variants)
      if (!valid_word(v)) e.problem("variants", "'" + v + "' is not a single lower-case tag word");
    o.meta = read_meta(e);
    for (const std::string& u : o.meta.unconfirmed)
      if (std::find(keys.begin(), keys.end(), u) == keys.end() && tags.count(u) == 0)
        e.problem("unconfirmed", "'" + u + "' is neither a key nor a tag of this entry" + did_you_mean(u, keys));
    e.finish();
    if (o.name.empty()) return;
    upsert(cat.ollama, std::move(o), [](const CatalogOllama& x) { return x.name; }, diag, seen);
  });
  if (root.IsMap() && root["tag_quants"].IsDefined() && !root["tag_quants"].IsNull())
    load_tag_quants(cat, root["tag_quants"], file, diag);
}

}  // namespace vramfit::io
