#include "accuracy/fit.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <sstream>

#include <fmt/format.h>

namespace vramfit::accuracy {
namespace {

// A profile with fewer decode rows than this fits its bandwidth efficiency only: a handful of rows of
// one model size cannot tell a fixed cost from an efficiency. A device-class profile then takes the fixed
// costs of its backend's general profile (same runtime, same launch overheads); a general profile sets
// them to zero, so that its efficiency is an effective one for the model sizes it was measured on.
constexpr std::size_t kFullDecodeFit = 10;
constexpr std::size_t kOwnBand = 5;
constexpr const char* kReference = "cuda";

// The objective: mean |ln error| (robust to the outliers docs/speed.md lists), plus a tiny squared term
// that breaks its ties: with two rows every value between them has the same |ln| sum, and the squared
// term picks their geometric middle instead of an end of the grid.
double loss(double predicted, double measured) {
  const double l = std::log(predicted / measured);
  return std::abs(l) + 1e-3 * l * l;
}

bool quantized(const Case& c) { return c.estimate.weights.bits_per_weight() < 12.0; }

const SpeedDevice& first_device(const Case& c) { return c.setup.gpus.empty() ? c.setup.host : c.setup.gpus.front(); }

// Decode time of a single-profile case is linear in its parameters: t = A / eta + N t_layer + D t_token.
struct DecodeTerms {
  double a = 0, n = 0, d = 0;
};

DecodeTerms decode_terms(Case& c, const SpeedProfile& p) {
  std::vector<SpeedProfile> probe{p};
  SpeedProfile& q = probe.front();
  q.decode_band = {};
  auto time = [&](double eta, double tl, double tt) {
    q.bandwidth_efficiency = eta;
    q.per_layer = Seconds(tl);
    q.per_token = Seconds(tt);
    c.setup.profiles = &probe;
    return decode_speed(c.spec, c.estimate, c.placement, c.setup, c.position).time.value();
  };
  DecodeTerms t;
  t.a = time(1, 0, 0);
  t.n = time(1, 1, 0) - t.a;
  t.d = time(1, 0, 1) - t.a;
  return t;
}

// Searches the grid for the lowest mean |ln error|; ties keep the first (smallest) values.
struct DecodeFit {
  double eta = 1, per_layer = 0, per_token = 0;
};

DecodeFit fit_decode(const std::vector<DecodeTerms>& rows, const std::vector<double>& measured, bool full,
                     const DecodeFit& fixed) {
  DecodeFit best = fixed;
  double best_err = INFINITY;
  std::vector<double> layers{fixed.per_layer}, tokens{fixed.per_token};
  if (full) {
    layers.clear();
    tokens.clear();
    for (int i = 0; i <= 60; ++i) layers.push_back(i * 5e-6);     // 0 .. 300 us per layer
    for (int i = 0; i <= 60; ++i) tokens.push_back(i * 100e-6);   // 0 .. 6 ms per device and token
  }
  for (int ie = 0; ie <= 180; ++ie) {
    const double eta = 0.10 + ie * 0.005;  // 10 .. 100 % of peak bandwidth
    for (double tl : layers)
      for (double tt : tokens) {
        double err = 0;
        for (std::size_t i = 0; i < rows.size(); ++i)
          err += loss(1.0 / (rows[i].a / eta + rows[i].n * tl + rows[i].d * tt), measured[i]);
        if (err < best_err - 1e-12) best_err = err, best = {eta, tl, tt};
      }
  }
  return best;
}

// One-dimensional search over a log-spaced grid [lo, hi] in steps of 1 %.
double fit_scalar(double lo, double hi, const std::function<double(double)>& err) {
  double best = lo, best_err = INFINITY;
  for (double x = lo; x <= hi; x *= 1.01) {
    const double e = err(x);
    if (e < best_err - 1e-12) best_err = e, best = x;
  }
  return best;
}

bool belongs(const Case& c, const SpeedProfile& p, const std::vector<SpeedProfile>& profiles) {
  const SpeedProfile* q = profile_of(c, profiles);
  return q != nullptr && q->id == p.id;
}

// Fits one profile's decode parameters on `rows` (indexes into cases).
void fit_profile_decode(std::vector<Case>& cases, const std::vector<std::size_t>& rows, SpeedProfile& p,
                        const SpeedProfile* parent) {
  std::vector<DecodeTerms> terms;
  std::vector<double> measured;
  for (std::size_t i : rows) {
    terms.push_back(decode_terms(cases[i], p));
    measured.push_back(cases[i].measured);
  }
  const bool full = rows.size() >= kFullDecodeFit;
  DecodeFit fixed;
  if (!full && parent != nullptr) fixed = {1, parent->per_layer.value(), parent->per_token.value()};
  if (rows.empty()) {
    p.per_layer = Seconds(fixed.per_layer);
    p.per_token = Seconds(fixed.per_token);
    return;
  }
  const DecodeFit f = fit_decode(terms, measured, full, fixed);
  p.bandwidth_efficiency = f.eta;
  p.per_layer = Seconds(f.per_layer);
  p.per_token = Seconds(f.per_token);
}

double prefill_error(std::vector<Case>& cases, const std::vector<std::size_t>& rows, const SpeedProfile& p) {
  std::vector<SpeedProfile> one{p};
  double err = 0;
  for (std::size_t i : rows) {
    const double pred = predict(cases[i], one);
    err += pred > 0 ? loss(pred, cases[i].measured) : 10.0;
  }
  return err;
}

// Fits the prefill efficiencies on dense rows, then the MoE factor on MoE rows. `moe_parent` gives the
// factor when the profile has no MoE rows. Returns whether it had any.
bool fit_profile_prefill(std::vector<Case>& cases, const std::vector<std::size_t>& rows, SpeedProfile& p,
                         double moe_parent) {
  // Each parameter's rows: those of current builds, or those of older builds where there are none (the
  // FP16 rows of some backends are all older: cuBLAS GEMMs, which the MMQ rewrites did not change).
  enum Bucket { kQuant, kFloat, kCores, kBandwidth, kMoe };
  std::vector<std::size_t> current[5], older[5];
  for (std::size_t i : rows) {
    const SpeedDevice& d = first_device(cases[i]);
    const bool q = quantized(cases[i]);
    const Bucket b = cases[i].spec.moe.present()                       ? kMoe
                     : (q ? d.int8_peak : d.f16_peak).value() > 0     ? (q ? kQuant : kFloat)
                     : d.gpu_cores > 0                                ? kCores
                                                                      : kBandwidth;
    (cases[i].legacy ? older : current)[b].push_back(i);
  }
  auto pick = [&](Bucket b) { return current[b].empty() ? older[b] : current[b]; };
  const std::vector<std::size_t> q_rows = pick(kQuant), f_rows = pick(kFloat), c_rows = pick(kCores),
                                 b_rows = pick(kBandwidth), moe_rows = pick(kMoe);
  SpeedProfile w = p;
  w.prefill_band = {};
  w.moe_factor = 1.0;
  auto search = [&](const std::vector<std::size_t>& r, double SpeedProfile::*field, double lo, double hi) {
    if (r.empty()) return 0.0;
    return fit_scalar(lo, hi, [&](double x) {
      SpeedProfile t = w;
      t.*field = x;
      return prefill_error(cases, r, t);
    });
  };
  p.compute_efficiency_quantized = w.compute_efficiency_quantized =
      search(q_rows, &SpeedProfile::compute_efficiency_quantized, 0.005, 1.0);
  p.compute_efficiency_float = w.compute_efficiency_float = search(f_rows, &SpeedProfile::compute_efficiency_float, 0.005, 1.0);
  // A backend measured with one weight class only uses the same fraction of peak for the other.
  if (q_rows.empty()) p.compute_efficiency_quantized = w.compute_efficiency_quantized = p.compute_efficiency_float;
  if (f_rows.empty()) p.compute_efficiency_float = w.compute_efficiency_float = p.compute_efficiency_quantized;
  p.flops_per_core = w.flops_per_core = search(c_rows, &SpeedProfile::flops_per_core, 1e9, 1e13);
  // φ times the devices without a core count. Where every row has one (the CPU rows), φ is fitted on them
  // with ψ set aside, so that a device whose cores are not known (a CPU preset) still gets an estimate.
  const bool fallback = b_rows.empty() && !c_rows.empty();
  const double psi = w.flops_per_core;
  if (fallback) w.flops_per_core = 0;
  p.flops_per_byte = w.flops_per_byte = search(fallback ? c_rows : b_rows, &SpeedProfile::flops_per_byte, 0.5, 500.0);
  w.flops_per_core = psi;
  p.moe_factor = moe_rows.empty() ? moe_parent : search(moe_rows, &SpeedProfile::moe_factor, 0.05, 1.0);
  p.prefill_rows = static_cast<std::int64_t>(q_rows.size() + f_rows.size() + c_rows.size() + b_rows.size() + moe_rows.size());
  return !moe_rows.empty();
}

SpeedBand band_of(const std::vector<double>& ratios) {
  SpeedBand b;
  if (ratios.empty()) return b;
  b.low = std::min(1.0, percentile(ratios, 0.10));
  b.high = std::max(1.0, percentile(ratios, 0.90));
  // Two decimals, rounded outwards: the band is never narrower than the residuals.
  b.low = std::floor(b.low * 100) / 100;
  b.high = std::ceil(b.high * 100) / 100;
  return b;
}

}  // namespace

const SpeedProfile* profile_of(const Case& c, const std::vector<SpeedProfile>& profiles) {
  return find_profile(profiles, first_device(c));
}

double predict(Case& c, const std::vector<SpeedProfile>& profiles) {
  c.setup.profiles = &profiles;
  if (c.kind == Kind::decode) {
    const DecodeSpeed d = decode_speed(c.spec, c.estimate, c.placement, c.setup, c.position);
    return d.known ? d.tokens_per_second.value() : 0.0;
  }
  const PrefillSpeed p = prefill_speed(c.spec, c.estimate, c.placement, c.setup, c.prompt, c.ubatch);
  return p.known ? p.tokens_per_second.value() : 0.0;
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double pos = q * double(v.size() - 1);
  const std::size_t lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - double(lo)) * (v[hi] - v[lo]);
}

ErrorStats error_stats(const std::vector<double>& e) {
  return {static_cast<int>(e.size()), percentile(e, 0.5), percentile(e, 0.9)};
}

FitResult fit_profiles(std::vector<Case>& cases, const std::vector<SpeedProfile>& start) {
  FitResult out;
  out.profiles = start;
  std::vector<SpeedProfile>& prof = out.profiles;
  // The reference first, then the other general profiles, then device classes (they inherit).
  auto rank = [](const SpeedProfile& p) { return p.id == kReference ? 0 : p.device_class.empty() ? 1 : 2; };
  std::stable_sort(prof.begin(), prof.end(), [&](const SpeedProfile& a, const SpeedProfile& b) { return rank(a) < rank(b); });
  auto rows_of = [&](const SpeedProfile& p, Kind k) {
    std::vector<std::size_t> r;
    for (std::size_t i = 0; i < cases.size(); ++i)
      if (cases[i].kind == k && belongs(cases[i], p, start)) r.push_back(i);
    return r;
  };
  // The rows a profile is fitted on: those of current builds, or all when it has none of those.
  auto fit_rows_of = [&](const SpeedProfile& p, Kind k) {
    std::vector<std::size_t> all = rows_of(p, k), current;
    for (std::size_t i : all)
      if (!cases[i].legacy) current.push_back(i);
    return current.empty() ? all : current;
  };
  auto find = [&](const std::string& id) -> const SpeedProfile* {
    for (const SpeedProfile& p : prof)
      if (p.id == id) return &p;
    return nullptr;
  };
  // A device-class profile inherits from its backend's general profile.
  auto parent = [&](const SpeedProfile& p) -> const SpeedProfile* {
    if (p.device_class.empty()) return nullptr;
    for (const SpeedProfile& q : prof)
      if (q.backend == p.backend && q.device_class.empty()) return &q;
    return nullptr;
  };
  std::map<std::string, bool> own_moe;
  // MoE factor without MoE rows of its own: the parent's if that was measured, else the reference's.
  auto moe_parent = [&](const SpeedProfile& p) {
    const SpeedProfile* par = parent(p);
    if (par != nullptr && own_moe[par->id]) return par->moe_factor;
    const SpeedProfile* ref = find(kReference);
    return ref != nullptr && ref->id != p.id ? ref->moe_factor : 1.0;
  };
  for (SpeedProfile& p : prof) {
    const auto rows = fit_rows_of(p, Kind::decode);
    fit_profile_decode(cases, rows, p, parent(p));
    p.decode_rows = static_cast<std::int64_t>(rows.size());
  }
  for (SpeedProfile& p : prof) own_moe[p.id] = fit_profile_prefill(cases, rows_of(p, Kind::prefill), p, moe_parent(p));

  // Leave one device out: refit the case's own profile without every row of the case's device (what a
  // user of a device the data has never seen gets), then predict the device's rows.
  out.cross_validated.assign(cases.size(), 0.0);
  for (SpeedProfile& p : prof) {
    for (Kind k : {Kind::decode, Kind::prefill}) {
      const auto fitted = k == Kind::decode ? fit_rows_of(p, k) : rows_of(p, k);  // prefill picks per parameter
      std::map<std::string, std::vector<std::size_t>> by_device;
      for (std::size_t i : rows_of(p, k)) by_device[cases[i].device_id].push_back(i);
      for (const auto& [device, held] : by_device) {
        std::vector<std::size_t> rest;
        for (std::size_t i : fitted)
          if (cases[i].device_id != device) rest.push_back(i);
        if (rest.empty()) continue;  // nothing to fit on: no cross-validated prediction
        SpeedProfile q = p;
        if (k == Kind::decode) fit_profile_decode(cases, rest, q, parent(p));
        else fit_profile_prefill(cases, rest, q, moe_parent(p));
        std::vector<SpeedProfile> one{q};
        one.front().decode_band = one.front().prefill_band = {};
        for (std::size_t i : held) out.cross_validated[i] = predict(cases[i], one);
      }
    }
  }
  // Bands from the cross-validated ratios measured / predicted.
  std::vector<double> pooled[2];
  for (std::size_t i = 0; i < cases.size(); ++i)
    if (out.cross_validated[i] > 0)
      pooled[int(cases[i].kind)].push_back(cases[i].measured / out.cross_validated[i]);
  for (SpeedProfile& p : prof) {
    for (Kind k : {Kind::decode, Kind::prefill}) {
      std::vector<double> own;
      for (std::size_t i : fit_rows_of(p, k))
        if (out.cross_validated[i] > 0) own.push_back(cases[i].measured / out.cross_validated[i]);
      SpeedBand b = band_of(own.size() >= kOwnBand ? own : pooled[int(k)]);
      // Too few rows for a band of its own: the pooled band, widened to cover this profile's own
      // in-sample residuals (a profile that fits badly must not borrow a narrow band). A prefill timed per
      // core with a bandwidth fallback (the CPU) covers the residuals of both, since one band serves both.
      const bool fallback = k == Kind::prefill && p.flops_per_core > 0 && p.flops_per_byte > 0;
      if (own.size() < kOwnBand)
        for (std::size_t i : fit_rows_of(p, k))
          for (bool by_bandwidth : {false, true}) {
            if (by_bandwidth && !fallback) continue;
            std::vector<SpeedProfile> one{p};
            one.front().decode_band = one.front().prefill_band = {};
            if (by_bandwidth) one.front().flops_per_core = 0;
            const double pred = predict(cases[i], one);
            if (pred <= 0) continue;
            b.low = std::min(b.low, std::floor(cases[i].measured / pred * 100) / 100);
            b.high = std::max(b.high, std::ceil(cases[i].measured / pred * 100) / 100);
          }
      (k == Kind::decode ? p.decode_band : p.prefill_band) = b;
    }
  }
  // Back to the order of the data file.
  std::vector<SpeedProfile> ordered;
  for (const SpeedProfile& s : start)
    for (const SpeedProfile& p : prof)
      if (p.id == s.id) ordered.push_back(p);
  prof = ordered;
  return out;
}

std::string profiles_yaml(const std::vector<SpeedProfile>& profiles, const std::string& provenance) {
  std::ostringstream o;
  // The first line lets editors check the file against data/schema (docs/catalog-format.md).
  o << "# yaml-language-server: $schema=schema/speed.yaml.schema.json\n"
    << "# vramfit speed model parameters. Schema: docs/catalog-format.md (\"speed.yaml\"); the model, the fit\n"
    << "# and its error: docs/speed.md. Written by `vramfit_accuracy --fit` (bench/accuracy) from\n# " << provenance << ".\n"
    << "schema_version: 1\nprofiles:\n";
  auto num = [](double v) { return fmt::format("{:.4g}", v); };
  for (const SpeedProfile& p : profiles) {
    o << "- id: " << p.id << "\n  backend: " << p.backend << "\n";
    if (!p.device_class.empty()) o << "  device_class: " << p.device_class << "\n";
    o << "  decode: {bandwidth_efficiency: " << num(p.bandwidth_efficiency) << ", per_layer_us: "
      << num(p.per_layer.value() * 1e6) << ", per_token_us: " << num(p.per_token.value() * 1e6)
      << ", band: {low: " << num(p.decode_band.low) << ", high: " << num(p.decode_band.high) << "}, rows: " << p.decode_rows
      << "}\n";
    o << "  prefill: {efficiency_quantized: " << num(p.compute_efficiency_quantized)
      << ", efficiency_float: " << num(p.compute_efficiency_float) << ", flops_per_byte: " << num(p.flops_per_byte);
    if (p.flops_per_core > 0) o << ", flops_per_core: " << num(p.flops_per_core);
    o << ", moe_factor: " << num(p.moe_factor)
      << ", band: {low: " << num(p.prefill_band.low) << ", high: " << num(p.prefill_band.high) << "}, rows: " << p.prefill_rows
      << "}\n";
    o << "  source:\n";
    for (const std::string& s : p.source) o << "  - " << (s.find(':') != std::string::npos && s.find("http") != 0 ? "\"" + s + "\"" : s) << "\n";
  }
  return o.str();
}

}  // namespace vramfit::accuracy
