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
  // Who reads what comes from the placement (token_reads, placement.hpp): layer split, tensor parallel
  // (GPUs read their 1/N shares at once, plus the all-reduces) and experts kept in host memory.
  const TokenReads r = token_reads(m, e, p, position);
  bool known = true;
  auto time_of = [&](const DeviceRead& d) {
    b.bytes_read += d.bytes;
    if (d.bytes.value() == 0) return 0.0;
    if (d.plan->bandwidth.value() <= 0) known = false;
    return d.plan->bandwidth.value() > 0 ? (d.bytes / d.plan->bandwidth).value() : 0.0;
  };
  double seconds = 0, slowest_gpu = 0;
  for (const DeviceRead& d : r.gpus) {
    const double t = time_of(d);
    if (r.gpus_in_parallel) slowest_gpu = std::max(slowest_gpu, t);
    else seconds += t;
  }
  seconds += slowest_gpu + time_of(r.host) + r.communication.value();
  b.known = known && seconds > 0;
  if (b.known) {
    b.time = Seconds(seconds);
    b.tokens_per_second = per_token(b.time);
  }
  return b;
}

}  // namespace vramfit
