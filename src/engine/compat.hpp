// Whether a runtime runs on the GPUs of a plan: data/planning.yaml runtime_support rules checked
// against each GPU's compute capability or gfx target (vramfit/compat.hpp). A rule that `gates` the
// runtime makes the plan one that cannot run; one with `caveat_for` adds a note.
#pragma once

#include <string>
#include <vector>

#include "engine/devices.hpp"
#include "vramfit/hardware.hpp"

namespace vramfit::engine {

struct CompatCheck {
  std::vector<std::string> blocks;    // why the runtime cannot run on one of the devices
  std::vector<std::string> caveats;   // how it runs there with a caveat
  [[nodiscard]] bool runs() const { return blocks.empty(); }
};

// `quant`: the plan's weight format (quants.yaml mix id), for the rules about weight kernels (FP8, FP4,
// MXFP4); empty: those rules are not checked.
CompatCheck runtime_compat(const std::string& runtime_id, const std::vector<const Device*>& devices, const std::string& quant = {});
// The GPUs among the devices of a question (CPU presets run every runtime).
CompatCheck runtime_compat(const std::string& runtime_id, const std::vector<DeviceSpec>& specs, const std::string& quant = {});

}  // namespace vramfit::engine
