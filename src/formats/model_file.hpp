// A model described by a file instead of a catalog id: a GGUF file (header only), or a Hugging Face
// directory (config.json + safetensors headers). Both give the same shape: the architecture as a
// catalog entry, and, where the file lists its tensors, the exact bytes of each one.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/entry.hpp"
#include "formats/gguf_reader.hpp"
#include "formats/remote_file.hpp"
#include "vramfit/file_weights.hpp"

namespace vramfit::io {

struct ModelFile {
  CatalogModel model;               // spec + meta (source: the file)
  std::string format;               // "gguf", "safetensors", "config.json"
  std::string path;                 // what the user named
  std::vector<FileTensor> tensors;  // empty: no tensor list (config.json alone)
  std::string stored_as;            // how the weights are stored, for people ("Q4_K_M (general.file_type 15)")
  std::string mix_id;               // the catalog mix closest to the file (used when it lists no tensors)
  std::vector<std::string> notes;   // what the reader assumed or skipped
  std::vector<std::pair<std::string, std::string>> facts;  // what `show FILE` prints, in order
  std::optional<RemoteSource> remote;  // set for a model read over the network (formats/remote_model.hpp)
};

// Reads a GGUF file (split parts and an optional mmproj file included) into a ModelFile; every
// problem is an InputError naming the file.
ModelFile read_gguf_model(const std::string& path, const std::string& mmproj = {});
// The same from headers already read (a remote file's: formats/remote.hpp).
ModelFile gguf_model_file(const gguf::Header& model, const gguf::Header* mmproj);

}  // namespace vramfit::io
