// What the subcommands share: global options, catalog loading, resolving a model / quantization /
// device list from the command line, and the assumptions every result carries.
#pragma once

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "catalog/catalog.hpp"
#include "formats/model_file.hpp"
#include "vramfit/placement.hpp"

namespace vramfit::cli {

struct GlobalOptions {
  std::string format = "table";  // table | json | csv | md
  bool json = false;
  std::string color = "auto";  // auto | always | never
  std::vector<std::string> catalog_dirs;
};

struct Io {
  std::ostream& out;
  std::ostream& err;
  bool out_is_tty = false;
  const char* no_color = nullptr;
  const char* catalog_path = nullptr;  // VRAMFIT_CATALOG_PATH
};

// Options that shape the workload (estimate, fit, table).
struct WorkloadOptions {
  std::string quant;
  std::string context;
  std::string kv_type;
  std::string parallel;  // empty: 1
  std::string ubatch;
  bool no_flash_attention = false;
  bool text_only = false;
  std::string runtime = "llama.cpp";
  std::string prompt;  // fit / estimate --prompt N (speed_report.hpp; registered there, not by add_to)
  std::string mmproj;  // --mmproj FILE: the vision projector next to a GGUF model file
  void add_to(CLI::App& app, bool with_context = true);
};

// One resolved question: model + quantization + workload under a runtime profile.
struct Query {
  const io::CatalogModel* model = nullptr;
  const io::CatalogMix* mix = nullptr;
  // A model read from a file (GGUF, Hugging Face directory); with file_weights its tensors give the
  // weights exactly and `mix` only names how they are stored.
  const io::ModelFile* file = nullptr;
  bool file_weights = false;
  const RuntimeProfile* runtime = nullptr;
  Workload workload;
  std::vector<std::string> assumptions;
};

class Context {
 public:
  Context(const GlobalOptions& g, Io& io) : global(g), io(io) {}
  const GlobalOptions& global;
  Io& io;
  [[nodiscard]] const io::Catalog& catalog(io::CatalogParts parts = {});
  // Built once per run, so estimates may keep pointers into it.
  [[nodiscard]] const TypeTable& types();
  // A model file read once per run (GGUF file, or a Hugging Face directory / config.json), with the
  // mix that describes its stored weights.
  struct LoadedFile {
    io::ModelFile file;
    io::CatalogMix stored;
  };
  [[nodiscard]] const LoadedFile& model_file(const std::string& path, const std::string& mmproj);
  [[nodiscard]] std::string format() const { return global.json ? "json" : global.format; }
  [[nodiscard]] bool color() const;

 private:
  const io::Catalog* catalog_ = nullptr;  // the process's built-in catalog, or owned_catalog_
  std::unique_ptr<io::Catalog> owned_catalog_;
  std::unique_ptr<TypeTable> types_;
  std::vector<std::unique_ptr<LoadedFile>> files_;
};

// Default quantization when -q is not given: what Ollama's library and most GGUF users pick.
inline constexpr const char* kDefaultQuant = "Q4_K_M";
inline constexpr std::int64_t kDefaultContext = 4096;

Query resolve_query(Context& ctx, const std::string& model_id, const WorkloadOptions& opt);

// Whether a model argument names a file or directory (model.gguf, a Hugging Face directory or
// config.json) rather than a catalog id, alias or Ollama name.
bool names_model_file(const io::Catalog& cat, const std::string& arg);

// A device argument: ID[:SIZE][xN], e.g. rtx-4090, rtx-3090x2, apple-m4-max-40c:64GB.
struct DeviceSpec {
  const io::CatalogDevice* device = nullptr;
  double memory_gib = 0;  // chosen size (Apple/CPU options), 0 = catalog default
  std::int64_t count = 1;
  std::string text;
};
DeviceSpec parse_device_spec(const io::Catalog& cat, const std::string& text);

// Memory and placement options of `fit` (and `table --device`).
struct PlacementOptions {
  std::vector<std::string> devices;
  std::string reserve;
  std::string ram;
  std::string ram_bandwidth;
  std::string host;
  std::string gpu_layers = "auto";
  std::string wired_limit;
  std::string split;  // layer (default) | tensor
  std::string tp;     // --tp N: tensor parallel over N GPUs
  std::string link;   // --link ID: the link between tensor-parallel GPUs (runtimes.yaml links)
  bool cpu_moe = false;
  std::string n_cpu_moe;
  // Reverse questions (fit only, src/cli/solve.cpp).
  bool max_context = false, max_parallel = false, min_devices = false;
  void add_to(CLI::App& app, bool for_fit);  // fit: --device or a hand-described CPU host
  void add_questions_to(CLI::App& app);
  [[nodiscard]] bool tensor_parallel() const { return split == "tensor" || !tp.empty(); }
};

struct ResolvedPlacement {
  PlacementRequest request;
  std::vector<DeviceSpec> specs;
  bool cpu_only = false;
  std::vector<std::string> assumptions;
};
ResolvedPlacement resolve_placement(Context& ctx, const Query& q, const PlacementOptions& opt);

// Assumption lines shared by every memory result.
std::vector<std::string> workload_assumptions(const Query& q);

}  // namespace vramfit::cli

namespace vramfit::cli {

// The memory picture of a query (weights per tensor, KV, compute) with the catalog's types.
MemoryEstimate estimate(Context& ctx, const Query& q);
// The same with the weights already worked out by query_weights(): they do not depend on the context
// or batch, so a command that sizes one model at many contexts works them out once.
MemoryEstimate estimate(Context& ctx, const Query& q, WeightBreakdown weights);
// The weights alone (from the file's tensors, or the mix's rules), and the parameter counts.
WeightBreakdown query_weights(Context& ctx, const Query& q);
ParamCounts query_params(const Query& q);

// Everything on one GPU of unlimited size (CUDA overhead), token embeddings in host RAM:
// what a single card needs for a full offload, device-independent.
Placement full_offload(const Query& q, const MemoryEstimate& e);

const char* group_name(TensorGroup g);

}  // namespace vramfit::cli
