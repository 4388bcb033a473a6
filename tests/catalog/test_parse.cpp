// Command-line quantities (src/formats/parse.hpp). Memory sizes are binary: a "24 GB" card holds
// 24 GiB (parse.hpp), so GB = GiB = 2^30 bytes; bandwidths are decimal (GB/s = 1e9 B/s); token counts
// use k = 1024 and M = 1048576 as model cards do ("128k" = 131072).
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/diagnostics.hpp"
#include "formats/parse.hpp"

namespace {

using vramfit::io::InputError;
using vramfit::io::parse_bandwidth;
using vramfit::io::parse_count;
using vramfit::io::parse_size;
using vramfit::io::parse_tokens;

constexpr std::int64_t KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB, TiB = 1024 * GiB;

struct SizeRow {
  const char* given;
  std::int64_t bytes;
};

TEST(ParseSize, AcceptsBinarySizesWithUnits) {
  const std::vector<SizeRow> rows = {
      {"24GB", 24 * GiB},           // memory is sold in binary sizes: GB means GiB here
      {"24GiB", 24 * GiB},
      {"24gb", 24 * GiB},           // units are case-insensitive
      {" 24 GB ", 24 * GiB},        // blanks anywhere are ignored
      {"512MiB", 512 * MiB},
      {"512MB", 512 * MiB},
      {"1.5GB", 3 * GiB / 2},       // 1610612736
      {"0.5GiB", 512 * MiB},
      {"2TB", 2 * TiB},
      {"64KiB", 64 * KiB},
      {"100B", 100},
      {"8G", 8 * GiB},              // bare unit letters: k/m/g/t
  };
  for (const SizeRow& r : rows) {
    SCOPED_TRACE(r.given);
    EXPECT_EQ(parse_size(r.given, "--memory").value(), r.bytes);
  }
}

TEST(ParseSize, RejectsMissingUnitsNonPositiveAndAbsurdValues) {
  // "1e-12GB" and "0.4B" are positive but round to zero bytes: no capacity either.
  for (const char* given : {"24", "GB", "-1GB", "0GB", "1e30GB", "12q", "", "   ", "nanGB", "infGB", "24 GB/s", "1,5GB",
                            "1e-12GB", "0.4B"}) {
    SCOPED_TRACE(std::string("'") + given + "'");
    EXPECT_THROW((void)parse_size(given, "--memory"), InputError);
  }
}

TEST(ParseSize, ZeroIsAcceptedOnlyWhenAllowed) {
  // Margins and reserves may be zero ("--reserve 0GB"); capacities may not.
  EXPECT_EQ(parse_size("0GB", "--reserve", true).value(), 0);
  EXPECT_EQ(parse_size("0.4B", "--reserve", true).value(), 0);  // rounds to zero bytes
  EXPECT_EQ(parse_size("1GB", "--reserve", true).value(), GiB);
  EXPECT_THROW((void)parse_size("-1GB", "--reserve", true), InputError);
  EXPECT_THROW((void)parse_size("0", "--reserve", true), InputError);  // the unit is still required
  EXPECT_THROW((void)parse_size("0GB", "--memory"), InputError);
}

TEST(ParseSize, ErrorNamesTheFlagAndTheText) {
  try {
    (void)parse_size("24", "--memory");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("--memory"), std::string::npos) << m;
    EXPECT_NE(m.find("'24'"), std::string::npos) << m;
  }
}

struct TokenRow {
  const char* given;
  std::int64_t tokens;
};

TEST(ParseTokens, AcceptsIntegersAndBinaryMultipliers) {
  const std::vector<TokenRow> rows = {
      {"32768", 32768},  {"32k", 32768},     {"32K", 32768},       {"128k", 131072},
      {"1M", 1048576},   {"1m", 1048576},    {"1.5k", 1536},       // 1.5 x 1024 is a whole number
      {"1", 1},          {" 4096 ", 4096},   {"10M", 10485760},
  };
  for (const TokenRow& r : rows) {
    SCOPED_TRACE(r.given);
    EXPECT_EQ(parse_tokens(r.given, "--context"), r.tokens);
  }
}

TEST(ParseTokens, RejectsZeroNegativeFractionalUnknownAndHuge) {
  // "1.3k" = 1331.2 tokens; 99999999999999999k ~ 1e20 tokens overflows any context.
  for (const char* given : {"0", "-5", "1.5", "12q", "99999999999999999k", "", "k", "1.3k", "32kb", "0k"}) {
    SCOPED_TRACE(std::string("'") + given + "'");
    EXPECT_THROW((void)parse_tokens(given, "--context"), InputError);
  }
}

// A context position (--at) may be 0; negative and fractional counts are still refused.
TEST(ParseTokens, AllowZeroTakesZeroOnly) {
  EXPECT_EQ(parse_tokens("0", "--at", true), 0);
  EXPECT_EQ(parse_tokens("0k", "--at", true), 0);
  EXPECT_EQ(parse_tokens("2k", "--at", true), 2048);
  for (const char* given : {"-5", "1.5", "-0.5k"}) {
    SCOPED_TRACE(std::string("'") + given + "'");
    EXPECT_THROW((void)parse_tokens(given, "--at", true), InputError);
  }
}

struct BandwidthRow {
  const char* given;
  double bytes_per_second;
};

TEST(ParseBandwidth, AcceptsDecimalAndBinaryRates) {
  const std::vector<BandwidthRow> rows = {
      {"90GB/s", 9e10},         {"90 gb/s", 9e10},        {"1TB/s", 1e12},   {"3.35TB/s", 3.35e12},
      {"500MB/s", 5e8},         {"1GiB/s", 1073741824.0}, {"1MiB/s", 1048576.0},
  };
  for (const BandwidthRow& r : rows) {
    SCOPED_TRACE(r.given);
    EXPECT_DOUBLE_EQ(parse_bandwidth(r.given, "--bandwidth").value(), r.bytes_per_second);
  }
}

TEST(ParseBandwidth, RejectsBareNumbersSizesAndNonPositive) {
  // 2000 TB/s = 2e15 B/s is above the 1e15 sanity bound (no memory system is within 100x of it).
  for (const char* given : {"90", "90GB", "0GB/s", "-1GB/s", "GB/s", "90GB/h", "", "2000TB/s"}) {
    SCOPED_TRACE(std::string("'") + given + "'");
    EXPECT_THROW((void)parse_bandwidth(given, "--bandwidth"), InputError);
  }
}

TEST(ParseCount, AcceptsIntegersWithinInclusiveBounds) {
  EXPECT_EQ(parse_count("1", "--gpus", 1, 8), 1);
  EXPECT_EQ(parse_count("8", "--gpus", 1, 8), 8);
  EXPECT_EQ(parse_count("4", "--gpus", 1, 8), 4);
  EXPECT_EQ(parse_count("0", "--offset", 0, 0), 0);
  EXPECT_EQ(parse_count("-3", "--delta", -5, 5), -3);
}

TEST(ParseCount, RejectsOutOfRangeAndNonIntegers) {
  for (const char* given : {"0", "9", "-1", "", "4x", "4.0", " 4", "4 ", "+4", "99999999999999999999", "four"}) {
    SCOPED_TRACE(std::string("'") + given + "'");
    EXPECT_THROW((void)parse_count(given, "--gpus", 1, 8), InputError);
  }
}

TEST(ParseCount, OutOfRangeMessageStatesTheRange) {
  try {
    (void)parse_count("9", "--gpus", 1, 8);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("[1, 8]"), std::string::npos) << e.what();
  }
}

}  // namespace
