// ModelSpec -> one models.yaml entry, in the field order of data/models.yaml (load_models.cpp reads it).
#include <cstdio>

#include "formats/hf_config.hpp"
#include "vramfit/tensors.hpp"

namespace vramfit::io::hf {
namespace {

// Double-quoted YAML scalar: safe for any text (paths with ': ', '#', quotes ...).
std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out + "\"";
}

std::string num(double x, const char* f) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, x);
  return buf;
}

const char* yes(bool b) { return b ? "true" : "false"; }

}  // namespace

std::string catalog_entry_yaml(const ModelSpec& m, const std::vector<std::string>& notes, const std::string& source) {
  std::string y = "schema_version: 1\nmodels:\n";
  auto line = [&](const std::string& indent, const std::string& key, const std::string& value) { y += indent + key + ": " + value + "\n"; };
  auto i64 = [](std::int64_t v) { return std::to_string(v); };
  const std::string a = "  ", b = "    ";
  y += "- id: " + quote(m.id) + "\n";
  line(a, "name", quote(m.name.empty() ? m.id : m.name));
  line(a, "architecture", quote(m.architecture));
  line(a, "layers", i64(m.layers));
  line(a, "hidden_size", i64(m.hidden));
  line(a, "heads", i64(m.heads));
  line(a, "kv_heads", i64(m.kv_heads));
  line(a, "head_dim", i64(m.head_dim_k));
  if (m.head_dim_v != m.head_dim_k) line(a, "head_dim_v", i64(m.head_dim_v));
  line(a, "ffn_size", i64(m.ffn));
  if (m.ffn_kv_shared > 0) line(a, "ffn_size_kv_shared", i64(m.ffn_kv_shared));
  line(a, "ffn_gated", yes(m.ffn_gated));
  line(a, "vocab", i64(m.vocab));
  line(a, "tied_embeddings", yes(m.tied_embeddings));
  line(a, "max_context", i64(m.max_context));
  line(a, "norms_per_layer", i64(m.norms_per_layer));
  if (m.deepstack_layers > 0) line(a, "deepstack_layers", i64(m.deepstack_layers));
  line(a, "qk_norm", m.qk_norm_full ? "full" : yes(m.qk_norm));
  line(a, "attn_bias", m.attn_bias == AttnBias::qkvo ? "qkvo" : m.attn_bias == AttnBias::qkv ? "qkv" : "none");
  if (m.attn_output_gate) line(a, "attn_output_gate", "true");
  if (m.attn_sinks) line(a, "attn_sinks", "true");
  if (!m.final_norm) line(a, "final_norm", "false");
  const bool attention_extras = m.head_dim_full > 0 || m.kv_heads_full > 0 || m.full_k_eq_v || m.kv_shared_layers > 0;
  if (m.layer_pattern != std::vector<LayerKind>{LayerKind::full} || m.sliding_window > 0 || m.chunk_size > 0 || attention_extras) {
    y += "  attention:\n";
    std::string p;
    for (LayerKind k : m.layer_pattern) p += (p.empty() ? "" : ", ") + std::string(to_string(k));
    line(b, "layer_pattern", "[" + p + "]");
    if (m.sliding_window > 0) line(b, "sliding_window", i64(m.sliding_window));
    if (m.chunk_size > 0) line(b, "chunk_size", i64(m.chunk_size));
    if (m.head_dim_full > 0) line(b, "full_head_dim", i64(m.head_dim_full));
    if (m.kv_heads_full > 0) line(b, "full_kv_heads", i64(m.kv_heads_full));
    if (m.full_k_eq_v) line(b, "full_k_eq_v", "true");
    if (m.kv_shared_layers > 0) line(b, "kv_shared_layers", i64(m.kv_shared_layers));
  }
  if (m.mla.kv_lora_rank > 0) {
    y += "  mla:\n";
    line(b, "q_lora_rank", m.mla.q_lora_rank > 0 ? i64(m.mla.q_lora_rank) : "null");
    line(b, "kv_lora_rank", i64(m.mla.kv_lora_rank));
    line(b, "qk_rope_head_dim", i64(m.mla.qk_rope_head_dim));
    line(b, "qk_nope_head_dim", i64(m.mla.qk_nope_head_dim));
    line(b, "v_head_dim", i64(m.mla.v_head_dim));
    if (m.mla.has_indexer()) {
      line(b, "index_heads", i64(m.mla.index_heads));
      line(b, "index_head_dim", i64(m.mla.index_head_dim));
    }
  }
  if (m.moe.present()) {
    const MoeSpec& e = m.moe;
    y += "  moe:\n";
    line(b, "experts", i64(e.experts));
    line(b, "experts_per_token", i64(e.experts_per_token));
    line(b, "expert_ffn_size", i64(e.expert_ffn));
    if (e.shared_experts > 0) {
      line(b, "shared_experts", i64(e.shared_experts));
      line(b, "shared_expert_ffn_size", i64(e.shared_ffn > 0 ? e.shared_ffn : e.expert_ffn));
    }
    if (e.dense_leading_layers > 0) line(b, "dense_leading_layers", i64(e.dense_leading_layers));
    if (e.layer_step != 1) line(b, "layer_step", i64(e.layer_step));
    if (e.layer_offset != 0) line(b, "layer_offset", i64(e.layer_offset));
    if (e.router_bias) line(b, "router_bias", "true");
    if (e.expert_bias) line(b, "expert_bias", "true");
    if (e.shared_expert_gate) line(b, "shared_expert_gate", "true");
    if (e.weights_norm) line(b, "norm_topk_prob", "true");
    if (e.weights_scale != 0) line(b, "routed_scaling_factor", num(e.weights_scale, "%g"));
  }
  if (m.ssm.kind != SsmKind::none) {
    const SsmSpec& s = m.ssm;
    y += "  ssm:\n";
    line(b, "kind", s.kind == SsmKind::mamba1 ? "mamba1" : s.kind == SsmKind::mamba2 ? "mamba2" : "gated_deltanet");
    line(b, "d_state", i64(s.d_state));
    line(b, "d_conv", i64(s.d_conv));
    line(b, "d_inner", i64(s.d_inner));
    line(b, "n_groups", i64(s.n_groups));
    line(b, "n_heads", i64(s.n_heads));
    if (s.dt_rank > 0) line(b, "dt_rank", i64(s.dt_rank));
    if (s.conv_bias) line(b, "conv_bias", "true");
    if (s.proj_bias) line(b, "proj_bias", "true");
    if (s.inner_norms) line(b, "inner_norms", "true");
  }
  if (m.per_layer.present()) {
    const PerLayerSpec& p = m.per_layer;
    y += "  per_layer:\n";
    if (p.embed_dim > 0) line(b, "embed_dim", i64(p.embed_dim));
    if (p.altup_inputs > 0) line(b, "altup_inputs", i64(p.altup_inputs));
    if (p.laurel_rank > 0) line(b, "laurel_rank", i64(p.laurel_rank));
    if (p.layer_scalar) line(b, "layer_scalar", "true");
  }
  if (m.vision.present()) {
    y += "  vision:\n";
    line(b, "encoder", quote(m.vision.encoder));
    line(b, "params", i64(m.vision.params));
    line(b, "projector_params", i64(m.vision.projector_params));
    line(b, "tokens_per_image", i64(m.vision.tokens_per_image));
  }
  line(a, "native_format", quote(m.native_format));
  if (!m.expert_format.empty()) line(a, "expert_format", quote(m.expert_format));
  const ParamCounts pc = count_params(m);
  line(a, "params_total_b", num(double(pc.total) / 1e9, "%.3f"));
  line(a, "params_active_b", m.moe.present() ? num(double(pc.active) / 1e9, "%.3f") : "null");
  if (!notes.empty()) {
    std::string n;
    for (const std::string& x : notes) n += (n.empty() ? "" : "; ") + x;
    line(a, "notes", quote(n));
  }
  y += "  source:\n  - " + quote(source) + "\n";
  return y;
}

}  // namespace vramfit::io::hf
