// Extreme inputs through the core: a 10-million-token context, a 2-trillion-parameter model, 1000
// GPUs give exact numbers; past 2^63 - 1 bytes or elements the core throws an overflow error instead
// of wrapping (units.hpp checked arithmetic). Expected values are worked out by hand below.
#include <gtest/gtest.h>

#include "fixtures.hpp"
#include "placement_fixtures.hpp"
#include "vramfit/memory.hpp"
#include "vramfit/placement.hpp"

namespace vramfit {
namespace {

using test::types;

constexpr std::int64_t k10M = 10 * 1024 * 1024;  // "-c 10M" = 10,485,760 tokens, a multiple of the 256-cell pad

// A dense llama-shaped model of about 2 trillion parameters:
//   per block: norms 2*32768 = 65,536; attn_q and attn_output 32768*32768 = 1,073,741,824 each;
//   attn_k and attn_v 32768*(8*128) = 33,554,432 each; gate/up/down 32768*98304 = 3,221,225,472 each
//   -> 65,536 + 2,147,483,648 + 67,108,864 + 9,663,676,416 = 11,878,334,464 per block;
//   168 blocks = 1,995,560,189,952; token_embd + output 2*262144*32768 = 17,179,869,184; output_norm 32,768
//   -> 2,012,740,091,904 parameters.
ModelSpec dense_2t() {
  ModelSpec m;
  m.id = "dense-2t";
  m.architecture = "llama";
  m.layers = 168;
  m.hidden = 32768;
  m.heads = 256;
  m.kv_heads = 8;
  m.head_dim_k = m.head_dim_v = 128;
  m.ffn = 98304;
  m.vocab = 262144;
  m.max_context = k10M;
  return m;
}

TEST(Overflow, TwoTrillionParametersCountExactly) {
  EXPECT_EQ(count_params(dense_2t()).total, 2'012'740'091'904);
}

TEST(Overflow, TwoTrillionParametersF16WeightsExact) {
  // Matrices f16 (2 B), norms f32 (4 B): norm elements 168*65,536 + 32,768 = 11,042,816;
  // matrix elements 2,012,740,091,904 - 11,042,816 = 2,012,729,049,088;
  // bytes 2*2,012,729,049,088 + 4*11,042,816 = 4,025,458,098,176 + 44,171,264 = 4,025,502,269,440.
  const WeightBreakdown w = weight_bytes(dense_2t(), test::mix_f16(), types());
  EXPECT_EQ(w.total.value(), 4'025'502'269'440);
  EXPECT_EQ(w.params, 2'012'740'091'904);
}

TEST(Overflow, TenMillionTokenContextKv) {
  Workload w;
  w.context = k10M;
  // Llama 3.1 8B: 32 layers * 2 (K, V) * 8 KV heads * 128 * 2 B = 131,072 B per token;
  // * 10,485,760 tokens = 1,374,389,534,720 B (1280 GiB).
  const MemoryEstimate e8 = estimate_memory(test::llama_3_1_8b(), test::mix_q8_0(), types(), w);
  EXPECT_EQ(e8.kv.total.value(), 1'374'389'534'720);
  EXPECT_EQ(e8.kv.bytes_per_token, 131'072);
  // The 2T model: 168 * 2 * 8 * 128 * 2 B = 688,128 B per token; * 10,485,760 = 7,215,545,057,280 B.
  const MemoryEstimate e2t = estimate_memory(dense_2t(), test::mix_f16(), types(), w);
  EXPECT_EQ(e2t.kv.total.value(), 7'215'545'057'280);
}

TEST(Overflow, LargestWorkloadStaysExact) {
  // Context 2^31 x 65,536 sequences on Llama 3.1 8B: 131,072 B * 2^31 * 2^16 = 2^17 * 2^47 = 2^64 bytes:
  // one past 2^63 - 1, so an overflow error, not a wrapped (negative or small) size.
  Workload w;
  w.context = std::int64_t{1} << 31;
  w.parallel = 65536;
  try {
    (void)estimate_memory(test::llama_3_1_8b(), test::mix_q8_0(), types(), w);
    FAIL() << "expected an overflow error";
  } catch (const CoreError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::overflow);
  }
  // Half the sequences: 2^63 bytes, still one past the largest int64.
  w.parallel = 32768;
  EXPECT_THROW((void)estimate_memory(test::llama_3_1_8b(), test::mix_q8_0(), types(), w), CoreError);
  // A quarter: 2^62 bytes = 4,611,686,018,427,387,904, exact.
  w.parallel = 16384;
  EXPECT_EQ(estimate_memory(test::llama_3_1_8b(), test::mix_q8_0(), types(), w).kv.total.value(),
            std::int64_t{1} << 62);
}

TEST(Overflow, ComputeBufferWithoutFlashAttention) {
  // The attention scores without flash attention: 4 B * cells * ubatch * heads. With 2^31 cells, a
  // 2^20-token ubatch and 65,536 heads that is 2^2 * 2^31 * 2^20 * 2^16 = 2^69 bytes: an error.
  ModelSpec m = test::llama_3_1_8b();
  m.heads = 65536;
  m.kv_heads = 8;
  Workload w;
  w.context = std::int64_t{1} << 31;
  w.ubatch = w.batch = 1 << 20;
  w.flash_attention = false;
  try {
    (void)compute_buffer(m, w, w.context);
    FAIL() << "expected an overflow error";
  } catch (const CoreError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::overflow);
  }
  // Llama 3.1 8B's own 32 heads: 4 * 2^31 * 2^20 * 32 = 2^58 = 288,230,376,151,711,744 B, exact.
  EXPECT_EQ(compute_buffer(test::llama_3_1_8b(), w, w.context).attention.value(),
            (std::int64_t{1} << 58) + 3 * 4 * 4096 * (std::int64_t{1} << 20));
}

TEST(Overflow, OneTensorPastTwoTo63Throws) {
  // 65,536 experts of 2^24 x 2^24: one stacked expert tensor has 2^64 elements.
  ModelSpec m = test::llama_3_1_8b();
  m.hidden = std::int64_t{1} << 24;
  m.moe.experts = 65536;
  m.moe.experts_per_token = 8;
  m.moe.expert_ffn = std::int64_t{1} << 24;
  EXPECT_THROW((void)count_params(m), CoreError);
  EXPECT_THROW((void)weight_bytes(m, test::mix_f16(), types()), CoreError);
}

TEST(Overflow, SumPastTwoTo63Throws) {
  // Every tensor fits, the sum does not: 65,536 blocks of three 2^24 x 2^24 f32 FFN matrices
  // (2^50 B each) are 3 * 2^66 bytes.
  ModelSpec m = test::llama_3_1_8b();
  m.layers = 65536;
  m.hidden = m.ffn = std::int64_t{1} << 24;
  m.heads = 1;
  m.kv_heads = 1;
  m.head_dim_k = m.head_dim_v = 128;
  QuantMix f32 = test::mix_f16();
  f32.base = f32.output = "f32";
  try {
    (void)weight_bytes(m, f32, types());
    FAIL() << "expected an overflow error";
  } catch (const CoreError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::overflow);
  }
}

TEST(Overflow, ThousandGpus) {
  // 2000 blocks of 100 MiB weights + 8 MiB KV (placement_fixtures.hpp) on 1000 GPUs of 24 GiB: every
  // block is placed once, the output head (400 MiB) on the last GPU, token_embd (300 MiB) in host RAM.
  ModelSpec m = test::llama_3_1_8b();
  m.layers = 2000;
  const MemoryEstimate e = test::synthetic(2000);
  PlacementRequest req;
  for (int i = 0; i < 1000; ++i)
    req.gpus.push_back(Target{"gpu", gib(std::int64_t{24}), Bytes{0}, mib(457), gb_per_s(1000)});
  const Placement p = place(m, e, req);
  EXPECT_EQ(p.verdict, Verdict::fits);
  ASSERT_EQ(p.gpus.size(), 1000u);
  std::int64_t layers = 0;
  Bytes weights{0}, kv{0};
  for (const DevicePlan& d : p.gpus) {
    layers += d.layer_count;
    weights += d.weights;
    kv += d.kv;
  }
  EXPECT_EQ(layers, 2000);
  EXPECT_EQ(weights, mib(100) * 2000 + mib(400));
  EXPECT_EQ(kv, mib(8) * 2000);
  EXPECT_EQ(p.host.weights, mib(300));
}

}  // namespace
}  // namespace vramfit
