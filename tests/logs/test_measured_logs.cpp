// The llama.cpp log excerpts of shared/reference/measured_memory.yaml (kind llamacpp_log): each entry's
// `fields` are put back into log lines ("PREFIX: KEY = VALUE"), read with parse_runtime_log, and
//   a. every buffer size, n_ctx, n_ubatch and offload count the excerpt holds must be read back exactly;
//   b. where the catalog has the model and the excerpt names the context and KV types, vramfit's KV
//      cache (kv_cache.hpp) must equal the logged KV buffers (the term docs/validate.md reports as exact);
//   c. the compute and output buffers of the excerpts whose weights stay in host memory beside a GPU
//      (llama.cpp's op offload, placement.hpp) against the logged sizes.
// Skips when shared/reference is not beside the repository (like tests/catalog/test_catalog_accuracy.cpp).
#include <filesystem>
#include <map>
#include <regex>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "catalog/catalog.hpp"
#include "catalog/compiled.hpp"
#include "formats/runtime_log.hpp"
#include "vramfit/kv_cache.hpp"
#include "vramfit/placement.hpp"

namespace {

using namespace vramfit;
using namespace vramfit::io;

const std::filesystem::path kReference = VRAMFIT_REFERENCE_DIR;

struct Excerpt {
  std::string model;
  std::string text;  // the fields as log lines
  YAML::Node fields;
  YAML::Node item;
};

// "load_tensors: CPU_Mapped model buffer size #2": 47433.32 MiB -> "load_tensors: CPU_Mapped model
// buffer size = 47433.32 MiB"; "...: offloaded": 0/95 layers to GPU -> "...: offloaded 0/95 layers to GPU".
std::vector<Excerpt> excerpts() {
  std::vector<Excerpt> out;
  const YAML::Node root = YAML::LoadFile((kReference / "measured_memory.yaml").string());
  for (const YAML::Node& item : root) {
    if (item["kind"].as<std::string>() != "llamacpp_log") continue;
    Excerpt e;
    e.model = item["model"].as<std::string>();
    e.fields = item["fields"];
    e.item = item;
    for (const auto& kv : e.fields) {
      std::string key = std::regex_replace(kv.first.as<std::string>(), std::regex(" #[0-9]+$"), "");
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

// The workload an excerpt ran: its n_ctx, flash attention (from the entry where the excerpt has no
// flash_attn line, as Qwen3-0.6B's: "off (flash_attn = 0)"), the KV types of its kv_size / KV self
// size line, f16 where it prints none.
Workload workload_of(const Excerpt& e) {
  const LlamaCppLog L = parse_runtime_log(e.text, "excerpt.log").llama;
  Workload w;
  w.context = L.n_ctx.value;
  w.flash_attention = L.flash_attn.known() ? L.flash_attn.value != "0"
                                           : e.item["flash_attn"].as<std::string>().rfind("on", 0) == 0;
  w.kv_type_k = L.type_k.known() ? L.type_k.value : "f16";
  w.kv_type_v = L.type_v.known() ? L.type_v.value : "f16";
  return w;
}

double number(const std::string& s) { return std::stod(s.substr(0, s.find(' '))); }

TEST(MeasuredLogs, EveryFigureIsReadBack) {
  REQUIRE_REFERENCE();
  const std::vector<Excerpt> all = excerpts();
  ASSERT_EQ(all.size(), 8u);  // the llamacpp_log entries of measured_memory.yaml
  for (const Excerpt& e : all) {
    SCOPED_TRACE(e.model);
    const RuntimeLog log = parse_runtime_log(e.text, "excerpt.log");
    ASSERT_EQ(log.kind, LogKind::llamacpp);
    std::map<std::string, double> want, got;  // "what device" -> MiB
    for (const auto& kv : e.fields) {
      const std::string key = std::regex_replace(kv.first.as<std::string>(), std::regex(" #[0-9]+$"), "");
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
        EXPECT_EQ(log.llama.n_ubatch.value, 512);
      }
    }
  }
}

// Excerpt -> catalog model, for the entries whose KV cache vramfit models the way that build allocated it.
// gpt-oss-20b (ik_llama.cpp caches its sliding layers at full length, no n_ctx line), DeepSeek-R1
// (ik_llama.cpp's MLA latent cache with its own layout) and Nemotron Ultra (not in the catalog) are
// left out; docs/validate.md lists their figures.
struct KvRow {
  const char* model_prefix;
  const char* catalog_id;
};
constexpr KvRow kKvRows[] = {
    {"Qwen3-235B-A22B", "qwen3-235b-a22b"},
    {"LLaMA v2", "llama-2-13b"},
    {"Command-R 35B", "command-r"},
    {"Qwen3-0.6B", "qwen3-0.6b"},
};

TEST(MeasuredLogs, KvCacheEqualsTheLoggedBuffers) {
  REQUIRE_REFERENCE();
  const Catalog cat = compiled_catalog();
  const TypeTable types = cat.type_table();
  int checked = 0;
  for (const Excerpt& e : excerpts()) {
    const KvRow* row = nullptr;
    for (const KvRow& r : kKvRows)
      if (e.model.rfind(r.model_prefix, 0) == 0) row = &r;
    if (row == nullptr) continue;
    SCOPED_TRACE(e.model);
    const RuntimeLog log = parse_runtime_log(e.text, "excerpt.log");
    const LlamaCppLog& L = log.llama;
    const CatalogModel* cm = cat.find_model(row->catalog_id);
    ASSERT_NE(cm, nullptr);
    const Workload w = workload_of(e);
    const KvCache kv = kv_cache(cm->spec, w, types.get(w.kv_type_k), types.get(w.kv_type_v));
    double logged = 0;
    for (const LogBuffer& b : L.buffers)
      if (b.what == "kv") logged += b.mib;
    EXPECT_NEAR(double(kv.total.value()) / (1024.0 * 1024.0), logged, 0.01);
    ++checked;
  }
  EXPECT_EQ(checked, 5);  // two Qwen3-235B excerpts, Llama 2 13B, Command-R, Qwen3-0.6B
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
//   Qwen3-235B-A22B, every block on the GPU, experts in host memory: GPU 8 + 16 + 48 + one Q6_K expert
//     stack of 630.00 = 702.00 (logged 774.00: -9.3 %, the MoE FFN's own intermediates, which the FFN
//     term counts as gate + up only).
TEST(MeasuredLogs, ComputeBuffersWithHostWeightsBesideAGpu) {
  REQUIRE_REFERENCE();
  const Catalog cat = compiled_catalog();
  const TypeTable types = cat.type_table();
  struct Row {
    const char* model_prefix;
    const char* offloaded;  // the excerpt's offload line
    const char* catalog_id;
    const char* mix;
    std::int64_t ngl;
    bool cpu_moe;
    double gpu_tolerance;  // relative
  };
  const Row rows[] = {
      {"Qwen3-0.6B", "0/29", "qwen3-0.6b", "Q4_K_M", 0, false, 0.002},
      {"LLaMA v2", "0/41", "llama-2-13b", "Q8_0", 0, false, 0.002},
      {"Qwen3-235B-A22B", "0/95", "qwen3-235b-a22b", "Q6_K", 0, false, 0.08},
      {"Qwen3-235B-A22B", "95/95", "qwen3-235b-a22b", "Q6_K", 95, true, 0.10},
  };
  int checked = 0;
  for (const Excerpt& x : excerpts()) {
    for (const Row& r : rows) {
      if (x.model.rfind(r.model_prefix, 0) != 0 || x.text.find(std::string("offloaded ") + r.offloaded) == std::string::npos)
        continue;
      SCOPED_TRACE(x.model + " " + r.offloaded);
      const LlamaCppLog L = parse_runtime_log(x.text, "excerpt.log").llama;
      const CatalogModel* cm = cat.find_model(r.catalog_id);
      ASSERT_NE(cm, nullptr);
      const Workload w = workload_of(x);
      const MemoryEstimate e = estimate_memory(cm->spec, cat.mix(r.mix).mix, types, w);
      PlacementRequest req;
      req.gpus.resize(1);
      req.gpus[0].label = "CUDA0";
      req.op_offload = true;
      req.cpu_moe_layers = r.cpu_moe ? cm->spec.layers : 0;
      const Placement p = place_layers(cm->spec, e, req, r.ngl);
      double gpu = 0, host = 0, out = 0;
      for (const LogBuffer& b : L.buffers) {
        if (b.what == "compute") (b.device == "CUDA0" ? gpu : host) += b.mib;
        if (b.what == "output") out += b.mib;
      }
      const double MiB = 1024.0 * 1024.0;
      EXPECT_NEAR(double(p.gpus[0].compute.value()) / MiB, gpu, gpu * r.gpu_tolerance);
      if (!r.cpu_moe) {  // the CUDA_Host buffer; the 235B excerpt also has a CPU one (see above)
        double cuda_host = 0;
        for (const LogBuffer& b : L.buffers)
          if (b.what == "compute" && b.device == "CUDA_Host") cuda_host += b.mib;
        EXPECT_NEAR(double(p.host.compute.value()) / MiB, cuda_host, std::max(0.02, cuda_host * 0.02));
      }
      if (out > 0) {
        EXPECT_NEAR(double(p.host.output_buffer.value()) / MiB, out, 0.005);
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, 4);
}

}  // namespace
