// runtime.hpp (compute buffer, runtime profiles) and the Device helpers of hardware.hpp.
// Compute-buffer expectations are the methods.md §3.1 terms worked out by hand, then compared with the
// buffer sizes printed by llama.cpp in the logs cited there.
#include <gtest/gtest.h>

#include <cstdint>

#include "fixtures.hpp"
#include "vramfit/runtime.hpp"

namespace vramfit {
namespace {

// Llama-3-8B as far as the compute buffer is concerned: vocab 128256, hidden 4096, 32 heads x 128, ffn 14336.
ModelSpec llama3_8b() { return test::llama_3_1_8b(); }

// A 32-head 7B (Llama-2-7B shape): vocab 32000, hidden 4096, 32 heads x 128, ffn 11008, 32 layers.
ModelSpec llama2_7b() {
  ModelSpec m = test::llama_3_1_8b();
  m.id = "llama-2-7b";
  m.kv_heads = 32;
  m.ffn = 11008;
  m.vocab = 32000;
  return m;
}

Workload wl(std::int64_t context, bool fa, std::int64_t ubatch = 512) {
  Workload w;
  w.context = context;
  w.flash_attention = fa;
  w.ubatch = ubatch;
  return w;
}

TEST(ComputeBuffer, Llama3_8bFlashOffCtx512MatchesLog) {
  // n_tokens = min(512, 512) = 512.
  // inputs   4 x 4096 x 512            =   8,388,608 (8 MiB)
  // mask     4 x 512 cells x 512       =   1,048,576 (1 MiB)
  // logits   4 x 128256 x 512          = 262,668,288 (250.5 MiB)
  // attention 3 x 4 x 4096 x 512 = 24 MiB + KQ 4 x 512 x 512 x 32 = 32 MiB -> 58,720,256 (56 MiB)
  // ffn      4 x 512 x 3 x 14336       =  88,080,384 (84 MiB: up, gate and their product at once,
  //          more than the product beside the down projection's output, 14336 + 4096)
  // layers = 8 + 1 + max(56, 84) = 93 MiB; head = logits 250.5 + t_embd 8 = 258.5 MiB = 271,056,896 B
  const ComputeTerms c = compute_buffer(llama3_8b(), wl(512, false), 512);
  EXPECT_EQ(c.inputs.value(), 8388608);
  EXPECT_EQ(c.mask.value(), 1048576);
  EXPECT_EQ(c.logits.value(), 262668288);
  EXPECT_EQ(c.attention.value(), 58720256);
  EXPECT_EQ(c.ffn.value(), 88080384);
  EXPECT_EQ(c.layers(), mib(93));
  EXPECT_EQ(c.head().value(), 271056896);
  EXPECT_EQ(c.total().value(), 271056896);
  // llama.cpp log: "CUDA0 compute buffer size = 258.50 MiB" (methods.md §3.1).
  EXPECT_DOUBLE_EQ(to_mib(c.total()), 258.50);
}

TEST(ComputeBuffer, SevenBFlashOffGrowsWithContext) {
  struct Row {
    std::int64_t context;
    std::int64_t hand_mib;  // by hand from the §3.1 terms
    double log_mib;         // logdetective PR #106 log (methods.md §3.1)
  };
  const Row rows[] = {
      // ctx 2048: inputs 8 + mask 4 x 2048 x 512 = 4 + max(attention 24 + KQ 4 x 2048 x 512 x 32 = 128 -> 152,
      //           logits 4 x 32000 x 512 = 62.5, ffn 4 x 512 x 3 x 11008 = 64.5) = 164 MiB
      {2048, 164, 164.0},
      // ctx 32768: 8 + 64 + max(24 + 2048 = 2072, 62.5, 64.5) = 2144 MiB
      {32768, 2144, 2144.0},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.context);
    const ComputeTerms c = compute_buffer(llama2_7b(), wl(r.context, false), r.context);
    EXPECT_EQ(c.total(), mib(r.hand_mib));
    EXPECT_NEAR(to_mib(c.total()), r.log_mib, r.log_mib * 0.02);
  }
}

TEST(ComputeBuffer, FlashAttentionStaysSmall) {
  // FA on, ctx 8192: layers = inputs 8 MiB + f16 mask 2 x 8192 x 512 = 8 MiB + max(attention 24, ffn 84)
  // = 100 MiB; head = logits 250.5 + 8 = 258.5 MiB: "with FA, 8B models stay ~0.25-0.5 GiB at any ctx"
  // (methods.md §3.1). The mask is not live next to the logits.
  const ComputeTerms c = compute_buffer(llama3_8b(), wl(8192, true), 8192);
  EXPECT_EQ(c.mask.value(), 8388608);
  EXPECT_EQ(c.attention.value(), 25165824);
  EXPECT_EQ(c.layers(), mib(100));
  EXPECT_EQ(c.total().value(), 271056896);  // 258.5 x 2^20
  EXPECT_GE(to_gib(c.total()), 0.25);
  EXPECT_LE(to_gib(c.total()), 0.5);
  // Without FA the KQ term adds 4 x 8192 x 512 x 32 = 512 MiB: "~0.5 GiB per 8k ctx (32 heads)".
  const ComputeTerms off = compute_buffer(llama3_8b(), wl(8192, false), 8192);
  EXPECT_EQ((off.attention - c.attention).value(), 536870912);
  // The mask the host fills is f32 whatever flash attention does with it: 4 x 8192 x 512 = 16 MiB, and
  // a full offload keeps it with the 8 MiB lookup rows: 24 MiB (24.01 logged, measured_memory.yaml).
  EXPECT_EQ(c.mask_input, mib(16));
  EXPECT_EQ(off.mask_input, mib(16));
  EXPECT_EQ(c.host_inputs(), mib(24));
  EXPECT_EQ(c.host_inputs(4), mib(72));
}

TEST(ComputeBuffer, ShortContextShrinksTheUbatch) {
  // n_tokens = min(n_ubatch, n_ctx) = min(512, 100) = 100; FA on, 256 cells.
  // inputs 4 x 4096 x 100 = 1,638,400; mask 2 x 256 x 100 = 51,200; logits 4 x 128256 x 100 = 51,302,400
  // head = 51,302,400 + 1,638,400 (the layers: 1,638,400 + 51,200 + ffn 4 x 100 x 2 x 14336 = 11,468,800)
  const ComputeTerms c = compute_buffer(llama3_8b(), wl(100, true), 256);
  EXPECT_EQ(c.inputs.value(), 1638400);
  EXPECT_EQ(c.mask.value(), 51200);
  EXPECT_EQ(c.logits.value(), 51302400);
  EXPECT_EQ(c.total().value(), 51302400 + 1638400);
}

// llama.cpp's CPU backend (node-llama-cpp 3.22.1, llama.cpp v0.5.0; bench/llamacpp-oracle,
// docs/llamacpp-oracle.md): "CPU compute buffer size" for real shapes. The CPU buffer also holds the
// token-embedding lookup, one hidden-state tensor more in the head phase than on a GPU, so the formula
// is a little low there; it stays within 3 %.
TEST(ComputeBuffer, MatchesLlamaCppCpuWithin3Percent) {
  ModelSpec llama1b = test::llama_3_1_8b();  // Llama 3.2 1B: 16 layers, d 2048, 32 x 64 heads, 8 KV, ffn 8192
  llama1b.id = "llama-3.2-1b";
  llama1b.layers = 16, llama1b.hidden = 2048, llama1b.head_dim_k = llama1b.head_dim_v = 64, llama1b.ffn = 8192;
  ModelSpec qwen05 = test::qwen2_5_0_5b();   // d 896, 14 x 64 heads, vocab 151936, ffn 4864
  struct Row {
    const ModelSpec* m;
    std::int64_t context;
    bool fa;
    std::int64_t hand_mib_x100;  // by hand, in 1/100 MiB
    double log_mib;
  };
  const Row rows[] = {
      // Llama 3.2 1B, FA, 16384 cells: head = logits 4 x 128256 x 512 = 250.5 + inputs 4 = 254.5 MiB; layers =
      // 4 + f16 mask 16 + max(12, ffn 32) = 52. Log 258.50 (the old inputs + mask + logits: 270.5, +4.6 %).
      {&llama1b, 16384, true, 25450, 258.50},
      // Llama 3.2 1B, FA off, 16384: layers = 4 + f32 mask 32 + attention 12 + KQ 4 x 16384 x 512 x 32 = 1024
      // -> 1072 MiB. Log 1078.01.
      {&llama1b, 16384, false, 107200, 1078.01},
      // Qwen2.5 0.5B, FA, 16384: head = 4 x 151936 x 512 = 296.75 + 1.75 = 298.5 MiB. Log 300.25.
      {&qwen05, 16384, true, 29850, 300.25},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.m->id + " " + std::to_string(r.context) + (r.fa ? " fa" : " no fa"));
    const ComputeTerms c = compute_buffer(*r.m, wl(r.context, r.fa), r.context);
    EXPECT_DOUBLE_EQ(to_mib(c.total()) * 100, double(r.hand_mib_x100));
    EXPECT_NEAR(to_mib(c.total()), r.log_mib, r.log_mib * 0.03);
  }
}

// The same CPU logs as host_total(): the lookup's hidden state beside the head. Llama 3.2 1B FA
// 16384: 250.5 + 2 x 4 = 258.5 MiB, logged 258.50; Qwen2.5 0.5B FA 16384: 296.75 + 2 x 1.75 = 300.25,
// logged 300.25; Llama 3.1 8B FA 4096 on a CPU: 250.5 + 2 x 8 = 266.5, logged 266.50
// (docs/llamacpp-cpu.md). Without FA at 16384 the layers phase decides as before (1072, logged 1078.01).
TEST(ComputeBuffer, HostBufferHoldsTheLookupBesideTheHead) {
  ModelSpec llama1b = test::llama_3_1_8b();
  llama1b.layers = 16, llama1b.hidden = 2048, llama1b.head_dim_k = llama1b.head_dim_v = 64, llama1b.ffn = 8192;
  EXPECT_DOUBLE_EQ(to_mib(compute_buffer(llama1b, wl(16384, true), 16384).host_total()), 258.50);
  EXPECT_DOUBLE_EQ(to_mib(compute_buffer(test::qwen2_5_0_5b(), wl(16384, true), 16384).host_total()), 300.25);
  EXPECT_DOUBLE_EQ(to_mib(compute_buffer(llama3_8b(), wl(4096, true), 4096).host_total()), 266.50);
  EXPECT_DOUBLE_EQ(to_mib(compute_buffer(llama1b, wl(16384, false), 16384).host_total()), 1072.0);
}

// With a GPU running the host's matmuls, the host keeps the lookup, the hidden state and the mask it
// builds: f32 (4 B a cell) plus the f16 copy flash attention reads (2 B). Llama 3.1 8B at 4096 cells:
// FA 8 + 8 + 6 x 4096 x 512 = 12 -> 28 MiB; FA off 8 + 8 + 8 = 24 MiB. Output buffer: 128256 x 4 B per
// sequence (llama.cpp logs 0.49 MiB for one).
TEST(ComputeBuffer, HostStreamingAndOutputBuffer) {
  const ComputeTerms fa = compute_buffer(llama3_8b(), wl(4096, true), 4096);
  EXPECT_DOUBLE_EQ(to_mib(fa.host_streaming()), 28.0);
  EXPECT_DOUBLE_EQ(to_mib(compute_buffer(llama3_8b(), wl(4096, false), 4096).host_streaming()), 24.0);
  EXPECT_EQ(fa.output_buffer.value(), 513024);
  Workload four = wl(4096, true);
  four.parallel = 4;
  EXPECT_EQ(compute_buffer(llama3_8b(), four, 4 * 4096).output_buffer.value(), 4 * 513024);
}

TEST(ComputeBuffer, MoeFfnUsesActiveExperts) {
  // Qwen3-30B-A3B (hidden 2048): 8 active x 768 = 6144 wide. build_moe_ffn holds up, gate and their
  // product (3 x 6144 values a token), then the product beside the down projection's [2048, 8] output
  // (6144 + 16384), then that beside the sum (16384 + 2048): 4 x 512 x 22,528 = 46,137,344 B.
  const ComputeTerms c = compute_buffer(test::qwen3_30b_a3b(), wl(4096, true), 4096);
  EXPECT_EQ(c.ffn.value(), 46137344);
  EXPECT_EQ(ffn_live_values(test::qwen3_30b_a3b()), 22528);
  // Without a gate (ReLU^2 experts, up and down only): the activation runs in place, so k x ff + k x d.
  ModelSpec relu = test::qwen3_30b_a3b();
  relu.ffn_gated = false;
  relu.ffn = 0;
  EXPECT_EQ(ffn_live_values(relu), 6144 + 16384);
  // A dense gated FFN: 3 x ff, or ff + d where the model is wider than its FFN.
  ModelSpec dense = test::llama_3_1_8b();
  EXPECT_EQ(ffn_live_values(dense), 3 * 14336);
  dense.ffn = 1024;
  EXPECT_EQ(ffn_live_values(dense), 1024 + 4096);
}

TEST(ComputeBuffer, NoAttentionNoMask) {
  ModelSpec mamba = test::jamba();
  mamba.layer_pattern = {LayerKind::mamba};
  const ComputeTerms c = compute_buffer(mamba, wl(4096, false), 4096);
  EXPECT_EQ(c.mask.value(), 0);
  EXPECT_EQ(c.attention.value(), 0);
}

TEST(RuntimeProfile, DefaultsAndOverheads) {
  RuntimeProfile r;
  r.id = "llama.cpp";
  r.ubatch = 256;
  r.batch = 1024;
  r.kv_pad = 32;
  r.flash_attention = false;
  r.kv_type = "q8_0";
  // Ollama MinimumMemory(): 457 MiB CUDA/ROCm, 512 MiB Metal (methods.md §3.3).
  r.overhead_cuda = mib(457);
  r.overhead_rocm = mib(457);
  r.overhead_metal = mib(512);
  r.overhead_other = mib(300);
  r.overhead_cpu = mib(0);
  const Workload w = default_workload(r);
  EXPECT_EQ(w.ubatch, 256);
  EXPECT_EQ(w.batch, 1024);
  EXPECT_EQ(w.kv_pad, 32);
  EXPECT_FALSE(w.flash_attention);
  EXPECT_EQ(w.kv_type_k, "q8_0");
  EXPECT_EQ(w.kv_type_v, "q8_0");
  EXPECT_EQ(w.context, Workload{}.context);  // untouched
  struct Row {
    Backend b;
    Bytes overhead;
  };
  const Row rows[] = {{Backend::cuda, mib(457)}, {Backend::rocm, mib(457)}, {Backend::metal, mib(512)},
                      {Backend::sycl, mib(300)}, {Backend::other, mib(300)}, {Backend::cpu, mib(0)}};
  for (const Row& row : rows) EXPECT_EQ(r.device_overhead(row.b), row.overhead) << to_string(row.b);
}

TEST(Hardware, BackendFromVendorAndKind) {
  struct Row {
    const char* vendor;
    DeviceKind kind;
    Backend backend;
    bool unified;
  };
  const Row rows[] = {
      {"nvidia", DeviceKind::gpu, Backend::cuda, false},
      {"nvidia", DeviceKind::soc, Backend::cuda, true},  // DGX Spark / Jetson class
      {"amd", DeviceKind::gpu, Backend::rocm, false},
      {"apple", DeviceKind::apple, Backend::metal, true},
      {"intel", DeviceKind::gpu, Backend::sycl, false},
      {"amd", DeviceKind::cpu, Backend::cpu, false},  // a CPU is driven by the CPU backend whatever its vendor
      {"moore", DeviceKind::accelerator, Backend::other, false},
  };
  for (const Row& r : rows) {
    Device d;
    d.vendor = r.vendor;
    d.kind = r.kind;
    EXPECT_EQ(d.backend(), r.backend) << r.vendor << " " << to_string(r.kind);
    EXPECT_EQ(d.unified_memory(), r.unified) << r.vendor << " " << to_string(r.kind);
  }
}

TEST(Hardware, CapacityAndBandwidth) {
  Device d;
  d.memory_gib = 24;
  d.bandwidth_gbs = 1008;
  EXPECT_EQ(d.capacity().value(), 24 * kGiB);       // 25,769,803,776 B
  EXPECT_EQ(d.bandwidth().value(), 1.008e12);       // decimal GB/s
  d.memory_reported_mib = 24564;                     // what nvidia-smi reports for a 24 GB card
  EXPECT_EQ(d.capacity(), mib(24564));
  EXPECT_EQ(d.capacity(64.0).value(), 64 * kGiB);  // a chosen size (Apple/CPU options) wins
}

TEST(Hardware, WiredFraction) {
  const std::vector<WiredLimitRule> rules = {{36, 0.67}, {0, 0.75}};
  EXPECT_DOUBLE_EQ(wired_fraction(rules, 16), 0.67);
  EXPECT_DOUBLE_EQ(wired_fraction(rules, 36), 0.67);
  EXPECT_DOUBLE_EQ(wired_fraction(rules, 64), 0.75);
  EXPECT_DOUBLE_EQ(wired_fraction({}, 64), 1.0);
}

// GPU share of unified memory = min(fraction x memory, memory - OS reserve), at least 0 (hardware.hpp).
TEST(Hardware, UnifiedGpuShare) {
  UnifiedMemoryPlatform carve_out;  // a BIOS carve-out of at most 3/4
  carve_out.share = {{0, 0.75}};
  EXPECT_EQ(unified_gpu_share(carve_out, 128).value(), 96 * kGiB);  // 0.75 x 128 = 96
  EXPECT_EQ(unified_gpu_share(carve_out, 32).value(), 24 * kGiB);   // 0.75 x 32 = 24
  UnifiedMemoryPlatform os_keeps;   // no carve-out: all but 4 GiB
  os_keeps.os_reserve_gib = 4;
  EXPECT_EQ(unified_gpu_share(os_keeps, 128).value(), 124 * kGiB);  // 128 - 4
  EXPECT_EQ(unified_gpu_share(os_keeps, 3).value(), 0);             // 3 - 4 < 0: nothing
  UnifiedMemoryPlatform both;       // the smaller of the two bounds wins
  both.share = {{0, 0.75}};
  both.os_reserve_gib = 40;
  EXPECT_EQ(unified_gpu_share(both, 128).value(), 88 * kGiB);       // min(96, 128 - 40 = 88)
  EXPECT_EQ(unified_gpu_share(both, 256).value(), 192 * kGiB);      // min(192, 216)
  UnifiedMemoryPlatform mac;        // macOS: 2/3 up to 36 GB, 3/4 above
  mac.share = {{36, 0.6667}, {0, 0.75}};
  EXPECT_EQ(unified_gpu_share(mac, 48).value(), 36 * kGiB);         // 0.75 x 48
  EXPECT_EQ(unified_gpu_share(mac, 64).value(), 48 * kGiB);         // 0.75 x 64
}

}  // namespace
}  // namespace vramfit
