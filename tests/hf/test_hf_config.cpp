// config.json -> ModelSpec. The fixtures in configs/ are config.json files in the layout each model
// ships on Hugging Face, with the values of shared/reference/models.yaml (transcribe_configs.py);
// the expected parameter counts are that file's computed_params_exact (embeddings + attention +
// FFN/experts + norms + untied head + vision, from the HF modeling code), not this program's output.
#include <cmath>
#include <fstream>

#include <gtest/gtest.h>

#include "catalog/catalog.hpp"
#include "catalog/check.hpp"
#include "formats/hf_config.hpp"
#include "hf_test_util.hpp"
#include "vramfit/tensors.hpp"

namespace vramfit {
namespace {

using io::hf::HfConfig;

const io::Catalog& catalog() {
  static const io::Catalog cat = [] {
    io::Diagnostics diag;
    return io::load_catalog({}, diag);
  }();
  return cat;
}

std::string fixture(const std::string& id) { return std::string(VRAMFIT_HF_CONFIGS) + "/" + id + ".json"; }

struct Row {
  const char* id;
  std::int64_t params;  // reference computed_params_exact
};

class CatalogConfigs : public ::testing::TestWithParam<Row> {};

// Every family of the catalog: count_params() of the config's spec equals the reference count, and
// every architecture field (KV heads, head dims, layer kinds, windows, MLA, MoE, SSM) equals the
// catalog entry's.
TEST_P(CatalogConfigs, ParamsMatchReferenceAndFieldsMatchCatalog) {
  const Row row = GetParam();
  const HfConfig c = io::hf::read_hf_config(fixture(row.id));
  EXPECT_EQ(count_params(c.spec).total, row.params);
  const io::CatalogModel* cm = catalog().find_model(row.id);
  ASSERT_NE(cm, nullptr);
  const std::vector<std::string> diff = io::spec_differences(cm->spec, c.spec);
  EXPECT_TRUE(diff.empty()) << ::testing::PrintToString(diff);
}

// The import round trip: the YAML entry loads through load_models() into the same architecture.
TEST_P(CatalogConfigs, ImportedEntryLoadsBackUnchanged) {
  const Row row = GetParam();
  HfConfig c = io::hf::read_hf_config(fixture(row.id));
  c.spec.id = std::string("imported-") + row.id;
  c.spec.name = "Imported: \"quoted\" #name";
  test::TempDir dir;
  test::write_text(dir.file("models.yaml"), io::hf::catalog_entry_yaml(c.spec, c.notes, "some dir/config.json: x"));
  io::Diagnostics diag;
  const io::Catalog cat = io::load_catalog({dir.str()}, diag);
  const io::CatalogModel* back = cat.find_model(c.spec.id);
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(back->spec.name, c.spec.name);
  EXPECT_TRUE(io::spec_differences(c.spec, back->spec).empty()) << ::testing::PrintToString(io::spec_differences(c.spec, back->spec));
  EXPECT_EQ(count_params(back->spec).total, row.params);
  EXPECT_NEAR(back->spec.params_total_b, double(row.params) / 1e9, 0.0005);
  ASSERT_EQ(back->meta.source.size(), 1u);
  EXPECT_EQ(back->meta.source[0], "some dir/config.json: x");
}

INSTANTIATE_TEST_SUITE_P(
    Reference, CatalogConfigs,
    ::testing::Values(
        Row{"llama-3.1-8b", 8030261248}, Row{"llama-3.1-70b", 70553706496}, Row{"llama-3.1-405b", 405853388800},
        Row{"llama-3.3-70b", 70553706496}, Row{"llama-3.2-1b", 1235814400}, Row{"llama-3.2-3b", 3212749824},
        Row{"mistral-7b-v0.3", 7248023552}, Row{"mistral-nemo-12b", 12247782400}, Row{"mistral-small-24b", 23572403200},
        Row{"mixtral-8x7b", 46702792704}, Row{"mixtral-8x22b", 140630071296}, Row{"qwen2.5-0.5b", 494032768},
        Row{"qwen2.5-1.5b", 1543714304}, Row{"qwen2.5-3b", 3085938688}, Row{"qwen2.5-7b", 7615616512},
        Row{"qwen2.5-14b", 14770033664}, Row{"qwen2.5-32b", 32763876352}, Row{"qwen2.5-72b", 72706203648},
        Row{"qwen2.5-coder-32b", 32763876352}, Row{"qwen2.5-vl-7b", 8292166656}, Row{"qwen3-0.6b", 596049920},
        Row{"qwen3-1.7b", 1720574976}, Row{"qwen3-4b", 4022468096}, Row{"qwen3-8b", 8190735360},
        Row{"qwen3-14b", 14768307200}, Row{"qwen3-32b", 32762123264}, Row{"qwen3-30b-a3b", 30532122624},
        Row{"qwen3-235b-a22b", 235093634560}, Row{"qwen3-next-80b-a3b", 79674391296}, Row{"gemma-2-2b", 2614341888},
        Row{"gemma-2-9b", 9241705984}, Row{"gemma-2-27b", 27227128320}, Row{"gemma-3-1b", 999885952},
        Row{"gemma-3-4b", 4300079472}, Row{"gemma-3-12b", 12187325040}, Row{"gemma-3-27b", 27432406640},
        Row{"phi-3-mini", 3821079552}, Row{"phi-3-medium", 13960238080}, Row{"phi-4", 14659507200},
        Row{"deepseek-v2-lite", 15706484224}, Row{"deepseek-v3", 671026419200},
        Row{"deepseek-r1-distill-qwen-7b", 7615616512}, Row{"deepseek-r1-distill-qwen-32b", 32763876352},
        Row{"gpt-oss-20b", 20914757184}, Row{"gpt-oss-120b", 116829156672}, Row{"command-r", 34980831232},
        Row{"jamba-v0.1", 51570323328}, Row{"granite-4.0-h-small", 32207337984}, Row{"kimi-k2", 1026408232448},
        Row{"glm-4.5", 352797829024}, Row{"glm-4.5-air", 106852251264}, Row{"llama-4-scout-17b-16e", 108641793536},
        // 2026 (shared/reference/models_2026.yaml computed_params_exact)
        Row{"glm-4.7-flash", 29943393920}, Row{"glm-5", 743911218432}, Row{"deepseek-v3.2", 671877944064},
        Row{"nemotron-3-nano-30b-a3b", 31577940288}, Row{"nemotron-nano-9b-v2", 8888227328},
        // shared/reference/models_2026.yaml (transcribe_configs_qwen35.py): Qwen3.5 text stacks (35B and
        // 397B with their ViT), Qwen3-VL with ViT and DeepStack mergers.
        Row{"qwen3.5-0.8b", 752393024}, Row{"qwen3.5-4b", 4205751296}, Row{"qwen3.5-9b", 8953803264},
        Row{"qwen3.5-27b", 26895998464}, Row{"qwen3.5-35b-a3b", 35107181936}, Row{"qwen3.5-122b-a10b", 122111526912},
        Row{"qwen3.5-397b-a17b", 396802360816}, Row{"qwen3-vl-2b", 2127532032}, Row{"qwen3-vl-4b", 4437815808},
        Row{"qwen3-vl-8b", 8767123696}, Row{"qwen3-vl-30b-a3b", 31070754032}, Row{"qwen3-vl-235b-a22b", 235670022896},
        // shared/reference/models_2026.yaml
        Row{"qwen3-coder-30b-a3b", 30532122624}, Row{"qwen3-coder-480b-a35b", 480154875392},
        Row{"llama-4-maverick-17b-128e", 401583781376}, Row{"mistral-small-3.1-24b", 24011361280},
        Row{"ministral-3-3b", 3849090048}, Row{"mistral-7b-v0.2", 7241732096}, Row{"phi-4-mini", 3836021760},
        Row{"gemma-3-270m", 268098176}, Row{"minimax-m2", 228689764864},
        Row{"ernie-4.5-21b-a3b", 21825437888}, Row{"seed-oss-36b", 36151104512}, Row{"smollm3-3b", 3075098624},
        Row{"olmo-2-7b", 7298617344}, Row{"olmo-2-13b", 13716198400}, Row{"olmo-2-32b", 32234279936},
        Row{"olmo-3-7b", 7298011136}, Row{"olmo-3.1-32b", 32233522176}),
    [](const ::testing::TestParamInfo<Row>& i) {
      std::string s = i.param.id;
      for (char& ch : s)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      return s;
    });

// 2026 (shared/reference/models_2026.yaml): Gemma 4 31B with that file's (Gemma 3 270M is above)
// computed_params_exact; the others have none there and are counted by hand in
// tests/core/test_per_layer.cpp (Gemma 3n E4B, Gemma 4 E2B, 26B-A4B: the reference's 25,232,800,030
// plus 4 d-vectors per MoE block), and, for the remaining two, the same terms:
//   Gemma 3n E2B: 537,395,200 + 262400 x 7680 (2,015,232,000) + 25,165,824 + 2048 + 2048 x 7680
//     (15,728,640) + 256 + 30 x 62,153,296 (block: 8192 + 10,486,272 + 3 x 2048 x 8192 + 1,048,576 +
//     8192 + 262,144 + 8272) = 4,458,122,848;
//   Gemma 4 E4B: 262144 x 2560 + 262144 x 10752 + 2560 + 2560 x 10752 + 256 = 3,517,188,864; 35
//     sliding x 13,107,712 + 7 global x 26,215,424 = 642,277,888; FFN 42 x 3 x 2560 x 10240 =
//     3,303,014,400; per block 10240 + 2 x 2560 x 256 + 2560 + 1 = 1,323,521 (x 42 = 55,587,882);
//     total 7,518,069,034.
INSTANTIATE_TEST_SUITE_P(
    Reference2026, CatalogConfigs,
    ::testing::Values(Row{"gemma-4-31b", 30697345340}, Row{"gemma-4-26b-a4b", 25233137950},
                      Row{"gemma-4-e2b", 4647449891}, Row{"gemma-4-e4b", 7518069034}, Row{"gemma-3n-e2b", 4458122848},
                      Row{"gemma-3n-e4b", 6868990448},
                      // Llama 3.2 Vision (mllama): counted by hand in tests/catalog/test_catalog_accuracy.cpp
                      // (kCountedByHand: text + MllamaVisionModel 863,567,379 + projector; the 8 extra
                      // embed_tokens rows not counted).
                      Row{"llama-3.2-11b-vision", 10670188067}, Row{"llama-3.2-90b-vision", 88593289787}),
    [](const ::testing::TestParamInfo<Row>& i) {
      std::string s = i.param.id;
      for (char& ch : s)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      return s;
    });

HfConfig parse(const std::string& text) { return io::hf::parse_hf_config(std::string_view(text), "config.json"); }

// mllama: cross_attention_layers become cross layers; the vision tower and tokens per image from
// vision_config (4 tiles x ((560 / 14)^2 + 1) = 6404); the notes say what is not counted and who runs it.
TEST(HfConfig, MllamaCrossAttentionLayersAndVisionTower) {
  const HfConfig c = io::hf::read_hf_config(fixture("llama-3.2-11b-vision"));
  EXPECT_EQ(c.spec.architecture, "mllama");
  ASSERT_EQ(c.spec.layer_pattern.size(), 5u);  // [full, full, full, cross, full] cycled over 40 layers
  EXPECT_EQ(c.spec.layer_kind(3), LayerKind::cross);
  EXPECT_EQ(c.spec.layer_kind(38), LayerKind::cross);
  EXPECT_EQ(c.spec.layer_kind(39), LayerKind::full);
  EXPECT_EQ(c.spec.count_layers([](LayerKind k) { return k == LayerKind::cross; }), 8);
  EXPECT_EQ(c.spec.vision.params, 863567379);
  EXPECT_EQ(c.spec.vision.projector_params, 7680 * 4096 + 4096);
  EXPECT_EQ(c.spec.vision.tokens_per_image, 6404);
  const std::string notes = ::testing::PrintToString(c.notes);
  EXPECT_NE(notes.find("llama.cpp has no mllama architecture"), std::string::npos) << notes;
  EXPECT_NE(notes.find("32768 parameters) are not counted"), std::string::npos) << notes;
  // Without cross_attention_layers an mllama config is refused, naming the key.
  try {
    (void)parse(R"({"model_type": "mllama", "text_config": {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 4,
        "num_attention_heads": 4, "vocab_size": 100, "max_position_embeddings": 512}, "vision_config": {}})");
    ADD_FAILURE() << "no error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("cross_attention_layers"), std::string::npos) << e.what();
  }
}

// What the Gemma 3n and Gemma 4 readers say about what they do not count or cannot read.
TEST(HfConfig, GemmaEdgeModelsNoteWhatIsNotCounted) {
  const HfConfig n = io::hf::read_hf_config(fixture("gemma-3n-e4b"));
  const std::string notes = ::testing::PrintToString(n.notes);
  EXPECT_NE(notes.find("vision and audio towers are not counted"), std::string::npos) << notes;
  EXPECT_NE(notes.find("pads it to vocab_size 262400"), std::string::npos) << notes;
  EXPECT_EQ(n.spec.kv_shared_layers, 15);
  EXPECT_EQ(n.spec.per_layer.altup_inputs, 4);
  const HfConfig moe = io::hf::read_hf_config(fixture("gemma-4-26b-a4b"));
  EXPECT_EQ(moe.spec.moe.shared_ffn, 2112);  // the dense MLP beside the experts
  EXPECT_EQ(moe.spec.ffn, 0);
  // Gemma 4 without layer_types, or with per-layer widths that differ, is refused, not guessed.
  const std::string no_types = R"({"model_type": "gemma4_text", "hidden_size": 64, "intermediate_size": 128,
      "num_hidden_layers": 2, "num_attention_heads": 2, "num_key_value_heads": 1, "head_dim": 32,
      "vocab_size": 512, "max_position_embeddings": 1024})";
  EXPECT_EQ(test::error_of([&] { parse(no_types); }), "config.json: layer_types: missing (Gemma 4 configs list every layer's attention type)");
  const std::string uneven = R"({"model_type": "gemma3n_text", "hidden_size": 64, "intermediate_size": [128, 256],
      "num_hidden_layers": 2, "num_attention_heads": 2, "num_key_value_heads": 1, "head_dim": 32,
      "vocab_size": 512, "max_position_embeddings": 1024})";
  EXPECT_EQ(test::error_of([&] { parse(uneven); }), "config.json: intermediate_size: per-layer widths that differ are not supported");
}

const char* kLlama =
    R"({"model_type": "llama", "hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 32,
        "num_attention_heads": 32, "num_key_value_heads": 8, "vocab_size": 128256, "max_position_embeddings": 8192,
        "torch_dtype": "bfloat16")";

std::string llama_with(const std::string& extra) { return std::string(kLlama) + extra + "}"; }

TEST(HfConfig, HeadDimDefaultsToHiddenOverHeads) {
  const HfConfig c = parse(llama_with(""));
  EXPECT_EQ(c.spec.head_dim_k, 128);  // 4096 / 32
  EXPECT_EQ(c.spec.head_dim_v, 128);
  EXPECT_FALSE(c.spec.tied_embeddings);  // LlamaConfig default
  EXPECT_EQ(c.spec.native_format, "bf16");
  EXPECT_EQ(c.mix_id, "hf-bf16");
}

TEST(HfConfig, YarnRaisesContextToFactorTimesOriginal) {
  // Qwen2.5 model cards: add rope_scaling yarn factor 4 over 32768 for 131072 tokens.
  const HfConfig c = parse(llama_with(R"(, "rope_scaling": {"type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768})"));
  EXPECT_EQ(c.spec.max_context, 131072);
  // llama3 scaling: max_position_embeddings already is the extended context.
  const HfConfig d = parse(llama_with(R"(, "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "original_max_position_embeddings": 8192})"));
  EXPECT_EQ(d.spec.max_context, 8192);
}

TEST(HfConfig, MistralSlidingWindowAppliesToEveryLayer) {
  // Mistral-7B-v0.1: sliding_window 4096 with max_position_embeddings 32768.
  std::string t = llama_with(R"(, "sliding_window": 4096)");
  t.replace(t.find("\"llama\""), 7, "\"mistral\"");
  t.replace(t.find("8192"), 4, "32768");
  const HfConfig c = parse(t);
  ASSERT_EQ(c.spec.layer_pattern.size(), 1u);
  EXPECT_EQ(c.spec.layer_pattern[0], LayerKind::sliding);
  EXPECT_EQ(c.spec.sliding_window, 4096);
}

TEST(HfConfig, LayerTypesCompressToTheirPeriod) {
  std::string types;
  for (int i = 0; i < 32; ++i) types += std::string(i ? "," : "") + ((i + 1) % 4 ? "\"sliding_attention\"" : "\"full_attention\"");
  std::string t = llama_with(R"(, "sliding_window": 512, "layer_types": [)" + types + "]");
  t.replace(t.find("\"llama\""), 7, "\"qwen3\"");
  const HfConfig c = parse(t);
  EXPECT_EQ(c.spec.layer_pattern,
            (std::vector<LayerKind>{LayerKind::sliding, LayerKind::sliding, LayerKind::sliding, LayerKind::full}));
  EXPECT_EQ(c.spec.sliding_window, 512);
  EXPECT_TRUE(c.spec.qk_norm);
}

TEST(HfConfig, Qwen2MoeSharedExpertWithGate) {
  // Qwen1.5-MoE-A2.7B: 60 experts, top 4, moe_intermediate_size 1408, shared expert 5632.
  const HfConfig c = parse(R"({"model_type": "qwen2_moe", "hidden_size": 2048, "intermediate_size": 5632,
      "num_hidden_layers": 24, "num_attention_heads": 16, "num_key_value_heads": 16, "vocab_size": 151936,
      "max_position_embeddings": 8192, "num_experts": 60, "num_experts_per_tok": 4, "moe_intermediate_size": 1408,
      "shared_expert_intermediate_size": 5632, "decoder_sparse_step": 1, "mlp_only_layers": [], "torch_dtype": "bfloat16"})");
  EXPECT_EQ(c.spec.moe.experts, 60);
  EXPECT_EQ(c.spec.moe.shared_experts, 1);
  EXPECT_EQ(c.spec.moe.shared_ffn, 5632);
  EXPECT_TRUE(c.spec.moe.shared_expert_gate);
  EXPECT_EQ(c.spec.ffn, 0);
  EXPECT_EQ(c.spec.attn_bias, AttnBias::qkv);
  // Hand count: embed 151936*2048 x2 (untied) = 622,329,856; per layer attn 4*2048^2 + qkv bias 3*2048
  // = 16,783,360; router 60*2048 = 122,880; experts 60*3*2048*1408 = 519,045,120; shared 3*2048*5632
  // = 34,603,008 + gate 2048; norms 4096 -> 570,560,512 x 24 = 13,693,452,288; + final norm 2048
  // = 14,315,784,192 (the model card's 14.3B).
  EXPECT_EQ(count_params(c.spec).total, 14315784192);
}

TEST(HfConfig, Cohere2SlidingPatternOfFour) {
  const HfConfig c = parse(R"({"model_type": "cohere2", "hidden_size": 4096, "intermediate_size": 14336,
      "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8, "vocab_size": 256000,
      "max_position_embeddings": 8192, "sliding_window": 4096, "sliding_window_pattern": 4, "torch_dtype": "bfloat16"})");
  EXPECT_EQ(c.spec.layer_pattern,
            (std::vector<LayerKind>{LayerKind::sliding, LayerKind::sliding, LayerKind::sliding, LayerKind::full}));
  EXPECT_EQ(c.spec.norms_per_layer, 1);
  EXPECT_TRUE(c.spec.tied_embeddings);  // CohereConfig default
}

TEST(HfConfig, Llama4InterleavedMoeUsesDenseMlpSize) {
  // Llama-4-Maverick: MoE every 2nd layer (1, 3, ...), dense layers intermediate_size_mlp 16384.
  std::string t = R"({"model_type": "llama4", "torch_dtype": "bfloat16", "text_config": {"hidden_size": 5120,
      "intermediate_size": 8192, "intermediate_size_mlp": 16384, "num_hidden_layers": 48, "num_attention_heads": 40,
      "num_key_value_heads": 8, "head_dim": 128, "vocab_size": 202048, "max_position_embeddings": 1048576,
      "num_local_experts": 128, "num_experts_per_tok": 1, "interleave_moe_layer_step": 2, "attention_chunk_size": 8192}})";
  const HfConfig c = parse(t);
  EXPECT_EQ(c.spec.ffn, 16384);
  EXPECT_FALSE(c.spec.is_moe_layer(0));
  EXPECT_TRUE(c.spec.is_moe_layer(1));
  EXPECT_EQ(c.spec.layer_kind(3), LayerKind::full);  // no_rope_layer_interval 4
  EXPECT_EQ(c.spec.layer_kind(2), LayerKind::chunked);
  EXPECT_EQ(c.spec.chunk_size, 8192);
}

TEST(HfConfig, Qwen2VlVisionTower) {
  // Qwen2-VL-7B: the Qwen2.5-7B text stack (reference 7,615,616,512) + ViT. Hand count of the ViT
  // (modeling_qwen2_vl.py): patch Conv3d 3*2*14*14*1280 = 1,505,280; per block 2 LayerNorms 4*1280 +
  // qkv 3*1280^2+3*1280 + proj 1280^2+1280 + fc1/fc2 2*1280*5120+5120+1280 = 19,677,440, x32 =
  // 629,678,080; merger LayerNorm 2560 + 5120^2+5120 + 5120*3584+3584 = 44,575,744 -> 675,759,104
  // (the Qwen2-VL paper's "675M" ViT).
  const HfConfig c = parse(R"({"model_type": "qwen2_vl", "hidden_size": 3584, "intermediate_size": 18944,
      "num_hidden_layers": 28, "num_attention_heads": 28, "num_key_value_heads": 4, "vocab_size": 152064,
      "max_position_embeddings": 32768, "tie_word_embeddings": false, "torch_dtype": "bfloat16",
      "vision_config": {"depth": 32, "embed_dim": 1280, "mlp_ratio": 4, "num_heads": 16, "hidden_size": 3584,
      "in_chans": 3, "patch_size": 14, "spatial_merge_size": 2, "temporal_patch_size": 2}})");
  EXPECT_EQ(c.spec.vision.params, 675759104);
  EXPECT_EQ(count_params(c.spec).total, 7615616512 + 675759104);
  EXPECT_EQ(c.spec.vision.tokens_per_image, 1369);  // ceil(1024 / 28)^2
}

TEST(HfConfig, Mistral3PixtralTower) {
  // Mistral-Small-3.1-24B: the Mistral-Small-24B text stack (reference 23,572,403,200) + Pixtral.
  // Hand count (modeling_pixtral.py): patch conv 3*14*14*1024 = 602,112 + ln_pre 1024 + 24 x (2*1024
  // + 4*1024^2 + 3*1024*4096 = 16,779,264) = 403,305,472; projector (modeling_mistral3.py) RMSNorm
  // 1024 + merger 4096*1024 + linear_1 1024*5120 + linear_2 5120^2 = 35,652,608. Total 24.01 B.
  const HfConfig c = parse(R"({"model_type": "mistral3", "spatial_merge_size": 2, "multimodal_projector_bias": false,
      "torch_dtype": "bfloat16", "text_config": {"model_type": "mistral", "hidden_size": 5120, "intermediate_size": 32768,
      "num_hidden_layers": 40, "num_attention_heads": 32, "num_key_value_heads": 8, "head_dim": 128,
      "vocab_size": 131072, "max_position_embeddings": 131072, "sliding_window": null},
      "vision_config": {"model_type": "pixtral", "hidden_size": 1024, "intermediate_size": 4096,
      "num_hidden_layers": 24, "num_attention_heads": 16, "patch_size": 14, "image_size": 1540}})");
  EXPECT_EQ(c.spec.vision.params, 403305472);
  EXPECT_EQ(c.spec.vision.projector_params, 35652608);
  EXPECT_EQ(count_params(c.spec).total, 23572403200 + 403305472 + 35652608);
  EXPECT_EQ(c.spec.vision.tokens_per_image, 55 * 55 + 55);  // 1540 / 28 = 55 per side, one break per row
  EXPECT_EQ(c.spec.max_context, 131072);
}

TEST(HfConfig, Qwen3_5HybridFromTextConfig) {
  // Qwen3.5-35B-A3B (text_config qwen3_5_moe_text): layer_types -> [linear x3, full]; Gated DeltaNet of
  // 16 key heads x 128 (n_groups, d_state) and 32 value heads x 128 (n_heads, d_inner 4096), kernel 4;
  // 256 experts of 512, 8 per token, one gated shared expert of 512; no intermediate_size (every layer MoE).
  const HfConfig c = io::hf::read_hf_config(fixture("qwen3.5-35b-a3b"));
  const ModelSpec& m = c.spec;
  EXPECT_EQ(m.architecture, "qwen3_5_moe");
  EXPECT_EQ(m.layer_pattern, (std::vector<LayerKind>{LayerKind::linear, LayerKind::linear, LayerKind::linear, LayerKind::full}));
  EXPECT_EQ(m.ssm.kind, SsmKind::gated_deltanet);
  EXPECT_EQ(m.ssm.n_groups, 16);
  EXPECT_EQ(m.ssm.d_state, 128);
  EXPECT_EQ(m.ssm.n_heads, 32);
  EXPECT_EQ(m.ssm.d_inner, 4096);
  EXPECT_EQ(m.ssm.d_conv, 4);
  EXPECT_TRUE(m.attn_output_gate);
  EXPECT_TRUE(m.qk_norm);
  EXPECT_EQ(m.ffn, 0);
  EXPECT_EQ(m.moe.shared_ffn, 512);
  EXPECT_TRUE(m.moe.shared_expert_gate);
  // Vision (modeling_qwen3_vl.py modules, no DeepStack): patch Conv3d 3*2*16*16*1152 + bias 1152 =
  // 1,770,624; positions 2304*1152 = 2,654,208; per block 2 LayerNorms 4*1152 + qkv 3*1152^2+3*1152 +
  // proj 1152^2+1152 + fc1/fc2 2*1152*4304+4304+1152 = 15,239,504, x27 = 411,466,608; merger LayerNorm
  // 2*1152 + 4608^2+4608 + 4608*2048+2048 = 30,679,808 -> 446,571,248 (reference vision.params_exact).
  EXPECT_EQ(m.vision.params, 446571248);
  EXPECT_EQ(m.vision.tokens_per_image, 1024);  // (1024 / (16 x 2))^2
  ASSERT_EQ(c.notes.size(), 1u);
  EXPECT_NE(c.notes[0].find("1 multi-token-prediction layer(s)"), std::string::npos);
}

TEST(HfConfig, Qwen3_5TextOnlyConfigIsTheSameArchitecture) {
  // A bare text config (Qwen3_5ForCausalLM, model_type qwen3_5_text): no text_config, no vision;
  // full_attention_interval instead of layer_types. Qwen3.5-9B's text stack: 8,953,803,264 (reference).
  const HfConfig c = parse(R"({"model_type": "qwen3_5_text", "hidden_size": 4096, "intermediate_size": 12288,
      "num_hidden_layers": 32, "num_attention_heads": 16, "num_key_value_heads": 4, "head_dim": 256,
      "vocab_size": 248320, "max_position_embeddings": 262144, "tie_word_embeddings": false,
      "full_attention_interval": 4, "linear_num_key_heads": 16, "linear_num_value_heads": 32,
      "linear_key_head_dim": 128, "linear_value_head_dim": 128, "linear_conv_kernel_dim": 4, "dtype": "bfloat16"})");
  EXPECT_EQ(c.spec.architecture, "qwen3_5");
  EXPECT_EQ(c.spec.layer_kind(3), LayerKind::full);
  EXPECT_EQ(c.spec.layer_kind(4), LayerKind::linear);
  EXPECT_EQ(count_params(c.spec).total, 8953803264);
  const io::CatalogModel* cm = catalog().find_model("qwen3.5-9b");
  ASSERT_NE(cm, nullptr);
  EXPECT_TRUE(io::spec_differences(cm->spec, c.spec).empty()) << ::testing::PrintToString(io::spec_differences(cm->spec, c.spec));
}

TEST(HfConfig, Qwen3VlTiesByTheTopLevelFlagAndCountsDeepStack) {
  // Qwen3-VL-30B-A3B: text_config says tie_word_embeddings true, the top level false, and the
  // checkpoint ships lm_head.weight: untied (reference 31,070,754,032 counts the head).
  const HfConfig c = io::hf::read_hf_config(fixture("qwen3-vl-30b-a3b"));
  EXPECT_FALSE(c.spec.tied_embeddings);
  EXPECT_EQ(c.spec.architecture, "qwen3_vl_moe");
  // Qwen3VLVisionConfig defaults deepstack_visual_indexes to [8, 16, 24]: without the key, 3 DeepStack
  // mergers, each LayerNorm 2*4608 + 4608^2+4608 + 4608*2048+2048 = 30,686,720 (Qwen3-VL-30B-A3B: vision
  // 538,631,408 with them, as the reference).
  std::ifstream in(fixture("qwen3-vl-30b-a3b"));
  nlohmann::json j = nlohmann::json::parse(in);
  EXPECT_EQ(c.spec.deepstack_layers, 3);  // [8, 16, 24]: the first 3 text blocks add a slice each
  j["vision_config"].erase("deepstack_visual_indexes");
  EXPECT_EQ(io::hf::parse_hf_config(j, "config.json").spec.vision.params, 538631408);
  EXPECT_EQ(io::hf::parse_hf_config(j, "config.json").spec.deepstack_layers, 3);
  j["vision_config"]["deepstack_visual_indexes"] = nlohmann::json::array();
  EXPECT_EQ(io::hf::parse_hf_config(j, "config.json").spec.vision.params, 538631408 - 3 * 30686720);
  EXPECT_EQ(io::hf::parse_hf_config(j, "config.json").spec.deepstack_layers, 0);
}

TEST(HfConfig, DeepSeekMtpLayerIsANote) {
  const HfConfig c = io::hf::read_hf_config(fixture("deepseek-v3"));
  EXPECT_EQ(c.mix_id, "fp8-block");
  EXPECT_EQ(c.spec.native_format, "fp8-block");
  ASSERT_FALSE(c.notes.empty());
  EXPECT_NE(c.notes[0].find("multi-token-prediction"), std::string::npos);
}

TEST(HfConfig, Errors) {
  using test::expect_input_error;
  expect_input_error([] { parse(R"({"model_type": "falcon"})"); }, "config.json", "unknown model_type 'falcon' (supported: cohere, cohere2,");
  expect_input_error([] { parse(R"({"hidden_size": 1})"); }, "config.json", "no model_type");
  expect_input_error([] { parse("{\"model_type\": \"llama\",\n \"hidden_size\": }"); }, "config.json", "invalid JSON at byte 41: ");
  expect_input_error([] { parse(std::string(1 << 20, '[')); }, "config.json", "invalid JSON at byte 65: nested deeper than 64 levels");
  expect_input_error([] { parse("[1, 2]"); }, "config.json", "top level: expected a JSON object");
  expect_input_error([] { parse(llama_with(R"(, "num_hidden_layers": 0)")); }, "config.json", "num_hidden_layers: expected an integer from 1");
  expect_input_error([] { parse(llama_with(R"(, "hidden_size": 99999999999)")); }, "config.json",
                     "hidden_size: expected an integer from 1 to 16777216, got 99999999999");
  expect_input_error([] { parse(llama_with(R"(, "num_key_value_heads": 7)")); }, "config.json", "does not divide");
  expect_input_error([] { parse(llama_with(R"(, "head_dim": "big")")); }, "config.json", "head_dim: expected an integer");
  expect_input_error([] { parse(R"({"model_type": "gemma3", "text_config": 5})"); }, "config.json", "text_config: expected a JSON object");
  // A repeated key: the last one wins (nlohmann and Python's json alike).
  expect_input_error([] { parse(llama_with(R"(, "torch_dtype": "float8")")); }, "config.json", "torch_dtype: unsupported dtype 'float8'");
}

TEST(HfConfig, ConfigFileSizeIsCapped) {
  test::TempDir dir;
  const std::string file = dir.file("config.json");
  test::write_text(file, llama_with(""));
  std::filesystem::resize_file(file, io::hf::kMaxConfigBytes + 1);
  test::expect_input_error([&] { io::hf::read_hf_config(file); }, file, "more than the 4 MiB limit");
  test::expect_input_error([&] { io::hf::read_hf_config(dir.file("missing.json")); }, dir.file("missing.json"), "cannot read config.json");
}

TEST(SpecDifferences, NamesEachDifferingField) {
  const io::CatalogModel* cm = catalog().find_model("llama-3.1-8b");
  ASSERT_NE(cm, nullptr);
  ModelSpec other = cm->spec;
  other.max_context = 8192;
  other.kv_heads = 32;
  const std::vector<std::string> d = io::spec_differences(cm->spec, other);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0], "kv_heads: 32 here, 8 in the catalog");
  EXPECT_EQ(d[1], "max_context: 8192 here, 131072 in the catalog");
}

}  // namespace
}  // namespace vramfit
