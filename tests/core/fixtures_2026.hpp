// Models of 2026 for the core tests: DeepSeek-style MLA with other sizes (GLM-4.7-Flash), DeepSeek
// sparse attention (DeepSeek-V3.2, GLM-5) and Nemotron-H hybrids. Dimensions from
// shared/reference/models_2026.yaml (config.json values); each count in the tests is worked by hand.
#pragma once

#include <string>
#include <vector>

#include "fixtures.hpp"
#include "vramfit/model.hpp"

namespace vramfit::test {

// GLM-4.7-Flash: 47 MLA layers (q_lora 768, kv_lora 512, nope 192 + rope 64, v 256), hidden 2048,
// 20 heads, vocab 154880 untied; layer 0 dense (10240), 46 MoE (64 experts top-4 x 1536, one shared).
inline ModelSpec glm_4_7_flash() {
  ModelSpec m = deepseek_v3();
  m.id = "glm-4.7-flash";
  m.architecture = "glm4_moe_lite";
  m.layers = 47;
  m.hidden = 2048;
  m.heads = m.kv_heads = 20;
  m.head_dim_k = 256;
  m.head_dim_v = 256;
  m.ffn = 10240;
  m.vocab = 154880;
  m.max_context = 202752;
  m.mla = MlaSpec{.q_lora_rank = 768, .kv_lora_rank = 512, .qk_rope_head_dim = 64, .qk_nope_head_dim = 192, .v_head_dim = 256};
  m.moe.experts = 64;
  m.moe.experts_per_token = 4;
  m.moe.expert_ffn = 1536;
  m.moe.shared_ffn = 1536;
  m.moe.dense_leading_layers = 1;
  return m;
}

// DeepSeek-V3.2: DeepSeek-V3 plus a lightning indexer of 64 heads x 128 in every layer.
inline ModelSpec deepseek_v3_2() {
  ModelSpec m = deepseek_v3();
  m.id = "deepseek-v3.2";
  m.architecture = "deepseek_v32";
  m.mla.index_heads = 64;
  m.mla.index_head_dim = 128;
  return m;
}

// GLM-5: 78 MLA layers (q_lora 2048, kv_lora 512, nope 192 + rope 64, v 256), hidden 6144, 64 heads,
// vocab 154880; indexer 32 heads x 128; 3 dense layers (12288), 75 MoE (256 experts top-8 x 2048, one shared).
inline ModelSpec glm_5() {
  ModelSpec m = deepseek_v3();
  m.id = "glm-5";
  m.architecture = "glm_moe_dsa";
  m.layers = 78;
  m.hidden = 6144;
  m.heads = m.kv_heads = 64;
  m.head_dim_k = 256;
  m.head_dim_v = 256;
  m.ffn = 12288;
  m.vocab = 154880;
  m.max_context = 202752;
  m.mla = MlaSpec{.q_lora_rank = 2048, .kv_lora_rank = 512, .qk_rope_head_dim = 64, .qk_nope_head_dim = 192, .v_head_dim = 256,
                  .index_heads = 32, .index_head_dim = 128};
  return m;
}

// hybrid_override_pattern -> layer kinds: M Mamba-2, * attention, - and E feed-forward only.
inline std::vector<LayerKind> nemotron_pattern(const std::string& p) {
  std::vector<LayerKind> v;
  for (char c : p) v.push_back(c == 'M' ? LayerKind::mamba : c == '*' ? LayerKind::full : LayerKind::ffn);
  return v;
}

// Nemotron-3-Nano-30B-A3B: 52 blocks (23 M, 23 E, 6 *), hidden 2688, 32 heads / 2 KV x 128, vocab 131072
// untied; Mamba-2 64 heads x 64 (d_inner 4096), 8 groups, state 128, conv 4 (bias); 128 ReLU^2 experts
// top-6 x 1856, one shared of 3712, router correction bias.
inline ModelSpec nemotron_3_nano() {
  ModelSpec m;
  m.id = "nemotron-3-nano-30b-a3b";
  m.architecture = "nemotron_h";
  m.layers = 52;
  m.hidden = 2688;
  m.heads = 32;
  m.kv_heads = 2;
  m.head_dim_k = m.head_dim_v = 128;
  m.ffn = 0;
  m.ffn_gated = false;
  m.vocab = 131072;
  m.max_context = 262144;
  m.norms_per_layer = 1;
  m.layer_pattern = nemotron_pattern("MEMEM*EMEMEM*EMEMEM*EMEMEM*EMEMEM*EMEMEMEM*EMEMEMEME");
  m.moe.experts = 128;
  m.moe.experts_per_token = 6;
  m.moe.expert_ffn = 1856;
  m.moe.shared_experts = 1;
  m.moe.shared_ffn = 3712;
  m.moe.router_bias = true;
  m.ssm = SsmSpec{.kind = SsmKind::mamba2, .d_state = 128, .d_conv = 4, .d_inner = 4096, .n_groups = 8, .n_heads = 64, .conv_bias = true};
  return m;
}

// NVIDIA-Nemotron-Nano-9B-v2: 56 blocks (27 M, 25 -, 4 *), hidden 4480, 40 heads / 8 KV x 128, ReLU^2
// MLP 15680, vocab 131072 untied; Mamba-2 128 heads x 80 (d_inner 10240), 8 groups, state 128, conv 4.
inline ModelSpec nemotron_nano_9b_v2() {
  ModelSpec m = nemotron_3_nano();
  m.id = "nemotron-nano-9b-v2";
  m.layers = 56;
  m.hidden = 4480;
  m.heads = 40;
  m.kv_heads = 8;
  m.ffn = 15680;
  m.max_context = 131072;
  m.layer_pattern = nemotron_pattern("M-M-M-MM-M-M-M*-M-M-M*-M-M-M-M*-M-M-M-M*-M-MM-M-M-M-M-M-");
  m.moe = MoeSpec{};
  m.ssm.d_inner = 10240;
  m.ssm.n_heads = 128;
  return m;
}

// Llama 3.2 11B Vision (mllama): Llama-3.1-8B's text stack with 40 layers, of which 8 (3, 8, ..., 38)
// are gated cross-attention layers over the image tokens: 4 tiles x ((560 / 14)^2 + 1) = 6404 per image.
// Vision tower 863,567,379 + projector 7680 x 4096 + 4096 (counted by hand in tests/catalog).
inline ModelSpec llama_3_2_11b_vision() {
  ModelSpec m = llama_3_1_8b();
  m.id = "llama-3.2-11b-vision";
  m.architecture = "mllama";
  m.layers = 40;
  m.layer_pattern = {LayerKind::full, LayerKind::full, LayerKind::full, LayerKind::cross, LayerKind::full};
  m.vision = VisionSpec{"MllamaVisionModel", 863567379, 7680 * 4096 + 4096, 6404};
  return m;
}

}  // namespace vramfit::test
