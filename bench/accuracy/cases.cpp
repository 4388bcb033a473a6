#include "accuracy/cases.hpp"

#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include <yaml-cpp/yaml.h>

namespace vramfit::accuracy {
namespace {

YAML::Node read_yaml(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot read");
  std::ostringstream ss;
  ss << in.rdbuf();
  try {
    return YAML::Load(ss.str());
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

std::string text(const YAML::Node& n, const std::string& key) {
  const YAML::Node v = n[key];
  return v.IsDefined() && v.IsScalar() ? v.Scalar() : std::string();
}

double number(const YAML::Node& n, const std::string& key) {
  const YAML::Node v = n[key];
  if (!v.IsDefined() || !v.IsScalar()) return 0;
  try {
    return v.as<double>();
  } catch (const YAML::Exception&) {
    return 0;
  }
}

std::map<std::string, YAML::Node> as_map(const YAML::Node& n) {
  std::map<std::string, YAML::Node> out;
  if (n.IsMap())
    for (auto it = n.begin(); it != n.end(); ++it) out[it->first.Scalar()] = it->second;
  return out;
}

std::string lookup(const std::map<std::string, YAML::Node>& m, const std::string& key) {
  auto it = m.find(key);
  return it != m.end() && it->second.IsScalar() ? it->second.Scalar() : std::string();
}

struct DeviceChoice {
  Device device;
  std::int64_t count = 1;
  std::int64_t cpu_cores = 0;  // a CPU row's physical cores, where the map gives them
};

DeviceChoice device_of(const io::Catalog& cat, const YAML::Node& spec, const std::string& name, std::string& why) {
  DeviceChoice c;
  if (!text(spec, "id").empty()) {
    const io::CatalogDevice* d = cat.find_device(text(spec, "id"));
    if (d == nullptr) {
      why = "map names unknown catalog device '" + text(spec, "id") + "'";
      return c;
    }
    c.device = d->device;
  } else {
    Device& d = c.device;
    d.id = name;
    d.name = name;
    const std::string kind = text(spec, "kind");
    d.kind = kind == "datacenter" ? DeviceKind::datacenter : kind == "cpu" ? DeviceKind::cpu : DeviceKind::gpu;
    d.vendor = text(spec, "vendor");
    d.compute_capability = text(spec, "compute_capability");
    d.bandwidth_gbs = number(spec, "bandwidth_gbs");
    d.fp16_tflops = number(spec, "fp16_tflops");
    d.int8_tops = number(spec, "int8_tops");
    if (d.vendor.empty() && d.kind != DeviceKind::cpu) why = "map gives GPU '" + name + "' without a vendor";
    if (text(spec, "source").empty()) why = "map gives device '" + name + "' without a source";
  }
  if (spec["count"].IsDefined()) c.count = static_cast<std::int64_t>(number(spec, "count"));
  // The bin measured (an Apple chip's GPU cores) and the bandwidth one socket reaches, where the map says.
  if (spec["gpu_cores"].IsDefined()) c.device.gpu_cores = static_cast<std::int64_t>(number(spec, "gpu_cores"));
  if (spec["cpu_cores"].IsDefined()) c.cpu_cores = static_cast<std::int64_t>(number(spec, "cpu_cores"));
  if (spec["bandwidth_gbs"].IsDefined()) c.device.bandwidth_gbs = number(spec, "bandwidth_gbs");
  return c;
}

}  // namespace

CaseSet load_cases(const io::Catalog& cat, const std::string& measured_path, const std::string& map_path) {
  const YAML::Node rows = read_yaml(measured_path);
  const YAML::Node map = read_yaml(map_path);
  if (!rows.IsSequence()) throw std::runtime_error(measured_path + ": expected a list of measured rows");
  const auto backends = as_map(map["backends"]);
  const auto models = as_map(map["models"]);
  const auto quants = as_map(map["quants"]);
  const auto devices = as_map(map["devices"]);
  const auto tests = as_map(map["tests"]);
  const auto details = as_map(map["details"]);

  // Figures a row gives only in its note (e.g. a CPU row's pp512), added as rows of their own.
  std::vector<std::pair<int, YAML::Node>> all;
  for (std::size_t i = 0; i < rows.size(); ++i) all.emplace_back(static_cast<int>(i), rows[i]);
  for (const YAML::Node& x : map["extra_rows"]) {
    const int i = static_cast<int>(number(x, "row"));
    if (i < 0 || i >= static_cast<int>(rows.size())) throw std::runtime_error(map_path + ": extra_rows row " + std::to_string(i) + " does not exist");
    YAML::Node r = YAML::Clone(rows[static_cast<std::size_t>(i)]);
    r["test"] = text(x, "test");
    r["tokens_per_s"] = number(x, "tokens_per_s");
    r.remove("test_detail");
    all.emplace_back(i, r);
  }
  CaseSet set;
  set.types = std::make_unique<TypeTable>(cat.type_table());
  for (const auto& [index, r] : all) {
    ++set.rows;
    const std::string device = text(r, "device"), backend = text(r, "backend"), model = text(r, "model"),
                      quant = text(r, "quant"), test = text(r, "test"), detail = text(r, "test_detail");
    const std::string what = device + " | " + model + " " + quant + " | " + (test == "other" ? detail : test);
    auto skip = [&](const std::string& reason) { set.skipped.push_back({index, what, reason}); };

    std::string rule_reason;
    for (const YAML::Node& rule : map["skip"]) {
      bool match = true;
      for (const char* key : {"device", "backend", "model", "quant", "test"})
        if (rule[key].IsDefined() && text(rule, key) != text(r, key)) match = false;
      if (match) {
        rule_reason = text(rule, "reason");
        break;
      }
    }
    if (!rule_reason.empty()) {
      skip(rule_reason);
      continue;
    }
    Case c;
    c.index = index;
    c.device = device;
    c.model = model;
    c.quant = quant;
    c.test = test == "other" ? detail : test;
    c.measured = number(r, "tokens_per_s");
    c.measured_size_gib = number(r, "model_size_gib");
    c.backend = lookup(backends, backend);
    if (c.backend.empty()) {
      skip("backend '" + backend + "' has no speed profile");
      continue;
    }
    const std::string model_id = lookup(models, model);
    const io::CatalogModel* cm = model_id.empty() ? nullptr : cat.find_model(model_id);
    if (cm == nullptr) {
      skip(model_id.empty() ? "model not mapped" : "map names unknown model '" + model_id + "'");
      continue;
    }
    const std::string mix_id = lookup(quants, quant);
    const io::CatalogMix* mix = nullptr;
    for (const io::CatalogMix& x : cat.mixes)
      if (x.mix.id == mix_id) mix = &x;
    if (mix == nullptr) {
      skip("quantization '" + quant + "' not mapped");
      continue;
    }
    const auto t = tests.count(test) ? tests.at(test) : details.count(detail) ? details.at(detail) : YAML::Node();
    if (!t.IsDefined()) {
      skip("test '" + c.test + "' not mapped");
      continue;
    }
    c.kind = text(t, "kind") == "prefill" ? Kind::prefill : Kind::decode;
    // Settings a source states for its rows (e.g. n_ubatch 2048), matched like the skip rules.
    for (const YAML::Node& rule : map["settings"]) {
      bool match = true;
      for (const char* key : {"device", "backend", "model", "source"})
        if (rule[key].IsDefined() && text(rule, key) != text(r, key)) match = false;
      if (!match) continue;
      if (rule["ubatch"].IsDefined()) c.ubatch = static_cast<std::int64_t>(number(rule, "ubatch"));
      if (rule["legacy"].IsDefined()) c.legacy = text(rule, "legacy") == "true";
    }
    c.position = static_cast<std::int64_t>(number(t, "position"));
    c.prompt = static_cast<std::int64_t>(number(t, "prompt"));
    if (!devices.count(device)) {
      skip("device not mapped");
      continue;
    }
    std::string why;
    DeviceChoice dc = device_of(cat, devices.at(device), device, why);
    if (!why.empty()) {
      skip(why);
      continue;
    }
    if (r["gpu_count"].IsDefined() && number(r, "gpu_count") > 1) dc.count = static_cast<std::int64_t>(number(r, "gpu_count"));
    if (number(r, "gpu_cores") > 0) dc.device.gpu_cores = static_cast<std::int64_t>(number(r, "gpu_cores"));
    if (c.measured <= 0 || dc.device.bandwidth_gbs <= 0) {
      skip("no tokens/s or no bandwidth");
      continue;
    }

    c.device_id = dc.device.id;
    c.spec = cm->spec;
    Workload w;
    w.ubatch = c.ubatch;
    w.context = std::max<std::int64_t>({c.prompt, c.position + 1, 1});
    try {
      c.estimate = estimate_memory(c.spec, mix->mix, *set.types, w);
    } catch (const std::exception& e) {
      skip(std::string("estimate failed: ") + e.what());
      continue;
    }
    // CPU rows: the CPU class, except the CPU cores of a unified-memory chip (their own class).
    SpeedDevice sd = c.backend == "cpu" ? cpu_speed_device(dc.device) : speed_device(dc.device, c.backend);
    // A CPU's cores time its prefill as an Apple GPU's cores do (ψ, FLOP/s per core), where the map gives them.
    if (c.backend == "cpu" && dc.cpu_cores > 0) sd.gpu_cores = dc.cpu_cores;
    PlacementRequest req;
    if (c.backend == "cpu") {
      req.host.label = dc.device.id;
      req.host.bandwidth = dc.device.bandwidth();
      c.placement = place_layers(c.spec, c.estimate, req, 0);
      c.setup.host = sd;
    } else {
      // llama-bench -ngl 99: every block and the output head on the GPUs, split evenly.
      for (std::int64_t i = 0; i < dc.count; ++i) {
        Target g;
        g.label = dc.device.id + "#" + std::to_string(i);
        g.bandwidth = dc.device.bandwidth();
        req.gpus.push_back(g);
        c.setup.gpus.push_back(sd);
      }
      req.host.label = "host";
      c.placement = place_layers(c.spec, c.estimate, req, c.spec.layers + 1);
      c.setup.host.backend = "cpu";
      c.setup.host.device_class = "cpu";
    }
    if (c.kind == Kind::decode) {
      c.naive = dc.device.bandwidth_gbs * 1e9 / double(c.estimate.weights.total.value());
    } else {
      // The rule of thumb for prompts: peak FP16 tensor FLOP/s over 2 FLOPs per active parameter.
      c.naive = sd.f16_peak.value() / (2.0 * double(count_params(c.spec).active));
    }
    set.cases.push_back(std::move(c));
  }
  return set;
}

}  // namespace vramfit::accuracy
