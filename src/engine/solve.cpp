// fit MODEL ... --max-context | --max-parallel | --min-devices: the reverse questions of
// include/vramfit/solve.hpp on the request's model, workload and devices.
#include "engine/solve.hpp"

#include "base/diagnostics.hpp"
#include "engine/memory.hpp"

namespace vramfit::engine {
namespace {

using io::InputError;

// The one GPU spec --min-devices multiplies.
const DeviceSpec& single_gpu(const ResolvedPlacement& rp) {
  const DeviceSpec* gpu = nullptr;
  for (const DeviceSpec& s : rp.specs) {
    if (s.device->device.is_cpu()) continue;
    if (gpu != nullptr || s.count != 1)
      throw InputError("--min-devices finds the number of GPUs: give one --device without xN (e.g. --device rtx-4090)");
    gpu = &s;
  }
  if (gpu == nullptr) throw InputError("--min-devices needs a GPU kind: --device ID (e.g. --device rtx-4090)");
  if (gpu->device->device.kind == DeviceKind::apple)
    throw InputError("--min-devices counts GPUs: an Apple chip cannot be multiplied");
  return *gpu;
}

}  // namespace

const char* to_string(SolveQuestion q) {
  switch (q) {
    case SolveQuestion::none: return "none";
    case SolveQuestion::max_context: return "max_context";
    case SolveQuestion::max_parallel: return "max_parallel";
    case SolveQuestion::min_devices: return "min_devices";
  }
  return "?";
}

SolveAnswer solve_question(Session& ctx, const std::string& model, WorkloadRequest& workload, DeviceRequest& placement) {
  SolveAnswer s;
  const int asked = int(placement.max_context) + int(placement.max_parallel) + int(placement.min_devices);
  if (asked == 0) return s;
  if (asked > 1) throw InputError("--max-context, --max-parallel and --min-devices are separate questions: ask one at a time");
  if (placement.max_context && !workload.context.empty())
    throw InputError("--max-context finds the context: drop -c/--context");
  if (placement.max_parallel && !workload.parallel.empty())
    throw InputError("--max-parallel finds the number of sequences: drop -n/--parallel");
  if (placement.min_devices && !placement.tp.empty())
    throw InputError("--min-devices finds the number of GPUs: drop --tp (use --split tensor to search tensor-parallel degrees)");
  if (placement.min_devices && placement.gpu_layers != "auto")
    throw InputError("--min-devices looks for a full offload: drop --gpu-layers");

  const Query q = resolve_query(ctx, model, workload);
  const ResolvedPlacement rp = resolve_placement(ctx, q, placement);
  const ModelSpec& m = q.model->spec;
  const TypeTable& types = ctx.types();
  // With automatic -ngl the answer must hold every layer on the GPUs (offloading more would always "fit").
  s.full_offload = rp.request.split == Parallelism::layer && rp.request.gpu_layers < 0 && !rp.request.gpus.empty();
  s.context = q.workload.context;
  s.kv_pad = q.workload.kv_pad;
  s.model_max_context = m.max_context;
  s.split = rp.request.split;

  const RepackBreakdown repack = rp.request.cpu_repack ? query_repack(ctx, q, rp.cpu) : RepackBreakdown{};
  if (placement.max_context) {
    s.question = SolveQuestion::max_context;
    s.result = max_context(m, query_weights(ctx, q), types, q.workload, rp.request, &repack);
    workload.context = std::to_string(s.result.found() ? s.result.value : s.result.lowest);
  } else if (placement.max_parallel) {
    s.question = SolveQuestion::max_parallel;
    s.result = max_parallel(m, query_weights(ctx, q), types, q.workload, rp.request, &repack);
    workload.parallel = std::to_string(s.result.found() ? s.result.value : s.result.lowest);
  } else {
    s.question = SolveQuestion::min_devices;
    const DeviceSpec& gpu = single_gpu(rp);
    MemoryEstimate e = estimate(ctx, q);
    e.repack = repack;
    const Target& target = rp.request.gpus.front();
    const SolveResult& r = s.result = min_devices(m, e, rp.request, target);
    s.device = gpu.device->device.id;
    s.devices = r.value;
    if (!r.found()) {
      // Place at the largest count tried (for tensor parallel, the largest degree the heads allow).
      s.devices = r.highest;
      while (s.split == Parallelism::tensor && s.devices > 1) {
        try {
          validate_tensor_parallel(m, s.devices);
          break;
        } catch (const CoreError&) {
          --s.devices;
        }
      }
    }
    for (std::string& text : placement.devices)
      if (text == gpu.text) text = s.devices > 1 ? gpu.text + "x" + std::to_string(s.devices) : gpu.text;
  }
  return s;
}

}  // namespace vramfit::engine
