#include "engine/list.hpp"

#include <algorithm>

#include "base/suggest.hpp"

namespace vramfit::engine {
namespace {

bool matches(const std::string& filter, std::initializer_list<std::string> fields) {
  if (filter.empty()) return true;
  const std::string f = io::to_lower(filter);
  for (const std::string& s : fields)
    if (io::to_lower(s).find(f) != std::string::npos) return true;
  return false;
}

}  // namespace

ListAnswer answer_list(Session& s, const ListRequest& r) {
  const io::Catalog& cat = s.catalog();
  ListAnswer a;
  a.what = r.what;
  const std::string& f = r.filter;
  if (r.what == "models") {
    for (const io::CatalogModel& cm : cat.models)
      if (matches(f, {cm.spec.id, cm.spec.name, cm.spec.architecture})) a.models.push_back({&cm, count_params(cm.spec)});
  } else if (r.what == "devices") {
    for (const io::CatalogDevice& cd : cat.devices) {
      const Device& d = cd.device;
      if (matches(f, {d.id, d.name, d.vendor, to_string(d.kind)})) a.devices.push_back(&cd);
    }
  } else if (r.what == "quants") {
    const TypeTable& types = s.types();
    for (const io::CatalogMix& cm : cat.mixes)
      if (matches(f, {cm.mix.id, cm.mix.name, cm.mix.format})) a.mixes.push_back({&cm, types.get(cm.mix.base).bits_per_weight()});
  } else if (r.what == "types") {
    for (const io::CatalogType& ct : cat.types)
      if (matches(f, {ct.type.id}))
        a.types.push_back({&ct, std::find(cat.kv_types.begin(), cat.kv_types.end(), ct.type.id) != cat.kv_types.end()});
  } else if (r.what == "runtimes") {
    for (const RuntimeProfile& rt : cat.runtimes)
      if (matches(f, {rt.id, rt.name})) a.runtimes.push_back(&rt);
  } else if (r.what == "ollama") {
    for (const io::CatalogOllama& o : cat.ollama) {
      for (const io::OllamaTag& tag : o.tags)
        if (matches(f, {o.name + ":" + tag.tag, tag.model}))
          a.ollama.push_back({o.name, tag.tag, tag.model, tag.quant.empty() ? o.quant : tag.quant, tag.tag == o.latest, ""});
      for (const io::OllamaMissing& m : o.missing)
        if (matches(f, {o.name + ":" + m.tag, m.what})) a.ollama.push_back({o.name, m.tag, "", "", m.tag == o.latest, m.what});
    }
  }
  return a;
}

}  // namespace vramfit::engine
