// vramfit what-fits DEVICE[xN]: every catalog model with the best quantization that fits on the
// devices (all layers on the GPUs), its speed and the quality note of that quantization level, ranked
// by quality class, then size, then speed. Exit 0, 1 when nothing fits. The answer is the engine's
// (engine/what_fits.hpp); this file writes it.
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/diagnostics.hpp"
#include "cli/commands.hpp"
#include "cli/planning.hpp"
#include "cli/report.hpp"
#include "engine/placement_search.hpp"
#include "engine/what_fits.hpp"

namespace vramfit::cli {
namespace {

struct WhatFitsOptions {
  WhatFitsRequest request;
  WorkloadOptions workload;  // -q, -c ...: copied into request.workload when the command runs
};

Json what_fits_json(const WhatFitsAnswer& a) {
  Json j = json_document("what_fits");
  j["devices"] = a.devices;
  j["min_tokens_per_second"] = a.min_tps > 0 ? Json(a.min_tps) : Json(nullptr);
  Json list = Json::array();
  for (std::size_t i = 0; i < a.models.size(); ++i) {
    const FitRow& r = a.models[i];
    Json m = {{"rank", i + 1}, {"model", r.model->spec.id}, {"params", static_cast<std::int64_t>(r.params)}, {"quant", r.quant},
              {"bits_per_weight", r.bits}, {"quality", r.quality ? r.quality->level : ""},
              {"quality_note", r.quality ? r.quality->note : ""}, {"memory_bytes", r.memory.value()},
              {"least_headroom_bytes", r.evaluation.least_headroom.value()}, {"decode_tokens_per_second", or_null(r.evaluation.tps)}};
    // Added in issue 21: the llama.cpp flags of the placement, and the routed experts kept in host RAM.
    add_placement_json(m, r.evaluation);
    list.push_back(m);
  }
  j["models"] = list;
  j["does_not_fit"] = a.does_not_fit;
  j["assumptions"] = a.assumptions;
  return j;
}

// The table for people; `context` is -c as given (the header line names it).
std::string what_fits_text(const WhatFitsAnswer& a, const std::string& context, const std::string& format, const TextOptions& text) {
  Table t;
  t.header = {"#", "model", "params", "quant", "bits/weight", "quality", "memory", "headroom", "decode tok/s"};
  t.right = {true, false, true, false, true, false, true, true, true};
  // Where a MoE model keeps routed experts in host RAM: a column with the blocks and the RAM they take.
  const bool experts = std::any_of(a.models.begin(), a.models.end(), [](const FitRow& r) { return r.evaluation.experts_in_ram; });
  if (experts) {
    t.header.push_back("experts in RAM");
    t.right.push_back(false);
  }
  std::vector<const QualityLevel*> shown;
  for (std::size_t i = 0; i < a.models.size(); ++i) {
    const FitRow& r = a.models[i];
    if (r.quality && std::find(shown.begin(), shown.end(), r.quality) == shown.end()) shown.push_back(r.quality);
    t.rows.push_back({std::to_string(i + 1), r.model->spec.id, fmt::format("{:.1f}B", r.params / 1e9), r.quant,
                      fmt::format("{:.2f}", r.bits), r.quality ? r.quality->level : "?", size_str(r.memory),
                      size_str(r.evaluation.least_headroom), tps_str(r.evaluation.tps)});
    if (experts)
      t.rows.back().push_back(r.evaluation.experts_in_ram ? fmt::format("{} blocks, {}", r.evaluation.placement.host.expert_count,
                                                                        size_str(r.evaluation.placement.host.total()))
                                                          : "-");
  }
  if (format == "csv") return t.csv();  // the bare table
  const std::string ctx_label = context.empty() ? "4096 (or the model maximum)" : context;
  std::string out = fmt::format("what fits on {} · context {}{}\n\n", a.label, ctx_label,
                                a.min_tps > 0 ? fmt::format(" · at least {:g} tok/s", a.min_tps) : "");
  out += t.render(format);
  if (format == "table") {
    // The quality levels that appear, most bits first.
    std::sort(shown.begin(), shown.end(), [](const QualityLevel* x, const QualityLevel* y) { return x->min_bits > y->min_bits; });
    out += "\nquality:\n";
    for (const QualityLevel* q : shown) out += fmt::format("  {}: {}\n", q->level, q->note);
    if (!a.does_not_fit.empty()) out += fmt::format("\ndoes not fit even at {}: {}\n", a.ladder.back(), fmt::join(a.does_not_fit, ", "));
    out += "\n" + assumptions_text(a.assumptions, text);
  }
  return out;
}

int run_what_fits(Context& ctx, const WhatFitsRequest& r) {
  const WhatFitsAnswer a = answer_what_fits(ctx, r);
  ctx.io.out << (ctx.format() == "json" ? dump(what_fits_json(a)) : what_fits_text(a, r.workload.context, ctx.format(), ctx.text_options()));
  return a.found() ? 0 : 1;
}

}  // namespace

void setup_what_fits(CLI::App& app, Context& ctx, int& exit_code) {
  auto opt = std::make_shared<WhatFitsOptions>();
  WhatFitsRequest& r = opt->request;
  CLI::App* sub = app.add_subcommand("what-fits", "every catalog model with the best quantization that fits on the devices, ranked (exit 0, 1 none)");
  sub->add_option("device", r.devices, "device spec ID[:SIZE][xN] (repeatable; 'local' = what detect finds)")->required();
  opt->workload.add_to(*sub);
  sub->add_option("--min-tps", r.min_tps, "least decode tokens/s (at half the context)");
  sub->add_option("--quants", r.quants, "quantizations to try, most bits first (default F16,Q8_0,Q6_K,Q5_K_M,Q4_K_M,Q3_K_M,Q2_K,IQ2_XXS)");
  sub->add_option("--reserve", r.reserve, "memory per GPU held by other processes or the desktop");
  sub->add_option("--ram", r.ram, "host RAM (CPU presets: their memory); with it MoE models may keep their routed experts there");
  sub->add_option("--margin", r.margin, "memory per GPU kept free (default: the runtime's, 1 GiB for llama.cpp)");
  sub->add_option("--filter", r.filter, "only models whose id contains TEXT");
  sub->callback([&ctx, &exit_code, opt] {
    // -q Q asks about one quantization: a ladder of one (it used to be accepted and ignored).
    if (!opt->workload.quant.empty()) {
      if (!opt->request.quants.empty())
        throw io::InputError("what-fits: give -q QUANT (one quantization) or --quants LIST (a ladder), not both");
      opt->request.quants = opt->workload.quant;
      opt->workload.quant.clear();
    }
    opt->request.workload = opt->workload;
    exit_code = run_what_fits(ctx, opt->request);
  });
}

}  // namespace vramfit::cli
