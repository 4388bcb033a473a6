// Helpers of the Hub reader's tests (test_hf_hub.cpp, test_hf_hub_gguf.cpp): a loopback Hub with a
// cache directory of its own, a read with a Fetcher of its own, and comparisons of model files.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <stdexcept>
#include <sstream>
#include <string>
#include <vector>

#include "../hf/hf_test_util.hpp"
#include "base/diagnostics.hpp"
#include "fixture_server.hpp"
#include "formats/hf_config.hpp"
#include "formats/model_file.hpp"
#include "formats/remote_model.hpp"
#include "vramfit/file_weights.hpp"

namespace vramfit::io::hub_test {

using test::FixtureServer;
using test::TempDir;

inline constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;
inline const std::string kCommit = "0123456789abcdef0123456789abcdef01234567";

using test::error_of;

inline std::string source_file(const std::string& rel) {
  std::ifstream in(std::string(VRAMFIT_SOURCE_DIR) + "/" + rel, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A read with a Fetcher of its own (closed before the server stops: it keeps its connection alive).
inline ModelFile read(const RemoteOptions& o, const std::string& text, const std::string& quant = "", const std::string& mmproj = "") {
  Fetcher fetcher(o);
  const std::optional<RemoteRef> ref = parse_remote_ref(text);
  if (!ref) throw std::logic_error(text + " is no remote reference");
  return read_remote_model(fetcher, *ref, quant, mmproj);
}

inline void expect_same_tensors(const std::vector<FileTensor>& a, const std::vector<FileTensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE(a[i].name);
    EXPECT_EQ(a[i].name, b[i].name);
    EXPECT_EQ(a[i].type, b[i].type);
    EXPECT_EQ(a[i].group, b[i].group);
    EXPECT_EQ(a[i].layer, b[i].layer);
    EXPECT_EQ(a[i].elements, b[i].elements);
    EXPECT_EQ(a[i].bytes, b[i].bytes);
  }
}

// Every field of two architectures, through the catalog entry import writes (ids aside).
inline void expect_same_spec(ModelSpec a, ModelSpec b) {
  a.id = b.id = a.name = b.name = "x";
  EXPECT_EQ(hf::catalog_entry_yaml(a, {}, "s"), hf::catalog_entry_yaml(b, {}, "s"));
}

// Llama 3.1 8B (tests/hf/configs/llama-3.1-8b.json), parameters by hand: embeddings and head 2 x 128256 x 4096 = 1,050,673,152; a layer 2 x 4096^2 + 2 x
// 1024 x 4096 + 3 x 14336 x 4096 + 2 x 4096 = 218,112,000, x 32 = 6,979,584,000; final norm 4096.
inline constexpr std::int64_t kLlama8bParams = 1050673152 + 6979584000 + 4096;
static_assert(kLlama8bParams == 8030261248);

// ---- safetensors repositories ------------------------------------------------------------------

struct St {
  std::string name;
  std::vector<std::int64_t> shape;  // BF16
};

// Llama 3.1 8B as its checkpoint stores it (tests/hf/configs/llama-3.1-8b.json): hidden 4096, 32
// layers, 32 heads and 8 KV heads of 128, FFN 14336, vocabulary 128256, untied.
inline std::vector<St> llama8b_tensors() {
  std::vector<St> v{{"model.embed_tokens.weight", {128256, 4096}}};
  for (int il = 0; il < 32; ++il) {
    const std::string p = "model.layers." + std::to_string(il) + ".";
    v.push_back({p + "self_attn.q_proj.weight", {4096, 4096}});
    v.push_back({p + "self_attn.k_proj.weight", {1024, 4096}});
    v.push_back({p + "self_attn.v_proj.weight", {1024, 4096}});
    v.push_back({p + "self_attn.o_proj.weight", {4096, 4096}});
    v.push_back({p + "mlp.gate_proj.weight", {14336, 4096}});
    v.push_back({p + "mlp.up_proj.weight", {14336, 4096}});
    v.push_back({p + "mlp.down_proj.weight", {4096, 14336}});
    v.push_back({p + "input_layernorm.weight", {4096}});
    v.push_back({p + "post_attention_layernorm.weight", {4096}});
  }
  v.push_back({"model.norm.weight", {4096}});
  v.push_back({"lm_head.weight", {128256, 4096}});
  return v;
}

// A safetensors file: the 8-byte length and the header (what the server holds), the file's size.
struct Shard {
  std::string name;
  std::string head;
  std::uint64_t size = 0;
};

inline std::string le64(std::uint64_t n) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[static_cast<std::size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xff);
  return s;
}

inline Shard shard(const std::string& name, const std::vector<St>& ts, const std::string& metadata = "") {
  std::string h = "{";
  if (!metadata.empty()) h += "\"__metadata__\": {\"note\": \"" + metadata + "\"}";
  std::uint64_t off = 0;
  for (const St& t : ts) {
    std::uint64_t n = 1;
    std::string shape;
    for (const std::int64_t d : t.shape) {
      n *= static_cast<std::uint64_t>(d);
      if (!shape.empty()) shape += ',';
      shape += std::to_string(d);
    }
    h += std::string(h.size() > 1 ? "," : "") + "\"" + t.name + "\": {\"dtype\": \"BF16\", \"shape\": [" + shape + "], \"data_offsets\": [" +
         std::to_string(off) + ", " + std::to_string(off + 2 * n) + "]}";
    off += 2 * n;
  }
  h += "}";
  return {name, le64(h.size()) + h, 8 + h.size() + off};
}

// The same files in a repository of the server and in a local directory (sparse: no tensor data).
struct Repo {
  std::vector<std::pair<std::string, std::string>> texts;  // path, bytes
  std::vector<Shard> shards;

  void serve(FixtureServer& server, const std::string& repo, const std::string& rev) const {
    for (const auto& [path, bytes] : texts) server.hub_file(repo, rev, path, bytes);
    for (const Shard& s : shards) server.hub_file(repo, rev, s.name, s.head, s.size);
  }
  void write(const TempDir& dir) const { write_to(dir.str()); }
  void write_to(const std::filesystem::path& dir) const {
    std::filesystem::create_directories(dir);
    for (const auto& [path, bytes] : texts) test::write_text((dir / path).string(), bytes);
    for (const Shard& s : shards) {
      test::write_text((dir / s.name).string(), s.head);
      std::filesystem::resize_file(dir / s.name, s.size);
    }
  }
  [[nodiscard]] std::uint64_t header_bytes() const {
    std::uint64_t n = 0;
    for (const Shard& s : shards) n += s.head.size();
    return n;
  }
};

// Llama 3.1 8B in four shards with an index, beside files the reader must leave alone.
inline Repo llama8b_repo() {
  Repo r;
  const std::vector<St> ts = llama8b_tensors();
  std::string map;
  for (std::size_t k = 0; k < 4; ++k) {
    const std::string name = "model-0000" + std::to_string(k + 1) + "-of-00004.safetensors";
    const std::vector<St> part(ts.begin() + static_cast<std::ptrdiff_t>(k * ts.size() / 4),
                               ts.begin() + static_cast<std::ptrdiff_t>((k + 1) * ts.size() / 4));
    for (const St& t : part) map += std::string(map.empty() ? "" : ",") + "\"" + t.name + "\": \"" + name + "\"";
    r.shards.push_back(shard(name, part));
  }
  r.texts = {{"config.json", source_file("tests/hf/configs/llama-3.1-8b.json")},
             {"model.safetensors.index.json", "{\"metadata\": {}, \"weight_map\": {" + map + "}}"},
             {"README.md", "# Llama\n"},
             {"generation_config.json", "{}"}};
  return r;
}

class HubTest : public ::testing::Test {
 protected:
  RemoteOptions options() const {
    RemoteOptions o;
    o.hf_endpoint = server.base();
    o.cache_dir = cache.str();
    return o;
  }
  std::string resolve(const std::string& repo, const std::string& path, const std::string& rev = "main") const {
    return server.url("/" + repo + "/resolve/" + rev + "/" + path);
  }
  TempDir cache;
  FixtureServer server;
};

}  // namespace vramfit::io::hub_test
