// quants.yaml -> TensorType, QuantMix and the KV type list (schema: docs/catalog-format.md).
#include <charconv>

#include "catalog/load_common.hpp"

namespace vramfit::io {
namespace {

void read_rule(CatalogMix& cm, const YAML::Node& n, const std::string& file, Diagnostics& diag) {
  Entry r(n, file, diag, {"tensors", "type", "layers", "when"});
  MixRule rule;
  rule.tensors = r.strings("tensors");
  if (rule.tensors.empty()) r.problem("tensors", "a rule needs at least one tensor name");
  rule.type = r.str("type", true);
  const std::string layers = r.str("layers", false, "all");
  const auto colon = layers.find(':');
  const std::string sel = layers.substr(0, colon);
  const bool counted = sel == "first" || sel == "first_fraction" || sel == "middle_fraction";
  if (colon != std::string::npos) {
    const std::string num = layers.substr(colon + 1);
    const auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), rule.select_n);
    if (!counted) r.problem("layers", "'" + sel + "' takes no count ('" + layers + "')");
    else if (ec != std::errc() || end != num.data() + num.size() || rule.select_n <= 0)
      r.problem("layers", "'" + layers + "' needs a positive integer after ':'");
  }
  if (sel == "all" && colon == std::string::npos) rule.select = LayerSelect::all;
  else if (sel == "use_more_bits" && colon == std::string::npos) rule.select = LayerSelect::use_more_bits;
  else if (sel == "first" && colon != std::string::npos) rule.select = LayerSelect::first;
  else if (sel == "first_fraction" && colon != std::string::npos) rule.select = LayerSelect::first_fraction;
  else if (sel == "middle_fraction" && colon != std::string::npos) rule.select = LayerSelect::middle_fraction;
  else r.problem("layers", "unknown layer selection '" + layers + "' (all, use_more_bits, first:N, first_fraction:N, middle_fraction:N)");
  if (r.has("when")) {
    Entry w(r.child("when"), file, diag, {"min_gqa", "experts", "layers"});
    rule.min_gqa = w.number("min_gqa", 0, 1024);
    rule.when_experts = w.integer("experts", 0, 1 << 16);
    rule.when_layers = w.integer("layers", 0, 1 << 16);
    w.finish();
  }
  r.finish();
  cm.mix.rules.push_back(std::move(rule));
}

}  // namespace

void load_quants(Catalog& cat, const YAML::Node& root, const std::string& file, Diagnostics& diag) {
  std::map<std::string, int> seen_types, seen_mixes;
  const std::vector<std::string> top = {"schema_version", "tensor_types", "kv_types", "mixes"};
  for_each_entry(root, file, diag, "tensor_types", top, [&](const YAML::Node& node) {
    Entry e(node, file, diag, {"id", "block_size", "block_bytes", "row_bytes", "kv", "fallback", "note", "source"});
    if (!node.IsMap()) return;
    CatalogType ct;
    TensorType& t = ct.type;
    t.id = read_id(e);
    t.block_size = e.integer("block_size", 1, 1 << 20, true, 1);
    t.block_bytes = e.integer("block_bytes", 1, 1 << 24, true, 1);
    t.row_bytes = e.integer("row_bytes", 0, 1 << 16);
    t.kv = e.boolean("kv");
    t.fallback = e.str("fallback");
    // ggml_is_quantized(): block types; llama.cpp needs flash attention for such a V cache.
    t.quantized = t.block_size > 1;
    ct.meta.where = e.loc();
    ct.meta.source = e.strings("source");
    ct.meta.notes = e.str("note");
    e.finish();
    if (t.id.empty()) return;
    upsert(cat.types, std::move(ct), [](const CatalogType& x) { return x.type.id; }, diag, seen_types);
  });
  if (root.IsMap() && root["kv_types"].IsDefined()) {
    Entry top_entry(root, file, diag, top);
    cat.kv_types_where = top_entry.loc("kv_types");
    for (const std::string& k : top_entry.strings("kv_types"))
      if (std::find(cat.kv_types.begin(), cat.kv_types.end(), k) == cat.kv_types.end()) cat.kv_types.push_back(k);
  }
  if (!root.IsMap() || !root["mixes"].IsDefined()) return;
  const YAML::Node mixes = root["mixes"];
  if (!mixes.IsSequence()) {
    diag.report(location_of(mixes, file), "'mixes' must be a list");
    return;
  }
  for (const YAML::Node& node : mixes) {
    Entry e(node, file, diag,
            {"id", "name", "format", "base", "embeddings", "output", "unquantized", "experts", "vision", "rules",
             "source"});
    if (!node.IsMap()) continue;
    CatalogMix cm;
    QuantMix& q = cm.mix;
    q.id = read_id(e);
    q.name = e.str("name", false, q.id);
    q.format = e.str("format", false, "gguf");
    if (q.format != "gguf" && q.format != "safetensors" && q.format != "mlx")
      e.problem("format", "expected gguf, safetensors or mlx");
    q.base = e.str("base", true);
    q.embeddings = e.str("embeddings");
    q.output = e.str("output");
    q.unquantized = e.str("unquantized", false, "f32");
    q.experts = e.str("experts");
    q.vision = e.str("vision", false, "f16");
    const YAML::Node rules = e.child("rules");
    if (rules.IsDefined() && !rules.IsNull()) {
      if (!rules.IsSequence()) e.problem("rules", "expected a list of rules");
      else
        for (const YAML::Node& r : rules) read_rule(cm, r, file, diag);
    }
    cm.meta.where = e.loc();
    cm.meta.source = e.strings("source");
    e.finish();
    if (q.id.empty()) continue;
    upsert(cat.mixes, std::move(cm), [](const CatalogMix& x) { return x.mix.id; }, diag, seen_mixes);
  }
}

}  // namespace vramfit::io
