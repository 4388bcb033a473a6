// A catalog model written as a GGUF file (gguf_model.hpp, the same files real llama.cpp loads in
// check_llamacpp.sh) and read back by vramfit's reader (src/formats/gguf_model.cpp) must be the same
// model: every field the KV cache and compute buffer use equal, KV cache bytes exact, weights within
// 0.1 % (exact where the file's tensors are the inventory's; the known differences of real llama.cpp
// files, e.g. DeepSeek's attn_k_b / attn_v_b, are reported by the writer and checked here too).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "formats/model_file.hpp"
#include "gguf_model.hpp"
#include "vramfit/memory.hpp"

namespace vramfit {
namespace {

const io::Catalog& catalog() {
  static const io::Catalog cat = [] {
    io::Diagnostics diag;
    return io::load_catalog({}, diag);
  }();
  return cat;
}

const TypeTable& types() {
  static const TypeTable t = catalog().type_table();
  return t;
}

std::filesystem::path temp_file(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("vramfit-roundtrip-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir / name;
}

// The mix a model is usually shipped in as GGUF: MXFP4 experts for gpt-oss, Q4_K_M otherwise.
std::string mix_for(const ModelSpec& m) { return m.architecture == "gpt_oss" ? "MXFP4_MOE" : "Q4_K_M"; }

struct Roundtrip {
  const ModelSpec* catalog = nullptr;
  io::ModelFile file;
  std::string mix;
};

// Writes and reads back one catalog model; nullopt when the writer cannot express it.
std::optional<Roundtrip> roundtrip(const ModelSpec& m) {
  try {
    gguf::gguf_architecture(m);
  } catch (const std::invalid_argument&) {
    return std::nullopt;
  }
  Roundtrip r;
  r.catalog = &m;
  r.mix = mix_for(m);
  const auto path = temp_file(m.id + ".gguf");
  gguf::model_writer(m, catalog().mix(r.mix).mix, types()).write(path);
  r.file = io::read_gguf_model(path.string());
  std::filesystem::remove(path);
  return r;
}

std::vector<LayerKind> kinds(const ModelSpec& m) {
  std::vector<LayerKind> v;
  for (std::int64_t il = 0; il < m.layers; ++il) v.push_back(m.layer_kind(il));
  return v;
}

TEST(GgufRoundtrip, EveryWritableCatalogModelReadsBackAsTheSameModel) {
  std::vector<std::string> checked, refused, deviations;
  std::vector<std::string> no_llamacpp;
  for (const io::CatalogModel& cm : catalog().models) {
    const ModelSpec& c = cm.spec;
    // No llama.cpp file to write: mllama (llama.cpp has no such architecture: docs/gguf.md, the reader
    // refuses it) and models marked estimable: false (DeepSeek-V4-Flash).
    if (c.architecture == "mllama" || !cm.not_estimable.empty()) {
      no_llamacpp.push_back(c.id);
      continue;
    }
    const auto r = roundtrip(c);
    if (!r) {
      refused.push_back(c.id);
      continue;
    }
    checked.push_back(c.id);
    const ModelSpec& f = r->file.model.spec;
    SCOPED_TRACE(c.id);
    EXPECT_EQ(f.layers, c.layers);
    EXPECT_EQ(f.hidden, c.hidden);
    EXPECT_EQ(f.heads, c.heads);
    EXPECT_EQ(f.vocab, c.vocab);
    EXPECT_EQ(f.max_context, c.max_context);
    EXPECT_EQ(f.tied_embeddings, c.tied_embeddings);
    EXPECT_EQ(kinds(f), kinds(c));
    EXPECT_EQ(f.sliding_window, c.sliding_window);
    EXPECT_EQ(f.chunk_size, c.chunk_size);
    const bool mla = c.mla.kv_lora_rank > 0;
    if (!mla) {
      EXPECT_EQ(f.kv_heads, c.kv_heads);
      EXPECT_EQ(f.head_dim_k, c.head_dim_k);
      EXPECT_EQ(f.head_dim_v, c.head_dim_v);
    }
    EXPECT_EQ(f.mla.kv_lora_rank, c.mla.kv_lora_rank);
    EXPECT_EQ(f.mla.qk_rope_head_dim, c.mla.qk_rope_head_dim);
    EXPECT_EQ(f.mla.v_head_dim, c.mla.v_head_dim);
    EXPECT_EQ(f.moe.experts, c.moe.experts);
    EXPECT_EQ(f.moe.experts_per_token, c.moe.experts_per_token);
    EXPECT_EQ(f.moe.expert_ffn, c.moe.expert_ffn);
    EXPECT_EQ(f.moe.shared_experts * f.moe.shared_ffn, c.moe.shared_experts * c.moe.shared_ffn);
    EXPECT_EQ(f.moe.weights_norm, c.moe.weights_norm);  // deepseek2 / glm4moe expert_weights_norm
    EXPECT_FLOAT_EQ(float(f.moe.weights_scale), float(c.moe.weights_scale));
    EXPECT_EQ(f.qk_norm, c.qk_norm);
    EXPECT_EQ(f.qk_norm_full, c.qk_norm_full);
    EXPECT_EQ(f.expert_format, c.expert_format);
    for (std::int64_t il = 0; il < c.layers; ++il) EXPECT_EQ(f.is_moe_layer(il), c.is_moe_layer(il)) << "block " << il;
    EXPECT_EQ(f.ssm.kind, c.ssm.kind);
    EXPECT_EQ(f.ssm.d_state, c.ssm.d_state);
    EXPECT_EQ(f.ssm.d_conv, c.ssm.d_conv);
    EXPECT_EQ(f.ssm.d_inner, c.ssm.d_inner);
    EXPECT_EQ(f.ssm.n_groups, c.ssm.n_groups);
    // Gemma 3n / 4: global layers' shape, KV sharing, per-layer inputs.
    EXPECT_EQ(f.head_dim_full, c.head_dim_full);
    EXPECT_EQ(f.kv_heads_full, c.kv_heads_full);
    EXPECT_EQ(f.full_k_eq_v, c.full_k_eq_v);
    EXPECT_EQ(f.kv_shared_layers, c.kv_shared_layers);
    EXPECT_EQ(f.ffn_kv_shared, c.ffn_kv_shared);
    EXPECT_EQ(f.per_layer.embed_dim, c.per_layer.embed_dim);
    EXPECT_EQ(f.per_layer.altup_inputs, c.per_layer.altup_inputs);
    EXPECT_EQ(f.per_layer.laurel_rank, c.per_layer.laurel_rank);
    EXPECT_EQ(f.per_layer.layer_scalar, c.per_layer.layer_scalar);
    if (c.architecture == "gemma4" && c.moe.present()) {  // the dense MLP read back as the shared expert
      EXPECT_EQ(f.moe.shared_experts, c.moe.shared_experts);
      EXPECT_EQ(f.moe.shared_ffn, c.moe.shared_ffn);
    }

    // KV cache exact and compute buffer equal, at two contexts and two sequence counts.
    for (std::int64_t ctx : {4096, 40000})
      for (std::int64_t np : {1, 3}) {
        Workload w;
        w.context = std::min(ctx, c.max_context);
        w.parallel = np;
        const MemoryEstimate ec = estimate_memory(c, catalog().mix(r->mix).mix, types(), w);
        const MemoryEstimate ef = estimate_memory(f, weight_bytes_from_file(f, r->file.tensors), types(), w);
        EXPECT_EQ(ef.kv.total.value(), ec.kv.total.value()) << "context " << w.context << " x" << np;
        EXPECT_EQ(ef.compute.total().value(), ec.compute.total().value()) << "context " << w.context << " x" << np;
      }
    // Weights: the file's tensors are the catalog's (text only: the writer leaves vision to an
    // mmproj file) plus what real llama.cpp files hold differently (deepseek2 attn_k_b/attn_v_b,
    // phi3 fused attn_qkv); those deviations are listed, everything else must agree within 0.1 %.
    const WeightBreakdown wc = weight_bytes(c, catalog().mix(r->mix).mix, types(), false);
    const WeightBreakdown wf = weight_bytes_from_file(f, r->file.tensors);
    const std::int64_t extra = gguf::file_tensors(c, catalog().mix(r->mix).mix, types()).extra_bytes();
    EXPECT_EQ(wf.total.value(), wc.total.value() + extra);
    const double rel = double(wf.total.value()) / double(wc.total.value()) - 1.0;
    if (extra != 0) deviations.push_back(c.id + " " + std::to_string(rel * 100).substr(0, 6) + " %");
    else EXPECT_LT(std::abs(rel), 0.001);
    EXPECT_EQ(wf.per_layer.size(), wc.per_layer.size());
    EXPECT_EQ(wf.global_cpu.value(), wc.global_cpu.value());
  }
  std::string list;
  for (const std::string& id : refused) list += " " + id;
  std::string dev;
  for (const std::string& d : deviations) dev += "; " + d;
  std::printf("round trip: %zu catalog models checked, %zu not writable:%s\nknown file/inventory differences%s\n",
              checked.size(), refused.size(), list.c_str(), dev.c_str());
  EXPECT_EQ(refused.size(), 0u) << "the writer covers every family in the catalog";
  EXPECT_EQ(no_llamacpp, (std::vector<std::string>{"llama-3.2-11b-vision", "llama-3.2-90b-vision", "deepseek-v4-flash"}));
}

// A Qwen3.5 file as llama.cpp's converter writes it (conversion/qwen.py _QwenMtpMixin): the
// multi-token-prediction block as one more block (block_count 41, nextn_predict_layers 1). It is not
// loaded by default, so neither its weights nor a KV cache count (llama-model.cpp create_memory keeps
// il < n_layer); the delta-net blocks' attn_qkv / attn_gate are recurrent weights, not attention.
TEST(GgufRoundtrip, Qwen35FileWithItsMtpBlock) {
  const io::CatalogModel* cm = catalog().find_model("qwen3.5-35b-a3b");
  ASSERT_NE(cm, nullptr);
  ModelSpec with_mtp = cm->spec;
  with_mtp.layers = 41;  // block 40 stands in for the MTP block (its tensors are skipped whatever they are)
  gguf::Writer w = gguf::model_writer(with_mtp, catalog().mix("Q4_K_M").mix, types());
  w.add_u32("qwen35moe.nextn_predict_layers", 1);
  const auto path = temp_file("qwen35-mtp.gguf");
  w.write(path);
  const io::ModelFile f = io::read_gguf_model(path.string());
  std::filesystem::remove(path);
  const ModelSpec& m = f.model.spec;
  EXPECT_EQ(m.architecture, "qwen3_5_moe");
  EXPECT_EQ(m.layers, 40);
  EXPECT_TRUE(m.attn_output_gate);  // attn_q of 2 x 16 x 256 rows
  EXPECT_EQ(m.ssm.kind, SsmKind::gated_deltanet);
  EXPECT_EQ(m.ssm.n_heads, 32);
  EXPECT_EQ(m.ssm.d_inner, 4096);
  ASSERT_FALSE(f.notes.empty());
  EXPECT_NE(f.notes[0].find("1 next-token-prediction block(s)"), std::string::npos);
  for (const FileTensor& t : f.tensors) {
    if (t.name == "blk.0.attn_qkv.weight" || t.name == "blk.0.attn_gate.weight" || t.name == "blk.0.ssm_beta.weight")
      EXPECT_EQ(t.group, TensorGroup::ssm) << t.name;
    EXPECT_EQ(t.name.rfind("blk.40.", 0), std::string::npos) << t.name;
  }
  // KV: 10 full layers x 2 KV heads x 256 x 2 B x 2 = 20,480 B/token, x 4096 = 83,886,080 B; state:
  // 30 delta-net layers x (3 x (4096 + 2 x 16 x 128) + 128 x 4096) x 4 B = 30 x 2,195,456 = 65,863,680 B.
  Workload wl;
  wl.context = 4096;
  const MemoryEstimate e = estimate_memory(m, weight_bytes_from_file(m, f.tensors), types(), wl);
  EXPECT_EQ(e.kv.attention.value(), 83886080);
  EXPECT_EQ(e.kv.recurrent.value(), 65863680);
  // Weights: the 40 blocks' bytes, exactly the catalog model's.
  EXPECT_EQ(weight_bytes_from_file(m, f.tensors).total.value(),
            weight_bytes(cm->spec, catalog().mix("Q4_K_M").mix, types(), false).total.value());
}

}  // namespace
}  // namespace vramfit
