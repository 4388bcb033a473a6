#include "engine/calibrate.hpp"

#include <fmt/format.h>

#include "vramfit/bench_stats.hpp"

namespace vramfit::engine {

CalibrationKey calibration_key(const Query& q, const Placement& p, const SpeedSetup& s) {
  CalibrationKey k;
  // A run measured with every layer on one kind of GPU says nothing of a partial offload or a mix.
  if (p.gpus.empty() || s.gpus.empty() || p.gpu_layers != p.total_layers) return k;
  const auto base = [](const std::string& label) { return label.substr(0, label.find('#')); };
  const std::string first = base(p.gpus.front().label);
  for (const DevicePlan& d : p.gpus)
    if (base(d.label) != first) return k;
  k.device = first;
  k.backend = s.gpus.front().backend;
  k.model = q.model != nullptr ? q.model->spec.id : std::string();
  k.quant = q.mix != nullptr ? q.mix->mix.id : std::string();
  return k;
}

void calibrate(SpeedReport& r, const std::vector<io::Measurement>& runs, const CalibrationKey& k, const std::string& file) {
  if (!k.usable() || runs.empty()) return;
  std::vector<const io::Measurement*> same_device, exact;
  for (const io::Measurement& m : runs) {
    if (m.device != k.device || m.backend != k.backend || m.decode_tps <= 0 || m.predicted_decode_tps <= 0) continue;
    same_device.push_back(&m);
    if (m.model == k.model && m.quant == k.quant) exact.push_back(&m);
  }
  const std::vector<const io::Measurement*>& use = exact.empty() ? same_device : exact;
  if (use.empty()) return;
  std::vector<std::pair<double, double>> decode, prefill;
  for (const io::Measurement* m : use) {
    decode.emplace_back(m->decode_tps, m->predicted_decode_tps);
    if (m->prefill_tps > 0 && m->predicted_prefill_tps > 0) prefill.emplace_back(m->prefill_tps, m->predicted_prefill_tps);
  }
  const auto df = calibration_factor(decode);
  if (!df) return;
  const auto pf = calibration_factor(prefill);
  Calibration& c = r.calibration;
  c.applied = true;
  c.runs = static_cast<std::int64_t>(use.size());
  c.exact_model = !exact.empty();
  c.device = k.device;
  c.backend = k.backend;
  c.file = file;
  c.decode_factor = *df;
  c.prefill_factor = pf.value_or(1.0);
  for (DecodeSpeed& d : r.decode) {
    if (!d.known) continue;
    d.tokens_per_second = TokensPerSecond(d.tokens_per_second.value() * c.decode_factor);
    d.low = TokensPerSecond(d.low.value() * c.decode_factor);
    d.high = TokensPerSecond(d.high.value() * c.decode_factor);
    d.time = Seconds(d.time.value() / c.decode_factor);
  }
  if (pf && r.prefill.known) {
    PrefillSpeed& p = r.prefill;
    p.tokens_per_second = TokensPerSecond(p.tokens_per_second.value() * c.prefill_factor);
    p.low = TokensPerSecond(p.low.value() * c.prefill_factor);
    p.high = TokensPerSecond(p.high.value() * c.prefill_factor);
    p.time = Seconds(p.time.value() / c.prefill_factor);
    // Time to first token is nearly all prefill: scaled alike.
    p.ttft = Seconds(p.ttft.value() / c.prefill_factor);
    p.ttft_low = Seconds(p.ttft_low.value() / c.prefill_factor);
    p.ttft_high = Seconds(p.ttft_high.value() / c.prefill_factor);
  }
  std::string what = c.exact_model ? fmt::format("{} {}", k.model, k.quant) : std::string("any model");
  r.assumptions.push_back(fmt::format(
      "speed calibrated by your own runs: {} saved bench run{} of {} on {} ({}) in {}: decode x {:.3f}{} (median of measured / "
      "predicted; docs/bench.md)",
      c.runs, c.runs == 1 ? "" : "s", what, k.device, k.backend, file, c.decode_factor,
      pf ? fmt::format(", prefill x {:.3f}", c.prefill_factor) : std::string(", prefill not measured: uncalibrated")));
}

}  // namespace vramfit::engine
