// The user's own runs calibrate speed predictions (docs/bench.md "Calibration"): the runs saved by
// `vramfit bench --save` for the same device and llama.cpp backend scale the catalog profile's decode
// (and prefill) rate by the median of measured / predicted; runs of the same model and quantization
// are preferred when there are any.
#pragma once

#include <string>
#include <vector>

#include "catalog/measurements.hpp"
#include "engine/query.hpp"
#include "engine/speed.hpp"

namespace vramfit::engine {

// Which runs apply to a placement: the catalog id of its GPUs (one kind of GPU holding every layer),
// the backend of their speed profile, the model and the quantization.
struct CalibrationKey {
  std::string device, backend, model, quant;
  [[nodiscard]] bool usable() const { return !device.empty() && !backend.empty(); }
};
CalibrationKey calibration_key(const Query& q, const Placement& p, const SpeedSetup& s);

// Scales `r` by the matching runs of `runs` (read from `file`), records it in r.calibration and says so in
// r.assumptions. No matching run: `r` is unchanged.
void calibrate(SpeedReport& r, const std::vector<io::Measurement>& runs, const CalibrationKey& k, const std::string& file);

}  // namespace vramfit::engine
