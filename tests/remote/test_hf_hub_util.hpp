// Helpers of the Hub reader's tests (test_hf_hub.cpp, test_hf_hub_gguf.cpp): a loopback Hub with a
// cache directory of its own, a read with a Fetcher of its own, and comparisons of model files.
#pragma once

#include <gtest/gtest.h>

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

inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

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
