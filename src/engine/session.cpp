#include "engine/session.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "base/input_file.hpp"
#include "base/suggest.hpp"
#include "formats/hf_config.hpp"

namespace vramfit::engine {

using io::InputError;

const io::Catalog& Session::catalog(io::CatalogParts parts) {
  if (catalog_ == nullptr) {
    const std::vector<std::string> dirs = catalog_directories();
    io::Diagnostics diag;
    if (dirs.empty()) {
      // The built-in catalog is the same for every query of a process: built once, not per query
      // (the fuzzer, the tests and the benchmarks run many queries in one process).
      static const io::Catalog builtin = io::load_catalog({}, diag, io::CatalogParts{});
      catalog_ = &builtin;
    } else {
      owned_catalog_ = std::make_unique<io::Catalog>(io::load_catalog(dirs, diag, parts));
      catalog_ = owned_catalog_.get();
    }
  }
  return *catalog_;
}

const TypeTable& Session::types() {
  if (!types_) types_ = std::make_unique<TypeTable>(catalog().type_table());
  return *types_;
}

namespace {

// A Hugging Face directory or config.json as a model file: with safetensors, the tensors' bytes;
// without, the quantization_config's mix applied by rule.
io::ModelFile hf_model_file(const std::string& path) {
  io::hf::HfModel hm = io::hf::read_hf_model(path);
  io::ModelFile f;
  f.path = path;
  f.format = hm.tensors.empty() ? "config.json" : "safetensors";
  f.model.spec = std::move(hm.spec);
  ModelSpec& m = f.model.spec;
  const std::filesystem::path p(path);
  // The directory's name for DIR or DIR/config.json, the file's stem for any other NAME.json.
  const std::filesystem::path abs = std::filesystem::absolute(p).lexically_normal();
  if (std::filesystem::is_directory(p)) m.id = (abs.filename().empty() ? abs.parent_path() : abs).filename().string();
  else m.id = p.filename() == "config.json" ? abs.parent_path().filename().string() : p.stem().string();
  if (m.name.empty()) m.name = m.id;
  f.model.meta.source = {hm.source_path};
  f.tensors = std::move(hm.tensors);
  f.mix_id = hm.mix_id;
  f.notes = std::move(hm.notes);
  f.stored_as = f.tensors.empty() ? hm.mix_id : fmt::format("{} ({} safetensors tensors)", hm.mix_id, f.tensors.size());
  f.facts = {{"format", f.format}, {"config", hm.source_path}, {"quantization", hm.mix_id}};
  return f;
}

}  // namespace

const Session::LoadedFile& Session::model_file(const std::string& path, const std::string& mmproj) {
  for (const auto& f : files_)
    if (f->key == path) return *f;
  auto loaded = std::make_unique<LoadedFile>();
  std::error_code ec;
  const bool dir = std::filesystem::is_directory(path, ec);
  if (!dir && !io::path_exists(path)) throw InputError(path + ": no such file or directory");
  const std::string lower = io::to_lower(path);
  const bool gguf = !dir && lower.size() > 5 && lower.substr(lower.size() - 5) == ".gguf";
  if (!gguf && !mmproj.empty()) throw InputError("--mmproj goes with a GGUF model file (a Hugging Face directory carries its vision tower)");
  if (gguf) loaded->file = io::read_gguf_model(path, mmproj);
  else loaded->file = hf_model_file(path);
  return keep(std::move(loaded));
}

const Session::LoadedFile& Session::remote_model(const io::RemoteRef& ref, const std::string& quant, const std::string& mmproj) {
  // Keyed by what was asked: the reference, the quantization that picks a GGUF, the projector.
  const std::string key = ref.text + "\n" + quant + "\n" + mmproj;
  for (const auto& f : files_)
    if (f->key == key) return *f;
  if (!fetcher_) fetcher_ = std::make_unique<io::Fetcher>(remote_options());
  auto loaded = std::make_unique<LoadedFile>();
  loaded->key = key;
  loaded->file = io::read_remote_model(*fetcher_, ref, quant, mmproj);
  loaded->file.path = ref.text;
  return keep(std::move(loaded));
}

const io::RemoteOptions& Session::remote_options() {
  if (!remote_options_) remote_options_ = make_remote_options();
  return *remote_options_;
}

const Session::LoadedFile& Session::keep(std::unique_ptr<LoadedFile> loaded) {
  io::CatalogMix& mix = loaded->stored;
  mix.mix.id = loaded->file.mix_id.empty() ? std::string("as stored") : loaded->file.mix_id;
  mix.mix.name = loaded->file.stored_as;
  mix.mix.format = loaded->file.format;
  mix.meta.source = {loaded->file.path};
  if (loaded->key.empty()) loaded->key = loaded->file.path;
  files_.push_back(std::move(loaded));
  return *files_.back();
}

const std::vector<io::Measurement>& Session::measurements() {
  if (!measurements_) measurements_ = io::load_measurements(user_measurements_path());
  return *measurements_;
}

}  // namespace vramfit::engine
