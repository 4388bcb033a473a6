// vramfit detect: the GPUs (nvidia-smi, rocm-smi), the Apple chip (sysctl), host RAM and CPU (/proc)
// and a measured memory bandwidth; each GPU matched to the catalog, with the memory already in use and
// the runtimes that support it. `--device local` (fit, recommend, what-fits) uses the same findings.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/suggest.hpp"
#include "cli/commands.hpp"
#include "cli/planning.hpp"
#include "cli/probe.hpp"
#include "formats/system_info.hpp"

namespace vramfit::cli {
namespace {

struct DetectedGpu {
  io::GpuReading reading;
  const Device* device = nullptr;  // catalog match, nullptr when none
  std::vector<SupportResult> support;
  std::string warning;  // "GTX 1070 (sm_61): current PyTorch and vLLM wheels do not support this GPU"
};

struct Machine {
  std::string source;
  std::vector<DetectedGpu> gpus;
  io::AppleReading apple;
  const Device* apple_device = nullptr;
  double apple_gib = 0;
  io::HostMemory memory;
  io::CpuReading cpu;
  std::optional<double> bandwidth_gbs;
  std::vector<std::string> problems;
};

// Lower-case words of a device name without the vendor's brand words.
std::vector<std::string> words(const std::string& name) {
  static const std::set<std::string> brand = {"nvidia", "geforce", "amd", "radeon", "ati", "tm", "graphics", "bin"};
  std::vector<std::string> out;
  std::string w;
  auto flush = [&] {
    if (!w.empty() && !brand.count(w)) out.push_back(w);
    w.clear();
  };
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c))) w += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else flush();
  }
  flush();
  return out;
}

bool has_digit(const std::string& s) { return std::any_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }); }
// Memory words ("80gb", "hbm3", "gddr6") say how much or which memory, not which chip.
bool memory_word(const std::string& s) {
  return (s.size() > 2 && s.compare(s.size() - 2, 2, "gb") == 0 && has_digit(s)) || s.rfind("hbm", 0) == 0 || s.rfind("gddr", 0) == 0;
}

// The catalog device a reported name stands for: every model word of the report (words with digits:
// "4090", "a6000", "m2") must be in the catalog name; then most shared words, fewest extra words, an
// alias equal to a model word (the usual variant: "h100" is the SXM card), and the closest memory.
const Device* match_device(const io::Catalog& cat, const std::string& vendor, const std::string& name, double memory_gib) {
  const std::vector<std::string> d = words(name);
  const Device* best = nullptr;
  double best_score = -1e9;
  for (const io::CatalogDevice& cd : cat.devices) {
    const Device& dev = cd.device;
    if (dev.vendor != vendor) continue;
    const std::vector<std::string> c = words(dev.name);
    bool all = true;
    for (const std::string& w : d)
      if (has_digit(w) && !memory_word(w) && std::find(c.begin(), c.end(), w) == c.end()) all = false;
    if (!all || std::none_of(d.begin(), d.end(), [](const std::string& w) { return has_digit(w) && !memory_word(w); })) continue;
    double score = 0;
    for (const std::string& w : c) {
      if (memory_word(w)) continue;
      score += std::find(d.begin(), d.end(), w) != d.end() ? 1.0 : -0.5;
    }
    for (const std::string& a : cd.meta.aliases)
      if (std::find(d.begin(), d.end(), io::to_lower(a)) != d.end()) score += 0.25;
    const std::vector<double>& opts = dev.memory_options_gib;
    const bool option_ok = opts.empty() || std::any_of(opts.begin(), opts.end(), [&](double g) { return std::abs(g - memory_gib) < 0.5; });
    if (!option_ok) score -= 10;
    score -= std::abs(dev.memory_gib - memory_gib) / 1000.0;  // closest memory breaks ties
    if (score > best_score) best_score = score, best = &dev;
  }
  return best;
}

std::string support_warning(const Device* dev, const io::GpuReading& g, const std::vector<SupportResult>& support) {
  std::vector<std::string> missing;
  for (const SupportResult& s : support)
    if (s.known && !s.supported && (s.runtime.rfind("PyTorch", 0) == 0 || s.runtime == "vLLM" || s.runtime.rfind("vLLM", 0) == 0 ||
                                    s.runtime.rfind("ROCm", 0) == 0))
      missing.push_back(s.runtime);
  if (missing.empty()) return "";
  const std::string who = dev != nullptr ? dev->name : g.name;
  const std::string arch = g.vendor == "nvidia" ? sm_name(g.compute_capability) : g.gfx_target;
  return fmt::format("{} ({}): {} {} not support this GPU", who, arch,
                     g.vendor == "nvidia" && missing.size() >= 2 ? "current PyTorch and vLLM wheels" : fmt::format("{}", fmt::join(missing, ", ")),
                     g.vendor == "nvidia" && missing.size() >= 2 ? "do" : (missing.size() > 1 ? "do" : "does"));
}

Machine detect_machine(Context& ctx, const std::string& dir, bool bench) {
  const io::Catalog& cat = ctx.catalog();
  const PlanningData& pd = planning_data();
  std::unique_ptr<SystemProbe> probe = make_probe(dir, bench);
  Machine m;
  m.source = probe->describe();
  std::vector<io::GpuReading> readings;
  if (auto s = probe->read(ProbeSource::nvidia_smi)) readings = io::parse_nvidia_smi(*s, m.problems);
  if (auto s = probe->read(ProbeSource::rocm_smi))
    for (io::GpuReading& g : io::parse_rocm_smi(*s, m.problems)) readings.push_back(std::move(g));
  for (io::GpuReading& g : readings) {
    DetectedGpu d;
    d.device = match_device(cat, g.vendor, g.name, double(g.total_mib) / 1024.0);
    if (g.compute_capability.empty() && d.device != nullptr) g.compute_capability = d.device->compute_capability;
    if (g.gfx_target.empty() && d.device != nullptr) g.gfx_target = d.device->gfx_target;
    d.support = check_support(pd.support, g.vendor, g.compute_capability, g.gfx_target);
    d.warning = support_warning(d.device, g, d.support);
    d.reading = std::move(g);
    m.gpus.push_back(std::move(d));
  }
  if (auto s = probe->read(ProbeSource::sysctl)) {
    m.apple = io::parse_sysctl(*s, m.problems);
    if (m.apple.present) {
      m.apple_gib = std::round(double(m.apple.memory_bytes) / double(1LL << 30));
      m.apple_device = match_device(cat, "apple", m.apple.chip, m.apple_gib);
    }
  }
  if (auto s = probe->read(ProbeSource::meminfo)) m.memory = io::parse_meminfo(*s, m.problems);
  if (auto s = probe->read(ProbeSource::cpuinfo)) m.cpu = io::parse_cpuinfo(*s);
  if (m.apple.present && m.memory.total_bytes == 0) m.memory.total_bytes = m.apple.memory_bytes;  // no /proc on macOS
  if (m.apple.present && m.cpu.model.empty()) m.cpu.model = m.apple.chip + " (CPU cores)";
  m.bandwidth_gbs = probe->bandwidth_gbs();
  return m;
}

std::string mib_str(std::int64_t n) { return size_str(mib(n)); }


std::string support_line(const DetectedGpu& g) {
  std::vector<std::string> yes, no;
  for (const SupportResult& s : g.support) {
    if (!s.known) continue;
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
    s.push_back({{"runtime", r.runtime}, {"supported", r.known ? Json(r.supported) : Json(nullptr)}, {"note", r.note}});
  j["runtimes"] = s;
  j["warning"] = g.warning.empty() ? Json(nullptr) : Json(g.warning);
  return j;
}

}  // namespace

bool names_local(const PlacementOptions& opt) {
  return std::any_of(opt.devices.begin(), opt.devices.end(), [](const std::string& d) { return io::to_lower(d) == "local"; });
}

namespace {

// The --device values, reserve, RAM and bandwidth that describe a detected machine.
PlacementOptions local_options(Context& ctx, const Machine& m, PlacementOptions opt, std::vector<std::string>& notes) {
  const io::Catalog& cat = ctx.catalog();
  std::vector<std::string> devices;
  for (const std::string& d : opt.devices)
    if (io::to_lower(d) != "local") devices.push_back(d);
  if (m.apple.present) {
    if (m.apple_device == nullptr) throw io::InputError("--device local: no catalog device matches " + m.apple.chip);
    devices.push_back(fmt::format("{}:{:g}GB", m.apple_device->id, m.apple_gib));
    if (m.apple.wired_limit_mb > 0 && opt.wired_limit.empty()) opt.wired_limit = fmt::format("{}MB", m.apple.wired_limit_mb);
    notes.push_back(fmt::format("--device local ({}): {} with {:g} GB{}", m.source, m.apple.chip, m.apple_gib,
                                m.apple.wired_limit_mb > 0 ? fmt::format(", iogpu.wired_limit_mb {}", m.apple.wired_limit_mb) : ""));
    opt.devices = devices;
    return opt;
  }
  std::int64_t used = 0;
  std::vector<std::pair<std::string, std::int64_t>> groups;  // spec without count, count
  for (const DetectedGpu& g : m.gpus) {
    if (g.device == nullptr) {
      notes.push_back("--device local: '" + g.reading.name + "' is not in the catalog and was left out");
      continue;
    }
    const std::string spec = fmt::format("{}:{}MB", g.device->id, g.reading.total_mib);
    used = std::max(used, g.reading.used_mib);
    auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& x) { return x.first == spec; });
    if (it != groups.end()) ++it->second;
    else groups.emplace_back(spec, 1);
  }
  for (const auto& [spec, n] : groups) devices.push_back(n > 1 ? fmt::format("{}x{}", spec, n) : spec);
  std::string what;
  for (const auto& [spec, n] : groups) what += (what.empty() ? "" : ", ") + (n > 1 ? fmt::format("{} x {}", n, spec) : spec);
  if (used > 0 && opt.reserve.empty()) opt.reserve = fmt::format("{}MB", used);
  if (m.memory.available_bytes > 0 && opt.ram.empty()) opt.ram = fmt::format("{}MB", m.memory.available_bytes >> 20);
  if (opt.ram_bandwidth.empty()) {
    if (m.bandwidth_gbs) {
      opt.ram_bandwidth = fmt::format("{:.1f}GB/s", *m.bandwidth_gbs);
    } else if (groups.empty()) {
      const io::CatalogDevice* def = cat.find_device("cpu-ddr5-6000-2ch");
      opt.ram_bandwidth = fmt::format("{:g}GB/s", def != nullptr ? def->device.bandwidth_gbs : 96.0);
      notes.push_back("--device local: host bandwidth not measured; dual-channel DDR5-6000 assumed");
    }
  }
  if (groups.empty() && devices.empty() && m.memory.available_bytes == 0)
    throw io::InputError("--device local: found no GPU and no /proc/meminfo (see 'vramfit detect')");
  notes.push_back(fmt::format("--device local ({}): {}{}{}{}", m.source, groups.empty() ? "no GPU: CPU only" : what,
                              used > 0 ? fmt::format("; {} MiB already in use (--reserve {} per GPU)", used, opt.reserve) : "",
                              m.memory.available_bytes > 0 ? fmt::format("; {} available RAM", size_str(Bytes(m.memory.available_bytes))) : "",
                              m.bandwidth_gbs ? fmt::format("; measured host bandwidth {:.1f} GB/s", *m.bandwidth_gbs) : ""));
  opt.devices = devices;
  return opt;
}

}  // namespace

PlacementOptions expand_local(Context& ctx, const PlacementOptions& opt, std::vector<std::string>* notes) {
  // Detected once per run: `table --device local` resolves the devices for every cell.
  static std::optional<Machine> machine;
  if (!machine) machine = detect_machine(ctx, "", true);
  std::vector<std::string> sink;
  return local_options(ctx, *machine, opt, notes != nullptr ? *notes : sink);
}

namespace {

struct DetectOptions {
  std::string from;
  bool no_bench = false;
};

int run_detect(Context& ctx, const DetectOptions& o) {
  const Machine m = detect_machine(ctx, o.from, !o.no_bench);
  std::vector<std::string> notes;
  std::string local_line;
  try {
    PlacementOptions p;
    p.devices = {"local"};
    const PlacementOptions l = local_options(ctx, m, p, notes);
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
                 {"cores", m.cpu.cores}, {"memory_total_bytes", m.memory.total_bytes},
                 {"memory_available_bytes", m.memory.available_bytes},
                 {"measured_bandwidth_bytes_per_second", m.bandwidth_gbs ? Json(*m.bandwidth_gbs * 1e9) : Json(nullptr)}};
    j["cpu_only"] = m.gpus.empty() && !m.apple.present;
    j["local_device_args"] = local_line.empty() ? Json(nullptr) : Json(local_line.substr(1));
    j["problems"] = m.problems;
    j["notes"] = notes;
    j["sources"] = planning_data().support_source;
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
