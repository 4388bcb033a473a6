#include "catalog/planning_data.hpp"

#include <algorithm>
#include <memory>

#include "catalog/embedded.hpp"
#include "base/suggest.hpp"
#include "catalog/yaml_reader.hpp"

namespace vramfit::io {

namespace {

UseCaseTier read_tier(const YAML::Node& node, const std::string& file, Diagnostics& diag) {
  Entry e(node, file, diag, {"tier", "model", "quant", "context", "min_tps"});
  UseCaseTier t;
  t.tier = e.str("tier", true);
  if (t.tier != "minimum" && t.tier != "recommended" && t.tier != "best")
    e.problem("tier", "tier '" + t.tier + "' is not minimum, recommended or best");
  t.model = e.str("model");
  t.quant = e.str("quant", true);
  t.context = e.integer("context", 1, std::int64_t{1} << 31, true);
  t.min_tps = e.number("min_tps", 0, 1e6, true);
  e.finish();
  return t;
}

UseCase read_use_case(const YAML::Node& node, const std::string& file, Diagnostics& diag) {
  Entry e(node, file, diag, {"id", "name", "model", "finetune", "kinds", "laptop", "extra_gib", "notes", "tiers", "source"});
  UseCase u;
  u.id = e.str("id", true);
  u.name = e.str("name", true);
  u.model = e.str("model", true);
  u.finetune = e.str("finetune");
  if (!u.finetune.empty() && u.finetune != "lora" && u.finetune != "qlora")
    e.problem("finetune", "finetune '" + u.finetune + "' is not lora or qlora");
  u.kinds = e.strings("kinds");
  u.laptop = e.boolean("laptop");
  u.extra_gib = e.number("extra_gib", 0, 1e6);
  u.notes = e.str("notes");
  u.source = e.strings("source");
  if (u.source.empty()) e.problem("source", "use case '" + u.id + "': missing source");
  const YAML::Node tiers = e.child("tiers");
  if (!tiers.IsSequence() || tiers.size() == 0) e.problem("tiers", "use case '" + u.id + "': 'tiers' must be a non-empty list");
  else
    for (const YAML::Node& t : tiers) u.tiers.push_back(read_tier(t, file, diag));
  for (UseCaseTier& t : u.tiers)
    if (t.model.empty()) t.model = u.model;
  e.finish();
  return u;
}

}  // namespace

const UseCase& PlanningData::use_case(const std::string& id) const {
  std::vector<std::string> ids;
  for (const UseCase& u : use_cases) {
    if (io::to_lower(u.id) == io::to_lower(id)) return u;
    ids.push_back(u.id);
  }
  std::string list;
  for (const std::string& i : ids) list += (list.empty() ? "" : ", ") + i;
  throw InputError("unknown use case '" + id + "'" + io::did_you_mean(id, ids) + " (use cases: " + list + ")");
}

PlanningData parse_planning(const std::string& text, const std::string& file) {
  Diagnostics diag;  // stops at the first problem
  const YAML::Node root = io::parse_yaml(text, file);
  Entry top(root, file, diag,
            {"schema_version", "power", "quality", "quality_source", "quality_unconfirmed", "speed_source", "use_cases",
             "runtime_support", "runtime_support_source"});
  PlanningData d;
  if (top.integer("schema_version", 1, 1, true) != 1) return d;
  {
    Entry p(top.child("power"), file, diag, {"system_base_w", "psu_headroom", "psu_sizes_w", "source"});
    d.power.system_base_w = p.number("system_base_w", 0, 1e5, true);
    d.power.psu_headroom = p.number("psu_headroom", 1, 10, true);
    d.power.psu_sizes_w = p.numbers("psu_sizes_w", 1, 1e5);
    std::sort(d.power.psu_sizes_w.begin(), d.power.psu_sizes_w.end());
    d.power_source = p.strings("source");
    if (d.power_source.empty()) p.problem("source", "power: missing source");
    p.finish();
  }
  for (const YAML::Node& n : top.child("quality")) {
    Entry q(n, file, diag, {"min_bits", "rank", "level", "note"});
    QualityLevel l;
    l.min_bits = q.number("min_bits", 0, 64, true);
    l.rank = static_cast<int>(q.integer("rank", 0, 3, true));
    l.level = q.str("level", true);
    l.note = q.str("note", true);
    q.finish();
    d.quality.push_back(l);
  }
  std::sort(d.quality.begin(), d.quality.end(), [](const QualityLevel& a, const QualityLevel& b) { return a.min_bits > b.min_bits; });
  d.quality_source = top.strings("quality_source");
  if (d.quality_source.empty()) top.problem("quality_source", "quality: missing source");
  top.strings("quality_unconfirmed");
  d.speed_source = top.strings("speed_source");
  for (const YAML::Node& n : top.child("use_cases")) d.use_cases.push_back(read_use_case(n, file, diag));
  for (const YAML::Node& n : top.child("runtime_support")) {
    Entry r(n, file, diag, {"runtime", "vendor", "min_cc", "max_cc", "gfx", "note", "gates", "caveat_for", "weights"});
    SupportRule s;
    s.runtime = r.str("runtime", true);
    s.vendor = r.str("vendor", true);
    s.min_cc = r.number("min_cc", 0, 100);
    s.max_cc = r.number("max_cc", 0, 100);
    s.gfx = r.strings("gfx");
    s.note = r.str("note");
    s.gates = r.strings("gates");
    s.caveat_for = r.strings("caveat_for");
    s.weights = r.strings("weights");
    r.finish();
    d.support.push_back(s);
  }
  d.support_source = top.strings("runtime_support_source");
  if (d.support_source.empty()) top.problem("runtime_support_source", "runtime_support: missing source");
  top.finish();
  return d;
}

const PlanningData& planning_data() {
  static const std::unique_ptr<PlanningData> data = [] {
    for (const EmbeddedFile& f : embedded_catalog())
      if (f.name == "planning.yaml")
        return std::make_unique<PlanningData>(parse_planning(std::string(f.text), "data/planning.yaml"));
    throw InputError("data/planning.yaml is not embedded in this build");
  }();
  return *data;
}

}  // namespace vramfit::io
