// The built-in catalog (compiled at build time) plus user directories that add or replace entries.
#include <filesystem>

#include "base/input_file.hpp"
#include "catalog/catalog.hpp"
#include "catalog/compiled.hpp"
#include "catalog/embedded.hpp"

namespace vramfit::io {

namespace {
bool wanted(const std::string& name, const CatalogParts& parts) {
  return (name == "models.yaml" && parts.models) || (name == "devices.yaml" && parts.devices) ||
         (name == "quants.yaml" && parts.quants) || (name == "runtimes.yaml" && parts.runtimes) ||
         (name == "speed.yaml" && parts.speed) || (name == "ollama.yaml" && parts.ollama);
}
}  // namespace

Catalog load_catalog(const std::vector<std::string>& dirs, Diagnostics& diag, CatalogParts parts) {
  Catalog cat;
  if (diag.collecting()) {
    // `catalog check` re-reads the embedded YAML so that problems carry file:line.
    for (const EmbeddedFile& f : embedded_catalog())
      if (wanted(std::string(f.name), parts))
        load_catalog_text(cat, std::string(f.name), "data/" + std::string(f.name), std::string(f.text), diag);
  } else {
    cat = compiled_catalog();
  }
  namespace fs = std::filesystem;
  for (const std::string& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw InputError("catalog directory '" + dir + "' does not exist");
    bool any = false;
    for (const char* name : {"devices.yaml", "models.yaml", "ollama.yaml", "quants.yaml", "runtimes.yaml", "speed.yaml"}) {
      // Anything by that name counts, so that a directory, a FIFO or a symlink loop called
      // models.yaml is an error (read_input_file says which), not a file silently left out; an
      // unreadable directory is an error too (path_exists), not "no models.yaml".
      const std::string p = (fs::path(dir) / name).string();
      if (!path_exists(p)) continue;
      any = true;
      if (!wanted(name, parts)) continue;
      load_catalog_text(cat, name, p, read_input_file(p, kMaxCatalogFileBytes, name), diag);
    }
    if (!any) throw InputError(dir + ": no models.yaml, devices.yaml, quants.yaml, runtimes.yaml or speed.yaml in this directory");
  }
  return cat;
}

}  // namespace vramfit::io
