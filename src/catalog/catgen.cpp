// Build-time catalog compiler: reads data/*.yaml with the same strict loaders the CLI uses and writes
// a C++ source that constructs the Catalog directly, so that a query parses no YAML at run time
// (yaml-cpp spends ~25 ms on the embedded catalog; the budget for a whole `fit` is 5 ms).
// Usage: vramfit_catgen OUT.cpp data/devices.yaml data/models.yaml ...
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "catalog/catalog.hpp"

namespace {

using namespace vramfit;
using namespace vramfit::io;

std::string q(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') out += '\\', out += static_cast<char>(c);
    else if (c == '\n') out += "\\n";
    else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", c);
      out += buf;
    } else out += static_cast<char>(c);
  }
  return out + "\"";
}

std::string d(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string strings(const std::vector<std::string>& v) {
  std::string out = "{";
  for (const std::string& s : v) out += q(s) + ",";
  return out + "}";
}

std::string doubles(const std::vector<double>& v) {
  std::string out = "{";
  for (double x : v) out += d(x) + ",";
  return out + "}";
}

void meta(std::ostream& o, const EntryMeta& m) {
  o << "  x.meta.where = Location{" << q(m.where.file) << "," << m.where.line << "," << m.where.column << "};\n"
    << "  x.meta.aliases = " << strings(m.aliases) << ";\n  x.meta.source = " << strings(m.source) << ";\n"
    << "  x.meta.unconfirmed = " << strings(m.unconfirmed) << ";\n  x.meta.notes = " << q(m.notes) << ";\n";
}

void model(std::ostream& o, const CatalogModel& cm) {
  const ModelSpec& m = cm.spec;
  o << "  CatalogModel x;\n  ModelSpec& m = x.spec;\n"
    << "  m.id = " << q(m.id) << "; m.name = " << q(m.name) << "; m.architecture = " << q(m.architecture) << ";\n"
    << "  m.layers = " << m.layers << "; m.hidden = " << m.hidden << "; m.heads = " << m.heads << "; m.kv_heads = " << m.kv_heads
    << "; m.head_dim_k = " << m.head_dim_k << "; m.head_dim_v = " << m.head_dim_v << "; m.ffn = " << m.ffn
    << "; m.vocab = " << m.vocab << "; m.max_context = " << m.max_context << ";\n"
    << "  m.ffn_gated = " << m.ffn_gated << "; m.tied_embeddings = " << m.tied_embeddings << "; m.qk_norm = " << m.qk_norm
    << "; m.qk_norm_full = " << m.qk_norm_full << "; m.attn_output_gate = " << m.attn_output_gate << "; m.attn_sinks = " << m.attn_sinks << "; m.final_norm = " << m.final_norm
    << "; m.norms_per_layer = " << m.norms_per_layer << "; m.deepstack_layers = " << m.deepstack_layers << "; m.attn_bias = AttnBias(" << int(m.attn_bias) << ");\n"
    << "  m.layer_pattern = {";
  for (LayerKind k : m.layer_pattern) o << "LayerKind::" << to_string(k) << ",";
  o << "};\n  m.sliding_window = " << m.sliding_window << "; m.chunk_size = " << m.chunk_size << ";\n"
    << "  m.mla = MlaSpec{" << m.mla.q_lora_rank << "," << m.mla.kv_lora_rank << "," << m.mla.qk_rope_head_dim << ","
    << m.mla.qk_nope_head_dim << "," << m.mla.v_head_dim << "," << m.mla.index_heads << "," << m.mla.index_head_dim << "};\n"
    << "  m.moe = MoeSpec{" << m.moe.experts << "," << m.moe.experts_per_token << "," << m.moe.expert_ffn << ","
    << m.moe.shared_experts << "," << m.moe.shared_ffn << "," << m.moe.dense_leading_layers << "," << m.moe.layer_step << ","
    << m.moe.layer_offset << "," << m.moe.router_bias << "," << m.moe.expert_bias << "," << m.moe.shared_expert_gate << ","
    << m.moe.weights_norm << "," << d(m.moe.weights_scale) << "};\n"
    << "  m.ssm = SsmSpec{SsmKind(" << int(m.ssm.kind) << ")," << m.ssm.d_state << "," << m.ssm.d_conv << "," << m.ssm.d_inner << ","
    << m.ssm.n_groups << "," << m.ssm.n_heads << "," << m.ssm.dt_rank << "," << m.ssm.conv_bias << "," << m.ssm.proj_bias << ","
    << m.ssm.inner_norms << "};\n"
    << "  m.vision = VisionSpec{" << q(m.vision.encoder) << "," << m.vision.params << "," << m.vision.projector_params << ","
    << m.vision.tokens_per_image << "};\n"
    << "  m.native_format = " << q(m.native_format) << "; m.expert_format = " << q(m.expert_format)
    << "; x.default_quant = " << q(cm.default_quant) << "; m.params_total_b = " << d(m.params_total_b)
    << "; m.params_active_b = " << d(m.params_active_b) << ";\n";
  // Gemma 3n / Gemma 4: per-layer attention shape, KV sharing, per-layer embeddings (zero elsewhere).
  if (m.head_dim_full || m.kv_heads_full || m.full_k_eq_v || m.kv_shared_layers || m.ffn_kv_shared || m.per_layer.present())
    o << "  m.head_dim_full = " << m.head_dim_full << "; m.kv_heads_full = " << m.kv_heads_full << "; m.full_k_eq_v = " << m.full_k_eq_v
      << "; m.kv_shared_layers = " << m.kv_shared_layers << "; m.ffn_kv_shared = " << m.ffn_kv_shared << ";\n"
      << "  m.per_layer = PerLayerSpec{" << m.per_layer.embed_dim << "," << m.per_layer.altup_inputs << "," << m.per_layer.laurel_rank
      << "," << m.per_layer.layer_scalar << "};\n";
  if (!cm.not_estimable.empty()) o << "  x.not_estimable = " << q(cm.not_estimable) << ";\n";
  meta(o, cm.meta);
  o << "  c.models.push_back(std::move(x));\n";
}

void device(std::ostream& o, const CatalogDevice& cd) {
  const Device& v = cd.device;
  o << "  CatalogDevice x;\n  Device& v = x.device;\n"
    << "  v.id = " << q(v.id) << "; v.name = " << q(v.name) << "; v.vendor = " << q(v.vendor) << "; v.kind = DeviceKind("
    << int(v.kind) << ");\n  v.architecture = " << q(v.architecture) << "; v.compute_capability = " << q(v.compute_capability)
    << "; v.gfx_target = " << q(v.gfx_target) << ";\n  v.launch_year = " << v.launch_year << "; v.launch_price_usd = "
    << d(v.launch_price_usd) << "; v.memory_gib = " << d(v.memory_gib) << "; v.memory_reported_mib = " << v.memory_reported_mib
    << ";\n  v.memory_options_gib = " << doubles(v.memory_options_gib) << "; v.memory_type = " << q(v.memory_type)
    << "; v.memory_bus_bits = " << v.memory_bus_bits << "; v.memory_data_rate_gbps = " << d(v.memory_data_rate_gbps)
    << "; v.bandwidth_gbs = " << d(v.bandwidth_gbs) << ";\n  v.fp16_tflops = " << d(v.fp16_tflops) << "; v.fp16acc_tflops = "
    << d(v.fp16acc_tflops) << "; v.bf16_tflops = " << d(v.bf16_tflops) << "; v.fp8_tflops = " << d(v.fp8_tflops)
    << "; v.fp4_tflops = " << d(v.fp4_tflops) << "; v.int8_tops = " << d(v.int8_tops) << "; v.fp32_tflops = " << d(v.fp32_tflops)
    << ";\n  v.tdp_w = " << d(v.tdp_w) << "; v.pcie_gen = " << v.pcie_gen << "; v.pcie_lanes = " << v.pcie_lanes
    << "; v.nvlink_gbs = " << d(v.nvlink_gbs) << "; v.channels = " << v.channels << "; v.gpu_cores = " << v.gpu_cores
    << "; v.memory_platform = " << q(v.memory_platform) << ";\n";
  for (std::size_t i = 0; i < cd.street_prices.size(); ++i) {
    const PriceQuote& p = cd.street_prices[i];
    const Location& w = cd.street_where[i];
    o << "  x.street_prices.push_back(PriceQuote{" << (p.used ? "true" : "false") << "," << d(p.low_usd) << "," << d(p.high_usd) << ","
      << d(p.memory_gib) << "," << q(p.product) << "," << q(p.date) << "," << q(p.source) << "});\n"
      << "  x.street_where.push_back(Location{" << q(w.file) << "," << w.line << "," << w.column << "});\n";
  }
  meta(o, cd.meta);
  o << "  c.devices.push_back(std::move(x));\n";
}

void platform(std::ostream& o, const UnifiedMemoryPlatform& p) {
  o << "  {\n    UnifiedMemoryPlatform p;\n    p.id = " << q(p.id) << "; p.name = " << q(p.name) << "; p.os_reserve_gib = "
    << d(p.os_reserve_gib) << "; p.how = " << q(p.how) << ";\n    p.unconfirmed = " << strings(p.unconfirmed)
    << "; p.source = " << strings(p.source) << ";\n";
  for (const WiredLimitRule& w : p.share)
    o << "    p.share.push_back(WiredLimitRule{" << d(w.max_memory_gib) << "," << d(w.fraction) << "});\n";
  o << "    c.platforms.push_back(std::move(p));\n  }\n";
}

void type(std::ostream& o, const CatalogType& ct) {
  const TensorType& t = ct.type;
  o << "  CatalogType x;\n  x.type = TensorType{" << q(t.id) << "," << t.block_size << "," << t.block_bytes << "," << t.row_bytes
    << "," << t.kv << "," << t.quantized << "," << q(t.fallback) << "};\n";
  meta(o, ct.meta);
  o << "  c.types.push_back(std::move(x));\n";
}

void mix(std::ostream& o, const CatalogMix& cm) {
  const QuantMix& m = cm.mix;
  o << "  CatalogMix x;\n  QuantMix& q = x.mix;\n  q.id = " << q(m.id) << "; q.name = " << q(m.name) << "; q.base = " << q(m.base)
    << "; q.embeddings = " << q(m.embeddings) << "; q.output = " << q(m.output) << "; q.unquantized = " << q(m.unquantized)
    << "; q.experts = " << q(m.experts) << "; q.vision = " << q(m.vision) << "; q.format = " << q(m.format) << ";\n";
  for (const MixRule& r : m.rules)
    o << "  q.rules.push_back(MixRule{" << strings(r.tensors) << "," << q(r.type) << ",LayerSelect(" << int(r.select) << "),"
      << r.select_n << "," << d(r.min_gqa) << "," << r.when_experts << "," << r.when_layers << "});\n";
  meta(o, cm.meta);
  o << "  c.mixes.push_back(std::move(x));\n";
}

void runtime(std::ostream& o, const RuntimeProfile& r) {
  o << "  RuntimeProfile r;\n  r.id = " << q(r.id) << "; r.name = " << q(r.name) << "; r.ubatch = " << r.ubatch << "; r.batch = "
    << r.batch << "; r.kv_pad = " << r.kv_pad << "; r.flash_attention = " << r.flash_attention << "; r.kv_type = " << q(r.kv_type)
    << ";\n  r.overhead_cuda = Bytes(" << r.overhead_cuda.value() << "); r.overhead_rocm = Bytes(" << r.overhead_rocm.value()
    << "); r.overhead_metal = Bytes(" << r.overhead_metal.value() << "); r.overhead_other = Bytes(" << r.overhead_other.value()
    << "); r.overhead_cpu = Bytes(" << r.overhead_cpu.value() << ");\n  r.fit_margin = Bytes(" << r.fit_margin.value()
    << "); r.embeddings_on_host = " << r.embeddings_on_host << "; r.source = " << strings(r.source) << ";\n"
    << "  r.kind = RuntimeKind(" << static_cast<int>(r.kind) << "); r.default_context = " << r.default_context
    << "; r.default_quant = " << q(r.default_quant) << "; r.prefill_chunk = " << r.prefill_chunk
    << "; r.vendors = " << strings(r.vendors)
    << "; r.notes = " << q(r.notes) << ";\n"
    << "  r.pool.base = PoolBase(" << static_cast<int>(r.pool.base) << "); r.pool.fraction = " << d(r.pool.fraction)
    << "; r.pool.block_tokens = " << r.pool.block_tokens << "; r.pool.max_batched_tokens = " << r.pool.max_batched_tokens
    << "; r.pool.max_seqs = " << r.pool.max_seqs << "; r.pool.non_torch = Bytes(" << r.pool.non_torch.value()
    << "); r.pool.cuda_graphs = Bytes(" << r.pool.cuda_graphs.value() << "); r.pool.activation_bytes = "
    << r.pool.activation_bytes << ";\n"
    << "  c.runtimes.push_back(std::move(r));\n";
}

void link(std::ostream& o, const LinkProfile& l) {
  o << "  c.links.push_back(LinkProfile{" << q(l.id) << "," << q(l.name) << ",LinkKind(" << int(l.kind) << "),"
    << l.pcie_gen << "," << d(l.bandwidth_gbs) << "," << d(l.latency_us) << "," << strings(l.source) << "});\n";
}

void speed(std::ostream& o, const SpeedProfile& p) {
  o << "  SpeedProfile p;\n  p.id = " << q(p.id) << "; p.backend = " << q(p.backend) << "; p.device_class = " << q(p.device_class)
    << ";\n  p.bandwidth_efficiency = " << d(p.bandwidth_efficiency) << "; p.per_layer = Seconds(" << d(p.per_layer.value())
    << "); p.per_token = Seconds(" << d(p.per_token.value()) << ");\n  p.decode_band = SpeedBand{" << d(p.decode_band.low) << ","
    << d(p.decode_band.high) << "}; p.decode_rows = " << p.decode_rows << ";\n  p.compute_efficiency_quantized = "
    << d(p.compute_efficiency_quantized) << "; p.compute_efficiency_float = " << d(p.compute_efficiency_float)
    << "; p.flops_per_byte = " << d(p.flops_per_byte) << "; p.flops_per_core = " << d(p.flops_per_core) << "; p.moe_factor = " << d(p.moe_factor) << ";\n  p.prefill_band = SpeedBand{" << d(p.prefill_band.low) << ","
    << d(p.prefill_band.high) << "}; p.prefill_rows = " << p.prefill_rows << "; p.source = " << strings(p.source) << ";\n"
    << "  c.speed.push_back(std::move(p));\n";
}

void finetune(std::ostream& o, const FinetuneProfile& f) {
  o << "  c.finetune = FinetuneProfile{" << f.adamw_bytes << "," << f.adamw_8bit_bytes << "," << f.sgd_bytes << ",Bytes("
    << f.cuda_context.value() << ")," << d(f.fragmentation) << "," << f.logits_bytes << "," << f.zero3_gathered_layers << ","
    << d(f.efficiency) << "," << d(f.dequant_bandwidth_efficiency) << "," << strings(f.source) << "};\n";
}

void ollama(std::ostream& o, const CatalogOllama& x) {
  o << "  CatalogOllama x;\n  x.name = " << q(x.name) << "; x.latest = " << q(x.latest) << "; x.quant = " << q(x.quant)
    << "; x.variants = " << strings(x.variants) << ";\n";
  for (const OllamaTag& t : x.tags) o << "  x.tags.push_back(OllamaTag{" << q(t.tag) << "," << q(t.model) << "," << q(t.quant) << "});\n";
  for (const OllamaMissing& m : x.missing) o << "  x.missing.push_back(OllamaMissing{" << q(m.tag) << "," << q(m.what) << "});\n";
  meta(o, x.meta);
  o << "  c.ollama.push_back(std::move(x));\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: vramfit_catgen OUT.cpp FILE.yaml...\n";
    return 2;
  }
  Catalog cat;
  try {
    Diagnostics diag;
    for (int i = 2; i < argc; ++i) {
      const std::filesystem::path p(argv[i]);
      // Only the catalog files (builtin.cpp reads the same six); data/planning.yaml is read by its command.
      const std::string name = p.filename().string();
      if (name != "devices.yaml" && name != "models.yaml" && name != "ollama.yaml" && name != "quants.yaml" &&
          name != "runtimes.yaml" && name != "speed.yaml")
        continue;
      std::ifstream in(p, std::ios::binary);
      std::ostringstream ss;
      ss << in.rdbuf();
      load_catalog_text(cat, p.filename().string(), "data/" + p.filename().string(), ss.str(), diag);
    }
  } catch (const std::exception& e) {
    std::cerr << "vramfit_catgen: error: " << e.what() << "\n";
    return 2;
  }
  std::ostringstream o;
  o << "// Generated by vramfit_catgen from data/*.yaml. Do not edit.\n#include \"catalog/compiled.hpp\"\n\n"
    << "namespace vramfit::io {\nnamespace {\n";
  int n = 0;
  auto fn = [&](auto&& body) {
    o << "void part" << n++ << "(Catalog& c) {\n";
    body();
    o << "}\n";
  };
  for (const CatalogType& t : cat.types) fn([&] { type(o, t); });
  for (const CatalogMix& m : cat.mixes) fn([&] { mix(o, m); });
  for (const CatalogModel& m : cat.models) fn([&] { model(o, m); });
  for (const CatalogDevice& v : cat.devices) fn([&] { device(o, v); });
  for (const RuntimeProfile& r : cat.runtimes) fn([&] { runtime(o, r); });
  for (const SpeedProfile& p : cat.speed) fn([&] { speed(o, p); });
  for (const CatalogOllama& x : cat.ollama) fn([&] { ollama(o, x); });
  o << "}  // namespace\n\nCatalog compiled_catalog() {\n  Catalog c;\n";
  for (int i = 0; i < n; ++i) o << "  part" << i << "(c);\n";
  o << "  c.kv_types = " << strings(cat.kv_types) << ";\n";
  for (const LinkProfile& l : cat.links) link(o, l);
  for (const UnifiedMemoryPlatform& p : cat.platforms) platform(o, p);
  finetune(o, cat.finetune);
  for (const OllamaQuantTag& t : cat.ollama_quants)
    o << "  c.ollama_quants.push_back(OllamaQuantTag{" << q(t.suffix) << "," << q(t.mix) << ",Location{" << q(t.where.file) << ","
      << t.where.line << "," << t.where.column << "}});\n";
  o << "  c.files = " << strings(cat.files) << ";\n  return c;\n}\n\n}  // namespace vramfit::io\n";
  const std::string out_path = argv[1];
  std::ifstream old(out_path, std::ios::binary);
  std::ostringstream prev;
  prev << old.rdbuf();
  if (prev.str() != o.str()) std::ofstream(out_path, std::ios::binary) << o.str();
  return 0;
}
