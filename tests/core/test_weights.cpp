// weights.hpp: per-tensor types under a quantization mix and the resulting bytes
// (methods.md §1.2 rules, §1.3 worked example for Llama-3.1-8B).
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "fixtures.hpp"
#include "vramfit/weights.hpp"

namespace vramfit {
namespace {

// Llama-3.1-8B quantities used below (see test_tensors.cpp for the parameter arithmetic):
//   matrices  = 8,030,261,248 params - 266,240 norm weights (32 x 8192 + 4096) = 8,029,995,008
//   f32 norms = 266,240 x 4 B = 1,064,960 B
//   token_embd = output = 128256 x 4096 = 525,336,576 weights
struct MixRow {
  const char* mix;
  std::function<QuantMix()> make;
  std::int64_t bytes;  // worked out by hand below
  double methods_gb;   // methods.md §1.3 table, GB = 1e9
};

TEST(Weights, Llama31_8bMixesMatchMethodsTable) {
  const MixRow rows[] = {
      // 8,029,995,008 x 2 + 1,064,960 = 16,061,054,976 B
      {"F16", test::mix_f16, 16061054976, 16.061},
      // 8,029,995,008 x 34/32 = 8,531,869,696 + 1,064,960 = 8,532,934,656 B
      {"Q8_0", test::mix_q8_0, 8532934656, 8.533},
      // 8,029,995,008 x 210/256 = 6,587,105,280 + 1,064,960 = 6,588,170,240 B
      {"Q6_K", test::mix_q6_k, 6588170240, 6.588},
      // token_embd Q4_0 525,336,576 x 18/32 = 295,501,824; blocks 32 x 218,103,808 = 6,979,321,856 x 18/32
      // = 3,925,868,544; output Q6_K 525,336,576 x 210/256 = 430,940,160; norms 1,064,960 -> 4,653,375,488 B
      {"Q4_0", test::mix_q4_0, 4653375488, 4.653},
      // Q4_K everywhere except attn_v + ffn_down Q6_K on the 16 use_more_bits layers and output Q6_K.
      // Plain layer: (q 16,777,216 + k 4,194,304 + o 16,777,216 + gate/up 117,440,512) x 144/256 = 87,293,952
      //   + (v 4,194,304 + down 58,720,256) x 144/256 = 35,389,440 + norms 32,768 = 122,716,160
      // use_more_bits layer: 87,293,952 + 62,914,560 x 210/256 = 51,609,600 + 32,768 = 138,936,320
      // 16 x 122,716,160 + 16 x 138,936,320 = 4,186,439,680; + token_embd Q4_K 295,501,824
      // + output Q6_K 430,940,160 + output_norm 16,384 = 4,912,898,048 B
      {"Q4_K_M", test::mix_q4_k_m, 4912898048, 4.913},
  };
  const ModelSpec m = test::llama_3_1_8b();
  const TypeTable types = test::ggml_types();
  for (const MixRow& r : rows) {
    SCOPED_TRACE(r.mix);
    const WeightBreakdown w = weight_bytes(m, r.make(), types);
    EXPECT_EQ(w.total.value(), r.bytes);
    // Within 0.1 % of the published table (rounded to 1 MB there).
    EXPECT_NEAR(to_gb(w.total), r.methods_gb, r.methods_gb * 1e-3);
    EXPECT_EQ(w.params, 8030261248);
  }
}

TEST(Weights, Llama31_8bQ4KMBreakdownMatchesLlamaCppLog) {
  const WeightBreakdown w = weight_bytes(test::llama_3_1_8b(), test::mix_q4_k_m(), test::ggml_types());
  // token_embd Q4_K: 128256 x 4096 x 144/256 = 295,501,824 B = 281.8125 MiB -> "CPU buffer size = 281.81 MiB".
  EXPECT_EQ(w.global_cpu.value(), 295501824);
  EXPECT_NEAR(to_mib(w.global_cpu), 281.81, 0.005);
  // Everything else goes to the GPU: 4,912,898,048 - 295,501,824 = 4,617,396,224 B = 4403.4922 MiB
  // -> "CUDA0 buffer size = 4403.49 MiB" (methods.md §1.3).
  EXPECT_NEAR(to_mib(w.total - w.global_cpu), 4403.49, 0.005);
  // output Q6_K 430,940,160 + output_norm f32 4096 x 4 = 430,956,544
  EXPECT_EQ(w.output.value(), 430956544);
  // Layer 0 is a use_more_bits layer, layer 4 is not (see test_quant.cpp).
  ASSERT_EQ(w.per_layer.size(), 32u);
  EXPECT_EQ(w.per_layer[0].value(), 138936320);
  EXPECT_EQ(w.per_layer[4].value(), 122716160);
  EXPECT_EQ(w.per_layer[27].value(), 138936320);
  EXPECT_EQ(w.per_layer[28].value(), 138936320);
  // Groups: attention = 32 x (q,k,o 37,748,736 x 144/256 = 21,233,664) + 16 x v Q4_K 2,359,296
  //   + 16 x v Q6_K 3,440,640 = 772,276,224
  // ffn = 32 x gate/up 66,060,288 + 16 x down Q4_K 33,030,144 + 16 x down Q6_K 48,168,960 = 3,413,114,880
  // norm = 32 x 8192 x 4 = 1,048,576
  EXPECT_EQ(w.group(TensorGroup::embeddings).value(), 295501824);
  EXPECT_EQ(w.group(TensorGroup::output).value(), 430956544);
  EXPECT_EQ(w.group(TensorGroup::attention).value(), 772276224);
  EXPECT_EQ(w.group(TensorGroup::ffn).value(), 3413114880);
  EXPECT_EQ(w.group(TensorGroup::norm).value(), 1048576);
  EXPECT_EQ(w.group(TensorGroup::experts).value(), 0);
  // 8 x 4,912,898,048 / 8,030,261,248 = 4.8944 bpw (table: 4.89)
  EXPECT_NEAR(w.bits_per_weight(), 4.89, 0.005);
}

TEST(Weights, BitsPerWeightOfMixes) {
  // methods.md §1.3 bpw column over all 8.03 B params.
  const ModelSpec m = test::llama_3_1_8b();
  const TypeTable types = test::ggml_types();
  EXPECT_NEAR(weight_bytes(m, test::mix_q8_0(), types).bits_per_weight(), 8.50, 0.005);  // 8.5008
  EXPECT_NEAR(weight_bytes(m, test::mix_q6_k(), types).bits_per_weight(), 6.56, 0.005);  // 6.5634
  EXPECT_NEAR(weight_bytes(m, test::mix_q4_0(), types).bits_per_weight(), 4.64, 0.005);  // 4.6358
}

// Resolves the type of the named tensor of block `layer` (or a global tensor with layer -1) the way
// weight_bytes does: attention tensors are indexed among attention layers, FFN tensors among all blocks.
std::string type_of(const ModelSpec& m, const QuantMix& mix, std::string_view name, std::int64_t layer) {
  const TypeTable types = test::ggml_types();
  const std::int64_t n_attn = m.count_layers(ModelSpec::is_attention);
  std::int64_t attn_ordinal = 0;
  for (std::int64_t il = 0; il < layer; ++il) attn_ordinal += ModelSpec::is_attention(m.layer_kind(il)) ? 1 : 0;
  for (const TensorInfo& t : tensor_inventory(m)) {
    if (t.name != name || t.layer != layer) continue;
    const bool attn = name.rfind("attn_", 0) == 0;
    return tensor_type_for(t, m, mix, types, attn ? attn_ordinal : layer, attn ? n_attn : m.layers).id;
  }
  return "<no such tensor>";
}

struct TypeRow {
  std::string_view tensor;
  std::int64_t layer;
  const char* type;
  const char* why;
};

TEST(Weights, FallbackWhenRowIsNotWholeBlocks) {
  // Qwen2.5-0.5B: hidden 896 = 3.5 x 256, so K-quants fall back (llama-quant.cpp): Q4_K -> Q5_0,
  // Q6_K -> Q8_0, Q5_K -> Q5_1; 896 = 28 x 32 fits the 32-blocks. ffn 4864 = 19 x 256 keeps K-quants.
  // 24 layers: use_more_bits(i, 24) = i < 3 || i >= 21 || (i-3) % 3 == 2.
  const ModelSpec m = test::qwen2_5_0_5b();
  const TypeRow rows[] = {
      {"attn_q", 1, "q5_0", "Q4_K on an 896-wide row -> Q5_0"},
      {"attn_output", 3, "q5_0", "ne0 = 14 x 64 = 896"},
      {"ffn_gate", 3, "q5_0", "ne0 = 896"},
      {"attn_v", 1, "q8_0", "use_more_bits(1,24): Q6_K -> Q8_0"},
      {"attn_v", 3, "q5_0", "not use_more_bits(3,24): Q4_K -> Q5_0"},
      {"ffn_down", 3, "q4_K", "ne0 = 4864 = 19 x 256"},
      {"ffn_down", 5, "q6_K", "(5-3) % 3 == 2 and 4864 divides"},
      {"token_embd", -1, "q8_0", "tied: takes the output type Q6_K, 896 -> Q8_0"},
      {"norms", 0, "f32", "1-D tensors stay f32"},
      {"attn_vec", 0, "f32", "QKV biases stay f32"},
  };
  for (const TypeRow& r : rows) {
    SCOPED_TRACE(std::string(r.tensor) + " layer " + std::to_string(r.layer) + ": " + r.why);
    EXPECT_EQ(type_of(m, test::mix_q4_k_m(), r.tensor, r.layer), r.type);
  }
  // Q5_K -> Q5_1 and Q2_K -> IQ4_NL on the same rows.
  QuantMix q5k = test::mix_q4_k_m();
  q5k.base = "q5_K";
  q5k.rules.clear();
  EXPECT_EQ(type_of(m, q5k, "attn_q", 0), "q5_1");
  QuantMix q2k = q5k;
  q2k.base = "q2_K";
  EXPECT_EQ(type_of(m, q2k, "attn_q", 0), "iq4_nl");
}

TEST(Weights, MixRuleConditions) {
  const TypeRow llama70[] = {
      // 80 layers: use_more_bits(0, 80) -> Q6_K wins over the 70B bump.
      {"attn_v", 0, "q6_K", "use_more_bits(0,80)"},
      // (10 - 10) % 3 = 0: not use_more_bits -> the LLM_TYPE_70B bump Q4_K -> Q5_K.
      {"attn_v", 10, "q5_K", "70B attn_v bump"},
      {"ffn_down", 10, "q4_K", "no bump for ffn_down"},
      {"attn_k", 10, "q4_K", "base"},
  };
  for (const TypeRow& r : llama70) {
    SCOPED_TRACE(std::string("70B ") + std::string(r.tensor) + ": " + r.why);
    EXPECT_EQ(type_of(test::llama_3_1_70b(), test::mix_q4_k_m(), r.tensor, r.layer), r.type);
  }
  // 32 layers: no 70B bump; layer 4 is not use_more_bits.
  EXPECT_EQ(type_of(test::llama_3_1_8b(), test::mix_q4_k_m(), "attn_v", 4), "q4_K");

  // 8-expert MoE (Mixtral-like): attn_k/attn_v Q8_0 and attn_output Q5_K on every layer.
  ModelSpec mix8 = test::llama_3_1_8b();
  mix8.ffn = 0;
  mix8.moe.experts = 8;
  mix8.moe.experts_per_token = 2;
  mix8.moe.expert_ffn = 14336;
  const TypeRow moe8[] = {
      {"attn_k", 4, "q8_0", "n_expert == 8"},
      {"attn_v", 4, "q8_0", "n_expert == 8 (after use_more_bits)"},
      {"attn_output", 4, "q5_K", "n_expert == 8"},
      {"attn_q", 4, "q4_K", "base"},
  };
  for (const TypeRow& r : moe8) {
    SCOPED_TRACE(std::string("8 experts ") + std::string(r.tensor) + ": " + r.why);
    EXPECT_EQ(type_of(mix8, test::mix_q4_k_m(), r.tensor, r.layer), r.type);
  }
}

TEST(Weights, MoeTensorNamesFollowSubstringRules) {
  // llama.cpp matches "ffn_down" by substring, so ffn_down_exps follows the ffn_down rule, indexed by
  // the block number over 48 layers: use_more_bits(0,48) yes; (6-6)%3 = 0 no; (8-6)%3 == 2 yes.
  const ModelSpec m = test::qwen3_30b_a3b();
  const TypeRow rows[] = {
      {"ffn_down_exps", 0, "q6_K", "use_more_bits(0,48)"},
      {"ffn_down_exps", 6, "q4_K", "not use_more_bits(6,48)"},
      {"ffn_down_exps", 8, "q6_K", "(8-6)%3 == 2"},
      {"ffn_gate_exps", 0, "q4_K", "no rule"},
      {"ffn_up_exps", 0, "q4_K", "no rule"},
      {"ffn_gate_inp", 0, "f32", "router stays f32"},
  };
  for (const TypeRow& r : rows) {
    SCOPED_TRACE(std::string(r.tensor) + " " + std::to_string(r.layer) + ": " + r.why);
    EXPECT_EQ(type_of(m, test::mix_q4_k_m(), r.tensor, r.layer), r.type);
  }
  // MXFP4_MOE on gpt-oss: experts MXFP4, everything else Q8_0, router/biases f32.
  const ModelSpec g = test::gpt_oss_20b();
  EXPECT_EQ(type_of(g, test::mix_mxfp4_moe(), "ffn_down_exps", 3), "mxfp4");
  EXPECT_EQ(type_of(g, test::mix_mxfp4_moe(), "attn_q", 3), "q8_0");
  EXPECT_EQ(type_of(g, test::mix_mxfp4_moe(), "output", -1), "q8_0");
  EXPECT_EQ(type_of(g, test::mix_mxfp4_moe(), "exps_bias", 3), "f32");
}

TEST(Weights, GptOssMxfp4Bytes) {
  // Per layer: attention matrices 26,542,080 x 34/32 = 28,200,960; attention biases + sinks 8064 x 4
  // = 32,256; router + bias 92,192 x 4 = 368,768; experts 796,262,400 x 17/32 = 423,014,400; expert biases
  // 276,480 x 4 = 1,105,920; norms 5760 x 4 = 23,040 -> 452,745,344; x 24 = 10,865,888,256.
  // token_embd and output Q8_0: 579,133,440 x 34/32 = 615,329,280 each; output_norm 2880 x 4 = 11,520.
  // Total 10,865,888,256 + 2 x 615,329,280 + 11,520 = 12,096,558,336 B.
  const ModelSpec m = test::gpt_oss_20b();
  const WeightBreakdown w = weight_bytes(m, test::mix_mxfp4_moe(), test::ggml_types());
  EXPECT_EQ(w.total.value(), 12096558336);
  EXPECT_EQ(w.per_layer[0].value(), 452745344);
  // Routed-expert part per layer: 423,014,400 + 1,105,920 = 424,120,320.
  EXPECT_EQ(w.per_layer_experts[0].value(), 424120320);
  EXPECT_EQ(w.group(TensorGroup::experts).value(), 10178887680);  // 24 x 424,120,320
  // A token reads 4/32 of the experts: 10,178,887,680 / 32 x 4 = 1,272,360,960. Read bytes
  // = total - token_embd - experts + active experts + one embedding row (2880 x 34/32 = 3060)
  // = 12,096,558,336 - 615,329,280 - 10,178,887,680 + 1,272,360,960 + 3060 = 2,574,705,396.
  EXPECT_EQ(active_weight_bytes(m, w).value(), 2574705396);
}

TEST(Weights, DenseActiveBytesAreAllButTheEmbeddingTable) {
  // Llama Q4_K_M: 4,912,898,048 - 295,501,824 + one Q4_K row (16 x 144 = 2304) = 4,617,398,528.
  const ModelSpec m = test::llama_3_1_8b();
  const WeightBreakdown w = weight_bytes(m, test::mix_q4_k_m(), test::ggml_types());
  EXPECT_EQ(active_weight_bytes(m, w).value(), 4617398528);
}

TEST(Weights, TiedEmbeddingsAreDuplicatedOnTheOutputDevice) {
  // Gemma-3-27B Q4_K_M: tied token_embd takes the output type Q6_K (5376 = 21 x 256 divides):
  // 262208 x 21 x 210 = 1,156,337,280 B. The output device holds a copy + output_norm 5376 x 4 = 21,504.
  const ModelSpec m = test::gemma_3_27b();
  const TypeTable types = test::ggml_types();
  const WeightBreakdown w = weight_bytes(m, test::mix_q4_k_m(), types);
  EXPECT_EQ(w.global_cpu.value(), 1156337280);
  EXPECT_EQ(w.output.value(), 1156337280 + 21504);
  // Vision tower in f16: (416,866,032 + 6,194,304) x 2 = 846,120,672 B; not counted in params.
  EXPECT_EQ(w.vision.value(), 846120672);
  EXPECT_EQ(w.params, 27009346304);
  const WeightBreakdown no_vision = weight_bytes(m, test::mix_q4_k_m(), types, /*include_vision=*/false);
  EXPECT_EQ(no_vision.vision.value(), 0);
  EXPECT_EQ((w.total - no_vision.total).value(), 846120672);
  // The tied matrix is read whole as the output head: read = total - vision + one row (21 x 210 = 4410).
  EXPECT_EQ(active_weight_bytes(m, w), w.total - w.vision + Bytes(4410));
}

// Fused q/k/v (methods.md §1.2, llama-quant.cpp llama_tensor_get_type): attn_qkv Q3_K_M/Q3_K_L -> Q4_K,
// Q4_K_M -> Q5_K, Q5_K_M -> Q6_K on every layer; the attn_v / attn_q / attn_k rules do not apply to it.
QuantMix mix_q3_k_m() {
  QuantMix m;
  m.id = "Q3_K_M";
  m.base = "q3_K";
  m.output = "q6_K";
  m.rules = {
      MixRule{.tensors = {"attn_v"}, .type = "q4_K"},
      MixRule{.tensors = {"attn_v"}, .type = "q5_K", .select = LayerSelect::first, .select_n = 2},
      MixRule{.tensors = {"ffn_down"}, .type = "q4_K"},
      MixRule{.tensors = {"ffn_down"}, .type = "q5_K", .select = LayerSelect::first_fraction, .select_n = 16},
      MixRule{.tensors = {"attn_output"}, .type = "q4_K"},
      MixRule{.tensors = {"attn_qkv"}, .type = "q4_K"},
  };
  return m;
}
QuantMix mix_q5_k_m() {
  QuantMix m;
  m.id = "Q5_K_M";
  m.base = "q5_K";
  m.output = "q6_K";
  m.rules = {
      MixRule{.tensors = {"attn_v", "ffn_down"}, .type = "q6_K", .select = LayerSelect::use_more_bits},
      MixRule{.tensors = {"attn_qkv"}, .type = "q6_K"},
  };
  return m;
}

TEST(Weights, FusedQkvTakesTheAttnQkvRule) {
  // Phi-3 files hold one attn_qkv {3072, 3 x 3072}; the inventory's attn_q / attn_k / attn_v take its type.
  // The same shapes under a llama architecture keep the separate rules. 32 layers: use_more_bits(0,32) yes,
  // (4-4) % 3 = 0 no.
  const ModelSpec phi = test::phi_3_mini();
  ModelSpec split = phi;
  split.architecture = "llama";
  struct Row {
    const char* mix;
    QuantMix q;
    std::string_view tensor;
    std::int64_t layer;
    const char* fused;
    const char* separate;
  };
  const Row rows[] = {
      {"Q4_K_M", test::mix_q4_k_m(), "attn_v", 0, "q5_K", "q6_K"},   // separate: use_more_bits Q6_K
      {"Q4_K_M", test::mix_q4_k_m(), "attn_v", 4, "q5_K", "q4_K"},
      {"Q4_K_M", test::mix_q4_k_m(), "attn_q", 4, "q5_K", "q4_K"},
      {"Q4_K_M", test::mix_q4_k_m(), "attn_k", 4, "q5_K", "q4_K"},
      {"Q4_K_M", test::mix_q4_k_m(), "attn_output", 0, "q4_K", "q4_K"},
      {"Q4_K_M", test::mix_q4_k_m(), "ffn_down", 0, "q6_K", "q6_K"},  // not fused: its own rule
      {"Q3_K_M", mix_q3_k_m(), "attn_v", 0, "q4_K", "q5_K"},          // separate: first 2 layers Q5_K
      {"Q3_K_M", mix_q3_k_m(), "attn_v", 5, "q4_K", "q4_K"},
      {"Q3_K_M", mix_q3_k_m(), "attn_q", 5, "q4_K", "q3_K"},
      {"Q5_K_M", mix_q5_k_m(), "attn_k", 4, "q6_K", "q5_K"},
      {"Q5_K_M", mix_q5_k_m(), "attn_v", 4, "q6_K", "q5_K"},
      {"Q8_0", test::mix_q8_0(), "attn_q", 4, "q8_0", "q8_0"},       // no attn_qkv rule: the base type
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(std::string(r.mix) + " " + std::string(r.tensor) + " " + std::to_string(r.layer));
    EXPECT_EQ(type_of(phi, r.q, r.tensor, r.layer), r.fused);
    EXPECT_EQ(type_of(split, r.q, r.tensor, r.layer), r.separate);
  }
}

TEST(Weights, Phi3MiniQ4KmBytesByHand) {
  // token_embd Q4_K: 32064 x 3072 = 98,500,608 x 144/256 = 55,406,592
  // output Q6_K: 98,500,608 x 210/256 = 80,801,280; output_norm 3072 x 4 = 12,288
  // Each block: norms 2 x 3072 x 4 = 24,576; attn_qkv Q5_K 3072 x 9216 = 28,311,552 x 176/256 = 19,464,192;
  //   attn_output Q4_K 9,437,184 x 144/256 = 5,308,416; ffn gate+up Q4_K 50,331,648 x 144/256 = 28,311,552;
  //   ffn_down 25,165,824 x 144/256 = 14,155,776 (Q4_K), x 210/256 = 20,643,840 (Q6_K, use_more_bits)
  //   -> 67,264,512 on 16 blocks, 73,752,576 on the 16 use_more_bits blocks: 2,256,273,408
  // Total 2,256,273,408 + 55,406,592 + 80,801,280 + 12,288 = 2,392,493,568 B.
  const ModelSpec m = test::phi_3_mini();
  const WeightBreakdown w = weight_bytes(m, test::mix_q4_k_m(), test::ggml_types());
  EXPECT_EQ(w.total.value(), 2392493568);
  EXPECT_EQ(w.per_layer[0].value(), 73752576);
  EXPECT_EQ(w.per_layer[4].value(), 67264512);
  // attention = 32 x (19,464,192 + 5,308,416) = 792,723,456
  EXPECT_EQ(w.group(TensorGroup::attention).value(), 792723456);
  EXPECT_EQ(w.params, 3821079552);
  // As separate tensors: q, k Q4_K 2 x 5,308,416 on 32 blocks = 339,738,624, v Q4_K 5,308,416 on 16 and
  // Q6_K 9,437,184 x 210/256 = 7,741,440 on 16 = 208,797,696, + attn_output 169,869,312 = 718,405,632:
  // 74,317,824 B less than the fused tensor.
  ModelSpec split = m;
  split.architecture = "llama";
  const WeightBreakdown s = weight_bytes(split, test::mix_q4_k_m(), test::ggml_types());
  EXPECT_EQ(s.group(TensorGroup::attention).value(), 718405632);
  EXPECT_EQ((w.total - s.total).value(), 74317824);
}

TEST(Weights, DeltaNetInputProjectionIsAttnQkvAndGate) {
  // Qwen3.5-9B linear blocks: attn_qkv {4096, 2 x 16 x 128 + 4096 = 8192} takes the attn_qkv rule,
  // attn_gate {4096, 4096} the base type (llama-quant.cpp matches the name, whatever the block).
  const ModelSpec m = test::qwen3_5_9b();
  EXPECT_EQ(type_of(m, test::mix_q4_k_m(), "attn_qkv", 0), "q5_K");
  EXPECT_EQ(type_of(m, test::mix_q4_k_m(), "attn_gate", 0), "q4_K");
  EXPECT_EQ(type_of(m, mix_q3_k_m(), "attn_qkv", 1), "q4_K");
  EXPECT_EQ(type_of(m, mix_q5_k_m(), "attn_qkv", 2), "q6_K");
  // 24 linear blocks x 4096 x 8192 = 33,554,432 weights x (176 - 144)/256 = 4,194,304 B each:
  // 100,663,296 B more than with attn_qkv at the base Q4_K.
  QuantMix base_qkv = test::mix_q4_k_m();
  std::erase_if(base_qkv.rules, [](const MixRule& r) { return r.tensors.front() == "attn_qkv"; });
  const TypeTable types = test::ggml_types();
  EXPECT_EQ((weight_bytes(m, test::mix_q4_k_m(), types).total - weight_bytes(m, base_qkv, types).total).value(), 100663296);
}

TEST(Weights, UnknownTypeInMixIsAnError) {
  QuantMix bad = test::mix_q4_k_m();
  bad.base = "q4_Z";
  try {
    (void)weight_bytes(test::llama_3_1_8b(), bad, test::ggml_types());
    FAIL() << "expected CoreError(unknown_type)";
  } catch (const CoreError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::unknown_type);
  }
}

}  // namespace
}  // namespace vramfit
