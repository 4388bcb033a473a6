// parallel.hpp and the tensor-parallel half of placement.hpp: links (PCIe generation x lanes, NVLink),
// the ring all-reduce cost t_AR = alpha + 2 (N-1)/N x bytes / beta (methods.md §6.2), the head
// divisibility rules of vLLM, and per-GPU memory under tensor parallel.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "fixtures.hpp"
#include "placement_fixtures.hpp"
#include "vramfit/speed.hpp"

namespace vramfit {
namespace {

// The link profiles of data/runtimes.yaml, by hand.
LinkProfile pcie(const char* id, const char* name, std::int64_t gen, double gbs) {
  LinkProfile l;
  l.id = id;
  l.name = name;
  l.kind = LinkKind::pcie;
  l.pcie_gen = gen;
  l.bandwidth_gbs = gbs;
  l.latency_us = 25;
  return l;
}

std::vector<LinkProfile> links() {
  LinkProfile nv;
  nv.id = "nvlink";
  nv.name = "NVLink";
  nv.kind = LinkKind::nvlink;
  nv.latency_us = 7.5;
  return {pcie("pcie3", "PCIe 3.0", 3, 12.5), pcie("pcie4", "PCIe 4.0", 4, 25), pcie("pcie5", "PCIe 5.0", 5, 50), nv};
}

Device card(const char* id, DeviceKind kind, std::int64_t gen, std::int64_t lanes, double nvlink) {
  Device d;
  d.id = id;
  d.kind = kind;
  d.pcie_gen = gen;
  d.pcie_lanes = lanes;
  d.nvlink_gbs = nvlink;
  return d;
}

TEST(Link, PcieScalesWithLanesAndNvlinkIsHalfTheDeviceTotal) {
  const std::vector<LinkProfile> l = links();
  struct Row {
    const char* what;
    LinkProfile profile;
    Device device;
    double gbs;  // beta per direction
    const char* name;
  };
  const Row rows[] = {
      {"PCIe 4.0 x16", l[1], card("rtx-4090", DeviceKind::gpu, 4, 16, 0), 25, "PCIe 4.0 x16"},
      {"PCIe 4.0 x8 card: half", l[1], card("rtx-4060", DeviceKind::gpu, 4, 8, 0), 12.5, "PCIe 4.0 x8"},
      {"lanes unknown: x16", l[2], card("x", DeviceKind::gpu, 5, 0, 0), 50, "PCIe 5.0 x16"},
      // devices.yaml nvlink_gbs is both directions: H100 SXM 900 -> 450 GB/s each way (methods.md §6.2)
      {"H100 NVLink", l[3], card("h100-sxm", DeviceKind::datacenter, 5, 16, 900), 450, "NVLink"},
      {"A100 NVLink", l[3], card("a100-80gb-sxm", DeviceKind::datacenter, 4, 16, 600), 300, "NVLink"},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.what);
    const Link k = resolve_link(r.profile, r.device);
    EXPECT_DOUBLE_EQ(k.bandwidth.value(), r.gbs * 1e9);
    EXPECT_EQ(k.name, r.name);
    EXPECT_DOUBLE_EQ(k.latency.value(), r.profile.latency_us * 1e-6);
  }
  EXPECT_THROW((void)resolve_link(l[3], card("rtx-4090", DeviceKind::gpu, 4, 16, 0)), CoreError);
}

TEST(Link, DefaultIsNvlinkOnDatacenterBoardsElsePcieOfTheCard) {
  const std::vector<LinkProfile> l = links();
  EXPECT_EQ(default_link(l, card("h100-sxm", DeviceKind::datacenter, 5, 16, 900))->id, "nvlink");
  // A GeForce NVLink bridge is an optional extra: not assumed.
  EXPECT_EQ(default_link(l, card("rtx-3090", DeviceKind::gpu, 4, 16, 112.5))->id, "pcie4");
  EXPECT_EQ(default_link(l, card("l40s", DeviceKind::datacenter, 4, 16, 0))->id, "pcie4");
  EXPECT_EQ(default_link(l, card("old", DeviceKind::gpu, 2, 16, 0)), nullptr);
}

TEST(AllReduce, RingTimeByHand) {
  Link pcie4;
  pcie4.bandwidth = gb_per_s(25);
  pcie4.latency = Seconds(25e-6);
  Link nvlink;
  nvlink.bandwidth = gb_per_s(450);
  nvlink.latency = Seconds(7.5e-6);
  // One token of Llama-3.1-70B: hidden 8192 x 2 B = 16,384 B.
  const Bytes msg = Bytes(8192 * 2);
  struct Row {
    const char* what;
    const Link& link;
    std::int64_t n;
    double seconds;
  };
  const Row rows[] = {
      {"1 GPU: no all-reduce", pcie4, 1, 0.0},
      // 25 us + 2 x 1/2 x 16,384 / 25e9 = 25 us + 0.65536 us
      {"2 GPUs over PCIe 4.0", pcie4, 2, 25.65536e-6},
      // 25 us + 2 x 3/4 x 16,384 / 25e9 = 25 us + 0.98304 us
      {"4 GPUs over PCIe 4.0", pcie4, 4, 25.98304e-6},
      // 7.5 us + 2 x 7/8 x 16,384 / 450e9 = 7.5 us + 0.0637156 us
      {"8 GPUs over NVLink", nvlink, 8, 7.5e-6 + 2.0 * 7 / 8 * 16384 / 450e9},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.what);
    EXPECT_NEAR(allreduce_time(r.link, r.n, msg).value(), r.seconds, 1e-15);
  }
  // A 512-token micro-batch (prefill): the bandwidth term takes over. 2 x 1/2 x 8,388,608 / 25e9 = 335.54 us.
  EXPECT_NEAR(allreduce_time(pcie4, 2, Bytes(8192 * 2 * 512)).value(), 25e-6 + 8388608 / 25e9, 1e-15);
}

TEST(AllReduce, TwoPerBlockPerToken) {
  Link pcie4;
  pcie4.bandwidth = gb_per_s(25);
  pcie4.latency = Seconds(25e-6);
  const ModelSpec m = test::llama_3_1_70b();
  EXPECT_EQ(allreduces_per_token(m), 160);  // 80 blocks x (attention + FFN)
  // 160 x 25.65536 us = 4.1048576 ms per decoded token on two GPUs over PCIe 4.0
  EXPECT_NEAR(tp_comm_time(m, pcie4, 2, 1).value(), 4.1048576e-3, 1e-12);
  // Jamba: Mamba and attention blocks, all with an FFN -> 2 per block.
  EXPECT_EQ(allreduces_per_token(test::jamba()), 64);
}

TEST(TensorParallel, DegreeMustDivideHeadsAndKvHeads) {
  const ModelSpec m70 = test::llama_3_1_70b();  // 64 heads, 8 KV heads
  for (std::int64_t n : {1, 2, 4, 8, 16, 32, 64}) EXPECT_NO_THROW(validate_tensor_parallel(m70, n)) << n;
  try {
    validate_tensor_parallel(m70, 3);
    FAIL() << "expected CoreError";
  } catch (const CoreError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::placement);
    EXPECT_STREQ(e.what(), "tensor parallel degree 3 does not divide the 64 attention heads of llama-3.1-70b");
  }
  // Qwen2.5-0.5B: 14 heads, 2 KV heads. 7 divides 14, but neither 2 nor 7 divides the other.
  try {
    validate_tensor_parallel(test::qwen2_5_0_5b(), 7);
    FAIL() << "expected CoreError";
  } catch (const CoreError& e) {
    EXPECT_STREQ(e.what(), "tensor parallel degree 7 and the 2 KV heads of qwen2.5-0.5b: one must divide the other");
  }
  EXPECT_NO_THROW(validate_tensor_parallel(test::qwen2_5_0_5b(), 2));
  EXPECT_EQ(kv_heads_per_gpu(m70, 2), 4);
  EXPECT_EQ(kv_heads_per_gpu(m70, 8), 1);
  EXPECT_EQ(kv_heads_per_gpu(m70, 16), 1);  // replicated: 16 GPUs, 8 heads, each head on 2 GPUs
}

using test::synthetic;

Target gpu(std::string label, Bytes capacity, double gbs = 1000) {
  Target t;
  t.label = std::move(label);
  t.capacity = capacity;
  t.overhead = mib(457);
  t.bandwidth = gb_per_s(gbs);
  return t;
}

PlacementRequest tp_request(std::int64_t n, Bytes capacity) {
  PlacementRequest req;
  for (std::int64_t i = 0; i < n; ++i) req.gpus.push_back(gpu("GPU" + std::to_string(i), capacity));
  req.split = Parallelism::tensor;
  req.link.bandwidth = gb_per_s(25);
  req.link.latency = Seconds(25e-6);
  return req;
}

TEST(TensorParallel, PerGpuMemoryBySplittingEveryLayer) {
  const ModelSpec m = test::llama_3_1_8b();  // 32 heads, 8 KV heads
  struct Row {
    std::int64_t n;
    Bytes weights, kv, compute;
  };
  const Row rows[] = {
      // 32 x 100 / 2 + (300 + 400) / 2 = 1950; KV 4 of 8 heads: 32 x 4 = 128; 8 + 1 + max(250, 28, 28) = 259
      {2, mib(1950), mib(128), mib(259)},
      // / 8: 400 + 87.5 MiB; KV one head each: 32 x 1 = 32
      {8, mib(400) + Bytes(mib(175).value() / 2), mib(32), mib(259)},
      // 16 GPUs, 8 KV heads: each caches one (replicated) head -> still 32 MiB
      {16, mib(200) + Bytes(mib(175).value() / 4), mib(32), mib(259)},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.n);
    const Placement p = place(m, synthetic(), tp_request(r.n, gib(std::int64_t{24})));
    ASSERT_EQ(p.gpus.size(), static_cast<std::size_t>(r.n));
    EXPECT_EQ(p.split, Parallelism::tensor);
    EXPECT_EQ(p.tp_degree, r.n);
    EXPECT_EQ(p.verdict, Verdict::fits);
    EXPECT_EQ(p.gpu_layers, 33);
    for (const DevicePlan& d : p.gpus) {
      EXPECT_EQ(d.weights, r.weights);
      EXPECT_EQ(d.kv, r.kv);
      EXPECT_EQ(d.compute, r.compute);
      EXPECT_EQ(d.overhead, mib(457));
      EXPECT_EQ(d.layer_count, 32);
      EXPECT_TRUE(d.output);
    }
    // Nothing in host memory: vLLM keeps the (split) embeddings on the GPUs.
    EXPECT_EQ(p.host.total(), Bytes{0});
    // 64 all-reduces of 4096 x 2 B: 64 x (25 us + 2 (n-1)/n x 8192 / 25e9)
    EXPECT_NEAR(p.tp_comm_per_token.value(), 64 * (25e-6 + 2.0 * double(r.n - 1) / double(r.n) * 8192 / 25e9), 1e-15);
  }
  // No offload under tensor parallel: 1 GiB cards cannot hold 1950 + 128 + 259 + 457 MiB.
  EXPECT_EQ(place(m, synthetic(), tp_request(2, gib(std::int64_t{1}))).verdict, Verdict::does_not_fit);
}

TEST(TensorParallel, DegreeNotDividingHeadsIsAPlacementError) {
  try {
    (void)place(test::llama_3_1_8b(), synthetic(), tp_request(3, gib(std::int64_t{24})));
    FAIL() << "expected CoreError";
  } catch (const CoreError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::placement);
    EXPECT_STREQ(e.what(), "tensor parallel degree 3 does not divide the 32 attention heads of llama-3.1-8b");
  }
}

TEST(TensorParallel, Llama31_70bOnTwoGpusHalvesBlockWeightsAndKv) {
  // Llama-3.1-70B Q4_K_M, 8192 ctx f16: KV = 80 x 8 heads x 128 x 2 (K, V) x 2 B x 8192 = 2,684,354,560 B
  // (2.5 GiB); each GPU caches 4 of the 8 KV heads = 1,342,177,280 B.
  const ModelSpec m = test::llama_3_1_70b();
  Workload w;
  w.context = 8192;
  const MemoryEstimate e = estimate_memory(m, test::mix_q4_k_m(), test::types(), w);
  ASSERT_EQ(e.kv.total.value(), 2684354560);
  const Placement p = place(m, e, tp_request(2, gib(std::int64_t{80})));
  EXPECT_EQ(p.gpus[0].kv.value(), 1342177280);
  // Every block tensor has an even byte count, so half the weights is exact: the whole file / 2.
  Bytes blocks{0};
  for (Bytes b : e.weights.per_layer) blocks += b;
  EXPECT_EQ(blocks.value() % 2, 0);
  EXPECT_EQ(p.gpus[0].weights, Bytes((e.weights.total.value() + 1) / 2));
  EXPECT_EQ(p.gpus[1].weights, p.gpus[0].weights);
}

TEST(TensorParallel, MlaLatentIsCachedWholeOnEveryGpu) {
  // DeepSeek-V3: the 576-wide latent is shared by all 128 heads, so TP does not divide it.
  const ModelSpec m = test::deepseek_v3();
  Workload w;
  w.context = 4096;
  const MemoryEstimate e = estimate_memory(m, test::mix_q4_k_m(), test::types(), w);
  const Placement p = place(m, e, tp_request(8, gib(std::int64_t{141})));
  EXPECT_EQ(p.gpus[0].kv, e.kv.total);  // 61 x 576 x 2 B x 4096 each
  EXPECT_EQ(e.kv.total.value(), 61LL * 576 * 2 * 4096);
}

TEST(TensorParallel, DecodeReadsOneShareAtOnceAndAddsTheAllReduces) {
  // Llama-3.1-8B Q4_K_M at position 0 (test_speed.cpp): blocks 16 x 122,716,160 + 16 x 138,936,320 B,
  // output head + one embedding row 430,958,848 B. TP=2: each GPU reads half of each:
  // 16 x (61,358,080 + 69,468,160) + 215,479,424 = 2,308,699,264 B at 1008 GB/s = 2.290376 ms,
  // + 64 all-reduces x (25 us + 8192 / 25e9) = 64 x 25.32768 us = 1.62097 ms.
  const ModelSpec m = test::llama_3_1_8b();
  Workload w;
  w.context = 8192;
  const MemoryEstimate e = estimate_memory(m, test::mix_q4_k_m(), test::types(), w);
  PlacementRequest req = tp_request(2, gib(std::int64_t{24}));
  for (Target& t : req.gpus) t.bandwidth = gb_per_s(1008);
  const Placement p = place(m, e, req);
  const TokenReads r = token_reads(m, e, p, 0);
  EXPECT_TRUE(r.gpus_in_parallel);
  ASSERT_EQ(r.gpus.size(), 2u);
  EXPECT_EQ(r.gpus[0].bytes.value(), 2308699264);
  EXPECT_EQ(r.gpus[1].bytes.value(), 2308699264);
  EXPECT_EQ(r.host.bytes, Bytes{0});
  const DecodeBound b = decode_upper_bound(m, e, p, 0);
  ASSERT_TRUE(b.known);
  EXPECT_NEAR(b.time.value(), 2308699264 / 1.008e12 + 64 * (25e-6 + 8192 / 25e9), 1e-12);
}

}  // namespace
}  // namespace vramfit
