// bench_stats.hpp: sample statistics, rates, the stream decode rate, band positions and the
// calibration factor, against values worked out by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "vramfit/bench_stats.hpp"

namespace vramfit {
namespace {

TEST(BenchStats, OddCount) {
  // {160, 100, 128}: sorted 100, 128, 160; median 128; mean 388 / 3 = 129.333...;
  // stddev sqrt((1.778 + 860.444 + 940.444) / 2) = sqrt(901.333) = 30.0222; spread 60 / 128 = 0.46875.
  const SampleStats s = sample_stats({160, 100, 128});
  EXPECT_EQ(s.count, 3);
  EXPECT_DOUBLE_EQ(s.median, 128);
  EXPECT_DOUBLE_EQ(s.min, 100);
  EXPECT_DOUBLE_EQ(s.max, 160);
  EXPECT_NEAR(s.mean, 129.333333333, 1e-9);
  EXPECT_NEAR(s.stddev, 30.02221399, 1e-8);
  EXPECT_DOUBLE_EQ(s.spread, 0.46875);
}

TEST(BenchStats, EvenCountTakesTheMeanOfTheMiddleTwo) {
  // {10, 40, 20, 30}: middle 20 and 30 -> 25; spread (40 - 10) / 25 = 1.2; stddev sqrt(500 / 3) = 12.9099.
  const SampleStats s = sample_stats({10, 40, 20, 30});
  EXPECT_DOUBLE_EQ(s.median, 25);
  EXPECT_DOUBLE_EQ(s.spread, 1.2);
  EXPECT_NEAR(s.stddev, 12.90994449, 1e-8);
}

TEST(BenchStats, OneValueAndNone) {
  const SampleStats one = sample_stats({42});
  EXPECT_DOUBLE_EQ(one.median, 42);
  EXPECT_DOUBLE_EQ(one.stddev, 0);
  EXPECT_DOUBLE_EQ(one.spread, 0);
  EXPECT_EQ(sample_stats({}).count, 0);
}

TEST(BenchStats, Rates) {
  struct Row {
    std::int64_t tokens;
    double seconds;
    std::optional<double> expected;
  };
  const Row rows[] = {{128, 1.0, 128.0}, {128, 0.8, 160.0}, {0, 1.0, std::nullopt}, {10, 0.0, std::nullopt}, {10, -1.0, std::nullopt}};
  for (const Row& r : rows) EXPECT_EQ(rate(r.tokens, r.seconds), r.expected) << r.tokens << " in " << r.seconds;
  // A stream: 10 tokens, the first at 0.2 s and the last at 0.38 s: 9 tokens in 0.18 s = 50 tok/s.
  EXPECT_NEAR(*stream_decode_rate(10, 0.2, 0.38), 50.0, 1e-9);
  EXPECT_EQ(stream_decode_rate(1, 0.2, 0.2), std::nullopt);  // one token: nothing decoded after it
}

TEST(BenchStats, BandPosition) {
  EXPECT_EQ(band_position(128, 114.34, 145.53), BandPosition::inside);
  EXPECT_EQ(band_position(80, 114.34, 145.53), BandPosition::below);
  EXPECT_EQ(band_position(200, 114.34, 145.53), BandPosition::above);
  EXPECT_EQ(band_position(114.34, 114.34, 145.53), BandPosition::inside);  // edges are inside
  EXPECT_EQ(to_string(BandPosition::below), "below");
}

TEST(BenchStats, CalibrationFactorIsTheMedianRatio) {
  // 120 / 100 = 1.2, 90 / 100 = 0.9, 50 / 50 = 1.0: median 1.0; a row without a prediction is left out.
  EXPECT_DOUBLE_EQ(*calibration_factor({{120, 100}, {90, 100}, {50, 50}, {70, 0}}), 1.0);
  EXPECT_EQ(calibration_factor({{70, 0}}), std::nullopt);
}

}  // namespace
}  // namespace vramfit
