// formats/hf_hub.cpp against the loopback Hub (fixture_server.hpp), safetensors repositories: the
// same model file as the clone read by read_hf_model, header bytes only; the cache answers a pinned
// revision without a request and a branch with one; every error is one line naming the reference.
// GGUF repositories: test_hf_hub_gguf.cpp.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "formats/hf_hub.hpp"
#include "formats/safetensors.hpp"
#include "test_hf_hub_util.hpp"

namespace vramfit::io {
namespace {

using namespace hub_test;
namespace fs = std::filesystem;

// ---- safetensors ---------------------------------------------------------------------------------

TEST_F(HubTest, ASafetensorsRepositoryIsItsCloneReadOverHttp) {
  const Repo repo = llama8b_repo();
  repo.serve(server, "test-org/Llama-8B", "main");
  server.hub_file("test-org/Llama-8B", "main", "original/consolidated.00.pth", "", std::uint64_t{16} << 30);
  TempDir dir;
  repo.write(dir);

  const ModelFile remote = read(options(), "test-org/Llama-8B");
  const hf::HfModel local = hf::read_hf_model(dir.str());
  expect_same_tensors(remote.tensors, local.tensors);
  expect_same_spec(remote.model.spec, local.spec);
  EXPECT_EQ(remote.mix_id, "hf-bf16");
  EXPECT_EQ(remote.mix_id, local.mix_id);
  EXPECT_EQ(remote.notes, local.notes);
  const WeightBreakdown w = weight_bytes_from_file(remote.model.spec, remote.tensors);
  const WeightBreakdown lw = weight_bytes_from_file(local.spec, local.tensors);
  EXPECT_EQ(w.params, kLlama8bParams);
  EXPECT_EQ(w.total, Bytes{2 * kLlama8bParams});  // BF16: 16,060,522,496 B
  EXPECT_EQ(w.total, lw.total);
  EXPECT_EQ(w.params, lw.params);

  // As a local directory becomes a model file: the id is the repository's name.
  EXPECT_EQ(remote.format, "safetensors");
  EXPECT_EQ(remote.model.spec.id, "Llama-8B");
  EXPECT_EQ(remote.path, "test-org/Llama-8B");
  EXPECT_EQ(remote.stored_as, "hf-bf16 (291 safetensors tensors)");
  EXPECT_EQ(remote.model.meta.source, std::vector<std::string>{resolve("test-org/Llama-8B", "config.json")});
  const std::vector<std::pair<std::string, std::string>> facts = {{"format", "safetensors"},
                                                                  {"repository", "test-org/Llama-8B"},
                                                                  {"revision", "main"},
                                                                  {"config", resolve("test-org/Llama-8B", "config.json")},
                                                                  {"quantization", "hf-bf16"}};
  EXPECT_EQ(remote.facts, facts);
  ASSERT_TRUE(remote.remote.has_value());
  const RemoteSource& s = *remote.remote;
  EXPECT_EQ(s.kind, "huggingface");
  EXPECT_EQ(s.reference, "test-org/Llama-8B");
  EXPECT_EQ(s.url, server.base() + "/test-org/Llama-8B");
  EXPECT_EQ(s.revision, "main");
  std::vector<std::string> files = {resolve("test-org/Llama-8B", "config.json"), resolve("test-org/Llama-8B", "model.safetensors.index.json")};
  for (int k = 1; k <= 4; ++k) files.push_back(resolve("test-org/Llama-8B", "model-0000" + std::to_string(k) + "-of-00004.safetensors"));
  EXPECT_EQ(s.files, files);
  EXPECT_FALSE(s.cached);

  // Header bytes only: the listing, config.json, the index, then one 64 KiB Range read per shard
  // (each header here is under 64 KiB) out of 16 GB of shards; nothing else of the repository is asked for.
  EXPECT_EQ(s.requests, 1 + 2 + 4);
  EXPECT_EQ(server.requests("/test-org/Llama-8B/resolve/main/model-"), 4);
  EXPECT_EQ(server.requests("/test-org/Llama-8B/resolve/main/original"), 0);
  EXPECT_EQ(server.requests("/test-org/Llama-8B/resolve/main/README.md"), 0);
  constexpr std::uint64_t kFirst = 64 * 1024;
  for (const Shard& sh : repo.shards) EXPECT_LT(sh.head.size(), kFirst) << sh.name;
  const std::uint64_t docs = repo.texts[0].second.size() + repo.texts[1].second.size();
  EXPECT_GE(s.bytes_fetched, 4 * kFirst + docs);
  EXPECT_LT(s.bytes_fetched, 4 * kFirst + docs + 16 * 1024);  // the listing: under 16 KiB
}

// A header over the first 64 KiB read: one more Range read, to the header's end, never the data.
TEST_F(HubTest, ALargeHeaderTakesASecondRangeRead) {
  const std::vector<St> ts = {{"model.embed_tokens.weight", {256, 64}}};
  const Shard big = shard("model.safetensors", ts, std::string(1536 * 1024, 'm'));  // 1.5 MiB of metadata
  server.hub_file("test-org/Tiny", "main", "config.json",
                  R"({"model_type": "llama", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
    "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 256, "max_position_embeddings": 2048,
    "torch_dtype": "bfloat16"})");
  server.hub_file("test-org/Tiny", "main", "model.safetensors", big.head, std::uint64_t{8} << 30);
  const ModelFile f = read(options(), "test-org/Tiny");
  ASSERT_EQ(f.tensors.size(), 1u);
  EXPECT_EQ(f.tensors[0].bytes, Bytes{256 * 64 * 2});
  EXPECT_EQ(server.requests("/test-org/Tiny/resolve/main/model.safetensors"), 2);
  // [0, 64 KiB), then the rest of the 1.5 MiB header: nothing past it.
  EXPECT_LT(f.remote->bytes_fetched, big.head.size() + 64 * 1024 + 4096);
}

// A repository with a config.json and no weights: the architecture, as a local config.json.
TEST_F(HubTest, AConfigAloneIsReadAsALocalConfigJson) {
  const std::string config = source_file("tests/hf/configs/qwen3-30b-a3b.json");
  server.hub_file("test-org/Qwen3-30B-A3B", "main", "config.json", config);
  server.hub_file("test-org/Qwen3-30B-A3B", "main", "LICENSE", "Apache-2.0");
  TempDir dir;
  test::write_text(dir.file("config.json"), config);
  const ModelFile remote = read(options(), "https://huggingface.co/test-org/Qwen3-30B-A3B");
  const hf::HfModel local = hf::read_hf_model(dir.file("config.json"));
  EXPECT_EQ(remote.format, "config.json");
  EXPECT_TRUE(remote.tensors.empty());
  expect_same_spec(remote.model.spec, local.spec);
  EXPECT_EQ(remote.mix_id, local.mix_id);
  EXPECT_EQ(remote.stored_as, local.mix_id);
  EXPECT_EQ(remote.model.spec.id, "Qwen3-30B-A3B");
  EXPECT_EQ(remote.remote->requests, 2);  // the listing, config.json
}

// ---- the cache and --offline ---------------------------------------------------------------------

TEST_F(HubTest, APinnedRevisionIsAnsweredFromTheCache) {
  const Repo repo = llama8b_repo();
  repo.serve(server, "test-org/Llama-8B", kCommit);  // also served as main
  const std::string ref = "test-org/Llama-8B@" + kCommit;
  const ModelFile first = read(options(), ref);
  EXPECT_EQ(first.remote->requests, 7);
  EXPECT_EQ(first.remote->revision, kCommit);
  EXPECT_EQ(first.remote->files.front(), resolve("test-org/Llama-8B", "config.json", kCommit));
  const int served = server.requests();
  const ModelFile again = read(options(), ref);
  EXPECT_EQ(again.remote->requests, 0);
  EXPECT_EQ(again.remote->bytes_fetched, 0u);
  EXPECT_TRUE(again.remote->cached);
  EXPECT_EQ(server.requests(), served);
  expect_same_tensors(again.tensors, first.tensors);
}

TEST_F(HubTest, ABranchIsRevalidatedByOneListingRequest) {
  Repo repo = llama8b_repo();
  repo.serve(server, "test-org/Llama-8B", "main");
  const ModelFile first = read(options(), "test-org/Llama-8B");
  EXPECT_EQ(first.remote->requests, 7);
  const ModelFile again = read(options(), "test-org/Llama-8B");
  EXPECT_EQ(again.remote->requests, 1);
  EXPECT_EQ(server.requests("/api/models/test-org/Llama-8B/tree/main"), 2);
  EXPECT_EQ(server.requests("/test-org/Llama-8B/resolve/"), 6);  // once each, the first time
  expect_same_tensors(again.tensors, first.tensors);
  EXPECT_EQ(again.model.spec.max_context, 131072);

  // The branch moved: config.json changed (its size in the listing with it); only it is fetched again.
  std::string config = repo.texts[0].second;
  config.replace(config.find("131072"), 6, "32768");
  server.hub_file("test-org/Llama-8B", "main", "config.json", config);
  const ModelFile moved = read(options(), "test-org/Llama-8B");
  EXPECT_EQ(moved.remote->requests, 2);
  EXPECT_EQ(moved.model.spec.max_context, 32768);

  // --offline: the cache alone, and a repository it does not hold is a one-line error.
  RemoteOptions offline = options();
  offline.offline = true;
  const int served = server.requests();
  const ModelFile cached = read(offline, "test-org/Llama-8B");
  EXPECT_EQ(cached.remote->requests, 0);
  EXPECT_EQ(cached.model.spec.max_context, 32768);
  expect_same_tensors(cached.tensors, first.tensors);
  EXPECT_EQ(error_of([&] { read(offline, "test-org/Uncached"); }),
            "test-org/Uncached: not in the cache, and --offline is set (VRAMFIT_OFFLINE, HF_HUB_OFFLINE)");
  EXPECT_EQ(server.requests(), served);
}

// ---- hostile and missing -------------------------------------------------------------------------

TEST_F(HubTest, NotFoundIsRemoteNotFound) {
  const RemoteOptions o = options();
  EXPECT_THROW(read(o, "test-org/Nothing"), RemoteNotFound);
  EXPECT_EQ(error_of([&] { read(o, "test-org/Nothing"); }),
            "test-org/Nothing: no such repository on " + server.base() + " (or no revision 'main')");
  server.mode("/api/models/test-org/Html/tree/main", FixtureServer::Mode::html_404);
  EXPECT_THROW(read(o, "hf.co/test-org/Html:Q4_K_M"), RemoteNotFound);
  EXPECT_EQ(error_of([&] { read(o, "hf.co/test-org/Html:Q4_K_M"); }),
            "hf.co/test-org/Html: no such repository on " + server.base() + " (or no revision 'main')");
}

TEST_F(HubTest, AListingThatIsNoJsonIsOneLine) {
  const std::string why = ": the file listing is not JSON (a Hub endpoint? HF_ENDPOINT=" + server.base() + ")";
  server.mode("/api/models/test-org/Garbage/tree/main", FixtureServer::Mode::garbage);
  EXPECT_EQ(error_of([&] { read(options(), "test-org/Garbage"); }), "test-org/Garbage" + why);
  server.file("/api/models/test-org/Object/tree/main", R"({"error": "Invalid rev id: main"})");
  EXPECT_EQ(error_of([&] { read(options(), "test-org/Object"); }), "test-org/Object" + why);
  // config.json that is an HTML page: the config reader's message, naming its URL.
  server.hub_file("test-org/Html-Config", "main", "config.json", "<!doctype html><p>sign in</p>");
  const std::string e = error_of([&] { read(options(), "test-org/Html-Config"); });
  EXPECT_EQ(e.rfind(resolve("test-org/Html-Config", "config.json") + ": invalid JSON at byte 1", 0), 0u) << e;
}

TEST_F(HubTest, SafetensorsHeadersPastTheLimitOrTruncatedStop) {
  const std::string config = source_file("tests/hf/configs/llama-3.1-8b.json");
  server.hub_file("test-org/Huge", "main", "config.json", config);
  server.hub_file("test-org/Huge", "main", "model.safetensors", le64(2000000000) + "{\"a\": ", std::uint64_t{5} << 30);
  {
    Fetcher fetcher(options());
    EXPECT_EQ(error_of([&] { read_remote_model(fetcher, *parse_remote_ref("test-org/Huge"), "", ""); }),
              resolve("test-org/Huge", "model.safetensors") + ": header length 2000000000 exceeds the 100 MiB limit");
    EXPECT_LE(fetcher.bytes_received(), 64 * 1024 + config.size() + 1024);  // the first 64 KiB, never the 2 GB
  }
  server.hub_file("test-org/Short", "main", "config.json", config);
  server.hub_file("test-org/Short", "main", "model.safetensors", le64(5000) + "{", 1000);
  EXPECT_EQ(error_of([&] { read(options(), "test-org/Short"); }),
            resolve("test-org/Short", "model.safetensors") + ": truncated: header length 5000 but the file has 1000 bytes");
  // An index naming a shard the listing does not hold.
  server.hub_file("test-org/Gap", "main", "config.json", config);
  server.hub_file("test-org/Gap", "main", "model.safetensors.index.json", R"({"weight_map": {"a": "model-00001-of-00002.safetensors"}})");
  EXPECT_EQ(error_of([&] { read(options(), "test-org/Gap"); }),
            resolve("test-org/Gap", "model.safetensors.index.json") + ": shard 'model-00001-of-00002.safetensors' is missing");
}

TEST_F(HubTest, WhatARepositoryHoldsDecidesHowItIsRead) {
  server.hub_file("test-org/Empty-ish", "main", "README.md", "#");
  EXPECT_EQ(error_of([&] { read(options(), "test-org/Empty-ish"); }),
            "test-org/Empty-ish: no config.json, safetensors or GGUF file in the repository (it holds README.md)");
  server.hub_file("test-org/Weights", "main", "config.json", source_file("tests/hf/configs/llama-3.1-8b.json"));
  server.hub_file("test-org/Weights", "main", "model.safetensors", le64(2) + "{}", 10);
  EXPECT_EQ(error_of([&] { read(options(), "hf.co/test-org/Weights:Q4_K_M"); }),
            "hf.co/test-org/Weights: no GGUF model file in the repository (it holds safetensors: name it as test-org/Weights without :QUANT)");
  EXPECT_EQ(error_of([&] { read(options(), "test-org/Weights", "", "mmproj.gguf"); }),
            "--mmproj goes with a GGUF model file (test-org/Weights holds safetensors, which carry their vision tower)");
}

// A Hub of our own for what the fixture does not answer: 401 with the Hub's X-Error-Code, and a
// listing paged by a Link header.
class OwnHub {
 public:
  explicit OwnHub(std::function<void(const httplib::Request&, httplib::Response&)> handler) {
    server_.Get(".*", std::move(handler));
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    FixtureServer::wait_until_running(server_);
  }
  ~OwnHub() {
    server_.stop();
    thread_.join();
  }
  OwnHub(const OwnHub&) = delete;
  OwnHub& operator=(const OwnHub&) = delete;
  [[nodiscard]] std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

TEST(HubAuth, GatedAndPrivateRepositoriesSayToSetHfToken) {
  OwnHub hub([](const httplib::Request& req, httplib::Response& res) {
    if (req.path == "/api/models/test-org/Gated/tree/main") {
      res.set_content(R"([{"type": "file", "path": "config.json", "size": 10, "oid": "a"}])", "application/json");
    } else if (req.path == "/api/models/test-org/Private/tree/main") {
      res.status = 401;
      res.set_header("X-Error-Code", "RepoNotFound");
      res.set_content(R"({"error": "Repository not found"})", "application/json");
    } else if (req.path == "/api/models/test-org/Gated/tree/v9") {
      res.status = 404;
      res.set_header("X-Error-Code", "RevisionNotFound");
    } else {
      res.status = 401;
      res.set_header("X-Error-Code", "GatedRepo");
    }
  });
  RemoteOptions o;
  o.hf_endpoint = hub.base();
  const std::string config = hub.base() + "/test-org/Gated/resolve/main/config.json";
  EXPECT_EQ(error_of([&] { read(o, "test-org/Gated"); }),
            config + ": access denied (HTTP 401): a gated or private repository; set HF_TOKEN to a token that may read it");
  EXPECT_THROW(read(o, "test-org/Private"), RemoteNotFound);
  EXPECT_EQ(error_of([&] { read(o, "test-org/Private"); }),
            "test-org/Private: no such repository on " + hub.base() + " (or no revision 'main'); a private one needs HF_TOKEN");
  EXPECT_EQ(error_of([&] { read(o, "test-org/Gated@v9"); }), "test-org/Gated@v9: the repository has no revision 'v9' on " + hub.base());
  o.hf_token = "hf_test";
  EXPECT_EQ(error_of([&] { read(o, "test-org/Gated"); }),
            config + ": access denied (HTTP 401): HF_TOKEN may not read this repository (gated: accept its terms first)");
}

TEST(HubListing, PagesAreFollowed) {
  OwnHub hub([](const httplib::Request& req, httplib::Response& res) {
    if (req.path == "/api/models/test-org/Paged/tree/main" && !req.has_param("cursor")) {
      EXPECT_EQ(req.get_param_value("recursive"), "true");
      res.set_header("Link", "</api/models/test-org/Paged/tree/main?recursive=true&cursor=abc>; rel=\"next\"");
      res.set_content(R"([{"type": "directory", "path": "docs"}, {"type": "file", "path": "docs/README.md", "size": 1, "oid": "r"}])",
                      "application/json");
    } else if (req.path == "/api/models/test-org/Paged/tree/main") {
      EXPECT_EQ(req.get_param_value("cursor"), "abc");
      res.set_content(R"([{"type": "file", "path": "config.json", "size": 2, "oid": "c"}])", "application/json");
    } else if (req.path == "/test-org/Paged/resolve/main/config.json") {
      res.set_content(source_file("tests/hf/configs/qwen3-0.6b.json"), "application/json");
    } else {
      res.status = 404;
    }
  });
  RemoteOptions o;
  o.hf_endpoint = hub.base();
  const ModelFile f = read(o, "test-org/Paged");  // config.json is on the second page
  EXPECT_EQ(f.format, "config.json");
  EXPECT_EQ(f.remote->requests, 3);
}

// ---- file names ----------------------------------------------------------------------------------

TEST(HubNames, QuantizationsAreWordsOfTheFileName) {
  struct Row {
    const char* path;
    const char* quant;  // quant_of
    bool q4_k_m;        // names_quant(path, "q4_k_m")
  };
  const Row rows[] = {
      {"Qwen3-30B-A3B-Q4_K_M.gguf", "Q4_K_M", true},
      {"llama-2-7b.Q4_K_M.gguf", "Q4_K_M", true},
      {"Q4_K_M/Qwen3-235B-A22B-Q4_K_M-00001-of-00003.gguf", "Q4_K_M", true},
      {"Qwen3-30B-A3B-UD-Q4_K_XL.gguf", "UD-Q4_K_XL", false},
      {"Qwen3-30B-A3B-IQ4_XS.gguf", "IQ4_XS", false},
      {"Qwen3-30B-A3B-Q4_K_M_L.gguf", "Q4_K_M_L", false},
      {"gpt-oss-20b-MXFP4.gguf", "MXFP4", false},
      {"Qwen3-0.6B-BF16.gguf", "BF16", false},
      {"model.gguf", "", false},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.path);
    EXPECT_EQ(hub::quant_of(r.path), r.quant);
    EXPECT_EQ(hub::names_quant(r.path, "q4_k_m"), r.q4_k_m);
  }
  EXPECT_TRUE(hub::names_quant("Qwen3-30B-A3B-UD-Q4_K_XL.gguf", "ud-q4_k_xl"));
  EXPECT_FALSE(hub::names_quant("Qwen3-30B-A3B-Q4_K_M.gguf", "Q4_K"));
  EXPECT_EQ(hub::split_part("x-00001-of-00003.gguf"), 1);
  EXPECT_EQ(hub::split_part("Q8_0/x-00003-of-00003.GGUF"), 3);
  EXPECT_EQ(hub::split_part("x-1-of-3.gguf"), 0);
  EXPECT_EQ(hub::split_part("x.gguf"), 0);
  EXPECT_TRUE(hub::is_projector("mmproj-F16.gguf"));
  EXPECT_TRUE(hub::is_projector("Qwen2.5-VL-7B-Instruct-MMPROJ-f16.gguf"));
  EXPECT_FALSE(hub::is_projector("mmproj/model-Q4_K_M.gguf"));  // the file name, not its folder
  EXPECT_EQ(hub::url_encode("refs/pr/1", false), "refs%2Fpr%2F1");
  EXPECT_EQ(hub::url_encode("a b/c~d.gguf", true), "a%20b/c~d.gguf");
  EXPECT_EQ(hub::next_page(R"(<https://h/api?cursor=x>; rel="next")", "https://h/api"), "https://h/api?cursor=x");
  EXPECT_EQ(hub::next_page("", "https://h/api"), "");
  // Directories and paths that leave the repository are not files of it.
  const std::vector<hub::HubFile> files = hub::parse_listing(
      R"([{"type": "directory", "path": "a"}, {"type": "file", "path": "../etc/passwd"}, {"type": "file", "path": "/x"},
          {"type": "file", "path": "a/b.gguf", "size": 5, "oid": "o", "lfs": {"oid": "sha"}}])",
      "r", "e");
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].path, "a/b.gguf");
  EXPECT_EQ(files[0].version(), "o sha 5");
  EXPECT_EQ(hub::parse_listing(hub::listing_json(files), "r", "e")[0].version(), "o sha 5");
}

}  // namespace
}  // namespace vramfit::io
