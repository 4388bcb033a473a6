// The log reader on the fixtures (tests/logs/fixtures, made as tests/logs/README.md says) and on
// single lines in each format it knows. Expected values are the numbers printed in the fixture lines.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "base/diagnostics.hpp"
#include "formats/runtime_log.hpp"

namespace {

using namespace vramfit::io;

const std::filesystem::path kFixtures = VRAMFIT_LOG_FIXTURES;

RuntimeLog fixture(const std::string& name) { return read_runtime_log((kFixtures / name).string()); }

double mib_of(const LlamaCppLog& L, const std::string& what, const std::string& device) {
  double s = 0;
  for (const LogBuffer& b : L.buffers)
    if (b.what == what && b.device == device) s += b.mib;
  return s;
}

TEST(RuntimeLog, CudaFullOffloadFixture) {
  const RuntimeLog log = fixture("llamacpp_cuda_full_llama31_8b_q4km.log");
  ASSERT_EQ(log.kind, LogKind::llamacpp);
  const LlamaCppLog& L = log.llama;
  EXPECT_EQ(L.arch.value, "llama");
  EXPECT_EQ(L.name.value, "Meta Llama 3.1 8B Instruct");  // the loader's general.name comes first
  EXPECT_EQ(L.file_type.value, "Q4_K - Medium");
  EXPECT_DOUBLE_EQ(L.file_size_gib.value, 4.58);
  EXPECT_DOUBLE_EQ(L.params_b.value, 8.03);
  EXPECT_EQ(L.n_layer.value, 32);
  EXPECT_EQ(L.n_embd.value, 4096);
  EXPECT_EQ(L.n_head.value, 32);
  EXPECT_EQ(L.n_head_kv.value, 8);
  EXPECT_EQ(L.n_vocab.value, 128256);
  EXPECT_EQ(L.n_ff.value, 14336);
  EXPECT_EQ(L.n_ctx_train.value, 131072);
  EXPECT_EQ(L.n_ctx.value, 4096);
  EXPECT_EQ(L.n_ctx_seq.value, 4096);
  EXPECT_EQ(L.n_seq_max.value, 1);
  EXPECT_EQ(L.n_batch.value, 2048);
  EXPECT_EQ(L.n_ubatch.value, 512);
  EXPECT_EQ(L.flash_attn.value, "auto");
  EXPECT_EQ(L.type_k.value, "f16");
  EXPECT_EQ(L.type_v.value, "f16");
  EXPECT_EQ(L.kv_cells.value, 4096);
  EXPECT_EQ(L.kv_layers.value, 32);
  EXPECT_EQ(L.offloaded.value, 33);
  EXPECT_EQ(L.offloadable.value, 33);
  EXPECT_EQ(L.offloaded.line, 89);
  // methods.md §1.3: 4403.49 MiB on the GPU + 281.81 MiB token_embd in host memory.
  EXPECT_DOUBLE_EQ(mib_of(L, "model", "CUDA0"), 4403.49);
  EXPECT_DOUBLE_EQ(mib_of(L, "model", "CPU_Mapped"), 281.81);
  EXPECT_DOUBLE_EQ(mib_of(L, "kv", "CUDA0"), 512.00);
  EXPECT_DOUBLE_EQ(mib_of(L, "compute", "CUDA0"), 258.50);
  EXPECT_DOUBLE_EQ(mib_of(L, "compute", "CUDA_Host"), 16.01);
  EXPECT_DOUBLE_EQ(mib_of(L, "output", "CUDA_Host"), 0.49);
  EXPECT_EQ(L.buffers.size(), 6u);
  ASSERT_EQ(L.breakdown.size(), 2u);
  const BreakdownRow& gpu = L.breakdown[0];
  EXPECT_EQ(gpu.device, "CUDA0");
  EXPECT_EQ(gpu.description, "RTX 4090");
  EXPECT_EQ(gpu.total, 24080);
  EXPECT_EQ(gpu.free, 18421);
  EXPECT_EQ(gpu.self, 5173);
  EXPECT_EQ(gpu.model, 4403);
  EXPECT_EQ(gpu.context, 512);
  EXPECT_EQ(gpu.compute, 258);
  EXPECT_EQ(gpu.unaccounted, 486);
  const BreakdownRow& host = L.breakdown[1];
  EXPECT_EQ(host.device, "Host");
  EXPECT_EQ(host.total, -1);
  EXPECT_EQ(host.self, 298);
  EXPECT_EQ(host.model, 281);
  EXPECT_EQ(host.compute, 16);
  EXPECT_TRUE(log.notes.empty());
}

TEST(RuntimeLog, CudaPartialOffloadFixture) {
  const LlamaCppLog L = fixture("llamacpp_cuda_partial_llama31_8b_q4km.log").llama;
  EXPECT_EQ(L.offloaded.value, 20);
  EXPECT_EQ(L.offloadable.value, 33);
  EXPECT_DOUBLE_EQ(mib_of(L, "model", "CUDA0"), 2495.31);       // blocks 12-31 (README: hand sum)
  EXPECT_DOUBLE_EQ(mib_of(L, "model", "CPU_Mapped"), 4685.30);  // the mmap'd range: the whole file
  EXPECT_DOUBLE_EQ(mib_of(L, "kv", "CUDA0"), 320.00);           // 20 of 32 layers x 16 MiB
  EXPECT_DOUBLE_EQ(mib_of(L, "kv", "CPU"), 192.00);
  EXPECT_DOUBLE_EQ(mib_of(L, "compute", "CUDA0"), 677.48);
  EXPECT_TRUE(L.breakdown.empty());
}

TEST(RuntimeLog, CpuLogFromNodeLlamaCpp) {
  // Captured on this project's CI machine: llama.cpp's CPU build inside node-llama-cpp 3.22.1.
  const LlamaCppLog L = fixture("llamacpp_cpu_node_llama_cpp.log").llama;
  EXPECT_EQ(L.name.value, "Llama 3.1 8B");
  EXPECT_EQ(L.n_layer.value, 32);
  EXPECT_FALSE(L.offloaded.known());  // a CPU-only build prints no offload line
  EXPECT_DOUBLE_EQ(mib_of(L, "model", "CPU_Mapped"), 4685.30);
  EXPECT_DOUBLE_EQ(mib_of(L, "model", "CPU_REPACK"), 3204.00);
  EXPECT_DOUBLE_EQ(mib_of(L, "kv", "CPU"), 512.00);
  EXPECT_DOUBLE_EQ(mib_of(L, "compute", "CPU"), 266.50);  // sched_reserve:, not the debug "size is" line
  EXPECT_DOUBLE_EQ(mib_of(L, "output", "CPU"), 0.49);
  EXPECT_EQ(L.buffers.size(), 5u);
  EXPECT_FALSE(L.cpu_features.known());  // node-llama-cpp prints no system_info line
}

TEST(RuntimeLog, SystemInfoCpuFeatures) {
  // "system_info: ... | CUDA : ARCHS = 890 | ... | CPU : SSE3 = 1 | ... | AVX2 = 1 | ... | REPACK = 1 |" (line 117).
  const LlamaCppLog L = fixture("llamacpp_cuda_full_llama31_8b_q4km.log").llama;
  EXPECT_EQ(L.cpu_features.value, "avx2");
  EXPECT_EQ(L.cpu_features.line, 117);
  EXPECT_TRUE(L.cpu_repack_built);
  const LlamaCppLog arm = parse_runtime_log(
      "system_info: n_threads = 8 | CPU : NEON = 1 | ARM_FMA = 1 | FP16_VA = 1 | MATMUL_INT8 = 1 | SVE = 1 | DOTPROD = 1 | SVE_CNT = 32 | OPENMP = 1 |\n"
      "load_tensors:   CPU_Mapped model buffer size =  4685.30 MiB\n", "arm.log").llama;
  EXPECT_EQ(arm.cpu_features.value, "neon,i8mm,sve,dotprod,sve256");
  EXPECT_FALSE(arm.cpu_repack_built);  // no REPACK = 1: a build without the repack buffer
}

// Old Vulkan builds name the device by the GPU's name, spaces and all (issue 20's pasted excerpts).
TEST(RuntimeLog, BufferDevicesWithSpaces) {
  const LlamaCppLog L = parse_runtime_log(
      "llm_load_tensors: AMD Radeon RX 7900 XTX (RADV NAVI31) buffer size = 12345.67 MiB\n"
      "llm_load_tensors:        CPU buffer size =   281.81 MiB\n"
      "llama_kv_cache_init: AMD Radeon RX 7900 XTX (RADV NAVI31) KV buffer size =   512.00 MiB\n"
      "llama_new_context_with_model: AMD Radeon RX 7900 XTX (RADV NAVI31) compute buffer size =   258.50 MiB\n"
      "llama_new_context_with_model: Vulkan_Host compute buffer size =    16.01 MiB\n", "vulkan.log").llama;
  ASSERT_EQ(L.buffers.size(), 5u);
  EXPECT_EQ(L.buffers[0].device, "AMD Radeon RX 7900 XTX (RADV NAVI31)");
  EXPECT_EQ(L.buffers[0].what, "model");
  EXPECT_DOUBLE_EQ(L.buffers[0].mib, 12345.67);
  EXPECT_EQ(L.buffers[1].device, "CPU");
  EXPECT_EQ(L.buffers[2].what, "kv");
  EXPECT_EQ(L.buffers[2].device, "AMD Radeon RX 7900 XTX (RADV NAVI31)");
  EXPECT_EQ(L.buffers[3].what, "compute");
  EXPECT_EQ(L.buffers[4].device, "Vulkan_Host");
}

TEST(RuntimeLog, VllmFixture) {
  const RuntimeLog log = fixture("vllm_llama31_8b_h100.log");
  ASSERT_EQ(log.kind, LogKind::vllm);
  const VllmLog& V = log.vllm;
  EXPECT_EQ(V.model.value, "meta-llama/Llama-3.1-8B-Instruct");
  EXPECT_EQ(V.version.value, "0.10.1.1");
  EXPECT_EQ(V.dtype.value, "bfloat16");
  EXPECT_EQ(V.kv_cache_dtype.value, "auto");
  EXPECT_EQ(V.max_model_len.value, 8192);
  EXPECT_EQ(V.tensor_parallel.value, 1);
  EXPECT_FALSE(V.enforce_eager.value);
  EXPECT_DOUBLE_EQ(V.weights_gib.value, 14.9889);
  EXPECT_DOUBLE_EQ(V.available_kv_gib.value, 53.76);
  EXPECT_EQ(V.kv_tokens.value, 440400);
  EXPECT_EQ(V.concurrency_tokens.value, 8192);
  EXPECT_DOUBLE_EQ(V.max_concurrency.value, 53.76);
  EXPECT_DOUBLE_EQ(V.cuda_graph_gib.value, 0.56);
  EXPECT_FALSE(V.gpu_memory_utilization.known());  // the default 0.9 is not printed by V1
}

TEST(RuntimeLog, OllamaPsFixture) {
  const RuntimeLog log = fixture("ollama_ps.txt");
  ASSERT_EQ(log.kind, LogKind::ollama_ps);
  ASSERT_EQ(log.ollama.size(), 2u);
  EXPECT_EQ(log.ollama[0].name, "llama3.1:8b");
  EXPECT_EQ(log.ollama[0].id, "46e0c10c039e");
  EXPECT_DOUBLE_EQ(log.ollama[0].size_bytes, 5.8e9);
  EXPECT_EQ(log.ollama[0].gpu_percent, 100);
  EXPECT_EQ(log.ollama[0].context, 4096);
  EXPECT_EQ(log.ollama[0].line, 2);
  EXPECT_EQ(log.ollama[1].name, "qwen3:30b-a3b");
  EXPECT_DOUBLE_EQ(log.ollama[1].size_bytes, 19e9);
  EXPECT_EQ(log.ollama[1].processor, "26%/74% CPU/GPU");
  EXPECT_EQ(log.ollama[1].gpu_percent, 74);
}

TEST(RuntimeLog, OllamaPsWithoutContextColumn) {
  const RuntimeLog log = parse_runtime_log(
      "NAME          ID              SIZE     PROCESSOR    UNTIL\n"
      "gemma3:27b    a418f5838eaf    21 GB    100% CPU     4 minutes from now\n",
      "ps.txt");
  ASSERT_EQ(log.ollama.size(), 1u);
  EXPECT_EQ(log.ollama[0].context, 0);
  EXPECT_EQ(log.ollama[0].gpu_percent, 0);
  EXPECT_DOUBLE_EQ(log.ollama[0].size_bytes, 21e9);
}

// One line each, in the spellings of mainline llama.cpp and of ik_llama.cpp / older builds.
struct LineCase {
  const char* line;
  const char* what;
  const char* device;
  double mib;
};

TEST(RuntimeLog, BufferLineSpellings) {
  const LineCase cases[] = {
      {"load_tensors:        CUDA0 model buffer size =  4403.49 MiB", "model", "CUDA0", 4403.49},
      {"llm_load_tensors: CPU buffer size = 13189.86 MiB", "model", "CPU", 13189.86},
      {"llm_load_tensors:      CUDA1 buffer size = 22587.26 MiB", "model", "CUDA1", 22587.26},
      {"llama_kv_cache_init: CUDA_Host KV buffer size = 400.00 MiB", "kv", "CUDA_Host", 400.00},
      {"llama_kv_cache_unified: CPU KV buffer size = 1598.00 MiB", "kv", "CPU", 1598.00},
      // llama.cpp of early 2025 (llama_kv_cache_unified::init), measured_memory.yaml's Qwen3-235B Q8_0 run.
      {"init:      CUDA0 KV buffer size =  6016.00 MiB", "kv", "CUDA0", 6016.00},
      // ik_llama.cpp's pinned host copy of token_embd beside the GPU weights.
      {"llm_load_tensors:  CUDA_Host buffer size =   630.59 MiB", "model", "CUDA_Host", 630.59},
      {"llama_memory_recurrent:        CPU RS buffer size =    50.25 MiB", "rs", "CPU", 50.25},
      {"llama_new_context_with_model: CUDA0 compute buffer size = 672.01 MiB", "compute", "CUDA0", 672.01},
      {"llama_context:      Metal compute buffer size =   258.50 MiB", "compute", "Metal", 258.50},
      {"graph_reserve:  CUDA_Host compute buffer size =    16.01 MiB", "compute", "CUDA_Host", 16.01},
      {"llama_context:        CPU  output buffer size =     0.49 MiB", "output", "CPU", 0.49},
      // A timestamped front end ("-lv" / llama-server's log prefix) before the function name.
      {"0.01.234.567 I load_tensors:   CPU_Mapped model buffer size =   281.81 MiB", "model", "CPU_Mapped", 281.81},
  };
  for (const LineCase& c : cases) {
    const RuntimeLog log = parse_runtime_log(c.line, "x.log");
    ASSERT_EQ(log.llama.buffers.size(), 1u) << c.line;
    EXPECT_EQ(log.llama.buffers[0].what, c.what) << c.line;
    EXPECT_EQ(log.llama.buffers[0].device, c.device) << c.line;
    EXPECT_DOUBLE_EQ(log.llama.buffers[0].mib, c.mib) << c.line;
    EXPECT_EQ(log.llama.buffers[0].line, 1);
  }
}

TEST(RuntimeLog, KvTypeSpellings) {
  struct {
    const char* line;
    const char* k;
    const char* v;
    std::int64_t cells;
  } cases[] = {
      {"llama_kv_cache_unified: kv_size = 16384, type_k = 'q8_0', type_v = 'q8_0', n_layer = 94, can_shift = 1, padding = 256", "q8_0", "q8_0", 16384},
      {"llama_kv_cache: size =  512.00 MiB (  4096 cells,  32 layers,  1/1 seqs), K (f16):  256.00 MiB, V (f16):  256.00 MiB", "f16", "f16", 4096},
      {"llama_new_context_with_model: KV self size = 1248.00 MiB, K (q8_0): 816.00 MiB, V (q4_0): 432.00 MiB", "q8_0", "q4_0", 0},
      {"init: kv_size = 32768, offload = 1, type_k = 'f16', type_v = 'f16', n_layer = 94, can_shift = 1", "f16", "f16", 32768},
      // ik_llama.cpp's MLA latent: the K side only, V is no cache of its own ("kv^T: not used").
      {"llama_new_context_with_model: KV self size =  583.31 MiB, c^KV (q8_0):  583.31 MiB, kv^T: not used", "q8_0", "", 0},
  };
  for (const auto& c : cases) {
    const std::string text = std::string(c.line) + "\nllama_kv_cache: CPU KV buffer size = 1.00 MiB\n";
    const LlamaCppLog L = parse_runtime_log(text, "x.log").llama;
    EXPECT_EQ(L.type_k.value, c.k) << c.line;
    EXPECT_EQ(L.type_v.value, c.v) << c.line;
    EXPECT_EQ(L.kv_cells.value, c.cells) << c.line;
  }
}

// The K and V sizes of the KV line, which tell an MLA log's layout (vramfit/mla_layout.hpp); the lines of
// the DeepSeek-V3-0324 and Kimi-K2 excerpts of reference/measured_memory.yaml.
TEST(RuntimeLog, KvSizesOfTheKvLine) {
  struct {
    const char* line;
    double k, v;  // MiB; -1: not printed
  } cases[] = {
      // mainline before PR #19067: the latent as K (61 x 576) and its rank part as V (61 x 512), 16384 cells
      {"llama_kv_cache_unified: KV self size = 2074.00 MiB, K (f16): 1098.00 MiB, V (f16): 976.00 MiB", 1098.00, 976.00},
      // ik_llama.cpp -mla 0: per-head K (64 x 192) and V (64 x 128), 512 cells
      {"llama_new_context_with_model: KV self size =  1220.00 MiB, K (f16):  732.00 MiB, V (f16):  488.00 MiB", 732.00, 488.00},
      // ik_llama.cpp -mla 3: the latent alone
      {"llama_new_context_with_model: KV self size =  583.31 MiB, c^KV (q8_0):  583.31 MiB, kv^T: not used", 583.31, -1},
      {"llama_kv_cache: size =  512.00 MiB (  4096 cells,  32 layers,  1/1 seqs), K (f16):  256.00 MiB, V (f16):  256.00 MiB", 256.00, 256.00},
  };
  for (const auto& c : cases) {
    const std::string text = std::string(c.line) + "\nllama_kv_cache: CPU KV buffer size = 1.00 MiB\n";
    const LlamaCppLog L = parse_runtime_log(text, "x.log").llama;
    EXPECT_DOUBLE_EQ(L.kv_k_mib.value, c.k) << c.line;
    if (c.v < 0) {
      EXPECT_FALSE(L.kv_v_mib.known()) << c.line;
    } else {
      EXPECT_DOUBLE_EQ(L.kv_v_mib.value, c.v) << c.line;
    }
  }
  try {
    (void)parse_runtime_log("llama_kv_cache_unified: KV self size = 1 MiB, K (f16): 1e15 MiB, V (f16): 1 MiB\n", "x.log");
    ADD_FAILURE() << "a K size of 1e15 MiB accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "x.log:1: KV size (MiB) = 1e+15 is out of range [0, 1073741824]");
  }
}

// The old function names (ik_llama.cpp, mainline before 2025) mark a build whose graph is not mainline's.
TEST(RuntimeLog, OldFunctionNamesAreNoted) {
  EXPECT_TRUE(parse_runtime_log("llm_load_tensors: CPU buffer size = 45509.83 MiB\n", "x.log").llama.old_names);
  EXPECT_TRUE(parse_runtime_log("llama_new_context_with_model: CPU compute buffer size = 2778.01 MiB\n", "x.log").llama.old_names);
  EXPECT_FALSE(parse_runtime_log("load_tensors: CPU_Mapped model buffer size = 47091.25 MiB\n", "x.log").llama.old_names);
}

TEST(RuntimeLog, KvLinesOfEarly2025Builds) {
  // llama.cpp as pasted in ik_llama.cpp discussion 357 (measured_memory.yaml, Qwen3-235B-A22B Q8_0): the
  // KV cache prints from llama_kv_cache_unified::init, the total from llama_context. A llama-server slot
  // line with the same prefix adds nothing.
  const LlamaCppLog L = parse_runtime_log(
      "llama_context: n_ctx         = 32768\n"
      "init: kv_size = 32768, offload = 1, type_k = 'f16', type_v = 'f16', n_layer = 94, can_shift = 1\n"
      "init:      CUDA0 KV buffer size =  6016.00 MiB\n"
      "llama_context: KV self size  = 6016.00 MiB, K (f16): 3008.00 MiB, V (f16): 3008.00 MiB\n"
      "srv          init: initializing slots, n_slots = 1\n", "x.log").llama;
  EXPECT_EQ(L.n_ctx.value, 32768);
  EXPECT_EQ(L.kv_cells.value, 32768);
  EXPECT_EQ(L.kv_layers.value, 94);
  EXPECT_EQ(L.kv_cells.line, 2);
  EXPECT_EQ(L.type_k.value, "f16");
  EXPECT_EQ(L.type_v.value, "f16");
  ASSERT_EQ(L.buffers.size(), 1u);
  EXPECT_EQ(L.buffers[0].what, "kv");
  EXPECT_DOUBLE_EQ(L.buffers[0].mib, 6016.00);
  EXPECT_EQ(L.buffers[0].line, 3);
}

TEST(RuntimeLog, BothCachesOfASlidingWindowModel) {
  // Mainline llama.cpp build 8164, gpt-oss-20b on Metal (measured_memory.yaml): llama_kv_cache_iswa makes
  // a full cache of 12 layers x 131072 cells and a window cache of 12 layers x 768 cells; each prints its
  // buffer and size. Both buffers are KV; cells and layers are the first (full) cache's.
  const LlamaCppLog L = parse_runtime_log(
      "llama_kv_cache_iswa: creating non-SWA KV cache, size = 131072 cells\n"
      "llama_kv_cache:       MTL0 KV buffer size =  3072.00 MiB\n"
      "llama_kv_cache: size = 3072.00 MiB (131072 cells,  12 layers,  1/1 seqs), K (f16): 1536.00 MiB, V (f16): 1536.00 MiB\n"
      "llama_kv_cache_iswa: creating     SWA KV cache, size = 768 cells\n"
      "llama_kv_cache:       MTL0 KV buffer size =    18.00 MiB\n"
      "llama_kv_cache: size =   18.00 MiB (   768 cells,  12 layers,  1/1 seqs), K (f16):    9.00 MiB, V (f16):    9.00 MiB\n",
      "x.log").llama;
  EXPECT_DOUBLE_EQ(mib_of(L, "kv", "MTL0"), 3090.00);  // 3072 + 18
  EXPECT_EQ(L.buffers.size(), 2u);
  EXPECT_EQ(L.kv_cells.value, 131072);
  EXPECT_EQ(L.kv_layers.value, 12);
  EXPECT_EQ(L.type_k.value, "f16");
}

TEST(RuntimeLog, MixFromFileType) {
  const std::pair<const char*, const char*> cases[] = {
      {"Q4_K - Medium", "Q4_K_M"}, {"Q3_K - Small", "Q3_K_S"},     {"Q3_K - Large", "Q3_K_L"},
      {"Q2_K - Medium", "Q2_K"},   {"Q2_K - Small", "Q2_K_S"},     {"Q8_0", "Q8_0"},
      {"Q6_K", "Q6_K"},            {"MXFP4 MoE", "MXFP4_MOE"},     {"all F32", "F32"},
      {"BF16", "BF16"},            {"IQ4_XS - 4.25 bpw", "IQ4_XS"}, {"IQ3_S mix - 3.66 bpw", "IQ3_M"},
      {"Q4_K - Medium (guessed)", "Q4_K_M"},                       {"IQ2_K_R4 - 2.375 bpw", "IQ2_K_R4"},
      {"", ""},                    {"Q4_K - Huge", ""},            {"not a / type", ""},
  };
  for (const auto& [in, out] : cases) EXPECT_EQ(mix_from_file_type(in), out) << in;
}

TEST(RuntimeLog, OnlyTheFirstContextCounts) {
  // llama-server with a draft model, or a second context: the first run's buffers are the ones compared.
  const std::string text =
      "load_tensors: CUDA0 model buffer size = 100.00 MiB\n"
      "llama_context: n_ctx = 4096\n"
      "llama_kv_cache: CUDA0 KV buffer size = 512.00 MiB\n"
      "llama_context: CUDA0 compute buffer size = 258.50 MiB\n"
      "load_tensors: CUDA0 model buffer size = 50.00 MiB\n"
      "llama_kv_cache: CUDA0 KV buffer size = 64.00 MiB\n";
  const RuntimeLog log = parse_runtime_log(text, "x.log");
  EXPECT_EQ(log.llama.buffers.size(), 3u);
  ASSERT_EQ(log.notes.size(), 1u);
  EXPECT_EQ(log.notes[0], "line 5: a second model is loaded; only the first model and context are read");
}

TEST(RuntimeLog, PerLayerArraysGiveTheLargestValue) {
  // Variable-width models (Nemotron deci, gpt-oss) print per-layer arrays.
  const LlamaCppLog L = parse_runtime_log(
      "print_info: n_head_kv             = [8, 8, 0, 8, 4]\n"
      "llama_kv_cache: CPU KV buffer size = 1.00 MiB\n", "x.log").llama;
  EXPECT_EQ(L.n_head_kv.value, 8);
}

struct ErrorCase {
  const char* text;
  const char* message;
};

// Each text read as x.log must fail with exactly its message.
template <std::size_t N>
void expect_errors(const ErrorCase (&cases)[N]) {
  for (const ErrorCase& c : cases) {
    try {
      (void)parse_runtime_log(c.text, "x.log");
      ADD_FAILURE() << "no error for: " << c.text;
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()), c.message);
    }
  }
}

TEST(RuntimeLog, ErrorsNameTheFileAndLine) {
  const ErrorCase cases[] = {
      {"", "x.log:1: empty log"},
      {"\n\n   \n", "x.log:1: empty log"},
      {"hello\nworld\n", "x.log:1: not a llama.cpp log, vLLM start-up log or `ollama ps` output (no line vramfit reads; docs/validate.md)"},
      {"\n\nprint_info: arch = llama\nprint_info: n_layer = 32\n",
       "x.log:4: a llama.cpp log without memory figures (no buffer sizes, KV cache or model loading lines; docs/validate.md)"},
      {"NAME  ID  SIZE  PROCESSOR  UNTIL\n", "x.log:1: `ollama ps` output without a model row"},
      {"NAME    ID      SIZE     PROCESSOR    UNTIL\nllama3.1:8b  abc  lots  100% GPU  4 minutes\n",
       "x.log:2: not an `ollama ps` row (NAME ID SIZE PROCESSOR ...)"},
  };
  expect_errors(cases);
  EXPECT_THROW((void)read_runtime_log((kFixtures / "no-such.log").string()), InputError);
  // A model file or executable passed by mistake: refused at the line of its first NUL byte.
  try {
    (void)parse_runtime_log(std::string("GGUF\x03\nload_tensors: CPU buffer size = 1.00 MiB\n\0\0\0", 50), "x.log");
    ADD_FAILURE() << "binary text accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "x.log:3: a binary file, not a log");
  }
}

// vLLM V0 (0.6.x), the lines of the run in vllm-project/vllm issue 10517 (Llama-3.1-8B-Instruct on an RTX
// 3090, --max-model-len 20000) as reference/measured_memory.yaml quotes them, in the wording of
// worker/model_runner.py, worker/worker.py and executor/gpu_executor.py.
TEST(RuntimeLog, VllmV0MemoryProfilingLines) {
  const std::string text =
      "INFO 11-21 09:12:01 model_runner.py:1077] Loading model weights took 14.9888 GB\n"
      "INFO 11-21 09:12:04 worker.py:232] Memory profiling results: total_gpu_memory=23.58GiB initial_memory_usage=15.34GiB "
      "peak_torch_memory=17.06GiB memory_usage_post_profile=15.35GiB non_torch_memory=0.35GiB kv_cache_size=3.81GiB "
      "gpu_memory_utilization=0.90\n"
      "INFO 11-21 09:12:04 gpu_executor.py:113] # GPU blocks: 1952, # CPU blocks: 2048\n"
      "INFO 11-21 09:12:04 gpu_executor.py:117] Maximum concurrency for 20000 tokens per request: 1.56x\n";
  const RuntimeLog log = parse_runtime_log(text, "x.log");
  ASSERT_EQ(log.kind, LogKind::vllm);
  const VllmLog& V = log.vllm;
  EXPECT_DOUBLE_EQ(V.weights_gib.value, 14.9888);  // vLLM divides by 2^30 and prints "GB"
  EXPECT_EQ(V.weights_gib.line, 1);
  EXPECT_DOUBLE_EQ(V.total_gpu_gib.value, 23.58);
  EXPECT_DOUBLE_EQ(V.peak_torch_gib.value, 17.06);
  EXPECT_DOUBLE_EQ(V.non_torch_gib.value, 0.35);
  EXPECT_DOUBLE_EQ(V.available_kv_gib.value, 3.81);  // kv_cache_size: 23.58 x 0.90 - 17.06 - 0.35
  EXPECT_EQ(V.available_kv_gib.line, 2);
  EXPECT_DOUBLE_EQ(V.gpu_memory_utilization.value, 0.90);
  EXPECT_EQ(V.gpu_blocks.value, 1952);
  EXPECT_EQ(V.concurrency_tokens.value, 20000);
  EXPECT_DOUBLE_EQ(V.max_concurrency.value, 1.56);
  // The per-worker line of a tensor-parallel run (issue 6746, Llama-3.1-405B FP8 on 8 H100s).
  const VllmLog W = parse_runtime_log(
      "(VllmWorkerProcess pid=4711) INFO 07-24 18:30:12 model_runner.py:692] Loading model weights took 57.7520 GB\n", "x.log").vllm;
  EXPECT_DOUBLE_EQ(W.weights_gib.value, 57.7520);
}

// vLLM V1's start-up error when one request of max_model_len does not fit (v1/core/kv_cache_utils.py
// check_enough_kv_cache_memory), with the 1.71 GiB of the gpt-oss-120b run of issue 27508 and the need
// worked out by hand with vLLM's rule for its 131072 tokens: 18 full layers x 8192 blocks x 32 KiB
// (16 tokens x 8 KV heads x 64 x 2 B x K and V) = 4.50 GiB, 18 sliding layers x (cdiv(127 + 1024, 16) + 1)
// blocks x 32 KiB = 0.04 GiB.
TEST(RuntimeLog, VllmKvCacheNeededError) {
  const std::string text =
      "ERROR 10-25 14:02:11 [core.py:708] ValueError: To serve at least one request with the models's max seq len (131072), "
      "(4.54 GiB KV cache is needed, which is larger than the available KV cache memory (1.71 GiB). Based on the available "
      "memory, the estimated maximum model length is 49152. Try increasing `gpu_memory_utilization` or decreasing "
      "`max_model_len` when initializing the engine.\n";
  const RuntimeLog log = parse_runtime_log(text, "x.log");
  ASSERT_EQ(log.kind, LogKind::vllm);
  const VllmLog& V = log.vllm;
  EXPECT_DOUBLE_EQ(V.kv_needed_gib.value, 4.54);
  EXPECT_EQ(V.kv_needed_tokens.value, 131072);
  EXPECT_EQ(V.max_model_len.value, 131072);
  EXPECT_DOUBLE_EQ(V.available_kv_gib.value, 1.71);
  // Newer releases spell it "model's".
  EXPECT_DOUBLE_EQ(parse_runtime_log("ValueError: To serve at least one request with the model's max seq len (8192), (1.00 GiB KV "
                                     "cache is needed, which is larger than the available KV cache memory (0.50 GiB).\n", "x.log")
                       .vllm.kv_needed_gib.value, 1.00);
}

// The command pasted above the log (issue 27508): the model and the engine arguments it sets.
TEST(RuntimeLog, VllmServeCommand) {
  const VllmLog V = parse_runtime_log(
      "vllm serve openai/gpt-oss-120b --gpu-memory-utilization 0.95 --max-num-batched-tokens 1024\n"
      "INFO 10-25 14:02:09 [gpu_worker.py:298] Available KV cache memory: 1.71 GiB\n", "x.log").vllm;
  EXPECT_EQ(V.model.value, "openai/gpt-oss-120b");
  EXPECT_EQ(V.model.line, 1);
  EXPECT_DOUBLE_EQ(V.gpu_memory_utilization.value, 0.95);
  EXPECT_EQ(V.max_num_batched_tokens.value, 1024);
  EXPECT_DOUBLE_EQ(V.available_kv_gib.value, 1.71);
  const VllmLog T = parse_runtime_log(
      "$ vllm serve meta-llama/Llama-3.1-8B-Instruct -tp 2 --max-model-len=8192 --enforce-eager --kv-cache-dtype fp8\n"
      "Available KV cache memory: 20.00 GiB\n", "x.log").vllm;
  EXPECT_EQ(T.tensor_parallel.value, 2);
  EXPECT_EQ(T.max_model_len.value, 8192);
  EXPECT_TRUE(T.enforce_eager.value);
  EXPECT_EQ(T.kv_cache_dtype.value, "fp8");
}

// Hostile or cut-off copies of the new vLLM lines: a figure out of range is refused at its line (exit 2),
// a cut line gives what it holds, and a log left without a memory figure is refused.
TEST(RuntimeLog, VllmLinesOutOfRangeOrCut) {
  const ErrorCase cases[] = {
      {"Loading model weights took -3.5 GB\n", "x.log:1: model weights (GiB) = -3.5 is out of range [0, 1048576]"},
      {"Memory profiling results: total_gpu_memory=1e17GiB kv_cache_size=3.81GiB\n",
       "x.log:1: total_gpu_memory (GiB) = 1e+17 is out of range [0, 1048576]"},
      {"Memory profiling results: total_gpu_memory=23.58GiB gpu_memory_utilization=9.0 kv_cache_size=3.81GiB\n",
       "x.log:1: gpu_memory_utilization = 9 is out of range [0, 1]"},
      {"ValueError: To serve at least one request with the models's max seq len (99999999999), (4.54 GiB KV cache is needed\n",
       "x.log:1: max seq len = 99999999999 is out of range [1, 2147483648]"},
      {"ValueError: To serve at least one request with the models's max seq len (131072), (4000000000 GiB KV cache is needed\n",
       "x.log:1: KV cache needed (GiB) = 4000000000 is out of range [0, 1048576]"},
      // Cut before any memory figure: the model length alone is no memory figure.
      {"ValueError: To serve at least one request with the models's max seq len (131072), (4.5",
       "x.log:1: a vllm log without memory figures (no buffer sizes, KV cache or model loading lines; docs/validate.md)"},
      {"Memory profiling results: total_gpu_memory=23.58GiB initial_memory_usage=15.3",
       "x.log:1: a vllm log without memory figures (no buffer sizes, KV cache or model loading lines; docs/validate.md)"},
  };
  expect_errors(cases);
  // Cut after kv_cache_size: the pairs before the cut are read.
  const VllmLog V = parse_runtime_log("Memory profiling results: total_gpu_memory=23.58GiB initial_memory_usage=15.34GiB "
                                      "peak_torch_memory=17.06GiB memory_usage_post_profile=15.35GiB non_torch_memory=0.35GiB "
                                      "kv_cache_size=3.81GiB gpu_memory_util", "x.log").vllm;
  EXPECT_DOUBLE_EQ(V.available_kv_gib.value, 3.81);
  EXPECT_FALSE(V.gpu_memory_utilization.known());
  // V0 prints a negative kv_cache_size when the weights and activations leave nothing.
  EXPECT_DOUBLE_EQ(parse_runtime_log("Memory profiling results: total_gpu_memory=23.58GiB kv_cache_size=-1.25GiB\n", "x.log")
                       .vllm.available_kv_gib.value, -1.25);
}

}  // namespace
