// llama.cpp's CPU_REPACK copy through the engine (issue 20): the catalog's Llama 3.2 1B / 3B and 3.1 8B
// at Q4_0 and Q4_K_M on a CPU-only host against the CPU_REPACK lines real llama.cpp printed on an
// AVX-512 CPU (docs/llamacpp-cpu.md, "Memory"; printed as %.2f MiB), which GPUs stop the copy, and the
// validate term against the recorded CPU log.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "engine/estimate.hpp"
#include "engine/fit.hpp"
#include "engine/validate.hpp"

namespace vramfit::engine {
namespace {

const std::string kSource = VRAMFIT_SOURCE_DIR;
constexpr std::int64_t kMiB = 1 << 20;

FitAnswer fit_cpu(Session& s, const std::string& model, const std::string& quant, const std::string& cpu = "avx2,avx512") {
  FitRequest r;
  r.model = model;
  r.workload.quant = quant;
  r.placement.devices = {"cpu-ddr5-6000-2ch"};
  r.placement.cpu_features = cpu;
  return answer_fit(s, r);
}

struct Measured {
  const char* model;
  const char* quant;
  std::int64_t bytes;  // hand-computed in tests/core/test_repack.cpp
  const char* printed;  // llama.cpp's line, "%.2f MiB"
};

// MiB as llama.cpp prints a buffer size (llama-model.cpp load_tensors: "%.2f MiB").
std::string printed_mib(std::int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", double(bytes) / 1024.0 / 1024.0);
  return buf;
}

TEST(EngineRepack, CatalogLlamasMatchLlamaCpp) {
  Session s;
  const Measured rows[] = {
      {"llama-3.2-1b", "Q4_0", 522 * kMiB, "522.00"},       {"llama-3.2-1b", "Q4_K_M", 445 * kMiB + kMiB / 2, "445.50"},
      {"llama-3.2-3b", "Q4_0", 1512 * kMiB, "1512.00"},     {"llama-3.2-3b", "Q4_K_M", 1362493440, "1299.38"},
      {"llama-3.1-8b", "Q4_0", 3744 * kMiB, "3744.00"},     {"llama-3.1-8b", "Q4_K_M", 3204 * kMiB, "3204.00"},
  };
  for (const Measured& m : rows) {
    const FitAnswer a = fit_cpu(s, m.model, m.quant);
    EXPECT_EQ(a.placement.host.repack.value(), m.bytes) << m.model << " " << m.quant;
    EXPECT_EQ(printed_mib(a.placement.host.repack.value()), m.printed) << m.model << " " << m.quant;
    EXPECT_EQ(a.placement.host.total(), a.placement.host.weights + a.placement.host.kv + a.placement.host.compute +
                                            a.placement.host.overhead + a.placement.host.output_buffer + a.placement.host.repack);
  }
}

TEST(EngineRepack, NoCopyWithoutFeaturesOrWithNoRepack) {
  Session s;
  EXPECT_EQ(fit_cpu(s, "llama-3.1-8b", "Q8_0").placement.host.repack.value(), 0);   // x86: Q8_0 not repacked
  EXPECT_EQ(fit_cpu(s, "llama-3.1-8b", "F16").placement.host.repack.value(), 0);
  EXPECT_EQ(fit_cpu(s, "llama-3.1-8b", "Q4_0", "none").placement.host.repack.value(), 0);
  // ARM with i8mm: Q8_0 blocks (218,103,808 weights x 34/32 B x 32) and the untied Q8_0 head.
  EXPECT_EQ(fit_cpu(s, "llama-3.1-8b", "Q8_0", "neon,dotprod,i8mm").placement.host.repack.value(),
            218103808LL * 34 / 32 * 32 + 4096LL * 128256 * 34 / 32);
  FitRequest r;
  r.model = "llama-3.1-8b";
  r.workload.quant = "Q4_0";
  r.placement.devices = {"cpu-ddr5-6000-2ch"};
  r.placement.no_repack = true;
  const FitAnswer a = answer_fit(s, r);
  EXPECT_EQ(a.placement.host.repack.value(), 0);
  EXPECT_EQ(a.estimate.repack.total.value(), 3744 * kMiB);  // what it would have been
}

// Default CPU: AVX2 assumed for a CPU preset, said in the assumptions.
TEST(EngineRepack, DefaultCpuIsAssumedAvx2) {
  Session s;
  FitRequest r;
  r.model = "llama-3.1-8b";
  r.workload.quant = "Q4_K_M";
  r.placement.devices = {"cpu-ddr5-6000-2ch"};
  const FitAnswer a = answer_fit(s, r);
  EXPECT_EQ(a.placement.host.repack.value(), 3204 * kMiB);
  bool said = false;
  for (const std::string& x : a.assumptions) said |= x.find("CPU_REPACK") != std::string::npos && x.find("assumed") != std::string::npos;
  EXPECT_TRUE(said);
}

// A CUDA GPU's host buffer type comes first in llama.cpp's list for host weights: no copy even for the
// layers left in RAM. Metal has none: an Apple chip's CPU layers are repacked (NEON, dotprod, i8mm on M2+).
TEST(EngineRepack, PartialOffload) {
  Session s;
  FitRequest r;
  r.model = "llama-3.1-8b";
  r.workload.quant = "Q4_0";
  r.placement.devices = {"rtx-4090"};
  r.placement.gpu_layers = "20";
  const FitAnswer cuda = answer_fit(s, r);
  EXPECT_EQ(cuda.placement.host.layer_count, 12);
  EXPECT_EQ(cuda.placement.host.repack.value(), 0);
  r.placement.devices = {"apple-m4-max-40c:64GB"};
  const FitAnswer metal = answer_fit(s, r);
  EXPECT_EQ(metal.placement.host.layer_count, 12);
  EXPECT_EQ(metal.cpu, parse_cpu_features("neon,dotprod,i8mm"));
  // 12 blocks of 218,103,808 Q4_0 weights, and the Q6_K head (in host memory: -ngl 20 < 33), which NEON
  // with i8mm repacks: 128256 rows x 4096 / 256 x 210 B = 128256 x 3360 B.
  EXPECT_EQ(metal.placement.host.repack.value(), 12 * 218103808LL * 18 / 32 + 128256LL * 3360);
  EXPECT_EQ(metal.placement.gpus.front().repack.value(), 0);
}

// gpt-oss-20b in its MXFP4_MOE file: the MXFP4 expert stacks (gate, up, down: 2880 x 2880 x 32 experts each,
// 17 B per 32 weights = 141,004,800 B a stack) are repacked, 24 blocks; the Q8_0 rest is not on x86.
// Beside a Metal GPU with --n-cpu-moe 4 only the 4 blocks' experts kept in host memory are (NEON with dotprod).
TEST(EngineRepack, GptOssMxFp4Experts) {
  Session s;
  FitRequest r;
  r.model = "gpt-oss-20b";
  r.placement.devices = {"cpu-ddr5-6000-2ch"};
  const FitAnswer cpu = answer_fit(s, r);
  EXPECT_EQ(cpu.placement.host.repack.value(), 24 * 3 * 141004800LL);
  EXPECT_EQ(cpu.estimate.repack.types, std::vector<std::string>{"mxfp4"});
  r.placement.devices = {"apple-m4-pro:24GB"};
  r.placement.n_cpu_moe = "4";
  const FitAnswer mac = answer_fit(s, r);
  EXPECT_EQ(mac.placement.host.expert_count, 4);
  EXPECT_EQ(mac.placement.host.repack.value(), 4 * 3 * 141004800LL);
}

// validate: the recorded llama.cpp CPU log (Llama 3.1 8B Q4_K_M, node-llama-cpp's Zen 4 build) prints
// CPU_REPACK 3204.00 MiB; vramfit's estimate is the same bytes.
TEST(EngineRepack, ValidateJudgesTheRepackLine) {
  Session s;
  ValidateRequest r;
  r.log = kSource + "/tests/logs/fixtures/llamacpp_cpu_node_llama_cpp.log";
  const ValidateAnswer a = answer_validate(s, r);
  bool found = false;
  for (const ValidationTerm& t : a.terms) {
    if (t.name != "weights, CPU_REPACK") continue;
    found = true;
    EXPECT_DOUBLE_EQ(t.measured, 3204.0 * kMiB);
    ASSERT_TRUE(t.estimate.has_value());
    EXPECT_DOUBLE_EQ(*t.estimate, 3204.0 * kMiB);
  }
  EXPECT_TRUE(found);
  EXPECT_TRUE(a.ok());
}

// The same run as an AMX Xeon would log it: the recorded log with its CPU_REPACK line replaced by the AMX
// buffer the rule gives (docs/llamacpp-cpu.md "AMX": the Q4_K matrices at 148 B per 256 weights and the
// Q6_K ones as they are, 4,709,654,528 B = 4491.50 MiB). No real AMX log was available; this checks that
// validate reads the `AMX` buffer as the host's copy and names the term after it.
TEST(EngineRepack, ValidateReadsAnAmxBuffer) {
  std::ifstream in(kSource + "/tests/logs/fixtures/llamacpp_cpu_node_llama_cpp.log");
  std::stringstream text;
  text << in.rdbuf();
  std::string log = text.str();
  const std::string line = "  CPU_REPACK model buffer size =  3204.00 MiB";
  ASSERT_NE(log.find(line), std::string::npos);
  log.replace(log.find(line), line.size(), "         AMX model buffer size =  4491.50 MiB");
  const std::string path = ::testing::TempDir() + "/amx_cpu.log";
  std::ofstream(path) << log;
  Session s;
  ValidateRequest r;
  r.log = path;
  r.cpu_features = "amx";
  const ValidateAnswer a = answer_validate(s, r);
  bool found = false;
  for (const ValidationTerm& t : a.terms) {
    if (t.name != "weights, AMX") continue;
    found = true;
    EXPECT_DOUBLE_EQ(t.measured, 4491.5 * kMiB);
    ASSERT_TRUE(t.estimate.has_value());
    EXPECT_DOUBLE_EQ(*t.estimate, 4709654528.0);
  }
  EXPECT_TRUE(found);
  EXPECT_TRUE(a.ok());
}

TEST(EngineRepack, EstimateShowsTheCpuOnlyCopy) {
  Session s;
  EstimateRequest r;
  r.model = "llama-3.2-1b";
  r.workload.quant = "Q4_0";
  const EstimateAnswer a = answer_estimate(s, r);
  EXPECT_EQ(a.repack.total.value(), 522 * kMiB);
  r.cpu_features = "none";
  EXPECT_EQ(answer_estimate(s, r).repack.total.value(), 0);
}

TEST(EngineRepack, UnknownFeatureIsAnInputError) {
  Session s;
  EXPECT_THROW(fit_cpu(s, "llama-3.1-8b", "Q4_0", "avx512f,avx3"), io::InputError);
}

}  // namespace
}  // namespace vramfit::engine
