// vramfit help [TOPIC]: the main help, a command's help (vramfit help fit = vramfit fit --help), or a
// topic: how to name models and devices, and which runtimes there are (docs/cli.md "Names", "Device
// specs"; the runtimes come from the catalog).
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/diagnostics.hpp"
#include "base/suggest.hpp"
#include "cli/commands.hpp"

namespace vramfit::cli {
namespace {

const char* const kModels =
    "MODEL: what fit, estimate, chart, recommend and finetune take\n"
    "\n"
    "  llama-3.1-8b                      a catalog id (vramfit list models), case-insensitive\n"
    "  meta-llama/Llama-3.1-8B-Instruct  an alias: the Hugging Face repository of a catalog model\n"
    "  llama3.1:8b, qwen3:30b-a3b        an Ollama name: the model and the quantization Ollama serves\n"
    "  ./model.gguf                      a GGUF file (weights exact from its tensors; --mmproj FILE adds a projector)\n"
    "  ./Llama-3.1-8B/ or config.json    a Hugging Face directory or its config.json\n"
    "  https://.../model.gguf            a GGUF over HTTPS: the header only is read\n"
    "  hf:ORG/REPO[:QUANT]               a Hugging Face repository: config.json and safetensors headers, or a GGUF\n"
    "\n"
    "-q QUANT sets the quantization (vramfit list quants): Q4_K_M (default), Q8_0, IQ4_XS, hf-bf16, fp8, awq-int4 ...\n"
    "An unknown name is an error that suggests the nearest id. More: docs/cli.md (Names), docs/model-files.md.\n";

const char* const kDevices =
    "--device SPEC: ID[:SIZE][xN]\n"
    "\n"
    "  rtx-4090                 one card with its catalog memory (vramfit list devices)\n"
    "  rtx-3090x2               two cards (N from 1 to 1024); mixed cards: repeat --device\n"
    "  apple-m4-max-40c:64GB    a chip with one of the memory sizes it is sold with (vramfit show apple-m4-max-40c)\n"
    "  rtx-4090:48GBx2          two cards with the memory set to 48 GiB each\n"
    "  cpu-ddr5-6000-2ch        a host-memory preset: a CPU-only run, or the host beside GPUs\n"
    "  local                    what vramfit detect finds on this machine\n"
    "\n"
    "Host RAM for offloaded layers: --ram SIZE (and --ram-bandwidth BW) or a cpu-* preset; --reserve SIZE keeps\n"
    "memory for other processes. More: docs/cli.md (Device specs), docs/unified-memory.md.\n";

}  // namespace

void setup_help(CLI::App& app, Context& ctx, int& exit_code) {
  auto topic = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand("help", "help on a command (vramfit help fit) or a topic: models, devices, runtimes");
  sub->add_option("topic", *topic, "a command, or models | devices | runtimes");
  sub->callback([&app, &ctx, &exit_code, topic] {
    exit_code = 0;
    if (topic->empty()) {  // the main page (App::help would show the page of the command being run: help)
      ctx.io.out << app.get_formatter()->make_help(&app, app.get_name(), CLI::AppFormatMode::Normal);
      return;
    }
    if (*topic == "models") {
      ctx.io.out << kModels;
      return;
    }
    if (*topic == "devices") {
      ctx.io.out << kDevices;
      return;
    }
    if (*topic == "runtimes") {
      std::string out = "--runtime ID: whose memory rules and defaults apply (vramfit list runtimes; data/runtimes.yaml)\n\n";
      for (const RuntimeProfile& r : ctx.catalog().runtimes) out += fmt::format("  {:<14}{}\n", r.id, r.name);
      out += "\nSpeed is calibrated on llama.cpp runs (Ollama runs llama.cpp); for the others the figures are llama.cpp's,\n"
             "and the output says so. More: docs/runtimes.md, docs/speed.md.\n";
      ctx.io.out << out;
      return;
    }
    std::vector<std::string> names = {"models", "devices", "runtimes"};
    for (const CLI::App* c : app.get_subcommands([](const CLI::App*) { return true; })) {
      if (c->get_name() == *topic) {
        ctx.io.out << c->help(app.get_name());  // "Usage: vramfit fit ...", as vramfit fit --help
        return;
      }
      names.push_back(c->get_name());
    }
    throw io::InputError(fmt::format("no help on '{}'{} (topics: {})", *topic, io::did_you_mean(*topic, names),
                                     fmt::join(names, ", ")));
  });
}

}  // namespace vramfit::cli
