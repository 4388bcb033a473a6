// Gemma 3n and Gemma 4 in the core: KV sharing across layers, global layers with their own head size
// and KV heads, per-layer embeddings, AltUp and LAuReL (model.hpp per-layer accessors, kv_cache.hpp,
// tensors.hpp, weights.hpp). Shapes from shared/reference/models_2026.yaml; the rules from llama.cpp as
// bundled with node-llama-cpp 3.22.1 (src/models/gemma3n.cpp, gemma4.cpp, src/llama-kv-cache.cpp,
// src/llama-model.cpp create_memory, src/llama-quant.cpp). Every expected number is worked out below.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "fixtures.hpp"
#include "vramfit/kv_cache.hpp"
#include "vramfit/tensors.hpp"
#include "vramfit/weights.hpp"

namespace vramfit {
namespace {

// "Gemma-3n-E4B": hidden 2048, intermediate 16384, 35 layers, 8 heads, 2 KV heads, head_dim 256, vocab
// 262400, tied; 4:1 sliding (512) : global; num_kv_shared_layers 15; PLE 256 per layer, AltUp 4
// streams, LAuReL rank 64.
ModelSpec gemma_3n_e4b() {
  ModelSpec m;
  m.id = "gemma-3n-e4b";
  m.architecture = "gemma3n";
  m.layers = 35;
  m.hidden = 2048;
  m.heads = 8;
  m.kv_heads = 2;
  m.head_dim_k = m.head_dim_v = 256;
  m.ffn = 16384;
  m.vocab = 262400;
  m.max_context = 32768;
  m.tied_embeddings = true;
  m.qk_norm = true;
  m.norms_per_layer = 4;
  m.layer_pattern = {LayerKind::sliding, LayerKind::sliding, LayerKind::sliding, LayerKind::sliding, LayerKind::full};
  m.sliding_window = 512;
  m.kv_shared_layers = 15;
  m.per_layer = PerLayerSpec{256, 4, 64, false};
  return m;
}

// "Gemma-4-26B-A4B": hidden 2816, 30 layers, 16 heads, 8 KV heads x 256 (global 2 x 512, K=V), every
// layer a 2112-wide dense MLP beside 128 experts of 704 (top 8); norms: the 4 Gemma norms + 3 of the
// MoE branch + the router's input scale (llama.cpp gemma4.cpp).
ModelSpec gemma_4_26b_a4b() {
  ModelSpec m = test::gemma_4_31b();
  m.id = "gemma-4-26b-a4b";
  m.layers = 30;
  m.hidden = 2816;
  m.heads = 16;
  m.kv_heads = 8;
  m.kv_heads_full = 2;
  m.ffn = 0;
  m.norms_per_layer = 8;
  m.moe.experts = 128;
  m.moe.experts_per_token = 8;
  m.moe.expert_ffn = 704;
  m.moe.shared_experts = 1;
  m.moe.shared_ffn = 2112;
  return m;
}

KvCache kv_of(const ModelSpec& m, std::int64_t context, bool flash = true, const std::string& type = "f16") {
  Workload w;
  w.context = context;
  w.flash_attention = flash;
  w.kv_type_k = w.kv_type_v = type;
  return kv_cache(m, w, test::types().get(type), test::types().get(type));
}

TEST(PerLayer, AccessorsFollowTheLayerKindAndTheSharedTail) {
  const ModelSpec g = test::gemma_4_31b();
  EXPECT_EQ(g.kv_heads_at(0), 16);
  EXPECT_EQ(g.head_dim_k_at(0), 256);
  EXPECT_EQ(g.kv_heads_at(5), 4);  // layer 5 is the first global one
  EXPECT_EQ(g.head_dim_k_at(5), 512);
  EXPECT_EQ(g.head_dim_v_at(5), 512);
  EXPECT_EQ(g.max_head_dim_k(), 512);
  const ModelSpec e = test::gemma_4_e2b();
  EXPECT_TRUE(e.has_kv(14));   // 35 - 20 = 15 layers keep a cache: 0..14
  EXPECT_FALSE(e.has_kv(15));
  EXPECT_EQ(e.ffn_at(14), 6144);
  EXPECT_EQ(e.ffn_at(15), 12288);  // double-wide MLP on the KV-shared layers
  EXPECT_EQ(e.max_ffn(), 12288);
  EXPECT_EQ(e.kv_heads_at(4), 1);  // no num_global_key_value_heads: the global layers keep 1
}

// Gemma 3n E4B, f16, 32768 tokens, n_ubatch 512. Only layers 0..19 cache (35 - 15 shared): 4 global
// (4, 9, 14, 19) and 16 sliding. One K or V row: 2 KV heads x 256 x 2 B = 1024 B, so 2048 B per layer
// per token.
//   global  4 x 2048 x 32768                      = 268,435,456
//   sliding 16 x 2048 x PAD(512 + 512, 256) = 1024 = 33,554,432
//   total                                          = 301,989,888 B (288 MiB)
// Without the sharing all 35 layers would cache: 7 x 67,108,864 + 28 x 2,097,152 = 528,482,304 B.
TEST(PerLayer, Gemma3nKvSharingLeavesTheLastLayersWithoutCache) {
  const ModelSpec m = gemma_3n_e4b();
  const KvCache kv = kv_of(m, 32768);
  EXPECT_EQ(kv.total.value(), 301989888);
  EXPECT_EQ(kv.bytes_per_token, 8192);              // 4 global layers x 2048
  EXPECT_EQ(kv.per_layer[19].value(), 67108864);    // the last layer with a cache, global
  EXPECT_EQ(kv.per_layer[18].value(), 2097152);     // sliding: 1024 cells x 2048
  for (std::int64_t il = 20; il < 35; ++il) EXPECT_EQ(kv.per_layer[static_cast<std::size_t>(il)].value(), 0) << il;
  ModelSpec unshared = m;
  unshared.kv_shared_layers = 0;
  EXPECT_EQ(kv_of(unshared, 32768).total.value(), 528482304);
}

// Gemma 4 31B, 32768 tokens, f16. Sliding rows: 16 x 256 x 2 B = 8192 B for K and for V (16384 B,
// the reference's "sliding_layers_each"); global rows: 4 x 512 x 2 B = 4096 B each (8192 B, its
// "global_layers_each_k_and_v"): llama.cpp caches V even without v_proj (gemma4.cpp: Vcur = Kcur).
//   global  10 x 8192 x 32768  = 2,684,354,560
//   sliding 50 x 16384 x 1536  = 1,258,291,200   (PAD(1024 + 512) = 1536 cells)
//   total                      = 3,942,645,760
// Without flash attention V is padded to the widest V row of any layer (llama-kv-cache.cpp
// [TAG_V_CACHE_VARIABLE]): 16 x 256 = 4096 values, so a global layer's V row is 8192 B, not 4096:
//   global  10 x (4096 + 8192) x 32768 = 4,026,531,840; total 5,284,823,040.
// q8_0 K and V at 64000 tokens (the RTX 3090 run in reference/measured_memory.yaml): 34 B per 32 values,
// sliding 2 x 4096 / 32 x 34 = 8704 B, global 2 x 2048 / 32 x 34 = 4352 B per token;
//   10 x 4352 x 64000 + 50 x 8704 x 1536 = 2,785,280,000 + 668,467,200 = 3,453,747,200.
TEST(PerLayer, Gemma4GlobalLayersHaveTheirOwnKvShape) {
  const ModelSpec m = test::gemma_4_31b();
  const KvCache kv = kv_of(m, 32768);
  EXPECT_EQ(kv.total.value(), 3942645760);
  EXPECT_EQ(kv.bytes_per_token, 81920);
  EXPECT_EQ(kv.per_layer[5].value(), 268435456);  // 8192 x 32768
  EXPECT_EQ(kv.per_layer[0].value(), 25165824);   // 16384 x 1536
  EXPECT_EQ(kv_of(m, 32768, false).total.value(), 5284823040);
  EXPECT_EQ(kv_of(m, 32768, false).bytes_per_token, 122880);
  EXPECT_EQ(kv_of(m, 64000, true, "q8_0").total.value(), 3453747200);
}

// Gemma 4 E2B at its 131072-token context, f16: layers 0..14 cache (35 - 20), 3 global (4, 9, 14)
// and 12 sliding. Global rows 1 x 512 x 2 B x 2 = 2048 B, sliding 1 x 256 x 2 B x 2 = 1024 B.
//   3 x 2048 x 131072 + 12 x 1024 x 1024 = 805,306,368 + 12,582,912 = 817,889,280 B.
TEST(PerLayer, Gemma4E2bSharesMoreThanHalfItsLayers) {
  const KvCache kv = kv_of(test::gemma_4_e2b(), 131072);
  EXPECT_EQ(kv.total.value(), 817889280);
  EXPECT_EQ(kv.bytes_per_token, 6144);
}

// Parameters (count_params), term by term.
// Gemma 3n E4B, d = 2048, L = 35, PLE 256 (L x 256 = 8960), n = 4 AltUp streams, LAuReL 64:
//   token_embd 262400 x 2048 = 537,395,200; per-layer table 262400 x 8960 = 2,351,104,000 (llama.cpp
//   pads it to the vocabulary); altup_proj + altup_unembd_proj 2 x 3 x 2048^2 = 25,165,824; output
//   norm 2048; per_layer_model_proj 2048 x 8960 = 18,350,080 and its norm 256 (with block 0);
//   per block: norms 4 x 2048 = 8192; q 2048 x 2048 + k, v 2 x 2048 x 512 + o 2048 x 2048 +
//   q/k norms 512 = 10,486,272; FFN 3 x 2048 x 16384 = 100,663,296; inp_gate + proj 2 x 2048 x 256 =
//   1,048,576; altup_router 2048 x 4 = 8192; laurel 2 x 2048 x 64 = 262,144; vectors: PLE post-norm
//   2048 + AltUp scale and router norm 4096 + coefficients 16 + 64 + LAuReL post-norm 2048 = 8272;
//   block = 112,484,944, x 35 = 3,936,973,040.
//   total = 537,395,200 + 2,351,104,000 + 25,165,824 + 2048 + 18,350,080 + 256 + 3,936,973,040
//         = 6,868,990,448.
// Gemma 4 31B: the reference's computed_params_exact, 30,697,345,340 (its layer_scalar is 1 per block).
// Gemma 4 E2B, d = 1536, L = 35: token_embd 262144 x 1536 = 402,653,184; table 262144 x 8960 =
//   2,348,810,240; output norm 1536; per_layer_model_proj 1536 x 8960 = 13,762,560 + norm 256;
//   sliding attention 1536 x 2048 x 2 + 1536 x 256 x 2 + 512 = 7,078,400 (x 28); global 1536 x 4096 x 2
//   + 1536 x 512 x 2 + 1024 = 14,156,800 (x 7); FFN 3 x 1536 x 6144 = 28,311,552 (x 15) and
//   3 x 1536 x 12288 = 56,623,104 (x 20); per block norms 6144 + inp_gate/proj 786,432 + PLE
//   post-norm 1536 + scalar 1 = 794,113 (x 35).
//   total = 2,765,227,776 + 198,195,200 + 99,097,600 + 424,673,280 + 1,132,462,080 + 27,793,955
//         = 4,647,449,891 (2,298,639,651 without the table: the card's "2.3B effective").
// Gemma 4 26B-A4B: the reference's 25,232,800,030 counts 4 norms per block; llama.cpp loads 4 more
//   d-vectors in every MoE block: + 30 x 4 x 2816 = 337,920 -> 25,233,137,950. Active: experts
//   30 x 128 x 3 x 2816 x 704 = 22,837,985,280, of which 8/128 are read: 21,410,611,200 idle,
//   so 3,822,526,750 active (Google: 3.8B).
TEST(PerLayer, ParameterCountsByHand) {
  EXPECT_EQ(count_params(gemma_3n_e4b()).total, 6868990448);
  EXPECT_EQ(count_params(gemma_3n_e4b()).embeddings, std::int64_t{537395200} + 2351104000);
  EXPECT_EQ(count_params(test::gemma_4_31b()).total, 30697345340);
  EXPECT_EQ(count_params(test::gemma_4_e2b()).total, 4647449891);
  const ParamCounts moe = count_params(gemma_4_26b_a4b());
  EXPECT_EQ(moe.total, 25233137950);
  EXPECT_EQ(moe.active, 3822526750);
}

TEST(PerLayer, GlobalLayersWithKEqVHaveNoValueProjection) {
  std::int64_t v_sliding = 0, v_full = 0, k_full = 0;
  const ModelSpec m = test::gemma_4_31b();
  for (const TensorInfo& t : tensor_inventory(m)) {
    if (t.name == "attn_v") (m.layer_kind(t.layer) == LayerKind::full ? v_full : v_sliding) += 1;
    if (t.name == "attn_k" && m.layer_kind(t.layer) == LayerKind::full) {
      ++k_full;
      EXPECT_EQ(t.rows, 4 * 512);
    }
  }
  EXPECT_EQ(v_sliding, 50);
  EXPECT_EQ(v_full, 0);
  EXPECT_EQ(k_full, 10);
}

// Q4_K_M weights of Gemma 3n E4B (llama-quant.cpp): the per-layer table is typed like token_embd,
// and with tied embeddings that is the output type, q6_K (210 B per 256): 262400 x 8960 / 256 x 210 =
// 1,928,640,000 B, in host memory with token_embd (262400 x 2048 / 256 x 210 = 440,832,000 B). AltUp,
// LAuReL and per_layer_model_proj are never quantized and stay 16-bit as converted:
// (25,165,824 + 35 x (8192 + 262,144) + 18,350,080) x 2 B = 52,977,664 x 2 = 105,955,328 B. The tied output head
// copies token_embd only.
TEST(PerLayer, Gemma3nWeightsUnderQ4KM) {
  const ModelSpec m = gemma_3n_e4b();
  const WeightBreakdown w = weight_bytes(m, test::mix_q4_k_m(), test::types());
  EXPECT_EQ(w.token_embd.value(), 440832000);
  EXPECT_EQ(w.global_cpu.value(), std::int64_t{440832000} + 1928640000);
  EXPECT_EQ(w.tied_copy.value(), 440832000);
  std::int64_t kept16 = 0;
  const TypeTable& types = test::types();
  for (const TensorInfo& t : tensor_inventory(m)) {
    const std::string_view n = t.name;
    if (n.find("altup") != std::string_view::npos || n.find("laurel") != std::string_view::npos || n == "per_layer_model_proj") {
      if (!t.matrix) continue;  // the per-block vectors stay f32
      EXPECT_EQ(tensor_type_for(t, m, test::mix_q4_k_m(), types, t.layer, m.layers).id, "f16") << n;
      kept16 += types.get("f16").bytes(t.ne0, t.rows).value();
    }
  }
  EXPECT_EQ(kept16, 105955328);
}

TEST(PerLayer, ValidateHoldsTheNewFieldsToTheirRanges) {
  ModelSpec m = gemma_3n_e4b();
  m.kv_shared_layers = 34;  // llama.cpp needs 2 blocks with a cache (a sliding and a full one)
  EXPECT_THROW(validate(m), CoreError);
  m = gemma_3n_e4b();
  m.per_layer.embed_dim = limits::kMaxDim;  // 35 x 2^24 would pass the width limit
  EXPECT_THROW(validate(m), CoreError);
  m = gemma_3n_e4b();
  m.per_layer.altup_inputs = 1;
  EXPECT_THROW(validate(m), CoreError);
  m = test::gemma_4_31b();
  m.kv_heads_full = 5;  // does not divide 32 heads
  EXPECT_THROW(validate(m), CoreError);
  m = test::gemma_4_31b();
  m.ffn_kv_shared = 4096;  // without KV-shared layers
  EXPECT_THROW(validate(m), CoreError);
  m = test::gemma_4_31b();
  m.head_dim_full = limits::kMaxDim + 1;
  EXPECT_THROW(validate(m), CoreError);
  EXPECT_NO_THROW(validate(gemma_4_26b_a4b()));
  EXPECT_NO_THROW(validate(test::gemma_4_e2b()));
}

}  // namespace
}  // namespace vramfit
