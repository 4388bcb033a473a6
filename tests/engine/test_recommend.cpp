// recommend (engine/recommend.hpp, issue 21): --ram lets a MoE model keep its routed experts in host RAM
// on fewer GPUs, and `fit --kwh-price --cloud-price` prices its devices and works out the break-even
// hours with recommend's own functions. Expected values worked out by hand from data/devices.yaml, the
// model's shape (data/models.yaml) and llama.cpp's Q4_K_M rules (llama-quant.cpp), in the comments.
#include <algorithm>
#include <string>

#include <gtest/gtest.h>

#include "base/diagnostics.hpp"
#include "engine/placement_search.hpp"
#include "engine/recommend.hpp"

namespace vramfit::engine {
namespace {

RecommendRequest qwen3_moe(const std::string& ram) {
  RecommendRequest r;
  r.model = "qwen3-30b-a3b";  // Q4_K_M, 4096 tokens (the defaults)
  r.top = "100000";           // every configuration
  r.ram = ram;
  return r;
}

// Every configuration of an answer, priced and unpriced.
std::vector<const RankedConfig*> all_of(const RecommendAnswer& a) {
  std::vector<const RankedConfig*> out;
  for (const auto* list : {&a.configs, &a.unpriced})
    for (const RankedConfig& c : *list) out.push_back(&c);
  return out;
}

const RankedConfig* find(const RecommendAnswer& a, const std::string& label) {
  for (const RankedConfig* c : all_of(a))
    if (c->evaluation.config.label == label) return c;
  return nullptr;
}

TEST(RecommendExpertsInRam, OneArcB570HoldsQwen3MoeWithExpertsOfTheFirst28Blocks) {
  Session s;
  const RecommendAnswer without = answer_recommend(s, qwen3_moe(""));
  const RecommendAnswer with = answer_recommend(s, qwen3_moe("64GB"));
  // Without --ram a 10 GiB card cannot hold 17.3 GiB of weights: no arc-b570 row, nothing in RAM.
  EXPECT_EQ(find(without, "arc-b570"), nullptr);
  for (const RankedConfig* c : all_of(without)) EXPECT_FALSE(c->evaluation.experts_in_ram) << c->evaluation.config.label;

  const RankedConfig* b570 = find(with, "arc-b570");
  ASSERT_NE(b570, nullptr);
  const Evaluation& e = b570->evaluation;
  EXPECT_TRUE(e.experts_in_ram);
  EXPECT_EQ(e.placement.verdict, Verdict::fits_with_offload);
  EXPECT_EQ(placement_flags(e.placement), "-ngl all --n-cpu-moe 28");
  EXPECT_EQ(e.placement.host.expert_count, 28);
  // Host weights = the routed experts of blocks 0-27 + token_embd (llama.cpp keeps it on the host).
  // Per block: gate + up exps 2 x 128 x 768 x 2048 = 402,653,184 weights at Q4_K (144 B / 256) =
  // 226,492,416 B; down exps 201,326,592 weights at Q4_K = 113,246,208 B, or at Q6_K (210 B / 256) =
  // 165,150,720 B in the use_more_bits blocks (i < 6, i >= 42, (i - 6) % 3 == 2): 0-5 and 8, 11, ... 26,
  // 13 of blocks 0-27. 13 x 391,643,136 + 15 x 339,738,624 = 10,187,440,128 B; token_embd 151,936 x 2,048
  // at Q4_K = 175,030,272 B; sum 10,362,470,400 B (9.65 GiB, the host row of `fit --device arc-b570 --ram 64GB`).
  EXPECT_EQ(e.placement.host.weights.value(), 10'362'470'400);
  // 28 is the fewest: with block 27's experts (a plain block, 339,738,624 B) back on the GPU the headroom
  // would fall under llama.cpp's 1 GiB margin (1,073,741,824 B).
  EXPECT_GE(e.least_headroom.value(), 1'073'741'824);
  EXPECT_LT(e.least_headroom.value() - 339'738'624, 1'073'741'824);
  // Price and power as any row: $219 launch (devices.yaml); 150 W + 150 W system = 300 W, PSU 450 W.
  EXPECT_DOUBLE_EQ(e.config.price_usd, 219);
  EXPECT_DOUBLE_EQ(b570->power.draw, 300);
  ASSERT_TRUE(b570->power.psu);
  EXPECT_DOUBLE_EQ(*b570->power.psu, 450);
  // It is the cheapest priced configuration now ($219 < the $249 Arc B580 and RTX 5050), where without
  // --ram the cheapest was the $468 arc-b580 + arc-b570 pair.
  ASSERT_FALSE(with.configs.empty());
  EXPECT_EQ(with.configs.front().evaluation.config.label, "arc-b570");
  ASSERT_FALSE(without.configs.empty());
  EXPECT_DOUBLE_EQ(without.configs.front().evaluation.config.price_usd, 219 + 249);
}

TEST(RecommendExpertsInRam, ConfigurationsThatHoldTheModelWholeAreUnchanged) {
  Session s;
  // A MoE model: every configuration listed without --ram is listed with it, at the same speed and price;
  // the new ones are all experts-in-RAM plans, one GPU kind each.
  const RecommendAnswer without = answer_recommend(s, qwen3_moe(""));
  const RecommendAnswer with = answer_recommend(s, qwen3_moe("64GB"));
  for (const RankedConfig* c : all_of(without)) {
    const RankedConfig* same = find(with, c->evaluation.config.label);
    ASSERT_NE(same, nullptr) << c->evaluation.config.label;
    EXPECT_FALSE(same->evaluation.experts_in_ram);
    EXPECT_DOUBLE_EQ(same->evaluation.tps, c->evaluation.tps);
    EXPECT_DOUBLE_EQ(same->evaluation.config.price_usd, c->evaluation.config.price_usd);
  }
  std::size_t experts = 0;
  for (const RankedConfig* c : all_of(with)) experts += c->evaluation.experts_in_ram ? 1 : 0;
  EXPECT_GT(experts, 0u);
  EXPECT_EQ(with.holding, without.holding + experts);
  // A dense model has no routed experts: --ram changes nothing.
  RecommendRequest dense = qwen3_moe("");
  dense.model = "llama-3.1-70b";
  const RecommendAnswer d0 = answer_recommend(s, dense);
  dense.ram = "64GB";
  const RecommendAnswer d1 = answer_recommend(s, dense);
  EXPECT_EQ(d0.holding, d1.holding);
  ASSERT_EQ(d0.configs.size(), d1.configs.size());
  for (std::size_t i = 0; i < d0.configs.size(); ++i)
    EXPECT_EQ(d0.configs[i].evaluation.config.label, d1.configs[i].evaluation.config.label);
}

TEST(RecommendExpertsInRam, BadRamIsAnInputErrorNamingTheOption) {
  Session s;
  try {
    answer_recommend(s, qwen3_moe("64"));
    FAIL() << "no error";
  } catch (const io::InputError& e) {
    EXPECT_EQ(std::string(e.what()), "invalid --ram '64': expected a size with a unit, e.g. 24GB, 24GiB, 512MiB");
  }
}

SpeedReport decoding_at(double tps) {
  SpeedReport r;
  r.decode.resize(3);
  r.decode[1].known = true;
  r.decode[1].tokens_per_second = TokensPerSecond(tps);
  return r;
}

TEST(FitEnergy, BreakEvenHoursAsRecommend) {
  Session s;
  // RTX 4090: street used $1,200-1,400 -> $1,300; 450 W + 150 W = 600 W. At $0.30/kWh and $0.50/h:
  // 1300 / (0.50 - 0.6 x 0.30) = 1300 / 0.32 = 4062.5 hours; kWh/Mtok at 150 tok/s = 600 / 150 / 3.6 = 1.111.
  const FitEnergy e = fit_energy(s, {"rtx-4090"}, decoding_at(150), read_prices_per_use("0.30", "0.50"));
  EXPECT_DOUBLE_EQ(e.config.price_usd, 1300);
  EXPECT_EQ(e.config.price_source, "street_used");
  EXPECT_DOUBLE_EQ(e.power.draw, 600);
  EXPECT_NEAR(e.power.kwh_per_mtok, 600.0 / 150 / 3.6, 1e-12);
  ASSERT_TRUE(e.power.energy_usd_per_mtok);
  EXPECT_NEAR(*e.power.energy_usd_per_mtok, 600.0 / 150 / 3.6 * 0.30, 1e-12);
  ASSERT_TRUE(e.power.break_even);
  EXPECT_NEAR(*e.power.break_even, 4062.5, 1e-9);
  // Without --kwh-price the energy is not counted: 1300 / 0.50 = 2600 hours.
  const FitEnergy rent_only = fit_energy(s, {"rtx-4090"}, decoding_at(150), read_prices_per_use("", "0.50"));
  ASSERT_TRUE(rent_only.power.break_even);
  EXPECT_NEAR(*rent_only.power.break_even, 2600, 1e-9);
  // Renting at $0.10/h costs less than the energy alone (0.6 kW x $0.50/kWh = $0.30/h): never.
  EXPECT_FALSE(fit_energy(s, {"rtx-4090"}, decoding_at(150), read_prices_per_use("0.50", "0.10")).power.break_even);
  // Two cards and a pair, priced as recommend's candidates: 2 x $1,300; $800 (rtx-3090, used $700-900) +
  // $1,300, both used street prices.
  EXPECT_DOUBLE_EQ(fit_energy(s, {"rtx-4090x2"}, decoding_at(150), read_prices_per_use("", "1")).config.price_usd, 2600);
  const FitEnergy pair = fit_energy(s, {"rtx-3090", "rtx-4090"}, decoding_at(150), read_prices_per_use("", "1"));
  EXPECT_DOUBLE_EQ(pair.config.price_usd, 2100);
  EXPECT_EQ(pair.config.price_source, "street_used");
}

TEST(FitEnergy, UserPricesAsRecommendTakesThem) {
  Session s;
  // --price rtx-4090=1000 wins over the street price: 1000 / (0.50 - 0.6 x 0.30) = 3125 hours.
  const PriceBook mine = read_prices(s.catalog(), {"rtx-4090=1000"}, "", false);
  const FitEnergy e = fit_energy(s, {"rtx-4090"}, decoding_at(150), read_prices_per_use("0.30", "0.50"), mine);
  EXPECT_DOUBLE_EQ(e.config.price_usd, 1000);
  EXPECT_EQ(e.config.price_source, "user");
  ASSERT_TRUE(e.power.break_even);
  EXPECT_NEAR(*e.power.break_even, 3125, 1e-9);
  // --new ignores the used quotes ($1,300); the rtx-3090's price is then what recommend --new takes.
  const PriceBook fresh = read_prices(s.catalog(), {}, "", true);
  const FitEnergy n = fit_energy(s, {"rtx-4090"}, decoding_at(150), read_prices_per_use("", "1"), fresh);
  EXPECT_NE(n.config.price_source, "street_used");
}

TEST(FitEnergy, UnknownPriceIsUnknownNotZeroHours) {
  Session s;
  // The MI355X has no price in the catalog: no break-even hours (null in JSON, "unknown" in text).
  const FitEnergy e = fit_energy(s, {"mi355x"}, decoding_at(500), read_prices_per_use("", "2"));
  EXPECT_DOUBLE_EQ(e.config.price_usd, 0);
  EXPECT_FALSE(e.power.break_even);
  // The 48 GB M4 Pro (a MacBook Pro 14-inch, $2,000-2,500 new -> $2,250) has no board power in the
  // catalog: without --kwh-price the energy is not counted and 2250 / 1.00 = 2250 hours; with it, unknown.
  const FitEnergy mac = fit_energy(s, {"apple-m4-pro:48GB"}, decoding_at(50), read_prices_per_use("", "1"));
  EXPECT_DOUBLE_EQ(mac.config.price_usd, 2250);
  EXPECT_EQ(mac.config.price_source, "street_new");
  EXPECT_DOUBLE_EQ(mac.power.draw, 0);
  ASSERT_TRUE(mac.power.break_even);
  EXPECT_NEAR(*mac.power.break_even, 2250, 1e-9);
  EXPECT_FALSE(fit_energy(s, {"apple-m4-pro:48GB"}, decoding_at(50), read_prices_per_use("0.3", "1")).power.break_even);
  // --device local is no catalog spec: neither price nor board power.
  const FitEnergy local = fit_energy(s, {"local"}, decoding_at(100), read_prices_per_use("0.3", "2"));
  EXPECT_DOUBLE_EQ(local.config.price_usd, 0);
  EXPECT_DOUBLE_EQ(local.power.draw, 0);
  EXPECT_FALSE(local.power.break_even);
}

TEST(FitEnergy, AgreesWithRecommendsRow) {
  Session s;
  // recommend llama-3.1-8b --kwh-price 0.30 --cloud-price 0.50: the rtx-4090 row's break-even is the one
  // fit works out for --device rtx-4090 at the same decode speed.
  RecommendRequest r;
  r.model = "llama-3.1-8b";
  r.top = "100000";
  r.kwh_price = "0.30";
  r.cloud_price = "0.50";
  const RecommendAnswer a = answer_recommend(s, r);
  const RankedConfig* row = find(a, "rtx-4090");
  ASSERT_NE(row, nullptr);
  ASSERT_TRUE(row->power.break_even);
  const FitEnergy f = fit_energy(s, {"rtx-4090"}, decoding_at(row->evaluation.tps), read_prices_per_use("0.30", "0.50"));
  ASSERT_TRUE(f.power.break_even);
  EXPECT_DOUBLE_EQ(*f.power.break_even, *row->power.break_even);
  EXPECT_NEAR(*f.power.break_even, 4062.5, 1e-9);  // 1300 / (0.50 - 0.6 x 0.30), as above
}

TEST(FitEnergy, BadPricesNameTheOption) {
  EXPECT_THROW(read_prices_per_use("", "0"), io::InputError);
  try {
    read_prices_per_use("", "abc");
    FAIL() << "no error";
  } catch (const io::InputError& e) {
    EXPECT_EQ(std::string(e.what()), "--cloud-price 'abc': expected a positive number");
  }
}

}  // namespace
}  // namespace vramfit::engine
