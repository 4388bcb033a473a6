// The same model gives the same answer whichever way it reaches vramfit: a catalog id, an Ollama
// name, a GGUF file, a Hugging Face config.json (re-estimated with -q). The CLI runs in-process
// (cli::run) and the JSON documents are compared term by term.
#include <cstdlib>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/catalog.hpp"
#include "cli/app.hpp"
#include "gguf_model.hpp"

namespace vramfit {
namespace {

struct Result {
  int code = 0;
  std::string out, err;
};

Result vramfit_cli(std::vector<std::string> args) {
  // No network: a reference that looks remote answers from an empty cache, offline.
  setenv("VRAMFIT_OFFLINE", "1", 1);
  setenv("VRAMFIT_CACHE_DIR", "/nonexistent/vramfit-test-cache", 1);
  args.insert(args.begin(), "vramfit");
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  cli::Io io{out, err};
  Result r;
  r.code = cli::run(static_cast<int>(argv.size()), argv.data(), io);
  r.out = out.str();
  r.err = err.str();
  return r;
}

nlohmann::json estimate_json(const std::vector<std::string>& model_args) {
  std::vector<std::string> args{"estimate"};
  args.insert(args.end(), model_args.begin(), model_args.end());
  for (const char* a : {"-c", "8192", "--json"}) args.emplace_back(a);
  const Result r = vramfit_cli(args);
  EXPECT_EQ(r.code, 0) << r.err;
  return nlohmann::json::parse(r.out);
}

class ModelSources : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    io::Diagnostics diag;
    const io::Catalog cat = io::load_catalog({}, diag);
    const TypeTable types = cat.type_table();
    dir_ = std::filesystem::temp_directory_path() / ("vramfit-sources-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    gguf::model_writer(cat.model("llama-3.1-8b").spec, cat.mix("Q4_K_M").mix, types).write(dir_ / "llama8b.gguf");
    gguf::model_writer(cat.model("gpt-oss-20b").spec, cat.mix("MXFP4_MOE").mix, types).write(dir_ / "gptoss.gguf");
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(dir_); }
  static std::string file(const char* name) { return (dir_ / name).string(); }
  static inline std::filesystem::path dir_;
};

void expect_same_memory(const nlohmann::json& a, const nlohmann::json& b) {
  EXPECT_EQ(a["weights"]["bytes"], b["weights"]["bytes"]);
  EXPECT_EQ(a["weights"]["params"], b["weights"]["params"]);
  EXPECT_EQ(a["kv_cache"]["bytes"], b["kv_cache"]["bytes"]);
  EXPECT_EQ(a["compute_buffer"]["bytes"], b["compute_buffer"]["bytes"]);
  EXPECT_EQ(a["total_bytes"], b["total_bytes"]);
}

TEST_F(ModelSources, CatalogOllamaGgufAndConfigAgreeForLlama31_8B) {
  const nlohmann::json by_id = estimate_json({"llama-3.1-8b"});
  // Hand check: Q4_K_M weights 4,912,898,048 B (methods.md §1.3); KV f16 at 8192 = 32*8*128*2*2*8192 = 1 GiB.
  EXPECT_EQ(by_id["weights"]["bytes"], 4912898048);
  EXPECT_EQ(by_id["kv_cache"]["bytes"], 1073741824);
  expect_same_memory(estimate_json({"llama3.1:8b"}), by_id);
  expect_same_memory(estimate_json({file("llama8b.gguf")}), by_id);
  const std::string config = std::string(VRAMFIT_SOURCE_DIR) + "/tests/hf/configs/llama-3.1-8b.json";
  expect_same_memory(estimate_json({config, "-q", "Q4_K_M"}), by_id);
}

TEST_F(ModelSources, OllamaTagQuantizationMatchesTheFile) {
  // gpt-oss:20b is served as MXFP4 (experts) by Ollama: the same bytes as the MXFP4_MOE file.
  const nlohmann::json ollama = estimate_json({"gpt-oss:20b"});
  expect_same_memory(ollama, estimate_json({file("gptoss.gguf")}));
  expect_same_memory(ollama, estimate_json({"gpt-oss-20b", "-q", "MXFP4_MOE"}));
}

TEST_F(ModelSources, FileErrorsAreOneLineExit2) {
  std::ofstream(file("text.gguf")) << "this is not a GGUF file\n";
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"fit", file("missing.gguf"), "--device", "rtx-4090"}, "missing.gguf: no such file or directory"},
      {{"fit", file("text.gguf"), "--device", "rtx-4090"}, "text.gguf"},
      {{"show", file("text.gguf")}, "text.gguf"},
      {{"estimate", "llama-3.1-8b", "--mmproj", file("llama8b.gguf")}, "--mmproj goes with a GGUF model file"},
      {{"estimate", file("llama8b.gguf"), "--mmproj", file("gptoss.gguf")}, "vision projector"},
      {{"estimate", "gemma3:27b-it-q8_0", "-q", "Q4_K_M"}, "drop -q Q4_K_M"},
      {{"estimate", "llama3.1:13b"}, "unknown Ollama tag 'llama3.1:13b'"},
  };
  for (const auto& [args, message] : cases) {
    const Result r = vramfit_cli(args);
    SCOPED_TRACE(args[1]);
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

TEST_F(ModelSources, MmprojAddsTheVisionProjector) {
  // A clip file of two f16 tensors: 1024 x 1024 x 2 B = 2,097,152 B and 4096 x 1024 x 2 B = 8,388,608 B.
  gguf::Writer clip;
  clip.add_string("general.architecture", "clip");
  clip.add_tensor("v.blk.0.attn_q.weight", {1024, 1024}, 1, 2097152);
  clip.add_tensor("mm.0.weight", {1024, 4096}, 1, 8388608);
  clip.write(dir_ / "mmproj.gguf");
  const nlohmann::json text = estimate_json({file("llama8b.gguf")});
  const nlohmann::json vlm = estimate_json({file("llama8b.gguf"), "--mmproj", file("mmproj.gguf")});
  EXPECT_EQ(vlm["weights"]["bytes"].get<std::int64_t>(), text["weights"]["bytes"].get<std::int64_t>() + 10485760);
  // Parameters: 1024 x 1024 + 1024 x 4096 = 5,242,880 more in total, the text model's unchanged.
  EXPECT_EQ(vlm["weights"]["params"].get<std::int64_t>(), text["weights"]["params"].get<std::int64_t>() + 5242880);
  EXPECT_EQ(vlm["weights"]["params_text"], text["weights"]["params_text"]);
  const nlohmann::json text_only = estimate_json({file("llama8b.gguf"), "--mmproj", file("mmproj.gguf"), "--text-only"});
  EXPECT_EQ(text_only["weights"]["bytes"], text["weights"]["bytes"]);
  // The projector alone is not a model.
  const Result r = vramfit_cli({"estimate", file("mmproj.gguf")});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("vision projector (mmproj) file: pass it with --mmproj"), std::string::npos) << r.err;
}

// llama.cpp has no mllama architecture (src/llama-arch.cpp has no LLM_ARCH_MLLAMA): an mllama GGUF
// (Ollama's Llama 3.2 Vision files) is refused with a message that says so, for every command.
TEST_F(ModelSources, MllamaGgufIsRefusedBecauseLlamaCppCannotLoadIt) {
  gguf::Writer w;
  w.add_string("general.architecture", "mllama");
  w.add_tensor("token_embd.weight", {64, 100}, 1, 64 * 100 * 2);
  w.write(dir_ / "mllama.gguf");
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"estimate", file("mllama.gguf")}, {"show", file("mllama.gguf")}, {"fit", file("mllama.gguf"), "--device", "rtx-4090"}}) {
    const Result r = vramfit_cli(args);
    SCOPED_TRACE(args[0]);
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_NE(r.err.find("architecture 'mllama' (Llama 3.2 Vision) is Ollama's own format: llama.cpp cannot load it"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

TEST_F(ModelSources, ShowReadsTheTensorTypes) {
  const Result r = vramfit_cli({"show", file("llama8b.gguf"), "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["file"]["quant"], "Q4_K_M");
  EXPECT_EQ(j["file"]["tensors"], 291);  // 1 + 32 x 9 + 2 (token_embd, 9 per block, output_norm, output)
  EXPECT_EQ(j["layers"], 32);
  EXPECT_EQ(j["kv_heads"], 8);
  // q4_K: 193 tensors; q6_K: 33 (output + attn_v/ffn_down on use_more_bits layers); f32: 65 norms.
  std::map<std::string, std::int64_t> count;
  for (const auto& t : j["file"]["tensor_types"]) count[t["type"]] = t["tensors"];
  EXPECT_EQ(count["q4_K"], 193);
  EXPECT_EQ(count["q6_K"], 33);
  EXPECT_EQ(count["f32"], 65);
}

}  // namespace
}  // namespace vramfit
