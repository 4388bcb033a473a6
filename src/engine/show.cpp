#include "engine/show.hpp"

#include <algorithm>

#include "base/diagnostics.hpp"
#include "base/suggest.hpp"
#include "engine/query.hpp"

namespace vramfit::engine {
namespace {

std::vector<TypeRow> type_histogram(const std::vector<FileTensor>& tensors) {
  std::vector<TypeRow> rows;
  for (const FileTensor& t : tensors) {
    auto it = std::find_if(rows.begin(), rows.end(), [&](const TypeRow& r) { return r.type == t.type; });
    if (it == rows.end()) it = rows.insert(rows.end(), TypeRow{t.type});
    it->tensors += 1;
    it->elements = checked_sum(it->elements, t.elements);
    it->bytes += t.bytes;
  }
  std::stable_sort(rows.begin(), rows.end(), [](const TypeRow& a, const TypeRow& b) { return a.bytes > b.bytes; });
  return rows;
}

}  // namespace

ShowAnswer answer_show(Session& s, const ShowRequest& r) {
  const io::Catalog& cat = s.catalog();
  ShowAnswer a;
  // A local file of that spelling, then the catalog, then a remote reference (as every command).
  const bool local = names_model_file(cat, r.id);
  const bool in_catalog = !local && (cat.find_model(r.id) != nullptr || cat.find_device(r.id) != nullptr);
  const std::optional<io::RemoteRef> ref = local || in_catalog ? std::nullopt : io::parse_remote_ref(r.id);
  if (local || ref) {
    const io::ModelFile& file = local ? s.model_file(r.id, r.mmproj).file : s.remote_model(*ref, "", r.mmproj).file;
    const ModelSpec& m = file.model.spec;
    const bool listed = !file.tensors.empty();
    a.kind = ShowAnswer::Kind::model_file;
    a.file = &file;
    a.model = &file.model;
    a.params = listed ? count_params_from_file(m, file.tensors) : count_params(m);
    if (listed) a.file_weights = weight_bytes_from_file(m, file.tensors);
    a.file_types = type_histogram(file.tensors);
    return a;
  }
  if (!r.mmproj.empty()) throw io::InputError("--mmproj goes with a GGUF model file");
  if ((a.model = cat.find_model(r.id)) != nullptr) {
    a.kind = ShowAnswer::Kind::model;
    a.params = count_params(a.model->spec);
    return a;
  }
  if ((a.device = cat.find_device(r.id)) != nullptr) {
    a.kind = ShowAnswer::Kind::device;
    return a;
  }
  // Mix ids (Q8_0) and type ids (q8_0) differ only in case: an exact match wins over a folded one.
  const bool type_exact = std::any_of(cat.types.begin(), cat.types.end(), [&](const io::CatalogType& t) { return t.type.id == r.id; });
  for (const io::CatalogMix& cm : cat.mixes)
    if (!type_exact && iequals(cm.mix.id, r.id)) {
      a.kind = ShowAnswer::Kind::quant;
      a.mix = &cm;
      return a;
    }
  for (const io::CatalogType& ct : cat.types)
    if (iequals(ct.type.id, r.id)) {
      a.kind = ShowAnswer::Kind::tensor_type;
      a.type = &ct;
      return a;
    }
  std::vector<std::string> ids;
  for (const auto& m : cat.models) ids.push_back(m.spec.id);
  for (const auto& d : cat.devices) ids.push_back(d.device.id);
  for (const auto& q : cat.mixes) ids.push_back(q.mix.id);
  for (const auto& t : cat.types) ids.push_back(t.type.id);
  if (r.id.empty()) throw io::InputError("empty id; see 'vramfit list models|devices|quants|types'");
  throw io::InputError("unknown id " + io::quote_cut(r.id) + io::did_you_mean(r.id, ids) + "; see 'vramfit list models|devices|quants|types'");
}

}  // namespace vramfit::engine
