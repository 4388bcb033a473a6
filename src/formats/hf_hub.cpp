// Placeholder: the Hub reader is being written (issue 18); until then a Hub reference is refused.
#include "formats/remote_model.hpp"

namespace vramfit::io {

ModelFile read_hf_repo(Fetcher&, const RemoteRef& ref, const std::string&, const std::string&) {
  throw InputError(ref.text + ": Hugging Face repositories are not read yet");
}

}  // namespace vramfit::io
