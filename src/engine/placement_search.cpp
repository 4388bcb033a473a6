#include "engine/placement_search.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace vramfit::engine {

std::string placement_flags(const Placement& p) {
  if (p.host.expert_count > 0 && p.gpu_layers == p.total_layers) return fmt::format("-ngl all --n-cpu-moe {}", p.cpu_moe_layers);
  std::string s = p.gpu_layers == p.total_layers ? "-ngl all" : fmt::format("-ngl {}", p.gpu_layers);
  if (p.cpu_moe_layers > 0) s += fmt::format(" --n-cpu-moe {}", p.cpu_moe_layers);
  return s;
}

std::vector<std::int64_t> split_layers(const Placement& p) {
  std::vector<std::int64_t> out;
  for (const DevicePlan& d : p.gpus) out.push_back(d.layer_count + (d.output ? 1 : 0));
  return out;
}

std::string split_counts(const Placement& p) { return fmt::format("{}", fmt::join(split_layers(p), ",")); }

std::string split_why(const Placement& p) {
  if (!p.split_searched) return "";
  const std::string fill = fmt::format("-ts {} (each GPU, from the last, filled to its margin)", split_counts(p));
  if (p.host.expert_count > 0 && p.gpu_layers == p.total_layers) {
    const std::string dflt = p.default_split_cpu_moe_layers < 0
                                 ? "does not fit even with every block's experts in RAM"
                                 : fmt::format("needs --n-cpu-moe {}", p.default_split_cpu_moe_layers);
    return fmt::format("{} keeps the experts of {} blocks in host RAM; llama.cpp's default split by free memory {}", fill,
                       p.cpu_moe_layers, dflt);
  }
  return fmt::format("{} holds {} of {} layers on the GPUs; llama.cpp's default split by free memory holds {}", fill, p.gpu_layers,
                     p.total_layers, p.default_split_gpu_layers);
}

namespace {

// "31 whole blocks in host RAM" / "the routed experts of 20 blocks in host RAM".
std::string what_stays(const Placement& p) {
  if (p.host.expert_count > 0 && p.host.layer_count == 0)
    return fmt::format("the routed experts of {} block{} in host RAM", p.host.expert_count, p.host.expert_count == 1 ? "" : "s");
  return fmt::format("{} whole block{} in host RAM", p.host.layer_count, p.host.layer_count == 1 ? "" : "s");
}

}  // namespace

PlacementPick pick_placement(const ModelSpec& m, const MemoryEstimate& e, const PlacementRequest& req, bool automatic,
                             const std::function<double(const Placement&)>& decode_tps) {
  const LayerSums sums(m, e);
  PlacementPick pick;
  pick.placement = place(m, e, req, sums);
  pick.why = split_why(pick.placement);
  if (!automatic || pick.placement.verdict == Verdict::fits) return pick;
  std::optional<Placement> experts = place_experts(m, e, req, sums);
  if (!experts) return pick;
  const bool dense_ok = pick.placement.verdict != Verdict::does_not_fit;
  const bool experts_ok = experts->verdict != Verdict::does_not_fit;
  if (!experts_ok) return pick;  // host RAM too small for the experts: the -ngl placement stands
  if (!dense_ok) {
    pick.why = fmt::format("{} fits where {} does not", placement_flags(*experts), placement_flags(pick.placement));
    if (experts->split_searched) pick.why += "; " + split_why(*experts);
    pick.placement = std::move(*experts);
    return pick;
  }
  const double dense_tps = decode_tps(pick.placement), experts_tps = decode_tps(*experts);
  Placement dense = std::move(pick.placement);
  const bool experts_win = experts_tps >= dense_tps;
  Placement& win = experts_win ? *experts : dense;
  Placement& lose = experts_win ? dense : *experts;
  pick.tokens_per_second = experts_win ? experts_tps : dense_tps;
  pick.runner_up_tokens_per_second = experts_win ? dense_tps : experts_tps;
  pick.why = fmt::format("{} ({}) decodes at {:.3g} tok/s against {:.3g} for {} ({}): {}", placement_flags(win), what_stays(win),
                         pick.tokens_per_second, pick.runner_up_tokens_per_second, placement_flags(lose), what_stays(lose),
                         experts_win ? "a token reads only its active experts from RAM, not every weight of the blocks left there"
                                     : "the blocks left in RAM read less per token than the experts would");
  if (win.split_searched) pick.why += "; " + split_why(win);
  pick.placement = std::move(win);
  pick.runner_up = std::move(lose);
  return pick;
}

}  // namespace vramfit::engine
