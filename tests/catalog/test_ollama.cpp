// Ollama model names (src/catalog/load_ollama.cpp, Catalog::resolve_ollama in catalog.cpp, the
// ollama rules of check.cpp). Expected models and quantizations are Ollama library facts
// (ollama.com/library/NAME/tags: the default tag's size and quantization), not program output.
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "catalog/catalog.hpp"
#include "catalog/check.hpp"
#include "catalog/compiled.hpp"
#include "fixtures.hpp"

namespace {

using namespace vramfit;
using namespace vramfit::io;
using vramfit::test::entry_doc;
using vramfit::test::line_of;
using vramfit::test::Rows;
using vramfit::test::value_column;
using vramfit::test::with;
using vramfit::test::without;

// ---------------------------------------------------------------------------------------------
// The built-in ollama.yaml against the Ollama library
// ---------------------------------------------------------------------------------------------

struct Resolves {
  const char* given;
  const char* model;
  const char* mix;
  const char* name_tag;
};

TEST(OllamaBuiltIn, LibraryNamesResolveToModelAndDefaultQuantization) {
  const Catalog c = compiled_catalog();
  const std::vector<Resolves> rows = {
      // bare name = latest tag; Ollama's default tags are Q4_K_M since mid-2024 ...
      {"llama3.1", "llama-3.1-8b", "Q4_K_M", "llama3.1:8b"},            // 8b 4.9 GB
      {"llama3.1:latest", "llama-3.1-8b", "Q4_K_M", "llama3.1:8b"},
      {"llama3.1:8b", "llama-3.1-8b", "Q4_K_M", "llama3.1:8b"},
      {"LLAMA3.1:70B", "llama-3.1-70b", "Q4_K_M", "llama3.1:70b"},
      {"llama3.1:405b", "llama-3.1-405b", "Q4_K_M", "llama3.1:405b"},
      {"llama3.2", "llama-3.2-3b", "Q4_K_M", "llama3.2:3b"},
      {"llama3.2:1b", "llama-3.2-1b", "Q4_K_M", "llama3.2:1b"},
      {"llama3.3", "llama-3.3-70b", "Q4_K_M", "llama3.3:70b"},
      {"qwen2.5", "qwen2.5-7b", "Q4_K_M", "qwen2.5:7b"},
      {"qwen2.5:0.5b", "qwen2.5-0.5b", "Q4_K_M", "qwen2.5:0.5b"},
      {"qwen2.5vl", "qwen2.5-vl-7b", "Q4_K_M", "qwen2.5vl:7b"},
      {"qwen3", "qwen3-8b", "Q4_K_M", "qwen3:8b"},
      {"qwen3:30b-a3b", "qwen3-30b-a3b", "Q4_K_M", "qwen3:30b-a3b"},
      {"qwen3:30b", "qwen3-30b-a3b", "Q4_K_M", "qwen3:30b"},  // the only 30b is the MoE
      {"qwen3:235b", "qwen3-235b-a22b", "Q4_K_M", "qwen3:235b"},
      {"gemma3", "gemma-3-4b", "Q4_K_M", "gemma3:4b"},
      {"gemma3:27b", "gemma-3-27b", "Q4_K_M", "gemma3:27b"},
      {"phi4", "phi-4", "Q4_K_M", "phi4:14b"},                          // 14b 9.1 GB
      {"mistral-small", "mistral-small-24b", "Q4_K_M", "mistral-small:24b"},
      {"deepseek-r1:671b", "deepseek-v3", "Q4_K_M", "deepseek-r1:671b"},  // R1 has V3's architecture
      {"deepseek-r1:7b", "deepseek-r1-distill-qwen-7b", "Q4_K_M", "deepseek-r1:7b"},
      {"deepseek-r1:32b", "deepseek-r1-distill-qwen-32b", "Q4_K_M", "deepseek-r1:32b"},
      {"deepseek-v3", "deepseek-v3", "Q4_K_M", "deepseek-v3:671b"},
      {"llama4", "llama-4-scout-17b-16e", "Q4_K_M", "llama4:scout"},
      // ... older uploads kept Q4_0 (llama3 8b 4.7 GB, llama2 7b 3.8 GB, mixtral 8x7b 26 GB, phi3 2.2 GB)
      {"llama3", "llama-3-8b", "Q4_0", "llama3:8b"},
      {"llama3:70b", "llama-3-70b", "Q4_0", "llama3:70b"},
      {"llama2", "llama-2-7b", "Q4_0", "llama2:7b"},
      {"llama2:13b", "llama-2-13b", "Q4_0", "llama2:13b"},
      {"mixtral", "mixtral-8x7b", "Q4_0", "mixtral:8x7b"},
      {"mixtral:8x22b", "mixtral-8x22b", "Q4_0", "mixtral:8x22b"},
      {"phi3", "phi-3-mini", "Q4_0", "phi3:mini"},
      {"phi3:3.8b", "phi-3-mini", "Q4_0", "phi3:3.8b"},
      {"phi3:medium", "phi-3-medium", "Q4_0", "phi3:medium"},
      {"gemma2", "gemma-2-9b", "Q4_0", "gemma2:9b"},
      {"command-r:v0.1", "command-r", "Q4_0", "command-r:v0.1"},  // the catalog entry is v01 (20 GB)
      // gpt-oss ships MXFP4 experts
      {"gpt-oss", "gpt-oss-20b", "MXFP4_MOE", "gpt-oss:20b"},
      {"gpt-oss:20b", "gpt-oss-20b", "MXFP4_MOE", "gpt-oss:20b"},
      {"gpt-oss:120b", "gpt-oss-120b", "MXFP4_MOE", "gpt-oss:120b"},
      // quantization named in the tag, after optional variant words
      {"gemma3:27b-it-q8_0", "gemma-3-27b", "Q8_0", "gemma3:27b-it-q8_0"},
      {"gemma3:27b-it-qat", "gemma-3-27b", "Q4_0", "gemma3:27b-it-qat"},  // QAT GGUFs are Q4_0
      {"gemma3:4b-it-fp16", "gemma-3-4b", "F16", "gemma3:4b-it-fp16"},
      {"llama3.1:8b-instruct-q4_K_M", "llama-3.1-8b", "Q4_K_M", "llama3.1:8b-instruct-q4_K_M"},
      {"llama3.1:8b-instruct-Q4_K_M", "llama-3.1-8b", "Q4_K_M", "llama3.1:8b-instruct-q4_K_M"},
      {"llama3.1:8b-text-q8_0", "llama-3.1-8b", "Q8_0", "llama3.1:8b-text-q8_0"},
      {"llama3.1:70b-instruct-q2_K", "llama-3.1-70b", "Q2_K", "llama3.1:70b-instruct-q2_K"},
      {"llama3.1:405b-instruct-fp16", "llama-3.1-405b", "F16", "llama3.1:405b-instruct-fp16"},
      {"llama3.2:3b-instruct-q5_K_M", "llama-3.2-3b", "Q5_K_M", "llama3.2:3b-instruct-q5_K_M"},
      {"llama2:7b-chat-q4_1", "llama-2-7b", "Q4_1", "llama2:7b-chat-q4_1"},
      {"qwen3:30b-a3b-q8_0", "qwen3-30b-a3b", "Q8_0", "qwen3:30b-a3b-q8_0"},
      {"qwen3:30b-a3b-instruct-2507-q4_K_M", "qwen3-30b-a3b", "Q4_K_M", "qwen3:30b-a3b-instruct-2507-q4_K_M"},
      {"qwen3:8b-fp16", "qwen3-8b", "F16", "qwen3:8b-fp16"},
      {"qwen2.5:7b-instruct-q6_K", "qwen2.5-7b", "Q6_K", "qwen2.5:7b-instruct-q6_K"},
      {"qwen2.5-coder:32b-instruct-q5_K_M", "qwen2.5-coder-32b", "Q5_K_M", "qwen2.5-coder:32b-instruct-q5_K_M"},
      {"mixtral:8x22b-instruct-v0.1-q4_K_M", "mixtral-8x22b", "Q4_K_M", "mixtral:8x22b-instruct-v0.1-q4_K_M"},
      {"mistral:7b-instruct-v0.3-q8_0", "mistral-7b-v0.3", "Q8_0", "mistral:7b-instruct-v0.3-q8_0"},
      {"phi3:3.8b-mini-4k-instruct-q4_K_M", "phi-3-mini", "Q4_K_M", "phi3:3.8b-mini-4k-instruct-q4_K_M"},
      {"phi3:14b-medium-4k-instruct-q8_0", "phi-3-medium", "Q8_0", "phi3:14b-medium-4k-instruct-q8_0"},
      {"phi4:14b-q8_0", "phi-4", "Q8_0", "phi4:14b-q8_0"},
      {"deepseek-r1:32b-qwen-distill-q8_0", "deepseek-r1-distill-qwen-32b", "Q8_0", "deepseek-r1:32b-qwen-distill-q8_0"},
      {"deepseek-r1:671b-0528-q4_K_M", "deepseek-v3", "Q4_K_M", "deepseek-r1:671b-0528-q4_K_M"},
      {"deepseek-v3:671b-q8_0", "deepseek-v3", "Q8_0", "deepseek-v3:671b-q8_0"},
      {"gemma2:27b-instruct-bf16", "gemma-2-27b", "BF16", "gemma2:27b-instruct-bf16"},
      {"command-r:35b-v0.1-q4_K_M", "command-r", "Q4_K_M", "command-r:35b-v0.1-q4_K_M"},
      {"gemma3:270m", "gemma-3-270m", "Q4_K_M", "gemma3:270m"},
      {"gemma3n", "gemma-3n-e4b", "Q4_K_M", "gemma3n:e4b"},
      {"gemma3n:e2b-it-q8_0", "gemma-3n-e2b", "Q8_0", "gemma3n:e2b-it-q8_0"},
  };
  for (const Resolves& r : rows) {
    SCOPED_TRACE(r.given);
    std::optional<OllamaMatch> m;
    ASSERT_NO_THROW(m = c.resolve_ollama(r.given));
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->model, r.model);
    EXPECT_EQ(m->mix, r.mix);
    EXPECT_EQ(m->name_tag, r.name_tag);
    EXPECT_NE(c.find_model(m->model), nullptr);
    EXPECT_NO_THROW((void)c.mix(m->mix));
  }
}

TEST(OllamaBuiltIn, ExplanationIsOneLineSayingWhereTheQuantizationComesFrom) {
  const Catalog c = compiled_catalog();
  struct Row {
    const char* given;
    std::string explanation;
  };
  const std::vector<Row> rows = {
      {"llama3.1:8b", "ollama llama3.1:8b = llama-3.1-8b Q4_K_M (Ollama's default quantization for this tag)"},
      {"llama3.1", "ollama llama3.1 (latest = 8b) = llama-3.1-8b Q4_K_M (Ollama's default quantization for this tag)"},
      {"gemma3:27b-it-q8_0",
       "ollama gemma3:27b-it-q8_0 = gemma-3-27b Q8_0 (quantization named in the tag); variant 'it' has the catalog "
       "entry's architecture"},
      {"gemma2", "ollama gemma2 (latest = 9b) = gemma-2-9b Q4_0 (Ollama's default quantization for this tag, unconfirmed)"},
      {"llama4:16x17b",
       "ollama llama4:16x17b = llama-4-scout-17b-16e Q4_K_M (Ollama's default quantization for this tag); tag-to-model "
       "mapping unconfirmed"},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.given);
    const std::optional<OllamaMatch> m = c.resolve_ollama(r.given);
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->explanation, r.explanation);
  }
}

TEST(OllamaBuiltIn, OtherReferencesAreNotOllamaNames) {
  const Catalog c = compiled_catalog();
  for (const char* given : {"llama-3.1-8b", "meta-llama/Llama-3.1-8B-Instruct", "hf.co/bartowski/Llama-3.2-3B-Instruct-GGUF:Q4_K_M",
                            "huggingface.co/unsloth/gpt-oss-20b-GGUF", "someone/llama3.1:8b", "rtx-4090", "", ":8b",
                            "llama3.1-8b", "qwen3-30b-a3b"}) {
    SCOPED_TRACE(given);
    EXPECT_FALSE(c.resolve_ollama(given).has_value());
  }
}

TEST(OllamaBuiltIn, UnknownTagsAndTagsMissingFromTheCatalogAreInputErrors) {
  const Catalog c = compiled_catalog();
  struct Row {
    const char* given;
    std::string message;
  };
  const std::vector<Row> rows = {
      {"llama3.1:8c",
       "unknown Ollama tag 'llama3.1:8c' (did you mean 'llama3.1:8b'?); tags in the catalog: 8b, 70b, 405b (see 'vramfit list ollama')"},
      {"llama3.1:7b",
       "unknown Ollama tag 'llama3.1:7b' (did you mean 'llama3.1:8b'?); tags in the catalog: 8b, 70b, 405b (see 'vramfit list ollama')"},
      {"llama3.1:8b-instruct-q4_K_MM",
       "unknown Ollama tag 'llama3.1:8b-instruct-q4_K_MM': 'q4_K_MM' is neither a variant of llama3.1 (instruct, text) "
       "nor a quantization (did you mean 'q4_K_M'?); tags in the catalog: 8b, 70b, 405b (see 'vramfit list ollama')"},
      {"llama3.1:8b-",
       "unknown Ollama tag 'llama3.1:8b-': '' is neither a variant of llama3.1 (instruct, text) nor a quantization; tags "
       "in the catalog: 8b, 70b, 405b (see 'vramfit list ollama')"},
      {"gemma3:27b-vision",
       "unknown Ollama tag 'gemma3:27b-vision': 'vision' is neither a variant of gemma3 (it) nor a quantization; tags in "
       "the catalog: 270m, 1b, 4b, 12b, 27b (see 'vramfit list ollama')"},
      {"deepseek-r1",
       "Ollama deepseek-r1:8b (the latest tag) is DeepSeek-R1-0528-Qwen3-8B, which the catalog does not have; tags in the "
       "catalog: 7b, 32b, 671b (see 'vramfit list ollama')"},
      {"deepseek-r1:70b-llama-distill-q4_K_M",
       "Ollama deepseek-r1:70b is DeepSeek-R1-Distill-Llama-70B, which the catalog does not have; tags in the catalog: 7b, "
       "32b, 671b (see 'vramfit list ollama')"},
      {"mistral:v0.1", "Ollama mistral:v0.1 is Mistral-7B v0.1 (32000-token vocabulary, 4096-token sliding window), which the "
                       "catalog does not have; tags in the catalog: 7b, v0.3, v0.2 (see 'vramfit list ollama')"},
      {"phi3:mini-128k",
       "Ollama phi3:mini-128k is Phi-3-mini-128k-instruct, which the catalog does not have; tags in the catalog: mini, "
       "3.8b, mini-4k, 3.8b-mini-4k, medium, 14b, medium-4k, 14b-medium-4k (see 'vramfit list ollama')"},
      {"qwq", "Ollama qwq:32b (the latest tag) is QwQ-32B, which the catalog does not have; the catalog has none of its "
              "tags (see 'vramfit list ollama')"},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.given);
    try {
      (void)c.resolve_ollama(r.given);
      ADD_FAILURE() << "expected InputError";
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()), r.message);
    }
  }
}

TEST(OllamaBuiltIn, EveryTagPointsAtACatalogModelAndMix) {
  Diagnostics load(true);
  const Catalog c = load_catalog({}, load);
  EXPECT_TRUE(load.problems().empty()) << vramfit::test::all_problems(load);
  ASSERT_FALSE(c.ollama.empty());
  ASSERT_FALSE(c.ollama_quants.empty());
  Diagnostics d(true);
  check_catalog(c, d);
  EXPECT_TRUE(vramfit::test::matching(d, "ollama").empty()) << vramfit::test::all_problems(d);
  // The resolver itself agrees: every mapped tag resolves to its own model.
  for (const CatalogOllama& o : c.ollama)
    for (const OllamaTag& t : o.tags) {
      SCOPED_TRACE(o.name + ":" + t.tag);
      const std::optional<OllamaMatch> m = c.resolve_ollama(o.name + ":" + t.tag);
      ASSERT_TRUE(m.has_value());
      EXPECT_EQ(m->model, t.model);
    }
}

// ---------------------------------------------------------------------------------------------
// Resolution mechanics on a hand-written catalog
// ---------------------------------------------------------------------------------------------

Catalog fixture_catalog() {
  const std::string text =
      "schema_version: 1\n"
      "tag_quants:\n"
      "  suffixes: {q4_0: Q4_0, q8_0: Q8_0, fp16: F16}\n"
      "  source: [x]\n"
      "ollama:\n"
      "- name: fam\n"
      "  tags: {7b: m-7b, 7b-long: m-7b-long, big: {model: m-70b, quant: Q8_0}}\n"
      "  missing: {7b-longer: M-7B-Longer}\n"
      "  latest: 7b\n"
      "  quant: Q4_K_M\n"
      "  variants: [chat, v2]\n"
      "  source: [x]\n";
  Catalog c;
  Diagnostics d(true);
  load_catalog_text(c, "ollama.yaml", "fixture/ollama.yaml", text, d);
  EXPECT_TRUE(d.problems().empty()) << vramfit::test::all_problems(d);
  return c;
}

TEST(OllamaResolve, LongestSizeTagWinsAndPerTagQuantOverridesTheDefault) {
  const Catalog c = fixture_catalog();
  const std::vector<Resolves> rows = {
      {"fam", "m-7b", "Q4_K_M", "fam:7b"},
      {"fam:", "m-7b", "Q4_K_M", "fam:7b"},
      {"fam:7b-chat", "m-7b", "Q4_K_M", "fam:7b-chat"},
      {"fam:7b-long", "m-7b-long", "Q4_K_M", "fam:7b-long"},             // not 7b + variant 'long'
      {"fam:7b-long-chat-v2-q8_0", "m-7b-long", "Q8_0", "fam:7b-long-chat-v2-q8_0"},
      {"fam:7B-LONG-FP16", "m-7b-long", "F16", "fam:7b-long-fp16"},
      {"fam:big", "m-70b", "Q8_0", "fam:big"},                           // the tag's own default
      {"fam:big-q4_0", "m-70b", "Q4_0", "fam:big-q4_0"},                 // a named quantization wins
  };
  for (const Resolves& r : rows) {
    SCOPED_TRACE(r.given);
    const std::optional<OllamaMatch> m = c.resolve_ollama(r.given);
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->model, r.model);
    EXPECT_EQ(m->mix, r.mix);
    EXPECT_EQ(m->name_tag, r.name_tag);
  }
  EXPECT_THROW((void)c.resolve_ollama("fam:7b-longer"), InputError);   // the longer missing tag wins over 7b-long
  EXPECT_THROW((void)c.resolve_ollama("fam:7bx"), InputError);         // a size tag ends at '-' or the end
  EXPECT_THROW((void)c.resolve_ollama("fam:7b-q8_0-chat"), InputError);  // the quantization comes last
  EXPECT_FALSE(c.resolve_ollama("famx:7b").has_value());
}

// ---------------------------------------------------------------------------------------------
// Loader: strict keys, file:line:column errors
// ---------------------------------------------------------------------------------------------

Rows family() {
  return {{"name", "fam"}, {"tags", "{7b: m-7b, 70b: m-70b}"}, {"latest", "7b"}, {"quant", "Q4_K_M"}, {"source", "[x]"}};
}

std::string at(const Rows& rows, const std::string& key) {
  return "f/ollama.yaml:" + std::to_string(line_of(rows, key)) + ":" + std::to_string(value_column(key));
}

TEST(OllamaLoad, ValidEntryLoadsInFileOrder) {
  Catalog c;
  const Diagnostics d = vramfit::test::load_collect(c, "ollama.yaml", "f/ollama.yaml", entry_doc("ollama", family()));
  EXPECT_TRUE(d.problems().empty()) << vramfit::test::all_problems(d);
  ASSERT_EQ(c.ollama.size(), 1u);
  const CatalogOllama& o = c.ollama[0];
  EXPECT_EQ(o.name, "fam");
  ASSERT_EQ(o.tags.size(), 2u);
  EXPECT_EQ(o.tags[0].tag, "7b");
  EXPECT_EQ(o.tags[0].model, "m-7b");
  EXPECT_EQ(o.tags[1].tag, "70b");
  EXPECT_EQ(o.latest, "7b");
  EXPECT_EQ(o.quant, "Q4_K_M");
  EXPECT_EQ(o.meta.where.line, 3);
  EXPECT_EQ(c.files, std::vector<std::string>{"f/ollama.yaml"});
}

TEST(OllamaLoad, ProblemsNameFileLineAndColumn) {
  struct Row {
    std::string what;
    Rows rows;
    std::string expected;
  };
  const Rows base = family();
  const Rows typo = [&] {
    Rows r = base;
    r.emplace_back("lates", "7b");
    return r;
  }();
  const Rows dup_tag = with(base, "missing", "{7b: M-7B}");
  const std::vector<Row> rows = {
      {"unknown key", typo, "f/ollama.yaml:8:3: unknown key 'lates' (did you mean 'latest'?)"},
      {"latest not a tag", with(base, "latest", "8b"), at(base, "latest") + ": 'latest': '8b' is not one of this name's tags (did you mean '7b'?)"},
      {"no quant", without(base, "quant"), "f/ollama.yaml:3:3: missing required key 'quant'"},
      {"upper-case name", with(base, "name", "Fam"), at(base, "name") + ": 'name': 'Fam' is not a lower-case Ollama name ([a-z0-9._-])"},
      {"tag twice", dup_tag, "f/ollama.yaml:8:13: tag '7b' appears twice in 'fam' (first at line 4)"},
      {"tag called latest", with(base, "tags", "{latest: m-7b, 7b: m-7b}"),
       "f/ollama.yaml:4:10: 'latest' is not a size tag; name the size with the 'latest' key"},
      {"tag value a list", with(base, "tags", "{7b: [m-7b]}"),
       "f/ollama.yaml:4:10: tag '7b': expected a model id or {model: ID, quant: MIX}"},
      {"tag override typo", with(base, "tags", "{7b: {model: m-7b, qaunt: Q8_0}}"),
       "f/ollama.yaml:4:28: unknown key 'qaunt' (did you mean 'quant'?)"},
      {"no tags", without(base, "tags"),
       "f/ollama.yaml:3:3: missing required key 'tags' (or 'missing' when the catalog has none of its models)"},
      {"unconfirmed names nothing", with(base, "unconfirmed", "[qaunt]"),
       "f/ollama.yaml:8:16: 'unconfirmed': 'qaunt' is neither a key nor a tag of this entry (did you mean 'quant'?)"},
      {"variant with a dash", with(base, "variants", "[instruct-v2]"),
       "f/ollama.yaml:8:13: 'variants': 'instruct-v2' is not a single lower-case tag word"},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.what);
    Catalog c;
    const Diagnostics d = vramfit::test::load_collect(c, "ollama.yaml", "f/ollama.yaml", entry_doc("ollama", r.rows));
    ASSERT_FALSE(d.problems().empty()) << "expected: " << r.expected;
    EXPECT_EQ(d.problems()[0].str(), r.expected) << vramfit::test::all_problems(d);
  }
}

TEST(OllamaLoad, DuplicateNamesInOneFileAndReplacementByALaterFile) {
  const std::string one = "schema_version: 1\nollama:\n"
                          "- {name: fam, tags: {7b: a}, latest: 7b, quant: Q4_0, source: [x]}\n"
                          "- {name: fam, tags: {7b: b}, latest: 7b, quant: Q4_0, source: [x]}\n";
  Catalog c;
  const Diagnostics d = vramfit::test::load_collect(c, "ollama.yaml", "f/ollama.yaml", one);
  ASSERT_EQ(d.problems().size(), 1u) << vramfit::test::all_problems(d);
  EXPECT_EQ(d.problems()[0].str(), "f/ollama.yaml:4:3: duplicate id 'fam' (first defined at line 3)");

  const std::string two = "schema_version: 1\nollama:\n- {name: fam, tags: {8b: c}, latest: 8b, quant: Q8_0, source: [y]}\n"
                          "tag_quants: {suffixes: {q4_0: Q4_1}, source: [y]}\n";
  const std::string first = "schema_version: 1\ntag_quants: {suffixes: {q4_0: Q4_0, q8_0: Q8_0}, source: [x]}\n";
  Catalog r;
  EXPECT_TRUE(vramfit::test::load_collect(r, "ollama.yaml", "a/ollama.yaml", first).problems().empty());
  EXPECT_TRUE(vramfit::test::load_collect(r, "ollama.yaml", "a/ollama.yaml", one.substr(0, one.rfind("- {"))).problems().empty());
  EXPECT_TRUE(vramfit::test::load_collect(r, "ollama.yaml", "b/ollama.yaml", two).problems().empty());
  ASSERT_EQ(r.ollama.size(), 1u);
  EXPECT_EQ(r.ollama[0].tags[0].model, "c");
  ASSERT_EQ(r.ollama_quants.size(), 2u);
  EXPECT_EQ(r.ollama_quants[0].mix, "Q4_1");  // replaced by suffix, in place
  EXPECT_EQ(r.ollama_quants[1].mix, "Q8_0");
}

TEST(OllamaLoad, TagQuantsAreStrict) {
  struct Row {
    std::string text;
    std::string expected;
  };
  const std::vector<Row> rows = {
      {"schema_version: 1\ntag_quants: {suffixes: {q4_0: Q4_0}, sources: [x]}\n",
       "f/ollama.yaml:2:13: tag_quants: missing source"},
      {"schema_version: 1\ntag_quants:\n  suffixes: {q4_0: Q4_0, q4_0: Q4_1}\n  source: [x]\n",
       "f/ollama.yaml:3:26: 'suffixes': 'q4_0' appears twice (first at line 3)"},
      {"schema_version: 1\ntag_quants:\n  suffixes: [q4_0]\n  source: [x]\n",
       "f/ollama.yaml:3:13: 'suffixes' must be a mapping (key: value entries)"},
      {"schema_version: 1\nollamas: []\n", "f/ollama.yaml:2:1: unknown key 'ollamas' (did you mean 'ollama'?)"},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.text);
    Catalog c;
    const Diagnostics d = vramfit::test::load_collect(c, "ollama.yaml", "f/ollama.yaml", r.text);
    ASSERT_FALSE(d.problems().empty());
    EXPECT_EQ(d.problems()[0].str(), r.expected) << vramfit::test::all_problems(d);
  }
}

// ---------------------------------------------------------------------------------------------
// catalog check: ids must exist in models.yaml and quants.yaml
// ---------------------------------------------------------------------------------------------

TEST(OllamaCheck, UnknownModelAndMixIdsAreReportedWithTheNearestId) {
  Catalog c;
  Diagnostics load(true);
  load_catalog_text(c, "models.yaml", "f/models.yaml", entry_doc("models", vramfit::test::tiny_model()), load);
  load_catalog_text(c, "quants.yaml", "f/quants.yaml",
                    "schema_version: 1\ntensor_types:\n- {id: q8_0, block_size: 32, block_bytes: 34, source: [x]}\n"
                    "mixes:\n- {id: Q8_0, base: q8_0, source: [x]}\n",
                    load);
  load_catalog_text(c, "ollama.yaml", "f/ollama.yaml",
                    "schema_version: 1\n"
                    "tag_quants: {suffixes: {q8_0: Q8_0, q4_0: Q4_0}, source: [x]}\n"
                    "ollama:\n"
                    "- {name: good, tags: {1b: tiny}, latest: 1b, quant: Q8_0, source: [x]}\n"
                    "- {name: bad, tags: {1b: tiny, 2b: tinny, 3b: {model: tiny, quant: Q8_1}}, latest: 1b, quant: Q8_O}\n",
                    load);
  ASSERT_TRUE(load.problems().empty()) << vramfit::test::all_problems(load);
  Diagnostics d(true);
  check_catalog(c, d);
  const std::vector<Problem> p = vramfit::test::matching(d, "ollama");
  const std::vector<std::string> expected = {
      "f/ollama.yaml:2:37: ollama tag suffix 'q4_0': unknown mix 'Q4_0' (did you mean 'Q8_0'?)",
      "f/ollama.yaml:5:3: ollama name 'bad': missing source",
      "f/ollama.yaml:5:3: ollama 'bad': unknown mix 'Q8_O' (did you mean 'Q8_0'?)",
      "f/ollama.yaml:5:3: ollama 'bad' tag '2b': unknown model 'tinny' (did you mean 'tiny'?)",
      "f/ollama.yaml:5:3: ollama 'bad' tag '3b': unknown mix 'Q8_1' (did you mean 'Q8_0'?)",
  };
  std::vector<std::string> got;
  for (const Problem& x : p) got.push_back(x.str());
  EXPECT_EQ(got, expected) << vramfit::test::all_problems(d);
}

}  // namespace
