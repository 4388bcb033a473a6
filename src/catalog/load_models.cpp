// models.yaml -> ModelSpec (schema: docs/catalog-format.md).
#include <limits>

#include "catalog/load_common.hpp"

namespace vramfit::io {
namespace {

constexpr std::int64_t kDim = std::int64_t{1} << 24;

LayerKind layer_kind_of(Entry& e, const std::string& s) {
  if (s == "full") return LayerKind::full;
  if (s == "sliding") return LayerKind::sliding;
  if (s == "chunked") return LayerKind::chunked;
  if (s == "mla") return LayerKind::mla;
  if (s == "mamba") return LayerKind::mamba;
  if (s == "linear") return LayerKind::linear;
  if (s == "ffn") return LayerKind::ffn;
  if (s == "cross") return LayerKind::cross;
  e.problem("layer_pattern", "unknown layer kind '" + s + "' (full, sliding, chunked, mla, mamba, linear, ffn, cross)");
  return LayerKind::full;
}

void read_attention(ModelSpec& m, const YAML::Node& n, const std::string& file, Diagnostics& diag) {
  Entry a(n, file, diag,
          {"layer_pattern", "sliding_window", "chunk_size", "full_head_dim", "full_kv_heads", "full_k_eq_v", "kv_shared_layers"});
  std::vector<LayerKind> pattern;
  for (const std::string& s : a.strings("layer_pattern")) pattern.push_back(layer_kind_of(a, s));
  if (pattern.empty()) a.problem("layer_pattern", "missing or empty");
  else m.layer_pattern = pattern;
  m.sliding_window = a.integer("sliding_window", 1, kDim);
  m.chunk_size = a.integer("chunk_size", 1, kDim);
  m.head_dim_full = a.integer("full_head_dim", 1, kDim);
  m.kv_heads_full = a.integer("full_kv_heads", 1, 1 << 16);
  m.full_k_eq_v = a.boolean("full_k_eq_v");
  // The upper bound depends on the model's layers; validate() holds it to layers - 2.
  m.kv_shared_layers = a.integer("kv_shared_layers", 0, 1 << 16);
  a.finish();
}

void read_mla(ModelSpec& m, const YAML::Node& n, const std::string& file, Diagnostics& diag) {
  Entry a(n, file, diag, {"q_lora_rank", "kv_lora_rank", "qk_rope_head_dim", "qk_nope_head_dim", "v_head_dim", "index_heads", "index_head_dim"});
  m.mla.q_lora_rank = a.integer("q_lora_rank", 0, kDim);
  m.mla.kv_lora_rank = a.integer("kv_lora_rank", 1, kDim, true);
  m.mla.qk_rope_head_dim = a.integer("qk_rope_head_dim", 1, kDim, true);
  m.mla.qk_nope_head_dim = a.integer("qk_nope_head_dim", 1, kDim, true);
  m.mla.v_head_dim = a.integer("v_head_dim", 1, kDim, true);
  m.mla.index_heads = a.integer("index_heads", 1, limits::kMaxCount);  // DeepSeek sparse attention indexer
  m.mla.index_head_dim = a.integer("index_head_dim", 1, kDim);
  a.finish();
}

void read_moe(ModelSpec& m, const YAML::Node& n, const std::string& file, Diagnostics& diag) {
  Entry a(n, file, diag,
          {"experts", "experts_per_token", "expert_ffn_size", "shared_experts", "shared_expert_ffn_size",
           "dense_leading_layers", "layer_step", "layer_offset", "router_bias", "expert_bias", "shared_expert_gate",
           "norm_topk_prob", "routed_scaling_factor"});
  MoeSpec& e = m.moe;
  e.experts = a.integer("experts", 1, 1 << 16, true);
  e.experts_per_token = a.integer("experts_per_token", 1, 1 << 16, true);
  e.expert_ffn = a.integer("expert_ffn_size", 1, kDim, true);
  e.shared_experts = a.integer("shared_experts", 0, 1 << 10);
  e.shared_ffn = a.integer("shared_expert_ffn_size", 1, kDim, false, e.expert_ffn);
  e.dense_leading_layers = a.integer("dense_leading_layers", 0, 1 << 16);
  e.layer_step = a.integer("layer_step", 1, 1 << 16, false, 1);
  e.layer_offset = a.integer("layer_offset", 0, 1 << 16);
  e.router_bias = a.boolean("router_bias");
  e.expert_bias = a.boolean("expert_bias");
  e.shared_expert_gate = a.boolean("shared_expert_gate");
  e.weights_norm = a.boolean("norm_topk_prob");
  e.weights_scale = a.number("routed_scaling_factor", 0, 1000);
  if (e.experts_per_token > e.experts) a.problem("experts_per_token", "exceeds experts (" + std::to_string(e.experts) + ")");
  a.finish();
}

void read_ssm(ModelSpec& m, const YAML::Node& n, const std::string& file, Diagnostics& diag) {
  Entry a(n, file, diag,
          {"kind", "d_state", "d_conv", "d_inner", "n_groups", "n_heads", "dt_rank", "conv_bias", "proj_bias",
           "inner_norms"});
  SsmSpec& s = m.ssm;
  const std::string kind = a.str("kind", true);
  if (kind == "mamba1") s.kind = SsmKind::mamba1;
  else if (kind == "mamba2") s.kind = SsmKind::mamba2;
  else if (kind == "gated_deltanet") s.kind = SsmKind::gated_deltanet;
  else if (!kind.empty()) a.problem("kind", "unknown ssm kind '" + kind + "' (mamba1, mamba2, gated_deltanet)");
  s.d_state = a.integer("d_state", 1, kDim, true);
  s.d_conv = a.integer("d_conv", 1, 1024, true);
  s.d_inner = a.integer("d_inner", 1, kDim, true);
  s.n_groups = a.integer("n_groups", 0, kDim);
  s.n_heads = a.integer("n_heads", 0, kDim);
  s.dt_rank = a.integer("dt_rank", 0, kDim);
  s.conv_bias = a.boolean("conv_bias");
  s.proj_bias = a.boolean("proj_bias");
  s.inner_norms = a.boolean("inner_norms");
  a.finish();
}

void read_per_layer(ModelSpec& m, const YAML::Node& n, const std::string& file, Diagnostics& diag) {
  Entry a(n, file, diag, {"embed_dim", "altup_inputs", "laurel_rank", "layer_scalar"});
  PerLayerSpec& p = m.per_layer;
  p.embed_dim = a.integer("embed_dim", 0, kDim);
  p.altup_inputs = a.integer("altup_inputs", 0, 64);
  p.laurel_rank = a.integer("laurel_rank", 0, kDim);
  p.layer_scalar = a.boolean("layer_scalar");
  a.finish();
}

void read_vision(ModelSpec& m, const YAML::Node& n, const std::string& file, Diagnostics& diag) {
  Entry a(n, file, diag, {"encoder", "params", "projector_params", "tokens_per_image"});
  m.vision.encoder = a.str("encoder");
  m.vision.params = a.integer("params", 0, std::int64_t{1} << 40, true);
  m.vision.projector_params = a.integer("projector_params", 0, std::int64_t{1} << 40);
  m.vision.tokens_per_image = a.integer("tokens_per_image", 0, 1 << 20);
  a.finish();
}

}  // namespace

void load_models(Catalog& cat, const YAML::Node& root, const std::string& file, Diagnostics& diag) {
  std::map<std::string, int> seen;
  static const std::vector<std::string> keys = {
      "id", "name", "architecture", "aliases", "layers", "hidden_size", "heads", "kv_heads", "head_dim",
      "head_dim_v", "ffn_size", "ffn_size_kv_shared", "ffn_gated", "vocab", "tied_embeddings", "max_context", "norms_per_layer",
      "deepstack_layers", "qk_norm", "attn_bias", "attn_output_gate", "attn_sinks", "final_norm", "attention", "mla", "moe", "ssm",
      "per_layer", "vision", "native_format", "expert_format", "default_quant", "params_total_b", "params_active_b", "notes", "unconfirmed", "source",
      "estimable", "not_estimable_reason"};
  for_each_entry(root, file, diag, "models", {"schema_version", "models"}, [&](const YAML::Node& node) {
    Entry e(node, file, diag, keys);
    if (!node.IsMap()) return;
    CatalogModel cm;
    ModelSpec& m = cm.spec;
    m.id = read_id(e);
    m.name = e.str("name", false, m.id);
    m.architecture = e.str("architecture");
    m.layers = e.integer("layers", 1, 1 << 16, true);
    m.hidden = e.integer("hidden_size", 1, kDim, true);
    m.heads = e.integer("heads", 0, 1 << 16);
    m.kv_heads = e.integer("kv_heads", 0, 1 << 16, false, m.heads);
    m.head_dim_k = e.integer("head_dim", 1, kDim, false, m.heads > 0 ? m.hidden / m.heads : 0);
    m.head_dim_v = e.integer("head_dim_v", 1, kDim, false, m.head_dim_k);
    m.ffn = e.integer("ffn_size", 0, kDim, true);
    m.ffn_kv_shared = e.integer("ffn_size_kv_shared", 1, kDim);
    m.ffn_gated = e.boolean("ffn_gated", true);
    m.vocab = e.integer("vocab", 1, kDim, true);
    m.tied_embeddings = e.boolean("tied_embeddings");
    m.max_context = e.integer("max_context", 1, std::int64_t{1} << 31, true);
    m.norms_per_layer = e.integer("norms_per_layer", 0, 16, false, 2);
    m.deepstack_layers = e.integer("deepstack_layers", 0, m.layers);
    // qk_norm: true (one head_dim vector each for q and k) or full (the whole projections).
    const std::string qk = e.str("qk_norm", false, "false");
    if (qk == "full") m.qk_norm = m.qk_norm_full = true;
    else if (qk == "true") m.qk_norm = true;
    else if (qk != "false") e.problem("qk_norm", "expected true, false or full, got '" + qk + "'");
    const std::string bias = e.str("attn_bias", false, "none");
    if (bias == "none") m.attn_bias = AttnBias::none;
    else if (bias == "qkv") m.attn_bias = AttnBias::qkv;
    else if (bias == "qkvo") m.attn_bias = AttnBias::qkvo;
    else e.problem("attn_bias", "expected none, qkv or qkvo, got '" + bias + "'");
    m.attn_output_gate = e.boolean("attn_output_gate");
    m.attn_sinks = e.boolean("attn_sinks");
    m.final_norm = e.boolean("final_norm", true);
    if (e.has("attention")) read_attention(m, e.child("attention"), file, diag);
    if (e.has("mla")) read_mla(m, e.child("mla"), file, diag);
    if (e.has("moe")) read_moe(m, e.child("moe"), file, diag);
    if (e.has("ssm")) read_ssm(m, e.child("ssm"), file, diag);
    if (e.has("per_layer")) read_per_layer(m, e.child("per_layer"), file, diag);
    if (e.has("vision")) read_vision(m, e.child("vision"), file, diag);
    m.native_format = e.str("native_format", false, "bf16");
    m.expert_format = e.str("expert_format");
    if (!m.expert_format.empty() && !m.moe.present()) e.problem("expert_format", "needs a moe section (it types the routed experts)");
    cm.default_quant = e.str("default_quant");
    // Required, but `null` where no official total is sourced (Gemma 3n): catalog check then has
    // nothing to compare.
    const bool total_null = node["params_total_b"].IsDefined() && node["params_total_b"].IsNull();
    m.params_total_b = e.number("params_total_b", 0, 1e5, !total_null);
    m.params_active_b = e.number("params_active_b", 0, 1e5);
    // estimable: false keeps a model's sourced facts in the catalog where its architecture is not
    // modelled; the reason is what every estimate of it answers.
    const bool estimable = e.boolean("estimable", true);
    cm.not_estimable = e.str("not_estimable_reason");
    if (!estimable && cm.not_estimable.empty()) e.problem("estimable", "estimable: false needs not_estimable_reason (what is not modelled)");
    if (estimable && !cm.not_estimable.empty()) e.problem("not_estimable_reason", "goes with estimable: false");
    if (estimable) cm.not_estimable.clear();
    cm.meta = read_meta(e);
    e.finish();
    try {
      validate(m);
    } catch (const CoreError& err) {
      diag.report(cm.meta.where, err.what());
      return;
    }
    if (m.id.empty()) return;
    upsert(cat.models, std::move(cm), [](const CatalogModel& x) { return x.spec.id; }, diag, seen);
  });
}

}  // namespace vramfit::io
