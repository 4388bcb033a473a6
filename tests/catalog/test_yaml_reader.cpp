// Strict, located YAML reading (src/catalog/yaml_reader.hpp) and the per-file loaders' error reports:
// every problem names file:line:column, unknown keys suggest the nearest allowed key, values are typed
// and range-checked. Locations are worked out from the fixture text (fixtures.hpp: key i of the entry
// on line 3 + i, keys at column 3).
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "catalog/catalog.hpp"
#include "base/suggest.hpp"
#include "catalog/yaml_reader.hpp"
#include "fixtures.hpp"

namespace {

using namespace vramfit;
using namespace vramfit::io;
using vramfit::test::entry_doc;
using vramfit::test::line_of;
using vramfit::test::load_collect;
using vramfit::test::Rows;
using vramfit::test::value_column;

const std::string kModels = "fixture/models.yaml";
const std::string kDevices = "fixture/devices.yaml";
const std::string kQuants = "fixture/quants.yaml";
const std::string kRuntimes = "fixture/runtimes.yaml";

std::string at(const std::string& file, int line, int column) {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

// The problems rendered as "file:line:col: message", for exact comparison.
std::vector<std::string> rendered(const Diagnostics& d) {
  std::vector<std::string> out;
  for (const Problem& p : d.problems()) out.push_back(p.str());
  return out;
}

// True when one rendered problem is `s`, or `s` followed by a parenthesised hint (e.g. " (found 'x': a typo?)").
bool contains(const std::vector<std::string>& v, const std::string& s) {
  for (const std::string& p : v)
    if (p == s || p.rfind(s + " (", 0) == 0) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// parse_yaml
// ---------------------------------------------------------------------------------------------

TEST(YamlParse, MalformedYamlIsAnInputErrorWithFileLineColumn) {
  struct Row {
    const char* text;
    int first_bad_line;  // the defect starts here; the parser may notice it later, never earlier
    int last_line;
  };
  const std::vector<Row> rows = {
      {"a: b: c\n", 1, 1},                                              // a second ':' in a plain scalar map value
      {"schema_version: 1\nmodels:\n- id: a\n  layers: [1, 2\n", 4, 5},  // unclosed flow sequence
      {"schema_version: 1\nmodels: {a: 1\n", 2, 3},                      // unclosed flow mapping
      {"key: [a, b]]\n", 1, 1},                                        // stray closing bracket
      {"schema_version: 1\n- entry\n", 2, 2},                          // sequence item inside a mapping
  };
  const std::regex located("^fixture/models\\.yaml:([0-9]+):([0-9]+): malformed YAML: .+");
  for (const Row& r : rows) {
    SCOPED_TRACE(r.text);
    try {
      (void)parse_yaml(r.text, kModels);
      ADD_FAILURE() << "expected InputError";
    } catch (const InputError& e) {
      std::cmatch m;
      const std::string what = e.what();
      ASSERT_TRUE(std::regex_match(what.c_str(), m, located)) << what;
      const int line = std::stoi(m[1]);
      EXPECT_GE(line, r.first_bad_line) << what;
      EXPECT_LE(line, r.last_line) << what;
      EXPECT_GE(std::stoi(m[2]), 1) << what;
    }
  }
}

TEST(YamlParse, MalformedYamlThrowsEvenWhenCollecting) {
  // A document that does not parse has no entries to collect problems from.
  Catalog cat;
  Diagnostics d(true);
  EXPECT_THROW(load_catalog_text(cat, "models.yaml", kModels, "models: [\n", d), InputError);
}

TEST(YamlParse, EmptyOrCommentOnlyDocumentAddsNothing) {
  for (const char* text : {"", "# nothing here\n", "---\n"}) {
    SCOPED_TRACE(text);
    Catalog cat;
    Diagnostics d = load_collect(cat, "models.yaml", kModels, text);
    EXPECT_TRUE(d.problems().empty()) << vramfit::test::all_problems(d);
    EXPECT_TRUE(cat.models.empty());
    EXPECT_EQ(cat.files, std::vector<std::string>{kModels});
  }
}

// ---------------------------------------------------------------------------------------------
// Entry: typed, range-checked values with the value's location
// ---------------------------------------------------------------------------------------------

TEST(YamlEntry, TypedGettersReportTheValueLocation) {
  // Line 1 "count: abc" -> value at column 8; line 2 "ratio: x1" -> column 8; line 3 "flag: yes" -> column 7.
  const std::string text = "count: abc\nratio: x1\nflag: yes\nname: [a, b]\nsize: 70\nlist: {a: 1}\n";
  Diagnostics d(true);
  Entry e(parse_yaml(text, "t.yaml"), "t.yaml", d, {"count", "ratio", "flag", "name", "size", "list"});
  EXPECT_EQ(e.integer("count", 1, 10, false, 7), 7);        // bad value -> default
  EXPECT_EQ(e.number("ratio", 0, 1, false, 0.5), 0.5);
  EXPECT_EQ(e.boolean("flag", true), true);
  EXPECT_EQ(e.str("name", false, "dflt"), "dflt");
  EXPECT_EQ(e.integer("size", 1, 64, false, 3), 3);         // out of range -> default
  EXPECT_TRUE(e.strings("list").empty());
  e.finish();
  const std::vector<std::string> want = {
      "t.yaml:1:8: 'count': expected an integer, got 'abc'",
      "t.yaml:2:8: 'ratio': expected a number, got 'x1'",
      "t.yaml:3:7: 'flag': expected true or false, got 'yes'",
      "t.yaml:4:7: 'name': expected a text value",
      "t.yaml:5:7: 'size': 70 is out of range [1, 64]",
      "t.yaml:6:7: 'list': expected a list",
  };
  EXPECT_EQ(rendered(d), want);
}

TEST(YamlEntry, GoodValuesAndDefaults) {
  const std::string text = "count: 7\nratio: 0.25\nflag: false\nname: hello\nitems: [x, y]\none: z\nnums: [1, 2.5]\n";
  Diagnostics d(true);
  Entry e(parse_yaml(text, "t.yaml"), "t.yaml", d, {"count", "ratio", "flag", "name", "items", "one", "nums", "absent"});
  EXPECT_EQ(e.integer("count", 1, 10), 7);
  EXPECT_EQ(e.number("ratio", 0, 1), 0.25);
  EXPECT_FALSE(e.boolean("flag", true));
  EXPECT_EQ(e.str("name"), "hello");
  EXPECT_EQ(e.strings("items"), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(e.strings("one"), std::vector<std::string>{"z"});  // a scalar is a one-item list
  EXPECT_EQ(e.numbers("nums", 0, 10), (std::vector<double>{1.0, 2.5}));
  EXPECT_EQ(e.integer("absent", 0, 10, false, 4), 4);
  EXPECT_TRUE(e.has("count"));
  EXPECT_FALSE(e.has("absent"));
  e.finish();
  EXPECT_TRUE(d.problems().empty()) << vramfit::test::all_problems(d);
}

TEST(YamlEntry, MissingRequiredKeyIsReportedAtTheEntry) {
  Diagnostics d(true);
  Entry e(parse_yaml("other: 1\n", "t.yaml"), "t.yaml", d, {"other", "needed"});
  EXPECT_EQ(e.integer("needed", 0, 10, true, 5), 5);
  EXPECT_EQ(rendered(d), std::vector<std::string>{"t.yaml:1:1: missing required key 'needed'"});
}

TEST(YamlEntry, UnknownKeysSuggestTheNearestAllowedKey) {
  struct Row {
    std::string key;
    std::string suffix;  // what follows "unknown key '<key>'"
  };
  const std::vector<Row> rows = {
      {"bandwith", " (did you mean 'bandwidth'?)"},                  // one letter dropped
      {"Bandwidth", " (did you mean 'bandwidth'?)"},                 // case only
      {"bandwidht", " (did you mean 'bandwidth'?)"},                 // transposition = 2 edits
      {"zzzzzzzzzzzz", ""},                                          // nothing close: no suggestion
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.key);
    Diagnostics d(true);
    Entry e(parse_yaml("name: x\n" + r.key + ": 1\n", "t.yaml"), "t.yaml", d, {"name", "bandwidth", "memory"});
    e.finish();
    EXPECT_EQ(rendered(d), std::vector<std::string>{"t.yaml:2:1: unknown key '" + r.key + "'" + r.suffix});
  }
}

TEST(YamlEntry, NonMappingEntryIsReported) {
  Diagnostics d(true);
  Entry e(parse_yaml("- a\n- b\n", "t.yaml"), "t.yaml", d, {"a"});
  EXPECT_EQ(rendered(d), std::vector<std::string>{"t.yaml:1:1: expected a mapping (key: value entries)"});
}

// ---------------------------------------------------------------------------------------------
// Loader reports (models.yaml, devices.yaml, quants.yaml, runtimes.yaml)
// ---------------------------------------------------------------------------------------------

TEST(YamlModels, ValidFixtureLoadsWithoutProblems) {
  Catalog cat;
  Diagnostics d = load_collect(cat, "models.yaml", kModels, entry_doc("models", vramfit::test::tiny_model()));
  EXPECT_TRUE(d.problems().empty()) << vramfit::test::all_problems(d);
  ASSERT_EQ(cat.models.size(), 1u);
  const ModelSpec& m = cat.models[0].spec;
  EXPECT_EQ(m.id, "tiny");
  EXPECT_EQ(m.name, "tiny");  // name defaults to the id
  EXPECT_EQ(m.layers, 2);
  EXPECT_EQ(m.hidden, 64);
  EXPECT_EQ(m.heads, 4);
  EXPECT_EQ(m.kv_heads, 2);
  EXPECT_EQ(m.head_dim_k, 16);
  EXPECT_EQ(m.head_dim_v, 16);  // defaults to head_dim
  EXPECT_EQ(m.ffn, 128);
  EXPECT_TRUE(m.ffn_gated);     // default true
  EXPECT_EQ(m.vocab, 1000);
  EXPECT_EQ(m.norms_per_layer, 2);
  EXPECT_TRUE(m.final_norm);
  EXPECT_EQ(m.native_format, "bf16");
  EXPECT_EQ(cat.models[0].meta.where.str(), at(kModels, 3, 3));
  EXPECT_EQ(cat.models[0].meta.source, std::vector<std::string>{"hand-written test fixture"});
}

TEST(YamlModels, HeadDimDefaultsToHiddenOverHeads) {
  Catalog cat;
  Diagnostics d = load_collect(cat, "models.yaml", kModels,
                               entry_doc("models", vramfit::test::without(vramfit::test::tiny_model(), "head_dim")));
  EXPECT_TRUE(d.problems().empty()) << vramfit::test::all_problems(d);
  ASSERT_EQ(cat.models.size(), 1u);
  EXPECT_EQ(cat.models[0].spec.head_dim_k, 64 / 4);
}

struct ModelErrorRow {
  const char* name;
  Rows rows;
  std::string expected;  // one of the rendered problems
};

TEST(YamlModels, ErrorsNameFileLineColumn) {
  using vramfit::test::renamed;
  using vramfit::test::with;
  using vramfit::test::without;
  const Rows base = vramfit::test::tiny_model();
  const int entry_line = 3;
  const std::vector<ModelErrorRow> rows = {
      {"type error", with(base, "layers", "abc"),
       at(kModels, line_of(base, "layers"), value_column("layers")) + ": 'layers': expected an integer, got 'abc'"},
      {"range error", with(base, "layers", "0"),
       at(kModels, line_of(base, "layers"), value_column("layers")) + ": 'layers': 0 is out of range [1, 65536]"},
      {"fractional integer", with(base, "vocab", "1000.5"),
       at(kModels, line_of(base, "vocab"), value_column("vocab")) + ": 'vocab': expected an integer, got '1000.5'"},
      {"kv_heads must divide heads", with(with(base, "heads", "32"), "kv_heads", "3"),
       at(kModels, entry_line, 3) + ": model 'tiny': kv_heads (3) does not divide heads (32)"},
      {"missing required key", without(base, "vocab"),
       at(kModels, entry_line, 3) + ": missing required key 'vocab'"},
      {"missing id", without(base, "id"), at(kModels, entry_line, 3) + ": missing required key 'id'"},
      {"misspelt key", renamed(base, "hidden_size", "hidden_sise"),
       at(kModels, line_of(base, "hidden_size"), 3) + ": unknown key 'hidden_sise' (did you mean 'hidden_size'?)"},
      {"boolean", with(base, "tied_embeddings", "yes"),
       at(kModels, 3 + static_cast<int>(base.size()), value_column("tied_embeddings")) +
           ": 'tied_embeddings': expected true or false, got 'yes'"},
      {"enum", with(base, "attn_bias", "qkvz"),
       at(kModels, 3 + static_cast<int>(base.size()), value_column("attn_bias")) +
           ": 'attn_bias': expected none, qkv or qkvo, got 'qkvz'"},
      {"invalid id", with(base, "id", "\"bad id\""),
       at(kModels, entry_line, value_column("id")) + ": 'id': 'bad id' is not a valid id ([A-Za-z0-9][A-Za-z0-9._:/+-]*, at most 256 bytes)"},
      {"text expected", with(base, "name", "[a, b]"),
       at(kModels, 3 + static_cast<int>(base.size()), value_column("name")) + ": 'name': expected a text value"},
      {"sliding layers need a window", with(base, "attention", "{layer_pattern: [sliding, full]}"),
       at(kModels, entry_line, 3) + ": model 'tiny': sliding layers need attention.sliding_window > 0"},
      {"unknown layer kind", with(base, "attention", "{layer_pattern: [full, glocal]}"),
       at(kModels, 3 + static_cast<int>(base.size()), value_column("attention") + 16) +  // "{layer_pattern: " then '['

           ": 'layer_pattern': unknown layer kind 'glocal' (full, sliding, chunked, mla, mamba, linear, ffn, cross)"},
      {"misspelt nested key", with(base, "moe", "{experts: 4, experts_per_tokn: 2, expert_ffn_size: 32}"),
       at(kModels, 3 + static_cast<int>(base.size()), value_column("moe") + 13) +
           ": unknown key 'experts_per_tokn' (did you mean 'experts_per_token'?)"},
      {"more experts per token than experts", with(base, "moe", "{experts: 4, experts_per_token: 8, expert_ffn_size: 32}"),
       at(kModels, 3 + static_cast<int>(base.size()), value_column("moe") + 13 + 19) +
           ": 'experts_per_token': exceeds experts (4)"},
      {"layer without FFN", with(base, "ffn_size", "0"),
       at(kModels, entry_line, 3) + ": model 'tiny': layer 0 has neither a dense FFN (ffn_size 0) nor MoE"},
  };
  for (const ModelErrorRow& r : rows) {
    SCOPED_TRACE(r.name);
    Catalog cat;
    Diagnostics d = load_collect(cat, "models.yaml", kModels, entry_doc("models", r.rows));
    const std::vector<std::string> got = rendered(d);
    EXPECT_TRUE(contains(got, r.expected)) << "want: " << r.expected << "\ngot:\n" << vramfit::test::all_problems(d);
  }
}

TEST(YamlModels, ThrowModeStopsAtTheFirstProblem) {
  const Rows rows = vramfit::test::with(vramfit::test::tiny_model(), "layers", "abc");
  Catalog cat;
  Diagnostics d(false);
  try {
    load_catalog_text(cat, "models.yaml", kModels, entry_doc("models", rows), d);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), at(kModels, line_of(rows, "layers"), value_column("layers")) +
                                         ": 'layers': expected an integer, got 'abc'");
  }
  EXPECT_TRUE(cat.models.empty());
}

TEST(YamlModels, DocumentLevelErrors) {
  struct Row {
    const char* name;
    std::string text;
    std::string expected;
  };
  const std::vector<Row> rows = {
      {"newer schema", "schema_version: 2\nmodels: []\n",
       at(kModels, 1, 17) + ": 'schema_version': unsupported schema version 2 (this build reads 1)"},
      {"no schema", "models: []\n", at(kModels, 1, 1) + ": missing required key 'schema_version'"},
      {"misspelt list key", "schema_version: 1\nmodel: []\n", at(kModels, 2, 1) + ": unknown key 'model' (did you mean 'models'?)"},
      {"list is a map", "schema_version: 1\nmodels: {id: a}\n", at(kModels, 2, 9) + ": 'models' must be a list"},
      {"entry is a scalar", "schema_version: 1\nmodels:\n- just-a-name\n",
       at(kModels, 3, 3) + ": expected a mapping (key: value entries)"},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.name);
    Catalog cat;
    Diagnostics d = load_collect(cat, "models.yaml", kModels, r.text);
    EXPECT_TRUE(contains(rendered(d), r.expected)) << "want: " << r.expected << "\ngot:\n" << vramfit::test::all_problems(d);
  }
}

TEST(YamlModels, DuplicateIdInOneFile) {
  const Rows m = vramfit::test::tiny_model();
  std::string text = entry_doc("models", m);
  const std::string second = entry_doc("models", m).substr(std::string("schema_version: 1\nmodels:\n").size());
  text += second;  // the same entry again, starting on line 3 + m.size()
  Catalog cat;
  Diagnostics d = load_collect(cat, "models.yaml", kModels, text);
  EXPECT_EQ(rendered(d), std::vector<std::string>{at(kModels, 3 + static_cast<int>(m.size()), 3) +
                                                  ": duplicate id 'tiny' (first defined at line 3)"});
  EXPECT_EQ(cat.models.size(), 1u);
}

TEST(YamlDevices, MisspeltKeySuggestsTheRealKey) {
  // The allowed device keys are listed in src/catalog/load_devices.cpp; the bandwidth key is memory_bandwidth_gbs.
  const Rows base = vramfit::test::tiny_device();
  const Rows typo = vramfit::test::renamed(base, "memory_bandwidth_gbs", "memory_bandwith_gbs");
  Catalog cat;
  Diagnostics d = load_collect(cat, "devices.yaml", kDevices, entry_doc("devices", typo));
  const std::vector<std::string> got = rendered(d);
  ASSERT_EQ(got.size(), 2u) << vramfit::test::all_problems(d);
  EXPECT_TRUE(contains(got, at(kDevices, 3, 3) + ": missing required key 'memory_bandwidth_gbs'"))
      << vramfit::test::all_problems(d);
  EXPECT_EQ(got[1], at(kDevices, line_of(typo, "memory_bandwith_gbs"), 3) +
                        ": unknown key 'memory_bandwith_gbs' (did you mean 'memory_bandwidth_gbs'?)");
}

TEST(YamlDevices, ValueErrors) {
  using vramfit::test::with;
  const Rows base = vramfit::test::tiny_device();
  struct Row {
    const char* name;
    Rows rows;
    std::string expected;
  };
  const std::vector<Row> rows = {
      {"unknown kind", with(base, "kind", "gpgpu"),
       at(kDevices, line_of(base, "kind"), value_column("kind")) +
           ": 'kind': unknown device kind 'gpgpu' (gpu, datacenter, apple, igpu, soc, accelerator, cpu)"},
      {"zero memory", with(base, "memory_gib", "0"),
       at(kDevices, line_of(base, "memory_gib"), value_column("memory_gib")) + ": 'memory_gib': 0 is out of range [0.001000, 1048576.000000]"},
      {"bandwidth with a unit", with(base, "memory_bandwidth_gbs", "1008GB/s"),
       at(kDevices, line_of(base, "memory_bandwidth_gbs"), value_column("memory_bandwidth_gbs")) +
           ": 'memory_bandwidth_gbs': expected a number, got '1008GB/s'"},
      {"memory option not a number", with(base, "memory_options_gib", "[24, big]"),
       at(kDevices, 3 + static_cast<int>(base.size()), value_column("memory_options_gib")) +
           ": 'memory_options_gib': 'big' is not a number in [0.001000, 1048576.000000]"},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.name);
    Catalog cat;
    Diagnostics d = load_collect(cat, "devices.yaml", kDevices, entry_doc("devices", r.rows));
    EXPECT_TRUE(contains(rendered(d), r.expected)) << "want: " << r.expected << "\ngot:\n" << vramfit::test::all_problems(d);
  }
}

TEST(YamlQuants, MixRuleErrors) {
  const std::string head =
      "schema_version: 1\n"
      "tensor_types:\n"
      "- {id: q8_0, block_size: 32, block_bytes: 34, source: [ggml-common.h]}\n"
      "mixes:\n";
  struct Row {
    const char* name;
    std::string mix;  // line 5
    std::string expected;
  };
  const std::vector<Row> rows = {
      {"unknown layer selection", "- {id: M, base: q8_0, rules: [{tensors: [attn_v], type: q8_0, layers: sometimes}], source: [x]}\n",
       ": 'layers': unknown layer selection 'sometimes' (all, use_more_bits, first:N, first_fraction:N, middle_fraction:N)"},
      {"selection count not a number", "- {id: M, base: q8_0, rules: [{tensors: [attn_v], type: q8_0, layers: 'first:x'}], source: [x]}\n",
       ": 'layers': 'first:x' needs a positive integer after ':'"},
      {"rule without tensors", "- {id: M, base: q8_0, rules: [{type: q8_0}], source: [x]}\n",
       ": 'tensors': a rule needs at least one tensor name"},
      {"unknown format", "- {id: M, base: q8_0, format: onnx, source: [x]}\n",
       ": 'format': expected gguf, safetensors or mlx"},
      {"missing base", "- {id: M, source: [x]}\n", ": missing required key 'base'"},
      {"misspelt condition", "- {id: M, base: q8_0, rules: [{tensors: [attn_v], type: q8_0, when: {expert: 8}}], source: [x]}\n",
       ": unknown key 'expert' (did you mean 'experts'?)"},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.name);
    Catalog cat;
    Diagnostics d = load_collect(cat, "quants.yaml", kQuants, head + r.mix);
    bool found = false;
    for (const Problem& p : d.problems())
      found |= p.where.file == kQuants && p.where.line == 5 && ": " + p.message == r.expected;
    EXPECT_TRUE(found) << "want line 5" << r.expected << "\ngot:\n" << vramfit::test::all_problems(d);
  }
}

TEST(YamlQuants, RuleLayerSelectionsAreRead) {
  const std::string text =
      "schema_version: 1\n"
      "tensor_types:\n"
      "- {id: q4_K, block_size: 256, block_bytes: 144, fallback: q5_0, source: [x]}\n"
      "kv_types: [f16, q8_0]\n"
      "mixes:\n"
      "- id: M\n"
      "  base: q4_K\n"
      "  rules:\n"
      "  - {tensors: [attn_v, ffn_down], type: q6_K, layers: use_more_bits}\n"
      "  - {tensors: [attn_v], type: q5_K, layers: 'first:4'}\n"
      "  - {tensors: [ffn_down], type: q5_K, layers: 'first_fraction:8', when: {min_gqa: 4, experts: 8, layers: 80}}\n"
      "  - {tensors: [ffn_gate], type: iq3_xxs, layers: 'middle_fraction:8'}\n"
      "  source: [x]\n";
  Catalog cat;
  Diagnostics d = load_collect(cat, "quants.yaml", kQuants, text);
  EXPECT_TRUE(d.problems().empty()) << vramfit::test::all_problems(d);
  ASSERT_EQ(cat.types.size(), 1u);
  EXPECT_EQ(cat.types[0].type.block_size, 256);
  EXPECT_EQ(cat.types[0].type.block_bytes, 144);
  EXPECT_TRUE(cat.types[0].type.quantized);
  EXPECT_EQ(cat.types[0].type.fallback, "q5_0");
  EXPECT_EQ(cat.kv_types, (std::vector<std::string>{"f16", "q8_0"}));
  ASSERT_EQ(cat.mixes.size(), 1u);
  const QuantMix& q = cat.mixes[0].mix;
  EXPECT_EQ(q.unquantized, "f32");  // defaults
  EXPECT_EQ(q.vision, "f16");
  EXPECT_EQ(q.format, "gguf");
  ASSERT_EQ(q.rules.size(), 4u);
  EXPECT_EQ(q.rules[0].tensors, (std::vector<std::string>{"attn_v", "ffn_down"}));
  EXPECT_EQ(q.rules[0].select, LayerSelect::use_more_bits);
  EXPECT_EQ(q.rules[1].select, LayerSelect::first);
  EXPECT_EQ(q.rules[1].select_n, 4);
  EXPECT_EQ(q.rules[2].select, LayerSelect::first_fraction);
  EXPECT_EQ(q.rules[2].select_n, 8);
  EXPECT_EQ(q.rules[2].min_gqa, 4.0);
  EXPECT_EQ(q.rules[2].when_experts, 8);
  EXPECT_EQ(q.rules[2].when_layers, 80);
  EXPECT_EQ(q.rules[3].select, LayerSelect::middle_fraction);
}

TEST(YamlRuntimes, NestedOverheadKeysAreChecked) {
  const std::string text =
      "schema_version: 1\n"
      "runtimes:\n"
      "- id: rt\n"
      "  device_overhead_mib: {cuda: 457, vulkan: 100}\n"
      "  fit_margin_mib: 1024\n"
      "  source: [x]\n";
  Catalog cat;
  Diagnostics d = load_collect(cat, "runtimes.yaml", kRuntimes, text);
  ASSERT_EQ(d.problems().size(), 1u) << vramfit::test::all_problems(d);
  EXPECT_EQ(d.problems()[0].where.line, 4);
  EXPECT_EQ(d.problems()[0].message.rfind("unknown key 'vulkan'", 0), 0u) << d.problems()[0].message;
  ASSERT_EQ(cat.runtimes.size(), 1u);
  EXPECT_EQ(cat.runtimes[0].overhead_cuda.value(), 457 * 1048576LL);
  EXPECT_EQ(cat.runtimes[0].fit_margin.value(), 1024 * 1048576LL);
  EXPECT_EQ(cat.runtimes[0].ubatch, 512);  // llama.cpp defaults when absent
  EXPECT_EQ(cat.runtimes[0].kv_pad, 256);
}

// ---------------------------------------------------------------------------------------------
// Known bugs: each test asserts the correct behaviour and skips, naming the bug, while the buggy
// behaviour is still observed (so a fix turns it into a passing test by itself).
// ---------------------------------------------------------------------------------------------

TEST(YamlEntry, DuplicateKeyInOneMappingIsReported) {
  // YAML 1.2 §3.2.1.1: mapping keys are unique. yaml-cpp keeps both pairs and node["layers"] returns
  // the first, so a later "layers: 4" in the same entry is silently ignored.
  Diagnostics d(true);
  Entry e(parse_yaml("layers: 2\nlayers: 4\n", "t.yaml"), "t.yaml", d, {"layers"});
  const std::int64_t layers = e.integer("layers", 1, 10);
  e.finish();
  if (d.problems().empty() && layers == 2)
    GTEST_SKIP() << "known bug (src/catalog/yaml_reader.cpp, Entry::finish): a key repeated in one mapping is not "
                    "reported; the first value (2) wins silently over the second (4)";
  ASSERT_EQ(d.problems().size(), 1u) << vramfit::test::all_problems(d);
  EXPECT_EQ(d.problems()[0].where.line, 2);
  EXPECT_NE(d.problems()[0].message.find("layers"), std::string::npos) << d.problems()[0].message;
}

TEST(YamlQuants, LayerSelectionWithTrailingTextOrNeedlessCountIsRejected) {
  // 'first:4x' is not a number; 'all' and 'use_more_bits' take no count (quants.yaml grammar in
  // docs/catalog-format.md: all | use_more_bits | first:N | first_fraction:N | middle_fraction:N).
  std::vector<std::string> accepted;
  for (const char* layers : {"first:4x", "first_fraction:8.5", "all:3", "use_more_bits:2"}) {
    const std::string text = std::string("schema_version: 1\nmixes:\n- {id: M, base: q8_0, rules: [{tensors: [attn_v], "
                                         "type: q8_0, layers: '") + layers + "'}], source: [x]}\n";
    Catalog cat;
    Diagnostics d = load_collect(cat, "quants.yaml", kQuants, text);
    if (d.problems().empty()) accepted.push_back(layers);
  }
  if (!accepted.empty()) {
    std::string list;
    for (const std::string& a : accepted) list += " '" + a + "'";
    GTEST_SKIP() << "known bug (src/catalog/load_quants.cpp, read_rule): layer selections accepted without a problem:"
                 << list << " (std::stoll ignores trailing text; a count after all/use_more_bits is ignored)";
  }
}

TEST(YamlRuntimes, DuplicateIdInOneFileIsReported) {
  // models, devices, tensor types and mixes report "duplicate id" within one file (load_common.hpp upsert);
  // runtimes should too.
  const std::string text =
      "schema_version: 1\nruntimes:\n- {id: rt, ubatch: 256, source: [x]}\n- {id: rt, ubatch: 1024, source: [x]}\n";
  Catalog cat;
  Diagnostics d = load_collect(cat, "runtimes.yaml", kRuntimes, text);
  if (d.problems().empty())
    GTEST_SKIP() << "known bug (src/catalog/load_runtimes.cpp): a runtime id repeated in one file silently replaces "
                    "the first (ubatch " << cat.runtimes[0].ubatch << "), no 'duplicate id' problem";
  ASSERT_EQ(d.problems().size(), 1u) << vramfit::test::all_problems(d);
  EXPECT_EQ(d.problems()[0].where.line, 4);
  EXPECT_NE(d.problems()[0].message.find("duplicate id 'rt'"), std::string::npos) << d.problems()[0].message;
}

}  // namespace

// The nearest-id search behind every "did you mean" (suggest.hpp), worked out by hand.
TEST(Suggest, NearestByEditDistanceWithinFortyPercent) {
  const std::vector<std::string> ids = {"rtx-4090", "rtx-4080", "rtx-3090", "h100-sxm"};
  EXPECT_EQ(vramfit::io::edit_distance("RTX-4090", "rtx-4090"), 0U);  // case does not count
  EXPECT_EQ(vramfit::io::edit_distance("kitten", "sitting"), 3U);
  EXPECT_EQ(vramfit::io::edit_distance("4090", "rtx-4090"), 4U);  // a substring: the length difference
  // 1 edit from rtx-4090 and from rtx-4080: the first listed wins. Limit (8 x 2 + 4) / 5 = 4.
  EXPECT_EQ(vramfit::io::nearest("rtx-4070", ids), "rtx-4090");
  EXPECT_EQ(vramfit::io::nearest("h100-smx", ids), "h100-sxm");  // a transposition is 2 edits
  EXPECT_EQ(vramfit::io::nearest("4090", ids), "");               // 4 insertions, limit max(2, 12 / 5) = 2
  EXPECT_EQ(vramfit::io::nearest("a100-pcie", ids), "");          // 5 edits from h100-sxm, limit 22 / 5 = 4
  EXPECT_EQ(vramfit::io::nearest(std::string(500, 'x'), ids), "");  // far longer than every id
  EXPECT_EQ(vramfit::io::did_you_mean("rtx-4009", ids), " (did you mean 'rtx-4090'?)");  // 2 edits from 4090 and 4080
  EXPECT_EQ(vramfit::io::did_you_mean("zzzz", ids), "");
}

// The typed family first: candidates the input is a word-boundary prefix of, else the edit distance
// with shared leading words breaking ties (base/suggest.hpp), worked out by hand.
TEST(Suggest, SameFamilyFirst) {
  using vramfit::io::nearest;
  const std::vector<std::string> ids = {"qwen3-32b", "qwen3-30b-a3b", "qwen3-coder-480b-a35b", "qwen3-coder-30b-a3b",
                                        "gpt-oss-120b", "gpt-oss-20b", "llama-3.1-70b", "llama-3.1-8b", "rtx-4090",
                                        "mistral-7b", "mixtral-8x7b"};
  // "qwen3-30b" starts qwen3-30b-a3b at a word boundary; qwen3-32b is only 1 edit away.
  EXPECT_EQ(nearest("qwen3-30b", ids), "qwen3-30b-a3b");
  EXPECT_EQ(nearest("Qwen3-30B", ids), "qwen3-30b-a3b");  // case does not count
  // Not a prefix of anything: the nearest whole id (1 edit from qwen3-32b, 6 from qwen3-30b-a3b).
  EXPECT_EQ(nearest("qwen3-32", ids), "qwen3-32b");
  // Two of the family: the nearer whole (8 insertions against 10).
  EXPECT_EQ(nearest("qwen3-coder", ids), "qwen3-coder-30b-a3b");
  EXPECT_EQ(nearest("llama-3.1", ids), "llama-3.1-8b");  // 3 insertions against 4
  // A word prefix only: "gpt-oss-20" cuts no word, so the edit distance decides (1 against 2).
  EXPECT_EQ(nearest("gpt-oss-20", ids), "gpt-oss-20b");
  EXPECT_EQ(nearest("rtx", ids), "rtx-4090");
  // Equal distance: the candidate sharing more leading words, wherever it is listed (1 edit each).
  EXPECT_EQ(nearest("rtx-4090", {"gtx-4090", "rtx-4080"}), "rtx-4080");
  EXPECT_EQ(vramfit::io::shared_words("qwen3-32b", "qwen3-30b-a3b"), 1U);
  EXPECT_EQ(vramfit::io::shared_words("Llama-3.1-8B", "llama-3.1-70b"), 3U);  // llama, 3, 1
  EXPECT_EQ(vramfit::io::shared_words("rtx-4090", "rtx-4090"), 2U);
  EXPECT_EQ(vramfit::io::shared_words("gpt-oss", "gpt-oss-20b"), 2U);
  EXPECT_EQ(vramfit::io::shared_words("gp", "gpt-oss"), 0U);
  // The empty word names no family and is near nothing.
  EXPECT_EQ(nearest("", {"q2_K", "q8_0"}), "");
}
