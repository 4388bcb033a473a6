// The user's own measured runs (`vramfit bench --save`): measurements.yaml in the user's data
// directory, one item per saved bench. `fit`, `estimate` and `recommend` scale their speed predictions
// by these runs for the same device and backend (engine/calibrate.hpp, docs/bench.md "Calibration").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vramfit::io {

struct Measurement {
  std::string date;            // UTC, ISO 8601
  std::string device;          // catalog device id ("" when the run was not matched to one)
  std::string backend;         // llama.cpp backend of the speed profile: cuda, rocm, vulkan, metal, sycl, cpu
  std::string server;          // ollama, openai, llama.cpp
  std::string server_version;  // what the server said of itself
  std::string server_model;    // the model's name on the server
  std::string model;           // catalog model id ("" when not matched)
  std::string quant;           // catalog mix id
  std::int64_t context = 0;
  std::int64_t prompt_tokens = 0;
  std::int64_t generated_tokens = 0;
  std::int64_t runs = 0;
  double decode_tps = 0;   // median over the runs
  double prefill_tps = 0;  // median; 0 = not measured
  double predicted_decode_tps = 0;   // the catalog profile's prediction for the same run; 0 = none
  double predicted_prefill_tps = 0;
};

// $VRAMFIT_DATA_DIR, else $XDG_DATA_HOME/vramfit, else ~/.local/share/vramfit; "" when none is known
// (no HOME).
std::string user_data_dir();
// user_data_dir()/measurements.yaml, or "".
std::string measurements_path();

// The file's items; a missing file is no runs. A malformed file is an InputError naming file:line.
std::vector<Measurement> load_measurements(const std::string& path);
// Appends one item (creating the directory and the file with a header comment).
void append_measurement(const std::string& path, const Measurement& m);
// One item as YAML text, "- date: ...\n  device: ...\n".
std::string measurement_yaml(const Measurement& m);

}  // namespace vramfit::io
