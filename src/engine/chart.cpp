// chart MODEL --device D [--curve]: the bars of a placement, or the need per context against each
// device's capacity.
#include "engine/chart.hpp"

#include <algorithm>

#include "base/diagnostics.hpp"
#include "engine/devices.hpp"
#include "engine/local.hpp"
#include "engine/memory.hpp"
#include "engine/planning.hpp"
#include "formats/parse.hpp"

namespace vramfit::engine {
namespace {

ChartBar bar_of(const DevicePlan& d) {
  ChartBar b;
  b.label = d.label;
  b.weights = d.weights;
  b.kv = d.kv;
  b.compute = d.compute;
  b.overhead = d.overhead;
  b.capacity_known = d.known();
  b.capacity = d.capacity;
  return b;
}

void bars(Session& ctx, const ChartRequest& o, const DeviceRequest& p, ChartAnswer& a) {
  const Question q = make_question(ctx, o.model, o.workload, p);
  a.query = q.query;
  Config c;
  c.devices = p.devices;
  const std::optional<Evaluation> ev = evaluate(ctx, q, c);
  if (!ev) throw io::InputError("these devices cannot hold this model's layers (see 'vramfit fit')");
  for (const DevicePlan& d : ev->placement.gpus) a.bars.push_back(bar_of(d));
  if (ev->placement.host.total().value() > 0) a.bars.push_back(bar_of(ev->placement.host));
  a.verdict = ev->placement.verdict;
}

// The curve: the full-offload need per context against each device's capacity.
void curve(Session& ctx, const ChartRequest& o, const DeviceRequest& p, ChartAnswer& a) {
  WorkloadRequest w = o.workload;
  const Query& base = a.query = resolve_query(ctx, o.model, w);
  const std::int64_t max = base.model->spec.max_context;
  std::vector<std::int64_t> contexts;
  if (!o.contexts.empty()) {
    for (const std::string& item : io::split_list(o.contexts)) contexts.push_back(io::parse_tokens(item, "--contexts"));
    std::sort(contexts.begin(), contexts.end());
  } else {
    for (std::int64_t c = 1024; c <= max; c *= 2) contexts.push_back(c);
    if (contexts.empty() || contexts.back() < max) contexts.push_back(max);
  }
  if (contexts.empty()) throw io::InputError("--contexts needs at least one value");
  const WeightBreakdown weights = query_weights(ctx, base);  // the same at every context
  for (std::int64_t c : contexts) {
    w.context = std::to_string(c);
    const Query q = resolve_query(ctx, o.model, w);
    const MemoryEstimate e = estimate(ctx, q, weights);
    a.curve.push_back({c, full_offload(q, e).gpus.front().total()});
  }
  Question q0 = make_question(ctx, o.model, o.workload, p);
  for (const std::string& spec : p.devices) {
    DeviceRequest one = p;
    one.devices = {spec};
    const ResolvedPlacement rp = resolve_placement(ctx, q0.query, one);
    // N GPUs hold N x usable, less the runtime overhead each extra GPU pays (the curve counts one).
    double cap = 0;
    for (const Target& t : rp.request.gpus) cap += to_gib(t.usable());
    if (!rp.request.gpus.empty()) cap -= double(rp.request.gpus.size() - 1) * to_gib(rp.request.gpus.front().overhead);
    else cap = to_gib(rp.request.host.usable());
    a.capacities.push_back({spec, cap});
  }
}

}  // namespace

ChartAnswer answer_chart(Session& ctx, const ChartRequest& o) {
  DeviceRequest p;
  p.devices = o.devices;
  p.reserve = o.reserve;
  p.ram = o.ram;
  ChartAnswer a;
  if (names_local(p)) p = expand_local(ctx, p, &a.notes);
  for (const std::string& spec : p.devices)  // a chip named without its memory: which configuration
    if (const std::string note = configuration_note(parse_device_spec(ctx.catalog(), spec)); !note.empty()) a.notes.push_back(note);
  if (o.curve) curve(ctx, o, p, a);
  else bars(ctx, o, p, a);
  return a;
}

}  // namespace vramfit::engine
