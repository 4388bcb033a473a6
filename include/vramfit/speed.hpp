// Decode speed bound: a decoded token must stream every active weight byte and the KV cache it
// attends over from memory once, layer after layer (reference/methods.md §6.1). Time per token is
// at least sum(bytes on device / bandwidth of device); its inverse is an UPPER bound on tokens/s.
// Real runtimes reach 40-90 % of it (kernel launch costs, achieved vs peak bandwidth).
#pragma once

#include <vector>

#include "vramfit/placement.hpp"

namespace vramfit {

struct DecodeBound {
  std::int64_t position = 0;  // tokens already in the context
  Bytes bytes_read{0};        // per decoded token, all devices
  Seconds time{0.0};
  TokensPerSecond tokens_per_second{0.0};
  bool known = false;  // false when a device holding layers has no bandwidth figure
};

inline DecodeBound decode_upper_bound(const ModelSpec& m, const MemoryEstimate& e, const Placement& p,
                                      std::int64_t position) {
  DecodeBound b;
  b.position = position;
  const std::vector<Bytes> kv = kv_read_per_layer(m, e, position);
  double seconds = 0;
  bool known = true;
  auto charge = [&](const DevicePlan& d, Bytes bytes) {
    b.bytes_read += bytes;
    if (bytes.value() == 0) return;
    if (d.bandwidth.value() <= 0) known = false;
    else seconds += (bytes / d.bandwidth).value();
  };
  auto plan_of = [&](std::int64_t il) -> const DevicePlan& {
    for (const DevicePlan& d : p.gpus)
      if (d.holds_layer(il)) return d;
    return p.host;
  };
  for (std::int64_t il = 0; il < m.layers; ++il)
    charge(plan_of(il), e.layer_active[static_cast<std::size_t>(il)] + kv[static_cast<std::size_t>(il)]);
  for (const DevicePlan& d : p.gpus)
    if (d.output) charge(d, e.output_active);
  if (p.host.output) charge(p.host, e.output_active);
  b.known = known && seconds > 0;
  if (b.known) {
    b.time = Seconds(seconds);
    b.tokens_per_second = per_token(b.time);
  }
  return b;
}

}  // namespace vramfit
