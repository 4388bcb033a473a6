// `catalog check`: every problem of the catalog (the embedded one plus the session's directories),
// collected instead of stopping at the first; and --against DIR, Hugging Face configs compared field
// by field with the catalog entries they name (catalog/check.hpp).
#pragma once

#include <string>
#include <vector>

#include "base/diagnostics.hpp"
#include "catalog/catalog.hpp"
#include "catalog/check.hpp"
#include "engine/session.hpp"

namespace vramfit::engine {

struct CatalogCheckAnswer {
  io::Catalog catalog;  // as loaded with every problem collected
  std::vector<io::Problem> problems;
  [[nodiscard]] bool clean() const { return problems.empty(); }
};
CatalogCheckAnswer answer_catalog_check(Session& s);

// `vramfit catalog check --against DIR`: each subdirectory with a config.json, or each *.json file,
// of DIR named after a catalog id or alias ("org--name" for "org/name") is read with the Hugging Face
// reader and compared with the catalog entry. Differences and unreadable configs go to `diag`.
struct AgainstReport {
  struct Match {
    std::string file;
    std::string id;
    std::vector<std::string> differences;
  };
  std::vector<Match> matches;          // in file-name order
  std::vector<std::string> unmatched;  // "FILE (no catalog model 'NAME')"
};
AgainstReport check_against(const io::Catalog& cat, const std::string& dir, io::Diagnostics& diag);


struct CheckAgainstAnswer {
  std::string directory;
  AgainstReport report;
  std::vector<io::Problem> problems;
  std::vector<std::string> agree;  // catalog ids whose config matches in every compared field
  [[nodiscard]] bool clean() const { return problems.empty(); }
};
CheckAgainstAnswer answer_check_against(Session& s, const std::string& dir);

}  // namespace vramfit::engine
