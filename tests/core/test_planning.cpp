// planning.hpp: power, PSU size, energy per token, break-even, quality levels and the two orderings.
// Expected values worked out by hand from the formulas (docs/planning.md).
#include <gtest/gtest.h>

#include "vramfit/planning.hpp"

namespace vramfit {
namespace {

PowerRules rules() {
  PowerRules r;
  r.system_base_w = 150;  // data/planning.yaml
  r.psu_headroom = 1.5;
  r.psu_sizes_w = {450, 550, 650, 750, 850, 1000, 1200, 1300, 1600, 2000};
  return r;
}

TEST(Planning, PeakDrawAddsTheSystem) {
  // RTX 4090 450 W + 150 W = 600 W, the seed's "600-650 W" system draw.
  EXPECT_DOUBLE_EQ(peak_draw_w(450, rules()), 600);
  EXPECT_DOUBLE_EQ(peak_draw_w(2 * 300, rules()), 750);  // two A6000: "750-900 W"
}

TEST(Planning, PsuIsTheNextSizeAboveHeadroom) {
  struct Row {
    double peak, psu;
  };
  // 600 x 1.5 = 900 -> 1000 W (seed: "an 850W or 1000W"); 750 x 1.5 = 1125 -> 1200 W (seed: "1200W or
  // 1600W" for dual A6000); 300 x 1.5 = 450 -> 450 W exactly; 1000 x 1.5 = 1500 -> 1600 W.
  for (const Row& r : {Row{600, 1000}, Row{750, 1200}, Row{300, 450}, Row{1000, 1600}}) {
    const auto psu = psu_size_w(r.peak, rules());
    ASSERT_TRUE(psu.has_value()) << r.peak;
    EXPECT_DOUBLE_EQ(*psu, r.psu) << r.peak;
  }
  EXPECT_FALSE(psu_size_w(1400, rules()).has_value());  // 2100 W: above every ATX size in the list
}

TEST(Planning, EnergyPerMillionTokens) {
  // 600 W at 50 tok/s = 12 J per token; 1e6 tokens = 12e6 J = 12e6 / 3.6e6 kWh = 3.333 kWh.
  EXPECT_NEAR(kwh_per_million_tokens(600, 50), 3.3333333, 1e-6);
  // 100 W at 100 tok/s = 1 J per token -> 1e6 J = 0.2778 kWh.
  EXPECT_NEAR(kwh_per_million_tokens(100, 100), 0.2777778, 1e-6);
  EXPECT_DOUBLE_EQ(kwh_per_million_tokens(600, 0), 0);  // unknown speed
}

TEST(Planning, BreakEvenHours) {
  // $1599, 600 W at $0.15/kWh = $0.09/h, renting $0.69/h: 1599 / (0.69 - 0.09) = 2665 h.
  const auto h = break_even_hours(1599, 0.69, 600, 0.15);
  ASSERT_TRUE(h.has_value());
  EXPECT_NEAR(*h, 2665.0, 1e-9);
  // Free electricity: 1599 / 0.69 = 2317.39 h.
  EXPECT_NEAR(*break_even_hours(1599, 0.69, 600, 0), 2317.391304, 1e-6);
  // Renting at $0.05/h is cheaper than the $0.09/h of energy alone: never.
  EXPECT_FALSE(break_even_hours(1599, 0.05, 600, 0.15).has_value());
  EXPECT_FALSE(break_even_hours(0, 0.69, 600, 0.15).has_value());  // no price
}

std::vector<QualityLevel> levels() {
  // data/planning.yaml, by min_bits descending.
  return {{15.0, 0, "full", ""},          {7.5, 0, "near-lossless", ""}, {6.2, 0, "very-small-loss", ""},
          {5.2, 0, "small-loss", ""},     {4.2, 1, "moderate-loss", ""}, {3.3, 2, "noticeable-loss", ""},
          {0.0, 3, "severe-loss", ""}};
}

TEST(Planning, QualityLevelByBits) {
  struct Row {
    double bits;
    const char* level;
  };
  // Llama-3.1-8B: F16 16.00, Q8_0 8.50, Q6_K 6.56, Q5_K_M 5.70, Q4_K_M 4.89, Q3_K_M 3.91, Q2_K 3.16 bpw
  // (whole-file bits per weight: the Q6_K output head lifts the low mixes).
  for (const Row& r : {Row{16.0, "full"}, Row{8.5, "near-lossless"}, Row{6.56, "very-small-loss"}, Row{5.7, "small-loss"},
                       Row{5.33, "small-loss"}, Row{5.1, "moderate-loss"}, Row{4.89, "moderate-loss"}, Row{3.91, "noticeable-loss"},
                       Row{3.16, "severe-loss"}, Row{2.06, "severe-loss"}})
    EXPECT_EQ(quality_for_bits(levels(), r.bits)->level, r.level) << r.bits;
  EXPECT_EQ(quality_for_bits({}, 4.0), nullptr);
}

TEST(Planning, CheaperOrder) {
  const PricedOption a{329, false, 40}, b{329, false, 60}, c{1599, false, 100}, unknown_fast{0, false, 200},
      unknown_slow{0, false, 20};
  EXPECT_TRUE(cheaper(a, c));
  EXPECT_TRUE(cheaper(b, a));  // same price: 329/60 = 5.48 < 329/40 = 8.23 $ per tok/s
  EXPECT_TRUE(cheaper(c, unknown_fast));  // a known price before an unknown one
  EXPECT_TRUE(cheaper(unknown_fast, unknown_slow));
  EXPECT_FALSE(cheaper(unknown_slow, a));
  EXPECT_NEAR(a.usd_per_token_per_second(), 8.225, 1e-12);
  EXPECT_DOUBLE_EQ(unknown_fast.usd_per_token_per_second(), 0);
}

TEST(Planning, SmallModelAtFourBitsBeatsLargeModelAtTwo) {
  const FitOption big_2bit{3, 70.6e9, 20}, small_4bit{1, 8.0e9, 120}, mid_3bit{2, 32.8e9, 40}, small_8bit{0, 8.0e9, 80};
  EXPECT_TRUE(better_fit(small_4bit, big_2bit));
  EXPECT_TRUE(better_fit(small_4bit, mid_3bit));  // 3-bit is a low class too
  EXPECT_TRUE(better_fit(mid_3bit, big_2bit));  // 3-bit before 2-bit, whatever the size
  EXPECT_TRUE(better_fit(FitOption{3, 80e9, 10}, big_2bit));  // same class: the larger model
  // Within the good classes the larger model first, then the faster.
  EXPECT_TRUE(better_fit(FitOption{1, 14e9, 50}, small_8bit));
  EXPECT_TRUE(better_fit(small_4bit, small_8bit));  // same size: faster
}

}  // namespace
// choose_price: the user's figure, else street (used before new, new only with --new), else launch.
// Quotes as data/devices.yaml has them for rtx-3090 (used $700-900, launch $1,499) and apple-m4-pro
// (new $2,000-2,500 for 48 GB, launch $1,399 for the entry 24 GB).
TEST(Planning, WhichPriceWins) {
  const std::vector<PriceQuote> card = {PriceQuote{true, 700, 900, 0, "", "2025", "seed 002"},
                                        PriceQuote{false, 999, 1100, 0, "", "2025", "made-up new quote"}};
  const std::vector<PriceQuote> mac = {PriceQuote{false, 2000, 2500, 48, "MacBook Pro 14-inch", "2025", "seed 002"}};
  struct Row {
    const char* name;
    const std::vector<PriceQuote>* street;
    double launch, user, memory;
    bool entry, new_only;
    double usd;
    PriceSource source;
    bool lower_bound;
  };
  const std::vector<PriceQuote> none;
  const Row rows[] = {
      // (700 + 900) / 2 = 800: the used range's midpoint beats the $1,499 launch price.
      {"used street", &card, 1499, 0, 0, true, false, 800, PriceSource::street_used, false},
      {"user beats street", &card, 1499, 650, 0, true, false, 650, PriceSource::user, false},
      // --new skips the used quote: (999 + 1100) / 2 = 1049.5.
      {"new only", &card, 1499, 0, 0, true, true, 1049.5, PriceSource::street_new, false},
      {"new only, no new quote", &none, 1499, 0, 0, true, true, 1499, PriceSource::launch, false},
      // The 48 GB option has its own price: (2000 + 2500) / 2 = 2250, exact (not a lower bound).
      {"apple option priced", &mac, 1399, 0, 48, false, false, 2250, PriceSource::street_new, false},
      {"apple entry at launch", &mac, 1399, 0, 24, true, false, 1399, PriceSource::launch, false},
      // 64 GB has no quote: at least the 48 GB option's $2,250 (more memory costs more), not >= $1,399.
      {"apple larger option unpriced", &mac, 1399, 0, 64, false, false, 2250, PriceSource::street_new, true},
      {"apple option between entry and quote", &mac, 1399, 0, 36, false, false, 1399, PriceSource::launch, true},
      {"nothing known", &none, 0, 0, 0, true, false, 0, PriceSource::none, false},
  };
  for (const Row& r : rows) {
    const PriceChoice c = choose_price(*r.street, r.launch, r.user, r.memory, r.entry, r.new_only);
    EXPECT_DOUBLE_EQ(c.usd, r.usd) << r.name;
    EXPECT_EQ(c.source, r.source) << r.name;
    EXPECT_EQ(c.lower_bound, r.lower_bound) << r.name;
  }
  EXPECT_STREQ(to_string(PriceSource::street_used), "street_used");
}

}  // namespace vramfit
