// A model as a GGUF file: llama.cpp tensor names, shapes, ggml type ids and offsets for a tiny
// Llama shape worked out by hand, and the file's tensor bytes equal to vramfit's weight estimate.
// Types and mixes are built here from ggml-common.h block layouts (methods.md §1.1), not from YAML.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "gguf_model.hpp"
#include "test_types.hpp"

namespace vramfit::gguf {
namespace {

const TypeTable& types() {
  static const TypeTable t{{tt("f32", 1, 4), tt("f16", 1, 2), tt("q4_0", 32, 18), tt("q8_0", 32, 34),
                            tt("q6_K", 256, 210, "q8_0"), tt("fp8", 1, 1)}};
  return t;
}

QuantMix mix(std::string id, std::string base, std::string output) {
  QuantMix m;
  m.id = std::move(id);
  m.base = std::move(base);
  m.output = std::move(output);
  return m;
}

// d 256, 2 blocks, 4 heads / 2 KV heads of 64, FFN 512, vocabulary 512, untied output.
ModelSpec tiny_llama() {
  ModelSpec m;
  m.id = "tiny";
  m.architecture = "llama";
  m.layers = 2;
  m.hidden = 256;
  m.heads = 4;
  m.kv_heads = 2;
  m.head_dim_k = m.head_dim_v = 64;
  m.ffn = 512;
  m.vocab = 512;
  m.max_context = 4096;
  return m;
}

const Tensor& find(const Writer& w, const std::string& name) {
  for (const Tensor& t : w.tensors())
    if (t.name == name) return t;
  throw std::runtime_error("no tensor " + name);
}

// The u32 value stored under `key` (located by its length-prefixed name in the header).
std::uint32_t u32_value(const std::string& header, const std::string& key) {
  std::string needle(8, '\0');
  const std::uint64_t n = key.size();
  std::memcpy(needle.data(), &n, 8);
  needle += key;
  const std::size_t pos = header.find(needle);
  if (pos == std::string::npos) throw std::runtime_error("no key " + key);
  std::uint32_t type = 0, v = 0;
  std::memcpy(&type, header.data() + pos + needle.size(), 4);
  EXPECT_EQ(type, 4u) << key;
  std::memcpy(&v, header.data() + pos + needle.size() + 4, 4);
  return v;
}

TEST(GgufModel, LlamaTensorNamesShapesAndTypes) {
  const Writer w = model_writer(tiny_llama(), mix("F16", "f16", "f16"), types());
  // token_embd, 9 per block (2 norms, q, k, v, output, gate, up, down), output_norm, output
  ASSERT_EQ(w.tensors().size(), 1u + 2u * 9u + 2u);
  EXPECT_EQ(w.tensors().front().name, "token_embd.weight");
  EXPECT_EQ(w.tensors().back().name, "output.weight");
  const Tensor& k = find(w, "blk.1.attn_k.weight");
  EXPECT_EQ(k.ne, (std::vector<std::int64_t>{256, 128}));  // {n_embd, n_embd_k_gqa = 2 x 64}
  EXPECT_EQ(k.type, 1u);                                    // GGML_TYPE_F16
  EXPECT_EQ(k.nbytes, 256u * 128u * 2u);
  const Tensor& down = find(w, "blk.0.ffn_down.weight");
  EXPECT_EQ(down.ne, (std::vector<std::int64_t>{512, 256}));  // {n_ff, n_embd}
  const Tensor& norm = find(w, "blk.0.ffn_norm.weight");
  EXPECT_EQ(norm.ne, (std::vector<std::int64_t>{256}));
  EXPECT_EQ(norm.type, 0u);  // norms stay F32
  EXPECT_EQ(find(w, "output_norm.weight").nbytes, 1024u);
}

TEST(GgufModel, DataOffsetsFollowTheTensorOrder) {
  const Writer w = model_writer(tiny_llama(), mix("F16", "f16", "f16"), types());
  // token_embd 256 x 512 x 2 = 262144; attn_norm and ffn_norm 1024 each; then attn_q.
  EXPECT_EQ(find(w, "blk.0.attn_norm.weight").offset, 262144u);
  EXPECT_EQ(find(w, "blk.0.ffn_norm.weight").offset, 263168u);
  EXPECT_EQ(find(w, "blk.0.attn_q.weight").offset, 264192u);
  // attn_q 256 x 256 x 2 = 131072 -> attn_k at 395264
  EXPECT_EQ(find(w, "blk.0.attn_k.weight").offset, 395264u);
  for (const Tensor& t : w.tensors()) EXPECT_EQ(t.offset % 32, 0u) << t.name;
}

TEST(GgufModel, TensorBytesMatchHandCountAndWeightEstimate) {
  // F16: embd 262144; per block 2048 + q 131072 + k, v 65536 + o 131072 + 3 x 262144 = 1181696;
  // output_norm 1024; output 262144. Total 262144 + 2 x 1181696 + 1024 + 262144 = 2888704.
  // Q8_0 (34 bytes per 32): embd 512 rows x 272 = 139264; per block 2048 + 69632 + 2 x 34816 + 69632
  // + 3 x 139264 = 628736; total 139264 + 2 x 628736 + 1024 + 139264 = 1537024.
  struct Row { QuantMix mix; std::uint64_t bytes; };
  for (const Row& r : {Row{mix("F16", "f16", "f16"), 2888704u}, Row{mix("Q8_0", "q8_0", "q8_0"), 1537024u}}) {
    const Writer w = model_writer(tiny_llama(), r.mix, types());
    std::uint64_t sum = 0;
    for (const Tensor& t : w.tensors()) sum += t.nbytes;
    EXPECT_EQ(sum, r.bytes) << r.mix.id;
    EXPECT_EQ(sum, static_cast<std::uint64_t>(weight_bytes(tiny_llama(), r.mix, types()).total.value())) << r.mix.id;
  }
}

TEST(GgufModel, MixedTypesPerTensor) {
  // Q4_0 keeps the output head in Q6_K (ggml type 14) and the rest in Q4_0 (type 2).
  const Writer w = model_writer(tiny_llama(), mix("Q4_0", "q4_0", "q6_K"), types());
  EXPECT_EQ(find(w, "output.weight").type, 14u);
  EXPECT_EQ(find(w, "output.weight").nbytes, 512u * 210u);  // 512 rows, one 256-block each
  EXPECT_EQ(find(w, "blk.0.attn_v.weight").type, 2u);
  EXPECT_EQ(find(w, "blk.0.attn_v.weight").nbytes, 128u * 8u * 18u);
}

TEST(GgufModel, MetadataForLlamaCpp) {
  const Writer w = model_writer(tiny_llama(), mix("Q8_0", "q8_0", "q8_0"), types());
  const std::string h = w.header();
  EXPECT_EQ(u32_value(h, "general.file_type"), 7u);  // LLAMA_FTYPE_MOSTLY_Q8_0
  EXPECT_EQ(u32_value(h, "llama.block_count"), 2u);
  EXPECT_EQ(u32_value(h, "llama.embedding_length"), 256u);
  EXPECT_EQ(u32_value(h, "llama.feed_forward_length"), 512u);
  EXPECT_EQ(u32_value(h, "llama.attention.head_count"), 4u);
  EXPECT_EQ(u32_value(h, "llama.attention.head_count_kv"), 2u);
  EXPECT_EQ(u32_value(h, "llama.attention.key_length"), 64u);
  EXPECT_EQ(u32_value(h, "llama.rope.dimension_count"), 64u);
  EXPECT_EQ(u32_value(h, "llama.context_length"), 4096u);
  EXPECT_EQ(u32_value(h, "tokenizer.ggml.bos_token_id"), 1u);
  EXPECT_NE(h.find("<0x0A>"), std::string::npos);  // SPM byte tokens: llama.cpp finds the newline
  ModelFileOptions opt;
  opt.context_length = 8192;
  EXPECT_EQ(u32_value(model_writer(tiny_llama(), mix("X", "f16", "f16"), types(), opt).header(), "llama.context_length"), 8192u);
  EXPECT_THROW(u32_value(model_writer(tiny_llama(), mix("X", "f16", "f16"), types()).header(), "general.file_type"),
               std::runtime_error);  // a mix without a llama_ftype gets no general.file_type
}

TEST(GgufModel, Qwen3NormsAndQwen2Biases) {
  ModelSpec q3 = tiny_llama();
  q3.architecture = "qwen3";
  q3.qk_norm = true;
  q3.tied_embeddings = true;
  const Writer w3 = model_writer(q3, mix("F16", "f16", "f16"), types());
  EXPECT_EQ(find(w3, "blk.0.attn_q_norm.weight").ne, (std::vector<std::int64_t>{64}));
  EXPECT_EQ(find(w3, "blk.1.attn_k_norm.weight").nbytes, 256u);
  EXPECT_THROW(find(w3, "output.weight"), std::runtime_error);  // tied: llama.cpp reuses token_embd
  ModelSpec q2 = tiny_llama();
  q2.architecture = "qwen2";
  q2.attn_bias = AttnBias::qkv;
  const Writer w2 = model_writer(q2, mix("F16", "f16", "f16"), types());
  EXPECT_EQ(find(w2, "blk.0.attn_q.bias").ne, (std::vector<std::int64_t>{256}));
  EXPECT_EQ(find(w2, "blk.0.attn_v.bias").ne, (std::vector<std::int64_t>{128}));
  for (const ModelSpec* m : {&q2, &q3}) {
    const Writer& w = m == &q2 ? w2 : w3;
    std::uint64_t sum = 0;
    for (const Tensor& t : w.tensors()) sum += t.nbytes;
    EXPECT_EQ(sum, static_cast<std::uint64_t>(weight_bytes(*m, mix("F16", "f16", "f16"), types()).total.value()));
  }
}

TEST(GgufModel, RefusesWhatItCannotExpress) {
  ModelSpec moe = tiny_llama();
  moe.moe.experts = 8;
  moe.moe.experts_per_token = 2;
  moe.moe.expert_ffn = 512;
  EXPECT_THROW(model_writer(moe, mix("F16", "f16", "f16"), types()), std::invalid_argument);
  ModelSpec swa = tiny_llama();
  swa.layer_pattern = {LayerKind::sliding, LayerKind::full};
  swa.sliding_window = 128;
  EXPECT_THROW(model_writer(swa, mix("F16", "f16", "f16"), types()), std::invalid_argument);
  ModelSpec gemma = tiny_llama();
  gemma.architecture = "gemma3";
  EXPECT_THROW(model_writer(gemma, mix("F16", "f16", "f16"), types()), std::invalid_argument);
  ModelSpec mistral = tiny_llama();
  mistral.architecture = "mistral";
  EXPECT_EQ(gguf_architecture(mistral), "llama");
  // A type llama.cpp cannot load (FP8 with per-row scales) has no ggml id.
  EXPECT_THROW(model_writer(tiny_llama(), mix("fp8", "fp8", "fp8"), types()), std::invalid_argument);
}

TEST(GgufModel, TypeIdsFromGgmlHeader) {
  EXPECT_EQ(ggml_type_id("q4_K"), 12u);
  EXPECT_EQ(ggml_type_id("Q4_K"), 12u);
  EXPECT_EQ(ggml_type_id("q6_K"), 14u);
  EXPECT_EQ(ggml_type_id("bf16"), 30u);
  EXPECT_EQ(ggml_type_id("mxfp4"), 39u);
  EXPECT_FALSE(ggml_type_id("nf4").has_value());
  EXPECT_EQ(llama_ftype_id("Q4_K_M"), 15u);
  EXPECT_FALSE(llama_ftype_id("hf-bf16").has_value());
}

}  // namespace
}  // namespace vramfit::gguf
