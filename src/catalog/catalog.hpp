// The catalog: models, devices, storage types, mixes and runtime profiles, read from the embedded
// data/*.yaml and from user directories that add or replace entries by id.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "base/diagnostics.hpp"
#include "base/entry.hpp"
#include "vramfit/finetune.hpp"
#include "vramfit/hardware.hpp"
#include "vramfit/model.hpp"
#include "vramfit/parallel.hpp"
#include "vramfit/planning.hpp"
#include "vramfit/quant.hpp"
#include "vramfit/runtime.hpp"
#include "vramfit/speed.hpp"

namespace vramfit::io {

struct CatalogDevice {
  Device device;
  EntryMeta meta;
  // `street_price`: dated new/used prices (docs/catalog-format.md), with where each quote stands for
  // `catalog check` (street_where[i] locates street_prices[i]).
  std::vector<PriceQuote> street_prices;
  std::vector<Location> street_where;
};
struct CatalogMix {
  QuantMix mix;
  EntryMeta meta;
};
struct CatalogType {
  TensorType type;
  EntryMeta meta;
};

// ollama.yaml: one Ollama library name (ollama.com/library/NAME) and its size tags.
struct OllamaTag {
  std::string tag;    // size tag as Ollama writes it: "8b", "30b-a3b", "mini", "scout"
  std::string model;  // catalog model id
  std::string quant;  // mix id of this tag's default quantization; empty = the name's `quant`
};
struct OllamaMissing {
  std::string tag;   // an Ollama tag whose model the catalog does not have
  std::string what;  // what it is, for the error message ("DeepSeek-R1-0528-Qwen3-8B")
};
struct CatalogOllama {
  std::string name;                     // lower case, e.g. "llama3.1"
  std::vector<OllamaTag> tags;          // in file order
  std::vector<OllamaMissing> missing;   // tags left out of the catalog
  std::string latest;                   // the size tag `name` and `name:latest` stand for
  std::string quant;                    // mix id of Ollama's default tags (Q4_K_M, Q4_0, MXFP4_MOE ...)
  std::vector<std::string> variants;    // words allowed between size and quantization ("instruct", "it" ...)
  EntryMeta meta;                       // aliases unused
};
// A quantization named at the end of a tag ("q8_0", "fp16", "qat") and the mix it stands for.
struct OllamaQuantTag {
  std::string suffix;  // as Ollama writes it; matched case-insensitively
  std::string mix;     // catalog mix id
  Location where;
};

// What an Ollama model reference stands for in this catalog.
struct OllamaMatch {
  std::string model;        // catalog model id, e.g. "llama-3.1-8b"
  std::string mix;          // catalog mix id, e.g. "Q4_K_M"
  std::string name_tag;     // normalized "name:tag", e.g. "llama3.1:8b", "gemma3:27b-it-q8_0"
  std::string explanation;  // one line, e.g. "ollama llama3.1:8b = llama-3.1-8b Q4_K_M (...)"
};

// The keys of a devices.yaml entry (load_devices.cpp), for the loader and catalog check.
const std::vector<std::string>& device_keys();
const std::vector<std::string>& street_price_keys();  // the keys of one devices.yaml street_price quote

struct Catalog {
  std::vector<CatalogModel> models;
  std::vector<CatalogDevice> devices;
  std::vector<CatalogType> types;
  std::vector<CatalogMix> mixes;
  std::vector<std::string> kv_types;
  std::vector<RuntimeProfile> runtimes;
  std::vector<Location> runtime_where;  // where each runtime profile was defined (same order)
  Location kv_types_where;
  std::vector<UnifiedMemoryPlatform> platforms;  // runtimes.yaml platforms: GPU share of unified memory
  std::vector<Location> platform_where;          // where each platform was defined (same order)
  std::vector<LinkProfile> links;       // runtimes.yaml links: GPU-to-GPU links of tensor parallel
  std::vector<Location> link_where;     // where each link was defined (same order)
  std::vector<SpeedProfile> speed;  // speed.yaml: fitted efficiencies per backend (docs/speed.md)
  FinetuneProfile finetune;         // runtimes.yaml finetune: tunables of `vramfit finetune` (docs/finetune.md)
  std::vector<CatalogOllama> ollama;           // ollama.yaml: Ollama library names -> model + mix
  std::vector<OllamaQuantTag> ollama_quants;   // ollama.yaml tag_quants: tag suffix -> mix
  std::vector<std::string> files;  // every file read, in order

  [[nodiscard]] TypeTable type_table() const;
  // Resolution by id or alias (case-insensitive); unknown ids throw InputError with the nearest id.
  [[nodiscard]] const CatalogModel& model(const std::string& id) const;
  [[nodiscard]] const CatalogDevice& device(const std::string& id) const;
  [[nodiscard]] const CatalogMix& mix(const std::string& id) const;
  [[nodiscard]] const RuntimeProfile& runtime(const std::string& id) const;
  [[nodiscard]] const CatalogModel* find_model(const std::string& id) const;
  [[nodiscard]] const CatalogDevice* find_device(const std::string& id) const;
  // The platform rule of a unified-memory device (its memory_platform; an Apple chip defaults to
  // "macos"); nullptr for other devices or when runtimes.yaml lacks it.
  [[nodiscard]] const UnifiedMemoryPlatform* platform_of(const Device& d) const;
  // An Ollama library reference ("llama3.1", "llama3.1:latest", "qwen3:30b-a3b", "gemma3:27b-it-q8_0"),
  // case-insensitive. nullopt when the name is not an Ollama library name in ollama.yaml (then the caller
  // tries catalog ids; "hf.co/USER/REPO:QUANT" and "user/model" refs are nullopt too). A known name with
  // an unknown tag, or with a tag whose model the catalog lacks, throws InputError listing the known tags.
  [[nodiscard]] std::optional<OllamaMatch> resolve_ollama(const std::string& ref) const;
};

// Which files a command needs (parsing all of them costs time on every call).
struct CatalogParts {
  bool models = true, devices = true, quants = true, runtimes = true, speed = true, ollama = true;
};

// A catalog file larger than this is refused before it is read (real ones are under 1 MiB).
inline constexpr std::uint64_t kMaxCatalogFileBytes = std::uint64_t{64} << 20;

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
void load_finetune(Catalog& cat, const YAML::Node& root, const std::string& file, Diagnostics& diag);  // runtimes.yaml finetune:
void load_speed(Catalog& cat, const YAML::Node& root, const std::string& file, Diagnostics& diag);
void load_ollama(Catalog& cat, const YAML::Node& root, const std::string& file, Diagnostics& diag);

}  // namespace vramfit::io
