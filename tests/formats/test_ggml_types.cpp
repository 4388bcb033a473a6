// The ggml type table: layouts worked out from the block structs of ggml-common.h, and agreement
// with the test GGUF writer's own name -> id table (tests/gguf/gguf_model.hpp).
#include "formats/ggml_types.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "gguf_model.hpp"

namespace {

using vramfit::io::gguf::find_ggml_type;
using vramfit::io::gguf::kGgmlTypes;
using vramfit::io::gguf::removed_ggml_type;

struct Layout {
  const char* name;
  std::uint32_t id;
  std::int64_t block;
  std::int64_t bytes;  // from the block struct's fields
};

TEST(GgmlTypes, LayoutsFromTheBlockStructs) {
  const Layout rows[] = {
      {"f32", 0, 1, 4},
      {"f16", 1, 1, 2},
      {"bf16", 30, 1, 2},
      {"q4_0", 2, 32, 2 + 32 / 2},                  // ggml_half d; qs[QK4_0/2]
      {"q5_1", 7, 32, 2 * 2 + 4 + 32 / 2},          // d, m; qh[4]; qs[16]
      {"q8_0", 8, 32, 2 + 32},
      {"q2_K", 10, 256, 2 * 2 + 256 / 16 + 256 / 4},
      {"q3_K", 11, 256, 2 + 256 / 4 + 256 / 8 + 12},
      {"q4_K", 12, 256, 144},                       // 4.5 bits per weight
      {"q5_K", 13, 256, 2 * 2 + 12 + 256 / 2 + 256 / 8},
      {"q6_K", 14, 256, 2 + 256 / 16 + 3 * 256 / 4},
      {"q8_K", 15, 256, 4 + 256 + 256 / 16 * 2},
      {"iq2_xxs", 16, 256, 2 + 256 / 8 * 2},
      {"iq3_s", 21, 256, 2 + 13 * (256 / 32) + 256 / 64},
      {"iq1_m", 29, 256, 256 / 8 + 256 / 16 + 256 / 32},
      {"iq4_nl", 20, 32, 2 + 32 / 2},
      {"iq4_xs", 23, 256, 2 + 2 + 256 / 64 + 256 / 2},
      {"tq2_0", 35, 256, 2 + 256 / 4},
      {"mxfp4", 39, 32, 1 + 32 / 2},
      {"i64", 27, 1, 8},
  };
  for (const Layout& r : rows) {
    SCOPED_TRACE(r.name);
    const auto t = find_ggml_type(r.id);
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(t->name, r.name);
    EXPECT_EQ(t->block_size, r.block);
    EXPECT_EQ(t->type_size, r.bytes);
  }
}

TEST(GgmlTypes, IdsAndNamesAreUniqueAndLookUpBothWays) {
  std::set<std::uint32_t> ids;
  std::set<std::string> names;
  for (const auto& t : kGgmlTypes) {
    EXPECT_TRUE(ids.insert(t.id).second) << t.id;
    EXPECT_TRUE(names.insert(std::string(t.name)).second) << t.name;
    EXPECT_GT(t.block_size, 0);
    EXPECT_GT(t.type_size, 0);
    EXPECT_EQ(find_ggml_type(t.name)->id, t.id);
    EXPECT_TRUE(removed_ggml_type(t.id).empty());
  }
  EXPECT_EQ(find_ggml_type("Q4_K")->id, 12u);
  EXPECT_EQ(find_ggml_type("IQ2_XXS")->id, 16u);
  EXPECT_FALSE(find_ggml_type("q4_k_m").has_value());  // a file-level mix, not a tensor type
  EXPECT_FALSE(find_ggml_type(43u).has_value());        // GGML_TYPE_COUNT
}

TEST(GgmlTypes, RemovedIdsAreNamedNotLoaded) {
  for (std::uint32_t id : {4u, 5u, 31u, 32u, 33u, 36u, 37u, 38u}) {
    EXPECT_FALSE(find_ggml_type(id).has_value()) << id;
    EXPECT_FALSE(removed_ggml_type(id).empty()) << id;
  }
  EXPECT_EQ(removed_ggml_type(4), "Q4_2");
  EXPECT_EQ(removed_ggml_type(36), "IQ4_NL_4_4");
  EXPECT_TRUE(removed_ggml_type(12).empty());
}

// The GGUF writer's table (written separately, from ggml.h) gives the same id for every name.
TEST(GgmlTypes, AgreesWithTheTestWritersTable) {
  for (const auto& t : kGgmlTypes) {
    if (const auto id = vramfit::gguf::ggml_type_id(t.name)) {
      EXPECT_EQ(*id, t.id) << t.name;
    }
  }
  for (const char* name : {"f32", "f16", "bf16", "q4_0", "q8_0", "q4_K", "q6_K", "iq4_xs", "tq1_0", "mxfp4"})
    EXPECT_EQ(vramfit::gguf::ggml_type_id(name), find_ggml_type(std::string(name))->id) << name;
}

}  // namespace
