// `finetune MODEL --method full|lora|qlora --device ID[xN]`: per-GPU training memory (weights, gradients,
// master weights, optimizer states, activations, logits, overhead) under ZeRO / FSDP, the fit verdict and
// the training throughput, with the assumptions in the order a reader checks them.
// Core: include/vramfit/finetune.hpp, finetune_speed.hpp.
#pragma once

#include <cstdint>
#include <string>

#include "engine/devices.hpp"
#include "engine/query.hpp"
#include "engine/session.hpp"
#include "vramfit/finetune.hpp"
#include "vramfit/finetune_speed.hpp"

namespace vramfit::engine {

// The question as a front end received it: text is parsed here, so that errors name the option.
struct FinetuneRequest {
  std::string model;  // catalog id, alias, Ollama tag or Hugging Face directory
  std::string method = "lora";      // full | lora | qlora
  std::string optimizer = "adamw";  // adamw | adamw-8bit | paged-adamw | paged-adamw-8bit | sgd | adafactor
  std::string precision = "bf16";   // bf16 | fp16 | fp32
  std::string rank, alpha, targets;  // LoRA; empty: r 16, alpha 2r, all-linear
  std::string seq, micro_batch, grad_accum;  // empty: 2048, 1, 1
  bool grad_ckpt = false, no_grad_ckpt = false, no_flash_attention = false, fsdp = false;
  std::string zero;    // DeepSpeed ZeRO stage 0-3; empty: 0
  std::string device;  // GPU ID[xN]: N identical data-parallel GPUs
  std::string tokens;  // training tokens for a time estimate (50M, 1B: decimal); empty: none
  std::string reserve;  // memory per GPU held by other processes or the desktop; empty: none
  std::string lora_layers;  // LoRA on the last N blocks (mlx_lm --num-layers); empty: all (MLX-LM: 16)
  std::string wired_limit;  // unified memory: the GPU's limit instead of the platform's default share
};

struct FinetuneAnswer {
  Query query;  // the model in the storage the method loads (query.mix: the base weights)
  FinetuneSetup setup;
  std::int64_t alpha = 0;  // LoRA alpha (no memory effect; reported)
  bool fsdp = false;       // ZeRO-3 asked for as FSDP FULL_SHARD
  bool grad_ckpt_default = false;  // checkpointing on because QLoRA defaults to it (not asked for)
  DeviceSpec device;       // the GPU and how many
  ParamCounts params;      // of the model (count_params)
  FinetuneMemory memory;   // per GPU
  FinetuneSpeed speed;
  Bytes capacity{0};       // usable memory per GPU (less --reserve)
  Bytes reserve{0};        // --reserve
  FtVerdict verdict = FtVerdict::does_not_fit;
  std::int64_t tokens = 0;            // --tokens; 0 = not given
  double seconds = 0;                 // time for `tokens` at the job's rate; 0 = unknown or not asked
  std::int64_t tokens_per_step = 0;   // over all GPUs
  // runtimes.yaml finetune: the constants behind the terms (MLX-LM: no CUDA context, and the rate is the
  // Metal prefill rate, so efficiency 1 of `peak_flops`).
  FinetuneProfile profile;
  double peak_flops = 0;      // FLOP/s the training efficiency applies to (0: unknown)
  std::string peak_source;    // where peak_flops comes from, for the assumption line
  std::string capacity_note;  // unified memory: the platform's share (or --wired-limit), in words
  std::string configuration_note;  // a unified-memory chip named without its memory size: which one
  std::vector<std::string> assumptions;
  [[nodiscard]] Bytes total() const { return memory.total(); }
  [[nodiscard]] bool lora() const { return lora_like(setup.method); }
};

// "all-linear", or the adapted projections "q,v" (as --targets takes them).
std::string targets_text(const LoraTargets& t);

FinetuneAnswer answer_finetune(Session& s, const FinetuneRequest& r);

}  // namespace vramfit::engine
