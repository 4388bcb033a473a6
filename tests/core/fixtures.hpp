// Hand-built inputs for the core unit tests: no YAML, no catalog. Every number here is copied from a
// cited source, never from vramfit's own output:
//   architectures  shared/reference/models.yaml (config.json fields of each model)
//   ggml types     shared/reference/methods.md §1.1 (ggml-common.h block layouts)
//   quant mixes    shared/reference/methods.md §1.2 (llama.cpp src/llama-quant.cpp llama_tensor_get_type)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vramfit/model.hpp"
#include "vramfit/quant.hpp"

namespace vramfit::test {

// ---------------------------------------------------------------------------------------------
// ggml storage types (methods.md §1.1). kv=true for the --cache-type-k/-v list of §2.1,
// quantized=true for block_size > 1, fallbacks from the last bullet of §1.2.
// ---------------------------------------------------------------------------------------------
inline TensorType tt(std::string id, std::int64_t block, std::int64_t bytes, bool kv = false, std::string fallback = {}) {
  TensorType t;
  t.id = std::move(id);
  t.block_size = block;
  t.block_bytes = bytes;
  t.kv = kv;
  t.quantized = block > 1;
  t.fallback = std::move(fallback);
  return t;
}

inline TypeTable ggml_types() {
  TypeTable t;
  t.types = {
      tt("f32", 1, 4, true),
      tt("f16", 1, 2, true),
      tt("bf16", 1, 2, true),
      tt("q4_0", 32, 18, true),
      tt("q4_1", 32, 20, true),
      tt("q5_0", 32, 22, true),
      tt("q5_1", 32, 24, true),
      tt("q8_0", 32, 34, true),
      tt("iq4_nl", 32, 18, true),
      tt("mxfp4", 32, 17),
      tt("q2_K", 256, 84, false, "iq4_nl"),
      tt("q3_K", 256, 110, false, "iq4_nl"),
      tt("q4_K", 256, 144, false, "q5_0"),
      tt("q5_K", 256, 176, false, "q5_1"),
      tt("q6_K", 256, 210, false, "q8_0"),
      tt("iq4_xs", 256, 136, false, "iq4_nl"),
  };
  // FP8 with one fp32 scale per 128x128 block (DeepSeek-V3 weight_block_size, models.yaml): a 2-D block
  // of 16384 weights in 16384 + 4 bytes, longer than one row.
  t.types.push_back(tt("fp8_block", 16384, 16388));
  // FP8 with an fp32 scale per output row (compressed-tensors FP8_DYNAMIC): 1 B/weight + 4 B/row.
  TensorType fp8 = tt("fp8", 1, 1, true);
  fp8.row_bytes = 4;
  t.types.push_back(fp8);
  return t;
}

// One long-lived table: MemoryEstimate keeps pointers to its KV types, so the table must outlive it.
inline const TypeTable& types() {
  static const TypeTable table = ggml_types();
  return table;
}

// ---------------------------------------------------------------------------------------------
// File-level mixes, transcribed from methods.md §1.2.
// ---------------------------------------------------------------------------------------------
inline QuantMix mix_f16() {
  QuantMix m;
  m.id = "F16";
  m.base = "f16";
  m.output = "f16";
  return m;
}
// Q8_0: output stays Q8_0 ("Q6_K unless base is Q8_0").
inline QuantMix mix_q8_0() {
  QuantMix m;
  m.id = "Q8_0";
  m.base = "q8_0";
  m.output = "q8_0";
  return m;
}
inline QuantMix mix_q6_k() {
  QuantMix m;
  m.id = "Q6_K";
  m.base = "q6_K";
  m.output = "q6_K";
  return m;
}
// Legacy types: token_embd keeps the base type, output.weight becomes Q6_K.
inline QuantMix mix_q4_0() {
  QuantMix m;
  m.id = "Q4_0";
  m.base = "q4_0";
  m.output = "q6_K";
  return m;
}
// Q4_K_M: default Q4_K; output Q6_K; attn_v Q5_K on 70B (80-layer) models; attn_v and ffn_down Q6_K on
// use_more_bits layers; fused attn_qkv Q5_K; 8-expert MoE: attn_output Q5_K, attn_k/attn_v Q8_0. A later
// rule wins.
inline QuantMix mix_q4_k_m() {
  QuantMix m;
  m.id = "Q4_K_M";
  m.base = "q4_K";
  m.output = "q6_K";
  m.rules = {
      MixRule{.tensors = {"attn_v"}, .type = "q5_K", .when_layers = 80},
      MixRule{.tensors = {"attn_v", "ffn_down"}, .type = "q6_K", .select = LayerSelect::use_more_bits},
      MixRule{.tensors = {"attn_qkv"}, .type = "q5_K"},
      MixRule{.tensors = {"attn_output"}, .type = "q5_K", .when_experts = 8},
      MixRule{.tensors = {"attn_k", "attn_v"}, .type = "q8_0", .when_experts = 8},
  };
  return m;
}
// Q4_K_S: attn_v Q5_K for the first 4 attention layers, ffn_down Q5_K for i < n/8.
inline QuantMix mix_q4_k_s() {
  QuantMix m;
  m.id = "Q4_K_S";
  m.base = "q4_K";
  m.output = "q6_K";
  m.rules = {
      MixRule{.tensors = {"attn_v"}, .type = "q5_K", .select = LayerSelect::first, .select_n = 4},
      MixRule{.tensors = {"ffn_down"}, .type = "q5_K", .select = LayerSelect::first_fraction, .select_n = 8},
  };
  return m;
}
// MXFP4_MOE: 3-D expert tensors MXFP4, everything else (output included) Q8_0.
inline QuantMix mix_mxfp4_moe() {
  QuantMix m;
  m.id = "MXFP4_MOE";
  m.base = "q8_0";
  m.output = "q8_0";
  m.experts = "mxfp4";
  return m;
}

// ---------------------------------------------------------------------------------------------
// Architectures (shared/reference/models.yaml; the line quoted is the entry's name).
// ---------------------------------------------------------------------------------------------

// "Llama-3.1-8B": hidden 4096, ffn 14336, 32 layers, 32 heads, 8 KV heads, head_dim 128 (= 4096/32),
// vocab 128256, untied. computed_params_exact 8030261248.
inline ModelSpec llama_3_1_8b() {
  ModelSpec m;
  m.id = "llama-3.1-8b";
  m.architecture = "llama";
  m.layers = 32;
  m.hidden = 4096;
  m.heads = 32;
  m.kv_heads = 8;
  m.head_dim_k = m.head_dim_v = 128;
  m.ffn = 14336;
  m.vocab = 128256;
  m.max_context = 131072;
  return m;
}

// "Phi-3-mini": hidden 3072, ffn 8192, 32 layers, 32 heads = 32 KV heads x 96, vocab 32064, untied;
// fused qkv_proj and gate_up_proj (architecture phi3). computed_params_exact 3821079552.
inline ModelSpec phi_3_mini() {
  ModelSpec m;
  m.id = "phi-3-mini";
  m.architecture = "phi3";
  m.layers = 32;
  m.hidden = 3072;
  m.heads = m.kv_heads = 32;
  m.head_dim_k = m.head_dim_v = 96;
  m.ffn = 8192;
  m.vocab = 32064;
  m.max_context = 4096;
  return m;
}

// "Llama-3.1-70B": hidden 8192, ffn 28672, 80 layers, 64 heads, 8 KV heads, vocab 128256.
inline ModelSpec llama_3_1_70b() {
  ModelSpec m = llama_3_1_8b();
  m.id = "llama-3.1-70b";
  m.layers = 80;
  m.hidden = 8192;
  m.heads = 64;
  m.ffn = 28672;
  return m;
}

// "Qwen2.5-0.5B": hidden 896, ffn 4864, 24 layers, 14 heads, 2 KV heads, head_dim 64 (896/14),
// vocab 151936, tied, QKV bias. computed_params_exact 494032768.
inline ModelSpec qwen2_5_0_5b() {
  ModelSpec m;
  m.id = "qwen2.5-0.5b";
  m.architecture = "qwen2";
  m.layers = 24;
  m.hidden = 896;
  m.heads = 14;
  m.kv_heads = 2;
  m.head_dim_k = m.head_dim_v = 64;
  m.ffn = 4864;
  m.vocab = 151936;
  m.max_context = 32768;
  m.tied_embeddings = true;
  m.attn_bias = AttnBias::qkv;
  return m;
}

// "Gemma-3-27B": hidden 5376, ffn 21504, 62 layers, 32 heads, 16 KV heads, head_dim 128, vocab 262208,
// tied, QK-norm, 4 norms/layer; sliding_window 1024, pattern 6 (layer i global iff (i+1)%6==0);
// vision params_exact 416866032 + projector 6194304. computed_params_exact 27432406640.
inline ModelSpec gemma_3_27b() {
  ModelSpec m;
  m.id = "gemma-3-27b";
  m.architecture = "gemma3";
  m.layers = 62;
  m.hidden = 5376;
  m.heads = 32;
  m.kv_heads = 16;
  m.head_dim_k = m.head_dim_v = 128;
  m.ffn = 21504;
  m.vocab = 262208;
  m.max_context = 131072;
  m.tied_embeddings = true;
  m.qk_norm = true;
  m.norms_per_layer = 4;
  m.layer_pattern = {LayerKind::sliding, LayerKind::sliding, LayerKind::sliding,
                     LayerKind::sliding, LayerKind::sliding, LayerKind::full};
  m.sliding_window = 1024;
  m.vision.encoder = "siglip";
  m.vision.params = 416866032;
  m.vision.projector_params = 6194304;
  m.vision.tokens_per_image = 256;
  return m;
}

// "gpt-oss-20b": hidden 2880, 24 layers, 64 heads, 8 KV heads, head_dim 64, vocab 201088, untied;
// q/k/v/o biases + per-head sinks; alternating 128-token sliding (even layers) / full; 32 experts, 4 active,
// expert size 2880, router bias, expert biases. computed_params_exact 20914757184.
inline ModelSpec gpt_oss_20b() {
  ModelSpec m;
  m.id = "gpt-oss-20b";
  m.architecture = "gpt_oss";
  m.layers = 24;
  m.hidden = 2880;
  m.heads = 64;
  m.kv_heads = 8;
  m.head_dim_k = m.head_dim_v = 64;
  m.ffn = 0;  // every layer is MoE
  m.vocab = 201088;
  m.max_context = 131072;
  m.attn_bias = AttnBias::qkvo;
  m.attn_sinks = true;
  m.layer_pattern = {LayerKind::sliding, LayerKind::full};
  m.sliding_window = 128;
  m.moe.experts = 32;
  m.moe.experts_per_token = 4;
  m.moe.expert_ffn = 2880;
  m.moe.router_bias = true;
  m.moe.expert_bias = true;
  return m;
}

// "Qwen3-30B-A3B": hidden 2048, 48 layers, 32 heads, 4 KV heads, head_dim 128, vocab 151936, untied,
// QK-norm; 128 experts, 8 active, moe_intermediate_size 768, every layer MoE.
// computed_params_exact 30532122624, computed_active_params_b 3.353.
inline ModelSpec qwen3_30b_a3b() {
  ModelSpec m;
  m.id = "qwen3-30b-a3b";
  m.architecture = "qwen3_moe";
  m.layers = 48;
  m.hidden = 2048;
  m.heads = 32;
  m.kv_heads = 4;
  m.head_dim_k = m.head_dim_v = 128;
  m.ffn = 0;  // intermediate_size 6144 is unused: no dense layers (mlp_only_layers = [])
  m.vocab = 151936;
  m.max_context = 40960;
  m.qk_norm = true;
  m.moe.experts = 128;
  m.moe.experts_per_token = 8;
  m.moe.expert_ffn = 768;
  return m;
}

// "DeepSeek-V3 / R1 (671B)": hidden 7168, dense ffn 18432 (first 3 layers), 61 layers, 128 heads, vocab
// 129280, untied; MLA q_lora 1536, kv_lora 512, rope 64, nope 128, v 128; 256 routed experts, 8 active,
// expert size 2048, 1 shared expert, router bias (noaux_tc). computed_params_exact 671026419200.
inline ModelSpec deepseek_v3() {
  ModelSpec m;
  m.id = "deepseek-v3";
  m.architecture = "deepseek2";
  m.layers = 61;
  m.hidden = 7168;
  m.heads = 128;
  m.kv_heads = 128;
  m.head_dim_k = 192;  // qk_nope + qk_rope
  m.head_dim_v = 128;
  m.ffn = 18432;
  m.vocab = 129280;
  m.max_context = 163840;
  m.layer_pattern = {LayerKind::mla};
  m.mla = MlaSpec{.q_lora_rank = 1536, .kv_lora_rank = 512, .qk_rope_head_dim = 64, .qk_nope_head_dim = 128,
                  .v_head_dim = 128};
  m.moe.experts = 256;
  m.moe.experts_per_token = 8;
  m.moe.expert_ffn = 2048;
  m.moe.shared_experts = 1;
  m.moe.shared_ffn = 2048;
  m.moe.dense_leading_layers = 3;
  m.moe.router_bias = true;
  return m;
}

// "Jamba-v0.1 (hybrid Mamba)": hidden 4096, ffn 14336, 32 layers, 32 heads, 8 KV heads, vocab 65536,
// untied; attention at i%8==4 (4 layers), Mamba-1 elsewhere (d_state 16, d_conv 4, expand 2 -> d_inner 8192,
// dt_rank 256, conv bias, no proj bias, dt/B/C inner layernorms); 16 experts, 2 active, on odd layers.
// computed_params_exact 51570323328.
inline ModelSpec jamba() {
  ModelSpec m;
  m.id = "jamba-v0.1";
  m.architecture = "jamba";
  m.layers = 32;
  m.hidden = 4096;
  m.heads = 32;
  m.kv_heads = 8;
  m.head_dim_k = m.head_dim_v = 128;
  m.ffn = 14336;
  m.vocab = 65536;
  m.max_context = 262144;
  m.layer_pattern = {LayerKind::mamba, LayerKind::mamba, LayerKind::mamba, LayerKind::mamba,
                     LayerKind::full,  LayerKind::mamba, LayerKind::mamba, LayerKind::mamba};
  m.ssm.kind = SsmKind::mamba1;
  m.ssm.d_state = 16;
  m.ssm.d_conv = 4;
  m.ssm.d_inner = 8192;
  m.ssm.dt_rank = 256;
  m.ssm.conv_bias = true;
  m.ssm.proj_bias = false;
  m.ssm.inner_norms = true;
  m.moe.experts = 16;
  m.moe.experts_per_token = 2;
  m.moe.expert_ffn = 14336;
  m.moe.layer_step = 2;
  m.moe.layer_offset = 1;
  return m;
}

// "Qwen3-Next-80B-A3B": hidden 2048, 48 layers; full gated attention at (i+1)%4==0 (12 layers: 16 heads,
// 2 KV heads, head_dim 256, output gate, QK-norm); 36 Gated DeltaNet layers (16 key heads x 128, 32 value
// heads x 128, conv kernel 4); 512 experts, 10 active, size 512, one shared expert of 512 with a gate.
// computed_params_exact 79674391296.
inline ModelSpec qwen3_next() {
  ModelSpec m;
  m.id = "qwen3-next-80b-a3b";
  m.architecture = "qwen3next";
  m.layers = 48;
  m.hidden = 2048;
  m.heads = 16;
  m.kv_heads = 2;
  m.head_dim_k = m.head_dim_v = 256;
  m.ffn = 0;
  m.vocab = 151936;
  m.max_context = 262144;
  m.qk_norm = true;
  m.attn_output_gate = true;
  m.layer_pattern = {LayerKind::linear, LayerKind::linear, LayerKind::linear, LayerKind::full};
  m.ssm.kind = SsmKind::gated_deltanet;
  m.ssm.d_state = 128;   // linear_key_head_dim
  m.ssm.d_conv = 4;      // linear_conv_kernel_dim
  m.ssm.d_inner = 4096;  // 32 value heads x 128
  m.ssm.n_groups = 16;   // linear_num_key_heads
  m.ssm.n_heads = 32;    // linear_num_value_heads
  m.moe.experts = 512;
  m.moe.experts_per_token = 10;
  m.moe.expert_ffn = 512;
  m.moe.shared_experts = 1;
  m.moe.shared_ffn = 512;
  m.moe.shared_expert_gate = true;
  return m;
}

// "Qwen3.5-9B" (models_2026.yaml): hidden 4096, 32 layers, FFN 12288 in every layer; gated full attention
// at (i+1)%4==0 (8 layers: 16 heads, 4 KV heads, head_dim 256, output gate, QK-norm); 24 Gated DeltaNet
// layers (16 key heads x 128, 32 value heads x 128, conv kernel 4); vocab 248320, untied; text only.
// computed_params_exact 8953803264.
inline ModelSpec qwen3_5_9b() {
  ModelSpec m;
  m.id = "qwen3.5-9b";
  m.architecture = "qwen3_5";
  m.layers = 32;
  m.hidden = 4096;
  m.heads = 16;
  m.kv_heads = 4;
  m.head_dim_k = m.head_dim_v = 256;
  m.ffn = 12288;
  m.vocab = 248320;
  m.max_context = 262144;
  m.qk_norm = true;
  m.attn_output_gate = true;
  m.layer_pattern = {LayerKind::linear, LayerKind::linear, LayerKind::linear, LayerKind::full};
  m.ssm.kind = SsmKind::gated_deltanet;
  m.ssm.d_state = 128;   // linear_key_head_dim
  m.ssm.d_conv = 4;      // linear_conv_kernel_dim
  m.ssm.d_inner = 4096;  // 32 value heads x 128
  m.ssm.n_groups = 16;   // linear_num_key_heads
  m.ssm.n_heads = 32;    // linear_num_value_heads
  return m;
}

// "Qwen3.5-27B": hidden 5120, 64 layers, FFN 17408; 16 gated full-attention layers (24 heads, 4 KV heads
// x 256); 48 Gated DeltaNet layers (16 key heads x 128, 48 value heads x 128). computed_params_exact 26895998464.
inline ModelSpec qwen3_5_27b() {
  ModelSpec m = qwen3_5_9b();
  m.id = "qwen3.5-27b";
  m.layers = 64;
  m.hidden = 5120;
  m.heads = 24;
  m.ffn = 17408;
  m.ssm.d_inner = 6144;  // 48 value heads x 128
  m.ssm.n_heads = 48;
  return m;
}

// "Qwen3.5-35B-A3B": hidden 2048, 40 layers; 10 gated full-attention layers (16 heads, 2 KV heads x 256);
// 30 Gated DeltaNet layers (16 key heads, 32 value heads, x 128); 256 experts of 512, 8 active, one gated
// shared expert of 512; vocab 248320 untied; ViT 446,571,248 (vision.params_exact). computed_params_exact 35107181936.
inline ModelSpec qwen3_5_35b_a3b() {
  ModelSpec m = qwen3_5_9b();
  m.id = "qwen3.5-35b-a3b";
  m.architecture = "qwen3_5_moe";
  m.layers = 40;
  m.hidden = 2048;
  m.heads = 16;
  m.kv_heads = 2;
  m.ffn = 0;
  m.moe.experts = 256;
  m.moe.experts_per_token = 8;
  m.moe.expert_ffn = 512;
  m.moe.shared_experts = 1;
  m.moe.shared_ffn = 512;
  m.moe.shared_expert_gate = true;
  m.vision.encoder = "Qwen3.5 ViT";
  m.vision.params = 446571248;
  m.vision.tokens_per_image = 1024;
  return m;
}

// "Qwen3-VL-8B": the Qwen3-8B text stack (hidden 4096, 36 layers, 32 heads, 8 KV heads x 128, FFN 12288,
// QK-norm, vocab 151936 untied) + the 27-layer ViT with 3 DeepStack mergers, 576,388,336
// (vision.params_exact). computed_params_exact 8767123696.
inline ModelSpec qwen3_vl_8b() {
  ModelSpec m;
  m.id = "qwen3-vl-8b";
  m.architecture = "qwen3_vl";
  m.layers = 36;
  m.hidden = 4096;
  m.heads = 32;
  m.kv_heads = 8;
  m.head_dim_k = m.head_dim_v = 128;
  m.ffn = 12288;
  m.vocab = 151936;
  m.max_context = 262144;
  m.qk_norm = true;
  m.vision.encoder = "Qwen3-VL ViT";
  m.vision.params = 576388336;
  m.vision.tokens_per_image = 1024;
  m.deepstack_layers = 3;  // deepstack_visual_indexes [8, 16, 24]
  return m;
}

// "Gemma-4-31B": hidden 5376, intermediate 21504, 60 layers, 32 heads, vocab 262144, tied; sliding
// layers 16 KV heads x 256 (window 1024), global layers 4 KV heads x 512 with attention_k_eq_v,
// (sliding x5, full) x10; layer_scalar. computed_params_exact 30697345340.
inline ModelSpec gemma_4_31b() {
  ModelSpec m;
  m.id = "gemma-4-31b";
  m.architecture = "gemma4";
  m.layers = 60;
  m.hidden = 5376;
  m.heads = 32;
  m.kv_heads = 16;
  m.head_dim_k = m.head_dim_v = 256;
  m.ffn = 21504;
  m.vocab = 262144;
  m.max_context = 262144;
  m.tied_embeddings = true;
  m.qk_norm = true;
  m.norms_per_layer = 4;
  m.layer_pattern = {LayerKind::sliding, LayerKind::sliding, LayerKind::sliding,
                     LayerKind::sliding, LayerKind::sliding, LayerKind::full};
  m.sliding_window = 1024;
  m.head_dim_full = 512;
  m.kv_heads_full = 4;
  m.full_k_eq_v = true;
  m.per_layer.layer_scalar = true;
  return m;
}


// "Gemma-4-E2B": hidden 1536, intermediate 6144, 35 layers, 8 heads, 1 KV head, head_dim 256 (global
// 512, no K=V, no num_global_key_value_heads), vocab 262144, tied, window 512, (sliding x4, full) x7,
// num_kv_shared_layers 20, use_double_wide_mlp (the shared layers' MLP is 12288 wide), PLE 256.
inline ModelSpec gemma_4_e2b() {
  ModelSpec m = gemma_4_31b();
  m.id = "gemma-4-e2b";
  m.layers = 35;
  m.hidden = 1536;
  m.heads = 8;
  m.kv_heads = 1;
  m.kv_heads_full = 0;
  m.full_k_eq_v = false;
  m.ffn = 6144;
  m.ffn_kv_shared = 12288;
  m.max_context = 131072;
  m.layer_pattern = {LayerKind::sliding, LayerKind::sliding, LayerKind::sliding, LayerKind::sliding, LayerKind::full};
  m.sliding_window = 512;
  m.kv_shared_layers = 20;
  m.per_layer.embed_dim = 256;
  return m;
}

}  // namespace vramfit::test
