// placement.hpp: llama.cpp's layer split (methods.md §4.1): the LAST n_gpu_layers blocks go to the GPUs,
// the output layer counts as block n_layer, token_embd stays in host memory, and blocks are split across
// GPUs at upper_bound(cumulative split, (il - i_gpu_start) / act_gpu_layers).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "fixtures.hpp"
#include "placement_fixtures.hpp"
#include "vramfit/placement.hpp"

namespace vramfit {
namespace {

// A synthetic estimate with round numbers so that every placement can be worked out by hand:
// 32 blocks of 100 MiB weights + 8 MiB KV, output 400 MiB, token_embd 300 MiB;
// compute: max(logits 250 + inputs 8, inputs 8 + mask 1 + max(attention 56, ffn 56)) = 258 MiB on the
// output device, 8 + 1 + 56 = 65 MiB of layer scratch elsewhere.
using test::synthetic;

ModelSpec blocks(std::int64_t layers = 32) {
  ModelSpec m = test::llama_3_1_8b();
  m.layers = layers;
  return m;
}

Target gpu(const char* label, Bytes capacity, Bytes reserve = Bytes{0}, Bytes overhead = Bytes{0}) {
  Target t;
  t.label = label;
  t.capacity = capacity;
  t.reserve = reserve;
  t.overhead = overhead;
  t.bandwidth = gb_per_s(1000);
  return t;
}

TEST(Placement, VerdictNames) {
  EXPECT_STREQ(to_string(Verdict::fits), "fits");
  EXPECT_STREQ(to_string(Verdict::fits_with_offload), "fits_with_offload");
  EXPECT_STREQ(to_string(Verdict::does_not_fit), "does_not_fit");
}

TEST(Placement, EverythingFitsOnOneGpu) {
  PlacementRequest req;
  req.gpus = {gpu("CUDA0", gib(std::int64_t{24}), Bytes{0}, mib(457))};
  const Placement p = place(blocks(), synthetic(), req);
  EXPECT_EQ(p.verdict, Verdict::fits);
  EXPECT_EQ(p.gpu_layers, 33);  // "offloaded 33/33 layers"
  EXPECT_EQ(p.total_layers, 33);
  const DevicePlan& d = p.gpus[0];
  EXPECT_EQ(d.first_layer, 0);
  EXPECT_EQ(d.layer_count, 32);
  EXPECT_TRUE(d.output);
  EXPECT_EQ(d.weights, mib(3600));  // 32 x 100 + 400
  EXPECT_EQ(d.kv, mib(256));        // 32 x 8
  EXPECT_EQ(d.compute, mib(258));   // the output device holds the logits
  EXPECT_EQ(d.overhead, mib(457));
  EXPECT_EQ(d.total(), mib(4571));  // 3600 + 256 + 258 + 457
  EXPECT_EQ(d.headroom(), mib(24 * 1024 - 4571));
  // Host: token_embd only, and the input embeddings of the graph.
  EXPECT_EQ(p.host.weights, mib(300));
  EXPECT_EQ(p.host.layer_count, 0);
  EXPECT_FALSE(p.host.output);
  EXPECT_EQ(p.host.compute, mib(8));
}

TEST(Placement, PartialOffloadTable) {
  // With L < 33 offloaded blocks the GPU holds L x (100 + 8) MiB + 65 MiB scratch + overhead.
  struct Row {
    const char* what;
    Bytes capacity, reserve, overhead;
    std::int64_t gpu_layers;
  };
  const Row rows[] = {
      // 108 L + 65 <= 2048 -> L = 18 (2009 MiB); L = 19 needs 2117 MiB. Output alone (33) needs 4115 MiB.
      {"2 GiB", mib(2048), Bytes{0}, Bytes{0}, 18},
      // reserve 512 MiB: usable 1536 -> 108 L + 65 <= 1536 -> L = 13 (1469); 14 needs 1577
      {"2 GiB, 512 MiB reserved", mib(2048), mib(512), Bytes{0}, 13},
      // overhead 457 MiB: 108 L + 65 + 457 <= 2048 -> L = 14 (2034); 15 needs 2142
      {"2 GiB, 457 MiB overhead", mib(2048), Bytes{0}, mib(457), 14},
      // 65 + 108 > 100: not even one block -> nothing offloaded
      {"100 MiB", mib(100), Bytes{0}, Bytes{0}, 0},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.what);
    PlacementRequest req;
    req.gpus = {gpu("CUDA0", r.capacity, r.reserve, r.overhead)};
    const Placement p = place(blocks(), synthetic(), req);
    EXPECT_EQ(p.gpu_layers, r.gpu_layers);
    const std::int64_t L = r.gpu_layers;
    EXPECT_EQ(p.gpus[0].layer_count, L);
    EXPECT_EQ(p.host.layer_count, 32 - L);
    EXPECT_EQ(p.verdict, L > 0 ? Verdict::fits_with_offload : Verdict::does_not_fit);
    if (L > 0) {
      EXPECT_EQ(p.gpus[0].first_layer, 32 - L);  // the LAST L blocks
      EXPECT_EQ(p.gpus[0].compute, mib(65));
      EXPECT_TRUE(p.gpus[0].fits());
    }
    // Host: the first 32 - L blocks, output and token_embd; it holds the logits, and beside them the
    // embedding lookup: 250 + 8 + 8 (docs/llamacpp-oracle.md).
    EXPECT_TRUE(p.host.output);
    EXPECT_EQ(p.host.weights, mib(100) * (32 - L) + mib(400) + mib(300));
    EXPECT_EQ(p.host.kv, mib(8) * (32 - L));
    EXPECT_EQ(p.host.compute, mib(266));
  }
}

// Every block and the head on GPUs: the host keeps the inputs it fills, the lookup's f32 rows (8 MiB
// here: 4096 x 512 x 4 B) and the f32 mask (Llama-3.1-8B at 8192 cells, ubatch 512: 8192 x 512 x 4 B =
// 16 MiB): 24 MiB, as llama.cpp logs 24.01 MiB for that run (reference/measured_memory.yaml, runpod
// log). Over two GPUs llama.cpp pipelines the layer split and keeps 4 copies of the inputs: 8 + 4 x 16.
TEST(Placement, FullOffloadKeepsTheGraphInputsInHostMemory) {
  MemoryEstimate e = synthetic();
  e.compute.mask_input = mib(16);
  PlacementRequest req;
  req.gpus = {gpu("CUDA0", gib(std::int64_t{24}))};
  EXPECT_EQ(place(blocks(), e, req).host.compute, mib(24));
  req.gpus = {gpu("CUDA0", gib(std::int64_t{24})), gpu("CUDA1", gib(std::int64_t{24}))};
  EXPECT_EQ(place(blocks(), e, req).host.compute, mib(72));
}

// llama.cpp's op offload: with weights in host memory the first GPU runs their large-batch matmuls and
// copies each weight in. Synthetic: output matrix 390 MiB, largest block tensor 40 MiB, host mask 3 MiB,
// output buffer 1 MiB.
TEST(Placement, OpOffloadStreamsHostWeightsThroughTheFirstGpu) {
  MemoryEstimate e = synthetic();
  e.weights.output_matrix = mib(390);
  e.weights.largest_block_tensor = mib(40);
  e.compute.mask_host = mib(3);
  e.compute.output_buffer = mib(1);
  PlacementRequest req;
  req.gpus = {gpu("CUDA0", mib(2048)), gpu("CUDA1", mib(2048))};
  req.op_offload = true;
  // -ngl 8: blocks 24-31 on the GPUs (4 each), output and blocks 0-23 in host memory.
  Placement p = place_layers(blocks(), e, req, 8);
  // CUDA0: max(own scratch 65, head 250 + 8 + 8 + output copy 390 = 656, blocks 65 + 40 = 105) = 656.
  EXPECT_EQ(p.gpus[0].compute, mib(656));
  EXPECT_EQ(p.gpus[1].compute, mib(65));  // only the first GPU streams
  EXPECT_EQ(p.host.compute, mib(19));     // lookup 8 + hidden state 8 + mask 3
  EXPECT_EQ(p.host.output_buffer, mib(1));
  EXPECT_EQ(p.host.total(), mib(100) * 24 + mib(700) + mib(8) * 24 + mib(19) + mib(1));
  // -ngl 0: the GPU holds nothing but still reserves the streaming buffer.
  p = place_layers(blocks(), e, req, 0);
  EXPECT_EQ(p.gpus[0].compute, mib(656));
  EXPECT_EQ(p.gpus[0].layer_count, 0);
  // Everything offloaded: nothing to stream, the output GPU holds the logits as before.
  p = place_layers(blocks(), e, req, 33);
  EXPECT_EQ(p.gpus[0].compute, mib(65));
  EXPECT_EQ(p.gpus[1].compute, mib(258));
  EXPECT_EQ(p.host.compute, mib(8));
  // Output on the GPU, experts of every block in host memory (--cpu-moe): the first GPU copies the
  // largest block tensor: max(258, 65 + 40) on the output GPU of one.
  req.gpus.resize(1);
  ModelSpec moe = blocks();
  moe.moe.experts = 8;
  moe.moe.experts_per_token = 2;
  moe.moe.expert_ffn = 1024;
  e.weights.per_layer_experts.assign(32, mib(60));
  e.weights.largest_block_tensor = mib(300);
  req.cpu_moe_layers = 32;
  p = place_layers(moe, e, req, 33);
  EXPECT_EQ(p.gpus[0].compute, mib(365));  // 65 + 300 > 258
  // Without op offload (Metal, or n_ubatch < 32) the host runs its own part.
  req.op_offload = false;
  req.cpu_moe_layers = 0;
  p = place_layers(blocks(), e, req, 8);
  EXPECT_EQ(p.gpus[0].compute, mib(65));
  EXPECT_EQ(p.host.compute, mib(266));
}

TEST(Placement, ReserveReducesUsableCapacity) {
  const Target t = gpu("CUDA0", gib(std::int64_t{24}), gib(std::int64_t{2}));
  EXPECT_EQ(t.usable(), gib(std::int64_t{22}));
  PlacementRequest req;
  req.gpus = {t};
  EXPECT_EQ(place(blocks(), synthetic(), req).gpus[0].capacity, gib(std::int64_t{22}));
}

TEST(Placement, ReserveThatTakesEverythingLeavesNoRoom) {
  // 8 GiB card, 8 GiB held by other processes: nothing can be offloaded. A usable capacity of 0 B is a
  // known, full device, not an unknown one.
  PlacementRequest req;
  req.gpus = {gpu("CUDA0", gib(std::int64_t{8}), gib(std::int64_t{8}))};
  const Placement p = place(blocks(), synthetic(), req);
  EXPECT_EQ(p.verdict, Verdict::does_not_fit);
  EXPECT_EQ(p.gpu_layers, 0);
}

TEST(Placement, TwoEqualGpusSplitLikeLlamaCpp) {
  // cum split [0.5, 1.0]; block il goes to upper_bound(cum, il / 33): il/33 < 0.5 for il <= 16
  // (16/33 = 0.485, 17/33 = 0.515) -> GPU0 blocks 0..16 (17), GPU1 blocks 17..31 (15) + output (32/33).
  PlacementRequest req;
  req.gpus = {gpu("CUDA0", gib(std::int64_t{24})), gpu("CUDA1", gib(std::int64_t{24}))};
  const Placement p = place(blocks(), synthetic(), req);
  EXPECT_EQ(p.verdict, Verdict::fits);
  ASSERT_EQ(p.gpus.size(), 2u);
  EXPECT_EQ(p.gpus[0].first_layer, 0);
  EXPECT_EQ(p.gpus[0].layer_count, 17);
  EXPECT_FALSE(p.gpus[0].output);
  EXPECT_EQ(p.gpus[1].first_layer, 17);
  EXPECT_EQ(p.gpus[1].layer_count, 15);
  EXPECT_TRUE(p.gpus[1].output);
  EXPECT_EQ(p.gpus[0].weights, mib(1700));        // 17 x 100
  EXPECT_EQ(p.gpus[0].kv, mib(136));              // 17 x 8
  EXPECT_EQ(p.gpus[0].compute, mib(65));          // layer scratch
  EXPECT_EQ(p.gpus[1].weights, mib(1500 + 400));  // 15 x 100 + output
  EXPECT_EQ(p.gpus[1].kv, mib(120));
  EXPECT_EQ(p.gpus[1].compute, mib(258));
  EXPECT_TRUE(p.gpus[0].holds_layer(16));
  EXPECT_FALSE(p.gpus[0].holds_layer(17));
}

TEST(Placement, UnequalGpusSplitByFreeMemory) {
  // 24 GiB + 8 GiB: cum [0.75, 1.0]; il/33 < 0.75 for il <= 24 (24/33 = 0.727, 25/33 = 0.758)
  // -> GPU0 blocks 0..24 (25), GPU1 25..31 (7) + output.
  PlacementRequest req;
  req.gpus = {gpu("CUDA0", gib(std::int64_t{24})), gpu("CUDA1", gib(std::int64_t{8}))};
  const Placement p = place(blocks(), synthetic(), req);
  EXPECT_EQ(p.gpus[0].layer_count, 25);
  EXPECT_EQ(p.gpus[1].first_layer, 25);
  EXPECT_EQ(p.gpus[1].layer_count, 7);
  EXPECT_TRUE(p.gpus[1].output);
}

TEST(Placement, DefaultSplitThatOffloadsIsFilledFromTheLastGpu) {
  // 2 GiB + 1 GiB (2048 + 1024 MiB) with 500 MiB of runtime overhead each, the synthetic 32 blocks of
  // 108 MiB. Neither holds the output head (400 + 258 MiB on top of the overhead), so blocks only.
  // llama.cpp's default split by free memory, cum [2/3, 1]: of act offloaded blocks GPU1 takes those
  // with k / act >= 2/3, act - ceil(2 act / 3) of them, and holds 108 c + 65 + 500 <= 1024 -> c <= 4:
  // act = 14 (ceil 9.33 = 10 on GPU0, 4 on GPU1); act = 15 puts 5 there. -ngl 14.
  // Filled from the last GPU: GPU1 takes 4 blocks, GPU0 108 c + 565 <= 2048 -> 13: -ngl 17, -ts 13,4.
  PlacementRequest req;
  req.fill_split = true;
  req.gpus = {gpu("CUDA0", gib(std::int64_t{2}), Bytes{0}, mib(500)), gpu("CUDA1", gib(std::int64_t{1}), Bytes{0}, mib(500))};
  const Placement p = place(blocks(), synthetic(), req);
  EXPECT_TRUE(p.split_searched);
  EXPECT_EQ(p.gpu_layers, 17);
  EXPECT_EQ(p.default_split_gpu_layers, 14);
  EXPECT_EQ(p.verdict, Verdict::fits_with_offload);
  EXPECT_EQ(p.gpus[0].first_layer, 15);
  EXPECT_EQ(p.gpus[0].layer_count, 13);
  EXPECT_EQ(p.gpus[1].first_layer, 28);
  EXPECT_EQ(p.gpus[1].layer_count, 4);
  EXPECT_FALSE(p.gpus[1].output);
  EXPECT_TRUE(p.host.output);
  EXPECT_EQ(p.gpus[0].total(), mib(1300 + 104 + 65 + 500));  // 1969 MiB
  EXPECT_EQ(p.gpus[1].total(), mib(400 + 32 + 65 + 500));    // 997 MiB
  // A placement that fits with the default split is left as llama.cpp makes it.
  req.gpus = {gpu("CUDA0", gib(std::int64_t{24})), gpu("CUDA1", gib(std::int64_t{8}))};
  EXPECT_FALSE(place(blocks(), synthetic(), req).split_searched);
  // The user's -ngl is placed as given, with the default split.
  req.gpus = {gpu("CUDA0", gib(std::int64_t{2}), Bytes{0}, mib(500)), gpu("CUDA1", gib(std::int64_t{1}), Bytes{0}, mib(500))};
  req.gpu_layers = 14;
  EXPECT_FALSE(place(blocks(), synthetic(), req).split_searched);
  // A runtime that does not set -ts (PyTorch's device_map; a log being checked) keeps the default split.
  req.gpu_layers = -1;
  req.fill_split = false;
  EXPECT_EQ(place(blocks(), synthetic(), req).gpu_layers, 14);
}

TEST(Placement, FilledSplitHoldsEveryLayerWhereTheDefaultCannot) {
  // 1 GiB + 4 GiB: the default gives the 4 GiB card 4/5 of the layers; at -ngl 33 GPU0 (1 GiB) takes
  // il / 33 < 0.2, il <= 6: 7 blocks + scratch = 821 MiB, GPU1 25 blocks + output = 2700 + 658 = 3358:
  // both fit, so nothing is searched. Swap the order (4 GiB first): GPU1 (1 GiB) would take il/33 >=
  // 0.8, il >= 27: 5 blocks + output = 1198 MiB > 1024. Filled: GPU1 takes 3 blocks + output (982 MiB),
  // GPU0 the other 29 + scratch = 3197 MiB <= 4096: every layer on the GPUs, -ts 29,4.
  PlacementRequest req;
  req.fill_split = true;
  req.gpus = {gpu("CUDA0", gib(std::int64_t{1})), gpu("CUDA1", gib(std::int64_t{4}))};
  EXPECT_FALSE(place(blocks(), synthetic(), req).split_searched);
  std::swap(req.gpus[0], req.gpus[1]);
  const Placement p = place(blocks(), synthetic(), req);
  EXPECT_TRUE(p.split_searched);
  EXPECT_EQ(p.verdict, Verdict::fits);
  EXPECT_EQ(p.gpu_layers, 33);
  EXPECT_EQ(p.gpus[0].layer_count, 29);
  EXPECT_EQ(p.gpus[1].layer_count, 3);
  EXPECT_TRUE(p.gpus[1].output);
  EXPECT_EQ(p.gpus[1].total(), mib(300 + 24 + 400 + 258));
  EXPECT_EQ(p.gpus[0].total(), mib(2900 + 232 + 65));
}

TEST(Placement, MoreGpusThanLayersThrows) {
  PlacementRequest req;
  req.gpus = {gpu("a", gib(std::int64_t{8})), gpu("b", gib(std::int64_t{8})), gpu("c", gib(std::int64_t{8}))};
  try {
    (void)place(blocks(2), synthetic(2), req);
    FAIL() << "expected CoreError(placement)";
  } catch (const CoreError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::placement);
  }
}

TEST(Placement, ExplicitGpuLayers) {
  PlacementRequest req;
  req.gpus = {gpu("CUDA0", gib(std::int64_t{24}), Bytes{0}, mib(457)), gpu("CUDA1", gib(std::int64_t{24}), Bytes{0}, mib(457))};
  // -ngl 0: a CPU-only run, whatever the GPUs; GPUs that hold nothing pay no context.
  req.gpu_layers = 0;
  Placement p = place(blocks(), synthetic(), req);
  EXPECT_EQ(p.verdict, Verdict::does_not_fit);
  EXPECT_EQ(p.host.layer_count, 32);
  EXPECT_EQ(p.gpus[0].total(), Bytes{0});
  // -ngl 1: start 31, act 1 -> block 31 at 0/1 = 0 -> GPU0; GPU1 holds nothing and pays nothing.
  req.gpu_layers = 1;
  p = place(blocks(), synthetic(), req);
  EXPECT_EQ(p.verdict, Verdict::fits_with_offload);
  EXPECT_EQ(p.gpus[0].first_layer, 31);
  EXPECT_EQ(p.gpus[0].layer_count, 1);
  EXPECT_EQ(p.gpus[0].total(), mib(100 + 8 + 65 + 457));
  EXPECT_EQ(p.gpus[1].total(), Bytes{0});
  // -ngl 99 is clamped to n_layer + 1 = 33.
  req.gpu_layers = 99;
  EXPECT_EQ(place(blocks(), synthetic(), req).gpu_layers, 33);
}

TEST(Placement, CpuOnly) {
  PlacementRequest req;
  // Host capacity unknown: CPU-only always "fits".
  Placement p = place(blocks(), synthetic(), req);
  EXPECT_EQ(p.verdict, Verdict::fits);
  EXPECT_TRUE(p.host.output);
  // Host: 3200 + 400 + 300 weights + 256 KV + 266 compute (logits 250 + 2 x inputs 8: the lookup
  // beside the head) = 4422 MiB.
  EXPECT_EQ(p.host.total(), mib(4422));
  req.host.capacity = gib(std::int64_t{4});  // 4096 MiB < 4422 MiB
  EXPECT_EQ(place(blocks(), synthetic(), req).verdict, Verdict::does_not_fit);
  req.host.capacity = gib(std::int64_t{5});
  EXPECT_EQ(place(blocks(), synthetic(), req).verdict, Verdict::fits);
}

TEST(Placement, VisionEncoderOnFirstUsedGpu) {
  MemoryEstimate e = synthetic();
  e.weights.vision = mib(800);
  PlacementRequest req;
  req.gpus = {gpu("CUDA0", gib(std::int64_t{24})), gpu("CUDA1", gib(std::int64_t{24}))};
  const Placement p = place(blocks(), e, req);
  EXPECT_TRUE(p.gpus[0].vision);
  EXPECT_EQ(p.gpus[0].weights, mib(1700 + 800));
  EXPECT_FALSE(p.gpus[1].vision);
}

TEST(Placement, Llama31_8bQ4KMOnOneGpuMatchesLog) {
  // Real estimate: Llama-3.1-8B Q4_K_M, 8192 ctx f16, FA on.
  const ModelSpec m = test::llama_3_1_8b();
  Workload w;
  w.context = 8192;
  const MemoryEstimate e = estimate_memory(m, test::mix_q4_k_m(), test::types(), w);
  PlacementRequest req;
  req.gpus = {gpu("CUDA0", gib(std::int64_t{24}))};
  const Placement p = place(m, e, req);
  EXPECT_EQ(p.verdict, Verdict::fits);
  // "CUDA0 buffer size = 4403.49 MiB", "CPU buffer size = 281.81 MiB" (methods.md §1.3).
  EXPECT_EQ(p.gpus[0].weights.value(), 4617396224);  // 4,912,898,048 - 295,501,824
  EXPECT_NEAR(to_mib(p.gpus[0].weights), 4403.49, 0.005);
  EXPECT_NEAR(to_mib(p.host.weights), 281.81, 0.005);
  EXPECT_EQ(p.gpus[0].kv.value(), 1073741824);  // 1 GiB, see test_kv_cache.cpp
  // FA on, ctx 8192: max(250.5 + 8, 8 + 8 + 56) = 258.5 MiB (see test_runtime.cpp)
  EXPECT_EQ(p.gpus[0].compute.value(), 271056896);
}


// ---------------------------------------------------------------------------------------------
// Mixed GPUs: llama.cpp's default tensor_split is each device's free memory (methods.md §4.1).
// ---------------------------------------------------------------------------------------------

TEST(Placement, MixedGpusSplitByUsableMemoryAfterReserve) {
  // RTX 3090 (24 GiB) + RTX 4060 Ti (16 GiB), 2 GiB reserved on each: usable 22 + 14, cum [22/36, 1] =
  // [0.6111, 1]; il/33 < 0.6111 for il <= 20 (20/33 = 0.606, 21/33 = 0.636) -> GPU0 blocks 0..20 (21),
  // GPU1 blocks 21..31 (11) + output (32/33).
  PlacementRequest req;
  req.gpus = {gpu("rtx-3090", gib(std::int64_t{24}), gib(std::int64_t{2})),
              gpu("rtx-4060-ti-16gb", gib(std::int64_t{16}), gib(std::int64_t{2}))};
  const Placement p = place(blocks(), synthetic(), req);
  EXPECT_EQ(p.verdict, Verdict::fits);
  EXPECT_EQ(p.gpus[0].layer_count, 21);
  EXPECT_EQ(p.gpus[1].first_layer, 21);
  EXPECT_EQ(p.gpus[1].layer_count, 11);
  EXPECT_TRUE(p.gpus[1].output);
  EXPECT_EQ(p.gpus[0].weights, mib(2100));
  EXPECT_EQ(p.gpus[1].weights, mib(1100 + 400));
  // The order given is the split order: the small card first takes the first blocks.
  std::swap(req.gpus[0], req.gpus[1]);
  const Placement q = place(blocks(), synthetic(), req);
  // cum [14/36 = 0.3889, 1]: il <= 12 (12/33 = 0.364, 13/33 = 0.394) -> 13 blocks on the 4060 Ti
  EXPECT_EQ(q.gpus[0].label, "rtx-4060-ti-16gb");
  EXPECT_EQ(q.gpus[0].layer_count, 13);
  EXPECT_EQ(q.gpus[1].layer_count, 19);
}

// ---------------------------------------------------------------------------------------------
// Routed experts in host memory: llama.cpp --cpu-moe / --n-cpu-moe N override the tensors matching
// blk.i.ffn_(up|down|gate)_exps for i < N to the CPU buffer (methods.md §4.2).
// ---------------------------------------------------------------------------------------------

// The synthetic blocks as MoE blocks: 60 of each block's 100 MiB are routed experts.
ModelSpec moe_blocks() {
  ModelSpec m = test::qwen3_30b_a3b();  // 128 experts, 8 per token
  m.layers = 32;
  return m;
}
MemoryEstimate moe_synthetic() {
  MemoryEstimate e = synthetic();
  e.weights.per_layer_experts.assign(32, mib(60));
  return e;
}

TEST(Placement, CpuMoeKeepsRoutedExpertsInHostMemory) {
  struct Row {
    const char* what;
    std::int64_t cpu_moe, gpu_layers;
    Bytes gpu_weights, host_weights;
    std::int64_t expert_first, expert_count;
    Verdict verdict;
  };
  const Row rows[] = {
      // --cpu-moe: 32 x 40 + 400 on the GPU; 300 + 32 x 60 in RAM
      {"all experts", 32, -1, mib(32 * 40 + 400), mib(300 + 32 * 60), 0, 32, Verdict::fits_with_offload},
      // --n-cpu-moe 10: blocks 0..9 leave 60 MiB each in RAM
      {"first 10", 10, -1, mib(10 * 40 + 22 * 100 + 400), mib(300 + 10 * 60), 0, 10, Verdict::fits_with_offload},
      // N above the block count means all of them (the regex simply matches every block)
      {"N > layers", 99, -1, mib(32 * 40 + 400), mib(300 + 32 * 60), 0, 32, Verdict::fits_with_offload},
      // -ngl 20: blocks 12..31 on the GPU (output in RAM); experts of 12..15 go to RAM with them
      {"-ngl 20, first 16", 16, 20, mib(4 * 40 + 16 * 100), mib(12 * 100 + 4 * 60 + 400 + 300), 12, 4,
       Verdict::fits_with_offload},
      // nothing moved: an ordinary full offload
      {"none", 0, -1, mib(3200 + 400), mib(300), 0, 0, Verdict::fits},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.what);
    PlacementRequest req;
    req.gpus = {gpu("CUDA0", gib(std::int64_t{24}))};
    req.cpu_moe_layers = r.cpu_moe;
    req.gpu_layers = r.gpu_layers;
    const Placement p = place(moe_blocks(), moe_synthetic(), req);
    EXPECT_EQ(p.gpus[0].weights, r.gpu_weights);
    EXPECT_EQ(p.host.weights, r.host_weights);
    EXPECT_EQ(p.host.expert_first, r.expert_first);
    EXPECT_EQ(p.host.expert_count, r.expert_count);
    EXPECT_EQ(p.verdict, r.verdict);
    // KV stays with the block: all 32 layers' KV on the GPU unless the block itself is in RAM.
    EXPECT_EQ(p.gpus[0].kv, mib(8) * p.gpus[0].layer_count);
  }
}

TEST(Placement, CpuMoeAcrossTwoGpusSkipsDenseBlocks) {
  // Blocks 0 and 1 are dense (no routed experts), --n-cpu-moe 20, two equal GPUs, everything offloaded.
  // Split by free memory: block il goes to GPU0 while il / 33 < 0.5, so GPU0 runs 0..16, GPU1 17..31
  // and the output. Experts of 2..16 leave GPU0 (15 x 60 MiB), of 17..19 leave GPU1 (3 x 60).
  MemoryEstimate e = moe_synthetic();
  e.weights.per_layer_experts[0] = e.weights.per_layer_experts[1] = Bytes{0};
  PlacementRequest req;
  req.gpus = {gpu("CUDA0", gib(std::int64_t{24})), gpu("CUDA1", gib(std::int64_t{24}))};
  req.cpu_moe_layers = 20;
  const Placement p = place(moe_blocks(), e, req);
  ASSERT_EQ(p.gpus.size(), 2U);
  EXPECT_EQ(p.gpus[0].layer_count, 17);
  EXPECT_EQ(p.gpus[1].first_layer, 17);
  EXPECT_EQ(p.gpus[0].weights, mib(17 * 100 - 15 * 60));
  EXPECT_EQ(p.gpus[1].weights, mib(15 * 100 - 3 * 60 + 400));
  EXPECT_EQ(p.host.weights, mib(300 + 18 * 60));
  EXPECT_EQ(p.host.expert_first, 2);
  EXPECT_EQ(p.host.expert_count, 18);
  EXPECT_EQ(p.verdict, Verdict::fits_with_offload);
}

TEST(Placement, CpuMoeHostRunsTheExpertsWithLayerScratch) {
  PlacementRequest req;
  req.gpus = {gpu("CUDA0", gib(std::int64_t{24}))};
  req.cpu_moe_layers = 32;
  const Placement p = place(moe_blocks(), moe_synthetic(), req);
  EXPECT_EQ(p.host.compute, mib(65));  // inputs 8 + mask 1 + max(attention 56, FFN 56)
  EXPECT_EQ(p.gpus[0].compute, mib(258));
  EXPECT_TRUE(p.experts_on_host(31));
  req.cpu_moe_layers = 4;
  EXPECT_FALSE(place(moe_blocks(), moe_synthetic(), req).experts_on_host(4));
}

TEST(Placement, CpuMoeLetsMoreBlocksOnTheGpu) {
  // 2 GiB card: whole blocks (108 MiB) -> 18 of them (PartialOffloadTable). With every block's experts in
  // RAM a block costs 40 + 8 = 48 MiB on the GPU: all 32 + output need 32 x 48 + 400 + 258 = 2194 MiB
  // (too much), all 32 blocks without the output 32 x 48 + 65 = 1601 MiB -> -ngl 32.
  PlacementRequest req;
  req.gpus = {gpu("CUDA0", mib(2048))};
  req.cpu_moe_layers = 32;
  const Placement p = place(moe_blocks(), moe_synthetic(), req);
  EXPECT_EQ(p.gpu_layers, 32);
  EXPECT_EQ(p.gpus[0].total(), mib(32 * 48 + 65));
}

TEST(Placement, CpuMoeErrors) {
  PlacementRequest req;
  req.gpus = {gpu("CUDA0", gib(std::int64_t{24}))};
  req.cpu_moe_layers = 4;
  try {
    (void)place(blocks(), synthetic(), req);
    FAIL() << "expected CoreError";
  } catch (const CoreError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::placement);
    EXPECT_STREQ(e.what(), "routed experts in host memory (--cpu-moe, --n-cpu-moe): llama-3.1-8b is a dense model without routed experts");
  }
  req.gpus.clear();
  EXPECT_THROW((void)place(moe_blocks(), moe_synthetic(), req), CoreError);
}

TEST(Placement, CpuMoeTokenReadsChargeActiveExpertsToTheHost) {
  // Qwen3-30B-A3B Q4_K_M, everything on the GPU, --cpu-moe: each block's active experts
  // (experts / 128 x 8) are read from RAM, the rest of the block and the KV from the GPU. The sum is
  // what the same token reads without --cpu-moe.
  const ModelSpec m = test::qwen3_30b_a3b();
  Workload w;
  w.context = 4096;
  const MemoryEstimate e = estimate_memory(m, test::mix_q4_k_m(), test::types(), w);
  PlacementRequest req;
  req.gpus = {gpu("CUDA0", gib(std::int64_t{80}))};
  const TokenReads plain = token_reads(m, e, place(m, e, req), 1000);
  req.cpu_moe_layers = 48;
  const TokenReads moe = token_reads(m, e, place(m, e, req), 1000);
  Bytes active_experts{0};
  for (Bytes ex : e.weights.per_layer_experts) active_experts += Bytes(ex.value() / 128 * 8);
  EXPECT_GT(active_experts.value(), 0);
  EXPECT_EQ(moe.host.bytes, active_experts);
  EXPECT_EQ(moe.host.blocks, 48);
  EXPECT_EQ(moe.gpus[0].bytes, plain.gpus[0].bytes - active_experts);
  EXPECT_EQ(moe.gpus[0].blocks, 48);
  EXPECT_FALSE(moe.gpus_in_parallel);
}

}  // namespace
}  // namespace vramfit
