// vramfit bench (issue 23) against loopback servers the tests start (bench_server.hpp) that speak
// Ollama's, llama-server's and an OpenAI-compatible API: the rates from the counts and durations the
// servers report (exact), the client-timed stream rates (loose bounds: they are real time), the
// statistics, the prediction beside the measurement, --save calibrating fit, and the one-line errors
// of unreachable, foreign, slow, lying and mid-stream-closing servers. No test touches the internet.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "bench_server.hpp"
#include "run_cli.hpp"
#include "catalog/measurements.hpp"
#include "cli/app.hpp"
#include "engine/bench.hpp"
#include "formats/bench_client.hpp"

namespace vramfit {
namespace {

using test::BenchServer;
using nlohmann::json;

using test::CliRun;
CliRun vramfit(std::vector<std::string> args) { return test::run_vramfit(std::move(args)); }

class Bench : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("vramfit-bench-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    setenv("VRAMFIT_DATA_DIR", (dir_ / "data").c_str(), 1);
  }
  void TearDown() override {
    std::filesystem::remove_all(dir_);
    unsetenv("VRAMFIT_DATA_DIR");
  }
  static json bench(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"bench", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    const CliRun r = vramfit(args);
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.err, "");  // stderr is no terminal here: no progress line
    return r.code == 0 ? json::parse(r.out) : json::object();
  }
  std::filesystem::path dir_;
};

// ---- pure pieces -------------------------------------------------------------------------------

TEST(BenchPieces, SseReaderJoinsSplitLinesAndIgnoresComments) {
  io::SseReader sse;
  std::vector<std::string> events;
  const auto on = [&](const std::string& e) { events.push_back(e); };
  const std::string stream = ": keep-alive\r\ndata: {\"a\":1}\r\n\r\ndata:{\"b\":2}\n\ndata: [DONE]\n\n";
  for (char c : stream) sse.feed(&c, 1, on);  // one byte at a time, as a slow network may deliver it
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0], "{\"a\":1}");
  EXPECT_EQ(events[1], "{\"b\":2}");
  EXPECT_EQ(events[2], "[DONE]");
}

TEST(BenchPieces, WordsForTokensFromTwoProbes) {
  // 256 words counted as 269 tokens, 512 as 525: 1 token per word, 13 more (template + first line);
  // 512 tokens = 256 + (512 - 269) / 1 = 499 words.
  EXPECT_EQ(engine::words_for_tokens(512, 256, 269, 512, 525), 499);
  // 1.5 tokens per word: 100 words -> 160, 200 -> 310; 400 tokens = 100 + (400 - 160) / 1.5 = 260 words.
  EXPECT_EQ(engine::words_for_tokens(400, 100, 160, 200, 310), 260);
  // A target under the template's own tokens: one word at least.
  EXPECT_EQ(engine::words_for_tokens(5, 100, 160, 200, 310), 1);
  EXPECT_EQ(engine::words_for_tokens(400, 100, 160, 200, 160), std::nullopt);  // counts do not grow
}

TEST(BenchPieces, PromptsDifferInTheirFirstLineOnly) {
  EXPECT_EQ(io::bench_prompt(3, 1000001), "Run 1000001. Repeat: the cat sat");
  EXPECT_EQ(io::bench_prompt(3, 1000002), "Run 1000002. Repeat: the cat sat");
  EXPECT_EQ(BenchServer::prompt_tokens(io::bench_prompt(499, 1000001)), 512);  // 499 + 3 + 10
}

// ---- Ollama: server-side timings, exact -------------------------------------------------------

// Runs (after the two sizing probes of one token): warm-up, then three measured runs of 128 tokens
// with eval_duration 1.0 s, 1.28 s, 0.8 s:
//   decode = 128 / 1.0 = 128, 128 / 1.28 = 100, 128 / 0.8 = 160 tok/s
//   median 128, min 100, max 160, mean 388 / 3 = 129.333, spread (160 - 100) / 128 = 0.46875,
//   stddev sqrt(((128 - 129.333)^2 + (100 - 129.333)^2 + (160 - 129.333)^2) / 2) = sqrt(1882.67 / 2) = 30.0222
//   prompt: 499 words + "Run 1000002. Repeat:" (3) + template 10 = 512 tokens in 512 x 200 us = 0.1024 s: 5000 tok/s
//   load: 2.5 s on the first request (a probe)
// Prediction: llama3.1:8b = llama-3.1-8b Q4_K_M (/api/show agrees) on an RTX 4090 (1008 GB/s), CUDA
// profile: eta 1.00, no cost per layer, 2000 us per token (data/speed.yaml), band 0.80-1.10. At position
// 512 + 128 / 2 = 576 a token reads the weights on the GPU, 4,912,898,048 - 295,501,824 (token_embd,
// in host RAM) = 4,617,396,224 B, and the KV cache, 32 layers x 8 heads x 128 x 2 (K, V) x 2 B x 576 =
// 75,497,472 B: 4,692,893,696 B / 1008e9 B/s = 4.65565 ms, + 2000 us = 6.65565 ms -> 150.25 tok/s,
//   band 0.80 x 150.25 = 120.20 to 1.10 x 150.25 = 165.27; 128 is inside, 128 / 150.25 = 0.8519 of the
//   prediction.
TEST_F(Bench, OllamaRatesStatisticsAndPrediction) {
  BenchServer server(BenchServer::Api::ollama);
  server.models = {"llama3.1:8b", "qwen3:8b"};
  server.decode_seconds = {2.0, 1.0, 1.28, 0.8};  // warm-up first
  const json j = bench({"--server", server.base(), "--model", "llama3.1:8b", "--runs", "3", "--warmup", "1",
                        "--max-tokens", "128", "--prompt-tokens", "512", "--device", "rtx-4090"});
  ASSERT_FALSE(j.empty());
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["kind"], "bench");
  EXPECT_EQ(j["server"]["api"], "ollama");
  EXPECT_EQ(j["server"]["version"], "ollama 0.9.0");
  EXPECT_EQ(j["server"]["quantization"], "Q4_K_M");
  EXPECT_EQ(j["server"]["context_length"], 131072);
  EXPECT_EQ(j["server"]["size_bytes"], 6000000000LL);
  EXPECT_EQ(j["server"]["size_vram_bytes"], 4500000000LL);
  EXPECT_EQ(j["settings"]["prompt_words"], 499);
  EXPECT_DOUBLE_EQ(j["load_seconds"].get<double>(), 2.5);
  ASSERT_EQ(j["runs"].size(), 3u);
  EXPECT_DOUBLE_EQ(j["runs"][0]["decode_tokens_per_second"].get<double>(), 128.0);
  EXPECT_DOUBLE_EQ(j["runs"][1]["decode_tokens_per_second"].get<double>(), 100.0);
  EXPECT_DOUBLE_EQ(j["runs"][2]["decode_tokens_per_second"].get<double>(), 160.0);
  for (const json& r : j["runs"]) {
    EXPECT_EQ(r["prompt_tokens"], 512);
    EXPECT_EQ(r["generated_tokens"], 128);
    EXPECT_NEAR(r["prompt_tokens_per_second"].get<double>(), 5000.0, 1e-6);
    EXPECT_EQ(r["timing"], "server");
  }
  const json& d = j["statistics"]["decode_tokens_per_second"];
  EXPECT_DOUBLE_EQ(d["median"].get<double>(), 128.0);
  EXPECT_DOUBLE_EQ(d["min"].get<double>(), 100.0);
  EXPECT_DOUBLE_EQ(d["max"].get<double>(), 160.0);
  EXPECT_NEAR(d["mean"].get<double>(), 129.3333333, 1e-6);
  EXPECT_DOUBLE_EQ(d["spread"].get<double>(), 0.46875);
  EXPECT_NEAR(d["stddev"].get<double>(), 30.0222, 1e-4);
  EXPECT_NEAR(j["statistics"]["prompt_tokens_per_second"]["spread"].get<double>(), 0.0, 1e-12);

  const json& p = j["prediction"];
  ASSERT_TRUE(p.is_object()) << j["prediction_skipped"];
  EXPECT_EQ(p["model"], "llama-3.1-8b");
  EXPECT_EQ(p["quant"], "Q4_K_M");
  EXPECT_EQ(p["device"], "rtx-4090");
  EXPECT_EQ(p["backend"], "cuda");
  EXPECT_EQ(p["position"], 576);
  EXPECT_NEAR(p["decode"]["tokens_per_second"].get<double>(), 150.25, 0.01);
  EXPECT_NEAR(p["decode"]["tokens_per_second_low"].get<double>(), 120.20, 0.01);
  EXPECT_NEAR(p["decode"]["tokens_per_second_high"].get<double>(), 165.27, 0.01);
  EXPECT_NEAR(p["decode"]["measured_over_predicted"].get<double>(), 0.8519, 1e-4);
  EXPECT_EQ(p["decode"]["measured_in_band"], "inside");
  EXPECT_EQ(server.generations(), 2 + 1 + 3);  // probes, warm-up, runs
}

// Below the band: every run 128 tokens in 1.6 s = 80 tok/s < 120.20 (the band above); 80 / 150.25 = 0.53.
TEST_F(Bench, MeasurementBelowTheBandIsSaid) {
  BenchServer server(BenchServer::Api::ollama);
  server.models = {"llama3.1:8b"};
  server.decode_seconds = {1.6};
  const CliRun r = vramfit({"bench", "--server", server.base(), "--runs", "2", "--warmup", "0", "--device", "rtx-4090"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("decode 150 tok/s (band 120-165) at position 576: measured 80.0 = 0.53 x, BELOW the band"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("decode tok/s"), std::string::npos);
}

// --save appends the run; fit then scales its decode rate by measured / predicted for the same device
// and backend and says so: 128 / 150.25 = 0.85192 (the run above); fit's own prediction at position 0
// is 1 / (4,617,396,224 B / 1008 GB/s + 2.0 ms) = 151.96 tok/s, calibrated 151.96 x 0.85192 = 129.46.
TEST_F(Bench, SavedRunsCalibrateFit) {
  BenchServer server(BenchServer::Api::ollama);
  server.models = {"llama3.1:8b"};
  server.decode_seconds = {1.0};
  const json plain = json::parse(vramfit({"fit", "llama3.1:8b", "--device", "rtx-4090", "--runtime", "ollama", "--json"}).out);
  EXPECT_TRUE(plain["speed"]["calibration"].is_null());
  const json b = bench({"--server", server.base(), "--runs", "1", "--warmup", "0", "--device", "rtx-4090", "--save"});
  ASSERT_FALSE(b.empty());
  const std::string file = (dir_ / "data" / "measurements.yaml").string();
  EXPECT_EQ(b["saved_to"], file);
  const std::vector<io::Measurement> saved = io::load_measurements(file);
  ASSERT_EQ(saved.size(), 1u);
  EXPECT_EQ(saved[0].device, "rtx-4090");
  EXPECT_EQ(saved[0].backend, "cuda");
  EXPECT_EQ(saved[0].model, "llama-3.1-8b");
  EXPECT_EQ(saved[0].quant, "Q4_K_M");
  EXPECT_EQ(saved[0].server, "ollama");
  EXPECT_EQ(saved[0].server_version, "ollama 0.9.0");
  EXPECT_DOUBLE_EQ(saved[0].decode_tps, 128.0);
  EXPECT_NEAR(saved[0].prefill_tps, 5000.0, 1e-3);

  const CliRun fit = vramfit({"fit", "llama3.1:8b", "--device", "rtx-4090", "--runtime", "ollama", "--json"});
  ASSERT_EQ(fit.code, 0) << fit.err;
  const json f = json::parse(fit.out);
  const json& c = f["speed"]["calibration"];
  ASSERT_TRUE(c.is_object());
  EXPECT_EQ(c["runs"], 1);
  EXPECT_EQ(c["same_model_and_quant"], true);
  const double factor = c["decode_factor"].get<double>();
  EXPECT_NEAR(factor, 128.0 / saved[0].predicted_decode_tps, 1e-5);  // yaml keeps 6 digits
  EXPECT_NEAR(factor, 0.85192, 1e-4);
  const double before = plain["speed"]["decode"][0]["tokens_per_second"].get<double>();
  EXPECT_NEAR(before, 151.96, 0.01);
  EXPECT_NEAR(f["speed"]["decode"][0]["tokens_per_second"].get<double>(), before * factor, 1e-9);
  bool said = false;
  for (const json& a : f["assumptions"]) said = said || a.get<std::string>().rfind("speed calibrated by your own runs: 1 saved bench run of llama-3.1-8b Q4_K_M on rtx-4090 (cuda)", 0) == 0;
  EXPECT_TRUE(said) << f["assumptions"];

  // Another device (same backend) is left alone; recommend's RTX 4090 row is calibrated.
  const json other = json::parse(vramfit({"fit", "llama3.1:8b", "--device", "rtx-3090", "--runtime", "ollama", "--json"}).out);
  EXPECT_TRUE(other["speed"]["calibration"].is_null());
  const CliRun rec = vramfit({"recommend", "llama3.1:8b", "--top", "500", "--json"});
  ASSERT_EQ(rec.code, 0) << rec.err;
  bool calibrated_4090 = false;
  const json recommended = json::parse(rec.out);
  for (const json& cfg : recommended["configurations"])
    if (cfg["configuration"] == "rtx-4090") calibrated_4090 = cfg["calibration"].is_object();
  EXPECT_TRUE(calibrated_4090);
}

// ---- llama-server: its timings object --------------------------------------------------------

// 128 tokens in 0.64 s = 200 tok/s (predicted_per_second agrees); prompt 512 tokens in 102.4 ms = 5000 tok/s.
TEST_F(Bench, LlamaServerTimings) {
  BenchServer server(BenchServer::Api::llamacpp);
  server.models = {"model.gguf"};
  server.decode_seconds = {0.64};
  const json j = bench({"--server", server.base(), "--runs", "2", "--warmup", "1", "--predict", "llama-3.1-8b", "--device", "rtx-4090"});
  ASSERT_FALSE(j.empty());
  EXPECT_EQ(j["server"]["api"], "llama.cpp");
  EXPECT_EQ(j["server"]["version"], "llama.cpp b6000-test");
  EXPECT_DOUBLE_EQ(j["statistics"]["decode_tokens_per_second"]["median"].get<double>(), 200.0);
  EXPECT_NEAR(j["statistics"]["prompt_tokens_per_second"]["median"].get<double>(), 5000.0, 1e-6);
  // 200 > 145.53: above the band of the same prediction as above (position 576).
  EXPECT_EQ(j["prediction"]["decode"]["measured_in_band"], "above");
}

TEST_F(Bench, LlamaServerWhoseRateDisagreesWithItsCounts) {
  BenchServer server(BenchServer::Api::llamacpp);
  server.models = {"model.gguf"};
  server.lie_rate = 999;
  const CliRun r = vramfit({"bench", "--server", server.base()});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("its timings cannot be trusted"), std::string::npos) << r.err;
}

// ---- OpenAI-compatible SSE: client-timed, loose bounds ----------------------------------------

// 10 tokens, the first after a slow 500 ms, then one every 20 ms: decode = 9 / (last - first) <= 9 /
// 0.18 = 50 tok/s (sleeps only add), time to first token >= 500 ms; counts from usage. Counting the
// first token's wait would give at most 10 / 0.68 = 14.7 tok/s: above 15, the first token is left out
// (unless the machine stretches nine 20 ms sleeps by 0.42 s).
TEST_F(Bench, OpenAiStreamTimedByTheClient) {
  BenchServer server(BenchServer::Api::openai);
  server.models = {"llama-3.1-8b"};
  server.first_token_ms = 500;
  const json j = bench({"--server", server.base(), "--runs", "2", "--warmup", "0", "--max-tokens", "10", "--prompt-tokens", "64",
                        "--device", "rtx-4090"});
  ASSERT_FALSE(j.empty());
  EXPECT_EQ(j["server"]["api"], "openai");
  EXPECT_EQ(j["server"]["version"], "test-openai/1.0");
  for (const json& r : j["runs"]) {
    EXPECT_EQ(r["timing"], "client");
    EXPECT_EQ(r["generated_tokens"], 10);
    EXPECT_EQ(r["streamed_tokens"], 10);
    EXPECT_EQ(r["prompt_tokens"], 64);  // 51 words + 3 + 10
    EXPECT_EQ(r["inter_token_seconds"].size(), 9u);
    const double rate = r["decode_tokens_per_second"].get<double>();
    EXPECT_GT(rate, 15.0);
    EXPECT_LE(rate, 52.0);
    EXPECT_GE(r["time_to_first_token_seconds"].get<double>(), 0.5);
    EXPECT_LT(r["time_to_first_token_seconds"].get<double>(), 10.0);
  }
  EXPECT_EQ(j["prediction"]["model"], "llama-3.1-8b");  // the server's model name is a catalog id
}

// llama-server's own timings at the end of a stream win over the client's clock: 10 tokens in 0.05 s
// = 200 tok/s, 64 prompt tokens in 64 x 200 us = 12.8 ms = 5000 tok/s.
TEST_F(Bench, StreamWithLlamaServerTimings) {
  BenchServer server(BenchServer::Api::openai);
  server.models = {"m"};
  server.first_token_ms = 0;
  server.token_gap_ms = 1;
  server.stream_timings = true;
  server.decode_seconds = {0.05};
  const json j = bench({"--server", server.base(), "--api", "openai", "--runs", "2", "--warmup", "0", "--max-tokens", "10",
                        "--prompt-tokens", "64"});
  ASSERT_FALSE(j.empty());
  for (const json& r : j["runs"]) {
    EXPECT_EQ(r["timing"], "server");
    EXPECT_DOUBLE_EQ(r["decode_tokens_per_second"].get<double>(), 200.0);
    EXPECT_NEAR(r["prompt_tokens_per_second"].get<double>(), 5000.0, 1e-6);
    EXPECT_TRUE(r["time_to_first_token_seconds"].is_number());
  }
}

// A stream without usage: generated tokens are the content events (10), the prompt is 16 words, and
// the report says so.
TEST_F(Bench, OpenAiStreamWithoutUsage) {
  BenchServer server(BenchServer::Api::openai);
  server.models = {"m"};
  server.first_token_ms = 0;
  server.token_gap_ms = 1;
  server.stream_usage = false;
  const json j = bench({"--server", server.base(), "--runs", "1", "--warmup", "0", "--max-tokens", "10", "--prompt-tokens", "16"});
  ASSERT_FALSE(j.empty());
  EXPECT_EQ(j["runs"][0]["generated_tokens"], 10);
  EXPECT_EQ(j["runs"][0]["usage_reported"], false);
  EXPECT_EQ(j["settings"]["prompt_words"], 16);
  ASSERT_EQ(j["notes"].size(), 1u);
  EXPECT_EQ(j["notes"][0].get<std::string>().rfind("the server reports no token counts", 0), 0u);
  EXPECT_TRUE(j["prediction"].is_null());  // "m" is no catalog model, and nothing was named
  EXPECT_EQ(j["prediction_skipped"], "the server's model 'm' is not in the catalog: name it with --predict MODEL");
}

TEST_F(Bench, OpenAiStreamClosedMidway) {
  BenchServer server(BenchServer::Api::openai);
  server.models = {"m"};
  server.first_token_ms = 0;
  server.token_gap_ms = 1;
  server.close_after_tokens = 3;
  const CliRun r = vramfit({"bench", "--server", server.base(), "--max-tokens", "10", "--prompt-tokens", "16"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err.rfind("vramfit: error: " + server.base() + "/v1/chat/completions: the connection broke off", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
}

// The stream carries 10 content events but usage says 3 (fewer than streamed), or 1000 (more than
// asked): either way the counts cannot be trusted.
TEST_F(Bench, OpenAiServerLyingAboutCounts) {
  for (const std::int64_t lie : {3, 1000}) {
    BenchServer server(BenchServer::Api::openai);
    server.models = {"m"};
    server.first_token_ms = 0;
    server.token_gap_ms = 0;
    server.lie_generated = lie;
    const CliRun r = vramfit({"bench", "--server", server.base(), "--max-tokens", "10", "--prompt-tokens", "16"});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("its counts cannot be trusted"), std::string::npos) << r.err;
  }
}

// ---- errors: one line, exit 2 ------------------------------------------------------------------

TEST_F(Bench, Errors) {
  {  // nothing listens
    std::string base;
    { BenchServer gone(BenchServer::Api::ollama); base = gone.base(); }
    const CliRun r = vramfit({"bench", "--server", base});
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err, "vramfit: error: " + base + "/api/tags: cannot connect to " + base.substr(7) + " (connection refused, or no network)\n");
  }
  {  // a web page, not an inference server
    BenchServer html(BenchServer::Api::html);
    const CliRun r = vramfit({"bench", "--server", html.base()});
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err, "vramfit: error: " + html.base() +
                         ": not an Ollama, llama.cpp or OpenAI-compatible server (/api/tags, /props and /v1/models answered an HTML page)\n");
  }
  {  // a model the server does not have: its list
    BenchServer o(BenchServer::Api::ollama);
    o.models = {"llama3.1:8b", "qwen3:8b"};
    const CliRun r = vramfit({"bench", "--server", o.base(), "--model", "mistral"});
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err, "vramfit: error: " + o.base() + ": model 'mistral' not found on the server (it has: llama3.1:8b, qwen3:8b)\n");
  }
  {  // --api that the server does not speak: the HTML answer is named
    BenchServer html(BenchServer::Api::html);
    const CliRun r = vramfit({"bench", "--server", html.base(), "--api", "ollama"});
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err, "vramfit: error: " + html.base() + "/api/tags: the server answered an HTML page, not Ollama's model list (is this the right URL and --api?)\n");
  }
  {  // silence longer than --timeout
    BenchServer o(BenchServer::Api::ollama);
    o.models = {"llama3.1:8b"};
    o.sleep_before_answer_ms = 3000;
    const CliRun r = vramfit({"--timeout", "1", "bench", "--server", o.base()});
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err, "vramfit: error: " + o.base() + "/api/generate: timed out: no answer for 1 s (--timeout)\n");
  }
  {  // Ollama reporting more tokens than asked for
    BenchServer o(BenchServer::Api::ollama);
    o.models = {"llama3.1:8b"};
    o.lie_generated = 5000;
    const CliRun r = vramfit({"bench", "--server", o.base()});
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err, "vramfit: error: " + o.base() +
                         "/api/generate: the server reports 5000 generated tokens where at most 1 were asked for: its counts cannot be trusted\n");
  }
  {  // options
    const CliRun r = vramfit({"bench", "--server", "http://127.0.0.1:1", "--api", "tgi"});
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err, "vramfit: error: unknown --api 'tgi' (ollama, openai, llama.cpp)\n");
  }
}

// An answer larger than any generation: the read stops at the cap, no hang and no unbounded memory.
TEST_F(Bench, BoundedReads) {
  test::FixtureServer f;
  f.mode("/api/tags", test::FixtureServer::Mode::endless);
  const CliRun r = vramfit({"bench", "--server", f.base()});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("the server sent more than the 4194304 bytes asked for"), std::string::npos) << r.err;
}

// On a terminal, stderr shows a progress line while runs go, erased before the report; piped, nothing.
TEST_F(Bench, ProgressLineOnlyOnATerminal) {
  BenchServer server(BenchServer::Api::ollama);
  server.models = {"llama3.1:8b"};
  const std::vector<std::string> args = {"vramfit", "bench", "--server", server.base(), "--runs", "2", "--warmup", "1"};
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  cli::Io io{out, err, false, nullptr, nullptr, true};
  ASSERT_EQ(cli::run(static_cast<int>(argv.size()), argv.data(), io), 0) << err.str();
  const std::string e = err.str();
  EXPECT_NE(e.find("\r\033[Kbench: warm-up 1/1"), std::string::npos);
  EXPECT_NE(e.find("\r\033[Kbench: run 2/2: 128.0 tok/s"), std::string::npos);  // 128 tokens in 1.0 s
  EXPECT_EQ(e.substr(e.size() - 4), "\r\033[K");
  EXPECT_EQ(e.find('\n'), std::string::npos);
}

// --export: rows of reference/measured_speed.yaml (tg<generated>, pp<prompt> where the server timed it).
TEST_F(Bench, ExportRows) {
  BenchServer server(BenchServer::Api::ollama);
  server.models = {"llama3.1:8b"};
  server.decode_seconds = {1.0};
  const CliRun r = vramfit({"bench", "--server", server.base(), "--runs", "1", "--warmup", "0", "--device", "rtx-4090", "--export"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("  test: pp512\n  tokens_per_s: 5000.00\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  test: tg128\n  tokens_per_s: 128.00\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("- device: 'NVIDIA GeForce RTX 4090'\n  device_kind: gpu\n  backend: cuda\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  quant: Q4_K_M\n"), std::string::npos);
  EXPECT_NE(r.out.find("  memory_bandwidth_gbs: 1008\n"), std::string::npos);
}

}  // namespace
}  // namespace vramfit
