// read_hf_model: config.json + safetensors headers -> FileTensor list with groups and layers.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "formats/hf_config.hpp"
#include "formats/hf_json.hpp"
#include "formats/safetensors.hpp"
#include "vramfit/tensors.hpp"

namespace vramfit::io::hf {
namespace fs = std::filesystem;
namespace {

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == '.') {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  return out;
}

bool has(const std::vector<std::string_view>& v, std::string_view x) { return std::find(v.begin(), v.end(), x) != v.end(); }

bool ends_with(std::string_view s, std::string_view x) { return s.size() >= x.size() && s.substr(s.size() - x.size()) == x; }

bool parse_index(std::string_view s, std::int64_t& out) {
  if (s.empty() || s.size() > 6) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return true;
}

// Quantization side tensors (scales, zero points, bitsandbytes state): bytes but no parameters.
bool is_quant_state(std::string_view name) {
  for (std::string_view s : {".qzeros", ".scales", ".g_idx", ".weight_scale", ".weight_scale_inv", ".input_scale", ".absmax",
                             ".quant_map", ".nested_absmax", ".nested_quant_map", ".SCB", ".weight_format", ".weight_zero_point",
                             ".weight_g_idx", ".weight_global_scale", ".input_global_scale", ".weight_shape", "_scales"})
    if (ends_with(name, s)) return true;
  return name.find(".quant_state.") != std::string_view::npos;
}

// Parameters a stored tensor holds: packed integer / 4-bit tensors hold several weights per element.
std::int64_t logical_elements(const SafeTensor& t, const std::string& mix) {
  if (is_quant_state(t.name)) return 0;
  const int bits = safetensors_dtype_bits(t.dtype);
  const int weight_bits = mix == "gptq-int8" || mix == "bnb-int8" ? 8 : 4;
  if (ends_with(t.name, ".qweight") || ends_with(t.name, ".weight_packed")) return t.elements * (bits / weight_bits);
  // bitsandbytes 4-bit weights and MXFP4 expert blocks: two 4-bit weights per U8.
  if (t.dtype == "U8" && ((mix.rfind("bnb-nf4", 0) == 0 && ends_with(t.name, ".weight")) || ends_with(t.name, "_blocks")))
    return t.elements * 2;
  return t.elements;
}

std::string type_id(const std::string& dtype) {
  if (dtype == "F32") return "f32";
  if (dtype == "F16") return "f16";
  if (dtype == "BF16") return "bf16";
  if (dtype == "F64") return "f64";
  if (dtype == "F8_E4M3") return "f8_e4m3";
  if (dtype == "F8_E5M2") return "f8_e5m2";
  return dtype;
}

}  // namespace

TensorPlace place_hf_tensor(std::string_view name, const ModelSpec& m) {
  const std::vector<std::string_view> t = split(name);
  TensorPlace p;
  // Gemma 3n / Gemma 4 also ship an audio tower and embedders for the soft tokens of both towers.
  for (std::string_view v : {"vision_tower", "visual", "vision_model", "vision_encoder", "multi_modal_projector", "mm_projector",
                             "vision_embed_tokens", "image_newline", "audio_tower", "embed_audio", "embed_vision"})
    if (has(t, v)) {
      p.group = TensorGroup::vision;
      return p;
    }
  if (has(t, "mtp")) {
    p.skip = true;
    return p;
  }
  std::size_t k = 0;
  std::int64_t il = -1;
  for (; k + 1 < t.size(); ++k)
    if ((t[k] == "layers" || t[k] == "h" || t[k] == "blocks") && parse_index(t[k + 1], il)) break;
  if (il < 0 || k + 1 >= t.size()) {
    // Gemma 3n / 4: the per-layer model projection is placed with block 0, as llama.cpp does.
    if (has(t, "per_layer_model_projection") || has(t, "per_layer_projection_norm")) {
      p.layer = 0;
      p.group = has(t, "per_layer_model_projection") ? TensorGroup::ffn : TensorGroup::norm;
      return p;
    }
    // backbone.embeddings: Nemotron-H; embed_tokens_per_layer: Gemma 3n / 4.
    if (has(t, "embed_tokens") || has(t, "wte") || has(t, "word_embeddings") || has(t, "tok_embeddings") ||
        (has(t, "backbone") && has(t, "embeddings")) || has(t, "embed_tokens_per_layer"))
      p.group = TensorGroup::embeddings;
    else p.group = TensorGroup::output;  // lm_head, final norm, rope factors
    return p;
  }
  p.layer = static_cast<std::int32_t>(il);
  if (il >= m.layers) {  // DeepSeek-V3 / GLM-4.5 multi-token-prediction block
    p.skip = true;
    return p;
  }
  const std::vector<std::string_view> rest(t.begin() + static_cast<std::ptrdiff_t>(k) + 2, t.end());
  const bool moe_block = has(rest, "block_sparse_moe");
  if (has(rest, "shared_expert") || has(rest, "shared_experts") || has(rest, "shared_expert_gate") || has(rest, "shared_mlp") ||
      has(rest, "router") || has(rest, "gate"))
    p.group = TensorGroup::shared;  // shared experts and routers are read for every token
  else if (has(rest, "experts") || (moe_block && (has(rest, "input_linear") || has(rest, "output_linear"))))
    p.group = TensorGroup::experts;
  else if (has(rest, "mixer") && m.has_ffn_blocks() && m.layer_kind(il) != LayerKind::mamba)
    // Nemotron-H names every block's part "mixer": attention and feed-forward blocks too.
    p.group = m.layer_kind(il) == LayerKind::ffn ? TensorGroup::ffn : TensorGroup::attention;
  else if (has(rest, "mamba") || has(rest, "linear_attn") || has(rest, "mixer"))
    p.group = TensorGroup::ssm;
  else if (has(rest, "self_attn") || has(rest, "attention") || has(rest, "attn"))
    p.group = TensorGroup::attention;
  else if (!rest.empty() && rest.front().find("norm") != std::string_view::npos)
    p.group = TensorGroup::norm;
  else if (has(rest, "layer_scalar"))  // Gemma 4
    p.group = TensorGroup::norm;
  else if (has(rest, "altup") || has(rest, "laurel") || has(rest, "per_layer_input_gate") || has(rest, "per_layer_projection"))
    p.group = TensorGroup::ffn;  // Gemma 3n / 4 per-layer inputs, AltUp, LAuReL (as the inventory groups them)
  else if (has(rest, "mlp") || has(rest, "feed_forward"))
    p.group = TensorGroup::ffn;
  else
    p.group = TensorGroup::attention;
  return p;
}

std::string hf_config_path(const std::string& path) {
  // Whatever is there is handed to the reader, which refuses FIFOs, devices and symlink loops.
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    const std::string config = (fs::path(path) / "config.json").string();
    if (!path_exists(config)) fail(path, "no config.json in this directory");
    return config;
  }
  if (!path_exists(path)) fail(path, "no such file or directory");
  return path;
}

HfModel read_hf_model(const std::string& path) {
  std::error_code ec;
  const bool is_dir = fs::is_directory(path, ec);
  const std::string config = hf_config_path(path);
  std::vector<SafetensorsHeader> headers;
  if (is_dir)  // a config.json alone: the estimator applies the mix's rules
    for (const std::string& file : safetensors_files(path)) headers.push_back(read_safetensors_header(file));
  return hf_model(read_hf_config(config), config, headers);
}

HfModel hf_model(HfConfig cfg, const std::string& source, const std::vector<SafetensorsHeader>& headers) {
  HfModel out;
  out.source_path = source;
  out.spec = std::move(cfg.spec);
  out.mix_id = std::move(cfg.mix_id);
  out.notes = std::move(cfg.notes);
  std::int64_t skipped = 0, params = 0;
  for (const SafetensorsHeader& h : headers) {
    for (const SafeTensor& st : h.tensors) {
      const TensorPlace p = place_hf_tensor(st.name, out.spec);
      if (p.skip) {
        ++skipped;
        continue;
      }
      FileTensor ft;
      ft.name = st.name;
      ft.type = type_id(st.dtype);
      ft.group = p.group;
      ft.layer = p.layer;
      ft.elements = logical_elements(st, out.mix_id);
      ft.bytes = Bytes{static_cast<std::int64_t>(st.end - st.begin)};
      if (p.group != TensorGroup::vision) params = checked_sum(params, ft.elements);
      out.tensors.push_back(std::move(ft));
    }
  }
  if (skipped > 0)
    out.notes.push_back(std::to_string(skipped) + " tensor(s) of multi-token-prediction layers skipped (llama.cpp does not load them)");
  if (!out.tensors.empty()) {
    const std::int64_t expect = count_params(out.spec).text;
    const double rel = double(params) / double(expect) - 1.0;
    if (std::abs(rel) > 0.01)
      out.notes.push_back("the safetensors hold " + std::to_string(params) + " text parameters, config.json implies " +
                          std::to_string(expect) + " (tensor bytes are used as stored)");
  }
  return out;
}

}  // namespace vramfit::io::hf
