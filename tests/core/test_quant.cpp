// quant.hpp: block layouts, tensor byte counts, llama.cpp layer selection (methods.md §1.1-1.2).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "fixtures.hpp"
#include "vramfit/quant.hpp"

namespace vramfit {
namespace {

using test::ggml_types;

TEST(Quant, BitsPerWeightFromBlockLayout) {
  // bpw = 8 x block_bytes / block_size (methods.md §1.1 table).
  struct Row {
    const char* id;
    double bpw;
  };
  const Row rows[] = {
      {"f32", 32.0},       // 8 x 4 / 1
      {"f16", 16.0},       // 8 x 2 / 1
      {"bf16", 16.0},      // 8 x 2 / 1
      {"q4_0", 4.5},       // 8 x 18 / 32
      {"q4_1", 5.0},       // 8 x 20 / 32
      {"q5_0", 5.5},       // 8 x 22 / 32
      {"q5_1", 6.0},       // 8 x 24 / 32
      {"q8_0", 8.5},       // 8 x 34 / 32
      {"q2_K", 2.625},     // 8 x 84 / 256
      {"q3_K", 3.4375},    // 8 x 110 / 256
      {"q4_K", 4.5},       // 8 x 144 / 256
      {"q5_K", 5.5},       // 8 x 176 / 256
      {"q6_K", 6.5625},    // 8 x 210 / 256
      {"iq4_nl", 4.5},     // 8 x 18 / 32
      {"iq4_xs", 4.25},    // 8 x 136 / 256
      {"mxfp4", 4.25},     // 8 x 17 / 32
  };
  const TypeTable types = ggml_types();
  for (const Row& r : rows) {
    SCOPED_TRACE(r.id);
    EXPECT_DOUBLE_EQ(types.get(r.id).bits_per_weight(), r.bpw);
  }
}

TEST(Quant, TensorBytes) {
  struct Row {
    const char* type;
    std::int64_t row_len, rows;
    std::int64_t bytes;
  };
  const Row rows[] = {
      // Llama-3 token_embd in Q4_K: 128256 rows x (4096/256 = 16 blocks x 144 B = 2304 B)
      // = 295,501,824 B = 281.8125 MiB, the "CPU buffer size = 281.81 MiB" log line of methods.md §1.3.
      {"q4_K", 4096, 128256, 295501824},
      // Llama-3 output in Q6_K: 128256 x 16 x 210 = 430,940,160
      {"q6_K", 4096, 128256, 430940160},
      // Q8_0: 4096/32 = 128 blocks x 34 B = 4352 B/row x 1024 rows = 4,456,448
      {"q8_0", 4096, 1024, 4456448},
      // F16 square 4096: 4096^2 x 2 = 33,554,432
      {"f16", 4096, 4096, 33554432},
      // gpt-oss expert gate stack in MXFP4: 2880/32 = 90 blocks x 17 B = 1530 B/row x (2880 x 32) rows
      {"mxfp4", 2880, 92160, 141004800},
      // Per-row scale: 4096 x 4096 x 1 B + 4096 rows x 4 B = 16,777,216 + 16,384
      {"fp8", 4096, 4096, 16793600},
      // 2-D block longer than a row, counted over the tensor: 7168 x 2048 = 14,680,064 weights
      // / 16384 = 896 (= 56 x 16 tiles of 128x128) blocks x 16388 B = 14,683,648
      {"fp8_block", 7168, 2048, 14683648},
  };
  const TypeTable types = ggml_types();
  for (const Row& r : rows) {
    SCOPED_TRACE(r.type);
    EXPECT_EQ(types.get(r.type).bytes(r.row_len, r.rows).value(), r.bytes);
  }
  EXPECT_DOUBLE_EQ(to_mib(types.get("q4_K").bytes(4096, 128256)), 281.8125);
}

TEST(Quant, HugeTensorThrowsOverflow) {
  // 2^40/32 x 34 B per row x 2^30 rows ~ 1.25e21 B > 2^63.
  const TypeTable types = ggml_types();
  try {
    (void)types.get("q8_0").bytes(std::int64_t{1} << 40, std::int64_t{1} << 30);
    FAIL() << "expected CoreError(overflow)";
  } catch (const CoreError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::overflow);
  }
}

TEST(Quant, RowDivisibility) {
  struct Row {
    const char* type;
    std::int64_t row_len;
    bool divides;
  };
  const Row rows[] = {
      {"q4_K", 4096, true},   // 16 x 256
      {"q4_K", 896, false},   // Qwen2.5-0.5B hidden: 3.5 x 256
      {"q4_K", 4864, true},   // Qwen2.5-0.5B ffn: 19 x 256
      {"q5_0", 896, true},    // 28 x 32
      {"q6_K", 2880, false},  // gpt-oss hidden: 11.25 x 256
      {"q8_0", 2880, true},   // 90 x 32
      {"f16", 7, true},
  };
  const TypeTable types = ggml_types();
  for (const Row& r : rows) {
    SCOPED_TRACE(std::string(r.type) + " " + std::to_string(r.row_len));
    EXPECT_EQ(types.get(r.type).divides(r.row_len), r.divides);
  }
}

// llama-quant.cpp use_more_bits(i, n) = i < n/8 || i >= 7n/8 || (i - n/8) % 3 == 2.
TEST(Quant, UseMoreBitsSelectsHalfOfLlamaLayers) {
  // n = 32: n/8 = 4, 7n/8 = 28 -> {0,1,2,3} + {28..31} + (i-4)%3==2 for i in 4..27 -> {6,9,...,27} (8)
  const std::vector<std::int64_t> want = {0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31};
  std::vector<std::int64_t> got;
  for (std::int64_t i = 0; i < 32; ++i)
    if (use_more_bits(i, 32)) got.push_back(i);
  EXPECT_EQ(got, want);
  EXPECT_EQ(got.size(), 16u);
}

TEST(Quant, UseMoreBitsCounts) {
  struct Row {
    std::int64_t n, count;
  };
  const Row rows[] = {
      // n = 24: i<3 (3) + i>=21 (3) + {5,8,11,14,17,20} (6) = 12
      {24, 12},
      // n = 80: i<10 (10) + i>=70 (10) + {12,15,...,69} ((69-12)/3+1 = 20) = 40
      {80, 40},
      // n = 4 (Jamba attention layers): n/8 = 0, 7n/8 = 3 -> {3} + (i%3==2) -> {2} = 2
      {4, 2},
  };
  for (const Row& r : rows) {
    std::int64_t c = 0;
    for (std::int64_t i = 0; i < r.n; ++i) c += use_more_bits(i, r.n) ? 1 : 0;
    EXPECT_EQ(c, r.count) << "n = " << r.n;
  }
}

TEST(Quant, LayerSelection) {
  struct Row {
    LayerSelect select;
    std::int64_t select_n, i, n;
    bool selected;
    const char* why;
  };
  const Row rows[] = {
      {LayerSelect::all, 0, 31, 32, true, "all"},
      {LayerSelect::first, 4, 3, 32, true, "Q4_K_S attn_v: i < 4"},
      {LayerSelect::first, 4, 4, 32, false, "Q4_K_S attn_v: i < 4"},
      {LayerSelect::first_fraction, 8, 3, 32, true, "Q4_K_S ffn_down: i < 32/8 = 4"},
      {LayerSelect::first_fraction, 8, 4, 32, false, "Q4_K_S ffn_down: i < 32/8 = 4"},
      {LayerSelect::first_fraction, 16, 1, 32, true, "Q3_K_M ffn_down: i < 32/16 = 2"},
      {LayerSelect::first_fraction, 16, 2, 32, false, "Q3_K_M ffn_down: i < 32/16 = 2"},
      {LayerSelect::use_more_bits, 0, 6, 32, true, "(6-4)%3 == 2"},
      {LayerSelect::use_more_bits, 0, 7, 32, false, "(7-4)%3 == 0"},
      // IQ3_XS ffn_gate/ffn_up: llama-quant.cpp tests i_layer >= n_layer/8 && i_layer < 7*n_layer/8.
      {LayerSelect::middle_fraction, 8, 3, 32, false, "3 < 32/8"},
      {LayerSelect::middle_fraction, 8, 4, 32, true, "4 >= 32/8"},
      {LayerSelect::middle_fraction, 8, 27, 32, true, "27 < 7*32/8 = 28"},
      {LayerSelect::middle_fraction, 8, 28, 32, false, "28 >= 28"},
      // n = 28 (Qwen2.5-7B): 7*28/8 = 196/8 = 24 (integer), so layer 24 is NOT in the middle band
      // (n - n/8 = 25 would wrongly include it).
      {LayerSelect::middle_fraction, 8, 23, 28, true, "23 < 7*28/8 = 24"},
      {LayerSelect::middle_fraction, 8, 24, 28, false, "24 >= 7*28/8 = 24"},
  };
  for (const Row& r : rows) {
    MixRule rule;
    rule.select = r.select;
    rule.select_n = r.select_n;
    EXPECT_EQ(layer_selected(rule, r.i, r.n), r.selected) << r.why << " (i=" << r.i << ", n=" << r.n << ")";
  }
}

TEST(Quant, TypeLookupIsCaseInsensitiveAndUnknownIsAnError) {
  const TypeTable types = ggml_types();
  EXPECT_EQ(types.get("Q4_K").id, "q4_K");
  EXPECT_EQ(types.get("F16").id, "f16");
  EXPECT_EQ(find_by_id(types.types, "q9_9"), nullptr);
  try {
    (void)types.get("q9_9");
    FAIL() << "an unknown type must never default to 4 bits (STYLE practice 3)";
  } catch (const CoreError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::unknown_type);
  }
}

}  // namespace
}  // namespace vramfit
