// `vramfit catalog check`: every consistency rule a catalog must satisfy, with file:line.
#pragma once

#include <string>
#include <vector>

#include "catalog/catalog.hpp"

namespace vramfit::io {

struct CheckOptions {
  double param_tolerance = 0.015;      // recomputed vs declared parameters (issue: flag > 1.5 %)
  double bandwidth_tolerance = 0.03;   // bus x data rate vs stated bandwidth (marketing rounds, e.g. Apple 200 vs 204.8)
};

// Semantic checks on an already-loaded catalog; load problems are reported by the loader itself.
void check_catalog(const Catalog& cat, Diagnostics& diag, const CheckOptions& opt = {});

// Field-by-field differences between a catalog model and the same model described elsewhere (a
// config.json), as "max_context: 131072 here, 8192 in the catalog". Ids, names, declared parameter
// counts and the vision encoder's display name are not compared. Empty when they agree.
std::vector<std::string> spec_differences(const ModelSpec& catalog, const ModelSpec& other);

}  // namespace vramfit::io
