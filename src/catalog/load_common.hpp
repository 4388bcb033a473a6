// Shared pieces of the per-file catalog loaders.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "catalog/yaml_reader.hpp"

namespace vramfit::io {

// Checks `schema_version: 1` and the set of top-level keys, then calls `fn` for each item of `list_key`.
inline void for_each_entry(const YAML::Node& root, const std::string& file, Diagnostics& diag,
                           const std::string& list_key, const std::vector<std::string>& top_keys,
                           const std::function<void(const YAML::Node&)>& fn) {
  Entry top(root, file, diag, top_keys);
  if (!root.IsMap()) return;
  const std::int64_t version = top.integer("schema_version", 1, 1000, true, 1);
  if (version != 1) top.problem("schema_version", "unsupported schema version " + std::to_string(version) + " (this build reads 1)");
  top.finish();
  const YAML::Node list = root[list_key];
  if (!list.IsDefined() || list.IsNull()) return;
  if (!list.IsSequence()) {
    diag.report(location_of(list, file), "'" + list_key + "' must be a list");
    return;
  }
  for (const YAML::Node& item : list) fn(item);
}

inline EntryMeta read_meta(Entry& e) {
  EntryMeta m;
  m.where = e.loc();
  m.aliases = e.strings("aliases");
  m.source = e.strings("source");
  m.unconfirmed = e.strings("unconfirmed");
  m.notes = e.str("notes");
  return m;
}

inline bool valid_id(const std::string& id) {
  static const std::regex re("[A-Za-z0-9][A-Za-z0-9._:/+-]*");
  return std::regex_match(id, re);
}

// Adds an entry, or replaces the entry with the same id that an earlier file defined (that is how
// --catalog-dir overrides work, even when the same file is given twice). The same id twice within
// one file is a duplicate; `seen` holds the ids of the file being read, with their lines.
template <class T, class IdOf>
void upsert(std::vector<T>& items, T item, IdOf id_of, Diagnostics& diag, std::map<std::string, int>& seen) {
  const std::string id = id_of(item);
  const auto [first, fresh] = seen.emplace(id, item.meta.where.line);
  if (!fresh) {
    diag.report(item.meta.where, "duplicate id '" + id + "' (first defined at line " + std::to_string(first->second) + ")");
    return;
  }
  auto it = std::find_if(items.begin(), items.end(), [&](const T& x) { return id_of(x) == id; });
  if (it == items.end()) items.push_back(std::move(item));
  else *it = std::move(item);
}

}  // namespace vramfit::io
