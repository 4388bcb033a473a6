// A question's model, weights and workload: the model reference (catalog id or alias, Ollama name,
// GGUF file, Hugging Face directory or config.json), the quantization and the workload as a front end
// received them (text, parsed here so that errors name the option), resolved under a runtime profile.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "engine/session.hpp"
#include "formats/model_file.hpp"
#include "vramfit/workload.hpp"

namespace vramfit::engine {

// The workload as given: empty text means "not given" (the default applies).
struct WorkloadRequest {
  std::string quant;
  std::string context;
  std::string kv_type;   // K and V, or K/V as q8_0/q4_0
  std::string parallel;  // empty: 1
  std::string ubatch;
  bool no_flash_attention = false;
  bool text_only = false;
  std::string images;  // images per sequence cached by cross-attention layers (mllama); empty: 1
  std::string runtime = "llama.cpp";
  std::string prompt;  // prompt tokens for the speed estimate (speed.hpp)
  std::string at;      // --at N: decode speed at context position N too (speed.hpp); empty: not asked
  std::string mmproj;  // the vision projector next to a GGUF model file
};

// One resolved question: model + quantization + workload under a runtime profile.
struct Query {
  const io::CatalogModel* model = nullptr;
  const io::CatalogMix* mix = nullptr;
  // A model read from a file (GGUF, Hugging Face directory); with file_weights its tensors give the
  // weights exactly and `mix` only names how they are stored.
  const io::ModelFile* file = nullptr;
  bool file_weights = false;
  const RuntimeProfile* runtime = nullptr;
  Workload workload;
  // --prompt N as given (0: not given). A direct runtime (transformers, MLX) sizes its forward pass for
  // it; without it, for a prompt of the whole context (the worst case).
  std::int64_t prompt = 0;
  std::vector<std::string> assumptions;
};

// Default quantization when -q is not given: what Ollama's library and most GGUF users pick.
inline constexpr const char* kDefaultQuant = "Q4_K_M";
inline constexpr std::int64_t kDefaultContext = 4096;

Query resolve_query(Session& s, const std::string& model_id, const WorkloadRequest& opt);

// Whether a model argument names a file or directory (model.gguf, a Hugging Face directory or
// config.json) rather than a catalog id, alias or Ollama name.
bool names_model_file(const io::Catalog& cat, const std::string& arg);

// Whether the runtime has no implementation of the model's architecture: llama.cpp has no mllama
// (src/llama-arch.cpp; Llama 3.2 Vision runs in Ollama's own engine, vLLM, transformers). An estimate
// says so; whole-catalog listings for that runtime (what-fits, table --device) leave the model out.
bool runtime_cannot_run(const ModelSpec& m, const RuntimeProfile& rt);

// Assumption lines shared by every memory result.
std::vector<std::string> workload_assumptions(const Query& q);

}  // namespace vramfit::engine
