// kv_cache.hpp: KV cache and recurrent state as llama.cpp allocates them (methods.md §2.1-2.5).
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>

#include "fixtures.hpp"
#include "fixtures_2026.hpp"
#include "vramfit/kv_cache.hpp"

namespace vramfit {
namespace {

KvCache kv_of(const ModelSpec& m, const Workload& w) {
  const TypeTable types = test::ggml_types();
  return kv_cache(m, w, types.get(w.kv_type_k), types.get(w.kv_type_v));
}

Workload ctx(std::int64_t context, std::string k = "f16", std::string v = "f16") {
  Workload w;
  w.context = context;
  w.kv_type_k = std::move(k);
  w.kv_type_v = std::move(v);
  return w;
}

static_assert(pad_to(8192, 256) == 8192);
static_assert(pad_to(8193, 256) == 8448);  // 33 x 256
static_assert(pad_to(1536, 256) == 1536);  // 1024 + 512 = 6 x 256
static_assert(pad_to(640, 256) == 768);    // 128 + 512 -> 3 x 256

// Llama-3.1-8B: 32 layers x 8 KV heads x 128 = 1024 K (and V) elements per token-layer (methods.md §2.1).
TEST(KvCache, Llama31_8bTable) {
  struct Row {
    const char* what;
    Workload w;
    std::int64_t per_token, cells, streams, total;
  };
  Workload np4 = ctx(8192);
  np4.parallel = 4;
  Workload pad32 = ctx(8193);
  pad32.kv_pad = 32;
  Workload k_only = ctx(8192, "q8_0", "f16");
  k_only.flash_attention = false;  // a quantized K alone does not need flash attention
  const Row rows[] = {
      // f16: 1024 x 2 B x 2 (K,V) x 32 = 131,072 B/token; x 8192 = 1,073,741,824 = exactly 1 GiB
      {"f16 8192", ctx(8192), 131072, 8192, 1, 1073741824},
      // q8_0: 1024/32 x 34 = 1088 B per K row, x 2 x 32 = 69,632 B/token (68 KiB); x 8192 = 570,425,344
      {"q8_0 8192", ctx(8192, "q8_0", "q8_0"), 69632, 8192, 1, 570425344},
      // q4_0: 1024/32 x 18 = 576 B, x 2 x 32 = 36,864 B/token (36 KiB); x 8192 = 301,989,888
      {"q4_0 8192", ctx(8192, "q4_0", "q4_0"), 36864, 8192, 1, 301989888},
      // q8_0 K + f16 V: (1088 + 2048) x 32 = 100,352 B/token; x 8192 = 822,083,584
      {"q8_0 K, f16 V, FA off", k_only, 100352, 8192, 1, 822083584},
      // 8193 tokens pad to 33 x 256 = 8448 cells: 131,072 x 8448 = 1,107,296,256
      {"f16 8193", ctx(8193), 131072, 8448, 1, 1107296256},
      // one token still allocates 256 cells: 131,072 x 256 = 33,554,432
      {"f16 1", ctx(1), 131072, 256, 1, 33554432},
      // pre-PR #17046 padding of 32: 8193 -> 8224 cells: 131,072 x 8224 = 1,077,936,128
      {"f16 8193 pad 32", pad32, 131072, 8224, 1, 1077936128},
      // -np 4, each sequence 8192 tokens: 4 streams x 1 GiB
      {"f16 8192 x 4", np4, 131072, 8192, 4, 4294967296},
  };
  const ModelSpec m = test::llama_3_1_8b();
  for (const Row& r : rows) {
    SCOPED_TRACE(r.what);
    const KvCache kv = kv_of(m, r.w);
    EXPECT_EQ(kv.bytes_per_token, r.per_token);
    EXPECT_EQ(kv.cells_full, r.cells);
    EXPECT_EQ(kv.streams, r.streams);
    EXPECT_EQ(kv.total.value(), r.total);
    EXPECT_EQ(kv.attention, kv.total);
    EXPECT_EQ(kv.recurrent.value(), 0);
    EXPECT_EQ(kv.cells_window, 0);
    ASSERT_EQ(kv.per_layer.size(), 32u);
    EXPECT_EQ(kv.per_layer[0].value() * 32, r.total);
  }
  EXPECT_DOUBLE_EQ(to_gib(kv_of(m, ctx(8192)).total), 1.0);
}

// Gemma-3-27B: 62 layers, 10 full (i % 6 == 5) + 52 sliding (window 1024); 16 KV heads x 128 f16:
// 2048 elements x 2 B x 2 (K,V) = 8192 B per token-layer.
// Sliding cells = min(PAD(ctx, 256), PAD(1024 + n_ubatch, 256)) (llama-kv-cache-iswa.cpp, methods.md §2.3).
TEST(KvCache, Gemma3_27bSlidingWindow) {
  struct Row {
    const char* what;
    Workload w;
    std::int64_t cells_full, cells_window, total;
  };
  Workload swa_full = ctx(32768);
  swa_full.swa_full = true;
  Workload ub1024 = ctx(32768);
  ub1024.ubatch = 1024;
  Workload np2 = ctx(32768);
  np2.parallel = 2;
  const Row rows[] = {
      // full 10 x 32768 x 8192 = 2,684,354,560; sliding 52 x 1536 x 8192 = 654,311,424 (the log line
      // "SWA KV cache, size = 1536 cells"); total 3,338,665,984 B = 3.109 GiB
      {"32k", ctx(32768), 32768, 1536, 3338665984},
      // --swa-full: every layer 32768 cells: 62 x 32768 x 8192 = 16,642,998,272
      {"32k swa-full", swa_full, 32768, 32768, 16642998272},
      // ctx 1000 -> 1024 cells; sliding min(1024, 1536) = 1024: 62 x 1024 x 8192 = 520,093,696
      {"1000", ctx(1000), 1024, 1024, 520093696},
      // n_ubatch 1024: PAD(1024 + 1024) = 2048 sliding cells: 52 x 2048 x 8192 + 2,684,354,560 = 3,556,769,792
      {"32k ubatch 1024", ub1024, 32768, 2048, 3556769792},
      // -np 2 without a unified cache: 2 streams, each 32768 full / 1536 sliding cells -> 2 x 3,338,665,984
      {"32k x 2", np2, 32768, 1536, 6677331968},
  };
  const ModelSpec m = test::gemma_3_27b();
  for (const Row& r : rows) {
    SCOPED_TRACE(r.what);
    const KvCache kv = kv_of(m, r.w);
    EXPECT_EQ(kv.cells_full, r.cells_full);
    EXPECT_EQ(kv.cells_window, r.cells_window);
    EXPECT_EQ(kv.total.value(), r.total);
  }
  const KvCache kv = kv_of(m, ctx(32768));
  EXPECT_EQ(kv.per_layer[5].value(), 268435456);  // full layer: 32768 x 8192 = 256 MiB
  EXPECT_EQ(kv.per_layer[0].value(), 12582912);   // sliding layer: 1536 x 8192 = 12 MiB
  EXPECT_EQ(kv.bytes_per_token, 81920);           // full layers only: 10 x 8192
}

TEST(KvCache, GptOss20bAlternatingWindow) {
  // 24 layers, even sliding (window 128), odd full; 8 KV heads x 64 f16: 512 x 2 B x 2 = 2048 B/token-layer.
  // Sliding cells PAD(128 + 512, 256) = 768. ctx 8192: full 12 x 8192 x 2048 = 201,326,592;
  // sliding 12 x 768 x 2048 = 18,874,368; total 220,200,960 B = 210 MiB.
  const KvCache kv = kv_of(test::gpt_oss_20b(), ctx(8192));
  EXPECT_EQ(kv.cells_window, 768);
  EXPECT_EQ(kv.total.value(), 220200960);
  EXPECT_DOUBLE_EQ(to_mib(kv.total), 210.0);
  EXPECT_EQ(kv.bytes_per_token, 24576);  // 12 full layers x 2048
  EXPECT_EQ(kv.per_layer[0].value(), 768 * 2048);
  EXPECT_EQ(kv.per_layer[1].value(), 8192 * 2048);
}

TEST(KvCache, DeepSeekV3Mla) {
  // MLA caches one latent of kv_lora_rank + rope = 512 + 64 = 576 elements per token-layer, V a view of K
  // (PR #19067): 61 x 576 x 2 B = 70,272 B/token (methods.md §2.4); x 32768 = 2,302,672,896 B = 2.1445 GiB.
  const ModelSpec m = test::deepseek_v3();
  const KvCache kv = kv_of(m, ctx(32768));
  EXPECT_EQ(kv.bytes_per_token, 70272);
  EXPECT_EQ(kv.total.value(), 2302672896);
  EXPECT_NEAR(to_gib(kv.total), 2.14, 0.005);
  // q8_0 latent: 576/32 x 34 = 612 B x 61 = 37,332 B/token.
  EXPECT_EQ(kv_of(m, ctx(32768, "q8_0", "q8_0")).bytes_per_token, 37332);
}

TEST(KvCache, Glm47FlashMlaWithOtherSizes) {
  // Only kv_lora_rank + rope enter the cache, not GLM's wider heads (nope 192, v 256): 512 + 64 = 576
  // elements per token-layer, 47 x 576 x 2 B = 54,144 B/token (models_2026.yaml kv_cache_bytes_per_token_bf16);
  // x 32768 cells = 1,774,190,592 B.
  const KvCache kv = kv_of(test::glm_4_7_flash(), ctx(32768));
  EXPECT_EQ(kv.bytes_per_token, 54144);
  EXPECT_EQ(kv.total.value(), 1774190592);
  EXPECT_EQ(kv.per_layer[0].value(), 576 * 2 * 32768);  // the dense layer caches like the MoE ones
}

TEST(KvCache, DeepSeekSparseAttentionAddsTheIndexerKey) {
  // DeepSeek-V3.2: latent 576 + indexer key 128 = 704 elements per token-layer, in the K cache type:
  // f16 704 x 2 = 1,408 B x 61 layers = 85,888 B/token; x 32768 cells = 2,814,377,984 B.
  const ModelSpec v32 = test::deepseek_v3_2();
  const KvCache kv = kv_of(v32, ctx(32768));
  EXPECT_EQ(kv.bytes_per_token, 85888);
  EXPECT_EQ(kv.total.value(), 2814377984);
  // The indexer alone: 61 x 128 x 2 B x 32768 = 511,705,088 B on top of V3's 2,302,672,896.
  EXPECT_EQ(kv.total.value() - kv_of(test::deepseek_v3(), ctx(32768)).total.value(), 511705088);
  // q8_0: latent 576 / 32 x 34 = 612 B, indexer 128 / 32 x 34 = 136 B; 748 x 61 = 45,628 B/token.
  EXPECT_EQ(kv_of(v32, ctx(32768, "q8_0", "q8_0")).bytes_per_token, 45628);
  // GLM-5: 78 x 704 x 2 B = 109,824 B/token (the reference's 89,856 latent-only + 78 x 128 x 2 = 19,968).
  EXPECT_EQ(kv_of(test::glm_5(), ctx(4096)).bytes_per_token, 109824);
}

TEST(KvCache, NemotronHOnlyAttentionBlocksCache) {
  // Nemotron-3-Nano: 6 attention blocks x (K + V: 2 KV heads x 128) x 2 B = 6 x 1,024 = 6,144 B/token;
  // ctx 8192 -> 50,331,648 B. 23 Mamba-2 blocks, per sequence: conv (4 - 1) x (4096 + 2 x 8 x 128) = 18,432
  // + ssm 128 x 4096 = 524,288 -> 542,720 f32 = 2,170,880 B; x 23 = 49,930,240 B. The 23 MoE blocks hold nothing.
  const ModelSpec nano = test::nemotron_3_nano();
  const KvCache kv = kv_of(nano, ctx(8192));
  EXPECT_EQ(kv.bytes_per_token, 6144);
  EXPECT_EQ(kv.attention.value(), 50331648);
  EXPECT_EQ(kv.recurrent.value(), 49930240);
  EXPECT_EQ(kv.total.value(), 100261888);
  EXPECT_EQ(kv.per_layer[0].value(), 2170880);        // M
  EXPECT_EQ(kv.per_layer[1].value(), 0);              // E
  EXPECT_EQ(kv.per_layer[5].value(), 1024 * 8192);    // *
  // -np 2: two streams of 8192 cells and two states: 2 x 100,261,888.
  Workload np2 = ctx(8192);
  np2.parallel = 2;
  EXPECT_EQ(kv_of(nano, np2).total.value(), 200523776);
  // Nano-9B-v2: 4 attention blocks x (8 x 128 x 2) x 2 B = 16,384 B/token; ctx 8192 -> 134,217,728 B.
  // 27 Mamba-2 blocks: conv 3 x (10240 + 2048) = 36,864 + ssm 128 x 10240 = 1,310,720 -> 1,347,584 f32
  // = 5,390,336 B; x 27 = 145,539,072 B. Total 279,756,800 B.
  const KvCache kv9 = kv_of(test::nemotron_nano_9b_v2(), ctx(8192));
  EXPECT_EQ(kv9.bytes_per_token, 16384);
  EXPECT_EQ(kv9.recurrent.value(), 145539072);
  EXPECT_EQ(kv9.total.value(), 279756800);
}

TEST(KvCache, JambaStateIsConstantInContext) {
  // Mamba-1 state per layer per sequence: (d_conv-1) x d_inner + d_state x d_inner = 3 x 8192 + 16 x 8192
  // = 155,648 f32 elements = 622,592 B; 28 Mamba layers = 17,432,576 B (16.625 MiB).
  // Attention: 4 layers x 8 x 128 x 2 B x 2 = 4096 B/token-layer -> 16,384 B/token.
  const ModelSpec m = test::jamba();
  EXPECT_EQ(recurrent_state_elements(m.ssm), 155648);
  struct Row {
    std::int64_t context, parallel, recurrent, attention;
  };
  const Row rows[] = {
      {4096, 1, 17432576, 67108864},       // 4 x 4096 x 4096
      {262144, 1, 17432576, 4294967296},   // 4 x 262144 x 4096 = 4 GiB
      {4096, 2, 34865152, 134217728},      // one state and one stream per sequence
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.context);
    Workload w = ctx(r.context);
    w.parallel = r.parallel;
    const KvCache kv = kv_of(m, w);
    EXPECT_EQ(kv.recurrent.value(), r.recurrent);
    EXPECT_EQ(kv.attention.value(), r.attention);
    EXPECT_EQ(kv.total.value(), r.recurrent + r.attention);
    EXPECT_EQ(kv.per_layer[0].value(), r.recurrent / 28);  // layer 0 is Mamba
  }
}

TEST(KvCache, Qwen3NextHybrid) {
  // DeltaNet state per layer: conv (4-1) x (4096 + 2 x 16 x 128) = 24,576 + recurrent 128 x 4096 = 524,288
  // (models.yaml state_per_linear_layer) = 548,864 f32 = 2,195,456 B; 36 layers = 79,036,416 B.
  // 12 full layers x 2 KV heads x 256 x 2 B x 2 = 2048 B/token-layer -> 24,576 B/token; x 65536 = 1.5 GiB.
  const ModelSpec m = test::qwen3_next();
  EXPECT_EQ(recurrent_state_elements(m.ssm), 548864);
  const KvCache kv = kv_of(m, ctx(65536));
  EXPECT_EQ(kv.recurrent.value(), 79036416);
  EXPECT_EQ(kv.attention.value(), 1610612736);
  EXPECT_EQ(kv.bytes_per_token, 24576);
  EXPECT_EQ(kv_of(m, ctx(4096)).recurrent.value(), 79036416);
}

TEST(KvCache, Qwen3_5Hybrids) {
  // Qwen3.5-27B. DeltaNet state per layer and sequence (llama-hparams.cpp n_embd_r + n_embd_s):
  // conv (4-1) x (48x128 + 2 x 16 x 128) = 3 x (6144 + 4096) = 30,720 + recurrent 128 x 6144 = 786,432
  // (models_2026.yaml state_per_linear_layer: conv_elems 30720, recurrent_elems 786432) = 817,152 f32
  // = 3,268,608 B; 48 layers = 156,893,184 B (149.625 MiB) per sequence, whatever the context.
  // KV: 16 full layers x 4 KV heads x 256 x 2 B x 2 (K, V) = 4096 B/token-layer -> 65,536 B/token
  // (kv_cache_bytes_per_token_bf16 65536); x 32768 cells = 2,147,483,648 B (2 GiB).
  const ModelSpec dense = test::qwen3_5_27b();
  EXPECT_EQ(recurrent_state_elements(dense.ssm), 817152);
  const KvCache a = kv_of(dense, ctx(32768));
  EXPECT_EQ(a.bytes_per_token, 65536);
  EXPECT_EQ(a.attention.value(), 2147483648);
  EXPECT_EQ(a.recurrent.value(), 156893184);
  EXPECT_EQ(a.total.value(), 2147483648 + 156893184);
  EXPECT_EQ(a.per_layer[0].value(), 3268608);      // layer 0 is DeltaNet
  EXPECT_EQ(a.per_layer[3].value(), 134217728);    // layer 3 full: 4096 x 32768
  // Two sequences of 32768 (-np 2): two KV streams and two states.
  Workload two = ctx(32768);
  two.parallel = 2;
  const KvCache b = kv_of(dense, two);
  EXPECT_EQ(b.attention.value(), 2 * 2147483648LL);
  EXPECT_EQ(b.recurrent.value(), 2 * 156893184LL);
  // A q8_0 K/V cache shrinks the KV (256-wide rows: 8 blocks of 34 B = 272 B per head, 1088 B per K
  // row; 2176 B/token-layer, 34,816 B/token) but never the f32 state.
  const KvCache q = kv_of(dense, ctx(32768, "q8_0", "q8_0"));
  EXPECT_EQ(q.bytes_per_token, 34816);
  EXPECT_EQ(q.recurrent.value(), 156893184);

  // Qwen3.5-35B-A3B: state (4-1) x (32x128 + 2x16x128) + 128 x 4096 = 24,576 + 524,288 = 548,864 f32 =
  // 2,195,456 B, x 30 DeltaNet layers = 65,863,680 B (62.8 MiB). KV 10 layers x 2 x 256 x 2 B x 2 =
  // 20,480 B/token (20 KiB, kv_cache_bytes_per_token_bf16); at 262,144 tokens 5,368,709,120 B (5 GiB).
  const ModelSpec moe = test::qwen3_5_35b_a3b();
  const KvCache c = kv_of(moe, ctx(262144));
  EXPECT_EQ(c.bytes_per_token, 20480);
  EXPECT_EQ(c.attention.value(), 5368709120);
  EXPECT_EQ(c.recurrent.value(), 65863680);
}

TEST(KvCache, Qwen3VlIsQwen3Attention) {
  // Qwen3-VL-8B: every layer full, 36 x 8 KV heads x 128 x 2 B x 2 = 147,456 B/token (144 KiB,
  // kv_cache_bytes_per_token_bf16); x 8192 = 1,207,959,552 B. The ViT adds no cache; image tokens are
  // cached like text tokens.
  const KvCache kv = kv_of(test::qwen3_vl_8b(), ctx(8192));
  EXPECT_EQ(kv.bytes_per_token, 147456);
  EXPECT_EQ(kv.total.value(), 1207959552);
  EXPECT_EQ(kv.recurrent.value(), 0);
}

TEST(KvCache, MllamaCrossAttentionHoldsImageTokens) {
  // Llama 3.2 11B Vision, f16, -c 8192, one image:
  //   self-attention 32 layers x 8 x 128 x 2 (K, V) x 2 B = 131,072 B/token x 8192 = 1,073,741,824 B;
  //   cross-attention 8 layers x 4096 B x 6404 image tokens = 209,846,272 B, whatever the context.
  const ModelSpec m = test::llama_3_2_11b_vision();
  const KvCache kv = kv_of(m, ctx(8192));
  EXPECT_EQ(kv.bytes_per_token, 131072);
  EXPECT_EQ(kv.attention.value(), 1073741824);
  EXPECT_EQ(kv.cross.value(), 209846272);
  EXPECT_EQ(kv.cells_cross, 6404);
  EXPECT_EQ(kv.total.value(), 1073741824 + 209846272);
  EXPECT_EQ(kv.per_layer[3].value(), 8 * 128 * 2 * 2 * 6404);  // 26,230,784 B in each cross layer
  EXPECT_EQ(kv.per_layer[4].value(), 8 * 128 * 2 * 2 * 8192);  // 33,554,432 B in each self layer
  EXPECT_EQ(kv_of(m, ctx(100000)).cross, kv.cross);             // independent of the context
  // q8_0 (34 B per 32 values): K row 1024 / 32 x 34 = 1088 B, K + V 2176 B; 8 x 2176 x 6404 = 111,480,832 B.
  EXPECT_EQ(kv_of(m, ctx(8192, "q8_0", "q8_0")).cross.value(), 111480832);
  // Three sequences of two images: 6 x 209,846,272; no image (--images 0 or --text-only): nothing.
  Workload w = ctx(8192);
  w.images = 2;
  w.parallel = 3;
  EXPECT_EQ(kv_of(m, w).cross.value(), 6 * std::int64_t{209846272});
  w.images = 0;
  EXPECT_EQ(kv_of(m, w).cross.value(), 0);
  w.images = 1;
  w.include_vision = false;
  EXPECT_EQ(kv_of(m, w).cross.value(), 0);
  // A cross layer without image tokens per image is refused by validate().
  ModelSpec bad = m;
  bad.vision.tokens_per_image = 0;
  EXPECT_THROW(validate(bad), CoreError);
}

TEST(KvCache, MoeDoesNotChangeKv) {
  // Qwen3-30B-A3B: 48 x 4 x 128 x 2 B x 2 = 98,304 B/token; x 4096 = 402,653,184, with or without experts.
  ModelSpec moe = test::qwen3_30b_a3b();
  ModelSpec dense = moe;
  dense.moe = MoeSpec{};
  dense.ffn = 6144;
  EXPECT_EQ(kv_of(moe, ctx(4096)).total.value(), 402653184);
  EXPECT_EQ(kv_of(dense, ctx(4096)).total.value(), 402653184);
}

TEST(KvCache, RejectedWorkloads) {
  const ModelSpec llama = test::llama_3_1_8b();
  ModelSpec odd = llama;  // 1 KV head of 80: 80 is not a whole number of 32-blocks
  odd.kv_heads = 1;
  odd.head_dim_k = odd.head_dim_v = 80;
  struct Row {
    const char* why;
    ModelSpec m;
    Workload w;
    ErrorKind kind;
  };
  Workload qv_no_fa = ctx(8192, "q8_0", "q8_0");
  qv_no_fa.flash_attention = false;  // llama.cpp: "quantized V cache was requested, but this requires Flash Attention"
  Workload zero_ctx = ctx(0);
  Workload zero_par = ctx(4096);
  zero_par.parallel = 0;
  const Row rows[] = {
      {"quantized V without flash attention", llama, qv_no_fa, ErrorKind::invalid_workload},
      {"q4_K is not a KV cache type", llama, ctx(4096, "q4_K", "f16"), ErrorKind::unknown_type},
      {"context 0", llama, zero_ctx, ErrorKind::invalid_workload},
      {"parallel 0", llama, zero_par, ErrorKind::invalid_workload},
      {"80-wide rows in q8_0", odd, ctx(4096, "q8_0", "q8_0"), ErrorKind::invalid_workload},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.why);
    try {
      (void)kv_of(r.m, r.w);
      ADD_FAILURE() << "accepted: " << r.why;
    } catch (const CoreError& e) {
      EXPECT_EQ(e.kind(), r.kind);
    }
  }
}

TEST(KvCache, OneLayerOverflowThrows) {
  // 64 KV heads x 256 x 2 B x 2 = 65,536 B/token-layer; 2^31 cells x 65536 streams x 2^16 B = 2^63 > INT64_MAX.
  ModelSpec m = test::llama_3_1_8b();
  m.heads = m.kv_heads = 64;
  m.head_dim_k = m.head_dim_v = 256;
  Workload w = ctx(std::int64_t{1} << 31);
  w.parallel = 65536;
  try {
    (void)kv_of(m, w);
    FAIL() << "expected CoreError(overflow)";
  } catch (const CoreError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::overflow);
  }
}

TEST(KvCache, SumOverLayersOverflowThrows) {
  // Llama f16: 4096 B/token-layer x 2^31 cells x 65536 streams = 2^59 B per layer (checked, fits), but
  // 32 layers sum to 2^64 B, which must also fail loudly ("byte counts of absurd inputs must fail loudly,
  // never wrap", units.hpp) instead of wrapping.
  Workload w = ctx(std::int64_t{1} << 31);
  w.parallel = 65536;
  try {
    const KvCache kv = kv_of(test::llama_3_1_8b(), w);
    FAIL() << "expected CoreError(overflow), got total = " << kv.total.value();
  } catch (const CoreError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::overflow);
  }
}

}  // namespace
}  // namespace vramfit
