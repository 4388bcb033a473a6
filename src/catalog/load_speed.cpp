// speed.yaml -> SpeedProfile: the fitted efficiencies of the speed model (schema: docs/catalog-format.md,
// the fit: docs/speed.md).
#include "catalog/load_common.hpp"
#include "vramfit/speed.hpp"

namespace vramfit::io {

namespace {

SpeedBand read_band(Entry& parent, const std::string& key, const std::string& file, Diagnostics& diag) {
  SpeedBand b;
  if (!parent.has(key)) return b;
  Entry e(parent.child(key), file, diag, {"low", "high"});
  b.low = e.number("low", 0.01, 1.0, true, 1.0);
  b.high = e.number("high", 1.0, 100.0, true, 1.0);
  e.finish();
  return b;
}

}  // namespace

void load_speed(Catalog& cat, const YAML::Node& root, const std::string& file, Diagnostics& diag) {
  static const std::vector<std::string> backends = {"cuda", "rocm", "vulkan", "metal", "sycl", "cpu"};
  static const std::vector<std::string> classes = {"gpu",    "datacenter", "apple", "igpu",  "soc",      "accelerator",
                                                   "cpu",    "unified",    "nvidia", "amd",  "intel",    "pre-volta"};
  std::map<std::string, int> seen;
  for_each_entry(root, file, diag, "profiles", {"schema_version", "profiles"}, [&](const YAML::Node& node) {
    Entry e(node, file, diag, {"id", "backend", "device_class", "decode", "prefill", "notes", "source"});
    if (!node.IsMap()) return;
    SpeedProfile p;
    p.id = read_id(e);
    p.backend = e.str("backend", true);
    if (!p.backend.empty() && std::find(backends.begin(), backends.end(), p.backend) == backends.end())
      e.problem("backend", "unknown backend '" + p.backend + "' (cuda, rocm, vulkan, metal, sycl, cpu)");
    p.device_class = e.str("device_class");
    if (!p.device_class.empty() && std::find(classes.begin(), classes.end(), p.device_class) == classes.end())
      e.problem("device_class", "unknown device class '" + p.device_class + "' (gpu, datacenter, apple, igpu, soc, accelerator, cpu; unified, nvidia, amd, intel; pre-volta)");
    if (e.has("decode")) {
      Entry d(e.child("decode"), file, diag, {"bandwidth_efficiency", "per_layer_us", "per_token_us", "band", "rows"});
      p.bandwidth_efficiency = d.number("bandwidth_efficiency", 0.01, 1.0, true, 1.0);
      p.per_layer = Seconds(d.number("per_layer_us", 0, 1e6) * 1e-6);
      p.per_token = Seconds(d.number("per_token_us", 0, 1e7) * 1e-6);
      p.decode_band = read_band(d, "band", file, diag);
      p.decode_rows = d.integer("rows", 0, 1 << 20);
      d.finish();
    } else {
      e.problem("decode", "missing 'decode' (bandwidth_efficiency, per_layer_us, per_token_us, band)");
    }
    if (e.has("prefill")) {
      Entry f(e.child("prefill"), file, diag, {"efficiency_quantized", "efficiency_float", "flops_per_byte", "flops_per_core", "moe_factor", "band", "rows"});
      p.compute_efficiency_quantized = f.number("efficiency_quantized", 0, 1.0);
      p.compute_efficiency_float = f.number("efficiency_float", 0, 1.0);
      p.flops_per_byte = f.number("flops_per_byte", 0, 1e6);
      p.flops_per_core = f.number("flops_per_core", 0, 1e15);
      p.moe_factor = f.number("moe_factor", 0.001, 1.0, false, 1.0);
      p.prefill_band = read_band(f, "band", file, diag);
      p.prefill_rows = f.integer("rows", 0, 1 << 20);
      f.finish();
    }
    e.str("notes");
    p.source = e.strings("source");
    if (p.source.empty()) e.problem("source", "speed profile '" + p.id + "': missing source (how its numbers were fitted)");
    const Location where = e.loc();
    e.finish();
    if (p.id.empty()) return;
    const auto index = slot_for(cat.speed, p.id, [](const SpeedProfile& x) { return x.id; }, where, diag, seen);
    if (!index) return;
    if (*index == cat.speed.size()) cat.speed.push_back(std::move(p));
    else cat.speed[*index] = std::move(p);
  });
}

}  // namespace vramfit::io
