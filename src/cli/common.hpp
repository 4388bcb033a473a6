// What the subcommands share: global options, the run's Context (an engine Session with the output
// streams and the output format), and the options that become the engine's workload and device
// requests (src/engine/query.hpp, devices.hpp).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/render.hpp"
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
  bool offline = false;  // --offline: remote models from the cache only
  std::string timeout;   // --timeout SECONDS for remote models (default 30)
  bool explain = false;  // -v / --explain: every assumption and the detail lines in text output
};

struct Io {
  std::ostream& out;
  std::ostream& err;
  bool out_is_tty = false;
  const char* no_color = nullptr;
  const char* catalog_path = nullptr;  // VRAMFIT_CATALOG_PATH
  bool err_is_tty = false;             // progress of slow remote reads goes to a terminal only
  int columns = 0;                     // width to wrap text output to; 0: no wrapping (a pipe or file)
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
  // Colour (in table format only), --explain and the terminal width, for the text renderers.
  [[nodiscard]] TextOptions text_options() const { return {Style{color() && format() == "table"}, global.explain, io.columns}; }
  // Erases a progress line left on the terminal by a slow remote read (before the answer or an error).
  void clear_progress();
  // A progress line on stderr when it is a terminal (nothing otherwise), replaced by the next one and
  // erased by clear_progress().
  void show_progress(const std::string& line);

 private:
  // Remote models: the environment (HF_ENDPOINT, HF_TOKEN, VRAMFIT_CACHE_DIR ...), --offline, --timeout,
  // and a progress line on stderr when it is a terminal and a read takes more than half a second.
  [[nodiscard]] io::RemoteOptions make_remote_options() const override;
  // measurements.yaml in the user's data directory ($VRAMFIT_DATA_DIR, $XDG_DATA_HOME/vramfit ...).
  [[nodiscard]] std::string user_measurements_path() const override { return io::measurements_path(); }
  struct Progress {
    std::string url;
    std::chrono::steady_clock::time_point start{};
    bool shown = false;
  };
  std::shared_ptr<Progress> progress_ = std::make_shared<Progress>();
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
