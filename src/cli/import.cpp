// vramfit import DIR_OR_CONFIG --id NAME: a Hugging Face config.json as a models.yaml entry
// (docs/huggingface.md). The entry loads as-is with --catalog-dir. Exit 0, or 2 for bad input.
#include "base/ids.hpp"
#include "cli/commands.hpp"
#include "catalog/catalog.hpp"
#include "cli/render.hpp"
#include "formats/hf_config.hpp"
#include "vramfit/tensors.hpp"

namespace vramfit::cli {
namespace {

struct ImportOptions {
  std::string path;
  std::string id;
  std::string name;
};

int run_import(Context& ctx, const ImportOptions& o) {
  if (!io::valid_id(o.id)) throw io::InputError("--id " + io::quote_cut(o.id) + " is not a valid id (" + io::kIdRule + ")");
  const std::string config = io::hf::hf_config_path(o.path);
  const io::hf::HfConfig cfg = io::hf::read_hf_config(config);
  ModelSpec m = cfg.spec;
  m.id = o.id;
  m.name = o.name.empty() ? o.id : o.name;
  const std::string source = config + " (imported by vramfit import)";
  const std::string yaml = io::hf::catalog_entry_yaml(m, cfg.notes, source);
  // What import prints must load: the entry goes through the models.yaml loader first, so that a
  // value the config allows and the catalog does not (parameters past its limit ...) is refused
  // here, naming the config, not later by --catalog-dir.
  try {
    io::Catalog loaded;
    io::Diagnostics diag;
    io::load_catalog_text(loaded, "models.yaml", "models.yaml", yaml, diag);
  } catch (const io::InputError& e) {
    throw io::InputError(config + ": the entry import would print does not load: " + e.what());
  }
  if (ctx.format() == "json") {
    Json j = json_document("import");
    j["id"] = m.id;
    j["architecture"] = m.architecture;
    j["mix"] = cfg.mix_id;
    j["params_total"] = count_params(m).total;
    j["notes"] = cfg.notes;
    j["yaml"] = yaml;
    ctx.io.out << dump(j);
  } else {
    ctx.io.out << "# vramfit import: a models.yaml document; the entry under models: can be pasted into any models.yaml.\n"
               << "# quantization: " << cfg.mix_id << "\n"
               << yaml;
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
