// Accuracy of the catalog (data/*.yaml) + core formulas against independent sources:
//   a. parameter counts recomputed by the reference from config.json (shared/reference/models.yaml);
//   b. published GGUF file sizes (shared/reference/measured_memory.yaml, kind gguf_file_size);
//   c. the Llama-3.1-8B mix table of shared/reference/methods.md §1.3;
//   d. KV cache sizes printed by llama.cpp (measured_memory.yaml, kind llamacpp_log).
// The reference lives beside the repository (shared/reference); tests that need it skip when it is absent.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "catalog/catalog.hpp"
#include "catalog/compiled.hpp"
#include "vramfit/kv_cache.hpp"
#include "vramfit/tensors.hpp"
#include "vramfit/weights.hpp"

namespace {

using namespace vramfit;
using namespace vramfit::io;

const std::filesystem::path kReference = VRAMFIT_REFERENCE_DIR;

// Skips the current test, with the reason, when the reference file is not there.
#define REQUIRE_REFERENCE(file)                                                                             \
  do {                                                                                                      \
    if (!std::filesystem::exists(kReference / (file)))                                                      \
      GTEST_SKIP() << "reference data not found: " << (kReference / (file)).string()                       \
                   << " (shared/reference must sit beside the repository; see tests/catalog/CMakeLists.txt)"; \
  } while (0)

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

const Catalog& catalog() {
  static const Catalog c = compiled_catalog();
  return c;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// ---------------------------------------------------------------------------------------------
// a. Parameter counts
// ---------------------------------------------------------------------------------------------

// Models added for the speed benchmark (docs/speed.md) that the reference file does not list: their exact
// parameter counts as the Hugging Face model pages print them (safetensors metadata "Model size").
struct PublishedCount {
  const char* id;
  std::int64_t params;
};
constexpr PublishedCount kPublished[] = {
    {"llama-2-7b", 6738415616},   // huggingface.co/meta-llama/Llama-2-7b-hf
    {"llama-2-13b", 13015864320}, // huggingface.co/meta-llama/Llama-2-13b-hf
    {"llama-2-70b", 68976648192}, // huggingface.co/meta-llama/Llama-2-70b-hf
    {"llama-3-8b", 8030261248},   // huggingface.co/meta-llama/Meta-Llama-3-8B
    {"llama-3-70b", 70553706496}, // huggingface.co/meta-llama/Meta-Llama-3-70B
};

TEST(AccuracyParams, ModelsOutsideTheReferenceMatchTheirPublishedCount) {
  for (const PublishedCount& p : kPublished) {
    SCOPED_TRACE(p.id);
    const CatalogModel* cm = catalog().find_model(p.id);
    ASSERT_NE(cm, nullptr);
    EXPECT_EQ(count_params(cm->spec).total, p.params);
  }
}

// The reference entries with a count of their own: models.yaml and models_2026.yaml (its alias_of
// entries only name a model already counted; AliasesOfTheReferencePointWhereItSays checks them).
std::vector<YAML::Node> counted_reference() {
  std::vector<YAML::Node> out;
  for (const char* file : {"models.yaml", "models_2026.yaml"}) {
    if (!std::filesystem::exists(kReference / file)) continue;
    for (const YAML::Node& r : YAML::LoadFile((kReference / file).string()))
      if (!r["alias_of"]) out.push_back(r);
  }
  return out;
}

// 2026 models whose count is not the reference's computed_params_exact: the reference has none (Gemma
// 3n, Gemma 4 E2B/E4B: counted by hand in tests/core/test_per_layer.cpp and tests/hf/test_hf_config.cpp)
// or counts less than llama.cpp loads (Gemma 4 26B-A4B: 4 norm vectors of 2816 more per MoE block,
// models/gemma4.cpp; the reference's 25,232,800,030 + 337,920).
//
// Llama 3.2 Vision (mllama; the reference has no count), by hand from config.json and modeling_mllama.py:
//   11B text: embed 128256 x 4096 = 525,336,576, lm_head the same, final norm 4096;
//     self-attention layer: q 4096x4096 + k, v 4096x1024 + o 4096x4096 = 41,943,040, MLP 3 x 4096 x 14336
//     = 176,160,768, 2 norms 8192 -> 218,112,000 x 32 = 6,979,584,000;
//     cross-attention layer: the same + q_norm/k_norm 2 x 128 + 2 gates = 218,112,258 x 8 = 1,744,898,064;
//     text 9,775,159,312.
//   Vision tower (both sizes) 863,567,379: patch conv 3x14x14x1280 = 752,640, class embedding 1280,
//     gated position embedding 1 + 1601x1280 + 9x4x1601x1280 = 75,823,361, two gated aspect-ratio
//     embeddings 2 x (9x4x1280 + 1) = 92,162, pre/post LayerNorm 5120, 32 layers x (4x1280^2 + 2x1280x5120
//     + 5120 + 1280 + 4x1280) = 629,514,240, 8 gated global layers x 19,672,322 = 157,378,576.
//   Projector 7680 x 4096 + 4096 = 31,461,376. Total 10,670,188,067 (the safetensors hold 10,670,220,835:
//     the 8 extra embed_tokens rows, 32,768, are not counted).
//   90B: self layer 150,994,944 + 704,643,072 + 16,384 = 855,654,400 x 80 = 68,452,352,000; cross layer
//     855,654,658 x 20 = 17,113,093,160; embeddings 2 x 128256 x 8192 + 8192 = 2,101,354,496; text
//     87,666,799,656; + vision 863,567,379 + projector 7680 x 8192 + 8192 = 62,922,752 -> 88,593,289,787.
constexpr PublishedCount kCountedByHand[] = {
    {"gemma-3n-e2b", 4458122848}, {"gemma-3n-e4b", 6868990448}, {"gemma-4-e2b", 4647449891},
    {"gemma-4-e4b", 7518069034},  {"gemma-4-26b-a4b", 25233137950},
    {"llama-3.2-11b-vision", 10670188067}, {"llama-3.2-90b-vision", 88593289787},
};

// Entries of their own for releases models_2026.yaml lists as alias_of another catalog model, kept apart
// because their context is longer (GLM-4.7, Kimi-K2-Instruct-0905, Devstral/Magistral, Phi-4-reasoning)
// or their vision tower is not counted (Kimi K2.5): the same shapes, so the same count as the target.
struct SameShapes {
  const char* id;
  const char* as;
};
constexpr SameShapes kSameShapes[] = {
    {"glm-4.7", "glm-4.5"}, {"kimi-k2-0905", "kimi-k2"}, {"kimi-k2.5", "kimi-k2"},
    {"devstral-small-24b", "mistral-small-24b"}, {"phi-4-reasoning", "phi-4"},
};

TEST(AccuracyParams, EveryCatalogModelMatchesTheReferenceCount) {
  REQUIRE_REFERENCE("models.yaml");
  REQUIRE_REFERENCE("models_2026.yaml");
  const std::vector<YAML::Node> ref = counted_reference();
  std::printf("\n%-28s %-44s %16s %16s %12s\n", "catalog id", "reference hf_id", "reference", "count_params",
              "difference");
  int matched = 0, mismatched = 0;
  for (const CatalogModel& cm : catalog().models) {
    SCOPED_TRACE(cm.spec.id);
    if (!cm.not_estimable.empty()) continue;  // estimable: false (DeepSeek-V4-Flash): nothing is counted
    const auto same = std::find_if(std::begin(kSameShapes), std::end(kSameShapes), [&](const SameShapes& x) { return cm.spec.id == x.id; });
    if (same != std::end(kSameShapes)) {
      const CatalogModel* target = catalog().find_model(same->as);
      ASSERT_NE(target, nullptr);
      EXPECT_EQ(count_params(cm.spec).total, count_params(target->spec).total) << cm.spec.id << " has the shapes of " << same->as;
      EXPECT_GT(cm.spec.max_context, target->spec.max_context) << cm.spec.id << " is an entry for its longer context";
      continue;
    }
    std::vector<YAML::Node> hits;
    for (const YAML::Node& r : ref)
      for (const std::string& alias : cm.meta.aliases)
        if (lower(alias) == lower(r["hf_id"].as<std::string>())) hits.push_back(r);
    if (hits.empty()) {
      const bool published = std::any_of(std::begin(kPublished), std::end(kPublished),
                                         [&](const PublishedCount& p) { return cm.spec.id == p.id; });
      if (!published) ADD_FAILURE() << "no reference entry whose hf_id is an alias of '" << cm.spec.id << "'";
      continue;  // checked against its published count above
    }
    ASSERT_EQ(hits.size(), 1u) << "several reference entries match '" << cm.spec.id << "'";
    const auto by_hand = std::find_if(std::begin(kCountedByHand), std::end(kCountedByHand),
                                      [&](const PublishedCount& p) { return cm.spec.id == p.id; });
    ASSERT_TRUE(by_hand != std::end(kCountedByHand) || hits[0]["computed_params_exact"].IsScalar())
        << "the reference has no computed_params_exact for '" << cm.spec.id << "' and no hand count is listed";
    const std::int64_t expected =
        by_hand != std::end(kCountedByHand) ? by_hand->params : hits[0]["computed_params_exact"].as<std::int64_t>();
    const std::int64_t got = count_params(cm.spec).total;
    ++matched;
    if (got != expected) ++mismatched;
    std::printf("%-28s %-44s %16lld %16lld %12lld%s\n", cm.spec.id.c_str(), hits[0]["hf_id"].as<std::string>().c_str(),
                static_cast<long long>(expected), static_cast<long long>(got), static_cast<long long>(got - expected),
                got == expected ? "" : "  MISMATCH");
    EXPECT_EQ(got, expected) << "count_params(" << cm.spec.id << ").total differs from the reference computed_params_exact";
  }
  std::printf("%d catalog models matched to the reference, %d mismatches\n", matched, mismatched);
}

// models_2026.yaml names other releases of an architecture in the catalog (alias_of: "glm-4.5", or
// "gpt-oss-20b / gpt-oss-120b"): where the catalog has the release's hf_id as an alias, it must lead
// to one of those entries.
TEST(AccuracyParams, AliasesOfTheReferencePointWhereItSays) {
  REQUIRE_REFERENCE("models_2026.yaml");
  int checked = 0;
  for (const YAML::Node& r : YAML::LoadFile((kReference / "models_2026.yaml").string())) {
    if (!r["alias_of"]) continue;
    const std::string hf_id = r["hf_id"].as<std::string>(), targets = r["alias_of"].as<std::string>();
    const CatalogModel* m = catalog().find_model(hf_id);
    if (m == nullptr) continue;  // not in the catalog (Kimi-K2-Thinking: see data/models.yaml kimi-k2)
    SCOPED_TRACE(hf_id);
    std::vector<std::string> ids;
    for (std::size_t at = 0; at != std::string::npos;) {
      const std::size_t slash = targets.find(" / ", at);
      ids.push_back(targets.substr(at, slash == std::string::npos ? std::string::npos : slash - at));
      at = slash == std::string::npos ? slash : slash + 3;
    }
    // An entry of its own with the target's shapes (kSameShapes) stands for the target.
    std::string id = m->spec.id;
    for (const SameShapes& x : kSameShapes)
      if (id == x.id) id = x.as;
    EXPECT_NE(std::find(ids.begin(), ids.end(), id), ids.end()) << hf_id << " is " << m->spec.id << ", not " << targets;
    ++checked;
  }
  EXPECT_GE(checked, 8);  // Qwen3-Coder-Next, GLM-4.7, DeepSeek-V3.1, DeepSeek-Coder-V2-Lite, Fara-7B, safeguard, Phi-4-reasoning, Devstral, INTELLECT-3
}

// ---------------------------------------------------------------------------------------------
// b. GGUF file sizes
// ---------------------------------------------------------------------------------------------

// A size as the source printed it: "4.37 GB" (Hugging Face listing, decimal, 3 significant digits),
// "179.75 GiB (6.57 BPW)" (llama.cpp print_info: tensor data only), "26441533376 bytes" (exact file size).
struct Measured {
  double bytes = 0;
  std::string unit;
  double resolution = 0;  // half a unit in the last printed digit, in bytes
  bool whole_file = true;  // GB listings and byte counts are file sizes; llama.cpp's GiB is tensor data only
};

std::optional<Measured> parse_measured(const std::string& text) {
  static const std::regex re(R"(^\s*([0-9]+)(?:\.([0-9]+))?\s*(GB|GiB|bytes)\b.*)");
  std::smatch m;
  if (!std::regex_match(text, m, re)) return std::nullopt;
  const double v = std::stod(m[1].str() + (m[2].matched ? "." + m[2].str() : ""));
  const double half_digit = 0.5 * std::pow(10.0, -static_cast<double>(m[2].length()));
  const std::string unit = m[3];
  if (unit == "GB") return Measured{v * 1e9, unit, half_digit * 1e9, true};
  if (unit == "GiB") return Measured{v * 1073741824.0, unit, half_digit * 1073741824.0, false};
  return Measured{v, unit, 0, true};
}

TEST(AccuracyFileSize, MeasuredSizeParsing) {
  EXPECT_DOUBLE_EQ(parse_measured("4.37 GB")->bytes, 4.37e9);
  EXPECT_DOUBLE_EQ(parse_measured("12.35GB")->bytes, 12.35e9);
  EXPECT_DOUBLE_EQ(parse_measured("179.75 GiB (6.57 BPW)")->bytes, 179.75 * 1073741824.0);
  EXPECT_DOUBLE_EQ(parse_measured("26441533376 bytes")->bytes, 26441533376.0);
  EXPECT_DOUBLE_EQ(parse_measured("4.37 GB")->resolution, 0.005e9);
  EXPECT_DOUBLE_EQ(parse_measured("7.7 GB")->resolution, 0.05e9);
  EXPECT_DOUBLE_EQ(parse_measured("1016.623 GiB")->resolution, 0.0005 * 1073741824.0);
  EXPECT_DOUBLE_EQ(parse_measured("26441533376 bytes")->resolution, 0.0);
  EXPECT_FALSE(parse_measured("179.75 GiB (6.57 BPW)")->whole_file);
  EXPECT_FALSE(parse_measured("about 4 GB").has_value());
}

// Reference model name (prefix) -> catalog id. Every gguf_file_size row must map, so a new row
// either gets checked or makes this test fail.
const std::vector<std::pair<std::string, std::string>> kModelMap = {
    {"Mistral-7B-Instruct-v0.3", "mistral-7b-v0.3"},
    {"Mixtral-8x7B-Instruct-v0.1", "mixtral-8x7b"},
    {"Qwen2.5-7B-Instruct", "qwen2.5-7b"},
    {"Qwen2.5-3B-Instruct", "qwen2.5-3b"},
    {"Qwen3-235B-A22B", "qwen3-235b-a22b"},  // the -128K upload only changes rope settings
    {"gpt-oss-20b", "gpt-oss-20b"},
    {"gemma-2-27b-it", "gemma-2-27b"},
    {"DeepSeek-V2-Lite-Chat", "deepseek-v2-lite"},
    {"Kimi-K2-Instruct", "kimi-k2"},
};

std::string catalog_id_for(const std::string& reference_model) {
  for (const auto& [prefix, id] : kModelMap)
    if (reference_model.rfind(prefix, 0) == 0) return id;
  return "";
}

// "Q4_K_M (imatrix)" -> Q4_K_M; gpt-oss's "MXFP4" file is llama.cpp's MXFP4_MOE file type (experts MXFP4,
// every other matrix Q8_0: ggml-org/gpt-oss-20b-GGUF).
std::string mix_id_for(const std::string& quant) {
  std::string q = quant.substr(0, quant.find(' '));
  if (q == "MXFP4") return "MXFP4_MOE";
  return q;
}

// Tolerance for a published size against the predicted tensor bytes:
//  * Hugging Face shows 3 significant digits: at most 0.5 in the last digit, 0.26 % for "1.93 GB";
//  * a GGUF file also holds its metadata and tokenizer, 2-10 MB (methods.md §1.3): <= 0.5 % of 1.93 GB;
//  * llama.cpp's mix rules moved a little between the files' builds (e.g. the 8-expert attn_output bump
//    of early 2024 is 67-138 MB on Mixtral, 0.3-0.8 %).
// Together about 1.5 %; 3 % leaves room for imatrix builds and rounding without hiding a wrong rule,
// which costs more (one tensor class one K-quant step off is 4-10 % of a file).
constexpr double kFileTolerance = 0.03;

// Known, documented deviations: files made by an older llama.cpp whose rules differ from today's.
// llama.cpp of December 2023 (Mixtral support, PR #4406) matched ffn_down rules on "ffn_down.weight",
// which the per-expert tensors "blk.N.ffn_down.E.weight" of those files do not contain, so every expert
// ffn_down kept the base type; current rules (layer parsed from the name, Jan 2024) bump them. The
// expected shortfall, worked out by hand (expert ffn_down = 32 layers x 8 x 14336 x 4096 = 15,032,385,536
// weights, 469,762,048 per layer; use_more_bits selects 16 of 32 layers):
//   Q2_K    all Q3_K -> Q2_K:                15,032,385,536 x (110-84)/256               = 1,526,726,656 B
//   Q3_K_M  2 layers Q5_K + 30 Q4_K -> Q3_K: 469,762,048 x (2 x (176-110) + 30 x (144-110))/256 = 2,113,929,216 B
//   Q4_K_M  16 layers Q6_K -> Q4_K:           7,516,192,768 x (210-144)/256             = 1,937,768,448 B
//   Q5_K_M  16 layers Q6_K -> Q5_K:           7,516,192,768 x (210-176)/256             =   998,244,352 B
struct OldRuleException {
  const char* model;
  const char* mix;
  const char* source_contains;
  std::int64_t shortfall_bytes;
};
const std::vector<OldRuleException> kOldRules = {
    {"mixtral-8x7b", "Q2_K", "TheBloke/Mixtral-8x7B", 1526726656},
    {"mixtral-8x7b", "Q3_K_M", "TheBloke/Mixtral-8x7B", 2113929216},
    {"mixtral-8x7b", "Q4_K_M", "TheBloke/Mixtral-8x7B", 1937768448},
    {"mixtral-8x7b", "Q5_K_M", "TheBloke/Mixtral-8x7B", 998244352},
    // The same TheBloke Q4_K_M file, size from `ls -l` in llama.cpp PR #4406 (2024-01-14).
    {"mixtral-8x7b", "Q4_K_M", "llama.cpp/pull/4406", 1937768448},
};

// Files that hold a tensor the inventory does not list. Kimi-K2's ik_llama.cpp Q8_0 file is larger than the
// predicted tensor data by exactly one more MLA kv_b projection per layer (kv_lora_rank x heads x
// (qk_nope + v_head) = 512 x 64 x 256 = 8,388,608 weights; x 61 layers = 511,705,088 x 34/32 B
// = 543,686,656 B): the file keeps the unsplit attn_kv_b beside the attn_k_b / attn_v_b pair that newer
// converters write; tensor_inventory() lists the projection once.
struct ExtraTensor {
  const char* model;
  const char* mix;
  const char* source_contains;
  std::int64_t extra_bytes;
};
const std::vector<ExtraTensor> kExtraTensors = {
    {"kimi-k2", "Q8_0", "ik_llama.cpp/pull/616", 543686656},
};

std::int64_t extra_bytes_for(const std::string& model, const std::string& mix, const std::string& source) {
  for (const ExtraTensor& e : kExtraTensors)
    if (model == e.model && mix == e.mix && source.find(e.source_contains) != std::string::npos) return e.extra_bytes;
  return 0;
}

// Metadata and tokenizer a GGUF file holds besides tensor data: 2-10 MB (methods.md §1.3 notes).
constexpr double kMetadataMax = 10e6;

const OldRuleException* old_rule_for(const std::string& model, const std::string& mix, const std::string& source) {
  for (const OldRuleException& e : kOldRules)
    if (model == e.model && mix == e.mix && source.find(e.source_contains) != std::string::npos) return &e;
  return nullptr;
}

TEST(AccuracyFileSize, GgufFileSizesMatchPublishedFiles) {
  REQUIRE_REFERENCE("measured_memory.yaml");
  const YAML::Node rows = YAML::LoadFile((kReference / "measured_memory.yaml").string());
  const TypeTable types = catalog().type_table();
  std::vector<double> all_errors, regular_errors;
  std::printf("\n%-18s %-9s %-26s %14s %14s %8s  %s\n", "model", "mix", "measured", "measured B", "predicted B",
              "error", "note");
  int checked = 0;
  for (const YAML::Node& row : rows) {
    if (row["kind"].as<std::string>() != "gguf_file_size") continue;
    const std::string ref_model = row["model"].as<std::string>();
    const std::string quant = row["quant"].as<std::string>();
    const std::string text = row["fields"]["file_size"].as<std::string>();
    const std::string source = row["source"].as<std::string>();
    SCOPED_TRACE(ref_model + " " + quant + " (" + source + ")");
    const std::string id = catalog_id_for(ref_model);
    ASSERT_FALSE(id.empty()) << "no catalog model mapped for reference model '" << ref_model << "'";
    const std::optional<Measured> measured = parse_measured(text);
    ASSERT_TRUE(measured.has_value()) << "cannot read size '" << text << "'";
    const std::string mix = mix_id_for(quant);
    const CatalogModel& m = catalog().model(id);
    const WeightBreakdown w = weight_bytes(m.spec, catalog().mix(mix).mix, types, /*include_vision=*/false);
    const double predicted = double(w.total.value());
    const double error = measured->bytes / predicted - 1.0;  // > 0: the file is larger than predicted
    const OldRuleException* old = old_rule_for(id, mix, source);
    all_errors.push_back(std::abs(error));
    std::string note;
    if (old != nullptr) {
      // Direction and size of the deviation as worked out above, then the old rules' size itself.
      const double expected_error = -double(old->shortfall_bytes) / predicted;
      const double old_rules_error = measured->bytes / (predicted - double(old->shortfall_bytes)) - 1.0;
      char buf[96];
      std::snprintf(buf, sizeof buf, "Dec-2023 rules: expected %+.2f %%, vs old rules %+.2f %%", 100 * expected_error,
                    100 * old_rules_error);
      note = buf;
      EXPECT_LT(error, 0.0) << "an old-rule file must be smaller than today's rules predict";
      EXPECT_NEAR(error, expected_error, kFileTolerance);
      EXPECT_LE(std::abs(old_rules_error), kFileTolerance);
    } else {
      regular_errors.push_back(std::abs(error));
      EXPECT_LE(std::abs(error), kFileTolerance) << "measured " << text << " vs predicted " << predicted << " B";
      // Finer: the printed figure, to its last digit, must be explained by tensor data (+ known extra
      // tensors) + metadata in [0, 10 MB] for whole files, or by tensor data alone for llama.cpp's figure.
      const double extra = double(extra_bytes_for(id, mix, source));
      const double residual = measured->bytes - predicted - extra;
      const double hi = (measured->whole_file ? kMetadataMax : 0.0) + measured->resolution;
      EXPECT_GE(residual, -measured->resolution) << "file smaller than its tensor data: " << text;
      EXPECT_LE(residual, hi) << "more than metadata beyond the tensor data: " << text;
      char buf[96];
      std::snprintf(buf, sizeof buf, "residual %+.1f MB (allowed %+.1f..%+.1f)%s", residual / 1e6,
                    -measured->resolution / 1e6, hi / 1e6, extra > 0 ? ", after one extra attn_kv_b per layer" : "");
      note = buf;
    }
    std::printf("%-18s %-9s %-26s %14.0f %14.0f %+7.2f%%  %s\n", id.c_str(), mix.c_str(), text.c_str(), measured->bytes,
                predicted, 100 * error, note.c_str());
    ++checked;
  }
  std::printf("%d rows; median |error| %.2f %% over all rows, %.2f %% without the %zu old-rule exceptions\n", checked,
              100 * median(all_errors), 100 * median(regular_errors), all_errors.size() - regular_errors.size());
  EXPECT_GT(checked, 0);
}

// ---------------------------------------------------------------------------------------------
// c. Llama-3.1-8B, every mix of methods.md §1.3 (GB = 1e9, three decimals)
// ---------------------------------------------------------------------------------------------

TEST(AccuracyFileSize, Llama31_8bMatchesMethodsTable) {
  struct Row {
    const char* mix;
    double gb;
  };
  // methods.md §1.3 ([derived] per-tensor sum of llama-quant.cpp's rules); IQ4_XS is the imatrix column,
  // the way published i-quants are made (quants.yaml IQ4_XS).
  const std::vector<Row> rows = {
      {"Q2_K", 3.171},   {"Q3_K_S", 3.657}, {"Q3_K_M", 4.011}, {"Q3_K_L", 4.314}, {"IQ4_XS", 4.440},
      {"Q4_0", 4.653},   {"Q4_K_S", 4.685}, {"Q4_K_M", 4.913}, {"Q5_K_S", 5.591}, {"Q5_K_M", 5.725},
      {"Q6_K", 6.588},   {"Q8_0", 8.533},   {"F16", 16.061},
  };
  const CatalogModel& m = catalog().model("llama-3.1-8b");
  const TypeTable types = catalog().type_table();
  std::printf("\n%-8s %10s %12s %8s\n", "mix", "methods GB", "predicted GB", "error");
  for (const Row& r : rows) {
    SCOPED_TRACE(r.mix);
    const double got = to_gb(weight_bytes(m.spec, catalog().mix(r.mix).mix, types, false).total);
    std::printf("%-8s %10.3f %12.4f %+7.3f%%\n", r.mix, r.gb, got, 100 * (got / r.gb - 1));
    EXPECT_NEAR(got / r.gb, 1.0, 0.005);
  }
}

// ---------------------------------------------------------------------------------------------
// d. KV cache sizes printed by llama.cpp
// ---------------------------------------------------------------------------------------------

// Every llamacpp_log row is either checked (catalog id) or skipped with the reason. A row stands for the
// entries whose `model` and `quant` start with its prefixes ("" = any quant); the first that matches counts.
// The figure compared is the sum of the KV tensors the log prints ("KV self size" or the cache's "size"
// line), which ik_llama.cpp's CUDA buffers of a quantized cache exceed by a few hundredths of a MiB of
// allocation padding (tests/logs/test_measured_logs.cpp lists those as known gaps).
struct LogRow {
  const char* model_prefix;
  const char* quant_prefix;
  const char* catalog_id;  // "" = skipped
  const char* why;
};
const std::vector<LogRow> kLogRows = {
    {"Qwen3-235B-A22B", "", "qwen3-235b-a22b", "GQA 64/4 x 128, 94 full-attention layers (the -128K upload only changes rope)"},
    {"DeepSeek-R1", "", "deepseek-v3",
     "ik_llama.cpp with mla_attn 2 or 3 caches only the 512 + 64 latent (\"kv^T: not used\"), the layout of mainline "
     "llama.cpp since PR #19067 that kv_cache() models"},
    {"DeepSeek-V3-0324", "Q2_K", "",
     "mainline build from before PR #19067: it caches V (61 x 512) beside the 576-wide latent, K 1098 + V 976 = 2074 "
     "MiB, where kv_cache() models today's V-less cache (1098 MiB)"},
    {"DeepSeek-V3-0324", "", "deepseek-v3", "ik_llama.cpp mla_attn 3: the latent only, 61 x 576 per cell"},
    {"Kimi-K2-Instruct", "Q8_0", "",
     "ik_llama.cpp with mla_attn 0 caches full per-head K (64 x 192) and V (64 x 128), 732 + 488 MiB at 512 cells, "
     "not the latent kv_cache() models (34.31 MiB)"},
    {"Kimi-K2-Instruct", "", "kimi-k2", "ik_llama.cpp mla_attn 3: the q8_0 latent only, 61 x 576 per cell"},
    {"Command-R 35B", "", "command-r", "identity inferred by the reference from 40 layers, MHA and rope base 8e6"},
    {"Qwen3-0.6B", "", "qwen3-0.6b", "28 layers, 8 KV heads x 128"},
    {"Llama-3.1-Nemotron-Ultra-253B", "", "", "deci architecture with per-layer head counts: not in the catalog"},
    {"LLaMA v2", "", "llama-2-13b", "40 layers x 40 heads x 128 (MHA); general.name and 12.881 GiB at Q8_0 give the 13B"},
    {"gpt-oss-20b", "MXFP4 (", "",
     "ik_llama.cpp allocates every layer at full context (no sliding-window cache) and the log does not show n_ctx"},
    {"gpt-oss-20b", "", "gpt-oss-20b",
     "mainline iSWA: 12 full layers x 131072 cells + 12 window layers x 768 (PAD(128 + 512, 256)), two size lines"},
    {"Meta-Llama-3.1-8B-Instruct", "", "llama-3.1-8b", "32 layers, 8 KV heads x 128; an iq4_nl K in one run"},
    {"Qwen3-30B-A3B", "", "qwen3-30b-a3b", "48 layers, 4 KV heads x 128"},
    {"Gemma-3-27B", "", "",
     "ik_llama.cpp allocates every layer at full context (no sliding-window cache): 62 x 32768 cells = 15872 MiB, "
     "where kv_cache() gives the 52 sliding layers PAD(1024 + 512, 256) cells (3184 MiB)"},
    {"GLM-Z1-Rumination-32B", "", "", "GLM-4-32B-0414 architecture: not in the catalog"},
};

const LogRow* log_row_for(const std::string& model, const std::string& quant) {
  for (const LogRow& r : kLogRows)
    if (model.rfind(r.model_prefix, 0) == 0 && quant.rfind(r.quant_prefix, 0) == 0) return &r;
  return nullptr;
}

// The KV total: "KV self size" (llama_kv_cache_unified / ik_llama) or the cache's "size" line (newer), summed
// over the two caches of an iSWA model (measured_memory.yaml keys them "size (non-SWA)" and "size (SWA)").
std::optional<double> logged_kv_mib(const YAML::Node& fields) {
  static const std::regex number(R"(^\s*'?([0-9]+\.[0-9]+) MiB.*)");
  static const std::regex size_line(R"(^llama_kv_cache[a-z_]*: size( \((non-)?SWA\))?$)");
  std::optional<double> sum;
  for (auto it = fields.begin(); it != fields.end(); ++it) {
    const std::string key = it->first.as<std::string>();
    if (key.find("KV self size") == std::string::npos && !std::regex_match(key, size_line)) continue;
    std::smatch m;
    const std::string value = it->second.as<std::string>();
    if (std::regex_match(value, m, number)) sum = sum.value_or(0) + std::stod(m[1]);
  }
  return sum;
}

// "K q8_0, V q8_0" -> {q8_0, q8_0}; "c^KV q8_0" (MLA latent) -> {q8_0, q8_0}.
std::optional<std::pair<std::string, std::string>> kv_types_of(const std::string& text) {
  std::smatch m;
  if (std::regex_search(text, m, std::regex(R"(K ([A-Za-z0-9_]+), V ([A-Za-z0-9_]+))"))) return std::make_pair(m[1].str(), m[2].str());
  if (std::regex_search(text, m, std::regex(R"(c\^KV ([A-Za-z0-9_]+))"))) return std::make_pair(m[1].str(), m[1].str());
  return std::nullopt;
}

TEST(AccuracyKvCache, LlamaCppLogsMatchToTheHundredthMiB) {
  REQUIRE_REFERENCE("measured_memory.yaml");
  const YAML::Node rows = YAML::LoadFile((kReference / "measured_memory.yaml").string());
  const TypeTable types = catalog().type_table();
  std::printf("\n%-18s %7s %-11s %12s %12s  %s\n", "model", "n_ctx", "K/V", "logged MiB", "kv_cache MiB", "");
  int checked = 0;
  for (const YAML::Node& row : rows) {
    if (row["kind"].as<std::string>() != "llamacpp_log") continue;
    const std::string model = row["model"].as<std::string>();
    SCOPED_TRACE(model + " (" + row["source"].as<std::string>() + ")");
    const LogRow* r = log_row_for(model, row["quant"].as<std::string>());
    ASSERT_NE(r, nullptr) << "unclassified llamacpp_log row: add it to kLogRows (checked or skipped, with the reason)";
    if (*r->catalog_id == '\0') {
      std::printf("%-18.18s %7s %-11s %12s %12s  skipped: %s\n", model.c_str(), "", "", "", "", r->why);
      continue;
    }
    const std::optional<double> logged = logged_kv_mib(row["fields"]);
    const auto kv = kv_types_of(row["kv_type"].as<std::string>());
    ASSERT_TRUE(logged.has_value()) << "no KV size line in the row";
    ASSERT_TRUE(kv.has_value()) << "cannot read kv_type '" << row["kv_type"].as<std::string>() << "'";
    const CatalogModel& m = catalog().model(r->catalog_id);
    Workload w;
    w.context = row["n_ctx"].as<std::int64_t>();
    w.parallel = 1;
    w.flash_attention = true;  // only matters for refusing a quantized V without it; the sizes do not depend on it
    // The window cache of an iSWA model holds PAD(n_swa + n_ubatch) cells: the row's n_ubatch line.
    for (auto it = row["fields"].begin(); it != row["fields"].end(); ++it) {
      const std::string key = it->first.as<std::string>();
      if (key.size() > 10 && key.substr(key.size() - 10) == ": n_ubatch") w.ubatch = std::stoll(it->second.as<std::string>());
    }
    const KvCache c = kv_cache(m.spec, w, types.get(kv->first), types.get(kv->second));
    const double got = to_mib(c.total);
    std::printf("%-18s %7lld %-11s %12.2f %12.4f  %s\n", r->catalog_id, static_cast<long long>(w.context),
                (kv->first + "/" + kv->second).c_str(), *logged, got, r->why);
    // llama.cpp prints MiB with two decimals: equal after rounding means within half a hundredth.
    EXPECT_NEAR(got, *logged, 0.005 + 1e-9);
    ++checked;
  }
  EXPECT_EQ(checked, 20);  // of the 26 llamacpp_log rows (8, and 18 added 2026-12), 6 are skipped
}

}  // namespace
