// A storage type from its ggml block layout (ggml-common.h), for the GGUF tests' hand-built type tables.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "vramfit/quant.hpp"

namespace vramfit::gguf {

inline TensorType tt(std::string id, std::int64_t block, std::int64_t bytes, std::string fallback = {}) {
  TensorType t;
  t.id = std::move(id);
  t.block_size = block;
  t.block_bytes = bytes;
  t.quantized = block > 1;
  t.fallback = std::move(fallback);
  return t;
}

}  // namespace vramfit::gguf
