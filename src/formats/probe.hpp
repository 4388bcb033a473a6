// The one place where vramfit asks the machine about itself: runs nvidia-smi / rocm-smi / sysctl,
// reads /proc/meminfo and /proc/cpuinfo, and times a memory copy. A recorded probe reads the same
// outputs from files in a directory instead (VRAMFIT_DETECT_DIR or `detect --from DIR`):
//   nvidia-smi.txt  rocm-smi.json  sysctl.txt  meminfo.txt  cpuinfo.txt  bandwidth.txt (GB/s)
// A missing file is a missing tool. The parsers are in src/formats/system_info.hpp.
#pragma once

#include <memory>
#include <optional>
#include <string>

namespace vramfit::io {

enum class ProbeSource { nvidia_smi, rocm_smi, sysctl, meminfo, cpuinfo };

class SystemProbe {
 public:
  virtual ~SystemProbe() = default;
  // The output of the tool or file; nullopt when it is not there (no such command, not this OS).
  virtual std::optional<std::string> read(ProbeSource what) = 0;
  // Host memory bandwidth in GB/s from a short copy (at most about a second); nullopt if not measured.
  virtual std::optional<double> bandwidth_gbs() = 0;
  // "this machine" or "recorded outputs in DIR".
  [[nodiscard]] virtual std::string describe() const = 0;
};

// Recorded outputs from `dir` when given (else from VRAMFIT_DETECT_DIR when set), else the live machine.
std::unique_ptr<SystemProbe> make_probe(const std::string& dir, bool measure_bandwidth = true);

}  // namespace vramfit::io
