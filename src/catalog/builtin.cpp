// The built-in catalog (compiled at build time) plus user directories that add or replace entries.
#include <filesystem>
#include <fstream>
#include <sstream>

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
      const fs::path p = fs::path(dir) / name;
      if (!fs::exists(p, ec)) continue;
      any = true;
      if (!wanted(name, parts)) continue;
      std::ifstream in(p, std::ios::binary);
      if (!in) throw InputError(p.string() + ": cannot read");
      std::ostringstream ss;
      ss << in.rdbuf();
      if (ss.str().size() > (64u << 20)) throw InputError(p.string() + ": larger than 64 MiB, not a catalog");
      load_catalog_text(cat, name, p.string(), ss.str(), diag);
    }
    if (!any) throw InputError(dir + ": no models.yaml, devices.yaml, quants.yaml, runtimes.yaml or speed.yaml in this directory");
  }
  return cat;
}

}  // namespace vramfit::io
