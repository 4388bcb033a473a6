#include "engine/memory.hpp"

#include <algorithm>

#include "base/diagnostics.hpp"
#include "vramfit/file_weights.hpp"
#include "vramfit/serving.hpp"

namespace vramfit::engine {

using io::InputError;

WeightBreakdown query_weights(Session& ctx, const Query& q) {
  if (q.file_weights) {
    try {
      return weight_bytes_from_file(q.model->spec, q.file->tensors, q.workload.include_vision);
    } catch (const CoreError& e) {
      throw InputError(q.file->path + ": " + e.what());
    }
  }
  validate(q.model->spec);
  return weight_bytes(q.model->spec, q.mix->mix, ctx.types(), q.workload.include_vision);
}

ParamCounts query_params(const Query& q) {
  return q.file_weights ? count_params_from_file(q.model->spec, q.file->tensors) : count_params(q.model->spec);
}

MemoryEstimate estimate(Session& ctx, const Query& q) { return estimate(ctx, q, query_weights(ctx, q)); }

MemoryEstimate estimate(Session& ctx, const Query& q, WeightBreakdown weights) {
  MemoryEstimate e = estimate_memory(q.model->spec, std::move(weights), ctx.types(), q.workload);
  // transformers / MLX: no llama.cpp graph buffer; the peak of one forward pass over the prompt (or
  // one prefill chunk) of every sequence, logits for the last position only.
  if (q.runtime->kind == RuntimeKind::pool) {
    // vLLM-style: the activations of the profiling pass (serving.hpp), one GPU.
    const PoolConfig& c = q.runtime->pool;
    e.compute = forward_compute(q.model->spec, c.max_batched_tokens, c.max_seqs, true, 1, c.activation_bytes);
  } else if (q.runtime->kind == RuntimeKind::direct) {
    const Workload& w = q.workload;
    const std::int64_t chunk = q.runtime->prefill_chunk > 0 ? std::min(q.runtime->prefill_chunk, w.context) : w.context;
    e.compute = forward_compute(q.model->spec, chunk * w.parallel, w.parallel, false);
  }
  return e;
}

Placement full_offload(const Query& q, const MemoryEstimate& e) {
  PlacementRequest req;
  Target gpu;
  gpu.label = "gpu";
  gpu.overhead = q.runtime->kind == RuntimeKind::pool ? q.runtime->pool.non_torch : q.runtime->overhead_cuda;
  req.gpus.push_back(gpu);
  req.embeddings_on_host = q.runtime->embeddings_on_host;
  req.host.label = "host RAM";
  return place_layers(q.model->spec, e, req, q.model->spec.layers + 1);
}

const char* group_name(TensorGroup g) {
  switch (g) {
    case TensorGroup::embeddings: return "token embeddings";
    case TensorGroup::output: return "output head";
    case TensorGroup::attention: return "attention";
    case TensorGroup::ffn: return "dense FFN";
    case TensorGroup::experts: return "routed experts";
    case TensorGroup::shared: return "shared experts + router";
    case TensorGroup::ssm: return "Mamba / linear attention";
    case TensorGroup::norm: return "norms";
    case TensorGroup::vision: return "vision encoder";
  }
  return "?";
}


}  // namespace vramfit::engine
