#include "engine/local.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/suggest.hpp"
#include "catalog/planning_data.hpp"
#include "engine/text.hpp"
#include "formats/probe.hpp"

namespace vramfit::engine {
namespace {

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
    if (s.known && !s.supported && s.weights.empty() && (s.runtime.rfind("PyTorch", 0) == 0 || s.runtime == "vLLM" || s.runtime.rfind("vLLM", 0) == 0 ||
                                    s.runtime.rfind("ROCm", 0) == 0))
      missing.push_back(s.runtime);
  if (missing.empty()) return "";
  const std::string who = dev != nullptr ? dev->name : g.name;
  const std::string arch = g.vendor == "nvidia" ? sm_name(g.compute_capability) : g.gfx_target;
  return fmt::format("{} ({}): {} {} not support this GPU", who, arch,
                     g.vendor == "nvidia" && missing.size() >= 2 ? "current PyTorch and vLLM wheels" : fmt::format("{}", fmt::join(missing, ", ")),
                     g.vendor == "nvidia" && missing.size() >= 2 ? "do" : (missing.size() > 1 ? "do" : "does"));
}

}  // namespace

Machine detect_machine(Session& ctx, const std::string& dir, bool bench) {
  const io::Catalog& cat = ctx.catalog();
  const io::PlanningData& pd = io::planning_data();
  std::unique_ptr<io::SystemProbe> probe = io::make_probe(dir, bench);
  Machine m;
  m.source = probe->describe();
  std::vector<io::GpuReading> readings;
  if (auto s = probe->read(io::ProbeSource::nvidia_smi)) readings = io::parse_nvidia_smi(*s, m.problems);
  if (auto s = probe->read(io::ProbeSource::rocm_smi))
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
  if (auto s = probe->read(io::ProbeSource::sysctl)) {
    m.apple = io::parse_sysctl(*s, m.problems);
    if (m.apple.present) {
      m.apple_gib = std::round(double(m.apple.memory_bytes) / double(1LL << 30));
      m.apple_device = match_device(cat, "apple", m.apple.chip, m.apple_gib);
    }
  }
  if (auto s = probe->read(io::ProbeSource::meminfo)) m.memory = io::parse_meminfo(*s, m.problems);
  if (auto s = probe->read(io::ProbeSource::cpuinfo)) m.cpu = io::parse_cpuinfo(*s);
  if (m.apple.present && m.memory.total_bytes == 0) m.memory.total_bytes = m.apple.memory_bytes;  // no /proc on macOS
  if (m.apple.present && m.cpu.model.empty()) m.cpu.model = m.apple.chip + " (CPU cores)";
  m.bandwidth_gbs = probe->bandwidth_gbs();
  return m;
}

bool names_local(const DeviceRequest& opt) {
  return std::any_of(opt.devices.begin(), opt.devices.end(), [](const std::string& d) { return io::to_lower(d) == "local"; });
}

DeviceRequest local_devices(Session& ctx, const Machine& m, DeviceRequest opt, std::vector<std::string>& notes) {
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
  if (opt.cpu_cores.empty() && m.cpu.cores > 0) opt.cpu_cores = std::to_string(m.cpu.cores);
  if (opt.cpu_features.empty() && !m.cpu.features.empty()) {
    opt.cpu_features = m.cpu.features;
    opt.cpu_features_from = "read from /proc/cpuinfo";
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

DeviceRequest expand_local(Session& ctx, const DeviceRequest& opt, std::vector<std::string>* notes) {
  // Detected once per run: `table --device local` resolves the devices for every cell.
  static std::optional<Machine> machine;
  if (!machine) machine = detect_machine(ctx, "", true);
  std::vector<std::string> sink;
  return local_devices(ctx, *machine, opt, notes != nullptr ? *notes : sink);
}

}  // namespace vramfit::engine
