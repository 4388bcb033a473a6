// Runtime logs -> what the runtime says it allocated: llama.cpp load/context logs (mainline and the
// older llm_load_* / llama_new_context_with_model names of ik_llama.cpp), vLLM start-up logs and
// `ollama ps` output. Only facts are extracted here; comparing them with an estimate is the engine's job
// (src/engine/validate.cpp). The reader never trusts its input: it reads at most kMaxLogBytes, looks at
// most kMaxLineBytes of a line, skips what it does not recognise, and throws io::InputError
// ("NAME:LINE: ...") only when the text is no log it knows. docs/validate.md lists every line read.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vramfit::io {

inline constexpr std::size_t kMaxLogBytes = std::size_t{64} << 20;  // start-up facts sit near the top
inline constexpr std::size_t kMaxLineBytes = 16384;                  // longer lines are cut here

enum class LogKind { llamacpp, vllm, ollama_ps };
const char* to_string(LogKind k);

// One "<dev> <what> buffer size = X MiB" line. `what`: model, kv, rs (recurrent state), compute, output.
struct LogBuffer {
  std::string device;  // as printed: CUDA0, CPU, CPU_Mapped, CUDA_Host, CPU_REPACK, Metal, Vulkan0 ...
  std::string what;
  double mib = 0;
  int line = 0;
};

// One row of llama.cpp's memory breakdown table (common_memory_breakdown_print), all in MiB
// (whole MiB, truncated by llama.cpp). total/free/unaccounted are -1 on host rows.
struct BreakdownRow {
  std::string device;       // CUDA0, Host, CPU_REPACK ...
  std::string description;  // "RTX 4090" (the part in parentheses), may be empty
  std::int64_t total = -1, free = -1, self = 0, model = 0, context = 0, compute = 0, unaccounted = -1;
  int line = 0;
};

// A field with the line it came from (0: not in the log).
template <class T>
struct Fact {
  T value{};
  int line = 0;
  [[nodiscard]] bool known() const { return line > 0; }
};

struct LlamaCppLog {
  // Model identity (print_info / llm_load_print_meta, general.name from the loader's KV dump).
  Fact<std::string> name, arch, file_type, model_type;
  Fact<std::int64_t> n_layer, n_embd, n_head, n_head_kv, n_vocab, n_ff, n_expert, n_expert_used, n_ctx_train;
  Fact<double> params_b;      // "model params = 8.03 B" (M and K scaled to billions)
  Fact<double> file_size_gib; // "file size = 4.58 GiB (4.89 BPW)" (MiB scaled)
  Fact<std::string> build;    // "build: 5489 (2d38b6e4)"
  // Context settings (llama_context / llama_new_context_with_model, llama_kv_cache*).
  Fact<std::int64_t> n_ctx, n_ctx_seq, n_seq_max, n_batch, n_ubatch, kv_cells, kv_layers;
  Fact<std::string> flash_attn;  // as printed: 0/1, on/off/auto, enabled/disabled
  Fact<std::string> type_k, type_v;
  // The K and V parts of the KV size line ("K (f16): 1098.00 MiB, V (f16): 976.00 MiB"; ik_llama.cpp's
  // latent "c^KV (q8_0): 583.31 MiB" is K): they show which MLA layout a DeepSeek log cached.
  Fact<double> kv_k_mib, kv_v_mib;
  Fact<std::int64_t> offloaded, offloadable;  // load_tensors: offloaded N/M layers to GPU
  bool pipeline_parallel = false;
  // The log uses the llm_load_* / llama_new_context_with_model / llama_kv_cache_init names: ik_llama.cpp,
  // or mainline before 2025, whose graphs (and so compute buffers) are not today's mainline's.
  bool old_names = false;
  // The CPU backend's features of the "system_info: ... | CPU : AVX2 = 1 | ... | REPACK = 1 |" line, as
  // vramfit/repack.hpp names them ("avx2,avx512"; "none"), and whether that build has the repack buffer.
  Fact<std::string> cpu_features;
  bool cpu_repack_built = false;
  std::vector<LogBuffer> buffers;
  std::vector<BreakdownRow> breakdown;
};

struct VllmLog {
  Fact<std::string> model, dtype, kv_cache_dtype, version, quantization;
  Fact<std::int64_t> max_model_len, tensor_parallel, pipeline_parallel, block_size, kv_tokens, gpu_blocks,
      concurrency_tokens, max_num_seqs, max_num_batched_tokens;
  Fact<double> gpu_memory_utilization, weights_gib, available_kv_gib, max_concurrency, total_gpu_gib,
      non_torch_gib, activation_gib, cuda_graph_gib;
  // V0's "Memory profiling results: ... peak_torch_memory=17.06GiB ...": PyTorch's allocation peak of the
  // profiling pass, weights included (the activation peak is this minus the weights).
  Fact<double> peak_torch_gib;
  // V1's start-up error "To serve at least one request with the models's max seq len (X), (Y GiB KV cache
  // is needed, ...": the KV bytes of one request of X tokens (kv_needed_tokens), and the memory there was.
  Fact<double> kv_needed_gib;
  Fact<std::int64_t> kv_needed_tokens;
  Fact<bool> enforce_eager, chunked_prefill;
  // Which engine printed the log: the V0 lines (LLMEngine's "Initializing an LLM engine", "Loading model
  // weights took", "Memory profiling results", "# GPU blocks") or V1's ("Initializing a V1 LLM engine").
  Fact<bool> v0_engine;
};

struct OllamaPsRow {
  std::string name, id;
  double size_bytes = 0;  // SIZE column, decimal units as Ollama prints them ("6.2 GB")
  std::string size_text;
  std::string processor;  // "100% GPU", "48%/52% CPU/GPU", "100% CPU"
  int gpu_percent = 0;    // share of SIZE on the GPU(s)
  std::int64_t context = 0;  // CONTEXT column (newer Ollama), 0 = absent
  int line = 0;
};

struct RuntimeLog {
  LogKind kind = LogKind::llamacpp;
  std::string name;  // file name for messages
  LlamaCppLog llama;
  VllmLog vllm;
  std::vector<OllamaPsRow> ollama;
  std::vector<std::string> notes;  // what the reader left out (cut lines, a truncated file ...)
};

// Reads an in-memory log; `name` appears in messages. Throws io::InputError "NAME:LINE: ..." when the
// text is none of the known kinds (or holds no memory figures).
RuntimeLog parse_runtime_log(std::string_view text, const std::string& name);
// Reads at most kMaxLogBytes of the file (a note says when more was there); '-' is standard input.
RuntimeLog read_runtime_log(const std::string& path);

// "Q4_K - Medium" -> "Q4_K_M", "Q8_0" -> "Q8_0", "MXFP4 MoE" -> "MXFP4_MOE", "BF16" -> "BF16";
// empty when the text is no file type vramfit knows the spelling of.
std::string mix_from_file_type(const std::string& file_type);

}  // namespace vramfit::io
