#include "engine/check.hpp"

#include <algorithm>
#include <filesystem>

#include "base/input_file.hpp"
#include "formats/hf_config.hpp"

namespace vramfit::engine {

AgainstReport check_against(const io::Catalog& cat, const std::string& dir, io::Diagnostics& diag) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw io::InputError(dir + ": not a directory");
  std::vector<fs::path> entries;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) entries.push_back(it->path());
  if (ec) throw io::InputError(dir + ": cannot list the directory");
  std::sort(entries.begin(), entries.end());
  AgainstReport r;
  for (const fs::path& p : entries) {
    std::string name, config;
    if (fs::is_directory(p, ec)) {
      name = p.filename().string();
      config = (p / "config.json").string();
      if (!io::path_exists(config)) continue;  // a directory without a config; any other config.json is read (and refused if no file)
    } else if (p.extension() == ".json") {
      name = p.stem().string();
      config = p.string();
    } else {
      continue;
    }
    std::string id = name;
    if (const std::size_t dd = id.find("--"); dd != std::string::npos) id.replace(dd, 2, "/");  // org--name
    const io::CatalogModel* cm = cat.find_model(id);
    if (cm == nullptr) {
      r.unmatched.push_back(config + " (no catalog model '" + id + "')");
      continue;
    }
    AgainstReport::Match match{config, cm->spec.id, {}};
    try {
      match.differences = io::spec_differences(cm->spec, io::hf::read_hf_config(config).spec);
    } catch (const io::InputError& e) {
      std::string why = e.what();
      if (why.rfind(config + ": ", 0) == 0) why = why.substr(config.size() + 2);
      match.differences.push_back("unreadable: " + why);
    }
    for (const std::string& diff : match.differences)
      diag.report(io::Location{config, 0, 0}, "model '" + cm->spec.id + "': " + diff);
    r.matches.push_back(std::move(match));
  }
  return r;
}

CatalogCheckAnswer answer_catalog_check(Session& s) {
  io::Diagnostics diag(true);
  CatalogCheckAnswer a{io::load_catalog(s.catalog_directories(), diag), {}};
  io::check_catalog(a.catalog, diag);
  a.problems = diag.problems();
  return a;
}

CheckAgainstAnswer answer_check_against(Session& s, const std::string& dir) {
  io::Diagnostics diag(true);
  const io::Catalog cat = io::load_catalog(s.catalog_directories(), diag);
  CheckAgainstAnswer a;
  a.directory = dir;
  a.report = check_against(cat, dir, diag);
  a.problems = diag.problems();
  for (const auto& m : a.report.matches)
    if (m.differences.empty()) a.agree.push_back(m.id);
  return a;
}

}  // namespace vramfit::engine
