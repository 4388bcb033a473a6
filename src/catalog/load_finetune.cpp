// runtimes.yaml `finetune:` -> FinetuneProfile (include/vramfit/finetune.hpp; docs/finetune.md).
// A user runtimes.yaml with a finetune: section replaces the whole profile.
#include "catalog/load_common.hpp"

namespace vramfit::io {

void load_finetune(Catalog& cat, const YAML::Node& root, const std::string& file, Diagnostics& diag) {
  if (!root.IsMap() || !root["finetune"].IsDefined() || root["finetune"].IsNull()) return;
  Entry e(root["finetune"], file, diag,
          {"adamw_bytes", "adamw_8bit_bytes", "sgd_bytes", "cuda_context_mib", "fragmentation", "logits_bytes",
           "zero3_gathered_layers", "efficiency", "dequant_bandwidth_efficiency", "source"});
  if (!root["finetune"].IsMap()) {
    diag.report(e.loc(), "'finetune' must be a map");
    return;
  }
  FinetuneProfile p;
  p.adamw_bytes = e.integer("adamw_bytes", 1, 64, true);
  p.adamw_8bit_bytes = e.integer("adamw_8bit_bytes", 1, 64, true);
  p.sgd_bytes = e.integer("sgd_bytes", 0, 64, true);
  p.cuda_context = mib(e.integer("cuda_context_mib", 0, 1 << 20, true));
  p.fragmentation = e.number("fragmentation", 0, 1, true);
  p.logits_bytes = e.integer("logits_bytes", 0, 64, true);
  p.zero3_gathered_layers = e.integer("zero3_gathered_layers", 1, 64, true);
  p.efficiency = e.number("efficiency", 0.01, 1, true);
  p.dequant_bandwidth_efficiency = e.number("dequant_bandwidth_efficiency", 0.01, 1, true);
  p.source = e.strings("source");
  e.finish();
  cat.finetune = std::move(p);
}

}  // namespace vramfit::io
