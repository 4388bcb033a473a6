#include "formats/bench_client.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <nlohmann/json.hpp>

#include "base/diagnostics.hpp"

namespace vramfit::io {
namespace {

using nlohmann::json;

// What a server may answer: model lists and details are small; a non-streamed generation of a few
// thousand tokens is well under 4 MiB; a stream repeats its envelope per token (~300 B).
constexpr std::uint64_t kMetaCap = 4u << 20;
constexpr std::uint64_t kAnswerCap = 8u << 20;
constexpr std::uint64_t kStreamCap = 32u << 20;

[[noreturn]] void fail(const std::string& url, const std::string& why) { throw InputError(url + ": " + why); }

// What a body that is not the JSON asked for looks like, in a few words.
std::string looks_like(const HttpResponse& r) {
  std::string head = r.body.substr(0, 200);
  std::string lower = head;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.find("<html") != std::string::npos || lower.find("<!doctype") != std::string::npos) return "an HTML page";
  if (r.body.empty()) return "an empty body";
  return "'" + quote_cut(head, 40) + "'";
}

json parse_json(const HttpResponse& r, const std::string& expected) {
  json j = json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    fail(r.url, "the server answered " + looks_like(r) + ", not " + expected + " (is this the right URL and --api?)");
  return j;
}

std::string str(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A count or a duration of a server's answer: a non-negative integer or nothing.
std::optional<std::int64_t> count(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  const double v = it->get<double>();
  if (!(v >= 0) || v > 9e15) return std::nullopt;
  return static_cast<std::int64_t>(std::llround(v));
}

std::optional<double> number(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  const double v = it->get<double>();
  if (!std::isfinite(v) || v < 0) return std::nullopt;
  return v;
}

std::string error_text(const HttpResponse& r) {
  json j = json::parse(r.body, nullptr, false);
  if (!j.is_discarded() && j.is_object()) {
    if (j.contains("error") && j["error"].is_string()) return j["error"].get<std::string>();
    if (j.contains("error") && j["error"].is_object() && j["error"].contains("message") && j["error"]["message"].is_string())
      return j["error"]["message"].get<std::string>();
  }
  return looks_like(r);
}

[[noreturn]] void fail_status(const HttpResponse& r) {
  fail(r.url, "HTTP " + std::to_string(r.status) + ": " + quote_cut(error_text(r), 120));
}

// The counts a server reports must be possible: no more tokens than asked for, no fewer than it
// streamed, and at least one.
void check_counts(const std::string& url, const RunSample& s, const RunSettings& r) {
  if (s.generated_tokens <= 0) fail(url, "the server reports no generated tokens");
  if (s.generated_tokens > r.max_tokens)
    fail(url, "the server reports " + std::to_string(s.generated_tokens) + " generated tokens where at most " +
                  std::to_string(r.max_tokens) + " were asked for: its counts cannot be trusted");
  if (s.usage_reported && s.streamed_tokens > s.generated_tokens)
    fail(url, "the server streamed " + std::to_string(s.streamed_tokens) + " tokens but reports " +
                  std::to_string(s.generated_tokens) + " in usage: its counts cannot be trusted");
  if (s.usage_reported && s.prompt_tokens <= 0) fail(url, "the server reports no prompt tokens");
}

}  // namespace

std::string to_string(BenchApi a) {
  switch (a) {
    case BenchApi::ollama: return "ollama";
    case BenchApi::openai: return "openai";
    case BenchApi::llamacpp: return "llama.cpp";
  }
  return "?";
}

BenchApi parse_bench_api(const std::string& name) {
  if (name == "ollama") return BenchApi::ollama;
  if (name == "openai") return BenchApi::openai;
  if (name == "llama.cpp" || name == "llamacpp" || name == "llama-server") return BenchApi::llamacpp;
  throw InputError("unknown --api '" + name + "' (ollama, openai, llama.cpp)");
}

std::string bench_prompt(std::int64_t words, std::int64_t index) {
  static const char* const kWords[] = {"the", "cat", "sat", "on", "a", "mat", "and", "looked", "at", "the", "old", "house"};
  std::string p = "Run " + std::to_string(index) + ". Repeat:";
  for (std::int64_t i = 0; i < words; ++i) {
    p += ' ';
    p += kWords[i % 12];
  }
  return p;
}

void SseReader::feed(const char* data, std::size_t size, const std::function<void(const std::string&)>& on_event) {
  pending_.append(data, size);
  std::size_t start = 0;
  for (std::size_t nl; (nl = pending_.find('\n', start)) != std::string::npos; start = nl + 1) {
    std::string line = pending_.substr(start, nl - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {  // a blank line ends an event
      if (!event_.empty()) on_event(event_);
      event_.clear();
    } else if (line.rfind("data:", 0) == 0) {
      std::string d = line.substr(5);
      if (!d.empty() && d.front() == ' ') d.erase(0, 1);
      event_ += (event_.empty() ? "" : "\n") + d;
    }  // comments (":") and other fields are ignored
  }
  pending_.erase(0, start);
  if (pending_.size() > (1u << 20)) throw InputError("server-sent event line longer than 1 MiB");
}

BenchClient::BenchClient(std::string base_url, HttpOptions options, std::function<double()> clock)
    : base_(std::move(base_url)), http_(std::move(options)), clock_(std::move(clock)) {
  while (!base_.empty() && base_.back() == '/') base_.pop_back();
  if (url_host(base_).empty()) throw InputError("--server: not an http or https URL: " + quote_cut(base_));
  if (!clock_)
    clock_ = [] { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); };
}

ServerInfo BenchClient::connect(std::optional<BenchApi> api, const std::string& model) {
  ServerInfo s;
  s.base = base_;
  auto get = [&](const std::string& path) { return http_.get(base_ + path, std::nullopt, kMetaCap); };
  auto is_json_with = [](const HttpResponse& r, const char* key) {
    if (r.status != 200) return false;
    const json j = json::parse(r.body, nullptr, false);
    return !j.is_discarded() && j.is_object() && j.contains(key);
  };
  std::optional<HttpResponse> tags, props, models;
  if (!api) {
    tags = get("/api/tags");
    if (is_json_with(*tags, "models")) api = BenchApi::ollama;
    else {
      props = get("/props");
      if (is_json_with(*props, "default_generation_settings") || is_json_with(*props, "build_info")) api = BenchApi::llamacpp;
      else {
        models = get("/v1/models");
        if (is_json_with(*models, "data")) api = BenchApi::openai;
        else
          fail(base_, "not an Ollama, llama.cpp or OpenAI-compatible server (/api/tags, /props and /v1/models answered " +
                          (models->status == 200 ? looks_like(*models) : "HTTP " + std::to_string(models->status)) + ")");
      }
    }
  }
  s.api = *api;
  if (s.api == BenchApi::ollama) {
    if (!tags) tags = get("/api/tags");
    if (tags->status != 200) fail_status(*tags);
    const json j = parse_json(*tags, "Ollama's model list");
    if (j.contains("models") && j["models"].is_array())
      for (const json& m : j["models"])
        if (m.is_object() && !str(m, "name").empty()) s.models.push_back(str(m, "name"));
    if (const HttpResponse v = get("/api/version"); v.status == 200) {
      const json vj = json::parse(v.body, nullptr, false);
      if (!vj.is_discarded() && vj.is_object()) s.version = "ollama " + str(vj, "version");
    }
  } else {
    if (!models) models = get("/v1/models");
    if (models->status != 200) fail_status(*models);
    const json j = parse_json(*models, "an OpenAI model list");
    if (j.contains("data") && j["data"].is_array())
      for (const json& m : j["data"])
        if (m.is_object() && !str(m, "id").empty()) s.models.push_back(str(m, "id"));
    if (s.api == BenchApi::llamacpp) {
      if (!props) props = get("/props");
      if (props->status == 200) {
        const json pj = json::parse(props->body, nullptr, false);
        if (!pj.is_discarded() && pj.is_object() && !str(pj, "build_info").empty()) s.version = "llama.cpp " + str(pj, "build_info");
      }
    } else if (const HttpResponse v = get("/version"); v.status == 200) {  // vLLM
      const json vj = json::parse(v.body, nullptr, false);
      if (!vj.is_discarded() && vj.is_object() && !str(vj, "version").empty()) s.version = str(vj, "version");
    }
    if (s.version.empty()) s.version = models->header("server");
  }
  if (s.models.size() > 10000) s.models.resize(10000);
  auto list = [&] {
    std::string l;
    for (std::size_t i = 0; i < s.models.size() && i < 20; ++i) l += (i ? ", " : "") + s.models[i];
    if (s.models.size() > 20) l += ", ...";
    return l;
  };
  if (model.empty()) {
    if (s.models.empty()) fail(base_, "the server has no models");
    s.model = s.models.front();
  } else {
    // Ollama names a bare model by its tag "latest".
    const auto it = std::find_if(s.models.begin(), s.models.end(), [&](const std::string& m) {
      return m == model || (s.api == BenchApi::ollama && model.find(':') == std::string::npos && m == model + ":latest");
    });
    // llama-server answers with whatever model it was started with, whatever its list says.
    if (it == s.models.end() && !(s.api == BenchApi::llamacpp && s.models.size() <= 1))
      fail(base_, "model '" + model + "' not found on the server (it has: " + (s.models.empty() ? "none" : list()) + ")");
    s.model = it != s.models.end() ? *it : model;
  }
  if (s.api == BenchApi::ollama) {
    const json body = {{"model", s.model}};
    const HttpResponse show = http_.post(base_ + "/api/show", {body.dump(), "application/json", kMetaCap, 0, {}});
    if (show.status == 200) {
      const json j = parse_json(show, "Ollama's model details");
      if (j.contains("details") && j["details"].is_object()) {
        const json& d = j["details"];
        s.family = str(d, "family");
        s.parameter_size = str(d, "parameter_size");
        s.quantization = str(d, "quantization_level");
      }
      if (j.contains("model_info") && j["model_info"].is_object())
        for (const auto& [k, v] : j["model_info"].items())
          if (k.size() > 15 && k.compare(k.size() - 15, 15, ".context_length") == 0 && v.is_number_integer())
            s.context_length = v.get<std::int64_t>();
    }
    // /api/ps lists loaded models; the model is loaded by the warm-up, so ask again after the runs.
  }
  return s;
}

RunSample BenchClient::run(const ServerInfo& s, const RunSettings& r) {
  RunSample out;
  HttpPost post;
  post.total_timeout_seconds = r.total_timeout_seconds;
  const double start = clock_();
  if (s.api == BenchApi::ollama) {
    const json body = {{"model", s.model},
                       {"prompt", r.prompt},
                       {"stream", false},
                       {"options", {{"num_predict", r.max_tokens}, {"temperature", 0}, {"seed", r.seed}}}};
    post.body = body.dump();
    post.max_body = kAnswerCap;
    const HttpResponse a = http_.post(base_ + "/api/generate", post);
    out.total_seconds = clock_() - start;
    if (a.status != 200) fail_status(a);
    const json j = parse_json(a, "an Ollama generation");
    out.timing = "server";
    out.prompt_tokens = count(j, "prompt_eval_count").value_or(0);
    out.generated_tokens = count(j, "eval_count").value_or(0);
    // Ollama's durations are nanoseconds (api/types.go Metrics).
    if (auto d = count(j, "prompt_eval_duration")) out.prompt_seconds = double(*d) / 1e9;
    if (auto d = count(j, "eval_duration")) out.decode_seconds = double(*d) / 1e9;
    if (auto d = count(j, "load_duration")) out.load_seconds = double(*d) / 1e9;
    check_counts(a.url, out, r);
    if (!out.decode_seconds || *out.decode_seconds <= 0) fail(a.url, "the server reports no eval_duration for its tokens");
  } else if (s.api == BenchApi::llamacpp) {
    const json body = {{"prompt", r.prompt},    {"n_predict", r.max_tokens}, {"temperature", 0},
                       {"seed", r.seed},        {"cache_prompt", false},     {"stream", false}};
    post.body = body.dump();
    post.max_body = kAnswerCap;
    const HttpResponse a = http_.post(base_ + "/completion", post);
    out.total_seconds = clock_() - start;
    if (a.status != 200) fail_status(a);
    const json j = parse_json(a, "a llama.cpp completion");
    if (!j.contains("timings") || !j["timings"].is_object()) fail(a.url, "the answer has no timings object (is this llama-server? try --api openai)");
    const json& t = j["timings"];
    out.timing = "server";
    out.prompt_tokens = count(t, "prompt_n").value_or(0);
    out.generated_tokens = count(t, "predicted_n").value_or(0);
    if (auto ms = number(t, "prompt_ms")) out.prompt_seconds = *ms / 1e3;
    if (auto ms = number(t, "predicted_ms")) out.decode_seconds = *ms / 1e3;
    check_counts(a.url, out, r);
    if (!out.decode_seconds || *out.decode_seconds <= 0) fail(a.url, "the server reports no predicted_ms for its tokens");
    // Its own rate must agree with its counts and times (1 % for rounding), or neither can be trusted.
    if (auto pps = number(t, "predicted_per_second"); pps && *pps > 0) {
      const double mine = double(out.generated_tokens) / *out.decode_seconds;
      if (std::abs(mine - *pps) > 0.01 * mine)
        fail(a.url, "the server's predicted_per_second (" + std::to_string(*pps) + ") disagrees with predicted_n / predicted_ms (" +
                        std::to_string(mine) + "): its timings cannot be trusted");
    }
  } else {
    json body = {{"model", s.model},
                 {"max_tokens", r.max_tokens},
                 {"temperature", 0},
                 {"seed", r.seed},
                 {"stream", true},
                 {"stream_options", {{"include_usage", true}}}};
    if (completions_) body["prompt"] = r.prompt;
    else body["messages"] = json::array({{{"role", "user"}, {"content", r.prompt}}});
    post.body = body.dump();
    post.max_body = kStreamCap;
    SseReader sse;
    std::optional<double> first, last;
    bool done = false;
    std::optional<std::int64_t> usage_prompt, usage_completion;
    json timings;
    std::string bad;
    const std::string url = base_ + (completions_ ? "/v1/completions" : "/v1/chat/completions");
    auto on_event = [&](const std::string& data) {
      if (done || !bad.empty()) return;
      if (data == "[DONE]") {
        done = true;
        return;
      }
      const json e = json::parse(data, nullptr, false);
      if (e.is_discarded() || !e.is_object()) {
        bad = "a stream event that is not JSON: " + quote_cut(data, 60);
        return;
      }
      if (e.contains("error")) {
        bad = "the server reported an error mid-stream: " + quote_cut(e["error"].dump(), 100);
        return;
      }
      if (e.contains("choices") && e["choices"].is_array() && !e["choices"].empty() && e["choices"][0].is_object()) {
        const json& c = e["choices"][0];
        std::string text = str(c, "text");
        if (c.contains("delta") && c["delta"].is_object()) text += str(c["delta"], "content") + str(c["delta"], "reasoning_content");
        if (!text.empty()) {
          const double now = clock_() - start;
          if (!first) first = now;
          if (last) out.inter_token.push_back(now - *last);
          last = now;
          ++out.streamed_tokens;
        }
      }
      if (e.contains("timings") && e["timings"].is_object()) timings = e["timings"];  // llama-server's final chunk
      if (e.contains("usage") && e["usage"].is_object()) {
        usage_prompt = count(e["usage"], "prompt_tokens");
        usage_completion = count(e["usage"], "completion_tokens");
      }
    };
    post.on_data = [&](const char* d, std::size_t n) {
      sse.feed(d, n, on_event);
      return bad.empty();
    };
    HttpResponse a = http_.post(url, post);
    if (a.status == 404 && !completions_ && out.streamed_tokens == 0) {  // a completions-only server
      completions_ = true;
      return run(s, r);
    }
    out.total_seconds = clock_() - start;
    if (a.status != 200) fail_status(a);
    if (!bad.empty()) fail(url, bad);
    if (!done) {
      if (out.streamed_tokens == 0 && !a.body.empty() && a.body.find("data:") == std::string::npos)
        fail(url, "the server answered " + looks_like(a) + ", not a server-sent event stream");
      fail(url, "the stream ended before its [DONE] event (the server closed it after " + std::to_string(out.streamed_tokens) + " tokens)");
    }
    out.timing = "client";
    out.usage_reported = usage_completion.has_value();
    out.generated_tokens = usage_completion.value_or(out.streamed_tokens);
    out.prompt_tokens = usage_prompt.value_or(0);
    if (first) {
      out.ttft_seconds = *first;
      out.prompt_seconds = *first;
      out.decode_seconds = *last - *first;
    }
    check_counts(url, out, r);
    // llama-server streams its own timings object at the end: where present, its phases are used as
    // /completion's are (server-measured, the first token included in neither client figure).
    const auto pn = count(timings, "predicted_n"), qn = count(timings, "prompt_n");
    const auto pms = number(timings, "predicted_ms"), qms = number(timings, "prompt_ms");
    if (pn && pms && *pn > 0 && *pms > 0) {
      out.timing = "server";
      out.decode_seconds = *pms / 1e3;
      out.decode_rate = double(*pn) / *out.decode_seconds;
      if (qn && qms && *qn > 0 && *qms > 0) {
        out.prompt_seconds = *qms / 1e3;
        out.prompt_rate = double(*qn) / *out.prompt_seconds;
      }
      return out;
    }
    if (out.generated_tokens > 1 && out.decode_seconds && *out.decode_seconds > 0)
      out.decode_rate = double(out.generated_tokens - 1) / *out.decode_seconds;
    if (out.prompt_seconds && *out.prompt_seconds > 0) out.prompt_rate = double(out.prompt_tokens) / *out.prompt_seconds;
    return out;
  }
  if (out.prompt_seconds && *out.prompt_seconds > 0) out.prompt_rate = double(out.prompt_tokens) / *out.prompt_seconds;
  out.decode_rate = double(out.generated_tokens) / *out.decode_seconds;
  return out;
}

void BenchClient::read_loaded(ServerInfo& s) {
  if (s.api != BenchApi::ollama) return;
  const HttpResponse r = http_.get(base_ + "/api/ps", std::nullopt, kMetaCap);
  if (r.status != 200) return;
  const json j = json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("models") || !j["models"].is_array()) return;
  for (const json& m : j["models"])
    if (m.is_object() && (str(m, "name") == s.model || str(m, "model") == s.model)) {
      s.size = static_cast<std::uint64_t>(count(m, "size").value_or(0));
      s.size_vram = static_cast<std::uint64_t>(count(m, "size_vram").value_or(0));
    }
}

}  // namespace vramfit::io
