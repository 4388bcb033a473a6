// speed.yaml (src/catalog/load_speed.cpp): the fitted speed profiles, read strictly — unknown keys,
// unknown backends and device classes, out-of-range efficiencies are located problems — with units
// converted (microseconds to seconds), defaults for what a profile leaves out, and overrides by id.
#include <string>

#include <gtest/gtest.h>

#include "catalog/catalog.hpp"
#include "fixtures.hpp"

namespace {

using namespace vramfit;
using namespace vramfit::io;
using vramfit::test::all_problems;
using vramfit::test::load_collect;
using vramfit::test::matching;

const std::string kSpeed = "fixture/speed.yaml";

TEST(LoadSpeed, ReadsEveryFieldWithItsUnit) {
  const std::string text =
      "schema_version: 1\n"
      "profiles:\n"
      "- id: cuda-datacenter\n"
      "  backend: cuda\n"
      "  device_class: datacenter\n"
      "  decode: {bandwidth_efficiency: 0.9, per_layer_us: 25, per_token_us: 1500, band: {low: 0.8, high: 1.2}, rows: 31}\n"
      "  prefill: {efficiency_quantized: 0.2, efficiency_float: 0.45, flops_per_byte: 20, flops_per_core: 2.4e+11, moe_factor: 0.3,\n"
      "            band: {low: 0.7, high: 1.3}, rows: 16}\n"
      "  source: [bench/accuracy --fit]\n";
  Catalog cat;
  Diagnostics d = load_collect(cat, "speed.yaml", kSpeed, text);
  ASSERT_TRUE(d.problems().empty()) << all_problems(d);
  ASSERT_EQ(cat.speed.size(), 1u);
  const SpeedProfile& p = cat.speed[0];
  EXPECT_EQ(p.id, "cuda-datacenter");
  EXPECT_EQ(p.backend, "cuda");
  EXPECT_EQ(p.device_class, "datacenter");
  EXPECT_DOUBLE_EQ(p.bandwidth_efficiency, 0.9);
  EXPECT_DOUBLE_EQ(p.per_layer.value(), 25e-6);
  EXPECT_DOUBLE_EQ(p.per_token.value(), 1500e-6);
  EXPECT_DOUBLE_EQ(p.decode_band.low, 0.8);
  EXPECT_DOUBLE_EQ(p.decode_band.high, 1.2);
  EXPECT_EQ(p.decode_rows, 31);
  EXPECT_DOUBLE_EQ(p.compute_efficiency_quantized, 0.2);
  EXPECT_DOUBLE_EQ(p.compute_efficiency_float, 0.45);
  EXPECT_DOUBLE_EQ(p.flops_per_byte, 20);
  EXPECT_DOUBLE_EQ(p.flops_per_core, 2.4e11);
  EXPECT_DOUBLE_EQ(p.moe_factor, 0.3);
  EXPECT_DOUBLE_EQ(p.prefill_band.low, 0.7);
  EXPECT_DOUBLE_EQ(p.prefill_band.high, 1.3);
  EXPECT_EQ(p.prefill_rows, 16);
  EXPECT_EQ(p.source, std::vector<std::string>{"bench/accuracy --fit"});
}

TEST(LoadSpeed, DefaultsForWhatAProfileLeavesOut) {
  // No prefill section, no band, no fixed costs: prefill unknown (efficiency 0), band [1, 1], MoE factor 1.
  Catalog cat;
  Diagnostics d = load_collect(cat, "speed.yaml", kSpeed,
                               "schema_version: 1\nprofiles:\n- {id: cpu, backend: cpu, decode: {bandwidth_efficiency: 0.6}, source: [x]}\n");
  ASSERT_TRUE(d.problems().empty()) << all_problems(d);
  ASSERT_EQ(cat.speed.size(), 1u);
  const SpeedProfile& p = cat.speed[0];
  EXPECT_EQ(p.device_class, "");
  EXPECT_DOUBLE_EQ(p.per_layer.value(), 0.0);
  EXPECT_DOUBLE_EQ(p.per_token.value(), 0.0);
  EXPECT_DOUBLE_EQ(p.decode_band.low, 1.0);
  EXPECT_DOUBLE_EQ(p.decode_band.high, 1.0);
  EXPECT_DOUBLE_EQ(p.compute_efficiency_quantized, 0.0);
  EXPECT_DOUBLE_EQ(p.flops_per_byte, 0.0);
  EXPECT_DOUBLE_EQ(p.moe_factor, 1.0);
}

TEST(LoadSpeed, ProblemsAreLocatedAndNamed) {
  struct Row {
    const char* what;
    std::string entry;  // the profile line(s), starting on line 3
    const char* needle;
    int line;
  };
  const Row rows[] = {
      {"unknown top key", "- {id: a, backend: cuda, decode: {bandwidth_efficiency: 0.9}, bandwith: 1, source: [x]}\n",
       "unknown key 'bandwith'", 3},
      {"unknown decode key", "- id: a\n  backend: cuda\n  decode: {bandwidth_efficency: 0.9}\n  source: [x]\n",
       "unknown key 'bandwidth_efficency'", 5},
      {"unknown prefill key",
       "- id: a\n  backend: cuda\n  decode: {bandwidth_efficiency: 0.9}\n  prefill: {efficiency: 0.2}\n  source: [x]\n",
       "unknown key 'efficiency'", 6},
      {"unknown backend", "- {id: a, backend: opencl, decode: {bandwidth_efficiency: 0.9}, source: [x]}\n",
       "unknown backend 'opencl'", 3},
      {"unknown class", "- {id: a, backend: cuda, device_class: laptop, decode: {bandwidth_efficiency: 0.9}, source: [x]}\n",
       "unknown device class 'laptop'", 3},
      {"efficiency above 1", "- {id: a, backend: cuda, decode: {bandwidth_efficiency: 1.5}, source: [x]}\n",
       "is out of range", 3},
      {"band low above 1",
       "- id: a\n  backend: cuda\n  decode: {bandwidth_efficiency: 0.9, band: {low: 1.2, high: 1.3}}\n  source: [x]\n",
       "is out of range", 5},
      {"no decode section", "- {id: a, backend: cuda, source: [x]}\n", "missing 'decode'", 3},
      {"no backend", "- {id: a, decode: {bandwidth_efficiency: 0.9}, source: [x]}\n", "backend", 3},
      {"no source", "- {id: a, backend: cuda, decode: {bandwidth_efficiency: 0.9}}\n", "missing source", 3},
      {"duplicate id",
       "- {id: a, backend: cuda, decode: {bandwidth_efficiency: 0.9}, source: [x]}\n"
       "- {id: a, backend: rocm, decode: {bandwidth_efficiency: 0.8}, source: [x]}\n",
       "duplicate id 'a' (first defined at line 3)", 4},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.what);
    Catalog cat;
    Diagnostics d = load_collect(cat, "speed.yaml", kSpeed, "schema_version: 1\nprofiles:\n" + r.entry);
    const auto hits = matching(d, r.needle);
    ASSERT_EQ(hits.size(), 1u) << all_problems(d);
    EXPECT_EQ(hits[0].where.file, kSpeed);
    EXPECT_EQ(hits[0].where.line, r.line) << all_problems(d);
  }
}

TEST(LoadSpeed, ALaterFileReplacesAProfileById) {
  Catalog cat;
  load_collect(cat, "speed.yaml", "a/speed.yaml",
               "schema_version: 1\nprofiles:\n"
               "- {id: cuda, backend: cuda, decode: {bandwidth_efficiency: 0.9}, source: [x]}\n"
               "- {id: metal, backend: metal, decode: {bandwidth_efficiency: 0.8}, source: [x]}\n");
  Diagnostics d = load_collect(cat, "speed.yaml", "b/speed.yaml",
                               "schema_version: 1\nprofiles:\n- {id: cuda, backend: cuda, decode: {bandwidth_efficiency: 0.7}, source: [y]}\n");
  ASSERT_TRUE(d.problems().empty()) << all_problems(d);
  ASSERT_EQ(cat.speed.size(), 2u);
  EXPECT_EQ(cat.speed[0].id, "cuda");
  EXPECT_DOUBLE_EQ(cat.speed[0].bandwidth_efficiency, 0.7);
  EXPECT_EQ(cat.speed[1].id, "metal");
}

TEST(LoadSpeed, TheShippedProfilesCoverEveryBackend) {
  // data/speed.yaml as compiled into the binary: one general profile per backend the CLI can pick.
  Diagnostics d(true);
  const Catalog c = load_catalog({}, d);
  ASSERT_TRUE(d.problems().empty()) << all_problems(d);
  for (const char* b : {"cuda", "rocm", "vulkan", "metal", "sycl", "cpu"}) {
    SCOPED_TRACE(b);
    SpeedDevice dev;
    dev.backend = b;
    dev.device_class = "gpu";
    const SpeedProfile* p = find_profile(c.speed, dev);
    ASSERT_NE(p, nullptr);
    EXPECT_GT(p->bandwidth_efficiency, 0.0);
    EXPECT_LE(p->decode_band.low, 1.0);
    EXPECT_GE(p->decode_band.high, 1.0);
    EXPECT_FALSE(p->source.empty());
  }
}

}  // namespace
