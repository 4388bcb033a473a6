// GGUF header reading (issue 4): a Llama-3-70B-shaped Q4_K_M file of about 42 GB, written sparse
// (header only, the data section a hole), read in <= 5 ms with memory that does not grow with the file.
//
//   vramfit_bench_gguf                  the Google Benchmark cases
//   vramfit_bench_gguf --write F [S]    writes the model file to F; S = 1 (default) the 42 GB shape,
//                                       S = 100 the same header with every dimension but the vocabulary / 100
//   vramfit_bench_gguf --read F         reads F once and prints tensors, bytes and the peak RSS
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "formats/gguf_reader.hpp"
#include "gguf_writer.hpp"

namespace {

namespace wr = vramfit::gguf;
namespace rd = vramfit::io::gguf;

constexpr std::uint32_t kF32 = 0, kQ4K = 12, kQ6K = 14;

std::uint64_t nbytes(std::int64_t ne0, std::int64_t ne1, std::uint32_t type) {
  if (type == kF32) return static_cast<std::uint64_t>(ne0 * ne1 * 4);
  return static_cast<std::uint64_t>(ne0 / 256 * (type == kQ4K ? 144 : 210) * ne1);
}

// Llama 3 70B (config.json: hidden 8192, 80 layers, 64 heads, 8 KV heads, ffn 28672, vocab 128256)
// with llama.cpp's Q4_K_M choices for attn_v and ffn_down in every layer (q6_K), the rest q4_K.
// `vocab`: the tokenizer arrays a real file carries (128256 tokens, token types, 280147 merges).
wr::Writer llama70b(std::int64_t scale, bool vocab) {
  const std::int64_t n = 8192 / scale, kv = 1024 / scale, ff = 28672 / scale, V = 128256;
  wr::Writer w;
  w.add_string("general.architecture", "llama");
  w.add_string("general.name", "Meta Llama 3 70B Instruct");
  w.add_u32("general.file_type", 15);
  w.add_u32("llama.block_count", 80);
  w.add_u32("llama.context_length", 8192);
  w.add_u32("llama.embedding_length", static_cast<std::uint32_t>(n));
  w.add_u32("llama.feed_forward_length", static_cast<std::uint32_t>(ff));
  w.add_u32("llama.attention.head_count", 64);
  w.add_u32("llama.attention.head_count_kv", 8);
  w.add_f32("llama.rope.freq_base", 500000.0f);
  w.add_f32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
  w.add_u32("llama.vocab_size", static_cast<std::uint32_t>(V));
  w.add_string("tokenizer.ggml.model", "gpt2");
  w.add_string("tokenizer.ggml.pre", "llama-bpe");
  if (vocab) {
    std::vector<std::string> tokens, merges;
    for (std::int64_t i = 0; i < V; ++i) tokens.push_back("tok" + std::to_string(i));
    for (std::int64_t i = 0; i < 280147; ++i) merges.push_back("m" + std::to_string(i) + " x" + std::to_string(i % 97));
    w.add_strings("tokenizer.ggml.tokens", tokens);
    w.add_i32s("tokenizer.ggml.token_type", std::vector<std::int32_t>(static_cast<std::size_t>(V), 1));
    w.add_strings("tokenizer.ggml.merges", merges);
  }
  const auto add = [&](const std::string& name, std::vector<std::int64_t> ne, std::uint32_t type) {
    w.add_tensor(name, ne, type, nbytes(ne[0], ne.size() > 1 ? ne[1] : 1, type));
  };
  add("token_embd.weight", {n, V}, kQ4K);
  for (int l = 0; l < 80; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    add(b + "attn_norm.weight", {n}, kF32);
    add(b + "attn_q.weight", {n, n}, kQ4K);
    add(b + "attn_k.weight", {n, kv}, kQ4K);
    add(b + "attn_v.weight", {n, kv}, kQ6K);
    add(b + "attn_output.weight", {n, n}, kQ4K);
    add(b + "ffn_norm.weight", {n}, kF32);
    add(b + "ffn_gate.weight", {n, ff}, kQ4K);
    add(b + "ffn_up.weight", {n, ff}, kQ4K);
    add(b + "ffn_down.weight", {ff, n}, kQ6K);
  }
  add("output_norm.weight", {n}, kF32);
  add("output.weight", {n, V}, kQ6K);
  return w;
}

// The two bench files, written once and removed at exit.
struct Files {
  std::string with_vocab, tensors_only;
  Files() {
    const auto dir = std::filesystem::temp_directory_path();
    const std::string tag = std::to_string(::getpid());
    with_vocab = (dir / ("vramfit_bench_gguf_vocab_" + tag + ".gguf")).string();
    tensors_only = (dir / ("vramfit_bench_gguf_" + tag + ".gguf")).string();
    llama70b(1, true).write(with_vocab);
    llama70b(1, false).write(tensors_only);
  }
  ~Files() {
    std::error_code ec;
    std::filesystem::remove(with_vocab, ec);
    std::filesystem::remove(tensors_only, ec);
  }
};
const Files& files() {
  static const Files f;
  return f;
}

void read(benchmark::State& state, const std::string& path) {
  std::uint64_t header = 0;
  for (auto _ : state) {
    const rd::Header h = rd::read_model(path);
    header = h.data_offset;
    benchmark::DoNotOptimize(h.tensors.data());
  }
  state.counters["file_GB"] = static_cast<double>(std::filesystem::file_size(path)) / 1e9;
  state.counters["header_MB"] = static_cast<double>(header) / 1e6;
}

void BM_GgufHeader70B(benchmark::State& state) { read(state, files().with_vocab); }
BENCHMARK(BM_GgufHeader70B)->Unit(benchmark::kMillisecond);

void BM_GgufHeader70BTensorsOnly(benchmark::State& state) { read(state, files().tensors_only); }
BENCHMARK(BM_GgufHeader70BTensorsOnly)->Unit(benchmark::kMillisecond);

long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;  // KiB on Linux
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc >= 3 ? argv[1] : "";
  if (mode == "--write") {
    const std::int64_t scale = argc >= 4 ? std::stoll(argv[3]) : 1;
    llama70b(scale, true).write(argv[2]);
    return 0;
  }
  if (mode == "--read") {
    const long before = peak_rss_kib();
    rd::Header h;
    try {
      h = rd::read_model(argv[2]);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s\n", e.what());
      return 2;
    }
    std::int64_t bytes = 0;
    for (const rd::TensorInfo& t : h.tensors) bytes += t.bytes;
    std::printf("file %.3f GB, header %llu bytes, %zu tensors, %lld tensor bytes, peak RSS %ld KiB (%ld KiB before reading)\n",
                static_cast<double>(h.file_size) / 1e9, static_cast<unsigned long long>(h.data_offset), h.tensors.size(),
                static_cast<long long>(bytes), peak_rss_kib(), before);
    return 0;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
