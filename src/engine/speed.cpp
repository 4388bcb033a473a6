#include "engine/speed.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "formats/parse.hpp"

namespace vramfit::engine {

using io::InputError;

std::int64_t prompt_tokens(const std::string& option, const Workload& w) {
  if (option.empty()) return std::min(kDefaultPrompt, w.context);
  const std::int64_t p = io::parse_tokens(option, "--prompt");
  if (p < 1) throw InputError("--prompt must be at least 1 token");
  if (p > w.context)
    throw InputError(fmt::format("--prompt {} is longer than the context ({} tokens); raise -c", p, w.context));
  return p;
}

std::optional<std::int64_t> at_position(const std::string& option, const Workload& w) {
  if (option.empty()) return std::nullopt;
  const std::int64_t n = io::parse_tokens(option, "--at", true);
  if (n > w.context)
    throw InputError(fmt::format("--at {} is beyond the context ({} tokens): give a position from 0 to {}, or raise -c", n, w.context, w.context));
  return n;
}

std::int64_t prefill_pass_tokens(const RuntimeProfile& r, const Workload& w, std::int64_t prompt) {
  // transformers / MLX prefill the prompt in forward passes of prefill_chunk tokens (0: all of it at
  // once); their ubatch of 1 is the decode step, not a prefill pass.
  if (r.kind == RuntimeKind::direct) return r.prefill_chunk > 0 ? std::min(r.prefill_chunk, prompt) : prompt;
  return w.ubatch;
}

SpeedQuestion speed_question(const RuntimeProfile& r, const WorkloadRequest& opt, const Workload& w) {
  SpeedQuestion q;
  q.prompt = prompt_tokens(opt.prompt, w);
  q.at = at_position(opt.at, w);
  q.runtime = r.id;
  q.calibrated = r.kind == RuntimeKind::llamacpp;
  q.prefill_pass = prefill_pass_tokens(r, w, q.prompt);
  if (r.kind == RuntimeKind::direct) {
    q.passes = r.prefill_chunk > 0 ? fmt::format("in forward passes of up to {} tokens ({}'s prefill chunk)", r.prefill_chunk, r.id)
                                   : fmt::format("in one forward pass ({})", r.id);
  } else {
    q.passes = fmt::format("in passes of n_ubatch {}", w.ubatch);
  }
  return q;
}

void check_backend(const std::string& backend, const std::vector<DeviceSpec>& specs) {
  if (backend.empty()) return;
  static const std::vector<std::pair<std::string, std::string>> vendor_of = {
      {"cuda", "nvidia"}, {"rocm", "amd"}, {"metal", "apple"}, {"sycl", "intel"}, {"vulkan", ""}, {"cpu", ""}};
  auto it = std::find_if(vendor_of.begin(), vendor_of.end(), [&](const auto& v) { return v.first == backend; });
  if (it == vendor_of.end())
    throw InputError("unknown --backend '" + backend + "' (cuda, rocm, vulkan, metal, sycl, cpu)");
  for (const DeviceSpec& s : specs) {
    const Device& d = s.device->device;
    if (d.is_cpu()) continue;
    if (!it->second.empty() && d.vendor != it->second)
      throw InputError("--backend " + backend + " does not drive " + d.id + " (" + d.vendor + ")");
    if (backend == "vulkan" && d.vendor == "apple")
      throw InputError("--backend vulkan: llama.cpp runs Apple GPUs with Metal");
  }
}

SpeedSetup speed_setup(const io::Catalog& cat, const std::vector<DeviceSpec>& specs, const Placement& p,
                       const std::string& backend, std::int64_t host_cores) {
  SpeedSetup s;
  std::vector<const Device*> order;  // the GPUs as the placement request listed them
  const Device* chip = nullptr;       // a unified-memory chip: its CPU cores are the host
  for (const DeviceSpec& d : specs) {
    if (d.device->device.unified_memory() && chip == nullptr) chip = &d.device->device;
    if (!d.device->device.is_cpu())
      for (std::int64_t i = 0; i < d.count; ++i) order.push_back(&d.device->device);
  }
  for (std::size_t i = 0; i < p.gpus.size(); ++i) {
    // A label is the device id, with "#i" when there are several of it.
    const std::string& label = p.gpus[i].label;
    const io::CatalogDevice* byname = cat.find_device(label.substr(0, label.find('#')));
    const Device* d = byname != nullptr ? &byname->device : i < order.size() ? order[i] : nullptr;
    s.gpus.push_back(d != nullptr ? speed_device(*d, backend) : SpeedDevice{});
    // Host memory reaches a discrete GPU over its PCIe link (runtimes.yaml links, lanes of the card).
    if (d != nullptr && !d->unified_memory())
      for (const LinkProfile& lp : cat.links)
        if (lp.kind == LinkKind::pcie && lp.pcie_gen == d->pcie_gen) s.gpus.back().host_link = resolve_link(lp, *d).bandwidth;
  }
  // The host runs llama.cpp's CPU backend; the CPU cores of a unified-memory chip are a class of their own.
  if (chip != nullptr) s.host = cpu_speed_device(*chip);
  else s.host.backend = "cpu", s.host.device_class = "cpu";
  s.host.bandwidth = p.host.bandwidth;
  // A CPU's cores time its prefill as an Apple GPU's cores do (prefill.hpp: the profile's ψ per core).
  if (chip == nullptr && host_cores > 0) s.host.gpu_cores = host_cores;
  s.profiles = &cat.speed;
  return s;
}


namespace {

std::string pct(double f) { return fmt::format("{:.0f} %", f * 100); }

std::string profile_line(const SpeedProfile& p, const std::string& who) {
  std::string prefill;
  if (p.compute_efficiency_quantized > 0)
    prefill = fmt::format("prefill at {} of the int8 tensor peak (quantized weights), {} of the FP16 peak (F16/BF16)",
                          pct(p.compute_efficiency_quantized), pct(p.compute_efficiency_float));
  if (p.flops_per_core > 0)
    prefill += (prefill.empty() ? "prefill at " : "; without a published tensor peak ") +
               (p.backend == "cpu" ? fmt::format("{:.1f} GFLOP/s per CPU core where the cores are known (--cpu-cores, --device local)",
                                                 p.flops_per_core / 1e9)
                                   : fmt::format("{:.0f} GFLOP/s per GPU core (the catalog's core count)", p.flops_per_core / 1e9));
  if (p.flops_per_byte > 0)
    prefill += (prefill.empty() ? "prefill at " : p.flops_per_core > 0 ? ", else " : "; without a published tensor peak ") +
               fmt::format("{:.3g} FLOP per byte/s of memory bandwidth", p.flops_per_byte);
  if (prefill.empty()) prefill = "no prefill measured for this backend";
  else if (p.moe_factor < 1.0) prefill += fmt::format(", MoE models at {} of that", pct(p.moe_factor));
  const std::string fixed = p.per_layer.value() > 0 || p.per_token.value() > 0
                                ? fmt::format(" + {:.0f} us per layer + {:.0f} us per token", p.per_layer.value() * 1e6,
                                              p.per_token.value() * 1e6)
                                : " (no fixed cost per token fitted)";
  return fmt::format(
      "speed of {}: profile '{}' of data/speed.yaml, fitted on {} decode and {} prefill measured llama.cpp runs: {} of peak "
      "memory bandwidth{}; {}; bands = 10th-90th percentile of measured / predicted (docs/speed.md)",
      who, p.id, p.decode_rows, p.prefill_rows, pct(p.bandwidth_efficiency), fixed, prefill);
}

}  // namespace

SpeedReport speed_report(const ModelSpec& m, const MemoryEstimate& e, const Placement& p, const SpeedSetup& s,
                         const Workload& w, const SpeedQuestion& q) {
  SpeedReport r;
  const std::int64_t prompt = q.prompt;
  for (std::int64_t pos : {std::int64_t{0}, w.context / 2, w.context}) {
    r.decode.push_back(decode_speed(m, e, p, s, pos));
    r.upper_bound.push_back(decode_upper_bound(m, e, p, pos));
  }
  if (q.at) {
    r.at = decode_speed(m, e, p, s, *q.at);
    r.at_bound = decode_upper_bound(m, e, p, *q.at);
  }
  r.runtime = q.runtime;
  r.calibrated = q.calibrated;
  r.prefill = prefill_speed(m, e, p, s, prompt, q.prefill_pass);
  // Which profiles run which device, for the assumptions.
  auto note = [&](const SpeedDevice& d, const std::string& who) {
    if (d.backend.empty()) {
      if (r.unknown_why.empty()) r.unknown_why = who + " has no llama.cpp backend with a speed profile";
      return;
    }
    const SpeedProfile* prof = s.profiles ? find_profile(*s.profiles, d) : nullptr;
    if (prof == nullptr) {
      if (r.unknown_why.empty())
        r.unknown_why = "no speed profile for backend '" + d.backend + "' on a " + d.device_class + " device (" + who +
                        ") in data/speed.yaml";
      return;
    }
    if (std::find(r.profiles.begin(), r.profiles.end(), prof) != r.profiles.end()) return;
    r.profiles.push_back(prof);
    r.assumptions.push_back(profile_line(*prof, who));
  };
  for (std::size_t i = 0; i < p.gpus.size() && i < s.gpus.size(); ++i)
    if (p.gpus[i].layer_count > 0 || p.gpus[i].output) note(s.gpus[i], p.gpus[i].label);
  if (p.host.layer_count > 0 || p.host.output || p.host.expert_count > 0) note(s.host, p.host.label + " (CPU)");
  if (!r.decode.front().known && r.unknown_why.empty()) r.unknown_why = "a device that runs layers has no bandwidth figure";
  if (r.decode.front().known && !r.prefill.known && r.unknown_why.empty())
    r.unknown_why = "prefill: no compute figure or prefill measurement for this device and backend";
  r.assumptions.push_back(fmt::format(
      "speed: one sequence decoding (batch 1); prompt of {} tokens {}; the upper bound reads every "
      "active weight and the KV cache once per token at peak bandwidth",
      prompt, q.passes));
  if (!q.calibrated)
    r.assumptions.push_back("speed: the decode and prefill model is fitted to llama.cpp runs; " + q.runtime +
                            " is not calibrated (its figures are what llama.cpp reaches on the same devices)");
  const bool host_weights = p.split == Parallelism::layer && (p.host.layer_count > 0 || p.host.output || p.host.expert_count > 0);
  if (host_weights && std::min(prompt, q.prefill_pass) >= kOffloadMinBatch)
    for (std::size_t i = 0; i < p.gpus.size() && i < s.gpus.size(); ++i)
      if (s.gpus[i].host_link.value() > 0) {
        r.assumptions.push_back(fmt::format(
            "prefill: weights in host RAM are computed on {} and copied over its PCIe link ({:g} GB/s) on every pass (llama.cpp "
            "op_offload, from {} tokens per pass)",
            p.gpus[i].label, s.gpus[i].host_link.value() / 1e9, kOffloadMinBatch));
        break;
      }
  return r;
}

}  // namespace vramfit::engine
