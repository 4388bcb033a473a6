// quantization_config -> the nearest catalog mix (data/quants.yaml). Each scheme's fields are those
// its transformers quantizer reads (transformers/utils/quantization_config.py); docs/huggingface.md.
#include <string>

#include "formats/hf_config.hpp"
#include "formats/hf_json.hpp"

namespace vramfit::io::hf {
namespace {

std::string from_dtype(const Obj& root, std::vector<std::string>& notes) {
  std::string dtype = root.string_or("torch_dtype", root.string_or("dtype"));
  if (dtype.empty() && root.has("text_config")) {
    const Obj t = root.child("text_config");
    dtype = t.string_or("torch_dtype", t.string_or("dtype"));
  }
  if (dtype == "bfloat16") return "hf-bf16";
  if (dtype == "float16") return "hf-fp16";
  if (dtype == "float32") return "hf-fp32";
  if (dtype.empty()) {
    notes.push_back("no torch_dtype: assuming bfloat16");
    return "hf-bf16";
  }
  root.problem(root.has("torch_dtype") ? "torch_dtype" : "dtype", "unsupported dtype '" + dtype + "' (bfloat16, float16, float32)");
}

void note_group(const Obj& q, const char* key, std::int64_t group, std::int64_t expect, std::vector<std::string>& notes) {
  if (group != expect)
    notes.push_back(q.where(key) + " " + std::to_string(group) + ": the nearest mix assumes " + std::to_string(expect) +
                    " (scale bytes differ slightly)");
}

std::string gptq(const Obj& q, std::vector<std::string>& notes) {
  const std::int64_t bits = q.integer("bits", 1, 16);
  note_group(q, "group_size", q.integer_or("group_size", 128, -1, 1 << 20), 128, notes);
  if (bits == 4) return "gptq-int4";
  if (bits == 8) return "gptq-int8";
  q.problem("bits", "GPTQ with " + std::to_string(bits) + " bits is not supported (4 -> gptq-int4, 8 -> gptq-int8)");
}

std::string awq(const Obj& q, std::vector<std::string>& notes) {
  const std::int64_t bits = q.integer_or("bits", q.integer_or("w_bit", 4, 1, 16), 1, 16);
  if (bits != 4) q.problem("bits", "AWQ with " + std::to_string(bits) + " bits is not supported (4 -> awq-int4)");
  note_group(q, "group_size", q.integer_or("group_size", q.integer_or("q_group_size", 128, -1, 1 << 20), -1, 1 << 20), 128, notes);
  return "awq-int4";
}

std::string bitsandbytes(const Obj& q, std::vector<std::string>& notes) {
  if (q.boolean_or("load_in_4bit", false)) {
    const std::string type = q.string_or("bnb_4bit_quant_type", "fp4");
    if (type != "nf4" && type != "fp4") q.problem("bnb_4bit_quant_type", "expected nf4 or fp4, got '" + type + "'");
    if (type == "fp4") notes.push_back("bitsandbytes fp4: same storage as nf4 (4 bits + absmax per 64)");
    return q.boolean_or("bnb_4bit_use_double_quant", false) ? "bnb-nf4-dq" : "bnb-nf4";
  }
  if (q.boolean_or("load_in_8bit", false)) return "bnb-int8";
  q.problem("load_in_4bit", "bitsandbytes config sets neither load_in_4bit nor load_in_8bit");
}

std::string fp8(const Obj& q, std::vector<std::string>& notes) {
  const std::vector<std::int64_t> block = q.integers("weight_block_size", 2, 1, 1 << 20);
  if (block.empty()) return "fp8";
  if (block != std::vector<std::int64_t>{128, 128})
    notes.push_back("weight_block_size differs from 128x128: the fp8-block mix's scale bytes are approximate");
  return "fp8-block";
}

// compressed-tensors (llm-compressor): the weights scheme of the config groups.
std::string compressed_tensors(const Obj& q, std::vector<std::string>& notes) {
  if (!q.has("config_groups")) q.problem("config_groups", "missing");
  const Json* groups = q.get("config_groups");
  if (!groups->is_object() || groups->empty()) q.problem("config_groups", "expected a non-empty object");
  std::string mix;
  for (auto it = groups->begin(); it != groups->end(); ++it) {
    const Obj g = q.child("config_groups").child(it.key());
    if (!g.has("weights")) continue;
    const Obj w = g.child("weights");
    const std::int64_t bits = w.integer("num_bits", 1, 64);
    const std::string type = w.string_or("type", "int");
    const std::string strategy = w.string_or("strategy", "tensor");
    const std::int64_t group = w.integer_or("group_size", 0, 0, 1 << 20);
    std::string this_mix;
    if (type == "float" && bits == 8) this_mix = strategy == "block" ? "fp8-block" : "fp8";
    else if (type == "float" && bits == 4 && group == 16) this_mix = "nvfp4";
    else if (type == "int" && bits == 4 && (strategy == "group" || strategy == "channel")) this_mix = "gptq-int4";
    else if (type == "int" && bits == 8 && strategy == "group") this_mix = "gptq-int8";
    else if (type == "int" && bits == 8 && (strategy == "channel" || strategy == "tensor")) this_mix = "bnb-int8";
    else
      w.problem("num_bits", "compressed-tensors scheme " + type + " " + std::to_string(bits) + "-bit, strategy " + strategy +
                                (group > 0 ? ", group " + std::to_string(group) : std::string()) +
                                " is not supported (fp8, fp8 block, nvfp4, int4 group, int8)");
    if (type == "int" && bits == 4 && strategy == "group") note_group(w, "group_size", group, 128, notes);
    if (!mix.empty() && mix != this_mix)
      q.problem("config_groups", "mixes schemes (" + mix + " and " + this_mix + "); only one weights scheme is supported");
    mix = this_mix;
  }
  if (mix.empty()) q.problem("config_groups", "no group quantizes weights");
  return mix;
}

// NVIDIA ModelOpt checkpoints (hf_quant_config.json folded into config.json).
std::string modelopt(const Obj& q) {
  const std::string algo = q.string_or("quant_algo");
  if (algo == "NVFP4") return "nvfp4";
  if (algo == "FP8") return "fp8";
  q.problem("quant_algo", "ModelOpt algorithm '" + algo + "' is not supported (NVFP4, FP8)");
}

}  // namespace

std::string quant_mix_id(const nlohmann::json& json, const std::string& file, std::vector<std::string>& notes) {
  const Obj root(json, file);
  if (!root.has("quantization_config")) return from_dtype(root, notes);
  const Obj q = root.child("quantization_config");
  const std::string method = q.string_or("quant_method");
  if (method == "gptq") return gptq(q, notes);
  if (method == "awq") return awq(q, notes);
  if (method == "bitsandbytes") return bitsandbytes(q, notes);
  if (method == "fp8") return fp8(q, notes);
  if (method == "mxfp4") return "mxfp4";
  if (method == "compressed-tensors") return compressed_tensors(q, notes);
  if (method == "modelopt") return modelopt(q);
  q.problem("quant_method", "'" + method +
                                "' is not supported (gptq, awq, bitsandbytes, fp8, mxfp4, compressed-tensors, modelopt)");
}

}  // namespace vramfit::io::hf
