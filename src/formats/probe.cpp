#include "formats/probe.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <vector>

#include "base/diagnostics.hpp"
#include "base/input_file.hpp"

namespace vramfit::io {
namespace {

// A recorded or /proc file: nullopt when absent (the machine has no such source); anything else by
// that name must be a regular file of at most 4 MiB (a FIFO in a recording would block for ever).
std::optional<std::string> read_file(const std::string& path) {
  if (!path_exists(path)) return std::nullopt;
  return read_input_file(path, std::uint64_t{4} << 20, std::filesystem::path(path).filename().string());
}

// Runs a fixed command line (no user input reaches it) and returns its stdout, nullopt when it fails.
std::optional<std::string> run_command(const char* cmd) {
  FILE* p = popen(cmd, "r");
  if (p == nullptr) return std::nullopt;
  std::string out;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0 && out.size() < (4u << 20)) out.append(buf, n);
  const int status = pclose(p);
  if (status != 0 || out.empty()) return std::nullopt;
  return out;
}

class LiveProbe : public SystemProbe {
 public:
  explicit LiveProbe(bool measure) : measure_(measure) {}
  std::optional<std::string> read(ProbeSource what) override {
    switch (what) {
      case ProbeSource::nvidia_smi:
        return run_command("nvidia-smi --query-gpu=name,memory.total,memory.used,memory.free,compute_cap,driver_version "
                           "--format=csv,noheader,nounits 2>/dev/null");
      case ProbeSource::rocm_smi: return run_command("rocm-smi --showproductname --showmeminfo vram --json 2>/dev/null");
      case ProbeSource::sysctl:
#ifdef __APPLE__
        return run_command("sysctl hw.memsize hw.model machdep.cpu.brand_string iogpu.wired_limit_mb 2>/dev/null");
#else
        return std::nullopt;
#endif
      case ProbeSource::meminfo: return read_file("/proc/meminfo");
      case ProbeSource::cpuinfo: return read_file("/proc/cpuinfo");
    }
    return std::nullopt;
  }
  // Copies a 128 MiB buffer back and forth (larger than the last-level cache of desktop CPUs) and keeps
  // the best pass; a copy reads and writes every byte. The whole measurement, allocation included,
  // stops after about 0.8 s.
  std::optional<double> bandwidth_gbs() override {
    if (!measure_) return std::nullopt;
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    constexpr std::size_t kBytes = 128u << 20;
    std::vector<char> a(kBytes, 1), b(kBytes, 2);
    double best = 0;
    for (int i = 0; i < 16; ++i) {
      const auto t0 = clock::now();
      std::memcpy(i % 2 ? a.data() : b.data(), i % 2 ? b.data() : a.data(), kBytes);
      const double s = std::chrono::duration<double>(clock::now() - t0).count();
      if (s > 0) best = std::max(best, 2.0 * double(kBytes) / s / 1e9);
      if (std::chrono::duration<double>(clock::now() - start).count() > 0.8) break;
    }
    volatile char sink = a[kBytes / 2] + b[kBytes / 3];  // keep the copies
    (void)sink;
    return best > 0 ? std::optional<double>(best) : std::nullopt;
  }
  [[nodiscard]] std::string describe() const override { return "this machine"; }

 private:
  bool measure_;
};

class RecordedProbe : public SystemProbe {
 public:
  explicit RecordedProbe(std::string dir) : dir_(std::move(dir)) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir_, ec)) throw InputError("detect: recorded outputs directory '" + dir_ + "' does not exist");
  }
  std::optional<std::string> read(ProbeSource what) override {
    switch (what) {
      case ProbeSource::nvidia_smi: return file("nvidia-smi.txt");
      case ProbeSource::rocm_smi: return file("rocm-smi.json");
      case ProbeSource::sysctl: return file("sysctl.txt");
      case ProbeSource::meminfo: return file("meminfo.txt");
      case ProbeSource::cpuinfo: return file("cpuinfo.txt");
    }
    return std::nullopt;
  }
  std::optional<double> bandwidth_gbs() override {
    const auto s = file("bandwidth.txt");
    if (!s) return std::nullopt;
    char* end = nullptr;
    const double v = std::strtod(s->c_str(), &end);
    if (end == s->c_str() || !(v > 0 && v < 1e5)) throw InputError(dir_ + "/bandwidth.txt: not a bandwidth in GB/s");
    return v;
  }
  [[nodiscard]] std::string describe() const override { return "recorded outputs in " + dir_; }

 private:
  std::optional<std::string> file(const char* name) const { return read_file(dir_ + "/" + name); }
  std::string dir_;
};

}  // namespace

std::unique_ptr<SystemProbe> make_probe(const std::string& dir, bool measure_bandwidth) {
  if (!dir.empty()) return std::make_unique<RecordedProbe>(dir);
  if (const char* env = std::getenv("VRAMFIT_DETECT_DIR"); env != nullptr && env[0] != '\0')
    return std::make_unique<RecordedProbe>(env);
  return std::make_unique<LiveProbe>(measure_bandwidth);
}

}  // namespace vramfit::io
