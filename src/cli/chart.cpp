// vramfit chart MODEL --device D: the memory breakdown of each device against its capacity, as a
// terminal bar chart; --curve: the memory a full offload needs as the context grows, with each
// device's capacity as a line. --svg FILE writes the same chart as SVG ('-' = stdout, instead of text).
// The numbers come from engine/chart.hpp; here they are drawn.
#include <algorithm>
#include <cmath>
#include <fstream>

#include <fmt/format.h>

#include "base/diagnostics.hpp"
#include "cli/commands.hpp"
#include "cli/render.hpp"
#include "cli/report.hpp"
#include "engine/chart.hpp"
#include "formats/parse.hpp"

namespace vramfit::cli {
namespace {

struct ChartOptions {
  std::string model;
  WorkloadOptions workload;
  std::vector<std::string> devices;
  std::string reserve, ram, contexts, svg, width = "60";
  bool curve = false;
};

// One stacked bar: named parts (bytes) against a capacity.
struct Bar {
  std::string label;
  std::vector<std::pair<char, double>> parts;  // fill character, GiB
  double capacity = 0;                         // GiB, 0 = unknown
  [[nodiscard]] double total() const {
    double t = 0;
    for (const auto& p : parts) t += p.second;
    return t;
  }
};

const char* kPartNames[] = {"weights", "KV cache", "compute buffer", "runtime overhead"};
const char kFill[] = {'#', '=', '+', '.'};
const char* kColours[] = {"#4e79a7", "#f28e2b", "#59a14f", "#bab0ac"};

std::string escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '&') o += "&amp;";
    else if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else o += c;
  }
  return o;
}

std::string bars_text(const std::vector<Bar>& bars, int width) {
  double scale = 0;
  std::size_t label_w = 0;
  for (const Bar& b : bars) scale = std::max({scale, b.total(), b.capacity}), label_w = std::max(label_w, b.label.size());
  if (scale <= 0) scale = 1;
  std::string out;
  for (const Bar& b : bars) {
    std::string line(static_cast<std::size_t>(width), ' ');
    double acc = 0;
    for (const auto& [ch, v] : b.parts) {
      const int from = static_cast<int>(std::lround(acc / scale * width));
      acc += v;
      const int to = static_cast<int>(std::lround(acc / scale * width));
      for (int i = from; i < to && i < width; ++i) line[static_cast<std::size_t>(i)] = ch;
    }
    if (b.capacity > 0) {
      const int cap = std::min(width - 1, static_cast<int>(std::lround(b.capacity / scale * width)) - 1);
      if (cap >= 0) line[static_cast<std::size_t>(cap)] = '|';
    }
    out += fmt::format("  {:<{}} [{}] {:.2f} / {} GiB\n", b.label, label_w, line, b.total(),
                       b.capacity > 0 ? fmt::format("{:.2f}", b.capacity) : "?");
  }
  return out;
}

std::string bars_svg(const std::vector<Bar>& bars, const std::string& title) {
  const int w = 760, left = 170, right = 30, bar_h = 26, gap = 18, top = 50;
  const int h = top + int(bars.size()) * (bar_h + gap) + 70;
  double scale = 0;
  for (const Bar& b : bars) scale = std::max({scale, b.total(), b.capacity});
  if (scale <= 0) scale = 1;
  const double px = double(w - left - right) / scale;
  std::string s = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"{}\" y=\"24\" font-size=\"14\" font-weight=\"bold\">{}</text>\n",
      w, h, w, h, 10, escape(title));
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const int y = top + int(i) * (bar_h + gap);
    s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", left - 8, y + bar_h / 2 + 4, escape(b.label));
    double x = left;
    for (std::size_t k = 0; k < b.parts.size(); ++k) {
      const double bw = b.parts[k].second * px;
      if (bw > 0) s += fmt::format("<rect x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\"/>\n", x, y, bw, bar_h, kColours[k]);
      x += bw;
    }
    if (b.capacity > 0) {
      const double cx = left + b.capacity * px;
      s += fmt::format("<line x1=\"{:.1f}\" y1=\"{}\" x2=\"{:.1f}\" y2=\"{}\" stroke=\"#d62728\" stroke-width=\"2\"/>\n", cx, y - 4, cx, y + bar_h + 4);
    }
    s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" fill=\"#333\">{:.2f} / {} GiB</text>\n", left + 4.0, y + bar_h + 13, b.total(),
                     b.capacity > 0 ? fmt::format("{:.2f}", b.capacity) : "?");
  }
  const int ly = h - 24;
  for (int k = 0; k < 4; ++k) {
    const int lx = 10 + k * 150;
    s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" y=\"{}\">{}</text>\n", lx, ly - 10, kColours[k], lx + 16, ly, kPartNames[k]);
  }
  s += fmt::format("<line x1=\"610\" y1=\"{}\" x2=\"610\" y2=\"{}\" stroke=\"#d62728\" stroke-width=\"2\"/><text x=\"616\" y=\"{}\">capacity</text>\n", ly - 12, ly + 2, ly);
  return s + "</svg>\n";
}

std::string ctx_label(std::int64_t c) { return c % 1024 == 0 ? fmt::format("{}k", c / 1024) : std::to_string(c); }

struct Curve {
  std::vector<std::int64_t> contexts;
  std::vector<double> need_gib;
  std::vector<std::pair<std::string, double>> capacities;  // label, GiB
};

std::string curve_text(const Curve& c, int width) {
  double scale = 0;
  for (double v : c.need_gib) scale = std::max(scale, v);
  for (const auto& cap : c.capacities) scale = std::max(scale, cap.second);
  if (scale <= 0) scale = 1;
  std::string out;
  for (std::size_t i = 0; i < c.contexts.size(); ++i) {
    std::string line(static_cast<std::size_t>(width), ' ');
    const int n = std::min(width, static_cast<int>(std::lround(c.need_gib[i] / scale * width)));
    for (int k = 0; k < n; ++k) line[static_cast<std::size_t>(k)] = '#';
    for (std::size_t d = 0; d < c.capacities.size(); ++d) {
      const int x = std::min(width - 1, static_cast<int>(std::lround(c.capacities[d].second / scale * width)) - 1);
      if (x >= 0) line[static_cast<std::size_t>(x)] = static_cast<char>('A' + d);
    }
    out += fmt::format("  {:>6} [{}] {:.2f} GiB\n", ctx_label(c.contexts[i]), line, c.need_gib[i]);
  }
  out += "\n";
  for (std::size_t d = 0; d < c.capacities.size(); ++d)
    out += fmt::format("  {} = {}: {:.2f} GiB\n", static_cast<char>('A' + d), c.capacities[d].first, c.capacities[d].second);
  return out;
}

std::string curve_svg(const Curve& c, const std::string& title) {
  const int w = 800, h = 420, left = 70, right = 230, top = 50, bottom = 60;
  double ymax = 0;
  for (double v : c.need_gib) ymax = std::max(ymax, v);
  for (const auto& cap : c.capacities) ymax = std::max(ymax, cap.second);
  ymax = ymax <= 0 ? 1 : std::ceil(ymax * 1.1 / 8) * 8;
  const double x0 = std::log2(double(c.contexts.front())), x1 = std::log2(double(c.contexts.back()));
  auto X = [&](std::int64_t ctx) { return left + (x1 > x0 ? (std::log2(double(ctx)) - x0) / (x1 - x0) : 0.5) * (w - left - right); };
  auto Y = [&](double g) { return top + (1 - g / ymax) * (h - top - bottom); };
  std::string s = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"10\" y=\"24\" font-size=\"14\" font-weight=\"bold\">{}</text>\n",
      w, h, w, h, escape(title));
  for (int k = 0; k <= 4; ++k) {  // y grid every quarter
    const double g = ymax * k / 4;
    s += fmt::format("<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#ddd\"/><text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{:g}</text>\n",
                     left, Y(g), w - right, Y(g), left - 6, Y(g) + 4, g);
  }
  for (std::int64_t ctx : c.contexts)
    s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", X(ctx), h - bottom + 18, ctx_label(ctx));
  s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">context (tokens, log scale)</text>\n", (left + w - right) / 2, h - 18);
  s += fmt::format("<text x=\"16\" y=\"{}\" transform=\"rotate(-90 16 {})\" text-anchor=\"middle\">GiB</text>\n", (top + h - bottom) / 2, (top + h - bottom) / 2);
  static const char* caps[] = {"#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f"};
  std::vector<double> label_y;  // labels of equal capacities would overlap: move them down
  for (std::size_t d = 0; d < c.capacities.size(); ++d) {
    const double y = Y(c.capacities[d].second);
    double ly = y + 4;
    for (bool moved = true; moved;) {
      moved = false;
      for (double other : label_y)
        if (std::abs(other - ly) < 14) ly = other + 14, moved = true;
    }
    label_y.push_back(ly);
    s += fmt::format("<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"{}\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>"
                     "<text x=\"{}\" y=\"{:.1f}\" fill=\"{}\">{} {:.1f} GiB</text>\n",
                     left, y, w - right, y, caps[d % 6], w - right + 6, ly, caps[d % 6], escape(c.capacities[d].first), c.capacities[d].second);
  }
  std::string pts;
  for (std::size_t i = 0; i < c.contexts.size(); ++i) pts += fmt::format("{}{:.1f},{:.1f}", i ? " " : "", X(c.contexts[i]), Y(c.need_gib[i]));
  s += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"#4e79a7\" stroke-width=\"2.5\"/>\n", pts);
  for (std::size_t i = 0; i < c.contexts.size(); ++i)
    s += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"#4e79a7\"/>\n", X(c.contexts[i]), Y(c.need_gib[i]));
  s += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#333\"/>\n", left, h - bottom, w - right, h - bottom);
  s += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#333\"/>\n", left, top, left, h - bottom);
  return s + "</svg>\n";
}

void write_svg(Context& ctx, const std::string& path, const std::string& svg, std::string& text) {
  if (path == "-") {
    text = svg;
    return;
  }
  std::ofstream out(path, std::ios::binary);
  if (!out || !(out << svg)) throw io::InputError(path + ": cannot write the SVG file");
  text += "wrote " + path + "\n";
  (void)ctx;
}

// The answer's bars in GiB, with the fill characters of the legend.
std::vector<Bar> bars_of(const ChartAnswer& a) {
  std::vector<Bar> bars;
  for (const ChartBar& cb : a.bars) {
    Bar b;
    b.label = cb.label;
    const Bytes parts[] = {cb.weights, cb.kv, cb.compute, cb.overhead};
    for (int k = 0; k < 4; ++k) b.parts.emplace_back(kFill[k], to_gib(parts[k]));
    b.capacity = cb.capacity_known ? to_gib(cb.capacity) : 0;
    bars.push_back(b);
  }
  return bars;
}

Curve curve_of(const ChartAnswer& a) {
  Curve c;
  for (const CurvePoint& p : a.curve) {
    c.contexts.push_back(p.context);
    c.need_gib.push_back(to_gib(p.need));
  }
  for (const CapacityLine& l : a.capacities) c.capacities.emplace_back(l.device, l.gib);
  return c;
}

std::string notes_text(const ChartAnswer& a) {
  std::string s;
  for (const std::string& n : a.notes) s += "  note: " + n + "\n";
  return s;
}

// --json: the numbers the chart draws (docs/json.md "chart"): bars in bytes, or the curve and the
// capacity lines.
Json chart_json(const ChartAnswer& a, bool curve) {
  Json j = json_document("chart");
  j["model"] = model_json(a.query);
  j["quant"] = a.query.mix->mix.id;
  j["context"] = a.query.workload.context;
  if (!curve) {
    j["verdict"] = to_string(a.verdict);
    Json bars = Json::array();
    for (const ChartBar& b : a.bars)
      bars.push_back({{"label", b.label}, {"weights_bytes", b.weights.value()}, {"kv_bytes", b.kv.value()},
                      {"compute_bytes", b.compute.value()}, {"overhead_bytes", b.overhead.value()},
                      {"capacity_bytes", b.capacity_known ? Json(b.capacity.value()) : Json(nullptr)}});
    j["bars"] = bars;
  } else {
    Json points = Json::array(), caps = Json::array();
    for (const CurvePoint& p : a.curve) points.push_back({{"context", p.context}, {"need_bytes", p.need.value()}});
    for (const CapacityLine& l : a.capacities) caps.push_back({{"device", l.device}, {"usable_gib", l.gib}});
    j["curve"] = points;
    j["capacities"] = caps;
  }
  j["notes"] = a.notes;
  return j;
}

int run_chart(Context& ctx, const ChartOptions& o) {
  const int width = static_cast<int>(io::parse_count(o.width, "--width", 20, 400));
  const ChartAnswer a = answer_chart(ctx, {o.model, o.workload, o.devices, o.reserve, o.ram, o.curve, o.contexts});
  if (ctx.format() == "json") {
    if (!o.svg.empty()) throw io::InputError("chart: --svg and --json are two outputs: give one");
    ctx.io.out << dump(chart_json(a, o.curve));
    return !o.curve && a.verdict == Verdict::does_not_fit ? 1 : 0;
  }
  if (ctx.format() == "csv" || ctx.format() == "md")
    throw io::InputError("chart: --format " + ctx.format() + " is not a chart format (text, --svg FILE or --json)");
  if (!o.curve) {
    const std::vector<Bar> bars = bars_of(a);
    const std::string title = headline(a.query);
    std::string text;
    if (!o.svg.empty()) write_svg(ctx, o.svg, bars_svg(bars, title), text);
    if (o.svg != "-") {
      text = "memory: " + title + " · verdict " + to_string(a.verdict) + "\n\n" + bars_text(bars, width) +
             "\n  # weights  = KV cache  + compute buffer  . runtime overhead  | capacity (usable)\n" + notes_text(a) +
             (text.empty() ? "" : "\n" + text);
    }
    ctx.io.out << text;
    return a.verdict == Verdict::does_not_fit ? 1 : 0;
  }
  const Curve curve = curve_of(a);
  const ModelSpec& m = a.query.model->spec;
  const std::string title = fmt::format("{} ({}) · {} · GPU memory for a full offload vs context", m.name, m.id, a.query.mix->mix.id);
  std::string text;
  if (!o.svg.empty()) write_svg(ctx, o.svg, curve_svg(curve, title), text);
  if (o.svg != "-")
    text = title + "\n\n" + curve_text(curve, width) +
           "\n  # = weights except token embeddings + KV cache + compute buffer + one CUDA runtime overhead (as `table MODEL`)\n"
           "  capacity: usable memory of the device(s); N GPUs: N x usable less the overhead of each extra GPU\n" + notes_text(a) +
           (text.empty() ? "" : "\n" + text);
  ctx.io.out << text;
  return 0;
}

}  // namespace

void setup_chart(CLI::App& app, Context& ctx, int& exit_code) {
  auto opt = std::make_shared<ChartOptions>();
  CLI::App* sub = app.add_subcommand("chart", "memory breakdown against device capacity, or memory vs context (--curve); --svg FILE");
  sub->add_option("model", opt->model, "catalog id, alias or Ollama tag; or a GGUF file, a Hugging Face directory or config.json, an https:// URL, hf:ORG/REPO[:QUANT]")->required();
  opt->workload.add_to(*sub);
  sub->add_option("-d,--device", opt->devices, "device spec (repeatable; with --curve one capacity line each)")->required();
  sub->add_option("--reserve", opt->reserve, "memory per GPU held by other processes or the desktop");
  sub->add_option("--ram", opt->ram, "host RAM for layers that do not fit on the GPUs");
  sub->add_flag("--curve", opt->curve, "memory vs context with each device's capacity line");
  sub->add_option("--contexts", opt->contexts, "contexts of the curve (default 1k, 2k, 4k ... the model maximum)");
  sub->add_option("--svg", opt->svg, "write the chart as SVG to FILE ('-': to stdout instead of the text chart)");
  sub->add_option("--width", opt->width, "bar width in characters (default 60)");
  sub->callback([&ctx, &exit_code, opt] { exit_code = run_chart(ctx, *opt); });
}

}  // namespace vramfit::cli
