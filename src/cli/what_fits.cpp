// vramfit what-fits DEVICE[xN]: every catalog model with the best quantization that fits on the
// devices (all layers on the GPUs), its speed and the quality note of that quantization level, ranked
// by quality class, then size, then speed (planning.hpp better_fit). Exit 0, 1 when nothing fits.
#include <algorithm>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/commands.hpp"
#include "cli/planning.hpp"
#include "formats/parse.hpp"
#include "base/suggest.hpp"
#include "cli/report.hpp"

namespace vramfit::cli {
namespace {

struct WhatFitsOptions {
  std::vector<std::string> devices;
  WorkloadOptions workload;
  std::string reserve, ram, min_tps, quants, filter;
};

// From the most bits to the fewest; the first that fits (and reaches --min-tps) is the answer.
const std::vector<std::string> kDefaultLadder = {"F16", "Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "Q3_K_M", "Q2_K", "IQ2_XXS"};

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

struct Row {
  const io::CatalogModel* model = nullptr;
  std::string quant;
  double bits = 0;
  const QualityLevel* quality = nullptr;
  Evaluation ev;
  double params = 0;
};

int run_what_fits(Context& ctx, const WhatFitsOptions& o) {
  const io::Catalog& cat = ctx.catalog();
  const PlanningData& pd = planning_data();
  const double min_tps = o.min_tps.empty() ? 0 : io::parse_amount(o.min_tps, "--min-tps", true);
  const std::vector<std::string> ladder = o.quants.empty() ? kDefaultLadder : split_list(o.quants);
  if (ladder.empty()) throw io::InputError("--quants needs at least one quantization");
  for (const std::string& qid : ladder) (void)cat.mix(qid);  // unknown ids: an error before any work
  DeviceRequest p;
  p.devices = o.devices;
  p.reserve = o.reserve;
  p.ram = o.ram;
  std::vector<std::string> local_notes;
  if (names_local(p)) p = expand_local(ctx, p, &local_notes);
  Config config;
  for (const std::string& d : p.devices) config.label += (config.label.empty() ? "" : " + ") + d;
  if (config.label.empty())  // a CPU-only host described by --ram / --ram-bandwidth (--device local)
    config.label = fmt::format("CPU only ({} RAM at {})", p.ram.empty() ? "?" : p.ram, p.ram_bandwidth.empty() ? "?" : p.ram_bandwidth);
  config.devices = p.devices;
  config.kind = "given";
  std::vector<Row> rows;
  std::vector<std::string> none, assumptions;
  for (const io::CatalogModel& cm : cat.models) {
    if (!o.filter.empty() && io::to_lower(cm.spec.id).find(io::to_lower(o.filter)) == std::string::npos) continue;
    std::optional<Row> found;
    // The fewest bits first, then up: memory and time per token only grow with the bits, so the walk
    // stops at the first quantization that does not fit (or is too slow); the one before is the answer.
    for (std::size_t k = ladder.size(); k-- > 0;) {
      WorkloadOptions w = o.workload;
      w.quant = ladder[k];
      const Question q = make_question(ctx, cm.spec.id, w, p);
      std::optional<Evaluation> ev = evaluate(ctx, q, config);
      if (assumptions.empty() && ev) {
        assumptions = ev->assumptions;
        assumptions.insert(assumptions.begin(), fmt::format("runtime {}; context per model: {}", q.query.runtime->id,
                                                            o.workload.context.empty() ? "4096, capped at the model maximum" : o.workload.context));
      }
      if (!(ev && ev->fits && (min_tps <= 0 || ev->tps >= min_tps))) break;
      Row r;
      r.model = &cm;
      r.quant = q.query.mix->mix.id;
      r.bits = q.estimate.weights.bits_per_weight();
      r.quality = quality_for_bits(pd.quality, r.bits);
      r.ev = std::move(*ev);
      r.params = double(count_params(cm.spec).total);
      found = std::move(r);
    }
    // Walking up stops at the first miss, so `found` holds the most bits that fit.
    if (found) rows.push_back(std::move(*found));
    else none.push_back(cm.spec.id);
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return better_fit(FitOption{a.quality ? a.quality->rank : 0, a.params, a.ev.tps},
                      FitOption{b.quality ? b.quality->rank : 0, b.params, b.ev.tps});
  });
  assumptions.push_back("per model: the quantization with the most bits among " + fmt::format("{}", fmt::join(ladder, ", ")) +
                        " that keeps every layer on the devices" + (min_tps > 0 ? fmt::format(" at {:g} tok/s or more", min_tps) : ""));
  assumptions.push_back("ranked: quality classes 'no practical loss' and 'moderate loss' (>= 4.2 bits/weight) first, then 3-bit and 2-bit; within a class the larger model first, then the faster (a smaller model at 4-bit usually beats a larger one at 2-bit, seed 002)");
  assumptions.push_back("quality notes: data/planning.yaml (llama.cpp quantize perplexity at Llama-3-8B; seed 002 quality guide)");
  for (const std::string& n : local_notes) assumptions.push_back(n);
  const int code = rows.empty() ? 1 : 0;
  if (ctx.format() == "json") {
    Json j = json_document("what_fits");
    j["devices"] = p.devices;
    j["min_tokens_per_second"] = min_tps > 0 ? Json(min_tps) : Json(nullptr);
    Json list = Json::array();
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const Row& r = rows[i];
      Bytes total{0};
      for (const DevicePlan& d : r.ev.placement.gpus) total += d.total();
      if (r.ev.placement.gpus.empty()) total = r.ev.placement.host.total();
      list.push_back({{"rank", i + 1}, {"model", r.model->spec.id}, {"params", r.params}, {"quant", r.quant},
                      {"bits_per_weight", r.bits}, {"quality", r.quality ? r.quality->level : ""},
                      {"quality_note", r.quality ? r.quality->note : ""}, {"memory_bytes", total.value()},
                      {"least_headroom_bytes", r.ev.least_headroom.value()},
                      {"decode_tokens_per_second", r.ev.tps > 0 ? Json(r.ev.tps) : Json(nullptr)}});
    }
    j["models"] = list;
    j["does_not_fit"] = none;
    j["assumptions"] = assumptions;
    ctx.io.out << dump(j);
    return code;
  }
  Table t;
  t.header = {"#", "model", "params", "quant", "bits/weight", "quality", "memory", "headroom", "decode tok/s"};
  t.right = {true, false, true, false, true, false, true, true, true};
  std::vector<const QualityLevel*> shown;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    Bytes total{0};
    for (const DevicePlan& d : r.ev.placement.gpus) total += d.total();
    if (r.ev.placement.gpus.empty()) total = r.ev.placement.host.total();
    if (r.quality && std::find(shown.begin(), shown.end(), r.quality) == shown.end()) shown.push_back(r.quality);
    t.rows.push_back({std::to_string(i + 1), r.model->spec.id, fmt::format("{:.1f}B", r.params / 1e9), r.quant,
                      fmt::format("{:.2f}", r.bits), r.quality ? r.quality->level : "?", size_str(total),
                      size_str(r.ev.least_headroom), tps_str(r.ev.tps)});
  }
  if (ctx.format() == "csv") {  // the bare table
    ctx.io.out << t.csv();
    return code;
  }
  std::string ctx_label = o.workload.context.empty() ? "4096 (or the model maximum)" : o.workload.context;
  std::string out = fmt::format("what fits on {} · context {}{}\n\n", config.label, ctx_label,
                                min_tps > 0 ? fmt::format(" · at least {:g} tok/s", min_tps) : "");
  out += t.render(ctx.format());
  if (ctx.format() == "table") {
    std::sort(shown.begin(), shown.end(), [](const QualityLevel* a, const QualityLevel* b) { return a->min_bits > b->min_bits; });
    out += "\nquality:\n";
    for (const QualityLevel* q : shown) out += fmt::format("  {}: {}\n", q->level, q->note);
    if (!none.empty()) out += fmt::format("\ndoes not fit even at {}: {}\n", ladder.back(), fmt::join(none, ", "));
    out += "\n" + assumptions_text(assumptions);
  }
  ctx.io.out << out;
  return code;
}

}  // namespace

void setup_what_fits(CLI::App& app, Context& ctx, int& exit_code) {
  auto opt = std::make_shared<WhatFitsOptions>();
  CLI::App* sub = app.add_subcommand("what-fits", "every catalog model with the best quantization that fits on the devices, ranked (exit 0, 1 none)");
  sub->add_option("device", opt->devices, "device spec ID[:SIZE][xN] (repeatable; 'local' = what detect finds)")->required();
  opt->workload.add_to(*sub);
  sub->add_option("--min-tps", opt->min_tps, "least decode tokens/s (at half the context)");
  sub->add_option("--quants", opt->quants, "quantizations to try, most bits first (default F16,Q8_0,Q6_K,Q5_K_M,Q4_K_M,Q3_K_M,Q2_K,IQ2_XXS)");
  sub->add_option("--reserve", opt->reserve, "memory per GPU held by other processes or the desktop");
  sub->add_option("--ram", opt->ram, "host RAM (CPU presets: their memory)");
  sub->add_option("--filter", opt->filter, "only models whose id contains TEXT");
  sub->callback([&ctx, &exit_code, opt] { exit_code = run_what_fits(ctx, *opt); });
}

}  // namespace vramfit::cli
