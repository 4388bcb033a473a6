// Five real questions asked of the engine without the command line (issue 17): a fit with offload,
// the longest context, a pool runtime, a recommendation and a log validation. The expected values are
// worked out by hand from the catalog entries (data/*.yaml) and the fixture log, in the comments.
#include <cmath>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "engine/fit.hpp"
#include "engine/recommend.hpp"
#include "engine/validate.hpp"

namespace vramfit::engine {
namespace {

const std::string kSource = VRAMFIT_SOURCE_DIR;

// KV of one full-attention layer per token at f16: 8 KV heads x 128 x 2 B for K and again for V =
// 4,096 B (Llama 3.1 8B and 70B alike). At the default 4096-token context: 16 MiB per layer.
constexpr std::int64_t kKvPerTokenLayer = 8 * 128 * 2 * 2;
constexpr std::int64_t kMiB = 1 << 20;

// Llama 3.1 70B, Q4_K_M, 4096 tokens, on one RTX 4090 (24 GiB: data/devices.yaml memory_gib 24) with
// 64 GB of RAM: too big for the card, so llama.cpp offloads; 45 of the 81 layers (80 blocks + the
// output head) go to the GPU (the placement of the reviewed golden readme_fit_llama70b_rtx4090_ram64).
// -ngl 45 means the last 45 blocks, 35-79: llama.cpp's first GPU layer is n_layer + 1 - n_gpu_layers
// counted with the output as layer 80, which reaches the GPU only at -ngl 81 (llama-model.cpp
// load_tensors, i_gpu_start).
// With --margin 0 (the GPU filled, as before issue 21); the default margin is checked below.
TEST(EngineQuestions, FitWithOffload) {
  Session s;
  FitRequest r;
  r.model = "llama-3.1-70b";
  r.placement.devices = {"rtx-4090"};
  r.placement.ram = "64GB";
  r.placement.margin = "0";
  const FitAnswer a = answer_fit(s, r);
  ASSERT_FALSE(a.pool.has_value());
  EXPECT_EQ(a.placement.verdict, Verdict::fits_with_offload);
  EXPECT_TRUE(a.fits());
  EXPECT_EQ(a.placement.total_layers, 81);
  EXPECT_EQ(a.placement.gpu_layers, 45);
  ASSERT_EQ(a.placement.gpus.size(), 1u);
  const DevicePlan& gpu = a.placement.gpus[0];
  EXPECT_EQ(gpu.capacity.value(), std::int64_t{24} << 30);
  EXPECT_FALSE(gpu.output);
  EXPECT_TRUE(a.placement.host.output);
  EXPECT_EQ(gpu.layer_count, 45);
  EXPECT_EQ(gpu.first_layer, 35);
  // Each block's KV lives with the block: 16 MiB per block at 4096 cells.
  EXPECT_EQ(gpu.kv.value(), 45 * 16 * kMiB);
  EXPECT_EQ(a.placement.host.kv.value(), 35 * 16 * kMiB);
  EXPECT_EQ(a.estimate.kv.total.value(), 80LL * kKvPerTokenLayer * 4096);  // 1280 MiB
  EXPECT_TRUE(gpu.fits());
  EXPECT_EQ(gpu.capacity.value(), (gpu.total() + gpu.headroom()).value());
  EXPECT_FALSE(a.reason.empty());
  // -ngl 45 leaves 297.9 MiB (the golden); each block takes about 489 MiB of Q4_K_M weights + 16 MiB of
  // KV, so keeping llama.cpp's 1 GiB free takes two blocks back: 297.9 + 2 x 505 = 1308 MiB >= 1024,
  // where one (803 MiB) is not enough. The default margin gives -ngl 43.
  r.placement.margin.clear();
  const FitAnswer b = answer_fit(s, r);
  EXPECT_EQ(b.placement.gpu_layers, 43);
  EXPECT_EQ(b.placement.gpus[0].margin.value(), 1024 * kMiB);
  EXPECT_GE(b.placement.gpus[0].headroom().value(), 1024 * kMiB);
  EXPECT_GE(b.placement.gpus[0].headroom_after_margin().value(), 0);
  r.placement.gpu_layers = "44";  // fixed by the user: fits, but eats into the margin
  const FitAnswer c = answer_fit(s, r);
  EXPECT_EQ(c.placement.verdict, Verdict::fits_with_offload);
  EXPECT_LT(c.placement.gpus[0].headroom().value(), 1024 * kMiB);
  EXPECT_EQ(c.notes.size(), 1u);
}

// The longest context of Llama 3.1 8B (Q4_K_M) on a 16 GB RTX 4060 Ti with every layer on the GPU.
// Whatever the answer, it must be a whole 256-cell page, the placement there must fit, and one more
// page must not; its KV is 32 layers x 4,096 B = 128 KiB per token.
TEST(EngineQuestions, MaxContext) {
  Session s;
  FitRequest r;
  r.model = "llama-3.1-8b";
  r.placement.devices = {"rtx-4060-ti-16gb"};
  r.placement.max_context = true;
  const FitAnswer a = answer_fit(s, r);
  ASSERT_TRUE(a.solve.asked());
  ASSERT_TRUE(a.solve.result.found());
  const std::int64_t ctx = a.solve.result.value;
  EXPECT_EQ(ctx % 256, 0);
  EXPECT_EQ(a.query.workload.context, ctx);
  EXPECT_EQ(a.estimate.kv.total.value(), ctx * 32 * kKvPerTokenLayer);
  EXPECT_EQ(a.placement.verdict, Verdict::fits);
  // 80k: 88k (90112, the answer with --margin 0, as before issue 21) less the 1 GiB margin at 128 KiB
  // per token = 8192 tokens.
  EXPECT_EQ(ctx, 81920);
  EXPECT_GE(a.placement.gpus[0].headroom_after_margin().value(), 0);

  FitRequest more;
  more.model = "llama-3.1-8b";
  more.placement.devices = {"rtx-4060-ti-16gb"};
  more.placement.gpu_layers = "99";  // all of them, as the question assumes
  more.workload.context = std::to_string(ctx + 256);
  EXPECT_LT(answer_fit(s, more).placement.gpus[0].headroom_after_margin().value(), 0);

  FitRequest none = r;
  none.placement.margin = "0";
  EXPECT_EQ(answer_fit(s, none).solve.result.value, 90112);
}

// vLLM on one RTX 4090 with Llama 3.1 8B: bf16 weights are 2 B x 8,030,261,248 parameters =
// 16,060,522,496 B; the KV pool holds whole 16-token blocks of 32 layers x 4,096 B per token
// (page 16 x 131,072 = 2,097,152 B), as many as fit in what is left.
TEST(EngineQuestions, PoolRuntime) {
  Session s;
  FitRequest r;
  r.model = "llama-3.1-8b";
  r.workload.runtime = "vllm";
  r.placement.devices = {"rtx-4090"};
  const FitAnswer a = answer_fit(s, r);
  ASSERT_TRUE(a.pool.has_value());
  const PoolAnswer& p = *a.pool;
  EXPECT_EQ(p.memory.weights.value(), 16'060'522'496);
  EXPECT_EQ(p.kv_bytes_per_token, 131'072);
  EXPECT_EQ(p.memory.page_bytes, 2'097'152);
  EXPECT_EQ(p.memory.kv_tokens, p.memory.blocks * 16);
  EXPECT_LE(p.memory.blocks * p.memory.page_bytes, p.memory.kv_available.value());
  EXPECT_GT((p.memory.blocks + 1) * p.memory.page_bytes, p.memory.kv_available.value());
  // The pool is what the requested fraction leaves after weights, activations and non-torch memory.
  EXPECT_EQ(p.memory.kv_available.value(),
            (p.memory.requested - p.memory.weights - p.memory.activations - p.memory.non_torch).value());
  // vLLM's default max_model_len is the model's 131,072 tokens; 42,416 do not hold one such request.
  EXPECT_LT(p.memory.kv_tokens, 131'072);
  EXPECT_FALSE(a.fits());
}

// vLLM's own start-up settings replace the profile's. --max-num-batched-tokens 2048 --max-num-seqs 64:
// the profiling pass of Llama 3.1 8B holds 2 B x 2048 tokens x (2 x 4096 residual + 10,240 Q/K/V/out +
// 2 x 14,336 gate/up) = 33,554,432 + 41,943,040 + 117,440,512 B, plus 64 sampled rows x 128,256 x 8 B
// = 65,667,072 B: 258,605,056 B. --gpu-memory-utilization 0.95 requests 0.95 of the card.
// V0 at -c 20000 profiles max(20000, 2048) = 20,000 tokens with 256 rows: 327,680,000 + 409,600,000 +
// 1,146,880,000 + 262,668,288 = 2,146,828,288 B (2.00 GiB; the V0 log of vLLM issue 10517 shows
// 17.06 - 15.34 = 1.72 GiB of activations for this model and length, reference/measured_memory.yaml).
TEST(EngineQuestions, PoolRuntimeSettings) {
  Session s;
  FitRequest r;
  r.model = "llama-3.1-8b";
  r.workload.runtime = "vllm";
  r.placement.devices = {"rtx-4090"};
  r.placement.gpu_memory_utilization = "0.95";
  r.placement.max_num_batched_tokens = "2048";
  r.placement.max_num_seqs = "64";
  const PoolAnswer p = *answer_fit(s, r).pool;
  EXPECT_EQ(p.memory.activations.value(), 258'605'056);
  EXPECT_EQ(p.memory.requested.value(), static_cast<std::int64_t>(double(p.memory.total.value()) * 0.95));
  FitRequest v0;
  v0.model = "llama-3.1-8b";
  v0.workload.runtime = "vllm";
  v0.workload.context = "20000";
  v0.placement.devices = {"rtx-3090"};
  v0.placement.vllm_version = "0";
  EXPECT_EQ(answer_fit(s, v0).pool->memory.activations.value(), 2'146'828'288);
  v0.workload.context = "65536";  // V0 chunks prefills above 32K tokens: 2048-token passes
  EXPECT_EQ(answer_fit(s, v0).pool->config.max_batched_tokens, 2048);
  // Pool settings on a llama.cpp fit, or out of range, are errors, not ignored.
  FitRequest cpp;
  cpp.model = "llama-3.1-8b";
  cpp.placement.devices = {"rtx-4090"};
  cpp.placement.vllm_version = "0";
  EXPECT_THROW(answer_fit(s, cpp), io::InputError);
  r.placement.gpu_memory_utilization = "1.5";
  EXPECT_THROW(answer_fit(s, r), io::InputError);
}

// recommend llama-3.1-70b --min-tps 10: the cheapest configurations that hold the model and decode at
// least 10 tokens/s, cheapest first (vramfit/planning.hpp `cheaper`): two RTX 3090 at their used street
// price (data/devices.yaml street_price, seed 002 "$700-900 used": midpoint $800) = $1,600, 48 GB for the
// 42.5 GB Q4_K_M file and its KV, 20.2 tok/s under the layer split. An RX 7900 XTX ($950 new street
// price, ($900 + $1,000) / 2) with an RX 7900 XT ($899 launch) = $1,849 comes second.
TEST(EngineQuestions, Recommend) {
  Session s;
  RecommendRequest r;
  r.model = "llama-3.1-70b";
  r.min_tps = "10";
  const RecommendAnswer a = answer_recommend(s, r);
  ASSERT_TRUE(a.found());
  EXPECT_LE(a.matching, a.holding);
  EXPECT_EQ(a.configs.size(), std::min<std::size_t>(a.matching, 10));  // --top 10
  const Evaluation& first = a.configs.front().evaluation;
  EXPECT_EQ(first.config.label, "2 x rtx-3090");
  EXPECT_DOUBLE_EQ(first.config.price_usd, 2 * (700.0 + 900.0) / 2);
  EXPECT_EQ(first.config.price_source, "street_used");
  EXPECT_EQ(a.configs[1].evaluation.config.label, "rx-7900-xtx + rx-7900-xt");
  EXPECT_DOUBLE_EQ(a.configs[1].evaluation.config.price_usd, (900.0 + 1000.0) / 2 + 899.0);
  EXPECT_EQ(a.configs[1].evaluation.config.price_source, "mixed");
  EXPECT_TRUE(first.fits);
  EXPECT_GE(first.tps, 10.0);
  for (const RankedConfig& c : a.configs) {
    EXPECT_GE(c.evaluation.tps, 10.0) << c.evaluation.config.label;
    if (c.evaluation.config.price_usd > 0) EXPECT_GE(c.evaluation.config.price_usd, first.config.price_usd) << c.evaluation.config.label;
  }
}

// validate on the recorded llama.cpp log of Llama 3.1 8B Q4_K_M fully on an RTX 4090
// (tests/logs/fixtures): the KV buffer line 106 says 512.00 MiB = 536,870,912 B, and the estimate is
// 32 layers x 4,096 B x 4096 cells = 536,870,912 B exactly; the GPU weights line 90 says 4403.49 MiB.
// A CPU preset with --cpu-cores: the prefill is timed per core (the cpu profile's ψ). A 512-token pass of
// Llama 3.1 8B is 7,216,998,383,616 FLOP (tests/core/test_prefill.cpp, by hand); at ψ x 32 cores it takes
// that / (32 ψ), and half the cores take twice as long. Without cores the memory bandwidth times it.
TEST(EngineQuestions, FitTimesACpuPrefillByItsCores) {
  Session s;
  const SpeedProfile* cpu = nullptr;
  for (const SpeedProfile& p : s.catalog().speed)
    if (p.id == "cpu") cpu = &p;
  ASSERT_NE(cpu, nullptr);
  ASSERT_GT(cpu->flops_per_core, 0);
  FitRequest r;
  r.model = "llama-3.1-8b";
  r.workload.quant = "Q4_K_M";
  r.placement.devices = {"cpu-ddr5-6000-2ch"};
  r.placement.cpu_cores = "32";
  const FitAnswer a32 = answer_fit(s, r);
  ASSERT_TRUE(a32.speed.prefill.known);
  EXPECT_NEAR(a32.speed.prefill.compute_time.value(), 7216998383616.0 / (32 * cpu->flops_per_core), 1e-9);
  r.placement.cpu_cores = "16";
  EXPECT_NEAR(answer_fit(s, r).speed.prefill.compute_time.value(), 2 * a32.speed.prefill.compute_time.value(), 1e-9);
  bool said = false;
  for (const std::string& x : answer_fit(s, r).assumptions) said |= x.find("16 physical cores") != std::string::npos;
  EXPECT_TRUE(said);
  r.placement.cpu_cores.clear();
  EXPECT_NEAR(answer_fit(s, r).speed.prefill.compute_time.value(), 7216998383616.0 / (cpu->flops_per_byte * 96e9), 1e-9);
  r.placement.cpu_cores = "0";
  EXPECT_THROW(answer_fit(s, r), io::InputError);
}

// A log excerpt written to a file and judged against a catalog model.
ValidateAnswer validate_log(const std::string& file, const std::string& text, const std::string& model) {
  const std::string path = ::testing::TempDir() + "/" + file;
  std::ofstream(path) << text;
  Session s;
  ValidateRequest r;
  r.log = path;
  r.model = model;
  return answer_validate(s, r);
}
const ValidationTerm* term(const ValidateAnswer& a, const std::string& name) {
  for (const ValidationTerm& t : a.terms)
    if (t.name == name) return &t;
  return nullptr;
}

// The mainline Vulkan excerpt of reference/measured_memory.yaml (ik_llama.cpp discussion 562: Llama 3.1 8B
// Q4_0, 16384 cells, n_ubatch 1024, flash attention), its fields written back as log lines. Its GPU compute
// buffer, 613.01 MiB, is vramfit's head phase (logits 128256 x 1024 x 4 B = 501 MiB + one hidden state
// 4096 x 1024 x 4 B = 16 MiB: 517 MiB) plus exactly the mask the GPU holds: the f32 copy 16384 x 1024 x 4 B
// = 64 MiB and its f16 cast 32 MiB. The off note says so instead of "not traced".
TEST(EngineQuestions, ValidateExplainsAMaskBelowTheLogits) {
  const ValidateAnswer a = validate_log("vulkan_8b_16k.log",
                                        "print_info: file type = Q4_0\n"
                                        "load_tensors: offloaded 33/33 layers to GPU\n"
                                        "load_tensors: Vulkan0 model buffer size = 4155.99 MiB\n"
                                        "load_tensors: CPU_Mapped model buffer size = 281.81 MiB\n"
                                        "llama_context: n_ctx = 16384\n"
                                        "llama_context: n_batch = 2048\n"
                                        "llama_context: n_ubatch = 1024\n"
                                        "llama_context: flash_attn = 1\n"
                                        "llama_context: Vulkan_Host output buffer size = 0.49 MiB\n"
                                        "llama_kv_cache_unified: Vulkan0 KV buffer size = 2048.00 MiB\n"
                                        "llama_context: Vulkan0 compute buffer size = 613.01 MiB\n"
                                        "llama_context: Vulkan_Host compute buffer size = 80.01 MiB\n",
                                        "llama-3.1-8b");
  const ValidationTerm* gpu = term(a, "compute, GPU");
  ASSERT_NE(gpu, nullptr);
  EXPECT_DOUBLE_EQ(gpu->measured, 613.01 * kMiB);
  ASSERT_TRUE(gpu->estimate.has_value());
  EXPECT_DOUBLE_EQ(*gpu->estimate, 517.0 * kMiB);
  EXPECT_NE(gpu->note.find("f16 cast for flash attention (96.0 MiB)"), std::string::npos) << gpu->note;
  EXPECT_EQ(gpu->note.find("not traced"), std::string::npos) << gpu->note;
}

// The mainline Metal excerpt of reference/measured_memory.yaml (gpt-oss-20b MXFP4 on an Apple M5,
// 131072 cells): MTL0_Mapped 11536.18 MiB, 5.1 % above vramfit's GPU weights, is exactly the GPU's
// tensors plus the 586.82 MiB token_embd the host keeps (CPU_Mapped): Q8_0's 34 B per 32 of 201088 x 2880
// = 615,329,280 B. The Metal buffer maps the file from its first to its last tensor, token_embd among
// them; the off note says so instead of "not traced".
TEST(EngineQuestions, ValidateExplainsAMappedBufferSpanningTheHostTensors) {
  const ValidateAnswer a = validate_log("metal_gpt_oss_20b.log",
                                        "load_tensors: offloaded 25/25 layers to GPU\n"
                                        "load_tensors: CPU_Mapped model buffer size = 586.82 MiB\n"
                                        "load_tensors: MTL0_Mapped model buffer size = 11536.18 MiB\n"
                                        "llama_context: CPU output buffer size = 0.77 MiB\n"
                                        "llama_kv_cache: MTL0 KV buffer size = 3072.00 MiB\n"
                                        "llama_kv_cache: size = 3072.00 MiB (131072 cells, 12 layers, 1/1 seqs), K (f16): 1536.00 MiB, V (f16): 1536.00 MiB\n"
                                        "llama_kv_cache: MTL0 KV buffer size = 18.00 MiB\n"
                                        "llama_kv_cache: size = 18.00 MiB (768 cells, 12 layers, 1/1 seqs), K (f16): 9.00 MiB, V (f16): 9.00 MiB\n",
                                        "gpt-oss-20b");
  const ValidationTerm* gpu = term(a, "weights, GPU");
  const ValidationTerm* host = term(a, "weights, host");
  ASSERT_NE(gpu, nullptr);
  ASSERT_NE(host, nullptr);
  ASSERT_TRUE(gpu->estimate.has_value() && host->estimate.has_value());
  EXPECT_DOUBLE_EQ(*host->estimate, 615329280.0);
  EXPECT_NEAR(*gpu->estimate + *host->estimate, 11536.18 * kMiB, 0.005 * kMiB);
  EXPECT_NE(gpu->note.find("MTL0_Mapped buffer (line 3) maps the file from the first to the last of its tensors"), std::string::npos)
      << gpu->note;
  EXPECT_EQ(gpu->note.find("not traced"), std::string::npos) << gpu->note;
}

// An ik_llama.cpp excerpt of reference/measured_memory.yaml (Qwen3-30B-A3B IQ4_K on one RTX 3090 Ti,
// every layer offloaded): the host's 315.30 MiB are the token embeddings alone, 151936 x 2048 at Q8_0
// (34 B per 32 values: 330,612,736 B), where the closest catalog mix stores them in fewer bits.
TEST(EngineQuestions, ValidateNamesTheTypeOfTheHostsTokenEmbeddings) {
  const ValidateAnswer a = validate_log("ik_qwen3_30b_iq4k.log",
                                        "llm_load_print_meta: model ftype = IQ4_K - 4.5 bpw\n"
                                        "llm_load_print_meta: model size = 17.679 GiB (4.974 BPW)\n"
                                        "llm_load_tensors: offloaded 49/49 layers to GPU\n"
                                        "llm_load_tensors: CPU buffer size = 315.30 MiB\n"
                                        "llm_load_tensors: CUDA0 buffer size = 17787.83 MiB\n"
                                        "llama_new_context_with_model: n_ctx = 32768\n"
                                        "llama_new_context_with_model: n_ubatch = 512\n"
                                        "llama_new_context_with_model: flash_attn = 1\n"
                                        "llama_kv_cache_init: CUDA0 KV buffer size = 3072.00 MiB\n",
                                        "qwen3-30b-a3b");
  EXPECT_NEAR(151936.0 * 2048.0 / 32.0 * 34.0, 315.30 * kMiB, 0.005 * kMiB);
  const ValidationTerm* host = term(a, "weights, host");
  ASSERT_NE(host, nullptr);
  EXPECT_DOUBLE_EQ(host->measured, 315.30 * kMiB);
  EXPECT_NE(host->note.find("(token_embd, 151936 x 2048), and 315.3 MiB is exactly their size at q8_0"), std::string::npos) << host->note;
  EXPECT_EQ(host->note.find("not traced"), std::string::npos) << host->note;
}

TEST(EngineQuestions, Validate) {
  Session s;
  ValidateRequest r;
  r.log = kSource + "/tests/logs/fixtures/llamacpp_cuda_full_llama31_8b_q4km.log";
  const ValidateAnswer a = answer_validate(s, r);
  EXPECT_EQ(a.log_kind, io::LogKind::llamacpp);
  ASSERT_TRUE(a.query.has_value());
  EXPECT_EQ(a.query->model->spec.id, "llama-3.1-8b");
  EXPECT_EQ(a.query->mix->mix.id, "Q4_K_M");
  EXPECT_EQ(a.query->workload.context, 4096);
  const ValidationTerm* kv = nullptr;
  const ValidationTerm* weights = nullptr;
  for (const ValidationTerm& t : a.terms) {
    if (t.name == "KV cache") kv = &t;
    if (t.name == "weights, GPU") weights = &t;
  }
  ASSERT_NE(kv, nullptr);
  EXPECT_EQ(kv->line, 106);
  EXPECT_DOUBLE_EQ(kv->measured, 512.0 * kMiB);
  ASSERT_TRUE(kv->estimate.has_value());
  EXPECT_DOUBLE_EQ(*kv->estimate, 32.0 * kKvPerTokenLayer * 4096);
  ASSERT_NE(weights, nullptr);
  EXPECT_EQ(weights->line, 90);
  EXPECT_NEAR(weights->measured, 4403.49 * kMiB, 1.0);
  ASSERT_TRUE(weights->estimate.has_value());
  EXPECT_LT(std::abs(*weights->error_percent()), 0.01);  // the weights are exact to a few KB
  EXPECT_TRUE(a.ok());
  EXPECT_EQ(a.off, 0);
  EXPECT_GE(a.judged, 5);
}

}  // namespace
}  // namespace vramfit::engine
