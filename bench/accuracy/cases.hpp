// bench/accuracy: the measured rows of shared/reference/measured_speed.yaml, resolved through
// bench/accuracy_map.yaml into catalog models, quantizations, devices and placements.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "vramfit/prefill.hpp"

namespace vramfit::accuracy {

enum class Kind { decode, prefill };

// One usable row: everything the speed model needs to predict it.
struct Case {
  int index = 0;  // position in measured_speed.yaml (0-based)
  std::string device, model, quant, test;
  std::string device_id;  // the catalog id (or the map's name): rows of one device are left out together
  bool legacy = false;    // a build from before llama.cpp's CUDA graphs (May 2024): not fitted, reported apart
  std::string backend;  // speed profile backend
  Kind kind = Kind::decode;
  double measured = 0;  // tokens/s
  std::int64_t position = 0, prompt = 0, ubatch = 512;
  double measured_size_gib = 0;  // the row's model size, when given (a check of our weight bytes)
  ModelSpec spec;
  MemoryEstimate estimate;
  Placement placement;
  SpeedSetup setup;  // profiles pointer is set by whoever evaluates
  double naive = 0;  // tokens/s by the rule of thumb (decode: bandwidth / file size; prefill: peak FLOPs / 2N)
};

struct Skipped {
  int index = 0;
  std::string what;
  std::string reason;
};

struct CaseSet {
  std::unique_ptr<TypeTable> types;  // the estimates point into it
  std::vector<Case> cases;
  std::vector<Skipped> skipped;
  int rows = 0;
};

// Throws std::runtime_error on unreadable files; rows that cannot be mapped are listed in `skipped`.
CaseSet load_cases(const io::Catalog& cat, const std::string& measured_path, const std::string& map_path);

}  // namespace vramfit::accuracy
