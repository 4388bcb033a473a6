#include "engine/import.hpp"

#include "base/ids.hpp"
#include "base/input_file.hpp"
#include "catalog/catalog.hpp"
#include "formats/hf_config.hpp"
#include "vramfit/tensors.hpp"

namespace vramfit::engine {

ImportAnswer answer_import(Session& s, const ImportRequest& r) {
  if (!io::valid_id(r.id)) throw io::InputError("--id " + io::quote_cut(r.id) + " is not a valid id (" + io::kIdRule + ")");
  ImportAnswer a;
  std::string config = r.path;  // what the entry's source names, and errors too
  std::vector<std::string> notes;
  const std::optional<io::RemoteRef> ref = io::path_exists(r.path) ? std::nullopt : io::parse_remote_ref(r.path);
  if (ref) {
    // A remote model: its config.json or GGUF header, read as `estimate` reads it (engine/session.hpp).
    const io::ModelFile& file = s.remote_model(*ref, "", "").file;
    a.model = file.model.spec;
    a.mix_id = file.mix_id;
    notes = file.notes;
    if (file.remote) config = file.remote->url + (file.remote->revision.empty() ? "" : "@" + file.remote->revision);
  } else {
    config = io::hf::hf_config_path(r.path);
    const io::hf::HfConfig cfg = io::hf::read_hf_config(config);
    a.model = cfg.spec;
    a.mix_id = cfg.mix_id;
    notes = cfg.notes;
  }
  a.model.id = r.id;
  a.model.name = r.name.empty() ? r.id : r.name;
  a.notes = notes;
  a.params_total = count_params(a.model).total;
  a.yaml = io::hf::catalog_entry_yaml(a.model, notes, config + " (imported by vramfit import)");
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
