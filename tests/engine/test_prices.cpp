// Prices (engine/prices.hpp, docs/planning.md "Price"): the user's figures from --price and --prices,
// errors that name the file and line, and --budget on the price actually used. Expected values worked
// out by hand from data/devices.yaml (street_price, launch_price_usd) and the fixtures.
#include <algorithm>
#include <string>

#include <gtest/gtest.h>

#include "base/diagnostics.hpp"
#include "engine/prices.hpp"
#include "engine/recommend.hpp"

namespace vramfit::engine {
namespace {

const std::string kFixtures = std::string(VRAMFIT_SOURCE_DIR) + "/tests/cli/fixtures/";

std::string error_of(const std::vector<std::string>& args, const std::string& file) {
  Session s;
  try {
    read_prices(s.catalog(), args, file, false);
  } catch (const io::InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Prices, UserFiguresWinOverStreetAndLaunch) {
  Session s;
  const io::Catalog& cat = s.catalog();
  // rtx-3090: street used $700-900 -> 800; the file says 650, the command line (read after it) 600.
  const PriceBook file = read_prices(cat, {}, kFixtures + "prices.yaml", false);
  EXPECT_DOUBLE_EQ(file.unit_price(cat.device("rtx-3090"), 0, true).usd, 650);
  const PriceBook both = read_prices(cat, {"rtx-3090=600"}, kFixtures + "prices.yaml", false);
  EXPECT_DOUBLE_EQ(both.unit_price(cat.device("rtx-3090"), 0, true).usd, 600);
  EXPECT_EQ(both.unit_price(cat.device("rtx-3090"), 0, true).source, PriceSource::user);
  // The file prices the 512 GB M3 Ultra only; its 256 GB option keeps the catalog's Mac Studio price
  // ($3,999 base + $1,600 for 256 GB).
  EXPECT_DOUBLE_EQ(file.unit_price(cat.device("apple-m3-ultra"), 512, false).usd, 9000);
  EXPECT_DOUBLE_EQ(file.unit_price(cat.device("apple-m3-ultra"), 256, false).usd, 5599);
  EXPECT_EQ(file.unit_price(cat.device("apple-m3-ultra"), 256, false).source, PriceSource::street_new);
  // No user figure: the catalog's street price, and with --new the launch price ($1,499).
  const PriceBook none = read_prices(cat, {}, "", false), fresh = read_prices(cat, {}, "", true);
  EXPECT_DOUBLE_EQ(none.unit_price(cat.device("rtx-3090"), 0, true).usd, 800);
  EXPECT_DOUBLE_EQ(fresh.unit_price(cat.device("rtx-3090"), 0, true).usd, 1499);
  EXPECT_EQ(fresh.unit_price(cat.device("rtx-3090"), 0, true).source, PriceSource::launch);
  // An alias and ID:MEM without a unit: "m3-ultra:512" is the 512 GB option.
  const PriceBook alias = read_prices(cat, {"m3-ultra:512=9499"}, "", false);
  EXPECT_DOUBLE_EQ(alias.unit_price(cat.device("apple-m3-ultra"), 512, false).usd, 9499);
}

// Apple machines are priced as the machine one buys at each memory option (devices.yaml street_price
// quotes with memory_gib and product): Mac mini M4 $599 / $799 / $999 for 16 / 24 / 32 GB; Mac Studio
// M3 Ultra $3,999 / $5,599 / $9,499 for 96 / 256 / 512 GB; the M4 Max 36 GB as the $1,999 Mac Studio,
// not the $3,199 MacBook Pro of its launch price. Apple list prices are new, so --new keeps them.
TEST(Prices, AppleMachinesByMemoryOption) {
  Session s;
  const io::Catalog& cat = s.catalog();
  for (bool fresh : {false, true}) {
    const PriceBook book = read_prices(cat, {}, "", fresh);
    EXPECT_DOUBLE_EQ(book.unit_price(cat.device("apple-m4"), 16, true).usd, 599);
    EXPECT_DOUBLE_EQ(book.unit_price(cat.device("apple-m4"), 24, false).usd, 799);
    EXPECT_DOUBLE_EQ(book.unit_price(cat.device("apple-m4"), 32, false).usd, 999);
    EXPECT_DOUBLE_EQ(book.unit_price(cat.device("apple-m3-ultra"), 96, true).usd, 3999);
    EXPECT_DOUBLE_EQ(book.unit_price(cat.device("apple-m3-ultra"), 512, false).usd, 9499);
    EXPECT_DOUBLE_EQ(book.unit_price(cat.device("apple-m4-max-32c"), 36, true).usd, 1999);
    const PriceChoice ultra = book.unit_price(cat.device("apple-m3-ultra"), 512, false);
    ASSERT_NE(ultra.quote, nullptr);
    EXPECT_EQ(ultra.quote->product, "Mac Studio (2025; 80-core GPU; 1 TB SSD)");
    EXPECT_FALSE(ultra.lower_bound);
  }
}

TEST(Prices, BadFileEntriesNameFileLineAndColumn) {
  const std::string bad = kFixtures + "prices_bad.yaml";
  EXPECT_EQ(error_of({}, bad), bad + ":3:1: unknown device 'rtx-309' (did you mean 'rtx-3090'?); see 'vramfit list devices'");
  const std::string value = kFixtures + "prices_bad_value.yaml";
  EXPECT_EQ(error_of({}, value), value + ":2:13: price of 'rtx-4090': 'cheap' is not a price in US dollars (a positive number, e.g. 800)");
  EXPECT_EQ(error_of({"rtx-3090:24GB=800"}, ""), "--price 'rtx-3090:24GB=800': rtx-3090 is sold in one size: price it without a memory size (rtx-3090=USD)");
  EXPECT_EQ(error_of({"m3-ultra:100=9000"}, ""), "--price 'm3-ultra:100=9000': apple-m3-ultra is not sold with 100 GB (options: 96GB, 256GB, 512GB)");
  EXPECT_NE(error_of({"rtx-3090=-5"}, "").find("is not a price"), std::string::npos);
  EXPECT_NE(error_of({"rtx-3090x2=1600"}, "").find("a price is for one device"), std::string::npos);
}

bool lists(const RecommendAnswer& a, const std::string& label) {
  return std::any_of(a.configs.begin(), a.configs.end(), [&](const RankedConfig& c) { return c.evaluation.config.label == label; });
}

// Llama 3.1 70B Q4_K_M needs two 24 GB cards; at --price rtx-3090=800 two cost 2 x 800 = $1,600: a
// $1,599 budget leaves them out, $1,600 keeps them.
TEST(Prices, BudgetFiltersOnThePriceUsed) {
  Session s;
  RecommendRequest r;
  r.model = "llama-3.1-70b";
  r.prices = {"rtx-3090=800"};
  r.top = "1000";
  r.budget = "1599";
  EXPECT_FALSE(lists(answer_recommend(s, r), "2 x rtx-3090"));
  r.budget = "1600";
  const RecommendAnswer a = answer_recommend(s, r);
  ASSERT_TRUE(lists(a, "2 x rtx-3090"));
  for (const RankedConfig& c : a.configs) {
    EXPECT_GT(c.evaluation.config.price_usd, 0);
    EXPECT_LE(c.evaluation.config.price_usd, 1600) << c.evaluation.config.label;
  }
  EXPECT_TRUE(a.unpriced.empty());  // a budget cannot be checked without a price
}

}  // namespace
}  // namespace vramfit::engine
