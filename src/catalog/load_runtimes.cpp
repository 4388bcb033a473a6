// runtimes.yaml -> RuntimeProfile, platform rules and GPU links (schema: docs/catalog-format.md).
#include "catalog/load_common.hpp"

namespace vramfit::io {
namespace {

// links: the GPU-to-GPU links of tensor parallel (parallel.hpp). An id replaces an earlier entry.
void load_links(Catalog& cat, const YAML::Node& root, const std::string& file, Diagnostics& diag) {
  if (!root.IsMap() || !root["links"].IsDefined() || root["links"].IsNull()) return;
  const YAML::Node list = root["links"];
  if (!list.IsSequence()) {
    diag.report(location_of(list, file), "'links' must be a list");
    return;
  }
  std::map<std::string, int> seen;
  for (const YAML::Node& node : list) {
    Entry e(node, file, diag, {"id", "name", "kind", "pcie_gen", "bandwidth_gbs", "latency_us", "source"});
    if (!node.IsMap()) continue;
    LinkProfile l;
    l.id = read_id(e);
    l.name = e.str("name", false, l.id);
    const std::string kind = e.str("kind", true);
    if (kind == "nvlink") l.kind = LinkKind::nvlink;
    else if (kind == "pcie") l.kind = LinkKind::pcie;
    else if (!kind.empty()) e.problem("kind", "unknown link kind '" + kind + "' (pcie, nvlink)");
    const bool pcie = l.kind == LinkKind::pcie;
    l.pcie_gen = e.integer("pcie_gen", 1, 10, pcie && kind == "pcie");
    l.bandwidth_gbs = e.number("bandwidth_gbs", pcie ? 0.001 : 0.0, 1e6, pcie && kind == "pcie");
    l.latency_us = e.number("latency_us", 0, 1e6, true);
    l.source = e.strings("source");
    const Location where = e.loc();
    e.finish();
    if (l.id.empty()) continue;
    const auto index = slot_for(cat.links, l.id, [](const LinkProfile& x) { return x.id; }, where, diag, seen);
    if (!index) continue;
    if (*index == cat.links.size()) cat.links.push_back(std::move(l));
    else cat.links[*index] = std::move(l);
    cat.link_where.resize(cat.links.size());
    cat.link_where[*index] = where;
  }
}

// platforms: the GPU share of unified memory (docs/unified-memory.md). An id replaces an earlier entry.
void load_platforms(Catalog& cat, const YAML::Node& root, const std::string& file, Diagnostics& diag) {
  if (!root.IsMap() || !root["platforms"].IsDefined() || root["platforms"].IsNull()) return;
  const YAML::Node platforms = root["platforms"];
  if (!platforms.IsSequence()) {  // a mapping iterates as key/value pairs, not entries
    diag.report(location_of(platforms, file), "'platforms' must be a list");
    return;
  }
  std::map<std::string, int> seen;
  for (const YAML::Node& node : platforms) {
    Entry e(node, file, diag, {"id", "name", "gpu_share", "wired_limit", "os_reserve_gib", "how", "unconfirmed", "source"});
    if (!node.IsMap()) continue;
    UnifiedMemoryPlatform p;
    p.id = read_id(e);
    p.name = e.str("name", false, p.id);
    // wired_limit is the name macOS gives its share (the key this file used first); gpu_share the general one.
    if (e.has("gpu_share") && e.has("wired_limit")) e.problem("wired_limit", "give gpu_share or wired_limit, not both");
    const std::string key = e.has("wired_limit") ? "wired_limit" : "gpu_share";
    const YAML::Node rules = e.child(key);
    if (rules.IsDefined() && !rules.IsNull() && !rules.IsSequence()) e.problem(key, "'" + key + "' must be a list of {max_memory_gib, fraction}");
    if (rules.IsSequence())
      for (const YAML::Node& rn : rules) {
        Entry r(rn, file, diag, {"max_memory_gib", "fraction"});
        p.share.push_back({r.number("max_memory_gib", 0, 1 << 20), r.number("fraction", 0.01, 1.0, true, 0.75)});
        r.finish();
      }
    p.os_reserve_gib = e.number("os_reserve_gib", 0, 1 << 20);
    p.how = e.str("how");
    p.unconfirmed = e.strings("unconfirmed");
    p.source = e.strings("source");
    const Location where = e.loc();
    e.finish();
    if (p.id.empty()) continue;
    const auto index = slot_for(cat.platforms, p.id, [](const UnifiedMemoryPlatform& x) { return x.id; }, where, diag, seen);
    if (!index) continue;
    if (*index == cat.platforms.size()) cat.platforms.push_back(std::move(p));
    else cat.platforms[*index] = std::move(p);
    cat.platform_where.resize(cat.platforms.size());
    cat.platform_where[*index] = where;
  }
}

}  // namespace

void load_runtimes(Catalog& cat, const YAML::Node& root, const std::string& file, Diagnostics& diag) {
  const std::vector<std::string> top = {"schema_version", "runtimes", "platforms", "links", "finetune"};
  std::map<std::string, int> seen;
  for_each_entry(root, file, diag, "runtimes", top, [&](const YAML::Node& node) {
    Entry e(node, file, diag,
            {"id", "name", "kind", "default_context", "default_quant", "pool", "prefill_chunk", "ubatch", "batch",
             "kv_pad", "flash_attention", "kv_type", "device_overhead_mib", "fit_margin_mib", "embeddings_on_host",
             "vendors", "source", "notes"});
    if (!node.IsMap()) return;
    RuntimeProfile r;
    r.id = read_id(e);
    r.name = e.str("name", false, r.id);
    const std::string kind = e.str("kind", false, "llamacpp");
    if (kind == "llamacpp") r.kind = RuntimeKind::llamacpp;
    else if (kind == "pool") r.kind = RuntimeKind::pool;
    else if (kind == "direct") r.kind = RuntimeKind::direct;
    else e.problem("kind", "unknown runtime kind '" + kind + "' (llamacpp, pool, direct)");
    r.default_context = e.integer("default_context", -1, std::int64_t{1} << 31);
    r.default_quant = e.str("default_quant");
    r.prefill_chunk = e.integer("prefill_chunk", 0, 1 << 24);
    if (e.has("pool")) {
      Entry o(e.child("pool"), file, diag,
              {"base", "fraction", "block_tokens", "max_batched_tokens", "max_seqs", "non_torch_mib", "cuda_graphs_mib",
               "activation_bytes"});
      PoolConfig& c = r.pool;
      const std::string base = o.str("base", false, "total");
      if (base == "total") c.base = PoolBase::total;
      else if (base == "free") c.base = PoolBase::free;
      else o.problem("base", "unknown pool base '" + base + "' (total, free)");
      c.fraction = o.number("fraction", 0.01, 1.0, true);
      c.block_tokens = o.integer("block_tokens", 1, 1 << 16, true);
      c.max_batched_tokens = o.integer("max_batched_tokens", 1, 1 << 24, true);
      c.max_seqs = o.integer("max_seqs", 1, 1 << 20, true);
      c.non_torch = mib(o.integer("non_torch_mib", 0, 1 << 20));
      c.cuda_graphs = mib(o.integer("cuda_graphs_mib", 0, 1 << 20));
      c.activation_bytes = o.integer("activation_bytes", 1, 8, false, 2);
      o.finish();
    } else if (r.kind == RuntimeKind::pool) {
      e.problem("pool", "a pool runtime needs its pool: rules (fraction, block_tokens, max_batched_tokens, max_seqs)");
    }
    r.ubatch = e.integer("ubatch", 1, 1 << 20, false, 512);
    r.batch = e.integer("batch", 1, 1 << 20, false, 2048);
    r.kv_pad = e.integer("kv_pad", 1, 1 << 16, false, 256);
    r.flash_attention = e.boolean("flash_attention", true);
    r.kv_type = e.str("kv_type", false, "f16");
    if (e.has("device_overhead_mib")) {
      Entry o(e.child("device_overhead_mib"), file, diag, {"cuda", "rocm", "metal", "other", "cpu"});
      r.overhead_cuda = mib(o.integer("cuda", 0, 1 << 20));
      r.overhead_rocm = mib(o.integer("rocm", 0, 1 << 20));
      r.overhead_metal = mib(o.integer("metal", 0, 1 << 20));
      r.overhead_other = mib(o.integer("other", 0, 1 << 20));
      r.overhead_cpu = mib(o.integer("cpu", 0, 1 << 20));
      o.finish();
    }
    r.fit_margin = mib(e.integer("fit_margin_mib", 0, 1 << 20));
    r.embeddings_on_host = e.boolean("embeddings_on_host", true);
    r.vendors = e.strings("vendors");
    r.source = e.strings("source");
    r.notes = e.str("notes");
    const Location where = e.loc();
    e.finish();
    if (r.id.empty()) return;
    const auto index = slot_for(cat.runtimes, r.id, [](const RuntimeProfile& x) { return x.id; }, where, diag, seen);
    if (!index) return;
    if (*index == cat.runtimes.size()) cat.runtimes.push_back(std::move(r));
    else cat.runtimes[*index] = std::move(r);
    cat.runtime_where.resize(cat.runtimes.size());
    cat.runtime_where[*index] = where;
  });
  load_links(cat, root, file, diag);
  load_finetune(cat, root, file, diag);
  load_platforms(cat, root, file, diag);
}

}  // namespace vramfit::io
