// Every architecture family the GGUF writer supports: the metadata keys llama.cpp reads for it and
// the tensor names and shapes it requires (src/models/<arch>.cpp load_arch_hparams/_tensors),
// worked out by hand for small shapes that match tests/gguf/fixtures/models.yaml; and the bytes:
// sum of tensor bytes == weight_bytes(m, mix, types, false) + the listed deviations.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gguf_model.hpp"
#include "test_types.hpp"

namespace vramfit::gguf {
namespace {

// Block layouts from ggml-common.h: q8_0 32 weights in 34 bytes, q6_K 256 in 210.
const TypeTable& types() {
  static const TypeTable t{{tt("f32", 1, 4), tt("f16", 1, 2), tt("q8_0", 32, 34), tt("q6_K", 256, 210, "q8_0")}};
  return t;
}

QuantMix mix(std::string id, std::string base) {
  QuantMix m;
  m.id = std::move(id);
  m.base = std::move(base);
  return m;
}
const QuantMix kF16 = mix("F16", "f16");

// The metadata of a written file, parsed back from its header (gguf_writer.hpp layout).
struct Kv {
  std::uint32_t type = 0;
  double number = 0;  // u32 / i32 / f32 / bool
  std::string text;
  std::vector<std::int64_t> array;  // u32 / i32 arrays
};

std::map<std::string, Kv> metadata(const Writer& w) {
  const std::string h = w.header();
  std::size_t pos = 16;
  auto u32 = [&] { std::uint32_t v; std::memcpy(&v, h.data() + pos, 4); pos += 4; return v; };
  auto u64 = [&] { std::uint64_t v; std::memcpy(&v, h.data() + pos, 8); pos += 8; return v; };
  auto str = [&] { const std::uint64_t n = u64(); std::string s = h.substr(pos, n); pos += n; return s; };
  auto scalar = [&](std::uint32_t type) -> double {
    if (type == 4) return u32();
    if (type == 5) return static_cast<std::int32_t>(u32());
    if (type == 6) { float f; std::memcpy(&f, h.data() + pos, 4); pos += 4; return f; }
    if (type == 7) return h[pos++] != 0;
    throw std::runtime_error("unexpected GGUF value type " + std::to_string(type));
  };
  std::map<std::string, Kv> out;
  pos = 16;
  const std::uint64_t n_kv = u64();
  for (std::uint64_t i = 0; i < n_kv; ++i) {
    const std::string key = str();
    Kv kv;
    kv.type = u32();
    if (kv.type == 8) {
      kv.text = str();
    } else if (kv.type == 9) {
      const std::uint32_t elem = u32();
      const std::uint64_t n = u64();
      for (std::uint64_t j = 0; j < n; ++j) {
        if (elem == 8) str();
        else kv.array.push_back(static_cast<std::int64_t>(scalar(elem)));
      }
    } else {
      kv.number = scalar(kv.type);
    }
    out[key] = kv;
  }
  return out;
}

const Tensor& find(const Writer& w, const std::string& name) {
  for (const Tensor& t : w.tensors())
    if (t.name == name) return t;
  throw std::runtime_error("no tensor " + name);
}
bool has(const Writer& w, const std::string& name) {
  for (const Tensor& t : w.tensors())
    if (t.name == name) return true;
  return false;
}
using Ne = std::vector<std::int64_t>;

// sum(tensor bytes) == weight_bytes(false) + extra_bytes(), for the model under `q`.
void expect_bytes_balance(const ModelSpec& m, const QuantMix& q) {
  const FileTensors f = file_tensors(m, q, types());
  std::int64_t sum = 0;
  for (const FileTensor& t : f.tensors) sum += static_cast<std::int64_t>(t.nbytes);
  EXPECT_EQ(sum, weight_bytes(m, q, types(), false).total.value() + f.extra_bytes()) << m.id << " " << q.id;
}

// d 256, 4 heads / 2 KV heads of 64, vocabulary 512: the base of every tiny fixture.
ModelSpec base(std::string arch, std::int64_t layers = 2) {
  ModelSpec m;
  m.id = "tiny-" + arch;
  m.architecture = std::move(arch);
  m.layers = layers;
  m.hidden = 256;
  m.heads = 4;
  m.kv_heads = 2;
  m.head_dim_k = m.head_dim_v = 64;
  m.ffn = 512;
  m.vocab = 512;
  m.max_context = 4096;
  return m;
}
void moe(ModelSpec& m, std::int64_t experts, std::int64_t used, std::int64_t ffn) {
  m.ffn = 0;
  m.moe.experts = experts;
  m.moe.experts_per_token = used;
  m.moe.expert_ffn = ffn;
}

TEST(GgufFamilies, CatalogArchitectureNames) {
  struct Row { const char* catalog; const char* gguf; };
  for (const Row& r : {Row{"mistral", "llama"}, Row{"mixtral", "llama"}, Row{"qwen2_5_vl", "qwen2vl"},
                       Row{"qwen3_moe", "qwen3moe"}, Row{"qwen3_next", "qwen3next"}, Row{"gemma3_text", "gemma3"},
                       Row{"deepseek_v2", "deepseek2"}, Row{"deepseek_v3", "deepseek2"}, Row{"kimi_k2", "deepseek2"},
                       Row{"gpt_oss", "gpt-oss"}, Row{"cohere", "command-r"}, Row{"granitemoehybrid", "granitehybrid"},
                       Row{"glm4_moe", "glm4moe"}, Row{"llama4", "llama4"}, Row{"jamba", "jamba"},
                       Row{"qwen3_5", "qwen35"}, Row{"qwen3_5_moe", "qwen35moe"}, Row{"qwen3_vl", "qwen3vl"},
                       Row{"qwen3_vl_moe", "qwen3vlmoe"}, Row{"bert", ""},
                       Row{"glm4_moe_lite", "deepseek2"}, Row{"mistral3", "llama"}, Row{"smollm3", "smollm3"},
                       Row{"seed_oss", "seed_oss"}, Row{"olmo2", "olmo2"}, Row{"olmo3", "olmo2"},
                       Row{"ernie4_5_moe", "ernie4_5-moe"}, Row{"minimax_m2", "minimax-m2"},
                       Row{"gemma3n", "gemma3n"}, Row{"gemma4_text", "gemma4"}})
    EXPECT_EQ(gguf_arch_name(r.catalog), r.gguf) << r.catalog;
}

TEST(GgufFamilies, MixtralIsLlamaWithExperts) {
  ModelSpec m = base("mixtral");
  moe(m, 4, 2, 512);
  const Writer w = model_writer(m, kF16, types());
  auto kv = metadata(w);
  EXPECT_EQ(kv["general.architecture"].text, "llama");
  EXPECT_EQ(kv["llama.feed_forward_length"].number, 512);  // llama sizes its experts by n_ff
  EXPECT_EQ(kv["llama.expert_count"].number, 4);
  EXPECT_EQ(kv["llama.expert_used_count"].number, 2);
  EXPECT_EQ(kv.count("llama.expert_feed_forward_length"), 0u);
  EXPECT_EQ(w.tensors().size(), 1u + 2u * 10u + 2u);  // 6 attention + router + 3 expert stacks per block
  EXPECT_EQ(find(w, "blk.0.ffn_gate_inp.weight").ne, (Ne{256, 4}));
  EXPECT_EQ(find(w, "blk.0.ffn_gate_inp.weight").type, 0u);  // the router stays F32
  EXPECT_EQ(find(w, "blk.1.ffn_up_exps.weight").ne, (Ne{256, 512, 4}));
  EXPECT_EQ(find(w, "blk.1.ffn_down_exps.weight").ne, (Ne{512, 256, 4}));
  EXPECT_EQ(find(w, "blk.1.ffn_down_exps.weight").nbytes, 512u * 256u * 4u * 2u);
  EXPECT_TRUE(file_tensors(m, kF16, types()).deviations.empty());
  expect_bytes_balance(m, kF16);
}

TEST(GgufFamilies, Qwen3Moe) {
  ModelSpec m = base("qwen3_moe");
  m.qk_norm = true;
  moe(m, 8, 2, 128);
  const Writer w = model_writer(m, kF16, types());
  auto kv = metadata(w);
  EXPECT_EQ(kv["general.architecture"].text, "qwen3moe");
  EXPECT_EQ(kv["qwen3moe.expert_feed_forward_length"].number, 128);
  EXPECT_EQ(kv["qwen3moe.feed_forward_length"].number, 0);
  EXPECT_EQ(kv["qwen3moe.expert_count"].number, 8);
  EXPECT_EQ(w.tensors().size(), 1u + 2u * 12u + 2u);
  EXPECT_EQ(find(w, "blk.0.attn_k_norm.weight").ne, (Ne{64}));
  EXPECT_EQ(find(w, "blk.0.ffn_gate_exps.weight").ne, (Ne{256, 128, 8}));
  expect_bytes_balance(m, kF16);
}

TEST(GgufFamilies, Gemma2FourNormsSlidingWindowSoftcaps) {
  ModelSpec m = base("gemma2");
  m.norms_per_layer = 4;
  m.tied_embeddings = true;
  m.layer_pattern = {LayerKind::sliding, LayerKind::full};
  m.sliding_window = 128;
  const Writer w = model_writer(m, kF16, types());
  auto kv = metadata(w);
  EXPECT_EQ(kv["gemma2.attention.sliding_window"].number, 128);
  EXPECT_EQ(kv["gemma2.attention.sliding_window_pattern"].number, 2);  // even layers local, odd global
  EXPECT_EQ(kv["gemma2.attn_logit_softcapping"].number, 50.0);
  EXPECT_EQ(kv["gemma2.final_logit_softcapping"].number, 30.0);
  EXPECT_EQ(w.tensors().size(), 1u + 2u * 11u + 1u);  // 4 norms + 7 matrices per block, tied head
  for (const char* n : {"attn_norm", "post_attention_norm", "ffn_norm", "post_ffw_norm"})
    EXPECT_EQ(find(w, std::string("blk.1.") + n + ".weight").ne, (Ne{256})) << n;
  EXPECT_FALSE(has(w, "output.weight"));
  expect_bytes_balance(m, kF16);
  m.tied_embeddings = false;  // gemma2.cpp loads the head from token_embd only
  EXPECT_THROW(model_writer(m, kF16, types()), std::invalid_argument);
}

TEST(GgufFamilies, Gemma3PatternQkNormsAndNoVisionInTheTextFile) {
  ModelSpec m = base("gemma3", 6);
  m.norms_per_layer = 4;
  m.qk_norm = true;
  m.tied_embeddings = true;
  m.layer_pattern = {LayerKind::sliding, LayerKind::sliding, LayerKind::sliding,
                     LayerKind::sliding, LayerKind::sliding, LayerKind::full};
  m.sliding_window = 128;
  m.vision.params = 100000;
  m.vision.projector_params = 20000;
  const Writer w = model_writer(m, kF16, types());
  auto kv = metadata(w);
  EXPECT_EQ(kv["gemma3.attention.sliding_window"].number, 128);
  EXPECT_EQ(kv["gemma3.attention.sliding_window_pattern"].number, 6);
  EXPECT_EQ(w.tensors().size(), 1u + 6u * 13u + 1u);
  EXPECT_EQ(find(w, "blk.5.attn_q_norm.weight").ne, (Ne{64}));
  // The vision tower (120000 weights in F16, mix.vision) goes to the mmproj file, not this one.
  const std::int64_t text = weight_bytes(m, kF16, types(), false).total.value();
  EXPECT_EQ(weight_bytes(m, kF16, types(), true).total.value() - text, 240000);
  std::int64_t sum = 0;
  for (const Tensor& t : w.tensors()) sum += static_cast<std::int64_t>(t.nbytes);
  EXPECT_EQ(sum, text);
}

TEST(GgufFamilies, Phi3FusesQkvAndGateUp) {
  ModelSpec m = base("phi3");
  const Writer w = model_writer(m, kF16, types());
  EXPECT_EQ(w.tensors().size(), 1u + 2u * 6u + 2u);
  EXPECT_EQ(find(w, "blk.0.attn_qkv.weight").ne, (Ne{256, 512}));  // q 256 + k 128 + v 128
  EXPECT_EQ(find(w, "blk.0.ffn_up.weight").ne, (Ne{256, 1024}));   // gate 512 + up 512
  EXPECT_FALSE(has(w, "blk.0.attn_q.weight"));
  EXPECT_FALSE(has(w, "blk.0.ffn_gate.weight"));
  EXPECT_TRUE(file_tensors(m, kF16, types()).deviations.empty());  // one type for all: same bytes
  // An attn_v rule applies neither to the fused tensor nor, for a phi3 model, to the estimate's attn_v
  // (weights.hpp types q, k and v as attn_qkv): attn_qkv stays F16, 512 x 256 x 2 = 262144 B per block.
  // An attn_qkv rule applies to both: 512 rows x 256/32 blocks x 34 B = 139264 B of Q8_0 per block.
  const std::pair<const char*, std::uint64_t> rules[] = {{"attn_v", 262144}, {"attn_qkv", 139264}};
  for (const auto& [name, bytes] : rules) {
    SCOPED_TRACE(name);
    QuantMix q = kF16;
    q.id = std::string("F16+") + name;
    q.rules.push_back(MixRule{{name}, "q8_0"});
    const FileTensors f = file_tensors(m, q, types());
    EXPECT_TRUE(f.deviations.empty());
    std::uint64_t qkv = 0;
    for (const auto& t : f.tensors)
      if (t.name == "blk.0.attn_qkv.weight") qkv = t.nbytes;
    EXPECT_EQ(qkv, bytes);
    expect_bytes_balance(m, q);
  }
}

TEST(GgufFamilies, CommandRLayerNormOneNormTied) {
  ModelSpec m = base("cohere");
  m.norms_per_layer = 1;
  m.kv_heads = 4;
  m.tied_embeddings = true;
  const Writer w = model_writer(m, kF16, types());
  auto kv = metadata(w);
  EXPECT_EQ(kv["general.architecture"].text, "command-r");
  EXPECT_EQ(kv.count("command-r.attention.layer_norm_epsilon"), 1u);
  EXPECT_EQ(kv.count("command-r.attention.layer_norm_rms_epsilon"), 0u);
  EXPECT_EQ(w.tensors().size(), 1u + 2u * 8u + 1u);
  EXPECT_FALSE(has(w, "blk.0.ffn_norm.weight"));
  m.layers = 64;  // Command R+ has per-head Q/K norms the inventory does not count
  EXPECT_THROW(model_writer(m, kF16, types()), std::invalid_argument);
}

// d 256, 4 heads, MLA q_lora 128, kv_lora 256, rope 32 + nope 64 (head 96), v 64; 8 experts of 128,
// one shared, block 0 dense (ffn 512), sigmoid routing with a selection bias: DeepSeek-V3's shape.
ModelSpec deepseek_v3() {
  ModelSpec m = base("deepseek_v3", 3);
  m.kv_heads = 4;
  m.head_dim_k = 96;
  m.head_dim_v = 64;
  m.layer_pattern = {LayerKind::mla};
  m.mla = {128, 256, 32, 64, 64};
  moe(m, 8, 2, 128);
  m.ffn = 512;
  m.moe.shared_experts = 1;
  m.moe.shared_ffn = 128;
  m.moe.dense_leading_layers = 1;
  m.moe.router_bias = true;
  return m;
}

TEST(GgufFamilies, DeepSeek2MlaKeysAndSplitKvB) {
  const ModelSpec m = deepseek_v3();
  const Writer w = model_writer(m, kF16, types());
  auto kv = metadata(w);
  EXPECT_EQ(kv["general.architecture"].text, "deepseek2");
  EXPECT_EQ(kv["deepseek2.attention.head_count_kv"].number, 1);        // MQA over the latent
  EXPECT_EQ(kv["deepseek2.attention.key_length"].number, 256 + 32);    // latent + rope part
  EXPECT_EQ(kv["deepseek2.attention.value_length"].number, 256);
  EXPECT_EQ(kv["deepseek2.attention.key_length_mla"].number, 96);
  EXPECT_EQ(kv["deepseek2.attention.value_length_mla"].number, 64);
  EXPECT_EQ(kv["deepseek2.attention.q_lora_rank"].number, 128);
  EXPECT_EQ(kv["deepseek2.attention.kv_lora_rank"].number, 256);
  EXPECT_EQ(kv["deepseek2.rope.dimension_count"].number, 32);
  EXPECT_EQ(kv["deepseek2.leading_dense_block_count"].number, 1);
  EXPECT_EQ(kv["deepseek2.expert_shared_count"].number, 1);
  EXPECT_EQ(kv["deepseek2.expert_feed_forward_length"].number, 128);
  EXPECT_EQ(kv["deepseek2.feed_forward_length"].number, 512);
  EXPECT_EQ(kv["deepseek2.expert_gating_func"].number, 2);  // sigmoid
  EXPECT_EQ(w.tensors().size(), 1u + 13u + 2u * 18u + 2u);
  EXPECT_EQ(find(w, "blk.0.attn_q_a.weight").ne, (Ne{256, 128}));
  EXPECT_EQ(find(w, "blk.0.attn_q_b.weight").ne, (Ne{128, 384}));
  EXPECT_EQ(find(w, "blk.0.attn_kv_a_mqa.weight").ne, (Ne{256, 288}));
  EXPECT_EQ(find(w, "blk.0.attn_k_b.weight").ne, (Ne{64, 256, 4}));  // {qk_nope, kv_lora, heads}
  EXPECT_EQ(find(w, "blk.0.attn_v_b.weight").ne, (Ne{256, 64, 4}));  // {kv_lora, v_head, heads}
  EXPECT_FALSE(has(w, "blk.0.attn_kv_b.weight"));
  EXPECT_EQ(find(w, "blk.0.attn_kv_a_norm.weight").ne, (Ne{256}));
  EXPECT_EQ(find(w, "blk.0.ffn_gate.weight").ne, (Ne{256, 512}));
  EXPECT_FALSE(has(w, "blk.0.ffn_gate_inp.weight"));
  EXPECT_EQ(find(w, "blk.1.exp_probs_b.bias").ne, (Ne{8}));
  EXPECT_EQ(find(w, "blk.2.ffn_down_shexp.weight").ne, (Ne{128, 256}));
  EXPECT_TRUE(file_tensors(m, kF16, types()).deviations.empty());  // same elements, one type
  expect_bytes_balance(m, kF16);
}

TEST(GgufFamilies, DeepSeek2KbRowsFallBackUnderKQuants) {
  // Q6_K (256 per block): attn_kv_b rows are kv_lora 256 long -> Q6_K, 512 rows x 210 = 107520
  // bytes. In the file attn_k_b rows are qk_nope 64 long -> Q8_0 fallback, 1024 rows x 2 x 34 =
  // 69632, and attn_v_b 256 rows x 210 = 53760: 123392, 15872 more per MLA block, 3 blocks.
  const QuantMix q6 = mix("Q6_K", "q6_K");
  const FileTensors f = file_tensors(deepseek_v3(), q6, types());
  ASSERT_EQ(f.deviations.size(), 1u);
  EXPECT_EQ(f.deviations[0].tensors, "attn_k_b + attn_v_b");
  EXPECT_EQ(f.deviations[0].file_bytes, 3 * 123392);
  EXPECT_EQ(f.deviations[0].estimate_bytes, 3 * 107520);
  EXPECT_EQ(f.extra_bytes(), 3 * 15872);
  expect_bytes_balance(deepseek_v3(), q6);
}

TEST(GgufFamilies, DeepSeek2LiteWithoutQueryCompression) {
  ModelSpec m = deepseek_v3();
  m.layers = 2;
  m.mla.q_lora_rank = 0;
  m.moe.shared_experts = 2;
  m.moe.router_bias = false;
  const Writer w = model_writer(m, kF16, types());
  auto kv = metadata(w);
  EXPECT_EQ(kv["deepseek2.attention.q_lora_rank"].number, 0);  // read by llama.cpp: plain attn_q
  EXPECT_EQ(kv["deepseek2.expert_gating_func"].number, 1);     // softmax
  EXPECT_EQ(find(w, "blk.0.attn_q.weight").ne, (Ne{256, 384}));
  EXPECT_FALSE(has(w, "blk.0.attn_q_a_norm.weight"));
  EXPECT_FALSE(has(w, "blk.1.exp_probs_b.bias"));
  EXPECT_EQ(find(w, "blk.1.ffn_up_shexp.weight").ne, (Ne{256, 256}));  // 2 shared experts of 128
  EXPECT_EQ(w.tensors().size(), 1u + 11u + 15u + 2u);
  expect_bytes_balance(m, kF16);
  m.moe.shared_ffn = 256;  // llama.cpp sizes shared experts by expert_feed_forward_length
  EXPECT_THROW(model_writer(m, kF16, types()), std::invalid_argument);
}

TEST(GgufFamilies, GptOssSinksBiasesSlidingWindow) {
  ModelSpec m = base("gpt_oss");
  m.heads = 8;
  m.attn_bias = AttnBias::qkvo;
  m.attn_sinks = true;
  m.layer_pattern = {LayerKind::sliding, LayerKind::full};
  m.sliding_window = 128;
  moe(m, 4, 2, 512);
  m.moe.router_bias = m.moe.expert_bias = true;
  const Writer w = model_writer(m, kF16, types());
  auto kv = metadata(w);
  EXPECT_EQ(kv["general.architecture"].text, "gpt-oss");
  EXPECT_EQ(kv["gpt-oss.attention.sliding_window"].number, 128);
  EXPECT_EQ(kv["gpt-oss.attention.sliding_window_pattern"].number, 2);
  EXPECT_EQ(kv["gpt-oss.expert_feed_forward_length"].number, 512);
  EXPECT_EQ(w.tensors().size(), 1u + 2u * 19u + 2u);
  EXPECT_EQ(find(w, "blk.0.post_attention_norm.weight").ne, (Ne{256}));
  EXPECT_EQ(find(w, "blk.0.attn_sinks.weight").ne, (Ne{8}));
  EXPECT_EQ(find(w, "blk.0.attn_q.bias").ne, (Ne{512}));
  EXPECT_EQ(find(w, "blk.0.attn_output.bias").ne, (Ne{256}));
  EXPECT_EQ(find(w, "blk.1.ffn_gate_inp.bias").ne, (Ne{4}));
  EXPECT_EQ(find(w, "blk.1.ffn_gate_exps.bias").ne, (Ne{512, 4}));
  EXPECT_EQ(find(w, "blk.1.ffn_down_exps.bias").ne, (Ne{256, 4}));
  expect_bytes_balance(m, kF16);
}

TEST(GgufFamilies, JambaMamba1AndInterleavedExperts) {
  ModelSpec m = base("jamba", 4);
  m.layer_pattern = {LayerKind::mamba, LayerKind::mamba, LayerKind::full, LayerKind::mamba};
  m.moe.experts = 4;
  m.moe.experts_per_token = 2;
  m.moe.expert_ffn = 512;
  m.moe.layer_step = 2;
  m.moe.layer_offset = 1;
  m.ssm = {SsmKind::mamba1, 16, 4, 512, 0, 0, 16, true, false, true};
  const Writer w = model_writer(m, kF16, types());
  auto kv = metadata(w);
  EXPECT_EQ(kv["jamba.attention.head_count_kv"].array, (Ne{0, 0, 2, 0}));  // 0: a Mamba layer
  EXPECT_EQ(kv["jamba.feed_forward_length"].number, 512);
  EXPECT_EQ(kv["jamba.ssm.inner_size"].number, 512);
  EXPECT_EQ(kv["jamba.ssm.state_size"].number, 16);
  EXPECT_EQ(kv["jamba.ssm.conv_kernel"].number, 4);
  EXPECT_EQ(kv["jamba.ssm.time_step_rank"].number, 16);
  EXPECT_EQ(w.tensors().size(), 1u + 17u + 18u + 9u + 18u + 2u);
  EXPECT_EQ(find(w, "blk.0.ssm_in.weight").ne, (Ne{256, 1024}));
  EXPECT_EQ(find(w, "blk.0.ssm_x.weight").ne, (Ne{512, 48}));  // dt_rank + 2 x d_state
  EXPECT_EQ(find(w, "blk.0.ssm_conv1d.weight").ne, (Ne{4, 512}));
  EXPECT_EQ(find(w, "blk.0.ssm_a").ne, (Ne{16, 512}));
  EXPECT_EQ(find(w, "blk.0.ssm_dt_norm.weight").ne, (Ne{16}));
  EXPECT_TRUE(has(w, "blk.0.ffn_gate.weight"));
  EXPECT_TRUE(has(w, "blk.1.ffn_gate_exps.weight"));
  EXPECT_TRUE(has(w, "blk.2.attn_q.weight"));
  expect_bytes_balance(m, kF16);
  m.ssm.d_inner = 768;  // llama.cpp asserts d_inner == 2 x n_embd
  EXPECT_THROW(model_writer(m, kF16, types()), std::invalid_argument);
}

TEST(GgufFamilies, GraniteHybridMamba2SharedExpert) {
  ModelSpec m = base("granitemoehybrid", 4);
  m.tied_embeddings = true;
  m.layer_pattern = {LayerKind::mamba, LayerKind::mamba, LayerKind::full, LayerKind::mamba};
  moe(m, 8, 2, 128);
  m.moe.shared_experts = 1;
  m.moe.shared_ffn = 256;
  m.ssm = {SsmKind::mamba2, 32, 4, 512, 1, 8, 0, true, false, false};
  const Writer w = model_writer(m, kF16, types());
  auto kv = metadata(w);
  EXPECT_EQ(kv["general.architecture"].text, "granitehybrid");
  EXPECT_EQ(kv["granitehybrid.attention.head_count_kv"].array, (Ne{0, 0, 2, 0}));
  EXPECT_EQ(kv["granitehybrid.feed_forward_length"].number, 128);  // experts sized by n_ff
  EXPECT_EQ(kv["granitehybrid.expert_shared_feed_forward_length"].number, 256);
  EXPECT_EQ(kv["granitehybrid.ssm.time_step_rank"].number, 8);  // Mamba-2 heads
  EXPECT_EQ(kv["granitehybrid.ssm.group_count"].number, 1);
  EXPECT_EQ(w.tensors().size(), 1u + 3u * 17u + 13u + 1u);
  EXPECT_EQ(find(w, "blk.0.ssm_in.weight").ne, (Ne{256, 1096}));  // 2 x 512 + 2 x 32 + 8
  EXPECT_EQ(find(w, "blk.0.ssm_conv1d.weight").ne, (Ne{4, 576}));
  EXPECT_EQ(find(w, "blk.0.ssm_a").ne, (Ne{1, 8}));
  EXPECT_EQ(find(w, "blk.0.ssm_norm.weight").ne, (Ne{512, 1}));
  EXPECT_EQ(find(w, "blk.2.ffn_up_shexp.weight").ne, (Ne{256, 256}));
  expect_bytes_balance(m, kF16);
}

TEST(GgufFamilies, Qwen3NextDeltaNetAndGatedAttention) {
  ModelSpec m = base("qwen3_next", 4);
  m.qk_norm = m.attn_output_gate = true;
  m.layer_pattern = {LayerKind::linear, LayerKind::linear, LayerKind::linear, LayerKind::full};
  moe(m, 8, 2, 128);
  m.moe.shared_experts = 1;
  m.moe.shared_ffn = 128;
  m.moe.shared_expert_gate = true;
  m.ssm = {SsmKind::gated_deltanet, 32, 4, 256, 4, 8, 0, false, false, false};
  const Writer w = model_writer(m, kF16, types());
  auto kv = metadata(w);
  EXPECT_EQ(kv["qwen3next.full_attention_interval"].number, 4);
  EXPECT_EQ(kv["qwen3next.ssm.time_step_rank"].number, 8);  // value heads
  EXPECT_EQ(kv["qwen3next.ssm.group_count"].number, 4);     // key heads
  EXPECT_EQ(kv["qwen3next.expert_shared_feed_forward_length"].number, 128);
  EXPECT_EQ(w.tensors().size(), 1u + 3u * 18u + 16u + 2u);
  EXPECT_EQ(find(w, "blk.0.attn_qkv.weight").ne, (Ne{256, 512}));  // q, k 4 x 32 each + v 256
  EXPECT_EQ(find(w, "blk.0.attn_gate.weight").ne, (Ne{256, 256}));
  EXPECT_EQ(find(w, "blk.0.ssm_ba.weight").ne, (Ne{256, 16}));
  EXPECT_EQ(find(w, "blk.0.ssm_conv1d.weight").ne, (Ne{4, 512}));
  EXPECT_EQ(find(w, "blk.0.ssm_a").ne, (Ne{8}));
  EXPECT_EQ(find(w, "blk.0.ssm_norm.weight").ne, (Ne{32}));
  EXPECT_FALSE(has(w, "blk.0.ssm_in.weight"));
  EXPECT_EQ(find(w, "blk.3.attn_q.weight").ne, (Ne{256, 512}));  // query + output gate
  EXPECT_EQ(find(w, "blk.3.post_attention_norm.weight").ne, (Ne{256}));
  EXPECT_EQ(find(w, "blk.3.ffn_gate_inp_shexp.weight").ne, (Ne{256}));
  EXPECT_TRUE(file_tensors(m, kF16, types()).deviations.empty());
  expect_bytes_balance(m, kF16);
}

// Qwen3.5 (models/qwen35.cpp, qwen35moe.cpp): the Qwen3-Next hybrid with beta and alpha as two tensors,
// a quarter of each head rotated (rope.dimension_count 64 of 256 in the real models, 16 of 64 here) and
// interleaved M-RoPE sections, which the loader requires.
TEST(GgufFamilies, Qwen35DeltaNetDenseFfn) {
  ModelSpec m = base("qwen3_5", 4);
  m.qk_norm = m.attn_output_gate = true;
  m.layer_pattern = {LayerKind::linear, LayerKind::linear, LayerKind::linear, LayerKind::full};
  m.ssm = {SsmKind::gated_deltanet, 32, 4, 256, 4, 8, 0, false, false, false};
  const Writer w = model_writer(m, kF16, types());
  auto kv = metadata(w);
  EXPECT_EQ(kv["general.architecture"].text, "qwen35");
  EXPECT_EQ(kv["qwen35.full_attention_interval"].number, 4);
  EXPECT_EQ(kv["qwen35.ssm.time_step_rank"].number, 8);  // value heads
  EXPECT_EQ(kv["qwen35.ssm.group_count"].number, 4);     // key heads
  EXPECT_EQ(kv["qwen35.ssm.state_size"].number, 32);
  EXPECT_EQ(kv["qwen35.ssm.inner_size"].number, 256);
  EXPECT_EQ(kv["qwen35.rope.dimension_count"].number, 16);
  EXPECT_EQ(kv["qwen35.rope.dimension_sections"].array, (Ne{11, 11, 10, 0}));
  EXPECT_EQ(kv["qwen35.feed_forward_length"].number, 512);
  // token_embd; 3 linear blocks of 14 (2 norms, attn_qkv, attn_gate, ssm_beta, ssm_alpha, ssm_out,
  // conv1d, dt, a, norm, 3 FFN); 1 full block of 11 (2 norms, q, k, v, output, 2 QK norms, 3 FFN); output_norm, output.
  EXPECT_EQ(w.tensors().size(), 1u + 3u * 14u + 11u + 2u);
  EXPECT_EQ(find(w, "blk.0.attn_qkv.weight").ne, (Ne{256, 512}));  // q, k 4 x 32 each + v 256
  EXPECT_EQ(find(w, "blk.0.attn_gate.weight").ne, (Ne{256, 256}));
  EXPECT_EQ(find(w, "blk.0.ssm_beta.weight").ne, (Ne{256, 8}));
  EXPECT_EQ(find(w, "blk.0.ssm_alpha.weight").ne, (Ne{256, 8}));
  EXPECT_FALSE(has(w, "blk.0.ssm_ba.weight"));
  EXPECT_EQ(find(w, "blk.0.ssm_conv1d.weight").ne, (Ne{4, 512}));
  EXPECT_EQ(find(w, "blk.0.ffn_down.weight").ne, (Ne{512, 256}));
  EXPECT_EQ(find(w, "blk.3.attn_q.weight").ne, (Ne{256, 512}));  // query + output gate
  EXPECT_EQ(find(w, "blk.3.post_attention_norm.weight").ne, (Ne{256}));
  EXPECT_TRUE(file_tensors(m, kF16, types()).deviations.empty());
  expect_bytes_balance(m, kF16);
  m.moe.shared_expert_gate = true;  // a gated shared expert is qwen35moe's, not qwen35's
  EXPECT_THROW(model_writer(m, kF16, types()), std::invalid_argument);
}

TEST(GgufFamilies, Qwen35MoeSharedExpert) {
  ModelSpec m = base("qwen3_5_moe", 4);
  m.qk_norm = m.attn_output_gate = true;
  m.layer_pattern = {LayerKind::linear, LayerKind::linear, LayerKind::linear, LayerKind::full};
  m.ssm = {SsmKind::gated_deltanet, 32, 4, 256, 4, 8, 0, false, false, false};
  moe(m, 8, 2, 128);
  m.moe.shared_experts = 1;
  m.moe.shared_ffn = 128;
  m.moe.shared_expert_gate = true;
  const Writer w = model_writer(m, kF16, types());
  auto kv = metadata(w);
  EXPECT_EQ(kv["general.architecture"].text, "qwen35moe");
  EXPECT_EQ(kv["qwen35moe.expert_feed_forward_length"].number, 128);
  EXPECT_EQ(kv["qwen35moe.expert_shared_feed_forward_length"].number, 128);
  // 3 linear blocks of 19 (11 as above + router, 3 expert stacks, 3 shared, shared gate), 1 full of 16.
  EXPECT_EQ(w.tensors().size(), 1u + 3u * 19u + 16u + 2u);
  EXPECT_EQ(find(w, "blk.1.ffn_gate_inp_shexp.weight").ne, (Ne{256}));
  EXPECT_EQ(find(w, "blk.1.ffn_down_exps.weight").ne, (Ne{128, 256, 8}));
  expect_bytes_balance(m, kF16);
}

TEST(GgufFamilies, Qwen3VlIsQwen3WithMropeAndNoVisionInTheTextFile) {
  ModelSpec m = base("qwen3_vl");
  m.qk_norm = true;
  m.vision.params = 100000;  // goes to the mmproj file
  const Writer w = model_writer(m, kF16, types());
  auto kv = metadata(w);
  EXPECT_EQ(kv["general.architecture"].text, "qwen3vl");
  EXPECT_EQ(kv["qwen3vl.rope.dimension_sections"].array, (Ne{24, 20, 20, 0}));
  EXPECT_EQ(kv["qwen3vl.rope.dimension_count"].number, 64);  // models/qwen3vl.cpp asserts n_rot == head size
  EXPECT_EQ(w.tensors().size(), 1u + 2u * 11u + 2u);
  expect_bytes_balance(m, kF16);
  ModelSpec e = base("qwen3_vl_moe");
  e.qk_norm = true;
  moe(e, 8, 2, 128);
  const Writer we = model_writer(e, kF16, types());
  EXPECT_EQ(metadata(we)["general.architecture"].text, "qwen3vlmoe");
  EXPECT_EQ(we.tensors().size(), 1u + 2u * 12u + 2u);  // qwen3moe blocks: 8 attention + router + 3 stacks
  expect_bytes_balance(e, kF16);
}

TEST(GgufFamilies, Glm4MoePartialRopeAndBiasedRouting) {
  ModelSpec m = base("glm4_moe");
  m.heads = 8;
  m.qk_norm = true;
  m.attn_bias = AttnBias::qkv;
  moe(m, 8, 2, 128);
  m.ffn = 512;
  m.moe.shared_experts = 1;
  m.moe.shared_ffn = 128;
  m.moe.dense_leading_layers = 1;
  m.moe.router_bias = true;
  const Writer w = model_writer(m, kF16, types());
  auto kv = metadata(w);
  EXPECT_EQ(kv["glm4moe.rope.dimension_count"].number, 32);  // half of the 64 head
  EXPECT_EQ(kv["glm4moe.leading_dense_block_count"].number, 1);
  EXPECT_EQ(kv["glm4moe.expert_gating_func"].number, 2);
  EXPECT_EQ(w.tensors().size(), 1u + 14u + 19u + 2u);
  EXPECT_EQ(find(w, "blk.0.post_attention_norm.weight").ne, (Ne{256}));
  EXPECT_FALSE(has(w, "blk.0.ffn_norm.weight"));
  EXPECT_EQ(find(w, "blk.0.attn_q.bias").ne, (Ne{512}));
  EXPECT_EQ(find(w, "blk.1.exp_probs_b.bias").ne, (Ne{8}));
  expect_bytes_balance(m, kF16);
}

TEST(GgufFamilies, Llama4ChunkedAttentionAndSharedExpert) {
  ModelSpec m = base("llama4", 4);
  m.layer_pattern = {LayerKind::chunked, LayerKind::chunked, LayerKind::chunked, LayerKind::full};
  m.chunk_size = 8192;
  moe(m, 4, 1, 256);
  m.moe.shared_experts = 1;
  m.moe.shared_ffn = 256;
  const Writer w = model_writer(m, kF16, types());
  auto kv = metadata(w);
  EXPECT_EQ(kv["llama4.interleave_moe_layer_step"].number, 1);
  EXPECT_EQ(kv["llama4.attention.sliding_window"].number, 8192);
  EXPECT_EQ(kv["llama4.attention.sliding_window_pattern"].number, 4);
  EXPECT_EQ(kv["llama4.expert_feed_forward_length"].number, 256);
  EXPECT_EQ(w.tensors().size(), 1u + 4u * 13u + 2u);
  EXPECT_EQ(find(w, "blk.3.ffn_gate_shexp.weight").ne, (Ne{256, 256}));
  expect_bytes_balance(m, kF16);
  m.moe.layer_step = 2;  // llama.cpp puts MoE on blocks (i + 1) % step == 0: offset must be step - 1
  m.ffn = 512;
  EXPECT_THROW(model_writer(m, kF16, types()), std::invalid_argument);
  m.moe.layer_offset = 1;
  EXPECT_TRUE(has(model_writer(m, kF16, types()), "blk.0.ffn_gate.weight"));
}

TEST(GgufFamilies, Qwen2VlMropeSections) {
  ModelSpec m = base("qwen2_5_vl");
  m.attn_bias = AttnBias::qkv;
  m.vision.params = 100000;
  const Writer w = model_writer(m, kF16, types());
  auto kv = metadata(w);
  EXPECT_EQ(kv["general.architecture"].text, "qwen2vl");
  EXPECT_EQ(kv["qwen2vl.rope.dimension_sections"].array, (Ne{16, 24, 24, 0}));
  EXPECT_EQ(w.tensors().size(), 1u + 2u * 12u + 2u);
  expect_bytes_balance(m, kF16);
}

TEST(GgufFamilies, SmolLm3IsLlamaBlocksTied) {
  ModelSpec m = base("smollm3");
  m.tied_embeddings = true;
  const Writer w = model_writer(m, kF16, types());
  auto kv = metadata(w);
  EXPECT_EQ(kv["general.architecture"].text, "smollm3");
  EXPECT_EQ(w.tensors().size(), 1u + 2u * 9u + 1u);  // 2 norms + 7 matrices per block, output_norm, tied head
  EXPECT_FALSE(has(w, "output.weight"));
  expect_bytes_balance(m, kF16);
}

TEST(GgufFamilies, SeedOssQkvBiasesAndPostAttentionNorm) {
  ModelSpec m = base("seed_oss");
  m.attn_bias = AttnBias::qkv;
  const Writer w = model_writer(m, kF16, types());
  EXPECT_EQ(w.tensors().size(), 1u + 2u * 12u + 2u);  // 2 norms + 7 matrices + 3 biases per block
  EXPECT_EQ(find(w, "blk.0.post_attention_norm.weight").ne, (Ne{256}));
  EXPECT_EQ(find(w, "blk.0.attn_k.bias").ne, (Ne{128}));
  EXPECT_FALSE(has(w, "blk.0.attn_output.bias"));
  expect_bytes_balance(m, kF16);
}

// OLMo 2: norms after attention and after the MLP only, QK norms over the whole projections
// (models/olmo2.cpp: attn_q_norm {n_embd_head_k x n_head}, attn_k_norm {n_embd_head_k x n_head_kv}).
TEST(GgufFamilies, Olmo2PostNormsAndWholeProjectionQkNorms) {
  ModelSpec m = base("olmo2");
  m.qk_norm = m.qk_norm_full = true;
  const Writer w = model_writer(m, kF16, types());
  auto kv = metadata(w);
  EXPECT_EQ(kv["general.architecture"].text, "olmo2");
  EXPECT_EQ(w.tensors().size(), 1u + 2u * 11u + 2u);
  EXPECT_EQ(find(w, "blk.0.attn_q_norm.weight").ne, (Ne{4 * 64}));
  EXPECT_EQ(find(w, "blk.0.attn_k_norm.weight").ne, (Ne{2 * 64}));
  EXPECT_EQ(find(w, "blk.1.post_ffw_norm.weight").ne, (Ne{256}));
  EXPECT_FALSE(has(w, "blk.0.attn_norm.weight"));
  expect_bytes_balance(m, kF16);
  // OLMo 3 is the same file with a sliding window on three blocks of four.
  ModelSpec v3 = base("olmo3", 4);
  v3.qk_norm = v3.qk_norm_full = true;
  v3.layer_pattern = {LayerKind::sliding, LayerKind::sliding, LayerKind::sliding, LayerKind::full};
  v3.sliding_window = 128;
  auto kv3 = metadata(model_writer(v3, kF16, types()));
  EXPECT_EQ(kv3["general.architecture"].text, "olmo2");
  EXPECT_EQ(kv3["olmo2.attention.sliding_window"].number, 128);
  v3.layer_pattern = {LayerKind::sliding, LayerKind::full};  // llama.cpp's olmo2 fixes the period at 4
  EXPECT_THROW(model_writer(v3, kF16, types()), std::invalid_argument);
}

// ERNIE 4.5 MoE: a leading dense block, two shared experts written as one of their total width
// (convert_hf_to_gguf.py Ernie4_5MoeModel), the selection bias exp_probs_b.
TEST(GgufFamilies, Ernie45MoeLeadingDenseAndSharedExperts) {
  ModelSpec m = base("ernie4_5_moe");
  moe(m, 8, 2, 128);
  m.ffn = 512;
  m.moe.shared_experts = 2;
  m.moe.shared_ffn = 128;
  m.moe.dense_leading_layers = 1;
  m.moe.router_bias = true;
  const Writer w = model_writer(m, kF16, types());
  auto kv = metadata(w);
  EXPECT_EQ(kv["general.architecture"].text, "ernie4_5-moe");
  EXPECT_EQ(kv["ernie4_5-moe.expert_shared_count"].number, 2);
  EXPECT_EQ(kv["ernie4_5-moe.expert_shared_feed_forward_length"].number, 256);
  EXPECT_EQ(kv["ernie4_5-moe.leading_dense_block_count"].number, 1);
  EXPECT_EQ(kv["ernie4_5-moe.interleave_moe_layer_step"].number, 1);
  EXPECT_EQ(w.tensors().size(), 1u + 9u + 14u + 2u);  // dense block 9; MoE block 2 norms + 4 + router + 3 + bias + 3
  EXPECT_EQ(find(w, "blk.1.ffn_up_shexp.weight").ne, (Ne{256, 256}));
  EXPECT_EQ(find(w, "blk.1.exp_probs_b.bias").ne, (Ne{8}));
  EXPECT_TRUE(has(w, "blk.0.ffn_gate.weight"));
  expect_bytes_balance(m, kF16);
}

TEST(GgufFamilies, MiniMaxM2WholeProjectionQkNormsAndSigmoidRouting) {
  ModelSpec m = base("minimax_m2");
  m.qk_norm = m.qk_norm_full = true;
  moe(m, 8, 2, 128);
  m.moe.router_bias = true;
  const Writer w = model_writer(m, kF16, types());
  auto kv = metadata(w);
  EXPECT_EQ(kv["general.architecture"].text, "minimax-m2");
  EXPECT_EQ(kv["minimax-m2.rope.dimension_count"].number, 32);  // rotary_dim: half of the head
  EXPECT_EQ(kv["minimax-m2.expert_gating_func"].number, 2);
  EXPECT_EQ(w.tensors().size(), 1u + 2u * 13u + 2u);
  EXPECT_EQ(find(w, "blk.0.attn_q_norm.weight").ne, (Ne{256}));
  EXPECT_EQ(find(w, "blk.0.attn_k_norm.weight").ne, (Ne{128}));
  expect_bytes_balance(m, kF16);
}

// gemma3n (models/gemma3n.cpp): 5 blocks (sliding x4, full), per-layer embeddings 256, AltUp 4 streams,
// LAuReL 64, all three fixed by llama.cpp. Tensors: 7 global (token_embd, per_layer_token_embd
// {5 x 256, 512}, altup_proj and altup_unembd_proj {256, 256, 3}, output_norm, and per_layer_model_proj
// {256, 1280} + per_layer_proj_norm {256} created with block 0) + 5 blocks x 24.
TEST(GgufFamilies, Gemma3nPerLayerEmbeddingsAltUpLaurel) {
  ModelSpec m = base("gemma3n", 5);
  m.norms_per_layer = 4;
  m.qk_norm = true;
  m.tied_embeddings = true;
  m.layer_pattern = {LayerKind::sliding, LayerKind::sliding, LayerKind::sliding, LayerKind::sliding, LayerKind::full};
  m.sliding_window = 128;
  m.per_layer = PerLayerSpec{256, 4, 64, false};
  const Writer w = model_writer(m, kF16, types());
  auto kv = metadata(w);
  EXPECT_EQ(kv["gemma3n.attention.sliding_window"].number, 128);
  EXPECT_EQ(kv["gemma3n.attention.sliding_window_pattern"].array, (Ne{1, 1, 1, 1, 0}));
  EXPECT_EQ(kv["gemma3n.embedding_length_per_layer_input"].number, 256);
  EXPECT_EQ(kv["gemma3n.altup.num_inputs"].number, 4);
  EXPECT_EQ(kv["gemma3n.attention.shared_kv_layers"].number, 0);  // llama.cpp caches the first 20 blocks
  EXPECT_EQ(w.tensors().size(), 7u + 5u * 24u);
  EXPECT_EQ(find(w, "per_layer_token_embd.weight").ne, (Ne{1280, 512}));
  EXPECT_EQ(find(w, "altup_proj.weight").ne, (Ne{256, 256, 3}));
  EXPECT_EQ(find(w, "per_layer_model_proj.weight").ne, (Ne{256, 1280}));
  EXPECT_EQ(find(w, "blk.4.altup_predict_coef.weight").ne, (Ne{4, 16}));
  EXPECT_EQ(find(w, "blk.4.laurel_r.weight").ne, (Ne{64, 256}));
  EXPECT_EQ(find(w, "blk.0.inp_gate.weight").ne, (Ne{256, 256}));
  // Under Q8_0 the AltUp and LAuReL matrices stay 16-bit (llama-quant.cpp): 256 x 256 x 3 x 2 B.
  const QuantMix q8 = mix("Q8_0", "q8_0");
  EXPECT_EQ(find(model_writer(m, q8, types()), "altup_proj.weight").nbytes, 393216u);
  expect_bytes_balance(m, kF16);
  expect_bytes_balance(m, q8);
  m.per_layer.laurel_rank = 32;  // llama.cpp would read rank 64 whatever the file holds
  EXPECT_THROW(model_writer(m, kF16, types()), std::invalid_argument);
}

// gemma4 (models/gemma4.cpp): 6 blocks (sliding, full) x3, sliding 2 KV heads x 64, full 1 KV head x
// 128 with K = V (no attn_v), the last 2 blocks sharing KV, a 1024-wide MLP on them, per-layer
// embeddings of 64, a layer scalar. Keys: key_length 128 (full) and key_length_swa 64, head_count_kv
// and feed_forward_length per block. Tensors: token_embd, per_layer_token_embd {6 x 64, 512},
// output_norm, rope_freqs {64} (generated by the converter: a deviation), per_layer_model_proj and
// its norm; sliding blocks 17, full blocks 16.
TEST(GgufFamilies, Gemma4GlobalLayersKvSharingPerLayerInputs) {
  ModelSpec m = base("gemma4", 6);
  m.norms_per_layer = 4;
  m.qk_norm = true;
  m.tied_embeddings = true;
  m.layer_pattern = {LayerKind::sliding, LayerKind::full};
  m.sliding_window = 128;
  m.head_dim_full = 128;
  m.kv_heads_full = 1;
  m.full_k_eq_v = true;
  m.kv_shared_layers = 2;
  m.ffn_kv_shared = 1024;
  m.per_layer.embed_dim = 64;
  m.per_layer.layer_scalar = true;
  const Writer w = model_writer(m, kF16, types());
  auto kv = metadata(w);
  EXPECT_EQ(kv["gemma4.attention.key_length"].number, 128);
  EXPECT_EQ(kv["gemma4.attention.key_length_swa"].number, 64);
  EXPECT_EQ(kv["gemma4.attention.head_count_kv"].array, (Ne{2, 1, 2, 1, 2, 1}));
  EXPECT_EQ(kv["gemma4.feed_forward_length"].array, (Ne{512, 512, 512, 512, 1024, 1024}));
  EXPECT_EQ(kv["gemma4.attention.shared_kv_layers"].number, 2);
  EXPECT_EQ(kv["gemma4.attention.sliding_window_pattern"].array, (Ne{1, 0, 1, 0, 1, 0}));
  EXPECT_EQ(kv["gemma4.embedding_length_per_layer_input"].number, 64);
  EXPECT_EQ(w.tensors().size(), 6u + 3u * 17u + 3u * 16u);
  EXPECT_FALSE(has(w, "blk.1.attn_v.weight"));
  EXPECT_EQ(find(w, "blk.1.attn_k.weight").ne, (Ne{256, 128}));
  EXPECT_EQ(find(w, "blk.1.attn_q.weight").ne, (Ne{256, 512}));
  EXPECT_EQ(find(w, "blk.5.ffn_up.weight").ne, (Ne{256, 1024}));
  EXPECT_EQ(find(w, "rope_freqs.weight").ne, (Ne{64}));
  EXPECT_EQ(find(w, "blk.0.layer_output_scale.weight").ne, (Ne{1}));
  const FileTensors f = file_tensors(m, kF16, types());
  ASSERT_EQ(f.deviations.size(), 1u);
  EXPECT_EQ(f.extra_bytes(), 64 * 4);  // rope_freqs, f32
  expect_bytes_balance(m, kF16);
}

// gemma4 MoE: the dense MLP runs beside the experts under its plain names; 8 norm vectors per block,
// the last of them the router's input scale ffn_gate_inp.scale.
TEST(GgufFamilies, Gemma4MoeKeepsTheDenseMlpBesideTheExperts) {
  ModelSpec m = base("gemma4", 2);
  m.norms_per_layer = 8;
  m.qk_norm = true;
  m.tied_embeddings = true;
  m.layer_pattern = {LayerKind::sliding, LayerKind::full};
  m.sliding_window = 128;
  moe(m, 4, 2, 128);
  m.moe.shared_experts = 1;
  m.moe.shared_ffn = 512;
  m.per_layer.layer_scalar = true;
  const Writer w = model_writer(m, kF16, types());
  auto kv = metadata(w);
  EXPECT_EQ(kv["gemma4.feed_forward_length"].number, 512);
  EXPECT_EQ(kv["gemma4.expert_feed_forward_length"].number, 128);
  EXPECT_EQ(find(w, "blk.0.ffn_down.weight").ne, (Ne{512, 256}));
  EXPECT_EQ(find(w, "blk.0.ffn_gate_inp.scale").ne, (Ne{256}));
  EXPECT_TRUE(has(w, "blk.1.post_ffw_norm_2.weight"));
  EXPECT_FALSE(has(w, "blk.0.ffn_up_shexp.weight"));
  expect_bytes_balance(m, kF16);
}

TEST(GgufFamilies, RefusesWhatLlamaCppWouldNotLoad) {
  ModelSpec full_qk = base("qwen3");  // qwen3 norms one head
  full_qk.qk_norm = full_qk.qk_norm_full = true;
  EXPECT_THROW(model_writer(full_qk, kF16, types()), std::invalid_argument);
  ModelSpec unknown = base("bert");
  EXPECT_THROW(model_writer(unknown, kF16, types()), std::invalid_argument);
  ModelSpec swa = base("llama");
  swa.layer_pattern = {LayerKind::sliding, LayerKind::full};
  swa.sliding_window = 128;
  EXPECT_THROW(model_writer(swa, kF16, types()), std::invalid_argument);
  ModelSpec norms = base("qwen3_moe");  // qwen3moe needs QK norms
  moe(norms, 8, 2, 128);
  EXPECT_THROW(model_writer(norms, kF16, types()), std::invalid_argument);
  ModelSpec glm = base("glm4_moe");  // glm4moe.cpp requires exp_probs_b
  moe(glm, 8, 2, 128);
  glm.moe.shared_experts = 1;
  EXPECT_THROW(model_writer(glm, kF16, types()), std::invalid_argument);
}

}  // namespace
}  // namespace vramfit::gguf
