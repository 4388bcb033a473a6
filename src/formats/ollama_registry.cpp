// Placeholder: the registry reader is being written (issue 18); until then a registry reference is refused.
#include "formats/remote_model.hpp"

namespace vramfit::io {

ModelFile read_ollama_model(Fetcher&, const RemoteRef& ref, const std::string&) {
  throw InputError(ref.text + ": Ollama's registry is not read yet");
}

}  // namespace vramfit::io
