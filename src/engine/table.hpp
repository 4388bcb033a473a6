// table MODEL: quantization x context matrix of the memory a full GPU offload needs.
// table --device ID: every catalog model x quantization on the devices, with the verdict.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/devices.hpp"
#include "engine/query.hpp"
#include "engine/session.hpp"
#include "vramfit/placement.hpp"

namespace vramfit::engine {

struct TableRequest {
  std::string model;         // a model table; empty: a device table (every catalog model on placement.devices)
  std::string quants;        // --quants: comma-separated; empty: workload.quant, else the defaults below
  std::string contexts;      // --contexts (model table): comma-separated; empty: -c, else 4k, 32k, 128k up to the maximum
  WorkloadRequest workload;
  DeviceRequest placement;   // the device table's devices, reserve, RAM ...
};

// Model table: one row per quantization, one cell per context.
struct ModelTableCell {
  std::int64_t context = 0;
  Bytes kv{0};
  Bytes gpu_full_offload{0};  // what one GPU needs for a full offload (engine/memory.hpp full_offload)
};
struct ModelTableRow {
  std::string quant;  // the catalog's id of the mix
  double bits_per_weight = 0;
  Bytes weights{0};
  std::vector<ModelTableCell> cells;
};
struct ModelTable {
  Query query;  // the model at the first quantization and the requested workload
  std::vector<std::int64_t> contexts;
  std::vector<ModelTableRow> rows;
  std::vector<std::string> assumptions;
};

// Device table: one row per catalog model, one cell per quantization.
struct DeviceTableCell {
  std::string quant;
  // false: the devices cannot take this model's layers at all (more GPUs than layers, a tensor-parallel
  // degree the heads do not allow); `reason` says why and the numbers are 0.
  bool applicable = true;
  std::string reason;
  Verdict verdict = Verdict::does_not_fit;
  std::int64_t gpu_layers = 0;
  std::int64_t total_layers = 0;
  Bytes total{0};  // everything the placement holds: GPUs + host
};
struct DeviceTableRow {
  std::string model;  // catalog id
  std::int64_t params = 0;
  std::vector<DeviceTableCell> cells;
};
struct DeviceTable {
  std::vector<std::string> devices;  // as requested
  std::vector<std::string> quants;   // the catalog's ids of the mixes, one per column
  std::int64_t context = 0;          // the context of the placements when -c was given; 0: 4096 or the model maximum
  std::vector<DeviceTableRow> rows;
  std::vector<std::string> assumptions;
};

struct TableAnswer {
  std::optional<ModelTable> model;    // table MODEL
  std::optional<DeviceTable> device;  // table --device ID
};

// Exactly one of a model and devices: an InputError otherwise.
TableAnswer answer_table(Session& s, const TableRequest& r);
ModelTable answer_model_table(Session& s, const TableRequest& r);
DeviceTable answer_device_table(Session& s, const TableRequest& r);

}  // namespace vramfit::engine
