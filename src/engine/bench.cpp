#include "engine/bench.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>

#include <fmt/format.h>

#include "base/diagnostics.hpp"
#include "engine/calibrate.hpp"
#include "engine/memory.hpp"
#include "engine/speed.hpp"
#include "formats/parse.hpp"

namespace vramfit::engine {
namespace {

using io::BenchApi;
using io::InputError;

// Prompt indices: the two sizing probes, then warm-up and measured runs. Seven digits each, so that
// every prompt's first line has the same number of tokens.
constexpr std::int64_t kProbeIndex = 9000001;
constexpr std::int64_t kRunIndex = 1000001;

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The server's model as a catalog model: Ollama names through ollama.yaml; other servers' names
// ("org/Model-Name", "model.Q4_K_M.gguf") only when they are a catalog id or alias; never a download.
struct Mapped {
  std::string ref, quant, how;
};
std::optional<Mapped> map_server_model(const io::Catalog& cat, const io::ServerInfo& s) {
  if (s.api == BenchApi::ollama) {
    const auto m = cat.resolve_ollama(s.model);
    if (!m) return std::nullopt;
    Mapped r{s.model, m->mix, m->explanation};
    // /api/show names the stored quantization; it wins over the tag's default when the catalog knows it.
    if (!s.quantization.empty()) try {
        r.quant = cat.mix(s.quantization).mix.id;
        if (r.quant != m->mix) r.how += fmt::format("; /api/show says {}", r.quant);
      } catch (const InputError&) {
      }
    return r;
  }
  std::string name = s.model;
  if (const auto slash = name.rfind('/'); slash != std::string::npos) name = name.substr(slash + 1);
  if (lower(name).size() > 5 && lower(name).compare(name.size() - 5, 5, ".gguf") == 0) name.resize(name.size() - 5);
  for (const std::string& n : {s.model, name, lower(name)})
    if (const io::CatalogModel* m = cat.find_model(n)) return Mapped{m->spec.id, "", "the server's model '" + s.model + "' = " + m->spec.id};
  return std::nullopt;
}

BenchPrediction predict(Session& s, const BenchRequest& r, const BenchAnswer& a) {
  const io::Catalog& cat = s.catalog();
  BenchPrediction out;
  WorkloadRequest w = r.workload;
  std::string ref = r.predict;
  out.how = "--predict " + r.predict;
  if (ref.empty()) {
    const auto m = map_server_model(cat, a.server);
    if (!m) throw InputError("the server's model '" + a.server.model + "' is not in the catalog: name it with --predict MODEL");
    ref = m->ref;
    if (w.quant.empty()) w.quant = m->quant;
    out.how = m->how;
  }
  if (w.runtime == "llama.cpp" && a.server.api == BenchApi::ollama) w.runtime = "ollama";
  const std::int64_t prompt = std::llround(a.prompt_tokens.median);
  const std::int64_t generated = std::llround(a.generated_tokens.median);
  if (w.context.empty()) w.context = std::to_string(std::max<std::int64_t>(kDefaultContext, prompt + a.max_tokens));
  const Query q = resolve_query(s, ref, w);
  DeviceRequest dr = r.placement;
  if (dr.devices.empty()) dr.devices = {"local"};
  dr.cpu_backend = r.backend == "cpu";
  const ResolvedPlacement rp = resolve_placement(s, q, dr);
  const MemoryEstimate e = estimate(s, q);
  const ModelSpec& m = q.model->spec;
  const Placement p = place(m, e, rp.request);
  check_backend(r.backend, rp.specs);
  const SpeedSetup setup = speed_setup(cat, rp.specs, p, r.backend, rp.cpu_cores);
  out.model = m.id;
  out.model_name = m.name;
  out.quant = q.mix->mix.id;
  out.params_b = double(query_params(q).total) / 1e9;
  out.weights_gib = to_gib(e.weights.total);
  for (const DeviceSpec& d : rp.specs)
    if (out.device.empty() || (!d.device->device.is_cpu() && out.device_kind == "cpu")) {
      out.device = d.device->device.id;
      out.device_name = d.device->device.name;
      out.device_kind = std::string(to_string(d.device->device.kind));
      out.bandwidth_gbs = d.device->device.bandwidth().value() / 1e9;
    }
  out.backend = setup.gpus.empty() ? setup.host.backend : setup.gpus.front().backend;
  // Decoding runs from the end of the prompt to prompt + generated tokens: its mean position.
  out.position = prompt + generated / 2;
  out.context = q.workload.context;
  out.calibrates = calibration_key(q, p, setup).usable();
  out.decode = decode_speed(m, e, p, setup, out.position);
  out.prefill = prefill_speed(m, e, p, setup, prompt, prefill_pass_tokens(*q.runtime, q.workload, prompt));
  if (!out.decode.known) throw InputError("no speed prediction for " + out.model + " on " + out.device + " (see `vramfit fit`)");
  if (p.verdict == Verdict::does_not_fit) throw InputError(out.model + " " + out.quant + " does not fit on " + out.device + " as predicted: check --device and -q");
  out.decode_ratio = a.decode.median / out.decode.tokens_per_second.value();
  out.decode_position = band_position(a.decode.median, out.decode.low.value(), out.decode.high.value());
  if (out.prefill.known && a.prompt.count > 0) {
    out.prefill_ratio = a.prompt.median / out.prefill.tokens_per_second.value();
    out.prefill_position = band_position(a.prompt.median, out.prefill.low.value(), out.prefill.high.value());
  }
  return out;
}

std::vector<double> collect(const std::vector<io::RunSample>& runs, std::optional<double> io::RunSample::*field) {
  std::vector<double> v;
  for (const io::RunSample& r : runs)
    if (r.*field) v.push_back(*(r.*field));
  return v;
}

}  // namespace

std::optional<std::int64_t> words_for_tokens(std::int64_t target, std::int64_t words1, std::int64_t tokens1,
                                             std::int64_t words2, std::int64_t tokens2) {
  if (words2 == words1 || tokens2 <= tokens1) return std::nullopt;
  const double per_word = double(tokens2 - tokens1) / double(words2 - words1);
  const double words = double(words1) + double(target - tokens1) / per_word;
  return std::max<std::int64_t>(1, std::llround(words));
}

BenchAnswer answer_bench(Session& s, const BenchRequest& r, const BenchProgress& progress) {
  BenchAnswer a;
  const std::int64_t runs = io::parse_count(r.runs, "--runs", 1, 1000);
  a.warmup = io::parse_count(r.warmup, "--warmup", 0, 100);
  // Two tokens at least: a streamed decode rate leaves the first one out.
  a.max_tokens = io::parse_count(r.max_tokens, "--max-tokens", 2, 1000000);
  a.prompt_target = io::parse_tokens(r.prompt_tokens, "--prompt-tokens");
  if (a.prompt_target < 1 || a.prompt_target > 4000000) throw InputError("--prompt-tokens must be between 1 and 4M");
  const std::optional<BenchApi> api = r.api.empty() ? std::nullopt : std::optional<BenchApi>(io::parse_bench_api(r.api));
  const auto say = [&](const std::string& what) {
    if (progress) progress(what);
  };

  io::HttpOptions http;
  http.timeout_seconds = r.timeout_seconds;
  http.total_timeout_seconds = 10 * r.timeout_seconds;  // lists and details: a trickling server is cut off too
  io::BenchClient client(r.server, http, r.clock);
  say("connecting to " + r.server);
  a.server = client.connect(api, r.model);
  a.date = utc_now();

  io::RunSettings run;
  run.seed = a.seed;
  run.total_timeout_seconds = 10 * r.timeout_seconds;
  // Sizing: two probes of one generated token tell how the server counts the prompt's words (its
  // tokenizer and chat template); the runs then use the word count that makes `prompt_target` tokens.
  run.max_tokens = 1;
  const std::int64_t w1 = std::max<std::int64_t>(1, a.prompt_target / 2), w2 = std::max<std::int64_t>(w1 + 1, a.prompt_target);
  say("sizing the prompt");
  run.prompt = io::bench_prompt(w1, kProbeIndex);
  const io::RunSample p1 = client.run(a.server, run);
  a.load_seconds = p1.load_seconds;
  run.prompt = io::bench_prompt(w2, kProbeIndex + 1);
  const io::RunSample p2 = client.run(a.server, run);
  if (!p1.usage_reported || !p2.usage_reported) {
    a.prompt_words = a.prompt_target;
    a.notes.push_back("the server reports no token counts (no usage in its stream): the prompt is " + std::to_string(a.prompt_words) +
                      " words, and generated tokens are counted as streamed events");
  } else if (const auto words = words_for_tokens(a.prompt_target, w1, p1.prompt_tokens, w2, p2.prompt_tokens)) {
    a.prompt_words = *words;
  } else {
    throw InputError(fmt::format("{}: the server's prompt token counts do not grow with the prompt ({} tokens for {} words, {} for {})",
                                 r.server, p1.prompt_tokens, w1, p2.prompt_tokens, w2));
  }

  run.max_tokens = a.max_tokens;
  for (std::int64_t i = 0; i < a.warmup + runs; ++i) {
    const bool warm = i < a.warmup;
    say(warm ? fmt::format("warm-up {}/{}", i + 1, a.warmup) : fmt::format("run {}/{}", i - a.warmup + 1, runs));
    run.prompt = io::bench_prompt(a.prompt_words, kRunIndex + i);
    io::RunSample sample = client.run(a.server, run);
    if (!warm) {
      if (sample.decode_rate) say(fmt::format("run {}/{}: {:.1f} tok/s", i - a.warmup + 1, runs, *sample.decode_rate));
      a.runs.push_back(std::move(sample));
    }
  }
  client.read_loaded(a.server);

  std::vector<double> decode, prompt_tokens, generated, inter;
  for (const io::RunSample& x : a.runs) {
    if (x.decode_rate) decode.push_back(*x.decode_rate);
    prompt_tokens.push_back(double(x.prompt_tokens));
    generated.push_back(double(x.generated_tokens));
    inter.insert(inter.end(), x.inter_token.begin(), x.inter_token.end());
  }
  if (decode.empty())
    throw InputError(r.server + ": no run generated two tokens or more: no decode rate (the model stopped at once; raise --max-tokens or try another prompt length)");
  a.decode = sample_stats(decode);
  a.prompt = sample_stats(collect(a.runs, &io::RunSample::prompt_rate));
  a.ttft = sample_stats(collect(a.runs, &io::RunSample::ttft_seconds));
  std::vector<double> totals;
  for (const io::RunSample& x : a.runs) totals.push_back(x.total_seconds);
  a.total = sample_stats(totals);
  a.inter_token = sample_stats(inter);
  a.prompt_tokens = sample_stats(prompt_tokens);
  a.generated_tokens = sample_stats(generated);
  if (decode.size() < a.runs.size())
    a.notes.push_back(fmt::format("{} of {} runs generated a single token: no decode rate for them", a.runs.size() - decode.size(), a.runs.size()));
  if (a.generated_tokens.min < double(a.max_tokens))
    a.notes.push_back(fmt::format("some runs stopped before --max-tokens {} (end of sequence): their own counts are used", a.max_tokens));

  const bool asked = !r.predict.empty() || !r.placement.devices.empty();
  try {
    a.prediction = predict(s, r, a);
  } catch (const InputError& e) {
    if (asked) throw;
    a.prediction_skipped = e.what();
  }

  switch (a.server.api) {
    case BenchApi::ollama:
      a.assumptions.push_back("decode = eval_count / eval_duration, prompt = prompt_eval_count / prompt_eval_duration, as Ollama "
                              "measured them (/api/generate, not streamed; durations in ns)");
      break;
    case BenchApi::llamacpp:
      a.assumptions.push_back("decode = predicted_n / predicted_ms, prompt = prompt_n / prompt_ms, as llama-server measured them "
                              "(/completion timings, cache_prompt off)");
      break;
    case BenchApi::openai:
      if (a.runs.front().timing == "server") {
        a.assumptions.push_back("decode = predicted_n / predicted_ms, prompt = prompt_n / prompt_ms of the timings object llama-server "
                                "sent at the end of its stream; time to first token and inter-token times timed by vramfit");
        break;
      }
      a.assumptions.push_back("decode = (completion tokens - 1) / (last token - first token), timed by vramfit as the stream "
                              "arrived; the first token is left out (its time is the prompt's); prompt = prompt tokens / time "
                              "to first token (includes queueing and the network)");
      break;
  }
  a.assumptions.push_back(fmt::format(
      "prompt of {} words, sized by two probes so that the server counts about {} tokens; the counts the server reports are used",
      a.prompt_words, a.prompt_target));
  a.assumptions.push_back(fmt::format("temperature 0, seed {}, at most {} tokens per run; {} warm-up run{} left out; median, min, "
                                      "max; spread = (max - min) / median",
                                      a.seed, a.max_tokens, a.warmup, a.warmup == 1 ? "" : "s"));
  if (a.prediction) {
    const BenchPrediction& p = *a.prediction;
    a.assumptions.push_back(fmt::format(
        "prediction: {} {} on {} ({}), decode at position {} (prompt + half the generated tokens), the catalog profile without "
        "your saved runs; {}",
        p.model, p.quant, p.device, p.backend, p.position, p.how));
  }

  io::Measurement& m = a.measurement;
  m.date = a.date;
  m.server = io::to_string(a.server.api);
  m.server_version = a.server.version;
  m.server_model = a.server.model;
  m.prompt_tokens = std::llround(a.prompt_tokens.median);
  m.generated_tokens = std::llround(a.generated_tokens.median);
  m.runs = static_cast<std::int64_t>(a.runs.size());
  m.decode_tps = a.decode.median;
  m.prefill_tps = a.prompt.count > 0 ? a.prompt.median : 0;
  if (a.prediction) {
    const BenchPrediction& p = *a.prediction;
    // Only a run with every layer on one kind of GPU calibrates (calibrate.cpp): the others are saved
    // without a prediction.
    m.device = p.device;
    m.backend = p.backend;
    m.model = p.model;
    m.quant = p.quant;
    m.context = p.context;
    if (p.calibrates) {
      m.predicted_decode_tps = p.decode.tokens_per_second.value();
      m.predicted_prefill_tps = p.prefill.known ? p.prefill.tokens_per_second.value() : 0;
    }
  }
  if (r.save) {
    const std::string path = s.measurements_file();
    io::append_measurement(path, m);
    a.saved_to = path;
  }
  return a;
}

}  // namespace vramfit::engine
