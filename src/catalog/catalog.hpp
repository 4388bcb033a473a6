// The catalog: models, devices, storage types, mixes and runtime profiles, read from the embedded
// data/*.yaml and from user directories that add or replace entries by id.
#pragma once

#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "catalog/diagnostics.hpp"
#include "vramfit/hardware.hpp"
#include "vramfit/model.hpp"
#include "vramfit/parallel.hpp"
#include "vramfit/quant.hpp"
#include "vramfit/runtime.hpp"
#include "vramfit/speed.hpp"

namespace vramfit::io {

// What every catalog entry carries besides its numbers.
struct EntryMeta {
  Location where;
  std::vector<std::string> aliases;
  std::vector<std::string> source;
  std::vector<std::string> unconfirmed;
  std::string notes;
};

struct CatalogModel {
  ModelSpec spec;
  EntryMeta meta;
};
struct CatalogDevice {
  Device device;
  EntryMeta meta;
};
struct CatalogMix {
  QuantMix mix;
  EntryMeta meta;
};
struct CatalogType {
  TensorType type;
  EntryMeta meta;
};

struct Catalog {
  std::vector<CatalogModel> models;
  std::vector<CatalogDevice> devices;
  std::vector<CatalogType> types;
  std::vector<CatalogMix> mixes;
  std::vector<std::string> kv_types;
  std::vector<RuntimeProfile> runtimes;
  std::vector<Location> runtime_where;  // where each runtime profile was defined (same order)
  Location kv_types_where;
  std::vector<WiredLimitRule> wired_limit;
  std::vector<LinkProfile> links;       // runtimes.yaml links: GPU-to-GPU links of tensor parallel
  std::vector<Location> link_where;     // where each link was defined (same order)
  std::vector<SpeedProfile> speed;  // speed.yaml: fitted efficiencies per backend (docs/speed.md)
  std::vector<std::string> files;  // every file read, in order

  [[nodiscard]] TypeTable type_table() const;
  // Resolution by id or alias (case-insensitive); unknown ids throw InputError with the nearest id.
  [[nodiscard]] const CatalogModel& model(const std::string& id) const;
  [[nodiscard]] const CatalogDevice& device(const std::string& id) const;
  [[nodiscard]] const CatalogMix& mix(const std::string& id) const;
  [[nodiscard]] const RuntimeProfile& runtime(const std::string& id) const;
  [[nodiscard]] const CatalogModel* find_model(const std::string& id) const;
  [[nodiscard]] const CatalogDevice* find_device(const std::string& id) const;
};

// Which files a command needs (parsing all of them costs time on every call).
struct CatalogParts {
  bool models = true, devices = true, quants = true, runtimes = true, speed = true;
};

// Reads one YAML document of a known kind (by file name) into the catalog, replacing entries
// with the same id. Problems go to `diag`.
void load_catalog_text(Catalog& cat, const std::string& file_name, const std::string& display_name,
                       const std::string& text, Diagnostics& diag);

// The embedded catalog, then each directory (in order), each adding or replacing entries.
Catalog load_catalog(const std::vector<std::string>& dirs, Diagnostics& diag, CatalogParts parts = {});

// Directories from VRAMFIT_CATALOG_PATH (':'-separated) followed by --catalog-dir values.
std::vector<std::string> catalog_dirs(const char* env_value, const std::vector<std::string>& cli_dirs);

// Per-file loaders (load_*.cpp).
void load_models(Catalog& cat, const YAML::Node& root, const std::string& file, Diagnostics& diag);
void load_devices(Catalog& cat, const YAML::Node& root, const std::string& file, Diagnostics& diag);
void load_quants(Catalog& cat, const YAML::Node& root, const std::string& file, Diagnostics& diag);
void load_runtimes(Catalog& cat, const YAML::Node& root, const std::string& file, Diagnostics& diag);
void load_speed(Catalog& cat, const YAML::Node& root, const std::string& file, Diagnostics& diag);

}  // namespace vramfit::io
