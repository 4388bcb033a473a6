// Runtime compatibility of a GPU: which runtimes build kernels for its CUDA compute capability or its
// ROCm gfx target. The rules (minimum / maximum capability, gfx lists) live in data/planning.yaml
// `runtime_support`, from the wheel and build lists of each project (docs/planning.md).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace vramfit {

struct SupportRule {
  std::string runtime;
  std::string vendor;            // nvidia | amd | apple
  double min_cc = 0, max_cc = 0;  // NVIDIA: 0 = no bound
  std::vector<std::string> gfx;  // AMD: supported gfx targets (empty: any)
  std::string note;
  // Runtime profiles (runtimes.yaml ids) this rule decides: a GPU outside it cannot run them (`gates`),
  // or runs them with a caveat (`caveat_for`, e.g. an older wheel or another build).
  std::vector<std::string> gates, caveat_for;
  // Weight formats (quants.yaml mix ids) whose kernels the rule is about: it applies only to a plan
  // that loads one of them (FP8 GEMMs, FP4 tensor cores, MXFP4 MoE kernels); empty: every plan.
  std::vector<std::string> weights;
};

struct SupportResult {
  std::string runtime;
  bool supported = true;
  bool known = true;  // false when the GPU's capability / gfx target is not known
  std::string note;
  std::vector<std::string> gates, caveat_for;  // the rule's (SupportRule)
  std::vector<std::string> weights;            // the rule's: the weight formats it is about
};

// "8.6" -> 8.6; "" or garbage -> 0.
inline double parse_compute_capability(const std::string& cc) {
  double major = 0, minor = 0;
  std::size_t i = 0;
  bool any = false;
  for (; i < cc.size() && cc[i] >= '0' && cc[i] <= '9'; ++i) major = major * 10 + (cc[i] - '0'), any = true;
  if (!any) return 0;
  if (i < cc.size() && cc[i] == '.') {
    double scale = 0.1;
    for (++i; i < cc.size() && cc[i] >= '0' && cc[i] <= '9'; ++i) minor += (cc[i] - '0') * scale, scale /= 10;
  }
  return major + minor;
}

// "sm_61" style name of a capability.
inline std::string sm_name(const std::string& cc) {
  std::string s = "sm_";
  for (char c : cc)
    if (c >= '0' && c <= '9') s += c;
  return s;
}

// Every rule of the GPU's vendor, checked against its capability (NVIDIA) or gfx target (AMD).
inline std::vector<SupportResult> check_support(const std::vector<SupportRule>& rules, const std::string& vendor,
                                                const std::string& compute_capability, const std::string& gfx_target) {
  std::vector<SupportResult> out;
  const double cc = parse_compute_capability(compute_capability);
  for (const SupportRule& r : rules) {
    if (r.vendor != vendor) continue;
    SupportResult s{r.runtime, true, true, r.note, r.gates, r.caveat_for, r.weights};
    if (vendor == "nvidia") {
      if (cc <= 0) s.known = false;
      // Capabilities compare on one decimal: 8.9 >= 8.6, 12.0 >= 7.5 (a small epsilon for 0.1 steps).
      else s.supported = (r.min_cc <= 0 || cc + 1e-9 >= r.min_cc) && (r.max_cc <= 0 || cc <= r.max_cc + 1e-9);
    } else if (vendor == "amd" && !r.gfx.empty()) {
      if (gfx_target.empty()) s.known = false;
      else s.supported = std::find(r.gfx.begin(), r.gfx.end(), gfx_target) != r.gfx.end();
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace vramfit
