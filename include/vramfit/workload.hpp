// What the user wants to run: context, parallel sequences, batch sizes, KV type, flash attention.
#pragma once

#include <cstdint>
#include <string>

#include "vramfit/error.hpp"

namespace vramfit {

struct Workload {
  std::int64_t context = 4096;  // tokens per sequence
  std::int64_t parallel = 1;    // concurrent sequences, each with `context` tokens (llama-server -np)
  std::int64_t ubatch = 512;    // llama.cpp n_ubatch (physical batch)
  std::int64_t batch = 2048;    // llama.cpp n_batch (logical batch)
  std::string kv_type_k = "f16";
  std::string kv_type_v = "f16";
  bool flash_attention = true;  // llama.cpp -fa auto enables it on GPUs that support it
  bool include_vision = true;   // load the vision encoder (mmproj) of a VLM
  std::int64_t images = 1;      // images per sequence whose tokens cross-attention layers cache (mllama --images)
  bool swa_full = false;        // llama.cpp --swa-full: full-size cache for sliding layers
  std::int64_t kv_pad = 256;    // llama.cpp pads the cache to 256 cells (PR #17046)
};

// Bounds are generous but finite: beyond them the arithmetic stops meaning anything.
inline void validate(const Workload& w) {
  auto check = [](std::int64_t v, std::int64_t lo, std::int64_t hi, const char* what) {
    if (v < lo || v > hi)
      throw CoreError(ErrorKind::invalid_workload, std::string(what) + " = " + std::to_string(v) +
                                                       " is out of range [" + std::to_string(lo) + ", " +
                                                       std::to_string(hi) + "]");
  };
  check(w.context, 1, std::int64_t{1} << 31, "context");
  check(w.parallel, 1, 65536, "parallel");
  check(w.ubatch, 1, 1 << 20, "ubatch");
  check(w.batch, 1, 1 << 20, "batch");
  check(w.kv_pad, 1, 1 << 16, "kv padding");
  check(w.images, 0, 1024, "images");
}

}  // namespace vramfit
