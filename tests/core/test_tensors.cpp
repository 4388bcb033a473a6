// tensors.hpp (and the ModelSpec helpers of model.hpp): the tensor inventory and parameter counts.
// Expected counts are worked out from the config.json dimensions and checked against
// shared/reference/models.yaml computed_params_exact / computed_active_params_b.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "fixtures.hpp"
#include "fixtures_2026.hpp"
#include "vramfit/tensors.hpp"

namespace vramfit {
namespace {

struct ParamRow {
  const char* name;
  std::function<ModelSpec()> model;
  std::int64_t total;   // models.yaml computed_params_exact
  std::int64_t text;    // total minus the vision tower
  std::int64_t active;  // hand-computed; rounds to models.yaml computed_active_params_b
};

TEST(Tensors, ParameterCountsMatchReference) {
  const ParamRow rows[] = {
      // Llama-3.1-8B, per layer: q 4096x4096 = 16,777,216; k, v 4096x1024 = 4,194,304 each;
      // o 16,777,216; gate/up/down 3 x 4096x14336 = 176,160,768; 2 norms 8192 -> 218,112,000.
      // 32 x 218,112,000 = 6,979,584,000; + token_embd 128256x4096 = 525,336,576 + untied output
      // 525,336,576 + output_norm 4096 = 8,030,261,248 (computed_params_exact 8030261248). Dense: active = total.
      {"Llama-3.1-8B", test::llama_3_1_8b, 8030261248, 8030261248, 8030261248},
      // Qwen2.5-0.5B, per layer: q, o 896x896 = 802,816 each; k, v 896x128 = 114,688 each; qkv bias
      // 896+128+128 = 1152; ffn 3 x 896x4864 = 13,074,432; norms 1792 -> 14,912,384; x 24 = 357,897,216;
      // + tied token_embd 151936x896 = 136,134,656 + output_norm 896 = 494,032,768.
      {"Qwen2.5-0.5B", test::qwen2_5_0_5b, 494032768, 494032768, 494032768},
      // Gemma-3-27B, per layer: q, o 5376x4096 = 22,020,096 each; k, v 5376x2048 = 11,010,048 each;
      // qk-norm 256; ffn 3 x 5376x21504 = 346,816,512; 4 norms 21,504 -> 412,898,560; x 62 = 25,599,710,720;
      // + tied embd 262208x5376 = 1,409,630,208 + output_norm 5376 = 27,009,346,304 text;
      // + vision 416,866,032 + projector 6,194,304 = 27,432,406,640 (computed_params_exact).
      {"Gemma-3-27B", test::gemma_3_27b, 27432406640, 27009346304, 27009346304},
      // Qwen3-30B-A3B, per layer: q 2048x4096 = 8,388,608; k, v 2048x512 = 1,048,576 each; o 8,388,608;
      // qk-norm 256; router 2048x128 = 262,144; experts 3 x 2048x768x128 = 603,979,776; norms 4096
      // -> 623,120,640; x 48 = 29,909,790,720; + embd and output 2 x 151936x2048 = 622,329,856 + 2048
      // = 30,532,122,624. Experts 48 x 603,979,776 = 28,991,029,248, of which 120/128 idle per token:
      // 27,179,089,920 -> active 3,353,032,704 (computed_active_params_b 3.353).
      {"Qwen3-30B-A3B", test::qwen3_30b_a3b, 30532122624, 30532122624, 3353032704},
      // gpt-oss-20b, per layer: q, o 2880x4096 = 11,796,480 each; k, v 2880x512 = 1,474,560 each;
      // biases 4096+512+512+2880 = 8000; sinks 64 -> 26,550,144; router 2880x32 + bias 32 = 92,192;
      // experts 3 x 2880x2880x32 = 796,262,400 + expert biases 32 x (2x2880+2880) = 276,480; norms 5760
      // -> 823,186,976; x 24 = 19,756,487,424; + 2 x 201088x2880 = 1,158,266,880 + 2880 = 20,914,757,184.
      // Experts 24 x 796,538,880 = 19,116,933,120; 28/32 idle = 16,727,316,480 -> active 4,187,440,704
      // (computed_active_params_b 4.187).
      {"gpt-oss-20b", test::gpt_oss_20b, 20914757184, 20914757184, 4187440704},
      // DeepSeek-V3, MLA per layer: q_a 7168x1536 = 11,010,048; q_b 1536x(128x192) = 37,748,736;
      // kv_a 7168x576 = 4,128,768; kv_b 512x(128x256) = 16,777,216; o 16384x7168 = 117,440,512;
      // kv_a/q_a norms 2048 -> 187,107,328. Dense layers (3): + ffn 3 x 7168x18432 = 396,361,728 + norms
      // 14,336 = 583,483,392. MoE layers (58): + router 1,835,008 + bias 256 + experts
      // 3 x 7168x2048x256 = 11,274,289,152 + shared 3 x 7168x2048 = 44,040,192 + norms 14,336 = 11,507,286,272.
      // 3 x 583,483,392 + 58 x 11,507,286,272 + 2 x 129280x7168 + 7168 = 1,750,450,176 + 667,422,603,776
      // + 1,853,358,080 + 7168 = 671,026,419,200. Experts 653,908,770,816, 248/256 idle = 633,474,121,728
      // -> active 37,552,297,472 (computed_active_params_b 37.552).
      {"DeepSeek-V3", test::deepseek_v3, 671026419200, 671026419200, 37552297472},
      // Jamba-v0.1: Mamba layer in 4096x16384 = 67,108,864; x_proj 8192x(256+32) = 2,359,296;
      // dt_proj 256x8192 = 2,097,152; out 8192x4096 = 33,554,432; conv 8192x4 + bias 8192 + dt bias 8192
      // + A 8192x16 + D 8192 + dt/B/C norms 288 = 188,704 -> 105,308,448. Attention 2 x 4096^2 + 2 x 4096x1024
      // = 41,943,040. Dense FFN 176,160,768; MoE router 65,536 + 16 x 176,160,768 = 2,818,637,824.
      // 4 x (attn + dense) = 872,415,232; 12 x (mamba + dense) = 3,377,630,592; 16 x (mamba + MoE)
      // = 46,783,140,352; norms 32 x 8192 = 262,144; embd + output 2 x 65536x4096 = 536,870,912; + 4096
      // = 51,570,323,328. Experts 16 x 2,818,572,288 = 45,097,156,608, 14/16 idle = 39,460,012,032
      // -> active 12,110,311,296 (computed_active_params_b 12.11).
      {"Jamba-v0.1", test::jamba, 51570323328, 51570323328, 12110311296},
      // Qwen3-Next-80B-A3B: DeltaNet layer in 2048x(2x2048 + 2x4096) = 25,165,824; ba 2048x64 = 131,072;
      // out 4096x2048 = 8,388,608; conv (2x2048+4096)x4 + A, dt 2x32 + norm 128 = 32,960 -> 33,718,464.
      // Gated full attention q 2048x(16x256x2) = 16,777,216; k, v 2048x512 = 1,048,576 each; o 4096x2048
      // = 8,388,608; qk-norm 512 -> 27,263,488. MoE router 2048x512 = 1,048,576 + experts 3 x 2048x512x512
      // = 1,610,612,736 + shared 3 x 2048x512 = 3,145,728 + shared gate 2048 = 1,614,809,088.
      // 36 x 33,718,464 + 12 x 27,263,488 + 48 x (1,614,809,088 + 4096 norms) + 2 x 151936x2048 + 2048
      // = 1,213,864,704 + 327,161,856 + 77,511,032,832 + 622,329,856 + 2048 = 79,674,391,296.
      // Experts 48 x 1,610,612,736 = 77,309,411,328, 502/512 idle = 75,799,461,888 -> active 3,874,929,408
      // (computed_active_params_b 3.875).
      {"Qwen3-Next-80B-A3B", test::qwen3_next, 79674391296, 79674391296, 3874929408},
      // GLM-4.7-Flash, MLA per layer: q_a 2048x768 = 1,572,864; q_b 768x(20x256) = 3,932,160; kv_a 2048x576
      // = 1,179,648; kv_b 512x(20x(192+256)) = 4,587,520; o 5120x2048 = 10,485,760; norms 512+768 -> 21,759,232.
      // Layer 0: + ffn 3 x 2048x10240 = 62,914,560 + norms 4096 = 84,677,888. MoE layers (46): + router
      // 131,072 + bias 64 + experts 3 x 2048x1536x64 = 603,979,776 + shared 9,437,184 + 4096 = 635,311,424.
      // 84,677,888 + 46 x 635,311,424 + 2 x 154880x2048 + 2048 = 29,943,393,920 (computed_params_exact).
      // Experts 46 x 603,979,776, 60/64 idle = 26,046,627,840 -> active 3,896,766,080 (3.897).
      {"GLM-4.7-Flash", test::glm_4_7_flash, 29943393920, 29943393920, 3896766080},
      // DeepSeek-V3.2 = DeepSeek-V3 + per layer the indexer: wq_b 1536x(64x128) = 12,582,912; wk 7168x128
      // = 917,504; weights_proj 7168x64 = 458,752; k_norm weight + bias 256 -> 13,959,424 (the reference's
      // params_per_layer). 671,026,419,200 + 61 x 13,959,424 = 671,877,944,064; active 37,552,297,472
      // + 851,524,864 = 38,403,822,336 (38.404).
      {"DeepSeek-V3.2", test::deepseek_v3_2, 671877944064, 671877944064, 38403822336},
      // GLM-5, MLA per layer: q_a 6144x2048 = 12,582,912; q_b 2048x(64x256) = 33,554,432; kv_a 6144x576
      // = 3,538,944; kv_b 512x(64x448) = 14,680,064; o 16384x6144 = 100,663,296; norms 2560; indexer
      // 2048x4096 + 6144x128 + 6144x32 + 256 = 9,371,904 -> 174,394,112. Dense layers (3): + 3 x 6144x12288
      // + 12,288 norms = 400,898,816. MoE (75): + router 1,572,864 + 256 + experts 3 x 6144x2048x256
      // = 9,663,676,416 + shared 37,748,736 + 12,288 = 9,877,404,672. 3 x 400,898,816 + 75 x 9,877,404,672
      // + 2 x 154880x6144 + 6144 = 743,911,218,432. Experts idle 248/256 -> active 41,784,728,832 (41.785).
      {"GLM-5", test::glm_5, 743911218432, 743911218432, 41784728832},
      // Nemotron-3-Nano-30B-A3B. Mamba-2 block: in 2688x(2x4096 + 2x8x128 + 64) = 27,697,152; conv
      // (4096 + 2048) x 4 + bias 6144 = 30,720; dt bias, A, D 3 x 64 + norm 4096 = 4,288; out 4096x2688
      // = 11,010,048; norm 2688 -> 38,744,896. Attention block: q, o 2688x4096 each, k, v 2688x256 each
      // + norm = 23,399,040. MoE block (no gate: up, down): router 344,064 + bias 128 + experts 2 x 2688x1856x128
      // = 1,277,165,568 + shared 2 x 2688x3712 = 19,955,712 + norm 2688 = 1,297,468,160. 23 x 38,744,896
      // + 6 x 23,399,040 + 23 x 1,297,468,160 + 2 x 131072x2688 + 2688 = 31,577,940,288. Experts idle 122/128
      // -> active 3,580,076,352 (3.58).
      {"Nemotron-3-Nano-30B-A3B", test::nemotron_3_nano, 31577940288, 31577940288, 3580076352},
      // Nemotron-Nano-9B-v2. Mamba-2 block: in 4480x(20480 + 2048 + 128) = 101,498,880; conv 12288 x 4
      // + 12288 = 61,440; 3 x 128 + norm 10240 = 10,624; out 10240x4480 = 45,875,200; norm 4480
      // -> 147,450,624. MLP block: 2 x 4480x15680 + 4480 = 140,497,280. Attention: q, o 4480x5120 each,
      // k, v 4480x1024 each + 4480 = 55,054,720. 27 x 147,450,624 + 25 x 140,497,280 + 4 x 55,054,720
      // + 2 x 131072x4480 + 4480 = 8,888,227,328 (computed_params_exact). Dense: active = total.
      {"Nemotron-Nano-9B-v2", test::nemotron_nano_9b_v2, 8888227328, 8888227328, 8888227328},
      // Qwen3.5-9B, DeltaNet layer: in (qkv + z) 4096x(2x2048 + 2x4096) = 50,331,648; ba (beta, alpha)
      // 4096x64 = 262,144; out 4096x4096 = 16,777,216; conv (2x2048+4096)x4 = 32,768 + A, dt 2x32 + norm 128
      // = 32,960 -> 67,403,968. Gated full attention: q 4096x(16x256x2) = 33,554,432; k, v 4096x1024 =
      // 4,194,304 each; o 4096x4096 = 16,777,216; qk-norm 512 -> 58,720,768. FFN 3 x 4096x12288 =
      // 150,994,944; norms 8192. 24 x 218,407,104 + 8 x 209,723,904 + 2 x 248320x4096 + 4096
      // = 5,241,770,496 + 1,677,791,232 + 2,034,237,440 + 4096 = 8,953,803,264.
      {"Qwen3.5-9B", test::qwen3_5_9b, 8953803264, 8953803264, 8953803264},
      // Qwen3.5-35B-A3B: DeltaNet layer 33,718,464 and gated attention 16,777,216 + 2 x 1,048,576 +
      // 8,388,608 + 512 = 27,263,488 (as Qwen3-Next, same widths); MoE router 2048x256 = 524,288 + experts
      // 3 x 2048x512x256 = 805,306,368 + shared 3 x 2048x512 = 3,145,728 + gate 2048 = 808,978,432; norms 4096.
      // 30 x 33,718,464 + 10 x 27,263,488 + 40 x 808,982,528 + 2 x 248320x2048 + 2048 = 1,011,553,920
      // + 272,634,880 + 32,359,301,120 + 1,017,118,720 + 2048 = 34,660,610,688 text, + ViT 446,571,248
      // = 35,107,181,936. Experts 40 x 805,306,368 = 32,212,254,720, 248/256 idle = 31,205,621,760
      // -> active 3,454,988,928 (computed_active_params_b 3.455).
      {"Qwen3.5-35B-A3B", test::qwen3_5_35b_a3b, 35107181936, 34660610688, 3454988928},
      // Qwen3-VL-8B: per layer q, o 4096x4096 = 16,777,216 each; k, v 4096x1024 = 4,194,304 each; qk-norm
      // 256; FFN 3 x 4096x12288 = 150,994,944; norms 8192 -> 192,946,432; x 36 = 6,946,071,552; + 2 x
      // 151936x4096 = 1,244,659,712 + 4096 = 8,190,735,360 text (= Qwen3-8B) + ViT 576,388,336 = 8,767,123,696.
      {"Qwen3-VL-8B", test::qwen3_vl_8b, 8767123696, 8190735360, 8190735360},
  };
  for (const ParamRow& r : rows) {
    SCOPED_TRACE(r.name);
    const ModelSpec m = r.model();
    EXPECT_NO_THROW(validate(m));
    const ParamCounts c = count_params(m);
    EXPECT_EQ(c.total, r.total);
    EXPECT_EQ(c.text, r.text);
    EXPECT_EQ(c.active, r.active);
  }
}

TEST(Tensors, ActiveParamsRoundToPublishedFigures) {
  // models.yaml: Qwen3-30B-A3B computed_active_params_b 3.353 (card: 3.3B activated);
  // DeepSeek-V3 37.552 (card: 37B activated).
  EXPECT_NEAR(double(count_params(test::qwen3_30b_a3b()).active) / 1e9, 3.353, 0.0005);
  EXPECT_NEAR(double(count_params(test::deepseek_v3()).active) / 1e9, 37.552, 0.0005);
}

TEST(Tensors, ExpertAndEmbeddingSubtotals) {
  // Qwen3-30B-A3B: experts 48 x 3 x 2048 x 768 x 128 = 28,991,029,248; token_embd 151936 x 2048 = 311,164,928.
  const ParamCounts c = count_params(test::qwen3_30b_a3b());
  EXPECT_EQ(c.experts, 28991029248);
  EXPECT_EQ(c.embeddings, 311164928);
  // A dense model has no routed experts.
  EXPECT_EQ(count_params(test::llama_3_1_8b()).experts, 0);
}

TEST(Tensors, LlamaInventoryShapeAndOrder) {
  const ModelSpec m = test::llama_3_1_8b();
  const auto inv = tensor_inventory(m);
  // token_embd + 32 x (norms, q, k, v, o, gate, up, down) + output_norm + output = 1 + 256 + 2
  ASSERT_EQ(inv.size(), 259u);
  EXPECT_EQ(inv.front().name, "token_embd");
  EXPECT_EQ(inv.front().layer, -1);
  EXPECT_EQ(inv.back().name, "output");
  EXPECT_EQ(inv.back().group, TensorGroup::output);
  struct Row {
    std::string_view name;
    std::int64_t ne0, rows;
    TensorGroup group;
    bool matrix;
  };
  // Shapes of block 0 as llama.cpp names them: ne0 is the input dimension.
  const Row rows[] = {
      {"attn_q", 4096, 4096, TensorGroup::attention, true},
      {"attn_k", 4096, 1024, TensorGroup::attention, true},   // 8 kv heads x 128
      {"attn_v", 4096, 1024, TensorGroup::attention, true},
      {"attn_output", 4096, 4096, TensorGroup::attention, true},
      {"ffn_gate", 4096, 14336, TensorGroup::ffn, true},
      {"ffn_up", 4096, 14336, TensorGroup::ffn, true},
      {"ffn_down", 14336, 4096, TensorGroup::ffn, true},
      {"norms", 8192, 1, TensorGroup::norm, false},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(std::string(r.name));
    bool found = false;
    for (const TensorInfo& t : inv) {
      if (t.layer != 0 || t.name != r.name) continue;
      found = true;
      EXPECT_EQ(t.ne0, r.ne0);
      EXPECT_EQ(t.rows, r.rows);
      EXPECT_EQ(t.group, r.group);
      EXPECT_EQ(t.matrix, r.matrix);
    }
    EXPECT_TRUE(found);
  }
}

TEST(Tensors, TiedModelHasNoOutputMatrix) {
  for (const TensorInfo& t : tensor_inventory(test::qwen2_5_0_5b())) EXPECT_NE(t.name, "output");
}

TEST(Tensors, LayerKindsOfHybridAndWindowedModels) {
  auto full = [](LayerKind k) { return k == LayerKind::full; };
  auto sliding = [](LayerKind k) { return k == LayerKind::sliding; };
  struct Row {
    const char* name;
    ModelSpec m;
    std::int64_t attention, recurrent, full, sliding;
  };
  const Row rows[] = {
      // Gemma-3: layer i global iff i % 6 == 5 -> i = 5, 11, ..., 59: 10 full, 52 sliding
      {"Gemma-3-27B", test::gemma_3_27b(), 62, 0, 10, 52},
      // gpt-oss: even layers sliding, odd full -> 12 + 12
      {"gpt-oss-20b", test::gpt_oss_20b(), 24, 0, 12, 12},
      // Jamba: attention at i % 8 == 4 -> 4, 12, 20, 28; 28 Mamba
      {"Jamba", test::jamba(), 4, 28, 4, 0},
      // Qwen3-Next: full at (i+1) % 4 == 0 -> 12; 36 DeltaNet
      {"Qwen3-Next", test::qwen3_next(), 12, 36, 12, 0},
      // Qwen3.5-27B: full at (i+1) % 4 == 0 -> i = 3, 7, ..., 63: 16; 48 DeltaNet
      {"Qwen3.5-27B", test::qwen3_5_27b(), 16, 48, 16, 0},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.name);
    EXPECT_EQ(r.m.count_layers(ModelSpec::is_attention), r.attention);
    EXPECT_EQ(r.m.count_layers(ModelSpec::is_recurrent), r.recurrent);
    EXPECT_EQ(r.m.count_layers(full), r.full);
    EXPECT_EQ(r.m.count_layers(sliding), r.sliding);
  }
  const ModelSpec g = test::gemma_3_27b();
  EXPECT_EQ(g.layer_kind(5), LayerKind::full);
  EXPECT_EQ(g.layer_kind(6), LayerKind::sliding);
  EXPECT_EQ(g.layer_kind(61), LayerKind::sliding);  // 61 % 6 = 1
}

TEST(Tensors, MoeLayerSelection) {
  // DeepSeek-V3 first_k_dense_replace 3: layers 0..2 dense, 3..60 MoE.
  const ModelSpec ds = test::deepseek_v3();
  EXPECT_FALSE(ds.is_moe_layer(2));
  EXPECT_TRUE(ds.is_moe_layer(3));
  EXPECT_TRUE(ds.is_moe_layer(60));
  // Jamba expert_layer_period 2, offset 1: odd layers.
  const ModelSpec j = test::jamba();
  EXPECT_FALSE(j.is_moe_layer(0));
  EXPECT_TRUE(j.is_moe_layer(1));
  EXPECT_FALSE(j.is_moe_layer(4));
  EXPECT_TRUE(j.is_moe_layer(31));
  // GQA ratio: 32 heads / 8 KV heads = 4.
  EXPECT_DOUBLE_EQ(test::llama_3_1_8b().gqa_ratio(), 4.0);
}

TEST(Tensors, NemotronHBlocksHaveOnePartEach) {
  // Block 0 is Mamba-2 (no FFN), 1 a ReLU^2 MLP (up, down; no mixer), 14 attention (no FFN).
  const ModelSpec m = test::nemotron_nano_9b_v2();
  EXPECT_FALSE(m.has_ffn(0));
  EXPECT_TRUE(m.has_ffn(1));
  EXPECT_FALSE(m.has_ffn(14));
  std::vector<std::string> block1, block14;
  for (const TensorInfo& t : tensor_inventory(m)) {
    if (t.layer == 1) block1.emplace_back(t.name);
    if (t.layer == 14) block14.emplace_back(t.name);
  }
  EXPECT_EQ(block1, (std::vector<std::string>{"norms", "ffn_up", "ffn_down"}));
  EXPECT_EQ(block14, (std::vector<std::string>{"norms", "attn_q", "attn_k", "attn_v", "attn_output"}));
  // Nano-30B: experts only in the E blocks (1, 3, 6 ...), none in M (0) or * (5).
  const ModelSpec n = test::nemotron_3_nano();
  EXPECT_TRUE(n.is_moe_layer(1));
  EXPECT_FALSE(n.is_moe_layer(0));
  EXPECT_FALSE(n.is_moe_layer(5));
  EXPECT_TRUE(n.is_moe_layer(6));
}

TEST(Tensors, IndexerNeedsTheQueryLatent) {
  ModelSpec m = test::deepseek_v3_2();
  m.mla.q_lora_rank = 0;  // the indexer's queries come from the query latent
  EXPECT_THROW(validate(m), CoreError);
  m = test::deepseek_v3_2();
  m.mla.index_head_dim = 0;
  EXPECT_THROW(validate(m), CoreError);
}

TEST(Tensors, InvalidModelsAreRejected) {
  struct Row {
    const char* why;
    std::function<void(ModelSpec&)> break_it;
  };
  const Row rows[] = {
      {"kv_heads 7 does not divide 32 heads", [](ModelSpec& m) { m.kv_heads = 7; }},
      {"zero layers", [](ModelSpec& m) { m.layers = 0; }},
      {"sliding layers without a window", [](ModelSpec& m) { m.layer_pattern = {LayerKind::sliding}; }},
      {"a block with neither FFN nor MoE", [](ModelSpec& m) { m.ffn = 0; }},
      {"more active experts than experts",
       [](ModelSpec& m) { m.moe = MoeSpec{.experts = 4, .experts_per_token = 8, .expert_ffn = 1024}; }},
      {"mamba layers without ssm dimensions", [](ModelSpec& m) { m.layer_pattern = {LayerKind::mamba}; }},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.why);
    ModelSpec m = test::llama_3_1_8b();
    r.break_it(m);
    try {
      validate(m);
      ADD_FAILURE() << "validate accepted: " << r.why;
    } catch (const CoreError& e) {
      EXPECT_EQ(e.kind(), ErrorKind::invalid_model);
    }
  }
}

}  // namespace
}  // namespace vramfit
