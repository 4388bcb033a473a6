// fit MODEL ... --max-context | --max-parallel | --min-devices: the answer (engine/solve.cpp), written.
#include "cli/solve.hpp"

#include <fmt/format.h>

namespace vramfit::cli {

std::string solve_text(const SolveAnswer& s) {
  const SolveResult& r = s.result;
  const char* where = s.full_offload ? " with every layer on the GPUs (--gpu-layers N allows an offload)" : "";
  switch (s.question) {
    case SolveQuestion::none: return "";
    case SolveQuestion::max_context:
      if (!r.found()) return fmt::format("max context: none: the model does not fit even at {} tokens{}\n", r.lowest, where);
      if (r.limit == SolveLimit::model)
        return fmt::format("max context: {} tokens, the model's maximum (memory is not the limit)\n", r.value);
      return fmt::format("max context: {} tokens (memory is the limit: the next {}-token KV page does not fit; the model allows {})\n",
                         r.value, s.kv_pad, s.model_max_context);
    case SolveQuestion::max_parallel:
      if (!r.found()) return fmt::format("max parallel: none: not even one sequence of {} tokens fits{}\n", s.context, where);
      if (r.limit == SolveLimit::search_cap)
        return fmt::format("max parallel: {} sequences of {} tokens (the end of the search)\n", r.value, s.context);
      return fmt::format("max parallel: {} sequences of {} tokens each (memory is the limit: {} do not fit)\n", r.value,
                         s.context, r.value + 1);
    case SolveQuestion::min_devices: {
      const bool tensor = s.split == Parallelism::tensor;
      const char* how = tensor ? "tensor parallel" : "layer split";
      if (r.found()) return fmt::format("min devices: {} x {} ({})\n", r.value, s.device, how);
      return fmt::format("min devices: none: even {} x {} do not hold the model ({}{})\n", s.devices, s.device, how,
                         tensor || r.highest == kMaxSolveDevices ? "" : ", at most one block per GPU");
    }
  }
  return "";
}

Json solve_json(const SolveAnswer& s) {
  const SolveResult& r = s.result;
  Json j;
  j["question"] = to_string(s.question);
  j["answer"] = r.found() ? Json(r.value) : Json(nullptr);
  j["limit"] = r.found() ? Json(r.limit == SolveLimit::model ? "model_max_context" : to_string(r.limit)) : Json(nullptr);
  j["searched_from"] = r.lowest;
  j["searched_to"] = r.highest;
  if (s.question == SolveQuestion::min_devices) {
    j["device"] = s.device;
    j["parallelism"] = to_string(s.split);
  }
  return j;
}

}  // namespace vramfit::cli
