// `list`: the catalog entries of one kind whose id, name (and vendor, kind, architecture) contain a
// filter text, with what a listing shows beside them (parameter counts, bits per weight, KV use).
#pragma once

#include <string>
#include <vector>

#include "engine/session.hpp"
#include "vramfit/tensors.hpp"

namespace vramfit::engine {

struct ListRequest {
  std::string what;    // models | devices | quants | types | runtimes | ollama
  std::string filter;  // case-insensitive substring; empty: everything
};

struct ListedModel {
  const io::CatalogModel* entry = nullptr;
  ParamCounts params;
};
struct ListedMix {
  const io::CatalogMix* entry = nullptr;
  double base_bits_per_weight = 0;
};
struct ListedType {
  const io::CatalogType* entry = nullptr;
  bool kv = false;  // usable as a KV cache type
};
// One Ollama name:tag of data/ollama.yaml; a tag whose model the catalog lacks has `missing` set.
struct ListedOllama {
  std::string name, tag;
  std::string model, quant;  // empty when missing
  bool latest = false;
  std::string missing;
};

struct ListAnswer {
  std::string what;
  std::vector<ListedModel> models;
  std::vector<const io::CatalogDevice*> devices;
  std::vector<ListedMix> mixes;
  std::vector<ListedType> types;
  std::vector<const RuntimeProfile*> runtimes;
  std::vector<ListedOllama> ollama;
};

ListAnswer answer_list(Session& s, const ListRequest& r);

}  // namespace vramfit::engine
