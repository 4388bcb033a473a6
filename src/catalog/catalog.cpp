#include "catalog/catalog.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "catalog/suggest.hpp"
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
  throw InputError("unknown " + what + " '" + id + "'" + did_you_mean(id, ids) + "; see '" + list_hint + "'");
}

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

void load_catalog_text(Catalog& cat, const std::string& file_name, const std::string& display_name,
                       const std::string& text, Diagnostics& diag) {
  cat.files.push_back(display_name);
  const YAML::Node root = parse_yaml(text, display_name);
  if (!root.IsDefined() || root.IsNull()) return;  // an empty file adds nothing
  if (file_name == "models.yaml") load_models(cat, root, display_name, diag);
  else if (file_name == "devices.yaml") load_devices(cat, root, display_name, diag);
  else if (file_name == "quants.yaml") load_quants(cat, root, display_name, diag);
  else if (file_name == "runtimes.yaml") load_runtimes(cat, root, display_name, diag);
  else if (file_name == "speed.yaml") load_speed(cat, root, display_name, diag);
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
