// The model entries of data/models.yaml and data/ollama.yaml against figures worked out by hand from
// their architecture numbers (shared/reference/models_2026.yaml cites the config.json of each):
// KV cache bytes per token, weight bytes under a mix, alias and Ollama-name resolution, and the
// native formats (gpt-oss's MXFP4 experts) that decide what a GGUF of the model really holds.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "catalog/catalog.hpp"
#include "catalog/compiled.hpp"
#include "vramfit/kv_cache.hpp"
#include "vramfit/tensors.hpp"
#include "vramfit/weights.hpp"

namespace {

using namespace vramfit;
using namespace vramfit::io;

const Catalog& catalog() {
  static const Catalog c = compiled_catalog();
  return c;
}

const TypeTable& types() {
  static const TypeTable t = catalog().type_table();
  return t;
}

KvCache kv_at(const std::string& id, std::int64_t context) {
  Workload w;
  w.context = context;
  const TypeTable& t = types();
  return kv_cache(catalog().model(id).spec, w, t.get("f16"), t.get("f16"));
}

// K + V per token over the layers that keep every token, f16: layers x kv_heads x head_dim x 2 x 2 B
// (MLA: layers x (kv_lora_rank + rope dims) x 2 B, no V). models_2026.yaml kv_cache_bytes_per_token_bf16.
TEST(CatalogModels, KvBytesPerTokenFromTheArchitecture) {
  struct Row {
    const char* id;
    std::int64_t bytes;
  };
  const Row rows[] = {
      {"qwen3-coder-30b-a3b", 48 * 4 * 128 * 2 * 2},     //  98,304 (gallery: 96 KiB)
      {"qwen3-coder-480b-a35b", 62 * 8 * 128 * 2 * 2},   // 253,952
      {"minimax-m2", 62 * 8 * 128 * 2 * 2},              // 253,952 (gallery: 248 KiB)
      {"glm-4.7-flash", 47 * (512 + 64) * 2},             //  54,144: the MLA latent only
      {"smollm3-3b", 36 * 4 * 128 * 2 * 2},              //  73,728 (gallery: 72 KiB); NoPE layers cache the same
      {"seed-oss-36b", 64 * 8 * 128 * 2 * 2},            // 262,144
      {"ernie-4.5-21b-a3b", 28 * 4 * 128 * 2 * 2},       //  57,344
      {"olmo-2-13b", 40 * 40 * 128 * 2 * 2},             // 819,200: MHA
      {"phi-4-mini", 32 * 8 * 128 * 2 * 2},              // 131,072
      {"mistral-small-3.1-24b", 40 * 8 * 128 * 2 * 2},   // 163,840
      {"mistral-7b-v0.2", 32 * 8 * 128 * 2 * 2},         // 131,072: no sliding window
      {"olmo-3-7b", 8 * 32 * 128 * 2 * 2},               // 131,072: the 8 global layers; 24 slide
      {"llama-4-maverick-17b-128e", 12 * 8 * 128 * 2 * 2},  // 49,152: the 12 NoPE global layers; 36 chunked
      {"gemma-3-270m", 3 * 1 * 256 * 2 * 2},             //   3,072: 3 global layers; 15 slide
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.id);
    EXPECT_EQ(kv_at(r.id, 4096).bytes_per_token, r.bytes);
  }
}

// Sliding layers keep PAD(window + n_ubatch, 256) cells (llama-kv-cache-iswa.cpp), the others the context.
TEST(CatalogModels, SlidingWindowModelsAtLongContext) {
  // OLMo 3 7B at 32768: 8 full layers x 16,384 B x 32768 cells + 24 sliding x 16,384 B x PAD(4096 + 512) = 4608.
  const KvCache olmo = kv_at("olmo-3-7b", 32768);
  EXPECT_EQ(olmo.cells_window, 4608);
  EXPECT_EQ(olmo.total.value(), std::int64_t{8} * 16384 * 32768 + std::int64_t{24} * 16384 * 4608);  // 6,106,906,624
  // Gemma 3 270M at 32768: 3 x 1024 B x 32768 + 15 x 1024 B x PAD(512 + 512) = 1024.
  const KvCache gemma = kv_at("gemma-3-270m", 32768);
  EXPECT_EQ(gemma.total.value(), std::int64_t{3} * 1024 * 32768 + std::int64_t{15} * 1024 * 1024);  // 116,391,936
}

// QK norms over the whole projections (qk_norm: full) count heads x head_dim + kv_heads x head_dim per
// layer instead of 2 x head_dim: OLMo 2 7B has 32 x (4096 + 4096 - 256) = 253,952 parameters more than
// per-head norms would give, and equals the reference count exactly.
TEST(CatalogModels, WholeProjectionQkNormsCount) {
  const ModelSpec& m = catalog().model("olmo-2-7b").spec;
  EXPECT_TRUE(m.qk_norm_full);
  EXPECT_EQ(count_params(m).total, 7298617344);
  ModelSpec per_head = m;
  per_head.qk_norm_full = false;
  EXPECT_EQ(count_params(m).total - count_params(per_head).total, 32 * (4096 + 4096 - 2 * 128));
  EXPECT_EQ(count_params(catalog().model("minimax-m2").spec).total, 228689764864);
}

// Seed-OSS 36B at Q8_0 (every matrix q8_0, 34 B per 32 weights; vectors f32): 36,151,104,512 parameters,
// of which the vectors are 64 x (2 x 5120 norms + 10240 + 1024 + 1024 q/k/v biases) + 5120 final norm
// = 1,446,912. Matrices: 36,149,657,600 x 34 / 32 = 38,409,011,200 B; vectors 5,787,648 B.
TEST(CatalogModels, SeedOssQ8WeightsByHand) {
  const ModelSpec& m = catalog().model("seed-oss-36b").spec;
  EXPECT_EQ(count_params(m).total, 36151104512);
  const WeightBreakdown w = weight_bytes(m, catalog().mix("Q8_0").mix, types());
  EXPECT_EQ(w.total.value(), 38409011200 + 5787648);
}

// gpt-oss-20b (24 layers, d 2880, 32 experts of 2880, 64 heads / 8 KV of 64, vocab 201088, untied).
// Experts: 24 x 3 x 2880 x 2880 x 32 = 19,110,297,600 weights, MXFP4 17 B / 32 = 10,152,345,600 B.
// Vectors (f32): expert biases 24 x 32 x 8640 = 6,635,520; router 24 x 2880 x 32 = 2,211,840; router
// bias 768; q/k/v/o biases + sinks 24 x 8064 = 193,536; norms 24 x 5760 = 138,240; output_norm 2880:
// 9,182,784 x 4 = 36,731,136 B.
constexpr std::int64_t kOssExperts = 10152345600, kOssVectors = 36731136;

// The default: ggml-org's own GGUF (MXFP4_MOE: experts MXFP4, every other matrix Q8_0). Attention
// 24 x 26,542,080 = 637,009,920 weights and token_embd / output 579,133,440 each, x 34 / 32:
// 676,823,040 + 2 x 615,329,280. Total 12,096,511,296 B = 11.266 GiB; llama.cpp prints "file size =
// 11.27 GiB" for gpt-oss-20b-mxfp4.gguf (measured_memory.yaml), and maps token_embd as 586.82 MiB.
TEST(CatalogModels, GptOssDefaultIsTheMxfp4ReleaseFile) {
  const CatalogModel& cm = catalog().model("gpt-oss-20b");
  EXPECT_EQ(cm.default_quant, "MXFP4_MOE");
  EXPECT_EQ(cm.spec.expert_format, "mxfp4");
  const WeightBreakdown w = weight_bytes(cm.spec, catalog().mix("MXFP4_MOE").mix, types(), false);
  EXPECT_EQ(w.total.value(), kOssExperts + kOssVectors + 676823040 + 2 * 615329280);
  EXPECT_EQ(w.global_cpu.value(), 615329280);  // 586.82 MiB, the log's CPU_Mapped buffer
  EXPECT_NEAR(double(w.total.value()) / 1073741824.0, 11.27, 0.005);
}

// -q Q4_K_M stays Q4_K_M for every tensor but the experts, which real gpt-oss Q4_K_M files keep in
// MXFP4 (about 11.6 GB). Rows of 2880 are no whole Q4_K/Q6_K blocks: token_embd q4_K -> q5_0
// (22 B / 32) 398,154,240; output q6_K -> q8_0 615,329,280; attn_q q5_0 24 x 8,110,080, attn_k q5_0
// 24 x 1,013,760, attn_v q8_0 on the 12 use_more_bits layers (1,566,720) and q5_0 on 12 (1,013,760),
// attn_output q4_K (rows of 4096) 24 x 6,635,520: 409,190,400. Before expert_format the experts took the
// mix too (gate/up q5_0, down q8_0 / q5_0 by use_more_bits: 14,332,723,200 B) and the file was 15.79 GB.
TEST(CatalogModels, GptOssQ4KmKeepsTheMxfp4Experts) {
  const ModelSpec& m = catalog().model("gpt-oss-20b").spec;
  const std::int64_t rest = 398154240 + 615329280 + 409190400 + kOssVectors;
  EXPECT_EQ(weight_bytes(m, catalog().mix("Q4_K_M").mix, types(), false).total.value(), kOssExperts + rest);  // 11,611,750,656
  ModelSpec plain = m;
  plain.expert_format.clear();
  EXPECT_EQ(weight_bytes(plain, catalog().mix("Q4_K_M").mix, types(), false).total.value(), 14332723200 + rest);  // 15,792,128,256
  // Safetensors formats ignore it: -q hf-bf16 is the dequantized checkpoint, 2 bytes a weight (biases too).
  const WeightBreakdown bf16 = weight_bytes(m, catalog().mix("hf-bf16").mix, types(), false);
  EXPECT_EQ(bf16.group(TensorGroup::experts).value(), 2 * (19110297600 + 6635520));
}

TEST(CatalogModels, NativeCheckpointFormats) {
  EXPECT_EQ(catalog().model("gpt-oss-120b").spec.native_format, "mxfp4");
  EXPECT_EQ(catalog().model("deepseek-v3").spec.native_format, "fp8-block");
  EXPECT_EQ(catalog().model("kimi-k2").spec.native_format, "fp8-block");
  EXPECT_EQ(catalog().model("minimax-m2").spec.native_format, "fp8-block");
  EXPECT_EQ(catalog().model("qwen3-coder-30b-a3b").spec.native_format, "bf16");
  EXPECT_TRUE(catalog().model("deepseek-v3").default_quant.empty());  // GGUFs of DeepSeek are plain Q4_K_M
}

// Names the issue and the reference list as other releases of an architecture already in the catalog.
TEST(CatalogModels, AliasesResolveToTheArchitectureTheyShare) {
  struct Row {
    const char* alias;
    const char* id;
  };
  const Row rows[] = {
      {"fara-7b", "qwen2.5-vl-7b"},
      {"microsoft/Fara-7B", "qwen2.5-vl-7b"},
      {"glm-4.6", "glm-4.7"},
      {"zai-org/GLM-4.6", "glm-4.7"},
      {"zai-org/GLM-4.7", "glm-4.7"},
      {"zai-org/GLM-4.5", "glm-4.5"},
      {"deepseek-v3.1", "deepseek-v3"},
      {"deepseek-ai/DeepSeek-V3.1", "deepseek-v3"},
      {"moonshotai/Kimi-K2-Instruct-0905", "kimi-k2-0905"},
      {"moonshotai/Kimi-K2.5", "kimi-k2.5"},
      {"kimi-k2.6", "kimi-k2.5"},
      {"Qwen/Qwen3-Coder-Next", "qwen3-next-80b-a3b"},
      {"openai/gpt-oss-safeguard-20b", "gpt-oss-20b"},
      {"gpt-oss-safeguard-120b", "gpt-oss-120b"},
      {"PrimeIntellect/INTELLECT-3", "glm-4.5-air"},
      {"microsoft/Phi-4-reasoning-plus", "phi-4-reasoning"},
      {"mistralai/Devstral-Small-2507", "devstral-small-24b"},
      {"mistralai/Magistral-Small-2506", "devstral-small-24b"},
      {"meta-llama/Llama-3.2-11B-Vision-Instruct", "llama-3.2-11b-vision"},
      {"llama3.2-vision:90b", "llama-3.2-90b-vision"},
      {"deepseek-ai/DeepSeek-V4-Flash", "deepseek-v4-flash"},
      {"deepseek-ai/DeepSeek-Coder-V2-Lite-Instruct", "deepseek-v2-lite"},
      {"Qwen/Qwen3-Coder-30B-A3B-Instruct", "qwen3-coder-30b-a3b"},
      {"mistral-small-3.2-24b", "mistral-small-3.1-24b"},
      {"MiniMaxAI/MiniMax-M2.5", "minimax-m2"},
      {"allenai/Olmo-3.1-32B-Think", "olmo-3.1-32b"},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.alias);
    const CatalogModel* m = catalog().find_model(r.alias);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->spec.id, r.id);
  }
  // Not in the catalog: K2-Thinking ships INT4 experts (another format, not sourced).
  EXPECT_EQ(catalog().find_model("moonshotai/Kimi-K2-Thinking"), nullptr);
}

// A release with a longer context than the model whose shapes it shares is an entry of its own, so that
// no alias carries the shorter max_context silently (models_2026.yaml max_position_embeddings).
TEST(CatalogModels, LongerContextReleasesAreEntriesOfTheirOwn) {
  struct Row {
    const char* id;
    const char* shapes_of;
    std::int64_t max_context;
  };
  const Row rows[] = {
      {"glm-4.7", "glm-4.5", 202752},          {"kimi-k2-0905", "kimi-k2", 262144},
      {"kimi-k2.5", "kimi-k2", 262144},        {"devstral-small-24b", "mistral-small-24b", 131072},
      {"phi-4-reasoning", "phi-4", 32768},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.id);
    const ModelSpec& m = catalog().model(r.id).spec;
    const ModelSpec& base = catalog().model(r.shapes_of).spec;
    EXPECT_EQ(m.max_context, r.max_context);
    EXPECT_LT(base.max_context, r.max_context);
    EXPECT_EQ(count_params(m).total, count_params(base).total);
    EXPECT_EQ(kv_at(r.id, 4096).total, kv_at(r.shapes_of, 4096).total);
  }
  // Kimi K2.5's MoonViT is named but not counted: no vision parameters, the encoder kept for the note.
  const ModelSpec& k25 = catalog().model("kimi-k2.5").spec;
  EXPECT_EQ(k25.vision.encoder, "MoonViT");
  EXPECT_FALSE(k25.vision.present());
}

// Llama 3.2 Vision: 32 self-attention layers cache the text, 8 cross-attention layers (3, 8, ..., 38)
// the image tokens: 4 tiles x ((560 / 14)^2 + 1) = 6404 per image, independent of the context.
// f16 at -c 8192, one image:
//   self  32 x 8 x 128 x 2 (K, V) x 2 B x 8192 = 1,073,741,824 (1 GiB)
//   cross  8 x 8 x 128 x 2 x 2 B x 6404        =   209,846,272 (200.1 MiB)
TEST(CatalogModels, MllamaCrossAttentionCachesImageTokensNotContext) {
  const ModelSpec& m = catalog().model("llama-3.2-11b-vision").spec;
  for (std::int64_t il : {3, 8, 13, 18, 23, 28, 33, 38}) EXPECT_EQ(m.layer_kind(il), LayerKind::cross) << il;
  EXPECT_EQ(m.count_layers([](LayerKind k) { return k == LayerKind::cross; }), 8);
  EXPECT_EQ(m.vision.tokens_per_image, 6404);
  const KvCache kv = kv_at("llama-3.2-11b-vision", 8192);
  EXPECT_EQ(kv.attention.value(), std::int64_t{32} * 8 * 128 * 2 * 2 * 8192);
  EXPECT_EQ(kv.cross.value(), std::int64_t{8} * 8 * 128 * 2 * 2 * 6404);
  EXPECT_EQ(kv.cross.value(), 209846272);
  EXPECT_EQ(kv.total.value(), 1073741824 + 209846272);
  EXPECT_EQ(kv.bytes_per_token, 32 * 8 * 128 * 2 * 2);  // 131,072: models_2026.yaml kv_cache_bytes_per_token_bf16
  EXPECT_EQ(kv.cells_cross, 6404);
  // The cross part does not grow with the context; it grows with images and sequences.
  EXPECT_EQ(kv_at("llama-3.2-11b-vision", 32768).cross, kv.cross);
  Workload w;
  w.context = 8192;
  w.images = 2;
  w.parallel = 3;
  const KvCache two = kv_cache(m, w, types().get("f16"), types().get("f16"));
  EXPECT_EQ(two.cross.value(), 6 * 209846272);
  w.images = 1;
  w.parallel = 1;
  w.include_vision = false;  // --text-only: no image, the cross-attention layers are skipped
  EXPECT_EQ(kv_cache(m, w, types().get("f16"), types().get("f16")).cross.value(), 0);
  // 90B: 80 self-attention layers (327,680 B per token) and 20 cross-attention layers.
  const KvCache big = kv_at("llama-3.2-90b-vision", 8192);
  EXPECT_EQ(big.bytes_per_token, 80 * 8 * 128 * 2 * 2);
  EXPECT_EQ(big.cross.value(), std::int64_t{20} * 8 * 128 * 2 * 2 * 6404);
}

// The cross-attention layer's tensors (modeling_mllama.py MllamaCrossAttentionDecoderLayer): q/k/v/o as
// a self-attention layer, plus q_norm and k_norm of head_dim and the two scalar gates.
TEST(CatalogModels, MllamaCrossLayerTensors) {
  const ModelSpec& m = catalog().model("llama-3.2-11b-vision").spec;
  std::int64_t self = 0, cross = 0;
  for (const TensorInfo& t : tensor_inventory(m)) {
    if (t.layer == 0) self += t.elements();
    if (t.layer == 3) cross += t.elements();
  }
  EXPECT_EQ(self, 218112000);           // 41,943,040 attention + 176,160,768 MLP + 8192 norms
  EXPECT_EQ(cross, 218112000 + 256 + 2);  // + q_norm, k_norm (2 x 128) + cross_attn_attn_gate, cross_attn_mlp_gate
}

// DeepSeek-V4-Flash is in the catalog with its sourced facts but marked estimable: false.
TEST(CatalogModels, DeepSeekV4FlashIsNotEstimable) {
  const CatalogModel& cm = catalog().model("deepseek-v4-flash");
  EXPECT_FALSE(cm.not_estimable.empty());
  EXPECT_NE(cm.not_estimable.find("compressed attention"), std::string::npos);
  EXPECT_EQ(cm.spec.max_context, 1048576);
  EXPECT_DOUBLE_EQ(cm.spec.params_total_b, 284.0);
  EXPECT_DOUBLE_EQ(cm.spec.params_active_b, 13.0);
  for (const CatalogModel& other : catalog().models)
    if (other.spec.id != "deepseek-v4-flash") EXPECT_TRUE(other.not_estimable.empty()) << other.spec.id;
}

TEST(CatalogModels, OllamaLibraryNamesOfTheNewModels) {
  struct Row {
    const char* ref;
    const char* model;
    const char* mix;
  };
  const Row rows[] = {
      {"qwen3-coder", "qwen3-coder-30b-a3b", "Q4_K_M"},
      {"qwen3-coder:30b", "qwen3-coder-30b-a3b", "Q4_K_M"},
      {"qwen3-coder:480b-a35b-q8_0", "qwen3-coder-480b-a35b", "Q8_0"},
      {"llama4:maverick", "llama-4-maverick-17b-128e", "Q4_K_M"},
      {"gemma3:270m", "gemma-3-270m", "Q4_K_M"},
      {"mistral:v0.2", "mistral-7b-v0.2", "Q4_K_M"},
      {"phi4-mini", "phi-4-mini", "Q4_K_M"},
      {"olmo2:13b", "olmo-2-13b", "Q4_K_M"},
      {"deepseek-v3.1:671b", "deepseek-v3", "Q4_K_M"},
      {"mistral-small3.2", "mistral-small-3.1-24b", "Q4_K_M"},
      {"glm-4.7-flash", "glm-4.7-flash", "Q4_K_M"},
      {"glm-4.7-flash:q4_K_M", "glm-4.7-flash", "Q4_K_M"},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.ref);
    const std::optional<OllamaMatch> m = catalog().resolve_ollama(r.ref);
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->model, r.model);
    EXPECT_EQ(m->mix, r.mix);
  }
}

// Ollama's glm-4.7-flash:q4_K_M is 19 GB for 29.9B parameters (the library page): the Q4_K_M estimate of
// the entry lands there (a few percent of metadata and rounding either way).
TEST(CatalogModels, GlmFlashQ4KmNearOllamasFile) {
  const WeightBreakdown w = weight_bytes(catalog().model("glm-4.7-flash").spec, catalog().mix("Q4_K_M").mix, types(), false);
  EXPECT_NEAR(to_gb(w.total), 19.0, 1.0);
}

}  // namespace
