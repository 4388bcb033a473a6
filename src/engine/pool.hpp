// fit under a pool runtime (vLLM, TGI, TensorRT-LLM): the memory budget its start-up log prints —
// requested share, weights, activation peak, non-torch memory, KV blocks, token capacity and
// concurrency at max_model_len — per GPU of the tensor-parallel group (core: serving.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/devices.hpp"
#include "engine/query.hpp"
#include "engine/session.hpp"
#include "vramfit/placement.hpp"
#include "vramfit/serving.hpp"

namespace vramfit::engine {

struct PoolAnswer {
  Query query;
  std::string device;             // the GPU kind (catalog id); every GPU of the group is one
  std::int64_t gpus = 0;          // tensor-parallel degree: every GPU given (or --tp N of one)
  Bytes reserve{0};               // --reserve: held by other processes on each GPU
  PoolConfig config;              // the runtime's pool settings, tp = gpus
  PoolMemory memory;              // per GPU
  std::int64_t kv_bytes_per_token = 0;  // per GPU
  std::int64_t requested_tokens = 0;    // context x parallel
  double max_concurrency = 0;           // requests of max_model_len the KV cache holds at once
  Verdict verdict = Verdict::fits;      // fits or does_not_fit
  std::string reason;
  std::vector<std::string> notes;        // e.g. sequences beyond the KV cache wait in the queue
  std::vector<std::string> assumptions;
};

// The budget of `q` (resolved under a pool runtime) on the request's GPUs. llama.cpp-only options
// (--gpu-layers, --ram, --split layer, Apple or CPU devices, mixed GPUs) are InputErrors.
PoolAnswer answer_pool(Session& s, const Query& q, const DeviceRequest& opt);

// The request's own pool settings (--gpu-memory-utilization, --max-num-batched-tokens, --max-num-seqs,
// --vllm-version) applied to the runtime profile's; returns the assumption lines that say so.
std::vector<std::string> apply_pool_settings(PoolConfig& c, const Query& q, const DeviceRequest& opt);

}  // namespace vramfit::engine
