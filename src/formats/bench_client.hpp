// Speaking to a running inference server for `vramfit bench` (docs/bench.md): which API it speaks
// (Ollama, llama.cpp's llama-server, OpenAI-compatible), its models and version, and one generation
// run with the token counts and timings the server reports or the client measures. Every response is
// read with a byte cap and timeouts (formats/http.hpp); every failure is one InputError line.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "formats/http.hpp"

namespace vramfit::io {

enum class BenchApi { ollama, openai, llamacpp };
std::string to_string(BenchApi a);
// "ollama", "openai", "llama.cpp" (also "llamacpp", "llama-server"); an unknown name is an InputError.
BenchApi parse_bench_api(const std::string& name);

struct ServerInfo {
  BenchApi api = BenchApi::openai;
  std::string base;     // the URL without a trailing slash
  std::string version;  // what the server says of itself ("" when it does not)
  std::vector<std::string> models;
  std::string model;  // the model benchmarked
  // Ollama's /api/show details and /api/ps of the model (empty / 0 elsewhere).
  std::string family, parameter_size, quantization;
  std::int64_t context_length = 0;
  std::uint64_t size = 0, size_vram = 0;  // bytes the loaded model holds, and of them on the GPU
};

struct RunSettings {
  std::string prompt;
  std::int64_t max_tokens = 128;
  std::int64_t seed = 42;
  long total_timeout_seconds = 0;  // one run as a whole; 0: silence timeout only
};

// One generation: counts as the server reports them, durations in seconds.
struct RunSample {
  std::int64_t prompt_tokens = 0;
  std::int64_t generated_tokens = 0;
  std::optional<double> prompt_seconds;  // server: prompt evaluation; client: time to first token
  std::optional<double> decode_seconds;  // server: generation; client: first to last token
  std::optional<double> load_seconds;    // Ollama's load_duration
  std::optional<double> ttft_seconds;    // client: request sent -> first token received (streams)
  double total_seconds = 0;              // client: request sent -> answer complete
  std::optional<double> prompt_rate;     // tokens/s
  std::optional<double> decode_rate;     // tokens/s, the first token excluded for streams
  std::int64_t streamed_tokens = 0;      // content events received (streams)
  std::vector<double> inter_token;       // seconds between content events (streams)
  std::string timing;                    // "server" (durations the server measured) or "client"
  bool usage_reported = true;            // false: a stream without usage; its content events were counted
};

class BenchClient {
 public:
  // `clock`: seconds on a monotonic clock (steady_clock by default).
  BenchClient(std::string base_url, HttpOptions options, std::function<double()> clock = {});

  // Which API the server speaks (`api`, or found by asking Ollama's /api/tags, llama-server's /props and
  // /v1/models in turn), its version and models; `model` ("" = the first it has, or the one Ollama has
  // loaded) must be among them. Ollama: the model's /api/show and /api/ps.
  ServerInfo connect(std::optional<BenchApi> api, const std::string& model);

  RunSample run(const ServerInfo& s, const RunSettings& r);

  // Ollama: what /api/ps says of the model once it is loaded (size, size_vram); nothing elsewhere.
  void read_loaded(ServerInfo& s);

 private:
  std::string base_;
  HttpClient http_;
  std::function<double()> clock_;
  bool completions_ = false;  // an OpenAI server without /v1/chat/completions: /v1/completions
};

// The prompt of run `index` with `words` words: a different first line per run, so that no server
// serves it from a prompt cache, then common English words (one token each in the usual tokenizers).
std::string bench_prompt(std::int64_t words, std::int64_t index);

// Server-sent events: "data: ..." lines of a stream as they arrive, split however the network split them.
class SseReader {
 public:
  // Feeds bytes; calls `on_event` with each complete event's data ("[DONE]" included).
  void feed(const char* data, std::size_t size, const std::function<void(const std::string&)>& on_event);

 private:
  std::string pending_;
  std::string event_;
};

}  // namespace vramfit::io
