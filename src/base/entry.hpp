// A catalog entry's provenance, and a model as an entry: shared by the catalog (models.yaml) and the
// readers of model files (GGUF, Hugging Face), which describe a file as the entry it would be.
#pragma once

#include <string>
#include <vector>

#include "base/diagnostics.hpp"
#include "vramfit/model.hpp"

namespace vramfit::io {

// What every catalog entry carries besides its numbers.
struct EntryMeta {
  Location where;
  std::vector<std::string> aliases;
  std::vector<std::string> source;
  std::vector<std::string> unconfirmed;
  std::string notes;
};

struct CatalogModel {
  ModelSpec spec;
  EntryMeta meta;
  // The quantization mix a GGUF runtime (llama.cpp, Ollama) uses without -q: the format of the
  // release people download (gpt-oss: MXFP4_MOE, ggml-org's own files); empty: the runtime's default.
  std::string default_quant;
  // Non-empty: the entry records sourced facts but vramfit cannot size the model (models.yaml
  // `estimable: false` with `not_estimable_reason`, DeepSeek-V4-Flash): every estimate refuses it
  // with this reason, and the whole-catalog listings skip it instead of guessing.
  std::string not_estimable;
};

}  // namespace vramfit::io
