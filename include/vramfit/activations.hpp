// The activation terms of one forward pass: llama.cpp's compute buffer (runtime.hpp compute_buffer)
// and the PyTorch / MLX activations of the pool and direct runtimes (forward_compute below) share
// this shape, so that every command reports them the same way.
#pragma once

#include <algorithm>
#include <cstdint>

#include "vramfit/model.hpp"
#include "vramfit/units.hpp"

namespace vramfit {

// llama.cpp (runtime.hpp compute_buffer): the buffer is the larger of a layers phase and a head phase.
// total() is the buffer of a GPU that holds the output head. Host memory differs (placement.hpp):
//   host_total()     the host runs the head itself (CPU only, or output not offloaded without a GPU
//                    to stream it): the token-embedding lookup shares its buffer and llama.cpp logs
//                    logits + 2 x inputs in the head phase (docs/llamacpp-oracle.md: 0.00 % median
//                    over the oracle's real shapes);
//   host_inputs()    every block and the head on GPUs: the host keeps the graph inputs it fills, the
//                    lookup's f32 rows and the f32 mask (the f16 copy flash attention reads is made on
//                    the GPU): d x n_ubatch x 4 + n_kv x n_ubatch x 4, 10.01 / 24.01 / 80.01 MiB logged for
//                    Llama-3.1-8B at 1024 / 8192 / 16384 cells (ubatch 512, 512, 1024), 36.01 and 68.01
//                    for Qwen3-30B-A3B, 40.01 and 72.01 for Qwen3-235B-A22B, 540.01 for DeepSeek-V3 at
//                    131072 (reference/measured_memory.yaml; flash attention on and off alike). With
//                    pipeline parallelism llama.cpp keeps `copies` of the inputs (n_copies = 4,
//                    GGML_SCHED_MAX_COPIES): 4 x 64 + 4 = 260.02 MiB logged for Qwen3-30B-A3B on two T4s;
//   host_streaming() a GPU runs the host's large-batch ops (op offload): the host keeps the lookup,
//                    the hidden state it hands over and the mask it builds (f32, plus its f16 copy
//                    under flash attention): 12.01 / 21.01 / 65.01 MiB logged for Qwen3-0.6B, a 13B
//                    and Qwen3-235B (reference/measured_memory.yaml), 12 / 21 / 64 by this rule.
// output_buffer is llama.cpp's output (logits) buffer, allocated in host memory (pinned with a GPU)
// when the context is created: n_vocab floats for each of n_seq_max sequences
// (llama-context.cpp output_reserve(n_seq_max)); it grows when a batch asks for more logits rows.
struct ComputeTerms {
  Bytes inputs{0}, mask{0}, logits{0}, attention{0}, ffn{0};
  bool summed = false;     // a PyTorch profiling pass (forward_compute): every term at once
  Bytes mask_host{0};      // the mask as the host builds it (f32; + f16 copy with flash attention)
  Bytes mask_input{0};     // the f32 mask alone, the input llama.cpp fills in host memory
  Bytes output_buffer{0};  // llama.cpp only: logits rows in host memory
  // llama.cpp only: the CPU compute buffer of a run with no GPU, replayed over the reserved graph
  // (llamacpp_graph.hpp); 0 where the graph is not one replayed, and the phases above decide.
  Bytes cpu_graph{0};
  // PyTorch quantized-linear kernels: a block matrix dequantized to fp16 beside the block's activations
  // (AWQ's GEMM for long inputs, one layer at a time), or a buffer allocated once at load for it
  // (workspace_fixed: GPTQ's ExLlamaV2 temp_dq), then present during the output head too.
  Bytes workspace{0};
  bool workspace_fixed = false;
  [[nodiscard]] Bytes layers() const { return inputs + mask + std::max(attention, ffn) + workspace; }
  [[nodiscard]] Bytes head() const { return logits + inputs + (workspace_fixed ? workspace : Bytes{0}); }
  [[nodiscard]] Bytes total() const {
    return summed ? inputs + mask + attention + ffn + logits + workspace : std::max(head(), layers());
  }
  [[nodiscard]] Bytes host_total() const { return std::max(head() + inputs, layers()); }
  [[nodiscard]] Bytes host_streaming() const { return inputs + inputs + mask_host; }
  [[nodiscard]] Bytes host_inputs(std::int64_t copies = 1) const {
    return inputs + mask_input * std::max<std::int64_t>(1, copies);
  }
};

// A PyTorch / MLX forward pass over `tokens` tokens with `bytes_per_value` activations, per GPU of a
// tensor-parallel group of `tp`: inputs = the residual stream and its normed copy, attention = Q, K, V
// and the attention output, ffn = gate and up projections (all experts a token is routed to),
// logits = `logit_rows` rows of fp32 logits and probabilities. SDPA / flash kernels keep no score
// matrix and no mask.
//   summed = false (transformers, MLX): one layer's intermediates are freed before the next layer's,
//     so the peak is inputs + max(attention, FFN), or the logits beside the inputs;
//   summed = true (vLLM, TGI, TensorRT-LLM): the profiled peak of the start-up pass taken as every
//     term at once, which PyTorch's caching allocator keeps reserved; with the vLLM H100 log of
//     tests/logs this is still below the memory the log leaves outside weights and KV.
inline ComputeTerms forward_compute(const ModelSpec& m, std::int64_t tokens, std::int64_t logit_rows, bool summed,
                                    std::int64_t tp = 1, std::int64_t bytes_per_value = 2) {
  const std::int64_t t = std::max<std::int64_t>(1, tp);
  std::int64_t ffn = m.max_ffn();
  if (m.moe.present()) ffn = std::max(ffn, m.moe.experts_per_token * m.moe.expert_ffn);
  ComputeTerms c;
  c.summed = summed;
  c.inputs = checked_bytes(bytes_per_value, 2 * m.hidden, tokens);
  c.attention = checked_bytes(bytes_per_value, tokens,
                              (m.heads * m.max_head_dim_k() + 2 * m.kv_heads * m.head_dim_k) / t + m.heads * std::max(m.head_dim_v, m.head_dim_full) / t);
  c.ffn = checked_bytes(bytes_per_value, tokens, 2 * ffn / t);
  c.logits = checked_bytes(2 * 4, m.vocab, logit_rows);
  return c;
}

}  // namespace vramfit
