// formats/ollama_registry.{hpp,cpp} against the loopback registry of fixture_server.hpp: a model read
// through the manifest and its blobs (307 to /cdn) is the model the same GGUF gives locally, header
// bytes only; the params layer's num_ctx; the projector layer; the cache (blobs by digest, the
// manifest revalidated) and --offline; and every hostile answer as one line naming the reference or
// the URL. The expected numbers come from the local reader on the same bytes, or by hand.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/catalog.hpp"
#include "../hf/hf_test_util.hpp"
#include "fixture_server.hpp"
#include "formats/model_file.hpp"
#include "formats/ollama_registry.hpp"
#include "formats/remote_model.hpp"
#include "gguf_model.hpp"
#include "vramfit/file_weights.hpp"

namespace vramfit::io {
namespace {

using test::FixtureServer;

using test::error_of;

class OllamaRegistry : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Diagnostics diag;
    const Catalog cat = load_catalog({}, diag);
    const TypeTable types = cat.type_table();
    dir_ = std::filesystem::temp_directory_path() / ("vramfit-ollama-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    const vramfit::gguf::Writer w = vramfit::gguf::model_writer(cat.model("llama-3.1-8b").spec, cat.mix("Q4_K_M").mix, types);
    head_ = new std::string(w.header());
    size_ = w.layout().file_size;
    header_bytes_ = w.layout().header_bytes;
    w.write(dir_ / "llama8b.gguf");
    // A clip file of two f16 tensors (as tests/gguf/test_model_sources.cpp): 1024 x 1024 x 2 B =
    // 2,097,152 B and 4096 x 1024 x 2 B = 8,388,608 B; 10,485,760 B and 5,242,880 parameters in all.
    vramfit::gguf::Writer clip;
    clip.add_string("general.architecture", "clip");
    clip.add_tensor("v.blk.0.attn_q.weight", {1024, 1024}, 1, 2097152);
    clip.add_tensor("mm.0.weight", {1024, 4096}, 1, 8388608);
    clip.write(dir_ / "mmproj.gguf");
    clip_ = new std::string(clip.header());
    clip_->resize(clip.layout().file_size, '\0');  // served whole: the projector layer is a small blob
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(dir_);
    delete head_;
    delete clip_;
  }
  void SetUp() override {
    cache_ = (dir_ / ("cache-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()))).string();
    std::filesystem::remove_all(cache_);
  }

  RemoteOptions options(const FixtureServer& server) const {
    RemoteOptions o;
    o.ollama_registry = server.base();
    o.cache_dir = cache_;
    o.timeout_seconds = 5;
    return o;
  }
  static ModelFile read(Fetcher& fetcher, const std::string& text, const std::string& mmproj = {}) {
    const std::optional<RemoteRef> ref = parse_remote_ref(text);
    EXPECT_TRUE(ref && ref->kind == RemoteRef::Kind::ollama) << text;
    return read_remote_model(fetcher, *ref, "", mmproj);
  }
  // The manifest as the server has it, read with nlohmann alone (not with the parser under test).
  static nlohmann::json manifest_of(const FixtureServer& server, const std::string& path) {
    HttpClient http;
    return nlohmann::json::parse(http.get(server.url(path), std::nullopt, 1 << 20).body);
  }
  static std::string digest_of(const nlohmann::json& manifest, const std::string& media_type) {
    for (const auto& l : manifest["layers"])
      if (l["mediaType"] == media_type) return l["digest"];
    return "";
  }
  static std::string file(const char* name) { return (dir_ / name).string(); }

  static inline std::filesystem::path dir_;
  static inline std::string* head_ = nullptr;  // the GGUF header of llama-3.1-8b Q4_K_M, padded
  static inline std::string* clip_ = nullptr;  // the whole clip file
  static inline std::uint64_t size_ = 0;       // the GGUF file's size: 4.9 GB, served sparse
  static inline std::uint64_t header_bytes_ = 0;
  std::string cache_;
};

const std::string kParams = R"({"num_ctx": 8192, "stop": ["<|start_header_id|>", "<|eot_id|>"], "temperature": 0.6})";

void expect_same_model(const ModelFile& remote, const ModelFile& local) {
  EXPECT_EQ(remote.format, "gguf");
  EXPECT_EQ(remote.format, local.format);
  EXPECT_EQ(remote.stored_as, local.stored_as);
  EXPECT_EQ(remote.mix_id, local.mix_id);
  EXPECT_EQ(remote.model.spec.architecture, local.model.spec.architecture);
  EXPECT_EQ(remote.model.spec.layers, local.model.spec.layers);
  EXPECT_EQ(remote.model.spec.hidden, local.model.spec.hidden);
  EXPECT_EQ(remote.model.spec.heads, local.model.spec.heads);
  EXPECT_EQ(remote.model.spec.kv_heads, local.model.spec.kv_heads);
  EXPECT_EQ(remote.model.spec.head_dim_k, local.model.spec.head_dim_k);
  EXPECT_EQ(remote.model.spec.ffn, local.model.spec.ffn);
  EXPECT_EQ(remote.model.spec.vocab, local.model.spec.vocab);
  EXPECT_EQ(remote.model.spec.max_context, local.model.spec.max_context);
  ASSERT_EQ(remote.tensors.size(), local.tensors.size());
  for (std::size_t i = 0; i < local.tensors.size(); ++i) {
    EXPECT_EQ(remote.tensors[i].name, local.tensors[i].name);
    EXPECT_EQ(remote.tensors[i].type, local.tensors[i].type);
    EXPECT_EQ(remote.tensors[i].elements, local.tensors[i].elements);
    EXPECT_EQ(remote.tensors[i].bytes, local.tensors[i].bytes);
  }
  const WeightBreakdown r = weight_bytes_from_file(remote.model.spec, remote.tensors);
  const WeightBreakdown l = weight_bytes_from_file(local.model.spec, local.tensors);
  EXPECT_EQ(r.total, l.total);
  EXPECT_EQ(r.params, l.params);
  EXPECT_EQ(r.vision, l.vision);
  EXPECT_EQ(r.per_layer, l.per_layer);
}

TEST_F(OllamaRegistry, TheModelLayerIsTheLocalFileHeaderBytesOnly) {
  FixtureServer server;
  server.ollama_model("library", "llama3.1", "8b-test", *head_, size_, kParams);
  const nlohmann::json manifest = manifest_of(server, "/v2/library/llama3.1/manifests/8b-test");
  const std::string model_digest = digest_of(manifest, "application/vnd.ollama.image.model");
  const std::string params_digest = digest_of(manifest, "application/vnd.ollama.image.params");
  const std::uint64_t manifest_bytes = manifest.dump().size();
  const std::uint64_t sent_before = server.bytes_sent();  // the manifest_of read above

  Fetcher fetcher(options(server));
  const ModelFile remote = read(fetcher, "llama3.1:8b-test");
  const ModelFile local = read_gguf_model(file("llama8b.gguf"));
  expect_same_model(remote, local);
  // By hand: Q4_K_M llama-3.1-8b weighs 4,912,898,048 B (docs/methods.md §1.3, as
  // tests/gguf/test_model_sources.cpp); 291 tensors = token_embd + 32 x 9 + output_norm + output.
  EXPECT_EQ(weight_bytes_from_file(remote.model.spec, remote.tensors).total.value(), 4912898048);
  EXPECT_EQ(remote.tensors.size(), 291u);
  EXPECT_EQ(remote.mix_id, "Q4_K_M");

  ASSERT_TRUE(remote.remote.has_value());
  const RemoteSource& src = *remote.remote;
  EXPECT_EQ(src.kind, "ollama");
  EXPECT_EQ(src.reference, "llama3.1:8b-test");
  EXPECT_EQ(src.url, server.url("/v2/library/llama3.1/manifests/8b-test"));
  EXPECT_EQ(src.revision, model_digest);
  EXPECT_EQ(src.files, (std::vector<std::string>{server.url("/v2/library/llama3.1/manifests/8b-test"),
                                                  server.url("/v2/library/llama3.1/blobs/" + model_digest),
                                                  server.url("/v2/library/llama3.1/blobs/" + params_digest)}));
  EXPECT_FALSE(src.cached);
  // Header bytes only: what the server sent (its own count) is what the client counted, the file's
  // 4.9 GB are never read, and the blob's prefix is at most twice the header (the prefix doubles).
  EXPECT_EQ(src.bytes_fetched, server.bytes_sent() - sent_before);
  EXPECT_GE(src.bytes_fetched, manifest_bytes + header_bytes_ + kParams.size());
  EXPECT_LE(src.bytes_fetched, manifest_bytes + 2 * head_->size() + kParams.size());
  // Exactly, by RemoteFile's rule (1 MiB first, then at least double): the 2,857,728-byte header takes
  // prefixes of 1, 2 and 4 MiB, three ranges; with the manifest and the params layer, 4 MiB + both.
  EXPECT_EQ(head_->size(), 2857728u);
  EXPECT_EQ(src.bytes_fetched, manifest_bytes + (std::uint64_t{4} << 20) + kParams.size());
  EXPECT_GT(size_, std::uint64_t{4} << 30);
  // The registry answers every blob with a 307 to /cdn/DIGEST: each blob request was followed there,
  // and every hop is a request of the client's.
  EXPECT_EQ(server.requests("/v2/library/llama3.1/manifests/"), 2);  // manifest_of's, then the reader's
  const int blob_requests = server.requests("/v2/library/llama3.1/blobs/");
  EXPECT_EQ(blob_requests, 4);  // the model layer's three ranges and the params layer
  EXPECT_EQ(server.requests("/cdn/"), blob_requests);
  EXPECT_EQ(server.requests("/cdn/" + params_digest), 1);
  EXPECT_EQ(src.requests, 1 + 2 * blob_requests);

  // The params layer: num_ctx as a note and a fact; the sampling options are not memory.
  EXPECT_NE(std::find(remote.notes.begin(), remote.notes.end(), "params: num_ctx 8192"), remote.notes.end());
  EXPECT_EQ(std::count_if(remote.notes.begin(), remote.notes.end(), [](const std::string& n) { return n.rfind("params:", 0) == 0; }), 1);
  EXPECT_NE(std::find(remote.facts.begin(), remote.facts.end(), std::pair<std::string, std::string>("Ollama num_ctx", "8192")),
            remote.facts.end());
}

// A second question: the manifest (a tag can be re-pushed) is revalidated with one request; the blobs,
// named by their digest, come from the cache without one. Offline, nothing is requested.
TEST_F(OllamaRegistry, BlobsByDigestComeFromTheCacheAndOfflineAnswersFromIt) {
  FixtureServer server;
  server.ollama_model("library", "llama3.1", "8b-test", *head_, size_, kParams);
  const nlohmann::json manifest = manifest_of(server, "/v2/library/llama3.1/manifests/8b-test");
  const std::uint64_t manifest_bytes = manifest.dump().size();
  ModelFile first;
  {
    Fetcher fetcher(options(server));
    first = read(fetcher, "llama3.1:8b-test");
  }
  const int blobs = server.requests("/v2/library/llama3.1/blobs/");
  const int cdn = server.requests("/cdn/");
  const int manifests = server.requests("/v2/library/llama3.1/manifests/");
  {
    Fetcher fetcher(options(server));
    const ModelFile second = read(fetcher, "llama3.1:8b-test");
    expect_same_model(second, first);
    EXPECT_EQ(second.notes, first.notes);
    EXPECT_EQ(second.remote->revision, first.remote->revision);
    EXPECT_EQ(second.remote->requests, 1);
    EXPECT_EQ(second.remote->bytes_fetched, manifest_bytes);
    EXPECT_FALSE(second.remote->cached);
    EXPECT_EQ(server.requests("/v2/library/llama3.1/manifests/"), manifests + 1);
    EXPECT_EQ(server.requests("/v2/library/llama3.1/blobs/"), blobs);
    EXPECT_EQ(server.requests("/cdn/"), cdn);
  }
  RemoteOptions off = options(server);
  off.offline = true;
  {
    Fetcher fetcher(off);
    const ModelFile third = read(fetcher, "llama3.1:8b-test");
    expect_same_model(third, first);
    EXPECT_EQ(third.remote->requests, 0);
    EXPECT_EQ(third.remote->bytes_fetched, 0u);
    EXPECT_TRUE(third.remote->cached);
    EXPECT_EQ(server.requests("/v2/library/llama3.1/manifests/"), manifests + 1);
    // An uncached reference under --offline: one line naming it, and no request.
    const int all = server.requests();
    EXPECT_EQ(error_of([&] { (void)read(fetcher, "qwen3-coder:30b"); }),
              "qwen3-coder:30b: not in the cache, and --offline is set (VRAMFIT_OFFLINE, HF_HUB_OFFLINE)");
    EXPECT_EQ(error_of([&] { (void)read(fetcher, "someone/qwen3-coder:30b"); }),
              "someone/qwen3-coder:30b: not in the cache, and --offline is set (VRAMFIT_OFFLINE, HF_HUB_OFFLINE)");
    EXPECT_EQ(server.requests(), all);
  }
  // Without a cache directory nothing is kept: the same question asks again.
  RemoteOptions none = options(server);
  none.cache_dir.clear();
  Fetcher fetcher(none);
  EXPECT_EQ(read(fetcher, "llama3.1:8b-test").remote->revision, first.remote->revision);
  EXPECT_GT(server.requests("/cdn/"), cdn);
}

// A namespace other than library, and ollama.com's URL spelling, reach the same paths.
TEST_F(OllamaRegistry, NamespacesAndUrlSpellings) {
  FixtureServer server;
  server.ollama_model("someone", "tiny", "q4", *head_, size_);
  server.ollama_model("library", "tiny", "latest", *head_, size_);
  Fetcher fetcher(options(server));
  const ModelFile a = read(fetcher, "someone/tiny:q4");
  EXPECT_EQ(a.remote->url, server.url("/v2/someone/tiny/manifests/q4"));
  EXPECT_TRUE(a.notes.empty());  // no params layer, no projector
  const ModelFile b = read(fetcher, "ollama.com/library/tiny");
  EXPECT_EQ(b.remote->url, server.url("/v2/library/tiny/manifests/latest"));
  expect_same_model(a, b);
}

// Ollama loads a projector layer with the model: it is the vision projector, as --mmproj is locally.
TEST_F(OllamaRegistry, TheProjectorLayerIsTheVisionProjector) {
  FixtureServer server;
  server.ollama_model("library", "llava-test", "8b", *head_, size_, "", *clip_);
  const nlohmann::json manifest = manifest_of(server, "/v2/library/llava-test/manifests/8b");
  const std::string projector_digest = digest_of(manifest, "application/vnd.ollama.image.projector");
  Fetcher fetcher(options(server));
  const ModelFile remote = read(fetcher, "llava-test:8b");
  const ModelFile local = read_gguf_model(file("llama8b.gguf"), file("mmproj.gguf"));
  expect_same_model(remote, local);
  const WeightBreakdown w = weight_bytes_from_file(remote.model.spec, remote.tensors);
  EXPECT_EQ(w.vision.value(), 10485760);  // by hand, above
  EXPECT_EQ(w.total.value(), 4912898048 + 10485760);
  EXPECT_EQ(remote.remote->files.back(), server.url("/v2/library/llava-test/blobs/" + projector_digest));
  EXPECT_NE(std::find(remote.notes.begin(), remote.notes.end(),
                      "the vision projector is the manifest's projector layer (" + projector_digest.substr(0, 19) + "), as Ollama loads it"),
            remote.notes.end());
  // The projector's 10 MB: only the first read of it (1 MiB) came over.
  EXPECT_LT(remote.remote->bytes_fetched, std::uint64_t{2} * head_->size() + (std::uint64_t{1} << 20) + 4096);
  // --mmproj (a local file here) replaces the manifest's projector; the sum is the same.
  const ModelFile replaced = read(fetcher, "llava-test:8b", file("mmproj.gguf"));
  EXPECT_EQ(weight_bytes_from_file(replaced.model.spec, replaced.tensors).vision.value(), 10485760);
  EXPECT_NE(std::find(replaced.notes.begin(), replaced.notes.end(), "--mmproj replaces the vision projector of Ollama's manifest"),
            replaced.notes.end());
}

// Every hostile answer is one line naming the reference (and the URL where the network failed).
TEST_F(OllamaRegistry, HostileRegistriesAreOneLineErrors) {
  FixtureServer server;
  server.silence_seconds = 2;
  for (const char* tag : {"garbage", "html", "endless", "silent", "loop"})
    server.ollama_model("library", "m", tag, *head_, size_);
  const std::string repo = "/v2/library/m";
  server.mode(repo + "/manifests/garbage", FixtureServer::Mode::garbage);
  server.mode(repo + "/manifests/html", FixtureServer::Mode::html_404);
  server.mode(repo + "/manifests/endless", FixtureServer::Mode::endless);
  server.mode(repo + "/manifests/silent", FixtureServer::Mode::silence);
  const std::string digest = digest_of(manifest_of(server, repo + "/manifests/loop"), "application/vnd.ollama.image.model");
  server.mode(repo + "/blobs/" + digest, FixtureServer::Mode::redirect_loop);  // every tag shares the blob
  RemoteOptions o = options(server);
  o.timeout_seconds = 1;
  Fetcher fetcher(o);

  std::vector<std::pair<std::string, std::string>> cases = {
      {"nosuch:latest", "nosuch:latest: no such model or tag in Ollama's registry (" + server.base() + ")"},
      {"m:html", "m:html: no such model or tag in Ollama's registry (" + server.base() + ")"},  // a 404 page
      {"m:garbage", "m:garbage: Ollama's manifest: an HTML page where JSON was expected ('<!doctype html><p>this is not what you a...')"},
      {"m:endless", "m:endless: " + server.url(repo + "/manifests/endless") + ": the server sent more than the 1048576 bytes asked for"},
      {"m:silent", "m:silent: " + server.url(repo + "/manifests/silent") + ": timed out: no answer for 1 s (--timeout)"},
      {"m:loop", "m:loop: " + server.url(repo + "/blobs/" + digest) + ": too many redirects (more than 8)"},
  };
  for (const auto& [ref, message] : cases) {
    SCOPED_TRACE(ref);
    EXPECT_EQ(error_of([&] { (void)read(fetcher, ref); }), message);
  }
  // A manifest 404 is RemoteNotFound: the engine falls back on the catalog's message for a name it knows.
  EXPECT_THROW((void)read(fetcher, "nosuch:latest"), RemoteNotFound);
  EXPECT_THROW((void)read(fetcher, "m:html"), RemoteNotFound);
  EXPECT_EQ(server.requests("/cdn/"), 0);  // the loop never reached the CDN
}

TEST_F(OllamaRegistry, BrokenBlobsAndManifestsAreOneLineErrors) {
  FixtureServer server;
  const std::string repo = "/v2/library/m";
  const std::string d = "sha256:" + std::string(64, 'a');
  auto manifest = [&](const std::string& tag, const nlohmann::json& layers) {
    server.file(repo + "/manifests/" + tag, nlohmann::json{{"schemaVersion", 2}, {"layers", layers}}.dump());
  };
  // The CDN answers 404 / an endless body for the model blob.
  server.ollama_model("library", "m", "cdn404", *head_, size_);
  const std::string real = digest_of(manifest_of(server, repo + "/manifests/cdn404"), "application/vnd.ollama.image.model");
  server.mode("/cdn/" + real, FixtureServer::Mode::html_404);
  server.ollama_model("library", "m", "cdnendless", *head_, size_ + 32);  // another size, another blob
  const std::string endless = digest_of(manifest_of(server, repo + "/manifests/cdnendless"), "application/vnd.ollama.image.model");
  server.mode("/cdn/" + endless, FixtureServer::Mode::endless);
  // A manifest with only a template and a license: no model to read.
  manifest("nomodel", {{{"mediaType", "application/vnd.ollama.image.template"}, {"digest", d}, {"size", 10}},
                       {{"mediaType", "application/vnd.ollama.image.license"}, {"digest", d}, {"size", 10}}});
  // A digest that would climb out of the blob path.
  manifest("climb", {{{"mediaType", "application/vnd.ollama.image.model"}, {"digest", "sha256:../../../etc/passwd"}, {"size", 10}}});
  // The blob is not the size the manifest says (served directly, no redirect).
  manifest("short", {{{"mediaType", "application/vnd.ollama.image.model"}, {"digest", d}, {"size", size_}}});
  server.sparse_file(repo + "/blobs/" + d, *head_, size_ - 1);
  // A blob that is no GGUF.
  const std::string e = "sha256:" + std::string(64, 'e');
  manifest("text", {{{"mediaType", "application/vnd.ollama.image.model"}, {"digest", e}, {"size", 24}}});
  server.file(repo + "/blobs/" + e, "this is not a GGUF file\n");
  // Docker's schema 1, a registry error document, JSON that stops, a params layer that is no object.
  server.file(repo + "/manifests/v1", R"({"schemaVersion": 1, "fsLayers": []})");
  server.file(repo + "/manifests/errors", R"({"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]})");
  server.file(repo + "/manifests/cut", R"({"schemaVersion": 2, "layers": [{"mediaType": )");
  server.ollama_model("library", "m", "badparams", *head_, size_ + 64, "[8192]");  // not the 404 blob
  Fetcher fetcher(options(server));

  const std::vector<std::pair<std::string, std::string>> cases = {
      {"m:cdn404", "m:cdn404: " + server.url(repo + "/blobs/" + real) + ": not found (HTTP 404)"},
      {"m:cdnendless", "m:cdnendless: " + server.url("/cdn/" + endless) +  // the client names the hop that failed
                           ": the server sent more than the 1048576 bytes asked for (it ignored the byte range)"},
      {"m:nomodel", "m:nomodel: the manifest has no model layer (application/vnd.ollama.image.model): not a model Ollama can run, or one vramfit cannot read"},
      {"m:climb", "m:climb: Ollama's manifest: layers[0].digest: expected sha256: and 64 hex digits, got 'sha256:../../../etc/passwd'"},
      {"m:short", "m:short: " + server.url(repo + "/blobs/" + d) + ": the model blob is " + std::to_string(size_ - 1) +
                      " bytes where the manifest says " + std::to_string(size_)},
      {"m:text", "m:text: " + server.url(repo + "/blobs/" + e)},  // the GGUF reader's message follows
      {"m:v1", "m:v1: Ollama's manifest: schemaVersion 1 (vramfit reads version 2, as Ollama writes it)"},
      {"m:errors", "m:errors: the registry answered 'authentication required' where a manifest was expected"},
      {"m:cut", "m:cut: Ollama's manifest: invalid JSON at byte "},
      {"m:badparams", "m:badparams: Ollama's params layer: expected a JSON object of options"},
  };
  for (const auto& [ref, message] : cases) {
    SCOPED_TRACE(ref);
    const std::string error = error_of([&] { (void)read(fetcher, ref); });
    EXPECT_EQ(error.substr(0, message.size()), message);
    EXPECT_EQ(error.find('\n'), std::string::npos);
  }
  EXPECT_EQ(server.requests("/etc"), 0);
}

// The parsers on their own, on text written as registry.ollama.ai writes it.
TEST(OllamaManifest, ParsesLayersAndPicksAsOllamaDoes) {
  const std::string a = "sha256:" + std::string(64, 'a'), b = "sha256:" + std::string(64, 'b'), c = "sha256:" + std::string(64, 'c');
  const std::string text = R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
    "config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":")" + c + R"(","size":561},
    "layers":[{"mediaType":"application/vnd.ollama.image.model","digest":")" + a + R"(","size":1321082688},
              {"mediaType":"application/vnd.ollama.image.template","digest":")" + b + R"(","size":1429},
              {"mediaType":"application/vnd.ollama.image.params","digest":")" + c + R"(","size":96},
              {"mediaType":"application/vnd.ollama.image.projector","digest":")" + b + R"(","size":2},
              {"mediaType":"application/vnd.ollama.image.projector","digest":")" + c + R"(","size":3},
              {"mediaType":"application/vnd.ollama.image.model","digest":")" + c + R"(","size":7}]})";
  const OllamaManifest m = parse_ollama_manifest(text, "x:y");
  ASSERT_EQ(m.layers.size(), 6u);
  EXPECT_EQ(m.layers[0].size, 1321082688u);
  EXPECT_EQ(m.model()->digest, c);      // the last model layer (server/images.go GetModel)
  EXPECT_EQ(m.projector()->digest, b);  // the first projector
  EXPECT_EQ(m.params()->size, 96u);
  EXPECT_EQ(m.count("application/vnd.ollama.image.projector"), 2u);
  EXPECT_EQ(parse_ollama_manifest(R"({"layers": []})", "x:y").model(), nullptr);
  EXPECT_EQ(error_of([] { (void)parse_ollama_manifest("[]", "x:y"); }), "x:y: Ollama's manifest: expected a JSON object");
  EXPECT_EQ(error_of([] { (void)parse_ollama_manifest("{}", "x:y"); }), "x:y: Ollama's manifest: no \"layers\" (not an Ollama model manifest)");
  EXPECT_EQ(error_of([] { (void)parse_ollama_manifest(R"({"layers": [{"mediaType": "m", "digest": "sha256:)" + std::string(64, 'a') + R"(", "size": -1}]})", "x:y"); }),
            "x:y: Ollama's manifest: layers[0].size: expected an integer from 0 to 1125899906842624, got -1");
  EXPECT_EQ(error_of([] { (void)parse_ollama_manifest(std::string(kMaxOllamaManifest + 1, ' '), "x:y"); }),
            "x:y: Ollama's manifest: larger than 1 MiB");
  EXPECT_EQ(error_of([] { (void)parse_ollama_manifest(std::string(100, '['), "x:y"); }),
            "x:y: Ollama's manifest: invalid JSON at byte 65: nested deeper than 64 levels");
}

TEST(OllamaParams, KeepsWhatBearsOnMemory) {
  const OllamaParams p = parse_ollama_params(
      R"({"num_ctx": 32768.0, "num_gpu": -1, "num_batch": "big", "f16_kv": false, "stop": ["<|im_end|>"], "temperature": 0.7})", "x:y");
  EXPECT_EQ(p.num_ctx, 32768);
  EXPECT_EQ(p.num_gpu, -1);
  EXPECT_FALSE(p.num_batch.has_value());
  EXPECT_EQ(p.f16_kv, false);
  EXPECT_EQ(p.notes, (std::vector<std::string>{"params: num_ctx 32768", "params: num_batch \"big\" ignored (not a whole number)",
                                               "params: num_gpu -1",
                                               "params: f16_kv false (deprecated: Ollama sets the KV cache type with OLLAMA_KV_CACHE_TYPE)"}));
  EXPECT_TRUE(parse_ollama_params(R"({"stop": ["</s>"]})", "x:y").notes.empty());
  EXPECT_EQ(parse_ollama_params(R"({"num_ctx": 1e30})", "x:y").notes, std::vector<std::string>{"params: num_ctx 1e+30 ignored (not a whole number)"});
  EXPECT_EQ(error_of([] { (void)parse_ollama_params("num_ctx 8192", "x:y"); }),
            "x:y: Ollama's params layer: invalid JSON at byte 3: syntax error while parsing value - invalid literal; last read: 'num'");
}

}  // namespace
}  // namespace vramfit::io
