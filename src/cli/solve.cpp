// vramfit fit MODEL ... --max-context | --max-parallel | --min-devices: the reverse questions of
// include/vramfit/solve.hpp on the command line's model, workload and devices.
#include "cli/solve.hpp"

#include <fmt/format.h>

#include "vramfit/solve.hpp"

namespace vramfit::cli {
namespace {

using io::InputError;

Json answer_json(const char* question, const SolveResult& r, const std::string& limit) {
  Json j;
  j["question"] = question;
  j["answer"] = r.found() ? Json(r.value) : Json(nullptr);
  j["limit"] = r.found() ? Json(limit) : Json(nullptr);
  j["searched_from"] = r.lowest;
  j["searched_to"] = r.highest;
  return j;
}

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

Solved solve_question(Context& ctx, const std::string& model, WorkloadRequest& workload, DeviceRequest& placement) {
  Solved s;
  const int asked = int(placement.max_context) + int(placement.max_parallel) + int(placement.min_devices);
  if (asked == 0) return s;
  if (asked > 1) throw InputError("--max-context, --max-parallel and --min-devices are separate questions: ask one at a time");
  s.asked = true;
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
  const bool full_offload = rp.request.split == Parallelism::layer && rp.request.gpu_layers < 0 && !rp.request.gpus.empty();
  const char* where = full_offload ? " with every layer on the GPUs (--gpu-layers N allows an offload)" : "";

  if (placement.max_context) {
    const SolveResult r = max_context(m, query_weights(ctx, q), types, q.workload, rp.request);
    const std::string limit = r.limit == SolveLimit::model ? "model_max_context" : "memory";
    s.json = answer_json("max_context", r, limit);
    if (!r.found())
      s.text = fmt::format("max context: none: the model does not fit even at {} tokens{}\n", r.lowest, where);
    else if (r.limit == SolveLimit::model)
      s.text = fmt::format("max context: {} tokens, the model's maximum (memory is not the limit)\n", r.value);
    else
      s.text = fmt::format("max context: {} tokens (memory is the limit: the next {}-token KV page does not fit; the model allows {})\n",
                           r.value, q.workload.kv_pad, m.max_context);
    workload.context = std::to_string(r.found() ? r.value : r.lowest);
  } else if (placement.max_parallel) {
    const SolveResult r = max_parallel(m, query_weights(ctx, q), types, q.workload, rp.request);
    s.json = answer_json("max_parallel", r, r.limit == SolveLimit::memory ? "memory" : "search_cap");
    if (!r.found())
      s.text = fmt::format("max parallel: none: not even one sequence of {} tokens fits{}\n", q.workload.context, where);
    else if (r.limit == SolveLimit::search_cap)
      s.text = fmt::format("max parallel: {} sequences of {} tokens (the end of the search)\n", r.value, q.workload.context);
    else
      s.text = fmt::format("max parallel: {} sequences of {} tokens each (memory is the limit: {} do not fit)\n", r.value,
                           q.workload.context, r.value + 1);
    workload.parallel = std::to_string(r.found() ? r.value : r.lowest);
  } else {
    const DeviceSpec& gpu = single_gpu(rp);
    const MemoryEstimate e = estimate(ctx, q);
    const Target& target = rp.request.gpus.front();
    const SolveResult r = min_devices(m, e, rp.request, target);
    const bool tensor = rp.request.split == Parallelism::tensor;
    const char* how = tensor ? "tensor parallel" : "layer split";
    s.json = answer_json("min_devices", r, "memory");
    s.json["device"] = gpu.device->device.id;
    s.json["parallelism"] = to_string(rp.request.split);
    std::int64_t shown = r.value;
    if (r.found()) {
      s.text = fmt::format("min devices: {} x {} ({})\n", r.value, gpu.device->device.id, how);
    } else {
      // Show the largest count tried (for tensor parallel, the largest degree the heads allow).
      shown = r.highest;
      while (tensor && shown > 1) {
        try {
          validate_tensor_parallel(m, shown);
          break;
        } catch (const CoreError&) {
          --shown;
        }
      }
      s.text = fmt::format("min devices: none: even {} x {} do not hold the model ({}{})\n", shown, gpu.device->device.id, how,
                           tensor || r.highest == kMaxSolveDevices ? "" : ", at most one block per GPU");
    }
    for (std::string& text : placement.devices)
      if (text == gpu.text) text = shown > 1 ? gpu.text + "x" + std::to_string(shown) : gpu.text;
  }
  s.none = !s.json["answer"].is_number();
  return s;
}

}  // namespace vramfit::cli
