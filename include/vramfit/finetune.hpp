// Fine-tuning memory per GPU: weights (frozen and trainable), gradients, fp32 master weights, optimizer
// states, LoRA adapters counted from the tensor inventory, activations with and without gradient
// checkpointing, logits, ZeRO / FSDP sharding, framework overhead. Formulas and sources: docs/finetune.md.
//   model states   ZeRO (Rajbhandari et al. 2020, 1910.02054): mixed-precision Adam = 2 + 2 + 12 B/param,
//                  stage 1 / 2 / 3 partition the 12 / + gradients / + parameters over the data-parallel GPUs
//   adapters       LoRA (Hu et al. 2021, 2106.09685): r x (d_in + d_out) per adapted d_in x d_out matrix
//   activations    Korthikanti et al. 2022 (2205.05198) sbh(34 + 5as/h), re-derived per tensor for GQA,
//                  SwiGLU, MoE, MLA, without dropout; FlashAttention keeps no score matrix
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vramfit/weights.hpp"

namespace vramfit {

enum class FtMethod { full, lora, qlora };
enum class Optimizer { adamw, adamw_8bit, paged_adamw, paged_adamw_8bit, sgd, adafactor };
enum class TrainPrecision { bf16, fp16, fp32 };
// Who trains: PyTorch (transformers + PEFT / bitsandbytes / DeepSpeed) on CUDA or ROCm, or MLX-LM
// (mlx_lm.lora) on Apple silicon. docs/finetune.md "Apple silicon: MLX-LM".
enum class TrainFramework { pytorch, mlx };

inline const char* to_string(FtMethod m) {
  switch (m) {
    case FtMethod::full: return "full";
    case FtMethod::lora: return "lora";
    case FtMethod::qlora: return "qlora";
  }
  return "?";
}
inline const char* to_string(Optimizer o) {
  switch (o) {
    case Optimizer::adamw: return "adamw";
    case Optimizer::adamw_8bit: return "adamw-8bit";
    case Optimizer::paged_adamw: return "paged-adamw";
    case Optimizer::paged_adamw_8bit: return "paged-adamw-8bit";
    case Optimizer::sgd: return "sgd";
    case Optimizer::adafactor: return "adafactor";
  }
  return "?";
}
inline const char* to_string(TrainFramework f) { return f == TrainFramework::mlx ? "mlx-lm" : "pytorch"; }
inline const char* to_string(TrainPrecision p) {
  switch (p) {
    case TrainPrecision::bf16: return "bf16";
    case TrainPrecision::fp16: return "fp16";
    case TrainPrecision::fp32: return "fp32";
  }
  return "?";
}

// Tunables from data/runtimes.yaml `finetune:` (each with its source there).
struct FinetuneProfile {
  std::int64_t adamw_bytes = 0;       // optimizer state bytes per trainable parameter (fp32 m and v)
  std::int64_t adamw_8bit_bytes = 0;  // bitsandbytes block-wise 8-bit m and v
  std::int64_t sgd_bytes = 0;         // fp32 momentum
  Bytes cuda_context{0};              // per GPU: CUDA context, cuBLAS/cuDNN workspaces, kernels
  double fragmentation = 0;           // caching-allocator slack, fraction of everything else
  std::int64_t logits_bytes = 0;      // bytes per logit (token x vocab) alive around the loss
  std::int64_t zero3_gathered_layers = 0;  // ZeRO-3 / FSDP: layers gathered at once (current + prefetch)
  double efficiency = 0;              // achieved / peak tensor FLOP/s of training matmuls (hardware FLOPs)
  double dequant_bandwidth_efficiency = 0;  // QLoRA: achieved / peak bandwidth of the NF4 -> bf16 pass
  std::vector<std::string> source;
};

// Which projections get adapters. MLA: q = q_a/q_b (or q), k and v = kv_a_mqa and kv_b; ssm = the
// Mamba / delta-net in/x/dt/ba/out projections (PEFT "all-linear" takes every nn.Linear but the head).
struct LoraTargets {
  bool q = false, k = false, v = false, o = false, gate = false, up = false, down = false, ssm = false;
  [[nodiscard]] bool any() const { return q || k || v || o || gate || up || down || ssm; }
  static LoraTargets all_linear() { return {true, true, true, true, true, true, true, true}; }
};

struct FinetuneSetup {
  FtMethod method = FtMethod::lora;
  Optimizer optimizer = Optimizer::adamw;
  TrainPrecision precision = TrainPrecision::bf16;
  std::int64_t rank = 16;
  LoraTargets targets = LoraTargets::all_linear();
  std::int64_t seq = 2048;        // tokens per sequence (packed: every sequence full)
  std::int64_t micro_batch = 1;   // sequences per forward/backward on one GPU
  std::int64_t grad_accum = 1;    // micro-batches per optimizer step
  bool grad_ckpt = false;         // full activation checkpointing of every decoder layer
  bool flash_attention = true;    // SDPA / FlashAttention: no score matrix kept
  int zero = 0;                   // ZeRO stage 0-3 (FSDP FULL_SHARD = 3)
  std::int64_t gpus = 1;          // data-parallel GPUs
  std::int64_t adapted_layers = 0;  // LoRA: adapters on the last N blocks only (mlx_lm --num-layers); 0 = all
  TrainFramework framework = TrainFramework::pytorch;
};

inline bool lora_like(FtMethod m) { return m != FtMethod::full; }

// The first block the backward pass reaches: LoRA on the last N blocks leaves the blocks below with no
// trainable parameter and no input that needs a gradient, so autograd (PyTorch's and MLX's alike)
// records nothing there. Full fine-tuning and LoRA on every block: 0.
inline std::int64_t first_trained_layer(const ModelSpec& m, const FinetuneSetup& s) {
  if (!lora_like(s.method) || s.adapted_layers <= 0 || s.adapted_layers >= m.layers) return 0;
  return m.layers - s.adapted_layers;
}
inline bool mixed_precision(TrainPrecision p) { return p != TrainPrecision::fp32; }
inline std::int64_t element_bytes(TrainPrecision p) { return p == TrainPrecision::fp32 ? 4 : 2; }

namespace detail {

inline std::int64_t ft_mul(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (mul_overflows(a, b, r)) throw CoreError(ErrorKind::overflow, "fine-tuning byte count overflows 64 bits");
  return r;
}
inline std::int64_t ft_add(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (add_overflows(a, b, r)) throw CoreError(ErrorKind::overflow, "fine-tuning byte count overflows 64 bits");
  return r;
}

inline bool targeted(std::string_view name, const LoraTargets& t) {
  if (name == "attn_q" || name == "attn_q_a" || name == "attn_q_b") return t.q;
  if (name == "attn_k") return t.k;
  if (name == "attn_v") return t.v;
  if (name == "attn_kv_a_mqa" || name == "attn_kv_b") return t.k || t.v;
  if (name == "attn_output") return t.o;
  if (name.rfind("ffn_gate", 0) == 0) return t.gate && name != "ffn_gate_inp" && name != "ffn_gate_inp_shexp";
  if (name.rfind("ffn_up", 0) == 0) return t.up;
  if (name.rfind("ffn_down", 0) == 0) return t.down;
  if (name.rfind("ssm_", 0) == 0) return t.ssm && name != "ssm_vec";
  // The inventory's only attn_qkv / attn_gate are a delta net's input projection (tensors.hpp add_ssm).
  if (name == "attn_qkv" || name == "attn_gate") return t.ssm;
  return false;
}

}  // namespace detail

// LoRA adapters: B (d_out x r) A (r x d_in) beside each targeted matrix, r x (d_in + d_out) parameters
// (Hu et al. 2021 §4.1). Stacked routed experts are adapted one expert at a time (PEFT wraps each
// expert's nn.Linear), so E x r x (d_in + d_out / E) for a tensor of E experts; the router, the
// embeddings and the output head get none (PEFT "all-linear" leaves out the output layer).
struct AdapterCount {
  std::int64_t params = 0;
  std::int64_t matrices = 0;        // adapted d_in x d_out matrices (an expert counts once each)
  std::int64_t token_matrices = 0;  // adapted matrices one token passes through (experts_per_token of E)
  std::int64_t factored = 0;        // Adafactor: sum of (rows + cols) over the A and B matrices
  double active_params = 0;         // per token: routed-expert adapters x experts_per_token / experts
  std::int64_t token_inputs = 0;    // sum of d_in over the distinct inputs the adapted matrices read
};

namespace detail {

// The input a matrix reads: q, k and v (MLA: q_a and kv_a) read the attention norm's output, gate and
// up the FFN's input (routed experts and shared experts apart); any other matrix its own.
inline std::string adapter_input(std::string_view name) {
  if (name == "attn_q" || name == "attn_k" || name == "attn_v" || name == "attn_q_a" || name == "attn_kv_a_mqa") return "attn_in";
  if (name.rfind("ffn_gate", 0) == 0) return "ffn_in" + std::string(name.substr(8));
  if (name.rfind("ffn_up", 0) == 0) return "ffn_in" + std::string(name.substr(6));
  if (name == "attn_qkv" || name == "attn_gate") return "ssm_in";  // a delta net's input projections
  return std::string(name);
}

}  // namespace detail

// `first_layer`: blocks below it get no adapters (LoRA on the last N blocks).
inline AdapterCount count_adapters(const ModelSpec& m, const LoraTargets& t, std::int64_t r, std::int64_t first_layer = 0) {
  AdapterCount c;
  if (r <= 0) return c;
  const double share = m.moe.present() ? double(m.moe.experts_per_token) / double(m.moe.experts) : 1.0;
  std::set<std::pair<std::int64_t, std::string>> inputs;
  for (const TensorInfo& x : tensor_inventory(m)) {
    if (x.layer < first_layer || !x.matrix || !detail::targeted(x.name, t)) continue;
    const std::int64_t n = x.group == TensorGroup::experts ? m.moe.experts : 1;
    const std::int64_t d_in = x.ne0, d_out = x.rows / n;
    const std::int64_t p = detail::ft_mul(detail::ft_mul(r, d_in + d_out), n);
    c.params = detail::ft_add(c.params, p);
    c.matrices += n;
    const std::int64_t through = x.group == TensorGroup::experts ? m.moe.experts_per_token : 1;
    c.token_matrices += through;
    if (inputs.emplace(x.layer, detail::adapter_input(x.name)).second) c.token_inputs = detail::ft_add(c.token_inputs, d_in);
    c.factored = detail::ft_add(c.factored, detail::ft_mul(2 * r + d_in + d_out, n));
    c.active_params += double(p) * (x.group == TensorGroup::experts ? share : 1.0);
  }
  return c;
}

// Adafactor (Shazeer & Stern 2018) without first moment, HF transformers' default: a row and a column
// accumulator per matrix (experts one by one), the full second moment of a vector. In fp32 elements.
inline std::int64_t adafactor_elements(const ModelSpec& m) {
  std::int64_t e = 0;
  for (const TensorInfo& x : tensor_inventory(m)) {
    if (x.group == TensorGroup::vision) continue;  // the vision tower stays frozen
    const std::int64_t n = x.group == TensorGroup::experts && x.matrix ? m.moe.experts : 1;
    e = detail::ft_add(e, x.matrix && x.rows > 1 ? detail::ft_mul(x.ne0 + x.rows / n, n) : x.elements());
  }
  return e;
}

struct ActivationOptions {
  bool flash_attention = true;
  bool dropout = false;       // dropout masks (1 byte per element) after attention and MLP, and on the scores
  bool fp32_softmax = true;   // eager attention: HF keeps the softmax in fp32 plus a 16-bit copy
  std::int64_t element_bytes = 2;
};

// Activation bytes one token keeps in layer `il` for the backward pass, sequence length `seq`.
// Dense attention block, in elements: 2 norm inputs 2h, attention input h, Q a*k, K and V g*(k + v),
// attention output a*v, MLP input h, gated MLP 4f (gate, up, act(gate), act * up) or 2f (GeLU in, out).
// With h = a*k = a*v, g = a, f = 4h, no gate and dropout this is Korthikanti's 34 bytes * h (16-bit).
inline std::int64_t activation_bytes_per_token(const ModelSpec& m, std::int64_t il, std::int64_t seq,
                                               const ActivationOptions& o) {
  const std::int64_t h = m.hidden, eb = o.element_bytes;
  const LayerKind kind = m.layer_kind(il);
  std::int64_t el = 2 * h;  // inputs of the two norms (the residual stream)
  std::int64_t raw = 0;     // bytes not in the activation type
  if (ModelSpec::is_recurrent(kind)) {
    // Mamba / delta-net: the block input and each projection's output, plus conv and gated scan
    // outputs; the fused selective-scan kernel recomputes its states in backward (Gu & Dao 2023 §3.3).
    el += h + 2 * m.ssm.d_inner;
    for (const TensorInfo& x : tensor_inventory(m))
      if (x.layer == il && x.group == TensorGroup::ssm && x.matrix) el += x.rows;
  } else if (kind != LayerKind::ffn) {  // feed-forward-only blocks have no token mixing
    std::int64_t heads_qk = m.heads * m.head_dim_k, kv = m.kv_heads * (m.head_dim_k + m.head_dim_v),
                 out = m.heads * m.head_dim_v;
    if (kind == LayerKind::mla) {
      const MlaSpec& a = m.mla;
      heads_qk = m.heads * (a.qk_nope_head_dim + a.qk_rope_head_dim);
      kv = heads_qk + m.heads * a.v_head_dim;  // K per head (rope part broadcast), V per head
      out = m.heads * a.v_head_dim;
      el += 2 * a.q_lora_rank + 2 * a.kv_lora_rank + a.qk_rope_head_dim;  // latents before and after their norms
    }
    el += h + heads_qk + kv + out;
    if (o.flash_attention) {
      raw += 4 * m.heads;  // fp32 log-sum-exp per head, kept for the backward pass
    } else {
      // Eager attention materialises the full s x s scores (the mask hides the window): softmax output,
      // and with dropout its mask and output (Korthikanti: 2 + 1 + 2 bytes per score in 16-bit).
      const std::int64_t scores = detail::ft_mul(m.heads, seq);
      raw = detail::ft_add(raw, detail::ft_mul(scores, (o.fp32_softmax ? 4 + eb : eb) + (o.dropout ? 1 + eb : 0)));
    }
  }
  if (m.has_ffn(il)) {
    el += h;  // MLP (or router + experts) input
    const std::int64_t per_ffn = m.ffn_gated ? 4 : 2;
    if (m.is_moe_layer(il)) {
      const MoeSpec& e = m.moe;
      raw += 4 * e.experts;  // fp32 router logits
      el += e.experts_per_token * (2 * h + per_ffn * e.expert_ffn);  // routed copy of the input, FFN, output
      if (e.shared_experts > 0) el += per_ffn * (e.shared_ffn > 0 ? e.shared_ffn : e.expert_ffn) * e.shared_experts;
    } else {
      el += per_ffn * m.ffn;
    }
  }
  if (o.dropout) raw += 2 * h;  // masks after the attention output and after the MLP
  return detail::ft_add(detail::ft_mul(el, eb), raw);
}

struct ActivationMemory {
  Bytes layers{0};      // every trained layer's kept activations (no checkpointing), or the layer inputs (with)
  Bytes recompute{0};   // checkpointing: the largest layer's activations, rebuilt during its backward
  Bytes adapters{0};    // LoRA: the r-wide A output of every adapted matrix (MLX: and its fp32 input)
  Bytes attention_backward{0};  // MLX: one block's s x s attention arrays during its backward
  Bytes head{0};        // final norm input and output
  Bytes logits{0};      // logits, log-softmax and their gradient (docs/finetune.md)
  std::int64_t trained_layers = 0;  // blocks the backward pass runs through (keeping activations)
  [[nodiscard]] Bytes total() const { return layers + recompute + adapters + attention_backward + head + logits; }
};

// MLX-LM: mx.fast.scaled_dot_product_attention keeps no score matrix in the forward pass, but its
// gradient is the gradient of its unfused fallback (mlx/fast.cpp: the fast primitives' vjp runs the
// fallback), so the backward of each block rebuilds the s x s probabilities and holds them with their
// gradient and the scores' gradient, one block at a time: 3 arrays of heads x s x s per sequence.
inline constexpr std::int64_t kMlxAttentionBackwardArrays = 3;

inline ActivationMemory activation_memory(const ModelSpec& m, const FinetuneSetup& s, const AdapterCount& adapters,
                                          const FinetuneProfile& prof) {
  ActivationMemory a;
  ActivationOptions o;
  o.flash_attention = s.flash_attention;
  o.element_bytes = element_bytes(s.precision);
  const std::int64_t tokens = detail::ft_mul(s.seq, s.micro_batch);
  const std::int64_t first = first_trained_layer(m, s);
  a.trained_layers = m.layers - first;
  std::int64_t sum = 0, largest = 0;
  bool attention = false;
  for (std::int64_t il = first; il < m.layers; ++il) {
    const std::int64_t b = activation_bytes_per_token(m, il, s.seq, o);
    sum = detail::ft_add(sum, b);
    largest = std::max(largest, b);
    const LayerKind kind = m.layer_kind(il);
    attention = attention || (!ModelSpec::is_recurrent(kind) && kind != LayerKind::ffn);
  }
  if (s.grad_ckpt) {
    // Korthikanti §5 "full recomputation": the input of every layer, plus one layer rebuilt at a time.
    a.layers = Bytes(detail::ft_mul(detail::ft_mul(a.trained_layers, m.hidden * o.element_bytes), tokens));
    a.recompute = Bytes(detail::ft_mul(largest, tokens));
  } else {
    a.layers = Bytes(detail::ft_mul(sum, tokens));
  }
  if (lora_like(s.method)) {
    // r outputs of each A a token passes through, kept for B's weight gradient; a checkpointed model
    // keeps them only for the layer being rebuilt. MLX-LM's adapters are float32 (mlx_lm tuner
    // LoRALinear), so x @ lora_a promotes the 16-bit input: an fp32 copy of each adapted input, kept
    // for lora_a's gradient (matrices that read the same input share it: mlx_lm compiles the step and
    // mx.compile merges identical operations), and an fp32 r-wide output per adapted matrix.
    const std::int64_t n = a.trained_layers;
    const auto kept = [&](std::int64_t all) { return s.grad_ckpt && n > 0 ? (all + n - 1) / n : all; };
    const std::int64_t per_token = s.framework == TrainFramework::mlx
                                       ? detail::ft_add(detail::ft_mul(kept(adapters.token_inputs), 4), detail::ft_mul(kept(adapters.token_matrices), s.rank * 4))
                                       : detail::ft_mul(kept(adapters.token_matrices), s.rank * o.element_bytes);
    a.adapters = Bytes(detail::ft_mul(per_token, tokens));
  }
  if (s.framework == TrainFramework::mlx && attention) {
    const std::int64_t scores = detail::ft_mul(detail::ft_mul(m.heads, s.seq), detail::ft_mul(s.seq, s.micro_batch));
    a.attention_backward = Bytes(detail::ft_mul(scores, kMlxAttentionBackwardArrays * o.element_bytes));
  }
  a.head = Bytes(detail::ft_mul(2 * m.hidden * o.element_bytes, tokens));
  a.logits = Bytes(detail::ft_mul(detail::ft_mul(m.vocab, prof.logits_bytes), tokens));
  return a;
}

// Per-GPU memory of one training step.
struct FinetuneMemory {
  std::int64_t params_total = 0;      // the model's parameters (text + vision)
  std::int64_t params_trainable = 0;  // full: the text model; LoRA: the adapters
  AdapterCount adapters;
  Bytes frozen_weights{0};     // base weights that get no gradient (LoRA/QLoRA base, vision tower)
  Bytes trainable_weights{0};  // weights that get a gradient, in their training dtype
  Bytes gradients{0};
  Bytes master_weights{0};     // fp32 copy of 16-bit trainable weights (mixed precision)
  Bytes optimizer{0};
  Bytes gathered{0};           // ZeRO-3 / FSDP: full parameters of the layers being computed
  Bytes dequant{0};            // QLoRA: the largest matrix dequantized to 16 bits
  Bytes ddp_buckets{0};        // plain DDP: the all-reduce buckets, one more copy of the gradients
  ActivationMemory activations;
  Bytes context{0};
  Bytes fragmentation{0};
  Bytes pageable{0};           // paged optimizers: states that bitsandbytes may evict to host RAM
  [[nodiscard]] Bytes model_states() const { return frozen_weights + trainable_weights + gradients + master_weights + optimizer; }
  [[nodiscard]] Bytes total() const {
    return model_states() + gathered + dequant + ddp_buckets + activations.total() + context + fragmentation;
  }
};

inline std::int64_t optimizer_bytes_per_param(Optimizer o, const FinetuneProfile& p) {
  switch (o) {
    case Optimizer::adamw:
    case Optimizer::paged_adamw: return p.adamw_bytes;
    case Optimizer::adamw_8bit:
    case Optimizer::paged_adamw_8bit: return p.adamw_8bit_bytes;
    case Optimizer::sgd: return p.sgd_bytes;
    case Optimizer::adafactor: return 0;  // factored: adafactor_elements / AdapterCount::factored
  }
  return 0;
}

// `base` is the model's weights in the storage the method loads (hf-bf16 / hf-fp16 / hf-fp32, or
// bnb-nf4-dq for QLoRA), as weight_bytes() gives them; vision counts as frozen.
inline FinetuneMemory finetune_memory(const ModelSpec& m, const WeightBreakdown& base, const FinetuneSetup& s,
                                      const FinetuneProfile& prof) {
  using detail::ft_mul;
  validate(m);
  if (s.seq < 1 || s.micro_batch < 1 || s.grad_accum < 1 || s.gpus < 1 || s.zero < 0 || s.zero > 3)
    throw CoreError(ErrorKind::invalid_workload, "fine-tuning setup out of range");
  if (lora_like(s.method) && (s.rank < 1 || !s.targets.any()))
    throw CoreError(ErrorKind::invalid_workload, "LoRA needs a rank >= 1 and at least one target");
  FinetuneMemory r;
  const std::int64_t n = s.gpus, eb = element_bytes(s.precision);
  const ParamCounts pc = count_params(m);
  r.params_total = pc.total;
  std::int64_t opt_bytes = 0;
  if (s.method == FtMethod::full) {
    r.params_trainable = pc.text;
    r.frozen_weights = base.vision;
    r.trainable_weights = base.total - base.vision;
    r.gradients = Bytes(ft_mul(pc.text, eb));
    if (mixed_precision(s.precision)) r.master_weights = Bytes(ft_mul(pc.text, 4));
    opt_bytes = s.optimizer == Optimizer::adafactor ? ft_mul(adafactor_elements(m), 4)
                                                    : ft_mul(pc.text, optimizer_bytes_per_param(s.optimizer, prof));
  } else {
    r.adapters = count_adapters(m, s.targets, s.rank, first_trained_layer(m, s));
    r.params_trainable = r.adapters.params;
    r.frozen_weights = base.total;
    // PEFT keeps adapters in fp32 (autocast_adapter_dtype), so no separate master copy; fp32 gradients.
    r.trainable_weights = Bytes(ft_mul(r.adapters.params, 4));
    r.gradients = Bytes(ft_mul(r.adapters.params, 4));
    opt_bytes = s.optimizer == Optimizer::adafactor ? ft_mul(r.adapters.factored, 4)
                                                    : ft_mul(r.adapters.params, optimizer_bytes_per_param(s.optimizer, prof));
    // bitsandbytes dequantizes an NF4 matrix to bf16 before its matmul; MLX's quantized_matmul reads
    // the 4-bit weights directly.
    if (s.method == FtMethod::qlora && s.framework == TrainFramework::pytorch) {
      std::int64_t largest = 0;
      for (const TensorInfo& x : tensor_inventory(m))
        if (x.layer >= 0 && x.matrix) largest = std::max(largest, x.group == TensorGroup::experts ? x.elements() / m.moe.experts : x.elements());
      r.dequant = Bytes(ft_mul(largest, 2));
    }
  }
  r.optimizer = Bytes(opt_bytes);
  // ZeRO stages (Rajbhandari et al. 2020 §5): 1 partitions the optimizer states (fp32 master included),
  // 2 also the gradients, 3 also the parameters (frozen ones too); FSDP FULL_SHARD = 3.
  auto shard = [n](Bytes b) { return Bytes((b.value() + n - 1) / n); };
  if (s.zero >= 1) {
    r.master_weights = shard(r.master_weights);
    r.optimizer = shard(r.optimizer);
  }
  if (s.zero >= 2) r.gradients = shard(r.gradients);
  if (s.zero >= 3) {
    std::int64_t largest = 0;
    for (const Bytes& b : base.per_layer) largest = std::max(largest, b.value());
    r.frozen_weights = shard(r.frozen_weights);
    r.trainable_weights = shard(r.trainable_weights);
    r.gathered = n > 1 ? Bytes(ft_mul(largest, prof.zero3_gathered_layers)) : Bytes{0};
  }
  // Paged optimizers keep their states in CUDA unified memory, evicted to host RAM under memory
  // pressure (QLoRA §3 "Paged Optimizers"; the paper fits 65B on 48 GB only with them, Figure 6).
  if (s.optimizer == Optimizer::paged_adamw || s.optimizer == Optimizer::paged_adamw_8bit) r.pageable = r.optimizer;
  // PyTorch DDP copies every gradient into its all-reduce buckets (gradient_as_bucket_view=False).
  if (s.zero == 0 && n > 1) r.ddp_buckets = r.gradients;
  r.activations = activation_memory(m, s, r.adapters, prof);
  r.context = prof.cuda_context;
  const Bytes rest = r.total() - r.context;
  r.fragmentation = Bytes(static_cast<std::int64_t>(std::llround(double(rest.value()) * prof.fragmentation)));
  return r;
}

enum class FtVerdict { fits, fits_with_paging, does_not_fit };

inline const char* to_string(FtVerdict v) {
  switch (v) {
    case FtVerdict::fits: return "fits";
    case FtVerdict::fits_with_paging: return "fits_with_paging";
    case FtVerdict::does_not_fit: return "does_not_fit";
  }
  return "?";
}

// Everything on the GPU fits; or it fits once the paged optimizer states live in host RAM (each step
// then pages them in and out: slower); or it does not fit.
inline FtVerdict finetune_verdict(const FinetuneMemory& m, Bytes capacity) {
  if (m.total() <= capacity) return FtVerdict::fits;
  if (m.pageable.value() > 0 && m.total() - m.pageable <= capacity) return FtVerdict::fits_with_paging;
  return FtVerdict::does_not_fit;
}

}  // namespace vramfit
