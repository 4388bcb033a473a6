// what-fits: for each catalog model, the quantization ladder walked against the devices; the most
// bits that fit is the model's answer, and the answers are ranked by quality class, size and speed.
#include "engine/what_fits.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/suggest.hpp"
#include "catalog/planning_data.hpp"
#include "engine/compat.hpp"
#include "engine/local.hpp"
#include "formats/parse.hpp"

namespace vramfit::engine {

const std::vector<std::string> kDefaultLadder = {"F16", "Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "Q3_K_M", "Q2_K", "IQ2_XXS"};

namespace {

// What the placement holds: the GPUs' totals, or the host's on a CPU-only run.
Bytes placed_memory(const Placement& p) {
  Bytes total{0};
  for (const DevicePlan& d : p.gpus) total += d.total();
  if (p.gpus.empty()) total = p.host.total();
  return total;
}

}  // namespace

WhatFitsAnswer answer_what_fits(Session& s, const WhatFitsRequest& o) {
  const io::Catalog& cat = s.catalog();
  const io::PlanningData& pd = io::planning_data();
  WhatFitsAnswer a;
  a.min_tps = o.min_tps.empty() ? 0 : io::parse_amount(o.min_tps, "--min-tps", true);
  a.ladder = o.quants.empty() ? kDefaultLadder : io::split_list(o.quants);
  const std::vector<std::string>& ladder = a.ladder;
  const double min_tps = a.min_tps;
  if (ladder.empty()) throw io::InputError("--quants needs at least one quantization");
  for (const std::string& qid : ladder) (void)cat.mix(qid);  // unknown ids: an error before any work
  DeviceRequest p;
  p.devices = o.devices;
  p.reserve = o.reserve;
  p.ram = o.ram;
  p.margin = o.margin;
  std::vector<std::string> local_notes;
  if (names_local(p)) p = expand_local(s, p, &local_notes);
  Config config;
  for (const std::string& d : p.devices) config.label += (config.label.empty() ? "" : " + ") + d;
  if (config.label.empty())  // a CPU-only host described by --ram / --ram-bandwidth (--device local)
    config.label = fmt::format("CPU only ({} RAM at {})", p.ram.empty() ? "?" : p.ram, p.ram_bandwidth.empty() ? "?" : p.ram_bandwidth);
  config.devices = p.devices;
  config.kind = "given";
  a.devices = p.devices;
  a.label = config.label;
  std::vector<std::string>& assumptions = a.assumptions;
  const RuntimeProfile& runtime = cat.runtime(o.workload.runtime);
  {  // GPUs the runtime cannot run on: nothing fits, and the note says why.
    std::vector<DeviceSpec> specs;
    for (const std::string& text : p.devices) specs.push_back(parse_device_spec(cat, text));
    const CompatCheck cc = runtime_compat(runtime.id, specs);
    for (const std::string& b : cc.blocks) local_notes.push_back("note: " + b);
    for (const std::string& c : cc.caveats) local_notes.push_back("note: " + c);
  }
  std::vector<std::string> cannot_run;
  for (const io::CatalogModel& cm : cat.models) {
    if (!o.filter.empty() && io::to_lower(cm.spec.id).find(io::to_lower(o.filter)) == std::string::npos) continue;
    if (!cm.not_estimable.empty()) continue;  // estimable: false: nothing to rank
    if (runtime_cannot_run(cm.spec, runtime)) {  // mllama under llama.cpp: not a model it can run
      cannot_run.push_back(cm.spec.id);
      continue;
    }
    std::optional<FitRow> found;
    // The fewest bits first, then up: memory and time per token only grow with the bits, so the walk
    // stops at the first quantization that does not fit (or is too slow); the one before is the answer.
    // Except on a CPU host that repacks: a Q4 mix there also holds llama.cpp's CPU_REPACK copy of its
    // Q4_0 / Q4_K matrices, which a Q5 or Q6 mix does not have on x86, so a miss with a copy goes on up.
    for (std::size_t k = ladder.size(); k-- > 0;) {
      WorkloadRequest w = o.workload;
      w.quant = ladder[k];
      const Question q = make_question(s, cm.spec.id, w, p);
      std::optional<Evaluation> ev = evaluate(s, q, config);
      if (assumptions.empty() && ev) {
        assumptions = ev->assumptions;
        assumptions.insert(assumptions.begin(), fmt::format("runtime {}; context per model: {}", q.query.runtime->id,
                                                            o.workload.context.empty() ? "4096, capped at the model maximum" : o.workload.context));
      }
      // A MoE model with its routed experts in RAM counts where the RAM is known to hold them.
      const bool placed = ev && ev->placed();
      if (!(placed && (min_tps <= 0 || ev->tps >= min_tps))) {
        if (ev && ev->placement.host.repack.value() > 0 && (min_tps <= 0 || ev->tps >= min_tps)) continue;
        break;
      }
      FitRow r;
      r.model = &cm;
      r.quant = q.query.mix->mix.id;
      r.bits = q.estimate.weights.bits_per_weight();
      r.quality = quality_for_bits(pd.quality, r.bits);
      r.evaluation = std::move(*ev);
      r.params = double(count_params(cm.spec).total);
      r.memory = placed_memory(r.evaluation.placement);
      found = std::move(r);
    }
    // Walking up stops at the first miss (one without a repack copy), so `found` holds the most bits that fit.
    if (found) a.models.push_back(std::move(*found));
    else a.does_not_fit.push_back(cm.spec.id);
  }
  std::stable_sort(a.models.begin(), a.models.end(), [](const FitRow& x, const FitRow& y) {
    return better_fit(FitOption{x.quality ? x.quality->rank : 0, x.params, x.evaluation.tps},
                      FitOption{y.quality ? y.quality->rank : 0, y.params, y.evaluation.tps});
  });
  assumptions.push_back("per model: the quantization with the most bits among " + fmt::format("{}", fmt::join(ladder, ", ")) +
                        " that keeps every layer on the devices" + (min_tps > 0 ? fmt::format(" at {:g} tok/s or more", min_tps) : "") +
                        ", with each GPU's margin free (--margin)");
  const bool ram_known = !p.ram.empty() || !p.host.empty();
  assumptions.push_back(ram_known ? "MoE models: every block on the GPUs with the routed experts of the first N blocks in host RAM counts as a fit "
                                    "when that is the automatic placement and the RAM holds the experts (llama.cpp -ngl all --n-cpu-moe N)"
                                  : "MoE models with their routed experts in host RAM (llama.cpp --n-cpu-moe) are considered only when the host RAM "
                                    "is given (--ram)");
  assumptions.push_back("ranked: quality classes 'no practical loss' and 'moderate loss' (>= 4.2 bits/weight) first, then 3-bit and 2-bit; within a class the larger model first, then the faster (a smaller model at 4-bit usually beats a larger one at 2-bit, seed 002)");
  assumptions.push_back("quality notes: data/planning.yaml (llama.cpp quantize perplexity at Llama-3-8B; seed 002 quality guide)");
  if (!cannot_run.empty())
    assumptions.push_back(fmt::format("note: left out: {} ({} has no mllama architecture; --runtime ollama, vllm or transformers includes them)",
                                      fmt::join(cannot_run, ", "), runtime.id));
  for (const std::string& n : local_notes) assumptions.push_back(n);
  // The user's own runs (engine/calibrate.hpp) that moved a model's speed, once each.
  for (const FitRow& r : a.models)
    for (const std::string& x : r.evaluation.speed.assumptions)
      if (x.rfind("speed calibrated by your own runs", 0) == 0 && std::find(assumptions.begin(), assumptions.end(), x) == assumptions.end())
        assumptions.push_back(x);
  return a;
}

}  // namespace vramfit::engine
