#include "cli/app.hpp"

#include <algorithm>
#include <cctype>
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

std::vector<std::string> option_words(const CLI::App& a) {
  std::vector<std::string> words;
  for (const CLI::Option* o : a.get_options()) {
    for (const std::string& l : o->get_lnames()) words.push_back("--" + l);
    for (const std::string& s : o->get_snames()) words.push_back("-" + s);
  }
  return words;
}

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

// Two or three examples at the foot of each command's --help (each one runs as written; tests/cli
// cases help_* hold the pages).
void add_examples(CLI::App& app) {
  static const std::pair<const char*, const char*> examples[] = {
      {"estimate", "  vramfit estimate llama-3.1-8b -c 32k\n  vramfit estimate deepseek-v3 -q Q2_K --parallel 4\n"
                   "  vramfit estimate ./model.gguf            (a file, a URL or hf:ORG/REPO works as MODEL)"},
      {"fit", "  vramfit fit llama-3.1-8b --device rtx-4090\n  vramfit fit llama-3.1-70b --device rtx-3090x2 -c 16k --kv-type q8_0\n"
              "  vramfit fit qwen3-30b-a3b --device apple-m4-pro:48GB --quiet"},
      {"finetune", "  vramfit finetune llama-3.1-8b --method qlora --device rtx-4090\n"
                   "  vramfit finetune llama-3.1-8b --method full --device h100-sxmx8 --zero 3\n"
                   "  vramfit finetune llama-3.1-8b --method qlora --device m4-max:64GB --seq 512   (MLX-LM)"},
      {"table", "  vramfit table gemma-3-27b\n  vramfit table --device rtx-4090 --quants Q4_K_M,Q8_0"},
      {"list", "  vramfit list models --filter qwen\n  vramfit list devices --json"},
      {"show", "  vramfit show rtx-4090\n  vramfit show Q4_K_M"},
      {"catalog", "  vramfit catalog check\n  vramfit catalog check --catalog-dir ./my-catalog --format github"},
      {"import", "  vramfit import ./Llama-3.1-8B/config.json"},
      {"recommend", "  vramfit recommend llama-3.1-70b --min-tps 10\n  vramfit recommend --use-case coding-assistant-7b"},
      {"what-fits", "  vramfit what-fits rtx-4090\n  vramfit what-fits apple-m4-pro:48GB --min-tps 20"},
      {"detect", "  vramfit detect\n  vramfit detect --json"},
      {"chart", "  vramfit chart llama-3.1-8b --device rtx-4090\n  vramfit chart llama-3.1-8b --device rtx-4090 --curve --svg curve.svg"},
      {"validate", "  vramfit validate llama-server.log --model llama-3.1-8b"},
      {"bench", "  vramfit bench --server http://localhost:11434 --runs 5 --device rtx-4090"},
      {"completion", "  source <(vramfit completion bash)\n  vramfit completion fish > ~/.config/fish/completions/vramfit.fish"},
      {"help", "  vramfit help models\n  vramfit help devices\n  vramfit help fit"}};
  app.footer("\nExamples:\n  vramfit fit llama-3.1-8b --device rtx-4090\n  vramfit what-fits rtx-4090\n"
             "  vramfit recommend llama-3.1-70b --min-tps 10\nvramfit COMMAND --help: a command's options and examples");
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
    for (const auto& [name, text] : examples)
      if (sub->get_name() == name) sub->footer(std::string("\nExamples:\n") + text);
}

// The option names a command accepts (its own and the global ones), as typed: --long and -s.
std::vector<std::string> option_names(const CLI::App& app, const CLI::App* sub) {
  std::vector<std::string> names = option_words(app);
  if (sub != nullptr)
    for (std::string& w : option_words(*sub)) names.push_back(std::move(w));
  return names;
}

std::vector<std::string> words_after_colon(const std::string& msg) {
  std::vector<std::string> out;
  const std::size_t colon = msg.find(": ");
  if (colon == std::string::npos) return out;
  std::string w;
  for (char c : msg.substr(colon + 2) + " ") {
    if (c == ' ') {
      if (!w.empty()) out.push_back(w);
      w.clear();
    } else {
      w += c;
    }
  }
  return out;
}

// llama.cpp's and Ollama's spellings of settings vramfit names differently: " (vramfit's name for it:
// '--context')" when `word` is one of them and the command has the option, else "".
std::string runtime_spelling_hint(const std::string& word, const std::vector<std::string>& names) {
  static const std::pair<const char*, const char*> spellings[] = {
      {"--ctx-size", "--context"},         {"--ctx", "--context"},         {"-ctx", "--context"},
      {"--num-ctx", "--context"},          {"--max-model-len", "--context"}, {"--n-gpu-layers", "--gpu-layers"},
      {"-ngl", "--gpu-layers"},            {"--num-gpu", "--gpu-layers"},  {"--cache-type-k", "--kv-type"},
      {"-ctk", "--kv-type"},               {"--cache-type-v", "--kv-type"}, {"-ctv", "--kv-type"},
      {"--ubatch-size", "--ubatch"},       {"-ub", "--ubatch"},            {"--flash-attn", "--no-flash-attn (on by default)"},
      {"-fa", "--no-flash-attn (on by default)"}, {"-np", "--parallel"},   {"-ts", "--split"},
      {"--tensor-split", "--split"},       {"--tensor-parallel-size", "--tp"}};
  for (const auto& [theirs, ours] : spellings) {
    const std::string o = ours, target = o.substr(0, o.find(' '));
    if (word == theirs && std::find(names.begin(), names.end(), target) != names.end())
      return fmt::format(" (vramfit's name for it: '{}')", o);
  }
  return {};
}

// CLI11's parse errors in vramfit's words (docs/errors.md): one line naming the option or argument, a
// did-you-mean for a mistyped option, and the help page of the command that was being parsed.
std::string parse_error_message(const CLI::ParseError& e, const CLI::App& app, const std::string& command) {
  const CLI::App* sub = nullptr;
  for (const CLI::App* a : app.get_subcommands([](const CLI::App*) { return true; }))
    if (a->get_name() == command) sub = a;
  const std::string help = command.empty() ? "vramfit --help" : "vramfit " + command + " --help";
  const std::string msg = io::one_line(e.what());
  const std::string kind = e.get_name();
  std::string text;
  if (msg.rfind("The following argument", 0) == 0) {
    // ExtrasError (named after the subcommand, so matched by its text): "The following arguments were
    // not expected: 8k --ctx", listed last first. An unknown option first, else the argument.
    std::vector<std::string> extras = words_after_colon(msg);
    std::reverse(extras.begin(), extras.end());
    const auto option = std::find_if(extras.begin(), extras.end(), [](const std::string& w) { return w.size() > 1 && w[0] == '-'; });
    if (option != extras.end()) {
      const std::string word = option->substr(0, option->find('='));
      // (llama.cpp's spellings of a command's options were named before parsing: runtime_spelling_hint.)
      text = fmt::format("unknown option '{}'{}{}", word, command.empty() ? "" : " for " + command,
                         io::did_you_mean(word, option_names(app, sub)));
    } else if (!extras.empty()) {
      text = fmt::format("unexpected argument '{}'{} (a value goes right after its option, e.g. --device ID)", extras.front(),
                         command.empty() ? "" : " for " + command);
    }
  } else if (kind == "ArgumentMismatch" && msg.find("At Most 1 required but received") != std::string::npos) {
    const std::string name = msg.substr(0, msg.find(':'));
    text = name + " is given more than once (it takes one value" +
           (name == "--device" ? "; N identical GPUs: --device IDxN, e.g. rtx-4090x2)" : ")");
  } else if (kind == "ArgumentMismatch" && msg.find("required") != std::string::npos && msg.find("missing") != std::string::npos) {
    text = msg.substr(0, msg.find(':')) + " needs a value";
  } else if (kind == "RequiredError" && msg == "A subcommand is required") {
    text = "a command is required";
  } else if (kind == "RequiredError" && msg.size() > 12 && msg.compare(msg.size() - 12, 12, " is required") == 0) {
    const std::string what = msg.substr(0, msg.size() - 12);
    text = what[0] == '-' ? what + " is required" : fmt::format("{} needs {}", command.empty() ? "vramfit" : command, what == "model" ? "a MODEL (a catalog id, a file, a URL or hf:ORG/REPO)" : what == "what" ? "what to list" : what);
  } else if (const std::size_t in = msg.find(" not in {"); kind == "ValidationError" && in != std::string::npos) {
    // "--format: xml not in {table,json,csv,md}"
    const std::size_t colon = msg.find(": ");
    const std::string name = msg.substr(0, colon), value = msg.substr(colon + 2, in - colon - 2);
    std::string set = msg.substr(in + 9, msg.size() - in - 10);
    std::vector<std::string> allowed;
    for (std::size_t a = 0, b; a <= set.size(); a = b + 1) {
      b = set.find(',', a);
      if (b == std::string::npos) b = set.size();
      allowed.push_back(set.substr(a, b - a));
    }
    // A suggestion only for a misspelling (same first letter): 'tabel' -> table, not 'xml' -> md.
    const std::string near = io::nearest(value, allowed);
    const bool typo = !near.empty() && !value.empty() && std::tolower(static_cast<unsigned char>(near[0])) ==
                                                             std::tolower(static_cast<unsigned char>(value[0]));
    text = fmt::format("{}: '{}' is not one of {}{}", name, value, fmt::join(allowed, ", "),
                       typo ? " (did you mean '" + near + "'?)" : "");
  }
  if (text.empty()) text = msg.empty() ? "invalid command line" : msg;
  return text + " (see '" + help + "')";
}

}  // namespace

int run(int argc, const char* const* argv, Io& io) {
  CLI::App app{"vramfit: will this LLM fit on this hardware, and how fast will it run?"};
  app.name("vramfit");
  app.set_version_flag("--version", "vramfit 0.1.0");
  app.require_subcommand(1);
  app.fallthrough();
  GlobalOptions g;
  app.add_option("--format", g.format, "output format: table, json, csv, md (catalog check also: github)")
      ->check(CLI::IsMember({"table", "json", "csv", "md", "github"}));
  app.add_flag("--json", g.json, "same as --format json");
  app.add_option("--color", g.color, "colour: auto (only on a terminal, honours NO_COLOR), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  app.add_flag("-v,--explain", g.explain, "text output: every assumption behind the figures and the detail lines (JSON always has them)");
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
      {"validate", setup_validate}, {"bench", setup_bench},   {"completion", setup_completion},
      {"help", setup_help}};
  // Bare `vramfit`: the short help, not an error.
  if (argc <= 1) {
    for (const auto& c : commands) c.second(app, ctx, exit_code);
    add_examples(app);
    io.out << app.help();
    return 0;
  }
  std::string command;  // the command being parsed, for its help page in errors
  try {
    // --format github (workflow annotations) is catalog check's alone; refused before any command runs.
    bool github = false, catalog_check = false;
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      github = github || a == "--format=github" || (a == "--format" && i + 1 < argc && std::string(argv[i + 1]) == "github");
      catalog_check = catalog_check || (a == "catalog" && i + 1 < argc && std::string(argv[i + 1]) == "check");
    }
    if (github && !catalog_check)
      throw io::InputError("--format github (GitHub workflow annotations) is for 'catalog check' only");
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
      if (first == "completion" || first == "help")  // the script lists every command's options; help shows any
        for (const auto& c : commands) c.second(app, ctx, exit_code);
      else
        named->second(app, ctx, exit_code);
      command = first;
    } else {
      for (const auto& c : commands) c.second(app, ctx, exit_code);
    }
    if (argc > 2 && std::string(argv[1]) == "catalog" && argv[2][0] != '-' && std::string(argv[2]) != "check")
      throw io::InputError(std::string("unknown catalog command '") + argv[2] + "'" + io::did_you_mean(argv[2], {"check"}) +
                           " (catalog commands: check)");
    refuse_empty_values(app);
    add_examples(app);
    // A llama.cpp spelling such as -ngl would otherwise parse as short options (-n gl): name it first.
    if (!command.empty()) {
      const CLI::App* sub = app.get_subcommand(command);
      const auto names = option_names(app, sub);
      for (int i = 2; i < argc; ++i) {
        const std::string word = std::string(argv[i]).substr(0, std::string(argv[i]).find('='));
        if (std::string(argv[i]) == "--") break;
        if (std::find(names.begin(), names.end(), word) != names.end()) continue;
        if (const std::string hint = runtime_spelling_hint(word, names); !hint.empty())
          throw io::InputError(fmt::format("unknown option '{}' for {}{} (see 'vramfit {} --help')", word, command, hint, command));
      }
    }
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
    io.err << "vramfit: error: " << parse_error_message(e, app, command) << "\n";
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
