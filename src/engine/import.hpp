// `import`: a Hugging Face config.json (or its directory) as a models.yaml entry (docs/huggingface.md),
// checked to load with the catalog's own loader before it is handed out.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/session.hpp"
#include "vramfit/model.hpp"

namespace vramfit::engine {

struct ImportRequest {
  std::string path;  // model directory (with config.json) or a config.json file
  std::string id;    // catalog id of the new entry
  std::string name;  // display name; empty: the id
};

struct ImportAnswer {
  ModelSpec model;  // as read, with the request's id and name
  std::string mix_id;  // the weight format of quantization_config
  std::vector<std::string> notes;
  std::int64_t params_total = 0;
  std::string yaml;  // a whole models.yaml document holding the entry
};

ImportAnswer answer_import(Session& s, const ImportRequest& r);

}  // namespace vramfit::engine
