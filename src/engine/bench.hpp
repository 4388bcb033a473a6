// bench --server URL: generation runs against a running server (Ollama, llama-server, an OpenAI-
// compatible server), their statistics, and the prediction `fit` makes for the same model, device and
// run beside them (docs/bench.md). The runs may be saved to the user's measurements file, which then
// calibrates fit, estimate and recommend (engine/calibrate.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "catalog/measurements.hpp"
#include "engine/devices.hpp"
#include "engine/query.hpp"
#include "engine/session.hpp"
#include "formats/bench_client.hpp"
#include "vramfit/bench_stats.hpp"
#include "vramfit/speed.hpp"
#include "vramfit/prefill.hpp"

namespace vramfit::engine {

// The question as a front end received it: text is parsed here, so that errors name the option.
struct BenchRequest {
  std::string server;  // base URL
  std::string api;     // "" = found by asking the server
  std::string model;   // the model's name on the server; "" = its first (Ollama: the one loaded)
  std::string runs = "3", warmup = "1", max_tokens = "128", prompt_tokens = "512";
  long timeout_seconds = 30;  // to connect, and of silence; a run as a whole gets 10 times as long
  // The prediction: the model as `fit` resolves it ("" = the server's model mapped to the catalog),
  // the workload (quantization, context ...), devices ("" = the detected machine) and backend.
  std::string predict;
  WorkloadRequest workload;
  DeviceRequest placement;
  std::string backend;
  bool save = false;
  std::function<double()> clock;  // tests only; empty: steady_clock
};

struct BenchPrediction {
  std::string model, model_name, quant;  // catalog model id and name, mix id
  std::string device, device_name, device_kind, backend;  // the first GPU (or the CPU host) and its speed backend
  double bandwidth_gbs = 0;
  double params_b = 0, weights_gib = 0;
  std::int64_t context = 0;   // of the predicted workload
  bool calibrates = false;    // every layer on one kind of GPU: --save's run can calibrate fit (calibrate.hpp)
  std::int64_t position = 0;  // where decoding is predicted: the prompt plus half the generated tokens
  DecodeSpeed decode;
  PrefillSpeed prefill;
  std::optional<BandPosition> decode_position, prefill_position;  // the measured median against the band
  double decode_ratio = 0, prefill_ratio = 0;  // measured median / predicted
  std::string how;  // how the model was found ("--predict", "ollama llama3.1:8b = ...")
};

struct BenchAnswer {
  io::ServerInfo server;
  std::int64_t max_tokens = 0, prompt_target = 0, prompt_words = 0, warmup = 0, seed = 42;
  std::vector<io::RunSample> runs;  // after the warm-up runs
  std::optional<double> load_seconds;  // Ollama's load_duration of the first request
  SampleStats decode, prompt, ttft, total, inter_token, prompt_tokens, generated_tokens;
  std::optional<BenchPrediction> prediction;
  std::string prediction_skipped;  // why there is none
  std::vector<std::string> notes, assumptions;
  std::string date;  // UTC, ISO 8601
  std::string saved_to;
  io::Measurement measurement;  // the row --save appends
};

// Progress of the runs, in a few words ("run 2/5: 123.4 tok/s"), for a front end's progress line.
using BenchProgress = std::function<void(const std::string&)>;

BenchAnswer answer_bench(Session& s, const BenchRequest& r, const BenchProgress& progress = {});

// The prompt length in words that makes the server count `target` tokens, from two probes: `words1`
// words counted as `tokens1`, `words2` as `tokens2` (a chat template adds a constant). nullopt when
// the counts do not grow with the words.
std::optional<std::int64_t> words_for_tokens(std::int64_t target, std::int64_t words1, std::int64_t tokens1,
                                             std::int64_t words2, std::int64_t tokens2);

}  // namespace vramfit::engine
