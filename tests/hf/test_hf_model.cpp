// read_hf_model on directories written by the test: HF tensor names -> groups and layers, exact
// bytes, logical parameter counts of packed tensors, MTP layers skipped.
#include <gtest/gtest.h>

#include "formats/hf_config.hpp"
#include "formats/safetensors.hpp"
#include "hf_test_util.hpp"
#include "vramfit/file_weights.hpp"
#include "vramfit/tensors.hpp"

namespace vramfit {
namespace {

struct T {
  std::string name;
  std::string dtype;
  std::vector<std::int64_t> shape;
};

// A safetensors file holding `ts` back to back; returns the data size.
std::uint64_t write_tensors(const std::string& file, const std::vector<T>& ts) {
  std::string h = "{";
  std::uint64_t off = 0;
  for (const T& t : ts) {
    std::int64_t n = 1;
    std::string shape;
    for (std::int64_t d : t.shape) {
      n *= d;
      shape += (shape.empty() ? "" : ",") + std::to_string(d);
    }
    const std::uint64_t bytes = static_cast<std::uint64_t>(n) * io::hf::safetensors_dtype_bits(t.dtype) / 8;
    h += (off || h.size() > 1 ? "," : "") + std::string("\"") + t.name + "\": {\"dtype\": \"" + t.dtype + "\", \"shape\": [" + shape +
         "], \"data_offsets\": [" + std::to_string(off) + ", " + std::to_string(off + bytes) + "]}";
    off += bytes;
  }
  test::write_safetensors(file, h + "}", off);
  return off;
}

// A 2-layer Llama: hidden 64, 4 heads, 2 KV heads (head_dim 16), FFN 128, vocab 256, untied.
const char* kTinyLlama = R"({"model_type": "llama", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
    "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 256, "max_position_embeddings": 2048,
    "torch_dtype": "bfloat16"})";

std::vector<T> llama_tensors(const std::string& dtype) {
  std::vector<T> v{{"model.embed_tokens.weight", dtype, {256, 64}}};
  for (int il = 0; il < 2; ++il) {
    const std::string p = "model.layers." + std::to_string(il) + ".";
    v.push_back({p + "self_attn.q_proj.weight", dtype, {64, 64}});
    v.push_back({p + "self_attn.k_proj.weight", dtype, {32, 64}});
    v.push_back({p + "self_attn.v_proj.weight", dtype, {32, 64}});
    v.push_back({p + "self_attn.o_proj.weight", dtype, {64, 64}});
    v.push_back({p + "mlp.gate_proj.weight", dtype, {128, 64}});
    v.push_back({p + "mlp.up_proj.weight", dtype, {128, 64}});
    v.push_back({p + "mlp.down_proj.weight", dtype, {64, 128}});
    v.push_back({p + "input_layernorm.weight", dtype, {64}});
    v.push_back({p + "post_attention_layernorm.weight", dtype, {64}});
  }
  v.push_back({"model.norm.weight", dtype, {64}});
  v.push_back({"lm_head.weight", dtype, {256, 64}});
  return v;
}

TEST(HfModel, DirectoryGivesExactBytesPerGroupAndLayer) {
  test::TempDir dir;
  test::write_text(dir.file("config.json"), kTinyLlama);
  const std::vector<T> ts = llama_tensors("BF16");
  // Split over two shards through an index, as sharded checkpoints do.
  write_tensors(dir.file("model-00001-of-00002.safetensors"), {ts.begin(), ts.begin() + 10});
  write_tensors(dir.file("model-00002-of-00002.safetensors"), {ts.begin() + 10, ts.end()});
  std::string map;
  for (std::size_t i = 0; i < ts.size(); ++i)
    map += (i ? "," : "") + std::string("\"") + ts[i].name + "\": \"model-0000" + (i < 10 ? "1" : "2") + "-of-00002.safetensors\"";
  test::write_text(dir.file("model.safetensors.index.json"), "{\"weight_map\": {" + map + "}}");

  const io::hf::HfModel m = io::hf::read_hf_model(dir.str());
  EXPECT_EQ(m.source_path, dir.file("config.json"));
  EXPECT_EQ(m.mix_id, "hf-bf16");
  ASSERT_EQ(m.tensors.size(), ts.size());
  // Hand count: embeddings 256*64 = 16384 params = 32768 B; per layer attention 64*64*2 + 32*64*2
  // = 12288 params, FFN 3*128*64 = 24576, norms 128; output 64 + 16384.
  const WeightBreakdown w = weight_bytes_from_file(m.spec, m.tensors);
  EXPECT_EQ(w.params, count_params(m.spec).total);
  EXPECT_EQ(w.params, 16384 + 2 * (12288 + 24576 + 128) + 64 + 16384);
  EXPECT_EQ(w.global_cpu, Bytes{32768});
  EXPECT_EQ(w.by_group[static_cast<std::size_t>(TensorGroup::attention)], Bytes{2 * 12288 * 2});
  EXPECT_EQ(w.by_group[static_cast<std::size_t>(TensorGroup::ffn)], Bytes{2 * 24576 * 2});
  EXPECT_EQ(w.by_group[static_cast<std::size_t>(TensorGroup::norm)], Bytes{2 * 128 * 2});
  EXPECT_EQ(w.output, Bytes{(64 + 16384) * 2});
  EXPECT_EQ(w.per_layer[1], Bytes{(12288 + 24576 + 128) * 2});
  EXPECT_EQ(m.tensors[0].type, "bf16");
  EXPECT_TRUE(m.notes.empty()) << ::testing::PrintToString(m.notes);

  // The config.json alone: the architecture, no tensor list.
  const io::hf::HfModel c = io::hf::read_hf_model(dir.file("config.json"));
  EXPECT_TRUE(c.tensors.empty());
  EXPECT_EQ(c.spec.layers, 2);
}

TEST(HfModel, GptqPackedTensorsCountTheirWeights) {
  test::TempDir dir;
  test::write_text(dir.file("config.json"),
                   std::string(kTinyLlama).insert(1, R"("quantization_config": {"quant_method": "gptq", "bits": 4, "group_size": 32}, )"));
  // q_proj as GPTQ: qweight I32 [64/8, 64], qzeros I32 [64/32, 64/8], scales F16 [2, 64], g_idx I32 [64].
  write_tensors(dir.file("model.safetensors"), {{"model.layers.0.self_attn.q_proj.qweight", "I32", {8, 64}},
                                                {"model.layers.0.self_attn.q_proj.qzeros", "I32", {2, 8}},
                                                {"model.layers.0.self_attn.q_proj.scales", "F16", {2, 64}},
                                                {"model.layers.0.self_attn.q_proj.g_idx", "I32", {64}}});
  const io::hf::HfModel m = io::hf::read_hf_model(dir.str());
  EXPECT_EQ(m.mix_id, "gptq-int4");
  ASSERT_EQ(m.tensors.size(), 4u);
  EXPECT_EQ(m.tensors[0].elements, 64 * 64);  // 8 x 64 int32 hold 4096 4-bit weights
  EXPECT_EQ(m.tensors[0].bytes, Bytes{2048});
  EXPECT_EQ(m.tensors[1].elements, 0);
  EXPECT_EQ(m.tensors[2].elements, 0);
  EXPECT_EQ(m.tensors[3].elements, 0);
  // The tensors hold far fewer parameters than config.json implies: a note, not an error.
  ASSERT_FALSE(m.notes.empty());
  EXPECT_NE(m.notes.back().find("config.json implies"), std::string::npos);
}

TEST(HfModel, Mxfp4BlocksCountTwoWeightsPerByte) {
  test::TempDir dir;
  // A 2-layer gpt-oss: 4 experts of 64 over hidden 64; MXFP4 stores 32 weights in 16 bytes + 1 scale byte.
  test::write_text(dir.file("config.json"), R"({"model_type": "gpt_oss", "hidden_size": 64, "intermediate_size": 64,
      "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16, "vocab_size": 256,
      "max_position_embeddings": 4096, "num_local_experts": 4, "num_experts_per_tok": 2, "sliding_window": 128,
      "attention_bias": true, "quantization_config": {"quant_method": "mxfp4"}, "torch_dtype": "bfloat16"})");
  write_tensors(dir.file("model.safetensors"), {{"model.layers.1.mlp.experts.gate_up_proj_blocks", "U8", {4, 128, 2, 16}},
                                                {"model.layers.1.mlp.experts.gate_up_proj_scales", "U8", {4, 128, 2}},
                                                {"model.layers.1.mlp.experts.gate_up_proj_bias", "BF16", {4, 128}},
                                                {"model.layers.1.mlp.router.weight", "BF16", {4, 64}}});
  const io::hf::HfModel m = io::hf::read_hf_model(dir.str());
  EXPECT_EQ(m.mix_id, "mxfp4");
  ASSERT_EQ(m.tensors.size(), 4u);
  EXPECT_EQ(m.tensors[0].elements, 4 * 128 * 64);  // 16,384 bytes hold 32,768 weights
  EXPECT_EQ(m.tensors[0].bytes, Bytes{16384});
  EXPECT_EQ(m.tensors[0].group, TensorGroup::experts);
  EXPECT_EQ(m.tensors[1].elements, 0);
  EXPECT_EQ(m.tensors[2].group, TensorGroup::experts);
  EXPECT_EQ(m.tensors[3].group, TensorGroup::shared);
  EXPECT_EQ(m.tensors[3].layer, 1);
}

struct Name {
  const char* name;
  TensorGroup group;
  int layer;
  bool skip;
};

class TensorNames : public ::testing::TestWithParam<Name> {};

TEST_P(TensorNames, PlaceByName) {
  ModelSpec m;
  m.layers = 61;  // DeepSeek-V3: layer 61 is the MTP block
  const io::hf::TensorPlace p = io::hf::place_hf_tensor(GetParam().name, m);
  EXPECT_EQ(p.skip, GetParam().skip) << GetParam().name;
  if (!p.skip) {
    EXPECT_EQ(p.group, GetParam().group) << GetParam().name;
    EXPECT_EQ(p.layer, GetParam().layer) << GetParam().name;
  }
}

constexpr auto A = TensorGroup::attention, F = TensorGroup::ffn, E = TensorGroup::experts, S = TensorGroup::shared,
               N = TensorGroup::norm, O = TensorGroup::output, M = TensorGroup::embeddings, V = TensorGroup::vision,
               Y = TensorGroup::ssm;

INSTANTIATE_TEST_SUITE_P(
    Hf, TensorNames,
    ::testing::Values(Name{"model.embed_tokens.weight", M, -1, false}, Name{"lm_head.weight", O, -1, false},
                      Name{"model.norm.weight", O, -1, false}, Name{"model.layers.3.self_attn.q_proj.weight", A, 3, false},
                      Name{"model.layers.3.self_attn.kv_a_layernorm.weight", A, 3, false},
                      Name{"model.layers.3.input_layernorm.weight", N, 3, false},
                      Name{"model.layers.3.pre_feedforward_layernorm.weight", N, 3, false},
                      Name{"model.layers.0.mlp.gate_proj.weight", F, 0, false},
                      Name{"model.layers.5.mlp.experts.17.down_proj.weight", E, 5, false},
                      Name{"model.layers.5.mlp.experts.gate_up_proj_blocks", E, 5, false},
                      Name{"model.layers.5.mlp.gate.weight", S, 5, false},
                      Name{"model.layers.5.mlp.gate.e_score_correction_bias", S, 5, false},
                      Name{"model.layers.5.mlp.router.weight", S, 5, false},
                      Name{"model.layers.5.mlp.shared_experts.up_proj.weight", S, 5, false},
                      Name{"model.layers.5.mlp.shared_expert_gate.weight", S, 5, false},
                      Name{"model.layers.5.block_sparse_moe.gate.weight", S, 5, false},
                      Name{"model.layers.5.block_sparse_moe.experts.3.w1.weight", E, 5, false},
                      Name{"model.layers.5.block_sparse_moe.input_linear.weight", E, 5, false},
                      Name{"model.layers.5.shared_mlp.input_linear.weight", S, 5, false},
                      Name{"model.layers.2.mamba.in_proj.weight", Y, 2, false},
                      Name{"model.layers.2.linear_attn.norm.weight", Y, 2, false},
                      Name{"model.layers.2.mamba.dt_layernorm.weight", Y, 2, false},
                      Name{"language_model.model.layers.7.feed_forward.experts.gate_up_proj", E, 7, false},
                      Name{"language_model.model.layers.7.feed_forward.router.weight", S, 7, false},
                      Name{"language_model.model.layers.7.feed_forward.shared_expert.down_proj.weight", S, 7, false},
                      Name{"vision_tower.vision_model.encoder.layers.3.mlp.fc1.weight", V, -1, false},
                      Name{"visual.blocks.3.attn.qkv.weight", V, -1, false},
                      Name{"multi_modal_projector.mm_input_projection_weight", V, -1, false},
                      Name{"model.layers.60.mlp.experts.3.up_proj.weight", E, 60, false},
                      Name{"model.layers.61.eh_proj.weight", O, 61, true},
                      Name{"model.layers.61.mlp.experts.3.up_proj.weight", E, 61, true},
                      Name{"model.mtp.0.layers.0.weight", O, -1, true}));

TEST(HfModel, MissingPiecesAreInputErrors) {
  test::TempDir dir;
  test::expect_input_error([&] { io::hf::read_hf_model(dir.str()); }, dir.str(), "no config.json in this directory");
  test::expect_input_error([&] { io::hf::read_hf_model(dir.file("nope")); }, dir.file("nope"), "no such file or directory");
  test::write_text(dir.file("config.json"), kTinyLlama);
  test::write_safetensors(dir.file("model.safetensors"), "{\"a\": ", 0);
  test::expect_input_error([&] { io::hf::read_hf_model(dir.str()); }, dir.file("model.safetensors"), "invalid JSON header");
}

}  // namespace
}  // namespace vramfit
