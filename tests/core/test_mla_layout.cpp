// mla_layout.hpp: the older MLA cache layouts of llama.cpp and ik_llama.cpp logs (methods.md §2.4), worked
// out by hand for DeepSeek-V3 (fixtures.hpp: 61 layers, 128 heads, rank 512, rope 64, nope 128, v 128).
#include <gtest/gtest.h>

#include "fixtures.hpp"
#include "vramfit/mla_layout.hpp"

namespace vramfit {
namespace {

Workload ctx(std::int64_t context, const char* k = "f16", const char* v = "f16") {
  Workload w;
  w.context = context;
  w.kv_type_k = k;
  w.kv_type_v = v;
  return w;
}

TEST(MlaLayout, RowsPerTokenAndLayer) {
  const ModelSpec m = test::deepseek_v3();
  const TensorType& f16 = test::types().get("f16");
  const TensorType& q8 = test::types().get("q8_0");
  struct {
    MlaLayout layout;
    const TensorType& k;
    const TensorType& v;
    std::int64_t k_bytes, v_bytes;
  } rows[] = {
      {MlaLayout::latent, f16, f16, 576 * 2, 0},                           // V a view of the latent
      {MlaLayout::latent_kv, f16, f16, 576 * 2, 512 * 2},                  // V = the rank part again
      {MlaLayout::latent_kv, q8, q8, 576 / 32 * 34, 512 / 32 * 34},        // 612 and 544 B
      {MlaLayout::full, f16, f16, 128 * (128 + 64) * 2, 128 * 128 * 2},    // 49152 and 32768 B
  };
  for (const auto& r : rows) {
    const MlaRow row = mla_layout_row(m, r.layout, r.k, r.v);
    EXPECT_EQ(row.k, r.k_bytes) << to_string(r.layout);
    EXPECT_EQ(row.v, r.v_bytes) << to_string(r.layout);
  }
}

TEST(MlaLayout, TheLoggedKAndVSizesTellTheLayout) {
  const ModelSpec m = test::deepseek_v3();
  const TensorType& f16 = test::types().get("f16");
  // Mainline before PR #19067 (measured_memory.yaml, DeepSeek-V3-0324 Q2_K at 16384 cells): K 1098, V 976 MiB.
  EXPECT_EQ(mla_layout_of(m, f16, f16, 1098.0, 976.0), MlaLayout::latent_kv);
  // Per-head K : V = 192 : 128 (Kimi-K2's 732 : 488 MiB at -mla 0).
  EXPECT_EQ(mla_layout_of(m, f16, f16, 732.0, 488.0), MlaLayout::full);
  // No V printed (ik_llama.cpp "c^KV ..., kv^T: not used"): the latent alone.
  EXPECT_EQ(mla_layout_of(m, f16, f16, 583.31, 0.0), MlaLayout::latent);
}

TEST(MlaLayout, WithMlaLayoutResizesEveryMlaLayer) {
  const ModelSpec m = test::deepseek_v3();
  const TensorType& f16 = test::types().get("f16");
  const KvCache latent = kv_cache(m, ctx(16384), f16, f16);
  // latent + V: 61 x 16384 x (576 + 512) x 2 B = 2,174,746,624 B = 2074.00 MiB (the logged K 1098 + V 976).
  const KvCache kv = with_mla_layout(latent, m, MlaLayout::latent_kv, f16, f16);
  EXPECT_EQ(kv.total.value(), 2174746624);
  EXPECT_EQ(kv.attention.value(), 2174746624);
  EXPECT_EQ(kv.per_layer[0].value(), 16384 * 1088 * 2);
  EXPECT_EQ(kv.bytes_per_token, 61 * 1088 * 2);
  // Per-head K and V at 512 cells: 61 x 512 x 128 x (192 + 128) x 2 B = 2,558,525,440 B = 2440.00 MiB.
  const KvCache full = with_mla_layout(kv_cache(m, ctx(512), f16, f16), m, MlaLayout::full, f16, f16);
  EXPECT_EQ(full.total.value(), 2558525440);
  // The latent layout leaves the cache as kv_cache() made it.
  EXPECT_EQ(with_mla_layout(latent, m, MlaLayout::latent, f16, f16).total.value(), latent.total.value());
}

}  // namespace
}  // namespace vramfit
