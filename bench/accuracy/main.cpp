// bench/accuracy: how well vramfit's speed model predicts measured llama.cpp runs.
//
//   vramfit_accuracy [MEASURED.yaml] [--map FILE] [--rows] [--fit]
//                    [--max-decode-median PCT] [--max-prefill-median PCT]
//
// Predicts every usable row of shared/reference/measured_speed.yaml (decode rows at their context
// position, prefill rows at their prompt length) with the profiles of data/speed.yaml, and prints per
// backend and overall the median and 90th percentile of |ln(predicted / measured)| (shown as % off:
// 100 x (e^x - 1)), next to the rule of thumb (decode = bandwidth / file size; prefill = peak FP16
// FLOP/s / 2 x active params). --fit searches the parameters (docs/speed.md) and prints the data file.
// --max-*-median fail (exit 1) when the overall median error exceeds the figure (the ctest guard).
// Exit 77 (ctest: skipped) when the measured file is absent.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>

#include <fmt/format.h>

#include "accuracy/cases.hpp"
#include "accuracy/fit.hpp"
#include "catalog/compiled.hpp"

using namespace vramfit;
using namespace vramfit::accuracy;

namespace {

double pct(double abs_log) { return 100.0 * (std::exp(abs_log) - 1.0); }

std::string cell(const ErrorStats& s) {
  if (s.n == 0) return fmt::format("{:>4} {:>7} {:>7}", 0, "-", "-");
  return fmt::format("{:>4} {:>6.1f}% {:>6.1f}%", s.n, pct(s.median), pct(s.p90));
}

struct Errors {
  std::vector<double> model, naive, cv;
};

void print_table(const std::vector<Case>& cases, const std::vector<double>& predicted, const std::vector<double>* cv,
                 ErrorStats& overall_decode, ErrorStats& overall_prefill) {
  std::map<std::string, Errors> by[2];
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    if (predicted[i] <= 0) continue;
    // Rows of older builds (bench/accuracy_map.yaml settings) are reported apart from the backends.
    const std::vector<std::string> keys =
        c.legacy ? std::vector<std::string>{"older builds"} : std::vector<std::string>{c.backend, "overall"};
    for (const std::string& key : keys) {
      Errors& e = by[int(c.kind)][key];
      e.model.push_back(std::abs(std::log(predicted[i] / c.measured)));
      if (c.naive > 0) e.naive.push_back(std::abs(std::log(c.naive / c.measured)));
      if (cv && (*cv)[i] > 0) e.cv.push_back(std::abs(std::log((*cv)[i] / c.measured)));
    }
  }
  const char* names[2] = {"decode", "prefill"};
  for (int k = 0; k < 2; ++k) {
    fmt::print("\n{} tokens/s: error = |ln(predicted/measured)| as % off; median and 90th percentile\n", names[k]);
    fmt::print("{:<12} {:>20}  {:>20}{}\n", "backend", "vramfit  n  med   p90", "rule of thumb", cv ? "  leave-one-device-out" : "");
    for (const char* b : {"cuda", "rocm", "vulkan", "metal", "sycl", "cpu", "overall", "older builds"}) {
      auto it = by[k].find(b);
      if (it == by[k].end()) continue;
      const ErrorStats m = error_stats(it->second.model);
      fmt::print("{:<12} {}  {}{}\n", b, cell(m), cell(error_stats(it->second.naive)),
                 cv ? "  " + cell(error_stats(it->second.cv)) : "");
      if (std::string(b) == "overall") (k == 0 ? overall_decode : overall_prefill) = m;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  const fs::path root = VRAMFIT_SOURCE_DIR;
  std::string measured = (root / ".." / "shared" / "reference" / "measured_speed.yaml").lexically_normal().string();
  std::string map = (root / "bench" / "accuracy_map.yaml").string();
  bool fit = false, rows = false;
  double max_decode = -1, max_prefill = -1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "vramfit_accuracy: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--fit") fit = true;
    else if (a == "--rows") rows = true;
    else if (a == "--map") map = next();
    else if (a == "--max-decode-median") max_decode = std::stod(next());
    else if (a == "--max-prefill-median") max_prefill = std::stod(next());
    else if (!a.empty() && a[0] != '-') measured = a;
    else {
      std::cerr << "usage: vramfit_accuracy [MEASURED.yaml] [--map FILE] [--rows] [--fit] [--max-decode-median PCT] [--max-prefill-median PCT]\n";
      return 2;
    }
  }
  if (!fs::exists(measured)) {
    std::cout << "SKIP: " << measured << " not found (the shared reference data lives beside the repository)\n";
    return 77;
  }
  try {
    const io::Catalog cat = io::compiled_catalog();
    CaseSet set = load_cases(cat, measured, map);
    std::vector<SpeedProfile> profiles = cat.speed;
    std::vector<double> cv;
    if (fit) {
      FitResult r = fit_profiles(set.cases, profiles);
      profiles = r.profiles;
      cv = r.cross_validated;
    }
    std::vector<double> predicted;
    for (Case& c : set.cases) predicted.push_back(predict(c, profiles));

    int n_decode = 0, n_prefill = 0;
    for (const Case& c : set.cases) (c.kind == Kind::decode ? n_decode : n_prefill)++;
    fmt::print("{}: {} rows, {} predicted ({} decode, {} prefill), {} skipped\n", measured, set.rows, set.cases.size(),
               n_decode, n_prefill, set.skipped.size());
    ErrorStats dec, pre;
    print_table(set.cases, predicted, fit ? &cv : nullptr, dec, pre);

    if (rows) {
      fmt::print("\nrow  backend  device | model quant | test: measured -> predicted (ratio), rule of thumb{}\n",
                 fit ? ", left-out device" : "");
      for (std::size_t i = 0; i < set.cases.size(); ++i) {
        const Case& c = set.cases[i];
        const SpeedProfile* p = profile_of(c, profiles);
        fmt::print("{:>3}  {:<7} {}{} | {} {} | {}: {:.1f} -> {:.1f} ({:.2f}), {:.1f}{}  [{}; weights {:.2f} GiB{}]\n", c.index,
                   c.backend, c.legacy ? "(older build) " : "", c.device, c.model, c.quant, c.test, c.measured, predicted[i], predicted[i] / c.measured,
                   c.naive, fit && cv[i] > 0 ? fmt::format(", {:.1f} ({:.2f})", cv[i], cv[i] / c.measured) : "",
                   p ? p->id : "no profile", to_gib(c.estimate.weights.total),
                   c.measured_size_gib > 0 ? fmt::format(" vs {:.2f} measured", c.measured_size_gib) : "");
      }
    }
    fmt::print("\nskipped rows:\n");
    for (const Skipped& s : set.skipped) fmt::print("{:>3}  {}: {}\n", s.index, s.what, s.reason);

    if (fit) {
      const std::string provenance = fmt::format("{} decode and {} prefill rows of shared/reference/measured_speed.yaml",
                                                 n_decode, n_prefill);
      for (SpeedProfile& p : profiles)
        p.source = {"bench/accuracy --fit on " + provenance, "bench/accuracy_map.yaml (row mapping, device specs)",
                    "docs/speed.md (procedure, error table, outliers)"};
      fmt::print("\n--- data/speed.yaml ---\n{}", profiles_yaml(profiles, provenance));
    }
    int code = 0;
    if (max_decode >= 0 && pct(dec.median) > max_decode) {
      fmt::print("FAIL: overall decode median error {:.1f}% exceeds {:.1f}%\n", pct(dec.median), max_decode);
      code = 1;
    }
    if (max_prefill >= 0 && pct(pre.median) > max_prefill) {
      fmt::print("FAIL: overall prefill median error {:.1f}% exceeds {:.1f}%\n", pct(pre.median), max_prefill);
      code = 1;
    }
    return code;
  } catch (const std::exception& e) {
    std::cerr << "vramfit_accuracy: error: " << e.what() << "\n";
    return 2;
  }
}
