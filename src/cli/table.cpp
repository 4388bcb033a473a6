// vramfit table MODEL: quantization x context matrix of the memory a full GPU offload needs.
// vramfit table --device ID: every catalog model x quantization on one device, with the verdict.
// The answers come from engine/table.hpp; here they become tables and the JSON documents
// "model_table" and "device_table".
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/render.hpp"
#include "cli/report.hpp"
#include "engine/table.hpp"

namespace vramfit::cli {
namespace {

struct TableOptions {
  std::string model;
  std::string quants;
  std::string contexts;
  WorkloadOptions workload;
  PlacementOptions placement;
};

Json model_table_json(const ModelTable& mt) {
  Json rows = Json::array();
  for (const ModelTableRow& r : mt.rows) {
    Json jr;
    jr["quant"] = r.quant;
    Json cells = Json::array();
    for (const ModelTableCell& c : r.cells) {
      Json cell;
      cell["context"] = c.context;
      cell["kv_bytes"] = c.kv.value();
      cell["gpu_full_offload_bytes"] = c.gpu_full_offload.value();
      cells.push_back(cell);
    }
    jr["weights_bytes"] = r.weights.value();
    jr["bits_per_weight"] = r.bits_per_weight;
    jr["contexts"] = cells;
    rows.push_back(jr);
  }
  Json j = json_document("model_table");
  j["model"] = model_json(mt.query);
  j["runtime"] = mt.query.runtime->id;
  j["rows"] = rows;
  j["assumptions"] = mt.assumptions;
  return j;
}

std::string model_table_text(const ModelTable& mt, const std::string& format, const TextOptions& text) {
  Table t;
  t.header = {"quant", "bits/weight", "weights"};
  t.right = {false, true, true};
  for (std::int64_t c : mt.contexts) {
    t.header.push_back(fmt::format("total @ {}", c >= 1024 && c % 1024 == 0 ? fmt::format("{}k", c / 1024) : std::to_string(c)));
    t.right.push_back(true);
  }
  for (const ModelTableRow& r : mt.rows) {
    std::vector<std::string> row = {r.quant, fmt::format("{:.2f}", r.bits_per_weight), size_str(r.weights)};
    for (const ModelTableCell& c : r.cells) row.push_back(size_str(c.gpu_full_offload));
    t.rows.push_back(row);
  }
  if (format == "csv") return t.csv();
  const ModelSpec& m = mt.query.model->spec;
  return fmt::format("{} ({}) · memory for a full GPU offload · {}\n\n", m.name, m.id, mt.query.runtime->id) + t.render(format) +
         "\n" + assumptions_text(mt.assumptions, text);
}

Json device_table_json(const DeviceTable& dt) {
  Json rows = Json::array();
  for (const DeviceTableRow& r : dt.rows) {
    Json jr;
    jr["model"] = r.model;
    Json cells = Json::array();
    for (const DeviceTableCell& c : r.cells) {
      if (!c.applicable) {
        cells.push_back({{"quant", c.quant}, {"verdict", "not_applicable"}, {"reason", c.reason}});
        continue;
      }
      Json cell;
      cell["quant"] = c.quant;
      cell["verdict"] = to_string(c.verdict);
      cell["gpu_layers"] = c.gpu_layers;
      cell["total_bytes"] = c.total.value();
      cells.push_back(cell);
    }
    jr["cells"] = cells;
    rows.push_back(jr);
  }
  Json j = json_document("device_table");
  j["devices"] = dt.devices;
  j["rows"] = rows;
  j["assumptions"] = dt.assumptions;
  return j;
}

std::string device_table_text(const DeviceTable& dt, const std::string& format, const TextOptions& text) {
  const Style& style = text.style;
  Table t;
  t.header = {"model", "params"};
  t.right = {false, true};
  for (const std::string& q : dt.quants) {
    t.header.push_back(q);
    t.right.push_back(true);
  }
  for (const DeviceTableRow& r : dt.rows) {
    std::vector<std::string> row = {r.model, fmt::format("{:.1f}B", double(r.params) / 1e9)};
    for (const DeviceTableCell& c : r.cells) {
      if (!c.applicable) {
        row.push_back("n/a");
        continue;
      }
      const std::string mark = c.verdict == Verdict::fits ? style.green("yes")
                               : c.verdict == Verdict::fits_with_offload
                                   ? style.yellow(fmt::format("{}/{}", c.gpu_layers, c.total_layers))
                                   : style.red("no");
      row.push_back(fmt::format("{} {:.1f}", mark, to_gib(c.total)));
    }
    t.rows.push_back(row);
  }
  if (format == "csv") return t.csv();
  std::string title;
  for (const std::string& d : dt.devices) title += (title.empty() ? "" : " + ") + d;
  const std::string context = dt.context > 0 ? std::to_string(dt.context) : "4096 (or the model maximum)";
  // The key to the cells is part of the table, not an assumption: always printed.
  const std::string key =
      "cell: yes = fits on the device(s), N/M = llama.cpp -ngl N of M layers fit (offload), no = not even one layer, n/a = more GPUs "
      "than layers, or a tensor-parallel degree the heads do not allow; number = total GiB needed (GPUs + host)\n";
  return fmt::format("catalog models on {} · context {}\n\n", title, context) + t.render(format) + "\n" + wrap(key, text.columns) +
         assumptions_text(dt.assumptions, text);
}

int run_table(Context& ctx, const TableOptions& opt) {
  const TableAnswer a = answer_table(ctx, {opt.model, opt.quants, opt.contexts, opt.workload, opt.placement});
  const std::string format = ctx.format();
  if (a.model) ctx.io.out << (format == "json" ? dump(model_table_json(*a.model)) : model_table_text(*a.model, format, ctx.text_options()));
  else ctx.io.out << (format == "json" ? dump(device_table_json(*a.device)) : device_table_text(*a.device, format, ctx.text_options()));
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
  sub->callback([&ctx, &exit_code, opt] { exit_code = run_table(ctx, *opt); });
}

}  // namespace vramfit::cli
