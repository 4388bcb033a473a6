// The engine's catalog questions without the command line: list, show, import and catalog check
// (engine/list.hpp, show.hpp, import.hpp, check.hpp). Expected values are worked out by hand from
// the catalog entries and configs they read.
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "engine/check.hpp"
#include "engine/import.hpp"
#include "engine/list.hpp"
#include "engine/show.hpp"

namespace vramfit::engine {
namespace {

const std::string kSource = VRAMFIT_SOURCE_DIR;

// Llama 3.1 8B by hand: token embeddings and output head 128,256 x 4,096 = 525,336,576 each; per block
// q and o 4,096 x 4,096 = 16,777,216 each, k and v 4,096 x 1,024 = 4,194,304 each, gate/up/down
// 3 x 4,096 x 14,336 = 176,160,768, two norms 8,192 -> 218,112,000; 32 blocks 6,979,584,000; final
// norm 4,096. Total 8,030,261,248.
constexpr std::int64_t kLlama31_8bParams = 8'030'261'248;

TEST(EngineCatalog, ListFiltersAndCountsParameters) {
  Session s;
  const ListAnswer a = answer_list(s, {"models", "llama-3.1-8b"});
  ASSERT_EQ(a.models.size(), 1u);
  EXPECT_EQ(a.models[0].entry->spec.id, "llama-3.1-8b");
  EXPECT_EQ(a.models[0].params.total, kLlama31_8bParams);
  EXPECT_EQ(a.models[0].params.active, kLlama31_8bParams);  // dense: every parameter is active
  EXPECT_TRUE(a.devices.empty());

  // Tensor types: q8_0 is 34 bytes per 32 weights (8.5 bits) and a KV type; q4_K 144 bytes per 256
  // weights (4.5 bits) and no KV type in llama.cpp.
  const ListAnswer t = answer_list(s, {"types", "q"});
  auto find = [&](const std::string& id) -> const ListedType* {
    for (const ListedType& x : t.types)
      if (x.entry->type.id == id) return &x;
    return nullptr;
  };
  ASSERT_NE(find("q8_0"), nullptr);
  EXPECT_DOUBLE_EQ(find("q8_0")->entry->type.bits_per_weight(), 8.5);
  EXPECT_TRUE(find("q8_0")->kv);
  ASSERT_NE(find("q4_K"), nullptr);
  EXPECT_DOUBLE_EQ(find("q4_K")->entry->type.bits_per_weight(), 4.5);
  EXPECT_FALSE(find("q4_K")->kv);

  // Quantizations: Q4_K_M's base type is q4_K, 4.5 bits per weight.
  const ListAnswer q = answer_list(s, {"quants", "q4_k_m"});
  ASSERT_EQ(q.mixes.size(), 1u);
  EXPECT_EQ(q.mixes[0].entry->mix.id, "Q4_K_M");
  EXPECT_DOUBLE_EQ(q.mixes[0].base_bits_per_weight, 4.5);
}

TEST(EngineCatalog, ShowTellsWhatAnIdNames) {
  Session s;
  EXPECT_EQ(answer_show(s, {"llama3.1:8b", ""}).kind, ShowAnswer::Kind::model);  // an alias
  EXPECT_EQ(answer_show(s, {"llama-3.1-8b", ""}).params.total, kLlama31_8bParams);
  EXPECT_EQ(answer_show(s, {"rtx-4090", ""}).kind, ShowAnswer::Kind::device);
  // Mix ids and type ids differ only in case: the exact spelling decides.
  EXPECT_EQ(answer_show(s, {"Q8_0", ""}).kind, ShowAnswer::Kind::quant);
  EXPECT_EQ(answer_show(s, {"q8_0", ""}).kind, ShowAnswer::Kind::tensor_type);
  try {
    (void)answer_show(s, {"rtx-4900", ""});
    ADD_FAILURE() << "an unknown id was accepted";
  } catch (const io::InputError& e) {
    EXPECT_STREQ(e.what(), "unknown id 'rtx-4900' (did you mean 'rtx-4060'?); see 'vramfit list models|devices|quants|types'");
  }
}

TEST(EngineCatalog, ImportGivesAnEntryThatLoads) {
  Session s;
  const ImportAnswer a = answer_import(s, {kSource + "/tests/hf/configs/llama-3.1-8b.json", "my-llama", ""});
  EXPECT_EQ(a.model.id, "my-llama");
  EXPECT_EQ(a.model.name, "my-llama");  // the id when no name is given
  EXPECT_EQ(a.model.layers, 32);
  EXPECT_EQ(a.model.kv_heads, 8);
  EXPECT_EQ(a.params_total, kLlama31_8bParams);
  EXPECT_NE(a.yaml.find("- id: \"my-llama\"\n"), std::string::npos) << a.yaml;
  EXPECT_NE(a.yaml.find("  params_total_b: 8.030\n"), std::string::npos) << a.yaml;
  // The printed entry loads with the catalog's own loader (the engine checked it; so does this test).
  io::Catalog cat;
  io::Diagnostics diag;
  io::load_catalog_text(cat, "models.yaml", "imported.yaml", a.yaml, diag);
  ASSERT_EQ(cat.models.size(), 1u);
  EXPECT_EQ(cat.models[0].spec.layers, 32);
  EXPECT_THROW((void)answer_import(s, {kSource + "/tests/hf/configs/llama-3.1-8b.json", "my llama", ""}), io::InputError);
}

// The embedded catalog is clean (CI runs `vramfit catalog check` on it), and holds every entry of
// data/models.yaml, counted here from the file's "- id:" lines.
TEST(EngineCatalog, CatalogCheckOfTheEmbeddedCatalog) {
  Session s;
  const CatalogCheckAnswer a = answer_catalog_check(s);
  EXPECT_TRUE(a.clean()) << a.problems.front().str();
  std::ifstream in(kSource + "/data/models.yaml");
  std::string line;
  std::size_t ids = 0;
  while (std::getline(in, line)) ids += line.rfind("- id: ", 0) == 0 ? 1 : 0;
  EXPECT_EQ(a.catalog.models.size(), ids);
  EXPECT_GT(ids, 50u);
}

// --against: the against_ok fixtures agree with the catalog; llama-3.1-8b's config is one of them.
TEST(EngineCatalog, CheckAgainstConfigs) {
  Session s;
  const CheckAgainstAnswer a = answer_check_against(s, kSource + "/tests/cli/fixtures/hf/against_ok");
  EXPECT_TRUE(a.clean()) << a.problems.front().str();
  EXPECT_EQ(a.report.matches.size(), 3u);  // deepseek-v3.json, gemma-3-4b.json, llama-3.1-8b/config.json
  EXPECT_EQ(a.agree.size(), 3u);
  EXPECT_TRUE(a.report.unmatched.empty());
}

}  // namespace
}  // namespace vramfit::engine
