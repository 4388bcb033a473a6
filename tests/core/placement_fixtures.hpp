// The synthetic memory picture the placement, tensor-parallel and solver tests share: every block
// 100 MiB of weights + 8 MiB of KV, output head 400 MiB, token_embd 300 MiB, compute buffer inputs 8 +
// mask 1 + max(logits 250, attention 56, FFN 56) MiB. Round numbers so the tests' arithmetic is by hand.
#pragma once

#include <cstdint>

#include "vramfit/memory.hpp"

namespace vramfit::test {

inline MemoryEstimate synthetic(std::int64_t layers = 32) {
  MemoryEstimate e;
  e.weights.per_layer.assign(static_cast<std::size_t>(layers), mib(100));
  e.weights.per_layer_experts.assign(static_cast<std::size_t>(layers), Bytes{0});
  e.weights.output = mib(400);
  e.weights.global_cpu = mib(300);
  e.weights.total = mib(100) * layers + mib(400) + mib(300);
  e.kv.per_layer.assign(static_cast<std::size_t>(layers), mib(8));
  e.kv.total = e.kv.attention = mib(8) * layers;
  e.compute.inputs = mib(8);
  e.compute.mask = mib(1);
  e.compute.logits = mib(250);
  e.compute.attention = mib(56);
  e.compute.ffn = mib(56);
  e.layer_active = e.weights.per_layer;
  e.output_active = e.weights.output;
  return e;
}

}  // namespace vramfit::test
