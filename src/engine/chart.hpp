// chart MODEL --device D: the memory of each device of the placement against its capacity (bars);
// --curve: the memory a full offload needs as the context grows, with each device's capacity.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/query.hpp"
#include "engine/session.hpp"
#include "vramfit/placement.hpp"

namespace vramfit::engine {

struct ChartRequest {
  std::string model;
  WorkloadRequest workload;
  std::vector<std::string> devices;  // --device values ("local": this machine)
  std::string reserve;
  std::string ram;
  bool curve = false;    // memory vs context instead of the placement's bars
  std::string contexts;  // the curve's contexts, comma-separated; empty: 1k, 2k, 4k ... the model maximum
};

// One device of the placement: the parts it holds against its capacity.
struct ChartBar {
  std::string label;
  Bytes weights{0}, kv{0}, compute{0}, overhead{0};
  bool capacity_known = false;
  Bytes capacity{0};
};

struct CurvePoint {
  std::int64_t context = 0;
  Bytes need{0};  // a full offload onto one GPU (as `table MODEL`)
};

struct CapacityLine {
  std::string device;  // the --device value
  // Usable GiB of the device(s): N GPUs hold N x usable less the runtime overhead each extra GPU
  // pays (the curve counts one); a CPU preset its usable RAM.
  double gib = 0;
};

struct ChartAnswer {
  Query query;
  // Bars (not --curve): the GPUs of the placement, then the host when it holds anything.
  Verdict verdict = Verdict::fits;
  std::vector<ChartBar> bars;
  // --curve: the need per context (ascending), one capacity per device.
  std::vector<CurvePoint> curve;
  std::vector<CapacityLine> capacities;
  std::vector<std::string> notes;  // what --device local found; the configuration a chip named without its memory took
};

ChartAnswer answer_chart(Session& s, const ChartRequest& r);

}  // namespace vramfit::engine
