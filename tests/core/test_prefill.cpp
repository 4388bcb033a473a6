// prefill.hpp: prompt FLOPs (projections, causal attention with sliding windows, the last token's logits),
// achieved throughput from the device peak for the weight format or per byte of bandwidth, the weight-read
// floor per n_ubatch pass, llama.cpp's op_offload of host weights, and the time to first token
// (methods.md §6.3). Profiles are made up for the arithmetic; data/speed.yaml is checked by bench/accuracy.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "fixtures.hpp"
#include "speed_fixtures.hpp"
#include "vramfit/prefill.hpp"

namespace vramfit {
namespace {

Target gpu(const char* label, double gbs) { return test::speed_gpu(label, gbs); }

MemoryEstimate estimate(const ModelSpec& m, const QuantMix& mix, std::int64_t context = 8192) {
  return test::speed_estimate(m, mix, context);
}

using test::cuda_gpu;
using test::host_cpu;
using test::profile;

TEST(SpeedPrefill, CausalPairsAndAttentionFlops) {
  // sum over c = 1..P of min(c, W): full 512 x 513 / 2; window 128: 128 x 129 / 2 + 384 x 128.
  EXPECT_DOUBLE_EQ(causal_pairs(512, 0), 131328.0);
  EXPECT_DOUBLE_EQ(causal_pairs(512, 128), 8256.0 + 49152.0);
  EXPECT_DOUBLE_EQ(causal_pairs(100, 128), 5050.0);  // window longer than the prompt: full
  // Llama-3.1-8B layer: QK^T and PV over 32 heads x 128 = 4096 wide: 2 x (4096 + 4096) x 131,328.
  EXPECT_DOUBLE_EQ(attention_flops(test::llama_3_1_8b(), 0, 512), 2.0 * 8192 * 131328);
  // gpt-oss: layer 0 slides over 128 tokens, layer 1 is full; 64 heads x 64 = 4096 wide.
  EXPECT_DOUBLE_EQ(attention_flops(test::gpt_oss_20b(), 0, 512), 2.0 * 8192 * 57408);
  EXPECT_DOUBLE_EQ(attention_flops(test::gpt_oss_20b(), 1, 512), 2.0 * 8192 * 131328);
  // Mamba blocks have no quadratic term.
  EXPECT_DOUBLE_EQ(attention_flops(test::jamba(), 0, 512), 0.0);
}

TEST(SpeedPrefill, FlopsOfAPrompt) {
  // Llama-3.1-8B block: q 4096x4096 + k, v 4096x1024 + o 4096x4096 = 41,943,040; FFN 3 x 4096 x 14336 =
  // 176,160,768; norms 8192 -> 218,112,000 parameters. 512 tokens: 32 x (2 x 218,112,000 x 512 +
  // 2,151,677,952) + the output head for the last token 2 x 4096 x 128256 = 7,216,998,383,616 FLOPs.
  EXPECT_DOUBLE_EQ(active_params_per_layer(test::llama_3_1_8b())[0], 218112000.0);
  EXPECT_DOUBLE_EQ(prefill_flops(test::llama_3_1_8b(), 512).value(), 7216998383616.0);
  // MoE: a token multiplies 8 of the 128 experts of a block (Qwen3-30B-A3B: 128 x 3 x 2048 x 768 =
  // 603,979,776 expert parameters), so the active count is 603,979,776 x (1 - 8/128) below the all-experts one.
  const ModelSpec q = test::qwen3_30b_a3b();
  const double all = active_params_per_layer(q)[0];
  ModelSpec dense_q = q;
  dense_q.moe.experts_per_token = dense_q.moe.experts;
  EXPECT_NEAR(active_params_per_layer(dense_q)[0] - all, 603979776.0 * (1 - 8.0 / 128), 1e-3);
}

TEST(SpeedPrefill, ExpertsTouchedByABatch) {
  const ModelSpec q = test::qwen3_30b_a3b();  // 8 of 128
  EXPECT_DOUBLE_EQ(experts_touched(q, 1), 0.0625);
  EXPECT_NEAR(experts_touched(q, 4), 1 - 0.9375 * 0.9375 * 0.9375 * 0.9375, 1e-15);
  EXPECT_GT(experts_touched(q, 512), 0.999999);
  EXPECT_DOUBLE_EQ(experts_touched(test::llama_3_1_8b(), 1), 1.0);
}

TEST(SpeedPrefill, ComputeBoundPromptAndTimeToFirstToken) {
  // Llama-3.1-8B Q4_K_M (quantized: int8 peak), 512 tokens, one pass. Achieved 0.2 x 660.6 TOPS =
  // 132.12 TFLOP/s: 7,216,998,383,616 / 1.3212e14 = 54.6246 ms. Weight read 4,617,398,528 / 0.8064e12 =
  // 5.7259 ms: compute bound. TTFT adds one decode step at position 512:
  // (4,617,398,528 + 512 x 131,072) / 0.8064e12 + 33 x 20 us + 500 us.
  const ModelSpec m = test::llama_3_1_8b();
  const MemoryEstimate e = estimate(m, test::mix_q4_k_m(), 4096);
  PlacementRequest req;
  req.gpus = {gpu("RTX 4090", 1008)};
  const Placement p = place(m, e, req);
  const std::vector<SpeedProfile> ps = {profile("cuda", 0.8, 20, 500)};
  const SpeedSetup s{{cuda_gpu(1008)}, host_cpu(96), &ps};
  const PrefillSpeed f = prefill_speed(m, e, p, s, 512, 512);
  ASSERT_TRUE(f.known);
  const double tc = 7216998383616.0 / 1.3212e14;
  EXPECT_NEAR(f.flops.value(), 7216998383616.0, 1.0);
  EXPECT_NEAR(f.compute_time.value(), tc, 1e-12);
  EXPECT_NEAR(f.read_time.value(), 4617398528 / 0.8064e12, 1e-12);
  EXPECT_TRUE(f.compute_bound);
  EXPECT_NEAR(f.time.value(), tc, 1e-12);
  EXPECT_NEAR(f.tokens_per_second.value(), 512 / tc, 1e-6);
  EXPECT_NEAR(f.low.value(), 0.8 * 512 / tc, 1e-6);
  EXPECT_NEAR(f.high.value(), 1.25 * 512 / tc, 1e-6);
  const double first = (4617398528.0 + 512 * 131072.0) / 0.8064e12 + 33 * 20e-6 + 500e-6;
  EXPECT_NEAR(f.ttft.value(), tc + first, 1e-12);
  EXPECT_NEAR(f.ttft_low.value(), tc / 1.25 + first / 1.1, 1e-12);
  EXPECT_NEAR(f.ttft_high.value(), tc / 0.8 + first / 0.9, 1e-12);
  // F16 weights use the FP16 peak and the float efficiency: 0.5 x 330.3 = 165.15 TFLOP/s.
  const MemoryEstimate e16 = estimate(m, test::mix_f16(), 4096);
  const PrefillSpeed f16 = prefill_speed(m, e16, place(m, e16, req), s, 512, 512);
  ASSERT_TRUE(f16.known);
  EXPECT_NEAR(f16.compute_time.value(), 7216998383616.0 / 1.6515e14, 1e-12);
}

TEST(SpeedPrefill, BandwidthFloorWhenComputeIsCheap) {
  // A device with a huge tensor rate: 4096 tokens in 8 passes of 512, each reading the 4,617,398,528 B of
  // blocks + head at 0.8 x 1008 GB/s: 8 x 5.7259 ms = 45.807 ms, slower than the compute.
  const ModelSpec m = test::llama_3_1_8b();
  const MemoryEstimate e = estimate(m, test::mix_q4_k_m(), 8192);
  PlacementRequest req;
  req.gpus = {gpu("fast", 1008)};
  const Placement p = place(m, e, req);
  const std::vector<SpeedProfile> ps = {profile("cuda", 0.8, 20, 500)};
  const SpeedSetup s{{cuda_gpu(1008, 1e6, 1e6)}, host_cpu(96), &ps};
  const PrefillSpeed f = prefill_speed(m, e, p, s, 4096, 512);
  ASSERT_TRUE(f.known);
  EXPECT_FALSE(f.compute_bound);
  EXPECT_NEAR(f.time.value(), 8 * 4617398528 / 0.8064e12, 1e-12);
}

TEST(SpeedPrefill, HostBlocksRunOnTheGpuOverItsLink) {
  // -ngl 16: blocks 16..31 on the GPU (2,093,219,840 B), blocks 0..15 + output in host RAM (2,524,178,688 B).
  // A block is 225,498,365,952 FLOPs for 512 tokens (FlopsOfAPrompt); the output head 1,050,673,152.
  // From 32 tokens a pass, llama.cpp computes the host blocks on the GPU (op_offload), copying their
  // weights over PCIe (25 GB/s here) every pass:
  //   GPU part  max(16 x 225,498,365,952 / 1.3212e14 = 27.308 ms, 2,093,219,840 / 0.8064e12 = 2.596 ms)
  //   host part max(3,609,024,528,384 / 1.3212e14 = 27.316 ms, 2,524,178,688 / 25e9 = 100.967 ms)
  const ModelSpec m = test::llama_3_1_8b();
  const MemoryEstimate e = estimate(m, test::mix_q4_k_m(), 4096);
  PlacementRequest req;
  req.gpus = {gpu("RTX 4090", 1008)};
  req.host.label = "RAM";
  req.host.bandwidth = gb_per_s(102.4);
  req.gpu_layers = 16;
  const Placement p = place(m, e, req);
  SpeedProfile cpu = profile("cpu", 0.5, 0, 0);
  cpu.flops_per_byte = 10;  // 10 x 102.4 GB/s = 1.024 TFLOP/s on the host
  const std::vector<SpeedProfile> ps = {profile("cuda", 0.8, 20, 500), cpu};
  SpeedDevice g = cuda_gpu(1008);
  g.host_link = gb_per_s(25);
  const SpeedSetup s{{g}, host_cpu(102.4), &ps};
  const double block = 225498365952.0;
  const PrefillSpeed f = prefill_speed(m, e, p, s, 512, 512);
  ASSERT_TRUE(f.known);
  EXPECT_NEAR(f.time.value(), 16 * block / 1.3212e14 + 2524178688.0 / 25e9, 1e-12);
  EXPECT_FALSE(f.compute_bound);
  // 16 tokens: below llama.cpp's 32, the host computes its own blocks at 1.024 TFLOP/s.
  //   GPU part max(16 x 6,981,812,224 / 1.3212e14, 2.596 ms); host part max(112,759,668,736 / 1.024e12
  //   = 110.12 ms, 2,524,178,688 / (0.5 x 102.4e9) = 49.30 ms)
  const double small = 2.0 * 218112000 * 16 + 2.0 * 8192 * 136;
  const PrefillSpeed t = prefill_speed(m, e, p, s, 16, 512);
  ASSERT_TRUE(t.known);
  EXPECT_NEAR(t.time.value(), 2093219840 / 0.8064e12 + (16 * small + 1050673152.0) / 1.024e12, 1e-12);
  // No link known: the host computes at any batch size.
  const SpeedSetup no_link{{cuda_gpu(1008)}, host_cpu(102.4), &ps};
  EXPECT_NEAR(prefill_speed(m, e, p, no_link, 512, 512).time.value(),
              16 * block / 1.3212e14 + (16 * block + 1050673152.0) / 1.024e12, 1e-12);
}

TEST(SpeedPrefill, DevicesWithoutAPeakUseFlopsPerByteAndMoeTheFactor) {
  // No tensor figure (Apple): achieved = flops_per_byte x bandwidth = 20 x 400 GB/s = 8 TFLOP/s.
  const ModelSpec m = test::llama_3_1_8b();
  const MemoryEstimate e = estimate(m, test::mix_q4_k_m(), 4096);
  PlacementRequest req;
  req.gpus = {gpu("mac", 400)};
  const Placement p = place(m, e, req);
  SpeedProfile metal = profile("metal", 0.8, 0, 0);
  metal.flops_per_byte = 20;
  const std::vector<SpeedProfile> ps = {metal};
  SpeedDevice mac;
  mac.backend = "metal";
  mac.device_class = "apple";
  mac.bandwidth = gb_per_s(400);
  const SpeedSetup s{{mac}, host_cpu(400), &ps};
  const PrefillSpeed f = prefill_speed(m, e, p, s, 512, 512);
  ASSERT_TRUE(f.known);
  EXPECT_NEAR(f.compute_time.value(), 7216998383616.0 / 8e12, 1e-12);
  // With a GPU core count and flops_per_core, the cores set the rate: 250 GFLOP/s x 40 cores = 10 TFLOP/s,
  // whatever the bandwidth; a device whose core count is not known keeps the bandwidth rule.
  metal.flops_per_core = 250e9;
  SpeedDevice cores = mac;
  cores.gpu_cores = 40;
  const std::vector<SpeedProfile> by_core = {metal};
  EXPECT_NEAR(prefill_speed(m, e, p, SpeedSetup{{cores}, host_cpu(400), &by_core}, 512, 512).compute_time.value(),
              7216998383616.0 / 10e12, 1e-12);
  EXPECT_NEAR(prefill_speed(m, e, p, SpeedSetup{{mac}, host_cpu(400), &by_core}, 512, 512).compute_time.value(),
              7216998383616.0 / 8e12, 1e-12);
  metal.flops_per_core = 0;
  // Without flops_per_byte the prompt cannot be timed.
  metal.flops_per_byte = 0;
  const std::vector<SpeedProfile> none = {metal};
  EXPECT_FALSE(prefill_speed(m, e, p, SpeedSetup{{mac}, host_cpu(400), &none}, 512, 512).known);
  // A MoE model runs at moe_factor of the dense throughput: compute time / 0.25.
  const ModelSpec q = test::qwen3_30b_a3b();
  const MemoryEstimate eq = estimate(q, test::mix_q8_0(), 4096);
  PlacementRequest big;
  big.gpus = {gpu("big", 1008)};
  const Placement pq = place(q, eq, big);
  SpeedProfile c = profile("cuda", 0.8, 0, 0);
  std::vector<SpeedProfile> one = {c};
  const SpeedSetup sq{{cuda_gpu(1008)}, host_cpu(96), &one};
  const double dense_rate = prefill_speed(q, eq, pq, sq, 512, 512).compute_time.value();
  one.front().moe_factor = 0.25;
  EXPECT_NEAR(prefill_speed(q, eq, pq, sq, 512, 512).compute_time.value(), dense_rate / 0.25, 1e-12);
}

}  // namespace
}  // namespace vramfit
