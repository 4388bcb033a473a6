// What the subcommands share: global options, the run's Context (an engine Session with the output
// streams and the output format), and the options that become the engine's workload and device
// requests (src/engine/query.hpp, devices.hpp).
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "engine/devices.hpp"
#include "engine/memory.hpp"
#include "engine/query.hpp"
#include "engine/session.hpp"

namespace vramfit::cli {

// The command line is a front end of the engine: its requests and answers are the CLI's vocabulary.
using namespace vramfit::engine;

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

// A run of the command line: the engine session (catalog directories from VRAMFIT_CATALOG_PATH and
// --catalog-dir, read once the options are parsed) and where and how to write.
class Context : public Session {
 public:
  Context(const GlobalOptions& g, Io& io)
      : Session([this] { return io::catalog_dirs(this->io.catalog_path, global.catalog_dirs); }), global(g), io(io) {}
  const GlobalOptions& global;
  Io& io;
  [[nodiscard]] std::string format() const { return global.json ? "json" : global.format; }
  [[nodiscard]] bool color() const;
};

// Options that shape the workload (estimate, fit, table); --prompt is registered by the commands
// that estimate speed.
struct WorkloadOptions : WorkloadRequest {
  void add_to(CLI::App& app, bool with_context = true);
};

// Memory and placement options of `fit` (and `table --device`, recommend, what-fits).
struct PlacementOptions : DeviceRequest {
  void add_to(CLI::App& app, bool for_fit);  // fit: --device or a hand-described CPU host
  void add_questions_to(CLI::App& app);      // --max-context, --max-parallel, --min-devices
};

}  // namespace vramfit::cli
