// Ollama's registry (registry.ollama.ai, or VRAMFIT_OLLAMA_REGISTRY): a model is a Docker-style v2
// manifest at /v2/NS/NAME/manifests/TAG whose layers are blobs at /v2/NS/NAME/blobs/sha256:DIGEST
// (the registry answers those with a redirect to its CDN). The layers that matter here:
//   application/vnd.ollama.image.model      the GGUF file: only its header is read
//   application/vnd.ollama.image.projector  a vision projector (CLIP GGUF), loaded beside the model
//   application/vnd.ollama.image.params     JSON options (num_ctx ...), small
// Ollama's own reading of a manifest: server/images.go GetModel (the last model layer wins; every
// projector is kept and llm/server.go passes the first); server/manifest.go, types/model/name.go.
// read_ollama_model (formats/remote_model.hpp) fetches; the parsers below take the bytes alone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vramfit::io {

inline constexpr std::string_view kOllamaModelLayer = "application/vnd.ollama.image.model";
inline constexpr std::string_view kOllamaProjectorLayer = "application/vnd.ollama.image.projector";
inline constexpr std::string_view kOllamaParamsLayer = "application/vnd.ollama.image.params";
inline constexpr std::string_view kOllamaAdapterLayer = "application/vnd.ollama.image.adapter";

// Real manifests are about 1 KB (five to eight layers); params layers a few hundred bytes.
inline constexpr std::uint64_t kMaxOllamaManifest = std::uint64_t{1} << 20;
inline constexpr std::uint64_t kMaxOllamaParams = std::uint64_t{64} << 10;
inline constexpr std::size_t kMaxOllamaLayers = 1024;

struct OllamaLayer {
  std::string media_type;
  std::string digest;  // "sha256:" + 64 lower-case hex digits (checked: it becomes part of a URL)
  std::uint64_t size = 0;
};

struct OllamaManifest {
  std::vector<OllamaLayer> layers;  // in the manifest's order
  // Ollama's choice (server/images.go GetModel): the last model layer; the first projector.
  [[nodiscard]] const OllamaLayer* model() const;
  [[nodiscard]] const OllamaLayer* projector() const;
  [[nodiscard]] const OllamaLayer* params() const;
  [[nodiscard]] std::size_t count(std::string_view media_type) const;
};

// The manifest of `ref` ("NAME:TAG", for messages). An InputError naming `ref`, one line, when the
// text is no JSON, an HTML page, a registry error document, a schema other than 2, or a layer
// without a valid media type, digest or size. A manifest without a model layer parses; the reader
// says what it lacks.
OllamaManifest parse_ollama_manifest(std::string_view json, const std::string& ref);

// What a params layer sets that bears on memory (api/types.go Options: num_ctx, num_batch, num_gpu;
// the deprecated f16_kv). Sampling options (temperature, stop ...) are skipped. A value of the
// wrong kind is kept as a note, not an error: the weights do not depend on it.
struct OllamaParams {
  std::optional<std::int64_t> num_ctx;
  std::optional<std::int64_t> num_batch;
  std::optional<std::int64_t> num_gpu;
  std::optional<bool> f16_kv;
  std::vector<std::string> notes;  // "params: num_ctx 8192", in that order
};
// An InputError naming `ref` when the text is no JSON object.
OllamaParams parse_ollama_params(std::string_view json, const std::string& ref);

}  // namespace vramfit::io
