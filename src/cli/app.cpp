#include "cli/app.hpp"

#include <fmt/format.h>

#include "catalog/diagnostics.hpp"
#include "catalog/suggest.hpp"
#include "cli/commands.hpp"

namespace vramfit::cli {
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
  app.add_option("--catalog-dir", g.catalog_dirs, "directory whose models/devices/quants/runtimes.yaml add or replace catalog entries (repeatable; also VRAMFIT_CATALOG_PATH)");
  Context ctx(g, io);
  int exit_code = 0;
  setup_estimate(app, ctx, exit_code);
  setup_fit(app, ctx, exit_code);
  setup_finetune(app, ctx, exit_code);
  setup_table(app, ctx, exit_code);
  setup_list(app, ctx, exit_code);
  setup_show(app, ctx, exit_code);
  setup_catalog(app, ctx, exit_code);
  setup_import(app, ctx, exit_code);
  setup_recommend(app, ctx, exit_code);
  setup_what_fits(app, ctx, exit_code);
  setup_detect(app, ctx, exit_code);
  setup_chart(app, ctx, exit_code);
  setup_validate(app, ctx, exit_code);
  try {
    // An unknown first word is a typo'd command more often than a stray argument.
    if (argc > 1 && argv[1][0] != '-') {
      std::vector<std::string> names;
      for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) names.push_back(sub->get_name());
      if (std::find(names.begin(), names.end(), argv[1]) == names.end())
        throw io::InputError(std::string("unknown command '") + argv[1] + "'" + io::did_you_mean(argv[1], names) +
                             " (commands: estimate, fit, table, list, show, catalog, import, recommend, what-fits, detect, chart, validate)");
    }
    if (argc > 2 && std::string(argv[1]) == "catalog" && argv[2][0] != '-' && std::string(argv[2]) != "check")
      throw io::InputError(std::string("unknown catalog command '") + argv[2] + "'" + io::did_you_mean(argv[2], {"check"}) +
                           " (catalog commands: check)");
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    io.out << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    io.out << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::CallForVersion& e) {
    io.out << e.what() << "\n";
    return 0;
  } catch (const CLI::ParseError& e) {
    std::string msg = e.what();
    if (msg.empty()) msg = "invalid command line";
    io.err << "vramfit: error: " << io::one_line(msg) << " (see 'vramfit --help')\n";
    return 2;
  } catch (const io::InputError& e) {  // one line by construction (diagnostics.hpp)
    io.err << "vramfit: error: " << e.what() << "\n";
    return 2;
  } catch (const CoreError& e) {  // one line by construction (vramfit/error.hpp)
    io.err << "vramfit: error: " << e.what() << "\n";
    return 2;
  } catch (const std::bad_alloc&) {
    io.err << "vramfit: error: out of memory\n";
    return 2;
  } catch (const std::exception& e) {
    io.err << "vramfit: error: " << io::one_line(e.what()) << "\n";
    return 2;
  }
  return exit_code;
}

}  // namespace vramfit::cli
