// vramfit completion bash|zsh|fish: a shell completion script for the commands, their options, and the
// catalog's model, device and quantization ids (as embedded, plus --catalog-dir / VRAMFIT_CATALOG_PATH
// entries when the script is written). docs/install.md says where each shell looks for it.
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/diagnostics.hpp"
#include "cli/commands.hpp"

namespace vramfit::cli {
namespace {

struct CommandWords {
  std::string name, description;
  std::vector<std::string> options;  // --long and -s
  std::string positional;            // what its first argument is: models, devices, list, or ""
};

// Options whose value is a catalog id, by the words the scripts complete for them.
bool takes_device(const std::string& o) { return o == "-d" || o == "--device" || o == "--host"; }
bool takes_quant(const std::string& o) { return o == "-q" || o == "--quant"; }

std::vector<CommandWords> command_words(const CLI::App& app) {
  std::vector<CommandWords> out;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    CommandWords c;
    c.name = sub->get_name();
    c.description = sub->get_description();
    c.options = option_words(*sub);
    for (const CLI::Option* o : sub->get_options()) {
      if (o->get_lnames().empty() && o->get_snames().empty() && c.positional.empty()) {
        const std::string p = o->get_name();
        c.positional = p == "model" ? "models" : p == "device" ? "devices" : p == "what" ? "list" : p == "shell" ? "shells" : "";
      }
    }
    std::sort(c.options.begin(), c.options.end());
    out.push_back(c);
  }
  return out;
}

const char* const kListWhat = "models devices quants types runtimes ollama";
const char* const kShells = "bash zsh fish";

// Bash (and zsh through bashcompinit): the word before the cursor decides what is completed.
std::string bash_script(const std::vector<CommandWords>& cmds, const std::vector<std::string>& global,
                        const std::vector<std::string>& models, const std::vector<std::string>& devices,
                        const std::vector<std::string>& quants) {
  std::vector<std::string> names;
  for (const CommandWords& c : cmds) names.push_back(c.name);
  std::string s = "# vramfit completion for bash (vramfit completion bash); see docs/install.md\n";
  s += fmt::format("_vramfit_commands='{}'\n", fmt::join(names, " "));
  s += fmt::format("_vramfit_global='{}'\n", fmt::join(global, " "));
  s += fmt::format("_vramfit_models='{}'\n", fmt::join(models, " "));
  s += fmt::format("_vramfit_devices='{}'\n", fmt::join(devices, " "));
  s += fmt::format("_vramfit_quants='{}'\n", fmt::join(quants, " "));
  s += "_vramfit() {\n"
       "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"\" cmd=\"\" i words opts\n"
       "  [ \"$COMP_CWORD\" -gt 0 ] && prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
       "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
       "    case \"${COMP_WORDS[i]}\" in\n"
       "      --format|--color|--timeout|--catalog-dir) ((i++)) ;;\n"
       "      -*) ;;\n"
       "      *) cmd=\"${COMP_WORDS[i]}\"; break ;;\n"
       "    esac\n"
       "  done\n"
       "  if [ -z \"$cmd\" ]; then\n"
       "    case \"$cur\" in -*) words=\"$_vramfit_global\" ;; *) words=\"$_vramfit_commands\" ;; esac\n"
       "    COMPREPLY=($(compgen -W \"$words\" -- \"$cur\")); return 0\n"
       "  fi\n"
       "  case \"$prev\" in\n"
       "    -d|--device|--host) COMPREPLY=($(compgen -W \"$_vramfit_devices\" -- \"$cur\")); return 0 ;;\n"
       "    -q|--quant) COMPREPLY=($(compgen -W \"$_vramfit_quants\" -- \"$cur\")); return 0 ;;\n"
       "    --format) COMPREPLY=($(compgen -W 'table json csv md' -- \"$cur\")); return 0 ;;\n"
       "    --color) COMPREPLY=($(compgen -W 'auto always never' -- \"$cur\")); return 0 ;;\n"
       "  esac\n"
       "  case \"$cmd\" in\n";
  for (const CommandWords& c : cmds) {
    const std::string positional = c.positional == "models"    ? "$_vramfit_models"
                                   : c.positional == "devices" ? "$_vramfit_devices"
                                   : c.positional == "list"    ? kListWhat
                                   : c.positional == "shells"  ? kShells
                                                               : "";
    s += fmt::format("    {}) opts='{}'; words=\"{}\" ;;\n", c.name, fmt::join(c.options, " "), positional);
  }
  s += "    *) opts=''; words='' ;;\n"
       "  esac\n"
       "  case \"$cur\" in -*) words=\"$opts $_vramfit_global\" ;; esac\n"
       "  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
       "  return 0\n"
       "}\n"
       "complete -F _vramfit vramfit\n";
  return s;
}

std::string fish_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("\\'") : c == '\\' ? std::string("\\\\") : std::string(1, c);
  return out + "'";
}

std::string fish_script(const std::vector<CommandWords>& cmds, const std::vector<std::string>& models,
                        const std::vector<std::string>& devices, const std::vector<std::string>& quants) {
  std::string s = "# vramfit completion for fish (vramfit completion fish); see docs/install.md\n";
  s += "complete -c vramfit -f\n";
  for (const CommandWords& c : cmds)
    s += fmt::format("complete -c vramfit -n '__fish_use_subcommand' -a {} -d {}\n", c.name, fish_quote(c.description));
  for (const CommandWords& c : cmds) {
    const std::string when = fmt::format("'__fish_seen_subcommand_from {}'", c.name);
    for (const std::string& o : c.options) {
      const bool lng = o.rfind("--", 0) == 0;
      std::string values;
      if (takes_device(o)) values = fmt::format(" -xa {}", fish_quote(fmt::format("{}", fmt::join(devices, " "))));
      else if (takes_quant(o)) values = fmt::format(" -xa {}", fish_quote(fmt::format("{}", fmt::join(quants, " "))));
      s += fmt::format("complete -c vramfit -n {} {} {}{}\n", when, lng ? "-l" : "-o", o.substr(lng ? 2 : 1), values);
    }
    const std::string positional = c.positional == "models"    ? fmt::format("{}", fmt::join(models, " "))
                                   : c.positional == "devices" ? fmt::format("{}", fmt::join(devices, " "))
                                   : c.positional == "list"    ? kListWhat
                                   : c.positional == "shells"  ? kShells
                                                               : "";
    if (!positional.empty()) s += fmt::format("complete -c vramfit -n {} -a {}\n", when, fish_quote(positional));
  }
  return s;
}

struct CompletionOptions {
  std::string shell;
};

}  // namespace

void setup_completion(CLI::App& app, Context& ctx, int& exit_code) {
  auto opt = std::make_shared<CompletionOptions>();
  CLI::App* sub = app.add_subcommand("completion", "print a shell completion script: bash, zsh or fish (docs/install.md)");
  sub->add_option("shell", opt->shell, "bash | zsh | fish")->required()->check(CLI::IsMember({"bash", "zsh", "fish"}));
  sub->callback([&app, &ctx, &exit_code, opt] {
    const io::Catalog& cat = ctx.catalog();
    std::vector<std::string> models, devices, quants;
    for (const io::CatalogModel& m : cat.models) models.push_back(m.spec.id);
    for (const io::CatalogDevice& d : cat.devices) devices.push_back(d.device.id);
    for (const io::CatalogMix& m : cat.mixes) quants.push_back(m.mix.id);
    const std::vector<CommandWords> cmds = command_words(app);
    const std::vector<std::string> global = option_words(app);
    if (opt->shell == "fish") {
      ctx.io.out << fish_script(cmds, models, devices, quants);
    } else if (opt->shell == "zsh") {
      ctx.io.out << "# vramfit completion for zsh (vramfit completion zsh): the bash function through bashcompinit\n"
                    "autoload -U +X bashcompinit && bashcompinit\n"
                 << bash_script(cmds, global, models, devices, quants);
    } else {
      ctx.io.out << bash_script(cmds, global, models, devices, quants);
    }
    exit_code = 0;
  });
}

}  // namespace vramfit::cli
