// Google Benchmark for the core and the catalog. Targets (issue 2 / 8): one `fit` query <= 5 ms wall
// (measured end to end by bench/cli_latency.sh), the whole catalog table (models x devices x quants x
// contexts) <= 100 ms.
#include <benchmark/benchmark.h>

#include "catalog/catalog.hpp"
#include "catalog/compiled.hpp"
#include "catalog/embedded.hpp"
#include "vramfit/llamacpp_graph.hpp"
#include "vramfit/speed.hpp"

namespace {

using namespace vramfit;

const io::Catalog& catalog() {
  static const io::Catalog cat = io::compiled_catalog();
  return cat;
}
const TypeTable& types() {
  static const TypeTable t = catalog().type_table();
  return t;
}

void BM_CompiledCatalog(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(io::compiled_catalog());
}
BENCHMARK(BM_CompiledCatalog)->Unit(benchmark::kMicrosecond);

void BM_YamlCatalog(benchmark::State& state) {
  for (auto _ : state) {
    io::Catalog cat;
    io::Diagnostics diag;
    for (const io::EmbeddedFile& f : io::embedded_catalog())
      io::load_catalog_text(cat, std::string(f.name), std::string(f.name), std::string(f.text), diag);
    benchmark::DoNotOptimize(cat);
  }
}
BENCHMARK(BM_YamlCatalog)->Unit(benchmark::kMillisecond);

void BM_WeightBytes(benchmark::State& state) {
  const ModelSpec& m = catalog().model(state.range(0) ? "deepseek-v3" : "llama-3.1-8b").spec;
  const QuantMix& q = catalog().mix("Q4_K_M").mix;
  for (auto _ : state) benchmark::DoNotOptimize(weight_bytes(m, q, types()));
}
BENCHMARK(BM_WeightBytes)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

void BM_FitQuery(benchmark::State& state) {
  const ModelSpec& m = catalog().model("llama-3.1-70b").spec;
  const QuantMix& q = catalog().mix("Q4_K_M").mix;
  const Device& d = catalog().device("rtx-4090").device;
  Workload w;
  w.context = 8192;
  PlacementRequest req;
  req.gpus.push_back(Target{"rtx-4090", d.capacity(), Bytes{0}, mib(457), d.bandwidth()});
  for (auto _ : state) {
    const MemoryEstimate e = estimate_memory(m, q, types(), w);
    const Placement p = place(m, e, req);  // partial offload: searches -ngl
    benchmark::DoNotOptimize(decode_upper_bound(m, e, p, w.context));
  }
}
BENCHMARK(BM_FitQuery)->Unit(benchmark::kMicrosecond);

// The CPU compute buffer replayed over llama.cpp's reserve graph (llamacpp_graph.hpp) at 8192 tokens
// of context: a 32-block dense model, a 48-block MoE with 8 of 128 experts per token, DeepSeek V3's
// 61 blocks of latent attention, Qwen3-Next's 48 delta-net and attention blocks, Qwen3-VL 8B's DeepStack
// inputs and Gemma 4 E2B's 35 blocks with per-layer inputs (its sliding cache: the window + a ubatch).
void BM_LlamacppCpuCompute(benchmark::State& state) {
  const char* ids[] = {"llama-3.1-8b", "qwen3-30b-a3b", "deepseek-v3", "qwen3-next-80b-a3b", "qwen3-vl-8b", "gemma-4-e2b"};
  const ModelSpec& m = catalog().model(ids[state.range(0)]).spec;
  Workload w;
  w.context = 8192;
  const LlamaGraphCache kv{w.context, m.sliding_window > 0 ? m.sliding_window + w.ubatch : 0, false, false};
  for (auto _ : state) benchmark::DoNotOptimize(llamacpp_cpu_compute(m, w, kv));
  state.SetLabel(ids[state.range(0)]);
}
BENCHMARK(BM_LlamacppCpuCompute)->DenseRange(0, 5)->Unit(benchmark::kMicrosecond);

// Every catalog model x every device x 5 quantizations x 6 contexts, memory + placement + speed bound.
void BM_WholeCatalogTable(benchmark::State& state) {
  const io::Catalog& cat = catalog();
  const char* quants[] = {"Q4_K_M", "Q5_K_M", "Q6_K", "Q8_0", "F16"};
  const std::int64_t contexts[] = {2048, 4096, 8192, 16384, 32768, 131072};
  std::int64_t cells = 0;
  for (auto _ : state) {
    cells = 0;
    // One placement request per device, built once, as a table command does.
    std::vector<PlacementRequest> requests;
    for (const io::CatalogDevice& cd : cat.devices) {
      PlacementRequest req;
      if (!cd.device.is_cpu())
        req.gpus.push_back(Target{cd.device.id, cd.device.capacity(), Bytes{0}, mib(457), cd.device.bandwidth()});
      else
        req.host = Target{cd.device.id, cd.device.capacity(), Bytes{0}, Bytes{0}, cd.device.bandwidth()};
      requests.push_back(req);
    }
    for (const io::CatalogModel& cm : cat.models)
      for (const char* qid : quants) {
        const QuantMix& q = cat.mix(qid).mix;
        // Weights depend on the model and the mix, not on the context: worked out once per pair
        // (estimate_memory(m, mix, ...) is exactly estimate_memory(m, weight_bytes(m, mix, ...), ...)).
        const WeightBreakdown weights = weight_bytes(cm.spec, q, types());
        for (std::int64_t c : contexts) {
          Workload w;
          w.context = c;
          const MemoryEstimate e = estimate_memory(cm.spec, weights, types(), w);
          const LayerSums sums(cm.spec, e);  // per estimate, shared by every device
          for (const PlacementRequest& req : requests) {
            const Placement p = place(cm.spec, e, req, sums);
            benchmark::DoNotOptimize(decode_upper_bound(cm.spec, e, p, c));
            ++cells;
          }
        }
      }
  }
  state.counters["cells"] = double(cells);
}
BENCHMARK(BM_WholeCatalogTable)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
