// vramfit recommend MODEL: the cheapest device configurations that hold the model and reach the speed,
// with price, power, energy and caveats. vramfit recommend --use-case NAME: minimum / recommended /
// best configurations for a use case of data/planning.yaml. Exit 0 with an answer, 1 when nothing
// qualifies, 2 on bad input.
#include <algorithm>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/planning.hpp"
#include "cli/report.hpp"
#include "formats/parse.hpp"
#include "vramfit/finetune.hpp"

namespace vramfit::cli {
namespace {

struct RecommendOptions {
  std::string model;
  std::string use_case;
  WorkloadOptions workload;
  std::string reserve, split;
  std::string min_tps, budget, max_watts, kwh_price, cloud_price, top = "10";
  bool no_mixed = false;
};

struct Limits {
  double min_tps = 0, budget = 0, max_watts = 0, kwh_price = 0, cloud_price = 0;
};

Limits read_limits(const RecommendOptions& o) {
  Limits l;
  if (!o.min_tps.empty()) l.min_tps = io::parse_amount(o.min_tps, "--min-tps", true);
  if (!o.budget.empty()) l.budget = io::parse_amount(o.budget, "--budget");
  if (!o.max_watts.empty()) l.max_watts = io::parse_amount(o.max_watts, "--max-watts");
  if (!o.kwh_price.empty()) l.kwh_price = io::parse_amount(o.kwh_price, "--kwh-price", true);
  if (!o.cloud_price.empty()) l.cloud_price = io::parse_amount(o.cloud_price, "--cloud-price");
  return l;
}

// Configurations that meet the limits, cheapest first (planning.hpp `cheaper`).
std::vector<Evaluation> rank_configs(std::vector<Evaluation> all, const Limits& l, const PowerRules& power) {
  std::erase_if(all, [&](const Evaluation& e) {
    if (l.min_tps > 0 && e.tps < l.min_tps) return true;
    if (l.budget > 0 && (e.config.price_usd <= 0 || e.config.price_usd > l.budget)) return true;
    if (l.max_watts > 0) {
      const double draw = config_draw_w(e.config, power);
      if (draw <= 0 || draw > l.max_watts) return true;
    }
    return false;
  });
  auto key = [](const Evaluation& e) { return PricedOption{e.config.price_usd, e.config.price_lower_bound, e.tps}; };
  std::stable_sort(all.begin(), all.end(), [&](const Evaluation& a, const Evaluation& b) { return cheaper(key(a), key(b)); });
  return all;
}

struct PowerFigures {
  double draw = 0;  // W, 0 = unknown
  std::optional<double> psu;
  double kwh_per_mtok = 0;
  std::optional<double> break_even;
};

PowerFigures power_of(const Evaluation& e, const Limits& l, const PowerRules& r) {
  PowerFigures f;
  f.draw = config_draw_w(e.config, r);
  if (f.draw <= 0) return f;
  f.psu = psu_size_w(f.draw, r);
  f.kwh_per_mtok = kwh_per_million_tokens(f.draw, e.tps);
  if (l.cloud_price > 0) f.break_even = break_even_hours(e.config.price_usd, l.cloud_price, f.draw, l.kwh_price);
  return f;
}

Json or_null(double v) { return v > 0 ? Json(v) : Json(nullptr); }

Json config_json(const Evaluation& e, const Limits& l, const PowerRules& r) {
  const PowerFigures f = power_of(e, l, r);
  Json j;
  j["configuration"] = e.config.label;
  j["devices"] = e.config.devices;
  j["kind"] = e.config.kind;
  j["verdict"] = to_string(e.placement.verdict);
  j["price_usd"] = or_null(e.config.price_usd);
  j["price_lower_bound"] = e.config.price_lower_bound;
  j["decode_tokens_per_second"] = or_null(e.tps);
  j["usd_per_token_per_second"] = or_null(PricedOption{e.config.price_usd, false, e.tps}.usd_per_token_per_second());
  j["least_headroom_bytes"] = e.least_headroom.value();
  j["accelerator_power_w"] = or_null(e.config.tdp_w);
  j["peak_draw_w"] = or_null(f.draw);
  j["psu_w"] = f.psu ? Json(*f.psu) : Json(nullptr);
  j["kwh_per_million_tokens"] = or_null(f.kwh_per_mtok);
  j["energy_usd_per_million_tokens"] = l.kwh_price > 0 && f.kwh_per_mtok > 0 ? Json(f.kwh_per_mtok * l.kwh_price) : Json(nullptr);
  j["break_even_hours"] = f.break_even ? Json(*f.break_even) : Json(nullptr);
  j["caveats"] = e.caveats;
  return j;
}

std::string power_assumption(const PowerRules& r) {
  return fmt::format(
      "power: peak draw = accelerators' board power (catalog tdp_w) + {:g} W for the rest of the system; PSU = the next common size >= {:g} x peak; kWh per million tokens = peak draw / decode tok/s (an upper bound: decoding rarely draws full board power) (data/planning.yaml)",
      r.system_base_w, r.psu_headroom);
}

std::vector<std::string> common_assumptions(const Limits& l, const PowerRules& r) {
  std::vector<std::string> a = {
      "candidates: 1-8 GPUs of each catalog kind (the fewest that hold the model), mixed pairs of one vendor's priced cards where neither alone holds it, Apple chips and other unified-memory systems with each memory option, CPU presets (the smallest memory option that holds it); only configurations that keep every layer on the accelerators (or a CPU-only run that fits)",
      "decode tok/s: the calibrated llama.cpp estimate at half the context (as `fit` prints it)",
      "price: catalog launch price (launch_price_usd) of the cards; Apple and other systems: the entry configuration ('>=' for larger memory options); '?' = not in the catalog, listed after priced ones",
      power_assumption(r)};
  if (l.cloud_price > 0)
    a.push_back(fmt::format("break-even: hours of use after which owning (price + energy at ${:g}/kWh) costs less than renting at ${:g}/h (--cloud-price; the catalog has no sourced cloud prices)",
                            l.kwh_price, l.cloud_price));
  return a;
}

std::string limits_text(const Limits& l) {
  std::string s;
  if (l.min_tps > 0) s += fmt::format(" · at least {:g} tok/s", l.min_tps);
  if (l.budget > 0) s += fmt::format(" · at most ${:g}", l.budget);
  if (l.max_watts > 0) s += fmt::format(" · at most {:g} W", l.max_watts);
  return s;
}

// The table of configurations with a numbered list of their caveats below it.
std::string configs_text(const std::vector<Evaluation>& list, const Limits& l, const PowerRules& r, const std::string& format) {
  Table t;
  t.header = {"#", "configuration", "price", "$/(tok/s)", "decode tok/s", "headroom", "peak W", "PSU W", "kWh/Mtok"};
  t.right = {true, false, true, true, true, true, true, true, true};
  if (l.kwh_price > 0) t.header.push_back("$/Mtok"), t.right.push_back(true);
  if (l.cloud_price > 0) t.header.push_back("break-even h"), t.right.push_back(true);
  t.header.push_back("notes");
  t.right.push_back(false);
  std::vector<std::string> notes;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Evaluation& e = list[i];
    const PowerFigures f = power_of(e, l, r);
    const double per = PricedOption{e.config.price_usd, false, e.tps}.usd_per_token_per_second();
    std::vector<std::string> row = {std::to_string(i + 1), e.config.label, price_str(e.config),
                                    per > 0 ? fmt::format("{:.1f}", per) : "?", tps_str(e.tps), size_str(e.least_headroom),
                                    f.draw > 0 ? fmt::format("{:.0f}", f.draw) : "?",
                                    f.psu ? fmt::format("{:.0f}", *f.psu) : "?",
                                    f.kwh_per_mtok > 0 ? fmt::format("{:.2f}", f.kwh_per_mtok) : "?"};
    if (l.kwh_price > 0) row.push_back(f.kwh_per_mtok > 0 ? fmt::format("{:.2f}", f.kwh_per_mtok * l.kwh_price) : "?");
    if (l.cloud_price > 0) row.push_back(f.break_even ? fmt::format("{:.0f}", *f.break_even) : e.config.price_usd > 0 ? "never" : "?");
    std::string refs;
    for (const std::string& c : e.caveats) {
      auto it = std::find(notes.begin(), notes.end(), c);
      if (it == notes.end()) notes.push_back(c), it = notes.end() - 1;
      refs += (refs.empty() ? "" : ",") + std::to_string(it - notes.begin() + 1);
    }
    row.push_back(refs.empty() ? "-" : "[" + refs + "]");
    t.rows.push_back(row);
  }
  std::string out = t.render(format);
  if (format == "table" && !notes.empty()) {
    out += "\nnotes:\n";
    for (std::size_t i = 0; i < notes.size(); ++i) out += fmt::format("  [{}] {}\n", i + 1, notes[i]);
  }
  return out;
}

DeviceRequest base_placement(const RecommendOptions& o) {
  DeviceRequest p;
  p.reserve = o.reserve;
  p.split = o.split;
  return p;
}

int run_model(Context& ctx, const RecommendOptions& o) {
  const Limits l = read_limits(o);
  const std::int64_t top = io::parse_count(o.top, "--top", 1, 100000);
  const PlanningData& pd = planning_data();
  const Question q = make_question(ctx, o.model, o.workload, base_placement(o));
  CandidateFilter f;
  f.mixed_pairs = !o.no_mixed;
  const std::vector<Evaluation> all = fitting_configs(ctx, q, f);
  std::vector<Evaluation> ranked = rank_configs(all, l, pd.power);
  const std::size_t total = ranked.size();
  if (ranked.size() > std::size_t(top)) ranked.resize(std::size_t(top));
  std::vector<std::string> assumptions = q.query.assumptions;
  for (const std::string& a : common_assumptions(l, pd.power)) assumptions.push_back(a);
  const int code = ranked.empty() ? 1 : 0;
  if (ctx.format() == "json") {
    Json j = json_document("recommend");
    j["model"] = model_json(*q.query.model);
    j["quant"] = q.query.mix->mix.id;
    j["runtime"] = q.query.runtime->id;
    j["workload"] = workload_json(q.query.workload);
    j["requirements"] = {{"min_tokens_per_second", or_null(l.min_tps)}, {"budget_usd", or_null(l.budget)},
                         {"max_watts", or_null(l.max_watts)}, {"kwh_price_usd", or_null(l.kwh_price)},
                         {"cloud_usd_per_hour", or_null(l.cloud_price)}};
    j["holding"] = all.size();
    j["matching"] = total;
    Json list = Json::array();
    for (std::size_t i = 0; i < ranked.size(); ++i) {
      Json c = config_json(ranked[i], l, pd.power);
      c["rank"] = i + 1;
      list.push_back(c);
    }
    j["configurations"] = list;
    j["assumptions"] = assumptions;
    ctx.io.out << dump(j);
    return code;
  }
  if (ctx.format() == "csv") {  // the bare table, for spreadsheets and scripts
    ctx.io.out << configs_text(ranked, l, pd.power, "csv");
    return code;
  }
  std::string out = "recommend: " + headline(q.query) + limits_text(l) + "\n";
  out += fmt::format("{} configurations hold the model, {} meet the requirements", all.size(), total);
  if (ranked.empty()) {
    out += ": none\n";
  } else {
    out += ranked.size() < total ? fmt::format("; the {} cheapest:\n\n", ranked.size()) : ":\n\n";
    out += configs_text(ranked, l, pd.power, ctx.format());
  }
  if (ctx.format() == "table") out += "\n" + assumptions_text(assumptions);
  ctx.io.out << out;
  return code;
}

// ---------------------------------------------------------------------------------------------
// Use cases
// ---------------------------------------------------------------------------------------------

std::string tokens_label(std::int64_t c) { return c % 1024 == 0 ? fmt::format("{}k", c / 1024) : std::to_string(c); }

// A fine-tuning tier: LoRA (bf16 base) or QLoRA (NF4 + double quantization) with the finetune
// defaults (rank 16 on every linear layer, AdamW, micro-batch 1) and gradient checkpointing, as the
// QLoRA recipe trains (Dettmers et al. 2023, arXiv 2305.14314 §4), over the tier's context; the
// priced discrete GPUs that hold it, cheapest first.
struct FinetuneTier {
  FinetuneMemory memory;
  std::vector<const io::CatalogDevice*> ranked;
  std::string note;
};

FinetuneTier finetune_tier(Context& ctx, const UseCase& u, const UseCaseTier& tier) {
  FinetuneSetup s;
  s.method = u.finetune == "qlora" ? FtMethod::qlora : FtMethod::lora;
  s.seq = tier.context;
  s.grad_ckpt = true;
  WorkloadOptions wo;
  wo.quant = s.method == FtMethod::qlora ? "bnb-nf4-dq" : "hf-bf16";
  const Query q = resolve_query(ctx, tier.model, wo);
  FinetuneTier ft;
  ft.memory = finetune_memory(q.model->spec, weight_bytes(q.model->spec, q.mix->mix, ctx.types(), true), s, ctx.catalog().finetune);
  for (const io::CatalogDevice& d : ctx.catalog().devices)
    if (d.device.kind == DeviceKind::gpu && !d.device.unified_memory() && d.device.launch_price_usd > 0 &&
        finetune_verdict(ft.memory, d.device.capacity(0)) == FtVerdict::fits)
      ft.ranked.push_back(&d);
  std::stable_sort(ft.ranked.begin(), ft.ranked.end(), [](const io::CatalogDevice* a, const io::CatalogDevice* b) {
    return a->device.launch_price_usd < b->device.launch_price_usd;
  });
  const FinetuneMemory& mm = ft.memory;
  ft.note = fmt::format("fine-tuning tiers: training memory of `vramfit finetune {} --method {} --seq {} --grad-ckpt`: {} = weights {} + adapters, gradients and optimizer {} + activations, logits and loss {} + CUDA context, workspaces and fragmentation {}; on one GPU at its launch price. `vramfit finetune` shows the options (checkpointing, 8-bit optimizers, several GPUs)",
                        tier.model, u.finetune, tier.context, size_str(mm.total()), size_str(mm.frozen_weights),
                        size_str(mm.model_states() - mm.frozen_weights + mm.dequant), size_str(mm.activations.total()),
                        size_str(mm.context + mm.fragmentation + mm.gathered + mm.ddp_buckets));
  return ft;
}

int run_use_case(Context& ctx, const RecommendOptions& o) {
  const PlanningData& pd = planning_data();
  const UseCase& u = pd.use_case(o.use_case);
  const Limits l = read_limits(o);
  if (!o.model.empty() || !o.min_tps.empty() || !o.workload.quant.empty() || !o.workload.context.empty())
    throw io::InputError("--use-case sets the model, quantization, context and speed of each tier: drop MODEL, -q, -c and --min-tps");
  Json tiers = Json::array();
  Table t;
  t.header = {"tier", "workload", "configuration", "price", "decode tok/s", "headroom", "peak W", "next cheapest"};
  t.right = {false, false, false, true, true, true, true, false};
  std::vector<std::string> notes, assumptions;
  std::string finetune_note;
  bool any = false;
  for (const UseCaseTier& tier : u.tiers) {
    const std::string workload = fmt::format("{} {}, {} ctx{}", tier.model, tier.quant, tokens_label(tier.context),
                                             tier.min_tps > 0 ? fmt::format(", >= {:g} tok/s", tier.min_tps) : "");
    Json jt = {{"tier", tier.tier}, {"model", tier.model}, {"quant", tier.quant}, {"context", tier.context},
               {"min_tokens_per_second", tier.min_tps}};
    if (!u.finetune.empty()) {
      // Training memory from the fine-tuning estimator (finetune.hpp, as `vramfit finetune`), on the
      // cheapest single GPU of the catalog that holds it.
      const FinetuneTier ft = finetune_tier(ctx, u, tier);
      finetune_note = ft.note;
      jt["method"] = u.finetune;
      jt["training_bytes"] = ft.memory.total().value();
      const std::string what = fmt::format("{} {} r16, {} tokens", tier.model, u.finetune == "qlora" ? "QLoRA" : "LoRA", tokens_label(tier.context));
      if (ft.ranked.empty()) {
        jt["answer"] = nullptr;
        tiers.push_back(jt);
        t.rows.push_back({tier.tier, what, "no single GPU in the catalog", "", "", "", "", ""});
        continue;
      }
      any = true;
      auto gpu_json = [&](const io::CatalogDevice* d) {
        const Bytes cap = d->device.capacity(0);
        return Json{{"device", d->device.id}, {"price_usd", d->device.launch_price_usd}, {"capacity_bytes", cap.value()},
                    {"headroom_bytes", (cap - ft.memory.total()).value()}};
      };
      auto price = [](const Device& d) {  // "$1,999", as the inference tiers print it
        Config c;
        c.price_usd = d.launch_price_usd;
        return price_str(c);
      };
      jt["answer"] = gpu_json(ft.ranked.front());
      Json alts = Json::array();
      std::string next;
      for (std::size_t i = 1; i < ft.ranked.size() && i < 3; ++i) {
        alts.push_back(gpu_json(ft.ranked[i]));
        next += fmt::format("{}{} ({})", next.empty() ? "" : "; ", ft.ranked[i]->device.id, price(ft.ranked[i]->device));
      }
      jt["alternatives"] = alts;
      tiers.push_back(jt);
      const Device& best = ft.ranked.front()->device;
      t.rows.push_back({tier.tier, what, best.id, price(best), "-",
                        size_str(best.capacity(0) - ft.memory.total()), best.tdp_w > 0 ? fmt::format("{:.0f}", best.tdp_w) : "?",
                        next.empty() ? "-" : next});
      continue;
    }
    WorkloadOptions w = o.workload;
    w.quant = tier.quant;
    w.context = std::to_string(tier.context);
    DeviceRequest p = base_placement(o);
    if (u.extra_gib > 0 && p.reserve.empty()) p.reserve = fmt::format("{:g}GB", u.extra_gib);
    const Question q = make_question(ctx, tier.model, w, p);
    CandidateFilter f;
    f.kinds = u.kinds;
    f.laptop = u.laptop;
    f.mixed_pairs = !o.no_mixed;
    Limits tl = l;
    tl.min_tps = tier.min_tps;
    const std::vector<Evaluation> ranked = rank_configs(fitting_configs(ctx, q, f), tl, pd.power);
    if (assumptions.empty()) assumptions = common_assumptions(l, pd.power);
    if (ranked.empty()) {
      jt["answer"] = nullptr;
      tiers.push_back(jt);
      t.rows.push_back({tier.tier, workload, "none in the catalog", "", "", "", "", ""});
      continue;
    }
    any = true;
    const Evaluation& best = ranked.front();
    jt["answer"] = config_json(best, l, pd.power);
    Json alts = Json::array();
    std::string next;
    for (std::size_t i = 1; i < ranked.size() && i < 3; ++i) {
      alts.push_back(config_json(ranked[i], l, pd.power));
      next += fmt::format("{}{} ({}, {} tok/s)", next.empty() ? "" : "; ", ranked[i].config.label, price_str(ranked[i].config),
                          tps_str(ranked[i].tps));
    }
    jt["alternatives"] = alts;
    tiers.push_back(jt);
    std::string refs;
    for (const std::string& c : best.caveats) {
      auto it = std::find(notes.begin(), notes.end(), c);
      if (it == notes.end()) notes.push_back(c), it = notes.end() - 1;
      refs += (refs.empty() ? "" : ",") + std::to_string(it - notes.begin() + 1);
    }
    const double draw = config_draw_w(best.config, pd.power);
    t.rows.push_back({tier.tier, workload, best.config.label + (refs.empty() ? "" : " [" + refs + "]"), price_str(best.config),
                      tps_str(best.tps), size_str(best.least_headroom), draw > 0 ? fmt::format("{:.0f}", draw) : "?",
                      next.empty() ? "-" : next});
  }
  if (u.extra_gib > 0)
    assumptions.insert(assumptions.begin(), fmt::format("{:g} GiB beside the LLM on each GPU (or in RAM on a CPU-only run) for the embedding model (--reserve)", u.extra_gib));
  if (!u.notes.empty()) assumptions.insert(assumptions.begin(), u.notes);
  const int code = any ? 0 : 1;
  if (ctx.format() == "json") {
    Json j = json_document("recommend_use_case");
    j["use_case"] = {{"id", u.id}, {"name", u.name}, {"source", u.source}};
    j["tiers"] = tiers;
    if (!finetune_note.empty()) j["note"] = finetune_note;
    j["assumptions"] = assumptions;
    ctx.io.out << dump(j);
    return code;
  }
  if (ctx.format() == "csv") {
    ctx.io.out << t.csv();
    return code;
  }
  std::string out = fmt::format("use case: {} ({})\n\n", u.name, u.id) + t.render(ctx.format());
  if (ctx.format() == "table") {
    if (!finetune_note.empty()) out += "\nnote: " + finetune_note + "\n";
    if (!notes.empty()) {
      out += "\nnotes:\n";
      for (std::size_t i = 0; i < notes.size(); ++i) out += fmt::format("  [{}] {}\n", i + 1, notes[i]);
    }
    out += "\nfor comparison, " + u.source.front() + "\n";
    out += "\n" + assumptions_text(assumptions);
  }
  ctx.io.out << out;
  return code;
}

int run_recommend(Context& ctx, const RecommendOptions& o) {
  if (!o.use_case.empty()) return run_use_case(ctx, o);
  if (o.model.empty()) {
    std::string ids;
    for (const UseCase& u : planning_data().use_cases) ids += (ids.empty() ? "" : ", ") + u.id;
    throw io::InputError("recommend needs a MODEL or --use-case NAME (use cases: " + ids + ")");
  }
  return run_model(ctx, o);
}

}  // namespace

void setup_recommend(CLI::App& app, Context& ctx, int& exit_code) {
  auto opt = std::make_shared<RecommendOptions>();
  CLI::App* sub = app.add_subcommand("recommend", "the cheapest hardware that holds MODEL at the speed, or the configurations for a use case (exit 0, 1 none)");
  sub->add_option("model", opt->model, "model id, alias or Ollama tag");
  sub->add_option("--use-case", opt->use_case, "a use case of data/planning.yaml: minimum / recommended / best configurations");
  opt->workload.add_to(*sub);
  sub->add_option("--min-tps", opt->min_tps, "least decode tokens/s (at half the context)");
  sub->add_option("--budget", opt->budget, "most US dollars for the accelerators (configurations without a price are left out)");
  sub->add_option("--max-watts", opt->max_watts, "most peak draw in watts, accelerators + system (unknown power is left out)");
  sub->add_option("--kwh-price", opt->kwh_price, "electricity price in USD per kWh: adds energy cost per million tokens");
  sub->add_option("--cloud-price", opt->cloud_price, "rental price in USD per hour: adds the break-even hours of owning vs renting");
  sub->add_option("--top", opt->top, "how many configurations to list (default 10)");
  sub->add_option("--reserve", opt->reserve, "memory per GPU held by other processes or the desktop");
  sub->add_option("--split", opt->split, "layer (default, llama.cpp) or tensor (vLLM-style tensor parallel over identical GPUs)");
  sub->add_flag("--no-mixed", opt->no_mixed, "leave out mixed pairs of different GPUs");
  sub->callback([&ctx, &exit_code, opt] { exit_code = run_recommend(ctx, *opt); });
}

}  // namespace vramfit::cli
