// fit / estimate under a pool runtime (vLLM, TGI, TensorRT-LLM): the memory budget its start-up log
// prints (engine/pool.cpp), written as its log orders it.
#include "cli/pool_report.hpp"

#include <fmt/format.h>

#include "cli/report.hpp"

namespace vramfit::cli {
namespace {

Json pool_json(const PoolMemory& p, const PoolConfig& c) {
  return {{"total_bytes", p.total.value()},
          {"fraction", c.fraction},
          {"base", c.base == PoolBase::total ? "total" : "free"},
          {"requested_bytes", p.requested.value()},
          {"weights_bytes", p.weights.value()},
          {"activation_bytes", p.activations.value()},
          {"non_torch_bytes", p.non_torch.value()},
          {"kv_cache_bytes", p.kv_available.value()},
          {"block_tokens", c.block_tokens},
          {"page_bytes", p.page_bytes},
          {"blocks", p.blocks},
          {"kv_tokens", p.kv_tokens},
          {"cuda_graphs_bytes", c.cuda_graphs.value()},
          {"headroom_bytes", p.headroom.value()}};
}

std::string pool_lines(const PoolMemory& p, const PoolConfig& c, std::int64_t tokens_per_token_bytes) {
  Table t;
  t.header = {"memory (per GPU)", "size", "detail"};
  t.right = {false, true, false};
  const bool total_base = c.base == PoolBase::total;
  t.rows.push_back({"total memory", size_str(p.total), "as the driver reports it"});
  if (total_base) t.rows.push_back({fmt::format("requested ({:g} x total)", c.fraction), size_str(p.requested), "start-up fails if less is free"});
  t.rows.push_back({"weights", size_str(p.weights), ""});
  t.rows.push_back({"activation peak", size_str(p.activations),
                    fmt::format("profiling pass of {} tokens, {} sampled sequences", c.max_batched_tokens, c.max_seqs)});
  t.rows.push_back({"non-torch", size_str(p.non_torch), "CUDA context, NCCL, cuBLAS workspaces"});
  t.rows.push_back({"KV cache", size_str(p.kv_available),
                    fmt::format("{} blocks x {} tokens = {} tokens ({:.1f} KiB per token)", p.blocks, c.block_tokens,
                                p.kv_tokens, double(tokens_per_token_bytes) / 1024.0)});
  if (total_base)
    t.rows.push_back({"CUDA graphs", size_str(c.cuda_graphs), fmt::format("in the {} outside the request", size_str(p.headroom))});
  else
    t.rows.push_back({fmt::format("KV share of free memory"), fmt::format("{:g}", c.fraction), ""});
  return t.text();
}

}  // namespace

Json pool_fit_json(const PoolAnswer& a) {
  const Query& q = a.query;
  Json j = json_document("fit");
  j["model"] = model_json(q);
  j["quant"] = q.mix->mix.id;
  j["runtime"] = q.runtime->id;
  j["runtime_kind"] = to_string(q.runtime->kind);
  j["workload"] = workload_json(q.workload);
  j["verdict"] = to_string(a.verdict);
  j["device"] = a.device;
  j["tensor_parallel"] = a.gpus;
  j["pool"] = pool_json(a.memory, a.config);
  j["max_concurrency"] = a.max_concurrency;
  j["requested_tokens"] = a.requested_tokens;
  j["assumptions"] = a.assumptions;
  return j;
}

std::string pool_fit_text(const PoolAnswer& a, const TextOptions& t, const std::string& run) {
  const Query& q = a.query;
  const ModelSpec& m = q.model->spec;
  const Workload& w = q.workload;
  const std::string v = a.verdict == Verdict::fits ? t.style.green("FITS") : t.style.red("DOES NOT FIT");
  std::string out = wrap(fmt::format("verdict: {} ({})\n", v, a.reason), t.columns);
  out += fmt::format("{} ({}) · {} · max_model_len {} · {}\n\n", m.name, m.id, q.mix->mix.id, w.context, q.runtime->id);
  out += fmt::format("{} on {} x {}, tensor parallel {} (per GPU)\n", q.runtime->name, a.gpus, a.device, a.gpus);
  out += pool_lines(a.memory, a.config, a.kv_bytes_per_token);
  out += fmt::format("max concurrency: {:.2f}x at {} tokens per request\n", a.max_concurrency, w.context);
  std::string notes;
  for (const std::string& n : a.notes) notes += "note: " + n + "\n";
  out += wrap(notes, t.columns);
  out += run;
  out += (t.explain ? "\n" : "") + assumptions_text(a.assumptions, t);
  return out;
}

}  // namespace vramfit::cli
