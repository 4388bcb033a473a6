// vramfit estimate MODEL: the memory breakdown (weights by tensor group, KV cache, compute buffer,
// runtime overhead), device-independent: what one GPU needs for a full offload, and host RAM.
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/render.hpp"
#include "cli/report.hpp"

namespace vramfit::cli {
namespace {

struct EstimateOptions {
  std::string model;
  WorkloadOptions workload;
};

int run_estimate(Context& ctx, const EstimateOptions& opt) {
  const Query q = resolve_query(ctx, opt.model, opt.workload);
  const MemoryEstimate e = estimate(ctx, q);
  const Placement p = full_offload(q, e);
  const DevicePlan& gpu = p.gpus.front();
  const ModelSpec& m = q.model->spec;
  const ParamCounts pc = count_params(m);
  if (ctx.format() == "json") {
    Json j = json_document("estimate");
    j["model"] = model_json(*q.model);
    j["quant"] = q.mix->mix.id;
    j["runtime"] = q.runtime->id;
    j["workload"] = workload_json(q.workload);
    j["weights"] = weights_json(m, e, pc);
    j["kv_cache"] = kv_json(e);
    j["compute_buffer"] = compute_json(e.compute);
    j["runtime_overhead_bytes"] = gpu.overhead.value();
    j["gpu_full_offload_bytes"] = gpu.total().value();
    j["host_bytes"] = p.host.total().value();
    j["total_bytes"] = (gpu.total() + p.host.total()).value();
    j["assumptions"] = q.assumptions;
    ctx.io.out << dump(j);
    return 0;
  }
  Table t;
  t.header = {"component", "size", "detail"};
  t.right = {false, true, false};
  t.rows.push_back({"weights", size_str(e.weights.total),
                    fmt::format("{:.2f} B params, {:.2f} bits/weight ({})", double(e.weights.params) / 1e9,
                                e.weights.bits_per_weight(), gb_str(e.weights.total))});
  for (std::size_t g = 0; g < kGroupCount; ++g) {
    const Bytes b = e.weights.by_group[g];
    if (b.value() > 0) t.rows.push_back({std::string("  ") + group_name(static_cast<TensorGroup>(g)), size_str(b), ""});
  }
  if (e.weights.tied_copy.value() > 0)
    t.rows.push_back({"  tied output copy", size_str(e.weights.tied_copy), "llama.cpp copies the tied embedding matrix to the output GPU"});
  t.rows.push_back({"KV cache", size_str(e.kv.total), kv_detail(m, e, q.workload)});
  t.rows.push_back({"compute buffer", size_str(e.compute.total()), compute_detail(e.compute)});
  t.rows.push_back({"runtime overhead", size_str(gpu.overhead), "per GPU (CUDA context, runtime profile)"});
  t.rows.push_back({"GPU, full offload", size_str(gpu.total()), "everything except token embeddings"});
  t.rows.push_back({"host RAM", size_str(p.host.total()), "token embeddings + host compute buffer"});
  // CSV is the bare table, for spreadsheets and scripts; the other formats carry the context.
  std::string out = ctx.format() == "csv" ? t.csv() : headline(q) + "\n\n" + t.render(ctx.format()) + "\n" + assumptions_text(q.assumptions);
  ctx.io.out << out;
  return 0;
}

}  // namespace

void setup_estimate(CLI::App& app, Context& ctx, int& exit_code) {
  auto opt = std::make_shared<EstimateOptions>();
  CLI::App* sub = app.add_subcommand("estimate", "memory breakdown of a model: weights, KV cache, compute buffer, overhead");
  sub->add_option("model", opt->model, "model id, alias or Ollama tag (see 'vramfit list models')")->required();
  opt->workload.add_to(*sub);
  sub->callback([&ctx, &exit_code, opt] { exit_code = run_estimate(ctx, *opt); });
}

}  // namespace vramfit::cli
