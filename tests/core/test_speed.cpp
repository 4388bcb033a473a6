// speed.hpp (and the per-token reads of memory.hpp): decode upper bound = every active weight byte plus
// the KV it attends over, streamed once per token at each device's bandwidth (methods.md §6.1, §6.2); the
// calibrated decode (bytes over achieved bandwidth + fixed costs per layer and token) and profile lookup.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "fixtures.hpp"
#include "speed_fixtures.hpp"
#include "vramfit/speed.hpp"

namespace vramfit {
namespace {

Target gpu(const char* label, double gbs) { return test::speed_gpu(label, gbs); }

MemoryEstimate estimate(const ModelSpec& m, const QuantMix& mix, std::int64_t context = 8192) {
  return test::speed_estimate(m, mix, context);
}

// Llama-3.1-8B Q4_K_M (see test_weights.cpp): blocks 16 x 122,716,160 + 16 x 138,936,320 = 4,186,439,680 B;
// output head 430,956,544 B + one token_embd row 2304 B = 430,958,848 B. f16 KV: 32 x 4096 B per token.
TEST(Speed, DenseSingleGpuDecodeBound) {
  const ModelSpec m = test::llama_3_1_8b();
  const MemoryEstimate e = estimate(m, test::mix_q4_k_m());
  EXPECT_EQ(e.output_active.value(), 430958848);
  PlacementRequest req;
  req.gpus = {gpu("RTX 4090", 1008)};
  const Placement p = place(m, e, req);
  ASSERT_EQ(p.verdict, Verdict::fits);
  struct Row {
    std::int64_t position;
    std::int64_t bytes;
    double seconds;
  };
  const Row rows[] = {
      // 4,186,439,680 + 430,958,848 = 4,617,398,528 B / 1.008e12 B/s = 4.58075 ms (218.3 t/s)
      {0, 4617398528, 4617398528 / 1.008e12},
      // + KV read 4096 positions x 131,072 B = 536,870,912 -> 5,154,269,440 B / 1.008e12 = 5.11336 ms (195.6 t/s)
      {4096, 5154269440, 5154269440 / 1.008e12},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.position);
    const DecodeBound b = decode_upper_bound(m, e, p, r.position);
    EXPECT_TRUE(b.known);
    EXPECT_EQ(b.bytes_read.value(), r.bytes);
    EXPECT_NEAR(b.time.value(), r.seconds, 1e-12);
    EXPECT_NEAR(b.tokens_per_second.value(), 1.0 / r.seconds, 1e-6);
  }
}

TEST(Speed, LayerSplitGivesNoDecodeSpeedup) {
  // Two GPUs of the same bandwidth run the layers one after the other: same bytes, same time (§6.2).
  const ModelSpec m = test::llama_3_1_8b();
  const MemoryEstimate e = estimate(m, test::mix_q4_k_m());
  PlacementRequest one, two;
  one.gpus = {gpu("a", 1008)};
  two.gpus = {gpu("a", 1008), gpu("b", 1008)};
  const DecodeBound b1 = decode_upper_bound(m, e, place(m, e, one), 4096);
  const DecodeBound b2 = decode_upper_bound(m, e, place(m, e, two), 4096);
  EXPECT_EQ(b1.bytes_read, b2.bytes_read);
  EXPECT_NEAR(b1.time.value(), b2.time.value(), 1e-12);
}

TEST(Speed, PartialOffloadChargesHostBandwidth) {
  // -ngl 16: blocks 16..31 on the GPU, blocks 0..15 + output on the host (dual-channel DDR5-6400, 102.4 GB/s).
  // Each half holds 8 use_more_bits layers: 8 x (122,716,160 + 138,936,320) = 2,093,219,840 B.
  // Host also reads the output head 430,958,848 B -> 2,524,178,688 B.
  // t = 2,093,219,840 / 1.008e12 + 2,524,178,688 / 1.024e11 = 2.0766 ms + 24.6502 ms = 26.7268 ms (37.4 t/s)
  const ModelSpec m = test::llama_3_1_8b();
  const MemoryEstimate e = estimate(m, test::mix_q4_k_m());
  PlacementRequest req;
  req.gpus = {gpu("RTX 4090", 1008)};
  req.host.label = "RAM";
  req.host.bandwidth = gb_per_s(102.4);
  req.gpu_layers = 16;
  const Placement p = place(m, e, req);
  ASSERT_EQ(p.verdict, Verdict::fits_with_offload);
  const DecodeBound b = decode_upper_bound(m, e, p, 0);
  EXPECT_TRUE(b.known);
  EXPECT_EQ(b.bytes_read.value(), 2093219840 + 2524178688);
  EXPECT_NEAR(b.time.value(), 2093219840 / 1.008e12 + 2524178688 / 1.024e11, 1e-12);
  // Without a host bandwidth figure the bound is unknown.
  req.host.bandwidth = BytesPerSecond{0.0};
  EXPECT_FALSE(decode_upper_bound(m, e, place(m, e, req), 0).known);
}

TEST(Speed, MoeReadsOnlyActiveExperts) {
  // Qwen3-30B-A3B Q8_0 on one 3350 GB/s GPU. Per layer: attention 18,874,368 x 34/32 = 20,054,016;
  // f32 norms + qk-norm + router (4096 + 256 + 262,144) x 4 = 1,065,984; experts 603,979,776 x 34/32
  // = 641,728,512 of which 8/128 are read: 40,108,032 -> 61,228,032 x 48 = 2,938,945,536.
  // Output 311,164,928 x 34/32 = 330,612,736 + norm 8192; one embedding row 2048/32 x 34 = 2176.
  // Total 3,269,568,640 B / 3.35e12 = 0.97599 ms (1024.6 t/s) at position 0.
  const ModelSpec m = test::qwen3_30b_a3b();
  const MemoryEstimate e = estimate(m, test::mix_q8_0());
  EXPECT_EQ(e.weights.per_layer_experts[0].value(), 641728512);
  EXPECT_EQ(e.layer_active[0].value(), 61228032);
  PlacementRequest req;
  req.gpus = {gpu("H100", 3350)};
  const Placement p = place(m, e, req);
  const DecodeBound b = decode_upper_bound(m, e, p, 0);
  EXPECT_EQ(b.bytes_read.value(), 3269568640);
  EXPECT_NEAR(b.time.value(), 3269568640 / 3.35e12, 1e-12);
  // Same as weights.hpp's whole-model figure.
  EXPECT_EQ(b.bytes_read, active_weight_bytes(m, e.weights));
  // At position 1000 add 48 layers x 2048 B x 1000 = 98,304,000 B of KV.
  EXPECT_EQ(decode_upper_bound(m, e, p, 1000).bytes_read.value(), 3269568640 + 98304000);
}

TEST(Speed, KvReadPerLayer) {
  struct Row {
    const char* what;
    ModelSpec m;
    std::int64_t position, layer, bytes;
  };
  const Row rows[] = {
      // gpt-oss: 2048 B per token-layer; sliding layer 0 reads min(4096, 128) = 128 positions
      {"gpt-oss sliding", test::gpt_oss_20b(), 4096, 0, 128 * 2048},
      {"gpt-oss full", test::gpt_oss_20b(), 4096, 1, 4096 * 2048},
      {"gpt-oss sliding, short", test::gpt_oss_20b(), 100, 0, 100 * 2048},
      // Gemma-3 sliding window 1024, 8192 B per token-layer
      {"gemma sliding", test::gemma_3_27b(), 32768, 0, 1024 * 8192},
      {"gemma full", test::gemma_3_27b(), 32768, 5, 32768 * 8192},
      // DeepSeek-V3: 576 x 2 B = 1152 B per token-layer
      {"deepseek mla", test::deepseek_v3(), 1000, 7, 1152000},
      // Jamba: the whole 622,592 B state once, whatever the position; attention layer 4096 B x pos
      {"jamba mamba", test::jamba(), 100000, 0, 622592},
      {"jamba mamba, short", test::jamba(), 10, 0, 622592},
      {"jamba attention", test::jamba(), 1000, 4, 4096000},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.what);
    const MemoryEstimate e = estimate(r.m, test::mix_q8_0(), 32768);
    const auto kv = kv_read_per_layer(r.m, e, r.position);
    EXPECT_EQ(kv[static_cast<std::size_t>(r.layer)].value(), r.bytes);
  }
}

// ---------------------------------------------------------------------------------------------
// Calibrated decode and prefill (docs/speed.md). Profiles are made up for the arithmetic; the numbers
// of data/speed.yaml are checked by bench/accuracy, not here.
// ---------------------------------------------------------------------------------------------

using test::cuda_gpu;
using test::host_cpu;
using test::profile;

TEST(SpeedProfiles, DeviceClassFirstThenTheBackendThenNothing) {
  const std::vector<SpeedProfile> ps = {profile("cuda", 0.9, 0, 0), profile("cuda", 0.5, 0, 0, "datacenter"),
                                        profile("metal", 0.8, 0, 0)};
  SpeedDevice d = cuda_gpu(1000);
  EXPECT_EQ(find_profile(ps, d)->id, "cuda");
  d.device_class = "datacenter";
  EXPECT_EQ(find_profile(ps, d)->id, "cuda-datacenter");
  d.backend = "rocm";
  EXPECT_EQ(find_profile(ps, d), nullptr);
  d.backend = "";
  EXPECT_EQ(find_profile(ps, d), nullptr);
}

TEST(SpeedDevice, Int8PeakOfAmdGpusWithoutMatrixCores) {
  // MI50 (gfx906, Vega 20): packed FP16 26.8 TFLOPS, no int8 matrix figure; its v_dot4_i32_i8 does 4
  // int8 MACs per lane-clock where packed FP16 does 2: 53.6 TOPS. RDNA 2 (gfx1030, V620 40.55 TFLOPS)
  // the same: 81.1. MI100 (gfx908) has matrix cores: the catalog's FP16 rate stands, as for NVIDIA
  // without an int8 figure. A card with an int8 figure (RX 7900 XTX, 122.8) keeps it.
  Device mi50;
  mi50.vendor = "amd";
  mi50.kind = DeviceKind::datacenter;
  mi50.gfx_target = "gfx906";
  mi50.fp16_tflops = 26.8;
  EXPECT_NEAR(speed_device(mi50).int8_peak.value(), 53.6e12, 1e6);
  EXPECT_NEAR(speed_device(mi50).f16_peak.value(), 26.8e12, 1e6);
  Device v620 = mi50;
  v620.gfx_target = "gfx1030";
  v620.fp16_tflops = 40.55;
  EXPECT_NEAR(speed_device(v620).int8_peak.value(), 81.1e12, 1e6);
  Device mi100 = mi50;
  mi100.gfx_target = "gfx908";
  mi100.fp16_tflops = 184.6;
  EXPECT_NEAR(speed_device(mi100).int8_peak.value(), 184.6e12, 1e6);
  Device xtx = mi50;
  xtx.gfx_target = "gfx1100";
  xtx.fp16_tflops = 122.8;
  xtx.int8_tops = 122.8;
  EXPECT_NEAR(speed_device(xtx).int8_peak.value(), 122.8e12, 1e6);
  Device p40;  // NVIDIA without an int8 figure or compute capability: the FP16 rate, unchanged
  p40.vendor = "nvidia";
  p40.fp16_tflops = 0.18;
  EXPECT_NEAR(speed_device(p40).int8_peak.value(), 0.18e12, 1e6);
}

TEST(SpeedDevice, PeaksOfPreVoltaNvidiaFollowGgmlCudasPath) {
  // sm 6.1 (P40: 30 SMs x 128 lanes x 2 x 1.531 GHz = 11.76 TFLOPS FP32): MMQ on __dp4a, 4 int8 MACs a
  // lane: 47.04 TOPS; F16 weights through FP32 cuBLAS (FP16 is 1/64 rate): 11.76.
  Device p40;
  p40.vendor = "nvidia";
  p40.kind = DeviceKind::datacenter;
  p40.compute_capability = "6.1";
  p40.fp32_tflops = 11.76;
  EXPECT_NEAR(speed_device(p40).int8_peak.value(), 47.04e12, 1e6);
  EXPECT_NEAR(speed_device(p40).f16_peak.value(), 11.76e12, 1e6);
  EXPECT_TRUE(speed_device(p40).is("pre-volta"));
  // sm 6.0 (P100): no dp4a, cuBLAS in packed FP16 (19.05) for both.
  Device p100 = p40;
  p100.compute_capability = "6.0";
  p100.fp32_tflops = 9.53;
  p100.fp16_tflops = 19.05;
  EXPECT_NEAR(speed_device(p100).int8_peak.value(), 19.05e12, 1e6);
  EXPECT_NEAR(speed_device(p100).f16_peak.value(), 19.05e12, 1e6);
  // Maxwell (M40, sm 5.2): FP32 cuBLAS, 6.83.
  Device m40 = p40;
  m40.compute_capability = "5.2";
  m40.fp32_tflops = 6.83;
  EXPECT_NEAR(speed_device(m40).int8_peak.value(), 6.83e12, 1e6);
  EXPECT_NEAR(speed_device(m40).f16_peak.value(), 6.83e12, 1e6);
  // Volta and later keep the catalog's tensor figures (V100: 125 FP16, no int8 figure).
  Device v100 = p40;
  v100.compute_capability = "7.0";
  v100.fp32_tflops = 15.7;
  v100.fp16_tflops = 125;
  EXPECT_NEAR(speed_device(v100).int8_peak.value(), 125e12, 1e6);
  EXPECT_FALSE(speed_device(v100).is("pre-volta"));
}

TEST(SpeedProfiles, ClassesAreKindVendorAndGenerationFirstMatchInFileOrder) {
  // data/speed.yaml order decides between two classes a device has: pre-volta before datacenter.
  const std::vector<SpeedProfile> ps = {profile("cuda", 0.9, 0, 0), profile("cuda", 0.5, 0, 0, "pre-volta"),
                                        profile("cuda", 0.7, 0, 0, "datacenter"), profile("vulkan", 0.8, 0, 0),
                                        profile("vulkan", 0.45, 0, 0, "intel"), profile("cpu", 0.6, 0, 0),
                                        profile("cpu", 0.4, 0, 0, "unified")};
  Device p40;  // Pascal, compute capability 6.1, a datacenter card
  p40.vendor = "nvidia";
  p40.kind = DeviceKind::datacenter;
  p40.compute_capability = "6.1";
  EXPECT_EQ(find_profile(ps, speed_device(p40))->id, "cuda-pre-volta");
  Device a100 = p40;
  a100.compute_capability = "8.0";
  EXPECT_EQ(find_profile(ps, speed_device(a100))->id, "cuda-datacenter");
  Device v100 = p40;  // 7.0: tensor cores, not pre-volta
  v100.compute_capability = "7.0";
  EXPECT_EQ(find_profile(ps, speed_device(v100))->id, "cuda-datacenter");
  // Intel GPUs default to Vulkan and take the Intel class; an NVIDIA card under --backend vulkan the general one.
  Device arc;
  arc.vendor = "intel";
  arc.kind = DeviceKind::gpu;
  EXPECT_EQ(speed_device(arc).backend, "vulkan");
  EXPECT_EQ(find_profile(ps, speed_device(arc))->id, "vulkan-intel");
  Device geforce;
  geforce.vendor = "nvidia";
  geforce.compute_capability = "8.9";
  EXPECT_EQ(find_profile(ps, speed_device(geforce, "vulkan"))->id, "vulkan");
  // The CPU cores of a unified-memory chip (Apple, Strix Halo) are class "unified"; a CPU preset is "cpu".
  Device mac;
  mac.vendor = "apple";
  mac.kind = DeviceKind::apple;
  mac.bandwidth_gbs = 400;
  const SpeedDevice cores = cpu_speed_device(mac);
  EXPECT_EQ(cores.backend, "cpu");
  EXPECT_EQ(cores.device_class, "apple");
  EXPECT_DOUBLE_EQ(cores.bandwidth.value(), 400e9);
  EXPECT_EQ(find_profile(ps, cores)->id, "cpu-unified");
  Device strix;
  strix.vendor = "amd";
  strix.kind = DeviceKind::igpu;
  EXPECT_EQ(find_profile(ps, cpu_speed_device(strix))->id, "cpu-unified");
  Device ram;
  ram.kind = DeviceKind::cpu;
  EXPECT_EQ(find_profile(ps, cpu_speed_device(ram))->id, "cpu");
}

TEST(SpeedProfiles, DevicePeaksFromTheCatalogFigures) {
  Device geforce;  // RTX 4090 figures: FP16 with FP32 accumulate 165.2, with FP16 accumulate 330.3, int8 660.6
  geforce.vendor = "nvidia";
  geforce.kind = DeviceKind::gpu;
  geforce.bandwidth_gbs = 1008;
  geforce.fp16_tflops = 165.2;
  geforce.fp16acc_tflops = 330.3;
  geforce.int8_tops = 660.6;
  const SpeedDevice g = speed_device(geforce);
  EXPECT_EQ(g.backend, "cuda");
  EXPECT_EQ(g.device_class, "gpu");
  EXPECT_DOUBLE_EQ(g.f16_peak.value(), 330.3e12);  // the faster FP16 path
  EXPECT_DOUBLE_EQ(g.int8_peak.value(), 660.6e12);
  EXPECT_DOUBLE_EQ(g.bandwidth.value(), 1008e9);

  Device v100;  // no int8 tensor cores: MMQ runs at the FP16 rate
  v100.vendor = "nvidia";
  v100.kind = DeviceKind::datacenter;
  v100.fp16_tflops = 125;
  const SpeedDevice v = speed_device(v100);
  EXPECT_EQ(v.device_class, "datacenter");
  EXPECT_DOUBLE_EQ(v.int8_peak.value(), 125e12);

  Device mac;
  mac.vendor = "apple";
  mac.kind = DeviceKind::apple;
  EXPECT_EQ(speed_device(mac).backend, "metal");
  EXPECT_DOUBLE_EQ(speed_device(mac).f16_peak.value(), 0.0);
  EXPECT_EQ(speed_device(mac, "vulkan").backend, "vulkan");  // an explicit backend wins
  Device ram;
  ram.vendor = "cpu";
  ram.kind = DeviceKind::cpu;
  EXPECT_EQ(speed_device(ram).backend, "cpu");
  Device tpu;
  tpu.vendor = "google";
  tpu.kind = DeviceKind::accelerator;
  EXPECT_EQ(speed_device(tpu).backend, "");
}

// Llama-3.1-8B Q4_K_M on one 1008 GB/s GPU, eta 0.8, 20 us per layer, 500 us per token (33 layers with the
// output head). Bytes from DenseSingleGpuDecodeBound: 4,617,398,528 at position 0, + 131,072 B of KV per
// position.
TEST(SpeedDecode, BytesOverAchievedBandwidthPlusFixedCosts) {
  const ModelSpec m = test::llama_3_1_8b();
  const MemoryEstimate e = estimate(m, test::mix_q4_k_m());
  PlacementRequest req;
  req.gpus = {gpu("RTX 4090", 1008)};
  const Placement p = place(m, e, req);
  const std::vector<SpeedProfile> ps = {profile("cuda", 0.8, 20, 500), profile("cpu", 0.5, 0, 0)};
  SpeedSetup s{{cuda_gpu(1008)}, host_cpu(96), &ps};
  struct Row {
    std::int64_t position;
    double seconds;
  };
  const Row rows[] = {
      // 4,617,398,528 / (0.8 x 1.008e12) = 5.72594 ms, + 33 x 0.02 ms + 0.5 ms = 6.88594 ms (145.2 t/s)
      {0, 4617398528 / 0.8064e12 + 33 * 20e-6 + 500e-6},
      // + 4096 x 131,072 = 536,870,912 B of KV: 5,154,269,440 / 0.8064e12 = 6.39170 ms + 1.16 ms = 7.55170 ms
      {4096, 5154269440 / 0.8064e12 + 33 * 20e-6 + 500e-6},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.position);
    const DecodeSpeed d = decode_speed(m, e, p, s, r.position);
    ASSERT_TRUE(d.known);
    EXPECT_NEAR(d.time.value(), r.seconds, 1e-12);
    EXPECT_NEAR(d.tokens_per_second.value(), 1.0 / r.seconds, 1e-6);
    // The band scales the rate: measured / predicted was between 0.9 and 1.1 in the fit.
    EXPECT_NEAR(d.low.value(), 0.9 / r.seconds, 1e-6);
    EXPECT_NEAR(d.high.value(), 1.1 / r.seconds, 1e-6);
  }
  // Never above the bandwidth bound.
  EXPECT_LT(decode_speed(m, e, p, s, 0).tokens_per_second, decode_upper_bound(m, e, p, 0).tokens_per_second);
}

TEST(SpeedDecode, LayerSplitAddsOneFixedCostPerDevice) {
  // Two 1008 GB/s GPUs run 16 + 16 blocks one after the other: same bytes and layer costs, two per-token costs.
  const ModelSpec m = test::llama_3_1_8b();
  const MemoryEstimate e = estimate(m, test::mix_q4_k_m());
  PlacementRequest two;
  two.gpus = {gpu("a", 1008), gpu("b", 1008)};
  const std::vector<SpeedProfile> ps = {profile("cuda", 0.8, 20, 500)};
  const SpeedSetup s{{cuda_gpu(1008), cuda_gpu(1008)}, host_cpu(96), &ps};
  const DecodeSpeed d = decode_speed(m, e, place(m, e, two), s, 0);
  ASSERT_TRUE(d.known);
  EXPECT_NEAR(d.time.value(), 4617398528 / 0.8064e12 + 33 * 20e-6 + 2 * 500e-6, 1e-12);
}

TEST(SpeedDecode, PartialOffloadRunsTheHostPartAtItsOwnProfile) {
  // -ngl 16 (PartialOffloadChargesHostBandwidth): GPU 16 blocks, 2,093,219,840 B; host 16 blocks + output,
  // 2,524,178,688 B at 102.4 GB/s under a CPU profile of eta 0.5 and no fixed cost.
  // t = 2,093,219,840 / 0.8064e12 + 16 x 20 us + 500 us + 2,524,178,688 / 0.512e11
  //   = 2.59576 ms + 0.82 ms + 49.30036 ms = 52.71612 ms (19.0 t/s)
  const ModelSpec m = test::llama_3_1_8b();
  const MemoryEstimate e = estimate(m, test::mix_q4_k_m());
  PlacementRequest req;
  req.gpus = {gpu("RTX 4090", 1008)};
  req.host.label = "RAM";
  req.host.bandwidth = gb_per_s(102.4);
  req.gpu_layers = 16;
  const Placement p = place(m, e, req);
  ASSERT_EQ(p.verdict, Verdict::fits_with_offload);
  const std::vector<SpeedProfile> ps = {profile("cuda", 0.8, 20, 500), profile("cpu", 0.5, 0, 0)};
  const SpeedSetup s{{cuda_gpu(1008)}, host_cpu(102.4), &ps};
  const DecodeSpeed d = decode_speed(m, e, p, s, 0);
  ASSERT_TRUE(d.known);
  EXPECT_NEAR(d.time.value(), 2093219840 / 0.8064e12 + 16 * 20e-6 + 500e-6 + 2524178688 / 0.512e11, 1e-12);
  // No CPU profile: the host part cannot be timed, so neither can the token.
  const std::vector<SpeedProfile> gpu_only = {profile("cuda", 0.8, 20, 500)};
  const SpeedSetup s2{{cuda_gpu(1008)}, host_cpu(102.4), &gpu_only};
  EXPECT_FALSE(decode_speed(m, e, p, s2, 0).known);
}

TEST(SpeedDecode, TensorParallelGpusRunAtOnce) {
  // Two GPUs each read their half at the same time (bytes from token_reads): the time is one GPU's, with
  // one per-token cost, not two. The default link has no cost, so no all-reduce time is added.
  const ModelSpec m = test::llama_3_1_8b();
  const MemoryEstimate e = estimate(m, test::mix_q4_k_m());
  PlacementRequest req;
  req.gpus = {gpu("a", 1008), gpu("b", 1008)};
  req.split = Parallelism::tensor;
  const Placement p = place(m, e, req);
  const TokenReads r = token_reads(m, e, p, 0);
  ASSERT_EQ(r.gpus.size(), 2u);
  const std::vector<SpeedProfile> ps = {profile("cuda", 0.8, 20, 500)};
  const SpeedSetup s{{cuda_gpu(1008), cuda_gpu(1008)}, host_cpu(96), &ps};
  const DecodeSpeed d = decode_speed(m, e, p, s, 0);
  ASSERT_TRUE(d.known);
  EXPECT_NEAR(d.time.value(), double(r.gpus[0].bytes.value()) / 0.8064e12 + 33 * 20e-6 + 500e-6, 1e-12);
}

TEST(SpeedDecode, UnknownWithoutAProfile) {
  const ModelSpec m = test::llama_3_1_8b();
  const MemoryEstimate e = estimate(m, test::mix_q4_k_m());
  PlacementRequest req;
  req.gpus = {gpu("RTX 4090", 1008)};
  const Placement p = place(m, e, req);
  const std::vector<SpeedProfile> ps = {profile("metal", 0.8, 0, 0)};
  EXPECT_FALSE(decode_speed(m, e, p, SpeedSetup{{cuda_gpu(1008)}, host_cpu(96), &ps}, 0).known);
  EXPECT_FALSE(decode_speed(m, e, p, SpeedSetup{{cuda_gpu(1008)}, host_cpu(96), nullptr}, 0).known);
}

TEST(Memory, EstimateKeepsKvTypesOfTheTable) {
  const ModelSpec m = test::llama_3_1_8b();
  const MemoryEstimate e = estimate(m, test::mix_q4_k_m());
  ASSERT_NE(e.kv_k, nullptr);
  EXPECT_EQ(e.kv_k->id, "f16");
  EXPECT_EQ(e.kv_v->id, "f16");
  // output_active = output head + one token_embd row: 430,956,544 + 295,501,824 / 128256 (= 2304)
  EXPECT_EQ(e.output_active.value(), 430956544 + 2304);
  // Dense: every block is read whole.
  EXPECT_EQ(e.layer_active, e.weights.per_layer);
}

// MemoryEstimate stores kv_k / kv_v as pointers into the TypeTable it was given, so
// estimate_memory(m, mix, make_table(), w) compiles and leaves them dangling (kv_read_per_layer and
// decode_upper_bound then read freed memory). A deleted rvalue overload would make that a compile error.
template <class Table>
concept EstimateAccepts = requires(const ModelSpec& m, const QuantMix& q, Table&& t, const Workload& w) {
  estimate_memory(m, q, std::forward<Table>(t), w);
};
static_assert(EstimateAccepts<const TypeTable&>);

TEST(Memory, TemporaryTypeTableIsRejectedAtCompileTime) {
  EXPECT_FALSE(EstimateAccepts<TypeTable>) << "estimate_memory accepts a temporary TypeTable and keeps "
                                              "pointers into it (MemoryEstimate::kv_k / kv_v)";
}

}  // namespace
}  // namespace vramfit
