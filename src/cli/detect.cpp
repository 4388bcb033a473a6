// vramfit detect: what engine/local.hpp finds on this machine (or in recorded outputs), as text or JSON,
// with the --device local arguments it stands for.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/suggest.hpp"
#include "cli/commands.hpp"
#include "cli/render.hpp"
#include "catalog/planning_data.hpp"
#include "engine/local.hpp"
#include "formats/system_info.hpp"

namespace vramfit::cli {
namespace {

std::string mib_str(std::int64_t n) { return size_str(mib(n)); }


std::string support_line(const DetectedGpu& g) {
  std::vector<std::string> yes, no;
  for (const SupportResult& s : g.support) {
    if (!s.known || !s.weights.empty()) continue;  // weight-format rules: fit and show say them
    (s.supported ? yes : no).push_back(s.supported || s.note.empty() ? s.runtime : s.runtime + " (" + s.note + ")");
  }
  std::string out;
  if (!yes.empty()) out += fmt::format("    runs: {}\n", fmt::join(yes, ", "));
  if (!no.empty()) out += fmt::format("    not supported: {}\n", fmt::join(no, "; "));
  if (yes.empty() && no.empty()) out += "    runtime support unknown (no compute capability / gfx target)\n";
  return out;
}

Json gpu_json(const DetectedGpu& g) {
  Json j;
  j["vendor"] = g.reading.vendor;
  j["name"] = g.reading.name;
  j["device"] = g.device != nullptr ? Json(g.device->id) : Json(nullptr);
  j["memory_total_bytes"] = mib(g.reading.total_mib).value();
  j["memory_used_bytes"] = mib(g.reading.used_mib).value();
  j["memory_free_bytes"] = mib(g.reading.free_mib).value();
  j["compute_capability"] = g.reading.compute_capability.empty() ? Json(nullptr) : Json(g.reading.compute_capability);
  j["gfx_target"] = g.reading.gfx_target.empty() ? Json(nullptr) : Json(g.reading.gfx_target);
  j["driver"] = g.reading.driver.empty() ? Json(nullptr) : Json(g.reading.driver);
  Json s = Json::array();
  for (const SupportResult& r : g.support)
    if (r.weights.empty())  // runtimes, not the weight-format rules
      s.push_back({{"runtime", r.runtime}, {"supported", r.known ? Json(r.supported) : Json(nullptr)}, {"note", r.note}});
  j["runtimes"] = s;
  j["warning"] = g.warning.empty() ? Json(nullptr) : Json(g.warning);
  return j;
}

struct DetectOptions {
  std::string from;
  bool no_bench = false;
};

int run_detect(Context& ctx, const DetectOptions& o) {
  const Machine m = detect_machine(ctx, o.from, !o.no_bench);
  std::vector<std::string> notes;
  std::string local_line;
  try {
    DeviceRequest p;
    p.devices = {"local"};
    const DeviceRequest l = local_devices(ctx, m, p, notes);
    std::string args;
    for (const std::string& d : l.devices) args += " --device " + d;
    if (!l.reserve.empty()) args += " --reserve " + l.reserve;
    if (!l.wired_limit.empty()) args += " --wired-limit " + l.wired_limit;
    if (!l.ram.empty()) args += " --ram " + l.ram;
    if (!l.ram_bandwidth.empty()) args += " --ram-bandwidth " + l.ram_bandwidth;
    local_line = args;
  } catch (const io::InputError& e) {
    notes.push_back(e.what());
  }
  if (ctx.format() == "json") {
    Json j = json_document("detect");
    j["source"] = m.source;
    Json gpus = Json::array();
    for (const DetectedGpu& g : m.gpus) gpus.push_back(gpu_json(g));
    j["gpus"] = gpus;
    j["apple"] = m.apple.present ? Json{{"chip", m.apple.chip}, {"model", m.apple.model}, {"memory_bytes", m.apple.memory_bytes},
                                        {"wired_limit_mb", m.apple.wired_limit_mb},
                                        {"device", m.apple_device != nullptr ? Json(m.apple_device->id) : Json(nullptr)}}
                                 : Json(nullptr);
    j["host"] = {{"cpu", m.cpu.model.empty() ? Json(nullptr) : Json(m.cpu.model)}, {"logical_cpus", m.cpu.logical},
                 {"cores", m.cpu.cores}, {"cpu_features", m.cpu.features.empty() ? Json(nullptr) : Json(m.cpu.features)},
                 // 0 when /proc/meminfo (or sysctl) could not be read: not known, so null.
                 {"memory_total_bytes", m.memory.total_bytes > 0 ? Json(m.memory.total_bytes) : Json(nullptr)},
                 {"memory_available_bytes", m.memory.available_bytes > 0 ? Json(m.memory.available_bytes) : Json(nullptr)},
                 {"measured_bandwidth_bytes_per_second", m.bandwidth_gbs ? Json(*m.bandwidth_gbs * 1e9) : Json(nullptr)}};
    j["cpu_only"] = m.gpus.empty() && !m.apple.present;
    j["local_device_args"] = local_line.empty() ? Json(nullptr) : Json(local_line.substr(1));
    j["problems"] = m.problems;
    j["notes"] = notes;
    j["sources"] = io::planning_data().support_source;
    ctx.io.out << dump(j);
    return 0;
  }
  std::string out = fmt::format("detected ({})\n\n", m.source);
  for (std::size_t i = 0; i < m.gpus.size(); ++i) {
    const DetectedGpu& g = m.gpus[i];
    const io::GpuReading& r = g.reading;
    std::string arch = r.vendor == "nvidia" ? (r.compute_capability.empty() ? "" : "compute " + r.compute_capability + " (" + sm_name(r.compute_capability) + ")")
                                            : r.gfx_target;
    out += fmt::format("GPU {}: {} -> {}\n", i, r.name, g.device != nullptr ? g.device->id : "not in the catalog");
    out += fmt::format("    memory {} total, {} in use, {} free{}{}\n", mib_str(r.total_mib), mib_str(r.used_mib), mib_str(r.free_mib),
                       arch.empty() ? "" : "; " + arch, r.driver.empty() ? "" : "; driver " + r.driver);
    out += support_line(g);
    if (!g.warning.empty()) out += "    warning: " + g.warning + "\n";
  }
  if (m.apple.present) {
    out += fmt::format("Apple: {} ({}) with {:g} GB unified memory -> {}\n", m.apple.chip, m.apple.model.empty() ? "?" : m.apple.model,
                       m.apple_gib, m.apple_device != nullptr ? m.apple_device->id : "not in the catalog");
    out += m.apple.wired_limit_mb > 0 ? fmt::format("    GPU wired limit {} MiB (iogpu.wired_limit_mb)\n", m.apple.wired_limit_mb)
                                      : "    GPU wired limit: macOS default (iogpu.wired_limit_mb 0)\n";
    out += "    runs: llama.cpp (Metal), MLX\n";
  }
  if (m.gpus.empty() && !m.apple.present) out += "no GPU found (no nvidia-smi, rocm-smi or Apple chip): CPU only\n";
  out += fmt::format("host: {}{}\n", m.cpu.model.empty() ? "CPU unknown" : m.cpu.model,
                     m.cpu.logical > 0 ? fmt::format(", {} logical CPUs{}", m.cpu.logical, m.cpu.cores > 0 ? fmt::format(" ({} cores)", m.cpu.cores) : "") : "");
  if (!m.cpu.features.empty())
    out += fmt::format("    CPU features {} (llama.cpp's CPU_REPACK rule)\n", m.cpu.features);
  if (m.memory.total_bytes > 0)
    out += fmt::format("    RAM {} total{}\n", size_str(Bytes(m.memory.total_bytes)),
                       m.memory.available_bytes > 0 ? fmt::format(", {} available", size_str(Bytes(m.memory.available_bytes))) : "");
  if (m.bandwidth_gbs) out += fmt::format("    memory bandwidth {:.1f} GB/s measured (one-thread copy: a lower bound)\n", *m.bandwidth_gbs);
  for (const std::string& p : m.problems) out += "problem: " + p + "\n";
  if (!local_line.empty()) out += "\n--device local means:" + local_line + "\n";
  for (const std::string& n : notes)
    if (n.rfind("--device local (", 0) != 0) out += "note: " + n + "\n";
  ctx.io.out << out;
  return 0;
}

}  // namespace

void setup_detect(CLI::App& app, Context& ctx, int& exit_code) {
  auto opt = std::make_shared<DetectOptions>();
  CLI::App* sub = app.add_subcommand("detect", "GPUs, Apple chip, RAM and CPU of this machine, matched to the catalog, with runtime support");
  sub->add_option("--from", opt->from, "read recorded outputs from DIR instead (nvidia-smi.txt, rocm-smi.json, sysctl.txt, meminfo.txt, cpuinfo.txt, bandwidth.txt)");
  sub->add_flag("--no-bench", opt->no_bench, "do not measure the host memory bandwidth");
  sub->callback([&ctx, &exit_code, opt] { exit_code = run_detect(ctx, *opt); });
}

}  // namespace vramfit::cli