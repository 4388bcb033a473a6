// units.hpp: strong types, binary vs decimal sizes, the cross-unit operations (STYLE.md practice 2).
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <type_traits>

#include "vramfit/units.hpp"

namespace vramfit {
namespace {

// ---- compile-time rules -------------------------------------------------------------------------
static_assert(std::is_same_v<decltype(Bytes{} / BytesPerSecond{1.0}), Seconds>);
static_assert(std::is_same_v<decltype(Flops{} / FlopsPerSecond{1.0}), Seconds>);
static_assert(std::is_same_v<decltype(Bytes{1} / Bytes{1}), double>);  // a ratio of like quantities is a number
static_assert(std::is_same_v<decltype(per_token(Seconds{1.0})), TokensPerSecond>);
static_assert(std::is_same_v<decltype(1.0 / TokensPerSecond{1.0}), Seconds>);
static_assert(!std::is_invocable_v<std::plus<>, Bytes, Seconds>);
static_assert(!std::is_invocable_v<std::plus<>, Bytes, TokensPerSecond>);
static_assert(!std::is_invocable_v<std::minus<>, Seconds, Bytes>);
static_assert(!std::is_invocable_v<std::divides<>, Bytes, TokensPerSecond>);
static_assert(!std::is_invocable_v<std::divides<>, Bytes, Seconds>);
static_assert(!std::is_convertible_v<double, Seconds>);
static_assert(!std::is_convertible_v<Bytes, std::int64_t>);
// Binary constants: 2^10, 2^20, 2^30, 2^40; decimal GB = 10^9.
static_assert(kKiB == 1024 && kMiB == 1048576 && kGiB == 1073741824 && kTiB == 1099511627776);
static_assert(kGB == 1000000000);
static_assert(mib(256).value() == 268435456);  // 256 x 2^20

TEST(Units, BinaryAndDecimalSizesDiffer) {
  // 1 GiB = 1,073,741,824 B = 1.073741824 GB; 1 GB = 0.931322575 GiB.
  EXPECT_EQ(gib(std::int64_t{1}).value(), 1073741824);
  EXPECT_DOUBLE_EQ(to_gb(gib(std::int64_t{1})), 1.073741824);
  EXPECT_NEAR(to_gib(gb(1.0)), 0.9313225746154785, 1e-15);
  EXPECT_DOUBLE_EQ(to_mib(mib(4403)), 4403.0);
  EXPECT_NE(gib(std::int64_t{16}), gb(16.0));
}

TEST(Units, FractionalSizesRoundToNearestByte) {
  struct Row {
    double given;
    std::int64_t gib_bytes, gb_bytes;
  };
  // gib: llround(n x 2^30); gb: llround(n x 10^9).
  const Row rows[] = {
      {1.0, 1073741824, 1000000000},
      {0.5, 536870912, 500000000},
      // 10.67 x 1073741824 = 11,456,825,262.08 -> 11,456,825,262
      {10.67, 11456825262, 10670000000},
      // 16.061 GB: the F16 Llama-3.1-8B file of methods.md §1.3
      {16.061, 17245367435, 16061000000},  // 16.061 x 2^30 = 17,245,367,435.26
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.given);
    EXPECT_EQ(gib(r.given).value(), r.gib_bytes);
    EXPECT_EQ(gb(r.given).value(), r.gb_bytes);
  }
}

TEST(Units, BytesOverBandwidthIsSeconds) {
  struct Row {
    Bytes bytes;
    double gbs;
    double seconds;
  };
  const Row rows[] = {
      {Bytes(1000000000), 100.0, 0.01},          // 1e9 B / 100e9 B/s
      {gib(std::int64_t{1}), 1.0, 1.073741824},  // 2^30 B / 1e9 B/s
      // Llama-2-7B Q4_0 (3.826 GB, methods.md §6.1) over an RTX 4090's 1008 GB/s = 3.7956 ms
      {gb(3.826), 1008.0, 3.826 / 1008.0},
  };
  for (const Row& r : rows) {
    const Seconds s = r.bytes / gb_per_s(r.gbs);
    EXPECT_NEAR(s.value(), r.seconds, 1e-12);
  }
}

TEST(Units, FlopsOverRateIsSeconds) {
  // 2e12 FLOP at 100 TFLOPS = 0.02 s
  EXPECT_NEAR((Flops(2e12) / tflops(100.0)).value(), 0.02, 1e-15);
}

TEST(Units, TokensPerSecondAndBack) {
  // 20 ms per token -> 50 tokens/s; 100 tokens at 50 tokens/s -> 2 s.
  EXPECT_DOUBLE_EQ(per_token(Seconds(0.02)).value(), 50.0);
  EXPECT_DOUBLE_EQ((100.0 / TokensPerSecond(50.0)).value(), 2.0);
}

TEST(Units, ArithmeticAndComparison) {
  Bytes a = mib(3);
  a += mib(1);
  EXPECT_EQ(a, mib(4));
  a -= mib(2);
  EXPECT_EQ(a, mib(2));
  EXPECT_EQ(mib(2) * 3, mib(6));
  EXPECT_EQ(3 * mib(2), mib(6));
  EXPECT_EQ(mib(6) / 3, mib(2));
  EXPECT_DOUBLE_EQ(gib(std::int64_t{1}) / mib(256), 4.0);
  EXPECT_LT(mib(1), gib(std::int64_t{1}));
  EXPECT_GT(Seconds(2.0), Seconds(1.0));
}

TEST(Units, OverflowHelpersReport) {
  std::int64_t out = 0;
  EXPECT_FALSE(mul_overflows(kGiB, 1024, out));
  EXPECT_EQ(out, kTiB);
  EXPECT_TRUE(mul_overflows(std::numeric_limits<std::int64_t>::max(), 2, out));
  EXPECT_FALSE(add_overflows(1, 2, out));
  EXPECT_EQ(out, 3);
  EXPECT_TRUE(add_overflows(std::numeric_limits<std::int64_t>::max(), 1, out));
}

// Practice 2 says units must not silently lose meaning. Bytes * double compiles today through the
// implicit double -> int64 conversion of the `Rep k` parameter, so Bytes(1000) * 0.9 == Bytes(0)
// (truncation of 0.9 to 0). A fractional scale of a byte count should not compile (or should round).
TEST(Units, BytesTimesFractionDoesNotTruncateSilently) {
  EXPECT_FALSE((std::is_invocable_v<std::multiplies<>, Bytes, double>))
      << "Bytes * double compiles and converts the factor to int64: Bytes(1000) * 0.9 == Bytes(0)";
}

}  // namespace
}  // namespace vramfit
