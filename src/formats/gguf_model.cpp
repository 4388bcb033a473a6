// GGUF header -> ModelSpec + exact tensor bytes. Hyper-parameters come from the metadata keys that
// llama.cpp's loader reads (src/llama-model.cpp load_hparams, src/models/<arch>.cpp
// load_arch_hparams); what each block is (attention, MLA, Mamba, delta-net, MoE) comes from the
// tensors it holds, as llama.cpp's tensor creation decides it. docs/gguf.md lists the mapping.
#include <algorithm>
#include <array>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "base/suggest.hpp"
#include "formats/ggml_types.hpp"
#include "formats/gguf_reader.hpp"
#include "formats/model_file.hpp"

namespace vramfit::io {
namespace {

using gguf::Header;

// The architectures we map: GGUF general.architecture -> the catalog's architecture name.
struct ArchRow {
  std::string_view gguf;
  std::string_view catalog;
};
constexpr std::array kArchs{
    ArchRow{"llama", "llama"},          ArchRow{"qwen2", "qwen2"},          ArchRow{"qwen2moe", "qwen2_moe"},
    ArchRow{"qwen3", "qwen3"},          ArchRow{"qwen3moe", "qwen3_moe"},   ArchRow{"qwen3next", "qwen3_next"},
    ArchRow{"qwen2vl", "qwen2_5_vl"},   ArchRow{"gemma", "gemma"},          ArchRow{"gemma2", "gemma2"},
    ArchRow{"gemma3", "gemma3"},        ArchRow{"phi3", "phi3"},            ArchRow{"deepseek2", "deepseek_v3"},
    ArchRow{"gpt-oss", "gpt_oss"},      ArchRow{"command-r", "cohere"},     ArchRow{"cohere2", "cohere2"},
    ArchRow{"granitehybrid", "granitemoehybrid"}, ArchRow{"jamba", "jamba"}, ArchRow{"mamba", "mamba"},
    ArchRow{"mamba2", "mamba2"},        ArchRow{"glm4moe", "glm4_moe"},     ArchRow{"llama4", "llama4"},
    ArchRow{"mistral3", "mistral"},     ArchRow{"glm-dsa", "glm_moe_dsa"},  ArchRow{"nemotron_h", "nemotron_h"},
    ArchRow{"nemotron_h_moe", "nemotron_h"},
    // Qwen3.5 (gated delta-net hybrids) and Qwen3-VL (the Qwen3 text stack; the ViT is in the mmproj file).
    ArchRow{"qwen35", "qwen3_5"},       ArchRow{"qwen35moe", "qwen3_5_moe"}, ArchRow{"qwen3vl", "qwen3_vl"},
    ArchRow{"qwen3vlmoe", "qwen3_vl_moe"},
    // Llama-like blocks under their own names (src/llama-arch.cpp LLM_ARCH_NAMES): NoPE layers
    // (smollm3), QKV biases (seed_oss), post-norms and whole-projection QK norms (olmo2, which
    // llama.cpp also loads OLMo 3 as), a leading dense block and shared experts (ernie4_5-moe).
    ArchRow{"smollm3", "smollm3"},      ArchRow{"seed_oss", "seed_oss"},    ArchRow{"olmo2", "olmo2"},
    ArchRow{"ernie4_5-moe", "ernie4_5_moe"}, ArchRow{"minimax-m2", "minimax_m2"},
    // Gemma 3n / 4: per-layer embeddings, AltUp, KV shared across blocks, per-layer attention shapes.
    ArchRow{"gemma3n", "gemma3n"},      ArchRow{"gemma4", "gemma4"},
};

// The architectures whose recurrent blocks are gated delta nets (llama.cpp models/qwen3next.cpp,
// qwen35.cpp, qwen35moe.cpp): ssm.time_step_rank is the value-head count, and the delta net's input
// projections may be attn_qkv + attn_gate (convert's split of in_proj_qkvz / Qwen3.5's in_proj_qkv, in_proj_z).
bool delta_net_arch(std::string_view arch) { return arch == "qwen3next" || arch == "qwen35" || arch == "qwen35moe"; }

std::string supported_archs() {
  std::string out;
  for (const ArchRow& a : kArchs) out += (out.empty() ? "" : ", ") + std::string(a.gguf);
  return out;
}

// The ranges every hyper-parameter is checked against before it reaches arithmetic: the model
// limits of the core (vramfit/model.hpp, docs/hardening.md "Limits").
constexpr std::int64_t kDim = limits::kMaxDim;
constexpr std::int64_t kCount = limits::kMaxCount;
constexpr std::int64_t kContext = limits::kMaxContext;

// Metadata access with the architecture prefix, and errors that name the file and the key. Every
// integer is range-checked here, so a value near 2^63 never reaches a product.
class Meta {
 public:
  Meta(const Header& h, std::string arch) : h_(h), arch_(std::move(arch)) {}
  [[nodiscard]] std::string key(std::string_view k) const { return arch_ + "." + std::string(k); }
  [[nodiscard]] std::optional<std::int64_t> num(std::string_view k, std::int64_t lo = 0, std::int64_t hi = kDim) const {
    const auto v = h_.get_i64(key(k));
    if (v) check(k, *v, lo, hi);
    return v;
  }
  [[nodiscard]] std::int64_t need(std::string_view k, std::int64_t lo = 1, std::int64_t hi = kDim) const {
    const auto v = num(k, lo, hi);
    if (!v) fail("missing metadata key '" + key(k) + "'");
    return *v;
  }
  // A key that may be one value or one value per layer (llama.cpp get_key_or_arr).
  [[nodiscard]] std::vector<std::int64_t> per_layer(std::string_view k, std::int64_t layers, std::int64_t hi = kDim) const {
    if (const auto arr = h_.int_array(key(k))) {
      if (static_cast<std::int64_t>(arr->size()) != layers)
        fail(fmt::format("'{}' has {} values for {} blocks", key(k), arr->size(), layers));
      for (const std::int64_t v : *arr) check(k, v, 0, hi);
      return *arr;
    }
    if (const auto v = num(k, 0, hi)) return std::vector<std::int64_t>(static_cast<std::size_t>(layers), *v);
    return {};
  }
  void check(std::string_view k, std::int64_t v, std::int64_t lo, std::int64_t hi) const {
    if (v < lo || v > hi) fail(fmt::format("'{}' = {} is out of range [{}, {}]", key(k), v, lo, hi));
  }
  [[noreturn]] void fail(const std::string& why) const { throw InputError(h_.path + ": " + why); }
  [[nodiscard]] const Header& header() const { return h_; }

 private:
  const Header& h_;
  std::string arch_;
};

// What a tensor name says: its block (or -1) and the name inside the block, without the suffix.
struct TensorName {
  std::int64_t layer = -1;
  std::string base;    // e.g. "attn_q", "ffn_gate_exps", "token_embd"
  std::string suffix;  // "weight", "bias", "scale" ...
};

TensorName split_name(const std::string& name) {
  TensorName t;
  std::string rest = name;
  if (rest.rfind("blk.", 0) == 0) {
    const auto dot = rest.find('.', 4);
    const std::string num = rest.substr(4, dot == std::string::npos ? std::string::npos : dot - 4);
    if (!num.empty() && num.size() <= 6 && std::all_of(num.begin(), num.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      t.layer = std::stoll(num);
      rest = dot == std::string::npos ? std::string() : rest.substr(dot + 1);
    }
  }
  const auto dot = rest.rfind('.');
  t.base = dot == std::string::npos ? rest : rest.substr(0, dot);
  t.suffix = dot == std::string::npos ? std::string() : rest.substr(dot + 1);
  return t;
}

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

// The estimator's tensor group of a llama.cpp tensor (src/llama-arch.cpp LLM_TENSOR_* names).
TensorGroup group_of(const TensorName& t) {
  const std::string& b = t.base;
  if (t.layer < 0) {
    // Gemma 3n / 4 per-layer embeddings: a second lookup table kept with token_embd (LLM_TENSOR_LAYER_INPUT).
    if (b == "token_embd" || b == "per_layer_token_embd") return TensorGroup::embeddings;
    return TensorGroup::output;  // output, output_norm, token_embd_norm, rope_freqs, rope_factors_*
  }
  if (b.rfind("ssm_", 0) == 0) return TensorGroup::ssm;
  if (b.rfind("indexer.", 0) == 0) return TensorGroup::attention;  // DeepSeek sparse attention's indexer
  // Gemma 3n / 4 per-layer input gate and projection, AltUp router, LAuReL (the inventory's grouping).
  if (b == "inp_gate" || b == "proj" || b == "altup_router" || b == "laurel_l" || b == "laurel_r") return TensorGroup::ffn;
  if (b.find("_exps") != std::string::npos) return TensorGroup::experts;
  if (b.find("_shexp") != std::string::npos || b == "ffn_gate_inp" || b == "exp_probs_b") return TensorGroup::shared;
  const bool attention_norm = b == "attn_q_norm" || b == "attn_k_norm" || b == "attn_q_a_norm" || b == "attn_kv_a_norm";
  if (ends_with(b, "_norm") && !attention_norm) return TensorGroup::norm;
  if (b.rfind("attn_", 0) == 0) return TensorGroup::attention;
  if (b.rfind("ffn_", 0) == 0) return TensorGroup::ffn;
  return TensorGroup::norm;  // per-block scalars and scales (layer_output_scale ...)
}

struct BlockFacts {
  bool mla = false, ssm = false, delta_net = false, attention = false, moe = false, dense_ffn = false;
  [[nodiscard]] bool mixer() const { return attention || mla || ssm || delta_net; }
  [[nodiscard]] bool ffn() const { return moe || dense_ffn; }
};

// How llama.cpp marks sliding-window layers: an explicit per-layer array, or every n-th layer full
// (llama_hparams::set_swa_pattern: layer il is SWA when il % n < n - 1).
std::vector<bool> swa_layers(const Meta& meta, std::int64_t layers, std::int64_t default_pattern) {
  std::vector<bool> swa(static_cast<std::size_t>(layers), false);
  if (const auto arr = meta.header().int_array(meta.key("attention.sliding_window_pattern"))) {
    if (static_cast<std::int64_t>(arr->size()) < layers)
      meta.fail(fmt::format("'{}' has {} values for {} blocks", meta.key("attention.sliding_window_pattern"), arr->size(), layers));
    for (std::int64_t il = 0; il < layers; ++il) swa[static_cast<std::size_t>(il)] = (*arr)[static_cast<std::size_t>(il)] != 0;
    return swa;
  }
  const std::int64_t n = meta.num("attention.sliding_window_pattern", 0, layers * 4 + 64).value_or(default_pattern);
  for (std::int64_t il = 0; il < layers; ++il) swa[static_cast<std::size_t>(il)] = n == 0 || il % n < n - 1;
  return swa;
}

// The repeating unit of a per-layer list: the shortest prefix that repeats (the catalog's form).
template <class T>
std::vector<T> shortest_period(const std::vector<T>& v) {
  for (std::size_t p = 1; p < v.size(); ++p) {
    if (v.size() % p != 0) continue;
    bool ok = true;
    for (std::size_t i = p; i < v.size() && ok; ++i) ok = v[i] == v[i % p];
    if (ok) return std::vector<T>(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(p));
  }
  return v;
}

std::int64_t max_of(const std::vector<std::int64_t>& v) {
  return v.empty() ? 0 : *std::max_element(v.begin(), v.end());
}

// general.file_type: llama_ftype (include/llama.h) -> the mix id in quants.yaml.
std::string ftype_mix(std::int64_t ftype) {
  static constexpr std::array<std::string_view, 42> kNames{
      "F32",    "F16",     "Q4_0",   "Q4_1",   "",       "",       "",        "Q8_0",   "Q5_0",   "Q5_1",  "Q2_K",
      "Q3_K_S", "Q3_K_M",  "Q3_K_L", "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M",  "Q6_K",   "IQ2_XXS", "IQ2_XS", "Q2_K_S",
      "IQ3_XS", "IQ3_XXS", "IQ1_S",  "IQ4_NL", "IQ3_S",  "IQ3_M",  "IQ2_S",   "IQ2_M",  "IQ4_XS", "IQ1_M", "BF16",
      "",       "",        "",       "TQ1_0",  "TQ2_0",  "MXFP4_MOE", "NVFP4", "Q1_0",  "Q2_0"};
  if (ftype < 0 || ftype >= static_cast<std::int64_t>(kNames.size())) return {};
  return std::string(kNames[static_cast<std::size_t>(ftype)]);
}

// A file whose tensor list stops short (a tensor_count too small, a part of a split model missing its
// tensors) would give an estimate of part of a model. llama.cpp refuses it ("missing tensor ..."); so
// does this: every loaded block mixes tokens (attention, MLA or a recurrent layer), every block has a
// feed-forward part where any block has one, and the token embeddings are there.
// Nemotron-H's blocks are the exception: each is token mixing or a feed-forward part, never both
// (models/nemotron-h.cpp), so there every block must have exactly one of the two.
void check_complete(const Meta& meta, const std::vector<BlockFacts>& blocks, std::int64_t layers, const std::set<std::string>& present,
                    bool one_part_blocks) {
  const std::size_t n = meta.header().tensors.size();
  if (present.count("token_embd") == 0)
    meta.fail(fmt::format("the tensor list is incomplete: no token_embd tensor among its {} tensors", n));
  const bool any_ffn = std::any_of(blocks.begin(), blocks.begin() + layers, [](const BlockFacts& b) { return b.moe || b.dense_ffn; });
  for (std::int64_t il = 0; il < layers; ++il) {
    const BlockFacts& b = blocks[static_cast<std::size_t>(il)];
    if (one_part_blocks) {
      if (b.mixer() == b.ffn())
        meta.fail(fmt::format("block {} of {} has {} ({} tensors in all): {} blocks are either token mixing or feed-forward", il, layers,
                              b.mixer() ? "both token-mixing and feed-forward tensors" : "neither token-mixing nor feed-forward tensors", n,
                              meta.header().get_string("general.architecture").value_or("")));
      continue;
    }
    if (!(b.attention || b.mla || b.ssm || b.delta_net))
      meta.fail(fmt::format("the tensor list is incomplete: block {} of {} has no attention or recurrent tensors ({} tensors in all)", il, layers, n));
    if (any_ffn && !(b.moe || b.dense_ffn))
      meta.fail(fmt::format("the tensor list is incomplete: block {} of {} has no feed-forward tensors ({} tensors in all)", il, layers, n));
  }
}

std::string mib(Bytes b) { return fmt::format("{:.1f} MiB", double(b.value()) / 1048576.0); }


// A name from the file, as it will be printed: one line, at most 256 bytes.
std::string display_name(std::string s) {
  if (s.size() > 256) s = s.substr(0, 256) + "...";
  return one_line(s);
}

ModelFile gguf_model(const Header& h, const Header* v) {
  const std::string& path = h.path;
  ModelFile f;
  f.format = "gguf";
  f.path = path;
  const std::string arch_name = h.get_string("general.architecture").value_or("");
  if (arch_name.empty()) throw InputError(path + ": missing metadata key 'general.architecture'");
  if (arch_name == "clip") throw InputError(path + ": this is a vision projector (mmproj) file: pass it with --mmproj next to the language model");
  // Ollama's mllama GGUFs (Llama 3.2 Vision) are for its own engine: mainline llama.cpp has no
  // LLM_ARCH_MLLAMA (src/llama-arch.cpp) and no cross-attention graph, so no layout to read them by.
  if (arch_name == "mllama")
    throw InputError(path + ": architecture 'mllama' (Llama 3.2 Vision) is Ollama's own format: llama.cpp cannot load it, so vramfit "
                            "reads no mllama GGUF; estimate the catalog model (llama-3.2-11b-vision, llama-3.2-90b-vision) or its config.json");
  const auto arch = std::find_if(kArchs.begin(), kArchs.end(), [&](const ArchRow& a) { return a.gguf == arch_name; });
  if (arch == kArchs.end())
    throw InputError(path + ": architecture '" + arch_name + "' is not supported (supported: " + supported_archs() + ")");
  const Meta meta(h, arch_name);

  ModelSpec& m = f.model.spec;
  m.architecture = std::string(arch->catalog);
  m.name = display_name(h.get_string("general.name").value_or(std::filesystem::path(path).stem().string()));
  m.id = std::filesystem::path(path).filename().string();
  const std::int64_t layers_all = meta.need("block_count", 1, 4096);
  const std::int64_t nextn = meta.num("nextn_predict_layers", 0, 4096).value_or(0);
  if (nextn < 0 || nextn >= layers_all) meta.fail(fmt::format("'{}' = {} is out of range", meta.key("nextn_predict_layers"), nextn));
  m.layers = layers_all - nextn;
  m.hidden = meta.need("embedding_length");
  m.max_context = meta.need("context_length", 1, kContext);
  const bool gemma_edge = arch_name == "gemma3n" || arch_name == "gemma4";
  // KV sharing: blocks from n_layer_kv_from_start on reuse an earlier block's cache. llama.cpp fixes
  // it at 20 for gemma3n (models/gemma3n.cpp) and reads attention.shared_kv_layers for gemma4.
  if (arch_name == "gemma3n") {
    m.kv_shared_layers = std::max<std::int64_t>(0, m.layers - 20);
    const auto shared = meta.num("attention.shared_kv_layers", 0, layers_all);
    if (shared && *shared != m.kv_shared_layers)
      f.notes.push_back(fmt::format("{} = {} is not read: llama.cpp keeps a KV cache for the first 20 blocks of a gemma3n model",
                                    meta.key("attention.shared_kv_layers"), *shared));
  } else if (arch_name == "gemma4") {
    m.kv_shared_layers = meta.num("attention.shared_kv_layers", 0, layers_all).value_or(0);
  }

  // Per-block facts from the tensor list.
  std::vector<BlockFacts> blocks(static_cast<std::size_t>(layers_all));
  std::set<std::string> present;
  Bytes skipped{0};
  std::int64_t vocab_rows = 0, q_rows = 0, index_head_dim = 0, index_heads = 0, q_norm_len = 0, shexp_width = 0, ple_row = 0, altup_streams = 0, laurel_rank = 0;
  std::set<std::string> expert_types;  // storage of the routed-expert matrices
  for (const gguf::TensorInfo& t : h.tensors) {
    TensorName n = split_name(t.name);
    // Gemma 3n / 4 per-layer inputs (shapes from load_arch_tensors).
    if (n.base == "per_layer_token_embd") ple_row = t.ne[0];
    if (n.base == "altup_proj") altup_streams = t.ne[2] + 1;
    if (n.base == "laurel_l") laurel_rank = t.ne[1];
    if (n.layer >= layers_all) meta.fail(fmt::format("tensor '{}' is in block {} but the model has {} blocks", t.name, n.layer, layers_all));
    const std::string where = n.layer < 0 ? n.base : "blk." + n.base;
    present.insert(where);
    if (!n.suffix.empty()) present.insert(where + "." + n.suffix);
    if (n.base == "token_embd") vocab_rows = t.ne[1];
    // The DSA indexer's sizes from its tensors: attn_k {hidden, index_head_dim}, proj {hidden, index_heads}.
    if (n.layer >= 0 && n.layer < layers_all && n.base == "indexer.attn_k") index_head_dim = t.ne[1];
    if (n.layer >= 0 && n.layer < layers_all && n.base == "indexer.proj") index_heads = t.ne[1];
    if (n.base == "attn_q" && n.suffix == "weight" && n.layer >= 0 && n.layer < layers_all) q_rows = std::max(q_rows, t.ne[1]);
    if (n.base == "attn_q_norm") q_norm_len = t.ne[0];
    if (n.base == "ffn_up_shexp" && n.suffix == "weight") shexp_width = t.ne[1];
    if (n.layer >= m.layers) {
      skipped += Bytes(t.bytes);
      continue;
    }
    if (n.layer >= 0) {
      BlockFacts& b = blocks[static_cast<std::size_t>(n.layer)];
      b.mla |= n.base == "attn_kv_a_mqa";
      b.delta_net |= n.base == "ssm_ba" || n.base == "ssm_beta_alpha" || n.base == "ssm_beta" || n.base == "ssm_alpha";
      b.ssm |= n.base == "ssm_in" || n.base == "ssm_conv1d";
      b.attention |= n.base == "attn_q" || n.base == "attn_qkv" || n.base == "attn_q_a" || n.base == "attn_k";
      b.moe |= n.base == "ffn_gate_exps" || n.base == "ffn_up_exps" || n.base == "ffn_gate_up_exps";
      b.dense_ffn |= n.base == "ffn_up" || n.base == "ffn_down" || n.base == "ffn_up_shexp";
    }
    FileTensor ft;
    ft.name = t.name;
    ft.type = std::string(gguf::find_ggml_type(t.ggml_type)->name);
    ft.group = group_of(n);
    if (ft.group == TensorGroup::experts && n.suffix == "weight") expert_types.insert(ft.type);
    ft.layer = static_cast<std::int32_t>(n.layer);
    // llama.cpp creates these two with block 0 (tn(..., 0)) and places them with it.
    if (n.layer < 0 && (n.base == "per_layer_model_proj" || n.base == "per_layer_proj_norm")) {
      ft.layer = 0;
      ft.group = n.base == "per_layer_model_proj" ? TensorGroup::ffn : TensorGroup::norm;
    }
    ft.elements = t.elements;
    ft.bytes = Bytes(t.bytes);
    ft.dims = static_cast<std::int32_t>(t.n_dims);
    ft.ne1 = t.ne[1];
    f.tensors.push_back(std::move(ft));
  }
  // A delta-net block's attn_qkv / attn_gate are its input projections, not attention (models/qwen35.cpp).
  if (delta_net_arch(arch_name)) {
    for (std::int64_t il = 0; il < layers_all; ++il) {
      BlockFacts& b = blocks[static_cast<std::size_t>(il)];
      b.delta_net |= b.ssm;
      if (b.delta_net) b.attention = false;
    }
    for (FileTensor& ft : f.tensors) {
      const TensorName n = split_name(ft.name);
      if (n.layer >= 0 && blocks[static_cast<std::size_t>(n.layer)].delta_net && (n.base == "attn_qkv" || n.base == "attn_gate"))
        ft.group = TensorGroup::ssm;
    }
  }
  // Nemotron-H: Mamba-2, attention and feed-forward (MLP or MoE) blocks, one part each.
  const bool one_part_blocks = arch_name == "nemotron_h" || arch_name == "nemotron_h_moe";
  check_complete(meta, blocks, m.layers, present, one_part_blocks);
  if (skipped.value() > 0)
    f.notes.push_back(fmt::format("{} next-token-prediction block(s) ({}) are in the file but llama.cpp does not load them by default", nextn, mib(skipped)));

  m.vocab = meta.num("vocab_size").value_or(0);
  if (m.vocab == 0) m.vocab = static_cast<std::int64_t>(h.array_count("tokenizer.ggml.tokens").value_or(0));
  if (m.vocab == 0) m.vocab = vocab_rows;
  m.tied_embeddings = present.count("output") == 0;
  m.final_norm = present.count("output_norm") > 0;
  m.qk_norm = present.count("blk.attn_q_norm") > 0;
  // Qwen3-VL: the DeepStack slices the first blocks add (the qwen3vl / qwen3vlmoe loaders; optional, 0).
  if (arch_name == "qwen3vl" || arch_name == "qwen3vlmoe") m.deepstack_layers = meta.num("n_deepstack_layers", 0, m.layers).value_or(0);
  // The expert matrices all in MXFP4 (gpt-oss files, whatever the rest): re-estimates with -q keep them.
  if (expert_types.size() == 1 && *expert_types.begin() == "mxfp4") m.expert_format = "mxfp4";
  m.attn_sinks = present.count("blk.attn_sinks") > 0;
  m.attn_bias = present.count("blk.attn_output.bias") > 0 ? AttnBias::qkvo
                : present.count("blk.attn_q.bias") + present.count("blk.attn_qkv.bias") > 0 ? AttnBias::qkv
                                                                                           : AttnBias::none;

  // Attention shape: head counts may be per layer (0 marks a recurrent layer in jamba / granitehybrid).
  const std::vector<std::int64_t> heads = meta.per_layer("attention.head_count", layers_all, kCount);
  std::vector<std::int64_t> kv_heads = meta.per_layer("attention.head_count_kv", layers_all, kCount);
  if (kv_heads.empty()) kv_heads = heads;
  m.heads = max_of(heads);
  m.kv_heads = max_of(kv_heads);
  if (m.heads > 0) {
    m.head_dim_k = meta.num("attention.key_length", 1).value_or(m.hidden / m.heads);
    m.head_dim_v = meta.num("attention.value_length", 1).value_or(m.hidden / m.heads);
    // Gated attention (qwen3next, qwen35): attn_q holds the query and its output gate, 2 x heads x head_dim rows.
    m.attn_output_gate = delta_net_arch(arch_name) && q_rows == 2 * m.heads * m.head_dim_k;
  }
  // OLMo 2 and MiniMax-M2 normalise the whole q and k projections (attn_q_norm {head_dim x heads}).
  m.qk_norm_full = m.qk_norm && m.heads > 0 && q_norm_len > m.head_dim_k;
  const std::vector<std::int64_t> ffn = meta.per_layer("feed_forward_length", layers_all);

  // Mixture of experts.
  MoeSpec& e = m.moe;
  e.experts = meta.num("expert_count", 0, kCount).value_or(0);
  if (e.experts > 0) {
    e.experts_per_token = max_of(meta.per_layer("expert_used_count", layers_all, kCount));
    e.expert_ffn = max_of(meta.per_layer("expert_feed_forward_length", layers_all));
    e.shared_experts = meta.num("expert_shared_count", 0, 1024).value_or(present.count("blk.ffn_up_shexp") > 0 ? 1 : 0);
    e.shared_ffn = meta.num("expert_shared_feed_forward_length").value_or(e.expert_ffn);
    // Each shared expert's width from the tensor that holds them all: ernie4_5-moe writes the total
    // width under expert_shared_feed_forward_length beside expert_shared_count 2 (convert_hf_to_gguf.py).
    if (shexp_width > 0 && e.shared_experts > 0 && shexp_width % e.shared_experts == 0) e.shared_ffn = shexp_width / e.shared_experts;
    e.shared_expert_gate = present.count("blk.ffn_gate_inp_shexp") > 0;
    e.router_bias = present.count("blk.ffn_gate_inp.bias") + present.count("blk.exp_probs_b") > 0;
    e.expert_bias = present.count("blk.ffn_up_exps.bias") > 0;
    // The chosen experts' weights renormalised and scaled: read where llama.cpp's graph uses the
    // file's values (the deepseek2, glm4moe, glm-dsa and nemotron_h_moe loaders; optional, false and 0 when absent).
    if (arch_name == "deepseek2" || arch_name == "glm4moe" || arch_name == "glm-dsa" || arch_name == "nemotron_h_moe") {
      e.weights_norm = meta.header().get_bool(meta.key("expert_weights_norm")).value_or(false);
      e.weights_scale = meta.header().get_f64(meta.key("expert_weights_scale")).value_or(0);
      if (!(e.weights_scale >= 0 && e.weights_scale <= 1000))
        meta.fail(fmt::format("'{}' = {} is out of range [0, 1000]", meta.key("expert_weights_scale"), e.weights_scale));
    }
    if (e.expert_ffn == 0) {
      // Older Mixtral-style files: the experts have the dense FFN size.
      e.expert_ffn = max_of(ffn);
    }
    // Which blocks hold experts: first MoE block, then a fixed step (Llama 4, Jamba interleave).
    std::vector<std::int64_t> moe_layers;
    for (std::int64_t il = 0; il < m.layers; ++il)
      if (blocks[static_cast<std::size_t>(il)].moe) moe_layers.push_back(il);
    if (moe_layers.empty()) meta.fail(fmt::format("'{}' = {} but no block holds expert tensors", meta.key("expert_count"), e.experts));
    // One-part blocks: every feed-forward block is MoE (checked once the layer kinds are known).
    if (one_part_blocks) moe_layers = {0};
    e.layer_offset = moe_layers.front();
    e.layer_step = moe_layers.size() > 1 ? moe_layers[1] - moe_layers[0] : 1;
    for (std::int64_t il = 0; il < m.layers && !one_part_blocks; ++il)
      if (m.is_moe_layer(il) != blocks[static_cast<std::size_t>(il)].moe)
        meta.fail("the blocks holding experts follow no fixed step (first " + std::to_string(e.layer_offset) + ", step " +
                  std::to_string(e.layer_step) + ", but block " + std::to_string(il) + " differs)");
    if (e.layer_step == 1) std::swap(e.dense_leading_layers, e.layer_offset);  // the catalog's spelling
  }
  // Dense FFN size: the largest over blocks without experts (0 when every block is MoE or recurrent);
  // KV-shared blocks may be wider (Gemma 4 E2B's double-wide MLP, feed_forward_length per layer).
  std::int64_t ffn_shared = 0;
  for (std::int64_t il = 0; il < m.layers && !ffn.empty(); ++il)
    if (one_part_blocks ? blocks[static_cast<std::size_t>(il)].dense_ffn && !blocks[static_cast<std::size_t>(il)].moe : !m.is_moe_layer(il)) {
      std::int64_t& to = m.has_kv(il) ? m.ffn : ffn_shared;
      to = std::max(to, ffn[static_cast<std::size_t>(il)]);
    }
  if (m.kv_shared_layers > 0 && ffn_shared != m.ffn && m.moe.experts == 0) m.ffn_kv_shared = ffn_shared;
  // Gemma 4 MoE blocks run their dense FFN beside the experts, as a shared expert (models/gemma4.cpp).
  if (arch_name == "gemma4" && e.experts > 0) {
    e.shared_experts = present.count("blk.ffn_up") > 0 ? 1 : 0;
    e.shared_ffn = e.shared_experts > 0 ? max_of(ffn) : 0;
    for (FileTensor& ft : f.tensors)
      if (ft.group == TensorGroup::ffn && ft.layer >= 0 && split_name(ft.name).base.rfind("ffn_", 0) == 0) ft.group = TensorGroup::shared;
  }
  // Gated unless the file has up projections and no gate (Nemotron-H's ReLU^2 MLP and experts).
  m.ffn_gated = present.count("blk.ffn_gate") + present.count("blk.ffn_gate_exps") + present.count("blk.ffn_gate_up_exps") > 0 ||
                present.count("blk.ffn_up") + present.count("blk.ffn_up_exps") == 0 || arch_name == "phi3";

  // Recurrent state.
  SsmSpec& s = m.ssm;
  const bool any_ssm = std::any_of(blocks.begin(), blocks.end(), [](const BlockFacts& b) { return b.ssm || b.delta_net; });
  if (any_ssm) {
    s.d_conv = meta.need("ssm.conv_kernel", 1, 1024);
    s.d_inner = meta.need("ssm.inner_size");
    s.d_state = meta.need("ssm.state_size");
    const std::int64_t dt_rank = meta.num("ssm.time_step_rank").value_or(0);
    s.n_groups = meta.num("ssm.group_count").value_or(0);
    if (delta_net_arch(arch_name)) {
      s.kind = SsmKind::gated_deltanet;
      s.n_heads = dt_rank;  // llama.cpp stores the value-head count in time_step_rank
    } else if (arch_name == "mamba2" || arch_name == "granitehybrid" || one_part_blocks) {
      s.kind = SsmKind::mamba2;
      s.n_heads = dt_rank;
    } else {
      s.kind = SsmKind::mamba1;
      s.dt_rank = dt_rank;
    }
    s.conv_bias = present.count("blk.ssm_conv1d.bias") > 0;
    s.proj_bias = present.count("blk.ssm_in.bias") > 0;
    s.inner_norms = present.count("blk.ssm_dt_norm") > 0;
  }

  // Multi-head latent attention (deepseek2): newer files store the latent sizes in key_length /
  // value_length and the per-head sizes in *_mla (llama.cpp PR #12801).
  const bool any_mla = std::any_of(blocks.begin(), blocks.end(), [](const BlockFacts& b) { return b.mla; });
  if (any_mla) {
    MlaSpec& a = m.mla;
    a.kv_lora_rank = meta.need("attention.kv_lora_rank");
    a.q_lora_rank = meta.num("attention.q_lora_rank").value_or(0);
    if (present.count("blk.attn_q_a") == 0) a.q_lora_rank = 0;
    a.qk_rope_head_dim = meta.need("rope.dimension_count");
    const std::int64_t k_head = meta.num("attention.key_length_mla", 1).value_or(m.head_dim_k);
    a.v_head_dim = meta.num("attention.value_length_mla", 1).value_or(m.head_dim_v);
    a.qk_nope_head_dim = k_head - a.qk_rope_head_dim;
    if (a.qk_nope_head_dim <= 0) meta.fail(fmt::format("MLA key length {} is not above the rope dimension {}", k_head, a.qk_rope_head_dim));
    if (index_heads > 0 || index_head_dim > 0) {  // DeepSeek sparse attention (glm-dsa; V3.2 files)
      if (index_heads < 1 || index_heads > kCount || index_head_dim < 1 || index_head_dim > kDim)
        meta.fail(fmt::format("the indexer's tensors give {} heads (blk.N.indexer.proj) and key length {} (blk.N.indexer.attn_k): "
                              "out of range [1, {}] and [1, {}]", index_heads, index_head_dim, kCount, kDim));
      a.index_heads = index_heads;
      a.index_head_dim = index_head_dim;
    }
    m.kv_heads = m.heads;  // MLA caches one latent per token; the head counts describe the projections
    m.head_dim_k = k_head;
    m.head_dim_v = a.v_head_dim;
  }

  // Layer kinds: from the tensors, then sliding / chunked windows from the architecture's rules.
  std::vector<LayerKind> kinds(static_cast<std::size_t>(m.layers), LayerKind::full);
  std::vector<bool> swa(static_cast<std::size_t>(m.layers), false);
  bool chunked = false;
  const std::optional<std::int64_t> window = meta.num("attention.sliding_window", 0, kContext);
  if (arch_name == "gemma2") {
    swa = swa_layers(meta, m.layers, 2);
    m.sliding_window = window.value_or(4096);  // llama.cpp's default for Gemma 2
  } else if (arch_name == "gemma3" && window.value_or(0) > 0) {
    swa = swa_layers(meta, m.layers, 6);
    m.sliding_window = *window;
  } else if (gemma_edge) {
    // gemma3n: the per-layer array or every 5th block full (load_swa_pattern(ml, 5)); gemma4: the
    // per-layer array is required (ml.get_arr). Both require the window.
    if (!window) meta.fail("missing metadata key '" + meta.key("attention.sliding_window") + "'");
    if (arch_name == "gemma4" && !h.int_array(meta.key("attention.sliding_window_pattern")))
      meta.fail("missing metadata key '" + meta.key("attention.sliding_window_pattern") + "' (one value per block)");
    swa = swa_layers(meta, m.layers, 5);
    m.sliding_window = *window;
  } else if (arch_name == "cohere2" || arch_name == "gpt-oss") {
    if (!window) meta.fail("missing metadata key '" + meta.key("attention.sliding_window") + "'");
    swa = swa_layers(meta, m.layers, arch_name == "cohere2" ? 4 : 2);
    m.sliding_window = *window;
  } else if (arch_name == "olmo2" && window.value_or(0) > 0) {
    // OLMo 3: a sliding window on three layers of four (llama-model.cpp LLM_ARCH_OLMO2: swa_type
    // standard and set_swa_pattern(4) when the key is there; OLMo 2 files have none).
    swa = swa_layers(meta, m.layers, 4);
    m.sliding_window = *window;
  } else if (arch_name == "llama4" && !(window && *window == 0)) {
    swa = swa_layers(meta, m.layers, 4);
    chunked = true;
    m.chunk_size = 8192;  // llama.cpp fixes the Llama 4 attention chunk (llama4.cpp)
  } else if (window.value_or(0) > 0 && arch_name != "phi3") {
    f.notes.push_back(fmt::format("{} = {} is ignored: llama.cpp runs {} with full attention", meta.key("attention.sliding_window"), *window, arch_name));
  }
  for (std::int64_t il = 0; il < m.layers; ++il) {
    const BlockFacts& b = blocks[static_cast<std::size_t>(il)];
    LayerKind& k = kinds[static_cast<std::size_t>(il)];
    if (b.mla) k = LayerKind::mla;
    else if (one_part_blocks && !b.mixer()) k = LayerKind::ffn;
    else if (b.delta_net) k = LayerKind::linear;
    else if (b.ssm && !b.attention) k = LayerKind::mamba;
    else if (swa[static_cast<std::size_t>(il)]) k = chunked ? LayerKind::chunked : LayerKind::sliding;
  }
  if (arch_name == "phi3" && window.value_or(0) > 0)
    f.notes.push_back("Phi-3 sliding window ignored: llama.cpp disables it (models/phi3.cpp)");
  m.layer_pattern = shortest_period(kinds);
  for (std::int64_t il = 0; il < m.layers && one_part_blocks && e.present(); ++il)
    if (m.is_moe_layer(il) != blocks[static_cast<std::size_t>(il)].moe)
      meta.fail(fmt::format("block {} of {} is a feed-forward block without experts, but other blocks hold them", il, m.layers));

  // Sliding and full layers of another shape (Gemma 4): key_length / value_length are the full
  // layers' head sizes and key_length_swa / value_length_swa the sliding ones' (llama-model.cpp
  // load_hparams); head_count_kv is written per layer.
  const bool any_swa = std::find(swa.begin(), swa.end(), true) != swa.end();
  if (const auto k_swa = meta.num("attention.key_length_swa", 1); k_swa && any_swa && !any_mla) {
    const std::int64_t k_full = m.head_dim_k, v_full = m.head_dim_v;
    m.head_dim_k = *k_swa;
    m.head_dim_v = meta.num("attention.value_length_swa", 1).value_or(*k_swa);
    if (k_full != m.head_dim_k || v_full != m.head_dim_v) {
      if (k_full != v_full) meta.fail(fmt::format("full-attention layers with K head size {} and V head size {} are not supported", k_full, v_full));
      m.head_dim_full = k_full;
    }
  }
  {
    std::int64_t kv_swa = 0, kv_full = 0;
    for (std::int64_t il = 0; il < m.layers && !kv_heads.empty(); ++il) {
      const LayerKind k = kinds[static_cast<std::size_t>(il)];
      const std::int64_t g = kv_heads[static_cast<std::size_t>(il)];
      if (k == LayerKind::sliding || k == LayerKind::chunked) kv_swa = std::max(kv_swa, g);
      else if (k == LayerKind::full) kv_full = std::max(kv_full, g);
    }
    if (kv_swa > 0 && kv_full > 0 && kv_swa != kv_full) {
      m.kv_heads = kv_swa;
      m.kv_heads_full = kv_full;
    }
  }
  // Gemma 3n / 4 per-layer inputs, from the tensors.
  if (ple_row > 0) {
    if (ple_row % m.layers != 0)
      meta.fail(fmt::format("per_layer_token_embd rows of {} values do not split over {} blocks", ple_row, m.layers));
    m.per_layer.embed_dim = ple_row / m.layers;
  }
  m.per_layer.altup_inputs = altup_streams;
  m.per_layer.laurel_rank = laurel_rank;
  m.per_layer.layer_scalar = present.count("blk.layer_output_scale") > 0;
  if (arch_name == "gemma4") {
    // Full layers with a KV cache and no attn_v compute V from K's projection (attention_k_eq_v).
    bool any_full = false, all_without_v = true;
    std::set<std::int64_t> with_v;
    for (const gguf::TensorInfo& t : h.tensors) {
      const TensorName n = split_name(t.name);
      if (n.base == "attn_v" || n.base == "attn_qkv") with_v.insert(n.layer);
    }
    for (std::int64_t il = 0; il < m.layers; ++il)
      if (kinds[static_cast<std::size_t>(il)] == LayerKind::full && m.has_kv(il)) {
        any_full = true;
        all_without_v &= with_v.count(il) == 0;
      }
    m.full_k_eq_v = any_full && all_without_v;
  }
  if (m.count_layers([](LayerKind k) { return k == LayerKind::sliding; }) == 0) m.sliding_window = 0;
  if (m.count_layers([](LayerKind k) { return k == LayerKind::chunked; }) == 0) m.chunk_size = 0;
  if (m.heads == 0 && m.count_layers(ModelSpec::is_attention) == 0) m.kv_heads = 0;

  // Per-block norm count (for the catalog entry `import` would write; weights come from the tensors).
  // Gemma 3n / 4 extras are the inventory's per_layer_vec, not norms; Gemma 4 MoE blocks add three
  // norms and the router's input scale (models/gemma4.cpp).
  m.norms_per_layer = 0;
  for (const std::string& p : present)
    if (p.rfind("blk.", 0) == 0 && p.find('.', 4) == std::string::npos &&
        group_of(TensorName{0, p.substr(4), "weight"}) == TensorGroup::norm && ends_with(p, "_norm") &&
        p != "blk.post_norm" && p != "blk.altup_router_norm" && p != "blk.laurel_post_norm")
      ++m.norms_per_layer;
  for (const char* p : {"blk.pre_ffw_norm_2", "blk.post_ffw_norm_1", "blk.post_ffw_norm_2", "blk.ffn_gate_inp.scale"})
    m.norms_per_layer += static_cast<std::int64_t>(present.count(p));
  m.native_format = "bf16";

  // The vision projector file, if given: all of its tensors are the vision encoder.
  if (v != nullptr) {
    if (v->get_string("general.architecture").value_or("") != "clip")
      throw InputError(v->path + ": --mmproj expects a vision projector file (general.architecture 'clip')");
    std::int64_t params = 0;
    for (const gguf::TensorInfo& t : v->tensors) {
      FileTensor ft;
      ft.name = t.name;
      ft.type = std::string(gguf::find_ggml_type(t.ggml_type)->name);
      ft.group = TensorGroup::vision;
      ft.elements = t.elements;
      ft.bytes = Bytes(t.bytes);
      params = checked_sum(params, t.elements);
      f.tensors.push_back(std::move(ft));
    }
    m.vision.encoder = display_name(v->get_string("general.name").value_or("mmproj"));
    m.vision.params = params;
  }

  validate(m);
  const WeightBreakdown w = weight_bytes_from_file(m, f.tensors);
  f.model.meta.source = {path};
  if (v != nullptr) f.model.meta.source.push_back(v->path);

  const std::int64_t ftype = h.get_i64("general.file_type").value_or(-1);
  f.mix_id = ftype_mix(ftype & ~std::int64_t{1024});  // 1024: LLAMA_FTYPE_GUESSED
  f.stored_as = fmt::format("{} ({:.2f} bits per weight over {} parameters)",
                            f.mix_id.empty() ? "file type " + std::to_string(ftype) : f.mix_id, w.bits_per_weight(), w.params);
  f.facts = {{"GGUF architecture", arch_name},
             {"file type", f.mix_id.empty() ? (ftype >= 0 ? std::to_string(ftype) : std::string("not stated"))
                                             : fmt::format("{} (general.file_type {})", f.mix_id, ftype)},
             {"GGUF version", std::to_string(h.version)},
             {"split parts", std::to_string(h.split_count)}};
  return f;
}

}  // namespace

ModelFile gguf_model_file(const gguf::Header& model, const gguf::Header* mmproj) {
  // A core check or an overflow in the sums over the file's tensors is the file's fault: say which.
  try {
    return gguf_model(model, mmproj);
  } catch (const CoreError& err) {
    throw InputError(model.path + ": " + err.what());
  }
}

ModelFile read_gguf_model(const std::string& path, const std::string& mmproj) {
  const gguf::Header model = gguf::read_model(path);
  if (mmproj.empty()) return gguf_model_file(model, nullptr);
  const gguf::Header projector = gguf::read_model(mmproj);
  return gguf_model_file(model, &projector);
}

}  // namespace vramfit::io
