// vramfit recommend MODEL: the cheapest device configurations that hold the model and reach the speed,
// with price, power, energy and caveats. vramfit recommend --use-case NAME: minimum / recommended /
// best configurations for a use case of data/planning.yaml. Exit 0 with an answer, 1 when nothing
// qualifies, 2 on bad input. The answers are the engine's (engine/recommend.hpp, engine/use_case.hpp);
// this file writes them.
#include <algorithm>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/planning.hpp"
#include "cli/report.hpp"
#include "engine/placement_search.hpp"
#include "engine/recommend.hpp"
#include "engine/use_case.hpp"

namespace vramfit::cli {
namespace {

struct RecommendOptions {
  RecommendRequest request;
  WorkloadOptions workload;  // -q, -c ...: copied into request.workload when the command runs
};

Json config_json(const RankedConfig& c) {
  const Evaluation& e = c.evaluation;
  const PowerFigures& f = c.power;
  Json j;
  j["configuration"] = e.config.label;
  j["devices"] = e.config.devices;
  j["kind"] = e.config.kind;
  j["verdict"] = to_string(e.placement.verdict);
  j["price_usd"] = or_null(e.config.price_usd);
  j["price_lower_bound"] = e.config.price_lower_bound;
  j["price_source"] = e.config.price_source.empty() ? Json(nullptr) : Json(e.config.price_source);
  j["decode_tokens_per_second"] = or_null(e.tps);
  j["calibration"] = calibration_json(e.speed.calibration);
  j["usd_per_token_per_second"] = or_null(c.usd_per_tps);
  j["least_headroom_bytes"] = e.least_headroom.value();
  j["accelerator_power_w"] = or_null(e.config.tdp_w);
  j["peak_draw_w"] = or_null(f.draw);
  j["psu_w"] = or_null(f.psu);
  j["kwh_per_million_tokens"] = or_null(f.kwh_per_mtok);
  j["energy_usd_per_million_tokens"] = or_null(f.energy_usd_per_mtok);
  j["break_even_hours"] = or_null(f.break_even);
  j["caveats"] = e.caveats;
  return j;
}

std::string limits_text(const RecommendLimits& l, const std::string& ram, bool moe) {
  std::string s;
  // --ram only places a MoE model's routed experts; a dense model keeps every block on the GPUs.
  if (!ram.empty()) s += " · " + ram + (moe ? " host RAM for MoE experts" : " host RAM (unused: a dense model keeps every block on the GPUs)");
  if (l.min_tps > 0) s += fmt::format(" · at least {:g} tok/s", l.min_tps);
  if (l.budget > 0) s += fmt::format(" · at most ${:g}", l.budget);
  if (l.max_watts > 0) s += fmt::format(" · at most {:g} W", l.max_watts);
  return s;
}

// The table of configurations; their caveats are numbered into `notes`. `priced` false: the list without
// a price (no price and $/(tok/s) columns). Where a MoE model keeps routed experts in host RAM (--ram), a
// column with the llama.cpp flags and the host memory of that plan.
std::string configs_table(const std::vector<RankedConfig>& list, const RecommendLimits& l, const std::string& format,
                          std::vector<std::string>& notes, bool priced = true) {
  const bool experts = std::any_of(list.begin(), list.end(), [](const RankedConfig& c) { return c.evaluation.experts_in_ram; });
  Table t;
  t.header = {"#", "configuration", "price", "$/(tok/s)", "decode tok/s", "headroom", "peak W", "PSU W", "kWh/Mtok"};
  t.right = {true, false, true, true, true, true, true, true, true};
  if (!priced) {
    t.header.erase(t.header.begin() + 2, t.header.begin() + 4);
    t.right.erase(t.right.begin() + 2, t.right.begin() + 4);
  }
  if (l.kwh_price > 0) t.header.push_back("$/Mtok"), t.right.push_back(true);
  if (l.cloud_price > 0) t.header.push_back("break-even h"), t.right.push_back(true);
  if (experts) t.header.push_back("experts in RAM"), t.right.push_back(false);
  t.header.push_back("notes");
  t.right.push_back(false);
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Evaluation& e = list[i].evaluation;
    const PowerFigures& f = list[i].power;
    const double per = list[i].usd_per_tps;
    std::vector<std::string> row = {std::to_string(i + 1), e.config.label, price_str(e.config),
                                    per > 0 ? fmt::format("{:.1f}", per) : "?", tps_str(e.tps), size_str(e.least_headroom),
                                    f.draw > 0 ? fmt::format("{:.0f}", f.draw) : "?",
                                    f.psu ? fmt::format("{:.0f}", *f.psu) : "?",
                                    f.kwh_per_mtok > 0 ? fmt::format("{:.2f}", f.kwh_per_mtok) : "?"};
    if (!priced) row.erase(row.begin() + 2, row.begin() + 4);
    if (l.kwh_price > 0) row.push_back(f.energy_usd_per_mtok ? fmt::format("{:.2f}", *f.energy_usd_per_mtok) : "?");
    // "never" only where the energy is known to cost more than renting; no price or no board power: "?".
    if (l.cloud_price > 0)
      row.push_back(f.break_even ? fmt::format("{:.0f}", *f.break_even) : e.config.price_usd > 0 && f.draw > 0 ? "never" : "?");
    if (experts)
      row.push_back(e.experts_in_ram ? fmt::format("{}, {}", placement_flags(e.placement), size_str(e.placement.host.total())) : "-");
    const std::string refs = note_refs(e.caveats, notes);
    row.push_back(refs.empty() ? "-" : "[" + refs + "]");
    t.rows.push_back(row);
  }
  return t.render(format);
}

// The table of configurations with a numbered list of their caveats below it.
std::string configs_text(const std::vector<RankedConfig>& list, const RecommendLimits& l, const std::string& format) {
  std::vector<std::string> notes;
  std::string out = configs_table(list, l, format, notes);
  if (format == "table") out += notes_text(notes);
  return out;
}

Json recommend_json(const RecommendAnswer& a) {
  const RecommendLimits& l = a.limits;
  Json j = json_document("recommend");
  j["model"] = model_json(a.query);
  j["quant"] = a.query.mix->mix.id;
  j["runtime"] = a.query.runtime->id;
  j["workload"] = workload_json(a.query.workload);
  j["requirements"] = {{"min_tokens_per_second", or_null(l.min_tps)}, {"budget_usd", or_null(l.budget)},
                       {"max_watts", or_null(l.max_watts)}, {"kwh_price_usd", or_null(l.kwh_price)},
                       {"cloud_usd_per_hour", or_null(l.cloud_price)}};
  j["holding"] = a.holding;
  j["matching"] = a.matching;
  // With --ram (issue 21): the RAM, and where each configuration keeps the model, as what-fits writes it.
  if (!a.ram.empty()) j["requirements"]["host_ram_bytes"] = a.ram_bytes.value();
  const auto ranked = [&a](const auto& configs) {
    Json list = Json::array();
    for (std::size_t i = 0; i < configs.size(); ++i) {
      Json c = config_json(configs[i]);
      if (!a.ram.empty()) add_placement_json(c, configs[i].evaluation);
      c["rank"] = i + 1;
      list.push_back(c);
    }
    return list;
  };
  j["configurations"] = ranked(a.configs);
  j["unpriced_matching"] = a.unpriced_matching;
  j["unpriced_configurations"] = ranked(a.unpriced);
  j["assumptions"] = a.assumptions;
  return j;
}

std::string recommend_text(const RecommendAnswer& a, const std::string& format, const TextOptions& text) {
  if (format == "csv") return configs_text(a.configs, a.limits, "csv");  // the bare table, for spreadsheets and scripts
  std::string out = "recommend: " + headline(a.query) + limits_text(a.limits, a.ram, a.query.model->spec.moe.present()) + "\n";
  out += fmt::format("{} configurations hold the model, {} meet the requirements", a.holding, a.matching);
  const std::size_t priced = a.matching - a.unpriced_matching;
  std::vector<std::string> notes;
  if (a.matching == 0) {
    out += ": none\n";
  } else if (priced == 0) {
    out += ", none with a price\n";
  } else {
    if (a.unpriced_matching > 0) out += fmt::format(", {} with a price", priced);
    out += a.configs.size() < priced ? fmt::format("; the {} cheapest:\n\n", a.configs.size()) : ":\n\n";
    out += configs_table(a.configs, a.limits, format, notes);
  }
  if (!a.unpriced.empty()) {
    out += fmt::format("\nno price in the catalog for {} (give one: --price ID=USD, --prices FILE){}:\n\n", a.unpriced_matching,
                       a.unpriced.size() < a.unpriced_matching ? fmt::format("; the {} fastest", a.unpriced.size()) : ", fastest first");
    out += configs_table(a.unpriced, a.limits, format, notes, false);
  }
  if (format == "table") out += notes_text(notes) + "\n" + assumptions_text(a.assumptions, text);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Use cases
// ---------------------------------------------------------------------------------------------

std::string tokens_label(std::int64_t c) { return c % 1024 == 0 ? fmt::format("{}k", c / 1024) : std::to_string(c); }

// "$1,999 launch", as the fine-tuning tiers print it.
std::string device_price(const TierGpu& g) {
  Config c;
  c.price_usd = g.price.usd;
  c.price_source = to_string(g.price.source);
  return price_str(c);
}

Json gpu_json(const TierGpu& g) {
  // An unpriced GPU has a null price (as in every other document), not 0.
  return Json{{"device", g.device->id}, {"price_usd", g.price.usd > 0 ? Json(g.price.usd) : Json(nullptr)},
              {"price_source", g.price.usd > 0 ? Json(to_string(g.price.source)) : Json(nullptr)},
              {"capacity_bytes", g.capacity.value()}, {"headroom_bytes", g.headroom.value()}};
}

// One tier: its JSON object and its table row; the caveats of inference answers are numbered in `notes`.
Json tier_row(const io::UseCase& u, const TierAnswer& ta, Table& t, std::vector<std::string>& notes) {
  const io::UseCaseTier& tier = *ta.tier;
  Json jt = {{"tier", tier.tier}, {"model", tier.model}, {"quant", tier.quant}, {"context", tier.context},
             {"min_tokens_per_second", tier.min_tps}};
  if (ta.finetune) {
    jt["method"] = u.finetune;
    jt["training_bytes"] = ta.training.total().value();
    const std::string what = fmt::format("{} {} r16, {} tokens", tier.model, u.finetune == "qlora" ? "QLoRA" : "LoRA", tokens_label(tier.context));
    if (ta.gpus.empty()) {
      jt["answer"] = nullptr;
      t.rows.push_back({tier.tier, what, "no single GPU in the catalog", "", "", "", "", ""});
      return jt;
    }
    jt["answer"] = gpu_json(ta.gpus.front());
    Json alts = Json::array();
    std::string next;
    for (std::size_t i = 1; i < ta.gpus.size(); ++i) {
      alts.push_back(gpu_json(ta.gpus[i]));
      next += fmt::format("{}{} ({})", next.empty() ? "" : "; ", ta.gpus[i].device->id, device_price(ta.gpus[i]));
    }
    jt["alternatives"] = alts;
    const TierGpu& best = ta.gpus.front();
    t.rows.push_back({tier.tier, what, best.device->id, device_price(best), "-", size_str(best.headroom),
                      best.device->tdp_w > 0 ? fmt::format("{:.0f}", best.device->tdp_w) : "?", next.empty() ? "-" : next});
    return jt;
  }
  const std::string workload = fmt::format("{} {}, {} ctx{}", tier.model, tier.quant, tokens_label(tier.context),
                                           tier.min_tps > 0 ? fmt::format(", >= {:g} tok/s", tier.min_tps) : "");
  if (ta.configs.empty()) {
    jt["answer"] = nullptr;
    t.rows.push_back({tier.tier, workload, "none in the catalog", "", "", "", "", ""});
    return jt;
  }
  const RankedConfig& best = ta.configs.front();
  jt["answer"] = config_json(best);
  Json alts = Json::array();
  std::string next;
  for (std::size_t i = 1; i < ta.configs.size(); ++i) {
    const Evaluation& e = ta.configs[i].evaluation;
    alts.push_back(config_json(ta.configs[i]));
    next += fmt::format("{}{} ({}, {} tok/s)", next.empty() ? "" : "; ", e.config.label, price_str(e.config), tps_str(e.tps));
  }
  jt["alternatives"] = alts;
  const Evaluation& e = best.evaluation;
  const std::string refs = note_refs(e.caveats, notes);
  t.rows.push_back({tier.tier, workload, e.config.label + (refs.empty() ? "" : " [" + refs + "]"), price_str(e.config),
                    tps_str(e.tps), size_str(e.least_headroom), best.power.draw > 0 ? fmt::format("{:.0f}", best.power.draw) : "?",
                    next.empty() ? "-" : next});
  return jt;
}

int write_use_case(Context& ctx, const UseCaseAnswer& a) {
  const io::UseCase& u = *a.use_case;
  Json tiers = Json::array();
  Table t;
  t.header = {"tier", "workload", "configuration", "price", "decode tok/s", "headroom", "peak W", "next cheapest"};
  t.right = {false, false, false, true, true, true, true, false};
  std::vector<std::string> notes;
  for (const TierAnswer& ta : a.tiers) tiers.push_back(tier_row(u, ta, t, notes));
  const int code = a.any() ? 0 : 1;
  if (ctx.format() == "json") {
    Json j = json_document("recommend_use_case");
    j["use_case"] = {{"id", u.id}, {"name", u.name}, {"source", u.source}};
    j["tiers"] = tiers;
    if (!a.finetune_note.empty()) j["note"] = a.finetune_note;
    j["assumptions"] = a.assumptions;
    ctx.io.out << dump(j);
    return code;
  }
  if (ctx.format() == "csv") {
    ctx.io.out << t.csv();
    return code;
  }
  std::string out = fmt::format("use case: {} ({})\n\n", u.name, u.id) + t.render(ctx.format());
  if (ctx.format() == "table") {
    if (!a.finetune_note.empty()) out += "\nnote: " + a.finetune_note + "\n";
    out += notes_text(notes);
    out += "\nfor comparison, " + u.source.front() + "\n";
    out += "\n" + assumptions_text(a.assumptions, ctx.text_options());
  }
  ctx.io.out << out;
  return code;
}

int run_recommend(Context& ctx, const RecommendRequest& r) {
  if (!r.use_case.empty()) return write_use_case(ctx, answer_use_case(ctx, r));
  const RecommendAnswer a = answer_recommend(ctx, r);
  ctx.io.out << (ctx.format() == "json" ? dump(recommend_json(a)) : recommend_text(a, ctx.format(), ctx.text_options()));
  return a.found() ? 0 : 1;
}

}  // namespace

void setup_recommend(CLI::App& app, Context& ctx, int& exit_code) {
  auto opt = std::make_shared<RecommendOptions>();
  RecommendRequest& r = opt->request;
  CLI::App* sub = app.add_subcommand("recommend", "the cheapest hardware that holds MODEL at the speed, or the configurations for a use case (exit 0, 1 none)");
  sub->add_option("model", r.model, "model id, alias or Ollama tag");
  sub->add_option("--use-case", r.use_case, "a use case of data/planning.yaml: minimum / recommended / best configurations");
  opt->workload.add_to(*sub);
  sub->add_option("--min-tps", r.min_tps, "least decode tokens/s (at half the context)");
  sub->add_option("--budget", r.budget, "most US dollars for the accelerators, at the price used (yours, street, launch); configurations without a price are left out");
  sub->add_option("--price", r.prices, "your price for a device: ID=USD or ID:MEMGB=USD for one memory option (repeatable; wins over the catalog)")
      ->allow_extra_args(false);
  sub->add_option("--prices", r.prices_file, "a YAML file of your prices: 'ID: USD' per line (ID or ID:MEMGB), or a list of them");
  sub->add_flag("--new", r.new_only, "price new hardware: ignore used street prices (street new, then launch)");
  sub->add_option("--max-watts", r.max_watts, "most peak draw in watts, accelerators + system (unknown power is left out)");
  sub->add_option("--kwh-price", r.kwh_price, "electricity price in USD per kWh: adds energy cost per million tokens");
  sub->add_option("--cloud-price", r.cloud_price, "rental price in USD per hour: adds the break-even hours of owning vs renting");
  sub->add_option("--top", r.top, "how many configurations to list (default 10)");
  sub->add_option("--reserve", r.reserve, "memory per GPU held by other processes or the desktop");
  sub->add_option("--margin", r.margin, "memory per GPU a configuration keeps free (default: the runtime's, 1 GiB for llama.cpp)");
  sub->add_option("--ram", r.ram, "host RAM beside the GPUs: a MoE model may keep its routed experts there (-ngl all --n-cpu-moe N) on fewer GPUs");
  sub->add_option("--split", r.split, "layer (default, llama.cpp) or tensor (vLLM-style tensor parallel over identical GPUs)");
  sub->add_flag("--no-mixed", r.no_mixed, "leave out mixed pairs of different GPUs");
  sub->callback([&ctx, &exit_code, opt] {
    opt->request.workload = opt->workload;
    exit_code = run_recommend(ctx, opt->request);
  });
}

}  // namespace vramfit::cli
