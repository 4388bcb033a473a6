// vramfit fit MODEL --device ID[xN] ...: placement on the devices, per-device memory and headroom,
// the verdict (exit 0 fits or fits with offload, 1 does not fit) and the decode bandwidth bound.
#include <cmath>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/pool_report.hpp"
#include "cli/render.hpp"
#include "cli/report.hpp"
#include "cli/solve.hpp"
#include "cli/speed_report.hpp"

namespace vramfit::cli {
namespace {

struct FitOptions {
  std::string model;
  WorkloadOptions workload;
  PlacementOptions placement;
  std::string backend;  // --backend: llama.cpp backend of the GPUs for the speed estimate
};

std::string verdict_text(Verdict v, const Style& s) {
  switch (v) {
    case Verdict::fits: return s.green("FITS");
    case Verdict::fits_with_offload: return s.yellow("FITS WITH OFFLOAD");
    case Verdict::does_not_fit: return s.red("DOES NOT FIT");
  }
  return "?";
}

std::string layers_text(const DevicePlan& d) {
  // Routed experts held for blocks that run on a GPU (--cpu-moe / --n-cpu-moe).
  const std::string exps = d.expert_count > 0 ? fmt::format("exps {}-{}", d.expert_first, d.expert_first + d.expert_count - 1) : "";
  if (d.layer_count == 0) return exps.empty() ? (d.output ? "output" : "-") : (d.output ? "output +" + exps : exps);
  std::string s = fmt::format("{}-{}", d.first_layer, d.first_layer + d.layer_count - 1);
  if (d.output) s += " +out";
  if (!exps.empty()) s += " +" + exps;
  return s;
}

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
std::string ollama_ps_line(const Placement& p) {
  Bytes gpu{0};
  for (const DevicePlan& d : p.gpus) gpu += d.total();
  const Bytes total = gpu + p.host.total();
  if (total.value() <= 0) return {};
  // Ollama counts a full offload as 100% GPU (the token embeddings llama.cpp keeps in RAM are not a layer).
  const int gpu_pct = p.gpu_layers == p.total_layers && !p.gpus.empty()
                          ? 100 : static_cast<int>(std::lround(100.0 * double(gpu.value()) / double(total.value())));
  const std::string proc = gpu_pct >= 100 ? "100% GPU" : gpu_pct <= 0 ? "100% CPU" : fmt::format("{}%/{}% CPU/GPU", 100 - gpu_pct, gpu_pct);
  return fmt::format("ollama ps: SIZE {:.1f} GB, PROCESSOR {}\n", double(total.value()) / 1e9, proc);
}

int run_fit(Context& ctx, const FitOptions& given) {
  FitOptions opt = given;  // a reverse question (solve.cpp) rewrites the options to its answer
  if (ctx.catalog().runtime(opt.workload.runtime).kind == RuntimeKind::pool) {
    if (opt.placement.max_context || opt.placement.max_parallel || opt.placement.min_devices)
      throw io::InputError("--max-context, --max-parallel and --min-devices are llama.cpp questions: with --runtime " +
                           opt.workload.runtime + " read the KV token capacity and max concurrency instead");
    if (!opt.backend.empty() || !opt.workload.prompt.empty())
      throw io::InputError("--backend and --prompt shape the llama.cpp speed estimate: drop them with --runtime " + opt.workload.runtime);
    return fit_pool(ctx, resolve_query(ctx, opt.model, opt.workload), opt.placement);
  }
  const Solved solved = solve_question(ctx, opt.model, opt.workload, opt.placement);
  const Query q = resolve_query(ctx, opt.model, opt.workload);
  const ResolvedPlacement rp = resolve_placement(ctx, q, opt.placement);
  const MemoryEstimate e = estimate(ctx, q);
  const ModelSpec& m = q.model->spec;
  const Placement p = place(m, e, rp.request);
  const DecodeBound start = decode_upper_bound(m, e, p, 0);
  const DecodeBound end = decode_upper_bound(m, e, p, q.workload.context);
  check_backend(opt.backend, rp.specs);
  const SpeedReport speed = speed_report(m, e, p, speed_setup(ctx.catalog(), rp.specs, p, opt.backend), q.workload,
                                         prompt_tokens(opt.workload.prompt, q.workload));
  std::vector<std::string> assumptions = q.assumptions;
  assumptions.insert(assumptions.end(), rp.assumptions.begin(), rp.assumptions.end());
  assumptions.insert(assumptions.end(), speed.assumptions.begin(), speed.assumptions.end());
  if (q.runtime->kind != RuntimeKind::llamacpp)
    assumptions.push_back("speed: the decode and prefill model is fitted to llama.cpp runs; " + q.runtime->id + " is not calibrated (treat as an estimate of the memory-bound rate)");
  const int code = p.verdict == Verdict::does_not_fit || solved.none ? 1 : 0;  // a question without an answer: 1

  if (ctx.format() == "json") {
    Json j = json_document("fit");
    j["model"] = model_json(*q.model);
    j["quant"] = q.mix->mix.id;
    j["runtime"] = q.runtime->id;
    j["workload"] = workload_json(q.workload);
    j["verdict"] = to_string(p.verdict);
    j["gpu_layers"] = p.gpu_layers;
    j["total_layers"] = p.total_layers;
    Json devs = Json::array();
    for (const DevicePlan& d : p.gpus) devs.push_back(plan_json(d));
    j["devices"] = devs;
    j["host"] = plan_json(p.host);
    j["parallelism"] = parallelism_json(p);
    if (solved.asked) j["solve"] = solved.json;
    j["decode"] = Json::array({decode_json(start), decode_json(end)});
    j["speed"] = speed_json(speed);
    j["weights"] = weights_json(m, e, query_params(q));
    j["kv_cache"] = kv_json(e);
    j["compute_buffer"] = compute_json(e.compute);
    j["assumptions"] = assumptions;
    ctx.io.out << dump(j);
    return code;
  }
  Style style{ctx.color() && ctx.format() == "table"};
  Table t;
  t.header = {"device", "layers", "weights", "KV cache", "compute", "overhead", "total", "usable", "headroom"};
  t.right = {false, false, true, true, true, true, true, true, true};
  auto row = [&](const DevicePlan& d) {
    t.rows.push_back({d.label + (d.vision ? " (+vision)" : ""), layers_text(d), size_str(d.weights), size_str(d.kv),
                      size_str(d.compute + d.output_buffer), size_str(d.overhead), size_str(d.total()),
                      d.known() ? size_str(d.capacity) : "?", d.known() ? size_str(d.headroom()) : "?"});
  };
  for (const DevicePlan& d : p.gpus) row(d);
  row(p.host);
  if (ctx.format() == "csv") {  // the bare table, for spreadsheets and scripts
    ctx.io.out << t.csv();
    return code;
  }
  std::string out = solved.text + headline(q) + "\n\n" + t.render(ctx.format()) + "\n";
  out += fmt::format("verdict: {} ({})\n", verdict_text(p.verdict, style), verdict_reason(p, m, rp.request.gpu_layers >= 0));
  out += parallelism_text(p);
  for (const DevicePlan& d : p.gpus)
    if (p.verdict != Verdict::does_not_fit && d.total().value() > 0 && d.headroom() < q.runtime->fit_margin)
      out += fmt::format("note: {} has {} free, less than the {} llama.cpp --fit keeps free; it may shorten the context or offload more\n",
                         d.label, size_str(d.headroom()), size_str(q.runtime->fit_margin));
  if (q.runtime->id == "ollama") out += ollama_ps_line(p);
  out += speed_text(speed, q.workload);
  out += "\n" + assumptions_text(assumptions);
  ctx.io.out << out;
  return code;
}

}  // namespace

void setup_fit(CLI::App& app, Context& ctx, int& exit_code) {
  auto opt = std::make_shared<FitOptions>();
  CLI::App* sub = app.add_subcommand("fit", "does MODEL fit on the devices? verdict, headroom, decode and prefill speed (exit 0 fits, 1 does not)");
  sub->add_option("model", opt->model, "model id, alias or Ollama tag")->required();
  opt->workload.add_to(*sub);
  opt->placement.add_to(*sub, true);
  opt->placement.add_questions_to(*sub);
  sub->add_option("--prompt", opt->workload.prompt, "prompt tokens for prefill speed and time to first token (default 512, at most the context)");
  sub->add_option("--backend", opt->backend, "llama.cpp backend of the GPUs for the speed estimate: cuda, rocm, vulkan, metal, sycl (default: by vendor)");
  sub->callback([&ctx, &exit_code, opt] { exit_code = run_fit(ctx, *opt); });
}

}  // namespace vramfit::cli
