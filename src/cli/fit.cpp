// vramfit fit MODEL --device ID[xN] ...: the fit answer (engine/fit.hpp) as a table of the devices with
// the verdict, the JSON document "fit", or the bare table as CSV; exit 0 fits or fits with offload,
// 1 does not fit (or a reverse question has no answer).
#include <fmt/format.h>

#include "base/diagnostics.hpp"
#include "cli/commands.hpp"
#include "cli/launch_report.hpp"
#include "cli/planning.hpp"
#include "cli/pool_report.hpp"
#include "cli/render.hpp"
#include "cli/report.hpp"
#include "cli/solve.hpp"
#include "cli/speed_report.hpp"
#include "engine/fit.hpp"
#include "engine/memory.hpp"
#include "engine/placement_search.hpp"

namespace vramfit::cli {
namespace {

struct FitOptions {
  std::string model;
  WorkloadOptions workload;
  PlacementOptions placement;
  std::string backend;  // --backend: llama.cpp backend of the GPUs for the speed estimate
  bool quiet = false;   // --quiet: the verdict line only
  std::string kwh_price;    // --kwh-price: the energy line of recommend (engine/recommend.hpp fit_energy)
  std::string cloud_price;  // --cloud-price: recommend's break-even hours of owning vs renting
  std::vector<std::string> prices;  // --price ID[:MEMGB]=USD: the devices' price for the break-even (as recommend)
  std::string prices_file;          // --prices FILE
  bool new_only = false;            // --new: no used street prices
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
  // The automatic placement's choice: its llama.cpp flags, the runner-up that also fit and why.
  Json search;
  search["flags"] = p.split == Parallelism::layer ? Json(placement_flags(p)) : Json(nullptr);
  search["runner_up_flags"] = a.runner_up ? Json(placement_flags(*a.runner_up)) : Json(nullptr);
  search["runner_up_decode_tokens_per_second"] = a.runner_up ? Json(a.runner_up_tokens_per_second) : Json(nullptr);
  search["why"] = a.placement_why.empty() ? Json(nullptr) : Json(a.placement_why);
  // Layers per GPU as llama.cpp -ts counts them (several GPUs, layer split), and whether the search
  // chose them over llama.cpp's default split by free memory.
  search["tensor_split"] = p.split == Parallelism::layer && p.gpus.size() > 1 ? Json(split_layers(p)) : Json(nullptr);
  search["split_searched"] = p.split_searched;
  j["placement"] = search;
  if (a.solve.asked()) j["solve"] = solve_json(a.solve);
  j["decode"] = Json::array({decode_json(a.decode_start), decode_json(a.decode_end)});
  j["speed"] = speed_json(a.speed);
  j["weights"] = weights_json(q.model->spec, a.estimate, a.params());
  j["kv_cache"] = kv_json(a.estimate);
  j["compute_buffer"] = compute_json(a.estimate.compute);
  j["cpu_repack"] = repack_json(a.estimate.repack, a.cpu, p.host.repack);
  j["notes"] = a.notes;
  j["assumptions"] = a.assumptions;
  return j;
}

// The memory table. `compact`: host RAM only where it is known or holds blocks (otherwise its
// figures are a few hundred MiB against an unknown size: --explain shows them); `narrow`: compute
// and overhead as one "buffers" column and no "usable" column, for a terminal under the full width.
// `copies` names llama.cpp's extra CPU buffers the host's copy goes to ("CPU_REPACK", "AMX" ...).
Table fit_table(const Placement& p, const std::string& copies, bool compact = false, bool narrow = false) {
  Table t;
  // The CPU_REPACK column only where llama.cpp makes the copy (a CPU that repacks what the host runs).
  const bool repack = p.host.repack.value() > 0;
  if (narrow) t.header = {"device", "layers", "weights", "KV cache", "buffers", "total", "headroom"};
  else t.header = {"device", "layers", "weights", "KV cache", "compute", "overhead", "total", "usable", "headroom"};
  t.right.assign(t.header.size(), true);
  t.right[0] = t.right[1] = false;
  if (repack) {
    t.header.insert(t.header.begin() + 3, copies);
    t.right.insert(t.right.begin() + 3, true);
  }
  auto row = [&](const DevicePlan& d) {
    std::vector<std::string> r{d.label + (d.vision ? " (+vision)" : ""), layers_text(d), size_str(d.weights), size_str(d.kv)};
    if (narrow) r.push_back(size_str(d.compute + d.output_buffer + d.overhead));
    else r.insert(r.end(), {size_str(d.compute + d.output_buffer), size_str(d.overhead)});
    r.push_back(size_str(d.total()));
    if (!narrow) r.push_back(d.known() ? size_str(d.capacity) : "?");
    r.push_back(d.known() ? size_str(d.headroom()) : "?");
    if (repack) r.insert(r.begin() + 3, d.repack.value() > 0 ? size_str(d.repack) : "-");
    t.rows.push_back(std::move(r));
  };
  for (const DevicePlan& d : p.gpus) row(d);
  const DevicePlan& h = p.host;
  if (!compact || p.gpus.empty() || h.known() || h.layer_count > 0 || h.output || h.expert_count > 0) row(h);
  return t;
}

int run_fit(Context& ctx, const FitOptions& opt) {
  const FitRequest request{opt.model, opt.workload, opt.placement, opt.backend};
  // Parsed first: a bad price is a usage error whatever the verdict.
  const RecommendLimits prices = read_prices_per_use(opt.kwh_price, opt.cloud_price);
  const bool costed = !opt.kwh_price.empty() || !opt.cloud_price.empty();
  const bool priced = !opt.prices.empty() || !opt.prices_file.empty() || opt.new_only;
  if (priced && opt.cloud_price.empty())
    throw io::InputError("--price, --prices and --new price the devices for the break-even hours: add --cloud-price USD_PER_HOUR");
  const PriceBook book = priced ? read_prices(ctx.catalog(), opt.prices, opt.prices_file, opt.new_only) : PriceBook{};
  const FitAnswer a = answer_fit(ctx, request);
  const int code = a.fits() ? 0 : 1;
  // recommend's figures for these devices (engine/recommend.hpp fit_energy), for a plan that fits (a
  // pool runtime has no decode speed: its energy line says so, its break-even needs none).
  const bool runs = a.pool ? a.fits() : a.placement.verdict != Verdict::does_not_fit;
  const std::optional<FitEnergy> cost = costed && runs ? std::optional(fit_energy(ctx, a.devices, a.speed, prices, book)) : std::nullopt;
  std::string cost_text;
  if (cost && !opt.kwh_price.empty()) cost_text += energy_text(*cost);
  if (cost && !opt.cloud_price.empty()) cost_text += break_even_text(*cost);
  // The command that runs this plan (engine/launch.hpp): only for a plan that fits.
  const std::optional<LaunchCommand> launch = code == 0 ? std::optional(launch_command(ctx, request, a)) : std::nullopt;
  const Json launch_doc = launch ? launch_json(*launch) : Json(nullptr);
  const std::string run = launch ? launch_text(*launch, ctx.text_options()) : "";
  if (a.pool) {
    Json doc = ctx.format() == "json" ? pool_fit_json(*a.pool) : Json();
    if (!doc.is_null()) doc["launch"] = launch_doc;
    if (!doc.is_null() && costed) doc["cost"] = cost ? cost_json(*cost) : Json(nullptr);
    std::string text = ctx.format() == "json" ? dump(doc) : pool_fit_text(*a.pool, ctx.text_options(), cost_text + run);
    if (opt.quiet)  // the text's verdict line alone
      if (const std::size_t v = text.find("verdict: "); v != std::string::npos) text = text.substr(v, text.find('\n', v) + 1 - v);
    ctx.io.out << text;
    return code;
  }
  if (ctx.format() == "json") {
    Json doc = fit_json(a);
    doc["launch"] = launch_doc;
    if (costed) doc["cost"] = cost ? cost_json(*cost) : Json(nullptr);  // added in issue 21
    ctx.io.out << dump(doc);
    return code;
  }
  const TextOptions text = ctx.text_options();
  const std::string verdict = fmt::format("verdict: {} ({})\n", verdict_text(a.placement.verdict, text.style), a.reason);
  if (opt.quiet) {  // for scripts that want the answer and a line to log: the exit code says the same
    ctx.io.out << verdict;
    return code;
  }
  if (ctx.format() == "csv") {  // the whole table, for spreadsheets and scripts
    ctx.io.out << fit_table(a.placement, repack_buffers(a.estimate.repack)).csv();
    return code;
  }
  // Verdict first, then what was asked, the table, notes and one speed line; --explain adds the
  // detail lines and the assumptions. Prose wraps to the terminal; the table drops to its narrow
  // columns where the full ones would not fit (markdown keeps every column and row).
  const bool compact = !text.explain;
  std::string table = fit_table(a.placement, repack_buffers(a.estimate.repack)).markdown();
  if (ctx.format() == "table") {
    table = fit_table(a.placement, repack_buffers(a.estimate.repack), compact).text();
    if (text.columns > 0 && display_width(table.substr(0, table.find('\n'))) > static_cast<std::size_t>(text.columns))
      table = fit_table(a.placement, repack_buffers(a.estimate.repack), compact, true).text();
  }
  std::string out = wrap(solve_text(a.solve) + verdict, text.columns) + headline(a.query) + "\n\n" + table;
  std::string after = parallelism_text(a.placement);
  if (!a.placement_why.empty()) after += "placement: " + a.placement_why + "\n";
  for (const std::string& n : a.notes) after += "note: " + n + "\n";
  if (!a.ollama_ps.empty()) after += "ollama ps: " + a.ollama_ps + "\n";
  out += "\n" + wrap(after, text.columns);
  // A plan that does not fit has no speed to report (JSON keeps the figures of the placement tried).
  if (a.placement.verdict != Verdict::does_not_fit) out += speed_text(a.speed, a.query.workload, text);
  out += cost_text;
  out += run;
  out += (text.explain ? "\n" : "") + assumptions_text(a.assumptions, text);
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
  sub->add_option("--kwh-price", opt->kwh_price, "electricity price in USD per kWh: adds recommend's energy line (kWh and $ per million tokens)");
  sub->add_option("--cloud-price", opt->cloud_price, "rental price in USD per hour: adds recommend's break-even hours of owning the devices vs renting");
  sub->add_option("--price", opt->prices, "with --cloud-price: your price for a device, ID=USD or ID:MEMGB=USD (repeatable; as recommend)")
      ->allow_extra_args(false);
  sub->add_option("--prices", opt->prices_file, "with --cloud-price: a YAML file of your prices (as recommend)");
  sub->add_flag("--new", opt->new_only, "with --cloud-price: price new hardware, no used street prices (as recommend)");
  sub->add_flag("--quiet", opt->quiet, "print the verdict line only (the exit code: 0 fits, 1 does not)");
  sub->callback([&ctx, &exit_code, opt] {
    if (opt->quiet && ctx.format() != "table")
      throw io::InputError("--quiet prints the verdict line of the text output: drop it with --format " + ctx.format());
    exit_code = run_fit(ctx, *opt);
  });
}

}  // namespace vramfit::cli
