// vramfit estimate MODEL: the memory breakdown (engine/estimate.hpp) as a table of components, the
// JSON document "estimate", or the bare table as CSV.
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/render.hpp"
#include "cli/report.hpp"
#include "cli/speed_report.hpp"
#include "engine/estimate.hpp"
#include "engine/memory.hpp"

namespace vramfit::cli {
namespace {

struct EstimateOptions {
  std::string model;
  WorkloadOptions workload;
  std::string device;   // --device: speed of a full offload onto it (memory is not checked: that is `fit`)
  std::string backend;  // --backend for that device
  std::string cpu_features;  // --cpu-features for the CPU_REPACK copy of a CPU-only run
};

Json estimate_json(const EstimateAnswer& a) {
  const Query& q = a.query;
  const MemoryEstimate& e = a.estimate;
  const DevicePlan& gpu = a.full_offload.gpus.front();
  const DevicePlan& host = a.full_offload.host;
  Json j = json_document("estimate");
  j["model"] = model_json(q);
  j["quant"] = q.mix->mix.id;
  j["runtime"] = q.runtime->id;
  j["workload"] = workload_json(q.workload);
  j["weights"] = weights_json(q.model->spec, e, a.params);
  j["kv_cache"] = kv_json(e);
  j["compute_buffer"] = compute_json(e.compute);
  j["runtime_overhead_bytes"] = gpu.overhead.value();
  j["gpu_full_offload_bytes"] = gpu.total().value();
  j["host_bytes"] = host.total().value();
  j["total_bytes"] = (gpu.total() + host.total()).value();
  if (q.runtime->kind == RuntimeKind::llamacpp) j["cpu_repack"] = repack_json(a.repack, a.cpu, std::nullopt);
  if (a.speed) {
    Json sj = speed_json(a.speed->report);
    sj["device"] = a.speed->spec.text;
    j["speed"] = sj;
  }
  j["assumptions"] = a.assumptions;
  return j;
}

Table estimate_table(const EstimateAnswer& a) {
  const Query& q = a.query;
  const MemoryEstimate& e = a.estimate;
  const DevicePlan& gpu = a.full_offload.gpus.front();
  const DevicePlan& host = a.full_offload.host;
  Table t;
  t.header = {"component", "size", "detail"};
  t.right = {false, true, false};
  t.rows.push_back({"weights", size_str(e.weights.total),
                    fmt::format("{:.2f} B params, {:.2f} bits/weight ({})", double(e.weights.params) / 1e9,
                                e.weights.bits_per_weight(), gb_str(e.weights.total))});
  for (std::size_t g = 0; g < kGroupCount; ++g) {
    const Bytes b = e.weights.by_group[g];
    if (b.value() == 0) continue;
    // Gemma 3n / 4: the per-layer embedding table shares the group (and host RAM) with token_embd.
    const bool ple = static_cast<TensorGroup>(g) == TensorGroup::embeddings && e.weights.token_embd < b;
    t.rows.push_back({std::string("  ") + (ple ? "token + per-layer embeddings" : group_name(static_cast<TensorGroup>(g))), size_str(b),
                      ple ? fmt::format("per-layer table {}", size_str(b - e.weights.token_embd)) : ""});
  }
  if (e.weights.tied_copy.value() > 0)
    t.rows.push_back({"  tied output copy", size_str(e.weights.tied_copy), "llama.cpp copies the tied embedding matrix to the output GPU"});
  t.rows.push_back({"KV cache", size_str(e.kv.total), kv_detail(q.model->spec, e, q.workload)});
  const bool llamacpp = q.runtime->kind == RuntimeKind::llamacpp;
  t.rows.push_back({llamacpp ? "compute buffer" : "activations", size_str(e.compute.total()), compute_detail(e.compute)});
  t.rows.push_back({"runtime overhead", size_str(gpu.overhead),
                    llamacpp ? "per GPU (CUDA context, runtime profile)" : "per GPU (CUDA context and libraries outside the tensors)"});
  t.rows.push_back({"GPU, full offload", size_str(gpu.total()), llamacpp ? "everything except token embeddings" : "everything"});
  if (llamacpp || host.total().value() > 0)
    t.rows.push_back({"host RAM", size_str(host.total()), "token embeddings + host compute buffer + output buffer"});
  if (a.repack.total.value() > 0)
    t.rows.push_back({repack_buffers(a.repack) + " copy", size_str(a.repack.total),
                      fmt::format("CPU-only run ({}): {} tensors repacked for the CPU's kernels, beside the mmap'd file", to_string(a.cpu),
                                  a.repack.tensors + a.repack.amx_tensors)});
  return t;
}

int run_estimate(Context& ctx, const EstimateOptions& opt) {
  const EstimateAnswer a = answer_estimate(ctx, {opt.model, opt.workload, opt.device, opt.backend, opt.cpu_features});
  if (ctx.format() == "json") {
    ctx.io.out << dump(estimate_json(a));
    return 0;
  }
  const Table t = estimate_table(a);
  // CSV is the bare table, for spreadsheets and scripts; the other formats carry the context.
  if (ctx.format() == "csv") {
    ctx.io.out << t.csv();
    return 0;
  }
  const TextOptions text = ctx.text_options();
  std::string out = headline(a.query) + "\n\n" + t.render(ctx.format()) + "\n";
  if (a.speed) {
    const std::string on = "speed on " + a.speed->spec.text;
    out += text.explain ? on + ":\n" + speed_text(a.speed->report, a.query.workload, text) + "\n"
                        : speed_text(a.speed->report, a.query.workload, text, on);
  }
  out += assumptions_text(a.assumptions, text);
  ctx.io.out << out;
  return 0;
}

}  // namespace

void setup_estimate(CLI::App& app, Context& ctx, int& exit_code) {
  auto opt = std::make_shared<EstimateOptions>();
  CLI::App* sub = app.add_subcommand("estimate", "memory breakdown of a model: weights, KV cache, compute buffer, overhead");
  sub->add_option("model", opt->model, "catalog id, alias or Ollama tag; or a GGUF file, a Hugging Face directory or config.json, an https:// URL, hf:ORG/REPO[:QUANT]")->required();
  opt->workload.add_to(*sub);
  sub->add_option("-d,--device", opt->device, "also estimate the speed of a full offload onto this device, ID[xN] (memory is not checked: use fit)");
  sub->add_option("--prompt", opt->workload.prompt, "prompt tokens for prefill speed and time to first token (default 512, at most the context)");
  sub->add_option("--at", opt->workload.at, "also the decode speed at this context position, 0 to the context (e.g. 3000, 16k)");
  sub->add_option("--backend", opt->backend, "llama.cpp backend of the device: cuda, rocm, vulkan, metal, sycl (default: by vendor), or cpu (the CPU cores of a unified-memory chip)");
  sub->add_option("--cpu-features", opt->cpu_features,
                  "CPU features for llama.cpp's CPU_REPACK copy on a CPU-only run: avx2, avx512, amx, neon, dotprod, i8mm, sve256 ..., or none (default: an Apple device's, else avx2)");
  sub->callback([&ctx, &exit_code, opt] { exit_code = run_estimate(ctx, *opt); });
}

}  // namespace vramfit::cli
