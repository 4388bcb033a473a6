// recommend --use-case NAME: each tier of the use case answered by the planning engine (inference) or
// the training estimator (fine-tuning), with the use case's notes and the recommend assumptions.
#include "engine/use_case.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "engine/memory.hpp"
#include "engine/text.hpp"
#include "vramfit/weights.hpp"

namespace vramfit::engine {
namespace {

// How many configurations (or GPUs) a tier lists: the answer and two alternatives.
constexpr std::size_t kTierChoices = 3;

// A fine-tuning tier: LoRA (bf16 base) or QLoRA (NF4 + double quantization) with the finetune
// defaults (rank 16 on every linear layer, AdamW, micro-batch 1) and gradient checkpointing, as the
// QLoRA recipe trains (Dettmers et al. 2023, arXiv 2305.14314 §4), over the tier's context; the
// priced discrete GPUs that hold it, cheapest first.
TierAnswer finetune_tier(Session& s, const io::UseCase& u, const io::UseCaseTier& tier, const PriceBook& prices, std::string& note) {
  FinetuneSetup setup;
  setup.method = u.finetune == "qlora" ? FtMethod::qlora : FtMethod::lora;
  setup.seq = tier.context;
  setup.grad_ckpt = true;
  WorkloadRequest wo;
  wo.quant = setup.method == FtMethod::qlora ? "bnb-nf4-dq" : "hf-bf16";
  const Query q = resolve_query(s, tier.model, wo);
  TierAnswer t;
  t.tier = &tier;
  t.finetune = true;
  t.training = finetune_memory(q.model->spec, weight_bytes(q.model->spec, q.mix->mix, s.types(), true), setup, s.catalog().finetune);
  std::vector<TierGpu> ranked;
  for (const io::CatalogDevice& d : s.catalog().devices) {
    if (d.device.kind != DeviceKind::gpu || d.device.unified_memory()) continue;
    const PriceChoice p = prices.unit_price(d, 0, true);
    const Bytes cap = d.device.capacity(0);
    if (p.usd > 0 && finetune_verdict(t.training, cap) == FtVerdict::fits) ranked.push_back({&d.device, p, cap, cap - t.training.total()});
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const TierGpu& a, const TierGpu& b) { return a.price.usd < b.price.usd; });
  for (std::size_t i = 0; i < ranked.size() && i < kTierChoices; ++i) t.gpus.push_back(ranked[i]);
  const FinetuneMemory& mm = t.training;
  note = fmt::format("fine-tuning tiers: training memory of `vramfit finetune {} --method {} --seq {} --grad-ckpt`: {} = weights {} + adapters, gradients and optimizer {} + activations, logits and loss {} + CUDA context, workspaces and fragmentation {}; on one GPU at the price recommend uses (yours, street, launch). `vramfit finetune` shows the options (checkpointing, 8-bit optimizers, several GPUs)",
                     tier.model, u.finetune, tier.context, size_str(mm.total()), size_str(mm.frozen_weights),
                     size_str(mm.model_states() - mm.frozen_weights + mm.dequant), size_str(mm.activations.total()),
                     size_str(mm.context + mm.fragmentation + mm.gathered + mm.ddp_buckets));
  return t;
}

}  // namespace

bool UseCaseAnswer::any() const {
  return std::any_of(tiers.begin(), tiers.end(), [](const TierAnswer& t) { return t.answered(); });
}

UseCaseAnswer answer_use_case(Session& s, const RecommendRequest& o) {
  const io::PlanningData& pd = io::planning_data();
  const io::UseCase& u = pd.use_case(o.use_case);
  const RecommendLimits l = read_limits(o);
  if (!o.model.empty() || !o.min_tps.empty() || !o.workload.quant.empty() || !o.workload.context.empty())
    throw io::InputError("--use-case sets the model, quantization, context and speed of each tier: drop MODEL, -q, -c and --min-tps");
  if (!o.ram.empty())
    throw io::InputError("--ram (routed experts of a MoE model in host RAM) applies to recommend MODEL: the use cases' tiers keep every layer on the accelerators");
  UseCaseAnswer a;
  a.use_case = &u;
  const PriceBook prices = read_prices(s.catalog(), o.prices, o.prices_file, o.new_only);
  for (const io::UseCaseTier& tier : u.tiers) {
    if (!u.finetune.empty()) {
      // Training memory from the fine-tuning estimator (finetune.hpp, as `vramfit finetune`), on the
      // cheapest single GPU of the catalog that holds it.
      a.tiers.push_back(finetune_tier(s, u, tier, prices, a.finetune_note));
      continue;
    }
    WorkloadRequest w = o.workload;
    w.quant = tier.quant;
    w.context = std::to_string(tier.context);
    DeviceRequest p = recommend_placement(o);
    if (u.extra_gib > 0 && p.reserve.empty()) p.reserve = fmt::format("{:g}GB", u.extra_gib);
    const Question q = make_question(s, tier.model, w, p);
    CandidateFilter f;
    f.kinds = u.kinds;
    f.laptop = u.laptop;
    f.mixed_pairs = !o.no_mixed;
    f.prices = &prices;
    RecommendLimits tl = l;
    tl.min_tps = tier.min_tps;
    TierAnswer t;
    t.tier = &tier;
    t.configs = rank_configs(fitting_configs(s, q, f), tl, pd.power);
    if (t.configs.size() > kTierChoices) t.configs.resize(kTierChoices);
    if (a.assumptions.empty()) a.assumptions = recommend_assumptions(l, pd.power);
    a.tiers.push_back(std::move(t));
  }
  if (u.extra_gib > 0)
    a.assumptions.insert(a.assumptions.begin(), fmt::format("{:g} GiB beside the LLM on each GPU (or in RAM on a CPU-only run) for the embedding model (--reserve)", u.extra_gib));
  if (!u.notes.empty()) a.assumptions.insert(a.assumptions.begin(), u.notes);
  return a;
}

}  // namespace vramfit::engine
