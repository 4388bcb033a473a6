#include "catalog/measurements.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "base/diagnostics.hpp"

namespace vramfit::io {
namespace {

// A YAML scalar that reads back as the same string: double-quoted, with escapes.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::string(v) : std::string();
}

}  // namespace

std::string user_data_dir() {
  if (const std::string d = env("VRAMFIT_DATA_DIR"); !d.empty()) return d;
  if (const std::string x = env("XDG_DATA_HOME"); !x.empty()) return x + "/vramfit";
  if (const std::string h = env("HOME"); !h.empty()) return h + "/.local/share/vramfit";
  return "";
}

std::string measurements_path() {
  const std::string d = user_data_dir();
  return d.empty() ? std::string() : d + "/measurements.yaml";
}

std::string measurement_yaml(const Measurement& m) {
  std::string y = fmt::format("- date: {}\n", quoted(m.date));
  auto s = [&](const char* k, const std::string& v) { y += fmt::format("  {}: {}\n", k, quoted(v)); };
  auto i = [&](const char* k, std::int64_t v) { y += fmt::format("  {}: {}\n", k, v); };
  auto d = [&](const char* k, double v) { y += fmt::format("  {}: {:.6g}\n", k, v); };
  s("device", m.device);
  s("backend", m.backend);
  s("server", m.server);
  s("server_version", m.server_version);
  s("server_model", m.server_model);
  s("model", m.model);
  s("quant", m.quant);
  i("context", m.context);
  i("prompt_tokens", m.prompt_tokens);
  i("generated_tokens", m.generated_tokens);
  i("runs", m.runs);
  d("decode_tps", m.decode_tps);
  d("prefill_tps", m.prefill_tps);
  d("predicted_decode_tps", m.predicted_decode_tps);
  d("predicted_prefill_tps", m.predicted_prefill_tps);
  return y;
}

std::vector<Measurement> load_measurements(const std::string& path) {
  std::vector<Measurement> out;
  if (path.empty() || !std::filesystem::exists(path)) return out;
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    throw InputError(fmt::format("{}:{}:{}: {}", path, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  if (root.IsNull()) return out;
  if (!root.IsSequence()) throw InputError(path + ": expected a list of measured runs (vramfit bench --save)");
  for (const YAML::Node& n : root) {
    const std::string where = fmt::format("{}:{}", path, n.Mark().line + 1);
    if (!n.IsMap()) throw InputError(where + ": expected a measured run (date, device, backend, ...)");
    Measurement m;
    try {
      auto s = [&](const char* k) { return n[k] && n[k].IsScalar() ? n[k].as<std::string>() : std::string(); };
      auto i = [&](const char* k) { return n[k] ? n[k].as<std::int64_t>() : std::int64_t{0}; };
      auto d = [&](const char* k) { return n[k] ? n[k].as<double>() : 0.0; };
      m.date = s("date");
      m.device = s("device");
      m.backend = s("backend");
      m.server = s("server");
      m.server_version = s("server_version");
      m.server_model = s("server_model");
      m.model = s("model");
      m.quant = s("quant");
      m.context = i("context");
      m.prompt_tokens = i("prompt_tokens");
      m.generated_tokens = i("generated_tokens");
      m.runs = i("runs");
      m.decode_tps = d("decode_tps");
      m.prefill_tps = d("prefill_tps");
      m.predicted_decode_tps = d("predicted_decode_tps");
      m.predicted_prefill_tps = d("predicted_prefill_tps");
    } catch (const YAML::Exception& e) {
      throw InputError(where + ": " + e.msg);
    }
    out.push_back(std::move(m));
  }
  return out;
}

void append_measurement(const std::string& path, const Measurement& m) {
  if (path.empty()) throw InputError("--save: no data directory (set VRAMFIT_DATA_DIR, XDG_DATA_HOME or HOME)");
  std::error_code ec;
  const std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  if (ec) throw InputError(path + ": cannot create its directory: " + ec.message());
  const bool fresh = !std::filesystem::exists(p);
  std::ofstream f(p, std::ios::app);
  if (!f) throw InputError(path + ": cannot write");
  if (fresh) f << "# Your own runs, appended by `vramfit bench --save` (docs/bench.md). fit, estimate and recommend\n"
                  "# scale their speed predictions by the runs for the same device and backend.\n";
  f << measurement_yaml(m);
  if (!f) throw InputError(path + ": cannot write");
}

}  // namespace vramfit::io
