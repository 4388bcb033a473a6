// Hugging Face model directories: config.json -> ModelSpec, quantization_config -> catalog mix,
// safetensors headers -> the exact bytes of every tensor (safetensors.hpp). Field mapping per
// family, with sources: docs/huggingface.md.
//
// Every problem is an io::InputError whose one line starts with the file path:
//   models/x/config.json: unknown model_type 'falcon' (supported: cohere, cohere2, ...)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "vramfit/file_weights.hpp"
#include "vramfit/model.hpp"

namespace vramfit::io::hf {

inline constexpr std::uint64_t kMaxConfigBytes = 4ull << 20;  // config.json (real ones: under 10 KiB)
inline constexpr std::uint64_t kMaxIndexBytes = 64ull << 20;  // model.safetensors.index.json (DeepSeek-V3: 9 MiB)

struct HfConfig {
  ModelSpec spec;                  // id/name empty; params_total_b = count_params(spec).total / 1e9
  std::string mix_id;              // catalog mix: hf-bf16, fp8-block, gptq-int4 ... (quant_mix_id)
  std::vector<std::string> notes;  // what the reader assumed, ignored or approximated
};

// The model_type values read_hf_config understands, sorted.
const std::vector<std::string>& supported_model_types();

// config.json text -> architecture. `file` names the source in errors.
HfConfig parse_hf_config(std::string_view text, const std::string& file);
HfConfig parse_hf_config(const nlohmann::json& root, const std::string& file);
// Reads a config.json file (at most kMaxConfigBytes).
HfConfig read_hf_config(const std::string& file);

// quantization_config (or its absence + torch_dtype) -> the nearest catalog mix id; `notes` gets
// what differs from that mix (group size, fp4 vs nf4 ...). Unsupported schemes are an InputError.
std::string quant_mix_id(const nlohmann::json& root, const std::string& file, std::vector<std::string>& notes);

// PATH/config.json for a directory, PATH for a file; an InputError when neither exists.
std::string hf_config_path(const std::string& path);

// A model directory (config.json + *.safetensors) or a config.json file.
struct HfModel {
  ModelSpec spec;
  std::string mix_id;
  std::vector<FileTensor> tensors;  // empty when no safetensors were found
  std::vector<std::string> notes;
  std::string source_path;  // the config.json read
};
HfModel read_hf_model(const std::string& path);
struct SafetensorsHeader;
// The same from a config and safetensors headers already read (a remote repository's); `source`
// names the config in the answer.
HfModel hf_model(HfConfig cfg, const std::string& source, const std::vector<SafetensorsHeader>& headers);

// Where an HF tensor name belongs (model.layers.N.mlp.experts.* -> experts, layer N). `skip` marks
// tensors llama.cpp does not load (multi-token-prediction blocks beyond num_hidden_layers).
struct TensorPlace {
  TensorGroup group = TensorGroup::attention;
  std::int32_t layer = -1;
  bool skip = false;
};
TensorPlace place_hf_tensor(std::string_view name, const ModelSpec& m);

// A models.yaml document (schema_version 1, one entry) that load_models() reads back into the same
// ModelSpec: the output of `vramfit import`. `source` is quoted as given.
std::string catalog_entry_yaml(const ModelSpec& m, const std::vector<std::string>& notes, const std::string& source);

}  // namespace vramfit::io::hf
