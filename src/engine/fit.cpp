// fit MODEL --device ID[xN] ...: placement, verdict and reason, decode bound and calibrated speed.
#include "engine/fit.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "base/diagnostics.hpp"
#include "engine/calibrate.hpp"
#include "engine/compat.hpp"
#include "engine/placement_search.hpp"
#include "engine/text.hpp"

namespace vramfit::engine {
namespace {

std::string verdict_reason(const Placement& p, const ModelSpec& m, bool explicit_layers) {
  if (p.verdict == Verdict::fits) {
    Bytes least = p.gpus.empty() ? p.host.headroom() : p.gpus.front().headroom();
    std::string where = p.gpus.empty() ? p.host.label : p.gpus.front().label;
    for (const DevicePlan& d : p.gpus)
      if (d.headroom() < least) least = d.headroom(), where = d.label;
    return fmt::format("all {} layers + output on {}; least headroom {} on {}", m.layers,
                       p.gpus.empty() ? "the CPU" : "the GPU" + std::string(p.gpus.size() > 1 ? "s" : ""), size_str(least), where);
  }
  if (p.verdict == Verdict::fits_with_offload && p.host.expert_count > 0)  // --cpu-moe / --n-cpu-moe
    return fmt::format("{} of {} layers on the GPU{}, routed experts of {} blocks in host RAM: each token reads its active experts from RAM",
                       p.gpu_layers, p.total_layers, p.gpus.size() > 1 ? "s" : "", p.host.expert_count);
  if (p.verdict == Verdict::fits_with_offload)
    return fmt::format("{} of {} layers on the GPU{} (llama.cpp -ngl {}), the rest in host RAM: expect much slower decoding",
                       p.gpu_layers, p.total_layers, p.gpus.size() > 1 ? "s" : "", p.gpu_layers);
  for (const DevicePlan& d : p.gpus)
    if (!d.fits()) return fmt::format("{} needs {} but has {} usable", d.label, size_str(d.total()), size_str(d.capacity));
  if (!p.host.fits())
    return fmt::format("{} needs {} but has {}", p.host.label, size_str(p.host.total()), size_str(p.host.capacity));
  if (explicit_layers && p.gpu_layers == 0) return "--gpu-layers 0 keeps every layer off the GPU: a CPU-only run";
  return "not even one layer fits on the GPU";
}

// What `ollama ps` would print for this placement: SIZE is everything the model holds in memory
// (decimal units, Ollama's format.HumanBytes), PROCESSOR the CPU/GPU shares of it (ollama/cmd/cmd.go ListRunningHandler).
std::string ollama_ps(const Placement& p) {
  Bytes gpu{0};
  for (const DevicePlan& d : p.gpus) gpu += d.total();
  const Bytes total = gpu + p.host.total();
  if (total.value() <= 0) return {};
  // Ollama counts a full offload as 100% GPU (the token embeddings llama.cpp keeps in RAM are not a layer).
  const int gpu_pct = p.gpu_layers == p.total_layers && !p.gpus.empty()
                          ? 100 : static_cast<int>(std::lround(100.0 * double(gpu.value()) / double(total.value())));
  const std::string proc = gpu_pct >= 100 ? "100% GPU" : gpu_pct <= 0 ? "100% CPU" : fmt::format("{}%/{}% CPU/GPU", 100 - gpu_pct, gpu_pct);
  return fmt::format("SIZE {:.1f} GB, PROCESSOR {}", double(total.value()) / 1e9, proc);
}

}  // namespace

bool FitAnswer::fits() const {
  if (pool) return pool->verdict != Verdict::does_not_fit;
  return placement.verdict != Verdict::does_not_fit && !solve.unanswered();  // a question without an answer: no
}

ParamCounts FitAnswer::params() const { return query_params(query); }

FitAnswer answer_fit(Session& ctx, const FitRequest& given) {
  FitRequest opt = given;  // a reverse question (solve.cpp) rewrites the request to its answer
  FitAnswer a;
  if (ctx.catalog().runtime(opt.workload.runtime).kind == RuntimeKind::pool) {
    if (opt.placement.max_context || opt.placement.max_parallel || opt.placement.min_devices)
      throw io::InputError("--max-context, --max-parallel and --min-devices are llama.cpp questions: with --runtime " +
                           opt.workload.runtime + " read the KV token capacity and max concurrency instead");
    if (!opt.backend.empty() || !opt.workload.prompt.empty() || !opt.workload.at.empty())
      throw io::InputError("--backend, --prompt and --at shape the llama.cpp speed estimate: drop them with --runtime " + opt.workload.runtime);
    a.pool = answer_pool(ctx, resolve_query(ctx, opt.model, opt.workload), opt.placement);
    a.devices = {a.pool->gpus > 1 ? fmt::format("{}x{}", a.pool->device, a.pool->gpus) : a.pool->device};
    std::vector<DeviceSpec> specs;
    for (const std::string& text : opt.placement.devices)
      if (text != "local") specs.push_back(parse_device_spec(ctx.catalog(), text));
    const CompatCheck cc = runtime_compat(opt.workload.runtime, specs, a.pool->query.mix->mix.id);
    a.pool->notes.insert(a.pool->notes.end(), cc.caveats.begin(), cc.caveats.end());
    if (!cc.runs()) {  // a plan that cannot run does not fit, whatever the memory says
      a.pool->verdict = Verdict::does_not_fit;
      a.pool->reason = cc.blocks.front();
    }
    return a;
  }
  opt.placement.cpu_backend = opt.backend == "cpu";
  if (opt.placement.cpu_backend && opt.placement.min_devices)
    throw io::InputError("--min-devices counts GPUs: with --backend cpu no GPU runs anything");
  a.solve = solve_question(ctx, opt.model, opt.workload, opt.placement);
  const Query& q = a.query = resolve_query(ctx, opt.model, opt.workload);
  const ResolvedPlacement rp = resolve_placement(ctx, q, opt.placement);
  for (const DeviceSpec& d : rp.specs)
    a.devices.push_back(d.device->device.id + (d.memory_gib > 0 ? fmt::format(":{:g}GB", d.memory_gib) : "") +
                        (d.count > 1 ? fmt::format("x{}", d.count) : ""));
  a.estimate = estimate(ctx, q);
  a.estimate.repack = query_repack(ctx, q, rp.cpu);
  a.cpu = rp.cpu;
  const MemoryEstimate& e = a.estimate;
  const ModelSpec& m = q.model->spec;
  check_backend(opt.backend, rp.specs);
  const SpeedQuestion question = speed_question(*q.runtime, opt.workload, q.workload);
  auto speed_of = [&](const Placement& pl) {
    const SpeedSetup su = speed_setup(ctx.catalog(), rp.specs, pl, opt.backend, rp.cpu_cores);
    SpeedReport r = speed_report(m, e, pl, su, q.workload, question);
    calibrate(r, ctx.measurements(), calibration_key(q, pl, su), ctx.measurements_file());
    return r;
  };
  auto start_tps = [&](const Placement& pl) {
    const SpeedReport r = speed_of(pl);
    return !r.decode.empty() && r.decode[0].known ? r.decode[0].tokens_per_second.value() : 0.0;
  };
  // Automatic unless the user fixed -ngl or the experts' place (--cpu-moe / --n-cpu-moe).
  const bool automatic = !opt.placement.fixes_placement();
  PlacementPick pick = pick_placement(m, e, rp.request, automatic, start_tps);
  a.runner_up = std::move(pick.runner_up);
  a.placement_why = pick.why;
  a.runner_up_tokens_per_second = pick.runner_up_tokens_per_second;
  const Placement& p = a.placement = std::move(pick.placement);
  a.decode_start = decode_upper_bound(m, e, p, 0);
  a.decode_end = decode_upper_bound(m, e, p, q.workload.context);
  a.speed = speed_of(p);
  // A placement the user fixed that does not fit: what the automatic one would do.
  if (!automatic && p.verdict == Verdict::does_not_fit && rp.request.split == Parallelism::layer && !rp.request.gpus.empty()) {
    PlacementRequest free_req = rp.request;
    free_req.gpu_layers = -1;
    free_req.cpu_moe_layers = 0;
    const PlacementPick alt = pick_placement(m, e, free_req, true, start_tps);
    if (alt.placement.verdict != Verdict::does_not_fit)
      a.notes.push_back(fmt::format("the automatic placement fits: {} ({} of {} layers on the GPU{}{}); drop --gpu-layers / --cpu-moe / --n-cpu-moe",
                                    placement_flags(alt.placement), alt.placement.gpu_layers, alt.placement.total_layers,
                                    alt.placement.gpus.size() > 1 ? "s" : "",
                                    alt.placement.host.expert_count > 0 ? fmt::format(", experts of {} blocks in RAM", alt.placement.host.expert_count) : ""));
  }
  std::vector<std::string>& assumptions = a.assumptions = q.assumptions;
  assumptions.insert(assumptions.end(), rp.assumptions.begin(), rp.assumptions.end());
  if (std::string r = repack_assumption(p, e.repack, rp.cpu, rp.cpu_source, rp.no_repack_reason); !r.empty())
    assumptions.push_back(std::move(r));
  if (rp.cpu_cores > 0 && (p.host.layer_count > 0 || p.host.output || p.host.expert_count > 0))
    assumptions.push_back(fmt::format("host CPU: {} physical cores (--cpu-cores, or /proc/cpuinfo with --device local): the prefill of what it "
                                      "runs is timed per core (docs/speed.md)",
                                      rp.cpu_cores));
  assumptions.insert(assumptions.end(), a.speed.assumptions.begin(), a.speed.assumptions.end());
  // PyTorch runtimes: what torch.cuda.max_memory_allocated() reports is the caching allocator's peak,
  // without the CUDA context that nvidia-smi also counts (methods.md §3.3).
  if (q.runtime->kind == RuntimeKind::direct && !p.gpus.empty() && p.gpus.front().overhead.value() > 0) {
    const DevicePlan& g = p.gpus.front();
    const bool mlx = q.runtime->id == "mlx";
    assumptions.push_back(fmt::format("{} reads {} on {}: the total less the {} of {} it leaves out ({} counts it)",
                                      mlx ? "mx.get_peak_memory()" : "torch.cuda.max_memory_allocated()", size_str(g.total() - g.overhead),
                                      g.label, size_str(g.overhead), mlx ? "Metal process overhead" : "CUDA context",
                                      mlx ? "Activity Monitor" : "nvidia-smi"));
  }

  // A device named without its memory size changes the answer: a note in front, not an assumption.
  for (const DeviceSpec& s : rp.specs)
    if (std::string note = configuration_note(s); !note.empty()) {
      assumptions.erase(std::remove(assumptions.begin(), assumptions.end(), "note: " + note), assumptions.end());
      if (std::find(a.notes.begin(), a.notes.end(), note) == a.notes.end()) a.notes.push_back(std::move(note));
    }

  a.reason = verdict_reason(p, m, rp.request.gpu_layers >= 0);
  for (const DevicePlan& d : p.gpus)
    if (p.verdict != Verdict::does_not_fit && d.total().value() > 0 && d.known() && d.headroom() < d.margin)
      a.notes.push_back(fmt::format("{} has {} free, less than the {} margin (--margin; llama.cpp --fit keeps 1 GiB): tight, it may "
                                    "run out of memory as other programs or drivers grow",
                                    d.label, size_str(d.headroom()), size_str(d.margin)));
  // The runtime's kernels and wheels on these GPUs: a plan that cannot run does not fit.
  if (!opt.placement.cpu_backend) {
    const CompatCheck cc = runtime_compat(q.runtime->id, rp.specs, q.mix->mix.id);
    a.notes.insert(a.notes.end(), cc.caveats.begin(), cc.caveats.end());
    if (!cc.runs()) {
      a.placement.verdict = Verdict::does_not_fit;
      a.reason = cc.blocks.front();
    }
  }
  if (q.runtime->id == "ollama") a.ollama_ps = ollama_ps(p);
  return a;
}

}  // namespace vramfit::engine
