// The tensors of a catalog model as llama.cpp names and shapes them, each in the type vramfit's mix
// gives it, and the places where vramfit's inventory (tensors.hpp) and the real file part ways.
//
// Most inventory entries map onto real tensors 1:1 or split without changing bytes ("norms" is
// attn_norm + ffn_norm ..., "attn_vec" the QKV biases, QK norms and sinks, "ssm_vec" the conv, dt,
// A, D and norm vectors, "exps_bias" the three expert biases). Where the file holds other tensors
// (phi3's fused attn_qkv and gate+up, deepseek2's attn_k_b/attn_v_b instead of attn_kv_b), the real
// tensor's type is what the mix gives that tensor's own name and row length, and any byte difference
// is reported as a Deviation.
//
// Sources: src/llama-arch.cpp (LLM_TENSOR_NAMES), src/models/<arch>.cpp load_arch_tensors (shapes),
// src/llama-model.cpp create_tensor_qkv / create_tensor_gate_up_exps, conversion/deepseek.py.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gguf_family.hpp"
#include "vramfit/tensors.hpp"
#include "vramfit/weights.hpp"

namespace vramfit::gguf {

struct FileTensor {
  std::string name;
  std::vector<std::int64_t> ne;  // ggml order: ne[0] is the row length
  std::string type;              // vramfit type id
  std::uint64_t nbytes = 0;
};

// Bytes the file holds that vramfit's inventory counts differently, summed over blocks.
struct Deviation {
  std::string tensors;  // the real tensors, e.g. "attn_qkv"
  std::string why;
  std::int64_t file_bytes = 0;      // what the file holds
  std::int64_t estimate_bytes = 0;  // what weight_bytes() counts for the same weights
  std::int64_t blocks = 0;          // blocks where they differ
  [[nodiscard]] std::int64_t extra() const { return file_bytes - estimate_bytes; }
};

struct FileTensors {
  std::vector<FileTensor> tensors;
  std::vector<Deviation> deviations;  // empty where the file and weight_bytes() agree
  [[nodiscard]] std::int64_t extra_bytes() const {
    std::int64_t n = 0;
    for (const Deviation& d : deviations) n += d.extra();
    return n;
  }
};

namespace detail {

// One inventory entry with its type and the layer ordinals weight_bytes() resolves it with.
struct Entry {
  TensorInfo t;
  const TensorType* type;
  std::int64_t ordinal, count;
  [[nodiscard]] std::int64_t bytes() const { return type->bytes(t.ne0, t.rows).value(); }
};

class Emitter {
 public:
  Emitter(const ModelSpec& m, const QuantMix& mix, const TypeTable& types, FileTensors& out)
      : m_(m), mix_(mix), types_(types), out_(out) {}

  // A tensor in the type of the inventory entry it comes from (1:1 or a byte-neutral split).
  void same(const Entry& e, const std::string& name, std::vector<std::int64_t> ne) {
    push(name, std::move(ne), *e.type);
  }
  // A tensor the inventory does not name: its type is what the mix gives its own name and row.
  void own(const Entry& e, std::string_view base, const std::string& name, std::vector<std::int64_t> ne) {
    std::int64_t rows = 1;
    for (std::size_t i = 1; i < ne.size(); ++i) rows *= ne[i];
    const TensorInfo t{base, e.t.group, e.t.layer, ne[0], rows, e.t.matrix};
    push(name, std::move(ne), tensor_type_for(t, m_, mix_, types_, e.ordinal, e.count));
  }
  // Everything emitted since the last mark stands for `estimate` bytes of the inventory; a
  // difference is recorded under `what`.
  void settle(const std::string& what, const std::string& why, std::int64_t estimate) {
    std::int64_t file = 0;
    for (std::size_t i = mark_; i < out_.tensors.size(); ++i) file += static_cast<std::int64_t>(out_.tensors[i].nbytes);
    mark_ = out_.tensors.size();
    if (file == estimate) return;
    Deviation& d = dev_[what];
    d.tensors = what;
    d.why = why;
    d.file_bytes += file;
    d.estimate_bytes += estimate;
    ++d.blocks;
  }
  void finish() {
    for (auto& [k, d] : dev_) out_.deviations.push_back(d);
  }
  // A tensor the file holds that stands for no inventory entry (settle it against 0 bytes).
  void extra(const std::string& name, std::vector<std::int64_t> ne, const TensorType& type) { push(name, std::move(ne), type); }

 private:
  void push(const std::string& name, std::vector<std::int64_t> ne, const TensorType& type) {
    std::int64_t rows = 1;
    for (std::size_t i = 1; i < ne.size(); ++i) rows *= ne[i];
    const auto nbytes = static_cast<std::uint64_t>(type.bytes(ne[0], rows).value());
    out_.tensors.push_back({name, std::move(ne), type.id, nbytes});
  }

  const ModelSpec& m_;
  const QuantMix& mix_;
  const TypeTable& types_;
  FileTensors& out_;
  std::size_t mark_ = 0;
  std::map<std::string, Deviation> dev_;
};

inline const Entry* find(const std::vector<Entry>& block, std::string_view name) {
  for (const Entry& e : block)
    if (e.t.name == name) return &e;
  return nullptr;
}

// The real tensors of one block. Entries are consumed by name; each settle() compares bytes.
inline void emit_block(Emitter& out, const ModelSpec& m, const std::string& arch, const std::vector<Entry>& block) {
  // The block's own attention shape (Gemma 4 global layers: full_head_dim, full_kv_heads).
  const std::int64_t il = block.front().t.layer;
  const std::int64_t d = m.hidden, h = m.heads, g = m.kv_heads_at(il), k = m.head_dim_k_at(il), hv = m.head_dim_v_at(il);
  const std::string blk = "blk." + std::to_string(il) + ".";
  const MoeSpec& x = m.moe;
  const SsmSpec& s = m.ssm;
  for (const Entry& e : block) {
    const std::string_view n = e.t.name;
    const std::string w = blk + std::string(n) + ".weight";
    if (n == "norms") {
      for (std::string_view norm : block_norms(arch, m))
        out.same(e, blk + std::string(norm) + (norm.find('.') == std::string_view::npos ? ".weight" : ""), {d});
    } else if (n == "per_layer_vec") {
      // Gemma 3n / 4 (models/gemma3n.cpp, gemma4.cpp): the small per-block tensors, all f32.
      const PerLayerSpec& p = m.per_layer;
      const std::int64_t na = p.altup_inputs;
      if (p.embed_dim > 0) out.same(e, blk + "post_norm.weight", {d});
      if (na > 0) {
        out.same(e, blk + "altup_correct_coef.weight", {na, na});
        out.same(e, blk + "altup_correct_scale.weight", {d});
        out.same(e, blk + "altup_predict_coef.weight", {na, na * na});
        out.same(e, blk + "altup_router_norm.weight", {d});
      }
      if (p.laurel_rank > 0) out.same(e, blk + "laurel_post_norm.weight", {d});
      if (p.layer_scalar) out.same(e, blk + "layer_output_scale.weight", {1});
    } else if (n == "per_layer_model_proj" || n == "per_layer_proj_norm") {
      // Global names, created with block 0 (tn(LLM_TENSOR_PER_LAYER_MODEL_PROJ, "weight", 0)).
      if (n == "per_layer_model_proj") out.same(e, "per_layer_model_proj.weight", {d, m.layers * m.per_layer.embed_dim});
      else out.same(e, "per_layer_proj_norm.weight", {m.per_layer.embed_dim});
    } else if (arch == "gemma4" && (n == "ffn_gate_shexp" || n == "ffn_up_shexp" || n == "ffn_down_shexp")) {
      // gemma4 MoE blocks: the dense MLP beside the experts keeps the plain FFN names (models/gemma4.cpp).
      const std::string plain = n == "ffn_gate_shexp" ? "ffn_gate" : n == "ffn_up_shexp" ? "ffn_up" : "ffn_down";
      out.same(e, blk + plain + ".weight", {e.t.ne0, e.t.rows});
    } else if (arch == "phi3" && (n == "attn_q" || n == "ffn_gate")) {
      // phi3 stores fused projections (models/phi3.cpp): attn_qkv {d, q+k+v}, ffn_up {d, 2 x ffn}.
      if (n == "attn_q") {
        out.own(e, "attn_qkv", blk + "attn_qkv.weight", {d, h * k + 2 * g * k});
        out.settle("attn_qkv", "phi3 fuses attn_q, attn_k, attn_v into one tensor typed as attn_qkv",
                   e.bytes() + find(block, "attn_k")->bytes() + find(block, "attn_v")->bytes());
      } else {
        out.own(e, "ffn_up", blk + "ffn_up.weight", {d, 2 * m.ffn});
        out.settle("ffn_up (gate+up)", "phi3 fuses ffn_gate and ffn_up into one ffn_up of 2 x ffn rows",
                   e.bytes() + find(block, "ffn_up")->bytes());
      }
      continue;
    } else if (arch == "phi3" && (n == "attn_k" || n == "attn_v" || n == "ffn_up")) {
      continue;  // inside the fused tensors above
    } else if (n == "attn_vec" && m.layer_kind(e.t.layer) == LayerKind::mla) {
      out.same(e, blk + "attn_kv_a_norm.weight", {m.mla.kv_lora_rank});
      if (m.mla.q_lora_rank > 0) out.same(e, blk + "attn_q_a_norm.weight", {m.mla.q_lora_rank});
    } else if (n == "attn_vec") {
      const std::int64_t q_rows = h * k * (m.attn_output_gate ? 2 : 1);
      if (m.qk_norm) {  // per head (head_dim), or over the whole projection (olmo2, minimax-m2)
        out.same(e, blk + "attn_q_norm.weight", {m.qk_norm_full ? h * k : k});
        out.same(e, blk + "attn_k_norm.weight", {m.qk_norm_full ? g * k : k});
      }
      if (m.attn_bias != AttnBias::none) {
        out.same(e, blk + "attn_q.bias", {q_rows});
        out.same(e, blk + "attn_k.bias", {g * k});
        out.same(e, blk + "attn_v.bias", {g * hv});
      }
      if (m.attn_bias == AttnBias::qkvo) out.same(e, blk + "attn_output.bias", {d});
      if (m.attn_sinks) out.same(e, blk + "attn_sinks.weight", {h});
    } else if (n == "attn_kv_b") {
      // conversion/deepseek.py splits kv_b_proj per head into k_b (transposed) and v_b, and only
      // those load (models/deepseek2.cpp, is_mla): same elements, but k_b rows are qk_nope long.
      const MlaSpec& a = m.mla;
      out.own(e, "attn_k_b", blk + "attn_k_b.weight", {a.qk_nope_head_dim, a.kv_lora_rank, h});
      out.own(e, "attn_v_b", blk + "attn_v_b.weight", {a.kv_lora_rank, a.v_head_dim, h});
      out.settle("attn_k_b + attn_v_b", "deepseek2 files hold attn_kv_b split per head; attn_k_b rows are qk_nope_head_dim long",
                 e.bytes());
      continue;
    } else if (n == "ssm_ba" && (arch == "qwen35" || arch == "qwen35moe")) {
      // Qwen3.5 keeps beta and alpha apart (in_proj_b, in_proj_a; models/qwen35.cpp): one value head each.
      out.same(e, blk + "ssm_beta.weight", {d, s.n_heads});
      out.same(e, blk + "ssm_alpha.weight", {d, s.n_heads});
    } else if (n == "ssm_vec") {
      const std::int64_t di = s.d_inner;
      if (s.kind == SsmKind::mamba1) {  // models/jamba.cpp
        out.same(e, blk + "ssm_conv1d.weight", {s.d_conv, di});
        if (s.conv_bias) out.same(e, blk + "ssm_conv1d.bias", {di});
        out.same(e, blk + "ssm_dt.bias", {di});
        out.same(e, blk + "ssm_a", {s.d_state, di});
        out.same(e, blk + "ssm_d", {di});
        if (s.inner_norms) {
          out.same(e, blk + "ssm_dt_norm.weight", {s.dt_rank});
          out.same(e, blk + "ssm_b_norm.weight", {s.d_state});
          out.same(e, blk + "ssm_c_norm.weight", {s.d_state});
        }
      } else if (s.kind == SsmKind::mamba2) {  // models/granite-hybrid.cpp
        const std::int64_t conv_dim = di + 2 * s.n_groups * s.d_state;
        out.same(e, blk + "ssm_conv1d.weight", {s.d_conv, conv_dim});
        if (s.conv_bias) out.same(e, blk + "ssm_conv1d.bias", {conv_dim});
        out.same(e, blk + "ssm_dt.bias", {s.n_heads});
        out.same(e, blk + "ssm_a", {1, s.n_heads});
        out.same(e, blk + "ssm_d", {1, s.n_heads});
        out.same(e, blk + "ssm_norm.weight", {di / s.n_groups, s.n_groups});
      } else {  // gated delta net, models/qwen3next.cpp, qwen35.cpp
        out.same(e, blk + "ssm_conv1d.weight", {s.d_conv, 2 * s.n_groups * s.d_state + di});
        out.same(e, blk + "ssm_dt.bias", {s.n_heads});
        out.same(e, blk + "ssm_a", {s.n_heads});
        out.same(e, blk + "ssm_norm.weight", {di / s.n_heads});
      }
    } else if (n == "ffn_gate_inp") {
      out.same(e, w, {d, x.experts});
    } else if (n == "ffn_gate_exps" || n == "ffn_up_exps") {
      out.same(e, w, {d, x.expert_ffn, x.experts});
    } else if (n == "ffn_down_exps") {
      out.same(e, w, {x.expert_ffn, d, x.experts});
    } else if (n == "exps_bias") {  // models/openai-moe.cpp
      out.same(e, blk + "ffn_gate_exps.bias", {x.expert_ffn, x.experts});
      out.same(e, blk + "ffn_up_exps.bias", {x.expert_ffn, x.experts});
      out.same(e, blk + "ffn_down_exps.bias", {d, x.experts});
    } else if (n == "router_bias") {
      // gpt-oss: the router's own bias; deepseek2, glm4moe, ernie4_5-moe, minimax-m2: the selection-only correction bias.
      out.same(e, arch == "gpt-oss" ? blk + "ffn_gate_inp.bias" : blk + "exp_probs_b.bias", {x.experts});
    } else if (n == "ffn_gate_inp_shexp") {
      out.same(e, w, {d});
    } else {
      out.same(e, w, {e.t.ne0, e.t.rows});  // a 2-D matrix named as in the inventory
    }
    out.settle(std::string(n), "split of the inventory entry", e.bytes());
  }
}

}  // namespace detail

// The tensors of `m` under `mix` in llama.cpp's names and shapes (text model only: vision towers go
// to a separate mmproj file), with types resolved as weight_bytes() resolves them, so that
// sum(nbytes) == weight_bytes(m, mix, types, false).total + extra_bytes().
inline FileTensors file_tensors(const ModelSpec& m, const QuantMix& mix, const TypeTable& types,
                                const ModelFileOptions& opt = {}) {
  const std::string arch = gguf_architecture(m, opt);
  FileTensors out;
  detail::Emitter emit(m, mix, types, out);
  const std::int64_t n_attn = m.count_layers(ModelSpec::is_attention);
  std::int64_t attn_ordinal = -1, last_layer = -1;
  std::vector<detail::Entry> block;
  auto flush = [&] {
    if (!block.empty()) detail::emit_block(emit, m, arch, block);
    block.clear();
  };
  for (const TensorInfo& t : tensor_inventory(m)) {
    if (t.group == TensorGroup::vision) continue;
    if (t.layer != last_layer && t.layer >= 0) {
      flush();
      last_layer = t.layer;
      if (ModelSpec::is_attention(m.layer_kind(t.layer))) ++attn_ordinal;
    }
    // Same ordinals as weight_bytes(): attention tensors over attention layers, the rest over blocks.
    const bool attn_tensor = t.name.rfind("attn_", 0) == 0;
    const std::int64_t ordinal = attn_tensor ? attn_ordinal : t.layer, count = attn_tensor ? n_attn : m.layers;
    const detail::Entry e{t, &tensor_type_for(t, m, mix, types, ordinal, count), ordinal, count};
    if (t.layer >= 0) {
      block.push_back(e);
      continue;
    }
    flush();
    const std::string name = std::string(t.name) + ".weight";
    if (t.rows == 1 && !t.matrix) emit.same(e, name, {t.ne0});  // output_norm
    else if (t.name == "altup_proj" || t.name == "altup_unembd_proj")  // {n_embd, n_embd, n_altup - 1} (gemma3n.cpp)
      emit.same(e, name, {t.ne0, m.hidden, m.per_layer.altup_inputs - 1});
    else emit.same(e, name, {t.ne0, t.rows});
    emit.settle(std::string(t.name), "", e.bytes());
  }
  flush();
  // gemma4 files carry the frequency factors of the global layers' proportional RoPE, which the
  // converter generates (conversion/gemma.py generate_extra_tensors) and llama.cpp requires.
  if (arch == "gemma4" && m.count_layers([](LayerKind k) { return k == LayerKind::full; }) > 0) {
    emit.extra("rope_freqs.weight", {(m.head_dim_full > 0 ? m.head_dim_full : m.head_dim_k) / 2}, types.get("f32"));
    emit.settle("rope_freqs", "gemma4 files hold the proportional-RoPE frequency factors the converter generates", 0);
  }
  emit.finish();
  return out;
}

}  // namespace vramfit::gguf
