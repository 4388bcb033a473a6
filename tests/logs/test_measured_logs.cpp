// The llama.cpp log excerpts of shared/reference/measured_memory.yaml (kind llamacpp_log): each entry's
// `fields` are put back into log lines ("PREFIX: KEY = VALUE"), read with parse_runtime_log, and
//   a. every buffer size, n_ctx, n_ubatch and offload count the excerpt holds must be read back exactly;
//   b. where the catalog has the model and the excerpt names the context and KV types, vramfit's KV
//      cache (kv_cache.hpp) must equal the logged KV buffers (the term docs/validate.md reports as exact);
//   c. the compute and output buffers of the excerpts whose weights stay in host memory beside a GPU
//      (llama.cpp's op offload, placement.hpp) against the logged sizes.
// b. and c. classify every excerpt in a row table: checked, skipped (the reason says why the estimate
// does not apply) or a known gap (the estimate should apply and is off; the reason gives the error).
// Skips when shared/reference is not beside the repository (like tests/catalog/test_catalog_accuracy.cpp).
#include <cstdio>
#include <filesystem>
#include <map>
#include <regex>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "catalog/catalog.hpp"
#include "catalog/compiled.hpp"
#include "formats/runtime_log.hpp"
#include "vramfit/kv_cache.hpp"
#include "vramfit/mla_layout.hpp"
#include "vramfit/placement.hpp"

namespace {

using namespace vramfit;
using namespace vramfit::io;

const std::filesystem::path kReference = VRAMFIT_REFERENCE_DIR;

struct Excerpt {
  std::string model;
  std::string quant;
  std::string text;  // the fields as log lines
  YAML::Node fields;
  YAML::Node item;
};

// measured_memory.yaml keeps the keys of a `fields` map unique with " #2" or, for the two caches of an
// iSWA model, " (non-SWA)" / " (SWA)". Neither is log text: llama-kv-cache.cpp prints "<buf> KV buffer
// size = ..." and "size = ..." alike for both caches (llama_kv_cache_iswa announces each one before).
std::string log_key(const std::string& yaml_key) {
  static const std::regex note(" #[0-9]+$| \\((non-)?SWA\\)$");
  return std::regex_replace(yaml_key, note, "");
}

// "load_tensors: CPU_Mapped model buffer size #2": 47433.32 MiB -> "load_tensors: CPU_Mapped model
// buffer size = 47433.32 MiB"; "...: offloaded": 0/95 layers to GPU -> "...: offloaded 0/95 layers to GPU".
std::vector<Excerpt> excerpts() {
  std::vector<Excerpt> out;
  const YAML::Node root = YAML::LoadFile((kReference / "measured_memory.yaml").string());
  for (const YAML::Node& item : root) {
    if (item["kind"].as<std::string>() != "llamacpp_log") continue;
    Excerpt e;
    e.model = item["model"].as<std::string>();
    e.quant = item["quant"].as<std::string>();
    e.fields = item["fields"];
    e.item = item;
    for (const auto& kv : e.fields) {
      std::string key = log_key(kv.first.as<std::string>());
      const std::string value = kv.second.as<std::string>();
      const std::size_t colon = key.find(':');
      if (colon == std::string::npos) {
        e.text += key + ": " + value + "\n";
        continue;
      }
      const std::string name = key.substr(colon + 2);
      e.text += name == "offloaded" ? key + " " + value + "\n" : key + " = " + value + "\n";
    }
    out.push_back(std::move(e));
  }
  return out;
}

#define REQUIRE_REFERENCE()                                                                         \
  do {                                                                                              \
    if (!std::filesystem::exists(kReference / "measured_memory.yaml"))                             \
      GTEST_SKIP() << "reference data not found: " << (kReference / "measured_memory.yaml").string() \
                   << " (shared/reference must sit beside the repository)";                       \
  } while (0)

// The workload an excerpt ran: its n_ctx and n_ubatch, flash attention (from the entry where the excerpt
// has no flash_attn line, as Qwen3-0.6B's: "off (flash_attn = 0)"), the KV types of its kv_size / KV self
// size line, f16 where it prints none (an MLA latent prints only its K side, "c^KV (q8_0)").
Workload workload_of(const Excerpt& e) {
  const LlamaCppLog L = parse_runtime_log(e.text, "excerpt.log").llama;
  Workload w;
  w.context = L.n_ctx.value;
  if (L.n_ubatch.known()) w.ubatch = L.n_ubatch.value;
  w.flash_attention = L.flash_attn.known() ? L.flash_attn.value != "0"
                                           : e.item["flash_attn"].as<std::string>().rfind("on", 0) == 0;
  w.kv_type_k = L.type_k.known() ? L.type_k.value : "f16";
  w.kv_type_v = L.type_v.known() ? L.type_v.value : "f16";
  return w;
}

double number(const std::string& s) { return std::stod(s.substr(0, s.find(' '))); }

// How a test uses an excerpt.
enum class Use {
  check,  // the estimate must equal the logged figure within the test's tolerance
  skip,   // the estimate does not apply to this excerpt; the reason says why
  gap,    // the estimate should apply and is off: a known gap, the reason gives the error
};

// The excerpts a row stands for: the start of the entry's `model` and `quant` ("" = any) and, where one
// model and file ran twice, its offload line ("" = any). The first row that matches counts.
struct Match {
  const char* model;
  const char* quant = "";
  const char* offloaded = "";
};

template <class Row, std::size_t N>
const Row* row_for(const Row (&rows)[N], const Excerpt& e) {
  for (const Row& r : rows) {
    const Match& m = r.match;
    if (e.model.rfind(m.model, 0) == 0 && e.quant.rfind(m.quant, 0) == 0 &&
        (*m.offloaded == '\0' || e.text.find(std::string("offloaded ") + m.offloaded + " ") != std::string::npos))
      return &r;
  }
  return nullptr;
}

TEST(MeasuredLogs, EveryFigureIsReadBack) {
  REQUIRE_REFERENCE();
  const std::vector<Excerpt> all = excerpts();
  // The llamacpp_log entries of measured_memory.yaml: the first 8, and 18 more added 2026-12.
  ASSERT_EQ(all.size(), 26u);
  for (const Excerpt& e : all) {
    SCOPED_TRACE(e.model + " " + e.quant);
    const RuntimeLog log = parse_runtime_log(e.text, "excerpt.log");
    ASSERT_EQ(log.kind, LogKind::llamacpp);
    std::map<std::string, double> want, got;  // "what device" -> MiB
    for (const auto& kv : e.fields) {
      const std::string key = log_key(kv.first.as<std::string>());
      std::smatch m;
      if (!std::regex_search(key, m, std::regex(": (\\S+) (?:(model|KV|compute|output) )?buffer size$"))) continue;
      std::string what = m[2].matched ? m[2].str() : "model";
      if (what == "KV") what = "kv";
      want[what + " " + m[1].str()] += number(kv.second.as<std::string>());
    }
    for (const LogBuffer& b : log.llama.buffers) got[b.what + " " + b.device] += b.mib;
    ASSERT_FALSE(want.empty());
    EXPECT_EQ(got.size(), want.size());
    for (const auto& [k, v] : want) EXPECT_NEAR(got[k], v, 1e-9) << k;
    const YAML::Node n_ctx = e.item["n_ctx"];
    if (n_ctx && !n_ctx.IsNull()) {
      EXPECT_EQ(log.llama.n_ctx.value, n_ctx.as<std::int64_t>());
    }
    for (const auto& kv : e.fields) {
      const std::string key = kv.first.as<std::string>();
      if (key.size() > 10 && key.substr(key.size() - 10) == "offloaded") {
        const std::string v = kv.second.as<std::string>();
        EXPECT_EQ(log.llama.offloaded.value, std::stoll(v.substr(0, v.find('/'))));
        EXPECT_EQ(log.llama.offloadable.value, std::stoll(v.substr(v.find('/') + 1)));
      }
      if (key.size() > 8 && key.substr(key.size() - 8) == "n_ubatch") {
        EXPECT_EQ(log.llama.n_ubatch.value, std::stoll(kv.second.as<std::string>()));
      }
    }
  }
}

// b. Every excerpt -> the catalog model whose kv_cache() is compared with the logged KV buffers.
// Known gaps: ik_llama.cpp's CUDA buffers of a quantized (q8_0) K cache hold a little more than the
// tensors, which its "KV self size" line and kv_cache() both count exactly (tests/catalog's
// AccuracyKvCache checks that line): allocation padding of the CUDA buffer type that vramfit does not
// model; the CPU buffer of the same run holds no such extra.
struct KvRow {
  Match match;
  const char* catalog_id;  // "" where skipped
  Use use;
  const char* why;
};
constexpr KvRow kKvRows[] = {
    {{"Qwen3-235B-A22B", "IQ3_K"}, "qwen3-235b-a22b", Use::gap,
     "known gap, CUDA buffer padding: kv_cache() 3196.00 MiB (q8_0, 32768) vs 3196.05 logged (+0.05 MiB); 9212.00 vs "
     "9212.04 (+0.04; q8_0 K, f16 V, 65536) where the CPU buffer holds its 31 of 94 layers in exactly 3038.00 and "
     "each CUDA buffer 0.02 more"},
    {{"Qwen3-235B-A22B"}, "qwen3-235b-a22b", Use::check, "94 layers x 4 KV heads x 128 (the -128K upload only changes rope)"},
    {{"DeepSeek-R1"}, "deepseek-v3", Use::check,
     "ik_llama.cpp with mla_attn 2 or 3 caches only the 512 + 64 latent (\"kv^T: not used\"), the layout of mainline "
     "since PR #19067 that kv_cache() models"},
    {{"DeepSeek-V3-0324", "Q2_K"}, "deepseek-v3", Use::check,
     "mainline build from before PR #19067: V (61 x 512) beside the 576-wide latent, K 1098 + V 976 = 2074 MiB "
     "(mla_layout.hpp latent_kv; today's V-less cache would be 1098)"},
    {{"DeepSeek-V3-0324", "Q4_K_M (379"}, "deepseek-v3", Use::gap,
     "known gap, CUDA buffer padding: kv_cache() 4666.50 MiB (q8_0 latent, 131072 cells) vs 4666.53 logged (+0.03 MiB)"},
    {{"DeepSeek-V3-0324"}, "deepseek-v3", Use::check, "ik_llama.cpp mla_attn 3: the f16 latent, 61 x 576"},
    {{"Kimi-K2-Instruct", "IQ3_XXS"}, "kimi-k2", Use::gap,
     "known gap, CUDA buffer padding: kv_cache() 72.91 MiB (q8_0 latent, 2048 cells) vs 37.07 + 35.87 = 72.94 logged "
     "(+0.03 MiB)"},
    {{"Kimi-K2-Instruct", "Q8_0"}, "kimi-k2", Use::check,
     "ik_llama.cpp with mla_attn 0: full per-head K (64 x 192) and V (64 x 128), 732 + 488 MiB at 512 cells "
     "(mla_layout.hpp full; the latent alone would be 34.31 MiB)"},
    {{"Llama-3.1-Nemotron-Ultra-253B"}, "", Use::skip, "deci architecture with per-layer head counts: not in the catalog"},
    {{"LLaMA v2"}, "llama-2-13b", Use::check, "40 layers x 40 heads x 128 (MHA)"},
    {{"Command-R 35B"}, "command-r", Use::check, "identity inferred by the reference from 40 layers, MHA and rope base 8e6"},
    {{"gpt-oss-20b", "MXFP4 ("}, "", Use::skip,
     "ik_llama.cpp allocates every layer at full context (no sliding-window cache) and the excerpt does not print n_ctx"},
    {{"gpt-oss-20b"}, "gpt-oss-20b", Use::check,
     "mainline iSWA: 12 full layers x 131072 cells + 12 window layers x 768 (PAD(128 + 512, 256))"},
    {{"Qwen3-0.6B"}, "qwen3-0.6b", Use::check, "28 layers, 8 KV heads x 128"},
    {{"Meta-Llama-3.1-8B-Instruct"}, "llama-3.1-8b", Use::check, "32 layers, 8 KV heads x 128; an iq4_nl K in one run"},
    {{"Qwen3-30B-A3B"}, "qwen3-30b-a3b", Use::check, "48 layers, 4 KV heads x 128"},
    {{"Gemma-3-27B"}, "", Use::skip,
     "ik_llama.cpp allocates every layer at full context (no sliding-window cache): 62 x 32768 cells = 15872 MiB, "
     "where kv_cache() gives the 52 sliding layers PAD(1024 + 512, 256) cells (3184 MiB)"},
    {{"GLM-Z1-Rumination-32B"}, "", Use::skip, "GLM-4-32B-0414 architecture: not in the catalog"},
};

TEST(MeasuredLogs, KvCacheEqualsTheLoggedBuffers) {
  REQUIRE_REFERENCE();
  const Catalog cat = compiled_catalog();
  const TypeTable types = cat.type_table();
  int checked = 0, gaps = 0;
  for (const Excerpt& e : excerpts()) {
    SCOPED_TRACE(e.model + " " + e.quant);
    const KvRow* row = row_for(kKvRows, e);
    ASSERT_NE(row, nullptr) << "unclassified excerpt: add it to kKvRows (checked, skipped or a known gap, with the reason)";
    if (row->use == Use::skip) continue;
    const RuntimeLog log = parse_runtime_log(e.text, "excerpt.log");
    const LlamaCppLog& L = log.llama;
    const CatalogModel* cm = cat.find_model(row->catalog_id);
    ASSERT_NE(cm, nullptr);
    const Workload w = workload_of(e);
    KvCache kv = kv_cache(cm->spec, w, types.get(w.kv_type_k), types.get(w.kv_type_v));
    // An MLA excerpt that prints a V cache holds an older layout, told by its K : V sizes (as validate does).
    if (cm->spec.count_layers([](LayerKind k) { return k == LayerKind::mla; }) > 0 && L.kv_v_mib.known())
      kv = with_mla_layout(kv, cm->spec,
                           mla_layout_of(cm->spec, types.get(w.kv_type_k), types.get(w.kv_type_v), L.kv_k_mib.value, L.kv_v_mib.value),
                           types.get(w.kv_type_k), types.get(w.kv_type_v));
    double logged = 0;
    for (const LogBuffer& b : L.buffers)
      if (b.what == "kv") logged += b.mib;
    const double estimate = double(kv.total.value()) / (1024.0 * 1024.0);
    if (row->use == Use::gap) {
      std::printf("%-34.34s kv_cache %9.2f MiB, logged %9.2f: %s\n", e.model.c_str(), estimate, logged, row->why);
      ++gaps;
      continue;
    }
    EXPECT_NEAR(estimate, logged, 0.01);
    ++checked;
  }
  // Qwen3-235B x 3, DeepSeek-R1 x 2, DeepSeek-V3-0324 (f16 latent; latent + V), Kimi-K2 Q8_0 (per-head K
  // and V), Llama 2 13B, Command-R, gpt-oss-20b (mainline), Qwen3-0.6B, Llama 3.1 8B x 3, Qwen3-30B-A3B x 3.
  EXPECT_EQ(checked, 18);
  EXPECT_EQ(gaps, 4);  // Qwen3-235B IQ3_K x 2, DeepSeek-V3-0324 q8_0, Kimi-K2 IQ3_XXS
}

// c. Weights in host memory beside a CUDA GPU. Expected values are the logged sizes; by hand
// (MiB; logits 4 x n_vocab x 512, inputs 4 x d x 512, the copied output matrix at its file type):
//   Qwen3-0.6B Q4_K_M, FA off, 4096 cells, -ngl 0: GPU 296.75 + 2 x 2 + 121.71 (tied token_embd, Q6_K)
//     = 422.46 (logged 422.92); host 2 x 2 + mask 8 = 12 (12.01); output 151936 x 4 B = 0.58 (0.58).
//   Llama 2 13B Q8_0, FA off, 512 cells, -ngl 0: GPU 62.5 + 2 x 10 + 166.02 (Q8_0) = 248.52 (248.54);
//     host 2 x 10 + 1 = 21 (21.01); output 32000 x 4 B = 0.12 (0.12).
//   Qwen3-235B-A22B Q6_K, FA on, q8_0 KV, 16384 cells, -ngl 0: GPU 296.75 + 2 x 8 + 486.84 = 799.59
//     (logged 742.00: +7.8 %, its CPU compute buffer of 304.75 = logits + inputs shows that this run
//     computed the head on the CPU); host 2 x 8 + 48 = 64 (CUDA_Host 65.01).
//   Qwen3-235B-A22B, every block on the GPU, experts in host memory: GPU 8 + 16 + the MoE FFN's
//     intermediates 88 (the down projection's [4096, 8, 512] f32 output, 64, beside the gated product
//     [1536, 8, 512], 24: runtime.hpp ffn_live_values) + one Q6_K expert stack of 630.00 = 742.00
//     (logged 774.00: -4.1 %; before the FFN term counted gate + up only, 48: 702.00, -9.3 %).
//   Known gap, the same placement of the Q8_0 file (232.77 GiB, as the catalog's Q8_0) at 32768 f16 cells:
//     GPU 8 + mask 32 + 88 + one Q8_0 expert stack of 128 x 4096 x 1536 x 34/32 B = 816.00, 944.00 in all
//     against 1024.00 logged (-7.8 %; -11.7 % before). Both would be within 1.6 % if the GPU also held
//     the f32 mask the f16 one is cast from (774.00 exactly, and 1008.00), which one excerpt more would
//     have to confirm.
// Excerpts with no host weights beside a GPU, or with several GPUs, are out of this test's scope.
struct ComputeRow {
  Match match;
  Use use;
  const char* why;
  const char* catalog_id = "";
  const char* mix = "";
  std::int64_t ngl = 0;
  bool cpu_moe = false;
  double gpu_tolerance = 0;  // relative
};
const ComputeRow kComputeRows[] = {
    {{"Qwen3-0.6B", "", "0/29"}, Use::check, "-ngl 0 beside one GPU", "qwen3-0.6b", "Q4_K_M", 0, false, 0.002},
    {{"LLaMA v2", "", "0/41"}, Use::check, "-ngl 0 beside one GPU", "llama-2-13b", "Q8_0", 0, false, 0.002},
    {{"Qwen3-235B-A22B-128K", "Q6_K", "0/95"}, Use::check, "-ngl 0 beside one GPU (+7.8 %, above)", "qwen3-235b-a22b",
     "Q6_K", 0, false, 0.08},
    {{"Qwen3-235B-A22B-128K", "Q6_K", "95/95"}, Use::check, "experts in host memory beside one GPU (-4.1 %, above)",
     "qwen3-235b-a22b", "Q6_K", 95, true, 0.05},
    {{"Qwen3-235B-A22B", "Q8_0", "95/95"}, Use::gap,
     "known gap: GPU compute buffer 944.00 MiB estimated vs 1024.00 logged (-7.8 %), experts in host memory beside "
     "one GPU at 32768 cells",
     "qwen3-235b-a22b", "Q8_0", 95, true},
    {{"Qwen3-235B-A22B", "IQ3_K", "95/95"}, Use::skip,
     "IQ3_K (an ik_llama.cpp file type) is not in the catalog: the copied expert stack has no known size"},
    {{"DeepSeek-V3-0324", "Q4_K_M (357"}, Use::skip,
     "the file (357.62 GiB of tensors, 4.578 BPW) is not llama.cpp's Q4_K_M mix (376.65 GiB for DeepSeek-V3): the "
     "copied expert stack has no known size"},
    {{"Qwen3-235B-A22B", "IQ3_K", "63/95"}, Use::skip, "32 blocks in host memory beside two GPUs: this test places one"},
    {{"Qwen3-30B-A3B", "Q4_K_M (file type"}, Use::skip, "experts in host memory beside two GPUs: this test places one"},
    {{"DeepSeek-V3-0324"}, Use::skip, "experts in host memory beside two (Q4_K_M) or four (Q2_K) GPUs: this test places one"},
    {{"Kimi-K2-Instruct", "IQ3_XXS"}, Use::skip, "experts in host memory beside two GPUs: this test places one"},
    {{"DeepSeek-R1-0528"}, Use::skip, "CPU only: no GPU"},
    {{"Kimi-K2-Instruct", "Q8_0"}, Use::skip, "CPU only: no GPU"},
    {{"GLM-Z1-Rumination-32B"}, Use::skip, "CPU only: no GPU"},
    {{"gpt-oss-20b", "MXFP4 ("}, Use::skip, "no weight buffers in the excerpt, and its compute buffer failed to allocate"},
    {{"gpt-oss-20b"}, Use::skip, "every block on the GPU (25/25, Metal)"},
    {{"DeepSeek-R1"}, Use::skip, "every block on the GPUs (62/62 over 15)"},
    {{"Llama-3.1-Nemotron-Ultra-253B"}, Use::skip, "every block on the GPUs (163/163 over 4)"},
    {{"Command-R 35B"}, Use::skip, "every block on the GPUs (41/41 over 2)"},
    {{"Meta-Llama-3.1-8B-Instruct"}, Use::skip, "every block on the GPU (33/33); host memory holds token_embd only"},
    {{"Qwen3-30B-A3B"}, Use::skip, "every block and expert on the GPUs (49/49); host memory holds token_embd only"},
    {{"Gemma-3-27B"}, Use::skip, "every block on the GPU (63/63); host memory holds token_embd only"},
};

TEST(MeasuredLogs, ComputeBuffersWithHostWeightsBesideAGpu) {
  REQUIRE_REFERENCE();
  const Catalog cat = compiled_catalog();
  const TypeTable types = cat.type_table();
  int checked = 0, gaps = 0;
  for (const Excerpt& x : excerpts()) {
    SCOPED_TRACE(x.model + " " + x.quant);
    const ComputeRow* r = row_for(kComputeRows, x);
    ASSERT_NE(r, nullptr) << "unclassified excerpt: add it to kComputeRows (checked, skipped or a known gap, with the reason)";
    if (r->use == Use::skip) continue;
    const LlamaCppLog L = parse_runtime_log(x.text, "excerpt.log").llama;
    const CatalogModel* cm = cat.find_model(r->catalog_id);
    ASSERT_NE(cm, nullptr);
    const Workload w = workload_of(x);
    const MemoryEstimate e = estimate_memory(cm->spec, cat.mix(r->mix).mix, types, w);
    PlacementRequest req;
    req.gpus.resize(1);
    req.gpus[0].label = "CUDA0";
    req.op_offload = true;
    req.cpu_moe_layers = r->cpu_moe ? cm->spec.layers : 0;
    const Placement p = place_layers(cm->spec, e, req, r->ngl);
    double gpu = 0, out = 0;
    for (const LogBuffer& b : L.buffers) {
      if (b.what == "compute" && b.device == "CUDA0") gpu += b.mib;
      if (b.what == "output") out += b.mib;
    }
    const double MiB = 1024.0 * 1024.0;
    if (out > 0) {
      EXPECT_NEAR(double(p.host.output_buffer.value()) / MiB, out, 0.005);
    }
    if (r->use == Use::gap) {
      std::printf("%-34.34s GPU compute %8.2f MiB, logged %8.2f: %s\n", x.model.c_str(),
                  double(p.gpus[0].compute.value()) / MiB, gpu, r->why);
      ++gaps;
      continue;
    }
    EXPECT_NEAR(double(p.gpus[0].compute.value()) / MiB, gpu, gpu * r->gpu_tolerance);
    if (!r->cpu_moe) {  // the CUDA_Host buffer; the 235B excerpt also has a CPU one (see above)
      double cuda_host = 0;
      for (const LogBuffer& b : L.buffers)
        if (b.what == "compute" && b.device == "CUDA_Host") cuda_host += b.mib;
      EXPECT_NEAR(double(p.host.compute.value()) / MiB, cuda_host, std::max(0.02, cuda_host * 0.02));
    }
    ++checked;
  }
  EXPECT_EQ(checked, 4);
  EXPECT_EQ(gaps, 1);
}

}  // namespace
