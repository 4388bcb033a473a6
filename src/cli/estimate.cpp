// vramfit estimate MODEL: the memory breakdown (weights by tensor group, KV cache, compute buffer,
// runtime overhead), device-independent: what one GPU needs for a full offload, and host RAM.
#include <optional>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/render.hpp"
#include "cli/report.hpp"
#include "cli/speed_report.hpp"

namespace vramfit::cli {
namespace {

struct EstimateOptions {
  std::string model;
  WorkloadOptions workload;
  std::string device;   // --device: speed of a full offload onto it (memory is not checked: that is `fit`)
  std::string backend;  // --backend for that device
};

// Every block and the output head on the device (split evenly over xN), or on a CPU preset: the
// speed question without the memory question.
struct SpeedOnDevice {
  DeviceSpec spec;
  Placement placement;
  SpeedReport report;
};

SpeedOnDevice speed_on_device(Context& ctx, const Query& q, const MemoryEstimate& e, const EstimateOptions& opt) {
  SpeedOnDevice s;
  const io::Catalog& cat = ctx.catalog();
  s.spec = parse_device_spec(cat, opt.device);
  const Device& d = s.spec.device->device;
  check_backend(opt.backend, {s.spec});
  const ModelSpec& m = q.model->spec;
  PlacementRequest req;
  req.host.label = d.is_cpu() ? d.id : d.kind == DeviceKind::apple ? "unified (CPU side)" : "host RAM";
  req.host.bandwidth = d.is_cpu() || d.kind == DeviceKind::apple ? d.bandwidth() : BytesPerSecond{0.0};
  if (!d.is_cpu()) {
    if (s.spec.count > m.layers)
      throw io::InputError(fmt::format("{} GPUs for {} layers: a layer split needs at least one layer per GPU", s.spec.count, m.layers));
    for (std::int64_t i = 0; i < s.spec.count; ++i) {
      Target t;
      t.label = s.spec.count > 1 ? fmt::format("{}#{}", d.id, i) : d.id;
      t.bandwidth = d.bandwidth();
      req.gpus.push_back(t);
    }
  }
  s.placement = place_layers(m, e, req, d.is_cpu() ? 0 : m.layers + 1);
  s.report = speed_report(m, e, s.placement, speed_setup(cat, {s.spec}, s.placement, opt.backend), q.workload,
                          prompt_tokens(opt.workload.prompt, q.workload));
  return s;
}

int run_estimate(Context& ctx, const EstimateOptions& opt) {
  const Query q = resolve_query(ctx, opt.model, opt.workload);
  const MemoryEstimate e = estimate(ctx, q);
  const Placement p = full_offload(q, e);
  const DevicePlan& gpu = p.gpus.front();
  const ModelSpec& m = q.model->spec;
  const ParamCounts pc = query_params(q);
  std::optional<SpeedOnDevice> speed;
  if (!opt.device.empty()) speed = speed_on_device(ctx, q, e, opt);
  else if (!opt.workload.prompt.empty() || !opt.backend.empty())
    throw io::InputError("--prompt and --backend need --device (the speed is per device)");
  std::vector<std::string> assumptions = q.assumptions;
  if (speed) {
    assumptions.push_back(fmt::format("speed on {}: every layer on it{} (a full offload; memory is not checked here: use fit)",
                                      speed->spec.text, speed->spec.count > 1 ? " by a layer split" : ""));
    assumptions.insert(assumptions.end(), speed->report.assumptions.begin(), speed->report.assumptions.end());
  }
  if (q.runtime->kind == RuntimeKind::pool)
    assumptions.push_back(fmt::format("{} takes {:g} of a GPU's memory and pages what weights and activations leave as KV cache: 'fit --device ID --runtime {}' shows the token capacity",
                                      q.runtime->id, q.runtime->pool.fraction, q.runtime->id));
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
    if (speed) {
      Json sj = speed_json(speed->report);
      sj["device"] = speed->spec.text;
      j["speed"] = sj;
    }
    j["assumptions"] = assumptions;
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
  const bool llamacpp = q.runtime->kind == RuntimeKind::llamacpp;
  t.rows.push_back({llamacpp ? "compute buffer" : "activations", size_str(e.compute.total()), compute_detail(e.compute)});
  t.rows.push_back({"runtime overhead", size_str(gpu.overhead),
                    llamacpp ? "per GPU (CUDA context, runtime profile)" : "per GPU (CUDA context and libraries outside the tensors)"});
  t.rows.push_back({"GPU, full offload", size_str(gpu.total()), llamacpp ? "everything except token embeddings" : "everything"});
  if (llamacpp || p.host.total().value() > 0)
    t.rows.push_back({"host RAM", size_str(p.host.total()), "token embeddings + host compute buffer + output buffer"});
  // CSV is the bare table, for spreadsheets and scripts; the other formats carry the context.
  std::string out = ctx.format() == "csv" ? t.csv()
                                          : headline(q) + "\n\n" + t.render(ctx.format()) + "\n" +
                                                (speed ? "speed on " + speed->spec.text + ":\n" + speed_text(speed->report, q.workload) + "\n" : "") +
                                                assumptions_text(assumptions);
  ctx.io.out << out;
  return 0;
}

}  // namespace

void setup_estimate(CLI::App& app, Context& ctx, int& exit_code) {
  auto opt = std::make_shared<EstimateOptions>();
  CLI::App* sub = app.add_subcommand("estimate", "memory breakdown of a model: weights, KV cache, compute buffer, overhead");
  sub->add_option("model", opt->model, "model id, alias or Ollama tag (see 'vramfit list models')")->required();
  opt->workload.add_to(*sub);
  sub->add_option("-d,--device", opt->device, "also estimate the speed of a full offload onto this device, ID[xN] (memory is not checked: use fit)");
  sub->add_option("--prompt", opt->workload.prompt, "prompt tokens for prefill speed and time to first token (default 512, at most the context)");
  sub->add_option("--backend", opt->backend, "llama.cpp backend of the device: cuda, rocm, vulkan, metal, sycl (default: by vendor)");
  sub->callback([&ctx, &exit_code, opt] { exit_code = run_estimate(ctx, *opt); });
}

}  // namespace vramfit::cli
