// devices.yaml -> Device (schema: docs/catalog-format.md).
#include "catalog/load_common.hpp"

namespace vramfit::io {

const std::vector<std::string>& device_keys() {
  static const std::vector<std::string> keys = {
      "id", "name", "vendor", "kind", "aliases", "architecture", "compute_capability", "gfx_target", "launch_year",
      "launch_price_usd", "memory_gib", "memory_reported_mib", "memory_options_gib", "memory_platform", "memory_type",
      "memory_bus_bits", "memory_data_rate_gbps", "memory_bandwidth_gbs", "fp16_tflops", "fp16acc_tflops",
      "bf16_tflops", "fp8_tflops", "fp4_tflops", "int8_tops", "fp32_tflops", "tdp_w", "pcie_gen", "pcie_lanes",
      "nvlink_gbs", "interconnect", "channels", "gpu_cores", "street_price", "notes", "unconfirmed", "source"};
  return keys;
}

const std::vector<std::string>& street_price_keys() {
  static const std::vector<std::string> keys = {"condition", "usd", "memory_gib", "product", "date", "source", "note"};
  return keys;
}

namespace {

// `street_price`: a list of quotes, each {condition: new|used, usd: N or [LOW, HIGH], memory_gib, product,
// date, source, note}. Types and ranges are checked here; dates, sources and memory options by `catalog check`.
void read_street_prices(CatalogDevice& cd, const YAML::Node& list, const std::string& file, Diagnostics& diag) {
  if (!list.IsDefined() || list.IsNull()) return;
  if (!list.IsSequence()) {
    diag.report(location_of(list, file), "'street_price' must be a list of quotes");
    return;
  }
  for (const YAML::Node& item : list) {
    Entry q(item, file, diag, street_price_keys());
    if (!item.IsMap()) {
      diag.report(location_of(item, file), "'street_price': each quote is a map (condition, usd, date, source)");
      continue;
    }
    PriceQuote p;
    const std::string condition = q.str("condition", true);
    if (condition == "used") p.used = true;
    else if (condition != "new" && !condition.empty()) q.problem("condition", "unknown condition '" + condition + "' (new, used)");
    const std::vector<double> usd = q.numbers("usd", 0, 1e8);
    if (!q.has("usd")) q.problem("usd", "missing key 'usd'");
    else if (usd.size() == 1) p.low_usd = p.high_usd = usd[0];
    else if (usd.size() == 2) p.low_usd = usd[0], p.high_usd = usd[1];
    else if (!usd.empty()) q.problem("usd", "expected one figure or a range [LOW, HIGH]");
    p.memory_gib = q.number("memory_gib", 0.001, 1 << 20);
    p.product = q.str("product");
    p.date = q.str("date", true);
    p.source = q.str("source", true);
    q.str("note");
    q.finish();
    cd.street_prices.push_back(std::move(p));
    cd.street_where.push_back(q.loc());
  }
}

}  // namespace

void load_devices(Catalog& cat, const YAML::Node& root, const std::string& file, Diagnostics& diag) {
  std::map<std::string, int> seen;
  const std::vector<std::string>& keys = device_keys();
  for_each_entry(root, file, diag, "devices", {"schema_version", "devices"}, [&](const YAML::Node& node) {
    Entry e(node, file, diag, keys);
    if (!node.IsMap()) return;
    CatalogDevice cd;
    Device& d = cd.device;
    d.id = read_id(e);
    d.name = e.str("name", false, d.id);
    d.vendor = e.str("vendor", true);
    const std::string kind = e.str("kind", true);
    static const std::vector<std::pair<std::string, DeviceKind>> kinds = {
        {"gpu", DeviceKind::gpu},   {"datacenter", DeviceKind::datacenter}, {"apple", DeviceKind::apple},
        {"igpu", DeviceKind::igpu}, {"soc", DeviceKind::soc},               {"accelerator", DeviceKind::accelerator},
        {"cpu", DeviceKind::cpu}};
    bool known = false;
    for (const auto& [name, k] : kinds)
      if (name == kind) d.kind = k, known = true;
    if (!known && !kind.empty()) e.problem("kind", "unknown device kind '" + kind + "' (gpu, datacenter, apple, igpu, soc, accelerator, cpu)");
    d.architecture = e.str("architecture");
    d.compute_capability = e.str("compute_capability");
    d.gfx_target = e.str("gfx_target");
    d.launch_year = e.integer("launch_year", 1990, 2100);
    d.launch_price_usd = e.number("launch_price_usd", 0, 1e7);
    d.memory_gib = e.number("memory_gib", 0.001, 1 << 20, true);
    d.memory_reported_mib = e.integer("memory_reported_mib", 1, std::int64_t{1} << 30);
    d.memory_options_gib = e.numbers("memory_options_gib", 0.001, 1 << 20);
    d.memory_platform = e.str("memory_platform");
    d.memory_type = e.str("memory_type");
    d.memory_bus_bits = e.integer("memory_bus_bits", 1, 1 << 16);
    d.memory_data_rate_gbps = e.number("memory_data_rate_gbps", 0, 1000);
    d.bandwidth_gbs = e.number("memory_bandwidth_gbs", 0.001, 1e6, true);
    d.fp16_tflops = e.number("fp16_tflops", 0, 1e6);
    d.fp16acc_tflops = e.number("fp16acc_tflops", 0, 1e6);
    d.bf16_tflops = e.number("bf16_tflops", 0, 1e6);
    d.fp8_tflops = e.number("fp8_tflops", 0, 1e6);
    d.fp4_tflops = e.number("fp4_tflops", 0, 1e6);
    d.int8_tops = e.number("int8_tops", 0, 1e6);
    d.fp32_tflops = e.number("fp32_tflops", 0, 1e6);
    d.tdp_w = e.number("tdp_w", 0, 1e6);
    d.pcie_gen = e.integer("pcie_gen", 1, 10);
    d.pcie_lanes = e.integer("pcie_lanes", 1, 64);
    d.nvlink_gbs = e.number("nvlink_gbs", 0, 1e6);
    e.str("interconnect");
    d.channels = e.integer("channels", 1, 64);
    d.gpu_cores = e.integer("gpu_cores", 1, 1 << 20);
    if (e.has("street_price")) read_street_prices(cd, e.child("street_price"), file, diag);
    cd.meta = read_meta(e);
    e.finish();
    if (d.id.empty()) return;
    upsert(cat.devices, std::move(cd), [](const CatalogDevice& x) { return x.device.id; }, diag, seen);
  });
}

}  // namespace vramfit::io
