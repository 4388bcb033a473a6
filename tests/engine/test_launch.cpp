// Launch commands (engine/launch.hpp, issue 21): for a set of plans, the command line worked out by
// hand from the plan (comments), and every flag, environment variable and Ollama parameter emitted
// is a row of the table in docs/runtimes.md "Launch commands" for that runtime, whose meaning begins
// with the meaning the generator gives it.
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/launch.hpp"

namespace vramfit::engine {
namespace {

const std::string kSource = VRAMFIT_SOURCE_DIR;

std::string trim(const std::string& s) {
  const std::size_t a = s.find_first_not_of(' ');
  const std::size_t b = s.find_last_not_of(' ');
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

// (runtime, flag) -> meaning, from the rows `| `flag` | runtime | meaning | source | status |` of the
// "Launch commands" section.
std::map<std::pair<std::string, std::string>, std::string> documented_flags() {
  std::ifstream in(kSource + "/docs/runtimes.md");
  std::map<std::pair<std::string, std::string>, std::string> out;
  std::string line;
  bool section = false;
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0) section = line == "## Launch commands";
    if (!section || line.rfind("| `", 0) != 0) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line.substr(1));
    for (std::string c; std::getline(ss, c, '|');) cells.push_back(trim(c));
    if (cells.size() < 5) continue;
    const std::string flag = cells[0].substr(1, cells[0].size() - 2);  // `-c` -> -c
    out[{cells[1], flag}] = cells[2];
  }
  return out;
}

// Every flag of the command is documented for its runtime with the generator's meaning.
void expect_documented(const LaunchCommand& c) {
  static const auto table = documented_flags();
  ASSERT_FALSE(table.empty()) << "no table in docs/runtimes.md \"Launch commands\"";
  std::vector<LaunchFlag> all = c.flags;
  all.insert(all.end(), c.env.begin(), c.env.end());
  all.insert(all.end(), c.parameters.begin(), c.parameters.end());
  for (const LaunchFlag& f : all) {
    const auto row = table.find({c.runtime, f.name});
    ASSERT_NE(row, table.end()) << f.name << " is not in docs/runtimes.md for " << c.runtime;
    EXPECT_EQ(row->second.rfind(f.meaning, 0), 0u) << f.name << ": documented as '" << row->second << "', emitted for '" << f.meaning << "'";
  }
  // Flags in argv are the flags listed, in order, after the program (and a subcommand and model).
  std::size_t i = 0;
  for (const std::string& w : c.argv)
    if (!w.empty() && w[0] == '-') {
      ASSERT_LT(i, c.flags.size());
      EXPECT_EQ(w, c.flags[i++].name);
    }
  EXPECT_EQ(i, c.flags.size());
}

struct Asked {
  FitRequest request;
  FitAnswer answer;
  LaunchCommand launch;
};

Asked ask(Session& s, const std::string& model, const std::vector<std::string>& devices, void (*set)(FitRequest&) = nullptr) {
  Asked a;
  a.request.model = model;
  a.request.placement.devices = devices;
  if (set != nullptr) set(a.request);
  a.answer = answer_fit(s, a.request);
  EXPECT_TRUE(a.answer.fits());
  a.launch = launch_command(s, a.request, a.answer);
  expect_documented(a.launch);
  return a;
}

// Llama 3.1 8B Q4_K_M on an RTX 4090: every one of the 32 blocks and the output layer on the GPU,
// -ngl 33 (methods.md §4.1: blocks + 1); 4096 tokens x 1 sequence; f16 KV, flash attention on and
// ubatch 512 are llama.cpp's defaults but -fa is always given. No GGUF repository in the catalog.
TEST(Launch, SingleGpuFullOffload) {
  Session s;
  const Asked a = ask(s, "llama-3.1-8b", {"rtx-4090"});
  EXPECT_EQ(a.launch.command(), "llama-server -m <llama-3.1-8b-Q4_K_M.gguf> -c 4096 -ngl 33 -fa on");
  ASSERT_FALSE(a.launch.notes.empty());
  EXPECT_NE(a.launch.notes[0].find("placeholder"), std::string::npos);
  EXPECT_NE(a.launch.notes[0].find("meta-llama/Llama-3.1-8B"), std::string::npos);
}

// Llama 3.1 70B on a 24 GiB card with 64 GB of RAM: 43 of the 81 layers on the GPU with the 1 GiB
// margin kept free (the engine test FitWithOffload), so -ngl 43.
TEST(Launch, PartialOffload) {
  Session s;
  const Asked a = ask(s, "llama-3.1-70b", {"rtx-4090"}, [](FitRequest& r) { r.placement.ram = "64GB"; });
  EXPECT_EQ(a.answer.placement.gpu_layers, 43);
  EXPECT_EQ(a.launch.command(), "llama-server -m <llama-3.1-70b-Q4_K_M.gguf> -c 4096 -ngl 43 -fa on");
}

// Qwen3-30B-A3B (48 blocks) with --cpu-moe: every block and the output on the GPU (-ngl 49), the
// routed experts of all 48 blocks in RAM: --cpu-moe; with --n-cpu-moe 20 the first 20: --n-cpu-moe 20.
TEST(Launch, ExpertsInRam) {
  Session s;
  const Asked all = ask(s, "qwen3-30b-a3b", {"rtx-4060-ti-8gb"}, [](FitRequest& r) { r.placement.cpu_moe = true; });
  EXPECT_EQ(all.launch.command(), "llama-server -m <qwen3-30b-a3b-Q4_K_M.gguf> -c 4096 -ngl 49 --cpu-moe -fa on");
  const Asked some = ask(s, "qwen3-30b-a3b", {"rtx-4090"}, [](FitRequest& r) { r.placement.n_cpu_moe = "20"; });
  EXPECT_EQ(some.answer.placement.cpu_moe_layers, 20);
  EXPECT_EQ(some.launch.command(), "llama-server -m <qwen3-30b-a3b-Q4_K_M.gguf> -c 4096 -ngl 49 --n-cpu-moe 20 -fa on");
}

// Llama 3.1 70B on two RTX 3090s, 16k tokens, q8_0 KV: the layer split 41 + 39 blocks, the output on
// the second GPU (the reviewed golden readme_fit_llama70b_rtx3090x2_q8_json), so -ts 41,40 of -ngl 81;
// -ctk and -ctv q8_0.
TEST(Launch, TwoGpusQuantizedKv) {
  Session s;
  const Asked a = ask(s, "llama-3.1-70b", {"rtx-3090x2"}, [](FitRequest& r) {
    r.workload.context = "16k";
    r.workload.kv_type = "q8_0";
  });
  ASSERT_EQ(a.answer.placement.gpus.size(), 2u);
  EXPECT_EQ(a.launch.command(), "llama-server -m <llama-3.1-70b-Q4_K_M.gguf> -c 16384 -ngl 81 -ts 41,40 -ctk q8_0 -ctv q8_0 -fa on");
}

// 4 sequences of 8192 tokens: llama-server's -c is the total, 4 x 8192 = 32768, with -np 4; flash
// attention off and ubatch 1024 are given as -fa off and -ub 1024.
TEST(Launch, ParallelFour) {
  Session s;
  const Asked a = ask(s, "llama-3.1-8b", {"rtx-4090"}, [](FitRequest& r) {
    r.workload.context = "8192";
    r.workload.parallel = "4";
    r.workload.no_flash_attention = true;
    r.workload.ubatch = "1024";
  });
  EXPECT_EQ(a.launch.command(), "llama-server -m <llama-3.1-8b-Q4_K_M.gguf> -c 32768 -np 4 -ngl 33 -fa off -ub 1024");
}

// Ollama tag gpt-oss:20b under --runtime ollama: the tag as typed; the server's environment
// OLLAMA_FLASH_ATTENTION=1 (always given), q8_0 KV -> OLLAMA_KV_CACHE_TYPE=q8_0, 2 sequences ->
// OLLAMA_NUM_PARALLEL=2; num_ctx 8192 is per request (Ollama multiplies it itself); every layer on the
// GPU, so no num_gpu.
TEST(Launch, OllamaTag) {
  Session s;
  const Asked a = ask(s, "gpt-oss:20b", {"rtx-4090"}, [](FitRequest& r) {
    r.workload.runtime = "ollama";
    r.workload.context = "8192";
    r.workload.kv_type = "q8_0";
    r.workload.parallel = "2";
  });
  EXPECT_EQ(a.launch.command(), "ollama run gpt-oss:20b");
  ASSERT_EQ(a.launch.env.size(), 3u);
  EXPECT_EQ(a.launch.env[0].name + "=" + a.launch.env[0].value, "OLLAMA_FLASH_ATTENTION=1");
  EXPECT_EQ(a.launch.env[1].name + "=" + a.launch.env[1].value, "OLLAMA_KV_CACHE_TYPE=q8_0");
  EXPECT_EQ(a.launch.env[2].name + "=" + a.launch.env[2].value, "OLLAMA_NUM_PARALLEL=2");
  ASSERT_EQ(a.launch.parameters.size(), 1u);
  EXPECT_EQ(a.launch.parameters[0].name + " " + a.launch.parameters[0].value, "num_ctx 8192");
}

// A catalog id under Ollama: llama-3.1-8b Q4_K_M is llama3.1:8b (data/ollama.yaml); offloaded in part
// (70B with 64 GB of RAM: 45 layers) the plan gives num_gpu 45.
TEST(Launch, OllamaCatalogIdPartialOffload) {
  Session s;
  const Asked a = ask(s, "llama-3.1-8b", {"rtx-4090"}, [](FitRequest& r) { r.workload.runtime = "ollama"; });
  EXPECT_EQ(a.launch.command(), "ollama run llama3.1:8b");
  const Asked b = ask(s, "llama3.1:70b", {"rtx-4090"}, [](FitRequest& r) {
    r.workload.runtime = "ollama";
    r.placement.ram = "64GB";
  });
  EXPECT_EQ(b.launch.command(), "ollama run llama3.1:70b");
  ASSERT_EQ(b.launch.parameters.size(), 2u);
  EXPECT_EQ(b.launch.parameters[1].name, "num_gpu");
  EXPECT_EQ(b.launch.parameters[1].value, std::to_string(b.answer.placement.gpu_layers));
  EXPECT_LT(b.answer.placement.gpu_layers, b.answer.placement.total_layers);
}

// vLLM on two H100s (--tp 2), 32k tokens, fp8 KV: the catalog's Hugging Face id, --max-model-len 32768,
// the profile's 0.9 share, -tp 2, --kv-cache-dtype fp8, its max_num_seqs 256 and max_num_batched_tokens
// 8192 (data/runtimes.yaml vllm).
TEST(Launch, VllmTensorParallelFp8) {
  Session s;
  const Asked a = ask(s, "llama-3.1-8b", {"h100-sxm"}, [](FitRequest& r) {
    r.workload.runtime = "vllm";
    r.workload.context = "32k";
    r.workload.kv_type = "fp8";
    r.placement.tp = "2";
  });
  ASSERT_TRUE(a.answer.pool.has_value());
  EXPECT_EQ(a.launch.command(),
            "vllm serve meta-llama/Llama-3.1-8B --max-model-len 32768 --gpu-memory-utilization 0.9 -tp 2 --kv-cache-dtype fp8 "
            "--max-num-seqs 256 --max-num-batched-tokens 8192");
}

// MLX on an M4 Pro: the 4-bit MLX weights are a conversion, named by a placeholder; no context flag.
TEST(Launch, Mlx) {
  Session s;
  const Asked a = ask(s, "qwen3-30b-a3b", {"apple-m4-pro:48GB"}, [](FitRequest& r) { r.workload.runtime = "mlx"; });
  EXPECT_EQ(a.launch.command(), "mlx_lm.server --model <qwen3-30b-a3b-mlx-4bit>");
  bool context_note = false;
  for (const std::string& n : a.launch.notes) context_note |= n.find("no context flag") != std::string::npos;
  EXPECT_TRUE(context_note);
}

// transformers and a tensor-parallel plan under llama.cpp: no command, a note why.
TEST(Launch, NoCommand) {
  Session s;
  const Asked t = ask(s, "llama-3.1-8b", {"rtx-4090"}, [](FitRequest& r) { r.workload.runtime = "transformers"; });
  EXPECT_FALSE(t.launch.has_command());
  EXPECT_EQ(t.launch.command(), "");
  ASSERT_EQ(t.launch.notes.size(), 1u);
  const Asked tp = ask(s, "llama-3.1-70b", {"h100-sxm"}, [](FitRequest& r) { r.placement.tp = "2"; });
  EXPECT_FALSE(tp.launch.has_command());
}

TEST(Launch, ShellWords) {
  EXPECT_EQ(shell_word("meta-llama/Llama-3.1-8B"), "meta-llama/Llama-3.1-8B");
  EXPECT_EQ(shell_word("<x.gguf>"), "<x.gguf>");
  EXPECT_EQ(shell_word("my model.gguf"), "'my model.gguf'");
  EXPECT_EQ(shell_word("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_word(""), "''");
}

}  // namespace
}  // namespace vramfit::engine
