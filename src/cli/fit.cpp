// vramfit fit MODEL --device ID[xN] ...: the fit answer (engine/fit.hpp) as a table of the devices with
// the verdict, the JSON document "fit", or the bare table as CSV; exit 0 fits or fits with offload,
// 1 does not fit (or a reverse question has no answer).
#include <fmt/format.h>

#include "base/diagnostics.hpp"
#include "cli/commands.hpp"
#include "cli/pool_report.hpp"
#include "cli/render.hpp"
#include "cli/report.hpp"
#include "cli/solve.hpp"
#include "cli/speed_report.hpp"
#include "engine/fit.hpp"

namespace vramfit::cli {
namespace {

struct FitOptions {
  std::string model;
  WorkloadOptions workload;
  PlacementOptions placement;
  std::string backend;  // --backend: llama.cpp backend of the GPUs for the speed estimate
  bool quiet = false;   // --quiet: the verdict line only
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

Json fit_json(const FitAnswer& a) {
  const Query& q = a.query;
  const Placement& p = a.placement;
  Json j = json_document("fit");
  j["model"] = model_json(q);
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
  if (a.solve.asked()) j["solve"] = solve_json(a.solve);
  j["decode"] = Json::array({decode_json(a.decode_start), decode_json(a.decode_end)});
  j["speed"] = speed_json(a.speed);
  j["weights"] = weights_json(q.model->spec, a.estimate, a.params());
  j["kv_cache"] = kv_json(a.estimate);
  j["compute_buffer"] = compute_json(a.estimate.compute);
  j["cpu_repack"] = repack_json(a.estimate.repack, a.cpu, p.host.repack);
  j["assumptions"] = a.assumptions;
  return j;
}

Table fit_table(const Placement& p) {
  Table t;
  // The CPU_REPACK column only where llama.cpp makes the copy (a CPU that repacks what the host runs).
  const bool repack = p.host.repack.value() > 0;
  t.header = {"device", "layers", "weights", "KV cache", "compute", "overhead", "total", "usable", "headroom"};
  t.right = {false, false, true, true, true, true, true, true, true};
  if (repack) {
    t.header.insert(t.header.begin() + 3, "CPU_REPACK");
    t.right.insert(t.right.begin() + 3, true);
  }
  auto row = [&](const DevicePlan& d) {
    std::vector<std::string> r{d.label + (d.vision ? " (+vision)" : ""), layers_text(d), size_str(d.weights), size_str(d.kv),
                               size_str(d.compute + d.output_buffer), size_str(d.overhead), size_str(d.total()),
                               d.known() ? size_str(d.capacity) : "?", d.known() ? size_str(d.headroom()) : "?"};
    if (repack) r.insert(r.begin() + 3, d.repack.value() > 0 ? size_str(d.repack) : "-");
    t.rows.push_back(std::move(r));
  };
  for (const DevicePlan& d : p.gpus) row(d);
  row(p.host);
  return t;
}

int run_fit(Context& ctx, const FitOptions& opt) {
  const FitAnswer a = answer_fit(ctx, {opt.model, opt.workload, opt.placement, opt.backend});
  const int code = a.fits() ? 0 : 1;
  if (a.pool) {
    std::string text = ctx.format() == "json" ? dump(pool_fit_json(*a.pool)) : pool_fit_text(*a.pool, Style{ctx.color() && ctx.format() == "table"});
    if (opt.quiet)  // the text's verdict line alone
      if (const std::size_t v = text.find("verdict: "); v != std::string::npos) text = text.substr(v, text.find('\n', v) + 1 - v);
    ctx.io.out << text;
    return code;
  }
  if (ctx.format() == "json") {
    ctx.io.out << dump(fit_json(a));
    return code;
  }
  const Style style{ctx.color() && ctx.format() == "table"};
  if (opt.quiet) {  // for scripts that want the answer and a line to log: the exit code says the same
    ctx.io.out << fmt::format("verdict: {} ({})\n", verdict_text(a.placement.verdict, style), a.reason);
    return code;
  }
  const Table t = fit_table(a.placement);
  if (ctx.format() == "csv") {  // the bare table, for spreadsheets and scripts
    ctx.io.out << t.csv();
    return code;
  }
  std::string out = solve_text(a.solve) + headline(a.query) + "\n\n" + t.render(ctx.format()) + "\n";
  out += fmt::format("verdict: {} ({})\n", verdict_text(a.placement.verdict, style), a.reason);
  out += parallelism_text(a.placement);
  for (const std::string& n : a.notes) out += "note: " + n + "\n";
  if (!a.ollama_ps.empty()) out += "ollama ps: " + a.ollama_ps + "\n";
  // A plan that does not fit has no speed to report (JSON keeps the figures of the placement tried).
  if (a.placement.verdict != Verdict::does_not_fit) out += speed_text(a.speed, a.query.workload);
  out += "\n" + assumptions_text(a.assumptions);
  ctx.io.out << out;
  return code;
}

}  // namespace

void setup_fit(CLI::App& app, Context& ctx, int& exit_code) {
  auto opt = std::make_shared<FitOptions>();
  CLI::App* sub = app.add_subcommand("fit", "does MODEL fit on the devices? verdict, headroom, decode and prefill speed (exit 0 fits, 1 does not)");
  sub->add_option("model", opt->model, "catalog id, alias or Ollama tag; or a GGUF file, a Hugging Face directory or config.json, an https:// URL, hf:ORG/REPO[:QUANT]")->required();
  opt->workload.add_to(*sub);
  opt->placement.add_to(*sub, true);
  opt->placement.add_questions_to(*sub);
  sub->add_option("--prompt", opt->workload.prompt, "prompt tokens for prefill speed and time to first token (default 512, at most the context)");
  sub->add_option("--at", opt->workload.at, "also the decode speed at this context position, 0 to the context (e.g. 3000, 16k)");
  sub->add_option("--backend", opt->backend, "llama.cpp backend of the GPUs for the speed estimate: cuda, rocm, vulkan, metal, sycl (default: by vendor), or cpu (everything on the CPU, in host RAM)");
  sub->add_flag("--quiet", opt->quiet, "print the verdict line only (the exit code: 0 fits, 1 does not)");
  sub->callback([&ctx, &exit_code, opt] {
    if (opt->quiet && ctx.format() != "table")
      throw io::InputError("--quiet prints the verdict line of the text output: drop it with --format " + ctx.format());
    exit_code = run_fit(ctx, *opt);
  });
}

}  // namespace vramfit::cli
