// vramfit bench --server URL ...: generation runs against a running server (engine/bench.hpp) as a
// table of rates with median, min, max and spread, the prediction beside them, or the JSON document
// "bench"; --export prints the run as rows of reference/measured_speed.yaml instead.
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/render.hpp"
#include "cli/report.hpp"
#include "engine/bench.hpp"
#include "formats/parse.hpp"

namespace vramfit::cli {
namespace {

struct BenchOptions {
  BenchRequest request;
  bool do_export = false;
};

std::string rate_str(double v) {
  if (v >= 100) return fmt::format("{:.0f}", v);
  if (v >= 10) return fmt::format("{:.1f}", v);
  return fmt::format("{:.2f}", v);
}
std::string ms_str(double seconds) { return fmt::format("{:.1f}", seconds * 1e3); }

Json stats_json(const SampleStats& s) {
  if (s.count == 0) return Json(nullptr);
  return {{"count", s.count}, {"median", s.median}, {"min", s.min},       {"max", s.max},
          {"mean", s.mean},   {"stddev", s.stddev}, {"spread", s.spread}};
}

Json opt_json(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }

Json run_json(const io::RunSample& r) {
  Json j;
  j["prompt_tokens"] = r.prompt_tokens;
  j["generated_tokens"] = r.generated_tokens;
  j["decode_tokens_per_second"] = opt_json(r.decode_rate);
  j["prompt_tokens_per_second"] = opt_json(r.prompt_rate);
  j["prompt_seconds"] = opt_json(r.prompt_seconds);
  j["decode_seconds"] = opt_json(r.decode_seconds);
  j["load_seconds"] = opt_json(r.load_seconds);
  j["time_to_first_token_seconds"] = opt_json(r.ttft_seconds);
  j["total_seconds"] = r.total_seconds;
  j["timing"] = r.timing;
  j["streamed_tokens"] = r.streamed_tokens;
  j["usage_reported"] = r.usage_reported;
  j["inter_token_seconds"] = r.inter_token;
  return j;
}

Json band_json(double predicted, double low, double high, const std::optional<BandPosition>& where, double ratio) {
  return {{"tokens_per_second", predicted},
          {"tokens_per_second_low", low},
          {"tokens_per_second_high", high},
          {"measured_over_predicted", ratio},
          {"measured_in_band", where ? Json(std::string(to_string(*where))) : Json(nullptr)}};
}

Json bench_json(const BenchAnswer& a) {
  Json j = json_document("bench");
  const io::ServerInfo& s = a.server;
  j["server"] = {{"url", s.base},
                 {"api", io::to_string(s.api)},
                 {"version", s.version},
                 {"models", s.models},
                 {"model", s.model},
                 {"family", s.family},
                 {"parameter_size", s.parameter_size},
                 {"quantization", s.quantization},
                 {"context_length", s.context_length},
                 {"size_bytes", s.size},
                 {"size_vram_bytes", s.size_vram}};
  j["date"] = a.date;
  j["settings"] = {{"runs", a.runs.size()},           {"warmup", a.warmup},         {"max_tokens", a.max_tokens},
                   {"prompt_tokens_target", a.prompt_target}, {"prompt_words", a.prompt_words}, {"seed", a.seed},
                   {"temperature", 0}};
  j["load_seconds"] = opt_json(a.load_seconds);
  Json runs = Json::array();
  for (const io::RunSample& r : a.runs) runs.push_back(run_json(r));
  j["runs"] = runs;
  j["statistics"] = {{"decode_tokens_per_second", stats_json(a.decode)},
                     {"prompt_tokens_per_second", stats_json(a.prompt)},
                     {"time_to_first_token_seconds", stats_json(a.ttft)},
                     {"inter_token_seconds", stats_json(a.inter_token)},
                     {"total_seconds", stats_json(a.total)},
                     {"prompt_tokens", stats_json(a.prompt_tokens)},
                     {"generated_tokens", stats_json(a.generated_tokens)}};
  if (a.prediction) {
    const BenchPrediction& p = *a.prediction;
    Json pj;
    pj["model"] = p.model;
    pj["quant"] = p.quant;
    pj["device"] = p.device;
    pj["backend"] = p.backend;
    pj["context"] = p.context;
    pj["position"] = p.position;
    pj["how"] = p.how;
    pj["decode"] = band_json(p.decode.tokens_per_second.value(), p.decode.low.value(), p.decode.high.value(), p.decode_position,
                             p.decode_ratio);
    pj["prefill"] = p.prefill.known ? band_json(p.prefill.tokens_per_second.value(), p.prefill.low.value(), p.prefill.high.value(),
                                                p.prefill_position, p.prefill_ratio)
                                    : Json(nullptr);
    j["prediction"] = pj;
  } else {
    j["prediction"] = nullptr;
  }
  j["prediction_skipped"] = a.prediction_skipped.empty() ? Json(nullptr) : Json(a.prediction_skipped);
  j["saved_to"] = a.saved_to.empty() ? Json(nullptr) : Json(a.saved_to);
  j["notes"] = a.notes;
  j["assumptions"] = a.assumptions;
  return j;
}

std::string against(const std::optional<BandPosition>& where) {
  if (!where) return "";
  switch (*where) {
    case BandPosition::inside: return "inside the band";
    case BandPosition::below: return "BELOW the band";
    case BandPosition::above: return "ABOVE the band";
  }
  return "";
}

std::string bench_text(const BenchAnswer& a, const std::string& format, const TextOptions& text) {
  const io::ServerInfo& s = a.server;
  std::string out = fmt::format("server: {} ({}{}), model {}", s.base, io::to_string(s.api), s.version.empty() ? "" : ", " + s.version, s.model);
  if (!s.family.empty() || !s.parameter_size.empty() || !s.quantization.empty())
    out += fmt::format(" ({} {} {})", s.family, s.parameter_size, s.quantization);
  out += "\n";
  if (s.size > 0)
    out += fmt::format("loaded: {:.2f} GB, {:.2f} GB of it on the GPU ({:.0f} %, Ollama /api/ps)\n", double(s.size) / 1e9,
                       double(s.size_vram) / 1e9, 100.0 * double(s.size_vram) / double(s.size));
  if (a.load_seconds) out += fmt::format("load: {:.2f} s (the first request)\n", *a.load_seconds);
  out += fmt::format("runs: {} after {} warm-up; prompt {} tokens (median; {} words for {}), {} generated (median, at most {})\n\n",
                     a.runs.size(), a.warmup, a.prompt_tokens.median, a.prompt_words, a.prompt_target, a.generated_tokens.median,
                     a.max_tokens);
  Table t;
  t.header = {"measured", "median", "min", "max", "spread"};
  t.right = {false, true, true, true, true};
  auto row = [&](const std::string& name, const SampleStats& st, bool seconds) {
    if (st.count == 0) return;
    auto f = [&](double v) { return seconds ? ms_str(v) : rate_str(v); };
    t.rows.push_back({name, f(st.median), f(st.min), f(st.max), fmt::format("{:.1f} %", st.spread * 100)});
  };
  row("decode tok/s", a.decode, false);
  row("prompt tok/s", a.prompt, false);
  row("first token ms", a.ttft, true);
  row("inter-token ms", a.inter_token, true);
  row("total ms", a.total, true);
  out += t.render(format) + "\n";
  if (a.prediction) {
    const BenchPrediction& p = *a.prediction;
    out += fmt::format("predicted for {} {} on {} ({}):\n", p.model, p.quant, p.device, p.backend);
    out += fmt::format("  decode {} tok/s (band {}-{}) at position {}: measured {} = {:.2f} x, {}\n",
                       rate_str(p.decode.tokens_per_second.value()), rate_str(p.decode.low.value()), rate_str(p.decode.high.value()),
                       p.position, rate_str(a.decode.median), p.decode_ratio, against(p.decode_position));
    if (p.prefill.known && a.prompt.count > 0)
      out += fmt::format("  prefill {} tok/s (band {}-{}) for {} tokens: measured {} = {:.2f} x, {}\n",
                         rate_str(p.prefill.tokens_per_second.value()), rate_str(p.prefill.low.value()), rate_str(p.prefill.high.value()),
                         p.prefill.prompt, rate_str(a.prompt.median), p.prefill_ratio, against(p.prefill_position));
  } else if (!a.prediction_skipped.empty()) {
    out += "no prediction: " + a.prediction_skipped + "\n";
  }
  for (const std::string& n : a.notes) out += "note: " + n + "\n";
  if (!a.saved_to.empty()) out += "saved to " + a.saved_to + " (fit, estimate and recommend now use it for this device and backend)\n";
  out += (text.explain ? "\n" : "") + assumptions_text(a.assumptions, text);
  return out;
}

// The rows of reference/measured_speed.yaml (its format: device, device_kind, backend, model, ...; one
// row per test, pp<prompt> and tg<generated> as llama-bench names them).
std::string export_rows(const BenchAnswer& a) {
  if (!a.prediction)
    throw io::InputError("--export needs the device and the model in the catalog (--device ID, --predict MODEL)" +
                         (a.prediction_skipped.empty() ? std::string() : ": " + a.prediction_skipped));
  const BenchPrediction& p = *a.prediction;
  const auto q = [](const std::string& s) {
    std::string o = "'";
    for (char c : s) o += c == '\'' ? std::string("''") : std::string(1, c);
    return o + "'";
  };
  std::string out;
  auto row = [&](const std::string& test, double tps) {
    out += fmt::format("- device: {}\n  device_kind: {}\n  backend: {}\n  model: {}\n  model_params_b: {:.2f}\n  quant: {}\n"
                       "  model_size_gib: {:.2f}\n  test: {}\n  tokens_per_s: {:.2f}\n  batch: 1\n  memory_bandwidth_gbs: {:g}\n"
                       "  confidence: measured\n  source: {}\n  note: {}\n",
                       q(p.device_name), p.device_kind, p.backend, q(p.model_name), p.params_b, p.quant, p.weights_gib, test, tps,
                       p.bandwidth_gbs, q("vramfit bench " + a.date),
                       q(fmt::format("median of {} runs against {} ({}), model '{}'", a.runs.size(), io::to_string(a.server.api),
                                     a.server.version, a.server.model)));
  };
  if (a.prompt.count > 0 && a.runs.front().timing == "server")
    row(fmt::format("pp{}", std::llround(a.prompt_tokens.median)), a.prompt.median);
  row(fmt::format("tg{}", std::llround(a.generated_tokens.median)), a.decode.median);
  return out;
}

int run_bench(Context& ctx, BenchOptions& opt) {
  if (!ctx.global.timeout.empty()) opt.request.timeout_seconds = io::parse_count(ctx.global.timeout, "--timeout", 1, 3600);
  const BenchAnswer a = answer_bench(ctx, opt.request, [&ctx](const std::string& line) { ctx.show_progress("bench: " + line); });
  ctx.clear_progress();
  if (opt.do_export) ctx.io.out << export_rows(a);
  else if (ctx.format() == "json") ctx.io.out << dump(bench_json(a));
  else ctx.io.out << bench_text(a, ctx.format(), ctx.text_options());
  return 0;
}

}  // namespace

void setup_bench(CLI::App& app, Context& ctx, int& exit_code) {
  auto opt = std::make_shared<BenchOptions>();
  BenchRequest& r = opt->request;
  CLI::App* sub = app.add_subcommand("bench", "measure decode and prompt speed on a running server (Ollama, llama-server, OpenAI-compatible) beside the prediction");
  sub->add_option("--server", r.server, "the server's base URL, e.g. http://localhost:11434")->required();
  sub->add_option("--api", r.api, "ollama, openai or llama.cpp (default: asked of the server)");
  sub->add_option("--model", r.model, "the model's name on the server (default: its first)");
  sub->add_option("--runs", r.runs, "measured runs (default 3)");
  sub->add_option("--warmup", r.warmup, "warm-up runs left out of the statistics (default 1)");
  sub->add_option("--max-tokens", r.max_tokens, "tokens generated per run (default 128)");
  sub->add_option("--prompt-tokens", r.prompt_tokens, "prompt length in the server's tokens (default 512)");
  sub->add_option("--predict", r.predict, "model of the prediction: catalog id, Ollama name, GGUF file or remote reference (default: the server's model in the catalog)");
  sub->add_option("-q,--quant", r.workload.quant, "quantization of the prediction (default: what the server reports, else the catalog default)");
  sub->add_option("-c,--context", r.workload.context, "context of the prediction (default 4096, or prompt + max tokens)");
  sub->add_option("--runtime", r.workload.runtime, "runtime profile of the prediction (default llama.cpp; ollama for an Ollama server)");
  sub->add_option("-d,--device", r.placement.devices, "devices of the prediction, ID[:SIZE][xN] (default: local, the machine `vramfit detect` finds)");
  sub->add_option("--gpu-layers,--ngl", r.placement.gpu_layers, "layers on the GPUs, as the server runs them (default auto)");
  sub->add_option("--backend", r.backend, "llama.cpp backend of the prediction: cuda, rocm, vulkan, metal, sycl (default: by vendor)");
  sub->add_flag("--save", r.save, "append the run to measurements.yaml in your data directory ($VRAMFIT_DATA_DIR, $XDG_DATA_HOME/vramfit, ~/.local/share/vramfit)");
  sub->add_flag("--export", opt->do_export, "print the run as rows of reference/measured_speed.yaml, to contribute them");
  sub->callback([&ctx, &exit_code, opt] { exit_code = run_bench(ctx, *opt); });
}

}  // namespace vramfit::cli
