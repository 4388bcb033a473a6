// table MODEL / table --device ID: the memory of each quantization at each context, or the verdict of
// each catalog model and quantization on the devices.
#include "engine/table.hpp"

#include <fmt/format.h>

#include "base/diagnostics.hpp"
#include "engine/memory.hpp"
#include "formats/parse.hpp"

namespace vramfit::engine {
namespace {

std::vector<std::string> quants_of(const TableRequest& r, std::vector<std::string> defaults) {
  if (!r.quants.empty()) return io::split_list(r.quants);
  if (!r.workload.quant.empty()) return {r.workload.quant};
  return defaults;
}

}  // namespace

TableAnswer answer_table(Session& s, const TableRequest& r) {
  if (r.model.empty() == r.placement.devices.empty())
    throw io::InputError("table needs either a MODEL or --device ID (not both)");
  TableAnswer a;
  if (r.model.empty()) a.device = answer_device_table(s, r);
  else a.model = answer_model_table(s, r);
  return a;
}

ModelTable answer_model_table(Session& ctx, const TableRequest& opt) {
  const std::vector<std::string> quants = quants_of(opt, {"Q2_K", "Q3_K_M", "Q4_K_M", "Q5_K_M", "Q6_K", "Q8_0", "F16"});
  WorkloadRequest wo = opt.workload;
  ModelTable t;
  const Query& base = t.query = resolve_query(ctx, opt.model, wo);
  const ModelSpec& m = base.model->spec;
  std::vector<std::int64_t>& contexts = t.contexts;
  if (opt.contexts.empty() && !opt.workload.context.empty()) {
    contexts.push_back(io::parse_tokens(opt.workload.context, "context"));
  } else if (opt.contexts.empty()) {
    for (std::int64_t c : {std::int64_t{4096}, std::int64_t{32768}, std::int64_t{131072}})
      if (c <= m.max_context) contexts.push_back(c);
    if (contexts.empty() || contexts.back() < m.max_context) contexts.push_back(m.max_context);
  } else {
    for (const std::string& c : io::split_list(opt.contexts)) contexts.push_back(io::parse_tokens(c, "--contexts"));
  }
  if (quants.empty() || contexts.empty()) throw io::InputError("--quants and --contexts need at least one value");
  for (const std::string& qid : quants) {
    wo.quant = qid;
    ModelTableRow row;
    WeightBreakdown weights;  // one per quant: the weights do not depend on the context
    for (std::size_t i = 0; i < contexts.size(); ++i) {
      wo.context = std::to_string(contexts[i]);
      const Query q = resolve_query(ctx, opt.model, wo);
      if (i == 0) weights = query_weights(ctx, q);
      const MemoryEstimate e = estimate(ctx, q, weights);
      const Placement p = full_offload(q, e);
      if (i == 0) {
        row.quant = q.mix->mix.id;
        row.bits_per_weight = e.weights.bits_per_weight();
        row.weights = e.weights.total;
      }
      row.cells.push_back({contexts[i], e.kv.total, p.gpus.front().total()});
    }
    t.rows.push_back(row);
  }
  t.assumptions = base.assumptions;
  t.assumptions.erase(t.assumptions.begin() + 1);  // the context line varies by column
  t.assumptions.push_back("total = GPU memory for a full offload: weights except token embeddings, KV cache, compute buffer, CUDA runtime overhead");
  return t;
}

DeviceTable answer_device_table(Session& ctx, const TableRequest& opt) {
  const io::Catalog& cat = ctx.catalog();
  DeviceTable t;
  t.devices = opt.placement.devices;
  const std::vector<std::string> quants = quants_of(opt, {"Q4_K_M", "Q5_K_M", "Q6_K", "Q8_0", "F16"});
  for (const std::string& qid : quants) t.quants.push_back(cat.mix(qid).mix.id);
  std::vector<std::string>& assumptions = t.assumptions;
  const RuntimeProfile& runtime = cat.runtime(opt.workload.runtime);
  std::vector<std::string> cannot_run;
  for (const io::CatalogModel& cm : cat.models) {
    if (!cm.not_estimable.empty()) continue;  // estimable: false (DeepSeek-V4-Flash): no figures to show
    if (runtime_cannot_run(cm.spec, runtime)) {  // mllama under llama.cpp: not a model it can run
      cannot_run.push_back(cm.spec.id);
      continue;
    }
    DeviceTableRow row;
    row.model = cm.spec.id;
    row.params = count_params(cm.spec).total;
    for (const std::string& qid : quants) {
      WorkloadRequest wo = opt.workload;
      wo.quant = qid;
      const Query q = resolve_query(ctx, cm.spec.id, wo);
      const ResolvedPlacement rp = resolve_placement(ctx, q, opt.placement);
      MemoryEstimate e = estimate(ctx, q);
      if (rp.request.cpu_repack) e.repack = query_repack(ctx, q, rp.cpu);  // llama.cpp's CPU_REPACK copy on a CPU host
      DeviceTableCell cell;
      cell.quant = q.mix->mix.id;
      Placement p;
      try {
        p = place(cm.spec, e, rp.request);
      } catch (const CoreError& err) {  // e.g. more GPUs than this model has layers: a cell, not an error
        if (err.kind() != ErrorKind::placement) throw;
        cell.applicable = false;
        cell.reason = err.what();
        row.cells.push_back(cell);
        continue;
      }
      if (assumptions.empty()) {
        if (!opt.workload.context.empty()) t.context = q.workload.context;
        assumptions = q.assumptions;
        assumptions.erase(assumptions.begin() + 2, assumptions.end() - 1);
        assumptions.insert(assumptions.end(), rp.assumptions.begin(), rp.assumptions.end());
      }
      Bytes need = p.host.total();
      for (const DevicePlan& d : p.gpus) need += d.total();
      cell.verdict = p.verdict;
      cell.gpu_layers = p.gpu_layers;
      cell.total_layers = p.total_layers;
      cell.total = need;
      row.cells.push_back(cell);
    }
    t.rows.push_back(row);
  }
  if (!cannot_run.empty()) {
    std::string ids;
    for (const std::string& id : cannot_run) ids += (ids.empty() ? "" : ", ") + id;
    assumptions.push_back(fmt::format("note: left out: {} ({} has no mllama architecture; --runtime ollama, vllm or transformers includes them)",
                                      ids, runtime.id));
  }
  return t;
}

}  // namespace vramfit::engine
