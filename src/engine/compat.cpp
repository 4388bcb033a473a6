#include "engine/compat.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "catalog/planning_data.hpp"
#include "vramfit/compat.hpp"

namespace vramfit::engine {

namespace {

bool names(const std::vector<std::string>& ids, const std::string& id) { return std::find(ids.begin(), ids.end(), id) != ids.end(); }

// "gtx-1070 is sm_61" / "rx-6800-xt is gfx1030".
std::string what_it_is(const Device& d) {
  return d.vendor == "nvidia" ? fmt::format("{} is {}", d.id, sm_name(d.compute_capability)) : fmt::format("{} is {}", d.id, d.gfx_target);
}

}  // namespace

CompatCheck runtime_compat(const std::string& runtime_id, const std::vector<const Device*>& devices, const std::string& quant) {
  CompatCheck c;
  std::vector<const Device*> seen;
  for (const Device* d : devices) {
    if (d == nullptr || std::find(seen.begin(), seen.end(), d) != seen.end()) continue;
    seen.push_back(d);
    const std::size_t blocked_before = c.blocks.size(), caveats_before = c.caveats.size();
    for (const SupportResult& s : check_support(io::planning_data().support, d->vendor, d->compute_capability, d->gfx_target)) {
      if (!s.known || s.supported) continue;
      if (!s.weights.empty() && !names(s.weights, quant)) continue;  // about other weight formats
      const std::string why = fmt::format("{}: {} ({}; data/planning.yaml runtime_support)", s.runtime, s.note.empty() ? "not built for it" : s.note,
                                          what_it_is(*d));
      if (names(s.gates, runtime_id)) c.blocks.push_back(fmt::format("{} cannot run on {}: {}", runtime_id, d->id, why));
      else if (names(s.caveat_for, runtime_id)) c.caveats.push_back(fmt::format("{} on {}: {}", runtime_id, d->id, why));
    }
    // A device the runtime cannot run on needs no caveat about how it would run there.
    if (c.blocks.size() > blocked_before) c.caveats.resize(caveats_before);
  }
  return c;
}

CompatCheck runtime_compat(const std::string& runtime_id, const std::vector<DeviceSpec>& specs, const std::string& quant) {
  std::vector<const Device*> gpus;
  for (const DeviceSpec& s : specs)
    if (!s.device->device.is_cpu()) gpus.push_back(&s.device->device);
  return runtime_compat(runtime_id, gpus, quant);
}

}  // namespace vramfit::engine
