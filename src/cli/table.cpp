// vramfit table MODEL: quantization x context matrix of the memory a full GPU offload needs.
// vramfit table --device ID: every catalog model x quantization on one device, with the verdict.
#include <sstream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/render.hpp"
#include "cli/report.hpp"
#include "formats/parse.hpp"

namespace vramfit::cli {
namespace {

struct TableOptions {
  std::string model;
  std::string quants;
  std::string contexts;
  WorkloadOptions workload;
  PlacementOptions placement;
};

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

int model_table(Context& ctx, const TableOptions& opt) {
  const std::vector<std::string> quants =
      !opt.quants.empty()         ? split_list(opt.quants)
      : !opt.workload.quant.empty() ? std::vector<std::string>{opt.workload.quant}
                                    : std::vector<std::string>{"Q2_K", "Q3_K_M", "Q4_K_M", "Q5_K_M", "Q6_K", "Q8_0", "F16"};
  WorkloadOptions wo = opt.workload;
  Query base = resolve_query(ctx, opt.model, wo);
  const ModelSpec& m = base.model->spec;
  std::vector<std::int64_t> contexts;
  if (opt.contexts.empty() && !opt.workload.context.empty()) {
    contexts.push_back(io::parse_tokens(opt.workload.context, "context"));
  } else if (opt.contexts.empty()) {
    for (std::int64_t c : {std::int64_t{4096}, std::int64_t{32768}, std::int64_t{131072}})
      if (c <= m.max_context) contexts.push_back(c);
    if (contexts.empty() || contexts.back() < m.max_context) contexts.push_back(m.max_context);
  } else {
    for (const std::string& c : split_list(opt.contexts)) contexts.push_back(io::parse_tokens(c, "--contexts"));
  }
  if (quants.empty() || contexts.empty()) throw io::InputError("--quants and --contexts need at least one value");
  Table t;
  t.header = {"quant", "bits/weight", "weights"};
  t.right = {false, true, true};
  for (std::int64_t c : contexts) {
    t.header.push_back(fmt::format("total @ {}", c >= 1024 && c % 1024 == 0 ? fmt::format("{}k", c / 1024) : std::to_string(c)));
    t.right.push_back(true);
  }
  Json rows = Json::array();
  for (const std::string& qid : quants) {
    wo.quant = qid;
    std::vector<std::string> row;
    Json jr;
    jr["quant"] = qid;
    Json cells = Json::array();
    WeightBreakdown weights;  // one per quant: the weights do not depend on the context
    for (std::size_t i = 0; i < contexts.size(); ++i) {
      wo.context = std::to_string(contexts[i]);
      const Query q = resolve_query(ctx, opt.model, wo);
      if (i == 0) weights = query_weights(ctx, q);
      const MemoryEstimate e = estimate(ctx, q, weights);
      const Placement p = full_offload(q, e);
      if (i == 0) {
        row = {q.mix->mix.id, fmt::format("{:.2f}", e.weights.bits_per_weight()), size_str(e.weights.total)};
        jr["quant"] = q.mix->mix.id;
        jr["weights_bytes"] = e.weights.total.value();
        jr["bits_per_weight"] = e.weights.bits_per_weight();
      }
      row.push_back(size_str(p.gpus.front().total()));
      Json cell;
      cell["context"] = contexts[i];
      cell["kv_bytes"] = e.kv.total.value();
      cell["gpu_full_offload_bytes"] = p.gpus.front().total().value();
      cells.push_back(cell);
    }
    jr["contexts"] = cells;
    rows.push_back(jr);
    t.rows.push_back(row);
  }
  std::vector<std::string> assumptions = base.assumptions;
  assumptions.erase(assumptions.begin() + 1);  // the context line varies by column
  assumptions.push_back("total = GPU memory for a full offload: weights except token embeddings, KV cache, compute buffer, CUDA runtime overhead");
  if (ctx.format() == "json") {
    Json j = json_document("model_table");
    j["model"] = model_json(*base.model);
    j["runtime"] = base.runtime->id;
    j["rows"] = rows;
    j["assumptions"] = assumptions;
    ctx.io.out << dump(j);
    return 0;
  }
  std::string out = ctx.format() == "csv" ? t.csv()
                    : fmt::format("{} ({}) · memory for a full GPU offload · {}\n\n", m.name, m.id, base.runtime->id) +
                          t.render(ctx.format()) + "\n" + assumptions_text(assumptions);
  ctx.io.out << out;
  return 0;
}

int device_table(Context& ctx, const TableOptions& opt) {
  const io::Catalog& cat = ctx.catalog();
  const std::vector<std::string> quants =
      !opt.quants.empty()         ? split_list(opt.quants)
      : !opt.workload.quant.empty() ? std::vector<std::string>{opt.workload.quant}
                                    : std::vector<std::string>{"Q4_K_M", "Q5_K_M", "Q6_K", "Q8_0", "F16"};
  Style style{ctx.color() && ctx.format() == "table"};
  Table t;
  t.header = {"model", "params"};
  t.right = {false, true};
  for (const std::string& qid : quants) {
    t.header.push_back(cat.mix(qid).mix.id);
    t.right.push_back(true);
  }
  Json rows = Json::array();
  std::vector<std::string> assumptions;
  std::string context_label = "4096 (or the model maximum)";
  for (const io::CatalogModel& cm : cat.models) {
    std::vector<std::string> row = {cm.spec.id, fmt::format("{:.1f}B", double(count_params(cm.spec).total) / 1e9)};
    Json jr;
    jr["model"] = cm.spec.id;
    Json cells = Json::array();
    for (const std::string& qid : quants) {
      WorkloadOptions wo = opt.workload;
      wo.quant = qid;
      const Query q = resolve_query(ctx, cm.spec.id, wo);
      const ResolvedPlacement rp = resolve_placement(ctx, q, opt.placement);
      const MemoryEstimate e = estimate(ctx, q);
      Placement p;
      try {
        p = place(cm.spec, e, rp.request);
      } catch (const CoreError& err) {  // e.g. more GPUs than this model has layers: a cell, not an error
        if (err.kind() != ErrorKind::placement) throw;
        row.push_back("n/a");
        cells.push_back({{"quant", q.mix->mix.id}, {"verdict", "not_applicable"}, {"reason", err.what()}});
        continue;
      }
      if (assumptions.empty()) {
        if (!opt.workload.context.empty()) context_label = std::to_string(q.workload.context);
        assumptions = q.assumptions;
        assumptions.erase(assumptions.begin() + 2, assumptions.end() - 1);
        assumptions.insert(assumptions.end(), rp.assumptions.begin(), rp.assumptions.end());
      }
      Bytes need = p.host.total();
      for (const DevicePlan& d : p.gpus) need += d.total();
      const std::string mark = p.verdict == Verdict::fits ? style.green("yes")
                               : p.verdict == Verdict::fits_with_offload
                                   ? style.yellow(fmt::format("{}/{}", p.gpu_layers, p.total_layers))
                                   : style.red("no");
      row.push_back(fmt::format("{} {:.1f}", mark, to_gib(need)));
      Json cell;
      cell["quant"] = q.mix->mix.id;
      cell["verdict"] = to_string(p.verdict);
      cell["gpu_layers"] = p.gpu_layers;
      cell["total_bytes"] = need.value();
      cells.push_back(cell);
    }
    jr["cells"] = cells;
    rows.push_back(jr);
    t.rows.push_back(row);
  }
  assumptions.push_back("cell: yes = fits on the device(s), N/M = llama.cpp -ngl N of M layers fit (offload), no = not even one layer, n/a = more GPUs than layers, or a tensor-parallel degree the heads do not allow; number = total GiB needed (GPUs + host)");
  if (ctx.format() == "json") {
    Json j = json_document("device_table");
    j["devices"] = opt.placement.devices;
    j["rows"] = rows;
    j["assumptions"] = assumptions;
    ctx.io.out << dump(j);
    return 0;
  }
  std::string title;
  for (const std::string& d : opt.placement.devices) title += (title.empty() ? "" : " + ") + d;
  std::string out = ctx.format() == "csv" ? t.csv()
                    : fmt::format("catalog models on {} · context {}\n\n", title, context_label) + t.render(ctx.format()) +
                          "\n" + assumptions_text(assumptions);
  ctx.io.out << out;
  return 0;
}

}  // namespace

void setup_table(CLI::App& app, Context& ctx, int& exit_code) {
  auto opt = std::make_shared<TableOptions>();
  CLI::App* sub = app.add_subcommand("table", "quantization x context table for a model, or models x quantizations on --device");
  sub->add_option("model", opt->model, "model id (omit with --device for every catalog model)");
  sub->add_option("--quants", opt->quants, "comma-separated quantizations (default Q2_K..F16 for a model, Q4_K_M..F16 for a device)");
  sub->add_option("--contexts", opt->contexts, "comma-separated contexts for a model table (default 4k,32k,128k up to the model maximum)");
  opt->workload.add_to(*sub);
  opt->placement.add_to(*sub, false);
  sub->callback([&ctx, &exit_code, opt] {
    if (opt->model.empty() == opt->placement.devices.empty())
      throw io::InputError("table needs either a MODEL or --device ID (not both)");
    exit_code = opt->model.empty() ? device_table(ctx, *opt) : model_table(ctx, *opt);
  });
}

}  // namespace vramfit::cli
