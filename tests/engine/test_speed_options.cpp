// Speed options of fit and estimate --device (docs/speed.md §9): --at N, --backend cpu, and the runtime
// (MLX on Apple only, a direct runtime's own prefill pass, the llama.cpp-calibration label). Expected
// values worked out by hand from the formulas of docs/speed.md §1 with the catalog's device figures
// (data/devices.yaml) and the profile parameters read from data/speed.yaml, so that a refit of the
// parameters does not break the formulas checked here.
#include <algorithm>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/diagnostics.hpp"
#include "engine/estimate.hpp"
#include "engine/fit.hpp"

namespace vramfit::engine {
namespace {

constexpr std::int64_t kGiB = std::int64_t{1} << 30;
// Llama-3.1-8B, f16 KV: 32 layers x 8 KV heads x 128 x 2 (K and V) x 2 B read per cell of context.
constexpr double kKvBytesPerCell = 32.0 * 8 * 128 * 2 * 2;  // 131,072 B
// Prefill FLOPs of a 512-token prompt (methodology §11.1): 2 x 6,979,584,000 block parameters x 512
// + 32 layers x 2 x (4096 + 4096) x (512 x 513 / 2) causal pairs + 2 x 4096 x 128,256 (the last token's logits).
constexpr double kPrefillFlops512 = 2.0 * 6979584000.0 * 512 + 32.0 * 2 * (4096 + 4096) * (512.0 * 513 / 2) + 2.0 * 4096 * 128256;

const SpeedProfile& profile(Session& s, const std::string& id) {
  for (const SpeedProfile& p : s.catalog().speed)
    if (p.id == id) return p;
  throw std::runtime_error("no speed profile " + id);
}

FitRequest fit_request(const std::string& device, const std::string& backend = "") {
  FitRequest r;
  r.model = "llama-3.1-8b";
  r.placement.devices = {device};
  r.backend = backend;
  return r;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const io::InputError& e) {
    return e.what();
  }
  return "(no error)";
}

bool says(const std::vector<std::string>& lines, const std::string& text) {
  return std::any_of(lines.begin(), lines.end(), [&](const std::string& x) { return x.find(text) != std::string::npos; });
}

// --at 3000 on an RTX 4090 (profile cuda, 1008 GB/s): the token reads 3000 more KV cells than at position 0,
// 3000 x 131,072 B = 393,216,000 B, which take 393,216,000 / (eta x 1008e9) s longer; the fixed costs
// per layer and token do not change with the position.
TEST(SpeedAt, AddsTheKvReadOfNCells) {
  Session s;
  FitRequest r = fit_request("rtx-4090");
  r.workload.at = "3000";
  const FitAnswer a = answer_fit(s, r);
  ASSERT_TRUE(a.speed.at.has_value());
  const DecodeSpeed& at = *a.speed.at;
  const DecodeSpeed& start = a.speed.decode[0];
  ASSERT_TRUE(at.known && start.known);
  EXPECT_EQ(at.position, 3000);
  EXPECT_EQ((a.speed.at_bound->bytes_read - a.speed.upper_bound[0].bytes_read).value(), 393216000);
  const double eta = profile(s, "cuda").bandwidth_efficiency;
  EXPECT_NEAR(at.time.value() - start.time.value(), 3000 * kKvBytesPerCell / (eta * 1008e9), 1e-12);
  // With eta 0.93: 0.41946 ms more than the 7.616 ms of position 0 (docs/speed.md §9).
  EXPECT_LT(at.tokens_per_second.value(), start.tokens_per_second.value());
}

// --at 2048 at the default context 4096 is the middle the report prints anyway; --at 0 the start.
TEST(SpeedAt, EqualsTheFixedPositions) {
  Session s;
  FitRequest r = fit_request("rtx-4090");
  r.workload.at = "2k";
  const FitAnswer a = answer_fit(s, r);
  EXPECT_EQ(a.speed.at->position, 2048);
  EXPECT_DOUBLE_EQ(a.speed.at->time.value(), a.speed.decode[1].time.value());
  r.workload.at = "0";
  const FitAnswer b = answer_fit(s, r);
  EXPECT_EQ(b.speed.at->position, 0);
  EXPECT_DOUBLE_EQ(b.speed.at->time.value(), b.speed.decode[0].time.value());
  // Not asked: no extra position.
  const FitAnswer c = answer_fit(s, fit_request("rtx-4090"));
  EXPECT_FALSE(c.speed.at.has_value());
}

TEST(SpeedAt, OutsideTheContextIsAnInputError) {
  Session s;
  FitRequest r = fit_request("rtx-4090");
  r.workload.at = "5000";
  EXPECT_EQ(error_of([&] { answer_fit(s, r); }),
            "--at 5000 is beyond the context (4096 tokens): give a position from 0 to 4096, or raise -c");
  r.workload.at = "-1";
  EXPECT_EQ(error_of([&] { answer_fit(s, r); }), "invalid --at '-1': expected a positive value");
  // The context the question runs at: -c 8k makes 5000 a position inside it.
  r.workload.at = "5000";
  r.workload.context = "8k";
  EXPECT_EQ(answer_fit(s, r).speed.at->position, 5000);
  EstimateRequest e;
  e.model = "llama-3.1-8b";
  e.workload.at = "100";
  EXPECT_EQ(error_of([&] { answer_estimate(s, e); }), "--prompt, --at and --backend need --device (the speed is per device)");
}

// --backend cpu on a 64 GB M3 Max: no GPU target; the CPU cores get all 64 GiB of the unified memory at
// 400 GB/s (the GPU alone would get 0.75 x 64 = 48 GiB), timed with the cpu-unified profile:
// t = bytes / (eta x 400e9) + layers x t_layer + t_token, the bytes being every block and the output
// head (the weights less token_embd, 4403.49 MiB = 4.6174 GB, tests/cli/cases.txt readme_fit_llama8b_rtx4090).
TEST(SpeedBackendCpu, AppleCpuCoresUseTheWholeMemory) {
  Session s;
  const FitAnswer gpu = answer_fit(s, fit_request("apple-m3-max-40c:64GB"));
  EXPECT_EQ(gpu.placement.gpus.at(0).capacity.value(), 48 * kGiB);
  const FitAnswer a = answer_fit(s, fit_request("apple-m3-max-40c:64GB", "cpu"));
  EXPECT_TRUE(a.placement.gpus.empty());
  EXPECT_EQ(a.placement.verdict, Verdict::fits);
  EXPECT_EQ(a.placement.host.label, "unified memory");
  EXPECT_EQ(a.placement.host.capacity.value(), 64 * kGiB);
  EXPECT_EQ(a.placement.host.bandwidth.value(), 400e9);
  EXPECT_EQ(a.placement.host.layer_count, 32);
  ASSERT_EQ(a.speed.profiles.size(), 1u);
  EXPECT_EQ(a.speed.profiles[0]->id, "cpu-unified");
  const SpeedProfile& p = profile(s, "cpu-unified");
  const DecodeSpeed& d = a.speed.decode[0];
  ASSERT_TRUE(d.known);
  const double bytes = double(a.speed.upper_bound[0].bytes_read.value());
  EXPECT_NEAR(bytes, 4.6174e9, 1e6);
  EXPECT_NEAR(d.time.value(), bytes / (p.bandwidth_efficiency * 400e9) + 33 * p.per_layer.value() + p.per_token.value(), 1e-12);
  EXPECT_TRUE(says(a.assumptions, "--backend cpu: llama.cpp's CPU backend on the CPU cores of apple-m3-max-40c, in all 64 GB of its unified memory at 400 GB/s"));
  // The GPU's share is not the CPU's business.
  FitRequest wl = fit_request("apple-m3-max-40c:64GB", "cpu");
  wl.placement.wired_limit = "40GB";
  EXPECT_EQ(error_of([&] { answer_fit(s, wl); }),
            "--wired-limit is the GPU's share of unified memory: with --backend cpu the CPU cores use the whole memory");
  FitRequest few = fit_request("rtx-4090", "cpu");
  few.placement.min_devices = true;
  EXPECT_EQ(error_of([&] { answer_fit(s, few); }), "--min-devices counts GPUs: with --backend cpu no GPU runs anything");
  FitRequest ngl = fit_request("apple-m3-max-40c:64GB", "cpu");
  ngl.placement.gpu_layers = "10";
  EXPECT_EQ(error_of([&] { answer_fit(s, ngl); }), "--backend cpu keeps every layer in host memory: drop --gpu-layers");
}

// Beside a discrete GPU the CPU backend runs from host RAM, which must be described; with a preset it
// is that preset (64 GiB at 2 x 6000 MT/s x 8 B = 96 GB/s), timed with the cpu profile.
TEST(SpeedBackendCpu, DiscreteGpuMachineRunsFromHostRam) {
  Session s;
  EXPECT_EQ(error_of([&] { answer_fit(s, fit_request("rtx-4090", "cpu")); }),
            "--backend cpu runs everything in host RAM: describe it with --host PRESET (see 'vramfit list devices --filter cpu') or --ram SIZE [--ram-bandwidth BW]");
  FitRequest r = fit_request("rtx-4090", "cpu");
  r.placement.host = "cpu-ddr5-6000-2ch";
  const FitAnswer a = answer_fit(s, r);
  EXPECT_TRUE(a.placement.gpus.empty());
  EXPECT_EQ(a.placement.host.capacity.value(), 64 * kGiB);
  EXPECT_EQ(a.placement.host.bandwidth.value(), 96e9);
  ASSERT_EQ(a.speed.profiles.size(), 1u);
  EXPECT_EQ(a.speed.profiles[0]->id, "cpu");
  EXPECT_TRUE(says(a.assumptions, "--backend cpu: rtx-4090 runs nothing"));
  // estimate --device rtx-4090 --backend cpu: the card says nothing about the host's memory.
  EstimateRequest e;
  e.model = "llama-3.1-8b";
  e.device = "rtx-4090";
  e.backend = "cpu";
  EXPECT_NE(error_of([&] { answer_estimate(s, e); }).find("--backend cpu on rtx-4090: its host memory is not in the catalog"), std::string::npos);
}

// runtimes.yaml: mlx runs on vendor apple only.
TEST(SpeedRuntime, MlxIsRefusedOffAppleSilicon) {
  Session s;
  FitRequest r = fit_request("rtx-4090");
  r.workload.runtime = "mlx";
  const std::string want = "--runtime mlx runs on apple devices only (MLX-LM (Apple silicon)); rtx-4090 is nvidia: use --runtime llama.cpp or transformers";
  EXPECT_EQ(error_of([&] { answer_fit(s, r); }), want);
  EstimateRequest e;
  e.model = "llama-3.1-8b";
  e.device = "rtx-4090";
  e.workload.runtime = "mlx";
  EXPECT_EQ(error_of([&] { answer_estimate(s, e); }), want);
  r.placement.devices = {"cpu-ddr5-6000-2ch"};
  EXPECT_EQ(error_of([&] { answer_fit(s, r); }),
            "--runtime mlx runs on apple devices only (MLX-LM (Apple silicon)); cpu-ddr5-6000-2ch is a CPU memory preset: use --runtime llama.cpp");
  // Memory alone needs no device: estimate --runtime mlx still answers.
  e.device.clear();
  EXPECT_NO_THROW(answer_estimate(s, e));
}

// MLX on an M3 Max (40 GPU cores) prefills 512 tokens in one forward pass (its prefill chunk is 2048),
// so the weights are read once and the pass is compute-bound at psi x cores (the metal profile):
// 7,216,998,383,616 FLOPs / (240.5 GFLOP/s x 40) = 0.750 s, 682 tok/s. Before, each of 512 passes of
// one token read every weight: prefill equalled decode.
TEST(SpeedRuntime, MlxPrefillIsComputeBound) {
  Session s;
  EstimateRequest e;
  e.model = "llama-3.1-8b";
  e.device = "apple-m3-max-40c";
  e.workload.runtime = "mlx";
  const EstimateAnswer a = answer_estimate(s, e);
  ASSERT_TRUE(a.speed.has_value());
  const PrefillSpeed& f = a.speed->report.prefill;
  ASSERT_TRUE(f.known);
  EXPECT_DOUBLE_EQ(f.flops.value(), kPrefillFlops512);
  EXPECT_TRUE(f.compute_bound);
  const SpeedProfile& metal = profile(s, "metal");
  EXPECT_NEAR(f.time.value(), kPrefillFlops512 / (metal.flops_per_core * 40), 1e-9);
  // One pass: the weights are read once, in less than a decode step (which adds Metal's fixed cost per
  // token); prefill is no longer decode's rate (682 against 59 tok/s).
  EXPECT_LT(f.read_time.value(), a.speed->report.decode[0].time.value());
  EXPECT_GT(f.tokens_per_second.value(), 5 * a.speed->report.decode[0].tokens_per_second.value());
  EXPECT_FALSE(a.speed->report.calibrated);
  EXPECT_TRUE(says(a.assumptions, "prompt of 512 tokens in forward passes of up to 2048 tokens (mlx's prefill chunk)"));
}

// transformers on CUDA is PyTorch's home: allowed. Its prefill is one forward pass over the prompt, bf16
// weights (float: the FP16 tensor peak x efficiency_float of the cuda profile; RTX 4090 330.3 TFLOPS
// with FP16 accumulate): compute-bound, FLOPs / (eps_float x peak).
TEST(SpeedRuntime, TransformersOnCudaPrefillsInOnePass) {
  Session s;
  EstimateRequest e;
  e.model = "llama-3.1-8b";
  e.device = "rtx-4090";
  e.workload.runtime = "transformers";
  const EstimateAnswer a = answer_estimate(s, e);
  const PrefillSpeed& f = a.speed->report.prefill;
  ASSERT_TRUE(f.known);
  const Device& d = s.catalog().find_device("rtx-4090")->device;
  const double peak = std::max({d.fp16acc_tflops, d.fp16_tflops, d.bf16_tflops}) * 1e12;
  EXPECT_TRUE(f.compute_bound);
  EXPECT_NEAR(f.time.value(), kPrefillFlops512 / (profile(s, "cuda").compute_efficiency_float * peak), 1e-9);
  EXPECT_FALSE(a.speed->report.calibrated);
  EXPECT_EQ(a.speed->report.runtime, "transformers");
  EXPECT_TRUE(says(a.assumptions, "prompt of 512 tokens in one forward pass (transformers)"));
}

// vLLM at batch 1 gets llama.cpp's figures, labelled; llama.cpp and Ollama (llama.cpp underneath) are calibrated.
TEST(SpeedRuntime, UncalibratedRuntimesAreLabelled) {
  Session s;
  EstimateRequest e;
  e.model = "llama-3.1-8b";
  e.device = "rtx-4090";
  e.workload.runtime = "vllm";
  const EstimateAnswer a = answer_estimate(s, e);
  EXPECT_FALSE(a.speed->report.calibrated);
  EXPECT_TRUE(says(a.assumptions, "speed: the decode and prefill model is fitted to llama.cpp runs; vllm is not calibrated"));
  e.workload.runtime = "ollama";
  EXPECT_TRUE(answer_estimate(s, e).speed->report.calibrated);
  e.workload.runtime = "llama.cpp";
  EXPECT_TRUE(answer_estimate(s, e).speed->report.calibrated);
}

}  // namespace
}  // namespace vramfit::engine
