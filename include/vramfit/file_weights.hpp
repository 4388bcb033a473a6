// Weights read from a model file (GGUF tensor infos, safetensors headers): the exact bytes of each
// tensor, grouped the way the estimator places them. The file's own types replace the quantization
// rules of weights.hpp; everything downstream (placement, speed) is unchanged.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "vramfit/weights.hpp"

namespace vramfit {

struct FileTensor {
  std::string name;   // as stored in the file
  std::string type;   // storage type id (q4_K, f16, bf16, I32 ...), for histograms
  TensorGroup group = TensorGroup::attention;
  std::int32_t layer = -1;  // block index; -1 for global tensors
  std::int64_t elements = 0;
  Bytes bytes{0};
  std::int32_t dims = 0;  // GGUF n_dims; 0 when the reader does not give the shape
  std::int64_t ne1 = 0;   // GGUF ne[1]: rows of a matrix, of one expert for a 3-D stack; 0 unknown
};

// Sums file tensors into the breakdown weight_bytes() gives for a catalog model. Blocks beyond
// m.layers (e.g. DeepSeek's multi-token-prediction block that llama.cpp skips) are rejected by the
// caller, not here: the core cannot know why they exist.
inline WeightBreakdown weight_bytes_from_file(const ModelSpec& m, const std::vector<FileTensor>& tensors,
                                              bool include_vision = true) {
  WeightBreakdown w;
  w.per_layer.assign(static_cast<std::size_t>(m.layers), Bytes{0});
  w.per_layer_experts.assign(static_cast<std::size_t>(m.layers), Bytes{0});
  bool has_output = false;
  for (const FileTensor& t : tensors) {
    if (t.group == TensorGroup::vision && !include_vision) continue;
    if (t.layer >= m.layers)
      throw CoreError(ErrorKind::invalid_model, "tensor '" + t.name + "' belongs to block " + std::to_string(t.layer) +
                                                    " but the model has " + std::to_string(m.layers));
    w.total += t.bytes;
    w.by_group[static_cast<std::size_t>(t.group)] += t.bytes;
    if (t.group != TensorGroup::vision) w.params = checked_sum(w.params, t.elements);
    if (t.layer >= 0) {
      w.per_layer[static_cast<std::size_t>(t.layer)] += t.bytes;
      if (t.group == TensorGroup::experts) w.per_layer_experts[static_cast<std::size_t>(t.layer)] += t.bytes;
      w.largest_block_tensor = std::max(w.largest_block_tensor, t.bytes);
    } else if (t.group == TensorGroup::embeddings) {
      w.global_cpu += t.bytes;
      // Gemma 3n / 4 per-layer embeddings share the group but are not what a tied head copies.
      if (t.name.find("per_layer") == std::string::npos) w.token_embd += t.bytes;
    } else if (t.group == TensorGroup::vision) {
      w.vision += t.bytes;
    } else {
      w.output += t.bytes;  // output head, final norm and other global tensors (rope factors ...)
      if (t.group == TensorGroup::output && t.elements > m.hidden) {
        has_output = true;
        w.output_matrix = std::max(w.output_matrix, t.bytes);
      }
    }
  }
  // Tied embeddings: llama.cpp gives the output device its own copy of token_embd.
  if (m.tied_embeddings && !has_output) {
    w.tied_copy = w.token_embd;
    w.output += w.tied_copy;
    w.output_matrix = w.tied_copy;
  }
  return w;
}

// Parameter counts of the file's tensors, in the shape count_params() gives for a catalog model.
inline ParamCounts count_params_from_file(const ModelSpec& m, const std::vector<FileTensor>& tensors) {
  ParamCounts c;
  for (const FileTensor& t : tensors) {
    if (t.layer >= m.layers) continue;
    c.total = checked_sum(c.total, t.elements);
    if (t.group != TensorGroup::vision) c.text = checked_sum(c.text, t.elements);
    if (t.group == TensorGroup::experts) c.experts = checked_sum(c.experts, t.elements);
    if (t.group == TensorGroup::embeddings) c.embeddings = checked_sum(c.embeddings, t.elements);
  }
  const std::int64_t inactive =
      m.moe.present() ? c.experts - c.experts / m.moe.experts * m.moe.experts_per_token : 0;
  c.active = c.text - inactive;
  return c;
}

}  // namespace vramfit
