// Shared pieces of the per-file catalog loaders.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "base/ids.hpp"
#include "base/suggest.hpp"
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

// The entry's `id`, checked against the id rule (base/ids.hpp); "" when missing or invalid.
inline std::string read_id(Entry& e) {
  std::string id = e.str("id", true);
  if (!id.empty() && !valid_id(id)) {
    e.problem("id", quote_cut(id) + " is not a valid id (" + kIdRule + ")");
    return {};
  }
  return id;
}

inline EntryMeta read_meta(Entry& e) {
  EntryMeta m;
  m.where = e.loc();
  m.aliases = e.strings("aliases");
  for (const std::string& a : m.aliases)
    if (!valid_id(a)) e.problem("aliases", quote_cut(a) + " is not a valid id (" + kIdRule + ")");
  m.source = e.strings("source");
  m.unconfirmed = e.strings("unconfirmed");
  m.notes = e.str("notes");
  return m;
}

// Where an entry with `id` goes: the index of the entry an earlier file defined with that id (that is
// how --catalog-dir overrides work, even when the same file is given twice), or items.size() for a new
// one; nullopt, reported, when the id repeats within the file being read (`seen` holds its ids, with
// their lines). Ids are compared ignoring case, as every look-up does: 'RTX-4090' beside 'rtx-4090'
// could never be asked for.
template <class T, class IdOf>
std::optional<std::size_t> slot_for(const std::vector<T>& items, const std::string& id, IdOf id_of, const Location& where,
                                    Diagnostics& diag, std::map<std::string, int>& seen) {
  const std::string key = to_lower(id);
  const auto [first, fresh] = seen.emplace(key, where.line);
  if (!fresh) {
    diag.report(where, "duplicate id '" + id + "' (first defined at line " + std::to_string(first->second) + ")");
    return std::nullopt;
  }
  const auto it = std::find_if(items.begin(), items.end(), [&](const T& x) { return to_lower(id_of(x)) == key; });
  return static_cast<std::size_t>(it - items.begin());
}

// Adds an entry or replaces the one with the same id (slot_for).
template <class T, class IdOf>
void upsert(std::vector<T>& items, T item, IdOf id_of, Diagnostics& diag, std::map<std::string, int>& seen) {
  const std::optional<std::size_t> at = slot_for(items, id_of(item), id_of, item.meta.where, diag, seen);
  if (!at) return;
  if (*at == items.size()) items.push_back(std::move(item));
  else items[*at] = std::move(item);
}

}  // namespace vramfit::io
