// Evaluating device configurations for recommend / what-fits / chart, and the catalog's candidates.
#include "engine/planning.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <optional>

#include <fmt/format.h>

#include "catalog/planning_data.hpp"
#include "engine/calibrate.hpp"
#include "engine/compat.hpp"
#include "engine/placement_search.hpp"
#include "formats/parse.hpp"

namespace vramfit::engine {

using io::planning_data;

Question make_question(Session& ctx, const std::string& model, const WorkloadRequest& w, const DeviceRequest& p) {
  Question q{resolve_query(ctx, model, w), {}, p};
  q.estimate = estimate(ctx, q.query);
  return q;
}

namespace {

// "GTX 1070 (sm_61): current PyTorch and vLLM wheels do not support this GPU" from the support rules.
std::string compat_caveat(const Device& d) {
  if (d.vendor != "nvidia" || d.compute_capability.empty()) return "";
  std::vector<std::string> missing;
  for (const SupportResult& s : check_support(planning_data().support, d.vendor, d.compute_capability, d.gfx_target))
    if (s.known && !s.supported && (s.runtime.rfind("PyTorch", 0) == 0 || s.runtime == "vLLM")) missing.push_back(s.runtime);
  if (missing.empty()) return "";
  return fmt::format("{} ({}): current {} do not support this GPU (llama.cpp CUDA 12 builds do)", d.name,
                     sm_name(d.compute_capability), missing.size() > 1 ? "PyTorch and vLLM wheels" : missing.front());
}

void add_caveats(const Question& q, Evaluation& ev) {
  const Placement& p = ev.placement;
  std::vector<std::string>& cv = ev.caveats;
  const Config& c = ev.config;
  const std::size_t gpus = p.gpus.size();
  if (gpus > 1) {
    const bool nvlink = std::all_of(c.parts.begin(), c.parts.end(), [](const Device* d) { return d->nvlink_gbs > 0; });
    if (p.split == Parallelism::tensor) {
      cv.push_back(fmt::format("tensor parallel over {}: {:.2f} ms of all-reduces per token", p.link.name,
                               p.tp_comm_per_token.value() * 1e3));
    } else {
      cv.push_back("layer split: the GPUs run one after the other, decoding is no faster than on one GPU");
    }
    if (!nvlink)
      cv.push_back(p.split == Parallelism::tensor ? "no NVLink: every all-reduce crosses PCIe (the PCIe penalty of tensor parallel)"
                                                  : "no NVLink on these cards: fine for the layer split (only activations cross PCIe); tensor parallel (vLLM) would pay PCIe all-reduces");
  }
  if (c.kind == "apple")
    cv.push_back("unified memory bandwidth is shared with the CPU and other processes: sustained speed 15-30 % lower under load (seed 002)");
  std::vector<const Device*> seen;
  for (const Device* d : c.parts) {
    if (std::find(seen.begin(), seen.end(), d) != seen.end()) continue;
    seen.push_back(d);
    if (std::string w = compat_caveat(*d); !w.empty()) cv.push_back(w);
  }
  if (c.price_lower_bound) cv.push_back("price of the entry configuration: more memory costs more");
  if (!c.price_note.empty()) cv.push_back(c.price_note);
  if (c.kind == "cpu") cv.push_back("CPU only: prompt processing is slow; memory bandwidth sets the decode speed");
  if (!ev.speed.unknown_why.empty()) cv.push_back("speed: " + ev.speed.unknown_why);
  (void)q;
}

}  // namespace

std::optional<Evaluation> evaluate(Session& ctx, const Question& q, const Config& c) {
  DeviceRequest opt = q.placement;
  opt.devices = c.devices;
  Evaluation ev;
  ev.config = c;
  ResolvedPlacement rp;
  std::optional<MemoryEstimate> with_repack;  // a CPU host (CPU preset, Apple chip): llama.cpp's CPU_REPACK copy
  try {
    rp = resolve_placement(ctx, q.query, opt);
    if (rp.request.cpu_repack) {
      with_repack = q.estimate;
      with_repack->repack = query_repack(ctx, q.query, rp.cpu);
    }
    const MemoryEstimate& est = with_repack ? *with_repack : q.estimate;
    const bool automatic = !opt.fixes_placement();
    auto start_tps = [&](const Placement& pl) {
      const Workload& w = q.query.workload;
      SpeedReport r = speed_report(q.query.model->spec, est, pl, speed_setup(ctx.catalog(), rp.specs, pl, "", rp.cpu_cores), w,
                                   speed_question(*q.query.runtime, {}, w));
      return !r.decode.empty() && r.decode[0].known ? r.decode[0].tokens_per_second.value() : 0.0;
    };
    ev.placement = pick_placement(q.query.model->spec, est, rp.request, automatic, start_tps).placement;
  } catch (const CoreError& e) {
    if (e.kind() == ErrorKind::placement || e.kind() == ErrorKind::invalid_model) return std::nullopt;
    throw;
  } catch (const io::InputError&) {
    // e.g. a tensor-parallel degree or a link that does not apply to this configuration
    if (opt.tensor_parallel()) return std::nullopt;
    throw;
  }
  // A configuration the runtime cannot run on (kernels, wheels: engine/compat.hpp) is no candidate.
  if (!runtime_compat(q.query.runtime->id, rp.specs, q.query.mix->mix.id).runs()) return std::nullopt;
  const Placement& p = ev.placement;
  ev.fits = p.verdict == Verdict::fits;
  ev.experts_in_ram = p.verdict == Verdict::fits_with_offload && p.gpu_layers == p.total_layers && p.host.expert_count > 0;
  ev.assumptions = rp.assumptions;
  const Workload& w = q.query.workload;
  const SpeedSetup setup = speed_setup(ctx.catalog(), rp.specs, p, "", rp.cpu_cores);
  ev.speed = speed_report(q.query.model->spec, with_repack ? *with_repack : q.estimate, p, setup, w, speed_question(*q.query.runtime, {}, w));
  calibrate(ev.speed, ctx.measurements(), calibration_key(q.query, p, setup), ctx.measurements_file());
  if (ev.speed.decode.size() >= 2 && ev.speed.decode[1].known) ev.tps = ev.speed.decode[1].tokens_per_second.value();
  bool first = true;
  for (const DevicePlan& d : p.gpus)
    if (d.known() && (first || d.headroom() < ev.least_headroom)) ev.least_headroom = d.headroom(), first = false;
  if (p.gpus.empty() && p.host.known()) ev.least_headroom = p.host.headroom();
  add_caveats(q, ev);
  return ev;
}

namespace {

bool kind_allowed(const CandidateFilter& f, const Device& d) {
  if (f.kinds.empty()) return true;
  return std::find(f.kinds.begin(), f.kinds.end(), to_string(d.kind)) != f.kinds.end();
}

std::string gib_option(double g) { return fmt::format("{:g}GB", g); }

// "$5,000-7,000"
std::string usd_range(const PriceQuote& q) {
  auto usd = [](double v) {
    std::string digits = std::to_string(static_cast<long long>(std::llround(v))), out;
    for (std::size_t i = 0; i < digits.size(); ++i) out += (i > 0 && (digits.size() - i) % 3 == 0 ? "," : "") + std::string(1, digits[i]);
    return "$" + out;
  };
  return q.low_usd == q.high_usd ? usd(q.low_usd) : usd(q.low_usd) + "-" + usd(q.high_usd).substr(1);
}

// One unit of a device as recommend prices it: a GPU sold in one size; an Apple chip, SoC or CPU preset
// at its memory option (a launch price is a lower bound above the smallest option; CPU presets carry no
// catalog price, only the user's).
PriceChoice device_unit_price(const PriceBook& prices, const io::CatalogDevice& cd, double memory_gib) {
  const Device& d = cd.device;
  if (d.is_cpu()) return prices.unit_price(cd, memory_gib, true);
  if (!d.unified_memory()) return prices.unit_price(cd, 0, true);
  const std::vector<double> options = d.memory_options_gib.empty() ? std::vector<double>{d.memory_gib} : d.memory_options_gib;
  return prices.unit_price(cd, memory_gib, memory_gib <= *std::min_element(options.begin(), options.end()));
}

}  // namespace

void price_config(Config& c, const io::Catalog& cat, const PriceBook& prices) {
  c.price_usd = 0;
  c.price_lower_bound = false;
  c.price_source.clear();
  c.price_note.clear();
  double usd = 0;
  bool lower_bound = false;
  std::string source;
  const PriceQuote* quote = nullptr;
  for (const std::string& text : c.devices) {
    DeviceSpec s;
    try {
      s = parse_device_spec(cat, text);
    } catch (const io::InputError&) {
      return;  // --device local and other expansions: no catalog price
    }
    const Device& d = s.device->device;
    const PriceChoice p = device_unit_price(prices, *s.device, s.memory_gib > 0 ? s.memory_gib : d.memory_gib);
    if (p.usd <= 0) return;
    usd += p.usd * double(s.count);
    lower_bound = lower_bound || p.lower_bound;
    const std::string src = to_string(p.source);
    source = source.empty() || source == src ? src : "mixed";
    quote = c.devices.size() == 1 ? p.quote : nullptr;
  }
  if (usd <= 0) return;
  c.price_usd = usd;
  c.price_lower_bound = lower_bound;
  c.price_source = source;
  // A machine bought as a product (Apple): say which, and the range the midpoint comes from.
  if (quote != nullptr && !quote->product.empty())
    c.price_note = fmt::format("priced as {} with {:g} GB: {} {} ({}){}", quote->product, quote->memory_gib, usd_range(*quote),
                               quote->used ? "used" : "new", quote->date, quote->low_usd < quote->high_usd ? ", the midpoint" : "");
}

std::vector<Evaluation> fitting_configs(Session& ctx, const Question& q, const CandidateFilter& f) {
  const io::Catalog& cat = ctx.catalog();
  static const PriceBook catalog_prices;
  const PriceBook& prices = f.prices != nullptr ? *f.prices : catalog_prices;
  std::vector<Evaluation> out;
  const bool tensor = q.placement.tensor_parallel();
  // What one GPU of unlimited size would hold: a lower bound for the memory a configuration needs.
  const Placement full = full_offload(q.query, q.estimate);
  const double need = double((full.gpus.front().total() - full.gpus.front().overhead).value());
  const double reserve = 0;  // --reserve is applied by resolve_placement
  // With host RAM beside discrete GPUs (--ram), a MoE model may keep its routed experts there: the same
  // question with the RAM known, so that the automatic placement may choose -ngl all --n-cpu-moe N. The
  // GPUs then hold at least what is left with every routed expert in RAM.
  const bool experts = !f.host_ram.empty() && q.query.model->spec.moe.present() && !tensor;
  Question with_ram;
  double need_experts = need;
  if (experts) {
    with_ram = q;
    with_ram.placement.ram = f.host_ram;
    Bytes routed{0};
    for (const Bytes& x : q.estimate.weights.per_layer_experts) routed += x;
    need_experts = need - double(routed.value());
  }
  auto keep = [&](std::optional<Evaluation> ev) {
    if (ev && ev->fits) {
      out.push_back(std::move(*ev));
      return true;
    }
    return false;
  };
  std::vector<const Device*> fits_alone;
  std::vector<const io::CatalogDevice*> priced_gpus;
  for (const io::CatalogDevice& cd : cat.devices) {
    const Device& d = cd.device;
    if (!kind_allowed(f, d) || d.kind == DeviceKind::accelerator || default_backend(d).empty()) continue;
    if (d.is_cpu()) {
      if (tensor || (f.laptop && d.channels > 2)) continue;
      // The smallest memory option that holds it: larger options cost more and run no faster.
      for (double g : d.memory_options_gib.empty() ? std::vector<double>{d.memory_gib} : d.memory_options_gib) {
        if (gib(g).value() < need * 0.9) continue;
        Config c{d.id + ":" + gib_option(g), {d.id + ":" + gib_option(g)}, {}, 0, false, "", 0, "cpu"};
        price_config(c, cat, prices);  // CPU presets carry no catalog price: only the user's
        if (keep(evaluate(ctx, q, c))) break;
      }
      continue;
    }
    if (d.unified_memory()) {
      // Ultra chips ship only in desktops (Mac Studio, Mac Pro); Jetson and DGX Spark are not laptops.
      if (tensor || (f.laptop && (d.id.find("ultra") != std::string::npos || d.kind != DeviceKind::apple))) continue;
      const std::vector<double> options = d.memory_options_gib.empty() ? std::vector<double>{d.memory_gib} : d.memory_options_gib;
      for (double g : options) {
        if (gib(g).value() < need) continue;
        // Named with its memory unless it is sold in one size only (docs/unified-memory.md): an Apple chip or
        // APU whose sizes the catalog does not list is shown at the size it was evaluated with.
        const bool one_size = d.memory_options_gib.size() == 1 || (d.memory_options_gib.empty() && d.kind == DeviceKind::soc);
        const std::string spec = one_size ? d.id : d.id + ":" + gib_option(g);
        Config c{spec, {spec}, {&d}, 0, false, "", d.tdp_w, d.kind == DeviceKind::apple ? "apple" : "soc"};
        price_config(c, cat, prices);
        if (keep(evaluate(ctx, q, c))) break;  // more memory costs more and is not faster
      }
      continue;
    }
    const double cap = double(d.capacity().value());
    const double overhead = double(q.query.runtime->device_overhead(d.backend()).value());
    // The fewest that hold the model whole; with --ram also every smaller count that holds it with
    // routed experts in RAM (cheaper, slower, each card fewer experts in RAM: all are ranked, so that
    // --min-tps finds the cheapest count fast enough).
    for (std::int64_t n = 1; n <= f.max_gpus; ++n) {
      if (double(n) * (cap - overhead - reserve) < (experts ? need_experts : need) * 0.98) continue;  // cannot hold the weights
      const std::string spec = n == 1 ? d.id : fmt::format("{}x{}", d.id, n);
      Config c{n == 1 ? d.id : fmt::format("{} x {}", n, d.id), {spec}, std::vector<const Device*>(std::size_t(n), &d), 0, false, "",
               d.tdp_w * double(n), n == 1 ? "gpu" : "multi-gpu"};
      price_config(c, cat, prices);
      std::optional<Evaluation> ev = evaluate(ctx, experts ? with_ram : q, c);
      if (ev && ev->fits) {
        out.push_back(std::move(*ev));
        if (n == 1) fits_alone.push_back(&d);
        break;
      }
      if (experts && ev && ev->experts_in_ram && ev->placed()) out.push_back(std::move(*ev));
    }
    if (d.kind == DeviceKind::gpu && prices.unit_price(cd, 0, true).usd > 0) priced_gpus.push_back(&cd);
  }
  // Mixed pairs (llama.cpp's layer split in proportion to memory) of one vendor's priced cards, where
  // neither card alone holds the model (else that card alone is cheaper and as fast).
  if (f.mixed_pairs && !tensor) {
    std::sort(priced_gpus.begin(), priced_gpus.end(), [](const io::CatalogDevice* a, const io::CatalogDevice* b) {
      return a->device.memory_gib != b->device.memory_gib ? a->device.memory_gib > b->device.memory_gib : a->device.id < b->device.id;
    });
    for (std::size_t i = 0; i < priced_gpus.size(); ++i)
      for (std::size_t j = i + 1; j < priced_gpus.size(); ++j) {
        const Device* a = &priced_gpus[i]->device;
        const Device* b = &priced_gpus[j]->device;
        if (a->vendor != b->vendor) continue;
        if (std::find(fits_alone.begin(), fits_alone.end(), a) != fits_alone.end() ||
            std::find(fits_alone.begin(), fits_alone.end(), b) != fits_alone.end())
          continue;
        const double overhead = double(q.query.runtime->device_overhead(a->backend()).value());
        // With --ram a MoE pair may hold the model with routed experts in RAM, as one kind's cards do.
        if (double(a->capacity().value() + b->capacity().value()) - 2 * overhead < (experts ? need_experts : need) * 0.98) continue;
        Config c{a->id + " + " + b->id, {a->id, b->id}, {a, b}, 0, false, "", a->tdp_w > 0 && b->tdp_w > 0 ? a->tdp_w + b->tdp_w : 0, "mixed"};
        price_config(c, cat, prices);
        std::optional<Evaluation> ev = evaluate(ctx, experts ? with_ram : q, c);
        if (ev && (ev->fits || (experts && ev->experts_in_ram && ev->placed()))) out.push_back(std::move(*ev));
      }
  }
  return out;
}

double config_draw_w(const Config& c, const PowerRules& r) { return c.tdp_w > 0 ? peak_draw_w(c.tdp_w, r) : 0; }

}  // namespace vramfit::engine
