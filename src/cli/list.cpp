// vramfit list models|devices|quants|types|runtimes|ollama [--filter TEXT]: the engine's listing
// (engine/list.hpp) as a table or JSON.
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/render.hpp"
#include "engine/list.hpp"

namespace vramfit::cli {
namespace {

struct ListOptions {
  std::string what;
  std::string filter;
};

std::string layer_kinds(const ModelSpec& m) {
  std::string out;
  for (LayerKind k : {LayerKind::full, LayerKind::sliding, LayerKind::chunked, LayerKind::mla, LayerKind::mamba, LayerKind::linear, LayerKind::ffn, LayerKind::cross}) {
    std::int64_t n = 0;
    for (std::int64_t i = 0; i < m.layers; ++i) n += m.layer_kind(i) == k ? 1 : 0;
    if (n > 0) out += (out.empty() ? "" : "+") + fmt::format("{}{}", n, to_string(k));
  }
  return out;
}

std::string num(double v, const char* f = "{:g}") { return v > 0 ? fmt::format(fmt::runtime(f), v) : "-"; }

int run_list(Context& ctx, const ListOptions& opt) {
  const ListAnswer a = answer_list(ctx, {opt.what, opt.filter});
  Table t;
  Json items = Json::array();
  if (opt.what == "models") {
    t.header = {"id", "name", "params", "active", "layers", "attention", "max context", "vision"};
    t.right = {false, false, true, true, true, false, true, false};
    for (const ListedModel& x : a.models) {
      const ModelSpec& m = x.entry->spec;
      const ParamCounts& pc = x.params;
      // estimable: false (DeepSeek-V4-Flash): no computed count, and the attention is not one vramfit models.
      const bool estimable = x.entry->not_estimable.empty();
      t.rows.push_back({m.id, m.name, estimable ? fmt::format("{:.2f}B", double(pc.total) / 1e9) : "-",
                        m.moe.present() && estimable ? fmt::format("{:.2f}B", double(pc.active) / 1e9) : "-",
                        std::to_string(m.layers), estimable ? layer_kinds(m) : "not estimable", std::to_string(m.max_context),
                        m.vision.present() ? "yes" : "-"});
      items.push_back({{"id", m.id}, {"name", m.name}, {"architecture", m.architecture},
                       {"params", estimable ? Json(pc.total) : Json(nullptr)}, {"params_active", estimable ? Json(pc.active) : Json(nullptr)},
                       {"layers", m.layers}, {"max_context", m.max_context}, {"estimable", estimable},
                       {"aliases", x.entry->meta.aliases}});
    }
  } else if (opt.what == "devices") {
    t.header = {"id", "name", "kind", "memory", "bandwidth", "fp16 TFLOPS", "launch $"};
    t.right = {false, false, false, true, true, true, true};
    for (const io::CatalogDevice* cd : a.devices) {
      const Device& d = cd->device;
      t.rows.push_back({d.id, d.name, to_string(d.kind), fmt::format("{:g} GB", d.memory_gib),
                        fmt::format("{:g} GB/s", d.bandwidth_gbs), num(d.fp16_tflops), num(d.launch_price_usd)});
      items.push_back({{"id", d.id}, {"name", d.name}, {"kind", to_string(d.kind)}, {"vendor", d.vendor},
                       {"memory_bytes", d.capacity().value()}, {"bandwidth_bytes_per_second", d.bandwidth().value()},
                       {"aliases", cd->meta.aliases}});
    }
  } else if (opt.what == "quants") {
    t.header = {"id", "format", "base type", "base bits/weight", "name"};
    t.right = {false, false, false, true, false};
    for (const ListedMix& x : a.mixes) {
      const QuantMix& q = x.entry->mix;
      t.rows.push_back({q.id, q.format, q.base, fmt::format("{:.4g}", x.base_bits_per_weight), q.name});
      items.push_back({{"id", q.id}, {"format", q.format}, {"base", q.base}, {"base_bits_per_weight", x.base_bits_per_weight}, {"name", q.name}});
    }
  } else if (opt.what == "types") {
    t.header = {"id", "block", "bytes/block", "bits/weight", "KV"};
    t.right = {false, true, true, true, false};
    for (const ListedType& x : a.types) {
      const TensorType& ty = x.entry->type;
      t.rows.push_back({ty.id, std::to_string(ty.block_size), std::to_string(ty.block_bytes),
                        fmt::format("{:.4g}", ty.bits_per_weight()), x.kv ? "yes" : "-"});
      items.push_back({{"id", ty.id}, {"block_size", ty.block_size}, {"block_bytes", ty.block_bytes},
                       {"bits_per_weight", ty.bits_per_weight()}, {"kv", x.kv}});
    }
  } else if (opt.what == "runtimes") {
    t.header = {"id", "name", "ubatch", "flash attention", "KV type"};
    for (const RuntimeProfile* r : a.runtimes) {
      t.rows.push_back({r->id, r->name, std::to_string(r->ubatch), r->flash_attention ? "on" : "off", r->kv_type});
      items.push_back({{"id", r->id}, {"name", r->name}, {"ubatch", r->ubatch}, {"flash_attention", r->flash_attention}, {"kv_type", r->kv_type}});
    }
  } else if (opt.what == "ollama") {
    // One row per Ollama name:tag (data/ollama.yaml); tags whose model the catalog lacks say so.
    t.header = {"ollama", "model", "quant", "latest", "note"};
    for (const ListedOllama& o : a.ollama) {
      const std::string latest = o.latest ? "yes" : "-";
      if (o.missing.empty()) {
        t.rows.push_back({o.name + ":" + o.tag, o.model, o.quant, latest, ""});
        items.push_back({{"name", o.name}, {"tag", o.tag}, {"model", o.model}, {"quant", o.quant}, {"latest", o.latest}});
      } else {
        t.rows.push_back({o.name + ":" + o.tag, "-", "-", latest, "not in the catalog: " + o.missing});
        items.push_back({{"name", o.name}, {"tag", o.tag}, {"model", nullptr}, {"quant", nullptr}, {"latest", o.latest},
                         {"missing", o.missing}});
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
