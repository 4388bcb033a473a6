#include "catalog/check.hpp"

#include "base/suggest.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>

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
    // A model that is not estimable has no count of its own to compare (its architecture is not modelled).
    if (m.params_total_b > 0 && cm.not_estimable.empty()) {
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
    if (!m.expert_format.empty() && find_by_id(types.types, m.expert_format) == nullptr)
      diag.report(cm.meta.where, "model '" + m.id + "': expert_format '" + m.expert_format + "' is not a tensor type in quants.yaml");
    if (!cm.default_quant.empty()) {
      const auto mix = std::find_if(cat.mixes.begin(), cat.mixes.end(), [&](const CatalogMix& x) { return x.mix.id == cm.default_quant; });
      if (mix == cat.mixes.end())
        diag.report(cm.meta.where, "model '" + m.id + "': default_quant '" + cm.default_quant + "' is not a mix id in quants.yaml");
      else if (mix->mix.format != "gguf")
        diag.report(cm.meta.where, "model '" + m.id + "': default_quant '" + cm.default_quant + "' is a " + mix->mix.format +
                                       " format; it is the GGUF runtimes' default (checkpoint runtimes take native_format)");
    }
  }
}

// "2025", "2025-06" or "2025-06-30": when a street price was seen (prices move; an undated one cannot age).
bool valid_price_date(const std::string& s) {
  auto digits = [&](std::size_t at, std::size_t n) {
    if (s.size() < at + n) return false;
    for (std::size_t i = at; i < at + n; ++i)
      if (s[i] < '0' || s[i] > '9') return false;
    return true;
  };
  if (!digits(0, 4) || s.compare(0, 4, "1990") < 0 || s.compare(0, 4, "2100") > 0) return false;
  if (s.size() == 4) return true;
  if (s[4] != '-' || !digits(5, 2) || s.compare(5, 2, "01") < 0 || s.compare(5, 2, "12") > 0) return false;
  if (s.size() == 7) return true;
  return s.size() == 10 && s[7] == '-' && digits(8, 2) && s.compare(8, 2, "01") >= 0 && s.compare(8, 2, "31") <= 0;
}

// devices.yaml street_price (docs/catalog-format.md): positive figures, low <= high, a date, a source,
// a memory size the device is sold with, and one quote per condition and memory size.
void check_street_prices(const CatalogDevice& cd, Diagnostics& diag) {
  const Device& d = cd.device;
  for (std::size_t i = 0; i < cd.street_prices.size(); ++i) {
    const PriceQuote& q = cd.street_prices[i];
    const Location& at = i < cd.street_where.size() ? cd.street_where[i] : cd.meta.where;
    const std::string who = "device '" + d.id + "': street_price " + (q.used ? "used" : "new");
    if (q.low_usd <= 0 || q.high_usd <= 0) diag.report(at, who + ": usd must be positive");
    else if (q.low_usd > q.high_usd) diag.report(at, who + ": range [low, high] with low above high");
    if (!valid_price_date(q.date)) diag.report(at, who + ": date '" + q.date + "' is not YYYY, YYYY-MM or YYYY-MM-DD");
    if (q.source.find_first_not_of(" \t") == std::string::npos) diag.report(at, who + ": missing source");
    if (q.memory_gib > 0) {
      const std::vector<double>& opts = d.memory_options_gib;
      const bool listed = opts.empty() ? std::abs(q.memory_gib - d.memory_gib) < 0.01
                                       : std::any_of(opts.begin(), opts.end(), [&](double o) { return std::abs(o - q.memory_gib) < 0.01; });
      if (!listed) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%g", q.memory_gib);
        diag.report(at, who + ": memory_gib " + buf + " is not a memory size of the device (memory_options_gib)");
      }
    }
    for (std::size_t j = 0; j < i; ++j) {
      const PriceQuote& o = cd.street_prices[j];
      if (o.used == q.used && std::abs(o.memory_gib - q.memory_gib) < 0.01)
        diag.report(at, who + ": a second quote for the same condition and memory (one per condition; keep the newest)");
    }
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
    // Unified memory: the GPU's share comes from a platform rule of runtimes.yaml (docs/unified-memory.md).
    if (d.unified_memory() && cat.platform_of(d) == nullptr) {
      std::vector<std::string> ids;
      std::string listed;
      for (const UnifiedMemoryPlatform& p : cat.platforms) ids.push_back(p.id), listed += (listed.empty() ? "" : ", ") + p.id;
      diag.report(cd.meta.where, "device '" + d.id + "': " +
                                     (d.memory_platform.empty() ? std::string("unified-memory device without memory_platform")
                                                                : "unknown memory_platform '" + d.memory_platform + "'" + did_you_mean(d.memory_platform, ids)) +
                                     " (platforms in runtimes.yaml: " + listed + ")");
    }
    if (!d.unified_memory() && !d.memory_platform.empty())
      diag.report(cd.meta.where, "device '" + d.id + "': memory_platform is for unified-memory devices (kind apple, igpu, soc)");
    check_street_prices(cd, diag);
    for (const std::string& u : cd.meta.unconfirmed)
      if (std::find(device_keys().begin(), device_keys().end(), u) == device_keys().end())
        diag.report(cd.meta.where, "device '" + d.id + "': unconfirmed '" + u + "' is not a devices.yaml key" + did_you_mean(u, device_keys()));
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

// ollama.yaml points into models.yaml and quants.yaml by exact id (the data stays canonical).
void check_ollama(const Catalog& cat, Diagnostics& diag) {
  std::vector<std::string> model_ids, mix_ids;
  for (const CatalogModel& m : cat.models) model_ids.push_back(m.spec.id);
  for (const CatalogMix& m : cat.mixes) mix_ids.push_back(m.mix.id);
  auto known = [](const std::vector<std::string>& ids, const std::string& id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  };
  for (const OllamaQuantTag& t : cat.ollama_quants)
    if (!known(mix_ids, t.mix))
      diag.report(t.where, "ollama tag suffix '" + t.suffix + "': unknown mix '" + t.mix + "'" + did_you_mean(t.mix, mix_ids));
  for (const CatalogOllama& o : cat.ollama) {
    require_source(o, "ollama name", o.name, diag);
    const std::string what = "ollama '" + o.name + "'";
    if (!known(mix_ids, o.quant))
      diag.report(o.meta.where, what + ": unknown mix '" + o.quant + "'" + did_you_mean(o.quant, mix_ids));
    for (const OllamaTag& t : o.tags) {
      if (!known(model_ids, t.model))
        diag.report(o.meta.where, what + " tag '" + t.tag + "': unknown model '" + t.model + "'" + did_you_mean(t.model, model_ids));
      if (!t.quant.empty() && !known(mix_ids, t.quant))
        diag.report(o.meta.where, what + " tag '" + t.tag + "': unknown mix '" + t.quant + "'" + did_you_mean(t.quant, mix_ids));
    }
  }
}

}  // namespace

void check_catalog(const Catalog& cat, Diagnostics& diag, const CheckOptions& opt) {
  check_models(cat, diag, opt);
  check_devices(cat, diag, opt);
  check_quants(cat, diag);
  check_ollama(cat, diag);
  for (std::size_t i = 0; i < cat.runtimes.size(); ++i)
    if (cat.runtimes[i].source.empty())
      diag.report(i < cat.runtime_where.size() ? cat.runtime_where[i] : Location{"runtimes.yaml", 0, 0},
                  "runtime '" + cat.runtimes[i].id + "': missing source");
  for (std::size_t i = 0; i < cat.links.size(); ++i)
    if (cat.links[i].source.empty())
      diag.report(i < cat.link_where.size() ? cat.link_where[i] : Location{"runtimes.yaml", 0, 0},
                  "link '" + cat.links[i].id + "': missing source");
  static const std::vector<std::string> platform_keys = {"name", "gpu_share", "wired_limit", "os_reserve_gib", "how"};
  for (std::size_t i = 0; i < cat.platforms.size(); ++i) {
    const UnifiedMemoryPlatform& p = cat.platforms[i];
    const Location where = i < cat.platform_where.size() ? cat.platform_where[i] : Location{"runtimes.yaml", 0, 0};
    if (p.source.empty()) diag.report(where, "platform '" + p.id + "': missing source");
    for (const std::string& u : p.unconfirmed)
      if (std::find(platform_keys.begin(), platform_keys.end(), u) == platform_keys.end())
        diag.report(where, "platform '" + p.id + "': unconfirmed '" + u + "' is not a platform key" + did_you_mean(u, platform_keys));
  }
}

}  // namespace vramfit::io

// ---- catalog check --against DIR ----------------------------------------------------------------

namespace vramfit::io {
namespace {

std::string kinds_of(const ModelSpec& m) {
  std::string s;
  for (LayerKind k : m.layer_pattern) s += (s.empty() ? "" : ",") + std::string(to_string(k));
  return "[" + s + "]";
}

// fp16 and f16 name the same storage (catalog entries use both); fp8-block is FP8 with block scales.
std::string storage(const std::string& f) {
  const std::string l = to_lower(f);
  return l == "f16" ? "fp16" : l == "fp8-block" ? "fp8" : l;
}

}  // namespace

std::vector<std::string> spec_differences(const ModelSpec& c, const ModelSpec& o) {
  std::vector<std::string> d;
  auto cmp = [&](const char* field, auto here, auto cat) {
    if (here != cat) {
      std::ostringstream s;
      s << std::boolalpha << field << ": " << here << " here, " << cat << " in the catalog";
      d.push_back(s.str());
    }
  };
  cmp("architecture", o.architecture, c.architecture);
  cmp("layers", o.layers, c.layers);
  cmp("hidden_size", o.hidden, c.hidden);
  cmp("heads", o.heads, c.heads);
  cmp("kv_heads", o.kv_heads, c.kv_heads);
  cmp("head_dim", o.head_dim_k, c.head_dim_k);
  cmp("head_dim_v", o.head_dim_v, c.head_dim_v);
  cmp("ffn_size", o.ffn, c.ffn);
  cmp("ffn_gated", o.ffn_gated, c.ffn_gated);
  cmp("vocab", o.vocab, c.vocab);
  cmp("tied_embeddings", o.tied_embeddings, c.tied_embeddings);
  cmp("max_context", o.max_context, c.max_context);
  cmp("norms_per_layer", o.norms_per_layer, c.norms_per_layer);
  cmp("deepstack_layers", o.deepstack_layers, c.deepstack_layers);
  cmp("qk_norm", o.qk_norm, c.qk_norm);
  if (o.qk_norm && c.qk_norm) cmp("qk_norm full", o.qk_norm_full, c.qk_norm_full);
  cmp("attn_bias", static_cast<int>(o.attn_bias), static_cast<int>(c.attn_bias));
  cmp("attn_output_gate", o.attn_output_gate, c.attn_output_gate);
  cmp("attn_sinks", o.attn_sinks, c.attn_sinks);
  cmp("final_norm", o.final_norm, c.final_norm);
  bool same_layers = o.layers == c.layers;
  for (std::int64_t il = 0; same_layers && il < o.layers; ++il) same_layers = o.layer_kind(il) == c.layer_kind(il);
  if (!same_layers) d.push_back("attention.layer_pattern: " + kinds_of(o) + " here, " + kinds_of(c) + " in the catalog");
  cmp("attention.sliding_window", o.sliding_window, c.sliding_window);
  cmp("attention.chunk_size", o.chunk_size, c.chunk_size);
  cmp("mla.q_lora_rank", o.mla.q_lora_rank, c.mla.q_lora_rank);
  cmp("mla.kv_lora_rank", o.mla.kv_lora_rank, c.mla.kv_lora_rank);
  cmp("mla.qk_rope_head_dim", o.mla.qk_rope_head_dim, c.mla.qk_rope_head_dim);
  cmp("mla.qk_nope_head_dim", o.mla.qk_nope_head_dim, c.mla.qk_nope_head_dim);
  cmp("mla.v_head_dim", o.mla.v_head_dim, c.mla.v_head_dim);
  cmp("mla.index_heads", o.mla.index_heads, c.mla.index_heads);
  cmp("mla.index_head_dim", o.mla.index_head_dim, c.mla.index_head_dim);
  cmp("moe.experts", o.moe.experts, c.moe.experts);
  if (o.moe.present() && c.moe.present()) {
    cmp("moe.experts_per_token", o.moe.experts_per_token, c.moe.experts_per_token);
    cmp("moe.expert_ffn_size", o.moe.expert_ffn, c.moe.expert_ffn);
    cmp("moe.shared_experts", o.moe.shared_experts, c.moe.shared_experts);
    if (o.moe.shared_experts > 0 && c.moe.shared_experts > 0) cmp("moe.shared_expert_ffn_size", o.moe.shared_ffn, c.moe.shared_ffn);
    cmp("moe.dense_leading_layers", o.moe.dense_leading_layers, c.moe.dense_leading_layers);
    bool same_moe = true;
    for (std::int64_t il = 0; same_moe && il < std::min(o.layers, c.layers); ++il) same_moe = o.is_moe_layer(il) == c.is_moe_layer(il);
    if (!same_moe) d.push_back("moe.layer_step/layer_offset: the MoE layers differ");
    cmp("moe.router_bias", o.moe.router_bias, c.moe.router_bias);
    cmp("moe.expert_bias", o.moe.expert_bias, c.moe.expert_bias);
    cmp("moe.shared_expert_gate", o.moe.shared_expert_gate, c.moe.shared_expert_gate);
    cmp("moe.norm_topk_prob", o.moe.weights_norm, c.moe.weights_norm);
    if (static_cast<float>(o.moe.weights_scale) != static_cast<float>(c.moe.weights_scale))  // GGUF stores an f32
      cmp("moe.routed_scaling_factor", o.moe.weights_scale, c.moe.weights_scale);
  }
  cmp("ssm.kind", static_cast<int>(o.ssm.kind), static_cast<int>(c.ssm.kind));
  if (o.ssm.kind != SsmKind::none && o.ssm.kind == c.ssm.kind) {
    cmp("ssm.d_state", o.ssm.d_state, c.ssm.d_state);
    cmp("ssm.d_conv", o.ssm.d_conv, c.ssm.d_conv);
    cmp("ssm.d_inner", o.ssm.d_inner, c.ssm.d_inner);
    cmp("ssm.n_groups", o.ssm.n_groups, c.ssm.n_groups);
    cmp("ssm.n_heads", o.ssm.n_heads, c.ssm.n_heads);
    cmp("ssm.dt_rank", o.ssm.dt_rank, c.ssm.dt_rank);
    cmp("ssm.conv_bias", o.ssm.conv_bias, c.ssm.conv_bias);
    cmp("ssm.proj_bias", o.ssm.proj_bias, c.ssm.proj_bias);
    cmp("ssm.inner_norms", o.ssm.inner_norms, c.ssm.inner_norms);
  }
  // Gemma 3n / 4: global layers' shape, KV sharing, per-layer inputs.
  cmp("attention.full_head_dim", o.head_dim_full, c.head_dim_full);
  cmp("attention.full_kv_heads", o.kv_heads_full, c.kv_heads_full);
  cmp("attention.full_k_eq_v", o.full_k_eq_v, c.full_k_eq_v);
  cmp("attention.kv_shared_layers", o.kv_shared_layers, c.kv_shared_layers);
  cmp("ffn_size_kv_shared", o.ffn_kv_shared, c.ffn_kv_shared);
  cmp("per_layer.embed_dim", o.per_layer.embed_dim, c.per_layer.embed_dim);
  cmp("per_layer.altup_inputs", o.per_layer.altup_inputs, c.per_layer.altup_inputs);
  cmp("per_layer.laurel_rank", o.per_layer.laurel_rank, c.per_layer.laurel_rank);
  cmp("per_layer.layer_scalar", o.per_layer.layer_scalar, c.per_layer.layer_scalar);
  cmp("vision.params", o.vision.params, c.vision.params);
  cmp("vision.projector_params", o.vision.projector_params, c.vision.projector_params);
  cmp("vision.tokens_per_image", o.vision.tokens_per_image, c.vision.tokens_per_image);
  cmp("native_format", storage(o.native_format), storage(c.native_format));
  cmp("expert_format", o.expert_format, c.expert_format);
  return d;
}

}  // namespace vramfit::io
