// Training throughput: FLOPs per token over the achieved tensor throughput, QLoRA's dequantization
// traffic, and the gradient all-reduce between data-parallel GPUs. Formulas and sources: docs/finetune.md.
//   full fine-tuning  6N per token (forward 2N, backward 4N: Kaplan et al. 2020 §2.1; PaLM 2204.02311 App. B),
//                     8N with full recomputation (Korthikanti et al. 2022 §6, "hardware FLOPs")
//   LoRA / QLoRA      forward 2(N + N_a), backward 2(N + N_a) for the activation gradients through the
//                     frozen weights + 2 N_a for the adapter weight gradients = 4N + 6 N_a; with adapters
//                     on the last blocks only, the backward covers those blocks and the head
#pragma once

#include <algorithm>

#include "vramfit/finetune.hpp"
#include "vramfit/parallel.hpp"
#include "vramfit/prefill.hpp"

namespace vramfit {

struct TrainingFlops {
  double model = 0;     // per token, without recomputation (the MFU convention)
  double hardware = 0;  // per token, what the GPU runs: with the recomputed forward when checkpointing
  double matmul_params = 0;  // N: block matrices (routed experts at experts_per_token / experts) + head
  double attention = 0;      // forward attention FLOPs per token, averaged over the causal sequence
};

inline TrainingFlops training_flops(const ModelSpec& m, const FinetuneSetup& s, double adapter_active) {
  TrainingFlops f;
  // LoRA on the last blocks only: the backward pass stops at the first adapted block (first_trained_layer).
  const std::int64_t first = first_trained_layer(m, s);
  double blocks = 0, attn = 0, blocks_trained = 0, attn_trained = 0;
  const std::vector<double> per_layer = active_params_per_layer(m);
  for (std::int64_t il = 0; il < m.layers; ++il) {
    const double a = attention_flops(m, il, s.seq) / double(s.seq);
    blocks += per_layer[std::size_t(il)];
    attn += a;
    if (il >= first) blocks_trained += per_layer[std::size_t(il)], attn_trained += a;
  }
  const double head = double(m.hidden) * double(m.vocab);  // the input embedding is a lookup, no FLOPs
  f.matmul_params = blocks + head;
  f.attention = attn;
  const double n = f.matmul_params;
  if (s.method == FtMethod::full) {
    f.model = 6 * n + 3 * attn;
    f.hardware = f.model + (s.grad_ckpt ? 2 * blocks + attn : 0.0);
  } else {
    // forward 2(N + N_a) over every block; backward 2 x (trained blocks + head) for the activation
    // gradients, 2 N_a through the adapters and 2 N_a for their weight gradients.
    const double na = adapter_active;
    f.model = 2 * n + 2 * (blocks_trained + head) + 6 * na + attn + 2 * attn_trained;
    f.hardware = f.model + (s.grad_ckpt ? 2 * (blocks_trained + na) + attn_trained : 0.0);
  }
  return f;
}

struct FinetuneSpeed {
  TrainingFlops flops;
  FlopsPerSecond achieved{0.0};
  Seconds compute{0.0};  // one micro-batch on one GPU
  Seconds dequant{0.0};  // QLoRA: one micro-batch's NF4 -> bf16 passes
  Bytes dequant_bytes{0};  // per micro-batch
  Seconds comm{0.0};     // per optimizer step: gradient all-reduce (ZeRO-3: x 1.5)
  Bytes comm_bytes{0};   // message of that all-reduce
  Seconds step{0.0};     // one optimizer step
  std::int64_t tokens_per_step = 0;  // per GPU
  TokensPerSecond per_gpu{0.0}, job{0.0};
  bool known = false;
};

// `peak`: the device's dense tensor FLOP/s for the training precision (0: unknown); `bandwidth` its
// memory bandwidth; `link` the link between the GPUs (nullptr on one GPU).
inline FinetuneSpeed finetune_speed(const ModelSpec& m, const WeightBreakdown& base, const FinetuneMemory& mem,
                                    const FinetuneSetup& s, const FinetuneProfile& prof, FlopsPerSecond peak,
                                    BytesPerSecond bandwidth, const Link* link) {
  FinetuneSpeed r;
  r.flops = training_flops(m, s, mem.adapters.active_params);
  r.tokens_per_step = s.seq * s.micro_batch * s.grad_accum;
  if (peak.value() <= 0 || prof.efficiency <= 0) return r;
  r.achieved = FlopsPerSecond(peak.value() * prof.efficiency);
  const double tokens = double(s.seq * s.micro_batch);
  r.compute = Flops(r.flops.hardware * tokens) / r.achieved;
  if (s.method == FtMethod::qlora && s.framework == TrainFramework::pytorch) {
    // bitsandbytes dequantizes each NF4 matrix to bf16 before its matmul, in the forward, again for the
    // backward, and once more in a recomputed forward: read the 4-bit bytes, write 2 bytes per weight.
    // MoE: only the experts the micro-batch's tokens reach (prefill.hpp experts_touched).
    const double touched = experts_touched(m, s.seq * s.micro_batch);
    double bytes = 0;
    for (std::size_t il = 0; il < base.per_layer.size(); ++il) {
      const double ex = il < base.per_layer_experts.size() ? double(base.per_layer_experts[il].value()) : 0.0;
      bytes += double(base.per_layer[il].value()) - ex + ex * touched;
    }
    for (const double p : active_params_per_layer(m)) bytes += 2 * p;
    const double passes = s.grad_ckpt ? 3 : 2;
    r.dequant_bytes = Bytes(static_cast<std::int64_t>(passes * bytes));
    if (bandwidth.value() <= 0 || prof.dequant_bandwidth_efficiency <= 0) return r;
    r.dequant = r.dequant_bytes / BytesPerSecond(bandwidth.value() * prof.dequant_bandwidth_efficiency);
  }
  if (s.gpus > 1 && link != nullptr) {
    // One all-reduce of every gradient per optimizer step (DDP; ZeRO-1/2 reduce-scatter + all-gather move
    // the same volume); ZeRO-3 also all-gathers the parameters: 1.5x (Rajbhandari et al. 2020 §7).
    const std::int64_t grad_bytes = lora_like(s.method) ? 4 : element_bytes(s.precision);
    const std::int64_t g = detail::ft_mul(mem.params_trainable, grad_bytes);
    r.comm_bytes = Bytes(s.zero >= 3 ? g + g / 2 : g);
    r.comm = allreduce_time(*link, s.gpus, r.comm_bytes);
  }
  // DDP overlaps the all-reduce with the last micro-batch's backward (about 2/3 of its compute).
  const double micro = r.compute.value() + r.dequant.value();
  const double hidden = 2.0 / 3.0 * r.compute.value();
  r.step = Seconds(double(s.grad_accum) * micro + std::max(0.0, r.comm.value() - hidden));
  if (r.step.value() <= 0) return r;
  r.per_gpu = TokensPerSecond(double(r.tokens_per_step) / r.step.value());
  r.job = TokensPerSecond(r.per_gpu.value() * double(s.gpus));
  r.known = true;
  return r;
}

}  // namespace vramfit
