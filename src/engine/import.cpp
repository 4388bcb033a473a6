#include "engine/import.hpp"

#include "base/ids.hpp"
#include "catalog/catalog.hpp"
#include "formats/hf_config.hpp"
#include "vramfit/tensors.hpp"

namespace vramfit::engine {

ImportAnswer answer_import(Session&, const ImportRequest& r) {
  if (!io::valid_id(r.id)) throw io::InputError("--id " + io::quote_cut(r.id) + " is not a valid id (" + io::kIdRule + ")");
  const std::string config = io::hf::hf_config_path(r.path);
  const io::hf::HfConfig cfg = io::hf::read_hf_config(config);
  ImportAnswer a;
  a.model = cfg.spec;
  a.model.id = r.id;
  a.model.name = r.name.empty() ? r.id : r.name;
  a.mix_id = cfg.mix_id;
  a.notes = cfg.notes;
  a.params_total = count_params(a.model).total;
  a.yaml = io::hf::catalog_entry_yaml(a.model, cfg.notes, config + " (imported by vramfit import)");
  // What import hands out must load: the entry goes through the models.yaml loader first, so that a
  // value the config allows and the catalog does not (parameters past its limit ...) is refused
  // here, naming the config, not later by --catalog-dir.
  try {
    io::Catalog loaded;
    io::Diagnostics diag;
    io::load_catalog_text(loaded, "models.yaml", "models.yaml", a.yaml, diag);
  } catch (const io::InputError& e) {
    throw io::InputError(config + ": the entry import would print does not load: " + e.what());
  }
  return a;
}

}  // namespace vramfit::engine
