// The machine vramfit runs on (`vramfit detect`, `--device local`): the GPUs nvidia-smi / rocm-smi
// report, the Apple chip, host RAM and CPU, and a measured memory bandwidth; each GPU matched to the
// catalog with the runtimes that support it. The probe (formats/probe.hpp) asks the machine, or reads
// recorded outputs (`detect --from DIR`, VRAMFIT_DETECT_DIR).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/devices.hpp"
#include "engine/session.hpp"
#include "formats/system_info.hpp"
#include "vramfit/compat.hpp"

namespace vramfit::engine {

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

// Recorded outputs from `dir` when given (else VRAMFIT_DETECT_DIR), else this machine; `bench`
// measures the host memory bandwidth (about a second).
Machine detect_machine(Session& s, const std::string& dir, bool bench);

// The --device values, reserve, RAM and bandwidth that describe a detected machine, in place of
// "local" among `opt.devices` (other --device values stay); what it did goes to `notes`.
DeviceRequest local_devices(Session& s, const Machine& m, DeviceRequest opt, std::vector<std::string>& notes);

// --device local: the machine is detected once per run (`table --device local` resolves the devices
// for every cell).
bool names_local(const DeviceRequest& opt);
DeviceRequest expand_local(Session& s, const DeviceRequest& opt, std::vector<std::string>* notes = nullptr);

}  // namespace vramfit::engine
