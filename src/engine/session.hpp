// What every question shares: the catalog (built in, or with --catalog-dir / VRAMFIT_CATALOG_PATH
// directories), its tensor types, and the model files read so far. One Session per front-end run;
// answers may keep pointers into it.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "catalog/measurements.hpp"
#include "formats/model_file.hpp"
#include "formats/remote_model.hpp"
#include "vramfit/quant.hpp"

namespace vramfit::engine {

class Session {
 public:
  // The catalog directories, asked for at the first catalog() call (a front end may still be
  // reading its options when the session is made). None: the built-in catalog alone.
  using CatalogDirs = std::function<std::vector<std::string>()>;
  explicit Session(CatalogDirs catalog_dirs = {}) : catalog_dirs_(std::move(catalog_dirs)) {}
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  virtual ~Session() = default;

  [[nodiscard]] const io::Catalog& catalog(io::CatalogParts parts = {});
  // Built once per run, so estimates may keep pointers into it.
  [[nodiscard]] const TypeTable& types();
  // A model file read once per run (GGUF file, or a Hugging Face directory / config.json), with the
  // mix that describes its stored weights.
  struct LoadedFile {
    io::ModelFile file;
    io::CatalogMix stored;
    std::string key;  // what it was asked for (a path, or a remote reference with its choices)
  };
  [[nodiscard]] const LoadedFile& model_file(const std::string& path, const std::string& mmproj);
  // A remote model (formats/remote_model.hpp), read once per run. `quant` picks among a repository's
  // GGUF files.
  [[nodiscard]] const LoadedFile& remote_model(const io::RemoteRef& ref, const std::string& quant, const std::string& mmproj);
  // How remote models are fetched (endpoints, token, cache, offline, timeout, progress): set by a
  // front end, or asked of make_remote_options() at the first remote question.
  void set_remote_options(io::RemoteOptions options) { remote_options_ = std::move(options); }
  [[nodiscard]] const io::RemoteOptions& remote_options();
  // The user's own saved bench runs (measurements.yaml, catalog/measurements.hpp), read once; none when
  // the front end names no file (tests, bindings).
  [[nodiscard]] const std::vector<io::Measurement>& measurements();
  [[nodiscard]] std::string measurements_file() const { return user_measurements_path(); }
  // The catalog directories in the order they apply (`catalog check` reads them itself, collecting
  // every problem instead of stopping at the first).
  [[nodiscard]] std::vector<std::string> catalog_directories() const {
    return catalog_dirs_ ? catalog_dirs_() : std::vector<std::string>{};
  }

 private:
  CatalogDirs catalog_dirs_;
  const io::Catalog* catalog_ = nullptr;  // the process's built-in catalog, or owned_catalog_
  std::unique_ptr<io::Catalog> owned_catalog_;
  std::unique_ptr<TypeTable> types_;
  const LoadedFile& keep(std::unique_ptr<LoadedFile> loaded);
  std::vector<std::unique_ptr<LoadedFile>> files_;
  // The defaults when a front end sets none: no cache, nothing from the environment (tests, bindings).
  [[nodiscard]] virtual io::RemoteOptions make_remote_options() const { return {}; }
  std::optional<io::RemoteOptions> remote_options_;
  [[nodiscard]] virtual std::string user_measurements_path() const { return {}; }
  std::optional<std::vector<io::Measurement>> measurements_;
  std::unique_ptr<io::Fetcher> fetcher_;  // one HTTP client (one connection per host) for the run
};

}  // namespace vramfit::engine
