// llama.cpp's CPU_REPACK copy (vramfit/repack.hpp). Expected values worked out by hand from the shapes
// and the block sizes (Q4_0 and Q4_K both 0.5625 bytes per weight: 18 B / 32, 144 B / 256), checked
// against the CPU_REPACK lines real llama.cpp printed on an AVX-512 CPU (docs/llamacpp-cpu.md, "Memory").
#include <gtest/gtest.h>

#include "fixtures.hpp"
#include "vramfit/placement.hpp"
#include "vramfit/repack.hpp"

namespace vramfit {
namespace {

using test::types;

// "Llama-3.2-1B": hidden 2048, ffn 8192, 16 layers, 32 heads, 8 KV heads, head_dim 64, tied.
ModelSpec llama_3_2_1b() {
  ModelSpec m = test::llama_3_1_8b();
  m.id = "llama-3.2-1b";
  m.layers = 16;
  m.hidden = 2048;
  m.heads = 32;
  m.kv_heads = 8;
  m.head_dim_k = m.head_dim_v = 64;
  m.ffn = 8192;
  m.tied_embeddings = true;
  return m;
}

// "Llama-3.2-3B": hidden 3072, ffn 8192, 28 layers, 24 heads, 8 KV heads, head_dim 128, tied.
ModelSpec llama_3_2_3b() {
  ModelSpec m = llama_3_2_1b();
  m.id = "llama-3.2-3b";
  m.layers = 28;
  m.hidden = 3072;
  m.heads = 24;
  m.head_dim_k = m.head_dim_v = 128;
  return m;
}

const CpuFeatures kAvx2 = parse_cpu_features("avx2");
const CpuFeatures kAvx512 = parse_cpu_features("avx512,avx512_vnni");
const CpuFeatures kArmI8mm = parse_cpu_features("neon,dotprod,i8mm");

TEST(CpuFeatures, ParsesListsAndAddsImpliedFeatures) {
  EXPECT_FALSE(parse_cpu_features("none").any());
  EXPECT_FALSE(parse_cpu_features("").any());
  const CpuFeatures a = parse_cpu_features("AVX512");
  EXPECT_TRUE(a.avx2 && a.avx512);
  EXPECT_EQ(to_string(a), "avx2,avx512");
  const CpuFeatures b = parse_cpu_features("i8mm sve256");
  EXPECT_TRUE(b.neon && b.i8mm && b.sve && b.sve256);
  EXPECT_EQ(to_string(parse_cpu_features("asimd,asimddp")), "neon,dotprod");  // Linux's ARM names
  EXPECT_EQ(to_string(CpuFeatures{}), "none");
  EXPECT_TRUE(parse_cpu_features("amx,avx512_vnni").amx_buffer());
  // Every AMX-INT8 CPU (Sapphire Rapids and later) has AVX-512 VNNI: "amx" alone builds the AMX buffer.
  EXPECT_EQ(to_string(parse_cpu_features("amx")), "avx2,avx512,avx512_vnni,amx");
  EXPECT_TRUE(parse_cpu_features("amx").amx_buffer());
  EXPECT_FALSE(parse_cpu_features("avx512_vnni").amx_buffer());
  EXPECT_THROW(parse_cpu_features("avx3"), CoreError);
}

// ggml_repack_get_optimal_repack_type(), one row per branch that vramfit models.
TEST(Repack, RuleFollowsRepackCpp) {
  struct Row {
    const char* type;
    std::int64_t rows;
    const char* cpu;
    bool repacked;
  };
  const Row rows[] = {
      {"q4_0", 4096, "avx2", true},      {"q4_0", 36, "avx2", false},       // 8x8 needs ne1 % 8
      {"q4_0", 36, "neon,dotprod", true}, {"q4_0", 36, "neon", false},     // 4x4 needs dotprod, ne1 % 4
      {"q4_0", 40, "sve256,i8mm", true}, {"q4_K", 4096, "avx2", true},     //
      {"q4_K", 36, "neon,i8mm", false},  {"q4_K", 4096, "none", false},    // Q4_K is 8 rows everywhere
      {"q2_K", 4096, "avx2", false},     {"q2_K", 4096, "avx512", true},   // Q2_K only with AVX-512
      {"q5_K", 4096, "avx512", false},   {"q5_K", 4096, "neon,dotprod", true},
      {"q6_K", 4096, "avx512", false},   {"q6_K", 4096, "neon,i8mm", true},
      {"iq4_nl", 4096, "avx2", true},    {"iq4_nl", 36, "neon,dotprod", true},
      {"mxfp4", 2880, "avx2", true},     {"mxfp4", 2880, "neon", false},
      {"q8_0", 4096, "avx512", false},   {"q8_0", 4096, "neon,i8mm", true}, {"q8_0", 4098, "neon,i8mm", false},
      {"f16", 4096, "avx512", false},    {"q5_0", 4096, "neon,i8mm", false}, {"iq4_xs", 4096, "avx512", false},
  };
  for (const Row& r : rows) EXPECT_EQ(repacks(r.type, r.rows, parse_cpu_features(r.cpu)), r.repacked) << r.type << " " << r.rows << " " << r.cpu;
}

// The six CPU_REPACK lines of docs/llamacpp-cpu.md. Q4_0: every block matrix (token_embd is a lookup, the
// head is Q6_K); Q4_K_M: the Q4_K ones (attn_v and ffn_down of the use_more_bits layers are Q6_K).
TEST(Repack, LlamaAgainstLlamaCppOnAvx512) {
  // 1B per block: q, o 2048^2; k, v 2048 x 512; gate, up, down 2048 x 8192 = 60,817,408 weights.
  EXPECT_EQ(repack_bytes(llama_3_2_1b(), test::mix_q4_0(), types(), kAvx512).total, Bytes(60817408LL * 18 / 32 * 16));
  EXPECT_EQ(Bytes(60817408LL * 18 / 32 * 16), mib(522));
  // Q4_K_M 1B: q, k, o, gate, up always (42,991,616 weights); v + down (17,825,792) on the 8 of 16 layers
  // use_more_bits() leaves (i = 2, 3, 5, 6, 8, 9, 11, 12).
  EXPECT_EQ(repack_bytes(llama_3_2_1b(), test::mix_q4_k_m(), types(), kAvx512).total,
            Bytes((42991616LL * 16 + 17825792LL * 8) * 144 / 256));
  EXPECT_EQ(Bytes((42991616LL * 16 + 17825792LL * 8) * 144 / 256), Bytes(mib(445).value() + mib(1).value() / 2));  // 445.50
  // 3B: 100,663,296 weights a block, 28 blocks: 1512 MiB.
  EXPECT_EQ(repack_bytes(llama_3_2_3b(), test::mix_q4_0(), types(), kAvx512).total, mib(1512));
  // Q4_K_M 3B: 72,351,744 always, v + down 28,311,552 on 14 of 28 layers: 1,362,493,440 B = 1299.375 MiB,
  // which llama.cpp prints as 1299.38.
  EXPECT_EQ(repack_bytes(llama_3_2_3b(), test::mix_q4_k_m(), types(), kAvx512).total, Bytes((72351744LL * 28 + 28311552LL * 14) * 9 / 16));
  EXPECT_EQ(Bytes((72351744LL * 28 + 28311552LL * 14) * 9 / 16), Bytes(1362493440));
  // 8B: 218,103,808 weights a block, 32 blocks: 3744 MiB; Q4_K_M: 16 of 32 layers keep v + down in Q4_K.
  EXPECT_EQ(repack_bytes(test::llama_3_1_8b(), test::mix_q4_0(), types(), kAvx512).total, mib(3744));
  EXPECT_EQ(repack_bytes(test::llama_3_1_8b(), test::mix_q4_k_m(), types(), kAvx512).total, mib(3204));
  // AVX2 alone gives the same: Q2_K is the only AVX-512 addition.
  EXPECT_EQ(repack_bytes(test::llama_3_1_8b(), test::mix_q4_k_m(), types(), kAvx2).total, mib(3204));
  const RepackBreakdown r = repack_bytes(test::llama_3_1_8b(), test::mix_q4_k_m(), types(), kAvx2);
  EXPECT_EQ(r.tensors, 32 * 5 + 16 * 2);
  EXPECT_EQ(r.types, std::vector<std::string>{"q4_K"});
  EXPECT_EQ(r.output, Bytes{0});
}

TEST(Repack, Q8_0OnlyOnArm) {
  EXPECT_EQ(repack_bytes(test::llama_3_1_8b(), test::mix_q8_0(), types(), kAvx512).total, Bytes{0});
  EXPECT_EQ(repack_bytes(test::llama_3_1_8b(), test::mix_q8_0(), types(), CpuFeatures{}).total, Bytes{0});
  // NEON with i8mm: every block matrix (218,103,808 weights x 34/32 B x 32) and the untied Q8_0 head
  // (4096 x 128256, rows % 4 == 0); never token_embd.
  const RepackBreakdown r = repack_bytes(test::llama_3_1_8b(), test::mix_q8_0(), types(), kArmI8mm);
  EXPECT_EQ(r.output, Bytes(4096LL * 128256 * 34 / 32));
  EXPECT_EQ(r.total, Bytes(218103808LL * 34 / 32 * 32 + 4096LL * 128256 * 34 / 32));
  EXPECT_EQ(r.per_layer[0], Bytes(218103808LL * 34 / 32));
  EXPECT_EQ(r.group(TensorGroup::embeddings), Bytes{0});
}

// A tied head whose type repacks: llama.cpp duplicates token_embd as `output` for the MUL_MAT
// (llama-model-loader.cpp, TENSOR_DUPLICATED), and that copy is repacked; the lookup is not.
TEST(Repack, TiedHeadIsTheOutputCopy) {
  QuantMix pure = test::mix_q4_0();
  pure.output = "q4_0";
  const RepackBreakdown r = repack_bytes(llama_3_2_1b(), pure, types(), kAvx2);
  EXPECT_EQ(r.output, Bytes(2048LL * 128256 * 18 / 32));
  EXPECT_EQ(r.total, mib(522) + r.output);
}

// A matrix whose row count is not a multiple of 8: not repacked on x86, repacked by the 4-row ARM layout.
TEST(Repack, RowsNotDivisibleByEight) {
  ModelSpec m = test::llama_3_1_8b();
  m.layers = 2;
  m.hidden = 64;
  m.heads = 4;
  m.kv_heads = 1;
  m.head_dim_k = m.head_dim_v = 16;
  m.ffn = 36;  // gate and up have 36 rows; down has rows of 36 weights, not whole Q4_0 blocks: F16
  m.vocab = 1000;
  QuantMix mix = test::mix_q4_0();
  // q, o 64 x 64; k, v 64 x 16: repacked. gate, up 64 x 36: not on AVX2, yes on NEON with dotprod.
  const std::int64_t attn = (2 * 64 * 64 + 2 * 64 * 16) * 18 / 32;
  EXPECT_EQ(repack_bytes(m, mix, types(), kAvx2).per_layer[0], Bytes(attn));
  // 64 x 36 Q4_0 = 1296 B, placed at 32-byte offsets in the buffer (ggml-alloc): 1312 B each.
  EXPECT_EQ(64 * 36 * 18 / 32, 1296);
  EXPECT_EQ(repack_bytes(m, mix, types(), parse_cpu_features("neon,dotprod")).per_layer[0], Bytes(attn + 2 * 1312));
}

// gpt-oss-20b MXFP4_MOE: the MXFP4 expert stacks (3 x 2880 x 2880 x 32 a block) are repacked on AVX2, the
// Q8_0 attention and head are not; a stack's ne[1] is one expert's rows (2880).
TEST(Repack, MxFp4ExpertsOfGptOss) {
  const RepackBreakdown r = repack_bytes(test::gpt_oss_20b(), test::mix_mxfp4_moe(), types(), kAvx2);
  const std::int64_t block = 3LL * 2880 * 2880 * 32 * 17 / 32;
  EXPECT_EQ(block, 423014400);
  EXPECT_EQ(r.per_layer_experts[5], Bytes(block));
  EXPECT_EQ(r.per_layer[5], Bytes(block));
  EXPECT_EQ(r.total, Bytes(block * 24));
  EXPECT_EQ(r.group(TensorGroup::experts), r.total);
  EXPECT_EQ(r.tensors, 3 * 24);
}

TEST(Repack, FileTensorsUseTheirOwnShape) {
  const ModelSpec m = test::llama_3_1_8b();
  std::vector<FileTensor> t;
  auto add = [&](std::string name, std::string type, TensorGroup g, int layer, std::int64_t ne0, std::int64_t ne1, std::int64_t ne2, std::int64_t bytes) {
    FileTensor f;
    f.name = std::move(name);
    f.type = std::move(type);
    f.group = g;
    f.layer = layer;
    f.elements = ne0 * ne1 * ne2;
    f.bytes = Bytes(bytes);
    f.dims = ne2 > 1 ? 3 : ne1 > 1 ? 2 : 1;
    f.ne1 = ne1;
    t.push_back(f);
  };
  add("token_embd.weight", "q4_0", TensorGroup::embeddings, -1, 4096, 128256, 1, 4096LL * 128256 * 18 / 32);
  add("blk.0.attn_q.weight", "q4_0", TensorGroup::attention, 0, 4096, 4096, 1, 4096LL * 4096 * 18 / 32);
  add("blk.0.attn_norm.weight", "f32", TensorGroup::norm, 0, 4096, 1, 1, 4096 * 4);
  add("blk.1.ffn_up.weight", "q4_K", TensorGroup::ffn, 1, 4096, 14336, 1, 4096LL * 14336 * 9 / 16);
  add("blk.1.ffn_down.weight", "q6_K", TensorGroup::ffn, 1, 14336, 4096, 1, 14336LL * 4096 * 210 / 256);
  add("output.weight", "q4_0", TensorGroup::output, -1, 4096, 128256, 1, 4096LL * 128256 * 18 / 32);
  const RepackBreakdown r = repack_bytes_from_file(m, t, kAvx2);
  EXPECT_EQ(r.per_layer[0], Bytes(4096LL * 4096 * 18 / 32));
  EXPECT_EQ(r.per_layer[1], Bytes(4096LL * 14336 * 9 / 16));
  EXPECT_EQ(r.output, Bytes(4096LL * 128256 * 18 / 32));
  EXPECT_EQ(r.total, r.per_layer[0] + r.per_layer[1] + r.output);
  EXPECT_EQ(r.tensors, 3);
}

// Placement: the host gets the copy of what it runs; a GPU's blocks and a head on the GPU are not copied.
TEST(Repack, PlacementCountsOnlyHostTensors) {
  const ModelSpec m = test::llama_3_1_8b();
  MemoryEstimate e = estimate_memory(m, test::mix_q4_0(), types(), Workload{});
  e.repack = repack_bytes(m, test::mix_q4_0(), types(), kAvx2);
  const Bytes block(218103808LL * 18 / 32);  // 122,683,392 B
  PlacementRequest cpu;
  cpu.cpu_repack = true;
  const Placement all = place(m, e, cpu);
  EXPECT_EQ(all.host.repack, mib(3744));
  EXPECT_EQ(all.host.total(), all.host.weights + all.host.kv + all.host.compute + all.host.overhead + all.host.output_buffer + mib(3744));

  PlacementRequest off = cpu;
  off.gpus.push_back(Target{"gpu"});
  // -ngl 20: blocks 12-31 on the GPU, blocks 0-11 and the output head (Q6_K: not repacked) in host memory.
  const Placement p = place_layers(m, e, off, 20);
  EXPECT_EQ(p.host.layer_count, 12);
  EXPECT_EQ(p.host.repack, Bytes(block.value() * 12));
  EXPECT_EQ(p.gpus.front().repack, Bytes{0});
  // Without the flag (a CUDA host buffer, --no-repack) nothing is copied.
  PlacementRequest cuda = off;
  cuda.cpu_repack = false;
  EXPECT_EQ(place_layers(m, e, cuda, 20).host.repack, Bytes{0});
}

// --n-cpu-moe beside a GPU without a host buffer type (Metal): the experts kept in host memory are copied.
TEST(Repack, ExpertsKeptInHostMemory) {
  const ModelSpec m = test::gpt_oss_20b();
  MemoryEstimate e = estimate_memory(m, test::mix_mxfp4_moe(), types(), Workload{});
  e.repack = repack_bytes(m, test::mix_mxfp4_moe(), types(), kAvx2);
  PlacementRequest req;
  req.gpus.push_back(Target{"gpu"});
  req.cpu_moe_layers = 4;
  req.cpu_repack = true;
  const Placement p = place_layers(m, e, req, m.layers + 1);
  EXPECT_EQ(p.host.expert_count, 4);
  EXPECT_EQ(p.host.repack, Bytes(423014400LL * 4));
}

const CpuFeatures kAmx = parse_cpu_features("amx");

// The AMX buffer's rule (ggml-cpu/amx/amx.cpp supports_op, common.h qtype_has_amx_kernels): a 2-D matrix
// whose rows are a multiple of 32 and whose row length is a multiple of 32 (Q4_0, Q4_1, Q8_0), 256
// (K-quants, IQ4_XS) or 16 (F16); only on a CPU with AMX.
TEST(Amx, RuleFollowsAmxCpp) {
  struct Row {
    const char* type;
    std::int64_t row_len, rows;
    bool taken;
  };
  const Row rows[] = {
      {"q4_0", 4096, 4096, true}, {"q4_1", 4096, 4096, true},  {"q8_0", 4096, 1024, true},  {"q4_K", 4096, 14336, true},
      {"q5_K", 4096, 4096, true}, {"q6_K", 14336, 4096, true}, {"iq4_xs", 4096, 4096, true}, {"f16", 4096, 4096, true},
      {"q4_0", 4096, 40, false},  {"q4_K", 2880, 4096, false},  // rows % 32; row length % 256
      {"q8_0", 2880, 2880, true}, {"f16", 72, 64, false},       // 2880 = 90 x 32; 72 % 16 != 0
      {"iq4_nl", 4096, 4096, false}, {"mxfp4", 2880, 2880, false}, {"bf16", 4096, 4096, false}, {"q2_K", 4096, 4096, false},
  };
  for (const Row& r : rows) EXPECT_EQ(amx_takes(r.type, r.row_len, r.rows, kAmx), r.taken) << r.type << " " << r.row_len << " x " << r.rows;
  EXPECT_FALSE(amx_takes("q4_0", 4096, 4096, kAvx512));  // AVX-512 VNNI without AMX
  // Packed sizes (mmq.cpp get_row_size): Q8_0 34 + 4 B per 32 weights, Q4_K 144 + 4 and Q5_K 176 + 4 per
  // 256, IQ4_XS 136 + 2; Q4_0, Q4_1, Q6_K and F16 keep their size.
  EXPECT_EQ(amx_bytes("q8_0", 4096, 1024, Bytes(4096LL * 1024 * 34 / 32)), Bytes(4096LL * 1024 * 38 / 32));
  EXPECT_EQ(amx_bytes("q4_K", 4096, 4096, Bytes(4096LL * 4096 * 144 / 256)), Bytes(4096LL * 4096 * 148 / 256));
  EXPECT_EQ(amx_bytes("q5_K", 4096, 4096, Bytes(4096LL * 4096 * 176 / 256)), Bytes(4096LL * 4096 * 180 / 256));
  EXPECT_EQ(amx_bytes("iq4_xs", 4096, 4096, Bytes(4096LL * 4096 * 136 / 256)), Bytes(4096LL * 4096 * 138 / 256));
  EXPECT_EQ(amx_bytes("q6_K", 4096, 4096, Bytes(4096LL * 4096 * 210 / 256)), Bytes(4096LL * 4096 * 210 / 256));
}

// Llama 3.1 8B Q8_0 on a Xeon with AMX: x86 CPU_REPACK takes no Q8_0, the AMX buffer takes every block
// matrix and the Q8_0 head (128256 rows = 4008 x 32), 38 B per 32 weights; token_embd stays mapped.
TEST(Amx, Q8_0LlamaGoesToTheAmxBuffer) {
  const RepackBreakdown r = repack_bytes(test::llama_3_1_8b(), test::mix_q8_0(), types(), kAmx);
  EXPECT_EQ(r.per_layer[0], Bytes(218103808LL / 32 * 38));  // 258,998,272 B
  EXPECT_EQ(r.output, Bytes(4096LL * 128256 / 32 * 38));    // 623,837,184 B
  EXPECT_EQ(r.total, Bytes(258998272LL * 32 + 623837184LL));  // 8,911,781,888 B
  EXPECT_EQ(r.amx, r.total);
  EXPECT_EQ(r.source, Bytes(218103808LL / 32 * 34 * 32 + 4096LL * 128256 / 32 * 34));  // the file's bytes of them
  EXPECT_EQ(r.amx_tensors, 32 * 7 + 1);
  EXPECT_EQ(r.amx_types, std::vector<std::string>{"q8_0"});
  EXPECT_EQ(r.tensors, 0);
  EXPECT_EQ(r.group(TensorGroup::embeddings), Bytes{0});
  // What a host holding half of it leaves reclaimable: the same share of the file's bytes.
  EXPECT_EQ(r.source_of(r.total), r.source);
  EXPECT_EQ(r.source_of(Bytes(r.total.value() / 2)), Bytes(r.source.value() / 2));
}

// Q4_K_M: the Q4_K matrices (5,972,688,896 weights: the 3204 MiB CPU_REPACK copies on AVX2) at 148 B per 256,
// and the Q6_K ones CPU_REPACK leaves on x86: attn_v + ffn_down of 16 layers (62,914,560 weights each) and
// the 4096 x 128256 head.
TEST(Amx, Q4_K_MLlamaTakesTheQ6_KTensorsToo) {
  const RepackBreakdown r = repack_bytes(test::llama_3_1_8b(), test::mix_q4_k_m(), types(), kAmx);
  const std::int64_t q4k = 5972688896LL, q6k = 62914560LL * 16 + 4096LL * 128256;
  EXPECT_EQ(Bytes(q4k * 144 / 256), mib(3204));
  EXPECT_EQ(r.total, Bytes(q4k / 256 * 148 + q6k / 256 * 210));  // 4,709,654,528 B
  EXPECT_EQ(r.total, Bytes(4709654528LL));
  EXPECT_EQ(r.source, Bytes(q4k / 256 * 144 + q6k / 256 * 210));
  EXPECT_EQ(r.output, Bytes(4096LL * 128256 / 256 * 210));  // 410.98 MiB
  EXPECT_EQ(r.amx_types, (std::vector<std::string>{"q4_K", "q6_K"}));
}

// gpt-oss-20b on AMX: the MXFP4 expert stacks are MUL_MAT_ID, which the AMX buffer does not run: they go
// to CPU_REPACK as on AVX2; the Q8_0 attention (q, o 2880 x 4096; k, v 2880 x 512) and head (2880 x 201088)
// go to AMX.
TEST(Amx, ExpertStacksStayInCpuRepack) {
  const RepackBreakdown r = repack_bytes(test::gpt_oss_20b(), test::mix_mxfp4_moe(), types(), kAmx);
  EXPECT_EQ(r.group(TensorGroup::experts), Bytes(423014400LL * 24));
  EXPECT_EQ(r.tensors, 3 * 24);
  EXPECT_EQ(r.types, std::vector<std::string>{"mxfp4"});
  const std::int64_t attn = 2LL * 2880 * 4096 + 2LL * 2880 * 512;  // 26,542,080 weights a block
  EXPECT_EQ(r.amx, Bytes(attn / 32 * 38 * 24 + 2880LL * 201088 / 32 * 38));
  EXPECT_EQ(r.amx, Bytes(1444170240LL));
  EXPECT_EQ(r.total, r.amx + Bytes(423014400LL * 24));
  EXPECT_EQ(r.per_layer_experts[3], Bytes(423014400LL));
}

// From a file: a 2-D Q4_0 matrix of 40 rows is not AMX's (40 % 32) but CPU_REPACK's (40 % 8).
TEST(Amx, FileTensorOutsideTheTilesFallsToCpuRepack) {
  ModelSpec m = test::llama_3_1_8b();
  std::vector<FileTensor> t(2);
  t[0].name = "blk.0.attn_q.weight", t[0].type = "q4_0", t[0].group = TensorGroup::attention, t[0].layer = 0;
  t[0].elements = 4096LL * 40, t[0].ne1 = 40, t[0].dims = 2, t[0].bytes = Bytes(4096LL * 40 * 18 / 32);
  t[1] = t[0];
  t[1].name = "blk.0.ffn_up.weight", t[1].type = "q8_0", t[1].group = TensorGroup::ffn;
  t[1].elements = 4096LL * 14336, t[1].ne1 = 14336, t[1].bytes = Bytes(4096LL * 14336 * 34 / 32);
  const RepackBreakdown r = repack_bytes_from_file(m, t, kAmx);
  EXPECT_EQ(r.tensors, 1);
  EXPECT_EQ(r.amx_tensors, 1);
  EXPECT_EQ(r.per_layer[0], Bytes(4096LL * 40 * 18 / 32 + 4096LL * 14336 / 32 * 38));
  EXPECT_EQ(r.amx, Bytes(4096LL * 14336 / 32 * 38));
}

}  // namespace
}  // namespace vramfit
