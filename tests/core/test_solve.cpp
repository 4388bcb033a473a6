// solve.hpp: reverse questions. Expected answers worked out by hand from the memory formulas
// (methods.md §2.1 KV, §3.1 compute buffer, §4.1 layer split).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "fixtures.hpp"
#include "placement_fixtures.hpp"
#include "vramfit/solve.hpp"

namespace vramfit {
namespace {

Target gpu(const char* label, Bytes capacity, Bytes overhead = Bytes{0}) {
  Target t;
  t.label = label;
  t.capacity = capacity;
  t.overhead = overhead;
  t.bandwidth = gb_per_s(1000);
  return t;
}

// Llama-3.1-8B Q4_K_M with f16 KV, flash attention, n_ubatch 512, on one GPU without overhead. For a
// context c >= 512 with cells = PAD(c, 256) the GPU holds
//   weights 4,617,396,224 + KV 131,072 x cells + the head phase of the compute buffer, logits
//   262,668,288 + inputs 8,388,608 (the f16 mask is not live next to the logits, and the layers phase,
//   8 MiB + 2 x cells x 512 + 56 MiB, stays below it up to 199,168 cells) = 4,888,453,120 + 131,072 x cells.
TEST(Solve, MaxContextByHand) {
  const ModelSpec m = test::llama_3_1_8b();
  struct Row {
    const char* what;
    Bytes capacity;
    std::int64_t context;
    SolveLimit limit;
  };
  const Row rows[] = {
      // 8 GiB: cells <= (8,589,934,592 - 4,888,453,120) / 131,072 = 28,240.3 -> 110 x 256 = 28,160
      {"8 GiB", gib(std::int64_t{8}), 28160, SolveLimit::memory},
      // 6 GiB: (6,442,450,944 - 4,888,453,120) / 131,072 = 11,856.1 -> 46 x 256 = 11,776
      {"6 GiB", gib(std::int64_t{6}), 11776, SolveLimit::memory},
      // 80 GiB holds the model's whole 131,072 tokens (4,888,453,120 + 131,072 x 131,072 = 22.1 GB)
      {"80 GiB", gib(std::int64_t{80}), 131072, SolveLimit::model},
      // 4 GiB: the weights alone (4.30 GiB) do not fit
      {"4 GiB", gib(std::int64_t{4}), 0, SolveLimit::memory},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.what);
    PlacementRequest req;
    req.gpus = {gpu("CUDA0", r.capacity)};
    const SolveResult s = max_context(m, test::mix_q4_k_m(), test::types(), Workload{}, req);
    EXPECT_EQ(s.value, r.context);
    EXPECT_EQ(s.found(), r.context > 0);
    EXPECT_EQ(s.limit, r.limit);
    EXPECT_EQ(s.lowest, 256);
    EXPECT_EQ(s.highest, 131072);
  }
}

TEST(Solve, MaxContextWithFixedOffloadAcceptsPartialOffload) {
  // -ngl 16 on a 4 GiB card: half the blocks (2,093,219,840 B) on the GPU, KV 16 x 4096 B per cell,
  // layer scratch 8 MiB + 1024 x cells + FFN 4 x 512 x 3 x 14336 = 88,080,384 (no logits: the output is
  // in RAM):
  //   2,093,219,840 + 8,388,608 + 88,080,384 + (65,536 + 1,024) x cells <= 4,294,967,296
  //   -> cells <= 2,105,278,464 / 66,560 = 31,629.8 -> 123 x 256 = 31,488
  PlacementRequest req;
  req.gpus = {gpu("CUDA0", gib(std::int64_t{4}))};
  req.gpu_layers = 16;
  const SolveResult s = max_context(test::llama_3_1_8b(), test::mix_q4_k_m(), test::types(), Workload{}, req);
  EXPECT_EQ(s.value, 31488);
}

TEST(Solve, MaxParallelByHand) {
  // Context 4096 (4096 cells per stream): KV 536,870,912 B per sequence; the compute buffer does not
  // grow with sequences (n_tokens = min(512, 4096 n) = 512, mask over one stream's 4096 cells):
  //   4,617,396,224 + 8,388,608 + 4,194,304 + 262,668,288 + 536,870,912 n <= 25,769,803,776 (24 GiB)
  //   -> n <= 20,877,156,352 / 536,870,912 = 38.9 -> 38
  PlacementRequest req;
  req.gpus = {gpu("CUDA0", gib(std::int64_t{24}))};
  const SolveResult s = max_parallel(test::llama_3_1_8b(), test::mix_q4_k_m(), test::types(), Workload{}, req);
  EXPECT_EQ(s.value, 38);
  EXPECT_EQ(s.limit, SolveLimit::memory);
  EXPECT_EQ(s.highest, 65536);
}

using test::synthetic;

TEST(Solve, MinDevicesLayerSplitByHand) {
  // 1 GiB GPUs. The last GPU holds the output (400 + 259 MiB) and k blocks: 108 k + 659 <= 1024 -> k <= 3.
  // llama.cpp's default split by free memory gives N equal GPUs equal shares: block il goes to
  // upper_bound(cum, il / 33), so the last GPU gets 32 - ceil(33 (N-1) / N) blocks, too many (4, 1091
  // MiB) up to N = 6; it would take 7 GPUs. The automatic placement fills each GPU from the last
  // (fill_split, -ts as counts): the last takes 3 blocks + the output (983 MiB), every other GPU 108 k +
  // 65 <= 1024 -> 8 blocks (929 MiB). 3 + 8 x 4 = 35 >= 32 blocks: 5 GPUs, -ts 5,8,8,8,4 (4 = 3 + output);
  // with 4 GPUs 3 + 24 = 27 < 32.
  const ModelSpec m = test::llama_3_1_8b();
  PlacementRequest req;
  req.fill_split = true;
  const SolveResult s = min_devices(m, synthetic(), req, gpu("card", gib(std::int64_t{1})));
  EXPECT_EQ(s.value, 5);
  req.fill_split = false;  // llama.cpp's default split by free memory
  EXPECT_EQ(min_devices(m, synthetic(), req, gpu("card", gib(std::int64_t{1}))).value, 7);
  req.fill_split = true;
  EXPECT_EQ(s.limit, SolveLimit::memory);
  EXPECT_EQ(s.highest, 32);  // a layer split stops at one block per GPU
  // 100 MiB GPUs never hold a block (108 MiB): none within the search.
  const SolveResult none = min_devices(m, synthetic(), req, gpu("card", mib(100)));
  EXPECT_FALSE(none.found());
  EXPECT_EQ(none.limit, SolveLimit::search_cap);
}

TEST(Solve, MinDevicesTensorParallelSkipsDegreesTheHeadsForbid) {
  // TP over 1 GiB GPUs: (3200 + 700) / N weights + KV 256 / N (N <= 8 KV heads) + 259 MiB compute
  // <= 1024 -> 4156 / N <= 765 -> N >= 5.4. Degrees must divide 32 heads (and 8 KV heads): 6 and 7 are
  // skipped, so 8.
  const ModelSpec m = test::llama_3_1_8b();
  PlacementRequest req;
  req.split = Parallelism::tensor;
  const SolveResult s = min_devices(m, synthetic(), req, gpu("card", gib(std::int64_t{1})));
  EXPECT_EQ(s.value, 8);
  EXPECT_EQ(s.highest, 64);
}

}  // namespace
}  // namespace vramfit
