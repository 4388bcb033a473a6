// vramfit show ID: everything the catalog knows about one model, device, quantization or type.
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/planning.hpp"
#include "cli/render.hpp"
#include "cli/report.hpp"
#include "catalog/planning_data.hpp"
#include "engine/show.hpp"
#include "vramfit/compat.hpp"

namespace vramfit::cli {
namespace {

struct ShowOptions {
  std::string id;
  std::string mmproj;
};

using Fields = std::vector<std::pair<std::string, std::string>>;



std::string render_fields(const std::string& title, const Fields& f, const io::EntryMeta& meta) {
  std::size_t w = 0;
  for (const auto& kv : f) w = std::max(w, kv.first.size());
  std::string out = title + "\n";
  for (const auto& [k, v] : f)
    if (!v.empty()) out += fmt::format("  {:<{}}  {}\n", k, w, v);
  if (!meta.aliases.empty()) out += fmt::format("  {:<{}}  {}\n", "aliases", w, fmt::join(meta.aliases, ", "));
  if (!meta.notes.empty()) out += fmt::format("  {:<{}}  {}\n", "notes", w, meta.notes);
  if (!meta.unconfirmed.empty()) out += fmt::format("  {:<{}}  {}\n", "unconfirmed", w, fmt::join(meta.unconfirmed, ", "));
  out += "  source:\n";
  for (const std::string& s : meta.source) out += "    - " + s + "\n";
  return out;
}

std::string opt_num(std::int64_t v) { return v > 0 ? std::to_string(v) : ""; }
std::string opt_dbl(double v, const char* unit = "") { return v > 0 ? fmt::format("{:g}{}", v, unit) : ""; }

Fields model_fields(const ModelSpec& m, const ParamCounts& pc, const std::string& default_quant = "",
                    const std::string& not_estimable = "") {
  std::string pattern;
  for (LayerKind k : m.layer_pattern) pattern += (pattern.empty() ? "" : ",") + std::string(to_string(k));
  if (!not_estimable.empty()) pattern = "not modelled";  // the entry's attention is none vramfit knows
  Fields f = {{"name", m.name},
              {"architecture", m.architecture},
              {"estimable", not_estimable.empty() ? "" : "no: " + not_estimable},
              {"params (computed)", !not_estimable.empty() ? std::string("none (not estimable)")
                                    : fmt::format("{} ({:.3f} B), text {:.3f} B, active {:.3f} B", pc.total, double(pc.total) / 1e9,
                                               double(pc.text) / 1e9, double(pc.active) / 1e9)},
              {"params (declared)", opt_dbl(m.params_total_b, " B") + (m.params_active_b > 0 ? fmt::format(", active {:g} B", m.params_active_b) : "")},
              {"layers", std::to_string(m.layers)},
              {"hidden size", std::to_string(m.hidden)},
              {"heads / kv heads", fmt::format("{} / {}", m.heads, m.kv_heads)},
              {"head dim K / V", fmt::format("{} / {}", m.head_dim_k, m.head_dim_v)},
              {"ffn size", opt_num(m.ffn)},
              {"vocab", std::to_string(m.vocab)},
              {"tied embeddings", m.tied_embeddings ? "yes" : "no"},
              {"max context", std::to_string(m.max_context)},
              {"layer pattern", pattern},
              {"sliding window", opt_num(m.sliding_window)},
              {"chunk size", opt_num(m.chunk_size)},
              {"native format", m.native_format},
              {"expert format", m.expert_format},
              {"default quant", default_quant}};
  if (m.mla.kv_lora_rank > 0)
    f.push_back({"MLA", fmt::format("q_lora {} kv_lora {} rope {} nope {} v {}", m.mla.q_lora_rank, m.mla.kv_lora_rank,
                                    m.mla.qk_rope_head_dim, m.mla.qk_nope_head_dim, m.mla.v_head_dim) +
                                        (m.mla.has_indexer() ? fmt::format(", indexer {} x {}", m.mla.index_heads, m.mla.index_head_dim) : "")});
  if (m.moe.present())
    f.push_back({"MoE", fmt::format("{} experts, {} per token, expert ffn {}, {} shared, {} dense leading layers", m.moe.experts,
                                    m.moe.experts_per_token, m.moe.expert_ffn, m.moe.shared_experts, m.moe.dense_leading_layers)});
  if (m.ssm.kind != SsmKind::none)
    f.push_back({"recurrent", fmt::format("d_state {} d_conv {} d_inner {} groups {} heads {}", m.ssm.d_state, m.ssm.d_conv,
                                          m.ssm.d_inner, m.ssm.n_groups, m.ssm.n_heads)});
  // Gemma 3n / 4: global layers of their own shape, KV sharing, per-layer inputs.
  if (m.head_dim_full > 0 || m.kv_heads_full > 0 || m.full_k_eq_v)
    f.push_back({"full layers", fmt::format("{} kv heads x {} head dim{}", (m.kv_heads_full > 0 ? m.kv_heads_full : m.kv_heads), m.head_dim_full > 0 ? m.head_dim_full : m.head_dim_k,
                                            m.full_k_eq_v ? ", K = V (no v_proj)" : "")});
  if (m.kv_shared_layers > 0)
    f.push_back({"KV sharing", fmt::format("last {} layers reuse earlier layers' KV cache{}", m.kv_shared_layers,
                                           m.ffn_kv_shared > 0 ? fmt::format(", ffn {}", m.ffn_kv_shared) : "")});
  if (m.deepstack_layers > 0)
    f.push_back({"DeepStack", fmt::format("the first {} blocks each add a slice of the {} x {} wide input rows", m.deepstack_layers,
                                          1 + m.deepstack_layers, m.hidden)});
  if (m.per_layer.present())
    f.push_back({"per-layer", fmt::format("embeddings {} per layer, AltUp {} streams, LAuReL rank {}, layer scalar {}", m.per_layer.embed_dim,
                                          m.per_layer.altup_inputs, m.per_layer.laurel_rank, m.per_layer.layer_scalar ? "yes" : "no")});
  if (m.vision.present())
    f.push_back({"vision", fmt::format("{} {:.3f} B params + projector {}, {} tokens/image", m.vision.encoder,
                                       double(m.vision.params) / 1e9, m.vision.projector_params, m.vision.tokens_per_image)});
  if (m.has_cross_layers())
    f.push_back({"cross-attention", fmt::format("{} of {} layers; their K/V hold {} tokens per image, independent of the context",
                                                m.count_layers([](LayerKind k) { return k == LayerKind::cross; }), m.layers,
                                                m.vision.tokens_per_image)});
  return f;
}

// "$700-900 used (2025; SOURCE)", "$2,000-2,500 new, 48 GB MacBook Pro 14-inch (2025; SOURCE)"
std::string street_text(const PriceQuote& q) {
  Config lo, hi;
  lo.price_usd = q.low_usd;
  hi.price_usd = q.high_usd;
  std::string s = price_str(lo) + (q.high_usd != q.low_usd ? "-" + price_str(hi).substr(1) : "") + (q.used ? " used" : " new");
  if (q.memory_gib > 0) s += fmt::format(", {:g} GB", q.memory_gib);
  if (!q.product.empty()) s += " " + q.product;
  return s + " (" + q.date + "; " + q.source + ")";
}

Fields device_fields(const io::CatalogDevice& cd) {
  const Device& d = cd.device;
  std::string options;
  for (double o : d.memory_options_gib) options += (options.empty() ? "" : ", ") + fmt::format("{:g}", o);
  Fields f = {{"name", d.name},
          {"vendor / kind", fmt::format("{} / {}", d.vendor, to_string(d.kind))},
          {"architecture", d.architecture},
          {"compute capability", d.compute_capability},
          {"gfx target", d.gfx_target},
          {"memory", fmt::format("{:g} GB{}", d.memory_gib, d.memory_reported_mib > 0 ? fmt::format(" (driver reports {} MiB)", d.memory_reported_mib) : "")},
          {"memory options (GB)", options},
          {"memory platform", d.platform_id()},
          {"memory type", d.memory_type},
          {"memory bus", d.memory_bus_bits > 0 ? fmt::format("{} bit", d.memory_bus_bits) : ""},
          {"bandwidth", fmt::format("{:g} GB/s", d.bandwidth_gbs)},
          {"FP16 tensor TFLOPS", opt_dbl(d.fp16_tflops)},
          {"BF16 tensor TFLOPS", opt_dbl(d.bf16_tflops)},
          {"FP8 TFLOPS", opt_dbl(d.fp8_tflops)},
          {"FP4 TFLOPS", opt_dbl(d.fp4_tflops)},
          {"INT8 TOPS", opt_dbl(d.int8_tops)},
          {"TDP", opt_dbl(d.tdp_w, " W")},
          {"launch price", opt_dbl(d.launch_price_usd, " USD")},
          {"PCIe", d.pcie_gen > 0 ? fmt::format("gen {} x{}", d.pcie_gen, d.pcie_lanes) : ""},
          {"NVLink", opt_dbl(d.nvlink_gbs, " GB/s")}};
  // Beside the launch price, one row per quote.
  auto at = f.begin();
  while (at != f.end() && at->first != "launch price") ++at;
  if (at != f.end()) ++at;
  for (const PriceQuote& q : cd.street_prices) at = f.insert(at, {"street price", street_text(q)}) + 1;
  // Which runtimes build for it (data/planning.yaml runtime_support), as fit and recommend apply them.
  // Rules about one weight format (FP8, FP4, MXFP4 kernels) by name only: their notes are in fit's.
  std::vector<std::string> runs, not_runs, weights_not;
  for (const SupportResult& s : check_support(io::planning_data().support, d.vendor, d.compute_capability, d.gfx_target)) {
    if (!s.known) continue;
    if (!s.weights.empty()) {
      if (!s.supported) weights_not.push_back(s.runtime);
      continue;
    }
    (s.supported ? runs : not_runs).push_back(s.supported || s.note.empty() ? s.runtime : s.runtime + " (" + s.note + ")");
  }
  f.push_back({"runtime support", runs.empty() ? "" : fmt::format("{}", fmt::join(runs, ", "))});
  f.push_back({"not supported by", not_runs.empty() ? "" : fmt::format("{}", fmt::join(not_runs, "; "))});
  f.push_back({"no native kernels", weights_not.empty() ? "" : fmt::format("{}", fmt::join(weights_not, ", "))});
  return f;
}

Json or_null(double v) { return v > 0 ? Json(v) : Json(nullptr); }

Json model_json_full(const io::CatalogModel& cm, const ParamCounts& pc) {
  const ModelSpec& m = cm.spec;
  Json j = json_document("model");
  j["id"] = m.id;
  j["name"] = m.name;
  j["architecture"] = m.architecture;
  // A model that is not estimable has no count of its own (its architecture is not modelled).
  const bool estimable = cm.not_estimable.empty();
  j["params"] = estimable ? Json(pc.total) : Json(nullptr);
  j["params_text"] = estimable ? Json(pc.text) : Json(nullptr);
  j["params_active"] = estimable ? Json(pc.active) : Json(nullptr);
  j["params_declared_b"] = or_null(m.params_total_b);
  j["params_active_declared_b"] = or_null(m.params_active_b);
  j["layers"] = m.layers;
  j["hidden_size"] = m.hidden;
  j["heads"] = m.heads;
  j["kv_heads"] = m.kv_heads;
  j["head_dim"] = m.head_dim_k;
  j["head_dim_v"] = m.head_dim_v;
  j["ffn_size"] = m.ffn;
  j["vocab"] = m.vocab;
  j["tied_embeddings"] = m.tied_embeddings;
  j["max_context"] = m.max_context;
  Json pattern = Json::array();
  for (LayerKind k : m.layer_pattern) pattern.push_back(to_string(k));
  j["layer_pattern"] = pattern;
  j["sliding_window"] = m.sliding_window > 0 ? Json(m.sliding_window) : Json(nullptr);
  j["chunk_size"] = m.chunk_size > 0 ? Json(m.chunk_size) : Json(nullptr);
  j["moe"] = m.moe.present() ? Json{{"experts", m.moe.experts}, {"experts_per_token", m.moe.experts_per_token},
                                    {"expert_ffn_size", m.moe.expert_ffn}, {"shared_experts", m.moe.shared_experts},
                                    {"dense_leading_layers", m.moe.dense_leading_layers}}
                             : Json(nullptr);
  j["mla"] = m.mla.kv_lora_rank > 0 ? Json{{"q_lora_rank", m.mla.q_lora_rank}, {"kv_lora_rank", m.mla.kv_lora_rank},
                                           {"qk_rope_head_dim", m.mla.qk_rope_head_dim}, {"qk_nope_head_dim", m.mla.qk_nope_head_dim},
                                           {"v_head_dim", m.mla.v_head_dim}}
                                    : Json(nullptr);
  if (m.mla.has_indexer()) {  // DeepSeek sparse attention only (V3.2, GLM-5)
    j["mla"]["index_heads"] = m.mla.index_heads;
    j["mla"]["index_head_dim"] = m.mla.index_head_dim;
  }
  j["vision"] = m.vision.present() ? Json{{"encoder", m.vision.encoder}, {"params", m.vision.params},
                                          {"projector_params", m.vision.projector_params}, {"tokens_per_image", m.vision.tokens_per_image}}
                                   : Json(nullptr);
  if (m.deepstack_layers > 0) j["deepstack_layers"] = m.deepstack_layers;
  j["native_format"] = m.native_format;
  if (!m.expert_format.empty()) j["expert_format"] = m.expert_format;
  if (!cm.default_quant.empty()) j["default_quant"] = cm.default_quant;
  j["estimable"] = cm.not_estimable.empty();
  if (!cm.not_estimable.empty()) j["not_estimable_reason"] = cm.not_estimable;
  j["aliases"] = cm.meta.aliases;
  j["notes"] = cm.meta.notes;
  j["source"] = cm.meta.source;
  return j;
}

Json device_json_full(const io::CatalogDevice& cd) {
  const Device& d = cd.device;
  Json j = json_document("device");
  j["id"] = d.id;
  j["name"] = d.name;
  j["vendor"] = d.vendor;
  j["device_kind"] = to_string(d.kind);
  j["architecture"] = d.architecture;
  j["compute_capability"] = d.compute_capability.empty() ? Json(nullptr) : Json(d.compute_capability);
  j["gfx_target"] = d.gfx_target.empty() ? Json(nullptr) : Json(d.gfx_target);
  j["memory_bytes"] = d.capacity().value();
  j["memory_options_bytes"] = [&] {
    Json a = Json::array();
    for (double o : d.memory_options_gib) a.push_back(gib(o).value());
    return a;
  }();
  j["memory_platform"] = d.platform_id().empty() ? Json(nullptr) : Json(d.platform_id());
  j["memory_type"] = d.memory_type;
  j["memory_bus_bits"] = d.memory_bus_bits > 0 ? Json(d.memory_bus_bits) : Json(nullptr);
  j["bandwidth_bytes_per_second"] = d.bandwidth().value();
  j["fp16_flops_per_second"] = or_null(d.fp16_tflops * 1e12);
  j["bf16_flops_per_second"] = or_null(d.bf16_tflops * 1e12);
  j["fp8_flops_per_second"] = or_null(d.fp8_tflops * 1e12);
  j["fp4_flops_per_second"] = or_null(d.fp4_tflops * 1e12);
  j["int8_ops_per_second"] = or_null(d.int8_tops * 1e12);
  j["tdp_watts"] = or_null(d.tdp_w);
  j["launch_price_usd"] = or_null(d.launch_price_usd);
  j["launch_year"] = d.launch_year > 0 ? Json(d.launch_year) : Json(nullptr);
  Json street = Json::array();
  for (const PriceQuote& q : cd.street_prices)
    street.push_back({{"condition", q.used ? "used" : "new"}, {"usd", q.usd()}, {"low_usd", q.low_usd}, {"high_usd", q.high_usd},
                      {"memory_bytes", q.memory_gib > 0 ? Json(std::int64_t(std::llround(q.memory_gib * 1073741824.0))) : Json(nullptr)},
                      {"product", q.product.empty() ? Json(nullptr) : Json(q.product)}, {"date", q.date}, {"source", q.source}});
  j["street_prices"] = street;
  // data/planning.yaml runtime_support checked against the capability / gfx target (added in issue 21).
  Json support = Json::array();
  for (const SupportResult& s : check_support(io::planning_data().support, d.vendor, d.compute_capability, d.gfx_target))
    support.push_back({{"runtime", s.runtime}, {"supported", s.known ? Json(s.supported) : Json(nullptr)},
                       {"note", s.note.empty() ? Json(nullptr) : Json(s.note)}, {"gates", s.gates}, {"caveat_for", s.caveat_for},
                       {"weights", s.weights}});
  j["runtime_support"] = support;
  j["pcie_gen"] = d.pcie_gen > 0 ? Json(d.pcie_gen) : Json(nullptr);
  j["pcie_lanes"] = d.pcie_lanes > 0 ? Json(d.pcie_lanes) : Json(nullptr);
  j["nvlink_bytes_per_second"] = or_null(d.nvlink_gbs * 1e9);
  j["aliases"] = cd.meta.aliases;
  j["unconfirmed"] = cd.meta.unconfirmed;
  j["notes"] = cd.meta.notes;
  j["source"] = cd.meta.source;
  return j;
}

std::string rule_text(const MixRule& r) {
  std::string s = fmt::format("{} -> {}", fmt::join(r.tensors, ","), r.type);
  switch (r.select) {
    case LayerSelect::all: break;
    case LayerSelect::use_more_bits: s += " on use_more_bits layers"; break;
    case LayerSelect::first: s += fmt::format(" on the first {} layers", r.select_n); break;
    case LayerSelect::first_fraction: s += fmt::format(" on layers < n/{}", r.select_n); break;
    case LayerSelect::middle_fraction: s += fmt::format(" on layers n/{0} .. n-n/{0}", r.select_n); break;
  }
  if (r.min_gqa > 0) s += fmt::format(" when GQA >= {:g}", r.min_gqa);
  if (r.when_experts > 0) s += fmt::format(" when {} experts", r.when_experts);
  if (r.when_layers > 0) s += fmt::format(" when {} layers", r.when_layers);
  return s;
}

// vramfit show FILE.gguf: what was read from the file, as the model the estimator will use.
int run_show_file(Context& ctx, const ShowAnswer& a) {
  const io::ModelFile& file = *a.file;
  const ModelSpec& m = file.model.spec;
  const bool listed = !file.tensors.empty();
  const ParamCounts& pc = a.params;
  const WeightBreakdown& w = a.file_weights;
  const std::vector<TypeRow>& hist = a.file_types;
  if (ctx.format() == "json") {
    Json j = model_json_full(file.model, pc);
    j["file"] = {{"path", file.path}, {"format", file.format}, {"stored_as", file.stored_as},
                 {"quant", file.mix_id.empty() ? Json(nullptr) : Json(file.mix_id)}, {"tensors", file.tensors.size()},
                 {"weight_bytes", w.total.value()}, {"bits_per_weight", w.bits_per_weight()}};
    Json types = Json::array();
    for (const TypeRow& r : hist)
      types.push_back({{"type", r.type}, {"tensors", r.tensors}, {"elements", r.elements}, {"bytes", r.bytes.value()}});
    j["file"]["tensor_types"] = types;
    j["file"]["notes"] = file.notes;
    ctx.io.out << dump(j);
    return 0;
  }
  Fields f = file.facts;
  f.push_back({"stored as", file.stored_as});
  if (listed) f.push_back({"weights", fmt::format("{} in {} tensors", size_str(w.total), file.tensors.size())});
  for (const TypeRow& r : hist)
    f.push_back({"  " + r.type, fmt::format("{:>4} tensors {:>10} {:5.1f} %", r.tensors, size_str(r.bytes),
                                            100.0 * double(r.bytes.value()) / double(std::max<std::int64_t>(1, w.total.value())))});
  const Fields mf = model_fields(m, pc);
  f.insert(f.end(), mf.begin(), mf.end());
  io::EntryMeta meta = file.model.meta;
  if (!file.notes.empty()) meta.notes = fmt::format("{}", fmt::join(file.notes, "; "));
  ctx.io.out << render_fields(fmt::format("model file {}", file.path), f, meta);
  return 0;
}

int show_quant(Context& ctx, const io::CatalogMix& cm) {
  const QuantMix& q = cm.mix;
  Fields f = {{"name", q.name}, {"format", q.format}, {"base type", q.base}, {"token embeddings", q.embeddings.empty() ? q.base : q.embeddings},
              {"output head", q.output.empty() ? q.base : q.output}, {"routed experts", q.experts.empty() ? q.base : q.experts},
              {"unquantized tensors", q.unquantized}, {"vision encoder", q.vision}};
  for (std::size_t i = 0; i < q.rules.size(); ++i) f.push_back({fmt::format("rule {}", i + 1), rule_text(q.rules[i])});
  if (ctx.format() != "json") {
    ctx.io.out << render_fields(fmt::format("quantization {}", q.id), f, cm.meta);
    return 0;
  }
  Json j = json_document("quant");
  j["id"] = q.id;
  j["name"] = q.name;
  j["format"] = q.format;
  j["base"] = q.base;
  j["embeddings"] = q.embeddings.empty() ? q.base : q.embeddings;
  j["output"] = q.output.empty() ? q.base : q.output;
  j["experts"] = q.experts.empty() ? q.base : q.experts;
  j["unquantized"] = q.unquantized;
  j["vision"] = q.vision;
  Json rules = Json::array();
  for (const MixRule& r : q.rules) rules.push_back({{"tensors", r.tensors}, {"type", r.type}, {"description", rule_text(r)}});
  j["rules"] = rules;
  j["source"] = cm.meta.source;
  ctx.io.out << dump(j);
  return 0;
}

int show_type(Context& ctx, const io::CatalogType& ct) {
  const TensorType& t = ct.type;
  if (ctx.format() != "json") {
    const Fields f = {{"block", fmt::format("{} weights in {} bytes{}", t.block_size, t.block_bytes,
                                            t.row_bytes ? fmt::format(" + {} bytes per row", t.row_bytes) : "")},
                      {"bits per weight", fmt::format("{:.4g}", t.bits_per_weight())},
                      {"fallback", t.fallback}};
    ctx.io.out << render_fields(fmt::format("tensor type {}", t.id), f, ct.meta);
    return 0;
  }
  Json j = json_document("tensor_type");
  j["id"] = t.id;
  j["block_size"] = t.block_size;
  j["block_bytes"] = t.block_bytes;
  j["bits_per_weight"] = t.bits_per_weight();
  j["source"] = ct.meta.source;
  ctx.io.out << dump(j);
  return 0;
}

int run_show(Context& ctx, const ShowOptions& opt) {
  const ShowAnswer a = answer_show(ctx, {opt.id, opt.mmproj});
  const bool json = ctx.format() == "json";
  switch (a.kind) {
    case ShowAnswer::Kind::model_file: return run_show_file(ctx, a);
    case ShowAnswer::Kind::model: {
      const io::CatalogModel* m = a.model;
      if (json) ctx.io.out << dump(model_json_full(*m, a.params));
      else ctx.io.out << render_fields(fmt::format("model {}", m->spec.id), model_fields(m->spec, a.params, m->default_quant, m->not_estimable), m->meta);
      return 0;
    }
    case ShowAnswer::Kind::device: {
      const io::CatalogDevice* d = a.device;
      if (json) ctx.io.out << dump(device_json_full(*d));
      else ctx.io.out << render_fields(fmt::format("device {}", d->device.id), device_fields(*d), d->meta);
      return 0;
    }
    case ShowAnswer::Kind::quant: return show_quant(ctx, *a.mix);
    case ShowAnswer::Kind::tensor_type: return show_type(ctx, *a.type);
  }
  return 0;
}
}  // namespace

void setup_show(CLI::App& app, Context& ctx, int& exit_code) {
  auto opt = std::make_shared<ShowOptions>();
  CLI::App* sub = app.add_subcommand("show", "everything the catalog knows about a model, device, quantization or tensor type");
  sub->add_option("id", opt->id, "id or alias, or a model file (model.gguf)")->required();
  sub->add_option("--mmproj", opt->mmproj, "vision projector GGUF file (mmproj) of a GGUF model file");
  sub->callback([&ctx, &exit_code, opt] { exit_code = run_show(ctx, *opt); });
}

}  // namespace vramfit::cli
