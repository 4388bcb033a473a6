// vramfit list models|devices|quants|types|runtimes|ollama [--filter TEXT]
#include <fmt/format.h>

#include "base/suggest.hpp"
#include "cli/commands.hpp"
#include "cli/render.hpp"

namespace vramfit::cli {
namespace {

struct ListOptions {
  std::string what;
  std::string filter;
};

bool matches(const std::string& filter, std::initializer_list<std::string> fields) {
  if (filter.empty()) return true;
  const std::string f = io::to_lower(filter);
  for (const std::string& s : fields)
    if (io::to_lower(s).find(f) != std::string::npos) return true;
  return false;
}

std::string layer_kinds(const ModelSpec& m) {
  std::string out;
  for (LayerKind k : {LayerKind::full, LayerKind::sliding, LayerKind::chunked, LayerKind::mla, LayerKind::mamba, LayerKind::linear}) {
    std::int64_t n = 0;
    for (std::int64_t i = 0; i < m.layers; ++i) n += m.layer_kind(i) == k ? 1 : 0;
    if (n > 0) out += (out.empty() ? "" : "+") + fmt::format("{}{}", n, to_string(k));
  }
  return out;
}

std::string num(double v, const char* f = "{:g}") { return v > 0 ? fmt::format(fmt::runtime(f), v) : "-"; }

int run_list(Context& ctx, const ListOptions& opt) {
  const io::Catalog& cat = ctx.catalog();
  Table t;
  Json items = Json::array();
  if (opt.what == "models") {
    t.header = {"id", "name", "params", "active", "layers", "attention", "max context", "vision"};
    t.right = {false, false, true, true, true, false, true, false};
    for (const io::CatalogModel& cm : cat.models) {
      const ModelSpec& m = cm.spec;
      if (!matches(opt.filter, {m.id, m.name, m.architecture})) continue;
      const ParamCounts pc = count_params(m);
      t.rows.push_back({m.id, m.name, fmt::format("{:.2f}B", double(pc.total) / 1e9),
                        m.moe.present() ? fmt::format("{:.2f}B", double(pc.active) / 1e9) : "-",
                        std::to_string(m.layers), layer_kinds(m), std::to_string(m.max_context),
                        m.vision.present() ? "yes" : "-"});
      items.push_back({{"id", m.id}, {"name", m.name}, {"architecture", m.architecture}, {"params", pc.total},
                       {"params_active", pc.active}, {"layers", m.layers}, {"max_context", m.max_context},
                       {"aliases", cm.meta.aliases}});
    }
  } else if (opt.what == "devices") {
    t.header = {"id", "name", "kind", "memory", "bandwidth", "fp16 TFLOPS", "launch $"};
    t.right = {false, false, false, true, true, true, true};
    for (const io::CatalogDevice& cd : cat.devices) {
      const Device& d = cd.device;
      if (!matches(opt.filter, {d.id, d.name, d.vendor, to_string(d.kind)})) continue;
      t.rows.push_back({d.id, d.name, to_string(d.kind), fmt::format("{:g} GB", d.memory_gib),
                        fmt::format("{:g} GB/s", d.bandwidth_gbs), num(d.fp16_tflops), num(d.launch_price_usd)});
      items.push_back({{"id", d.id}, {"name", d.name}, {"kind", to_string(d.kind)}, {"vendor", d.vendor},
                       {"memory_bytes", d.capacity().value()}, {"bandwidth_bytes_per_second", d.bandwidth().value()},
                       {"aliases", cd.meta.aliases}});
    }
  } else if (opt.what == "quants") {
    t.header = {"id", "format", "base type", "base bits/weight", "name"};
    t.right = {false, false, false, true, false};
    const TypeTable& types = ctx.types();
    for (const io::CatalogMix& cm : cat.mixes) {
      const QuantMix& q = cm.mix;
      if (!matches(opt.filter, {q.id, q.name, q.format})) continue;
      const double bpw = types.get(q.base).bits_per_weight();
      t.rows.push_back({q.id, q.format, q.base, fmt::format("{:.4g}", bpw), q.name});
      items.push_back({{"id", q.id}, {"format", q.format}, {"base", q.base}, {"base_bits_per_weight", bpw}, {"name", q.name}});
    }
  } else if (opt.what == "types") {
    t.header = {"id", "block", "bytes/block", "bits/weight", "KV"};
    t.right = {false, true, true, true, false};
    for (const io::CatalogType& ct : cat.types) {
      const TensorType& ty = ct.type;
      if (!matches(opt.filter, {ty.id})) continue;
      const bool kv = std::find(cat.kv_types.begin(), cat.kv_types.end(), ty.id) != cat.kv_types.end();
      t.rows.push_back({ty.id, std::to_string(ty.block_size), std::to_string(ty.block_bytes),
                        fmt::format("{:.4g}", ty.bits_per_weight()), kv ? "yes" : "-"});
      items.push_back({{"id", ty.id}, {"block_size", ty.block_size}, {"block_bytes", ty.block_bytes},
                       {"bits_per_weight", ty.bits_per_weight()}, {"kv", kv}});
    }
  } else if (opt.what == "runtimes") {
    t.header = {"id", "name", "ubatch", "flash attention", "KV type"};
    for (const RuntimeProfile& r : cat.runtimes) {
      if (!matches(opt.filter, {r.id, r.name})) continue;
      t.rows.push_back({r.id, r.name, std::to_string(r.ubatch), r.flash_attention ? "on" : "off", r.kv_type});
      items.push_back({{"id", r.id}, {"name", r.name}, {"ubatch", r.ubatch}, {"flash_attention", r.flash_attention}, {"kv_type", r.kv_type}});
    }
  } else if (opt.what == "ollama") {
    // One row per Ollama name:tag (data/ollama.yaml); tags whose model the catalog lacks say so.
    t.header = {"ollama", "model", "quant", "latest", "note"};
    for (const io::CatalogOllama& o : cat.ollama) {
      for (const io::OllamaTag& tag : o.tags) {
        if (!matches(opt.filter, {o.name + ":" + tag.tag, tag.model})) continue;
        const std::string quant = tag.quant.empty() ? o.quant : tag.quant;
        const bool latest = tag.tag == o.latest;
        t.rows.push_back({o.name + ":" + tag.tag, tag.model, quant, latest ? "yes" : "-", ""});
        items.push_back({{"name", o.name}, {"tag", tag.tag}, {"model", tag.model}, {"quant", quant}, {"latest", latest}});
      }
      for (const io::OllamaMissing& m : o.missing) {
        if (!matches(opt.filter, {o.name + ":" + m.tag, m.what})) continue;
        const bool latest = m.tag == o.latest;
        t.rows.push_back({o.name + ":" + m.tag, "-", "-", latest ? "yes" : "-", "not in the catalog: " + m.what});
        items.push_back({{"name", o.name}, {"tag", m.tag}, {"model", nullptr}, {"quant", nullptr}, {"latest", latest},
                         {"missing", m.what}});
      }
    }
  }
  if (ctx.format() == "json") {
    Json j = json_document("list");
    j["what"] = opt.what;
    j["items"] = items;
    ctx.io.out << dump(j);
    return 0;
  }
  ctx.io.out << t.render(ctx.format());
  return 0;
}

}  // namespace

void setup_list(CLI::App& app, Context& ctx, int& exit_code) {
  auto opt = std::make_shared<ListOptions>();
  CLI::App* sub = app.add_subcommand("list", "list catalog entries: models, devices, quants, types, runtimes, ollama");
  sub->add_option("what", opt->what, "models | devices | quants | types | runtimes | ollama")
      ->required()
      ->check(CLI::IsMember({"models", "devices", "quants", "types", "runtimes", "ollama"}));
  sub->add_option("--filter", opt->filter, "only entries whose id, name, vendor or kind contains TEXT");
  sub->callback([&ctx, &exit_code, opt] { exit_code = run_list(ctx, *opt); });
}

}  // namespace vramfit::cli
