#include "formats/system_info.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>

namespace vramfit::io {
namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) out.push_back(line);
  return out;
}

// A whole non-negative integer (digits only), else -1.
std::int64_t whole(const std::string& s) {
  const std::string t = trim(s);
  if (t.empty() || t.size() > 18 || !std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; })) return -1;
  return std::stoll(t);
}

// No machine has a petabyte of memory in one GPU or host: larger figures are misreadings, and
// would overflow once turned into bytes (docs/hardening.md "Limits").
constexpr std::int64_t kMaxMemoryBytes = std::int64_t{1} << 50;
constexpr std::int64_t kMaxMemoryMiB = kMaxMemoryBytes >> 20;

// "key: value" or "key = value" (sysctl prints the first, some tools the second).
std::pair<std::string, std::string> key_value(const std::string& line) {
  auto pos = line.find(':');
  if (pos == std::string::npos) pos = line.find('=');
  if (pos == std::string::npos) return {"", ""};
  return {trim(line.substr(0, pos)), trim(line.substr(pos + 1))};
}

}  // namespace

std::vector<GpuReading> parse_nvidia_smi(const std::string& text, std::vector<std::string>& problems) {
  std::vector<GpuReading> out;
  int n = 0;
  for (const std::string& raw : lines_of(text)) {
    ++n;
    const std::string line = trim(raw);
    if (line.empty()) continue;
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string item;
    while (std::getline(ss, item, ',')) f.push_back(trim(item));
    if (f.size() != 6) {
      problems.push_back("nvidia-smi line " + std::to_string(n) + ": expected 6 fields, got " + std::to_string(f.size()));
      continue;
    }
    GpuReading g;
    g.vendor = "nvidia";
    g.name = f[0];
    g.total_mib = whole(f[1]);
    g.used_mib = whole(f[2]);
    g.free_mib = whole(f[3]);
    g.compute_capability = f[4] == "[N/A]" ? "" : f[4];
    g.driver = f[5];
    if (g.total_mib <= 0 || g.used_mib < 0 || g.free_mib < 0) {
      problems.push_back("nvidia-smi line " + std::to_string(n) + ": memory is not a number of MiB ('" + f[1] + "', '" + f[2] + "', '" + f[3] + "')");
      continue;
    }
    if (g.total_mib > kMaxMemoryMiB || g.used_mib > kMaxMemoryMiB || g.free_mib > kMaxMemoryMiB) {
      problems.push_back("nvidia-smi line " + std::to_string(n) + ": memory " + f[1] + " MiB is out of range (at most " +
                         std::to_string(kMaxMemoryMiB) + " MiB)");
      continue;
    }
    out.push_back(std::move(g));
  }
  return out;
}

std::vector<GpuReading> parse_rocm_smi(const std::string& text, std::vector<std::string>& problems) {
  std::vector<GpuReading> out;
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false, true);
  if (j.is_discarded() || !j.is_object()) {
    if (!trim(text).empty()) problems.push_back("rocm-smi: output is not a JSON object");
    return out;
  }
  // Key case changed between rocm-smi versions ("Card series" in 5.x, "Card Series" in 6.x).
  auto str = [](const nlohmann::json& o, const std::string& k) {
    auto lower = [](std::string s) {
      for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return s;
    };
    for (auto it = o.begin(); it != o.end(); ++it)
      if (lower(it.key()) == lower(k) && it.value().is_string()) return it.value().get<std::string>();
    return std::string();
  };
  // Cards in their number order ("card0", "card1" ... "card10"), not the text order of the keys.
  std::vector<std::pair<std::int64_t, std::string>> cards;
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key().rfind("card", 0) == 0 && it.value().is_object()) cards.emplace_back(whole(it.key().substr(4)), it.key());
  std::sort(cards.begin(), cards.end());
  for (const auto& [index, key] : cards) {
    const nlohmann::json& c = j[key];
    GpuReading g;
    g.vendor = "amd";
    g.name = str(c, "Card series");
    if (g.name.empty()) g.name = str(c, "Card model");
    g.gfx_target = str(c, "GFX Version");
    const std::int64_t total = whole(str(c, "VRAM Total Memory (B)"));
    const std::int64_t used = whole(str(c, "VRAM Total Used Memory (B)"));
    if (total <= 0) {
      problems.push_back("rocm-smi " + key + ": no 'VRAM Total Memory (B)'");
      continue;
    }
    if (total > kMaxMemoryBytes || used > kMaxMemoryBytes) {
      problems.push_back("rocm-smi " + key + ": VRAM " + std::to_string(std::max(total, used)) + " B is out of range (at most " +
                         std::to_string(kMaxMemoryBytes) + " B)");
      continue;
    }
    g.total_mib = total / (1024 * 1024);
    g.used_mib = used > 0 ? used / (1024 * 1024) : 0;
    g.free_mib = g.total_mib - g.used_mib;
    out.push_back(std::move(g));
  }
  return out;
}

AppleReading parse_sysctl(const std::string& text, std::vector<std::string>& problems) {
  AppleReading a;
  int n = 0;
  for (const std::string& line : lines_of(text)) {
    ++n;
    const std::pair<std::string, std::string> kv = key_value(line);
    const std::string& k = kv.first;
    const std::string& v = kv.second;
    auto in_range = [&](std::int64_t x, std::int64_t hi) {
      if (x <= hi) return std::max<std::int64_t>(x, 0);
      problems.push_back("sysctl line " + std::to_string(n) + ": " + k + " " + v + " is out of range (at most " + std::to_string(hi) + ")");
      return std::int64_t{0};
    };
    if (k == "machdep.cpu.brand_string") a.chip = v;
    else if (k == "hw.model") a.model = v;
    else if (k == "hw.memsize") a.memory_bytes = in_range(whole(v), kMaxMemoryBytes);
    else if (k == "iogpu.wired_limit_mb") a.wired_limit_mb = in_range(whole(v), kMaxMemoryMiB);
  }
  a.present = a.chip.rfind("Apple ", 0) == 0 && a.memory_bytes > 0;
  return a;
}

HostMemory parse_meminfo(const std::string& text, std::vector<std::string>& problems) {
  HostMemory m;
  int n = 0;
  for (const std::string& line : lines_of(text)) {
    ++n;
    const auto [k, v] = key_value(line);
    // Values are in kB (KiB): "MemTotal:       65536000 kB".
    const std::int64_t kib = whole(v.substr(0, v.find(' ')));
    if (kib < 0) continue;
    if (kib > (kMaxMemoryBytes >> 10)) {
      if (k == "MemTotal" || k == "MemAvailable")
        problems.push_back("meminfo line " + std::to_string(n) + ": " + k + " " + std::to_string(kib) + " kB is out of range (at most " +
                           std::to_string(kMaxMemoryBytes >> 10) + " kB)");
      continue;
    }
    if (k == "MemTotal") m.total_bytes = kib * 1024;
    else if (k == "MemAvailable") m.available_bytes = kib * 1024;
  }
  return m;
}

CpuReading parse_cpuinfo(const std::string& text) {
  CpuReading c;
  std::set<std::pair<std::string, std::string>> cores;
  std::string physical;
  for (const std::string& line : lines_of(text)) {
    const auto [k, v] = key_value(line);
    if (k == "processor") ++c.logical;
    else if (k == "model name" && c.model.empty()) c.model = v;
    else if (k == "physical id") physical = v;
    else if (k == "core id") cores.emplace(physical, v);
    else if ((k == "flags" || k == "Features") && c.features.empty()) {
      // Linux's names (arch/x86 cpufeatures.h, arch/arm64 cpuinfo.c): avx512f, amx_int8, asimd, asimddp.
      static const std::pair<const char*, const char*> kNames[] = {
          {"avx2", "avx2"}, {"avx512f", "avx512"}, {"avx512_vnni", "avx512_vnni"}, {"amx_int8", "amx"},
          {"asimd", "neon"}, {"asimddp", "dotprod"}, {"i8mm", "i8mm"}, {"sve", "sve"}};
      std::set<std::string> flags;
      std::istringstream in(v);
      for (std::string f; in >> f;) flags.insert(f);
      for (const auto& [linux_name, ours] : kNames)
        if (flags.count(linux_name) > 0) c.features += (c.features.empty() ? "" : ",") + std::string(ours);
      if (c.features.empty()) c.features = "none";
    }
  }
  c.cores = static_cast<std::int64_t>(cores.size());
  return c;
}

}  // namespace vramfit::io
