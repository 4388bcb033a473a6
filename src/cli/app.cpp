#include "cli/app.hpp"

#include <algorithm>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/diagnostics.hpp"
#include "base/suggest.hpp"
#include "cli/commands.hpp"
#include "formats/parse.hpp"

namespace vramfit::cli {
namespace {

// Every option stores its text, and an empty text means "not given": `-q ''` would quietly mean the
// default quantization. So no option or argument of any command accepts an empty value.
void refuse_empty_values(CLI::App& app) {
  static const CLI::Validator non_empty(
      [](std::string& v) { return v.empty() ? std::string("an empty value is not allowed") : std::string(); }, "", "non-empty");
  for (CLI::Option* o : app.get_options())
    if (o->get_type_size_max() > 0) o->check(non_empty);
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) refuse_empty_values(*sub);
}

}  // namespace

int run(int argc, const char* const* argv, Io& io) {
  CLI::App app{"vramfit: will this LLM fit on this hardware, and how fast will it run?"};
  app.name("vramfit");
  app.set_version_flag("--version", "vramfit 0.1.0");
  app.require_subcommand(1);
  app.fallthrough();
  GlobalOptions g;
  app.add_option("--format", g.format, "output format: table, json, csv, md")
      ->check(CLI::IsMember({"table", "json", "csv", "md"}));
  app.add_flag("--json", g.json, "same as --format json");
  app.add_option("--color", g.color, "colour: auto (only on a terminal, honours NO_COLOR), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  app.add_flag("--offline", g.offline, "remote models from the cache only (also VRAMFIT_OFFLINE=1, HF_HUB_OFFLINE=1)");
  app.add_option("--timeout", g.timeout, "seconds to wait for a remote server to connect or to answer (default 30)")
      ->check([](const std::string& v) {  // checked whether or not a remote model is asked for
        (void)io::parse_count(v, "--timeout", 1, 3600);
        return std::string();
      });
  app.add_option("--catalog-dir", g.catalog_dirs, "directory whose models/devices/quants/runtimes.yaml add or replace catalog entries (repeatable; also VRAMFIT_CATALOG_PATH)");
  Context ctx(g, io);
  int exit_code = 0;
  // A named command sets up only its own options: building every subcommand's CLI11 options is
  // most of a query's start-up (docs/performance.md). Help, --version and global options before
  // the command (argv[1] starting with '-') set up all of them.
  using Setup = void (*)(CLI::App&, Context&, int&);
  static constexpr std::pair<const char*, Setup> commands[] = {
      {"estimate", setup_estimate}, {"fit", setup_fit},     {"finetune", setup_finetune},   {"table", setup_table},
      {"list", setup_list},         {"show", setup_show},   {"catalog", setup_catalog},     {"import", setup_import},
      {"recommend", setup_recommend}, {"what-fits", setup_what_fits}, {"detect", setup_detect}, {"chart", setup_chart},
      {"validate", setup_validate}, {"bench", setup_bench}};
  try {
    if (argc > 1 && argv[1][0] != '-') {
      const std::string first = argv[1];
      const auto named = std::find_if(std::begin(commands), std::end(commands),
                                      [&](const auto& c) { return first == c.first; });
      if (named == std::end(commands)) {
        // An unknown first word is a typo'd command more often than a stray argument.
        std::vector<std::string> names;
        for (const auto& c : commands) names.emplace_back(c.first);
        throw io::InputError(fmt::format("unknown command '{}'{} (commands: {})", first, io::did_you_mean(first, names),
                                         fmt::join(names, ", ")));
      }
      named->second(app, ctx, exit_code);
    } else {
      for (const auto& c : commands) c.second(app, ctx, exit_code);
    }
    if (argc > 2 && std::string(argv[1]) == "catalog" && argv[2][0] != '-' && std::string(argv[2]) != "check")
      throw io::InputError(std::string("unknown catalog command '") + argv[2] + "'" + io::did_you_mean(argv[2], {"check"}) +
                           " (catalog commands: check)");
    refuse_empty_values(app);
    app.parse(argc, argv);
    ctx.clear_progress();
  } catch (const CLI::CallForHelp&) {
    ctx.clear_progress();
    io.out << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    ctx.clear_progress();
    io.out << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::CallForVersion& e) {
    ctx.clear_progress();
    io.out << e.what() << "\n";
    return 0;
  } catch (const CLI::ParseError& e) {
    ctx.clear_progress();
    std::string msg = e.what();
    if (msg.empty()) msg = "invalid command line";
    io.err << "vramfit: error: " << io::one_line(msg) << " (see 'vramfit --help')\n";
    return 2;
  } catch (const io::InputError& e) {  // one line by construction (diagnostics.hpp)
    ctx.clear_progress();
    io.err << "vramfit: error: " << e.what() << "\n";
    return 2;
  } catch (const CoreError& e) {  // one line by construction (vramfit/error.hpp)
    ctx.clear_progress();
    io.err << "vramfit: error: " << e.what() << "\n";
    return 2;
  } catch (const std::bad_alloc&) {
    ctx.clear_progress();
    io.err << "vramfit: error: out of memory\n";
    return 2;
  } catch (const std::exception& e) {
    ctx.clear_progress();
    io.err << "vramfit: error: " << io::one_line(e.what()) << "\n";
    return 2;
  }
  return exit_code;
}

}  // namespace vramfit::cli
