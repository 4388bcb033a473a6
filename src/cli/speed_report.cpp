#include "cli/speed_report.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace vramfit::cli {
namespace {

std::string rate(double tps) {
  if (tps >= 100) return fmt::format("{:.0f}", tps);
  if (tps >= 10) return fmt::format("{:.1f}", tps);
  return fmt::format("{:.2f}", tps);
}

std::string duration(double s) {
  if (s >= 1) return fmt::format("{:.2f} s", s);
  if (s >= 0.01) return fmt::format("{:.0f} ms", s * 1e3);
  return fmt::format("{:.1f} ms", s * 1e3);
}

std::string band(double low, double high) { return rate(low) + "-" + rate(high); }

// "47-80 ms", or "0.95-1.40 s" when both ends are a second or more.
std::string duration_band(double low, double high) {
  const std::string a = duration(low), b = duration(high);
  const auto unit = [](const std::string& s) { return s.substr(s.rfind(' ')); };
  return unit(a) == unit(b) ? a.substr(0, a.rfind(' ')) + "-" + b : a + "-" + b;
}

}  // namespace

namespace {

// The default: one line with decode at the start and the end of the context (and at --at), and
// prefill with the time to first token.
std::string speed_line(const SpeedReport& r, const Workload& w, const std::string& label) {
  const DecodeSpeed& a = r.decode[0];
  const DecodeSpeed& c = r.decode[2];
  const DecodeBound& ua = r.upper_bound[0];
  const DecodeBound& uc = r.upper_bound[2];
  std::vector<std::string> parts;
  if (a.known) {
    std::string d = fmt::format("{} tok/s decode ({})", rate(a.tokens_per_second.value()), band(a.low.value(), a.high.value()));
    if (c.position != a.position) d += fmt::format(", {} at {} tokens", rate(c.tokens_per_second.value()), c.position);
    parts.push_back(d);
  } else if (ua.known && uc.known) {
    parts.push_back(fmt::format("at most {} tok/s decode, {} at {} tokens (upper bound)", rate(ua.tokens_per_second.value()),
                                rate(uc.tokens_per_second.value()), w.context));
  }
  if (r.at && r.at_bound) {
    if (r.at->known) parts.push_back(fmt::format("{} tok/s at {} (--at)", rate(r.at->tokens_per_second.value()), r.at->position));
    else if (r.at_bound->known)
      parts.push_back(fmt::format("at most {} tok/s at {} (--at)", rate(r.at_bound->tokens_per_second.value()), r.at_bound->position));
  }
  const PrefillSpeed& f = r.prefill;
  if (f.known)
    parts.push_back(fmt::format("prefill {} tok/s · first token {}{}", rate(f.tokens_per_second.value()), duration(f.ttft.value()),
                                f.prompt == kDefaultPrompt ? "" : fmt::format(" ({}-token prompt)", f.prompt)));
  if (!r.unknown_why.empty()) parts.push_back(r.unknown_why);
  if (parts.empty()) return "";
  return fmt::format("{}{}: {}\n", label, r.calibrated ? "" : fmt::format(" (llama.cpp's; not measured for {})", r.runtime), fmt::join(parts, " · "));
}

}  // namespace

std::string speed_text(const SpeedReport& r, const Workload& w, const TextOptions& t, const std::string& label) {
  if (!t.explain) return wrap(speed_line(r, w, label), t.columns, 7);
  return wrap(speed_lines(r, w), t.columns, 8);
}

std::string speed_lines(const SpeedReport& r, const Workload& w) {
  std::string out;
  // data/speed.yaml is fitted on llama.cpp runs: say so before the figures of any other runtime.
  if (!r.calibrated)
    out += fmt::format("speed: calibrated on llama.cpp only: the figures below are what llama.cpp reaches on these devices, not measured for {}\n",
                       r.runtime);
  const DecodeSpeed& a = r.decode[0];
  const DecodeSpeed& b = r.decode[1];
  const DecodeSpeed& c = r.decode[2];
  const DecodeBound& ua = r.upper_bound[0];
  const DecodeBound& uc = r.upper_bound[2];
  if (a.known) {
    out += fmt::format("decode: {} tok/s at the start (band {}), {} at {} tokens ({}), {} at {} tokens ({})\n",
                       rate(a.tokens_per_second.value()), band(a.low.value(), a.high.value()),
                       rate(b.tokens_per_second.value()), b.position, band(b.low.value(), b.high.value()),
                       rate(c.tokens_per_second.value()), c.position, band(c.low.value(), c.high.value()));
    if (ua.known && uc.known)
      out += fmt::format("        upper bound {} / {} tok/s at the start / end ({} and {} read per token at peak bandwidth)\n",
                         rate(ua.tokens_per_second.value()), rate(uc.tokens_per_second.value()), gb_str(ua.bytes_read),
                         gb_str(uc.bytes_read));
  } else if (ua.known && uc.known) {
    out += fmt::format("decode: at most {} tok/s at the start, {} tok/s at {} tokens (upper bound; {} and {} read per token)\n",
                       rate(ua.tokens_per_second.value()), rate(uc.tokens_per_second.value()), w.context,
                       gb_str(ua.bytes_read), gb_str(uc.bytes_read));
  }
  if (r.at && r.at_bound) {
    const DecodeSpeed& d = *r.at;
    const DecodeBound& u = *r.at_bound;
    if (d.known)
      out += fmt::format("decode at {} tokens (--at): {} tok/s (band {}){}\n", d.position, rate(d.tokens_per_second.value()),
                         band(d.low.value(), d.high.value()),
                         u.known ? fmt::format("; upper bound {} tok/s ({} read per token)", rate(u.tokens_per_second.value()), gb_str(u.bytes_read)) : "");
    else if (u.known)
      out += fmt::format("decode at {} tokens (--at): at most {} tok/s (upper bound; {} read per token)\n", u.position,
                         rate(u.tokens_per_second.value()), gb_str(u.bytes_read));
  }
  const PrefillSpeed& f = r.prefill;
  if (f.known)
    out += fmt::format("prefill: {} tok/s for a {}-token prompt (band {}, {}-bound); time to first token {} ({})\n",
                       rate(f.tokens_per_second.value()), f.prompt, band(f.low.value(), f.high.value()),
                       f.compute_bound ? "compute" : "bandwidth", duration(f.ttft.value()),
                       duration_band(f.ttft_low.value(), f.ttft_high.value()));
  if (!r.unknown_why.empty()) out += "speed: " + r.unknown_why + "\n";
  return out;
}

namespace {

Json or_null(bool known, double v) { return known ? Json(v) : Json(nullptr); }

Json decode_point_json(const DecodeSpeed& d, const DecodeBound& u) {
  Json x;
  x["position"] = d.position;
  x["bytes_read_per_token"] = u.bytes_read.value();
  x["tokens_per_second"] = or_null(d.known, d.tokens_per_second.value());
  x["tokens_per_second_low"] = or_null(d.known, d.low.value());
  x["tokens_per_second_high"] = or_null(d.known, d.high.value());
  x["seconds_per_token"] = or_null(d.known, d.time.value());
  x["upper_bound_tokens_per_second"] = or_null(u.known, u.tokens_per_second.value());
  return x;
}

}  // namespace

Json calibration_json(const Calibration& c) {
  if (!c.applied) return Json(nullptr);
  return {{"runs", c.runs},
          {"same_model_and_quant", c.exact_model},
          {"device", c.device},
          {"backend", c.backend},
          {"file", c.file},
          {"decode_factor", c.decode_factor},
          {"prefill_factor", c.prefill_factor}};
}

Json speed_json(const SpeedReport& r) {
  Json j;
  Json profiles = Json::array();
  for (const SpeedProfile* p : r.profiles)
    profiles.push_back({{"id", p->id},
                        {"backend", p->backend},
                        {"device_class", p->device_class},
                        {"bandwidth_efficiency", p->bandwidth_efficiency},
                        {"per_layer_seconds", p->per_layer.value()},
                        {"per_token_seconds", p->per_token.value()},
                        {"decode_band", {{"low", p->decode_band.low}, {"high", p->decode_band.high}}},
                        {"decode_rows", p->decode_rows},
                        {"compute_efficiency_quantized", p->compute_efficiency_quantized},
                        {"compute_efficiency_float", p->compute_efficiency_float},
                        {"flops_per_byte", p->flops_per_byte},
                        {"flops_per_core", p->flops_per_core},
                        {"moe_factor", p->moe_factor},
                        {"prefill_band", {{"low", p->prefill_band.low}, {"high", p->prefill_band.high}}},
                        {"prefill_rows", p->prefill_rows},
                        {"source", p->source}});
  j["profiles"] = profiles;
  Json dec = Json::array();
  for (std::size_t i = 0; i < r.decode.size(); ++i) dec.push_back(decode_point_json(r.decode[i], r.upper_bound[i]));
  j["decode"] = dec;
  // --at N: the same fields at that position; null when not asked.
  j["decode_at"] = r.at && r.at_bound ? decode_point_json(*r.at, *r.at_bound) : Json(nullptr);
  // data/speed.yaml is fitted on llama.cpp runs; calibrated false: the runtime asked is another one.
  j["calibrated_for"] = "llama.cpp";
  j["runtime"] = r.runtime;
  j["runtime_calibrated"] = r.calibrated;
  const PrefillSpeed& f = r.prefill;
  Json pf;
  pf["prompt_tokens"] = f.prompt;
  pf["flops"] = f.flops.value();
  pf["tokens_per_second"] = or_null(f.known, f.tokens_per_second.value());
  pf["tokens_per_second_low"] = or_null(f.known, f.low.value());
  pf["tokens_per_second_high"] = or_null(f.known, f.high.value());
  pf["seconds"] = or_null(f.known, f.time.value());
  pf["compute_seconds"] = or_null(f.known, f.compute_time.value());
  pf["read_seconds"] = or_null(f.known, f.read_time.value());
  pf["compute_bound"] = f.known ? Json(f.compute_bound) : Json(nullptr);
  pf["time_to_first_token_seconds"] = or_null(f.known, f.ttft.value());
  pf["time_to_first_token_low_seconds"] = or_null(f.known, f.ttft_low.value());
  pf["time_to_first_token_high_seconds"] = or_null(f.known, f.ttft_high.value());
  j["prefill"] = pf;
  j["unknown_reason"] = r.unknown_why.empty() ? Json(nullptr) : Json(r.unknown_why);
  j["calibration"] = calibration_json(r.calibration);
  return j;
}

}  // namespace vramfit::cli
