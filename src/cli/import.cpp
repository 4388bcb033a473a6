// vramfit import DIR_OR_CONFIG --id NAME: a Hugging Face config.json as a models.yaml entry
// (docs/huggingface.md). The entry loads as-is with --catalog-dir. Exit 0, or 2 for bad input.
#include "cli/commands.hpp"
#include "cli/render.hpp"
#include "engine/import.hpp"

namespace vramfit::cli {
namespace {

struct ImportOptions {
  std::string path;
  std::string id;
  std::string name;
};

int run_import(Context& ctx, const ImportOptions& o) {
  const ImportAnswer a = answer_import(ctx, {o.path, o.id, o.name});
  if (ctx.format() == "json") {
    Json j = json_document("import");
    j["id"] = a.model.id;
    j["architecture"] = a.model.architecture;
    j["mix"] = a.mix_id;
    j["params_total"] = a.params_total;
    j["notes"] = a.notes;
    j["yaml"] = a.yaml;
    ctx.io.out << dump(j);
  } else {
    ctx.io.out << "# vramfit import: a models.yaml document; the entry under models: can be pasted into any models.yaml.\n"
               << "# quantization: " << a.mix_id << "\n"
               << a.yaml;
  }
  return 0;
}

}  // namespace

void setup_import(CLI::App& app, Context& ctx, int& exit_code) {
  auto opt = std::make_shared<ImportOptions>();
  CLI::App* sub = app.add_subcommand("import", "print a models.yaml entry for a Hugging Face model directory or config.json");
  sub->add_option("path", opt->path, "model directory (with config.json) or a config.json file")
      ->required()
      ->type_name("DIR_OR_CONFIG");
  sub->add_option("--id", opt->id, "catalog id of the new entry")->required()->type_name("ID");
  sub->add_option("--name", opt->name, "display name (default: the id)")->type_name("NAME");
  sub->callback([&ctx, &exit_code, opt] { exit_code = run_import(ctx, *opt); });
}

}  // namespace vramfit::cli
