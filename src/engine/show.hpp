// `show ID`: what one id names (a model file, or a catalog model, device, quantization or tensor
// type) with what is worked out from it: parameter counts, and for a file its weights and the
// histogram of its tensor types.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/session.hpp"
#include "vramfit/file_weights.hpp"
#include "vramfit/tensors.hpp"

namespace vramfit::engine {

struct ShowRequest {
  std::string id;      // id or alias, or a model file (model.gguf, a Hugging Face directory or config.json)
  std::string mmproj;  // the vision projector next to a GGUF model file
};

// The tensor types of a model file: count, elements and bytes, largest first.
struct TypeRow {
  std::string type;
  std::int64_t tensors = 0, elements = 0;
  Bytes bytes{0};
};

struct ShowAnswer {
  enum class Kind { model_file, model, device, quant, tensor_type };
  Kind kind = Kind::model;
  const io::ModelFile* file = nullptr;  // model_file
  const io::CatalogModel* model = nullptr;  // model, model_file (the file's model)
  ParamCounts params;                       // model, model_file
  WeightBreakdown file_weights;             // model_file with a tensor list
  std::vector<TypeRow> file_types;          // model_file
  const io::CatalogDevice* device = nullptr;
  const io::CatalogMix* mix = nullptr;
  const io::CatalogType* type = nullptr;
};

// An unknown id is an InputError with the nearest id of any kind.
ShowAnswer answer_show(Session& s, const ShowRequest& r);

}  // namespace vramfit::engine
