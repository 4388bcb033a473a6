#include "cli/report.hpp"

#include <fmt/format.h>

namespace vramfit::cli {

std::string headline(const Query& q) {
  const Workload& w = q.workload;
  std::string ctx = fmt::format("{} tokens", w.context);
  if (w.parallel > 1) ctx += fmt::format(" x {} sequences", w.parallel);
  return fmt::format("{} ({}) · {} · {} · {}", q.model->spec.name, q.model->spec.id, q.mix->mix.id, ctx, q.runtime->id);
}

std::string assumptions_text(const std::vector<std::string>& a, const TextOptions& t) {
  if (a.empty()) return "";
  if (!t.explain) {
    // Caveats ("note: ...", "warning: ...": a model the runtime cannot run, a part not counted) stay
    // in view; the routine assumptions are counted.
    std::string out;
    std::size_t rest = 0;
    for (const std::string& s : a) {
      if (s.rfind("note: ", 0) == 0 || s.rfind("warning: ", 0) == 0) out += wrap(s + "\n", t.columns);
      else ++rest;
    }
    if (rest > 0)
      out += wrap(fmt::format("{} {}assumption{} behind these figures: add --explain (-v) to list them\n", rest,
                              rest < a.size() ? "more " : "", rest == 1 ? "" : "s"),
                  t.columns);
    return out;
  }
  std::string out = "assumptions:\n";
  for (const std::string& s : a) out += wrap("  - " + s + "\n", t.columns, 4);
  return out;
}

std::string kv_detail(const ModelSpec& m, const MemoryEstimate& e, const Workload& w) {
  std::string d = fmt::format("K {} / V {}, {} cells", w.kv_type_k, w.kv_type_v, e.kv.cells_full);
  if (e.kv.streams > 1) d += fmt::format(" x {} streams", e.kv.streams);
  if (e.kv.cells_window > 0) d += fmt::format(", window layers {} cells", e.kv.cells_window);
  if (e.kv.recurrent.value() > 0) d += fmt::format(", recurrent state {}", size_str(e.kv.recurrent));
  if (e.kv.cross.value() > 0)
    d += fmt::format(", cross-attention {} ({} image tokens{})", size_str(e.kv.cross), e.kv.cells_cross,
                     e.kv.streams > 1 ? fmt::format(" x {} streams", e.kv.streams) : std::string());
  if (e.kv.bytes_per_token > 0) d += fmt::format(", {:.1f} KiB/token", double(e.kv.bytes_per_token) / 1024.0);
  (void)m;
  return d;
}

std::string compute_detail(const ComputeTerms& c) {
  const char* top = "logits";
  Bytes best = c.logits;
  if (c.attention > best) top = "attention scratch", best = c.attention;
  if (c.ffn > best) top = "FFN intermediates", best = c.ffn;
  return fmt::format("{} {} dominate", top, size_str(best));
}

Json model_json(const io::CatalogModel& cm) {
  Json j;
  j["id"] = cm.spec.id;
  j["name"] = cm.spec.name;
  j["architecture"] = cm.spec.architecture;
  return j;
}

Json model_json(const Query& q) {
  Json j = model_json(*q.model);
  if (q.file == nullptr) return j;
  const io::ModelFile& f = *q.file;
  Json s;
  if (!f.remote) {
    s["kind"] = "file";
    s["path"] = f.path;
    s["format"] = f.format;
  } else {
    const io::RemoteSource& r = *f.remote;
    s["kind"] = r.kind;
    s["reference"] = r.reference;
    s["url"] = r.url;
    s["revision"] = r.revision.empty() ? Json(nullptr) : Json(r.revision);
    s["format"] = f.format;
    s["files"] = r.files;
    s["bytes_fetched"] = r.bytes_fetched;
    s["requests"] = r.requests;
    s["cached"] = r.cached;
  }
  j["source"] = s;
  return j;
}

Json workload_json(const Workload& w) {
  Json j;
  j["context"] = w.context;
  j["parallel"] = w.parallel;
  j["ubatch"] = w.ubatch;
  j["kv_type_k"] = w.kv_type_k;
  j["kv_type_v"] = w.kv_type_v;
  j["flash_attention"] = w.flash_attention;
  j["include_vision"] = w.include_vision;
  return j;
}

Json weights_json(const ModelSpec& m, const MemoryEstimate& e, const ParamCounts& pc) {
  Json j;
  j["bytes"] = e.weights.total.value();
  j["params"] = pc.total;
  j["params_text"] = pc.text;
  j["params_active"] = pc.active;
  j["bits_per_weight"] = e.weights.bits_per_weight();
  Json groups = Json::object();
  static const char* keys[] = {"embeddings", "output", "attention", "ffn", "experts", "shared", "ssm", "norm", "vision"};
  for (std::size_t g = 0; g < kGroupCount; ++g) groups[keys[g]] = e.weights.by_group[g].value();
  j["by_group_bytes"] = groups;
  j["active_bytes_per_token"] = (e.output_active + [&] {
                                  Bytes s{0};
                                  for (Bytes b : e.layer_active) s += b;
                                  return s;
                                }()).value();
  (void)m;
  return j;
}

Json kv_json(const MemoryEstimate& e) {
  Json j;
  j["bytes"] = e.kv.total.value();
  j["attention_bytes"] = e.kv.attention.value();
  j["recurrent_bytes"] = e.kv.recurrent.value();
  j["cross_bytes"] = e.kv.cross.value();
  j["cross_cells"] = e.kv.cells_cross;
  j["cells"] = e.kv.cells_full;
  j["window_cells"] = e.kv.cells_window;
  j["streams"] = e.kv.streams;
  j["bytes_per_token"] = e.kv.bytes_per_token;
  return j;
}

Json compute_json(const ComputeTerms& c) {
  Json j;
  j["bytes"] = c.total().value();
  j["inputs_bytes"] = c.inputs.value();
  j["mask_bytes"] = c.mask.value();
  j["logits_bytes"] = c.logits.value();
  j["attention_bytes"] = c.attention.value();
  j["ffn_bytes"] = c.ffn.value();
  j["output_buffer_bytes"] = c.output_buffer.value();
  j["kernel_workspace_bytes"] = c.workspace.value();
  return j;
}

Json repack_json(const RepackBreakdown& r, const CpuFeatures& cpu, std::optional<Bytes> host) {
  Json j;
  j["cpu_features"] = to_string(cpu);
  if (host) {
    j["bytes"] = host->value();
    j["reclaimable_page_cache_bytes"] = r.source_of(*host).value();
  }
  j["cpu_only_bytes"] = r.total.value();
  j["tensors"] = r.tensors;
  j["types"] = r.types;
  j["amx_cpu_only_bytes"] = r.amx.value();
  j["amx_tensors"] = r.amx_tensors;
  j["amx_types"] = r.amx_types;
  return j;
}

Json plan_json(const DevicePlan& d) {
  Json j;
  j["device"] = d.label;
  j["first_layer"] = d.first_layer;
  j["layers"] = d.layer_count;
  j["output_layer"] = d.output;
  j["vision_encoder"] = d.vision;
  j["weights_bytes"] = d.weights.value();
  j["kv_bytes"] = d.kv.value();
  j["compute_bytes"] = d.compute.value();
  j["overhead_bytes"] = d.overhead.value();
  j["output_buffer_bytes"] = d.output_buffer.value();
  j["repack_bytes"] = d.repack.value();
  j["total_bytes"] = d.total().value();
  if (d.known()) {
    j["capacity_bytes"] = d.capacity.value();
    j["headroom_bytes"] = d.headroom().value();
  } else {
    j["capacity_bytes"] = nullptr;
    j["headroom_bytes"] = nullptr;
  }
  j["fits"] = d.fits();
  j["margin_bytes"] = d.margin.value();
  j["headroom_after_margin_bytes"] = d.known() ? Json(d.headroom_after_margin().value()) : Json(nullptr);
  j["bandwidth_bytes_per_second"] = d.bandwidth.value();
  j["expert_first_layer"] = d.expert_first;
  j["expert_layers"] = d.expert_count;
  return j;
}

Json parallelism_json(const Placement& p) {
  Json j;
  j["mode"] = to_string(p.split);
  j["gpus"] = p.gpus.size();
  j["cpu_moe_layers"] = p.cpu_moe_layers;
  if (p.split == Parallelism::tensor) {
    Json t;
    t["degree"] = p.tp_degree;
    t["link"] = {{"id", p.link.id},
                 {"name", p.link.name},
                 {"bandwidth_bytes_per_second", p.link.bandwidth.value()},
                 {"latency_seconds", p.link.latency.value()}};
    t["comm_seconds_per_token"] = p.tp_comm_per_token.value();
    j["tensor_parallel"] = t;
  } else {
    j["tensor_parallel"] = nullptr;
  }
  return j;
}

std::string parallelism_text(const Placement& p) {
  if (p.split == Parallelism::tensor)
    return fmt::format("parallelism: tensor parallel over {} GPUs, link {} ({:g} GB/s per direction, {:g} us per all-reduce): {:.3f} ms of all-reduces per decoded token\n",
                       p.tp_degree, p.link.name, p.link.bandwidth.value() / 1e9, p.link.latency.value() * 1e6,
                       p.tp_comm_per_token.value() * 1e3);
  if (p.gpus.size() > 1)
    return fmt::format("parallelism: layer split over {} GPUs (pipeline: each runs its blocks in turn, no decode speed-up)\n", p.gpus.size());
  return "";
}

Json decode_json(const DecodeBound& b) {
  Json j;
  j["position"] = b.position;
  j["bytes_read_per_token"] = b.bytes_read.value();
  if (b.known) {
    j["upper_bound_tokens_per_second"] = b.tokens_per_second.value();
    j["lower_bound_seconds_per_token"] = b.time.value();
  } else {
    j["upper_bound_tokens_per_second"] = nullptr;
    j["lower_bound_seconds_per_token"] = nullptr;
  }
  return j;
}

}  // namespace vramfit::cli
