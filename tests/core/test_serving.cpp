// serving.hpp: the vLLM-style memory pool and runtime.hpp's forward_compute, worked out by hand.
#include <gtest/gtest.h>

#include "fixtures.hpp"
#include "vramfit/runtime.hpp"
#include "vramfit/serving.hpp"
#include "vramfit/weights.hpp"

namespace vramfit {
namespace {

// Llama-3.1-8B in bf16: 8,030,261,248 params x 2 B (untied, no vision).
WeightBreakdown bf16_weights_8b() {
  WeightBreakdown w;
  w.total = Bytes(16060522496);
  return w;
}

PoolConfig vllm_defaults() {
  PoolConfig c;
  c.fraction = 0.9;
  c.block_tokens = 16;
  c.max_batched_tokens = 8192;
  c.max_seqs = 256;
  c.non_torch = mib(std::int64_t{512});
  c.cuda_graphs = gib(std::int64_t{1});
  return c;
}

TEST(Serving, KvBytesPerTokenSplitsHeadsOverTensorParallel) {
  const ModelSpec m = test::llama_3_1_8b();
  const TensorType& bf16 = test::types().get("bf16");
  // 32 layers x 8 KV heads x 128 x 2 (K, V) x 2 B = 131,072 B; TP 2: 4 heads each; TP 16: 1 head (replicated).
  EXPECT_EQ(pool_bytes_per_token(m, bf16, 1), 131072);
  EXPECT_EQ(pool_bytes_per_token(m, bf16, 2), 65536);
  EXPECT_EQ(pool_bytes_per_token(m, bf16, 16), 16384);
  // MLA: one latent of kv_lora 512 + rope 64 per layer, not split: 61 x 576 x 2 B = 70,272 B.
  EXPECT_EQ(pool_bytes_per_token(test::deepseek_v3(), bf16, 8), 70272);
}

TEST(Serving, ActivationPeakOfTheProfilingPass) {
  // Llama-3.1-8B, 8192 tokens: per token 2x4096 (residual + norm) + 6144 (Q 4096 + K, V 1024 each)
  // + 4096 (attention output) + 2x14336 (gate, up) = 47,104 values x 2 B x 8192 = 771,751,936 B;
  // 256 sampled rows x 128,256 vocab x (4 B logits + 4 B probabilities) = 262,668,288 B.
  const ComputeTerms c = forward_compute(test::llama_3_1_8b(), 8192, 256, true);
  EXPECT_EQ(c.total().value(), 771751936 + 262668288);
  // Under tensor parallel 2 the Q/K/V, attention output and FFN values halve, the residual stream and
  // the logits do not: 8192 x (8192 + 3072 + 2048 + 14336) x 2 B + 262,668,288 = 715,653,120 B.
  EXPECT_EQ(forward_compute(test::llama_3_1_8b(), 8192, 256, true, 2).total().value(), 452984832 + 262668288);
}

TEST(Serving, VllmBudgetOnOneH100) {
  // requested = 0.9 x 80 GiB = 77,309,411,328 B; minus weights 16,060,522,496, activations 1,034,420,224
  // and non-torch 536,870,912 = 59,677,597,696 B of KV; / (131,072 B x 16 tokens) = 28,456 blocks
  // (floor of 28,456.3) = 455,296 tokens; 3.47 requests of 131,072 tokens.
  const PoolMemory p = kv_pool(test::llama_3_1_8b(), bf16_weights_8b(), test::types().get("bf16"),
                               gib(std::int64_t{80}), vllm_defaults());
  EXPECT_EQ(p.requested.value(), 77309411328);
  EXPECT_EQ(p.kv_available.value(), 59677597696);
  EXPECT_EQ(p.page_bytes, 2097152);
  EXPECT_EQ(p.blocks, 28456);
  EXPECT_EQ(p.kv_tokens, 455296);
  EXPECT_NEAR(p.concurrency(131072), 3.4736, 1e-4);
  EXPECT_EQ(p.headroom.value(), 85899345920 - 77309411328);
  EXPECT_TRUE(p.graphs_fit);  // 1 GiB of graphs in 8 GiB
}

// A tied-embedding model keeps its one embedding matrix in the pool's weights (issue 20: vLLM loaded
// Qwen2.5-3B AWQ with 2.06 GB of weights where the pool counted 1.44 GB, the embedding dropped).
// Qwen2.5-0.5B in bf16: 494,032,768 parameters (the Hugging Face page's count) x 2 B = 988,065,536 B,
// of which the tied embedding is 151,936 x 896 x 2 B = 272,269,312 B; TP 2 halves the whole.
TEST(Serving, TiedEmbeddingsStayInThePoolWeights) {
  QuantMix bf16;
  bf16.id = "hf-bf16";
  bf16.format = "safetensors";
  bf16.base = bf16.output = bf16.unquantized = bf16.vision = "bf16";
  const ModelSpec m = test::qwen2_5_0_5b();
  const WeightBreakdown w = weight_bytes(m, bf16, test::types());
  ASSERT_EQ(w.token_embd.value(), 272269312);
  const PoolMemory p = kv_pool(m, w, test::types().get("bf16"), gib(std::int64_t{24}), vllm_defaults());
  EXPECT_EQ(p.weights.value(), 988065536);
  PoolConfig tp2 = vllm_defaults();
  tp2.tp = 2;
  EXPECT_EQ(kv_pool(m, w, test::types().get("bf16"), gib(std::int64_t{24}), tp2).weights.value(), 494032768);
}

TEST(Serving, NothingLeftForTheKvCache) {
  // One 24 GiB GPU: weights + activations + non-torch = 17,631,813,632 B. At 0.9 the request is
  // 23,192,823,398 B, leaving 5,561,009,766 B = 2,651 blocks; at 0.7 (18,038,862,643 B) 407,049,011 B
  // = 194 blocks; at 0.6 (15,461,882,265 B) nothing is left.
  PoolConfig c = vllm_defaults();
  const auto run = [&](double f) {
    c.fraction = f;
    return kv_pool(test::llama_3_1_8b(), bf16_weights_8b(), test::types().get("bf16"), gib(std::int64_t{24}), c);
  };
  EXPECT_EQ(run(0.9).blocks, 2651);
  EXPECT_EQ(run(0.7).blocks, 194);
  EXPECT_EQ(run(0.6).blocks, 0);
  EXPECT_EQ(run(0.6).kv_available.value(), 0);
}

TEST(Serving, FreeMemoryBaseTakesAShareOfWhatIsLeft) {
  // TensorRT-LLM style: 0.9 x (80 GiB - weights - activations - non-torch - graphs 0)
  // = 0.9 x 68,267,532,288 = 61,440,779,059 B -> 29,297 blocks of 16 tokens.
  PoolConfig c = vllm_defaults();
  c.base = PoolBase::free;
  c.cuda_graphs = Bytes{0};
  const PoolMemory p = kv_pool(test::llama_3_1_8b(), bf16_weights_8b(), test::types().get("bf16"), gib(std::int64_t{80}), c);
  EXPECT_EQ(p.kv_available.value(), 61440779059);
  EXPECT_EQ(p.blocks, 29297);
}

TEST(Runtime, ForwardComputeOfOnePass) {
  // transformers, 8B, a 4096-token prompt: inputs 2 x 2 B x 4096 x 4096 = 67,108,864; attention
  // 2 B x 4096 x (4096 + 2048 + 4096) = 83,886,080; FFN 2 B x 4096 x 2 x 14336 = 234,881,024;
  // logits 8 B x 128,256 = 1,026,048; total = inputs + max = 301,989,888 B.
  const ComputeTerms c = forward_compute(test::llama_3_1_8b(), 4096, 1, false);
  EXPECT_EQ(c.inputs.value(), 67108864);
  EXPECT_EQ(c.attention.value(), 83886080);
  EXPECT_EQ(c.ffn.value(), 234881024);
  EXPECT_EQ(c.logits.value(), 1026048);
  EXPECT_EQ(c.total().value(), 301989888);
}

}  // namespace
}  // namespace vramfit
