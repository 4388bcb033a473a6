// Runtime compatibility by weight format (engine/compat.hpp, data/planning.yaml runtime_support rules
// with `weights`, issue 21): FP8 checkpoints under vLLM need sm_80 and run weight-only below sm_89,
// NVFP4 GEMMs need Blackwell, MXFP4 MoE kernels Hopper; the rules apply only to plans loading those
// weights. Expected outcomes read off the rules' thresholds (vLLM's FP8 page: W8A8 from compute
// capability 8.9, W8A16 through FP8 Marlin from 8.0).
#include <string>

#include <gtest/gtest.h>

#include "engine/compat.hpp"

namespace vramfit::engine {
namespace {

// A GPU of a vendor with its compute capability (NVIDIA) or gfx target (AMD).
Device gpu(const std::string& vendor, const std::string& id, const std::string& cc, const std::string& gfx = "") {
  Device d;
  d.id = id;
  d.vendor = vendor;
  d.kind = DeviceKind::gpu;
  d.compute_capability = cc;
  d.gfx_target = gfx;
  return d;
}

Device nvidia(const std::string& id, const std::string& cc) { return gpu("nvidia", id, cc); }

bool mentions(const std::vector<std::string>& lines, const std::string& text) {
  for (const std::string& l : lines)
    if (l.find(text) != std::string::npos) return true;
  return false;
}

TEST(RuntimeCompat, Fp8UnderVllmByComputeCapability) {
  const Device turing = nvidia("t", "7.5"), ampere = nvidia("a", "8.6"), ada = nvidia("d", "8.9");
  // sm_75: vLLM itself runs (7.5), its FP8 checkpoints do not (8.0); no caveat beside the block.
  const CompatCheck t = runtime_compat("vllm", {&turing}, "fp8");
  EXPECT_FALSE(t.runs());
  EXPECT_TRUE(mentions(t.blocks, "vLLM FP8 checkpoints"));
  EXPECT_TRUE(t.caveats.empty());
  // sm_86: runs, weight-only through FP8 Marlin (a caveat); the block-scaled FP8 mix the same.
  for (const char* q : {"fp8", "fp8-block"}) {
    const CompatCheck a = runtime_compat("vllm", {&ampere}, q);
    EXPECT_TRUE(a.runs()) << q;
    EXPECT_TRUE(mentions(a.caveats, "FP8 Marlin")) << q;
  }
  // sm_89: native FP8 GEMMs, nothing to say.
  const CompatCheck d = runtime_compat("vllm", {&ada}, "fp8");
  EXPECT_TRUE(d.runs());
  EXPECT_FALSE(mentions(d.caveats, "FP8"));
  // The same Turing card with bf16 weights: no FP8 rule applies, vLLM runs.
  EXPECT_TRUE(runtime_compat("vllm", {&turing}, "hf-bf16").runs());
  EXPECT_FALSE(mentions(runtime_compat("vllm", {&turing}, "hf-bf16").caveats, "FP8"));
  // llama.cpp is no vLLM: the FP8 rules neither gate nor caveat it.
  const CompatCheck l = runtime_compat("llama.cpp", {&turing}, "fp8");
  EXPECT_TRUE(l.runs());
  EXPECT_FALSE(mentions(l.caveats, "FP8"));
}

TEST(RuntimeCompat, TensorRtLlmFp8AndNvfp4AreGated) {
  const Device ampere = nvidia("a", "8.0"), hopper = nvidia("h", "9.0"), blackwell = nvidia("b", "12.0");
  EXPECT_FALSE(runtime_compat("tensorrt-llm", {&ampere}, "fp8").runs());  // needs 8.9
  EXPECT_TRUE(runtime_compat("tensorrt-llm", {&hopper}, "fp8").runs());
  EXPECT_FALSE(runtime_compat("tensorrt-llm", {&hopper}, "nvfp4").runs());  // needs 10.0
  EXPECT_TRUE(runtime_compat("tensorrt-llm", {&blackwell}, "nvfp4").runs());
  // vLLM on Hopper with NVFP4: runs, with the FP4 caveat; on sm_120 without.
  EXPECT_TRUE(mentions(runtime_compat("vllm", {&hopper}, "nvfp4").caveats, "NVFP4"));
  EXPECT_FALSE(mentions(runtime_compat("vllm", {&blackwell}, "nvfp4").caveats, "NVFP4"));
}

TEST(RuntimeCompat, Mxfp4MoeKernelsFromHopper) {
  const Device ampere = nvidia("a", "8.0"), hopper = nvidia("h", "9.0");
  const CompatCheck a = runtime_compat("vllm", {&ampere}, "mxfp4");
  EXPECT_TRUE(a.runs());
  EXPECT_TRUE(mentions(a.caveats, "MXFP4"));
  EXPECT_FALSE(mentions(runtime_compat("vllm", {&hopper}, "mxfp4").caveats, "MXFP4"));
  // Without a weight format (the callers that do not know it) the weight rules are not checked.
  EXPECT_FALSE(mentions(runtime_compat("vllm", {&ampere}).caveats, "MXFP4"));
}

// AMD: vLLM's ROCm platform reports FP8 for gfx94x, gfx95x and gfx12xx only (vllm/platforms/rocm.py
// supports_fp8) and has no FP8 Marlin fallback: FP8 checkpoints are gated on MI250X (gfx90a) and RDNA3
// (gfx1100), load on MI300X (gfx942) and RDNA4 (gfx1201); bf16 on the same RDNA3 card is not gated.
TEST(RuntimeCompat, Fp8UnderVllmOnRocmByGfxTarget) {
  auto amd = [](const std::string& gfx) { return gpu("amd", gfx, "", gfx); };
  const Device mi250 = amd("gfx90a"), rdna3 = amd("gfx1100"), mi300 = amd("gfx942"), rdna4 = amd("gfx1201");
  EXPECT_FALSE(runtime_compat("vllm", {&mi250}, "fp8").runs());
  EXPECT_FALSE(runtime_compat("vllm", {&rdna3}, "fp8-block").runs());
  EXPECT_TRUE(runtime_compat("vllm", {&mi300}, "fp8").runs());
  EXPECT_TRUE(runtime_compat("vllm", {&rdna4}, "fp8").runs());
  EXPECT_TRUE(runtime_compat("vllm", {&rdna3}, "hf-bf16").runs());
  // The rule gates vLLM only: llama.cpp's ROCm build does not read it.
  EXPECT_TRUE(runtime_compat("llama.cpp", {&rdna3}, "fp8").runs());
}

}  // namespace
}  // namespace vramfit::engine
