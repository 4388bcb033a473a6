// The memory picture of a resolved query: weights per tensor (from the file's tensors, or the mix's
// rules), KV cache and compute, with the runtime's own activations for transformers / MLX / vLLM.
#pragma once

#include <string>

#include "engine/query.hpp"
#include "engine/session.hpp"
#include "vramfit/memory.hpp"
#include "vramfit/placement.hpp"
#include "vramfit/tensors.hpp"

namespace vramfit::engine {

MemoryEstimate estimate(Session& s, const Query& q);
// The same with the weights already worked out by query_weights(): they do not depend on the context
// or batch, so a command that sizes one model at many contexts works them out once.
MemoryEstimate estimate(Session& s, const Query& q, WeightBreakdown weights);
// The weights alone (from the file's tensors, or the mix's rules), and the parameter counts.
WeightBreakdown query_weights(Session& s, const Query& q);
ParamCounts query_params(const Query& q);
// llama.cpp's CPU_REPACK copy on a CPU with these features if every tensor ran there (vramfit/repack.hpp):
// from the file's tensors, or the mix's rules; empty for a runtime other than llama.cpp.
RepackBreakdown query_repack(Session& s, const Query& q, const CpuFeatures& cpu);
// "CPU_REPACK", "AMX" or "AMX + CPU_REPACK": the extra CPU buffers the copy goes to, as llama.cpp names them.
std::string repack_buffers(const RepackBreakdown& r);
// "the q4_K matrices<which> into an interleaved layout": what is copied where, for assumption lines.
std::string repack_what(const RepackBreakdown& r, std::string_view which = "");
// The assumption line of a placement's CPU_REPACK copy ("" when the host holds none and none was skipped).
std::string repack_assumption(const Placement& p, const RepackBreakdown& r, const CpuFeatures& cpu, const std::string& cpu_source,
                              const std::string& no_repack_reason);

// Everything on one GPU of unlimited size (CUDA overhead), token embeddings in host RAM:
// what a single card needs for a full offload, device-independent.
Placement full_offload(const Query& q, const MemoryEstimate& e);

// "token embeddings", "routed experts" ...: a tensor group as answers name it.
const char* group_name(TensorGroup g);

}  // namespace vramfit::engine
