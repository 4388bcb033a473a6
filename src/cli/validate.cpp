// vramfit validate LOG: what a runtime says it allocated (a llama.cpp log, a vLLM start-up log, `ollama
// ps` output; src/formats/runtime_log) against vramfit's estimate for the model and settings the log
// names. Exit 0 when every term is within --tolerance, 1 when one is off, 2 for an unreadable log.
// The answer is the engine's (engine/validate.hpp); this file writes it.
#include <cmath>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/render.hpp"
#include "cli/report.hpp"
#include "engine/validate.hpp"

namespace vramfit::cli {
namespace {

std::string value_str(const ValidationTerm& t, double v) {
  if (t.unit == "bytes") return t.decimal ? gb_str(bytes_from_double(v)) : size_str(bytes_from_double(v));
  if (t.unit == "x") return fmt::format("{:.2f}x", v);
  return fmt::format("{:.0f}", v);
}

Json validate_json(const ValidateAnswer& a) {
  Json doc = json_document("validate");
  doc["log"] = {{"file", a.log_name}, {"kind", io::to_string(a.log_kind)}};
  doc["model"] = a.query ? model_json(*a.query->model) : Json(nullptr);
  doc["quant"] = a.query ? Json(a.query->mix->mix.id) : Json(nullptr);
  doc["workload"] = a.query ? workload_json(a.query->workload) : Json(nullptr);
  Json terms = Json::array();
  for (const ValidationTerm& t : a.terms) {
    Json tj;
    tj["term"] = t.name.substr(t.name.find_first_not_of(' '));  // indented rows are parts of the row above
    tj["unit"] = t.unit;
    // Bytes and token counts are integers; other units (tokens/s, ratios) stay numbers.
    const bool whole = t.unit == "bytes" || t.unit == "tokens";
    tj["measured"] = whole ? Json(std::llround(t.measured)) : Json(t.measured);
    tj["estimate"] = t.estimate ? (whole ? Json(std::llround(*t.estimate)) : Json(*t.estimate)) : Json(nullptr);
    const auto err = t.error_percent();
    tj["error_percent"] = err ? Json(std::round(*err * 100) / 100) : Json(nullptr);
    tj["within_tolerance"] = err ? Json(t.within_tolerance) : Json(nullptr);
    tj["line"] = t.line;
    if (!t.note.empty()) tj["note"] = t.note;
    terms.push_back(tj);
  }
  doc["terms"] = terms;
  doc["tolerance_percent"] = a.tolerance_percent;
  doc["slack_bytes"] = std::llround(a.slack_bytes);
  doc["terms_judged"] = a.judged;
  doc["terms_off"] = a.off;
  doc["ok"] = a.ok();
  doc["inferred"] = a.inferred;
  doc["assumptions"] = a.assumptions;
  return doc;
}

// The terms table for people (or CSV), the result line, what was inferred and the assumptions.
std::string validate_text(const ValidateAnswer& a, const std::string& format, const TextOptions& text) {
  const Style& style = text.style;
  Table t;
  t.header = {"term", "measured", "estimate", "error", "line", "note"};
  t.right = {false, true, true, true, true, false};
  for (const ValidationTerm& x : a.terms) {
    const auto err = x.error_percent();
    std::string e = err ? fmt::format("{:+.1f} %", *err) : "-";
    if (err && !x.within_tolerance) e = style.red(e + " !");
    t.rows.push_back({x.name, value_str(x, x.measured), x.estimate ? value_str(x, *x.estimate) : "-", e,
                      x.line > 0 ? std::to_string(x.line) : "", x.note});
  }
  if (format == "csv") return t.csv();
  std::string outp = fmt::format("{} ({} log) vs {}\n\n", a.log_name, io::to_string(a.log_kind), a.query ? headline(*a.query) : "");
  outp += t.render(format) + "\n";
  outp += fmt::format("result: {} ({} of {} terms within ±{:g} %)\n", a.ok() ? style.green("OK") : style.red("OFF"), a.judged - a.off,
                      a.judged, a.tolerance_percent);
  outp += "\ninferred from the log:\n";
  for (const std::string& s : a.inferred) outp += "  - " + s + "\n";
  outp += assumptions_text(a.assumptions, text);
  return outp;
}

int run_validate(Context& ctx, const ValidateRequest& r) {
  const ValidateAnswer a = answer_validate(ctx, r);
  ctx.io.out << (ctx.format() == "json" ? dump(validate_json(a)) : validate_text(a, ctx.format(), ctx.text_options()));
  return a.ok() ? 0 : 1;
}

}  // namespace

void setup_validate(CLI::App& app, Context& ctx, int& exit_code) {
  auto opt = std::make_shared<ValidateRequest>();
  CLI::App* sub = app.add_subcommand("validate", "compare a llama.cpp log, vLLM start-up log or `ollama ps` output with vramfit's estimate (exit 0 within --tolerance, 1 off)");
  sub->add_option("log", opt->log, "log file: llama.cpp stderr, vLLM start-up log, or `ollama ps` output ('-' = standard input)")->required();
  sub->add_option("--model", opt->model, "model id, Ollama name or FILE.gguf (default: inferred from the log's shape)");
  sub->add_option("-q,--quant", opt->quant, "quantization (default: the log's file type)");
  sub->add_option("-d,--device", opt->device, "vLLM: the GPU, when the log does not print its total memory (vLLM V1)");
  sub->add_option("-c,--context", opt->context, "context tokens per sequence, when the log does not print n_ctx");
  sub->add_option("--cpu-features", opt->cpu_features, "llama.cpp: the CPU for the CPU_REPACK term, e.g. avx2,avx512 or none (default: the log's system_info line, else avx2)");
  sub->add_option("--tolerance", opt->tolerance, "largest error allowed per term, in percent (default 5)");
  sub->add_option("--slack", opt->slack, "differences below this size never count as off (default 32MiB)");
  sub->callback([&ctx, &exit_code, opt] { exit_code = run_validate(ctx, *opt); });
}

}  // namespace vramfit::cli
