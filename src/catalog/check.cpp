#include "catalog/check.hpp"
#include "catalog/suggest.hpp"

#include <cmath>
#include <cstdio>
#include <map>

#include "vramfit/tensors.hpp"

namespace vramfit::io {
namespace {

std::string pct(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.2f %%", x * 100.0);
  return buf;
}

// Ids and aliases share one namespace per catalog list.
template <class T, class IdOf>
void check_names(const std::vector<T>& items, IdOf id_of, const std::string& what, Diagnostics& diag) {
  std::map<std::string, std::string> owner;  // lowercased name -> owning id
  for (const T& x : items) {
    const std::string id = id_of(x);
    auto claim = [&](const std::string& name, bool is_alias) {
      const std::string key = to_lower(name);
      auto [it, inserted] = owner.emplace(key, id);
      if (!inserted && it->second != id)
        diag.report(x.meta.where, what + " '" + id + "': " + (is_alias ? "alias '" : "id '") + name +
                                      "' is already used by '" + it->second + "'");
    };
    claim(id, false);
    for (const std::string& a : x.meta.aliases) claim(a, true);
  }
}

template <class T>
void require_source(const T& x, const std::string& what, const std::string& id, Diagnostics& diag) {
  if (x.meta.source.empty()) diag.report(x.meta.where, what + " '" + id + "': missing source");
}

void check_models(const Catalog& cat, Diagnostics& diag, const CheckOptions& opt) {
  check_names(cat.models, [](const CatalogModel& m) { return m.spec.id; }, "model", diag);
  const TypeTable types = cat.type_table();
  for (const CatalogModel& cm : cat.models) {
    const ModelSpec& m = cm.spec;
    require_source(cm, "model", m.id, diag);
    const ParamCounts c = count_params(m);
    if (m.params_total_b > 0) {
      const double rel = double(c.total) / (m.params_total_b * 1e9) - 1.0;
      if (std::abs(rel) > opt.param_tolerance)
      {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%g", m.params_total_b);
        diag.report(cm.meta.where, "model '" + m.id + "': parameters recomputed from the architecture (" +
                                       std::to_string(c.total) + ") differ from params_total_b " + buf + " (billion) by " + pct(rel));
      }
    }
    if (m.params_active_b > 0 && m.params_active_b > m.params_total_b)
      diag.report(cm.meta.where, "model '" + m.id + "': params_active_b exceeds params_total_b");
    if (m.params_active_b > 0 && !m.moe.present())
      diag.report(cm.meta.where, "model '" + m.id + "': params_active_b is declared but the model has no moe section");
    const bool native_known = find_by_id(types.types, m.native_format) != nullptr ||
                              std::any_of(cat.mixes.begin(), cat.mixes.end(), [&](const CatalogMix& x) {
                                return to_lower(x.mix.id) == to_lower(m.native_format) ||
                                       to_lower(x.mix.id) == "hf-" + to_lower(m.native_format);
                              });
    if (!native_known) diag.report(cm.meta.where, "model '" + m.id + "': native_format '" + m.native_format + "' is not a known type or mix");
  }
}

void check_devices(const Catalog& cat, Diagnostics& diag, const CheckOptions& opt) {
  check_names(cat.devices, [](const CatalogDevice& d) { return d.device.id; }, "device", diag);
  for (const CatalogDevice& cd : cat.devices) {
    const Device& d = cd.device;
    require_source(cd, "device", d.id, diag);
    if (d.memory_bus_bits > 0 && d.memory_data_rate_gbps > 0) {
      const double derived = double(d.memory_bus_bits) / 8.0 * d.memory_data_rate_gbps;
      const double rel = d.bandwidth_gbs / derived - 1.0;
      if (std::abs(rel) > opt.bandwidth_tolerance) {
        char buf[128];
        std::snprintf(buf, sizeof buf, "memory_bandwidth_gbs %.1f differs from bus %lld bit x %.3g Gbit/s = %.1f GB/s by ",
                      d.bandwidth_gbs, static_cast<long long>(d.memory_bus_bits), d.memory_data_rate_gbps, derived);
        diag.report(cd.meta.where, "device '" + d.id + "': " + buf + pct(rel));
      }
    }
    if (d.memory_reported_mib > 0 && double(d.memory_reported_mib) > d.memory_gib * 1024.0 * 1.05)
      diag.report(cd.meta.where, "device '" + d.id + "': memory_reported_mib exceeds memory_gib");
    if (!d.memory_options_gib.empty() &&
        std::none_of(d.memory_options_gib.begin(), d.memory_options_gib.end(), [&](double o) { return std::abs(o - d.memory_gib) < 1e-6; }))
      diag.report(cd.meta.where, "device '" + d.id + "': memory_gib is not one of memory_options_gib");
  }
}

void check_quants(const Catalog& cat, Diagnostics& diag) {
  const TypeTable types = cat.type_table();
  auto known = [&](const std::string& id) { return id.empty() || find_by_id(types.types, id) != nullptr; };
  for (const CatalogType& ct : cat.types) {
    require_source(ct, "tensor type", ct.type.id, diag);
    if (!known(ct.type.fallback))
      diag.report(ct.meta.where, "tensor type '" + ct.type.id + "': unknown fallback '" + ct.type.fallback + "'");
  }
  for (const std::string& k : cat.kv_types) {
    const TensorType* t = find_by_id(types.types, k);
    if (t == nullptr) diag.report(cat.kv_types_where, "kv_types: unknown type '" + k + "'");
    else if (!t->kv) diag.report(cat.kv_types_where, "kv_types: '" + k + "' is not marked kv: true");
  }
  for (const CatalogMix& cm : cat.mixes) {
    const QuantMix& q = cm.mix;
    require_source(cm, "mix", q.id, diag);
    for (const std::string* f : {&q.base, &q.embeddings, &q.output, &q.unquantized, &q.experts, &q.vision})
      if (!known(*f)) diag.report(cm.meta.where, "mix '" + q.id + "': unknown tensor type '" + *f + "'");
    for (const MixRule& r : q.rules)
      if (!known(r.type)) diag.report(cm.meta.where, "mix '" + q.id + "': rule uses unknown tensor type '" + r.type + "'");
  }
}

}  // namespace

void check_catalog(const Catalog& cat, Diagnostics& diag, const CheckOptions& opt) {
  check_models(cat, diag, opt);
  check_devices(cat, diag, opt);
  check_quants(cat, diag);
  for (std::size_t i = 0; i < cat.runtimes.size(); ++i)
    if (cat.runtimes[i].source.empty())
      diag.report(i < cat.runtime_where.size() ? cat.runtime_where[i] : Location{"runtimes.yaml", 0, 0},
                  "runtime '" + cat.runtimes[i].id + "': missing source");
  for (std::size_t i = 0; i < cat.links.size(); ++i)
    if (cat.links[i].source.empty())
      diag.report(i < cat.link_where.size() ? cat.link_where[i] : Location{"runtimes.yaml", 0, 0},
                  "link '" + cat.links[i].id + "': missing source");
}

}  // namespace vramfit::io
