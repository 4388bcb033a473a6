// Speed profiles and devices with made-up, round parameters for the arithmetic of the speed tests
// (test_speed.cpp, test_prefill.cpp); data/speed.yaml's fitted numbers are checked by bench/accuracy.
#pragma once

#include <string>

#include "vramfit/prefill.hpp"
#include "vramfit/speed.hpp"
#include "fixtures.hpp"

namespace vramfit::test {

inline Target speed_gpu(const char* label, double gbs) {
  Target t;
  t.label = label;
  t.capacity = gib(std::int64_t{80});
  t.bandwidth = gb_per_s(gbs);
  return t;
}

inline MemoryEstimate speed_estimate(const ModelSpec& m, const QuantMix& mix, std::int64_t context = 8192) {
  Workload w;
  w.context = context;
  return estimate_memory(m, mix, types(), w);
}

inline SpeedProfile profile(const char* backend, double eta, double per_layer_us, double per_token_us,
                     const char* device_class = "") {
  SpeedProfile p;
  p.id = std::string(backend) + (device_class[0] ? std::string("-") + device_class : "");
  p.backend = backend;
  p.device_class = device_class;
  p.bandwidth_efficiency = eta;
  p.per_layer = Seconds(per_layer_us * 1e-6);
  p.per_token = Seconds(per_token_us * 1e-6);
  p.decode_band = {0.9, 1.1};
  p.compute_efficiency_quantized = 0.2;
  p.compute_efficiency_float = 0.5;
  p.prefill_band = {0.8, 1.25};
  return p;
}

inline SpeedDevice cuda_gpu(double gbs, double int8_tops = 660.6, double f16_tflops = 330.3) {
  SpeedDevice d;
  d.backend = "cuda";
  d.device_class = "gpu";
  d.bandwidth = gb_per_s(gbs);
  d.int8_peak = tflops(int8_tops);
  d.f16_peak = tflops(f16_tflops);
  return d;
}

inline SpeedDevice host_cpu(double gbs) {
  SpeedDevice d;
  d.backend = "cpu";
  d.device_class = "cpu";
  d.bandwidth = gb_per_s(gbs);
  return d;
}

}  // namespace vramfit::test
