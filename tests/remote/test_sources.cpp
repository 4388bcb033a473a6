// One model, read where it lives: the same estimate from a GGUF URL, a Hugging Face repository (its
// GGUF files, or its config.json and safetensors headers) and Ollama's registry as from the same bytes
// on disk, through the whole command line (cli::run) against the loopback server. The environment
// points the endpoints at it, as a mirror would (HF_ENDPOINT, VRAMFIT_OLLAMA_REGISTRY).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "catalog/catalog.hpp"
#include "cli/app.hpp"
#include "fixture_server.hpp"
#include "gguf_model.hpp"
#include "run_cli.hpp"
#include "test_hf_hub_util.hpp"

namespace vramfit {
namespace {

using test::FixtureServer;

using test::CliRun;

class RemoteSources : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("vramfit-sources-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    setenv("HF_ENDPOINT", server_.base().c_str(), 1);
    setenv("VRAMFIT_OLLAMA_REGISTRY", server_.base().c_str(), 1);
    setenv("VRAMFIT_CACHE_DIR", (dir_ / "cache").c_str(), 1);
    unsetenv("VRAMFIT_OFFLINE");
    unsetenv("HF_HUB_OFFLINE");
    unsetenv("HF_TOKEN");
    io::Diagnostics diag;
    const io::Catalog cat = io::load_catalog({}, diag);
    writer_ = std::make_unique<gguf::Writer>(gguf::model_writer(cat.model("llama-3.1-8b").spec, cat.mix("Q4_K_M").mix, cat.type_table()));
    writer_->write(dir_ / "llama8b.gguf");
    head_ = writer_->header();
    size_ = writer_->layout().file_size;
  }
  void TearDown() override {
    std::filesystem::remove_all(dir_);
    for (const char* v : {"HF_ENDPOINT", "VRAMFIT_OLLAMA_REGISTRY", "VRAMFIT_CACHE_DIR"}) unsetenv(v);
  }

  static CliRun vramfit(std::vector<std::string> args) { return test::run_vramfit(std::move(args)); }
  static nlohmann::json estimate(const std::string& model) {
    const CliRun r = vramfit({"estimate", model, "-c", "8192", "--json"});
    EXPECT_EQ(r.code, 0) << r.err;
    return r.code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json::object();
  }
  static void expect_same_memory(const nlohmann::json& a, const nlohmann::json& b) {
    for (const char* k : {"weights", "kv_cache", "compute_buffer"}) EXPECT_EQ(a[k]["bytes"], b[k]["bytes"]) << k;
    EXPECT_EQ(a["weights"]["params"], b["weights"]["params"]);
    EXPECT_EQ(a["total_bytes"], b["total_bytes"]);
  }

  FixtureServer server_;
  std::filesystem::path dir_;
  std::unique_ptr<gguf::Writer> writer_;
  std::string head_;
  std::uint64_t size_ = 0;
};

// Llama 3.1 8B Q4_K_M: 4,912,898,048 B of weights (tests/gguf/test_model_sources.cpp works it out);
// the URL serves the same header and a 4.9 GB file of which only the header is fetched.
TEST_F(RemoteSources, GgufUrlIsTheLocalFile) {
  server_.sparse_file("/models/llama8b.gguf", head_, size_);
  const nlohmann::json local = estimate((dir_ / "llama8b.gguf").string());
  const nlohmann::json remote = estimate(server_.url("/models/llama8b.gguf"));
  EXPECT_EQ(local["weights"]["bytes"], 4912898048);
  expect_same_memory(remote, local);
  const nlohmann::json& src = remote["model"]["source"];
  EXPECT_EQ(src["kind"], "gguf_url");
  EXPECT_EQ(src["url"], server_.url("/models/llama8b.gguf"));
  EXPECT_EQ(src["cached"], false);
  // Header bytes only: the header (with its 128,256-token vocabulary) is read by a prefix that starts
  // at 1 MiB and doubles, so at most twice the header plus the first read; the file is 4.9 GB.
  const auto fetched = src["bytes_fetched"].get<std::uint64_t>();
  EXPECT_GE(fetched, head_.size());
  EXPECT_LE(fetched, 2 * head_.size() + (std::uint64_t{1} << 20));
  EXPECT_LT(fetched * 1000, size_);
  EXPECT_EQ(local["model"]["source"]["kind"], "file");

  // A second question: the cache holds the header; one cheap revalidation (the first byte) only.
  const int before = server_.requests("/models/");
  const nlohmann::json again = estimate(server_.url("/models/llama8b.gguf"));
  expect_same_memory(again, local);
  EXPECT_EQ(server_.requests("/models/") - before, 1);
  EXPECT_LE(again["model"]["source"]["bytes_fetched"].get<std::uint64_t>(), 1u);

  // Offline: the cache alone.
  setenv("VRAMFIT_OFFLINE", "1", 1);
  const int offline_before = server_.requests();
  expect_same_memory(estimate(server_.url("/models/llama8b.gguf")), local);
  EXPECT_EQ(server_.requests(), offline_before);
  const CliRun missing = vramfit({"estimate", server_.url("/models/other.gguf")});
  EXPECT_EQ(missing.code, 2);
  EXPECT_EQ(missing.err, "vramfit: error: " + server_.url("/models/other.gguf") +
                             ": not in the cache, and --offline is set (VRAMFIT_OFFLINE, HF_HUB_OFFLINE)\n");
}

// hf.co/ORG/REPO:QUANT (Ollama's and llama.cpp's spelling): the GGUF file of that quantization in a
// repository listing several, matched case-insensitively; only its header is read.
TEST_F(RemoteSources, HubGgufQuantIsTheLocalFile) {
  server_.hub_file("test-org/Llama-8B-GGUF", "main", "Llama-8B-Q4_K_M.gguf", head_, size_);
  server_.hub_file("test-org/Llama-8B-GGUF", "main", "Llama-8B-Q8_0.gguf", head_, 2 * size_);
  const nlohmann::json local = estimate((dir_ / "llama8b.gguf").string());
  const nlohmann::json remote = estimate("hf.co/test-org/Llama-8B-GGUF:q4_k_m");
  expect_same_memory(remote, local);
  const nlohmann::json& src = remote["model"]["source"];
  EXPECT_EQ(src["kind"], "huggingface");
  EXPECT_EQ(src["files"], nlohmann::json::array({server_.url("/test-org/Llama-8B-GGUF/resolve/main/Llama-8B-Q4_K_M.gguf")}));
  EXPECT_EQ(server_.requests("/test-org/Llama-8B-GGUF/resolve/main/Llama-8B-Q8_0.gguf"), 0);
  EXPECT_LE(src["bytes_fetched"].get<std::uint64_t>(), 2 * head_.size() + (std::uint64_t{1} << 20) + 4096);
  // huggingface.co/ is the same reference.
  expect_same_memory(estimate("huggingface.co/test-org/Llama-8B-GGUF:Q4_K_M"), local);
}

// ORG/REPO with safetensors: config.json, the index and each shard's header give the estimate of the
// clone on disk (sparse files of the real sizes).
TEST_F(RemoteSources, HubSafetensorsRepositoryIsItsClone) {
  const io::hub_test::Repo repo = io::hub_test::llama8b_repo();
  repo.serve(server_, "test-org/Llama-8B", "main");
  const test::TempDir clone;
  repo.write(clone);
  const nlohmann::json local = estimate(clone.str());
  const nlohmann::json remote = estimate("test-org/Llama-8B");
  EXPECT_EQ(local["weights"]["bytes"], 2 * io::hub_test::kLlama8bParams);  // BF16
  expect_same_memory(remote, local);
  EXPECT_EQ(remote["model"]["source"]["kind"], "huggingface");
  EXPECT_EQ(remote["model"]["source"]["revision"], "main");
  // https://huggingface.co/ORG/REPO is the same repository, read from HF_ENDPOINT.
  expect_same_memory(estimate("https://huggingface.co/test-org/Llama-8B"), local);

  // An existing local path of the same spelling wins over the Hub: no request is made.
  repo.write_to(dir_ / "test-org" / "Llama-8B");
  const std::filesystem::path cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir_);
  const int before = server_.requests();
  const nlohmann::json here = estimate("test-org/Llama-8B");
  std::filesystem::current_path(cwd);
  EXPECT_EQ(server_.requests(), before);
  EXPECT_EQ(here["model"]["source"]["kind"], "file");
  expect_same_memory(here, local);
}

// NAME:TAG that data/ollama.yaml does not know: the registry's manifest, then the model layer's
// header (the blob answers with a redirect to the CDN path).
TEST_F(RemoteSources, OllamaNameTagIsTheLocalFile) {
  server_.ollama_model("library", "llama-test", "8b-q4", head_, size_);
  const nlohmann::json local = estimate((dir_ / "llama8b.gguf").string());
  const nlohmann::json remote = estimate("llama-test:8b-q4");
  expect_same_memory(remote, local);
  EXPECT_EQ(remote["model"]["source"]["kind"], "ollama");
  EXPECT_EQ(remote["model"]["source"]["url"], server_.url("/v2/library/llama-test/manifests/8b-q4"));
  expect_same_memory(estimate("ollama.com/library/llama-test:8b-q4"), local);
  // A name the catalog knows answers offline, without a request.
  const int before = server_.requests();
  const CliRun known = vramfit({"estimate", "llama3.1:8b", "--json"});
  EXPECT_EQ(known.code, 0) << known.err;
  EXPECT_EQ(server_.requests(), before);
}

TEST_F(RemoteSources, RemoteErrorsAreOneLineExit2) {
  server_.mode("/models/page.gguf", FixtureServer::Mode::garbage);
  server_.mode("/models/gone.gguf", FixtureServer::Mode::html_404);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {server_.url("/models/page.gguf"), ": not a GGUF file (magic bytes 3c 21 64 6f"},
      {server_.url("/models/gone.gguf"), server_.url("/models/gone.gguf") + ": not found (HTTP 404)"},
      {"http://127.0.0.1:1/x.gguf", "http://127.0.0.1:1/x.gguf: cannot connect to 127.0.0.1:1"},
      {"ftp://example.org/x.gguf", "'ftp://example.org/x.gguf'"},
  };
  for (const auto& [ref, message] : cases) {
    SCOPED_TRACE(ref);
    const CliRun r = vramfit({"fit", ref, "--device", "rtx-4090"});
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(r.out.empty());
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace vramfit
