#include "engine/memory.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/diagnostics.hpp"
#include "engine/text.hpp"
#include "vramfit/file_weights.hpp"
#include "vramfit/llamacpp_graph.hpp"
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

RepackBreakdown query_repack(Session& ctx, const Query& q, const CpuFeatures& cpu) {
  if (q.runtime->kind != RuntimeKind::llamacpp) return repack_bytes(q.model->spec, q.mix->mix, ctx.types(), CpuFeatures{});
  if (q.file_weights) return repack_bytes_from_file(q.model->spec, q.file->tensors, cpu);
  return repack_bytes(q.model->spec, q.mix->mix, ctx.types(), cpu);
}

std::string repack_buffers(const RepackBreakdown& r) {
  if (r.amx.value() == 0) return "CPU_REPACK";
  return r.tensors > 0 ? "AMX + CPU_REPACK" : "AMX";
}

std::string repack_what(const RepackBreakdown& r, std::string_view which) {
  const std::string interleaved =
      fmt::format("the {} matrices{} into an interleaved layout", fmt::join(r.types, ", "), r.amx.value() == 0 ? which : "");
  if (r.amx.value() == 0) return interleaved;
  // ggml-cpu/amx/mmq.cpp get_row_size: Q8_0 tiles add 4 B per 32 weights, Q4_K / Q5_K 4 B and IQ4_XS 2 B per 256.
  const std::string amx = fmt::format("the {} matrices{} into the AMX buffer's VNNI tiles (Q8_0, Q4_K, Q5_K and IQ4_XS tiles are larger "
                                      "than the file's rows)",
                                      fmt::join(r.amx_types, ", "), which);
  return r.tensors > 0 ? amx + " and " + interleaved + " (CPU_REPACK: expert stacks and types the AMX kernels lack)" : amx;
}

std::string repack_assumption(const Placement& p, const RepackBreakdown& r, const CpuFeatures& cpu, const std::string& cpu_source,
                              const std::string& no_repack_reason) {
  std::string out;
  if (p.host.repack.value() > 0) {
    out = fmt::format(
        "{}: on this CPU ({}; {}) llama.cpp copies {}, {} of anonymous memory counted in host RAM; the mmap'd file pages of the same "
        "tensors stay as clean page cache the kernel can drop, so {} of the host weights is reclaimable (llama.cpp -nr / --no-repack: no copy)",
        repack_buffers(r), to_string(cpu), cpu_source, repack_what(r, " it runs on the CPU"), size_str(p.host.repack), size_str(r.source_of(p.host.repack)));
  } else if (!no_repack_reason.empty() && r.total.value() > 0 && (p.host.layer_count > 0 || p.host.output || p.host.expert_count > 0)) {
    out = fmt::format("no {} copy: {}", repack_buffers(r), no_repack_reason);
  }
  return out;
}

namespace {

// The most elements of one quantizable block matrix.
std::int64_t largest_block_matrix(const ModelSpec& m) {
  std::int64_t most = 0;
  for (const TensorInfo& t : tensor_inventory(m)) {
    if (t.layer < 0 || !t.matrix || t.group == TensorGroup::vision) continue;
    // An expert stack holds one matrix per expert; the kernels dequantize one expert's at a time.
    const std::int64_t per = t.group == TensorGroup::experts && m.moe.experts > 0 ? t.elements() / m.moe.experts : t.elements();
    most = std::max(most, per);
  }
  return most;
}

void add_kernel_workspace(ComputeTerms& c, const Query& q, std::int64_t pass_tokens) {
  if (q.runtime->id != "transformers" || q.mix == nullptr) return;
  const std::string& id = q.mix->mix.id;
  const bool awq = id.rfind("awq", 0) == 0, gptq = id.rfind("gptq", 0) == 0;
  // AutoAWQ's WQLinear_GEMM: from 1024 input tokens on, dequantize the weight to fp16 and torch.matmul
  // (awq/modules/linear/gemm.py, FP16_MATMUL_HEURISTIC_CONDITION); below, the fused kernel needs none.
  // GPTQ through ExLlamaV2 (transformers -> optimum / gptqmodel): temp_dq, the largest layer in fp16,
  // allocated once at load (exllamav2 post_init). Both recalled from the sources: unconfirmed.
  if (awq && pass_tokens >= 1024) c.workspace = Bytes(2 * largest_block_matrix(q.model->spec));
  if (gptq) {
    c.workspace = Bytes(2 * largest_block_matrix(q.model->spec));
    c.workspace_fixed = true;
  }
}

}  // namespace

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
    const std::int64_t prompt = q.prompt > 0 ? std::min(q.prompt, w.context) : w.context;  // --prompt N, else all of -c
    const std::int64_t chunk = q.runtime->prefill_chunk > 0 ? std::min(q.runtime->prefill_chunk, prompt) : prompt;
    e.compute = forward_compute(q.model->spec, chunk * w.parallel, w.parallel, false);
    add_kernel_workspace(e.compute, q, chunk * w.parallel);
  } else if (q.runtime->id == "llama.cpp") {
    // Ollama runs its own graphs for most architectures; the replay is llama.cpp's.
    const LlamaGraphCache kv{e.kv.cells_full, e.kv.cells_window, e.kv_k->quantized, e.kv_v->quantized};
    if (const std::optional<Bytes> b = llamacpp_cpu_compute(q.model->spec, q.workload, kv)) e.compute.cpu_graph = *b;
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
