// finetune.hpp / finetune_speed.hpp: LoRA adapter counts against published figures, model-state bytes
// against the ZeRO paper, activations against Korthikanti et al. 2022, QLoRA 4-bit base bytes, the
// QLoRA paper's 65B-on-48-GB claim, and training FLOPs. Expected values are worked out by hand in the
// comments (docs/finetune.md lists the sources); the profile numbers are those of data/runtimes.yaml.
#include <gtest/gtest.h>

#include <cstdint>

#include "fixtures.hpp"
#include "vramfit/finetune_speed.hpp"

namespace vramfit {
namespace {

// Llama-2-7B (config.json): hidden 4096, 32 layers, 32 heads (MHA), ffn 11008, vocab 32000, untied.
ModelSpec llama_2_7b() {
  ModelSpec m = test::llama_3_1_8b();
  m.id = "llama-2-7b";
  m.kv_heads = 32;
  m.ffn = 11008;
  m.vocab = 32000;
  m.max_context = 4096;
  return m;
}

// LLaMA-65B (Touvron et al. 2023, Table 2): hidden 8192, 80 layers, 64 heads, ffn 22016, vocab 32000.
ModelSpec llama_65b() {
  ModelSpec m = llama_2_7b();
  m.id = "llama-65b";
  m.layers = 80;
  m.hidden = 8192;
  m.heads = m.kv_heads = 64;
  m.ffn = 22016;
  m.max_context = 2048;
  return m;
}

// GPT-3 175B (Brown et al. 2020, Table 2.1): d_model 12288, 96 layers, 96 heads x 128, 4d GeLU MLP.
ModelSpec gpt3_175b() {
  ModelSpec m = test::llama_3_1_8b();
  m.id = "gpt3-175b";
  m.layers = 96;
  m.hidden = 12288;
  m.heads = m.kv_heads = 96;
  m.ffn = 4 * 12288;
  m.ffn_gated = false;
  m.vocab = 50257;
  m.max_context = 2048;
  return m;
}

FinetuneProfile profile() {  // data/runtimes.yaml finetune:
  FinetuneProfile p;
  p.adamw_bytes = 8;
  p.adamw_8bit_bytes = 2;
  p.sgd_bytes = 4;
  p.cuda_context = mib(1024);
  p.fragmentation = 0.05;
  p.logits_bytes = 10;
  p.zero3_gathered_layers = 2;
  p.efficiency = 0.40;
  p.dequant_bandwidth_efficiency = 0.7;
  return p;
}

TypeTable train_types() {
  TypeTable t = test::ggml_types();
  t.types.push_back(test::tt("nf4_dq", 16384, 8452));  // 4.127 bits: NF4 + double-quantized absmax (QLoRA §3)
  return t;
}
const TypeTable& types() {
  static const TypeTable t = train_types();
  return t;
}

QuantMix hf_bf16() {  // quants.yaml hf-bf16: everything bf16
  QuantMix q;
  q.id = "hf-bf16";
  q.format = "safetensors";
  q.base = q.output = q.unquantized = q.vision = "bf16";
  return q;
}
QuantMix nf4_dq() {  // quants.yaml bnb-nf4-dq: linear layers NF4 + DQ, embeddings / head / norms bf16
  QuantMix q = hf_bf16();
  q.id = "bnb-nf4-dq";
  q.base = "nf4_dq";
  q.embeddings = "bf16";
  return q;
}

LoraTargets targets(bool q, bool k, bool v, bool o, bool gate, bool up, bool down) {
  return LoraTargets{q, k, v, o, gate, up, down, false};
}

TEST(FinetuneLora, AdapterParameterCountsMatchPublishedFigures) {
  struct Row {
    const char* given;
    ModelSpec model;
    LoraTargets t;
    std::int64_t rank;
    std::int64_t expected;
  };
  const LoraTargets qv = targets(true, false, true, false, false, false, false);
  const Row rows[] = {
      // PEFT's print_trainable_parameters for Llama-2-7B, r=8, q_proj+v_proj: "trainable params: 4,194,304"
      // = 8 x (4096 + 4096) x 2 x 32.
      {"llama-2-7b r8 q,v", llama_2_7b(), qv, 8, 4194304},
      // LoRA paper §7.1: GPT-3 175B, an 18M budget = r=4 on Wq and Wv = 4 x 24576 x 2 x 96 = 18,874,368
      // ("roughly 35MB if stored in FP16"), or r=8 on one type: 8 x 24576 x 96, the same.
      {"gpt-3 r4 q,v", gpt3_175b(), qv, 4, 18874368},
      {"gpt-3 r8 q", gpt3_175b(), targets(true, false, false, false, false, false, false), 8, 18874368},
      // Llama-3.1-8B r=16 all linear (methods.md §7): per layer q 16x8192 + k 16x5120 + v 16x5120 +
      // o 16x8192 + gate/up/down 3 x 16x18432 = 1,310,720; x 32 = 41,943,040.
      {"llama-3.1-8b r16 all-linear", test::llama_3_1_8b(), LoraTargets::all_linear(), 16, 41943040},
      // Qwen3-30B-A3B r=16 mlp, experts one by one: 128 x (16x(2048+768) x 3) x 48 = 830,472,192.
      {"qwen3-30b-a3b r16 mlp", test::qwen3_30b_a3b(), targets(false, false, false, false, true, true, true), 16, 830472192},
      // ... and attn: q 16x(2048+4096) + k, v 16x(2048+512) + o 16x(4096+2048) = 278,528 x 48 = 13,369,344.
      {"qwen3-30b-a3b r16 attn", test::qwen3_30b_a3b(), targets(true, true, true, true, false, false, false), 16, 13369344},
      // DeepSeek-V3 MLA, q: q_a 16x(7168+1536) + q_b 16x(1536+128x192) = 557,056 x 61 = 33,980,416.
      {"deepseek-v3 r16 q", test::deepseek_v3(), targets(true, false, false, false, false, false, false), 16, 33980416},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.given);
    EXPECT_EQ(count_adapters(r.model, r.t, r.rank).params, r.expected);
  }
  // Llama-2-7B itself: PEFT's "all params: 6,742,609,920" = 6,738,415,616 + the 4,194,304 adapters.
  EXPECT_EQ(count_params(llama_2_7b()).total + 4194304, 6742609920);
  const AdapterCount q = count_adapters(test::qwen3_30b_a3b(), targets(false, false, false, false, true, true, true), 16);
  EXPECT_EQ(q.matrices, 48 * 128 * 3);
  EXPECT_EQ(q.token_matrices, 48 * 8 * 3);  // a token's activations go through 8 experts' adapters
  EXPECT_DOUBLE_EQ(q.active_params, 830472192.0 * 8 / 128);  // a token reaches 8 of the 128 experts
}

TEST(FinetuneMemory, FullFineTuneIsSixteenBytesPerParameter) {
  // ZeRO §3.1: mixed-precision Adam keeps 2Ψ (fp16 weights) + 2Ψ (gradients) + KΨ, K = 12 (fp32 master
  // weights, momentum, variance) = 16Ψ. Llama-2-7B: Ψ = 6,738,415,616 -> 107,814,649,856 B (the brief's
  // "7B x 16 = 112 GB" for 7.0 B).
  const ModelSpec m = llama_2_7b();
  const std::int64_t psi = 6738415616;
  FinetuneSetup s;
  s.method = FtMethod::full;
  const FinetuneMemory r = finetune_memory(m, weight_bytes(m, hf_bf16(), types()), s, profile());
  EXPECT_EQ(r.params_trainable, psi);
  EXPECT_EQ(r.trainable_weights.value(), 2 * psi);
  EXPECT_EQ(r.gradients.value(), 2 * psi);
  EXPECT_EQ(r.master_weights.value(), 4 * psi);
  EXPECT_EQ(r.optimizer.value(), 8 * psi);
  EXPECT_EQ(r.model_states().value(), 16 * psi);
  EXPECT_EQ(r.model_states().value(), 107814649856);
  // Other optimizers: 8-bit Adam 2 B (2 + 2 + 4 + 2 = 10 B/param), SGD with momentum 4 B.
  s.optimizer = Optimizer::adamw_8bit;
  EXPECT_EQ(finetune_memory(m, weight_bytes(m, hf_bf16(), types()), s, profile()).model_states().value(), 10 * psi);
  s.optimizer = Optimizer::sgd;
  EXPECT_EQ(finetune_memory(m, weight_bytes(m, hf_bf16(), types()), s, profile()).optimizer.value(), 4 * psi);
  // fp32: 4 + 4 + 8, no master copy.
  s.optimizer = Optimizer::adamw;
  s.precision = TrainPrecision::fp32;
  const FinetuneMemory f32 = finetune_memory(m, weight_bytes(m, hf_bf16(), types()), s, profile());
  EXPECT_EQ(f32.gradients.value(), 4 * psi);
  EXPECT_EQ(f32.master_weights.value(), 0);
}

TEST(FinetuneMemory, ZeroStagesPartitionAsInTheZeroPaper) {
  // ZeRO Figure 1 (Ψ = 7.5 B, N_d = 64, K = 12): baseline (2+2+K)Ψ = 120 GB, P_os 2Ψ+2Ψ+KΨ/N = 31.4 GB,
  // P_os+g 2Ψ+(2+K)Ψ/N = 16.6 GB, P_os+g+p (2+2+K)Ψ/N = 1.9 GB.
  const double psi = 7.5e9, n = 64;
  EXPECT_NEAR(16 * psi / 1e9, 120.0, 0.05);
  EXPECT_NEAR((4 * psi + 12 * psi / n) / 1e9, 31.4, 0.05);
  EXPECT_NEAR((2 * psi + 14 * psi / n) / 1e9, 16.6, 0.05);
  EXPECT_NEAR(16 * psi / n / 1e9, 1.9, 0.05);
  // finetune_memory applies the same formulas: Llama-2-7B over 64 GPUs, model states per GPU (rounded up).
  const ModelSpec m = llama_2_7b();
  const std::int64_t p = 6738415616;
  auto per_gpu = [&](int stage) {
    FinetuneSetup s;
    s.method = FtMethod::full;
    s.gpus = 64;
    s.zero = stage;
    return finetune_memory(m, weight_bytes(m, hf_bf16(), types()), s, profile()).model_states().value();
  };
  EXPECT_EQ(per_gpu(0), 16 * p);
  EXPECT_EQ(per_gpu(1), 4 * p + 4 * p / 64 + 8 * p / 64);                // 4Ψ/64 and 8Ψ/64 are exact
  EXPECT_EQ(per_gpu(2), 2 * p + 2 * p / 64 + 4 * p / 64 + 8 * p / 64);
  EXPECT_EQ(per_gpu(3), 16 * p / 64);
}

TEST(FinetuneActivations, KorthikantiFormulaAndItsLlamaAdaptation) {
  // Korthikanti et al. 2022 eq. (1): a GPT layer keeps s·b·h·(34 + 5·a·s/h) bytes in 16-bit, with
  // dropout and without flash attention. GPT-3 shape, s = 2048: per token 34 x 12288 + 5 x 96 x 2048
  // = 417,792 + 983,040 = 1,400,832 bytes.
  ActivationOptions paper;
  paper.flash_attention = false;
  paper.dropout = true;
  paper.fp32_softmax = false;
  EXPECT_EQ(activation_bytes_per_token(gpt3_175b(), 0, 2048, paper), 1400832);
  // With FlashAttention the 5as term is gone; only the fp32 log-sum-exp per head stays (4 x 96).
  paper.flash_attention = true;
  EXPECT_EQ(activation_bytes_per_token(gpt3_175b(), 0, 2048, paper), 34 * 12288 + 4 * 96);
  // Llama-3.1-8B (GQA 8 KV heads, SwiGLU 14336, no dropout, FA): 2 x (2h + h + h + 2 x 1024 + h + h +
  // 4 x 14336) = 2 x 83,968 = 167,936 B (methods.md §7: "≈ 164 KiB/token/layer") + 32 x 4 lse = 168,064.
  EXPECT_EQ(activation_bytes_per_token(test::llama_3_1_8b(), 0, 4096, ActivationOptions{}), 168064);
  // Eager attention keeps the fp32 softmax and its bf16 copy: + 32 heads x 4096 x 6 B, no lse.
  ActivationOptions eager;
  eager.flash_attention = false;
  EXPECT_EQ(activation_bytes_per_token(test::llama_3_1_8b(), 0, 4096, eager), 167936 + 32 * 4096 * 6);
}

TEST(FinetuneActivations, MoeAndAdapters) {
  // Qwen3-30B-A3B layer (h 2048, 32 x 128 Q, 4 KV heads, 8 of 128 experts of 768): 2h + h + 4096 +
  // 2 x 512 + 4096 + h + 8 x (2h + 4 x 768) = 74,752 elements x 2 B + lse 32 x 4 + fp32 router 128 x 4.
  EXPECT_EQ(activation_bytes_per_token(test::qwen3_30b_a3b(), 0, 2048, ActivationOptions{}), 149504 + 128 + 512);
  // LoRA r=16 on every linear of Llama-3.1-8B: 7 x 32 = 224 A outputs of 16 bf16 values per token.
  const ModelSpec m = test::llama_3_1_8b();
  FinetuneSetup s;
  const AdapterCount ad = count_adapters(m, s.targets, s.rank);
  EXPECT_EQ(activation_memory(m, s, ad, profile()).adapters.value(), 224LL * 16 * 2 * 2048);
  s.grad_ckpt = true;  // only the layer being rebuilt
  EXPECT_EQ(activation_memory(m, s, ad, profile()).adapters.value(), 7LL * 16 * 2 * 2048);
}

TEST(FinetuneActivations, CheckpointingKeepsLayerInputsAndOneLayer) {
  const ModelSpec m = test::llama_3_1_8b();
  FinetuneSetup s;
  s.method = FtMethod::full;
  s.seq = 4096;
  const AdapterCount none;
  const ActivationMemory full = activation_memory(m, s, none, profile());
  EXPECT_EQ(full.layers.value(), 32LL * 168064 * 4096);  // 20.5 GiB: methods.md's "≈ 21 GiB"
  EXPECT_EQ(full.recompute.value(), 0);
  // logits: 4096 tokens x 128256 x 10 B; final norm input and output 2 x 4096 x 2 B per token.
  EXPECT_EQ(full.logits.value(), 4096LL * 128256 * 10);
  EXPECT_EQ(full.head.value(), 4096LL * 4096 * 4);
  s.grad_ckpt = true;
  const ActivationMemory ck = activation_memory(m, s, none, profile());
  EXPECT_EQ(ck.layers.value(), 32LL * 4096 * 2 * 4096);  // every layer's input: exactly 1 GiB
  EXPECT_EQ(ck.recompute.value(), 168064LL * 4096);      // one layer rebuilt
}

TEST(FinetuneMemory, QloraBaseIsNf4WithDoubleQuantization) {
  // methods.md §7: Llama-3-8B linear layers 6.98 B params at 4.127 bits + embeddings and head in bf16
  // ≈ 5.7 GB. Exactly: per layer q, o 1024 blocks, k, v 256, gate/up/down 3584 blocks of 16384 weights
  // in 8452 B = 112,513,024 B x 32 = 3,600,416,768; embeddings + head 2 x 525,336,576 x 2 B =
  // 2,101,346,304; norms (32 x 8192 + 4096) x 2 B = 532,480. Sum 5,702,295,552.
  const ModelSpec m = test::llama_3_1_8b();
  const WeightBreakdown w = weight_bytes(m, nf4_dq(), types());
  EXPECT_EQ(w.total.value(), 5702295552);
  FinetuneSetup s;
  s.method = FtMethod::qlora;
  const FinetuneMemory r = finetune_memory(m, w, s, profile());
  EXPECT_EQ(r.frozen_weights.value(), 5702295552);
  EXPECT_EQ(r.trainable_weights.value(), 4 * 41943040);  // fp32 adapters, r=16 all-linear
  EXPECT_EQ(r.optimizer.value(), 8 * 41943040);
  EXPECT_EQ(r.master_weights.value(), 0);
  EXPECT_EQ(r.dequant.value(), 4096LL * 14336 * 2);  // the largest matrix (gate/up/down) in bf16
}

TEST(FinetuneMemory, QloraFinetunesLlama65bOnOne48GbGpu) {
  // QLoRA abstract: "finetune a 65B parameter model on a single 48GB GPU". Paper setting (§4, App. B):
  // r = 64 on all linear layers, paged AdamW (32-bit, the qlora repo's default), bf16, gradient
  // checkpointing, batch 1 x 512 tokens for the memory figure.
  const ModelSpec m = llama_65b();
  FinetuneSetup s;
  s.method = FtMethod::qlora;
  s.rank = 64;
  s.optimizer = Optimizer::paged_adamw;
  s.seq = 512;
  s.grad_ckpt = true;
  const FinetuneMemory r = finetune_memory(m, weight_bytes(m, nf4_dq(), types()), s, profile());
  // Adapters: per layer 64 x (4 x 16384 + 3 x 30208) = 9,994,240; x 80 = 799,539,200.
  EXPECT_EQ(r.params_trainable, 799539200);
  // Figure 6: "some models do not quite fit on certain GPUs, paged optimizers provide enough memory to
  // make these models fit". Base 4-bit 33,407,713,280 + bf16 embeddings/head 1,048,576,000 B; fp32
  // adapters, gradients and states 16 x 799,539,200 = 12.8 GB; 52.1 GB in all, 45.7 GB without the
  // 6.4 GB of paged AdamW states: fits a 48 GB card (RTX A6000, A40) only with paging.
  EXPECT_EQ(r.frozen_weights.value(), 33407713280 + 1048576000 + (80 * 16384 + 8192) * 2);
  EXPECT_EQ(r.pageable, r.optimizer);
  EXPECT_EQ(finetune_verdict(r, gb(48.0)), FtVerdict::fits_with_paging);
  EXPECT_EQ(finetune_verdict(r, gb(60.0)), FtVerdict::fits);
  s.optimizer = Optimizer::adamw;  // the same states, not paged: does not fit
  EXPECT_EQ(finetune_verdict(finetune_memory(m, weight_bytes(m, nf4_dq(), types()), s, profile()), gb(48.0)), FtVerdict::does_not_fit);
  // 16-bit LoRA of the same model: the bf16 base alone is 130 GB.
  s.method = FtMethod::lora;
  EXPECT_GT(finetune_memory(m, weight_bytes(m, hf_bf16(), types()), s, profile()).total(), gb(130.0));
}

TEST(FinetuneMemory, DdpBucketsOverheadAndErrors) {
  const ModelSpec m = llama_2_7b();
  FinetuneSetup s;
  s.method = FtMethod::full;
  s.gpus = 2;
  const FinetuneMemory r = finetune_memory(m, weight_bytes(m, hf_bf16(), types()), s, profile());
  EXPECT_EQ(r.ddp_buckets, r.gradients);  // DDP without gradient_as_bucket_view: one more copy
  EXPECT_EQ(r.context, mib(1024));
  // 5 % of everything but the context, rounded to the byte.
  EXPECT_EQ(r.fragmentation.value(), std::llround(double((r.total() - r.context - r.fragmentation).value()) * 0.05));
  s.method = FtMethod::lora;
  s.rank = 0;
  EXPECT_THROW(finetune_memory(m, weight_bytes(m, hf_bf16(), types()), s, profile()), CoreError);
  s.rank = 8;
  s.seq = 0;
  EXPECT_THROW(finetune_memory(m, weight_bytes(m, hf_bf16(), types()), s, profile()), CoreError);
}

TEST(FinetuneMemory, AdafactorIsFactored) {
  // Llama-2-7B full: every matrix (rows + cols) x 4 B, every vector its length x 4 B. Per layer
  // q/k/v/o 4 x 8192 + gate/up 2 x 15104 + down 15104 = 78,080; norms 8192 -> 86,272 x 32 = 2,760,704;
  // embeddings and head 2 x (32000 + 4096) = 72,192; final norm 4096. 2,836,992 elements x 4 B.
  EXPECT_EQ(adafactor_elements(llama_2_7b()), 2836992);
  // LoRA r=8 on q,v: A (8 x 4096) and B (4096 x 8) per matrix: (8 + 4096) x 2 x 64 matrices.
  EXPECT_EQ(count_adapters(llama_2_7b(), targets(true, false, true, false, false, false, false), 8).factored, 8208 * 64);
}

TEST(FinetuneSpeed, TrainingFlopsPerToken) {
  // Llama-2-7B: blocks 202,383,360 x 32 = 6,476,267,520 + head 131,072,000 = N = 6,607,339,520.
  // Attention forward per token at s = 2048: 2 x (4096 + 4096) x 2048 x 2049 / 2 / 2048 = 16,785,408 per
  // layer, x 32 = 537,133,056. Full: 6N + 3 x attn = 41,255,436,288; checkpointing adds 2 x blocks + attn.
  const ModelSpec m = llama_2_7b();
  FinetuneSetup s;
  s.method = FtMethod::full;
  TrainingFlops f = training_flops(m, s, 0);
  EXPECT_DOUBLE_EQ(f.matmul_params, 6607339520.0);
  EXPECT_DOUBLE_EQ(f.attention, 537133056.0);
  EXPECT_DOUBLE_EQ(f.model, 41255436288.0);
  s.grad_ckpt = true;
  EXPECT_DOUBLE_EQ(training_flops(m, s, 0).hardware, 41255436288.0 + 12952535040.0 + 537133056.0);
  // LoRA with 4,194,304 adapters: 4N + 6 N_a + 3 attn = 26,429,358,080 + 25,165,824 + 1,611,399,168.
  s.method = FtMethod::lora;
  s.grad_ckpt = false;
  EXPECT_DOUBLE_EQ(training_flops(m, s, 4194304).model, 28065923072.0);
}

TEST(FinetuneSpeed, ThroughputAndAllReduce) {
  const ModelSpec m = llama_2_7b();
  FinetuneSetup s;
  s.method = FtMethod::full;
  const WeightBreakdown w = weight_bytes(m, hf_bf16(), types());
  const FinetuneMemory mem = finetune_memory(m, w, s, profile());
  // 100 TFLOP/s x 0.40 = 40 TFLOP/s over 41,255,436,288 FLOPs per token = 969.57 tokens/s.
  const FinetuneSpeed one = finetune_speed(m, w, mem, s, profile(), tflops(100), gb_per_s(1000), nullptr);
  ASSERT_TRUE(one.known);
  EXPECT_NEAR(one.per_gpu.value(), 40e12 / 41255436288.0, 1e-9);
  // Two GPUs over a 25 GB/s link with 25 us latency: all-reduce of 2Ψ bf16 gradients = 25 us +
  // 2 x 1/2 x 13,476,831,232 B / 25 GB/s = 0.539098 s; the last backward (2/3 of 2048 / 969.57 s =
  // 1.408 s) hides it, so the step is 2.112 s and the job runs twice as fast.
  s.gpus = 2;
  const FinetuneMemory mem2 = finetune_memory(m, w, s, profile());
  Link l;
  l.bandwidth = gb_per_s(25);
  l.latency = Seconds(25e-6);
  const FinetuneSpeed two = finetune_speed(m, w, mem2, s, profile(), tflops(100), gb_per_s(1000), &l);
  EXPECT_NEAR(two.comm.value(), 25e-6 + 13476831232.0 / 25e9, 1e-9);
  EXPECT_NEAR(two.job.value(), 2 * one.per_gpu.value(), 1e-6);
  // Without the overlap window (a tiny micro-batch), the all-reduce shows: seq 16 -> step = compute + rest.
  s.seq = 16;
  const FinetuneSpeed small = finetune_speed(m, w, finetune_memory(m, w, s, profile()), s, profile(), tflops(100), gb_per_s(1000), &l);
  EXPECT_NEAR(small.step.value(), small.compute.value() + small.comm.value() - 2.0 / 3.0 * small.compute.value(), 1e-12);
  // No peak: speed unknown.
  EXPECT_FALSE(finetune_speed(m, w, mem, s, profile(), tflops(0), gb_per_s(1000), nullptr).known);
}

TEST(FinetuneSpeed, QloraPaysForDequantization) {
  // Llama-3.1-8B QLoRA: each pass reads the 4-bit blocks (5,702,295,552 B less the 1,050,673,152 B
  // embedding table, which no layer dequantizes: per-layer bytes only) and writes 2 B per block weight;
  // forward + backward = 2 passes.
  const ModelSpec m = test::llama_3_1_8b();
  FinetuneSetup s;
  s.method = FtMethod::qlora;
  s.seq = 512;
  const WeightBreakdown w = weight_bytes(m, nf4_dq(), types());
  const FinetuneMemory mem = finetune_memory(m, w, s, profile());
  const FinetuneSpeed r = finetune_speed(m, w, mem, s, profile(), tflops(100), gb_per_s(1000), nullptr);
  // per-layer bytes 112,513,024 + norms 16,384 = 112,529,408 x 32 = 3,600,941,056; written 2 x 218,112,000 x 32.
  const double pass = 3600941056.0 + 2.0 * 218112000.0 * 32;
  EXPECT_EQ(r.dequant_bytes.value(), static_cast<std::int64_t>(2 * pass));
  EXPECT_NEAR(r.dequant.value(), 2 * pass / (1000e9 * 0.7), 1e-12);
}

// MLX-LM (mlx_lm.lora defaults): LoRA r=8 on every linear of the last 16 of Llama-3.1-8B's 32 blocks,
// 4 sequences of 2048 tokens, bf16 base, fp32 adapters.
FinetuneSetup mlx_setup() {
  FinetuneSetup s;
  s.framework = TrainFramework::mlx;
  s.rank = 8;
  s.adapted_layers = 16;
  s.micro_batch = 4;
  return s;
}

TEST(FinetuneMlx, AdaptersOnTheLastBlocksOnly) {
  const ModelSpec m = test::llama_3_1_8b();
  const FinetuneSetup s = mlx_setup();
  EXPECT_EQ(first_trained_layer(m, s), 16);
  // Per block at r = 8: q 8 x (4096 + 4096) = 65,536, k and v 8 x (4096 + 1024) = 40,960 each, o 65,536,
  // gate, up and down 8 x (4096 + 14336) = 147,456 each: 655,360; x 16 blocks = 10,485,760.
  const AdapterCount c = count_adapters(m, s.targets, s.rank, first_trained_layer(m, s));
  EXPECT_EQ(c.params, 10485760);
  EXPECT_EQ(c.matrices, 7 * 16);
  EXPECT_EQ(c.token_matrices, 7 * 16);
  // Distinct inputs per block: q/k/v share the norm output (4096), o reads 4096, gate/up share 4096,
  // down reads 14336: 26,624; x 16 = 425,984.
  EXPECT_EQ(c.token_inputs, 425984);
  // Full fine-tuning and LoRA on every block start the backward at block 0.
  FinetuneSetup all = s;
  all.adapted_layers = 0;
  EXPECT_EQ(first_trained_layer(m, all), 0);
  all.adapted_layers = 32;
  EXPECT_EQ(first_trained_layer(m, all), 0);
  FinetuneSetup full = s;
  full.method = FtMethod::full;
  EXPECT_EQ(first_trained_layer(m, full), 0);
}

TEST(FinetuneMlx, ActivationsOfTheTrainedBlocksFp32AdapterInputsAndAttentionBackward) {
  const ModelSpec m = test::llama_3_1_8b();
  const FinetuneSetup s = mlx_setup();
  const AdapterCount c = count_adapters(m, s.targets, s.rank, 16);
  const ActivationMemory a = activation_memory(m, s, c, profile());
  const std::int64_t tokens = 4 * 2048;
  EXPECT_EQ(a.trained_layers, 16);
  // 168,064 B per token per block (CheckpointingKeepsLayerInputsAndOneLayer) x 16 blocks x 8192 tokens.
  EXPECT_EQ(a.layers.value(), 22028484608);
  // fp32 inputs 425,984 x 4 B + 112 r-wide fp32 outputs 8 x 4 B = 1,707,520 B per token.
  EXPECT_EQ(a.adapters.value(), 1707520 * tokens);
  EXPECT_EQ(a.adapters.value(), 13988003840);
  // One block's backward: 4 sequences x 32 heads x 2048 x 2048 scores x 3 arrays x 2 B = 3 GiB.
  EXPECT_EQ(a.attention_backward.value(), 3221225472);
  EXPECT_EQ(a.logits.value(), 10506731520);  // 8192 x 128256 x 10 B
  // Checkpointed: 16 block inputs (4096 x 2 B), one block rebuilt, one block's adapter share.
  FinetuneSetup ck = s;
  ck.grad_ckpt = true;
  const ActivationMemory b = activation_memory(m, ck, c, profile());
  EXPECT_EQ(b.layers.value(), 16LL * 4096 * 2 * tokens);
  EXPECT_EQ(b.recompute.value(), 168064LL * tokens);
  EXPECT_EQ(b.adapters.value(), (26624LL * 4 + 7 * 8 * 4) * tokens);
  // PyTorch keeps no score matrix with SDPA and 16-bit r-wide outputs only.
  FinetuneSetup pt = s;
  pt.framework = TrainFramework::pytorch;
  const ActivationMemory p = activation_memory(m, pt, c, profile());
  EXPECT_EQ(p.attention_backward.value(), 0);
  EXPECT_EQ(p.adapters.value(), 112LL * 8 * 2 * tokens);
}

TEST(FinetuneMlx, QloraReadsFourBitWeightsInPlace) {
  const ModelSpec m = test::llama_3_1_8b();
  FinetuneSetup s = mlx_setup();
  s.method = FtMethod::qlora;
  FinetuneProfile prof = profile();
  prof.cuda_context = Bytes{0};
  const FinetuneMemory r = finetune_memory(m, weight_bytes(m, nf4_dq(), types()), s, prof);
  EXPECT_EQ(r.dequant.value(), 0);  // quantized_matmul: no bf16 copy of the largest matrix
  EXPECT_EQ(r.context.value(), 0);
  EXPECT_EQ(r.trainable_weights.value(), 10485760LL * 4);
  EXPECT_EQ(r.optimizer.value(), 10485760LL * 8);
  s.framework = TrainFramework::pytorch;  // bitsandbytes: 14336 x 4096 in bf16
  EXPECT_EQ(finetune_memory(m, weight_bytes(m, nf4_dq(), types()), s, profile()).dequant.value(), 14336LL * 4096 * 2);
}

TEST(FinetuneMlx, BackwardFlopsOverTheTrainedBlocksOnly) {
  // Llama-2-7B, LoRA on the last 16 of 32 blocks, N_a = 2,097,152 active adapter parameters:
  // forward 2N = 13,214,679,040; backward 2 x (16 x 202,383,360 + 131,072,000) = 6,738,411,520;
  // adapters 6 x 2,097,152 = 12,582,912; attention forward 537,133,056 + backward 2 x 268,566,528.
  const ModelSpec m = llama_2_7b();
  FinetuneSetup s = mlx_setup();
  const TrainingFlops f = training_flops(m, s, 2097152);
  EXPECT_DOUBLE_EQ(f.model, 21039939584.0);
  // Checkpointing recomputes the trained blocks' forward: 2 x (3,238,133,760 + 2,097,152) + 268,566,528.
  s.grad_ckpt = true;
  EXPECT_DOUBLE_EQ(training_flops(m, s, 2097152).hardware, 21039939584.0 + 6480461824.0 + 268566528.0);
}

}  // namespace
}  // namespace vramfit
