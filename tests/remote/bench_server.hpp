// A loopback inference server for the bench tests (cpp-httplib): it speaks Ollama's API
// (/api/tags, /api/show, /api/ps, /api/version, /api/generate), llama-server's (/props, /v1/models,
// /completion) or an OpenAI-compatible one (/v1/models, streamed /v1/chat/completions), with token
// counts and server-side timings fixed by the test, and hostile behaviours (slow, closing mid-stream,
// lying counts, HTML). A prompt counts as its whitespace-separated words plus a template of
// kTemplateTokens, so that the client's sizing can be checked by hand.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "fixture_server.hpp"

namespace vramfit::test {

class BenchServer {
 public:
  enum class Api { ollama, llamacpp, openai, html };
  static constexpr std::int64_t kTemplateTokens = 10;

  explicit BenchServer(Api api) : api_(api) {
    server_.Get(".*", [this](const httplib::Request& q, httplib::Response& r) { get(q, r); });
    server_.Post(".*", [this](const httplib::Request& q, httplib::Response& r) { post(q, r); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    FixtureServer::wait_until_running(server_);
  }
  ~BenchServer() {
    server_.stop();
    thread_.join();
  }
  BenchServer(const BenchServer&) = delete;
  BenchServer& operator=(const BenchServer&) = delete;

  [[nodiscard]] std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }

  static std::int64_t prompt_tokens(const std::string& prompt) {
    std::istringstream in(prompt);
    std::int64_t n = 0;
    for (std::string w; in >> w;) ++n;
    return n + kTemplateTokens;
  }

  // Server-side decode durations (seconds) of the generations with more than one token, in order (the
  // last one repeats); the sizing probes (one token) take probe_seconds.
  std::vector<double> decode_seconds = {1.0};
  double probe_seconds = 0.01;
  double prompt_seconds_per_token = 200e-6;  // 5000 tok/s
  std::int64_t lie_generated = 0;            // > 0: report this many generated tokens whatever was asked
  double lie_rate = 0;                       // llama.cpp: a predicted_per_second of this
  int sleep_before_answer_ms = 0;            // silence before any byte of a generation
  // Streams: the first content token after first_token_ms, the others every token_gap_ms.
  int first_token_ms = 200, token_gap_ms = 20;
  int close_after_tokens = -1;  // >= 0: the connection is dropped after this many content events
  bool stream_usage = true;
  bool stream_timings = false;  // llama-server: a timings object in the last chunk (decode_seconds as in /completion)
  std::vector<std::string> models;

  [[nodiscard]] int generations() const { return generations_; }

 private:
  void get(const httplib::Request& q, httplib::Response& r) {
    using nlohmann::json;
    if (api_ == Api::html) return r.set_content("<!doctype html><html><body>router login</body></html>", "text/html");
    if (api_ == Api::ollama && q.path == "/api/tags") {
      json l = json::array();
      for (const std::string& m : models) l.push_back({{"name", m}, {"model", m}});
      return r.set_content(json{{"models", l}}.dump(), "application/json");
    }
    if (api_ == Api::ollama && q.path == "/api/version") return r.set_content(R"({"version":"0.9.0"})", "application/json");
    if (api_ == Api::ollama && q.path == "/api/ps") {
      if (generations_ == 0) return r.set_content(R"({"models":[]})", "application/json");
      return r.set_content(json{{"models", json::array({{{"name", models.front()}, {"model", models.front()},
                                                         {"size", 6000000000LL}, {"size_vram", 4500000000LL}}})}}.dump(),
                           "application/json");
    }
    if (api_ == Api::llamacpp && q.path == "/props")
      return r.set_content(R"({"default_generation_settings":{"n_ctx":4096},"build_info":"b6000-test"})", "application/json");
    if (api_ != Api::ollama && q.path == "/v1/models") {
      json l = json::array();
      for (const std::string& m : models) l.push_back({{"id", m}, {"object", "model"}});
      r.set_header("Server", "test-openai/1.0");
      return r.set_content(json{{"object", "list"}, {"data", l}}.dump(), "application/json");
    }
    r.status = 404;
    r.set_content(R"({"error":"not found"})", "application/json");
  }

  double next_decode(std::int64_t tokens) {
    if (tokens <= 1) return probe_seconds;
    const std::size_t i = std::min<std::size_t>(decode_index_++, decode_seconds.size() - 1);
    return decode_seconds[i];
  }

  void post(const httplib::Request& q, httplib::Response& r) {
    using nlohmann::json;
    if (api_ == Api::html) return r.set_content("<html>no</html>", "text/html");
    const json body = json::parse(q.body, nullptr, false);
    if (q.path == "/api/show" && api_ == Api::ollama)
      return r.set_content(R"({"details":{"family":"llama","parameter_size":"8.0B","quantization_level":"Q4_K_M"},)"
                           R"("model_info":{"general.architecture":"llama","llama.context_length":131072}})",
                           "application/json");
    if (sleep_before_answer_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_before_answer_ms));
    if (q.path == "/api/generate" && api_ == Api::ollama) {
      const std::int64_t asked = body["options"]["num_predict"].get<std::int64_t>();
      const std::int64_t n = lie_generated > 0 ? lie_generated : asked;
      const std::int64_t p = prompt_tokens(body["prompt"].get<std::string>());
      const double d = next_decode(asked);
      const bool first = generations_++ == 0;
      return r.set_content(json{{"model", body["model"]},
                                {"response", "x"},
                                {"done", true},
                                {"prompt_eval_count", p},
                                {"prompt_eval_duration", std::llround(double(p) * prompt_seconds_per_token * 1e9)},
                                {"eval_count", n},
                                {"eval_duration", std::llround(d * 1e9)},
                                {"load_duration", first ? 2500000000LL : 1000000LL}}
                               .dump(),
                           "application/json");
    }
    if (q.path == "/completion" && api_ == Api::llamacpp) {
      const std::int64_t asked = body["n_predict"].get<std::int64_t>();
      const std::int64_t n = lie_generated > 0 ? lie_generated : asked;
      const std::int64_t p = prompt_tokens(body["prompt"].get<std::string>());
      const double d = next_decode(asked);
      ++generations_;
      const double pms = double(p) * prompt_seconds_per_token * 1e3;
      return r.set_content(json{{"content", "x"},
                                {"timings", {{"prompt_n", p}, {"prompt_ms", pms}, {"prompt_per_second", double(p) / (pms / 1e3)},
                                             {"predicted_n", n}, {"predicted_ms", d * 1e3},
                                             {"predicted_per_second", lie_rate > 0 ? lie_rate : double(n) / d}}}}
                               .dump(),
                           "application/json");
    }
    if (q.path == "/v1/chat/completions" && api_ != Api::ollama) {
      const std::int64_t asked = body["max_tokens"].get<std::int64_t>();
      const std::int64_t p = prompt_tokens(body["messages"][0]["content"].get<std::string>());
      ++generations_;
      const int first_ms = first_token_ms, gap_ms = token_gap_ms, close_after = close_after_tokens;
      const bool usage = stream_usage;
      const std::int64_t reported = lie_generated > 0 ? lie_generated : asked;
      const bool timings = stream_timings;
      const double d = next_decode(asked);
      const double pms = double(p) * prompt_seconds_per_token * 1e3;
      r.set_chunked_content_provider("text/event-stream", [=](std::size_t, httplib::DataSink& sink) {
        auto event = [&](const json& j) {
          const std::string s = "data: " + j.dump() + "\n\n";
          return sink.write(s.data(), s.size());
        };
        event({{"choices", json::array({{{"index", 0}, {"delta", {{"role", "assistant"}}}}})}});
        std::this_thread::sleep_for(std::chrono::milliseconds(first_ms));
        for (std::int64_t i = 0; i < asked; ++i) {
          if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(gap_ms));
          if (close_after >= 0 && i == close_after) return false;  // drop the connection mid-stream
          event({{"choices", json::array({{{"index", 0}, {"delta", {{"content", "tok"}}}}})}});
        }
        if (usage) {
          json last = {{"choices", json::array()}, {"usage", {{"prompt_tokens", p}, {"completion_tokens", reported}}}};
          if (timings) last["timings"] = {{"prompt_n", p}, {"prompt_ms", pms}, {"predicted_n", reported}, {"predicted_ms", d * 1e3}};
          event(last);
        }
        const std::string done = "data: [DONE]\n\n";
        sink.write(done.data(), done.size());
        sink.done();
        return true;
      });
      return;
    }
    r.status = 404;
    r.set_content(R"({"error":"not found"})", "application/json");
  }

  Api api_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> generations_{0};
  std::size_t decode_index_ = 0;
};

}  // namespace vramfit::test
