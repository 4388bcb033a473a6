// The weight format of a catalog model when -q is not given (engine/query.cpp default_mix; rules in
// docs/catalog-format.md "Native formats and the default quantization"), and that -q always wins.
#include <string>

#include <gtest/gtest.h>

#include "engine/query.hpp"

namespace vramfit::engine {
namespace {

std::string mix_of(Session& s, const std::string& model, const std::string& runtime, const std::string& quant = "") {
  WorkloadRequest w;
  w.runtime = runtime;
  w.quant = quant;
  return resolve_query(s, model, w).mix->mix.id;
}

TEST(DefaultQuant, GgufRuntimesTakeTheModelsReleaseFormat) {
  Session s;
  // gpt-oss: ggml-org's own GGUF (data/models.yaml default_quant MXFP4_MOE), under llama.cpp and Ollama.
  EXPECT_EQ(mix_of(s, "gpt-oss-20b", "llama.cpp"), "MXFP4_MOE");
  EXPECT_EQ(mix_of(s, "gpt-oss-120b", "ollama"), "MXFP4_MOE");
  EXPECT_EQ(mix_of(s, "openai/gpt-oss-safeguard-20b", "llama.cpp"), "MXFP4_MOE");  // an alias: the entry's default
  // Models without one: Q4_K_M, natively FP8 or not (DeepSeek GGUFs are converted from bf16).
  EXPECT_EQ(mix_of(s, "llama-3.1-8b", "llama.cpp"), "Q4_K_M");
  EXPECT_EQ(mix_of(s, "deepseek-v3", "llama.cpp"), "Q4_K_M");
}

TEST(DefaultQuant, CheckpointRuntimesTakeThePublishedCheckpoint) {
  Session s;
  EXPECT_EQ(mix_of(s, "gpt-oss-20b", "vllm"), "mxfp4");  // MXFP4 experts + bf16, as OpenAI ships it
  EXPECT_EQ(mix_of(s, "deepseek-v3", "vllm"), "fp8-block");
  EXPECT_EQ(mix_of(s, "kimi-k2", "tgi"), "fp8-block");
  EXPECT_EQ(mix_of(s, "minimax-m2", "vllm"), "fp8-block");
  EXPECT_EQ(mix_of(s, "llama-3.1-8b", "vllm"), "hf-bf16");  // bf16 -> hf-bf16, the runtime's own default
  EXPECT_EQ(mix_of(s, "command-r", "transformers"), "hf-fp16");  // native f16 -> hf-fp16
  EXPECT_EQ(mix_of(s, "gpt-oss-20b", "mlx"), "mlx-4bit");  // MLX keeps its own default
}

TEST(DefaultQuant, TheQuantGivenAlwaysWins) {
  Session s;
  EXPECT_EQ(mix_of(s, "gpt-oss-20b", "llama.cpp", "Q4_K_M"), "Q4_K_M");
  EXPECT_EQ(mix_of(s, "deepseek-v3", "vllm", "hf-bf16"), "hf-bf16");
  // The Ollama tag's quantization stays the tag's (gpt-oss:20b is MXFP4_MOE in ollama.yaml).
  EXPECT_EQ(mix_of(s, "gpt-oss:20b", "llama.cpp"), "MXFP4_MOE");
}

TEST(DefaultQuant, TheAssumptionsSayWhere) {
  Session s;
  WorkloadRequest w;
  const Query q = resolve_query(s, "gpt-oss-20b", w);
  ASSERT_FALSE(q.assumptions.empty());
  EXPECT_NE(q.assumptions.front().find("MXFP4_MOE"), std::string::npos) << q.assumptions.front();
  EXPECT_NE(q.assumptions.front().find("default_quant"), std::string::npos) << q.assumptions.front();
  w.quant = "Q4_K_M";
  bool experts_kept = false;
  for (const std::string& a : resolve_query(s, "gpt-oss-20b", w).assumptions)
    experts_kept |= a.find("routed experts stay mxfp4") != std::string::npos;
  EXPECT_TRUE(experts_kept);
}

}  // namespace
}  // namespace vramfit::engine
