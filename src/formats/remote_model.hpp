// Models where they live: the spellings of a remote reference (Hugging Face repositories and their
// GGUF files, any GGUF URL, Ollama's registry) and the one entry point that reads one into the same
// ModelFile a local file gives, header bytes only (docs/model-files.md).
//
//   ORG/REPO[@REV], https://huggingface.co/ORG/REPO[@REV]      a Hub repository (safetensors or GGUF files)
//   hf.co/ORG/REPO:QUANT, huggingface.co/ORG/REPO:QUANT        the GGUF file of that quantization in the repo
//   https://HOST/.../NAME.gguf                                 a GGUF file anywhere
//   NAME:TAG, NS/NAME:TAG, ollama.com/library/NAME:TAG         Ollama's registry
#pragma once

#include <optional>
#include <string>

#include "formats/model_file.hpp"
#include "formats/remote_file.hpp"

namespace vramfit::io {

struct RemoteRef {
  enum class Kind { hf_repo, hf_gguf, gguf_url, ollama };
  Kind kind = Kind::hf_repo;
  std::string text;      // as written
  std::string repo;      // hf: ORG/REPO
  std::string revision;  // hf: @REV (default "main")
  std::string quant;     // hf_gguf: the quantization named after ':'
  std::string url;       // gguf_url; a full Hub URL
  std::string ns, name, tag;  // ollama (ns "library" when not given)
};

// The reference a text spells, or nullopt when it spells none (a catalog id, a typo). Syntax only:
// nothing is fetched. A text that looks remote but breaks the rules (a URL of another scheme, an
// empty tag) is an InputError naming the text.
std::optional<RemoteRef> parse_remote_ref(const std::string& text);

// A remote model read into a ModelFile (its `remote` filled in): the Hub's config.json and
// safetensors headers, or a GGUF header (growing Range reads within the header budget), or Ollama's
// manifest and the header of its model layer. `quant` (-q) picks among a repository's GGUF files;
// `mmproj` may be a path or a URL.
ModelFile read_remote_model(Fetcher& fetcher, const RemoteRef& ref, const std::string& quant, const std::string& mmproj);

// The most bytes a remote GGUF header may take (tokenizer arrays included): 64 MiB.
inline constexpr std::uint64_t kMaxRemoteGgufHeader = std::uint64_t{64} << 20;

// GGUF at a URL (a split model's first part names the others): the model file, with what was read.
ModelFile read_gguf_url(Fetcher& fetcher, const std::string& url, const std::string& mmproj_url, bool immutable);

// Implemented by the Hub and registry readers (formats/hf_hub.cpp, formats/ollama_registry.cpp).
ModelFile read_hf_repo(Fetcher& fetcher, const RemoteRef& ref, const std::string& quant, const std::string& mmproj);
ModelFile read_ollama_model(Fetcher& fetcher, const RemoteRef& ref, const std::string& mmproj);

}  // namespace vramfit::io
