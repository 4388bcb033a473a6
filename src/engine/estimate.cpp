// estimate MODEL [--device ID]: the memory picture of a full offload, and its speed on a device.
#include "engine/estimate.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/diagnostics.hpp"
#include "engine/calibrate.hpp"

namespace vramfit::engine {
namespace {

SpeedOnDevice speed_on_device(Session& ctx, const Query& q, const MemoryEstimate& e, const EstimateRequest& opt) {
  SpeedOnDevice s;
  const io::Catalog& cat = ctx.catalog();
  s.spec = parse_device_spec(cat, opt.device);
  const Device& d = s.spec.device->device;
  check_backend(opt.backend, {s.spec});
  check_runtime_devices(*q.runtime, {s.spec});
  // --backend cpu: llama.cpp's CPU backend on the CPU cores of a unified-memory chip, at its bandwidth.
  // A discrete GPU says nothing about the host's memory: that is a CPU preset's question.
  const bool cpu = d.is_cpu() || opt.backend == "cpu";
  if (cpu && !d.is_cpu() && !d.unified_memory())
    throw io::InputError("--backend cpu on " + d.id + ": its host memory is not in the catalog; estimate a CPU preset instead (--device cpu-..., "
                         "see 'vramfit list devices --filter cpu'), or use fit --backend cpu --host PRESET");
  const ModelSpec& m = q.model->spec;
  PlacementRequest req;
  req.host.label = d.is_cpu() ? d.id : d.unified_memory() ? (cpu ? "unified memory" : "unified (CPU side)") : "host RAM";
  req.host.bandwidth = d.is_cpu() || d.unified_memory() ? d.bandwidth() : BytesPerSecond{0.0};
  if (!cpu) {
    if (s.spec.count > m.layers)
      throw io::InputError(fmt::format("{} GPUs for {} layers: a layer split needs at least one layer per GPU", s.spec.count, m.layers));
    for (std::int64_t i = 0; i < s.spec.count; ++i) {
      Target t;
      t.label = s.spec.count > 1 ? fmt::format("{}#{}", d.id, i) : d.id;
      t.bandwidth = d.bandwidth();
      req.gpus.push_back(t);
    }
  }
  s.placement = place_layers(m, e, req, cpu ? 0 : m.layers + 1);
  const SpeedSetup setup = speed_setup(cat, {s.spec}, s.placement, opt.backend);
  s.report = speed_report(m, e, s.placement, setup, q.workload, speed_question(*q.runtime, opt.workload, q.workload));
  calibrate(s.report, ctx.measurements(), calibration_key(q, s.placement, setup), ctx.measurements_file());
  return s;
}

}  // namespace

EstimateAnswer answer_estimate(Session& ctx, const EstimateRequest& opt) {
  EstimateAnswer a;
  const Query& q = a.query = resolve_query(ctx, opt.model, opt.workload);
  a.estimate = estimate(ctx, q);
  a.full_offload = full_offload(q, a.estimate);
  a.params = query_params(q);
  if (!opt.device.empty()) a.speed = speed_on_device(ctx, q, a.estimate, opt);
  else if (!opt.workload.prompt.empty() || !opt.workload.at.empty() || !opt.backend.empty())
    throw io::InputError("--prompt, --at and --backend need --device (the speed is per device)");
  std::vector<std::string>& assumptions = a.assumptions = q.assumptions;
  if (q.runtime->kind == RuntimeKind::llamacpp) {
    std::vector<DeviceSpec> specs;
    if (a.speed) specs.push_back(a.speed->spec);
    else if (!opt.device.empty()) specs.push_back(parse_device_spec(ctx.catalog(), opt.device));
    a.cpu = host_cpu_features(specs, opt.cpu_features, "", a.cpu_source);
    a.repack = query_repack(ctx, q, a.cpu);
    if (a.repack.total.value() > 0)
      assumptions.push_back(fmt::format("{} (CPU-only run, CPU {}; {}): llama.cpp copies {} in "
                                        "anonymous memory beside the mmap'd file, whose pages of those tensors become reclaimable page cache; "
                                        "none on a full GPU offload (fit counts what the host runs)",
                                        repack_buffers(a.repack), to_string(a.cpu), a.cpu_source, repack_what(a.repack)));
  }
  if (a.speed) {
    if (opt.backend == "cpu" && !a.speed->spec.device->device.is_cpu())
      assumptions.push_back(fmt::format("speed on {}: every layer on its CPU cores (--backend cpu) at the chip's memory bandwidth (memory is not checked here: use fit)",
                                        a.speed->spec.text));
    else
      assumptions.push_back(fmt::format("speed on {}: every layer on it{} (a full offload; memory is not checked here: use fit)",
                                        a.speed->spec.text, a.speed->spec.count > 1 ? " by a layer split" : ""));
    if (const std::string note = configuration_note(a.speed->spec); !note.empty()) assumptions.push_back("note: " + note);
    assumptions.insert(assumptions.end(), a.speed->report.assumptions.begin(), a.speed->report.assumptions.end());
  }
  if (q.runtime->kind == RuntimeKind::pool)
    assumptions.push_back(fmt::format("{} takes {:g} of a GPU's memory and pages what weights and activations leave as KV cache: 'fit --device ID --runtime {}' shows the token capacity",
                                      q.runtime->id, q.runtime->pool.fraction, q.runtime->id));
  return a;
}

}  // namespace vramfit::engine
